//! What a router sees of an IPv4 packet without keys, parsed once: header
//! and total length, protocol, addresses, the UDP/TCP ports, the SPI of ESP
//! (raw, or UDP-encapsulated on port 4500, RFC 3948 2.2), and a `WireKind`.
//! The faults, the NAT and the report's dissector classify packets here
//! rather than each with its own parser (DESIGN.md, "The Windows machine is
//! a composition").
//!
//! Lenient on purpose: only the IPv4 header's structure is checked (version,
//! IHL, total length within the buffer). Checksums are not verified, so a
//! packet a fault corrupted still has its ports and kind, as a router that
//! forwards it without looking at the UDP checksum sees them; the header
//! checksum's verdict is reported in `header_checksum_ok`. Ports come from
//! the first four bytes of the transport header, which UDP and TCP share
//! (RFC 768, RFC 793 3.1), even when the rest of that header is cut short.

use core::net::{Ipv4Addr, SocketAddrV4};

use super::{ipv4, isakmp, l2tp, tcp, udp, WireError};

/// IKE's port once a NAT is detected, shared with UDP-encapsulated ESP
/// (RFC 3947 4, RFC 3948 2).
pub const NAT_T_PORT: u16 = 4500;
/// PPTP control connection port (RFC 2637 3).
pub const PPTP_PORT: u16 = 1723;
/// On port 4500, IKE messages start with four zero bytes, the non-ESP
/// marker; anything else starts with an ESP SPI, which is never 0 (RFC 3948
/// 2.2, RFC 4303 2.1).
pub const NON_ESP_MARKER: [u8; 4] = [0; 4];
/// Length of the non-ESP marker.
pub const NON_ESP_MARKER_LEN: usize = NON_ESP_MARKER.len();
/// Length of an ESP header (SPI + sequence number, RFC 4303 2).
const ESP_HEADER_LEN: usize = super::esp::HEADER_LEN;
/// Source and destination ports: the first four bytes of UDP and TCP.
const PORTS_LEN: usize = 4;

/// The protocol a router attributes a packet to (SCENARIOS.md, "JSON
/// report": `protocol`), named as reports and scenarios name it.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum WireKind {
    /// UDP 500, or UDP 4500 that is not ESP (RFC 3947 4, RFC 3948 2.2).
    Isakmp,
    /// IP protocol 50, or UDP 4500 with a non-zero first word (RFC 3948 2.2).
    Esp,
    /// UDP 1701 (RFC 2661 8.1).
    L2tp,
    /// TCP 1723 (RFC 2637 3).
    Pptp,
    /// IP protocol 47 (RFC 2784, RFC 2637 4.1).
    Gre,
    Tcp,
    Udp,
    Icmp,
    /// Any other IP protocol (AH, ...): plain IPv4 to a router.
    Ipv4,
}

impl core::fmt::Display for WireKind {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl WireKind {
    pub fn as_str(self) -> &'static str {
        match self {
            WireKind::Isakmp => "isakmp",
            WireKind::Esp => "esp",
            WireKind::L2tp => "l2tp",
            WireKind::Pptp => "pptp",
            WireKind::Gre => "gre",
            WireKind::Tcp => "tcp",
            WireKind::Udp => "udp",
            WireKind::Icmp => "icmp",
            WireKind::Ipv4 => "ipv4",
        }
    }
}

/// One IPv4 packet, classified. Offsets index the packet given to
/// `classify`; every one of them lies within `total_len`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flow {
    /// IHL * 4 (RFC 791 3.1): where the transport header starts.
    pub header_len: usize,
    /// The Total Length field; bytes past it (link padding) are not the
    /// packet's.
    pub total_len: usize,
    pub protocol: ipv4::Protocol,
    pub src: Ipv4Addr,
    pub dst: Ipv4Addr,
    /// UDP or TCP source and destination port; `None` for other protocols,
    /// fragments past the first, and segments shorter than four bytes.
    pub ports: Option<(u16, u16)>,
    /// The SPI of ESP, raw or UDP-encapsulated.
    pub spi: Option<u32>,
    /// Where the message of `kind` starts: the ISAKMP header (after the
    /// non-ESP marker on port 4500), the L2TP header or other UDP payload,
    /// the ESP header (raw or after the UDP header), the TCP payload, the
    /// ICMP or GRE header. `None` when the transport header is cut short.
    pub payload_offset: Option<usize>,
    pub kind: WireKind,
    /// More fragments follow, or the fragment offset is not 0 (RFC 791 3.1).
    pub fragment: bool,
    /// The IPv4 header checksum verifies (RFC 791 3.1); a router drops the
    /// packet otherwise (RFC 1812 5.2.2).
    pub header_checksum_ok: bool,
}

