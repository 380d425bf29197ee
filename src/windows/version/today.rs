//! The rows of the Windows people run today (WINDOWS.md 10): Vista, 7, 10
//! and 11 clients, Server 2016 and 2022 running RRAS. Each starts from its
//! nearest documented neighbour and says what differs; a value no public
//! source gives is [MODEL].

use super::super::catalog::MessageTable;
use super::super::errors::{code, IkeErrors, RasErrors};
use super::super::registry::RegistryValue;
use super::super::rras::TunnelType;
use super::profile::*;
use super::rows::*;
use crate::crypto::cbc::CbcCipher::{Aes128, Aes256, TripleDes};
use crate::crypto::dh::DhGroup::{Ecp256, Ecp384, Modp1024, Modp2048};
use crate::crypto::ike_keys::PrfHash::Sha1;
use crate::crypto::integ::IntegAlg::HmacSha1_96;
use crate::ike::{GarbledReply, MmAttributeOrder};
use crate::ppp::Encryption;

/// Windows 8 to 11's Main Mode offers, in order, all 28,800 s: the
/// 408-byte first message WINDOWS.md 10 decodes (pre-shared key there;
/// with certificates the same five by signature).
const WIN8_MAIN_MODE: &[MmSpec] = &[
    mm(Aes256, Sha1, Ecp384),
    mm(Aes128, Sha1, Ecp256),
    mm(Aes256, Sha1, Modp2048),
    mm(TripleDes, Sha1, Modp2048),
    mm(TripleDes, Sha1, Modp1024),
];

/// Vista's: 7's without the ECP groups [MODEL: WINDOWS.md 10 found no
/// list for Vista].
const VISTA_MAIN_MODE: &[MmSpec] = &[
    mm(Aes256, Sha1, Modp2048),
    mm(TripleDes, Sha1, Modp2048),
    mm(TripleDes, Sha1, Modp1024),
];

/// What RRAS of Server 2016 and 2022 accepts for L2TP: AES and 3DES with
/// SHA1 in groups 2, 14, 19 and 20 [MODEL: issue 21; no public list].
/// As a responder it takes the initiator's first offer found here.
const SERVER_2016_MAIN_MODE: &[MmSpec] = &[
    mm(Aes256, Sha1, Ecp384),
    mm(Aes128, Sha1, Ecp256),
    mm(Aes256, Sha1, Ecp256),
    mm(Aes128, Sha1, Ecp384),
    mm(Aes256, Sha1, Modp2048),
    mm(Aes128, Sha1, Modp2048),
    mm(TripleDes, Sha1, Modp2048),
    mm(Aes256, Sha1, Modp1024),
    mm(Aes128, Sha1, Modp1024),
    mm(TripleDes, Sha1, Modp1024),
];

/// Quick Mode with encryption from Vista on: AES-256, AES-128, 3DES, each
/// with SHA1 (the merged Windows/macOS list of NetworkManager-l2tp's
/// README, WINDOWS.md 10); no DES or MD5 by default since Vista (Windows
/// 7 Resource Kit, "weak cryptography removal") [MODEL: the order].
const VISTA_QM_REQUIRE: &[QmSpec] = &[
    esp(Aes256, HmacSha1_96),
    esp(Aes128, HmacSha1_96),
    esp(TripleDes, HmacSha1_96),
];

/// No encryption: ESP-NULL with SHA1 [MODEL: MD5 dropped as above].
const VISTA_QM_NONE: &[QmSpec] = &[esp_null(HmacSha1_96)];

/// Optional: Require's, then No's [MODEL, as XP's policy].
const VISTA_QM_OPTIONAL: &[QmSpec] = &[
    esp(Aes256, HmacSha1_96),
    esp(Aes128, HmacSha1_96),
    esp(TripleDes, HmacSha1_96),
    esp_null(HmacSha1_96),
];

/// Maximum strength: AES only [MODEL].
const VISTA_QM_REQUIRE_MAX: &[QmSpec] = &[esp(Aes256, HmacSha1_96), esp(Aes128, HmacSha1_96)];

const fn offers_today(main_mode: &'static [MmSpec]) -> IkeOffers {
    IkeOffers {
        main_mode_certificate: main_mode,
        main_mode_preshared: main_mode,
        main_mode_lifetime_secs: 28_800,
        quick_mode: QuickModeOffers {
            none: VISTA_QM_NONE,
            optional: VISTA_QM_OPTIONAL,
            require: VISTA_QM_REQUIRE,
            require_max: VISTA_QM_REQUIRE_MAX,
        },
        server_quick_mode: super::super::connectoid::ConnectoidEncryption::Optional,
        // 3600 s [MODEL, as XP]; 250,000 KB (pfSense's log of a Windows
        // client: "received 250000000 lifebytes", WINDOWS.md 10).
        quick_mode_lifetime_secs: 3600,
        quick_mode_lifetime_kb: 250_000,
    }
}

