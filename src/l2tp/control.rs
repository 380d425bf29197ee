//! Reliable delivery of control messages on one tunnel (RFC 2661 5.8):
//! Ns/Nr numbering, the peer's receive window, retransmission with backoff,
//! delayed ZLB acknowledgements, duplicates acknowledged and dropped.
//!
//! The channel knows nothing of message semantics; the tunnel above it
//! decides what to send and what a delivered message means.

use super::PeerAddr;
use std::collections::VecDeque;
use std::time::Duration;

use crate::timer::{TimerKind, TimerTable};
use crate::wire::l2tp::{Avp, ControlRepr, MessageType};

/// Delay before each retransmission; the last entry is also how long to wait
/// after the final resend before the tunnel fails. [MODEL] WINDOWS.md 5:
/// 1, 2, 4, 8, 8 s (RFC 2661 5.8 recommends exponential backoff with a cap
/// of at least 8 s and at least 5 retransmissions).
pub const RETRANSMIT_DELAYS: [Duration; 6] = [
    Duration::from_secs(1),
    Duration::from_secs(2),
    Duration::from_secs(4),
    Duration::from_secs(8),
    Duration::from_secs(8),
    Duration::from_secs(8),
];
/// Retransmissions before the tunnel fails (RFC 2661 5.8, WINDOWS.md 5).
pub const MAX_RETRANSMITS: u8 = 5;
/// How long an in-sequence message waits for a reply to piggyback its ack
/// before a ZLB goes out (RFC 2661 5.8 suggests a fraction of the
/// retransmission timeout; a quarter of the first one).
pub const ACK_DELAY: Duration = Duration::from_millis(250);
/// Receive window assumed when the peer sends no Receive Window Size AVP
/// (RFC 2661 4.4.3).
pub const DEFAULT_PEER_WINDOW: u16 = 4;

/// `a` precedes `b` in sequence-number space (RFC 2661 5.8: a value is
/// "less" when up to 32767 behind).
pub fn seq_lt(a: u16, b: u16) -> bool {
    let d = b.wrapping_sub(a);
    d != 0 && d < 0x8000
}

/// A message handed to the channel (everything but Ns/Nr).
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub tunnel_id: u16,
    pub session_id: u16,
    pub message_type: MessageType,
    pub avps: Vec<Avp>,
}

#[derive(Debug, Clone)]
struct InFlight {
    ns: u16,
    msg: Outgoing,
    retransmits: u8,
    /// When this message is resent; `Timer::Retransmit` runs to the
    /// earliest of these.
    deadline: Duration,
}

/// The channel's timers. `handle_timeout` looks at them in this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Timer {
    /// The earliest retransmission of a message in flight (RFC 2661 5.8).
    Retransmit,
    /// The delayed acknowledgement: a ZLB unless a message carries our Nr
    /// first (RFC 2661 5.8).
    Ack,
}

crate::timer::timer_kind!(Timer, 2);

/// What to do with a received control message's Ns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// In sequence: process it.
    New,
    /// A ZLB: only its Nr mattered.
    Zlb,
    /// Already received: acknowledged again and dropped (RFC 2661 5.8).
    Duplicate,
    /// Ahead of the next expected Ns: dropped, the peer will resend.
    Ahead,
}

/// A retransmission that happened, for `Event::Retransmitted`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Resent {
    pub ns: u16,
    pub message_type: MessageType,
}

/// The oldest message was retransmitted `MAX_RETRANSMITS` times and not
/// acknowledged within the last delay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exhausted;

#[derive(Debug, Clone)]
pub struct ControlChannel {
    peer: PeerAddr,
    /// The peer's tunnel id, for ZLBs (0 until known).
    pub peer_tunnel_id: u16,
    /// Ns of the next new message (RFC 2661 5.8).
    ns: u16,
    /// Ns expected next from the peer; our Nr.
    nr: u16,
    peer_window: u16,
    in_flight: VecDeque<InFlight>,
    waiting: VecDeque<Outgoing>,
    timers: TimerTable<Timer, { Timer::COUNT }>,
}

impl ControlChannel {
    pub fn new(peer: impl Into<PeerAddr>, peer_tunnel_id: u16) -> Self {
        ControlChannel {
            peer: peer.into(),
            peer_tunnel_id,
            ns: 0,
            nr: 0,
            peer_window: DEFAULT_PEER_WINDOW,
            in_flight: VecDeque::new(),
            waiting: VecDeque::new(),
            timers: TimerTable::new(),
        }
    }

