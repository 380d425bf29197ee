//! What a capture shows of IKE without keys: how far IKE got (Main Mode
//! message by message, Quick Mode), what the peers said in the clear
//! before Quick Mode (a notify such as NO-PROPOSAL-CHOSEN, or an encrypted
//! Informational), which IKE each side runs (its vendor ids), whether
//! NAT-D was exchanged, and who resent a message.
//!
//! Main Mode's messages are told apart without decrypting (RFC 2409 5):
//! 1 and 2 carry the SA in the clear, 3 and 4 the key exchange in the
//! clear, 5 and 6 are encrypted; odd ones come from the SA's initiator
//! (whoever sent its first message, with an empty responder cookie).

use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;

use l2tpsec::ike::nat_t::RFC3947_VENDOR_ID;
use l2tpsec::wire::isakmp::payload::{split_payloads, NotifyType, Payload};
use l2tpsec::wire::isakmp::{ExchangeType, Packet, PayloadType};

/// The value of a feature the capture cannot show.
pub const UNSEEN: &str = "unseen";

/// MD5("MS NT5 ISAKMPOAKLEY"), Windows IKE's vendor id, followed by a
/// 4-octet version (WINDOWS.md 6).
const MS_NT5: [u8; 16] = [
    0x1e, 0x2b, 0x51, 0x69, 0x05, 0x99, 0x1c, 0x7d, 0x7c, 0x96, 0xfc, 0xbf, 0xb5, 0x87, 0xe4, 0x61,
];

/// The MS NT5 versions as libreswan's `vendorid.c` and ike-scan label
/// them (WINDOWS.md 10); 9 stands for Windows 8 to 11 and Server 2012 R2
/// and later.
const WINDOWS_VERSIONS: &[(u32, &str)] = &[
    (2, "windows-2000"),
    (3, "windows-xp"),
    (4, "windows-2003"),
    (5, "windows-vista"),
    (6, "windows-2008"),
    (7, "windows-7"),
    (8, "windows-2008-r2"),
    (9, "windows-8-or-later"),
];

/// The vendor feature's values, beside `WINDOWS_VERSIONS`: no vendor id, a
/// Windows version not in the table, only other vendors' ids.
pub const VENDORS: &[&str] = &[
    "none",
    "windows-2000",
    "windows-xp",
    "windows-2003",
    "windows-vista",
    "windows-2008",
    "windows-7",
    "windows-2008-r2",
    "windows-8-or-later",
    "windows-other",
    "other",
];

/// Error notifies in the clear (RFC 2408 3.14.1), by the feature value
/// that names them; any other error is `other-notify`.
const NOTIFIES: &[(NotifyType, &str)] = &[
    (NotifyType::NoProposalChosen, "no-proposal-chosen"),
    (NotifyType::PayloadMalformed, "payload-malformed"),
    (NotifyType::InvalidIdInformation, "invalid-id-information"),
    (NotifyType::InvalidCertificate, "invalid-certificate"),
    (NotifyType::InvalidCertAuthority, "invalid-cert-authority"),
    (
        NotifyType::InvalidHashInformation,
        "invalid-hash-information",
    ),
    (NotifyType::AuthenticationFailed, "authentication-failed"),
    (NotifyType::InvalidSignature, "invalid-signature"),
    (
        NotifyType::CertificateUnavailable,
        "certificate-unavailable",
    ),
];

/// The notify feature's values.
pub const NOTIFY_VALUES: &[&str] = &[
    "none",
    "encrypted",
    "no-proposal-chosen",
    "payload-malformed",
    "invalid-id-information",
    "invalid-certificate",
    "invalid-cert-authority",
    "invalid-hash-information",
    "authentication-failed",
    "invalid-signature",
    "certificate-unavailable",
    "other-notify",
];

/// The notify type a value of the notify feature names.
pub fn notify_number(value: &str) -> Option<u16> {
    NOTIFIES
        .iter()
        .find(|(_, name)| *name == value)
        .map(|(t, _)| u16::from(*t))
}

