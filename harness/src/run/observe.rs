//! The report of a run, read off the machines and the captures once it
//! ended: dials with their attempts, IP Security Monitor, views, events,
//! packets, faults and diagnostics.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use l2tpsec::net::{self, Simulation};
use l2tpsec::windows::catalog;
use l2tpsec::windows::client::{DialOutcome, DialResult};
use l2tpsec::windows::connectoid::VpnType;
use l2tpsec::windows::WindowsMachine;

use crate::report::dissect::Dissector;
use crate::report::{
    Attempt, DialError, DialProtocol, DialReport, Ended, EventReport, Monitor, PacketReport,
    Report, View,
};
use crate::scenario::host::Role;
use crate::scenario::schema::{Direction, Locale, Scenario};

/// The report (expectations empty, no verdict) and the tshark key lines
/// of every machine, each once.
pub(super) fn report(
    scenario: &Scenario,
    seed: u64,
    locale: Locale,
    windows: &[(String, Rc<RefCell<WindowsMachine>>)],
    sim: &Simulation,
    end: Duration,
) -> (Report, Vec<String>) {
    let mut report = Report::new(&scenario.name, seed, locale);
    report.sim_time_ms = millis(end);
    let mut keys: Vec<String> = Vec::new();
    for (name, m) in windows {
        let m = m.borrow();
        // Each build words its errors in its own message table.
        let host = scenario.hosts.get(name);
        let table = match host.map(|h| h.role) {
            Some(Role::Windows(e)) => e.profile().messages,
            _ => catalog::MessageTable::Xp,
        };
        let not_modelled = match (host.map(|h| h.role), host.and_then(|h| h.dial.as_ref())) {
            (Some(Role::Windows(e)), Some(d)) if d.vpn_type == VpnType::Automatic => {
                e.profile().automatic.not_modelled.to_vec()
            }
            _ => Vec::new(),
        };
        let error_of = |code: Option<u32>| {
            code.map(|code| DialError {
                code,
                message: catalog::ras_error_message_in(locale, table, code),
            })
        };
        let attempt_of = |o: &DialOutcome| Attempt {
            protocol: dial_protocol(o.protocol),
            connected: o.connected(),
            error: error_of(o.error),
        };
        for record in m.dials() {
            let (last, earlier, address) = match &record.result {
                DialResult::Done(o) => (attempt_of(o), &o.earlier, o.address),
                // The run's duration ended before the dial had a result:
                // the report says so rather than invent an error.
                DialResult::UnderWay { protocol, earlier } => (
                    Attempt {
                        protocol: dial_protocol(protocol),
                        connected: false,
                        error: None,
                    },
                    earlier,
                    None,
                ),
            };
            let mut attempts: Vec<Attempt> = earlier.iter().map(attempt_of).collect();
            attempts.push(last.clone());
            report.dials.push(DialReport {
                host: name.clone(),
                protocol: last.protocol,
                connected: last.connected,
                error: last.error,
                address,
                attempts,
                at_ms: millis(record.at),
                ended: record.ended.map(|e| Ended {
                    at_ms: millis(e.at),
                    reason: e.reason.as_str(),
                }),
                pings: record.pings,
                not_modelled: not_modelled.clone(),
            });
        }
        let mon = m.monitor();
        report.monitor.push(Monitor {
            host: name.clone(),
            sas: mon
                .sas
                .iter()
                .map(|sa| crate::report::Sa {
                    direction: sa.direction.into(),
                    spi: format!("0x{:08x}", sa.spi),
                    encapsulation: sa.udp_ports.map(|(source_port, destination_port)| {
                        crate::report::Encapsulation {
                            kind: "udp".into(),
                            source_port,
                            destination_port,
                        }
                    }),
                })
                .collect(),
            counters: mon
                .counters
                .iter()
                .map(|(k, v)| (k.to_string(), *v))
                .collect(),
        });
        for (command, output) in m.views() {
            report.views.push(View {
                host: name.clone(),
                command,
                output,
            });
        }
        for k in m.keys() {
            if !keys.contains(k) {
                keys.push(k.clone());
            }
        }
    }
    report.events = events(windows, locale);
    report.packets = packets(sim);
    report.faults = crate::report::FaultReport::from_applied(&sim.applied_faults());
    for (name, m) in windows {
        for (layer, what, count) in m.borrow().diagnostics().entries() {
            report.diagnostics.push(crate::report::DiagnosticReport {
                host: name.clone(),
                layer: layer.to_string(),
                what: what.to_string(),
                count,
            });
        }
    }
    (report, keys)
}

/// The report's name for a dial attempt's protocol.
fn dial_protocol(name: &str) -> DialProtocol {
    if name == "pptp" {
        DialProtocol::Pptp
    } else {
        DialProtocol::L2tp
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// Every machine's log entries, ordered by time, then host order, then the
/// order each machine wrote them.
fn events(windows: &[(String, Rc<RefCell<WindowsMachine>>)], locale: Locale) -> Vec<EventReport> {
    let mut all = Vec::new();
    for (host_index, (name, m)) in windows.iter().enumerate() {
        for (seq, e) in m.borrow().events().iter().enumerate() {
            let report = EventReport {
                host: name.clone(),
                log: e.log,
                id: e.id,
                source: e.source.to_string(),
                kind: e.kind,
                time_ms: millis(e.time),
                message: e.message(locale),
            };
            all.push(((e.time, host_index, seq), report));
        }
    }
    all.sort_by_key(|(k, _)| *k);
    all.into_iter().map(|(_, r)| r).collect()
}

fn packets(sim: &Simulation) -> Vec<PacketReport> {
    let mut dissector = Dissector::new();
    sim.captures()
        .iter()
        .map(|c| {
            let outbound = matches!(c.direction, net::Direction::Out);
            let d = dissector.dissect(&c.host, c.iface, outbound, &c.data);
            PacketReport {
                host: c.host.clone(),
                interface: c.segment.clone(),
                time_us: u64::try_from(c.time.as_micros()).unwrap_or(u64::MAX),
                direction: if outbound {
                    Direction::Out
                } else {
                    Direction::In
                },
                protocol: d.protocol,
                src: d.src,
                dst: d.dst,
                spi: d.spi.map(|s| format!("0x{s:08x}")),
                summary: d.summary,
            }
        })
        .collect()
}
