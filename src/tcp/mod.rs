//! TCP inside the simulated network, for PPTP's control connection
//! (DESIGN.md, "TCP and GRE"): smoltcp's TCP, driven sans-IO. Whole IPv4
//! packets come in (`handle_packet`) and go out (`poll_transmit`), time is
//! the caller's `now`, smoltcp's random numbers (initial sequence numbers)
//! come from the seed the machine's ChaCha RNG gives, and ephemeral ports
//! are handed out in order, as Windows XP does (1025 up to 5000).
//!
//! smoltcp sees only TCP: the machine's own stack keeps UDP and ICMP. A
//! connection is a `Conn`; what happens to it comes out of `poll_event`.

#[cfg(test)]
mod tests;

use core::net::{Ipv4Addr, SocketAddrV4};
use core::time::Duration;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

use smoltcp::iface::{Config, Interface, SocketHandle, SocketSet};
use smoltcp::phy::{self, DeviceCapabilities, Medium};
use smoltcp::socket::tcp::{self, State};
use smoltcp::time::Instant;
use smoltcp::wire::{HardwareAddress, IpAddress, IpCidr, IpEndpoint, IpListenEndpoint};

/// Windows XP's ephemeral ports: 1025-5000 (MaxUserPort's default, KB
/// 196271).
pub const EPHEMERAL: (u16, u16) = (1025, 5000);
/// Each connection's send and receive buffer: PPTP control messages are
/// at most 220 octets, a few at a time.
const BUFFER: usize = 8192;
/// Ethernet's MTU, as every segment of the lab has.
const MTU: usize = 1500;

/// One TCP connection of this stack.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Conn(SocketHandle);

/// What happened to a connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TcpEvent {
    /// A connection we opened is established.
    Connected(Conn),
    /// A peer connected to a port we listen on.
    Accepted {
        conn: Conn,
        local: SocketAddrV4,
        remote: SocketAddrV4,
    },
    /// Bytes are waiting in `recv`.
    Readable(Conn),
    /// The peer closed its side (FIN): nothing more will arrive.
    PeerClosed(Conn),
    /// The connection is gone: closed both ways, reset, or timed out
    /// (`established` says whether it had ever been up). The `Conn` is
    /// no longer valid.
    Closed { conn: Conn, established: bool },
}

/// The device smoltcp polls: packets handed in, packets it built.
#[derive(Debug, Default)]
struct Queue {
    rx: VecDeque<Vec<u8>>,
    tx: VecDeque<Vec<u8>>,
}

struct Rx(Vec<u8>);
struct Tx<'a>(&'a mut VecDeque<Vec<u8>>);

impl phy::RxToken for Rx {
    fn consume<R, F: FnOnce(&[u8]) -> R>(self, f: F) -> R {
        f(&self.0)
    }
}

impl phy::TxToken for Tx<'_> {
    fn consume<R, F: FnOnce(&mut [u8]) -> R>(self, len: usize, f: F) -> R {
        let mut buf = vec![0; len];
        let r = f(&mut buf);
        self.0.push_back(buf);
        r
    }
}

impl phy::Device for Queue {
    type RxToken<'a> = Rx;
    type TxToken<'a> = Tx<'a>;

    fn receive(&mut self, _: Instant) -> Option<(Rx, Tx<'_>)> {
        let p = self.rx.pop_front()?;
        Some((Rx(p), Tx(&mut self.tx)))
    }

    fn transmit(&mut self, _: Instant) -> Option<Tx<'_>> {
        Some(Tx(&mut self.tx))
    }

    fn capabilities(&self) -> DeviceCapabilities {
        let mut c = DeviceCapabilities::default();
        c.medium = Medium::Ip;
        c.max_transmission_unit = MTU;
        c
    }
}

/// Where a connection stands, as last reported.
#[derive(Debug, Clone, Copy)]
struct Tracked {
    state: State,
    established: bool,
    readable: bool,
    peer_closed: bool,
    /// A listener's port, until a peer connects to it.
    listening: Option<u16>,
}

/// The TCP of one machine.
pub struct TcpStack {
    iface: Interface,
    sockets: SocketSet<'static>,
    device: Queue,
    tracked: BTreeMap<SocketHandle, Tracked>,
    /// Ports listened on: one socket in LISTEN is kept for each.
    listening: BTreeSet<u16>,
    events: VecDeque<TcpEvent>,
    next_port: u16,
    now: Instant,
    /// smoltcp's next deadline after the last poll.
    next_at: Option<Duration>,
    /// The IP TTL of every segment (the host's).
    ttl: u8,
    /// Addresses beyond smoltcp's eight: TCP does not answer on them.
    pub addresses_refused: u64,
    /// What the stack was built from and every call that changed it since
    /// (smoltcp's state cannot be copied; `Clone` replays this).
    origin: (Vec<Ipv4Addr>, u64),
    log: Vec<Op>,
}

