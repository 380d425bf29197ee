//! The RAS client, sans-IO: dials one connectoid at its time (L2TP, PPTP,
//! or Automatic: L2TP, then PPTP, `pptp`), runs PPP over the L2TP
//! session or the PPTP call, maps how each attempt ended to a RAS error
//! (`errors`), and once connected pings the server's end of the link
//! (`ping -n 2`). It holds no sibling: the machine feeds it
//! (`handle_*`) and carries out what it asks (`poll_action`).
//!
//! Polling order: after any `handle_*`, drain `poll_action` (the machine
//! may answer an action at once, e.g. `handle_policy_result`), then sleep
//! until `poll_timeout`.
//!
//! A call ends as RFC 2661 and MS-L2TPIE say: PPP terminates (LCP
//! Terminate), then CDN for the session, then StopCCN for its tunnel.
//! RASMAN removes its L2TP policy when a connected call ends, once the
//! StopCCN exchange is over, so the teardown itself stays protected
//! (KB 248750: the filters "remain for the lifetime of the L2TP connection
//! and are deleted when the connection ends"); IKE then deletes the SAs
//! [MODEL]. After a failed attempt the policy and SAs stay (claim A13:
//! IP Security Monitor still shows the SA when L2TP is the problem).

use core::time::Duration;
use std::collections::VecDeque;
use std::net::{Ipv4Addr, SocketAddrV4};

use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};

use super::carrier::Carrier;
use super::config::{ConnectoidEncryption, DialConfig, Registry, VpnType};
use super::errors;
use super::rras::TunnelType;
use super::version::{AutomaticError, Profile};
use crate::l2tp::{SessionHandle, TunnelHandle};
use crate::ppp::link::{DownReason, Link, LinkConfig, LinkCounters, LinkEvent, Role};
use crate::ppp::Encryption;

mod l2tp;
mod ping;
mod pptp;
mod record;
mod timers;

pub use record::{CallEnd, DialOutcome, DialRecord, DialResult, EndReason, Pings};

use ping::Pinger;
use timers::{Timer, Timers};

/// RFC 2661 4.4.2: CDN Result Code 3, "call disconnected for
/// administrative reasons", what a Windows client sends on hang-up.
const CDN_ADMIN: u16 = crate::l2tp::result::CDN_ADMIN;
/// RFC 2661 4.4.2: StopCCN Result Code 1, "general request to clear
/// control channel".
const STOPCCN_GENERAL: u16 = crate::l2tp::result::STOPCCN_GENERAL_REQUEST;

/// What the client asks its machine to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientAction {
    /// Push RASMAN's L2TP policy (or the manual one) to the policy agent;
    /// the machine answers with `handle_policy_result`.
    ApplyL2tpPolicy {
        server: Ipv4Addr,
        encryption: ConnectoidEncryption,
    },
    /// Ask IKE for the SAs protecting L2TP with the server.
    AcquireSa {
        server: Ipv4Addr,
    },
    /// Open an L2TP control connection and an incoming call.
    ConnectL2tp {
        server: SocketAddrV4,
    },
    SendPpp {
        carrier: Carrier,
        frame: Vec<u8>,
    },
    /// CDN for the session.
    CloseSession {
        session: SessionHandle,
        result: u16,
    },
    /// StopCCN for the tunnel (its last session has ended).
    CloseTunnel {
        tunnel: TunnelHandle,
        result: u16,
    },
    /// The connection is over: RASMAN deletes its L2TP policy.
    RemoveL2tpPolicy,
    /// Open a PPTP control connection to the server and a call on it;
    /// the machine answers with `handle_pptp_opened`.
    ConnectPptp {
        server: Ipv4Addr,
    },
    /// End the PPTP call and its control connection.
    ClosePptp {
        call: u16,
    },
}

/// The tunnel protocol of an attempt, as reports name it.
fn protocol_name(tunnel: TunnelType) -> &'static str {
    match tunnel {
        TunnelType::L2tp => "l2tp",
        TunnelType::Pptp => "pptp",
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Waiting for `dial.at`.
    Idle,
    /// RASMAN pushed the L2TP policy and waits for IKE (claim A6: IPsec
    /// before L2TP and PPP).
    Ipsec,
    /// Tunnel and session being set up.
    Tunnel,
    /// PPTP: TCP, the control connection and the call being set up.
    PptpCall,
    /// PPP running over the session or call.
    Ppp(Carrier),
    Connected(Carrier),
    /// PPP is terminating after a hang-up.
    HangingUp(Carrier),
    Ended,
}

