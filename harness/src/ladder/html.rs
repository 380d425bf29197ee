//! The ladder as one self-contained HTML page (maud): a sticky header with
//! the dial results, a legend and the lane labels, then one SVG with a row
//! per arrow, lane mark or event. CSS and JS are inlined (page.css,
//! page.js); the page loads nothing. Coordinates are integers and every
//! list is in model order, so the same ladder gives the same bytes.
//!
//! DOM contract (harness/tests/ladder_browser.rs reads it):
//! - `div.lane[data-lane="host/segment"]`, one per host interface;
//! - `g.arrow[data-transmit][data-protocol][data-from][data-origin]`, with
//!   `data-to` when received, `data-lost="dropped|unreachable"` when not,
//!   `data-forwarded-from` when a router or NAT passed it on;
//! - inside an arrow: `text.nat-rewrite` and `g.mark-drop`,
//!   `g.mark-corrupt`, `g.mark-delay`, `g.mark-duplicate`,
//!   `g.mark-nat-no-mapping`, `g.mark-lost` (each `data-site`);
//! - `g.event[data-id][data-host][data-log][data-type]`;
//! - `div.dial[data-host][data-protocol][data-connected]`.

use maud::{html, Markup, PreEscaped, DOCTYPE};

use l2tpsec::net::AppliedAction;

use super::model::{Arrow, EventMark, Ladder, LaneMark, Loss, Mark, Row};
use crate::report::{fmt_ms, fmt_us, DialError, DialReport, Locale};

const CSS: &str = include_str!("page.css");
const JS: &str = include_str!("page.js");

/// Width of the time column and of one lane, right margin (pixels).
const TIME_W: i64 = 112;
const LANE_W: i64 = 250;
const PAD_R: i64 = 16;
/// Row height, and what a line of labels under an arrow adds.
const ROW_H: i64 = 28;
const BELOW_H: i64 = 14;
/// Estimated advance of one character at 12px and 11px.
const CHAR_W: i64 = 7;
const SMALL_W: i64 = 6;

fn n(i: usize) -> i64 {
    i64::try_from(i).unwrap_or(i64::MAX / 4)
}

fn lane_x(lane: usize) -> i64 {
    TIME_W + LANE_W / 2 + n(lane).saturating_mul(LANE_W)
}

fn text_w(s: &str, per: i64) -> i64 {
    n(s.chars().count()).saturating_mul(per)
}

/// `s` cut to `max` characters, with an ellipsis when cut.
fn fit(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
    t.push('…');
    t
}

fn us(d: core::time::Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

use l2tpsec::trace::hex;

/// The page.
pub fn render(l: &Ladder) -> String {
    let width = TIME_W + n(l.lanes.len()).saturating_mul(LANE_W) + PAD_R;
    let mut y = 0;
    let mut rows = Vec::with_capacity(l.rows.len());
    for (i, r) in l.rows.iter().enumerate() {
        let (m, h) = match r {
            Row::Arrow(a) => arrow(l, a, i, y, width),
            Row::Mark(m) => lane_mark(m, y, width),
            Row::Event(e) => event(e, y, width),
        };
        rows.push((y, h, i, m));
        y += h;
    }
    let height = y + 8;
    let page = html! {
        (DOCTYPE)
        html lang=(l.locale.tag()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { "Ladder — " (l.scenario) }
                style { (PreEscaped(CSS)) }
            }
            body {
                header {
                    h1 { span.name { (l.scenario) } " — " (l.title) }
                    div.meta {
                        "seed " (l.seed) " · simulated " (fmt_ms(l.sim_time_ms))
                        " · verdict " (l.verdict.as_str())
                        @if let Some(a) = &l.article { " · article « " (a) " »" }
                        span.hint {
                            " — one row per packet or event in time order (not to scale); hover an arrow for its details, click it for the hex dump"
                        }
                    }
                    div.dials {
                        @for d in &l.dials { (dial(d, l.locale)) }
                        @if l.dials.is_empty() { div.hint { "No dial in this scenario." } }
                    }
                    (legend(l))
                    (lane_header(l, width))
                }
                main {
                    @if l.rows.is_empty() {
                        p.empty { "Nothing was captured or logged (the run sent no packet)." }
                    }
                    svg.ladder xmlns="http://www.w3.org/2000/svg" width=(width) height=(height)
                        aria-label={ "Ladder diagram of " (l.scenario) } {
                        @for (y0, h, i, _) in &rows {
                            @if i % 2 == 1 { rect.stripe x="0" y=(y0) width=(width) height=(h) {} }
                        }
                        @for (x, w, parity) in host_bands(l) {
                            rect.host-band data-parity=(parity) x=(x) y="0" width=(w) height=(height) {}
                        }
                        @for (i, lane) in l.lanes.iter().enumerate() {
                            line.lane-line data-lane=(lane.id()) x1=(lane_x(i)) y1="0"
                                x2=(lane_x(i)) y2=(height) {}
                        }
                        @for (_, _, _, m) in &rows { (m) }
                    }
                }
                aside #detail hidden {
                    button #detail-close type="button" title="Close (Esc)" { "×" }
                    pre #detail-text {}
                }
                script { (PreEscaped(JS)) }
            }
        }
    };
    page.into_string()
}

