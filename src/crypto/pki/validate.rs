//! Peer certificate checks: RFC 5280 6.1 path validation by rustls-webpki
//! against the machine's trusted roots, and a plain description (subject,
//! issuer, thumbprint) for audit events about certificates that failed.

use core::time::Duration;

use rustls_pki_types::{CertificateDer, TrustAnchor, UnixTime};
use sha1::{Digest, Sha1};
use webpki::{anchor_from_trusted_cert, EndEntityCert, KeyUsage};
use x509_parser::prelude::{FromDer, X509Certificate};

use super::error::CertError;
use super::PeerCertificate;

/// Validates `leaf_der` at `time_unix` against `roots` (DER, self-signed),
/// for clientAuth or serverAuth (either is enough for IKE). Roots that do
/// not parse are ignored, as a certificate store would.
pub fn validate(
    leaf_der: &[u8],
    roots: &[Vec<u8>],
    time_unix: i64,
) -> Result<PeerCertificate, CertError> {
    let mut peer = describe(leaf_der)?;
    let secs = u64::try_from(time_unix)
        .map_err(|_| CertError::Other("validation time before 1970".into()))?;
    let time = UnixTime::since_unix_epoch(Duration::from_secs(secs));

    let root_ders: Vec<CertificateDer<'_>> = roots
        .iter()
        .map(|r| CertificateDer::from(r.as_slice()))
        .collect();
    let mut anchors: Vec<TrustAnchor<'_>> = Vec::with_capacity(roots.len());
    let mut anchor_root: Vec<usize> = Vec::with_capacity(roots.len());
    for (i, der) in root_ders.iter().enumerate() {
        if let Ok(anchor) = anchor_from_trusted_cert(der) {
            anchors.push(anchor);
            anchor_root.push(i);
        }
    }

    let leaf = CertificateDer::from(leaf_der);
    let ee = EndEntityCert::try_from(&leaf).map_err(map_error)?;
    let verify = |usage: KeyUsage| {
        ee.verify_for_usage(
            super::sha1::XP_SIGNATURE_ALGS,
            &anchors,
            &[],
            time,
            usage,
            None,
            None,
        )
    };
    let path = match verify(KeyUsage::client_auth()) {
        Err(e) if is_usage_error(&e) => verify(KeyUsage::server_auth()),
        other => other,
    }
    .map_err(map_error)?;

    // The anchor is one of ours: find which, for the display name.
    let anchor_subject = path.anchor().subject.as_ref();
    peer.root = anchors
        .iter()
        .zip(&anchor_root)
        .find(|(a, _)| a.subject.as_ref() == anchor_subject)
        .and_then(|(_, &i)| roots.get(i))
        .and_then(|der| describe(der).ok())
        .map(|root| root.subject)
        .unwrap_or_default();
    Ok(peer)
}

/// Subject, issuer and thumbprint of a certificate, without validating it
/// (`root` is empty).
pub fn describe(cert_der: &[u8]) -> Result<PeerCertificate, CertError> {
    let (rest, cert) = X509Certificate::from_der(cert_der).map_err(|_| CertError::Malformed)?;
    if !rest.is_empty() {
        return Err(CertError::Malformed);
    }
    let subject = cert.subject();
    Ok(PeerCertificate {
        subject: subject.to_string(),
        subject_der: subject.as_raw().to_vec(),
        issuer: cert.issuer().to_string(),
        root: String::new(),
        thumbprint: Sha1::digest(cert_der).into(),
    })
}

fn is_usage_error(e: &webpki::Error) -> bool {
    // 0.103 reports only the Context form (the bare variant is deprecated).
    matches!(e, webpki::Error::RequiredEkuNotFoundContext(_))
}

