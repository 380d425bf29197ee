//! The facts of a capture the article reasons with (KB 314831: "IKE",
//! "ESP bloqué", "L2TP", "NAT"; issue 11's list, refined in issue 20):
//! who speaks ISAKMP, how far IKE got and what it said in the clear
//! (`ike`), NAT-T one way or both, ESP in one or both directions and with
//! how many SPIs, L2TP in the clear (with IKE around, i.e. under a
//! policy), L2TP control retransmissions, what PPP shows in the clear, TCP
//! 1723 and GRE.
//!
//! The same code reads a library run's per-interface pcapng and the
//! capture a support engineer brings (`capture::read`), so both give the
//! same facts for the same packets. Facts are relative to the peers, not
//! to addresses: the *initiator* is whoever sent the first ISAKMP message
//! with an empty responder cookie, the first L2TP SCCRQ or the first TCP
//! SYN to 1723, so a capture behind a NAT and one on the server compare.
//!
//! A fact the capture cannot show is `UNSEEN`, not absent: PPP and L2TP
//! retransmissions inside ESP, a side's vendor ids when its first message
//! is not there, NAT-D when messages 3 and 4 are not. `rank` counts an
//! unseen fact neither for nor against a cause.

use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;

use l2tpsec::wire::isakmp;
use l2tpsec::wire::l2tp::{self, Summary};
use l2tpsec::wire::ppp::{chap, lcp, Frame, Protocol};
use l2tpsec::wire::{gre, ipv4, pptp, tcp, Flow, WireKind};

use super::ike::{IkeSeen, NOTIFY_VALUES, VENDORS};
use super::side::{CaptureFrom, SideSeen};

/// One fact: a feature of the capture and the value it has.
pub type Facts = BTreeMap<&'static str, &'static str>;

/// The value of a feature the capture cannot show (defined beside the
/// IKE facts, which need it first).
pub use super::ike::UNSEEN;

/// Every feature and its values, in the order reports list them; the first
/// value is the one of a capture without any of it. Any feature may also
/// be `UNSEEN`.
pub const FEATURES: &[(&str, &[&str])] = &[
    (
        "isakmp",
        &["none", "initiator-only", "responder-only", "both"],
    ),
    ("ike", &["none", "main-mode-only", "quick-mode"]),
    ("main-mode", &["none", "1", "1-2", "3", "3-4", "5", "5-6"]),
    ("ike-notify", NOTIFY_VALUES),
    (
        "isakmp-retransmissions",
        &["none", "initiator", "responder", "both"],
    ),
    ("initiator-vendor", VENDORS),
    ("responder-vendor", VENDORS),
    ("nat-d", &["no", "yes"]),
    (
        "nat-t",
        &["none", "initiator-only", "responder-only", "both"],
    ),
    ("esp", &["none", "one-way-one-spi", "one-way", "both"]),
    ("l2tp", &["none", "clear", "clear-under-policy"]),
    ("l2tp-retransmissions", &["no", "yes"]),
    (
        "ppp",
        &[
            "none",
            "no-auth",
            "auth-failed",
            "terminated-after-auth",
            "up",
        ],
    ),
    ("tcp-1723", &["none", "unanswered", "reset", "established"]),
    ("gre", &["none", "one-way", "both"]),
];

/// The value a capture without any of `feature` has.
pub fn absent(feature: &str) -> &'static str {
    FEATURES
        .iter()
        .find(|(f, _)| *f == feature)
        .and_then(|(_, v)| v.first().copied())
        .unwrap_or("none")
}

/// A capture read: its facts and which machine it shows it was taken on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Read {
    pub facts: Facts,
    /// `Inferred` or `Unknown`, never `Given`.
    pub from: CaptureFrom,
}

/// Everything the facts need from a capture, packet by packet.
#[derive(Debug, Default)]
struct Seen {
    initiator: Option<Ipv4Addr>,
    isakmp_from: BTreeSet<Ipv4Addr>,
    ike: IkeSeen,
    /// Senders of anything on UDP 4500 (IKE, ESP, keepalives).
    nat_t_from: BTreeSet<Ipv4Addr>,
    /// Source address -> SPIs it sent ESP with.
    esp: BTreeMap<Ipv4Addr, BTreeSet<u32>>,
    clear_l2tp: bool,
    /// (source, tunnel, Ns, message type) of clear L2TP control messages.
    l2tp_controls: BTreeSet<(Ipv4Addr, u16, u16, u16)>,
    l2tp_retransmission: bool,
    ppp: PppSeen,
    syn_1723: bool,
    syn_ack_1723: bool,
    rst_1723: bool,
    gre_from: BTreeSet<Ipv4Addr>,
    side: SideSeen,
}

