//! The IPv4 stack of a Windows machine: its addresses, the route table
//! that picks each packet's interface and source address, IP
//! identification, and the queue of packets built for the IPsec driver.

use std::collections::VecDeque;
use std::net::{Ipv4Addr, SocketAddrV4};

use crate::net::{RouteTable, Transmit};
use crate::wire::{icmp, ipv4, udp};

/// What the stack threw away or could not send (diagnostics).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StackCounters {
    pub malformed: u64,
    pub not_for_us: u64,
    pub no_route: u64,
    pub unhandled: u64,
}

#[derive(Clone)]
pub struct IpStack {
    routes: RouteTable,
    ident: u16,
    /// The TTL of what the host sends (its version's).
    ttl: u8,
    /// Packets the stack built, before the IPsec driver sees them, with
    /// the UDP encapsulation context of their SA (0: none).
    outbox: VecDeque<(Transmit, u16)>,
    pub counters: StackCounters,
}

impl IpStack {
    /// `ident`: Windows starts IP identification at an arbitrary value.
    pub fn new(routes: RouteTable, ident: u16, ttl: u8) -> Self {
        IpStack {
            routes,
            ident,
            ttl,
            outbox: VecDeque::new(),
            counters: StackCounters::default(),
        }
    }

    pub fn routes(&self) -> &RouteTable {
        &self.routes
    }

    pub fn owns(&self, addr: Ipv4Addr) -> bool {
        self.routes.owns(addr)
    }

    /// The source address a packet to `dst` leaves with.
    pub fn source_for(&self, dst: Ipv4Addr) -> Option<Ipv4Addr> {
        self.routes.source_for(dst)
    }

    fn next_ident(&mut self) -> u16 {
        self.ident = self.ident.wrapping_add(1);
        self.ident
    }

    /// Sends a UDP datagram from `src_port` on the routed address, on the
    /// SA of a UDP encapsulation context (0: none; see `ipsec::Driver`).
    pub fn send_udp(&mut self, src_port: u16, dst: SocketAddrV4, payload: &[u8], context: u16) {
        let Some(src) = self.source_for(*dst.ip()) else {
            self.counters.no_route += 1;
            return;
        };
        let ident = self.next_ident();
        let packet = udp::build_ipv4(
            SocketAddrV4::new(src, src_port),
            dst,
            ident,
            self.ttl,
            payload,
        );
        self.queue(*dst.ip(), packet, context);
    }

    /// Sends a UDP datagram from a given local address (IKE answers from
    /// the address it was asked on). An unspecified source takes the
    /// routed address.
    pub fn send_udp_from(&mut self, src: SocketAddrV4, dst: SocketAddrV4, payload: &[u8]) {
        let src = if src.ip().is_unspecified() {
            match self.source_for(*dst.ip()) {
                Some(a) => SocketAddrV4::new(a, src.port()),
                None => {
                    self.counters.no_route += 1;
                    return;
                }
            }
        } else {
            src
        };
        let ident = self.next_ident();
        let packet = udp::build_ipv4(src, dst, ident, self.ttl, payload);
        self.send_ip(*dst.ip(), packet);
    }

    /// Sends a GRE packet (IP protocol 47, RFC 2637 4) from `src`.
    pub fn send_gre(&mut self, src: Ipv4Addr, dst: Ipv4Addr, payload: &[u8]) {
        let repr = ipv4::Repr {
            src_addr: src,
            dst_addr: dst,
            protocol: ipv4::Protocol::Gre,
            payload_len: payload.len(),
            ttl: self.ttl,
            ident: self.next_ident(),
            dont_frag: false,
        };
        match ipv4::build(&repr, payload) {
            Ok(packet) => self.send_ip(dst, packet),
            Err(_) => self.counters.unhandled += 1,
        }
    }

    /// Queues an already built IPv4 packet toward `dst`.
    pub fn send_ip(&mut self, dst: Ipv4Addr, packet: Vec<u8>) {
        self.queue(dst, packet, 0);
    }

    fn queue(&mut self, dst: Ipv4Addr, packet: Vec<u8>, context: u16) {
        match self.routes.route(dst) {
            Some((iface, next_hop)) => self.outbox.push_back((
                Transmit {
                    iface,
                    next_hop,
                    packet,
                },
                context,
            )),
            None => self.counters.no_route += 1,
        }
    }

    /// Answers an ICMP echo request addressed to us.
    pub fn echo_reply(&mut self, request: &icmp::IcmpEcho<'_>) {
        if let icmp::Repr::EchoRequest {
            ident,
            seq_no,
            data,
        } = request.echo
        {
            let reply = icmp::Repr::EchoReply {
                ident,
                seq_no,
                data,
            };
            let id = self.next_ident();
            let out = icmp::build_ipv4(request.dst, request.src, id, self.ttl, &reply);
            self.send_ip(request.src, out);
        }
    }

    /// The next packet the stack built and its context, for the IPsec
    /// driver.
    #[must_use]
    pub fn poll_outbox(&mut self) -> Option<(Transmit, u16)> {
        self.outbox.pop_front()
    }
}