/// The dialog line Windows shows (WINDOWS.md 2), as the text report has it.
fn outcome(connected: bool, error: Option<&DialError>, d: &DialReport, locale: Locale) -> String {
    match (connected, error) {
        (true, _) => match d.address {
            Some(a) => format!("connected, address {a}"),
            None => "connected".to_string(),
        },
        (false, Some(e)) => match locale {
            Locale::FrFr => format!("Erreur {} : {}", e.code, e.message),
            Locale::EnUs => format!("Error {}: {}", e.code, e.message),
        },
        (false, None) => "no result".to_string(),
    }
}

fn dial(d: &DialReport, locale: Locale) -> Markup {
    let last = outcome(d.connected, d.error.as_ref(), d, locale);
    html! {
        div.dial data-host=(d.host) data-protocol=(d.protocol.as_str())
            data-connected=(d.connected) data-error=[d.error.as_ref().map(|e| e.code)] {
            span.who { (d.host) } " · " (d.protocol.as_str().to_uppercase()) " · "
            span.result { (last) }
            @if d.attempts.len() > 1 {
                ol {
                    @for a in &d.attempts {
                        li.attempt data-protocol=(a.protocol.as_str()) data-connected=(a.connected) {
                            (a.protocol.as_str().to_uppercase()) ": "
                            (outcome(a.connected, a.error.as_ref(), d, locale))
                        }
                    }
                }
            }
        }
    }
}

/// What a mark says, and its class.
fn mark_text(m: &Mark) -> (&'static str, String) {
    let rule = m
        .rule
        .map(|r| format!(" (faults[{r}])"))
        .unwrap_or_default();
    let site = &m.site;
    match m.action {
        AppliedAction::Drop => ("mark-drop", format!("✕ dropped at {site}{rule}")),
        AppliedAction::Corrupt => ("mark-corrupt", format!("corrupted at {site}{rule}")),
        AppliedAction::Delay => ("mark-delay", format!("delayed at {site}{rule}")),
        AppliedAction::Duplicate => ("mark-duplicate", format!("duplicated at {site}{rule}")),
        AppliedAction::NatNoMapping => (
            "mark-nat-no-mapping",
            format!("refused by {site}: no NAT mapping{rule}"),
        ),
    }
}

/// The glyph of a mark class, centred on (x, y).
fn glyph(class: &str, x: i64, y: i64) -> Markup {
    html! {
        @match class {
            "mark-drop" => {
                path d={ "M" (x - 6) "," (y - 6) "L" (x + 6) "," (y + 6)
                    "M" (x - 6) "," (y + 6) "L" (x + 6) "," (y - 6) } {}
            }
            "mark-corrupt" => {
                path d={ "M" (x - 7) "," (y + 4) "L" (x - 3) "," (y - 5)
                    "L" (x + 1) "," (y + 4) "L" (x + 5) "," (y - 5) "L" (x + 8) "," (y + 1) } {}
            }
            "mark-delay" => {
                circle cx=(x) cy=(y) r="6" {}
                path d={ "M" (x) "," (y - 4) "L" (x) "," (y) "L" (x + 3) "," (y + 2) } {}
            }
            "mark-duplicate" => {
                rect x=(x - 6) y=(y - 6) width="8" height="8" {}
                rect x=(x - 2) y=(y - 2) width="8" height="8" {}
            }
            "mark-nat-no-mapping" => {
                circle cx=(x) cy=(y) r="7" {}
                path d={ "M" (x - 5) "," (y + 5) "L" (x + 5) "," (y - 5) } {}
            }
            _ => {
                circle cx=(x) cy=(y) r="6" {}
                text x=(x) y=(y + 4) text-anchor="middle" { "?" }
            }
        }
    }
}

