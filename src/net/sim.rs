//! The simulated network on turmoil (DESIGN.md, "The simulated network").
//!
//! Each scenario host is a turmoil host running one tokio task that drives
//! its `Machine`. A link is emulated: the raw IPv4 packet travels as the
//! payload of a turmoil UDP datagram to the turmoil host owning `next_hop`
//! on the interface's segment, behind a small header:
//!
//! ```text
//! deliver_at (u64 ns since start) | seq (u64) | receiving iface (u16) | IPv4 packet
//! ```
//!
//! The sender decides everything (faults, latency, delivery time); the
//! receiver holds datagrams until `deliver_at` and delivers them in
//! (deliver_at, seq) order, seq being a network-wide send counter. turmoil's
//! own latency is zero and its loss off, so exact timing and order do not
//! depend on the order in which turmoil ticks hosts. A segment latency
//! shorter than the tick is rounded up to the next tick.
//!
//! Machines live in `Rc<RefCell<..>>`: turmoil's `Sim` runs every host on
//! the calling thread and its host closures need not be `Send`.

use core::cell::{Cell, RefCell};
use core::net::{IpAddr, Ipv4Addr, SocketAddr};
use core::time::Duration;
use std::collections::BTreeMap;
use std::rc::Rc;
use std::time::UNIX_EPOCH;

use super::capture::{self, CapturedPacket, Direction, InterfaceCapture};
use super::error::NetError;
use super::fault::{AppliedFault, Faults, InFlight};
use super::machine::Machine;
use super::spec::{FaultSite, NetworkSpec};

/// The turmoil UDP port every host's link socket binds.
const LINK_PORT: u16 = 9;
/// deliver_at (8) + seq (8) + iface (2).
const LINK_HEADER: usize = 18;
/// Receive buffer: a maximal IPv4 packet plus the link header.
const RECV_BUF: usize = 65_535 + LINK_HEADER;
/// After this many `handle_timeout` calls at one instant whose
/// `poll_timeout` is still not in the future, the host waits a tick: a
/// machine that never advances its timer must not hang the simulation.
const MAX_FIRES_PER_INSTANT: u32 = 1_000;

#[derive(Debug)]
struct IfaceInfo {
    segment: usize,
}

#[derive(Debug)]
struct HostInfo {
    name: String,
    ifaces: Vec<IfaceInfo>,
}

#[derive(Debug)]
struct SegmentInfo {
    name: String,
    latency: Duration,
}

/// State shared by the host tasks and the `Simulation` handle.
struct Shared {
    hosts: Vec<HostInfo>,
    segments: Vec<SegmentInfo>,
    /// (segment, address) -> (host, iface)
    neighbors: BTreeMap<(usize, Ipv4Addr), (usize, usize)>,
    faults: RefCell<Faults>,
    captures: RefCell<Vec<CapturedPacket>>,
    seq: Cell<u64>,
    /// turmoil address of each host, filled when hosts are registered.
    turmoil_addrs: RefCell<Vec<IpAddr>>,
    /// Per host: wakes its task so that it looks at its machine again.
    kicks: Vec<tokio::sync::Notify>,
}

impl Shared {
    fn capture(
        &self,
        host: usize,
        iface: usize,
        time: Duration,
        direction: Direction,
        data: &[u8],
    ) {
        let (Some(h), Some(i)) = (
            self.hosts.get(host),
            self.hosts.get(host).and_then(|h| h.ifaces.get(iface)),
        ) else {
            return;
        };
        let segment = self
            .segments
            .get(i.segment)
            .map(|s| s.name.clone())
            .unwrap_or_default();
        self.captures.borrow_mut().push(CapturedPacket {
            host: h.name.clone(),
            segment,
            iface,
            time,
            direction,
            data: data.to_vec(),
        });
    }

    fn next_seq(&self) -> u64 {
        let s = self.seq.get();
        self.seq.set(s + 1);
        s
    }
}

/// A network of machines on turmoil. Not `Send`: one per thread.
pub struct Simulation {
    sim: turmoil::Sim<'static>,
    shared: Rc<Shared>,
    machines: Vec<Option<Rc<RefCell<dyn Machine>>>>,
    started: bool,
}

