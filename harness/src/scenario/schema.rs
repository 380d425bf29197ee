//! The scenario file, typed (SCENARIOS.md "Scenario YAML"). Field names are
//! kebab-case; unknown fields are errors; every default is Windows' default
//! (SCENARIOS.md "Rules"). Maps of named things keep the file's order
//! (`NamedMap`): the order of `interfaces` is the interface index.

use std::time::Duration;

use serde::Deserialize;

pub use super::expectations::*;
pub use super::host::*;
pub use super::named::NamedMap;
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
