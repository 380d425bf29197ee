//! Endpoints stepped on a virtual clock by a small driver that moves
//! datagrams between them with a fixed latency and an optional loss or
//! duplication pattern.

use std::net::SocketAddrV4;
use std::time::Duration;

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

use super::*;
use crate::wire::l2tp::{summarize, Avp, AvpValue, ControlRepr, Summary};

const LATENCY: Duration = Duration::from_millis(10);

fn addr(last: u8) -> SocketAddrV4 {
    SocketAddrV4::new([10, 0, 0, last].into(), 1701)
}

fn secs(s: f64) -> Duration {
    Duration::from_secs_f64(s)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fate {
    Deliver,
    Drop,
    Duplicate,
}

#[derive(Debug, Clone)]
struct Sent {
    at: Duration,
    from: SocketAddrV4,
    name: &'static str,
    summary: Summary,
    bytes: Vec<u8>,
}

type Filter = Box<dyn FnMut(SocketAddrV4, &Summary) -> Fate>;

struct Driver {
    now: Duration,
    nodes: Vec<(SocketAddrV4, Endpoint)>,
    /// (deliver at, to, from, bytes), in send order.
    wire: Vec<(Duration, SocketAddrV4, SocketAddrV4, Vec<u8>)>,
    filter: Filter,
    sent: Vec<Sent>,
    events: Vec<(Duration, SocketAddrV4, Event)>,
}

fn cfg(host: &str) -> EndpointConfig {
    EndpointConfig {
        host_name: host.into(),
        ..EndpointConfig::default()
    }
}

impl Driver {
    fn new(configs: Vec<(u8, EndpointConfig)>) -> Self {
        let nodes = configs
            .into_iter()
            .map(|(last, c)| {
                (
                    addr(last),
                    Endpoint::new(c, ChaCha20Rng::seed_from_u64(u64::from(last))),
                )
            })
            .collect();
        Driver {
            now: Duration::ZERO,
            nodes,
            wire: Vec::new(),
            filter: Box::new(|_, _| Fate::Deliver),
            sent: Vec::new(),
            events: Vec::new(),
        }
    }

    /// A LAC at .1 and an LNS at .2.
    fn pair(lns: EndpointConfig) -> Self {
        Driver::new(vec![(1, cfg("XPCLIENT")), (2, lns)])
    }

    fn node(&mut self, a: SocketAddrV4) -> &mut Endpoint {
        let i = self.nodes.iter().position(|(x, _)| *x == a).unwrap();
        &mut self.nodes[i].1
    }

    fn drain(&mut self) {
        for (me, ep) in &mut self.nodes {
            while let Some((to, bytes)) = ep.poll_transmit() {
                let summary = summarize(&bytes).unwrap();
                let name = match summary {
                    Summary::Control { name, .. } => name,
                    Summary::Data { .. } => "DATA",
                };
                self.sent.push(Sent {
                    at: self.now,
                    from: *me,
                    name,
                    summary: summary.clone(),
                    bytes: bytes.clone(),
                });
                let copies = match (self.filter)(*me, &summary) {
                    Fate::Deliver => 1,
                    Fate::Drop => 0,
                    Fate::Duplicate => 2,
                };
                for _ in 0..copies {
                    self.wire.push((self.now + LATENCY, to, *me, bytes.clone()));
                }
            }
            while let Some(e) = ep.poll_event() {
                self.events.push((self.now, *me, e));
            }
        }
    }

    fn run_until(&mut self, until: Duration) {
        loop {
            self.drain();
            let timers = self.nodes.iter().filter_map(|(_, e)| e.poll_timeout());
            let next = timers.chain(self.wire.iter().map(|w| w.0)).min();
            match next {
                Some(t) if t <= until => self.now = self.now.max(t),
                _ => {
                    self.now = until;
                    return;
                }
            }
            let now = self.now;
            let (due, later): (Vec<_>, Vec<_>) = self.wire.drain(..).partition(|w| w.0 <= now);
            self.wire = later;
            for (_, to, from, bytes) in due {
                if let Some(i) = self.nodes.iter().position(|(x, _)| *x == to) {
                    let _ = self.nodes[i].1.handle_datagram(now, from, &bytes);
                }
            }
            for (_, ep) in &mut self.nodes {
                if ep.poll_timeout().is_some_and(|t| t <= now) {
                    ep.handle_timeout(now);
                }
            }
        }
    }

    fn events_of(&self, a: SocketAddrV4) -> Vec<Event> {
        self.events
            .iter()
            .filter(|e| e.1 == a)
            .map(|e| e.2.clone())
            .collect()
    }

    fn names_from(&self, a: SocketAddrV4) -> Vec<&'static str> {
        self.sent
            .iter()
            .filter(|s| s.from == a)
            .map(|s| s.name)
            .collect()
    }

    fn session_of(&self, a: SocketAddrV4) -> SessionHandle {
        self.events_of(a)
            .into_iter()
            .find_map(|e| match e {
                Event::SessionUp { session, .. } => Some(session),
                _ => None,
            })
            .unwrap()
    }
}

