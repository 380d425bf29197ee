//! NAPT (RFC 3022 2.2) as a reusable table: the `Nat` box uses one on its
//! outside interface, and a Windows machine acting as an ICS gateway too.
//!
//! Model: endpoint-independent mapping and filtering (RFC 4787 4.1, 5), as
//! home gateways and ICS do; UDP mappings idle longer than `udp-timeout`
//! are forgotten, only outbound packets refresh them (RFC 4787 REQ-6);
//! static forwards never expire. Checksums are updated incrementally (RFC
//! 1624), as real NATs do, so a packet corrupted before the NAT stays
//! detectably corrupt after it.

use core::net::Ipv4Addr;
use core::time::Duration;
use std::collections::{BTreeMap, BTreeSet};

use super::drop::NatDrop;
use super::gre::{GreNat, GreTable};
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

/// A static forwarding rule: what arrives on the public address goes to
/// `to` (SCENARIOS.md `forward`: `{protocol: udp, port: 500, to: server}`,
/// where `To` is a host name until the harness resolves it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(tag = "protocol", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Forward<To = Ipv4Addr> {
    /// UDP to this public port goes to the same port on `to`.
    Udp { port: u16, to: To },
    /// TCP to this public port goes to the same port on `to`.
    Tcp { port: u16, to: To },
    /// ESP from a peer no inside host has sent ESP to goes to `to`.
    Esp { to: To },
    /// GRE that maps to no inside host goes to `to`.
    Gre { to: To },
}

impl<To> Forward<To> {
    pub fn to(&self) -> &To {
        match self {
            Forward::Udp { to, .. }
            | Forward::Tcp { to, .. }
            | Forward::Esp { to }
            | Forward::Gre { to } => to,
        }
    }

    /// What it forwards: its protocol and port; two rules of one NAT must
    /// not forward the same.
    pub fn what(&self) -> (&'static str, Option<u16>) {
        match self {
            Forward::Udp { port, .. } => ("udp", Some(*port)),
            Forward::Tcp { port, .. } => ("tcp", Some(*port)),
            Forward::Esp { .. } => ("esp", None),
            Forward::Gre { .. } => ("gre", None),
        }
    }

    /// The same rule toward `to` named another way; `None` when `resolve`
    /// finds no such host.
    pub fn resolve<Other>(
        &self,
        resolve: impl FnOnce(&To) -> Option<Other>,
    ) -> Option<Forward<Other>> {
        let to = resolve(self.to())?;
        Some(match *self {
            Forward::Udp { port, .. } => Forward::Udp { port, to },
            Forward::Tcp { port, .. } => Forward::Tcp { port, to },
            Forward::Esp { .. } => Forward::Esp { to },
            Forward::Gre { .. } => Forward::Gre { to },
        })
    }
}

/// First port handed out when an inside host's own port is taken.
pub(super) const FIRST_DYNAMIC_PORT: u16 = 1024;

#[derive(Debug, Clone, Default)]
struct PortMap {
    /// (inside address, inside port) -> public port
    out: BTreeMap<(Ipv4Addr, u16), u16>,
    /// public port -> (inside address, inside port)
    back: BTreeMap<u16, (Ipv4Addr, u16)>,
    /// public port -> when a packet last went out through it
    last_out: BTreeMap<u16, Duration>,
    /// Public ports of static forwards, which never expire.
    fixed: BTreeSet<u16>,
    next: u16,
}

impl PortMap {
    /// The public port for an inside endpoint: the existing mapping, else
    /// the same port if free and `preserve`, else the next free port from
    /// 1024 upward.
    fn map_out(&mut self, inside: (Ipv4Addr, u16), preserve: bool) -> Option<u16> {
        if let Some(p) = self.out.get(&inside) {
            return Some(*p);
        }
        let port = if !preserve || self.back.contains_key(&inside.1) {
            self.allocate()?
        } else {
            inside.1
        };
        self.out.insert(inside, port);
        self.back.insert(port, inside);
        Some(port)
    }

