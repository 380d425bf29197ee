//! What routers and NATs forwarded: each departure (an Out capture, or
//! what a host-site fault matched before it) is linked to the In capture
//! on the same host at the same instant carrying the same message
//! (`Flow::payload`; else the same wire kind), and the addresses and ports
//! rewritten are the difference between the two. A NAT's helper that
//! rewrites inside the message (PPTP call IDs) falls to the second rule.

use core::time::Duration;
use std::collections::{BTreeMap, BTreeSet};

use l2tpsec::net::{CapturedPacket, Direction};
use l2tpsec::wire::{Flow, WireKind};

use super::model::{Arrow, Rewrite};
use super::topology::Topology;

/// Source and destination as the report writes them: "a.b.c.d:port", or
/// the bare address for protocols without ports.
fn endpoints(f: &Flow) -> (String, String) {
    match (f.src_socket(), f.dst_socket()) {
        (Some(s), Some(d)) => (s.to_string(), d.to_string()),
        _ => (f.src.to_string(), f.dst.to_string()),
    }
}

/// What a forwarding host sent, before its own faults acted on it.
pub(super) struct Departure {
    pub host: String,
    pub time: Duration,
    pub data: Vec<u8>,
}

/// The message a forwarding host passes on unchanged, by wire kind.
fn message(data: &[u8]) -> Option<(WireKind, Vec<u8>)> {
    let f = Flow::classify(data).ok()?;
    Some((f.kind, f.payload(data).to_vec()))
}

/// Links what routers and NATs sent to what they had received at that
/// instant, records the rewriting, and follows each packet to its origin.
pub(super) fn link_forwarding(
    topo: &Topology,
    arrows: &mut [Arrow],
    caps: &[CapturedPacket],
    departures: &BTreeMap<u64, Departure>,
) {
    // Per transmit: its first arrow (the lane it left from).
    let mut first: BTreeMap<u64, usize> = BTreeMap::new();
    for (i, a) in arrows.iter().enumerate() {
        first.entry(a.transmit).or_insert(i);
    }
    let mut claimed: BTreeSet<usize> = BTreeSet::new();
    // (forwarded transmit, rewrite) per transmit.
    let mut links: BTreeMap<u64, (u64, Option<Rewrite>)> = BTreeMap::new();
    for (&n, &i) in &first {
        let Some(a) = arrows.get(i) else { continue };
        let Some(lane) = topo.lanes.get(a.from) else {
            continue;
        };
        let Some(role) = topo.role(&lane.host).filter(|r| r.forwards()) else {
            continue;
        };
        let (time, data) = match departures.get(&n).filter(|d| d.host == lane.host) {
            Some(d) => (d.time, d.data.as_slice()),
            None => (a.sent, a.packet.data.as_slice()),
        };
        let Some((kind, msg)) = message(data) else {
            continue;
        };
        let candidates: Vec<usize> = caps
            .iter()
            .enumerate()
            .filter(|(ci, c)| {
                c.direction == Direction::In
                    && c.host == lane.host
                    && c.time == time
                    && !claimed.contains(ci)
            })
            .map(|(ci, _)| ci)
            .collect();
        let kind_of = |ci: &usize| caps.get(*ci).and_then(|c| message(&c.data));
        let found = candidates
            .iter()
            .find(|ci| kind_of(ci).is_some_and(|(k, m)| k == kind && m == msg))
            .or_else(|| {
                candidates
                    .iter()
                    .find(|ci| kind_of(ci).is_some_and(|(k, _)| k == kind))
            });
        let Some(&ci) = found else { continue };
        let Some(rx) = caps.get(ci) else { continue };
        claimed.insert(ci);
        let rewrite = match (Flow::classify(&rx.data), Flow::classify(data)) {
            (Ok(before), Ok(after)) => {
                let (bs, bd) = endpoints(&before);
                let (as_, ad) = endpoints(&after);
                let src = (bs != as_).then_some((bs, as_));
                let dst = (bd != ad).then_some((bd, ad));
                (src.is_some() || dst.is_some()).then(|| Rewrite {
                    host: lane.host.clone(),
                    role,
                    src,
                    dst,
                })
            }
            _ => None,
        };
        links.insert(n, (rx.transmit, rewrite));
    }
    // Transmit numbers grow with time, so a forwarded transmit's origin is
    // known before the transmit that forwards it.
    let mut origin: BTreeMap<u64, usize> = BTreeMap::new();
    for (&n, &i) in &first {
        let Some(from) = arrows.get(i).map(|a| a.from) else {
            continue;
        };
        let o = links
            .get(&n)
            .and_then(|(m, _)| origin.get(m).copied())
            .unwrap_or(from);
        origin.insert(n, o);
    }
    for a in arrows.iter_mut() {
        if let Some((m, rewrite)) = links.get(&a.transmit) {
            a.forwarded_from = Some(*m);
            a.rewrite = rewrite.clone();
        }
        if let Some(&o) = origin.get(&a.transmit) {
            a.origin = o;
        }
    }
}

#[cfg(test)]
mod tests {
    use l2tpsec::net::AppliedAction;

    use crate::ladder::fixture::*;
    use crate::ladder::{build, Arrow, Ladder};

    fn arrow(l: &Ladder, transmit: u64) -> &Arrow {
        l.arrows()
            .find(|a| a.transmit == transmit)
            .unwrap_or_else(|| panic!("no arrow for transmit {transmit}"))
    }

    fn lane(l: &Ladder, id: &str) -> usize {
        l.lane(id).unwrap_or_else(|| panic!("no lane {id}"))
    }

