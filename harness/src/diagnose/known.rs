//! The RAS errors and event-log entries `diagnose` knows: those of the
//! message catalog (the texts every simulated Windows shows) and those the
//! library's causes show. Anything else given with `--error` or `--event`
//! is bad input (SCENARIOS.md, third round): a mistyped code (729 for 792)
//! would otherwise rank every cause below zero and say nothing of the
//! typo. `l2tpsec diagnose --known` lists them.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::ops::RangeInclusive;

use l2tpsec::windows::catalog;
use serde::Serialize;

use super::index::Case;
use super::Observations;
use crate::scenario::schema::Locale;

/// RAS error codes (raserror.h: RASBASE 600 up to the last one below
/// 1000); the catalog keys them `ras.<code>`.
const RAS_CODES: RangeInclusive<u32> = 600..=999;
/// An event id is the low 16 bits of a Windows event identifier.
const EVENT_IDS: RangeInclusive<u32> = 0..=0xffff;
/// The source of every Security log entry.
const SECURITY: &str = "Security";

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum Unknown {
    #[error(
        "unknown RAS error {0}: neither the catalog nor any cause of the library shows it \
         (`l2tpsec diagnose --known` lists the known errors and events)"
    )]
    Error(u32),
    #[error(
        "unknown event {log} {id}: neither the catalog nor any cause of the library logs it \
         (`l2tpsec diagnose --known` lists the known errors and events)"
    )]
    Event { log: String, id: u32 },
}

/// The catalog key of an event of `source` in `log`.
fn event_key(log: &str, source: &str, id: u32) -> String {
    if log == "security" {
        format!("security.{id}")
    } else {
        format!("{log}.{source}.{id}")
    }
}

/// The System log's sources: a catalog key names one, an observation does
/// not, so those the library logs are tried.
fn sources(cases: &[Case]) -> BTreeSet<&str> {
    cases
        .iter()
        .flat_map(|c| &c.events)
        .filter(|e| e.log != "security")
        .map(|e| e.source.as_str())
        .collect()
}

fn error_known(code: u32, cases: &[Case]) -> bool {
    catalog::entry(&format!("ras.{code}")).is_some() || cases.iter().any(|c| c.error == Some(code))
}

fn event_known(log: &str, id: u32, cases: &[Case], sources: &BTreeSet<&str>) -> bool {
    let in_catalog = if log == "security" {
        catalog::entry(&event_key(log, SECURITY, id)).is_some()
    } else {
        sources
            .iter()
            .any(|s| catalog::entry(&event_key(log, s, id)).is_some())
    };
    in_catalog
        || cases
            .iter()
            .flat_map(|c| &c.events)
            .any(|e| e.log == log && e.id == id)
}

/// Whether every error and event of `obs` is known.
pub fn check(obs: &Observations, cases: &[Case]) -> Result<(), Unknown> {
    if let Some(code) = obs.error {
        if !error_known(code, cases) {
            return Err(Unknown::Error(code));
        }
    }
    let sources = sources(cases);
    for e in &obs.events {
        if !event_known(&e.log, e.id, cases, &sources) {
            return Err(Unknown::Event {
                log: e.log.clone(),
                id: e.id,
            });
        }
    }
    Ok(())
}

/// Every known error and event, with its text in the locale.
#[derive(Clone, Debug, Serialize)]
pub struct Known {
    pub errors: Vec<KnownError>,
    pub events: Vec<KnownEvent>,
}

#[derive(Clone, Debug, Serialize)]
pub struct KnownError {
    pub code: u32,
    pub message: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct KnownEvent {
    pub log: String,
    pub id: u32,
    pub source: String,
    /// The first line of its text (insertion strings left as `%n`).
    pub message: String,
}

/// Lists what `check` accepts.
pub fn list(cases: &[Case], locale: Locale) -> Known {
    let mut codes: BTreeSet<u32> = RAS_CODES
        .filter(|c| catalog::entry(&format!("ras.{c}")).is_some())
        .collect();
    codes.extend(cases.iter().filter_map(|c| c.error));
    let errors = codes
        .into_iter()
        .map(|code| KnownError {
            code,
            message: catalog::ras_error_message(locale, code),
        })
        .collect();
    // (log, id, source) from the catalog, then from the library.
    let mut keys: BTreeSet<(String, u32, String)> = BTreeSet::new();
    let logs = std::iter::once(("security", SECURITY)).chain(
        sources(cases)
            .into_iter()
            .map(|s| ("system", s))
            .collect::<Vec<_>>(),
    );
    for (log, source) in logs {
        for id in EVENT_IDS {
            if catalog::entry(&event_key(log, source, id)).is_some() {
                keys.insert((log.to_string(), id, source.to_string()));
            }
        }
    }
    for e in cases.iter().flat_map(|c| &c.events) {
        keys.insert((e.log.clone(), e.id, e.source.clone()));
    }
    let events = keys
        .into_iter()
        .map(|(log, id, source)| {
            let text = catalog::render(locale, &event_key(&log, &source, id), &[]);
            KnownEvent {
                message: text.lines().next().unwrap_or_default().trim().to_string(),
                log,
                id,
                source,
            }
        })
        .collect();
    Known { errors, events }
}

/// The list as text: one line per error, then per event (`LOG:ID`, as
/// `--event` takes it after the host).
pub fn render_text(k: &Known, locale: Locale) -> String {
    let (errors, events) = match locale {
        Locale::FrFr => (
            "Erreurs RAS (--error)",
            "Événements (--event HÔTE:JOURNAL:ID)",
        ),
        Locale::EnUs => ("RAS errors (--error)", "Events (--event HOST:LOG:ID)"),
    };
    let mut o = String::new();
    let _ = writeln!(o, "{errors}");
    for e in &k.errors {
        let _ = writeln!(o, "  {:<5} {}", e.code, e.message);
    }
    let _ = writeln!(o);
    let _ = writeln!(o, "{events}");
    for e in &k.events {
        let _ = writeln!(
            o,
            "  {:<16} {:<13} {}",
            format!("{}:{}", e.log, e.id),
            e.source,
            e.message
        );
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::ObservedEvent;

    fn obs(error: Option<u32>, events: &[&str]) -> Observations {
        Observations {
            error,
            events: events
                .iter()
                .map(|e| e.parse::<ObservedEvent>().unwrap())
                .collect(),
            capture: None,
        }
    }

    #[test]
    fn catalog_errors_and_security_events_are_known_without_a_library() {
        assert_eq!(
            check(&obs(Some(792), &["client:security:547"]), &[]),
            Ok(())
        );
        assert_eq!(check(&obs(Some(729), &[]), &[]), Err(Unknown::Error(729)));
        assert_eq!(
            check(&obs(None, &["server:security:12345"]), &[]),
            Err(Unknown::Event {
                log: "security".into(),
                id: 12345
            })
        );
        // A System event needs a source the library logs.
        assert!(check(&obs(None, &["server:system:20271"]), &[]).is_err());
    }

    #[test]
    fn the_list_has_the_catalogs_errors_in_the_locale() {
        let k = list(&[], Locale::EnUs);
        let e792 = k.errors.iter().find(|e| e.code == 792).unwrap();
        assert!(
            e792.message.contains("security negotiation timed out"),
            "{e792:?}"
        );
        assert!(k.events.iter().any(|e| e.log == "security" && e.id == 547));
        let text = render_text(&k, Locale::EnUs);
        assert!(text.contains("security:547"), "{text}");
    }
}