impl Flow {
    /// Classifies an IPv4 packet. Fails only when the IPv4 header itself is
    /// malformed: not version 4, IHL below 5, or header or total length
    /// past the end of `packet`.
    pub fn classify(packet: &[u8]) -> Result<Flow, WireError> {
        let ip = ipv4::Packet::new_checked(packet)?;
        let header_len = ip.header_len();
        let total_len = usize::from(ip.total_len());
        let protocol = ip.protocol();
        let fragment = ip.more_frags() || ip.frag_offset() != 0;
        // `new_checked` guarantees header_len <= total_len <= packet.len().
        let seg = packet.get(header_len..total_len).unwrap_or_default();
        let mut flow = Flow {
            header_len,
            total_len,
            protocol,
            src: ip.src_addr(),
            dst: ip.dst_addr(),
            ports: None,
            spi: None,
            payload_offset: None,
            kind: WireKind::Ipv4,
            fragment,
            header_checksum_ok: ip.verify_checksum(),
        };
        // Only a first fragment carries the transport header (RFC 791 3.2).
        let headers = (ip.frag_offset() == 0).then_some(seg);
        match protocol {
            ipv4::Protocol::Udp => {
                flow.kind = WireKind::Udp;
                if let Some(seg) = headers {
                    flow.udp(seg);
                }
            }
            ipv4::Protocol::Tcp => {
                flow.kind = WireKind::Tcp;
                if let Some(seg) = headers {
                    flow.ports = ports(seg);
                    if flow.has_port(PPTP_PORT) {
                        flow.kind = WireKind::Pptp;
                    }
                    flow.payload_offset = tcp::Packet::new_checked(seg)
                        .ok()
                        .map(|t| header_len + t.header_len());
                }
            }
            ipv4::Protocol::Esp => {
                flow.kind = WireKind::Esp;
                if let Some(seg) = headers {
                    flow.spi = word(seg);
                    flow.payload_offset = (seg.len() >= ESP_HEADER_LEN).then_some(header_len);
                }
            }
            ipv4::Protocol::Icmp => {
                flow.kind = WireKind::Icmp;
                flow.payload_offset = headers.map(|_| header_len);
            }
            ipv4::Protocol::Gre => {
                flow.kind = WireKind::Gre;
                flow.payload_offset = headers.map(|_| header_len);
            }
            ipv4::Protocol::Ah | ipv4::Protocol::Unknown(_) => {}
        }
        Ok(flow)
    }

    /// Ports and kind of a UDP datagram (the IP payload `seg`).
    fn udp(&mut self, seg: &[u8]) {
        self.ports = ports(seg);
        let at = self.header_len + udp::HEADER_LEN;
        let data = seg.get(udp::HEADER_LEN..);
        self.payload_offset = data.map(|_| at);
        if self.has_port(NAT_T_PORT) {
            self.kind = WireKind::Isakmp;
            // RFC 3948 2.2: a non-zero first word is an ESP SPI. A payload
            // shorter than a word (the 0xff NAT-keepalive, RFC 3948 2.3)
            // is not ESP.
            match data.and_then(word) {
                Some(0) => self.payload_offset = Some(at + NON_ESP_MARKER_LEN),
                Some(spi) => {
                    self.kind = WireKind::Esp;
                    self.spi = Some(spi);
                    if data.is_some_and(|d| d.len() < ESP_HEADER_LEN) {
                        self.payload_offset = None;
                    }
                }
                None => {}
            }
        } else if self.has_port(l2tp::UDP_PORT) {
            self.kind = WireKind::L2tp;
        } else if self.has_port(isakmp::UDP_PORT) {
            self.kind = WireKind::Isakmp;
        }
    }

