//! Informational exchanges (RFC 2408 4.8, RFC 2409 5.7): notifications of
//! failures and deletes. After Main Mode's key exchange they are encrypted
//! with their own IV, hash(last phase-1 CBC block | M-ID) (RFC 2409
//! Appendix B), and led by HASH(1) = prf(SKEYID_a, M-ID | N/D).

use core::time::Duration;
use std::net::SocketAddrV4;

use super::msg::{chain, first_kind, header, opened, plain, sealed, with_hash, Parsed};
use super::state::{ExchangeTimer, MainSa, MmState, QmState, QuickSa, LINGER};
use super::{FailurePoint, FailureReason, Ike, IkeError, IkeEvent, Mode, Unexpected};
use crate::crypto::ike_keys::{phase2_iv, prf_parts};
use crate::wire::isakmp::{
    DeletePayload, ExchangeType, NotifyPayload, NotifyType, Packet, Payload, PayloadType,
    ProtocolId,
};

/// Notify types below this are errors (RFC 2408 3.14.1).
const FIRST_STATUS_NOTIFY: u16 = 16384;

impl Ike {
    /// An unprotected Notify about `m`'s negotiation, before keys exist.
    pub(super) fn plain_notify(
        &mut self,
        m: &MainSa,
        protocol: ProtocolId,
        t: NotifyType,
    ) -> Result<Vec<u8>, IkeError> {
        let mid = self.random_id();
        let hdr = header(
            m.icookie,
            m.rcookie,
            ExchangeType::Informational,
            mid,
            PayloadType::Notification,
            false,
        );
        plain(
            hdr,
            &[Payload::Notification(NotifyPayload::new(
                protocol,
                m.cookies(),
                t,
            ))],
        )
    }

    /// Sends an Informational with `payloads` under SA `i`; returns its bytes.
    fn send_informational(&mut self, i: usize, payloads: &[Payload]) -> Option<Vec<u8>> {
        let mid = self.random_id();
        let m = self.mains.get(i)?;
        let bytes = match m.crypto() {
            Some((keys, offer)) => {
                let rest = chain(payloads).ok()?;
                let hash = prf_parts(offer.hash, &keys.skeyid_a, &[&mid.to_be_bytes(), &rest]);
                let body = with_hash(&hash, first_kind(payloads), &rest);
                let iv = phase2_iv(offer.hash, offer.cipher, &m.iv, mid);
                let hdr = header(
                    m.icookie,
                    m.rcookie,
                    ExchangeType::Informational,
                    mid,
                    PayloadType::Hash,
                    true,
                );
                sealed(hdr, body, offer.cipher, &keys.enc_key, &iv).ok()?.0
            }
            None => {
                let hdr = header(
                    m.icookie,
                    m.rcookie,
                    ExchangeType::Informational,
                    mid,
                    first_kind(payloads),
                    false,
                );
                plain(hdr, payloads).ok()?
            }
        };
        let (local, remote) = (m.local, m.remote);
        self.send(local, remote, bytes.clone());
        Some(bytes)
    }

    /// Sends a Notify of type `t` about `spi` under SA `i`.
    pub(super) fn send_notify(
        &mut self,
        i: usize,
        protocol: ProtocolId,
        spi: Vec<u8>,
        t: NotifyType,
    ) -> Option<Vec<u8>> {
        self.send_informational(
            i,
            &[Payload::Notification(NotifyPayload::new(protocol, spi, t))],
        )
    }

    pub(super) fn send_delete(&mut self, i: usize, protocol: ProtocolId, spi: Vec<u8>) {
        let spi_size = u8::try_from(spi.len()).unwrap_or(0);
        let d = DeletePayload {
            doi: crate::wire::isakmp::sa::DOI_IPSEC,
            protocol,
            spi_size,
            spis: vec![spi],
        };
        // Queued for the peer already; a delete is never repeated, so its
        // bytes are not kept as `last_out` (a notify's are).
        let _ = self.send_informational(i, &[Payload::Delete(d)]);
    }

    pub(super) fn handle_informational(
        &mut self,
        now: Duration,
        src: SocketAddrV4,
        packet: &Packet<&[u8]>,
    ) -> Result<(), IkeError> {
        let peer = *src.ip();
        let (ic, rc, mid) = (
            packet.initiator_cookie(),
            packet.responder_cookie(),
            packet.message_id(),
        );
        let (i, parsed) = if packet.encrypted() {
            let i = self.main_index(peer, ic, rc).ok_or(IkeError::UnknownSa)?;
            let m = &self.mains[i];
            let (keys, offer) = m
                .crypto()
                .ok_or(IkeError::Unexpected(Unexpected::EncryptedBeforeKeys))?;
            let iv = phase2_iv(offer.hash, offer.cipher, &m.iv, mid);
            let opened = opened(
                packet.next_payload(),
                packet.body(),
                offer.cipher,
                &keys.enc_key,
                &iv,
            )
            .and_then(|(parsed, _)| {
                let (hash, rest) = parsed
                    .leading_hash()
                    .ok_or(IkeError::MissingPayload("HASH"))?;
                let want = prf_parts(offer.hash, &keys.skeyid_a, &[&mid.to_be_bytes(), rest]);
                if hash == want.as_slice() {
                    Ok(parsed)
                } else {
                    Err(IkeError::HashMismatch)
                }
            });
            match opened {
                Ok(parsed) => (i, parsed),
                Err(e) => {
                    self.garbled(now, i);
                    return Err(e);
                }
            }
        } else {
            // Unprotected notifications only count before keys exist (the
            // answer to MM1 may carry a responder cookie we do not know yet).
            let i = self
                .mains
                .iter()
                .position(|m| {
                    m.peer() == peer
                        && m.icookie == ic
                        && (m.rcookie == rc || m.state == MmState::I1)
                        && m.keys.is_none()
                        && m.state != MmState::Dead
                })
                .ok_or(IkeError::UnknownSa)?;
            (
                i,
                Parsed::parse(packet.next_payload(), packet.body(), false)?,
            )
        };
        for (p, _) in &parsed.payloads {
            match p {
                Payload::Notification(n) if u16::from(n.notify_type) < FIRST_STATUS_NOTIFY => {
                    self.peer_notify(now, i, n);
                }
                Payload::Delete(d) => self.peer_delete(i, d),
                _ => {}
            }
        }
        Ok(())
    }

