//! Two engines on a virtual clock: the client (L2TP client filter, XP
//! offers) initiates to the server (L2TP server filter), with scenario
//! certificates from `crypto::pki`.

use std::sync::OnceLock;

use proptest::prelude::*;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

use super::*;
use crate::crypto::ike_keys::{hash_parts, phase2_iv};
use crate::crypto::pki::{AuthoritySpec, CertificateSpec, Pki};
use crate::values::Date;
use crate::wire::isakmp::{parse_payloads, split_payloads, PayloadType as Pt, HEADER_LEN};

const CLIENT: Ipv4Addr = Ipv4Addr::new(192, 168, 1, 10);
const SERVER: Ipv4Addr = Ipv4Addr::new(203, 0, 113, 5);
/// 2004-11-30, the scenario date of the certificates.
const DATE: i64 = 1_101_772_800;
const DAY: i64 = 86_400;

fn pki() -> &'static Pki {
    static PKI: OnceLock<Pki> = OnceLock::new();
    PKI.get_or_init(|| {
        let auth = |name: &str, subject: &str| {
            let subject = subject.into();
            (name.to_string(), AuthoritySpec { subject })
        };
        let cert = |name: &str, authority: &str, subject: &str, key: bool| {
            let spec = CertificateSpec {
                authority: authority.into(),
                subject: subject.into(),
                not_before: None,
                not_after: None,
                private_key: key,
            };
            (name.to_string(), spec)
        };
        let mut expired = cert("expired", "corp", "CN=old-client", true);
        expired.1.not_before = Some(Date::from_unix_seconds(DATE - 400 * DAY));
        expired.1.not_after = Some(Date::from_unix_seconds(DATE - DAY));
        Pki::mint(
            &[
                auth("corp", "CN=Corp Root CA"),
                auth("other", "CN=Other Root CA"),
            ],
            &[
                cert("client", "corp", "CN=client.corp.example", true),
                cert("server", "corp", "CN=vpn.corp.example", true),
                cert("stranger", "other", "CN=client.other.example", true),
                cert("nokey", "corp", "CN=nokey.corp.example", false),
                expired,
            ],
            DATE,
            &mut ChaCha20Rng::seed_from_u64(7),
        )
        .expect("test PKI mints")
    })
}

fn config(cert: Option<&str>, roots: &[&str]) -> IkeConfig {
    let p = pki();
    let identity = cert.map(|name| {
        let c = p.certificate(name).expect("cert");
        Identity {
            cert_der: c.der.clone(),
            key: c.key.clone(),
        }
    });
    let roots: Vec<_> = roots
        .iter()
        .map(|r| p.authority(r).expect("root"))
        .collect();
    IkeConfig {
        identity,
        trusted_roots: roots.iter().map(|a| a.der.clone()).collect(),
        trusted_root_names: roots.iter().map(|a| a.subject_der.clone()).collect(),
        epoch_unix: DATE,
        vendor_ids: Vec::new(),
        mm_attribute_order: MmAttributeOrder::AuthThenGroup,
        garbled_reply: GarbledReply::Drop,
        peer_vendor_ids: PeerVendorIds::SkipUnknown,
        preshared_key: None,
        nat_t_scope: crate::ike::nat_t::NatTScope::Both,
    }
}

/// XP's main mode offers with certificates, from its version's row.
fn xp_mm() -> Vec<MmOffer> {
    let row = &crate::windows::version::XP_RTM.ike_offers;
    crate::windows::ipsec::l2tp_main_mode_offers(row, false, true)
}

/// XP's "L2TP Require Encryption Quick Mode Policy", from its row.
fn xp_qm() -> Vec<QmOffer> {
    let row = &crate::windows::version::XP_RTM.ike_offers;
    let require = crate::windows::connectoid::ConnectoidEncryption::Require;
    crate::windows::ipsec::quick_mode_offers(row, require)
}

