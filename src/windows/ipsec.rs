//! The Windows IPsec components of one machine (WINDOWS.md 5): the IPsec
//! Policy Agent service, the policy in force (RASMAN's automatic L2TP
//! policy, or a manual one), the IKE service and the IPsec driver, the NIC's
//! IPsec offload, and what IP Security Monitor, netdiag and netsh show.
//!
//! The machine hands this component every packet in and out; it turns IKE
//! and driver events into Security and System log entries and counters.
//! Nothing here knows what a scenario expects.

use core::time::Duration;
use std::net::{Ipv4Addr, SocketAddrV4};

use rand_chacha::ChaCha20Rng;

use super::eventlog::{nested, Event, EventLogs, EventType, Log};
use super::monitor::{IpsecMonitor, MonitorSa};

#[path = "ipsec_text.rs"]
mod text;
use crate::crypto::cbc::CbcCipher;
use crate::crypto::dh::DhGroup;
use crate::crypto::ike_keys::PrfHash;
use crate::crypto::integ::IntegAlg;
use crate::ike::{
    FailurePoint, FailureReason, Ike, IkeConfig, IkeEvent, IkePolicy, MmOffer, Mode, QmOffer,
    QmRule, Selector,
};
use crate::ipsec::{AddrMatch, Driver, Filter, FilterAction, Inbound, Outbound};
use crate::net::RouteTable;
use text::{audit, cert_status, cipher_name, esp_key_line, hash_name, hex_lower, integ_name};

use super::machine::L2TP_PORT;
pub use crate::ipsec::driver::IKE_PORT;

/// IANA protocol number of UDP (RFC 768), the L2TP filters' protocol.
const UDP: u8 = 17;

/// The NIC's IPsec task offload (SCENARIOS.md `nic.ipsec-offload`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NicOffload {
    None,
    Working,
    /// A faulty offload NIC that damages received ESP it decrypts in
    /// hardware (claim A20): the driver then fails the hash check.
    Corrupting,
}

/// Which side of the L2TP filter this machine is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum L2tpRole {
    Client { server: Ipv4Addr },
    Server,
}

/// A manual policy's offers, as the harness gives them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManualPolicy {
    pub name: String,
    /// The peer the rule's filter names (`None`: any address).
    pub peer: Option<Ipv4Addr>,
    pub mm_offers: Vec<MmOffer>,
    pub qm_offers: Vec<QmOffer>,
}

/// The policy in force and where it came from.
#[derive(Debug, Clone)]
struct ActivePolicy {
    name: String,
    filters: Vec<Filter>,
}

/// How an IKE negotiation with the L2TP server ended, for RASMAN.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IpsecOutcome {
    Up,
    Failed(u32),
}

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
    outcomes: Vec<(Ipv4Addr, IpsecOutcome)>,
    /// tshark key lines (SCENARIOS.md `--keys`).
    keys: Vec<String>,
    corrupt_counter: u8,
    /// Our machine certificate as audits name it ("My Subject").
    my_cert: Option<crate::crypto::pki::PeerCertificate>,
}

/// XP's main mode offers (WINDOWS.md 5), lifetime 28800 s [MODEL].
pub fn xp_main_mode_offers() -> Vec<MmOffer> {
    let offer = |cipher, hash, group| MmOffer {
        cipher,
        hash,
        group,
        lifetime_secs: 28_800,
    };
    vec![
        offer(CbcCipher::TripleDes, PrfHash::Sha1, DhGroup::Modp1024),
        offer(CbcCipher::TripleDes, PrfHash::Md5, DhGroup::Modp1024),
        offer(CbcCipher::Des, PrfHash::Sha1, DhGroup::Modp768),
        offer(CbcCipher::Des, PrfHash::Md5, DhGroup::Modp768),
    ]
}

