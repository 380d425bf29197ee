//! The network end to end on turmoil: toy machines across a router and a
//! NAT, faults, determinism, pcapng.

use core::net::{Ipv4Addr, SocketAddrV4};
use core::time::Duration;
use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use super::*;
use crate::wire::udp;

thread_local! {
    static ENGINE: core::cell::Cell<crate::net::Engine> = const { core::cell::Cell::new(crate::net::Engine::Event) };
}

/// The engine the current test body runs on.
fn engine() -> crate::net::Engine {
    ENGINE.with(core::cell::Cell::get)
}

/// Runs a test body on each engine: the network model is theirs to share.
fn on_both_engines(test: impl Fn()) {
    for e in crate::net::Engine::ALL {
        eprintln!("engine {}", e.as_str());
        ENGINE.with(|c| c.set(e));
        test();
    }
}

fn ip(s: &str) -> Ipv4Addr {
    s.parse().unwrap()
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

const ECHO_PORT: u16 = 7;
const PING_PORT: u16 = 40000;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Seen {
    /// (host, time, seq, UDP source as seen)
    Datagram(&'static str, Duration, u16, SocketAddrV4),
    /// (host, time): a packet that failed IP/UDP checks
    Bad(&'static str, Duration),
}

type Log = Rc<RefCell<Vec<Seen>>>;

/// Sends a datagram to `peer:7` at each of `times`; logs what comes back.
struct Pinger {
    name: &'static str,
    table: RouteTable,
    me: Ipv4Addr,
    peer: Ipv4Addr,
    times: VecDeque<Duration>,
    seq: u16,
    queue: VecDeque<Transmit>,
    log: Log,
}

impl Pinger {
    fn send(&mut self, to: SocketAddrV4, from_port: u16, seq: u16) {
        let mut payload = seq.to_be_bytes().to_vec();
        payload.extend_from_slice(&[0x5a; 30]);
        let pkt = udp::build_ipv4(
            SocketAddrV4::new(self.me, from_port),
            to,
            seq,
            128,
            &payload,
        );
        if let Some((iface, next_hop)) = self.table.route(*to.ip()) {
            self.queue.push_back(Transmit {
                iface,
                next_hop,
                packet: pkt,
            });
        }
    }
}

impl Machine for Pinger {
    fn handle_packet(&mut self, now: Duration, _iface: usize, packet: &[u8]) {
        match udp::parse_ipv4(packet) {
            Ok(d) => {
                let seq = u16::from_be_bytes([d.payload[0], d.payload[1]]);
                self.log
                    .borrow_mut()
                    .push(Seen::Datagram(self.name, now, seq, d.src));
                // The echo side answers; the pinger does not.
                if d.dst.port() == ECHO_PORT {
                    self.send(d.src, ECHO_PORT, seq);
                }
            }
            Err(_) => self.log.borrow_mut().push(Seen::Bad(self.name, now)),
        }
    }

    fn handle_timeout(&mut self, now: Duration) {
        while self.times.front().is_some_and(|t| *t <= now) {
            self.times.pop_front();
            self.seq += 1;
            let (peer, seq) = (self.peer, self.seq);
            self.send(SocketAddrV4::new(peer, ECHO_PORT), PING_PORT, seq);
        }
    }

    fn poll_transmit(&mut self) -> Option<Transmit> {
        self.queue.pop_front()
    }

    fn poll_timeout(&self) -> Option<Duration> {
        self.times.front().copied()
    }
}

fn pinger(
    name: &'static str,
    me: &str,
    subnet: &str,
    gw: &str,
    peer: &str,
    times: &[u64],
    log: &Log,
) -> Rc<RefCell<Pinger>> {
    Rc::new(RefCell::new(Pinger {
        name,
        table: RouteTable::new(&[(subnet.parse().unwrap(), ip(me))], Some(ip(gw))),
        me: ip(me),
        peer: ip(peer),
        times: times.iter().map(|t| ms(*t)).collect(),
        seq: 0,
        queue: VecDeque::new(),
        log: Rc::clone(log),
    }))
}

fn segment(name: &str, subnet: &str, latency: u64) -> SegmentSpec {
    SegmentSpec {
        name: name.into(),
        subnet: subnet.parse().unwrap(),
        latency: ms(latency),
    }
}

fn host(name: &str, ifaces: &[(&str, &str)]) -> HostSpec {
    HostSpec {
        name: name.into(),
        interfaces: ifaces
            .iter()
            .map(|(s, a)| InterfaceSpec {
                segment: (*s).into(),
                addr: ip(a),
            })
            .collect(),
    }
}

/// client 10.0.1.10 -- lan (1 ms) -- router -- wan (5 ms) -- server 10.0.2.10
fn routed(faults: Vec<FaultSpec>, pings: &[u64]) -> (Simulation, Log) {
    let (sim, log, _) = routed_parts(faults, pings);
    (sim, log)
}

fn routed_parts(faults: Vec<FaultSpec>, pings: &[u64]) -> (Simulation, Log, Rc<RefCell<Pinger>>) {
    let spec = NetworkSpec {
        segments: vec![
            segment("lan", "10.0.1.0/24", 1),
            segment("wan", "10.0.2.0/24", 5),
        ],
        hosts: vec![
            host("client", &[("lan", "10.0.1.10")]),
            host("router", &[("lan", "10.0.1.1"), ("wan", "10.0.2.1")]),
            host("server", &[("wan", "10.0.2.10")]),
        ],
        faults,
        seed: 1,
        tick: NetworkSpec::DEFAULT_TICK,
        engine: engine(),
    };
    let log: Log = Rc::default();
    let mut sim = Simulation::new(spec).unwrap();
    let client = pinger(
        "client",
        "10.0.1.10",
        "10.0.1.0/24",
        "10.0.1.1",
        "10.0.2.10",
        pings,
        &log,
    );
    sim.add_machine("client", client.clone()).unwrap();
    let router = Router::new(
        vec![
            ("10.0.1.0/24".parse().unwrap(), ip("10.0.1.1")),
            ("10.0.2.0/24".parse().unwrap(), ip("10.0.2.1")),
        ],
        None,
    );
    sim.add_machine("router", Rc::new(RefCell::new(router)))
        .unwrap();
    sim.add_machine(
        "server",
        pinger(
            "server",
            "10.0.2.10",
            "10.0.2.0/24",
            "10.0.2.1",
            "10.0.1.10",
            &[],
            &log,
        ),
    )
    .unwrap();
    (sim, log, client)
}

/// client 192.168.1.10 -- lan (1 ms) -- nat -- internet (5 ms) -- server 203.0.113.10
fn natted(faults: Vec<FaultSpec>, pings: &[u64], seed: u64) -> (Simulation, Log) {
    natted_both_ways(faults, pings, &[], seed)
}

/// `natted`, the server also sending to the client's inside address at
/// `server_pings`.
fn natted_both_ways(
    faults: Vec<FaultSpec>,
    pings: &[u64],
    server_pings: &[u64],
    seed: u64,
) -> (Simulation, Log) {
    let spec = NetworkSpec {
        segments: vec![
            segment("lan", "192.168.1.0/24", 1),
            segment("internet", "203.0.113.0/24", 5),
        ],
        hosts: vec![
            host("client", &[("lan", "192.168.1.10")]),
            host("gw", &[("lan", "192.168.1.1"), ("internet", "203.0.113.2")]),
            host("server", &[("internet", "203.0.113.10")]),
        ],
        faults,
        seed,
        tick: NetworkSpec::DEFAULT_TICK,
        engine: engine(),
    };
    let log: Log = Rc::default();
    let mut sim = Simulation::new(spec).unwrap();
    sim.add_machine(
        "client",
        pinger(
            "client",
            "192.168.1.10",
            "192.168.1.0/24",
            "192.168.1.1",
            "203.0.113.10",
            pings,
            &log,
        ),
    )
    .unwrap();
    let nat = Nat::new(
        vec![
            ("192.168.1.0/24".parse().unwrap(), ip("192.168.1.1")),
            ("203.0.113.0/24".parse().unwrap(), ip("203.0.113.2")),
        ],
        None,
        0,
        1,
        EspNat::Translate,
    )
    .unwrap();
    sim.add_machine("gw", Rc::new(RefCell::new(nat))).unwrap();
    sim.add_machine(
        "server",
        pinger(
            "server",
            "203.0.113.10",
            "203.0.113.0/24",
            "203.0.113.2",
            "192.168.1.10",
            server_pings,
            &log,
        ),
    )
    .unwrap();
    (sim, log)
}

fn wan_fault(
    site: &str,
    action: FaultAction,
    probability: f64,
    active: Option<(u64, u64)>,
) -> FaultSpec {
    FaultSpec {
        site: FaultSite::Segment(site.into()),
        matcher: PacketMatch {
            protocol: Some(ProtoMatch::Udp),
            dst_port: Some(ECHO_PORT),
            ..PacketMatch::default()
        },
        action,
        probability,
        active: active.map(|(a, b)| (ms(a), ms(b))),
    }
}

fn server_times(log: &Log) -> Vec<(Duration, u16)> {
    log.borrow()
        .iter()
        .filter_map(|s| match s {
            Seen::Datagram("server", t, seq, _) => Some((*t, *seq)),
            _ => None,
        })
        .collect()
}

fn client_times(log: &Log) -> Vec<(Duration, u16)> {
    log.borrow()
        .iter()
        .filter_map(|s| match s {
            Seen::Datagram("client", t, seq, _) => Some((*t, *seq)),
            _ => None,
        })
        .collect()
}

#[test]
fn datagrams_cross_a_router_with_exact_segment_latency() {
    on_both_engines(|| {
        let (mut sim, log) = routed(vec![], &[1000, 2000]);
        let end = sim.run(ms(3000), |_| false).unwrap();
        assert_eq!(end, ms(3000));
        // 1 ms on the LAN, forwarded at once, 5 ms on the WAN; and back.
        assert_eq!(server_times(&log), vec![(ms(1006), 1), (ms(2006), 2)]);
        assert_eq!(client_times(&log), vec![(ms(1012), 1), (ms(2012), 2)]);
        let caps = sim.captures();
        // client out, router in+out, server in+out, router in+out, client in; twice.
        assert_eq!(caps.len(), 16);
        let first = &caps[0];
        assert_eq!(
            (
                first.host.as_str(),
                first.segment.as_str(),
                first.direction,
                first.time
            ),
            ("client", "lan", Direction::Out, ms(1000))
        );
        let at_router = caps
            .iter()
            .find(|c| c.host == "router" && c.direction == Direction::Out)
            .unwrap();
        assert_eq!(
            (at_router.segment.as_str(), at_router.iface, at_router.time),
            ("wan", 1, ms(1001))
        );
        assert_eq!(at_router.data[8], 127, "TTL decremented");
    });
}

#[test]
fn run_stops_when_asked() {
    on_both_engines(|| {
        let (mut sim, log) = routed(vec![], &[1000]);
        let probe = Rc::clone(&log);
        let end = sim
            .run(ms(10_000), move |_| !probe.borrow().is_empty())
            .unwrap();
        // Delivered at 1006 ms, in the tick that ends at 1007 ms.
        assert_eq!(end, ms(1007));
        // And can continue.
        let end = sim.run(ms(1500), |_| false).unwrap();
        assert_eq!(end, ms(1500));
        assert_eq!(client_times(&log), vec![(ms(1012), 1)]);
    });
}

#[test]
fn machine_changed_between_runs_is_noticed() {
    on_both_engines(|| {
        let (mut sim, log, client) = routed_parts(vec![], &[]);
        sim.run(ms(500), |_| false).unwrap();
        // A timeline action: the client is told to send at 600 ms.
        client.borrow_mut().times.push_back(ms(600));
        sim.run(ms(1000), |_| false).unwrap();
        assert_eq!(server_times(&log), vec![(ms(606), 1)]);
    });
}

#[test]
fn nat_rewrites_source_and_maps_replies_back() {
    on_both_engines(|| {
        let (mut sim, log) = natted(vec![], &[1000], 1);
        sim.run(ms(2000), |_| false).unwrap();
        let seen = log.borrow().clone();
        assert!(seen.contains(&Seen::Datagram(
            "server",
            ms(1006),
            1,
            "203.0.113.2:40000".parse().unwrap()
        )));
        assert!(seen.contains(&Seen::Datagram(
            "client",
            ms(1012),
            1,
            "203.0.113.10:7".parse().unwrap()
        )));
        assert!(!seen.iter().any(|s| matches!(s, Seen::Bad(..))));
    });
}

#[test]
fn drop_fault_applies_only_in_its_window() {
    on_both_engines(|| {
        let f = wan_fault("wan", FaultAction::Drop, 1.0, Some((1500, 2500)));
        let (mut sim, log) = routed(vec![f], &[1000, 2000, 3000]);
        sim.run(ms(4000), |_| false).unwrap();
        assert_eq!(server_times(&log), vec![(ms(1006), 1), (ms(3006), 3)]);
        // The router sent it (Out is captured before segment faults); the server never saw it.
        let caps = sim.captures();
        assert!(caps
            .iter()
            .any(|c| c.host == "router" && c.direction == Direction::Out && c.time == ms(2001)));
        assert!(!caps
            .iter()
            .any(|c| c.host == "server" && c.time > ms(2000) && c.time < ms(3000)));
    });
}

#[test]
fn host_fault_drops_what_the_router_transmits() {
    on_both_engines(|| {
        let mut f = wan_fault("router", FaultAction::Drop, 1.0, None);
        f.site = FaultSite::Host("router".into());
        let (mut sim, log) = routed(vec![f], &[1000]);
        sim.run(ms(2000), |_| false).unwrap();
        assert!(server_times(&log).is_empty());
        let caps = sim.captures();
        assert!(caps
            .iter()
            .any(|c| c.host == "router" && c.direction == Direction::In));
        assert!(!caps
            .iter()
            .any(|c| c.host == "router" && c.direction == Direction::Out));
    });
}

#[test]
fn corrupt_fault_breaks_the_udp_checksum_at_the_receiver() {
    on_both_engines(|| {
        let f = wan_fault(
            "wan",
            FaultAction::Corrupt {
                after: CorruptAfter::Udp,
            },
            1.0,
            None,
        );
        let (mut sim, log) = routed(vec![f], &[1000, 2000]);
        sim.run(ms(3000), |_| false).unwrap();
        assert_eq!(
            *log.borrow(),
            vec![Seen::Bad("server", ms(1006)), Seen::Bad("server", ms(2006))]
        );
        let caps = sim.captures();
        let out = caps
            .iter()
            .find(|c| c.host == "router" && c.direction == Direction::Out)
            .unwrap();
        let inn = caps
            .iter()
            .find(|c| c.host == "server" && c.direction == Direction::In)
            .unwrap();
        let diff = (0..out.data.len())
            .filter(|&i| out.data[i] != inn.data[i])
            .collect::<Vec<_>>();
        assert_eq!(diff.len(), 1);
        assert!(diff[0] >= 28);
    });
}

#[test]
fn duplicate_and_delay_faults() {
    on_both_engines(|| {
        let dup = wan_fault("wan", FaultAction::Duplicate, 1.0, Some((0, 1500)));
        let delay = wan_fault(
            "wan",
            FaultAction::Delay { by: ms(200) },
            1.0,
            Some((1500, 2500)),
        );
        let (mut sim, log) = routed(vec![dup, delay], &[1000, 2000]);
        sim.run(ms(3000), |_| false).unwrap();
        assert_eq!(
            server_times(&log),
            vec![(ms(1006), 1), (ms(1006), 1), (ms(2206), 2)]
        );
        assert_eq!(
            client_times(&log),
            vec![(ms(1012), 1), (ms(1012), 1), (ms(2212), 2)]
        );
    });
}

#[test]
fn applied_faults_name_time_site_action_rule_and_packet() {
    on_both_engines(|| {
        let dup = wan_fault("wan", FaultAction::Duplicate, 1.0, Some((0, 1500)));
        let delay = wan_fault(
            "wan",
            FaultAction::Delay { by: ms(200) },
            1.0,
            Some((1500, 2500)),
        );
        let mut drop = wan_fault("router", FaultAction::Drop, 1.0, Some((2500, 3500)));
        drop.site = FaultSite::Host("router".into());
        let (mut sim, _) = routed(vec![dup, delay, drop], &[1000, 2000, 3000]);
        sim.run(ms(4000), |_| false).unwrap();
        let got: Vec<_> = sim
            .applied_faults()
            .iter()
            .map(|a| (a.time, a.site.clone(), a.action, a.rule))
            .collect();
        let wan = || FaultSite::Segment("wan".into());
        assert_eq!(
            got,
            vec![
                // Entering the WAN from the router, 1 ms after the client sent.
                (ms(1001), wan(), AppliedAction::Duplicate, Some(0)),
                (ms(2001), wan(), AppliedAction::Delay, Some(1)),
                (
                    ms(3001),
                    FaultSite::Host("router".into()),
                    AppliedAction::Drop,
                    Some(2)
                ),
            ]
        );
        // The packet is the one the rule matched: the router's datagram to 7.
        let first = sim.applied_faults().remove(0).packet;
        let d = udp::parse_ipv4(&first).unwrap();
        assert_eq!(d.dst, "10.0.2.10:7".parse().unwrap());
    });
}

#[test]
fn nat_refusals_are_applied_faults_of_the_nat_host() {
    on_both_engines(|| {
        // The server sends to the client's inside address at 1 s, and the
        // client pings it at 2 s: the first has no mapping, the second is
        // translated both ways.
        let (mut sim, log) = natted_both_ways(vec![], &[2000], &[1000], 1);
        sim.run(ms(3000), |_| false).unwrap();
        let got: Vec<_> = sim
            .applied_faults()
            .iter()
            .map(|a| (a.time, a.site.clone(), a.action, a.rule))
            .collect();
        assert_eq!(
            got,
            vec![(
                ms(1005),
                FaultSite::Host("gw".into()),
                AppliedAction::NatNoMapping,
                None
            )]
        );
        let refused = sim.applied_faults().remove(0).packet;
        let d = udp::parse_ipv4(&refused).unwrap();
        assert_eq!(d.dst, "192.168.1.10:7".parse().unwrap());
        assert_eq!(client_times(&log), vec![(ms(2012), 1)]);
    });
}

fn lossy_run(seed: u64) -> (Vec<CapturedPacket>, Vec<u8>, Vec<Seen>) {
    let faults = vec![
        wan_fault("internet", FaultAction::Drop, 0.3, None),
        wan_fault("internet", FaultAction::Delay { by: ms(3) }, 0.5, None),
        wan_fault("lan", FaultAction::Duplicate, 0.2, None),
    ];
    let pings: Vec<u64> = (1..=40).map(|i| i * 50).collect();
    let (mut sim, log) = natted(faults, &pings, seed);
    sim.run(ms(2500), |_| false).unwrap();
    let mut pcap = Vec::new();
    sim.write_pcapng(&mut pcap, 1_177_322_400_000_000).unwrap();
    let seen = log.borrow().clone();
    (sim.captures(), pcap, seen)
}

#[test]
fn runs_are_deterministic_and_seeds_matter() {
    on_both_engines(|| {
        let a = lossy_run(1);
        let b = lossy_run(1);
        assert_eq!(a.0, b.0);
        assert_eq!(a.1, b.1, "pcapng bytes differ");
        assert_eq!(a.2, b.2);
        let c = lossy_run(2);
        assert_ne!(a.2, c.2);
        let delivered = server_times_of(&a.2);
        assert!(
            delivered > 15 && delivered < 40,
            "{delivered} of 40 delivered"
        );
    });
}

fn server_times_of(seen: &[Seen]) -> usize {
    seen.iter()
        .filter(|s| matches!(s, Seen::Datagram("server", ..)))
        .count()
}

#[test]
fn pcapng_has_section_interfaces_and_every_packet() {
    on_both_engines(|| {
        use pcap_file::pcapng::{Block, PcapNgReader};
        let (caps, pcap, _) = lossy_run(1);
        let mut r = PcapNgReader::new(&pcap[..]).unwrap();
        let mut names = Vec::new();
        let mut packets = 0;
        while let Some(block) = r.next_block() {
            match block.unwrap() {
                Block::InterfaceDescription(idb) => {
                    assert_eq!(idb.linktype, pcap_file::DataLink::RAW);
                    names.push(format!("{:?}", idb.options));
                }
                Block::EnhancedPacket(epb) => {
                    let c = &caps[packets];
                    assert_eq!(&epb.data[..], &c.data[..]);
                    packets += 1;
                }
                _ => {}
            }
        }
        assert_eq!(packets, caps.len());
        assert_eq!(names.len(), 4);
        assert!(names[1].contains("gw/lan") && names[2].contains("gw/internet"));
        if std::process::Command::new("tshark")
            .arg("-v")
            .output()
            .is_ok()
        {
            let path = std::env::temp_dir().join("l2tpsec-net-test.pcapng");
            std::fs::write(&path, &pcap).unwrap();
            let out = std::process::Command::new("tshark")
                .arg("-r")
                .arg(&path)
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            assert_eq!(
                String::from_utf8_lossy(&out.stdout).lines().count(),
                caps.len()
            );
        }
    });
}

#[test]
fn interface_captures_hold_only_their_own_packets() {
    on_both_engines(|| {
        use pcap_file::pcapng::{Block, PcapNgReader};
        let (mut sim, _) = routed(vec![], &[1000]);
        sim.run(ms(2000), |_| false).unwrap();
        let caps = sim.captures();
        let files = sim.interface_pcapngs(0).unwrap();
        let names: Vec<(&str, &str)> = files
            .iter()
            .map(|f| (f.host.as_str(), f.segment.as_str()))
            .collect();
        assert_eq!(
            names,
            [
                ("client", "lan"),
                ("router", "lan"),
                ("router", "wan"),
                ("server", "wan")
            ]
        );
        let mut total = 0;
        for InterfaceCapture {
            host,
            segment,
            pcapng: file,
        } in &files
        {
            let mine: Vec<&CapturedPacket> = caps
                .iter()
                .filter(|c| &c.host == host && &c.segment == segment)
                .collect();
            let mut r = PcapNgReader::new(&file[..]).unwrap();
            let (mut idbs, mut n) = (0, 0);
            while let Some(block) = r.next_block() {
                match block.unwrap() {
                    Block::InterfaceDescription(idb) => {
                        idbs += 1;
                        assert!(format!("{:?}", idb.options).contains(&format!("{host}/{segment}")));
                    }
                    Block::EnhancedPacket(epb) => {
                        assert_eq!(epb.interface_id, 0);
                        assert_eq!(&epb.data[..], &mine[n].data[..]);
                        n += 1;
                    }
                    _ => {}
                }
            }
            assert_eq!((idbs, n), (1, mine.len()), "{host}/{segment}");
            total += n;
        }
        assert_eq!(total, caps.len());
    });
}

#[test]
fn misuse_is_reported() {
    on_both_engines(|| {
        let (mut sim, _) = routed(vec![], &[]);
        assert!(matches!(
            sim.add_machine("nobody", Rc::new(RefCell::new(Router::new(vec![], None)))),
            Err(NetError::UnknownHost { .. })
        ));
        assert!(matches!(
            sim.add_machine("router", Rc::new(RefCell::new(Router::new(vec![], None)))),
            Err(NetError::MachineRejected { .. })
        ));
        let spec = NetworkSpec {
            segments: vec![segment("lan", "10.0.1.0/24", 1)],
            hosts: vec![host("a", &[("lan", "10.0.1.1")])],
            faults: vec![],
            seed: 1,
            tick: NetworkSpec::DEFAULT_TICK,
            engine: engine(),
        };
        let mut sim = Simulation::new(spec).unwrap();
        assert_eq!(
            sim.run(ms(10), |_| false),
            Err(NetError::NoMachine { host: "a".into() })
        );
    });
}

/// Wall time of 300 simulated seconds with 4 idle hosts at a 1 ms tick on
/// turmoil (the event engine does not step idle time).
/// Run with `cargo test -q idle_hosts_cost -- --ignored --nocapture`.
#[test]
#[ignore]
fn idle_hosts_cost() {
    let spec = NetworkSpec {
        segments: vec![segment("lan", "10.0.1.0/24", 1)],
        hosts: (1..=4)
            .map(|i| HostSpec {
                name: format!("h{i}"),
                interfaces: vec![InterfaceSpec {
                    segment: "lan".into(),
                    addr: Ipv4Addr::new(10, 0, 1, i),
                }],
            })
            .collect(),
        faults: vec![],
        seed: 1,
        tick: NetworkSpec::DEFAULT_TICK,
        engine: crate::net::Engine::Turmoil,
    };
    let mut sim = Simulation::new(spec).unwrap();
    for i in 1..=4 {
        let r = Router::new(
            vec![("10.0.1.0/24".parse().unwrap(), Ipv4Addr::new(10, 0, 1, i))],
            None,
        );
        sim.add_machine(&format!("h{i}"), Rc::new(RefCell::new(r)))
            .unwrap();
    }
    let start = std::time::Instant::now();
    sim.run(Duration::from_secs(300), |_| false).unwrap();
    let wall = start.elapsed();
    println!(
        "300 s simulated, 4 idle hosts, 1 ms tick: {wall:?} wall ({:.1} us/step)",
        wall.as_secs_f64() * 1e6 / 300_000.0
    );
}

/// Two hosts send to a third at the same instant over a segment without
/// latency: both copies arrive one tick later, in scenario host order.
fn simultaneous_arrivals(order: [&'static str; 2]) -> Vec<Seen> {
    let log: Log = Rc::new(RefCell::new(Vec::new()));
    let addr = |n: &str| if n == "a" { "10.0.1.1" } else { "10.0.1.2" };
    let mut hosts: Vec<HostSpec> = order.iter().map(|n| host(n, &[("lan", addr(n))])).collect();
    hosts.push(host("c", &[("lan", "10.0.1.3")]));
    let spec = NetworkSpec {
        segments: vec![segment("lan", "10.0.1.0/24", 0)],
        hosts,
        faults: vec![],
        seed: 1,
        tick: NetworkSpec::DEFAULT_TICK,
        engine: engine(),
    };
    let mut sim = Simulation::new(spec).unwrap();
    for n in order {
        let p = pinger(
            n,
            addr(n),
            "10.0.1.0/24",
            "10.0.1.3",
            "10.0.1.3",
            &[5],
            &log,
        );
        sim.add_machine(n, p).unwrap();
    }
    let c = pinger(
        "c",
        "10.0.1.3",
        "10.0.1.0/24",
        "10.0.1.1",
        "10.0.1.1",
        &[],
        &log,
    );
    sim.add_machine("c", c).unwrap();
    sim.run(ms(20), |_| false).unwrap();
    let seen = log.borrow().clone();
    seen.into_iter()
        .filter(|s| matches!(s, Seen::Datagram("c", ..)))
        .collect()
}

#[test]
fn simultaneous_arrivals_come_a_tick_later_in_host_order() {
    on_both_engines(|| {
        let from = |s: &Seen| match s {
            Seen::Datagram(_, t, _, src) => (*t, src.ip().octets()[3]),
            Seen::Bad(_, t) => (*t, 0),
        };
        let ab: Vec<_> = simultaneous_arrivals(["a", "b"]).iter().map(from).collect();
        assert_eq!(ab, vec![(ms(6), 1), (ms(6), 2)]);
        let ba: Vec<_> = simultaneous_arrivals(["b", "a"]).iter().map(from).collect();
        assert_eq!(ba, vec![(ms(6), 2), (ms(6), 1)]);
    });
}