fn client_policy() -> IkePolicy {
    IkePolicy {
        mm_offers: xp_mm(),
        qm_rules: vec![QmRule {
            name: "L2TP Client Inbound and Outbound Filter".into(),
            selector: Selector {
                local: CLIENT,
                remote: Some(SERVER),
                protocol: 17,
                local_port: 1701,
                remote_port: 0,
            },
            offers: xp_qm(),
        }],
    }
}

fn server_policy() -> IkePolicy {
    IkePolicy {
        mm_offers: xp_mm(),
        qm_rules: vec![QmRule {
            name: "L2TP Server Inbound and Outbound Filter".into(),
            selector: Selector {
                local: SERVER,
                remote: None,
                protocol: 17,
                local_port: 1701,
                remote_port: 0,
            },
            offers: xp_qm(),
        }],
    }
}

struct Sent {
    at: Duration,
    from_client: bool,
    bytes: Vec<u8>,
}

/// Client and server, the wire between them, and what each reported.
struct Lab {
    client: Ike,
    server: Ike,
    now: Duration,
    wire: Vec<Sent>,
    client_events: Vec<(Duration, IkeEvent)>,
    server_events: Vec<(Duration, IkeEvent)>,
    /// Transmissions (by index in `wire`) that are lost.
    lose: Vec<usize>,
}

impl Lab {
    fn new(client: IkeConfig, server: IkeConfig) -> Lab {
        let mut c = Ike::new(client, ChaCha20Rng::seed_from_u64(1));
        let mut s = Ike::new(server, ChaCha20Rng::seed_from_u64(2));
        c.set_policy(Duration::ZERO, Some(client_policy()));
        s.set_policy(Duration::ZERO, Some(server_policy()));
        Lab {
            client: c,
            server: s,
            now: Duration::ZERO,
            wire: Vec::new(),
            client_events: Vec::new(),
            server_events: Vec::new(),
            lose: Vec::new(),
        }
    }

    fn standard() -> Lab {
        Lab::new(
            config(Some("client"), &["corp"]),
            config(Some("server"), &["corp"]),
        )
    }

    /// Delivers everything in flight (zero latency) and collects events.
    fn settle(&mut self) {
        loop {
            let mut moved = false;
            while let Some((src, dst, bytes)) = self.client.poll_transmit() {
                assert_eq!((*src.ip(), *dst.ip(), dst.port()), (CLIENT, SERVER, 500));
                moved = true;
                if self.record(true, &bytes) {
                    let _ = self.server.handle_datagram(self.now, src, dst, &bytes);
                }
            }
            while let Some((src, dst, bytes)) = self.server.poll_transmit() {
                assert_eq!((*src.ip(), *dst.ip()), (SERVER, CLIENT));
                moved = true;
                if self.record(false, &bytes) {
                    let _ = self.client.handle_datagram(self.now, src, dst, &bytes);
                }
            }
            if !moved {
                break;
            }
        }
        while let Some(e) = self.client.poll_event() {
            self.client_events.push((self.now, e));
        }
        while let Some(e) = self.server.poll_event() {
            self.server_events.push((self.now, e));
        }
    }

    /// Records a transmission; false if it is lost.
    fn record(&mut self, from_client: bool, bytes: &[u8]) -> bool {
        let k = self.wire.len();
        self.wire.push(Sent {
            at: self.now,
            from_client,
            bytes: bytes.to_vec(),
        });
        !self.lose.contains(&k)
    }

    fn run_until(&mut self, end: Duration) {
        self.settle();
        loop {
            let next = [self.client.poll_timeout(), self.server.poll_timeout()]
                .into_iter()
                .flatten()
                .min();
            match next {
                Some(t) if t <= end => {
                    self.now = self.now.max(t);
                    self.client.handle_timeout(self.now);
                    self.server.handle_timeout(self.now);
                    self.settle();
                }
                _ => break,
            }
        }
        self.now = end;
    }

