//! The client's timers, one deadline each; due-ness is decided by the
//! `TimerTable` only.

use crate::timer::{TimerKind, TimerTable};

/// The client's timers: when the connectoid dials, when the next echo
/// request goes (or the last one's reply times out).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Timer {
    Dial,
    Ping,
}

impl TimerKind for Timer {
    const COUNT: usize = 2;
    fn index(self) -> usize {
        self as usize
    }
}

/// One deadline per `Timer`.
pub(super) type Timers = TimerTable<Timer, { Timer::COUNT }>;
