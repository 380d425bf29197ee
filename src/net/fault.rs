//! Seeded per-packet faults: matching, and drop / corrupt / delay /
//! duplicate. Each fault site (a segment or a host) owns one ChaCha20 RNG
//! seeded from the scenario seed and the site's name, so adding a fault at
//! one site never changes what happens at another.

use core::time::Duration;
use std::collections::BTreeMap;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;

use super::spec::{CorruptAfter, FaultAction, FaultSite, FaultSpec, PacketMatch, ProtoMatch};
use crate::wire::flow::{Flow, WireKind, NAT_T_PORT};
use crate::wire::{esp, ipv4, isakmp, l2tp, udp};

// What a matcher sees of a packet is its `Flow`: classified leniently (no
// checksum checks), so a packet corrupted by an earlier fault still matches.
fn proto_matches(p: ProtoMatch, f: &Flow) -> bool {
    let udp = f.protocol == ipv4::Protocol::Udp;
    match p {
        ProtoMatch::Number(n) => u8::from(f.protocol) == n,
        ProtoMatch::Udp => udp,
        ProtoMatch::Tcp => f.protocol == ipv4::Protocol::Tcp,
        ProtoMatch::Gre => f.protocol == ipv4::Protocol::Gre,
        ProtoMatch::Icmp => f.protocol == ipv4::Protocol::Icmp,
        // Raw, or UDP-encapsulated (RFC 3948 2.2).
        ProtoMatch::Esp => f.kind == WireKind::Esp,
        ProtoMatch::Isakmp => {
            udp && f.kind != WireKind::Esp
                && (f.has_port(isakmp::UDP_PORT) || f.has_port(NAT_T_PORT))
        }
        ProtoMatch::L2tp => udp && f.has_port(l2tp::UDP_PORT),
    }
}

impl PacketMatch {
    /// True when every field that is set matches `packet`. A packet that is
    /// not IPv4 matches only the empty matcher.
    pub fn matches(&self, packet: &[u8]) -> bool {
        match Flow::classify(packet) {
            Ok(f) => self.matches_flow(&f),
            Err(_) => *self == PacketMatch::default(),
        }
    }

    /// `matches` for a packet already classified.
    pub fn matches_flow(&self, f: &Flow) -> bool {
        self.protocol.is_none_or(|p| proto_matches(p, f))
            && self.port.is_none_or(|p| f.has_port(p))
            && self.src_port.is_none_or(|p| f.src_port() == Some(p))
            && self.dst_port.is_none_or(|p| f.dst_port() == Some(p))
            && (self.from.is_empty() || self.from.contains(&f.src))
            && (self.toward.is_empty() || self.toward.contains(&f.dst))
    }
}

/// Where corruption may start in `packet`, and where it must end.
fn corrupt_range(packet: &[u8], f: &Flow, after: CorruptAfter) -> Option<(usize, usize)> {
    let l4 = f.header_len;
    let start = match after {
        CorruptAfter::Ip => l4,
        CorruptAfter::Udp if f.protocol == ipv4::Protocol::Udp => l4 + udp::HEADER_LEN,
        CorruptAfter::Udp => l4,
        // The ESP header, raw or after the UDP header (RFC 3948 2.1).
        CorruptAfter::EspHeader if f.kind == WireKind::Esp => {
            l4 + esp::HEADER_LEN
                + if f.is_udp_encapsulated_esp() {
                    udp::HEADER_LEN
                } else {
                    0
                }
        }
        CorruptAfter::EspHeader => l4,
    };
    let end = f.total_len.min(packet.len());
    (start < end).then_some((start, end))
}

/// The key naming a site in seeds: "segment/<name>" or "host/<name>".
fn site_key(site: &FaultSite) -> String {
    match site {
        FaultSite::Segment(n) => format!("segment/{n}"),
        FaultSite::Host(n) => format!("host/{n}"),
    }
}

/// The RNG of one fault site: seed bytes = scenario seed (LE) followed by
/// FNV-1a of the site key (LE), then zeros.
pub(crate) fn site_rng(seed: u64, site: &FaultSite) -> ChaCha20Rng {
    let mut s = [0u8; 32];
    s[..8].copy_from_slice(&seed.to_le_bytes());
    s[8..16].copy_from_slice(&crate::seed::fnv1a64(site_key(site).as_bytes()).to_le_bytes());
    ChaCha20Rng::from_seed(s)
}

