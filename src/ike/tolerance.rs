//! How strictly an IKE build reads what it did not expect: an answer it
//! cannot open, a Vendor ID it does not know. RFC 2408 leaves both to the
//! implementation; Windows builds differ (WINDOWS.md 10), so each is a
//! setting of `IkeConfig` the version rows fill in.

use core::time::Duration;

use super::state::MmState;
use super::{FailurePoint, FailureReason, Ike, Mode};

/// What the initiator does with an encrypted message that does not open
/// under its keys while it awaits MM6. A responder whose pre-shared key
/// differs derives other keys (RFC 2409 5.4) and seals its notify of the
/// failed HASH_I with them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum GarbledReply {
    /// Drop it (counted) and resend MM5 until the exchange times out.
    #[default]
    Drop,
    /// End Main Mode with a general processing error.
    Fail,
}

/// Which Vendor IDs of the responder's first answer (MM2) this IKE takes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum PeerVendorIds {
    /// Every one: those it does not know are skipped (RFC 2408 3.16).
    #[default]
    SkipUnknown,
    /// A Vendor ID that starts with none of these prefixes ends Main Mode
    /// with a general processing error.
    FailUnknown(Vec<Vec<u8>>),
}

impl PeerVendorIds {
    /// Whether a message carrying `ids` goes on.
    pub fn accepts(&self, ids: &[&[u8]]) -> bool {
        match self {
            PeerVendorIds::SkipUnknown => true,
            PeerVendorIds::FailUnknown(known) => {
                ids.iter().all(|id| known.iter().any(|k| id.starts_with(k)))
            }
        }
    }
}

impl Ike {
    /// MM2's Vendor IDs against `cfg.peer_vendor_ids`: false (Main Mode
    /// ended, the failure reported) when one is refused.
    pub(super) fn takes_vendor_ids(&mut self, now: Duration, i: usize, ids: &[&[u8]]) -> bool {
        if self.cfg.peer_vendor_ids.accepts(ids) {
            return true;
        }
        self.processing_error(now, i);
        false
    }

    /// An encrypted message for SA `i` did not open: with
    /// `GarbledReply::Fail`, an initiator awaiting MM6 gives up.
    pub(super) fn garbled(&mut self, now: Duration, i: usize) {
        let awaits_mm6 = self
            .mains
            .get(i)
            .is_some_and(|m| m.initiator && m.state == MmState::I5);
        if awaits_mm6 && self.cfg.garbled_reply == GarbledReply::Fail {
            self.processing_error(now, i);
        }
    }

    fn processing_error(&mut self, now: Duration, i: usize) {
        let Some(m) = self.mains.get(i) else { return };
        let (peer, cert) = (m.peer(), m.peer_cert.clone());
        self.fail(
            peer,
            Mode::Main,
            FailurePoint::Me,
            FailureReason::GeneralProcessing,
            cert,
        );
        self.kill_main(now, i);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_vendor_ids_fail_only_when_asked() {
        let dpd: &[u8] = &[0xaf, 0xca, 0xd7, 0x13];
        let nt5: &[u8] = &[0x1e, 0x2b, 0x51, 0x69, 0, 0, 0, 9];
        assert!(PeerVendorIds::SkipUnknown.accepts(&[dpd, nt5]));
        let strict = PeerVendorIds::FailUnknown(vec![vec![0x1e, 0x2b, 0x51, 0x69]]);
        assert!(strict.accepts(&[nt5]));
        assert!(strict.accepts(&[]));
        assert!(!strict.accepts(&[nt5, dpd]));
    }
}
