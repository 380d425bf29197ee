//! The NAT table and box, packet by packet.

use super::*;
use crate::wire::{icmp, tcp, udp};
use core::net::SocketAddrV4;

fn ip(s: &str) -> Ipv4Addr {
    s.parse().unwrap()
}

fn sa(s: &str) -> SocketAddrV4 {
    s.parse().unwrap()
}

const PUBLIC: &str = "203.0.113.2";

fn esp_packet(src: &str, dst: &str) -> Vec<u8> {
    let r = ipv4::Repr {
        src_addr: ip(src),
        dst_addr: ip(dst),
        protocol: ipv4::Protocol::Esp,
        payload_len: 0,
        ttl: 64,
        ident: 1,
        dont_frag: false,
    };
    ipv4::build(&r, &hex::decode("0000100100000001aabbccdd").unwrap()).unwrap()
}

#[test]
fn udp_source_rewritten_and_checksum_valid_for_new_pseudo_header() {
    let mut t = NatTable::new(ip(PUBLIC), EspNat::Translate);
    let mut p = udp::build_ipv4(
        sa("192.168.1.10:1701"),
        sa("203.0.113.10:1701"),
        1,
        128,
        b"l2tp",
    );
    t.outbound(&mut p).unwrap();
    let d = udp::parse_ipv4(&p).unwrap();
    assert_eq!(d.src, sa("203.0.113.2:1701"));
    assert_eq!(d.payload, b"l2tp");
}

#[test]
fn an_idle_udp_mapping_is_forgotten_and_only_outbound_refreshes_it() {
    let mut t = NatTable::new(ip(PUBLIC), EspNat::Translate);
    t.set_udp_timeout(Some(Duration::from_secs(60)));
    let out = || {
        udp::build_ipv4(
            sa("192.168.1.10:4500"),
            sa("203.0.113.10:4500"),
            1,
            128,
            b"k",
        )
    };
    let reply = || {
        udp::build_ipv4(
            sa("203.0.113.10:4500"),
            sa("203.0.113.2:4500"),
            2,
            128,
            b"k",
        )
    };
    t.at(Duration::from_secs(0));
    t.outbound(&mut out()).unwrap();
    // Replies do not refresh the mapping (RFC 4787 REQ-6)...
    t.at(Duration::from_secs(50));
    t.inbound(&mut reply()).unwrap();
    // ...but something sent out does.
    t.at(Duration::from_secs(55));
    t.outbound(&mut out()).unwrap();
    t.at(Duration::from_secs(115));
    t.inbound(&mut reply()).unwrap();
    // 61 s of outbound silence: gone.
    t.at(Duration::from_secs(116));
    assert_eq!(t.inbound(&mut reply()), Err(NatDrop::NoMapping));
    // Without a timeout, a mapping stays.
    let mut forever = NatTable::new(ip(PUBLIC), EspNat::Translate);
    forever.outbound(&mut out()).unwrap();
    forever.at(Duration::from_secs(86_400));
    assert!(forever.inbound(&mut reply()).is_ok());
}

#[test]
fn reply_is_mapped_back_to_inside_host() {
    let mut t = NatTable::new(ip(PUBLIC), EspNat::Translate);
    let mut p = udp::build_ipv4(
        sa("192.168.1.10:500"),
        sa("203.0.113.10:500"),
        1,
        128,
        b"ike",
    );
    t.outbound(&mut p).unwrap();
    let mut r = udp::build_ipv4(
        sa("203.0.113.10:500"),
        sa("203.0.113.2:500"),
        2,
        128,
        b"ike",
    );
    t.inbound(&mut r).unwrap();
    let d = udp::parse_ipv4(&r).unwrap();
    assert_eq!(d.dst, sa("192.168.1.10:500"));
}