fn lac() -> SocketAddrV4 {
    addr(1)
}

fn lns() -> SocketAddrV4 {
    addr(2)
}

fn up_pair() -> Driver {
    let mut d = Driver::pair(cfg("RRAS"));
    let _ = d.node(lac()).connect(Duration::ZERO, lns());
    d.run_until(secs(5.0));
    d
}

fn is_up(events: &[Event]) -> bool {
    events.iter().any(|e| matches!(e, Event::TunnelUp { .. }))
        && events.iter().any(|e| matches!(e, Event::SessionUp { .. }))
}

#[test]
fn tunnel_and_session_come_up() {
    let d = up_pair();
    assert!(is_up(&d.events_of(lac())));
    assert!(is_up(&d.events_of(lns())));
    let lac_msgs: Vec<_> = d
        .names_from(lac())
        .into_iter()
        .filter(|n| *n != "ZLB")
        .collect();
    let lns_msgs: Vec<_> = d
        .names_from(lns())
        .into_iter()
        .filter(|n| *n != "ZLB")
        .collect();
    assert_eq!(lac_msgs, ["SCCRQ", "SCCCN", "ICRQ", "ICCN"]);
    assert_eq!(lns_msgs, ["SCCRP", "ICRP"]);
    // Every control message is acknowledged: nothing is retransmitted and
    // both tunnels are quiet until the HELLO timer.
    assert!(!d
        .events
        .iter()
        .any(|e| matches!(e.2, Event::Retransmitted { .. })));
    assert!(d
        .nodes
        .iter()
        .all(|(_, e)| e.poll_timeout().is_some_and(|t| t > secs(60.0))));
    // The SCCRQ carries the configured host name and our tunnel id.
    let sccrq = ControlRepr::parse_bytes(&d.sent[0].bytes).unwrap();
    assert!(sccrq
        .avps
        .contains(&Avp::mandatory(AvpValue::HostName(b"XPCLIENT".to_vec()))));
    let Event::TunnelUp { tunnel } = d.events_of(lac())[0].clone() else {
        panic!("first LAC event is not TunnelUp");
    };
    assert!(sccrq
        .avps
        .contains(&Avp::mandatory(AvpValue::AssignedTunnelId(tunnel.0))));
}

