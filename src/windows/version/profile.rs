//! The shape of a row: what a Windows build says of itself and does by
//! default, grouped by the layer that reads it. The values are in `rows`.

use core::time::Duration;

use super::super::catalog::MessageTable;
use super::super::connectoid::ConnectoidEncryption;
use super::super::errors::RasErrors;
use super::super::registry::{Registry, RegistryRefusal, RegistryValue};
use super::super::rras::TunnelType;
use crate::crypto::cbc::CbcCipher;
use crate::crypto::dh::DhGroup;
use crate::crypto::ike_keys::PrfHash;
use crate::crypto::integ::IntegAlg;
use crate::ike::{GarbledReply, MmAttributeOrder};
use crate::ppp::Encryption;
use serde::Deserialize;

/// What a build says of itself and does by default.
#[derive(Debug)]
pub struct Profile {
    /// The scenario's `role` for a machine of this build (SCENARIOS.md).
    pub role: &'static str,
    /// Runs Routing and Remote Access and answers calls; a client dials.
    pub rras: bool,
    /// A server build's `version:` (2003, 2016, 2022); none for a client.
    pub server_version: Option<u16>,
    /// Where its RAS error texts come from.
    pub messages: MessageTable,
    pub ike: IkeIdentity,
    /// The offers and lifetimes of the L2TP policies (and the lifetimes a
    /// manual policy gets).
    pub ike_offers: IkeOffers,
    /// The registry values the model reads, as the build installs them.
    pub registry: Registry,
    /// The values the build has at all (each value's data range is
    /// `RegistryValue::range`).
    pub registry_values: &'static [RegistryValue],
    pub l2tp: L2tpIdentity,
    pub pptp: PptpIdentity,
    pub ppp: PppDefaults,
    /// The IP TTL of what the host sends.
    pub ttl: u8,
    /// The connectoid can carry a pre-shared key ("Use pre-shared key for
    /// authentication", WINDOWS.md 6).
    pub connectoid_preshared_key: bool,
    /// The Automatic connectoid: which tunnels, in which order.
    pub automatic: Automatic,
    /// The RAS error a client shows (or a server sends) for each failure
    /// class.
    pub ras_errors: RasErrors,
    /// The Security log's IKE audits; `None`: the build's default audit
    /// policy writes none (Vista and later, WINDOWS.md 10).
    pub ike_audits: Option<IkeAudits>,
    /// The IPsec audit subcategories of Vista and later (4650-4655, 5451,
    /// 5452), written when the host's audit policy turns them on.
    pub subcategory_audits: bool,
    /// The System log entries RRAS and IAS write.
    pub rras_events: RrasEvents,
    /// Windows `ping`, the test traffic once connected.
    pub ping: PingIdentity,
    /// The commands that show its IPsec state.
    pub diagnostic_commands: DiagnosticCommands,
}

/// What a build has to show IPsec at the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiagnosticCommands {
    /// XP's and Server 2003's: `netdiag /test:ipsec` (Support Tools) and
    /// `netsh int ip show offload`.
    Netdiag,
    /// From Vista on: `netsh advfirewall monitor show mmsa` and `qmsa`
    /// (KB 949856).
    Advfirewall,
}

impl Profile {
    /// Whether this build takes `data` in `value` (`registry:`,
    /// `set-registry`).
    pub fn registry_accepts(&self, value: RegistryValue, data: u32) -> Result<(), RegistryRefusal> {
        if !self.registry_values.contains(&value) {
            return Err(RegistryRefusal::Absent);
        }
        let range = value.range();
        if range.contains(&data) {
            Ok(())
        } else {
            Err(RegistryRefusal::OutOfRange(range))
        }
    }
}

/// How IKE presents itself and what of NAT-T it speaks.
#[derive(Debug)]
pub struct IkeIdentity {
    /// The Vendor IDs of its first Main Mode message, in order.
    pub vendor_ids: &'static [VendorId],
    pub nat_t: NatTSupport,
    /// How its Main Mode transforms lay out their attributes.
    pub mm_attribute_order: MmAttributeOrder,
    /// What an answer to MM5 it cannot open does.
    pub garbled_reply: GarbledReply,
}

/// A Vendor ID payload (RFC 2408 3.16; the values are
/// `windows::ipsec::offers`'; names as libreswan's vendorid.c and
/// ike-scan's ike-vendor-ids give them, WINDOWS.md 10): those Windows
/// sends, then three of other vendors' that a scenario's responder may
/// send in their place (`ipsec-policy: vendor-ids:`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum VendorId {
    /// MD5("MS NT5 ISAKMPOAKLEY") and a 4-byte version: 3 XP RTM/SP1, 4
    /// XP SP2 and Server 2003, 5 Vista, 6 Server 2008, 7 Windows 7, 8
    /// Server 2008 R2, 9 Windows 8 to 11 and Server 2012 R2 to 2016.
    MsNt5(u32),
    /// Microsoft's key-module id and a 4-byte module (1 in the Windows 10
    /// capture of IKEv1, WINDOWS.md 10).
    KeyMods(u32),
    /// MD5("RFC 3947").
    Rfc3947,
    /// MD5("draft-ietf-ipsec-nat-t-ike-02\n").
    NatTDraft02,
    /// MD5("FRAGMENTATION").
    Fragmentation,
    /// "MS-Negotiation Discovery Capable".
    NegotiationDiscovery,
    /// MD5("Vid-Initial-Contact").
    InitialContact,
    /// MD5("IKE CGA version 1").
    Cga,
    /// Dead Peer Detection 1.0 (RFC 3706), which libreswan, strongSwan
    /// and most routers send.
    Dpd,
    /// draft-ietf-ipsra-isakmp-xauth (Cisco's XAUTH).
    Xauth,
    /// Cisco Unity 1.0.
    CiscoUnity,
}