/// The Vendor IDs of Windows 8 to 11 with NT5 version `nt5`, in the
/// order of the capture (WINDOWS.md 10): KEY_MODS 1, MS NT5, RFC 3947,
/// NAT-T draft 02, FRAGMENTATION, Negotiation discovery,
/// Vid-Initial-Contact, CGA.
const fn vendor_ids_since_vista(nt5: u32) -> [VendorId; 8] {
    [
        VendorId::KeyMods(1),
        VendorId::MsNt5(nt5),
        VendorId::Rfc3947,
        VendorId::NatTDraft02,
        VendorId::Fragmentation,
        VendorId::NegotiationDiscovery,
        VendorId::InitialContact,
        VendorId::Cga,
    ]
}

/// Windows 8 to 11: NT5 version 9, as captured.
const WIN8_VENDOR_IDS: &[VendorId] = &vendor_ids_since_vista(9);

/// Windows 7's: 8's list with NT5 version 7 [MODEL: no capture found].
const WIN7_VENDOR_IDS: &[VendorId] = &vendor_ids_since_vista(7);

/// Vista's: with NT5 version 5 [MODEL].
const VISTA_VENDOR_IDS: &[VendorId] = &vendor_ids_since_vista(5);

/// From Vista on: 809 where XP shows 792 and where the tunnel never came
/// up (WINDOWS.md 10) [MODEL: 809 for every silence].
const VISTA_RAS_ERRORS: RasErrors = RasErrors {
    tunnel_timeout: code::VPN_TIMEOUT,
    ike: IkeErrors {
        timed_out: code::VPN_TIMEOUT,
        ..XP_RAS_ERRORS.ike
    },
    ..XP_RAS_ERRORS
};

/// 40- and 56-bit MPPE are off by default from Vista on (KB 929856):
/// every level allows 128-bit only.
const VISTA_CLIENT_MPPE: MppeByConnectoid = MppeByConnectoid {
    none: Encryption::NONE,
    optional: Encryption {
        none: true,
        bits40: false,
        bits56: false,
        bits128: true,
    },
    require: STRONGEST_ONLY,
    require_max: STRONGEST_ONLY,
};

const STRONGEST_ONLY: Encryption = Encryption {
    none: false,
    bits40: false,
    bits56: false,
    bits128: true,
};

/// Automatic from Vista on: PPTP then L2TP (Vista: "PPTP is tried first
/// then L2TP and SSTP in that order", rrasblog; Windows 7 and later try
/// IKEv2 and SSTP first, which the lab does not model), remembering the
/// tunnel that connected, and 800 when every tunnel failed (WINDOWS.md
/// 10).
const VISTA_AUTOMATIC: Automatic = Automatic {
    order: &[TunnelType::Pptp, TunnelType::L2tp],
    remembers: true,
    shows: AutomaticError::Always(code::AUTOMATIC_VPN_FAILED),
    // SSTP, Vista SP1's, comes after L2TP.
    not_modelled: &["SSTP"],
    ..XP_AUTOMATIC
};

/// Windows 7 and later try IKEv2 and SSTP before PPTP and L2TP (WINDOWS.md
/// 10, "Automatic").
const WIN7_AUTOMATIC: Automatic = Automatic {
    not_modelled: &["IKEv2", "SSTP"],
    ..VISTA_AUTOMATIC
};

/// The values a build from Vista on has: no oakley.log (EnableLogging)
/// and no IPSEC\EnableOffload any more [MODEL: both are XP's IPsec
/// service's]; AssumeUDPEncapsulationContextOnSendRule under PolicyAgent
/// (KB 947234).
const VISTA_REGISTRY_VALUES: &[RegistryValue] = &[
    RegistryValue::ProhibitIpSec,
    RegistryValue::AssumeUDPEncapsulationContextOnSendRule,
    RegistryValue::NegotiateTime,
];

/// Server 2016's: Vista's without the NAT-T scope [MODEL].
const SERVER_2016_REGISTRY_VALUES: &[RegistryValue] =
    &[RegistryValue::ProhibitIpSec, RegistryValue::NegotiateTime];

