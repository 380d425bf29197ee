//! The reference engine on turmoil (`--engine turmoil`): every host is a
//! turmoil host running one tokio task that drives its machine, and
//! turmoil steps every tick, idle or not.
//!
//! A link is emulated: a copy travels as the payload of a turmoil UDP
//! datagram to the turmoil host that receives it, behind its `ArrivalKey`
//! and receiving interface:
//!
//! ```text
//! at | deliver_at | sent_at (u64 ns each) | from_host (u16) | from_counter (u64) | iface (u16) | IPv4
//! ```
//!
//! The sender's turn decides everything (`link`); the receiver holds the
//! copy until its instant. turmoil's own latency is zero and its loss off,
//! so nothing depends on the order in which turmoil polls hosts.
//!
//! Machines and the network live in `Rc<RefCell<..>>`: turmoil's `Sim`
//! runs every host on the calling thread and its host closures need not be
//! `Send`.

use core::cell::RefCell;
use core::net::{IpAddr, Ipv4Addr, SocketAddr};
use core::time::Duration;
use std::collections::BTreeMap;
use std::rc::Rc;
use std::time::UNIX_EPOCH;

use super::error::NetError;
use super::link::{Arrival, ArrivalKey, Network};
use super::machine::Machine;

/// The turmoil UDP port every host's link socket binds.
const LINK_PORT: u16 = 9;
/// Three times (8 each), sending host (2), its counter (8), iface (2),
/// transmit (8).
const LINK_HEADER: usize = 44;
/// Receive buffer: a maximal IPv4 packet plus the link header.
const RECV_BUF: usize = 65_535 + LINK_HEADER;

/// What the host tasks share with the driver.
struct Shared {
    net: Rc<RefCell<Network>>,
    /// turmoil address of each host, filled when hosts are registered.
    addrs: RefCell<Vec<IpAddr>>,
    /// Per host: wakes its task so that it takes a turn now.
    kicks: Vec<tokio::sync::Notify>,
}

pub(crate) struct TurmoilDriver {
    sim: turmoil::Sim<'static>,
    shared: Rc<Shared>,
    started: bool,
}

impl TurmoilDriver {
    pub fn new(net: Rc<RefCell<Network>>, seed: u64) -> Self {
        let (tick, n) = {
            let n = net.borrow();
            (n.tick(), n.host_count())
        };
        let sim = turmoil::Builder::new()
            .tick_duration(tick)
            .min_message_latency(Duration::ZERO)
            .max_message_latency(Duration::ZERO)
            .fail_rate(0.0)
            .repair_rate(0.0)
            .rng_seed(seed)
            .epoch(UNIX_EPOCH)
            // Only client hosts end a turmoil run; ours are all hosts.
            .simulation_duration(Duration::MAX)
            .udp_capacity(1 << 16)
            .build();
        TurmoilDriver {
            sim,
            shared: Rc::new(Shared {
                net,
                addrs: RefCell::new(Vec::new()),
                kicks: (0..n).map(|_| tokio::sync::Notify::new()).collect(),
            }),
            started: false,
        }
    }

    pub fn elapsed(&self) -> Duration {
        self.sim.elapsed()
    }

    fn start(&mut self, machines: &[Rc<RefCell<dyn Machine>>]) {
        let names: Vec<String> = {
            let net = self.shared.net.borrow();
            (0..net.host_count())
                .map(|h| net.host_name(h).to_string())
                .collect()
        };
        for (i, (name, machine)) in names.iter().zip(machines).enumerate() {
            let shared = Rc::clone(&self.shared);
            let machine = Rc::clone(machine);
            self.sim.host(name.as_str(), move || {
                host_task(Rc::clone(&shared), i, Rc::clone(&machine))
            });
        }
        let addrs = names.iter().map(|n| self.sim.lookup(n.as_str())).collect();
        *self.shared.addrs.borrow_mut() = addrs;
        self.started = true;
    }

