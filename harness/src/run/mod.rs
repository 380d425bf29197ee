//! The runner: builds the simulated network and its machines from a
//! scenario, runs it, and turns what happened into a report.
//!
//! Nothing here looks at `expect` or decides an outcome: machines are
//! configured from the scenario's network, hosts and faults only, and the
//! report is read off the machines and the capture afterwards (DESIGN.md,
//! "The one rule").

pub mod invariants;

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;
use std::time::Duration;

use l2tpsec::crypto::dh::DhGroup;
use l2tpsec::crypto::pki::{self, Pki};
use l2tpsec::net::{self, Machine, Simulation};
use l2tpsec::windows::catalog;
use l2tpsec::windows::client::DialOutcome;
use l2tpsec::windows::config as win;
use l2tpsec::windows::config::ManualPolicy;
use l2tpsec::windows::ipsec as offers;
use l2tpsec::windows::machine::Command;
use l2tpsec::windows::rras;
use l2tpsec::windows::WindowsMachine;

use crate::report::dissect::Dissector;
use crate::report::{
    Attempt, DialError, DialProtocol, DialReport, EventReport, Monitor, PacketReport, Report, View,
};
use crate::scenario::schema::{
    self, Direction, ForwardProtocol, Host, Locale, NatConfig, Role, Scenario,
};

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

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RunError {
    /// The simulation could not be built from the scenario.
    #[error("{0}")]
    Setup(String),
    /// The simulator failed while running.
    #[error("simulation failed: {0}")]
    Simulation(String),
}

/// Simulated time the run goes on after every dial has its result, so late
/// packets and events land (SCENARIOS.md).
const SETTLE: Duration = Duration::from_secs(5);

