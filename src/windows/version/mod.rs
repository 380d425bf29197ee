//! One row per Windows build (DESIGN.md, "One table per Windows version"):
//! every identity and default that differs between builds lives in its
//! row, and the machines read their row; no component asks which Windows
//! it is. Adding a version is adding a row to `TABLE` (its `role` is the
//! name scenarios give it). A value without a public source copies its
//! nearest documented neighbour and says [MODEL]. `profile` is the shape
//! of a row, `rows` the rows.

use core::fmt;

mod profile;
mod rows;
mod today;
mod updates;

pub use profile::*;
pub use rows::{SERVER_2003, XP_RTM, XP_SP2};
pub use today::{SERVER_2016, SERVER_2022, VISTA, WIN10, WIN11, WIN7};
pub use updates::{fails_on_foreign_vendor_ids, Update};

/// Every build the lab has, in the order `l2tpsec list` and errors name
/// them. Server builds share the role `rras-server`; the first of them is
/// the one a scenario gets without `version:`.
pub static TABLE: &[&Profile] = &[
    &XP_RTM,
    &XP_SP2,
    &SERVER_2003,
    &VISTA,
    &WIN7,
    &WIN10,
    &WIN11,
    &SERVER_2016,
    &SERVER_2022,
];

/// A Windows build: a row of `TABLE`.
#[derive(Clone, Copy)]
pub struct Edition(&'static Profile);

impl Edition {
    pub const XP_RTM: Edition = Edition(&XP_RTM);
    pub const XP_SP2: Edition = Edition(&XP_SP2);
    pub const SERVER_2003: Edition = Edition(&SERVER_2003);
    pub const WIN10: Edition = Edition(&WIN10);
    pub const SERVER_2016: Edition = Edition(&SERVER_2016);

    /// The build a scenario's `role` names (a server's first build).
    pub fn from_role(role: &str) -> Option<Edition> {
        TABLE.iter().find(|p| p.role == role).map(|p| Edition(p))
    }

    /// The server build of `role` with `version:` `version`.
    pub fn server(role: &str, version: u16) -> Option<Edition> {
        TABLE
            .iter()
            .find(|p| p.role == role && p.server_version == Some(version))
            .map(|p| Edition(p))
    }

    /// Every build, in `TABLE` order.
    pub fn all() -> impl Iterator<Item = Edition> {
        TABLE.iter().map(|p| Edition(p))
    }

    /// One build per role, the one a role names without `version:`.
    pub fn roles() -> impl Iterator<Item = Edition> {
        Edition::all().filter(|e| Edition::from_role(e.role()) == Some(*e))
    }

    /// The `version:` values of the server builds of `role`.
    pub fn server_versions(role: &str) -> Vec<u16> {
        TABLE
            .iter()
            .filter(|p| p.role == role)
            .filter_map(|p| p.server_version)
            .collect()
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
        (self.0.role, self.0.server_version) == (other.0.role, other.0.server_version)
    }
}

impl Eq for Edition {}

impl fmt::Debug for Edition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.role)?;
        match self.0.server_version {
            Some(v) if Edition::from_role(self.0.role) != Some(*self) => write!(f, " {v}"),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_role_and_version_names_one_row() {
        for (i, p) in TABLE.iter().enumerate() {
            assert_eq!(
                Edition::from_role(p.role)
                    .map(Edition::profile)
                    .map(|q| q.role),
                Some(p.role)
            );
            assert!(
                TABLE[..i]
                    .iter()
                    .all(|q| (q.role, q.server_version) != (p.role, p.server_version)),
                "{} twice",
                p.role
            );
            assert_eq!(p.server_version.is_some(), p.rras, "{}", p.role);
        }
        assert_eq!(Edition::from_role("windows-95"), None);
        assert_eq!(
            Edition::from_role("rras-server"),
            Some(Edition::SERVER_2003)
        );
        assert_eq!(
            Edition::server("rras-server", 2016),
            Some(Edition::SERVER_2016)
        );
        assert_eq!(Edition::server("rras-server", 2008), None);
        assert_eq!(Edition::server_versions("rras-server"), [2003, 2016, 2022]);
        assert_eq!(Edition::roles().count(), 7);
    }

    #[test]
    fn xp_sp2_differs_from_rtm_only_in_nat_t_and_the_key() {
        assert_eq!(XP_RTM.ike.nat_t, NatTSupport::None);
        assert_eq!(XP_SP2.ike.nat_t, NatTSupport::ByRegistry);
        assert_eq!(
            (XP_RTM.ike.vendor_ids[0], XP_SP2.ike.vendor_ids[0]),
            (VendorId::MsNt5(3), VendorId::MsNt5(4))
        );
        assert_eq!(XP_SP2.l2tp.firmware, XP_RTM.l2tp.firmware);
        assert_eq!((SERVER_2003.rras, XP_SP2.rras), (true, false));
    }

    #[test]
    fn every_row_can_dial_offer_and_fall_back() {
        use crate::windows::connectoid::ConnectoidEncryption as E;
        for p in TABLE {
            let ike = &p.ike_offers;
            assert!(!ike.main_mode_certificate.is_empty(), "{}", p.role);
            assert!(!ike.main_mode_preshared.is_empty(), "{}", p.role);
            for level in [E::None, E::Optional, E::Require, E::RequireMax] {
                assert!(!ike.quick_mode.of(level).is_empty(), "{} {level:?}", p.role);
            }
            assert!(!p.automatic.order.is_empty(), "{}", p.role);
            // A user's hang-up ends an Automatic dial.
            let hang_up = p.ras_errors.user_disconnection;
            assert!(p.automatic.final_errors.contains(&hang_up), "{}", p.role);
        }
    }

    #[test]
    fn only_a_build_that_reads_nat_t_scope_from_the_registry_has_its_value() {
        use crate::windows::registry::{RegistryRefusal, RegistryValue};
        let v = RegistryValue::AssumeUDPEncapsulationContextOnSendRule;
        for p in TABLE {
            let has = p.registry_values.contains(&v);
            assert_eq!(has, p.ike.nat_t == NatTSupport::ByRegistry, "{}", p.role);
            // Every build takes its own defaults.
            for &value in p.registry_values {
                assert_eq!(p.registry_accepts(value, p.registry.get(value)), Ok(()));
            }
        }
        assert_eq!(XP_SP2.registry_accepts(v, 2), Ok(()));
        assert_eq!(
            XP_SP2.registry_accepts(v, 7),
            Err(RegistryRefusal::OutOfRange(0..=2))
        );
        assert_eq!(XP_RTM.registry_accepts(v, 0), Err(RegistryRefusal::Absent));
        assert_eq!(
            SERVER_2003.registry_accepts(v, 1),
            Err(RegistryRefusal::Absent)
        );
        assert_eq!(
            SERVER_2003.registry_accepts(RegistryValue::NegotiateTime, 600),
            Ok(())
        );
    }

    #[test]
    fn the_rows_keep_the_values_the_code_had() {
        // The table is a refactor of constants spread over windows/: the
        // XP values stay what they were (WINDOWS.md 2, 5, 7).
        let xp = &XP_SP2;
        assert_eq!(xp.ike_offers.main_mode_lifetime_secs, 28_800);
        assert_eq!(
            (
                xp.ike_offers.quick_mode_lifetime_secs,
                xp.ike_offers.quick_mode_lifetime_kb
            ),
            (3600, 250_000)
        );
        assert_eq!(xp.ras_errors.ike.timed_out, 792);
        assert_eq!(xp.ras_errors.tunnel_timeout, 800);
        assert_eq!((xp.pptp.firmware, SERVER_2003.pptp.firmware), (2600, 3790));
        assert_eq!(xp.pptp.connect_timeout.as_secs(), 21);
        assert_eq!(
            (xp.ppp.client_mru, SERVER_2003.ppp.server_mru),
            (1400, 1400)
        );
        let audits = xp.ike_audits.as_ref().unwrap();
        assert_eq!(
            (
                audits.established,
                audits.quick_mode_ended,
                audits.main_mode_ended,
                audits.failed
            ),
            (541, 542, 543, 547)
        );
    }
}
