//! PPP frames as L2TP carries them (RFC 1661 2, RFC 2661 2): the HDLC-like
//! address and control octets `FF 03`, a two-octet protocol number, then the
//! information field. No FCS and no flag octets: L2TP is a framed transport.
//!
//! Submodules hold the control protocols: `lcp` (the packet format shared by
//! LCP, IPCP, IPV6CP and CCP, and the LCP options), `ipcp`, `ipv6cp`, `ccp`, and, from the
//! authentication helper, `chap`, `eap` (with EAP-TLS's body) and `mppe`.

pub mod ccp;
pub mod chap;
pub mod eap;
pub mod ipcp;
pub mod ipv6cp;
pub mod lcp;
pub mod mppe;

use super::WireError;

/// RFC 1662 3.1: All-Stations address and Unnumbered Information control.
pub const ADDRESS: u8 = 0xff;
pub const CONTROL: u8 = 0x03;

/// PPP protocol numbers used here (RFC 1661 2, IANA PPP DLL protocol numbers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Protocol {
    /// RFC 1661 6.
    Lcp,
    /// RFC 1332.
    Ipcp,
    /// RFC 1962.
    Ccp,
    /// RFC 5072.
    Ipv6cp,
    /// RFC 1994 / RFC 2759.
    Chap,
    /// RFC 1332: an IPv4 datagram.
    Ip,
    /// RFC 1962: a datagram compressed (for MPPE: encrypted, RFC 3078 3).
    Compressed,
    Unknown(u16),
}

impl From<u16> for Protocol {
    fn from(v: u16) -> Self {
        match v {
            0xc021 => Protocol::Lcp,
            0x8021 => Protocol::Ipcp,
            0x80fd => Protocol::Ccp,
            0x8057 => Protocol::Ipv6cp,
            0xc223 => Protocol::Chap,
            0x0021 => Protocol::Ip,
            0x00fd => Protocol::Compressed,
            other => Protocol::Unknown(other),
        }
    }
}

impl From<Protocol> for u16 {
    fn from(p: Protocol) -> u16 {
        match p {
            Protocol::Lcp => 0xc021,
            Protocol::Ipcp => 0x8021,
            Protocol::Ccp => 0x80fd,
            Protocol::Ipv6cp => 0x8057,
            Protocol::Chap => 0xc223,
            Protocol::Ip => 0x0021,
            Protocol::Compressed => 0x00fd,
            Protocol::Unknown(v) => v,
        }
    }
}

/// A parsed PPP frame: protocol and information field (padding included,
/// RFC 1661 2: the protocol's own length field tells where data ends).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Frame<'a> {
    pub protocol: Protocol,
    pub info: &'a [u8],
}

impl<'a> Frame<'a> {
    /// Parses a frame with or without the `FF 03` prefix (a peer that
    /// negotiated ACFC may omit it, RFC 1661 6.6). The protocol field is
    /// always two octets: PFC is never agreed to here (RFC 1661 6.5), and
    /// RFC 1661 2 requires an odd low octet and an even high octet.
    pub fn parse(bytes: &'a [u8]) -> Result<Self, WireError> {
        Self::parse_with(bytes, false)
    }

    /// `parse` on a link where our request's Protocol-Field-Compression
    /// was acknowledged: a one-octet protocol (its odd low octet first) is
    /// the compressed form of 0x00XX (RFC 1661 6.5).
    pub fn parse_pfc(bytes: &'a [u8]) -> Result<Self, WireError> {
        Self::parse_with(bytes, true)
    }

    fn parse_with(bytes: &'a [u8], pfc: bool) -> Result<Self, WireError> {
        let rest = match bytes {
            [ADDRESS, CONTROL, rest @ ..] => rest,
            [ADDRESS, ..] => {
                return Err(WireError::Malformed {
                    what: "PPP frame",
                    detail: "address FF without control 03",
                })
            }
            other => other,
        };
        let (proto, info) = match rest {
            [lo, info @ ..] if pfc && lo & 1 == 1 => (u16::from(*lo), info),
            [hi, lo, info @ ..] => (u16::from_be_bytes([*hi, *lo]), info),
            _ => {
                return Err(WireError::Truncated {
                    what: "PPP frame",
                    need: 2,
                    have: rest.len(),
                })
            }
        };
        // RFC 1661 2: "all Protocols MUST be odd; the least significant bit
        // of the most significant octet MUST equal 0".
        if proto & 0x0001 == 0 || proto & 0x0100 != 0 {
            return Err(WireError::Malformed {
                what: "PPP frame",
                detail: "invalid protocol number",
            });
        }
        Ok(Frame {
            protocol: Protocol::from(proto),
            info,
        })
    }

