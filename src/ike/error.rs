//! The IKE engine's error type, returned by `Ike::handle_datagram` for
//! diagnostics only: the engine has already dropped the message (or
//! answered it) when it returns. Malformed bytes are separate from messages
//! that are well formed but do not fit any negotiation.

use thiserror::Error;

use crate::crypto::error::CryptoError;
use crate::wire::WireError;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum IkeError {
    /// The datagram or its decrypted payloads do not parse (RFC 2408 3).
    #[error("ike: malformed message: {0}")]
    Malformed(#[from] WireError),
    /// Ciphertext that is not a whole number of blocks, or bad key material.
    #[error("ike: cannot decrypt: {0}")]
    Crypto(#[from] CryptoError),
    /// No ISAKMP SA has these cookies (RFC 2408 5.2: INVALID-COOKIE).
    #[error("ike: no security association for these cookies")]
    UnknownSa,
    /// A payload the exchange requires is absent (RFC 2409 5, 5.5).
    #[error("ike: missing {0} payload")]
    MissingPayload(&'static str),
    /// Well formed, but not what the exchange expects now.
    #[error("ike: unexpected message: {0}")]
    Unexpected(&'static str),
    /// A Quick Mode or Informational HASH that does not verify (RFC 2409 5.5, 5.7).
    #[error("ike: hash mismatch")]
    HashMismatch,
    /// NAT-D showed a NAT this side's NAT-T scope does not cross (XP SP2's
    /// AssumeUDPEncapsulationContextOnSendRule): the message is dropped.
    #[error("ike: NAT-T refused: the responder is behind a NAT")]
    NatTRefused,
}

impl IkeError {
    /// What kind of refusal this is, without the details that vary from
    /// run to run (diagnostics count by it).
    pub fn kind(&self) -> &'static str {
        match self {
            IkeError::Malformed(_) => "malformed message",
            IkeError::Crypto(_) => "cannot decrypt",
            IkeError::UnknownSa => "no SA for these cookies",
            IkeError::MissingPayload(p) => p,
            IkeError::Unexpected(what) => what,
            IkeError::HashMismatch => "hash mismatch",
            IkeError::NatTRefused => {
                "NAT-T refused: responder behind a NAT (AssumeUDPEncapsulationContextOnSendRule)"
            }
        }
    }

    /// Malformed bytes, as opposed to a peer's well-formed misstep.
    pub fn is_malformed(&self) -> bool {
        matches!(self, IkeError::Malformed(_) | IkeError::Crypto(_))
    }
}
