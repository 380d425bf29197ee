//! What a connectoid's dials leave behind for the report: every dial in
//! order (SCENARIOS.md, third round: `dials[]`), each attempt's result,
//! and how a connected call ended (`ended: {at_ms, reason}`).

use core::time::Duration;
use std::net::Ipv4Addr;

pub use super::super::call_end::EndReason;

/// How one attempt of a dial ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DialOutcome {
    pub protocol: &'static str,
    pub time: Duration,
    /// RAS error code; `None` when connected.
    pub error: Option<u32>,
    /// PPP address when connected.
    pub address: Option<Ipv4Addr>,
    /// The attempts before this one, in order (an Automatic connectoid's
    /// failed L2TP before its PPTP).
    pub earlier: Vec<DialOutcome>,
}

impl DialOutcome {
    pub fn connected(&self) -> bool {
        self.error.is_none()
    }
}

/// When and why a connected call ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallEnd {
    pub at: Duration,
    pub reason: EndReason,
}

/// Where a dial stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DialResult {
    /// Connected, or failed with its error (its last attempt's).
    Done(DialOutcome),
    /// No result yet when the run ended: the attempt under way and the
    /// failed ones before it.
    UnderWay {
        protocol: &'static str,
        earlier: Vec<DialOutcome>,
    },
}

/// One dial of the connectoid: the scenario's, or a timeline `dial`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DialRecord {
    /// When it was dialled.
    pub at: Duration,
    pub result: DialResult,
    /// `None` while the call is up, or when it never connected.
    pub ended: Option<CallEnd>,
    /// The test pings through the call.
    pub pings: Pings,
}

/// Echo requests sent through a connected call and the replies that came
/// back (`ping`'s "Sent" and "Received").
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Pings {
    pub sent: u16,
    pub answered: u16,
}
