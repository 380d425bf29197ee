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
    /// Echo requests this burst ends at (`PINGS` per `ping -n 2`; 0: the
    /// first burst's).
    pub(super) until: u16,
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
        if self.sent >= self.until() {
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
        let wait = if self.sent < self.until() {
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
                if self.replies >= self.until() && self.sent >= self.until() {
                    self.finish(timers);
                }
            }
        }
    }

    /// The user runs `ping -n 2` again on a connected call (a timeline
    /// `ping`): two more echo requests, counted with the first ones.
    /// False when there is no call to ping through.
    pub(super) fn again(&mut self, now: Duration, timers: &mut Timers) -> bool {
        if self.local.is_none() || self.peer.is_none() {
            return false;
        }
        self.until = self.sent.saturating_add(PINGS);
        self.done = false;
        timers.set(Timer::Ping, now);
        true
    }

    fn until(&self) -> u16 {
        if self.until == 0 {
            PINGS
        } else {
            self.until
        }
    }

    /// The test traffic is over.
    pub(super) fn finish(&mut self, timers: &mut Timers) {
        self.done = true;
        timers.stop(Timer::Ping);
    }
}
