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
pub use crate::scenario::values::{CmpOp, Count, Date, HostList, Subnet, WireProtocol};
pub use l2tpsec::crypto::pki::{AuthoritySpec, CertificateSpec};
pub use l2tpsec::crypto::{cbc::CbcCipher, ike_keys::PrfHash, integ::IntegAlg};
pub use l2tpsec::net::{
    CorruptAfter, EspNat, FaultAction, Forward, GreNat, PacketMatch, ProtoMatch as MatchProtocol,
};
pub use l2tpsec::windows::catalog::Locale;
pub use l2tpsec::windows::config::Edition;
pub use l2tpsec::windows::config::{
    ConnectoidEncryption, DialConfig, NicOffload, Ports, UserAccount, VpnType,
};
pub use l2tpsec::windows::eventlog::Log as LogName;
pub use l2tpsec::windows::machine::{Command, Service};
pub use l2tpsec::windows::registry::{RegistryValue, RegistryValues};
pub use l2tpsec::windows::rras::{
    AuthMethod, Conditions, DialIn, EncryptionLevel, Permission, Policy, Profile, TunnelType,
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

impl Scenario {
    /// Puts the build a server's `version:` names in its role; a version
    /// the table lacks stays for `validate` to report.
    pub fn resolve_server_versions(&mut self) {
        for (_, host) in &mut self.hosts.0 {
            if let (Some(v), Role::Windows(e)) = (host.version, host.role) {
                if let Some(build) = Edition::server(e.role(), v) {
                    host.role = Role::Windows(build);
                }
            }
        }
    }
}

// ----------------------------------------------------------------------- PKI

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Pki {
    /// Self-signed roots.
    #[serde(default)]
    pub authorities: NamedMap<AuthoritySpec>,
    #[serde(default)]
    pub certificates: NamedMap<CertificateSpec>,
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

/// A fault: where, which packets (by host name), and the library's action
/// with its own fields beside `at` and `match` (`action: delay, by: 200ms`).
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Fault {
    /// A network (segment) or a router/nat host.
    pub at: String,
    #[serde(default, rename = "match")]
    pub matcher: PacketMatch<HostList>,
    #[serde(flatten)]
    pub action: FaultAction,
    #[serde(default = "probability_one")]
    pub probability: f64,
    #[serde(default, with = "dur::window")]
    pub active: Option<(Duration, Duration)>,
}

// ------------------------------------------------------------------ timeline

/// A timeline entry: when, on which host, and the library's command with
/// its own fields (`action: set-registry, name: EnableOffload, value: 0`).
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct TimelineAction {
    #[serde(with = "dur")]
    pub at: Duration,
    pub host: String,
    #[serde(flatten)]
    pub command: Command,
}
