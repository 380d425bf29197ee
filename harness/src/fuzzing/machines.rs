//! Machine targets: the RRAS server of the back-to-back lab, stopped at a
//! point of the handshake (prepared once), cloned for every input; the
//! input's packets arrive as if from the client, then a few timers fire so
//! the state machines act on what they got.
//!
//! An input is one or more packets, each a 2-byte big-endian length and
//! that many bytes; the last may be shorter than its length says (so any
//! input is valid). At most `MAX_PACKETS` are taken.

use std::net::SocketAddrV4;
use std::sync::OnceLock;
use std::time::Duration;

use l2tpsec::net::Machine;
use l2tpsec::windows::{Locale, WindowsMachine};
use l2tpsec::wire::l2tp::{ControlRepr, DataRepr, UDP_PORT as L2TP_PORT};
use l2tpsec::wire::l2tp_avp::MessageType;
use l2tpsec::wire::ppp::{lcp, Frame, Protocol};
use l2tpsec::wire::{isakmp, udp, Flow, WireKind};

use super::lab::{Carriage, Lab, Side, CLIENT, SERVER};

const IKE_PORT: u16 = 500;
/// The IP identification of the first packet `feed` builds; the next
/// count up from it.
pub(super) const FIRST_IDENT: u16 = 0x4000;
const MAX_PACKETS: usize = 8;
/// Timer expiries driven after the input's packets.
const TIMERS: usize = 3;
/// Expiries at one instant before a timer counts as stuck.
const MAX_FIRES: usize = 4;
/// How far into the run the handshake points are looked for.
const HORIZON: Duration = Duration::from_secs(60);

/// The server at a handshake point, and what the real client sends next
/// (the seeds of the target's corpus).
pub(super) struct Prepared {
    pub(super) server: WindowsMachine,
    pub(super) now: Duration,
    /// The server's (tunnel, session) for L2TP data messages.
    session: (u16, u16),
    pub(super) next_from_client: Vec<Vec<u8>>,
}

/// What of a packet the targets feed: the UDP payload for IKE and the
/// LNS, the PPP frame inside L2TP data messages for PPP.
fn inner(packet: &[u8]) -> Option<(WireKind, &[u8])> {
    let flow = Flow::classify(packet).ok()?;
    let dgram = udp::parse_segment(flow.src, flow.dst, flow.transport(packet)).ok()?;
    Some((flow.kind, dgram.payload))
}

fn main_mode(packet: &[u8]) -> bool {
    inner(packet).is_some_and(|(kind, p)| {
        kind == WireKind::Isakmp
            && isakmp::Packet::new_checked(p)
                .is_ok_and(|m| m.exchange_type() == isakmp::ExchangeType::IdentityProtection)
    })
}

fn l2tp_message(packet: &[u8]) -> Option<MessageType> {
    let (kind, p) = inner(packet)?;
    (kind == WireKind::L2tp)
        .then(|| ControlRepr::parse_bytes(p).ok()?.message_type)
        .flatten()
}

/// The PPP frame of an L2TP data message, with its tunnel and session.
fn ppp_frame(packet: &[u8]) -> Option<(u16, u16, &[u8])> {
    let (kind, p) = inner(packet)?;
    if kind != WireKind::L2tp {
        return None;
    }
    let d = DataRepr::parse_bytes(p).ok()?;
    Some((d.tunnel_id, d.session_id, d.payload))
}

fn lcp_ack(packet: &[u8]) -> bool {
    ppp_frame(packet).is_some_and(|(_, _, f)| {
        Frame::parse(f).is_ok_and(|f| {
            f.protocol == Protocol::Lcp
                && lcp::Repr::parse_bytes(f.info).is_ok_and(|r| r.code == lcp::Code::ConfigureAck)
        })
    })
}

