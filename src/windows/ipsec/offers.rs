//! The offers of Windows' L2TP policies (WINDOWS.md 5), built from a
//! row's `IkeOffers`: the row holds the lists and lifetimes, these only
//! put them in `ike`'s types.

use crate::ike::{MmAuth, MmOffer, QmOffer};
use crate::windows::connectoid::ConnectoidEncryption;
use crate::windows::version::{IkeIdentity, IkeOffers, MmSpec, QmSpec, VendorId};

/// A manual policy's main mode offers (by certificate) with the row's
/// lifetime.
pub fn manual_main_mode(row: &IkeOffers, specs: &[MmSpec]) -> Vec<MmOffer> {
    specs
        .iter()
        .map(|s| mm_offer(row, *s, MmAuth::RsaSignature))
        .collect()
}

fn mm_offer(row: &IkeOffers, spec: MmSpec, auth: MmAuth) -> MmOffer {
    MmOffer {
        cipher: spec.cipher,
        hash: spec.hash,
        group: spec.group,
        auth,
        lifetime_secs: row.main_mode_lifetime_secs,
    }
}

/// The automatic L2TP policy's main mode offers: the row's certificate
/// offers. With a pre-shared key its key offers come first; a client that
/// uses a key offers only those (its connectoid replaces the
/// certificate), a server also takes certificate clients (SCENARIOS.md,
/// second round).
pub fn l2tp_main_mode_offers(row: &IkeOffers, preshared: bool, client: bool) -> Vec<MmOffer> {
    let by_key = row
        .main_mode_preshared
        .iter()
        .map(|s| mm_offer(row, *s, MmAuth::PreSharedKey));
    let mut offers: Vec<MmOffer> = if preshared {
        by_key.collect()
    } else {
        Vec::new()
    };
    if !(preshared && client) {
        offers.extend(
            row.main_mode_certificate
                .iter()
                .map(|s| mm_offer(row, *s, MmAuth::RsaSignature)),
        );
    }
    offers
}

/// A manual policy's quick mode offers with the row's lifetimes.
pub fn manual_quick_mode(row: &IkeOffers, specs: &[QmSpec]) -> Vec<QmOffer> {
    specs.iter().map(|s| qm_offer(row, *s)).collect()
}

fn qm_offer(row: &IkeOffers, spec: QmSpec) -> QmOffer {
    QmOffer {
        cipher: spec.cipher,
        integ: spec.integ,
        lifetime_secs: row.quick_mode_lifetime_secs,
        lifetime_kb: row.quick_mode_lifetime_kb,
    }
}

/// The quick mode policy RASMAN picks from the connectoid's encryption
/// setting (WINDOWS.md 5).
pub fn quick_mode_offers(row: &IkeOffers, enc: ConnectoidEncryption) -> Vec<QmOffer> {
    row.quick_mode
        .of(enc)
        .iter()
        .map(|s| qm_offer(row, *s))
        .collect()
}

/// What the RRAS server's automatic L2TP policy offers and accepts: the
/// quick mode policy of its row's level.
pub fn server_quick_mode_offers(row: &IkeOffers) -> Vec<QmOffer> {
    quick_mode_offers(row, row.server_quick_mode)
}

/// MD5("MS NT5 ISAKMPOAKLEY"): Windows IKE's Vendor ID, followed by a
/// 4-byte version (WINDOWS.md 6; ike-scan's fingerprints: 3 = Windows XP
/// RTM/SP1, 4 = Windows Server 2003 and XP SP2).
pub const MS_NT5_ISAKMPOAKLEY: [u8; 16] = [
    0x1e, 0x2b, 0x51, 0x69, 0x05, 0x99, 0x1c, 0x7d, 0x7c, 0x96, 0xfc, 0xbf, 0xb5, 0x87, 0xe4, 0x61,
];