impl core::fmt::Debug for TcpStack {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("TcpStack")
            .field("connections", &self.tracked.len())
            .finish()
    }
}

fn instant(now: Duration) -> Instant {
    Instant::from_micros(i64::try_from(now.as_micros()).unwrap_or(i64::MAX))
}

fn v4(e: IpEndpoint) -> Option<SocketAddrV4> {
    match e.addr {
        IpAddress::Ipv4(a) => Some(SocketAddrV4::new(a, e.port)),
    }
}

impl TcpStack {
    /// A stack on `addresses`, whose first ephemeral port and smoltcp
    /// seed come from `seed` (the machine's ChaCha RNG); its segments
    /// carry `ttl` (the host's IP TTL).
    pub fn new(addresses: &[Ipv4Addr], seed: u64, ttl: u8) -> Self {
        let mut device = Queue::default();
        let mut config = Config::new(HardwareAddress::Ip);
        config.random_seed = seed;
        let mut iface = Interface::new(config, &mut device, Instant::ZERO);
        let mut addresses_refused = 0;
        iface.update_ip_addrs(|a| {
            for &addr in addresses {
                // smoltcp keeps eight (the crate feature): count the rest.
                if a.push(IpCidr::new(IpAddress::Ipv4(addr), 32)).is_err() {
                    addresses_refused += 1;
                }
            }
        });
        // Every destination goes out: the machine's stack routes the
        // packet; smoltcp only needs to believe it can.
        if let Some(&first) = addresses.first() {
            // An empty route table has room for it.
            let _ = iface.routes_mut().add_default_ipv4_route(first);
        }
        let span = u64::from(EPHEMERAL.1 - EPHEMERAL.0);
        TcpStack {
            iface,
            sockets: SocketSet::new(Vec::new()),
            device,
            tracked: BTreeMap::new(),
            listening: BTreeSet::new(),
            events: VecDeque::new(),
            next_port: EPHEMERAL.0 + (seed % span) as u16,
            now: Instant::ZERO,
            next_at: None,
            ttl,
            addresses_refused,
            origin: (addresses.to_vec(), seed),
            log: Vec::new(),
        }
    }

