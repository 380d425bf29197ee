//! Ranking the causes of the index against what was observed.
//!
//! Each observation a cause shows scores for it, each it contradicts
//! against it: an event-log entry ±2, each capture feature ±1, the RAS
//! error more than a whole capture can (`ERROR_WEIGHT`): a cause that ends
//! in another error is not the one the user saw, whatever its capture
//! looks like, and the capture orders the causes of that error. A capture
//! is compared with the capture points of its own side (client or server,
//! given or inferred; both when unknown), the best of them; a fact the
//! capture cannot show, or the cause's capture could not, counts neither
//! way (`facts::UNSEEN`). A cause that reproduces exactly what was
//! observed has the highest score there is, so a scenario's own symptoms
//! rank it first or tied first. Among equal scores the causes on the
//! article's platform (XP without SP2, which has neither NAT-T nor
//! pre-shared keys by default) come first, then by name. What was not
//! observed counts neither way: `--error 792` alone ties every cause
//! ending in 792, and `distinguish` says which further observation tells
//! them apart.

use std::collections::BTreeSet;

use super::facts::{self, Facts, UNSEEN};
use super::index::{Case, Vantage};
use super::{Observations, ObservedEvent};
use crate::scenario::schema::Locale;

const FACT_WEIGHT: i32 = 1;
const EVENT_WEIGHT: i32 = 2;
/// One more than every capture feature matched: no capture outweighs the
/// error.
#[allow(clippy::cast_possible_truncation, clippy::cast_possible_wrap)]
pub const ERROR_WEIGHT: i32 = FACT_WEIGHT * facts::FEATURES.len() as i32 + 1;

/// One observation judged against one cause.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Judged {
    /// The observed RAS error against the cause's (`None`: it connects).
    Error { observed: u32, cause: Option<u32> },
    Event {
        observed: ObservedEvent,
        found: bool,
    },
    /// A capture feature: the observed value and the values the cause shows.
    Fact {
        feature: String,
        observed: String,
        cause: Vec<String>,
    },
}

impl Judged {
    pub fn ok(&self) -> bool {
        match self {
            Judged::Error { observed, cause } => *cause == Some(*observed),
            Judged::Event { found, .. } => *found,
            Judged::Fact {
                observed, cause, ..
            } => cause.iter().any(|c| c == observed),
        }
    }

    fn weight(&self) -> i32 {
        match self {
            Judged::Error { .. } => ERROR_WEIGHT,
            Judged::Event { .. } => EVENT_WEIGHT,
            Judged::Fact { .. } => FACT_WEIGHT,
        }
    }

    /// Worth showing: not a feature absent from both.
    pub fn telling(&self) -> bool {
        match self {
            Judged::Fact {
                feature,
                observed,
                cause,
            } => {
                let none = facts::absent(feature);
                observed != none || cause.iter().any(|c| c != none)
            }
            _ => true,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Ranked<'a> {
    pub case: &'a Case,
    pub score: i32,
    /// The capture points whose facts the capture matched best (a capture
    /// on the client and one on the server often show the same).
    pub vantages: Vec<&'a Vantage>,
    pub judged: Vec<Judged>,
}

impl Ranked<'_> {
    /// On the article's own platform (Windows XP before SP2, the table's
    /// XP RTM row).
    pub fn article_platform(&self) -> bool {
        self.case.edition == l2tpsec::windows::config::Edition::XP_RTM.role()
    }
}

/// Every cause of `cases`, best first.
pub fn rank<'a>(cases: &'a [Case], obs: &Observations) -> Vec<Ranked<'a>> {
    let mut out: Vec<Ranked<'a>> = cases.iter().map(|c| judge(c, obs)).collect();
    out.sort_by(|a, b| {
        b.score
            .cmp(&a.score)
            .then(b.article_platform().cmp(&a.article_platform()))
            .then(a.case.scenario.cmp(&b.case.scenario))
            .then(a.case.client.cmp(&b.case.client))
    });
    out
}

fn judge<'a>(case: &'a Case, obs: &Observations) -> Ranked<'a> {
    let mut judged = Vec::new();
    if let Some(code) = obs.error {
        judged.push(Judged::Error {
            observed: code,
            cause: case.error,
        });
    }
    for e in &obs.events {
        judged.push(Judged::Event {
            observed: e.clone(),
            found: case.events.iter().any(|c| event_matches(e, c)),
        });
    }
    let mut vantages = Vec::new();
    if let Some(capture) = &obs.capture {
        // The capture points of the cause on the capture's side that it
        // resembles most; the judgements of the first of them (the
        // client's comes first when the side is not known).
        let side = capture.from.side();
        let judged_at: Vec<(Vec<Judged>, &Vantage)> = case
            .vantages
            .iter()
            .filter(|v| side.is_none_or(|s| v.role == s.role()))
            .map(|v| (capture_judgements(&capture.facts, v), v))
            .collect();
        let best = judged_at.iter().map(|(j, _)| score(j)).max();
        let mut first = None;
        for (j, v) in judged_at {
            if Some(score(&j)) == best {
                vantages.push(v);
                first.get_or_insert(j);
            }
        }
        judged.extend(
            first.unwrap_or_else(|| capture_judgements(&capture.facts, &Vantage::default())),
        );
    }
    Ranked {
        case,
        score: score(&judged),
        vantages,
        judged,
    }
}

