//! Checking a scenario's `expect:` against the report of its run.

use std::net::Ipv4Addr;

use crate::report::{fmt_ms, EventReport, Expectation, PacketReport, Report, Verdict};
use crate::scenario::schema::{
    DialExpect, EventExpect, MonitorExpect, PacketExpect, Scenario, OUTBOUND_SAS,
};
use crate::scenario::values::format_duration;

/// Evaluates every expectation, in the order dials, events, no-events,
/// packets, monitor (each in file order).
pub fn evaluate(s: &Scenario, r: &Report) -> Vec<Expectation> {
    let e = &s.expect;
    let mut out = Vec::new();
    out.extend(e.dials.iter().map(|d| dial(d, r)));
    out.extend(e.events.iter().map(|x| event(x, r, true)));
    out.extend(e.no_events.iter().map(|x| event(x, r, false)));
    out.extend(e.packets.iter().map(|p| packets(s, p, r)));
    out.extend(e.monitor.iter().map(|m| monitor(m, r)));
    out
}

/// Fills `report.expectations` and `report.verdict`.
pub fn finish(s: &Scenario, report: &mut Report) {
    report.expectations = evaluate(s, report);
    report.verdict = verdict(&report.expectations);
}

pub fn verdict(expectations: &[Expectation]) -> Verdict {
    if expectations.is_empty() {
        Verdict::None
    } else if expectations.iter().all(|e| e.ok) {
        Verdict::Pass
    } else {
        Verdict::Fail
    }
}

/// A dial expectation is checked against the host's dial it names by
/// `index` or `at`, else its last (an automatic connectoid's attempts are
/// one dial: its last attempt is the result the user sees).
fn dial(d: &DialExpect, r: &Report) -> Expectation {
    let mut parts = vec![d.host.clone()];
    if let Some(i) = d.index {
        parts.push(format!("dial {i}"));
    }
    if let Some(at) = d.at {
        parts.push(format!("dial at {}", format_duration(at)));
    }
    match d.connected {
        Some(true) => parts.push("connected".into()),
        Some(false) => parts.push("not connected".into()),
        None => {}
    }
    if let Some(code) = d.error {
        parts.push(format!("error {code}"));
    }
    if let Some(m) = &d.message {
        parts.push(format!("message contains \"{m}\""));
    }
    if let Some(reason) = d.ended {
        parts.push(format!("ended ({})", reason.as_str()));
    }
    if let Some(n) = d.pings_lost {
        parts.push(format!("pings lost == {n}"));
    }
    if parts.len() == 1 {
        parts.push("dial has a result".into());
    }
    let what = parts.join(" ");
    let mut of_host = r.dials.iter().filter(|x| x.host == d.host);
    let found = match (d.index, d.at) {
        (Some(i), _) => of_host.nth(i),
        (None, Some(at)) => of_host.find(|x| u128::from(x.at_ms) == at.as_millis()),
        (None, None) => of_host.next_back(),
    };
    let Some(got) = found else {
        return Expectation {
            what,
            ok: false,
            detail: format!("no dial result for {}", d.host),
        };
    };
    let detail = match (&got.error, got.connected) {
        (_, true) => match got.address {
            Some(a) => format!("got: {} connected, address {a}", got.protocol.as_str()),
            None => format!("got: {} connected", got.protocol.as_str()),
        },
        (Some(e), false) => format!(
            "got: {} error {}: {}",
            got.protocol.as_str(),
            e.code,
            e.message
        ),
        (None, false) => format!("got: {} no result", got.protocol.as_str()),
    };
    let connected_ok = d.connected.is_none_or(|c| c == got.connected);
    let code_ok = d
        .error
        .is_none_or(|c| got.error.as_ref().is_some_and(|e| e.code == c));
    let message_ok = d.message.as_ref().is_none_or(|m| {
        got.error
            .as_ref()
            .is_some_and(|e| e.message.contains(m.as_str()))
    });
    let ended_ok = d.ended.is_none_or(|want| {
        got.ended
            .as_ref()
            .is_some_and(|e| e.reason == want.as_str())
    });
    let detail = match &got.ended {
        Some(e) => format!("{detail}, ended at {} ({})", fmt_ms(e.at_ms), e.reason),
        None => detail,
    };
    let pings = got.pings;
    let pings_ok = d
        .pings_lost
        .is_none_or(|n| pings.sent.saturating_sub(pings.answered) == n);
    let detail = match d.pings_lost {
        Some(_) => format!(
            "{detail}, pings {} sent, {} answered",
            pings.sent, pings.answered
        ),
        None => detail,
    };
    let any_result = d.connected.is_some()
        || d.error.is_some()
        || d.message.is_some()
        || got.connected
        || got.error.is_some();
    Expectation {
        what,
        ok: connected_ok && code_ok && message_ok && ended_ok && pings_ok && any_result,
        detail,
    }
}

fn event_matches(x: &EventExpect, e: &EventReport) -> bool {
    e.host == x.host
        && x.log.is_none_or(|l| l == e.log)
        && x.id.is_none_or(|id| id == e.id)
        && x.contains
            .as_ref()
            .is_none_or(|c| e.message.contains(c.as_str()))
}

