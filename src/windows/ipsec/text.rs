//! The texts the IPsec components print: audit events, certificate and
//! algorithm names, tshark key lines [MODEL layouts].

use core::time::Duration;
use std::net::Ipv4Addr;

use super::super::eventlog::{Arg, Event, EventType, Log};
use super::super::version::IkeAudits;
use crate::crypto::cbc::CbcCipher;
use crate::crypto::ike_keys::PrfHash;
use crate::crypto::integ::IntegAlg;
use crate::ipsec::sa::SaParams;

/// A Security log IKE audit, its id picked from the row's audits when
/// the build writes them (`Profile::ike_audits`).
pub(super) struct IkeAudit {
    pub id: fn(&IkeAudits) -> u32,
    pub event: Event,
}

impl IkeAudit {
    /// The event, or none where the build's audit policy writes none.
    pub fn written(self, audits: Option<&IkeAudits>) -> Option<Event> {
        audits.map(|a| Event {
            id: (self.id)(a),
            ..self.event
        })
    }
}

pub(super) fn audit(
    now: Duration,
    id: fn(&IkeAudits) -> u32,
    kind: EventType,
    args: Vec<Arg>,
) -> IkeAudit {
    IkeAudit {
        id,
        event: Event {
            log: Log::Security,
            id: 0,
            source: "Security",
            kind,
            time: now,
            args,
        },
    }
}

pub(super) fn cert_status(e: &crate::crypto::pki::CertError) -> Arg {
    use crate::crypto::pki::CertError;
    match e {
        CertError::Expired => Arg::catalog("ike.status.expired"),
        CertError::NotYetValid => Arg::catalog("ike.status.not-yet-valid"),
        CertError::UntrustedRoot => Arg::catalog("ike.status.untrusted-root"),
        other => format!("{other:?}").into(),
    }
}

pub(super) fn cipher_name(c: Option<CbcCipher>) -> &'static str {
    match c {
        Some(CbcCipher::TripleDes) => "Triple DES CBC",
        Some(CbcCipher::Des) => "DES CBC",
        Some(CbcCipher::Aes128) => "AES-128",
        Some(CbcCipher::Aes192) => "AES-192",
        Some(CbcCipher::Aes256) => "AES-256",
        None => "None",
    }
}

pub(super) fn hash_name(h: PrfHash) -> &'static str {
    match h {
        PrfHash::Md5 => "MD5",
        PrfHash::Sha1 => "SHA",
    }
}

pub(super) fn integ_name(i: IntegAlg) -> &'static str {
    match i {
        IntegAlg::HmacMd5_96 => "MD5",
        IntegAlg::HmacSha1_96 => "SHA",
    }
}

/// One ESP SA in tshark's `esp_sa` table syntax (SCENARIOS.md `--keys`);
/// an address `None` is tshark's wildcard `*`.
pub(super) fn esp_key_line(src: Option<Ipv4Addr>, dst: Option<Ipv4Addr>, sa: &SaParams) -> String {
    let addr = |a: Option<Ipv4Addr>| a.map_or("*".to_string(), |a| a.to_string());
    let (src, dst) = (addr(src), addr(dst));
    let cipher = match sa.cipher {
        Some(CbcCipher::TripleDes) => "TripleDES-CBC [RFC2451]",
        Some(CbcCipher::Des) => "DES-CBC [RFC2405]",
        Some(CbcCipher::Aes128) | Some(CbcCipher::Aes192) | Some(CbcCipher::Aes256) => {
            "AES-CBC [RFC3602]"
        }
        None => "NULL",
    };
    let auth = match sa.integ {
        IntegAlg::HmacSha1_96 => "HMAC-SHA-1-96 [RFC2404]",
        IntegAlg::HmacMd5_96 => "HMAC-MD5-96 [RFC2403]",
    };
    format!(
        "uat:esp_sa:\"IPv4\",\"{src}\",\"{dst}\",\"0x{:08x}\",\"{cipher}\",\"0x{}\",\"{auth}\",\"0x{}\"",
        sa.spi,
        hex_lower(&sa.enc_key),
        hex_lower(&sa.auth_key)
    )
}

pub(super) fn hex_lower(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

pub(super) fn hex_upper(b: &[u8]) -> String {
    b.iter()
        .map(|x| format!("{x:02X}"))
        .collect::<Vec<_>>()
        .join(" ")
}