#[test]
fn sccrq_retransmitted_until_fifth_timeout_then_tunnel_down() {
    // No LNS answers: 1, 2, 4, 8, 8 s between sends, failure 8 s after the last.
    let mut d = Driver::new(vec![(1, cfg("XPCLIENT"))]);
    let t = d.node(lac()).connect(Duration::ZERO, lns());
    d.run_until(secs(100.0));
    let times: Vec<f64> = d.sent.iter().map(|s| s.at.as_secs_f64()).collect();
    assert_eq!(times, [0.0, 1.0, 3.0, 7.0, 15.0, 23.0]);
    assert!(d.sent.iter().all(|s| s.name == "SCCRQ"));
    let retransmits = d
        .events
        .iter()
        .filter(|e| {
            matches!(
                e.2,
                Event::Retransmitted {
                    ns: 0,
                    message_type: MessageType::Sccrq,
                    ..
                }
            )
        })
        .count();
    assert_eq!(retransmits, 5);
    let [.., down, closed] = d.events.as_slice() else {
        panic!("{:?}", d.events)
    };
    assert_eq!(down.0, secs(31.0));
    assert_eq!(
        down.2,
        Event::TunnelDown {
            tunnel: t,
            reason: TunnelDownReason::Timeout
        }
    );
    // Nothing of the tunnel is left to send: its owner hears it at once.
    assert_eq!(
        (closed.0, &closed.2),
        (secs(31.0), &Event::TunnelClosed { tunnel: t })
    );
    assert_eq!(d.node(lac()).tunnel_count(), 0);
    assert_eq!(d.node(lac()).poll_timeout(), None);
}

#[test]
fn lost_sccrp_is_recovered() {
    let mut d = Driver::pair(cfg("RRAS"));
    let mut dropped = false;
    d.filter = Box::new(move |_, s| match s {
        Summary::Control { name: "SCCRP", .. } if !dropped => {
            dropped = true;
            Fate::Drop
        }
        _ => Fate::Deliver,
    });
    let _ = d.node(lac()).connect(Duration::ZERO, lns());
    d.run_until(secs(10.0));
    assert!(is_up(&d.events_of(lac())));
    assert!(is_up(&d.events_of(lns())));
    // The LNS resent its SCCRP after 1 s; the LAC's resent SCCRQ was a
    // duplicate the LNS only acknowledged (one tunnel, one SCCRP Ns).
    assert!(d.events_of(lns()).contains(&Event::Retransmitted {
        tunnel: d
            .events_of(lns())
            .iter()
            .find_map(|e| match e {
                Event::TunnelUp { tunnel } => Some(*tunnel),
                _ => None,
            })
            .unwrap(),
        ns: 0,
        message_type: MessageType::Sccrp
    }));
    assert_eq!(
        d.names_from(lns())
            .iter()
            .filter(|n| **n == "SCCRP")
            .count(),
        2
    );
    assert_eq!(d.node(lns()).tunnel_count(), 1);
}

/// Found by the random-fault property test (issue 7): every SCCRP lost,
/// the LNS acknowledges a resent SCCRQ with a ZLB, so the LAC has nothing
/// left to resend; silence for the HELLO interval ends the attempt rather
/// than leaving it waiting forever.
#[test]
fn an_acknowledged_sccrq_whose_reply_never_comes_ends_after_the_silence() {
    let mut d = Driver::pair(cfg("RRAS"));
    d.filter = Box::new(|_, s| match s {
        Summary::Control { name: "SCCRP", .. } => Fate::Drop,
        _ => Fate::Deliver,
    });
    let t = d.node(lac()).connect(Duration::ZERO, lns());
    d.run_until(secs(200.0));
    let down = d
        .events
        .iter()
        .find(|e| e.1 == lac() && matches!(e.2, Event::TunnelDown { .. }))
        .cloned()
        .expect("the LAC gives up");
    assert_eq!(
        down.2,
        Event::TunnelDown {
            tunnel: t,
            reason: TunnelDownReason::Timeout
        }
    );
    let last_heard = d
        .sent
        .iter()
        .filter(|s| s.from == lns() && s.name != "SCCRP" && s.at < down.0)
        .map(|s| s.at + LATENCY)
        .max()
        .expect("the LNS answered something");
    assert_eq!(
        down.0,
        last_heard + EndpointConfig::default().hello_interval
    );
    assert_eq!(d.node(lac()).tunnel_count(), 0);
}

