//! A plain IPv4 router (RFC 1812): forwards between its interfaces,
//! decrementing the TTL, and answers pings to its own addresses.

use core::net::Ipv4Addr;
use core::time::Duration;
use std::collections::VecDeque;

use super::machine::{Machine, Transmit};
use super::route::RouteTable;
use super::spec::Subnet;
use crate::wire::{icmp, ipv4};

/// TTL of packets a router originates (echo replies).
pub(crate) const ROUTER_TTL: u8 = 64;

/// What happened to packets, for reports and tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ForwardStats {
    pub forwarded: u64,
    /// Header malformed or its checksum wrong (RFC 1812 5.2.2).
    pub dropped_malformed: u64,
    /// TTL would reach 0 (RFC 1812 5.3.1).
    pub dropped_ttl: u64,
    pub dropped_no_route: u64,
    /// Addressed to this box and not an echo request.
    pub dropped_local: u64,
    /// Refused by the NAT (no mapping, unsupported protocol, ESP dropped).
    pub dropped_nat: u64,
    pub echo_replies: u64,
}

/// Checks an IPv4 header the way a router must before forwarding (RFC 1812
/// 5.2.2: version, header length, total length, checksum).
pub(crate) fn header_ok(packet: &[u8]) -> bool {
    ipv4::Packet::new_checked(packet).is_ok_and(|p| p.verify_checksum())
}

/// Decrements the TTL in place and fixes the header checksum
/// incrementally (RFC 1624). Returns false, leaving the packet alone, when
/// the TTL would reach 0 (RFC 1812 5.3.1). The header must be checked.
pub(crate) fn decrement_ttl(packet: &mut [u8]) -> bool {
    let Ok(mut p) = ipv4::Packet::new_checked(packet) else {
        return false;
    };
    let ttl = p.ttl();
    if ttl <= 1 {
        return false;
    }
    // TTL shares its 16-bit word with the protocol (RFC 791 3.1).
    let proto = u8::from(p.protocol());
    let old = u16::from_be_bytes([ttl, proto]);
    let new = u16::from_be_bytes([ttl - 1, proto]);
    let c = crate::wire::checksum::update(p.checksum(), old, new);
    p.set_ttl(ttl - 1);
    p.set_checksum(c);
    true
}

/// The echo reply to a valid ICMP echo request addressed to `own`.
pub(crate) fn echo_reply(packet: &[u8], ident: u16) -> Option<Vec<u8>> {
    let echo = icmp::parse_ipv4(packet).ok()?;
    let icmp::Repr::EchoRequest {
        ident: id,
        seq_no,
        data,
    } = echo.echo
    else {
        return None;
    };
    let reply = icmp::Repr::EchoReply {
        ident: id,
        seq_no,
        data,
    };
    Some(icmp::build_ipv4(
        echo.dst, echo.src, ident, ROUTER_TTL, &reply,
    ))
}

/// A router between its interfaces.
#[derive(Debug, Clone)]
pub struct Router {
    table: RouteTable,
    queue: VecDeque<Transmit>,
    stats: ForwardStats,
    next_ident: u16,
}

impl Router {
    pub fn new(ifaces: Vec<(Subnet, Ipv4Addr)>, gateway: Option<Ipv4Addr>) -> Self {
        Router {
            table: RouteTable::new(&ifaces, gateway),
            queue: VecDeque::new(),
            stats: ForwardStats::default(),
            next_ident: 1,
        }
    }

    pub fn stats(&self) -> ForwardStats {
        self.stats
    }

    pub fn table(&self) -> &RouteTable {
        &self.table
    }
}

/// Shared by `Router` and `Nat`: answer a ping to one of our addresses,
/// otherwise count the drop.
pub(crate) fn local_delivery(
    table: &RouteTable,
    packet: &[u8],
    next_ident: &mut u16,
    stats: &mut ForwardStats,
    queue: &mut VecDeque<Transmit>,
) {
    let reply = echo_reply(packet, *next_ident);
    match reply.and_then(|r| {
        let dst = ipv4::Packet::new_checked(&r[..]).ok()?.dst_addr();
        table.route(dst).map(|(iface, next_hop)| Transmit {
            iface,
            next_hop,
            packet: r,
        })
    }) {
        Some(t) => {
            *next_ident = next_ident.wrapping_add(1);
            stats.echo_replies += 1;
            queue.push_back(t);
        }
        None => stats.dropped_local += 1,
    }
}