#[test]
fn taken_port_gets_next_free_port_deterministically() {
    let mut t = NatTable::new(ip(PUBLIC), EspNat::Translate);
    let mut a = udp::build_ipv4(sa("192.168.1.10:500"), sa("203.0.113.10:500"), 1, 128, b"");
    let mut b = udp::build_ipv4(sa("192.168.1.11:500"), sa("203.0.113.10:500"), 1, 128, b"");
    let mut c = udp::build_ipv4(sa("192.168.1.12:1024"), sa("203.0.113.10:500"), 1, 128, b"");
    t.outbound(&mut a).unwrap();
    t.outbound(&mut b).unwrap();
    t.outbound(&mut c).unwrap();
    assert_eq!(udp::parse_ipv4(&a).unwrap().src.port(), 500);
    assert_eq!(udp::parse_ipv4(&b).unwrap().src.port(), 1024);
    assert_eq!(udp::parse_ipv4(&c).unwrap().src.port(), 1025);
    let mut r = udp::build_ipv4(sa("203.0.113.10:500"), sa("203.0.113.2:1024"), 2, 128, b"");
    t.inbound(&mut r).unwrap();
    assert_eq!(udp::parse_ipv4(&r).unwrap().dst, sa("192.168.1.11:500"));
}

#[test]
fn unsolicited_inbound_is_refused() {
    let mut t = NatTable::new(ip(PUBLIC), EspNat::Translate);
    let mut r = udp::build_ipv4(sa("203.0.113.10:500"), sa("203.0.113.2:500"), 2, 128, b"");
    let before = r.clone();
    assert_eq!(t.inbound(&mut r), Err(NatDrop::NoMapping));
    assert_eq!(r, before);
}

#[test]
fn zero_udp_checksum_stays_zero() {
    let mut t = NatTable::new(ip(PUBLIC), EspNat::Translate);
    let mut p = udp::build_ipv4(sa("192.168.1.10:9"), sa("203.0.113.10:9"), 1, 128, b"x");
    p[26] = 0;
    p[27] = 0;
    t.outbound(&mut p).unwrap();
    assert_eq!(&p[26..28], &[0, 0]);
    assert!(udp::parse_ipv4(&p).is_ok());
}

#[test]
fn corrupted_udp_stays_detectable_after_translation() {
    let mut t = NatTable::new(ip(PUBLIC), EspNat::Translate);
    let mut p = udp::build_ipv4(sa("192.168.1.10:9"), sa("203.0.113.10:9"), 1, 128, b"abc");
    p[29] ^= 0x10;
    t.outbound(&mut p).unwrap();
    assert!(matches!(
        udp::parse_ipv4(&p),
        Err(crate::wire::WireError::BadChecksum { .. })
    ));
}

#[test]
fn tcp_ports_and_checksum_translated() {
    let mut t = NatTable::new(ip(PUBLIC), EspNat::Translate);
    let repr = tcp::Repr {
        src_port: 1723,
        dst_port: 1723,
        seq_number: 7,
        ack_number: 0,
        flags: tcp::flags::SYN,
        window_len: 8192,
    };
    let (src, dst) = (ip("192.168.1.10"), ip("203.0.113.10"));
    let mut seg = vec![0u8; repr.buffer_len(2)];
    repr.emit(
        &mut tcp::Packet::new_unchecked(&mut seg[..]),
        src,
        dst,
        b"hi",
    )
    .unwrap();
    let ipr = ipv4::Repr {
        src_addr: src,
        dst_addr: dst,
        protocol: ipv4::Protocol::Tcp,
        payload_len: 0,
        ttl: 128,
        ident: 1,
        dont_frag: true,
    };
    let mut p = ipv4::build(&ipr, &seg).unwrap();
    // Another host already holds public port 1723.
    let mut other = udp::build_ipv4(sa("192.168.1.11:1723"), sa("203.0.113.10:1"), 1, 128, b"");
    t.outbound(&mut other).unwrap();
    t.outbound(&mut p).unwrap();
    let v = ipv4::Packet::new_checked(&p[..]).unwrap();
    assert!(v.verify_checksum());
    let s = tcp::Packet::new_checked(v.payload()).unwrap();
    // TCP has its own port map, so 1723 is still free for TCP.
    assert_eq!(s.src_port(), 1723);
    assert!(s.verify_checksum(ip(PUBLIC), dst));
}

