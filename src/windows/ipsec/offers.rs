//! The offers Windows' L2TP policies make (WINDOWS.md 5), defined once.

use crate::crypto::cbc::CbcCipher;
use crate::crypto::dh::DhGroup;
use crate::crypto::ike_keys::PrfHash;
use crate::crypto::integ::IntegAlg;
use crate::ike::{MmOffer, QmOffer};
use crate::windows::config::ConnectoidEncryption;

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
pub fn quick_mode_offers(enc: ConnectoidEncryption) -> Vec<QmOffer> {
    use ConnectoidEncryption as E;
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

/// The RRAS server's automatic L2TP policy: "Optional encryption", so a
/// client whose connectoid allows no encryption gets ESP without
/// confidentiality, and the remote access profile decides after
/// authentication [MODEL; the server's offer list is not documented,
/// its default level is Optional per RASMAN's policy names].
pub fn optional_quick_mode_offers() -> Vec<QmOffer> {
    quick_mode_offers(ConnectoidEncryption::Optional)
}