    /// Either port is `port`.
    pub fn has_port(&self, port: u16) -> bool {
        self.ports.is_some_and(|(s, d)| s == port || d == port)
    }

    pub fn src_port(&self) -> Option<u16> {
        self.ports.map(|(s, _)| s)
    }

    pub fn dst_port(&self) -> Option<u16> {
        self.ports.map(|(_, d)| d)
    }

    /// Source address and port, when there are ports.
    pub fn src_socket(&self) -> Option<SocketAddrV4> {
        self.src_port().map(|p| SocketAddrV4::new(self.src, p))
    }

    /// Destination address and port, when there are ports.
    pub fn dst_socket(&self) -> Option<SocketAddrV4> {
        self.dst_port().map(|p| SocketAddrV4::new(self.dst, p))
    }

    /// UDP-encapsulated ESP (RFC 3948 2.1).
    pub fn is_udp_encapsulated_esp(&self) -> bool {
        self.kind == WireKind::Esp && self.protocol == ipv4::Protocol::Udp
    }

    /// The IP payload: transport header and data, up to the total length.
    pub fn transport<'a>(&self, packet: &'a [u8]) -> &'a [u8] {
        packet
            .get(self.header_len..self.total_len)
            .unwrap_or_default()
    }

    /// The message of `kind` (see `payload_offset`), up to the total length;
    /// empty when the transport header is cut short.
    pub fn payload<'a>(&self, packet: &'a [u8]) -> &'a [u8] {
        self.payload_offset
            .and_then(|at| packet.get(at..self.total_len))
            .unwrap_or_default()
    }
}

fn ports(seg: &[u8]) -> Option<(u16, u16)> {
    match seg.get(..PORTS_LEN)? {
        [a, b, c, d] => Some((u16::from_be_bytes([*a, *b]), u16::from_be_bytes([*c, *d]))),
        _ => None,
    }
}

