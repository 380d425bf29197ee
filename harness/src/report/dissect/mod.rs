//! One line per captured packet, as a router sees it without keys
//! (SCENARIOS.md, "JSON report": `protocol`, `src`, `dst`, `spi`,
//! `summary`). Like Wireshark's analysis, a packet that repeats an earlier
//! L2TP control message (same tunnel and Ns) or PPP request (same protocol,
//! code, identifier and content) on the same interface and direction is
//! tagged as a retransmission.

use std::collections::BTreeSet;

use l2tpsec::ike::nat_t::KEEPALIVE;
use l2tpsec::wire::flow::NAT_T_PORT;
use l2tpsec::wire::isakmp::{self, ExchangeType, PayloadType};
use l2tpsec::wire::l2tp::{self, Summary};
use l2tpsec::wire::ppp::{chap, lcp, mppe, Frame, Protocol};
use l2tpsec::wire::{esp, gre, icmp, ipv4, pptp, tcp as tcp_wire, udp, Flow, WireKind};

use crate::scenario::values::WireProtocol;

/// What the report shows of one packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dissected {
    pub protocol: WireProtocol,
    pub src: String,
    pub dst: String,
    pub spi: Option<u32>,
    pub summary: String,
}

/// Where a packet was captured: a retransmission repeats a packet seen at
/// the same point.
struct Point<'a> {
    host: &'a str,
    iface: usize,
    outbound: bool,
}

/// Remembers what each interface has carried, to spot retransmissions.
#[derive(Debug, Default)]
pub struct Dissector {
    seen: BTreeSet<(String, usize, bool, Vec<u8>)>,
}

impl Dissector {
    pub fn new() -> Self {
        Self::default()
    }

    /// Dissects one captured IPv4 packet seen by `host` on interface `iface`.
    /// Protocol and addresses are what a router sees (`wire::Flow`): a bad
    /// UDP checksum does not hide the ports.
    pub fn dissect(&mut self, host: &str, iface: usize, outbound: bool, data: &[u8]) -> Dissected {
        let flow = match Flow::classify(data) {
            Ok(f) => f,
            Err(e) => {
                return Dissected {
                    protocol: WireProtocol::Ipv4,
                    src: String::new(),
                    dst: String::new(),
                    spi: None,
                    summary: format!("malformed IPv4: {e}"),
                }
            }
        };
        let (src, dst) = match (flow.src_socket(), flow.dst_socket()) {
            (Some(s), Some(d)) => (s.to_string(), d.to_string()),
            _ => (flow.src.to_string(), flow.dst.to_string()),
        };
        let mut out = Dissected {
            protocol: flow.kind,
            src,
            dst,
            spi: flow.spi,
            summary: String::new(),
        };
        out.summary = if !flow.header_checksum_ok {
            "malformed IPv4: bad header checksum".into()
        } else if flow.fragment {
            "IPv4 fragment (not reassembled)".into()
        } else {
            let at = Point {
                host,
                iface,
                outbound,
            };
            self.summary(&at, data, &flow)
        };
        out
    }

    fn summary(&mut self, at: &Point<'_>, data: &[u8], flow: &Flow) -> String {
        match flow.protocol {
            ipv4::Protocol::Udp => self.udp(at, data, flow),
            ipv4::Protocol::Esp => esp_summary("ESP", flow.payload(data)),
            ipv4::Protocol::Icmp => icmp_summary(data),
            ipv4::Protocol::Gre => self.gre(at, flow.transport(data)),
            ipv4::Protocol::Tcp => tcp_summary(flow.transport(data)),
            other => format!("IP protocol {}", u8::from(other)),
        }
    }

