//! The commands an outside repository's CI runs (issue 20): `sweep-merge`
//! over the pieces of a sharded sweep.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

const BIN: &str = env!("CARGO_BIN_EXE_l2tpsec");

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A fresh folder outside the repository.
fn temp_dir(tag: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let d = std::env::temp_dir().join(format!(
        "l2tpsec-ci-{tag}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn l2tpsec(cwd: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .current_dir(cwd)
        .args(args)
        .output()
        .unwrap()
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
    let dir = temp_dir("shards");
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
