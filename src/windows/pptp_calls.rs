//! A Windows machine's PPTP (RFC 2637), sans-IO: its TCP (`tcp::TcpStack`),
//! one control connection per TCP connection to or from port 1723, and the
//! GRE of each connection's call. The XP client opens one as the PNS; RRAS
//! listens as the PAC. Every call is known by our call id, the key of the
//! GRE the peer sends us (`Carrier::Pptp`), so GRE is demultiplexed by it.
//!
//! The machine feeds it TCP segments (`handle_tcp`) and GRE packets
//! (`handle_gre`), carries out what `poll_packet` gives, and hands each
//! `poll_event` to the RAS client or the RRAS server.

use core::time::Duration;
use std::collections::{BTreeMap, VecDeque};
use std::net::{Ipv4Addr, SocketAddrV4};

use rand_chacha::ChaCha20Rng;
use rand_core::RngCore;

use crate::pptp::{Control, ControlDownReason, PptpConfig, PptpError, PptpEvent};
use crate::tcp::{Conn, TcpEvent, TcpStack};
use crate::timer::{TimerKind, TimerTable};
use crate::wire::gre;
use crate::wire::pptp::TCP_PORT;

/// What happened to one of our calls, by our call id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallEvent {
    /// PNS: TCP 1723 never answered, or refused (RST) before it was up.
    Unreachable,
    /// PAC: a call is asked for on a control connection from `peer`;
    /// answer it with `answer`.
    CallRequested {
        peer: Ipv4Addr,
    },
    /// The call is up: PPP may run. `peer` is the remote address, `local`
    /// ours on that connection.
    CallUp {
        peer: Ipv4Addr,
        local: Ipv4Addr,
    },
    /// PNS: the PAC refused the call (Outgoing-Call-Reply result).
    CallRefused {
        result: u8,
    },
    PppFrame(Vec<u8>),
    /// The call is over (either side's disconnect, or its control
    /// connection went).
    CallDown,
    /// The control connection is over; its TCP closes.
    ControlDown(ControlDownReason),
}

/// Something to send: a whole TCP/IPv4 packet from the TCP stack, or a
/// GRE payload the machine's IP stack puts in IPv4 (protocol 47).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outgoing {
    Ip {
        dst: Ipv4Addr,
        packet: Vec<u8>,
    },
    Gre {
        src: Ipv4Addr,
        dst: Ipv4Addr,
        payload: Vec<u8>,
    },
}

/// A connection's one timer (its control and TCP keep theirs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Timer {
    /// PNS: an unanswered connection attempt is given up
    /// (the row's `pptp.connect_timeout` after `connect`).
    GiveUp,
}

crate::timer::timer_kind!(Timer, 1);

type Timers = TimerTable<Timer, { Timer::COUNT }>;

/// One TCP connection and the control connection on it.
#[derive(Debug, Clone)]
struct Connection {
    call_id: u16,
    local: Ipv4Addr,
    remote: SocketAddrV4,
    /// The PNS builds its control once TCP is up; the PAC at once.
    control: Option<Control>,
    timers: Timers,
}

/// What PPTP refused or ignored, by kind (diagnostics).
pub type Refusals = BTreeMap<&'static str, u64>;

#[derive(Clone)]
pub struct PptpCalls {
    cfg: PptpConfig,
    /// An unanswered connection request is given up after it.
    connect_timeout: Duration,
    tcp: TcpStack,
    connections: BTreeMap<Conn, Connection>,
    events: VecDeque<(u16, CallEvent)>,
    out: VecDeque<Outgoing>,
    refusals: Refusals,
    rng: ChaCha20Rng,
}

impl core::fmt::Debug for PptpCalls {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PptpCalls")
            .field("connections", &self.connections.len())
            .finish()
    }
}

impl PptpCalls {
    /// PPTP on `addresses`; `tcp_seed` seeds TCP, `rng` picks call ids.
    pub fn new(
        cfg: PptpConfig,
        addresses: &[Ipv4Addr],
        ttl: u8,
        connect_timeout: Duration,
        tcp_seed: u64,
        rng: ChaCha20Rng,
    ) -> Self {
        PptpCalls {
            cfg,
            connect_timeout,
            tcp: TcpStack::new(addresses, tcp_seed, ttl),
            connections: BTreeMap::new(),
            events: VecDeque::new(),
            out: VecDeque::new(),
            refusals: Refusals::new(),
            rng,
        }
    }

    /// RRAS with PPTP ports listens on TCP 1723.
    pub fn listen(&mut self, now: Duration) {
        self.tcp.listen(now, TCP_PORT);
        self.flush(now);
    }

    /// PNS: dials `server` from `local`; returns our call id, `None` when
    /// TCP refuses the addresses.
    pub fn connect(&mut self, now: Duration, local: Ipv4Addr, server: Ipv4Addr) -> Option<u16> {
        let remote = SocketAddrV4::new(server, TCP_PORT);
        let conn = self.tcp.connect(now, SocketAddrV4::new(local, 0), remote)?;
        let call_id = self.fresh_call_id();
        self.connections.insert(
            conn,
            Connection {
                call_id,
                local,
                remote,
                control: None,
                timers: {
                    let mut t = Timers::new();
                    t.set(Timer::GiveUp, now + self.connect_timeout);
                    t
                },
            },
        );
        self.flush(now);
        Some(call_id)
    }

