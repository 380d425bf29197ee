//! A Windows machine as the network sees it: interfaces, a route table, an
//! IPv4/UDP/ICMP stack, the L2TP endpoint on UDP 1701, and the RAS client
//! or RRAS server on top. It is sans-IO (`net::Machine`): the simulator
//! hands it packets and timeouts and collects what it transmits.

use core::time::Duration;
use std::collections::VecDeque;
use std::net::{Ipv4Addr, SocketAddrV4};

use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};

use super::client::{DialOutcome, IpsecContext, RasClient};
use super::config::{Edition, MachineConfig};
use super::eventlog::{Event, EventLogs};
use super::ipsec::{xp_quick_mode_offers, IpsecComponents, L2tpRole, IKE_PORT};
use super::monitor::IpsecMonitor;
use super::server::RrasServer;
use crate::ike::{Identity, IkeConfig};
use crate::l2tp::{Endpoint, EndpointConfig};
use crate::net::{EspNat, Machine, NatTable, RouteTable, Transmit};
use crate::wire::ipv4;
use crate::wire::{icmp, udp};

/// RFC 2661 8.1: L2TP's registered UDP port; Windows also sends from it.
pub const L2TP_PORT: u16 = crate::wire::l2tp::UDP_PORT;
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
    /// Packets the stack built, before the IPsec driver sees them.
    outbox: VecDeque<Transmit>,
    pub counters: StackCounters,
}

impl IpStack {
    fn owns(&self, addr: Ipv4Addr) -> bool {
        self.addresses.contains(&addr)
    }

