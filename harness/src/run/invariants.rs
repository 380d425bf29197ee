//! The invariants every run must keep (DESIGN.md, "Invariants every run
//! must keep"), checked after a run from its report and what each Windows
//! machine's audit shows. `sweep` checks them on every seed; so do the
//! random-fault property tests. A panic is the one invariant checked by
//! the caller (it has no report).

use core::time::Duration;

use l2tpsec::windows::audit::Audit;
use l2tpsec::windows::catalog;

use super::RunOutput;
use crate::report::{LogName, Report};
use crate::scenario::schema::{Command, Scenario};

/// How long a dial may take at most before it must have a result: IKE
/// gives up within about 80 s (main mode and quick mode resends) and L2TP
/// within 31 s of resends (WINDOWS.md 5), PPP after NegotiateTime (150 s,
/// WINDOWS.md 8); they run one after the other.
pub const DIAL_BOUND: Duration = Duration::from_secs(270);

/// One invariant a run broke.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Broken {
    /// Its short name, e.g. "every-dial-ends".
    pub invariant: &'static str,
    /// One line: which host and what was seen.
    pub detail: String,
}

/// Every invariant `out` breaks, in a fixed order.
pub fn check(scenario: &Scenario, out: &RunOutput) -> Vec<Broken> {
    let mut broken = Vec::new();
    let mut fail =
        |invariant: &'static str, detail: String| broken.push(Broken { invariant, detail });
    let r = &out.report;
    every_dial_ends(scenario, r, &mut fail);
    for (host, a) in &out.audits {
        audit(host, a, &mut fail);
    }
    ids_from_the_catalog(r, &mut fail);
    for m in &r.monitor {
        if let Some(sa) = m.sas.iter().find(|s| s.direction != "outbound") {
            fail(
                "monitor-shows-outbound-sas",
                format!("{}: IP Security Monitor shows SA {}", m.host, sa.spi),
            );
        }
    }
    broken
}

fn every_dial_ends(scenario: &Scenario, r: &Report, fail: &mut impl FnMut(&'static str, String)) {
    let end = Duration::from_millis(r.sim_time_ms);
    for d in r.dials.iter().filter(|d| !d.connected && d.error.is_none()) {
        let first = scenario
            .hosts
            .iter()
            .find(|(n, _)| **n == d.host)
            .and_then(|(_, h)| h.dial.as_ref())
            .map(|dial| dial.at);
        let redials = scenario
            .timeline
            .iter()
            .filter(|a| a.host == d.host && a.command == Command::Dial && a.at < end)
            .map(|a| a.at);
        let Some(last) = first.into_iter().chain(redials).max() else {
            continue;
        };
        if end >= last + DIAL_BOUND {
            fail(
                "every-dial-ends",
                format!(
                    "{}: a dial at {} ms has no result at {} ms",
                    d.host,
                    last.as_millis(),
                    r.sim_time_ms
                ),
            );
        }
    }
}

fn audit(host: &str, a: &Audit, fail: &mut impl FnMut(&'static str, String)) {
    for i in &a.installs {
        if !i.installed || i.inbound_spi == i.outbound_spi || i.inbound_spi_reused {
            fail(
                "quick-mode-has-two-sas",
                format!(
                    "{host}: quick mode with {} (rule {}): inbound {:08x}, outbound {:08x}, \
                     installed {}, inbound SPI reused {}",
                    i.peer,
                    i.rule,
                    i.inbound_spi,
                    i.outbound_spi,
                    i.installed,
                    i.inbound_spi_reused
                ),
            );
        }
    }
    if a.clear_l2tp_under_policy > 0 {
        fail(
            "no-clear-l2tp-under-policy",
            format!(
                "{host}: {} clear UDP 1701 packet(s) left while a filter required IPsec",
                a.clear_l2tp_under_policy
            ),
        );
    }
    for (&(id, counter), &(_, logged)) in a.driver_counts.iter().zip(&a.logged_counts) {
        if counter != logged {
            fail(
                "system-events-match-counters",
                format!("{host}: System {id} entries count {logged} packets, the driver {counter}"),
            );
        }
    }
    if let Some(s) = &a.server {
        if s.leased.len() > s.calls || s.calls > s.l2tp_sessions + s.pptp_calls {
            fail(
                "nothing-held-after-a-call",
                format!(
                    "{host}: {} address(es) leased, {} port(s) held, {} L2TP session(s), {} PPTP call(s)",
                    s.leased.len(),
                    s.calls,
                    s.l2tp_sessions,
                    s.pptp_calls
                ),
            );
        }
    }
}

fn ids_from_the_catalog(r: &Report, fail: &mut impl FnMut(&'static str, String)) {
    for d in &r.dials {
        if let Some(e) = &d.error {
            if catalog::entry(&format!("ras.{}", e.code)).is_none() {
                fail(
                    "ids-from-the-catalog",
                    format!("{}: RAS error {} is not in the catalog", d.host, e.code),
                );
            }
        }
    }
    for e in &r.events {
        let key = match e.log {
            LogName::System => format!("system.{}.{}", e.source, e.id),
            LogName::Security => format!("security.{}", e.id),
        };
        if catalog::entry(&key).is_none() {
            fail(
                "ids-from-the-catalog",
                format!("{}: event {key} is not in the catalog", e.host),
            );
        }
    }
}
