//! Main Mode (RFC 2409 5), with RSA signatures (5.1) or a pre-shared key
//! (5.4):
//!
//! ```text
//! I -> R  HDR, SA                      R -> I  HDR, SA
//! I -> R  HDR, KE, Ni, [CR]            R -> I  HDR, KE, Nr, [CR]
//! I -> R  HDR*, IDii, AUTH             R -> I  HDR*, IDir, AUTH
//! ```
//! `auth` builds and checks messages 5 and 6.

use core::time::Duration;
use std::net::{Ipv4Addr, SocketAddrV4};

use super::auth::{AuthFailure, KeyInputs};
use super::msg::{header, opened, plain, Parsed};
use super::nat_t::{
    detect, natd_payloads, supports_rfc3947, KEEPALIVE, KEEPALIVE_INTERVAL, NAT_T_PORT,
};
use super::proposal::{accept_mm, choose_mm, mm_offer_of, mm_sa};
use super::state::{ExchangeTimer, MainSa, MmState, Timer};
use super::{FailurePoint, FailureReason, Ike, IkeError, IkeEvent, Mode, Unexpected};
use crate::crypto::dh::DhPrivate;
use crate::wire::isakmp::{
    CertEncoding, CertPayload, ExchangeType, NotifyType, Packet, Payload, PayloadType, ProtocolId,
    SaPayload, UDP_PORT,
};

/// Nonce lengths allowed (RFC 2409 5: "between 8 and 256 bytes").
const NONCE_LEN: core::ops::RangeInclusive<usize> = 8..=256;

impl Ike {
    pub(super) fn start_main_mode(
        &mut self,
        now: Duration,
        local: Ipv4Addr,
        peer: Ipv4Addr,
        rule: usize,
    ) {
        let offers = self
            .policy
            .as_ref()
            .map(|p| p.mm_offers.clone())
            .unwrap_or_default();
        let sa = mm_sa(&offers, self.cfg.mm_attribute_order);
        let mut sa_i_b = Vec::new();
        if offers.is_empty() || sa.emit_body(&mut sa_i_b).is_err() {
            self.fail(
                peer,
                Mode::Main,
                FailurePoint::Me,
                FailureReason::NoPolicy,
                None,
            );
            return;
        }
        let icookie = self.random_cookie();
        let mut m = MainSa::new(
            SocketAddrV4::new(local, UDP_PORT),
            SocketAddrV4::new(peer, UDP_PORT),
            true,
            icookie,
        );
        m.pending.push(rule);
        m.sa_i_b = sa_i_b;
        let hdr = header(
            icookie,
            [0; 8],
            ExchangeType::IdentityProtection,
            0,
            PayloadType::Sa,
            false,
        );
        let payloads: Vec<Payload> = std::iter::once(Payload::Sa(sa))
            .chain(self.cfg.vendor_ids.iter().cloned().map(Payload::VendorId))
            .collect();
        let Ok(bytes) = plain(hdr, &payloads) else {
            self.fail(
                peer,
                Mode::Main,
                FailurePoint::Me,
                FailureReason::GeneralProcessing,
                None,
            );
            return;
        };
        m.last_out = bytes.clone();
        m.timer = ExchangeTimer::Retransmit(Timer::start(now));
        self.send(m.local, m.remote, bytes);
        self.mains.push(m);
    }