    /// Steps turmoil while its clock is before `until`, or until `stop` is
    /// true after a step; returns the clock reached.
    pub fn run(
        &mut self,
        machines: &[Rc<RefCell<dyn Machine>>],
        until: Duration,
        stop: &mut dyn FnMut(Duration) -> bool,
    ) -> Result<Duration, NetError> {
        if !self.started {
            self.start(machines);
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
}

/// Simulated time since the start, the same origin on every host.
fn sim_now() -> Duration {
    turmoil::sim_elapsed().unwrap_or_default()
}

/// Arrivals waiting for their instant.
type Inbox = BTreeMap<ArrivalKey, (usize, Vec<u8>)>;

fn nanos(t: Duration) -> [u8; 8] {
    u64::try_from(t.as_nanos())
        .unwrap_or(u64::MAX)
        .to_be_bytes()
}

fn encode(a: &Arrival) -> Vec<u8> {
    let k = &a.key;
    let mut d = Vec::with_capacity(LINK_HEADER + a.packet.len());
    d.extend_from_slice(&nanos(k.at));
    d.extend_from_slice(&nanos(k.deliver_at));
    d.extend_from_slice(&nanos(k.sent_at));
    d.extend_from_slice(&u16::try_from(k.from_host).unwrap_or(u16::MAX).to_be_bytes());
    d.extend_from_slice(&k.from_counter.to_be_bytes());
    d.extend_from_slice(&u16::try_from(a.iface).unwrap_or(u16::MAX).to_be_bytes());
    d.extend_from_slice(&k.transmit.to_be_bytes());
    d.extend_from_slice(&a.packet);
    d
}

fn decode(datagram: &[u8]) -> Option<(ArrivalKey, (usize, Vec<u8>))> {
    let (head, packet) = datagram.split_at_checked(LINK_HEADER)?;
    let u64_at = |i: usize| -> Option<u64> {
        Some(u64::from_be_bytes(head.get(i..i + 8)?.try_into().ok()?))
    };
    let u16_at = |i: usize| -> Option<u16> {
        Some(u16::from_be_bytes(head.get(i..i + 2)?.try_into().ok()?))
    };
    let key = ArrivalKey {
        at: Duration::from_nanos(u64_at(0)?),
        deliver_at: Duration::from_nanos(u64_at(8)?),
        sent_at: Duration::from_nanos(u64_at(16)?),
        from_host: usize::from(u16_at(24)?),
        from_counter: u64_at(26)?,
        transmit: u64_at(36)?,
    };
    Some((key, (usize::from(u16_at(34)?), packet.to_vec())))
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
    let Some(kick) = shared.kicks.get(host) else {
        return Ok(());
    };
    loop {
        while let Ok((n, _)) = sock.try_recv_from(&mut buf) {
            if let Some((k, v)) = buf.get(..n).and_then(decode) {
                inbox.insert(k, v);
            }
        }
        let now = sim_now();
        let mut due = Vec::new();
        while let Some(e) = inbox.first_entry() {
            if e.key().at > now {
                break;
            }
            let (key, (iface, packet)) = e.remove_entry();
            due.push(Arrival {
                key,
                host,
                iface,
                packet,
            });
        }
        let wake = {
            let mut net = shared.net.borrow_mut();
            let mut m = machine.borrow_mut();
            let addrs = shared.addrs.borrow();
            net.turn(host, &mut *m, now, due, &mut |a: Arrival| {
                if a.host == host {
                    inbox.insert(a.key, (a.iface, a.packet));
                    return;
                }
                let Some(&ip) = addrs.get(a.host) else {
                    return;
                };
                // turmoil UDP never blocks; a failed send is a lost packet.
                let _ = sock.try_send_to(&encode(&a), SocketAddr::new(ip, LINK_PORT));
            });
            let timer = net.next_timer_instant(&*m, now);
            let arrival = inbox.first_key_value().map(|(k, _)| k.at);
            timer.into_iter().chain(arrival).min()
        };
        let sleep = wake.map(|w| w.saturating_sub(now));
        tokio::select! {
            biased;
            r = sock.readable() => r?,
            _ = kick.notified() => {}
            _ = tokio::time::sleep(sleep.unwrap_or_default()), if sleep.is_some() => {}
        }
    }
}
