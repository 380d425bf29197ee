//! Quick Mode without PFS (RFC 2409 5.5), ESP in transport mode:
//!
//! ```text
//! I -> R  HDR*, HASH(1), SA, Ni, IDci, IDcr
//! R -> I  HDR*, HASH(2), SA, Nr, IDci, IDcr
//! I -> R  HDR*, HASH(3)
//! ```
//! HASH(1) = prf(SKEYID_a, M-ID | SA | Ni | IDci | IDcr),
//! HASH(2) = prf(SKEYID_a, M-ID | Ni_b | SA | Nr | IDci | IDcr),
//! HASH(3) = prf(SKEYID_a, 0 | M-ID | Ni_b | Nr_b); the IV starts at
//! hash(last phase-1 CBC block | M-ID) and chains through the exchange
//! (RFC 2409 Appendix B). IDs are ID_IPV4_ADDR with protocol and port.

use core::time::Duration;
use std::net::{Ipv4Addr, SocketAddrV4};

use super::msg::{chain, header, opened, sealed, with_hash, Parsed};
use super::proposal::{accept_qm, choose_qm, qm_sa, EspEncap};
use super::state::{ExchangeTimer, Lifetime, MmState, QmState, QuickEx, QuickSa, Timer, LINGER};
use super::{
    FailurePoint, FailureReason, Ike, IkeError, IkeEvent, Mode, QmOffer, Selector, UdpEncap,
    Unexpected,
};
use crate::crypto::ike_keys::{keymat, phase2_iv, prf_parts, PrfHash};
use crate::ipsec::sa::SaParams;
use crate::wire::isakmp::{
    ExchangeType, IdPayload, IdType, NatOaPayload, NotifyType, Packet, Payload, PayloadType,
    ProtocolId, SaPayload,
};

/// PROTO_IPSEC_ESP in KEYMAT (RFC 2409 5.5, RFC 2407 4.4.1).
const PROTO_ESP: u8 = 3;

/// ESP keys for the SA with `spi`: encryption key, then authentication key.
fn sa_params(h: PrfHash, skeyid_d: &[u8], spi: u32, ni: &[u8], nr: &[u8], o: &QmOffer) -> SaParams {
    let enc_len = o.cipher.map_or(0, |c| c.key_len());
    let km = keymat(
        h,
        skeyid_d,
        PROTO_ESP,
        spi,
        ni,
        nr,
        enc_len + o.integ.key_len(),
    );
    let (enc, auth) = km.split_at(enc_len.min(km.len()));
    SaParams {
        spi,
        cipher: o.cipher,
        enc_key: enc.to_vec(),
        integ: o.integ,
        auth_key: auth.to_vec(),
    }
}

/// A port, protocol or address constraint: 0 on either side means any.
fn compatible<T: PartialEq + Default>(a: T, b: T) -> bool {
    a == T::default() || b == T::default() || a == b
}

/// Whether a responder rule covers the initiator's IDs (IDci is the peer's
/// side, IDcr ours). A selector saying "any port" matches a specific port
/// and the other way round: Windows' client filter names the server with
/// any port while the server's filter names port 1701 [MODEL].
fn selector_covers(
    s: &Selector,
    ci: &IdPayload,
    ci_addr: Ipv4Addr,
    cr: &IdPayload,
    cr_addr: Ipv4Addr,
) -> bool {
    compatible(u32::from(s.local), u32::from(cr_addr))
        && s.remote.is_none_or(|r| r == ci_addr)
        && compatible(s.protocol, ci.protocol)
        && compatible(s.protocol, cr.protocol)
        && compatible(s.local_port, cr.port)
        && compatible(s.remote_port, ci.port)
}

