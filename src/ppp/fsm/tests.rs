//! Tests of the RFC 1661 4.1 state transition table.

use super::*;
use crate::wire::ppp::lcp::LcpOption;

/// A toy policy over LCP options: asks for `mru`, accepts a peer MRU of at
/// least 1000 (else Naks 1500), rejects anything else; gives up when its
/// MRU is rejected and `required`.
#[derive(Debug, Default)]
struct Toy {
    mru: u16,
    required: bool,
    peer_mru: Option<u16>,
    acked: bool,
}

impl Toy {
    fn new(mru: u16) -> Self {
        Toy {
            mru,
            ..Toy::default()
        }
    }
}

impl Policy for Toy {
    type Opt = LcpOption;
    const IS_LCP: bool = true;

    fn request(&mut self) -> Vec<LcpOption> {
        vec![LcpOption::Mru(self.mru)]
    }

    fn judge(&mut self, opt: &LcpOption) -> Verdict<LcpOption> {
        match opt {
            LcpOption::Mru(m) if *m >= 1000 => Verdict::Ack,
            LcpOption::Mru(_) => Verdict::Nak(LcpOption::Mru(1500)),
            _ => Verdict::Reject,
        }
    }

    fn peer_request_acked(&mut self, opts: &[LcpOption]) {
        for o in opts {
            if let LcpOption::Mru(m) = o {
                self.peer_mru = Some(*m);
            }
        }
    }

    fn request_acked(&mut self, _opts: &[LcpOption]) {
        self.acked = true;
    }

    fn nak_received(&mut self, suggested: &[LcpOption]) -> Progress {
        for o in suggested {
            if let LcpOption::Mru(m) = o {
                self.mru = *m;
            }
        }
        Progress::Continue
    }

    fn reject_received(&mut self, _rejected: &[LcpOption]) -> Progress {
        if self.required {
            Progress::GiveUp
        } else {
            Progress::Continue
        }
    }

    fn magic_number(&self) -> u32 {
        0xdead_beef
    }
}

const T0: Duration = Duration::ZERO;

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

fn drain_packets<P: Policy>(f: &mut Fsm<P>) -> Vec<Vec<u8>> {
    std::iter::from_fn(|| f.poll_transmit()).collect()
}

fn drain_events<P: Policy>(f: &mut Fsm<P>) -> Vec<FsmEvent> {
    std::iter::from_fn(|| f.poll_event()).collect()
}

fn code_of(p: &[u8]) -> Code {
    Code::from(p[0])
}

/// Delivers packets both ways until both are quiet.
fn exchange(now: Duration, a: &mut Fsm<Toy>, b: &mut Fsm<Toy>) {
    loop {
        let pa = drain_packets(a);
        let pb = drain_packets(b);
        if pa.is_empty() && pb.is_empty() {
            return;
        }
        for p in pa {
            b.handle_packet(now, &p).unwrap();
        }
        for p in pb {
            a.handle_packet(now, &p).unwrap();
        }
    }
}

fn started(mru: u16) -> Fsm<Toy> {
    let mut f = Fsm::new(Toy::new(mru), 1);
    f.open(T0);
    f.up(T0);
    f
}

fn opened_pair() -> (Fsm<Toy>, Fsm<Toy>) {
    let mut a = started(1500);
    let mut b = started(1400);
    exchange(T0, &mut a, &mut b);
    assert_eq!(a.state(), State::Opened);
    assert_eq!(b.state(), State::Opened);
    drain_events(&mut a);
    drain_events(&mut b);
    (a, b)
}

#[test]
fn open_then_up_sends_configure_request() {
    let mut f = Fsm::new(Toy::new(1500), 7);
    f.open(T0);
    assert_eq!(f.state(), State::Starting);
    assert_eq!(drain_events(&mut f), vec![FsmEvent::Started]);
    f.up(T0);
    assert_eq!(f.state(), State::ReqSent);
    let p = drain_packets(&mut f);
    assert_eq!(
        p,
        vec![hex::decode("010700080104 05dc".replace(' ', "")).unwrap()]
    );
    assert_eq!(f.poll_timeout(), Some(RESTART_INTERVAL));
}

#[test]
fn configure_request_retransmitted_max_configure_times() {
    let mut f = started(1500);
    let mut sent = drain_packets(&mut f).len();
    let mut t = T0;
    while let Some(d) = f.poll_timeout() {
        t = d;
        f.handle_timeout(t);
        sent += drain_packets(&mut f).len();
    }
    assert_eq!(sent as u32, MAX_CONFIGURE);
    assert_eq!(t, RESTART_INTERVAL * MAX_CONFIGURE);
    assert_eq!(f.state(), State::Stopped);
    let ev = drain_events(&mut f);
    let retrans = ev
        .iter()
        .filter(|e| matches!(e, FsmEvent::Retransmitted { code: 1, id: 1 }))
        .count();
    assert_eq!(retrans as u32, MAX_CONFIGURE - 1);
    assert_eq!(ev.last(), Some(&FsmEvent::Finished));
}