    pub fn peer(&self) -> PeerAddr {
        self.peer
    }

    /// Replies follow the lower layer's context of the last datagram heard.
    pub fn set_context(&mut self, context: u16) {
        self.peer.context = context;
    }

    /// From the peer's Receive Window Size AVP; 0 is treated as 1 so the
    /// tunnel can make progress.
    pub fn set_peer_window(&mut self, window: u16) {
        self.peer_window = window.max(1);
    }

    /// Nothing sent is still waiting for an acknowledgement.
    pub fn all_acked(&self) -> bool {
        self.in_flight.is_empty() && self.waiting.is_empty()
    }

    /// Queues a message; it goes out now if the peer's window has room.
    pub fn send(&mut self, now: Duration, msg: Outgoing, out: &mut VecDeque<(PeerAddr, Vec<u8>)>) {
        self.waiting.push_back(msg);
        self.fill_window(now, out);
    }

    fn fill_window(&mut self, now: Duration, out: &mut VecDeque<(PeerAddr, Vec<u8>)>) {
        while self.in_flight.len() < usize::from(self.peer_window) {
            let Some(msg) = self.waiting.pop_front() else {
                break;
            };
            let ns = self.ns;
            self.ns = self.ns.wrapping_add(1);
            self.emit(ns, &msg, out);
            self.in_flight.push_back(InFlight {
                ns,
                msg,
                retransmits: 0,
                deadline: now + RETRANSMIT_DELAYS[0],
            });
        }
        self.rearm_retransmit();
    }

    /// `Timer::Retransmit` runs to the earliest deadline in flight, and
    /// only while something is in flight.
    fn rearm_retransmit(&mut self) {
        match self.in_flight.iter().map(|f| f.deadline).min() {
            Some(at) => self.timers.set(Timer::Retransmit, at),
            None => self.timers.stop(Timer::Retransmit),
        }
    }

    /// Emits with the current Nr, which also acknowledges (piggybacks).
    fn emit(&mut self, ns: u16, msg: &Outgoing, out: &mut VecDeque<(PeerAddr, Vec<u8>)>) {
        let repr = ControlRepr {
            tunnel_id: msg.tunnel_id,
            session_id: msg.session_id,
            ns,
            nr: self.nr,
            message_type: Some(msg.message_type),
            avps: msg.avps.clone(),
        };
        // Our own messages stay far below the length limits.
        if let Ok(bytes) = repr.to_bytes() {
            out.push_back((self.peer, bytes));
        }
        self.timers.stop(Timer::Ack);
    }

    /// Forgets everything unsent or unacknowledged: the peer has cleared
    /// the tunnel (RFC 2661 5.7), retransmitting would be useless.
    pub fn abandon(&mut self) {
        self.in_flight.clear();
        self.waiting.clear();
        self.rearm_retransmit();
    }

    /// Sends a ZLB acknowledgement now (RFC 2661 5.8).
    pub fn send_zlb(&mut self, out: &mut VecDeque<(PeerAddr, Vec<u8>)>) {
        let repr = ControlRepr {
            tunnel_id: self.peer_tunnel_id,
            session_id: 0,
            ns: self.ns,
            nr: self.nr,
            message_type: None,
            avps: Vec::new(),
        };
        if let Ok(bytes) = repr.to_bytes() {
            out.push_back((self.peer, bytes));
        }
        self.timers.stop(Timer::Ack);
    }

    /// Processes a received message's Nr (acknowledging what we sent) and
    /// classifies its Ns.
    pub fn receive(
        &mut self,
        now: Duration,
        ns: u16,
        nr: u16,
        zlb: bool,
        out: &mut VecDeque<(PeerAddr, Vec<u8>)>,
    ) -> Delivery {
        // RFC 2661 5.8: Nr acknowledges every message with a lower Ns. An Nr
        // beyond what we sent is ignored by the comparison below.
        while let Some(f) = self.in_flight.front() {
            if seq_lt(f.ns, nr) && !seq_lt(self.ns, nr) {
                self.in_flight.pop_front();
            } else {
                break;
            }
        }
        self.fill_window(now, out);
        if zlb {
            return Delivery::Zlb;
        }
        if ns == self.nr {
            self.nr = self.nr.wrapping_add(1);
            if !self.timers.is_running(Timer::Ack) {
                self.timers.set(Timer::Ack, now + ACK_DELAY);
            }
            Delivery::New
        } else if seq_lt(ns, self.nr) {
            // The peer missed our ack: acknowledge again at once.
            self.send_zlb(out);
            Delivery::Duplicate
        } else {
            Delivery::Ahead
        }
    }

