use std::net::Ipv4Addr;

use proptest::prelude::*;

use super::sa::{esp, p2, KEY_IKE};
use super::*;

fn header(next: PayloadType) -> HeaderRepr {
    HeaderRepr {
        initiator_cookie: [1, 2, 3, 4, 5, 6, 7, 8],
        responder_cookie: [0; 8],
        next_payload: next,
        exchange: ExchangeType::IdentityProtection,
        flags: 0,
        message_id: 0,
    }
}

fn message(payloads: &[Payload]) -> Vec<u8> {
    let mut body = Vec::new();
    emit_payloads(payloads, &mut body).unwrap();
    let first = payloads.first().map_or(PayloadType::None, Payload::kind);
    header(first).to_bytes(&body).unwrap()
}

// An MM3-like message: KE (4 bytes for brevity) and a nonce, per RFC 2408
// 3.1, 3.7, 3.13.
const MM3_HEX: &str = concat!(
    "0102030405060708",
    "0000000000000000",
    "04",
    "10",
    "02",
    "00",
    "00000000",
    "0000002c",
    "0a00",
    "0008",
    "aabbccdd", // KE, next = Nonce
    "0000",
    "0008",
    "11223344", // Nonce, last
);

#[test]
fn header_and_chain_emit_the_rfc_bytes() {
    let bytes = message(&[
        Payload::KeyExchange(vec![0xaa, 0xbb, 0xcc, 0xdd]),
        Payload::Nonce(vec![0x11, 0x22, 0x33, 0x44]),
    ]);
    assert_eq!(hex::encode(&bytes), MM3_HEX);
}

#[test]
fn header_view_reads_every_field() {
    let bytes = hex::decode(MM3_HEX).unwrap();
    let p = Packet::new_checked(&bytes[..]).unwrap();
    assert_eq!(p.initiator_cookie(), [1, 2, 3, 4, 5, 6, 7, 8]);
    assert_eq!(p.responder_cookie(), [0; 8]);
    assert_eq!(p.next_payload(), PayloadType::KeyExchange);
    assert_eq!(p.version(), 0x10);
    assert_eq!(p.exchange_type(), ExchangeType::IdentityProtection);
    assert!(!p.encrypted());
    assert_eq!(p.length(), 44);
    assert_eq!(HeaderRepr::parse(&p), header(PayloadType::KeyExchange));
    let raw = split_payloads(p.next_payload(), p.body(), false).unwrap();
    assert_eq!(raw.len(), 2);
    assert_eq!(
        (raw[1].offset, raw[1].len, raw[1].body),
        (8, 8, &[0x11, 0x22, 0x33, 0x44][..])
    );
}

#[test]
fn every_prefix_of_a_message_fails() {
    let bytes = hex::decode(MM3_HEX).unwrap();
    for n in 0..bytes.len() {
        assert!(Packet::new_checked(&bytes[..n]).is_err(), "prefix {n}");
    }
    // The chain alone, cut anywhere, fails too.
    let body = &bytes[HEADER_LEN..];
    for n in 0..body.len() {
        assert!(
            parse_payloads(PayloadType::KeyExchange, &body[..n], false).is_err(),
            "chain prefix {n}"
        );
    }
}

#[test]
fn unknown_major_version_is_rejected() {
    let mut bytes = hex::decode(MM3_HEX).unwrap();
    bytes[17] = 0x20; // IKEv2
    assert!(matches!(
        Packet::new_checked(&bytes[..]),
        Err(WireError::BadVersion { version: 0x20, .. })
    ));
    bytes[17] = 0x11; // minor versions are accepted
    assert!(Packet::new_checked(&bytes[..]).is_ok());
}

#[test]
fn length_must_equal_the_datagram() {
    let mut bytes = hex::decode(MM3_HEX).unwrap();
    bytes.push(0);
    assert!(matches!(
        Packet::new_checked(&bytes[..]),
        Err(WireError::Trailing { bytes: 1, .. })
    ));
}

#[test]
fn padding_is_ignored_only_when_decrypted() {
    let mut chain = Vec::new();
    emit_payloads(&[Payload::Hash(vec![7; 20])], &mut chain).unwrap();
    chain.extend_from_slice(&[0, 0, 0, 0]);
    assert_eq!(
        parse_payloads(PayloadType::Hash, &chain, true).unwrap(),
        vec![Payload::Hash(vec![7; 20])]
    );
    assert!(parse_payloads(PayloadType::Hash, &chain, false).is_err());
}

