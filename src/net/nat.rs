//! NAPT (RFC 3022 2.2) as a reusable table, and the NAT box built on it.
//!
//! `NatTable` rewrites packets in place; `Nat` is a router whose outside
//! interface uses one. A later Windows machine acting as an ICS gateway
//! reuses `NatTable` directly.
//!
//! Model: endpoint-independent mapping and filtering (RFC 4787 4.1, 5), as
//! home gateways and ICS do; mappings never expire (runs are minutes long).
//! Checksums are updated incrementally (RFC 1624), as real NATs do, so a
//! packet corrupted before the NAT stays detectably corrupt after it.

use core::net::Ipv4Addr;
use core::time::Duration;
use std::collections::{BTreeMap, VecDeque};

use super::error::NetError;
use super::fault::AppliedAction;
use super::machine::{Machine, Refused, Transmit};
use super::route::RouteTable;
use super::router::{forward, header_ok, local_delivery, ForwardStats};
use super::spec::Subnet;
use crate::wire::checksum;
use crate::wire::flow::Flow;
use crate::wire::{icmp, ipv4, tcp, udp};

/// What the NAT does with ESP (IP protocol 50), which has no ports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EspNat {
    /// Rewrite only the address; inbound ESP from a peer goes to the inside
    /// host that last sent ESP to that peer (a "VPN passthrough" NAT).
    Translate,
    /// Drop ESP in both directions.
    Drop,
}

/// Why a packet was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum NatDrop {
    /// Not a checked IPv4 packet, or its transport header is cut short.
    Malformed,
    /// Fragments have no ports to translate.
    Fragment,
    /// Inbound with no mapping for its port, identifier or ESP peer.
    NoMapping,
    /// ESP with `EspNat::Drop`.
    EspDropped,
    /// A protocol the table cannot translate (GRE, AH, ICMP errors, ...).
    Unsupported,
    /// Every public port is taken.
    PortsExhausted,
}

/// First port handed out when an inside host's own port is taken.
const FIRST_DYNAMIC_PORT: u16 = 1024;

#[derive(Debug, Clone, Default)]
struct PortMap {
    /// (inside address, inside port) -> public port
    out: BTreeMap<(Ipv4Addr, u16), u16>,
    /// public port -> (inside address, inside port)
    back: BTreeMap<u16, (Ipv4Addr, u16)>,
    /// public port -> when a packet last went out through it
    last_out: BTreeMap<u16, Duration>,
    next: u16,
}

impl PortMap {
    /// The public port for an inside endpoint: the existing mapping, else
    /// the same port if free, else the next free port from 1024 upward.
    fn map_out(&mut self, inside: (Ipv4Addr, u16)) -> Option<u16> {
        if let Some(p) = self.out.get(&inside) {
            return Some(*p);
        }
        let port = if self.back.contains_key(&inside.1) {
            self.allocate()?
        } else {
            inside.1
        };
        self.out.insert(inside, port);
        self.back.insert(port, inside);
        Some(port)
    }

    /// Forgets every mapping no packet went out through for longer than
    /// `idle` before `now`.
    fn expire(&mut self, now: Duration, idle: Duration) {
        let stale: Vec<u16> = self
            .last_out
            .iter()
            .filter(|(_, t)| now.saturating_sub(**t) > idle)
            .map(|(p, _)| *p)
            .collect();
        for port in stale {
            self.last_out.remove(&port);
            if let Some(inside) = self.back.remove(&port) {
                self.out.remove(&inside);
            }
        }
    }

    fn allocate(&mut self) -> Option<u16> {
        let span = u32::from(u16::MAX - FIRST_DYNAMIC_PORT) + 1;
        for _ in 0..span {
            let p = self.next.max(FIRST_DYNAMIC_PORT);
            self.next = if p == u16::MAX {
                FIRST_DYNAMIC_PORT
            } else {
                p + 1
            };
            if !self.back.contains_key(&p) {
                return Some(p);
            }
        }
        None
    }
}