impl Simulation {
    pub fn new(spec: NetworkSpec) -> Result<Self, NetError> {
        spec.validate()?;
        let segments: Vec<SegmentInfo> = spec
            .segments
            .iter()
            .map(|s| SegmentInfo {
                name: s.name.clone(),
                latency: s.latency,
            })
            .collect();
        let mut neighbors = BTreeMap::new();
        let mut hosts = Vec::new();
        for (hi, h) in spec.hosts.iter().enumerate() {
            let mut ifaces = Vec::new();
            for (ii, ifc) in h.interfaces.iter().enumerate() {
                // validate() checked that the segment exists.
                let segment = spec
                    .segments
                    .iter()
                    .position(|s| s.name == ifc.segment)
                    .unwrap_or(0);
                neighbors.insert((segment, ifc.addr), (hi, ii));
                ifaces.push(IfaceInfo { segment });
            }
            hosts.push(HostInfo {
                name: h.name.clone(),
                ifaces,
            });
        }
        let sim = turmoil::Builder::new()
            .tick_duration(spec.tick)
            .min_message_latency(Duration::ZERO)
            .max_message_latency(Duration::ZERO)
            .fail_rate(0.0)
            .repair_rate(0.0)
            .rng_seed(spec.seed)
            .epoch(UNIX_EPOCH)
            // Only client hosts end a turmoil run; ours are all hosts.
            .simulation_duration(Duration::MAX)
            .udp_capacity(1 << 16)
            .build();
        let n = hosts.len();
        Ok(Simulation {
            sim,
            shared: Rc::new(Shared {
                hosts,
                segments,
                neighbors,
                faults: RefCell::new(Faults::new(spec.seed, &spec.faults)),
                captures: RefCell::new(Vec::new()),
                seq: Cell::new(0),
                turmoil_addrs: RefCell::new(Vec::new()),
                kicks: (0..n).map(|_| tokio::sync::Notify::new()).collect(),
            }),
            machines: vec![None; n],
            started: false,
        })
    }

    /// Puts machine `m` on host `host`. All machines must be added before
    /// the first `run`.
    pub fn add_machine(&mut self, host: &str, m: Rc<RefCell<dyn Machine>>) -> Result<(), NetError> {
        let Some(i) = self.shared.hosts.iter().position(|h| h.name == host) else {
            return Err(NetError::UnknownHost {
                context: "add_machine".into(),
                host: host.into(),
            });
        };
        if self.started {
            return Err(NetError::MachineRejected {
                host: host.into(),
                detail: "the simulation has already started",
            });
        }
        match self.machines.get_mut(i) {
            Some(slot @ None) => {
                *slot = Some(m);
                Ok(())
            }
            _ => Err(NetError::MachineRejected {
                host: host.into(),
                detail: "host already has a machine",
            }),
        }
    }

    fn start(&mut self) -> Result<(), NetError> {
        for (i, h) in self.shared.hosts.iter().enumerate() {
            let Some(Some(machine)) = self.machines.get(i).cloned() else {
                return Err(NetError::NoMachine {
                    host: h.name.clone(),
                });
            };
            let shared = Rc::clone(&self.shared);
            self.sim.host(h.name.as_str(), move || {
                host_task(Rc::clone(&shared), i, Rc::clone(&machine))
            });
        }
        let addrs = self
            .shared
            .hosts
            .iter()
            .map(|h| self.sim.lookup(h.name.as_str()))
            .collect();
        *self.shared.turmoil_addrs.borrow_mut() = addrs;
        self.started = true;
        Ok(())
    }

    /// Simulated time since the start.
    pub fn now(&self) -> Duration {
        self.sim.elapsed()
    }

    /// Steps turmoil until `until` or until `stop(now)` is true (checked
    /// after every tick); returns the sim time reached (the end of the tick
    /// in which `stop` became true). May be called again to continue.
    ///
    /// Every host looks at its machine again when `run` starts, so a
    /// machine changed from outside between two `run` calls (a timeline
    /// action) gets its new transmits and timer honoured.
    pub fn run(
        &mut self,
        until: Duration,
        mut stop: impl FnMut(Duration) -> bool,
    ) -> Result<Duration, NetError> {
        if !self.started {
            self.start()?;
        }
        for k in &self.shared.kicks {
            k.notify_one();
        }
        while self.sim.elapsed() < until {
            self.sim
                .step()
                .map_err(|e| NetError::Simulation(e.to_string()))?;
            if stop(self.sim.elapsed()) {
                break;
            }
        }
        Ok(self.sim.elapsed())
    }

    /// Every captured packet, ordered by time and, at equal times, in the
    /// order recorded (which is deterministic).
    pub fn captures(&self) -> Vec<CapturedPacket> {
        let mut c = self.shared.captures.borrow().clone();
        c.sort_by_key(|p| p.time);
        c
    }

