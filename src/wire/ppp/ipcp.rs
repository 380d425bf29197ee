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
/// RFC 1877 1.2 Primary-NBNS-Address (WINS).
pub const PRIMARY_NBNS: u8 = 130;
/// RFC 1877 1.3 Secondary-DNS-Address.
pub const SECONDARY_DNS: u8 = 131;
/// RFC 1877 1.4 Secondary-NBNS-Address.
pub const SECONDARY_NBNS: u8 = 132;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IpcpOption {
    /// 3: the sender's address; 0.0.0.0 asks the peer to assign one.
    IpAddress(Ipv4Addr),
    /// 129: primary DNS server (Microsoft extension, RFC 1877).
    PrimaryDns(Ipv4Addr),
    /// 130: primary WINS (NetBIOS name) server.
    PrimaryNbns(Ipv4Addr),
    /// 131: secondary DNS server.
    SecondaryDns(Ipv4Addr),
    /// 132: secondary WINS server.
    SecondaryNbns(Ipv4Addr),
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
            PRIMARY_NBNS => IpcpOption::PrimaryNbns(read_u32(r, "IPCP Primary-NBNS")?.into()),
            SECONDARY_DNS => IpcpOption::SecondaryDns(read_u32(r, "IPCP Secondary-DNS")?.into()),
            SECONDARY_NBNS => IpcpOption::SecondaryNbns(read_u32(r, "IPCP Secondary-NBNS")?.into()),
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
            IpcpOption::PrimaryNbns(_) => PRIMARY_NBNS,
            IpcpOption::SecondaryDns(_) => SECONDARY_DNS,
            IpcpOption::SecondaryNbns(_) => SECONDARY_NBNS,
            IpcpOption::Unknown { kind, .. } => *kind,
        }
    }

    fn emit_data(&self, out: &mut Vec<u8>) {
        match self {
            IpcpOption::IpAddress(a)
            | IpcpOption::PrimaryDns(a)
            | IpcpOption::PrimaryNbns(a)
            | IpcpOption::SecondaryDns(a)
            | IpcpOption::SecondaryNbns(a) => out.extend_from_slice(&a.octets()),
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
    fn xp_request_for_address_and_name_servers_emits_rfc_1877_options() {
        let any = Ipv4Addr::UNSPECIFIED;
        let opts = [
            IpcpOption::IpAddress(any),
            IpcpOption::PrimaryDns(any),
            IpcpOption::PrimaryNbns(any),
            IpcpOption::SecondaryDns(any),
            IpcpOption::SecondaryNbns(any),
        ];
        assert_eq!(
            hex::encode(options_to_vec(&opts)),
            "030600000000810600000000820600000000830600000000840600000000"
        );
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
        fn round_trip(a in any::<u32>(), d in any::<u32>(), kind in 133u8..=255, data in proptest::collection::vec(any::<u8>(), 0..6)) {
            let opts = vec![
                IpcpOption::IpAddress(a.into()),
                IpcpOption::PrimaryDns(d.into()),
                IpcpOption::PrimaryNbns(a.into()),
                IpcpOption::SecondaryDns(d.into()),
                IpcpOption::SecondaryNbns(a.into()),
                IpcpOption::Unknown { kind, data },
            ];
            prop_assert_eq!(parse_options::<IpcpOption>(&options_to_vec(&opts)).unwrap(), opts);
        }
    }
}
