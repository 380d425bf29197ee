//! One PPP link over one L2TP session: the RFC 1661 3.2 phases Dead,
//! Establish (LCP), Authenticate (MS-CHAPv2, RFC 2759), Network (CCP with
//! MPPE, RFC 3078, and IPCP, RFC 1332, run in parallel as Windows does),
//! then Terminate.
//!
//! CCP runs on every link, also when a side allows no encryption: its
//! request then carries no MPPE option, and CCP opening with no MPPE agreed
//! means a cleartext link (IP as protocol 0x0021). `Up` waits for both IPCP
//! and CCP to be Opened (or for CCP to have failed while encryption is
//! optional).
//!
//! Polling order: after any `handle_*`, `open`, `close`, `authenticate`,
//! `authorize` or `send_ip`, drain `poll_transmit` and `poll_event`, then
//! sleep until `poll_timeout`. Frames come out in the order the protocols
//! produced them (a CHAP Success always precedes the server's first CCP and
//! IPCP requests).
//!
//! Down reasons: LCP never converging -> `LcpFailed`; MS-CHAPv2 Failure ->
//! `AuthFailed { code }` (E= value, 691 bad credentials, 649 policy);
//! Success with a wrong S= -> `AuthenticatorResponseMismatch`; CCP giving
//! up or never opening while encryption is required -> `PeerLacksEncryption`;
//! the peer ending the link after we rejected its MPPE option ->
//! `PeerRequiresEncryption`; IPCP failing -> `NcpFailed`; any other peer
//! Terminate-Request -> `PeerTerminated`; `close()` -> `Closed`. The CHAP
//! peer timing out waiting for the authenticator is reported as `LcpFailed`
//! (the plan has no timeout reason). `EchoTimeout` is not produced yet: the
//! link answers LCP Echo-Requests but sends none.

use core::net::Ipv4Addr;
use std::collections::VecDeque;
use std::time::Duration;

use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};

use super::ccp::{CcpPolicy, Encryption};
use super::chap::{ChapAuthenticator, ChapEvent, ChapPeer};
use super::error::PppError;
use super::fsm::{Fsm, FsmEvent};
use super::ipcp::{IpcpPolicy, IpcpRole};
use super::ipv6cp::Ipv6cpPolicy;
use super::lcp::{LcpPolicy, LcpRole};
use super::mppe::{Mppe, MppeStrength};
use crate::timer::{TimerKind, TimerTable};
use crate::wire::ppp::{frame, Frame, Protocol};

mod compose;
mod trace;
use trace::trace_control;

