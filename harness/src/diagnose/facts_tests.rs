//! Facts of hand-built packets: one test per feature and value that the
//! article reasons with.

use super::*;
use l2tpsec::wire::udp;

fn sa(s: &str) -> std::net::SocketAddrV4 {
    s.parse().unwrap()
}

/// An ISAKMP header (RFC 2408 3.1): cookies, next payload 0, version 1.0,
/// exchange type, flags 0, message id 0, length 28.
fn isakmp(exchange: u8, responder_cookie: u8) -> Vec<u8> {
    let mut h = vec![0x11; 8];
    h.extend_from_slice(&[responder_cookie; 8]);
    h.extend_from_slice(&[0, 0x10, exchange, 0, 0, 0, 0, 0, 0, 0, 0, 28]);
    h
}

fn ike(from: &str, to: &str, exchange: u8, rcookie: u8) -> Vec<u8> {
    udp::build_ipv4(sa(from), sa(to), 1, 128, &isakmp(exchange, rcookie))
}

#[test]
fn nothing_at_all_is_every_feature_absent() {
    let f = extract(std::iter::empty());
    for (feature, values) in FEATURES {
        assert_eq!(f.get(feature), values.first(), "{feature}");
    }
}

#[test]
fn isakmp_from_the_initiator_only_then_both_ways_and_quick_mode() {
    let out = ike("192.168.1.10:500", "203.0.113.10:500", 2, 0);
    let back = ike("203.0.113.10:500", "192.168.1.10:500", 2, 0x22);
    let f = extract([out.as_slice(), out.as_slice()]);
    assert_eq!(f["isakmp"], "initiator-only");
    assert_eq!(f["ike"], "main-mode-only");
    assert_eq!(f["nat-t"], "no");
    let qm = ike("192.168.1.10:500", "203.0.113.10:500", 32, 0x22);
    let f = extract([out.as_slice(), back.as_slice(), qm.as_slice()]);
    assert_eq!(f["isakmp"], "both");
    assert_eq!(f["ike"], "quick-mode");
    // Without a message that opens the exchange, the first sender is taken
    // for the initiator.
    assert_eq!(extract([back.as_slice()])["isakmp"], "initiator-only");
}

#[test]
fn esp_one_way_one_spi_and_both_ways() {
    let esp = |src: [u8; 4], dst: [u8; 4], spi: u32| {
        let mut p = vec![0x45, 0, 0, 36, 0, 1, 0, 0, 64, 50, 0, 0];
        p.extend_from_slice(&src);
        p.extend_from_slice(&dst);
        p.extend_from_slice(&spi.to_be_bytes());
        p.extend_from_slice(&[0; 12]);
        // RFC 791 3.1: one's complement of the one's complement sum.
        let mut sum: u32 = p[..20]
            .chunks(2)
            .map(|w| u32::from(u16::from_be_bytes([w[0], w[1]])))
            .sum();
        while sum > 0xffff {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        p[10..12].copy_from_slice(&(!(sum as u16)).to_be_bytes());
        p
    };
    let a = esp([192, 168, 1, 10], [203, 0, 113, 10], 0x1000);
    let b = esp([203, 0, 113, 10], [192, 168, 1, 10], 0x2000);
    let f = extract([a.as_slice(), a.as_slice()]);
    assert_eq!(f["esp"], "one-way-one-spi");
    assert_eq!(extract([a.as_slice(), b.as_slice()])["esp"], "both");
}

/// An L2TP control message (RFC 2661 3.1): T, L, S set, version 2, one
/// Message Type AVP (4.4.1, mandatory).
fn l2tp_control(tunnel: u16, ns: u16, message_type: u16) -> Vec<u8> {
    let mut m = vec![0xc8, 0x02, 0, 20];
    m.extend_from_slice(&tunnel.to_be_bytes());
    m.extend_from_slice(&[0, 0]);
    m.extend_from_slice(&ns.to_be_bytes());
    m.extend_from_slice(&[0, 0]);
    m.extend_from_slice(&[0x80, 0x08, 0, 0, 0, 0]);
    m.extend_from_slice(&message_type.to_be_bytes());
    m
}

#[test]
fn clear_l2tp_alone_beside_ike_and_its_retransmissions() {
    let sccrq = udp::build_ipv4(
        sa("192.168.1.10:1701"),
        sa("203.0.113.10:1701"),
        1,
        128,
        &l2tp_control(0, 0, 1),
    );
    let f = extract([sccrq.as_slice()]);
    assert_eq!((f["l2tp"], f["l2tp-retransmissions"]), ("clear", "no"));
    let f = extract([sccrq.as_slice(), sccrq.as_slice()]);
    assert_eq!(f["l2tp-retransmissions"], "yes");
    let mm = ike("192.168.1.10:500", "203.0.113.10:500", 2, 0);
    assert_eq!(
        extract([mm.as_slice(), sccrq.as_slice()])["l2tp"],
        "clear-under-policy"
    );
}

#[test]
fn udp_4500_is_nat_t_and_a_cut_packet_is_skipped() {
    let mut marker = vec![0, 0, 0, 0];
    marker.extend_from_slice(&isakmp(2, 0));
    let p = udp::build_ipv4(
        sa("192.168.1.10:4500"),
        sa("203.0.113.10:4500"),
        1,
        128,
        &marker,
    );
    let f = extract([p.as_slice()]);
    assert_eq!((f["nat-t"], f["isakmp"]), ("yes", "initiator-only"));
    for n in 0..p.len() {
        // Every prefix: no panic; at most what the whole packet shows.
        let f = extract([&p[..n]]);
        assert!(f["isakmp"] == "none" || f["isakmp"] == "initiator-only");
    }
}
