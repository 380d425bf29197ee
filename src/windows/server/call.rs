//! One call on an RRAS port: its PPP link, who and where it is, and what
//! the port's statistics count for the disconnection event (20272).

use core::time::Duration;
use std::net::Ipv4Addr;

use super::super::carrier::Carrier;
use super::super::rras::TunnelType;
use crate::crypto::cbc::CbcCipher;
use crate::ppp::link::Link;

/// What protects a call's tunnel, as the IPsec driver knows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protection {
    /// L2TP in the clear (ProhibitIpSec=1): PPP negotiates MPPE.
    Clear,
    /// ESP with this cipher (`None`: integrity only).
    Esp(Option<CbcCipher>),
}

#[derive(Clone)]
pub(super) struct ServerCall {
    pub(super) link: Link,
    pub(super) carrier: Carrier,
    /// RRAS port number of the call's tunnel type: "VPN2-<n>" for L2TP,
    /// "VPN1-<n>" for PPTP [MODEL names].
    pub(super) port: u16,
    pub(super) peer: Ipv4Addr,
    /// Our address toward the peer (IAS's NAS-IP-Address).
    pub(super) nas: Ipv4Addr,
    pub(super) protection: Protection,
    pub(super) user: Option<String>,
    pub(super) address: Option<Ipv4Addr>,
    /// When the user was connected (PPP up, 20274 logged): only a call
    /// that connected logs a disconnection.
    pub(super) up_at: Option<Duration>,
    pub(super) traffic: Traffic,
}

/// The port's byte statistics: PPP frames as the port carries them
/// (control and data, without the tunnel's headers) [MODEL: RRAS counts
/// at the port; which headers it includes is not documented].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct Traffic {
    pub(super) sent: u64,
    pub(super) received: u64,
}

impl ServerCall {
    pub(super) fn new(
        link: Link,
        carrier: Carrier,
        port: u16,
        peer: Ipv4Addr,
        nas: Ipv4Addr,
        protection: Protection,
    ) -> Self {
        ServerCall {
            link,
            carrier,
            port,
            peer,
            nas,
            protection,
            user: None,
            address: None,
            up_at: None,
            traffic: Traffic::default(),
        }
    }

    pub(super) fn port_name(&self) -> String {
        match self.carrier.tunnel_type() {
            TunnelType::L2tp => format!("VPN2-{}", self.port),
            TunnelType::Pptp => format!("VPN1-{}", self.port),
        }
    }

    /// The device the port belongs to, as 20272's "tunnel used" names it:
    /// RAS's device names (TechNet, "RAS Connection Establishment",
    /// Server 2008: "Device Name = <WAN MiniPort (L2TP) / WAN MiniPort
    /// (PPTP)>"; the capitalisation Server 2003's Ports view uses is
    /// [MODEL]).
    pub(super) fn device(&self) -> &'static str {
        match self.carrier.tunnel_type() {
            TunnelType::L2tp => "WAN Miniport (L2TP)",
            TunnelType::Pptp => "WAN Miniport (PPTP)",
        }
    }
}
