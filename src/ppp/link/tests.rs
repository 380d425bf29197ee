//! Two Links wired back to back on a virtual clock.

use super::*;
use crate::wire::ppp::lcp::Code;

const LOCAL: Ipv4Addr = Ipv4Addr::new(192, 168, 50, 1);
const PEER: Ipv4Addr = Ipv4Addr::new(192, 168, 50, 10);
const USER: &str = "alice";
const PASSWORD: &str = "clientPass";

fn required(bits40: bool, bits56: bool, bits128: bool) -> Encryption {
    Encryption {
        none: false,
        bits40,
        bits56,
        bits128,
    }
}

fn authorization(encryption: Encryption) -> Authorization {
    Authorization {
        encryption,
        local_address: LOCAL,
        peer_address: Some(PEER),
    }
}

type Dropper = Box<dyn FnMut(bool, &[u8]) -> bool>;

struct Pair {
    now: Duration,
    client: Link,
    server: Link,
    client_events: Vec<LinkEvent>,
    server_events: Vec<LinkEvent>,
    /// What the server's account database holds for USER.
    password: Option<&'static str>,
    decision: Result<Authorization, u32>,
    /// `drop(from_client, frame)`: true loses the frame.
    drop: Dropper,
    /// Every frame delivered: (from_client, frame).
    wire: Vec<(bool, Vec<u8>)>,
}

impl Pair {
    fn new(client_enc: Encryption, decision: Result<Authorization, u32>) -> Self {
        let client = Link::new(
            LinkConfig {
                role: Role::Client {
                    user: USER.into(),
                    password: PASSWORD.into(),
                },
                encryption: client_enc,
                mru: 1400,
                negotiate_time: None,
                computer_name: "RRAS".into(),
                identification: Vec::new(),
                multilink: true,
                ipv6cp: false,
                ccp: true,
            },
            ChaCha20Rng::seed_from_u64(1),
        );
        let server = Link::new(
            LinkConfig {
                role: Role::Server,
                encryption: Encryption::OPTIONAL,
                mru: 1400,
                negotiate_time: None,
                computer_name: "RRAS".into(),
                identification: Vec::new(),
                multilink: true,
                ipv6cp: false,
                ccp: true,
            },
            ChaCha20Rng::seed_from_u64(2),
        );
        Pair {
            now: Duration::ZERO,
            client,
            server,
            client_events: Vec::new(),
            server_events: Vec::new(),
            password: Some(PASSWORD),
            decision,
            drop: Box::new(|_, _| false),
            wire: Vec::new(),
        }
    }

    fn start(&mut self) {
        self.server.open(self.now);
        self.client.open(self.now);
    }

    /// Delivers frames and answers events until nothing moves.
    fn settle(&mut self) {
        let now = self.now;
        loop {
            let mut progress = false;
            while let Some(f) = self.client.poll_transmit() {
                progress = true;
                if !(self.drop)(true, &f) {
                    self.server.handle_frame(now, &f);
                    self.wire.push((true, f));
                }
            }
            while let Some(f) = self.server.poll_transmit() {
                progress = true;
                if !(self.drop)(false, &f) {
                    self.client.handle_frame(now, &f);
                    self.wire.push((false, f));
                }
            }
            while let Some(e) = self.client.poll_event() {
                progress = true;
                self.client_events.push(e);
            }
            while let Some(e) = self.server.poll_event() {
                progress = true;
                match &e {
                    LinkEvent::Authenticate { user } => {
                        let pw = if user == USER { self.password } else { None };
                        self.server.authenticate(now, pw);
                    }
                    LinkEvent::Authorize { .. } => {
                        self.server.authorize(now, self.decision.clone());
                    }
                    _ => {}
                }
                self.server_events.push(e);
            }
            if !progress {
                return;
            }
        }
    }

    /// Runs until `stop` holds or no timer is left before `limit`.
    fn run(&mut self, limit: Duration, stop: impl Fn(&Pair) -> bool) {
        loop {
            self.settle();
            if stop(self) {
                return;
            }
            let next = [self.client.poll_timeout(), self.server.poll_timeout()]
                .into_iter()
                .flatten()
                .min();
            match next {
                Some(t) if t <= limit => {
                    self.now = self.now.max(t);
                    self.client.handle_timeout(self.now);
                    self.server.handle_timeout(self.now);
                }
                _ => return,
            }
        }
    }

