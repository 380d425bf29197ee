//! Lifetimes (RFC 2407 4.5) between two engines: XP's Quick Mode pairs
//! (3,600 s, 250,000 KB) are renewed by their initiator before they end
//! and deleted when they do; an ISAKMP SA (28,800 s) is deleted at its
//! end and the next rekey runs a new Main Mode.

use super::*;

/// (time, mode, inbound spi) of each deletion in `events`.
fn deletions(events: &[(Duration, IkeEvent)]) -> Vec<(Duration, Mode, Option<u32>)> {
    events
        .iter()
        .filter_map(|(t, e)| match e {
            IkeEvent::Deleted {
                mode, inbound_spi, ..
            } => Some((*t, *mode, *inbound_spi)),
            _ => None,
        })
        .collect()
}

fn quick_ups(events: &[(Duration, IkeEvent)]) -> Vec<(Duration, u32)> {
    events
        .iter()
        .filter_map(|(t, e)| match e {
            IkeEvent::QuickModeUp { inbound, .. } => Some((*t, inbound.spi)),
            _ => None,
        })
        .collect()
}

fn main_ups(events: &[(Duration, IkeEvent)]) -> usize {
    events
        .iter()
        .filter(|(_, e)| matches!(e, IkeEvent::MainModeUp { .. }))
        .count()
}

#[test]
fn the_initiator_renews_a_pair_at_nine_tenths_and_deletes_the_old_one_at_its_end() {
    let mut lab = Lab::standard();
    lab.connect();
    let first = quick_ups(&lab.client_events);
    assert_eq!(first.len(), 1);
    let up = first[0].0;
    lab.run_until(up + secs(3700));
    let ups = quick_ups(&lab.client_events);
    assert_eq!(ups.len(), 2, "{ups:?}");
    // Renewed at 3,240 s (plus the round trips), over the same Main Mode.
    assert!(ups[1].0 >= up + secs(3240) && ups[1].0 < up + secs(3241));
    assert_eq!(main_ups(&lab.client_events), 1);
    // The old pair ends at 3,600 s on both sides, told by a Delete.
    let c = deletions(&lab.client_events);
    assert_eq!(c, vec![(up + secs(3600), Mode::Quick, Some(first[0].1))]);
    let s = deletions(&lab.server_events);
    assert_eq!(s.len(), 1, "{s:?}");
    assert_eq!(s[0].1, Mode::Quick);
    assert!(Lab::failures(&lab.client_events).is_empty());
    assert!(Lab::failures(&lab.server_events).is_empty());
    // The responder never renews on its own.
    let server_ups = quick_ups(&lab.server_events);
    assert_eq!(server_ups.len(), 2);
}

#[test]
fn an_isakmp_sa_ends_after_eight_hours_and_the_next_rekey_runs_main_mode_again() {
    let mut lab = Lab::standard();
    lab.connect();
    let up = quick_ups(&lab.client_events)[0].0;
    lab.run_until(up + secs(8 * 3600 + 3600));
    let mains: Vec<_> = deletions(&lab.client_events)
        .into_iter()
        .filter(|d| d.1 == Mode::Main)
        .collect();
    assert_eq!(mains.len(), 1, "{mains:?}");
    // Rekeys at 0.9 h, 1.8 h, ... 8.1 h: the one after 8 h needs a new
    // Main Mode, the others reuse the first.
    assert_eq!(main_ups(&lab.client_events), 2);
    assert_eq!(main_ups(&lab.server_events), 2);
    assert!(Lab::failures(&lab.client_events).is_empty());
    assert!(Lab::failures(&lab.server_events).is_empty());
    // Every pair has ended 3,600 s after it came up.
    let now = lab.now;
    let ups = quick_ups(&lab.client_events);
    let ended: Vec<u32> = deletions(&lab.client_events)
        .iter()
        .filter(|d| d.1 == Mode::Quick)
        .filter_map(|d| d.2)
        .collect();
    let due: Vec<u32> = ups
        .iter()
        .filter(|(t, _)| *t + secs(3600) <= now)
        .map(|(_, spi)| *spi)
        .collect();
    assert_eq!(ended, due);
}

#[test]
fn volume_renews_a_pair_before_its_kilobytes_run_out_and_ends_it_after() {
    let mut lab = Lab::standard();
    lab.connect();
    let (_, spi) = quick_ups(&lab.client_events)[0];
    let now = lab.now;
    lab.client.handle_volume(now, spi, 200_000 * 1024);
    lab.settle();
    assert_eq!(quick_ups(&lab.client_events).len(), 1);
    lab.client.handle_volume(now, spi, 230_400 * 1024);
    lab.settle();
    assert_eq!(quick_ups(&lab.client_events).len(), 2);
    // Crossing it again does not renew twice.
    lab.client.handle_volume(now, spi, 240_000 * 1024);
    lab.settle();
    assert_eq!(quick_ups(&lab.client_events).len(), 2);
    lab.client.handle_volume(now, spi, 250_000 * 1024);
    lab.settle();
    assert_eq!(
        deletions(&lab.client_events),
        vec![(now, Mode::Quick, Some(spi))]
    );
    assert_eq!(deletions(&lab.server_events).len(), 1);
}

#[test]
fn a_refused_rekey_is_a_failure_and_the_old_pair_still_ends_on_time() {
    let mut lab = Lab::standard();
    lab.connect();
    let up = quick_ups(&lab.client_events)[0].0;
    // The server's policy goes: its IKE ignores the new Quick Mode.
    lab.server.set_policy(lab.now, None);
    lab.run_until(up + secs(3700));
    let f = Lab::failures(&lab.client_events);
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0].1, Mode::Quick);
    let c = deletions(&lab.client_events);
    assert!(c.contains(&(
        up + secs(3600),
        Mode::Quick,
        Some(quick_ups(&lab.client_events)[0].1)
    )));
}

#[test]
fn a_lifetime_of_zero_seconds_never_ends() {
    // charon with rekeying off proposes 0 (interop/tests/charon.rs).
    let mut lab = Lab::standard();
    let mut policy = client_policy();
    for o in &mut policy.mm_offers {
        o.lifetime_secs = 0;
    }
    for o in &mut policy.qm_rules[0].offers {
        o.lifetime_secs = 0;
    }
    lab.client.set_policy(lab.now, Some(policy));
    lab.connect();
    lab.run_until(lab.now + secs(30 * 3600));
    assert!(deletions(&lab.client_events).is_empty());
    assert!(deletions(&lab.server_events).is_empty());
    assert_eq!(quick_ups(&lab.client_events).len(), 1);
}