/// What RASMAN knows of this machine when it dials.
#[derive(Debug, Clone, Default)]
pub struct DialContext {
    /// A machine certificate is in the store (with or without its key).
    pub has_certificate: bool,
    /// A manual IPsec policy is assigned.
    pub manual_policy: bool,
    /// The route table leads to the server.
    pub server_reachable: bool,
    /// `RasMan\PPP\NegotiateTime`; `None`: no limit.
    pub negotiate_time: Option<Duration>,
    /// The machine's name (LCP Identification).
    pub computer_name: String,
}

/// Inputs the client ignored (diagnostics).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ClientCounters {
    /// A timeline `dial` while the connectoid is connected or dialling.
    pub dial_while_busy: u64,
    /// A PPP frame or IP packet the link refused to send.
    pub send_refused: u64,
    /// What the PPP links of this connectoid discarded.
    pub ppp: LinkCounters,
}

#[derive(Clone)]
pub struct RasClient {
    dial: DialConfig,
    registry: Registry,
    context: DialContext,
    /// Our version's row: the errors we show, PPP's options, Automatic.
    version: &'static Profile,
    phase: Phase,
    /// The attempt runs over IPsec (the policy was applied).
    over_ipsec: bool,
    link: Option<Link>,
    tunnel: Option<TunnelHandle>,
    /// The tunnel of a connected call being torn down: its TunnelClosed
    /// lets RASMAN remove the policy.
    closing: Option<TunnelHandle>,
    /// Our call id of the PPTP call, while it exists.
    pptp_call: Option<u16>,
    /// The tunnel of the attempt under way.
    attempt: TunnelType,
    /// The tunnel of the last call that connected (an Automatic
    /// connectoid whose row remembers starts with it).
    connected_over: Option<TunnelType>,
    /// PPP heard from the peer on this attempt (a PPTP call whose GRE
    /// never answers ends with 721).
    heard_peer: bool,
    /// Failed attempts of this dial before the one under way.
    earlier: Vec<DialOutcome>,
    outcome: Option<DialOutcome>,
    /// How this dial's call ended, once it has.
    ended: Option<CallEnd>,
    /// The connectoid's earlier dials, in order.
    past: Vec<DialRecord>,
    pinger: Pinger,
    timers: Timers,
    actions: VecDeque<ClientAction>,
    counters: ClientCounters,
    rng: ChaCha20Rng,
}

impl RasClient {
    pub fn new(
        dial: DialConfig,
        registry: Registry,
        context: DialContext,
        version: &'static Profile,
        rng: ChaCha20Rng,
    ) -> Self {
        let mut timers = Timers::default();
        timers.set(Timer::Dial, dial.at);
        RasClient {
            timers,
            dial,
            registry,
            context,
            version,
            phase: Phase::Idle,
            over_ipsec: false,
            link: None,
            tunnel: None,
            closing: None,
            pptp_call: None,
            attempt: TunnelType::L2tp,
            connected_over: None,
            heard_peer: false,
            earlier: Vec::new(),
            outcome: None,
            ended: None,
            past: Vec::new(),
            pinger: Pinger::default(),
            actions: VecDeque::new(),
            counters: ClientCounters::default(),
            rng,
        }
    }

    pub fn outcome(&self) -> Option<&DialOutcome> {
        self.outcome.as_ref()
    }

    /// Every dial of the connectoid, in order, this one last.
    pub fn dials(&self) -> Vec<DialRecord> {
        let mut all = self.past.clone();
        all.push(self.record());
        all
    }

    /// The dial of now.
    fn record(&self) -> DialRecord {
        DialRecord {
            at: self.dial.at,
            result: match &self.outcome {
                Some(o) => DialResult::Done(o.clone()),
                None => DialResult::UnderWay {
                    protocol: self.attempt_protocol(),
                    earlier: self.earlier.clone(),
                },
            },
            ended: self.ended,
            pings: Pings {
                sent: self.pinger.sent,
                answered: self.pinger.replies,
            },
        }
    }

    /// A timeline `ping`: `ping -n 2` again through a connected call.
    pub fn handle_ping(&mut self, now: Duration) {
        if matches!(self.phase, Phase::Connected(_)) {
            self.pinger.again(now, &mut self.timers);
        }
    }

