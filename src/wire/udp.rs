//! UDP header (RFC 768) and the IPv4+UDP helpers machines use.

use core::net::{Ipv4Addr, SocketAddrV4};

use super::checksum;
use super::ipv4;
use super::view::packet_view;
use super::WireError;

const WHAT: &str = "udp";

mod field {
    use core::ops::Range;
    pub const SRC_PORT: Range<usize> = 0..2;
    pub const DST_PORT: Range<usize> = 2..4;
    pub const LENGTH: Range<usize> = 4..6;
    pub const CHECKSUM: Range<usize> = 6..8;
}

/// UDP header length (RFC 768).
pub const HEADER_LEN: usize = field::CHECKSUM.end;

/// IP protocol number of UDP.
const PROTO_UDP: u8 = 17;

packet_view! {
    /// A view of a UDP datagram. After `new_checked`, no accessor panics.
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Checks the header fits and the length field lies within the buffer
    /// and covers the header (RFC 768: length includes the header).
    pub fn new_checked(buffer: T) -> Result<Self, WireError> {
        let have = buffer.as_ref().len();
        WireError::check_len(WHAT, HEADER_LEN, have)?;
        let p = Packet { buffer };
        let len = usize::from(p.len());
        if len < HEADER_LEN {
            return Err(WireError::BadLength { what: WHAT, len });
        }
        WireError::check_len(WHAT, len, have)?;
        Ok(p)
    }

    pub fn src_port(&self) -> u16 {
        self.u16_at(field::SRC_PORT)
    }

    pub fn dst_port(&self) -> u16 {
        self.u16_at(field::DST_PORT)
    }

    /// The length field (header + data).
    pub fn len(&self) -> u16 {
        self.u16_at(field::LENGTH)
    }

    pub fn is_empty(&self) -> bool {
        usize::from(self.len()) <= HEADER_LEN
    }

    pub fn checksum(&self) -> u16 {
        self.u16_at(field::CHECKSUM)
    }

    pub fn payload(&self) -> &[u8] {
        &self.buffer.as_ref()[HEADER_LEN..usize::from(self.len())]
    }

    /// True when the checksum is absent (0, RFC 768) or verifies over the
    /// pseudo-header and the datagram.
    pub fn verify_checksum(&self, src: Ipv4Addr, dst: Ipv4Addr) -> bool {
        if self.checksum() == 0 {
            return true;
        }
        let data = &self.buffer.as_ref()[..usize::from(self.len())];
        checksum::combine(&[
            checksum::pseudo_header(src, dst, PROTO_UDP, self.len()),
            checksum::sum(data),
        ]) == 0xffff
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Packet<T> {
    pub fn set_src_port(&mut self, v: u16) {
        self.set_u16_at(field::SRC_PORT, v);
    }

    pub fn set_dst_port(&mut self, v: u16) {
        self.set_u16_at(field::DST_PORT, v);
    }

    pub fn set_len(&mut self, v: u16) {
        self.set_u16_at(field::LENGTH, v);
    }

    pub fn set_checksum(&mut self, v: u16) {
        self.set_u16_at(field::CHECKSUM, v);
    }

    /// Computes the checksum; a computed 0 is sent as ffff (RFC 768).
    pub fn fill_checksum(&mut self, src: Ipv4Addr, dst: Ipv4Addr) {
        self.set_checksum(0);
        let len = self.len();
        let data = &self.buffer.as_ref()[..usize::from(len)];
        let c = !checksum::combine(&[
            checksum::pseudo_header(src, dst, PROTO_UDP, len),
            checksum::sum(data),
        ]);
        self.set_checksum(if c == 0 { 0xffff } else { c });
    }

    pub fn payload_mut(&mut self) -> &mut [u8] {
        let end = usize::from(self.len());
        &mut self.buffer.as_mut()[HEADER_LEN..end]
    }
}

/// A parsed UDP header; the payload stays in the packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Repr {
    pub src_port: u16,
    pub dst_port: u16,
}

impl Repr {
    /// Parses and verifies the checksum against the IPv4 addresses.
    pub fn parse<T: AsRef<[u8]>>(
        packet: &Packet<T>,
        src: Ipv4Addr,
        dst: Ipv4Addr,
    ) -> Result<Repr, WireError> {
        if !packet.verify_checksum(src, dst) {
            return Err(WireError::BadChecksum { what: WHAT });
        }
        Ok(Repr {
            src_port: packet.src_port(),
            dst_port: packet.dst_port(),
        })
    }

    pub fn buffer_len(&self, payload_len: usize) -> usize {
        HEADER_LEN + payload_len
    }

    /// Writes header and payload into the first `buffer_len` bytes of
    /// `packet` and fills the checksum.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(
        &self,
        packet: &mut Packet<T>,
        src: Ipv4Addr,
        dst: Ipv4Addr,
        payload: &[u8],
    ) -> Result<(), WireError> {
        let need = self.buffer_len(payload.len());
        let have = packet.buffer.as_ref().len();
        WireError::check_len(WHAT, need, have)?;
        let len = u16::try_from(need).map_err(|_| WireError::BadLength {
            what: WHAT,
            len: need,
        })?;
        packet.set_src_port(self.src_port);
        packet.set_dst_port(self.dst_port);
        packet.set_len(len);
        packet.payload_mut().copy_from_slice(payload);
        packet.fill_checksum(src, dst);
        Ok(())
    }
}

