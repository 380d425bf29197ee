//! The PPP layer's one error type (LCP/IPCP/CCP engines, CHAP, MPPE).
//! Malformed bytes arrive wrapped as `Wire`; the other variants are a
//! well-formed packet that the peer should not have sent, or a local misuse.

use thiserror::Error;

use crate::wire::WireError;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum PppError {
    /// The bytes did not parse.
    #[error("malformed PPP packet: {0}")]
    Wire(#[from] WireError),
    /// A well-formed packet that does not fit the current state.
    #[error("unexpected packet: protocol {protocol:#06x} code {code}")]
    UnexpectedPacket { protocol: u16, code: u8 },
    /// The protocol (or the link) is not in the Opened state.
    #[error("not open")]
    NotOpen,
    /// An MPPE packet that cannot be accepted (RFC 3078 3).
    #[error("MPPE: {0}")]
    Mppe(&'static str),
    /// An MPPE coherency count that cannot be reached from the current one.
    #[error("MPPE coherency count {got} unusable after {expected}")]
    MppeCoherency { expected: u16, got: u16 },
    /// A PPP protocol number this implementation does not handle.
    #[error("unknown PPP protocol {0:#06x}")]
    UnknownProtocol(u16),
    /// A well-formed CHAP packet with an identifier that does not match.
    #[error("CHAP identifier {got} does not match {expected}")]
    ChapIdMismatch { expected: u8, got: u8 },
}
