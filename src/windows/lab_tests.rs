//! The whole stack on the simulated network: an XP client behind a router
//! dials an RRAS server with L2TP in the clear (ProhibitIpSec=1).

use core::time::Duration;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::rc::Rc;

use super::config::*;
use super::rras::{DialIn, EncryptionLevel, Permission, Policy};
use super::WindowsMachine;
use crate::net::{
    HostSpec, InterfaceSpec, Machine, NetworkSpec, Router, SegmentSpec, Simulation, Subnet,
};

fn subnet(s: &str) -> Subnet {
    s.parse().unwrap()
}

struct Lab {
    sim: Simulation,
    client: Rc<RefCell<WindowsMachine>>,
    server: Rc<RefCell<WindowsMachine>>,
}

fn lab(client_enc: ConnectoidEncryption, server_enc: Vec<EncryptionLevel>, password: &str) -> Lab {
    lab_with(client_enc, server_enc, password, Accounts::default())
}

/// alice's account on the server, and who sits at the client.
struct Accounts {
    disabled: bool,
    client_administrator: bool,
}

impl Default for Accounts {
    fn default() -> Self {
        Accounts {
            disabled: false,
            client_administrator: true,
        }
    }
}

fn lab_with(
    client_enc: ConnectoidEncryption,
    server_enc: Vec<EncryptionLevel>,
    password: &str,
    accounts: Accounts,
) -> Lab {
    let Accounts {
        disabled,
        client_administrator,
    } = accounts;
    let lan = subnet("192.168.1.0/24");
    let inet = subnet("203.0.113.0/24");
    let spec = NetworkSpec {
        segments: vec![
            SegmentSpec {
                name: "lan".into(),
                subnet: lan,
                latency: Duration::from_millis(1),
            },
            SegmentSpec {
                name: "internet".into(),
                subnet: inet,
                latency: Duration::from_millis(15),
            },
        ],
        hosts: vec![
            HostSpec {
                name: "client".into(),
                interfaces: vec![InterfaceSpec {
                    segment: "lan".into(),
                    addr: [192, 168, 1, 10].into(),
                }],
            },
            HostSpec {
                name: "gw".into(),
                interfaces: vec![
                    InterfaceSpec {
                        segment: "lan".into(),
                        addr: [192, 168, 1, 1].into(),
                    },
                    InterfaceSpec {
                        segment: "internet".into(),
                        addr: [203, 0, 113, 1].into(),
                    },
                ],
            },
            HostSpec {
                name: "server".into(),
                interfaces: vec![InterfaceSpec {
                    segment: "internet".into(),
                    addr: [203, 0, 113, 10].into(),
                }],
            },
        ],
        faults: vec![],
        seed: 1,
        tick: Duration::from_millis(1),
        engine: crate::net::Engine::default(),
    };
    let mut sim = Simulation::new(spec).unwrap();
    let registry = Registry {
        prohibit_ipsec: 1,
        ..Registry::default()
    };
    let client = Rc::new(RefCell::new(WindowsMachine::new(MachineConfig {
        name: "client".into(),
        edition: Edition::XP_RTM,
        interfaces: vec![(lan, [192, 168, 1, 10].into())],
        gateway: Some([192, 168, 1, 1].into()),
        registry,
        dial: Some(DialConfig {
            at: Duration::from_secs(1),
            server: [203, 0, 113, 10].into(),
            vpn_type: VpnType::L2tp,
            username: "alice".into(),
            password: password.into(),
            encryption: client_enc,
            preshared_key: None,
        }),
        server: None,
        ics: None,
        ipsec: IpsecSettings::default(),
        administrator: client_administrator,
        updates: Vec::new(),
        seed: 1,
    })));
    let mut users = BTreeMap::new();
    users.insert(
        "alice".to_string(),
        UserAccount {
            password: "Secret1!".into(),
            dial_in: DialIn::Policy,
            disabled,
        },
    );
    let mut policy = Policy::server_2003_default();
    policy.name = Some("Connexions VPN".into());
    policy.permission = Permission::Grant;
    policy.profile.encryption = server_enc;
    let server = Rc::new(RefCell::new(WindowsMachine::new(MachineConfig {
        name: "server".into(),
        edition: Edition::SERVER_2003,
        interfaces: vec![(inet, [203, 0, 113, 10].into())],
        gateway: Some([203, 0, 113, 1].into()),
        registry,
        dial: None,
        server: Some(ServerConfig {
            ports: Ports { l2tp: 5, pptp: 5 },
            pool: AddressPool {
                first: [10, 10, 0, 100].into(),
                last: [10, 10, 0, 150].into(),
            },
            users,
            policies: vec![policy],
        }),
        ics: None,
        ipsec: IpsecSettings::default(),
        administrator: true,
        updates: Vec::new(),
        seed: 1,
    })));
    let gw: Rc<RefCell<dyn Machine>> = Rc::new(RefCell::new(Router::new(
        vec![
            (lan, [192, 168, 1, 1].into()),
            (inet, [203, 0, 113, 1].into()),
        ],
        None,
    )));
    sim.add_machine("client", client.clone()).unwrap();
    sim.add_machine("gw", gw).unwrap();
    sim.add_machine("server", server.clone()).unwrap();
    Lab {
        sim,
        client,
        server,
    }
}

