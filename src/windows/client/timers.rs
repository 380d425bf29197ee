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

crate::timer::timer_kind!(Timer, 2);

/// One deadline per `Timer`.
pub(super) type Timers = TimerTable<Timer, { Timer::COUNT }>;