impl Ike {
    pub(super) fn start_quick_mode(
        &mut self,
        now: Duration,
        ic: [u8; 8],
        rc: [u8; 8],
        rule: usize,
    ) {
        let Some(i) = self
            .mains
            .iter()
            .position(|m| m.icookie == ic && m.rcookie == rc && m.state == MmState::Up)
        else {
            return;
        };
        let peer = self.mains[i].peer();
        let Some(r) = self.rule(rule).cloned() else {
            self.fail(
                peer,
                Mode::Quick,
                FailurePoint::Me,
                FailureReason::NoPolicy,
                None,
            );
            return;
        };
        let message_id = loop {
            let mid = self.random_id();
            if !self
                .quicks
                .iter()
                .any(|q| q.icookie == ic && q.message_id == mid)
            {
                break mid;
            }
        };
        let my_spi = self.random_id();
        let ni = self.nonce();
        let mut sel = r.selector;
        if sel.local.is_unspecified() {
            // "Me": the address this ISAKMP SA runs on.
            sel.local = *self.mains[i].local.ip();
        }
        let encap = self.mains[i].esp_encap();
        let mut payloads = vec![
            Payload::Sa(qm_sa(&r.offers, my_spi, encap)),
            Payload::Nonce(ni.clone()),
            Payload::Identification(IdPayload::ipv4(sel.local, sel.protocol, sel.local_port)),
            Payload::Identification(IdPayload::ipv4(peer, sel.protocol, sel.remote_port)),
        ];
        if encap == EspEncap::UdpTransport {
            // RFC 3947 5.2: transport mode sends NAT-OAi, then NAT-OAr.
            payloads.extend([nat_oa(sel.local), nat_oa(peer)]);
        }
        let m = &self.mains[i];
        let sent = m.crypto().and_then(|(keys, offer)| {
            let rest = chain(&payloads).ok()?;
            let hash = prf_parts(
                offer.hash,
                &keys.skeyid_a,
                &[&message_id.to_be_bytes(), &rest],
            );
            let body = with_hash(&hash, PayloadType::Sa, &rest);
            let iv = phase2_iv(offer.hash, offer.cipher, &m.iv, message_id);
            let hdr = header(
                ic,
                rc,
                ExchangeType::QuickMode,
                message_id,
                PayloadType::Hash,
                true,
            );
            sealed(hdr, body, offer.cipher, &keys.enc_key, &iv).ok()
        });
        let Some((bytes, iv)) = sent else {
            // Only an empty offer list fails to encode.
            self.fail(
                peer,
                Mode::Quick,
                FailurePoint::Me,
                FailureReason::NoPolicy,
                None,
            );
            return;
        };
        let (local, remote) = (m.local, m.remote);
        self.quicks.push(QuickEx {
            icookie: ic,
            rcookie: rc,
            peer,
            message_id,
            initiator: true,
            rule,
            state: QmState::I1,
            iv,
            ni,
            nr: Vec::new(),
            my_spi,
            peer_spi: 0,
            offer: None,
            offered: r.offers.clone(),
            local_id: SocketAddrV4::new(sel.local, sel.local_port),
            remote_id: SocketAddrV4::new(peer, sel.remote_port),
            last_in: Vec::new(),
            last_out: bytes.clone(),
            timer: ExchangeTimer::Retransmit(Timer::start(now)),
            peer_original: None,
        });
        self.send(local, remote, bytes);
    }

    pub(super) fn handle_quick_mode(
        &mut self,
        now: Duration,
        src: SocketAddrV4,
        packet: &Packet<&[u8]>,
        data: &[u8],
    ) -> Result<(), IkeError> {
        let peer = *src.ip();
        let (ic, rc, mid) = (
            packet.initiator_cookie(),
            packet.responder_cookie(),
            packet.message_id(),
        );
        if mid == 0 || !packet.encrypted() {
            return Err(IkeError::Unexpected(
                Unexpected::QuickModeNeedsMessageIdAndEncryption,
            ));
        }
        let i = self
            .main_index(peer, ic, rc)
            .filter(|&i| self.mains[i].state == MmState::Up)
            .ok_or(IkeError::UnknownSa)?;
        match self
            .quicks
            .iter()
            .position(|q| q.icookie == ic && q.rcookie == rc && q.message_id == mid)
        {
            None => self.qm1(now, i, packet, data),
            Some(q) => match self.quicks[q].state {
                QmState::I1 => self.qm2(now, i, q, packet, data),
                QmState::R2 => self.qm3(now, i, q, packet, data),
                QmState::Done => Err(IkeError::Unexpected(Unexpected::QuickModeFinished)),
            },
        }
    }

