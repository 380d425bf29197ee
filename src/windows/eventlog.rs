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
    /// text (a reason, a built-in policy name) rendered in the same locale.
    pub fn message(&self, locale: Locale) -> String {
        let args: Vec<String> = self
            .args
            .iter()
            .map(|a| match a.strip_prefix('@') {
                Some(key) => catalog::render(locale, key, &[]),
                None => a.clone(),
            })
            .collect();
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
