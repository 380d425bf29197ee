//! `l2tpsec diagnose`: reads the observations, loads (or builds) the index
//! of the library and prints the ranked causes. Exit status 0 when a cause
//! matches (a positive score), 1 when none does, 2 bad input.

use std::path::{Path, PathBuf};

use super::{Format, EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK};
use crate::diagnose::{capture, facts, index, rank, render, Observations, ObservedEvent};
use crate::scenario::schema::Locale;

#[derive(Clone, Debug)]
pub struct DiagnoseArgs {
    pub error: Option<u32>,
    pub events: Vec<ObservedEvent>,
    pub capture: Option<PathBuf>,
    pub locale: Locale,
    pub format: Format,
    pub index: Option<PathBuf>,
}

/// The observations of `args`: the capture file read into its facts.
pub fn observations(args: &DiagnoseArgs) -> Result<Observations, String> {
    let capture = match &args.capture {
        Some(path) => {
            let bytes =
                std::fs::read(path).map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
            let packets = capture::read(&bytes).map_err(|e| format!("{}: {e}", path.display()))?;
            Some(facts::extract(packets.ipv4.iter().map(Vec::as_slice)))
        }
        None => None,
    };
    Ok(Observations {
        error: args.error,
        events: args.events.clone(),
        capture,
    })
}

pub fn cmd_diagnose(dir: &Path, args: DiagnoseArgs) -> u8 {
    let obs = match observations(&args) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("{e}");
            return EXIT_BAD_INPUT;
        }
    };
    let cache = args
        .index
        .clone()
        .unwrap_or_else(|| index::default_cache(dir));
    let idx = match index::load_or_build(dir, &cache) {
        Ok(i) => i,
        Err(e) => {
            eprintln!("{e}");
            return EXIT_BAD_INPUT;
        }
    };
    let ranked = rank::rank(&idx.cases, &obs);
    let d = render::diagnosis(&obs, &ranked, args.locale);
    print!(
        "{}",
        match args.format {
            Format::Text => render::render_text(&d),
            Format::Json => render::render_json(&d),
        }
    );
    if d.causes.iter().any(|c| c.score > 0) {
        EXIT_OK
    } else {
        EXIT_FAILED
    }
}