fn score(judged: &[Judged]) -> i32 {
    judged
        .iter()
        .map(|j| if j.ok() { j.weight() } else { -j.weight() })
        .sum()
}

/// The features the capture and the cause's capture point both show.
fn capture_judgements(capture: &Facts, v: &Vantage) -> Vec<Judged> {
    facts::FEATURES
        .iter()
        .filter_map(|(feature, _)| {
            let observed = capture
                .get(feature)
                .copied()
                .unwrap_or_else(|| facts::absent(feature));
            let cause: Vec<String> = values_of(v, feature)
                .into_iter()
                .filter(|c| c != UNSEEN)
                .collect();
            (observed != UNSEEN && !cause.is_empty()).then(|| Judged::Fact {
                feature: feature.to_string(),
                observed: observed.to_string(),
                cause,
            })
        })
        .collect()
}

/// HOST `client` or `server` is the role of the machine that logged it;
/// any other name is the user's own machine name and matches any host.
/// TEXT, when given, must appear in the entry's text in some locale (case
/// and runs of white space aside).
fn event_matches(o: &ObservedEvent, c: &super::index::CaseEvent) -> bool {
    let host_ok = match o.host.as_str() {
        "client" | "server" => c.role == o.host,
        _ => true,
    };
    host_ok
        && c.log == o.log
        && c.id == o.id
        && o.text.as_ref().is_none_or(|t| {
            let t = normalize(t);
            c.messages.values().any(|m| normalize(m).contains(&t))
        })
}

fn normalize(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// One observation that splits the causes tied at the top: each value it
/// takes and the causes that show it, in the group's order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Split {
    pub what: Observable,
    pub groups: Vec<(Shown, Vec<String>)>,
}

/// Something a support engineer can go and observe.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Observable {
    /// A capture feature on the client's or the server's side.
    Fact { role: String, feature: String },
    /// An event-log entry: (role, log, id).
    Event(String, String, u32),
    /// The client's Windows.
    Edition,
    /// The output of a diagnostic command on `role`.
    View(String, String),
    /// The text of an event-log entry: (role, log, id).
    EventText(String, String, u32),
}

/// What an observable shows for some causes.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Shown {
    Values(Vec<String>),
    Logged(bool),
    Edition(String),
    /// A line of a text (an event's, a command's output) that the others
    /// lack.
    Line(String),
}

