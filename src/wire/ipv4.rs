//! IPv4 header (RFC 791 3.1). Options are accepted and skipped; fragments
//! are rejected by `Repr::parse` (nothing in the lab fragments).

use core::net::Ipv4Addr;

use super::checksum;
use super::view::packet_view;
use super::WireError;

const WHAT: &str = "ipv4";

/// IP protocol numbers (IANA "Assigned Internet Protocol Numbers").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Protocol {
    Icmp,
    Tcp,
    Udp,
    Gre,
    Esp,
    Ah,
    Unknown(u8),
}

impl From<u8> for Protocol {
    fn from(v: u8) -> Self {
        match v {
            1 => Protocol::Icmp,
            6 => Protocol::Tcp,
            17 => Protocol::Udp,
            47 => Protocol::Gre,
            50 => Protocol::Esp,
            51 => Protocol::Ah,
            other => Protocol::Unknown(other),
        }
    }
}

impl From<Protocol> for u8 {
    fn from(p: Protocol) -> u8 {
        match p {
            Protocol::Icmp => 1,
            Protocol::Tcp => 6,
            Protocol::Udp => 17,
            Protocol::Gre => 47,
            Protocol::Esp => 50,
            Protocol::Ah => 51,
            Protocol::Unknown(v) => v,
        }
    }
}

mod field {
    use core::ops::Range;
    pub const VER_IHL: usize = 0;
    pub const TOS: usize = 1;
    pub const LENGTH: Range<usize> = 2..4;
    pub const IDENT: Range<usize> = 4..6;
    pub const FLAGS_FRAG: Range<usize> = 6..8;
    pub const TTL: usize = 8;
    pub const PROTOCOL: usize = 9;
    pub const CHECKSUM: Range<usize> = 10..12;
    pub const SRC: Range<usize> = 12..16;
    pub const DST: Range<usize> = 16..20;
}

/// Length of a header without options (RFC 791 3.1: IHL minimum 5).
pub const HEADER_LEN: usize = field::DST.end;

// RFC 791 3.1 flags: bit 1 DF, bit 2 MF; the fragment offset is 13 bits.
const FLAG_DF: u16 = 0x4000;
const FLAG_MF: u16 = 0x2000;
const FRAG_OFFSET_MASK: u16 = 0x1fff;

