//! Builds the ladder model from a scenario and its run.
//!
//! How a run's records become arrows (src/net/link.rs `flush`/`receive`):
//! - A packet's Out capture and the In captures of its copies share a
//!   transmit number: one arrow per In, from the Out with that number. An
//!   Out with no In was lost: dropped by a segment fault, or nobody on the
//!   segment had the next hop (a stub toward the destination).
//! - Host-site faults act before the Out capture: a host-site drop leaves a
//!   fault with a transmit and no capture (a stub from the host's lane).
//! - A middlebox's refusal (`nat-no-mapping`) has no transmit: it is the
//!   In capture on that host at the same instant with the same bytes.
//! - A router or NAT forwards at the instant it receives: its departure is
//!   matched to the In on the same host at that instant carrying the same
//!   message (`Flow::payload`), and the addresses and ports it rewrote are
//!   the difference between the two.

use core::time::Duration;
use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use l2tpsec::net::{AppliedAction, AppliedFault, CapturedPacket, Direction, FaultSite};
use l2tpsec::wire::Flow;

use super::forward::{link_forwarding, Departure};
use super::model::{lanes, site_name, Arrow, EventMark, Ladder, LaneMark, Loss, Mark, Packet, Row};
use super::topology::Topology;
use crate::run::RunOutput;
use crate::scenario::schema::Scenario;

/// The destination address of an IPv4 packet.
fn dst_addr(data: &[u8]) -> Option<Ipv4Addr> {
    Flow::classify(data).ok().map(|f| f.dst)
}

