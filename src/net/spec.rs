//! What the simulated network is made of: segments, hosts and their
//! interfaces, faults. Built by the scenario runner, checked by `validate`.

use core::fmt;
use core::net::Ipv4Addr;
use core::str::FromStr;
use core::time::Duration;

use serde::Deserialize;

use super::error::NetError;

/// An IPv4 prefix, e.g. `192.168.1.0/24`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Subnet {
    pub addr: Ipv4Addr,
    pub prefix: u8,
}

impl Subnet {
    /// The netmask; a prefix above 32 counts as 32.
    pub fn mask(&self) -> u32 {
        match self.prefix {
            0 => 0,
            p => u32::MAX << (32 - u32::from(p.min(32))),
        }
    }

    pub fn contains(&self, addr: Ipv4Addr) -> bool {
        let m = self.mask();
        u32::from(addr) & m == u32::from(self.addr) & m
    }

    /// The network address (host bits clear).
    pub fn network(&self) -> Ipv4Addr {
        Ipv4Addr::from(u32::from(self.addr) & self.mask())
    }

    /// The directed broadcast address (host bits set).
    pub fn broadcast(&self) -> Ipv4Addr {
        Ipv4Addr::from(u32::from(self.addr) | !self.mask())
    }
}

impl<'de> Deserialize<'de> for Subnet {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        crate::values::from_text(d, "a subnet such as 192.168.1.0/24")
    }
}

impl fmt::Display for Subnet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

impl FromStr for Subnet {
    type Err = NetError;

    fn from_str(s: &str) -> Result<Self, NetError> {
        let bad = |detail| NetError::BadSubnet {
            text: s.to_string(),
            detail,
        };
        let (a, p) = s.split_once('/').ok_or_else(|| bad("missing /prefix"))?;
        let addr: Ipv4Addr = a.parse().map_err(|_| bad("bad address"))?;
        let prefix: u8 = p.parse().map_err(|_| bad("bad prefix"))?;
        if prefix > 32 {
            return Err(bad("prefix above 32"));
        }
        Ok(Subnet { addr, prefix })
    }
}

/// A broadcast segment (a switch, a LAN, "the internet").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SegmentSpec {
    pub name: String,
    pub subnet: Subnet,
    /// One-way delay of every packet crossing it (SCENARIOS.md default 1 ms).
    pub latency: Duration,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterfaceSpec {
    pub segment: String,
    pub addr: Ipv4Addr,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostSpec {
    pub name: String,
    /// The index in this list is the interface index machines use.
    pub interfaces: Vec<InterfaceSpec>,
}

/// The `protocol` of a fault's `match` (SCENARIOS.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProtoMatch {
    Number(u8),
    Udp,
    Tcp,
    /// IP protocol 50, or UDP 4500 carrying ESP (non-zero SPI, RFC 3948 2.2).
    Esp,
    Gre,
    Icmp,
    /// UDP 500, or UDP 4500 with the non-ESP marker (RFC 3948 2.2).
    Isakmp,
    /// UDP 1701.
    L2tp,
}

/// Scenario files name it (SCENARIOS.md `match.protocol`): a name or an IP
/// protocol number.
impl<'de> serde::Deserialize<'de> for ProtoMatch {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = ProtoMatch;
            fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str("udp | tcp | esp | gre | icmp | isakmp | l2tp | an IP protocol number")
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<ProtoMatch, E> {
                u8::try_from(v)
                    .map(ProtoMatch::Number)
                    .map_err(|_| E::custom(format!("invalid protocol number {v}: must be 0-255")))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<ProtoMatch, E> {
                u8::try_from(v)
                    .map(ProtoMatch::Number)
                    .map_err(|_| E::custom(format!("invalid protocol number {v}: must be 0-255")))
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<ProtoMatch, E> {
                Ok(match s {
                    "udp" => ProtoMatch::Udp,
                    "tcp" => ProtoMatch::Tcp,
                    "esp" => ProtoMatch::Esp,
                    "gre" => ProtoMatch::Gre,
                    "icmp" => ProtoMatch::Icmp,
                    "isakmp" => ProtoMatch::Isakmp,
                    "l2tp" => ProtoMatch::L2tp,
                    _ => match s.parse::<u8>() {
                        Ok(n) => ProtoMatch::Number(n),
                        Err(_) => {
                            return Err(E::custom(format!(
                                "unknown protocol '{s}', expected one of: udp | tcp | esp | gre | icmp | isakmp | l2tp | a number"
                            )))
                        }
                    },
                })
            }
        }
        d.deserialize_any(V)
    }
}