#[test]
fn two_automata_open_each_other() {
    let mut a = started(1500);
    let mut b = started(1400);
    exchange(T0, &mut a, &mut b);
    assert!(a.is_opened() && b.is_opened());
    assert!(drain_events(&mut a).contains(&FsmEvent::Up));
    assert_eq!(a.policy().peer_mru, Some(1400));
    assert_eq!(b.policy().peer_mru, Some(1500));
    assert!(a.policy().acked && b.policy().acked);
    assert_eq!(a.poll_timeout(), None, "no timer in Opened");
}

#[test]
fn nak_adjusts_next_request() {
    let mut a = started(500);
    let mut b = started(1400);
    exchange(T0, &mut a, &mut b);
    assert!(a.is_opened() && b.is_opened());
    assert_eq!(b.policy().peer_mru, Some(1500));
}

#[test]
fn nak_turns_into_reject_after_max_failure() {
    let mut f = started(1500);
    drain_packets(&mut f);
    let mut codes = Vec::new();
    for id in 0..(MAX_FAILURE as u8 + 2) {
        let req = Repr {
            code: Code::ConfigureRequest,
            identifier: id,
            data: &[1, 4, 0, 100],
        }
        .to_vec();
        f.handle_packet(T0, &req).unwrap();
        codes.extend(drain_packets(&mut f).iter().map(|p| code_of(p)));
    }
    let naks = codes.iter().filter(|c| **c == Code::ConfigureNak).count();
    assert_eq!(naks as u32, MAX_FAILURE);
    assert_eq!(codes.last(), Some(&Code::ConfigureReject));
}

#[test]
fn ack_with_wrong_identifier_or_options_is_discarded() {
    let mut f = started(1500);
    let req = drain_packets(&mut f).remove(0);
    let mut bad_id = req.clone();
    bad_id[0] = 2;
    bad_id[1] = bad_id[1].wrapping_add(1);
    f.handle_packet(T0, &bad_id).unwrap();
    assert_eq!(f.state(), State::ReqSent);
    let mut bad_opts = req.clone();
    bad_opts[0] = 2;
    bad_opts[7] ^= 1;
    f.handle_packet(T0, &bad_opts).unwrap();
    assert_eq!(f.state(), State::ReqSent);
    let mut ack = req;
    ack[0] = 2;
    f.handle_packet(T0, &ack).unwrap();
    assert_eq!(f.state(), State::AckRcvd);
}

#[test]
fn terminate_request_retransmitted_max_terminate_times() {
    let (mut a, _b) = opened_pair();
    a.close(secs(10));
    assert_eq!(drain_events(&mut a), vec![FsmEvent::Down]);
    let mut sent = drain_packets(&mut a);
    while let Some(d) = a.poll_timeout() {
        a.handle_timeout(d);
        sent.extend(drain_packets(&mut a));
    }
    assert_eq!(sent.len() as u32, MAX_TERMINATE);
    assert!(sent.iter().all(|p| code_of(p) == Code::TerminateRequest));
    assert_eq!(a.state(), State::Closed);
    assert_eq!(drain_events(&mut a).last(), Some(&FsmEvent::Finished));
}

#[test]
fn close_acknowledged_finishes_both_sides() {
    let (mut a, mut b) = opened_pair();
    a.close(secs(1));
    exchange(secs(1), &mut a, &mut b);
    assert_eq!(a.state(), State::Closed);
    assert_eq!(
        drain_events(&mut a),
        vec![FsmEvent::Down, FsmEvent::Finished]
    );
    // RFC 1661 4.1 RTR in Opened: tld, zrc, sta -> Stopping; TO- -> tlf.
    assert_eq!(b.state(), State::Stopping);
    assert_eq!(
        drain_events(&mut b),
        vec![FsmEvent::TerminateRequested, FsmEvent::Down]
    );
    b.handle_timeout(secs(4));
    assert_eq!(b.state(), State::Stopped);
    assert_eq!(drain_events(&mut b), vec![FsmEvent::Finished]);
}

#[test]
fn closed_state_answers_configure_request_with_terminate_ack() {
    let mut f = Fsm::new(Toy::new(1500), 1);
    f.up(T0);
    assert_eq!(f.state(), State::Closed);
    let req = hex::decode("0109000801040578").unwrap();
    f.handle_packet(T0, &req).unwrap();
    assert_eq!(
        drain_packets(&mut f),
        vec![hex::decode("06090004").unwrap()]
    );
}

