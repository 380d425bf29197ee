//! The wall-clock engine: `now` is the time since the drive began, packets
//! the machine transmits go to the link, packets from the link come in as
//! soon as they arrive, timers fire when due. The machine is the sans-IO
//! one the simulator runs; only this loop knows a clock.

use std::io;
use std::time::{Duration, Instant};

use l2tpsec::net::Machine;

use super::link::TunLink;

/// Longest wait for a packet before the stop condition is looked at again.
const MAX_WAIT: Duration = Duration::from_millis(50);

/// A packet that crossed the link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Crossed {
    pub at: Duration,
    /// Sent by our machine (else received).
    pub outbound: bool,
    pub packet: Vec<u8>,
}

/// Runs `machine` on `link` until `stop` says so or `limit` has passed;
/// returns every packet that crossed, in order, and when the drive ended.
/// `stop` sees the machine and `now` after each step and may act on it
/// (a timeline action such as hanging up).
pub fn drive<M: Machine>(
    machine: &mut M,
    link: &TunLink,
    limit: Duration,
    mut stop: impl FnMut(&mut M, Duration) -> bool,
) -> io::Result<(Vec<Crossed>, Duration)> {
    let start = Instant::now();
    let mut crossed = Vec::new();
    let mut buf = vec![0u8; 65_536];
    loop {
        let now = start.elapsed();
        if machine.poll_timeout().is_some_and(|t| t <= now) {
            machine.handle_timeout(now);
        }
        while let Some(t) = machine.poll_transmit() {
            link.send(&t.packet)?;
            crossed.push(Crossed {
                at: start.elapsed(),
                outbound: true,
                packet: t.packet,
            });
        }
        // What a NAT of ours refused has no report here.
        while machine.poll_refused().is_some() {}
        if stop(machine, now) || now >= limit {
            return Ok((crossed, now));
        }
        let wait = machine
            .poll_timeout()
            .map_or(MAX_WAIT, |t| t.saturating_sub(now))
            .clamp(Duration::from_millis(1), MAX_WAIT);
        if let Some(n) = link.recv(&mut buf, wait)? {
            let at = start.elapsed();
            let packet = buf[..n].to_vec();
            machine.handle_packet(at, 0, &packet);
            crossed.push(Crossed {
                at,
                outbound: false,
                packet,
            });
        }
    }
}
