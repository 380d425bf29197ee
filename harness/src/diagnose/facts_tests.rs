//! Facts of hand-built packets: one test per feature and value that the
//! article reasons with.

use super::*;
use l2tpsec::wire::isakmp::payload::{emit_payloads, NotifyPayload, NotifyType, Payload};
use l2tpsec::wire::isakmp::{ExchangeType, HeaderRepr, PayloadType, ProtocolId};
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
fn nothing_at_all_is_every_feature_absent_or_unseen() {
    let f = extract(std::iter::empty());
    for (feature, values) in FEATURES {
        // What only a message that is not there could show is unseen.
        let want = match *feature {
            "initiator-vendor" | "responder-vendor" | "nat-d" => UNSEEN,
            _ => values[0],
        };
        assert_eq!(f[feature], want, "{feature}");
    }
}

#[test]
fn isakmp_from_the_initiator_only_then_both_ways_and_quick_mode() {
    let out = ike("192.168.1.10:500", "203.0.113.10:500", 2, 0);
    let back = ike("203.0.113.10:500", "192.168.1.10:500", 2, 0x22);
    let f = extract([out.as_slice(), out.as_slice()]);
    assert_eq!(f["isakmp"], "initiator-only");
    assert_eq!(f["ike"], "main-mode-only");
    assert_eq!(f["nat-t"], "none");
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
    assert_eq!(
        (f["nat-t"], f["isakmp"]),
        ("initiator-only", "initiator-only")
    );
    for n in 0..p.len() {
        // Every prefix: no panic; at most what the whole packet shows.
        let f = extract([&p[..n]]);
        assert!(f["isakmp"] == "none" || f["isakmp"] == "initiator-only");
    }
}

/// An ISAKMP message: `header` (cookies and exchange) and its payloads.
fn message(rcookie: u8, exchange: u8, flags: u8, payloads: &[Payload]) -> Vec<u8> {
    let mut body = Vec::new();
    emit_payloads(payloads, &mut body).unwrap();
    HeaderRepr {
        initiator_cookie: [0x11; 8],
        responder_cookie: [rcookie; 8],
        next_payload: payloads.first().map_or(PayloadType::None, Payload::kind),
        exchange: ExchangeType::from(exchange),
        flags,
        message_id: 0,
    }
    .to_bytes(&body)
    .unwrap()
}

/// An SA payload whose body the facts do not read.
fn sa_payload() -> Payload {
    Payload::Unknown {
        kind: 1,
        body: vec![0; 8],
    }
}

fn windows(version: u32) -> Payload {
    let mut id = vec![
        0x1e, 0x2b, 0x51, 0x69, 0x05, 0x99, 0x1c, 0x7d, 0x7c, 0x96, 0xfc, 0xbf, 0xb5, 0x87, 0xe4,
        0x61,
    ];
    id.extend_from_slice(&version.to_be_bytes());
    Payload::VendorId(id)
}

/// An IPv4/UDP packet with `ttl`.
fn udp_ttl(from: &str, to: &str, ttl: u8, payload: &[u8]) -> Vec<u8> {
    udp::build_ipv4(sa(from), sa(to), 1, ttl, payload)
}

const CLIENT: &str = "192.168.1.10:500";
const SERVER: &str = "203.0.113.10:500";

#[test]
fn a_refusal_after_message_1_shows_the_notify_and_the_clients_windows() {
    let mm1 = message(0, 2, 0, &[sa_payload(), windows(3)]);
    let notify = message(
        0,
        5,
        0,
        &[Payload::Notification(NotifyPayload::new(
            ProtocolId::Isakmp,
            Vec::new(),
            NotifyType::NoProposalChosen,
        ))],
    );
    let out = udp_ttl(CLIENT, SERVER, 128, &mm1);
    let back = udp_ttl(SERVER, CLIENT, 63, &notify);
    let r = read([out.as_slice(), back.as_slice()]);
    let f = &r.facts;
    assert_eq!(f["isakmp"], "both");
    assert_eq!(f["main-mode"], "1");
    assert_eq!(f["ike-notify"], "no-proposal-chosen");
    assert_eq!(f["initiator-vendor"], "windows-xp");
    assert_eq!((f["responder-vendor"], f["nat-d"]), (UNSEEN, UNSEEN));
    assert_eq!(f["ppp"], "none", "no ESP: PPP never started");
    assert_eq!(r.from.side(), Some(crate::diagnose::Side::Client));
}