    /// Decrypts a Quick Mode message of SA `i` with `iv` and checks its
    /// leading HASH against prf(SKEYID_a, prefix | rest).
    fn open_quick(
        &self,
        i: usize,
        packet: &Packet<&[u8]>,
        iv: &[u8],
        prefix: &[&[u8]],
        whole: bool,
    ) -> Result<(Parsed, Vec<u8>), IkeError> {
        let (keys, offer) = self.mains[i].crypto().ok_or(IkeError::UnknownSa)?;
        let (parsed, next) = opened(
            packet.next_payload(),
            packet.body(),
            offer.cipher,
            &keys.enc_key,
            iv,
        )?;
        let (hash, rest) = parsed
            .leading_hash()
            .ok_or(IkeError::MissingPayload("HASH"))?;
        let mut parts = prefix.to_vec();
        if whole {
            parts.push(rest);
        }
        if hash != prf_parts(offer.hash, &keys.skeyid_a, &parts).as_slice() {
            return Err(IkeError::HashMismatch);
        }
        Ok((parsed, next))
    }

    /// Responder, QM1 -> QM2, or a NO-PROPOSAL-CHOSEN notification.
    fn qm1(
        &mut self,
        now: Duration,
        i: usize,
        packet: &Packet<&[u8]>,
        data: &[u8],
    ) -> Result<(), IkeError> {
        let m = &self.mains[i];
        let (peer, local, mid) = (m.peer(), *m.local.ip(), packet.message_id());
        let (_, offer) = m.crypto().ok_or(IkeError::UnknownSa)?;
        let iv0 = phase2_iv(offer.hash, offer.cipher, &m.iv, mid);
        let (parsed, iv) = match self.open_quick(i, packet, &iv0, &[&mid.to_be_bytes()], true) {
            Err(IkeError::HashMismatch) => {
                let cert = m.peer_cert.clone();
                self.fail(
                    peer,
                    Mode::Quick,
                    FailurePoint::Me,
                    FailureReason::HashMismatch,
                    cert,
                );
                return Err(IkeError::HashMismatch);
            }
            other => other?,
        };
        let sa = parsed.sa()?;
        let ni = parsed.nonce()?;
        let ids: Vec<IdPayload> = parsed
            .payloads
            .iter()
            .filter_map(|(p, _)| match p {
                Payload::Identification(id) => Some(id.clone()),
                _ => None,
            })
            .collect();
        // RFC 2409 5.5: without IDs, the selectors are the IKE addresses.
        let (ci, cr) = match ids.as_slice() {
            [] => (IdPayload::ipv4(peer, 0, 0), IdPayload::ipv4(local, 0, 0)),
            [ci, cr] => (ci.clone(), cr.clone()),
            _ => return Err(IkeError::Unexpected(Unexpected::QuickModeIdCount)),
        };
        let (Some(ci_addr), Some(cr_addr)) = (ci.ipv4_addr(), cr.ipv4_addr()) else {
            return Err(IkeError::Unexpected(Unexpected::QuickModeIdsNotIpv4));
        };
        let first_spi = sa
            .proposals
            .first()
            .map(|p| p.spi.clone())
            .unwrap_or_default();
        let rules = self
            .policy
            .as_ref()
            .map(|p| p.qm_rules.as_slice())
            .unwrap_or_default();
        let rule = rules
            .iter()
            .position(|r| selector_covers(&r.selector, &ci, ci_addr, &cr, cr_addr));
        let encap = self.mains[i].esp_encap();
        let choice = rule.and_then(|r| Some((r, choose_qm(&sa, &rules.get(r)?.offers, encap)?)));
        let peer_original = original_addresses(&parsed).first().copied();
        let Some((rule, (mut answer, peer_spi, qm_offer))) = choice else {
            let reason = if rule.is_none() {
                FailureReason::NoPolicy
            } else {
                FailureReason::AttributesUnacceptable
            };
            let cert = self.mains[i].peer_cert.clone();
            self.fail(peer, Mode::Quick, FailurePoint::Me, reason, cert);
            let notify =
                self.send_notify(i, ProtocolId::Esp, first_spi, NotifyType::NoProposalChosen);
            self.quicks
                .push(self.finished_quick(i, mid, data, notify.unwrap_or_default(), now));
            return Ok(());
        };
        let my_spi = self.random_id();
        let nr = self.nonce();
        answer.spi = my_spi.to_be_bytes().to_vec();
        let mut payloads = vec![
            Payload::Sa(SaPayload::new(vec![answer])),
            Payload::Nonce(nr.clone()),
            Payload::Identification(ci.clone()),
            Payload::Identification(cr.clone()),
        ];
        if encap == EspEncap::UdpTransport {
            // The initiator as we see it, then ourselves (RFC 3947 5.2).
            let m = &self.mains[i];
            payloads.extend([nat_oa(*m.remote.ip()), nat_oa(*m.local.ip())]);
        }
        let m = &self.mains[i];
        let (keys, offer) = m.crypto().ok_or(IkeError::UnknownSa)?;
        let rest = chain(&payloads)?;
        let hash = prf_parts(
            offer.hash,
            &keys.skeyid_a,
            &[&mid.to_be_bytes(), &ni, &rest],
        );
        let body = with_hash(&hash, PayloadType::Sa, &rest);
        let hdr = header(
            m.icookie,
            m.rcookie,
            ExchangeType::QuickMode,
            mid,
            PayloadType::Hash,
            true,
        );
        let (bytes, iv) = sealed(hdr, body, offer.cipher, &keys.enc_key, &iv)?;
        let (ic, rc, local_addr, remote_addr) = (m.icookie, m.rcookie, m.local, m.remote);
        self.quicks.push(QuickEx {
            icookie: ic,
            rcookie: rc,
            peer,
            message_id: mid,
            initiator: false,
            rule,
            state: QmState::R2,
            iv,
            ni,
            nr,
            my_spi,
            peer_spi,
            offer: Some(qm_offer),
            offered: Vec::new(),
            local_id: SocketAddrV4::new(cr_addr, cr.port),
            remote_id: SocketAddrV4::new(ci_addr, ci.port),
            last_in: data.to_vec(),
            last_out: bytes.clone(),
            timer: ExchangeTimer::Retransmit(Timer::start(now)),
            peer_original,
        });
        self.send(local_addr, remote_addr, bytes);
        Ok(())
    }

