//! The L2TP endpoint: every tunnel and session of one machine, both roles.
//!
//! Tunnel establishment follows RFC 2661 7.2 (SCCRQ, SCCRP, SCCCN), incoming
//! calls RFC 2661 7.4.1 (ICRQ, ICRP, ICCN), teardown RFC 2661 5.7 (StopCCN)
//! and 5.6 / 7.4 (CDN). Reliable delivery is `control::ControlChannel`.

use super::trace::trace_control;
use std::collections::{BTreeMap, VecDeque};
use std::net::SocketAddrV4;
use std::time::Duration;

use rand_chacha::ChaCha20Rng;
use rand_core::RngCore;

use super::control::{ControlChannel, Delivery, Outgoing, Resent};
use super::{
    result, EndpointConfig, Event, L2tpError, PeerAddr, SessionDownReason, SessionHandle,
    TunnelDownReason, TunnelHandle, STOPCCN_HOLD,
};
use crate::wire::l2tp::{Avp, AvpValue, ControlRepr, DataRepr, MessageType, Packet, ResultCode};

#[path = "endpoint_tunnel.rs"]
mod tunnel;

/// Framing Capabilities / Framing Type: synchronous | asynchronous
/// (RFC 2661 4.4.3, 4.4.5).
const FRAMING_SYNC_ASYNC: u32 = 0x3;
/// Framing Type in ICCN: synchronous, as an L2TP VPN call is.
pub(super) const FRAMING_SYNC: u32 = 0x1;
/// (Tx) Connect Speed reported in ICCN (RFC 2661 4.4.5): a LAN-speed VPN call.
pub(super) const CONNECT_SPEED: u32 = 100_000_000;
/// Message of the StopCCN refusing a tunnel when no L2TP port exists.
const NO_PORTS_MESSAGE: &str = "no L2TP ports are configured";
/// Message of the CDN refusing a call when every L2TP port is busy.
pub(super) const NO_FREE_PORT_MESSAGE: &str = "no free L2TP port";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Role {
    Lac,
    Lns,
}

/// Control connection states (RFC 2661 7.2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum TunnelState {
    /// LNS: created for an SCCRQ not yet processed.
    Idle,
    /// LAC: SCCRQ sent.
    WaitCtlReply,
    /// LNS: SCCRP sent.
    WaitCtlConn,
    Established,
    /// StopCCN sent or received: acknowledge, then forget at `until`.
    Closing {
        until: Duration,
    },
}

impl TunnelState {
    fn name(self) -> &'static str {
        match self {
            Self::Idle => "idle",
            Self::WaitCtlReply => "wait-ctl-reply",
            Self::WaitCtlConn => "wait-ctl-conn",
            Self::Established => "established",
            Self::Closing { .. } => "closing",
        }
    }
}

/// Incoming call states (RFC 2661 7.4.1, 7.4.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum SessionState {
    /// LAC: ICRQ sent.
    WaitReply,
    /// LNS: ICRP sent.
    WaitConnect,
    Established,
}

#[derive(Debug, Clone)]
pub(super) struct Session {
    pub(super) peer_id: u16,
    pub(super) state: SessionState,
}

#[derive(Debug, Clone)]
pub(super) struct Tunnel {
    pub(super) id: u16,
    pub(super) role: Role,
    pub(super) state: TunnelState,
    /// The peer's Assigned Tunnel ID (0 until known).
    pub(super) peer_id: u16,
    pub(super) chan: ControlChannel,
    pub(super) sessions: BTreeMap<u16, Session>,
    /// HELLO when nothing is heard from the peer until then (RFC 2661 6.5).
    pub(super) hello_at: Duration,
    /// The owner heard `TunnelDown` and waits for `TunnelClosed`.
    pub(super) close_pending: bool,
}

impl Tunnel {
    /// Whether the owner knows this tunnel (and must hear of its end).
    fn announced(&self) -> bool {
        self.role == Role::Lac || self.state == TunnelState::Established
    }

    pub(super) fn closing(&self) -> bool {
        matches!(self.state, TunnelState::Closing { .. })
    }
}

/// One machine's L2TP: see the module docs of `l2tp` for the polling order.
#[derive(Clone)]
pub struct Endpoint {
    pub(super) cfg: EndpointConfig,
    pub(super) rng: ChaCha20Rng,
    pub(super) tunnels: BTreeMap<u16, Tunnel>,
    /// LNS: (peer address, peer's Assigned Tunnel ID) -> our tunnel id, so a
    /// retransmitted SCCRQ reaches the tunnel it created.
    pub(super) by_peer: BTreeMap<(PeerAddr, u16), u16>,
    pub(super) transmits: VecDeque<(PeerAddr, Vec<u8>)>,
    pub(super) events: VecDeque<Event>,
}

pub(super) fn result_of(rc: Option<&ResultCode>) -> (u16, Option<u16>, Option<String>) {
    match rc {
        Some(rc) => (
            rc.result,
            rc.error,
            (!rc.message.is_empty()).then(|| String::from_utf8_lossy(&rc.message).into_owned()),
        ),
        None => (0, None, None),
    }
}

