//! What the run invariants of DESIGN.md ("Invariants every run must keep")
//! read of a machine: its SAs, the driver counters behind System events
//! 4283-4286, the calls RRAS holds, and what left the machine in the clear
//! that its own filters say must be secured. Observation only: nothing
//! here changes what the machine does.

use core::net::Ipv4Addr;

use super::eventlog::{Arg, Event, Log};
use super::ipsec::IpsecComponents;
use crate::ipsec::events::{EVENT_BAD_SPI, EVENT_HASH_FAILED, EVENT_INVALID_SYNTAX};
use crate::ipsec::Install;
use crate::wire::l2tp::UDP_PORT as L2TP_PORT;
use crate::wire::{ipv4, Flow};

/// What RRAS holds at the end of a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerAudit {
    /// Calls holding a port.
    pub calls: usize,
    /// Pool addresses leased to calls.
    pub leased: Vec<Ipv4Addr>,
    /// L2TP sessions the endpoint still carries.
    pub l2tp_sessions: usize,
    /// PPTP calls up (a port may be held only by a live tunnel call).
    pub pptp_calls: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Audit {
    /// Every SA pair a quick mode handed the driver, in order.
    pub installs: Vec<Install>,
    /// (System event id, the driver counter it reports): 4283, 4285, 4286.
    /// 4284 has no counter in IP Security Monitor.
    pub driver_counts: Vec<(u32, u64)>,
    /// (System event id, the packet counts its IPSec entries give, summed),
    /// for the same ids.
    pub logged_counts: Vec<(u32, u64)>,
    pub server: Option<ServerAudit>,
    /// Clear UDP 1701 of this machine's own that left while a Negotiate
    /// filter covered it.
    pub clear_l2tp_under_policy: u64,
}

/// Watches what leaves the machine.
#[derive(Debug, Clone, Default)]
pub(crate) struct SentAudit {
    clear_l2tp_under_policy: u64,
}

impl SentAudit {
    /// One packet on its way to the wire, after the IPsec driver.
    pub fn observe(&mut self, ipsec: &IpsecComponents, mine: &[Ipv4Addr], packet: &[u8]) {
        let Ok(flow) = Flow::classify(packet) else {
            return;
        };
        let l2tp = flow.protocol == ipv4::Protocol::Udp
            && [flow.src_port(), flow.dst_port()].contains(&Some(L2TP_PORT));
        if l2tp && mine.contains(&flow.src) && ipsec.must_secure(&flow) {
            self.clear_l2tp_under_policy += 1;
        }
    }
}

pub(crate) fn audit(
    ipsec: &IpsecComponents,
    sent: &SentAudit,
    events: &[Event],
    server: Option<ServerAudit>,
) -> Audit {
    let c = ipsec.driver_counters();
    let driver_counts = vec![
        (EVENT_BAD_SPI, c.bad_spi_packets),
        (EVENT_HASH_FAILED, c.packets_not_authenticated),
        (EVENT_INVALID_SYNTAX, c.packets_not_decrypted),
    ];
    let logged_counts = driver_counts
        .iter()
        .map(|&(id, _)| (id, logged_packets(events, id)))
        .collect();
    Audit {
        installs: ipsec.installs().to_vec(),
        driver_counts,
        logged_counts,
        server,
        clear_l2tp_under_policy: sent.clear_l2tp_under_policy,
    }
}

/// The packet counts (insertion string %2, the first argument) of the
/// System IPSec entries with `id`, summed.
fn logged_packets(events: &[Event], id: u32) -> u64 {
    events
        .iter()
        .filter(|e| e.log == Log::System && e.source == "IPSec" && e.id == id)
        .filter_map(|e| match e.args.first() {
            Some(Arg::Text(n)) => n.parse::<u64>().ok(),
            _ => None,
        })
        .sum()
}