/// NAT traversal (RFC 3947/3948) as a build has it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NatTSupport {
    /// No NAT-T (XP RTM/SP1): no NAT-T Vendor ID, no NAT-D.
    None,
    /// NAT-T with peers behind a NAT whatever the registry says (Server
    /// 2003 has no AssumeUDPEncapsulationContextOnSendRule, KB 885407).
    Always,
    /// NAT-T within what AssumeUDPEncapsulationContextOnSendRule allows
    /// (XP SP2, KB 885407).
    ByRegistry,
}

/// One Main Mode proposal of a policy, without its authentication method
/// and lifetime (the policy and the row give those). A manual policy's
/// `main-mode` entries read straight into it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct MmSpec {
    #[serde(rename = "encryption")]
    pub cipher: CbcCipher,
    pub hash: PrfHash,
    pub group: DhGroup,
}

/// One Quick Mode ESP proposal, without its lifetimes; no cipher is
/// ESP-NULL (RFC 2410). A manual policy's `quick-mode` entries read into
/// it; they always name a cipher.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct QmSpec {
    #[serde(rename = "encryption", deserialize_with = "some_cipher")]
    pub cipher: Option<CbcCipher>,
    #[serde(rename = "integrity")]
    pub integ: IntegAlg,
}

fn some_cipher<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<CbcCipher>, D::Error> {
    CbcCipher::deserialize(d).map(Some)
}

/// What RASMAN's and RRAS's automatic L2TP policies offer (WINDOWS.md 5).
/// `windows::ipsec::offers` builds the `ike` offers from it.
#[derive(Debug)]
pub struct IkeOffers {
    /// Main Mode offers with certificates, in order.
    pub main_mode_certificate: &'static [MmSpec],
    /// Main Mode offers with a pre-shared key, in order: a client with a
    /// key offers only these, a server these then the certificate ones
    /// (SCENARIOS.md, second round).
    pub main_mode_preshared: &'static [MmSpec],
    pub main_mode_lifetime_secs: u32,
    /// The Quick Mode policy RASMAN picks from the connectoid's "Data
    /// encryption" setting.
    pub quick_mode: QuickModeOffers,
    /// The encryption level of the server's own L2TP policy: what it
    /// offers and accepts.
    pub server_quick_mode: ConnectoidEncryption,
    pub quick_mode_lifetime_secs: u32,
    pub quick_mode_lifetime_kb: u32,
}

/// One Quick Mode offer list per encryption level: "L2TP No / Optional /
/// Require / Require Max Encryption Quick Mode Policy" (WINDOWS.md 5).
#[derive(Debug)]
pub struct QuickModeOffers {
    pub none: &'static [QmSpec],
    pub optional: &'static [QmSpec],
    pub require: &'static [QmSpec],
    pub require_max: &'static [QmSpec],
}

impl QuickModeOffers {
    /// The list of one encryption level.
    pub fn of(&self, level: ConnectoidEncryption) -> &'static [QmSpec] {
        match level {
            ConnectoidEncryption::None => self.none,
            ConnectoidEncryption::Optional => self.optional,
            ConnectoidEncryption::Require => self.require,
            ConnectoidEncryption::RequireMax => self.require_max,
        }
    }
}

/// Which name a host gives of itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostName {
    /// The computer name as configured (the scenario's host name).
    ComputerName,
    /// The NetBIOS computer name: in capitals, as Windows shows it.
    NetbiosName,
}

impl HostName {
    /// This choice applied to the computer name `name`.
    pub fn of(self, name: &str) -> String {
        match self {
            HostName::ComputerName => name.to_string(),
            HostName::NetbiosName => name.to_uppercase(),
        }
    }
}

/// L2TP's identity in SCCRQ/SCCRP and its control-channel settings.
#[derive(Debug)]
pub struct L2tpIdentity {
    /// Host Name AVP (RFC 2661 4.4.3).
    pub host_name: HostName,
    /// Vendor Name AVP (RFC 2661 4.4.3).
    pub vendor: &'static str,
    /// Firmware Revision AVP.
    pub firmware: u16,
    /// Receive Window Size AVP.
    pub receive_window: u16,
    /// HELLO interval on an idle control connection.
    pub hello_interval: Duration,
}