    /// Every action a fault rule or a middlebox took on a packet, ordered
    /// by time and, at equal times, in the order taken (deterministic).
    pub fn applied_faults(&self) -> Vec<AppliedFault> {
        let mut f = self.shared.faults.borrow().applied().to_vec();
        f.sort_by_key(|a| a.time);
        f
    }

    /// Every host interface as (host, interface index, segment name), in
    /// host order then interface order: the pcapng interface list.
    fn interfaces(&self) -> Vec<(String, usize, String)> {
        self.shared
            .hosts
            .iter()
            .flat_map(|h| {
                h.ifaces.iter().enumerate().map(|(i, ifc)| {
                    let seg = self
                        .shared
                        .segments
                        .get(ifc.segment)
                        .map(|s| s.name.clone())
                        .unwrap_or_default();
                    (h.name.clone(), i, seg)
                })
            })
            .collect()
    }

    /// The captures as pcapng; timestamps are `epoch_unix_micros` plus the
    /// simulated time.
    pub fn write_pcapng(&self, out: &mut Vec<u8>, epoch_unix_micros: u64) -> Result<(), NetError> {
        capture::write_pcapng(out, &self.interfaces(), &self.captures(), epoch_unix_micros)
    }

    /// One pcapng per host interface, with only what that interface sent
    /// and received, as a capture on that machine shows it, in host then
    /// interface order. Timestamps as `write_pcapng`.
    pub fn interface_pcapngs(
        &self,
        epoch_unix_micros: u64,
    ) -> Result<Vec<InterfaceCapture>, NetError> {
        let all = self.captures();
        self.interfaces()
            .into_iter()
            .map(|(host, iface, segment)| {
                let mine: Vec<CapturedPacket> = all
                    .iter()
                    .filter(|p| p.host == host && p.iface == iface)
                    .cloned()
                    .collect();
                let mut pcapng = Vec::new();
                let one = [(host.clone(), iface, segment.clone())];
                capture::write_pcapng(&mut pcapng, &one, &mine, epoch_unix_micros)?;
                Ok(InterfaceCapture {
                    host,
                    segment,
                    pcapng,
                })
            })
            .collect()
    }
}

/// Simulated time since the start, the same origin on every host.
fn sim_now() -> Duration {
    turmoil::sim_elapsed().unwrap_or_default()
}

/// When a datagram is due, and its network-wide send number.
type DueKey = (Duration, u64);
/// Receiving interface and the IPv4 packet.
type Arrival = (usize, Vec<u8>);
/// Datagrams waiting for their delivery time.
type Inbox = BTreeMap<DueKey, Arrival>;

fn decode(datagram: &[u8]) -> Option<(DueKey, Arrival)> {
    let (head, packet) = datagram.split_at_checked(LINK_HEADER)?;
    let at = u64::from_be_bytes(head.get(0..8)?.try_into().ok()?);
    let seq = u64::from_be_bytes(head.get(8..16)?.try_into().ok()?);
    let iface = u16::from_be_bytes(head.get(16..18)?.try_into().ok()?);
    Some((
        (Duration::from_nanos(at), seq),
        (usize::from(iface), packet.to_vec()),
    ))
}

fn encode(deliver_at: Duration, seq: u64, iface: usize, packet: &[u8]) -> Vec<u8> {
    let mut d = Vec::with_capacity(LINK_HEADER + packet.len());
    d.extend_from_slice(
        &u64::try_from(deliver_at.as_nanos())
            .unwrap_or(u64::MAX)
            .to_be_bytes(),
    );
    d.extend_from_slice(&seq.to_be_bytes());
    d.extend_from_slice(&u16::try_from(iface).unwrap_or(u16::MAX).to_be_bytes());
    d.extend_from_slice(packet);
    d
}

