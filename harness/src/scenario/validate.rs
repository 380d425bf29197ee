//! Semantic checks of a typed scenario: references between sections,
//! addresses against subnets, fields that only some roles take. Positions
//! come from the merged tree by path (`Node::locate`).

use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use l2tpsec::windows::registry::RegistryValue;
use l2tpsec::windows::version::Profile;

use crate::scenario::node::{Loc, Node, Path, Value};
use crate::scenario::schema::{
    monitor_counter_names, Edition, FaultActionKind, ForwardProtocol, Host, HostList,
    MatchProtocol, Role, Scenario, TimelineKind,
};

struct Checker<'a> {
    s: &'a Scenario,
    tree: &'a Node,
    out: Vec<(Loc, String)>,
}

/// The roles of the Windows versions whose row has `f`, comma-separated.
fn roles_where(f: impl Fn(&Profile) -> bool) -> String {
    let roles: Vec<&str> = Edition::all()
        .filter(|e| f(e.profile()))
        .map(Edition::role)
        .collect();
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

    fn hosts(&mut self) {
        let s = self.s;
        // address -> (host, network), to find duplicates across hosts
        let mut used: BTreeMap<Ipv4Addr, (String, String)> = BTreeMap::new();
        for (hname, host) in s.hosts.iter() {
            let hp = Path::root().key("hosts").key(hname);
            if host.interfaces.is_empty() {
                self.err(
                    &hp.key("interfaces"),
                    format!("host '{hname}' has no interface"),
                );
            }
            for (net_name, addr) in host.interfaces.iter() {
                let ip = hp.key("interfaces").key(net_name);
                let Some(net) = s.networks.get(net_name) else {
                    self.err_key(
                        &ip,
                        format!(
                            "unknown network '{net_name}' in {} (networks: {})",
                            hp.key("interfaces"),
                            list(s.networks.keys())
                        ),
                    );
                    continue;
                };
                if !net.subnet.contains(*addr) {
                    self.err(
                        &ip,
                        format!(
                            "address {addr} of {hname} is outside network {net_name}'s subnet {}",
                            net.subnet
                        ),
                    );
                } else if net.subnet.prefix <= 30
                    && (*addr == net.subnet.network() || *addr == net.subnet.broadcast())
                {
                    self.err(
                        &ip,
                        format!("address {addr} is the network or broadcast address of {net_name}"),
                    );
                }
                match used.get(addr) {
                    Some((other, other_net)) => {
                        let msg = format!(
                            "duplicate address {addr}: already used by {other} on {other_net}"
                        );
                        self.err(&ip, msg);
                    }
                    None => {
                        used.insert(*addr, (hname.to_string(), net_name.to_string()));
                    }
                }
            }
            if let Some(gw) = host.gateway {
                let own = host.addresses().contains(&gw);
                let reachable = host
                    .interfaces
                    .keys()
                    .filter_map(|n| s.networks.get(n))
                    .any(|n| n.subnet.contains(gw));
                if own {
                    self.err(
                        &hp.key("gateway"),
                        format!("gateway {gw} is {hname}'s own address"),
                    );
                } else if !reachable {
                    self.err(
                        &hp.key("gateway"),
                        format!("gateway {gw} is not on any network of {hname}"),
                    );
                }
            }
            self.role_fields(hname, host, &hp);
            if let Some(cert) = &host.certificate {
                if !s.pki.certificates.contains(cert) {
                    self.err(
                        &hp.key("certificate"),
                        format!(
                            "unknown certificate '{cert}' in {} (certificates: {})",
                            hp.key("certificate"),
                            list(s.pki.certificates.keys())
                        ),
                    );
                }
            }
            for (i, t) in host.trusts.iter().enumerate() {
                if !s.pki.authorities.contains(t) {
                    let p = hp.key("trusts").index(i);
                    self.err(
                        &p,
                        format!(
                            "unknown authority '{t}' in {p} (authorities: {})",
                            list(s.pki.authorities.keys())
                        ),
                    );
                }
            }
            if let Some(nat) = &host.nat {
                for (field, net) in [("inside", &nat.inside), ("outside", &nat.outside)] {
                    if !host.interfaces.contains(net) {
                        self.err(
                            &hp.key("nat").key(field),
                            format!(
                                "nat.{field} '{net}' is not a network {hname} has an interface on ({})",
                                list(host.interfaces.keys())
                            ),
                        );
                    }
                }
                if nat.inside == nat.outside {
                    self.err(
                        &hp.key("nat").key("outside"),
                        "nat.inside and nat.outside must differ".into(),
                    );
                }
            }
            if let Some(dial) = &host.dial {
                if dial.at > s.duration {
                    self.err(
                        &hp.key("dial").key("at"),
                        format!(
                            "dial.at is after the end of the run (duration {})",
                            crate::scenario::values::format_duration(s.duration)
                        ),
                    );
                }
                if host.addresses().contains(&dial.server) {
                    self.err(
                        &hp.key("dial").key("server"),
                        format!("{hname} cannot dial its own address"),
                    );
                }
            }
        }
    }

    /// Fields that only some roles take (presence read from the tree, so a
    /// default value never counts).
    fn role_fields(&mut self, hname: &str, host: &Host, hp: &Path) {
        let windows = roles_where(|_| true);
        let clients = roles_where(|p| !p.rras);
        let rras = roles_where(|p| p.rras);
        let (windows, clients) = (windows.as_str(), clients.as_str());
        let rules: [(&str, bool, &str); 12] = [
            ("certificate", host.role.is_windows(), windows),
            ("trusts", host.role.is_windows(), windows),
            ("services", host.role.is_windows(), windows),
            ("registry", host.role.is_windows(), windows),
            ("nic", host.role.is_windows(), windows),
            ("dial", host.role.is_client(), clients),
            // A Windows client may share its connection (ICS, claim A9).
            (
                "nat",
                host.role == Role::Nat || host.role.is_client(),
                "nat hosts and Windows clients (ICS)",
            ),
            ("ipsec-policy", host.role.is_windows(), windows),
            ("ports", host.role.is_rras(), &rras),
            ("users", host.role.is_rras(), &rras),
            ("policies", host.role.is_rras(), &rras),
            ("l2tp-preshared-key", host.role.is_rras(), &rras),
        ];
        for (field, allowed, roles) in rules {
            if !allowed && self.present(&hp.key(field)) {
                self.err_key(
                    &hp.key(field),
                    format!(
                        "'{field}' is not allowed on {hname}, a {} host (only on {roles})",
                        host.role
                    ),
                );
            }
        }
        // ICS keeps its mappings and ports as Windows does; only nat hosts
        // age them or hand out other ports.
        for field in ["udp-timeout", "port-preservation", "gre"] {
            let path = hp.key("nat").key(field);
            if host.role != Role::Nat && self.present(&path) {
                self.err_key(
                    &path,
                    format!(
                        "'{field}' is not allowed on {hname}, a {} host (only on nat hosts)",
                        host.role
                    ),
                );
            }
        }
        self.forwards(hname, host, hp);
        // The connectoid's pre-shared key option came with XP SP2 (WINDOWS.md 6).
        let psk = hp.key("dial").key("preshared-key");
        let keyed = matches!(host.role, Role::Windows(e) if e.profile().connectoid_preshared_key);
        if !keyed && self.present(&psk) {
            self.err_key(
                &psk,
                format!(
                    "'preshared-key' is not allowed on {hname}, a {} host (only on {})",
                    host.role,
                    roles_where(|p| p.connectoid_preshared_key)
                ),
            );
        }
        if !host.role.is_rras() && self.present(&hp.key("address-pool")) {
            self.err_key(
                &hp.key("address-pool"),
                format!(
                    "'address-pool' is not allowed on {hname}, a {} host (only on {rras})",
                    host.role
                ),
            );
        }
        if host.role == Role::Nat && host.nat.is_none() {
            self.err(
                &hp.key("role"),
                format!("{hname} is a nat host and needs 'nat: {{inside: NET, outside: NET, esp: translate|drop}}'"),
            );
        }
    }

    /// `nat.forward`: nat hosts only; a port for UDP and TCP, none for
    /// ESP; `to` a host on the inside network; each thing forwarded once.
    fn forwards(&mut self, hname: &str, host: &Host, hp: &Path) {
        let fp = hp.key("nat").key("forward");
        let Some(nat) = host.nat.as_ref().filter(|n| !n.forward.is_empty()) else {
            return;
        };
        if host.role != Role::Nat {
            self.err_key(
                &fp,
                format!(
                    "'forward' is not allowed on {hname}, a {} host (only on nat hosts)",
                    host.role
                ),
            );
            return;
        }
        let mut seen = BTreeMap::new();
        for (i, rule) in nat.forward.iter().enumerate() {
            let rp = fp.index(i);
            let ported = matches!(rule.protocol, ForwardProtocol::Udp | ForwardProtocol::Tcp);
            match (ported, rule.port) {
                (true, None) => self.err(
                    &rp,
                    format!(
                        "a {} forward needs 'port'",
                        if rule.protocol == ForwardProtocol::Udp {
                            "udp"
                        } else {
                            "tcp"
                        }
                    ),
                ),
                (false, Some(_)) => self.err_key(
                    &rp.key("port"),
                    "an esp or gre forward has no port (the protocol has none)".into(),
                ),
                _ => {}
            }
            if let Some(first) = seen.insert((rule.protocol, rule.port), i) {
                self.err(
                    &rp,
                    format!("forwards the same thing as {}", fp.index(first)),
                );
            }
            let to = rp.key("to");
            if let Some(target) = self.host_ref(&to, &rule.to) {
                if !target.interfaces.contains(&nat.inside) {
                    self.err(
                        &to,
                        format!(
                            "'{}' has no interface on {hname}'s inside network '{}'",
                            rule.to, nat.inside
                        ),
                    );
                }
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
            match f.action {
                FaultActionKind::Delay if f.by.is_none() => self.err(
                    &fp.key("action"),
                    "action delay needs 'by: <duration>' (e.g. by: 200ms)".into(),
                ),
                FaultActionKind::Delay => {}
                _ if f.by.is_some() => {
                    self.err_key(&fp.key("by"), "'by' is only for action delay".into())
                }
                _ => {}
            }
            if f.after.is_some() && f.action != FaultActionKind::Corrupt {
                self.err_key(
                    &fp.key("after"),
                    "'after' is only for action corrupt".into(),
                );
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
            let needs_service = matches!(
                t.action,
                TimelineKind::StopService | TimelineKind::StartService
            );
            let is_registry = t.action == TimelineKind::SetRegistry;
            if needs_service && t.service.is_none() {
                self.err(
                    &tp.key("action"),
                    "this action needs 'service:' (policy-agent)".into(),
                );
            }
            if !needs_service && t.service.is_some() {
                self.err_key(
                    &tp.key("service"),
                    "'service' is only for stop-service and start-service".into(),
                );
            }
            if (needs_service || is_registry) && !role.is_windows() {
                self.err(
                    &tp.key("host"),
                    format!("{} is a {role} host, not a Windows machine", t.host),
                );
            }
            if matches!(t.action, TimelineKind::Dial | TimelineKind::HangUp) && !has_dial {
                self.err(
                    &tp.key("host"),
                    format!("{} has no dial: to dial or hang up", t.host),
                );
            }
            if is_registry {
                match &t.name {
                    None => self.err(
                        &tp.key("action"),
                        "set-registry needs 'name:' and 'value:'".into(),
                    ),
                    Some(n) if RegistryValue::from_name(n).is_none() => self.err(
                        &tp.key("name"),
                        format!(
                            "unknown registry value '{n}', expected one of: {}",
                            list(RegistryValue::ALL.iter().map(|v| v.name()))
                        ),
                    ),
                    Some(_) => {}
                }
                if t.value.is_none() {
                    self.err(&tp.key("action"), "set-registry needs 'value:'".into());
                }
            } else {
                for field in ["name", "value"] {
                    if self.present(&tp.key(field)) {
                        self.err_key(
                            &tp.key(field),
                            format!("'{field}' is only for set-registry"),
                        );
                    }
                }
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
