//! IP Security Monitor's view of a machine (WINDOWS.md 5): the outbound SAs
//! and the driver and IKE counters. Without IPsec in play every counter
//! stays at zero and no SA is listed, which is what the snap-in shows then.

use std::collections::BTreeMap;

/// One SA as IP Security Monitor lists it (outbound only: claim A18).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonitorSa {
    pub direction: &'static str,
    pub spi: u32,
    /// UDP-encapsulated (NAT-T): (source port, destination port), as XP
    /// SP2's snap-in shows the encapsulation of an SA [MODEL layout].
    pub udp_ports: Option<(u16, u16)>,
}

/// The counters, under the names scenarios use (`counter:` in `expect`).
pub const COUNTERS: &[&str] = &[
    "authenticated-bytes-received",
    "authenticated-bytes-sent",
    "authentication-failures",
    "bad-spi-packets",
    "confidential-bytes-received",
    "confidential-bytes-sent",
    "key-additions",
    "main-modes",
    "negotiation-failures",
    "packets-not-authenticated",
    "packets-not-decrypted",
    "quick-modes",
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IpsecMonitor {
    pub sas: Vec<MonitorSa>,
    pub counters: BTreeMap<&'static str, u64>,
}

impl Default for IpsecMonitor {
    fn default() -> Self {
        IpsecMonitor {
            sas: Vec::new(),
            counters: COUNTERS.iter().map(|&c| (c, 0)).collect(),
        }
    }
}

impl IpsecMonitor {
    /// Adds to a counter; unknown names are a programming error caught by
    /// the test below, so they are ignored rather than panicking here.
    pub fn add(&mut self, counter: &'static str, n: u64) {
        if let Some(v) = self.counters.get_mut(counter) {
            *v += n;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starts_with_every_counter_at_zero_and_no_sa() {
        let m = IpsecMonitor::default();
        assert!(m.sas.is_empty());
        assert_eq!(m.counters.len(), COUNTERS.len());
        assert!(m.counters.values().all(|&v| v == 0));
    }
}
