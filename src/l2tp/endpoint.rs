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

    /// LNS: a new control connection, or a retransmitted SCCRQ of one.
    fn on_sccrq(
        &mut self,
        now: Duration,
        from: PeerAddr,
        repr: ControlRepr,
    ) -> Result<(), L2tpError> {
        let Some(peer_id) = repr.find(|v| match v {
            AvpValue::AssignedTunnelId(t) => Some(*t),
            _ => None,
        }) else {
            return Err(L2tpError::MissingAvp {
                message: MessageType::Sccrq,
                avp: "Assigned Tunnel ID",
            });
        };
        if let Some(&id) = self.by_peer.get(&(from, peer_id)) {
            return self.on_tunnel_message(now, id, repr);
        }
        if repr.ns != 0 {
            // The first message of a control connection has Ns 0 (RFC 2661 5.8).
            return Err(L2tpError::UnexpectedMessage {
                message: MessageType::Sccrq,
                state: "no tunnel (Ns not 0)",
            });
        }
        let tunnels = &self.tunnels;
        let id = Self::random_id(&mut self.rng, |id| tunnels.contains_key(&id));
        self.tunnels.insert(
            id,
            Tunnel {
                id,
                role: Role::Lns,
                state: TunnelState::Idle,
                peer_id,
                chan: ControlChannel::new(from, peer_id),
                sessions: BTreeMap::new(),
                hello_at: now + self.cfg.hello_interval,
                close_pending: false,
            },
        );
        self.by_peer.insert((from, peer_id), id);
        self.on_tunnel_message(now, id, repr)
    }

    fn on_tunnel_message(
        &mut self,
        now: Duration,
        id: u16,
        repr: ControlRepr,
    ) -> Result<(), L2tpError> {
        let Some(mut t) = self.tunnels.remove(&id) else {
            return Err(L2tpError::UnknownTunnel { tunnel_id: id });
        };
        let r = self.tunnel_message(now, &mut t, repr);
        self.tunnels.insert(id, t);
        r
    }

    fn tunnel_message(
        &mut self,
        now: Duration,
        t: &mut Tunnel,
        repr: ControlRepr,
    ) -> Result<(), L2tpError> {
        t.hello_at = now + self.cfg.hello_interval;
        let zlb = repr.is_zlb();
        let delivery = t
            .chan
            .receive(now, repr.ns, repr.nr, zlb, &mut self.transmits);
        let Some(mt) = repr.message_type else {
            return Ok(());
        };
        // Duplicates were acknowledged by the channel; messages ahead are
        // dropped for the peer to resend (RFC 2661 5.8).
        if delivery != Delivery::New || t.closing() {
            return Ok(());
        }
        self.check_avps(now, t, mt, &repr)?;
        let state = t.state;
        let unexpected = Err(L2tpError::UnexpectedMessage {
            message: mt,
            state: state.name(),
        });
        match mt {
            MessageType::Sccrq if t.role == Role::Lns && state == TunnelState::Idle => {
                self.lns_answer_sccrq(now, t);
                Ok(())
            }
            MessageType::Sccrp if t.role == Role::Lac && state == TunnelState::WaitCtlReply => {
                self.lac_on_sccrp(now, t, &repr)
            }
            MessageType::Scccn if t.role == Role::Lns && state == TunnelState::WaitCtlConn => {
                t.state = TunnelState::Established;
                self.events.push_back(Event::TunnelUp {
                    tunnel: TunnelHandle(t.id),
                });
                Ok(())
            }
            MessageType::StopCcn => {
                let (result, error, message) = result_of(result_code(&repr));
                // RFC 2661 6.4: StopCCN carries the sender's tunnel id so it
                // can be acknowledged even when its SCCRP was lost.
                if t.peer_id == 0 {
                    if let Some(id) = repr.find(|v| match v {
                        AvpValue::AssignedTunnelId(id) => Some(*id),
                        _ => None,
                    }) {
                        t.peer_id = id;
                        t.chan.peer_tunnel_id = id;
                    }
                }
                // Acknowledge at once: we will not send anything to piggyback on.
                t.chan.abandon();
                t.chan.send_zlb(&mut self.transmits);
                self.tunnel_down(
                    now,
                    t,
                    TunnelDownReason::StopCcn {
                        result,
                        error,
                        message,
                    },
                );
                Ok(())
            }
            MessageType::Hello => Ok(()),
            _ if state != TunnelState::Established => unexpected,
            MessageType::Icrq if t.role == Role::Lns => self.lns_on_icrq(now, t, &repr),
            MessageType::Icrp if t.role == Role::Lac => self.lac_on_icrp(now, t, &repr),
            MessageType::Iccn if t.role == Role::Lns => self.lns_on_iccn(t, &repr),
            MessageType::Cdn => self.on_cdn(t, &repr),
            _ => unexpected,
        }
    }

    /// RFC 2661 4.1: an unrecognised AVP with the M bit (hidden ones included:
    /// we cannot decrypt them) clears the session for session messages, the
    /// tunnel otherwise. Other unknown AVPs are ignored.
    fn check_avps(
        &mut self,
        now: Duration,
        t: &mut Tunnel,
        mt: MessageType,
        repr: &ControlRepr,
    ) -> Result<(), L2tpError> {
        let Some(bad) = repr
            .avps
            .iter()
            .find(|a| a.mandatory && matches!(a.value, AvpValue::Unknown { .. }))
        else {
            return Ok(());
        };
        let err = match bad.value {
            AvpValue::Unknown {
                hidden: true,
                attribute_type,
                ..
            } => L2tpError::HiddenAvpUnsupported {
                attribute: attribute_type,
            },
            _ => {
                let (vendor_id, attribute) = bad.key();
                L2tpError::UnknownMandatoryAvp {
                    message: mt,
                    vendor_id,
                    attribute,
                }
            }
        };
        let reason = result_avp(
            result::GENERAL_ERROR,
            Some(result::ERROR_UNKNOWN_MANDATORY_AVP),
            "unknown mandatory AVP",
        );
        if mt.is_session_message() && t.state == TunnelState::Established {
            if mt == MessageType::Icrq {
                // No session of ours yet: refuse the call.
                if let Some(psid) = assigned_session(repr) {
                    let avps = vec![reason, Avp::mandatory(AvpValue::AssignedSessionId(0))];
                    self.send(now, t, psid, MessageType::Cdn, avps);
                }
            } else if let Some(s) = t.sessions.remove(&repr.session_id) {
                let avps = vec![
                    reason,
                    Avp::mandatory(AvpValue::AssignedSessionId(repr.session_id)),
                ];
                self.send(now, t, s.peer_id, MessageType::Cdn, avps);
                self.events.push_back(Event::SessionDown {
                    session: SessionHandle {
                        tunnel: t.id,
                        session: repr.session_id,
                    },
                    reason: SessionDownReason::ProtocolError,
                });
            }
        } else {
            let avps = vec![Avp::mandatory(AvpValue::AssignedTunnelId(t.id)), reason];
            self.send(now, t, 0, MessageType::StopCcn, avps);
            self.tunnel_down(now, t, TunnelDownReason::ProtocolError);
        }
        Err(err)
    }

    fn lns_answer_sccrq(&mut self, now: Duration, t: &mut Tunnel) {
        if self.cfg.max_sessions == 0 {
            // RRAS with no L2TP ports: refuse the control connection.
            let avps = vec![
                Avp::mandatory(AvpValue::AssignedTunnelId(t.id)),
                result_avp(
                    result::GENERAL_ERROR,
                    Some(result::ERROR_INSUFFICIENT_RESOURCES),
                    NO_PORTS_MESSAGE,
                ),
            ];
            self.send(now, t, 0, MessageType::StopCcn, avps);
            t.state = TunnelState::Closing {
                until: now + STOPCCN_HOLD,
            };
            self.events.push_back(Event::TunnelRefused {
                peer: t.chan.peer().addr,
                result: result::GENERAL_ERROR,
            });
            return;
        }
        let avps = self.control_avps(t.id);
        self.send(now, t, 0, MessageType::Sccrp, avps);
        t.state = TunnelState::WaitCtlConn;
    }

    fn lac_on_sccrp(
        &mut self,
        now: Duration,
        t: &mut Tunnel,
        repr: &ControlRepr,
    ) -> Result<(), L2tpError> {
        let Some(peer_id) = repr.find(|v| match v {
            AvpValue::AssignedTunnelId(t) => Some(*t),
            _ => None,
        }) else {
            self.tunnel_down(now, t, TunnelDownReason::ProtocolError);
            return Err(L2tpError::MissingAvp {
                message: MessageType::Sccrp,
                avp: "Assigned Tunnel ID",
            });
        };
        t.peer_id = peer_id;
        t.chan.peer_tunnel_id = peer_id;
        if let Some(w) = repr.find(|v| match v {
            AvpValue::ReceiveWindowSize(w) => Some(*w),
            _ => None,
        }) {
            t.chan.set_peer_window(w);
        }
        self.send(now, t, 0, MessageType::Scccn, Vec::new());
        t.state = TunnelState::Established;
        self.events.push_back(Event::TunnelUp {
            tunnel: TunnelHandle(t.id),
        });
        // The Windows client places its incoming call right away.
        self.lac_start_call(now, t);
        Ok(())
    }

    /// Reports the end of every session and of the tunnel, and holds its
    /// state for `STOPCCN_HOLD` to acknowledge retransmissions.
    fn tunnel_down(&mut self, now: Duration, t: &mut Tunnel, reason: TunnelDownReason) {
        let announced = t.announced();
        for sid in std::mem::take(&mut t.sessions).into_keys() {
            self.events.push_back(Event::SessionDown {
                session: SessionHandle {
                    tunnel: t.id,
                    session: sid,
                },
                reason: SessionDownReason::TunnelDown,
            });
        }
        if announced {
            self.events.push_back(Event::TunnelDown {
                tunnel: TunnelHandle(t.id),
                reason,
            });
        }
        t.close_pending = announced;
        t.state = TunnelState::Closing {
            until: now + STOPCCN_HOLD,
        };
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