#[test]
fn duplicate_control_message_acked_and_dropped() {
    let mut d = Driver::pair(cfg("RRAS"));
    d.filter = Box::new(|_, s| match s {
        Summary::Control { name: "SCCCN", .. } => Fate::Duplicate,
        _ => Fate::Deliver,
    });
    let _ = d.node(lac()).connect(Duration::ZERO, lns());
    d.run_until(secs(5.0));
    let ups = d
        .events_of(lns())
        .iter()
        .filter(|e| matches!(e, Event::TunnelUp { .. }))
        .count();
    assert_eq!(ups, 1);
    assert!(is_up(&d.events_of(lns())));
    // Replaying the SCCCN later: acknowledged at once with a ZLB, no event.
    let scccn = d
        .sent
        .iter()
        .find(|s| s.name == "SCCCN")
        .unwrap()
        .bytes
        .clone();
    let before = d.events.len();
    let now = d.now;
    assert_eq!(d.node(lns()).handle_datagram(now, lac(), &scccn), Ok(()));
    let (to, zlb) = d.node(lns()).poll_transmit().unwrap();
    assert_eq!(to, lac());
    let zlb = ControlRepr::parse_bytes(&zlb).unwrap();
    assert!(zlb.is_zlb());
    // SCCRQ, SCCCN, ICRQ, ICCN received: next expected Ns is 4.
    assert_eq!(zlb.nr, 4);
    assert!(d.node(lns()).poll_event().is_none());
    assert_eq!(d.events.len(), before);
}

#[test]
fn ppp_frames_flow_both_ways() {
    let mut d = up_pair();
    let (sa, sb) = (d.session_of(lac()), d.session_of(lns()));
    let now = d.now;
    let lcp = hex::decode("ff03c021010100140104057801060000000005064a5b6c7d").unwrap();
    d.node(lac()).send_ppp(now, sa, &lcp).unwrap();
    d.node(lns())
        .send_ppp(now, sb, b"\xff\x03\xc0\x21\x09\x01\x00\x08abcd")
        .unwrap();
    d.run_until(now + secs(1.0));
    assert!(d.events_of(lns()).contains(&Event::PppFrame {
        session: sb,
        frame: lcp.clone()
    }));
    assert!(d.events_of(lac()).contains(&Event::PppFrame {
        session: sa,
        frame: b"\xff\x03\xc0\x21\x09\x01\x00\x08abcd".to_vec()
    }));
    // As Windows sends them: L bit, no sequence numbers, no offset.
    let data = d.sent.iter().find(|s| s.name == "DATA").unwrap();
    assert_eq!(&data.bytes[..2], &[0x40, 0x02]);
    assert_eq!(&data.bytes[8..], &lcp[..]);
    // An unknown session is reported, not delivered.
    let bogus = SessionHandle {
        tunnel: sa.tunnel,
        session: sa.session.wrapping_add(1),
    };
    assert_eq!(
        d.node(lac()).send_ppp(now, bogus, &lcp),
        Err(L2tpError::SessionNotUp)
    );
}