/// Shared by `Router` and `Nat`: TTL, route, queue.
pub(crate) fn forward(
    table: &RouteTable,
    mut packet: Vec<u8>,
    stats: &mut ForwardStats,
    queue: &mut VecDeque<Transmit>,
) {
    let Some(dst) = ipv4::Packet::new_checked(&packet[..])
        .ok()
        .map(|p| p.dst_addr())
    else {
        stats.dropped_malformed += 1;
        return;
    };
    let Some((iface, next_hop)) = table.route(dst) else {
        stats.dropped_no_route += 1;
        return;
    };
    if !decrement_ttl(&mut packet) {
        stats.dropped_ttl += 1;
        return;
    }
    stats.forwarded += 1;
    queue.push_back(Transmit {
        iface,
        next_hop,
        packet,
    });
}

impl Machine for Router {
    fn handle_packet(&mut self, _now: Duration, _iface: usize, packet: &[u8]) {
        if !header_ok(packet) {
            self.stats.dropped_malformed += 1;
            return;
        }
        let dst = ipv4::Packet::new_unchecked(packet).dst_addr();
        if self.table.owns(dst) {
            local_delivery(
                &self.table,
                packet,
                &mut self.next_ident,
                &mut self.stats,
                &mut self.queue,
            );
            return;
        }
        forward(
            &self.table,
            packet.to_vec(),
            &mut self.stats,
            &mut self.queue,
        );
    }

    fn handle_timeout(&mut self, _now: Duration) {}

    fn poll_transmit(&mut self) -> Option<Transmit> {
        self.queue.pop_front()
    }

    fn poll_timeout(&self) -> Option<Duration> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::udp;
    use core::net::SocketAddrV4;

    fn ip(s: &str) -> Ipv4Addr {
        s.parse().unwrap()
    }

    fn router() -> Router {
        Router::new(
            vec![
                ("10.0.1.0/24".parse().unwrap(), ip("10.0.1.1")),
                ("10.0.2.0/24".parse().unwrap(), ip("10.0.2.1")),
            ],
            Some(ip("10.0.2.254")),
        )
    }

    fn pkt(dst: &str, ttl: u8) -> Vec<u8> {
        udp::build_ipv4(
            SocketAddrV4::new(ip("10.0.1.10"), 1000),
            SocketAddrV4::new(ip(dst), 2000),
            5,
            ttl,
            b"data",
        )
    }

    #[test]
    fn forwards_with_ttl_decremented_and_valid_checksums() {
        let mut r = router();
        r.handle_packet(Duration::ZERO, 0, &pkt("10.0.2.10", 64));
        let t = r.poll_transmit().unwrap();
        assert_eq!((t.iface, t.next_hop), (1, ip("10.0.2.10")));
        let p = ipv4::Packet::new_checked(&t.packet[..]).unwrap();
        assert_eq!(p.ttl(), 63);
        assert!(udp::parse_ipv4(&t.packet).is_ok());
        assert_eq!(r.stats().forwarded, 1);
    }

    #[test]
    fn unknown_destination_goes_to_gateway() {
        let mut r = router();
        r.handle_packet(Duration::ZERO, 0, &pkt("8.8.8.8", 64));
        let t = r.poll_transmit().unwrap();
        assert_eq!((t.iface, t.next_hop), (1, ip("10.0.2.254")));
    }

    #[test]
    fn ttl_one_is_dropped() {
        let mut r = router();
        r.handle_packet(Duration::ZERO, 0, &pkt("10.0.2.10", 1));
        assert_eq!(r.poll_transmit(), None);
        assert_eq!(r.stats().dropped_ttl, 1);
    }

    #[test]
    fn no_route_is_dropped() {
        let mut r = Router::new(vec![("10.0.1.0/24".parse().unwrap(), ip("10.0.1.1"))], None);
        r.handle_packet(Duration::ZERO, 0, &pkt("10.0.9.9", 64));
        assert_eq!(r.poll_transmit(), None);
        assert_eq!(r.stats().dropped_no_route, 1);
    }

    #[test]
    fn bad_header_checksum_is_dropped() {
        let mut r = router();
        let mut p = pkt("10.0.2.10", 64);
        p[8] ^= 1;
        r.handle_packet(Duration::ZERO, 0, &p);
        assert_eq!(r.poll_transmit(), None);
        assert_eq!(r.stats().dropped_malformed, 1);
    }

    #[test]
    fn answers_ping_to_own_address() {
        let mut r = router();
        let req = icmp::Repr::EchoRequest {
            ident: 9,
            seq_no: 3,
            data: b"x",
        };
        r.handle_packet(
            Duration::ZERO,
            0,
            &icmp::build_ipv4(ip("10.0.1.10"), ip("10.0.1.1"), 1, 128, &req),
        );
        let t = r.poll_transmit().unwrap();
        assert_eq!((t.iface, t.next_hop), (0, ip("10.0.1.10")));
        let got = icmp::parse_ipv4(&t.packet).unwrap();
        assert_eq!(got.src, ip("10.0.1.1"));
        assert_eq!(
            got.echo,
            icmp::Repr::EchoReply {
                ident: 9,
                seq_no: 3,
                data: b"x"
            }
        );
    }
}