/// Quick mode offers of the "L2TP Require Encryption Quick Mode Policy"
/// (WINDOWS.md 5): ESP only; the AH+ESP combinations are not offered here.
pub fn xp_quick_mode_offers() -> Vec<QmOffer> {
    let offer = |cipher, integ| QmOffer {
        cipher: Some(cipher),
        integ,
        lifetime_secs: 3600,
        lifetime_kb: 250_000,
    };
    vec![
        offer(CbcCipher::TripleDes, IntegAlg::HmacMd5_96),
        offer(CbcCipher::TripleDes, IntegAlg::HmacSha1_96),
        offer(CbcCipher::Des, IntegAlg::HmacMd5_96),
        offer(CbcCipher::Des, IntegAlg::HmacSha1_96),
    ]
}

/// The quick mode policy RASMAN picks from the connectoid's encryption
/// setting (WINDOWS.md 5): "L2TP No / Optional / Require / Require Max
/// Encryption Quick Mode Policy". No encryption is ESP with integrity only.
pub fn quick_mode_offers(enc: super::config::ConnectoidEncryption) -> Vec<QmOffer> {
    use super::config::ConnectoidEncryption as E;
    let null = |integ| QmOffer {
        cipher: None,
        integ,
        lifetime_secs: 3600,
        lifetime_kb: 250_000,
    };
    let nulls = vec![null(IntegAlg::HmacMd5_96), null(IntegAlg::HmacSha1_96)];
    match enc {
        E::None => nulls,
        E::Optional => xp_quick_mode_offers().into_iter().chain(nulls).collect(),
        E::Require => xp_quick_mode_offers(),
        E::RequireMax => xp_quick_mode_offers()
            .into_iter()
            .filter(|o| o.cipher == Some(CbcCipher::TripleDes))
            .collect(),
    }
}

impl IpsecComponents {
    pub fn new(
        routes: RouteTable,
        ike_config: IkeConfig,
        agent_running: bool,
        offload: NicOffload,
        enable_offload: bool,
        ike_rng: ChaCha20Rng,
        driver_rng: ChaCha20Rng,
    ) -> Self {
        let my_cert = ike_config
            .identity
            .as_ref()
            .and_then(|i| crate::crypto::pki::describe(&i.cert_der).ok());
        IpsecComponents {
            my_cert,
            routes,
            agent_running,
            driver: Driver::new(driver_rng),
            ike: Ike::new(ike_config, ike_rng),
            policy: None,
            offload,
            enable_offload,
            monitor: IpsecMonitor::default(),
            outcomes: Vec::new(),
            keys: Vec::new(),
            corrupt_counter: 0,
        }
    }

