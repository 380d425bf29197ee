//! `l2tpsec-interop dial`: one of our Windows clients dials a real server
//! through a TUN device and the host's routing (issue 22, "test your own
//! server as Windows would"). The client is a scenario written from the
//! options; the host is changed only when the TUN device does not exist
//! yet, and every change is undone when the dial ends.

use std::net::Ipv4Addr;
use std::process::Command;

/// What the dialling Windows is and does.
#[derive(Debug, Clone)]
pub struct DialOptions {
    /// The scenario role of the client (`windows-10-client`, ...).
    pub role: String,
    pub server: Ipv4Addr,
    pub auth: DialAuth,
    /// Stay connected until `seconds` have passed, then hang up.
    pub hold: bool,
    pub user: String,
    pub password: String,
    /// Registry values of the client, as the scenario's `registry:` names
    /// them.
    pub registry: Vec<(String, u32)>,
    /// IPsec auditing on (auditpol's IPsec Main Mode and Quick Mode
    /// subcategories), for builds from Vista on.
    pub audit: bool,
    /// Our machine's address on the TUN device.
    pub address: Ipv4Addr,
    /// The kernel's side of the TUN device, our machine's gateway.
    pub gateway: Ipv4Addr,
    pub seconds: u64,
    pub seed: u64,
    pub locale: String,
}

/// How the client authenticates IPsec.
#[derive(Debug, Clone)]
pub enum DialAuth {
    /// The connection's pre-shared key.
    PresharedKey(String),
    /// A machine certificate from the lab's own PKI: root `lab-root`,
    /// ours `client-cert`, the server's `server-cert` with subject
    /// CN=`server_name`; the server must hold the latter and trust the
    /// root.
    Certificate { server_name: String },
}

/// The scenario of the dialling client (loaded like the interop scenarios:
/// the date is moved to today). The host's side of the TUN interface is a
/// router of the scenario: a gateway must be some host's address; only
/// the client is driven.
pub fn scenario_text(o: &DialOptions) -> String {
    let [a, b, c, _] = o.address.octets();
    let registry = if o.registry.is_empty() {
        String::new()
    } else {
        let values: Vec<String> = o
            .registry
            .iter()
            .map(|(n, d)| format!("{n}: {d}"))
            .collect();
        format!("    registry: {{{}}}\n", values.join(", "))
    };
    let audit = if o.audit {
        "    audit: [ipsec-main-mode, ipsec-quick-mode]\n"
    } else {
        ""
    };
    let quote = |s: &str| format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""));
    let (pki, machine_cert, secret) = match &o.auth {
        DialAuth::PresharedKey(key) => (
            String::new(),
            "",
            format!("      preshared-key: {}\n", quote(key)),
        ),
        DialAuth::Certificate { server_name } => (
            format!(
                "pki:\n  authorities:\n    lab-root: {{subject: \"CN=l2tpsec Lab Root CA\"}}\n\
                 \x20 certificates:\n    client-cert: {{authority: lab-root, subject: \"CN=windows-client.l2tpsec.test\"}}\n\
                 \x20   server-cert: {{authority: lab-root, subject: {}}}\n",
                quote(&format!("CN={server_name}"))
            ),
            "    certificate: client-cert\n    trusts: [lab-root]\n",
            String::new(),
        ),
    };
    format!(
        "name: dial\nseed: {seed}\ndate: 2023-03-01T10:00:00Z\nlocale: {locale}\nduration: {secs}s\n\
         {pki}networks:\n  tun: {{subnet: {a}.{b}.{c}.0/24}}\n\
         hosts:\n  client:\n    role: {role}\n    interfaces: {{tun: {address}}}\n    gateway: {gateway}\n\
         {machine_cert}{registry}{audit}    dial:\n      at: 1s\n      server: {server}\n      type: l2tp\n\
         \x20     username: {user}\n      password: {password}\n{secret}\
         \x20 host:\n    role: router\n    interfaces: {{tun: {gateway}}}\n",
        seed = o.seed,
        locale = quote(&o.locale),
        secs = o.seconds,
        role = quote(&o.role),
        address = o.address,
        gateway = o.gateway,
        server = o.server,
        user = quote(&o.user),
        password = quote(&o.password),
    )
}

/// The changes `prepare` made to the host, undone by `undo` (or on drop).
#[derive(Debug, Default)]
pub struct HostChanges {
    tun: Option<String>,
    forwarding_was: Option<String>,
    nat_rule: Option<Vec<String>>,
}