/// An IPv4+UDP packet's addresses and payload, checksums verified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UdpDatagram<'a> {
    pub src: SocketAddrV4,
    pub dst: SocketAddrV4,
    pub payload: &'a [u8],
}

/// Builds a whole IPv4+UDP packet (DF clear), both checksums filled.
/// Payloads too large for one IPv4 packet are truncated to fit: callers in
/// the lab never come near 65,507 bytes.
pub fn build_ipv4(
    src: SocketAddrV4,
    dst: SocketAddrV4,
    ident: u16,
    ttl: u8,
    payload: &[u8],
) -> Vec<u8> {
    let max = usize::from(u16::MAX) - ipv4::HEADER_LEN - HEADER_LEN;
    let payload = payload.get(..max).unwrap_or(payload);
    let udp_len = HEADER_LEN + payload.len();
    let ip = ipv4::Repr {
        src_addr: *src.ip(),
        dst_addr: *dst.ip(),
        protocol: ipv4::Protocol::Udp,
        payload_len: udp_len,
        ttl,
        ident,
        dont_frag: false,
    };
    let mut buf = vec![0u8; ip.buffer_len() + udp_len];
    let (head, rest) = buf.split_at_mut(ipv4::HEADER_LEN);
    // Lengths are bounded above, so neither emit can fail.
    let _ = ip.emit(&mut ipv4::Packet::new_unchecked(head));
    let repr = Repr {
        src_port: src.port(),
        dst_port: dst.port(),
    };
    let _ = repr.emit(
        &mut Packet::new_unchecked(rest),
        *src.ip(),
        *dst.ip(),
        payload,
    );
    buf
}

/// Parses an IPv4 packet carrying UDP, verifying the IP header checksum and
/// the UDP checksum.
pub fn parse_ipv4(packet: &[u8]) -> Result<UdpDatagram<'_>, WireError> {
    let ip = ipv4::Packet::new_checked(packet)?;
    let ip_repr = ipv4::Repr::parse(&ip)?;
    if ip_repr.protocol != ipv4::Protocol::Udp {
        return Err(WireError::Malformed {
            what: WHAT,
            detail: "IP protocol is not UDP",
        });
    }
    let payload = packet
        .get(ip.header_len()..usize::from(ip.total_len()))
        .unwrap_or_default();
    parse_segment(ip_repr.src_addr, ip_repr.dst_addr, payload)
}

