//! Parser targets: each parses its bytes with the library's wire views,
//! and where a parse succeeds, emits the `Repr` again and parses that: the
//! two parses must agree (the round trip that holds when emitting may
//! normalise padding, flags or optional fields). A disagreement is a bug,
//! reported as a panic like any other.

use std::net::{Ipv4Addr, SocketAddrV4};
use std::path::Path;

use l2tpsec::wire::isakmp::{self, emit_payloads, parse_payloads, HeaderRepr, Payload};
use l2tpsec::wire::l2tp::{self as l2tp_wire, ControlRepr, DataRepr};
use l2tpsec::wire::ppp::{self as ppp_wire, ccp, chap, ipcp, ipv6cp, lcp, mppe, Protocol};
use l2tpsec::wire::pptp::{message_len, Message};
use l2tpsec::wire::{esp as esp_wire, gre as gre_wire, ipv4, udp, WireError};

use crate::report::dissect::Dissector;

/// Where the report's packet table sees the same bytes: inside an IPv4
/// packet (UDP to `port`, or raw ESP), through the harness dissector.
fn dissected(data: &[u8], port: Option<u16>) {
    let (a, b) = (
        Ipv4Addr::new(192, 168, 1, 10),
        Ipv4Addr::new(203, 0, 113, 10),
    );
    let packet = match port {
        Some(p) => udp::build_ipv4(
            SocketAddrV4::new(a, p),
            SocketAddrV4::new(b, p),
            1,
            128,
            data,
        ),
        None => {
            let repr = ipv4::Repr {
                src_addr: a,
                dst_addr: b,
                protocol: ipv4::Protocol::Esp,
                payload_len: data.len(),
                ttl: 128,
                ident: 1,
                dont_frag: false,
            };
            let Ok(p) = ipv4::build(&repr, data) else {
                return;
            };
            p
        }
    };
    let _ = Dissector::new().dissect("client", 0, true, &packet);
}

/// An ISAKMP message (RFC 2408 3) with every payload type: the header,
/// the payload chain in the clear, and, read as decrypted plaintext, the
/// padded chain an encrypted message carries (RFC 2409 Appendix B).
pub fn isakmp(data: &[u8]) {
    let _ = isakmp::summary(data);
    dissected(data, Some(500));
    let Ok(packet) = isakmp::Packet::new_checked(data) else {
        return;
    };
    let header = HeaderRepr::parse(&packet);
    let body = packet.body();
    let Ok(again) = header.to_bytes(body) else {
        panic!("ISAKMP header of a parsed message does not emit");
    };
    let reparsed = isakmp::Packet::new_checked(&again[..]).map(|p| HeaderRepr::parse(&p));
    assert_eq!(reparsed.ok(), Some(header), "ISAKMP header round trip");
    for padded in [false, true] {
        if let Ok(payloads) = parse_payloads(header.next_payload, body, padded) {
            payloads_round_trip(&payloads);
        }
    }
}

/// Emitting parsed payloads gives a chain that parses to the same payloads
/// (emitted chains carry no padding).
fn payloads_round_trip(payloads: &[Payload]) {
    let mut chain = Vec::new();
    if let Err(e) = emit_payloads(payloads, &mut chain) {
        panic!("parsed ISAKMP payloads do not emit: {e}");
    }
    let first = payloads
        .first()
        .map_or(isakmp::PayloadType::None, Payload::kind);
    let again = parse_payloads(first, &chain, false);
    assert_eq!(again.as_deref(), Ok(payloads), "ISAKMP payload round trip");
}

/// The ESP sizes of the SAs Windows negotiates: NULL, DES/3DES and AES
/// with HMAC-96, and a cipher without integrity (RFC 4303 2).
const ESP_SIZES: [esp_wire::Sizes; 4] = [
    esp_wire::Sizes {
        iv_len: 0,
        block_len: 1,
        icv_len: 12,
    },
    esp_wire::Sizes {
        iv_len: 8,
        block_len: 8,
        icv_len: 12,
    },
    esp_wire::Sizes {
        iv_len: 16,
        block_len: 16,
        icv_len: 12,
    },
    esp_wire::Sizes {
        iv_len: 8,
        block_len: 8,
        icv_len: 0,
    },
];

