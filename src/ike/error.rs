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
    Unexpected(Unexpected),
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
            IkeError::Unexpected(why) => why.as_str(),
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

/// Why a well-formed message does not fit the exchange it belongs to, or
/// cannot be answered from the exchange's state. Its text is both the
/// diagnostics' kind and the end of `IkeError`'s message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Unexpected {
    /// An exchange type other than Main Mode, Quick Mode and Informational
    /// (RFC 2408 4.1: Base, Authentication Only, Aggressive are not run).
    ExchangeNotImplemented,

    // Main Mode (RFC 2409 5).
    /// Main Mode carries message id 0 (RFC 2409 5).
    MainModeWithMessageId,
    /// An MM1 whose initiator cookie already has an ISAKMP SA.
    SecondMm1,
    /// A Main Mode message that is not the one the SA's state awaits.
    MainModeOutOfSequence,
    /// MM1 has no keys yet to be encrypted with.
    EncryptedMm1,
    /// MM5 and MM6 are encrypted (RFC 2409 5).
    Mm5Mm6NotEncrypted,
    /// A nonce outside 8-256 octets (RFC 2409 5).
    NonceLength,
    /// MM3 or MM4 before an offer was agreed.
    NoOfferChosen,
    /// The agreed offer authenticates with a pre-shared key this side does
    /// not have (RFC 2409 5.4).
    NoPreSharedKey,
    /// The other side's KE came before our Diffie-Hellman value existed.
    NoDh,
    /// An authentication message before SKEYID and the phase-1 keys.
    NoKeys,
    /// Our private key could not sign the authentication hash (RFC 2409 5.1).
    SigningFailed,

    // Quick Mode (RFC 2409 5.5).
    /// Quick Mode has a non-zero message id and is encrypted.
    QuickModeNeedsMessageIdAndEncryption,
    /// A message for a Quick Mode that has already finished or failed.
    QuickModeFinished,
    /// Client IDs come as a pair or not at all (RFC 2409 5.5).
    QuickModeIdCount,
    /// Client IDs other than single IPv4 addresses.
    QuickModeIdsNotIpv4,

    // Informational (RFC 2409 5.7).
    /// An encrypted Informational on an ISAKMP SA that has no keys yet.
    EncryptedBeforeKeys,
}

impl Unexpected {
    /// The reason as the diagnostics count it and `IkeError` prints it.
    pub fn as_str(self) -> &'static str {
        match self {
            Unexpected::ExchangeNotImplemented => "exchange type not implemented",
            Unexpected::MainModeWithMessageId => "Main Mode with a message id",
            Unexpected::SecondMm1 => "second MM1 for a known cookie",
            Unexpected::MainModeOutOfSequence => "Main Mode message out of sequence",
            Unexpected::EncryptedMm1 => "encrypted MM1",
            Unexpected::Mm5Mm6NotEncrypted => "MM5/MM6 must be encrypted",
            Unexpected::NonceLength => "nonce length",
            Unexpected::NoOfferChosen => "no offer chosen",
            Unexpected::NoPreSharedKey => "no pre-shared key",
            Unexpected::NoDh => "no DH",
            Unexpected::NoKeys => "no keys",
            Unexpected::SigningFailed => "signing failed",
            Unexpected::QuickModeNeedsMessageIdAndEncryption => {
                "Quick Mode needs a message id and encryption"
            }
            Unexpected::QuickModeFinished => "Quick Mode already finished",
            Unexpected::QuickModeIdCount => "Quick Mode needs zero or two IDs",
            Unexpected::QuickModeIdsNotIpv4 => "Quick Mode IDs must be ID_IPV4_ADDR",
            Unexpected::EncryptedBeforeKeys => "encrypted before keys",
        }
    }
}

impl core::fmt::Display for Unexpected {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<Unexpected> for IkeError {
    fn from(why: Unexpected) -> Self {
        IkeError::Unexpected(why)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The diagnostics count refusals by `kind()`, and reports quote the
    /// message: both texts are part of the output and must not drift.
    #[test]
    fn unexpected_reasons_keep_their_texts() {
        let e = IkeError::Unexpected(Unexpected::NoKeys);
        assert_eq!(e.kind(), "no keys");
        assert_eq!(e.to_string(), "ike: unexpected message: no keys");
        let e = IkeError::from(Unexpected::QuickModeIdsNotIpv4);
        assert_eq!(e.kind(), "Quick Mode IDs must be ID_IPV4_ADDR");
        assert_eq!(
            e.to_string(),
            "ike: unexpected message: Quick Mode IDs must be ID_IPV4_ADDR"
        );
    }
}
