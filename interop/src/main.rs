//! `l2tpsec-interop`: runs one host of a scenario on a TUN device against
//! real peers, or writes a scenario's certificates for them.
//!
//! ```text
//! l2tpsec-interop host SCENARIO HOST --tun NAME [--for SECONDS] [--until ipsec|dial]
//! l2tpsec-interop pki SCENARIO --out DIR
//! l2tpsec-interop dial SERVER (--psk KEY | --certificate) --user U --password P [--role R]
//!                     [--registry N=D]... [--hold] [--pki-out DIR [--pki-only]] [--pcap FILE]
//! ```

#![forbid(unsafe_code)]

use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand, ValueEnum};
use l2tpsec::net::{CapturedPacket, Direction};
use l2tpsec::windows::catalog;
use l2tpsec::windows::machine::Command;
use l2tpsec::windows::{Locale, WindowsMachine};
use l2tpsec_harness::report::dissect::Dissector;
use l2tpsec_harness::run::mint_pki;
use l2tpsec_harness::scenario::host::Role;
use l2tpsec_harness::Scenario;
use l2tpsec_interop::dial::{prepare, scenario_text, DialAuth, DialOptions};
use l2tpsec_interop::drive::{drive, Crossed};
use l2tpsec_interop::export::write_pki;
use l2tpsec_interop::link::TunLink;
use l2tpsec_interop::scenario::{load, machine, to_today};

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
    /// Dials SERVER as one of our Windows clients would (L2TP/IPsec with a
    /// pre-shared key or a machine certificate) and prints what that Windows shows: the RAS error
    /// and its text, the Security and System log entries (the audits), IP
    /// Security Monitor, the views with the transforms chosen, and every
    /// packet. Needs root. If the TUN interface does not exist, it is made
    /// (the host's side GATEWAY/24), and when SERVER is elsewhere IPv4
    /// forwarding is turned on and our ADDRESS masqueraded behind the
    /// host's (so the client is behind a NAT); all of it is undone at the
    /// end. Exit status 0 when connected, 1 when not, 2 on bad input.
    Dial {
        /// The server's IPv4 address.
        server: Ipv4Addr,
        /// The Windows that dials: windows-xp-sp2-client,
        /// windows-vista-client, windows-7-client, windows-10-client or
        /// windows-11-client.
        #[arg(long, default_value = "windows-10-client")]
        role: String,
        /// The connection's pre-shared key for IPsec.
        #[arg(long, required_unless_present = "certificate")]
        psk: Option<String>,
        /// Authenticates IPsec with a machine certificate instead: the
        /// lab's own root, our client's certificate and one for the
        /// server, made from --seed and --server-name (the same bytes
        /// each run of a day). Give the server those (--pki-out) first.
        #[arg(long, conflicts_with = "psk")]
        certificate: bool,
        /// The subject CN of the server's certificate (--certificate).
        #[arg(long, default_value = "vpn.l2tpsec.test", value_name = "NAME")]
        server_name: String,
        /// Writes the certificates and keys (DER; keys PKCS#1) under DIR:
        /// x509ca/lab-root.der, x509/server-cert.der, rsa/server-cert.der
        /// for the server, x509/client-cert.der for its logs.
        #[arg(long, requires = "certificate", value_name = "DIR")]
        pki_out: Option<PathBuf>,
        /// Writes --pki-out and stops before dialling.
        #[arg(long, requires = "pki_out")]
        pki_only: bool,
        /// Stays connected until --for has passed (answering pings), then
        /// hangs up; without it the dial ends after its two pings.
        #[arg(long)]
        hold: bool,
        /// The user name PPP authenticates with (MS-CHAPv2).
        #[arg(long)]
        user: String,
        /// The user's password.
        #[arg(long)]
        password: String,
        /// A registry value of the client as NAME=DATA, e.g.
        /// AssumeUDPEncapsulationContextOnSendRule=2; repeat for more.
        #[arg(long = "registry", value_parser = registry_value)]
        registry: Vec<(String, u32)>,
        /// Turns on IPsec auditing (auditpol's IPsec Main Mode and Quick
        /// Mode subcategories; Vista and later), so the Security log
        /// holds 4650-4655, 5451 and 5452.
        #[arg(long)]
        audit: bool,
        /// The TUN interface our machine is on: used as it is if it
        /// exists, made (and removed at the end) otherwise.
        #[arg(long, default_value = "l2s-dial")]
        tun: String,
        /// Our machine's address on the TUN interface.
        #[arg(long, default_value = "10.98.0.2")]
        address: Ipv4Addr,
        /// The host's side of the TUN interface, our machine's gateway.
        #[arg(long, default_value = "10.98.0.1")]
        gateway: Ipv4Addr,
        /// Wall-clock seconds at most (809 comes after about 70).
        #[arg(long = "for", default_value_t = 90)]
        seconds: u64,
        /// The seed of our machine's randomness (cookies, nonces, SPIs).
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// The language of the texts: en-US or fr-FR.
        #[arg(long, default_value = "en-US")]
        locale: String,
        /// Writes what crossed the TUN interface as pcapng to FILE, and
        /// tshark's key lines (one `-o` preference each) to FILE.keys.
        #[arg(long, value_name = "FILE")]
        pcap: Option<PathBuf>,
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

fn registry_value(s: &str) -> Result<(String, u32), String> {
    let (name, data) = s.split_once('=').ok_or("expected NAME=DATA")?;
    let data = data
        .parse()
        .map_err(|e| format!("'{data}' is not a number: {e}"))?;
    Ok((name.to_string(), data))
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
    let (ok, _) = run_machine(
        &mut machine,
        name,
        &link,
        limit,
        until.into(),
        hex,
        Locale::EnUs,
    )?;
    Ok(ok)
}

/// When a drive ends.
#[derive(Debug, Clone, Copy)]
enum Stop {
    AtLimit,
    IpsecUp,
    DialDone,
    /// A connected call stays up until `hang_up`, then hangs up and ends
    /// `HANG_UP_GRACE` later; a failed dial ends as with `DialDone`.
    Hold {
        hang_up: Duration,
    },
}

/// Time for PPP's Terminate, L2TP's StopCCN and IKE's deletes after a
/// hang-up.
const HANG_UP_GRACE: Duration = Duration::from_secs(3);

impl From<Option<Until>> for Stop {
    fn from(until: Option<Until>) -> Self {
        match until {
            Some(Until::Ipsec) => Stop::IpsecUp,
            Some(Until::Dial) => Stop::DialDone,
            None => Stop::AtLimit,
        }
    }
}

/// Drives `machine` on `link` and prints what crossed, its events (in
/// `locale`), IP Security Monitor and its dial; returns whether it
/// connected (or, with no dial, whether SAs came up) and what crossed.
fn run_machine(
    machine: &mut WindowsMachine,
    name: &str,
    link: &TunLink,
    limit: Duration,
    when: Stop,
    hex: bool,
    locale: Locale,
) -> Result<(bool, Vec<Crossed>), String> {
    let mut hung_up: Option<Duration> = None;
    let stop = |m: &mut WindowsMachine, now: Duration| match when {
        Stop::AtLimit => false,
        Stop::IpsecUp => !m.monitor().sas.is_empty(),
        Stop::DialDone => m.dial_outcome().is_some() && m.finished(),
        Stop::Hold { hang_up } => match (m.dial_outcome().map(|o| o.connected()), hung_up) {
            // Not connected (yet, or at all): as without --hold.
            (Some(false), _) => m.finished(),
            (None, _) => false,
            (Some(true), Some(at)) => now >= at + HANG_UP_GRACE,
            (Some(true), None) if now >= hang_up => {
                m.apply(now, &Command::HangUp);
                hung_up = Some(now);
                false
            }
            (Some(true), None) => false,
        },
    };
    let (crossed, end) = drive(machine, link, limit, stop).map_err(|e| e.to_string())?;
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
        let message = e.message(locale);
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
    Ok((ok, crossed))
}

/// `pki`: where to write the certificates, and whether to stop there.
fn dial(
    o: &DialOptions,
    tun: &str,
    pcap: Option<&Path>,
    pki: Option<(&Path, bool)>,
) -> Result<bool, String> {
    let text = scenario_text(o);
    let dir = std::env::temp_dir();
    let mut scenario: Scenario = l2tpsec_harness::load_str(&text, &dir.join("dial.yaml"), &dir)
        .map_err(|e| e.to_string())?;
    to_today(&mut scenario)?;
    if let Some((out, only)) = pki {
        print_pki(&scenario, out)?;
        if only {
            return Ok(true);
        }
    }
    let locale =
        Locale::from_tag(&o.locale).ok_or_else(|| format!("unknown locale {}", o.locale))?;
    let table = match scenario.hosts.get("client").map(|h| h.role) {
        Some(Role::Windows(e)) => e.profile().messages,
        _ => catalog::MessageTable::Xp,
    };
    let mut machine = machine(&scenario, "client")?;
    let mut changes = prepare(tun, o)?;
    let link = TunLink::attach(tun).map_err(|e| format!("TUN {tun}: {e}"))?;
    let limit = Duration::from_secs(o.seconds);
    let result = run_machine(
        &mut machine,
        "client",
        &link,
        limit,
        if o.hold {
            Stop::Hold {
                hang_up: limit.saturating_sub(HANG_UP_GRACE),
            }
        } else {
            Stop::DialDone
        },
        false,
        locale,
    );
    drop(link);
    changes.undo();
    let (ok, crossed) = result?;
    if let Some(code) = machine.dial_outcome().and_then(|d| d.error) {
        let message = catalog::ras_error_message_in(locale, table, code);
        println!("error {code}: {message}");
    } else if ok {
        println!("connected");
    }
    for (command, output) in machine.views() {
        println!("view {command}");
        for line in output.lines() {
            println!("      {line}");
        }
    }
    if let Some(path) = pcap {
        write_capture(path, &crossed, &scenario, machine.keys())?;
        println!("capture {} (keys: {}.keys)", path.display(), path.display());
    }
    Ok(ok)
}

/// Writes `s`'s certificates and keys under `out` and lists them.
fn print_pki(s: &Scenario, out: &Path) -> Result<(), String> {
    let pki = mint_pki(s, s.seed).map_err(|e| e.to_string())?;
    let written = write_pki(&pki, out).map_err(|e| e.to_string())?;
    for (name, path) in &written.authorities {
        println!("authority {name} {}", path.display());
    }
    for (name, cert, key) in &written.certificates {
        let key = key.as_ref().map_or("-".into(), |k| k.display().to_string());
        println!("certificate {name} {} {key}", cert.display());
    }
    Ok(())
}

fn write_capture(
    path: &Path,
    crossed: &[Crossed],
    s: &Scenario,
    keys: &[String],
) -> Result<(), String> {
    let packets: Vec<CapturedPacket> = crossed
        .iter()
        .enumerate()
        .map(|(i, c)| CapturedPacket {
            host: "client".into(),
            segment: "tun".into(),
            iface: 0,
            time: c.at,
            direction: if c.outbound {
                Direction::Out
            } else {
                Direction::In
            },
            data: c.packet.clone(),
            transmit: u64::try_from(i).unwrap_or(u64::MAX),
        })
        .collect();
    let mut out = Vec::new();
    let epoch = u64::try_from(s.date.unix_micros).unwrap_or(0);
    l2tpsec::net::capture::write_pcapng(
        &mut out,
        &[("client".into(), 0, "tun".into())],
        &packets,
        epoch,
    )
    .map_err(|e| e.to_string())?;
    std::fs::write(path, out).map_err(|e| format!("{}: {e}", path.display()))?;
    let keys_path = PathBuf::from(format!("{}.keys", path.display()));
    let mut lines = keys.join("\n");
    lines.push('\n');
    std::fs::write(&keys_path, lines).map_err(|e| format!("{}: {e}", keys_path.display()))
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
        Cmd::Dial {
            server,
            role,
            psk,
            certificate,
            server_name,
            pki_out,
            pki_only,
            hold,
            user,
            password,
            registry,
            audit,
            tun,
            address,
            gateway,
            seconds,
            seed,
            locale,
            pcap,
        } => {
            let auth = match (psk, certificate) {
                (Some(key), false) => DialAuth::PresharedKey(key),
                _ => DialAuth::Certificate { server_name },
            };
            let o = DialOptions {
                role,
                server,
                auth,
                hold,
                user,
                password,
                registry,
                audit,
                address,
                gateway,
                seconds,
                seed,
                locale,
            };
            let pki = pki_out.as_deref().map(|dir| (dir, pki_only));
            dial(&o, &tun, pcap.as_deref(), pki).map(|ok| {
                if ok {
                    ExitCode::SUCCESS
                } else {
                    ExitCode::from(1)
                }
            })
        }
        Cmd::Pki { scenario, out } => load(&scenario)
            .and_then(|s| print_pki(&s, &out))
            .map(|()| ExitCode::SUCCESS),
    };
    result.unwrap_or_else(|e| {
        eprintln!("l2tpsec-interop: {e}");
        ExitCode::from(2)
    })
}
