//! The Windows IPsec driver model (WINDOWS.md 4-5): filters decide what is
//! protected, ESP transport mode (RFC 4303) protects it with the SAs IKE
//! installs, failures are counted and reported as aggregated System events.
//! It sees whole IPv4 packets: outbound from the local stack, inbound from
//! the wire. Sans-IO: time comes in as `now`, IVs from the driver's rng.
//!
//! Simplifications: no SA lifetimes here (the driver counts each SA's
//! bytes for IKE, `poll_volume`; IKE renews and calls `install` again; the
//! newest outbound SA is used, older inbound SAs stay valid until
//! removed); no post-decryption selector check (RFC 4301 5.2 step 4); no
//! AH, no tunnel mode. UDP encapsulation (NAT-T, RFC 3948) is
//! `udp_encap`.
//!
//! The UDP encapsulation context: behind one NAT, two peers share an
//! address, and the packets inside their SAs look alike (transport mode,
//! the NAT's address, L2TP's port 1701). What tells them apart is the SA a
//! packet came in on, identified here by the peer's UDP port (its NAT
//! mapping for 4500): `Inbound::Deliver` gives it, the upper layer keeps
//! it with its peer and hands it back to `outbound_on`, which sends on that
//! SA (the context Windows' AssumeUDPEncapsulationContextOnSendRule is
//! named after). 0: no context, the newest SA to the peer.

use core::net::Ipv4Addr;
use core::time::Duration;
use std::collections::{BTreeMap, VecDeque};

use rand_chacha::ChaCha20Rng;

use super::error::EspError;
use super::events::{
    Aggregator, DriverEvent, EVENT_BAD_SPI, EVENT_CLEAR_TEXT, EVENT_HASH_FAILED,
    EVENT_INVALID_SYNTAX,
};
use super::sa::{EspSa, SaParams};
use super::spd::{lookup, Filter, FilterAction, Tuple};
use super::udp_encap::{self, EspUdp};
use crate::wire::esp;
use crate::wire::ipv4;
use crate::wire::{Flow, WireKind};

/// IKE's UDP port (RFC 2408 / RFC 2409 use 500).
pub const IKE_PORT: u16 = crate::wire::isakmp::UDP_PORT;
/// IKE's port after NAT detection (RFC 3947 4).
pub const IKE_NAT_T_PORT: u16 = crate::wire::flow::NAT_T_PORT;

const PROTO_UDP: u8 = 17;

/// What to do with a packet from the local stack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outbound {
    /// The whole IPv4 packet, now ESP (protocol 50).
    Send(Vec<u8>),
    /// The packet unchanged: no filter, a Permit filter, or IKE.
    Clear(Vec<u8>),
    /// No SA yet: IKE must negotiate one with `peer` for quick mode rule
    /// `rule`. The packet is held (one per (peer, rule), the newest) and
    /// comes out of `poll_released` once `install` runs.
    Acquire { peer: Ipv4Addr, rule: usize },
    /// Blocked by a filter, or not a valid IPv4 packet.
    Drop,
}

/// What to do with a packet from the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inbound {
    /// The clear IPv4 packet (ESP removed, the protocol restored) and its
    /// UDP encapsulation context: the SA's peer port, 0 if not
    /// encapsulated.
    Deliver(Vec<u8>, u16),
    Drop(DropReason),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DropReason {
    /// ESP for an SPI without SA (4283).
    BadSpi,
    /// Clear traffic that a Negotiate filter says must be ESP (4284).
    ClearTextShouldBeSecured,
    /// The ICV did not verify (4285).
    HashFailed,
    /// Malformed ESP, or authentic ESP that does not decrypt to a valid
    /// trailer (4286); also an invalid IPv4 packet (no event: no peer).
    InvalidSyntax,
    /// A duplicate or too old sequence number (RFC 4303 3.4.3); no event.
    Replay,
    /// A Block filter.
    Blocked,
}

impl DropReason {
    /// How diagnostics name it.
    pub fn name(self) -> &'static str {
        match self {
            DropReason::BadSpi => "ESP with an unknown SPI",
            DropReason::ClearTextShouldBeSecured => "clear packet that should have been secured",
            DropReason::HashFailed => "ESP failing its integrity check",
            DropReason::InvalidSyntax => "ESP with invalid syntax",
            DropReason::Replay => "ESP replayed",
            DropReason::Blocked => "blocked by a filter",
        }
    }
}

/// IP Security Monitor's quick mode statistics (WINDOWS.md 5). Byte counts
/// are of the protected payload: the transport-mode ESP payload before
/// encryption (the TCP/UDP segment), without ESP header, IV, padding,
/// trailer or ICV, so both sides count the same bytes, and a receiver's
/// shortfall against the sender is exactly the data lost or refused
/// (A21). Received bytes count only packets that passed the ICV and
/// decrypted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counters {
    /// Payload bytes sent on SAs that encrypt (ESP with a cipher).
    pub confidential_bytes_sent: u64,
    pub confidential_bytes_received: u64,
    /// Payload bytes sent on SAs that only authenticate (ESP-NULL).
    pub authenticated_bytes_sent: u64,
    pub authenticated_bytes_received: u64,
    /// All protected payload bytes: every SA here is transport mode.
    pub transport_bytes_sent: u64,
    pub transport_bytes_received: u64,
    /// ESP packets whose SPI matched no SA (event 4283).
    pub bad_spi_packets: u64,
    /// ESP packets for a known SA that were malformed or did not decrypt
    /// to a valid trailer (event 4286).
    pub packets_not_decrypted: u64,
    /// ESP packets whose ICV failed (event 4285).
    pub packets_not_authenticated: u64,
    /// ESP packets refused by the anti-replay window.
    pub packets_with_replay_detection: u64,
    /// SAs added: two per quick mode, one each way (A18).
    pub key_additions: u64,
    /// SAs removed or replaced by a newer outbound SA.
    pub key_deletions: u64,
}

