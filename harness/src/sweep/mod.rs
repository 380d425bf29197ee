//! `l2tpsec sweep`: one scenario over many seeds, on every core, with the
//! run invariants checked on each run (SCENARIOS.md, "Additions"). Runs
//! are folded into counts as they end, so memory stays flat however many
//! seeds there are; only the seeds that broke something are kept.

use std::collections::BTreeMap;
use std::io::IsTerminal as _;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use l2tpsec::net::Engine;
use serde::{Deserialize, Serialize};

mod merge;
mod seeds;
pub use merge::{merge, parse_piece, read_piece, MergeError, Merged, Piece};
pub use seeds::{parse_seeds, parse_shard, shard_has, shard_len, SeedRange, Shard};

use crate::report::expect;
use crate::report::Report;
use crate::run::invariants;
use crate::run::{run, RunOptions};
use crate::scenario::schema::Scenario;

/// What `sweep` was asked for, besides the scenarios.
#[derive(Clone, Copy, Debug)]
pub struct SweepOptions {
    pub seeds: SeedRange,
    pub jobs: Option<usize>,
    pub shard: Option<Shard>,
    pub engine: Engine,
    /// A progress bar (indicatif) rather than plain lines.
    pub bar: bool,
}

impl SweepOptions {
    /// A bar when standard error is a terminal.
    pub fn bar_if_terminal(&mut self) {
        self.bar = std::io::stderr().is_terminal();
    }
}

/// A seed that broke an invariant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrokenSeed {
    pub seed: u64,
    pub invariant: String,
    pub detail: String,
}

/// A seed whose run panicked or could not run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PanickedSeed {
    pub seed: u64,
    pub message: String,
}

/// One scenario's sweep (the JSON of SCENARIOS.md).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScenarioSweep {
    pub name: String,
    pub runs: usize,
    /// "connected", "error 792", "no result", "no dial"; several dials
    /// joined by "; " with their hosts.
    pub outcomes: BTreeMap<String, usize>,
    pub broken: Vec<BrokenSeed>,
    pub panicked: Vec<PanickedSeed>,
    pub runs_per_min: f64,
}

impl ScenarioSweep {
    /// No run counted yet.
    pub fn empty(name: String) -> Self {
        ScenarioSweep {
            name,
            runs: 0,
            outcomes: BTreeMap::new(),
            broken: Vec::new(),
            panicked: Vec::new(),
            runs_per_min: 0.0,
        }
    }

    /// The order the summary lists findings in: by seed (stable, so one
    /// seed's breaks keep the order the invariants found them).
    pub fn sort_findings(&mut self) {
        self.broken
            .sort_by(|x, y| (x.seed, &x.invariant).cmp(&(y.seed, &y.invariant)));
        self.panicked.sort_by_key(|p| p.seed);
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SweepSummary {
    /// Only in a `--shard` piece: which part of which sweep it is, so
    /// `sweep-merge` can tell pieces that do not fit together. The
    /// unsharded summary (and a merged one) has no such field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<ShardInfo>,
    pub scenarios: Vec<ScenarioSweep>,
}

/// The sweep a shard belongs to (SCENARIOS.md, "Command line": `sweep-merge`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardInfo {
    /// 1-based.
    pub index: usize,
    pub count: usize,
    /// The whole sweep's seeds, not only this shard's.
    pub seeds: SeedRange,
    pub engine: Engine,
    /// The scenario arguments as given, which the text summary's
    /// reproducing commands name.
    pub files: Vec<String>,
}

impl SweepSummary {
    /// 0 when no run panicked or broke an invariant, 1 otherwise.
    pub fn ok(&self) -> bool {
        self.scenarios
            .iter()
            .all(|s| s.broken.is_empty() && s.panicked.is_empty())
    }

    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }

    /// The text summary, with the command that reproduces each bad seed.
    pub fn to_text(&self, files: &[String]) -> String {
        let mut out = String::new();
        for (s, file) in self.scenarios.iter().zip(files) {
            out += &format!(
                "== {} ({} runs, {:.0} runs/min)\n",
                s.name, s.runs, s.runs_per_min
            );
            let mut o: Vec<(&String, &usize)> = s.outcomes.iter().collect();
            o.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
            for (outcome, n) in o {
                out += &format!("  {n:>6}x {outcome}\n");
            }
            for b in &s.broken {
                out += &format!(
                    "  ! seed {}: invariant {} broken: {}\n      l2tpsec run {file} --seed {}\n",
                    b.seed, b.invariant, b.detail, b.seed
                );
            }
            for p in &s.panicked {
                out += &format!(
                    "  ! seed {}: panicked: {}\n      l2tpsec run {file} --seed {}\n",
                    p.seed, p.message, p.seed
                );
            }
            if s.broken.is_empty() && s.panicked.is_empty() {
                out += "  every invariant held\n";
            }
        }
        out
    }
}

