//! `Clone` for `TcpStack`. smoltcp's interface and sockets cannot be
//! copied, but they are deterministic: a stack built from the same
//! addresses, seed and TTL that is given the same calls in the same order
//! is in the same state. So the stack keeps every call that changed it and
//! a clone replays them (the machine fuzzers copy prepared machines).

use core::net::SocketAddrV4;
use core::time::Duration;

use super::{Conn, TcpStack};

/// A call that changed the stack, with its arguments.
#[derive(Debug, Clone)]
pub(super) enum Op {
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