    /// A refused Quick Mode, kept to repeat `reply` to retransmissions.
    fn finished_quick(
        &self,
        i: usize,
        mid: u32,
        data: &[u8],
        reply: Vec<u8>,
        now: Duration,
    ) -> QuickEx {
        let m = &self.mains[i];
        QuickEx {
            icookie: m.icookie,
            rcookie: m.rcookie,
            peer: m.peer(),
            message_id: mid,
            initiator: false,
            rule: usize::MAX,
            state: QmState::Done,
            iv: Vec::new(),
            ni: Vec::new(),
            nr: Vec::new(),
            my_spi: 0,
            peer_spi: 0,
            offer: None,
            offered: Vec::new(),
            local_id: m.local,
            remote_id: m.remote,
            last_in: data.to_vec(),
            last_out: reply,
            timer: ExchangeTimer::Linger(now + LINGER),
            peer_original: None,
        }
    }

    /// Initiator, QM2 -> QM3; the SAs are up.
    fn qm2(
        &mut self,
        now: Duration,
        i: usize,
        q: usize,
        packet: &Packet<&[u8]>,
        data: &[u8],
    ) -> Result<(), IkeError> {
        let mid = packet.message_id();
        let (iv, ni) = (self.quicks[q].iv.clone(), self.quicks[q].ni.clone());
        let (parsed, iv) = self.open_quick(i, packet, &iv, &[&mid.to_be_bytes(), &ni], true)?;
        let sa = parsed.sa()?;
        let nr = parsed.nonce()?;
        let peer = self.mains[i].peer();
        let encap = self.mains[i].esp_encap();
        let peer_original = original_addresses(&parsed).get(1).copied();
        let Some((peer_spi, offer)) = accept_qm(&sa, &self.quicks[q].offered, encap) else {
            let cert = self.mains[i].peer_cert.clone();
            self.fail(
                peer,
                Mode::Quick,
                FailurePoint::Me,
                FailureReason::AttributesUnacceptable,
                cert,
            );
            let x = &mut self.quicks[q];
            x.state = QmState::Done;
            x.timer = ExchangeTimer::Linger(now + LINGER);
            return Ok(());
        };
        let m = &self.mains[i];
        let (keys, p1) = m.crypto().ok_or(IkeError::UnknownSa)?;
        let hash = prf_parts(
            p1.hash,
            &keys.skeyid_a,
            &[&[0], &mid.to_be_bytes(), &ni, &nr],
        );
        let hdr = header(
            m.icookie,
            m.rcookie,
            ExchangeType::QuickMode,
            mid,
            PayloadType::Hash,
            true,
        );
        let (bytes, iv) = sealed(
            hdr,
            chain(&[Payload::Hash(hash)])?,
            p1.cipher,
            &keys.enc_key,
            &iv,
        )?;
        let (local, remote) = (m.local, m.remote);
        let x = &mut self.quicks[q];
        x.iv = iv;
        x.nr = nr;
        x.peer_spi = peer_spi;
        x.offer = Some(offer);
        x.peer_original = peer_original;
        x.state = QmState::Done;
        x.timer = ExchangeTimer::Linger(now + LINGER);
        x.last_in = data.to_vec();
        x.last_out = bytes.clone();
        self.send(local, remote, bytes);
        self.quick_mode_up(now, i, q);
        Ok(())
    }