/// One SA as IP Security Monitor would describe it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaInfo {
    pub peer: Ipv4Addr,
    pub rule: usize,
    pub outbound: bool,
    pub params: SaParams,
    pub installed: Duration,
    /// UDP-encapsulated on these ports (RFC 3948), the peer's as now used.
    pub udp: Option<EspUdp>,
}

#[derive(Debug, Clone)]
struct Installed {
    peer: Ipv4Addr,
    rule: usize,
    sa: EspSa,
    installed: Duration,
    /// UDP-encapsulated (RFC 3948), with these ports.
    udp: Option<EspUdp>,
    /// Payload bytes through it (IKE's kilobyte lifetimes).
    bytes: u64,
}

/// How often the driver tells IKE an SA's volume: every mebibyte
/// [MODEL: the granularity of Windows' kilobyte lifetime check].
const VOLUME_STEP: u64 = 1 << 20;

/// The IPsec driver of one machine.
#[derive(Debug, Clone)]
pub struct Driver {
    rng: ChaCha20Rng,
    filters: Vec<Filter>,
    /// (peer, rule, peer's encapsulation port or 0) -> SA
    outbound: BTreeMap<(Ipv4Addr, usize, u16), Installed>,
    inbound: BTreeMap<u32, Installed>,
    held: BTreeMap<(Ipv4Addr, usize), Vec<u8>>,
    released: VecDeque<Vec<u8>>,
    counters: Counters,
    events: Aggregator,
    /// Every quick mode's pair, as installed (for the run invariants).
    installs: Vec<Install>,
    /// (SPI, bytes through it) for IKE, at each `VOLUME_STEP`.
    volumes: VecDeque<(u32, u64)>,
}

/// What one `install` did with the pair a quick mode negotiated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Install {
    pub peer: Ipv4Addr,
    pub rule: usize,
    pub inbound_spi: u32,
    pub outbound_spi: u32,
    /// Both SAs were accepted.
    pub installed: bool,
    /// The inbound SPI belonged to another SA, which it replaced.
    pub inbound_spi_reused: bool,
}

/// A parsed IPv4 packet: where its payload lies, and its filter tuple.
struct Parsed {
    header_len: usize,
    total_len: usize,
    tuple: Tuple,
}

/// What the driver needs of a packet, from the one classifier (`Flow`).
/// A header whose checksum fails is invalid syntax (RFC 791 3.1).
fn parse(packet: &[u8]) -> Option<Parsed> {
    Flow::classify(packet).ok().as_ref().and_then(parsed_from)
}

fn parsed_from(f: &Flow) -> Option<Parsed> {
    f.header_checksum_ok.then(|| Parsed {
        header_len: f.header_len,
        total_len: f.total_len,
        tuple: Tuple {
            src: f.src,
            dst: f.dst,
            protocol: u8::from(f.protocol),
            src_port: f.src_port(),
            dst_port: f.dst_port(),
        },
    })
}

/// IKE passes in the clear both ways: Windows' default exemption, without
/// which IKE could never bring up the first SA.
fn is_ike(t: &Tuple) -> bool {
    t.protocol == PROTO_UDP
        && [t.src_port, t.dst_port]
            .iter()
            .any(|p| matches!(p, Some(IKE_PORT | IKE_NAT_T_PORT)))
}

/// `packet`'s IP header (options kept) over a new payload with protocol
/// `protocol`: total length and header checksum recomputed, addresses kept
/// (RFC 4303 3.1.1, transport mode). None if it would exceed 65,535 bytes.
fn rewrap(packet: &[u8], header_len: usize, protocol: u8, payload: &[u8]) -> Option<Vec<u8>> {
    let total = u16::try_from(header_len + payload.len()).ok()?;
    let mut out = Vec::with_capacity(usize::from(total));
    out.extend_from_slice(packet.get(..header_len)?);
    out.extend_from_slice(payload);
    let mut p = ipv4::Packet::new_unchecked(&mut out[..]);
    p.set_protocol(ipv4::Protocol::from(protocol));
    p.set_total_len(total);
    p.fill_checksum();
    Some(out)
}

/// Adds `n` to an SA's `bytes`; the new total when it crossed a step.
fn count_volume(bytes: &mut u64, n: u64) -> Option<u64> {
    let before = *bytes / VOLUME_STEP;
    *bytes = bytes.saturating_add(n);
    (*bytes / VOLUME_STEP > before).then_some(*bytes)
}

impl Driver {
    pub fn new(rng: ChaCha20Rng) -> Self {
        Driver {
            rng,
            filters: Vec::new(),
            outbound: BTreeMap::new(),
            inbound: BTreeMap::new(),
            held: BTreeMap::new(),
            released: VecDeque::new(),
            volumes: VecDeque::new(),
            counters: Counters::default(),
            events: Aggregator::new(),
            installs: Vec::new(),
        }
    }

    /// Replaces the whole filter set; empty = no policy (everything clear).
    /// SAs stay: policy changes do not tear down negotiated SAs.
    pub fn set_filters(&mut self, filters: Vec<Filter>) {
        self.filters = filters;
    }

    pub fn filters(&self) -> &[Filter] {
        &self.filters
    }