fn event_what(x: &EventExpect, present: bool) -> String {
    let mut w = String::new();
    if !present {
        w.push_str("no ");
    }
    w.push_str(&x.host);
    if let Some(l) = x.log {
        w.push(' ');
        w.push_str(l.as_str());
    }
    w.push_str(" event");
    if let Some(id) = x.id {
        w.push_str(&format!(" {id}"));
    }
    if let Some(c) = &x.contains {
        w.push_str(&format!(" containing \"{c}\""));
    }
    if let Some(n) = x.count.filter(|_| present) {
        w.push_str(&format!(", count {n}"));
    }
    w
}

/// `present`: at least one matching event (events); none (no-events).
fn event(x: &EventExpect, r: &Report, present: bool) -> Expectation {
    let matching: Vec<&EventReport> = r.events.iter().filter(|e| event_matches(x, e)).collect();
    let detail = match matching.first() {
        Some(first) => format!(
            "{} matching event(s), first: {} at {}",
            matching.len(),
            first.id,
            fmt_ms(first.time_ms)
        ),
        None => {
            let mut ids: Vec<u32> = r
                .events
                .iter()
                .filter(|e| e.host == x.host && x.log.is_none_or(|l| l == e.log))
                .map(|e| e.id)
                .collect();
            ids.sort_unstable();
            ids.dedup();
            if ids.is_empty() {
                "no matching event; that log is empty".into()
            } else {
                let ids: Vec<String> = ids.iter().map(u32::to_string).collect();
                format!("no matching event; ids logged: {}", ids.join(", "))
            }
        }
    };
    let ok = match (present, x.count) {
        (true, Some(count)) => count.holds(matching.len() as u64),
        _ => matching.is_empty() != present,
    };
    Expectation {
        what: event_what(x, present),
        ok,
        detail,
    }
}

/// A host's addresses: its interfaces, plus the PPP address its dial got.
fn host_addresses(s: &Scenario, r: &Report, host: &str) -> Vec<Ipv4Addr> {
    let mut v = s.hosts.get(host).map(|h| h.addresses()).unwrap_or_default();
    v.extend(
        r.dials
            .iter()
            .filter(|d| d.host == host)
            .filter_map(|d| d.address),
    );
    v
}

fn packet_matches(
    p: &PacketExpect,
    pk: &PacketReport,
    from: &Option<Vec<Ipv4Addr>>,
    to: &Option<Vec<Ipv4Addr>>,
) -> bool {
    pk.host == p.host
        && p.protocol.is_none_or(|x| x == pk.protocol)
        && p.direction.is_none_or(|d| d == pk.direction)
        && p.interface.as_ref().is_none_or(|i| *i == pk.interface)
        && p.summary
            .as_ref()
            .is_none_or(|x| pk.summary.contains(x.as_str()))
        && from
            .as_ref()
            .is_none_or(|a| pk.src_addr().is_some_and(|s| a.contains(&s)))
        && to
            .as_ref()
            .is_none_or(|a| pk.dst_addr().is_some_and(|d| a.contains(&d)))
}

fn packets(s: &Scenario, p: &PacketExpect, r: &Report) -> Expectation {
    let from = p.from.as_ref().map(|h| host_addresses(s, r, h));
    let to = p.to.as_ref().map(|h| host_addresses(s, r, h));
    let n = r
        .packets
        .iter()
        .filter(|pk| packet_matches(p, pk, &from, &to))
        .count() as u64;
    let mut what = format!("{} captures", p.host);
    if let Some(iface) = &p.interface {
        what.push_str(&format!(" on {iface}"));
    }
    what.push_str(": ");
    if let Some(d) = p.direction {
        what.push_str(d.as_str());
        what.push(' ');
    }
    match p.protocol {
        Some(proto) => what.push_str(proto.as_str()),
        None => what.push_str("any"),
    }
    what.push_str(" packets");
    if let Some(f) = &p.from {
        what.push_str(&format!(" from {f}"));
    }
    if let Some(t) = &p.to {
        what.push_str(&format!(" to {t}"));
    }
    if let Some(x) = &p.summary {
        what.push_str(&format!(" with \"{x}\""));
    }
    what.push_str(&format!(", count {}", p.count));
    Expectation {
        what,
        ok: p.count.holds(n),
        detail: format!("counted {n}"),
    }
}

fn monitor(m: &MonitorExpect, r: &Report) -> Expectation {
    let what = format!("{} monitor {} = {}", m.host, m.counter, m.value);
    match r.monitor.iter().find(|x| x.host == m.host) {
        None => Expectation {
            what,
            ok: false,
            detail: format!("no IP Security Monitor for {}", m.host),
        },
        Some(mon) => match (m.counter == OUTBOUND_SAS)
            .then_some(mon.sas.len() as u64)
            .or_else(|| mon.counters.get(&m.counter).copied())
        {
            None => {
                let known: Vec<&str> = mon.counters.keys().map(String::as_str).collect();
                Expectation {
                    what,
                    ok: false,
                    detail: format!(
                        "no counter '{}' (counters: {})",
                        m.counter,
                        known.join(", ")
                    ),
                }
            }
            Some(v) => Expectation {
                what,
                ok: m.value.holds(v),
                detail: format!("value is {v}"),
            },
        },
    }
}

#[cfg(test)]
mod tests;