#[test]
fn icmp_echo_mapped_by_identifier() {
    let mut t = NatTable::new(ip(PUBLIC), EspNat::Translate);
    let req = icmp::Repr::EchoRequest {
        ident: 77,
        seq_no: 1,
        data: b"p",
    };
    let mut p = icmp::build_ipv4(ip("192.168.1.10"), ip("203.0.113.10"), 1, 128, &req);
    t.outbound(&mut p).unwrap();
    let e = icmp::parse_ipv4(&p).unwrap();
    assert_eq!(e.src, ip(PUBLIC));
    let rep = icmp::Repr::EchoReply {
        ident: 77,
        seq_no: 1,
        data: b"p",
    };
    let mut r = icmp::build_ipv4(ip("203.0.113.10"), ip(PUBLIC), 2, 64, &rep);
    t.inbound(&mut r).unwrap();
    let e = icmp::parse_ipv4(&r).unwrap();
    assert_eq!(e.dst, ip("192.168.1.10"));
    assert_eq!(e.echo, rep);
}

#[test]
fn esp_translate_rewrites_address_and_maps_peer_back() {
    let mut t = NatTable::new(ip(PUBLIC), EspNat::Translate);
    let mut p = esp_packet("192.168.1.10", "203.0.113.10");
    let payload_before = p[20..].to_vec();
    t.outbound(&mut p).unwrap();
    let v = ipv4::Packet::new_checked(&p[..]).unwrap();
    assert!(v.verify_checksum());
    assert_eq!(v.src_addr(), ip(PUBLIC));
    assert_eq!(v.payload(), &payload_before[..]);
    let mut r = esp_packet("203.0.113.10", PUBLIC);
    t.inbound(&mut r).unwrap();
    assert_eq!(
        ipv4::Packet::new_checked(&r[..]).unwrap().dst_addr(),
        ip("192.168.1.10")
    );
    let mut stranger = esp_packet("203.0.113.99", PUBLIC);
    assert_eq!(t.inbound(&mut stranger), Err(NatDrop::NoMapping));
}

#[test]
fn esp_drop_refuses_both_directions() {
    let mut t = NatTable::new(ip(PUBLIC), EspNat::Drop);
    assert_eq!(
        t.outbound(&mut esp_packet("192.168.1.10", "203.0.113.10")),
        Err(NatDrop::EspDropped)
    );
    assert_eq!(
        t.inbound(&mut esp_packet("203.0.113.10", PUBLIC)),
        Err(NatDrop::EspDropped)
    );
}

/// An enhanced GRE packet keyed `call_id`, seq 0, from `src` to `dst`.
fn gre_packet(src: &str, dst: &str, call_id: u16) -> Vec<u8> {
    let g = crate::wire::gre::Repr {
        call_id,
        seq: Some(0),
        ack: None,
        payload: b"\xff\x03",
    }
    .emit()
    .unwrap();
    let r = ipv4::Repr {
        src_addr: ip(src),
        dst_addr: ip(dst),
        protocol: ipv4::Protocol::Gre,
        payload_len: 0,
        ttl: 128,
        ident: 1,
        dont_frag: false,
    };
    ipv4::build(&r, &g).unwrap()
}

/// A client's Outgoing-Call-Request for `call_id` on TCP 1723, as the
/// PPTP engine sends it once the control connection is up.
fn ocrq_packet(src: &str, sport: u16, call_id: u16) -> Vec<u8> {
    use crate::pptp::{Control, PptpConfig};
    let cfg = PptpConfig {
        host_name: String::new(),
        vendor_name: "Microsoft".into(),
        firmware_revision: 0,
        receive_window: 64,
    };
    let mut pns = Control::pns(cfg.clone(), Duration::ZERO, call_id);
    let mut pac = Control::pac(cfg, Duration::ZERO);
    let sccrq = pns.poll_stream().unwrap();
    let _ = pac.handle_stream(Duration::ZERO, &sccrq);
    let sccrp = pac.poll_stream().unwrap();
    let _ = pns.handle_stream(Duration::ZERO, &sccrp);
    let m = pns.poll_stream().unwrap();
    let repr = tcp::Repr {
        src_port: sport,
        dst_port: 1723,
        seq_number: 1,
        ack_number: 1,
        flags: tcp::flags::ACK | tcp::flags::PSH,
        window_len: 64240,
    };
    let (src, dst) = (ip(src), ip("203.0.113.10"));
    let mut seg = vec![0u8; repr.buffer_len(m.len())];
    repr.emit(&mut tcp::Packet::new_unchecked(&mut seg[..]), src, dst, &m)
        .unwrap();
    let ipr = ipv4::Repr {
        src_addr: src,
        dst_addr: dst,
        protocol: ipv4::Protocol::Tcp,
        payload_len: 0,
        ttl: 128,
        ident: 1,
        dont_frag: true,
    };
    ipv4::build(&ipr, &seg).unwrap()
}

