//! The report of a run (SCENARIOS.md "JSON report") and its text rendering
//! for people and snapshots. Text and JSON carry the same facts; the text
//! layout is deterministic (no clock, no map iteration order).

pub mod dissect;
pub mod expect;
pub mod words;

use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use l2tpsec::net::{AppliedFault, FaultSite};
use serde::Serialize;

use crate::report::dissect::Dissector;

pub use crate::scenario::schema::{Direction, Locale, LogName, WireProtocol};
pub use l2tpsec::windows::eventlog::EventType;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Pass,
    Fail,
    /// No expectations were given.
    #[default]
    None,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
            Verdict::None => "none",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Report {
    pub scenario: String,
    pub seed: u64,
    /// The engine that ran it (JSON only: every other fact is the same on
    /// both engines).
    pub engine: l2tpsec::net::Engine,
    pub locale: Locale,
    pub verdict: Verdict,
    /// Simulated time at which the run ended.
    pub sim_time_ms: u64,
    pub dials: Vec<DialReport>,
    /// Every event-log entry of every machine, in the order they were logged.
    pub events: Vec<EventReport>,
    /// Every captured packet, in capture order.
    pub packets: Vec<PacketReport>,
    /// Every action a fault rule or a middlebox took on a packet, in time
    /// order (SCENARIOS.md, "Reports").
    pub faults: Vec<FaultReport>,
    /// What each machine's stacks rejected or ignored, counted per layer
    /// and kind (SCENARIOS.md, "Reports").
    pub diagnostics: Vec<DiagnosticReport>,
    pub monitor: Vec<Monitor>,
    /// What the diagnostic commands print on each machine at the end of the
    /// run (`netdiag /test:ipsec /v /debug`, `netsh int ip show offload`).
    pub views: Vec<View>,
    pub expectations: Vec<Expectation>,
}

/// The output of one diagnostic command on one machine.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct View {
    pub host: String,
    pub command: String,
    pub output: String,
}

impl Report {
    /// An empty report for a scenario (the runner fills it).
    pub fn new(scenario: &str, seed: u64, locale: Locale) -> Self {
        Report {
            scenario: scenario.to_string(),
            seed,
            engine: l2tpsec::net::Engine::default(),
            locale,
            verdict: Verdict::None,
            sim_time_ms: 0,
            dials: Vec::new(),
            events: Vec::new(),
            packets: Vec::new(),
            faults: Vec::new(),
            diagnostics: Vec::new(),
            monitor: Vec::new(),
            views: Vec::new(),
            expectations: Vec::new(),
        }
    }

    /// Pretty JSON with a final newline.
    pub fn to_json(&self) -> String {
        // Serialising plain structs of strings and numbers cannot fail.
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }
}

/// The protocol of a dial attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DialProtocol {
    L2tp,
    Pptp,
}

