//! The rows: XP RTM/SP1, XP SP2, Server 2003. A later row starts from
//! its nearest documented neighbour (`..XP_RTM`) and says what differs.

use core::time::Duration;

use super::super::catalog::MessageTable;
use super::super::connectoid::ConnectoidEncryption;
use super::super::errors::{code, IkeErrors, PppErrors, RasErrors};
use super::super::registry::{Registry, RegistryValue};
use super::super::rras::TunnelType;
use super::profile::*;
use crate::crypto::cbc::CbcCipher;
use crate::crypto::dh::DhGroup;
use crate::crypto::ike_keys::PrfHash;
use crate::crypto::integ::IntegAlg;
use crate::ike::{GarbledReply, MmAttributeOrder};
use crate::ppp::Encryption;

/// Windows' default IP TTL (Tcpip\Parameters\DefaultTTL, 128; KB 314053).
pub(super) const WINDOWS_TTL: u8 = 128;

pub(super) const MICROSOFT: &str = "Microsoft";

pub(super) const fn mm(cipher: CbcCipher, hash: PrfHash, group: DhGroup) -> MmSpec {
    MmSpec {
        cipher,
        hash,
        group,
    }
}

pub(super) const fn esp(cipher: CbcCipher, integ: IntegAlg) -> QmSpec {
    QmSpec {
        cipher: Some(cipher),
        integ,
    }
}

pub(super) const fn esp_null(integ: IntegAlg) -> QmSpec {
    QmSpec {
        cipher: None,
        integ,
    }
}

/// XP's main mode offers (WINDOWS.md 5): 3DES/SHA1/2, 3DES/MD5/2,
/// DES/SHA1/1, DES/MD5/1. With a pre-shared key, the same four by key.
pub(super) const XP_MAIN_MODE: &[MmSpec] = &[
    mm(CbcCipher::TripleDes, PrfHash::Sha1, DhGroup::Modp1024),
    mm(CbcCipher::TripleDes, PrfHash::Md5, DhGroup::Modp1024),
    mm(CbcCipher::Des, PrfHash::Sha1, DhGroup::Modp768),
    mm(CbcCipher::Des, PrfHash::Md5, DhGroup::Modp768),
];

/// "L2TP Require Encryption Quick Mode Policy" (WINDOWS.md 5): ESP only;
/// the AH+ESP combinations are not offered here.
pub(super) const XP_QM_REQUIRE: &[QmSpec] = &[
    esp(CbcCipher::TripleDes, IntegAlg::HmacMd5_96),
    esp(CbcCipher::TripleDes, IntegAlg::HmacSha1_96),
    esp(CbcCipher::Des, IntegAlg::HmacMd5_96),
    esp(CbcCipher::Des, IntegAlg::HmacSha1_96),
];

/// "L2TP No Encryption": ESP with integrity only (WINDOWS.md 5).
pub(super) const XP_QM_NONE: &[QmSpec] = &[
    esp_null(IntegAlg::HmacMd5_96),
    esp_null(IntegAlg::HmacSha1_96),
];

/// "L2TP Optional Encryption": Require's offers, then No's (WINDOWS.md 5).
pub(super) const XP_QM_OPTIONAL: &[QmSpec] = &[
    esp(CbcCipher::TripleDes, IntegAlg::HmacMd5_96),
    esp(CbcCipher::TripleDes, IntegAlg::HmacSha1_96),
    esp(CbcCipher::Des, IntegAlg::HmacMd5_96),
    esp(CbcCipher::Des, IntegAlg::HmacSha1_96),
    esp_null(IntegAlg::HmacMd5_96),
    esp_null(IntegAlg::HmacSha1_96),
];

/// "L2TP Require Max Encryption": Require's 3DES offers (WINDOWS.md 5).
pub(super) const XP_QM_REQUIRE_MAX: &[QmSpec] = &[
    esp(CbcCipher::TripleDes, IntegAlg::HmacMd5_96),
    esp(CbcCipher::TripleDes, IntegAlg::HmacSha1_96),
];

