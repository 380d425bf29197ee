//! The connectoid: what the user set up to dial (the "Type of VPN" and
//! "Data encryption" settings) and one dial of it.

use core::time::Duration;
use std::net::Ipv4Addr;

use serde::Deserialize;

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
