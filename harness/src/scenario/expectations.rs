//! What a scenario expects to see (`expect:`): dials, events, packets,
//! monitor counters. Checked against the report afterwards, never fed
//! into a run.

use serde::{Deserialize, Serialize};

use std::time::Duration;

use super::values::{dur, Count, WireProtocol};
use l2tpsec::windows::client::EndReason;
use l2tpsec::windows::eventlog::Log as LogName;

// -------------------------------------------------------------------- expect

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Expect {
    #[serde(default)]
    pub dials: Vec<DialExpect>,
    #[serde(default)]
    pub events: Vec<EventExpect>,
    #[serde(default)]
    pub no_events: Vec<EventExpect>,
    #[serde(default)]
    pub packets: Vec<PacketExpect>,
    #[serde(default)]
    pub monitor: Vec<MonitorExpect>,
}

impl Expect {
    pub fn is_empty(&self) -> bool {
        self.dials.is_empty()
            && self.events.is_empty()
            && self.no_events.is_empty()
            && self.packets.is_empty()
            && self.monitor.is_empty()
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct DialExpect {
    pub host: String,
    #[serde(default)]
    pub connected: Option<bool>,
    /// RAS error code.
    #[serde(default)]
    pub error: Option<u32>,
    /// Substring of the rendered error message.
    #[serde(default)]
    pub message: Option<String>,
    /// Which of the host's dials, 0-based (SCENARIOS.md, third round);
    /// without it or `at`, the host's last.
    #[serde(default)]
    pub index: Option<usize>,
    /// The host's dial made at this time.
    #[serde(default, with = "dur::option")]
    pub at: Option<Duration>,
    /// The connected call ended, for this reason.
    #[serde(default)]
    pub ended: Option<EndReason>,
    /// How many of the call's test pings went unanswered.
    #[serde(default)]
    pub pings_lost: Option<u16>,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct EventExpect {
    pub host: String,
    #[serde(default)]
    pub log: Option<LogName>,
    #[serde(default)]
    pub id: Option<u32>,
    /// Substring of the rendered message.
    #[serde(default)]
    pub contains: Option<String>,
    /// How many matching entries (events only; default: at least one).
    #[serde(default)]
    pub count: Option<Count>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Direction {
    In,
    Out,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::In => "in",
            Direction::Out => "out",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct PacketExpect {
    /// Whose captures are counted.
    pub host: String,
    #[serde(default)]
    pub protocol: Option<WireProtocol>,
    /// Host names: source / destination address is one of that host's.
    #[serde(default)]
    pub from: Option<String>,
    #[serde(default)]
    pub to: Option<String>,
    #[serde(default)]
    pub direction: Option<Direction>,
    /// Interface (network) name.
    #[serde(default)]
    pub interface: Option<String>,
    /// Substring of the packet's summary, e.g. "SCCRQ", "MPPE".
    #[serde(default)]
    pub summary: Option<String>,
    /// Default ">= 1".
    #[serde(default)]
    pub count: Count,
}

/// The pseudo-counter of `expect.monitor`: how many SAs IP Security
/// Monitor lists for the host.
pub const OUTBOUND_SAS: &str = "outbound-sas";

/// Every name `expect.monitor[].counter` accepts: `outbound-sas`, then the
/// counters the library's IP Security Monitor keeps.
pub fn monitor_counter_names() -> impl Iterator<Item = &'static str> {
    std::iter::once(OUTBOUND_SAS).chain(l2tpsec::windows::monitor::COUNTERS.iter().copied())
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct MonitorExpect {
    pub host: String,
    /// A counter name, or `outbound-sas`: how many SAs the snap-in lists.
    pub counter: String,
    /// A number or a comparison ("> 0").
    pub value: Count,
}
