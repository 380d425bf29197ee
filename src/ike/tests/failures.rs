//! IKE failure paths: certificates, signatures and proposals, each seen
//! from both sides (the fixtures live in the parent test module).

use super::*;

#[test]
fn responder_untrusting_the_initiators_root_fails_both_sides() {
    let mut lab = Lab::new(
        config(Some("stranger"), &["corp"]),
        config(Some("server"), &["corp"]),
    );
    lab.connect();
    assert_eq!(
        Lab::failures(&lab.server_events),
        vec![(
            secs(0),
            Mode::Main,
            FailurePoint::Me,
            FailureReason::CredentialsUnacceptable(CertError::UntrustedRoot)
        )]
    );
    assert_eq!(
        Lab::failures(&lab.client_events),
        vec![(
            secs(0),
            Mode::Main,
            FailurePoint::Peer,
            FailureReason::PeerRejected { notify: 22 }
        )]
    );
    // The failed certificate is still described for the audit.
    let cert = lab.server_events.iter().find_map(|(_, e)| match e {
        IkeEvent::Failed { peer_cert, .. } => peer_cert.clone(),
        _ => None,
    });
    assert_eq!(
        cert.map(|c| c.subject),
        Some("CN=client.other.example".to_string())
    );
    assert_eq!(
        FailureReason::CredentialsUnacceptable(CertError::UntrustedRoot).code(),
        13801
    );
    assert!(Lab::quick_up(&lab.client_events).is_empty());
}

#[test]
fn initiator_untrusting_the_responders_root_fails_both_sides() {
    let mut lab = Lab::new(
        config(Some("client"), &["other"]),
        config(Some("server"), &["corp"]),
    );
    lab.connect();
    assert_eq!(
        Lab::failures(&lab.client_events),
        vec![(
            secs(0),
            Mode::Main,
            FailurePoint::Me,
            FailureReason::CredentialsUnacceptable(CertError::UntrustedRoot)
        )]
    );
    assert_eq!(
        Lab::failures(&lab.server_events),
        vec![(
            secs(0),
            Mode::Main,
            FailurePoint::Peer,
            FailureReason::PeerRejected { notify: 22 }
        )]
    );
}

#[test]
fn expired_initiator_certificate_is_rejected_as_invalid() {
    let mut lab = Lab::new(
        config(Some("expired"), &["corp"]),
        config(Some("server"), &["corp"]),
    );
    lab.connect();
    assert_eq!(
        Lab::failures(&lab.server_events),
        vec![(
            secs(0),
            Mode::Main,
            FailurePoint::Me,
            FailureReason::CredentialsUnacceptable(CertError::Expired)
        )]
    );
    assert_eq!(
        Lab::failures(&lab.client_events),
        vec![(
            secs(0),
            Mode::Main,
            FailurePoint::Peer,
            FailureReason::PeerRejected { notify: 20 }
        )]
    );
}

#[test]
fn signature_by_the_wrong_key_is_rejected() {
    let mut client = config(Some("client"), &["corp"]);
    if let Some(id) = client.identity.as_mut() {
        id.key = pki().certificate("server").and_then(|c| c.key.clone());
    }
    let mut lab = Lab::new(client, config(Some("server"), &["corp"]));
    lab.connect();
    assert_eq!(
        Lab::failures(&lab.server_events),
        vec![(
            secs(0),
            Mode::Main,
            FailurePoint::Me,
            FailureReason::SignatureInvalid
        )]
    );
    assert_eq!(
        Lab::failures(&lab.client_events),
        vec![(
            secs(0),
            Mode::Main,
            FailurePoint::Peer,
            FailureReason::PeerRejected { notify: 25 }
        )]
    );
}

#[test]
fn initiator_without_private_key_fails_and_responder_times_out() {
    let mut lab = Lab::new(
        config(Some("nokey"), &["corp"]),
        config(Some("server"), &["corp"]),
    );
    lab.connect();
    assert_eq!(
        Lab::failures(&lab.client_events),
        vec![(
            secs(0),
            Mode::Main,
            FailurePoint::Me,
            FailureReason::NoPrivateKey
        )]
    );
    assert_eq!(
        Lab::failures(&lab.server_events),
        vec![(
            secs(63),
            Mode::Main,
            FailurePoint::Me,
            FailureReason::Timeout
        )]
    );
}

