//! The RRAS server: L2TP ports, one PPP link per call, authentication
//! against local accounts, remote access policies, the static address pool,
//! and the System-log entries RRAS and IAS write.

use core::time::Duration;
use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

use super::config::ServerConfig;
use super::eventlog::{Event, EventLogs, EventType, Log};
use super::machine::IpStack;
use super::rras::{self, AuthMethod, Call as PolicyCall, Decision, EncryptionLevel, TunnelType};
use crate::l2tp::{Endpoint, Event as L2tpEvent, SessionHandle};
use crate::ppp::link::{Authorization, Link, LinkConfig, LinkEvent, Role};
use crate::ppp::Encryption;
use crate::wire::icmp;

/// RAS error sent in the MS-CHAPv2 Failure packet when the policy denies
/// (ERROR_NO_DIALIN_PERMISSION).
const NO_DIALIN_PERMISSION: u32 = 649;

struct ServerCall {
    link: Link,
    /// RRAS port name, "VPN2-<n>" for L2TP [MODEL].
    port: String,
    peer: Ipv4Addr,
    user: Option<String>,
    address: Option<Ipv4Addr>,
    up: bool,
}

pub struct RrasServer {
    config: ServerConfig,
    name: String,
    calls: BTreeMap<SessionHandle, ServerCall>,
    /// Pool addresses handed out, by offset from the pool's second address.
    leased: Vec<Ipv4Addr>,
    next_port: u16,
    /// IP identification of packets the server sends inside links.
    ip_ident: u16,
    rng: ChaCha20Rng,
}

impl RrasServer {
    pub fn new(config: ServerConfig, name: String, rng: ChaCha20Rng) -> Self {
        RrasServer {
            config,
            name,
            calls: BTreeMap::new(),
            leased: Vec::new(),
            next_port: 0,
            ip_ident: 0,
            rng,
        }
    }

    /// The server's own end of every link: the pool's first address.
    fn local_address(&self) -> Ipv4Addr {
        self.config.pool.0
    }

    fn lease(&mut self) -> Option<Ipv4Addr> {
        let (first, last) = (u32::from(self.config.pool.0), u32::from(self.config.pool.1));
        let free = (first.saturating_add(1)..=last)
            .map(Ipv4Addr::from)
            .find(|a| !self.leased.contains(a))?;
        self.leased.push(free);
        Some(free)
    }

    pub fn poll_timeout(&self) -> Option<Duration> {
        self.calls
            .values()
            .filter_map(|c| c.link.poll_timeout())
            .min()
    }

    pub fn handle_timeout(&mut self, now: Duration) {
        for call in self.calls.values_mut() {
            if call.link.poll_timeout().is_some_and(|t| t <= now) {
                call.link.handle_timeout(now);
            }
        }
    }

    pub fn on_l2tp_event(&mut self, now: Duration, event: &L2tpEvent, l2tp: &mut Endpoint) {
        match event {
            L2tpEvent::SessionUp { session, tunnel } => {
                let peer = l2tp
                    .tunnel_peer(*tunnel)
                    .map_or(Ipv4Addr::UNSPECIFIED, |p| *p.ip());
                let mut link = Link::new(
                    LinkConfig {
                        role: Role::Server,
                        // Replaced by the profile at authorization.
                        encryption: Encryption {
                            none: true,
                            bits40: true,
                            bits56: true,
                            bits128: true,
                        },
                        mru: 1400,
                    },
                    ChaCha20Rng::from_rng(&mut self.rng),
                );
                link.open(now);
                let port = format!("VPN2-{}", self.next_port);
                self.next_port = self.next_port.wrapping_add(1);
                self.calls.insert(
                    *session,
                    ServerCall {
                        link,
                        port,
                        peer,
                        user: None,
                        address: None,
                        up: false,
                    },
                );
            }
            L2tpEvent::PppFrame { session, frame } => {
                if let Some(call) = self.calls.get_mut(session) {
                    call.link.handle_frame(now, frame);
                }
            }
            L2tpEvent::SessionDown { session, .. } => self.end_call(*session),
            L2tpEvent::TunnelDown { .. } => {
                // Sessions of a dead tunnel are reported down by the
                // endpoint before the tunnel.
            }
            _ => {}
        }
    }

    fn end_call(&mut self, session: SessionHandle) {
        if let Some(call) = self.calls.remove(&session) {
            if let Some(a) = call.address {
                self.leased.retain(|&l| l != a);
            }
        }
    }

    pub fn pump(
        &mut self,
        now: Duration,
        l2tp: &mut Endpoint,
        stack: &mut IpStack,
        logs: &mut EventLogs,
    ) -> bool {
        let mut progressed = false;
        let sessions: Vec<SessionHandle> = self.calls.keys().copied().collect();
        for session in sessions {
            let mut events = Vec::new();
            if let Some(call) = self.calls.get_mut(&session) {
                while let Some(frame) = call.link.poll_transmit() {
                    let _ = l2tp.send_ppp(now, session, &frame);
                    progressed = true;
                }
                while let Some(e) = call.link.poll_event() {
                    events.push(e);
                }
            }
            for e in events {
                progressed = true;
                self.on_link_event(now, session, e, l2tp, stack, logs);
            }
        }
        progressed
    }

