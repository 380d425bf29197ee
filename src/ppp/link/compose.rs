//! How the link composes its engines: draining LCP, CHAP, CCP and IPCP
//! into frames and reacting to their events (the phases of RFC 1661 3.2).

use super::*;

/// What one NCP had: its events, and whether it produced anything.
struct Drained {
    events: Vec<FsmEvent>,
    produced: bool,
}

/// Moves an NCP's packets, framed as `protocol`, to `transmit` and takes
/// its events.
fn drain<P: crate::ppp::fsm::Policy>(
    fsm: Option<&mut Fsm<P>>,
    protocol: Protocol,
    transmit: &mut VecDeque<Vec<u8>>,
) -> Drained {
    let Some(fsm) = fsm else {
        return Drained {
            events: Vec::new(),
            produced: false,
        };
    };
    let before = transmit.len();
    while let Some(p) = fsm.poll_transmit() {
        transmit.push_back(frame(protocol, &p));
    }
    let events: Vec<_> = std::iter::from_fn(|| fsm.poll_event()).collect();
    let produced = transmit.len() > before || !events.is_empty();
    Drained { events, produced }
}

impl Link {
    /// Drains the sub-engines until none has output left.
    pub(super) fn pump(&mut self, now: Duration) {
        loop {
            let mut progress = false;
            while let Some(p) = self.lcp.poll_transmit() {
                self.transmit.push_back(frame(Protocol::Lcp, &p));
                progress = true;
            }
            while let Some(e) = self.lcp.poll_event() {
                self.on_lcp(now, e);
                progress = true;
            }
            loop {
                let (pkt, ev) = match &mut self.auth {
                    Auth::Peer(p) => (p.poll_transmit(), p.poll_event()),
                    Auth::Authenticator(a) => (a.poll_transmit(), a.poll_event()),
                    Auth::None => (None, None),
                };
                if pkt.is_none() && ev.is_none() {
                    break;
                }
                progress = true;
                if let Some(p) = pkt {
                    self.transmit.push_back(frame(Protocol::Chap, &p));
                }
                if let Some(e) = ev {
                    self.on_chap(now, e);
                }
            }
            let evs = drain(self.ccp.as_mut(), Protocol::Ccp, &mut self.transmit);
            progress |= evs.produced;
            for e in evs.events {
                self.on_ccp(now, e);
            }
            let evs = drain(self.ipcp.as_mut(), Protocol::Ipcp, &mut self.transmit);
            progress |= evs.produced;
            for e in evs.events {
                self.on_ipcp(now, e);
            }
            let evs = drain(self.ipv6cp.as_mut(), Protocol::Ipv6cp, &mut self.transmit);
            progress |= evs.produced;
            for e in evs.events {
                self.on_ipv6cp(e);
            }
            if !progress {
                return;
            }
        }
    }

    pub(super) fn on_lcp(&mut self, now: Duration, e: FsmEvent) {
        tracing::debug!(target: crate::trace::PPP, protocol = "LCP", event = ?e, "layer event");
        match e {
            FsmEvent::Up => {
                self.phase = Phase::Authenticate;
                // Windows says who it is before it authenticates (RFC 1570
                // 1.1; pppd logs of Windows clients, WINDOWS.md 10).
                for message in self.identification.clone() {
                    self.lcp.send_identification(&message);
                }
                match &self.role {
                    Role::Server => {
                        let rng = ChaCha20Rng::from_rng(&mut self.rng);
                        let mut a = ChapAuthenticator::new(self.computer_name.clone(), rng);
                        a.start(now);
                        self.auth = Auth::Authenticator(Box::new(a));
                    }
                    Role::Client { user, password } => {
                        if self.lcp.policy().auth_agreed() {
                            let rng = ChaCha20Rng::from_rng(&mut self.rng);
                            let p = ChapPeer::new(user.clone(), password.clone(), rng);
                            self.auth = Auth::Peer(Box::new(p));
                        } else {
                            self.start_network(now);
                        }
                    }
                }
            }
            FsmEvent::Down => {
                // RFC 1661 3.7: leaving Opened takes the NCPs and
                // authentication down; a renegotiation starts over.
                self.ccp = None;
                self.ipcp = None;
                self.ipv6cp = None;
                self.mppe = None;
                self.auth = Auth::None;
                self.up = false;
                if self.phase != Phase::Terminate {
                    self.phase = Phase::Establish;
                }
            }
            FsmEvent::Finished => self.finish(),
            FsmEvent::TerminateRequested => {
                let reason = self.peer_termination_reason();
                self.reason.get_or_insert(reason);
                self.phase = Phase::Terminate;
            }
            FsmEvent::Failed => {
                self.reason.get_or_insert(DownReason::LcpFailed);
            }
            FsmEvent::ProtocolRejected(p) => match Protocol::from(p) {
                Protocol::Ccp => {
                    if let Some(c) = &mut self.ccp {
                        c.protocol_rejected(now);
                    }
                }
                Protocol::Ipcp => {
                    if let Some(i) = &mut self.ipcp {
                        i.protocol_rejected(now);
                    }
                }
                Protocol::Ipv6cp => {
                    if let Some(i) = &mut self.ipv6cp {
                        i.protocol_rejected(now);
                    }
                }
                _ => {}
            },
            FsmEvent::Retransmitted { code, id } => self.retransmitted(Protocol::Lcp, code, id),
            FsmEvent::Started => {}
        }
    }

