//! A host of the scenario (`hosts:`): its role, interfaces and, for a
//! Windows machine, its services, registry, connectoid, RRAS settings.

use std::fmt;
use std::net::Ipv4Addr;
use std::sync::OnceLock;
use std::time::Duration;

use serde::de::{self, Deserializer};
use serde::Deserialize;

use super::named::NamedMap;
use super::values::dur;
use l2tpsec::net::{EspNat, Forward, GreNat};
use l2tpsec::values::ClockOffset;
use l2tpsec::windows::config::Edition;
use l2tpsec::windows::config::{
    AddressPool, AuditSubcategory, DialConfig, ManualPolicy, NicOffload, Ports, UserAccount,
};
use l2tpsec::windows::registry::RegistryValues;
use l2tpsec::windows::rras::Policy;
use l2tpsec::windows::version::Update;

// --------------------------------------------------------------------- hosts

/// A host's `role`: a Windows machine of one of the library's editions,
/// or a router or NAT of the simulated network.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Windows(Edition),
    Router,
    Nat,
}

/// The roles of the simulated network's own machines.
const NETWORK_ROLES: [(&str, Role); 2] = [("router", Role::Router), ("nat", Role::Nat)];

impl Role {
    /// Every role, by its scenario name: one per Windows version of the
    /// library's table, then the network's.
    fn all() -> impl Iterator<Item = (&'static str, Role)> {
        Edition::roles()
            .map(|e| (e.role(), Role::Windows(e)))
            .chain(NETWORK_ROLES)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Windows(e) => e.role(),
            _ => Role::all().find(|(_, r)| *r == self).map_or("", |(n, _)| n),
        }
    }

    /// A Windows machine that dials.
    pub fn is_client(self) -> bool {
        matches!(self, Role::Windows(e) if !e.profile().rras)
    }

    /// A Windows machine running Routing and Remote Access.
    pub fn is_rras(self) -> bool {
        matches!(self, Role::Windows(e) if e.profile().rras)
    }

    pub fn is_windows(self) -> bool {
        matches!(self, Role::Windows(_))
    }

    pub fn forwards(self) -> bool {
        matches!(self, Role::Router | Role::Nat)
    }
}

