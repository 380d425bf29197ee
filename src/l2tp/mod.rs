//! Sans-IO L2TP (RFC 2661): control connections with reliable delivery and
//! incoming calls, for both roles (LAC: the Windows client; LNS: RRAS).
//!
//! Polling order after any `handle_*` call or `connect`: drain
//! `poll_transmit`, then `poll_event`, then sleep until `poll_timeout` and
//! call `handle_timeout`.

mod control;
mod endpoint;
mod error;
mod session;
mod trace;

#[cfg(test)]
mod tests;

use std::net::SocketAddrV4;
use std::time::Duration;

pub use control::{seq_lt, ACK_DELAY, DEFAULT_PEER_WINDOW, MAX_RETRANSMITS, RETRANSMIT_DELAYS};
pub use endpoint::Endpoint;
pub use error::L2tpError;

pub use crate::wire::l2tp::MessageType;

/// Where a tunnel's peer is: its UDP address and a context the layer below
/// gave with its datagrams, handed back with every datagram for it. Over
/// IPsec NAT-T that is the UDP encapsulation context (which SA the packet
/// came in on): two clients behind one NAT share an address and port and
/// differ only by it. 0 when the layer below has none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct PeerAddr {
    pub addr: SocketAddrV4,
    pub context: u16,
}

impl From<SocketAddrV4> for PeerAddr {
    fn from(addr: SocketAddrV4) -> Self {
        PeerAddr { addr, context: 0 }
    }
}

/// HELLO after this much silence from the peer (RFC 2661 6.5 default).
pub const DEFAULT_HELLO_INTERVAL: Duration = Duration::from_secs(60);
/// How long a tunnel's state is kept after a StopCCN, sent or received, so
/// retransmissions are still acknowledged (RFC 2661 5.7): one full
/// retransmission cycle.
pub const STOPCCN_HOLD: Duration = Duration::from_secs(31);

/// Result Code values (RFC 2661 4.4.2).
pub mod result {
    /// StopCCN: general request to clear the control connection.
    pub const STOPCCN_GENERAL_REQUEST: u16 = 1;
    /// StopCCN and CDN: general error, Error Code says which.
    pub const GENERAL_ERROR: u16 = 2;
    /// StopCCN: protocol version not supported.
    pub const STOPCCN_UNSUPPORTED_VERSION: u16 = 5;
    /// StopCCN: shutting down.
    pub const STOPCCN_SHUTTING_DOWN: u16 = 6;
    /// CDN: call disconnected for administrative reasons.
    pub const CDN_ADMIN: u16 = 3;
    /// CDN: temporary lack of appropriate facilities.
    pub const CDN_NO_FACILITIES_TEMPORARY: u16 = 4;
    /// General error code: no general error.
    pub const ERROR_NONE: u16 = 0;
    /// General error code: insufficient resources.
    pub const ERROR_INSUFFICIENT_RESOURCES: u16 = 4;
    /// General error code: torn down for an unknown M-bit AVP.
    pub const ERROR_UNKNOWN_MANDATORY_AVP: u16 = 8;
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointConfig {
    pub host_name: String,
    pub vendor_name: String,
    /// Our Receive Window Size AVP (RFC 2661 4.4.3).
    pub receive_window: u16,
    /// LNS: sessions (RRAS "L2TP ports") accepted over all tunnels; 0 refuses
    /// every tunnel with StopCCN.
    pub max_sessions: u16,
    pub hello_interval: Duration,
    pub firmware_revision: u16,
}

impl Default for EndpointConfig {
    fn default() -> Self {
        EndpointConfig {
            host_name: "host".into(),
            vendor_name: "Microsoft".into(),
            receive_window: 8,
            max_sessions: 5,
            hello_interval: DEFAULT_HELLO_INTERVAL,
            firmware_revision: 0x0500,
        }
    }
}

/// Our (local) tunnel id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TunnelHandle(pub u16);

/// Our (local) tunnel and session ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SessionHandle {
    pub tunnel: u16,
    pub session: u16,
}

impl SessionHandle {
    pub fn tunnel(self) -> TunnelHandle {
        TunnelHandle(self.tunnel)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TunnelDownReason {
    /// Retransmissions exhausted (RFC 2661 5.8, WINDOWS.md 5).
    Timeout,
    /// The peer sent StopCCN (RFC 2661 4.4.2 Result Code).
    StopCcn {
        result: u16,
        error: Option<u16>,
        message: Option<String>,
    },
    /// We closed it (`close_tunnel`).
    Closed,
    /// We tore it down because of the peer's protocol error (StopCCN sent).
    ProtocolError,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionDownReason {
    /// The peer sent CDN.
    Cdn {
        result: u16,
        error: Option<u16>,
        message: Option<String>,
    },
    /// We closed it (`close_session`).
    Closed,
    /// Its tunnel went down, for this reason (a dial tells a peer's
    /// StopCCN from a dead link by it).
    TunnelDown(TunnelDownReason),
    /// We sent CDN because of the peer's protocol error.
    ProtocolError,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    TunnelUp {
        tunnel: TunnelHandle,
    },
    SessionUp {
        session: SessionHandle,
        tunnel: TunnelHandle,
    },
    PppFrame {
        session: SessionHandle,
        frame: Vec<u8>,
    },
    SessionDown {
        session: SessionHandle,
        reason: SessionDownReason,
    },
    TunnelDown {
        tunnel: TunnelHandle,
        reason: TunnelDownReason,
    },
    /// After `TunnelDown`: the StopCCN exchange is over (our StopCCN was
    /// acknowledged, or the hold after the peer's ended), so nothing of this
    /// tunnel will be sent any more (RFC 2661 5.7).
    TunnelClosed {
        tunnel: TunnelHandle,
    },
    /// LNS: an SCCRQ refused with StopCCN (`max_sessions == 0`).
    TunnelRefused {
        peer: SocketAddrV4,
        result: u16,
    },
    /// LNS: an ICRQ refused with CDN (no free session).
    CallRefused {
        tunnel: TunnelHandle,
        result: u16,
    },
    /// Diagnostics: a control message was sent again.
    Retransmitted {
        tunnel: TunnelHandle,
        ns: u16,
        message_type: MessageType,
    },
}
