//! Checking a scenario's `expect:` against the report of its run.

use std::net::Ipv4Addr;

use crate::report::words::{PacketsWhat, Words};
use crate::report::{fmt_ms, EventReport, Expectation, PacketReport, Report, Verdict};
use crate::scenario::schema::{
    DialExpect, EventExpect, Locale, MonitorExpect, PacketExpect, Scenario, OUTBOUND_SAS,
};
use crate::scenario::values::format_duration;

/// Evaluates every expectation, in the order dials, events, no-events,
/// packets, monitor (each in file order). Each says what it checked in
/// English (the JSON's words) and, for the text report, in the report's
/// locale.
pub fn evaluate(s: &Scenario, r: &Report) -> Vec<Expectation> {
    let e = &s.expect;
    let in_both = |check: &dyn Fn(Words) -> Expectation| {
        let en = Words(Locale::EnUs);
        let mut x = check(en);
        if Words(r.locale) != en {
            let local = check(Words(r.locale));
            x.localized = Some((local.what, local.detail));
        }
        x
    };
    let mut out = Vec::new();
    out.extend(e.dials.iter().map(|d| in_both(&|w| dial(d, r, w))));
    out.extend(e.events.iter().map(|x| in_both(&|w| event(x, r, true, w))));
    out.extend(
        e.no_events
            .iter()
            .map(|x| in_both(&|w| event(x, r, false, w))),
    );
    out.extend(e.packets.iter().map(|p| in_both(&|w| packets(s, p, r, w))));
    out.extend(e.monitor.iter().map(|m| in_both(&|w| monitor(m, r, w))));
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
fn dial(d: &DialExpect, r: &Report, w: Words) -> Expectation {
    let mut parts = vec![d.host.clone()];
    if let Some(i) = d.index {
        parts.push(w.dial_index(i));
    }
    if let Some(at) = d.at {
        parts.push(w.dial_at(&format_duration(at)));
    }
    if let Some(c) = d.connected {
        parts.push(w.is_connected(c).into());
    }
    if let Some(code) = d.error {
        parts.push(w.error(code));
    }
    if let Some(m) = &d.message {
        parts.push(w.message_contains(m));
    }
    if let Some(reason) = d.ended {
        parts.push(w.ended_with(reason.as_str()));
    }
    if let Some(n) = d.pings_lost {
        parts.push(format!("pings lost == {n}"));
    }
    if parts.len() == 1 {
        parts.push(w.has_a_result().into());
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
            detail: w.no_dial_result(&d.host),
            localized: None,
        };
    };
    let protocol = got.protocol.as_str();
    let detail = match (&got.error, got.connected) {
        (_, true) => w.got(protocol, &w.connected(got.address)),
        (Some(e), false) => w.got(protocol, &w.error_message(e.code, &e.message)),
        (None, false) => w.got(protocol, w.no_result()),
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
        Some(e) => format!("{detail}, {}", w.ended(&fmt_ms(e.at_ms), e.reason)),
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
        localized: None,
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

fn event_what(x: &EventExpect, present: bool, w: Words) -> String {
    w.event_what(
        present,
        &x.host,
        x.log,
        x.id,
        x.contains.as_deref(),
        x.count.map(|n| n.to_string()),
    )
}

/// `present`: at least one matching event (events); none (no-events).
fn event(x: &EventExpect, r: &Report, present: bool, w: Words) -> Expectation {
    let matching: Vec<&EventReport> = r.events.iter().filter(|e| event_matches(x, e)).collect();
    let detail = match matching.first() {
        Some(first) => w.matching_events(matching.len(), first.id, &fmt_ms(first.time_ms)),
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
                w.no_matching_event_empty_log().into()
            } else {
                let ids: Vec<String> = ids.iter().map(u32::to_string).collect();
                w.no_matching_event_ids(&ids.join(", "))
            }
        }
    };
    let ok = match (present, x.count) {
        (true, Some(count)) => count.holds(matching.len() as u64),
        _ => matching.is_empty() != present,
    };
    Expectation {
        what: event_what(x, present, w),
        ok,
        detail,
        localized: None,
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

fn packets(s: &Scenario, p: &PacketExpect, r: &Report, w: Words) -> Expectation {
    let from = p.from.as_ref().map(|h| host_addresses(s, r, h));
    let to = p.to.as_ref().map(|h| host_addresses(s, r, h));
    let n = r
        .packets
        .iter()
        .filter(|pk| packet_matches(p, pk, &from, &to))
        .count() as u64;
    let what = w.packets_what(PacketsWhat {
        host: &p.host,
        interface: p.interface.as_deref(),
        direction: p.direction.map(|d| d.as_str()),
        protocol: p.protocol.map(|x| x.as_str()),
        from: p.from.as_deref(),
        to: p.to.as_deref(),
        summary: p.summary.as_deref(),
        count: p.count.to_string(),
    });
    Expectation {
        what,
        ok: p.count.holds(n),
        detail: w.counted(n),
        localized: None,
    }
}

fn monitor(m: &MonitorExpect, r: &Report, w: Words) -> Expectation {
    let what = w.monitor_what(&m.host, &m.counter, &m.value.to_string());
    match r.monitor.iter().find(|x| x.host == m.host) {
        None => Expectation {
            what,
            ok: false,
            detail: w.no_monitor(&m.host),
            localized: None,
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
                    detail: w.no_counter(&m.counter, &known.join(", ")),
                    localized: None,
                }
            }
            Some(v) => Expectation {
                what,
                ok: m.value.holds(v),
                detail: w.value_is(v),
                localized: None,
            },
        },
    }
}

#[cfg(test)]
mod tests;
