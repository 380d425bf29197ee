//! What several integration tests share.

// Each test crate uses a part of this module.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The `l2tpsec` binary run with `args` from the repository's root (so
/// scenario names resolve in scenarios/).
pub fn l2tpsec(args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_l2tpsec"))
        .args(args)
        .current_dir(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".."))
        .output()
        .unwrap()
}

/// The `l2tpsec` binary run with `args` from `cwd`.
pub fn l2tpsec_in(cwd: &Path, args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_l2tpsec"))
        .current_dir(cwd)
        .args(args)
        .output()
        .unwrap()
}

/// A fresh, empty folder outside the repository, one per call.
pub fn temp_dir(tag: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let d = std::env::temp_dir().join(format!(
        "l2tpsec-{tag}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}
