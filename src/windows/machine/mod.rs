//! A Windows machine as the network sees it, and the one place that
//! composes its parts: the IP stack, ICS (`ics`), the IPsec components,
//! the L2TP endpoint on UDP 1701, PPTP on TCP 1723 and GRE (`pptp`), and
//! the RAS client or the RRAS server. The parts
//! are sans-IO and know nothing of each other; this file moves data
//! between them (`pump`). It is itself sans-IO (`net::Machine`).

use core::time::Duration;
use std::collections::VecDeque;
use std::net::Ipv4Addr;

use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};
use serde::Deserialize;

use super::audit::SentAudit;
use super::carrier::Carrier;
use super::client::{ClientAction, DialContext, EndReason, RasClient};
use super::config::MachineConfig;
use super::diagnostics::Diagnostics;
use super::diagnostics::Layer;
use super::eventlog::EventLogs;
use super::ipsec::{
    quick_mode_offers, server_quick_mode_offers, IpsecComponents, L2tpRole, IKE_PORT,
};
use super::pptp_calls::{Outgoing, PptpCalls};
use super::registry::RegistryValue;
use super::server::{Protection, RrasServer, ServerAction};
use super::stack::IpStack;
use crate::l2tp::{Endpoint, EndpointConfig, Event as L2tpEvent, PeerAddr};
use crate::net::machine::Refused;
use crate::net::{EspNat, Machine, NatTable, RouteTable, Transmit};
use crate::wire::flow::{NAT_T_PORT, NON_ESP_MARKER, NON_ESP_MARKER_LEN};
use crate::wire::l2tp::UDP_PORT as L2TP_PORT;
use crate::wire::{icmp, ipv4, udp, Flow};

/// What a scenario's timeline does to a machine (SCENARIOS.md
/// `timeline`), under the scenario's names: `{action: set-registry, name:
/// EnableOffload, value: 0}`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "action", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Command {
    StopService {
        service: Service,
    },
    StartService {
        service: Service,
    },
    /// Dial the host's connectoid (again).
    #[serde(deserialize_with = "crate::values::no_fields")]
    Dial,
    #[serde(deserialize_with = "crate::values::no_fields")]
    HangUp,
    /// `ping -n 2` again through the connected call.
    #[serde(deserialize_with = "crate::values::no_fields")]
    Ping,
    SetRegistry {
        name: RegistryValue,
        value: u32,
    },
}

/// A Windows service the timeline stops and starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Service {
    /// IPSec Policy Agent (PolicyAgent).
    PolicyAgent,
}

/// Internet Connection Sharing on this machine (claim A9).
#[derive(Clone)]
struct Ics {
    inside: usize,
    outside: usize,
    table: NatTable,
}

mod ics;
mod ike_config;
mod observe;
mod pptp;

/// A Windows XP client or Server 2003 RRAS machine.
#[derive(Clone)]
pub struct WindowsMachine {
    config: MachineConfig,
    stack: IpStack,
    ics: Option<Ics>,
    ipsec: IpsecComponents,
    /// What leaves the machine, after the IPsec driver.
    wire: VecDeque<Transmit>,
    l2tp: Endpoint,
    pptp: PptpCalls,
    client: Option<RasClient>,
    server: Option<RrasServer>,
    logs: EventLogs,
    diagnostics: Diagnostics,
    /// What ICS refused to translate, for the report's `faults`.
    refused: VecDeque<Refused>,
    /// What left the machine, as the run invariants see it.
    sent: SentAudit,
}

