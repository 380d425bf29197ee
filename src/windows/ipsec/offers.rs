//! The offers Windows' L2TP policies make (WINDOWS.md 5), defined once.

use crate::crypto::cbc::CbcCipher;
use crate::crypto::dh::DhGroup;
use crate::crypto::ike_keys::PrfHash;
use crate::crypto::integ::IntegAlg;
use crate::ike::{MmOffer, QmOffer};
use crate::windows::connectoid::ConnectoidEncryption;
use crate::windows::version::{IkeIdentity, NatTSupport};

/// Main mode SA lifetime, 8 hours [MODEL].
pub const MAIN_MODE_LIFETIME_SECS: u32 = 28_800;
/// Quick mode SA lifetimes of the L2TP policies (WINDOWS.md 5).
pub const QUICK_MODE_LIFETIME_SECS: u32 = 3600;
pub const QUICK_MODE_LIFETIME_KB: u32 = 250_000;

/// A main mode offer with Windows' lifetime (also a manual policy's).
pub fn main_mode_offer(cipher: CbcCipher, hash: PrfHash, group: DhGroup) -> MmOffer {
    MmOffer {
        cipher,
        hash,
        group,
        auth: crate::ike::MmAuth::RsaSignature,
        lifetime_secs: MAIN_MODE_LIFETIME_SECS,
    }
}

/// The automatic L2TP policy's main mode offers: XP's four with
/// certificates. With a pre-shared key the same four by key come first; a
/// client that uses a key offers only those (its connectoid replaces the
/// certificate), a server also takes certificate clients (SCENARIOS.md,
/// second round).
pub fn l2tp_main_mode_offers(preshared: bool, client: bool) -> Vec<MmOffer> {
    let by_key = xp_main_mode_offers().into_iter().map(|o| MmOffer {
        auth: crate::ike::MmAuth::PreSharedKey,
        ..o
    });
    let mut offers: Vec<MmOffer> = if preshared {
        by_key.collect()
    } else {
        Vec::new()
    };
    if !(preshared && client) {
        offers.extend(xp_main_mode_offers());
    }
    offers
}

/// A quick mode ESP offer with Windows' lifetimes; no cipher is ESP-NULL.
pub fn quick_mode_offer(cipher: Option<CbcCipher>, integ: IntegAlg) -> QmOffer {
    QmOffer {
        cipher,
        integ,
        lifetime_secs: QUICK_MODE_LIFETIME_SECS,
        lifetime_kb: QUICK_MODE_LIFETIME_KB,
    }
}

/// XP's main mode offers (WINDOWS.md 5).
pub fn xp_main_mode_offers() -> Vec<MmOffer> {
    let offer = main_mode_offer;
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
    let offer = |cipher, integ| quick_mode_offer(Some(cipher), integ);
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
pub fn quick_mode_offers(enc: ConnectoidEncryption) -> Vec<QmOffer> {
    use ConnectoidEncryption as E;
    let null = |integ| quick_mode_offer(None, integ);
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

/// The RRAS server's automatic L2TP policy: "Optional encryption", so a
/// client whose connectoid allows no encryption gets ESP without
/// confidentiality, and the remote access profile decides after
/// authentication [MODEL; the server's offer list is not documented,
/// its default level is Optional per RASMAN's policy names].
pub fn optional_quick_mode_offers() -> Vec<QmOffer> {
    quick_mode_offers(ConnectoidEncryption::Optional)
}

/// MD5("MS NT5 ISAKMPOAKLEY"): Windows IKE's Vendor ID, followed by a
/// 4-byte version (WINDOWS.md 6; ike-scan's fingerprints: 3 = Windows XP
/// RTM/SP1, 4 = Windows Server 2003 and XP SP2).
pub const MS_NT5_ISAKMPOAKLEY: [u8; 16] = [
    0x1e, 0x2b, 0x51, 0x69, 0x05, 0x99, 0x1c, 0x7d, 0x7c, 0x96, 0xfc, 0xbf, 0xb5, 0x87, 0xe4, 0x61,
];

/// The Vendor IDs a version sends in its first Main Mode message: Windows'
/// with its version, and RFC 3947's when it speaks NAT-T (WINDOWS.md 6;
/// we speak RFC 3947 only, so its id alone [MODEL: the draft-02 id Windows
/// may also send is left out]).
pub fn vendor_ids(ike: &IkeIdentity) -> Vec<Vec<u8>> {
    let mut id = MS_NT5_ISAKMPOAKLEY.to_vec();
    id.extend_from_slice(&ike.vendor_version.to_be_bytes());
    let mut ids = vec![id];
    if ike.nat_t != NatTSupport::None {
        ids.push(crate::ike::nat_t::RFC3947_VENDOR_ID.to_vec());
    }
    ids
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_windows_vendor_id_is_md5_of_its_name_then_the_version() {
        use md5::{Digest, Md5};
        assert_eq!(Md5::digest(b"MS NT5 ISAKMPOAKLEY")[..], MS_NT5_ISAKMPOAKLEY);
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
