//! Certificates signed with SHA-1, as the XP / Server 2003 era signed them
//! (WINDOWS.md 9: Windows XP before SP3 and Server 2003 without KB 938397
//! cannot verify SHA-2 signatures; a Server 2003 CA signs sha1RSA).
//!
//! rcgen signs with SHA-256 only, so a minted certificate is re-signed:
//! the signature AlgorithmIdentifier (inside tbsCertificate and after it,
//! RFC 5280 4.1.1.2 and 4.1.2.3) becomes sha1WithRSAEncryption, an OID of
//! the same length, and the RSA-2048 signature keeps its length, so every
//! DER length stays as rcgen wrote it. Validation takes only this
//! algorithm (`XP_SIGNATURE_ALGS`): a SHA-256 certificate fails the way it
//! fails on XP.

use rustls_pki_types::{AlgorithmIdentifier, InvalidSignature, SignatureVerificationAlgorithm};
use sha1::{Digest, Sha1};

use super::error::PkiError;

/// RFC 8017 A.2.4 / RFC 3279 2.2.1: sha256WithRSAEncryption, 1.2.840.113549.1.1.11.
const OID_SHA256_RSA: [u8; 9] = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b];
/// sha1WithRSAEncryption, 1.2.840.113549.1.1.5.
const OID_SHA1_RSA: [u8; 9] = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x05];
/// The AlgorithmIdentifier's contents: the OID, then NULL parameters.
const ALG_SHA1_RSA: [u8; 13] = [
    0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x05, 0x05, 0x00,
];

/// The tag, header length and content length of the DER element at `at`.
fn element(der: &[u8], at: usize) -> Option<(u8, usize, usize)> {
    let tag = *der.get(at)?;
    let first = *der.get(at + 1)?;
    let (header, len) = match first {
        0..=0x7f => (2, usize::from(first)),
        0x81 => (3, usize::from(*der.get(at + 2)?)),
        0x82 => (
            4,
            usize::from(u16::from_be_bytes([*der.get(at + 2)?, *der.get(at + 3)?])),
        ),
        _ => return None,
    };
    (at + header + len <= der.len()).then_some((tag, header, len))
}

fn malformed(what: &str) -> PkiError {
    PkiError::Generate(format!("re-signing with SHA-1: {what}"))
}

/// Re-signs an RSA/SHA-256 certificate with SHA-1 under `issuer`'s key.
pub(super) fn resign(der: &[u8], issuer: &rsa::RsaPrivateKey) -> Result<Vec<u8>, PkiError> {
    let (_, outer, _) = element(der, 0).ok_or_else(|| malformed("certificate"))?;
    let (_, tbs_header, tbs_len) = element(der, outer).ok_or_else(|| malformed("tbs"))?;
    let tbs = outer..outer + tbs_header + tbs_len;
    let alg_at = tbs.end;
    let (_, alg_header, alg_len) = element(der, alg_at).ok_or_else(|| malformed("algorithm"))?;
    let sig_at = alg_at + alg_header + alg_len;
    let (tag, sig_header, sig_len) = element(der, sig_at).ok_or_else(|| malformed("signature"))?;
    if tag != 0x03 || sig_len == 0 {
        return Err(malformed("signature is not a BIT STRING"));
    }
    let mut out = der.to_vec();
    // tbsCertificate's `signature` field is the first sha256WithRSA OID in it
    // (version, serial, then the AlgorithmIdentifier; RFC 5280 4.1).
    for range in [tbs.clone(), alg_at..sig_at] {
        let region = &der[range.clone()];
        let at = region
            .windows(OID_SHA256_RSA.len())
            .position(|w| w == OID_SHA256_RSA)
            .ok_or_else(|| malformed("no sha256WithRSAEncryption"))?;
        let start = range.start + at;
        out[start..start + OID_SHA1_RSA.len()].copy_from_slice(&OID_SHA1_RSA);
    }
    let digest = Sha1::digest(&out[tbs]);
    let signature = issuer
        .sign(rsa::Pkcs1v15Sign::new::<Sha1>(), &digest)
        .map_err(|e| PkiError::Sign(e.to_string()))?;
    // The BIT STRING holds one unused-bits octet, then the signature.
    let bits = sig_at + sig_header + 1;
    if signature.len() != sig_len - 1 {
        return Err(malformed("signature length changed"));
    }
    out[bits..bits + signature.len()].copy_from_slice(&signature);
    Ok(out)
}

/// RSA PKCS#1 v1.5 with SHA-1 (RFC 8017 8.2), for rustls-webpki.
#[derive(Debug)]
pub struct RsaPkcs1Sha1;

impl SignatureVerificationAlgorithm for RsaPkcs1Sha1 {
    fn verify_signature(
        &self,
        public_key: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), InvalidSignature> {
        use rsa::pkcs1::DecodeRsaPublicKey;
        let key = rsa::RsaPublicKey::from_pkcs1_der(public_key).map_err(|_| InvalidSignature)?;
        key.verify(
            rsa::Pkcs1v15Sign::new::<Sha1>(),
            &Sha1::digest(message),
            signature,
        )
        .map_err(|_| InvalidSignature)
    }

    fn public_key_alg_id(&self) -> AlgorithmIdentifier {
        rustls_pki_types::alg_id::RSA_ENCRYPTION
    }

    fn signature_alg_id(&self) -> AlgorithmIdentifier {
        AlgorithmIdentifier::from_slice(&ALG_SHA1_RSA)
    }
}

/// What XP (before SP3) and Server 2003 (without KB 938397) verify.
pub static XP_SIGNATURE_ALGS: &[&dyn SignatureVerificationAlgorithm] = &[&RsaPkcs1Sha1];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn element_reads_short_and_long_lengths_and_refuses_overruns() {
        assert_eq!(element(&[0x30, 0x01, 0x00], 0), Some((0x30, 2, 1)));
        assert_eq!(element(&[0x30, 0x81, 0x01, 0x00], 0), Some((0x30, 3, 1)));
        assert_eq!(
            element(&[0x30, 0x82, 0x00, 0x01, 0x00], 0),
            Some((0x30, 4, 1))
        );
        assert_eq!(element(&[0x30, 0x02, 0x00], 0), None);
        assert_eq!(element(&[0x30, 0x83, 0, 0, 1, 0], 0), None);
        for n in 0..2 {
            assert_eq!(element(&[0x30, 0x00][..n], 0), None);
        }
    }

    #[test]
    fn the_sha1_algorithm_identifier_is_rfc_3279s() {
        // SEQUENCE { OID 1.2.840.113549.1.1.5, NULL } without its tag.
        assert_eq!(hex::encode(ALG_SHA1_RSA), "06092a864886f70d0101050500");
    }
}
