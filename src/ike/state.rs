//! Per-exchange state: the ISAKMP SA of a Main Mode (keyed by cookies and
//! peer), a Quick Mode exchange (keyed by the ISAKMP SA and message id), an
//! established pair of ESP SAs; the retransmission timer and the CBC
//! helpers both exchanges use (RFC 2409 Appendix B).

use core::time::Duration;
use std::net::{Ipv4Addr, SocketAddrV4};

use super::error::IkeError;
use super::nat_t::{NatDParts, NatDetection, KEEPALIVE_INTERVAL};
use super::offer::{MmAuth, MmOffer, QmOffer};
use super::proposal::EspEncap;
use crate::crypto::cbc::{cbc_decrypt, cbc_encrypt, CbcCipher};
use crate::crypto::dh::DhPrivate;
use crate::crypto::error::CryptoError;
use crate::crypto::ike_keys::IsakmpKeys;
use crate::crypto::pki::PeerCertificate;

/// Resends after 1, 2, 4, 8, 16 s (WINDOWS.md 5 [MODEL]).
pub(super) const MAX_RESENDS: u32 = 5;
/// How long finished or failed exchanges linger to answer retransmissions,
/// and how long a responder waits before giving up: 32 s after the last
/// resend of a full schedule, i.e. 63 s.
pub(super) const LINGER: Duration = Duration::from_secs(63);

/// Retransmission of the last message of an exchange while its reply is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Timer {
    pub resends: u32,
    pub at: Duration,
}

/// The one timer of an exchange (Main Mode SA or Quick Mode exchange):
/// nothing, the retransmission of our last message, the linger of a
/// finished exchange that still answers retransmissions, or the next NAT
/// keepalive of an established SA behind a NAT. Due-ness is decided here
/// only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExchangeTimer {
    Idle,
    Retransmit(Timer),
    /// Forgotten at this time.
    Linger(Duration),
    /// Send a NAT keepalive at this time (RFC 3948 2.3).
    Keepalive(Duration),
}

impl ExchangeTimer {
    pub fn deadline(&self) -> Option<Duration> {
        match self {
            ExchangeTimer::Idle => None,
            ExchangeTimer::Retransmit(t) => Some(t.at),
            ExchangeTimer::Linger(until) | ExchangeTimer::Keepalive(until) => Some(*until),
        }
    }

    pub fn is_due(&self, now: Duration) -> bool {
        self.deadline().is_some_and(|t| t <= now)
    }

    /// Our last message has a retransmission timer of its own.
    pub fn is_retransmitting(&self) -> bool {
        matches!(self, ExchangeTimer::Retransmit(_))
    }

    /// `Retransmit` from `now`, or `Idle` when nothing is awaited.
    pub fn retransmit_if(awaiting: bool, now: Duration) -> ExchangeTimer {
        if awaiting {
            ExchangeTimer::Retransmit(Timer::start(now))
        } else {
            ExchangeTimer::Idle
        }
    }
}

impl Timer {
    pub fn start(now: Duration) -> Timer {
        Timer {
            resends: 0,
            at: now + Duration::from_secs(1),
        }
    }

    /// After a resend: the next delay doubles; after the last resend the
    /// timer fires once more, 32 s later, to give up.
    pub fn resent(self, now: Duration) -> Timer {
        let resends = self.resends + 1;
        Timer {
            resends,
            at: now + Duration::from_secs(1u64 << resends.min(16)),
        }
    }

    pub fn exhausted(self) -> bool {
        self.resends >= MAX_RESENDS
    }
}

/// Main Mode progress (RFC 2409 5: messages 1-6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum MmState {
    /// Initiator: MM1 sent, waiting for MM2.
    I1,
    /// Initiator: MM3 sent, waiting for MM4.
    I3,
    /// Initiator: MM5 sent, waiting for MM6.
    I5,
    /// Responder: MM2 sent, waiting for MM3.
    R2,
    /// Responder: MM4 sent, waiting for MM5.
    R4,
    /// Authenticated; Quick Modes may run.
    Up,
    /// Failed: kept until `expires` only to answer retransmissions.
    Dead,
}

