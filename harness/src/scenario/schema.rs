//! The scenario file, typed (SCENARIOS.md "Scenario YAML"). Field names are
//! kebab-case; unknown fields are errors; every default is Windows' default
//! (SCENARIOS.md "Rules"). Maps of named things keep the file's order
//! (`NamedMap`): the order of `interfaces` is the interface index.

use std::fmt;
use std::net::Ipv4Addr;
use std::sync::OnceLock;
use std::time::Duration;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};

use crate::scenario::values::dur;
pub use crate::scenario::values::{
    AddressPool, CmpOp, Count, Date, HostList, Subnet, WireProtocol,
};
pub use l2tpsec::crypto::{cbc::CbcCipher, ike_keys::PrfHash, integ::IntegAlg};
pub use l2tpsec::net::{CorruptAfter, EspNat, GreNat, ProtoMatch as MatchProtocol};
pub use l2tpsec::windows::catalog::Locale;
pub use l2tpsec::windows::config::Edition;
pub use l2tpsec::windows::config::{ConnectoidEncryption, NicOffload, VpnType};
pub use l2tpsec::windows::eventlog::Log as LogName;
pub use l2tpsec::windows::registry::{RegistryValue, RegistryValues};
pub use l2tpsec::windows::rras::{
    AuthMethod, Conditions, DialIn, EncryptionLevel, Permission, Profile, TunnelType,
};

/// A map from names to values in file order (names are unique: the YAML
/// parser rejects duplicate keys).
#[derive(Clone, Debug, PartialEq)]
pub struct NamedMap<V>(pub Vec<(String, V)>);

impl<V> Default for NamedMap<V> {
    fn default() -> Self {
        NamedMap(Vec::new())
    }
}

impl<V> NamedMap<V> {
    pub fn get(&self, name: &str) -> Option<&V> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v)
    }
    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }
    pub fn position(&self, name: &str) -> Option<usize> {
        self.0.iter().position(|(k, _)| k == name)
    }
    pub fn iter(&self) -> impl Iterator<Item = (&str, &V)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v))
    }
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|(k, _)| k.as_str())
    }
    pub fn len(&self) -> usize {
        self.0.len()
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<'de, V: Deserialize<'de>> Deserialize<'de> for NamedMap<V> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Vis<V>(std::marker::PhantomData<V>);
        impl<'de, V: Deserialize<'de>> Visitor<'de> for Vis<V> {
            type Value = NamedMap<V>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map of names")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<NamedMap<V>, A::Error> {
                let mut out: Vec<(String, V)> = Vec::new();
                while let Some(k) = m.next_key::<String>()? {
                    if out.iter().any(|(n, _)| *n == k) {
                        return Err(de::Error::custom(format!("duplicate name '{k}'")));
                    }
                    let v = m.next_value()?;
                    out.push((k, v));
                }
                Ok(NamedMap(out))
            }
        }
        d.deserialize_map(Vis(std::marker::PhantomData))
    }
}

fn one() -> u64 {
    1
}
fn default_duration() -> Duration {
    Duration::from_secs(300)
}
fn default_latency() -> Duration {
    Duration::from_millis(1)
}
fn yes() -> bool {
    true
}
fn probability_one() -> f64 {
    1.0
}

/// A whole scenario, after `base:` has been merged in.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Scenario {
    /// The file name without `.yaml` (absent: taken from the file name).
    pub name: String,
    #[serde(default)]
    pub title: String,
    /// The paragraph of the article this scenario reproduces.
    #[serde(default)]
    pub article: Option<String>,
    /// What a support engineer should check or change when this is the
    /// cause, per locale (`diagnose` shows it; SCENARIOS.md, additions).
    #[serde(default)]
    pub check: std::collections::BTreeMap<Locale, String>,
    #[serde(default)]
    pub base: Option<String>,
    #[serde(default = "one")]
    pub seed: u64,
    /// Simulated wall clock at t=0 (default 2007-04-23T10:00:00Z).
    #[serde(default)]
    pub date: Date,
    #[serde(default)]
    pub locale: Locale,
    /// Simulated time limit (default 300s).
    #[serde(default = "default_duration", with = "dur")]
    pub duration: Duration,
    #[serde(default)]
    pub pki: Pki,
    #[serde(default)]
    pub networks: NamedMap<Network>,
    #[serde(default)]
    pub hosts: NamedMap<Host>,
    #[serde(default)]
    pub faults: Vec<Fault>,
    #[serde(default)]
    pub timeline: Vec<TimelineAction>,
    #[serde(default)]
    pub expect: Expect,
}

