//! The ladder (sequence) diagram of a run (SCENARIOS.md, "Command line",
//! `--html FILE`): one lane per host interface, one arrow per packet copy,
//! fault actions and NAT rewriting marked on their arrows, events on their
//! host's lane, the dial results on top. `model` builds it from the
//! scenario and the run's captures; `html` renders it as one
//! self-contained page. Same scenario and seed, same bytes.

mod build;
mod forward;
pub mod html;
pub mod model;
mod topology;

pub use build::build;
pub use model::{Arrow, EventMark, Ladder, Lane, LaneMark, Loss, Mark, Packet, Rewrite, Row};

use crate::run::RunOutput;
use crate::scenario::schema::Scenario;

/// The page of a run made with `want_pcap` (the captures are what it
/// draws; without them only the lanes, dials and events show).
pub fn write_html(scenario: &Scenario, out: &RunOutput) -> String {
    html::render(&build(scenario, out))
}

#[cfg(test)]
mod fixture;