    fn connect(&mut self) {
        self.client.acquire(self.now, SERVER, 0);
        self.run_until(self.now + Duration::from_secs(120));
    }

    fn failures(
        events: &[(Duration, IkeEvent)],
    ) -> Vec<(Duration, Mode, FailurePoint, FailureReason)> {
        events
            .iter()
            .filter_map(|(t, e)| match e {
                IkeEvent::Failed {
                    mode,
                    point,
                    reason,
                    ..
                } => Some((*t, *mode, *point, reason.clone())),
                _ => None,
            })
            .collect()
    }

    fn quick_up(events: &[(Duration, IkeEvent)]) -> Vec<&IkeEvent> {
        events
            .iter()
            .map(|(_, e)| e)
            .filter(|e| matches!(e, IkeEvent::QuickModeUp { .. }))
            .collect()
    }
}

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

#[test]
fn main_mode_and_quick_mode_come_up_with_mirrored_keys() {
    let mut lab = Lab::standard();
    lab.connect();
    assert!(
        Lab::failures(&lab.client_events).is_empty(),
        "{:?}",
        lab.client_events
    );
    assert!(
        Lab::failures(&lab.server_events).is_empty(),
        "{:?}",
        lab.server_events
    );
    // 6 + 3 messages, no retransmission.
    assert_eq!(lab.wire.len(), 9);
    let mm = |events: &[(Duration, IkeEvent)]| {
        events.iter().find_map(|(_, e)| match e {
            IkeEvent::MainModeUp {
                initiator,
                peer_cert,
                my_cert,
                cipher,
                hash,
                group,
                lifetime_secs,
                icookie,
                rcookie,
                enc_key,
                ..
            } => Some((
                *initiator,
                peer_cert.as_ref()?.subject.clone(),
                peer_cert.as_ref()?.root.clone(),
                my_cert.as_ref()?.subject.clone(),
                (*cipher, *hash, *group, *lifetime_secs),
                (*icookie, *rcookie, enc_key.clone()),
            )),
            _ => None,
        })
    };
    let c = mm(&lab.client_events).expect("client main mode up");
    let s = mm(&lab.server_events).expect("server main mode up");
    assert!(c.0 && !s.0);
    assert_eq!(
        (c.1.as_str(), c.2.as_str(), c.3.as_str()),
        (
            "CN=vpn.corp.example",
            "CN=Corp Root CA",
            "CN=client.corp.example"
        )
    );
    assert_eq!(s.1, "CN=client.corp.example");
    // The first XP offer is chosen.
    assert_eq!(
        c.4,
        (
            CbcCipher::TripleDes,
            PrfHash::Sha1,
            DhGroup::Modp1024,
            28800
        )
    );
    assert_eq!((c.4, &c.5), (s.4, &s.5));
    assert_eq!(c.5 .2.len(), 24);

    let (cq, sq) = (
        Lab::quick_up(&lab.client_events),
        Lab::quick_up(&lab.server_events),
    );
    assert_eq!((cq.len(), sq.len()), (1, 1));
    let (
        IkeEvent::QuickModeUp {
            rule: cr,
            initiator: ci,
            local: cl,
            remote: crm,
            inbound: cin,
            outbound: cout,
            lifetime_secs,
            lifetime_kb,
            ..
        },
        IkeEvent::QuickModeUp {
            rule: sr,
            initiator: si,
            local: sl,
            remote: srm,
            inbound: sin,
            outbound: sout,
            ..
        },
    ) = (cq[0], sq[0])
    else {
        unreachable!()
    };
    assert_eq!((*cr, *sr, *ci, *si), (0, 0, true, false));
    assert_eq!(cin, sout);
    assert_eq!(cout, sin);
    assert_ne!(cin.spi, cout.spi);
    // First "require encryption" offer: ESP 3DES / HMAC-MD5.
    assert_eq!(
        (cin.cipher, cin.integ, cin.enc_key.len(), cin.auth_key.len()),
        (Some(CbcCipher::TripleDes), IntegAlg::HmacMd5_96, 24, 16)
    );
    assert_ne!(cin.enc_key, cout.enc_key);
    assert_eq!((*lifetime_secs, *lifetime_kb), (3600, 250_000));
    assert_eq!(
        (*cl, *crm),
        (
            SocketAddrV4::new(CLIENT, 1701),
            SocketAddrV4::new(SERVER, 0)
        )
    );
    assert_eq!(
        (*sl, *srm),
        (
            SocketAddrV4::new(SERVER, 0),
            SocketAddrV4::new(CLIENT, 1701)
        )
    );
}

