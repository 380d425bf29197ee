//! The PPP option negotiation automaton (RFC 1661 4), shared by LCP, IPCP
//! and CCP. Sans-IO: packets in through `handle_packet`, control packets
//! (code, id, length, data: without the PPP protocol field) out through
//! `poll_transmit`, layer events (This-Layer-Up/Down/Started/Finished)
//! through `poll_event`, one Restart timer through `poll_timeout`.
//!
//! What differs between protocols is the option policy (`Policy`): which
//! options to request, how to judge the peer's request, and how to adapt to
//! the peer's Nak or Reject.

use std::collections::VecDeque;
use std::time::Duration;

use crate::timer::{TimerKind, TimerTable};
use crate::wire::ppp::lcp::{options_to_vec, parse_options, Code, PppOption, Repr};
use crate::wire::WireError;

/// RFC 1661 4.6: Restart timer, default 3 seconds.
pub const RESTART_INTERVAL: Duration = Duration::from_secs(3);
/// RFC 1661 4.6: Configure-Requests sent without a valid reply.
pub const MAX_CONFIGURE: u32 = 10;
/// RFC 1661 4.6: Terminate-Requests sent without a Terminate-Ack.
pub const MAX_TERMINATE: u32 = 2;
/// RFC 1661 4.6: Configure-Naks sent without an Ack before Naks turn
/// into Rejects.
pub const MAX_FAILURE: u32 = 5;

/// RFC 1661 4.2 states.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Initial,
    Starting,
    Closed,
    Stopped,
    Closing,
    Stopping,
    ReqSent,
    AckRcvd,
    AckSent,
    Opened,
}

impl State {
    /// RFC 1661 4.6: the states in which the Restart timer runs.
    fn timer_runs(self) -> bool {
        matches!(
            self,
            State::Closing | State::Stopping | State::ReqSent | State::AckRcvd | State::AckSent
        )
    }
}

/// The automaton's one timer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Timer {
    /// RFC 1661 4.6: the Restart timer, running in `State::timer_runs`.
    Restart,
}

crate::timer::timer_kind!(Timer, 1);

/// The policy's judgement of one option of the peer's Configure-Request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict<O> {
    Ack,
    /// Acceptable with another value (RFC 1661 5.3).
    Nak(O),
    /// Not negotiable at all (RFC 1661 5.4).
    Reject,
}

/// Whether our side can still converge after a Nak or Reject.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    Continue,
    /// A required option was refused: the automaton closes (an
    /// administrative Close, RFC 1661 4.3) and reports `FsmEvent::Failed`.
    GiveUp,
}

/// A protocol's option policy.
pub trait Policy {
    type Opt: PppOption;
    /// LCP handles Protocol-Reject, Echo and Discard (RFC 1661 5.7-5.9);
    /// for the NCPs those codes are unknown and get a Code-Reject.
    const IS_LCP: bool = false;
    /// The options of our next Configure-Request.
    fn request(&mut self) -> Vec<Self::Opt>;
    /// One option of the peer's Configure-Request.
    fn judge(&mut self, opt: &Self::Opt) -> Verdict<Self::Opt>;
    /// We are sending a Configure-Ack for these options: they are the peer's.
    fn peer_request_acked(&mut self, opts: &[Self::Opt]);
    /// The peer acknowledged our request.
    fn request_acked(&mut self, _opts: &[Self::Opt]) {}
    /// The peer's Configure-Nak suggestions, for our next request.
    fn nak_received(&mut self, suggested: &[Self::Opt]) -> Progress;
    /// The options the peer's Configure-Reject removed.
    fn reject_received(&mut self, rejected: &[Self::Opt]) -> Progress;
    /// Codes beyond 1-7 that the protocol accepts and ignores (CCP
    /// Reset-Request/Ack, RFC 1962 2; unused in MPPE stateless mode).
    fn ignores_code(&self, _code: u8) -> bool {
        false
    }
    /// Our Magic-Number for Echo-Reply (RFC 1661 5.8), LCP only.
    fn magic_number(&self) -> u32 {
        0
    }
}