    /// The protocol the dial tries now (or first, before it starts).
    fn attempt_protocol(&self) -> &'static str {
        match self.phase {
            Phase::Idle => protocol_name(self.first_attempt()),
            _ => protocol_name(self.attempt),
        }
    }

    /// The tunnel a dial tries first: the connectoid's, or Automatic's
    /// first (the one that last connected, if the row remembers).
    fn first_attempt(&self) -> TunnelType {
        let automatic = &self.version.automatic;
        match self.dial.vpn_type {
            VpnType::L2tp => TunnelType::L2tp,
            VpnType::Pptp => TunnelType::Pptp,
            VpnType::Automatic => self
                .connected_over
                .filter(|_| automatic.remembers)
                .or_else(|| automatic.order.first().copied())
                .unwrap_or(TunnelType::L2tp),
        }
    }

    pub fn counters(&self) -> ClientCounters {
        let mut c = self.counters;
        if let Some(link) = &self.link {
            c.ppp.add(link.counters());
        }
        c
    }

    /// Drops the PPP link, keeping what it counted.
    fn drop_link(&mut self) {
        if let Some(link) = self.link.take() {
            self.counters.ppp.add(link.counters());
        }
    }

    /// A dial result exists and the test traffic, if any, is over.
    pub fn finished(&self) -> bool {
        match &self.outcome {
            None => false,
            Some(o) if o.connected() => self.pinger.done,
            Some(_) => true,
        }
    }

    #[must_use]
    pub fn poll_action(&mut self) -> Option<ClientAction> {
        self.actions.pop_front()
    }

    #[must_use]
    pub fn poll_timeout(&self) -> Option<Duration> {
        let link = self.link.as_ref().and_then(Link::poll_timeout);
        [self.timers.next_timeout(), link]
            .into_iter()
            .flatten()
            .min()
    }

    /// A timeline `dial`: a fresh attempt, unless the connectoid is
    /// connected or dialling (SCENARIOS.md: it does not abandon the call;
    /// Windows shows the connection as already connected).
    pub fn handle_dial(&mut self, now: Duration) {
        if self.phase != Phase::Ended {
            self.counters.dial_while_busy += 1;
            return;
        }
        let record = self.record();
        self.past.push(record);
        self.ended = None;
        self.dial.at = now;
        self.timers.set(Timer::Dial, now);
        self.phase = Phase::Idle;
        self.outcome = None;
        self.drop_link();
        self.tunnel = None;
        self.closing = None;
        self.pptp_call = None;
        self.earlier.clear();
        self.over_ipsec = false;
        self.pinger = Pinger::default();
    }

    /// The user hangs up: PPP terminates; CDN and StopCCN follow. Before
    /// PPP, the dial is abandoned where it stands and ends with 631, as
    /// RasDial reports a RasHangUp during the dial (raserror.h).
    pub fn handle_hang_up(&mut self, now: Duration) {
        match (self.link.as_mut(), self.phase) {
            (Some(link), Phase::Ppp(s) | Phase::Connected(s)) => {
                link.close(now);
                self.phase = Phase::HangingUp(s);
            }
            // RASMAN abandons the dial and deletes its policy: IKE stops
            // the negotiation under way and deletes the SAs it has made
            // (Informational Delete for those its peer knows) [MODEL: the
            // order of RasHangUp's teardown]. A tunnel being set up is
            // closed first; the policy goes when it has.
            (_, Phase::Ipsec | Phase::Tunnel) => {
                if let Some(tunnel) = self.tunnel.take() {
                    self.actions.push_back(ClientAction::CloseTunnel {
                        tunnel,
                        result: STOPCCN_GENERAL,
                    });
                    self.closing = Some(tunnel);
                } else if self.over_ipsec {
                    self.over_ipsec = false;
                    self.actions.push_back(ClientAction::RemoveL2tpPolicy);
                }
                self.fail(now, self.version.ras_errors.user_disconnection);
            }
            (_, Phase::PptpCall) => {
                if let Some(call) = self.pptp_call.take() {
                    self.actions.push_back(ClientAction::ClosePptp { call });
                }
                self.fail(now, self.version.ras_errors.user_disconnection);
            }
            _ => {}
        }
        self.pings_done();
        self.drain_link(now);
    }

    fn ping(&mut self, now: Duration) {
        if self
            .pinger
            .ping(now, self.link.as_mut(), &mut self.timers, self.version)
        {
            self.counters.send_refused += 1;
        }
    }

    fn pings_done(&mut self) {
        self.pinger.finish(&mut self.timers);
    }

    /// Echo replies received through the tunnel.
    pub fn ping_replies(&self) -> u16 {
        self.pinger.replies
    }

    pub fn set_registry(&mut self, registry: Registry) {
        self.registry = registry;
    }

    pub fn handle_timeout(&mut self, now: Duration) {
        if self.timers.take_due(Timer::Dial, now) {
            self.start(now);
        }
        if let Some(link) = self.link.as_mut() {
            if link.poll_timeout().is_some_and(|t| t <= now) {
                link.handle_timeout(now);
            }
        }
        if self.timers.take_due(Timer::Ping, now) {
            self.ping(now);
        }
        self.drain_link(now);
        self.fall_back(now);
    }

    /// The tunnel's call is up: PPP starts on it.
    fn open_link(&mut self, now: Duration, carrier: Carrier) {
        let mut link = Link::new(
            LinkConfig {
                role: Role::Client {
                    user: self.dial.username.clone(),
                    password: self.dial.password.clone(),
                },
                encryption: self.ppp_encryption(),
                mru: self.version.ppp.client_mru,
                negotiate_time: self.context.negotiate_time,
                computer_name: String::new(),
                identification: self.identification(),
                multilink: self.version.ppp.client_multilink,
                ipv6cp: self.version.ppp.client_ipv6cp,
                ccp: !self.over_ipsec || self.version.ppp.client_ccp_over_ipsec,
            },
            ChaCha20Rng::from_rng(&mut self.rng),
        );
        link.open(now);
        self.link = Some(link);
        self.phase = Phase::Ppp(carrier);
        self.drain_link(now);
    }

    fn start(&mut self, now: Duration) {
        tracing::debug!(target: crate::trace::RAS, server = %self.dial.server, connectoid = ?self.dial.vpn_type, "dialling");
        // An unreachable server fails the dial before any tunnel is tried;
        // its outcome names L2TP whatever the connectoid, as it always has
        // here (a PPTP connectoid's would better say pptp: a behaviour
        // change, not this table's).
        self.attempt = TunnelType::L2tp;
        self.heard_peer = false;
        if !self.context.server_reachable {
            return self.fail(now, self.version.ras_errors.unreachable);
        }
        match self.first_attempt() {
            TunnelType::Pptp => self.start_pptp(),
            TunnelType::L2tp => self.start_l2tp(now),
        }
    }

    /// Starts the L2TP attempt: RASMAN's IPsec policy first, unless
    /// ProhibitIpSec=1 and no manual policy.
    fn start_l2tp(&mut self, now: Duration) {
        self.attempt = TunnelType::L2tp;
        self.heard_peer = false;
        let automatic = self.registry.prohibit_ipsec == 0;
        if automatic || self.context.manual_policy {
            // L2TP checks the store before trying (claim A11): 766.
            if automatic && !self.context.has_certificate {
                return self.fail(now, self.version.ras_errors.no_certificate);
            }
            self.phase = Phase::Ipsec;
            self.actions.push_back(ClientAction::ApplyL2tpPolicy {
                server: self.dial.server,
                encryption: self.dial.encryption,
            });
            return;
        }
        // ProhibitIpSec=1 and no manual policy: L2TP in the clear.
        self.connect_l2tp();
    }

    /// What PPP may negotiate. Over IPsec, ESP is the encryption and PPP
    /// offers no MPPE: the server checks the SA's cipher against the
    /// profile instead (WINDOWS.md 6; Server 2003 profile docs: for
    /// L2TP/IPsec, Basic and Strong mean DES, Strongest 3DES). Otherwise
    /// the row's MPPE strengths for the connectoid's setting.
    /// The messages of its LCP Identification packets (the row's).
    fn identification(&mut self) -> Vec<Vec<u8>> {
        let Some(id) = self.version.ppp.client_identification else {
            return Vec::new();
        };
        let name = format!("MSRAS-0-{}", self.context.computer_name.to_uppercase());
        let mut out = vec![id.version.as_bytes().to_vec(), name.into_bytes()];
        if id.correlation_guid {
            let mut guid = vec![0u8; 16];
            self.rng.fill_bytes(&mut guid);
            out.push(guid);
        }
        out
    }

    fn ppp_encryption(&self) -> Encryption {
        if self.over_ipsec {
            return Encryption::NONE;
        }
        self.version.ppp.client_mppe.of(self.dial.encryption)
    }

    fn fail(&mut self, now: Duration, code: u32) {
        if self.outcome.is_none() {
            // An Automatic dial whose first attempt failed shows the error
            // its row says (the attempts are all in `earlier`).
            let automatic = &self.version.automatic;
            let code = match (automatic.shows, self.earlier.first()) {
                (AutomaticError::First, Some(first)) => first.error.unwrap_or(code),
                // Every tunnel failed: not one that ends the dial early.
                (AutomaticError::Always(every_failed), Some(_))
                    if !automatic.final_errors.contains(&code) =>
                {
                    every_failed
                }
                _ => code,
            };
            let protocol = protocol_name(self.attempt);
            tracing::debug!(target: crate::trace::RAS, protocol, error = code, "dial failed");
            self.outcome = Some(DialOutcome {
                protocol,
                time: now,
                error: Some(code),
                address: None,
                earlier: std::mem::take(&mut self.earlier),
            });
        }
        self.phase = Phase::Ended;
    }

    fn carrier(&self) -> Option<Carrier> {
        match self.phase {
            Phase::Ppp(s) | Phase::Connected(s) | Phase::HangingUp(s) => Some(s),
            _ => None,
        }
    }

    /// A connected call ends now for `reason`; the first cause counts (a
    /// dead tunnel takes PPP down after it).
    fn note_end(&mut self, now: Duration, reason: EndReason) {
        let connected = self.outcome.as_ref().is_some_and(DialOutcome::connected);
        if connected && self.ended.is_none() {
            tracing::debug!(target: crate::trace::RAS, reason = reason.as_str(), "call ended");
            self.ended = Some(CallEnd { at: now, reason });
        }
    }

    /// PPP ended (`reason`) or its session went away (`None`): RASMAN
    /// hangs up what is left, CDN then StopCCN (RFC 2661 5.7). The caller
    /// has noted why a connected call ended (`note_end`).
    fn call_over(&mut self, now: Duration, carrier: Carrier, reason: Option<DownReason>) {
        let was_connected = self.outcome.as_ref().is_some_and(DialOutcome::connected);
        if self.outcome.is_none() {
            let ras = &self.version.ras_errors;
            let code = match reason {
                // WINDOWS.md 7: over PPTP, a peer whose GRE never answered
                // (whether our LCP gave up first or the server's call
                // ended first), unless the user hung up.
                Some(DownReason::Closed) => errors::for_ppp(&DownReason::Closed, ras),
                _ if matches!(carrier, Carrier::Pptp(_)) && !self.heard_peer => {
                    ras.pptp_no_response
                }
                Some(r) => errors::for_ppp(&r, ras),
                None => ras.tunnel_timeout,
            };
            self.fail(now, code);
        }
        match (reason, carrier) {
            (Some(_), Carrier::L2tp(session)) => {
                self.actions.push_back(ClientAction::CloseSession {
                    session,
                    result: CDN_ADMIN,
                })
            }
            (_, Carrier::Pptp(_)) => {
                // PPP ended itself: the call and its control connection
                // go too (after a CallDown, the engine has stopped them).
                if let Some(call) = self.pptp_call.take().filter(|_| reason.is_some()) {
                    self.actions.push_back(ClientAction::ClosePptp { call });
                }
            }
            _ => {}
        }
        if let Some(tunnel) = self.tunnel.take() {
            self.actions.push_back(ClientAction::CloseTunnel {
                tunnel,
                result: STOPCCN_GENERAL,
            });
            if was_connected {
                self.closing = Some(tunnel);
            }
        }
        self.drop_link();
        self.phase = Phase::Ended;
        self.pings_done();
    }

    /// Moves PPP output into actions and reacts to PPP events.
    fn drain_link(&mut self, now: Duration) {
        let Some(carrier) = self.carrier() else {
            return;
        };
        let mut events = Vec::new();
        if let Some(link) = self.link.as_mut() {
            while let Some(frame) = link.poll_transmit() {
                self.actions
                    .push_back(ClientAction::SendPpp { carrier, frame });
            }
            while let Some(e) = link.poll_event() {
                events.push(e);
            }
        }
        for e in events {
            match e {
                LinkEvent::Up { local, peer, .. } => {
                    tracing::debug!(target: crate::trace::RAS, address = %local, server = %peer, "connected");
                    self.phase = Phase::Connected(carrier);
                    self.connected_over = Some(self.attempt);
                    self.outcome = Some(DialOutcome {
                        protocol: protocol_name(self.attempt),
                        time: now,
                        error: None,
                        address: Some(local),
                        earlier: std::mem::take(&mut self.earlier),
                    });
                    self.pinger.local = Some(local);
                    self.pinger.peer = Some(peer);
                    self.timers.set(Timer::Ping, now);
                }
                LinkEvent::Ip(packet) => self.pinger.on_ip(&packet, &mut self.timers),
                LinkEvent::Down(reason) => {
                    // The link's frames (a last Terminate-Ack) leave first.
                    if let Some(link) = self.link.as_mut() {
                        while let Some(frame) = link.poll_transmit() {
                            self.actions
                                .push_back(ClientAction::SendPpp { carrier, frame });
                        }
                    }
                    self.note_end(now, EndReason::of_ppp(&reason));
                    self.call_over(now, carrier, Some(reason));
                    return;
                }
                _ => {}
            }
        }
    }
}
