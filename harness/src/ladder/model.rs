//! The ladder model: one lane per host interface, and rows in time order,
//! each an arrow (one copy of one packet, from the interface that sent it
//! to the one that received it), a mark on a lane, or an event-log entry.
//! `build` makes it from a run.

use core::time::Duration;
use std::net::Ipv4Addr;

use l2tpsec::net::{AppliedAction, AppliedFault, FaultSite};
use l2tpsec::wire::WireKind;

use crate::report::dissect::Dissector;
use crate::report::{DialReport, EventReport, PacketReport, Verdict};
use crate::scenario::schema::{LogName, Role, Scenario};

pub use l2tpsec::windows::eventlog::EventType;

/// One host interface.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lane {
    pub host: String,
    /// The network (segment) name.
    pub segment: String,
    /// Interface index within the host.
    pub iface: usize,
    pub address: Ipv4Addr,
    pub role: Role,
}

impl Lane {
    /// "host/segment", as the pcapng `if_name` and `data-lane` spell it.
    pub fn id(&self) -> String {
        format!("{}/{}", self.host, self.segment)
    }
}

/// What a row shows of one packet (the dissector's view, as the report's
/// `packets` has it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Packet {
    pub protocol: WireKind,
    /// "192.168.1.10:500", or the bare address for protocols without ports.
    pub src: String,
    pub dst: String,
    /// "0x1a2b3c4d" for ESP.
    pub spi: Option<String>,
    pub summary: String,
    /// The whole IPv4 packet.
    pub data: Vec<u8>,
}

impl Packet {
    pub(super) fn from_report(p: &PacketReport, data: &[u8]) -> Self {
        Packet {
            protocol: p.protocol,
            src: p.src.clone(),
            dst: p.dst.clone(),
            spi: p.spi.clone(),
            summary: p.summary.clone(),
            data: data.to_vec(),
        }
    }

    /// A packet no capture shows (a fault's copy): dissected afresh, so a
    /// dropped copy is not called a retransmission.
    pub(super) fn dissected(data: &[u8]) -> Self {
        let d = Dissector::new().dissect("", 0, true, data);
        Packet {
            protocol: d.protocol,
            src: d.src,
            dst: d.dst,
            spi: d.spi.map(|s| format!("0x{s:08x}")),
            summary: d.summary,
            data: data.to_vec(),
        }
    }
}

/// A fault action marked on an arrow or a lane.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mark {
    pub action: AppliedAction,
    /// The network or host where it acted.
    pub site: String,
    /// Index of the rule in the scenario's `faults`; `None` for what a
    /// middlebox did on its own account.
    pub rule: Option<usize>,
}

impl Mark {
    pub(super) fn of(f: &AppliedFault) -> Self {
        Mark {
            action: f.action,
            site: site_name(&f.site).to_string(),
            rule: f.rule,
        }
    }
}

/// Why an arrow reaches no lane.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Loss {
    /// A drop fault (its mark is on the arrow).
    Dropped,
    /// Nobody on the segment had the next hop.
    Unreachable,
}

/// The addresses and ports a router or NAT rewrote when it forwarded a
/// packet: (before, after) of the source and of the destination.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rewrite {
    pub host: String,
    pub role: Role,
    pub src: Option<(String, String)>,
    pub dst: Option<(String, String)>,
}

impl Rewrite {
    /// "NAT src 192.168.1.10:500 → 203.0.113.2:500".
    pub fn label(&self) -> String {
        let who = if self.role == Role::Nat {
            "NAT"
        } else {
            "router"
        };
        let mut parts = Vec::new();
        if let Some((a, b)) = &self.src {
            parts.push(format!("src {a} → {b}"));
        }
        if let Some((a, b)) = &self.dst {
            parts.push(format!("dst {a} → {b}"));
        }
        format!("{who} {}", parts.join(", "))
    }
}

