//! A Windows machine as the network sees it: interfaces, a route table, an
//! IPv4/UDP/ICMP stack, the L2TP endpoint on UDP 1701, and the RAS client
//! or RRAS server on top. It is sans-IO (`net::Machine`): the simulator
//! hands it packets and timeouts and collects what it transmits.

use core::time::Duration;
use std::collections::VecDeque;
use std::net::{Ipv4Addr, SocketAddrV4};

use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};

use super::client::{DialOutcome, RasClient};
use super::config::{Edition, MachineConfig};
use super::eventlog::{Event, EventLogs};
use super::monitor::IpsecMonitor;
use super::server::RrasServer;
use crate::l2tp::{Endpoint, EndpointConfig};
use crate::net::{Machine, RouteTable, Transmit};
use crate::wire::ipv4;
use crate::wire::{icmp, udp};

/// RFC 2661 8.1: L2TP's registered UDP port; Windows also sends from it.
pub const L2TP_PORT: u16 = 1701;
/// Windows' default IP TTL.
pub const TTL: u8 = 128;

/// Counters of what the stack threw away, for diagnostics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StackCounters {
    pub malformed: u64,
    pub not_for_us: u64,
    pub no_route: u64,
    pub unhandled: u64,
}

/// The IP stack shared by the client and server parts: routes, source
/// address choice, IP identification, and the outgoing queue.
pub struct IpStack {
    routes: RouteTable,
    addresses: Vec<Ipv4Addr>,
    ident: u16,
    outbox: VecDeque<Transmit>,
    pub counters: StackCounters,
}

impl IpStack {
    fn owns(&self, addr: Ipv4Addr) -> bool {
        self.addresses.contains(&addr)
    }

    /// The source address a packet to `dst` leaves with.
    pub fn source_for(&self, dst: Ipv4Addr) -> Option<Ipv4Addr> {
        self.routes
            .route(dst)
            .and_then(|(iface, _)| self.addresses.get(iface).copied())
    }

    fn next_ident(&mut self) -> u16 {
        self.ident = self.ident.wrapping_add(1);
        self.ident
    }

    /// Sends a UDP datagram from our routed address.
    pub fn send_udp(&mut self, src_port: u16, dst: SocketAddrV4, payload: &[u8]) {
        let Some((iface, next_hop)) = self.routes.route(*dst.ip()) else {
            self.counters.no_route += 1;
            return;
        };
        let Some(&src) = self.addresses.get(iface) else {
            self.counters.no_route += 1;
            return;
        };
        let ident = self.next_ident();
        let packet = udp::build_ipv4(SocketAddrV4::new(src, src_port), dst, ident, TTL, payload);
        self.outbox.push_back(Transmit {
            iface,
            next_hop,
            packet,
        });
    }

    /// Sends an already built IPv4 packet (ICMP replies).
    fn send_ip(&mut self, dst: Ipv4Addr, packet: Vec<u8>) {
        match self.routes.route(dst) {
            Some((iface, next_hop)) => self.outbox.push_back(Transmit {
                iface,
                next_hop,
                packet,
            }),
            None => self.counters.no_route += 1,
        }
    }

    /// Builds an ICMP echo packet with our next identification.
    pub fn icmp_echo(&mut self, src: Ipv4Addr, dst: Ipv4Addr, echo: &icmp::Repr<'_>) -> Vec<u8> {
        let ident = self.next_ident();
        icmp::build_ipv4(src, dst, ident, TTL, echo)
    }
}

/// A Windows XP client or Server 2003 RRAS machine.
pub struct WindowsMachine {
    config: MachineConfig,
    stack: IpStack,
    l2tp: Endpoint,
    client: Option<RasClient>,
    server: Option<RrasServer>,
    logs: EventLogs,
    monitor: IpsecMonitor,
}

impl WindowsMachine {
    pub fn new(config: MachineConfig) -> Self {
        let mut rng = crate::seed::rng_for(config.seed, &config.name);
        let routes = RouteTable::new(&config.interfaces, config.gateway);
        let addresses = config.interfaces.iter().map(|&(_, a)| a).collect();
        // Windows starts IP identification at an arbitrary value.
        let ident = (rng.next_u32() & 0xffff) as u16;
        let is_server = config.edition == Edition::RrasServer;
        let l2tp = Endpoint::new(
            EndpointConfig {
                host_name: config.name.clone(),
                vendor_name: "Microsoft".into(),
                receive_window: if is_server { 16 } else { 8 },
                max_sessions: config.server.as_ref().map_or(0, |s| s.l2tp_ports),
                hello_interval: Duration::from_secs(60),
                firmware_revision: if is_server { 0x0502 } else { 0x0501 },
            },
            ChaCha20Rng::from_rng(&mut rng),
        );
        let client = config
            .dial
            .clone()
            .map(|d| RasClient::new(d, config.registry, ChaCha20Rng::from_rng(&mut rng)));
        let server = config
            .server
            .clone()
            .map(|s| RrasServer::new(s, config.name.clone(), ChaCha20Rng::from_rng(&mut rng)));
        WindowsMachine {
            stack: IpStack {
                routes,
                addresses,
                ident,
                outbox: VecDeque::new(),
                counters: StackCounters::default(),
            },
            l2tp,
            client,
            server,
            logs: EventLogs::default(),
            monitor: IpsecMonitor::default(),
            config,
        }
    }