fn map_error(e: webpki::Error) -> CertError {
    use webpki::Error as E;
    match e {
        E::BadDer
        | E::BadDerTime
        | E::TrailingData(_)
        | E::UnsupportedCertVersion
        | E::MalformedExtensions
        | E::ExtensionValueInvalid
        | E::InvalidSerialNumber
        | E::InvalidCertValidity => CertError::Malformed,
        E::CertExpired { .. } => CertError::Expired,
        E::CertNotValidYet { .. } => CertError::NotYetValid,
        E::UnknownIssuer => CertError::UntrustedRoot,
        E::InvalidSignatureForPublicKey => CertError::BadSignature,
        E::RequiredEkuNotFoundContext(_) | E::EmptyEkuExtension | E::CaUsedAsEndEntity => {
            CertError::WrongUsage
        }
        other => CertError::Other(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::pki::mint::tests::{lab, DATE};
    use proptest::prelude::*;

    fn corp_roots() -> Vec<Vec<u8>> {
        vec![lab().authority("corp").unwrap().der.clone()]
    }

    #[test]
    fn machine_certificate_validates_against_its_root() {
        let pki = lab();
        let client = pki.certificate("client").unwrap();
        let peer = validate(&client.der, &corp_roots(), DATE).unwrap();
        assert_eq!(peer.subject, "CN=xp-client.corp.test");
        assert_eq!(peer.issuer, "CN=Corp Root CA");
        assert_eq!(peer.root, "CN=Corp Root CA");
        assert_eq!(peer.subject_der, client.subject_der);
        assert_eq!(peer.thumbprint, client.thumbprint);
    }

    #[test]
    fn a_sha256_signature_is_one_xp_cannot_verify() {
        // The same certificate named as signed with sha256WithRSAEncryption
        // (RFC 5280 4.1.1.2): XP before SP3 has no SHA-2 (WINDOWS.md 9).
        let mut der = lab().certificate("client").unwrap().der.clone();
        let sha1 = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x05];
        let mut at = 0;
        while let Some(i) = der[at..].windows(9).position(|w| w == sha1) {
            der[at + i + 8] = 0x0b;
            at += i + 9;
        }
        assert!(validate(&der, &corp_roots(), DATE).is_err());
    }

    #[test]
    fn root_found_among_several() {
        let pki = lab();
        let roots = vec![
            pki.authority("rogue").unwrap().der.clone(),
            vec![0x30, 0x00],
            pki.authority("corp").unwrap().der.clone(),
        ];
        let server = &pki.certificate("server").unwrap().der;
        assert_eq!(
            validate(server, &roots, DATE).unwrap().root,
            "CN=Corp Root CA"
        );
        let outsider = &pki.certificate("outsider").unwrap().der;
        assert_eq!(
            validate(outsider, &roots, DATE).unwrap().root,
            "CN=Rogue Root CA, O=Elsewhere, C=US"
        );
    }

    #[test]
    fn certificate_from_another_root_is_untrusted() {
        let outsider = &lab().certificate("outsider").unwrap().der;
        assert_eq!(
            validate(outsider, &corp_roots(), DATE),
            Err(CertError::UntrustedRoot)
        );
        assert_eq!(validate(outsider, &[], DATE), Err(CertError::UntrustedRoot));
    }

    #[test]
    fn expired_and_not_yet_valid_certificates_fail() {
        let pki = lab();
        let expired = &pki.certificate("expired").unwrap().der;
        assert_eq!(
            validate(expired, &corp_roots(), DATE),
            Err(CertError::Expired)
        );
        let future = &pki.certificate("future").unwrap().der;
        assert_eq!(
            validate(future, &corp_roots(), DATE),
            Err(CertError::NotYetValid)
        );
        // The same certificates are fine inside their validity periods.
        let client = &pki.certificate("client").unwrap().der;
        assert!(validate(future, &corp_roots(), DATE + 2 * 86_400).is_ok());
        assert_eq!(
            validate(client, &corp_roots(), DATE + 2 * 365 * 86_400),
            Err(CertError::Expired)
        );
    }

    #[test]
    fn root_presented_as_peer_certificate_is_wrong_usage() {
        let root = &lab().authority("corp").unwrap().der;
        assert_eq!(
            validate(root, &corp_roots(), DATE),
            Err(CertError::WrongUsage)
        );
    }

    #[test]
    fn tampered_certificate_fails_signature() {
        let pki = lab();
        let mut der = pki.certificate("client").unwrap().der.clone();
        let last = der.len() - 1;
        der[last] ^= 1; // inside the signature value
        assert_eq!(
            validate(&der, &corp_roots(), DATE),
            Err(CertError::BadSignature)
        );
    }

    #[test]
    fn describe_needs_no_trust_and_rejects_every_prefix() {
        let client = &lab().certificate("client").unwrap().der;
        let d = describe(client).unwrap();
        assert_eq!(d.subject, "CN=xp-client.corp.test");
        assert_eq!(d.root, "");
        for n in 0..client.len() {
            assert_eq!(
                describe(&client[..n]),
                Err(CertError::Malformed),
                "prefix {n}"
            );
        }
        let mut long = client.clone();
        long.push(0);
        assert_eq!(describe(&long), Err(CertError::Malformed));
    }

    #[test]
    fn negative_time_is_an_error() {
        let client = &lab().certificate("client").unwrap().der;
        assert!(matches!(
            validate(client, &corp_roots(), -1),
            Err(CertError::Other(_))
        ));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]
        #[test]
        fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
            prop_assert!(describe(&bytes).is_err());
            prop_assert!(validate(&bytes, std::slice::from_ref(&bytes), DATE).is_err());
        }

        #[test]
        fn flipped_bit_never_validates_unnoticed(pos in any::<prop::sample::Index>(), bit in 0u8..8) {
            let mut der = lab().certificate("client").unwrap().der.clone();
            let i = pos.index(der.len());
            der[i] ^= 1 << bit;
            // Some flips land in fields nobody checks strictly (e.g. string
            // tags); the result must still be a clean answer, never a panic,
            // and never the original thumbprint.
            if let Ok(p) = validate(&der, &corp_roots(), DATE) {
                prop_assert_ne!(p.thumbprint, lab().certificate("client").unwrap().thumbprint);
            }
        }
    }
}