pub fn run(scenario: &Scenario, opts: &RunOptions) -> Result<RunOutput, RunError> {
    let spec = network_spec(scenario, opts)?;
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
    for action in actions.iter().filter(|a| a.at < scenario.duration) {
        let now = sim
            .run(action.at, |_| false)
            .map_err(|e| RunError::Simulation(e.to_string()))?;
        if let Some((_, m)) = windows.iter().find(|(n, _)| *n == action.host) {
            let _span = l2tpsec::trace::host_span(&action.host, now).entered();
            m.borrow_mut().apply(now, &timeline_command(action));
        }
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

    let locale = opts.locale;
    let mut report = Report::new(&scenario.name, opts.seed, opts.locale);
    report.engine = opts.engine;
    report.sim_time_ms = millis(end);
    let mut keys: Vec<String> = Vec::new();
    for (name, m) in &windows {
        let m = m.borrow();
        let error_of = |code: Option<u32>| {
            code.map(|code| DialError {
                code,
                message: catalog::ras_error_message(locale, code),
            })
        };
        let attempt_of = |o: &DialOutcome| Attempt {
            protocol: dial_protocol(o.protocol),
            connected: o.connected(),
            error: error_of(o.error),
        };
        if let Some(o) = m.dial_outcome() {
            let mut attempts: Vec<Attempt> = o.earlier.iter().map(attempt_of).collect();
            attempts.push(attempt_of(o));
            report.dials.push(DialReport {
                host: name.clone(),
                protocol: dial_protocol(o.protocol),
                connected: o.connected(),
                error: error_of(o.error),
                address: o.address,
                attempts,
            });
        } else if let Some((protocol, earlier)) = m.dial_under_way() {
            // The run's duration ended before the dial had a result: the
            // report says so rather than invent an error.
            let mut attempts: Vec<Attempt> = earlier.iter().map(attempt_of).collect();
            attempts.push(Attempt {
                protocol: dial_protocol(protocol),
                connected: false,
                error: None,
            });
            report.dials.push(DialReport {
                host: name.clone(),
                protocol: dial_protocol(protocol),
                connected: false,
                error: None,
                address: None,
                attempts,
            });
        }
        let mon = m.monitor();
        report.monitor.push(Monitor {
            host: name.clone(),
            sas: mon
                .sas
                .iter()
                .map(|sa| crate::report::Sa {
                    direction: sa.direction.into(),
                    spi: format!("0x{:08x}", sa.spi),
                    encapsulation: sa.udp_ports.map(|(source_port, destination_port)| {
                        crate::report::Encapsulation {
                            kind: "udp".into(),
                            source_port,
                            destination_port,
                        }
                    }),
                })
                .collect(),
            counters: mon
                .counters
                .iter()
                .map(|(k, v)| (k.to_string(), *v))
                .collect(),
        });
        for (command, output) in m.views() {
            report.views.push(View {
                host: name.clone(),
                command,
                output,
            });
        }
        for k in m.keys() {
            if !keys.contains(k) {
                keys.push(k.clone());
            }
        }
    }
    report.events = events(&windows, locale);
    report.packets = packets(&sim);
    report.faults = crate::report::FaultReport::from_applied(&sim.applied_faults());
    for (name, m) in &windows {
        for (layer, what, count) in m.borrow().diagnostics().entries() {
            report.diagnostics.push(crate::report::DiagnosticReport {
                host: name.clone(),
                layer: layer.to_string(),
                what: what.to_string(),
                count,
            });
        }
    }

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

/// Every Windows host's configuration, in scenario order, with the
/// scenario's certificates minted for `seed`: what `run` gives the
/// machines, for whoever builds them without a simulator (the fuzz lab).
pub fn machine_configs(
    scenario: &Scenario,
    seed: u64,
) -> Result<Vec<(String, win::MachineConfig)>, RunError> {
    let pki = mint_pki(scenario, seed)?;
    scenario
        .hosts
        .iter()
        .filter(|(_, h)| matches!(h.role, Role::Windows(_)))
        .map(|(name, host)| {
            Ok((
                name.to_string(),
                machine_config(scenario, name, host, seed, &pki)?,
            ))
        })
        .collect()
}

/// The report's name for a dial attempt's protocol.
fn dial_protocol(name: &str) -> DialProtocol {
    if name == "pptp" {
        DialProtocol::Pptp
    } else {
        DialProtocol::L2tp
    }
}

/// The scenario's certificates, minted from the fixed keys with serials
/// from the seed (DESIGN.md, "Crypto choices").
pub fn mint_pki(scenario: &Scenario, seed: u64) -> Result<Pki, RunError> {
    let authorities: Vec<pki::AuthoritySpec> = scenario
        .pki
        .authorities
        .iter()
        .map(|(name, a)| pki::AuthoritySpec {
            name: name.to_string(),
            subject: a.subject.clone(),
        })
        .collect();
    let certificates: Vec<pki::CertificateSpec> = scenario
        .pki
        .certificates
        .iter()
        .map(|(name, c)| pki::CertificateSpec {
            name: name.to_string(),
            authority: c.authority.clone(),
            subject: c.subject.clone(),
            not_before: c.not_before.map(|d| d.unix_seconds()),
            not_after: c.not_after.map(|d| d.unix_seconds()),
            private_key: c.private_key,
        })
        .collect();
    let mut rng = l2tpsec::seed::rng_for(seed, "pki");
    Pki::mint(
        &authorities,
        &certificates,
        scenario.date.unix_seconds(),
        &mut rng,
    )
    .map_err(|e| RunError::Setup(format!("pki: {e}")))
}

fn timeline_command(a: &schema::TimelineAction) -> Command {
    match a.action {
        schema::TimelineKind::StopService => Command::StopPolicyAgent,
        schema::TimelineKind::StartService => Command::StartPolicyAgent,
        schema::TimelineKind::Dial => Command::Dial,
        schema::TimelineKind::HangUp => Command::HangUp,
        schema::TimelineKind::SetRegistry => Command::SetRegistry {
            name: a.name.clone().unwrap_or_default(),
            value: a.value.unwrap_or_default(),
        },
    }
}

fn manual_policy(p: &schema::ManualPolicy) -> Result<ManualPolicy, RunError> {
    let mut mm_offers = Vec::new();
    for o in &p.main_mode {
        let group = DhGroup::from_number(o.group).ok_or_else(|| {
            RunError::Setup(format!(
                "ipsec-policy '{}': Diffie-Hellman group {} (1, 2 or 14)",
                p.name, o.group
            ))
        })?;
        mm_offers.push(offers::main_mode_offer(o.encryption, o.hash, group));
    }
    let qm_offers = p
        .quick_mode
        .iter()
        .map(|o| offers::quick_mode_offer(Some(o.encryption), o.integrity))
        .collect();
    Ok(ManualPolicy {
        name: p.name.clone(),
        peer: p.peer,
        mm_offers,
        qm_offers,
    })
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

fn subnet_of(scenario: &Scenario, network: &str) -> net::Subnet {
    let s = scenario.networks.get(network).map(|n| n.subnet);
    net::Subnet {
        addr: s.map_or(std::net::Ipv4Addr::UNSPECIFIED, |s| s.addr),
        prefix: s.map_or(32, |s| s.prefix),
    }
}

fn interfaces(scenario: &Scenario, host: &Host) -> Vec<(net::Subnet, std::net::Ipv4Addr)> {
    host.interfaces
        .iter()
        .map(|(network, &addr)| (subnet_of(scenario, network), addr))
        .collect()
}

fn nat(scenario: &Scenario, name: &str, host: &Host) -> Result<net::Nat, RunError> {
    let cfg = host
        .nat
        .as_ref()
        .ok_or_else(|| RunError::Setup(format!("host '{name}': role nat needs `nat:`")))?;
    let index = |network: &str| {
        host.interfaces
            .position(network)
            .ok_or_else(|| RunError::Setup(format!("host '{name}': no interface on '{network}'")))
    };
    net::Nat::new(
        interfaces(scenario, host),
        host.gateway,
        index(&cfg.inside)?,
        index(&cfg.outside)?,
        cfg.esp,
    )
    .map(|n| {
        n.with_udp_timeout(Some(cfg.udp_timeout))
            .with_port_preservation(cfg.port_preservation)
            .with_gre(cfg.gre)
            .with_forwards(&forwards(scenario, cfg))
    })
    .map_err(|e| RunError::Setup(format!("host '{name}': {e}")))
}

/// `forward` rules with each `to` resolved to its inside address
/// (validation made sure it has one).
fn forwards(scenario: &Scenario, cfg: &NatConfig) -> Vec<net::Forward> {
    cfg.forward
        .iter()
        .filter_map(|r| {
            let to = *scenario.hosts.get(&r.to)?.interfaces.get(&cfg.inside)?;
            Some(match (r.protocol, r.port) {
                (ForwardProtocol::Udp, Some(port)) => net::Forward::Udp { port, to },
                (ForwardProtocol::Tcp, Some(port)) => net::Forward::Tcp { port, to },
                (ForwardProtocol::Esp, _) => net::Forward::Esp { to },
                (ForwardProtocol::Gre, _) => net::Forward::Gre { to },
                _ => return None,
            })
        })
        .collect()
}

fn network_spec(scenario: &Scenario, opts: &RunOptions) -> Result<net::NetworkSpec, RunError> {
    let seed = opts.seed;
    let segments = scenario
        .networks
        .iter()
        .map(|(name, n)| net::SegmentSpec {
            name: name.to_string(),
            subnet: subnet_of(scenario, name),
            latency: n.latency,
        })
        .collect();
    let hosts = scenario
        .hosts
        .iter()
        .map(|(name, h)| net::HostSpec {
            name: name.to_string(),
            interfaces: h
                .interfaces
                .iter()
                .map(|(segment, &addr)| net::InterfaceSpec {
                    segment: segment.to_string(),
                    addr,
                })
                .collect(),
        })
        .collect();
    let addresses_of = |names: &[String]| -> Vec<std::net::Ipv4Addr> {
        names
            .iter()
            .filter_map(|n| scenario.hosts.get(n))
            .flat_map(Host::addresses)
            .collect()
    };
    let faults = scenario
        .faults
        .iter()
        .map(|f| net::FaultSpec {
            site: if scenario.networks.contains(&f.at) {
                net::FaultSite::Segment(f.at.clone())
            } else {
                net::FaultSite::Host(f.at.clone())
            },
            matcher: net::PacketMatch {
                protocol: f.matcher.protocol,
                port: f.matcher.port,
                src_port: f.matcher.src_port,
                dst_port: f.matcher.dst_port,
                from: addresses_of(&f.matcher.from.0),
                toward: addresses_of(&f.matcher.toward.0),
            },
            action: match f.action() {
                schema::FaultAction::Drop => net::FaultAction::Drop,
                schema::FaultAction::Corrupt { after } => net::FaultAction::Corrupt { after },
                schema::FaultAction::Delay(d) => net::FaultAction::Delay(d),
                schema::FaultAction::Duplicate => net::FaultAction::Duplicate,
            },
            probability: f.probability,
            active: f.active,
        })
        .collect();
    Ok(net::NetworkSpec {
        segments,
        hosts,
        faults,
        seed,
        tick: net::NetworkSpec::DEFAULT_TICK,
        engine: opts.engine,
    })
}

fn ipsec_settings(
    scenario: &Scenario,
    host: &Host,
    pki: &Pki,
) -> Result<win::IpsecSettings, RunError> {
    let certificate = host
        .certificate
        .as_ref()
        .and_then(|c| pki.certificate(c))
        .map(|c| win::MachineCertificate {
            der: c.der.clone(),
            key: c.key.clone(),
        });
    let roots: Vec<_> = host
        .trusts
        .iter()
        .filter_map(|t| pki.authority(t))
        .collect();
    Ok(win::IpsecSettings {
        certificate,
        trusted_roots: roots.iter().map(|a| a.der.clone()).collect(),
        trusted_root_names: roots.iter().map(|a| a.subject_der.clone()).collect(),
        epoch_unix: scenario.date.unix_seconds(),
        policy_agent_running: host.services.policy_agent == schema::ServiceState::Running,
        offload: host.nic.ipsec_offload,
        manual_policy: host.ipsec_policy.as_ref().map(manual_policy).transpose()?,
        preshared_key: host
            .dial
            .as_ref()
            .and_then(|d| d.preshared_key.clone())
            .or_else(|| host.l2tp_preshared_key.clone()),
    })
}

fn machine_config(
    scenario: &Scenario,
    name: &str,
    host: &Host,
    seed: u64,
    pki: &Pki,
) -> Result<win::MachineConfig, RunError> {
    let Role::Windows(edition) = host.role else {
        return Err(RunError::Setup(format!(
            "host '{name}' is not a Windows machine"
        )));
    };
    let dial = host.dial.as_ref().map(|d| win::DialConfig {
        at: d.at,
        server: d.server,
        vpn_type: d.kind,
        username: d.username.clone(),
        password: d.password.clone(),
        encryption: d.encryption,
    });
    let server = host.role.is_rras().then(|| win::ServerConfig {
        l2tp_ports: host.ports.l2tp,
        pptp_ports: host.ports.pptp,
        pool: host
            .address_pool
            .map_or(win::ServerConfig::AUTONET_POOL, |p| (p.first, p.last)),
        users: host
            .users
            .iter()
            .map(|(user, u)| {
                (
                    user.to_string(),
                    win::UserAccount {
                        password: u.password.clone(),
                        dial_in: u.dial_in,
                    },
                )
            })
            .collect::<BTreeMap<_, _>>(),
        policies: match &host.policies {
            None => vec![rras::Policy::server_2003_default()],
            Some(list) => list.iter().map(policy).collect(),
        },
    });
    Ok(win::MachineConfig {
        name: name.to_string(),
        edition,
        interfaces: interfaces(scenario, host),
        gateway: host.gateway,
        registry: edition.profile().registry.with(&host.registry),
        dial,
        server,
        ics: match (&host.nat, host.role.is_client()) {
            (Some(n), true) => host
                .interfaces
                .position(&n.inside)
                .zip(host.interfaces.position(&n.outside)),
            _ => None,
        },
        ipsec: ipsec_settings(scenario, host, pki)?,
        seed,
    })
}

fn policy(p: &schema::Policy) -> rras::Policy {
    rras::Policy {
        name: Some(p.name.clone()),
        conditions: p.conditions.clone(),
        permission: p.permission,
        profile: p.profile.clone(),
    }
}

/// Every machine's log entries, ordered by time, then host order, then the
/// order each machine wrote them.
fn events(windows: &[(String, Rc<RefCell<WindowsMachine>>)], locale: Locale) -> Vec<EventReport> {
    let mut all = Vec::new();
    for (host_index, (name, m)) in windows.iter().enumerate() {
        for (seq, e) in m.borrow().events().iter().enumerate() {
            let report = EventReport {
                host: name.clone(),
                log: e.log,
                id: e.id,
                source: e.source.to_string(),
                kind: e.kind,
                time_ms: millis(e.time),
                message: e.message(locale),
            };
            all.push(((e.time, host_index, seq), report));
        }
    }
    all.sort_by_key(|(k, _)| *k);
    all.into_iter().map(|(_, r)| r).collect()
}

fn packets(sim: &Simulation) -> Vec<PacketReport> {
    let mut dissector = Dissector::new();
    sim.captures()
        .iter()
        .map(|c| {
            let outbound = matches!(c.direction, net::Direction::Out);
            let d = dissector.dissect(&c.host, c.iface, outbound, &c.data);
            PacketReport {
                host: c.host.clone(),
                interface: c.segment.clone(),
                time_us: u64::try_from(c.time.as_micros()).unwrap_or(u64::MAX),
                direction: if outbound {
                    Direction::Out
                } else {
                    Direction::In
                },
                protocol: d.protocol,
                src: d.src,
                dst: d.dst,
                spi: d.spi.map(|s| format!("0x{s:08x}")),
                summary: d.summary,
            }
        })
        .collect()
}