impl DialProtocol {
    pub fn as_str(self) -> &'static str {
        match self {
            DialProtocol::L2tp => "l2tp",
            DialProtocol::Pptp => "pptp",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DialReport {
    pub host: String,
    pub protocol: DialProtocol,
    pub connected: bool,
    /// `None` when connected (or when the dial never finished).
    pub error: Option<DialError>,
    /// The PPP address when connected.
    pub address: Option<Ipv4Addr>,
    /// One per protocol tried, in order (SCENARIOS.md, second round); the
    /// dial's `protocol`, `connected` and `error` are the last one's.
    pub attempts: Vec<Attempt>,
    /// When it was dialled (SCENARIOS.md, third round).
    pub at_ms: u64,
    /// How the call ended; `None` while it is up at the end of the run, or
    /// when it never connected.
    pub ended: Option<Ended>,
    /// The test pings through the call: after connecting, and at each
    /// timeline `ping`.
    pub pings: Pings,
    /// An Automatic dial: tunnels of the build's order that the lab does
    /// not model and so did not try (Windows 7 on: IKEv2, SSTP).
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub not_modelled: Vec<&'static str>,
}

/// Echo requests sent through a call and the replies that came back: the
/// library's record, as it is.
pub use l2tpsec::windows::client::Pings;

/// When and why a connected call ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Ended {
    pub at_ms: u64,
    /// `user | peer | link-failure | idle | policy`.
    pub reason: &'static str,
}

/// One protocol a dial tried (an Automatic connectoid tries L2TP, then
/// PPTP).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Attempt {
    pub protocol: DialProtocol,
    pub connected: bool,
    pub error: Option<DialError>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DialError {
    /// RAS error code (WINDOWS.md 2).
    pub code: u32,
    /// Rendered in the scenario's locale.
    pub message: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EventReport {
    pub host: String,
    pub log: LogName,
    pub id: u32,
    /// Event source, e.g. "Security", "IPSec", "RemoteAccess".
    pub source: String,
    #[serde(rename = "type")]
    pub kind: EventType,
    pub time_ms: u64,
    /// Rendered in the scenario's locale; may span several lines.
    pub message: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PacketReport {
    pub host: String,
    /// The network name of the interface.
    pub interface: String,
    pub time_us: u64,
    pub direction: Direction,
    pub protocol: WireProtocol,
    /// "192.168.1.10:500", or the bare address for protocols without ports.
    pub src: String,
    pub dst: String,
    /// "0x1a2b3c4d" for ESP.
    pub spi: Option<String>,
    pub summary: String,
}

impl PacketReport {
    /// The address part of `src`.
    pub fn src_addr(&self) -> Option<Ipv4Addr> {
        addr_part(&self.src)
    }
    pub fn dst_addr(&self) -> Option<Ipv4Addr> {
        addr_part(&self.dst)
    }
}

fn addr_part(s: &str) -> Option<Ipv4Addr> {
    s.split(':').next().and_then(|a| a.parse().ok())
}

/// How often one machine's stack rejected or ignored one kind of input.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DiagnosticReport {
    pub host: String,
    /// ip | ipsec | ike | l2tp | ppp | ras | registry | nat | router
    pub layer: String,
    pub what: String,
    pub count: u64,
}

/// One action a fault rule or a middlebox took on one packet.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FaultReport {
    pub time_us: u64,
    /// Where: the network or host named by the rule's `at`, or the
    /// middlebox host.
    pub site: String,
    /// drop | corrupt | delay | duplicate | nat-no-mapping
    pub action: String,
    /// The packet as the rule matched it, as a packets line shows it:
    /// protocol, addresses, summary (which names the SPI of ESP).
    pub packet: String,
    /// Index of the rule in the scenario's `faults`; `null` for what a
    /// middlebox did on its own account.
    pub rule: Option<usize>,
}

impl FaultReport {
    /// The report lines of the simulation's applied faults, in their order.
    pub fn from_applied(applied: &[AppliedFault]) -> Vec<FaultReport> {
        applied
            .iter()
            .map(|a| {
                // A fresh dissector: a dropped copy is not a retransmission.
                let d = Dissector::new().dissect("", 0, true, &a.packet);
                FaultReport {
                    time_us: u64::try_from(a.time.as_micros()).unwrap_or(u64::MAX),
                    site: match &a.site {
                        FaultSite::Segment(n) | FaultSite::Host(n) => n.clone(),
                    },
                    action: a.action.as_str().to_string(),
                    packet: format!("{} {} -> {} {}", d.protocol, d.src, d.dst, d.summary),
                    rule: a.rule,
                }
            })
            .collect()
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Sa {
    /// "outbound" (IP Security Monitor shows only those) or "inbound".
    pub direction: String,
    pub spi: String,
    /// NAT-T: `{"type": "udp", "source_port": 4500, "destination_port": 1025}`;
    /// absent for plain ESP.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encapsulation: Option<Encapsulation>,
}

/// How an SA's ESP travels when a NAT is in the way (RFC 3948).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Encapsulation {
    #[serde(rename = "type")]
    pub kind: String,
    pub source_port: u16,
    pub destination_port: u16,
}

/// IP Security Monitor of one host at the end of the run.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Monitor {
    pub host: String,
    pub sas: Vec<Sa>,
    /// e.g. "confidential-bytes-received", "bad-spi-packets", "main-modes".
    pub counters: BTreeMap<String, u64>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Expectation {
    /// In English, whatever the locale (the JSON's words).
    pub what: String,
    pub ok: bool,
    pub detail: String,
    /// `what` and `detail` in the report's locale, for the text report;
    /// `None`: the English ones.
    #[serde(skip)]
    pub localized: Option<(String, String)>,
}

impl Expectation {
    /// What the text report shows: the localized words, else the English.
    pub fn shown(&self) -> (&str, &str) {
        match &self.localized {
            Some((w, d)) => (w, d),
            None => (&self.what, &self.detail),
        }
    }
}

mod text;

pub use text::{fmt_ms, fmt_us, render_text};

#[cfg(test)]
mod tests;
