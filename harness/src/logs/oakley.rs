//! `%windir%\debug\oakley.log`, the IKE log `EnableLogging` turns on
//! (Services\PolicyAgent\Oakley; `netsh ipsec dynamic set config
//! ikelogging 1` on Server 2003).
//!
//! [MODEL] No public source shows this log's lines verbatim (issue 12's
//! research, README "Traces and Windows logs"): the layout here is ours,
//! shaped after what engineers describe (a line per step, a header dump
//! per packet, "Phase 1 SA accepted" / "Phase 2 SA accepted" when all is
//! well). The status codes and their texts are Windows' (WINDOWS.md 3,
//! winerror.h: 0x35EA attributes unacceptable, 0x35ED timed out, 0x35F5
//! no response from peer).

use std::fmt::Write as _;

use l2tpsec::windows::catalog::{self, Locale};

use super::clock::{oakley_stamp, Clock};
use super::collect::Record;

/// [MODEL] The thread id in every line's prefix.
const THREAD: &str = "5c8";

/// The log of one host: its IKE records, in order.
pub fn render(records: &[&Record], clock: &Clock) -> String {
    let mut o = String::new();
    for r in records.iter().filter(|r| r.target == l2tpsec::trace::IKE) {
        let stamp = oakley_stamp(clock, r.t_us);
        let mut line = |text: &str| {
            let _ = writeln!(o, "{stamp}:{THREAD} {text}");
        };
        match r.message.as_str() {
            "receive" | "send" => {
                let sa = r
                    .field("icookie")
                    .get(..8)
                    .unwrap_or("00000000")
                    .to_string();
                if r.message == "receive" {
                    line(&format!(
                        "Receive: (get) SA = 0x{sa} from {}",
                        dotted(r.field("from"))
                    ));
                } else {
                    line(&format!(
                        "Sending: SA = 0x{sa} to {}",
                        dotted(r.field("to"))
                    ));
                }
                line(&format!("ISAKMP Header: (V1.0), len = {}", r.field("len")));
                line(&format!("  I-COOKIE {}", r.field("icookie")));
                line(&format!("  R-COOKIE {}", r.field("rcookie")));
                line(&format!("  exchange: {}", exchange(r.number("exchange"))));
                line(&format!("  flags: {}", r.field("flags")));
                line(&format!(
                    "  next payload: {}",
                    payload(r.number("next_payload"))
                ));
                line(&format!("  message ID: {:08x}", r.number("message_id")));
            }
            "send keepalive" => line(&format!(
                "Sending NAT-T keepalive to {}",
                dotted(r.field("to"))
            )),
            "main mode transform checked" => {
                let (p, t) = (r.field("proposal"), r.field("transform"));
                if r.field("mismatch") == "unsupported" {
                    line(&format!(
                        "Proposal {p}, transform {t}: attributes this machine does not implement"
                    ));
                    line(&format!("  transform {t} rejected"));
                    continue;
                }
                line(&format!(
                    "Proposal {p}, transform {t}: {} {} DH group {} {} lifetime {}s",
                    cipher(r.field("encryption")),
                    hash(r.field("hash")),
                    r.field("group"),
                    auth(r.field("authentication")),
                    r.field("lifetime"),
                ));
                match r.field("mismatch") {
                    "" => line(&format!("  transform {t} matches the Main Mode policy")),
                    m => line(&format!(
                        "  transform {t} rejected: no Main Mode security method of the policy has this {m}"
                    )),
                }
            }
            "main mode policy" => line(&format!(
                "Main Mode policy, security method {}: {} {} DH group {} {} lifetime {}s",
                r.field("method"),
                cipher(r.field("encryption")),
                hash(r.field("hash")),
                r.field("group"),
                auth(r.field("authentication")),
                r.field("lifetime"),
            )),
            "main mode proposal accepted" => line(&format!(
                "Phase 1 SA accepted: transform={}",
                r.field("transform")
            )),
            "no main mode proposal chosen" => {
                line(&format!(
                    "None of the {} transforms offered is acceptable: sending NO-PROPOSAL-CHOSEN",
                    r.field("transforms")
                ));
            }
            "main mode retransmit" | "quick mode retransmit" => {
                let mode = if r.message.starts_with("main") {
                    "Main Mode"
                } else {
                    "Quick Mode"
                };
                line(&format!(
                    "Retransmit: {mode} packet to {}, resend {} of {}",
                    dotted(r.field("to")),
                    r.field("resend"),
                    r.field("of")
                ));
            }
            "negotiation failed" => {
                let code = r.number("status");
                let text = catalog::render(Locale::EnUs, &format!("ike.reason.{code}"), &[]);
                line(&format!(
                    "ProcessFailure: {} Mode with {}, failure point {}: status {:x} ({text})",
                    r.field("mode"),
                    r.field("peer"),
                    r.field("point"),
                    code
                ));
            }
            "main mode established" => line(&format!(
                "Main Mode SA established with {}: {} {} DH group {}",
                r.field("peer"),
                cipher(r.field("encryption")),
                hash(r.field("hash")),
                r.field("group")
            )),
            "quick mode established" => line(&format!(
                "Phase 2 SA accepted with {}: inbound SPI 0x{:08x}, outbound SPI 0x{:08x}",
                r.field("peer"),
                r.number("inbound_spi"),
                r.number("outbound_spi")
            )),
            _ => {}
        }
    }
    o
}

/// `a.b.c.d.port`, as Windows IKE writes a socket address [MODEL].
fn dotted(socket: &str) -> String {
    socket.replacen(':', ".", 1)
}

fn exchange(t: u64) -> String {
    // RFC 2408 3.1, RFC 2409 5.5.
    match t {
        2 => "Oakley Main Mode".into(),
        4 => "Oakley Aggressive Mode".into(),
        5 => "ISAKMP Informational Exchange".into(),
        32 => "Oakley Quick Mode".into(),
        n => format!("exchange {n}"),
    }
}

fn payload(t: u64) -> String {
    // RFC 2408 3.1 payload types; 20 NAT-D, 21 NAT-OA (RFC 3947).
    match t {
        0 => "NONE".into(),
        1 => "SA".into(),
        4 => "KE".into(),
        5 => "ID".into(),
        6 => "CERT".into(),
        7 => "CERT_REQ".into(),
        8 => "HASH".into(),
        9 => "SIG".into(),
        10 => "NONCE".into(),
        11 => "NOTIFY".into(),
        12 => "DELETE".into(),
        13 => "VENDOR".into(),
        20 => "NAT-D".into(),
        n => format!("{n}"),
    }
}

/// The names of WINDOWS.md 3's audit parameters where it has them.
fn cipher(debug: &str) -> &str {
    match debug {
        "TripleDes" => "3DES",
        "Des" => "DES",
        "Aes128" => "AES-128",
        "Aes192" => "AES-192",
        "Aes256" => "AES-256",
        other => other,
    }
}

fn hash(debug: &str) -> &str {
    match debug {
        "Sha1" => "SHA",
        "Md5" => "MD5",
        other => other,
    }
}

fn auth(debug: &str) -> &str {
    match debug {
        "RsaSignature" => "RSA signature",
        "PreSharedKey" => "preshared key",
        other => other,
    }
}