#[derive(Debug, Default)]
struct PppSeen {
    any: bool,
    auth_success: bool,
    auth_failure: bool,
    terminated_after_success: bool,
}

/// The facts of a capture given as IPv4 packets in capture order.
pub fn extract<'a>(packets: impl IntoIterator<Item = &'a [u8]>) -> Facts {
    read(packets).facts
}

/// The facts of a capture and the side it shows it was taken on. Packets
/// that are not IPv4, fragments past the first and malformed headers are
/// skipped (a capture from elsewhere carries ARP, IPv6, ...).
pub fn read<'a>(packets: impl IntoIterator<Item = &'a [u8]>) -> Read {
    let mut seen = Seen::default();
    for data in packets {
        let Ok(flow) = Flow::classify(data) else {
            continue;
        };
        if flow.fragment || !flow.header_checksum_ok {
            continue;
        }
        seen.packet(data, &flow);
    }
    Read {
        facts: seen.facts(),
        from: seen.side.infer(seen.initiator()),
    }
}

impl Seen {
    fn packet(&mut self, data: &[u8], flow: &Flow) {
        if flow.has_port(l2tpsec::wire::flow::NAT_T_PORT) {
            self.nat_t_from.insert(flow.src);
        }
        if matches!(
            flow.kind,
            WireKind::Isakmp | WireKind::Esp | WireKind::L2tp | WireKind::Pptp | WireKind::Gre
        ) {
            // `classify` checked the header, so the TTL is there.
            if let Ok(ip) = ipv4::Packet::new_checked(data) {
                self.side.packet(flow.src, flow.dst, ip.ttl());
            }
        }
        match flow.kind {
            WireKind::Isakmp => self.isakmp(flow, flow.payload(data)),
            WireKind::Esp => {
                if let Some(spi) = flow.spi {
                    self.esp.entry(flow.src).or_default().insert(spi);
                }
            }
            WireKind::L2tp => self.l2tp(flow, flow.payload(data)),
            WireKind::Pptp => self.tcp_1723(flow, flow.transport(data)),
            WireKind::Gre => {
                self.gre_from.insert(flow.src);
                if let Ok(g) = gre::parse(flow.transport(data)) {
                    if !g.payload.is_empty() {
                        self.ppp.frame(g.payload);
                    }
                }
            }
            _ => {}
        }
    }

    fn isakmp(&mut self, flow: &Flow, payload: &[u8]) {
        // A NAT-T keepalive (one 0xFF octet, RFC 3948 2.3) is no ISAKMP.
        let Ok(p) = isakmp::Packet::new_checked(payload) else {
            return;
        };
        self.isakmp_from.insert(flow.src);
        if self.initiator.is_none() && p.responder_cookie() == [0; 8] {
            self.initiator = Some(flow.src);
        }
        self.ike.message(flow.src, payload, self.initiator);
    }

    /// Who started the exchange; without a message that opens it, the
    /// first to speak ISAKMP.
    fn initiator(&self) -> Option<Ipv4Addr> {
        self.initiator.or_else(|| self.isakmp_from.first().copied())
    }

    fn l2tp(&mut self, flow: &Flow, payload: &[u8]) {
        self.clear_l2tp = true;
        match l2tp::summarize(payload) {
            Ok(Summary::Control {
                message_type: Some(t),
                tunnel_id,
                ns,
                ..
            }) => {
                let t = u16::from(t);
                // RFC 2661 6.1: SCCRQ opens the tunnel.
                if t == 1 && self.initiator.is_none() {
                    self.initiator = Some(flow.src);
                }
                if !self.l2tp_controls.insert((flow.src, tunnel_id, ns, t)) {
                    self.l2tp_retransmission = true;
                }
            }
            Ok(Summary::Data { ppp, .. }) => {
                if let Some(frame) = payload.get(ppp) {
                    self.ppp.frame(frame);
                }
            }
            _ => {}
        }
    }