/// PPTP's identity in Start-Control-Connection and how long the PNS waits
/// for TCP 1723.
#[derive(Debug)]
pub struct PptpIdentity {
    pub host_name: HostName,
    pub vendor: &'static str,
    pub firmware: u16,
    pub receive_window: u16,
    /// An unanswered connection request to TCP 1723 is given up after it.
    pub connect_timeout: Duration,
}

/// PPP as the build negotiates it (WINDOWS.md 9).
#[derive(Debug)]
pub struct PppDefaults {
    /// The MRU the client's LCP asks for.
    pub client_mru: u16,
    /// The MRU the server's LCP asks for.
    pub server_mru: u16,
    /// The Name of the server's MS-CHAPv2 Challenge (RFC 1994 4.1).
    pub chap_name: HostName,
    /// The MPPE strengths a client allows by its connectoid's "Data
    /// encryption" setting, when PPP carries the encryption (PPTP, or
    /// L2TP without IPsec).
    pub client_mppe: MppeByConnectoid,
    /// What the server's CCP allows before the remote access profile
    /// replaces it at authorization.
    pub server_mppe: Encryption,
    /// The LCP Identification packets the client sends when LCP comes up
    /// (RFC 1570 1.1); none: it sends none.
    pub client_identification: Option<Identification>,
    /// The client's LCP also asks for multilink (MRRU, Endpoint
    /// Discriminator).
    pub client_multilink: bool,
    /// The client negotiates IPV6CP (RFC 5072) beside IPCP.
    pub client_ipv6cp: bool,
    /// Over L2TP/IPsec the client runs CCP; without it, it Protocol-Rejects
    /// the server's CCP (IPsec already encrypts).
    pub client_ccp_over_ipsec: bool,
}

/// What a client's LCP Identification packets say: its RAS version
/// ("MSRASV5.20" from Vista on, MS-RNAS 2.2.1.2), then "MSRAS-0-" and the
/// computer name in capitals (MS-RNAS 2.2.1.3, pppd logs of Windows
/// clients), then, with `correlation_guid`, 16 bytes of a connection GUID
/// (a pppd log of a Windows client sending MSRASV5.20 shows a third
/// Identification of 16 binary bytes).
#[derive(Debug, Clone, Copy)]
pub struct Identification {
    pub version: &'static str,
    pub correlation_guid: bool,
}

/// MPPE strengths per connectoid encryption level.
#[derive(Debug)]
pub struct MppeByConnectoid {
    pub none: Encryption,
    pub optional: Encryption,
    pub require: Encryption,
    pub require_max: Encryption,
}

impl MppeByConnectoid {
    pub fn of(&self, level: ConnectoidEncryption) -> Encryption {
        match level {
            ConnectoidEncryption::None => self.none,
            ConnectoidEncryption::Optional => self.optional,
            ConnectoidEncryption::Require => self.require,
            ConnectoidEncryption::RequireMax => self.require_max,
        }
    }
}

/// The Automatic connectoid ("Type of VPN: Automatic").
#[derive(Debug)]
pub struct Automatic {
    /// The tunnels tried, in order.
    pub order: &'static [TunnelType],
    /// A dial starts with the tunnel that last connected.
    pub remembers: bool,
    /// The errors after which no other tunnel is tried.
    pub final_errors: &'static [u32],
    /// Which attempt's error the dial shows when every one failed.
    pub shows: AutomaticError,
    /// Tunnels of the build's own Automatic order that the lab does not
    /// have; a dial tries the others, and its report names these.
    pub not_modelled: &'static [&'static str],
}

/// Which error an Automatic dial that failed every tunnel shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AutomaticError {
    /// The last attempt's.
    Last,
    /// The first attempt's.
    First,
    /// This code, whatever the attempts' (800 from Vista on).
    Always(u32),
}

/// The Security log's IKE audit ids.
#[derive(Debug)]
pub struct IkeAudits {
    /// A Main or Quick Mode security association was established.
    pub established: u32,
    /// A Quick Mode security association ended.
    pub quick_mode_ended: u32,
    /// A Main Mode security association ended.
    pub main_mode_ended: u32,
    /// A negotiation failed.
    pub failed: u32,
}

/// The System log entries of RRAS and IAS, by what they report.
#[derive(Debug)]
pub struct RrasEvents {
    /// IAS granted a user access.
    pub ias_granted: u32,
    /// IAS denied a user access.
    pub ias_denied: u32,
    /// A user failed authentication.
    pub auth_failed: u32,
    /// A user's call was given its address.
    pub address_assigned: u32,
    /// The profile requires an encryption the call does not have.
    pub encryption_required: u32,
    /// The address pool is exhausted.
    pub no_ip_address: u32,
    /// No network protocol came up; the line was ended.
    pub no_projections: u32,
    /// Authentication did not end within NegotiateTime.
    pub auth_timeout: u32,
    /// A connected user disconnected: when, how long, how many bytes, why.
    pub user_disconnected: u32,
}

/// Windows `ping`'s echo requests.
#[derive(Debug)]
pub struct PingIdentity {
    pub data: &'static [u8],
    pub timeout: Duration,
}