/// Which packets a fault applies to; every field set must match. `Hosts`
/// is how the ends are named: addresses here, host names in a scenario's
/// `match:` (which the harness turns into addresses with `with_hosts`).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct PacketMatch<Hosts = Vec<Ipv4Addr>> {
    #[serde(default)]
    pub protocol: Option<ProtoMatch>,
    /// Source or destination port (UDP/TCP).
    #[serde(default)]
    pub port: Option<u16>,
    #[serde(default)]
    pub src_port: Option<u16>,
    #[serde(default)]
    pub dst_port: Option<u16>,
    /// Source address in this list; empty = any.
    #[serde(default)]
    pub from: Hosts,
    /// Destination address in this list; empty = any.
    #[serde(default)]
    pub toward: Hosts,
}

impl<Hosts> PacketMatch<Hosts> {
    /// The same match with its ends named another way.
    pub fn with_hosts<Other>(&self, mut name: impl FnMut(&Hosts) -> Other) -> PacketMatch<Other> {
        PacketMatch {
            protocol: self.protocol,
            port: self.port,
            src_port: self.src_port,
            dst_port: self.dst_port,
            from: name(&self.from),
            toward: name(&self.toward),
        }
    }
}

/// Where `corrupt` starts flipping: past the IP header, past the UDP
/// header, or past the ESP SPI and sequence number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CorruptAfter {
    #[default]
    Ip,
    Udp,
    EspHeader,
}

