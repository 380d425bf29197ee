//! The IPsec audits of Vista and later: 4650/4651 (Main Mode up, key or
//! certificate), 4652/4653 (Main Mode failed, with or without a
//! certificate), 4654 (Quick Mode failed), 4655 (Main Mode ended), 5451
//! (Quick Mode up) and 5452 (Quick Mode ended), source
//! Microsoft-Windows-Security-Auditing, each written only when the
//! host's audit policy turns its subcategory on (`auditpol /set
//! /subcategory:"IPsec Main Mode"`; the default policy leaves both off).
//! Arguments in the order of the provider manifest's fields; the texts
//! are the catalog's `security.4650`.. (sources in `catalog/audits.rs`).
//!
//! [MODEL]: the SA ids count from 1 per machine as Windows' LUIDs do not;
//! the Main Mode filter id is 65 and a Quick Mode filter's 66 + its rule;
//! a pre-shared key's principal names are "-", as the one public record
//! of an L2TP 4653 shows; the lab writes 4654, 5451 and 5452 in their
//! version 1 (Windows 7 on) for Vista as well.

use core::time::Duration;
use std::net::{Ipv4Addr, SocketAddrV4};

use super::super::config::AuditSubcategory;
use super::super::eventlog::{Arg, Event, EventType, Log};
use crate::crypto::cbc::CbcCipher;
use crate::crypto::dh::DhGroup;
use crate::crypto::ike_keys::PrfHash;
use crate::crypto::integ::IntegAlg;
use crate::crypto::pki::PeerCertificate;
use crate::ike::{FailedExchange, FailurePoint, FailureReason, MmAuth, Mode};
use crate::ipsec::sa::SaParams;

const SOURCE: &str = "Microsoft-Windows-Security-Auditing";
const KEYING_MODULE: &str = "IKEv1";
const MAIN_MODE_FILTER: u64 = 65;
const QUICK_MODE_FILTER_BASE: u64 = 66;
/// IANA protocol number of UDP, the L2TP selectors' protocol.
const UDP: u8 = 17;

/// A Main Mode SA that came up, as IKE reported it.
pub(super) struct MainModeUp<'a> {
    pub local: SocketAddrV4,
    pub remote: SocketAddrV4,
    pub initiator: bool,
    pub auth: MmAuth,
    pub cipher: CbcCipher,
    pub hash: PrfHash,
    pub group: DhGroup,
    pub lifetime_secs: u32,
    pub my_cert: Option<&'a PeerCertificate>,
    pub peer_cert: Option<&'a PeerCertificate>,
}

/// A Quick Mode SA pair that came up.
pub(super) struct QuickModeUp<'a> {
    pub peer: Ipv4Addr,
    pub rule: usize,
    pub initiator: bool,
    /// Selectors: this side's, the peer's.
    pub local: SocketAddrV4,
    pub remote: SocketAddrV4,
    pub peer_original: Option<Ipv4Addr>,
    pub inbound: &'a SaParams,
    pub outbound: &'a SaParams,
    pub lifetime_secs: u32,
    pub lifetime_kb: u32,
}

/// A failed negotiation.
pub(super) struct Failure<'a> {
    pub peer: Ipv4Addr,
    /// The address the route to the peer leaves by, for failures before
    /// any message.
    pub local: Ipv4Addr,
    pub mode: Mode,
    pub point: FailurePoint,
    pub reason: &'a FailureReason,
    pub at: Option<&'a FailedExchange>,
    pub my_cert: Option<&'a PeerCertificate>,
    pub peer_cert: Option<&'a PeerCertificate>,
}

#[derive(Debug, Clone)]
struct QuickSaUp {
    id: u64,
    inbound_spi: u32,
    local: SocketAddrV4,
    remote: SocketAddrV4,
}

/// One machine's audit policy and the SA ids its audits name.
#[derive(Debug, Clone, Default)]
pub(super) struct SubcategoryAudits {
    main_mode: bool,
    quick_mode: bool,
    next_id: u64,
    /// Main Mode SAs up: peer, id.
    mains: Vec<(Ipv4Addr, u64)>,
    quicks: Vec<QuickSaUp>,
}