/// Runs the lab until `stop`, then records the next `want` client packets
/// of the real exchange (through `pick`) on a copy.
pub(super) fn prepare(
    carriage: Carriage,
    mut stop: impl FnMut(Side, &[u8]) -> bool,
    pick: fn(&[u8]) -> Option<Vec<u8>>,
    want: usize,
) -> Prepared {
    let mut lab = Lab::new(carriage);
    let mut session = (0, 0);
    let reached = lab.run_until(HORIZON, |side, p| {
        if side == Side::Client {
            if let Some((t, s, _)) = ppp_frame(p) {
                session = (t, s);
            }
        }
        stop(side, p)
    });
    // The lab is fixed and deterministic: not reaching the point is a bug
    // of the lab, not of an input.
    assert!(reached, "the lab did not reach the fuzzing point");
    let mut next = Vec::new();
    let mut rest = lab.clone();
    rest.run_until(HORIZON, |side, p| {
        if side == Side::Client {
            next.extend(pick(p));
        }
        next.len() >= want
    });
    Prepared {
        server: lab.server,
        now: lab.now,
        session,
        next_from_client: next,
    }
}

fn udp_payload(packet: &[u8]) -> Option<Vec<u8>> {
    inner(packet).map(|(_, p)| p.to_vec())
}

fn ppp_payload(packet: &[u8]) -> Option<Vec<u8>> {
    ppp_frame(packet).map(|(_, _, f)| f.to_vec())
}

fn ike_point() -> &'static Prepared {
    static P: OnceLock<Prepared> = OnceLock::new();
    P.get_or_init(|| {
        // MM3 is the client's second Main Mode message: once it is
        // delivered, the responder has answered with MM4.
        let mut client_mm = 0;
        let stop = move |side, p: &[u8]| {
            if side == Side::Client && main_mode(p) {
                client_mm += 1;
            }
            client_mm == 2
        };
        prepare(Carriage::Ipsec, stop, udp_payload, 3)
    })
}

fn lns_point() -> &'static Prepared {
    static P: OnceLock<Prepared> = OnceLock::new();
    P.get_or_init(|| {
        let stop =
            |side, p: &[u8]| side == Side::Client && l2tp_message(p) == Some(MessageType::Sccrq);
        prepare(Carriage::Cleartext, stop, udp_payload, 3)
    })
}

fn ppp_point() -> &'static Prepared {
    static P: OnceLock<Prepared> = OnceLock::new();
    P.get_or_init(|| {
        // LCP is open on the server once a Configure-Ack went each way.
        let (mut to_server, mut to_client) = (false, false);
        let stop = move |side, p: &[u8]| {
            if lcp_ack(p) {
                match side {
                    Side::Client => to_server = true,
                    Side::Server => to_client = true,
                }
            }
            to_server && to_client
        };
        prepare(Carriage::Cleartext, stop, ppp_payload, 4)
    })
}

/// Splits an input into packets (see the module docs).
pub fn split(data: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut rest = data;
    while out.len() < MAX_PACKETS {
        let [hi, lo, tail @ ..] = rest else {
            break;
        };
        let n = usize::from(u16::from_be_bytes([*hi, *lo])).min(tail.len());
        let (packet, more) = tail.split_at(n);
        out.push(packet);
        rest = more;
    }
    out
}

/// The inverse of `split`: packets as one input.
pub fn join(packets: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    for p in packets {
        let n = u16::try_from(p.len()).unwrap_or(u16::MAX);
        out.extend_from_slice(&n.to_be_bytes());
        out.extend_from_slice(p.get(..usize::from(n)).unwrap_or(p));
    }
    out
}

/// Feeds the packets `wrap` builds from the input to a copy of the
/// prepared server, then fires its next timers.
pub(super) fn feed(
    point: &Prepared,
    data: &[u8],
    wrap: impl Fn(&[u8], u16) -> Vec<u8>,
) -> WindowsMachine {
    let mut server = point.server.clone();
    let mut now = point.now;
    for (i, packet) in split(data).into_iter().enumerate() {
        let ident = u16::try_from(i).unwrap_or(0).wrapping_add(FIRST_IDENT);
        server.handle_packet(now, 0, &wrap(packet, ident));
        while server.poll_transmit().is_some() {}
    }
    for _ in 0..TIMERS {
        let Some(t) = server.poll_timeout() else {
            break;
        };
        now = now.max(t);
        // A timer that stays due after it fired would spin the simulator
        // (sans-IO contract: handle_timeout moves every due timer on).
        let mut fired = 0;
        while server.poll_timeout().is_some_and(|t| t <= now) {
            fired += 1;
            assert!(fired <= MAX_FIRES, "a timer stays due at {now:?}");
            server.handle_timeout(now);
            while server.poll_transmit().is_some() {}
        }
    }
    observe(&mut server, now);
    server
}

