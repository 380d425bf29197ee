//! The two Windows machines of the standard lab (`scenarios/base/
//! standard.yaml`: an XP client dialling an RRAS server), wired back to
//! back: every packet one transmits is handed to the other, and timers fire
//! in time order. No `Simulation`: the gateway between them forwards
//! unchanged, so it is left out, and the machines are cheap to clone.
//!
//! The configurations are written out here because the runner's lowering
//! of a scenario (`run::machine_config`) is private; they follow
//! `base/ipsec.yaml` (machine certificates from "Corp Root CA") and
//! `base/cleartext.yaml` (ProhibitIpSec 1 on both ends).

use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::time::Duration;

use l2tpsec::crypto::pki::{AuthoritySpec, CertificateSpec, Pki};
use l2tpsec::net::{Machine, Subnet};
use l2tpsec::windows::config::{
    ConnectoidEncryption, DialConfig, Edition, IpsecSettings, MachineCertificate, MachineConfig,
    Registry, ServerConfig, UserAccount, VpnType,
};
use l2tpsec::windows::rras::{
    AuthMethod, Conditions, DialIn, EncryptionLevel, Permission, Policy, Profile, TunnelType,
};
use l2tpsec::windows::WindowsMachine;

pub const CLIENT: Ipv4Addr = Ipv4Addr::new(192, 168, 1, 10);
pub const SERVER: Ipv4Addr = Ipv4Addr::new(203, 0, 113, 10);
const SEED: u64 = 1;
/// 2007-04-23T10:00:00Z, the standard lab's date.
const DATE_UNIX: i64 = 1_177_322_400;

/// Which side of the lab sent a packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Client,
    Server,
}

/// How L2TP is carried: inside IPsec (the Windows default) or in the clear.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Carriage {
    Ipsec,
    Cleartext,
}

#[derive(Clone)]
pub struct Lab {
    pub client: WindowsMachine,
    pub server: WindowsMachine,
    pub now: Duration,
}

impl Lab {
    pub fn new(carriage: Carriage) -> Lab {
        let (client, server) = configs(carriage);
        Lab {
            client: WindowsMachine::new(client),
            server: WindowsMachine::new(server),
            now: Duration::ZERO,
        }
    }

    /// Moves packets and fires timers until `stop` is true of a packet
    /// just delivered (true is returned) or nothing is due before `limit`.
    pub fn run_until(
        &mut self,
        limit: Duration,
        mut stop: impl FnMut(Side, &[u8]) -> bool,
    ) -> bool {
        loop {
            let mut moved = false;
            while let Some(t) = self.client.poll_transmit() {
                self.server.handle_packet(self.now, 0, &t.packet);
                moved = true;
                if stop(Side::Client, &t.packet) {
                    return true;
                }
            }
            while let Some(t) = self.server.poll_transmit() {
                self.client.handle_packet(self.now, 0, &t.packet);
                moved = true;
                if stop(Side::Server, &t.packet) {
                    return true;
                }
            }
            if moved {
                continue;
            }
            let due = [self.client.poll_timeout(), self.server.poll_timeout()];
            let Some(next) = due.into_iter().flatten().min() else {
                return false;
            };
            if next > limit {
                return false;
            }
            self.now = self.now.max(next);
            for (m, t) in [(&mut self.client, due[0]), (&mut self.server, due[1])] {
                if t.is_some_and(|t| t <= self.now) {
                    m.handle_timeout(self.now);
                }
            }
        }
    }
}