/// Builds the ladder of a run made with `want_pcap` (without it there are
/// no captures, and the ladder has lanes, dials and events only).
pub fn build(scenario: &Scenario, out: &RunOutput) -> Ladder {
    let topo = Topology {
        scenario,
        lanes: lanes(scenario),
    };
    let report = &out.report;
    let caps = &out.captures;
    let packet_of = |i: usize, c: &CapturedPacket| match report.packets.get(i) {
        Some(p) if report.packets.len() == caps.len() => Packet::from_report(p, &c.data),
        _ => Packet::dissected(&c.data),
    };

    // Out and In captures of each transmit, in capture order.
    let mut outs: BTreeMap<u64, Vec<usize>> = BTreeMap::new();
    let mut ins: BTreeMap<u64, Vec<usize>> = BTreeMap::new();
    for (i, c) in caps.iter().enumerate() {
        let side = match c.direction {
            Direction::Out => &mut outs,
            Direction::In => &mut ins,
        };
        side.entry(c.transmit).or_default().push(i);
    }

    // One arrow per In, from the Out of the same transmit that carried the
    // same bytes (a host-site duplicate sends two), else the next unpaired
    // one; then one lost arrow per Out that no In came from.
    let mut arrows: Vec<Arrow> = Vec::new();
    for (&transmit, out_idx) in &outs {
        let mut paired = vec![false; out_idx.len()];
        let in_idx = ins.get(&transmit).map(Vec::as_slice).unwrap_or_default();
        for &ii in in_idx {
            let Some(rx) = caps.get(ii) else { continue };
            let pick = out_idx
                .iter()
                .enumerate()
                .position(|(k, &oi)| {
                    !paired.get(k).copied().unwrap_or(true)
                        && caps.get(oi).is_some_and(|o| o.data == rx.data)
                })
                .or_else(|| paired.iter().position(|p| !p))
                .unwrap_or(out_idx.len().saturating_sub(1));
            let Some(&oi) = out_idx.get(pick) else {
                continue;
            };
            if let Some(p) = paired.get_mut(pick) {
                *p = true;
            }
            let Some(tx) = caps.get(oi) else { continue };
            let (Some(from), Some(to)) = (
                topo.lane_of(&tx.host, tx.iface),
                topo.lane_of(&rx.host, rx.iface),
            ) else {
                continue;
            };
            arrows.push(Arrow {
                transmit,
                from,
                to: Some(to),
                toward: None,
                sent: tx.time,
                received: Some(rx.time),
                packet: packet_of(oi, tx),
                received_data: (rx.data != tx.data).then(|| rx.data.clone()),
                marks: Vec::new(),
                loss: None,
                rewrite: None,
                forwarded_from: None,
                origin: from,
                in_capture: Some(ii),
            });
        }
        for (k, &oi) in out_idx.iter().enumerate() {
            if paired.get(k).copied().unwrap_or(true) {
                continue;
            }
            let Some(tx) = caps.get(oi) else { continue };
            if let Some(a) = lost_arrow(&topo, transmit, tx, packet_of(oi, tx)) {
                arrows.push(a);
            }
        }
    }

    let mut lane_marks = Vec::new();
    // Forwarding departures, by transmit: what a host-site fault matched
    // comes before what the Out capture shows.
    let mut departures: BTreeMap<u64, Departure> = BTreeMap::new();
    for f in &out.applied_faults {
        match (f.transmit, &f.site) {
            (Some(n), FaultSite::Segment(seg)) => mark_segment(&topo, &mut arrows, caps, n, seg, f),
            (Some(n), FaultSite::Host(host)) => {
                departures.entry(n).or_insert_with(|| Departure {
                    host: host.clone(),
                    time: f.time,
                    data: f.packet.clone(),
                });
                if f.action == AppliedAction::Drop {
                    let Some(from) = topo.departure_lane(host, dst_addr(&f.packet)) else {
                        continue;
                    };
                    arrows.push(Arrow {
                        transmit: n,
                        from,
                        to: None,
                        toward: topo.toward_lane(from, dst_addr(&f.packet)),
                        sent: f.time,
                        received: None,
                        packet: Packet::dissected(&f.packet),
                        received_data: None,
                        marks: vec![Mark::of(f)],
                        loss: Some(Loss::Dropped),
                        rewrite: None,
                        forwarded_from: None,
                        origin: from,
                        in_capture: None,
                    });
                } else {
                    add_mark(&mut arrows, f, |a| {
                        a.transmit == n && topo.lanes.get(a.from).is_some_and(|l| &l.host == host)
                    });
                }
            }
            (None, site) => {
                let host = site_name(site);
                let refused = |a: &Arrow| {
                    a.in_capture
                        .and_then(|i| caps.get(i))
                        .is_some_and(|c| c.host == host && c.time == f.time && c.data == f.packet)
                };
                if arrows.iter().any(refused) {
                    add_mark(&mut arrows, f, refused);
                } else if let Some(lane) = topo.departure_lane(host, dst_addr(&f.packet)) {
                    lane_marks.push(LaneMark {
                        lane,
                        time: f.time,
                        mark: Mark::of(f),
                        packet: Packet::dissected(&f.packet),
                    });
                }
            }
        }
    }

    link_forwarding(&topo, &mut arrows, caps, &departures);

    // Rows: time, then arrows by transmit and copy, marks, events.
    let mut keyed: Vec<((Duration, u8, u64, usize), Row)> = Vec::new();
    for (i, a) in arrows.into_iter().enumerate() {
        keyed.push(((a.sent, 0, a.transmit, i), Row::Arrow(Box::new(a))));
    }
    for (i, m) in lane_marks.into_iter().enumerate() {
        keyed.push(((m.time, 1, 0, i), Row::Mark(m)));
    }
    for (i, e) in report.events.iter().enumerate() {
        let lane = topo
            .lanes
            .iter()
            .position(|l| l.host == e.host)
            .unwrap_or(0);
        let ev = EventMark::of(e, lane);
        keyed.push(((ev.time, 2, 0, i), Row::Event(ev)));
    }
    keyed.sort_by_key(|(k, _)| *k);

    Ladder {
        scenario: scenario.name.clone(),
        title: scenario.title.clone(),
        article: scenario.article.clone(),
        seed: report.seed,
        locale: report.locale,
        verdict: report.verdict,
        sim_time_ms: report.sim_time_ms,
        dials: report.dials.clone(),
        lanes: topo.lanes,
        rows: keyed.into_iter().map(|(_, r)| r).collect(),
    }
}