impl SubcategoryAudits {
    /// `subcategories` on a build that has them; none written otherwise.
    pub fn new(build_has_them: bool, subcategories: &[AuditSubcategory]) -> Self {
        SubcategoryAudits {
            main_mode: build_has_them && subcategories.contains(&AuditSubcategory::IpsecMainMode),
            quick_mode: build_has_them && subcategories.contains(&AuditSubcategory::IpsecQuickMode),
            ..SubcategoryAudits::default()
        }
    }

    fn id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    fn main_id(&self, peer: Ipv4Addr) -> u64 {
        self.mains
            .iter()
            .rev()
            .find(|(p, _)| *p == peer)
            .map_or(0, |(_, id)| *id)
    }

    /// 4650 with a key, 4651 with certificates.
    pub fn main_mode_up(&mut self, now: Duration, up: MainModeUp<'_>) -> Option<Event> {
        let peer = *up.remote.ip();
        let id = self.id();
        self.mains.retain(|(p, _)| *p != peer);
        self.mains.push((peer, id));
        if !self.main_mode {
            return None;
        }
        let endpoints = [
            up.local.ip().to_string().into(),
            up.local.port().to_string().into(),
            up.remote.ip().to_string().into(),
            up.remote.port().to_string().into(),
        ];
        let crypto = [
            KEYING_MODULE.into(),
            auth_method(Some(up.auth)),
            cipher_name(Some(up.cipher)).into(),
            hash_name(up.hash).into(),
            group_name(up.group).into(),
            (up.lifetime_secs / 60).to_string().into(),
            "0".into(),
            role(up.initiator),
            Arg::catalog("audit.impersonation.off"),
            MAIN_MODE_FILTER.to_string().into(),
            id.to_string().into(),
        ];
        let (event, args): (u32, Vec<Arg>) = match up.auth {
            MmAuth::PreSharedKey => (
                4650,
                [principal(None), principal(None)]
                    .into_iter()
                    .chain(endpoints)
                    .chain(crypto)
                    .collect(),
            ),
            MmAuth::RsaSignature => (
                4651,
                certificate_block(up.my_cert)
                    .into_iter()
                    .chain(certificate_block(up.peer_cert))
                    .chain(endpoints)
                    .chain(crypto)
                    .collect(),
            ),
        };
        Some(event_of(now, event, EventType::SuccessAudit, args))
    }

    /// 5451.
    pub fn quick_mode_up(&mut self, now: Duration, up: QuickModeUp<'_>) -> Option<Event> {
        let id = self.id();
        let main = self.main_id(up.peer);
        self.quicks.push(QuickSaUp {
            id,
            inbound_spi: up.inbound.spi,
            local: up.local,
            remote: up.remote,
        });
        if !self.quick_mode {
            return None;
        }
        let args: Vec<Arg> = vec![
            up.local.ip().to_string().into(),
            HOST_MASK.into(),
            up.local.port().to_string().into(),
            "-".into(),
            up.remote.ip().to_string().into(),
            HOST_MASK.into(),
            up.remote.port().to_string().into(),
            up.peer_original
                .map_or("-".to_string(), |a| a.to_string())
                .into(),
            "-".into(),
            UDP.to_string().into(),
            KEYING_MODULE.into(),
            "-".into(),
            esp_integrity_name(up.outbound.integ).into(),
            up.outbound
                .cipher
                .map_or("-", |c| cipher_name(Some(c)))
                .into(),
            up.lifetime_secs.to_string().into(),
            up.lifetime_kb.to_string().into(),
            "0".into(),
            Arg::catalog("audit.mode.transport"),
            role(up.initiator),
            quick_filter(up.rule).into(),
            main.to_string().into(),
            id.to_string().into(),
            up.inbound.spi.to_string().into(),
            up.outbound.spi.to_string().into(),
            "0".into(),
            "0".into(),
        ];
        Some(event_of(now, 5451, EventType::SuccessAudit, args))
    }