    /// Responder, QM3: the SAs are up.
    fn qm3(
        &mut self,
        now: Duration,
        i: usize,
        q: usize,
        packet: &Packet<&[u8]>,
        data: &[u8],
    ) -> Result<(), IkeError> {
        let mid = packet.message_id();
        let x = &self.quicks[q];
        let (iv, ni, nr) = (x.iv.clone(), x.ni.clone(), x.nr.clone());
        self.open_quick(i, packet, &iv, &[&[0], &mid.to_be_bytes(), &ni, &nr], false)?;
        let x = &mut self.quicks[q];
        x.state = QmState::Done;
        x.timer = ExchangeTimer::Linger(now + LINGER);
        x.last_in = data.to_vec();
        x.last_out = Vec::new();
        self.quick_mode_up(now, i, q);
        Ok(())
    }

    fn quick_mode_up(&mut self, now: Duration, i: usize, q: usize) {
        let m = &self.mains[i];
        let x = &self.quicks[q];
        let (Some((keys, p1)), Some(o)) = (m.crypto(), x.offer) else {
            return;
        };
        let inbound = sa_params(p1.hash, &keys.skeyid_d, x.my_spi, &x.ni, &x.nr, &o);
        let outbound = sa_params(p1.hash, &keys.skeyid_d, x.peer_spi, &x.ni, &x.nr, &o);
        // The pair it renews (if any) now only waits for its end.
        for old in self.sas.iter_mut() {
            if old.peer == x.peer && old.rule == x.rule {
                old.superseded = true;
            }
        }
        self.sas.push(QuickSa {
            icookie: x.icookie,
            rcookie: x.rcookie,
            peer: x.peer,
            rule: x.rule,
            inbound_spi: x.my_spi,
            outbound_spi: x.peer_spi,
            local: *m.local.ip(),
            initiator: x.initiator,
            life: Lifetime {
                up_at: now,
                secs: o.lifetime_secs,
                kb: o.lifetime_kb,
            },
            superseded: false,
            rekeying: false,
            bytes: 0,
        });
        tracing::debug!(
            target: crate::trace::IKE,
            peer = %x.peer,
            inbound_spi = x.my_spi,
            outbound_spi = x.peer_spi,
            "quick mode established"
        );
        self.events.push_back(IkeEvent::QuickModeUp {
            peer: x.peer,
            rule: x.rule,
            initiator: x.initiator,
            local: x.local_id,
            remote: x.remote_id,
            inbound,
            outbound,
            lifetime_secs: o.lifetime_secs,
            lifetime_kb: o.lifetime_kb,
            udp_encap: (m.esp_encap() == EspEncap::UdpTransport).then_some(UdpEncap {
                local: m.local,
                remote: m.remote,
                peer_original: x.peer_original,
            }),
        });
    }

