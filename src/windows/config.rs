//! A Windows machine's configuration, as the harness builds it from a
//! scenario. Plain data: no scenario parsing here.

use std::collections::BTreeMap;
use std::fmt;
use std::net::Ipv4Addr;
use std::str::FromStr;

use serde::Deserialize;

pub use super::connectoid::{ConnectoidEncryption, DialConfig, VpnType};
pub use super::registry::Registry;
pub use super::version::Edition;

use super::rras::{DialIn, Policy};
use super::version::{MmSpec, QmSpec, Update, VendorId};
use crate::crypto::cbc::CbcCipher;
use crate::crypto::integ::IntegAlg;
use crate::net::Subnet;

/// The NIC's IPsec task offload (SCENARIOS.md `nic.ipsec-offload`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NicOffload {
    #[default]
    None,
    Working,
    /// A faulty offload NIC that damages received ESP it decrypts in
    /// hardware (claim A20): the driver then fails the hash check.
    Corrupting,
}

/// A manual IPsec policy assigned by an administrator with the IP
/// Security Policies snap-in (WINDOWS.md 5; used with ProhibitIpSec, KB
/// 240262): one rule securing L2TP (UDP 1701), its offers in order. The
/// lifetimes are the host version's (its row's `ike_offers`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct ManualPolicy {
    pub name: String,
    /// The peer the rule's filter names (`None`: any address).
    #[serde(default)]
    pub peer: Option<Ipv4Addr>,
    pub main_mode: Vec<MmSpec>,
    /// Absent: ESP 3DES with SHA-1 [MODEL: the first security method of
    /// the snap-in's predefined filter actions; no source lists it].
    #[serde(default = "ManualPolicy::default_quick_mode")]
    pub quick_mode: Vec<QmSpec>,
    /// The Vendor IDs the machine sends in its first Main Mode message in
    /// place of its build's, so that a server stands for a third-party
    /// responder (libreswan, a router: `[rfc3947, dpd]`) [MODEL: Windows
    /// has no such setting]; absent = its build's.
    #[serde(default)]
    pub vendor_ids: Option<Vec<VendorId>>,
}

impl ManualPolicy {
    fn default_quick_mode() -> Vec<QmSpec> {
        vec![QmSpec {
            cipher: Some(CbcCipher::TripleDes),
            integ: IntegAlg::HmacSha1_96,
        }]
    }
}

/// A local account on the RRAS server (a scenario's `users:` entry).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct UserAccount {
    pub password: String,
    #[serde(default)]
    pub dial_in: DialIn,
    /// "Account is disabled" in Local Users and Groups: the password is
    /// right, the logon is refused (RAS error 647).
    #[serde(default)]
    pub disabled: bool,
}

/// The WAN Miniport ports RRAS configures per VPN type (`ports:`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Ports {
    #[serde(default = "Ports::default_count")]
    pub l2tp: u16,
    #[serde(default = "Ports::default_count")]
    pub pptp: u16,
}

impl Ports {
    /// L2TP and PPTP ports of a Server 2003 RRAS installed for VPN.
    pub const DEFAULT: u16 = 128;

    fn default_count() -> u16 {
        Ports::DEFAULT
    }
}

impl Default for Ports {
    fn default() -> Self {
        Ports {
            l2tp: Ports::DEFAULT,
            pptp: Ports::DEFAULT,
        }
    }
}

/// What makes a machine an RRAS server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerConfig {
    pub ports: Ports,
    /// Static address pool. The server keeps the first address for its
    /// own end of every link, as RRAS does.
    pub pool: AddressPool,
    pub users: BTreeMap<String, UserAccount>,
    /// Remote access policies, in evaluation order.
    pub policies: Vec<Policy>,
}

impl ServerConfig {
    /// Without a static pool RRAS asks DHCP, and with no DHCP server it
    /// hands out Automatic Private IP addresses (KB 216805, event 20169):
    /// 169.254.0.0/16; the server keeps the first for itself.
    pub const AUTONET_POOL: AddressPool = AddressPool {
        first: Ipv4Addr::new(169, 254, 0, 1),
        last: Ipv4Addr::new(169, 254, 0, 254),
    };
}

/// RRAS's static address pool, both ends included (`address-pool:
/// 10.10.0.100-10.10.0.150`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AddressPool {
    pub first: Ipv4Addr,
    pub last: Ipv4Addr,
}