    /// The source address a packet to `dst` leaves with.
    pub fn source_for(&self, dst: Ipv4Addr) -> Option<Ipv4Addr> {
        self.routes.source_for(dst)
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

    /// Sends a UDP datagram from a given local address (IKE answers from
    /// the address it was asked on).
    fn send_udp_from(&mut self, src: SocketAddrV4, dst: SocketAddrV4, payload: &[u8]) {
        let ident = self.next_ident();
        let packet = udp::build_ipv4(src, dst, ident, TTL, payload);
        self.send_ip(*dst.ip(), packet);
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

/// What a scenario's timeline does to a machine (SCENARIOS.md `timeline`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    StopPolicyAgent,
    StartPolicyAgent,
    Dial,
    HangUp,
    SetRegistry { name: String, value: u32 },
}

/// A Windows XP client or Server 2003 RRAS machine.
/// Internet Connection Sharing on this machine (claim A9).
struct Ics {
    inside: usize,
    outside: usize,
    table: NatTable,
}

pub struct WindowsMachine {
    config: MachineConfig,
    stack: IpStack,
    ics: Option<Ics>,
    ipsec: IpsecComponents,
    /// What leaves the machine, after the IPsec driver.
    wire: VecDeque<Transmit>,
    l2tp: Endpoint,
    client: Option<RasClient>,
    server: Option<RrasServer>,
    logs: EventLogs,
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
        let context = IpsecContext {
            has_certificate: config.ipsec.certificate.is_some(),
            manual_policy: config.ipsec.manual_policy.clone(),
        };
        let client = config.dial.clone().map(|d| {
            RasClient::new(
                d,
                config.registry,
                context.clone(),
                ChaCha20Rng::from_rng(&mut rng),
            )
        });
        let server = config
            .server
            .clone()
            .map(|s| RrasServer::new(s, config.name.clone(), ChaCha20Rng::from_rng(&mut rng)));
        let settings = &config.ipsec;
        let mut ipsec = IpsecComponents::new(
            routes.clone(),
            IkeConfig {
                identity: settings.certificate.as_ref().map(|c| Identity {
                    cert_der: c.der.clone(),
                    key: c.key.clone(),
                }),
                trusted_roots: settings.trusted_roots.clone(),
                trusted_root_names: settings.trusted_root_names.clone(),
                epoch_unix: settings.epoch_unix,
            },
            settings.policy_agent_running,
            settings.offload,
            config.registry.enable_offload != 0,
            ChaCha20Rng::from_rng(&mut rng),
            ChaCha20Rng::from_rng(&mut rng),
        );
        // RRAS keeps the server L2TP policy while it has L2TP ports and
        // ProhibitIpSec is 0; a manual policy is assigned by an
        // administrator instead (WINDOWS.md 5).
        if let Some(s) = &config.server {
            let automatic = config.registry.prohibit_ipsec == 0 && s.l2tp_ports > 0;
            if automatic || settings.manual_policy.is_some() {
                let _ = ipsec.apply_l2tp_policy(
                    Duration::ZERO,
                    L2tpRole::Server,
                    settings.manual_policy.as_ref(),
                    xp_quick_mode_offers(),
                );
            }
        }
        let ics = config.ics.and_then(|(inside, outside)| {
            let public = config.interfaces.get(outside)?.1;
            let mut table = NatTable::new(public, EspNat::Translate);
            // The host's own IKE and L2TP keep their ports.
            table.reserve_udp(IKE_PORT);
            table.reserve_udp(L2TP_PORT);
            Some(Ics {
                inside,
                outside,
                table,
            })
        });
        WindowsMachine {
            ics,
            ipsec,
            wire: VecDeque::new(),
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

    pub fn monitor(&self) -> IpsecMonitor {
        self.ipsec.monitor()
    }

    /// tshark `-o` lines for the IKE and ESP keys this machine negotiated.
    pub fn keys(&self) -> &[String] {
        self.ipsec.keys()
    }

    /// What the diagnostic commands print now: (command, output).
    pub fn views(&self) -> Vec<(String, String)> {
        vec![
            ("netdiag /test:ipsec /v /debug".into(), self.ipsec.netdiag()),
            (
                "netsh int ip show offload".into(),
                self.ipsec.netsh_offload("Local Area Connection"),
            ),
        ]
    }

    /// Applies a timeline action at `now`.
    pub fn apply(&mut self, now: Duration, command: &Command) {
        match command {
            Command::StopPolicyAgent => self.ipsec.stop_agent(now),
            Command::StartPolicyAgent => {
                self.ipsec.start_agent();
                // RRAS re-applies its L2TP policy when the agent returns;
                // a client's RASMAN does so at its next dial.
                if let Some(s) = &self.config.server {
                    if self.config.registry.prohibit_ipsec == 0 && s.l2tp_ports > 0 {
                        let _ = self.ipsec.apply_l2tp_policy(
                            now,
                            L2tpRole::Server,
                            None,
                            xp_quick_mode_offers(),
                        );
                    }
                }
            }
            Command::Dial => {
                if let Some(c) = self.client.as_mut() {
                    c.redial(now);
                }
            }
            Command::HangUp => {
                if let Some(c) = self.client.as_mut() {
                    c.hang_up(now);
                }
            }
            Command::SetRegistry { name, value } => {
                match name.as_str() {
                    "EnableOffload" => {
                        self.config.registry.enable_offload = *value;
                        self.ipsec.set_enable_offload(*value != 0);
                    }
                    "ProhibitIpSec" => self.config.registry.prohibit_ipsec = *value,
                    "AssumeUDPEncapsulationContextOnSendRule" => {
                        self.config.registry.assume_udp_encapsulation = *value
                    }
                    _ => {}
                }
                if let Some(c) = self.client.as_mut() {
                    c.set_registry(self.config.registry);
                }
            }
        }
        self.pump(now);
    }

    /// The run is over: the IPsec driver logs what it still aggregates.
    pub fn end_of_run(&mut self, now: Duration) {
        self.ipsec.flush(now, &mut self.logs);
    }

    pub fn stack_counters(&self) -> StackCounters {
        self.stack.counters
    }

    fn handle_udp(&mut self, now: Duration, packet: &[u8]) {
        let Ok(dgram) = udp::parse_ipv4(packet) else {
            self.stack.counters.malformed += 1;
            return;
        };
        if dgram.dst.port() == IKE_PORT {
            self.ipsec
                .handle_ike(now, dgram.src, dgram.dst, dgram.payload);
        } else if dgram.dst.port() == L2TP_PORT {
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
                    c.on_l2tp_event(now, &event);
                }
                if let Some(s) = self.server.as_mut() {
                    s.on_l2tp_event(now, &event, &mut self.l2tp);
                }
                progressed = true;
            }
            if let Some(c) = self.client.as_mut() {
                progressed |= c.pump(now, &mut self.l2tp, &mut self.ipsec);
            }
            if let Some(s) = self.server.as_mut() {
                progressed |= s.pump(now, &mut self.l2tp, &mut self.stack, &mut self.logs);
            }
            progressed |= self.ipsec.process(now, &mut self.logs);
            while let Some((src, dst, payload)) = self.ipsec.poll_ike_transmit() {
                self.stack.send_udp_from(src, dst, &payload);
                progressed = true;
            }
            // Everything the stack built goes through the IPsec driver.
            while let Some(t) = self.stack.outbox.pop_front() {
                if let Some(packet) = self.ipsec.outbound(now, t.packet) {
                    self.wire.push_back(Transmit { packet, ..t });
                }
                progressed = true;
            }
            while let Some(packet) = self.ipsec.poll_released() {
                let dst = ipv4::Packet::new_checked(&packet[..]).map(|p| p.dst_addr());
                if let Some((iface, next_hop)) = dst.ok().and_then(|d| self.stack.routes.route(d)) {
                    self.wire.push_back(Transmit {
                        iface,
                        next_hop,
                        packet,
                    });
                }
                progressed = true;
            }
            if !progressed {
                break;
            }
        }
    }
}

impl WindowsMachine {
    /// ICS: translates and forwards what is not the host's own traffic.
    /// Returns true when the packet was forwarded (or dropped) by the NAT.
    fn share(&mut self, iface: usize, packet: &[u8]) -> bool {
        let Some(ics) = self.ics.as_mut() else {
            return false;
        };
        let Ok(p) = ipv4::Packet::new_checked(packet) else {
            return false;
        };
        let (dst, protocol) = (p.dst_addr(), p.protocol());
        let mut copy = packet.to_vec();
        if iface == ics.inside && !self.stack.owns(dst) {
            if ics.table.outbound(&mut copy).is_ok() {
                if let Some((out, next_hop)) = self.stack.routes.route(dst) {
                    self.wire.push_back(Transmit {
                        iface: out,
                        next_hop,
                        packet: copy,
                    });
                }
            }
            return true;
        }
        if iface != ics.outside || dst != ics.table.public_addr() {
            return false;
        }
        // The host's own traffic first: its sockets (reserved in the table)
        // and ESP of its own SAs.
        if protocol == ipv4::Protocol::Esp && self.ipsec.owns_esp(packet) {
            return false;
        }
        if ics.table.inbound(&mut copy).is_err() {
            return false;
        }
        let inside = ipv4::Packet::new_checked(&copy[..]).map(|p| p.dst_addr());
        if let Ok(inside) = inside {
            if inside != ics.table.public_addr() {
                if let Some((out, next_hop)) = self.stack.routes.route(inside) {
                    self.wire.push_back(Transmit {
                        iface: out,
                        next_hop,
                        packet: copy,
                    });
                }
                return true;
            }
        }
        false
    }
}

impl Machine for WindowsMachine {
    fn handle_packet(&mut self, now: Duration, iface: usize, packet: &[u8]) {
        if self.share(iface, packet) {
            return;
        }
        // The IPsec driver sees every packet first: it removes ESP, and
        // drops what its filters say should have been secured.
        let Some(clear) = self.ipsec.inbound(now, packet) else {
            self.pump(now);
            return;
        };
        let packet = &clear[..];
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
        self.ipsec.handle_timeout(now);
        if let Some(c) = self.client.as_mut() {
            c.handle_timeout(now, &mut self.l2tp, &mut self.stack, &mut self.ipsec);
        }
        if let Some(s) = self.server.as_mut() {
            s.handle_timeout(now);
        }
        self.pump(now);
    }

    fn poll_transmit(&mut self) -> Option<Transmit> {
        self.wire.pop_front()
    }

    fn poll_timeout(&self) -> Option<Duration> {
        [
            self.l2tp.poll_timeout(),
            self.ipsec.poll_timeout(),
            self.client.as_ref().and_then(RasClient::poll_timeout),
            self.server.as_ref().and_then(RrasServer::poll_timeout),
        ]
        .into_iter()
        .flatten()
        .min()
    }
}