/// The translation state of one NAT: public address, port maps per
/// protocol, ESP peers.
#[derive(Debug, Clone)]
pub struct NatTable {
    public: Ipv4Addr,
    esp: EspNat,
    udp: PortMap,
    tcp: PortMap,
    icmp: PortMap,
    /// remote peer -> inside host that last sent ESP to it
    esp_peers: BTreeMap<Ipv4Addr, Ipv4Addr>,
    /// UDP mappings idle (nothing sent out) longer than this are forgotten
    /// (SCENARIOS.md `udp-timeout`); `None`: never.
    udp_timeout: Option<Duration>,
    /// The time of the packet being translated (`at`).
    now: Duration,
}

/// The packet's flow: header offsets, protocol and addresses, the IPv4
/// header checked. Fragments have no ports to translate.
fn parse(packet: &[u8]) -> Result<Flow, NatDrop> {
    let f = Flow::classify(packet).map_err(|_| NatDrop::Malformed)?;
    if f.fragment {
        return Err(NatDrop::Fragment);
    }
    Ok(f)
}

/// Rewrites the source (`outbound`) or destination address and fixes the
/// IP header checksum incrementally.
fn set_addr(packet: &mut [u8], outbound: bool, new: Ipv4Addr) {
    let mut p = ipv4::Packet::new_unchecked(packet);
    let old = if outbound { p.src_addr() } else { p.dst_addr() };
    let c = checksum::update_addr(p.checksum(), old, new);
    if outbound {
        p.set_src_addr(new);
    } else {
        p.set_dst_addr(new);
    }
    p.set_checksum(c);
}

impl NatTable {
    pub fn new(public: Ipv4Addr, esp: EspNat) -> Self {
        NatTable {
            public,
            esp,
            udp: PortMap::default(),
            tcp: PortMap::default(),
            icmp: PortMap::default(),
            esp_peers: BTreeMap::new(),
            udp_timeout: None,
            now: Duration::ZERO,
        }
    }

    /// Forget UDP mappings nothing went out through for `idle`.
    pub fn set_udp_timeout(&mut self, idle: Option<Duration>) {
        self.udp_timeout = idle;
    }

    /// The time of the next packets: UDP mappings idle too long go (RFC
    /// 4787 4.3: only outbound packets refresh a mapping, REQ-6).
    pub fn at(&mut self, now: Duration) {
        self.now = now;
        if let Some(idle) = self.udp_timeout {
            self.udp.expire(now, idle);
        }
    }

    pub fn public_addr(&self) -> Ipv4Addr {
        self.public
    }

    /// Keeps a UDP port of the public address for the NAT machine's own
    /// sockets (an ICS host's IKE and L2TP): inside hosts get another.
    pub fn reserve_udp(&mut self, port: u16) {
        self.udp.back.insert(port, (self.public, port));
    }

    /// Translates a packet leaving through the public side: source address
    /// becomes the public address, source port (ICMP echo identifier) is
    /// mapped. The packet is changed only on `Ok`.
    pub fn outbound(&mut self, packet: &mut [u8]) -> Result<(), NatDrop> {
        let m = parse(packet)?;
        let public = self.public;
        match m.protocol {
            ipv4::Protocol::Udp | ipv4::Protocol::Tcp => {
                let is_udp = m.protocol == ipv4::Protocol::Udp;
                let seg = packet
                    .get_mut(m.header_len..m.total_len)
                    .ok_or(NatDrop::Malformed)?;
                let sport = transport_src_port(seg, is_udp)?;
                let map = if is_udp { &mut self.udp } else { &mut self.tcp };
                let port = map.map_out((m.src, sport)).ok_or(NatDrop::PortsExhausted)?;
                map.last_out.insert(port, self.now);
                rewrite_transport(seg, is_udp, true, (m.src, sport), (public, port));
            }
            ipv4::Protocol::Icmp => {
                let seg = packet
                    .get_mut(m.header_len..m.total_len)
                    .ok_or(NatDrop::Malformed)?;
                let ident = echo_ident(seg, icmp::Message::EchoRequest)?;
                let id = self
                    .icmp
                    .map_out((m.src, ident))
                    .ok_or(NatDrop::PortsExhausted)?;
                rewrite_echo_ident(seg, ident, id);
            }
            ipv4::Protocol::Esp => match self.esp {
                EspNat::Drop => return Err(NatDrop::EspDropped),
                EspNat::Translate => {
                    self.esp_peers.insert(m.dst, m.src);
                }
            },
            _ => return Err(NatDrop::Unsupported),
        }
        set_addr(packet, true, public);
        Ok(())
    }