#[test]
fn main_mode_counts_its_messages_and_nat_d_and_who_resends() {
    let mm1 = udp_ttl(
        CLIENT,
        SERVER,
        128,
        &message(0, 2, 0, &[sa_payload(), windows(4)]),
    );
    let mm2 = udp_ttl(
        SERVER,
        CLIENT,
        127,
        &message(0x22, 2, 0, &[sa_payload(), windows(4)]),
    );
    let ke = |nat_d: bool| {
        let mut p = vec![Payload::KeyExchange(vec![1; 8]), Payload::Nonce(vec![2; 8])];
        if nat_d {
            p.push(Payload::NatD(vec![3; 20]));
        }
        message(0x22, 2, 0, &p)
    };
    let mm3 = udp_ttl(CLIENT, SERVER, 128, &ke(true));
    let mm4 = udp_ttl(SERVER, CLIENT, 127, &ke(false));
    // Messages 5 and 6 are encrypted: the flag and some ciphertext.
    let mut enc = message(0x22, 2, 1, &[]);
    enc[16] = 5; // next payload: ID, under the encryption
    enc.extend_from_slice(&[0xaa; 16]);
    let len = enc.len() as u32;
    enc[24..28].copy_from_slice(&len.to_be_bytes());
    let mm5 = udp_ttl(CLIENT, SERVER, 128, &enc);
    let steps = [&mm1, &mm2, &mm3, &mm4, &mm5];
    let want = ["1", "1-2", "3", "3-4", "5"];
    for (n, w) in want.iter().enumerate() {
        let f = extract(steps[..=n].iter().map(|p| p.as_slice()));
        assert_eq!(f["main-mode"], *w, "after message {}", n + 1);
    }
    let f = extract(steps.iter().map(|p| p.as_slice()));
    assert_eq!(f["nat-d"], "yes");
    assert_eq!(f["responder-vendor"], "windows-2003");
    assert_eq!(f["isakmp-retransmissions"], "none");
    // The server resends message 4: message 5 never reached it.
    let f = extract([&mm1, &mm2, &mm3, &mm4, &mm5, &mm4].map(|p| p.as_slice()));
    assert_eq!(f["isakmp-retransmissions"], "responder");
    let mut mm6 = enc.clone();
    mm6.extend_from_slice(&[0xbb; 16]);
    let len = mm6.len() as u32;
    mm6[24..28].copy_from_slice(&len.to_be_bytes());
    let mm6 = udp_ttl(SERVER, CLIENT, 127, &mm6);
    let f = extract([&mm1, &mm2, &mm3, &mm4, &mm5, &mm6].map(|p| p.as_slice()));
    assert_eq!(f["main-mode"], "5-6");
}

#[test]
fn ppp_and_l2tp_retransmissions_inside_esp_are_unseen_and_nat_t_one_way_or_both() {
    let esp = |from: &str, to: &str, spi: u32| {
        let mut p = spi.to_be_bytes().to_vec();
        p.extend_from_slice(&[0; 12]);
        udp_ttl(from, to, 128, &p)
    };
    let out = esp("192.168.1.10:4500", "203.0.113.10:4500", 0x1000);
    let back = esp("203.0.113.10:4500", "192.168.1.10:4500", 0x2000);
    let mm1 = udp_ttl(CLIENT, SERVER, 128, &message(0, 2, 0, &[sa_payload()]));
    let f = extract([mm1.as_slice(), out.as_slice()]);
    assert_eq!((f["ppp"], f["l2tp-retransmissions"]), (UNSEEN, UNSEEN));
    assert_eq!(f["nat-t"], "initiator-only");
    assert_eq!(f["initiator-vendor"], "none");
    let f = extract([mm1.as_slice(), out.as_slice(), back.as_slice()]);
    assert_eq!((f["nat-t"], f["esp"]), ("both", "both"));
}