#[test]
fn unknown_code_gets_code_reject() {
    let (mut a, _b) = opened_pair();
    a.handle_packet(T0, &hex::decode("0e050006abcd").unwrap())
        .unwrap();
    let p = drain_packets(&mut a);
    assert_eq!(p.len(), 1);
    assert_eq!(code_of(&p[0]), Code::CodeReject);
    assert_eq!(&p[0][4..], hex::decode("0e050006abcd").unwrap().as_slice());
    assert!(a.is_opened());
}

#[test]
fn code_reject_of_configure_request_is_catastrophic() {
    let mut f = started(1500);
    drain_packets(&mut f);
    f.handle_packet(T0, &hex::decode("070100080101000401").unwrap()[..8])
        .unwrap();
    assert_eq!(f.state(), State::Stopped);
    assert!(drain_events(&mut f).contains(&FsmEvent::Finished));
}

#[test]
fn echo_request_answered_in_opened_with_magic_number() {
    let (mut a, _b) = opened_pair();
    a.handle_packet(T0, &hex::decode("0903000a11223344abcd").unwrap())
        .unwrap();
    assert_eq!(
        drain_packets(&mut a),
        vec![hex::decode("0a03000adeadbeefabcd").unwrap()]
    );
}

#[test]
fn protocol_reject_reported_and_sent_only_when_opened() {
    let mut f = started(1500);
    drain_packets(&mut f);
    f.send_protocol_reject(0x8057, &[1, 2]);
    assert!(drain_packets(&mut f).is_empty());
    let (mut a, _b) = opened_pair();
    a.send_protocol_reject(0x8057, &[1, 2]);
    let p = drain_packets(&mut a);
    assert_eq!(&p[0][4..], &[0x80, 0x57, 1, 2]);
    a.handle_packet(T0, &hex::decode("0801000680fd").unwrap())
        .unwrap();
    assert_eq!(
        drain_events(&mut a),
        vec![FsmEvent::ProtocolRejected(0x80fd)]
    );
    assert!(a.is_opened());
}

#[test]
fn required_option_rejected_gives_up_and_closes() {
    let mut f = Fsm::new(
        Toy {
            mru: 1500,
            required: true,
            ..Toy::default()
        },
        1,
    );
    f.open(T0);
    f.up(T0);
    let mut rej = drain_packets(&mut f).remove(0);
    rej[0] = 4;
    f.handle_packet(T0, &rej).unwrap();
    assert_eq!(f.state(), State::Closing);
    assert!(drain_events(&mut f).contains(&FsmEvent::Failed));
    assert_eq!(code_of(&drain_packets(&mut f)[0]), Code::TerminateRequest);
}

#[test]
fn lost_configure_ack_recovered_by_restart_timer() {
    let mut a = started(1500);
    let mut b = started(1400);
    // a's first request is lost.
    drain_packets(&mut a);
    exchange(T0, &mut a, &mut b);
    assert_eq!(a.state(), State::AckSent);
    assert_eq!(b.state(), State::AckRcvd);
    a.handle_timeout(secs(3));
    exchange(secs(3), &mut a, &mut b);
    assert!(a.is_opened() && b.is_opened());
}

#[test]
fn down_in_opened_signals_layer_down_and_restarts_on_up() {
    let (mut a, _b) = opened_pair();
    a.down(T0);
    assert_eq!(a.state(), State::Starting);
    assert_eq!(drain_events(&mut a), vec![FsmEvent::Down]);
    a.up(secs(1));
    assert_eq!(a.state(), State::ReqSent);
    assert_eq!(drain_packets(&mut a).len(), 1);
}

#[test]
fn packets_before_up_are_ignored_and_garbage_is_an_error() {
    let mut f = Fsm::new(Toy::new(1500), 1);
    f.handle_packet(T0, &hex::decode("0101000801040578").unwrap())
        .unwrap();
    assert!(drain_packets(&mut f).is_empty());
    assert!(f.handle_packet(T0, &[1, 1, 0]).is_err());
}

mod robustness {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn random_packets_never_panic(packets in proptest::collection::vec(
            proptest::collection::vec(any::<u8>(), 0..32), 0..32)) {
            let mut f = started(1500);
            let mut t = T0;
            for p in &packets {
                let _ = f.handle_packet(t, p);
                t += Duration::from_millis(700);
                f.handle_timeout(t);
                while f.poll_transmit().is_some() {}
                while f.poll_event().is_some() {}
            }
        }
    }
}