packet_view! {
    /// A view of an IPv4 packet. After `new_checked`, no accessor panics.
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Checks version 4, IHL >= 5 and that header and total length fit.
    pub fn new_checked(buffer: T) -> Result<Self, WireError> {
        let have = buffer.as_ref().len();
        WireError::check_len(WHAT, HEADER_LEN, have)?;
        let p = Packet { buffer };
        if p.version() != 4 {
            return Err(WireError::BadVersion {
                what: WHAT,
                version: p.version(),
            });
        }
        let hlen = p.header_len();
        if hlen < HEADER_LEN {
            return Err(WireError::BadLength {
                what: "ipv4 header",
                len: hlen,
            });
        }
        WireError::check_len(WHAT, hlen, have)?;
        let total = usize::from(p.total_len());
        if total < hlen {
            return Err(WireError::BadLength {
                what: WHAT,
                len: total,
            });
        }
        WireError::check_len(WHAT, total, have)?;
        Ok(p)
    }

    pub fn version(&self) -> u8 {
        self.buffer.as_ref()[field::VER_IHL] >> 4
    }

    /// Header length in bytes (IHL * 4).
    pub fn header_len(&self) -> usize {
        usize::from(self.buffer.as_ref()[field::VER_IHL] & 0x0f) * 4
    }

    pub fn tos(&self) -> u8 {
        self.buffer.as_ref()[field::TOS]
    }

    pub fn total_len(&self) -> u16 {
        self.u16_at(field::LENGTH)
    }

    pub fn ident(&self) -> u16 {
        self.u16_at(field::IDENT)
    }

    pub fn dont_frag(&self) -> bool {
        self.u16_at(field::FLAGS_FRAG) & FLAG_DF != 0
    }

    pub fn more_frags(&self) -> bool {
        self.u16_at(field::FLAGS_FRAG) & FLAG_MF != 0
    }

    /// Fragment offset in bytes.
    pub fn frag_offset(&self) -> u16 {
        (self.u16_at(field::FLAGS_FRAG) & FRAG_OFFSET_MASK) << 3
    }

    pub fn ttl(&self) -> u8 {
        self.buffer.as_ref()[field::TTL]
    }

    pub fn protocol(&self) -> Protocol {
        Protocol::from(self.buffer.as_ref()[field::PROTOCOL])
    }

    pub fn checksum(&self) -> u16 {
        self.u16_at(field::CHECKSUM)
    }

    pub fn src_addr(&self) -> Ipv4Addr {
        let b = &self.buffer.as_ref()[field::SRC];
        Ipv4Addr::new(b[0], b[1], b[2], b[3])
    }

    pub fn dst_addr(&self) -> Ipv4Addr {
        let b = &self.buffer.as_ref()[field::DST];
        Ipv4Addr::new(b[0], b[1], b[2], b[3])
    }

    /// The header checksum verifies (RFC 791 3.1: sum over the header).
    pub fn verify_checksum(&self) -> bool {
        checksum::sum(&self.buffer.as_ref()[..self.header_len()]) == 0xffff
    }

    /// The payload: from the end of the header to the total length (bytes
    /// past the total length, e.g. link padding, are ignored).
    pub fn payload(&self) -> &[u8] {
        &self.buffer.as_ref()[self.header_len()..usize::from(self.total_len())]
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Packet<T> {
    /// Sets version 4 and the header length in bytes (a multiple of 4).
    pub fn set_version_and_header_len(&mut self, header_len: usize) {
        // IHL is 4 bits of 32-bit words (RFC 791 3.1).
        let ihl = ((header_len / 4) & 0x0f) as u8;
        self.buffer.as_mut()[field::VER_IHL] = 0x40 | ihl;
    }

    pub fn set_tos(&mut self, v: u8) {
        self.buffer.as_mut()[field::TOS] = v;
    }

    pub fn set_total_len(&mut self, v: u16) {
        self.set_u16_at(field::LENGTH, v);
    }

    pub fn set_ident(&mut self, v: u16) {
        self.set_u16_at(field::IDENT, v);
    }

    /// Sets DF and clears MF and the fragment offset.
    pub fn set_dont_frag_unfragmented(&mut self, df: bool) {
        self.set_u16_at(field::FLAGS_FRAG, if df { FLAG_DF } else { 0 });
    }

    pub fn set_ttl(&mut self, v: u8) {
        self.buffer.as_mut()[field::TTL] = v;
    }

    pub fn set_protocol(&mut self, p: Protocol) {
        self.buffer.as_mut()[field::PROTOCOL] = u8::from(p);
    }

    pub fn set_checksum(&mut self, v: u16) {
        self.set_u16_at(field::CHECKSUM, v);
    }

    pub fn set_src_addr(&mut self, a: Ipv4Addr) {
        self.buffer.as_mut()[field::SRC].copy_from_slice(&a.octets());
    }

    pub fn set_dst_addr(&mut self, a: Ipv4Addr) {
        self.buffer.as_mut()[field::DST].copy_from_slice(&a.octets());
    }

    /// Recomputes the header checksum from scratch.
    pub fn fill_checksum(&mut self) {
        self.set_checksum(0);
        let hlen = self.header_len();
        let c = checksum::checksum(&self.buffer.as_ref()[..hlen]);
        self.set_checksum(c);
    }

    pub fn payload_mut(&mut self) -> &mut [u8] {
        let (start, end) = (self.header_len(), usize::from(self.total_len()));
        &mut self.buffer.as_mut()[start..end]
    }
}

/// A parsed unfragmented IPv4 header without options.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Repr {
    pub src_addr: Ipv4Addr,
    pub dst_addr: Ipv4Addr,
    pub protocol: Protocol,
    pub payload_len: usize,
    pub ttl: u8,
    pub ident: u16,
    pub dont_frag: bool,
}

impl Repr {
    /// Parses a checked packet, verifying the header checksum.
    pub fn parse<T: AsRef<[u8]>>(packet: &Packet<T>) -> Result<Repr, WireError> {
        if !packet.verify_checksum() {
            return Err(WireError::BadChecksum { what: WHAT });
        }
        if packet.more_frags() || packet.frag_offset() != 0 {
            return Err(WireError::Malformed {
                what: WHAT,
                detail: "fragments are not supported",
            });
        }
        Ok(Repr {
            src_addr: packet.src_addr(),
            dst_addr: packet.dst_addr(),
            protocol: packet.protocol(),
            payload_len: packet.payload().len(),
            ttl: packet.ttl(),
            ident: packet.ident(),
            dont_frag: packet.dont_frag(),
        })
    }

    /// Header length (no options are emitted).
    pub fn buffer_len(&self) -> usize {
        HEADER_LEN
    }

    /// Writes the header into the first `buffer_len()` bytes of `packet`
    /// and fills the header checksum. Fails if the total does not fit in 16
    /// bits or the buffer is shorter than the header.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(
        &self,
        packet: &mut Packet<T>,
    ) -> Result<(), WireError> {
        let have = packet.buffer.as_ref().len();
        WireError::check_len(WHAT, HEADER_LEN, have)?;
        let total =
            u16::try_from(HEADER_LEN + self.payload_len).map_err(|_| WireError::BadLength {
                what: WHAT,
                len: HEADER_LEN + self.payload_len,
            })?;
        packet.set_version_and_header_len(HEADER_LEN);
        packet.set_tos(0);
        packet.set_total_len(total);
        packet.set_ident(self.ident);
        packet.set_dont_frag_unfragmented(self.dont_frag);
        packet.set_ttl(self.ttl);
        packet.set_protocol(self.protocol);
        packet.set_src_addr(self.src_addr);
        packet.set_dst_addr(self.dst_addr);
        packet.fill_checksum();
        Ok(())
    }
}