    /// Adds the SA pair IKE negotiated with `peer` for rule `rule` and
    /// releases the packet held for them; ESP is UDP-encapsulated on
    /// `udp`'s ports when NAT-T found a NAT (RFC 3948). SA parameters whose
    /// keys do not fit their algorithms are an IKE bug: refused.
    pub fn install(
        &mut self,
        now: Duration,
        peer: Ipv4Addr,
        rule: usize,
        inbound: SaParams,
        outbound: SaParams,
        udp: Option<EspUdp>,
    ) {
        let mut record = Install {
            peer,
            rule,
            inbound_spi: inbound.spi,
            outbound_spi: outbound.spi,
            installed: false,
            inbound_spi_reused: self.inbound.contains_key(&inbound.spi),
        };
        let (sa_in, sa_out) = match (EspSa::new(inbound), EspSa::new(outbound)) {
            (Ok(i), Ok(o)) => (i, o),
            // Keys IKE derived for a cipher it negotiated always fit; should
            // they not, no SA is installed and traffic stays held, which
            // shows as a failed connection rather than a crash.
            _ => {
                self.installs.push(record);
                return;
            }
        };
        record.installed = true;
        self.installs.push(record);
        let rec = |sa| Installed {
            peer,
            rule,
            sa,
            installed: now,
            udp,
            bytes: 0,
        };
        self.counters.key_additions += 2;
        // The same SPI twice (IKE chose it again) replaces the old SA.
        if self.inbound.insert(sa_in.spi(), rec(sa_in)).is_some() {
            self.counters.key_deletions += 1;
        }
        let context = udp.map_or(0, |u| u.remote_port);
        if self
            .outbound
            .insert((peer, rule, context), rec(sa_out))
            .is_some()
        {
            self.counters.key_deletions += 1;
        }
        if let Some(packet) = self.held.remove(&(peer, rule)) {
            if let Some(Outbound::Send(p)) = self.protect(&packet, peer, rule, context) {
                self.released.push_back(p);
            }
        }
    }

    /// Removes `peer`'s SAs (both ways) and any packet held for it; the
    /// filters stay.
    pub fn remove_peer(&mut self, peer: Ipv4Addr) {
        let before = self.outbound.len() + self.inbound.len();
        self.outbound.retain(|_, s| s.peer != peer);
        self.inbound.retain(|_, s| s.peer != peer);
        let removed = before - self.outbound.len() - self.inbound.len();
        self.counters.key_deletions += removed as u64;
        self.held.retain(|(p, _), _| *p != peer);
    }

    /// Removes one quick mode's pair, by SPI (IKE deleted it; the peer's
    /// other SAs, another client behind the same NAT's, stay).
    pub fn remove_pair(&mut self, inbound_spi: u32, outbound_spi: u32) {
        let before = self.outbound.len() + self.inbound.len();
        self.inbound.remove(&inbound_spi);
        self.outbound.retain(|_, s| s.sa.spi() != outbound_spi);
        let removed = before - self.outbound.len() - self.inbound.len();
        self.counters.key_deletions += removed as u64;
    }

    /// Filters, SAs and held packets all go (the policy agent stopped,
    /// WINDOWS.md 5). Counters and pending events stay.
    pub fn clear(&mut self) {
        self.counters.key_deletions += (self.outbound.len() + self.inbound.len()) as u64;
        self.filters.clear();
        self.outbound.clear();
        self.inbound.clear();
        self.held.clear();
    }

    /// The outbound SA for (peer, rule): the one of `context` if it has
    /// one, else the newest.
    fn outbound_key(
        &self,
        peer: Ipv4Addr,
        rule: usize,
        context: u16,
    ) -> Option<(Ipv4Addr, usize, u16)> {
        if self.outbound.contains_key(&(peer, rule, context)) {
            return Some((peer, rule, context));
        }
        self.outbound
            .range((peer, rule, 0)..=(peer, rule, u16::MAX))
            .max_by_key(|(_, s)| s.installed)
            .map(|(k, _)| *k)
    }

    /// Seals `packet` with the outbound SA for (peer, rule, context).
    fn protect(
        &mut self,
        packet: &[u8],
        peer: Ipv4Addr,
        rule: usize,
        context: u16,
    ) -> Option<Outbound> {
        let parsed = parse(packet)?;
        let key = self.outbound_key(peer, rule, context)?;
        let inst = self.outbound.get_mut(&key)?;
        // The IP payload ends at the total length, not the buffer's end.
        let inner = packet.get(parsed.header_len..parsed.total_len)?;
        let esp_bytes = inst.sa.seal(&mut self.rng, parsed.tuple.protocol, inner);
        let out = match inst.udp {
            Some(e) => udp_encap::wrap(e, &esp_bytes)
                .and_then(|u| rewrap(packet, parsed.header_len, PROTO_UDP, &u)),
            None => rewrap(packet, parsed.header_len, esp::IP_PROTOCOL, &esp_bytes),
        };
        let Some(out) = out else {
            return Some(Outbound::Drop);
        };
        let n = inner.len() as u64;
        if let Some(v) = count_volume(&mut inst.bytes, n) {
            self.volumes.push_back((inst.sa.spi(), v));
        }
        if inst.sa.params().is_confidential() {
            self.counters.confidential_bytes_sent += n;
        } else {
            self.counters.authenticated_bytes_sent += n;
        }
        self.counters.transport_bytes_sent += n;
        Some(Outbound::Send(out))
    }

    /// A packet from the local stack. IKE (UDP 500/4500) always passes in
    /// the clear (default exemption); a Negotiate filter's traffic goes out
    /// as ESP if an SA exists, else is held while IKE negotiates.
    pub fn outbound(&mut self, now: Duration, packet: Vec<u8>) -> Outbound {
        self.outbound_on(now, packet, 0)
    }

    /// `outbound` on the SA of a UDP encapsulation context (from
    /// `Inbound::Deliver`); 0 or a context without SA: the newest.
    pub fn outbound_on(&mut self, now: Duration, packet: Vec<u8>, context: u16) -> Outbound {
        // Nothing on the way out depends on time: SA lifetimes are IKE's.
        let _ = now;
        let Some(parsed) = parse(&packet) else {
            return Outbound::Drop;
        };
        if is_ike(&parsed.tuple) {
            return Outbound::Clear(packet);
        }
        let Some(filter) = lookup(&self.filters, &parsed.tuple) else {
            return Outbound::Clear(packet);
        };
        match filter.action {
            FilterAction::Permit => Outbound::Clear(packet),
            FilterAction::Block => Outbound::Drop,
            FilterAction::Negotiate => {
                let (peer, rule) = (parsed.tuple.dst, filter.rule);
                match self.protect(&packet, peer, rule, context) {
                    Some(out) => out,
                    None => {
                        self.held.insert((peer, rule), packet);
                        Outbound::Acquire { peer, rule }
                    }
                }
            }
        }
    }