#[test]
fn initiator_without_certificate_fails_before_mm5() {
    let mut lab = Lab::new(config(None, &["corp"]), config(Some("server"), &["corp"]));
    lab.connect();
    assert_eq!(
        Lab::failures(&lab.client_events),
        vec![(
            secs(0),
            Mode::Main,
            FailurePoint::Me,
            FailureReason::NoMachineCertificate
        )]
    );
    assert_eq!(
        lab.wire
            .iter()
            .filter(|s| s.from_client && s.at == secs(0))
            .count(),
        2
    );
}

#[test]
fn responder_without_certificate_fails_and_initiator_times_out() {
    let mut lab = Lab::new(config(Some("client"), &["corp"]), config(None, &["corp"]));
    lab.connect();
    assert_eq!(
        Lab::failures(&lab.server_events),
        vec![(
            secs(0),
            Mode::Main,
            FailurePoint::Me,
            FailureReason::NoMachineCertificate
        )]
    );
    assert_eq!(
        Lab::failures(&lab.client_events),
        vec![(
            secs(63),
            Mode::Main,
            FailurePoint::Me,
            FailureReason::Timeout
        )]
    );
    // MM5 sent once and resent five times.
    assert_eq!(lab.wire.iter().filter(|s| s.from_client).count(), 3 + 5);
}

#[test]
fn main_mode_without_common_proposal_is_refused_with_a_notify() {
    let mut lab = Lab::standard();
    let mut policy = server_policy();
    policy.mm_offers = vec![MmOffer {
        cipher: CbcCipher::Aes128,
        hash: PrfHash::Sha1,
        group: DhGroup::Modp2048,
        auth: MmAuth::RsaSignature,
        lifetime_secs: 28800,
    }];
    lab.server.set_policy(Duration::ZERO, Some(policy));
    lab.connect();
    assert_eq!(
        Lab::failures(&lab.server_events),
        vec![(
            secs(0),
            Mode::Main,
            FailurePoint::Me,
            FailureReason::AttributesUnacceptable
        )]
    );
    assert_eq!(
        Lab::failures(&lab.client_events),
        vec![(
            secs(0),
            Mode::Main,
            FailurePoint::Peer,
            FailureReason::PeerRejected { notify: 14 }
        )]
    );
}

#[test]
fn quick_mode_without_common_proposal_is_refused_with_a_notify() {
    let mut lab = Lab::standard();
    let mut policy = server_policy();
    policy.qm_rules[0].offers = vec![QmOffer {
        cipher: Some(CbcCipher::Aes128),
        integ: IntegAlg::HmacSha1_96,
        lifetime_secs: 3600,
        lifetime_kb: 250_000,
    }];
    lab.server.set_policy(Duration::ZERO, Some(policy));
    lab.connect();
    assert_eq!(
        Lab::failures(&lab.server_events),
        vec![(
            secs(0),
            Mode::Quick,
            FailurePoint::Me,
            FailureReason::AttributesUnacceptable
        )]
    );
    assert_eq!(
        Lab::failures(&lab.client_events),
        vec![(
            secs(0),
            Mode::Quick,
            FailurePoint::Peer,
            FailureReason::PeerRejected { notify: 14 }
        )]
    );
    assert!(lab
        .client_events
        .iter()
        .any(|(_, e)| matches!(e, IkeEvent::MainModeUp { .. })));
}

#[test]
fn quick_mode_for_traffic_no_rule_covers_is_refused_as_no_policy() {
    let mut lab = Lab::standard();
    let mut policy = server_policy();
    // TCP only: the client's UDP 1701 IDs are not covered.
    policy.qm_rules[0].selector.protocol = 6;
    lab.server.set_policy(Duration::ZERO, Some(policy));
    lab.connect();
    assert_eq!(
        Lab::failures(&lab.server_events),
        vec![(
            secs(0),
            Mode::Quick,
            FailurePoint::Me,
            FailureReason::NoPolicy
        )]
    );
    assert_eq!(
        Lab::failures(&lab.client_events),
        vec![(
            secs(0),
            Mode::Quick,
            FailurePoint::Peer,
            FailureReason::PeerRejected { notify: 14 }
        )]
    );
}