    pub fn name(&self) -> &str {
        &self.config.name
    }

    pub fn config(&self) -> &MachineConfig {
        &self.config
    }

    /// The dial result, once the connectoid has one.
    pub fn dial_outcome(&self) -> Option<&DialOutcome> {
        self.client.as_ref().and_then(RasClient::outcome)
    }

    /// True when this machine has nothing left to do for the run to end:
    /// a client whose dial has a result and whose test traffic is done.
    pub fn finished(&self) -> bool {
        self.client.as_ref().is_none_or(RasClient::finished)
    }

    pub fn events(&self) -> &[Event] {
        self.logs.entries()
    }

    pub fn monitor(&self) -> &IpsecMonitor {
        &self.monitor
    }

    pub fn stack_counters(&self) -> StackCounters {
        self.stack.counters
    }

    fn handle_udp(&mut self, now: Duration, packet: &[u8]) {
        let Ok(dgram) = udp::parse_ipv4(packet) else {
            self.stack.counters.malformed += 1;
            return;
        };
        if dgram.dst.port() == L2TP_PORT {
            // A malformed or unexpected L2TP message is dropped by the
            // endpoint; the run goes on (non-negotiable 4).
            let _ = self.l2tp.handle_datagram(now, dgram.src, dgram.payload);
        } else {
            self.stack.counters.unhandled += 1;
        }
    }

    fn handle_icmp(&mut self, packet: &[u8]) {
        match icmp::parse_ipv4(packet) {
            Ok(icmp::IcmpEcho {
                src,
                dst,
                echo:
                    icmp::Repr::EchoRequest {
                        ident,
                        seq_no,
                        data,
                    },
            }) => {
                let reply = icmp::Repr::EchoReply {
                    ident,
                    seq_no,
                    data,
                };
                let out = self.stack.icmp_echo(dst, src, &reply);
                self.stack.send_ip(src, out);
            }
            Ok(_) => {}
            Err(_) => self.stack.counters.malformed += 1,
        }
    }

    /// Runs every part until none has anything more to say.
    fn pump(&mut self, now: Duration) {
        loop {
            let mut progressed = false;
            while let Some((to, payload)) = self.l2tp.poll_transmit() {
                self.stack.send_udp(L2TP_PORT, to, &payload);
                progressed = true;
            }
            while let Some(event) = self.l2tp.poll_event() {
                if let Some(c) = self.client.as_mut() {
                    c.on_l2tp_event(now, &event, &mut self.l2tp);
                }
                if let Some(s) = self.server.as_mut() {
                    s.on_l2tp_event(now, &event, &mut self.l2tp, &mut self.logs);
                }
                progressed = true;
            }
            if let Some(c) = self.client.as_mut() {
                progressed |= c.pump(now, &mut self.l2tp, &mut self.stack);
            }
            if let Some(s) = self.server.as_mut() {
                progressed |= s.pump(now, &mut self.l2tp, &mut self.stack, &mut self.logs);
            }
            if !progressed {
                break;
            }
        }
    }
}

impl Machine for WindowsMachine {
    fn handle_packet(&mut self, now: Duration, _iface: usize, packet: &[u8]) {
        let header = match ipv4::Packet::new_checked(packet).and_then(|p| ipv4::Repr::parse(&p)) {
            Ok(r) => r,
            Err(_) => {
                self.stack.counters.malformed += 1;
                return;
            }
        };
        if !self.stack.owns(header.dst_addr) {
            // Windows clients do not forward (IP routing off by default).
            self.stack.counters.not_for_us += 1;
            return;
        }
        match header.protocol {
            ipv4::Protocol::Udp => self.handle_udp(now, packet),
            ipv4::Protocol::Icmp => self.handle_icmp(packet),
            _ => self.stack.counters.unhandled += 1,
        }
        self.pump(now);
    }

    fn handle_timeout(&mut self, now: Duration) {
        if self.l2tp.poll_timeout().is_some_and(|t| t <= now) {
            self.l2tp.handle_timeout(now);
        }
        if let Some(c) = self.client.as_mut() {
            c.handle_timeout(now, &mut self.l2tp, &mut self.stack);
        }
        if let Some(s) = self.server.as_mut() {
            s.handle_timeout(now);
        }
        self.pump(now);
    }

    fn poll_transmit(&mut self) -> Option<Transmit> {
        self.stack.outbox.pop_front()
    }

    fn poll_timeout(&self) -> Option<Duration> {
        [
            self.l2tp.poll_timeout(),
            self.client.as_ref().and_then(RasClient::poll_timeout),
            self.server.as_ref().and_then(RrasServer::poll_timeout),
        ]
        .into_iter()
        .flatten()
        .min()
    }
}
