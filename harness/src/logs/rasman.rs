//! `%windir%\tracing\RASMAN.LOG` (`netsh ras set tracing rasman enabled`):
//! the connection manager's view: dials, the L2TP and PPTP control
//! messages of the tunnel, results, and on a server what RRAS logged.
//!
//! [MODEL] Public sources confirm the file and the `[tid] HH:MM:SS:mmm: `
//! prefix of RAS tracing (KB Q170278) but show none of its lines; these
//! lines are ours.

use std::fmt::Write as _;

use super::clock::{tracing_stamp, Clock};
use super::collect::Record;

/// [MODEL] The thread id of the prefix.
const THREAD: &str = "2a8";

pub fn render(records: &[&Record], clock: &Clock) -> String {
    let mut o = String::new();
    for r in records {
        let t = r.target.as_str();
        let text = if t == l2tpsec::trace::RAS {
            match r.message.as_str() {
                "dialling" => format!(
                    "RasDial: {} connection to {}",
                    match r.field("connectoid") {
                        "Automatic" => "Automatic (L2TP, then PPTP)".to_string(),
                        other => other.to_uppercase(),
                    },
                    r.field("server")
                ),
                "connected" => format!(
                    "Connected: local address {}, server {}",
                    r.field("address"),
                    r.field("server")
                ),
                "dial failed" => format!(
                    "Dial failed over {}: error {}",
                    r.field("protocol").to_uppercase(),
                    r.field("error")
                ),
                _ => continue,
            }
        } else if t == l2tpsec::trace::L2TP {
            let dir = if r.message == "send" {
                "Sent"
            } else {
                "Received"
            };
            let to = if r.message == "send" { "to" } else { "from" };
            format!(
                "L2TP: {dir} {} {to} {} (tunnel {}, session {}, Ns {}, Nr {})",
                r.field("kind"),
                r.field("peer"),
                r.field("tunnel"),
                r.field("session"),
                r.field("ns"),
                r.field("nr")
            )
        } else if t == l2tpsec::trace::PPTP {
            let dir = if r.message == "send" {
                "Sent"
            } else {
                "Received"
            };
            format!("PPTP: {dir} {}", r.field("kind"))
        } else if t == l2tpsec::trace::RRAS && r.message == "logged" {
            format!("RRAS: {}", r.field("event"))
        } else {
            continue;
        };
        let _ = writeln!(o, "[{THREAD}] {}: {text}", tracing_stamp(clock, r.t_us));
    }
    o
}