    /// A static mapping of `port` to the same port on `to`; false when the
    /// port is already mapped.
    fn fix(&mut self, port: u16, to: Ipv4Addr) -> bool {
        if self.back.contains_key(&port) || self.out.contains_key(&(to, port)) {
            return false;
        }
        self.out.insert((to, port), port);
        self.back.insert(port, (to, port));
        self.fixed.insert(port);
        true
    }

    /// Forgets every mapping no packet went out through for longer than
    /// `idle` before `now`; static forwards stay.
    fn expire(&mut self, now: Duration, idle: Duration) {
        let stale: Vec<u16> = self
            .last_out
            .iter()
            .filter(|(p, t)| now.saturating_sub(**t) > idle && !self.fixed.contains(p))
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
    /// Where ESP from an unknown peer goes (a `forward` rule for ESP).
    esp_forward: Option<Ipv4Addr>,
    gre: GreTable,
    /// UDP mappings idle (nothing sent out) longer than this are forgotten
    /// (SCENARIOS.md `udp-timeout`); `None`: never.
    udp_timeout: Option<Duration>,
    /// The time of the packet being translated (`at`).
    now: Duration,
    /// A new mapping keeps the inside port when it is free (RFC 4787
    /// 4.2.1 "port preservation"); without, ports are handed out in turn.
    preserve_ports: bool,
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
            esp_forward: None,
            gre: GreTable::default(),
            udp_timeout: None,
            now: Duration::ZERO,
            preserve_ports: true,
        }
    }

    /// What GRE gets (SCENARIOS.md `nat.gre`; default `translate`).
    pub fn set_gre(&mut self, mode: GreNat) {
        self.gre.mode = mode;
    }

    /// Whether new mappings keep the inside port when it is free.
    pub fn set_port_preservation(&mut self, on: bool) {
        self.preserve_ports = on;
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

    /// Adds a static forward; false when what it forwards already goes
    /// elsewhere (the first rule wins).
    pub fn add_forward(&mut self, rule: Forward) -> bool {
        match rule {
            Forward::Udp { port, to } => self.udp.fix(port, to),
            Forward::Tcp { port, to } => self.tcp.fix(port, to),
            Forward::Esp { to } => {
                let first = self.esp_forward.is_none();
                self.esp_forward.get_or_insert(to);
                first
            }
            Forward::Gre { to } => {
                let first = self.gre.forward.is_none();
                self.gre.forward.get_or_insert(to);
                first
            }
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
                let port = map
                    .map_out((m.src, sport), self.preserve_ports)
                    .ok_or(NatDrop::PortsExhausted)?;
                map.last_out.insert(port, self.now);
                if !is_udp {
                    if let Ok(t) = tcp::Packet::new_checked(&seg[..]) {
                        if t.dst_port() == crate::wire::pptp::TCP_PORT {
                            self.gre.watch_control(m.src, m.dst, t.payload());
                        }
                    }
                }
                rewrite_transport(seg, is_udp, true, (m.src, sport), (public, port));
            }
            ipv4::Protocol::Icmp => {
                let seg = packet
                    .get_mut(m.header_len..m.total_len)
                    .ok_or(NatDrop::Malformed)?;
                let ident = echo_ident(seg, icmp::Message::EchoRequest)?;
                let id = self
                    .icmp
                    .map_out((m.src, ident), self.preserve_ports)
                    .ok_or(NatDrop::PortsExhausted)?;
                rewrite_echo_ident(seg, ident, id);
            }
            ipv4::Protocol::Esp => match self.esp {
                EspNat::Drop => return Err(NatDrop::EspDropped),
                EspNat::Translate => {
                    self.esp_peers.insert(m.dst, m.src);
                }
            },
            ipv4::Protocol::Gre => self.gre.outbound(m.src, m.dst)?,
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
                EspNat::Translate => *self
                    .esp_peers
                    .get(&m.src)
                    .or(self.esp_forward.as_ref())
                    .ok_or(NatDrop::NoMapping)?,
            },
            ipv4::Protocol::Gre => {
                let call_id = packet
                    .get(m.header_len..m.total_len)
                    .and_then(|g| crate::wire::gre::Packet::new_checked(g).ok())
                    .map(|g| g.call_id());
                self.gre.inbound(m.src, call_id)?
            }
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