    #[must_use]
    pub fn poll_timeout(&self) -> Option<Duration> {
        self.timers.next_timeout()
    }

    /// Retransmits what is due, then sends a pending ZLB (unless a
    /// retransmission carried the ack); `Err` when the retransmissions are
    /// exhausted.
    pub fn handle_timeout(
        &mut self,
        now: Duration,
        out: &mut VecDeque<(PeerAddr, Vec<u8>)>,
        resent: &mut Vec<Resent>,
    ) -> Result<(), Exhausted> {
        if self.timers.take_due(Timer::Retransmit, now) {
            let result = self.retransmit_due(now, out, resent);
            self.rearm_retransmit();
            result?;
        }
        if self.timers.take_due(Timer::Ack, now) {
            self.send_zlb(out);
        }
        Ok(())
    }

    /// Resends, in order, each message in flight whose deadline has come.
    fn retransmit_due(
        &mut self,
        now: Duration,
        out: &mut VecDeque<(PeerAddr, Vec<u8>)>,
        resent: &mut Vec<Resent>,
    ) -> Result<(), Exhausted> {
        for i in 0..self.in_flight.len() {
            let Some(f) = self.in_flight.get(i) else {
                break;
            };
            if f.deadline > now {
                continue;
            }
            if f.retransmits >= MAX_RETRANSMITS {
                return Err(Exhausted);
            }
            let (ns, msg) = (f.ns, f.msg.clone());
            self.emit(ns, &msg, out);
            resent.push(Resent {
                ns,
                message_type: msg.message_type,
            });
            if let Some(f) = self.in_flight.get_mut(i) {
                f.retransmits += 1;
                f.deadline = now + RETRANSMIT_DELAYS[usize::from(f.retransmits)];
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::SocketAddrV4;

    #[test]
    fn sequence_comparison_wraps() {
        assert!(seq_lt(0, 1));
        assert!(seq_lt(0xffff, 0));
        assert!(!seq_lt(1, 0));
        assert!(!seq_lt(5, 5));
        assert!(seq_lt(0, 0x7fff));
        assert!(!seq_lt(0, 0x8000));
    }

    fn msg() -> Outgoing {
        Outgoing {
            tunnel_id: 7,
            session_id: 0,
            message_type: MessageType::Hello,
            avps: Vec::new(),
        }
    }

    #[test]
    fn window_limits_messages_in_flight_until_acked() {
        let peer = SocketAddrV4::new([10, 0, 0, 1].into(), 1701);
        let mut ch = ControlChannel::new(peer, 7);
        ch.set_peer_window(2);
        let mut out = VecDeque::new();
        for _ in 0..3 {
            ch.send(Duration::ZERO, msg(), &mut out);
        }
        assert_eq!(out.len(), 2);
        out.clear();
        // A ZLB acknowledging Ns 0 opens the window for Ns 2.
        assert_eq!(
            ch.receive(Duration::ZERO, 0, 1, true, &mut out),
            Delivery::Zlb
        );
        assert_eq!(out.len(), 1);
        let sent = ControlRepr::parse_bytes(&out[0].1).unwrap();
        assert_eq!(sent.ns, 2);
        // An Nr beyond anything sent acknowledges nothing.
        out.clear();
        assert_eq!(
            ch.receive(Duration::ZERO, 0, 9, true, &mut out),
            Delivery::Zlb
        );
        assert!(!ch.all_acked());
    }

    #[test]
    fn duplicate_is_acked_at_once_and_in_sequence_ack_is_delayed() {
        let peer = SocketAddrV4::new([10, 0, 0, 1].into(), 1701);
        let mut ch = ControlChannel::new(peer, 7);
        let mut out = VecDeque::new();
        let t = Duration::from_secs(1);
        assert_eq!(ch.receive(t, 0, 0, false, &mut out), Delivery::New);
        assert!(out.is_empty());
        assert_eq!(ch.poll_timeout(), Some(t + ACK_DELAY));
        assert_eq!(ch.receive(t, 0, 0, false, &mut out), Delivery::Duplicate);
        assert_eq!(out.len(), 1);
        assert_eq!(ch.poll_timeout(), None);
        assert_eq!(ch.receive(t, 5, 0, false, &mut out), Delivery::Ahead);
    }
}
