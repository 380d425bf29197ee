//! The two engines and the sweep, as ratios (issue 7's goals; DESIGN.md,
//! "Two engines, one network model"). Printed, not asserted:
//!
//! - `udp500-blocked`: simulated seconds per wall second on each engine,
//!   and how many times faster the event engine is, in the same run;
//! - every shipped scenario once, one after another on one core;
//! - `sweep l2tp-ipsec-connect`: runs per minute on every core.
//!
//! `cargo bench -p l2tpsec-harness --bench engines`.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use l2tpsec::net::Engine;
use l2tpsec_harness::scenario::scenario_files;
use l2tpsec_harness::sweep::{sweep, SweepOptions};
use l2tpsec_harness::{load_file, run, RunOptions, Scenario};

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scenarios")
}

fn scenario(name: &str) -> Scenario {
    load_file(&dir().join(format!("{name}.yaml")), &dir()).expect("scenario loads")
}

fn opts(s: &Scenario, engine: Engine) -> RunOptions {
    RunOptions {
        seed: s.seed,
        locale: s.locale,
        want_pcap: false,
        want_keys: false,
        engine,
    }
}

/// Runs `s` on `engine` until at least `budget` of wall time has passed;
/// (runs, wall, simulated time of one run).
fn time_runs(s: &Scenario, engine: Engine, budget: Duration) -> (u32, Duration, Duration) {
    let o = opts(s, engine);
    let started = Instant::now();
    let mut runs = 0;
    let mut sim = Duration::ZERO;
    while runs == 0 || started.elapsed() < budget {
        let out = run(s, &o).expect("runs");
        sim = Duration::from_millis(out.report.sim_time_ms);
        runs += 1;
    }
    (runs, started.elapsed(), sim)
}

fn main() {
    // `cargo bench` passes --bench; a filter argument that names nothing
    // here skips the lot.
    let filter: Option<String> = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    if filter.as_deref().is_some_and(|f| !"engines".contains(f)) {
        return;
    }

    let blocked = scenario("udp500-blocked");
    let mut per_engine = Vec::new();
    for engine in Engine::ALL {
        let budget = Duration::from_secs(3);
        let (runs, wall, sim) = time_runs(&blocked, engine, budget);
        let speed = sim.as_secs_f64() * f64::from(runs) / wall.as_secs_f64();
        println!(
            "udp500-blocked on {:<7}: {runs} runs of {:.0} simulated s in {:.2} s: {speed:.0}x real time",
            engine.as_str(),
            sim.as_secs_f64(),
            wall.as_secs_f64()
        );
        per_engine.push(speed);
    }
    if let [event, turmoil] = per_engine[..] {
        println!(
            "udp500-blocked: event engine {:.0}x real time (goal >= 5000x), {:.1}x the turmoil engine (goal >= 20x)",
            event,
            event / turmoil
        );
    }

    let files = scenario_files(&dir()).unwrap_or_default();
    let all: Vec<Scenario> = files
        .iter()
        .filter_map(|f| load_file(f, &dir()).ok())
        .collect();
    let started = Instant::now();
    for s in &all {
        run(s, &opts(s, Engine::Event)).expect("runs");
    }
    println!(
        "every shipped scenario once ({}), one core: {:.3} s (goal < 1 s)",
        all.len(),
        started.elapsed().as_secs_f64()
    );

    let connect = scenario("l2tp-ipsec-connect");
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let summary = sweep(
        std::slice::from_ref(&connect),
        &SweepOptions {
            seeds: l2tpsec_harness::sweep::SeedRange {
                start: 1,
                end: 1001,
            },
            jobs: None,
            shard: None,
            engine: Engine::Event,
            bar: false,
        },
    );
    if let Some(s) = summary.scenarios.first() {
        println!(
            "sweep l2tp-ipsec-connect --seeds 1..1001 on {cores} cores: {:.0} runs per minute (goal >= 3000 on 2 cores)",
            s.runs_per_min
        );
    }
}
