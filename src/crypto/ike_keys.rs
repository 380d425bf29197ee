//! IKEv1 key derivation (RFC 2409 5, 5.5, Appendix B): the negotiated prf
//! (HMAC of the negotiated hash), SKEYID and its three children, the
//! ISAKMP encryption key and IVs, and Quick Mode KEYMAT.

use hmac::digest::{Digest, KeyInit, Mac};
use hmac::Hmac;
use md5::Md5;
use sha1::Sha1;

use super::cbc::CbcCipher;

/// The hash algorithm negotiated in Main Mode (RFC 2409 Appendix A,
/// class 2 "Hash Algorithm": MD5 1, SHA 2). The prf is its HMAC (RFC 2409
/// 4: "the HMAC version of the negotiated hash algorithm").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PrfHash {
    Md5,
    Sha1,
}

impl PrfHash {
    /// Output length in bytes of both `hash` and `prf`.
    pub fn output_len(self) -> usize {
        match self {
            PrfHash::Md5 => 16,
            PrfHash::Sha1 => 20,
        }
    }
}

/// HMAC (RFC 2104) over the concatenation of `parts`, so callers need not
/// copy fields together first. Any key length works.
pub fn prf_parts(h: PrfHash, key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    match h {
        PrfHash::Md5 => hmac::<Md5, Hmac<Md5>>(key, parts),
        PrfHash::Sha1 => hmac::<Sha1, Hmac<Sha1>>(key, parts),
    }
}

/// The prf of RFC 2409 4: HMAC with the negotiated hash.
pub fn prf(h: PrfHash, key: &[u8], data: &[u8]) -> Vec<u8> {
    prf_parts(h, key, &[data])
}

/// The negotiated hash itself (used for the phase-1 and phase-2 IVs).
pub fn hash(h: PrfHash, data: &[u8]) -> Vec<u8> {
    hash_parts(h, &[data])
}

/// `hash` over the concatenation of `parts`.
pub fn hash_parts(h: PrfHash, parts: &[&[u8]]) -> Vec<u8> {
    fn run<D: Digest>(parts: &[&[u8]]) -> Vec<u8> {
        let mut d = D::new();
        for p in parts {
            d.update(p);
        }
        d.finalize().to_vec()
    }
    match h {
        PrfHash::Md5 => run::<Md5>(parts),
        PrfHash::Sha1 => run::<Sha1>(parts),
    }
}

/// RFC 2104 2: a key longer than the block is hashed first, then every key
/// is zero-padded to the block. Doing that here lets us use the infallible
/// fixed-size `KeyInit::new` instead of `new_from_slice` and its `Result`.
fn hmac<D: Digest, M: Mac + KeyInit>(key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    let mut block = hmac::digest::Key::<M>::default();
    let hashed;
    let key = if key.len() > block.len() {
        hashed = D::digest(key);
        &hashed[..]
    } else {
        key
    };
    for (d, s) in block.iter_mut().zip(key.iter()) {
        *d = *s;
    }
    let mut m = <M as KeyInit>::new(&block);
    for p in parts {
        Mac::update(&mut m, p);
    }
    m.finalize().into_bytes().to_vec()
}

/// The ISAKMP SA's keys after the Main Mode key exchange.
#[derive(Clone, PartialEq, Eq)]
pub struct IsakmpKeys {
    pub skeyid: Vec<u8>,
    pub skeyid_d: Vec<u8>,
    pub skeyid_a: Vec<u8>,
    pub skeyid_e: Vec<u8>,
    /// SKEYID_e expanded per RFC 2409 Appendix B to `cipher.key_len()`.
    pub enc_key: Vec<u8>,
    /// First phase-1 IV: hash(g^xi | g^xr) truncated to the block length
    /// (RFC 2409 Appendix B).
    pub iv: Vec<u8>,
}

impl core::fmt::Debug for IsakmpKeys {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // Keys stay out of logs; the harness exports them deliberately.
        write!(f, "IsakmpKeys({}-byte enc key)", self.enc_key.len())
    }
}

/// RFC 2409 5, signature authentication: SKEYID = prf(Ni_b | Nr_b, g^xy),
/// then the rest as `derive_from_skeyid`. `ni`/`nr` are the nonce payload
/// bodies, `gxy` the shared secret as `DhPrivate::shared` returns it (the
/// length of the prime), `gxi`/`gxr` the KE payload bodies.
#[allow(clippy::too_many_arguments)] // RFC 2409 5 names every input
pub fn derive_sig(
    h: PrfHash,
    c: CbcCipher,
    ni: &[u8],
    nr: &[u8],
    gxy: &[u8],
    cky_i: &[u8; 8],
    cky_r: &[u8; 8],
    gxi: &[u8],
    gxr: &[u8],
) -> IsakmpKeys {
    derive_from_skeyid(
        h,
        c,
        skeyid_sig(h, ni, nr, gxy),
        gxy,
        cky_i,
        cky_r,
        gxi,
        gxr,
    )
}

