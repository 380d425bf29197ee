//! l2tpsec's harness: scenario files (schema, loading with located errors),
//! the runner front end, expectations, reports (text and JSON) and the CLI.
#![forbid(unsafe_code)]

pub mod cli;
pub mod diagnose;
pub mod dissect;
pub mod expect;
pub mod fuzzing;
pub mod invariants;
pub mod ladder;
pub mod load;
pub mod logs;
pub mod node;
pub mod report;
pub mod run;
pub mod schema;
pub mod sweep;
pub mod validate;
pub mod values;

pub use load::{load, load_file, load_str, Diagnostic, LoadError};
pub use report::{render_text, Report, Verdict};
pub use run::{run, RunError, RunOptions, RunOutput};
pub use schema::Scenario;
