//! The words of the text report and of the checked expectations, in both
//! locales, side by side. These are our own sentences, not Windows
//! strings (those come from the library's catalog), as in
//! `diagnose::text`. The names a scenario writes stay as it writes them
//! in both locales: protocols, `in`/`out`, log and counter names, end
//! reasons, fault actions, diagnostics layers.
//!
//! en-US keeps the words the report always had, byte for byte, and the
//! JSON report keeps them whatever the locale (`Expectation::what` and
//! `detail`); only the text a person reads follows the locale.

use std::fmt::Display;

use super::{EventType, LogName, Verdict};
use crate::scenario::schema::Locale;

/// The report's words in one locale.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Words(pub Locale);

/// A section of the text report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Section {
    Dials,
    Events,
    Packets,
    Faults,
    Diagnostics,
    Monitor,
    Views,
    Expectations,
}

impl Words {
    fn pick(self, fr: &'static str, en: &'static str) -> &'static str {
        match self.0 {
            Locale::FrFr => fr,
            Locale::EnUs => en,
        }
    }

    fn fr(self) -> bool {
        self.0 == Locale::FrFr
    }

    // ------------------------------------------------------------ the report

    /// The first line: scenario, seed, locale, verdict, simulated time.
    pub fn header(
        self,
        scenario: &str,
        seed: u64,
        locale: Locale,
        verdict: Verdict,
        time: &str,
    ) -> String {
        let verdict_word = match (self.0, verdict) {
            (Locale::EnUs, v) => v.as_str(),
            (Locale::FrFr, Verdict::Pass) => "réussi",
            (Locale::FrFr, Verdict::Fail) => "échoué",
            (Locale::FrFr, Verdict::None) => "aucun",
        };
        if self.fr() {
            format!("scénario {scenario}  graine {seed}  langue {locale}  verdict {verdict_word}  temps simulé {time}")
        } else {
            format!("scenario {scenario}  seed {seed}  locale {locale}  verdict {verdict_word}  sim time {time}")
        }
    }

    /// `== dials`: a section's heading line.
    pub fn section(self, s: Section) -> &'static str {
        match s {
            Section::Dials => self.pick("== appels", "== dials"),
            Section::Events => self.pick("== événements", "== events"),
            Section::Packets => self.pick("== paquets", "== packets"),
            Section::Faults => self.pick("== défauts injectés", "== faults"),
            Section::Diagnostics => self.pick("== diagnostics", "== diagnostics"),
            Section::Monitor => self.pick("== moniteur de sécurité IP", "== monitor"),
            Section::Views => self.pick("== commandes", "== views"),
            Section::Expectations => self.pick("== attentes", "== expectations"),
        }
    }

    /// Between a label and what follows (French puts a space before it).
    pub fn colon(self) -> &'static str {
        self.pick(" : ", ": ")
    }

    /// An empty section.
    pub fn none(self) -> &'static str {
        self.pick("(néant)", "(none)")
    }

    /// Which of a host's dials, and when it was dialled.
    pub fn nth_dial(self, host: &str, nth: usize, of: usize, at: &str) -> String {
        if self.fr() {
            format!("{host} appel {nth} sur {of}, à {at}")
        } else {
            format!("{host} dial {nth} of {of}, at {at}")
        }
    }

    /// ` (attempt 1 of 2)` after an Automatic dial's protocol.
    pub fn attempt(self, i: usize, n: usize) -> String {
        if self.fr() {
            format!(" (tentative {i} sur {n})")
        } else {
            format!(" (attempt {i} of {n})")
        }
    }

    /// A connected dial, with its PPP address when it has one.
    pub fn connected(self, address: Option<impl Display>) -> String {
        match address {
            Some(a) => format!(
                "{} {a}",
                self.pick("connecté, adresse", "connected, address")
            ),
            None => self.pick("connecté", "connected").to_string(),
        }
    }

    /// The tunnels of an Automatic order the lab does not have.
    pub fn not_modelled(self, tunnels: &[&str]) -> String {
        let list = tunnels.join(", ");
        if self.fr() {
            format!(
                "Automatique essaie aussi {list}, que le laboratoire ne modélise pas : non essayés"
            )
        } else {
            format!("Automatic also tries {list}, which the lab does not model: not tried")
        }
    }

    pub fn no_result(self) -> &'static str {
        self.pick("pas de résultat", "no result")
    }

    /// `ended at 150.000s (user)`: the reason is the scenario's word.
    pub fn ended(self, at: &str, reason: &str) -> String {
        format!("{} {at} ({reason})", self.pick("terminé à", "ended at"))
    }

    /// `-- client security`: the events of one host's log.
    pub fn log_heading(self, host: &str, log: LogName) -> String {
        match (self.0, log) {
            (Locale::EnUs, _) => format!("-- {host} {log}"),
            // Event Viewer's names of the logs.
            (Locale::FrFr, LogName::Security) => format!("-- {host} : journal Sécurité"),
            (Locale::FrFr, LogName::System) => format!("-- {host} : journal Système"),
        }
    }

    /// An event's type, as Event Viewer's Type column says it in French
    /// (our words); en-US keeps the JSON's name.
    pub fn event_type(self, kind: EventType) -> &'static str {
        match (self.0, kind) {
            (Locale::EnUs, k) => k.as_str(),
            (Locale::FrFr, EventType::Information) => "Information",
            (Locale::FrFr, EventType::Warning) => "Avertissement",
            (Locale::FrFr, EventType::Error) => "Erreur",
            (Locale::FrFr, EventType::SuccessAudit) => "Audit des succès",
            (Locale::FrFr, EventType::FailureAudit) => "Audit des échecs",
        }
    }

    /// What a middlebox did on its own account (no fault rule).
    pub fn middlebox(self) -> &'static str {
        self.pick("(équipement intermédiaire)", "(middlebox)")
    }

    pub fn no_sa(self) -> &'static str {
        self.pick("aucune SA", "no SA")
    }

    /// An SA's direction (`outbound`, IP Security Monitor's only kind).
    pub fn sa_direction(self, direction: &str) -> &str {
        match (self.0, direction) {
            (Locale::FrFr, "outbound") => "sortante",
            (Locale::FrFr, "inbound") => "entrante",
            (_, d) => d,
        }
    }

    // ------------------------------------------------------ the expectations

    /// `dial 0`, `dial at 30s`: which of a host's dials is expected.
    pub fn dial_index(self, i: usize) -> String {
        format!("{} {i}", self.pick("appel", "dial"))
    }

    pub fn dial_at(self, at: &str) -> String {
        format!("{} {at}", self.pick("appel à", "dial at"))
    }

    pub fn is_connected(self, connected: bool) -> &'static str {
        match connected {
            true => self.pick("connecté", "connected"),
            false => self.pick("non connecté", "not connected"),
        }
    }

    pub fn error(self, code: u32) -> String {
        format!("{} {code}", self.pick("erreur", "error"))
    }

    pub fn message_contains(self, m: &str) -> String {
        format!(
            "{} \"{m}\"",
            self.pick("message contenant", "message contains")
        )
    }

    pub fn ended_with(self, reason: &str) -> String {
        format!("{} ({reason})", self.pick("terminé", "ended"))
    }

    pub fn has_a_result(self) -> &'static str {
        self.pick("l'appel a un résultat", "dial has a result")
    }

    pub fn no_dial_result(self, host: &str) -> String {
        if self.fr() {
            format!("aucun résultat d'appel pour {host}")
        } else {
            format!("no dial result for {host}")
        }
    }

    /// `got: l2tp connected, address 10.10.0.101`, `got: l2tp error 691:
    /// ...`, `got: l2tp no result`: `outcome` is the rest after the
    /// protocol.
    pub fn got(self, protocol: &str, outcome: &str) -> String {
        format!("{} {protocol} {outcome}", self.pick("obtenu :", "got:"))
    }

    /// `error 691: <message>` in a detail line.
    pub fn error_message(self, code: u32, message: &str) -> String {
        if self.fr() {
            format!("erreur {code} : {message}")
        } else {
            format!("error {code}: {message}")
        }
    }

    /// `client security event 547 containing "..."`, or with `no`.
    pub fn event_what(
        self,
        present: bool,
        host: &str,
        log: Option<LogName>,
        id: Option<u32>,
        contains: Option<&str>,
        count: Option<String>,
    ) -> String {
        let mut w = String::new();
        if self.fr() {
            w.push_str(host);
            w.push_str(if present {
                " : événement"
            } else {
                " : aucun événement"
            });
        } else {
            if !present {
                w.push_str("no ");
            }
            w.push_str(host);
        }
        if let Some(l) = log {
            w.push(' ');
            w.push_str(l.as_str());
        }
        if !self.fr() {
            w.push_str(" event");
        }
        if let Some(id) = id {
            w.push_str(&format!(" {id}"));
        }
        if let Some(c) = contains {
            w.push_str(&format!(
                " {} \"{c}\"",
                self.pick("contenant", "containing")
            ));
        }
        if let Some(n) = count.filter(|_| present) {
            w.push_str(&format!(", {} {n}", self.pick("nombre", "count")));
        }
        w
    }

    pub fn matching_events(self, n: usize, first_id: u32, at: &str) -> String {
        if self.fr() {
            format!("{n} événement(s) correspondant(s), le premier : {first_id} à {at}")
        } else {
            format!("{n} matching event(s), first: {first_id} at {at}")
        }
    }

    pub fn no_matching_event_empty_log(self) -> &'static str {
        self.pick(
            "aucun événement correspondant ; ce journal est vide",
            "no matching event; that log is empty",
        )
    }

    pub fn no_matching_event_ids(self, ids: &str) -> String {
        if self.fr() {
            format!("aucun événement correspondant ; ids consignés : {ids}")
        } else {
            format!("no matching event; ids logged: {ids}")
        }
    }

    /// `client captures on lan: out esp packets from server to ... with
    /// "...", count >= 1`: the parts a packet expectation names.
    pub fn packets_what(self, p: PacketsWhat<'_>) -> String {
        let fr = self.fr();
        let mut what = if fr {
            format!("{} capture", p.host)
        } else {
            format!("{} captures", p.host)
        };
        if let Some(iface) = p.interface {
            what.push_str(&format!(" {} {iface}", self.pick("sur", "on")));
        }
        what.push_str(self.pick(" : paquets ", ": "));
        if let Some(d) = p.direction {
            what.push_str(d);
            what.push(' ');
        }
        what.push_str(p.protocol.unwrap_or(self.pick("de tout protocole", "any")));
        if !fr {
            what.push_str(" packets");
        }
        if let Some(f) = p.from {
            what.push_str(&format!(" {} {f}", self.pick("de", "from")));
        }
        if let Some(t) = p.to {
            what.push_str(&format!(" {} {t}", self.pick("vers", "to")));
        }
        if let Some(x) = p.summary {
            what.push_str(&format!(" {} \"{x}\"", self.pick("avec", "with")));
        }
        what.push_str(&format!(", {} {}", self.pick("nombre", "count"), p.count));
        what
    }

    pub fn counted(self, n: u64) -> String {
        format!("{} {n}", self.pick("compté :", "counted"))
    }

    pub fn monitor_what(self, host: &str, counter: &str, value: &str) -> String {
        format!(
            "{host} {} {counter} = {value}",
            self.pick("moniteur", "monitor")
        )
    }

    pub fn no_monitor(self, host: &str) -> String {
        if self.fr() {
            format!("pas de Moniteur de sécurité IP pour {host}")
        } else {
            format!("no IP Security Monitor for {host}")
        }
    }

    pub fn no_counter(self, counter: &str, known: &str) -> String {
        if self.fr() {
            format!("pas de compteur '{counter}' (compteurs : {known})")
        } else {
            format!("no counter '{counter}' (counters: {known})")
        }
    }

    pub fn value_is(self, v: u64) -> String {
        format!("{} {v}", self.pick("valeur :", "value is"))
    }
}

