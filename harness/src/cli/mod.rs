//! The `l2tpsec` command line (SCENARIOS.md "Command line").
//!
//! Exit status: 0 every expectation holds (or none were given), 1 an
//! expectation failed (sweep: a run failed or panicked), 2 bad input
//! (unreadable file, invalid scenario, bad arguments, runner setup error).

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use l2tpsec::net::Engine;

use crate::report::{expect, render_text, Verdict};
use crate::run::{run, RunOptions, RunOutput};
use crate::scenario::load::{self, LoadError};
use crate::scenario::schema::{Locale, Scenario};
use crate::scenario::{scenario_files, scenarios_dir};
use crate::sweep::{parse_seeds, parse_shard, sweep, SeedRange, Shard, SweepOptions};

mod diagnose;
mod junit;
mod snapshot;
mod test;

pub const EXIT_OK: u8 = 0;
pub const EXIT_FAILED: u8 = 1;
pub const EXIT_BAD_INPUT: u8 = 2;

#[derive(Debug, Parser)]
#[command(
    name = "l2tpsec",
    version,
    about = "Deterministic L2TP/IPsec troubleshooting lab",
    after_help = "Exit status: 0 all expectations hold (or none given), 1 an expectation failed, 2 bad input."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum Format {
    #[default]
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a scenario and print its report.
    Run {
        /// A scenario file, or a scenario name (scenarios/NAME.yaml).
        scenario: String,
        /// Overrides the scenario's seed.
        #[arg(long)]
        seed: Option<u64>,
        /// Report language (overrides the scenario's locale).
        #[arg(long, value_parser = parse_locale)]
        locale: Option<Locale>,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Write DIR/<scenario>.pcapng and DIR/<scenario>/<host>-<network>.pcapng.
        #[arg(long, value_name = "DIR")]
        pcap: Option<PathBuf>,
        /// Also write DIR/<scenario>.keys (tshark -o arguments).
        #[arg(long, requires = "pcap")]
        keys: bool,
        /// Write FILE: the run as a ladder diagram, one self-contained HTML
        /// page (lanes per host interface, an arrow per packet, faults,
        /// NAT rewriting, events, the dial results).
        #[arg(long, value_name = "FILE")]
        html: Option<PathBuf>,
        /// Write the logs the scenario turns on (oakley.log, PPP.LOG,
        /// RASMAN.LOG) to DIR/<scenario>/<host>/.
        #[arg(long, value_name = "DIR")]
        logs: Option<PathBuf>,
        /// Print the engines' traces to stderr, selected like RUST_LOG
        /// (e.g. `ike=debug,ppp=trace`; targets: ike esp l2tp pptp ppp chap
        /// ras rras nat fault).
        #[arg(long, value_name = "FILTER")]
        trace: Option<String>,
        /// The loop that runs the network, event or turmoil (same report and
        /// captures on both; DESIGN.md, "Two engines, one network model").
        #[arg(long, value_parser = parse_engine, default_value = "event")]
        engine: Engine,
    },
    /// List every scenario: name, title, article paragraph.
    List,
    /// Validate scenario files without running them.
    Check {
        #[arg(required = true, value_name = "FILE")]
        files: Vec<String>,
    },
    /// Run scenarios over a range of seeds and show the distribution of outcomes.
    Sweep {
        #[arg(required = true, value_name = "SCENARIO")]
        scenarios: Vec<String>,
        /// A..B (B excluded), A..=B (B included) or a single seed.
        #[arg(long, value_parser = parse_seeds)]
        seeds: SeedRange,
        /// Worker threads (default: every core).
        #[arg(long)]
        jobs: Option<usize>,
        /// Run only shard I of N (1-based), for CI matrices.
        #[arg(long, value_parser = parse_shard)]
        shard: Option<Shard>,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        #[arg(long, value_parser = parse_engine, default_value = "event")]
        engine: Engine,
    },
    /// Merge the summaries of `sweep --shard I/N --format json` into the
    /// unsharded sweep's.
    SweepMerge {
        #[arg(required = true, value_name = "SUMMARY.json")]
        pieces: Vec<PathBuf>,
        #[arg(long, value_enum, default_value_t = Format::Json)]
        format: Format,
    },
    /// Run every scenario under the paths as a test suite (for CI).
    Test {
        /// Scenario files, or folders searched recursively for *.yaml
        /// (folders named base, which hold base: files, are skipped).
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
        /// Compare each text report with DIR/<scenario>.snap.
        #[arg(long, value_name = "DIR")]
        snapshots: Option<PathBuf>,
        /// Write the snapshots that are missing or differ instead of failing.
        #[arg(long, requires = "snapshots")]
        accept: bool,
        /// Write a JUnit XML report to FILE.
        #[arg(long, value_name = "FILE")]
        junit: Option<PathBuf>,
        #[arg(long, value_parser = parse_locale)]
        locale: Option<Locale>,
    },
    /// Rank the library's causes by what was observed on real machines.
    Diagnose(diagnose::DiagnoseArgs),
}

pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            // --help and --version are not errors.
            return ExitCode::from(if e.use_stderr() {
                EXIT_BAD_INPUT
            } else {
                EXIT_OK
            });
        }
    };
    ExitCode::from(execute(cli.command))
}

pub fn execute(command: Command) -> u8 {
    let dir = scenarios_dir();
    match command {
        Command::Run {
            scenario,
            seed,
            locale,
            format,
            pcap,
            keys,
            html,
            logs,
            trace,
            engine,
        } => cmd_run(
            &dir,
            &scenario,
            RunArgs {
                seed,
                locale,
                format,
                engine,
                html,
                logs,
                trace,
            },
            pcap.as_deref(),
            keys,
        ),
        Command::List => cmd_list(&dir),
        Command::Check { files } => cmd_check(&dir, &files),
        Command::Sweep {
            scenarios,
            seeds,
            jobs,
            shard,
            format,
            engine,
        } => {
            let mut opts = SweepOptions {
                seeds,
                jobs,
                shard,
                engine,
                bar: false,
            };
            opts.bar_if_terminal();
            cmd_sweep(&dir, &scenarios, &opts, format)
        }
        Command::SweepMerge { pieces, format } => cmd_sweep_merge(&pieces, format),
        Command::Test {
            paths,
            snapshots,
            accept,
            junit,
            locale,
        } => test::cmd_test(&test::TestArgs {
            paths,
            snapshots,
            accept,
            junit,
            locale,
        }),
        Command::Diagnose(args) => diagnose::cmd_diagnose(&dir, args),
    }
}

fn report_load_error(e: &LoadError) {
    eprintln!("{e}");
}

/// Writes `DIR/<scenario>.pcapng`, `DIR/<scenario>/<host>-<network>.pcapng`
/// for each interface, and with `keys` `DIR/<scenario>.keys` (SCENARIOS.md,
/// "Command line").
pub fn write_captures(dir: &Path, name: &str, out: &RunOutput, keys: bool) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    std::fs::write(dir.join(format!("{name}.pcapng")), &out.pcapng)?;
    let per_interface = dir.join(name);
    std::fs::create_dir_all(&per_interface)?;
    for c in &out.interface_pcapngs {
        std::fs::write(
            per_interface.join(format!("{}-{}.pcapng", c.host, c.segment)),
            &c.pcapng,
        )?;
    }
    if keys {
        std::fs::write(dir.join(format!("{name}.keys")), &out.keys)?;
    }
    Ok(())
}

/// What `run` takes besides the scenario and the capture directory.
struct RunArgs {
    seed: Option<u64>,
    locale: Option<Locale>,
    format: Format,
    engine: Engine,
    /// `--html FILE`: the ladder page.
    html: Option<PathBuf>,
    /// `--logs DIR`: the Windows logs.
    logs: Option<PathBuf>,
    /// `--trace FILTER`: engine traces on stderr.
    trace: Option<String>,
}