    pub(super) fn handle_main_mode(
        &mut self,
        now: Duration,
        src: SocketAddrV4,
        dst: SocketAddrV4,
        packet: &Packet<&[u8]>,
        data: &[u8],
    ) -> Result<(), IkeError> {
        if packet.message_id() != 0 {
            return Err(IkeError::Unexpected(Unexpected::MainModeWithMessageId));
        }
        let peer = *src.ip();
        let (ic, rc) = (packet.initiator_cookie(), packet.responder_cookie());
        if rc == [0; 8] {
            if self
                .mains
                .iter()
                .any(|m| m.peer() == peer && m.icookie == ic)
            {
                return Err(IkeError::Unexpected(Unexpected::SecondMm1));
            }
            return self.mm1(now, src, dst, packet, data);
        }
        if let Some(i) = self.mains.iter().position(|m| {
            m.initiator && m.peer() == peer && m.icookie == ic && m.state == MmState::I1
        }) {
            return self.mm2(now, i, packet, data);
        }
        let i = self.main_index(peer, ic, rc).ok_or(IkeError::UnknownSa)?;
        match self.mains[i].state {
            MmState::R2 => self.mm3(now, i, packet, data),
            MmState::I3 => self.mm4(now, i, packet, data),
            MmState::R4 => self.mm5(now, i, packet, data),
            MmState::I5 => self.mm6(now, i, packet, data),
            _ => Err(IkeError::Unexpected(Unexpected::MainModeOutOfSequence)),
        }
    }

    /// Responder, MM1 -> MM2. Without policy the message is ignored, so the
    /// initiator times out with "No response from peer" (WINDOWS.md A14).
    fn mm1(
        &mut self,
        now: Duration,
        src: SocketAddrV4,
        dst: SocketAddrV4,
        packet: &Packet<&[u8]>,
        data: &[u8],
    ) -> Result<(), IkeError> {
        let Some(offers) = self.policy.as_ref().map(|p| p.mm_offers.clone()) else {
            return Ok(());
        };
        // Windows binds main mode policies to filters: a peer no rule covers
        // has no main mode policy, and its MM1 goes unanswered (A14).
        let covered = self.policy.as_ref().is_some_and(|p| {
            p.qm_rules
                .iter()
                .any(|r| r.selector.remote.is_none_or(|a| a == *src.ip()))
        });
        if !covered {
            return Ok(());
        }
        if packet.encrypted() {
            return Err(IkeError::Unexpected(Unexpected::EncryptedMm1));
        }
        let parsed = Parsed::parse(packet.next_payload(), packet.body(), false)?;
        let sa = parsed.sa()?;
        let sa_i_b = parsed.raw(PayloadType::Sa).unwrap_or_default().to_vec();
        let rcookie = self.random_cookie();
        let mut m = MainSa::new(dst, src, false, packet.initiator_cookie());
        m.rcookie = rcookie;
        m.nat_t = self.nat_t_with(&parsed);
        m.answered = true;
        m.last_in = data.to_vec();
        super::proposal::trace_mm_policy(&offers);
        let chosen = choose_mm(&sa, &offers);
        super::proposal::trace_mm_outcome(&sa, chosen.as_ref().map(|(a, _)| a));
        let Some((answer, offer)) = chosen else {
            // RFC 2408 5.4: NO-PROPOSAL-CHOSEN, unprotected (no keys yet).
            m.last_out = self.plain_notify(&m, ProtocolId::Isakmp, NotifyType::NoProposalChosen)?;
            self.send(m.local, m.remote, m.last_out.clone());
            m.state = MmState::Dead;
            m.timer = ExchangeTimer::Linger(now + super::state::LINGER);
            self.mains.push(m);
            // After the push, so the failure names this exchange's cookies.
            self.fail(
                src.ip().to_owned(),
                Mode::Main,
                FailurePoint::Me,
                FailureReason::AttributesUnacceptable,
                None,
            );
            return Ok(());
        };
        m.offer = Some(offer);
        m.sa_i_b = sa_i_b;
        let hdr = header(
            m.icookie,
            rcookie,
            ExchangeType::IdentityProtection,
            0,
            PayloadType::Sa,
            false,
        );
        let payloads: Vec<Payload> = std::iter::once(Payload::Sa(SaPayload::new(vec![answer])))
            .chain(self.cfg.vendor_ids.iter().cloned().map(Payload::VendorId))
            .collect();
        let bytes = plain(hdr, &payloads)?;
        m.last_out = bytes.clone();
        m.timer = ExchangeTimer::Retransmit(Timer::start(now));
        self.send(m.local, m.remote, bytes);
        self.mains.push(m);
        Ok(())
    }

