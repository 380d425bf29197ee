//! The CCP option policy for MPPE (RFC 1962, RFC 3078 2.1, RFC 3079).
//!
//! Rules, from which the Windows failure modes follow (error 742):
//! - each side requests stateless mode (H) with every strength it allows;
//! - judging the peer's request, a side Acks exactly H plus the single
//!   strongest common strength, otherwise Naks with that (or, with nothing
//!   in common, with its own strongest); a side that allows no strength at
//!   all Rejects the MPPE option;
//! - on a Nak, a side asks for the strongest suggested strength it allows;
//!   with none, or on a Reject, it drops MPPE if it may go unencrypted and
//!   otherwise gives up (the link then ends).
//!
//! So a server that requires encryption facing a client that allows none
//! sees its MPPE option rejected and ends the link; the client, which
//! refused the server's MPPE, reports the peer requiring encryption. A
//! client that requires a strength the server never offers gives up itself.

use super::fsm::{Policy, Progress, Verdict};
use crate::crypto::mppe::MppeStrength;
use crate::wire::ppp::ccp::{CcpOption, MppeBits};

/// RFC 1962 2: Reset-Request and Reset-Ack; unused in stateless mode
/// (RFC 3078 3.1), accepted and ignored.
const RESET_REQUEST: u8 = 14;
const RESET_ACK: u8 = 15;

/// The allowed data encryption: `none` means an unencrypted link is
/// acceptable; the bits are the MPPE strengths allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Encryption {
    pub none: bool,
    pub bits40: bool,
    pub bits56: bool,
    pub bits128: bool,
}

impl Encryption {
    /// Encryption optional, every strength allowed.
    pub const OPTIONAL: Encryption = Encryption {
        none: true,
        bits40: true,
        bits56: true,
        bits128: true,
    };
    /// No encryption at all.
    pub const NONE: Encryption = Encryption {
        none: true,
        bits40: false,
        bits56: false,
        bits128: false,
    };

    /// The MPPE strength bits allowed (RFC 3078 2.1 L, M, S).
    pub fn strength_bits(&self) -> u32 {
        let mut b = 0;
        if self.bits40 {
            b |= MppeBits::BITS40;
        }
        if self.bits56 {
            b |= MppeBits::BITS56;
        }
        if self.bits128 {
            b |= MppeBits::BITS128;
        }
        b
    }

    /// Encryption is required when an unencrypted link is not allowed.
    pub fn required(&self) -> bool {
        !self.none
    }
}

/// The single strongest strength bit of `bits` (S > M > L), or 0.
pub fn strongest(bits: u32) -> u32 {
    [MppeBits::BITS128, MppeBits::BITS56, MppeBits::BITS40]
        .into_iter()
        .find(|b| bits & b != 0)
        .unwrap_or(0)
}

/// The strength named by the strongest bit of `bits`.
pub fn strength_of(bits: u32) -> Option<MppeStrength> {
    match strongest(bits) {
        MppeBits::BITS128 => Some(MppeStrength::Bits128),
        MppeBits::BITS56 => Some(MppeStrength::Bits56),
        MppeBits::BITS40 => Some(MppeStrength::Bits40),
        _ => None,
    }
}

#[derive(Clone, Debug)]
pub struct CcpPolicy {
    allowed: u32,
    optional: bool,
    /// Strength bits of our next request; `None`: no MPPE option.
    request: Option<u32>,
    refused_peer: bool,
    peer_lacks: bool,
    ours_acked: Option<u32>,
    peer_acked: Option<u32>,
}

impl CcpPolicy {
    pub fn new(enc: Encryption) -> Self {
        let allowed = enc.strength_bits();
        CcpPolicy {
            allowed,
            optional: enc.none,
            request: (allowed != 0).then_some(allowed),
            refused_peer: false,
            peer_lacks: false,
            ours_acked: None,
            peer_acked: None,
        }
    }

    /// The agreed strength once CCP is Opened: ours if our MPPE request was
    /// acknowledged, else the peer's.
    pub fn negotiated(&self) -> Option<MppeStrength> {
        self.ours_acked.or(self.peer_acked).and_then(strength_of)
    }

    /// We rejected the peer's MPPE option (we allow no encryption).
    pub fn refused_peer_encryption(&self) -> bool {
        self.refused_peer
    }

    /// The peer offered no strength we allow, while we require one.
    pub fn peer_lacks_encryption(&self) -> bool {
        self.peer_lacks
    }

    pub fn required(&self) -> bool {
        !self.optional
    }
}

impl Policy for CcpPolicy {
    type Opt = CcpOption;

    fn request(&mut self) -> Vec<CcpOption> {
        match self.request {
            Some(bits) => vec![CcpOption::Mppe(MppeBits(MppeBits::STATELESS | bits))],
            None => Vec::new(),
        }
    }

