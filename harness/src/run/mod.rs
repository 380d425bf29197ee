//! The runner: builds the simulated network and its machines from a
//! scenario, runs it, and turns what happened into a report.
//!
//! Nothing here looks at `expect` or decides an outcome: machines are
//! configured from the scenario's network, hosts and faults only, and the
//! report is read off the machines and the capture afterwards (DESIGN.md,
//! "The one rule").

mod error;
pub mod invariants;
mod lower;
mod observe;

pub use error::RunError;
use lower::{interfaces, nat, network_spec};
pub use lower::{machine_configs, mint_pki};

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use l2tpsec::net::{self, Machine, Simulation};
use l2tpsec::windows::WindowsMachine;

use crate::report::Report;
use crate::scenario::schema::{Locale, Role, Scenario};

#[derive(Clone, Debug)]
pub struct RunOptions {
    pub seed: u64,
    pub locale: Locale,
    pub want_pcap: bool,
    pub want_keys: bool,
    pub engine: net::Engine,
}

impl RunOptions {
    /// The scenario's own seed and locale, the default engine, no capture
    /// and no keys: a report only.
    pub fn report_of(s: &Scenario) -> Self {
        RunOptions {
            seed: s.seed,
            locale: s.locale,
            want_pcap: false,
            want_keys: false,
            engine: net::Engine::default(),
        }
    }
}

#[derive(Clone, Debug)]
pub struct RunOutput {
    /// Expectations empty and verdict `None`: the caller fills them.
    pub report: Report,
    /// The whole capture as pcapng (empty unless `want_pcap`).
    pub pcapng: Vec<u8>,
    /// One pcapng per host interface (empty unless `want_pcap`).
    pub interface_pcapngs: Vec<net::InterfaceCapture>,
    /// Every captured packet with its transmit number, and every fault
    /// action, for the ladder diagram (empty unless `want_pcap`).
    pub captures: Vec<net::CapturedPacket>,
    pub applied_faults: Vec<net::AppliedFault>,
    /// tshark `-o` arguments, one per line (empty unless `want_keys`).
    pub keys: String,
    /// What each Windows machine's audit showed at the end (for the run
    /// invariants), in scenario order.
    pub audits: Vec<(String, l2tpsec::windows::audit::Audit)>,
}

/// Simulated time the run goes on after every dial has its result, so late
/// packets and events land (SCENARIOS.md).
const SETTLE: Duration = Duration::from_secs(5);

pub fn run(scenario: &Scenario, opts: &RunOptions) -> Result<RunOutput, RunError> {
    let spec = network_spec(scenario, opts.seed, opts.engine)?;
    let mut sim = Simulation::new(spec).map_err(|e| RunError::Setup(e.to_string()))?;
    let mut configs = machine_configs(scenario, opts.seed)?.into_iter();

    let mut windows: Vec<(String, Rc<RefCell<WindowsMachine>>)> = Vec::new();
    for (name, host) in scenario.hosts.iter() {
        let machine: Rc<RefCell<dyn Machine>> = match host.role {
            Role::Router => Rc::new(RefCell::new(net::Router::new(
                interfaces(scenario, host),
                host.gateway,
            ))),
            Role::Nat => Rc::new(RefCell::new(nat(scenario, name, host)?)),
            Role::Windows(_) => {
                // machine_configs lists the Windows hosts in this same order.
                let Some((_, config)) = configs.next() else {
                    return Err(RunError::Setup(format!("host '{name}': no configuration")));
                };
                let m = Rc::new(RefCell::new(WindowsMachine::new(config)));
                windows.push((name.to_string(), m.clone()));
                m
            }
        };
        sim.add_machine(name, machine)
            .map_err(|e| RunError::Setup(format!("host '{name}': {e}")))?;
    }

    // Timeline actions are applied between runs of the simulator, at their
    // simulated time; machines pick the change up when the run resumes.
    let mut actions = scenario.timeline.clone();
    actions.sort_by_key(|a| a.at);
    let mut reached = Duration::ZERO;
    for action in actions.iter().filter(|a| a.at < scenario.duration) {
        let now = sim
            .run(action.at, |_| false)
            .map_err(|e| RunError::Simulation(e.to_string()))?;
        if let Some((_, m)) = windows.iter().find(|(n, _)| *n == action.host) {
            let _span = l2tpsec::trace::host_span(&action.host, now).entered();
            m.borrow_mut().apply(now, &action.command);
        }
        reached = now;
    }

    // A run does not end inside a fault window (SCENARIOS.md, third
    // round): what the fault does to a call that lasts is the point.
    let last_window = scenario
        .faults
        .iter()
        .filter_map(|f| f.active.map(|(_, end)| end))
        .max()
        .unwrap_or_default()
        .min(scenario.duration);
    if reached < last_window {
        sim.run(last_window, |_| false)
            .map_err(|e| RunError::Simulation(e.to_string()))?;
    }

    // Run until every machine is finished, then SETTLE more (within the
    // scenario's duration). `finished` changes only when a machine acts, so
    // both engines stop at the same instant.
    let watched = windows.clone();
    let done = sim
        .run(scenario.duration, |_| {
            watched.iter().all(|(_, m)| m.borrow().finished())
        })
        .map_err(|e| RunError::Simulation(e.to_string()))?;
    let end = sim
        .run(scenario.duration.min(done + SETTLE), |_| false)
        .map_err(|e| RunError::Simulation(e.to_string()))?;
    for (name, m) in &windows {
        let _span = l2tpsec::trace::host_span(name, end).entered();
        m.borrow_mut().end_of_run(end);
    }

    let (mut report, keys) = observe::report(scenario, opts.seed, opts.locale, &windows, &sim, end);
    report.engine = opts.engine;

    let mut pcapng = Vec::new();
    let mut interface_pcapngs = Vec::new();
    let mut captures = Vec::new();
    let mut applied_faults = Vec::new();
    if opts.want_pcap {
        captures = sim.captures();
        applied_faults = sim.applied_faults();
        let epoch = scenario.date.unix_micros.max(0) as u64;
        sim.write_pcapng(&mut pcapng, epoch)
            .map_err(|e| RunError::Simulation(e.to_string()))?;
        interface_pcapngs = sim
            .interface_pcapngs(epoch)
            .map_err(|e| RunError::Simulation(e.to_string()))?;
    }
    Ok(RunOutput {
        report,
        pcapng,
        interface_pcapngs,
        captures,
        applied_faults,
        keys: if opts.want_keys {
            keys.iter().map(|k| format!("{k}\n")).collect()
        } else {
            String::new()
        },
        audits: windows
            .iter()
            .map(|(name, m)| (name.clone(), m.borrow().audit()))
            .collect(),
    })
}

/// Runs a scenario and checks its expectations: the report, the whole
/// capture and the key file.
pub fn run_scenario(s: &Scenario, opts: &RunOptions) -> Result<(Report, Vec<u8>, String), String> {
    let out = run_checked(s, opts)?;
    Ok((out.report, out.pcapng, out.keys))
}

/// `run_scenario` with everything the run produced, the per-interface
/// captures included.
pub fn run_checked(s: &Scenario, opts: &RunOptions) -> Result<RunOutput, String> {
    let mut out = run(s, opts).map_err(|e| format!("{}: {e}", s.name))?;
    crate::report::expect::finish(s, &mut out.report);
    Ok(out)
}