/// A UDP datagram whose IPv4 header the caller has read already: `segment`
/// is the IP payload, the addresses feed the checksum (RFC 768).
pub fn parse_segment(
    src: Ipv4Addr,
    dst: Ipv4Addr,
    segment: &[u8],
) -> Result<UdpDatagram<'_>, WireError> {
    let udp = Packet::new_checked(segment)?;
    let repr = Repr::parse(&udp, src, dst)?;
    let data = segment
        .get(HEADER_LEN..usize::from(udp.len()))
        .unwrap_or_default();
    Ok(UdpDatagram {
        src: SocketAddrV4::new(src, repr.src_port),
        dst: SocketAddrV4::new(dst, repr.dst_port),
        payload: data,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn a(s: &str) -> SocketAddrV4 {
        s.parse().unwrap()
    }

    // 192.168.1.10:1701 -> 203.0.113.10:1701, ident 1, TTL 128, payload "hi".
    const PACKET: &str = "4500001e0001000080113d11c0a8010acb00710a06a506a5000a8c696869";

    #[test]
    fn emit_equals_bytes() {
        let b = build_ipv4(
            a("192.168.1.10:1701"),
            a("203.0.113.10:1701"),
            1,
            128,
            b"hi",
        );
        assert_eq!(hex::encode(&b), PACKET);
    }

    #[test]
    fn parse_round_trip() {
        let b = hex::decode(PACKET).unwrap();
        let d = parse_ipv4(&b).unwrap();
        assert_eq!(d.src, a("192.168.1.10:1701"));
        assert_eq!(d.dst, a("203.0.113.10:1701"));
        assert_eq!(d.payload, b"hi");
    }

    #[test]
    fn every_prefix_fails() {
        let b = hex::decode(PACKET).unwrap();
        for n in 0..b.len() {
            assert!(parse_ipv4(&b[..n]).is_err(), "prefix {n}");
        }
        let udp = &b[20..];
        for n in 0..udp.len() {
            assert!(Packet::new_checked(&udp[..n]).is_err(), "udp prefix {n}");
        }
    }

    #[test]
    fn checksum_covers_pseudo_header() {
        // Rewriting the source address without fixing UDP is what breaks
        // L2TP behind a NAT once ESP protects the checksum.
        let mut b = hex::decode(PACKET).unwrap();
        {
            let mut ip = ipv4::Packet::new_unchecked(&mut b[..]);
            ip.set_src_addr(Ipv4Addr::new(203, 0, 113, 2));
            ip.fill_checksum();
        }
        assert_eq!(parse_ipv4(&b), Err(WireError::BadChecksum { what: "udp" }));
    }

    #[test]
    fn zero_checksum_means_none() {
        let mut b = hex::decode(PACKET).unwrap();
        b[26] = 0;
        b[27] = 0;
        assert!(parse_ipv4(&b).is_ok());
        b[29] ^= 1;
        assert_eq!(parse_ipv4(&b).unwrap().payload, b"hh");
    }

    #[test]
    fn corrupted_payload_fails_checksum() {
        let mut b = hex::decode(PACKET).unwrap();
        b[29] ^= 0x40;
        assert_eq!(parse_ipv4(&b), Err(WireError::BadChecksum { what: "udp" }));
    }

    proptest! {
        #[test]
        fn random_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..80)) {
            let _ = parse_ipv4(&data);
            if let Ok(p) = Packet::new_checked(&data[..]) {
                let _ = (p.payload(), p.src_port(), p.dst_port());
                let _ = p.verify_checksum(Ipv4Addr::LOCALHOST, Ipv4Addr::LOCALHOST);
            }
        }

        #[test]
        fn build_parse_round_trip(
            s in any::<u32>(), sp in any::<u16>(), d in any::<u32>(), dp in any::<u16>(),
            ident in any::<u16>(), ttl in any::<u8>(),
            payload in proptest::collection::vec(any::<u8>(), 0..200),
        ) {
            let src = SocketAddrV4::new(Ipv4Addr::from(s), sp);
            let dst = SocketAddrV4::new(Ipv4Addr::from(d), dp);
            let b = build_ipv4(src, dst, ident, ttl, &payload);
            let got = parse_ipv4(&b).unwrap();
            prop_assert_eq!(got, UdpDatagram { src, dst, payload: &payload });
        }
    }
}