    fn run_to_end(&mut self) {
        self.run(Duration::from_secs(120), |p| {
            down_reason(&p.client_events).is_some() && down_reason(&p.server_events).is_some()
        });
    }
}

fn up_of(events: &[LinkEvent]) -> Option<LinkEvent> {
    events
        .iter()
        .find(|e| matches!(e, LinkEvent::Up { .. }))
        .cloned()
}

fn down_reason(events: &[LinkEvent]) -> Option<DownReason> {
    events.iter().find_map(|e| match e {
        LinkEvent::Down(r) => Some(*r),
        _ => None,
    })
}

fn both_up(p: &Pair) -> bool {
    up_of(&p.client_events).is_some() && up_of(&p.server_events).is_some()
}

/// A small IPv4/ICMP-looking datagram; the link does not parse it.
fn datagram(tag: u8) -> Vec<u8> {
    let mut d = hex::decode("45000020000100004001f7d9c0a8320ac0a832010800f7ff00010001").unwrap();
    d.push(tag);
    d
}

fn protocol_of(frame: &[u8]) -> Protocol {
    Frame::parse(frame).unwrap().protocol
}

#[test]
fn links_reach_up_with_mppe_128_and_exchange_ip_both_ways() {
    let all = required(true, true, true);
    let mut p = Pair::new(Encryption::OPTIONAL, Ok(authorization(all)));
    p.start();
    p.run(Duration::from_secs(60), both_up);
    assert_eq!(
        up_of(&p.client_events),
        Some(LinkEvent::Up {
            local: PEER,
            peer: LOCAL,
            mppe: Some(MppeStrength::Bits128)
        })
    );
    assert_eq!(
        up_of(&p.server_events),
        Some(LinkEvent::Up {
            local: LOCAL,
            peer: PEER,
            mppe: Some(MppeStrength::Bits128)
        })
    );
    assert!(p.client_events.contains(&LinkEvent::Authenticated));
    assert_eq!(p.now, Duration::ZERO, "no retransmission needed");

    p.client.send_ip(p.now, &datagram(1)).unwrap();
    p.server.send_ip(p.now, &datagram(2)).unwrap();
    p.client.send_ip(p.now, &datagram(3)).unwrap();
    let before = p.wire.len();
    p.settle();
    let sent: Vec<_> = p.wire[before..].to_vec();
    assert_eq!(sent.len(), 3);
    for (_, f) in &sent {
        assert_eq!(protocol_of(f), Protocol::Compressed, "IP travels encrypted");
        assert!(!f.windows(8).any(|w| w == &datagram(0)[..8]));
    }
    let got_server: Vec<_> = p
        .server_events
        .iter()
        .filter_map(|e| match e {
            LinkEvent::Ip(d) => Some(d.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(got_server, vec![datagram(1), datagram(3)]);
    assert!(p.client_events.contains(&LinkEvent::Ip(datagram(2))));
}

#[test]
fn strongest_common_strength_chosen() {
    let mut p = Pair::new(
        Encryption {
            none: true,
            bits40: true,
            bits56: true,
            bits128: false,
        },
        Ok(authorization(required(true, true, true))),
    );
    p.start();
    p.run(Duration::from_secs(60), both_up);
    assert!(matches!(
        up_of(&p.client_events),
        Some(LinkEvent::Up {
            mppe: Some(MppeStrength::Bits56),
            ..
        })
    ));
}

#[test]
fn no_encryption_on_either_side_sends_ip_in_clear() {
    let mut p = Pair::new(Encryption::NONE, Ok(authorization(Encryption::NONE)));
    p.start();
    p.run(Duration::from_secs(60), both_up);
    assert!(matches!(
        up_of(&p.client_events),
        Some(LinkEvent::Up { mppe: None, .. })
    ));
    p.client.send_ip(p.now, &datagram(7)).unwrap();
    p.settle();
    assert_eq!(protocol_of(&p.wire.last().unwrap().1), Protocol::Ip);
    assert!(p.server_events.contains(&LinkEvent::Ip(datagram(7))));
}

#[test]
fn optional_server_accepts_client_refusing_encryption() {
    let mut p = Pair::new(Encryption::NONE, Ok(authorization(Encryption::OPTIONAL)));
    p.start();
    p.run(Duration::from_secs(60), both_up);
    assert!(matches!(
        up_of(&p.server_events),
        Some(LinkEvent::Up { mppe: None, .. })
    ));
}

#[test]
fn server_requiring_encryption_ends_link_with_client_allowing_none() {
    let mut p = Pair::new(
        Encryption::NONE,
        Ok(authorization(required(true, true, true))),
    );
    p.start();
    p.run_to_end();
    assert_eq!(
        down_reason(&p.client_events),
        Some(DownReason::PeerRequiresEncryption)
    );
    assert_eq!(
        down_reason(&p.server_events),
        Some(DownReason::PeerLacksEncryption)
    );
    assert!(up_of(&p.client_events).is_none());
}

#[test]
fn client_requiring_128_against_server_allowing_40_gives_up() {
    let mut p = Pair::new(
        required(false, false, true),
        Ok(authorization(required(true, false, false))),
    );
    p.start();
    p.run_to_end();
    assert_eq!(
        down_reason(&p.client_events),
        Some(DownReason::PeerLacksEncryption)
    );
    assert!(up_of(&p.server_events).is_none());
}

#[test]
fn bad_password_reports_failure_691() {
    let mut p = Pair::new(
        Encryption::OPTIONAL,
        Ok(authorization(Encryption::OPTIONAL)),
    );
    p.password = None;
    p.start();
    p.run_to_end();
    assert_eq!(
        down_reason(&p.client_events),
        Some(DownReason::AuthFailed { code: 691 })
    );
    assert!(!p.client_events.contains(&LinkEvent::Authenticated));
}

#[test]
fn wrong_password_reports_failure_691() {
    let mut p = Pair::new(
        Encryption::OPTIONAL,
        Ok(authorization(Encryption::OPTIONAL)),
    );
    p.password = Some("not-the-password");
    p.start();
    p.run_to_end();
    assert_eq!(
        down_reason(&p.client_events),
        Some(DownReason::AuthFailed { code: 691 })
    );
}

#[test]
fn policy_denial_reports_failure_649() {
    let mut p = Pair::new(Encryption::OPTIONAL, Err(649));
    p.start();
    p.run_to_end();
    assert_eq!(
        down_reason(&p.client_events),
        Some(DownReason::AuthFailed { code: 649 })
    );
    assert_eq!(
        down_reason(&p.server_events),
        Some(DownReason::AuthFailed { code: 649 })
    );
}

#[test]
fn lost_frames_recovered_by_restart_timers() {
    let mut p = Pair::new(
        Encryption::OPTIONAL,
        Ok(authorization(Encryption::OPTIONAL)),
    );
    // Lose the first frame of every protocol in each direction.
    let mut seen: Vec<(bool, Protocol)> = Vec::new();
    p.drop = Box::new(move |from_client, f| {
        let key = (from_client, protocol_of(f));
        if seen.contains(&key) {
            false
        } else {
            seen.push(key);
            true
        }
    });
    p.start();
    p.run(Duration::from_secs(60), both_up);
    assert!(both_up(&p), "client {:?}", p.client_events);
    assert!(p.now >= Duration::from_secs(3));
    let retrans = p
        .client_events
        .iter()
        .chain(&p.server_events)
        .filter(|e| matches!(e, LinkEvent::Retransmitted { .. }))
        .count();
    assert!(retrans >= 3, "{retrans}");
}

#[test]
fn silent_peer_fails_lcp_after_max_configure() {
    let mut p = Pair::new(
        Encryption::OPTIONAL,
        Ok(authorization(Encryption::OPTIONAL)),
    );
    p.drop = Box::new(|_, _| true);
    p.client.open(p.now);
    p.run(Duration::from_secs(120), |p| {
        down_reason(&p.client_events).is_some()
    });
    assert_eq!(down_reason(&p.client_events), Some(DownReason::LcpFailed));
    assert_eq!(p.now, Duration::from_secs(30));
    let lcp_retrans = p
        .client_events
        .iter()
        .filter(|e| {
            matches!(
                e,
                LinkEvent::Retransmitted {
                    protocol: 0xc021,
                    ..
                }
            )
        })
        .count();
    assert_eq!(lcp_retrans, 9);
}

#[test]
fn close_terminates_both_ends() {
    let mut p = Pair::new(
        Encryption::OPTIONAL,
        Ok(authorization(Encryption::OPTIONAL)),
    );
    p.start();
    p.run(Duration::from_secs(60), both_up);
    p.client.close(p.now);
    p.run_to_end();
    assert_eq!(down_reason(&p.client_events), Some(DownReason::Closed));
    assert_eq!(
        down_reason(&p.server_events),
        Some(DownReason::PeerTerminated)
    );
    assert!(p.client.send_ip(p.now, &datagram(1)).is_err());
    assert_eq!(p.client.poll_timeout(), None);
}

#[test]
fn unknown_protocol_gets_protocol_reject_when_opened() {
    let mut p = Pair::new(
        Encryption::OPTIONAL,
        Ok(authorization(Encryption::OPTIONAL)),
    );
    p.start();
    p.run(Duration::from_secs(60), both_up);
    p.client
        .handle_frame(p.now, &hex::decode("ff0380570102").unwrap());
    let f = p.client.poll_transmit().unwrap();
    let fr = Frame::parse(&f).unwrap();
    assert_eq!(fr.protocol, Protocol::Lcp);
    assert_eq!(Code::from(fr.info[0]), Code::ProtocolReject);
    assert_eq!(&fr.info[4..], &[0x80, 0x57, 0x01, 0x02]);
}

#[test]
fn send_ip_before_up_is_refused() {
    let mut p = Pair::new(
        Encryption::OPTIONAL,
        Ok(authorization(Encryption::OPTIONAL)),
    );
    p.start();
    assert!(p.client.send_ip(p.now, &datagram(1)).is_err());
}

mod robustness {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn random_frames_never_panic(frames in proptest::collection::vec(
            proptest::collection::vec(any::<u8>(), 0..48), 0..24)) {
            let mut p = Pair::new(Encryption::OPTIONAL, Ok(authorization(Encryption::OPTIONAL)));
            p.start();
            p.run(Duration::from_secs(60), both_up);
            let mut fresh = Pair::new(Encryption::OPTIONAL, Ok(authorization(Encryption::OPTIONAL)));
            fresh.start();
            for f in &frames {
                // Both as raw frames and as the payload of each protocol.
                for link in [&mut p.client, &mut p.server, &mut fresh.client, &mut fresh.server] {
                    link.handle_frame(Duration::from_secs(1), f);
                    for proto in [0xc021u16, 0xc223, 0x80fd, 0x8021, 0x00fd, 0x0021] {
                        let mut framed = vec![0xff, 0x03];
                        framed.extend_from_slice(&proto.to_be_bytes());
                        framed.extend_from_slice(f);
                        link.handle_frame(Duration::from_secs(1), &framed);
                    }
                    while link.poll_transmit().is_some() {}
                    while link.poll_event().is_some() {}
                }
            }
        }
    }
}

#[test]
fn no_address_to_give_ends_the_line_and_the_client_reports_ncp_failure() {
    let all = required(true, true, true);
    let mut authz = authorization(all);
    authz.peer_address = None;
    let mut p = Pair::new(Encryption::OPTIONAL, Ok(authz));
    p.start();
    p.run_to_end();
    assert_eq!(down_reason(&p.server_events), Some(DownReason::NcpFailed));
    assert_eq!(down_reason(&p.client_events), Some(DownReason::NcpFailed));
    assert!(up_of(&p.client_events).is_none());
}

#[test]
fn negotiation_that_never_converges_ends_at_negotiate_time() {
    let mut p = Pair::new(
        Encryption::OPTIONAL,
        Ok(authorization(Encryption::OPTIONAL)),
    );
    p.client = Link::new(
        LinkConfig {
            role: Role::Client {
                user: USER.into(),
                password: PASSWORD.into(),
            },
            encryption: Encryption::OPTIONAL,
            mru: 1400,
            negotiate_time: Some(Duration::from_secs(5)),
            computer_name: String::new(),
            identification: Vec::new(),
            multilink: true,
            ipv6cp: false,
            ccp: true,
        },
        ChaCha20Rng::seed_from_u64(1),
    );
    // Every server frame is lost: LCP alone would give up after
    // Max-Configure (30 s); NegotiateTime ends the line first.
    p.drop = Box::new(|from_client, _| !from_client);
    p.start();
    p.run(Duration::from_secs(60), |p| {
        down_reason(&p.client_events).is_some()
    });
    assert_eq!(
        down_reason(&p.client_events),
        Some(DownReason::NegotiationTimeout)
    );
    // Terminate-Request at 5 s, Max-Terminate 2 with no answer: down at 11 s.
    assert!(
        p.now >= Duration::from_secs(5) && p.now < Duration::from_secs(15),
        "{:?}",
        p.now
    );
}

#[test]
fn a_windows_10_client_identifies_itself_rejects_ccp_and_comes_up_on_ipv4_alone() {
    let mut p = Pair::new(Encryption::NONE, Ok(authorization(Encryption::OPTIONAL)));
    p.client = Link::new(
        LinkConfig {
            role: Role::Client {
                user: USER.into(),
                password: PASSWORD.into(),
            },
            encryption: Encryption::NONE,
            mru: 1400,
            negotiate_time: None,
            computer_name: String::new(),
            identification: vec![b"MSRASV5.20".to_vec(), b"MSRAS-0-CLIENT".to_vec()],
            multilink: false,
            ipv6cp: true,
            ccp: false,
        },
        ChaCha20Rng::seed_from_u64(1),
    );
    p.start();
    p.run(Duration::from_secs(30), |p| {
        up_of(&p.client_events).is_some()
    });
    let up = up_of(&p.client_events).expect("client up");
    assert!(
        matches!(up, LinkEvent::Up { mppe: None, .. }),
        "no MPPE: IPsec encrypts"
    );
    assert!(up_of(&p.server_events).is_some());
    let control = |from_client: bool, protocol: u16, code: u8| {
        p.wire.iter().any(|(c, f)| {
            *c == from_client
                && Frame::parse(f).is_ok_and(|fr| {
                    u16::from(fr.protocol) == protocol && fr.info.first() == Some(&code)
                })
        })
    };
    // RFC 1570 1.1 Identification (code 12) from the client, unanswered.
    let idents: Vec<&[u8]> = p
        .wire
        .iter()
        .filter(|(c, _)| *c)
        .filter_map(|(_, f)| Frame::parse(f).ok())
        .filter(|f| f.protocol == Protocol::Lcp && f.info.first() == Some(&12))
        .map(|f| &f.info[8..])
        .collect();
    assert_eq!(idents, [&b"MSRASV5.20"[..], b"MSRAS-0-CLIENT"]);
    assert!(
        !control(false, 0xc021, 7),
        "no Code-Reject of Identification"
    );
    // The client Protocol-Rejects CCP (8 = Protocol-Reject, RFC 1661 5.7);
    // the server Protocol-Rejects IPV6CP.
    let rejected = |from_client: bool| -> Vec<u16> {
        p.wire
            .iter()
            .filter(|(c, _)| *c == from_client)
            .filter_map(|(_, f)| Frame::parse(f).ok())
            .filter(|f| f.protocol == Protocol::Lcp && f.info.first() == Some(&8))
            .filter_map(|f| Some(u16::from_be_bytes([*f.info.get(4)?, *f.info.get(5)?])))
            .collect()
    };
    assert_eq!(rejected(true), [0x80fd]);
    assert_eq!(rejected(false), [0x8057]);
    assert!(control(true, 0x8057, 1), "the client asked for IPV6CP");
    assert!(!control(true, 0x80fd, 1), "the client runs no CCP");
}