/// What a report reads off the machine: its event messages, views and
/// counters render whatever the peer sent (host names, user names, ...).
fn observe(server: &mut WindowsMachine, now: Duration) {
    server.end_of_run(now);
    for e in server.events() {
        let _ = e.message(Locale::EnUs);
    }
    let _ = server.views();
    let _ = server.diagnostics();
    let _ = server.monitor();
}

fn from_client(port: u16) -> impl Fn(&[u8], u16) -> Vec<u8> {
    move |payload, ident| {
        udp::build_ipv4(
            SocketAddrV4::new(CLIENT, port),
            SocketAddrV4::new(SERVER, port),
            ident,
            128,
            payload,
        )
    }
}

/// The IKE responder (RRAS, certificates) after MM3: the input's packets
/// arrive on UDP 500 from the client, where MM5 is awaited.
pub fn ike_after_mm3(data: &[u8]) {
    ike_fed(data);
}

fn ike_fed(data: &[u8]) -> WindowsMachine {
    feed(ike_point(), data, from_client(IKE_PORT))
}

/// The LNS (RRAS, L2TP in the clear: ProhibitIpSec 1) after SCCRQ: the
/// input's packets arrive on UDP 1701, where SCCCN is awaited.
pub fn lns_after_sccrq(data: &[u8]) {
    lns_fed(data);
}

fn lns_fed(data: &[u8]) -> WindowsMachine {
    feed(lns_point(), data, from_client(L2TP_PORT))
}

/// The server's PPP link (L2TP in the clear) once LCP is open: each of the
/// input's packets is a PPP frame in an L2TP data message of the call.
pub fn ppp_after_lcp_open(data: &[u8]) {
    ppp_fed(data);
}

fn ppp_fed(data: &[u8]) -> WindowsMachine {
    let point = ppp_point();
    let (tunnel, session) = point.session;
    let udp = from_client(L2TP_PORT);
    feed(point, data, |frame, ident| {
        let message = DataRepr::new(tunnel, session, frame).to_bytes();
        udp(&message.unwrap_or_default(), ident)
    })
}

/// Seeds of the L2TP/IPsec machine targets: what the real client sends
/// next at each point, as one input (target, input).
pub(super) fn seeds() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("ike_after_mm3", join(&ike_point().next_from_client)),
        ("lns_after_sccrq", join(&lns_point().next_from_client)),
        ("ppp_after_lcp_open", join(&ppp_point().next_from_client)),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_reads_length_prefixed_packets_and_a_short_last_one() {
        assert_eq!(split(&[0, 1, 7, 0, 3, 8, 9]), vec![&[7][..], &[8, 9]]);
        assert!(split(&[5]).is_empty());
        let packets = vec![vec![1, 2], vec![], vec![3]];
        let joined = join(&packets);
        assert_eq!(split(&joined), vec![&[1, 2][..], &[], &[3]]);
    }

    #[test]
    fn seeds_carry_each_handshake_on_past_its_point() {
        let [ike, lns, ppp] = [ike_point(), lns_point(), ppp_point()];
        let server = ike_fed(&join(&ike.next_from_client));
        // Counted, not listed: the feed runs the timers on past the SA's
        // lifetime, which ends it.
        assert!(
            server.monitor().counters.get("quick-modes") >= Some(&1),
            "IKE: no SA after MM5, QM1, QM3"
        );
        let server = lns_fed(&join(&lns.next_from_client));
        assert_eq!(
            server.server_calls().0,
            1,
            "LNS: no call after SCCCN, ICRQ, ICCN"
        );
        let before = ppp.server.events().len();
        let server = ppp_fed(&join(&ppp.next_from_client));
        assert!(
            server.events().len() > before,
            "PPP: nothing logged after the Response"
        );
    }

    #[test]
    fn each_point_is_reached_and_has_the_clients_next_packets() {
        for (target, seed) in seeds() {
            assert!(!split(&seed).is_empty(), "{target}");
        }
    }
}