/// What was done to a packet, as the report's `faults` names it
/// (SCENARIOS.md, "Reports").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AppliedAction {
    Drop,
    Corrupt,
    Delay,
    Duplicate,
    /// A NAT refused an inbound packet for which it has no mapping.
    NatNoMapping,
}

impl AppliedAction {
    pub fn as_str(self) -> &'static str {
        match self {
            AppliedAction::Drop => "drop",
            AppliedAction::Corrupt => "corrupt",
            AppliedAction::Delay => "delay",
            AppliedAction::Duplicate => "duplicate",
            AppliedAction::NatNoMapping => "nat-no-mapping",
        }
    }
}

/// One action a fault rule or a middlebox took on one packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppliedFault {
    /// Simulated time of the action: when the packet left the host (host
    /// site) or entered the segment (segment site), or when the middlebox
    /// received it.
    pub time: Duration,
    pub site: FaultSite,
    pub action: AppliedAction,
    /// The packet as the rule matched it (before any corruption).
    pub packet: Vec<u8>,
    /// Index of the rule in `NetworkSpec::faults`; `None` for what a
    /// middlebox did on its own account.
    pub rule: Option<usize>,
    /// The transmit acted on (`CapturedPacket::transmit`); `None` for a
    /// packet a middlebox refused on arrival.
    pub transmit: Option<u64>,
}

/// One copy of a packet on its way, with the delay faults added so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct InFlight {
    pub packet: Vec<u8>,
    pub delay: Duration,
    /// The transmit it is a copy of (`CapturedPacket::transmit`).
    pub transmit: u64,
}

/// All faults of a network and the RNG of each site.
#[derive(Debug, Clone)]
pub(crate) struct Faults {
    rules: Vec<FaultSpec>,
    rngs: BTreeMap<FaultSite, ChaCha20Rng>,
    /// Every action taken, in the order taken.
    applied: Vec<AppliedFault>,
}

impl Faults {
    pub fn new(seed: u64, rules: &[FaultSpec]) -> Self {
        let mut rngs = BTreeMap::new();
        for r in rules {
            rngs.entry(r.site.clone())
                .or_insert_with(|| site_rng(seed, &r.site));
        }
        Faults {
            rules: rules.to_vec(),
            rngs,
            applied: Vec::new(),
        }
    }

    /// Every action taken so far, in the order taken.
    pub fn applied(&self) -> &[AppliedFault] {
        &self.applied
    }

    /// Records what a middlebox did on its own account.
    pub fn record(&mut self, fault: AppliedFault) {
        self.applied.push(fault);
    }

