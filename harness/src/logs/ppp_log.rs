//! `%windir%\tracing\PPP.LOG` (`netsh ras set tracing ppp enabled`): every
//! control packet PPP sends or receives, dumped, and what the automata
//! decided.
//!
//! Sourced layout: the line prefix `[tid] HH:MM:SS:mmm: ` (KB Q170278,
//! NT4 RRAS), and the packet block of KB Q256509: `PPP packet sent at
//! MM/DD/YYYY HH:MM:SS:mmm`, then `Protocol = PAP, Type = Protocol
//! specific, Length = 0x1b, Id = 0x0, Port = 1`, then 16 bytes per line
//! from the protocol field on (upper-case hex, padded to 48 columns, then
//! `|` and the printable characters), `Length` counting the protocol
//! field, and `<` before the lines of a sent packet. [MODEL] the names of
//! the LCP/CCP/IPCP codes after `Type =` (only PAP's "Protocol specific" is
//! shown there), the thread id, the port number and the decision lines.

use std::fmt::Write as _;

use super::clock::{packet_stamp, tracing_stamp, Clock};
use super::collect::Record;

/// [MODEL] The thread id of the prefix, and the RAS port of the call.
const THREAD: &str = "1f4";
const PORT: u32 = 1;

pub fn render(records: &[&Record], clock: &Clock) -> String {
    let mut o = String::new();
    for r in records {
        let prefix = format!("[{THREAD}] {}: ", tracing_stamp(clock, r.t_us));
        let target = r.target.as_str();
        if target == l2tpsec::trace::PPP && (r.message == "send" || r.message == "receive") {
            packet(&mut o, &prefix, r, clock);
            continue;
        }
        let text = match (target, r.message.as_str()) {
            (t, "layer event") if t == l2tpsec::trace::PPP => {
                format!("{}: {}", r.field("protocol"), layer_event(r.field("event")))
            }
            (t, "authentication event") if t == l2tpsec::trace::CHAP => {
                format!("MS-CHAP v2: {}", r.field("event"))
            }
            (t, "link ending") if t == l2tpsec::trace::PPP => {
                format!("Terminating the link: {}", words(r.field("reason")))
            }
            (t, "link down") if t == l2tpsec::trace::PPP => {
                format!("Link down on port {PORT}: {}", words(r.field("reason")))
            }
            (t, "malformed frame dropped") if t == l2tpsec::trace::PPP => {
                format!("Discarding a malformed frame of {} bytes", r.field("len"))
            }
            _ => continue,
        };
        let _ = writeln!(o, "{prefix}{text}");
    }
    o
}

/// `Up` -> `This-Layer-Up` (RFC 1661 4.4's names); others as they are.
fn layer_event(debug: &str) -> String {
    match debug {
        "Up" => "This-Layer-Up".into(),
        "Down" => "This-Layer-Down".into(),
        "Started" => "This-Layer-Started".into(),
        "Finished" => "This-Layer-Finished".into(),
        "Failed" => "negotiation failed, a required option was refused".into(),
        "TerminateRequested" => "Terminate-Request from the peer".into(),
        other => words(other),
    }
}

/// `PeerLacksEncryption` -> `peer lacks encryption`; the rest as it is.
fn words(debug: &str) -> String {
    let (head, rest) = debug.split_at(debug.find(['(', ' ', '{']).unwrap_or(debug.len()));
    let mut out = String::new();
    for (i, c) in head.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push(' ');
        }
        out.push(c.to_ascii_lowercase());
    }
    out.push_str(rest);
    out
}

fn packet(o: &mut String, prefix: &str, r: &Record, clock: &Clock) {
    let sent = r.message == "send";
    let mark = if sent { "<" } else { "" };
    let bytes = unhex(r.field("hex"));
    let at = packet_stamp(clock, r.t_us);
    let head = if sent {
        "PPP packet sent at"
    } else {
        "PPP packet received at"
    };
    let _ = writeln!(o, "{prefix}{mark}{head} {at}");
    let _ = writeln!(
        o,
        "{prefix}{mark}Protocol = {}, Type = {}, Length = 0x{:x}, Id = 0x{:x}, Port = {PORT}",
        protocol_name(r.number("protocol")),
        type_name(r.number("protocol"), r.number("code")),
        bytes.len(),
        r.number("id")
    );
    for chunk in bytes.chunks(16) {
        let hex: String = chunk.iter().map(|b| format!("{b:02X} ")).collect();
        let text: String = chunk
            .iter()
            .map(|&b| {
                if (0x20..0x7f).contains(&b) {
                    b as char
                } else {
                    '.'
                }
            })
            .collect();
        let _ = writeln!(o, "{prefix}{mark}{hex:<48}|{text:<16}|");
    }
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .filter_map(|i| {
            s.get(2 * i..2 * i + 2)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        })
        .collect()
}

/// RFC 1661 protocol numbers (C021 LCP, C223 CHAP, 80FD CCP, 8021 IPCP).
fn protocol_name(p: u64) -> String {
    match p {
        0xc021 => "LCP".into(),
        0xc223 => "CHAP".into(),
        0x80fd => "CCP".into(),
        0x8021 => "IPCP".into(),
        n => format!("0x{n:x}"),
    }
}

/// RFC 1661 5 codes (LCP, and CCP/IPCP's 1-7); CHAP's are "Protocol
/// specific", as PPP.LOG calls PAP's.
fn type_name(protocol: u64, code: u64) -> String {
    if protocol == 0xc223 {
        return "Protocol specific".into();
    }
    match code {
        1 => "Configure-Req".into(),
        2 => "Configure-Ack".into(),
        3 => "Configure-Nak".into(),
        4 => "Configure-Reject".into(),
        5 => "Terminate-Req".into(),
        6 => "Terminate-Ack".into(),
        7 => "Code-Reject".into(),
        8 if protocol == 0xc021 => "Protocol-Reject".into(),
        9 if protocol == 0xc021 => "Echo-Request".into(),
        10 if protocol == 0xc021 => "Echo-Reply".into(),
        11 if protocol == 0xc021 => "Discard-Request".into(),
        14 if protocol == 0x80fd => "Reset-Req".into(),
        15 if protocol == 0x80fd => "Reset-Ack".into(),
        n => format!("Code {n}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_packet_block_has_the_layout_of_kb_q256509() {
        let r = Record {
            host: "client".into(),
            t_us: 0,
            target: l2tpsec::trace::PPP.into(),
            level: tracing::Level::TRACE,
            message: "send".into(),
            fields: vec![
                ("protocol".into(), "49185".into()),
                ("code".into(), "1".into()),
                ("id".into(), "0".into()),
                ("hex".into(), "c02101000008010405dc00".into()),
            ],
        };
        let clock = Clock {
            epoch_unix_micros: 1_177_322_400_000_000,
        };
        let got = render(&[&r], &clock);
        assert_eq!(
            got,
            "[1f4] 10:00:00:000: <PPP packet sent at 04/23/2007 10:00:00:000\n\
             [1f4] 10:00:00:000: <Protocol = LCP, Type = Configure-Req, Length = 0xb, Id = 0x0, Port = 1\n\
             [1f4] 10:00:00:000: <C0 21 01 00 00 08 01 04 05 DC 00                |.!.........     |\n"
        );
    }
}
