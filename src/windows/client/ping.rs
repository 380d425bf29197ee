//! The test traffic once connected: `ping -n 2` to the server's end of
//! the link, as a user checks a VPN.

use core::time::Duration;
use std::net::Ipv4Addr;

use super::timers::Timer;
use super::RasClient;
use crate::wire::icmp;

/// Echo requests sent once connected, one a second (`ping -n 2`).
const PINGS: u16 = 2;
const PING_INTERVAL: Duration = Duration::from_secs(1);
/// Windows ping's default reply timeout.
const PING_TIMEOUT: Duration = Duration::from_secs(4);
/// Windows ping's 32-byte payload.
const PING_DATA: &[u8; 32] = b"abcdefghijklmnopqrstuvwabcdefghi";
/// Ping bookkeeping once connected.
#[derive(Debug, Clone, Default)]
pub(super) struct Pinger {
    pub(super) local: Option<Ipv4Addr>,
    pub(super) peer: Option<Ipv4Addr>,
    pub(super) sent: u16,
    pub(super) replies: u16,
    /// The test traffic is over (answered, timed out, or the call ended).
    pub(super) done: bool,
}

impl RasClient {
    pub(super) fn ping(&mut self, now: Duration) {
        let (Some(local), Some(peer), Some(link)) =
            (self.pinger.local, self.pinger.peer, self.link.as_mut())
        else {
            return self.pings_done();
        };
        if self.pinger.sent >= PINGS {
            // The last reply had its full timeout.
            return self.pings_done();
        }
        self.pinger.sent += 1;
        let echo = icmp::Repr::EchoRequest {
            ident: 1,
            seq_no: self.pinger.sent,
            data: PING_DATA,
        };
        // Inside the tunnel the IP identification is not observable on the
        // outer wire; the sequence number serves.
        let packet = icmp::build_ipv4(local, peer, self.pinger.sent, 128, &echo);
        if link.send_ip(now, &packet).is_err() {
            self.counters.send_refused += 1;
        }
        let wait = if self.pinger.sent < PINGS {
            PING_INTERVAL
        } else {
            PING_TIMEOUT
        };
        self.timers.set(Timer::Ping, now + wait);
    }

    pub(super) fn on_ip(&mut self, packet: &[u8]) {
        if let Ok(echo) = icmp::parse_ipv4(packet) {
            if matches!(echo.echo, icmp::Repr::EchoReply { .. })
                && Some(echo.src) == self.pinger.peer
            {
                self.pinger.replies += 1;
                if self.pinger.replies >= PINGS && self.pinger.sent >= PINGS {
                    self.pings_done();
                }
            }
        }
    }

    pub(super) fn pings_done(&mut self) {
        self.pinger.done = true;
        self.timers.stop(Timer::Ping);
    }

    /// Echo replies received through the tunnel.
    pub fn ping_replies(&self) -> u16 {
        self.pinger.replies
    }
}
