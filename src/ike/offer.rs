//! What each side offers: Main Mode proposals (RFC 2409 5) and Quick Mode
//! proposals (RFC 2409 5.5). How they are encoded in SA payloads is
//! `proposal`'s; what Windows offers is its version's row
//! (`windows::version`, built by `windows::ipsec::offers`).

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

/// The order of a Main Mode transform's authentication method and group
/// attributes; RFC 2409 Appendix A fixes none, and Windows builds differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MmAttributeOrder {
    /// Encryption, hash, authentication, group, lifetime (XP and Server
    /// 2003 as WINDOWS.md 5 lists them).
    #[default]
    AuthThenGroup,
    /// Encryption, key length, hash, group, authentication, lifetime
    /// (Windows 8 to 11's first Main Mode message, WINDOWS.md 10).
    GroupThenAuth,
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

/// One Quick Mode proposal: ESP in transport mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QmOffer {
    /// `None`: ESP without encryption (RFC 2410 NULL).
    pub cipher: Option<CbcCipher>,
    pub integ: IntegAlg,
    pub lifetime_secs: u32,
    pub lifetime_kb: u32,
}