    /// Translates a packet arriving at the public address back to the
    /// inside host of its mapping. The packet is changed only on `Ok`.
    pub fn inbound(&mut self, packet: &mut [u8]) -> Result<(), NatDrop> {
        let m = parse(packet)?;
        if m.dst != self.public {
            return Err(NatDrop::NoMapping);
        }
        let inside = match m.protocol {
            ipv4::Protocol::Udp | ipv4::Protocol::Tcp => {
                let is_udp = m.protocol == ipv4::Protocol::Udp;
                let seg = packet
                    .get_mut(m.header_len..m.total_len)
                    .ok_or(NatDrop::Malformed)?;
                let dport = transport_dst_port(seg, is_udp)?;
                let map = if is_udp { &self.udp } else { &self.tcp };
                let inside = *map.back.get(&dport).ok_or(NatDrop::NoMapping)?;
                rewrite_transport(seg, is_udp, false, (m.dst, dport), inside);
                inside.0
            }
            ipv4::Protocol::Icmp => {
                let seg = packet
                    .get_mut(m.header_len..m.total_len)
                    .ok_or(NatDrop::Malformed)?;
                let ident = echo_ident(seg, icmp::Message::EchoReply)?;
                let inside = *self.icmp.back.get(&ident).ok_or(NatDrop::NoMapping)?;
                rewrite_echo_ident(seg, ident, inside.1);
                inside.0
            }
            ipv4::Protocol::Esp => match self.esp {
                EspNat::Drop => return Err(NatDrop::EspDropped),
                EspNat::Translate => *self.esp_peers.get(&m.src).ok_or(NatDrop::NoMapping)?,
            },
            _ => return Err(NatDrop::Unsupported),
        };
        set_addr(packet, false, inside);
        Ok(())
    }
}

fn transport_src_port(seg: &[u8], is_udp: bool) -> Result<u16, NatDrop> {
    if is_udp {
        udp::Packet::new_checked(seg).map(|p| p.src_port())
    } else {
        tcp::Packet::new_checked(seg).map(|p| p.src_port())
    }
    .map_err(|_| NatDrop::Malformed)
}

fn transport_dst_port(seg: &[u8], is_udp: bool) -> Result<u16, NatDrop> {
    if is_udp {
        udp::Packet::new_checked(seg).map(|p| p.dst_port())
    } else {
        tcp::Packet::new_checked(seg).map(|p| p.dst_port())
    }
    .map_err(|_| NatDrop::Malformed)
}

/// Rewrites the source (`outbound`) or destination address+port of a
/// checked UDP/TCP segment, updating its checksum over the new
/// pseudo-header (RFC 1624; RFC 3022 4.1). A UDP checksum of 0 means none
/// and stays 0 (RFC 768).
fn rewrite_transport(
    seg: &mut [u8],
    is_udp: bool,
    outbound: bool,
    old: (Ipv4Addr, u16),
    new: (Ipv4Addr, u16),
) {
    let fix = |c: u16| checksum::update(checksum::update_addr(c, old.0, new.0), old.1, new.1);
    if is_udp {
        let mut p = udp::Packet::new_unchecked(seg);
        if p.checksum() != 0 {
            let c = fix(p.checksum());
            p.set_checksum(if c == 0 { 0xffff } else { c });
        }
        if outbound {
            p.set_src_port(new.1);
        } else {
            p.set_dst_port(new.1);
        }
    } else {
        let mut p = tcp::Packet::new_unchecked(seg);
        let c = fix(p.checksum());
        p.set_checksum(c);
        if outbound {
            p.set_src_port(new.1);
        } else {
            p.set_dst_port(new.1);
        }
    }
}