    /// Initiator, MM2 -> MM3.
    fn mm2(
        &mut self,
        now: Duration,
        i: usize,
        packet: &Packet<&[u8]>,
        data: &[u8],
    ) -> Result<(), IkeError> {
        let parsed = Parsed::parse(packet.next_payload(), packet.body(), false)?;
        let sa = parsed.sa()?;
        if !self.takes_vendor_ids(now, i, &parsed.all_raw(PayloadType::VendorId)) {
            return Ok(());
        }
        // What we offered is in our own SAi_b.
        let offered: Vec<_> = SaPayload::parse(&self.mains[i].sa_i_b)?
            .proposals
            .iter()
            .flat_map(|p| p.transforms.iter().filter_map(mm_offer_of))
            .collect();
        let peer = self.mains[i].peer();
        let Some(offer) = accept_mm(&sa, &offered) else {
            self.fail(
                peer,
                Mode::Main,
                FailurePoint::Me,
                FailureReason::AttributesUnacceptable,
                None,
            );
            self.kill_main(now, i);
            return Ok(());
        };
        let (dh, gxi) = DhPrivate::generate(offer.group, &mut self.rng);
        let ni = self.nonce();
        let mut payloads = vec![
            Payload::KeyExchange(gxi.clone()),
            Payload::Nonce(ni.clone()),
        ];
        payloads.extend(self.cert_requests());
        let nat_t = self.nat_t_with(&parsed);
        let m = &mut self.mains[i];
        m.rcookie = packet.responder_cookie();
        m.nat_t = nat_t;
        if nat_t {
            payloads.extend(natd_payloads(m.natd_parts(), offer.hash));
        }
        m.offer = Some(offer);
        m.answered = true;
        m.dh = Some(dh);
        m.gxi = gxi;
        m.ni = ni;
        let hdr = header(
            m.icookie,
            m.rcookie,
            ExchangeType::IdentityProtection,
            0,
            PayloadType::KeyExchange,
            false,
        );
        let bytes = plain(hdr, &payloads)?;
        m.last_in = data.to_vec();
        self.send_main(now, i, MmState::I3, bytes, true);
        Ok(())
    }

    /// Whether NAT-T runs with the sender of `parsed` (MM1 or MM2): both
    /// sides send the RFC 3947 vendor id.
    fn nat_t_with(&self, parsed: &Parsed) -> bool {
        let ours: Vec<&[u8]> = self.cfg.vendor_ids.iter().map(Vec::as_slice).collect();
        supports_rfc3947(&ours) && supports_rfc3947(&parsed.all_raw(PayloadType::VendorId))
    }

    /// Sends Main Mode message `bytes` of `mains[i]`, entering `state`, and
    /// keeps it to resend on timeout or on a repeated request (RFC 2408
    /// 5.1); `retransmit` arms the timer when we await an answer.
    fn send_main(
        &mut self,
        now: Duration,
        i: usize,
        state: MmState,
        bytes: Vec<u8>,
        retransmit: bool,
    ) {
        let m = &mut self.mains[i];
        m.state = state;
        m.last_out = bytes.clone();
        m.timer = ExchangeTimer::retransmit_if(retransmit, now);
        let (local, remote) = (m.local, m.remote);
        self.send(local, remote, bytes);
    }

    /// CR payloads naming our trusted roots (RFC 2408 3.10).
    fn cert_requests(&self) -> Vec<Payload> {
        self.cfg
            .trusted_root_names
            .iter()
            .map(|dn| {
                Payload::CertificateRequest(CertPayload {
                    encoding: CertEncoding::X509Signature,
                    data: dn.clone(),
                })
            })
            .collect()
    }

