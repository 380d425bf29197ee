//! IKEv1 (RFC 2409) as Windows XP / Server 2003 runs it for L2TP/IPsec:
//! Main Mode with RSA signatures and certificates, Quick Mode for ESP in
//! transport mode without PFS, Informational notifications and deletes.
//! Sans-IO: datagrams and time go in, datagrams, events and a deadline come
//! out; all randomness comes from the engine's own `ChaCha20Rng`.
//!
//! `main_mode` and `quick_mode` hold the exchanges, `informational` the
//! notifications and deletes, `offer` the proposals, `proposal` their SA
//! payload encoding, `state` the per-exchange records, `nat_t` NAT-D.
//! Files import one way only: the exchanges use `state`, which uses
//! `nat_t`, `offer`, `proposal` and `error`; none of those use `state`.

mod auth;
mod error;
mod facts;
mod informational;
mod lifetime;
mod main_mode;
mod msg;
pub mod nat_t;
mod offer;
mod proposal;
mod quick_mode;
mod state;
mod tolerance;

use core::time::Duration;
use std::collections::VecDeque;
use std::net::{Ipv4Addr, SocketAddrV4};

use rand_chacha::ChaCha20Rng;
use rand_core::RngCore;

pub use self::error::{IkeError, Unexpected};
pub use self::facts::{FailedExchange, QuickFacts};
pub use self::offer::{MmAttributeOrder, MmAuth, MmOffer, QmOffer};
use self::state::{ExchangeTimer, MainSa, MmState, QmState, QuickEx, QuickSa, LINGER};
pub use self::tolerance::{GarbledReply, PeerVendorIds};
pub use crate::crypto::cbc::CbcCipher;
pub use crate::crypto::dh::DhGroup;
pub use crate::crypto::ike_keys::PrfHash;
pub use crate::crypto::integ::IntegAlg;
pub use crate::crypto::pki::{CertError, PeerCertificate};
pub use crate::ipsec::sa::SaParams;
use crate::wire::isakmp::{self, ExchangeType, Packet};

/// This machine's certificate and, if it has one, its private key.
#[derive(Clone)]
pub struct Identity {
    pub cert_der: Vec<u8>,
    pub key: Option<rsa::RsaPrivateKey>,
}

impl core::fmt::Debug for Identity {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // The private key stays out of logs.
        f.debug_struct("Identity")
            .field("cert_der", &format_args!("{} bytes", self.cert_der.len()))
            .field("key", &self.key.is_some())
            .finish()
    }
}

#[derive(Debug, Clone)]
pub struct IkeConfig {
    pub identity: Option<Identity>,
    /// Trusted root certificates (DER).
    pub trusted_roots: Vec<Vec<u8>>,
    /// Subject DER names of the trusted roots, sent in CR payloads.
    pub trusted_root_names: Vec<Vec<u8>>,
    /// Unix time on this machine's own clock at the simulation start:
    /// certificates are validated at `epoch_unix + now`.
    pub epoch_unix: i64,
    /// Vendor ID payloads sent after the SA in the first Main Mode message
    /// of each side (RFC 2408 3.16).
    pub vendor_ids: Vec<Vec<u8>>,
    /// The key of offers with `MmAuth::PreSharedKey` (RFC 2409 5.4).
    pub preshared_key: Option<Vec<u8>>,
    /// As initiator, the NATs NAT-T may cross (`nat_t::NatTScope`).
    pub nat_t_scope: nat_t::NatTScope,
    /// How the first Main Mode message lays out each transform.
    pub mm_attribute_order: MmAttributeOrder,
    /// An encrypted answer to MM5 that does not open under our keys.
    pub garbled_reply: GarbledReply,
    /// Which Vendor IDs of the responder's MM2 go on.
    pub peer_vendor_ids: PeerVendorIds,
}

/// Where UDP-encapsulated ESP (RFC 3948) of a Quick Mode travels: the
/// IKE addresses and ports (4500 after the float), and the peer's original
/// address from its NAT-OA (RFC 3947 5.2), for transport-mode checksums.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UdpEncap {
    pub local: SocketAddrV4,
    pub remote: SocketAddrV4,
    pub peer_original: Option<Ipv4Addr>,
}

