//! System log events of source IPSec (WINDOWS.md 4), aggregated the way the
//! driver reports packet failures: [MODEL] one event per (event id, peer)
//! per 5 simulated minutes carrying the count, and whatever is pending when
//! the run ends (`flush`).

use core::net::Ipv4Addr;
use core::time::Duration;
use std::collections::{BTreeMap, VecDeque};

/// 4283 "Received %2 packet(s) with a bad Security Parameters Index from %3."
pub const EVENT_BAD_SPI: u32 = 4283;
/// 4284 "Received %2 packet(s) in the clear from %3 which should have been secured."
pub const EVENT_CLEAR_TEXT: u32 = 4284;
/// 4285 "Failed to authenticate the hash for %2 packet(s) received from %3."
pub const EVENT_HASH_FAILED: u32 = 4285;
/// 4286 "Received %2 packet(s) from %3 with invalid packet syntax."
pub const EVENT_INVALID_SYNTAX: u32 = 4286;

/// [MODEL] Aggregation interval (WINDOWS.md 4).
pub const AGGREGATION_INTERVAL: Duration = Duration::from_secs(5 * 60);

/// One System event: `count` packets from `peer` failed with reason `id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DriverEvent {
    /// 4283..=4286.
    pub id: u32,
    pub peer: Ipv4Addr,
    pub count: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Pending {
    count: u64,
    /// When the interval opened by the first failure ends.
    due: Duration,
}

/// Counts failures per (id, peer); an interval opens at the first failure
/// and its event comes out when it ends.
#[derive(Debug, Clone, Default)]
pub struct Aggregator {
    pending: BTreeMap<(u32, Ipv4Addr), Pending>,
    ready: VecDeque<DriverEvent>,
}

impl Aggregator {
    pub fn new() -> Self {
        Self::default()
    }

    /// One more failure `id` from `peer` at `now`.
    pub fn record(&mut self, now: Duration, id: u32, peer: Ipv4Addr) {
        self.pending
            .entry((id, peer))
            .and_modify(|p| p.count += 1)
            .or_insert(Pending {
                count: 1,
                due: now + AGGREGATION_INTERVAL,
            });
    }

    /// Emits the events whose interval has ended, oldest first, then by
    /// (id, peer).
    pub fn handle_timeout(&mut self, now: Duration) {
        let mut due: Vec<(Duration, u32, Ipv4Addr, u64)> = self
            .pending
            .iter()
            .filter(|(_, p)| p.due <= now)
            .map(|(&(id, peer), p)| (p.due, id, peer, p.count))
            .collect();
        due.sort();
        for (_, id, peer, count) in due {
            self.pending.remove(&(id, peer));
            self.ready.push_back(DriverEvent { id, peer, count });
        }
    }

    /// Emits what is due at `now`, then everything else pending.
    pub fn flush(&mut self, now: Duration) {
        self.handle_timeout(now);
        for (&(id, peer), p) in &self.pending {
            self.ready.push_back(DriverEvent {
                id,
                peer,
                count: p.count,
            });
        }
        self.pending.clear();
    }

    #[must_use]
    pub fn poll_event(&mut self) -> Option<DriverEvent> {
        self.ready.pop_front()
    }

    #[must_use]
    pub fn poll_timeout(&self) -> Option<Duration> {
        self.pending.values().map(|p| p.due).min()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 1);
    const B: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 2);

    fn s(secs: u64) -> Duration {
        Duration::from_secs(secs)
    }

    #[test]
    fn one_event_per_peer_and_reason_per_five_minutes() {
        let mut g = Aggregator::new();
        assert_eq!(g.poll_timeout(), None);
        g.record(s(10), EVENT_HASH_FAILED, A);
        g.record(s(20), EVENT_HASH_FAILED, A);
        g.record(s(30), EVENT_HASH_FAILED, B);
        g.record(s(40), EVENT_BAD_SPI, A);
        assert_eq!(g.poll_timeout(), Some(s(310)));
        g.handle_timeout(s(309));
        assert_eq!(g.poll_event(), None);
        g.handle_timeout(s(330));
        assert_eq!(
            g.poll_event(),
            Some(DriverEvent {
                id: EVENT_HASH_FAILED,
                peer: A,
                count: 2
            })
        );
        assert_eq!(
            g.poll_event(),
            Some(DriverEvent {
                id: EVENT_HASH_FAILED,
                peer: B,
                count: 1
            })
        );
        assert_eq!(g.poll_event(), None);
        assert_eq!(g.poll_timeout(), Some(s(340)));
        // A new failure after the interval closed opens a new one.
        g.record(s(400), EVENT_HASH_FAILED, A);
        assert_eq!(g.poll_timeout(), Some(s(340)));
        g.handle_timeout(s(340));
        assert_eq!(g.poll_event().map(|e| e.id), Some(EVENT_BAD_SPI));
        assert_eq!(g.poll_timeout(), Some(s(700)));
    }

    #[test]
    fn flush_reports_everything_pending() {
        let mut g = Aggregator::new();
        for _ in 0..3 {
            g.record(s(1), EVENT_CLEAR_TEXT, B);
        }
        g.record(s(2), EVENT_INVALID_SYNTAX, A);
        g.flush(s(60));
        let all: Vec<_> = core::iter::from_fn(|| g.poll_event()).collect();
        assert_eq!(
            all,
            [
                DriverEvent {
                    id: EVENT_CLEAR_TEXT,
                    peer: B,
                    count: 3
                },
                DriverEvent {
                    id: EVENT_INVALID_SYNTAX,
                    peer: A,
                    count: 1
                },
            ]
        );
        assert_eq!(g.poll_timeout(), None);
    }
}