/// How one run ended.
enum RunEnd {
    Ran {
        outcome: String,
        broken: Vec<invariants::Broken>,
    },
    Panicked(String),
}

/// One line per run (SCENARIOS.md, third round): each dial's attempt path
/// (`l2tp 792 -> pptp connected`) and a later end (`connected, then
/// link-failure`).
fn outcome_of(r: &Report) -> String {
    let one = |d: &crate::report::DialReport| {
        let path = if d.attempts.len() > 1 {
            d.attempts
                .iter()
                .map(|a| {
                    let result = match (&a.error, a.connected) {
                        (_, true) => "connected".to_string(),
                        (Some(e), false) => e.code.to_string(),
                        (None, false) => "no result".to_string(),
                    };
                    format!("{} {result}", a.protocol.as_str())
                })
                .collect::<Vec<_>>()
                .join(" -> ")
        } else {
            match (&d.error, d.connected) {
                (_, true) => "connected".to_string(),
                (Some(e), false) => format!("error {}", e.code),
                (None, false) => "no result".to_string(),
            }
        };
        match &d.ended {
            Some(e) => format!("{path}, then {}", e.reason),
            None => path,
        }
    };
    match &r.dials[..] {
        [] => "no dial".into(),
        [d] => one(d),
        ds => ds
            .iter()
            .map(|d| format!("{}: {}", d.host, one(d)))
            .collect::<Vec<_>>()
            .join("; "),
    }
}

fn run_one(s: &Scenario, seed: u64, engine: Engine) -> RunEnd {
    let opts = RunOptions {
        seed,
        locale: s.locale,
        want_pcap: false,
        want_keys: false,
        engine,
    };
    let r = panic::catch_unwind(AssertUnwindSafe(|| run(s, &opts)));
    match r {
        Ok(Ok(mut out)) => {
            expect::finish(s, &mut out.report);
            RunEnd::Ran {
                outcome: outcome_of(&out.report),
                broken: invariants::check(s, &out),
            }
        }
        Ok(Err(e)) => RunEnd::Panicked(format!("could not run: {e}")),
        Err(payload) => RunEnd::Panicked(
            payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "panic".into()),
        ),
    }
}

/// The seeds of `seeds` this shard runs: every N-th, starting at I-1.
pub fn shard_seeds(seeds: SeedRange, shard: Option<Shard>) -> Vec<u64> {
    (seeds.start..seeds.end)
        .enumerate()
        .filter(|(k, _)| shard.is_none_or(|sh| k % sh.count == sh.index - 1))
        .map(|(_, s)| s)
        .collect()
}

/// Sweeps each scenario in turn over the seeds, `jobs` threads at a time
/// (a simulation is not `Send`: each lives and dies on its thread).
pub fn sweep(scenarios: &[Scenario], opts: &SweepOptions) -> SweepSummary {
    let seeds = shard_seeds(opts.seeds, opts.shard);
    let jobs = opts
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .clamp(1, seeds.len().max(1));
    // A panic is a result here, reported with its seed: keep the default
    // hook from writing over the progress display meanwhile.
    let hook = panic::take_hook();
    panic::set_hook(Box::new(|_| {}));
    let summary = SweepSummary {
        shard: opts.shard.map(|sh| ShardInfo {
            index: sh.index,
            count: sh.count,
            seeds: opts.seeds,
            engine: opts.engine,
            // The caller knows the arguments; names until it says.
            files: scenarios.iter().map(|s| s.name.clone()).collect(),
        }),
        scenarios: scenarios
            .iter()
            .map(|s| sweep_one(s, &seeds, jobs, opts))
            .collect(),
    };
    panic::set_hook(hook);
    summary
}