/// An ESP packet read as clear (NULL encryption, or decrypted in place)
/// under each SA size: emitting the parsed fields around the same IV and
/// payload gives a packet that parses the same (padding made minimal).
/// A PPTP control stream (RFC 2637 2): cut at each message's length as
/// a TCP receiver does; every message that parses emits what parses to
/// the same message (reserved fields are normalised to 0).
pub fn pptp(data: &[u8]) {
    let mut rest = data;
    while let Ok(Some(len)) = message_len(rest) {
        let (one, more) = rest.split_at(len);
        if let Ok(m) = Message::parse(one) {
            assert_eq!(Message::parse(&m.emit()), Ok(m), "PPTP round trip");
        }
        rest = more;
    }
}

/// Enhanced GRE (RFC 2637 4.1): every field of a packet that parses is
/// significant, so it emits to exactly its bytes.
pub fn gre(data: &[u8]) {
    if let Ok(r) = gre_wire::parse(data) {
        assert_eq!(r.emit().as_deref(), Ok(data), "GRE round trip");
    }
}

pub fn esp(data: &[u8]) {
    let _ = esp_wire::summary(data);
    dissected(data, None);
    let Ok(packet) = esp_wire::Packet::new_checked(data) else {
        return;
    };
    for sizes in ESP_SIZES {
        let Ok(repr) = esp_wire::Repr::parse(&packet, sizes) else {
            continue;
        };
        let Ok((_, payload)) = esp_wire::Trailer::parse(packet.encrypted(sizes)) else {
            panic!("ESP Repr parsed but its trailer does not");
        };
        let mut out = vec![0u8; repr.buffer_len(sizes)];
        let mut view = esp_wire::Packet::new_unchecked(&mut out[..]);
        match repr.emit(&mut view, sizes, packet.iv(sizes), payload) {
            Ok(()) => {}
            // RFC 4303 2.1: SPI 0 is reserved; the emitter refuses it.
            Err(_) if repr.spi == 0 => continue,
            Err(e) => panic!("parsed ESP does not emit: {e}"),
        }
        let again =
            esp_wire::Packet::new_checked(&out[..]).and_then(|p| esp_wire::Repr::parse(&p, sizes));
        assert_eq!(again, Ok(repr), "ESP round trip");
    }
}

/// An L2TP message (RFC 2661 3.1): a control message with its AVPs, or a
/// data message; either round trips through its emitter.
pub fn l2tp(data: &[u8]) {
    let _ = l2tp_wire::summarize(data);
    dissected(data, Some(l2tp_wire::UDP_PORT));
    let Ok(packet) = l2tp_wire::Packet::new_checked(data) else {
        return;
    };
    if packet.is_control() {
        let Ok(repr) = ControlRepr::parse(&packet) else {
            return;
        };
        match repr.to_bytes() {
            Ok(bytes) => assert_eq!(
                ControlRepr::parse_bytes(&bytes),
                Ok(repr),
                "L2TP control round trip"
            ),
            // A message that parsed fits in 16-bit lengths once more.
            Err(e) => panic!("parsed L2TP control message does not emit: {e}"),
        }
    } else {
        let Ok(repr) = DataRepr::parse(&packet) else {
            return;
        };
        match repr.to_bytes() {
            Ok(bytes) => assert_eq!(
                DataRepr::parse_bytes(&bytes),
                Ok(repr),
                "L2TP data round trip"
            ),
            Err(e) => panic!("parsed L2TP data message does not emit: {e}"),
        }
    }
}

/// A PPP frame (RFC 1661 2) and what it carries: LCP, IPCP and CCP
/// packets with their options, CHAP, MPPE. The bytes are also read as a
/// bare control packet of each protocol, so the option parsers are reached
/// without a frame header.
pub fn ppp(data: &[u8]) {
    if let Ok(message) = DataRepr::new(1, 1, data).to_bytes() {
        dissected(&message, Some(l2tp_wire::UDP_PORT));
    }
    for frame in [
        ppp_wire::Frame::parse(data),
        ppp_wire::Frame::parse_pfc(data),
    ] {
        let Ok(frame) = frame else {
            continue;
        };
        let again = frame.to_vec();
        assert_eq!(
            ppp_wire::Frame::parse(&again),
            Ok(frame),
            "PPP frame round trip"
        );
        match frame.protocol {
            Protocol::Lcp => control::<lcp::LcpOption>(frame.info),
            Protocol::Ipcp => control::<ipcp::IpcpOption>(frame.info),
            Protocol::Ccp => control::<ccp::CcpOption>(frame.info),
            Protocol::Ipv6cp => control::<ipv6cp::Ipv6cpOption>(frame.info),
            Protocol::Chap => mschapv2(frame.info),
            Protocol::Compressed => mppe_header(frame.info),
            _ => {}
        }
    }
    control::<lcp::LcpOption>(data);
    control::<ipcp::IpcpOption>(data);
    control::<ccp::CcpOption>(data);
    control::<ipv6cp::Ipv6cpOption>(data);
}