fn word(b: &[u8]) -> Option<u32> {
    match b.get(..4)? {
        [a, b, c, d] => Some(u32::from_be_bytes([*a, *b, *c, *d])),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn classify_hex(h: &str) -> Flow {
        Flow::classify(&hex::decode(h).unwrap()).unwrap()
    }

    fn ip(s: &str) -> Ipv4Addr {
        s.parse().unwrap()
    }

    // 192.168.1.10:1701 -> 203.0.113.10:1701, ident 1, TTL 128, payload "hi"
    // (the test vector of udp.rs).
    const L2TP: &str = "4500001e0001000080113d11c0a8010acb00710a06a506a5000a8c696869";
    // 192.168.1.10 -> 203.0.113.10 ESP, SPI 0x11223344, seq 1, 4 bytes more.
    const ESP: &str = "450000200001000080323ceec0a8010acb00710a1122334400000001aabbccdd";
    // The vectors below go 10.0.0.1 -> 10.0.0.2, TTL 64, ident 1, UDP
    // checksum 0 (none).
    // UDP 4500, SPI 0x11223344, seq 7 (RFC 3948 2.1).
    const UDP_ESP: &str =
        "4500002800010000401166c20a0000010a0000021194119400140000112233440000000701020304";
    // UDP 4500, non-ESP marker, then the start of an ISAKMP header.
    const UDP_IKE: &str =
        "4500002600010000401166c40a0000010a00000211941194001200000000000001020304aabb";
    // UDP 4500 NAT-keepalive, one 0xff byte (RFC 3948 2.3).
    const KEEPALIVE: &str = "4500001d00010000401166cd0a0000010a0000021194119400090000ff";
    // UDP 500, empty.
    const IKE: &str = "4500001c00010000401166ce0a0000010a00000201f401f400080000";
    // TCP SYN 1025 -> 1723, data offset 5.
    const PPTP: &str =
        "4500002800010000400666cd0a0000010a000002040106bb00000001000000005002200000000000";
    // TCP SYN 1025 -> 80.
    const TCP: &str =
        "4500002800010000400666cd0a0000010a0000020401005000000001000000005002200000000000";
    // Enhanced GRE header (RFC 2637 4.1), key present.
    const GRE: &str = "4500001c00010000402f66b00a0000010a0000023001880b00000000";
    // ICMP echo request.
    const ICMP: &str = "4500001c00010000400166de0a0000010a0000020800f7ff00000000";
    // AH (protocol 51), four bytes.
    const AH: &str = "4500001800010000403366b00a0000010a00000233000000";
    // UDP cut to two and to four bytes of header.
    const UDP_2: &str = "4500001600010000401166d40a0000010a00000201f4";
    const UDP_4: &str = "4500001800010000401166d20a0000010a00000201f401f4";
    // UDP bytes at fragment offset 8: no UDP header in this packet.
    const FRAGMENT: &str = "4500001c00010001401166cd0a0000010a00000206a506a500080000";

    const ALL: &[&str] = &[
        L2TP, ESP, UDP_ESP, UDP_IKE, KEEPALIVE, IKE, PPTP, TCP, GRE, ICMP, AH, UDP_2, UDP_4,
        FRAGMENT,
    ];

    #[test]
    fn l2tp_datagram_has_addresses_ports_and_payload() {
        let b = hex::decode(L2TP).unwrap();
        let f = Flow::classify(&b).unwrap();
        assert_eq!(f.kind, WireKind::L2tp);
        assert_eq!((f.header_len, f.total_len), (20, 30));
        assert_eq!(f.protocol, ipv4::Protocol::Udp);
        assert_eq!((f.src, f.dst), (ip("192.168.1.10"), ip("203.0.113.10")));
        assert_eq!(f.ports, Some((1701, 1701)));
        assert_eq!(f.src_socket(), Some("192.168.1.10:1701".parse().unwrap()));
        assert_eq!(f.dst_socket(), Some("203.0.113.10:1701".parse().unwrap()));
        assert_eq!(f.spi, None);
        assert_eq!(f.payload(&b), b"hi");
        assert!(!f.fragment);
    }

    #[test]
    fn bad_udp_checksum_keeps_addresses_ports_and_kind() {
        // The L2TP datagram with its UDP checksum broken (8c69 -> 8c68):
        // a router still sees UDP 1701 between the same addresses.
        let b = hex::decode(L2TP.replace("8c696869", "8c686869")).unwrap();
        assert!(udp::parse_ipv4(&b).is_err());
        let f = Flow::classify(&b).unwrap();
        assert_eq!(f.kind, WireKind::L2tp);
        assert_eq!(f.ports, Some((1701, 1701)));
        assert_eq!((f.src, f.dst), (ip("192.168.1.10"), ip("203.0.113.10")));
    }

    #[test]
    fn raw_esp_has_its_spi() {
        let f = classify_hex(ESP);
        assert_eq!(f.kind, WireKind::Esp);
        assert_eq!(f.spi, Some(0x1122_3344));
        assert_eq!(f.ports, None);
        assert_eq!(f.payload_offset, Some(20));
        assert!(!f.is_udp_encapsulated_esp());
    }

    #[test]
    fn port_4500_splits_esp_from_ike_by_the_first_word() {
        let esp = classify_hex(UDP_ESP);
        assert_eq!(esp.kind, WireKind::Esp);
        assert!(esp.is_udp_encapsulated_esp());
        assert_eq!(esp.spi, Some(0x1122_3344));
        assert_eq!(esp.ports, Some((4500, 4500)));
        assert_eq!(esp.payload_offset, Some(28));
        let ike = classify_hex(UDP_IKE);
        assert_eq!(ike.kind, WireKind::Isakmp);
        assert_eq!(ike.spi, None);
        // Past the non-ESP marker.
        assert_eq!(ike.payload_offset, Some(32));
        let keepalive = classify_hex(KEEPALIVE);
        assert_eq!(keepalive.kind, WireKind::Isakmp);
        assert_eq!(keepalive.spi, None);
    }

    #[test]
    fn each_protocol_has_its_kind() {
        for (h, kind, ports) in [
            (IKE, WireKind::Isakmp, Some((500, 500))),
            (PPTP, WireKind::Pptp, Some((1025, 1723))),
            (TCP, WireKind::Tcp, Some((1025, 80))),
            (GRE, WireKind::Gre, None),
            (ICMP, WireKind::Icmp, None),
            (AH, WireKind::Ipv4, None),
        ] {
            let f = classify_hex(h);
            assert_eq!((f.kind, f.ports), (kind, ports), "{h}");
            assert!(f.header_checksum_ok, "{h}");
        }
        assert_eq!(classify_hex(IKE).payload_offset, Some(28));
        assert_eq!(classify_hex(PPTP).payload_offset, Some(40));
        assert_eq!(classify_hex(GRE).payload_offset, Some(20));
        assert_eq!(classify_hex(AH).protocol, ipv4::Protocol::Ah);
    }

    #[test]
    fn short_transport_header_has_no_payload() {
        let f = classify_hex(UDP_2);
        assert_eq!(f.kind, WireKind::Udp);
        assert_eq!((f.ports, f.payload_offset), (None, None));
        // The ports are there, the rest of the header is not.
        let f = classify_hex(UDP_4);
        assert_eq!(f.ports, Some((500, 500)));
        assert_eq!(f.kind, WireKind::Isakmp);
        assert_eq!(f.payload_offset, None);
    }

    #[test]
    fn later_fragments_have_no_ports() {
        let f = classify_hex(FRAGMENT);
        assert!(f.fragment);
        assert_eq!(f.kind, WireKind::Udp);
        assert_eq!((f.ports, f.payload_offset), (None, None));
    }

    #[test]
    fn bad_header_checksum_is_reported_not_refused() {
        let f = classify_hex(&L2TP.replace("3d11", "3d12"));
        assert!(!f.header_checksum_ok);
        assert_eq!(f.kind, WireKind::L2tp);
    }

    #[test]
    fn link_padding_is_not_payload() {
        let mut b = hex::decode(L2TP).unwrap();
        b.extend_from_slice(&[0, 0]);
        let f = Flow::classify(&b).unwrap();
        assert_eq!(f.payload(&b), b"hi");
        assert_eq!(f.transport(&b).len(), 10);
    }

    #[test]
    fn every_vector_has_a_valid_header_checksum() {
        for h in ALL {
            assert!(classify_hex(h).header_checksum_ok, "{h}");
        }
    }

    #[test]
    fn every_prefix_fails() {
        for h in ALL {
            let b = hex::decode(h).unwrap();
            for n in 0..b.len() {
                assert!(Flow::classify(&b[..n]).is_err(), "{h} prefix {n}");
            }
        }
    }

    #[test]
    fn not_ipv4_is_refused() {
        let mut b = hex::decode(L2TP).unwrap();
        b[0] = 0x65;
        assert!(matches!(
            Flow::classify(&b),
            Err(WireError::BadVersion { version: 6, .. })
        ));
    }

    proptest! {
        #[test]
        fn random_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..96)) {
            if let Ok(f) = Flow::classify(&data) {
                let _ = (f.payload(&data), f.transport(&data), f.src_socket(), f.kind.as_str());
                prop_assert!(f.header_len <= f.total_len && f.total_len <= data.len());
                if let Some(at) = f.payload_offset {
                    prop_assert!(at <= f.total_len);
                }
            }
        }

        #[test]
        fn random_ipv4_payloads_never_panic(proto in prop_oneof![Just(1u8), Just(6), Just(17), Just(47), Just(50), any::<u8>()],
                                            body in proptest::collection::vec(any::<u8>(), 0..64)) {
            let r = ipv4::Repr {
                src_addr: Ipv4Addr::new(10, 0, 0, 1), dst_addr: Ipv4Addr::new(10, 0, 0, 2),
                protocol: ipv4::Protocol::from(proto), payload_len: body.len(),
                ttl: 64, ident: 1, dont_frag: false,
            };
            let b = ipv4::build(&r, &body).unwrap();
            let f = Flow::classify(&b).unwrap();
            prop_assert_eq!(f.protocol, ipv4::Protocol::from(proto));
            prop_assert!(f.header_checksum_ok);
            prop_assert_eq!(f.transport(&b), &body[..]);
            let _ = f.payload(&b);
        }
    }
}