/// One ISAKMP SA, from MM1 on.
#[derive(Clone)]
pub(super) struct MainSa {
    pub local: SocketAddrV4,
    pub remote: SocketAddrV4,
    pub initiator: bool,
    pub icookie: [u8; 8],
    pub rcookie: [u8; 8],
    pub state: MmState,
    pub offer: Option<MmOffer>,
    /// SAi_b: the body of the initiator's SA payload (RFC 2409 5).
    pub sa_i_b: Vec<u8>,
    pub dh: Option<DhPrivate>,
    pub gxi: Vec<u8>,
    pub gxr: Vec<u8>,
    pub ni: Vec<u8>,
    pub nr: Vec<u8>,
    pub keys: Option<IsakmpKeys>,
    /// Phase-1 CBC chain: the IV of the next phase-1 message, then the last
    /// phase-1 ciphertext block (RFC 2409 Appendix B).
    pub iv: Vec<u8>,
    pub peer_cert: Option<PeerCertificate>,
    pub my_cert: Option<PeerCertificate>,
    /// The peer answered at least once (NoResponse vs Timeout).
    pub answered: bool,
    pub last_in: Vec<u8>,
    pub last_out: Vec<u8>,
    pub timer: ExchangeTimer,
    /// Initiator: qm rule indices to negotiate once the SA is up.
    pub pending: Vec<usize>,
    /// Both sides sent the RFC 3947 vendor id: NAT-D in MM3 and MM4.
    pub nat_t: bool,
    /// What the peer's NAT-D showed.
    pub nat: Option<NatDetection>,
    /// Once up: when its lifetime ends and it is deleted (RFC 2407 4.5).
    pub expires: Option<Duration>,
}

impl MainSa {
    /// Main Mode authenticates with a pre-shared key (RFC 2409 5.4).
    pub fn by_key(&self) -> bool {
        self.offer.is_some_and(|o| o.auth == MmAuth::PreSharedKey)
    }

    /// The timer of an SA that just came up: NAT keepalives when this side
    /// is behind a NAT (RFC 3948 2.3), none otherwise.
    pub fn up_timer(&self, now: Duration) -> ExchangeTimer {
        if self.nat.is_some_and(|n| n.local_behind) {
            ExchangeTimer::Keepalive(now + KEEPALIVE_INTERVAL)
        } else {
            ExchangeTimer::Idle
        }
    }

    /// How this SA's Quick Modes carry ESP: UDP-encapsulated once NAT-D
    /// found a NAT (RFC 3947 5.1).
    pub fn esp_encap(&self) -> EspEncap {
        if self.nat.is_some_and(|n| n.any()) {
            EspEncap::UdpTransport
        } else {
            EspEncap::Transport
        }
    }

    /// What NAT-D hashes for this SA (RFC 3947 3.2).
    pub fn natd_parts(&self) -> NatDParts {
        NatDParts {
            icookie: self.icookie,
            rcookie: self.rcookie,
            local: self.local,
            remote: self.remote,
        }
    }

    pub fn new(
        local: SocketAddrV4,
        remote: SocketAddrV4,
        initiator: bool,
        icookie: [u8; 8],
    ) -> MainSa {
        MainSa {
            local,
            remote,
            initiator,
            icookie,
            rcookie: [0; 8],
            state: if initiator { MmState::I1 } else { MmState::R2 },
            offer: None,
            sa_i_b: Vec::new(),
            dh: None,
            gxi: Vec::new(),
            gxr: Vec::new(),
            ni: Vec::new(),
            nr: Vec::new(),
            keys: None,
            iv: Vec::new(),
            peer_cert: None,
            my_cert: None,
            answered: false,
            last_in: Vec::new(),
            last_out: Vec::new(),
            nat_t: false,
            nat: None,
            timer: ExchangeTimer::Idle,
            pending: Vec::new(),
            expires: None,
        }
    }

    pub fn peer(&self) -> Ipv4Addr {
        *self.remote.ip()
    }

    /// The cookie pair, the SPI of ISAKMP notifications and deletes (RFC 2408 3.14, 3.15).
    pub fn cookies(&self) -> Vec<u8> {
        [self.icookie, self.rcookie].concat()
    }

    /// Keys and negotiated algorithms once MM3/MM4 are through.
    pub fn crypto(&self) -> Option<(&IsakmpKeys, MmOffer)> {
        self.keys.as_ref().zip(self.offer)
    }
}

/// Quick Mode progress (RFC 2409 5.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum QmState {
    /// Initiator: QM1 sent, waiting for QM2.
    I1,
    /// Responder: QM2 sent, waiting for QM3.
    R2,
    /// Finished or failed: lingers to answer retransmissions.
    Done,
}

