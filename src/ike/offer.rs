//! What each side offers: Main Mode proposals (RFC 2409 5) and Quick Mode
//! proposals (RFC 2409 5.5), with the Windows defaults (WINDOWS.md 5).
//! How they are encoded in SA payloads is `proposal`'s.

use crate::crypto::cbc::CbcCipher;
use crate::crypto::dh::DhGroup;
use crate::crypto::ike_keys::PrfHash;
use crate::crypto::integ::IntegAlg;

/// How Main Mode authenticates (RFC 2409 Appendix A, Authentication Method).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MmAuth {
    /// 1: SKEYID from the key, HASH_I/HASH_R sent as they are (5.4).
    PreSharedKey,
    /// 3: signatures over HASH_I/HASH_R, with certificates (5.1).
    RsaSignature,
}

/// One Main Mode proposal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MmOffer {
    pub cipher: CbcCipher,
    pub hash: PrfHash,
    pub group: DhGroup,
    pub auth: MmAuth,
    pub lifetime_secs: u32,
}

impl MmOffer {
    /// The XP offers in order (WINDOWS.md 5): 3DES/SHA1/2, 3DES/MD5/2,
    /// DES/SHA1/1, DES/MD5/1, 28800 s.
    pub fn windows_xp() -> Vec<MmOffer> {
        let o = |cipher, hash, group| MmOffer {
            cipher,
            hash,
            group,
            auth: MmAuth::RsaSignature,
            lifetime_secs: 28800,
        };
        vec![
            o(CbcCipher::TripleDes, PrfHash::Sha1, DhGroup::Modp1024),
            o(CbcCipher::TripleDes, PrfHash::Md5, DhGroup::Modp1024),
            o(CbcCipher::Des, PrfHash::Sha1, DhGroup::Modp768),
            o(CbcCipher::Des, PrfHash::Md5, DhGroup::Modp768),
        ]
    }
}

/// One Quick Mode proposal: ESP in transport mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QmOffer {
    /// `None`: ESP without encryption (RFC 2410 NULL).
    pub cipher: Option<CbcCipher>,
    pub integ: IntegAlg,
    pub lifetime_secs: u32,
    pub lifetime_kb: u32,
}

impl QmOffer {
    /// "L2TP Require Encryption Quick Mode Policy" (WINDOWS.md 5) without
    /// its AH+ESP bundles: ESP 3DES/MD5, 3DES/SHA1, DES/MD5, DES/SHA1,
    /// 3600 s / 250000 KB.
    pub fn require_encryption() -> Vec<QmOffer> {
        let o = |cipher, integ| QmOffer {
            cipher: Some(cipher),
            integ,
            lifetime_secs: 3600,
            lifetime_kb: 250_000,
        };
        vec![
            o(CbcCipher::TripleDes, IntegAlg::HmacMd5_96),
            o(CbcCipher::TripleDes, IntegAlg::HmacSha1_96),
            o(CbcCipher::Des, IntegAlg::HmacMd5_96),
            o(CbcCipher::Des, IntegAlg::HmacSha1_96),
        ]
    }
}