/// RFC 1332 1: the IP datagram protocol number.
const PROTO_IP: u16 = 0x0021;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Role {
    Client { user: String, password: String },
    Server,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkConfig {
    pub role: Role,
    /// Client: from the connectoid. Server: replaced at `authorize`.
    pub encryption: Encryption,
    pub mru: u16,
    /// How long negotiation may take before this side gives up the line
    /// (`RasMan\PPP\NegotiateTime`, WINDOWS.md 8); `None`: no limit.
    pub negotiate_time: Option<Duration>,
    /// Server: the Name of its MS-CHAPv2 Challenge (RFC 1994 4.1), the
    /// computer's name (WINDOWS.md 9).
    pub computer_name: String,
    /// Client: the messages of the LCP Identification packets it sends
    /// when LCP comes up (RFC 1570 1.1), in order; empty: none.
    pub identification: Vec<Vec<u8>>,
    /// Client: also asks for multilink (MRRU, Endpoint Discriminator).
    pub multilink: bool,
    /// Negotiates IPV6CP beside IPCP (RFC 5072); the link is up on IPv4
    /// whatever becomes of it.
    pub ipv6cp: bool,
    /// Runs CCP. Without it the peer's CCP is Protocol-Rejected (RFC
    /// 1661 5.7) and the link is up without MPPE.
    pub ccp: bool,
}

/// The remote access policy's answer for an authenticated user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization {
    pub encryption: Encryption,
    pub local_address: Ipv4Addr,
    /// `None`: no address to give (an exhausted pool); IPCP cannot open.
    pub peer_address: Option<Ipv4Addr>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkEvent {
    /// Server: the machine answers with `authenticate()`.
    Authenticate {
        user: String,
    },
    /// Server: credentials verified; the machine answers `authorize()`.
    Authorize {
        user: String,
    },
    /// Server: the peer's credentials were refused (unknown user or wrong
    /// password); a Failure E=691 went out. Lets RRAS log the attempt.
    AuthenticationFailed {
        user: String,
    },
    /// Client: Success verified (S= matched).
    Authenticated,
    /// IPCP (and CCP) opened.
    Up {
        local: Ipv4Addr,
        peer: Ipv4Addr,
        mppe: Option<MppeStrength>,
    },
    /// A decrypted IP packet.
    Ip(Vec<u8>),
    Down(DownReason),
    /// A request sent again on timeout (diagnostics).
    Retransmitted {
        protocol: u16,
        code: u8,
        id: u8,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DownReason {
    LcpFailed,
    /// E= from the MS-CHAPv2 Failure packet.
    AuthFailed {
        code: u32,
    },
    AuthenticatorResponseMismatch,
    /// We refused the peer's MPPE, and the peer ended the link.
    PeerRequiresEncryption,
    /// We require a strength the peer refuses.
    PeerLacksEncryption,
    NcpFailed,
    PeerTerminated,
    Closed,
    EchoTimeout,
    /// Negotiation did not converge within `negotiate_time`.
    NegotiationTimeout,
}

/// Frames the link discarded (diagnostics): nothing is dropped silently.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LinkCounters {
    /// Frames that do not parse (RFC 1661 2: silently discarded).
    pub malformed_frames: u64,
    /// Control packets a protocol refused (malformed or unexpected).
    pub refused_packets: u64,
    /// Packets that arrived in a phase that does not take them.
    pub out_of_phase: u64,
}

impl LinkCounters {
    pub fn add(&mut self, other: LinkCounters) {
        self.malformed_frames += other.malformed_frames;
        self.refused_packets += other.refused_packets;
        self.out_of_phase += other.out_of_phase;
    }
}

/// RFC 1661 3.2 link phases.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Dead,
    Establish,
    Authenticate,
    Network,
    Terminate,
}

#[derive(Clone)]
enum Auth {
    None,
    Peer(Box<ChapPeer>),
    Authenticator(Box<ChapAuthenticator>),
}

/// The link's own timer (LCP, CHAP, CCP and IPCP keep theirs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Timer {
    /// When negotiation must have converged (WINDOWS.md 8), from `open`
    /// and `negotiate_time`; it only counts while the link is not up.
    Negotiate,
}

crate::timer::timer_kind!(Timer, 1);

#[derive(Clone)]
pub struct Link {
    role: Role,
    encryption: Encryption,
    rng: ChaCha20Rng,
    phase: Phase,
    lcp: Fsm<LcpPolicy>,
    auth: Auth,
    ccp: Option<Fsm<CcpPolicy>>,
    ipcp: Option<Fsm<IpcpPolicy>>,
    ipv6cp: Option<Fsm<Ipv6cpPolicy>>,
    mppe: Option<Mppe>,
    strength: Option<MppeStrength>,
    authorization: Option<Authorization>,
    /// CCP ended without MPPE and encryption is optional.
    ccp_done: bool,
    up: bool,
    reason: Option<DownReason>,
    down: bool,
    /// Server: the user name of the Response being verified.
    auth_user: Option<String>,
    negotiate_time: Option<Duration>,
    computer_name: String,
    identification: Vec<Vec<u8>>,
    run_ccp: bool,
    run_ipv6cp: bool,
    timers: TimerTable<Timer, { Timer::COUNT }>,
    transmit: VecDeque<Vec<u8>>,
    events: VecDeque<LinkEvent>,
    counters: LinkCounters,
}

impl Link {
    pub fn new(cfg: LinkConfig, mut rng: ChaCha20Rng) -> Self {
        let lcp_role = match cfg.role {
            Role::Client { .. } => LcpRole::Peer,
            Role::Server => LcpRole::Authenticator,
        };
        let lcp_rng = ChaCha20Rng::from_rng(&mut rng);
        let first_id = rng.next_u32() as u8;
        Link {
            role: cfg.role,
            encryption: cfg.encryption,
            phase: Phase::Dead,
            lcp: Fsm::new(
                LcpPolicy::new(lcp_role, cfg.mru, cfg.multilink, lcp_rng),
                first_id,
            ),
            rng,
            auth: Auth::None,
            ccp: None,
            ipcp: None,
            ipv6cp: None,
            mppe: None,
            strength: None,
            authorization: None,
            ccp_done: false,
            up: false,
            reason: None,
            down: false,
            auth_user: None,
            negotiate_time: cfg.negotiate_time,
            computer_name: cfg.computer_name,
            identification: cfg.identification,
            run_ccp: cfg.ccp,
            run_ipv6cp: cfg.ipv6cp,
            timers: TimerTable::new(),
            transmit: VecDeque::new(),
            events: VecDeque::new(),
            counters: LinkCounters::default(),
        }
    }

