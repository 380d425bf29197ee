//! PPTP control messages: lengths from RFC 2637, bytes, round trips,
//! framing on a stream, and random input.

use proptest::prelude::*;

use super::*;

fn start(host: &[u8]) -> StartControl {
    StartControl {
        protocol_version: PROTOCOL_VERSION,
        result: 0,
        error: 0,
        framing_capabilities: 1,
        bearer_capabilities: 1,
        maximum_channels: 0,
        firmware_revision: 0x0a28,
        host_name: host.to_vec(),
        vendor_name: b"Microsoft Windows NT".to_vec(),
    }
}

/// One message of every type.
fn samples() -> Vec<Message> {
    vec![
        Message::StartControlConnectionRequest(start(b"")),
        Message::StartControlConnectionReply(StartControl {
            result: 1,
            ..start(b"VPNSRV")
        }),
        Message::StopControlConnectionRequest { reason: 1 },
        Message::StopControlConnectionReply {
            result: 1,
            error: 0,
        },
        Message::EchoRequest {
            identifier: 0x0102_0304,
        },
        Message::EchoReply {
            identifier: 0x0102_0304,
            result: 1,
            error: 0,
        },
        Message::OutgoingCallRequest(OutgoingCallRequest {
            call_id: 0x8000,
            call_serial_number: 1,
            minimum_bps: 300,
            maximum_bps: 100_000_000,
            bearer_type: 3,
            framing_type: 3,
            packet_receive_window: 64,
            packet_processing_delay: 0,
            phone_number: b"203.0.113.10".to_vec(),
            subaddress: Vec::new(),
        }),
        Message::OutgoingCallReply(OutgoingCallReply {
            call_id: 0x4000,
            peer_call_id: 0x8000,
            result: 1,
            error: 0,
            cause: 0,
            connect_speed: 100_000_000,
            packet_receive_window: 64,
            packet_processing_delay: 0,
            physical_channel_id: 0,
        }),
        Message::IncomingCallRequest(IncomingCallRequest {
            call_id: 7,
            call_serial_number: 2,
            bearer_type: 1,
            physical_channel_id: 9,
            dialed_number: b"100".to_vec(),
            dialing_number: b"200".to_vec(),
            subaddress: b"x".to_vec(),
        }),
        Message::IncomingCallReply(IncomingCallReply {
            call_id: 8,
            peer_call_id: 7,
            result: 1,
            error: 0,
            packet_receive_window: 16,
            packet_transmit_delay: 1,
        }),
        Message::IncomingCallConnected(IncomingCallConnected {
            peer_call_id: 8,
            connect_speed: 64_000,
            packet_receive_window: 16,
            packet_transmit_delay: 1,
            framing_type: 2,
        }),
        Message::CallClearRequest { call_id: 0x8000 },
        Message::CallDisconnectNotify(CallDisconnectNotify {
            call_id: 0x4000,
            result: 3,
            error: 0,
            cause: 0,
            call_statistics: b"admin".to_vec(),
        }),
        Message::WanErrorNotify(WanErrorNotify {
            peer_call_id: 0x8000,
            crc_errors: 1,
            framing_errors: 2,
            hardware_overruns: 3,
            buffer_overruns: 4,
            timeout_errors: 5,
            alignment_errors: 6,
        }),
        Message::SetLinkInfo {
            peer_call_id: 0x4000,
            send_accm: 0xffff_ffff,
            receive_accm: 0xffff_ffff,
        },
    ]
}

#[test]
fn message_lengths_are_rfc_2637s() {
    let want = [
        156, 156, 16, 16, 16, 20, 168, 32, 220, 24, 28, 16, 148, 40, 24,
    ];
    for (i, len) in want.into_iter().enumerate() {
        let t = MessageType::from_u16(i as u16 + 1).unwrap();
        assert_eq!(t.value(), i as u16 + 1);
        assert_eq!(t.message_len(), len, "{}", t.name());
    }
    assert_eq!(MessageType::from_u16(0), None);
    assert_eq!(MessageType::from_u16(16), None);
    // Every variant has its own entry.
    let types: Vec<_> = samples().iter().map(Message::message_type).collect();
    assert_eq!(types.len(), 15);
    for (i, t) in types.iter().enumerate() {
        assert_eq!(t.value(), i as u16 + 1);
    }
}

