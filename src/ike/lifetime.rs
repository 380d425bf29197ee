//! SA lifetimes (RFC 2407 4.5: SA Life Type seconds or kilobytes; RFC
//! 2409 4: each side may delete an SA whose lifetime is over): Quick Mode
//! pairs are renewed before they end, by time and by volume, and deleted
//! when they end; an ISAKMP SA is deleted when its lifetime is over, and
//! the next Quick Mode runs a new Main Mode.
//!
//! Windows' values are the policy's (WINDOWS.md 5: Quick Mode 3,600 s and
//! 250,000 KB for L2TP, Main Mode 28,800 s). When a rekey starts is
//! [MODEL]: at nine tenths of the lifetime (time or kilobytes), by the
//! side that initiated the pair, so the two ends never rekey the same
//! pair at once; the old pair stays until its own end, so packets in
//! flight on it still decrypt, and ESP is never without an SA.

use core::time::Duration;

use super::informational::deleted;
use super::state::MmState;
use super::{Ike, IkeEvent, Mode};
use crate::wire::isakmp::ProtocolId;

impl Ike {
    /// The next time an SA's lifetime needs attention.
    pub(super) fn lifetime_deadline(&self) -> Option<Duration> {
        let quick = self.sas.iter().flat_map(|q| {
            let soft = (q.initiator && !q.superseded && !q.rekeying)
                .then(|| q.life.soft_at())
                .flatten();
            soft.into_iter().chain(q.life.hard_at())
        });
        let main = self
            .mains
            .iter()
            .filter(|m| m.state == MmState::Up)
            .filter_map(|m| m.expires);
        quick.chain(main).min()
    }

    /// Renews the pairs whose soft lifetime is over, deletes those whose
    /// lifetime is, then the ISAKMP SAs whose lifetime is.
    pub(super) fn lifetime_timeouts(&mut self, now: Duration) {
        let due: Vec<usize> = (0..self.sas.len())
            .filter(|&k| {
                let q = &self.sas[k];
                q.initiator
                    && !q.superseded
                    && !q.rekeying
                    && q.life.soft_at().is_some_and(|t| t <= now)
            })
            .collect();
        for k in due {
            self.rekey(now, k);
        }
        while let Some(k) = self
            .sas
            .iter()
            .position(|q| q.life.hard_at().is_some_and(|t| t <= now))
        {
            self.end_quick(k);
        }
        while let Some(i) = self
            .mains
            .iter()
            .position(|m| m.state == MmState::Up && m.expires.is_some_and(|t| t <= now))
        {
            self.end_main(i);
        }
    }

    /// The driver's count of bytes through the SA `spi` (either way):
    /// past nine tenths of its kilobytes the initiator renews the pair;
    /// past all of them the pair ends.
    pub fn handle_volume(&mut self, now: Duration, spi: u32, bytes: u64) {
        let Some(k) = self
            .sas
            .iter()
            .position(|q| q.inbound_spi == spi || q.outbound_spi == spi)
        else {
            return;
        };
        let q = &mut self.sas[k];
        q.bytes = q.bytes.max(bytes);
        if q.life.volume_reached(q.bytes, false) {
            self.end_quick(k);
        } else if q.initiator
            && !q.superseded
            && !q.rekeying
            && q.life.volume_reached(q.bytes, true)
        {
            self.rekey(now, k);
        }
    }

    /// A new Quick Mode for the pair's peer and rule, over its Main Mode
    /// if that is still up, else after a new one.
    fn rekey(&mut self, now: Duration, k: usize) {
        let Some(q) = self.sas.get_mut(k) else { return };
        q.rekeying = true;
        let (local, peer, rule) = (q.local, q.peer, q.rule);
        tracing::debug!(target: crate::trace::IKE, %peer, rule, "quick mode rekey");
        self.acquire_from(now, local, peer, rule);
    }

    /// The pair's lifetime is over: an Informational Delete under a Main
    /// Mode still up with the peer (its own, or a newer one), then it is
    /// gone on this side.
    fn end_quick(&mut self, k: usize) {
        let q = self.sas.remove(k);
        let under = self
            .mains
            .iter()
            .position(|m| {
                m.state == MmState::Up && m.icookie == q.icookie && m.rcookie == q.rcookie
            })
            .or_else(|| {
                self.mains
                    .iter()
                    .position(|m| m.state == MmState::Up && m.peer() == q.peer)
            });
        if let Some(i) = under {
            self.send_delete(i, ProtocolId::Esp, q.inbound_spi.to_be_bytes().to_vec());
        }
        self.events.push_back(deleted(&q));
    }

    /// The ISAKMP SA's lifetime is over: Delete, then gone. The Quick
    /// Mode pairs it made live on (RFC 2409 does not tie them to it).
    fn end_main(&mut self, i: usize) {
        let spi = self.mains[i].cookies();
        self.send_delete(i, ProtocolId::Isakmp, spi);
        let m = self.mains.remove(i);
        self.quicks
            .retain(|x| !(x.icookie == m.icookie && x.rcookie == m.rcookie));
        self.events.push_back(IkeEvent::Deleted {
            peer: m.peer(),
            mode: Mode::Main,
            inbound_spi: None,
            outbound_spi: None,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use super::super::state::Lifetime;

    #[test]
    fn soft_lifetime_is_nine_tenths_of_time_and_volume() {
        let l = Lifetime {
            up_at: Duration::from_secs(10),
            secs: 3600,
            kb: 250_000,
        };
        assert_eq!(l.soft_at(), Some(Duration::from_secs(10 + 3240)));
        assert_eq!(l.hard_at(), Some(Duration::from_secs(3610)));
        let unlimited = Lifetime { secs: 0, ..l };
        assert_eq!((unlimited.soft_at(), unlimited.hard_at()), (None, None));
        assert!(!l.volume_reached(230_399_999, true));
        assert!(l.volume_reached(230_400_000, true));
        assert!(!l.volume_reached(255_999_999, false));
        assert!(l.volume_reached(256_000_000, false));
        let no_kb = Lifetime { kb: 0, ..l };
        assert!(!no_kb.volume_reached(u64::MAX, false));
    }
}