fn legend(l: &Ladder) -> Markup {
    let mut protocols: Vec<&str> = Vec::new();
    for a in l.arrows() {
        let p = a.packet.protocol.as_str();
        if !protocols.contains(&p) {
            protocols.push(p);
        }
    }
    let marks = [
        ("mark-drop", "dropped (the arrow stops halfway)"),
        ("mark-corrupt", "corrupted"),
        ("mark-delay", "delayed"),
        ("mark-duplicate", "duplicated"),
        ("mark-nat-no-mapping", "refused by a NAT (no mapping)"),
        ("mark-lost", "lost (nobody had the next hop)"),
    ];
    html! {
        div.legend {
            @for p in &protocols {
                span { span.swatch data-protocol=(p) {} (p.to_uppercase()) }
            }
            @for (class, what) in marks {
                span {
                    svg width="18" height="18" xmlns="http://www.w3.org/2000/svg" {
                        g.key data-mark=(class) { (glyph(class, 9, 9)) }
                    }
                    " " (what)
                }
            }
            span {
                svg width="18" height="18" xmlns="http://www.w3.org/2000/svg" {
                    g.key data-type="failure-audit" { path.pin d="M9,2L16,9L9,16L2,9Z" {} }
                }
                " event-log entry"
            }
            span { span.key-rewrite { "NAT src a → b" } ": address or port rewritten when forwarded" }
        }
    }
}

/// "even" or "odd" per lane: the parity of its host's index, so that
/// neighbouring hosts are told apart.
fn parities(l: &Ladder) -> Vec<&'static str> {
    let mut host_index = 0usize;
    let mut out = Vec::with_capacity(l.lanes.len());
    for (i, lane) in l.lanes.iter().enumerate() {
        if i > 0 && l.lanes.get(i - 1).is_some_and(|p| p.host != lane.host) {
            host_index += 1;
        }
        out.push(if host_index % 2 == 1 { "odd" } else { "even" });
    }
    out
}

/// (x, width, parity) of a band joining the lanes of each host with
/// several interfaces (a router or NAT between its segments).
fn host_bands(l: &Ladder) -> Vec<(i64, i64, &'static str)> {
    let parity = parities(l);
    let mut bands = Vec::new();
    let mut start = 0;
    for i in 1..=l.lanes.len() {
        let same = match (l.lanes.get(i), l.lanes.get(start)) {
            (Some(a), Some(b)) => a.host == b.host,
            _ => false,
        };
        if !same {
            if i - start > 1 {
                let x = lane_x(start) - 14;
                let p = parity.get(start).copied().unwrap_or("even");
                bands.push((x, lane_x(i - 1) + 14 - x, p));
            }
            start = i;
        }
    }
    bands
}

fn lane_header(l: &Ladder, width: i64) -> Markup {
    html! {
        div.lanes style={ "width:" (width) "px" } {
            @for ((i, lane), parity) in l.lanes.iter().enumerate().zip(parities(l)) {
                div.lane data-lane=(lane.id()) data-host=(lane.host) data-segment=(lane.segment)
                    data-address=(lane.address) data-parity=(parity)
                    style={ "left:" (lane_x(i) - LANE_W / 2 + 4) "px;width:" (LANE_W - 8) "px" } {
                    span.host { (lane.host) } " " span.role { (lane.role.as_str()) } br;
                    span.net { (lane.segment) } " " span.addr { (lane.address) }
                }
            }
        }
    }
}