/// Writes the ladder page of a run to `file`, creating its directory.
pub fn write_ladder(file: &Path, s: &Scenario, out: &RunOutput) -> std::io::Result<()> {
    if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(file, crate::ladder::write_html(s, out))
}

fn cmd_run(dir: &Path, arg: &str, args: RunArgs, pcap: Option<&Path>, keys: bool) -> u8 {
    let RunArgs {
        seed,
        locale,
        format,
        engine,
        html,
        logs,
        trace,
    } = args;
    let s = match load::load(arg, dir) {
        Ok(s) => s,
        Err(e) => {
            report_load_error(&e);
            return EXIT_BAD_INPUT;
        }
    };
    let opts = RunOptions {
        seed: seed.unwrap_or(s.seed),
        locale: locale.unwrap_or(s.locale),
        // The ladder draws the captures.
        want_pcap: pcap.is_some() || html.is_some(),
        want_keys: keys,
        engine,
    };
    let traced = if logs.is_some() || trace.is_some() {
        crate::logs::run_traced(&s, &opts, logs.is_some(), trace.as_deref()).map(
            |(mut out, records)| {
                expect::finish(&s, &mut out.report);
                (out, records)
            },
        )
    } else {
        run(&s, &opts).map(|mut out| {
            expect::finish(&s, &mut out.report);
            (out, Vec::new())
        })
    };
    let (out, records) = match traced {
        Ok(x) => x,
        Err(e) => {
            eprintln!("{}: {e}", s.name);
            return EXIT_BAD_INPUT;
        }
    };
    let report = &out.report;
    let text = match format {
        Format::Text => render_text(report),
        Format::Json => report.to_json(),
    };
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(text.as_bytes());
    let _ = stdout.flush();
    if let Some(pdir) = pcap {
        if let Err(e) = write_captures(pdir, &s.name, &out, keys) {
            eprintln!("{}: cannot write the capture: {e}", pdir.display());
            return EXIT_BAD_INPUT;
        }
    }
    if let Some(ldir) = &logs {
        let written = crate::logs::render(&s, &records);
        if written.is_empty() {
            eprintln!(
                "{}: no host turns a log on (registry EnableLogging: 1, tracing: [ppp, rasman])",
                s.name
            );
        }
        if let Err(e) = crate::logs::write(ldir, &s.name, &written) {
            eprintln!("{}: cannot write the logs: {e}", ldir.display());
            return EXIT_BAD_INPUT;
        }
    }
    if let Some(file) = &html {
        if let Err(e) = write_ladder(file, &s, &out) {
            eprintln!("{}: cannot write the ladder: {e}", file.display());
            return EXIT_BAD_INPUT;
        }
    }
    if report.verdict == Verdict::Fail {
        EXIT_FAILED
    } else {
        EXIT_OK
    }
}

fn cmd_list(dir: &Path) -> u8 {
    let files = match scenario_files(dir) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("{}: cannot list scenarios: {e}", dir.display());
            return EXIT_BAD_INPUT;
        }
    };
    let mut status = EXIT_OK;
    let mut rows = Vec::new();
    for f in files {
        match load::load_file(&f, dir) {
            Ok(s) => rows.push(s),
            Err(e) => {
                report_load_error(&e);
                status = EXIT_BAD_INPUT;
            }
        }
    }
    let width = rows
        .iter()
        .map(|s| s.name.chars().count())
        .max()
        .unwrap_or(0);
    let mut out = String::new();
    for s in rows {
        out.push_str(&format!("{:<width$}  {}\n", s.name, s.title));
        if let Some(a) = &s.article {
            out.push_str(&format!("{:<width$}  article: {a}\n", ""));
        }
    }
    print!("{out}");
    status
}

