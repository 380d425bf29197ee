//! The NAT box: a router whose outside interface translates with a
//! `NatTable` (RFC 3022 2.2) and, for `forward` rules, sends what arrives
//! on its public address to an inside server (static port forwarding, as
//! KB 885348 configures for a VPN server behind a NAT).

mod drop;
mod gre;
mod table;
#[cfg(test)]
mod tests;

use core::net::Ipv4Addr;
use core::time::Duration;
use std::collections::VecDeque;

pub use drop::NatDrop;
pub use gre::GreNat;
pub use table::{EspNat, Forward, NatTable};

use super::error::NetError;
use super::fault::AppliedAction;
use super::machine::{Machine, Refused, Transmit};
use super::route::RouteTable;
use super::router::{forward, header_ok, local_delivery, ForwardStats};
use super::spec::Subnet;
use crate::wire::ipv4;

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

    /// What GRE gets (SCENARIOS.md `nat.gre`).
    #[must_use]
    pub fn with_gre(mut self, mode: GreNat) -> Self {
        self.nat.set_gre(mode);
        self
    }

    /// RFC 4787 4.2.1: whether new mappings keep the inside port.
    #[must_use]
    pub fn with_port_preservation(mut self, on: bool) -> Self {
        self.nat.set_port_preservation(on);
        self
    }

    /// Static forwarding rules (SCENARIOS.md `forward`); a rule for a port
    /// already forwarded is ignored (the first wins).
    #[must_use]
    pub fn with_forwards(mut self, rules: &[Forward]) -> Self {
        for r in rules {
            self.nat.add_forward(*r);
        }
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
        tracing::debug!(target: crate::trace::NAT, action = action.as_str(), len = packet.len(), "packet refused");
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
                    Err(NatDrop::EspDropped | NatDrop::GreDropped) => {
                        return self.refuse(AppliedAction::Drop, packet)
                    }
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