pub(super) fn result_avp(result: u16, error: Option<u16>, message: &str) -> Avp {
    Avp::mandatory(AvpValue::ResultCode(ResultCode {
        result,
        error,
        message: message.as_bytes().to_vec(),
    }))
}

pub(super) fn assigned_session(repr: &ControlRepr) -> Option<u16> {
    repr.find(|v| match v {
        AvpValue::AssignedSessionId(s) => Some(*s),
        _ => None,
    })
}

pub(super) fn result_code(repr: &ControlRepr) -> Option<&ResultCode> {
    repr.find(|v| match v {
        AvpValue::ResultCode(rc) => Some(rc),
        _ => None,
    })
}

impl Endpoint {
    pub fn new(cfg: EndpointConfig, rng: ChaCha20Rng) -> Self {
        Endpoint {
            cfg,
            rng,
            tunnels: BTreeMap::new(),
            by_peer: BTreeMap::new(),
            transmits: VecDeque::new(),
            events: VecDeque::new(),
        }
    }

    /// A non-zero random id not in `taken` (RFC 2661 3.1: 0 is reserved).
    pub(super) fn random_id(rng: &mut ChaCha20Rng, taken: impl Fn(u16) -> bool) -> u16 {
        loop {
            let id = (rng.next_u32() >> 16) as u16;
            if id != 0 && !taken(id) {
                return id;
            }
        }
    }

    /// AVPs common to SCCRQ and SCCRP (RFC 2661 6.1, 6.2).
    fn control_avps(&self, id: u16) -> Vec<Avp> {
        vec![
            Avp::mandatory(AvpValue::ProtocolVersion {
                version: 1,
                revision: 0,
            }),
            Avp::mandatory(AvpValue::FramingCapabilities(FRAMING_SYNC_ASYNC)),
            Avp::mandatory(AvpValue::BearerCapabilities(0)),
            Avp::optional(AvpValue::FirmwareRevision(self.cfg.firmware_revision)),
            Avp::mandatory(AvpValue::HostName(self.cfg.host_name.as_bytes().to_vec())),
            Avp::optional(AvpValue::VendorName(
                self.cfg.vendor_name.as_bytes().to_vec(),
            )),
            Avp::mandatory(AvpValue::AssignedTunnelId(id)),
            Avp::mandatory(AvpValue::ReceiveWindowSize(self.cfg.receive_window)),
        ]
    }

    pub(super) fn send(
        &mut self,
        now: Duration,
        t: &mut Tunnel,
        session_id: u16,
        mt: MessageType,
        avps: Vec<Avp>,
    ) {
        let msg = Outgoing {
            tunnel_id: t.peer_id,
            session_id,
            message_type: mt,
            avps,
        };
        t.chan.send(now, msg, &mut self.transmits);
    }

    /// LAC: open a control connection to `peer`, then an incoming call (ICRQ)
    /// once it is up.
    pub fn connect(&mut self, now: Duration, peer: SocketAddrV4) -> TunnelHandle {
        let tunnels = &self.tunnels;
        let id = Self::random_id(&mut self.rng, |id| tunnels.contains_key(&id));
        let mut t = Tunnel {
            id,
            role: Role::Lac,
            state: TunnelState::WaitCtlReply,
            peer_id: 0,
            chan: ControlChannel::new(peer, 0),
            sessions: BTreeMap::new(),
            hello_at: now + self.cfg.hello_interval,
            close_pending: false,
        };
        let avps = self.control_avps(id);
        self.send(now, &mut t, 0, MessageType::Sccrq, avps);
        self.tunnels.insert(id, t);
        TunnelHandle(id)
    }

    fn set_context(&mut self, tunnel: u16, context: u16) {
        if let Some(t) = self.tunnels.get_mut(&tunnel) {
            t.chan.set_context(context);
        }
    }

    pub fn handle_datagram(
        &mut self,
        now: Duration,
        from: SocketAddrV4,
        data: &[u8],
    ) -> Result<(), L2tpError> {
        self.handle_datagram_from(now, from.into(), data)
    }

    /// `handle_datagram` with the lower layer's context (`PeerAddr`).
    pub fn handle_datagram_from(
        &mut self,
        now: Duration,
        from: PeerAddr,
        data: &[u8],
    ) -> Result<(), L2tpError> {
        let packet = Packet::new_checked(data)?;
        if !packet.is_control() {
            return self.on_data(now, from, DataRepr::parse(&packet)?);
        }
        let repr = ControlRepr::parse(&packet)?;
        trace_control("receive", &from.addr, data);
        if repr.tunnel_id != 0 {
            let id = repr.tunnel_id;
            let result = match self.tunnels.get(&id) {
                Some(t) if t.chan.peer().addr == from.addr => {
                    self.set_context(id, from.context);
                    self.on_tunnel_message(now, id, repr)
                }
                _ => Err(L2tpError::UnknownTunnel { tunnel_id: id }),
            };
            self.report_closed();
            return result;
        }
        match repr.message_type {
            Some(MessageType::Sccrq) => self.on_sccrq(now, from, repr),
            Some(m) => Err(L2tpError::NoTunnelId { message: m }),
            // A ZLB for tunnel 0 acknowledges nothing we know of.
            None => Err(L2tpError::UnknownTunnel { tunnel_id: 0 }),
        }
    }

