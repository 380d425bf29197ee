//! The scenario file: its located YAML tree (`node`), values (`values`),
//! loading with `base:` merging (`load`), the scenario's own types
//! (`schema`) and their validation (`validate`). Nothing here runs
//! anything.

pub mod expectations;
pub mod host;
pub mod load;
pub mod named;
pub mod node;
pub mod schema;
pub mod validate;
pub mod values;

use std::path::{Path, PathBuf};

pub use load::{load, load_file, load_str, Diagnostic, LoadError};
pub use schema::Scenario;

/// `./scenarios` when it exists, else the repository's scenarios/.
pub fn scenarios_dir() -> PathBuf {
    let local = PathBuf::from("scenarios");
    if local.is_dir() {
        local
    } else {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("..")
            .join("scenarios")
    }
}

/// Every `*.yaml` directly in `dir`, sorted by file name.
pub fn scenario_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    v.sort();
    Ok(v)
}