/// An Out capture no In came from: a stub toward its destination.
fn lost_arrow(
    topo: &Topology,
    transmit: u64,
    tx: &CapturedPacket,
    packet: Packet,
) -> Option<Arrow> {
    let from = topo.lane_of(&tx.host, tx.iface)?;
    Some(Arrow {
        transmit,
        from,
        to: None,
        toward: topo.toward_lane(from, dst_addr(&tx.data)),
        sent: tx.time,
        received: None,
        packet,
        received_data: None,
        marks: Vec::new(),
        loss: Some(Loss::Unreachable),
        rewrite: None,
        forwarded_from: None,
        origin: from,
        in_capture: None,
    })
}

/// Adds `f`'s mark to every arrow `which` selects (once per action and site).
fn add_mark(arrows: &mut [Arrow], f: &AppliedFault, which: impl Fn(&Arrow) -> bool) {
    let mark = Mark::of(f);
    for a in arrows.iter_mut().filter(|a| which(a)) {
        if !a.marks.contains(&mark) {
            a.marks.push(mark.clone());
        }
    }
}

/// A segment-site fault on transmit `n`: a drop turns a lost copy sent on
/// `seg` into a dropped one (or adds one, when a duplicate's other copy
/// arrived); other actions mark every copy of `n` on `seg`.
fn mark_segment(
    topo: &Topology,
    arrows: &mut Vec<Arrow>,
    caps: &[CapturedPacket],
    n: u64,
    seg: &str,
    f: &AppliedFault,
) {
    let on_seg =
        |a: &Arrow| a.transmit == n && topo.lanes.get(a.from).is_some_and(|l| l.segment == seg);
    if f.action != AppliedAction::Drop {
        add_mark(arrows, f, on_seg);
        return;
    }
    if let Some(a) = arrows
        .iter_mut()
        .find(|a| on_seg(a) && a.loss == Some(Loss::Unreachable))
    {
        a.loss = Some(Loss::Dropped);
        a.marks.push(Mark::of(f));
        return;
    }
    let tx = caps
        .iter()
        .find(|c| c.transmit == n && c.direction == Direction::Out && c.segment == seg);
    if let Some(tx) = tx {
        if let Some(mut a) = lost_arrow(topo, n, tx, Packet::dissected(&f.packet)) {
            a.loss = Some(Loss::Dropped);
            a.marks.push(Mark::of(f));
            arrows.push(a);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ladder::fixture::*;

    fn lane(l: &Ladder, id: &str) -> usize {
        l.lane(id).unwrap_or_else(|| panic!("no lane {id}"))
    }

    #[test]
    fn each_in_capture_is_an_arrow_from_the_out_of_its_transmit() {
        let p = isakmp(CLIENT, SERVER, 1);
        let q = isakmp(CLIENT, SERVER, 2);
        let out = output(
            vec![
                cap("client", "lan", ms(1000), true, &p, 0),
                cap("gw", "lan", ms(1001), false, &p, 0),
                cap("client", "lan", ms(2000), true, &q, 1),
                // A segment duplicate: two copies of transmit 1 arrive.
                cap("gw", "lan", ms(2001), false, &q, 1),
                cap("gw", "lan", ms(2001), false, &q, 1),
            ],
            vec![],
            vec![],
        );
        let l = build(&lab(false), &out);
        let a: Vec<&Arrow> = l.arrows().collect();
        assert_eq!(a.len(), 3);
        let (client, gw) = (lane(&l, "client/lan"), lane(&l, "gw/lan"));
        assert_eq!((a[0].transmit, a[0].from, a[0].to), (0, client, Some(gw)));
        assert_eq!((a[0].sent, a[0].received), (ms(1000), Some(ms(1001))));
        assert!(a[1..]
            .iter()
            .all(|x| x.transmit == 1 && x.from == client && x.to == Some(gw)));
        assert!(a.iter().all(|x| x.loss.is_none() && x.marks.is_empty()));
        assert!(a.iter().all(|x| x.received_data.is_none()));
    }

    #[test]
    fn a_segment_drop_stops_the_arrow_toward_the_next_hop_with_a_drop_mark() {
        let p = isakmp(CLIENT, SERVER, 1);
        let out = output(
            vec![cap("client", "lan", ms(1000), true, &p, 0)],
            vec![segment_fault(ms(1000), "lan", AppliedAction::Drop, &p, 0)],
            vec![],
        );
        let l = build(&lab(false), &out);
        let a: Vec<&Arrow> = l.arrows().collect();
        assert_eq!(a.len(), 1);
        assert_eq!((a[0].to, a[0].loss), (None, Some(Loss::Dropped)));
        // The server is not on lan: the stub points at the client's gateway.
        assert_eq!(a[0].toward, Some(lane(&l, "gw/lan")));
        assert_eq!(
            a[0].marks,
            vec![Mark {
                action: AppliedAction::Drop,
                site: "lan".into(),
                rule: Some(0)
            }]
        );
    }

    #[test]
    fn an_out_that_nobody_received_and_no_fault_dropped_is_unreachable() {
        let p = isakmp(CLIENT, [192, 168, 1, 99], 1);
        let out = output(
            vec![cap("client", "lan", ms(1000), true, &p, 0)],
            vec![],
            vec![],
        );
        let l = build(&lab(false), &out);
        let a: Vec<&Arrow> = l.arrows().collect();
        assert_eq!(a.len(), 1);
        assert_eq!((a[0].to, a[0].loss), (None, Some(Loss::Unreachable)));
        assert!(a[0].marks.is_empty());
    }

    #[test]
    fn a_host_site_drop_is_a_stub_from_the_lane_toward_the_destination() {
        let p = isakmp(CLIENT, SERVER, 1);
        let out = output(
            vec![
                cap("client", "lan", ms(1000), true, &p, 0),
                cap("gw", "lan", ms(1001), false, &p, 0),
            ],
            // gw forwards transmit 1 out of internet; its own rule drops it.
            vec![host_fault(ms(1001), "gw", AppliedAction::Drop, &p, Some(1))],
            vec![],
        );
        let l = build(&lab(false), &out);
        let stub = l.arrows().find(|a| a.transmit == 1).expect("a stub");
        assert_eq!(stub.from, lane(&l, "gw/internet"));
        assert_eq!(stub.toward, Some(lane(&l, "server/internet")));
        assert_eq!((stub.to, stub.loss), (None, Some(Loss::Dropped)));
        assert_eq!(stub.marks.len(), 1);
        assert_eq!(stub.marks[0].site, "gw");
        assert_eq!(stub.sent, ms(1001));
        // It carries the client's packet on: forwarded, from the client.
        assert_eq!(stub.forwarded_from, Some(0));
        assert_eq!(stub.origin, lane(&l, "client/lan"));
    }

    #[test]
    fn a_segment_corruption_marks_the_copies_on_that_segment_only() {
        let p = esp(CLIENT, SERVER, 0x1234, 1);
        let mut bad = p.clone();
        if let Some(b) = bad.last_mut() {
            *b ^= 0x40;
        }
        let out = output(
            vec![
                cap("client", "lan", ms(1000), true, &p, 0),
                cap("gw", "lan", ms(1001), false, &p, 0),
                cap("gw", "internet", ms(1001), true, &p, 1),
                cap("server", "internet", ms(1016), false, &bad, 1),
            ],
            vec![segment_fault(
                ms(1001),
                "internet",
                AppliedAction::Corrupt,
                &p,
                1,
            )],
            vec![],
        );
        let l = build(&lab(false), &out);
        let a: Vec<&Arrow> = l.arrows().collect();
        assert_eq!(a.len(), 2);
        assert!(a[0].marks.is_empty());
        assert_eq!(a[1].marks.len(), 1);
        assert_eq!(a[1].marks[0].action, AppliedAction::Corrupt);
        assert_eq!(a[1].marks[0].site, "internet");
        assert_eq!(a[1].received_data.as_deref(), Some(bad.as_slice()));
        assert_eq!(a[1].to, Some(lane(&l, "server/internet")));
    }

    #[test]
    fn a_host_site_duplicate_is_two_arrows_each_marked() {
        let p = isakmp(CLIENT, SERVER, 1);
        let out = output(
            vec![
                cap("client", "lan", ms(1000), true, &p, 0),
                cap("client", "lan", ms(1000), true, &p, 0),
                cap("gw", "lan", ms(1001), false, &p, 0),
                cap("gw", "lan", ms(1001), false, &p, 0),
            ],
            vec![host_fault(
                ms(1000),
                "client",
                AppliedAction::Duplicate,
                &p,
                Some(0),
            )],
            vec![],
        );
        let l = build(&lab(false), &out);
        let a: Vec<&Arrow> = l.arrows().collect();
        assert_eq!(a.len(), 2);
        assert!(a.iter().all(|x| x.to.is_some()
            && x.marks.len() == 1
            && x.marks[0].action == AppliedAction::Duplicate));
    }

    #[test]
    fn a_nat_refusal_marks_the_arrow_that_reached_the_nat_or_else_its_lane() {
        let p = udp(SERVER, 4500, NAT_OUT, 4500, &[0, 0, 0, 0, 1, 2, 3, 4]);
        let stray = udp(SERVER, 500, NAT_OUT, 1234, &[9; 8]);
        let out = output(
            vec![
                cap("server", "internet", ms(5000), true, &p, 0),
                cap("gw", "internet", ms(5015), false, &p, 0),
            ],
            vec![
                host_fault(ms(5015), "gw", AppliedAction::NatNoMapping, &p, None),
                // No capture shows this one: a mark on the NAT's lane.
                host_fault(ms(6000), "gw", AppliedAction::NatNoMapping, &stray, None),
            ],
            vec![],
        );
        let l = build(&lab(true), &out);
        let a: Vec<&Arrow> = l.arrows().collect();
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].to, Some(lane(&l, "gw/internet")));
        assert_eq!(
            a[0].marks,
            vec![Mark {
                action: AppliedAction::NatNoMapping,
                site: "gw".into(),
                rule: None
            }]
        );
        let m: Vec<&LaneMark> = l.lane_marks().collect();
        assert_eq!(m.len(), 1);
        assert_eq!((m[0].lane, m[0].time), (lane(&l, "gw/internet"), ms(6000)));
    }

    #[test]
    fn events_sit_on_their_host_lane_between_the_rows_of_their_time() {
        let p = isakmp(CLIENT, SERVER, 1);
        let q = isakmp(CLIENT, SERVER, 2);
        let out = output(
            vec![
                cap("client", "lan", ms(1000), true, &p, 0),
                cap("gw", "lan", ms(1001), false, &p, 0),
                cap("client", "lan", ms(1020), true, &q, 1),
                cap("gw", "lan", ms(1021), false, &q, 1),
            ],
            vec![],
            vec![event("server", 547, ms(1010)), event("gw", 4285, ms(1020))],
        );
        let l = build(&lab(false), &out);
        let order: Vec<String> = l
            .rows
            .iter()
            .map(|r| match r {
                Row::Arrow(a) => format!("arrow {}", a.transmit),
                Row::Event(e) => format!("event {} lane {}", e.id, e.lane),
                Row::Mark(_) => "mark".into(),
            })
            .collect();
        let server = lane(&l, "server/internet");
        // gw has two lanes: its events go on the first.
        let gw = lane(&l, "gw/lan");
        assert_eq!(
            order,
            vec![
                "arrow 0".to_string(),
                format!("event 547 lane {server}"),
                "arrow 1".to_string(),
                format!("event 4285 lane {gw}"),
            ]
        );
        let e: Vec<&EventMark> = l.events().collect();
        assert_eq!((e[0].time, e[0].host.as_str()), (ms(1010), "server"));
    }

    #[test]
    fn lanes_follow_scenario_host_order_then_interface_order() {
        let l = build(&lab(false), &output(vec![], vec![], vec![]));
        let ids: Vec<String> = l.lanes.iter().map(|x| x.id()).collect();
        assert_eq!(
            ids,
            ["client/lan", "gw/lan", "gw/internet", "server/internet"]
        );
        assert_eq!(l.lanes[2].address, addr([203, 0, 113, 1]));
        assert!(l.rows.is_empty());
    }
}