    fn on_link_event(
        &mut self,
        now: Duration,
        session: SessionHandle,
        event: LinkEvent,
        l2tp: &mut Endpoint,
        stack: &IpStack,
        logs: &mut EventLogs,
    ) {
        match event {
            LinkEvent::Authenticate { user } => {
                let password = self.config.users.get(&user).map(|u| u.password.clone());
                if let Some(call) = self.calls.get_mut(&session) {
                    call.user = Some(user);
                    call.link.authenticate(now, password.as_deref());
                }
            }
            LinkEvent::AuthenticationFailed { user } => {
                let Some((peer, port)) = self.calls.get(&session).map(|c| (c.peer, c.port.clone()))
                else {
                    return;
                };
                let mut args = self.ias_common(&user, peer, port, stack);
                args.push("@policy.none".into());
                args.push(rras::reason::AUTH_FAILURE.to_string());
                args.push(format!("@ias.reason.{}", rras::reason::AUTH_FAILURE));
                logs.write(ias_event(now, 2, EventType::Warning, args));
                logs.write(Event {
                    log: Log::System,
                    id: 20271,
                    source: "RemoteAccess",
                    kind: EventType::Warning,
                    time: now,
                    args: vec![user, peer.to_string(), "@ras.691".into()],
                });
            }
            LinkEvent::Authorize { user } => self.authorize(now, session, &user, stack, logs),
            LinkEvent::Up { peer, .. } => {
                if let Some(call) = self.calls.get_mut(&session) {
                    call.up = true;
                    logs.write(Event {
                        log: Log::System,
                        id: 20274,
                        source: "RemoteAccess",
                        kind: EventType::Information,
                        time: now,
                        args: vec![
                            call.user.clone().unwrap_or_default(),
                            call.port.clone(),
                            peer.to_string(),
                        ],
                    });
                }
            }
            LinkEvent::Ip(packet) => self.on_ip(now, session, &packet),
            LinkEvent::Down(_) => {
                l2tp.close_session(now, session, 3);
                self.end_call(session);
            }
            _ => {}
        }
    }

    /// The insertion strings IAS events 1 and 2 share.
    fn ias_common(&self, user: &str, peer: Ipv4Addr, port: String, stack: &IpStack) -> Vec<String> {
        let nas = stack
            .source_for(peer)
            .map(|a| a.to_string())
            .unwrap_or_default();
        vec![
            user.to_string(),
            nas,
            self.name.clone(),
            peer.to_string(),
            port,
        ]
    }

    fn authorize(
        &mut self,
        now: Duration,
        session: SessionHandle,
        user: &str,
        stack: &IpStack,
        logs: &mut EventLogs,
    ) {
        let Some(account) = self.config.users.get(user) else {
            return;
        };
        let call = PolicyCall {
            tunnel: TunnelType::L2tp,
            auth: AuthMethod::MsChapV2,
            dial_in: account.dial_in,
        };
        let decision = rras::evaluate(&self.config.policies, &call);
        let policies = self.config.policies.clone();
        let policy_name = |i: Option<usize>| -> PolicyName {
            match i.and_then(|i| policies.get(i)) {
                Some(p) => match &p.name {
                    Some(n) => PolicyName::Named(n.clone()),
                    None => PolicyName::Default,
                },
                None => PolicyName::Undetermined,
            }
        };
        let (peer, port) = match self.calls.get(&session) {
            Some(c) => (c.peer, c.port.clone()),
            None => return,
        };
        let common = self.ias_common(user, peer, port, stack);
        match decision {
            Decision::Grant { policy, profile } => {
                let peer_address = self.lease();
                let name = policy_name(Some(policy));
                let mut args = common;
                args.push(name.render_key());
                logs.write(ias_event(now, 1, EventType::Information, args));
                let Some(peer_address) = peer_address else {
                    // Pool exhausted: RRAS refuses the call [MODEL].
                    if let Some(c) = self.calls.get_mut(&session) {
                        c.link.authorize(now, Err(NO_DIALIN_PERMISSION));
                    }
                    return;
                };
                let encryption = encryption_of(&profile.encryption);
                let local_address = self.local_address();
                if let Some(c) = self.calls.get_mut(&session) {
                    c.address = Some(peer_address);
                    c.link.authorize(
                        now,
                        Ok(Authorization {
                            encryption,
                            local_address,
                            peer_address,
                        }),
                    );
                }
            }
            Decision::Deny { policy, reason } => {
                let name = policy_name(policy);
                let mut args = common;
                args.push(name.render_key());
                args.push(reason.to_string());
                args.push(format!("@ias.reason.{reason}"));
                logs.write(ias_event(now, 2, EventType::Warning, args));
                if let Some(c) = self.calls.get_mut(&session) {
                    c.link.authorize(now, Err(NO_DIALIN_PERMISSION));
                }
            }
        }
    }

    /// Answers pings to the server's end of a link.
    fn on_ip(&mut self, now: Duration, session: SessionHandle, packet: &[u8]) {
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
        let out = icmp::build_ipv4(local, src, self.ip_ident, 128, &reply);
        if let Some(c) = self.calls.get_mut(&session) {
            let _ = c.link.send_ip(now, &out);
        }
    }
}

enum PolicyName {
    Named(String),
    Default,
    Undetermined,
}

impl PolicyName {
    /// Insertion string: a literal name, or `@key` for a catalog text
    /// rendered in the report locale.
    fn render_key(&self) -> String {
        match self {
            PolicyName::Named(n) => n.clone(),
            PolicyName::Default => "@policy.default".into(),
            PolicyName::Undetermined => "@policy.none".into(),
        }
    }
}

fn ias_event(now: Duration, id: u32, kind: EventType, args: Vec<String>) -> Event {
    Event {
        log: Log::System,
        id,
        source: "IAS",
        kind,
        time: now,
        args,
    }
}

/// A profile's encryption levels as the PPP layer's allowed set.
fn encryption_of(levels: &[EncryptionLevel]) -> Encryption {
    Encryption {
        none: levels.contains(&EncryptionLevel::None),
        bits40: levels.contains(&EncryptionLevel::Basic),
        bits56: levels.contains(&EncryptionLevel::Strong),
        bits128: levels.contains(&EncryptionLevel::Strongest),
    }
}