    /// 4652 when a certificate was involved, 4653 otherwise; 4654 for a
    /// Quick Mode.
    pub fn failed(&mut self, now: Duration, f: Failure<'_>) -> Option<Event> {
        let at = f.at;
        let local = at.map_or(SocketAddrV4::new(f.local, super::IKE_PORT), |a| a.local);
        let remote = at.map_or(SocketAddrV4::new(f.peer, super::IKE_PORT), |a| a.remote);
        let point = Arg::catalog(match f.point {
            FailurePoint::Me => "audit.point.local",
            FailurePoint::Peer => "audit.point.remote",
        });
        let reason = Arg::catalog(format!("ike.reason.{}", f.reason.code()));
        let initiator = at.is_none_or(|a| a.initiator);
        let sent = at.map_or(0, |a| a.sent);
        if f.mode == Mode::Quick {
            if !self.quick_mode {
                return None;
            }
            let quick = at.and_then(|a| a.quick);
            let sel_local = quick.map_or(SocketAddrV4::new(f.local, 0), |q| q.local);
            let sel_remote = quick.map_or(SocketAddrV4::new(f.peer, 0), |q| q.remote);
            let args: Vec<Arg> = vec![
                sel_local.ip().to_string().into(),
                HOST_MASK.into(),
                sel_local.port().to_string().into(),
                "-".into(),
                sel_remote.ip().to_string().into(),
                HOST_MASK.into(),
                sel_remote.port().to_string().into(),
                "-".into(),
                UDP.to_string().into(),
                "-".into(),
                KEYING_MODULE.into(),
                point,
                reason,
                Arg::catalog("audit.mode.transport"),
                Arg::catalog(match sent {
                    0 => "audit.state.none",
                    1 => "audit.state.qm1",
                    _ => "audit.state.qm-final",
                }),
                role(initiator),
                quick.map_or(0, |q| q.message_id).to_string().into(),
                quick_filter(quick.map_or(0, |q| q.rule)).into(),
                self.main_id(f.peer).to_string().into(),
                "0".into(),
                "0".into(),
            ];
            return Some(event_of(now, 4654, EventType::FailureAudit, args));
        }
        if !self.main_mode {
            return None;
        }
        let auth = at.and_then(|a| a.auth);
        let with_certificate = auth == Some(MmAuth::RsaSignature) || f.peer_cert.is_some();
        let endpoints = [
            local.ip().to_string().into(),
            local.port().to_string().into(),
            remote.ip().to_string().into(),
            remote.port().to_string().into(),
        ];
        let cookie = |c: Option<[u8; 8]>| -> Arg { hex(&c.unwrap_or([0; 8])).into() };
        let tail = [
            auth_method(auth),
            Arg::catalog(match sent {
                0 => "audit.state.none",
                1 => "audit.state.mm1",
                2 => "audit.state.mm2",
                _ => "audit.state.mm3",
            }),
            role(initiator),
            Arg::catalog("audit.impersonation.off"),
            MAIN_MODE_FILTER.to_string().into(),
            cookie(at.map(|a| a.icookie)),
            cookie(at.map(|a| a.rcookie)),
        ];
        let (event, args): (u32, Vec<Arg>) = if with_certificate {
            (
                4652,
                certificate_block(f.my_cert)
                    .into_iter()
                    .chain(certificate_block(f.peer_cert))
                    .chain(endpoints)
                    .chain([KEYING_MODULE.into(), point, reason])
                    .chain(tail)
                    .collect(),
            )
        } else {
            (
                4653,
                [principal(None), principal(None)]
                    .into_iter()
                    .chain(endpoints)
                    .chain([KEYING_MODULE.into(), point, reason])
                    .chain(tail)
                    .collect(),
            )
        };
        Some(event_of(now, event, EventType::FailureAudit, args))
    }

    /// 4655.
    pub fn main_mode_ended(
        &mut self,
        now: Duration,
        local: Ipv4Addr,
        peer: Ipv4Addr,
    ) -> Option<Event> {
        let id = self.main_id(peer);
        self.mains.retain(|(p, _)| *p != peer);
        if !self.main_mode || id == 0 {
            return None;
        }
        let args: Vec<Arg> = vec![
            local.to_string().into(),
            peer.to_string().into(),
            KEYING_MODULE.into(),
            id.to_string().into(),
        ];
        Some(event_of(now, 4655, EventType::SuccessAudit, args))
    }

