//! One call's enhanced-GRE data channel (RFC 2637 4): every data packet
//! carries the next sequence number; the highest number received in order
//! goes back as an acknowledgement, on a data packet when one leaves soon
//! enough, else on its own after `ACK_DELAY`; no more than the peer's
//! receive window of packets is unacknowledged at a time (4.2). Nothing
//! is retransmitted: PPP runs over GRE as over a lossy link.

use core::time::Duration;
use std::collections::VecDeque;

use super::{seq_after, PptpError, ACK_DELAY, MAX_QUEUED};
use crate::timer::{TimerKind, TimerTable};
use crate::wire::gre;

/// The data channel's one timer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Timer {
    /// The acknowledgement owed for `received` goes alone, unless a data
    /// packet carries it first.
    Ack,
}

crate::timer::timer_kind!(Timer, 1);

#[derive(Debug, Clone)]
pub(super) struct DataChannel {
    /// The peer's call id: the key of every packet we send.
    peer_call_id: u16,
    /// The peer's Packet Receive Window Size (at least 1).
    peer_window: u16,
    next_seq: u32,
    /// The highest of our numbers the peer acknowledged.
    peer_acked: Option<u32>,
    /// The highest number received, and whether we owe its ack.
    received: Option<u32>,
    timers: TimerTable<Timer, { Timer::COUNT }>,
    held: VecDeque<Vec<u8>>,
    out: VecDeque<Vec<u8>>,
    pub(super) counters: DataCounters,
}

/// What the data channel sent and received (for diagnostics).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DataCounters {
    pub sent: u64,
    pub received: u64,
    pub acks_alone: u64,
    pub out_of_order: u64,
    pub dropped_queue_full: u64,
}

impl DataChannel {
    pub(super) fn new(peer_call_id: u16, peer_window: u16) -> Self {
        DataChannel {
            peer_call_id,
            peer_window: peer_window.max(1),
            next_seq: 0,
            peer_acked: None,
            received: None,
            timers: TimerTable::new(),
            held: VecDeque::new(),
            out: VecDeque::new(),
            counters: DataCounters::default(),
        }
    }

    /// Packets sent and not yet acknowledged.
    fn in_flight(&self) -> u32 {
        match self.peer_acked {
            Some(a) => self.next_seq.wrapping_sub(a).wrapping_sub(1),
            None => self.next_seq,
        }
    }

    /// Sends a packet carrying `ack`, which pays the acknowledgement owed.
    fn emit(&mut self, seq: Option<u32>, ack: Option<u32>, payload: &[u8]) {
        self.timers.stop(Timer::Ack);
        let repr = gre::Repr {
            call_id: self.peer_call_id,
            seq,
            ack,
            payload,
        };
        // PPP frames are far below GRE's 65,535-octet limit.
        if let Ok(bytes) = repr.emit() {
            self.out.push_back(bytes);
        }
    }

    fn release(&mut self) {
        while self.in_flight() < u32::from(self.peer_window) {
            let Some(frame) = self.held.pop_front() else {
                break;
            };
            let seq = self.next_seq;
            self.next_seq = self.next_seq.wrapping_add(1);
            self.counters.sent += 1;
            // The ack owed, if any, rides on the data.
            let ack = self.timers.get(Timer::Ack).and(self.received);
            self.emit(Some(seq), ack, &frame);
        }
    }

    pub(super) fn send(&mut self, frame: &[u8]) -> Result<(), PptpError> {
        if self.held.len() >= MAX_QUEUED {
            self.counters.dropped_queue_full += 1;
            return Err(PptpError::QueueFull);
        }
        self.held.push_back(frame.to_vec());
        self.release();
        Ok(())
    }

