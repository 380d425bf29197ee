//! Random faults over the standard lab with certificates (issue 7): fault
//! lists drawn by proptest (drop, corrupt, delay, duplicate; any protocol,
//! direction, site and window), each run checked against the run
//! invariants (DESIGN.md) and for panics. A failing case shrinks; the
//! smallest is written as a scenario to `tests/regressions/`, where
//! `regression_scenarios_keep_every_invariant` runs it from then on.

use std::fmt::Write as _;
use std::panic::{self, AssertUnwindSafe};
use std::path::PathBuf;

use l2tpsec_harness::run::invariants;
use l2tpsec_harness::{load_file, load_str, run, RunOptions, Scenario};
use proptest::prelude::*;

fn scenarios_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scenarios")
}

fn regressions_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/regressions")
}

#[derive(Debug, Clone)]
struct Draw {
    site: &'static str,
    protocol: &'static str,
    toward: Option<&'static str>,
    action: &'static str,
    /// delay: milliseconds; corrupt: the layer after which bytes change.
    by_ms: u64,
    after: &'static str,
    /// Percent.
    probability: u32,
    /// Seconds.
    window: Option<(u64, u64)>,
}

fn draw() -> impl Strategy<Value = Draw> {
    (
        prop::sample::select(vec!["gw", "internet", "lan"]),
        prop::sample::select(vec!["udp", "esp", "isakmp", "l2tp", "icmp"]),
        prop::option::of(prop::sample::select(vec!["client", "server"])),
        prop::sample::select(vec!["drop", "corrupt", "delay", "duplicate"]),
        1u64..3_000,
        prop::sample::select(vec!["ip", "udp", "esp-header"]),
        1u32..=100,
        prop::option::of((0u64..120, 1u64..120)),
    )
        .prop_map(
            |(site, protocol, toward, action, by_ms, after, probability, window)| Draw {
                site,
                protocol,
                toward,
                action,
                by_ms,
                after,
                probability,
                window: window.map(|(a, len)| (a, a + len)),
            },
        )
}

/// The scenario a fault list makes, as YAML on the shipped `ipsec` base.
fn yaml(draws: &[Draw], seed: u64) -> String {
    let mut y = format!(
        "name: random-faults\ntitle: Faults drawn by proptest\nbase: ipsec\nseed: {seed}\nfaults:\n"
    );
    for d in draws {
        let toward = d.toward.map_or(String::new(), |t| format!(", toward: {t}"));
        let _ = write!(
            y,
            "  - {{at: {}, match: {{protocol: {}{toward}}}, action: {}",
            d.site, d.protocol, d.action
        );
        match d.action {
            "delay" => {
                let _ = write!(y, ", by: {}ms", d.by_ms);
            }
            "corrupt" => {
                let _ = write!(y, ", after: {}", d.after);
            }
            _ => {}
        }
        let _ = write!(y, ", probability: {}", f64::from(d.probability) / 100.0);
        if let Some((a, b)) = d.window {
            let _ = write!(y, ", active: [{a}s, {b}s]");
        }
        y.push_str("}\n");
    }
    y
}

/// Runs `s`; every broken invariant and a panic, as lines.
fn problems(s: &Scenario) -> Vec<String> {
    let opts = RunOptions {
        seed: s.seed,
        locale: s.locale,
        want_pcap: false,
        want_keys: false,
        engine: l2tpsec::net::Engine::Event,
    };
    match panic::catch_unwind(AssertUnwindSafe(|| run(s, &opts))) {
        Ok(Ok(out)) => invariants::check(s, &out)
            .into_iter()
            .map(|b| format!("invariant {} broken: {}", b.invariant, b.detail))
            .collect(),
        Ok(Err(e)) => vec![format!("could not run: {e}")],
        Err(_) => vec!["panicked".into()],
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        // PROPTEST_CASES=5000 for a longer hunt.
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(48),
        max_shrink_iters: 200,
        ..ProptestConfig::default()
    })]

    #[test]
    fn random_faults_keep_every_invariant(
        draws in prop::collection::vec(draw(), 1..4),
        seed in 1u64..1_000,
    ) {
        let text = yaml(&draws, seed);
        let dir = scenarios_dir();
        let s = load_str(&text, &dir.join("random-faults.yaml"), &dir)
            .map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        let p = problems(&s);
        if !p.is_empty() {
            // Shrinking ends on the smallest failing case: it is the last
            // one written.
            let _ = std::fs::create_dir_all(regressions_dir());
            // Rename it (and its `name:`) after what it found.
            let _ = std::fs::write(regressions_dir().join("random-faults.yaml"), &text);
        }
        prop_assert!(p.is_empty(), "{}\n{}", p.join("\n"), text);
    }
}

#[test]
fn regression_scenarios_keep_every_invariant() {
    let dir = regressions_dir();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.retain(|p| p.extension().is_some_and(|x| x == "yaml"));
    files.sort();
    let mut all = Vec::new();
    for f in &files {
        let s = load_file(f, &scenarios_dir()).unwrap_or_else(|e| panic!("{e}"));
        for p in problems(&s) {
            all.push(format!("{}: {p}", f.display()));
        }
    }
    assert!(all.is_empty(), "{}", all.join("\n"));
}