/// The splits among `group` (the causes tied at the top): capture facts
/// first (client, then server; not on the side of the capture `obs`
/// already gives), then events (not those already given) and the
/// client's Windows; the output of a diagnostic command only for causes
/// nothing else tells apart. A split that groups the causes as an earlier
/// one does is left out. Causes (`scenario (client)`) that nothing tells
/// apart are listed in the second value.
pub fn distinguish(
    group: &[Ranked<'_>],
    obs: &Observations,
    locale: Locale,
) -> (Vec<Split>, Vec<Vec<String>>) {
    let cases: Vec<&Case> = group.iter().map(|r| r.case).collect();
    let name = |c: &Case| format!("{} ({})", c.scenario, c.client);
    let split_by = |what: Observable, f: &dyn Fn(&Case) -> Shown| -> Split {
        let mut groups: Vec<(Shown, Vec<String>)> = Vec::new();
        for c in &cases {
            let v = f(c);
            match groups.iter_mut().find(|(g, _)| *g == v) {
                Some((_, names)) => names.push(name(c)),
                None => groups.push((v, vec![name(c)])),
            }
        }
        Split { what, groups }
    };
    let mut candidates = Vec::new();
    let captured = obs.capture.as_ref().and_then(|c| c.from.side());
    for role in ["client", "server"] {
        if captured.is_some_and(|s| s.role() == role) {
            continue;
        }
        for (feature, _) in facts::FEATURES {
            candidates.push(split_by(
                Observable::Fact {
                    role: role.to_string(),
                    feature: feature.to_string(),
                },
                &|c| {
                    Shown::Values(
                        main_vantage(c, role).map_or_else(Vec::new, |v| values_of(v, feature)),
                    )
                },
            ));
        }
    }
    // Events every seed of a cause logs (a client's or a server's).
    let steady = |c: &Case| -> BTreeSet<(String, String, u32)> {
        c.events
            .iter()
            .filter(|e| e.role != "other" && e.runs == c.seeds.len())
            .map(|e| (e.role.clone(), e.log.clone(), e.id))
            .collect()
    };
    let given = |role: &str, log: &str, id: u32| {
        obs.events.iter().any(|e| {
            e.log == log
                && e.id == id
                && (e.host == role || !["client", "server"].contains(&e.host.as_str()))
        })
    };
    let all_events: BTreeSet<_> = cases
        .iter()
        .flat_map(|c| steady(c))
        .filter(|(role, log, id)| !given(role, log, *id))
        .collect();
    for (role, log, id) in all_events {
        let key = (role.clone(), log.clone(), id);
        candidates.push(split_by(Observable::Event(role, log, id), &|c| {
            Shown::Logged(steady(c).contains(&key))
        }));
    }
    candidates.push(split_by(Observable::Edition, &|c| {
        Shown::Edition(c.edition.clone())
    }));
    let names: Vec<String> = cases.iter().map(|c| name(c)).collect();
    let mut splits: Vec<Split> = Vec::new();
    for s in candidates {
        if separates_new_pair(&splits, &s, &names) {
            splits.push(s);
        }
    }
    // Causes still told apart by nothing: the texts of their events, then
    // the output of the diagnostic commands, may.
    for class in unresolved(&splits, &names) {
        let members: Vec<&Case> = cases
            .iter()
            .copied()
            .filter(|c| class.contains(&name(c)))
            .collect();
        let mut texts: Vec<(Observable, Vec<(String, String)>)> = Vec::new();
        let events: BTreeSet<(String, String, u32)> =
            members.iter().flat_map(|c| steady(c)).collect();
        for (role, log, id) in events {
            let of = |c: &Case| {
                c.events
                    .iter()
                    .find(|e| e.role == role && e.log == log && e.id == id)
                    .and_then(|e| e.messages.get(locale.tag()).or(e.messages.values().next()))
                    .cloned()
                    .unwrap_or_default()
            };
            texts.push((
                Observable::EventText(role.clone(), log.clone(), id),
                members.iter().map(|c| (name(c), of(c))).collect(),
            ));
        }
        let commands: BTreeSet<(String, String)> = members
            .iter()
            .flat_map(|c| c.views.iter().map(|v| (v.role.clone(), v.command.clone())))
            .collect();
        for (role, command) in commands {
            let of = |c: &Case| {
                c.views
                    .iter()
                    .find(|v| v.role == role && v.command == command)
                    .map(|v| v.output.clone())
                    .unwrap_or_default()
            };
            texts.push((
                Observable::View(role.clone(), command.clone()),
                members.iter().map(|c| (name(c), of(c))).collect(),
            ));
        }
        for (what, by_cause) in texts {
            let lines =
                telling_lines(&by_cause.iter().map(|(_, t)| t.as_str()).collect::<Vec<_>>());
            let mut groups: Vec<(Shown, Vec<String>)> = Vec::new();
            for ((n, _), line) in by_cause.iter().zip(lines) {
                let shown = Shown::Line(line);
                match groups.iter_mut().find(|(g, _)| *g == shown) {
                    Some((_, ns)) => ns.push(n.clone()),
                    None => groups.push((shown, vec![n.clone()])),
                }
            }
            let s = Split { what, groups };
            if separates_new_pair(&splits, &s, &names) {
                splits.push(s);
            }
        }
    }
    let still = unresolved(&splits, &names);
    (splits, still)
}

/// Whether some split tells causes `a` and `b` apart.
fn apart(splits: &[Split], a: &str, b: &str) -> bool {
    splits.iter().any(|s| {
        s.groups
            .iter()
            .any(|(_, n)| n.iter().any(|x| x == a) != n.iter().any(|x| x == b))
    })
}

/// Whether `s` tells apart two causes no split of `splits` does.
fn separates_new_pair(splits: &[Split], s: &Split, names: &[String]) -> bool {
    let one = std::slice::from_ref(s);
    names.iter().enumerate().any(|(i, a)| {
        names
            .iter()
            .skip(i + 1)
            .any(|b| apart(one, a, b) && !apart(splits, a, b))
    })
}

/// The classes of causes that no split tells apart (two or more each).
fn unresolved(splits: &[Split], names: &[String]) -> Vec<Vec<String>> {
    let mut classes: Vec<Vec<String>> = Vec::new();
    for n in names {
        match classes
            .iter_mut()
            .find(|cl| cl.first().is_some_and(|f| !apart(splits, f, n)))
        {
            Some(cl) => cl.push(n.clone()),
            None => classes.push(vec![n.clone()]),
        }
    }
    classes.into_iter().filter(|c| c.len() > 1).collect()
}

/// For each text, its first line that some other text lacks, with the
/// line before it when that one ends in a colon (`Failure Reason:`), and
/// leaving out lines that name an IPv4 address (those are the lab's
/// topology, not the cause). Empty when nothing tells it apart.
fn telling_lines(texts: &[&str]) -> Vec<String> {
    let names_address = |l: &str| {
        l.split(|c: char| !(c.is_ascii_digit() || c == '.'))
            .any(|w| w.parse::<std::net::Ipv4Addr>().is_ok())
    };
    texts
        .iter()
        .map(|t| {
            let lines: Vec<&str> = t.lines().map(str::trim).collect();
            lines
                .iter()
                .enumerate()
                .find(|(_, l)| {
                    !l.is_empty()
                        && !names_address(l)
                        && texts.iter().any(|o| !o.lines().any(|x| x.trim() == **l))
                })
                .map(|(i, l)| match i.checked_sub(1).and_then(|p| lines.get(p)) {
                    Some(prev) if prev.ends_with(':') => format!("{prev} {l}"),
                    _ => l.to_string(),
                })
                .unwrap_or_default()
        })
        .collect()
}

/// The capture point of `role` that shows the most: the one a support
/// engineer would capture on (the server's interface toward the client).
pub fn main_vantage<'a>(c: &'a Case, role: &str) -> Option<&'a Vantage> {
    let shown = |v: &Vantage| {
        v.facts
            .iter()
            .filter(|(f, vals)| vals.iter().any(|x| x != facts::absent(f) && x != UNSEEN))
            .count()
    };
    c.vantages.iter().filter(|v| v.role == role).fold(
        None,
        |best: Option<&Vantage>, v| match best {
            Some(b) if shown(b) >= shown(v) => Some(b),
            _ => Some(v),
        },
    )
}