fn arrow_title(l: &Ladder, a: &Arrow) -> String {
    let lane = |i: usize| l.lanes.get(i).map(|x| x.id()).unwrap_or_default();
    let p = &a.packet;
    let to = match (a.to, a.loss) {
        (Some(t), _) => lane(t),
        (None, Some(Loss::Dropped)) => "(dropped)".to_string(),
        (None, _) => "(lost: nobody had the next hop)".to_string(),
    };
    let mut s = format!(
        "transmit #{}: {} {} → {}\nsent {}",
        a.transmit,
        p.protocol.as_str().to_uppercase(),
        lane(a.from),
        to,
        fmt_us(us(a.sent))
    );
    if let Some(r) = a.received {
        s.push_str(&format!("   received {}", fmt_us(us(r))));
    }
    s.push_str(&format!("\n{} → {}", p.src, p.dst));
    if let Some(spi) = &p.spi {
        s.push_str(&format!("\nSPI {spi}"));
    }
    s.push_str(&format!("\n{}\n{} bytes", p.summary, p.data.len()));
    if let Some(m) = a.forwarded_from {
        s.push_str(&format!("\nforwards transmit #{m}"));
    }
    if let Some(r) = &a.rewrite {
        s.push_str(&format!(" ({})", r.label()));
    }
    if a.origin != a.from {
        s.push_str(&format!("\nentered the network at {}", lane(a.origin)));
    }
    for m in &a.marks {
        s.push_str(&format!("\n{}", mark_text(m).1));
    }
    s
}

fn arrow(l: &Ladder, a: &Arrow, i: usize, y0: i64, width: i64) -> (Markup, i64) {
    let x1 = lane_x(a.from);
    let x2 = match (a.to, a.toward) {
        (Some(t), _) => lane_x(t),
        (None, Some(t)) => x1 + (lane_x(t) - x1) / 2,
        (None, None) if x1 + LANE_W / 2 <= width - PAD_R => x1 + LANE_W / 2,
        (None, None) => x1 - LANE_W / 2,
    };
    let dir = if x2 < x1 { -1 } else { 1 };
    let y = y0 + 21;
    let lo = TIME_W + 4;
    let hi = width - 4;

    let label = &a.packet.summary;
    let lw = text_w(label, CHAR_W);
    let cx = ((x1 + x2) / 2).min(hi - lw / 2).max(lo + lw / 2);

    // The line under the arrow: the rewriting, then each mark's words.
    let mut below: Vec<(i64, Markup)> = Vec::new();
    let mut cursor = x1.min(x2).max(lo);
    let rewrite = a.rewrite.as_ref().map(|r| r.label());
    if let Some(r) = &rewrite {
        below.push((
            cursor,
            html! { text.nat-rewrite x=(cursor) y=(y + 14) { (r) } },
        ));
        cursor += text_w(r, SMALL_W) + 12;
    }
    let mut marks = Vec::new();
    let mut mid = 0;
    for m in &a.marks {
        let (class, words) = mark_text(m);
        let (gx, gy) = match m.action {
            AppliedAction::Drop if a.to.is_none() => (x2, y),
            AppliedAction::NatNoMapping => (x2 + dir * 12, y),
            _ => {
                mid += 1;
                ((x1 + x2) / 2 + (mid - 1) * 18 - 24 * dir, y)
            }
        };
        marks.push(html! {
            g class=(class) data-mark=(class) data-site=(m.site) data-rule=[m.rule] {
                (glyph(class, gx, gy))
                text.small x=(cursor) y=(y + 14) { (words) }
            }
        });
        cursor += text_w(&words, SMALL_W) + 12;
    }
    if a.loss == Some(Loss::Unreachable) {
        let words = "lost: nobody on the segment had the next hop";
        marks.push(html! {
            g.mark-lost data-mark="mark-lost" data-site=[l.lanes.get(a.from).map(|x| &x.segment)] {
                (glyph("mark-lost", x2, y))
                text.small x=(cursor) y=(y + 14) { (words) }
            }
        });
    }
    let has_below = !below.is_empty() || !marks.is_empty();
    let h = ROW_H + if has_below { BELOW_H } else { 0 };
    let lane = |i: usize| l.lanes.get(i).map(|x| x.id());
    let lost = a.loss.map(|x| match x {
        Loss::Dropped => "dropped",
        Loss::Unreachable => "unreachable",
    });
    let shaft_end = if a.to.is_some() { x2 - dir * 8 } else { x2 };
    let m = html! {
        g.arrow id={ "r" (i) } data-transmit=(a.transmit) data-protocol=(a.packet.protocol.as_str())
            data-from=[lane(a.from)] data-to=[a.to.and_then(lane)] data-origin=[lane(a.origin)]
            data-forwarded-from=[a.forwarded_from] data-lost=[lost] data-sent-us=(us(a.sent))
            data-hex=(hex(&a.packet.data)) data-hex-received=[a.received_data.as_deref().map(hex)] {
            title { (arrow_title(l, a)) }
            text.t x="6" y=(y + 4) { (fmt_us(us(a.sent))) }
            line.shaft x1=(x1) y1=(y) x2=(shaft_end) y2=(y) {}
            @if a.to.is_some() {
                path.head d={ "M" (x2) "," (y) "L" (x2 - dir * 9) "," (y - 5) "L" (x2 - dir * 9) "," (y + 5) "Z" } {}
            }
            text.label x=(cx) y=(y0 + 13) text-anchor="middle" { (label) }
            @for (_, b) in &below { (b) }
            @for mk in &marks { (mk) }
        }
    };
    (m, h)
}

