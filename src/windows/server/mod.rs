//! The RRAS server, sans-IO: L2TP and PPTP ports, one PPP link per call,
//! authentication against local accounts, remote access policies, the
//! static address pool, and the System-log entries RRAS and IAS write.
//! The machine feeds it (`handle_*`) and carries out `poll_action`.
//!
//! A call holds its port and its pool address until its session ends
//! (CDN either way, or the tunnel going down); then both are free for the
//! next call, lowest first.

use core::time::Duration;
use std::collections::{BTreeMap, VecDeque};
use std::net::Ipv4Addr;

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

use super::call_end::EndReason;
use super::carrier::Carrier;
use super::config::ServerConfig;
use super::eventlog::{Arg, Event, EventType};
use super::rras::{self, TunnelType};
use super::version::Profile;
use crate::ppp::link::{Link, LinkConfig, LinkCounters, LinkEvent, Role};
use crate::wire::icmp;

mod call;
mod event;
mod grant;
mod log;

pub use call::Protection;
use call::ServerCall;
use event::system_event;

/// What the server asks its machine to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerAction {
    SendPpp {
        carrier: Carrier,
        frame: Vec<u8>,
    },
    /// Ends the call's tunnel side: CDN for an L2TP session, the PPTP
    /// call's disconnect for a PPTP call.
    CloseCall {
        carrier: Carrier,
    },
    Log(Event),
}

/// What the server ignored or refused (diagnostics).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ServerCounters {
    /// Frames for a call the server does not have.
    pub unknown_session: u64,
    /// IP packets a link refused to send.
    pub send_refused: u64,
    /// What the PPP links of ended and current calls discarded.
    pub ppp: LinkCounters,
}

#[derive(Clone)]
pub struct RrasServer {
    config: ServerConfig,
    name: String,
    calls: BTreeMap<Carrier, ServerCall>,
    /// IP identification of packets the server sends inside links.
    ip_ident: u16,
    actions: VecDeque<ServerAction>,
    counters: ServerCounters,
    /// `RasMan\PPP\NegotiateTime` (WINDOWS.md 8).
    negotiate_time: Option<Duration>,
    /// Our version's row: PPP's options, the errors and events we give.
    version: &'static Profile,
    /// Unix seconds at simulated time 0: the wall clock of 20272's dates.
    epoch_unix: i64,
    rng: ChaCha20Rng,
}

impl RrasServer {
    pub fn new(
        config: ServerConfig,
        name: String,
        negotiate_time: Option<Duration>,
        version: &'static Profile,
        epoch_unix: i64,
        rng: ChaCha20Rng,
    ) -> Self {
        RrasServer {
            config,
            name,
            negotiate_time,
            version,
            epoch_unix,
            calls: BTreeMap::new(),
            ip_ident: 0,
            actions: VecDeque::new(),
            counters: ServerCounters::default(),
            rng,
        }
    }

    pub fn counters(&self) -> ServerCounters {
        let mut c = self.counters;
        for call in self.calls.values() {
            c.ppp.add(call.link.counters());
        }
        c
    }

    /// Ends a call for `reason`: a connected user's disconnection is
    /// logged; its port and address are free again.
    fn remove_call(&mut self, now: Duration, carrier: Carrier, reason: EndReason) {
        if let Some(call) = self.calls.remove(&carrier) {
            self.counters.ppp.add(call.link.counters());
            self.log_disconnect(now, &call, reason);
        }
    }

    /// Calls holding a port now.
    pub fn active_calls(&self) -> usize {
        self.calls.len()
    }

    /// Calls holding a port of `tunnel`'s type.
    fn calls_of(&self, tunnel: TunnelType) -> impl Iterator<Item = &ServerCall> {
        self.calls
            .values()
            .filter(move |c| c.carrier.tunnel_type() == tunnel)
    }

    /// A PPTP call may be answered: a PPTP port is idle.
    pub fn pptp_port_free(&self) -> bool {
        self.calls_of(TunnelType::Pptp).count() < usize::from(self.config.ports.pptp)
    }

