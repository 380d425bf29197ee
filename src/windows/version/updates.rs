//! Installed updates that change behaviour (a host's `updates:`,
//! SCENARIOS.md third round). Only updates whose effect on L2TP/IPsec is
//! documented are here (WINDOWS.md 10, "The January 2022 update").

use serde::Deserialize;

/// An update by its KB number, as Windows Update lists it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
pub enum Update {
    /// Windows 10's cumulative update of 2022-01-11: "IP Security (IPSEC)
    /// connections that contain a Vendor ID might fail" (BleepingComputer
    /// 2022-01-12; WINDOWS.md 10).
    #[serde(rename = "KB5009543")]
    Kb5009543,
    /// Windows 11's of the same day (build 22000.434), with the same
    /// known issue.
    #[serde(rename = "KB5009566")]
    Kb5009566,
    /// Windows 10's out-of-band fix of 2022-01-17 (20H1 to 21H2).
    #[serde(rename = "KB5010793")]
    Kb5010793,
    /// Windows 11's out-of-band fix of 2022-01-17.
    #[serde(rename = "KB5010795")]
    Kb5010795,
}

/// What an update does to L2TP/IPsec.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Effect {
    /// Main Mode fails on a responder's Vendor ID.
    BreaksVendorIds,
    /// Cumulative: everything of the month before, without that failure.
    FixesVendorIds,
}

impl Update {
    pub fn name(self) -> &'static str {
        match self {
            Update::Kb5009543 => "KB5009543",
            Update::Kb5009566 => "KB5009566",
            Update::Kb5010793 => "KB5010793",
            Update::Kb5010795 => "KB5010795",
        }
    }

    /// The role of the builds it installs on.
    pub fn role(self) -> &'static str {
        match self {
            Update::Kb5009543 | Update::Kb5010793 => super::WIN10.role,
            Update::Kb5009566 | Update::Kb5010795 => super::WIN11.role,
        }
    }

    fn effect(self) -> Effect {
        match self {
            Update::Kb5009543 | Update::Kb5009566 => Effect::BreaksVendorIds,
            Update::Kb5010793 | Update::Kb5010795 => Effect::FixesVendorIds,
        }
    }
}

/// Whether a machine with `installed` fails Main Mode on a responder's
/// Vendor ID. Which ids the January 2022 update mishandles is not
/// published: the failures were reported against third-party servers
/// (Ubiquiti, SonicWall, Meraki, WatchGuard, libreswan), not against
/// Windows RRAS, so the machine fails on any id Windows does not send
/// itself (DPD, XAUTH, Cisco Unity, a vendor's own) and takes Windows'
/// own [MODEL].
pub fn fails_on_foreign_vendor_ids(installed: &[Update]) -> bool {
    let has = |e: Effect| installed.iter().any(|u| u.effect() == e);
    has(Effect::BreaksVendorIds) && !has(Effect::FixesVendorIds)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_january_update_fails_until_its_fix() {
        let fails = fails_on_foreign_vendor_ids;
        assert!(!fails(&[]));
        assert!(fails(&[Update::Kb5009543]));
        assert!(!fails(&[Update::Kb5009543, Update::Kb5010793]));
        assert!(fails(&[Update::Kb5009566]));
        assert!(!fails(&[Update::Kb5010795]));
    }

    #[test]
    fn each_update_names_its_build() {
        assert_eq!(Update::Kb5009543.role(), "windows-10-client");
        assert_eq!(Update::Kb5010795.role(), "windows-11-client");
        assert_eq!(Update::Kb5009566.name(), "KB5009566");
    }
}