    /// Held packets, now ESP-protected, in install order.
    #[must_use]
    pub fn poll_released(&mut self) -> Option<Vec<u8>> {
        self.released.pop_front()
    }

    fn fail(&mut self, now: Duration, peer: Ipv4Addr, reason: DropReason) -> Inbound {
        tracing::debug!(target: crate::trace::ESP, peer = %peer, reason = ?reason, "inbound packet dropped");
        let event = match reason {
            DropReason::BadSpi => {
                self.counters.bad_spi_packets += 1;
                Some(EVENT_BAD_SPI)
            }
            DropReason::ClearTextShouldBeSecured => Some(EVENT_CLEAR_TEXT),
            DropReason::HashFailed => {
                self.counters.packets_not_authenticated += 1;
                Some(EVENT_HASH_FAILED)
            }
            DropReason::InvalidSyntax => {
                // Every 4286 is a packet IP Security Monitor counts as not
                // decrypted: a garbled header as much as a bad trailer.
                self.counters.packets_not_decrypted += 1;
                Some(EVENT_INVALID_SYNTAX)
            }
            DropReason::Replay => {
                self.counters.packets_with_replay_detection += 1;
                None
            }
            DropReason::Blocked => None,
        };
        if let Some(id) = event {
            self.events.record(now, id, peer);
        }
        Inbound::Drop(reason)
    }

    /// A packet from the wire. ESP: SA by SPI (none: BadSpi), ICV, replay
    /// window, decryption, then the clear packet with its protocol, total
    /// length and header checksum restored. Clear traffic matching a
    /// Negotiate filter is dropped (ClearTextShouldBeSecured); IKE passes.
    pub fn inbound(&mut self, now: Duration, packet: &[u8]) -> Inbound {
        match Flow::classify(packet) {
            Ok(flow) => self.inbound_flow(now, packet, &flow),
            Err(_) => Inbound::Drop(DropReason::InvalidSyntax),
        }
    }

    /// `inbound` for a packet its caller has classified already.
    pub fn inbound_flow(&mut self, now: Duration, packet: &[u8], flow: &Flow) -> Inbound {
        let Some(parsed) = parsed_from(flow) else {
            return Inbound::Drop(DropReason::InvalidSyntax);
        };
        let peer = parsed.tuple.src;
        // RFC 3948 2.2: UDP 4500 whose first word is an SPI is ESP.
        let encapsulated = flow.protocol == ipv4::Protocol::Udp && flow.kind == WireKind::Esp;
        if parsed.tuple.protocol != esp::IP_PROTOCOL && !encapsulated {
            if is_ike(&parsed.tuple) {
                return Inbound::Deliver(packet.to_vec(), 0);
            }
            return match lookup(&self.filters, &parsed.tuple).map(|f| f.action) {
                Some(FilterAction::Negotiate) => {
                    self.fail(now, peer, DropReason::ClearTextShouldBeSecured)
                }
                Some(FilterAction::Block) => self.fail(now, peer, DropReason::Blocked),
                Some(FilterAction::Permit) | None => Inbound::Deliver(packet.to_vec(), 0),
            };
        }
        let esp_start = match (encapsulated, flow.payload_offset) {
            (false, _) => parsed.header_len,
            (true, Some(at)) => at,
            (true, None) => return self.fail(now, peer, DropReason::InvalidSyntax),
        };
        let Some(esp_bytes) = packet.get(esp_start..parsed.total_len) else {
            return Inbound::Drop(DropReason::InvalidSyntax);
        };
        let Ok(view) = esp::Packet::new_checked(esp_bytes) else {
            return self.fail(now, peer, DropReason::InvalidSyntax);
        };
        let Some(inst) = self.inbound.get_mut(&view.spi()) else {
            return self.fail(now, peer, DropReason::BadSpi);
        };
        let confidential = inst.sa.params().is_confidential();
        let context = inst.udp.map_or(0, |u| u.remote_port);
        let rule = inst.rule;
        match inst.sa.open(esp_bytes) {
            Ok((next_header, inner)) => {
                if let Some(v) = count_volume(&mut inst.bytes, inner.len() as u64) {
                    self.volumes.push_back((view.spi(), v));
                }
                let Some(mut out) = rewrap(packet, parsed.header_len, next_header, &inner) else {
                    return self.fail(now, peer, DropReason::InvalidSyntax);
                };
                if encapsulated {
                    udp_encap::fix_inner_checksum(&mut out);
                    // RFC 3947 4 (end): a NAT that forgot the mapping may map
                    // the peer again on another port; replies follow the
                    // last authentic packet [MODEL: that Server 2003 does].
                    if let Some(port) = flow.src_port() {
                        self.follow_peer_port(peer, rule, context, port);
                    }
                }
                let n = inner.len() as u64;
                if confidential {
                    self.counters.confidential_bytes_received += n;
                } else {
                    self.counters.authenticated_bytes_received += n;
                }
                self.counters.transport_bytes_received += n;
                Inbound::Deliver(out, context)
            }
            Err(EspError::BadIcv) => self.fail(now, peer, DropReason::HashFailed),
            Err(EspError::Replay(_)) => self.fail(now, peer, DropReason::Replay),
            Err(EspError::WrongSpi { .. }) => self.fail(now, peer, DropReason::BadSpi),
            Err(_) => self.fail(now, peer, DropReason::InvalidSyntax),
        }
    }

    /// Sends the SA pair of `context` to the peer's port `port` from now on.
    fn follow_peer_port(&mut self, peer: Ipv4Addr, rule: usize, context: u16, port: u16) {
        if let Some(udp) = self
            .outbound
            .get_mut(&(peer, rule, context))
            .and_then(|o| o.udp.as_mut())
        {
            udp.remote_port = port;
        }
    }

    pub fn counters(&self) -> &Counters {
        &self.counters
    }