impl WindowsMachine {
    pub fn new(config: MachineConfig) -> Self {
        let mut rng = crate::seed::rng_for(config.seed, &config.name);
        let routes = RouteTable::new(&config.interfaces, config.gateway);
        // Windows starts IP identification at an arbitrary value.
        let version = config.edition.profile();
        let stack = IpStack::new(
            routes.clone(),
            (rng.next_u32() & 0xffff) as u16,
            version.ttl,
        );
        let l2tp = Endpoint::new(
            EndpointConfig {
                host_name: version.l2tp.host_name.of(&config.name),
                vendor_name: version.l2tp.vendor.into(),
                receive_window: version.l2tp.receive_window,
                max_sessions: config.server.as_ref().map_or(0, |s| s.ports.l2tp),
                hello_interval: version.l2tp.hello_interval,
                firmware_revision: version.l2tp.firmware,
            },
            ChaCha20Rng::from_rng(&mut rng),
        );
        let settings = &config.ipsec;
        let client = config.dial.clone().map(|d| {
            let context = DialContext {
                // With a pre-shared key the store is not looked at (WINDOWS.md 6).
                has_certificate: settings.certificate.is_some() || settings.preshared_key.is_some(),
                manual_policy: settings.manual_policy.is_some(),
                server_reachable: stack.source_for(d.server).is_some(),
                negotiate_time: config.registry.ppp_negotiate_time(),
                computer_name: config.name.clone(),
            };
            RasClient::new(
                d,
                config.registry,
                context,
                version,
                ChaCha20Rng::from_rng(&mut rng),
            )
        });
        let server = config.server.clone().map(|s| {
            RrasServer::new(
                s,
                config.name.clone(),
                config.registry.ppp_negotiate_time(),
                version,
                settings.epoch_unix,
                ChaCha20Rng::from_rng(&mut rng),
            )
        });
        let mut ipsec = IpsecComponents::new(
            routes,
            ike_config::ike_config(&config),
            settings.policy_agent_running,
            settings.offload,
            config.registry.enable_offload != 0,
            version,
            &mut rng,
        );
        ipsec.set_audit_policy(&settings.audit);
        let addresses: Vec<Ipv4Addr> = config.interfaces.iter().map(|i| i.1).collect();
        let pptp = PptpCalls::new(
            pptp::config(&config),
            &addresses,
            version.ttl,
            version.pptp.connect_timeout,
            rng.next_u64(),
            ChaCha20Rng::from_rng(&mut rng),
        );
        let ics = config.ics.and_then(|(inside, outside)| {
            let public = config.interfaces.get(outside)?.1;
            let mut table = NatTable::new(public, EspNat::Translate);
            // The host's own IKE and L2TP keep their ports.
            table.reserve_udp(IKE_PORT);
            table.reserve_udp(NAT_T_PORT);
            table.reserve_udp(L2TP_PORT);
            Some(Ics {
                inside,
                outside,
                table,
            })
        });
        let mut machine = WindowsMachine {
            ics,
            ipsec,
            wire: VecDeque::new(),
            stack,
            l2tp,
            pptp,
            client,
            server,
            logs: EventLogs::default(),
            diagnostics: Diagnostics::default(),
            refused: VecDeque::new(),
            sent: SentAudit::default(),
            config,
        };
        machine.apply_server_policy(Duration::ZERO);
        if machine
            .config
            .server
            .as_ref()
            .is_some_and(|s| s.ports.pptp > 0)
        {
            machine.pptp.listen(Duration::ZERO);
        }
        machine
    }

    /// RRAS keeps the server L2TP policy while it has L2TP ports and
    /// ProhibitIpSec is 0; a manual policy is assigned by an administrator
    /// instead (WINDOWS.md 5). Its quick mode offers are its row's
    /// (`server_quick_mode_offers`).
    fn apply_server_policy(&mut self, now: Duration) {
        let Some(s) = &self.config.server else {
            return;
        };
        let automatic = self.config.registry.prohibit_ipsec == 0 && s.ports.l2tp > 0;
        let manual = self.config.ipsec.manual_policy.as_ref();
        if (automatic || manual.is_some())
            && !self.ipsec.apply_l2tp_policy(
                now,
                L2tpRole::Server,
                manual,
                server_quick_mode_offers(&self.config.edition.profile().ike_offers),
            )
        {
            self.diagnostics.count(
                Layer::Ipsec,
                "L2TP policy not applied: policy agent stopped",
            );
        }
    }

    pub fn name(&self) -> &str {
        &self.config.name
    }

    pub fn config(&self) -> &MachineConfig {
        &self.config
    }

    /// Applies a timeline action at `now`.
    pub fn apply(&mut self, now: Duration, command: &Command) {
        match command {
            Command::StopService {
                service: Service::PolicyAgent,
            } => self.ipsec.stop_agent(now),
            Command::StartService {
                service: Service::PolicyAgent,
            } => {
                self.ipsec.start_agent();
                // RRAS re-applies its L2TP policy when the agent returns;
                // a client's RASMAN does so at its next dial.
                self.apply_server_policy(now);
            }
            Command::Dial => {
                if let Some(c) = self.client.as_mut() {
                    c.handle_dial(now);
                }
            }
            Command::HangUp => {
                if let Some(c) = self.client.as_mut() {
                    c.handle_hang_up(now);
                }
            }
            Command::Ping => {
                if let Some(c) = self.client.as_mut() {
                    c.handle_ping(now);
                }
            }
            Command::SetRegistry { name, value } => {
                self.config.registry.set(*name, *value);
                self.ipsec
                    .set_enable_offload(self.config.registry.enable_offload != 0);
                if let Some(c) = self.client.as_mut() {
                    c.set_registry(self.config.registry);
                }
            }
        }
        self.pump(now);
    }

