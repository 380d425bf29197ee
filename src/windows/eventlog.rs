//! Event logs (System, Security) as the Event Viewer shows them: source, id,
//! type, time, and a message rendered from the catalog in the report locale.

use core::time::Duration;

use super::catalog::{self, Locale};

/// Which log an entry goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
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
}

/// The Event Viewer's "Type" column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
    pub args: Vec<String>,
}

impl Event {
    /// The catalog key: `system.<source>.<id>` or `security.<id>`.
    pub fn key(&self) -> String {
        match self.log {
            Log::System => format!("system.{}.{}", self.source, self.id),
            Log::Security => format!("security.{}", self.id),
        }
    }

    /// The rendered message. An insertion string `@key` is itself a catalog
    /// text (a reason, a built-in policy name, an audit block) rendered in
    /// the same locale; see [`nested`] for one with its own arguments.
    pub fn message(&self, locale: Locale) -> String {
        let args: Vec<String> = self.args.iter().map(|a| render_arg(locale, a)).collect();
        catalog::render(locale, &self.key(), &args)
    }
}

/// Separates a nested key from its arguments in an insertion string.
const SEP: char = '\u{1f}';

/// An insertion string that is catalog text `key` with its own arguments
/// (which may nest further).
pub fn nested(key: &str, args: &[String]) -> String {
    let mut s = format!("@{key}");
    for a in args {
        s.push(SEP);
        // Nested arguments are escaped one level deeper.
        s.push_str(&a.replace(SEP, "\u{1e}"));
    }
    s
}

fn render_arg(locale: Locale, arg: &str) -> String {
    let Some(body) = arg.strip_prefix('@') else {
        return arg.to_string();
    };
    let mut parts = body.split(SEP);
    let key = parts.next().unwrap_or_default();
    let args: Vec<String> = parts
        .map(|p| render_arg(locale, &p.replace('\u{1e}', &SEP.to_string())))
        .collect();
    catalog::render(locale, key, &args)
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
                "@ike.mode.main".into(),
                nested("ike.identity.none", &["203.0.113.10".into()]),
                "@ike.identity.none".into(),
                "@ike.point.me".into(),
                "@ike.reason.13813".into(),
                nested("ike.status.peer-notify", &[nested("ike.value.none", &[])]),
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