/// RFC 2408 3.14.1: types below 16384 are errors, the rest status.
const FIRST_STATUS_NOTIFY: u16 = 16384;
/// NAT-D's payload type in draft-ietf-ipsec-nat-t-ike-02, which Windows
/// also speaks (RFC 3947 is 20).
const DRAFT_NAT_D: u8 = 130;

/// Everything the IKE facts need, message by message.
#[derive(Debug, Default)]
pub struct IkeSeen {
    /// Initiator cookie -> the address that sent that SA's first message.
    sa_initiators: BTreeMap<[u8; 8], Ipv4Addr>,
    phase_1: bool,
    quick_mode: bool,
    /// The furthest Main Mode message seen, 1 to 6.
    main_mode: u8,
    initiator_vendor: Option<&'static str>,
    responder_vendor: Option<&'static str>,
    /// Message 3 or 4 was seen; whether one carried NAT-D.
    key_exchange: bool,
    nat_d: bool,
    clear_notify: Option<&'static str>,
    encrypted_notify: bool,
    /// (sender, message) of every message, to find resent ones.
    messages: BTreeSet<(Ipv4Addr, Vec<u8>)>,
    resent_by: BTreeSet<Ipv4Addr>,
}

impl IkeSeen {
    /// One ISAKMP message from `src`; `initiator` is who started the
    /// exchange, for an SA whose first message the capture lacks.
    pub fn message(&mut self, src: Ipv4Addr, bytes: &[u8], initiator: Option<Ipv4Addr>) {
        let Ok(p) = Packet::new_checked(bytes) else {
            return;
        };
        if !self.messages.insert((src, bytes.to_vec())) {
            self.resent_by.insert(src);
        }
        match p.exchange_type() {
            ExchangeType::IdentityProtection => {
                self.phase_1 = true;
                self.main_mode(src, &p, initiator);
            }
            // RFC 2409 5.4: phase 1 too, in three messages; not counted as
            // Main Mode's.
            ExchangeType::Aggressive => self.phase_1 = true,
            ExchangeType::QuickMode => self.quick_mode = true,
            // Once Quick Mode runs, Informationals are deletes and the
            // like, not why phase 1 failed.
            ExchangeType::Informational if !self.quick_mode => {
                if p.encrypted() {
                    self.encrypted_notify = true;
                } else {
                    self.clear_notify(&p);
                }
            }
            _ => {}
        }
    }

    fn main_mode(&mut self, src: Ipv4Addr, p: &Packet<&[u8]>, initiator: Option<Ipv4Addr>) {
        let cookie = p.initiator_cookie();
        if p.responder_cookie() == [0; 8] {
            self.sa_initiators.entry(cookie).or_insert(src);
        }
        let from_initiator = self
            .sa_initiators
            .get(&cookie)
            .map_or(Some(src) == initiator, |i| *i == src);
        let odd = if p.encrypted() {
            5
        } else {
            match p.next_payload() {
                PayloadType::Sa => 1,
                PayloadType::KeyExchange => 3,
                _ => return,
            }
        };
        let n = if from_initiator { odd } else { odd + 1 };
        self.main_mode = self.main_mode.max(n);
        if p.encrypted() {
            return;
        }
        // Bytes after the last payload are tolerated: a capture from
        // elsewhere may carry what we would not send.
        let payloads = split_payloads(p.next_payload(), p.body(), true).unwrap_or_default();
        match n {
            1 | 2 => {
                let ids: Vec<&[u8]> = payloads
                    .iter()
                    .filter(|r| r.kind == PayloadType::VendorId)
                    .map(|r| r.body)
                    .collect();
                let side = if n == 1 {
                    &mut self.initiator_vendor
                } else {
                    &mut self.responder_vendor
                };
                side.get_or_insert(vendor(&ids));
            }
            _ => {
                self.key_exchange = true;
                if payloads.iter().any(|r| {
                    r.kind == PayloadType::NatD || r.kind == PayloadType::Unknown(DRAFT_NAT_D)
                }) {
                    self.nat_d = true;
                }
            }
        }
    }