    /// Applies the faults of `site`, in spec order, to `copies` at time `now`.
    /// For each matching copy in the active window one uniform draw in
    /// [0, 1) decides (hit when below `probability`); a corruption then
    /// draws the offset and the non-zero XOR value. Each action taken is
    /// recorded (`applied`).
    pub fn apply(
        &mut self,
        site: &FaultSite,
        now: Duration,
        mut copies: Vec<InFlight>,
    ) -> Vec<InFlight> {
        let Some(rng) = self.rngs.get_mut(site) else {
            return copies;
        };
        for (index, rule) in self.rules.iter().enumerate() {
            if &rule.site != site || rule.active.is_some_and(|(a, b)| now < a || now >= b) {
                continue;
            }
            let mut out = Vec::with_capacity(copies.len() + 1);
            for mut c in copies {
                let flow = Flow::classify(&c.packet);
                let hit = match &flow {
                    Ok(f) => rule.matcher.matches_flow(f),
                    Err(_) => rule.matcher == PacketMatch::default(),
                };
                if !hit || rng.random::<f64>() >= rule.probability {
                    out.push(c);
                    continue;
                }
                let mut record = |action: AppliedAction, packet: &[u8]| {
                    tracing::debug!(
                        target: crate::trace::FAULT,
                        site = ?site,
                        rule = index,
                        action = action.as_str(),
                        transmit = c.transmit,
                        "fault applied"
                    );
                    self.applied.push(AppliedFault {
                        time: now,
                        site: site.clone(),
                        action,
                        packet: packet.to_vec(),
                        rule: Some(index),
                        transmit: Some(c.transmit),
                    });
                };
                match rule.action {
                    FaultAction::Drop => record(AppliedAction::Drop, &c.packet),
                    FaultAction::Corrupt { after } => {
                        let range = flow
                            .as_ref()
                            .ok()
                            .and_then(|f| corrupt_range(&c.packet, f, after));
                        if let Some((start, end)) = range {
                            let at = rng.random_range(start..end);
                            let x: u8 = rng.random_range(1..=255);
                            record(AppliedAction::Corrupt, &c.packet);
                            if let Some(b) = c.packet.get_mut(at) {
                                *b ^= x;
                            }
                        }
                        out.push(c);
                    }
                    FaultAction::Delay { by } => {
                        record(AppliedAction::Delay, &c.packet);
                        c.delay += by;
                        out.push(c);
                    }
                    FaultAction::Duplicate => {
                        record(AppliedAction::Duplicate, &c.packet);
                        out.push(c.clone());
                        out.push(c);
                    }
                }
            }
            copies = out;
        }
        copies
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::udp;
    use core::net::SocketAddrV4;

    fn sa(s: &str) -> SocketAddrV4 {
        s.parse().unwrap()
    }

    fn ike() -> Vec<u8> {
        udp::build_ipv4(sa("10.0.0.1:500"), sa("10.0.0.2:500"), 1, 128, &[0x11; 40])
    }

    fn one(p: Vec<u8>) -> Vec<InFlight> {
        vec![InFlight {
            packet: p,
            delay: Duration::ZERO,
            transmit: 0,
        }]
    }

    fn rule(action: FaultAction, probability: f64) -> FaultSpec {
        FaultSpec {
            site: FaultSite::Segment("wan".into()),
            matcher: PacketMatch {
                protocol: Some(ProtoMatch::Isakmp),
                ..PacketMatch::default()
            },
            action,
            probability,
            active: Some((Duration::from_secs(1), Duration::from_secs(2))),
        }
    }

    fn wan() -> FaultSite {
        FaultSite::Segment("wan".into())
    }

    #[test]
    fn matcher_fields() {
        let p = ike();
        let m = |pm: PacketMatch| pm.matches(&p);
        assert!(m(PacketMatch::default()));
        assert!(m(PacketMatch {
            protocol: Some(ProtoMatch::Udp),
            port: Some(500),
            ..Default::default()
        }));
        assert!(!m(PacketMatch {
            protocol: Some(ProtoMatch::Esp),
            ..Default::default()
        }));
        assert!(!m(PacketMatch {
            protocol: Some(ProtoMatch::L2tp),
            ..Default::default()
        }));
        assert!(m(PacketMatch {
            toward: vec!["10.0.0.2".parse().unwrap()],
            ..Default::default()
        }));
        assert!(!m(PacketMatch {
            from: vec!["10.0.0.2".parse().unwrap()],
            ..Default::default()
        }));
        assert!(!m(PacketMatch {
            dst_port: Some(4500),
            ..Default::default()
        }));
        assert!(m(PacketMatch {
            protocol: Some(ProtoMatch::Number(17)),
            src_port: Some(500),
            ..Default::default()
        }));
    }

    #[test]
    fn nat_t_port_splits_isakmp_from_esp() {
        let esp = udp::build_ipv4(
            sa("10.0.0.1:4500"),
            sa("10.0.0.2:4500"),
            1,
            128,
            &[0, 0, 1, 0, 0, 0, 0, 1],
        );
        let ike = udp::build_ipv4(
            sa("10.0.0.1:4500"),
            sa("10.0.0.2:4500"),
            1,
            128,
            &[0, 0, 0, 0, 9, 9],
        );
        let is = |p: &[u8], pm| {
            PacketMatch {
                protocol: Some(pm),
                ..Default::default()
            }
            .matches(p)
        };
        assert!(is(&esp, ProtoMatch::Esp) && !is(&esp, ProtoMatch::Isakmp));
        assert!(is(&ike, ProtoMatch::Isakmp) && !is(&ike, ProtoMatch::Esp));
    }

    #[test]
    fn drop_applies_only_inside_active_window() {
        let mut f = Faults::new(1, &[rule(FaultAction::Drop, 1.0)]);
        assert_eq!(
            f.apply(&wan(), Duration::from_millis(999), one(ike()))
                .len(),
            1
        );
        assert_eq!(
            f.apply(&wan(), Duration::from_millis(1000), one(ike()))
                .len(),
            0
        );
        assert_eq!(
            f.apply(&wan(), Duration::from_millis(2000), one(ike()))
                .len(),
            1
        );
        // Other sites are untouched.
        let lan = FaultSite::Segment("lan".into());
        assert_eq!(
            f.apply(&lan, Duration::from_millis(1500), one(ike())).len(),
            1
        );
    }

    #[test]
    fn probability_zero_never_fires() {
        let mut f = Faults::new(1, &[rule(FaultAction::Drop, 0.0)]);
        for _ in 0..100 {
            assert_eq!(
                f.apply(&wan(), Duration::from_millis(1500), one(ike()))
                    .len(),
                1
            );
        }
    }

    #[test]
    fn probability_half_is_seeded_and_repeatable() {
        let run = |seed| {
            let mut f = Faults::new(seed, &[rule(FaultAction::Drop, 0.5)]);
            (0..200)
                .map(|_| {
                    f.apply(&wan(), Duration::from_millis(1500), one(ike()))
                        .len()
                })
                .collect::<Vec<_>>()
        };
        let a = run(7);
        assert_eq!(a, run(7));
        assert_ne!(a, run(8));
        let kept = a.iter().sum::<usize>();
        assert!((60..140).contains(&kept), "kept {kept}");
    }

    #[test]
    fn corrupt_flips_one_byte_past_udp_header() {
        let mut f = Faults::new(
            3,
            &[rule(
                FaultAction::Corrupt {
                    after: CorruptAfter::Udp,
                },
                1.0,
            )],
        );
        let orig = ike();
        for _ in 0..50 {
            let out = f.apply(&wan(), Duration::from_millis(1500), one(orig.clone()));
            let diff: Vec<usize> = (0..orig.len())
                .filter(|&i| orig[i] != out[0].packet[i])
                .collect();
            assert_eq!(diff.len(), 1);
            assert!(diff[0] >= 28, "offset {}", diff[0]);
        }
    }

    #[test]
    fn corrupt_after_esp_header_skips_the_udp_header_of_encapsulated_esp() {
        // UDP 4500 with SPI 0x00000100 (RFC 3948 2.2): corruption starts
        // past IP (20) + UDP (8) + SPI and sequence number (8).
        let orig = udp::build_ipv4(
            sa("10.0.0.1:4500"),
            sa("10.0.0.2:4500"),
            1,
            128,
            &[0, 0, 1, 0, 0, 0, 0, 1, 0xaa, 0xbb, 0xcc, 0xdd],
        );
        let mut f = Faults::new(
            3,
            &[FaultSpec {
                matcher: PacketMatch {
                    protocol: Some(ProtoMatch::Esp),
                    ..PacketMatch::default()
                },
                ..rule(
                    FaultAction::Corrupt {
                        after: CorruptAfter::EspHeader,
                    },
                    1.0,
                )
            }],
        );
        for _ in 0..20 {
            let out = f.apply(&wan(), Duration::from_millis(1500), one(orig.clone()));
            let diff: Vec<usize> = (0..orig.len())
                .filter(|&i| orig[i] != out[0].packet[i])
                .collect();
            assert_eq!(diff.len(), 1);
            assert!(diff[0] >= 36, "offset {}", diff[0]);
        }
    }

    #[test]
    fn delay_and_duplicate() {
        let mut f = Faults::new(
            1,
            &[
                rule(
                    FaultAction::Delay {
                        by: Duration::from_millis(200),
                    },
                    1.0,
                ),
                rule(FaultAction::Duplicate, 1.0),
            ],
        );
        let out = f.apply(&wan(), Duration::from_millis(1500), one(ike()));
        assert_eq!(out.len(), 2);
        assert!(out
            .iter()
            .all(|c| c.delay == Duration::from_millis(200) && c.packet == ike()));
    }

    #[test]
    fn site_rngs_differ_by_name_and_seed() {
        let a = site_rng(1, &wan()).random::<u64>();
        assert_eq!(a, site_rng(1, &wan()).random::<u64>());
        assert_ne!(a, site_rng(2, &wan()).random::<u64>());
        assert_ne!(
            a,
            site_rng(1, &FaultSite::Host("wan".into())).random::<u64>()
        );
    }
}
