//! Test fixtures: the standard lab (scenarios/base/standard.yaml: client on
//! lan, gw between lan and internet, server on internet), hand-made IPv4
//! packets, captures and fault actions, and a RunOutput holding them.

use core::time::Duration;
use std::net::Ipv4Addr;
use std::path::Path;

use l2tpsec::net::{AppliedAction, AppliedFault, CapturedPacket, Direction, FaultSite};

use crate::report::{EventReport, EventType, LogName, Report};
use crate::run::RunOutput;
use crate::scenario::schema::{Locale, Scenario};

pub const CLIENT: [u8; 4] = [192, 168, 1, 10];
pub const SERVER: [u8; 4] = [203, 0, 113, 10];
/// gw's outside address when it is a NAT.
pub const NAT_OUT: [u8; 4] = [203, 0, 113, 2];

/// The standard lab, gw a router (`nat: false`) or a NAT.
pub fn lab(nat: bool) -> Scenario {
    let mut text = "name: ladder-test\ntitle: ladder test\nbase: standard\n".to_string();
    if nat {
        text.push_str(
            "hosts:\n  gw:\n    role: nat\n    interfaces: {lan: 192.168.1.1, internet: 203.0.113.2}\n    nat: {inside: lan, outside: internet, esp: translate}\n  server:\n    gateway: ~\n",
        );
    }
    crate::scenario::load::load_str(
        &text,
        Path::new("ladder-test.yaml"),
        &crate::scenario::scenarios_dir(),
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

fn checksum(header: &[u8]) -> u16 {
    let mut sum: u32 = header
        .chunks(2)
        .map(|c| u32::from(u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)])))
        .sum();
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// An IPv4 packet (RFC 791 3.1) with a valid header checksum.
pub fn ipv4(src: [u8; 4], dst: [u8; 4], protocol: u8, payload: &[u8]) -> Vec<u8> {
    let total = (20 + payload.len()) as u16;
    let mut p = vec![0x45, 0];
    p.extend_from_slice(&total.to_be_bytes());
    p.extend_from_slice(&[0, 0, 0, 0, 64, protocol, 0, 0]);
    p.extend_from_slice(&src);
    p.extend_from_slice(&dst);
    let c = checksum(&p);
    p[10..12].copy_from_slice(&c.to_be_bytes());
    p.extend_from_slice(payload);
    p
}

/// UDP (RFC 768) with a zero checksum (none).
pub fn udp(src: [u8; 4], sport: u16, dst: [u8; 4], dport: u16, data: &[u8]) -> Vec<u8> {
    let mut u = Vec::new();
    u.extend_from_slice(&sport.to_be_bytes());
    u.extend_from_slice(&dport.to_be_bytes());
    u.extend_from_slice(&((8 + data.len()) as u16).to_be_bytes());
    u.extend_from_slice(&[0, 0]);
    u.extend_from_slice(data);
    ipv4(src, dst, 17, &u)
}

/// An ISAKMP message on UDP 500 whose cookies are `tag` (RFC 2408 3.1).
pub fn isakmp(src: [u8; 4], dst: [u8; 4], tag: u8) -> Vec<u8> {
    let mut m = vec![tag; 16];
    // Next payload none, version 1.0, exchange 2 (Identity Protection).
    m.extend_from_slice(&[0, 0x10, 2, 0, 0, 0, 0, 0, 0, 0, 0, 28]);
    udp(src, 500, dst, 500, &m)
}

/// Raw ESP (RFC 4303 2): SPI, sequence number, 16 bytes of ciphertext.
pub fn esp(src: [u8; 4], dst: [u8; 4], spi: u32, seq: u32) -> Vec<u8> {
    let mut e = Vec::new();
    e.extend_from_slice(&spi.to_be_bytes());
    e.extend_from_slice(&seq.to_be_bytes());
    e.extend_from_slice(&[0xa5; 16]);
    ipv4(src, dst, 50, &e)
}

pub fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// A capture on `host`'s interface on `segment` (lab interface indices).
pub fn cap(
    host: &str,
    segment: &str,
    at: Duration,
    out: bool,
    data: &[u8],
    transmit: u64,
) -> CapturedPacket {
    let iface = usize::from(host == "gw" && segment == "internet");
    CapturedPacket {
        host: host.into(),
        segment: segment.into(),
        iface,
        time: at,
        direction: if out { Direction::Out } else { Direction::In },
        data: data.to_vec(),
        transmit,
    }
}

pub fn segment_fault(
    at: Duration,
    seg: &str,
    action: AppliedAction,
    data: &[u8],
    transmit: u64,
) -> AppliedFault {
    AppliedFault {
        time: at,
        site: FaultSite::Segment(seg.into()),
        action,
        packet: data.to_vec(),
        rule: Some(0),
        transmit: Some(transmit),
    }
}

pub fn host_fault(
    at: Duration,
    host: &str,
    action: AppliedAction,
    data: &[u8],
    transmit: Option<u64>,
) -> AppliedFault {
    AppliedFault {
        time: at,
        site: FaultSite::Host(host.into()),
        action,
        packet: data.to_vec(),
        rule: transmit.map(|_| 0),
        transmit,
    }
}

pub fn event(host: &str, id: u32, at: Duration) -> EventReport {
    EventReport {
        host: host.into(),
        log: LogName::Security,
        id,
        source: "Security".into(),
        kind: EventType::FailureAudit,
        time_ms: u64::try_from(at.as_millis()).unwrap_or(u64::MAX),
        message: format!("event {id}\nsecond line"),
    }
}

/// A run's output holding these captures (sorted by time, as the
/// simulator gives them), faults and events.
pub fn output(
    mut captures: Vec<CapturedPacket>,
    faults: Vec<AppliedFault>,
    events: Vec<EventReport>,
) -> RunOutput {
    captures.sort_by_key(|c| c.time);
    let mut report = Report::new("ladder-test", 1, Locale::FrFr);
    report.events = events;
    RunOutput {
        report,
        pcapng: Vec::new(),
        interface_pcapngs: Vec::new(),
        captures,
        applied_faults: faults,
        keys: String::new(),
        audits: Vec::new(),
    }
}

pub fn addr(a: [u8; 4]) -> Ipv4Addr {
    Ipv4Addr::from(a)
}
