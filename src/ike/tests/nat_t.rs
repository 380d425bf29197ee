//! NAT-D in Main Mode (RFC 3947) through a NAT that rewrites the client's
//! address and port, and without one.

use std::net::SocketAddrV4;

use super::*;
use crate::ike::nat_t::{NatDetection, RFC3947_VENDOR_ID};

/// The client's public side, as the server sees it.
const PUBLIC: SocketAddrV4 = SocketAddrV4::new(Ipv4Addr::new(198, 51, 100, 2), 1025);

fn capable(mut c: IkeConfig) -> IkeConfig {
    c.vendor_ids = vec![RFC3947_VENDOR_ID.to_vec()];
    c
}

/// Runs client and server to quiet, the client's packets rewritten to
/// come from `PUBLIC` when `nat`, the server's answers mapped back.
fn run(client_cfg: IkeConfig, nat: bool) -> (Vec<IkeEvent>, Vec<IkeEvent>, Vec<Vec<u8>>) {
    let mut c = Ike::new(client_cfg, ChaCha20Rng::seed_from_u64(1));
    let mut s = Ike::new(
        capable(config(Some("server"), &["corp"])),
        ChaCha20Rng::seed_from_u64(2),
    );
    c.set_policy(Duration::ZERO, Some(client_policy()));
    s.set_policy(Duration::ZERO, Some(server_policy()));
    c.acquire(Duration::ZERO, SERVER, 0);
    let mut wire = Vec::new();
    let now = Duration::ZERO;
    loop {
        let mut moved = false;
        while let Some((src, dst, bytes)) = c.poll_transmit() {
            moved = true;
            wire.push(bytes.clone());
            let seen = if nat { PUBLIC } else { src };
            let _ = s.handle_datagram(now, seen, dst, &bytes);
        }
        while let Some((src, dst, bytes)) = s.poll_transmit() {
            moved = true;
            wire.push(bytes.clone());
            let to = if nat && dst == PUBLIC {
                SocketAddrV4::new(CLIENT, 500)
            } else {
                dst
            };
            let _ = c.handle_datagram(now, src, to, &bytes);
        }
        if !moved {
            break;
        }
    }
    let drain = |ike: &mut Ike| std::iter::from_fn(|| ike.poll_event()).collect::<Vec<_>>();
    (drain(&mut c), drain(&mut s), wire)
}

fn nat_of(events: &[IkeEvent]) -> Option<Option<NatDetection>> {
    events.iter().find_map(|e| match e {
        IkeEvent::MainModeUp { nat, .. } => Some(*nat),
        _ => None,
    })
}

fn payload_kinds(bytes: &[u8]) -> Vec<Pt> {
    let Ok(p) = crate::wire::isakmp::Packet::new_checked(bytes) else {
        return Vec::new();
    };
    if p.encrypted() {
        return Vec::new();
    }
    split_payloads(p.next_payload(), p.body(), false)
        .map(|v| v.iter().map(|r| r.kind).collect())
        .unwrap_or_default()
}

#[test]
fn behind_a_nat_each_side_sees_who_is_translated() {
    let (c, s, wire) = run(capable(config(Some("client"), &["corp"])), true);
    assert_eq!(
        nat_of(&c),
        Some(Some(NatDetection {
            local_behind: true,
            peer_behind: false
        }))
    );
    assert_eq!(
        nat_of(&s),
        Some(Some(NatDetection {
            local_behind: false,
            peer_behind: true
        }))
    );
    // MM3 and MM4 each end with two NAT-D payloads (RFC 3947 3.2).
    for m in &wire[2..4] {
        let kinds = payload_kinds(m);
        assert_eq!(kinds[kinds.len() - 2..], [Pt::NatD, Pt::NatD], "{kinds:?}");
    }
}

#[test]
fn without_a_nat_nobody_is_behind_one() {
    let (c, s, _) = run(capable(config(Some("client"), &["corp"])), false);
    assert_eq!(nat_of(&c), Some(Some(NatDetection::default())));
    assert_eq!(nat_of(&s), Some(Some(NatDetection::default())));
}

#[test]
fn a_peer_without_the_vendor_id_gets_no_nat_d() {
    // XP RTM: no RFC 3947 vendor id, so no NAT-D either way (claim A8).
    let (c, s, wire) = run(config(Some("client"), &["corp"]), false);
    assert_eq!(nat_of(&c), Some(None));
    assert_eq!(nat_of(&s), Some(None));
    assert!(wire.iter().all(|m| !payload_kinds(m).contains(&Pt::NatD)));
}
