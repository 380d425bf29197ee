//! The wire layer's one error type: what was wrong with the bytes, and where.
//! Only malformed input lands here; a well-formed packet that a peer should
//! not have sent is the protocol engine's business.

use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum WireError {
    /// Fewer bytes than the format needs.
    #[error("{what}: truncated, need {need} bytes, have {have}")]
    Truncated {
        what: &'static str,
        need: usize,
        have: usize,
    },
    /// A length field disagrees with the bytes present or the format's rules.
    #[error("{what}: bad length {len}")]
    BadLength { what: &'static str, len: usize },
    /// A version field this implementation does not speak.
    #[error("{what}: unsupported version {version}")]
    BadVersion { what: &'static str, version: u8 },
    /// A checksum that does not verify.
    #[error("{what}: bad checksum")]
    BadChecksum { what: &'static str },
    /// Bytes left over after a structure that declares its own length.
    #[error("{what}: {bytes} trailing bytes")]
    Trailing { what: &'static str, bytes: usize },
    /// Any other violation of the format, with the rule broken.
    #[error("{what}: {detail}")]
    Malformed {
        what: &'static str,
        detail: &'static str,
    },
}

impl WireError {
    /// `Truncated` unless `have` bytes hold the `need` the format asks for.
    pub fn check_len(what: &'static str, need: usize, have: usize) -> Result<(), WireError> {
        if have < need {
            return Err(WireError::Truncated { what, need, have });
        }
        Ok(())
    }

    /// Turns a short read of `codec::Reader` into `Truncated` for `what`.
    pub fn short(what: &'static str) -> impl Fn(super::codec::Short) -> WireError {
        move |s| WireError::Truncated {
            what,
            need: s.wanted,
            have: s.left,
        }
    }
}