#[test]
fn stopccn_from_peer_reported() {
    let mut d = up_pair();
    let tb = d.session_of(lns()).tunnel();
    let now = d.now;
    d.node(lns())
        .close_tunnel(now, tb, result::STOPCCN_GENERAL_REQUEST);
    d.run_until(now + secs(5.0));
    let mut lac_events = d.events_of(lac());
    // The peer's StopCCN needs only our ZLB: the tunnel is closed at once.
    assert!(matches!(lac_events.pop(), Some(Event::TunnelClosed { .. })));
    assert!(matches!(
        lac_events[lac_events.len() - 2],
        Event::SessionDown {
            reason: SessionDownReason::TunnelDown(TunnelDownReason::StopCcn { result: 1, .. }),
            ..
        }
    ));
    assert!(matches!(
        &lac_events[lac_events.len() - 1],
        Event::TunnelDown {
            reason: TunnelDownReason::StopCcn {
                result: 1,
                error: None,
                message: None
            },
            ..
        }
    ));
    assert!(d.events_of(lns()).contains(&Event::TunnelDown {
        tunnel: tb,
        reason: TunnelDownReason::Closed
    }));
    // Our StopCCN was acknowledged: the closer hears the tunnel is closed
    // long before the 31 s hold ends.
    assert!(d.events.iter().any(|e| e.1 == lns()
        && e.2 == Event::TunnelClosed { tunnel: tb }
        && e.0 < now + secs(1.0)));
    // The StopCCN was acknowledged: no retransmission.
    assert!(!d
        .events
        .iter()
        .any(|e| matches!(e.2, Event::Retransmitted { .. })));
    // State is held, then forgotten.
    assert_eq!(d.node(lac()).tunnel_count(), 1);
    d.run_until(now + secs(40.0));
    assert_eq!(d.node(lac()).tunnel_count(), 0);
    assert_eq!(d.node(lns()).tunnel_count(), 0);
}

#[test]
fn max_sessions_zero_refuses_tunnel() {
    let mut d = Driver::pair(EndpointConfig {
        max_sessions: 0,
        ..cfg("RRAS")
    });
    let t = d.node(lac()).connect(Duration::ZERO, lns());
    d.run_until(secs(5.0));
    assert_eq!(
        d.events_of(lac()),
        [
            Event::TunnelDown {
                tunnel: t,
                reason: TunnelDownReason::StopCcn {
                    result: result::GENERAL_ERROR,
                    error: Some(result::ERROR_INSUFFICIENT_RESOURCES),
                    message: Some("no L2TP ports are configured".into()),
                }
            },
            Event::TunnelClosed { tunnel: t }
        ]
    );
    assert_eq!(
        d.events_of(lns()),
        [Event::TunnelRefused {
            peer: lac(),
            result: result::GENERAL_ERROR
        }]
    );
    assert_eq!(d.names_from(lac()), ["SCCRQ", "ZLB"]);
}

#[test]
fn call_beyond_max_sessions_gets_cdn() {
    let mut d = Driver::new(vec![
        (1, cfg("A")),
        (3, cfg("B")),
        (
            2,
            EndpointConfig {
                max_sessions: 1,
                ..cfg("RRAS")
            },
        ),
    ]);
    let _ = d.node(lac()).connect(Duration::ZERO, lns());
    d.run_until(secs(2.0));
    let _ = d.node(addr(3)).connect(secs(2.0), lns());
    d.run_until(secs(5.0));
    assert!(is_up(&d.events_of(lac())));
    let second = d.events_of(addr(3));
    assert!(matches!(second[0], Event::TunnelUp { .. }));
    assert!(matches!(
        &second[1],
        Event::SessionDown {
            reason: SessionDownReason::Cdn {
                result: 2,
                error: Some(4),
                ..
            },
            ..
        }
    ));
    assert!(d
        .events_of(lns())
        .iter()
        .any(|e| matches!(e, Event::CallRefused { .. })));
}

#[test]
fn hello_after_idle_and_silent_peer_times_out() {
    let mut d = up_pair();
    d.run_until(secs(70.0));
    // The side whose timer runs out first sends HELLO; its arrival restarts
    // the other side's timer.
    assert!(d.names_from(lns()).contains(&"HELLO"));
    assert!(!d.names_from(lac()).contains(&"HELLO"));
    assert!(!d
        .events
        .iter()
        .any(|e| matches!(e.2, Event::TunnelDown { .. })));
    // The LNS goes silent: the LAC's next HELLO is never acknowledged.
    d.filter = Box::new(|from, _| {
        if from == lns() {
            Fate::Drop
        } else {
            Fate::Deliver
        }
    });
    d.run_until(secs(200.0));
    let down = d.events.iter().find(|e| {
        e.1 == lac()
            && matches!(
                e.2,
                Event::TunnelDown {
                    reason: TunnelDownReason::Timeout,
                    ..
                }
            )
    });
    let hello = d
        .sent
        .iter()
        .find(|s| s.from == lac() && s.name == "HELLO")
        .unwrap()
        .at;
    assert_eq!(down.unwrap().0, hello + secs(31.0));
}

