//! Our L2TP control connection against xl2tpd on the host kernel
//! (INTEROP.md: xl2tpd's control plane runs over plain UDP 1701; pppd
//! cannot start without `/dev/ppp`): our XP client against xl2tpd as LNS,
//! xl2tpd as LAC against our RRAS server, L2TP in the clear
//! (ProhibitIpSec=1). Each prints xl2tpd's tunnel and session ids.
//!
//! Skipped, saying why, when not root or xl2tpd is missing; `.ci/run`
//! installs it, so CI runs them.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use l2tpsec_interop::peer::{self, assert_exchange, xl2tpd_available, Netns, Xl2tpd};

fn ready() -> bool {
    peer::ready(xl2tpd_available())
}

fn work_dir(name: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("interop")
        .join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn ours(ns: &Netns, scenario: &str, host: &str, args: &[&str]) -> Command {
    let scenario = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(scenario);
    let mut c = ns.command(env!("CARGO_BIN_EXE_l2tpsec-interop"));
    c.arg("host")
        .arg(scenario)
        .arg(host)
        .args(["--tun", "l2s0"])
        .args(args);
    c
}

/// Prints both sides' output and the tunnel and call ids xl2tpd logged.
fn show(ours: &str, log: &str) {
    println!("--- ours\n{ours}--- xl2tpd\n{log}");
    println!("--- xl2tpd's tunnel and session ids");
    for l in ids(log) {
        println!("{l}");
    }
}

/// xl2tpd's lines that name tunnels and calls.
fn ids(log: &str) -> Vec<&str> {
    log.lines()
        .filter(|l| {
            l.contains("Connection established")
                || l.contains("Call established")
                || l.contains("tunnel")
                || l.contains("call")
        })
        .collect()
}

#[test]
fn our_xp_client_opens_a_tunnel_and_a_call_with_xl2tpd_as_lns() {
    if !ready() {
        return;
    }
    let dir = work_dir("xl2tpd-lns");
    let ns = Netns::create("l2s-lns").unwrap();
    ns.add_tun("l2s0", "10.99.0.1/24").unwrap();
    let conf = format!(
        "[global]\nlisten-addr = 10.99.0.1\nport = 1701\n\n\
         [lns default]\nip range = 10.10.0.100-10.10.0.150\nlocal ip = 10.10.0.1\n\
         require authentication = no\nname = xl2tpd-lns\nlength bit = yes\n\
         pppoptfile = {}\n",
        dir.join("options").display()
    );
    let peer = Xl2tpd::start(&ns, &dir, &conf).unwrap();
    let out = ours(&ns, "client-cleartext.yaml", "client", &["--for", "8"])
        .output()
        .unwrap();
    let ours = String::from_utf8_lossy(&out.stdout).into_owned();
    let log = peer.log();
    show(&ours, &log);
    assert_exchange(
        &ours,
        &["SCCRQ", "SCCCN", "ICRQ", "ICCN"],
        &["SCCRP", "ICRP"],
    );
    assert!(log.contains("Connection established to 10.99.0.2"), "{log}");
    assert!(log.contains("Call established with 10.99.0.2"), "{log}");
}

#[test]
fn xl2tpd_as_lac_opens_a_tunnel_and_a_call_with_our_rras_server() {
    if !ready() {
        return;
    }
    let dir = work_dir("xl2tpd-lac");
    let ns = Netns::create("l2s-lac").unwrap();
    ns.add_tun("l2s0", "10.99.0.1/24").unwrap();
    let server = ours(&ns, "server-cleartext.yaml", "server", &["--for", "8"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let conf = format!(
        "[global]\nlisten-addr = 10.99.0.1\nport = 1701\n\n\
         [lac ours]\nlns = 10.99.0.2\nname = alice\nautodial = yes\n\
         redial = no\nlength bit = yes\npppoptfile = {}\n",
        dir.join("options").display()
    );
    let peer = Xl2tpd::start(&ns, &dir, &conf).unwrap();
    let out = server.wait_with_output().unwrap();
    let ours = String::from_utf8_lossy(&out.stdout).into_owned();
    let log = peer.log();
    show(&ours, &log);
    assert_exchange(
        &ours,
        &["SCCRP", "ICRP"],
        &["SCCRQ", "SCCCN", "ICRQ", "ICCN"],
    );
    assert!(log.contains("Connection established to 10.99.0.2"), "{log}");
}
