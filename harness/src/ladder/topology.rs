//! What the ladder's builders need of the scenario besides the captures:
//! its lanes, and which lane a host sends from or a lost copy was bound to.

use std::net::Ipv4Addr;

use super::model::Lane;
use crate::scenario::schema::{Role, Scenario};

/// What the builder needs of the scenario besides the lanes.
pub(super) struct Topology<'a> {
    pub scenario: &'a Scenario,
    pub lanes: Vec<Lane>,
}

impl Topology<'_> {
    pub(super) fn lane_of(&self, host: &str, iface: usize) -> Option<usize> {
        self.lanes
            .iter()
            .position(|l| l.host == host && l.iface == iface)
    }

    pub fn role(&self, host: &str) -> Option<Role> {
        self.scenario.hosts.get(host).map(|h| h.role)
    }

    pub(super) fn on_subnet(&self, lane: &Lane, a: Ipv4Addr) -> bool {
        self.scenario
            .networks
            .get(&lane.segment)
            .is_some_and(|n| n.subnet.contains(a))
    }

    /// The lane `host` sends a packet for `dst` from: the interface on
    /// dst's subnet, else the one on its gateway's, else its first.
    pub(super) fn departure_lane(&self, host: &str, dst: Option<Ipv4Addr>) -> Option<usize> {
        let own =
            |f: &dyn Fn(&Lane) -> bool| self.lanes.iter().position(|l| l.host == host && f(l));
        let gateway = self.scenario.hosts.get(host).and_then(|h| h.gateway);
        dst.and_then(|d| own(&|l| self.on_subnet(l, d)))
            .or_else(|| gateway.and_then(|g| own(&|l| self.on_subnet(l, g))))
            .or_else(|| own(&|_| true))
    }

    /// Where a lost copy sent from lane `from` was going: the lane on the
    /// same segment holding dst, else the sender's gateway there.
    pub(super) fn toward_lane(&self, from: usize, dst: Option<Ipv4Addr>) -> Option<usize> {
        let f = self.lanes.get(from)?;
        let gateway = self.scenario.hosts.get(&f.host).and_then(|h| h.gateway);
        let peer = |a: Ipv4Addr| {
            self.lanes
                .iter()
                .position(|l| l.segment == f.segment && l.host != f.host && l.address == a)
        };
        dst.and_then(peer).or_else(|| gateway.and_then(peer))
    }
}