    /// Our address toward `peer` (unspecified when no route leads there).
    pub(super) fn local_for(&self, peer: Ipv4Addr) -> Ipv4Addr {
        self.routes.source_for(peer).unwrap_or(Ipv4Addr::UNSPECIFIED)
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
            .outbound_sas()
            .into_iter()
            .map(|(_, spi)| MonitorSa {
                direction: "outbound",
                spi,
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
                m.mm_offers.clone(),
                m.qm_offers.clone(),
                m.peer,
            ),
            None => (
                "L2TP Main Mode Policy".to_string(),
                xp_main_mode_offers(),
                qm,
                None,
            ),
        };
        let (filter, selector) = match role {
            L2tpRole::Client { server } => (
                Filter {
                    name: "L2TP Client Inbound and Outbound Filter".into(),
                    src: AddrMatch::Addr(self.local_for(server)),
                    dst: AddrMatch::Addr(server),
                    protocol: Some(UDP),
                    src_port: Some(L2TP_PORT),
                    dst_port: None,
                    mirrored: true,
                    action: FilterAction::Negotiate,
                    rule: 0,
                },
                Selector {
                    local: self.local_for(server),
                    remote: Some(server),
                    protocol: UDP,
                    local_port: L2TP_PORT,
                    remote_port: 0,
                },
            ),
            L2tpRole::Server => (
                Filter {
                    name: "L2TP Server Inbound and Outbound Filter".into(),
                    // "My IP address": RRAS answers on whichever NIC the
                    // call arrives on.
                    src: AddrMatch::Me,
                    dst: manual_peer.map_or(AddrMatch::Any, AddrMatch::Addr),
                    protocol: Some(UDP),
                    src_port: Some(L2TP_PORT),
                    dst_port: None,
                    mirrored: true,
                    action: FilterAction::Negotiate,
                    rule: 0,
                },
                Selector {
                    local: Ipv4Addr::UNSPECIFIED,
                    remote: manual_peer,
                    protocol: UDP,
                    local_port: L2TP_PORT,
                    remote_port: 0,
                },
            ),
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
        self.policy = None;
        self.ike.delete_all(now);
        self.ike.set_policy(now, None);
        self.driver.clear();
    }

    pub fn start_agent(&mut self) {
        self.agent_running = true;
    }

    /// RASMAN asks IKE for the L2TP SA with the server.
    pub fn acquire(&mut self, now: Duration, server: Ipv4Addr) {
        let local = self.local_for(server);
        self.ike.acquire_from(now, local, server, 0);
    }

    /// The latest outcome of a negotiation with `peer`, taken once.
    pub fn take_outcome(&mut self, peer: Ipv4Addr) -> Option<IpsecOutcome> {
        let i = self.outcomes.iter().position(|(p, _)| *p == peer)?;
        Some(self.outcomes.remove(i).1)
    }

    /// A packet from the local stack. `Some` is what goes on the wire.
    pub fn outbound(&mut self, now: Duration, packet: Vec<u8>) -> Option<Vec<u8>> {
        match self.driver.outbound(now, packet) {
            Outbound::Send(p) | Outbound::Clear(p) => Some(p),
            Outbound::Acquire { peer, rule } => {
                let local = self.local_for(peer);
                self.ike.acquire_from(now, local, peer, rule);
                None
            }
            Outbound::Drop => None,
        }
    }

    /// Whether this ESP packet (whole IPv4) belongs to one of our own SAs.
    pub fn owns_esp(&self, packet: &[u8]) -> bool {
        let header = usize::from(packet.first().map_or(5, |b| b & 0x0f)) * 4;
        packet
            .get(header..header + 4)
            .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
            .is_some_and(|spi| self.driver.has_inbound_spi(spi))
    }

    /// Packets the driver held for an SA that is now installed.
    pub fn poll_released(&mut self) -> Option<Vec<u8>> {
        self.driver.poll_released()
    }

    /// A packet from the wire; `Some` is the clear packet for the stack.
    pub fn inbound(&mut self, now: Duration, packet: &[u8]) -> Option<Vec<u8>> {
        let mut packet = packet.to_vec();
        self.nic_receive(&mut packet);
        match self.driver.inbound(now, &packet) {
            Inbound::Deliver(p) => Some(p),
            Inbound::Drop(_) => None,
        }
    }

    /// A corrupting offload NIC damages the ESP payload it handles while
    /// offload is enabled (EnableOffload=1); with offload disabled the
    /// driver does the work in software and the NIC passes bytes through.
    fn nic_receive(&mut self, packet: &mut [u8]) {
        if self.offload != NicOffload::Corrupting || !self.enable_offload {
            return;
        }
        let is_esp = packet.get(9) == Some(&50);
        let header = usize::from(packet.first().map_or(5, |b| b & 0x0f)) * 4;
        // Past the IP header, SPI and sequence number: the encrypted data.
        let at = header + 8 + 4;
        if is_esp && packet.len() > at {
            self.corrupt_counter = self.corrupt_counter.wrapping_add(1);
            packet[at] ^= 0x5a | (self.corrupt_counter & 1);
        }
    }

    pub fn set_enable_offload(&mut self, on: bool) {
        self.enable_offload = on;
    }

    /// An IKE datagram for us (UDP 500).
    pub fn handle_ike(
        &mut self,
        now: Duration,
        src: SocketAddrV4,
        dst: SocketAddrV4,
        payload: &[u8],
    ) {
        let _ = self.ike.handle_datagram(now, src, dst, payload);
    }

    pub fn handle_timeout(&mut self, now: Duration) {
        if self.ike.poll_timeout().is_some_and(|t| t <= now) {
            self.ike.handle_timeout(now);
        }
        if self.driver.poll_timeout().is_some_and(|t| t <= now) {
            self.driver.handle_timeout(now);
        }
    }

    pub fn poll_timeout(&self) -> Option<Duration> {
        [self.ike.poll_timeout(), self.driver.poll_timeout()]
            .into_iter()
            .flatten()
            .min()
    }

    /// IKE datagrams to send: (src, dst, payload).
    pub fn poll_ike_transmit(&mut self) -> Option<(SocketAddrV4, SocketAddrV4, Vec<u8>)> {
        self.ike.poll_transmit()
    }

    /// Log what happened at the end of the run (aggregated driver events).
    pub fn flush(&mut self, now: Duration, logs: &mut EventLogs) {
        self.driver.flush(now);
        self.drain_driver(now, logs);
    }

    /// Turns IKE and driver events into SAs, log entries and outcomes.
    /// Returns whether anything happened.
    pub fn process(&mut self, now: Duration, logs: &mut EventLogs) -> bool {
        let mut progressed = false;
        while let Some(e) = self.ike.poll_event() {
            progressed = true;
            self.on_ike(now, e, logs);
        }
        progressed | self.drain_driver(now, logs)
    }

    fn drain_driver(&mut self, now: Duration, logs: &mut EventLogs) -> bool {
        let mut progressed = false;
        while let Some(e) = self.driver.poll_event() {
            progressed = true;
            logs.write(Event {
                log: Log::System,
                id: e.id,
                source: "IPSec",
                kind: EventType::Error,
                time: now,
                args: vec![e.count.to_string(), e.peer.to_string()],
            });
        }
        progressed
    }

    fn on_ike(&mut self, now: Duration, e: IkeEvent, logs: &mut EventLogs) {
        match e {
            IkeEvent::MainModeUp {
                peer,
                peer_cert,
                my_cert,
                cipher,
                hash,
                lifetime_secs,
                icookie,
                enc_key,
                ..
            } => {
                self.monitor.add("main-modes", 1);
                self.keys.push(format!(
                    "uat:ikev1_decryption_table:{},{}",
                    hex_lower(&icookie),
                    hex_lower(&enc_key)
                ));
                logs.write(audit(
                    now,
                    541,
                    EventType::SuccessAudit,
                    vec![
                        "@ike.mode.main".into(),
                        Self::identity_block(peer, Some(&peer_cert), Some(&my_cert)),
                        self.filter_block(peer, None),
                        nested(
                            "ike.params.main",
                            &[
                                cipher_name(Some(cipher)).into(),
                                hash_name(hash).into(),
                                lifetime_secs.to_string(),
                            ],
                        ),
                    ],
                ));
            }
            IkeEvent::QuickModeUp {
                peer,
                rule,
                local,
                remote,
                inbound,
                outbound,
                lifetime_secs,
                lifetime_kb,
                ..
            } => {
                self.monitor.add("quick-modes", 1);
                for (src, dst, sa) in [(remote, local, &inbound), (local, remote, &outbound)] {
                    self.keys.push(esp_key_line(*src.ip(), *dst.ip(), sa));
                }
                logs.write(audit(
                    now,
                    541,
                    EventType::SuccessAudit,
                    vec![
                        "@ike.mode.quick".into(),
                        nested("ike.identity.none", &[peer.to_string()]),
                        self.filter_block(peer, Some((local, remote))),
                        nested(
                            "ike.params.quick",
                            &[
                                cipher_name(outbound.cipher).into(),
                                integ_name(outbound.integ).into(),
                                "@ike.value.none".into(),
                                "@ike.value.transport".into(),
                                format!("{} (0x{:08x})", inbound.spi, inbound.spi),
                                format!("{} (0x{:08x})", outbound.spi, outbound.spi),
                                lifetime_secs.to_string(),
                                lifetime_kb.to_string(),
                            ],
                        ),
                    ],
                ));
                self.driver.install(now, peer, rule, inbound, outbound);
                self.outcomes.push((peer, IpsecOutcome::Up));
            }
            IkeEvent::Failed {
                peer,
                mode,
                point,
                reason,
                peer_cert,
            } => {
                self.monitor.add("negotiation-failures", 1);
                if matches!(
                    reason,
                    FailureReason::CredentialsUnacceptable(_)
                        | FailureReason::SignatureInvalid
                        | FailureReason::HashMismatch
                ) {
                    self.monitor.add("authentication-failures", 1);
                }
                let status = match &reason {
                    FailureReason::CredentialsUnacceptable(e) => cert_status(e),
                    FailureReason::PeerRejected { notify } => {
                        nested("ike.status.peer-notify", &[notify.to_string()])
                    }
                    _ => "@ike.status.none".into(),
                };
                logs.write(audit(
                    now,
                    547,
                    EventType::FailureAudit,
                    vec![
                        match mode {
                            Mode::Main => "@ike.mode.main".into(),
                            Mode::Quick => "@ike.mode.quick".into(),
                        },
                        self.filter_block(peer, None),
                        Self::identity_block(peer, peer_cert.as_ref(), self.my_cert.as_ref()),
                        match point {
                            FailurePoint::Me => "@ike.point.me".into(),
                            FailurePoint::Peer => "@ike.point.peer".into(),
                        },
                        format!("@ike.reason.{}", reason.code()),
                        status,
                    ],
                ));
                self.outcomes.push((
                    peer,
                    IpsecOutcome::Failed(ras_error_for_ike(&reason, point)),
                ));
            }
            IkeEvent::Deleted {
                peer,
                mode,
                inbound_spi,
                outbound_spi,
            } => {
                let filter = self.filter_block(peer, None);
                let (id, args) = match mode {
                    Mode::Main => (543, vec![filter]),
                    Mode::Quick => (
                        542,
                        vec![
                            filter,
                            inbound_spi.map(|s| s.to_string()).unwrap_or_default(),
                            outbound_spi.map(|s| s.to_string()).unwrap_or_default(),
                        ],
                    ),
                };
                logs.write(audit(now, id, EventType::SuccessAudit, args));
                if mode == Mode::Quick {
                    self.driver.remove_peer(peer);
                }
            }
        }
    }
}

/// RASMAN's mapping of an IKE failure to a RAS error (WINDOWS.md 2).
pub fn ras_error_for_ike(reason: &FailureReason, point: FailurePoint) -> u32 {
    match reason {
        FailureReason::NoMachineCertificate | FailureReason::NoPrivateKey => 786,
        FailureReason::PeerSentNoCertificate => 790,
        FailureReason::PeerRejected { notify } => match notify {
            // RFC 2408 3.14.1: INVALID-CERT-ENCODING 17 .. INVALID-CERT-AUTHORITY
            // 22, AUTHENTICATION-FAILED 24, INVALID-SIGNATURE 25,
            // CERTIFICATE-UNAVAILABLE 28: the remote computer refused our
            // certificate or signature.
            17..=22 | 24 | 25 | 28 => 790,
            // NO-PROPOSAL-CHOSEN, BAD-PROPOSAL-SYNTAX, ATTRIBUTES-NOT-SUPPORTED.
            12..=14 => 788,
            _ => 793,
        },
        FailureReason::CredentialsUnacceptable(_)
        | FailureReason::SignatureInvalid
        | FailureReason::HashMismatch => {
            if point == FailurePoint::Me {
                787
            } else {
                790
            }
        }
        FailureReason::AttributesUnacceptable => 788,
        FailureReason::NoPolicy => 791,
        FailureReason::NoResponse | FailureReason::Timeout => 792,
        FailureReason::GeneralProcessing => 789,
    }
}