fn gre_inside(t: &mut NatTable, call_id: u16) -> Result<Ipv4Addr, NatDrop> {
    let mut r = gre_packet("203.0.113.10", PUBLIC, call_id);
    t.inbound(&mut r)?;
    Ok(ipv4::Packet::new_checked(&r[..]).unwrap().dst_addr())
}

#[test]
fn translated_gre_goes_to_the_last_inside_sender_so_a_second_client_takes_it() {
    let mut t = NatTable::new(ip(PUBLIC), EspNat::Translate);
    let mut a = gre_packet("192.168.1.10", "203.0.113.10", 0x4000);
    t.outbound(&mut a).unwrap();
    let v = ipv4::Packet::new_checked(&a[..]).unwrap();
    assert_eq!(v.src_addr(), ip(PUBLIC));
    assert!(v.verify_checksum());
    assert_eq!(gre_inside(&mut t, 0x8000), Ok(ip("192.168.1.10")));
    t.outbound(&mut gre_packet("192.168.1.11", "203.0.113.10", 0x4001))
        .unwrap();
    // The first client's call now reaches the second (one at a time).
    assert_eq!(gre_inside(&mut t, 0x8000), Ok(ip("192.168.1.11")));
}

#[test]
fn the_pptp_helper_sends_each_call_to_the_client_that_asked_for_it() {
    let mut t = NatTable::new(ip(PUBLIC), EspNat::Translate);
    t.set_gre(GreNat::PptpHelper);
    t.outbound(&mut ocrq_packet("192.168.1.10", 1025, 0x8000))
        .unwrap();
    t.outbound(&mut ocrq_packet("192.168.1.11", 1030, 0x9000))
        .unwrap();
    assert_eq!(gre_inside(&mut t, 0x8000), Ok(ip("192.168.1.10")));
    assert_eq!(gre_inside(&mut t, 0x9000), Ok(ip("192.168.1.11")));
    assert_eq!(gre_inside(&mut t, 0x1234), Err(NatDrop::NoMapping));
    // Outbound GRE is translated as always.
    assert!(t
        .outbound(&mut gre_packet("192.168.1.10", "203.0.113.10", 0x4000))
        .is_ok());
}

#[test]
fn gre_drop_refuses_both_ways_and_a_forward_catches_the_unknown() {
    let mut t = NatTable::new(ip(PUBLIC), EspNat::Translate);
    t.set_gre(GreNat::Drop);
    assert_eq!(
        t.outbound(&mut gre_packet("192.168.1.10", "203.0.113.10", 1)),
        Err(NatDrop::GreDropped)
    );
    assert_eq!(gre_inside(&mut t, 1), Err(NatDrop::GreDropped));
    let mut f = NatTable::new(ip(PUBLIC), EspNat::Translate);
    assert_eq!(gre_inside(&mut f, 1), Err(NatDrop::NoMapping));
    assert!(f.add_forward(Forward::Gre {
        to: ip("192.168.1.20")
    }));
    assert_eq!(gre_inside(&mut f, 1), Ok(ip("192.168.1.20")));
}

#[test]
fn other_protocols_are_unsupported() {
    let mut t = NatTable::new(ip(PUBLIC), EspNat::Translate);
    let r = ipv4::Repr {
        src_addr: ip("192.168.1.10"),
        dst_addr: ip("203.0.113.10"),
        protocol: ipv4::Protocol::from(51),
        payload_len: 0,
        ttl: 64,
        ident: 1,
        dont_frag: false,
    };
    let mut p = ipv4::build(&r, &[0; 8]).unwrap();
    assert_eq!(t.outbound(&mut p), Err(NatDrop::Unsupported));
}

