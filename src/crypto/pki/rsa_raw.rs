//! IKEv1 RSA signatures (RFC 2409 5.1, DESIGN.md): PKCS#1 v1.5 type 1
//! padding over the raw HASH_I / HASH_R, without a DigestInfo prefix, as
//! Windows and every IKEv1 implementation do.

use rsa::pkcs8::DecodePublicKey;
use rsa::{Pkcs1v15Sign, RsaPrivateKey, RsaPublicKey};
use x509_parser::prelude::{FromDer, X509Certificate};

use super::error::{CertError, PkiError};

/// Signs `hash` (any length up to the modulus size minus 11) with `key`.
/// Deterministic: PKCS#1 v1.5 signing uses no randomness.
pub fn sign_hash_raw(key: &RsaPrivateKey, hash: &[u8]) -> Result<Vec<u8>, PkiError> {
    key.sign(Pkcs1v15Sign::new_unprefixed(), hash)
        .map_err(|e| PkiError::Sign(e.to_string()))
}

/// Verifies `signature` over `hash` with the RSA key of the certificate `cert_der`.
pub fn verify_hash_raw(cert_der: &[u8], hash: &[u8], signature: &[u8]) -> Result<(), PkiError> {
    let key = public_key(cert_der)?;
    key.verify(Pkcs1v15Sign::new_unprefixed(), hash, signature)
        .map_err(|_| PkiError::SignatureInvalid)
}

/// The RSA public key of a certificate, without validating the certificate.
pub fn public_key(cert_der: &[u8]) -> Result<RsaPublicKey, PkiError> {
    let (rest, cert) =
        X509Certificate::from_der(cert_der).map_err(|_| PkiError::from(CertError::Malformed))?;
    if !rest.is_empty() {
        return Err(CertError::Malformed.into());
    }
    RsaPublicKey::from_public_key_der(cert.public_key().raw).map_err(|_| PkiError::NotRsa)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::pki::mint::tests::lab;
    use proptest::prelude::*;

    const HASH: [u8; 20] = [0x5a; 20];

    #[test]
    fn raw_signature_verifies_with_the_certificate_key() {
        let pki = lab();
        let client = pki.certificate("client").unwrap();
        let sig = sign_hash_raw(client.key.as_ref().unwrap(), &HASH).unwrap();
        assert_eq!(sig.len(), 256);
        verify_hash_raw(&client.der, &HASH, &sig).unwrap();
    }

    #[test]
    fn raw_signature_is_deterministic_and_has_no_digest_info() {
        let pki = lab();
        let key = pki.certificate("client").unwrap().key.clone().unwrap();
        let a = sign_hash_raw(&key, &HASH).unwrap();
        assert_eq!(a, sign_hash_raw(&key, &HASH).unwrap());
        // Undo the signature with the public exponent: 00 01 FF.. 00 || hash, nothing else.
        use rsa::traits::PublicKeyParts;
        let pubkey = key.to_public_key();
        let m = rsa::BigUint::from_bytes_be(&a).modpow(pubkey.e(), pubkey.n());
        let em = m.to_bytes_be(); // leading 00 dropped
        assert_eq!(em[0], 0x01);
        assert_eq!(&em[em.len() - 21..], &[&[0u8][..], &HASH[..]].concat()[..]);
        assert!(em[1..em.len() - 21].iter().all(|&b| b == 0xff));
    }

    #[test]
    fn raw_signature_fails_with_another_key_or_hash() {
        let pki = lab();
        let client = pki.certificate("client").unwrap();
        let server = pki.certificate("server").unwrap();
        let sig = sign_hash_raw(client.key.as_ref().unwrap(), &HASH).unwrap();
        assert_eq!(
            verify_hash_raw(&server.der, &HASH, &sig),
            Err(PkiError::SignatureInvalid)
        );
        assert_eq!(
            verify_hash_raw(&client.der, &[0x5b; 20], &sig),
            Err(PkiError::SignatureInvalid)
        );
        assert_eq!(
            verify_hash_raw(&client.der, &HASH, &sig[1..]),
            Err(PkiError::SignatureInvalid)
        );
    }

    #[test]
    fn oversized_hash_is_an_error() {
        let pki = lab();
        let key = pki.certificate("client").unwrap().key.clone().unwrap();
        assert!(matches!(
            sign_hash_raw(&key, &[0u8; 250]),
            Err(PkiError::Sign(_))
        ));
    }

    #[test]
    fn verify_with_garbage_certificate_is_malformed() {
        assert_eq!(
            verify_hash_raw(&[0x30, 0x03, 1, 2, 3], &HASH, &[0; 256]),
            Err(PkiError::BadCertificate(CertError::Malformed))
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn random_signatures_never_panic(sig in proptest::collection::vec(any::<u8>(), 0..300),
                                         hash in proptest::collection::vec(any::<u8>(), 0..300)) {
            let der = &crate::crypto::pki::mint::tests::lab_der();
            prop_assert!(verify_hash_raw(der, &hash, &sig).is_err());
        }
    }
}
