//! The commands an outside repository's CI runs (issue 20): `test` over a
//! folder of its own scenarios, with snapshots and a JUnit report, and
//! `sweep-merge` over the pieces of a sharded sweep.

use std::path::{Path, PathBuf};
use std::process::Output;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

mod common;

use common::temp_dir;

fn l2tpsec(cwd: &Path, args: &[&str]) -> Output {
    common::l2tpsec_in(cwd, args)
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Copies shipped scenario files (`base/...` included) into `dir`.
fn copy_shipped(dir: &Path, files: &[&str]) {
    for f in files {
        let to = dir.join(f);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(repo().join("scenarios").join(f), &to).unwrap();
    }
}

/// psk-connect, renamed, expecting error 792 where the client connects.
fn expecting_792() -> String {
    let text = std::fs::read_to_string(repo().join("scenarios/psk-connect.yaml")).unwrap();
    let text = text
        .replace("name: psk-connect", "name: psk-expects-792")
        .replace(
            "{host: client, connected: true}",
            "{host: client, error: 792}",
        );
    assert!(text.contains("error: 792"));
    text
}

/// The value of `name="..."` in the first `<tag ...>` of `xml`.
fn attribute(xml: &str, tag: &str, name: &str) -> String {
    let start = xml.find(&format!("<{tag} ")).unwrap();
    let element = &xml[start..start + xml[start..].find('>').unwrap()];
    let at = element.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
    element[at..at + element[at..].find('"').unwrap()].to_string()
}

#[test]
fn a_folder_of_scenarios_outside_the_repository_runs_as_a_suite_with_a_junit_report() {
    let dir = temp_dir("ci-suite");
    let suite = dir.join("scenarios");
    copy_shipped(
        &suite,
        &[
            "psk-connect.yaml",
            "udp500-blocked.yaml",
            "base/standard.yaml",
            "base/ipsec.yaml",
        ],
    );
    // In a subfolder: its base: is found in the folder given.
    std::fs::create_dir_all(suite.join("broken")).unwrap();
    std::fs::write(suite.join("broken/psk-expects-792.yaml"), expecting_792()).unwrap();

    let o = l2tpsec(&dir, &["test", "scenarios", "--junit", "out/report.xml"]);
    let out = stdout(&o);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{out}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(
        out.lines()
            .filter(|l| !l.starts_with("    "))
            .collect::<Vec<_>>(),
        [
            "PASS psk-connect",
            "PASS udp500-blocked",
            "FAIL psk-expects-792: client error 792",
            "3 scenarios: 2 passed, 1 failed, 0 errors",
        ],
        "{out}"
    );
    assert!(
        out.contains("    ✗ client error 792\n        got: l2tp connected"),
        "{out}"
    );

    let xml = std::fs::read_to_string(dir.join("out/report.xml")).unwrap();
    assert!(
        xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuite "),
        "{xml}"
    );
    assert_eq!(attribute(&xml, "testsuite", "name"), "l2tpsec");
    assert_eq!(attribute(&xml, "testsuite", "tests"), "3");
    assert_eq!(attribute(&xml, "testsuite", "failures"), "1");
    assert_eq!(attribute(&xml, "testsuite", "errors"), "0");
    assert_eq!(xml.matches("<testcase ").count(), 3, "{xml}");
    assert_eq!(xml.matches("<failure ").count(), 1, "{xml}");
    assert_eq!(xml.matches("<error").count(), 0, "{xml}");
    assert!(xml.contains(
        "<testcase name=\"psk-connect\" classname=\"l2tpsec.scenarios\" time=\"7.417\"/>"
    ));
    let failed = &xml[xml.find("name=\"psk-expects-792\"").unwrap()..];
    assert!(failed.starts_with("name=\"psk-expects-792\" classname=\"l2tpsec.scenarios.broken\""));
    assert_eq!(attribute(failed, "failure", "message"), "client error 792");
    assert!(xml.trim_end().ends_with("</testsuite>"));

    // Simulated time, not wall time: the same report on a second run.
    let again = l2tpsec(&dir, &["test", "scenarios", "--junit", "out/again.xml"]);
    assert_eq!(again.status.code(), Some(1));
    assert_eq!(
        std::fs::read_to_string(dir.join("out/again.xml")).unwrap(),
        xml
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_invalid_scenario_or_a_missing_path_is_an_error_and_exits_2() {
    let dir = temp_dir("ci-errors");
    copy_shipped(&dir, &["psk-connect.yaml", "base/standard.yaml"]);
    std::fs::write(dir.join("bad.yaml"), "name: bad\nhosts: {a: [1, 2}\n").unwrap();
    // A name is a snapshot file and a JUnit test: two files cannot share one.
    copy_shipped(&dir.join("sub"), &["psk-connect.yaml"]);
    let o = l2tpsec(&dir, &["test", ".", "nothere", "--junit", "r.xml"]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(2), "{out}");
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines[0].starts_with("ERROR bad: ./bad.yaml:2:"), "{out}");
    assert_eq!(lines[1], "PASS psk-connect");
    assert_eq!(
        lines[2],
        "ERROR psk-connect: ./sub/psk-connect.yaml: the name 'psk-connect' is already ./psk-connect.yaml's"
    );
    assert!(
        lines[3].starts_with("ERROR nothere: cannot read: "),
        "{out}"
    );
    assert_eq!(lines[4], "4 scenarios: 1 passed, 0 failed, 3 errors");
    let xml = std::fs::read_to_string(dir.join("r.xml")).unwrap();
    assert_eq!(attribute(&xml, "testsuite", "errors"), "3");
    assert_eq!(xml.matches("<error ").count(), 3, "{xml}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn accept_writes_snapshots_a_second_run_passes_and_a_changed_one_fails_with_a_diff() {
    let dir = temp_dir("ci-snapshots");
    copy_shipped(&dir, &["psk-connect.yaml", "base/standard.yaml"]);
    let test = |extra: &[&str]| {
        let mut args = vec!["test", "psk-connect.yaml", "--snapshots", "snaps"];
        args.extend_from_slice(extra);
        let o = l2tpsec(&dir, &args);
        (o.status.code(), stdout(&o))
    };

    let (code, out) = test(&[]);
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.starts_with(
            "FAIL psk-connect: no snapshot snaps/psk-connect.snap (--accept writes it)\n"
        ),
        "{out}"
    );

    let (code, out) = test(&["--accept"]);
    assert_eq!(code, Some(0), "{out}");
    assert!(
        out.starts_with("PASS psk-connect (wrote snaps/psk-connect.snap)\n"),
        "{out}"
    );
    // The snapshot is the text report `run` prints.
    let snap = std::fs::read_to_string(dir.join("snaps/psk-connect.snap")).unwrap();
    let run = l2tpsec(&dir, &["run", "psk-connect.yaml"]);
    assert_eq!(snap, stdout(&run));

    let (code, out) = test(&[]);
    assert_eq!(
        (code, out.as_str()),
        (
            Some(0),
            "PASS psk-connect\n1 scenario: 1 passed, 0 failed, 0 errors\n"
        )
    );

    std::fs::write(
        dir.join("snaps/psk-connect.snap"),
        snap.replace(
            "client l2tp : connecté, adresse 10.10.0.101",
            "client l2tp : connecté, adresse 10.10.0.7",
        ),
    )
    .unwrap();
    let (code, out) = test(&[]);
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.starts_with("FAIL psk-connect: snapshot snaps/psk-connect.snap differs\n"),
        "{out}"
    );
    assert!(
        out.contains("    --- snaps/psk-connect.snap\n    +++ report\n    @@ "),
        "{out}"
    );
    assert!(out.contains("\n    -  client l2tp : connecté, adresse 10.10.0.7\n    +  client l2tp : connecté, adresse 10.10.0.101\n"), "{out}");

    // Another locale is another report.
    let (code, out) = test(&["--locale", "en-US"]);
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains("+      IKE security association established."),
        "{out}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// `text` with every runs/min figure, wall-clock throughput, replaced.
fn without_throughput(text: &str) -> String {
    text.lines()
        .map(|l| {
            if let Some(at) = l.find("\"runs_per_min\": ") {
                format!("{}\"runs_per_min\": X", &l[..at])
            } else if let Some(end) = l.find(" runs/min)") {
                let start = l[..end].rfind(' ').unwrap();
                format!("{} X{}", &l[..start], &l[end..])
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

const VERY_LOSSY: &str = "\
name: very-lossy
title: 60% loss on UDP 1701, so outcomes differ from seed to seed
base: cleartext
faults:
  - at: internet
    match: {protocol: udp, port: 1701}
    action: drop
    probability: 0.6
";

#[test]
fn four_merged_shards_equal_the_unsharded_sweep_but_for_throughput() {
    let dir = temp_dir("ci-shards");
    copy_shipped(&dir, &["base/standard.yaml", "base/cleartext.yaml"]);
    std::fs::write(dir.join("very-lossy.yaml"), VERY_LOSSY).unwrap();
    let udp500 = repo().join("scenarios/udp500-blocked.yaml");
    let udp500 = udp500.to_str().unwrap();
    let sweep = |extra: &[&str]| {
        let mut args = vec![
            "sweep",
            "very-lossy.yaml",
            udp500,
            "--seeds",
            "1..13",
            "--jobs",
            "1",
        ];
        args.extend_from_slice(extra);
        let o = l2tpsec(&dir, &args);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        stdout(&o)
    };
    let whole = sweep(&["--format", "json"]);
    let whole_text = sweep(&[]);
    for i in 1..=4 {
        let piece = sweep(&["--shard", &format!("{i}/4"), "--format", "json"]);
        assert!(piece.contains("\"shard\": {"), "{piece}");
        std::fs::write(dir.join(format!("piece-{i}.json")), piece).unwrap();
    }
    // Outcomes that vary make the sum worth checking.
    let v: serde_json::Value = serde_json::from_str(&whole).unwrap();
    assert!(
        v["scenarios"][0]["outcomes"].as_object().unwrap().len() > 1,
        "{whole}"
    );

    let pieces = [
        "piece-3.json",
        "piece-1.json",
        "piece-4.json",
        "piece-2.json",
    ];
    let merge = |extra: &[&str]| {
        let mut args = vec!["sweep-merge"];
        args.extend_from_slice(&pieces);
        args.extend_from_slice(extra);
        l2tpsec(&dir, &args)
    };
    let merged = merge(&[]);
    assert_eq!(
        merged.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&merged.stderr)
    );
    assert!(!stdout(&merged).contains("shard"));
    assert_eq!(
        without_throughput(&stdout(&merged)),
        without_throughput(&whole)
    );
    let merged_text = merge(&["--format", "text"]);
    assert_eq!(
        without_throughput(&stdout(&merged_text)),
        without_throughput(&whole_text)
    );

    // A missing piece, a piece twice, a summary that is not a piece.
    let bad = |args: &[&str], says: &str| {
        let mut all = vec!["sweep-merge"];
        all.extend_from_slice(args);
        let o = l2tpsec(&dir, &all);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(o.stdout.is_empty());
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(says), "{args:?}: {err}");
    };
    bad(&pieces[..3], "missing shard 2/4");
    bad(
        &["piece-1.json", "piece-2.json", "piece-1.json"],
        "shard 1/4 again",
    );
    std::fs::write(dir.join("whole.json"), &whole).unwrap();
    bad(&["whole.json"], "whole.json: not a shard");
    bad(&["nothere.json"], "nothere.json: cannot read the file");
    let _ = std::fs::remove_dir_all(&dir);
}
