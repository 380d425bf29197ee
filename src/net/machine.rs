//! The contract between the simulated network and a machine on it.

use core::net::Ipv4Addr;
use core::time::Duration;

use super::fault::AppliedAction;

/// A packet a machine puts on one of its interfaces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transmit {
    /// Index into the host's `interfaces`.
    pub iface: usize,
    /// The neighbour on that interface's segment that receives the packet
    /// (the destination itself, or a gateway).
    pub next_hop: Ipv4Addr,
    /// A whole IPv4 packet.
    pub packet: Vec<u8>,
}

/// A packet a middlebox refused on its own account, e.g. a NAT without a
/// mapping for it (the report's `faults`, SCENARIOS.md "Reports").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub action: AppliedAction,
    /// The packet as it arrived.
    pub packet: Vec<u8>,
}

/// A sans-IO machine: Windows client or server, router, NAT.
///
/// Either engine drives it in this order in its turn at an instant (the
/// rule is `link`'s): `poll_refused` and `poll_transmit` drained, every
/// packet due at `now` through `handle_packet`, then `handle_timeout` as
/// long as `poll_timeout() <= now`; after each call it drains
/// `poll_refused`, then `poll_transmit`. `now` is the simulated time since
/// the start, a multiple of the tick, the same for every host.
#[must_use]
pub trait Machine {
    fn handle_packet(&mut self, now: Duration, iface: usize, packet: &[u8]);
    fn handle_timeout(&mut self, now: Duration);
    #[must_use]
    fn poll_transmit(&mut self) -> Option<Transmit>;
    #[must_use]
    fn poll_timeout(&self) -> Option<Duration>;
    /// What the machine refused since the last call, as a middlebox (a
    /// NAT). Hosts and plain routers refuse nothing here.
    #[must_use]
    fn poll_refused(&mut self) -> Option<Refused> {
        None
    }
}