    fn udp(&mut self, at: &Point<'_>, data: &[u8], flow: &Flow) -> String {
        let dgram = match udp::Packet::new_checked(flow.transport(data)) {
            Ok(d) => d,
            Err(e) => return format!("malformed UDP: {e}"),
        };
        // What follows the UDP header and, on port 4500, the non-ESP marker.
        let skip = flow
            .payload_offset
            .map_or(0, |at| at.saturating_sub(flow.header_len + udp::HEADER_LEN));
        let payload = dgram.payload().get(skip..).unwrap_or_default();
        let keepalive = flow
            .ports
            .is_some_and(|(a, b)| a == NAT_T_PORT || b == NAT_T_PORT)
            && dgram.payload() == KEEPALIVE;
        let mut s = match flow.kind {
            // RFC 3948 2.3: one 0xFF octet on 4500, as tshark names it.
            WireKind::Isakmp if keepalive => "NAT-keepalive".into(),
            WireKind::L2tp => self.l2tp(at, payload),
            WireKind::Isakmp => self.isakmp(at, payload),
            WireKind::Esp => esp_summary("UDP-encapsulated ESP", payload),
            _ => format!(
                "UDP {} > {} len={}",
                dgram.src_port(),
                dgram.dst_port(),
                dgram.payload().len()
            ),
        };
        // A router forwards it all the same; the receiver will drop it.
        if !dgram.verify_checksum(flow.src, flow.dst) {
            s.push_str(" [bad UDP checksum]");
        }
        s
    }

    /// ISAKMP (RFC 2408 3.1): the exchange, and the payloads where they are
    /// not encrypted; a message sent again byte for byte is a retransmission.
    fn isakmp(&mut self, at: &Point<'_>, payload: &[u8]) -> String {
        let p = match isakmp::Packet::new_checked(payload) {
            Ok(p) => p,
            Err(e) => return format!("ISAKMP malformed: {e}"),
        };
        let exchange = match p.exchange_type() {
            ExchangeType::IdentityProtection => "Main Mode".to_string(),
            ExchangeType::QuickMode => "Quick Mode".to_string(),
            ExchangeType::Informational => "Informational".to_string(),
            other => format!("exchange {}", u8::from(other)),
        };
        let mut s = format!("ISAKMP {exchange}");
        if p.encrypted() {
            s.push_str(" (encrypted)");
        } else {
            match isakmp::split_payloads(p.next_payload(), p.body(), false) {
                Ok(list) => {
                    for raw in list {
                        s.push(' ');
                        s.push_str(payload_name(raw.kind));
                    }
                }
                Err(e) => s.push_str(&format!(" malformed: {e}")),
            }
        }
        let key = [b"isakmp".as_slice(), payload].concat();
        if !self
            .seen
            .insert((at.host.to_string(), at.iface, at.outbound, key))
        {
            s.push_str(" [ISAKMP retransmission]");
        }
        s
    }

    fn l2tp(&mut self, at: &Point<'_>, payload: &[u8]) -> String {
        match l2tp::summarize(payload) {
            Ok(Summary::Control {
                name,
                message_type,
                tunnel_id,
                session_id,
                ns,
                nr,
            }) => {
                let mut s = format!("L2TP {name} tid={tunnel_id} sid={session_id} Ns={ns} Nr={nr}");
                if message_type.is_some() {
                    let key = [
                        b"l2tp".as_slice(),
                        &tunnel_id.to_be_bytes(),
                        &ns.to_be_bytes(),
                        name.as_bytes(),
                    ]
                    .concat();
                    if !self
                        .seen
                        .insert((at.host.to_string(), at.iface, at.outbound, key))
                    {
                        s.push_str(" [L2TP retransmission]");
                    }
                }
                s
            }
            Ok(Summary::Data {
                tunnel_id,
                session_id,
                ppp,
                ..
            }) => {
                let frame = payload.get(ppp).unwrap_or_default();
                let inner = self.ppp(at, frame);
                format!("L2TP data tid={tunnel_id} sid={session_id} / {inner}")
            }
            Err(e) => format!("L2TP malformed: {e}"),
        }
    }

    /// Enhanced GRE (RFC 2637 4.1): call id, numbers, and the PPP frame.
    fn gre(&mut self, at: &Point<'_>, payload: &[u8]) -> String {
        let g = match gre::parse(payload) {
            Ok(g) => g,
            Err(e) => return format!("GRE malformed: {e}"),
        };
        let mut s = format!("GRE call=0x{:04x}", g.call_id);
        if let Some(seq) = g.seq {
            s.push_str(&format!(" seq={seq}"));
        }
        if let Some(ack) = g.ack {
            s.push_str(&format!(" ack={ack}"));
        }
        if !g.payload.is_empty() {
            let inner = self.ppp(at, g.payload);
            s.push_str(&format!(" / {inner}"));
        }
        s
    }

