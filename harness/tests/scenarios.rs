//! Every scenario in scenarios/ runs twice with its seed on the event engine
//! and once on turmoil: the JSON report, the pcapngs and the key file must
//! be byte-identical, every run invariant must hold, the verdict must not
//! be "fail", and the text report is pinned as an insta snapshot in
//! snapshots/<scenario>.snap.

use std::path::{Path, PathBuf};

use l2tpsec::net::Engine;
use l2tpsec_harness::run::invariants;
use l2tpsec_harness::run::run_checked;
use l2tpsec_harness::scenario::scenario_files;
use l2tpsec_harness::{load_file, render_text, RunOptions, Scenario, Verdict};

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `s` twice on the event engine and once on turmoil: every report,
/// capture (whole and per interface) and key file must be byte-identical,
/// the `engine` field of the report aside.
fn run_twice(s: &Scenario) -> (l2tpsec_harness::Report, Vec<String>) {
    let opts = |engine| RunOptions {
        seed: s.seed,
        locale: s.locale,
        want_pcap: true,
        want_keys: true,
        engine,
    };
    let run = |engine| {
        let mut o = run_checked(s, &opts(engine)).unwrap_or_else(|e| panic!("{e}"));
        o.report.engine = Engine::default();
        o
    };
    let first = run(Engine::Event);
    let others = [
        ("a second run", run(Engine::Event)),
        ("turmoil", run(Engine::Turmoil)),
    ];
    let mut problems: Vec<String> = invariants::check(s, &first)
        .into_iter()
        .map(|b| format!("{}: invariant {} broken: {}", s.name, b.invariant, b.detail))
        .collect();
    for (what, o) in &others {
        let mut differ = |part: &str, same: bool| {
            if !same {
                problems.push(format!(
                    "{}: {part} differs between the event engine and {what} (seed {})",
                    s.name, s.seed
                ));
            }
        };
        differ(
            "the JSON report",
            first.report.to_json() == o.report.to_json(),
        );
        differ("the pcapng", first.pcapng == o.pcapng);
        differ(
            "a per-interface pcapng",
            first.interface_pcapngs == o.interface_pcapngs,
        );
        differ("the key file", first.keys == o.keys);
    }
    (first.report, problems)
}

#[test]
fn every_scenario_is_deterministic_passes_and_matches_its_snapshot() {
    let dir = manifest_dir().join("../scenarios");
    let files = scenario_files(&dir).unwrap_or_default();
    let mut problems = Vec::new();
    let mut reports = Vec::new();
    for f in &files {
        let s = match load_file(f, &dir) {
            Ok(s) => s,
            Err(e) => {
                problems.push(e.to_string());
                continue;
            }
        };
        let (report, mut p) = run_twice(&s);
        problems.append(&mut p);
        if report.verdict == Verdict::Fail {
            problems.push(format!(
                "{}: verdict fail\n{}",
                s.name,
                render_text(&report)
            ));
        }
        reports.push((s.name, report));
    }
    // Determinism and verdicts first: a snapshot diff is only worth reading
    // once those hold.
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    for (name, report) in reports {
        let mut settings = insta::Settings::clone_current();
        settings.set_snapshot_path(manifest_dir().join("../snapshots"));
        settings.set_prepend_module_to_snapshot(false);
        settings.set_omit_expression(true);
        settings.bind(|| insta::assert_snapshot!(name, render_text(&report)));
    }
}

#[test]
fn sample_scenario_runs_deterministically() {
    let dir = manifest_dir().join("tests/data");
    let s = load_file(&dir.join("sample.yaml"), Path::new(&dir)).unwrap_or_else(|e| panic!("{e}"));
    let (report, problems) = run_twice(&s);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert_eq!(report.scenario, "sample");
    assert_eq!(report.seed, 7);
}
