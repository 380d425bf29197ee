//! What several integration tests share.

use std::path::PathBuf;
use std::process::Output;

/// The `l2tpsec` binary run with `args` from the repository's root (so
/// scenario names resolve in scenarios/).
pub fn l2tpsec(args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_l2tpsec"))
        .args(args)
        .current_dir(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".."))
        .output()
        .unwrap()
}
