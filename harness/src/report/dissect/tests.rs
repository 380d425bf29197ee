use super::*;
use std::net::SocketAddrV4;

fn l2tp_packet(payload: &[u8]) -> Vec<u8> {
    udp::build_ipv4(
        SocketAddrV4::new([192, 168, 1, 10].into(), 1701),
        SocketAddrV4::new([203, 0, 113, 10].into(), 1701),
        7,
        128,
        payload,
    )
}

#[test]
fn random_bytes_never_panic() {
    let mut d = Dissector::new();
    let mut x: u32 = 1;
    for len in 0..200 {
        let bytes: Vec<u8> = (0..len)
            .map(|_| {
                x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
                (x >> 16) as u8
            })
            .collect();
        let _ = d.dissect("h", 0, true, &bytes);
        let _ = d.dissect("h", 0, true, &l2tp_packet(&bytes));
    }
}

#[test]
fn bad_udp_checksum_still_shows_l2tp_addresses_and_ports() {
    // A router sees UDP 1701 between the two hosts whatever the UDP
    // checksum says (model error 7).
    let l2tp = hex::decode("4002001400010002ff03c0210101000801040578").unwrap();
    let mut p = l2tp_packet(&l2tp);
    p[27] ^= 0x01; // low byte of the UDP checksum
    assert!(udp::parse_ipv4(&p).is_err());
    let d = Dissector::new().dissect("client", 0, true, &p);
    assert_eq!(d.protocol, WireProtocol::L2tp);
    assert_eq!(d.src, "192.168.1.10:1701");
    assert_eq!(d.dst, "203.0.113.10:1701");
    assert_eq!(
        d.summary,
        "L2TP data tid=1 sid=2 / PPP LCP Configure-Request id=1 [bad UDP checksum]"
    );
}

#[test]
fn bad_udp_checksum_on_port_500_is_still_isakmp() {
    let mut p = udp::build_ipv4(
        SocketAddrV4::new([192, 168, 1, 10].into(), 500),
        SocketAddrV4::new([203, 0, 113, 10].into(), 500),
        7,
        128,
        &[0x11; 28],
    );
    p[27] ^= 0x01;
    let d = Dissector::new().dissect("client", 0, true, &p);
    assert_eq!(d.protocol, WireProtocol::Isakmp);
    assert_eq!(d.src, "192.168.1.10:500");
    assert!(d.summary.ends_with("[bad UDP checksum]"), "{}", d.summary);
}

#[test]
fn udp_encapsulated_esp_is_esp_with_its_spi_and_ports() {
    let p = udp::build_ipv4(
        SocketAddrV4::new([203, 0, 113, 2].into(), 4500),
        SocketAddrV4::new([203, 0, 113, 10].into(), 4500),
        7,
        128,
        &[0x1a, 0x2b, 0x3c, 0x4d, 0, 0, 0, 5, 0xee, 0xee],
    );
    let d = Dissector::new().dissect("server", 0, false, &p);
    assert_eq!(d.protocol, WireProtocol::Esp);
    assert_eq!(d.spi, Some(0x1a2b_3c4d));
    assert_eq!(d.src, "203.0.113.2:4500");
    assert_eq!(d.summary, "UDP-encapsulated ESP SPI=0x1a2b3c4d seq=5");
}

fn ip_packet(protocol: ipv4::Protocol, payload: &[u8]) -> Vec<u8> {
    let r = ipv4::Repr {
        src_addr: "192.168.1.10".parse().unwrap(),
        dst_addr: "203.0.113.10".parse().unwrap(),
        protocol,
        payload_len: payload.len(),
        ttl: 128,
        ident: 1,
        dont_frag: true,
    };
    ipv4::build(&r, payload).unwrap()
}

