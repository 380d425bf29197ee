//! A host's routing table: directly connected subnets and one default
//! gateway, which is all the lab's machines have.

use core::net::Ipv4Addr;

use super::spec::Subnet;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteTable {
    /// (subnet, own address) per interface index.
    ifaces: Vec<(Subnet, Ipv4Addr)>,
    gateway: Option<Ipv4Addr>,
}

impl RouteTable {
    pub fn new(ifaces: &[(Subnet, Ipv4Addr)], gateway: Option<Ipv4Addr>) -> Self {
        RouteTable {
            ifaces: ifaces.to_vec(),
            gateway,
        }
    }

    /// The interface and next hop for `dst`: the connected subnet with the
    /// longest prefix (lowest interface index on ties), else the gateway
    /// through the interface whose subnet holds it.
    pub fn route(&self, dst: Ipv4Addr) -> Option<(usize, Ipv4Addr)> {
        if let Some(i) = self.connected(dst) {
            return Some((i, dst));
        }
        let gw = self.gateway?;
        self.connected(gw).map(|i| (i, gw))
    }

    fn connected(&self, dst: Ipv4Addr) -> Option<usize> {
        let mut best: Option<(usize, u8)> = None;
        for (i, (subnet, _)) in self.ifaces.iter().enumerate() {
            if subnet.contains(dst) && best.is_none_or(|(_, p)| subnet.prefix > p) {
                best = Some((i, subnet.prefix));
            }
        }
        best.map(|(i, _)| i)
    }

    /// The source address of a packet to `dst`: the address of the interface
    /// the route leaves by (RFC 1122 3.3.4.3), never the first one listed.
    pub fn source_for(&self, dst: Ipv4Addr) -> Option<Ipv4Addr> {
        self.route(dst).and_then(|(iface, _)| self.addr(iface))
    }

    /// True when `addr` is one of this host's interface addresses.
    pub fn owns(&self, addr: Ipv4Addr) -> bool {
        self.ifaces.iter().any(|(_, a)| *a == addr)
    }

    /// The address of interface `iface`.
    pub fn addr(&self, iface: usize) -> Option<Ipv4Addr> {
        self.ifaces.get(iface).map(|(_, a)| *a)
    }

    pub fn iface_count(&self) -> usize {
        self.ifaces.len()
    }

    pub fn gateway(&self) -> Option<Ipv4Addr> {
        self.gateway
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> Ipv4Addr {
        s.parse().unwrap()
    }

    fn table(gateway: Option<Ipv4Addr>) -> RouteTable {
        RouteTable::new(
            &[
                ("192.168.1.0/24".parse().unwrap(), ip("192.168.1.1")),
                ("203.0.113.0/24".parse().unwrap(), ip("203.0.113.2")),
                ("192.168.1.128/25".parse().unwrap(), ip("192.168.1.129")),
            ],
            gateway,
        )
    }

    #[test]
    fn connected_destination_is_its_own_next_hop() {
        let t = table(None);
        assert_eq!(t.route(ip("203.0.113.10")), Some((1, ip("203.0.113.10"))));
        assert_eq!(t.route(ip("192.168.1.7")), Some((0, ip("192.168.1.7"))));
    }

    #[test]
    fn longest_prefix_wins() {
        assert_eq!(
            table(None).route(ip("192.168.1.200")),
            Some((2, ip("192.168.1.200")))
        );
    }

    #[test]
    fn unknown_destination_goes_to_gateway_or_nowhere() {
        assert_eq!(table(None).route(ip("8.8.8.8")), None);
        let t = table(Some(ip("203.0.113.1")));
        assert_eq!(t.route(ip("8.8.8.8")), Some((1, ip("203.0.113.1"))));
        // A gateway on no connected subnet is unreachable.
        assert_eq!(table(Some(ip("10.9.9.9"))).route(ip("8.8.8.8")), None);
    }

    #[test]
    fn owns_own_addresses_only() {
        let t = table(None);
        assert!(t.owns(ip("203.0.113.2")));
        assert!(!t.owns(ip("203.0.113.3")));
        assert_eq!(t.addr(1), Some(ip("203.0.113.2")));
        assert_eq!(t.addr(3), None);
    }
}