    /// The RRAS console's Ports view: one line per port that has a call,
    /// and how many L2TP and PPTP ports are idle [MODEL layout].
    pub fn ports_view(&self) -> String {
        let mut out = String::new();
        for c in self.calls.values() {
            let kind = match c.carrier.tunnel_type() {
                TunnelType::L2tp => "L2TP",
                TunnelType::Pptp => "PPTP",
            };
            out.push_str(&format!(
                "{}  {kind}  Active  {}  {}\n",
                c.port_name(),
                c.user.as_deref().unwrap_or("-"),
                c.address.map_or("-".to_string(), |a| a.to_string()),
            ));
        }
        for (tunnel, ports, kind) in [
            (TunnelType::L2tp, self.config.ports.l2tp, "L2TP"),
            (TunnelType::Pptp, self.config.ports.pptp, "PPTP"),
        ] {
            let idle = usize::from(ports).saturating_sub(self.calls_of(tunnel).count());
            // The L2TP line always shows (as before PPTP ports existed).
            if ports > 0 || tunnel == TunnelType::L2tp {
                out.push_str(&format!("{idle} other {kind} ports inactive\n"));
            }
        }
        out
    }

    /// Pool addresses held by calls now.
    pub fn leased_addresses(&self) -> Vec<Ipv4Addr> {
        self.calls.values().filter_map(|c| c.address).collect()
    }

    #[must_use]
    pub fn poll_action(&mut self) -> Option<ServerAction> {
        self.actions.pop_front()
    }

    #[must_use]
    pub fn poll_timeout(&self) -> Option<Duration> {
        self.calls
            .values()
            .filter_map(|c| c.link.poll_timeout())
            .min()
    }

    pub fn handle_timeout(&mut self, now: Duration) {
        let due: Vec<Carrier> = self
            .calls
            .iter()
            .filter(|(_, c)| c.link.poll_timeout().is_some_and(|t| t <= now))
            .map(|(s, _)| *s)
            .collect();
        for carrier in due {
            if let Some(call) = self.calls.get_mut(&carrier) {
                call.link.handle_timeout(now);
            }
            self.drain(now, carrier);
        }
    }

    /// A call's tunnel is up (an L2TP session, a PPTP call): PPP starts on
    /// a free port.
    pub fn handle_call_up(
        &mut self,
        now: Duration,
        carrier: Carrier,
        peer: Ipv4Addr,
        nas: Ipv4Addr,
        protection: Protection,
    ) {
        let mut link = Link::new(
            LinkConfig {
                role: Role::Server,
                // Replaced by the profile at authorization.
                encryption: self.version.ppp.server_mppe,
                mru: self.version.ppp.server_mru,
                negotiate_time: self.negotiate_time,
                computer_name: self.version.ppp.chap_name.of(&self.name),
                identification: Vec::new(),
                multilink: true,
                ipv6cp: false,
                ccp: true,
            },
            ChaCha20Rng::from_rng(&mut self.rng),
        );
        link.open(now);
        let tunnel = carrier.tunnel_type();
        let port = (0..=u16::MAX)
            .find(|n| !self.calls_of(tunnel).any(|c| c.port == *n))
            .unwrap_or_default();
        self.calls.insert(
            carrier,
            ServerCall::new(link, carrier, port, peer, nas, protection),
        );
        self.drain(now, carrier);
    }

    pub fn handle_ppp_frame(&mut self, now: Duration, carrier: Carrier, frame: &[u8]) {
        match self.calls.get_mut(&carrier) {
            Some(call) => {
                call.traffic.received += frame.len() as u64;
                call.link.handle_frame(now, frame);
            }
            None => {
                self.counters.unknown_session += 1;
                return;
            }
        }
        self.drain(now, carrier);
    }

    /// The call's tunnel ended for `reason` (the client's CDN, or its
    /// tunnel went down): the port and the address are free again.
    pub fn handle_call_down(&mut self, now: Duration, carrier: Carrier, reason: EndReason) {
        self.remove_call(now, carrier, reason);
    }

    /// The server's own end of every link: the pool's first address.
    fn local_address(&self) -> Ipv4Addr {
        self.config.pool.first
    }

