//! The diagnosis as text (in the locale) and as JSON: the ranked causes,
//! each with its article paragraph, what matched and what did not, and
//! what to check or change; then what tells the causes tied at the top
//! apart.

use std::fmt::Write as _;

use serde::Serialize;

use super::facts::{self, UNSEEN};
use super::labels::{label, Label};
use super::rank::{distinguish, Judged, Observable, Ranked, Shown, Split};
use super::text::{fact, feature_name};
use super::{CaptureFrom, Observations, ObservedEvent, Side};
use crate::scenario::schema::Locale;

/// Causes listed: every one tied at the top, then the next ones that score
/// above zero, up to this many in all.
const LISTED: usize = 10;

#[derive(Clone, Debug, Serialize)]
pub struct Diagnosis {
    pub locale: Locale,
    pub observed: Observed,
    pub causes: Vec<Cause>,
    /// What tells the causes tied at the top apart (empty for one).
    pub tell_apart: Vec<TellApart>,
    /// Causes tied at the top that nothing observable tells apart.
    pub same_symptoms: Vec<Vec<String>>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Observed {
    pub error: Option<u32>,
    pub events: Vec<ObservedEvent>,
    /// Feature -> value of the capture given (`unseen`: the capture
    /// cannot show it).
    pub capture: Option<std::collections::BTreeMap<String, String>>,
    /// Which machine took the capture, and how that is known.
    pub capture_from: Option<CaptureFrom>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Cause {
    /// 1 for every cause tied at the top, then its place.
    pub rank: usize,
    pub scenario: String,
    pub client: String,
    pub title: String,
    pub article: Option<String>,
    pub score: i32,
    /// The capture points (`host/network`) whose facts the capture matched
    /// best.
    pub compared_with: Vec<String>,
    pub matched: Vec<String>,
    pub not_matched: Vec<String>,
    /// What to check or change, in the locale (the scenario's `check:`).
    pub check: Option<String>,
    /// What the scenario sets on its base, as YAML lines.
    pub settings: Vec<String>,
}

/// One observation and, for each thing it can show, the tied causes that
/// show it.
#[derive(Clone, Debug, Serialize)]
pub struct TellApart {
    pub observe: String,
    pub groups: Vec<Shows>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Shows {
    pub shows: String,
    pub causes: Vec<String>,
}

/// Builds the report of `ranked` (best first).
pub fn diagnosis(obs: &Observations, ranked: &[Ranked<'_>], locale: Locale) -> Diagnosis {
    let best = ranked.first().map_or(0, |r| r.score);
    let tied = ranked.iter().take_while(|r| r.score == best).count();
    let causes = ranked
        .iter()
        .enumerate()
        .take_while(|(i, r)| *i < tied || (*i < LISTED.max(tied) && r.score > 0))
        .map(|(i, r)| cause(r, if r.score == best { 1 } else { i + 1 }, locale))
        .collect();
    let (tell_apart, same_symptoms) = if tied > 1 {
        let (splits, same) = distinguish(ranked.get(..tied).unwrap_or_default(), obs, locale);
        (splits.iter().map(|s| tell(s, locale)).collect(), same)
    } else {
        (Vec::new(), Vec::new())
    };
    Diagnosis {
        locale,
        observed: Observed {
            error: obs.error,
            events: obs.events.clone(),
            capture: obs.capture.as_ref().map(|c| {
                c.facts
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect()
            }),
            capture_from: obs.capture.as_ref().map(|c| c.from),
        },
        causes,
        tell_apart,
        same_symptoms,
    }
}

fn cause(r: &Ranked<'_>, rank: usize, locale: Locale) -> Cause {
    let (ok, bad): (Vec<&Judged>, Vec<&Judged>) = r
        .judged
        .iter()
        .filter(|j| j.telling())
        .partition(|j| j.ok());
    Cause {
        rank,
        scenario: r.case.scenario.clone(),
        client: r.case.client.clone(),
        title: r.case.title.clone(),
        article: r.case.article.clone(),
        score: r.score,
        compared_with: r
            .vantages
            .iter()
            .map(|v| format!("{}/{}", v.host, v.segment))
            .collect(),
        matched: ok.iter().map(|j| judged(j, locale)).collect(),
        not_matched: bad.iter().map(|j| judged(j, locale)).collect(),
        check: r
            .case
            .check
            .get(locale.tag())
            .or_else(|| r.case.check.values().next())
            .cloned(),
        settings: settings(&r.case.settings),
    }
}

/// What the scenario sets; its base only when it sets nothing else (the
/// base then is the cause: a NAT, a second network).
fn settings(settings: &[String]) -> Vec<String> {
    let own: Vec<String> = settings
        .iter()
        .filter(|s| !s.starts_with("base:"))
        .cloned()
        .collect();
    if own.is_empty() {
        settings.to_vec()
    } else {
        own
    }
}

fn error_words(locale: Locale, code: Option<u32>) -> String {
    match code {
        Some(c) => format!("{} {c}", label(locale, Label::Error)),
        None => label(locale, Label::Connects).to_string(),
    }
}

fn event_words(e: &ObservedEvent) -> String {
    let mut s = format!("{}:{}:{}", e.host, e.log, e.id);
    if let Some(t) = &e.text {
        s.push_str(&format!(" « {t} »"));
    }
    s
}

/// French puts a space before a colon and a semicolon, English does not.
fn colon(locale: Locale) -> &'static str {
    match locale {
        Locale::FrFr => " : ",
        Locale::EnUs => ": ",
    }
}

fn semicolon(locale: Locale) -> &'static str {
    match locale {
        Locale::FrFr => " ; ",
        Locale::EnUs => "; ",
    }
}

fn judged(j: &Judged, locale: Locale) -> String {
    let this = label(locale, Label::ThisCause);
    let c = colon(locale);
    match j {
        Judged::Error { observed, .. } if j.ok() => error_words(locale, Some(*observed)),
        Judged::Error { observed, cause } => format!(
            "{} ({this}{c}{})",
            error_words(locale, Some(*observed)),
            error_words(locale, *cause)
        ),
        Judged::Event { observed, .. } => {
            format!("{} {}", label(locale, Label::Event), event_words(observed))
        }
        Judged::Fact {
            feature, observed, ..
        } if j.ok() => fact(locale, feature, observed),
        Judged::Fact {
            feature,
            observed,
            cause,
        } => format!(
            "{} ({this}{c}{})",
            fact(locale, feature, observed),
            cause
                .iter()
                .map(|c| fact(locale, feature, c))
                .collect::<Vec<_>>()
                .join(" / ")
        ),
    }
}

fn on(locale: Locale, role: &str) -> &'static str {
    if role == "server" {
        label(locale, Label::OnServer)
    } else {
        label(locale, Label::OnClient)
    }
}

fn tell(s: &Split, locale: Locale) -> TellApart {
    let c = colon(locale);
    let observe = match &s.what {
        Observable::Fact { role, feature } => format!(
            "{}, {}{c}{}",
            label(locale, Label::Capture),
            on(locale, role),
            feature_name(locale, feature)
        ),
        Observable::Event(role, log, id) => format!(
            "{} {log} {id} {}",
            label(locale, Label::Event),
            on(locale, role)
        ),
        Observable::Edition => label(locale, Label::ClientWindows).to_string(),
        Observable::View(role, command) => {
            format!("`{command}` {}", on(locale, role))
        }
        Observable::EventText(role, log, id) => format!(
            "{} {log} {id} {} ({})",
            label(locale, Label::Event),
            on(locale, role),
            label(locale, Label::Text)
        ),
    };
    let feature = match &s.what {
        Observable::Fact { feature, .. } => feature.as_str(),
        _ => "",
    };
    let groups = s
        .groups
        .iter()
        .map(|(shown, causes)| Shows {
            shows: match shown {
                Shown::Values(v) => v
                    .iter()
                    .map(|x| fact(locale, feature, x))
                    .collect::<Vec<_>>()
                    .join(" / "),
                Shown::Logged(true) => label(locale, Label::Logged).to_string(),
                Shown::Logged(false) => label(locale, Label::NotLogged).to_string(),
                Shown::Edition(e) => e.clone(),
                Shown::Line(l) if l.is_empty() => "-".to_string(),
                Shown::Line(l) => format!("« {l} »"),
            },
            causes: causes.clone(),
        })
        .collect();
    TellApart { observe, groups }
}

/// The text report.
pub fn render_text(d: &Diagnosis) -> String {
    let l = d.locale;
    let (cl, sc) = (colon(l), semicolon(l));
    let mut o = String::new();
    let mut seen = Vec::new();
    if let Some(c) = d.observed.error {
        seen.push(error_words(l, Some(c)));
    }
    for e in &d.observed.events {
        seen.push(format!("{} {}", label(l, Label::Event), event_words(e)));
    }
    if let Some(c) = &d.observed.capture {
        let shown: Vec<String> = facts::FEATURES
            .iter()
            .filter_map(|(k, _)| Some((*k, c.get(*k)?)))
            .filter(|(k, v)| *v != facts::absent(k) && *v != UNSEEN)
            .map(|(k, v)| fact(l, k, v))
            .collect();
        seen.push(format!(
            "{} ({})",
            label(l, Label::Capture),
            if shown.is_empty() {
                "-".to_string()
            } else {
                shown.join(", ")
            }
        ));
    }
    if seen.is_empty() {
        seen.push(label(l, Label::NothingObserved).to_string());
    }
    let _ = writeln!(o, "{}{cl}{}", label(l, Label::Observed), seen.join(sc));
    if let Some(from) = &d.observed.capture_from {
        let _ = writeln!(
            o,
            "{}{cl}{}",
            label(l, Label::CapturedOn),
            captured_on(l, from)
        );
    }
    if let Some(c) = &d.observed.capture {
        let unseen: Vec<String> = facts::FEATURES
            .iter()
            .filter(|(k, _)| c.get(*k).is_some_and(|v| v == UNSEEN))
            .map(|(k, _)| feature_name(l, k))
            .collect();
        if !unseen.is_empty() {
            let _ = writeln!(
                o,
                "{}{cl}{}",
                label(l, Label::NotObservable),
                unseen.join(", ")
            );
        }
    }
    if d.causes.iter().all(|c| c.score <= 0) {
        let _ = writeln!(o, "({})", label(l, Label::NoCause));
    }
    for c in &d.causes {
        let _ = writeln!(o);
        let _ = writeln!(
            o,
            "{:>2}. {} ({})  {} {}",
            c.rank,
            c.scenario,
            c.client,
            label(l, Label::Score),
            c.score
        );
        let _ = writeln!(o, "    {}", c.title);
        if let Some(a) = &c.article {
            let _ = writeln!(o, "    {}{cl}{a}", label(l, Label::Article));
        }
        if !c.compared_with.is_empty() {
            let _ = writeln!(
                o,
                "    {} {}",
                label(l, Label::AsSeenOn),
                c.compared_with.join(", ")
            );
        }
        for (what, list) in [
            (Label::Matched, &c.matched),
            (Label::NotMatched, &c.not_matched),
        ] {
            if !list.is_empty() {
                let _ = writeln!(o, "    {}{cl}{}", label(l, what), list.join(sc));
            }
        }
        if let Some(check) = &c.check {
            let _ = writeln!(o, "    {}{cl}{check}", label(l, Label::Check));
        }
        for (i, s) in c.settings.iter().enumerate() {
            let head = if i == 0 {
                label(l, Label::Settings)
            } else {
                ""
            };
            let pad = label(l, Label::Settings).chars().count();
            let sep = if i == 0 { cl } else { "  " };
            let _ = writeln!(o, "    {head:<pad$}{sep}{s}");
        }
    }
    if !d.tell_apart.is_empty() {
        let _ = writeln!(o);
        let _ = writeln!(o, "{}{}", label(l, Label::TellApart), cl.trim_end());
        for t in &d.tell_apart {
            let _ = writeln!(o, "  {}", t.observe);
            for g in &t.groups {
                let _ = writeln!(o, "      {}{cl}{}", g.shows, g.causes.join(", "));
            }
        }
        for same in &d.same_symptoms {
            let _ = writeln!(
                o,
                "  {}{cl}{}",
                label(l, Label::SameSymptoms),
                same.join(", ")
            );
        }
        let _ = writeln!(o, "({})", label(l, Label::ArticleFirst));
    }
    o
}

/// Which machine took the capture, in words.
fn captured_on(l: Locale, from: &CaptureFrom) -> String {
    let side = |s: &Side| match s {
        Side::Client => label(l, Label::TheClient),
        Side::Server => label(l, Label::TheServer),
    };
    match from {
        CaptureFrom::Given { side: s } => format!("{} (--capture-from)", side(s)),
        CaptureFrom::Inferred { side: s, host } => {
            let how = match s {
                Side::Client => Label::InferredClient,
                Side::Server => Label::InferredServer,
            };
            format!(
                "{} ({})",
                side(s),
                label(l, how).replace("{host}", &host.to_string())
            )
        }
        CaptureFrom::Unknown => label(l, Label::SideUnknown).to_string(),
    }
}

/// Pretty JSON with a final newline.
pub fn render_json(d: &Diagnosis) -> String {
    let mut s = serde_json::to_string_pretty(d).unwrap_or_default();
    s.push('\n');
    s
}
