//! The Windows IPsec components of one machine (WINDOWS.md 5): the IPsec
//! Policy Agent service, the policy in force (RASMAN's automatic L2TP
//! policy, or a manual one), the IKE service and the IPsec driver, the NIC's
//! IPsec offload, and what IP Security Monitor, netdiag and netsh show.
//!
//! The machine hands this component every packet in and out; it turns IKE
//! and driver events into Security and System log entries and counters.
//! Nothing here knows what a scenario expects.

use core::time::Duration;
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::net::{Ipv4Addr, SocketAddrV4};

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

use super::eventlog::{Event, EventType, Log};
use super::monitor::{IpsecMonitor, MonitorSa};

mod advfirewall;
#[cfg(test)]
mod audit_tests;
#[cfg(test)]
mod first_message_tests;
mod ike_events;
mod offers;
mod subcategory;
mod text;
mod views;

pub use views::netdiag_without_admin;

pub use offers::{
    l2tp_main_mode_offers, manual_main_mode, manual_quick_mode, quick_mode_offers,
    server_quick_mode_offers, vendor_id, vendor_ids, windows_vendor_id_prefixes,
};

use super::config::{AuditSubcategory, ManualPolicy, NicOffload};
use super::version::Profile;
use crate::crypto::cbc::CbcCipher;
use crate::ike::{Ike, IkeConfig, IkePolicy, QmOffer, QmRule, Selector};
use crate::ipsec::{AddrMatch, Driver, Filter, FilterAction, Inbound, Outbound};
use crate::net::RouteTable;
use crate::wire::Flow;

pub use crate::ipsec::driver::IKE_PORT;
use crate::wire::l2tp::UDP_PORT as L2TP_PORT;

/// IANA protocol number of UDP (RFC 768), the L2TP filters' protocol.
const UDP: u8 = 17;

/// Which side of the L2TP filter this machine is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum L2tpRole {
    Client { server: Ipv4Addr },
    Server,
}

/// The policy in force and where it came from.
#[derive(Debug, Clone)]
struct ActivePolicy {
    name: String,
    filters: Vec<Filter>,
}

/// How an IKE negotiation with a peer ended, for RASMAN.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IpsecOutcome {
    Up,
    Failed(u32),
}

#[derive(Clone)]
pub struct IpsecComponents {
    /// The host's routes: every address IKE and the filters use is the one
    /// the route to the peer leaves by.
    routes: RouteTable,
    agent_running: bool,
    driver: Driver,
    ike: Ike,
    policy: Option<ActivePolicy>,
    offload: NicOffload,
    enable_offload: bool,
    monitor: IpsecMonitor,
    /// Outcomes of negotiations with peers, in order, for RASMAN.
    outcomes: VecDeque<(Ipv4Addr, IpsecOutcome)>,
    /// IKE has a pre-shared key (the L2TP policy offers it).
    preshared: bool,
    /// Peers RASMAN asked an SA for that have no outcome yet.
    acquiring: BTreeSet<Ipv4Addr>,
    /// Security and System log entries written, for the machine's logs.
    logs: VecDeque<Event>,
    /// Packets the driver dropped, by reason (diagnostics).
    drops: BTreeMap<&'static str, u64>,

    /// tshark key lines (SCENARIOS.md `--keys`).
    keys: Vec<String>,
    corrupt_counter: u8,
    /// Our machine certificate as audits name it ("My Subject").
    my_cert: Option<crate::crypto::pki::PeerCertificate>,
    /// Our version's row: its offers, the RAS errors IKE's failures
    /// show, its audit ids.
    version: &'static Profile,
    /// This machine's clock at t=0, Unix seconds.
    epoch_unix: i64,
    /// The Main Mode SAs up now, oldest first (`netsh advfirewall monitor`).
    mm_sas: Vec<advfirewall::MmSaView>,
    /// Vista and later: the audit policy's IPsec subcategories.
    subcategory: subcategory::SubcategoryAudits,
}