    fn ppp(&mut self, at: &Point<'_>, frame: &[u8]) -> String {
        // A capture reader does not know what LCP agreed: a one-octet
        // protocol field (PFC, RFC 1661 6.5, as pppd sends once agreed)
        // is read as such.
        let frame = match Frame::parse(frame).or_else(|e| Frame::parse_pfc(frame).map_err(|_| e)) {
            Ok(f) => f,
            Err(e) => return format!("PPP malformed: {e}"),
        };
        let (name, repeatable) = match frame.protocol {
            Protocol::Lcp | Protocol::Ipcp | Protocol::Ccp | Protocol::Ipv6cp => {
                let proto = match frame.protocol {
                    Protocol::Lcp => "LCP",
                    Protocol::Ipcp => "IPCP",
                    Protocol::Ipv6cp => "IPV6CP",
                    _ => "CCP",
                };
                match lcp::Packet::new_checked(frame.info) {
                    Ok(p) => {
                        let code = p.code();
                        let repeatable = matches!(
                            code,
                            lcp::Code::ConfigureRequest
                                | lcp::Code::TerminateRequest
                                | lcp::Code::EchoRequest
                        );
                        (
                            format!("PPP {proto} {} id={}", code_name(code), p.identifier()),
                            repeatable,
                        )
                    }
                    Err(e) => (format!("PPP {proto} malformed: {e}"), false),
                }
            }
            Protocol::Chap => match chap::Repr::parse_bytes(frame.info) {
                Ok(r) => (
                    chap_summary(&r),
                    matches!(
                        r,
                        chap::Repr::Challenge { .. } | chap::Repr::Response { .. }
                    ),
                ),
                Err(e) => (format!("PPP MS-CHAP-V2 malformed: {e}"), false),
            },
            // The header as the MPPE engine reads it (RFC 3078 3).
            Protocol::Compressed => {
                match mppe::Packet::new_checked(frame.info).and_then(|p| mppe::Repr::parse(&p)) {
                    Ok(r) => {
                        let enc = if r.encrypted { " encrypted" } else { "" };
                        (format!("PPP MPPE count={}{enc}", r.coherency_count), false)
                    }
                    Err(_) => ("PPP MPPE (truncated)".into(), false),
                }
            }
            Protocol::Ip => (format!("PPP IP {}", inner_ip_summary(frame.info)), false),
            Protocol::Unknown(p) => (format!("PPP protocol 0x{p:04x}"), false),
        };
        if repeatable {
            let key = [&u16::from(frame.protocol).to_be_bytes()[..], frame.info].concat();
            if !self
                .seen
                .insert((at.host.to_string(), at.iface, at.outbound, key))
            {
                return format!("{name} [PPP retransmission]");
            }
        }
        name
    }
}

/// `TCP [SYN,ACK] seq=… ack=… len=…`, and on port 1723 the PPTP control
/// messages the segment carries (RFC 2637 2), one message per segment or
/// several.
fn tcp_summary(segment: &[u8]) -> String {
    let t = match tcp_wire::Packet::new_checked(segment) {
        Ok(t) => t,
        Err(e) => return format!("TCP malformed: {e}"),
    };
    let names = [
        (tcp_wire::flags::SYN, "SYN"),
        (tcp_wire::flags::FIN, "FIN"),
        (tcp_wire::flags::RST, "RST"),
        (tcp_wire::flags::PSH, "PSH"),
        (tcp_wire::flags::ACK, "ACK"),
    ];
    let flags: Vec<&str> = names
        .iter()
        .filter(|(bit, _)| t.flags() & bit != 0)
        .map(|(_, n)| *n)
        .collect();
    let mut s = format!(
        "TCP [{}] seq={} ack={} len={}",
        flags.join(","),
        t.seq_number(),
        t.ack_number(),
        t.payload().len()
    );
    let pptp_port = [t.src_port(), t.dst_port()].contains(&pptp::TCP_PORT);
    let mut rest = t.payload();
    let mut messages = Vec::new();
    while pptp_port && !rest.is_empty() {
        match pptp::message_len(rest) {
            Ok(Some(len)) => {
                let (one, more) = rest.split_at(len);
                messages.push(match pptp::Message::parse(one) {
                    Ok(m) => m.message_type().name().to_string(),
                    Err(e) => format!("malformed: {e}"),
                });
                rest = more;
            }
            Ok(None) => {
                messages.push("(continued)".into());
                break;
            }
            Err(e) => {
                messages.push(format!("malformed: {e}"));
                break;
            }
        }
    }
    if !messages.is_empty() {
        s.push_str(&format!(" / PPTP {}", messages.join(", ")));
    }
    s
}