fn cmd_check(dir: &Path, files: &[String]) -> u8 {
    let mut status = EXIT_OK;
    for f in files {
        match load::load(f, dir) {
            Ok(s) => println!("ok {} ({})", load::resolve(f, dir).display(), s.name),
            Err(e) => {
                report_load_error(&e);
                status = EXIT_BAD_INPUT;
            }
        }
    }
    status
}

fn cmd_sweep(dir: &Path, args: &[String], opts: &SweepOptions, format: Format) -> u8 {
    let mut scenarios = Vec::new();
    for a in args {
        match load::load(a, dir) {
            Ok(s) => scenarios.push(s),
            Err(e) => {
                report_load_error(&e);
                return EXIT_BAD_INPUT;
            }
        }
    }
    let mut summary = sweep(&scenarios, opts);
    if let Some(sh) = &mut summary.shard {
        sh.files = args.to_vec();
    }
    let text = match format {
        Format::Text => summary.to_text(args),
        Format::Json => summary.to_json(),
    };
    print!("{text}");
    if summary.ok() {
        EXIT_OK
    } else {
        EXIT_FAILED
    }
}

/// `sweep-merge`: exits as `sweep` would have on the whole range.
fn cmd_sweep_merge(files: &[PathBuf], format: Format) -> u8 {
    let merged = files
        .iter()
        .map(|f| crate::sweep::read_piece(f))
        .collect::<Result<Vec<_>, _>>()
        .and_then(|pieces| crate::sweep::merge(&pieces));
    let merged = match merged {
        Ok(m) => m,
        Err(e) => {
            eprintln!("{e}");
            return EXIT_BAD_INPUT;
        }
    };
    let text = match format {
        Format::Text => merged.summary.to_text(&merged.files),
        Format::Json => merged.summary.to_json(),
    };
    print!("{text}");
    if merged.summary.ok() {
        EXIT_OK
    } else {
        EXIT_FAILED
    }
}

/// `--engine event|turmoil`.
fn parse_engine(s: &str) -> Result<Engine, String> {
    Engine::from_name(s)
        .ok_or_else(|| format!("'{s}' is not an engine (possible values: event, turmoil)"))
}

/// `--locale fr-FR|en-US`.
fn parse_locale(s: &str) -> Result<Locale, String> {
    Locale::from_tag(s)
        .ok_or_else(|| format!("'{s}' is not a locale (possible values: fr-FR, en-US)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_ranges_parse_half_open_inclusive_and_single() {
        assert_eq!(parse_seeds("1..4"), Ok(SeedRange { start: 1, end: 4 }));
        assert_eq!(parse_seeds("1..=4"), Ok(SeedRange { start: 1, end: 5 }));
        assert_eq!(parse_seeds("7"), Ok(SeedRange { start: 7, end: 8 }));
        assert!(parse_seeds("4..4").is_err());
        assert!(parse_seeds("a..b").is_err());
        assert!(parse_seeds("1..=18446744073709551615").is_err());
    }

    #[test]
    fn shards_are_one_based() {
        assert_eq!(parse_shard("1/4"), Ok(Shard { index: 1, count: 4 }));
        assert!(parse_shard("0/4").is_err());
        assert!(parse_shard("5/4").is_err());
        assert!(parse_shard("x").is_err());
    }

    #[test]
    fn cli_parses_run_options() {
        let c = Cli::try_parse_from([
            "l2tpsec", "run", "x", "--seed", "3", "--locale", "en-US", "--format", "json",
        ])
        .unwrap();
        match c.command {
            Command::Run {
                seed,
                locale,
                format,
                ..
            } => {
                assert_eq!(seed, Some(3));
                assert_eq!(locale, Some(Locale::EnUs));
                assert_eq!(format, Format::Json);
            }
            _ => panic!("not run"),
        }
        assert!(Cli::try_parse_from(["l2tpsec", "run", "x", "--keys"]).is_err());
        assert!(Cli::try_parse_from(["l2tpsec", "run", "x", "--locale", "de-DE"]).is_err());
    }
}