    /// Resends QM1/QM2; after the last resend, Failed (Timeout); forgets
    /// finished exchanges after their linger time.
    pub(super) fn quick_mode_timeouts(&mut self, now: Duration) {
        let mut k = 0;
        while k < self.quicks.len() {
            let x = &mut self.quicks[k];
            if !x.timer.is_due(now) {
                k += 1;
                continue;
            }
            match x.timer {
                ExchangeTimer::Linger(_) => {
                    self.quicks.remove(k);
                    continue;
                }
                ExchangeTimer::Retransmit(t) if t.exhausted() => {
                    let peer = x.peer;
                    // Before the removal: the failure names this exchange.
                    self.fail(
                        peer,
                        Mode::Quick,
                        FailurePoint::Me,
                        FailureReason::Timeout,
                        None,
                    );
                    self.quicks.remove(k);
                    continue;
                }
                ExchangeTimer::Retransmit(t) => {
                    tracing::debug!(
                        target: crate::trace::IKE,
                        to = %x.peer,
                        resend = t.resends + 1,
                        of = super::state::MAX_RESENDS,
                        "quick mode retransmit"
                    );
                    x.timer = ExchangeTimer::Retransmit(t.resent(now));
                    let (ic, rc, bytes) = (x.icookie, x.rcookie, x.last_out.clone());
                    if let Some(m) = self
                        .mains
                        .iter()
                        .find(|m| m.icookie == ic && m.rcookie == rc)
                    {
                        let (local, remote) = (m.local, m.remote);
                        self.send(local, remote, bytes);
                    }
                }
                _ => {}
            }
            k += 1;
        }
    }
}

/// A NAT-OA payload for an IPv4 address (RFC 3947 5.2).
fn nat_oa(addr: Ipv4Addr) -> Payload {
    Payload::NatOa(NatOaPayload {
        id_type: IdType::Ipv4Addr,
        address: addr.octets().to_vec(),
    })
}

/// The IPv4 addresses of a message's NAT-OA payloads, in order.
fn original_addresses(parsed: &Parsed) -> Vec<Ipv4Addr> {
    parsed
        .payloads
        .iter()
        .filter_map(|(p, _)| match p {
            Payload::NatOa(o) => <[u8; 4]>::try_from(o.address.as_slice())
                .ok()
                .map(Ipv4Addr::from),
            _ => None,
        })
        .collect()
}