    /// A call id no connection uses, never 0 [MODEL: Windows' choice of
    /// call ids is not documented; random ones keep two clients apart].
    fn fresh_call_id(&mut self) -> u16 {
        loop {
            let id = (self.rng.next_u32() & 0xffff) as u16;
            if id != 0 && !self.connections.values().any(|c| c.call_id == id) {
                return id;
            }
        }
    }

    fn find(&self, call_id: u16) -> Option<Conn> {
        self.connections
            .iter()
            .find(|(_, c)| c.call_id == call_id)
            .map(|(k, _)| *k)
    }

    fn refuse(&mut self, e: &PptpError) {
        *self.refusals.entry(e.kind()).or_default() += 1;
    }

    pub fn refusals(&self) -> &Refusals {
        &self.refusals
    }

    /// Addresses of the machine TCP cannot hold (beyond smoltcp's eight).
    pub fn tcp_addresses_refused(&self) -> u64 {
        self.tcp.addresses_refused
    }

    /// PAC: accepts (`true`) or refuses as busy a `CallRequested`.
    pub fn answer(&mut self, now: Duration, call_id: u16, accept: bool) {
        let Some(conn) = self.find(call_id) else {
            return;
        };
        if let Some(control) = self.control_mut(conn) {
            control.answer_call(accept.then_some(call_id), crate::pptp::result::BUSY);
        }
        self.flush(now);
    }

    fn control_mut(&mut self, conn: Conn) -> Option<&mut Control> {
        self.connections.get_mut(&conn)?.control.as_mut()
    }

    /// Ends the call and its control connection from our side; before TCP
    /// is up, the connection attempt is reset.
    pub fn hang_up(&mut self, now: Duration, call_id: u16) {
        let Some(conn) = self.find(call_id) else {
            return;
        };
        match self.control_mut(conn) {
            Some(control) => control.hang_up(),
            None => self.tcp.abort(now, conn),
        }
        self.flush(now);
    }

    pub fn send_ppp(&mut self, now: Duration, call_id: u16, frame: &[u8]) {
        let result = match self.find(call_id).and_then(|c| self.control_mut(c)) {
            Some(control) => control.send_ppp(frame),
            None => Err(PptpError::UnknownCall { call_id }),
        };
        if let Err(e) = result {
            self.refuse(&e);
        }
        self.flush(now);
    }

    /// A TCP segment (its whole IPv4 packet) addressed to us.
    pub fn handle_tcp(&mut self, now: Duration, packet: &[u8]) {
        self.tcp.handle_packet(now, packet);
        self.flush(now);
    }

    /// A GRE packet (the IPv4 payload) from `src`: for the call whose id
    /// it carries, from that call's peer.
    pub fn handle_gre(&mut self, now: Duration, src: Ipv4Addr, payload: &[u8]) {
        let packet = match gre::Packet::new_checked(payload) {
            Ok(p) => p,
            Err(e) => return self.refuse(&PptpError::Malformed(e)),
        };
        let repr = gre::Repr::parse(&packet);
        let conn = self.connections.iter().find(|(_, c)| {
            c.call_id == repr.call_id && *c.remote.ip() == src && c.control.is_some()
        });
        let result = match conn.map(|(k, _)| *k) {
            Some(conn) => match self.control_mut(conn) {
                Some(control) => control.handle_gre(now, &repr),
                None => Err(PptpError::UnknownCall {
                    call_id: repr.call_id,
                }),
            },
            None => Err(PptpError::UnknownCall {
                call_id: repr.call_id,
            }),
        };
        if let Err(e) = result {
            self.refuse(&e);
        }
        self.flush(now);
    }

    pub fn handle_timeout(&mut self, now: Duration) {
        if self.tcp.poll_timeout().is_some_and(|t| t <= now) {
            self.tcp.handle_timeout(now);
        }
        let unanswered: Vec<Conn> = self
            .connections
            .iter_mut()
            .filter_map(|(k, c)| c.timers.take_due(Timer::GiveUp, now).then_some(*k))
            .collect();
        for conn in unanswered {
            // XP stops retransmitting its SYN and says nothing to the peer.
            self.tcp.forget(now, conn);
        }
        for c in self.connections.values_mut() {
            if let Some(control) = c.control.as_mut() {
                if control.poll_timeout().is_some_and(|t| t <= now) {
                    control.handle_timeout(now);
                }
            }
        }
        self.flush(now);
    }

    #[must_use]
    pub fn poll_timeout(&self) -> Option<Duration> {
        let controls = self
            .connections
            .values()
            .filter_map(|c| c.control.as_ref().and_then(Control::poll_timeout));
        let give_up = self
            .connections
            .values()
            .filter_map(|c| c.timers.next_timeout());
        controls.chain(give_up).chain(self.tcp.poll_timeout()).min()
    }

