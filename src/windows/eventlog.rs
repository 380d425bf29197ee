//! Event logs (System, Security) as the Event Viewer shows them: source, id,
//! type, time, and a message rendered from the catalog in the report locale.

use core::time::Duration;

use super::catalog::{self, Locale};
use crate::values::civil_from_days;

/// Which log an entry goes to (`log: security` in scenarios and reports).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum Log {
    System,
    Security,
}

impl Log {
    /// The name scenarios and reports use (`log: security`).
    pub fn name(self) -> &'static str {
        match self {
            Log::System => "system",
            Log::Security => "security",
        }
    }

    pub fn as_str(self) -> &'static str {
        self.name()
    }
}

impl core::fmt::Display for Log {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.name())
    }
}

/// The Event Viewer's "Type" column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EventType {
    Information,
    Warning,
    Error,
    SuccessAudit,
    FailureAudit,
}

impl EventType {
    pub fn name(self) -> &'static str {
        match self {
            EventType::Information => "information",
            EventType::Warning => "warning",
            EventType::Error => "error",
            EventType::SuccessAudit => "success-audit",
            EventType::FailureAudit => "failure-audit",
        }
    }

    pub fn as_str(self) -> &'static str {
        self.name()
    }
}

/// One insertion string of an event: literal text (a user name, an address:
/// printed as it is, whatever characters it holds), or a catalog text
/// rendered in the report locale, with insertion strings of its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Arg {
    Text(String),
    Catalog {
        key: String,
        args: Vec<Arg>,
    },
    /// The date of a wall-clock instant (Unix seconds), as the locale
    /// writes short dates: `12/5/2026`, `05/12/2026` [MODEL: the short
    /// date formats of en-US and fr-FR].
    Date(i64),
    /// Its time of day: `2:03:22 PM`, `14:03:22` [MODEL, as above].
    TimeOfDay(i64),
}

impl Arg {
    /// A catalog text without insertion strings (a reason, a mode name).
    pub fn catalog(key: impl Into<String>) -> Arg {
        Arg::Catalog {
            key: key.into(),
            args: Vec::new(),
        }
    }

    /// A catalog text with its own insertion strings (an audit block).
    pub fn nested(key: impl Into<String>, args: Vec<Arg>) -> Arg {
        Arg::Catalog {
            key: key.into(),
            args,
        }
    }

    fn render(&self, locale: Locale) -> String {
        match self {
            Arg::Text(t) => t.clone(),
            Arg::Catalog { key, args } => {
                let args: Vec<String> = args.iter().map(|a| a.render(locale)).collect();
                catalog::render(locale, key, &args)
            }
            Arg::Date(unix) => {
                let (y, m, d) = civil_from_days(unix.div_euclid(86_400));
                match locale {
                    Locale::EnUs => format!("{m}/{d}/{y}"),
                    Locale::FrFr => format!("{d:02}/{m:02}/{y}"),
                }
            }
            Arg::TimeOfDay(unix) => {
                let s = unix.rem_euclid(86_400);
                let (h, mi, sec) = (s / 3600, s % 3600 / 60, s % 60);
                match locale {
                    Locale::EnUs => {
                        let half = if h < 12 { "AM" } else { "PM" };
                        let h12 = if h % 12 == 0 { 12 } else { h % 12 };
                        format!("{h12}:{mi:02}:{sec:02} {half}")
                    }
                    Locale::FrFr => format!("{h:02}:{mi:02}:{sec:02}"),
                }
            }
        }
    }
}

impl From<String> for Arg {
    fn from(s: String) -> Arg {
        Arg::Text(s)
    }
}

impl From<&str> for Arg {
    fn from(s: &str) -> Arg {
        Arg::Text(s.to_string())
    }
}

/// One entry. The message is kept as catalog key plus insertion strings and
/// rendered on demand, so one run can be reported in either locale.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub log: Log,
    pub id: u32,
    pub source: &'static str,
    pub kind: EventType,
    pub time: Duration,
    pub args: Vec<Arg>,
}