#[test]
fn unknown_mandatory_avp_tears_down_tunnel() {
    let mut d = up_pair();
    let (sa, sb) = (d.session_of(lac()), d.session_of(lns()));
    let last = d
        .sent
        .iter()
        .rev()
        .find(|s| s.from == lns() && s.name != "ZLB")
        .unwrap();
    let Summary::Control { ns, tunnel_id, .. } = last.summary else {
        panic!()
    };
    let _ = sb;
    let hello = ControlRepr {
        tunnel_id,
        session_id: 0,
        ns: ns + 1,
        nr: 4,
        message_type: Some(MessageType::Hello),
        avps: vec![Avp::mandatory(AvpValue::Unknown {
            vendor_id: 311,
            attribute_type: 99,
            hidden: false,
            value: vec![1],
        })],
    };
    let now = d.now;
    let r = d
        .node(lac())
        .handle_datagram(now, lns(), &hello.to_bytes().unwrap());
    assert_eq!(
        r,
        Err(L2tpError::UnknownMandatoryAvp {
            message: MessageType::Hello,
            vendor_id: 311,
            attribute: 99
        })
    );
    let (_, stop) = d.node(lac()).poll_transmit().unwrap();
    let stop = ControlRepr::parse_bytes(&stop).unwrap();
    assert_eq!(stop.message_type, Some(MessageType::StopCcn));
    assert!(stop.avps.iter().any(
        |a| matches!(&a.value, AvpValue::ResultCode(rc) if rc.result == 2 && rc.error == Some(8))
    ));
    let ev: Vec<_> = std::iter::from_fn(|| d.node(lac()).poll_event()).collect();
    assert_eq!(
        ev,
        [
            Event::SessionDown {
                session: sa,
                reason: SessionDownReason::TunnelDown(TunnelDownReason::ProtocolError)
            },
            Event::TunnelDown {
                tunnel: sa.tunnel(),
                reason: TunnelDownReason::ProtocolError
            }
        ]
    );
}

#[test]
fn hidden_avp_is_unsupported() {
    let mut d = Driver::pair(cfg("RRAS"));
    let sccrq = ControlRepr {
        tunnel_id: 0,
        session_id: 0,
        ns: 0,
        nr: 0,
        message_type: Some(MessageType::Sccrq),
        avps: vec![
            Avp::mandatory(AvpValue::AssignedTunnelId(5)),
            Avp::mandatory(AvpValue::Unknown {
                vendor_id: 0,
                attribute_type: 7,
                hidden: true,
                value: vec![0; 4],
            }),
        ],
    };
    let r = d
        .node(lns())
        .handle_datagram(Duration::ZERO, lac(), &sccrq.to_bytes().unwrap());
    assert_eq!(r, Err(L2tpError::HiddenAvpUnsupported { attribute: 7 }));
    let (_, stop) = d.node(lns()).poll_transmit().unwrap();
    assert_eq!(
        ControlRepr::parse_bytes(&stop).unwrap().message_type,
        Some(MessageType::StopCcn)
    );
}

#[test]
fn malformed_and_stray_datagrams_are_errors_not_panics() {
    let mut d = up_pair();
    let now = d.now;
    let ep = d.node(lns());
    assert!(matches!(
        ep.handle_datagram(now, lac(), &[0xc8]),
        Err(L2tpError::Malformed(_))
    ));
    let zlb = ControlRepr {
        tunnel_id: 999,
        session_id: 0,
        ns: 0,
        nr: 0,
        message_type: None,
        avps: vec![],
    };
    assert!(ep
        .handle_datagram(now, lac(), &zlb.to_bytes().unwrap())
        .is_err());
    let hello = ControlRepr {
        tunnel_id: 0,
        message_type: Some(MessageType::Hello),
        ..zlb
    };
    assert_eq!(
        ep.handle_datagram(now, lac(), &hello.to_bytes().unwrap()),
        Err(L2tpError::NoTunnelId {
            message: MessageType::Hello
        })
    );
}

