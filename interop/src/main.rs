//! `l2tpsec-interop`: runs one host of a scenario on a TUN device against
//! real peers, or writes a scenario's certificates for them.
//!
//! ```text
//! l2tpsec-interop host SCENARIO HOST --tun NAME [--for SECONDS] [--until ipsec|dial]
//! l2tpsec-interop pki SCENARIO --out DIR
//! ```

#![forbid(unsafe_code)]

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand, ValueEnum};
use l2tpsec::windows::{Locale, WindowsMachine};
use l2tpsec_harness::report::dissect::Dissector;
use l2tpsec_harness::run::mint_pki;
use l2tpsec_interop::drive::drive;
use l2tpsec_interop::export::write_pki;
use l2tpsec_interop::link::TunLink;
use l2tpsec_interop::scenario::{load, machine};

#[derive(Parser)]
#[command(
    name = "l2tpsec-interop",
    about = "l2tpsec's machines against real peers"
)]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Runs HOST of SCENARIO on the TUN interface NAME (made beforehand).
    Host {
        scenario: PathBuf,
        host: String,
        #[arg(long)]
        tun: String,
        /// Wall-clock seconds at most.
        #[arg(long = "for", default_value_t = 30)]
        seconds: u64,
        /// Stop early: once IPsec SAs are up, or once the dial has a result.
        #[arg(long, value_enum)]
        until: Option<Until>,
        /// Also print every packet's bytes (hex).
        #[arg(long)]
        hex: bool,
    },
    /// Writes SCENARIO's certificates and keys as DER under DIR.
    Pki {
        scenario: PathBuf,
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Until {
    Ipsec,
    Dial,
}

fn host(
    path: &Path,
    name: &str,
    tun: &str,
    limit: Duration,
    until: Option<Until>,
    hex: bool,
) -> Result<bool, String> {
    let scenario = load(path)?;
    let mut machine = machine(&scenario, name)?;
    let link = TunLink::attach(tun).map_err(|e| format!("TUN {tun}: {e}"))?;
    let stop = |m: &WindowsMachine| match until {
        Some(Until::Ipsec) => !m.monitor().sas.is_empty(),
        Some(Until::Dial) => m.dial_outcome().is_some() && m.finished(),
        None => false,
    };
    let (crossed, end) = drive(&mut machine, &link, limit, stop).map_err(|e| e.to_string())?;
    machine.end_of_run(end);
    let mut dissector = Dissector::new();
    for c in &crossed {
        let d = dissector.dissect(name, 0, c.outbound, &c.packet);
        let way = if c.outbound { "out" } else { "in " };
        println!(
            "packet {:>10.6}s {way} {} -> {} {}",
            c.at.as_secs_f64(),
            d.src,
            d.dst,
            d.summary
        );
        if hex {
            let bytes: String = c.packet.iter().map(|b| format!("{b:02x}")).collect();
            println!("bytes {way} {bytes}");
        }
    }
    for e in machine.events() {
        let message = e.message(Locale::EnUs);
        let mut lines = message.lines();
        let first = lines.next().unwrap_or_default();
        println!("event {} {} {}: {first}", e.log.name(), e.id, e.source);
        for line in lines {
            println!("      {line}");
        }
    }
    let monitor = machine.monitor();
    for (counter, value) in &monitor.counters {
        println!("monitor {counter} {value}");
    }
    for sa in &monitor.sas {
        println!("sa {:?} spi 0x{:08x}", sa.direction, sa.spi);
    }
    let ok = match machine.dial_outcome() {
        Some(o) => {
            match o.error {
                None => println!(
                    "dial {} connected {:?}, {} ping replies",
                    o.protocol,
                    o.address,
                    machine.ping_replies()
                ),
                Some(code) => println!("dial {} error {code}", o.protocol),
            }
            o.connected()
        }
        None => {
            println!("dial none");
            !monitor.sas.is_empty()
        }
    };
    Ok(ok)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Cmd::Host {
            scenario,
            host: name,
            tun,
            seconds,
            until,
            hex,
        } => host(
            &scenario,
            &name,
            &tun,
            Duration::from_secs(seconds),
            until,
            hex,
        )
        .map(|ok| {
            if ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }),
        Cmd::Pki { scenario, out } => load(&scenario).and_then(|s| {
            let pki = mint_pki(&s, s.seed).map_err(|e| e.to_string())?;
            let written = write_pki(&pki, &out).map_err(|e| e.to_string())?;
            for (name, path) in &written.authorities {
                println!("authority {name} {}", path.display());
            }
            for (name, cert, key) in &written.certificates {
                let key = key.as_ref().map_or("-".into(), |k| k.display().to_string());
                println!("certificate {name} {} {key}", cert.display());
            }
            Ok(ExitCode::SUCCESS)
        }),
    };
    result.unwrap_or_else(|e| {
        eprintln!("l2tpsec-interop: {e}");
        ExitCode::from(2)
    })
}