// ----------------------------------------------------------------------- PKI

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Pki {
    /// Self-signed roots.
    #[serde(default)]
    pub authorities: NamedMap<Authority>,
    #[serde(default)]
    pub certificates: NamedMap<Certificate>,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Authority {
    pub subject: String,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Certificate {
    /// Name of the issuing entry in `pki.authorities`.
    pub authority: String,
    pub subject: String,
    /// Absent: the runner picks a validity around `date`.
    #[serde(default)]
    pub not_before: Option<Date>,
    #[serde(default)]
    pub not_after: Option<Date>,
    /// false: the certificate is installed without its private key.
    #[serde(default = "yes")]
    pub private_key: bool,
}

// ------------------------------------------------------------------ networks

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Network {
    pub subnet: Subnet,
    /// One-way delay on the segment (default 1ms).
    #[serde(default = "default_latency", with = "dur")]
    pub latency: Duration,
}

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
        Edition::all()
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
    pub dial: Option<Dial>,
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
    pub users: NamedMap<User>,
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

/// A manual IPsec policy: one rule securing L2TP (UDP 1701) with its main
/// mode and quick mode offers, in order.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct ManualPolicy {
    pub name: String,
    /// The peer address the rule's filter names; absent = any address.
    #[serde(default)]
    pub peer: Option<Ipv4Addr>,
    pub main_mode: Vec<MainModeOffer>,
    #[serde(default = "default_quick_mode")]
    pub quick_mode: Vec<QuickModeOffer>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct MainModeOffer {
    pub encryption: CbcCipher,
    pub hash: PrfHash,
    /// Diffie-Hellman group: 1, 2 or 14.
    pub group: u16,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct QuickModeOffer {
    pub encryption: CbcCipher,
    pub integrity: IntegAlg,
}

fn default_quick_mode() -> Vec<QuickModeOffer> {
    vec![QuickModeOffer {
        encryption: CbcCipher::TripleDes,
        integrity: IntegAlg::HmacSha1_96,
    }]
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

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ServiceName {
    PolicyAgent,
}

impl ServiceName {
    pub fn as_str(self) -> &'static str {
        match self {
            ServiceName::PolicyAgent => "policy-agent",
        }
    }
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
pub struct Dial {
    #[serde(with = "dur")]
    pub at: Duration,
    pub server: Ipv4Addr,
    #[serde(default, rename = "type")]
    pub kind: VpnType,
    pub username: String,
    pub password: String,
    #[serde(default)]
    pub encryption: ConnectoidEncryption,
    /// XP SP2 only: IKE authenticates with this key instead of the machine
    /// certificate ("use pre-shared key for authentication", WINDOWS.md 6).
    #[serde(default)]
    pub preshared_key: Option<String>,
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
    pub forward: Vec<ForwardRule>,
}

fn default_esp() -> EspNat {
    EspNat::Translate
}

/// What a `forward` rule forwards.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ForwardProtocol {
    Udp,
    Tcp,
    Esp,
    Gre,
}

/// `{protocol: udp, port: 500, to: server}`: what arrives on the outside
/// address goes to the inside host `to` (SCENARIOS.md, second round).
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct ForwardRule {
    pub protocol: ForwardProtocol,
    /// UDP and TCP only.
    #[serde(default)]
    pub port: Option<u16>,
    pub to: String,
}

fn default_udp_timeout() -> Duration {
    Duration::from_secs(60)
}

fn ports_default() -> u16 {
    l2tpsec::windows::config::ServerConfig::DEFAULT_PORTS
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Ports {
    #[serde(default = "ports_default")]
    pub l2tp: u16,
    #[serde(default = "ports_default")]
    pub pptp: u16,
}

impl Default for Ports {
    fn default() -> Self {
        Ports {
            l2tp: ports_default(),
            pptp: ports_default(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct User {
    pub password: String,
    #[serde(default)]
    pub dial_in: DialIn,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Policy {
    pub name: String,
    #[serde(default)]
    pub conditions: Conditions,
    pub permission: Permission,
    #[serde(default)]
    pub profile: Profile,
}

// -------------------------------------------------------------------- faults

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FaultActionKind {
    Drop,
    Corrupt,
    Delay,
    Duplicate,
}

/// A fault's action with its parameters (built from the flat YAML fields).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultAction {
    Drop,
    Corrupt { after: CorruptAfter },
    Delay(Duration),
    Duplicate,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct PacketMatch {
    #[serde(default)]
    pub protocol: Option<MatchProtocol>,
    /// Either side.
    #[serde(default)]
    pub port: Option<u16>,
    #[serde(default)]
    pub src_port: Option<u16>,
    #[serde(default)]
    pub dst_port: Option<u16>,
    /// Host names; empty = any.
    #[serde(default)]
    pub from: HostList,
    #[serde(default)]
    pub toward: HostList,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Fault {
    /// A network (segment) or a router/nat host.
    pub at: String,
    #[serde(default, rename = "match")]
    pub matcher: PacketMatch,
    pub action: FaultActionKind,
    /// corrupt only (default ip).
    #[serde(default)]
    pub after: Option<CorruptAfter>,
    /// delay only (required there).
    #[serde(default, with = "dur::option")]
    pub by: Option<Duration>,
    #[serde(default = "probability_one")]
    pub probability: f64,
    #[serde(default, with = "dur::window")]
    pub active: Option<(Duration, Duration)>,
}

impl Fault {
    /// The action with its parameters; validation guarantees `by` for delay.
    pub fn action(&self) -> FaultAction {
        match self.action {
            FaultActionKind::Drop => FaultAction::Drop,
            FaultActionKind::Corrupt => FaultAction::Corrupt {
                after: self.after.unwrap_or_default(),
            },
            FaultActionKind::Delay => FaultAction::Delay(self.by.unwrap_or_default()),
            FaultActionKind::Duplicate => FaultAction::Duplicate,
        }
    }
}

// ------------------------------------------------------------------ timeline

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TimelineKind {
    StopService,
    StartService,
    /// Dial the host's connectoid (again).
    Dial,
    HangUp,
    /// Set a registry value (`name`, `value`), e.g. EnableOffload=0.
    SetRegistry,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct TimelineAction {
    #[serde(with = "dur")]
    pub at: Duration,
    pub host: String,
    pub action: TimelineKind,
    /// stop-service / start-service.
    #[serde(default)]
    pub service: Option<ServiceName>,
    /// set-registry: the value name as in `registry:`.
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub value: Option<u32>,
}

// -------------------------------------------------------------------- expect

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Expect {
    #[serde(default)]
    pub dials: Vec<DialExpect>,
    #[serde(default)]
    pub events: Vec<EventExpect>,
    #[serde(default)]
    pub no_events: Vec<EventExpect>,
    #[serde(default)]
    pub packets: Vec<PacketExpect>,
    #[serde(default)]
    pub monitor: Vec<MonitorExpect>,
}

impl Expect {
    pub fn is_empty(&self) -> bool {
        self.dials.is_empty()
            && self.events.is_empty()
            && self.no_events.is_empty()
            && self.packets.is_empty()
            && self.monitor.is_empty()
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct DialExpect {
    pub host: String,
    #[serde(default)]
    pub connected: Option<bool>,
    /// RAS error code.
    #[serde(default)]
    pub error: Option<u32>,
    /// Substring of the rendered error message.
    #[serde(default)]
    pub message: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct EventExpect {
    pub host: String,
    #[serde(default)]
    pub log: Option<LogName>,
    #[serde(default)]
    pub id: Option<u32>,
    /// Substring of the rendered message.
    #[serde(default)]
    pub contains: Option<String>,
    /// How many matching entries (events only; default: at least one).
    #[serde(default)]
    pub count: Option<Count>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Direction {
    In,
    Out,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::In => "in",
            Direction::Out => "out",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct PacketExpect {
    /// Whose captures are counted.
    pub host: String,
    #[serde(default)]
    pub protocol: Option<WireProtocol>,
    /// Host names: source / destination address is one of that host's.
    #[serde(default)]
    pub from: Option<String>,
    #[serde(default)]
    pub to: Option<String>,
    #[serde(default)]
    pub direction: Option<Direction>,
    /// Interface (network) name.
    #[serde(default)]
    pub interface: Option<String>,
    /// Substring of the packet's summary, e.g. "SCCRQ", "MPPE".
    #[serde(default)]
    pub summary: Option<String>,
    /// Default ">= 1".
    #[serde(default)]
    pub count: Count,
}

/// The pseudo-counter of `expect.monitor`: how many SAs IP Security
/// Monitor lists for the host.
pub const OUTBOUND_SAS: &str = "outbound-sas";

/// Every name `expect.monitor[].counter` accepts: `outbound-sas`, then the
/// counters the library's IP Security Monitor keeps.
pub fn monitor_counter_names() -> impl Iterator<Item = &'static str> {
    std::iter::once(OUTBOUND_SAS).chain(l2tpsec::windows::monitor::COUNTERS.iter().copied())
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct MonitorExpect {
    pub host: String,
    /// A counter name, or `outbound-sas`: how many SAs the snap-in lists.
    pub counter: String,
    /// A number or a comparison ("> 0").
    pub value: Count,
}