pub(super) const XP_IKE_OFFERS: IkeOffers = IkeOffers {
    main_mode_certificate: XP_MAIN_MODE,
    main_mode_preshared: XP_MAIN_MODE,
    // 8 hours [MODEL].
    main_mode_lifetime_secs: 28_800,
    quick_mode: QuickModeOffers {
        none: XP_QM_NONE,
        optional: XP_QM_OPTIONAL,
        require: XP_QM_REQUIRE,
        require_max: XP_QM_REQUIRE_MAX,
    },
    // The RRAS server's automatic L2TP policy is "Optional encryption", so
    // a client whose connectoid allows no encryption gets ESP without
    // confidentiality, and the remote access profile decides after
    // authentication [MODEL; the server's offer list is not documented,
    // its default level is Optional per RASMAN's policy names].
    server_quick_mode: ConnectoidEncryption::Optional,
    // The L2TP policies' quick mode lifetimes (WINDOWS.md 5).
    quick_mode_lifetime_secs: 3600,
    quick_mode_lifetime_kb: 250_000,
};

/// XP's L2TP, the client's side.
pub(super) const XP_L2TP: L2tpIdentity = L2tpIdentity {
    // The computer name [MODEL].
    host_name: HostName::ComputerName,
    vendor: MICROSOFT,
    // [MODEL: 0x0501 for NT 5.1, 0x0502 for 5.2].
    firmware: 0x0501,
    // [MODEL].
    receive_window: 8,
    // [MODEL].
    hello_interval: Duration::from_secs(60),
};

/// PPTP's identity in Start-Control-Connection [MODEL: the computer name,
/// "Microsoft", the build number as firmware revision (XP 2600, Server
/// 2003 3790) and a 64-packet window; Windows' own values are not in our
/// sources].
pub(super) const XP_PPTP: PptpIdentity = PptpIdentity {
    host_name: HostName::ComputerName,
    vendor: MICROSOFT,
    firmware: 2600,
    receive_window: 64,
    // XP abandons a connection request nobody answers: TcpInitialRTT 3 s,
    // doubled at each of TcpMaxConnectRetransmissions' 2 retransmissions,
    // then twice the last delay: 3 + 6 + 12 = 21 s (Windows Server 2003
    // TCP/IP registry reference, TcpMaxConnectRetransmissions) [MODEL: the
    // SYNs within that time are smoltcp's, 1 s doubling, not 3 s].
    connect_timeout: Duration::from_secs(21),
};

/// MPPE by connectoid setting: "Optional" and "Require" allow every
/// strength, "Maximum strength" 128-bit only (the connectoid's "Data
/// encryption" choices) [MODEL: the strengths per choice].
pub(super) const XP_CLIENT_MPPE: MppeByConnectoid = MppeByConnectoid {
    none: Encryption::NONE,
    optional: Encryption::OPTIONAL,
    require: Encryption {
        none: false,
        bits40: true,
        bits56: true,
        bits128: true,
    },
    require_max: Encryption {
        none: false,
        bits40: false,
        bits56: false,
        bits128: true,
    },
};

pub(super) const XP_PPP: PppDefaults = PppDefaults {
    // [MODEL] both ends ask for 1400, room for the L2TP/IPsec overhead.
    client_mru: 1400,
    server_mru: 1400,
    // The NetBIOS computer name, in capitals as Windows shows it (a
    // Server 2003 log shows Name "VPN02"; WINDOWS.md 9).
    chap_name: HostName::NetbiosName,
    client_mppe: XP_CLIENT_MPPE,
    // [MODEL] every strength until the profile says (at authorization).
    server_mppe: Encryption::OPTIONAL,
    // XP sends "MSRASV5.10" and "MSRAS-0-<NAME>" too (MS-RNAS 2.2.1.2;
    // pppd logs of XP clients): not modelled, so that the XP captures stay
    // those the article's scenarios were checked against (issue 21 keeps
    // them unchanged); a fidelity change of its own.
    client_identification: None,
    client_multilink: true,
    client_ipv6cp: false,
    client_ccp_over_ipsec: true,
};

