//! The network model both engines share: who is on which segment, what a
//! transmit turns into (host faults, capture, segment faults, latency) and
//! when and in which order its copies arrive. The engines differ only in
//! the loop that hands these arrivals and the machines' timers to the
//! machines (DESIGN.md, "Two engines, one network model").
//!
//! # Time and order (the same on both engines)
//!
//! - Time has the resolution of the tick. A machine's timer fires at the
//!   first tick at or after its deadline; a packet arrives at the first
//!   tick at or after `sent + latency + delay`, and never in the tick it was
//!   sent in, so nothing a host does at an instant reaches another host at
//!   that same instant.
//! - At one instant, hosts take their turn in scenario order. In its turn a
//!   host first sends what it queued since its last turn (a timeline
//!   action), then receives every packet due, then fires its timer as long
//!   as it is due: arrivals before timers.
//! - A host's arrivals at one instant come in the order of (exact delivery
//!   time, send time, sending host, that host's own send counter).
//!
//! Nothing here depends on which engine runs, nor on the order in which a
//! scheduler happens to poll hosts.

use core::net::Ipv4Addr;
use core::time::Duration;
use std::collections::BTreeMap;

use super::capture::{self, CapturedPacket, Direction, InterfaceCapture};
use super::error::NetError;
use super::fault::{AppliedFault, Faults, InFlight};
use super::machine::Machine;
use super::spec::{FaultSite, NetworkSpec};

/// After this many `handle_timeout` calls in one turn whose timer is still
/// due, the host waits a tick: a machine that never advances its timer must
/// not hang the simulation.
const MAX_FIRES_PER_TURN: u32 = 1_000;

/// When a packet arrives and where it stands among the arrivals of that
/// instant (module docs). Ordered by its fields, in this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct ArrivalKey {
    /// The tick at which the receiver handles it.
    pub at: Duration,
    pub deliver_at: Duration,
    pub sent_at: Duration,
    pub from_host: usize,
    pub from_counter: u64,
    /// The transmit this copy belongs to (`CapturedPacket::transmit`); last,
    /// so it never decides the order.
    pub transmit: u64,
}

/// One copy of a transmit on its way to a host interface.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Arrival {
    pub key: ArrivalKey,
    pub host: usize,
    pub iface: usize,
    pub packet: Vec<u8>,
}

#[derive(Debug)]
struct HostInfo {
    name: String,
    site: FaultSite,
    /// Segment index of each interface.
    ifaces: Vec<usize>,
}

#[derive(Debug)]
struct SegmentInfo {
    name: String,
    site: FaultSite,
    latency: Duration,
}

/// The network model: topology, faults and capture.
pub(crate) struct Network {
    tick: Duration,
    hosts: Vec<HostInfo>,
    segments: Vec<SegmentInfo>,
    /// (segment, address) -> (host, iface)
    neighbors: BTreeMap<(usize, Ipv4Addr), (usize, usize)>,
    faults: Faults,
    captures: Vec<CapturedPacket>,
    /// Per host: how many copies it has put on the wire.
    sent: Vec<u64>,
    /// Transmits taken from machines so far, the next one's number.
    transmits: u64,
}

impl Network {
    pub fn new(spec: &NetworkSpec) -> Result<Self, NetError> {
        spec.validate()?;
        let segments: Vec<SegmentInfo> = spec
            .segments
            .iter()
            .map(|s| SegmentInfo {
                name: s.name.clone(),
                site: FaultSite::Segment(s.name.clone()),
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
                ifaces.push(segment);
            }
            hosts.push(HostInfo {
                name: h.name.clone(),
                site: FaultSite::Host(h.name.clone()),
                ifaces,
            });
        }
        Ok(Network {
            tick: spec.tick,
            sent: vec![0; hosts.len()],
            hosts,
            segments,
            neighbors,
            faults: Faults::new(spec.seed, &spec.faults),
            captures: Vec::new(),
            transmits: 0,
        })
    }

    pub fn tick(&self) -> Duration {
        self.tick
    }

    pub fn host_count(&self) -> usize {
        self.hosts.len()
    }

    pub fn host_index(&self, name: &str) -> Option<usize> {
        self.hosts.iter().position(|h| h.name == name)
    }

    pub fn host_name(&self, host: usize) -> &str {
        self.hosts.get(host).map_or("", |h| h.name.as_str())
    }

    /// The first tick at or after `t`.
    pub fn ceil_tick(&self, t: Duration) -> Duration {
        let tick = self.tick.as_nanos().max(1);
        let n = t.as_nanos().div_ceil(tick);
        Duration::from_nanos(u64::try_from(n.saturating_mul(tick)).unwrap_or(u64::MAX))
    }

    /// When a host whose turn at `now` has just ended looks again for its
    /// timer: the first tick at or after the deadline, and never `now`
    /// again (a timer that stayed due after `MAX_FIRES_PER_TURN` fires).
    pub fn next_timer_instant(&self, machine: &dyn Machine, now: Duration) -> Option<Duration> {
        let t = machine.poll_timeout()?;
        Some(self.ceil_tick(t).max(now + self.tick))
    }