    fn clear_notify(&mut self, p: &Packet<&[u8]>) {
        let payloads = split_payloads(p.next_payload(), p.body(), true).unwrap_or_default();
        for r in payloads
            .iter()
            .filter(|r| r.kind == PayloadType::Notification)
        {
            let Ok(Payload::Notification(n)) = Payload::parse(r.kind, r.body) else {
                continue;
            };
            if u16::from(n.notify_type) < FIRST_STATUS_NOTIFY {
                let name = NOTIFIES
                    .iter()
                    .find(|(t, _)| *t == n.notify_type)
                    .map_or("other-notify", |(_, name)| *name);
                self.clear_notify.get_or_insert(name);
            }
        }
    }

    /// The IKE facts, (feature, value); `initiator` as for `message`.
    pub fn facts(&self, initiator: Option<Ipv4Addr>) -> [(&'static str, &'static str); 7] {
        let ike = if self.quick_mode {
            "quick-mode"
        } else if self.phase_1 {
            "main-mode-only"
        } else {
            "none"
        };
        let main_mode = match self.main_mode {
            0 => "none",
            1 => "1",
            2 => "1-2",
            3 => "3",
            4 => "3-4",
            5 => "5",
            _ => "5-6",
        };
        let notify = match (self.clear_notify, self.encrypted_notify) {
            (Some(n), _) => n,
            (None, true) => "encrypted",
            (None, false) => "none",
        };
        let nat_d = match (self.key_exchange, self.nat_d) {
            (false, _) => UNSEEN,
            (true, true) => "yes",
            (true, false) => "no",
        };
        let by_initiator = initiator.is_some_and(|i| self.resent_by.contains(&i));
        let by_other = self.resent_by.iter().any(|a| Some(*a) != initiator);
        let resent = match (by_initiator, by_other) {
            (false, false) => "none",
            (true, false) => "initiator",
            (false, true) => "responder",
            (true, true) => "both",
        };
        [
            ("ike", ike),
            ("main-mode", main_mode),
            ("ike-notify", notify),
            ("initiator-vendor", self.initiator_vendor.unwrap_or(UNSEEN)),
            ("responder-vendor", self.responder_vendor.unwrap_or(UNSEEN)),
            ("nat-d", nat_d),
            ("isakmp-retransmissions", resent),
        ]
    }
}

/// Which IKE a list of vendor ids names: Windows' by its version, else
/// another vendor's, else none.
fn vendor(ids: &[&[u8]]) -> &'static str {
    let windows = ids.iter().find_map(|id| {
        let version = id.strip_prefix(&MS_NT5[..])?;
        let version = u32::from_be_bytes(version.try_into().ok()?);
        Some(
            WINDOWS_VERSIONS
                .iter()
                .find(|(v, _)| *v == version)
                .map_or("windows-other", |(_, name)| *name),
        )
    });
    match windows {
        Some(w) => w,
        // RFC 3947's id says NAT-T, not who speaks it.
        None if ids.iter().any(|id| *id != RFC3947_VENDOR_ID) => "other",
        None => "none",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_windows_vendor_id_names_its_version_and_others_are_other() {
        let mut xp = MS_NT5.to_vec();
        xp.extend_from_slice(&3u32.to_be_bytes());
        let mut future = MS_NT5.to_vec();
        future.extend_from_slice(&42u32.to_be_bytes());
        assert_eq!(vendor(&[&xp, &RFC3947_VENDOR_ID]), "windows-xp");
        assert_eq!(vendor(&[&future]), "windows-other");
        assert_eq!(vendor(&[&RFC3947_VENDOR_ID]), "none");
        assert_eq!(vendor(&[b"OEvS\x16\x8e\x02"]), "other");
        assert_eq!(vendor(&[&MS_NT5]), "other");
        for (_, name) in WINDOWS_VERSIONS {
            assert!(VENDORS.contains(name), "{name}");
        }
        for (_, name) in NOTIFIES {
            assert!(NOTIFY_VALUES.contains(name), "{name}");
        }
    }
}