/// The identifier of an ICMP echo message of type `want` (RFC 792).
fn echo_ident(seg: &[u8], want: icmp::Message) -> Result<u16, NatDrop> {
    let p = icmp::Packet::new_checked(seg).map_err(|_| NatDrop::Malformed)?;
    if p.msg_type() != want {
        return Err(NatDrop::Unsupported);
    }
    Ok(p.echo_ident())
}

fn rewrite_echo_ident(seg: &mut [u8], old: u16, new: u16) {
    let mut p = icmp::Packet::new_unchecked(seg);
    // The ICMP checksum has no pseudo-header: only the identifier changes.
    let c = checksum::update(p.checksum(), old, new);
    p.set_echo_ident(new);
    p.set_checksum(c);
}

/// A NAT gateway: a router whose `outside` interface translates with a
/// `NatTable` keyed on the outside interface's address.
#[derive(Debug, Clone)]
pub struct Nat {
    table: RouteTable,
    nat: NatTable,
    inside: usize,
    outside: usize,
    queue: VecDeque<Transmit>,
    stats: ForwardStats,
    next_ident: u16,
    /// Refused packets not yet polled (`Machine::poll_refused`).
    refused: VecDeque<Refused>,
}

impl Nat {
    pub fn new(
        ifaces: Vec<(Subnet, Ipv4Addr)>,
        gateway: Option<Ipv4Addr>,
        inside: usize,
        outside: usize,
        esp: EspNat,
    ) -> Result<Self, NetError> {
        let count = ifaces.len();
        let public = ifaces
            .get(outside)
            .map(|(_, a)| *a)
            .ok_or(NetError::BadInterface {
                index: outside,
                count,
            })?;
        if inside >= count || inside == outside {
            return Err(NetError::BadInterface {
                index: inside,
                count,
            });
        }
        Ok(Nat {
            table: RouteTable::new(&ifaces, gateway),
            nat: NatTable::new(public, esp),
            inside,
            outside,
            queue: VecDeque::new(),
            stats: ForwardStats::default(),
            next_ident: 1,
            refused: VecDeque::new(),
        })
    }

    /// UDP mappings idle longer than `idle` are forgotten (SCENARIOS.md
    /// `udp-timeout`).
    #[must_use]
    pub fn with_udp_timeout(mut self, idle: Option<Duration>) -> Self {
        self.nat.set_udp_timeout(idle);
        self
    }

    pub fn stats(&self) -> ForwardStats {
        self.stats
    }

    pub fn nat_table(&self) -> &NatTable {
        &self.nat
    }

    /// Drops a packet the translation refused, for the report's `faults`.
    fn refuse(&mut self, action: AppliedAction, packet: Vec<u8>) {
        self.stats.dropped_nat += 1;
        self.refused.push_back(Refused { action, packet });
    }
}

impl Machine for Nat {
    fn handle_packet(&mut self, now: Duration, iface: usize, packet: &[u8]) {
        self.nat.at(now);
        // RFC 1812 5.2.2: a bad header is dropped before anything else.
        if !header_ok(packet) {
            self.stats.dropped_malformed += 1;
            return;
        }
        let dst = ipv4::Packet::new_unchecked(packet).dst_addr();
        let mut packet = packet.to_vec();
        if iface == self.outside {
            if dst == self.nat.public_addr() {
                match self.nat.inbound(&mut packet) {
                    Ok(()) => {
                        forward(&self.table, packet, &mut self.stats, &mut self.queue);
                        return;
                    }
                    Err(NatDrop::NoMapping) => {
                        return self.refuse(AppliedAction::NatNoMapping, packet);
                    }
                    Err(NatDrop::EspDropped) => return self.refuse(AppliedAction::Drop, packet),
                    // Not translatable: for the box itself (a ping).
                    Err(_) => {}
                }
            }
            if self.table.owns(dst) {
                local_delivery(
                    &self.table,
                    &packet,
                    &mut self.next_ident,
                    &mut self.stats,
                    &mut self.queue,
                );
            } else {
                // Outside hosts cannot reach inside addresses directly.
                self.refuse(AppliedAction::NatNoMapping, packet);
            }
            return;
        }
        if self.table.owns(dst) {
            local_delivery(
                &self.table,
                &packet,
                &mut self.next_ident,
                &mut self.stats,
                &mut self.queue,
            );
            return;
        }
        let goes_out = self
            .table
            .route(dst)
            .is_some_and(|(i, _)| i == self.outside);
        if goes_out && iface == self.inside && self.nat.outbound(&mut packet).is_err() {
            return self.refuse(AppliedAction::Drop, packet);
        }
        forward(&self.table, packet, &mut self.stats, &mut self.queue);
    }

