//! Interop scenarios (`interop/scenarios/`): stand-alone scenario files
//! whose date is today, and the machine a host of one becomes.

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use l2tpsec::windows::WindowsMachine;
use l2tpsec_harness::run::machine_configs;
use l2tpsec_harness::scenario::values::Date;
use l2tpsec_harness::{load_file, Scenario};

/// Loads an interop scenario (they stand alone: no `base`) and moves its
/// date to today, midnight UTC: real peers check certificates against the
/// real clock, and `pki` and `host` run the same day mint the same bytes.
pub fn load(path: &Path) -> Result<Scenario, String> {
    let dir = path.parent().map(PathBuf::from).unwrap_or_default();
    let mut scenario = load_file(path, &dir).map_err(|e| e.to_string())?;
    to_today(&mut scenario)?;
    Ok(scenario)
}

/// Moves `scenario`'s date to today, midnight UTC.
pub fn to_today(scenario: &mut Scenario) -> Result<(), String> {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_err(|e| e.to_string())?
        .as_secs();
    let today = i64::try_from(now - now % 86_400).map_err(|e| e.to_string())?;
    scenario.date = Date {
        unix_micros: today * 1_000_000,
    };
    Ok(())
}

/// The Windows machine `name` of `scenario`, as the simulator builds it.
pub fn machine(scenario: &Scenario, name: &str) -> Result<WindowsMachine, String> {
    machine_configs(scenario, scenario.seed)
        .map_err(|e| e.to_string())?
        .into_iter()
        .find(|(n, _)| n == name)
        .map(|(_, c)| WindowsMachine::new(c))
        .ok_or_else(|| format!("no Windows host '{name}' in {}", scenario.name))
}