/// What a packet expectation names, for `Words::packets_what`.
pub struct PacketsWhat<'a> {
    pub host: &'a str,
    pub interface: Option<&'a str>,
    pub direction: Option<&'a str>,
    pub protocol: Option<&'a str>,
    pub from: Option<&'a str>,
    pub to: Option<&'a str>,
    pub summary: Option<&'a str>,
    pub count: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    const FR: Words = Words(Locale::FrFr);
    const EN: Words = Words(Locale::EnUs);

    #[test]
    fn english_keeps_the_reports_words() {
        assert_eq!(
            EN.header("x", 1, Locale::EnUs, Verdict::Pass, "1.000s"),
            "scenario x  seed 1  locale en-US  verdict pass  sim time 1.000s"
        );
        assert_eq!(EN.section(Section::Dials), "== dials");
        assert_eq!(
            EN.log_heading("client", LogName::Security),
            "-- client security"
        );
        assert_eq!(EN.event_type(EventType::FailureAudit), "failure-audit");
        assert_eq!(
            EN.event_what(false, "server", Some(LogName::System), Some(1), None, None),
            "no server system event 1"
        );
        assert_eq!(
            EN.connected(Some("10.10.0.101")),
            "connected, address 10.10.0.101"
        );
    }

    #[test]
    fn french_has_french_words_and_keeps_the_scenarios_names() {
        assert_eq!(
            FR.header("x", 1, Locale::FrFr, Verdict::Fail, "1.000s"),
            "scénario x  graine 1  langue fr-FR  verdict échoué  temps simulé 1.000s"
        );
        assert_eq!(FR.section(Section::Expectations), "== attentes");
        assert_eq!(FR.event_type(EventType::SuccessAudit), "Audit des succès");
        assert_eq!(
            FR.event_what(
                true,
                "client",
                Some(LogName::Security),
                Some(547),
                Some("Moi"),
                Some(">= 1".into())
            ),
            "client : événement security 547 contenant \"Moi\", nombre >= 1"
        );
        assert_eq!(FR.ended("150.000s", "user"), "terminé à 150.000s (user)");
        assert_eq!(FR.sa_direction("outbound"), "sortante");
        let what = FR.packets_what(PacketsWhat {
            host: "client",
            interface: None,
            direction: Some("in"),
            protocol: Some("esp"),
            from: Some("server"),
            to: None,
            summary: None,
            count: "== 0".into(),
        });
        assert_eq!(
            what,
            "client capture : paquets in esp de server, nombre == 0"
        );
    }

    #[test]
    fn every_section_has_a_heading_in_each_locale() {
        use Section::*;
        for s in [
            Dials,
            Events,
            Packets,
            Faults,
            Diagnostics,
            Monitor,
            Views,
            Expectations,
        ] {
            for w in [FR, EN] {
                assert!(w.section(s).starts_with("== "), "{s:?}");
            }
        }
    }
}
