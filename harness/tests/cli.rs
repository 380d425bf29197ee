//! The `l2tpsec` binary on good and bad input: exit status, and file:line:
//! column on stderr for every kind of invalid scenario.

use std::path::Path;
use std::process::Output;

mod common;

use common::temp_dir;

fn l2tpsec(cwd: &Path, args: &[&str]) -> Output {
    common::l2tpsec_in(cwd, args)
}

const GOOD: &str = "\
name: good
title: two hosts on a LAN
duration: 10s
networks:
  lan: {subnet: 192.168.1.0/24}
hosts:
  a:
    role: router
    interfaces: {lan: 192.168.1.1}
  b:
    role: router
    interfaces: {lan: 192.168.1.2}
";

/// Writes `text` as `<tmp>/<name>.yaml`, runs `check` and `run` on it, and
/// returns stderr of `run` after checking both exit with status 2.
fn bad(name: &str, text: &str) -> String {
    bad_bytes(name, text.as_bytes())
}

/// `bad` for a file that need not be UTF-8.
fn bad_bytes(name: &str, text: &[u8]) -> String {
    let dir = temp_dir("cli");
    let file = dir.join(format!("{name}.yaml"));
    std::fs::write(&file, text).unwrap();
    let file = file.to_str().unwrap();
    let check = l2tpsec(&dir, &["check", file]);
    assert_eq!(check.status.code(), Some(2), "check {name}");
    let run = l2tpsec(&dir, &["run", file]);
    assert_eq!(run.status.code(), Some(2), "run {name}");
    let err = String::from_utf8_lossy(&run.stderr).into_owned();
    assert!(!err.contains("panicked"), "{err}");
    assert!(
        run.stdout.is_empty(),
        "no partial run: {}",
        String::from_utf8_lossy(&run.stdout)
    );
    err.replace(&dir.display().to_string(), "DIR")
}

#[test]
fn bad_yaml_syntax_exits_2_with_position() {
    let e = bad("good", "name: good\nhosts: {a: [1, 2}\n");
    assert!(e.starts_with("DIR/good.yaml:2:"), "{e}");
    assert!(e.contains("invalid YAML"), "{e}");
}

#[test]
fn unknown_field_exits_2_with_allowed_names() {
    let e = bad(
        "good",
        &GOOD.replace("duration: 10s", "duration: 10s\nhosst: {}"),
    );
    assert!(
        e.starts_with("DIR/good.yaml:4:1: unknown field 'hosst', expected one of: name, title"),
        "{e}"
    );
}

#[test]
fn wrong_type_exits_2() {
    let e = bad("good", &GOOD.replace("duration: 10s", "duration: [10s]"));
    assert!(
        e.starts_with("DIR/good.yaml:3:11: invalid type: sequence, expected a duration"),
        "{e}"
    );
}

#[test]
fn unknown_host_reference_exits_2() {
    let e = bad(
        "good",
        &format!("{GOOD}faults:\n  - {{at: lan, match: {{toward: srv}}, action: drop}}\n"),
    );
    assert!(
        e.starts_with("DIR/good.yaml:14:31: unknown host 'srv' in faults[0].match.toward"),
        "{e}"
    );
}

#[test]
fn address_outside_subnet_exits_2() {
    let e = bad(
        "good",
        &GOOD.replace("{lan: 192.168.1.2}", "{lan: 192.168.2.2}"),
    );
    assert!(
        e.starts_with(
            "DIR/good.yaml:12:23: address 192.168.2.2 of b is outside network lan's subnet"
        ),
        "{e}"
    );
}

#[test]
fn duplicate_address_exits_2() {
    let e = bad(
        "good",
        &GOOD.replace("{lan: 192.168.1.2}", "{lan: 192.168.1.1}"),
    );
    assert!(
        e.starts_with(
            "DIR/good.yaml:12:23: duplicate address 192.168.1.1: already used by a on lan"
        ),
        "{e}"
    );
}

#[test]
fn missing_base_exits_2() {
    let e = bad(
        "good",
        &GOOD.replace("name: good", "name: good\nbase: nothere"),
    );
    assert!(
        e.starts_with("DIR/good.yaml:2:7: base 'nothere' does not exist"),
        "{e}"
    );
}

#[test]
fn name_differing_from_file_exits_2() {
    let e = bad("other", GOOD);
    assert!(
        e.starts_with("DIR/other.yaml:1:7: name 'good' differs from the file name 'other'"),
        "{e}"
    );
}

#[test]
fn non_utf8_file_exits_2_with_line_and_column_of_the_bad_byte() {
    // "caf\xe9" is Latin-1; the "é" before it is UTF-8 and counts as one
    // column.
    let text = GOOD.replace("title: two hosts on a LAN", "title: \u{e9} caf@");
    let mut bytes = text.into_bytes();
    let at = bytes.iter().position(|&b| b == b'@').unwrap();
    bytes[at] = 0xe9;
    let e = bad_bytes("good", &bytes);
    assert!(
        e.starts_with("DIR/good.yaml:2:13: not UTF-8 text: invalid byte 0xe9"),
        "{e}"
    );
}

/// GOOD plus a Windows client `c`, then `expect`.
fn with_client_expecting(expect: &str) -> String {
    format!(
        "{GOOD}  c:\n    role: windows-xp-client\n    interfaces: {{lan: 192.168.1.3}}\nexpect:\n{expect}"
    )
}

#[test]
fn unknown_monitor_counter_exits_2_before_running() {
    let e = bad(
        "good",
        &with_client_expecting("  monitor:\n    - {host: c, counter: main-mode, value: 0}\n"),
    );
    assert!(
        e.starts_with(
            "DIR/good.yaml:18:26: unknown counter 'main-mode' in expect.monitor[0].counter (counters: outbound-sas, "
        ),
        "{e}"
    );
    assert!(e.contains(", main-modes, "), "{e}");
}

