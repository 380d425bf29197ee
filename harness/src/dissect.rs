//! One line per captured packet, as a router sees it without keys
//! (SCENARIOS.md, "JSON report": `protocol`, `src`, `dst`, `spi`,
//! `summary`). Like Wireshark's analysis, a packet that repeats an earlier
//! L2TP control message (same tunnel and Ns) or PPP request (same protocol,
//! code, identifier and content) on the same interface and direction is
//! tagged as a retransmission.

use std::collections::BTreeSet;

use l2tpsec::wire::isakmp::{self, ExchangeType, PayloadType};
use l2tpsec::wire::l2tp::{self, Summary};
use l2tpsec::wire::ppp::{chap, lcp, Frame, Protocol};
use l2tpsec::wire::{icmp, ipv4, udp};

use crate::values::WireProtocol;

/// What the report shows of one packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dissected {
    pub protocol: WireProtocol,
    pub src: String,
    pub dst: String,
    pub spi: Option<u32>,
    pub summary: String,
}

// The well-known ports we name come from the wire modules; PPTP's is RFC 2637 3.
use l2tpsec::ipsec::driver::IKE_NAT_T_PORT as NAT_T_PORT;
use l2tpsec::wire::isakmp::UDP_PORT as ISAKMP_PORT;
use l2tpsec::wire::l2tp::UDP_PORT as L2TP_PORT;
const PPTP_PORT: u16 = 1723;

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
    pub fn dissect(&mut self, host: &str, iface: usize, outbound: bool, data: &[u8]) -> Dissected {
        let parsed = ipv4::Packet::new_checked(data).and_then(|p| {
            ipv4::Repr::parse(&p).map(|r| (r, p.header_len(), usize::from(p.total_len())))
        });
        let (header, payload) = match parsed {
            Ok((h, start, end)) => (h, data.get(start..end).unwrap_or_default()),
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
        let (src, dst) = (header.src_addr.to_string(), header.dst_addr.to_string());
        let plain = |protocol, summary: String| Dissected {
            protocol,
            src: src.clone(),
            dst: dst.clone(),
            spi: None,
            summary,
        };
        match header.protocol {
            ipv4::Protocol::Udp => self.udp(host, iface, outbound, data),
            ipv4::Protocol::Esp => {
                let spi = payload
                    .get(..4)
                    .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]));
                let seq = payload
                    .get(4..8)
                    .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]));
                Dissected {
                    protocol: WireProtocol::Esp,
                    src,
                    dst,
                    spi,
                    summary: match (spi, seq) {
                        (Some(spi), Some(seq)) => format!("ESP SPI=0x{spi:08x} seq={seq}"),
                        _ => "ESP (truncated)".into(),
                    },
                }
            }
            ipv4::Protocol::Icmp => plain(WireProtocol::Icmp, icmp_summary(data)),
            ipv4::Protocol::Gre => plain(WireProtocol::Gre, "GRE".into()),
            ipv4::Protocol::Tcp => {
                let ports = payload.get(..4).map(|b| {
                    (
                        u16::from_be_bytes([b[0], b[1]]),
                        u16::from_be_bytes([b[2], b[3]]),
                    )
                });
                match ports {
                    Some((s, d)) => Dissected {
                        protocol: if s == PPTP_PORT || d == PPTP_PORT {
                            WireProtocol::Pptp
                        } else {
                            WireProtocol::Tcp
                        },
                        src: format!("{src}:{s}"),
                        dst: format!("{dst}:{d}"),
                        spi: None,
                        summary: "TCP".into(),
                    },
                    None => plain(WireProtocol::Tcp, "TCP (truncated)".into()),
                }
            }
            other => plain(
                WireProtocol::Ipv4,
                format!("IP protocol {}", u8::from(other)),
            ),
        }
    }

    fn udp(&mut self, host: &str, iface: usize, outbound: bool, data: &[u8]) -> Dissected {
        let dgram = match udp::parse_ipv4(data) {
            Ok(d) => d,
            Err(e) => {
                return Dissected {
                    protocol: WireProtocol::Udp,
                    src: String::new(),
                    dst: String::new(),
                    spi: None,
                    summary: format!("malformed UDP: {e}"),
                }
            }
        };
        let (sp, dp) = (dgram.src.port(), dgram.dst.port());
        let mut out = Dissected {
            protocol: WireProtocol::Udp,
            src: dgram.src.to_string(),
            dst: dgram.dst.to_string(),
            spi: None,
            summary: format!("UDP {sp} > {dp} len={}", dgram.payload.len()),
        };
        if sp == L2TP_PORT || dp == L2TP_PORT {
            out.protocol = WireProtocol::L2tp;
            out.summary = self.l2tp(host, iface, outbound, dgram.payload);
        } else if [sp, dp].contains(&ISAKMP_PORT) || [sp, dp].contains(&NAT_T_PORT) {
            out.protocol = WireProtocol::Isakmp;
            out.summary = self.isakmp(host, iface, outbound, dgram.payload);
        }
        out
    }

    /// ISAKMP (RFC 2408 3.1): the exchange, and the payloads where they are
    /// not encrypted; a message sent again byte for byte is a retransmission.
    fn isakmp(&mut self, host: &str, iface: usize, outbound: bool, payload: &[u8]) -> String {
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
        if !self.seen.insert((host.to_string(), iface, outbound, key)) {
            s.push_str(" [ISAKMP retransmission]");
        }
        s
    }

    fn l2tp(&mut self, host: &str, iface: usize, outbound: bool, payload: &[u8]) -> String {
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
                    if !self.seen.insert((host.to_string(), iface, outbound, key)) {
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
                let inner = self.ppp(host, iface, outbound, frame);
                format!("L2TP data tid={tunnel_id} sid={session_id} / {inner}")
            }
            Err(e) => format!("L2TP malformed: {e}"),
        }
    }

    fn ppp(&mut self, host: &str, iface: usize, outbound: bool, frame: &[u8]) -> String {
        let frame = match Frame::parse(frame) {
            Ok(f) => f,
            Err(e) => return format!("PPP malformed: {e}"),
        };
        let (name, repeatable) = match frame.protocol {
            Protocol::Lcp | Protocol::Ipcp | Protocol::Ccp => {
                let proto = match frame.protocol {
                    Protocol::Lcp => "LCP",
                    Protocol::Ipcp => "IPCP",
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
            Protocol::Compressed => match frame.info.get(..2) {
                Some(h) => {
                    let count = u16::from_be_bytes([h[0] & 0x0f, h[1]]);
                    let flags = h[0] >> 4;
                    let enc = if flags & 0x2 != 0 { " encrypted" } else { "" };
                    (format!("PPP MPPE count={count}{enc}"), false)
                }
                None => ("PPP MPPE (truncated)".into(), false),
            },
            Protocol::Ip => (format!("PPP IP {}", inner_ip_summary(frame.info)), false),
            Protocol::Unknown(p) => (format!("PPP protocol 0x{p:04x}"), false),
        };
        if repeatable {
            let key = [&u16::from(frame.protocol).to_be_bytes()[..], frame.info].concat();
            if !self.seen.insert((host.to_string(), iface, outbound, key)) {
                return format!("{name} [PPP retransmission]");
            }
        }
        name
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
mod tests {
    use super::*;
    use std::net::SocketAddrV4;

    fn l2tp_packet(payload: &[u8]) -> Vec<u8> {
        udp::build_ipv4(
            SocketAddrV4::new([192, 168, 1, 10].into(), 1701),
            SocketAddrV4::new([203, 0, 113, 10].into(), 1701),
            7,
            128,
            payload,
        )
    }

    #[test]
    fn random_bytes_never_panic() {
        let mut d = Dissector::new();
        let mut x: u32 = 1;
        for len in 0..200 {
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
                    (x >> 16) as u8
                })
                .collect();
            let _ = d.dissect("h", 0, true, &bytes);
            let _ = d.dissect("h", 0, true, &l2tp_packet(&bytes));
        }
    }

    #[test]
    fn repeated_ppp_request_is_a_retransmission() {
        // L2TP data header (L bit, tid 1, sid 2) + PPP LCP Configure-Request id=1 MRU 1400.
        let l2tp = hex::decode("4002001400010002ff03c0210101000801040578").unwrap();
        let mut d = Dissector::new();
        let first = d.dissect("client", 0, true, &l2tp_packet(&l2tp));
        assert_eq!(first.protocol, WireProtocol::L2tp);
        assert_eq!(
            first.summary,
            "L2TP data tid=1 sid=2 / PPP LCP Configure-Request id=1"
        );
        let again = d.dissect("client", 0, true, &l2tp_packet(&l2tp));
        assert!(
            again.summary.ends_with("[PPP retransmission]"),
            "{}",
            again.summary
        );
        let elsewhere = d.dissect("client", 0, false, &l2tp_packet(&l2tp));
        assert!(!elsewhere.summary.contains("retransmission"));
    }
}
