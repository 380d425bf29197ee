//! `l2tpsec diagnose`: reads the observations, loads (or builds) the index
//! of the library and prints the ranked causes. Exit status 0 when a cause
//! matches (a positive score), 1 when none does, 2 bad input (an
//! unreadable capture, a malformed `--event`, an error code or event id
//! that neither the catalog nor the library knows).
//!
//! The flags live here, not in the command enum, so that `diagnose` grows
//! without touching the other commands.

use std::path::{Path, PathBuf};

use clap::Args;

use super::{parse_locale, Format, EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK};
use crate::diagnose::{capture, index, known, rank, render, Capture, Observations};
use crate::diagnose::{ObservedEvent, Side};
use crate::scenario::schema::Locale;

#[derive(Clone, Debug, Args)]
pub struct DiagnoseArgs {
    /// The RAS error the dial showed (e.g. 792; `--known` lists them).
    #[arg(long, value_name = "CODE")]
    pub error: Option<u32>,
    /// An event-log entry, HOST:LOG:ID[:TEXT] (HOST client or server,
    /// LOG security or system, TEXT part of its message).
    #[arg(long = "event", value_name = "HOST:LOG:ID[:TEXT]")]
    pub events: Vec<ObservedEvent>,
    /// A capture taken on the client or the server (pcap or pcapng,
    /// from Wireshark, tshark, tcpdump or `run --pcap`).
    #[arg(long, value_name = "FILE")]
    pub capture: Option<PathBuf>,
    /// Which machine took the capture; without it, read off the capture
    /// where it shows (whose address starts the exchange).
    #[arg(long, value_name = "client|server", requires = "capture")]
    pub capture_from: Option<Side>,
    /// List the RAS errors and event ids diagnose knows, and exit.
    #[arg(long)]
    pub known: bool,
    #[arg(long, value_parser = parse_locale)]
    pub locale: Option<Locale>,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Where the index of the library's runs is cached (default:
    /// target/l2tpsec-diagnose-index.json beside the library).
    #[arg(long, value_name = "FILE")]
    pub index: Option<PathBuf>,
}

/// The observations of `args`: the capture file read into its facts.
pub fn observations(args: &DiagnoseArgs) -> Result<Observations, String> {
    let capture = match &args.capture {
        Some(path) => {
            let bytes =
                std::fs::read(path).map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
            let packets = capture::read(&bytes).map_err(|e| format!("{}: {e}", path.display()))?;
            Some(Capture::of_packets(
                packets.ipv4.iter().map(Vec::as_slice),
                args.capture_from,
            ))
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
    let locale = args.locale.unwrap_or_default();
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
    if args.known {
        let k = known::list(&idx.cases, locale);
        match args.format {
            Format::Text => print!("{}", known::render_text(&k, locale)),
            Format::Json => println!("{}", serde_json::to_string_pretty(&k).unwrap_or_default()),
        }
        return EXIT_OK;
    }
    if let Err(e) = known::check(&obs, &idx.cases) {
        eprintln!("{e}");
        return EXIT_BAD_INPUT;
    }
    let ranked = rank::rank(&idx.cases, &obs);
    let d = render::diagnosis(&obs, &ranked, locale);
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
