//! The report of a run (SCENARIOS.md "JSON report") and its text rendering
//! for people and snapshots. Text and JSON carry the same facts; the text
//! layout is deterministic (no clock, no map iteration order).

pub mod dissect;
pub mod expect;

use std::collections::BTreeMap;
use std::fmt::Write as _;
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
    pub what: String,
    pub ok: bool,
    pub detail: String,
}

/// `12.345s` from milliseconds.
pub fn fmt_ms(ms: u64) -> String {
    format!("{}.{:03}s", ms / 1000, ms % 1000)
}

/// `1.000250s` from microseconds.
pub fn fmt_us(us: u64) -> String {
    format!("{}.{:06}s", us / 1_000_000, us % 1_000_000)
}

/// The text report: header, dials, events per host and log, packets,
/// faults (when any), monitor, views, expectations.
pub fn render_text(r: &Report) -> String {
    let mut o = String::new();
    // Writing to a String cannot fail: results are ignored below.
    let _ = writeln!(
        o,
        "scenario {}  seed {}  locale {}  verdict {}  sim time {}",
        r.scenario,
        r.seed,
        r.locale,
        r.verdict.as_str(),
        fmt_ms(r.sim_time_ms)
    );

    let _ = writeln!(o, "\n== dials");
    if r.dials.is_empty() {
        let _ = writeln!(o, "  (none)");
    }
    for d in &r.dials {
        let outcome = |error: &Option<DialError>, connected: bool| match (error, connected) {
            (_, true) => match d.address {
                Some(a) => format!("connected, address {a}"),
                None => "connected".to_string(),
            },
            // The dialog line Windows shows (WINDOWS.md 2).
            (Some(e), false) => match r.locale {
                Locale::FrFr => format!("Erreur {} : {}", e.code, e.message),
                Locale::EnUs => format!("Error {}: {}", e.code, e.message),
            },
            (None, false) => "no result".to_string(),
        };
        // An Automatic connectoid's dial: one line per protocol tried.
        let n = d.attempts.len();
        for (i, a) in d.attempts.iter().enumerate().take(n.saturating_sub(1)) {
            let _ = writeln!(
                o,
                "  {} {} (attempt {} of {n}): {}",
                d.host,
                a.protocol.as_str(),
                i + 1,
                outcome(&a.error, a.connected)
            );
        }
        let attempt = if n > 1 {
            format!(" (attempt {n} of {n})")
        } else {
            String::new()
        };
        let _ = writeln!(
            o,
            "  {} {}{attempt}: {}",
            d.host,
            d.protocol.as_str(),
            outcome(&d.error, d.connected)
        );
    }

    let _ = writeln!(o, "\n== events");
    if r.events.is_empty() {
        let _ = writeln!(o, "  (none)");
    }
    // Group by host and log, in order of first appearance.
    let mut groups: Vec<((&str, LogName), Vec<&EventReport>)> = Vec::new();
    for e in &r.events {
        let key = (e.host.as_str(), e.log);
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, v)) => v.push(e),
            None => groups.push((key, vec![e])),
        }
    }
    for ((host, log), events) in groups {
        let _ = writeln!(o, "-- {host} {log}");
        for e in events {
            let _ = writeln!(
                o,
                "  {:>10}  {}  {}  {}",
                fmt_ms(e.time_ms),
                e.id,
                e.source,
                e.kind.as_str()
            );
            for line in e.message.lines() {
                // One margin for every line of a text: the catalog starts
                // some lines (its labels) with a space, their values not.
                let _ = writeln!(o, "      {}", line.trim());
            }
        }
    }

    let _ = writeln!(o, "\n== packets");
    if r.packets.is_empty() {
        let _ = writeln!(o, "  (none)");
    }
    for p in &r.packets {
        let spi = p
            .spi
            .as_deref()
            .map(|s| format!(" spi={s}"))
            .unwrap_or_default();
        let _ = writeln!(
            o,
            "  {:>12} {}/{} {:<3} {} {} -> {}{} {}",
            fmt_us(p.time_us),
            p.host,
            p.interface,
            p.direction.as_str(),
            p.protocol,
            p.src,
            p.dst,
            spi,
            p.summary
        );
    }

    // Only scenarios with faults (or a NAT refusing packets) have this
    // section, so the reports of the others read as before.
    if !r.faults.is_empty() {
        let _ = writeln!(o, "\n== faults");
    }
    for f in &r.faults {
        let rule = f
            .rule
            .map_or_else(|| "(middlebox)".to_string(), |i| format!("faults[{i}]"));
        let _ = writeln!(
            o,
            "  {:>12} {} {} {}: {}",
            fmt_us(f.time_us),
            f.site,
            f.action,
            rule,
            f.packet
        );
    }

    // Like faults: only runs where a stack rejected something.
    if !r.diagnostics.is_empty() {
        let _ = writeln!(o, "\n== diagnostics");
    }
    for d in &r.diagnostics {
        let _ = writeln!(o, "  {} {}: {} x{}", d.host, d.layer, d.what, d.count);
    }

    let _ = writeln!(o, "\n== monitor");
    if r.monitor.is_empty() {
        let _ = writeln!(o, "  (none)");
    }
    for m in &r.monitor {
        let _ = writeln!(o, "-- {}", m.host);
        if m.sas.is_empty() {
            let _ = writeln!(o, "  no SA");
        }
        for sa in &m.sas {
            match &sa.encapsulation {
                Some(e) => {
                    let _ = writeln!(
                        o,
                        "  SA {} spi {} encapsulation {} {} -> {}",
                        sa.direction, sa.spi, e.kind, e.source_port, e.destination_port
                    );
                }
                None => {
                    let _ = writeln!(o, "  SA {} spi {}", sa.direction, sa.spi);
                }
            }
        }
        for (k, v) in &m.counters {
            let _ = writeln!(o, "  {k}: {v}");
        }
    }

    if !r.views.is_empty() {
        let _ = writeln!(o, "\n== views");
    }
    for v in &r.views {
        let _ = writeln!(o, "-- {} > {}", v.host, v.command);
        for line in v.output.lines() {
            let _ = writeln!(o, "  {line}");
        }
    }

    let _ = writeln!(o, "\n== expectations");
    if r.expectations.is_empty() {
        let _ = writeln!(o, "  (none)");
    }
    for e in &r.expectations {
        let mark = if e.ok { '✓' } else { '✗' };
        let _ = writeln!(o, "  {mark} {}", e.what);
        if !e.detail.is_empty() {
            let _ = writeln!(o, "      {}", e.detail);
        }
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn sample() -> Report {
        let mut r = Report::new("udp500-blocked", 1, Locale::FrFr);
        r.verdict = Verdict::Pass;
        r.sim_time_ms = 64_000;
        r.dials.push(DialReport {
            host: "client".into(),
            protocol: DialProtocol::L2tp,
            connected: false,
            error: Some(DialError {
                code: 792,
                message: "Le délai de la négociation de sécurité a été dépassé.".into(),
            }),
            address: None,
            attempts: Vec::new(),
        });
        r.events.push(EventReport {
            host: "client".into(),
            log: LogName::Security,
            id: 547,
            source: "Security".into(),
            kind: EventType::FailureAudit,
            time_ms: 63_000,
            message:
                "IKE security association negotiation failed.\nMode:\nKey Exchange Mode (Main Mode)"
                    .into(),
        });
        r.packets.push(PacketReport {
            host: "client".into(),
            interface: "lan".into(),
            time_us: 1_000_000,
            direction: Direction::Out,
            protocol: WireProtocol::Isakmp,
            src: "192.168.1.10:500".into(),
            dst: "203.0.113.10:500".into(),
            spi: None,
            summary: "IKE Main Mode SA proposal".into(),
        });
        r.faults.push(FaultReport {
            time_us: 1_001_000,
            site: "gw".into(),
            action: "drop".into(),
            packet: "isakmp 192.168.1.10:500 -> 203.0.113.10:500 ISAKMP Main Mode SA".into(),
            rule: Some(0),
        });
        r.monitor.push(Monitor {
            host: "client".into(),
            sas: vec![
                Sa {
                    direction: "outbound".into(),
                    spi: "0x1a2b3c4d".into(),
                    encapsulation: None,
                },
                Sa {
                    direction: "outbound".into(),
                    spi: "0x0badcafe".into(),
                    encapsulation: Some(Encapsulation {
                        kind: "udp".into(),
                        source_port: 4500,
                        destination_port: 1025,
                    }),
                },
            ],
            counters: [("confidential-bytes-received".to_string(), 0)].into(),
        });
        r.diagnostics.push(DiagnosticReport {
            host: "server".into(),
            layer: "ike".into(),
            what: "no SA for these cookies".into(),
            count: 3,
        });
        r.expectations.push(Expectation {
            what: "client error 792".into(),
            ok: true,
            detail: "got error 792".into(),
        });
        r
    }

    #[test]
    fn json_has_exactly_the_contract_fields() {
        let v: serde_json::Value = serde_json::from_str(&sample().to_json()).unwrap();
        let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        let mut want = vec![
            "scenario",
            "seed",
            "locale",
            "verdict",
            "sim_time_ms",
            "dials",
            "events",
            "packets",
            "faults",
            "diagnostics",
            "monitor",
            // Added beyond the contract's list (SCENARIOS.md allows more).
            "engine",
            "views",
            "expectations",
        ];
        want.sort_unstable();
        let mut keys = keys;
        keys.sort_unstable();
        assert_eq!(keys, want);
        assert_eq!(v["locale"], "fr-FR");
        assert_eq!(v["engine"], "event");
        assert_eq!(v["verdict"], "pass");
        assert_eq!(v["dials"][0]["error"]["code"], 792);
        assert_eq!(v["diagnostics"][0]["layer"], "ike");
        assert_eq!(v["diagnostics"][0]["count"], 3);
        assert_eq!(v["dials"][0]["address"], serde_json::Value::Null);
        assert_eq!(v["events"][0]["type"], "failure-audit");
        assert_eq!(v["events"][0]["log"], "security");
        assert_eq!(v["packets"][0]["direction"], "out");
        assert_eq!(v["packets"][0]["protocol"], "isakmp");
        assert_eq!(v["packets"][0]["spi"], serde_json::Value::Null);
        assert_eq!(
            v["monitor"][0]["counters"]["confidential-bytes-received"],
            0
        );
        assert_eq!(v["monitor"][0]["sas"][0]["spi"], "0x1a2b3c4d");
        // Plain ESP has no encapsulation field; NAT-T's says its ports.
        assert!(v["monitor"][0]["sas"][0].get("encapsulation").is_none());
        assert_eq!(
            v["monitor"][0]["sas"][1]["encapsulation"]["destination_port"],
            1025
        );
        assert_eq!(v["expectations"][0]["ok"], true);
        assert_eq!(v["faults"][0]["time_us"], 1_001_000);
        assert_eq!(v["faults"][0]["site"], "gw");
        assert_eq!(v["faults"][0]["action"], "drop");
        assert_eq!(v["faults"][0]["rule"], 0);
        assert!(v["faults"][0]["packet"]
            .as_str()
            .unwrap()
            .starts_with("isakmp 192.168.1.10:500"));
    }

    #[test]
    fn faults_section_lists_actions_and_is_left_out_when_empty() {
        let mut r = sample();
        let t = render_text(&r);
        assert!(t.contains(
            "\n== faults\n     1.001000s gw drop faults[0]: isakmp 192.168.1.10:500 -> 203.0.113.10:500 ISAKMP Main Mode SA\n\n== diagnostics\n  server ike: no SA for these cookies x3\n\n== monitor\n"
        ), "{t}");
        r.faults[0].rule = None;
        r.faults[0].action = "nat-no-mapping".into();
        assert!(render_text(&r).contains(" gw nat-no-mapping (middlebox): isakmp "));
        r.faults.clear();
        let t = render_text(&r);
        assert!(!t.contains("== faults"), "{t}");
        let v: serde_json::Value = serde_json::from_str(&r.to_json()).unwrap();
        assert_eq!(v["faults"], serde_json::json!([]));
    }

    #[test]
    fn applied_faults_are_dissected_like_packets() {
        let packet = l2tpsec::wire::udp::build_ipv4(
            "192.168.1.10:500".parse().unwrap(),
            "203.0.113.10:500".parse().unwrap(),
            1,
            128,
            &[0; 4],
        );
        let got = FaultReport::from_applied(&[AppliedFault {
            time: std::time::Duration::from_micros(1_500),
            site: FaultSite::Segment("internet".into()),
            action: l2tpsec::net::AppliedAction::Duplicate,
            packet,
            rule: Some(2),
            transmit: Some(7),
        }]);
        assert_eq!(got.len(), 1);
        assert_eq!(
            (
                got[0].time_us,
                got[0].site.as_str(),
                got[0].action.as_str(),
                got[0].rule
            ),
            (1_500, "internet", "duplicate", Some(2))
        );
        assert!(
            got[0]
                .packet
                .starts_with("isakmp 192.168.1.10:500 -> 203.0.113.10:500 ISAKMP malformed"),
            "{}",
            got[0].packet
        );
    }

    #[test]
    fn text_report_renders_every_section() {
        let t = render_text(&sample());
        assert!(t.starts_with(
            "scenario udp500-blocked  seed 1  locale fr-FR  verdict pass  sim time 64.000s\n"
        ));
        assert!(t.contains("  client l2tp: Erreur 792 : Le délai"));
        assert!(t.contains(
            "-- client security\n     63.000s  547  Security  failure-audit\n      IKE security"
        ));
        assert!(t.contains("      Key Exchange Mode (Main Mode)\n"));
        assert!(t.contains(
            "     1.000000s client/lan out isakmp 192.168.1.10:500 -> 203.0.113.10:500 IKE Main"
        ));
        assert!(t.contains("  SA outbound spi 0x1a2b3c4d\n  SA outbound spi 0x0badcafe encapsulation udp 4500 -> 1025\n  confidential-bytes-received: 0\n"));
        assert!(t.contains("  ✓ client error 792\n      got error 792\n"));
    }

    #[test]
    fn packet_addresses_parse_with_or_without_port() {
        let mut p = sample().packets.remove(0);
        assert_eq!(p.src_addr(), Some(Ipv4Addr::new(192, 168, 1, 10)));
        p.dst = "10.0.0.1".into();
        assert_eq!(p.dst_addr(), Some(Ipv4Addr::new(10, 0, 0, 1)));
    }
}