impl IpsecComponents {
    pub fn new(
        routes: RouteTable,
        ike_config: IkeConfig,
        agent_running: bool,
        offload: NicOffload,
        enable_offload: bool,
        version: &'static Profile,
        rng: &mut ChaCha20Rng,
    ) -> Self {
        // IKE's generator first, then the driver's (their order fixes the run).
        let ike_rng = ChaCha20Rng::from_rng(&mut *rng);
        let driver_rng = ChaCha20Rng::from_rng(&mut *rng);
        let my_cert = ike_config
            .identity
            .as_ref()
            .and_then(|i| crate::crypto::pki::describe(&i.cert_der).ok());
        IpsecComponents {
            epoch_unix: ike_config.epoch_unix,
            mm_sas: Vec::new(),
            subcategory: subcategory::SubcategoryAudits::new(version.subcategory_audits, &[]),
            my_cert,
            preshared: ike_config.preshared_key.is_some(),
            routes,
            agent_running,
            driver: Driver::new(driver_rng),
            ike: Ike::new(ike_config, ike_rng),
            policy: None,
            offload,
            enable_offload,
            version,
            monitor: IpsecMonitor::default(),
            outcomes: VecDeque::new(),
            acquiring: BTreeSet::new(),
            logs: VecDeque::new(),
            drops: BTreeMap::new(),

            keys: Vec::new(),
            corrupt_counter: 0,
        }
    }

    /// Our address toward `peer` (unspecified when no route leads there).
    pub(super) fn local_for(&self, peer: Ipv4Addr) -> Ipv4Addr {
        self.routes
            .source_for(peer)
            .unwrap_or(Ipv4Addr::UNSPECIFIED)
    }

    /// The audit subcategories `auditpol` turned on; a build without
    /// them (XP, 2003) writes none whatever the list.
    pub fn set_audit_policy(&mut self, subcategories: &[AuditSubcategory]) {
        self.subcategory =
            subcategory::SubcategoryAudits::new(self.version.subcategory_audits, subcategories);
    }

    pub fn agent_running(&self) -> bool {
        self.agent_running
    }

    pub fn has_policy(&self) -> bool {
        self.policy.is_some()
    }

    pub fn monitor(&self) -> IpsecMonitor {
        let mut m = self.monitor.clone();
        let c = self.driver.counters();
        m.add("confidential-bytes-sent", c.confidential_bytes_sent);
        m.add("confidential-bytes-received", c.confidential_bytes_received);
        m.add("authenticated-bytes-sent", c.authenticated_bytes_sent);
        m.add(
            "authenticated-bytes-received",
            c.authenticated_bytes_received,
        );
        m.add("bad-spi-packets", c.bad_spi_packets);
        m.add("packets-not-decrypted", c.packets_not_decrypted);
        m.add("packets-not-authenticated", c.packets_not_authenticated);
        m.add("key-additions", c.key_additions);
        m.sas = self
            .driver
            .security_associations()
            .into_iter()
            .filter(|s| s.outbound)
            .map(|s| MonitorSa {
                direction: "outbound",
                spi: s.params.spi,
                udp_ports: s.udp.map(|u| (u.local_port, u.remote_port)),
            })
            .collect();
        m
    }

    pub fn keys(&self) -> &[String] {
        &self.keys
    }

    /// The L2TP policy: RASMAN's automatic one (client: my address, UDP
    /// source port 1701 -> the server, any port; server: UDP 1701 from
    /// anyone), negotiated both ways (WINDOWS.md 5), or a manual policy.
    /// Without a running policy agent nothing can be applied.
    pub fn apply_l2tp_policy(
        &mut self,
        now: Duration,
        role: L2tpRole,
        manual: Option<&ManualPolicy>,
        qm: Vec<QmOffer>,
    ) -> bool {
        if !self.agent_running {
            return false;
        }
        let (name, mm, qm_offers, manual_peer) = match manual {
            Some(m) => (
                m.name.clone(),
                offers::manual_main_mode(&self.version.ike_offers, &m.main_mode),
                offers::manual_quick_mode(&self.version.ike_offers, &m.quick_mode),
                m.peer,
            ),
            None => (
                "L2TP Main Mode Policy".to_string(),
                l2tp_main_mode_offers(
                    &self.version.ike_offers,
                    self.preshared,
                    matches!(role, L2tpRole::Client { .. }),
                ),
                qm,
                None,
            ),
        };
        // Both sides filter UDP from port 1701, mirrored, negotiated; they
        // differ in name and addresses. The server's source is "my IP
        // address": RRAS answers on whichever NIC the call arrives on (an
        // unspecified selector address is "any of mine").
        let (filter_name, local, remote) = match role {
            L2tpRole::Client { server } => (
                "L2TP Client Inbound and Outbound Filter",
                Some(self.local_for(server)),
                Some(server),
            ),
            L2tpRole::Server => ("L2TP Server Inbound and Outbound Filter", None, manual_peer),
        };
        let filter = Filter {
            name: filter_name.into(),
            src: local.map_or(AddrMatch::Me, AddrMatch::Addr),
            dst: remote.map_or(AddrMatch::Any, AddrMatch::Addr),
            protocol: Some(UDP),
            src_port: Some(L2TP_PORT),
            dst_port: None,
            mirrored: true,
            action: FilterAction::Negotiate,
            rule: 0,
        };
        let selector = Selector {
            local: local.unwrap_or(Ipv4Addr::UNSPECIFIED),
            remote,
            protocol: UDP,
            local_port: L2TP_PORT,
            remote_port: 0,
        };
        self.ike.set_policy(
            now,
            Some(IkePolicy {
                mm_offers: mm,
                qm_rules: vec![QmRule {
                    name: name.clone(),
                    selector,
                    offers: qm_offers,
                }],
            }),
        );
        self.driver.set_filters(vec![filter.clone()]);
        self.policy = Some(ActivePolicy {
            name,
            filters: vec![filter],
        });
        true
    }