/// What the automaton tells its user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FsmEvent {
    /// This-Layer-Up (tlu).
    Up,
    /// This-Layer-Down (tld).
    Down,
    /// This-Layer-Started (tls): the lower layer is needed.
    Started,
    /// This-Layer-Finished (tlf): the lower layer is no longer needed.
    Finished,
    /// The policy gave up on a refused option; a Close follows.
    Failed,
    /// The peer sent a Terminate-Request (RFC 1661 5.5).
    TerminateRequested,
    /// LCP: the peer rejected this protocol (RFC 1661 5.7).
    ProtocolRejected(u16),
    /// A Configure- or Terminate-Request was sent again on timeout.
    Retransmitted { code: u8, id: u8 },
}

/// RFC 1661 4 automaton over a policy.
#[derive(Clone, Debug)]
pub struct Fsm<P: Policy> {
    policy: P,
    state: State,
    restart_count: u32,
    /// Configure-Naks sent since the last Configure-Ack (RFC 1661 4.6).
    failure_count: u32,
    timers: TimerTable<Timer, { Timer::COUNT }>,
    next_id: u8,
    /// Our outstanding Configure-Request: identifier and options bytes.
    request: Option<(u8, Vec<u8>)>,
    terminate_id: u8,
    transmit: VecDeque<Vec<u8>>,
    events: VecDeque<FsmEvent>,
}

/// A Configure-Request's judgement: the reply to send.
enum Judged {
    /// RCR+: send this Configure-Ack.
    Good(Vec<u8>),
    /// RCR-: send this Configure-Nak or Configure-Reject.
    Bad(Vec<u8>),
}

impl<P: Policy> Fsm<P> {
    /// A new automaton in the Initial state. `first_id` seeds identifiers.
    pub fn new(policy: P, first_id: u8) -> Self {
        Fsm {
            policy,
            state: State::Initial,
            restart_count: 0,
            failure_count: 0,
            timers: TimerTable::new(),
            next_id: first_id,
            request: None,
            terminate_id: 0,
            transmit: VecDeque::new(),
            events: VecDeque::new(),
        }
    }

    pub fn state(&self) -> State {
        self.state
    }

    pub fn is_opened(&self) -> bool {
        self.state == State::Opened
    }

    pub fn policy(&self) -> &P {
        &self.policy
    }

    pub fn policy_mut(&mut self) -> &mut P {
        &mut self.policy
    }