    /// A GRE packet of this call: its acknowledgement opens the window; its
    /// payload, if newer than what came before, is returned.
    pub(super) fn receive(
        &mut self,
        now: Duration,
        packet: &gre::Repr<'_>,
    ) -> Result<Option<Vec<u8>>, PptpError> {
        if let Some(a) = packet.ack {
            if self.peer_acked.is_none_or(|p| seq_after(a, p)) {
                self.peer_acked = Some(a);
            }
            self.release();
        }
        let Some(seq) = packet.seq else {
            return Ok(None);
        };
        if self.received.is_some_and(|r| !seq_after(seq, r)) {
            self.counters.out_of_order += 1;
            return Err(PptpError::OutOfOrder);
        }
        self.received = Some(seq);
        self.counters.received += 1;
        if !self.timers.is_running(Timer::Ack) {
            self.timers.set(Timer::Ack, now + ACK_DELAY);
        }
        Ok(Some(packet.payload.to_vec()))
    }

    #[must_use]
    pub(super) fn poll_timeout(&self) -> Option<Duration> {
        self.timers.next_timeout()
    }

    pub(super) fn handle_timeout(&mut self, now: Duration) {
        if self.timers.take_due(Timer::Ack, now) {
            self.counters.acks_alone += 1;
            self.emit(None, self.received, &[]);
        }
    }

    #[must_use]
    pub(super) fn poll_packet(&mut self) -> Option<Vec<u8>> {
        self.out.pop_front()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    fn parse(b: &[u8]) -> gre::Repr<'_> {
        gre::parse(b).unwrap()
    }

    #[test]
    fn acks_ride_on_data_or_go_alone_after_the_delay() {
        let mut a = DataChannel::new(0x4000, 8);
        let mut b = DataChannel::new(0x8000, 8);
        a.send(b"lcp").unwrap();
        let p = a.poll_packet().unwrap();
        assert_eq!(parse(&p).seq, Some(0));
        assert_eq!(parse(&p).ack, None);
        assert_eq!(b.receive(ms(0), &parse(&p)).unwrap(), Some(b"lcp".to_vec()));
        // B answers within the delay: the ack rides on its data.
        b.send(b"ack").unwrap();
        let q = b.poll_packet().unwrap();
        assert_eq!((parse(&q).seq, parse(&q).ack), (Some(0), Some(0)));
        assert_eq!(b.poll_timeout(), None);
        // A has nothing to say: a lone ack after ACK_DELAY.
        a.receive(ms(10), &parse(&q)).unwrap();
        assert_eq!(a.poll_timeout(), Some(ms(10) + ACK_DELAY));
        a.handle_timeout(ms(10) + ACK_DELAY);
        let lone = a.poll_packet().unwrap();
        assert_eq!((parse(&lone).seq, parse(&lone).ack), (None, Some(0)));
        assert!(parse(&lone).payload.is_empty());
    }

    #[test]
    fn the_peer_window_holds_frames_until_acked() {
        let mut a = DataChannel::new(1, 2);
        for f in [b"1", b"2", b"3"] {
            a.send(f).unwrap();
        }
        assert_eq!(
            std::iter::from_fn(|| a.poll_packet()).count(),
            2,
            "two in flight, the third held"
        );
        let ack = gre::Repr {
            call_id: 2,
            seq: None,
            ack: Some(0),
            payload: &[],
        };
        a.receive(ms(0), &ack).unwrap();
        let third = a.poll_packet().unwrap();
        assert_eq!(parse(&third).seq, Some(2));
        assert_eq!(parse(&third).payload, b"3");
    }

    #[test]
    fn old_and_duplicate_packets_are_dropped_and_counted() {
        let mut b = DataChannel::new(1, 8);
        let data = |seq| gre::Repr {
            call_id: 2,
            seq: Some(seq),
            ack: None,
            payload: b"x",
        };
        assert!(b.receive(ms(0), &data(5)).unwrap().is_some());
        assert_eq!(b.receive(ms(0), &data(5)), Err(PptpError::OutOfOrder));
        assert_eq!(b.receive(ms(0), &data(4)), Err(PptpError::OutOfOrder));
        // Across the wrap of the 32-bit space, newer is newer.
        let mut c = DataChannel::new(1, 8);
        assert!(c.receive(ms(0), &data(u32::MAX)).unwrap().is_some());
        assert!(c.receive(ms(0), &data(0)).unwrap().is_some());
        assert_eq!(b.counters.out_of_order, 2);
    }
}