    fn tcp_1723(&mut self, flow: &Flow, segment: &[u8]) {
        let Ok(t) = tcp::Packet::new_checked(segment) else {
            return;
        };
        let f = t.flags();
        let syn = f & tcp::flags::SYN != 0;
        let ack = f & tcp::flags::ACK != 0;
        if syn && !ack && t.dst_port() == pptp::TCP_PORT {
            self.syn_1723 = true;
            if self.initiator.is_none() {
                self.initiator = Some(flow.src);
            }
        }
        if syn && ack {
            self.syn_ack_1723 = true;
        }
        if f & tcp::flags::RST != 0 {
            self.rst_1723 = true;
        }
    }

    fn facts(&self) -> Facts {
        let mut f = Facts::new();
        let initiator = self.initiator();
        let who = |set: &BTreeSet<Ipv4Addr>| {
            let from_initiator = initiator.is_some_and(|i| set.contains(&i));
            let others = set.iter().any(|a| Some(*a) != initiator);
            match (from_initiator, others) {
                (false, false) => "none",
                (true, false) => "initiator-only",
                (false, true) => "responder-only",
                (true, true) => "both",
            }
        };
        f.insert("isakmp", who(&self.isakmp_from));
        f.extend(self.ike.facts(initiator));
        f.insert("nat-t", who(&self.nat_t_from));
        f.insert(
            "esp",
            match self.esp.len() {
                0 => "none",
                1 if self.esp.values().all(|spis| spis.len() == 1) => "one-way-one-spi",
                1 => "one-way",
                _ => "both",
            },
        );
        f.insert(
            "l2tp",
            match (
                self.clear_l2tp,
                self.isakmp_from.is_empty() && self.esp.is_empty(),
            ) {
                (false, _) => "none",
                (true, true) => "clear",
                (true, false) => "clear-under-policy",
            },
        );
        // Inside ESP, L2TP and PPP cannot be seen: what the clear part
        // shows, if anything, is all there is.
        let esp = !self.esp.is_empty();
        f.insert(
            "l2tp-retransmissions",
            if self.l2tp_retransmission {
                "yes"
            } else if esp && self.l2tp_controls.is_empty() {
                UNSEEN
            } else {
                "no"
            },
        );
        let p = &self.ppp;
        f.insert(
            "ppp",
            if !p.any {
                if esp {
                    UNSEEN
                } else {
                    "none"
                }
            } else if p.auth_failure {
                "auth-failed"
            } else if p.terminated_after_success {
                "terminated-after-auth"
            } else if p.auth_success {
                "up"
            } else {
                "no-auth"
            },
        );
        f.insert(
            "tcp-1723",
            if !self.syn_1723 && !self.syn_ack_1723 {
                "none"
            } else if self.syn_ack_1723 {
                "established"
            } else if self.rst_1723 {
                "reset"
            } else {
                "unanswered"
            },
        );
        f.insert(
            "gre",
            match self.gre_from.len() {
                0 => "none",
                1 => "one-way",
                _ => "both",
            },
        );
        f
    }
}

impl PppSeen {
    /// One PPP frame seen in the clear (L2TP data or GRE).
    fn frame(&mut self, bytes: &[u8]) {
        // A capture does not know what LCP agreed: read a one-octet
        // protocol field (PFC, RFC 1661 6.5) as such.
        let Ok(frame) = Frame::parse(bytes).or_else(|e| Frame::parse_pfc(bytes).map_err(|_| e))
        else {
            return;
        };
        match frame.protocol {
            Protocol::Lcp => {
                self.any = true;
                if let Ok(p) = lcp::Packet::new_checked(frame.info) {
                    if p.code() == lcp::Code::TerminateRequest && self.auth_success {
                        self.terminated_after_success = true;
                    }
                }
            }
            // RFC 2759 5 and 6.
            Protocol::Chap => {
                self.any = true;
                match chap::Repr::parse_bytes(frame.info) {
                    Ok(chap::Repr::Success { .. }) => self.auth_success = true,
                    Ok(chap::Repr::Failure { .. }) => self.auth_failure = true,
                    _ => {}
                }
            }
            Protocol::Ipcp
            | Protocol::Ipv6cp
            | Protocol::Ccp
            | Protocol::Compressed
            | Protocol::Ip => self.any = true,
            Protocol::Unknown(_) => {}
        }
    }
}

#[cfg(test)]
#[path = "facts_tests.rs"]
mod tests;
