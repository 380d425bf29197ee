//! Incoming calls on an established tunnel (RFC 2661 7.4.1, 7.4.2): ICRQ,
//! ICRP, ICCN, CDN, and the data messages of established sessions.

use super::PeerAddr;
use std::time::Duration;

use rand_core::RngCore;

use super::endpoint::{
    assigned_session, result_avp, result_code, result_of, Role, Session, SessionState, Tunnel,
    TunnelState, CONNECT_SPEED, FRAMING_SYNC, NO_FREE_PORT_MESSAGE,
};
use super::{result, Endpoint, Event, L2tpError, SessionDownReason, SessionHandle, TunnelHandle};
use crate::wire::l2tp::{Avp, AvpValue, ControlRepr, DataRepr, MessageType};

impl Endpoint {
    /// LAC: places the incoming call once the tunnel is up (RFC 2661 6.6).
    pub(super) fn lac_start_call(&mut self, now: Duration, t: &mut Tunnel) {
        let sessions = &t.sessions;
        let sid = Self::random_id(&mut self.rng, |id| sessions.contains_key(&id));
        let serial = loop {
            let s = self.rng.next_u32();
            if s != 0 {
                break s;
            }
        };
        t.sessions.insert(
            sid,
            Session {
                peer_id: 0,
                state: SessionState::WaitReply,
            },
        );
        let avps = vec![
            Avp::mandatory(AvpValue::AssignedSessionId(sid)),
            Avp::mandatory(AvpValue::CallSerialNumber(serial)),
        ];
        self.send(now, t, 0, MessageType::Icrq, avps);
    }

    pub(super) fn lns_on_icrq(
        &mut self,
        now: Duration,
        t: &mut Tunnel,
        repr: &ControlRepr,
    ) -> Result<(), L2tpError> {
        let Some(psid) = assigned_session(repr) else {
            return Err(L2tpError::MissingAvp {
                message: MessageType::Icrq,
                avp: "Assigned Session ID",
            });
        };
        // `t` is out of the map while it is processed: count it separately.
        let busy = t.sessions.len()
            + self
                .tunnels
                .values()
                .filter(|o| o.role == Role::Lns && !o.closing())
                .map(|o| o.sessions.len())
                .sum::<usize>();
        if busy >= usize::from(self.cfg.max_sessions) {
            let avps = vec![
                result_avp(
                    result::GENERAL_ERROR,
                    Some(result::ERROR_INSUFFICIENT_RESOURCES),
                    NO_FREE_PORT_MESSAGE,
                ),
                Avp::mandatory(AvpValue::AssignedSessionId(0)),
            ];
            self.send(now, t, psid, MessageType::Cdn, avps);
            self.events.push_back(Event::CallRefused {
                tunnel: TunnelHandle(t.id),
                result: result::GENERAL_ERROR,
            });
            return Ok(());
        }
        let sessions = &t.sessions;
        let sid = Self::random_id(&mut self.rng, |id| sessions.contains_key(&id));
        t.sessions.insert(
            sid,
            Session {
                peer_id: psid,
                state: SessionState::WaitConnect,
            },
        );
        let avps = vec![Avp::mandatory(AvpValue::AssignedSessionId(sid))];
        self.send(now, t, psid, MessageType::Icrp, avps);
        Ok(())
    }

    pub(super) fn lac_on_icrp(
        &mut self,
        now: Duration,
        t: &mut Tunnel,
        repr: &ControlRepr,
    ) -> Result<(), L2tpError> {
        let sid = repr.session_id;
        let unknown = L2tpError::UnknownSession {
            tunnel_id: t.id,
            session_id: sid,
        };
        let Some(psid) = assigned_session(repr) else {
            return Err(L2tpError::MissingAvp {
                message: MessageType::Icrp,
                avp: "Assigned Session ID",
            });
        };
        match t.sessions.get_mut(&sid) {
            Some(s) if s.state == SessionState::WaitReply => {
                s.peer_id = psid;
                s.state = SessionState::Established;
            }
            _ => return Err(unknown),
        }
        let avps = vec![
            Avp::mandatory(AvpValue::TxConnectSpeed(CONNECT_SPEED)),
            Avp::mandatory(AvpValue::FramingType(FRAMING_SYNC)),
        ];
        self.send(now, t, psid, MessageType::Iccn, avps);
        self.events.push_back(Event::SessionUp {
            session: SessionHandle {
                tunnel: t.id,
                session: sid,
            },
            tunnel: TunnelHandle(t.id),
        });
        Ok(())
    }