#[test]
fn runs_are_reproducible_from_the_seeds() {
    let run = || {
        let mut lab = Lab::standard();
        lab.connect();
        lab.wire.into_iter().map(|s| s.bytes).collect::<Vec<_>>()
    };
    assert_eq!(run(), run());
}

/// Decrypts a message the way Wireshark does with (icookie, enc_key):
/// phase-1 IV from the KE payloads, phase-2 IVs from the last phase-1 block.
#[test]
fn messages_decrypt_with_the_exported_key_as_wireshark_does() {
    let mut lab = Lab::standard();
    lab.connect();
    let enc_key = lab
        .client_events
        .iter()
        .find_map(|(_, e)| match e {
            IkeEvent::MainModeUp { enc_key, .. } => Some(enc_key.clone()),
            _ => None,
        })
        .expect("up");
    let msgs: Vec<&[u8]> = lab.wire.iter().map(|s| s.bytes.as_slice()).collect();
    for m in &msgs {
        let p = Packet::new_checked(*m).expect("every message parses");
        assert_eq!(p.length() as usize, m.len());
        if p.encrypted() {
            assert_eq!(p.body().len() % 8, 0, "3DES blocks");
        }
    }
    let ke = |m: &[u8]| {
        let p = Packet::new_checked(m).unwrap();
        parse_payloads(p.next_payload(), p.body(), false)
            .unwrap()
            .into_iter()
            .find_map(|x| match x {
                isakmp::Payload::KeyExchange(k) => Some(k),
                _ => None,
            })
            .unwrap()
    };
    let (gxi, gxr) = (ke(msgs[2]), ke(msgs[3]));
    let mut iv = hash_parts(PrfHash::Sha1, &[&gxi, &gxr]);
    iv.truncate(8);
    let decrypt = |m: &[u8], iv: &[u8]| {
        let p = Packet::new_checked(m).unwrap();
        let mut body = p.body().to_vec();
        crate::crypto::cbc::cbc_decrypt(CbcCipher::TripleDes, &enc_key, iv, &mut body).unwrap();
        let kinds: Vec<Pt> = split_payloads(p.next_payload(), &body, true)
            .unwrap()
            .iter()
            .map(|r| r.kind)
            .collect();
        (
            kinds,
            p.body()[p.body().len() - 8..].to_vec(),
            p.message_id(),
        )
    };
    let (mm5, last5, _) = decrypt(msgs[4], &iv);
    assert_eq!(
        mm5,
        vec![Pt::Identification, Pt::Certificate, Pt::Signature]
    );
    let (mm6, last6, _) = decrypt(msgs[5], &last5);
    assert_eq!(
        mm6,
        vec![Pt::Identification, Pt::Certificate, Pt::Signature]
    );
    let mid = Packet::new_checked(msgs[6]).unwrap().message_id();
    let (qm1, last_q1, _) = decrypt(
        msgs[6],
        &phase2_iv(PrfHash::Sha1, CbcCipher::TripleDes, &last6, mid),
    );
    assert_eq!(
        qm1,
        vec![
            Pt::Hash,
            Pt::Sa,
            Pt::Nonce,
            Pt::Identification,
            Pt::Identification
        ]
    );
    let (qm2, last_q2, _) = decrypt(msgs[7], &last_q1);
    assert_eq!(
        qm2,
        vec![
            Pt::Hash,
            Pt::Sa,
            Pt::Nonce,
            Pt::Identification,
            Pt::Identification
        ]
    );
    let (qm3, _, _) = decrypt(msgs[8], &last_q2);
    assert_eq!(qm3, vec![Pt::Hash]);
    assert!(msgs[..4].iter().all(|m| m.len() >= HEADER_LEN));
}