    /// Length of the frame as emitted: `FF 03`, protocol, information.
    pub fn buffer_len(&self) -> usize {
        4 + self.info.len()
    }

    /// Writes the frame into `buf`, which holds at least `buffer_len()`
    /// bytes; extra bytes are left untouched.
    pub fn emit(&self, buf: &mut [u8]) {
        let proto = u16::from(self.protocol).to_be_bytes();
        let header = [ADDRESS, CONTROL, proto[0], proto[1]];
        if let Some(h) = buf.get_mut(..4) {
            h.copy_from_slice(&header);
        }
        if let Some(i) = buf.get_mut(4..4 + self.info.len()) {
            i.copy_from_slice(self.info);
        }
    }

    /// The emitted frame as a new vector.
    pub fn to_vec(&self) -> Vec<u8> {
        let mut out = vec![0; self.buffer_len()];
        self.emit(&mut out);
        out
    }
}

/// Builds a complete frame for `protocol` around `info`.
pub fn frame(protocol: Protocol, info: &[u8]) -> Vec<u8> {
    Frame { protocol, info }.to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn frame_with_address_control_parses() {
        let bytes = hex::decode("ff03c0210101000401").unwrap();
        let f = Frame::parse(&bytes).unwrap();
        assert_eq!(f.protocol, Protocol::Lcp);
        assert_eq!(f.info, &bytes[4..]);
    }

    #[test]
    fn frame_without_address_control_parses() {
        let bytes = hex::decode("00214500").unwrap();
        let f = Frame::parse(&bytes).unwrap();
        assert_eq!(f.protocol, Protocol::Ip);
        assert_eq!(f.info, &[0x45, 0x00]);
    }

    #[test]
    fn emit_equals_bytes() {
        let f = Frame {
            protocol: Protocol::Chap,
            info: &[1, 2, 3],
        };
        assert_eq!(f.to_vec(), hex::decode("ff03c223010203").unwrap());
        assert_eq!(
            frame(Protocol::Compressed, &[0x90, 0x00]),
            hex::decode("ff0300fd9000").unwrap()
        );
    }

    #[test]
    fn round_trip_all_known_protocols() {
        for p in [
            Protocol::Lcp,
            Protocol::Ipcp,
            Protocol::Ccp,
            Protocol::Ipv6cp,
            Protocol::Chap,
            Protocol::Ip,
            Protocol::Compressed,
            Protocol::Unknown(0x0057),
        ] {
            let bytes = frame(p, b"xyz");
            let f = Frame::parse(&bytes).unwrap();
            assert_eq!(f.protocol, p);
            assert_eq!(f.info, b"xyz");
        }
    }

    #[test]
    fn every_prefix_of_header_fails() {
        let bytes = hex::decode("ff03c021").unwrap();
        for n in 0..bytes.len() {
            assert!(Frame::parse(&bytes[..n]).is_err(), "prefix {n}");
        }
        assert!(Frame::parse(&bytes).is_ok());
    }

    #[test]
    fn a_compressed_protocol_is_read_only_where_pfc_was_agreed() {
        // IP (0x21) with its protocol compressed to one octet, no FF 03.
        let bytes = hex::decode("2145").unwrap();
        let f = Frame::parse_pfc(&bytes).unwrap();
        assert_eq!((f.protocol, f.info), (Protocol::Ip, &[0x45][..]));
        assert!(Frame::parse(&bytes).is_err());
        // Uncompressed frames still parse on such a link.
        assert_eq!(
            Frame::parse_pfc(&hex::decode("ff03c021").unwrap())
                .unwrap()
                .protocol,
            Protocol::Lcp
        );
    }

    #[test]
    fn even_protocol_number_is_malformed() {
        assert!(Frame::parse(&hex::decode("ff03c022").unwrap()).is_err());
        assert!(Frame::parse(&hex::decode("ff030121").unwrap()).is_err());
        assert!(Frame::parse(&hex::decode("ff05c021").unwrap()).is_err());
    }

    proptest! {
        #[test]
        fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = Frame::parse(&bytes);
        }

        #[test]
        fn parse_emit_round_trip(proto in any::<u16>(), info in proptest::collection::vec(any::<u8>(), 0..64)) {
            let proto = (proto | 1) & !0x0100;
            let bytes = frame(Protocol::from(proto), &info);
            let f = Frame::parse(&bytes).unwrap();
            prop_assert_eq!(u16::from(f.protocol), proto);
            prop_assert_eq!(f.info, &info[..]);
        }
    }
}
