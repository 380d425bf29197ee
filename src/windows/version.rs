//! One row per Windows build (DESIGN.md, "One table per Windows version"):
//! every identity and default that differs between builds lives in its
//! row, and the machines read their row; no component asks which Windows
//! it is. Adding a version is adding a row to `TABLE` (its `role` is the
//! name scenarios give it). A value without a public source copies its
//! nearest documented neighbour and says [MODEL].

use core::fmt;
use core::time::Duration;

use super::errors::{code, RasErrors};
use super::registry::Registry;

/// What a build says of itself and does by default.
#[derive(Debug)]
pub struct Profile {
    /// The scenario's `role` for a machine of this build (SCENARIOS.md).
    pub role: &'static str,
    /// Runs Routing and Remote Access and answers calls; a client dials.
    pub rras: bool,
    pub ike: IkeIdentity,
    /// The registry values the model reads, as the build installs them.
    pub registry: Registry,
    pub l2tp: L2tpIdentity,
    pub pptp: PptpIdentity,
    /// The IP TTL of what the host sends.
    pub ttl: u8,
    /// The connectoid can carry a pre-shared key ("Use pre-shared key for
    /// authentication", WINDOWS.md 6).
    pub connectoid_preshared_key: bool,
    /// The RAS error a client shows for each failure class that differs
    /// between builds.
    pub ras_errors: RasErrors,
}

/// How IKE presents itself and what of NAT-T it speaks.
#[derive(Debug)]
pub struct IkeIdentity {
    /// The 4-byte version after MD5("MS NT5 ISAKMPOAKLEY") in its Vendor
    /// ID (WINDOWS.md 6; ike-scan's fingerprints: 3 = XP RTM/SP1, 4 =
    /// Server 2003 and XP SP2).
    pub vendor_version: u32,
    pub nat_t: NatTSupport,
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

/// L2TP's identity in SCCRQ/SCCRP and its control-channel settings.
#[derive(Debug)]
pub struct L2tpIdentity {
    /// Vendor Name AVP (RFC 2661 4.4.3).
    pub vendor: &'static str,
    /// Firmware Revision AVP [MODEL: 0x0501 for NT 5.1, 0x0502 for 5.2].
    pub firmware: u16,
    /// Receive Window Size AVP [MODEL].
    pub receive_window: u16,
    /// HELLO interval on an idle control connection [MODEL].
    pub hello_interval: Duration,
}

/// PPTP's identity in Start-Control-Connection [MODEL: the computer name,
/// "Microsoft", the build number as firmware revision (XP 2600, Server
/// 2003 3790) and a 64-packet window; Windows' own values are not in our
/// sources].
#[derive(Debug)]
pub struct PptpIdentity {
    pub vendor: &'static str,
    pub firmware: u16,
    pub receive_window: u16,
}

/// Windows' default IP TTL (Tcpip\Parameters\DefaultTTL, 128; KB 314053).
const WINDOWS_TTL: u8 = 128;

const MICROSOFT: &str = "Microsoft";

/// XP's L2TP, the client's side [MODEL window].
const XP_L2TP: L2tpIdentity = L2tpIdentity {
    vendor: MICROSOFT,
    firmware: 0x0501,
    receive_window: 8,
    hello_interval: Duration::from_secs(60),
};

const XP_PPTP: PptpIdentity = PptpIdentity {
    vendor: MICROSOFT,
    firmware: 2600,
    receive_window: 64,
};

const XP_RAS_ERRORS: RasErrors = RasErrors {
    ike_timed_out: code::OAKLEY_TIMED_OUT,
};

/// Windows XP RTM/SP1: no NAT-T.
pub const XP_RTM: Profile = Profile {
    role: "windows-xp-client",
    rras: false,
    ike: IkeIdentity {
        vendor_version: 3,
        nat_t: NatTSupport::None,
    },
    registry: Registry::WINDOWS_DEFAULT,
    l2tp: XP_L2TP,
    pptp: XP_PPTP,
    ttl: WINDOWS_TTL,
    connectoid_preshared_key: false,
    ras_errors: XP_RAS_ERRORS,
};

/// Windows XP SP2: NAT-T (RFC 3947/3948), a pre-shared key in the
/// connectoid.
pub const XP_SP2: Profile = Profile {
    role: "windows-xp-sp2-client",
    ike: IkeIdentity {
        vendor_version: 4,
        nat_t: NatTSupport::ByRegistry,
    },
    connectoid_preshared_key: true,
    ..XP_RTM
};

/// Windows Server 2003 running Routing and Remote Access.
pub const SERVER_2003: Profile = Profile {
    role: "rras-server",
    rras: true,
    ike: IkeIdentity {
        vendor_version: 4,
        nat_t: NatTSupport::Always,
    },
    l2tp: L2tpIdentity {
        firmware: 0x0502,
        receive_window: 16,
        ..XP_L2TP
    },
    pptp: PptpIdentity {
        firmware: 3790,
        ..XP_PPTP
    },
    ..XP_RTM
};

/// Every build the lab has, in the order `l2tpsec list` and errors name them.
pub static TABLE: &[&Profile] = &[&XP_RTM, &XP_SP2, &SERVER_2003];

/// A Windows build: a row of `TABLE`.
#[derive(Clone, Copy)]
pub struct Edition(&'static Profile);

impl Edition {
    pub const XP_RTM: Edition = Edition(&XP_RTM);
    pub const XP_SP2: Edition = Edition(&XP_SP2);
    pub const SERVER_2003: Edition = Edition(&SERVER_2003);

    /// The build a scenario's `role` names.
    pub fn from_role(role: &str) -> Option<Edition> {
        TABLE.iter().find(|p| p.role == role).map(|p| Edition(p))
    }

    /// Every build, in `TABLE` order.
    pub fn all() -> impl Iterator<Item = Edition> {
        TABLE.iter().map(|p| Edition(p))
    }

    pub fn profile(self) -> &'static Profile {
        self.0
    }

    pub fn role(self) -> &'static str {
        self.0.role
    }
}

impl PartialEq for Edition {
    fn eq(&self, other: &Self) -> bool {
        self.0.role == other.0.role
    }
}

impl Eq for Edition {}

impl fmt::Debug for Edition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.role)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_role_names_one_row() {
        for (i, p) in TABLE.iter().enumerate() {
            assert_eq!(
                Edition::from_role(p.role)
                    .map(Edition::profile)
                    .map(|q| q.role),
                Some(p.role)
            );
            assert!(
                TABLE[..i].iter().all(|q| q.role != p.role),
                "{} twice",
                p.role
            );
        }
        assert_eq!(Edition::from_role("windows-95"), None);
    }

    #[test]
    fn xp_sp2_differs_from_rtm_only_in_nat_t_and_the_key() {
        assert_eq!(XP_RTM.ike.nat_t, NatTSupport::None);
        assert_eq!(XP_SP2.ike.nat_t, NatTSupport::ByRegistry);
        assert_eq!(
            (XP_RTM.ike.vendor_version, XP_SP2.ike.vendor_version),
            (3, 4)
        );
        assert_eq!(XP_SP2.l2tp.firmware, XP_RTM.l2tp.firmware);
        assert_eq!((SERVER_2003.rras, XP_SP2.rras), (true, false));
    }
}