    /// Every pair `install` was given, in order.
    pub fn installs(&self) -> &[Install] {
        &self.installs
    }

    /// The action of the filter that governs a packet of this flow, if any.
    pub fn filter_action(&self, flow: &Flow) -> Option<FilterAction> {
        let t = parsed_from(flow)?.tuple;
        lookup(&self.filters, &t).map(|f| f.action)
    }

    /// Whether an inbound SA has this SPI (an ICS host tells its own ESP
    /// from what it forwards to the LAN by it).
    pub fn has_inbound_spi(&self, spi: u32) -> bool {
        self.inbound.contains_key(&spi)
    }

    /// (peer, SPI) of each outbound SA, which is all IP Security Monitor
    /// shows (A18).
    pub fn outbound_sas(&self) -> Vec<(Ipv4Addr, u32)> {
        self.outbound
            .iter()
            .map(|(&(peer, _, _), s)| (peer, s.sa.spi()))
            .collect()
    }

    /// Every SA, outbound first, with its keys (for diagnostics and for
    /// tshark's esp_sa table).
    pub fn security_associations(&self) -> Vec<SaInfo> {
        let info = |s: &Installed, outbound| SaInfo {
            peer: s.peer,
            rule: s.rule,
            outbound,
            udp: s.udp,
            params: s.sa.params().clone(),
            installed: s.installed,
        };
        self.outbound
            .values()
            .map(|s| info(s, true))
            .chain(self.inbound.values().map(|s| info(s, false)))
            .collect()
    }

    /// System events 4283-4286, aggregated per (id, peer): one per 5
    /// simulated minutes with the count, and all pending ones on `flush`.
    #[must_use]
    /// An SA's volume, for IKE's kilobyte lifetimes (`Ike::handle_volume`).
    pub fn poll_volume(&mut self) -> Option<(u32, u64)> {
        self.volumes.pop_front()
    }

    pub fn poll_event(&mut self) -> Option<DriverEvent> {
        self.events.poll_event()
    }

    pub fn handle_timeout(&mut self, now: Duration) {
        self.events.handle_timeout(now);
    }

    #[must_use]
    pub fn poll_timeout(&self) -> Option<Duration> {
        self.events.poll_timeout()
    }