    fn handle_timeout(&mut self, _now: Duration) {}

    fn poll_transmit(&mut self) -> Option<Transmit> {
        self.queue.pop_front()
    }

    fn poll_timeout(&self) -> Option<Duration> {
        None
    }

    fn poll_refused(&mut self) -> Option<Refused> {
        self.refused.pop_front()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::net::SocketAddrV4;

    fn ip(s: &str) -> Ipv4Addr {
        s.parse().unwrap()
    }

    fn sa(s: &str) -> SocketAddrV4 {
        s.parse().unwrap()
    }

    const PUBLIC: &str = "203.0.113.2";

    fn esp_packet(src: &str, dst: &str) -> Vec<u8> {
        let r = ipv4::Repr {
            src_addr: ip(src),
            dst_addr: ip(dst),
            protocol: ipv4::Protocol::Esp,
            payload_len: 0,
            ttl: 64,
            ident: 1,
            dont_frag: false,
        };
        ipv4::build(&r, &hex::decode("0000100100000001aabbccdd").unwrap()).unwrap()
    }

    #[test]
    fn udp_source_rewritten_and_checksum_valid_for_new_pseudo_header() {
        let mut t = NatTable::new(ip(PUBLIC), EspNat::Translate);
        let mut p = udp::build_ipv4(
            sa("192.168.1.10:1701"),
            sa("203.0.113.10:1701"),
            1,
            128,
            b"l2tp",
        );
        t.outbound(&mut p).unwrap();
        let d = udp::parse_ipv4(&p).unwrap();
        assert_eq!(d.src, sa("203.0.113.2:1701"));
        assert_eq!(d.payload, b"l2tp");
    }

    #[test]
    fn an_idle_udp_mapping_is_forgotten_and_only_outbound_refreshes_it() {
        let mut t = NatTable::new(ip(PUBLIC), EspNat::Translate);
        t.set_udp_timeout(Some(Duration::from_secs(60)));
        let out = || {
            udp::build_ipv4(
                sa("192.168.1.10:4500"),
                sa("203.0.113.10:4500"),
                1,
                128,
                b"k",
            )
        };
        let reply = || {
            udp::build_ipv4(
                sa("203.0.113.10:4500"),
                sa("203.0.113.2:4500"),
                2,
                128,
                b"k",
            )
        };
        t.at(Duration::from_secs(0));
        t.outbound(&mut out()).unwrap();
        // Replies do not refresh the mapping (RFC 4787 REQ-6)...
        t.at(Duration::from_secs(50));
        t.inbound(&mut reply()).unwrap();
        // ...but something sent out does.
        t.at(Duration::from_secs(55));
        t.outbound(&mut out()).unwrap();
        t.at(Duration::from_secs(115));
        t.inbound(&mut reply()).unwrap();
        // 61 s of outbound silence: gone.
        t.at(Duration::from_secs(116));
        assert_eq!(t.inbound(&mut reply()), Err(NatDrop::NoMapping));
        // Without a timeout, a mapping stays.
        let mut forever = NatTable::new(ip(PUBLIC), EspNat::Translate);
        forever.outbound(&mut out()).unwrap();
        forever.at(Duration::from_secs(86_400));
        assert!(forever.inbound(&mut reply()).is_ok());
    }

    #[test]
    fn reply_is_mapped_back_to_inside_host() {
        let mut t = NatTable::new(ip(PUBLIC), EspNat::Translate);
        let mut p = udp::build_ipv4(
            sa("192.168.1.10:500"),
            sa("203.0.113.10:500"),
            1,
            128,
            b"ike",
        );
        t.outbound(&mut p).unwrap();
        let mut r = udp::build_ipv4(
            sa("203.0.113.10:500"),
            sa("203.0.113.2:500"),
            2,
            128,
            b"ike",
        );
        t.inbound(&mut r).unwrap();
        let d = udp::parse_ipv4(&r).unwrap();
        assert_eq!(d.dst, sa("192.168.1.10:500"));
    }

    #[test]
    fn taken_port_gets_next_free_port_deterministically() {
        let mut t = NatTable::new(ip(PUBLIC), EspNat::Translate);
        let mut a = udp::build_ipv4(sa("192.168.1.10:500"), sa("203.0.113.10:500"), 1, 128, b"");
        let mut b = udp::build_ipv4(sa("192.168.1.11:500"), sa("203.0.113.10:500"), 1, 128, b"");
        let mut c = udp::build_ipv4(sa("192.168.1.12:1024"), sa("203.0.113.10:500"), 1, 128, b"");
        t.outbound(&mut a).unwrap();
        t.outbound(&mut b).unwrap();
        t.outbound(&mut c).unwrap();
        assert_eq!(udp::parse_ipv4(&a).unwrap().src.port(), 500);
        assert_eq!(udp::parse_ipv4(&b).unwrap().src.port(), 1024);
        assert_eq!(udp::parse_ipv4(&c).unwrap().src.port(), 1025);
        let mut r = udp::build_ipv4(sa("203.0.113.10:500"), sa("203.0.113.2:1024"), 2, 128, b"");
        t.inbound(&mut r).unwrap();
        assert_eq!(udp::parse_ipv4(&r).unwrap().dst, sa("192.168.1.11:500"));
    }

    #[test]
    fn unsolicited_inbound_is_refused() {
        let mut t = NatTable::new(ip(PUBLIC), EspNat::Translate);
        let mut r = udp::build_ipv4(sa("203.0.113.10:500"), sa("203.0.113.2:500"), 2, 128, b"");
        let before = r.clone();
        assert_eq!(t.inbound(&mut r), Err(NatDrop::NoMapping));
        assert_eq!(r, before);
    }

    #[test]
    fn zero_udp_checksum_stays_zero() {
        let mut t = NatTable::new(ip(PUBLIC), EspNat::Translate);
        let mut p = udp::build_ipv4(sa("192.168.1.10:9"), sa("203.0.113.10:9"), 1, 128, b"x");
        p[26] = 0;
        p[27] = 0;
        t.outbound(&mut p).unwrap();
        assert_eq!(&p[26..28], &[0, 0]);
        assert!(udp::parse_ipv4(&p).is_ok());
    }

    #[test]
    fn corrupted_udp_stays_detectable_after_translation() {
        let mut t = NatTable::new(ip(PUBLIC), EspNat::Translate);
        let mut p = udp::build_ipv4(sa("192.168.1.10:9"), sa("203.0.113.10:9"), 1, 128, b"abc");
        p[29] ^= 0x10;
        t.outbound(&mut p).unwrap();
        assert!(matches!(
            udp::parse_ipv4(&p),
            Err(crate::wire::WireError::BadChecksum { .. })
        ));
    }

    #[test]
    fn tcp_ports_and_checksum_translated() {
        let mut t = NatTable::new(ip(PUBLIC), EspNat::Translate);
        let repr = tcp::Repr {
            src_port: 1723,
            dst_port: 1723,
            seq_number: 7,
            ack_number: 0,
            flags: tcp::flags::SYN,
            window_len: 8192,
        };
        let (src, dst) = (ip("192.168.1.10"), ip("203.0.113.10"));
        let mut seg = vec![0u8; repr.buffer_len(2)];
        repr.emit(
            &mut tcp::Packet::new_unchecked(&mut seg[..]),
            src,
            dst,
            b"hi",
        )
        .unwrap();
        let ipr = ipv4::Repr {
            src_addr: src,
            dst_addr: dst,
            protocol: ipv4::Protocol::Tcp,
            payload_len: 0,
            ttl: 128,
            ident: 1,
            dont_frag: true,
        };
        let mut p = ipv4::build(&ipr, &seg).unwrap();
        // Another host already holds public port 1723.
        let mut other = udp::build_ipv4(sa("192.168.1.11:1723"), sa("203.0.113.10:1"), 1, 128, b"");
        t.outbound(&mut other).unwrap();
        t.outbound(&mut p).unwrap();
        let v = ipv4::Packet::new_checked(&p[..]).unwrap();
        assert!(v.verify_checksum());
        let s = tcp::Packet::new_checked(v.payload()).unwrap();
        // TCP has its own port map, so 1723 is still free for TCP.
        assert_eq!(s.src_port(), 1723);
        assert!(s.verify_checksum(ip(PUBLIC), dst));
    }

    #[test]
    fn icmp_echo_mapped_by_identifier() {
        let mut t = NatTable::new(ip(PUBLIC), EspNat::Translate);
        let req = icmp::Repr::EchoRequest {
            ident: 77,
            seq_no: 1,
            data: b"p",
        };
        let mut p = icmp::build_ipv4(ip("192.168.1.10"), ip("203.0.113.10"), 1, 128, &req);
        t.outbound(&mut p).unwrap();
        let e = icmp::parse_ipv4(&p).unwrap();
        assert_eq!(e.src, ip(PUBLIC));
        let rep = icmp::Repr::EchoReply {
            ident: 77,
            seq_no: 1,
            data: b"p",
        };
        let mut r = icmp::build_ipv4(ip("203.0.113.10"), ip(PUBLIC), 2, 64, &rep);
        t.inbound(&mut r).unwrap();
        let e = icmp::parse_ipv4(&r).unwrap();
        assert_eq!(e.dst, ip("192.168.1.10"));
        assert_eq!(e.echo, rep);
    }

    #[test]
    fn esp_translate_rewrites_address_and_maps_peer_back() {
        let mut t = NatTable::new(ip(PUBLIC), EspNat::Translate);
        let mut p = esp_packet("192.168.1.10", "203.0.113.10");
        let payload_before = p[20..].to_vec();
        t.outbound(&mut p).unwrap();
        let v = ipv4::Packet::new_checked(&p[..]).unwrap();
        assert!(v.verify_checksum());
        assert_eq!(v.src_addr(), ip(PUBLIC));
        assert_eq!(v.payload(), &payload_before[..]);
        let mut r = esp_packet("203.0.113.10", PUBLIC);
        t.inbound(&mut r).unwrap();
        assert_eq!(
            ipv4::Packet::new_checked(&r[..]).unwrap().dst_addr(),
            ip("192.168.1.10")
        );
        let mut stranger = esp_packet("203.0.113.99", PUBLIC);
        assert_eq!(t.inbound(&mut stranger), Err(NatDrop::NoMapping));
    }

    #[test]
    fn esp_drop_refuses_both_directions() {
        let mut t = NatTable::new(ip(PUBLIC), EspNat::Drop);
        assert_eq!(
            t.outbound(&mut esp_packet("192.168.1.10", "203.0.113.10")),
            Err(NatDrop::EspDropped)
        );
        assert_eq!(
            t.inbound(&mut esp_packet("203.0.113.10", PUBLIC)),
            Err(NatDrop::EspDropped)
        );
    }

    #[test]
    fn gre_is_unsupported() {
        let mut t = NatTable::new(ip(PUBLIC), EspNat::Translate);
        let r = ipv4::Repr {
            src_addr: ip("192.168.1.10"),
            dst_addr: ip("203.0.113.10"),
            protocol: ipv4::Protocol::Gre,
            payload_len: 0,
            ttl: 64,
            ident: 1,
            dont_frag: false,
        };
        let mut p = ipv4::build(&r, &[0; 8]).unwrap();
        assert_eq!(t.outbound(&mut p), Err(NatDrop::Unsupported));
    }

    fn nat() -> Nat {
        Nat::new(
            vec![
                ("192.168.1.0/24".parse().unwrap(), ip("192.168.1.1")),
                ("203.0.113.0/24".parse().unwrap(), ip(PUBLIC)),
            ],
            Some(ip("203.0.113.1")),
            0,
            1,
            EspNat::Translate,
        )
        .unwrap()
    }

    #[test]
    fn nat_machine_translates_and_forwards_both_ways() {
        let mut n = nat();
        let p = udp::build_ipv4(
            sa("192.168.1.10:1701"),
            sa("203.0.113.10:1701"),
            1,
            128,
            b"x",
        );
        n.handle_packet(Duration::ZERO, 0, &p);
        let t = n.poll_transmit().unwrap();
        assert_eq!((t.iface, t.next_hop), (1, ip("203.0.113.10")));
        let d = udp::parse_ipv4(&t.packet).unwrap();
        assert_eq!(d.src, sa("203.0.113.2:1701"));
        assert_eq!(ipv4::Packet::new_checked(&t.packet[..]).unwrap().ttl(), 127);
        let r = udp::build_ipv4(
            sa("203.0.113.10:1701"),
            sa("203.0.113.2:1701"),
            1,
            128,
            b"y",
        );
        n.handle_packet(Duration::ZERO, 1, &r);
        let t = n.poll_transmit().unwrap();
        assert_eq!((t.iface, t.next_hop), (0, ip("192.168.1.10")));
        assert_eq!(
            udp::parse_ipv4(&t.packet).unwrap().dst,
            sa("192.168.1.10:1701")
        );
    }

    #[test]
    fn nat_machine_drops_unsolicited_and_direct_inside_traffic() {
        let mut n = nat();
        let r = udp::build_ipv4(
            sa("203.0.113.10:1701"),
            sa("203.0.113.2:1701"),
            1,
            128,
            b"y",
        );
        n.handle_packet(Duration::ZERO, 1, &r);
        let direct = udp::build_ipv4(
            sa("203.0.113.10:1701"),
            sa("192.168.1.10:1701"),
            1,
            128,
            b"y",
        );
        n.handle_packet(Duration::ZERO, 1, &direct);
        assert_eq!(n.poll_transmit(), None);
        assert_eq!(n.stats().dropped_nat, 2);
        // Both are reported as refused for want of a mapping, as they came.
        for want in [&r, &direct] {
            assert_eq!(
                n.poll_refused(),
                Some(Refused {
                    action: AppliedAction::NatNoMapping,
                    packet: want.clone(),
                })
            );
        }
        assert_eq!(n.poll_refused(), None);
    }

    #[test]
    fn nat_machine_still_answers_pings_and_reports_esp_it_drops() {
        let mut n = Nat::new(
            vec![
                ("192.168.1.0/24".parse().unwrap(), ip("192.168.1.1")),
                ("203.0.113.0/24".parse().unwrap(), ip(PUBLIC)),
            ],
            None,
            0,
            1,
            EspNat::Drop,
        )
        .unwrap();
        let req = icmp::Repr::EchoRequest {
            ident: 9,
            seq_no: 1,
            data: b"x",
        };
        n.handle_packet(
            Duration::ZERO,
            1,
            &icmp::build_ipv4(ip("203.0.113.10"), ip(PUBLIC), 1, 128, &req),
        );
        assert!(n.poll_transmit().is_some());
        assert_eq!(n.poll_refused(), None);
        let esp = esp_packet("192.168.1.10", "203.0.113.10");
        n.handle_packet(Duration::ZERO, 0, &esp);
        let inbound = esp_packet("203.0.113.10", PUBLIC);
        n.handle_packet(Duration::ZERO, 1, &inbound);
        assert_eq!(n.poll_transmit(), None);
        let got: Vec<_> = std::iter::from_fn(|| n.poll_refused()).collect();
        assert_eq!(
            got,
            vec![
                Refused {
                    action: AppliedAction::Drop,
                    packet: esp
                },
                Refused {
                    action: AppliedAction::Drop,
                    packet: inbound
                },
            ]
        );
    }

    #[test]
    fn nat_rejects_bad_interface_indexes() {
        let ifaces = vec![("10.0.0.0/8".parse().unwrap(), ip("10.0.0.1"))];
        assert!(Nat::new(ifaces.clone(), None, 0, 1, EspNat::Drop).is_err());
        assert!(Nat::new(ifaces, None, 0, 0, EspNat::Drop).is_err());
    }
}