fn values_of(v: &Vantage, feature: &str) -> Vec<String> {
    v.facts
        .get(feature)
        .cloned()
        .unwrap_or_else(|| vec![facts::absent(feature).to_string()])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_telling_line_skips_addresses_and_keeps_its_label() {
        let a =
            "Failed.\n Source IP Address 10.0.0.1\n Failure Reason: \nHash verification failed\n";
        let b = "Failed.\n Source IP Address 10.0.0.2\n Failure Reason: \nNegotiation timed out\n";
        assert_eq!(
            telling_lines(&[a, b]),
            [
                "Failure Reason: Hash verification failed",
                "Failure Reason: Negotiation timed out"
            ]
        );
        assert_eq!(telling_lines(&[a, a]), ["", ""]);
    }

    #[test]
    fn an_exact_match_scores_highest_and_what_was_not_observed_counts_for_nothing() {
        let case = |name: &str, error: Option<u32>, isakmp: &str| Case {
            scenario: name.into(),
            title: String::new(),
            article: None,
            client: "client".into(),
            edition: "windows-xp-client".into(),
            error,
            connected: error.is_none(),
            events: Vec::new(),
            vantages: vec![Vantage {
                role: "client".into(),
                host: "client".into(),
                segment: "lan".into(),
                facts: [("isakmp".to_string(), vec![isakmp.to_string()])].into(),
            }],
            views: Vec::new(),
            check: Default::default(),
            settings: Vec::new(),
            seeds: vec![1],
        };
        let cases = [
            case("b-answered", Some(792), "both"),
            case("a-unanswered", Some(792), "initiator-only"),
            case("c-connects", None, "both"),
        ];
        let only_error = Observations {
            error: Some(792),
            ..Observations::default()
        };
        let r = rank(&cases, &only_error);
        assert_eq!(
            (r[0].score, r[1].score, r[2].score),
            (ERROR_WEIGHT, ERROR_WEIGHT, -ERROR_WEIGHT)
        );
        let mut capture = facts::Facts::new();
        capture.insert("isakmp", "initiator-only");
        let both = Observations {
            error: Some(792),
            capture: Some(super::super::Capture {
                facts: capture,
                from: super::super::CaptureFrom::Unknown,
            }),
            ..Observations::default()
        };
        let r = rank(&cases, &both);
        assert_eq!(r[0].case.scenario, "a-unanswered");
        assert!(r[0].score > r[1].score);
        let (splits, same) =
            distinguish(&rank(&cases, &only_error)[..2], &only_error, Locale::EnUs);
        assert!(same.is_empty());
        assert_eq!(splits.len(), 1, "{splits:?}");
    }
}
