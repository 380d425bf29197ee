//! `l2tpsec diagnose` (SCENARIOS.md, "Command line"): from what a support
//! engineer observed (a RAS error, event-log entries, a capture on the
//! client or the server, from any tool) to the causes of the scenario
//! library that show the same, ranked.
//!
//! - `capture`: pcap/pcapng of any origin -> IPv4 packets;
//! - `facts`: packets -> the capture facts the article reasons with
//!   (`ike` for what IKE shows without keys), and `side`: which machine
//!   took the capture;
//! - `index`: the library's runs -> cases (cached);
//! - `rank`: observations x cases -> ranked causes and what tells the tied
//!   ones apart;
//! - `render`, `text`: the report, in text (in the locale) or JSON.

pub mod capture;
pub mod facts;
pub mod ike;
pub mod index;
pub mod known;
pub mod labels;
pub mod rank;
pub mod render;
pub mod side;
pub mod text;

use serde::Serialize;

pub use index::{Case, Index};
pub use rank::{rank, Ranked};
pub use side::{CaptureFrom, Side};

/// What was observed on the real machines.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Observations {
    /// The RAS error the dial showed.
    pub error: Option<u32>,
    pub events: Vec<ObservedEvent>,
    /// The capture given, if any.
    pub capture: Option<Capture>,
}

/// A capture's facts and the side it was taken on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Capture {
    pub facts: facts::Facts,
    pub from: CaptureFrom,
}

impl Capture {
    /// A capture read, on the side `given` when the user said it (it wins
    /// over what the capture shows).
    pub fn new(read: facts::Read, given: Option<Side>) -> Capture {
        Capture {
            facts: read.facts,
            from: given.map_or(read.from, |side| CaptureFrom::Given { side }),
        }
    }

    /// Reads the IPv4 packets of a capture.
    pub fn of_packets<'a>(
        packets: impl IntoIterator<Item = &'a [u8]>,
        given: Option<Side>,
    ) -> Capture {
        Capture::new(facts::read(packets), given)
    }
}

/// `HOST:LOG:ID[:TEXT]`, e.g. `server:system:20209` or
/// `client:security:547:Pas de réponse`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct ObservedEvent {
    pub host: String,
    pub log: String,
    pub id: u32,
    pub text: Option<String>,
}

impl std::str::FromStr for ObservedEvent {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let bad = |why: &str| format!("invalid event '{s}': {why} (expected HOST:LOG:ID[:TEXT])");
        let mut parts = s.splitn(4, ':');
        let host = parts.next().unwrap_or_default().trim();
        let log = parts
            .next()
            .ok_or_else(|| bad("no log"))?
            .trim()
            .to_lowercase();
        let id = parts.next().ok_or_else(|| bad("no id"))?.trim();
        if host.is_empty() {
            return Err(bad("no host"));
        }
        if !["security", "system"].contains(&log.as_str()) {
            return Err(bad("the log is security or system"));
        }
        let id = id.parse::<u32>().map_err(|_| bad("the id is a number"))?;
        let text = parts.next().map(str::to_string).filter(|t| !t.is_empty());
        Ok(ObservedEvent {
            host: host.to_lowercase(),
            log,
            id,
            text,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_parse_with_and_without_text() {
        let e: ObservedEvent = "server:System:20209".parse().unwrap();
        assert_eq!(
            (e.host.as_str(), e.log.as_str(), e.id, e.text),
            ("server", "system", 20209, None)
        );
        let e: ObservedEvent = "client:security:547:Pas de réponse: IKE".parse().unwrap();
        assert_eq!(e.text.as_deref(), Some("Pas de réponse: IKE"));
        for bad in [
            "",
            "client",
            "client:security",
            "client:application:1",
            "client:system:x",
            ":system:1",
        ] {
            assert!(bad.parse::<ObservedEvent>().is_err(), "{bad}");
        }
    }
}