    /// The run is over: the IPsec driver logs what it still aggregates.
    pub fn end_of_run(&mut self, now: Duration) {
        self.ipsec.flush(now);
        while let Some(e) = self.ipsec.poll_log() {
            self.logs.write(e);
        }
    }

    /// `context`: the UDP encapsulation context of the SA it came in on.
    fn handle_udp(&mut self, now: Duration, packet: &[u8], flow: &Flow, context: u16) {
        let dgram = match udp::parse_segment(flow.src, flow.dst, flow.transport(packet)) {
            Ok(d) => d,
            Err(crate::wire::WireError::BadChecksum { .. }) => {
                // RFC 768: a datagram whose checksum fails is discarded
                // (claim A8: the NAT rewrote an address it covers).
                self.diagnostics.count(Layer::Udp, "checksum wrong");
                return;
            }
            Err(_) => {
                self.stack.counters.malformed += 1;
                return;
            }
        };
        if dgram.dst.port() == IKE_PORT {
            if let Err(e) = self
                .ipsec
                .handle_ike(now, dgram.src, dgram.dst, dgram.payload)
            {
                self.diagnostics.count(Layer::Ike, e.kind());
            }
        } else if dgram.dst.port() == NAT_T_PORT {
            // RFC 3948 2.2-2.3: IKE behind the non-ESP marker; a lone 0xFF
            // is a NAT keepalive. (UDP-encapsulated ESP went to the driver.)
            match dgram.payload.split_at_checked(NON_ESP_MARKER_LEN) {
                Some((marker, ike)) if marker == NON_ESP_MARKER => {
                    if let Err(e) = self.ipsec.handle_ike(now, dgram.src, dgram.dst, ike) {
                        self.diagnostics.count(Layer::Ike, e.kind());
                    }
                }
                _ if dgram.payload == [0xff] => self.diagnostics.count(Layer::Ike, "NAT keepalive"),
                _ => self
                    .diagnostics
                    .count(Layer::Ike, "UDP 4500 without the non-ESP marker"),
            }
        } else if dgram.dst.port() == L2TP_PORT {
            // The endpoint has dropped what it returns an error for; the
            // run goes on (non-negotiable 4), and the drop is counted.
            let from = PeerAddr {
                addr: dgram.src,
                context,
            };
            if let Err(e) = self.l2tp.handle_datagram_from(now, from, dgram.payload) {
                self.diagnostics.count(Layer::L2tp, e.kind());
            }
        } else {
            self.stack.counters.unhandled += 1;
        }
    }

    fn handle_icmp(&mut self, packet: &[u8]) {
        match icmp::parse_ipv4(packet) {
            Ok(echo) => self.stack.echo_reply(&echo),
            Err(_) => self.stack.counters.malformed += 1,
        }
    }

    fn on_l2tp_event(&mut self, now: Duration, event: L2tpEvent) {
        if let Some(c) = self.client.as_mut() {
            c.handle_l2tp_event(now, &event);
        }
        let Some(s) = self.server.as_mut() else {
            return;
        };
        match event {
            L2tpEvent::SessionUp { session, tunnel } => {
                let peer = self
                    .l2tp
                    .tunnel_peer(tunnel)
                    .map_or(Ipv4Addr::UNSPECIFIED, |p| *p.ip());
                let nas = self.stack.source_for(peer).unwrap_or(Ipv4Addr::UNSPECIFIED);
                let protection = self
                    .ipsec
                    .protection_from(peer)
                    .map_or(Protection::Clear, Protection::Esp);
                s.handle_call_up(now, Carrier::L2tp(session), peer, nas, protection);
            }
            L2tpEvent::PppFrame { session, frame } => {
                s.handle_ppp_frame(now, Carrier::L2tp(session), &frame)
            }
            L2tpEvent::SessionDown { session, reason } => {
                s.handle_call_down(now, Carrier::L2tp(session), EndReason::of_session(&reason))
            }
            _ => {}
        }
    }