#[test]
fn a_clear_chain_may_be_aligned_to_four_octets_as_pluto_pads_it() {
    // A CR whose body is 5 bytes: 9 with its header, padded by 3 zeros.
    let mut chain = Vec::new();
    let cr = Payload::CertificateRequest(CertPayload {
        encoding: CertEncoding::X509Signature,
        data: vec![1, 2, 3, 4],
    });
    emit_payloads(std::slice::from_ref(&cr), &mut chain).unwrap();
    assert_eq!(chain.len(), 9);
    chain.extend_from_slice(&[0, 0, 0]);
    assert_eq!(
        parse_payloads(PayloadType::CertificateRequest, &chain, false).unwrap(),
        vec![cr]
    );
    // Not to a four-octet end, or four bytes and more: an error.
    assert!(parse_payloads(PayloadType::CertificateRequest, &chain[..11], false).is_err());
    chain.extend_from_slice(&[0, 0, 0, 0]);
    assert!(parse_payloads(PayloadType::CertificateRequest, &chain, false).is_err());
}

#[test]
fn nat_d_and_nat_oa_emit_the_rfc_3947_layout() {
    let oa = Payload::NatOa(NatOaPayload {
        id_type: IdType::Ipv4Addr,
        address: vec![192, 168, 1, 10],
    });
    let natd = Payload::NatD(vec![0xb4; 20]);
    let mut out = Vec::new();
    emit_payloads(&[natd.clone(), oa.clone()], &mut out).unwrap();
    // RFC 3947 3.2: next payload 21 (NAT-OA), length 24, the hash; 5.2:
    // next none, length 12, ID_IPV4_ADDR, three reserved zero octets, address.
    assert_eq!(
        hex::encode(&out),
        format!("15000018{}0000000c01000000c0a8010a", "b4".repeat(20))
    );
    assert_eq!(
        parse_payloads(PayloadType::NatD, &out, false).unwrap(),
        [natd, oa]
    );
    assert_eq!(u8::from(PayloadType::NatD), 20);
    assert_eq!(u8::from(PayloadType::NatOa), 21);
}

#[test]
fn quick_mode_id_is_ipv4_udp_port() {
    let id = IdPayload::ipv4(Ipv4Addr::new(192, 168, 1, 10), 17, 1701);
    let mut out = Vec::new();
    emit_payloads(&[Payload::Identification(id.clone())], &mut out).unwrap();
    // RFC 2407 4.6.2: type 1, protocol 17, port 1701, address.
    assert_eq!(hex::encode(&out), "0000000c011106a5c0a8010a");
    assert_eq!(id.ipv4_addr(), Some(Ipv4Addr::new(192, 168, 1, 10)));
}

#[test]
fn notify_and_delete_emit_the_rfc_layout() {
    let n = Payload::Notification(NotifyPayload::new(
        ProtocolId::Esp,
        vec![0xca, 0xfe, 0xba, 0xbe],
        NotifyType::NoProposalChosen,
    ));
    let d = Payload::Delete(DeletePayload {
        doi: 1,
        protocol: ProtocolId::Esp,
        spi_size: 4,
        spis: vec![vec![1, 2, 3, 4]],
    });
    let mut out = Vec::new();
    emit_payloads(&[n.clone(), d.clone()], &mut out).unwrap();
    assert_eq!(
        hex::encode(&out),
        concat!(
            "0c00", "0010", "00000001", "03", "04", "000e", "cafebabe", // N, next = D
            "0000", "0010", "00000001", "03", "04", "0001", "01020304",
        )
    );
    assert_eq!(
        parse_payloads(PayloadType::Notification, &out, false).unwrap(),
        vec![n, d]
    );
}

#[test]
fn notify_numbers_follow_rfc_2408() {
    assert_eq!(u16::from(NotifyType::InvalidCertificate), 20);
    assert_eq!(u16::from(NotifyType::InvalidCertAuthority), 22);
    assert_eq!(u16::from(NotifyType::AuthenticationFailed), 24);
    assert_eq!(NotifyType::from(999), NotifyType::Unknown(999));
}

#[test]
fn proposal_outside_an_sa_is_malformed() {
    assert!(Payload::parse(PayloadType::Proposal, &[1, 1, 0, 0]).is_err());
}

#[test]
fn summary_names_the_exchange() {
    let bytes = hex::decode(MM3_HEX).unwrap();
    assert!(summary(&bytes).contains("IdentityProtection"));
    assert!(summary(&bytes[..10]).contains("malformed"));
}