/// Microsoft's key-module Vendor ID, before its 4-byte module number
/// (libreswan vendorid.c "Windows KEY_MODS"; WINDOWS.md 10).
const KEY_MODS: [u8; 16] = hex16("01528bbbc00696121849ab9a1c5b2a51");
/// MD5("draft-ietf-ipsec-nat-t-ike-02\n") (libreswan vendorid.c).
const NAT_T_DRAFT_02: [u8; 16] = hex16("90cb80913ebb696e086381b5ec427b1f");
/// MD5("FRAGMENTATION"), sent without flags (WINDOWS.md 10).
const FRAGMENTATION: [u8; 16] = hex16("4048b7d56ebce88525e7de7f00d6c2d3");
/// "MS-Negotiation Discovery Capable" (ike-scan ike-vendor-ids).
const NEGOTIATION_DISCOVERY: [u8; 16] = hex16("fb1de3cdf341b7ea16b7e5be0855f120");
/// MD5("Vid-Initial-Contact").
const INITIAL_CONTACT: [u8; 16] = hex16("26244d38eddb61b3172a36e3d0cfb819");
/// MD5("IKE CGA version 1").
const CGA: [u8; 16] = hex16("e3a5966a76379fe707228231e5ce8652");

/// Dead Peer Detection 1.0 (RFC 3706 7; ike-scan's "Dead Peer
/// Detection v1.0").
const DPD: [u8; 16] = hex16("afcad71368a1f1c96b8696fc77570100");
/// XAUTH (ike-scan's ike-vendor-ids: 8 bytes).
const XAUTH: [u8; 8] = [0x09, 0x00, 0x26, 0x89, 0xdf, 0xd6, 0xb7, 0x12];
/// Cisco Unity 1.0 (ike-scan's ike-vendor-ids).
const CISCO_UNITY: [u8; 16] = hex16("12f5f28c457168a9702d9fe274cc0100");

/// 32 hex digits at compile time (a bad digit is a build error).
const fn hex16(s: &str) -> [u8; 16] {
    const fn nibble(c: u8) -> u8 {
        match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            _ => panic!("not a lower-case hex digit"),
        }
    }
    let s = s.as_bytes();
    assert!(s.len() == 32, "not 32 hex digits");
    let mut out = [0u8; 16];
    let mut i = 0;
    while i < 16 {
        out[i] = (nibble(s[2 * i]) << 4) | nibble(s[2 * i + 1]);
        i += 1;
    }
    out
}

/// One Vendor ID payload's data.
pub fn vendor_id(v: VendorId) -> Vec<u8> {
    let versioned = |prefix: [u8; 16], n: u32| {
        let mut id = prefix.to_vec();
        id.extend_from_slice(&n.to_be_bytes());
        id
    };
    match v {
        VendorId::MsNt5(n) => versioned(MS_NT5_ISAKMPOAKLEY, n),
        VendorId::KeyMods(n) => versioned(KEY_MODS, n),
        VendorId::Rfc3947 => crate::ike::nat_t::RFC3947_VENDOR_ID.to_vec(),
        VendorId::NatTDraft02 => NAT_T_DRAFT_02.to_vec(),
        VendorId::Fragmentation => FRAGMENTATION.to_vec(),
        VendorId::NegotiationDiscovery => NEGOTIATION_DISCOVERY.to_vec(),
        VendorId::InitialContact => INITIAL_CONTACT.to_vec(),
        VendorId::Cga => CGA.to_vec(),
        VendorId::Dpd => DPD.to_vec(),
        VendorId::Xauth => XAUTH.to_vec(),
        VendorId::CiscoUnity => CISCO_UNITY.to_vec(),
    }
}

/// What Windows' own IKE sends, as prefixes (the versioned ids without
/// their version): the ids a build with the January 2022 update still
/// takes from a responder (`version::updates`) [MODEL].
pub fn windows_vendor_id_prefixes() -> Vec<Vec<u8>> {
    [
        &MS_NT5_ISAKMPOAKLEY[..],
        &KEY_MODS,
        &crate::ike::nat_t::RFC3947_VENDOR_ID,
        &NAT_T_DRAFT_02,
        &FRAGMENTATION,
        &NEGOTIATION_DISCOVERY,
        &INITIAL_CONTACT,
        &CGA,
    ]
    .iter()
    .map(|id| id.to_vec())
    .collect()
}