#[test]
fn emit_equals_bytes() {
    let echo = Message::EchoRequest {
        identifier: 0x0102_0304,
    };
    assert_eq!(hex::encode(echo.emit()), "001000011a2b3c4d0005000001020304");
    let sli = Message::SetLinkInfo {
        peer_call_id: 0x4000,
        send_accm: 0xffff_ffff,
        receive_accm: 0,
    };
    assert_eq!(
        hex::encode(sli.emit()),
        "001800011a2b3c4d000f000040000000ffffffff00000000"
    );
    let sccrq = Message::StartControlConnectionRequest(start(b"")).emit();
    // Header, version 1.0, reserved, async framing, analog bearer, 0
    // channels, firmware; then 64 NULs of host name and the vendor.
    assert_eq!(
        hex::encode(&sccrq[..28]),
        "009c00011a2b3c4d00010000010000000000000100000001".to_owned() + "00000a28"
    );
    assert!(sccrq[28..92].iter().all(|&b| b == 0));
    assert_eq!(&sccrq[92..112], b"Microsoft Windows NT");
}

#[test]
fn every_type_round_trips_and_every_prefix_fails() {
    for m in samples() {
        let bytes = m.emit();
        assert_eq!(bytes.len(), m.message_type().message_len());
        assert_eq!(Message::parse(&bytes), Ok(m.clone()));
        for cut in 0..bytes.len() {
            assert!(Message::parse(&bytes[..cut]).is_err(), "{:?} cut {cut}", m);
        }
    }
}

#[test]
fn bad_headers_are_malformed() {
    let good = Message::EchoRequest { identifier: 1 }.emit();
    let with = |at: usize, v: u8| {
        let mut b = good.clone();
        b[at] = v;
        Message::parse(&b)
    };
    assert!(
        matches!(with(3, 2), Err(WireError::Malformed { .. })),
        "management message"
    );
    assert!(
        matches!(with(4, 0), Err(WireError::Malformed { .. })),
        "magic cookie"
    );
    assert!(
        matches!(with(9, 99), Err(WireError::Malformed { .. })),
        "unknown type"
    );
    // Echo-Reply's type on Echo-Request's length.
    assert!(matches!(with(9, 6), Err(WireError::BadLength { .. })));
    let mut longer = good.clone();
    longer.push(0);
    assert!(matches!(
        Message::parse(&longer),
        Err(WireError::BadLength { .. })
    ));
}

#[test]
fn the_stream_is_cut_at_each_message_length() {
    let mut stream = Message::EchoRequest { identifier: 1 }.emit();
    stream.extend(Message::CallClearRequest { call_id: 2 }.emit());
    assert_eq!(message_len(&stream), Ok(Some(16)));
    assert_eq!(message_len(&stream[..15]), Ok(None));
    assert_eq!(message_len(&stream[..1]), Ok(None));
    assert_eq!(message_len(&stream[16..]), Ok(Some(16)));
    assert!(
        message_len(&[0, 11, 0, 1]).is_err(),
        "shorter than a header"
    );
}

#[test]
fn long_names_are_cut_to_their_field() {
    let m = Message::StartControlConnectionReply(start(&[b'a'; 80]));
    let Ok(Message::StartControlConnectionReply(s)) = Message::parse(&m.emit()) else {
        panic!("did not parse")
    };
    assert_eq!(s.host_name, vec![b'a'; NAME_LEN]);
}

proptest! {
    #[test]
    fn random_bytes_never_panic_and_reparse_the_same(
        data in proptest::collection::vec(any::<u8>(), 0..240),
        t in 1u16..=15,
    ) {
        let _ = Message::parse(&data);
        let _ = message_len(&data);
        // A body of the right length under a good header always parses,
        // and what it parses to emits and parses again unchanged.
        let ty = MessageType::from_u16(t).unwrap();
        let mut bytes = Message::EchoRequest { identifier: 0 }.emit()[..HEADER_LEN].to_vec();
        bytes[..2].copy_from_slice(&(ty.message_len() as u16).to_be_bytes());
        bytes[8..10].copy_from_slice(&t.to_be_bytes());
        bytes.extend(data.iter().copied().cycle().take(ty.message_len() - HEADER_LEN));
        if data.is_empty() {
            bytes.resize(ty.message_len(), 0);
        }
        let m = Message::parse(&bytes).unwrap();
        prop_assert_eq!(Message::parse(&m.emit()), Ok(m));
    }
}