    fn do_client(&mut self, now: Duration, action: ClientAction) {
        match action {
            ClientAction::ApplyL2tpPolicy { server, encryption } => {
                let row = &self.config.edition.profile().ike_offers;
                let offers = quick_mode_offers(row, encryption);
                // RASMAN pushes its policy through the policy agent;
                // stopped, it cannot (WINDOWS.md 5).
                let manual = self.config.ipsec.manual_policy.as_ref();
                let applied =
                    self.ipsec
                        .apply_l2tp_policy(now, L2tpRole::Client { server }, manual, offers);
                if let Some(c) = self.client.as_mut() {
                    c.handle_policy_result(now, applied);
                }
            }
            ClientAction::AcquireSa { server } => self.ipsec.acquire(now, server),
            ClientAction::ConnectL2tp { server } => {
                let tunnel = self.l2tp.connect(now, server);
                if let Some(c) = self.client.as_mut() {
                    c.handle_tunnel_opened(tunnel);
                }
            }
            ClientAction::SendPpp { carrier, frame } => self.send_ppp(now, carrier, &frame),
            ClientAction::CloseSession { session, result } => {
                self.l2tp.close_session(now, session, result)
            }
            ClientAction::CloseTunnel { tunnel, result } => {
                self.l2tp.close_tunnel(now, tunnel, result)
            }
            ClientAction::RemoveL2tpPolicy => self.ipsec.remove_l2tp_policy(now),
            ClientAction::ConnectPptp { server } => {
                let call = self
                    .stack
                    .source_for(server)
                    .and_then(|local| self.pptp.connect(now, local, server));
                if let Some(c) = self.client.as_mut() {
                    c.handle_pptp_opened(now, call);
                }
            }
            ClientAction::ClosePptp { call } => self.pptp.hang_up(now, call),
        }
    }

    fn do_server(&mut self, now: Duration, action: ServerAction) {
        match action {
            ServerAction::SendPpp { carrier, frame } => self.send_ppp(now, carrier, &frame),
            // RFC 2661 4.4.2: CDN Result Code 3, administrative disconnect.
            ServerAction::CloseCall {
                carrier: Carrier::L2tp(session),
            } => self
                .l2tp
                .close_session(now, session, crate::l2tp::result::CDN_ADMIN),
            // RFC 2637 2.13: Call-Disconnect-Notify, then Stop-Control-Connection.
            ServerAction::CloseCall {
                carrier: Carrier::Pptp(call),
            } => self.pptp.hang_up(now, call),
            ServerAction::Log(e) => self.logs.write(e),
        }
    }

    fn send_ppp(&mut self, now: Duration, carrier: Carrier, frame: &[u8]) {
        match carrier {
            Carrier::L2tp(session) => {
                if let Err(e) = self.l2tp.send_ppp(now, session, frame) {
                    self.diagnostics.count(Layer::L2tp, e.kind());
                }
            }
            Carrier::Pptp(call) => self.pptp.send_ppp(now, call, frame),
        }
    }

    /// Moves data between the parts until none has anything more to say.
    fn pump(&mut self, now: Duration) {
        loop {
            let mut progressed = false;
            while let Some((to, payload)) = self.l2tp.poll_transmit_to() {
                self.stack
                    .send_udp(L2TP_PORT, to.addr, &payload, to.context);
                progressed = true;
            }
            while let Some(event) = self.l2tp.poll_event() {
                self.on_l2tp_event(now, event);
                progressed = true;
            }
            while let Some(out) = self.pptp.poll_packet() {
                match out {
                    Outgoing::Ip { dst, packet } => self.stack.send_ip(dst, packet),
                    Outgoing::Gre { src, dst, payload } => self.stack.send_gre(src, dst, &payload),
                }
                progressed = true;
            }
            while let Some((call, event)) = self.pptp.poll_event() {
                self.on_pptp_event(now, call, event);
                progressed = true;
            }
            while let Some(a) = self.client.as_mut().and_then(RasClient::poll_action) {
                self.do_client(now, a);
                progressed = true;
            }
            while let Some(a) = self.server.as_mut().and_then(RrasServer::poll_action) {
                self.do_server(now, a);
                progressed = true;
            }
            self.ipsec.process(now);
            while let Some(e) = self.ipsec.poll_log() {
                self.logs.write(e);
                progressed = true;
            }
            while let Some((peer, outcome)) = self.ipsec.poll_outcome() {
                if let Some(c) = self.client.as_mut() {
                    c.handle_ipsec(now, peer, outcome);
                }
                progressed = true;
            }
            while let Some((src, dst, payload)) = self.ipsec.poll_ike_transmit() {
                let keepalive = payload == crate::ike::nat_t::KEEPALIVE;
                if (src.port() == NAT_T_PORT || dst.port() == NAT_T_PORT) && !keepalive {
                    // After the float, IKE goes behind the non-ESP marker
                    // (a keepalive goes bare, RFC 3948 2.3).
                    let mut marked = NON_ESP_MARKER.to_vec();
                    marked.extend_from_slice(&payload);
                    self.stack.send_udp_from(src, dst, &marked);
                } else {
                    self.stack.send_udp_from(src, dst, &payload);
                }
                progressed = true;
            }
            // Everything the stack built goes through the IPsec driver.
            while let Some((t, context)) = self.stack.poll_outbox() {
                if let Some(packet) = self.ipsec.outbound(now, t.packet, context) {
                    self.wire.push_back(Transmit { packet, ..t });
                }
                progressed = true;
            }
            while let Some(packet) = self.ipsec.poll_released() {
                let dst = ipv4::Packet::new_checked(&packet[..]).map(|p| p.dst_addr());
                match dst.ok().and_then(|d| self.stack.routes().route(d)) {
                    Some((iface, next_hop)) => self.wire.push_back(Transmit {
                        iface,
                        next_hop,
                        packet,
                    }),
                    None => self.stack.counters.no_route += 1,
                }
                progressed = true;
            }
            if !progressed {
                break;
            }
        }
    }
}

