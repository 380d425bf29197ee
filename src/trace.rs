//! Engine traces (issue 12): every engine emits `tracing` events under one
//! of these targets, inside the span `host` (fields `name`, the host, and
//! `t_us`, the simulated time in microseconds) that the network model
//! enters for each host's turn. A decision is a `debug` event, each packet
//! a `trace` event. Events only describe: no engine reads anything back,
//! so a run is the same with or without a subscriber.
//!
//! The harness renders them as the logs a Windows machine writes
//! (oakley.log, PPP.LOG, RASMAN.LOG) and prints them for `--trace`.

use core::time::Duration;

/// IKE (Oakley): packets, proposals compared, retransmissions, failures.
pub const IKE: &str = "ike";
/// The IPsec driver: ESP in and out, drops and their reasons.
pub const ESP: &str = "esp";
/// L2TP control and sessions.
pub const L2TP: &str = "l2tp";
/// PPTP control messages (TCP 1723).
pub const PPTP: &str = "pptp";
/// PPP: LCP, CHAP, CCP, IPCP packets and automaton events.
pub const PPP: &str = "ppp";
/// MS-CHAPv2 decisions.
pub const CHAP: &str = "chap";
/// The RAS client (RASMAN, RASDIAL).
pub const RAS: &str = "ras";
/// The RRAS server (ports, policies, pool).
pub const RRAS: &str = "rras";
/// NAT translations and refusals.
pub const NAT: &str = "nat";
/// Fault rules acting on packets.
pub const FAULT: &str = "fault";

/// The span of one host's turn at `now`.
pub fn host_span(name: &str, now: Duration) -> tracing::Span {
    tracing::info_span!(
        "host",
        name = name,
        t_us = u64::try_from(now.as_micros()).unwrap_or(u64::MAX)
    )
}

/// Lower-case hex of `bytes`, for packet events.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