/// Records what `machine` refused as a middlebox, then sends everything it
/// has to transmit at `now`: host faults, Out capture, segment faults, then
/// one datagram per surviving copy.
fn flush(
    shared: &Shared,
    host: usize,
    machine: &RefCell<dyn Machine>,
    sock: &turmoil::net::UdpSocket,
    inbox: &mut Inbox,
    now: Duration,
) {
    while let Some(r) = machine.borrow_mut().poll_refused() {
        let name = shared.hosts.get(host).map(|h| h.name.clone());
        shared.faults.borrow_mut().record(AppliedFault {
            time: now,
            site: FaultSite::Host(name.unwrap_or_default()),
            action: r.action,
            packet: r.packet,
            rule: None,
        });
    }
    loop {
        let Some(t) = machine.borrow_mut().poll_transmit() else {
            return;
        };
        let Some(ifc) = shared.hosts.get(host).and_then(|h| h.ifaces.get(t.iface)) else {
            continue; // no such interface: nothing leaves the box
        };
        let Some(seg) = shared.segments.get(ifc.segment) else {
            continue;
        };
        let host_site = FaultSite::Host(
            shared
                .hosts
                .get(host)
                .map(|h| h.name.clone())
                .unwrap_or_default(),
        );
        let seg_site = FaultSite::Segment(seg.name.clone());
        let first = vec![InFlight {
            packet: t.packet,
            delay: Duration::ZERO,
        }];
        let sent = shared.faults.borrow_mut().apply(&host_site, now, first);
        for c in sent {
            let out_at = now + c.delay;
            shared.capture(host, t.iface, out_at, Direction::Out, &c.packet);
            let crossed = shared.faults.borrow_mut().apply(
                &seg_site,
                out_at,
                vec![InFlight {
                    packet: c.packet,
                    delay: Duration::ZERO,
                }],
            );
            let Some(&(dst_host, dst_iface)) = shared.neighbors.get(&(ifc.segment, t.next_hop))
            else {
                continue; // nobody on the segment has that address
            };
            for d in crossed {
                let deliver_at = out_at + seg.latency + d.delay;
                let seq = shared.next_seq();
                if dst_host == host {
                    inbox.insert((deliver_at, seq), (dst_iface, d.packet));
                    continue;
                }
                let Some(ip) = shared.turmoil_addrs.borrow().get(dst_host).copied() else {
                    continue;
                };
                // turmoil UDP never blocks; a failed send is a lost packet.
                let _ = sock.try_send_to(
                    &encode(deliver_at, seq, dst_iface, &d.packet),
                    SocketAddr::new(ip, LINK_PORT),
                );
            }
        }
    }
}

async fn host_task(
    shared: Rc<Shared>,
    host: usize,
    machine: Rc<RefCell<dyn Machine>>,
) -> turmoil::Result {
    let sock =
        turmoil::net::UdpSocket::bind((IpAddr::from(Ipv4Addr::UNSPECIFIED), LINK_PORT)).await?;
    let mut inbox = Inbox::new();
    let mut buf = vec![0u8; RECV_BUF];
    let mut fired: (Duration, u32) = (Duration::MAX, 0);
    let Some(kick) = shared.kicks.get(host) else {
        return Ok(());
    };
    loop {
        // Whatever the machine queued since the last look (e.g. from a
        // timeline action between two `run` calls).
        flush(&shared, host, &machine, &sock, &mut inbox, sim_now());
        while let Ok((n, _)) = sock.try_recv_from(&mut buf) {
            if let Some((k, v)) = buf.get(..n).and_then(decode) {
                inbox.insert(k, v);
            }
        }
        let now = sim_now();
        // Packets due now, in (deliver_at, seq) order.
        while let Some(entry) = inbox.first_entry() {
            if entry.key().0 > now {
                break;
            }
            let (iface, packet) = entry.remove();
            shared.capture(host, iface, now, Direction::In, &packet);
            machine.borrow_mut().handle_packet(now, iface, &packet);
            flush(&shared, host, &machine, &sock, &mut inbox, now);
        }
        let timer = machine.borrow().poll_timeout();
        let mut wake = timer;
        if let Some(t) = timer {
            if t <= now {
                if fired.0 != now {
                    fired = (now, 0);
                }
                if fired.1 < MAX_FIRES_PER_INSTANT {
                    fired.1 += 1;
                    machine.borrow_mut().handle_timeout(now);
                    flush(&shared, host, &machine, &sock, &mut inbox, now);
                    continue;
                }
                // Runaway timer: look again one millisecond later.
                wake = Some(now + Duration::from_millis(1));
            }
        }
        if let Some((&(at, _), _)) = inbox.first_key_value() {
            wake = Some(wake.map_or(at, |w| w.min(at)));
        }
        let sleep = wake.map(|w| w.saturating_sub(now));
        tokio::select! {
            biased;
            r = sock.readable() => r?,
            _ = kick.notified() => {}
            _ = tokio::time::sleep(sleep.unwrap_or_default()), if sleep.is_some() => {}
        }
    }
}
