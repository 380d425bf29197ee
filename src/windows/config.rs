//! A Windows machine's configuration, as the harness builds it from a
//! scenario. Plain data: no scenario parsing here.

use core::time::Duration;
use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use serde::Deserialize;

use super::rras::{DialIn, Policy};
use crate::ike::{MmOffer, QmOffer};
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

/// A manual IPsec policy assigned by an administrator (WINDOWS.md 5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManualPolicy {
    pub name: String,
    /// The peer the rule's filter names (`None`: any address).
    pub peer: Option<Ipv4Addr>,
    pub mm_offers: Vec<MmOffer>,
    pub qm_offers: Vec<QmOffer>,
}

/// The role of a Windows machine in the lab (SCENARIOS.md `role`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edition {
    /// Windows XP (RTM/SP1): no NAT-T.
    XpClient,
    /// Windows XP SP2: NAT-T (RFC 3947/3948).
    XpSp2Client,
    /// Windows Server 2003 running Routing and Remote Access.
    RrasServer,
}

/// Registry values the model reads (WINDOWS.md 5, "Registry").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Registry {
    /// Rasman\Parameters\ProhibitIpSec: 1 = no automatic L2TP IPsec policy.
    pub prohibit_ipsec: u32,
    /// IPSEC\EnableOffload: 0 disables NIC IPsec offload.
    pub enable_offload: u32,
    /// IPSec\AssumeUDPEncapsulationContextOnSendRule (XP SP2).
    pub assume_udp_encapsulation: u32,
    /// RasMan\PPP\NegotiateTime, seconds; 0 = no limit (WINDOWS.md 8).
    pub negotiate_time: u32,
}

impl Registry {
    /// Windows' defaults (WINDOWS.md 5 and 8): NegotiateTime 150 s.
    pub const WINDOWS_DEFAULT: Registry = Registry {
        prohibit_ipsec: 0,
        enable_offload: 1,
        assume_udp_encapsulation: 0,
        negotiate_time: 150,
    };

    /// How long PPP may negotiate; `None` when NegotiateTime is 0.
    pub fn ppp_negotiate_time(&self) -> Option<Duration> {
        (self.negotiate_time > 0).then(|| Duration::from_secs(u64::from(self.negotiate_time)))
    }

    /// Sets a value by its registry name; false for a name the model
    /// does not read.
    pub fn set(&mut self, name: &str, value: u32) -> bool {
        let slot = match name {
            "ProhibitIpSec" => &mut self.prohibit_ipsec,
            "EnableOffload" => &mut self.enable_offload,
            "AssumeUDPEncapsulationContextOnSendRule" => &mut self.assume_udp_encapsulation,
            "NegotiateTime" => &mut self.negotiate_time,
            _ => return false,
        };
        *slot = value;
        true
    }
}

impl Default for Registry {
    fn default() -> Self {
        Registry::WINDOWS_DEFAULT
    }
}

/// Connectoid type (the "Type of VPN" setting); scenarios name it `type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum VpnType {
    #[default]
    L2tp,
    Pptp,
    Automatic,
}

/// Connectoid "Data encryption" setting; XP's default is "Require
/// encryption".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ConnectoidEncryption {
    /// "No encryption allowed".
    None,
    /// "Optional encryption".
    Optional,
    /// "Require encryption".
    #[default]
    Require,
    /// "Maximum strength encryption".
    RequireMax,
}

/// One connectoid, dialled at `at`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DialConfig {
    pub at: Duration,
    pub server: Ipv4Addr,
    pub vpn_type: VpnType,
    pub username: String,
    pub password: String,
    pub encryption: ConnectoidEncryption,
}

/// A local account on the RRAS server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserAccount {
    pub password: String,
    pub dial_in: DialIn,
}

/// What makes a machine an RRAS server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerConfig {
    pub l2tp_ports: u16,
    pub pptp_ports: u16,
    /// Static address pool, inclusive. The server keeps the first address
    /// for its own end of every link, as RRAS does.
    pub pool: (Ipv4Addr, Ipv4Addr),
    pub users: BTreeMap<String, UserAccount>,
    /// Remote access policies, in evaluation order.
    pub policies: Vec<Policy>,
}

impl ServerConfig {
    /// L2TP and PPTP ports of a Server 2003 RRAS installed for VPN.
    pub const DEFAULT_PORTS: u16 = 128;
    /// Without a static pool RRAS asks DHCP, and with no DHCP server it
    /// hands out Automatic Private IP addresses (KB 216805, event 20169):
    /// 169.254.0.0/16; the server keeps the first for itself.
    pub const AUTONET_POOL: (Ipv4Addr, Ipv4Addr) = (
        Ipv4Addr::new(169, 254, 0, 1),
        Ipv4Addr::new(169, 254, 0, 254),
    );
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
    /// The scenario date: certificate validation time at t=0.
    pub epoch_unix: i64,
    pub policy_agent_running: bool,
    pub offload: NicOffload,
    pub manual_policy: Option<ManualPolicy>,
    /// The pre-shared key IKE authenticates with: the XP SP2 connectoid's,
    /// or RRAS's custom L2TP policy's (WINDOWS.md 6).
    pub preshared_key: Option<String>,
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
    /// The scenario seed; the machine derives its own RNG from it and its name.
    pub seed: u64,
}