fn run(lab: &mut Lab) {
    let client = lab.client.clone();
    lab.sim
        .run(Duration::from_secs(120), move |_| {
            client.borrow().finished()
        })
        .unwrap();
}

#[test]
fn cleartext_l2tp_connects_with_mppe_and_pings() {
    let mut lab = lab(
        ConnectoidEncryption::Require,
        vec![
            EncryptionLevel::Basic,
            EncryptionLevel::Strong,
            EncryptionLevel::Strongest,
        ],
        "Secret1!",
    );
    run(&mut lab);
    let client = lab.client.borrow();
    let outcome = client.dial_outcome().expect("a dial result");
    assert_eq!(outcome.error, None, "{outcome:?}");
    assert_eq!(outcome.address, Some(Ipv4Addr::new(10, 10, 0, 101)));
    let ids: Vec<u32> = lab.server.borrow().events().iter().map(|e| e.id).collect();
    assert_eq!(ids, [1, 20274]);
}

#[test]
fn server_requiring_encryption_refuses_client_without_it_742() {
    let mut lab = lab(
        ConnectoidEncryption::None,
        vec![EncryptionLevel::Strongest],
        "Secret1!",
    );
    run(&mut lab);
    assert_eq!(
        lab.client.borrow().dial_outcome().and_then(|o| o.error),
        Some(742)
    );
}

#[test]
fn wrong_password_is_691() {
    let mut lab = lab(
        ConnectoidEncryption::Require,
        vec![EncryptionLevel::Strongest],
        "nope",
    );
    run(&mut lab);
    assert_eq!(
        lab.client.borrow().dial_outcome().and_then(|o| o.error),
        Some(691)
    );
    let ids: Vec<u32> = lab.server.borrow().events().iter().map(|e| e.id).collect();
    assert_eq!(ids, [2, 20271]);
}

/// A dial with `password` to a disabled account, run to its end.
fn disabled_dial(password: &str) -> Lab {
    let mut lab = lab_with(
        ConnectoidEncryption::Require,
        vec![EncryptionLevel::Strongest],
        password,
        Accounts {
            disabled: true,
            ..Accounts::default()
        },
    );
    run(&mut lab);
    lab
}

#[test]
fn disabled_account_with_its_password_is_647_and_ias_says_why() {
    let lab = disabled_dial("Secret1!");
    assert_eq!(
        lab.client.borrow().dial_outcome().and_then(|o| o.error),
        Some(647)
    );
    let server = lab.server.borrow();
    let ids: Vec<u32> = server.events().iter().map(|e| e.id).collect();
    assert_eq!(ids, [2, 20271]);
}

#[test]
fn disabled_account_with_a_wrong_password_is_still_691() {
    let lab = disabled_dial("nope");
    assert_eq!(
        lab.client.borrow().dial_outcome().and_then(|o| o.error),
        Some(691)
    );
}

#[test]
fn netdiag_shows_the_policy_only_to_an_administrator() {
    let netdiag = |administrator| {
        let mut lab = lab_with(
            ConnectoidEncryption::Require,
            vec![EncryptionLevel::Strongest],
            "Secret1!",
            Accounts {
                client_administrator: administrator,
                ..Accounts::default()
            },
        );
        run(&mut lab);
        let views = lab.client.borrow().views();
        views
            .into_iter()
            .find(|(c, _)| c.starts_with("netdiag"))
            .map(|(_, out)| out)
            .unwrap_or_default()
    };
    assert!(netdiag(true).contains(": Passed"));
    let refused = netdiag(false);
    assert!(refused.contains("Access is denied."), "{refused}");
    assert!(!refused.contains("Passed"), "{refused}");
}

mod garbage {
    use super::*;
    use crate::wire::udp;
    use proptest::prelude::*;
    use std::net::SocketAddrV4;

    fn machines() -> Vec<WindowsMachine> {
        let l = lab(
            ConnectoidEncryption::Require,
            vec![EncryptionLevel::Strongest],
            "Secret1!",
        );
        let (c, s) = (
            l.client.borrow().config().clone(),
            l.server.borrow().config().clone(),
        );
        vec![WindowsMachine::new(c), WindowsMachine::new(s)]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        /// Bytes from the network never panic a machine, whatever they
        /// claim to be: raw, or UDP to its IKE, L2TP or another port.
        #[test]
        fn any_packet_is_survived(bytes in proptest::collection::vec(any::<u8>(), 0..300), port in prop::sample::select(vec![500u16, 1701, 4500, 9])) {
            for mut m in machines() {
                let me = m.config().interfaces[0].1;
                let now = Duration::from_secs(2);
                m.handle_packet(now, 0, &bytes);
                let dgram = udp::build_ipv4(SocketAddrV4::new([198, 51, 100, 7].into(), port), SocketAddrV4::new(me, port), 1, 64, &bytes);
                m.handle_packet(now, 0, &dgram);
                m.handle_timeout(now + Duration::from_secs(1));
                while m.poll_transmit().is_some() {}
            }
        }
    }
}