    /// ISAKMP through the NAT and back: client → gw → server → gw → client.
    fn nat_round_trip() -> Ladder {
        let out_lan = isakmp(CLIENT, SERVER, 1);
        let out_net = isakmp(NAT_OUT, SERVER, 1);
        let back_net = isakmp(SERVER, NAT_OUT, 2);
        let back_lan = isakmp(SERVER, CLIENT, 2);
        let out = output(
            vec![
                cap("client", "lan", ms(1000), true, &out_lan, 0),
                cap("gw", "lan", ms(1001), false, &out_lan, 0),
                cap("gw", "internet", ms(1001), true, &out_net, 1),
                cap("server", "internet", ms(1016), false, &out_net, 1),
                cap("server", "internet", ms(1016), true, &back_net, 2),
                cap("gw", "internet", ms(1031), false, &back_net, 2),
                cap("gw", "lan", ms(1031), true, &back_lan, 3),
                cap("client", "lan", ms(1032), false, &back_lan, 3),
            ],
            vec![],
            vec![],
        );
        build(&lab(true), &out)
    }

    #[test]
    fn a_nat_rewriting_the_source_on_the_way_out_is_shown_on_the_forwarded_arrow() {
        let l = nat_round_trip();
        let a = arrow(&l, 1);
        let r = a.rewrite.as_ref().expect("a rewrite");
        assert_eq!(
            r.src,
            Some(("192.168.1.10:500".into(), "203.0.113.2:500".into()))
        );
        assert_eq!(r.dst, None);
        assert_eq!(r.label(), "NAT src 192.168.1.10:500 → 203.0.113.2:500");
        assert_eq!(a.forwarded_from, Some(0));
        assert_eq!(a.origin, lane(&l, "client/lan"));
        // What the client sent is not a forwarding.
        assert_eq!(arrow(&l, 0).forwarded_from, None);
        assert_eq!(arrow(&l, 0).rewrite, None);
    }

    #[test]
    fn a_nat_rewriting_the_destination_on_the_way_in_is_shown_too() {
        let l = nat_round_trip();
        let a = arrow(&l, 3);
        let r = a.rewrite.as_ref().expect("a rewrite");
        assert_eq!(r.src, None);
        assert_eq!(
            r.dst,
            Some(("203.0.113.2:500".into(), "192.168.1.10:500".into()))
        );
        assert_eq!(r.label(), "NAT dst 203.0.113.2:500 → 192.168.1.10:500");
        assert_eq!(a.origin, lane(&l, "server/internet"));
    }

    #[test]
    fn packets_forwarded_at_one_instant_are_told_apart_by_their_message() {
        let ike = isakmp(CLIENT, SERVER, 7);
        let sa = esp(CLIENT, SERVER, 0xc546_ae99, 1);
        let out = output(
            vec![
                cap("client", "lan", ms(1128), true, &ike, 0),
                cap("client", "lan", ms(1128), true, &sa, 1),
                cap("gw", "lan", ms(1129), false, &ike, 0),
                cap("gw", "lan", ms(1129), false, &sa, 1),
                // The NAT sends the ESP first.
                cap(
                    "gw",
                    "internet",
                    ms(1129),
                    true,
                    &esp(NAT_OUT, SERVER, 0xc546_ae99, 1),
                    2,
                ),
                cap(
                    "gw",
                    "internet",
                    ms(1129),
                    true,
                    &isakmp(NAT_OUT, SERVER, 7),
                    3,
                ),
            ],
            vec![],
            vec![],
        );
        let l = build(&lab(true), &out);
        assert_eq!(arrow(&l, 2).forwarded_from, Some(1));
        assert_eq!(arrow(&l, 3).forwarded_from, Some(0));
        let r = arrow(&l, 2).rewrite.as_ref().map(|r| r.label());
        assert_eq!(r.as_deref(), Some("NAT src 192.168.1.10 → 203.0.113.2"));
    }

    #[test]
    fn a_router_forwards_without_rewriting() {
        let p = isakmp(CLIENT, SERVER, 1);
        let out = output(
            vec![
                cap("client", "lan", ms(1000), true, &p, 0),
                cap("gw", "lan", ms(1001), false, &p, 0),
                cap("gw", "internet", ms(1001), true, &p, 1),
                cap("server", "internet", ms(1016), false, &p, 1),
            ],
            vec![],
            vec![],
        );
        let l = build(&lab(false), &out);
        let a = arrow(&l, 1);
        assert_eq!((a.forwarded_from, &a.rewrite), (Some(0), &None));
        assert_eq!(a.origin, lane(&l, "client/lan"));
    }

    #[test]
    fn a_forward_its_own_host_corrupted_is_linked_by_what_the_fault_matched() {
        let p = esp(CLIENT, SERVER, 0x1234, 1);
        let mut bad = p.clone();
        if let Some(b) = bad.last_mut() {
            *b ^= 1;
        }
        let out = output(
            vec![
                cap("client", "lan", ms(1000), true, &p, 0),
                cap("gw", "lan", ms(1001), false, &p, 0),
                cap("gw", "internet", ms(1001), true, &bad, 1),
                cap("server", "internet", ms(1016), false, &bad, 1),
            ],
            vec![host_fault(
                ms(1001),
                "gw",
                AppliedAction::Corrupt,
                &p,
                Some(1),
            )],
            vec![],
        );
        let l = build(&lab(false), &out);
        let a = arrow(&l, 1);
        assert_eq!(a.forwarded_from, Some(0));
        assert_eq!(a.marks.len(), 1);
        assert_eq!(a.marks[0].action, AppliedAction::Corrupt);
    }
}