    #[must_use]
    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        self.transmit.pop_front()
    }

    #[must_use]
    pub fn poll_event(&mut self) -> Option<FsmEvent> {
        self.events.pop_front()
    }

    #[must_use]
    pub fn poll_timeout(&self) -> Option<Duration> {
        self.timers.next_timeout()
    }

    // ----- events from the lower layer and the administrator (RFC 1661 4.3)

    /// Up: the lower layer is ready.
    pub fn up(&mut self, now: Duration) {
        match self.state {
            State::Initial => self.set(State::Closed),
            State::Starting => {
                self.failure_count = 0;
                self.irc(MAX_CONFIGURE);
                self.scr(now, false);
                self.set(State::ReqSent);
            }
            _ => {} // RFC 1661 4.1: illegal event, ignored.
        }
    }

    /// Down: the lower layer went away.
    pub fn down(&mut self, _now: Duration) {
        match self.state {
            State::Closed | State::Closing => self.set(State::Initial),
            State::Stopped => {
                self.emit(FsmEvent::Started);
                self.set(State::Starting);
            }
            State::Stopping | State::ReqSent | State::AckRcvd | State::AckSent => {
                self.set(State::Starting)
            }
            State::Opened => {
                self.emit(FsmEvent::Down);
                self.set(State::Starting);
            }
            State::Initial | State::Starting => {}
        }
    }

    /// Open: the administrator allows the link.
    pub fn open(&mut self, now: Duration) {
        match self.state {
            State::Initial => {
                self.emit(FsmEvent::Started);
                self.set(State::Starting);
            }
            State::Closed => {
                self.failure_count = 0;
                self.irc(MAX_CONFIGURE);
                self.scr(now, false);
                self.set(State::ReqSent);
            }
            State::Closing => self.set(State::Stopping),
            // Stopped, Stopping, Opened: "r" (restart option) not used.
            _ => {}
        }
    }

    /// Close: the administrator ends the link.
    pub fn close(&mut self, now: Duration) {
        match self.state {
            State::Starting => {
                self.emit(FsmEvent::Finished);
                self.set(State::Initial);
            }
            State::Stopped => self.set(State::Closed),
            State::Stopping => self.set(State::Closing),
            State::ReqSent | State::AckRcvd | State::AckSent => {
                self.irc(MAX_TERMINATE);
                self.str(now, false);
                self.set(State::Closing);
            }
            State::Opened => {
                self.emit(FsmEvent::Down);
                self.irc(MAX_TERMINATE);
                self.str(now, false);
                self.set(State::Closing);
            }
            State::Initial | State::Closed | State::Closing => {}
        }
    }

    /// The Restart timer (RFC 1661 4.4 TO+ / TO-).
    pub fn handle_timeout(&mut self, now: Duration) {
        if !self.timers.take_due(Timer::Restart, now) {
            return;
        }
        if self.restart_count > 0 {
            match self.state {
                State::Closing | State::Stopping => self.str(now, true),
                State::ReqSent | State::AckRcvd => {
                    self.scr(now, true);
                    self.set(State::ReqSent);
                }
                State::AckSent => self.scr(now, true),
                _ => {}
            }
        } else {
            match self.state {
                State::Closing => {
                    self.emit(FsmEvent::Finished);
                    self.set(State::Closed);
                }
                State::Stopping | State::ReqSent | State::AckRcvd | State::AckSent => {
                    self.emit(FsmEvent::Finished);
                    self.set(State::Stopped);
                }
                _ => {}
            }
        }
    }

    /// RXJ from outside the automaton: the peer Protocol-Rejected this
    /// protocol (RFC 1661 5.7): always catastrophic (RXJ-).
    pub fn protocol_rejected(&mut self, now: Duration) {
        self.rxj(now, false);
    }

    /// LCP: sends a Protocol-Reject for `protocol` (RFC 1661 5.7, only in
    /// the Opened state). The rejected information is cut to 1400 octets
    /// so that the packet stays within any MRU this crate agrees to.
    pub fn send_protocol_reject(&mut self, protocol: u16, info: &[u8]) {
        if self.state != State::Opened {
            return;
        }
        let mut data = protocol.to_be_bytes().to_vec();
        data.extend_from_slice(info.get(..1400).unwrap_or(info));
        let id = self.take_id();
        self.send(Code::ProtocolReject, id, &data);
    }

    /// LCP: an Identification packet (RFC 1570 1.1): our Magic-Number,
    /// then `message`, with the next identifier.
    pub fn send_identification(&mut self, message: &[u8]) {
        let mut data = self.policy.magic_number().to_be_bytes().to_vec();
        data.extend_from_slice(message);
        let id = self.take_id();
        self.send(Code::Identification, id, &data);
    }

    /// A control packet of this protocol (without the PPP protocol field).
    pub fn handle_packet(&mut self, now: Duration, packet: &[u8]) -> Result<(), WireError> {
        let repr = Repr::parse_bytes(packet)?;
        // RFC 1661 4.1: receive events are illegal before Up.
        if matches!(self.state, State::Initial | State::Starting) {
            return Ok(());
        }
        let id = repr.identifier;
        match repr.code {
            Code::ConfigureRequest => {
                let opts = parse_options::<P::Opt>(repr.data)?;
                self.rcr(now, id, repr.data, &opts);
            }
            Code::ConfigureAck => {
                // RFC 1661 5.2: identifier and options must match exactly.
                if self.matches_request(id, Some(repr.data)) {
                    let opts = parse_options::<P::Opt>(repr.data)?;
                    self.rca(now, &opts);
                }
            }
            Code::ConfigureNak | Code::ConfigureReject => {
                if self.matches_request(id, None) {
                    let opts = parse_options::<P::Opt>(repr.data)?;
                    let progress = if repr.code == Code::ConfigureNak {
                        self.policy.nak_received(&opts)
                    } else {
                        self.policy.reject_received(&opts)
                    };
                    if progress == Progress::GiveUp {
                        self.emit(FsmEvent::Failed);
                        self.request = None;
                        self.close(now);
                    } else {
                        self.rcn(now);
                    }
                }
            }
            Code::TerminateRequest => {
                self.emit(FsmEvent::TerminateRequested);
                self.rtr(now, id);
            }
            Code::TerminateAck => self.rta(now),
            Code::CodeReject => {
                // RFC 1661 5.6: rejecting a code we need to negotiate at all
                // is catastrophic (RXJ-), anything else is tolerable.
                let rejected = repr.data.first().copied().unwrap_or(0);
                let fatal = (1..=7).contains(&rejected);
                self.rxj(now, !fatal);
            }
            Code::ProtocolReject if P::IS_LCP => {
                if let [hi, lo, ..] = repr.data {
                    let protocol = u16::from_be_bytes([*hi, *lo]);
                    self.emit(FsmEvent::ProtocolRejected(protocol));
                    // Protocol-Reject of LCP itself is catastrophic.
                    self.rxj(now, protocol != 0xc021);
                }
            }
            Code::EchoRequest if P::IS_LCP => {
                // RFC 1661 5.8: answered in the Opened state only.
                if self.state == State::Opened && repr.data.len() >= 4 {
                    let mut data = self.policy.magic_number().to_be_bytes().to_vec();
                    data.extend_from_slice(repr.data.get(4..).unwrap_or_default());
                    self.send(Code::EchoReply, id, &data);
                }
            }
            // RFC 1570 1.1: Identification is informational; it is
            // taken in any state and never answered.
            Code::EchoReply | Code::DiscardRequest | Code::Identification if P::IS_LCP => {} // RXR
            Code::Unknown(c) if self.policy.ignores_code(c) => {}
            _ => self.ruc(packet),
        }
        Ok(())
    }

    // ----- receive events (RFC 1661 4.1 state transition table)

    fn rcr(&mut self, now: Duration, id: u8, data: &[u8], opts: &[P::Opt]) {
        let s = self.state;
        if matches!(s, State::Closing | State::Stopping) {
            return;
        }
        if s == State::Closed {
            self.send(Code::TerminateAck, id, &[]);
            return;
        }
        if s == State::Opened {
            self.emit(FsmEvent::Down);
        }
        if s == State::Stopped {
            self.failure_count = 0;
            self.irc(MAX_CONFIGURE);
        }
        if matches!(s, State::Stopped | State::Opened) {
            self.scr(now, false);
        }
        match self.judge(data, opts) {
            Judged::Good(ack) => {
                self.policy.peer_request_acked(opts);
                self.failure_count = 0;
                self.send(Code::ConfigureAck, id, &ack);
                if s == State::AckRcvd {
                    self.emit(FsmEvent::Up);
                    self.set(State::Opened);
                } else {
                    self.set(State::AckSent);
                }
            }
            Judged::Bad(reply) => {
                if let Some(code) = reply.first() {
                    let code = Code::from(*code);
                    if code == Code::ConfigureNak {
                        self.failure_count += 1;
                    }
                    self.send(code, id, reply.get(1..).unwrap_or_default());
                }
                if s == State::AckRcvd {
                    self.set(State::AckRcvd);
                } else {
                    self.set(State::ReqSent);
                }
            }
        }
    }

    /// Builds the reply to a Configure-Request: Reject beats Nak beats Ack
    /// (RFC 1661 5.3-5.4); after Max-Failure Naks, Naks become Rejects
    /// (RFC 1661 4.6). `Bad` holds the code octet then the options.
    fn judge(&mut self, data: &[u8], opts: &[P::Opt]) -> Judged {
        let mut rejected = Vec::new();
        let mut naked_orig = Vec::new();
        let mut naked = Vec::new();
        for o in opts {
            match self.policy.judge(o) {
                Verdict::Ack => {}
                Verdict::Nak(s) => {
                    naked_orig.push(o.clone());
                    naked.push(s);
                }
                Verdict::Reject => rejected.push(o.clone()),
            }
        }
        if rejected.is_empty() && !naked.is_empty() && self.failure_count >= MAX_FAILURE {
            rejected = naked_orig;
            naked.clear();
        }
        let (code, list) = if !rejected.is_empty() {
            (Code::ConfigureReject, rejected)
        } else if !naked.is_empty() {
            (Code::ConfigureNak, naked)
        } else {
            // RFC 1661 5.2: the Ack repeats the options exactly.
            return Judged::Good(data.to_vec());
        };
        let mut out = vec![u8::from(code)];
        out.extend_from_slice(&options_to_vec(&list));
        Judged::Bad(out)
    }

    fn rca(&mut self, now: Duration, opts: &[P::Opt]) {
        match self.state {
            State::Closed | State::Stopped => self.send(Code::TerminateAck, self.next_id, &[]),
            State::ReqSent => {
                self.policy.request_acked(opts);
                self.irc(MAX_CONFIGURE);
                self.set(State::AckRcvd);
            }
            State::AckRcvd => {
                // Crossed connection (6x): start over.
                self.scr(now, false);
                self.set(State::ReqSent);
            }
            State::AckSent => {
                self.policy.request_acked(opts);
                self.irc(MAX_CONFIGURE);
                self.emit(FsmEvent::Up);
                self.set(State::Opened);
            }
            State::Opened => {
                self.emit(FsmEvent::Down);
                self.scr(now, false);
                self.set(State::ReqSent);
            }
            _ => {}
        }
    }

    /// RCN: the policy has already absorbed the Nak or Reject.
    fn rcn(&mut self, now: Duration) {
        match self.state {
            State::Closed | State::Stopped => self.send(Code::TerminateAck, self.next_id, &[]),
            State::ReqSent | State::AckSent => {
                self.irc(MAX_CONFIGURE);
                self.scr(now, false);
            }
            State::AckRcvd => {
                self.scr(now, false);
                self.set(State::ReqSent);
            }
            State::Opened => {
                self.emit(FsmEvent::Down);
                self.scr(now, false);
                self.set(State::ReqSent);
            }
            _ => {}
        }
    }

    fn rtr(&mut self, now: Duration, id: u8) {
        match self.state {
            State::Opened => {
                self.emit(FsmEvent::Down);
                // zrc: one Restart period for the Ack to arrive.
                self.restart_count = 0;
                self.timers.set(Timer::Restart, now + RESTART_INTERVAL);
                self.send(Code::TerminateAck, id, &[]);
                self.set(State::Stopping);
            }
            State::AckRcvd | State::AckSent => {
                self.send(Code::TerminateAck, id, &[]);
                self.set(State::ReqSent);
            }
            State::Initial | State::Starting => {}
            _ => self.send(Code::TerminateAck, id, &[]),
        }
    }

    fn rta(&mut self, now: Duration) {
        match self.state {
            State::Closing => {
                self.emit(FsmEvent::Finished);
                self.set(State::Closed);
            }
            State::Stopping => {
                self.emit(FsmEvent::Finished);
                self.set(State::Stopped);
            }
            State::AckRcvd => self.set(State::ReqSent),
            State::Opened => {
                self.emit(FsmEvent::Down);
                self.scr(now, false);
                self.set(State::ReqSent);
            }
            _ => {}
        }
    }

    fn ruc(&mut self, packet: &[u8]) {
        // RFC 1661 5.6: the rejected packet, within the MRU.
        let data = packet.get(..1400).unwrap_or(packet);
        let id = self.take_id();
        self.send(Code::CodeReject, id, data);
    }

    /// RXJ+ (`tolerable`) or RXJ-.
    fn rxj(&mut self, now: Duration, tolerable: bool) {
        if tolerable {
            if self.state == State::AckRcvd {
                self.set(State::ReqSent);
            }
            return;
        }
        match self.state {
            State::Closed | State::Closing => {
                self.emit(FsmEvent::Finished);
                self.set(State::Closed);
            }
            State::Stopped | State::Stopping | State::ReqSent | State::AckRcvd | State::AckSent => {
                self.emit(FsmEvent::Finished);
                self.set(State::Stopped);
            }
            State::Opened => {
                self.emit(FsmEvent::Down);
                self.irc(MAX_TERMINATE);
                self.str(now, false);
                self.set(State::Stopping);
            }
            State::Initial | State::Starting => {}
        }
    }

    // ----- actions (RFC 1661 4.4)

    fn set(&mut self, state: State) {
        self.state = state;
        if !state.timer_runs() {
            self.timers.stop(Timer::Restart);
        }
    }

    fn emit(&mut self, e: FsmEvent) {
        self.events.push_back(e);
    }

    fn irc(&mut self, max: u32) {
        self.restart_count = max;
    }

    fn take_id(&mut self) -> u8 {
        let id = self.next_id;
        self.next_id = self.next_id.wrapping_add(1);
        id
    }

    fn matches_request(&self, id: u8, data: Option<&[u8]>) -> bool {
        match &self.request {
            Some((rid, rdata)) => *rid == id && data.is_none_or(|d| d == rdata.as_slice()),
            None => false,
        }
    }

    /// scr: a new Configure-Request, or on TO+ the same one again (RFC
    /// 1661 5.1: the identifier may stay for a retransmission).
    fn scr(&mut self, now: Duration, retransmit: bool) {
        let (id, data) = match (&self.request, retransmit) {
            (Some((id, data)), true) => {
                self.events.push_back(FsmEvent::Retransmitted {
                    code: u8::from(Code::ConfigureRequest),
                    id: *id,
                });
                (*id, data.clone())
            }
            _ => {
                let opts = self.policy.request();
                let data = options_to_vec(&opts);
                let id = self.take_id();
                self.request = Some((id, data.clone()));
                (id, data)
            }
        };
        self.send(Code::ConfigureRequest, id, &data);
        self.restart_count = self.restart_count.saturating_sub(1);
        self.timers.set(Timer::Restart, now + RESTART_INTERVAL);
    }

    /// str: Terminate-Request.
    fn str(&mut self, now: Duration, retransmit: bool) {
        if retransmit {
            self.emit(FsmEvent::Retransmitted {
                code: u8::from(Code::TerminateRequest),
                id: self.terminate_id,
            });
        } else {
            self.terminate_id = self.take_id();
        }
        self.send(Code::TerminateRequest, self.terminate_id, &[]);
        self.restart_count = self.restart_count.saturating_sub(1);
        self.timers.set(Timer::Restart, now + RESTART_INTERVAL);
    }

    fn send(&mut self, code: Code, id: u8, data: &[u8]) {
        let repr = Repr {
            code,
            identifier: id,
            data,
        };
        self.transmit.push_back(repr.to_vec());
    }
}

#[cfg(test)]
mod tests;