fn nat() -> Nat {
    Nat::new(
        vec![
            ("192.168.1.0/24".parse().unwrap(), ip("192.168.1.1")),
            ("203.0.113.0/24".parse().unwrap(), ip(PUBLIC)),
        ],
        Some(ip("203.0.113.1")),
        0,
        1,
        EspNat::Translate,
    )
    .unwrap()
}

#[test]
fn nat_machine_translates_and_forwards_both_ways() {
    let mut n = nat();
    let p = udp::build_ipv4(
        sa("192.168.1.10:1701"),
        sa("203.0.113.10:1701"),
        1,
        128,
        b"x",
    );
    n.handle_packet(Duration::ZERO, 0, &p);
    let t = n.poll_transmit().unwrap();
    assert_eq!((t.iface, t.next_hop), (1, ip("203.0.113.10")));
    let d = udp::parse_ipv4(&t.packet).unwrap();
    assert_eq!(d.src, sa("203.0.113.2:1701"));
    assert_eq!(ipv4::Packet::new_checked(&t.packet[..]).unwrap().ttl(), 127);
    let r = udp::build_ipv4(
        sa("203.0.113.10:1701"),
        sa("203.0.113.2:1701"),
        1,
        128,
        b"y",
    );
    n.handle_packet(Duration::ZERO, 1, &r);
    let t = n.poll_transmit().unwrap();
    assert_eq!((t.iface, t.next_hop), (0, ip("192.168.1.10")));
    assert_eq!(
        udp::parse_ipv4(&t.packet).unwrap().dst,
        sa("192.168.1.10:1701")
    );
}

#[test]
fn nat_machine_drops_unsolicited_and_direct_inside_traffic() {
    let mut n = nat();
    let r = udp::build_ipv4(
        sa("203.0.113.10:1701"),
        sa("203.0.113.2:1701"),
        1,
        128,
        b"y",
    );
    n.handle_packet(Duration::ZERO, 1, &r);
    let direct = udp::build_ipv4(
        sa("203.0.113.10:1701"),
        sa("192.168.1.10:1701"),
        1,
        128,
        b"y",
    );
    n.handle_packet(Duration::ZERO, 1, &direct);
    assert_eq!(n.poll_transmit(), None);
    assert_eq!(n.stats().dropped_nat, 2);
    // Both are reported as refused for want of a mapping, as they came.
    for want in [&r, &direct] {
        assert_eq!(
            n.poll_refused(),
            Some(Refused {
                action: AppliedAction::NatNoMapping,
                packet: want.clone(),
            })
        );
    }
    assert_eq!(n.poll_refused(), None);
}

#[test]
fn nat_machine_still_answers_pings_and_reports_esp_it_drops() {
    let mut n = Nat::new(
        vec![
            ("192.168.1.0/24".parse().unwrap(), ip("192.168.1.1")),
            ("203.0.113.0/24".parse().unwrap(), ip(PUBLIC)),
        ],
        None,
        0,
        1,
        EspNat::Drop,
    )
    .unwrap();
    let req = icmp::Repr::EchoRequest {
        ident: 9,
        seq_no: 1,
        data: b"x",
    };
    n.handle_packet(
        Duration::ZERO,
        1,
        &icmp::build_ipv4(ip("203.0.113.10"), ip(PUBLIC), 1, 128, &req),
    );
    assert!(n.poll_transmit().is_some());
    assert_eq!(n.poll_refused(), None);
    let esp = esp_packet("192.168.1.10", "203.0.113.10");
    n.handle_packet(Duration::ZERO, 0, &esp);
    let inbound = esp_packet("203.0.113.10", PUBLIC);
    n.handle_packet(Duration::ZERO, 1, &inbound);
    assert_eq!(n.poll_transmit(), None);
    let got: Vec<_> = std::iter::from_fn(|| n.poll_refused()).collect();
    assert_eq!(
        got,
        vec![
            Refused {
                action: AppliedAction::Drop,
                packet: esp
            },
            Refused {
                action: AppliedAction::Drop,
                packet: inbound
            },
        ]
    );
}

#[test]
fn nat_rejects_bad_interface_indexes() {
    let ifaces = vec![("10.0.0.0/8".parse().unwrap(), ip("10.0.0.1"))];
    assert!(Nat::new(ifaces.clone(), None, 0, 1, EspNat::Drop).is_err());
    assert!(Nat::new(ifaces, None, 0, 0, EspNat::Drop).is_err());
}

