//! Traces (issue 12): the engines' `tracing` events (`l2tpsec::trace`),
//! collected during a run and rendered as the logs each Windows machine
//! would write when its scenario turns them on (oakley.log with
//! `registry: {EnableLogging: 1}`, PPP.LOG and RASMAN.LOG with `tracing:
//! [ppp, rasman]`), and printed to stderr for `--trace FILTER`.
//!
//! Collecting changes nothing: the engines only describe what they do, so
//! a run with or without a subscriber gives the same report and captures
//! (tested), and the logs are the same on every run of a seed.

pub mod clock;
pub mod collect;
pub mod oakley;
pub mod ppp_log;
pub mod rasman;

use std::path::{Path, PathBuf};

use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::Layer as _;

pub use collect::{Collector, Record};

use crate::run::{run, RunError, RunOptions, RunOutput};
use crate::scenario::schema::{RegistryValue, Role, Scenario, TraceLog};

/// Runs `scenario`, collecting the engines' records when `collect`, and
/// printing those `trace` (an `EnvFilter` directive such as
/// `ike=debug,ppp=trace`) selects to stderr.
pub fn run_traced(
    scenario: &Scenario,
    opts: &RunOptions,
    collect: bool,
    trace: Option<&str>,
) -> Result<(RunOutput, Vec<Record>), RunError> {
    // The `host` span (host and simulated time) is shown whatever the
    // filter selects.
    let filter = trace
        .map(|t| tracing_subscriber::EnvFilter::try_new(format!("{t},l2tpsec::trace=info")))
        .transpose()
        .map_err(|e| RunError::Setup(format!("--trace: {e}")))?;
    let printer = filter.map(|f| {
        tracing_subscriber::fmt::layer()
            .with_writer(std::io::stderr)
            .with_ansi(false)
            .without_time()
            .with_filter(f)
    });
    let collector = Collector::default();
    let subscriber = tracing_subscriber::registry()
        .with(collect.then(|| collector.clone()))
        .with(printer);
    let out = tracing::subscriber::with_default(subscriber, || run(scenario, opts))?;
    Ok((out, collector.take()))
}

/// One log file of one host.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostLog {
    pub host: String,
    pub file: &'static str,
    pub text: String,
}

/// The logs the scenario turns on, per Windows host in scenario order.
pub fn render(scenario: &Scenario, records: &[Record]) -> Vec<HostLog> {
    let mut out = Vec::new();
    for (name, host) in scenario.hosts.iter() {
        if !matches!(host.role, Role::Windows(_)) {
            continue;
        }
        // A machine's logs stamp its own wall clock (`clock:`).
        let clock = clock::Clock {
            epoch_unix_micros: host.clock.apply(scenario.date).unix_micros,
        };
        let mine: Vec<&Record> = records.iter().filter(|r| r.host == name).collect();
        if host
            .registry
            .get(RegistryValue::EnableLogging)
            .is_some_and(|v| v != 0)
        {
            out.push(HostLog {
                host: name.to_string(),
                file: "oakley.log",
                text: oakley::render(&mine, &clock),
            });
        }
        let mut logs = host.tracing.clone();
        logs.sort();
        logs.dedup();
        for log in logs {
            let text = match log {
                TraceLog::Ppp => ppp_log::render(&mine, &clock),
                TraceLog::Rasman => rasman::render(&mine, &clock),
            };
            out.push(HostLog {
                host: name.to_string(),
                file: log.file_name(),
                text,
            });
        }
    }
    out
}

/// Writes `DIR/<scenario>/<host>/<file>` for each log; returns the paths.
pub fn write(dir: &Path, scenario: &str, logs: &[HostLog]) -> std::io::Result<Vec<PathBuf>> {
    let mut paths = Vec::new();
    for l in logs {
        let d = dir.join(scenario).join(&l.host);
        std::fs::create_dir_all(&d)?;
        let p = d.join(l.file);
        std::fs::write(&p, &l.text)?;
        paths.push(p);
    }
    Ok(paths)
}