    pub(super) fn on_chap(&mut self, now: Duration, e: ChapEvent) {
        match &e {
            ChapEvent::Verify { user } | ChapEvent::Authorize { user } => {
                tracing::debug!(target: crate::trace::CHAP, user = %user, event = ?e, "authentication event")
            }
            _ => tracing::debug!(target: crate::trace::CHAP, event = ?e, "authentication event"),
        }
        match e {
            ChapEvent::Verify { user } => {
                self.auth_user = Some(user.clone());
                self.events.push_back(LinkEvent::Authenticate { user })
            }
            ChapEvent::Authorize { user } => self.events.push_back(LinkEvent::Authorize { user }),
            ChapEvent::Succeeded => {
                if !self.is_server() {
                    self.events.push_back(LinkEvent::Authenticated);
                }
                if self.is_server() && self.authorization.is_none() {
                    return; // the server's network phase starts at authorize()
                }
                self.start_network(now);
            }
            ChapEvent::Failed { code, .. } => {
                // RAS error 691 (ERROR_AUTHENTICATION_FAILURE) is the
                // credential check; other codes are authorization.
                if self.is_server() && code == 691 {
                    let user = self.auth_user.clone().unwrap_or_default();
                    self.events
                        .push_back(LinkEvent::AuthenticationFailed { user });
                }
                self.fail(now, DownReason::AuthFailed { code })
            }
            ChapEvent::AuthenticatorResponseMismatch => {
                self.fail(now, DownReason::AuthenticatorResponseMismatch)
            }
            ChapEvent::Timeout => self.fail(now, DownReason::LcpFailed),
        }
    }

    pub(super) fn on_ccp(&mut self, now: Duration, e: FsmEvent) {
        tracing::debug!(target: crate::trace::PPP, protocol = "CCP", event = ?e, "layer event");
        let Some(ccp) = &self.ccp else { return };
        let required = ccp.policy().required();
        match e {
            FsmEvent::Up => {
                self.strength = ccp.policy().negotiated();
                if let Some(s) = self.strength {
                    let keys = match &self.auth {
                        Auth::Peer(p) => p.keys(),
                        Auth::Authenticator(a) => a.keys(),
                        Auth::None => None,
                    };
                    match keys {
                        Some(k) => self.mppe = Some(Mppe::new(&k, s, self.is_server())),
                        // MPPE keys come from MS-CHAPv2 (RFC 3079 2).
                        None => return self.fail(now, DownReason::NcpFailed),
                    }
                }
                self.check_up(now);
            }
            FsmEvent::Down => {
                self.mppe = None;
                self.strength = None;
            }
            FsmEvent::Finished | FsmEvent::Failed => {
                if required {
                    self.fail(now, DownReason::PeerLacksEncryption);
                } else if e == FsmEvent::Finished && !self.up {
                    self.ccp_done = true;
                    self.check_up(now);
                }
            }
            FsmEvent::Retransmitted { code, id } => self.retransmitted(Protocol::Ccp, code, id),
            _ => {}
        }
    }

    pub(super) fn on_ipcp(&mut self, now: Duration, e: FsmEvent) {
        tracing::debug!(target: crate::trace::PPP, protocol = "IPCP", event = ?e, "layer event");
        match e {
            FsmEvent::Up => self.check_up(now),
            FsmEvent::Finished | FsmEvent::Failed => self.fail(now, DownReason::NcpFailed),
            FsmEvent::Retransmitted { code, id } => self.retransmitted(Protocol::Ipcp, code, id),
            _ => {}
        }
    }