    fn socket(&self) -> tcp::Socket<'static> {
        let mut s = tcp::Socket::new(
            tcp::SocketBuffer::new(vec![0; BUFFER]),
            tcp::SocketBuffer::new(vec![0; BUFFER]),
        );
        s.set_hop_limit(Some(self.ttl));
        s
    }

    fn track(&mut self, h: SocketHandle, listening: Option<u16>) {
        let state = self.sockets.get::<tcp::Socket>(h).state();
        self.tracked.insert(
            h,
            Tracked {
                state,
                established: false,
                readable: false,
                peer_closed: false,
                listening,
            },
        );
    }

    /// Opens a connection from `local` (port 0: the next ephemeral port)
    /// to `remote`; `Connected` or `Closed` tells how it went. `None` when
    /// smoltcp refuses the endpoints (an unspecified address).
    pub fn connect(
        &mut self,
        now: Duration,
        local: SocketAddrV4,
        remote: SocketAddrV4,
    ) -> Option<Conn> {
        self.log.push(Op::Connect(now, local, remote));
        let port = if local.port() == 0 {
            let p = self.next_port;
            self.next_port = if p >= EPHEMERAL.1 { EPHEMERAL.0 } else { p + 1 };
            p
        } else {
            local.port()
        };
        let mut s = self.socket();
        let local = IpEndpoint::new(IpAddress::Ipv4(*local.ip()), port);
        let remote = IpEndpoint::new(IpAddress::Ipv4(*remote.ip()), remote.port());
        s.connect(self.iface.context(), remote, local).ok()?;
        let h = self.sockets.add(s);
        self.track(h, None);
        self.poll(now);
        Some(Conn(h))
    }

    /// Accepts connections to `port` on any of the stack's addresses;
    /// each comes out as `Accepted`, and the port keeps listening.
    pub fn listen(&mut self, now: Duration, port: u16) {
        self.log.push(Op::Listen(now, port));
        self.listening.insert(port);
        self.keep_listening();
        self.poll(now);
    }

    /// A socket in LISTEN for every listened port: a SYN that arrives
    /// while another handshake is under way finds one (each packet is
    /// polled on its own, so one spare is enough).
    fn keep_listening(&mut self) {
        for port in self.listening.clone() {
            let waiting = self
                .tracked
                .values()
                .any(|t| t.listening == Some(port) && t.state == State::Listen);
            if waiting {
                continue;
            }
            let mut s = self.socket();
            if s.listen(IpListenEndpoint { addr: None, port }).is_ok() {
                let h = self.sockets.add(s);
                self.track(h, Some(port));
            }
        }
    }

    /// Queues bytes to send; returns how many fit in the send buffer.
    pub fn send(&mut self, now: Duration, conn: Conn, data: &[u8]) -> usize {
        self.log.push(Op::Send(now, conn, data.to_vec()));
        if !self.tracked.contains_key(&conn.0) {
            return 0;
        }
        let n = self
            .sockets
            .get_mut::<tcp::Socket>(conn.0)
            .send_slice(data)
            .unwrap_or(0);
        self.poll(now);
        n
    }

    /// Everything received and not read yet.
    pub fn recv(&mut self, now: Duration, conn: Conn) -> Vec<u8> {
        self.log.push(Op::Recv(now, conn));
        if !self.tracked.contains_key(&conn.0) {
            return Vec::new();
        }
        let s = self.sockets.get_mut::<tcp::Socket>(conn.0);
        let mut out = Vec::new();
        while let Ok(chunk) = s.recv(|b| (b.len(), b.to_vec())) {
            if chunk.is_empty() {
                break;
            }
            out.extend(chunk);
        }
        if let Some(t) = self.tracked.get_mut(&conn.0) {
            t.readable = false;
        }
        self.poll(now);
        out
    }

    /// Sends FIN once what is queued has gone (an orderly close).
    pub fn close(&mut self, now: Duration, conn: Conn) {
        self.log.push(Op::Close(now, conn));
        if self.tracked.contains_key(&conn.0) {
            self.sockets.get_mut::<tcp::Socket>(conn.0).close();
        }
        self.poll(now);
    }

    /// Resets the connection (RST) at once.
    pub fn abort(&mut self, now: Duration, conn: Conn) {
        self.log.push(Op::Abort(now, conn));
        if self.tracked.contains_key(&conn.0) {
            self.sockets.get_mut::<tcp::Socket>(conn.0).abort();
        }
        self.poll(now);
    }

    /// Drops a connection without a word to the peer, as a stack gives
    /// up a SYN nobody answered: `Closed` follows.
    pub fn forget(&mut self, now: Duration, conn: Conn) {
        self.log.push(Op::Forget(now, conn));
        if let Some(t) = self.tracked.remove(&conn.0) {
            self.sockets.remove(conn.0);
            self.events.push_back(TcpEvent::Closed {
                conn,
                established: t.established,
            });
        }
        self.poll(now);
    }

    /// Gives up on a connection that has sent nothing acknowledged for
    /// `limit` (Windows' SYN retries end so; RFC 1122 4.2.3.5's R2).
    pub fn set_timeout(&mut self, conn: Conn, limit: Option<Duration>) {
        self.log.push(Op::SetTimeout(conn, limit));
        if self.tracked.contains_key(&conn.0) {
            let d = limit.map(|l| smoltcp::time::Duration::from_micros(l.as_micros() as u64));
            self.sockets.get_mut::<tcp::Socket>(conn.0).set_timeout(d);
        }
    }

    /// A TCP segment in an IPv4 packet addressed to us.
    pub fn handle_packet(&mut self, now: Duration, packet: &[u8]) {
        self.log.push(Op::Packet(now, packet.to_vec()));
        self.device.rx.push_back(packet.to_vec());
        self.poll(now);
    }

    pub fn handle_timeout(&mut self, now: Duration) {
        self.log.push(Op::Timeout(now));
        self.poll(now);
    }

    /// The next IPv4 packet to send.
    #[must_use]
    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        let p = self.device.tx.pop_front()?;
        self.log.push(Op::PollTransmit);
        Some(p)
    }

    #[must_use]
    pub fn poll_event(&mut self) -> Option<TcpEvent> {
        let e = self.events.pop_front()?;
        self.log.push(Op::PollEvent);
        Some(e)
    }

    /// When smoltcp next needs `handle_timeout` (retransmission, delayed
    /// ACK, TIME-WAIT).
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Duration> {
        self.next_at
    }

    /// Connections not yet closed (listeners not counted).
    pub fn open_connections(&self) -> usize {
        self.tracked
            .values()
            .filter(|t| t.listening.is_none())
            .count()
    }

    fn poll(&mut self, now: Duration) {
        self.now = instant(now).max(self.now);
        self.iface
            .poll(self.now, &mut self.device, &mut self.sockets);
        self.report();
        self.keep_listening();
        self.next_at = self
            .iface
            .poll_at(self.now, &self.sockets)
            .map(|at| Duration::from_micros(u64::try_from(at.total_micros()).unwrap_or(0)));
    }

    /// Compares each socket with what was last reported, in handle order.
    fn report(&mut self) {
        let handles: Vec<SocketHandle> = self.tracked.keys().copied().collect();
        for h in handles {
            let s = self.sockets.get::<tcp::Socket>(h);
            let (state, can_recv, may_recv) = (s.state(), s.can_recv(), s.may_recv());
            let endpoints = s
                .local_endpoint()
                .and_then(v4)
                .zip(s.remote_endpoint().and_then(v4));
            let Some(t) = self.tracked.get_mut(&h) else {
                continue;
            };
            let conn = Conn(h);
            if !t.established && matches!(state, State::Established | State::CloseWait) {
                t.established = true;
                match (t.listening.take(), endpoints) {
                    (Some(_), Some((local, remote))) => {
                        self.events.push_back(TcpEvent::Accepted {
                            conn,
                            local,
                            remote,
                        });
                    }
                    _ => self.events.push_back(TcpEvent::Connected(conn)),
                }
            }
            if can_recv && !t.readable {
                t.readable = true;
                self.events.push_back(TcpEvent::Readable(conn));
            }
            if t.established && !may_recv && !t.peer_closed && state != State::Closed {
                t.peer_closed = true;
                self.events.push_back(TcpEvent::PeerClosed(conn));
            }
            let gone = state == State::Closed && t.listening.is_none();
            t.state = state;
            if gone {
                let established = t.established;
                self.tracked.remove(&h);
                self.sockets.remove(h);
                self.events
                    .push_back(TcpEvent::Closed { conn, established });
            }
        }
    }
}

