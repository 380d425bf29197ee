//! NAT-D in Main Mode (RFC 3947) through a NAT that rewrites the client's
//! address and port, and without one.

use std::net::SocketAddrV4;

use super::*;
use crate::ike::nat_t::{NatDetection, RFC3947_VENDOR_ID};

/// The client's public side for UDP 500 and for 4500, as the server sees it.
const PUBLIC: SocketAddrV4 = SocketAddrV4::new(Ipv4Addr::new(198, 51, 100, 2), 1025);
const PUBLIC_4500: SocketAddrV4 = SocketAddrV4::new(Ipv4Addr::new(198, 51, 100, 2), 1026);

/// The NAT's mapping of a client port, and back.
fn outward(src: SocketAddrV4) -> SocketAddrV4 {
    if src.port() == 4500 {
        PUBLIC_4500
    } else {
        PUBLIC
    }
}

fn inward(dst: SocketAddrV4) -> SocketAddrV4 {
    match dst {
        PUBLIC => SocketAddrV4::new(CLIENT, 500),
        PUBLIC_4500 => SocketAddrV4::new(CLIENT, 4500),
        other => other,
    }
}

fn capable(mut c: IkeConfig) -> IkeConfig {
    c.vendor_ids = vec![RFC3947_VENDOR_ID.to_vec()];
    c
}

/// Runs client and server to quiet, the client's packets rewritten to
/// come from `PUBLIC` when `nat`, the server's answers mapped back.
type Wire = Vec<(SocketAddrV4, SocketAddrV4, Vec<u8>)>;

fn run(client_cfg: IkeConfig, nat: bool) -> (Vec<IkeEvent>, Vec<IkeEvent>, Wire) {
    let (c, s, wire, _) = run_both(client_cfg, nat);
    (c, s, wire)
}

/// `run`, and the two engines after it.
fn run_both(client_cfg: IkeConfig, nat: bool) -> (Vec<IkeEvent>, Vec<IkeEvent>, Wire, [Ike; 2]) {
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
            wire.push((src, dst, bytes.clone()));
            let seen = if nat { outward(src) } else { src };
            let _ = s.handle_datagram(now, seen, dst, &bytes);
        }
        while let Some((src, dst, bytes)) = s.poll_transmit() {
            moved = true;
            wire.push((src, dst, bytes.clone()));
            let to = if nat { inward(dst) } else { dst };
            let _ = c.handle_datagram(now, src, to, &bytes);
        }
        if !moved {
            break;
        }
    }
    let drain = |ike: &mut Ike| std::iter::from_fn(|| ike.poll_event()).collect::<Vec<_>>();
    (drain(&mut c), drain(&mut s), wire, [c, s])
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
    for (_, _, m) in &wire[2..4] {
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
    assert!(wire
        .iter()
        .all(|(_, _, m)| !payload_kinds(m).contains(&Pt::NatD)));
    assert!(wire
        .iter()
        .all(|(src, dst, _)| (src.port(), dst.port()) == (500, 500)));
}

#[test]
fn behind_a_nat_ike_floats_to_4500_and_quick_mode_asks_for_udp_encapsulation() {
    let (c, s, wire) = run(capable(config(Some("client"), &["corp"])), true);
    // MM1-MM4 on 500; from MM5 on, both sides on 4500 (RFC 3947 4), the
    // server answering the NAT's 4500 mapping.
    let ports: Vec<(u16, u16)> = wire.iter().map(|(s, d, _)| (s.port(), d.port())).collect();
    assert_eq!(
        ports[..4],
        [(500, 500), (500, 1025), (500, 500), (500, 1025)]
    );
    assert!(
        ports[4..]
            .iter()
            .all(|p| *p == (4500, 4500) || *p == (4500, 1026)),
        "{ports:?}"
    );
    let up = |events: &[IkeEvent]| {
        events.iter().find_map(|e| match e {
            IkeEvent::QuickModeUp { udp_encap, .. } => Some(*udp_encap),
            _ => None,
        })
    };
    assert_eq!(
        up(&c),
        Some(Some(UdpEncap {
            local: SocketAddrV4::new(CLIENT, 4500),
            remote: SocketAddrV4::new(SERVER, 4500),
            peer_original: Some(SERVER),
        }))
    );
    assert_eq!(
        up(&s),
        Some(Some(UdpEncap {
            local: SocketAddrV4::new(SERVER, 4500),
            remote: PUBLIC_4500,
            peer_original: Some(CLIENT),
        }))
    );
}

#[test]
fn without_a_nat_quick_mode_stays_in_plain_transport_mode() {
    let (c, _, wire) = run(capable(config(Some("client"), &["corp"])), false);
    assert!(wire
        .iter()
        .all(|(src, dst, _)| (src.port(), dst.port()) == (500, 500)));
    assert!(c.iter().any(|e| matches!(
        e,
        IkeEvent::QuickModeUp {
            udp_encap: None,
            ..
        }
    )));
}

#[test]
fn the_side_behind_the_nat_sends_keepalives_every_20_s() {
    let (_, _, _, [mut c, mut s]) = run_both(capable(config(Some("client"), &["corp"])), true);
    let mut sent = Vec::new();
    for t in [10, 20, 30, 40] {
        let now = Duration::from_secs(t);
        c.handle_timeout(now);
        s.handle_timeout(now);
        while let Some(x) = c.poll_transmit() {
            sent.push((t, "client", x));
        }
        while let Some(x) = s.poll_transmit() {
            sent.push((t, "server", x));
        }
    }
    let keepalive = |t| {
        (
            t,
            "client",
            (
                SocketAddrV4::new(CLIENT, 4500),
                SocketAddrV4::new(SERVER, 4500),
                vec![0xff],
            ),
        )
    };
    // RFC 3948 2.3; the server, not behind a NAT, sends none.
    assert_eq!(sent, vec![keepalive(20), keepalive(40)]);
}