    /// IPV6CP opening or not changes nothing: the link is up on IPv4.
    pub(super) fn on_ipv6cp(&mut self, e: FsmEvent) {
        tracing::debug!(target: crate::trace::PPP, protocol = "IPV6CP", event = ?e, "layer event");
        if let FsmEvent::Retransmitted { code, id } = e {
            self.retransmitted(Protocol::Ipv6cp, code, id);
        }
    }

    pub(super) fn retransmitted(&mut self, p: Protocol, code: u8, id: u8) {
        self.events.push_back(LinkEvent::Retransmitted {
            protocol: u16::from(p),
            code,
            id,
        });
    }

    pub(super) fn start_network(&mut self, now: Duration) {
        if self.phase != Phase::Authenticate {
            return;
        }
        self.phase = Phase::Network;
        let (ipcp_role, address_to_give) = match &self.authorization {
            Some(a) if self.is_server() => (
                IpcpRole::Server {
                    local: a.local_address,
                    peer: a.peer_address.unwrap_or(Ipv4Addr::UNSPECIFIED),
                },
                a.peer_address.is_some(),
            ),
            _ => (IpcpRole::Client, true),
        };
        let ccp_id = self.rng.next_u32() as u8;
        if self.run_ccp {
            let mut ccp = Fsm::new(CcpPolicy::new(self.encryption), ccp_id);
            ccp.open(now);
            ccp.up(now);
            self.ccp = Some(ccp);
        } else {
            self.ccp_done = true;
        }
        if self.run_ipv6cp {
            let id = self.rng.next_u32() as u8;
            let rng = ChaCha20Rng::from_rng(&mut self.rng);
            let mut ipv6cp = Fsm::new(Ipv6cpPolicy::new(rng), id);
            ipv6cp.open(now);
            ipv6cp.up(now);
            self.ipv6cp = Some(ipv6cp);
        }
        let ipcp_id = self.rng.next_u32() as u8;
        let mut ipcp = Fsm::new(IpcpPolicy::new(ipcp_role), ipcp_id);
        if !address_to_give {
            // Nothing to assign: IPCP stays Closed (RFC 1661 4.1 answers a
            // Configure-Request there with Terminate-Ack) and, IPCP being
            // the only NCP, no network protocol can come up: the line ends.
            ipcp.up(now);
            self.ipcp = Some(ipcp);
            return self.fail(now, DownReason::NcpFailed);
        }
        ipcp.open(now);
        ipcp.up(now);
        self.ipcp = Some(ipcp);
    }

    pub(super) fn check_up(&mut self, now: Duration) {
        if self.up {
            return;
        }
        let Some(ipcp) = &self.ipcp else {
            return;
        };
        let ccp_ready = self.ccp_done || self.ccp.as_ref().is_some_and(|c| c.is_opened());
        if !ipcp.is_opened() || !ccp_ready {
            return;
        }
        if self.encryption.required() && self.mppe.is_none() {
            return self.fail(now, DownReason::PeerLacksEncryption);
        }
        self.up = true;
        let (local, peer) = (ipcp.policy().local(), ipcp.policy().peer());
        self.events.push_back(LinkEvent::Up {
            local,
            peer,
            mppe: self.strength,
        });
    }

    /// Why the peer's Terminate-Request ends the link. In the Network
    /// phase before IPCP opened, the peer gave up on the network protocols.
    pub(super) fn peer_termination_reason(&self) -> DownReason {
        match &self.ccp {
            Some(c) if c.policy().refused_peer_encryption() => DownReason::PeerRequiresEncryption,
            Some(c) if c.policy().peer_lacks_encryption() => DownReason::PeerLacksEncryption,
            _ if self.phase == Phase::Network
                && self.ipcp.as_ref().is_some_and(|i| !i.is_opened()) =>
            {
                DownReason::NcpFailed
            }
            _ => DownReason::PeerTerminated,
        }
    }

    /// Records `reason` (the first one wins) and ends the link.
    pub(super) fn fail(&mut self, now: Duration, reason: DownReason) {
        tracing::debug!(target: crate::trace::PPP, reason = ?reason, "link ending");
        self.reason.get_or_insert(reason);
        self.phase = Phase::Terminate;
        self.lcp.close(now);
    }

    /// LCP finished: the link is dead; reported once.
    pub(super) fn finish(&mut self) {
        if self.down {
            return;
        }
        self.down = true;
        self.up = false;
        self.phase = Phase::Dead;
        self.ccp = None;
        self.ipcp = None;
        self.ipv6cp = None;
        self.mppe = None;
        let reason = self.reason.unwrap_or(DownReason::LcpFailed);
        tracing::debug!(target: crate::trace::PPP, reason = ?reason, "link down");
        self.events.push_back(LinkEvent::Down(reason));
    }
}