    pub fn handle_timeout(&mut self, now: Duration) {
        let ids: Vec<u16> = self.tunnels.keys().copied().collect();
        for id in ids {
            let Some(mut t) = self.tunnels.remove(&id) else {
                continue;
            };
            let mut resent = Vec::new();
            let exhausted = t
                .chan
                .handle_timeout(now, &mut self.transmits, &mut resent)
                .is_err();
            for Resent { ns, message_type } in resent {
                self.events.push_back(Event::Retransmitted {
                    tunnel: TunnelHandle(id),
                    ns,
                    message_type,
                });
            }
            let keep = match t.state {
                TunnelState::Closing { until } => !exhausted && until > now,
                _ if exhausted => {
                    self.tunnel_down(now, &mut t, TunnelDownReason::Timeout);
                    false
                }
                TunnelState::Established if t.hello_at <= now => {
                    // RFC 2661 6.5: keepalive after silence.
                    t.hello_at = now + self.cfg.hello_interval;
                    self.send(now, &mut t, 0, MessageType::Hello, Vec::new());
                    true
                }
                // Silence during setup [MODEL]: our message was acknowledged
                // but the reply never came (lost, or the peer gave up), so
                // nothing is left to resend and HELLO has no tunnel to keep
                // alive: the attempt ends after the same silence.
                TunnelState::Idle | TunnelState::WaitCtlReply | TunnelState::WaitCtlConn
                    if t.hello_at <= now =>
                {
                    self.tunnel_down(now, &mut t, TunnelDownReason::Timeout);
                    false
                }
                _ => true,
            };
            if keep {
                self.tunnels.insert(id, t);
            } else {
                // Keyed by where its SCCRQ came from, which the context
                // may since have moved on from.
                self.by_peer.retain(|_, tunnel| *tunnel != id);
                if t.close_pending {
                    self.events.push_back(Event::TunnelClosed {
                        tunnel: TunnelHandle(id),
                    });
                }
            }
        }
        self.report_closed();
    }

    /// `TunnelClosed` for each closing tunnel whose last message (our
    /// StopCCN, or the ZLB answering the peer's) needs nothing more.
    fn report_closed(&mut self) {
        for (&id, t) in self.tunnels.iter_mut() {
            if t.close_pending && t.closing() && t.chan.all_acked() {
                t.close_pending = false;
                self.events.push_back(Event::TunnelClosed {
                    tunnel: TunnelHandle(id),
                });
            }
        }
    }

    /// Ends a tunnel and its sessions with StopCCN (RFC 2661 6.4).
    pub fn close_tunnel(&mut self, now: Duration, tunnel: TunnelHandle, result: u16) {
        let Some(mut t) = self.tunnels.remove(&tunnel.0) else {
            return;
        };
        if !t.closing() {
            let avps = vec![
                Avp::mandatory(AvpValue::AssignedTunnelId(t.id)),
                result_avp(result, None, ""),
            ];
            self.send(now, &mut t, 0, MessageType::StopCcn, avps);
            self.tunnel_down(now, &mut t, TunnelDownReason::Closed);
        }
        self.tunnels.insert(tunnel.0, t);
    }

    #[must_use]
    pub fn poll_transmit(&mut self) -> Option<(SocketAddrV4, Vec<u8>)> {
        self.poll_transmit_to().map(|(to, d)| (to.addr, d))
    }

    /// `poll_transmit` with the lower layer's context of each datagram.
    #[must_use]
    pub fn poll_transmit_to(&mut self) -> Option<(PeerAddr, Vec<u8>)> {
        let (to, d) = self.transmits.pop_front()?;
        trace_control("send", &to.addr, &d);
        Some((to, d))
    }

    #[must_use]
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// The earliest timer of any tunnel: retransmission, delayed ack, HELLO,
    /// end of the StopCCN hold.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Duration> {
        self.tunnels
            .values()
            .flat_map(|t| {
                let state_timer = match t.state {
                    TunnelState::Closing { until } => until,
                    _ => t.hello_at,
                };
                [t.chan.poll_timeout(), Some(state_timer)]
            })
            .flatten()
            .min()
    }

    /// Tunnels currently known (diagnostics, tests).
    pub fn tunnel_count(&self) -> usize {
        self.tunnels.len()
    }

    /// Sessions over every tunnel, in any state.
    pub fn session_count(&self) -> usize {
        self.tunnels.values().map(|t| t.sessions.len()).sum()
    }

    /// The peer address of a tunnel (RRAS logs the caller's address).
    pub fn tunnel_peer(&self, tunnel: TunnelHandle) -> Option<SocketAddrV4> {
        self.tunnels.get(&tunnel.0).map(|t| t.chan.peer().addr)
    }
}