/// Windows Vista.
pub const VISTA: Profile = Profile {
    role: "windows-vista-client",
    messages: MessageTable::Vista,
    ike: IkeIdentity {
        vendor_ids: VISTA_VENDOR_IDS,
        // Off by default to a server behind a NAT (KB 926179), values as
        // XP SP2's.
        nat_t: NatTSupport::ByRegistry,
        mm_attribute_order: MmAttributeOrder::GroupThenAuth,
        // Users of Vista to 11 see 789 for a wrong pre-shared key (hwdsl2
        // docs, WINDOWS.md 10), the general processing error; what
        // reaches the client is the responder's notify sealed with other
        // keys: from Vista on that ends Main Mode [MODEL].
        garbled_reply: GarbledReply::Fail,
    },
    ike_offers: offers_today(VISTA_MAIN_MODE),
    registry_values: VISTA_REGISTRY_VALUES,
    l2tp: L2tpIdentity {
        // [MODEL: the NT version, as XP's 0x0501].
        firmware: 0x0600,
        ..XP_RTM.l2tp
    },
    pptp: PptpIdentity {
        // [MODEL: the build number, Vista SP2].
        firmware: 6002,
        ..XP_PPTP
    },
    ppp: PppDefaults {
        client_mppe: VISTA_CLIENT_MPPE,
        // A Windows client's LCP and NCPs as pfSense's and pppd's logs
        // show them (WINDOWS.md 10): MRU 1400, PFC, ACFC, Callback, no
        // multilink; three Identifications; IPV6CP; CCP rejected over
        // L2TP/IPsec. The logs are of Windows 10 [MODEL for Vista and 7].
        client_identification: Some(Identification {
            version: "MSRASV5.20",
            correlation_guid: true,
        }),
        client_multilink: false,
        client_ipv6cp: true,
        client_ccp_over_ipsec: false,
        ..XP_PPP
    },
    connectoid_preshared_key: true,
    automatic: VISTA_AUTOMATIC,
    ras_errors: VISTA_RAS_ERRORS,
    // The default audit policy of Vista and later leaves "IPsec Main
    // Mode" and "IPsec Quick Mode" unaudited ("Audit IPsec Main Mode",
    // learn.microsoft.com): no 4650-4655 or 5451 unless auditpol turns
    // them on.
    ike_audits: None,
    subcategory_audits: true,
    // Support Tools' netdiag is XP's and 2003's only.
    diagnostic_commands: DiagnosticCommands::Advfirewall,
    ..XP_SP2
};

/// Windows 7: Vista with 8's offers [MODEL: hwdsl2 #229 shows 7 offering
/// the same first two].
pub const WIN7: Profile = Profile {
    role: "windows-7-client",
    ike: IkeIdentity {
        vendor_ids: WIN7_VENDOR_IDS,
        ..VISTA.ike
    },
    ike_offers: offers_today(WIN8_MAIN_MODE),
    l2tp: L2tpIdentity {
        firmware: 0x0601,
        ..VISTA.l2tp
    },
    pptp: PptpIdentity {
        firmware: 7601,
        ..VISTA.pptp
    },
    automatic: WIN7_AUTOMATIC,
    ..VISTA
};

/// Windows 10 (22H2).
pub const WIN10: Profile = Profile {
    role: "windows-10-client",
    ike: IkeIdentity {
        vendor_ids: WIN8_VENDOR_IDS,
        ..VISTA.ike
    },
    l2tp: L2tpIdentity {
        firmware: 0x0a00,
        ..VISTA.l2tp
    },
    pptp: PptpIdentity {
        firmware: 19045,
        ..VISTA.pptp
    },
    ..WIN7
};

/// Windows 11 (21H2, build 22000: the one KB5009566 is for).
pub const WIN11: Profile = Profile {
    role: "windows-11-client",
    pptp: PptpIdentity {
        firmware: 22000,
        ..WIN10.pptp
    },
    ..WIN10
};

/// Windows Server 2016 running RRAS [MODEL: its offers; identity as
/// Windows 10's, the same NT version].
pub const SERVER_2016: Profile = Profile {
    role: "rras-server",
    rras: true,
    server_version: Some(2016),
    ike: IkeIdentity {
        nat_t: NatTSupport::Always,
        ..WIN10.ike
    },
    ike_offers: offers_today(SERVER_2016_MAIN_MODE),
    l2tp: L2tpIdentity {
        receive_window: SERVER_2003.l2tp.receive_window,
        ..WIN10.l2tp
    },
    pptp: PptpIdentity {
        firmware: 14393,
        ..WIN10.pptp
    },
    ppp: PppDefaults {
        server_mppe: SERVER_2003.ppp.server_mppe,
        ..WIN10.ppp
    },
    rras_events: SERVER_2003.rras_events,
    // A responder takes NAT-T from any client; the value that scopes an
    // initiator's NAT-T is the clients' concern [MODEL].
    registry_values: SERVER_2016_REGISTRY_VALUES,
    connectoid_preshared_key: false,
    ..WIN10
};

/// Windows Server 2022 running RRAS: 2016's [MODEL].
pub const SERVER_2022: Profile = Profile {
    server_version: Some(2022),
    pptp: PptpIdentity {
        firmware: 20348,
        ..SERVER_2016.pptp
    },
    ..SERVER_2016
};
