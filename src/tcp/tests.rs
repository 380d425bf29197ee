//! Two stacks back to back on a virtual clock: a client connecting to a
//! listening server, data both ways, an orderly close, a lost SYN, an
//! unanswered SYN, and the same seeds giving the same bytes.

use super::*;
use crate::wire::{ipv4, tcp as tcp_wire};

const CLIENT: Ipv4Addr = Ipv4Addr::new(192, 168, 1, 10);
const SERVER: Ipv4Addr = Ipv4Addr::new(203, 0, 113, 10);
const PPTP: u16 = 1723;
const LATENCY: Duration = Duration::from_millis(10);
/// Windows' IP TTL (`windows::stack::TTL`), which the segments must carry.
const TTL: u8 = 128;

/// A client and a server stack, and what crossed between them.
struct Pair {
    now: Duration,
    stacks: [TcpStack; 2],
    /// (deliver at, to stack, packet)
    wire: Vec<(Duration, usize, Vec<u8>)>,
    sent: Vec<(usize, Vec<u8>)>,
    events: [Vec<TcpEvent>; 2],
    /// Drops the n-th packet a stack sends, when it says so.
    drop: Box<dyn FnMut(usize, usize) -> bool>,
}

impl Pair {
    fn new(seeds: (u64, u64)) -> Self {
        let mut server = TcpStack::new(&[SERVER], seeds.1, TTL);
        server.listen(Duration::ZERO, PPTP);
        Pair {
            now: Duration::ZERO,
            stacks: [TcpStack::new(&[CLIENT], seeds.0, TTL), server],
            wire: Vec::new(),
            sent: Vec::new(),
            events: [Vec::new(), Vec::new()],
            drop: Box::new(|_, _| false),
        }
    }

    /// The client connects from its next ephemeral port to the server.
    fn dial(&mut self) -> Conn {
        self.stacks[0]
            .connect(
                self.now,
                SocketAddrV4::new(CLIENT, 0),
                SocketAddrV4::new(SERVER, PPTP),
            )
            .expect("connect")
    }

    fn drain(&mut self) {
        for i in 0..2 {
            while let Some(p) = self.stacks[i].poll_transmit() {
                let n = self.sent.iter().filter(|(s, _)| *s == i).count();
                self.sent.push((i, p.clone()));
                if !(self.drop)(i, n) {
                    self.wire.push((self.now + LATENCY, 1 - i, p));
                }
            }
            while let Some(e) = self.stacks[i].poll_event() {
                self.events[i].push(e);
            }
        }
    }

    fn run_until(&mut self, until: Duration) {
        loop {
            self.drain();
            let next_packet = self.wire.iter().map(|w| w.0).min();
            let next_timer = self.stacks.iter().filter_map(TcpStack::poll_timeout).min();
            let Some(next) = [next_packet, next_timer].into_iter().flatten().min() else {
                return;
            };
            if next > until {
                return;
            }
            self.now = next.max(self.now);
            if let Some(i) = self.wire.iter().position(|w| w.0 <= self.now) {
                let (_, to, p) = self.wire.remove(i);
                self.stacks[to].handle_packet(self.now, &p);
            } else {
                for s in &mut self.stacks {
                    s.handle_timeout(self.now);
                }
            }
        }
    }
}

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

#[test]
fn a_client_connects_sends_both_ways_and_closes() {
    let mut p = Pair::new((1, 2));
    let c = p.dial();
    p.run_until(secs(1));
    assert_eq!(p.events[0], vec![TcpEvent::Connected(c)]);
    let TcpEvent::Accepted {
        conn: s,
        local,
        remote,
    } = p.events[1][0].clone()
    else {
        panic!("{:?}", p.events[1]);
    };
    assert_eq!(local, SocketAddrV4::new(SERVER, PPTP));
    assert_eq!(*remote.ip(), CLIENT);
    assert!((EPHEMERAL.0..=EPHEMERAL.1).contains(&remote.port()));
    assert_eq!(p.stacks[0].send(p.now, c, b"Start-Control"), 13);
    p.run_until(secs(2));
    assert!(p.events[1].contains(&TcpEvent::Readable(s)));
    assert_eq!(p.stacks[1].recv(p.now, s), b"Start-Control");
    p.stacks[1].send(p.now, s, b"Reply");
    p.run_until(secs(3));
    assert_eq!(p.stacks[0].recv(p.now, c), b"Reply");
    p.stacks[0].close(p.now, c);
    p.run_until(secs(4));
    assert!(p.events[1].contains(&TcpEvent::PeerClosed(s)));
    p.stacks[1].close(p.now, s);
    // TIME-WAIT ends; both sides report the connection gone.
    p.run_until(secs(300));
    assert!(p.events[0].contains(&TcpEvent::Closed {
        conn: c,
        established: true
    }));
    assert!(p.events[1].contains(&TcpEvent::Closed {
        conn: s,
        established: true
    }));
    assert_eq!(p.stacks[0].open_connections(), 0);
    // Every segment is a valid IPv4/TCP packet with the stack's TTL.
    for (_, bytes) in &p.sent {
        let ip = ipv4::Packet::new_checked(&bytes[..]).unwrap();
        assert!(ip.verify_checksum());
        assert_eq!(ip.ttl(), TTL);
        let seg = tcp_wire::Packet::new_checked(ip.payload()).unwrap();
        assert!(seg.verify_checksum(ip.src_addr(), ip.dst_addr()));
    }
}