/// Client and server configurations of the standard lab.
pub fn configs(carriage: Carriage) -> (MachineConfig, MachineConfig) {
    let lan = Subnet {
        addr: Ipv4Addr::new(192, 168, 1, 0),
        prefix: 24,
    };
    let internet = Subnet {
        addr: Ipv4Addr::new(203, 0, 113, 0),
        prefix: 24,
    };
    let registry = Registry {
        prohibit_ipsec: u32::from(carriage == Carriage::Cleartext),
        ..Registry::WINDOWS_DEFAULT
    };
    let (client_ipsec, server_ipsec) = match carriage {
        Carriage::Ipsec => certificates(),
        Carriage::Cleartext => (IpsecSettings::default(), IpsecSettings::default()),
    };
    let client = MachineConfig {
        name: "client".into(),
        edition: Edition::XpClient,
        interfaces: vec![(lan, CLIENT)],
        gateway: Some(Ipv4Addr::new(192, 168, 1, 1)),
        registry,
        dial: Some(DialConfig {
            at: Duration::from_secs(1),
            server: SERVER,
            vpn_type: VpnType::L2tp,
            username: "alice".into(),
            password: "Secret1!".into(),
            encryption: ConnectoidEncryption::Require,
        }),
        server: None,
        ics: None,
        ipsec: client_ipsec,
        seed: SEED,
    };
    let users = BTreeMap::from([(
        "alice".to_string(),
        UserAccount {
            password: "Secret1!".into(),
            dial_in: DialIn::Policy,
        },
    )]);
    let server = MachineConfig {
        name: "server".into(),
        edition: Edition::RrasServer,
        interfaces: vec![(internet, SERVER)],
        gateway: Some(Ipv4Addr::new(203, 0, 113, 1)),
        registry,
        dial: None,
        server: Some(ServerConfig {
            l2tp_ports: 5,
            pptp_ports: 5,
            pool: (Ipv4Addr::new(10, 10, 0, 100), Ipv4Addr::new(10, 10, 0, 150)),
            users,
            policies: vec![Policy {
                name: Some("Connexions VPN".into()),
                conditions: Conditions {
                    tunnel_type: Some(vec![TunnelType::L2tp, TunnelType::Pptp]),
                },
                permission: Permission::Grant,
                profile: Profile {
                    authentication: vec![AuthMethod::MsChapV2],
                    encryption: vec![
                        EncryptionLevel::None,
                        EncryptionLevel::Basic,
                        EncryptionLevel::Strong,
                        EncryptionLevel::Strongest,
                    ],
                },
            }],
        }),
        ics: None,
        ipsec: server_ipsec,
        seed: SEED,
    };
    (client, server)
}

/// `base/ipsec.yaml`: both machines hold a certificate from "Corp Root CA"
/// and trust it.
fn certificates() -> (IpsecSettings, IpsecSettings) {
    let authorities = [AuthoritySpec {
        name: "corp-root".into(),
        subject: "CN=Corp Root CA".into(),
    }];
    let cert = |name: &str, subject: &str| CertificateSpec {
        name: name.into(),
        authority: "corp-root".into(),
        subject: subject.into(),
        not_before: None,
        not_after: None,
        private_key: true,
    };
    let certificates = [
        cert("client-cert", "CN=xp-client.corp.test"),
        cert("server-cert", "CN=vpn.corp.test"),
    ];
    let mut rng = l2tpsec::seed::rng_for(SEED, "pki");
    // The specs are fixed and valid: minting them cannot fail but on a bug.
    let pki = match Pki::mint(&authorities, &certificates, DATE_UNIX, &mut rng) {
        Ok(p) => p,
        Err(e) => panic!("minting the lab's fixed PKI failed: {e}"),
    };
    let settings = |name: &str| IpsecSettings {
        certificate: pki.certificate(name).map(|c| MachineCertificate {
            der: c.der.clone(),
            key: c.key.clone(),
        }),
        trusted_roots: pki.authorities().iter().map(|a| a.der.clone()).collect(),
        trusted_root_names: pki
            .authorities()
            .iter()
            .map(|a| a.subject_der.clone())
            .collect(),
        epoch_unix: DATE_UNIX,
        ..IpsecSettings::default()
    };
    (settings("client-cert"), settings("server-cert"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn back_to_back_lab_connects_with_ipsec_and_in_the_clear() {
        for carriage in [Carriage::Ipsec, Carriage::Cleartext] {
            let mut lab = Lab::new(carriage);
            lab.run_until(Duration::from_secs(60), |_, _| false);
            let outcome = lab.client.dial_outcome().map(|o| o.connected());
            assert_eq!(outcome, Some(true), "{carriage:?}");
        }
    }
}