/// The Vendor IDs a version sends in its first Main Mode message, in its
/// row's order.
pub fn vendor_ids(ike: &IkeIdentity) -> Vec<Vec<u8>> {
    ike.vendor_ids.iter().map(|&v| vendor_id(v)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::cbc::CbcCipher;
    use crate::crypto::dh::DhGroup;
    use crate::crypto::ike_keys::PrfHash;
    use crate::crypto::integ::IntegAlg;

    #[test]
    fn xp_offers_as_windows_md_lists_them() {
        let row = &crate::windows::version::XP_SP2.ike_offers;
        let mm = l2tp_main_mode_offers(row, false, true);
        assert_eq!(mm.len(), 4);
        assert_eq!(
            (mm[0].cipher, mm[0].hash, mm[0].group, mm[0].lifetime_secs),
            (
                CbcCipher::TripleDes,
                PrfHash::Sha1,
                DhGroup::Modp1024,
                28_800
            )
        );
        // A client with a key offers only by key; a server both, key first.
        assert!(l2tp_main_mode_offers(row, true, true)
            .iter()
            .all(|o| o.auth == MmAuth::PreSharedKey));
        let server = l2tp_main_mode_offers(row, true, false);
        assert_eq!((server.len(), server[4].auth), (8, MmAuth::RsaSignature));
        use ConnectoidEncryption as E;
        let require = quick_mode_offers(row, E::Require);
        let optional = quick_mode_offers(row, E::Optional);
        assert_eq!(optional[..4], require[..]);
        assert!(optional[4..].iter().all(|o| o.cipher.is_none()));
        assert_eq!(quick_mode_offers(row, E::None), optional[4..]);
        assert_eq!(quick_mode_offers(row, E::RequireMax), require[..2]);
        assert_eq!(server_quick_mode_offers(row), optional);
        assert_eq!(
            (require[0].lifetime_secs, require[0].lifetime_kb),
            (3600, 250_000)
        );
    }

    #[test]
    fn a_manual_policy_takes_its_offers_in_order_and_the_rows_lifetimes() {
        let row = &crate::windows::version::SERVER_2003.ike_offers;
        let mm = manual_main_mode(
            row,
            &[MmSpec {
                cipher: CbcCipher::Des,
                hash: PrfHash::Md5,
                group: DhGroup::Modp768,
            }],
        );
        assert_eq!(
            (mm[0].cipher, mm[0].auth, mm[0].lifetime_secs),
            (
                CbcCipher::Des,
                MmAuth::RsaSignature,
                row.main_mode_lifetime_secs
            )
        );
        let qm = manual_quick_mode(
            row,
            &[QmSpec {
                cipher: Some(CbcCipher::TripleDes),
                integ: IntegAlg::HmacMd5_96,
            }],
        );
        assert_eq!(
            (qm[0].integ, qm[0].lifetime_secs, qm[0].lifetime_kb),
            (
                IntegAlg::HmacMd5_96,
                row.quick_mode_lifetime_secs,
                row.quick_mode_lifetime_kb
            )
        );
    }

    #[test]
    fn the_windows_vendor_id_is_md5_of_its_name_then_the_version() {
        use md5::{Digest, Md5};
        assert_eq!(Md5::digest(b"MS NT5 ISAKMPOAKLEY")[..], MS_NT5_ISAKMPOAKLEY);
        // The ids that are an MD5 of their name.
        for (name, id) in [
            (&b"draft-ietf-ipsec-nat-t-ike-02\n"[..], NAT_T_DRAFT_02),
            (b"FRAGMENTATION", FRAGMENTATION),
            (b"Vid-Initial-Contact", INITIAL_CONTACT),
            (b"IKE CGA version 1", CGA),
        ] {
            assert_eq!(Md5::digest(name)[..], id);
        }
        // The responder's ids of other vendors are none of Windows'.
        let windows = windows_vendor_id_prefixes();
        for v in [VendorId::Dpd, VendorId::Xauth, VendorId::CiscoUnity] {
            let id = vendor_id(v);
            assert!(!windows.iter().any(|w| id.starts_with(w)), "{v:?}");
        }
        assert_eq!(
            vendor_ids(&crate::windows::version::XP_RTM.ike),
            [hex::decode("1e2b516905991c7d7c96fcbfb587e46100000003").unwrap()]
        );
        // Server 2003 and XP SP2 add RFC 3947's, MD5("RFC 3947").
        use crate::windows::version::{SERVER_2003, XP_SP2};
        for e in [&SERVER_2003.ike, &XP_SP2.ike] {
            assert_eq!(
                vendor_ids(e),
                [
                    hex::decode("1e2b516905991c7d7c96fcbfb587e46100000004").unwrap(),
                    hex::decode("4a131c81070358455c5728f20e95452f").unwrap()
                ]
            );
        }
    }
}
