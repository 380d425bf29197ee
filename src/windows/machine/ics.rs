//! Internet Connection Sharing on a Windows machine (claim A9): what is
//! not the host's own traffic is translated and forwarded.

use super::WindowsMachine;
use crate::net::fault::AppliedAction;
use crate::net::machine::Refused;
use crate::net::Transmit;
use crate::wire::{ipv4, Flow};

impl WindowsMachine {
    /// ICS: translates and forwards what is not the host's own traffic.
    /// Returns true when the packet was forwarded (or dropped) by the NAT.
    pub(super) fn share(&mut self, iface: usize, packet: &[u8], flow: &Flow) -> bool {
        let Some(ics) = self.ics.as_mut() else {
            return false;
        };
        let (dst, protocol) = (flow.dst, flow.protocol);
        let mut copy = packet.to_vec();
        if iface == ics.inside && !self.stack.owns(dst) {
            match ics.table.outbound(&mut copy) {
                Ok(()) => {
                    if let Some((out, next_hop)) = self.stack.routes().route(dst) {
                        self.wire.push_back(Transmit {
                            iface: out,
                            next_hop,
                            packet: copy,
                        });
                    }
                }
                // Like a NAT box, ICS drops what it cannot translate.
                Err(_) => self.refused.push_back(Refused {
                    action: AppliedAction::Drop,
                    packet: packet.to_vec(),
                }),
            }
            return true;
        }
        if iface != ics.outside || dst != ics.table.public_addr() {
            return false;
        }
        // The host's own traffic first: its sockets (reserved in the table)
        // and ESP of its own SAs.
        if protocol == ipv4::Protocol::Esp && self.ipsec.owns_esp(flow) {
            return false;
        }
        if ics.table.inbound(&mut copy).is_err() {
            return false;
        }
        let inside = ipv4::Packet::new_checked(&copy[..]).map(|p| p.dst_addr());
        if let Ok(inside) = inside {
            if inside != ics.table.public_addr() {
                if let Some((out, next_hop)) = self.stack.routes().route(inside) {
                    self.wire.push_back(Transmit {
                        iface: out,
                        next_hop,
                        packet: copy,
                    });
                }
                return true;
            }
        }
        false
    }
}