// `Clone` for `TcpStack`. smoltcp's interface and sockets cannot be
// copied, but they are deterministic: a stack built from the same
// addresses, seed and TTL that is given the same calls in the same order
// is in the same state. So the stack keeps every call that changed it and
// a clone replays them (the machine fuzzers copy prepared machines).

/// A call that changed the stack, with its arguments.
#[derive(Debug, Clone)]
enum Op {
    Connect(Duration, SocketAddrV4, SocketAddrV4),
    Listen(Duration, u16),
    Send(Duration, Conn, Vec<u8>),
    Recv(Duration, Conn),
    Close(Duration, Conn),
    Abort(Duration, Conn),
    Forget(Duration, Conn),
    SetTimeout(Conn, Option<Duration>),
    Packet(Duration, Vec<u8>),
    Timeout(Duration),
    /// A packet or an event taken off its queue.
    PollTransmit,
    PollEvent,
}

impl Clone for TcpStack {
    fn clone(&self) -> Self {
        let (addresses, seed) = &self.origin;
        let mut copy = TcpStack::new(addresses, *seed, self.ttl);
        for op in &self.log {
            match op.clone() {
                Op::Connect(now, local, remote) => {
                    copy.connect(now, local, remote);
                }
                Op::Listen(now, port) => copy.listen(now, port),
                Op::Send(now, conn, data) => {
                    copy.send(now, conn, &data);
                }
                Op::Recv(now, conn) => {
                    copy.recv(now, conn);
                }
                Op::Close(now, conn) => copy.close(now, conn),
                Op::Abort(now, conn) => copy.abort(now, conn),
                Op::Forget(now, conn) => copy.forget(now, conn),
                Op::SetTimeout(conn, limit) => copy.set_timeout(conn, limit),
                Op::Packet(now, packet) => copy.handle_packet(now, &packet),
                Op::Timeout(now) => copy.handle_timeout(now),
                // The original already handed these out: the copy only
                // replays the dequeue, so that its queues match.
                Op::PollTransmit => {
                    let _ = copy.poll_transmit();
                }
                Op::PollEvent => {
                    let _ = copy.poll_event();
                }
            }
        }
        copy
    }
}
