//! Semantic checks of a typed scenario: references between sections,
//! addresses against subnets, fields that only some roles take. Positions
//! come from the merged tree by path (`Node::locate`).

mod hosts;

use l2tpsec::windows::version::Profile;

use crate::scenario::node::{Loc, Node, Path, Value};
use crate::scenario::schema::{
    monitor_counter_names, Command, Edition, Host, HostList, MatchProtocol, Scenario,
};

struct Checker<'a> {
    s: &'a Scenario,
    tree: &'a Node,
    out: Vec<(Loc, String)>,
}

/// The roles of the Windows versions whose row has `f`, comma-separated.
fn roles_where(f: impl Fn(&Profile) -> bool) -> String {
    let mut roles: Vec<&str> = Vec::new();
    for e in Edition::all().filter(|e| f(e.profile())) {
        // Server builds share their role.
        if !roles.contains(&e.role()) {
            roles.push(e.role());
        }
    }
    roles.join(", ")
}

fn list(names: impl Iterator<Item = impl AsRef<str>>) -> String {
    let v: Vec<String> = names.map(|n| n.as_ref().to_string()).collect();
    if v.is_empty() {
        "none defined".into()
    } else {
        v.join(", ")
    }
}

/// Returns every problem found, in file order of the checks.
pub fn validate(s: &Scenario, tree: &Node, file_stem: &str) -> Vec<(Loc, String)> {
    let mut c = Checker {
        s,
        tree,
        out: Vec::new(),
    };
    c.top(file_stem);
    c.pki();
    c.networks();
    c.hosts();
    c.faults();
    c.timeline();
    c.expect();
    c.out
}

