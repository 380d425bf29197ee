//! The text report, for people and snapshots: the same facts as the JSON,
//! in a deterministic layout.

use std::fmt::Write as _;

use super::words::{Section, Words};
use super::*;

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
    let w = Words(r.locale);
    let mut o = String::new();
    // Writing to a String cannot fail: results are ignored below.
    let _ = writeln!(
        o,
        "{}",
        w.header(
            &r.scenario,
            r.seed,
            r.locale,
            r.verdict,
            &fmt_ms(r.sim_time_ms)
        )
    );

    let _ = writeln!(o, "\n{}", w.section(Section::Dials));
    if r.dials.is_empty() {
        let _ = writeln!(o, "  {}", w.none());
    }
    for (i, d) in r.dials.iter().enumerate() {
        // A host that dialled more than once: which dial, and when.
        let of_host = r.dials.iter().filter(|x| x.host == d.host).count();
        if of_host > 1 {
            let nth = r.dials[..i].iter().filter(|x| x.host == d.host).count() + 1;
            let _ = writeln!(
                o,
                "  {}",
                w.nth_dial(&d.host, nth, of_host, &fmt_ms(d.at_ms))
            );
        }
        let outcome = |error: &Option<DialError>, connected: bool| match (error, connected) {
            (_, true) => w.connected(d.address),
            // The dialog line Windows shows (WINDOWS.md 2).
            (Some(e), false) => match r.locale {
                Locale::FrFr => format!("Erreur {} : {}", e.code, e.message),
                Locale::EnUs => format!("Error {}: {}", e.code, e.message),
            },
            (None, false) => w.no_result().to_string(),
        };
        // An Automatic connectoid's dial: one line per protocol tried.
        let n = d.attempts.len();
        for (i, a) in d.attempts.iter().enumerate().take(n.saturating_sub(1)) {
            let _ = writeln!(
                o,
                "  {} {}{}{}{}",
                d.host,
                a.protocol.as_str(),
                w.attempt(i + 1, n),
                w.colon(),
                outcome(&a.error, a.connected)
            );
        }
        let attempt = if n > 1 {
            w.attempt(n, n)
        } else {
            String::new()
        };
        let _ = writeln!(
            o,
            "  {} {}{attempt}{}{}",
            d.host,
            d.protocol.as_str(),
            w.colon(),
            outcome(&d.error, d.connected)
        );
        if !d.not_modelled.is_empty() {
            let _ = writeln!(
                o,
                "  {}{}{}",
                d.host,
                w.colon(),
                w.not_modelled(&d.not_modelled)
            );
        }
        if let Some(e) = &d.ended {
            let _ = writeln!(
                o,
                "  {} {}{}{}",
                d.host,
                d.protocol.as_str(),
                w.colon(),
                w.ended(&fmt_ms(e.at_ms), e.reason)
            );
        }
    }

    let _ = writeln!(o, "\n{}", w.section(Section::Events));
    if r.events.is_empty() {
        let _ = writeln!(o, "  {}", w.none());
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
        let _ = writeln!(o, "{}", w.log_heading(host, log));
        for e in events {
            let _ = writeln!(
                o,
                "  {:>10}  {}  {}  {}",
                fmt_ms(e.time_ms),
                e.id,
                e.source,
                w.event_type(e.kind)
            );
            for line in e.message.lines() {
                // One margin for every line of a text: the catalog starts
                // some lines (its labels) with a space, their values not.
                let _ = writeln!(o, "      {}", line.trim());
            }
        }
    }

    let _ = writeln!(o, "\n{}", w.section(Section::Packets));
    if r.packets.is_empty() {
        let _ = writeln!(o, "  {}", w.none());
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
        let _ = writeln!(o, "\n{}", w.section(Section::Faults));
    }
    for f in &r.faults {
        let rule = f
            .rule
            .map_or_else(|| w.middlebox().to_string(), |i| format!("faults[{i}]"));
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
        let _ = writeln!(o, "\n{}", w.section(Section::Diagnostics));
    }
    for d in &r.diagnostics {
        let _ = writeln!(o, "  {} {}: {} x{}", d.host, d.layer, d.what, d.count);
    }

    let _ = writeln!(o, "\n{}", w.section(Section::Monitor));
    if r.monitor.is_empty() {
        let _ = writeln!(o, "  {}", w.none());
    }
    for m in &r.monitor {
        let _ = writeln!(o, "-- {}", m.host);
        if m.sas.is_empty() {
            let _ = writeln!(o, "  {}", w.no_sa());
        }
        for sa in &m.sas {
            match &sa.encapsulation {
                Some(e) => {
                    let _ = writeln!(
                        o,
                        "  SA {} spi {} encapsulation {} {} -> {}",
                        w.sa_direction(&sa.direction),
                        sa.spi,
                        e.kind,
                        e.source_port,
                        e.destination_port
                    );
                }
                None => {
                    let _ = writeln!(o, "  SA {} spi {}", w.sa_direction(&sa.direction), sa.spi);
                }
            }
        }
        for (k, v) in &m.counters {
            let _ = writeln!(o, "  {k}: {v}");
        }
    }

    if !r.views.is_empty() {
        let _ = writeln!(o, "\n{}", w.section(Section::Views));
    }
    for v in &r.views {
        let _ = writeln!(o, "-- {} > {}", v.host, v.command);
        for line in v.output.lines() {
            let _ = writeln!(o, "  {line}");
        }
    }

    let _ = writeln!(o, "\n{}", w.section(Section::Expectations));
    if r.expectations.is_empty() {
        let _ = writeln!(o, "  {}", w.none());
    }
    for e in &r.expectations {
        let mark = if e.ok { '✓' } else { '✗' };
        // In the report's locale; the JSON keeps `what` and `detail`.
        let (what, detail) = e.shown();
        let _ = writeln!(o, "  {mark} {what}");
        if !detail.is_empty() {
            let _ = writeln!(o, "      {detail}");
        }
    }
    o
}