impl Machine for WindowsMachine {
    fn handle_packet(&mut self, now: Duration, iface: usize, packet: &[u8]) {
        // The packet's IPv4 header is read once, here; the decrypted packet
        // ESP gives up is a new packet and is read once too.
        let Ok(flow) = Flow::classify(packet) else {
            self.stack.counters.malformed += 1;
            return;
        };
        if self.share(iface, packet, &flow) {
            return;
        }
        // The IPsec driver sees every packet first: it removes ESP, and
        // drops what its filters say should have been secured.
        let Some((clear, context)) = self.ipsec.inbound(now, packet, &flow) else {
            self.pump(now);
            return;
        };
        let packet = &clear[..];
        // Only ESP (raw or in UDP) gives up a new packet; anything else
        // passed unchanged (the driver refuses a bad header checksum).
        let flow = if flow.kind != crate::wire::WireKind::Esp {
            flow
        } else {
            match Flow::classify(packet) {
                Ok(f) if f.header_checksum_ok => f,
                _ => {
                    self.stack.counters.malformed += 1;
                    return;
                }
            }
        };
        if !self.stack.owns(flow.dst) {
            // Windows clients do not forward (IP routing off by default).
            self.stack.counters.not_for_us += 1;
            return;
        }
        match flow.protocol {
            ipv4::Protocol::Udp => self.handle_udp(now, packet, &flow, context),
            ipv4::Protocol::Icmp => self.handle_icmp(packet),
            ipv4::Protocol::Tcp => self.pptp.handle_tcp(now, packet),
            ipv4::Protocol::Gre => self.pptp.handle_gre(now, flow.src, flow.transport(packet)),
            _ => self.stack.counters.unhandled += 1,
        }
        self.pump(now);
    }

    fn handle_timeout(&mut self, now: Duration) {
        if self.l2tp.poll_timeout().is_some_and(|t| t <= now) {
            self.l2tp.handle_timeout(now);
        }
        self.ipsec.handle_timeout(now);
        self.pptp.handle_timeout(now);
        if let Some(c) = self.client.as_mut() {
            if c.poll_timeout().is_some_and(|t| t <= now) {
                c.handle_timeout(now);
            }
        }
        if let Some(s) = self.server.as_mut() {
            s.handle_timeout(now);
        }
        self.pump(now);
    }

    fn poll_transmit(&mut self) -> Option<Transmit> {
        let t = self.wire.pop_front()?;
        let mine: Vec<Ipv4Addr> = self.config.interfaces.iter().map(|i| i.1).collect();
        self.sent.observe(&self.ipsec, &mine, &t.packet);
        Some(t)
    }

    fn poll_refused(&mut self) -> Option<Refused> {
        self.refused.pop_front()
    }

    fn poll_timeout(&self) -> Option<Duration> {
        [
            self.l2tp.poll_timeout(),
            self.ipsec.poll_timeout(),
            self.pptp.poll_timeout(),
            self.client.as_ref().and_then(RasClient::poll_timeout),
            self.server.as_ref().and_then(RrasServer::poll_timeout),
        ]
        .into_iter()
        .flatten()
        .min()
    }
}