    /// KE and nonce of MM3/MM4.
    fn key_exchange(parsed: &Parsed) -> Result<(Vec<u8>, Vec<u8>), IkeError> {
        let ke = parsed
            .raw(PayloadType::KeyExchange)
            .ok_or(IkeError::MissingPayload("KE"))?;
        let nonce = parsed
            .raw(PayloadType::Nonce)
            .ok_or(IkeError::MissingPayload("Nonce"))?;
        if !NONCE_LEN.contains(&nonce.len()) {
            return Err(IkeError::Unexpected(Unexpected::NonceLength));
        }
        Ok((ke.to_vec(), nonce.to_vec()))
    }

    /// Responder, MM3 -> MM4; SKEYID and the phase-1 keys.
    fn mm3(
        &mut self,
        now: Duration,
        i: usize,
        packet: &Packet<&[u8]>,
        data: &[u8],
    ) -> Result<(), IkeError> {
        let parsed = Parsed::parse(packet.next_payload(), packet.body(), false)?;
        let (gxi, ni) = Self::key_exchange(&parsed)?;
        let offer = self.mains[i]
            .offer
            .ok_or(IkeError::Unexpected(Unexpected::NoOfferChosen))?;
        let (dh, gxr) = DhPrivate::generate(offer.group, &mut self.rng);
        let gxy = dh.shared(&gxi)?;
        let nr = self.nonce();
        let mut payloads = vec![
            Payload::KeyExchange(gxr.clone()),
            Payload::Nonce(nr.clone()),
        ];
        payloads.extend(self.cert_requests());
        let m = &mut self.mains[i];
        if m.nat_t {
            let parts = m.natd_parts();
            m.nat = detect(parts, offer.hash, &parsed.all_raw(PayloadType::NatD));
            payloads.extend(natd_payloads(parts, offer.hash));
        }
        let inputs = KeyInputs {
            ni: &ni,
            nr: &nr,
            gxy: &gxy,
            gxi: &gxi,
            gxr: &gxr,
        };
        let keys = self
            .phase1_keys(&self.mains[i], &inputs)
            .ok_or(IkeError::Unexpected(Unexpected::NoPreSharedKey))?;
        let m = &mut self.mains[i];
        m.iv = keys.iv.clone();
        m.keys = Some(keys);
        (m.gxi, m.gxr, m.ni, m.nr) = (gxi, gxr, ni, nr);
        let hdr = header(
            m.icookie,
            m.rcookie,
            ExchangeType::IdentityProtection,
            0,
            PayloadType::KeyExchange,
            false,
        );
        let bytes = plain(hdr, &payloads)?;
        m.last_in = data.to_vec();
        self.send_main(now, i, MmState::R4, bytes, true);
        Ok(())
    }

    /// Initiator, MM4 -> MM5.
    fn mm4(
        &mut self,
        now: Duration,
        i: usize,
        packet: &Packet<&[u8]>,
        data: &[u8],
    ) -> Result<(), IkeError> {
        let parsed = Parsed::parse(packet.next_payload(), packet.body(), false)?;
        let (gxr, nr) = Self::key_exchange(&parsed)?;
        let m = &mut self.mains[i];
        if let (true, Some(offer)) = (m.nat_t, m.offer) {
            let parts = m.natd_parts();
            let nat = detect(parts, offer.hash, &parsed.all_raw(PayloadType::NatD));
            // XP SP2 does not go on to a responder behind a NAT unless its
            // registry allows it (KB 885407). What it does then is not
            // documented [MODEL]: it drops MM4, as if unanswered, so MM3 is
            // resent until the negotiation times out.
            if nat.is_some_and(|n| !self.cfg.nat_t_scope.allows(n)) {
                return Err(IkeError::NatTRefused);
            }
            m.nat = nat;
            // RFC 3947 4: behind a NAT, the initiator moves to 4500 from MM5.
            if m.nat.is_some_and(|n| n.any()) {
                m.local.set_port(NAT_T_PORT);
                m.remote.set_port(NAT_T_PORT);
            }
        }
        let m = &self.mains[i];
        let gxy =
            m.dh.as_ref()
                .ok_or(IkeError::Unexpected(Unexpected::NoDh))?
                .shared(&gxr)?;
        let inputs = KeyInputs {
            ni: &m.ni,
            nr: &nr,
            gxy: &gxy,
            gxi: &m.gxi,
            gxr: &gxr,
        };
        let keys = self
            .phase1_keys(m, &inputs)
            .ok_or(IkeError::Unexpected(Unexpected::NoPreSharedKey))?;
        let m = &mut self.mains[i];
        m.iv = keys.iv.clone();
        m.keys = Some(keys);
        m.gxr = gxr;
        m.nr = nr;
        m.last_in = data.to_vec();
        let peer = m.peer();
        let own = match self.own_identity(&self.mains[i]) {
            Ok(own) => own,
            Err(reason) => {
                self.fail(peer, Mode::Main, FailurePoint::Me, reason, None);
                self.kill_main(now, i);
                return Ok(());
            }
        };
        let bytes = self.auth_message(i, &own)?;
        self.mains[i].my_cert = own.certificate();
        self.send_main(now, i, MmState::I5, bytes, true);
        Ok(())
    }