/// XP's Automatic: L2TP, then PPTP (claim A14); the next dial starts
/// with the tunnel that last connected.
pub(super) const XP_AUTOMATIC: Automatic = Automatic {
    order: &[TunnelType::L2tp, TunnelType::Pptp],
    // The connectoid keeps the tunnel type that connected (VpnStrategy,
    // ras.h, a phonebook field since Windows 2000) and tries it first
    // next time: documented for Vista ("Once the connection is
    // successfully made with one kind of tunnel then this tunnel type is
    // remembered", rrasblog) and Windows 10 (WINDOWS.md 10, "Automatic");
    // [MODEL] that XP's RAS does the same.
    remembers: true,
    // All but the user's hang-up, an unreachable server, and what PPP
    // decided (authentication, permission, encryption), which PPTP would
    // meet again [MODEL: KB 314831 and WINDOWS.md 7 name the IKE timeout;
    // which other errors Windows retries on is not documented].
    final_errors: &[
        code::USER_DISCONNECTION,
        code::UNREACHABLE,
        code::AUTHENTICATION_FAILURE,
        code::NO_DIALIN_PERMISSION,
        code::REMOTE_REQUIRE_ENCRYPTION,
        code::SERVER_IDENTITY,
    ],
    // The PPTP attempt's error (claim A14) [MODEL].
    shows: AutomaticError::Last,
    not_modelled: &[],
};

/// raserror.h's codes as XP and Server 2003 use them (WINDOWS.md 2, 8,
/// 10).
pub(super) const XP_RAS_ERRORS: RasErrors = RasErrors {
    // RasDial reports a RasHangUp during the dial (raserror.h).
    user_disconnection: code::USER_DISCONNECTION,
    unreachable: code::UNREACHABLE,
    // L2TP checks the store before trying (claim A11).
    no_certificate: code::NO_CERTIFICATE,
    // The tunnel never came up [MODEL for L2TP; PPTP's TCP 1723 or its
    // control connection].
    tunnel_timeout: code::AUTOMATIC_VPN_FAILED,
    // Over PPTP, GRE never answered (WINDOWS.md 7).
    pptp_no_response: code::PPP_NO_RESPONSE,
    ike: IkeErrors {
        // 792 on XP (WINDOWS.md 2).
        timed_out: code::OAKLEY_TIMED_OUT,
        no_cert: code::OAKLEY_NO_CERT,
        auth_fail: code::OAKLEY_AUTH_FAIL,
        attrib_fail: code::OAKLEY_ATTRIB_FAIL,
        // The policy agent could not take the policy, or stopped under
        // IKE (WINDOWS.md 3, 5).
        general_processing: code::OAKLEY_GENERAL_PROCESSING,
        no_peer_cert: code::OAKLEY_NO_PEER_CERT,
        no_policy: code::OAKLEY_NO_POLICY,
        error: code::OAKLEY_ERROR,
    },
    ppp: PppErrors {
        timeout: code::PPP_TIMEOUT,
        no_protocols: code::PPP_NO_PROTOCOLS_CONFIGURED,
        lcp_terminated: code::PPP_LCP_TERMINATED,
        require_encryption: code::REMOTE_REQUIRE_ENCRYPTION,
        server_identity: code::SERVER_IDENTITY,
        no_dialin_permission: code::NO_DIALIN_PERMISSION,
        account_disabled: code::ACCT_DISABLED,
    },
};

/// XP and Server 2003's IKE audits (the catalog's security.541-547): 541
/// established, 542 quick mode ended, 543 main mode ended, 547 failed.
/// Vista and later write 4650-4655 and 5451 instead.
pub(super) const XP_IKE_AUDITS: IkeAudits = IkeAudits {
    established: 541,
    quick_mode_ended: 542,
    main_mode_ended: 543,
    failed: 547,
};

/// Server 2003's IAS entries (1 granted, 2 denied) and RemoteAccess
/// entries, ids from mprlog.h (ROUTER_LOG_BASE 20000 + n; the catalog's
/// system.RemoteAccess texts, [MODEL] where it says so).
pub(super) const SERVER_2003_EVENTS: RrasEvents = RrasEvents {
    ias_granted: 1,
    ias_denied: 2,
    auth_failed: 20271,
    address_assigned: 20274,
    // ROUTERLOG_ENCRYPTION_REQUIRED.
    encryption_required: 20080,
    // ROUTERLOG_NO_IP_ADDRESS.
    no_ip_address: 20167,
    // ROUTERLOG_AUTH_NO_PROJECTIONS.
    no_projections: 20050,
    // ROUTERLOG_AUTH_TIMEOUT (WINDOWS.md 8).
    auth_timeout: 20049,
    // ROUTERLOG_USER_CONNECTION_DISCONNECTED [MODEL number: mprlog.h copy].
    user_disconnected: 20272,
};

/// Windows ping's default 4 s reply timeout and 32-byte payload.
pub(super) const WINDOWS_PING: PingIdentity = PingIdentity {
    data: b"abcdefghijklmnopqrstuvwabcdefghi",
    timeout: Duration::from_secs(4),
};