    /// The peer rejected our Main Mode (any notify while it is not up, or an
    /// ISAKMP one) or one of our Quick Modes (an ESP notify naming our SPI).
    fn peer_notify(&mut self, now: Duration, i: usize, n: &NotifyPayload) {
        let Some(m) = self.mains.get(i) else { return };
        let reason = FailureReason::PeerRejected {
            notify: n.notify_type.into(),
        };
        let (peer, ic, rc) = (m.peer(), m.icookie, m.rcookie);
        if m.state != MmState::Up || n.protocol == ProtocolId::Isakmp {
            if m.state == MmState::Dead {
                return;
            }
            let cert = m.peer_cert.clone();
            self.fail(peer, Mode::Main, FailurePoint::Peer, reason, cert);
            self.kill_main(now, i);
            return;
        }
        let spi = match n.spi.as_slice() {
            &[a, b, c, d] => Some(u32::from_be_bytes([a, b, c, d])),
            _ => None,
        };
        let q = self.quicks.iter_mut().find(|q| {
            q.icookie == ic
                && q.rcookie == rc
                && q.initiator
                && q.state == QmState::I1
                && spi.is_none_or(|s| s == q.my_spi)
        });
        if let Some(q) = q {
            q.state = QmState::Done;
            q.timer = ExchangeTimer::Linger(now + LINGER);
            let cert = m.peer_cert.clone();
            self.fail(peer, Mode::Quick, FailurePoint::Peer, reason, cert);
        }
    }

    /// RFC 2408 3.15: ISAKMP deletes name the cookie pair; ESP deletes name
    /// the sender's inbound SPI, which is our outbound one.
    fn peer_delete(&mut self, i: usize, d: &DeletePayload) {
        let Some(m) = self.mains.get(i) else { return };
        let peer = m.peer();
        match d.protocol {
            ProtocolId::Isakmp if d.spis.iter().any(|s| *s == m.cookies()) => {
                let (ic, rc) = (m.icookie, m.rcookie);
                self.mains.remove(i);
                self.quicks
                    .retain(|q| !(q.icookie == ic && q.rcookie == rc));
                self.events.push_back(IkeEvent::Deleted {
                    peer,
                    mode: Mode::Main,
                    inbound_spi: None,
                    outbound_spi: None,
                });
            }
            ProtocolId::Esp => {
                for s in &d.spis {
                    let &[a, b, c, e] = s.as_slice() else {
                        continue;
                    };
                    let spi = u32::from_be_bytes([a, b, c, e]);
                    if let Some(k) = self
                        .sas
                        .iter()
                        .position(|q| q.peer == peer && q.outbound_spi == spi)
                    {
                        let q = self.sas.remove(k);
                        self.events.push_back(deleted(&q));
                    }
                }
            }
            _ => {}
        }
    }

    /// Deletes for every ESP SA pair, then every ISAKMP SA that is up; each
    /// also reported locally; then everything is forgotten.
    pub(super) fn delete_everything(&mut self, _now: Duration) {
        for q in core::mem::take(&mut self.sas) {
            if let Some(i) = self.main_index(q.peer, q.icookie, q.rcookie) {
                if self.mains[i].state == MmState::Up {
                    self.send_delete(i, ProtocolId::Esp, q.inbound_spi.to_be_bytes().to_vec());
                }
            }
            self.events.push_back(deleted(&q));
        }
        for i in 0..self.mains.len() {
            if self.mains[i].state == MmState::Up {
                let spi = self.mains[i].cookies();
                self.send_delete(i, ProtocolId::Isakmp, spi);
                let peer = self.mains[i].peer();
                self.events.push_back(IkeEvent::Deleted {
                    peer,
                    mode: Mode::Main,
                    inbound_spi: None,
                    outbound_spi: None,
                });
            }
        }
        self.mains.clear();
        self.quicks.clear();
    }
}

/// What this side reports when a pair is gone.
pub(super) fn deleted(q: &QuickSa) -> IkeEvent {
    IkeEvent::Deleted {
        peer: q.peer,
        mode: Mode::Quick,
        inbound_spi: Some(q.inbound_spi),
        outbound_spi: Some(q.outbound_spi),
    }
}
