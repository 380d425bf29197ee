//! The model errors a careful tester found (issue 6), one test each, and
//! the rule that the order of keys in a scenario never changes an outcome.

use std::path::PathBuf;

use l2tpsec_harness::cli::{run_scenario, scenario_files};
use l2tpsec_harness::{load_file, load_str, Report, RunOptions, Scenario};

fn scenarios_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scenarios")
}

fn run(s: &Scenario) -> Report {
    let opts = RunOptions {
        seed: s.seed,
        locale: s.locale,
        want_pcap: false,
        want_keys: false,
    };
    run_scenario(s, &opts).unwrap_or_else(|e| panic!("{e}")).0
}

/// A scenario written here, on the shipped bases.
fn scenario(yaml: &str) -> Scenario {
    let dir = scenarios_dir();
    load_str(yaml, &dir.join("inline.yaml"), &dir).unwrap_or_else(|e| panic!("{e}"))
}

/// What a run ended with, leaving out where packets were captured.
fn outcome(r: &Report) -> String {
    let mut out = format!("verdict {:?}\n", r.verdict);
    for d in &r.dials {
        out += &format!(
            "dial {} {} {:?} {:?}\n",
            d.host,
            d.connected,
            d.error.as_ref().map(|e| e.code),
            d.address
        );
    }
    for e in &r.events {
        out += &format!("event {} {:?} {} {}\n", e.host, e.log, e.id, e.message);
    }
    out
}

#[test]
fn reordering_any_hosts_interfaces_changes_no_outcome() {
    let dir = scenarios_dir();
    let mut problems = Vec::new();
    for f in scenario_files(&dir).unwrap_or_default() {
        let s = load_file(&f, &dir).unwrap_or_else(|e| panic!("{e}"));
        if !s.hosts.iter().any(|(_, h)| h.interfaces.len() > 1) {
            continue;
        }
        let mut reversed = s.clone();
        for (_, h) in reversed.hosts.0.iter_mut() {
            h.interfaces.0.reverse();
        }
        let (a, b) = (outcome(&run(&s)), outcome(&run(&reversed)));
        if a != b {
            problems.push(format!("{}:\n--- as written\n{a}--- reversed\n{b}", s.name));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn a_server_whose_first_nic_is_not_the_internet_answers_from_the_routed_address() {
    let s = scenario(
        "base: ipsec\n\
         networks: {corp: {subnet: 10.1.0.0/24}}\n\
         hosts:\n  server: {interfaces: {corp: 10.1.0.1}}\n",
    );
    // The base lists `internet` first; put the corporate NIC first.
    let mut s = s;
    for (name, h) in s.hosts.0.iter_mut() {
        if name == "server" {
            h.interfaces.0.reverse();
            assert_eq!(h.interfaces.0[0].0, "corp");
        }
    }
    let r = run(&s);
    let dial = &r.dials[0];
    assert!(dial.connected, "{:?}", dial.error);
}
