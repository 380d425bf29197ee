//! The IPsec layer's error type. `EspSa::open` reports why an inbound ESP
//! packet was refused; the driver maps each reason to a Windows counter and
//! System event (WINDOWS.md 4).

use thiserror::Error;

use crate::wire::WireError;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum EspError {
    /// Shorter than header + IV + trailer + ICV (RFC 4303 2).
    #[error("esp: truncated")]
    Truncated,
    /// Malformed structure: bad length alignment, SPI 0 (RFC 4303 2.1, 2.4).
    #[error("esp: {0}")]
    Malformed(WireError),
    /// The packet's SPI is not this SA's (RFC 4303 3.4.2).
    #[error("esp: SPI {got:#010x} is not this SA's {want:#010x}")]
    WrongSpi { want: u32, got: u32 },
    /// The ICV does not verify (RFC 4303 3.4.4): corruption or wrong keys.
    #[error("esp: integrity check failed")]
    BadIcv,
    /// Duplicate or left of the 64-packet window (RFC 4303 3.4.3).
    #[error("esp: replayed sequence number {0}")]
    Replay(u32),
    /// Authentic, but the decrypted padding or pad length is wrong
    /// (RFC 4303 2.4): wrong cipher key, or a broken sender.
    #[error("esp: bad padding after decryption")]
    BadPadding,
    /// The SA's keys do not fit its algorithms (an IKE bug, not the wire's).
    #[error("esp: key of {len} bytes, {want} expected")]
    BadKeyLength { want: usize, len: usize },
}

impl From<WireError> for EspError {
    fn from(e: WireError) -> Self {
        match e {
            WireError::Truncated { .. } => EspError::Truncated,
            other => EspError::Malformed(other),
        }
    }
}