    /// The lowest pool address no call holds, past the server's own.
    fn free_address(&self) -> Option<Ipv4Addr> {
        let (first, last) = (
            u32::from(self.config.pool.first),
            u32::from(self.config.pool.last),
        );
        let held = self.leased_addresses();
        (first.saturating_add(1)..=last)
            .map(Ipv4Addr::from)
            .find(|a| !held.contains(a))
    }

    fn log(&mut self, event: Event) {
        tracing::debug!(target: crate::trace::RRAS, event = ?event, "logged");
        self.actions.push_back(ServerAction::Log(event));
    }

    /// Moves a call's PPP output into actions and reacts to its events.
    fn drain(&mut self, now: Duration, carrier: Carrier) {
        loop {
            let Some(call) = self.calls.get_mut(&carrier) else {
                return;
            };
            let mut events = Vec::new();
            while let Some(frame) = call.link.poll_transmit() {
                call.traffic.sent += frame.len() as u64;
                self.actions
                    .push_back(ServerAction::SendPpp { carrier, frame });
            }
            while let Some(e) = call.link.poll_event() {
                events.push(e);
            }
            if events.is_empty() {
                return;
            }
            for e in events {
                self.on_link_event(now, carrier, e);
            }
        }
    }

    fn on_link_event(&mut self, now: Duration, carrier: Carrier, event: LinkEvent) {
        match event {
            LinkEvent::Authenticate { user } => {
                let password = self.config.users.get(&user).map(|u| u.password.clone());
                if let Some(call) = self.calls.get_mut(&carrier) {
                    call.user = Some(user);
                    call.link.authenticate(now, password.as_deref());
                }
            }
            LinkEvent::AuthenticationFailed { user } => {
                let Some(call) = self.calls.get(&carrier) else {
                    return;
                };
                let peer = call.peer;
                let mut args = self.ias_common(&user, call);
                args.push(Arg::catalog("policy.none"));
                args.push(rras::reason::AUTH_FAILURE.to_string().into());
                args.push(Arg::catalog(format!(
                    "ias.reason.{}",
                    rras::reason::AUTH_FAILURE
                )));
                let events = &self.version.rras_events;
                let (denied, failed) = (events.ias_denied, events.auth_failed);
                self.log(system_event(now, "IAS", denied, EventType::Warning, args));
                self.log(system_event(
                    now,
                    "RemoteAccess",
                    failed,
                    EventType::Warning,
                    vec![
                        user.into(),
                        peer.to_string().into(),
                        Arg::catalog("ras.691"),
                    ],
                ));
            }
            LinkEvent::Authorize { user } => self.authorize(now, carrier, &user),
            LinkEvent::Up { peer, .. } => {
                if let Some(call) = self.calls.get_mut(&carrier) {
                    call.up_at = Some(now);
                    let args = vec![
                        call.user.clone().unwrap_or_default().into(),
                        call.port_name().into(),
                        peer.to_string().into(),
                    ];
                    let id = self.version.rras_events.address_assigned;
                    self.remote_access(now, id, EventType::Information, args);
                }
            }
            LinkEvent::Ip(packet) => self.on_ip(now, carrier, &packet),
            LinkEvent::Down(reason) => {
                self.log_down(now, carrier, reason);
                self.actions.push_back(ServerAction::CloseCall { carrier });
                self.remove_call(now, carrier, EndReason::of_ppp(&reason));
            }
            _ => {}
        }
    }

    /// Answers pings to the server's end of a link.
    fn on_ip(&mut self, now: Duration, carrier: Carrier, packet: &[u8]) {
        let local = self.local_address();
        let Ok(icmp::IcmpEcho {
            src,
            dst,
            echo:
                icmp::Repr::EchoRequest {
                    ident,
                    seq_no,
                    data,
                },
        }) = icmp::parse_ipv4(packet)
        else {
            return;
        };
        if dst != local {
            return;
        }
        let reply = icmp::Repr::EchoReply {
            ident,
            seq_no,
            data,
        };
        self.ip_ident = self.ip_ident.wrapping_add(1);
        let out = icmp::build_ipv4(local, src, self.ip_ident, self.version.ttl, &reply);
        if let Some(c) = self.calls.get_mut(&carrier) {
            if c.link.send_ip(now, &out).is_err() {
                self.counters.send_refused += 1;
            }
        }
    }
}
