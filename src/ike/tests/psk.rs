//! Main Mode with a pre-shared key (RFC 2409 5.4): no certificates, SKEYID
//! from the key, ID_IPV4_ADDR and HASH in messages 5 and 6.

use super::*;
use crate::wire::isakmp::Payload;

fn psk_config(key: &str) -> IkeConfig {
    IkeConfig {
        preshared_key: Some(key.as_bytes().to_vec()),
        ..config(None, &[])
    }
}

fn psk_offers(mut p: IkePolicy) -> IkePolicy {
    for o in &mut p.mm_offers {
        o.auth = MmAuth::PreSharedKey;
    }
    p
}

fn psk_lab(client_key: &str, server_key: &str) -> Lab {
    let mut lab = Lab::new(psk_config(client_key), psk_config(server_key));
    lab.client
        .set_policy(Duration::ZERO, Some(psk_offers(client_policy())));
    lab.server
        .set_policy(Duration::ZERO, Some(psk_offers(server_policy())));
    lab
}

fn main_up(events: &[(Duration, IkeEvent)]) -> Option<(Option<PeerCertificate>, MmAuth)> {
    events.iter().find_map(|(_, e)| match e {
        IkeEvent::MainModeUp {
            peer_cert, auth, ..
        } => Some((peer_cert.clone(), *auth)),
        _ => None,
    })
}

#[test]
fn the_same_key_on_both_sides_brings_main_mode_and_quick_mode_up() {
    let mut lab = psk_lab("s3cret", "s3cret");
    lab.connect();
    assert!(Lab::failures(&lab.client_events).is_empty());
    assert_eq!(
        main_up(&lab.client_events),
        Some((None, MmAuth::PreSharedKey))
    );
    assert_eq!(
        main_up(&lab.server_events),
        Some((None, MmAuth::PreSharedKey))
    );
    assert_eq!(Lab::quick_up(&lab.client_events).len(), 1);
    assert_eq!(Lab::quick_up(&lab.server_events).len(), 1);
    // Six main mode messages, none resent.
    let mm = lab
        .wire
        .iter()
        .filter(|s| s.bytes.get(18) == Some(&2))
        .count();
    assert_eq!(mm, 6);
}

#[test]
fn the_transforms_say_pre_shared_key() {
    let mut lab = psk_lab("s3cret", "s3cret");
    lab.connect();
    let mm1 = crate::wire::isakmp::Packet::new_checked(&lab.wire[0].bytes[..]).expect("MM1");
    let payloads = parse_payloads(mm1.next_payload(), mm1.body(), false).expect("MM1 parses");
    let Some(Payload::Sa(sa)) = payloads.first() else {
        panic!("SA first: {payloads:?}")
    };
    for t in &sa.proposals[0].transforms {
        assert_eq!(
            t.attribute(crate::wire::isakmp::sa::p1::AUTH_METHOD),
            Some(1),
            "RFC 2409 Appendix A: 1 = pre-shared key"
        );
    }
}

#[test]
fn a_wrong_key_fails_at_the_responder_and_the_initiator_times_out() {
    let mut lab = psk_lab("s3cret", "other");
    lab.connect();
    // The responder derives other keys: MM5 decrypts to nothing that
    // parses, which is its HASH_I failing.
    let server = Lab::failures(&lab.server_events);
    assert_eq!(
        server.first().map(|f| (f.1, f.2, f.3.clone())),
        Some((Mode::Main, FailurePoint::Me, FailureReason::HashMismatch))
    );
    // Its Notify is sealed with keys the initiator does not share: the
    // initiator resends MM5 and gives up as after any silent peer.
    let client = Lab::failures(&lab.client_events);
    assert_eq!(
        client.first().map(|f| (f.1, f.2, f.3.clone())),
        Some((Mode::Main, FailurePoint::Me, FailureReason::Timeout))
    );
    assert!(main_up(&lab.client_events).is_none());
    assert!(main_up(&lab.server_events).is_none());
}

#[test]
fn an_initiator_that_fails_on_garbled_replies_ends_at_the_sealed_notify() {
    let mut lab = psk_lab("s3cret", "other");
    lab.client.cfg.garbled_reply = GarbledReply::Fail;
    lab.connect();
    let client = Lab::failures(&lab.client_events);
    assert_eq!(
        client.first().map(|f| (f.1, f.2, f.3.clone())),
        Some((
            Mode::Main,
            FailurePoint::Me,
            FailureReason::GeneralProcessing
        ))
    );
    // At once, not after the resends: MM5 went out once.
    let mm5 = lab
        .wire
        .iter()
        .filter(|s| s.bytes.get(18) == Some(&2) && s.bytes.get(19) == Some(&1))
        .count();
    assert_eq!(mm5, 1, "MM5 is not resent");
}

#[test]
fn a_responder_without_the_key_accepts_no_pre_shared_key_offer() {
    let mut lab = psk_lab("s3cret", "s3cret");
    // The server's policy offers signatures only.
    lab.server.set_policy(Duration::ZERO, Some(server_policy()));
    lab.connect();
    let server = Lab::failures(&lab.server_events);
    assert_eq!(
        server.first().map(|f| f.3.clone()),
        Some(FailureReason::AttributesUnacceptable)
    );
}