/// A control packet (RFC 1661 5) and, for the Configure codes, its options.
fn control<O: lcp::PppOption>(info: &[u8]) {
    let Ok(repr) = lcp::Repr::parse_bytes(info) else {
        return;
    };
    let again = repr.to_vec();
    assert_eq!(
        lcp::Repr::parse_bytes(&again),
        Ok(repr),
        "PPP control round trip"
    );
    let configure = matches!(
        repr.code,
        lcp::Code::ConfigureRequest
            | lcp::Code::ConfigureAck
            | lcp::Code::ConfigureNak
            | lcp::Code::ConfigureReject
    );
    if !configure {
        return;
    }
    if let Ok(options) = lcp::parse_options::<O>(repr.data) {
        let bytes = lcp::options_to_vec(&options);
        let again: Result<Vec<O>, WireError> = lcp::parse_options(&bytes);
        assert_eq!(again, Ok(options), "PPP options round trip");
    }
}

/// The MPPE header (RFC 3078 3) of a Compressed datagram.
fn mppe_header(info: &[u8]) {
    let Ok(packet) = mppe::Packet::new_checked(info) else {
        return;
    };
    let Ok(repr) = mppe::Repr::parse(&packet) else {
        return;
    };
    let mut out = info.to_vec();
    repr.emit(&mut mppe::Packet::new_unchecked(&mut out[..]));
    let again = mppe::Packet::new_checked(&out[..]).and_then(|p| mppe::Repr::parse(&p));
    assert_eq!(again, Ok(repr), "MPPE header round trip");
}

/// An MS-CHAPv2 packet (RFC 2759): Challenge, Response, Success and
/// Failure, and the Success and Failure texts on their own.
pub fn mschapv2(data: &[u8]) {
    if let Ok(repr) = chap::Repr::parse_bytes(data) {
        let again = repr.to_bytes();
        assert_eq!(
            chap::Repr::parse_bytes(&again),
            Ok(repr),
            "MS-CHAPv2 round trip"
        );
    }
    if let Ok(m) = chap::SuccessMessage::parse(data) {
        let text = m.to_text();
        assert_eq!(
            chap::SuccessMessage::parse(text.as_bytes()),
            Ok(m),
            "MS-CHAPv2 Success text round trip"
        );
    }
    if let Ok(m) = chap::FailureMessage::parse(data) {
        let text = m.to_text();
        assert_eq!(
            chap::FailureMessage::parse(text.as_bytes()),
            Ok(m),
            "MS-CHAPv2 Failure text round trip"
        );
    }
}

/// A scenario file's bytes through the loader: a typed error for anything
/// invalid (non-UTF-8 included), never a panic. `base:` names resolve in
/// the shipped `scenarios/base/`.
/// A capture file from anywhere (`diagnose --capture`): read, then its
/// facts; each IPv4 packet alone too. Neither may panic.
pub fn capture(data: &[u8]) {
    if let Ok(p) = crate::diagnose::capture::read(data) {
        let _ = crate::diagnose::facts::extract(p.ipv4.iter().map(Vec::as_slice));
    }
    let _ = crate::diagnose::facts::extract([data]);
}

pub fn scenario(data: &[u8]) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios");
    match crate::scenario::load::load_bytes(data, Path::new("fuzz.yaml"), &dir) {
        Ok(_) => {}
        Err(e) => {
            let _ = e.to_string();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parser_targets_take_empty_and_tiny_inputs() {
        for data in [&b""[..], &[0], &[0xff, 0x03, 0xc0, 0x21], &[0; 40]] {
            isakmp(data);
            esp(data);
            l2tp(data);
            ppp(data);
            mschapv2(data);
            scenario(data);
        }
    }

    #[test]
    fn scenario_target_gives_typed_error_for_non_utf8() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios");
        let e = crate::scenario::load::load_bytes(b"name: \xff", Path::new("x.yaml"), &dir);
        assert!(matches!(
            e,
            Err(crate::scenario::load::LoadError::Invalid(_))
        ));
    }
}