/// The values every build of the table has (WINDOWS.md 5 and 8).
pub(super) const XP_REGISTRY_VALUES: &[RegistryValue] = &[
    RegistryValue::ProhibitIpSec,
    RegistryValue::EnableOffload,
    RegistryValue::NegotiateTime,
    RegistryValue::EnableLogging,
];

/// XP SP2 adds AssumeUDPEncapsulationContextOnSendRule (KB 885407;
/// WINDOWS.md 6); Server 2003 does NAT-T without it.
pub(super) const XP_SP2_REGISTRY_VALUES: &[RegistryValue] = &[
    RegistryValue::ProhibitIpSec,
    RegistryValue::EnableOffload,
    RegistryValue::AssumeUDPEncapsulationContextOnSendRule,
    RegistryValue::NegotiateTime,
    RegistryValue::EnableLogging,
];

/// Windows XP RTM/SP1: no NAT-T.
pub const XP_RTM: Profile = Profile {
    role: "windows-xp-client",
    rras: false,
    server_version: None,
    messages: MessageTable::Xp,
    ike: IkeIdentity {
        // Windows' id alone: no NAT-T.
        vendor_ids: &[VendorId::MsNt5(3)],
        nat_t: NatTSupport::None,
        mm_attribute_order: MmAttributeOrder::AuthThenGroup,
        // A notify it cannot open is dropped: with a wrong pre-shared key
        // XP times out, 792 (psk-mismatch) [MODEL].
        garbled_reply: GarbledReply::Drop,
    },
    ike_offers: XP_IKE_OFFERS,
    registry: Registry::WINDOWS_DEFAULT,
    registry_values: XP_REGISTRY_VALUES,
    l2tp: XP_L2TP,
    pptp: XP_PPTP,
    ppp: XP_PPP,
    ttl: WINDOWS_TTL,
    connectoid_preshared_key: false,
    automatic: XP_AUTOMATIC,
    ras_errors: XP_RAS_ERRORS,
    ike_audits: Some(XP_IKE_AUDITS),
    subcategory_audits: false,
    // [MODEL] a client writes none; the entries of the server build.
    rras_events: SERVER_2003_EVENTS,
    ping: WINDOWS_PING,
    diagnostic_commands: DiagnosticCommands::Netdiag,
};

/// The Vendor IDs of XP SP2 and Server 2003: Windows' with version 4,
/// and RFC 3947's (WINDOWS.md 6; we speak RFC 3947 only, so its id alone
/// [MODEL: the draft-02 id these builds may also send is left out]).
pub(super) const NT5_V4_WITH_NAT_T: &[VendorId] = &[VendorId::MsNt5(4), VendorId::Rfc3947];

/// Windows XP SP2: NAT-T (RFC 3947/3948), a pre-shared key in the
/// connectoid.
pub const XP_SP2: Profile = Profile {
    role: "windows-xp-sp2-client",
    ike: IkeIdentity {
        vendor_ids: NT5_V4_WITH_NAT_T,
        nat_t: NatTSupport::ByRegistry,
        mm_attribute_order: MmAttributeOrder::AuthThenGroup,
        // A notify it cannot open is dropped: with a wrong pre-shared key
        // XP times out, 792 (psk-mismatch) [MODEL].
        garbled_reply: GarbledReply::Drop,
    },
    registry_values: XP_SP2_REGISTRY_VALUES,
    connectoid_preshared_key: true,
    ..XP_RTM
};

/// Windows Server 2003 running Routing and Remote Access.
pub const SERVER_2003: Profile = Profile {
    role: "rras-server",
    rras: true,
    server_version: Some(2003),
    ike: IkeIdentity {
        vendor_ids: NT5_V4_WITH_NAT_T,
        nat_t: NatTSupport::Always,
        mm_attribute_order: MmAttributeOrder::AuthThenGroup,
        // A notify it cannot open is dropped: with a wrong pre-shared key
        // XP times out, 792 (psk-mismatch) [MODEL].
        garbled_reply: GarbledReply::Drop,
    },
    l2tp: L2tpIdentity {
        firmware: 0x0502,
        // [MODEL].
        receive_window: 16,
        ..XP_L2TP
    },
    pptp: PptpIdentity {
        firmware: 3790,
        ..XP_PPTP
    },
    rras_events: SERVER_2003_EVENTS,
    ..XP_RTM
};
