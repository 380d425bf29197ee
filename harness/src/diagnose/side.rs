//! Which machine took a capture: the client or the server (SCENARIOS.md,
//! third round, `--capture-from`). A capture taken on one machine shows
//! that machine's address in every packet of the exchange, and its own
//! packets leave with the TTL they were sent with, while the peer's have
//! lost one per router on the way (RFC 791 3.2, RFC 1812 5.3.1). The
//! machine that took it is the client when it is the one that starts the
//! exchange (the *initiator* of `facts`), the server when it answers.
//!
//! Where the capture does not show it (a capture on a router or a mirror
//! port, both ends on one link, a capture of nothing), the side is not
//! known and `rank` compares the capture with both sides of each cause.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::net::Ipv4Addr;

use serde::{Deserialize, Serialize};

/// The side a capture was taken on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Side {
    Client,
    Server,
}

impl Side {
    /// The role name the index gives a capture point.
    pub fn role(self) -> &'static str {
        match self {
            Side::Client => "client",
            Side::Server => "server",
        }
    }
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.role())
    }
}

impl std::str::FromStr for Side {
    type Err = String;

    fn from_str(s: &str) -> Result<Side, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "client" => Ok(Side::Client),
            "server" => Ok(Side::Server),
            _ => Err(format!(
                "'{s}': the capture is from the client or the server"
            )),
        }
    }
}

/// How the side of a capture is known.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "how", rename_all = "kebab-case")]
pub enum CaptureFrom {
    /// `--capture-from`.
    Given { side: Side },
    /// Read off the capture: `host` took it.
    Inferred { side: Side, host: Ipv4Addr },
    /// The capture does not show it.
    Unknown,
}

impl CaptureFrom {
    pub fn side(self) -> Option<Side> {
        match self {
            CaptureFrom::Given { side } | CaptureFrom::Inferred { side, .. } => Some(side),
            CaptureFrom::Unknown => None,
        }
    }
}

/// TTLs hosts send with (Windows 128, Linux 64, network gear 255, old
/// stacks 32): a packet that still has one was captured on its sender or
/// on the sender's own link.
const INITIAL_TTLS: [u8; 4] = [32, 64, 128, 255];

/// What the inference needs, packet by packet.
#[derive(Debug, Default)]
pub struct SideSeen {
    /// Addresses present in every packet of the exchange so far; `None`
    /// before the first.
    common: Option<BTreeSet<Ipv4Addr>>,
    /// Sender -> whether every packet it sent still had an initial TTL.
    undecremented: BTreeMap<Ipv4Addr, bool>,
}

impl SideSeen {
    /// One packet of the exchange (ISAKMP, ESP, L2TP, PPTP, GRE).
    pub fn packet(&mut self, src: Ipv4Addr, dst: Ipv4Addr, ttl: u8) {
        let pair = BTreeSet::from([src, dst]);
        self.common = Some(match self.common.take() {
            None => pair,
            Some(c) => c.intersection(&pair).copied().collect(),
        });
        let initial = INITIAL_TTLS.contains(&ttl);
        self.undecremented
            .entry(src)
            .and_modify(|all| *all &= initial)
            .or_insert(initial);
    }

    /// The address of the machine that took the capture, if it shows.
    pub fn capturer(&self) -> Option<Ipv4Addr> {
        let common: Vec<Ipv4Addr> = self.common.as_ref()?.iter().copied().collect();
        match common.as_slice() {
            [one] => Some(*one),
            // Only two peers talk: the one whose packets were not routed.
            [a, b] => match (self.undecremented.get(a), self.undecremented.get(b)) {
                (Some(true), Some(false) | None) | (None, Some(false)) => Some(*a),
                (Some(false) | None, Some(true)) | (Some(false), None) => Some(*b),
                _ => None,
            },
            _ => None,
        }
    }

    /// The side of the capture: the client when the machine that took it
    /// started the exchange, the server when another address did.
    pub fn infer(&self, initiator: Option<Ipv4Addr>) -> CaptureFrom {
        match (self.capturer(), initiator) {
            (Some(host), Some(i)) => CaptureFrom::Inferred {
                side: if host == i {
                    Side::Client
                } else {
                    Side::Server
                },
                host,
            },
            _ => CaptureFrom::Unknown,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(s: &str) -> Ipv4Addr {
        s.parse().unwrap()
    }

    #[test]
    fn the_side_whose_packets_keep_their_ttl_took_a_two_party_capture() {
        let (c, s) = (a("192.168.1.10"), a("203.0.113.10"));
        let mut on_client = SideSeen::default();
        on_client.packet(c, s, 128);
        on_client.packet(s, c, 127);
        assert_eq!(
            on_client.infer(Some(c)),
            CaptureFrom::Inferred {
                side: Side::Client,
                host: c
            }
        );
        let mut on_server = SideSeen::default();
        on_server.packet(c, s, 127);
        on_server.packet(s, c, 128);
        assert_eq!(on_server.infer(Some(c)).side(), Some(Side::Server));
        // Unanswered: what arrived had been routed, so the receiver took it.
        let mut unanswered = SideSeen::default();
        unanswered.packet(c, s, 127);
        assert_eq!(unanswered.infer(Some(c)).side(), Some(Side::Server));
    }

    #[test]
    fn one_address_in_every_packet_took_it_and_a_mirror_port_does_not_show() {
        let (c1, c2, s) = (a("10.0.0.1"), a("10.0.0.2"), a("10.0.0.9"));
        let mut two_clients = SideSeen::default();
        two_clients.packet(c1, s, 127);
        two_clients.packet(c2, s, 127);
        assert_eq!(two_clients.infer(Some(c1)).side(), Some(Side::Server));
        let mut same_link = SideSeen::default();
        same_link.packet(c1, s, 128);
        same_link.packet(s, c1, 128);
        assert_eq!(same_link.infer(Some(c1)), CaptureFrom::Unknown);
        assert_eq!(SideSeen::default().infer(Some(c1)), CaptureFrom::Unknown);
        let mut mirror = SideSeen::default();
        mirror.packet(c1, s, 127);
        mirror.packet(c2, a("10.0.0.8"), 127);
        assert_eq!(mirror.infer(Some(c1)), CaptureFrom::Unknown);
    }

    #[test]
    fn the_side_parses_from_the_command_line() {
        assert_eq!("Server".parse::<Side>(), Ok(Side::Server));
        assert!("router".parse::<Side>().is_err());
    }
}