#[test]
fn a_lost_syn_is_sent_again_and_the_connection_comes_up() {
    let mut p = Pair::new((1, 2));
    p.drop = Box::new(|side, n| side == 0 && n == 0);
    let c = p.dial();
    p.run_until(secs(10));
    assert_eq!(p.events[0], vec![TcpEvent::Connected(c)]);
    let syns = p.sent.iter().filter(|(s, _)| *s == 0).take(2).count();
    assert_eq!(syns, 2);
}

#[test]
fn an_unanswered_syn_ends_in_closed_after_the_timeout() {
    let mut p = Pair::new((1, 2));
    p.drop = Box::new(|side, _| side == 0);
    let c = p.dial();
    p.stacks[0].set_timeout(c, Some(secs(21)));
    p.run_until(secs(120));
    assert_eq!(
        p.events[0],
        vec![TcpEvent::Closed {
            conn: c,
            established: false
        }]
    );
}

#[test]
fn two_clients_at_once_are_both_accepted() {
    let mut p = Pair::new((1, 2));
    let other = Ipv4Addr::new(192, 168, 1, 11);
    let mut second = TcpStack::new(&[other], 3, TTL);
    let a = p.dial();
    second.connect(
        secs(0),
        SocketAddrV4::new(other, 0),
        SocketAddrV4::new(SERVER, PPTP),
    );
    // The second client's SYN reaches the server while the first
    // handshake is under way.
    p.drain();
    let syn = second.poll_transmit().unwrap();
    p.stacks[1].handle_packet(secs(0), &syn);
    p.run_until(secs(1));
    let accepted = p.events[1]
        .iter()
        .filter(|e| matches!(e, TcpEvent::Accepted { .. }))
        .count();
    // The first completes here; the second's SYN-ACK waits in `p.sent`.
    assert_eq!(accepted, 1);
    assert!(p.events[0].contains(&TcpEvent::Connected(a)));
    let to_second: Vec<u8> = p
        .sent
        .iter()
        .filter_map(|(s, b)| {
            let ip = ipv4::Packet::new_checked(&b[..]).ok()?;
            (*s == 1 && ip.dst_addr() == other).then(|| {
                tcp_wire::Packet::new_checked(ip.payload())
                    .map(|t| t.flags())
                    .ok()
            })?
        })
        .collect();
    // Answered with SYN-ACK (sent again while unacknowledged), never RST.
    assert!(!to_second.is_empty());
    assert!(to_second
        .iter()
        .all(|f| *f == tcp_wire::flags::SYN | tcp_wire::flags::ACK));
}

#[test]
fn the_same_seeds_give_the_same_bytes_and_others_differ() {
    let run = |seeds| {
        let mut p = Pair::new(seeds);
        let c = p.dial();
        p.run_until(secs(1));
        p.stacks[0].send(p.now, c, b"x");
        p.run_until(secs(2));
        p.sent
    };
    assert_eq!(run((1, 2)), run((1, 2)));
    assert_ne!(run((1, 2)), run((5, 2)));
}

#[test]
fn garbage_never_panics() {
    let mut s = TcpStack::new(&[SERVER], 1, TTL);
    s.listen(secs(0), PPTP);
    for junk in [
        &[][..],
        &[0x45][..],
        &[0x45, 0, 0, 20, 0, 0, 0, 0, 64, 6, 0, 0][..],
    ] {
        s.handle_packet(secs(1), junk);
    }
    assert_eq!(s.poll_transmit(), None);
}

#[test]
fn addresses_beyond_smoltcps_eight_are_counted_not_lost_silently() {
    let many: Vec<Ipv4Addr> = (1..=9).map(|i| Ipv4Addr::new(10, 0, 0, i)).collect();
    assert_eq!(TcpStack::new(&many, 1, TTL).addresses_refused, 1);
    assert_eq!(TcpStack::new(&many[..2], 1, TTL).addresses_refused, 0);
}

#[test]
fn a_clone_taken_mid_connection_goes_on_exactly_as_the_original() {
    let run = |clone_at: Option<Duration>| {
        let mut p = Pair::new((5, 6));
        let c = p.dial();
        p.run_until(secs(1));
        p.stacks[0].send(p.now, c, b"Start-Control");
        p.run_until(Duration::from_millis(1005));
        if let Some(at) = clone_at {
            p.run_until(at);
            p.stacks = [p.stacks[0].clone(), p.stacks[1].clone()];
        }
        p.run_until(secs(2));
        p.stacks[0].close(p.now, c);
        p.run_until(secs(300));
        (p.sent, p.events)
    };
    let original = run(None);
    assert_eq!(run(Some(Duration::from_millis(1012))), original);
    assert!(original.0.len() > 4);
}