fn sweep_one(s: &Scenario, seeds: &[u64], jobs: usize, opts: &SweepOptions) -> ScenarioSweep {
    let total = seeds.len();
    let bar = opts.bar.then(|| {
        let b = indicatif::ProgressBar::new(total as u64);
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "{prefix} [{bar:40}] {pos}/{len} {per_sec} eta {eta} {msg}",
        ) {
            b.set_style(style.progress_chars("=> "));
        }
        b.set_prefix(s.name.clone());
        b
    });
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let acc = Mutex::new(ScenarioSweep::empty(s.name.clone()));
    let started = Instant::now();
    // Plain lines: one every tenth of the way, and each seed that broke
    // something as it happens.
    let step = (total / 10).max(1);
    std::thread::scope(|scope| {
        for _ in 0..jobs {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(&seed) = seeds.get(i) else { break };
                let end = run_one(s, seed, opts.engine);
                let n = done.fetch_add(1, Ordering::Relaxed) + 1;
                let mut lines = Vec::new();
                if let Ok(mut a) = acc.lock() {
                    a.runs += 1;
                    match end {
                        RunEnd::Ran { outcome, broken } => {
                            *a.outcomes.entry(outcome).or_default() += 1;
                            for b in broken {
                                lines.push(format!(
                                    "{} seed {seed}: invariant {} broken: {}",
                                    s.name, b.invariant, b.detail
                                ));
                                a.broken.push(BrokenSeed {
                                    seed,
                                    invariant: b.invariant.to_string(),
                                    detail: b.detail,
                                });
                            }
                        }
                        RunEnd::Panicked(message) => {
                            *a.outcomes.entry("panicked".into()).or_default() += 1;
                            lines.push(format!("{} seed {seed}: panicked: {message}", s.name));
                            a.panicked.push(PanickedSeed { seed, message });
                        }
                    }
                }
                match &bar {
                    Some(b) => {
                        for l in lines {
                            b.println(l);
                        }
                        b.inc(1);
                    }
                    None => {
                        for l in lines {
                            eprintln!("{l}");
                        }
                        if n.is_multiple_of(step) || n == total {
                            eprintln!("{}: {n}/{total} runs", s.name);
                        }
                    }
                }
            });
        }
    });
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let mut a = acc.into_inner().unwrap_or_else(|e| e.into_inner());
    a.sort_findings();
    let minutes = started.elapsed().as_secs_f64() / 60.0;
    a.runs_per_min = if minutes > 0.0 {
        (a.runs as f64 / minutes).round()
    } else {
        0.0
    };
    a
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_name_the_attempt_path_and_a_later_end() {
        use crate::report::{Attempt, DialError, DialProtocol, DialReport, Ended};
        let attempt = |protocol, code: Option<u32>| Attempt {
            protocol,
            connected: code.is_none(),
            error: code.map(|code| DialError {
                code,
                message: String::new(),
            }),
        };
        let mut r = Report::new("x", 1, crate::scenario::schema::Locale::FrFr);
        r.dials.push(DialReport {
            host: "client".into(),
            protocol: DialProtocol::Pptp,
            connected: true,
            error: None,
            address: None,
            attempts: vec![
                attempt(DialProtocol::L2tp, Some(792)),
                attempt(DialProtocol::Pptp, None),
            ],
            at_ms: 1000,
            ended: None,
            pings: Default::default(),
            not_modelled: Vec::new(),
        });
        assert_eq!(outcome_of(&r), "l2tp 792 -> pptp connected");
        r.dials[0].attempts.remove(0);
        r.dials[0].ended = Some(Ended {
            at_ms: 90_000,
            reason: "link-failure",
        });
        assert_eq!(outcome_of(&r), "connected, then link-failure");
    }

    #[test]
    fn shards_split_the_seeds_without_overlap() {
        let seeds = SeedRange { start: 1, end: 8 };
        let one = shard_seeds(seeds, Some(Shard { index: 1, count: 3 }));
        let two = shard_seeds(seeds, Some(Shard { index: 2, count: 3 }));
        let three = shard_seeds(seeds, Some(Shard { index: 3, count: 3 }));
        assert_eq!(one, vec![1, 4, 7]);
        assert_eq!(two, vec![2, 5]);
        assert_eq!(three, vec![3, 6]);
        assert_eq!(shard_seeds(seeds, None), (1..8).collect::<Vec<_>>());
    }

    #[test]
    fn a_broken_seed_is_listed_with_the_command_that_reproduces_it() {
        let summary = SweepSummary {
            shard: None,
            scenarios: vec![ScenarioSweep {
                name: "x".into(),
                runs: 2,
                outcomes: BTreeMap::from([("connected".to_string(), 2)]),
                broken: vec![BrokenSeed {
                    seed: 7,
                    invariant: "every-dial-ends".into(),
                    detail: "client: no result".into(),
                }],
                panicked: vec![],
                runs_per_min: 60.0,
            }],
        };
        assert!(!summary.ok());
        let text = summary.to_text(&["scenarios/x.yaml".into()]);
        assert!(text.contains("! seed 7: invariant every-dial-ends broken: client: no result"));
        assert!(text.contains("l2tpsec run scenarios/x.yaml --seed 7"));
        let v: serde_json::Value = serde_json::from_str(&summary.to_json()).unwrap();
        assert_eq!(v["scenarios"][0]["broken"][0]["seed"], 7);
        assert_eq!(
            v["scenarios"][0]["broken"][0]["invariant"],
            "every-dial-ends"
        );
    }
}