impl FromStr for AddressPool {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || {
            format!("invalid address pool '{s}': expected first-last, e.g. 10.10.0.100-10.10.0.150")
        };
        let (a, b) = s.trim().split_once('-').ok_or_else(bad)?;
        let first: Ipv4Addr = a.trim().parse().map_err(|_| bad())?;
        let last: Ipv4Addr = b.trim().parse().map_err(|_| bad())?;
        if u32::from(first) > u32::from(last) {
            return Err(format!(
                "invalid address pool '{s}': {first} comes after {last}"
            ));
        }
        Ok(AddressPool { first, last })
    }
}

impl fmt::Display for AddressPool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.first, self.last)
    }
}

impl<'de> Deserialize<'de> for AddressPool {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        crate::values::from_text(d, "an address range such as 10.10.0.100-10.10.0.150")
    }
}

/// The machine certificate in the computer store (claims A2, A10, A11).
#[derive(Debug, Clone)]
pub struct MachineCertificate {
    pub der: Vec<u8>,
    /// `None`: the certificate was imported without its private key.
    pub key: Option<rsa::RsaPrivateKey>,
}

/// What the IPsec components of a machine start from.
#[derive(Debug, Clone)]
pub struct IpsecSettings {
    pub certificate: Option<MachineCertificate>,
    /// Trusted root certificates (DER) and their subject names (DER).
    pub trusted_roots: Vec<Vec<u8>>,
    pub trusted_root_names: Vec<Vec<u8>>,
    /// This machine's clock at t=0, Unix seconds (the scenario's date plus
    /// the host's `clock:`): certificates are validated against it, and
    /// RRAS's 20272 prints its dates from it.
    pub epoch_unix: i64,
    pub policy_agent_running: bool,
    pub offload: NicOffload,
    pub manual_policy: Option<ManualPolicy>,
    /// The pre-shared key IKE authenticates with: the XP SP2 connectoid's,
    /// or RRAS's custom L2TP policy's (WINDOWS.md 6).
    pub preshared_key: Option<String>,
    /// Audit subcategories `auditpol` turned on (success and failure).
    pub audit: Vec<AuditSubcategory>,
}

/// An advanced audit policy subcategory of Vista and later that IKE
/// writes to (`auditpol /set /subcategory:"IPsec Main Mode"
/// /success:enable /failure:enable`); the default policy leaves both off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AuditSubcategory {
    IpsecMainMode,
    IpsecQuickMode,
}

impl Default for IpsecSettings {
    fn default() -> Self {
        IpsecSettings {
            certificate: None,
            trusted_roots: Vec::new(),
            trusted_root_names: Vec::new(),
            epoch_unix: 0,
            policy_agent_running: true,
            offload: NicOffload::None,
            manual_policy: None,
            preshared_key: None,
            audit: Vec::new(),
        }
    }
}

/// Everything a Windows machine needs.
#[derive(Debug, Clone)]
pub struct MachineConfig {
    pub name: String,
    pub edition: Edition,
    /// Interfaces in scenario order: subnet and own address.
    pub interfaces: Vec<(Subnet, Ipv4Addr)>,
    pub gateway: Option<Ipv4Addr>,
    pub registry: Registry,
    pub dial: Option<DialConfig>,
    pub server: Option<ServerConfig>,
    /// Internet Connection Sharing: (inside, outside) interface indices.
    pub ics: Option<(usize, usize)>,
    pub ipsec: IpsecSettings,
    /// The user at the console is a local administrator (SCENARIOS.md,
    /// third round: `administrator:`); only what the diagnostic views
    /// show depends on it.
    pub administrator: bool,
    /// Installed updates that change behaviour (`updates:`).
    pub updates: Vec<Update>,
    /// The scenario seed; the machine derives its own RNG from it and its name.
    pub seed: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pools_need_ordered_ends() {
        let p: AddressPool = "10.10.0.100-10.10.0.150".parse().unwrap();
        assert_eq!(
            (p.first, p.last),
            ([10, 10, 0, 100].into(), [10, 10, 0, 150].into())
        );
        assert_eq!(p.to_string(), "10.10.0.100-10.10.0.150");
        assert!("10.10.0.150-10.10.0.100".parse::<AddressPool>().is_err());
        assert!("10.10.0.150".parse::<AddressPool>().is_err());
        assert!("10.10.0.1-x".parse::<AddressPool>().is_err());
    }
}