    /// Responder, MM5 -> MM6: the initiator is authenticated, we are up.
    fn mm5(
        &mut self,
        now: Duration,
        i: usize,
        packet: &Packet<&[u8]>,
        data: &[u8],
    ) -> Result<(), IkeError> {
        let Some(parsed) = self.open_authenticated(now, i, packet)? else {
            return Ok(());
        };
        let peer = self.mains[i].peer();
        self.mains[i].last_in = data.to_vec();
        let peer_cert = match self.check_peer(now, i, &parsed) {
            Ok(c) => c,
            Err(f) => {
                self.auth_failed(now, i, *f);
                return Ok(());
            }
        };
        let own = match self.own_identity(&self.mains[i]) {
            Ok(own) => own,
            Err(reason) => {
                self.fail(peer, Mode::Main, FailurePoint::Me, reason, peer_cert);
                self.kill_main(now, i);
                return Ok(());
            }
        };
        let bytes = self.auth_message(i, &own)?;
        let m = &mut self.mains[i];
        m.my_cert = own.certificate();
        m.peer_cert = peer_cert;
        // MM6 ends the exchange: it is resent only when MM5 comes again.
        self.send_main(now, i, MmState::Up, bytes, false);
        self.mains[i].timer = self.mains[i].up_timer(now);
        self.main_mode_up(now, i);
        Ok(())
    }

    /// Initiator, MM6: the responder is authenticated; queued Quick Modes start.
    fn mm6(
        &mut self,
        now: Duration,
        i: usize,
        packet: &Packet<&[u8]>,
        data: &[u8],
    ) -> Result<(), IkeError> {
        let Some(parsed) = self.open_authenticated(now, i, packet)? else {
            return Ok(());
        };
        self.mains[i].last_in = data.to_vec();
        let peer_cert = match self.check_peer(now, i, &parsed) {
            Ok(c) => c,
            Err(f) => {
                self.auth_failed(now, i, *f);
                return Ok(());
            }
        };
        let m = &mut self.mains[i];
        m.peer_cert = peer_cert;
        m.state = MmState::Up;
        m.timer = m.up_timer(now);
        m.last_out = Vec::new();
        let (ic, rc) = (m.icookie, m.rcookie);
        let pending = core::mem::take(&mut m.pending);
        self.main_mode_up(now, i);
        for rule in pending {
            self.start_quick_mode(now, ic, rc, rule);
        }
        Ok(())
    }