    /// What the link discarded so far.
    pub fn counters(&self) -> LinkCounters {
        self.counters
    }

    pub fn phase(&self) -> Phase {
        self.phase
    }

    pub fn is_up(&self) -> bool {
        self.up
    }

    fn is_server(&self) -> bool {
        self.role == Role::Server
    }

    /// The lower layer (the L2TP session) is up: LCP starts.
    pub fn open(&mut self, now: Duration) {
        if self.phase != Phase::Dead || self.down {
            return;
        }
        self.phase = Phase::Establish;
        match self.negotiate_time {
            Some(t) => self.timers.set(Timer::Negotiate, now + t),
            None => self.timers.stop(Timer::Negotiate),
        }
        self.lcp.open(now);
        self.lcp.up(now);
        self.pump(now);
    }

    /// A PPP frame from L2TP.
    pub fn handle_frame(&mut self, now: Duration, bytes: &[u8]) {
        if self.down {
            return;
        }
        let parsed = if self.lcp.policy().pfc_agreed() {
            Frame::parse_pfc(bytes)
        } else {
            Frame::parse(bytes)
        };
        let Ok(f) = parsed else {
            // RFC 1661 2: malformed frames are silently discarded.
            self.counters.malformed_frames += 1;
            tracing::debug!(target: crate::trace::PPP, len = bytes.len(), "malformed frame dropped");
            return;
        };
        trace_control("receive", &f);
        let network = self.phase == Phase::Network;
        // Some(accepted) for the control protocols.
        let result = match f.protocol {
            Protocol::Lcp => Some(self.lcp.handle_packet(now, f.info).is_ok()),
            Protocol::Chap => match &mut self.auth {
                Auth::Peer(p) => Some(p.handle_packet(now, f.info).is_ok()),
                Auth::Authenticator(a) => Some(a.handle_packet(now, f.info).is_ok()),
                Auth::None => {
                    self.counters.out_of_phase += 1;
                    None
                }
            },
            // RFC 1661 3.5: NCP packets before the Network phase are dropped.
            Protocol::Ccp | Protocol::Ipcp | Protocol::Ipv6cp if !network => {
                self.counters.out_of_phase += 1;
                None
            }
            Protocol::Ccp if !self.run_ccp => {
                self.lcp
                    .send_protocol_reject(u16::from(Protocol::Ccp), f.info);
                None
            }
            Protocol::Ipv6cp => match self.ipv6cp.as_mut() {
                Some(e) => Some(e.handle_packet(now, f.info).is_ok()),
                None => {
                    self.lcp
                        .send_protocol_reject(u16::from(Protocol::Ipv6cp), f.info);
                    None
                }
            },
            Protocol::Ccp => self
                .ccp
                .as_mut()
                .map(|c| c.handle_packet(now, f.info).is_ok()),
            Protocol::Ipcp => self
                .ipcp
                .as_mut()
                .map(|i| i.handle_packet(now, f.info).is_ok()),
            _ => None,
        };
        if result == Some(false) {
            self.counters.refused_packets += 1;
        }
        match f.protocol {
            Protocol::Lcp | Protocol::Chap | Protocol::Ccp | Protocol::Ipcp | Protocol::Ipv6cp => {}
            // Cleartext IP is refused once MPPE is in use.
            Protocol::Ip if self.up && self.mppe.is_none() => {
                self.events.push_back(LinkEvent::Ip(f.info.to_vec()));
            }
            Protocol::Compressed if self.up => {
                if let Some(m) = &mut self.mppe {
                    if let Ok((PROTO_IP, payload)) = m.decrypt(f.info) {
                        self.events.push_back(LinkEvent::Ip(payload));
                    }
                }
            }
            Protocol::Unknown(p) => self.lcp.send_protocol_reject(p, f.info),
            _ => {}
        }
        self.pump(now);
    }

