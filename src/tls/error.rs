//! The TLS layer's one error type. Malformed bytes arrive as `Wire`; the
//! others are well-formed records or messages that fail a check
//! (RFC 2246 7.2.2 names the alert each one ends in).

use thiserror::Error;

use crate::crypto::error::CryptoError;
use crate::wire::WireError;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum TlsError {
    #[error("malformed TLS: {0}")]
    Wire(#[from] WireError),
    /// bad_record_mac (RFC 2246 7.2.2): the MAC does not verify, or a
    /// sealed record is too short to hold one.
    #[error("bad record MAC")]
    BadRecordMac,
    /// decryption_failed (RFC 2246 7.2.2): block padding that is not
    /// padding_length + 1 octets of padding_length, or a ciphertext that
    /// is not whole blocks.
    #[error("decryption failed")]
    DecryptionFailed,
    /// An RSA key too short to carry a PKCS#1 v1.5 pre-master secret.
    #[error("RSA key of {0} bytes is too small")]
    KeyTooSmall(usize),
    /// A key block shorter than the suite needs (RFC 2246 6.3).
    #[error("key block of {0} bytes is too short for the suite")]
    KeyBlockTooShort(usize),
    /// The cipher refused its key, IV or data.
    #[error("cipher: {0}")]
    Crypto(#[from] CryptoError),
    /// A cipher suite this implementation does not speak.
    #[error("cipher suite {0:#06x} not supported")]
    UnsupportedSuite(u16),
}