/// `ESP SPI=0x1a2b3c4d seq=7` from the ESP header (RFC 4303 2).
fn esp_summary(what: &str, esp: &[u8]) -> String {
    match esp::Packet::new_checked(esp) {
        Ok(p) => format!("{what} SPI=0x{:08x} seq={}", p.spi(), p.sequence_number()),
        Err(e) => format!("{what} malformed: {e}"),
    }
}

fn payload_name(kind: PayloadType) -> &'static str {
    match kind {
        PayloadType::Sa => "SA",
        PayloadType::KeyExchange => "KE",
        PayloadType::Identification => "ID",
        PayloadType::Certificate => "CERT",
        PayloadType::CertificateRequest => "CR",
        PayloadType::Hash => "HASH",
        PayloadType::Signature => "SIG",
        PayloadType::Nonce => "NONCE",
        PayloadType::Notification => "N",
        PayloadType::Delete => "D",
        PayloadType::VendorId => "VID",
        PayloadType::NatD => "NAT-D",
        PayloadType::NatOa => "NAT-OA",
        _ => "?",
    }
}

fn code_name(code: lcp::Code) -> String {
    use lcp::Code::*;
    match code {
        ConfigureRequest => "Configure-Request".into(),
        ConfigureAck => "Configure-Ack".into(),
        ConfigureNak => "Configure-Nak".into(),
        ConfigureReject => "Configure-Reject".into(),
        TerminateRequest => "Terminate-Request".into(),
        TerminateAck => "Terminate-Ack".into(),
        CodeReject => "Code-Reject".into(),
        ProtocolReject => "Protocol-Reject".into(),
        EchoRequest => "Echo-Request".into(),
        EchoReply => "Echo-Reply".into(),
        DiscardRequest => "Discard-Request".into(),
        Identification => "Identification".into(),
        Unknown(c) => format!("code {c}"),
    }
}

fn chap_summary(r: &chap::Repr) -> String {
    match r {
        chap::Repr::Challenge {
            identifier, name, ..
        } => {
            format!("PPP MS-CHAP-V2 Challenge id={identifier} name={name:?}")
        }
        chap::Repr::Response {
            identifier, name, ..
        } => {
            format!("PPP MS-CHAP-V2 Response id={identifier} name={name:?}")
        }
        chap::Repr::Success { identifier, .. } => format!("PPP MS-CHAP-V2 Success id={identifier}"),
        chap::Repr::Failure {
            identifier,
            message,
        } => {
            format!("PPP MS-CHAP-V2 Failure id={identifier} E={}", message.error)
        }
    }
}

fn icmp_summary(packet: &[u8]) -> String {
    match icmp::parse_ipv4(packet) {
        Ok(e) => match e.echo {
            icmp::Repr::EchoRequest { seq_no, .. } => format!("ICMP echo request seq={seq_no}"),
            icmp::Repr::EchoReply { seq_no, .. } => format!("ICMP echo reply seq={seq_no}"),
        },
        Err(_) => "ICMP".into(),
    }
}

/// An IPv4 packet carried in clear inside PPP.
fn inner_ip_summary(packet: &[u8]) -> String {
    match ipv4::Packet::new_checked(packet).and_then(|p| ipv4::Repr::parse(&p)) {
        Ok(h) => {
            let what = if h.protocol == ipv4::Protocol::Icmp {
                icmp_summary(packet)
            } else {
                format!("protocol {}", u8::from(h.protocol))
            };
            format!("{} > {} {what}", h.src_addr, h.dst_addr)
        }
        Err(e) => format!("malformed: {e}"),
    }
}

#[cfg(test)]
mod tests;