#[test]
fn unknown_log_name_exits_2_before_running() {
    // No machine writes an Application log: only system and security.
    for section in ["events", "no-events"] {
        let e = bad(
            "good",
            &with_client_expecting(&format!(
                "  {section}:\n    - {{host: c, log: application, id: 1}}\n"
            )),
        );
        assert!(
            e.starts_with("DIR/good.yaml:18:22: unknown value 'application'"),
            "{section}: {e}"
        );
        assert!(e.contains("system | security"), "{e}");
    }
}

#[test]
fn unreadable_file_and_bad_arguments_exit_2() {
    let dir = temp_dir("cli");
    let o = l2tpsec(&dir, &["run", "missing.yaml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("missing.yaml: cannot read"));
    for args in [
        &["frobnicate"][..],
        &["run"],
        &["run", "x", "--seed", "minus-one"],
        &["run", "x", "--locale", "de-DE"],
        &["run", "x", "--keys"],
        &["sweep", "x", "--seeds", "5..1"],
        &["sweep", "x", "--seeds", "1..5", "--shard", "0/2"],
        &["check"],
    ] {
        let o = l2tpsec(&dir, args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
    }
    assert_eq!(l2tpsec(&dir, &["--help"]).status.code(), Some(0));
}

#[test]
fn good_scenario_checks_runs_lists_and_sweeps() {
    let dir = temp_dir("cli");
    std::fs::create_dir_all(dir.join("scenarios")).unwrap();
    std::fs::write(dir.join("scenarios/good.yaml"), GOOD).unwrap();

    let o = l2tpsec(&dir, &["check", "scenarios/good.yaml"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );

    let o = l2tpsec(&dir, &["list"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&o.stdout).starts_with("good  two hosts on a LAN\n"));

    // by name, resolved in ./scenarios
    let o = l2tpsec(&dir, &["run", "good"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.starts_with("scénario good  graine 1  langue fr-FR  verdict aucun"),
        "{out}"
    );

    let o = l2tpsec(
        &dir,
        &[
            "run", "good", "--format", "json", "--seed", "9", "--locale", "en-US", "--pcap", "out",
            "--keys",
        ],
    );
    assert_eq!(o.status.code(), Some(0));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("\"seed\": 9") && out.contains("\"locale\": \"en-US\""),
        "{out}"
    );
    assert!(dir.join("out/good.pcapng").is_file());
    assert!(dir.join("out/good.keys").is_file());
    // And one capture per interface, as taken on that machine.
    for f in ["a-lan", "b-lan"] {
        let p = dir.join(format!("out/good/{f}.pcapng"));
        let bytes = std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        assert_eq!(&bytes[..4], &[0x0a, 0x0d, 0x0d, 0x0a], "{f}: pcapng SHB");
    }

    let o = l2tpsec(&dir, &["sweep", "good", "--seeds", "1..=3", "--jobs", "2"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("== good (3 runs, "), "{out}");
    assert!(out.contains("every invariant held"), "{out}");
    // Not a terminal: plain progress lines, the last one at the end.
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.lines().any(|l| l == "good: 3/3 runs"), "{err}");

    let o = l2tpsec(
        &dir,
        &["sweep", "good", "--seeds", "1..5", "--shard", "2/2"],
    );
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("== good (2 runs, "), "{out}");

    // The JSON summary of SCENARIOS.md.
    let o = l2tpsec(
        &dir,
        &[
            "sweep", "good", "--seeds", "1..5", "--format", "json", "--engine", "turmoil",
        ],
    );
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let s = &v["scenarios"][0];
    assert_eq!(s["name"], "good");
    assert_eq!(s["runs"], 4);
    assert_eq!(s["outcomes"]["no dial"], 4);
    assert_eq!(s["broken"], serde_json::json!([]));
    assert_eq!(s["panicked"], serde_json::json!([]));
    assert!(s["runs_per_min"].as_f64().is_some());
}

#[test]
fn failed_expectation_exits_1() {
    let dir = temp_dir("cli");
    let text = format!("{GOOD}expect:\n  monitor:\n    - {{host: a, counter: x, value: 1}}\n");
    // a router has no monitor: this is rejected as bad input (2) ...
    std::fs::write(dir.join("good.yaml"), &text).unwrap();
    assert_eq!(l2tpsec(&dir, &["run", "good.yaml"]).status.code(), Some(2));
    // ... while an unmet packet expectation makes the run fail (1)
    let text = format!(
        "{GOOD}expect:\n  packets:\n    - {{host: a, protocol: esp, count: \">= 1000000\"}}\n"
    );
    std::fs::write(dir.join("good.yaml"), &text).unwrap();
    let o = l2tpsec(&dir, &["run", "good.yaml"]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("✗ a capture : paquets esp, nombre >= 1000000")
    );
}

#[test]
fn run_by_name_prints_json_with_error_742_and_the_article_text() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let out = l2tpsec(
        &root,
        &["run", "encryption-required-unsupported", "--format", "json"],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let error = &report["dials"][0]["error"];
    assert_eq!(error["code"], 742);
    assert_eq!(
        error["message"],
        "L'ordinateur distant ne prend pas en charge le type de chiffrement des données nécessaire."
    );
    assert_eq!(report["verdict"], "pass");
    // A plain L2TP dial has one attempt, the dial's own (SCENARIOS.md).
    let attempts = report["dials"][0]["attempts"].as_array().unwrap();
    assert_eq!(attempts.len(), 1);
    assert_eq!(attempts[0]["protocol"], "l2tp");
    assert_eq!(attempts[0]["connected"], false);
    assert_eq!(attempts[0]["error"], *error);
}
