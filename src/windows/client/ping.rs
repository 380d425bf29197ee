//! The test traffic once connected: `ping -n 2` to the server's end of
//! the link, as a user checks a VPN.

use core::time::Duration;
use std::net::Ipv4Addr;

use super::super::version::Profile;
use super::timers::{Timer, Timers};
use crate::ppp::link::Link;
use crate::wire::icmp;

/// Echo requests sent once connected, one a second (`ping -n 2`).
const PINGS: u16 = 2;
const PING_INTERVAL: Duration = Duration::from_secs(1);
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

impl Pinger {
    /// Sends the next echo request on `link` (`version`'s ping, with its
    /// TTL), or ends the test traffic once the last reply had its full
    /// timeout. True when the link refused the packet.
    pub(super) fn ping(
        &mut self,
        now: Duration,
        link: Option<&mut Link>,
        timers: &mut Timers,
        version: &Profile,
    ) -> bool {
        let (Some(local), Some(peer), Some(link)) = (self.local, self.peer, link) else {
            self.finish(timers);
            return false;
        };
        if self.sent >= PINGS {
            self.finish(timers);
            return false;
        }
        self.sent += 1;
        let echo = icmp::Repr::EchoRequest {
            ident: 1,
            seq_no: self.sent,
            data: version.ping.data,
        };
        // Inside the tunnel the IP identification is not observable on the
        // outer wire; the sequence number serves.
        let packet = icmp::build_ipv4(local, peer, self.sent, version.ttl, &echo);
        let refused = link.send_ip(now, &packet).is_err();
        let wait = if self.sent < PINGS {
            PING_INTERVAL
        } else {
            version.ping.timeout
        };
        timers.set(Timer::Ping, now + wait);
        refused
    }

    /// An IP packet from the tunnel: counts the server's echo replies.
    pub(super) fn on_ip(&mut self, packet: &[u8], timers: &mut Timers) {
        if let Ok(echo) = icmp::parse_ipv4(packet) {
            if matches!(echo.echo, icmp::Repr::EchoReply { .. }) && Some(echo.src) == self.peer {
                self.replies += 1;
                if self.replies >= PINGS && self.sent >= PINGS {
                    self.finish(timers);
                }
            }
        }
    }

    /// The test traffic is over.
    pub(super) fn finish(&mut self, timers: &mut Timers) {
        self.done = true;
        timers.stop(Timer::Ping);
    }
}