    /// The policy agent stops: the dynamic policy, its filters and SAs go
    /// (WINDOWS.md 5, claim A22).
    pub fn stop_agent(&mut self, now: Duration) {
        self.agent_running = false;
        self.remove_l2tp_policy(now);
        // IKE stops with the service: a negotiation under way ends there,
        // with the error of a security layer that is not running (789,
        // WINDOWS.md 3).
        for peer in std::mem::take(&mut self.acquiring) {
            if !self.outcomes.iter().any(|(p, _)| *p == peer) {
                let code = self.version.ras_errors.ike.general_processing;
                self.outcomes.push_back((peer, IpsecOutcome::Failed(code)));
            }
        }
    }

    pub fn start_agent(&mut self) {
        self.agent_running = true;
    }

    /// RASMAN asks IKE for the L2TP SA with the server.
    pub fn acquire(&mut self, now: Duration, server: Ipv4Addr) {
        let local = self.local_for(server);
        self.acquiring.insert(server);
        self.ike.acquire_from(now, local, server, 0);
    }

    /// Packets the driver dropped, by reason.
    pub fn driver_drops(&self) -> impl Iterator<Item = (&'static str, u64)> + '_ {
        self.drops.iter().map(|(k, v)| (*k, *v))
    }

    /// Duplicates of a peer's IKE message left to the retransmission timer.
    pub fn ike_duplicates_ignored(&self) -> u64 {
        self.ike.duplicates_ignored()
    }

    /// How a negotiation with a peer ended, in order, for RASMAN.
    #[must_use]
    pub fn poll_outcome(&mut self) -> Option<(Ipv4Addr, IpsecOutcome)> {
        let (peer, outcome) = self.outcomes.pop_front()?;
        self.acquiring.remove(&peer);
        Some((peer, outcome))
    }

    /// A log entry IKE or the driver wrote.
    #[must_use]
    pub fn poll_log(&mut self) -> Option<Event> {
        self.logs.pop_front()
    }

    /// RASMAN deletes its L2TP policy when the connection ends (KB 248750):
    /// the filters go, and IKE deletes the SAs they protected [MODEL].
    pub fn remove_l2tp_policy(&mut self, now: Duration) {
        self.policy = None;
        self.ike.delete_all(now);
        self.ike.set_policy(now, None);
        self.driver.clear();
        self.mm_sas.clear();
    }

    /// Whether the filters in force say a packet of `flow` must be secured.
    pub fn must_secure(&self, flow: &Flow) -> bool {
        self.driver.filter_action(flow) == Some(FilterAction::Negotiate)
    }

    /// Every SA pair the driver was given to install, in order.
    pub fn installs(&self) -> &[crate::ipsec::Install] {
        self.driver.installs()
    }

    /// The driver's counters.
    pub fn driver_counters(&self) -> crate::ipsec::Counters {
        *self.driver.counters()
    }

    /// What protects traffic from `peer`: the cipher of its inbound ESP SA
    /// (`Some(None)`: ESP without confidentiality), `None` without an SA.
    pub fn protection_from(&self, peer: Ipv4Addr) -> Option<Option<CbcCipher>> {
        self.driver
            .security_associations()
            .into_iter()
            .find(|s| !s.outbound && s.peer == peer)
            .map(|s| s.params.cipher)
    }

    /// A packet from the local stack, on the SA of its UDP encapsulation
    /// context (0: none). `Some` is what goes on the wire.
    pub fn outbound(&mut self, now: Duration, packet: Vec<u8>, context: u16) -> Option<Vec<u8>> {
        match self.driver.outbound_on(now, packet, context) {
            Outbound::Send(p) | Outbound::Clear(p) => Some(p),
            Outbound::Acquire { peer, rule } => {
                let local = self.local_for(peer);
                self.ike.acquire_from(now, local, peer, rule);
                None
            }
            Outbound::Drop => {
                *self.drops.entry("outbound packet dropped").or_default() += 1;
                None
            }
        }
    }

    /// Whether this ESP packet (whole IPv4) belongs to one of our own SAs.
    pub fn owns_esp(&self, flow: &Flow) -> bool {
        flow.spi.is_some_and(|spi| self.driver.has_inbound_spi(spi))
    }

    /// Packets the driver held for an SA that is now installed.
    #[must_use]
    pub fn poll_released(&mut self) -> Option<Vec<u8>> {
        self.driver.poll_released()
    }

    /// A packet from the wire; `Some` is the clear packet for the stack
    /// and its UDP encapsulation context.
    pub fn inbound(&mut self, now: Duration, packet: &[u8], flow: &Flow) -> Option<(Vec<u8>, u16)> {
        let mut packet = packet.to_vec();
        self.nic_receive(&mut packet, flow);
        match self.driver.inbound_flow(now, &packet, flow) {
            Inbound::Deliver(p, context) => Some((p, context)),
            Inbound::Drop(reason) => {
                *self.drops.entry(reason.name()).or_default() += 1;
                None
            }
        }
    }

    /// A corrupting offload NIC damages the ESP payload it handles while
    /// offload is enabled (EnableOffload=1); with offload disabled the
    /// driver does the work in software and the NIC passes bytes through.
    fn nic_receive(&mut self, packet: &mut [u8], flow: &Flow) {
        if self.offload != NicOffload::Corrupting || !self.enable_offload {
            return;
        }
        // The offload engine handles raw ESP (not UDP-encapsulated): past
        // the IP header, SPI, sequence number and 4 bytes of IV.
        let is_esp = flow.protocol == crate::wire::ipv4::Protocol::Esp;
        let at = flow.header_len + 8 + 4;
        if is_esp && flow.total_len > at {
            self.corrupt_counter = self.corrupt_counter.wrapping_add(1);
            packet[at] ^= 0x5a | (self.corrupt_counter & 1);
        }
    }

    pub fn set_enable_offload(&mut self, on: bool) {
        self.enable_offload = on;
    }

    /// An IKE datagram for us (UDP 500); an error says why IKE dropped it.
    pub fn handle_ike(
        &mut self,
        now: Duration,
        src: SocketAddrV4,
        dst: SocketAddrV4,
        payload: &[u8],
    ) -> Result<(), crate::ike::IkeError> {
        self.ike.handle_datagram(now, src, dst, payload)
    }

    pub fn handle_timeout(&mut self, now: Duration) {
        if self.ike.poll_timeout().is_some_and(|t| t <= now) {
            self.ike.handle_timeout(now);
        }
        if self.driver.poll_timeout().is_some_and(|t| t <= now) {
            self.driver.handle_timeout(now);
        }
    }

    #[must_use]
    pub fn poll_timeout(&self) -> Option<Duration> {
        [self.ike.poll_timeout(), self.driver.poll_timeout()]
            .into_iter()
            .flatten()
            .min()
    }

    /// IKE datagrams to send: (src, dst, payload).
    #[must_use]
    pub fn poll_ike_transmit(&mut self) -> Option<(SocketAddrV4, SocketAddrV4, Vec<u8>)> {
        self.ike.poll_transmit()
    }

    /// Log what happened at the end of the run (aggregated driver events).
    pub fn flush(&mut self, now: Duration) {
        self.driver.flush(now);
        self.drain_driver(now);
    }

    /// Turns IKE and driver events into SAs, log entries and outcomes.
    pub fn process(&mut self, now: Duration) {
        // The volumes first: a pair past its kilobytes is renewed or ends.
        while let Some((spi, bytes)) = self.driver.poll_volume() {
            self.ike.handle_volume(now, spi, bytes);
        }
        while let Some(e) = self.ike.poll_event() {
            self.on_ike(now, e);
        }
        self.drain_driver(now);
    }

    fn drain_driver(&mut self, now: Duration) {
        while let Some(e) = self.driver.poll_event() {
            self.logs.push_back(Event {
                log: Log::System,
                id: e.id,
                source: "IPSec",
                kind: EventType::Error,
                time: now,
                args: vec![e.count.to_string().into(), e.peer.to_string().into()],
            });
        }
    }
}