/// One Quick Mode exchange, identified by its ISAKMP SA and message id.
#[derive(Clone)]
pub(super) struct QuickEx {
    pub icookie: [u8; 8],
    pub rcookie: [u8; 8],
    pub peer: Ipv4Addr,
    pub message_id: u32,
    pub initiator: bool,
    pub rule: usize,
    pub state: QmState,
    pub iv: Vec<u8>,
    pub ni: Vec<u8>,
    pub nr: Vec<u8>,
    pub my_spi: u32,
    pub peer_spi: u32,
    pub offer: Option<QmOffer>,
    /// Initiator: what QM1 offered.
    pub offered: Vec<QmOffer>,
    /// Traffic selectors as (address, port) for this side and the peer.
    pub local_id: SocketAddrV4,
    pub remote_id: SocketAddrV4,
    pub last_in: Vec<u8>,
    pub last_out: Vec<u8>,
    pub timer: ExchangeTimer,
    /// The peer's original address from its NAT-OA (RFC 3947 5.2).
    pub peer_original: Option<Ipv4Addr>,
}

/// An established pair of ESP SAs: for deletes, and for its lifetime.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct QuickSa {
    pub icookie: [u8; 8],
    pub rcookie: [u8; 8],
    pub peer: Ipv4Addr,
    pub rule: usize,
    pub inbound_spi: u32,
    pub outbound_spi: u32,
    /// Our address in its Main Mode: where a rekey starts from.
    pub local: Ipv4Addr,
    /// We initiated its Quick Mode: we rekey it.
    pub initiator: bool,
    pub life: Lifetime,
    /// A newer pair for the same peer and rule is up: this one only
    /// waits for its end, and is never rekeyed again.
    pub superseded: bool,
    /// Its rekey has been started.
    pub rekeying: bool,
    /// Bytes through the larger of its two directions (the driver's
    /// count; RFC 2407 4.5 kilobyte lifetimes).
    pub bytes: u64,
}

/// Nine tenths: the share of a lifetime after which the initiator
/// renews a pair [MODEL].
const SOFT_NUMERATOR: u64 = 9;
const SOFT_DENOMINATOR: u64 = 10;

/// A Quick Mode pair's negotiated lifetime, from when it came up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Lifetime {
    pub up_at: Duration,
    pub secs: u32,
    /// 0: no kilobyte limit proposed.
    pub kb: u32,
}

impl Lifetime {
    /// When it ends; never for a lifetime of 0 seconds (a peer such as
    /// charon with rekeying off proposes 0: no limit).
    pub fn hard_at(&self) -> Option<Duration> {
        (self.secs > 0).then(|| self.up_at + Duration::from_secs(u64::from(self.secs)))
    }

    pub fn soft_at(&self) -> Option<Duration> {
        let ms = u64::from(self.secs) * 1000 * SOFT_NUMERATOR / SOFT_DENOMINATOR;
        (self.secs > 0).then(|| self.up_at + Duration::from_millis(ms))
    }

    /// Whether `bytes` reach the soft (renew) or hard (end) volume.
    pub fn volume_reached(&self, bytes: u64, soft: bool) -> bool {
        if self.kb == 0 {
            return false;
        }
        let limit = u64::from(self.kb) * 1024;
        let limit = if soft {
            limit * SOFT_NUMERATOR / SOFT_DENOMINATOR
        } else {
            limit
        };
        bytes >= limit
    }
}

/// Pads `plain` with zeros to the block length (RFC 2409 Appendix B: "padded
/// up to the nearest block size using bytes containing 0x00") and encrypts
/// it; returns the ciphertext and the next IV (its last block).
pub(super) fn seal(
    c: CbcCipher,
    key: &[u8],
    iv: &[u8],
    mut plain: Vec<u8>,
) -> Result<(Vec<u8>, Vec<u8>), IkeError> {
    let block = c.block_len();
    let padded = plain.len().div_ceil(block).max(1) * block;
    plain.resize(padded, 0);
    cbc_encrypt(c, key, iv, &mut plain)?;
    let next = last_block(&plain, block);
    Ok((plain, next))
}

/// Decrypts `cipher_text`; returns the plaintext (with its padding) and the
/// next IV (the last ciphertext block).
pub(super) fn open(
    c: CbcCipher,
    key: &[u8],
    iv: &[u8],
    cipher_text: &[u8],
) -> Result<(Vec<u8>, Vec<u8>), IkeError> {
    let block = c.block_len();
    if cipher_text.is_empty() {
        return Err(CryptoError::BadBlockLength.into());
    }
    let next = last_block(cipher_text, block);
    let mut plain = cipher_text.to_vec();
    cbc_decrypt(c, key, iv, &mut plain)?;
    Ok((plain, next))
}

fn last_block(data: &[u8], block: usize) -> Vec<u8> {
    data.get(data.len().saturating_sub(block)..)
        .unwrap_or_default()
        .to_vec()
}