/// What a fault does to a matching packet, under the scenario's names
/// (`action: delay, by: 200ms`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(tag = "action", rename_all = "kebab-case", deny_unknown_fields)]
pub enum FaultAction {
    #[serde(deserialize_with = "crate::values::no_fields")]
    Drop,
    /// One byte XORed with a seeded non-zero value at a seeded offset.
    Corrupt {
        #[serde(default)]
        after: CorruptAfter,
    },
    Delay {
        #[serde(with = "crate::values::dur")]
        by: Duration,
    },
    #[serde(deserialize_with = "crate::values::no_fields")]
    Duplicate,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum FaultSite {
    /// Packets crossing that segment.
    Segment(String),
    /// Packets that host transmits, on any interface.
    Host(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct FaultSpec {
    pub site: FaultSite,
    pub matcher: PacketMatch,
    pub action: FaultAction,
    /// Chance per matching packet, in [0, 1].
    pub probability: f64,
    /// Active when `start <= now < end`; `None` = always.
    pub active: Option<(Duration, Duration)>,
}

/// Which loop hands events to the machines.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    serde::Serialize,
    serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum Engine {
    /// One queue of (time, key) events; idle time costs nothing.
    #[default]
    Event,
    /// turmoil, stepping every tick (the reference).
    Turmoil,
}

impl Engine {
    pub const ALL: [Engine; 2] = [Engine::Event, Engine::Turmoil];

    pub fn as_str(self) -> &'static str {
        match self {
            Engine::Event => "event",
            Engine::Turmoil => "turmoil",
        }
    }

    /// The engine `as_str` names.
    pub fn from_name(name: &str) -> Option<Engine> {
        Engine::ALL.into_iter().find(|e| e.as_str() == name)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct NetworkSpec {
    pub segments: Vec<SegmentSpec>,
    pub hosts: Vec<HostSpec>,
    pub faults: Vec<FaultSpec>,
    pub seed: u64,
    /// The time resolution of both engines, and turmoil's step (DESIGN.md:
    /// default 1 ms).
    pub tick: Duration,
    pub engine: Engine,
}

impl NetworkSpec {
    /// The default tick (DESIGN.md).
    pub const DEFAULT_TICK: Duration = Duration::from_millis(1);

    /// Checks names, references, addresses and fault parameters.
    pub fn validate(&self) -> Result<(), NetError> {
        if self.tick.is_zero() {
            return Err(NetError::ZeroTick);
        }
        for (i, s) in self.segments.iter().enumerate() {
            if self.segments[..i].iter().any(|o| o.name == s.name) {
                return Err(NetError::DuplicateName {
                    what: "segment",
                    name: s.name.clone(),
                });
            }
        }
        let mut used: Vec<(&str, Ipv4Addr)> = Vec::new();
        for (i, h) in self.hosts.iter().enumerate() {
            if self.hosts[..i].iter().any(|o| o.name == h.name) {
                return Err(NetError::DuplicateName {
                    what: "host",
                    name: h.name.clone(),
                });
            }
            for ifc in &h.interfaces {
                let seg = self
                    .segment(&ifc.segment)
                    .ok_or_else(|| NetError::UnknownSegment {
                        context: format!("host {:?}", h.name),
                        segment: ifc.segment.clone(),
                    })?;
                if !seg.subnet.contains(ifc.addr) {
                    return Err(NetError::AddressOutsideSubnet {
                        host: h.name.clone(),
                        addr: ifc.addr,
                        segment: seg.name.clone(),
                        subnet: seg.subnet.to_string(),
                    });
                }
                if used.contains(&(seg.name.as_str(), ifc.addr)) {
                    return Err(NetError::DuplicateAddress {
                        segment: seg.name.clone(),
                        addr: ifc.addr,
                    });
                }
                used.push((seg.name.as_str(), ifc.addr));
            }
        }
        for (index, f) in self.faults.iter().enumerate() {
            match &f.site {
                FaultSite::Segment(s) if self.segment(s).is_none() => {
                    return Err(NetError::UnknownSegment {
                        context: format!("fault #{index}"),
                        segment: s.clone(),
                    })
                }
                FaultSite::Host(h) if !self.hosts.iter().any(|o| &o.name == h) => {
                    return Err(NetError::UnknownHost {
                        context: format!("fault #{index}"),
                        host: h.clone(),
                    })
                }
                _ => {}
            }
            if !(0.0..=1.0).contains(&f.probability) {
                return Err(NetError::BadFault {
                    index,
                    detail: "probability must be within [0, 1]",
                });
            }
            if matches!(f.active, Some((a, b)) if b < a) {
                return Err(NetError::BadFault {
                    index,
                    detail: "active window ends before it starts",
                });
            }
        }
        Ok(())
    }

    pub fn segment(&self, name: &str) -> Option<&SegmentSpec> {
        self.segments.iter().find(|s| s.name == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subnet_parses_and_contains() {
        let s: Subnet = "192.168.1.0/24".parse().unwrap();
        assert!(s.contains(Ipv4Addr::new(192, 168, 1, 200)));
        assert!(!s.contains(Ipv4Addr::new(192, 168, 2, 1)));
        assert_eq!(s.to_string(), "192.168.1.0/24");
        assert_eq!(s.network(), Ipv4Addr::new(192, 168, 1, 0));
        assert_eq!(s.broadcast(), Ipv4Addr::new(192, 168, 1, 255));
        let all: Subnet = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains(Ipv4Addr::new(8, 8, 8, 8)));
        let one: Subnet = "10.0.0.1/32".parse().unwrap();
        assert!(one.contains(Ipv4Addr::new(10, 0, 0, 1)));
        assert!(!one.contains(Ipv4Addr::new(10, 0, 0, 2)));
    }

    #[test]
    fn bad_subnets_are_rejected() {
        for s in ["10.0.0.0", "10.0.0.0/33", "10.0.0/8", "x/8", "10.0.0.0/-1"] {
            assert!(s.parse::<Subnet>().is_err(), "{s}");
        }
    }

    fn spec() -> NetworkSpec {
        NetworkSpec {
            segments: vec![SegmentSpec {
                name: "lan".into(),
                subnet: "10.0.0.0/24".parse().unwrap(),
                latency: Duration::from_millis(1),
            }],
            hosts: vec![HostSpec {
                name: "a".into(),
                interfaces: vec![InterfaceSpec {
                    segment: "lan".into(),
                    addr: Ipv4Addr::new(10, 0, 0, 1),
                }],
            }],
            faults: vec![],
            seed: 1,
            tick: NetworkSpec::DEFAULT_TICK,
            engine: crate::net::Engine::default(),
        }
    }

    #[test]
    fn validation_catches_bad_references_and_addresses() {
        assert_eq!(spec().validate(), Ok(()));
        let mut s = spec();
        s.hosts[0].interfaces[0].addr = Ipv4Addr::new(10, 0, 1, 1);
        assert!(matches!(
            s.validate(),
            Err(NetError::AddressOutsideSubnet { .. })
        ));
        let mut s = spec();
        s.hosts.push(s.hosts[0].clone());
        assert!(matches!(s.validate(), Err(NetError::DuplicateName { .. })));
        let mut s = spec();
        s.hosts[0].interfaces[0].segment = "wan".into();
        assert!(matches!(s.validate(), Err(NetError::UnknownSegment { .. })));
        let mut s = spec();
        s.faults.push(FaultSpec {
            site: FaultSite::Host("a".into()),
            matcher: PacketMatch::default(),
            action: FaultAction::Drop,
            probability: 1.5,
            active: None,
        });
        assert!(matches!(s.validate(), Err(NetError::BadFault { .. })));
        s.faults[0].probability = f64::NAN;
        assert!(matches!(s.validate(), Err(NetError::BadFault { .. })));
        let mut s = spec();
        s.tick = Duration::ZERO;
        assert_eq!(s.validate(), Err(NetError::ZeroTick));
    }
}