#[test]
fn same_seeds_give_same_exchange() {
    let a = up_pair();
    let b = up_pair();
    let bytes = |d: &Driver| {
        d.sent
            .iter()
            .map(|s| (s.at, s.bytes.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(bytes(&a), bytes(&b));
}

#[test]
fn peer_receive_window_holds_back_messages_until_acked() {
    // An LNS with a window of 1: the LAC's ICRQ waits for the SCCCN's ack.
    let mut d = Driver::pair(EndpointConfig {
        receive_window: 1,
        ..cfg("RRAS")
    });
    let _ = d.node(lac()).connect(Duration::ZERO, lns());
    d.run_until(secs(5.0));
    assert!(is_up(&d.events_of(lns())));
    let at = |name| d.sent.iter().find(|s| s.name == name).unwrap().at;
    assert_eq!(at("ICRQ"), at("SCCCN") + LATENCY + ACK_DELAY + LATENCY);
}

#[test]
fn comes_up_despite_losing_every_third_datagram() {
    let mut d = Driver::pair(cfg("RRAS"));
    let mut n = 0u32;
    d.filter = Box::new(move |_, _| {
        n += 1;
        if n == 3 {
            n = 0;
            Fate::Drop
        } else {
            Fate::Deliver
        }
    });
    let _ = d.node(lac()).connect(Duration::ZERO, lns());
    d.run_until(secs(30.0));
    assert!(is_up(&d.events_of(lac())));
    assert!(is_up(&d.events_of(lns())));
    assert!(!d
        .events
        .iter()
        .any(|e| matches!(e.2, Event::TunnelDown { .. })));
    assert_eq!(d.node(lns()).tunnel_count(), 1);
}

#[test]
fn two_lacs_behind_one_nat_are_two_tunnels_told_apart_by_the_lower_context() {
    // Behind one NAT, two clients reach the LNS from the same address and
    // port; with the same Assigned Tunnel ID their SCCRQs are identical but
    // for the IPsec SA they came in on (the context).
    let mut lac = Endpoint::new(cfg("XPCLIENT"), ChaCha20Rng::seed_from_u64(1));
    let lns_cfg = EndpointConfig {
        max_sessions: 5,
        ..cfg("RRAS")
    };
    let mut lns = Endpoint::new(lns_cfg, ChaCha20Rng::seed_from_u64(2));
    lac.connect(Duration::ZERO, addr(2));
    let (_, sccrq) = lac.poll_transmit().unwrap();
    let nat = addr(9);
    for context in [4500, 1025] {
        lns.handle_datagram_from(Duration::ZERO, PeerAddr { addr: nat, context }, &sccrq)
            .unwrap();
    }
    assert_eq!(lns.tunnel_count(), 2);
    let replies: Vec<PeerAddr> = std::iter::from_fn(|| lns.poll_transmit_to())
        .map(|(to, _)| to)
        .collect();
    assert_eq!(
        replies,
        vec![
            PeerAddr {
                addr: nat,
                context: 4500
            },
            PeerAddr {
                addr: nat,
                context: 1025
            }
        ]
    );
    // Without a context, the same SCCRQ again is a retransmission.
    let mut plain = Endpoint::new(
        EndpointConfig {
            max_sessions: 5,
            ..cfg("RRAS")
        },
        ChaCha20Rng::seed_from_u64(2),
    );
    plain.handle_datagram(Duration::ZERO, nat, &sccrq).unwrap();
    plain.handle_datagram(Duration::ZERO, nat, &sccrq).unwrap();
    assert_eq!(plain.tunnel_count(), 1);
}