#[test]
fn gre_shows_call_numbers_and_the_ppp_frame_inside() {
    let frame = hex::decode("ff03c02101010004").unwrap();
    let g = gre::Repr {
        call_id: 0x4000,
        seq: Some(3),
        ack: Some(2),
        payload: &frame,
    }
    .emit()
    .unwrap();
    let d = Dissector::new().dissect("client", 0, true, &ip_packet(ipv4::Protocol::Gre, &g));
    assert_eq!(
        d.summary,
        "GRE call=0x4000 seq=3 ack=2 / PPP LCP Configure-Request id=1"
    );
    let ack = gre::Repr {
        call_id: 0x8000,
        seq: None,
        ack: Some(9),
        payload: &[],
    }
    .emit()
    .unwrap();
    let d = Dissector::new().dissect("client", 0, true, &ip_packet(ipv4::Protocol::Gre, &ack));
    assert_eq!(d.summary, "GRE call=0x8000 ack=9");
}

#[test]
fn a_ppp_frame_with_a_one_octet_protocol_is_read_as_pfc() {
    // pppd's MPPE frame once PFC is agreed: protocol 0xFD in one octet.
    let mut d = Dissector::new();
    let at = Point {
        host: "h",
        iface: 0,
        outbound: false,
    };
    let s = d.ppp(&at, &[0xfd, 0x90, 0x00, 0x12, 0x34]);
    assert_eq!(s, "PPP MPPE count=0 encrypted");
}

#[test]
fn tcp_shows_flags_numbers_and_pptp_messages() {
    use l2tpsec::wire::pptp::Message;
    let (src, dst) = (
        "192.168.1.10".parse().unwrap(),
        "203.0.113.10".parse().unwrap(),
    );
    let segment = |flags, data: &[u8]| {
        let repr = tcp_wire::Repr {
            src_port: 1025,
            dst_port: 1723,
            seq_number: 100,
            ack_number: 7,
            flags,
            window_len: 64240,
        };
        let mut seg = vec![0u8; repr.buffer_len(data.len())];
        repr.emit(
            &mut tcp_wire::Packet::new_unchecked(&mut seg[..]),
            src,
            dst,
            data,
        )
        .unwrap();
        ip_packet(ipv4::Protocol::Tcp, &seg)
    };
    let syn = Dissector::new().dissect("client", 0, true, &segment(tcp_wire::flags::SYN, &[]));
    assert_eq!(syn.summary, "TCP [SYN] seq=100 ack=7 len=0");
    let mut two = Message::EchoRequest { identifier: 1 }.emit();
    two.extend(Message::CallClearRequest { call_id: 2 }.emit());
    let flags = tcp_wire::flags::PSH | tcp_wire::flags::ACK;
    let d = Dissector::new().dissect("client", 0, true, &segment(flags, &two));
    assert_eq!(
        d.summary,
        "TCP [PSH,ACK] seq=100 ack=7 len=32 / PPTP Echo-Request, Call-Clear-Request"
    );
    let d = Dissector::new().dissect("client", 0, true, &segment(flags, &two[..20]));
    assert!(
        d.summary.ends_with("/ PPTP Echo-Request, (continued)"),
        "{}",
        d.summary
    );
}

#[test]
fn repeated_ppp_request_is_a_retransmission() {
    // L2TP data header (L bit, tid 1, sid 2) + PPP LCP Configure-Request id=1 MRU 1400.
    let l2tp = hex::decode("4002001400010002ff03c0210101000801040578").unwrap();
    let mut d = Dissector::new();
    let first = d.dissect("client", 0, true, &l2tp_packet(&l2tp));
    assert_eq!(first.protocol, WireProtocol::L2tp);
    assert_eq!(
        first.summary,
        "L2TP data tid=1 sid=2 / PPP LCP Configure-Request id=1"
    );
    let again = d.dissect("client", 0, true, &l2tp_packet(&l2tp));
    assert!(
        again.summary.ends_with("[PPP retransmission]"),
        "{}",
        again.summary
    );
    let elsewhere = d.dissect("client", 0, false, &l2tp_packet(&l2tp));
    assert!(!elsewhere.summary.contains("retransmission"));
}