#[test]
fn responder_without_policy_is_silent_and_initiator_gives_up_at_63_s() {
    let mut lab = Lab::standard();
    lab.server.set_policy(Duration::ZERO, None);
    lab.connect();
    let times: Vec<u64> = lab.wire.iter().map(|s| s.at.as_secs()).collect();
    assert_eq!(times, vec![0, 1, 3, 7, 15, 31]);
    assert!(lab.wire.iter().all(|s| s.from_client));
    assert_eq!(
        Lab::failures(&lab.client_events),
        vec![(
            secs(63),
            Mode::Main,
            FailurePoint::Me,
            FailureReason::NoResponse
        )]
    );
    assert_eq!(FailureReason::NoResponse.code(), 13813);
    assert!(lab.server_events.is_empty());
    assert_eq!(lab.client.poll_timeout(), None);
}

/// The failure of an exchange that timed out still says where it stood
/// (the audits' State and cookies): found against libreswan, whose silence
/// after a wrong key's MM5 made a 4653 read "No state".
#[test]
fn a_timed_out_main_mode_names_its_exchange() {
    let mut lab = Lab::standard();
    lab.server.set_policy(Duration::ZERO, None);
    lab.connect();
    let at = lab.client_events.iter().find_map(|(_, e)| match e {
        IkeEvent::Failed { at, .. } => at.clone(),
        _ => None,
    });
    let at = at.expect("the failure names its exchange");
    assert!(at.initiator);
    assert_eq!(at.sent, 1);
    assert_ne!(at.icookie, [0; 8]);
    assert_eq!(at.rcookie, [0; 8]);
}

#[test]
fn acquire_without_policy_fails_at_once() {
    let mut lab = Lab::standard();
    lab.client.set_policy(Duration::ZERO, None);
    lab.connect();
    assert!(lab.wire.is_empty());
    assert_eq!(
        Lab::failures(&lab.client_events),
        vec![(
            secs(0),
            Mode::Main,
            FailurePoint::Me,
            FailureReason::NoPolicy
        )]
    );
}

#[test]
fn repeated_acquires_while_negotiating_are_ignored() {
    let mut lab = Lab::standard();
    lab.client.acquire(Duration::ZERO, SERVER, 0);
    lab.client.acquire(Duration::ZERO, SERVER, 0);
    lab.run_until(secs(120));
    assert_eq!(lab.wire.len(), 9);
    assert_eq!(Lab::quick_up(&lab.client_events).len(), 1);
}

#[test]
fn lost_messages_are_recovered_by_retransmission() {
    // Lose MM2, MM6 and QM3 once each: wire indices 1 (MM2), then MM1
    // resent (2), MM2 (3), MM3 (4), MM4 (5), MM5 (6), MM6 lost (7), ...
    let mut lab = Lab::standard();
    lab.lose = vec![1, 7];
    lab.connect();
    assert!(
        Lab::failures(&lab.client_events).is_empty(),
        "{:?}",
        lab.client_events
    );
    assert_eq!(Lab::quick_up(&lab.client_events).len(), 1);
    assert_eq!(Lab::quick_up(&lab.server_events).len(), 1);

    // Now lose QM3: the responder resends QM2, the initiator repeats QM3.
    let mut lab = Lab::standard();
    lab.lose = vec![8];
    lab.connect();
    assert_eq!(Lab::quick_up(&lab.client_events).len(), 1);
    assert_eq!(Lab::quick_up(&lab.server_events).len(), 1);
    assert!(
        Lab::failures(&lab.server_events).is_empty(),
        "{:?}",
        lab.server_events
    );
    let c = Lab::quick_up(&lab.client_events)[0].clone();
    let s = Lab::quick_up(&lab.server_events)[0].clone();
    match (c, s) {
        (
            IkeEvent::QuickModeUp {
                inbound, outbound, ..
            },
            IkeEvent::QuickModeUp {
                inbound: si,
                outbound: so,
                ..
            },
        ) => {
            assert_eq!((inbound, outbound), (so, si));
        }
        _ => unreachable!(),
    }
}

