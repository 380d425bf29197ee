//! The client's timers, one deadline each; due-ness is decided here only.

use core::time::Duration;

/// The client's timers: when the connectoid dials, when the next echo
/// request goes (or the last one's reply times out).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Timer {
    Dial,
    Ping,
}

/// One deadline per `Timer`; due-ness is decided here only.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Timers([Option<Duration>; 2]);

impl Timers {
    pub(super) fn set(&mut self, t: Timer, at: Duration) {
        self.0[t as usize] = Some(at);
    }

    pub(super) fn stop(&mut self, t: Timer) {
        self.0[t as usize] = None;
    }

    pub(super) fn next(&self) -> Option<Duration> {
        self.0.iter().flatten().min().copied()
    }

    /// True once: the timer was due at `now`, and is stopped.
    pub(super) fn take_due(&mut self, t: Timer, now: Duration) -> bool {
        let due = self.0[t as usize].is_some_and(|at| at <= now);
        if due {
            self.stop(t);
        }
        due
    }
}
