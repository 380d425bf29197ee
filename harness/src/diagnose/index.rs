//! The index of causes: every scenario of the library run over a few
//! seeds, each client's dial seen as one case, with what a support
//! engineer could observe of it (the RAS error, every event-log entry, the
//! facts of each capture on the client and the server, read back from the
//! pcapng the run wrote, the way a user's capture is read).
//!
//! Nothing here is written by hand per cause: add a scenario and it is a
//! cause. The index is cached as JSON and rebuilt when a scenario file or
//! the program changes (`cache_key`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::run::{run, RunOptions, RunOutput};
use crate::scenario::load;
use crate::scenario::node::{self, Node, Value};
use crate::scenario::schema::{Locale, Scenario};

use super::capture;
use super::facts;

/// Seeds run besides each scenario's own: a fault with a probability, a
/// random NAT port or SPI can change what a capture shows.
pub const EXTRA_SEEDS: [u64; 3] = [1, 2, 3];

/// Bumped when what the index holds changes shape or meaning (2: the
/// facts of issue 20 and `unseen` values; 3: event sources).
const FORMAT: &str = "l2tpsec-diagnose-index 3";

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Index {
    pub key: String,
    pub cases: Vec<Case>,
}

/// One client's dial in one scenario: a cause.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Case {
    pub scenario: String,
    pub title: String,
    pub article: Option<String>,
    /// The dialling host.
    pub client: String,
    /// Its role, e.g. `windows-xp-client` (the article's platform) or
    /// `windows-xp-sp2-client`.
    pub edition: String,
    /// The dial's last result on the scenario's own seed: `None` when it
    /// connected (or had no result in the run's time).
    pub error: Option<u32>,
    pub connected: bool,
    pub events: Vec<CaseEvent>,
    /// One per capture point: the client's and the RRAS servers' interfaces.
    pub vantages: Vec<Vantage>,
    /// What `netdiag` and the other views print at the end, per host role.
    pub views: Vec<CaseView>,
    /// The scenario's advice, per locale tag (`check:`).
    pub check: BTreeMap<String, String>,
    /// What the scenario sets on top of its base.
    pub settings: Vec<String>,
    pub seeds: Vec<u64>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseEvent {
    /// `client` (the case's client), `server` (an RRAS server), `other`.
    pub role: String,
    pub host: String,
    pub log: String,
    pub id: u32,
    /// The event's source (`Security`, `RemoteAccess`, `IPSec`, ...).
    pub source: String,
    /// On how many of the case's seeds it was logged.
    pub runs: usize,
    /// Its text on the scenario's own seed, per locale tag.
    pub messages: BTreeMap<String, String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vantage {
    /// `client` or `server`.
    pub role: String,
    pub host: String,
    pub segment: String,
    /// Feature -> every value a seed showed (sorted, one or more).
    pub facts: BTreeMap<String, Vec<String>>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseView {
    pub role: String,
    pub command: String,
    pub output: String,
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IndexError {
    #[error("{0}: cannot read the scenario library: {1}")]
    Library(PathBuf, std::io::Error),
    #[error("{0}")]
    Load(String),
    #[error("scenario {0}: {1}")]
    Run(String, String),
    #[error("scenario {0}: its capture does not read back: {1}")]
    Capture(String, capture::CaptureError),
}

/// Every scenario file of the library (top level), sorted; `base/` files
/// are read by the loader and count for the cache key.
fn library(dir: &Path) -> Result<Vec<PathBuf>, IndexError> {
    crate::scenario::scenario_files(dir).map_err(|e| IndexError::Library(dir.to_path_buf(), e))
}

/// SHA-256 over the index format, this program (version, size and
/// modification time of the executable) and every file under the library
/// (names and bytes, sorted), hex.
pub fn cache_key(dir: &Path) -> Result<String, IndexError> {
    let mut h = Sha256::new();
    h.update(FORMAT.as_bytes());
    h.update(env!("CARGO_PKG_VERSION").as_bytes());
    if let Some(meta) = std::env::current_exe()
        .ok()
        .and_then(|p| std::fs::metadata(p).ok())
    {
        h.update(meta.len().to_le_bytes());
        if let Ok(t) = meta.modified() {
            h.update(format!("{t:?}").as_bytes());
        }
    }
    let mut files = Vec::new();
    walk(dir, &mut files).map_err(|e| IndexError::Library(dir.to_path_buf(), e))?;
    files.sort();
    for f in files {
        let bytes = std::fs::read(&f).map_err(|e| IndexError::Library(f.clone(), e))?;
        h.update(
            f.strip_prefix(dir)
                .unwrap_or(&f)
                .to_string_lossy()
                .as_bytes(),
        );
        h.update((bytes.len() as u64).to_le_bytes());
        h.update(&bytes);
    }
    Ok(l2tpsec::trace::hex(&h.finalize()))
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for e in std::fs::read_dir(dir)? {
        let p = e?.path();
        if p.is_dir() {
            walk(&p, out)?;
        } else if p.extension().is_some_and(|x| x == "yaml") {
            out.push(p);
        }
    }
    Ok(())
}

/// The cached index for `dir` when its key still holds, else a fresh one
/// (written back to `cache`; a cache that cannot be written is skipped).
pub fn load_or_build(dir: &Path, cache: &Path) -> Result<Index, IndexError> {
    let key = cache_key(dir)?;
    if let Some(index) = std::fs::read(cache)
        .ok()
        .and_then(|b| serde_json::from_slice::<Index>(&b).ok())
        .filter(|i| i.key == key)
    {
        return Ok(index);
    }
    let index = build(dir, key)?;
    if let Some(parent) = cache.parent() {
        let _ = std::fs::create_dir_all(parent);
    }
    let tmp = cache.with_extension("tmp");
    if std::fs::write(&tmp, serde_json::to_vec(&index).unwrap_or_default()).is_ok() {
        let _ = std::fs::rename(&tmp, cache);
    }
    Ok(index)
}

/// Runs the whole library (one thread per core) into an index.
pub fn build(dir: &Path, key: String) -> Result<Index, IndexError> {
    let files = library(dir)?;
    let jobs = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk = files.len().div_ceil(jobs.max(1)).max(1);
    let results: Vec<Result<Vec<Case>, IndexError>> = std::thread::scope(|s| {
        let handles: Vec<_> = files
            .chunks(chunk)
            .map(|part| {
                s.spawn(move || {
                    let mut cases = Vec::new();
                    for f in part {
                        cases.extend(scenario_cases(f, dir)?);
                    }
                    Ok(cases)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(IndexError::Load("a scenario run panicked".into())))
            })
            .collect()
    });
    let mut cases = Vec::new();
    for r in results {
        cases.extend(r?);
    }
    Ok(Index { key, cases })
}

/// The cases of one scenario file: one per client that dials.
pub fn scenario_cases(file: &Path, dir: &Path) -> Result<Vec<Case>, IndexError> {
    let scenario = load::load_file(file, dir).map_err(|e| IndexError::Load(e.to_string()))?;
    let text = std::fs::read_to_string(file).map_err(|e| IndexError::Library(file.into(), e))?;
    let settings = node::parse(&text, 0)
        .map(|n| settings(&n))
        .unwrap_or_default();
    let mut seeds = vec![scenario.seed];
    seeds.extend(EXTRA_SEEDS.iter().filter(|s| **s != scenario.seed));
    let mut runs = Vec::new();
    for &seed in &seeds {
        runs.push(run_one(&scenario, seed, scenario.locale, true)?);
    }
    // The own seed again in the other locale, for event texts.
    let other = match scenario.locale {
        Locale::FrFr => Locale::EnUs,
        Locale::EnUs => Locale::FrFr,
    };
    let translated = run_one(&scenario, scenario.seed, other, false)?;
    let mut cases = Vec::new();
    let Some(first) = runs.first() else {
        return Ok(cases);
    };
    for dial in &first.0.report.dials {
        let role_of = |host: &str| role_of(&scenario, &dial.host, host);
        let edition = scenario
            .hosts
            .iter()
            .find(|(n, _)| *n == dial.host)
            .map_or("", |(_, h)| h.role.as_str())
            .to_string();
        cases.push(Case {
            scenario: scenario.name.clone(),
            title: scenario.title.clone(),
            article: scenario.article.clone(),
            client: dial.host.clone(),
            edition,
            error: dial.error.as_ref().map(|e| e.code),
            connected: dial.connected,
            events: case_events(&runs, &translated, &role_of),
            vantages: vantages(&scenario, &dial.host, &runs),
            views: first
                .0
                .report
                .views
                .iter()
                .filter(|v| role_of(&v.host) != "other")
                .map(|v| CaseView {
                    role: role_of(&v.host).to_string(),
                    command: v.command.clone(),
                    output: v.output.clone(),
                })
                .collect(),
            check: scenario
                .check
                .iter()
                .map(|(l, t)| (l.tag().to_string(), t.trim().to_string()))
                .collect(),
            settings: settings.clone(),
            seeds: seeds.clone(),
        });
    }
    Ok(cases)
}

/// A run and the facts of each interface's capture, (host, segment, facts).
type Run = (RunOutput, Vec<(String, String, facts::Facts)>);

fn run_one(s: &Scenario, seed: u64, locale: Locale, pcap: bool) -> Result<Run, IndexError> {
    let opts = RunOptions {
        seed,
        locale,
        want_pcap: pcap,
        ..RunOptions::report_of(s)
    };
    let out = run(s, &opts).map_err(|e| IndexError::Run(s.name.clone(), e.to_string()))?;
    let mut per_iface = Vec::new();
    for c in &out.interface_pcapngs {
        let packets =
            capture::read(&c.pcapng).map_err(|e| IndexError::Capture(s.name.clone(), e))?;
        let f = facts::extract(packets.ipv4.iter().map(Vec::as_slice));
        per_iface.push((c.host.clone(), c.segment.clone(), f));
    }
    Ok((out, per_iface))
}

/// `client` for the case's client, `server` for an RRAS server, else
/// `other` (another client, a router).
fn role_of<'a>(s: &Scenario, client: &str, host: &str) -> &'a str {
    if host == client {
        return "client";
    }
    match s.hosts.iter().find(|(n, _)| *n == host) {
        Some((_, h)) if h.role.is_rras() => "server",
        _ => "other",
    }
}

fn case_events(
    runs: &[Run],
    translated: &Run,
    role_of: &dyn Fn(&str) -> &'static str,
) -> Vec<CaseEvent> {
    // (host, log, id, source) -> how many runs logged it.
    let mut count: BTreeMap<(String, String, u32, String), usize> = BTreeMap::new();
    for (out, _) in runs {
        let mut once = std::collections::BTreeSet::new();
        for e in &out.report.events {
            once.insert((
                e.host.clone(),
                e.log.name().to_string(),
                e.id,
                e.source.clone(),
            ));
        }
        for k in once {
            *count.entry(k).or_default() += 1;
        }
    }
    let reports = runs
        .first()
        .map(|r| &r.0.report)
        .into_iter()
        .chain([&translated.0.report]);
    let reports: Vec<&crate::report::Report> = reports.collect();
    count
        .into_iter()
        .map(|((host, log, id, source), runs)| {
            let mut messages = BTreeMap::new();
            for r in &reports {
                if let Some(e) = r.events.iter().find(|e| {
                    e.host == host && e.log.name() == log && e.id == id && e.source == source
                }) {
                    messages
                        .entry(r.locale.tag().to_string())
                        .or_insert_with(|| e.message.clone());
                }
            }
            CaseEvent {
                role: role_of(&host).to_string(),
                host,
                log,
                id,
                source,
                runs,
                messages,
            }
        })
        .collect()
}

fn vantages(s: &Scenario, client: &str, runs: &[Run]) -> Vec<Vantage> {
    let mut out: Vec<Vantage> = Vec::new();
    for (_, ifaces) in runs {
        for (host, segment, f) in ifaces {
            let role = role_of(s, client, host);
            if role == "other" {
                continue;
            }
            let at = match out
                .iter()
                .position(|v| v.host == *host && v.segment == *segment)
            {
                Some(i) => i,
                None => {
                    out.push(Vantage {
                        role: role.to_string(),
                        host: host.clone(),
                        segment: segment.clone(),
                        facts: BTreeMap::new(),
                    });
                    out.len() - 1
                }
            };
            let Some(v) = out.get_mut(at) else { continue };
            for (feature, value) in f {
                let values = v.facts.entry(feature.to_string()).or_default();
                if !values.iter().any(|x| x == value) {
                    values.push(value.to_string());
                    values.sort();
                }
            }
        }
    }
    out
}

/// What a scenario file sets besides its name, title, article, seed,
/// locale, duration, date and expectations, one line per host setting,
/// network, fault or timeline action, as compact YAML.
pub fn settings(root: &Node) -> Vec<String> {
    const SKIP: &[&str] = &[
        "name", "title", "article", "check", "seed", "locale", "duration", "date", "expect",
    ];
    let mut out = Vec::new();
    let Value::Map(entries) = &root.value else {
        return out;
    };
    for e in entries.iter().filter(|e| !SKIP.contains(&e.key.as_str())) {
        match (&e.key[..], &e.value.value) {
            ("hosts" | "networks", Value::Map(items)) => {
                for item in items {
                    match &item.value.value {
                        Value::Map(keys) => {
                            for k in keys {
                                out.push(format!(
                                    "{}.{}.{}: {}",
                                    e.key,
                                    item.key,
                                    k.key,
                                    inline(&k.value)
                                ));
                            }
                        }
                        _ => out.push(format!("{}.{}: {}", e.key, item.key, inline(&item.value))),
                    }
                }
            }
            (_, Value::Seq(items)) => {
                for (i, item) in items.iter().enumerate() {
                    out.push(format!("{}[{i}]: {}", e.key, inline(item)));
                }
            }
            _ => out.push(format!("{}: {}", e.key, inline(&e.value))),
        }
    }
    out
}

/// A node as one line of flow YAML.
fn inline(n: &Node) -> String {
    match &n.value {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::UInt(u) => u.to_string(),
        Value::Float(f) => f.to_string(),
        Value::Str(s) => s.clone(),
        Value::Seq(items) => format!(
            "[{}]",
            items.iter().map(inline).collect::<Vec<_>>().join(", ")
        ),
        Value::Map(entries) => format!(
            "{{{}}}",
            entries
                .iter()
                .map(|e| format!("{}: {}", e.key, inline(&e.value)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// Where the index is cached: `target/` beside the library when there is
/// one (a checkout), else the system's temporary directory.
pub fn default_cache(dir: &Path) -> PathBuf {
    let target = dir.join("..").join("target");
    let base = if target.is_dir() {
        target
    } else {
        std::env::temp_dir()
    };
    base.join("l2tpsec-diagnose-index.json")
}
