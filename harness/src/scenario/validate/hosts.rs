//! The checks of each host: its interfaces, the fields its role takes,
//! its NAT's forwards.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use super::{list, roles_where, Checker};
use crate::scenario::node::{Loc, Path};
use crate::scenario::schema::{Host, RegistryValue, Role};
use l2tpsec::windows::config::Edition;
use l2tpsec::windows::registry::RegistryRefusal;

impl Checker<'_> {
    pub(super) fn hosts(&mut self) {
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
                } else if !s
                    .hosts
                    .iter()
                    .any(|(n, h)| n != hname && h.addresses().contains(&gw))
                {
                    // A reference by address: to a host the scenario
                    // removed (`gw: null`), or never had.
                    self.err(
                        &hp.key("gateway"),
                        format!(
                            "gateway {gw} of {hname} is no host's address (hosts: {})",
                            list(s.hosts.keys())
                        ),
                    );
                }
            }
            self.role_fields(hname, host, &hp);
            if let (Some(v), Role::Windows(e)) = (host.version, host.role) {
                let versions = Edition::server_versions(e.role());
                if e.profile().rras && !versions.contains(&v) {
                    let names: Vec<String> = versions.iter().map(u16::to_string).collect();
                    self.err(
                        &hp.key("version"),
                        format!(
                            "{hname} has no {} build {v} (versions: {})",
                            e.role(),
                            names.join(", ")
                        ),
                    );
                }
            }
            for (i, u) in host.updates.iter().enumerate() {
                if !matches!(host.role, Role::Windows(e) if e.role() == u.role()) {
                    self.err(
                        &hp.key("updates").index(i),
                        format!(
                            "update {} of {hname} is for {}, not {}",
                            u.name(),
                            u.role(),
                            host.role
                        ),
                    );
                }
            }
            if !host.audit.is_empty()
                && !matches!(host.role, Role::Windows(e) if e.profile().subcategory_audits)
            {
                self.err(
                    &hp.key("audit"),
                    format!(
                        "'audit' turns on the IPsec audit subcategories of Vista and later; \
                         {hname} is a {}, which has none (XP and Server 2003 write 541-547 \
                         without it)",
                        host.role
                    ),
                );
            }
            for (&value, &data) in &host.registry.0 {
                let p = hp.key("registry").key(value.name());
                let at = (self.tree.locate_key(&p), self.tree.locate(&p));
                self.registry_value(hname, host.role, value, data, at);
            }
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

    /// Whether `host`'s Windows build has `value` and takes `data` in it
    /// (its row of the library's version table); `at` locates the name
    /// and the data. Not a Windows host: `role_fields` says so.
    pub(super) fn registry_value(
        &mut self,
        hname: &str,
        role: Role,
        value: RegistryValue,
        data: u32,
        at: (Loc, Loc),
    ) {
        let Role::Windows(edition) = role else {
            return;
        };
        let name = value.name();
        match edition.profile().registry_accepts(value, data) {
            Ok(()) => {}
            Err(RegistryRefusal::Absent) => {
                // Vista and later have no oakley.log: IKE traces to ETW
                // (docs/logs.md), and what it logs for a reader is the
                // audit subcategories.
                let successor = if value == RegistryValue::EnableLogging
                    && edition.profile().subcategory_audits
                {
                    "; from Vista on IKE writes no oakley.log: `audit: [ipsec-main-mode, \
                     ipsec-quick-mode]` turns on what it logs"
                } else {
                    ""
                };
                self.out.push((
                    at.0,
                    format!(
                        "{name} does not exist on {hname}, a {role} host (only on {}){successor}",
                        roles_where(|p| p.registry_values.contains(&value))
                    ),
                ))
            }
            Err(RegistryRefusal::OutOfRange(range)) => self.out.push((
                at.1,
                format!(
                    "{name} = {data} is out of range on {hname} (allowed {}-{})",
                    range.start(),
                    range.end()
                ),
            )),
        }
    }

    /// Fields that only some roles take (presence read from the tree, so a
    /// default value never counts).
    fn role_fields(&mut self, hname: &str, host: &Host, hp: &Path) {
        let windows = roles_where(|_| true);
        let clients = roles_where(|p| !p.rras);
        let rras = roles_where(|p| p.rras);
        let (windows, clients) = (windows.as_str(), clients.as_str());
        let rules: [(&str, bool, &str); 15] = [
            ("version", host.role.is_rras(), &rras),
            ("certificate", host.role.is_windows(), windows),
            ("clock", host.role.is_windows(), windows),
            ("administrator", host.role.is_windows(), windows),
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

    /// `nat.forward`: nat hosts only; `to` a host on the inside network;
    /// each thing forwarded once (a port for UDP and TCP and none for ESP
    /// and GRE is the library's `Forward` shape).
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
            if let Some(first) = seen.insert(rule.what(), i) {
                self.err(
                    &rp,
                    format!("forwards the same thing as {}", fp.index(first)),
                );
            }
            let to = rp.key("to");
            if let Some(target) = self.host_ref(&to, rule.to()) {
                if !target.interfaces.contains(&nat.inside) {
                    self.err(
                        &to,
                        format!(
                            "'{}' has no interface on {hname}'s inside network '{}'",
                            rule.to(),
                            nat.inside
                        ),
                    );
                }
            }
        }
    }
}
