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

/// One connectoid, dialled at `at` (a scenario host's `dial:`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct DialConfig {
    #[serde(with = "crate::values::dur")]
    pub at: Duration,
    pub server: Ipv4Addr,
    #[serde(default, rename = "type")]
    pub vpn_type: VpnType,
    pub username: String,
    pub password: String,
    #[serde(default)]
    pub encryption: ConnectoidEncryption,
    /// "Use pre-shared key for authentication" (XP SP2 on, WINDOWS.md 6):
    /// IKE authenticates with this key instead of the machine certificate.
    #[serde(default)]
    pub preshared_key: Option<String>,
}
