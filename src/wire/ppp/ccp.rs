//! CCP configuration options (RFC 1962 4) and the MPPE option (RFC 3078
//! 2.1 as updated by RFC 3079 3.4 / Windows: type 18, four octets of bits).

use super::lcp::{read_u32, PppOption};
use crate::wire::codec::Reader;
use crate::wire::WireError;

/// RFC 3078 2.1: CCP option type of MPPC/MPPE.
pub const MPPE: u8 = 18;

/// The MPPE Supported Bits (RFC 3078 2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct MppeBits(pub u32);

impl MppeBits {
    /// H: stateless mode, a new key for every packet.
    pub const STATELESS: u32 = 0x0100_0000;
    /// M: 56-bit session keys.
    pub const BITS56: u32 = 0x80;
    /// S: 128-bit session keys.
    pub const BITS128: u32 = 0x40;
    /// L: 40-bit session keys.
    pub const BITS40: u32 = 0x20;
    /// C: MPPC compression.
    pub const MPPC: u32 = 0x01;
    /// The three strength bits.
    pub const STRENGTHS: u32 = Self::BITS40 | Self::BITS56 | Self::BITS128;

    pub fn has(self, bit: u32) -> bool {
        self.0 & bit != 0
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CcpOption {
    /// 18: MPPC/MPPE supported bits.
    Mppe(MppeBits),
    Unknown {
        kind: u8,
        data: Vec<u8>,
    },
}

impl PppOption for CcpOption {
    fn parse(kind: u8, r: &mut Reader<'_>) -> Result<Self, WireError> {
        Ok(match kind {
            MPPE => CcpOption::Mppe(MppeBits(read_u32(r, "CCP MPPE")?)),
            kind => CcpOption::Unknown {
                kind,
                data: r.take_rest().to_vec(),
            },
        })
    }

    fn kind(&self) -> u8 {
        match self {
            CcpOption::Mppe(_) => MPPE,
            CcpOption::Unknown { kind, .. } => *kind,
        }
    }

    fn emit_data(&self, out: &mut Vec<u8>) {
        match self {
            CcpOption::Mppe(b) => out.extend_from_slice(&b.0.to_be_bytes()),
            CcpOption::Unknown { data, .. } => out.extend_from_slice(data),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::ppp::lcp::{options_to_vec, parse_options, Code, Repr};
    use proptest::prelude::*;

    // CCP Configure-Request id 1: MPPE H|M|S|L (Windows offering all strengths).
    const REQUEST: &str = "0101000a1206010000e0";

    fn request_options() -> Vec<CcpOption> {
        vec![CcpOption::Mppe(MppeBits(
            MppeBits::STATELESS | MppeBits::STRENGTHS,
        ))]
    }

    #[test]
    fn request_parses() {
        let bytes = hex::decode(REQUEST).unwrap();
        let repr = Repr::parse_bytes(&bytes).unwrap();
        assert_eq!(repr.code, Code::ConfigureRequest);
        assert_eq!(
            parse_options::<CcpOption>(repr.data).unwrap(),
            request_options()
        );
    }

    #[test]
    fn emit_equals_bytes() {
        let data = options_to_vec(&request_options());
        let repr = Repr {
            code: Code::ConfigureRequest,
            identifier: 1,
            data: &data,
        };
        assert_eq!(repr.to_vec(), hex::decode(REQUEST).unwrap());
        // A Nak offering 128-bit stateless only.
        let nak = options_to_vec(&[CcpOption::Mppe(MppeBits(
            MppeBits::STATELESS | MppeBits::BITS128,
        ))]);
        assert_eq!(nak, hex::decode("120601000040").unwrap());
    }

    #[test]
    fn every_prefix_fails() {
        let bytes = hex::decode(REQUEST).unwrap();
        for n in 0..bytes.len() {
            let ok = Repr::parse_bytes(&bytes[..n])
                .ok()
                .and_then(|r| parse_options::<CcpOption>(r.data).ok());
            assert!(ok.is_none(), "prefix {n}");
        }
    }

    #[test]
    fn mppe_option_of_wrong_length_is_rejected() {
        assert!(parse_options::<CcpOption>(&hex::decode("12050100e0").unwrap()).is_err());
        assert!(parse_options::<CcpOption>(&hex::decode("1207010000e000").unwrap()).is_err());
    }

    #[test]
    fn bits_helpers() {
        let b = MppeBits(MppeBits::STATELESS | MppeBits::BITS40);
        assert!(b.has(MppeBits::STATELESS));
        assert!(b.has(MppeBits::BITS40));
        assert!(!b.has(MppeBits::BITS128));
    }

    proptest! {
        #[test]
        fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = parse_options::<CcpOption>(&bytes);
        }

        #[test]
        fn round_trip(bits in any::<u32>(), kind in 19u8..=255, data in proptest::collection::vec(any::<u8>(), 0..6)) {
            let opts = vec![CcpOption::Mppe(MppeBits(bits)), CcpOption::Unknown { kind, data }];
            prop_assert_eq!(parse_options::<CcpOption>(&options_to_vec(&opts)).unwrap(), opts);
        }
    }
}