/// A whole IPv4 packet with `payload`, header checksum filled.
pub fn build(repr: &Repr, payload: &[u8]) -> Result<Vec<u8>, WireError> {
    let repr = Repr {
        payload_len: payload.len(),
        ..*repr
    };
    let mut buf = vec![0u8; repr.buffer_len() + payload.len()];
    repr.emit(&mut Packet::new_unchecked(&mut buf[..]))?;
    buf[HEADER_LEN..].copy_from_slice(payload);
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    // 192.168.1.10 -> 203.0.113.10, UDP, ident 0x1234, DF, TTL 128, 4-byte payload.
    const PACKET: &str = "45000018123440008011eae3c0a8010acb00710adeadbeef";

    fn packet_bytes() -> Vec<u8> {
        hex::decode(PACKET).unwrap()
    }

    fn repr() -> Repr {
        Repr {
            src_addr: Ipv4Addr::new(192, 168, 1, 10),
            dst_addr: Ipv4Addr::new(203, 0, 113, 10),
            protocol: Protocol::Udp,
            payload_len: 4,
            ttl: 128,
            ident: 0x1234,
            dont_frag: true,
        }
    }

    #[test]
    fn emit_equals_bytes() {
        let b = packet_bytes();
        assert_eq!(checksum::sum(&b[..20]), 0xffff);
        let built = build(&repr(), &[0xde, 0xad, 0xbe, 0xef]).unwrap();
        assert_eq!(built, b);
    }

    #[test]
    fn parse_round_trip() {
        let b = packet_bytes();
        let p = Packet::new_checked(&b[..]).unwrap();
        assert_eq!(Repr::parse(&p).unwrap(), repr());
        assert_eq!(p.payload(), &[0xde, 0xad, 0xbe, 0xef]);
    }

    #[test]
    fn every_prefix_fails() {
        let b = packet_bytes();
        for n in 0..b.len() {
            assert!(Packet::new_checked(&b[..n]).is_err(), "prefix {n}");
        }
    }

    #[test]
    fn trailing_padding_is_ignored() {
        let mut b = packet_bytes();
        b.extend_from_slice(&[0, 0]);
        let p = Packet::new_checked(&b[..]).unwrap();
        assert_eq!(p.payload().len(), 4);
    }

    #[test]
    fn bad_checksum_rejected() {
        let mut b = packet_bytes();
        b[8] = 127;
        let p = Packet::new_checked(&b[..]).unwrap();
        assert_eq!(
            Repr::parse(&p),
            Err(WireError::BadChecksum { what: "ipv4" })
        );
    }

    #[test]
    fn version_six_rejected() {
        let mut b = packet_bytes();
        b[0] = 0x65;
        assert!(matches!(
            Packet::new_checked(&b[..]),
            Err(WireError::BadVersion { version: 6, .. })
        ));
    }

    #[test]
    fn options_are_skipped() {
        // IHL 6: one 4-byte option word (NOPs + EOL).
        let mut b =
            hex::decode("4600001c00000000401100000a0000010a00000201010100aabbccdd").unwrap();
        let c = checksum::checksum(&b[..24]);
        b[10..12].copy_from_slice(&c.to_be_bytes());
        let p = Packet::new_checked(&b[..]).unwrap();
        let r = Repr::parse(&p).unwrap();
        assert_eq!(r.payload_len, 4);
        assert_eq!(p.payload(), &[0xaa, 0xbb, 0xcc, 0xdd]);
    }

    #[test]
    fn fragments_rejected() {
        let mut b = packet_bytes();
        b[6] = 0x20; // MF
        let c = {
            b[10] = 0;
            b[11] = 0;
            checksum::checksum(&b[..20])
        };
        b[10..12].copy_from_slice(&c.to_be_bytes());
        let p = Packet::new_checked(&b[..]).unwrap();
        assert!(matches!(Repr::parse(&p), Err(WireError::Malformed { .. })));
    }

    #[test]
    fn protocol_numbers_round_trip() {
        for v in 0..=255u8 {
            assert_eq!(u8::from(Protocol::from(v)), v);
        }
    }

    proptest! {
        #[test]
        fn random_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..80)) {
            if let Ok(p) = Packet::new_checked(&data[..]) {
                let _ = Repr::parse(&p);
                let _ = (p.payload(), p.src_addr(), p.dst_addr(), p.ttl(), p.frag_offset());
            }
        }

        #[test]
        fn build_parse_round_trip(
            src in any::<u32>(), dst in any::<u32>(), proto in any::<u8>(),
            ttl in any::<u8>(), ident in any::<u16>(), df in any::<bool>(),
            payload in proptest::collection::vec(any::<u8>(), 0..64),
        ) {
            let r = Repr {
                src_addr: Ipv4Addr::from(src), dst_addr: Ipv4Addr::from(dst),
                protocol: Protocol::from(proto), payload_len: payload.len(),
                ttl, ident, dont_frag: df,
            };
            let b = build(&r, &payload).unwrap();
            let p = Packet::new_checked(&b[..]).unwrap();
            prop_assert_eq!(Repr::parse(&p).unwrap(), r);
            prop_assert_eq!(p.payload(), &payload[..]);
        }
    }
}
