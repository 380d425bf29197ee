//! The control connection's messages (RFC 2661 5.1, 7.2): an SCCRQ that
//! opens a tunnel, the messages of a known tunnel, their AVP checks, the
//! LNS's and the LAC's answers, and a tunnel going down.

use super::*;

impl Endpoint {
    /// LNS: a new control connection, or a retransmitted SCCRQ of one.
    pub(super) fn on_sccrq(
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

    pub(super) fn on_tunnel_message(
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

    pub(super) fn tunnel_message(
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
    pub(super) fn check_avps(
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

    pub(super) fn lns_answer_sccrq(&mut self, now: Duration, t: &mut Tunnel) {
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

    pub(super) fn lac_on_sccrp(
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
    pub(super) fn tunnel_down(&mut self, now: Duration, t: &mut Tunnel, reason: TunnelDownReason) {
        let announced = t.announced();
        for sid in std::mem::take(&mut t.sessions).into_keys() {
            self.events.push_back(Event::SessionDown {
                session: SessionHandle {
                    tunnel: t.id,
                    session: sid,
                },
                reason: SessionDownReason::TunnelDown(reason.clone()),
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
}