/// The traffic a Quick Mode rule protects, seen from this machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Selector {
    pub local: Ipv4Addr,
    /// `None`: any peer.
    pub remote: Option<Ipv4Addr>,
    /// IP protocol (17 for L2TP), 0 = any.
    pub protocol: u8,
    /// 0 = any.
    pub local_port: u16,
    /// 0 = any.
    pub remote_port: u16,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QmRule {
    pub name: String,
    pub selector: Selector,
    pub offers: Vec<QmOffer>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IkePolicy {
    pub mm_offers: Vec<MmOffer>,
    pub qm_rules: Vec<QmRule>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Mode {
    /// "Key Exchange Mode (Main Mode)".
    Main,
    /// "Data Protection Mode (Quick Mode)".
    Quick,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FailurePoint {
    Me,
    Peer,
}

/// Why a negotiation failed, with the Windows failure reason codes of
/// WINDOWS.md 3 (`code`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FailureReason {
    /// 13801: the peer's certificate failed validation here.
    CredentialsUnacceptable(CertError),
    /// 13802: no proposal chosen.
    AttributesUnacceptable,
    /// 13804.
    GeneralProcessing,
    /// 13805: the peer answered, then stopped mid-negotiation.
    Timeout,
    /// 13806.
    NoMachineCertificate,
    /// 13813: the peer never answered the first message.
    NoResponse,
    /// 13820.
    NoPrivateKey,
    /// 13825.
    NoPolicy,
    /// 13826.
    SignatureInvalid,
    /// 13847.
    PeerSentNoCertificate,
    /// 13870.
    HashMismatch,
    /// The peer's Notify (RFC 2408 3.14.1), e.g. NO-PROPOSAL-CHOSEN 14,
    /// INVALID-CERTIFICATE 20, INVALID-CERT-AUTHORITY 22, INVALID-SIGNATURE 25.
    PeerRejected { notify: u16 },
}

impl FailureReason {
    /// The Windows failure reason (WINDOWS.md 3). A peer's Notify maps to
    /// the reason Windows shows with Failure Point "Peer" [MODEL].
    pub fn code(&self) -> u32 {
        match self {
            FailureReason::CredentialsUnacceptable(_) => 13801,
            FailureReason::AttributesUnacceptable => 13802,
            FailureReason::GeneralProcessing => 13804,
            FailureReason::Timeout => 13805,
            FailureReason::NoMachineCertificate => 13806,
            FailureReason::NoResponse => 13813,
            FailureReason::NoPrivateKey => 13820,
            FailureReason::NoPolicy => 13825,
            FailureReason::SignatureInvalid => 13826,
            FailureReason::PeerSentNoCertificate => 13847,
            FailureReason::HashMismatch => 13870,
            FailureReason::PeerRejected { notify } => match notify {
                12..=14 => 13802,
                17..=22 | 24 | 28 => 13801,
                23 => 13870,
                25 => 13826,
                _ => 13804,
            },
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IkeEvent {
    MainModeUp {
        peer: Ipv4Addr,
        /// The IKE endpoints (port 4500 once NAT-T floated).
        local: SocketAddrV4,
        remote: SocketAddrV4,
        initiator: bool,
        /// What NAT-D showed (RFC 3947); none when a side lacks NAT-T.
        nat: Option<nat_t::NatDetection>,
        /// With `MmAuth::RsaSignature`; none with a pre-shared key.
        peer_cert: Option<PeerCertificate>,
        my_cert: Option<PeerCertificate>,
        auth: MmAuth,
        cipher: CbcCipher,
        hash: PrfHash,
        group: DhGroup,
        lifetime_secs: u32,
        icookie: [u8; 8],
        rcookie: [u8; 8],
        /// For tshark's ikev1_decryption_table.
        enc_key: Vec<u8>,
    },
    QuickModeUp {
        /// UDP-encapsulated ESP (RFC 3948) when NAT-D found a NAT.
        udp_encap: Option<UdpEncap>,
        peer: Ipv4Addr,
        rule: usize,
        initiator: bool,
        /// Selector addresses and ports (this side, the peer's side).
        local: SocketAddrV4,
        remote: SocketAddrV4,
        inbound: SaParams,
        outbound: SaParams,
        lifetime_secs: u32,
        lifetime_kb: u32,
    },
    Failed {
        peer: Ipv4Addr,
        mode: Mode,
        point: FailurePoint,
        reason: FailureReason,
        peer_cert: Option<PeerCertificate>,
        /// Where the exchange stood; none before any message.
        at: Option<FailedExchange>,
    },
    Deleted {
        peer: Ipv4Addr,
        mode: Mode,
        inbound_spi: Option<u32>,
        outbound_spi: Option<u32>,
    },
}

/// One machine's IKE service (both roles).
#[derive(Clone)]
pub struct Ike {
    cfg: IkeConfig,
    rng: ChaCha20Rng,
    policy: Option<IkePolicy>,
    mains: Vec<MainSa>,
    quicks: Vec<QuickEx>,
    sas: Vec<QuickSa>,
    transmit: VecDeque<(SocketAddrV4, SocketAddrV4, Vec<u8>)>,
    events: VecDeque<IkeEvent>,
    /// Duplicates of the peer's last message left to our own timer.
    duplicates_ignored: u64,
}

impl Ike {
    pub fn new(cfg: IkeConfig, rng: ChaCha20Rng) -> Self {
        Ike {
            cfg,
            rng,
            policy: None,
            mains: Vec::new(),
            quicks: Vec::new(),
            sas: Vec::new(),
            transmit: VecDeque::new(),
            events: VecDeque::new(),
            duplicates_ignored: 0,
        }
    }

    /// None: no policy; IKE then ignores peers' Main Mode (they time out,
    /// WINDOWS.md A14). Negotiations under way continue with what they chose.
    pub fn set_policy(&mut self, _now: Duration, policy: Option<IkePolicy>) {
        self.policy = policy;
    }

    /// Initiator: the driver wants an SA for rule `rule` with `peer`; runs
    /// Main Mode if none is up, then Quick Mode. Repeated acquires while
    /// negotiating are ignored.
    pub fn acquire(&mut self, now: Duration, peer: Ipv4Addr, rule: usize) {
        let local = self
            .rule(rule)
            .map_or(Ipv4Addr::UNSPECIFIED, |r| r.selector.local);
        self.acquire_from(now, local, peer, rule);
    }

    /// `acquire` from `local`, the address the host's route to `peer` picks
    /// (a selector naming "any of my addresses" cannot say which).
    pub fn acquire_from(&mut self, now: Duration, local: Ipv4Addr, peer: Ipv4Addr, rule: usize) {
        if self.rule(rule).is_none() {
            self.fail(
                peer,
                Mode::Main,
                FailurePoint::Me,
                FailureReason::NoPolicy,
                None,
            );
            return;
        }
        if self
            .quicks
            .iter()
            .any(|q| q.initiator && q.peer == peer && q.rule == rule && q.state == QmState::I1)
        {
            return;
        }
        let live = |m: &&mut MainSa| m.peer() == peer && m.state != MmState::Dead;
        if let Some(m) = self.mains.iter_mut().find(live) {
            if m.state == MmState::Up {
                let (ic, rc) = (m.icookie, m.rcookie);
                self.start_quick_mode(now, ic, rc, rule);
            } else if !m.pending.contains(&rule) {
                m.pending.push(rule);
            }
            return;
        }
        self.start_main_mode(now, local, peer, rule);
    }

    pub fn handle_datagram(
        &mut self,
        now: Duration,
        src: SocketAddrV4,
        dst: SocketAddrV4,
        data: &[u8],
    ) -> Result<(), IkeError> {
        let packet = Packet::new_checked(data)?;
        trace_packet("receive", src, dst, &packet);
        if dst.port() == nat_t::NAT_T_PORT {
            self.follow_float(src, dst, &packet);
        }
        if self.answer_retransmission(src, &packet, data) {
            return Ok(());
        }
        match packet.exchange_type() {
            ExchangeType::IdentityProtection => self.handle_main_mode(now, src, dst, &packet, data),
            ExchangeType::QuickMode => self.handle_quick_mode(now, src, &packet, data),
            ExchangeType::Informational => self.handle_informational(now, src, &packet),
            _ => Err(IkeError::Unexpected(Unexpected::ExchangeNotImplemented)),
        }
    }

    /// Retransmits, and gives up per WINDOWS.md 5 [MODEL]; forgets lingering
    /// exchanges.
    pub fn handle_timeout(&mut self, now: Duration) {
        self.main_mode_timeouts(now);
        self.quick_mode_timeouts(now);
        self.lifetime_timeouts(now);
    }

    /// Informational deletes for every ESP SA pair and ISAKMP SA, then forgets
    /// everything (policy agent stopped, disconnect).
    pub fn delete_all(&mut self, now: Duration) {
        self.delete_everything(now);
    }

    /// Duplicates of the peer's previous message that our retransmission
    /// timer answers instead (diagnostics).
    pub fn duplicates_ignored(&self) -> u64 {
        self.duplicates_ignored
    }

    #[must_use]
    pub fn poll_transmit(&mut self) -> Option<(SocketAddrV4, SocketAddrV4, Vec<u8>)> {
        self.transmit.pop_front()
    }

    #[must_use]
    pub fn poll_event(&mut self) -> Option<IkeEvent> {
        self.events.pop_front()
    }

    #[must_use]
    pub fn poll_timeout(&self) -> Option<Duration> {
        let mains = self.mains.iter().filter_map(|m| m.timer.deadline());
        let quicks = self.quicks.iter().filter_map(|q| q.timer.deadline());
        mains.chain(quicks).chain(self.lifetime_deadline()).min()
    }

    fn rule(&self, index: usize) -> Option<&QmRule> {
        self.policy.as_ref()?.qm_rules.get(index)
    }

    fn random_bytes(&mut self, n: usize) -> Vec<u8> {
        let mut v = vec![0u8; n];
        self.rng.fill_bytes(&mut v);
        v
    }

    fn random_cookie(&mut self) -> [u8; 8] {
        let mut c = [0u8; 8];
        // RFC 2408 3.1: a cookie is never zero (zero marks "not yet known").
        while c == [0; 8] {
            self.rng.fill_bytes(&mut c);
        }
        c
    }

    /// A message id or SPI: never 0; SPIs 1-255 are reserved (RFC 4303 2.1).
    fn random_id(&mut self) -> u32 {
        loop {
            let v = self.rng.next_u32();
            if v > 255 {
                return v;
            }
        }
    }

    /// Nonces of 20 bytes (RFC 2409 5: 8-256 bytes).
    fn nonce(&mut self) -> Vec<u8> {
        self.random_bytes(20)
    }

    fn send(&mut self, src: SocketAddrV4, dst: SocketAddrV4, bytes: Vec<u8>) {
        // Parsed again only when someone listens.
        if tracing::enabled!(target: crate::trace::IKE, tracing::Level::TRACE) {
            match Packet::new_checked(&bytes[..]) {
                Ok(p) => trace_packet("send", src, dst, &p),
                Err(_) => tracing::trace!(
                    target: crate::trace::IKE,
                    from = %src,
                    to = %dst,
                    len = bytes.len(),
                    "send keepalive"
                ),
            }
        }
        self.transmit.push_back((src, dst, bytes));
    }

    fn fail(
        &mut self,
        peer: Ipv4Addr,
        mode: Mode,
        point: FailurePoint,
        reason: FailureReason,
        peer_cert: Option<PeerCertificate>,
    ) {
        tracing::debug!(
            target: crate::trace::IKE,
            peer = %peer,
            mode = ?mode,
            point = ?point,
            status = reason.code(),
            "negotiation failed"
        );
        let at = self.failed_exchange(peer, mode);
        self.events.push_back(IkeEvent::Failed {
            peer,
            mode,
            point,
            reason,
            peer_cert,
            at,
        });
    }

    /// A retransmitted request gets our last reply again (RFC 2408 5 leaves
    /// this to implementations; every IKEv1 stack does it), unless that
    /// reply has a retransmission timer of its own: then the timer resends
    /// it, and answering the duplicate too would send it twice at once (on a
    /// link slower than the first resend, every message would multiply).
    /// Returns true when the datagram was a duplicate, answered or not.
    fn answer_retransmission(
        &mut self,
        src: SocketAddrV4,
        packet: &Packet<&[u8]>,
        data: &[u8],
    ) -> bool {
        let (ic, mid) = (packet.initiator_cookie(), packet.message_id());
        let peer = *src.ip();
        let reply = if mid == 0 {
            self.mains
                .iter()
                .find(|m| m.peer() == peer && m.icookie == ic && m.last_in == data)
                .map(|m| {
                    (
                        m.local,
                        m.remote,
                        m.last_out.clone(),
                        m.timer.is_retransmitting(),
                    )
                })
        } else {
            self.quicks
                .iter()
                .find(|q| {
                    q.peer == peer && q.icookie == ic && q.message_id == mid && q.last_in == data
                })
                .and_then(|q| {
                    let m = self
                        .mains
                        .iter()
                        .find(|m| m.icookie == q.icookie && m.rcookie == q.rcookie)?;
                    Some((
                        m.local,
                        m.remote,
                        q.last_out.clone(),
                        q.timer.is_retransmitting(),
                    ))
                })
        };
        match reply {
            Some((local, remote, out, timer_running)) => {
                if timer_running {
                    self.duplicates_ignored += 1;
                } else if !out.is_empty() {
                    self.send(local, remote, out);
                }
                true
            }
            None => false,
        }
    }

    /// The ISAKMP SA with these cookies from `peer`.
    /// A message of a NAT-T ISAKMP SA on 4500: its answers go where it came
    /// from, the peer's NAT mapping for 4500 (RFC 3947 4).
    fn follow_float(&mut self, src: SocketAddrV4, dst: SocketAddrV4, packet: &Packet<&[u8]>) {
        let (ic, rc) = (packet.initiator_cookie(), packet.responder_cookie());
        if let Some(i) = self.main_index(*src.ip(), ic, rc) {
            let m = &mut self.mains[i];
            if m.nat_t {
                (m.local, m.remote) = (dst, src);
            }
        }
    }

    fn main_index(&self, peer: Ipv4Addr, icookie: [u8; 8], rcookie: [u8; 8]) -> Option<usize> {
        self.mains
            .iter()
            .position(|m| m.peer() == peer && m.icookie == icookie && m.rcookie == rcookie)
    }

    /// Marks an ISAKMP SA failed: it stops retransmitting and lingers so that
    /// retransmissions of `last_in` get `last_out` (a notification) again.
    fn kill_main(&mut self, now: Duration, index: usize) {
        if let Some(m) = self.mains.get_mut(index) {
            m.state = MmState::Dead;
            // Only a notification set afterwards is repeated; never our last
            // request, which would ping-pong with a peer repeating its reply.
            m.last_out.clear();
            m.pending.clear();
            m.timer = ExchangeTimer::Linger(now + LINGER);
        }
    }
}

/// The summary line of an ISAKMP datagram, re-exported for reports.
pub fn describe_datagram(data: &[u8]) -> String {
    isakmp::summary(data)
}

#[cfg(test)]
mod tests;

/// One ISAKMP message in or out (RFC 2408 3.1 header), for the traces.
fn trace_packet<T: AsRef<[u8]>>(
    direction: &'static str,
    src: SocketAddrV4,
    dst: SocketAddrV4,
    p: &Packet<T>,
) {
    tracing::trace!(
        target: crate::trace::IKE,
        from = %src,
        to = %dst,
        exchange = u8::from(p.exchange_type()),
        icookie = %crate::trace::hex(&p.initiator_cookie()),
        rcookie = %crate::trace::hex(&p.responder_cookie()),
        message_id = p.message_id(),
        next_payload = u8::from(p.next_payload()),
        flags = p.flags(),
        len = p.length(),
        "{direction}"
    );
}