/// RFC 2409 5, pre-shared key authentication: SKEYID = prf(pre-shared-key,
/// Ni_b | Nr_b), then the rest as `derive_from_skeyid`.
#[allow(clippy::too_many_arguments)] // RFC 2409 5 names every input
pub fn derive_psk(
    h: PrfHash,
    c: CbcCipher,
    psk: &[u8],
    ni: &[u8],
    nr: &[u8],
    gxy: &[u8],
    cky_i: &[u8; 8],
    cky_r: &[u8; 8],
    gxi: &[u8],
    gxr: &[u8],
) -> IsakmpKeys {
    derive_from_skeyid(
        h,
        c,
        skeyid_psk(h, psk, ni, nr),
        gxy,
        cky_i,
        cky_r,
        gxi,
        gxr,
    )
}

/// RFC 2409 5, signatures: SKEYID = prf(Ni_b | Nr_b, g^xy).
pub fn skeyid_sig(h: PrfHash, ni: &[u8], nr: &[u8], gxy: &[u8]) -> Vec<u8> {
    prf_parts(h, &[ni, nr].concat(), &[gxy])
}

/// RFC 2409 5, pre-shared key: SKEYID = prf(pre-shared-key, Ni_b | Nr_b).
pub fn skeyid_psk(h: PrfHash, psk: &[u8], ni: &[u8], nr: &[u8]) -> Vec<u8> {
    prf_parts(h, psk, &[ni, nr])
}

/// RFC 2409 5, common to all authentication methods:
/// SKEYID_d = prf(SKEYID, g^xy | CKY-I | CKY-R | 0),
/// SKEYID_a = prf(SKEYID, SKEYID_d | g^xy | CKY-I | CKY-R | 1),
/// SKEYID_e = prf(SKEYID, SKEYID_a | g^xy | CKY-I | CKY-R | 2);
/// encryption key and first IV per Appendix B.
#[allow(clippy::too_many_arguments)] // RFC 2409 5 names every input
pub fn derive_from_skeyid(
    h: PrfHash,
    c: CbcCipher,
    skeyid: Vec<u8>,
    gxy: &[u8],
    cky_i: &[u8; 8],
    cky_r: &[u8; 8],
    gxi: &[u8],
    gxr: &[u8],
) -> IsakmpKeys {
    let skeyid_d = prf_parts(h, &skeyid, &[gxy, cky_i, cky_r, &[0]]);
    let skeyid_a = prf_parts(h, &skeyid, &[&skeyid_d, gxy, cky_i, cky_r, &[1]]);
    let skeyid_e = prf_parts(h, &skeyid, &[&skeyid_a, gxy, cky_i, cky_r, &[2]]);
    let enc_key = expand_enc_key(h, &skeyid_e, c.key_len());
    let iv = phase1_iv(h, c, gxi, gxr);
    IsakmpKeys {
        skeyid,
        skeyid_d,
        skeyid_a,
        skeyid_e,
        enc_key,
        iv,
    }
}

/// RFC 2409 Appendix B: the first `len` bytes of SKEYID_e if it is long
/// enough, else Ka = K1 | K2 | ... with K1 = prf(SKEYID_e, 0) and
/// Kn = prf(SKEYID_e, Kn-1), truncated to `len`.
pub fn expand_enc_key(h: PrfHash, skeyid_e: &[u8], len: usize) -> Vec<u8> {
    if skeyid_e.len() >= len {
        return skeyid_e.iter().take(len).copied().collect();
    }
    let mut out = Vec::with_capacity(len + h.output_len());
    let mut k = prf(h, skeyid_e, &[0]);
    loop {
        out.extend_from_slice(&k);
        if out.len() >= len {
            break;
        }
        k = prf(h, skeyid_e, &k);
    }
    out.truncate(len);
    out
}

/// RFC 2409 Appendix B: the first phase-1 IV is hash(g^xi | g^xr) truncated
/// to the cipher's block length.
pub fn phase1_iv(h: PrfHash, c: CbcCipher, gxi: &[u8], gxr: &[u8]) -> Vec<u8> {
    let mut iv = hash_parts(h, &[gxi, gxr]);
    iv.truncate(c.block_len());
    iv
}

/// RFC 2409 Appendix B: the IV of a Quick Mode or Informational exchange is
/// hash(last phase-1 CBC output block | M-ID), M-ID in network order,
/// truncated to the block length.
pub fn phase2_iv(h: PrfHash, c: CbcCipher, last_block: &[u8], message_id: u32) -> Vec<u8> {
    let mut iv = hash_parts(h, &[last_block, &message_id.to_be_bytes()]);
    iv.truncate(c.block_len());
    iv
}