    /// 5452, for the pair whose inbound SPI is `inbound_spi`.
    pub fn quick_mode_ended(&mut self, now: Duration, inbound_spi: Option<u32>) -> Option<Event> {
        let index = self
            .quicks
            .iter()
            .position(|q| Some(q.inbound_spi) == inbound_spi)?;
        let q = self.quicks.remove(index);
        if !self.quick_mode {
            return None;
        }
        let args: Vec<Arg> = vec![
            q.local.ip().to_string().into(),
            HOST_MASK.into(),
            q.local.port().to_string().into(),
            "-".into(),
            q.remote.ip().to_string().into(),
            HOST_MASK.into(),
            q.remote.port().to_string().into(),
            "-".into(),
            UDP.to_string().into(),
            q.id.to_string().into(),
            "0".into(),
            "0".into(),
        ];
        Some(event_of(now, 5452, EventType::SuccessAudit, args))
    }
}

const HOST_MASK: &str = "255.255.255.255";

fn event_of(now: Duration, id: u32, kind: EventType, args: Vec<Arg>) -> Event {
    Event {
        log: Log::Security,
        id,
        source: SOURCE,
        kind,
        time: now,
        args,
    }
}

fn principal(cert: Option<&PeerCertificate>) -> Arg {
    cert.map_or("-".to_string(), |c| c.subject.clone()).into()
}

/// Principal name, SHA thumbprint, issuing CA, root CA.
fn certificate_block(cert: Option<&PeerCertificate>) -> [Arg; 4] {
    match cert {
        Some(c) => [
            principal(Some(c)),
            c.thumbprint
                .iter()
                .map(|b| format!("{b:02X}"))
                .collect::<String>()
                .into(),
            c.issuer.clone().into(),
            if c.root.is_empty() {
                &c.issuer
            } else {
                &c.root
            }
            .clone()
            .into(),
        ],
        None => ["-".into(), "-".into(), "-".into(), "-".into()],
    }
}

fn role(initiator: bool) -> Arg {
    Arg::catalog(if initiator {
        "audit.role.initiator"
    } else {
        "audit.role.responder"
    })
}

fn auth_method(auth: Option<MmAuth>) -> Arg {
    Arg::catalog(match auth {
        Some(MmAuth::PreSharedKey) => "audit.auth.psk",
        Some(MmAuth::RsaSignature) => "audit.auth.certificate",
        None => "audit.auth.unknown",
    })
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// msobjs.dll's names (%%8195-8198, 8235-8237).
fn cipher_name(c: Option<CbcCipher>) -> &'static str {
    match c {
        Some(CbcCipher::Des) => "DES",
        Some(CbcCipher::TripleDes) => "3DES",
        Some(CbcCipher::Aes128) => "AES-128",
        Some(CbcCipher::Aes192) => "AES-192",
        Some(CbcCipher::Aes256) => "AES-256",
        None => "-",
    }
}

fn hash_name(h: PrfHash) -> &'static str {
    match h {
        PrfHash::Md5 => "MD5",
        PrfHash::Sha1 => "SHA1",
    }
}

/// The Quick Mode block of msobjs.dll spells SHA-1 with a hyphen
/// (%%16393) [inference: which block 5451 uses is not documented].
fn esp_integrity_name(i: IntegAlg) -> &'static str {
    match i {
        IntegAlg::HmacMd5_96 => "MD5",
        IntegAlg::HmacSha1_96 => "SHA-1",
    }
}

/// %%8230-8234.
fn group_name(g: DhGroup) -> &'static str {
    match g {
        DhGroup::Modp768 => "DH group 1",
        DhGroup::Modp1024 => "DH group 2",
        DhGroup::Modp2048 => "DH group 14",
        DhGroup::Ecp256 => "DH group ECP 256",
        DhGroup::Ecp384 => "DH group ECP 384",
    }
}

fn quick_filter(rule: usize) -> String {
    (QUICK_MODE_FILTER_BASE + u64::try_from(rule).unwrap_or(0)).to_string()
}