impl<'de> Deserialize<'de> for Role {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        // serde's error wants the names for the life of the program.
        static NAMES: OnceLock<Vec<&'static str>> = OnceLock::new();
        let names = NAMES.get_or_init(|| Role::all().map(|(n, _)| n).collect());
        Role::all()
            .find(|(n, _)| *n == name)
            .map(|(_, r)| r)
            .ok_or_else(|| de::Error::unknown_variant(&name, names))
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Host {
    pub role: Role,
    /// Network name -> this host's address on it, in interface order.
    pub interfaces: NamedMap<Ipv4Addr>,
    #[serde(default)]
    pub gateway: Option<Ipv4Addr>,
    /// rras-server only: which Server build (2003 without it; SCENARIOS.md,
    /// third round). The loader puts that build in `role`.
    #[serde(default)]
    pub version: Option<u16>,
    /// Vista and later: audit subcategories turned on with auditpol
    /// (`audit: [ipsec-main-mode, ipsec-quick-mode]`), success and failure.
    #[serde(default)]
    pub audit: Vec<AuditSubcategory>,
    /// Windows 10/11 only: installed updates that change behaviour
    /// (SCENARIOS.md, third round; `version::Update`).
    #[serde(default)]
    pub updates: Vec<Update>,
    /// Machine certificate (name in `pki.certificates`); absent = none.
    #[serde(default)]
    pub certificate: Option<String>,
    /// Trusted roots (names in `pki.authorities`); absent = none trusted.
    #[serde(default)]
    pub trusts: Vec<String>,
    #[serde(default)]
    pub services: Services,
    #[serde(default)]
    pub registry: RegistryValues,
    #[serde(default)]
    pub nic: Nic,
    /// Client only: one connectoid, dialled at `dial.at`.
    #[serde(default)]
    pub dial: Option<DialConfig>,
    /// Windows only: this machine's clock minus the scenario's date
    /// (`clock: -2h`; SCENARIOS.md, third round). Its certificate checks
    /// and its own logs read that clock.
    #[serde(default)]
    pub clock: ClockOffset,
    /// Windows only: the user at the console is a local administrator
    /// (default true); `netdiag /test:ipsec /v /debug` shows the policy
    /// only to one (claim A22).
    #[serde(default = "yes")]
    pub administrator: bool,
    /// Windows only: RAS tracing logs turned on (`--logs` writes them).
    #[serde(default)]
    pub tracing: Vec<TraceLog>,
    /// NAT only (required there).
    #[serde(default)]
    pub nat: Option<NatConfig>,
    /// RRAS only.
    #[serde(default)]
    pub ports: Ports,
    /// RRAS only: addresses handed to dial-in clients.
    #[serde(default)]
    pub address_pool: Option<AddressPool>,
    /// RRAS only: local accounts.
    #[serde(default)]
    pub users: NamedMap<UserAccount>,
    /// RRAS only: remote access policies in order; absent = the Server 2003
    /// default policy (`rras::Policy::server_2003_default`).
    #[serde(default)]
    pub policies: Option<Vec<Policy>>,
    /// Windows only: a manual IPsec policy assigned with the IP Security
    /// Policies snap-in (used with ProhibitIpSec: 1, KB 240262).
    #[serde(default)]
    pub ipsec_policy: Option<ManualPolicy>,
    /// rras-server only: "Allow custom IPSec policy for L2TP connection"
    /// with this pre-shared key (WINDOWS.md 6).
    #[serde(default)]
    pub l2tp_preshared_key: Option<String>,
}

impl Host {
    /// All IPv4 addresses of this host's interfaces, in interface order.
    pub fn addresses(&self) -> Vec<Ipv4Addr> {
        self.interfaces.iter().map(|(_, a)| *a).collect()
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ServiceState {
    #[default]
    Running,
    Stopped,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Services {
    /// IPSec Policy Agent (PolicyAgent).
    #[serde(default)]
    pub policy_agent: ServiceState,
}

/// A RAS tracing log `netsh ras set tracing <name> enabled` turns on,
/// written to %windir%\tracing\<NAME>.LOG (`--logs`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TraceLog {
    Ppp,
    Rasman,
}

impl TraceLog {
    pub fn file_name(self) -> &'static str {
        match self {
            TraceLog::Ppp => "PPP.LOG",
            TraceLog::Rasman => "RASMAN.LOG",
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Nic {
    #[serde(default)]
    pub ipsec_offload: NicOffload,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct NatConfig {
    /// Network names (the host must have interfaces on both).
    pub inside: String,
    pub outside: String,
    /// Defaults to `translate` (SCENARIOS.md, second round).
    #[serde(default = "default_esp")]
    pub esp: EspNat,
    /// An idle UDP mapping is forgotten after this (SCENARIOS.md, second
    /// round); nat hosts only.
    #[serde(default = "default_udp_timeout", with = "dur")]
    pub udp_timeout: Duration,
    /// GRE (PPTP's data): translate (default) | pptp-helper | drop; nat
    /// hosts only.
    #[serde(default)]
    pub gre: GreNat,
    /// A new mapping keeps the inside port when free (RFC 4787 4.2.1);
    /// false: ports are handed out in turn from 1024. Nat hosts only.
    #[serde(default = "yes")]
    pub port_preservation: bool,
    /// Static port forwarding to inside hosts; nat hosts only.
    #[serde(default)]
    pub forward: Vec<Forward<String>>,
}

fn default_esp() -> EspNat {
    EspNat::Translate
}

fn yes() -> bool {
    true
}

fn default_udp_timeout() -> Duration {
    Duration::from_secs(60)
}
