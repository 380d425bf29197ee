//! Main Mode authentication, messages 5 and 6 (RFC 2409 5):
//!
//! ```text
//! signatures (5.1):      HDR*, IDii, CERT, SIG_I     HDR*, IDir, CERT, SIG_R
//! pre-shared key (5.4):  HDR*, IDii, HASH_I          HDR*, IDir, HASH_R
//! ```
//! HASH_I = prf(SKEYID, g^xi | g^xr | CKY-I | CKY-R | SAi_b | IDii_b),
//! HASH_R = prf(SKEYID, g^xr | g^xi | CKY-R | CKY-I | SAi_b | IDir_b),
//! signed as raw PKCS#1 v1.5 (DESIGN.md), or sent as they are: with a
//! pre-shared key, SKEYID itself proves the key. IDs are ID_DER_ASN1_DN
//! with the certificate subject, as Windows sends with certificates, and
//! ID_IPV4_ADDR (UDP, port 500) with a pre-shared key (RFC 2407 4.6.2).

use core::time::Duration;
use std::net::Ipv4Addr;

use super::msg::{header, sealed, Parsed};
use super::state::MainSa;
use super::{FailurePoint, FailureReason, Ike, IkeError, MmAuth, Mode, Unexpected};
use crate::crypto::ike_keys::{derive_from_skeyid, prf_parts, skeyid_psk, skeyid_sig, IsakmpKeys};
use crate::crypto::pki::{self, CertError, PeerCertificate};
use crate::wire::isakmp::{
    CertEncoding, CertPayload, ExchangeType, IdPayload, NotifyType, Payload, PayloadType,
    ProtocolId, UDP_PORT,
};

/// Why the peer's authentication failed: the reason, the Notify to send
/// (RFC 2408 3.14.1), and the peer's certificate as far as it parsed.
pub(super) struct AuthFailure {
    pub reason: FailureReason,
    pub notify: NotifyType,
    pub peer_cert: Option<PeerCertificate>,
}

/// What this machine authenticates with.
pub(super) enum Own {
    Certificate {
        cert_der: Vec<u8>,
        key: Box<rsa::RsaPrivateKey>,
        me: PeerCertificate,
    },
    PreSharedKey {
        local: Ipv4Addr,
    },
}

impl AuthFailure {
    /// With a pre-shared key: the peer's HASH did not verify, or its
    /// message did not even parse under our key (RFC 2409 5.4).
    pub fn hash_mismatch() -> Box<AuthFailure> {
        Box::new(AuthFailure {
            reason: FailureReason::HashMismatch,
            notify: NotifyType::InvalidHashInformation,
            peer_cert: None,
        })
    }
}

impl Own {
    /// This side's certificate, as the audits describe it.
    pub fn certificate(&self) -> Option<PeerCertificate> {
        match self {
            Own::Certificate { me, .. } => Some(me.clone()),
            Own::PreSharedKey { .. } => None,
        }
    }
}

/// The phase-1 inputs both methods derive keys from (RFC 2409 5).
pub(super) struct KeyInputs<'a> {
    pub ni: &'a [u8],
    pub nr: &'a [u8],
    pub gxy: &'a [u8],
    pub gxi: &'a [u8],
    pub gxr: &'a [u8],
}

impl Ike {
    /// SKEYID and the keys after it, by the offer's method.
    pub(super) fn phase1_keys(&self, m: &MainSa, k: &KeyInputs) -> Option<IsakmpKeys> {
        let offer = m.offer?;
        let (ic, rc) = (&m.icookie, &m.rcookie);
        let skeyid = match offer.auth {
            MmAuth::RsaSignature => skeyid_sig(offer.hash, k.ni, k.nr, k.gxy),
            MmAuth::PreSharedKey => {
                skeyid_psk(offer.hash, self.cfg.preshared_key.as_deref()?, k.ni, k.nr)
            }
        };
        Some(derive_from_skeyid(
            offer.hash,
            offer.cipher,
            skeyid,
            k.gxy,
            ic,
            rc,
            k.gxi,
            k.gxr,
        ))
    }

    /// What we authenticate `mains[i]` with; why we cannot, if so.
    pub(super) fn own_identity(&self, m: &MainSa) -> Result<Own, FailureReason> {
        if m.by_key() {
            // Offers with a key are only made or accepted with one.
            return match self.cfg.preshared_key {
                Some(_) => Ok(Own::PreSharedKey {
                    local: *m.local.ip(),
                }),
                None => Err(FailureReason::NoPolicy),
            };
        }
        let id = self
            .cfg
            .identity
            .as_ref()
            .ok_or(FailureReason::NoMachineCertificate)?;
        let me = pki::describe(&id.cert_der).map_err(|_| FailureReason::NoMachineCertificate)?;
        let key = id.key.clone().ok_or(FailureReason::NoPrivateKey)?;
        Ok(Own::Certificate {
            cert_der: id.cert_der.clone(),
            key: Box::new(key),
            me,
        })
    }

    /// HASH_I or HASH_R over the ID payload body `id_b`; `of_initiator`
    /// selects which.
    fn auth_hash(m: &MainSa, of_initiator: bool, id_b: &[u8]) -> Option<Vec<u8>> {
        let (keys, offer) = m.crypto()?;
        let (ic, rc) = (&m.icookie[..], &m.rcookie[..]);
        let parts: [&[u8]; 6] = if of_initiator {
            [&m.gxi, &m.gxr, ic, rc, &m.sa_i_b, id_b]
        } else {
            [&m.gxr, &m.gxi, rc, ic, &m.sa_i_b, id_b]
        };
        Some(prf_parts(offer.hash, &keys.skeyid, &parts))
    }