    /// End of run: every pending event comes out.
    pub fn flush(&mut self, now: Duration) {
        self.events.flush(now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::cbc::CbcCipher;
    use crate::crypto::integ::IntegAlg;
    use crate::ipsec::spd::AddrMatch;
    use crate::wire::udp;
    use core::net::SocketAddrV4;
    use proptest::prelude::*;
    use rand_core::SeedableRng;

    const CLIENT: Ipv4Addr = Ipv4Addr::new(192, 168, 1, 10);
    const SERVER: Ipv4Addr = Ipv4Addr::new(203, 0, 113, 10);

    fn s(secs: u64) -> Duration {
        Duration::from_secs(secs)
    }

    fn driver(seed: u64) -> Driver {
        Driver::new(ChaCha20Rng::seed_from_u64(seed))
    }

    /// WINDOWS.md 5: the client's and the server's automatic L2TP filters.
    fn l2tp_filter(me: Ipv4Addr, peer: AddrMatch) -> Filter {
        Filter {
            name: "L2TP Inbound and Outbound Filter".into(),
            src: AddrMatch::Addr(me),
            dst: peer,
            protocol: Some(17),
            src_port: Some(1701),
            dst_port: None,
            mirrored: true,
            action: FilterAction::Negotiate,
            rule: 0,
        }
    }

    fn sa(spi: u32, cipher: Option<CbcCipher>, integ: IntegAlg) -> SaParams {
        SaParams {
            spi,
            cipher,
            enc_key: vec![0x11; cipher.map_or(0, CbcCipher::key_len)],
            integ,
            auth_key: vec![0x22; integ.key_len()],
        }
    }

    #[test]
    fn udp_encapsulated_sas_carry_esp_in_udp_4500_and_fix_the_inner_checksum() {
        // RFC 3948: the client floated to 4500; the server sees it behind a
        // NAT as 198.51.100.2:1026.
        let public = Ipv4Addr::new(198, 51, 100, 2);
        let (mut c, mut v) = (driver(1), driver(2));
        c.set_filters(vec![l2tp_filter(CLIENT, AddrMatch::Addr(SERVER))]);
        v.set_filters(vec![l2tp_filter(SERVER, AddrMatch::Any)]);
        let c2s = sa(
            0xc000_0001,
            Some(CbcCipher::TripleDes),
            IntegAlg::HmacSha1_96,
        );
        let s2c = sa(
            0x5000_0002,
            Some(CbcCipher::TripleDes),
            IntegAlg::HmacSha1_96,
        );
        let udp = |local_port, remote_port| {
            Some(EspUdp {
                local_port,
                remote_port,
            })
        };
        c.install(s(1), SERVER, 0, s2c.clone(), c2s.clone(), udp(4500, 4500));
        v.install(s(1), public, 0, c2s, s2c, udp(4500, 1026));
        let l2tp = udp::build_ipv4(
            SocketAddrV4::new(CLIENT, 1701),
            SocketAddrV4::new(SERVER, 1701),
            7,
            128,
            &[0xc8, 0x02, 0, 12, 0, 0, 0, 0, 0, 0, 0, 0],
        );
        let Outbound::Send(sent) = c.outbound(s(2), l2tp) else {
            panic!("not protected")
        };
        let flow = Flow::classify(&sent).unwrap();
        assert_eq!(flow.protocol, ipv4::Protocol::Udp);
        assert_eq!(flow.ports, Some((4500, 4500)));
        assert_eq!(flow.spi, Some(0xc000_0001));
        // The NAT rewrites the source address and port, as NAPT does.
        let mut seen = sent.clone();
        {
            let mut p = ipv4::Packet::new_unchecked(&mut seen[..]);
            p.set_src_addr(public);
            p.fill_checksum();
        }
        seen[20..22].copy_from_slice(&1026u16.to_be_bytes());
        let flow = Flow::classify(&seen).unwrap();
        let Inbound::Deliver(clear, context) = v.inbound_flow(s(2), &seen, &flow) else {
            panic!("not delivered")
        };
        // The context names the SA by its peer's port.
        assert_eq!(context, 1026);
        let d = udp::parse_ipv4(&clear).expect("the inner checksum holds for the NAT's address");
        assert_eq!(d.src, SocketAddrV4::new(public, 1701));
        assert_eq!(v.counters().confidential_bytes_received, 20);
    }

    #[test]
    fn two_peers_behind_one_nat_each_get_replies_on_their_own_sa() {
        let public = Ipv4Addr::new(198, 51, 100, 2);
        let mut v = driver(2);
        v.set_filters(vec![l2tp_filter(SERVER, AddrMatch::Any)]);
        let udp = |remote_port| {
            Some(EspUdp {
                local_port: 4500,
                remote_port,
            })
        };
        let first = sa(
            0x5000_0001,
            Some(CbcCipher::TripleDes),
            IntegAlg::HmacSha1_96,
        );
        let second = sa(
            0x5000_0002,
            Some(CbcCipher::TripleDes),
            IntegAlg::HmacSha1_96,
        );
        v.install(
            s(1),
            public,
            0,
            sa(0xa1, None, IntegAlg::HmacMd5_96),
            first,
            udp(4500),
        );
        v.install(
            s(2),
            public,
            0,
            sa(0xa2, None, IntegAlg::HmacMd5_96),
            second,
            udp(1025),
        );
        let reply = || {
            udp::build_ipv4(
                SocketAddrV4::new(SERVER, 1701),
                SocketAddrV4::new(public, 1701),
                9,
                128,
                b"hello",
            )
        };
        let spi_and_port = |o: Outbound| {
            let f = Flow::classify(&send(o)).unwrap();
            (f.spi.unwrap(), f.ports.unwrap().1)
        };
        assert_eq!(
            spi_and_port(v.outbound_on(s(3), reply(), 4500)),
            (0x5000_0001, 4500)
        );
        assert_eq!(
            spi_and_port(v.outbound_on(s(3), reply(), 1025)),
            (0x5000_0002, 1025)
        );
        // No context: the newest SA to that address.
        assert_eq!(spi_and_port(v.outbound(s(3), reply())), (0x5000_0002, 1025));
        // One pair deleted, the other stays.
        v.remove_pair(0xa2, 0x5000_0002);
        assert_eq!(
            spi_and_port(v.outbound_on(s(4), reply(), 1025)),
            (0x5000_0001, 4500)
        );
        assert_eq!(v.outbound_sas(), vec![(public, 0x5000_0001)]);
    }

    /// Two drivers with the L2TP policy and one SA pair, 3DES/SHA1
    /// (or ESP-NULL/MD5), the client's outbound SPI being the server's
    /// inbound one.
    fn pair(cipher: Option<CbcCipher>) -> (Driver, Driver) {
        let mut c = driver(1);
        let mut v = driver(2);
        c.set_filters(vec![l2tp_filter(CLIENT, AddrMatch::Addr(SERVER))]);
        v.set_filters(vec![l2tp_filter(SERVER, AddrMatch::Any)]);
        let c2s = sa(0xc000_0001, cipher, IntegAlg::HmacSha1_96);
        let s2c = sa(0x5000_0002, cipher, IntegAlg::HmacSha1_96);
        c.install(s(1), SERVER, 0, s2c.clone(), c2s.clone(), None);
        v.install(s(1), CLIENT, 0, c2s, s2c, None);
        (c, v)
    }

    fn l2tp(src: Ipv4Addr, dst: Ipv4Addr, payload: &[u8]) -> Vec<u8> {
        udp::build_ipv4(
            SocketAddrV4::new(src, 1701),
            SocketAddrV4::new(dst, 1701),
            7,
            128,
            payload,
        )
    }

    fn send(o: Outbound) -> Vec<u8> {
        match o {
            Outbound::Send(p) => p,
            other => panic!("expected ESP, got {other:?}"),
        }
    }

    fn events(d: &mut Driver) -> Vec<DriverEvent> {
        core::iter::from_fn(|| d.poll_event()).collect()
    }

    #[test]
    fn transport_mode_keeps_addresses_and_restores_protocol() {
        let (mut c, mut v) = pair(Some(CbcCipher::TripleDes));
        let clear = l2tp(CLIENT, SERVER, b"SCCRQ");
        let wire = send(c.outbound(s(2), clear.clone()));
        let ip = ipv4::Packet::new_checked(&wire[..]).unwrap();
        let r = ipv4::Repr::parse(&ip).unwrap();
        assert_eq!(r.protocol, ipv4::Protocol::Esp);
        assert_eq!(
            (r.src_addr, r.dst_addr, r.ttl, r.ident),
            (CLIENT, SERVER, 128, 7)
        );
        // UDP header 8 + "SCCRQ" 5 + trailer 2 = 15 -> 16; + SPI/seq, IV, ICV.
        assert_eq!(r.payload_len, 8 + 8 + 16 + 12);
        assert_eq!(esp::summary(ip.payload()), "ESP (SPI=0xc0000001) seq 1");
        assert!(!wire.windows(5).any(|w| w == b"SCCRQ"));
        assert_eq!(v.inbound(s(2), &wire), Inbound::Deliver(clear, 0));
    }

    #[test]
    fn held_packet_released_after_install() {
        let mut c = driver(1);
        c.set_filters(vec![l2tp_filter(CLIENT, AddrMatch::Addr(SERVER))]);
        let first = l2tp(CLIENT, SERVER, b"first");
        let retry = l2tp(CLIENT, SERVER, b"retry");
        let acquire = Outbound::Acquire {
            peer: SERVER,
            rule: 0,
        };
        assert_eq!(c.outbound(s(0), first), acquire);
        assert_eq!(c.outbound(s(1), retry.clone()), acquire);
        assert_eq!(c.poll_released(), None);
        let (c2s, s2c) = (
            sa(0x100, Some(CbcCipher::Aes128), IntegAlg::HmacSha1_96),
            sa(0x200, Some(CbcCipher::Aes128), IntegAlg::HmacSha1_96),
        );
        c.install(s(3), SERVER, 0, s2c.clone(), c2s.clone(), None);
        let released = c.poll_released().unwrap();
        assert_eq!(
            c.poll_released(),
            None,
            "one held packet per rule: the newest"
        );
        let mut v = driver(2);
        v.install(s(3), CLIENT, 0, c2s, s2c, None);
        assert_eq!(v.inbound(s(3), &released), Inbound::Deliver(retry, 0));
        assert_eq!(c.counters().confidential_bytes_sent, 8 + 5);
    }

    #[test]
    fn corrupted_esp_counted_and_reported_as_4285_with_the_count() {
        let (mut c, mut v) = pair(Some(CbcCipher::TripleDes));
        let mut good = 0;
        for i in 0..10u8 {
            let mut wire = send(c.outbound(s(10), l2tp(CLIENT, SERVER, &[i; 40])));
            if i % 3 == 0 {
                // A NIC offload fault flips a bit in the ciphertext (A20).
                wire[40] ^= 0x04;
                assert_eq!(
                    v.inbound(s(10), &wire),
                    Inbound::Drop(DropReason::HashFailed)
                );
            } else {
                assert!(matches!(v.inbound(s(10), &wire), Inbound::Deliver(..)));
                good += 1;
            }
        }
        let (sent, got) = (c.counters(), v.counters());
        assert_eq!(got.packets_not_authenticated, 4);
        // A21: the receiver's confidential bytes fall short of the sender's.
        assert_eq!(sent.confidential_bytes_sent, 10 * 48);
        assert_eq!(got.confidential_bytes_received, good * 48);
        assert_eq!(got.transport_bytes_received, good * 48);
        assert_eq!(got.authenticated_bytes_received, 0);
        assert_eq!(v.poll_timeout(), Some(s(310)));
        v.handle_timeout(s(309));
        assert_eq!(v.poll_event(), None);
        v.handle_timeout(s(310));
        assert_eq!(
            events(&mut v),
            [DriverEvent {
                id: 4285,
                peer: CLIENT,
                count: 4
            }]
        );
        assert_eq!(v.poll_timeout(), None);
    }

    #[test]
    fn unknown_spi_is_4283() {
        let (mut c, mut v) = pair(Some(CbcCipher::TripleDes));
        let wire = send(c.outbound(s(5), l2tp(CLIENT, SERVER, b"hello")));
        v.remove_peer(CLIENT);
        assert!(v.outbound_sas().is_empty());
        assert_eq!(v.inbound(s(5), &wire), Inbound::Drop(DropReason::BadSpi));
        assert_eq!(v.inbound(s(6), &wire), Inbound::Drop(DropReason::BadSpi));
        assert_eq!(v.counters().bad_spi_packets, 2);
        assert_eq!(v.counters().key_deletions, 2);
        v.flush(s(7));
        assert_eq!(
            events(&mut v),
            [DriverEvent {
                id: 4283,
                peer: CLIENT,
                count: 2
            }]
        );
    }

    #[test]
    fn clear_l2tp_to_a_secured_server_dropped_as_4284() {
        let mut v = driver(2);
        v.set_filters(vec![l2tp_filter(SERVER, AddrMatch::Any)]);
        // A client without policy (ProhibitIpSec = 1) sends SCCRQ in clear.
        let clear = l2tp(CLIENT, SERVER, b"SCCRQ");
        for _ in 0..3 {
            assert_eq!(
                v.inbound(s(0), &clear),
                Inbound::Drop(DropReason::ClearTextShouldBeSecured)
            );
        }
        // Other clear traffic is not the filter's business.
        let dns = udp::build_ipv4(
            SocketAddrV4::new(CLIENT, 53),
            SocketAddrV4::new(SERVER, 53),
            1,
            128,
            b"q",
        );
        assert_eq!(v.inbound(s(0), &dns), Inbound::Deliver(dns.clone(), 0));
        v.flush(s(1));
        assert_eq!(
            events(&mut v),
            [DriverEvent {
                id: 4284,
                peer: CLIENT,
                count: 3
            }]
        );
    }

    #[test]
    fn replayed_esp_dropped_without_event() {
        let (mut c, mut v) = pair(Some(CbcCipher::Aes256));
        let wire = send(c.outbound(s(1), l2tp(CLIENT, SERVER, b"x")));
        assert!(matches!(v.inbound(s(1), &wire), Inbound::Deliver(..)));
        assert_eq!(v.inbound(s(1), &wire), Inbound::Drop(DropReason::Replay));
        assert_eq!(v.counters().packets_with_replay_detection, 1);
        v.flush(s(2));
        assert_eq!(v.poll_event(), None);
    }

    #[test]
    fn ike_exempt_both_ways() {
        let (mut c, mut v) = pair(Some(CbcCipher::TripleDes));
        // A policy that would otherwise secure all UDP with the server.
        c.set_filters(vec![Filter {
            protocol: Some(17),
            src_port: None,
            ..l2tp_filter(CLIENT, AddrMatch::Addr(SERVER))
        }]);
        v.set_filters(vec![Filter {
            src_port: None,
            ..l2tp_filter(SERVER, AddrMatch::Any)
        }]);
        // On 4500, IKE follows the non-ESP marker (RFC 3948 2.2).
        for (port, payload) in [
            (IKE_PORT, &b"isakmp"[..]),
            (IKE_NAT_T_PORT, &b"\0\0\0\0isakmp"[..]),
        ] {
            let ike = udp::build_ipv4(
                SocketAddrV4::new(CLIENT, port),
                SocketAddrV4::new(SERVER, port),
                1,
                128,
                payload,
            );
            assert_eq!(c.outbound(s(0), ike.clone()), Outbound::Clear(ike.clone()));
            assert_eq!(v.inbound(s(0), &ike), Inbound::Deliver(ike, 0));
        }
        let other = udp::build_ipv4(
            SocketAddrV4::new(CLIENT, 5000),
            SocketAddrV4::new(SERVER, 5000),
            1,
            128,
            b"x",
        );
        assert!(matches!(c.outbound(s(0), other), Outbound::Send(_)));
    }

    #[test]
    fn no_policy_everything_clear_and_block_drops() {
        let mut d = driver(3);
        let p = l2tp(CLIENT, SERVER, b"hi");
        assert_eq!(d.outbound(s(0), p.clone()), Outbound::Clear(p.clone()));
        assert_eq!(d.inbound(s(0), &p), Inbound::Deliver(p.clone(), 0));
        d.set_filters(vec![Filter {
            action: FilterAction::Block,
            ..l2tp_filter(CLIENT, AddrMatch::Any)
        }]);
        assert_eq!(d.outbound(s(0), p.clone()), Outbound::Drop);
        assert_eq!(
            d.inbound(s(0), &l2tp(SERVER, CLIENT, b"x")),
            Inbound::Drop(DropReason::Blocked)
        );
        assert_eq!(d.outbound(s(0), vec![0x45, 0, 0]), Outbound::Drop);
        assert_eq!(
            d.inbound(s(0), &[1, 2, 3]),
            Inbound::Drop(DropReason::InvalidSyntax)
        );
    }

    #[test]
    fn two_sas_one_per_direction_monitor_shows_outbound() {
        let (c, v) = pair(Some(CbcCipher::TripleDes));
        assert_eq!(c.outbound_sas(), [(SERVER, 0xc000_0001)]);
        assert_eq!(v.outbound_sas(), [(CLIENT, 0x5000_0002)]);
        let all = c.security_associations();
        assert_eq!(all.len(), 2);
        assert!(all[0].outbound && !all[1].outbound);
        assert_ne!(all[0].params.spi, all[1].params.spi);
        assert_eq!(c.counters().key_additions, 2);
    }

    #[test]
    fn esp_null_counts_authenticated_bytes() {
        let (mut c, mut v) = pair(None);
        let wire = send(c.outbound(s(0), l2tp(CLIENT, SERVER, b"visible")));
        // ESP-NULL: the payload is on the wire in clear, yet authenticated.
        assert!(wire.windows(7).any(|w| w == b"visible"));
        assert!(matches!(v.inbound(s(0), &wire), Inbound::Deliver(..)));
        assert_eq!(c.counters().authenticated_bytes_sent, 15);
        assert_eq!(v.counters().authenticated_bytes_received, 15);
        assert_eq!(v.counters().confidential_bytes_received, 0);
    }

    #[test]
    fn server_reply_goes_back_as_esp() {
        let (mut c, mut v) = pair(Some(CbcCipher::TripleDes));
        let reply = l2tp(SERVER, CLIENT, b"SCCRP");
        let wire = send(v.outbound(s(0), reply.clone()));
        assert_eq!(c.inbound(s(0), &wire), Inbound::Deliver(reply, 0));
    }

    #[test]
    fn garbled_esp_is_invalid_syntax_4286() {
        let (mut c, mut v) = pair(Some(CbcCipher::TripleDes));
        let wire = send(c.outbound(s(0), l2tp(CLIENT, SERVER, b"abc")));
        // Cut 4 bytes off: the ciphertext is no longer whole blocks.
        let mut short = wire[..wire.len() - 4].to_vec();
        let len = (short.len() as u16).to_be_bytes();
        short[2..4].copy_from_slice(&len);
        ipv4::Packet::new_unchecked(&mut short[..]).fill_checksum();
        assert_eq!(
            v.inbound(s(0), &short),
            Inbound::Drop(DropReason::InvalidSyntax)
        );
        assert_eq!(v.counters().packets_not_decrypted, 1);
        // Too short for an ESP header at all.
        let tiny = ipv4::build(
            &ipv4::Repr {
                src_addr: CLIENT,
                dst_addr: SERVER,
                protocol: ipv4::Protocol::Esp,
                payload_len: 0,
                ttl: 64,
                ident: 0,
                dont_frag: false,
            },
            &[1, 2, 3],
        )
        .unwrap();
        assert_eq!(
            v.inbound(s(0), &tiny),
            Inbound::Drop(DropReason::InvalidSyntax)
        );
        v.flush(s(0));
        assert_eq!(
            events(&mut v),
            [DriverEvent {
                id: 4286,
                peer: CLIENT,
                count: 2
            }]
        );
    }

    #[test]
    fn clear_removes_filters_and_sas() {
        let (mut c, _) = pair(Some(CbcCipher::TripleDes));
        c.clear();
        assert!(c.filters().is_empty() && c.outbound_sas().is_empty());
        let p = l2tp(CLIENT, SERVER, b"hi");
        assert_eq!(c.outbound(s(0), p.clone()), Outbound::Clear(p));
    }

    proptest! {
        #[test]
        fn random_packets_never_panic(data in proptest::collection::vec(any::<u8>(), 0..120),
                                      proto in prop_oneof![Just(50u8), Just(17u8), any::<u8>()]) {
            let (mut c, mut v) = pair(Some(CbcCipher::TripleDes));
            let _ = v.inbound(s(0), &data);
            let _ = c.outbound(s(0), data.clone());
            let r = ipv4::Repr {
                src_addr: CLIENT, dst_addr: SERVER, protocol: ipv4::Protocol::from(proto),
                payload_len: 0, ttl: 64, ident: 0, dont_frag: false,
            };
            let mut payload = data.clone();
            if proto == 50 && payload.len() >= 4 {
                payload[..4].copy_from_slice(&0xc000_0001u32.to_be_bytes());
            }
            let p = ipv4::build(&r, &payload).unwrap();
            let _ = v.inbound(s(0), &p);
            let _ = c.outbound(s(0), p);
        }
    }
}