/// RFC 2409 5.5 KEYMAT without PFS: K1 = prf(SKEYID_d, protocol | SPI |
/// Ni_b | Nr_b), Kn = prf(SKEYID_d, Kn-1 | protocol | SPI | Ni_b | Nr_b),
/// KEYMAT = K1 | K2 | ... truncated to `len`. `spi` is the SPI of the SA the
/// keys are for (the receiver chose it), so the two directions differ.
/// Encryption key first, then the authentication key (RFC 2409 5.5).
pub fn keymat(
    h: PrfHash,
    skeyid_d: &[u8],
    protocol: u8,
    spi: u32,
    ni_b: &[u8],
    nr_b: &[u8],
    len: usize,
) -> Vec<u8> {
    let proto = [protocol];
    let spi = spi.to_be_bytes();
    let mut out = Vec::with_capacity(len + h.output_len());
    let mut k: Vec<u8> = Vec::new();
    while out.len() < len {
        k = prf_parts(h, skeyid_d, &[&k, &proto, &spi, ni_b, nr_b]);
        out.extend_from_slice(&k);
    }
    out.truncate(len);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(s: &str) -> Vec<u8> {
        hex::decode(s).unwrap()
    }

    fn cky(s: &str) -> [u8; 8] {
        h(s).try_into().unwrap()
    }

    // shared/vectors/ikev1_skeyid_sha1.json (libreswan ACVP kdf135 IKEv1).
    #[test]
    fn signature_vector_gives_acvp_skeyids_and_3des_key() {
        let gxy = h("8ba4cbc73c0187301dc19a975823854dbd641c597f637f8d053a83b9514673eb");
        let k = derive_sig(
            PrfHash::Sha1,
            CbcCipher::TripleDes,
            &h("69a62284195f1680"),
            &h("80c94ba25c8abda5"),
            &gxy,
            &cky("8c3bcd3a69831d7f"),
            &cky("d2d9a7ff4fbe95a7"),
            b"gxi",
            b"gxr",
        );
        assert_eq!(
            hex::encode(&k.skeyid),
            "707197817fb2d90cf54d1842606bdea59b9f4823"
        );
        assert_eq!(
            hex::encode(&k.skeyid_d),
            "384be709a8a5e63c3ed160cfe3921c4b37d5b32d"
        );
        assert_eq!(
            hex::encode(&k.skeyid_a),
            "48b327575abe3adba0f279849e289022a13e2b47"
        );
        assert_eq!(
            hex::encode(&k.skeyid_e),
            "a4a415c8e0c38c0da847c356cc61c24df8025560"
        );
        // Appendix B expansion: 20-byte SKEYID_e < 24-byte 3DES key.
        assert_eq!(
            hex::encode(&k.enc_key),
            "4b556580207dfb05f77f1f860c70b9758630d4d97ef632e2"
        );
    }

    #[test]
    fn psk_vector_gives_acvp_skeyids() {
        let k = derive_psk(
            PrfHash::Sha1,
            CbcCipher::Aes128,
            &h("75"),
            &h("b9a2d0e922dc66dd"),
            &h("2130166863b5ddef"),
            &h("739003ba2c11c982946c65e26acf661fbf8ebb78011a9fead79efa12fe3e71cc"),
            &cky("83d374c30b3b5082"),
            &cky("5afc0da06c728029"),
            b"gxi",
            b"gxr",
        );
        assert_eq!(
            hex::encode(&k.skeyid),
            "62b04d112877e442fc3282fc37c076997718a0b9"
        );
        assert_eq!(
            hex::encode(&k.skeyid_d),
            "369e5aad1bdb5faf6a3d929d500cdc236710a9ab"
        );
        assert_eq!(
            hex::encode(&k.skeyid_a),
            "588e957d8d790d093b3a39f121473473af78e9bb"
        );
        assert_eq!(
            hex::encode(&k.skeyid_e),
            "cd74b0c048219db81384d3fda8f6cda51e398a2b"
        );
        // SKEYID_e is long enough for AES-128: its first 16 bytes, no expansion.
        assert_eq!(hex::encode(&k.enc_key), "cd74b0c048219db81384d3fda8f6cda5");
    }

    #[test]
    fn enc_key_expansion_chains_prf_outputs() {
        let e = [9u8; 16]; // MD5-sized SKEYID_e, 3DES needs 24
        let k1 = prf(PrfHash::Md5, &e, &[0]);
        let k2 = prf(PrfHash::Md5, &e, &k1);
        let want = [k1, k2].concat();
        assert_eq!(expand_enc_key(PrfHash::Md5, &e, 24), want[..24]);
        assert_eq!(expand_enc_key(PrfHash::Md5, &e, 32), want);
        assert_eq!(expand_enc_key(PrfHash::Md5, &e, 8), e[..8]);
        // SHA-1 SKEYID_e for AES-256: K1 | K2 truncated to 32.
        let e = [3u8; 20];
        let k1 = prf(PrfHash::Sha1, &e, &[0]);
        let k2 = prf(PrfHash::Sha1, &e, &k1);
        assert_eq!(
            expand_enc_key(PrfHash::Sha1, &e, 32),
            [k1, k2].concat()[..32]
        );
    }

    #[test]
    fn phase1_iv_is_truncated_hash_of_both_public_values() {
        let gxi = [1u8; 128];
        let gxr = [2u8; 128];
        let full = hash(PrfHash::Sha1, &[gxi, gxr].concat());
        assert_eq!(
            phase1_iv(PrfHash::Sha1, CbcCipher::TripleDes, &gxi, &gxr),
            full[..8]
        );
        assert_eq!(
            phase1_iv(PrfHash::Sha1, CbcCipher::Aes128, &gxi, &gxr),
            full[..16]
        );
        let k = derive_sig(
            PrfHash::Sha1,
            CbcCipher::Aes256,
            b"n",
            b"n",
            b"x",
            &[0; 8],
            &[0; 8],
            &gxi,
            &gxr,
        );
        assert_eq!(k.iv, full[..16]);
        // SHA-1 of "abc" (FIPS 180-2 B.1) pins `hash` to the real SHA-1.
        assert_eq!(
            hex::encode(hash(PrfHash::Sha1, b"abc")),
            "a9993e364706816aba3e25717850c26c9cd0d89d"
        );
        // MD5 of "abc" (RFC 1321 A.5).
        assert_eq!(
            hex::encode(hash(PrfHash::Md5, b"abc")),
            "900150983cd24fb0d6963f7d28e17f72"
        );
    }

    #[test]
    fn phase2_iv_hashes_last_block_and_big_endian_message_id() {
        let last = [0xabu8; 8];
        let want = hash(
            PrfHash::Md5,
            &[&last[..], &[0x12, 0x34, 0x56, 0x78]].concat(),
        );
        assert_eq!(
            phase2_iv(PrfHash::Md5, CbcCipher::TripleDes, &last, 0x1234_5678),
            want[..8]
        );
        assert_ne!(
            phase2_iv(PrfHash::Md5, CbcCipher::TripleDes, &last, 1),
            phase2_iv(PrfHash::Md5, CbcCipher::TripleDes, &last, 2)
        );
    }

    #[test]
    fn keymat_expands_k1_k2_with_previous_block_first() {
        let d = [5u8; 20];
        let (ni, nr) = (
            b"initiator nonce!".as_slice(),
            b"responder nonce!".as_slice(),
        );
        let seed = [&[50u8][..], &0xdead_beef_u32.to_be_bytes(), ni, nr].concat();
        let k1 = prf(PrfHash::Sha1, &d, &seed);
        let k2 = prf(PrfHash::Sha1, &d, &[&k1[..], &seed].concat());
        let k3 = prf(PrfHash::Sha1, &d, &[&k2[..], &seed].concat());
        // 3DES (24) + HMAC-SHA1 (20) = 44 bytes: three SHA-1 blocks.
        let km = keymat(PrfHash::Sha1, &d, 50, 0xdead_beef, ni, nr, 44);
        assert_eq!(km, [k1.clone(), k2, k3].concat()[..44]);
        assert_eq!(keymat(PrfHash::Sha1, &d, 50, 0xdead_beef, ni, nr, 20), k1);
        assert!(keymat(PrfHash::Sha1, &d, 50, 0xdead_beef, ni, nr, 0).is_empty());
        // Each direction's SPI gives different keys.
        assert_ne!(
            keymat(PrfHash::Sha1, &d, 50, 1, ni, nr, 44),
            keymat(PrfHash::Sha1, &d, 50, 2, ni, nr, 44)
        );
    }

    #[test]
    fn prf_parts_equals_prf_of_concatenation() {
        let parts: [&[u8]; 3] = [b"ab", b"", b"cdef"];
        for hsh in [PrfHash::Md5, PrfHash::Sha1] {
            assert_eq!(prf_parts(hsh, b"key", &parts), prf(hsh, b"key", b"abcdef"));
            assert_eq!(prf(hsh, b"k", b"").len(), hsh.output_len());
            // A key of exactly one block is used as is, one byte more is hashed.
            assert_ne!(prf(hsh, &[1; 64], b"x"), prf(hsh, &[1; 65], b"x"));
        }
    }
}