/// A label of `text` beside lane x at baseline y: to the right when it
/// fits, else to the left, cut to the wider side.
fn beside(x: i64, y: i64, width: i64, text: &str, class: &str) -> Markup {
    let room_r = width - 4 - (x + 12);
    let room_l = x - 12 - (TIME_W + 4);
    let w = text_w(text, CHAR_W);
    let (tx, anchor, room) = if w <= room_r || room_r >= room_l {
        (x + 12, "start", room_r)
    } else {
        (x - 12, "end", room_l)
    };
    let max = usize::try_from((room / CHAR_W).max(8)).unwrap_or(8);
    html! { text class=(class) x=(tx) y=(y) text-anchor=(anchor) { (fit(text, max)) } }
}

fn event(e: &EventMark, y0: i64, width: i64) -> (Markup, i64) {
    let x = lane_x(e.lane);
    let y = y0 + 14;
    let first = e
        .message
        .lines()
        .map(str::trim)
        .find(|s| !s.is_empty())
        .unwrap_or("");
    let label = format!("{} {} · {}", e.id, e.source, first);
    let title = format!(
        "event {} {} ({} log, {}) on {} at {}\n{}",
        e.id,
        e.source,
        e.log.name(),
        e.kind.name(),
        e.host,
        fmt_ms(u64::try_from(e.time.as_millis()).unwrap_or(u64::MAX)),
        e.message
    );
    let m = html! {
        g.event data-id=(e.id) data-host=(e.host) data-log=(e.log.name()) data-type=(e.kind.name())
            data-source=(e.source) data-time-ms=(e.time.as_millis()) {
            title { (title) }
            text.t x="6" y=(y + 4) { (fmt_us(us(e.time))) }
            path.pin d={ "M" (x) "," (y - 8) "L" (x + 8) "," (y) "L" (x) "," (y + 8) "L" (x - 8) "," (y) "Z" } {}
            (beside(x, y + 4, width, &label, "label"))
        }
    };
    (m, ROW_H)
}