#[test]
fn a_forwarded_port_reaches_the_inside_server_never_expires_and_replies_keep_it() {
    let mut t = NatTable::new(ip(PUBLIC), EspNat::Translate);
    t.set_udp_timeout(Some(Duration::from_secs(60)));
    let server = ip("192.168.1.20");
    assert!(t.add_forward(Forward::Udp {
        port: 4500,
        to: server
    }));
    // A second rule for the same port loses to the first.
    assert!(!t.add_forward(Forward::Udp {
        port: 4500,
        to: ip("192.168.1.21")
    }));
    t.at(Duration::from_secs(3600));
    let mut r = udp::build_ipv4(
        sa("198.51.100.7:4500"),
        sa("203.0.113.2:4500"),
        1,
        128,
        b"k",
    );
    t.inbound(&mut r).unwrap();
    assert_eq!(udp::parse_ipv4(&r).unwrap().dst, sa("192.168.1.20:4500"));
    // The server's reply leaves from the forwarded port.
    let mut out = udp::build_ipv4(
        sa("192.168.1.20:4500"),
        sa("198.51.100.7:4500"),
        2,
        128,
        b"k",
    );
    t.outbound(&mut out).unwrap();
    assert_eq!(udp::parse_ipv4(&out).unwrap().src, sa("203.0.113.2:4500"));
    // A client inside asking for the same port gets another.
    let mut client = udp::build_ipv4(
        sa("192.168.1.10:4500"),
        sa("198.51.100.7:4500"),
        3,
        128,
        b"",
    );
    t.outbound(&mut client).unwrap();
    assert_eq!(
        udp::parse_ipv4(&client).unwrap().src.port(),
        table::FIRST_DYNAMIC_PORT
    );
    t.at(Duration::from_secs(7200));
    let mut again = udp::build_ipv4(
        sa("198.51.100.7:4500"),
        sa("203.0.113.2:4500"),
        4,
        128,
        b"k",
    );
    assert!(t.inbound(&mut again).is_ok());
}

#[test]
fn esp_from_an_unknown_peer_goes_to_the_esp_forward() {
    let mut t = NatTable::new(ip(PUBLIC), EspNat::Translate);
    let mut r = esp_packet("198.51.100.7", PUBLIC);
    assert_eq!(t.inbound(&mut r), Err(NatDrop::NoMapping));
    assert!(t.add_forward(Forward::Esp {
        to: ip("192.168.1.20")
    }));
    assert!(!t.add_forward(Forward::Esp {
        to: ip("192.168.1.21")
    }));
    t.inbound(&mut r).unwrap();
    assert_eq!(
        ipv4::Packet::new_checked(&r[..]).unwrap().dst_addr(),
        ip("192.168.1.20")
    );
    // A peer an inside host sent ESP to still goes to that host.
    t.outbound(&mut esp_packet("192.168.1.10", "198.51.100.9"))
        .unwrap();
    let mut back = esp_packet("198.51.100.9", PUBLIC);
    t.inbound(&mut back).unwrap();
    assert_eq!(
        ipv4::Packet::new_checked(&back[..]).unwrap().dst_addr(),
        ip("192.168.1.10")
    );
}

#[test]
fn without_port_preservation_a_forgotten_mapping_comes_back_on_another_port() {
    let mut t = NatTable::new(ip(PUBLIC), EspNat::Translate);
    t.set_udp_timeout(Some(Duration::from_secs(10)));
    t.set_port_preservation(false);
    let port_out = |t: &mut NatTable| {
        let mut p = udp::build_ipv4(
            sa("192.168.1.10:4500"),
            sa("203.0.113.10:4500"),
            1,
            128,
            b"k",
        );
        t.outbound(&mut p).unwrap();
        udp::parse_ipv4(&p).unwrap().src.port()
    };
    t.at(Duration::from_secs(0));
    assert_eq!(port_out(&mut t), 1024);
    t.at(Duration::from_secs(5));
    assert_eq!(port_out(&mut t), 1024);
    t.at(Duration::from_secs(16));
    assert_eq!(port_out(&mut t), 1025);
}