    pub(super) fn lns_on_iccn(
        &mut self,
        t: &mut Tunnel,
        repr: &ControlRepr,
    ) -> Result<(), L2tpError> {
        let sid = repr.session_id;
        match t.sessions.get_mut(&sid) {
            Some(s) if s.state == SessionState::WaitConnect => {
                s.state = SessionState::Established;
                self.events.push_back(Event::SessionUp {
                    session: SessionHandle {
                        tunnel: t.id,
                        session: sid,
                    },
                    tunnel: TunnelHandle(t.id),
                });
                Ok(())
            }
            _ => Err(L2tpError::UnknownSession {
                tunnel_id: t.id,
                session_id: sid,
            }),
        }
    }

    pub(super) fn on_cdn(&mut self, t: &mut Tunnel, repr: &ControlRepr) -> Result<(), L2tpError> {
        let sid = repr.session_id;
        if t.sessions.remove(&sid).is_none() {
            return Err(L2tpError::UnknownSession {
                tunnel_id: t.id,
                session_id: sid,
            });
        }
        let (result, error, message) = result_of(result_code(repr));
        self.events.push_back(Event::SessionDown {
            session: SessionHandle {
                tunnel: t.id,
                session: sid,
            },
            reason: SessionDownReason::Cdn {
                result,
                error,
                message,
            },
        });
        Ok(())
    }

    pub(super) fn on_data(
        &mut self,
        now: Duration,
        from: PeerAddr,
        d: DataRepr<'_>,
    ) -> Result<(), L2tpError> {
        let Some(t) = self.tunnels.get_mut(&d.tunnel_id) else {
            return Err(L2tpError::UnknownTunnel {
                tunnel_id: d.tunnel_id,
            });
        };
        if t.chan.peer().addr != from.addr || t.state != TunnelState::Established {
            return Err(L2tpError::UnknownTunnel {
                tunnel_id: d.tunnel_id,
            });
        }
        t.chan.set_context(from.context);
        t.hello_at = now + self.cfg.hello_interval;
        match t.sessions.get(&d.session_id) {
            Some(s) if s.state == SessionState::Established => {
                self.events.push_back(Event::PppFrame {
                    session: SessionHandle {
                        tunnel: t.id,
                        session: d.session_id,
                    },
                    frame: d.payload.to_vec(),
                });
                Ok(())
            }
            _ => Err(L2tpError::UnknownSession {
                tunnel_id: d.tunnel_id,
                session_id: d.session_id,
            }),
        }
    }

    /// Sends one PPP frame (including FF 03) as a data message.
    pub fn send_ppp(
        &mut self,
        _now: Duration,
        session: SessionHandle,
        frame: &[u8],
    ) -> Result<(), L2tpError> {
        let t = self
            .tunnels
            .get(&session.tunnel)
            .filter(|t| t.state == TunnelState::Established)
            .ok_or(L2tpError::SessionNotUp)?;
        let s = t
            .sessions
            .get(&session.session)
            .filter(|s| s.state == SessionState::Established)
            .ok_or(L2tpError::SessionNotUp)?;
        let bytes = DataRepr::new(t.peer_id, s.peer_id, frame)
            .to_bytes()
            .map_err(|_| L2tpError::FrameTooLarge { len: frame.len() })?;
        self.transmits.push_back((t.chan.peer(), bytes));
        Ok(())
    }

    /// Ends a session with CDN (RFC 2661 6.11); `result` is its Result Code.
    pub fn close_session(&mut self, now: Duration, session: SessionHandle, result: u16) {
        let Some(mut t) = self.tunnels.remove(&session.tunnel) else {
            return;
        };
        if let Some(s) = t.sessions.remove(&session.session) {
            let avps = vec![
                result_avp(result, None, ""),
                Avp::mandatory(AvpValue::AssignedSessionId(session.session)),
            ];
            self.send(now, &mut t, s.peer_id, MessageType::Cdn, avps);
            self.events.push_back(Event::SessionDown {
                session,
                reason: SessionDownReason::Closed,
            });
        }
        self.tunnels.insert(session.tunnel, t);
    }
}
