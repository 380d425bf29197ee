//! Sans-IO PPTP (RFC 2637): one control connection with its one call, in
//! either role, and the call's enhanced-GRE data channel. A Windows VPN
//! client plays the PNS (it sends Start-Control-Connection-Request and
//! Outgoing-Call-Request); RRAS plays the PAC.
//!
//! The caller owns the TCP connection (`tcp::TcpStack`) and the GRE
//! packets' IP layer: bytes from TCP go to `handle_stream`, what
//! `poll_stream` gives goes to TCP; GRE packets (IP protocol 47 payloads)
//! go to `handle_gre` and come from `poll_gre`. PPP frames come out as
//! `PptpEvent::PppFrame` and go in with `send_ppp`.
//!
//! Polling order after any `handle_*` or command: drain `poll_stream`,
//! `poll_gre`, then `poll_event`, then sleep until `poll_timeout`.

mod control;
mod data;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod wire_check;

use core::time::Duration;

use thiserror::Error;

pub use control::Control;

use crate::wire::pptp::MessageType;
use crate::wire::WireError;

/// A control connection idle this long is probed with Echo-Request (RFC
/// 2637 2.4 suggests 60 s).
pub const ECHO_INTERVAL: Duration = Duration::from_secs(60);
/// An Echo-Request unanswered this long ends the control connection
/// [MODEL: RFC 2637 leaves it to the implementation].
pub const ECHO_TIMEOUT: Duration = Duration::from_secs(60);
/// A received GRE packet is acknowledged on its own after this, unless a
/// data packet carries the acknowledgement first [MODEL].
pub const ACK_DELAY: Duration = Duration::from_millis(100);
/// Frames held while the peer's receive window is full, beyond which new
/// frames are dropped (PPP recovers as over any lossy link).
pub const MAX_QUEUED: usize = 64;

/// Outgoing-Call-Reply result codes (RFC 2637 2.8).
pub mod result {
    pub const CONNECTED: u8 = 1;
    pub const GENERAL_ERROR: u8 = 2;
    pub const BUSY: u8 = 4;
    pub const DO_NOT_ACCEPT: u8 = 7;
    /// Start-Control-Connection-Reply (2.2): 1 successful channel.
    pub const CHANNEL_ESTABLISHED: u8 = 1;
    /// Call-Disconnect-Notify (2.13): 3 administrative, 4 on request.
    pub const CDN_ADMIN: u8 = 3;
    pub const CDN_REQUEST: u8 = 4;
    /// Stop-Control-Connection-Request reason (2.3): 1 general request.
    pub const STOP_GENERAL: u8 = 1;
}

/// Which end of the control connection this is (RFC 2637 1.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Network server: opens the control connection and the call (the
    /// Windows client).
    Pns,
    /// Access concentrator: answers them (RRAS).
    Pac,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PptpConfig {
    pub host_name: String,
    pub vendor_name: String,
    pub firmware_revision: u16,
    /// Our Packet Receive Window Size (RFC 2637 2.7, 2.8).
    pub receive_window: u16,
}

/// Why a control connection ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ControlDownReason {
    /// Stop-Control-Connection exchanged (either side asked).
    Stopped,
    /// The peer refused the control connection (its SCCRP result).
    Refused { result: u8, error: u8 },
    /// Echo-Request unanswered (`ECHO_TIMEOUT`).
    EchoTimeout,
    /// The TCP connection closed or reset underneath.
    ConnectionLost,
    /// The byte stream cannot be framed any more (a length below 12).
    StreamBroken,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PptpEvent {
    ControlUp,
    /// PAC: the PNS asked for a call; answer with `answer_call`.
    CallRequested {
        peer_call_id: u16,
    },
    /// The call is up: PPP frames may flow.
    CallUp,
    /// PNS: the PAC's Outgoing-Call-Reply said no.
    CallRefused {
        result: u8,
        error: u8,
    },
    PppFrame(Vec<u8>),
    /// The call is over (Call-Disconnect-Notify sent or received, or the
    /// control connection went first); `result` is the CDN's.
    CallDown {
        result: u8,
    },
    /// The control connection is over; the caller closes TCP once
    /// `poll_stream` is drained.
    ControlDown(ControlDownReason),
}

/// What the engine refused; it has dropped the message when it returns.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum PptpError {
    #[error("malformed PPTP or GRE: {0}")]
    Malformed(#[from] WireError),
    /// A well-formed message the state does not allow.
    #[error("unexpected {message:?} in state {state}")]
    UnexpectedMessage {
        message: MessageType,
        state: &'static str,
    },
    /// A GRE packet or a message for a call id that is not ours.
    #[error("no call {call_id}")]
    UnknownCall { call_id: u16 },
    /// A GRE packet older than one already received (RFC 2637 4.3 lets the
    /// receiver discard it).
    #[error("GRE packet out of order")]
    OutOfOrder,
    /// `send_ppp` while no call is up.
    #[error("no call up")]
    CallNotUp,
    /// The peer's receive window is full and `MAX_QUEUED` frames wait.
    #[error("send queue full")]
    QueueFull,
}

impl PptpError {
    /// What kind of refusal this is (diagnostics count by it).
    pub fn kind(&self) -> &'static str {
        match self {
            PptpError::Malformed(_) => "malformed message",
            PptpError::UnexpectedMessage { .. } => "unexpected message",
            PptpError::UnknownCall { .. } => "unknown call",
            PptpError::OutOfOrder => "GRE packet out of order",
            PptpError::CallNotUp => "no call up",
            PptpError::QueueFull => "send queue full",
        }
    }
}

/// `a` comes after `b` in 32-bit sequence space (RFC 1982).
pub(crate) fn seq_after(a: u32, b: u32) -> bool {
    a != b && a.wrapping_sub(b) < 0x8000_0000
}