    pub fn handle_timeout(&mut self, now: Duration) {
        if self.down {
            return;
        }
        if !self.up && self.timers.take_due(Timer::Negotiate, now) {
            // WINDOWS.md 8: "the server disconnects the line"; a client
            // with the same registry value gives up the same way.
            self.fail(now, DownReason::NegotiationTimeout);
            self.pump(now);
            return;
        }
        self.lcp.handle_timeout(now);
        match &mut self.auth {
            Auth::Peer(p) if p.poll_timeout().is_some_and(|t| t <= now) => p.handle_timeout(now),
            Auth::Authenticator(a) if a.poll_timeout().is_some_and(|t| t <= now) => {
                a.handle_timeout(now)
            }
            _ => {}
        }
        if let Some(c) = &mut self.ccp {
            c.handle_timeout(now);
        }
        if let Some(i) = &mut self.ipcp {
            i.handle_timeout(now);
        }
        if let Some(i) = &mut self.ipv6cp {
            i.handle_timeout(now);
        }
        self.pump(now);
    }

    /// Server: answer to `LinkEvent::Authenticate`.
    pub fn authenticate(&mut self, now: Duration, password: Option<&str>) {
        if let Auth::Authenticator(a) = &mut self.auth {
            a.credentials(now, password);
        }
        self.pump(now);
    }

    /// Server: answer to `LinkEvent::Authorize`. `Ok` sends Success and
    /// uses the profile; `Err(code)` sends Failure E=code and ends the link.
    pub fn authorize(&mut self, now: Duration, decision: Result<Authorization, u32>) {
        let Auth::Authenticator(a) = &mut self.auth else {
            return;
        };
        match decision {
            Ok(authz) => {
                a.decide(now, Ok(()));
                self.encryption = authz.encryption;
                self.authorization = Some(authz);
                self.pump(now);
                self.start_network(now);
            }
            Err(code) => {
                a.decide(now, Err(code));
                self.pump(now);
                self.fail(now, DownReason::AuthFailed { code });
            }
        }
        self.pump(now);
    }

    /// An IP packet to the peer: MPPE-encrypted when negotiated.
    pub fn send_ip(&mut self, _now: Duration, packet: &[u8]) -> Result<(), PppError> {
        if !self.up || self.down {
            return Err(PppError::NotOpen);
        }
        let out = match &mut self.mppe {
            Some(m) => frame(Protocol::Compressed, &m.encrypt(PROTO_IP, packet)),
            None => frame(Protocol::Ip, packet),
        };
        self.transmit.push_back(out);
        Ok(())
    }

    /// Ends the link (LCP Terminate-Request, RFC 1661 3.6).
    /// The lower layer (the L2TP session) went away: RFC 1661 4.1 event
    /// Down. The link is dead at once, with the reason it already knew
    /// (e.g. the peer's Terminate-Request after we refused its MPPE), or
    /// `PeerTerminated`.
    pub fn lower_down(&mut self, now: Duration) {
        if self.down {
            return;
        }
        self.lcp.down(now);
        self.reason.get_or_insert(DownReason::PeerTerminated);
        self.finish();
    }

    pub fn close(&mut self, now: Duration) {
        if self.down {
            return;
        }
        self.reason.get_or_insert(DownReason::Closed);
        if self.phase == Phase::Dead {
            self.finish();
            return;
        }
        self.phase = Phase::Terminate;
        self.lcp.close(now);
        self.pump(now);
    }

    /// A PPP frame for L2TP, including `FF 03`.
    #[must_use]
    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        let f = self.transmit.pop_front()?;
        // Parsed again only when someone listens.
        if tracing::enabled!(target: crate::trace::PPP, tracing::Level::TRACE) {
            if let Ok(parsed) = Frame::parse(&f) {
                trace_control("send", &parsed);
            }
        }
        Some(f)
    }

    #[must_use]
    pub fn poll_event(&mut self) -> Option<LinkEvent> {
        self.events.pop_front()
    }

    /// The earliest timer of LCP, CHAP, CCP and IPCP.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Duration> {
        if self.down {
            return None;
        }
        let auth = match &self.auth {
            Auth::Peer(p) => p.poll_timeout(),
            Auth::Authenticator(a) => a.poll_timeout(),
            Auth::None => None,
        };
        // The negotiation timer is the link's only one, paused while up.
        let own = self.timers.next_timeout().filter(|_| !self.up);
        [
            own,
            self.lcp.poll_timeout(),
            auth,
            self.ccp.as_ref().and_then(|c| c.poll_timeout()),
            self.ipcp.as_ref().and_then(|i| i.poll_timeout()),
            self.ipv6cp.as_ref().and_then(|i| i.poll_timeout()),
        ]
        .into_iter()
        .flatten()
        .min()
    }
}

#[cfg(test)]
mod tests;
