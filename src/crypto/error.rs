//! The IKE/ESP crypto layer's one error type. Every length the primitives
//! cannot work with, and every Diffie-Hellman public value that must be
//! refused, lands here instead of in a panic. Unit variants: callers match
//! on the kind; the lengths involved are the caller's own.

use thiserror::Error;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum CryptoError {
    /// A cipher key whose length is not the algorithm's `key_len()`.
    #[error("cipher key of the wrong length")]
    BadKeyLength,
    /// Data that is not a whole number of cipher blocks (callers pad).
    #[error("data is not a whole number of cipher blocks")]
    BadBlockLength,
    /// An IV whose length is not the cipher's block length.
    #[error("IV of the wrong length")]
    BadIvLength,
    /// A Diffie-Hellman public value of the wrong length (RFC 2409 5: the
    /// KE data is exactly the length of the prime, zero-padded in front).
    #[error("Diffie-Hellman public value of the wrong length")]
    BadPublicLength,
    /// A Diffie-Hellman public value outside 1 < y < p-1: a peer forcing a
    /// trivial shared secret (RFC 2631 2.1.5, NIST SP 800-56A 5.6.2.3.1).
    #[error("Diffie-Hellman public value out of range")]
    BadPublicValue,
    /// An elliptic-curve private scalar of the wrong length or outside
    /// [1, n-1] (RFC 5903 7; only tests and the seeded draw build one).
    #[error("elliptic-curve private scalar of the wrong length or out of range")]
    BadPrivateScalar,
}