    /// `host`'s turn at instant `now` (module docs): what it queued, then
    /// `due` (its arrivals at `now`, in key order), then its timer while
    /// due. Every copy it sends goes to `out`; none is due at `now`.
    pub fn turn(
        &mut self,
        host: usize,
        machine: &mut dyn Machine,
        now: Duration,
        due: impl IntoIterator<Item = Arrival>,
        out: &mut impl FnMut(Arrival),
    ) {
        // Every engine event of this turn carries the host and the
        // simulated time (issue 12); disabled, this costs a branch.
        let _turn =
            crate::trace::host_span(self.hosts.get(host).map_or("", |h| h.name.as_str()), now)
                .entered();
        self.flush(host, machine, now, out);
        for a in due {
            self.receive(machine, &a);
            self.flush(host, machine, now, out);
        }
        for _ in 0..MAX_FIRES_PER_TURN {
            match machine.poll_timeout() {
                Some(t) if t <= now => {
                    machine.handle_timeout(now);
                    self.flush(host, machine, now, out);
                }
                _ => break,
            }
        }
    }

    /// Hands a packet to `host`'s machine at its arrival instant.
    fn receive(&mut self, machine: &mut dyn Machine, arrival: &Arrival) {
        self.capture(
            arrival.host,
            arrival.iface,
            arrival.key.at,
            Direction::In,
            &arrival.packet,
            arrival.key.transmit,
        );
        machine.handle_packet(arrival.key.at, arrival.iface, &arrival.packet);
    }

    /// Takes everything `machine` (on `host`) refused and transmitted since
    /// the last call, at `now`: host faults, Out capture, segment faults,
    /// then one arrival per surviving copy, pushed to `out`.
    fn flush(
        &mut self,
        host: usize,
        machine: &mut dyn Machine,
        now: Duration,
        out: &mut impl FnMut(Arrival),
    ) {
        let Some(h) = self.hosts.get(host) else {
            return;
        };
        while let Some(r) = machine.poll_refused() {
            self.faults.record(AppliedFault {
                time: now,
                site: h.site.clone(),
                action: r.action,
                packet: r.packet,
                rule: None,
                transmit: None,
            });
        }
        while let Some(t) = machine.poll_transmit() {
            let Some(&segment) = h.ifaces.get(t.iface) else {
                continue; // no such interface: nothing leaves the box
            };
            let Some(seg) = self.segments.get(segment) else {
                continue;
            };
            let transmit = self.transmits;
            self.transmits += 1;
            let first = vec![InFlight {
                packet: t.packet,
                delay: Duration::ZERO,
                transmit,
            }];
            for c in self.faults.apply(&h.site, now, first) {
                let out_at = now + c.delay;
                self.captures.push(CapturedPacket {
                    host: h.name.clone(),
                    segment: seg.name.clone(),
                    iface: t.iface,
                    time: out_at,
                    direction: Direction::Out,
                    data: c.packet.clone(),
                    transmit,
                });
                let crossed = self.faults.apply(
                    &seg.site,
                    out_at,
                    vec![InFlight {
                        packet: c.packet,
                        delay: Duration::ZERO,
                        transmit,
                    }],
                );
                let Some(&(dst_host, dst_iface)) = self.neighbors.get(&(segment, t.next_hop))
                else {
                    continue; // nobody on the segment has that address
                };
                for d in crossed {
                    let deliver_at = out_at + seg.latency + d.delay;
                    let at = self.ceil_tick(deliver_at).max(now + self.tick);
                    let Some(counter) = self.sent.get_mut(host) else {
                        continue;
                    };
                    *counter += 1;
                    out(Arrival {
                        key: ArrivalKey {
                            at,
                            deliver_at,
                            sent_at: now,
                            from_host: host,
                            from_counter: *counter,
                            transmit,
                        },
                        host: dst_host,
                        iface: dst_iface,
                        packet: d.packet,
                    });
                }
            }
        }
    }

    fn capture(
        &mut self,
        host: usize,
        iface: usize,
        time: Duration,
        direction: Direction,
        data: &[u8],
        transmit: u64,
    ) {
        let Some(h) = self.hosts.get(host) else {
            return;
        };
        let segment = h
            .ifaces
            .get(iface)
            .and_then(|&s| self.segments.get(s))
            .map(|s| s.name.clone())
            .unwrap_or_default();
        self.captures.push(CapturedPacket {
            host: h.name.clone(),
            segment,
            iface,
            time,
            direction,
            data: data.to_vec(),
            transmit,
        });
    }

    /// Every captured packet, ordered by time and, at equal times, in the
    /// order recorded (the canonical order of the module docs).
    pub fn captures(&self) -> Vec<CapturedPacket> {
        let mut c = self.captures.clone();
        c.sort_by_key(|p| p.time);
        c
    }

    /// Every action a fault rule or a middlebox took, ordered as captures.
    pub fn applied_faults(&self) -> Vec<AppliedFault> {
        let mut f = self.faults.applied().to_vec();
        f.sort_by_key(|a| a.time);
        f
    }

    /// Every host interface as (host, interface index, segment name), in
    /// host order then interface order: the pcapng interface list.
    fn interfaces(&self) -> Vec<(String, usize, String)> {
        self.hosts
            .iter()
            .flat_map(|h| {
                h.ifaces.iter().enumerate().map(|(i, &s)| {
                    let seg = self
                        .segments
                        .get(s)
                        .map(|s| s.name.clone())
                        .unwrap_or_default();
                    (h.name.clone(), i, seg)
                })
            })
            .collect()
    }

    pub fn write_pcapng(&self, out: &mut Vec<u8>, epoch_unix_micros: u64) -> Result<(), NetError> {
        capture::write_pcapng(out, &self.interfaces(), &self.captures(), epoch_unix_micros)
    }

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