#[test]
fn server_selects_a_later_offer_when_the_first_is_not_allowed() {
    let mut lab = Lab::standard();
    let mut policy = server_policy();
    policy.mm_offers = vec![xp_mm()[3]];
    policy.qm_rules[0].offers = vec![xp_qm()[3]];
    lab.server.set_policy(Duration::ZERO, Some(policy));
    lab.connect();
    let q = Lab::quick_up(&lab.server_events);
    assert_eq!(q.len(), 1);
    let IkeEvent::QuickModeUp { inbound, .. } = q[0] else {
        unreachable!()
    };
    assert_eq!(
        (inbound.cipher, inbound.integ, inbound.enc_key.len()),
        (Some(CbcCipher::Des), IntegAlg::HmacSha1_96, 8)
    );
    assert!(lab.client_events.iter().any(|(_, e)| matches!(
        e,
        IkeEvent::MainModeUp {
            cipher: CbcCipher::Des,
            hash: PrfHash::Md5,
            group: DhGroup::Modp768,
            ..
        }
    )));
}

#[test]
fn delete_all_tells_the_peer_and_both_sides_report_deletions() {
    let mut lab = Lab::standard();
    lab.connect();
    let n = lab.client_events.len();
    lab.client.delete_all(lab.now);
    lab.settle();
    let deleted = |events: &[(Duration, IkeEvent)]| -> Vec<(Mode, Option<u32>, Option<u32>)> {
        events
            .iter()
            .filter_map(|(_, e)| match e {
                IkeEvent::Deleted {
                    mode,
                    inbound_spi,
                    outbound_spi,
                    ..
                } => Some((*mode, *inbound_spi, *outbound_spi)),
                _ => None,
            })
            .collect()
    };
    let c = deleted(&lab.client_events[n..]);
    let s = deleted(&lab.server_events);
    assert_eq!(c.len(), 2);
    assert_eq!(c[1], (Mode::Main, None, None));
    assert_eq!(s.len(), 2);
    assert_eq!((s[0].0, s[0].1, s[0].2), (Mode::Quick, c[0].2, c[0].1));
    assert_eq!(s[1], (Mode::Main, None, None));
    // Afterwards a new acquire negotiates from scratch.
    lab.connect();
    assert_eq!(Lab::quick_up(&lab.client_events).len(), 2);
}

#[test]
fn a_duplicate_reply_is_left_to_the_timer_and_never_answered_twice() {
    // On a link slower than the first resend, the responder's MM2 arrives
    // twice; the initiator answers the first with MM3 and leaves the second
    // to its own timer, which resends MM3 once.
    let mut lab = Lab::standard();
    lab.client.acquire(Duration::ZERO, SERVER, 0);
    let (src, dst, mm1) = lab.client.poll_transmit().expect("MM1");
    lab.server
        .handle_datagram(Duration::ZERO, src, dst, &mm1)
        .unwrap();
    let (rs, rd, mm2) = lab.server.poll_transmit().expect("MM2");
    let t = Duration::from_millis(1600);
    lab.client.handle_datagram(t, rs, rd, &mm2).unwrap();
    let mm3 = lab.client.poll_transmit().expect("MM3").2;
    lab.client.handle_datagram(t, rs, rd, &mm2).unwrap();
    assert!(
        lab.client.poll_transmit().is_none(),
        "MM3 sent twice at once"
    );
    assert_eq!(lab.client.duplicates_ignored(), 1);
    let at = lab.client.poll_timeout().expect("MM3 timer");
    assert_eq!(at, t + Duration::from_secs(1));
    lab.client.handle_timeout(at);
    assert_eq!(lab.client.poll_transmit().map(|(_, _, b)| b), Some(mm3));
    assert!(lab.client.poll_transmit().is_none());
}

