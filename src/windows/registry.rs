//! The registry values the model reads (WINDOWS.md 5, "Registry"), each
//! named once, here: scenarios set them by these names (`registry:`,
//! `set-registry`); a build's defaults are in its row of `version`.

use core::ops::RangeInclusive;
use core::time::Duration;
use std::collections::BTreeMap;

use serde::Deserialize;

/// A registry value the model reads, by its Windows name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
pub enum RegistryValue {
    /// Services\Rasman\Parameters\ProhibitIpSec: 1 = no automatic L2TP
    /// IPsec policy (KB 240262).
    ProhibitIpSec,
    /// Services\IPSEC\EnableOffload: 0 disables NIC IPsec offload.
    EnableOffload,
    /// AssumeUDPEncapsulationContextOnSendRule: under Services\IPSec on XP
    /// SP2 (KB 885407), under Services\PolicyAgent from Vista on (KB 947234).
    AssumeUDPEncapsulationContextOnSendRule,
    /// Services\RasMan\PPP\NegotiateTime, seconds; 0 = no limit (WINDOWS.md 8).
    NegotiateTime,
    /// Services\PolicyAgent\Oakley\EnableLogging: 1 writes
    /// %windir%\debug\oakley.log (changes nothing else).
    EnableLogging,
}

impl RegistryValue {
    pub const ALL: [RegistryValue; 5] = [
        RegistryValue::ProhibitIpSec,
        RegistryValue::EnableOffload,
        RegistryValue::AssumeUDPEncapsulationContextOnSendRule,
        RegistryValue::NegotiateTime,
        RegistryValue::EnableLogging,
    ];

    /// Its Windows name, as scenarios write it.
    pub fn name(self) -> &'static str {
        match self {
            RegistryValue::ProhibitIpSec => "ProhibitIpSec",
            RegistryValue::EnableOffload => "EnableOffload",
            RegistryValue::AssumeUDPEncapsulationContextOnSendRule => {
                "AssumeUDPEncapsulationContextOnSendRule"
            }
            RegistryValue::NegotiateTime => "NegotiateTime",
            RegistryValue::EnableLogging => "EnableLogging",
        }
    }

    pub fn from_name(name: &str) -> Option<RegistryValue> {
        RegistryValue::ALL.into_iter().find(|v| v.name() == name)
    }

    /// The data the value may hold (a REG_DWORD). Which builds have the
    /// value is in their row of `version` (`Profile::registry_values`).
    pub fn range(self) -> RangeInclusive<u32> {
        match self {
            // KB 240262 sets it to 1 [MODEL: 0 and 1 only].
            RegistryValue::ProhibitIpSec => 0..=1,
            // 0 disables offload, 1 (the default) enables it [MODEL: 0 and
            // 1 only].
            RegistryValue::EnableOffload => 0..=1,
            // KB 885407: 0 (default), 1 server behind NAT, 2 both.
            RegistryValue::AssumeUDPEncapsulationContextOnSendRule => 0..=2,
            // Seconds, 0 = no limit (WINDOWS.md 8): any DWORD.
            RegistryValue::NegotiateTime => 0..=u32::MAX,
            // 1 writes oakley.log (KB 257225) [MODEL: 0 and 1 only].
            RegistryValue::EnableLogging => 0..=1,
        }
    }
}

/// Why a build refuses a registry value (a scenario's `registry:` or a
/// timeline `set-registry`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegistryRefusal {
    /// The build has no such value (AssumeUDPEncapsulationContextOnSendRule
    /// before XP SP2).
    Absent,
    /// The data is outside what the value takes.
    OutOfRange(RangeInclusive<u32>),
}

/// Values a scenario sets (`registry:`); the others keep the build's
/// defaults.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct RegistryValues(pub BTreeMap<RegistryValue, u32>);

impl RegistryValues {
    pub fn get(&self, value: RegistryValue) -> Option<u32> {
        self.0.get(&value).copied()
    }
}

/// The registry values the model reads, as a machine has them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Registry {
    pub prohibit_ipsec: u32,
    pub enable_offload: u32,
    pub assume_udp_encapsulation: u32,
    pub negotiate_time: u32,
    pub enable_logging: u32,
}

impl Registry {
    /// XP's and Server 2003's defaults (WINDOWS.md 5 and 8): NegotiateTime
    /// 150 s, offload on, the rest 0.
    pub const WINDOWS_DEFAULT: Registry = Registry {
        prohibit_ipsec: 0,
        enable_offload: 1,
        assume_udp_encapsulation: 0,
        negotiate_time: 150,
        enable_logging: 0,
    };

    /// How long PPP may negotiate; `None` when NegotiateTime is 0.
    pub fn ppp_negotiate_time(&self) -> Option<Duration> {
        (self.negotiate_time > 0).then(|| Duration::from_secs(u64::from(self.negotiate_time)))
    }

    fn slot(&mut self, value: RegistryValue) -> &mut u32 {
        match value {
            RegistryValue::ProhibitIpSec => &mut self.prohibit_ipsec,
            RegistryValue::EnableOffload => &mut self.enable_offload,
            RegistryValue::AssumeUDPEncapsulationContextOnSendRule => {
                &mut self.assume_udp_encapsulation
            }
            RegistryValue::NegotiateTime => &mut self.negotiate_time,
            RegistryValue::EnableLogging => &mut self.enable_logging,
        }
    }

    /// The data of one value.
    pub fn get(mut self, value: RegistryValue) -> u32 {
        *self.slot(value)
    }

    /// Sets one value (`set-registry`).
    pub fn set(&mut self, value: RegistryValue, n: u32) {
        *self.slot(value) = n;
    }

    /// These values with `values` set over them.
    pub fn with(mut self, values: &RegistryValues) -> Registry {
        for (&v, &n) in &values.0 {
            *self.slot(v) = n;
        }
        self
    }
}

impl Default for Registry {
    fn default() -> Self {
        Registry::WINDOWS_DEFAULT
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_is_found_by_its_name_and_set_over_the_defaults() {
        for v in RegistryValue::ALL {
            assert_eq!(RegistryValue::from_name(v.name()), Some(v));
            let mut r = Registry::WINDOWS_DEFAULT;
            r.set(v, 7);
            assert_eq!(*r.slot(v), 7);
            let values = RegistryValues([(v, 9)].into_iter().collect());
            assert_eq!(*Registry::WINDOWS_DEFAULT.with(&values).slot(v), 9);
        }
        assert_eq!(RegistryValue::from_name("DisableNatT"), None);
    }

    #[test]
    fn every_default_is_within_its_range() {
        for v in RegistryValue::ALL {
            let data = Registry::WINDOWS_DEFAULT.get(v);
            assert!(v.range().contains(&data), "{}", v.name());
        }
        assert_eq!(
            RegistryValue::AssumeUDPEncapsulationContextOnSendRule.range(),
            0..=2
        );
    }
}