    fn judge(&mut self, opt: &CcpOption) -> Verdict<CcpOption> {
        let bits = match opt {
            CcpOption::Mppe(b) => b.0,
            // Other compression methods are not implemented.
            CcpOption::Unknown { .. } => return Verdict::Reject,
        };
        if self.allowed == 0 {
            self.refused_peer = true;
            return Verdict::Reject;
        }
        let common = bits & self.allowed;
        let want = if common != 0 {
            strongest(common)
        } else {
            if !self.optional {
                self.peer_lacks = true;
            }
            strongest(self.allowed)
        };
        let ideal = MppeBits::STATELESS | want;
        if bits == ideal {
            Verdict::Ack
        } else {
            Verdict::Nak(CcpOption::Mppe(MppeBits(ideal)))
        }
    }

    fn peer_request_acked(&mut self, opts: &[CcpOption]) {
        self.peer_acked = opts.iter().find_map(|o| match o {
            CcpOption::Mppe(b) => Some(b.0 & MppeBits::STRENGTHS),
            CcpOption::Unknown { .. } => None,
        });
    }

    fn request_acked(&mut self, _opts: &[CcpOption]) {
        self.ours_acked = self.request;
    }

    fn nak_received(&mut self, suggested: &[CcpOption]) -> Progress {
        for o in suggested {
            if let CcpOption::Mppe(b) = o {
                let common = b.0 & self.allowed;
                if common != 0 {
                    self.request = Some(strongest(common));
                } else if self.optional {
                    self.request = None;
                } else {
                    self.peer_lacks = true;
                    return Progress::GiveUp;
                }
            }
        }
        Progress::Continue
    }

    fn reject_received(&mut self, rejected: &[CcpOption]) -> Progress {
        if rejected.iter().any(|o| matches!(o, CcpOption::Mppe(_))) {
            if !self.optional {
                self.peer_lacks = true;
                return Progress::GiveUp;
            }
            self.request = None;
        }
        Progress::Continue
    }

    fn ignores_code(&self, code: u8) -> bool {
        matches!(code, RESET_REQUEST | RESET_ACK)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: u32 = MppeBits::STATELESS;
    const S: u32 = MppeBits::BITS128;
    const M: u32 = MppeBits::BITS56;
    const L: u32 = MppeBits::BITS40;

    fn mppe(bits: u32) -> CcpOption {
        CcpOption::Mppe(MppeBits(bits))
    }

    fn required(bits40: bool, bits56: bool, bits128: bool) -> Encryption {
        Encryption {
            none: false,
            bits40,
            bits56,
            bits128,
        }
    }

    #[test]
    fn requests_stateless_with_every_allowed_strength() {
        let mut p = CcpPolicy::new(Encryption::OPTIONAL);
        assert_eq!(p.request(), vec![mppe(H | S | M | L)]);
        assert!(CcpPolicy::new(Encryption::NONE).request().is_empty());
    }

    #[test]
    fn nak_offers_single_strongest_common_strength() {
        let mut p = CcpPolicy::new(required(true, false, true));
        assert_eq!(p.judge(&mppe(H | S | M | L)), Verdict::Nak(mppe(H | S)));
        assert_eq!(p.judge(&mppe(H | S)), Verdict::Ack);
        // Stateful (no H) is Nak'd toward stateless.
        assert_eq!(p.judge(&mppe(S)), Verdict::Nak(mppe(H | S)));
    }

    #[test]
    fn no_allowed_strength_rejects_mppe() {
        let mut p = CcpPolicy::new(Encryption::NONE);
        assert_eq!(p.judge(&mppe(H | S)), Verdict::Reject);
        assert!(p.refused_peer_encryption());
    }

    #[test]
    fn required_strength_missing_from_nak_gives_up() {
        let mut p = CcpPolicy::new(required(false, false, true));
        assert_eq!(p.nak_received(&[mppe(H | L)]), Progress::GiveUp);
        assert!(p.peer_lacks_encryption());
    }

    #[test]
    fn optional_side_drops_mppe_on_reject_or_useless_nak() {
        let mut p = CcpPolicy::new(Encryption {
            none: true,
            bits40: false,
            bits56: false,
            bits128: true,
        });
        assert_eq!(p.nak_received(&[mppe(H | L)]), Progress::Continue);
        assert!(p.request().is_empty());
        let mut q = CcpPolicy::new(Encryption::OPTIONAL);
        assert_eq!(q.reject_received(&[mppe(H | S)]), Progress::Continue);
        assert!(q.request().is_empty());
    }

    #[test]
    fn required_side_gives_up_on_reject() {
        let mut p = CcpPolicy::new(required(true, true, true));
        assert_eq!(p.reject_received(&[mppe(H | S | M | L)]), Progress::GiveUp);
    }

    #[test]
    fn negotiated_strength_follows_acked_request() {
        let mut p = CcpPolicy::new(Encryption::OPTIONAL);
        assert_eq!(p.nak_received(&[mppe(H | M)]), Progress::Continue);
        assert_eq!(p.request(), vec![mppe(H | M)]);
        p.request_acked(&[mppe(H | M)]);
        assert_eq!(p.negotiated(), Some(MppeStrength::Bits56));
    }

    #[test]
    fn strongest_prefers_128_then_56_then_40() {
        assert_eq!(strongest(S | M | L), S);
        assert_eq!(strongest(M | L), M);
        assert_eq!(strongest(L | H), L);
        assert_eq!(strongest(H), 0);
    }
}
