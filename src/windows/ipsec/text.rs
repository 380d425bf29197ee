//! What the IPsec components print: the blocks of the IKE audits, tshark
//! key lines, and the `netdiag` / `netsh` views [MODEL layouts].

use core::time::Duration;
use std::net::Ipv4Addr;

use super::super::eventlog::{Arg, Event, EventType, Log};
use super::{IpsecComponents, NicOffload, UDP};
use crate::crypto::cbc::CbcCipher;
use crate::crypto::ike_keys::PrfHash;
use crate::crypto::integ::IntegAlg;
use crate::crypto::pki::PeerCertificate;
use crate::ipsec::sa::SaParams;
use crate::ipsec::AddrMatch;
use std::net::SocketAddrV4;

impl IpsecComponents {
    pub(super) fn filter_block(
        &self,
        peer: Ipv4Addr,
        selector: Option<(SocketAddrV4, SocketAddrV4)>,
    ) -> Arg {
        let all = "255.255.255.255".to_string();
        let (src, dst, proto, sport, dport) = match selector {
            Some((l, r)) => (
                l.ip().to_string(),
                r.ip().to_string(),
                UDP.to_string(),
                l.port().to_string(),
                r.port().to_string(),
            ),
            // Main mode filters are address pairs.
            None => (
                self.local_for(peer).to_string(),
                peer.to_string(),
                "0".into(),
                "0".into(),
                "0".into(),
            ),
        };
        let args = [
            src,
            all.clone(),
            dst,
            all,
            proto,
            sport,
            dport,
            self.local_for(peer).to_string(),
            peer.to_string(),
        ];
        Arg::nested("ike.filter", args.into_iter().map(Arg::Text).collect())
    }

    pub(super) fn identity_block(
        peer: Ipv4Addr,
        peer_cert: Option<&PeerCertificate>,
        mine: Option<&PeerCertificate>,
    ) -> Arg {
        match peer_cert {
            Some(p) => Arg::nested(
                "ike.identity.cert",
                [
                    p.subject.clone(),
                    hex_upper(&p.thumbprint),
                    p.issuer.clone(),
                    p.root.clone(),
                    mine.map(|m| m.subject.clone()).unwrap_or_default(),
                    mine.map(|m| hex_upper(&m.thumbprint)).unwrap_or_default(),
                    peer.to_string(),
                ]
                .into_iter()
                .map(Arg::Text)
                .collect(),
            ),
            None => Arg::nested("ike.identity.none", vec![peer.to_string().into()]),
        }
    }

    /// `netdiag /test:ipsec /v /debug` (WINDOWS.md 5) [MODEL layout].
    pub fn netdiag(&self) -> String {
        let mut out = String::from("    IP Security test . . . . . . . . . : Passed\n");
        if !self.agent_running {
            out = String::from("    IP Security test . . . . . . . . . : Failed\n        IPSec Policy Agent service is not running.\n");
            return out;
        }
        match &self.policy {
            None => {
                out.push_str("        IPSec policy service is active, but no policy is assigned.\n")
            }
            Some(p) => {
                out.push_str(&format!(
                    "        Local IPSec Policy Active: '{}'\n",
                    p.name
                ));
                out.push_str(&format!("        There are {} filters\n", p.filters.len()));
                for f in &p.filters {
                    out.push_str(&format!("        {}\n", f.name));
                    let addr = |a: &AddrMatch| match a {
                        AddrMatch::Any => ("0.0.0.0", "0.0.0.0".to_string()),
                        AddrMatch::Addr(x) => ("255.255.255.255", x.to_string()),
                        AddrMatch::Me => ("255.255.255.255", "0.0.0.0".to_string()),
                    };
                    let (smask, saddr) = addr(&f.src);
                    let (dmask, daddr) = addr(&f.dst);
                    out.push_str(&format!(
                        "            Src Addr : {saddr}\n            Src Mask : {smask}\n            Dest Addr : {daddr}\n            Dest Mask : {dmask}\n            Tunnel Addr : 0.0.0.0\n            Src Port : {}\n            Dest Port : {}\n            Protocol : {}\n            TunnelFilter: No\n            Flags : Inbound Outbound Negotiate{}\n",
                        f.src_port.unwrap_or(0),
                        f.dst_port.unwrap_or(0),
                        f.protocol.unwrap_or(0),
                        if f.mirrored { " Mirrored" } else { "" },
                    ));
                }
            }
        }
        out
    }

    /// `netsh int ip show offload` [MODEL layout].
    pub fn netsh_offload(&self, interface: &str) -> String {
        let mut out = format!("Interface 1: {interface}\n\n");
        out.push_str("ipv4 transmit checksums supported.\nipv4 receive checksums supported.\n");
        if self.offload != NicOffload::None {
            out.push_str("ipsec transport esp offloads supported.\n");
            if !self.enable_offload {
                out.push_str("(IPSEC\\EnableOffload = 0: the IPsec driver does not use them.)\n");
            }
        }
        out
    }
}

pub(super) fn audit(now: Duration, id: u32, kind: EventType, args: Vec<Arg>) -> Event {
    Event {
        log: Log::Security,
        id,
        source: "Security",
        kind,
        time: now,
        args,
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
