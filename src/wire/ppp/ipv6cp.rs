//! IPV6CP configuration options (RFC 5072 4). The packet format is the
//! shared control packet of `lcp`.

use super::lcp::PppOption;
use crate::wire::codec::Reader;
use crate::wire::WireError;

/// RFC 5072 4.1 Interface-Identifier.
pub const INTERFACE_IDENTIFIER: u8 = 1;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ipv6cpOption {
    /// 1: the sender's 64-bit interface identifier (RFC 5072 4.1).
    InterfaceIdentifier([u8; 8]),
    Unknown {
        kind: u8,
        data: Vec<u8>,
    },
}

impl PppOption for Ipv6cpOption {
    fn parse(kind: u8, r: &mut Reader<'_>) -> Result<Self, WireError> {
        Ok(match kind {
            INTERFACE_IDENTIFIER => {
                let bytes = r
                    .take(8)
                    .map_err(WireError::short("IPV6CP Interface-Identifier"))?;
                let mut id = [0u8; 8];
                id.copy_from_slice(bytes);
                Ipv6cpOption::InterfaceIdentifier(id)
            }
            kind => Ipv6cpOption::Unknown {
                kind,
                data: r.take_rest().to_vec(),
            },
        })
    }

    fn kind(&self) -> u8 {
        match self {
            Ipv6cpOption::InterfaceIdentifier(_) => INTERFACE_IDENTIFIER,
            Ipv6cpOption::Unknown { kind, .. } => *kind,
        }
    }

    fn emit_data(&self, out: &mut Vec<u8>) {
        match self {
            Ipv6cpOption::InterfaceIdentifier(id) => out.extend_from_slice(id),
            Ipv6cpOption::Unknown { data, .. } => out.extend_from_slice(data),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::ppp::lcp::{options_to_vec, parse_options, Code, Repr};

    // IPV6CP Configure-Request id 1: Interface-Identifier 0211:22ff:fe33:4455.
    const REQUEST: &str = "0101000e010a021122fffe334455";

    fn options() -> Vec<Ipv6cpOption> {
        vec![Ipv6cpOption::InterfaceIdentifier([
            0x02, 0x11, 0x22, 0xff, 0xfe, 0x33, 0x44, 0x55,
        ])]
    }

    #[test]
    fn request_parses_and_emits_the_same_bytes() {
        let bytes = hex::decode(REQUEST).unwrap();
        let repr = Repr::parse_bytes(&bytes).unwrap();
        assert_eq!((repr.code, repr.identifier), (Code::ConfigureRequest, 1));
        assert_eq!(parse_options::<Ipv6cpOption>(repr.data).unwrap(), options());
        let data = options_to_vec(&options());
        let again = Repr {
            code: Code::ConfigureRequest,
            identifier: 1,
            data: &data,
        };
        assert_eq!(again.to_vec(), bytes);
    }

    #[test]
    fn every_prefix_fails() {
        let bytes = hex::decode(REQUEST).unwrap();
        for n in 0..bytes.len() {
            let parsed =
                Repr::parse_bytes(&bytes[..n]).and_then(|r| parse_options::<Ipv6cpOption>(r.data));
            assert!(parsed.is_err(), "prefix {n}");
        }
    }

    #[test]
    fn a_short_identifier_is_an_error() {
        assert!(parse_options::<Ipv6cpOption>(&[1, 6, 0, 0, 0, 0]).is_err());
    }
}
