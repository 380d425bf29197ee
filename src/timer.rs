//! An engine's timers, quinn-proto's way: each engine names its timers in
//! one `Timer` enum and keeps their deadlines in a `TimerTable`, one slot
//! per variant. Whether a timer is due is decided here only (`take_due`),
//! and the engine's `poll_timeout` is the table's `next_timeout`.
//!
//! Times are `Duration`s since the start of the simulation, like every
//! `now` the engines are given.

use core::marker::PhantomData;
use core::time::Duration;

/// The `Timer` enum of an engine: a fieldless enum whose variants index
/// its table.
pub trait TimerKind: Copy {
    /// How many timers the engine has (its `TimerTable` has as many slots).
    const COUNT: usize;
    /// This timer's slot: its position in the enum (`self as usize`).
    fn index(self) -> usize;
}

/// `TimerKind` for a fieldless `Timer` enum of `$count` variants, whose
/// slot is its position: `timer_kind!(Timer, 2);`.
macro_rules! timer_kind {
    ($timer:ty, $count:expr) => {
        impl $crate::timer::TimerKind for $timer {
            const COUNT: usize = $count;
            fn index(self) -> usize {
                self as usize
            }
        }
    };
}
pub(crate) use timer_kind;

/// One deadline, or none, per timer of `T`; `N` is `T::COUNT`, checked
/// when the table is built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimerTable<T, const N: usize> {
    at: [Option<Duration>; N],
    kind: PhantomData<T>,
}

impl<T: TimerKind, const N: usize> Default for TimerTable<T, N> {
    fn default() -> Self {
        const { assert!(N == T::COUNT, "a TimerTable has one slot per timer") };
        TimerTable {
            at: [None; N],
            kind: PhantomData,
        }
    }
}

impl<T: TimerKind, const N: usize> TimerTable<T, N> {
    /// Every timer stopped.
    pub fn new() -> Self {
        Self::default()
    }

    /// Starts `t`, or moves it, to fire at `at`.
    pub fn set(&mut self, t: T, at: Duration) {
        self.at[t.index()] = Some(at);
    }

    pub fn stop(&mut self, t: T) {
        self.at[t.index()] = None;
    }

    /// When `t` fires, if it runs.
    pub fn get(&self, t: T) -> Option<Duration> {
        self.at[t.index()]
    }

    pub fn is_running(&self, t: T) -> bool {
        self.get(t).is_some()
    }

    /// The earliest deadline of any running timer.
    pub fn next_timeout(&self) -> Option<Duration> {
        self.at.iter().flatten().min().copied()
    }

    /// True once: `t` was due at `now` (its deadline is not after `now`),
    /// and is stopped.
    pub fn take_due(&mut self, t: T, now: Duration) -> bool {
        let due = self.get(t).is_some_and(|at| at <= now);
        if due {
            self.stop(t);
        }
        due
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum Timer {
        Retransmit,
        Ack,
    }

    timer_kind!(Timer, 2);

    fn s(n: u64) -> Duration {
        Duration::from_secs(n)
    }

    #[test]
    fn a_timer_is_due_once_at_its_deadline_and_not_before() {
        let mut t = TimerTable::<Timer, 2>::new();
        t.set(Timer::Ack, s(2));
        assert!(!t.take_due(Timer::Ack, s(1)));
        assert!(!t.take_due(Timer::Retransmit, s(2)), "never started");
        assert!(t.take_due(Timer::Ack, s(2)));
        assert!(!t.take_due(Timer::Ack, s(3)), "stopped once taken");
        assert_eq!(t.next_timeout(), None);
    }

    #[test]
    fn the_next_timeout_is_the_earliest_running_timer() {
        let mut t = TimerTable::<Timer, 2>::new();
        assert_eq!(t.next_timeout(), None);
        t.set(Timer::Retransmit, s(5));
        t.set(Timer::Ack, s(3));
        assert_eq!(t.next_timeout(), Some(s(3)));
        t.stop(Timer::Ack);
        assert!(!t.is_running(Timer::Ack));
        assert_eq!(t.next_timeout(), Some(s(5)));
        t.stop(Timer::Retransmit);
        assert_eq!(t.get(Timer::Retransmit), None);
    }
}
