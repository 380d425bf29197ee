//! A scenario lowered into the library's types: the network spec, each
//! Windows machine's configuration, the PKI, NAT boxes and timeline
//! commands. The scenario's own names (hosts, networks) become addresses
//! here.

use std::collections::BTreeMap;

use l2tpsec::crypto::pki::Pki;
use l2tpsec::net;
use l2tpsec::windows::config as win;
use l2tpsec::windows::rras;

use super::error::RunError;
use crate::scenario::schema::{self, Host, NatConfig, Role, Scenario};

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

/// The scenario's certificates, minted from the fixed keys with serials
/// from the seed (DESIGN.md, "Crypto choices").
pub fn mint_pki(scenario: &Scenario, seed: u64) -> Result<Pki, RunError> {
    let mut rng = l2tpsec::seed::rng_for(seed, "pki");
    Pki::mint(
        &scenario.pki.authorities.0,
        &scenario.pki.certificates.0,
        scenario.date.unix_seconds(),
        &mut rng,
    )
    .map_err(|e| RunError::Setup(format!("pki: {e}")))
}

fn subnet_of(scenario: &Scenario, network: &str) -> net::Subnet {
    // Validation made sure every interface's network exists.
    scenario.networks.get(network).map_or(
        net::Subnet {
            addr: std::net::Ipv4Addr::UNSPECIFIED,
            prefix: 32,
        },
        |n| n.subnet,
    )
}

pub(super) fn interfaces(
    scenario: &Scenario,
    host: &Host,
) -> Vec<(net::Subnet, std::net::Ipv4Addr)> {
    host.interfaces
        .iter()
        .map(|(network, &addr)| (subnet_of(scenario, network), addr))
        .collect()
}

pub(super) fn nat(scenario: &Scenario, name: &str, host: &Host) -> Result<net::Nat, RunError> {
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
            r.resolve(|to| scenario.hosts.get(to)?.interfaces.get(&cfg.inside).copied())
        })
        .collect()
}

pub(super) fn network_spec(
    scenario: &Scenario,
    seed: u64,
    engine: net::Engine,
) -> Result<net::NetworkSpec, RunError> {
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
            matcher: f.matcher.with_hosts(|names| addresses_of(&names.0)),
            action: f.action,
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
        engine,
    })
}

fn ipsec_settings(scenario: &Scenario, host: &Host, pki: &Pki) -> win::IpsecSettings {
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
    win::IpsecSettings {
        certificate,
        trusted_roots: roots.iter().map(|a| a.der.clone()).collect(),
        trusted_root_names: roots.iter().map(|a| a.subject_der.clone()).collect(),
        epoch_unix: host.clock.apply(scenario.date).unix_seconds(),
        policy_agent_running: host.services.policy_agent == schema::ServiceState::Running,
        offload: host.nic.ipsec_offload,
        manual_policy: host.ipsec_policy.clone(),
        preshared_key: host
            .dial
            .as_ref()
            .and_then(|d| d.preshared_key.clone())
            .or_else(|| host.l2tp_preshared_key.clone()),
        audit: host.audit.clone(),
    }
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
    let server = host.role.is_rras().then(|| win::ServerConfig {
        ports: host.ports,
        pool: host.address_pool.unwrap_or(win::ServerConfig::AUTONET_POOL),
        users: host
            .users
            .iter()
            .map(|(user, u)| (user.to_string(), u.clone()))
            .collect::<BTreeMap<_, _>>(),
        policies: host
            .policies
            .clone()
            .unwrap_or_else(|| vec![rras::Policy::server_2003_default()]),
    });
    Ok(win::MachineConfig {
        name: name.to_string(),
        edition,
        interfaces: interfaces(scenario, host),
        gateway: host.gateway,
        registry: edition.profile().registry.with(&host.registry),
        dial: host.dial.clone(),
        server,
        ics: match (&host.nat, host.role.is_client()) {
            (Some(n), true) => host
                .interfaces
                .position(&n.inside)
                .zip(host.interfaces.position(&n.outside)),
            _ => None,
        },
        ipsec: ipsec_settings(scenario, host, pki),
        administrator: host.administrator,
        updates: host.updates.clone(),
        seed,
    })
}