fn lane_mark(m: &LaneMark, y0: i64, width: i64) -> (Markup, i64) {
    let x = lane_x(m.lane);
    let y = y0 + 14;
    let (class, words) = mark_text(&m.mark);
    let label = format!("{words}: {}", m.packet.summary);
    let title = format!(
        "{words}\nat {}\n{} → {}\n{}\n{} bytes",
        fmt_us(us(m.time)),
        m.packet.src,
        m.packet.dst,
        m.packet.summary,
        m.packet.data.len()
    );
    let html = html! {
        g.lane-mark data-protocol=(m.packet.protocol.as_str()) data-hex=(hex(&m.packet.data)) {
            title { (title) }
            text.t x="6" y=(y + 4) { (fmt_us(us(m.time))) }
            g class=(class) data-mark=(class) data-site=(m.mark.site) data-rule=[m.mark.rule] {
                (glyph(class, x, y))
                (beside(x, y + 4, width, &label, "small"))
            }
        }
    };
    (html, ROW_H)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ladder::build;
    use crate::ladder::fixture::*;

    /// A NAT lab run with a forwarded, a dropped and a refused packet and
    /// an event whose message looks like markup.
    fn page() -> (Ladder, String) {
        let p = isakmp(CLIENT, SERVER, 1);
        let q = isakmp(NAT_OUT, SERVER, 1);
        let stray = udp(SERVER, 4500, NAT_OUT, 4500, &[0, 0, 0, 0, 1, 2, 3, 4]);
        let mut ev = crate::ladder::fixture::event("server", 4285, ms(1500));
        ev.message = "<script>alert(1)</script> & more".into();
        let out = output(
            vec![
                cap("client", "lan", ms(1000), true, &p, 0),
                cap("gw", "lan", ms(1001), false, &p, 0),
                cap("gw", "internet", ms(1001), true, &q, 1),
                cap("server", "internet", ms(2000), true, &stray, 2),
                cap("gw", "internet", ms(2015), false, &stray, 2),
            ],
            vec![
                segment_fault(ms(1001), "internet", AppliedAction::Drop, &q, 1),
                host_fault(ms(2015), "gw", AppliedAction::NatNoMapping, &stray, None),
            ],
            vec![ev],
        );
        let l = build(&lab(true), &out);
        let html = render(&l);
        (l, html)
    }

    #[test]
    fn every_lane_arrow_mark_and_event_has_its_element() {
        let (l, html) = page();
        assert_eq!(html.matches("class=\"lane\"").count(), l.lanes.len());
        assert!(html.contains("data-lane=\"gw/internet\""));
        assert_eq!(html.matches("class=\"arrow\"").count(), 3);
        assert!(
            html.contains("data-transmit=\"1\" data-protocol=\"isakmp\" data-from=\"gw/internet\"")
        );
        assert_eq!(html.matches("class=\"mark-drop\"").count(), 1);
        assert_eq!(html.matches("class=\"mark-nat-no-mapping\"").count(), 1);
        assert_eq!(html.matches("class=\"nat-rewrite\"").count(), 1);
        assert!(html.contains("NAT src 192.168.1.10:500 → 203.0.113.2:500"));
        assert_eq!(html.matches("class=\"event\"").count(), 1);
        assert!(html.contains("data-id=\"4285\" data-host=\"server\""));
        // The packet's bytes, for the hex dump.
        assert!(html.contains(&format!("data-hex=\"{}\"", hex(&isakmp(CLIENT, SERVER, 1)))));
    }

    #[test]
    fn text_from_the_run_is_escaped() {
        let (_, html) = page();
        assert!(!html.contains("<script>alert"));
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; more"));
    }

    #[test]
    fn the_page_loads_nothing_from_outside() {
        let (_, html) = page();
        let without_ns = html.replace("xmlns=\"http://www.w3.org/2000/svg\"", "");
        for needle in ["http://", "https://", " src=", "href=", "url(", "@import"] {
            assert!(!without_ns.contains(needle), "the page holds {needle}");
        }
        assert!(html.starts_with("<!DOCTYPE html>"));
        assert_eq!(html.matches("<script>").count(), 1);
    }

    #[test]
    fn a_run_without_captures_still_shows_its_lanes() {
        let l = build(&lab(false), &output(vec![], vec![], vec![]));
        let html = render(&l);
        assert_eq!(html.matches("class=\"lane\"").count(), 4);
        assert!(html.contains("Nothing was captured"));
    }

    #[test]
    fn a_long_label_is_cut_with_an_ellipsis() {
        assert_eq!(fit("abcdef", 4), "abc…");
        assert_eq!(fit("abc", 4), "abc");
        assert_eq!(hex(&[0, 0xab, 0x10]), "00ab10");
    }
}
