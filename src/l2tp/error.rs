//! Errors of the L2TP engine: malformed bytes (from `wire`) kept apart from
//! well-formed messages a peer should not have sent, and from local misuse.

use thiserror::Error;

use crate::wire::l2tp::MessageType;
use crate::wire::WireError;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum L2tpError {
    /// The datagram is not a well-formed L2TP message.
    #[error("malformed L2TP message: {0}")]
    Malformed(#[from] WireError),
    /// A hidden AVP (RFC 2661 4.3): we share no secret to decrypt it.
    #[error("hidden AVP {attribute} unsupported")]
    HiddenAvpUnsupported { attribute: u16 },
    /// An unrecognised AVP with the M bit (RFC 2661 4.1); the tunnel or the
    /// session has been torn down.
    #[error("unknown mandatory AVP vendor {vendor_id} type {attribute} in {message:?}")]
    UnknownMandatoryAvp {
        message: MessageType,
        vendor_id: u16,
        attribute: u16,
    },
    /// A message the RFC requires an AVP in arrived without it.
    #[error("{message:?} without the {avp} AVP")]
    MissingAvp {
        message: MessageType,
        avp: &'static str,
    },
    /// A message not valid in the tunnel's or session's state.
    #[error("unexpected {message:?} in state {state}")]
    UnexpectedMessage {
        message: MessageType,
        state: &'static str,
    },
    /// A message for a tunnel id we have not assigned, or from another peer.
    #[error("no tunnel {tunnel_id}")]
    UnknownTunnel { tunnel_id: u16 },
    /// A message for a session id we have not assigned.
    #[error("no session {session_id} in tunnel {tunnel_id}")]
    UnknownSession { tunnel_id: u16, session_id: u16 },
    /// A control message with Tunnel ID 0 that is not an SCCRQ (RFC 2661 3.1).
    #[error("{message:?} with tunnel id 0")]
    NoTunnelId { message: MessageType },
    /// `send_ppp` on a session that is not established.
    #[error("session not established")]
    SessionNotUp,
    /// A frame too large for one L2TP data message.
    #[error("frame of {len} bytes too large")]
    FrameTooLarge { len: usize },
}

impl L2tpError {
    /// What kind of refusal this is, without ids that vary from run to run
    /// (diagnostics count by it).
    pub fn kind(&self) -> &'static str {
        match self {
            L2tpError::Malformed(_) => "malformed message",
            L2tpError::HiddenAvpUnsupported { .. } => "hidden AVP",
            L2tpError::UnknownMandatoryAvp { .. } => "unknown mandatory AVP",
            L2tpError::MissingAvp { .. } => "missing AVP",
            L2tpError::UnexpectedMessage { .. } => "unexpected message",
            L2tpError::UnknownTunnel { .. } => "unknown tunnel",
            L2tpError::UnknownSession { .. } => "unknown session",
            L2tpError::NoTunnelId { .. } => "message without tunnel id",
            L2tpError::SessionNotUp => "session not established",
            L2tpError::FrameTooLarge { .. } => "frame too large",
        }
    }
}
