//! IPCP configuration options (RFC 1332 3, RFC 1877 1). The packet format
//! is the shared control packet of `lcp`.

use core::net::Ipv4Addr;

use super::lcp::{read_u32, PppOption};
use crate::wire::codec::Reader;
use crate::wire::WireError;

/// RFC 1332 3.3 IP-Address.
pub const IP_ADDRESS: u8 = 3;
/// RFC 1877 1.1 Primary-DNS-Address.
pub const PRIMARY_DNS: u8 = 129;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IpcpOption {
    /// 3: the sender's address; 0.0.0.0 asks the peer to assign one.
    IpAddress(Ipv4Addr),
    /// 129: primary DNS server (Microsoft extension, RFC 1877).
    PrimaryDns(Ipv4Addr),
    Unknown {
        kind: u8,
        data: Vec<u8>,
    },
}

impl PppOption for IpcpOption {
    fn parse(kind: u8, r: &mut Reader<'_>) -> Result<Self, WireError> {
        Ok(match kind {
            IP_ADDRESS => IpcpOption::IpAddress(read_u32(r, "IPCP IP-Address")?.into()),
            PRIMARY_DNS => IpcpOption::PrimaryDns(read_u32(r, "IPCP Primary-DNS")?.into()),
            kind => IpcpOption::Unknown {
                kind,
                data: r.take_rest().to_vec(),
            },
        })
    }

    fn kind(&self) -> u8 {
        match self {
            IpcpOption::IpAddress(_) => IP_ADDRESS,
            IpcpOption::PrimaryDns(_) => PRIMARY_DNS,
            IpcpOption::Unknown { kind, .. } => *kind,
        }
    }

    fn emit_data(&self, out: &mut Vec<u8>) {
        match self {
            IpcpOption::IpAddress(a) | IpcpOption::PrimaryDns(a) => {
                out.extend_from_slice(&a.octets())
            }
            IpcpOption::Unknown { data, .. } => out.extend_from_slice(data),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::ppp::lcp::{options_to_vec, parse_options, Code, Repr};
    use proptest::prelude::*;

    // IPCP Configure-Nak id 7: IP-Address 192.168.50.10, Primary DNS 10.0.0.53.
    const NAK: &str = "030700100306c0a8320a81060a000035";

    fn nak_options() -> Vec<IpcpOption> {
        vec![
            IpcpOption::IpAddress(Ipv4Addr::new(192, 168, 50, 10)),
            IpcpOption::PrimaryDns(Ipv4Addr::new(10, 0, 0, 53)),
        ]
    }

    #[test]
    fn nak_parses() {
        let bytes = hex::decode(NAK).unwrap();
        let repr = Repr::parse_bytes(&bytes).unwrap();
        assert_eq!(repr.code, Code::ConfigureNak);
        assert_eq!(repr.identifier, 7);
        assert_eq!(
            parse_options::<IpcpOption>(repr.data).unwrap(),
            nak_options()
        );
    }

    #[test]
    fn emit_equals_bytes() {
        let data = options_to_vec(&nak_options());
        let repr = Repr {
            code: Code::ConfigureNak,
            identifier: 7,
            data: &data,
        };
        assert_eq!(repr.to_vec(), hex::decode(NAK).unwrap());
    }

    #[test]
    fn every_prefix_fails() {
        let bytes = hex::decode(NAK).unwrap();
        for n in 0..bytes.len() {
            let ok = Repr::parse_bytes(&bytes[..n])
                .ok()
                .and_then(|r| parse_options::<IpcpOption>(r.data).ok());
            assert!(ok.is_none(), "prefix {n}");
        }
        // The options list alone, cut anywhere inside an option.
        let opts = &bytes[4..];
        for n in [1, 2, 5, 7, 11] {
            assert!(parse_options::<IpcpOption>(&opts[..n]).is_err(), "{n}");
        }
    }

    #[test]
    fn address_with_trailing_byte_is_rejected() {
        assert!(parse_options::<IpcpOption>(&hex::decode("0307c0a8320a00").unwrap()).is_err());
    }

    proptest! {
        #[test]
        fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = parse_options::<IpcpOption>(&bytes);
        }

        #[test]
        fn round_trip(a in any::<u32>(), d in any::<u32>(), kind in 130u8..=255, data in proptest::collection::vec(any::<u8>(), 0..6)) {
            let opts = vec![
                IpcpOption::IpAddress(a.into()),
                IpcpOption::PrimaryDns(d.into()),
                IpcpOption::Unknown { kind, data },
            ];
            prop_assert_eq!(parse_options::<IpcpOption>(&options_to_vec(&opts)).unwrap(), opts);
        }
    }
}