    /// MM5 or MM6, encrypted on the phase-1 chain.
    pub(super) fn auth_message(&mut self, i: usize, own: &Own) -> Result<Vec<u8>, IkeError> {
        let m = &mut self.mains[i];
        let id = match own {
            Own::Certificate { me, .. } => IdPayload::dn(&me.subject_der),
            Own::PreSharedKey { local } => IdPayload::ipv4(*local, 17, UDP_PORT),
        };
        let mut id_b = Vec::new();
        Payload::Identification(id.clone()).emit_body(&mut id_b)?;
        let hash = Self::auth_hash(m, m.initiator, &id_b)
            .ok_or(IkeError::Unexpected(Unexpected::NoKeys))?;
        let payloads = match own {
            Own::Certificate { cert_der, key, .. } => {
                let sig = pki::sign_hash_raw(key, &hash)
                    .map_err(|_| IkeError::Unexpected(Unexpected::SigningFailed))?;
                vec![
                    Payload::Identification(id),
                    Payload::Certificate(CertPayload {
                        encoding: CertEncoding::X509Signature,
                        data: cert_der.clone(),
                    }),
                    Payload::Signature(sig),
                ]
            }
            Own::PreSharedKey { .. } => vec![Payload::Identification(id), Payload::Hash(hash)],
        };
        let (keys, offer) = m.crypto().ok_or(IkeError::Unexpected(Unexpected::NoKeys))?;
        let hdr = header(
            m.icookie,
            m.rcookie,
            ExchangeType::IdentityProtection,
            0,
            PayloadType::Identification,
            true,
        );
        let chain = super::msg::chain(&payloads)?;
        let (bytes, next) = sealed(hdr, chain, offer.cipher, &keys.enc_key, &m.iv)?;
        m.iv = next;
        Ok(bytes)
    }

    /// Authenticates the peer's MM5 or MM6: its certificate at epoch + now
    /// and its signature, or its HASH with a pre-shared key. `None` when
    /// authenticated by key (no certificate to describe).
    pub(super) fn check_peer(
        &self,
        now: Duration,
        i: usize,
        parsed: &Parsed,
    ) -> Result<Option<PeerCertificate>, Box<AuthFailure>> {
        let m = &self.mains[i];
        if m.by_key() {
            let mismatch = AuthFailure::hash_mismatch;
            let id_b = parsed
                .raw(PayloadType::Identification)
                .ok_or_else(mismatch)?;
            let got = parsed.raw(PayloadType::Hash).ok_or_else(mismatch)?;
            let want = Self::auth_hash(m, !m.initiator, id_b).ok_or_else(mismatch)?;
            return if got == want.as_slice() {
                Ok(None)
            } else {
                Err(mismatch())
            };
        }
        let cert = parsed.find(|p| match p {
            Payload::Certificate(c) if c.encoding == CertEncoding::X509Signature => {
                Some(c.data.clone())
            }
            _ => None,
        });
        let Some(cert) = cert else {
            return Err(Box::new(AuthFailure {
                reason: FailureReason::PeerSentNoCertificate,
                notify: NotifyType::CertificateUnavailable,
                peer_cert: None,
            }));
        };
        let time = self
            .cfg
            .epoch_unix
            .saturating_add(i64::try_from(now.as_secs()).unwrap_or(i64::MAX));
        let peer_cert = pki::validate(&cert, &self.cfg.trusted_roots, time).map_err(|e| {
            Box::new(AuthFailure {
                notify: match e {
                    CertError::UntrustedRoot => NotifyType::InvalidCertAuthority,
                    _ => NotifyType::InvalidCertificate,
                },
                reason: FailureReason::CredentialsUnacceptable(e),
                peer_cert: pki::describe(&cert).ok(),
            })
        })?;
        let sig_failure = || {
            Box::new(AuthFailure {
                reason: FailureReason::SignatureInvalid,
                notify: NotifyType::InvalidSignature,
                peer_cert: Some(peer_cert.clone()),
            })
        };
        let id_b = parsed
            .raw(PayloadType::Identification)
            .ok_or_else(sig_failure)?;
        let sig = parsed.raw(PayloadType::Signature).ok_or_else(sig_failure)?;
        let hash = Self::auth_hash(m, !m.initiator, id_b).ok_or_else(sig_failure)?;
        match pki::verify_hash_raw(&cert, &hash, sig) {
            Ok(()) => Ok(Some(peer_cert)),
            Err(_) => Err(sig_failure()),
        }
    }

    /// The peer failed authentication here: Failed (point Me), an encrypted
    /// Notify to the peer, and the SA lingers to repeat it.
    pub(super) fn auth_failed(&mut self, now: Duration, i: usize, f: AuthFailure) {
        let peer = self.mains[i].peer();
        self.fail(peer, Mode::Main, FailurePoint::Me, f.reason, f.peer_cert);
        let spi = self.mains[i].cookies();
        let notify = self.send_notify(i, ProtocolId::Isakmp, spi, f.notify);
        self.kill_main(now, i);
        self.mains[i].last_out = notify.unwrap_or_default();
    }
}