    /// `open_phase1` for MM5/MM6. With a pre-shared key, a message that
    /// does not parse once decrypted was sealed with another key: the
    /// peer failed authentication (`None`, handled), as a wrong HASH would
    /// show had it parsed (RFC 2409 5.4: SKEYID depends on the key).
    fn open_authenticated(
        &mut self,
        now: Duration,
        i: usize,
        packet: &Packet<&[u8]>,
    ) -> Result<Option<Parsed>, IkeError> {
        let by_key = self.mains[i].by_key();
        match self.open_phase1(i, packet) {
            Ok(p) => Ok(Some(p)),
            Err(e) if by_key && e.is_malformed() => {
                self.auth_failed(now, i, *AuthFailure::hash_mismatch());
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// Decrypts MM5/MM6 and advances the phase-1 IV.
    fn open_phase1(&mut self, i: usize, packet: &Packet<&[u8]>) -> Result<Parsed, IkeError> {
        if !packet.encrypted() {
            return Err(IkeError::Unexpected(Unexpected::Mm5Mm6NotEncrypted));
        }
        let m = &mut self.mains[i];
        let (keys, offer) = m.crypto().ok_or(IkeError::Unexpected(Unexpected::NoKeys))?;
        let (parsed, next) = opened(
            packet.next_payload(),
            packet.body(),
            offer.cipher,
            &keys.enc_key,
            &m.iv,
        )?;
        m.iv = next;
        Ok(parsed)
    }

    fn main_mode_up(&mut self, now: Duration, i: usize) {
        let m = &mut self.mains[i];
        // A lifetime of 0 (a peer with rekeying off) sets no end.
        if let Some(o) = m.offer.filter(|o| o.lifetime_secs > 0) {
            m.expires = Some(now + Duration::from_secs(u64::from(o.lifetime_secs)));
        }
        let m = &self.mains[i];
        let Some((keys, offer)) = m.crypto() else {
            return;
        };
        tracing::debug!(
            target: crate::trace::IKE,
            peer = %m.peer(),
            encryption = ?offer.cipher,
            hash = ?offer.hash,
            group = offer.group.number(),
            "main mode established"
        );
        let event = IkeEvent::MainModeUp {
            peer: m.peer(),
            local: m.local,
            remote: m.remote,
            initiator: m.initiator,
            nat: m.nat,
            peer_cert: m.peer_cert.clone(),
            my_cert: m.my_cert.clone(),
            auth: offer.auth,
            cipher: offer.cipher,
            hash: offer.hash,
            group: offer.group,
            lifetime_secs: offer.lifetime_secs,
            icookie: m.icookie,
            rcookie: m.rcookie,
            enc_key: keys.enc_key.clone(),
        };
        self.events.push_back(event);
    }

    /// Resends, gives up (63 s: NoResponse if the peer never answered, else
    /// Timeout), and forgets dead SAs whose linger time is over.
    pub(super) fn main_mode_timeouts(&mut self, now: Duration) {
        let mut i = 0;
        while i < self.mains.len() {
            let m = &mut self.mains[i];
            if !m.timer.is_due(now) {
                i += 1;
                continue;
            }
            match m.timer {
                ExchangeTimer::Linger(_) => {
                    self.mains.remove(i);
                    continue;
                }
                ExchangeTimer::Retransmit(t) if t.exhausted() => {
                    let reason = if m.initiator && !m.answered {
                        FailureReason::NoResponse
                    } else {
                        FailureReason::Timeout
                    };
                    let (peer, cert) = (m.peer(), m.peer_cert.clone());
                    // Before the removal: the failure names this exchange.
                    self.fail(peer, Mode::Main, FailurePoint::Me, reason, cert);
                    self.mains.remove(i);
                    continue;
                }
                ExchangeTimer::Retransmit(t) => {
                    tracing::debug!(
                        target: crate::trace::IKE,
                        to = %m.remote,
                        resend = t.resends + 1,
                        of = super::state::MAX_RESENDS,
                        "main mode retransmit"
                    );
                    m.timer = ExchangeTimer::Retransmit(t.resent(now));
                    let (local, remote, bytes) = (m.local, m.remote, m.last_out.clone());
                    self.send(local, remote, bytes);
                }
                ExchangeTimer::Keepalive(_) => {
                    m.timer = ExchangeTimer::Keepalive(now + KEEPALIVE_INTERVAL);
                    let (local, remote) = (m.local, m.remote);
                    self.send(local, remote, KEEPALIVE.to_vec());
                }
                _ => {}
            }
            i += 1;
        }
    }
}