fn any_attribute() -> impl Strategy<Value = Attribute> {
    prop_oneof![
        (0u16..0x8000, any::<u16>()).prop_map(|(kind, value)| Attribute::Basic { kind, value }),
        (0u16..0x8000, proptest::collection::vec(any::<u8>(), 0..6))
            .prop_map(|(kind, value)| Attribute::Variable { kind, value }),
    ]
}

fn any_sa() -> impl Strategy<Value = SaPayload> {
    let transform = (
        any::<u8>(),
        any::<u8>(),
        proptest::collection::vec(any_attribute(), 0..4),
    )
        .prop_map(|(number, transform_id, attributes)| Transform {
            number,
            transform_id,
            attributes,
        });
    let proposal = (
        any::<u8>(),
        any::<u8>(),
        proptest::collection::vec(any::<u8>(), 0..5),
        proptest::collection::vec(transform, 1..4),
    )
        .prop_map(|(number, protocol, spi, transforms)| Proposal {
            number,
            protocol: ProtocolId::from(protocol),
            spi,
            transforms,
        });
    proptest::collection::vec(proposal, 1..3).prop_map(SaPayload::new)
}

fn bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(any::<u8>(), 0..max)
}

fn any_payload() -> impl Strategy<Value = Payload> {
    prop_oneof![
        any_sa().prop_map(Payload::Sa),
        bytes(40).prop_map(Payload::KeyExchange),
        bytes(40).prop_map(Payload::Nonce),
        bytes(20).prop_map(Payload::Hash),
        bytes(40).prop_map(Payload::Signature),
        bytes(20).prop_map(Payload::VendorId),
        (any::<u8>(), any::<u8>(), any::<u16>(), bytes(20)).prop_map(
            |(t, protocol, port, data)| {
                Payload::Identification(IdPayload {
                    id_type: IdType::from(t),
                    protocol,
                    port,
                    data,
                })
            }
        ),
        (any::<u8>(), bytes(30)).prop_map(|(e, data)| Payload::Certificate(CertPayload {
            encoding: CertEncoding::from(e),
            data
        })),
        (any::<u8>(), bytes(30)).prop_map(|(e, data)| Payload::CertificateRequest(CertPayload {
            encoding: CertEncoding::from(e),
            data
        })),
        (any::<u8>(), bytes(17), any::<u16>(), bytes(8)).prop_map(|(p, spi, t, data)| {
            Payload::Notification(NotifyPayload {
                doi: 1,
                protocol: ProtocolId::from(p),
                spi,
                notify_type: NotifyType::from(t),
                data,
            })
        }),
        (1u8..17, 0usize..4).prop_map(|(size, n)| Payload::Delete(DeletePayload {
            doi: 1,
            protocol: ProtocolId::Esp,
            spi_size: size,
            spis: (0..n).map(|i| vec![i as u8; usize::from(size)]).collect(),
        })),
        bytes(20).prop_map(Payload::NatD),
        prop::collection::vec(any::<u8>(), 4).prop_map(|address| Payload::NatOa(NatOaPayload {
            id_type: IdType::Ipv4Addr,
            address,
        })),
        (14u8..=255)
            .prop_filter("NAT-D and NAT-OA have their own types", |k| !matches!(
                k,
                20 | 21
            ))
            .prop_flat_map(|kind| bytes(10).prop_map(move |body| Payload::Unknown { kind, body })),
    ]
}

proptest! {
    #[test]
    fn random_bytes_never_panic(data in bytes(200), first in any::<u8>()) {
        if let Ok(p) = Packet::new_checked(&data[..]) {
            let _ = parse_payloads(p.next_payload(), p.body(), p.encrypted());
        }
        let _ = parse_payloads(PayloadType::from(first), &data, true);
        let _ = parse_payloads(PayloadType::from(first), &data, false);
        let _ = SaPayload::parse(&data);
        let _ = summary(&data);
    }

    #[test]
    fn payload_chains_round_trip(payloads in proptest::collection::vec(any_payload(), 0..6)) {
        let mut chain = Vec::new();
        emit_payloads(&payloads, &mut chain).unwrap();
        let first = payloads.first().map_or(PayloadType::None, Payload::kind);
        prop_assert_eq!(parse_payloads(first, &chain, false).unwrap(), payloads);
    }
}

#[test]
fn esp_transform_constants_match_rfc_2407() {
    assert_eq!((esp::DES, esp::TRIPLE_DES, esp::AES), (2, 3, 12));
    assert_eq!((p2::ENCAP_TRANSPORT, p2::AUTH_HMAC_SHA, KEY_IKE), (2, 2, 1));
}
