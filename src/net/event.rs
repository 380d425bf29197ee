//! The event-driven engine (the default): one queue of arrivals, keyed by
//! (instant, receiving host, `ArrivalKey`), and each machine's own timer;
//! the clock jumps to the earliest instant that has something to do, so
//! an idle second costs nothing. The order within an instant is the one
//! `link` defines, the same as on turmoil.

use core::cell::RefCell;
use core::time::Duration;
use std::collections::BTreeMap;
use std::rc::Rc;

use super::link::{Arrival, ArrivalKey, Network};
use super::machine::Machine;

type QueueKey = (Duration, usize, ArrivalKey);

#[derive(Default)]
pub(crate) struct EventLoop {
    queue: BTreeMap<QueueKey, (usize, Vec<u8>)>,
    /// The first instant not yet run (turmoil's `elapsed`).
    elapsed: Duration,
}

impl EventLoop {
    pub fn elapsed(&self) -> Duration {
        self.elapsed
    }

    /// Runs every instant before `until`, or until `stop` is true after
    /// one; returns the first instant not run. Every host takes a turn at
    /// the first instant, so what a machine queued between two runs
    /// (a timeline action) leaves then.
    pub fn run(
        &mut self,
        net: &mut Network,
        machines: &[Rc<RefCell<dyn Machine>>],
        until: Duration,
        stop: &mut dyn FnMut(Duration) -> bool,
    ) -> Duration {
        let tick = net.tick();
        let mut everyone = true;
        loop {
            let now = self.elapsed;
            let next = if everyone {
                Some(now)
            } else {
                self.next_instant(net, machines)
            };
            let Some(t) = next.filter(|&t| t < until) else {
                self.elapsed = self.elapsed.max(net.ceil_tick(until));
                return self.elapsed;
            };
            for (host, m) in machines.iter().enumerate() {
                let due = self.take_due(t, host);
                let mut m = m.borrow_mut();
                let timer_due = m.poll_timeout().is_some_and(|d| d <= t);
                if everyone || timer_due || !due.is_empty() {
                    let queue = &mut self.queue;
                    net.turn(host, &mut *m, t, due, &mut |a: Arrival| {
                        queue.insert((a.key.at, a.host, a.key), (a.iface, a.packet));
                    });
                }
            }
            everyone = false;
            self.elapsed = t + tick;
            if stop(self.elapsed) {
                return self.elapsed;
            }
        }
    }

    /// The earliest instant, not before `elapsed`, at which an arrival or
    /// a timer is due.
    fn next_instant(
        &self,
        net: &Network,
        machines: &[Rc<RefCell<dyn Machine>>],
    ) -> Option<Duration> {
        let arrival = self.queue.keys().next().map(|k| k.0);
        let timers = machines.iter().filter_map(|m| {
            let t = m.borrow().poll_timeout()?;
            Some(net.ceil_tick(t).max(self.elapsed))
        });
        arrival.into_iter().chain(timers).min()
    }

    fn take_due(&mut self, at: Duration, host: usize) -> Vec<Arrival> {
        let mut due = Vec::new();
        while let Some(e) = self.queue.first_entry() {
            let (t, h, key) = *e.key();
            if t != at || h != host {
                break;
            }
            let (iface, packet) = e.remove();
            due.push(Arrival {
                key,
                host,
                iface,
                packet,
            });
        }
        due
    }
}