    #[must_use]
    pub fn poll_packet(&mut self) -> Option<Outgoing> {
        self.out.pop_front()
    }

    #[must_use]
    pub fn poll_event(&mut self) -> Option<(u16, CallEvent)> {
        self.events.pop_front()
    }

    /// Calls up (their GRE flowing), on every control connection.
    pub fn calls_up(&self) -> usize {
        self.connections
            .values()
            .filter(|c| c.control.as_ref().is_some_and(Control::call_up))
            .count()
    }

    /// TCP connections open (listeners not counted).
    pub fn open_connections(&self) -> usize {
        self.tcp.open_connections()
    }

    /// Moves data between TCP and the controls until neither has more.
    fn flush(&mut self, now: Duration) {
        loop {
            let mut progressed = false;
            while let Some(e) = self.tcp.poll_event() {
                self.on_tcp(now, e);
                progressed = true;
            }
            let conns: Vec<Conn> = self.connections.keys().copied().collect();
            for conn in conns {
                progressed |= self.drain_control(now, conn);
            }
            while let Some(packet) = self.tcp.poll_transmit() {
                let dst = crate::wire::ipv4::Packet::new_checked(&packet[..])
                    .map(|p| p.dst_addr())
                    .unwrap_or(Ipv4Addr::UNSPECIFIED);
                self.out.push_back(Outgoing::Ip { dst, packet });
                progressed = true;
            }
            if !progressed {
                return;
            }
        }
    }

    fn on_tcp(&mut self, now: Duration, event: TcpEvent) {
        match event {
            TcpEvent::Connected(conn) => {
                let cfg = self.cfg.clone();
                if let Some(c) = self.connections.get_mut(&conn) {
                    c.timers.stop(Timer::GiveUp);
                    c.control = Some(Control::pns(cfg, now, c.call_id));
                }
            }
            TcpEvent::Accepted {
                conn,
                local,
                remote,
            } => {
                let call_id = self.fresh_call_id();
                self.connections.insert(
                    conn,
                    Connection {
                        call_id,
                        local: *local.ip(),
                        remote,
                        control: Some(Control::pac(self.cfg.clone(), now)),
                        timers: Timers::new(),
                    },
                );
            }
            TcpEvent::Readable(conn) => {
                let bytes = self.tcp.recv(now, conn);
                let errors = match self.control_mut(conn) {
                    Some(control) => control.handle_stream(now, &bytes),
                    None => Vec::new(),
                };
                for e in &errors {
                    self.refuse(e);
                }
            }
            TcpEvent::PeerClosed(conn) => {
                if let Some(control) = self.control_mut(conn) {
                    control.connection_lost();
                }
                self.tcp.close(now, conn);
            }
            TcpEvent::Closed { conn, established } => {
                let Some(c) = self.connections.get_mut(&conn) else {
                    return;
                };
                match c.control.as_mut() {
                    Some(control) => {
                        if !control.is_down() {
                            control.connection_lost();
                        }
                        self.drain_control(now, conn);
                    }
                    None if !established => {
                        self.events.push_back((c.call_id, CallEvent::Unreachable))
                    }
                    None => {}
                }
                self.connections.remove(&conn);
            }
        }
    }

    /// One control's output: bytes to TCP, GRE to send, events up.
    fn drain_control(&mut self, now: Duration, conn: Conn) -> bool {
        let Some(c) = self.connections.get_mut(&conn) else {
            return false;
        };
        let Some(control) = c.control.as_mut() else {
            return false;
        };
        let mut stream = Vec::new();
        while let Some(bytes) = control.poll_stream() {
            stream.extend(bytes);
        }
        let mut progressed = !stream.is_empty();
        while let Some(payload) = control.poll_gre() {
            self.out.push_back(Outgoing::Gre {
                src: c.local,
                dst: *c.remote.ip(),
                payload,
            });
            progressed = true;
        }
        let mut down = false;
        while let Some(e) = control.poll_event() {
            progressed = true;
            let call = c.call_id;
            let event = match e {
                PptpEvent::ControlUp => continue,
                PptpEvent::CallRequested { .. } => CallEvent::CallRequested {
                    peer: *c.remote.ip(),
                },
                PptpEvent::CallUp => CallEvent::CallUp {
                    peer: *c.remote.ip(),
                    local: c.local,
                },
                PptpEvent::CallRefused { result, .. } => CallEvent::CallRefused { result },
                PptpEvent::PppFrame(f) => CallEvent::PppFrame(f),
                PptpEvent::CallDown { .. } => CallEvent::CallDown,
                PptpEvent::ControlDown(reason) => {
                    down = true;
                    CallEvent::ControlDown(reason)
                }
            };
            self.events.push_back((call, event));
        }
        if !stream.is_empty() && self.tcp.send(now, conn, &stream) < stream.len() {
            *self.refusals.entry("TCP send buffer full").or_default() += 1;
        }
        if down {
            // The control connection is over: close TCP once its last
            // message (a Stop-Control-Connection-Reply) has gone.
            self.tcp.close(now, conn);
        }
        progressed
    }
}