impl Checker<'_> {
    fn err(&mut self, path: &Path, msg: String) {
        let loc = self.tree.locate(path);
        self.out.push((loc, msg));
    }

    /// For problems with a field's presence, point at its key.
    fn err_key(&mut self, path: &Path, msg: String) {
        let loc = self.tree.locate_key(path);
        self.out.push((loc, msg));
    }

    fn present(&self, path: &Path) -> bool {
        self.tree
            .at(path)
            .is_some_and(|n| !matches!(n.value, Value::Null))
    }

    fn host_ref(&mut self, path: &Path, name: &str) -> Option<&Host> {
        let s = self.s;
        match s.hosts.get(name) {
            Some(h) => Some(h),
            None => {
                self.err(
                    path,
                    format!(
                        "unknown host '{name}' in {path} (hosts: {})",
                        list(s.hosts.keys())
                    ),
                );
                None
            }
        }
    }

    fn host_list(&mut self, path: &Path, hosts: &HostList) {
        let is_seq = matches!(self.tree.at(path).map(|n| &n.value), Some(Value::Seq(_)));
        for (i, h) in hosts.0.iter().enumerate() {
            let p = if is_seq { path.index(i) } else { path.clone() };
            self.host_ref(&p, h);
        }
    }

    fn top(&mut self, stem: &str) {
        let root = Path::root();
        if self.s.name != stem {
            self.err(
                &root.key("name"),
                format!(
                    "name '{}' differs from the file name '{stem}' (name must be the file name without .yaml)",
                    self.s.name
                ),
            );
        }
        if self.s.duration.is_zero() {
            self.err(
                &root.key("duration"),
                "duration must be more than 0s".into(),
            );
        }
    }

    fn pki(&mut self) {
        let s = self.s;
        for (name, cert) in s.pki.certificates.iter() {
            let p = Path::root().key("pki").key("certificates").key(name);
            if !s.pki.authorities.contains(&cert.authority) {
                self.err(
                    &p.key("authority"),
                    format!(
                        "unknown authority '{}' in {} (authorities: {})",
                        cert.authority,
                        p.key("authority"),
                        list(s.pki.authorities.keys())
                    ),
                );
            }
            if let (Some(a), Some(b)) = (cert.not_before, cert.not_after) {
                if a >= b {
                    self.err(
                        &p.key("not-after"),
                        format!("not-after {b} is not after not-before {a}"),
                    );
                }
            }
        }
    }

    fn networks(&mut self) {
        for (name, net) in self.s.networks.iter() {
            let p = Path::root().key("networks").key(name).key("subnet");
            if net.subnet.addr != net.subnet.network() {
                self.err(
                    &p,
                    format!(
                        "subnet {} has host bits set (did you mean {}/{}?)",
                        net.subnet,
                        net.subnet.network(),
                        net.subnet.prefix
                    ),
                );
            }
        }
    }

    fn faults(&mut self) {
        let s = self.s;
        for (i, f) in s.faults.iter().enumerate() {
            let fp = Path::root().key("faults").index(i);
            if !s.networks.contains(&f.at) {
                match s.hosts.get(&f.at) {
                    Some(h) if h.role.forwards() => {}
                    Some(h) => self.err(
                        &fp.key("at"),
                        format!(
                            "{}.at: '{}' is a {} host; faults apply at a network or at a router/nat host",
                            fp, f.at, h.role
                        ),
                    ),
                    None => self.err(
                        &fp.key("at"),
                        format!(
                            "unknown network or host '{}' in {} (networks: {}; hosts: {})",
                            f.at,
                            fp.key("at"),
                            list(s.networks.keys()),
                            list(s.hosts.iter().filter(|(_, h)| h.role.forwards()).map(|(n, _)| n))
                        ),
                    ),
                }
            }
            let mp = fp.key("match");
            self.host_list(&mp.key("from"), &f.matcher.from);
            self.host_list(&mp.key("toward"), &f.matcher.toward);
            if matches!(
                f.matcher.protocol,
                Some(MatchProtocol::Esp | MatchProtocol::Gre | MatchProtocol::Icmp)
            ) {
                for field in ["port", "src-port", "dst-port"] {
                    if self.present(&mp.key(field)) {
                        self.err_key(
                            &mp.key(field),
                            format!(
                                "'{field}' needs a protocol with ports (udp, tcp, isakmp, l2tp)"
                            ),
                        );
                    }
                }
            }
            if !(0.0..=1.0).contains(&f.probability) {
                self.err(
                    &fp.key("probability"),
                    format!("probability {} is not between 0 and 1", f.probability),
                );
            }
            if let Some((a, b)) = f.active {
                if a > b {
                    self.err(
                        &fp.key("active"),
                        "active window ends before it starts".into(),
                    );
                }
            }
        }
    }

    fn timeline(&mut self) {
        let s = self.s;
        for (i, t) in s.timeline.iter().enumerate() {
            let tp = Path::root().key("timeline").index(i);
            if t.at > s.duration {
                self.err(
                    &tp.key("at"),
                    format!(
                        "{tp} is after the end of the run (duration {})",
                        crate::scenario::values::format_duration(s.duration)
                    ),
                );
            }
            let Some(host) = self.host_ref(&tp.key("host"), &t.host) else {
                continue;
            };
            let (role, has_dial) = (host.role, host.dial.is_some());
            let on_windows = matches!(
                t.command,
                Command::StopService { .. }
                    | Command::StartService { .. }
                    | Command::SetRegistry { .. }
            );
            if on_windows && !role.is_windows() {
                self.err(
                    &tp.key("host"),
                    format!("{} is a {role} host, not a Windows machine", t.host),
                );
            }
            if let Command::SetRegistry { name, value } = t.command {
                let at = (
                    self.tree.locate(&tp.key("name")),
                    self.tree.locate(&tp.key("value")),
                );
                self.registry_value(&t.host, role, name, value, at);
            }
            if matches!(t.command, Command::Dial | Command::HangUp) && !has_dial {
                self.err(
                    &tp.key("host"),
                    format!("{} has no dial: to dial or hang up", t.host),
                );
            }
        }
    }

    fn expect(&mut self) {
        let s = self.s;
        let ep = Path::root().key("expect");
        for (i, d) in s.expect.dials.iter().enumerate() {
            let p = ep.key("dials").index(i);
            if let Some(h) = self.host_ref(&p.key("host"), &d.host) {
                if h.dial.is_none() {
                    self.err(
                        &p.key("host"),
                        format!("{} has no dial: to expect a result of", d.host),
                    );
                }
            }
            if d.connected == Some(true) && (d.error.is_some() || d.message.is_some()) {
                self.err(
                    &p.key("connected"),
                    "connected: true contradicts an expected error".into(),
                );
            }
        }
        for (section, items) in [
            ("events", &s.expect.events),
            ("no-events", &s.expect.no_events),
        ] {
            for (i, e) in items.iter().enumerate() {
                let p = ep.key(section).index(i);
                self.host_ref(&p.key("host"), &e.host);
            }
        }
        for (i, pk) in s.expect.packets.iter().enumerate() {
            let p = ep.key("packets").index(i);
            let host = self.host_ref(&p.key("host"), &pk.host).cloned();
            if let Some(f) = &pk.from {
                self.host_ref(&p.key("from"), f);
            }
            if let Some(t) = &pk.to {
                self.host_ref(&p.key("to"), t);
            }
            if let (Some(h), Some(iface)) = (host, &pk.interface) {
                if !h.interfaces.contains(iface) {
                    self.err(
                        &p.key("interface"),
                        format!(
                            "{} has no interface on '{iface}' ({})",
                            pk.host,
                            list(h.interfaces.keys())
                        ),
                    );
                }
            }
        }
        for (i, m) in s.expect.monitor.iter().enumerate() {
            let p = ep.key("monitor").index(i);
            if !monitor_counter_names().any(|c| c == m.counter) {
                self.err(
                    &p.key("counter"),
                    format!(
                        "unknown counter '{}' in {} (counters: {})",
                        m.counter,
                        p.key("counter"),
                        list(monitor_counter_names())
                    ),
                );
            }
            if let Some(h) = self.host_ref(&p.key("host"), &m.host) {
                if !h.role.is_windows() {
                    let role = h.role;
                    self.err(
                        &p.key("host"),
                        format!("{} is a {role} host: no IP Security Monitor", m.host),
                    );
                }
            }
        }
    }
}
