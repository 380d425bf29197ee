//! The security policy database as the Windows IPsec driver holds it
//! (WINDOWS.md 5): filters with an action, optionally mirrored, chosen by
//! specificity like Windows' filter weights.

use core::net::Ipv4Addr;

/// An address field of a filter: "any IP address" or one host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AddrMatch {
    Any,
    Addr(Ipv4Addr),
    /// "My IP address": any address of this machine (winipsec.h
    /// IP_ADDRESS_ME, address 0 with mask 255.255.255.255). The driver sees
    /// only this machine's own traffic, so it matches every address there.
    Me,
}

impl AddrMatch {
    pub fn matches(self, a: Ipv4Addr) -> bool {
        match self {
            AddrMatch::Any | AddrMatch::Me => true,
            AddrMatch::Addr(x) => x == a,
        }
    }
}

/// What a filter does with the traffic it matches (the filter action).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FilterAction {
    /// Protect with ESP; negotiate an SA with IKE when there is none.
    Negotiate,
    /// Pass in the clear.
    Permit,
    /// Drop.
    Block,
}

/// One filter of the active policy, as `netdiag /test:ipsec /debug` lists
/// them. `src`/`dst` are from this machine's point of view for outbound
/// traffic; a mirrored filter also matches the reverse direction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    pub name: String,
    pub src: AddrMatch,
    pub dst: AddrMatch,
    /// IP protocol; None = any.
    pub protocol: Option<u8>,
    /// TCP/UDP ports; None = any.
    pub src_port: Option<u16>,
    pub dst_port: Option<u16>,
    pub mirrored: bool,
    pub action: FilterAction,
    /// Index of IKE's quick mode rule negotiating SAs for this filter.
    pub rule: usize,
}

/// What filters look at in a packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tuple {
    pub src: Ipv4Addr,
    pub dst: Ipv4Addr,
    pub protocol: u8,
    /// Ports of TCP and UDP; None for other protocols or truncated headers.
    pub src_port: Option<u16>,
    pub dst_port: Option<u16>,
}

impl Tuple {
    /// The same packet seen in the other direction.
    pub fn reversed(&self) -> Tuple {
        Tuple {
            src: self.dst,
            dst: self.src,
            protocol: self.protocol,
            src_port: self.dst_port,
            dst_port: self.src_port,
        }
    }
}

fn port_matches(want: Option<u16>, have: Option<u16>) -> bool {
    match want {
        None => true,
        Some(p) => have == Some(p),
    }
}

impl Filter {
    /// Matches `t` as written (src -> dst).
    fn matches_forward(&self, t: &Tuple) -> bool {
        self.src.matches(t.src)
            && self.dst.matches(t.dst)
            && self.protocol.is_none_or(|p| p == t.protocol)
            && port_matches(self.src_port, t.src_port)
            && port_matches(self.dst_port, t.dst_port)
    }

    /// Matches `t` in either direction if mirrored. Windows expands a
    /// mirrored filter into both directions' filters, so which way the
    /// packet travels does not matter to the match.
    pub fn matches(&self, t: &Tuple) -> bool {
        self.matches_forward(t) || (self.mirrored && self.matches_forward(&t.reversed()))
    }

    /// [MODEL] Windows orders filters by weight, most specific first; the
    /// exact weights are undocumented, so we count the specific fields,
    /// addresses first (a host address outweighs all the rest).
    pub fn weight(&self) -> u32 {
        let addr = |a: AddrMatch| u32::from(matches!(a, AddrMatch::Addr(_) | AddrMatch::Me)) * 8;
        addr(self.src)
            + addr(self.dst)
            + u32::from(self.protocol.is_some()) * 4
            + u32::from(self.src_port.is_some()) * 2
            + u32::from(self.dst_port.is_some()) * 2
    }
}

/// The filter that applies to `t`: the heaviest match, the earliest among
/// equals.
pub fn lookup<'a>(filters: &'a [Filter], t: &Tuple) -> Option<&'a Filter> {
    filters
        .iter()
        .filter(|f| f.matches(t))
        .fold(None, |best: Option<&Filter>, f| match best {
            Some(b) if b.weight() >= f.weight() => Some(b),
            _ => Some(f),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    const CLIENT: Ipv4Addr = Ipv4Addr::new(192, 168, 1, 10);
    const SERVER: Ipv4Addr = Ipv4Addr::new(203, 0, 113, 10);

    /// WINDOWS.md 5: "L2TP Client Inbound and Outbound Filter".
    fn client_filter() -> Filter {
        Filter {
            name: "L2TP Client Inbound and Outbound Filter".into(),
            src: AddrMatch::Addr(CLIENT),
            dst: AddrMatch::Addr(SERVER),
            protocol: Some(17),
            src_port: Some(1701),
            dst_port: None,
            mirrored: true,
            action: FilterAction::Negotiate,
            rule: 0,
        }
    }

    fn udp(src: Ipv4Addr, sp: u16, dst: Ipv4Addr, dp: u16) -> Tuple {
        Tuple {
            src,
            dst,
            protocol: 17,
            src_port: Some(sp),
            dst_port: Some(dp),
        }
    }

    #[test]
    fn mirrored_client_filter_matches_both_directions() {
        let f = client_filter();
        assert!(f.matches(&udp(CLIENT, 1701, SERVER, 1701)));
        assert!(f.matches(&udp(SERVER, 1701, CLIENT, 1701)));
        assert!(!f.matches(&udp(CLIENT, 1702, SERVER, 1701)));
        assert!(!f.matches(&udp(SERVER, 1701, CLIENT, 53)));
        let one_way = Filter {
            mirrored: false,
            ..client_filter()
        };
        assert!(!one_way.matches(&udp(SERVER, 1701, CLIENT, 1701)));
    }

    #[test]
    fn protocol_and_missing_ports() {
        let f = client_filter();
        let icmp = Tuple {
            protocol: 1,
            src_port: None,
            dst_port: None,
            ..udp(CLIENT, 0, SERVER, 0)
        };
        assert!(!f.matches(&icmp));
        let any = Filter {
            protocol: None,
            src_port: None,
            ..client_filter()
        };
        assert!(any.matches(&icmp));
    }

    #[test]
    fn most_specific_filter_wins_then_first() {
        let broad = Filter {
            name: "all traffic to server".into(),
            protocol: None,
            src_port: None,
            action: FilterAction::Permit,
            ..client_filter()
        };
        let block = Filter {
            name: "block".into(),
            action: FilterAction::Block,
            ..client_filter()
        };
        let filters = [broad.clone(), client_filter(), block];
        let t = udp(CLIENT, 1701, SERVER, 1701);
        assert_eq!(
            lookup(&filters, &t).map(|f| f.action),
            Some(FilterAction::Negotiate)
        );
        let t = udp(CLIENT, 80, SERVER, 80);
        assert_eq!(
            lookup(&filters, &t).map(|f| f.name.as_str()),
            Some("all traffic to server")
        );
        assert_eq!(lookup(&filters, &udp(SERVER, 1, SERVER, 2)), None);
        assert_eq!(lookup(&[], &t), None);
    }
}