impl Event {
    /// The catalog key: `system.<source>.<id>` or `security.<id>`.
    pub fn key(&self) -> String {
        match self.log {
            Log::System => format!("system.{}.{}", self.source, self.id),
            Log::Security => format!("security.{}", self.id),
        }
    }

    /// The rendered message, catalog insertion strings in the same locale.
    pub fn message(&self, locale: Locale) -> String {
        let args: Vec<String> = self.args.iter().map(|a| a.render(locale)).collect();
        catalog::render(locale, &self.key(), &args)
    }
}

/// A machine's logs, in the order entries were written.
#[derive(Debug, Clone, Default)]
pub struct EventLogs {
    entries: Vec<Event>,
}

impl EventLogs {
    pub fn write(&mut self, event: Event) {
        self.entries.push(event);
    }

    pub fn entries(&self) -> &[Event] {
        &self.entries
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_insertion_strings_render_in_locale() {
        let e = Event {
            log: Log::Security,
            id: 547,
            source: "Security",
            kind: EventType::FailureAudit,
            time: Duration::from_secs(63),
            args: vec![
                Arg::catalog("ike.mode.main"),
                Arg::nested("ike.identity.none", vec!["203.0.113.10".into()]),
                Arg::catalog("ike.identity.none"),
                Arg::catalog("ike.point.me"),
                Arg::catalog("ike.reason.13813"),
                Arg::nested(
                    "ike.status.peer-notify",
                    vec![Arg::catalog("ike.value.none")],
                ),
            ],
        };
        let en = e.message(Locale::EnUs);
        assert!(en.starts_with("IKE security association negotiation failed.\n Mode: \nKey Exchange Mode (Main Mode)"), "{en}");
        assert!(en.contains("Failure Reason: \nNo response from peer"));
        assert!(en.contains("Peer IP Address: 203.0.113.10"));
        assert!(en.contains("(ISAKMP notify None)"), "{en}");
        assert!(e
            .message(Locale::FrFr)
            .contains("Pas de réponse de l'homologue"));
    }

    #[test]
    fn dates_and_times_print_as_each_locale_writes_them() {
        // 2026-12-05T14:03:22Z and 2026-01-09T00:05:01Z.
        let (pm, midnight) = (1_796_479_402, 1_767_917_101);
        let en = |a: Arg| a.render(Locale::EnUs);
        let fr = |a: Arg| a.render(Locale::FrFr);
        assert_eq!(en(Arg::Date(pm)), "12/5/2026");
        assert_eq!(fr(Arg::Date(pm)), "05/12/2026");
        assert_eq!(en(Arg::TimeOfDay(pm)), "2:03:22 PM");
        assert_eq!(fr(Arg::TimeOfDay(pm)), "14:03:22");
        assert_eq!(en(Arg::TimeOfDay(midnight)), "12:05:01 AM");
        assert_eq!(fr(Arg::Date(midnight)), "09/01/2026");
    }

    #[test]
    fn literal_text_that_looks_like_a_key_prints_as_written() {
        let e = Event {
            log: Log::System,
            id: 20274,
            source: "RemoteAccess",
            kind: EventType::Information,
            time: Duration::from_secs(3),
            args: vec!["@x".into(), "VPN2-0".into(), "10.10.0.101".into()],
        };
        assert!(e.message(Locale::EnUs).starts_with("The user @x connected"));
    }

    #[test]
    fn message_renders_from_catalog_in_locale() {
        let e = Event {
            log: Log::System,
            id: 20274,
            source: "RemoteAccess",
            kind: EventType::Information,
            time: Duration::from_secs(3),
            args: vec!["alice".into(), "VPN2-0".into(), "10.10.0.101".into()],
        };
        assert_eq!(
            e.message(Locale::EnUs),
            "The user alice connected on port VPN2-0 has been assigned address 10.10.0.101"
        );
        assert!(e.message(Locale::FrFr).contains("10.10.0.101"));
    }
}
