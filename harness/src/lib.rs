//! l2tpsec's harness, in rooms, each importing only the ones above it in
//! this list:
//!
//! - `scenario`: the scenario file: located YAML tree, values, `base:`
//!   merging, the scenario's own types and their validation;
//! - `report`: the report (text and JSON), the dissector that summarises
//!   packets, and the expectations checked against it;
//! - `run`: a scenario lowered into library types, run, observed, and
//!   checked against the run invariants;
//! - `sweep`, `diagnose`, `ladder`, `logs`, `fuzzing`: one room per tool;
//! - `cli`: the command line, on top; nothing imports it.
#![forbid(unsafe_code)]

pub mod cli;
pub mod diagnose;
pub mod fuzzing;
pub mod ladder;
pub mod logs;
pub mod report;
pub mod run;
pub mod scenario;
pub mod sweep;

pub use report::{render_text, Report, Verdict};
pub use run::{run, RunError, RunOptions, RunOutput};
pub use scenario::{load, load_file, load_str, Diagnostic, LoadError, Scenario};