fn run(args: &[&str]) -> Result<(), String> {
    let (cmd, rest) = args.split_first().ok_or("empty command")?;
    let out = Command::new(cmd)
        .args(rest)
        .output()
        .map_err(|e| format!("{}: {e}", args.join(" ")))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

fn tun_exists(name: &str) -> bool {
    std::path::Path::new("/sys/class/net").join(name).exists()
}

const FORWARDING: &str = "/proc/sys/net/ipv4/ip_forward";

/// Makes TUN device `tun` with the kernel side `gateway`/24 unless it
/// exists (then the host is left as it is); if the server is not on that
/// subnet, turns on forwarding and masquerades our address behind the
/// host's own (our client is then behind a NAT, as most are). Prints each
/// change to stderr.
pub fn prepare(tun: &str, o: &DialOptions) -> Result<HostChanges, String> {
    let mut changes = HostChanges::default();
    if tun_exists(tun) {
        eprintln!("dial: using the existing interface {tun}; the host is left as it is");
        return Ok(changes);
    }
    let gateway = format!("{}/24", o.gateway);
    run(&["ip", "tuntap", "add", "dev", tun, "mode", "tun"])?;
    changes.tun = Some(tun.to_string());
    run(&["ip", "addr", "add", &gateway, "dev", tun])?;
    run(&["ip", "link", "set", tun, "up"])?;
    eprintln!("dial: made {tun} ({gateway} on the host's side)");
    let same_subnet = o.gateway.octets()[..3] == o.server.octets()[..3];
    if !same_subnet {
        let was = std::fs::read_to_string(FORWARDING).map_err(|e| format!("{FORWARDING}: {e}"))?;
        std::fs::write(FORWARDING, "1").map_err(|e| format!("{FORWARDING}: {e}"))?;
        changes.forwarding_was = Some(was.trim().to_string());
        let rule: Vec<String> = [
            "-s",
            &format!("{}/32", o.address),
            "!",
            "-o",
            tun,
            "-j",
            "MASQUERADE",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let mut add = vec!["iptables", "-t", "nat", "-A", "POSTROUTING"];
        add.extend(rule.iter().map(String::as_str));
        run(&add)?;
        changes.nat_rule = Some(rule);
        eprintln!(
            "dial: turned on IPv4 forwarding (was {}) and masquerades {} behind the host",
            changes.forwarding_was.as_deref().unwrap_or("?"),
            o.address
        );
    }
    Ok(changes)
}

impl HostChanges {
    /// Undoes every change, newest first; prints each.
    pub fn undo(&mut self) {
        if let Some(rule) = self.nat_rule.take() {
            let mut del = vec!["iptables", "-t", "nat", "-D", "POSTROUTING"];
            del.extend(rule.iter().map(String::as_str));
            match run(&del) {
                Ok(()) => eprintln!("dial: removed the masquerading rule"),
                Err(e) => eprintln!("dial: could not remove the masquerading rule: {e}"),
            }
        }
        if let Some(was) = self.forwarding_was.take() {
            match std::fs::write(FORWARDING, &was) {
                Ok(()) => eprintln!("dial: IPv4 forwarding back to {was}"),
                Err(e) => eprintln!("dial: could not restore {FORWARDING}: {e}"),
            }
        }
        if let Some(tun) = self.tun.take() {
            match run(&["ip", "link", "del", &tun]) {
                Ok(()) => eprintln!("dial: removed {tun}"),
                Err(e) => eprintln!("dial: could not remove {tun}: {e}"),
            }
        }
    }
}

impl Drop for HostChanges {
    fn drop(&mut self) {
        self.undo();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(auth: DialAuth) -> DialOptions {
        DialOptions {
            role: "windows-10-client".into(),
            server: Ipv4Addr::new(198, 51, 100, 7),
            auth,
            hold: false,
            user: "alice".into(),
            password: "p\\w".into(),
            registry: Vec::new(),
            audit: false,
            address: Ipv4Addr::new(10, 98, 0, 2),
            gateway: Ipv4Addr::new(10, 98, 0, 1),
            seconds: 90,
            seed: 1,
            locale: "en-US".into(),
        }
    }

    #[test]
    fn the_scenario_quotes_what_the_user_typed() {
        let o = DialOptions {
            registry: vec![("AssumeUDPEncapsulationContextOnSendRule".into(), 2)],
            audit: true,
            ..options(DialAuth::PresharedKey("a \"b\" c".into()))
        };
        let text = scenario_text(&o);
        assert!(text.contains("preshared-key: \"a \\\"b\\\" c\""), "{text}");
        assert!(text.contains("password: \"p\\\\w\""), "{text}");
        assert!(
            text.contains("registry: {AssumeUDPEncapsulationContextOnSendRule: 2}"),
            "{text}"
        );
        assert!(text.contains("subnet: 10.98.0.0/24"), "{text}");
        assert!(
            text.contains("audit: [ipsec-main-mode, ipsec-quick-mode]"),
            "{text}"
        );
        let dir = std::env::temp_dir();
        l2tpsec_harness::load_str(&text, &dir.join("dial.yaml"), &dir)
            .unwrap_or_else(|e| panic!("{e}\n{text}"));
    }

    #[test]
    fn a_certificate_dial_carries_the_lab_pki() {
        let o = DialOptions {
            hold: true,
            ..options(DialAuth::Certificate {
                server_name: "vpn \"x\"".into(),
            })
        };
        let text = scenario_text(&o);
        assert!(!text.contains("preshared-key"), "{text}");
        assert!(text.contains("subject: \"CN=vpn \\\"x\\\"\""), "{text}");
        assert!(text.contains("certificate: client-cert"), "{text}");
        let dir = std::env::temp_dir();
        let s = l2tpsec_harness::load_str(&text, &dir.join("dial.yaml"), &dir)
            .unwrap_or_else(|e| panic!("{e}\n{text}"));
        let pki = l2tpsec_harness::run::mint_pki(&s, s.seed).unwrap_or_else(|e| panic!("{e}"));
        let names: Vec<&str> = pki.certificates().iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["client-cert", "server-cert"]);
    }
}