/// One copy of one packet on one segment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Arrow {
    /// `CapturedPacket::transmit`.
    pub transmit: u64,
    /// Lane indices.
    pub from: usize,
    /// `None` when the copy was lost (see `loss`).
    pub to: Option<usize>,
    /// A lost copy's destination lane, when one is on the segment.
    pub toward: Option<usize>,
    pub sent: Duration,
    pub received: Option<Duration>,
    /// As sent (the received copy may be corrupted: `received_data`).
    pub packet: Packet,
    /// The bytes received, when they differ from those sent.
    pub received_data: Option<Vec<u8>>,
    pub marks: Vec<Mark>,
    pub loss: Option<Loss>,
    pub rewrite: Option<Rewrite>,
    /// The transmit this one forwards (a router or NAT passing it on).
    pub forwarded_from: Option<u64>,
    /// The lane where the packet entered the network (before forwarding).
    pub origin: usize,
    /// Index in `RunOutput::captures` of the In capture.
    pub(super) in_capture: Option<usize>,
}

/// An event-log entry on its host's (first) lane.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventMark {
    pub lane: usize,
    pub host: String,
    pub time: Duration,
    pub log: LogName,
    pub id: u32,
    pub source: String,
    pub kind: EventType,
    pub message: String,
}

impl EventMark {
    pub(super) fn of(e: &EventReport, lane: usize) -> Self {
        EventMark {
            lane,
            host: e.host.clone(),
            time: Duration::from_millis(e.time_ms),
            log: e.log,
            id: e.id,
            source: e.source.clone(),
            kind: e.kind,
            message: e.message.clone(),
        }
    }
}

/// A fault action that no arrow carries (a refusal whose In capture was
/// not found), on the lane of the host that took it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LaneMark {
    pub lane: usize,
    pub time: Duration,
    pub mark: Mark,
    pub packet: Packet,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Row {
    /// Boxed: an arrow holds the packet and its marks.
    Arrow(Box<Arrow>),
    Mark(LaneMark),
    Event(EventMark),
}

impl Row {
    pub fn time(&self) -> Duration {
        match self {
            Row::Arrow(a) => a.sent,
            Row::Mark(m) => m.time,
            Row::Event(e) => e.time,
        }
    }
}

/// Everything the page shows.
#[derive(Clone, Debug, PartialEq)]
pub struct Ladder {
    pub scenario: String,
    pub title: String,
    pub article: Option<String>,
    pub seed: u64,
    pub locale: crate::scenario::schema::Locale,
    pub verdict: Verdict,
    pub sim_time_ms: u64,
    pub dials: Vec<DialReport>,
    pub lanes: Vec<Lane>,
    /// In time order; at one instant arrows (in transmit order), then lane
    /// marks, then events (in log order).
    pub rows: Vec<Row>,
}

impl Ladder {
    pub fn arrows(&self) -> impl Iterator<Item = &Arrow> {
        self.rows.iter().filter_map(|r| match r {
            Row::Arrow(a) => Some(a.as_ref()),
            _ => None,
        })
    }

    pub fn events(&self) -> impl Iterator<Item = &EventMark> {
        self.rows.iter().filter_map(|r| match r {
            Row::Event(e) => Some(e),
            _ => None,
        })
    }

    pub fn lane_marks(&self) -> impl Iterator<Item = &LaneMark> {
        self.rows.iter().filter_map(|r| match r {
            Row::Mark(m) => Some(m),
            _ => None,
        })
    }

    /// The index of lane "host/segment".
    pub fn lane(&self, id: &str) -> Option<usize> {
        self.lanes.iter().position(|l| l.id() == id)
    }
}

pub(super) fn site_name(site: &FaultSite) -> &str {
    match site {
        FaultSite::Segment(n) | FaultSite::Host(n) => n,
    }
}

/// Every host interface, in scenario host order then interface order.
pub fn lanes(scenario: &Scenario) -> Vec<Lane> {
    scenario
        .hosts
        .iter()
        .flat_map(|(host, h)| {
            h.interfaces
                .iter()
                .enumerate()
                .map(move |(iface, (segment, &address))| Lane {
                    host: host.to_string(),
                    segment: segment.to_string(),
                    iface,
                    address,
                    role: h.role,
                })
        })
        .collect()
}
