//! GRE (IP protocol 47) through the NAT. PPTP's data channel has no ports
//! to map, so a plain NAT can only rewrite the address and send inbound
//! GRE to the inside host that last sent GRE to that peer (`translate`):
//! one PPTP client per server works, a second takes the first's packets.
//! A PPTP passthrough router (`pptp-helper`) reads the Outgoing-Call-
//! Requests its inside hosts send on TCP 1723 and learns which call id
//! each will receive GRE under, as Linux's nf_conntrack_pptp does; it does
//! not rewrite call ids [MODEL: two inside clients choosing the same call
//! id for one server collide].

use core::net::Ipv4Addr;
use std::collections::BTreeMap;

use super::drop::NatDrop;
use crate::wire::pptp::{message_len, Message};

/// What the NAT does with GRE (SCENARIOS.md `nat.gre`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum GreNat {
    /// Rewrite the address; inbound to the last inside sender to that peer.
    #[default]
    Translate,
    /// Inbound by the PPTP call id the inside host asked for.
    PptpHelper,
    /// Drop protocol 47 both ways.
    Drop,
}

#[derive(Debug, Clone, Default)]
pub(super) struct GreTable {
    pub(super) mode: GreNat,
    /// translate: remote peer -> inside host that last sent GRE to it.
    peers: BTreeMap<Ipv4Addr, Ipv4Addr>,
    /// pptp-helper: (server, the inside client's call id) -> inside host.
    calls: BTreeMap<(Ipv4Addr, u16), Ipv4Addr>,
    /// A `forward` rule for GRE: where GRE from an unknown peer goes.
    pub(super) forward: Option<Ipv4Addr>,
}

impl GreTable {
    pub(super) fn outbound(&mut self, inside: Ipv4Addr, peer: Ipv4Addr) -> Result<(), NatDrop> {
        match self.mode {
            GreNat::Drop => Err(NatDrop::GreDropped),
            GreNat::Translate => {
                self.peers.insert(peer, inside);
                Ok(())
            }
            GreNat::PptpHelper => Ok(()),
        }
    }

    /// The inside host for GRE from `peer` keyed `call_id` (None: not
    /// enhanced GRE, no key to read).
    pub(super) fn inbound(
        &self,
        peer: Ipv4Addr,
        call_id: Option<u16>,
    ) -> Result<Ipv4Addr, NatDrop> {
        let found = match self.mode {
            GreNat::Drop => return Err(NatDrop::GreDropped),
            GreNat::Translate => self.peers.get(&peer),
            GreNat::PptpHelper => call_id.and_then(|id| self.calls.get(&(peer, id))),
        };
        found
            .or(self.forward.as_ref())
            .copied()
            .ok_or(NatDrop::NoMapping)
    }

    /// The helper reads a TCP segment an inside host sends to a PPTP
    /// server: each Outgoing-Call-Request names the call id the server's
    /// GRE will carry. Segments are read as whole messages [MODEL: a real
    /// helper reassembles the stream; Windows sends one message per
    /// segment].
    pub(super) fn watch_control(&mut self, inside: Ipv4Addr, server: Ipv4Addr, mut payload: &[u8]) {
        if self.mode != GreNat::PptpHelper {
            return;
        }
        while let Ok(Some(len)) = message_len(payload) {
            let (one, rest) = payload.split_at(len);
            if let Ok(Message::OutgoingCallRequest(o)) = Message::parse(one) {
                self.calls.insert((server, o.call_id), inside);
            }
            payload = rest;
        }
    }
}
