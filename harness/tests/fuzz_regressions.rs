//! Replays the fuzz corpora kept in the repository under `cargo test` (CI
//! does not run the fuzzers): every seed in `fuzz/seeds/<target>/` and
//! every crash input in `fuzz/regressions/<target>/`, through the same
//! function the fuzz target calls. A folder naming no target fails.

use std::fs;
use std::path::{Path, PathBuf};

use l2tpsec_harness::fuzzing;

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz")
}

/// (target folder, file) for every file under `fuzz/<kind>/`.
fn inputs(kind: &str) -> Vec<(String, PathBuf)> {
    let mut out = Vec::new();
    let Ok(dirs) = fs::read_dir(fuzz_dir().join(kind)) else {
        return out;
    };
    for dir in dirs.flatten() {
        let name = dir.file_name().to_string_lossy().into_owned();
        if !dir.path().is_dir() {
            continue;
        }
        assert!(
            fuzzing::target(&name).is_some(),
            "fuzz/{kind}/{name}: no fuzz target of that name"
        );
        let mut files: Vec<_> = fs::read_dir(dir.path())
            .into_iter()
            .flatten()
            .flatten()
            .map(|f| f.path())
            .filter(|p| p.is_file())
            .collect();
        files.sort();
        out.extend(files.into_iter().map(|f| (name.clone(), f)));
    }
    out.sort();
    out
}

fn replay(kind: &str) -> usize {
    let all = inputs(kind);
    for (name, file) in &all {
        let data = fs::read(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        if let Some(target) = fuzzing::target(name) {
            eprintln!("{kind}/{name}/{}", file.display());
            target(&data);
        }
    }
    all.len()
}

#[test]
fn every_crash_input_found_by_the_fuzzers_is_handled() {
    replay("regressions");
}

#[test]
fn every_seed_is_handled_and_every_target_has_seeds() {
    assert!(replay("seeds") > 0);
    for (name, _) in fuzzing::TARGETS {
        let dir = fuzz_dir().join("seeds").join(name);
        let n = fs::read_dir(&dir).map_or(0, |d| d.count());
        assert!(n > 0, "fuzz/seeds/{name} has no seed");
    }
}

/// The machine targets' seeds are what the real client sends next, so
/// they change with the lab: `FUZZ_WRITE_SEEDS=1 cargo test -p
/// l2tpsec-harness --test fuzz_regressions -- --ignored` rewrites them
/// with the parser seeds taken from a whole connection.
#[test]
#[ignore]
fn write_seeds() {
    if std::env::var_os("FUZZ_WRITE_SEEDS").is_none() {
        return;
    }
    for (target, name, data) in fuzzing::seeds::all() {
        let dir = fuzz_dir().join("seeds").join(target);
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join(name), data).unwrap();
    }
}