#[test]
fn a_second_rule_reuses_the_main_mode() {
    let mut lab = Lab::standard();
    let mut policy = client_policy();
    let mut second = policy.qm_rules[0].clone();
    second.selector.remote_port = 1701;
    policy.qm_rules.push(second);
    lab.client.set_policy(Duration::ZERO, Some(policy));
    lab.connect();
    lab.client.acquire(lab.now, SERVER, 1);
    lab.run_until(lab.now + secs(10));
    let q = Lab::quick_up(&lab.client_events);
    assert_eq!(q.len(), 2);
    assert!(matches!(q[1], IkeEvent::QuickModeUp { rule: 1, remote, .. } if remote.port() == 1701));
    assert_eq!(
        lab.client_events
            .iter()
            .filter(|(_, e)| matches!(e, IkeEvent::MainModeUp { .. }))
            .count(),
        1
    );
}

#[test]
fn failure_codes_follow_windows() {
    let codes: Vec<u32> = [
        FailureReason::AttributesUnacceptable,
        FailureReason::GeneralProcessing,
        FailureReason::Timeout,
        FailureReason::NoMachineCertificate,
        FailureReason::NoPrivateKey,
        FailureReason::NoPolicy,
        FailureReason::SignatureInvalid,
        FailureReason::PeerSentNoCertificate,
        FailureReason::HashMismatch,
        FailureReason::PeerRejected { notify: 22 },
        FailureReason::PeerRejected { notify: 14 },
    ]
    .iter()
    .map(FailureReason::code)
    .collect();
    assert_eq!(
        codes,
        vec![13802, 13804, 13805, 13806, 13820, 13825, 13826, 13847, 13870, 13801, 13802]
    );
}

/// The real exchange, for mutation tests.
fn transcript() -> &'static Vec<Vec<u8>> {
    static T: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    T.get_or_init(|| {
        let mut lab = Lab::standard();
        lab.connect();
        lab.wire.into_iter().map(|s| s.bytes).collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn random_datagrams_never_panic(data in proptest::collection::vec(any::<u8>(), 0..400)) {
        let mut ike = Ike::new(config(Some("server"), &["corp"]), ChaCha20Rng::seed_from_u64(3));
        ike.set_policy(Duration::ZERO, Some(server_policy()));
        let src = SocketAddrV4::new(CLIENT, 500);
        let dst = SocketAddrV4::new(SERVER, 500);
        let _ = ike.handle_datagram(Duration::ZERO, src, dst, &data);
        ike.handle_timeout(secs(100));
    }

    #[test]
    fn mutated_messages_never_panic(which in 0usize..9, at in any::<prop::sample::Index>(), byte in any::<u8>()) {
        // Replays the real client messages into a fresh server, one of them mutated.
        let t = transcript();
        let mut server = Ike::new(config(Some("server"), &["corp"]), ChaCha20Rng::seed_from_u64(2));
        server.set_policy(Duration::ZERO, Some(server_policy()));
        let src = SocketAddrV4::new(CLIENT, 500);
        let dst = SocketAddrV4::new(SERVER, 500);
        for (k, m) in t.iter().enumerate().filter(|(k, _)| k % 2 == 0) {
            let mut m = m.clone();
            if k == which {
                let i = at.index(m.len());
                m[i] ^= byte | 1;
            }
            let _ = server.handle_datagram(Duration::ZERO, src, dst, &m);
            while server.poll_transmit().is_some() {}
        }
        while server.poll_event().is_some() {}
    }
}

/// Certificate, signature and proposal failures on both sides.
mod failures;
mod lifetime;
mod nat_t;
mod psk;
