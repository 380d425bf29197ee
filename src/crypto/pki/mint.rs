//! Minting the scenario's certificates with rcgen from the fixed keys.
//! Every byte is a function of the specs, the date and the rng: the keys
//! are fixed, serials come from the rng, and RSA PKCS#1 v1.5 signatures
//! (RFC 8017 8.2) are deterministic.

use core::time::Duration;

use rand_chacha::ChaCha20Rng;
use rand_core::RngCore;
use rcgen::{
    date_time_ymd, BasicConstraints, Certificate, CertificateParams, DistinguishedName, DnType,
    DnValue, ExtendedKeyUsagePurpose, IsCa, KeyPair, KeyUsagePurpose, SerialNumber,
    PKCS_RSA_SHA256,
};
use rsa::pkcs8::DecodePrivateKey;

use super::error::PkiError;
use super::{Authority, AuthoritySpec, CertificateSpec, MachineCertificate, Named, Pki};
use crate::values::Date;

/// The six lab keys (keys/README.md), PKCS#8 PEM.
const FIXED_KEYS: [&str; 6] = [
    include_str!("../../../keys/rsa2048-0.pk8.pem"),
    include_str!("../../../keys/rsa2048-1.pk8.pem"),
    include_str!("../../../keys/rsa2048-2.pk8.pem"),
    include_str!("../../../keys/rsa2048-3.pk8.pem"),
    include_str!("../../../keys/rsa2048-4.pk8.pem"),
    include_str!("../../../keys/rsa2048-5.pk8.pem"),
];

const DAY: i64 = 86_400;
const YEAR: i64 = 365 * DAY;

/// Root validity around the scenario date.
const ROOT_BEFORE: i64 = YEAR;
const ROOT_AFTER: i64 = 10 * YEAR;
/// Machine certificate validity around the scenario date.
const MACHINE_BEFORE: i64 = 30 * DAY;
const MACHINE_AFTER: i64 = YEAR;

/// RFC 4945 5.1.3.12: id-kp-ipsecIKE-intermediate ("IP security IKE intermediate").
const EKU_IKE_INTERMEDIATE: [u64; 9] = [1, 3, 6, 1, 5, 5, 8, 2, 2];
/// RFC 4519 2.4: domainComponent.
const OID_DOMAIN_COMPONENT: [u64; 7] = [0, 9, 2342, 19200300, 100, 1, 25];

/// Earliest and latest instants X.509 times can carry (RFC 5280 4.1.2.5):
/// 1950-01-01T00:00:00Z and 9999-12-31T23:59:59Z.
const MIN_TIME: i64 = -631_152_000;
const MAX_TIME: i64 = 253_402_300_799;

/// Serial length in bytes; RFC 5280 4.1.2.2 allows up to 20.
const SERIAL_LEN: usize = 16;

pub(super) fn mint(
    authorities: &[Named<AuthoritySpec>],
    certificates: &[Named<CertificateSpec>],
    date_unix: i64,
    rng: &mut ChaCha20Rng,
) -> Result<Pki, PkiError> {
    check_unique(authorities.iter().map(|(name, _)| name.as_str()))?;
    check_unique(certificates.iter().map(|(name, _)| name.as_str()))?;

    let mut issuers: Vec<(Certificate, KeyPair)> = Vec::with_capacity(authorities.len());
    let mut out_authorities = Vec::with_capacity(authorities.len());
    for (i, (name, spec)) in authorities.iter().enumerate() {
        let key = rcgen_key(i % FIXED_KEYS.len())?;
        let mut params = CertificateParams::default();
        params.distinguished_name = distinguished_name(&spec.subject)?;
        params.serial_number = Some(serial(rng));
        set_validity(
            &mut params,
            date_unix.saturating_sub(ROOT_BEFORE),
            date_unix.saturating_add(ROOT_AFTER),
        )?;
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let cert = params.self_signed(&key).map_err(generate)?;
        let der = super::sha1::resign(cert.der(), &rsa_key(i % FIXED_KEYS.len())?)?;
        let described = super::describe(&der)?;
        out_authorities.push(Authority {
            name: name.clone(),
            der,
            subject: described.subject,
            subject_der: described.subject_der,
        });
        issuers.push((cert, key));
    }

    let mut out_certificates = Vec::with_capacity(certificates.len());
    for (j, (name, spec)) in certificates.iter().enumerate() {
        let index = (authorities.len() + j) % FIXED_KEYS.len();
        let issuer_index = authorities
            .iter()
            .position(|(a, _)| *a == spec.authority)
            .ok_or_else(|| PkiError::UnknownAuthority(spec.authority.clone()))?;
        let (issuer_cert, issuer_key) = issuers
            .get(issuer_index)
            .ok_or_else(|| PkiError::UnknownAuthority(spec.authority.clone()))?;
        let not_before = spec
            .not_before
            .map_or(date_unix.saturating_sub(MACHINE_BEFORE), Date::unix_seconds);
        let not_after = spec
            .not_after
            .map_or(date_unix.saturating_add(MACHINE_AFTER), Date::unix_seconds);
        let key = rcgen_key(index)?;
        let mut params = CertificateParams::default();
        params.distinguished_name = distinguished_name(&spec.subject)?;
        params.serial_number = Some(serial(rng));
        set_validity(&mut params, not_before, not_after)?;
        params.is_ca = IsCa::NoCa;
        params.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyEncipherment,
        ];
        params.extended_key_usages = vec![
            ExtendedKeyUsagePurpose::ClientAuth,
            ExtendedKeyUsagePurpose::ServerAuth,
            ExtendedKeyUsagePurpose::Other(EKU_IKE_INTERMEDIATE.to_vec()),
        ];
        params.use_authority_key_identifier_extension = true;
        let cert = params
            .signed_by(&key, issuer_cert, issuer_key)
            .map_err(generate)?;
        let der = super::sha1::resign(cert.der(), &rsa_key(issuer_index % FIXED_KEYS.len())?)?;
        let described = super::describe(&der)?;
        let private = if spec.private_key {
            Some(rsa_key(index)?)
        } else {
            None
        };
        out_certificates.push(MachineCertificate {
            name: name.clone(),
            der,
            subject: described.subject,
            subject_der: described.subject_der,
            issuer: described.issuer,
            thumbprint: described.thumbprint,
            key: private,
        });
    }

    Ok(Pki {
        authorities: out_authorities,
        certificates: out_certificates,
    })
}

/// The fixed key `index` as an rsa-crate private key (for IKE signing).
pub(super) fn rsa_key(index: usize) -> Result<rsa::RsaPrivateKey, PkiError> {
    let pem = FIXED_KEYS.get(index).ok_or(PkiError::BadKey {
        index,
        detail: "no such key".into(),
    })?;
    rsa::RsaPrivateKey::from_pkcs8_pem(pem).map_err(|e| PkiError::BadKey {
        index,
        detail: e.to_string(),
    })
}

/// The fixed key `index` for rcgen, which only lays the certificate out:
/// its "signature" is a placeholder of the right length, and
/// `sha1::resign` signs once, with SHA-1, so minting costs one RSA
/// signature per certificate.
fn rcgen_key(index: usize) -> Result<KeyPair, PkiError> {
    let pem = FIXED_KEYS.get(index).ok_or(PkiError::BadKey {
        index,
        detail: "no such key".into(),
    })?;
    let bad = |e: rcgen::Error| PkiError::BadKey {
        index,
        detail: e.to_string(),
    };
    let real = KeyPair::from_pkcs8_pem_and_sign_algo(pem, &PKCS_RSA_SHA256).map_err(bad)?;
    KeyPair::from_remote(Box::new(Placeholder {
        public_key: real.public_key_raw().to_vec(),
    }))
    .map_err(bad)
}

/// RSA-2048 signatures are 256 octets (RFC 8017 8.2.1).
const RSA2048_SIGNATURE_LEN: usize = 256;

/// A key that "signs" with zeros: the real signature comes after.
struct Placeholder {
    public_key: Vec<u8>,
}

impl rcgen::RemoteKeyPair for Placeholder {
    fn public_key(&self) -> &[u8] {
        &self.public_key
    }

    fn sign(&self, _msg: &[u8]) -> Result<Vec<u8>, rcgen::Error> {
        Ok(vec![0; RSA2048_SIGNATURE_LEN])
    }

    fn algorithm(&self) -> &'static rcgen::SignatureAlgorithm {
        &PKCS_RSA_SHA256
    }
}

fn generate(e: rcgen::Error) -> PkiError {
    PkiError::Generate(e.to_string())
}

fn check_unique<'a>(names: impl Iterator<Item = &'a str>) -> Result<(), PkiError> {
    let mut seen: Vec<&str> = Vec::new();
    for name in names {
        if seen.contains(&name) {
            return Err(PkiError::DuplicateName(name.to_string()));
        }
        seen.push(name);
    }
    Ok(())
}

/// RFC 5280 4.1.2.2: positive, non-zero; a fixed length keeps DER sizes
/// independent of the seed (no leading zero byte, top bit clear).
fn serial(rng: &mut ChaCha20Rng) -> SerialNumber {
    let mut bytes = [0u8; SERIAL_LEN];
    rng.fill_bytes(&mut bytes);
    bytes[0] = (bytes[0] & 0x7f) | 0x40;
    SerialNumber::from_slice(&bytes)
}

/// Sets notBefore / notAfter (RFC 5280 4.1.2.5) from unix seconds.
/// rcgen does not re-export `time`, so its date type stays unnamed here.
fn set_validity(
    params: &mut CertificateParams,
    not_before: i64,
    not_after: i64,
) -> Result<(), PkiError> {
    let in_range = |t: i64| (MIN_TIME..=MAX_TIME).contains(&t);
    if !in_range(not_before) || !in_range(not_after) || not_before > not_after {
        return Err(PkiError::BadValidity);
    }
    let epoch = date_time_ymd(1970, 1, 1);
    let at = |unix: i64| {
        let offset = Duration::from_secs(unix.unsigned_abs());
        if unix >= 0 {
            epoch + offset
        } else {
            epoch - offset
        }
    };
    params.not_before = at(not_before);
    params.not_after = at(not_after);
    Ok(())
}

/// "CN=x, O=y" -> RDNs in the order written (one attribute each).
/// Values may not contain commas (no RFC 4514 escaping: lab names only).
fn distinguished_name(subject: &str) -> Result<DistinguishedName, PkiError> {
    let bad = |detail| PkiError::BadSubject {
        subject: subject.to_string(),
        detail,
    };
    let mut dn = DistinguishedName::new();
    let mut seen: Vec<DnType> = Vec::new();
    for part in subject.split(',') {
        let (ty, value) = part.split_once('=').ok_or_else(|| bad("missing '='"))?;
        let value = value.trim();
        if value.is_empty() {
            return Err(bad("empty value"));
        }
        let (ty, value) = match ty.trim().to_ascii_uppercase().as_str() {
            "CN" => (DnType::CommonName, DnValue::from(value)),
            "O" => (DnType::OrganizationName, DnValue::from(value)),
            "OU" => (DnType::OrganizationalUnitName, DnValue::from(value)),
            "L" => (DnType::LocalityName, DnValue::from(value)),
            "ST" => (DnType::StateOrProvinceName, DnValue::from(value)),
            // RFC 5280 Appendix A: countryName is a PrintableString of 2.
            "C" => (
                DnType::CountryName,
                DnValue::PrintableString(
                    value
                        .try_into()
                        .map_err(|_| bad("country is not printable"))?,
                ),
            ),
            // RFC 4519 2.4: domainComponent is an IA5String.
            "DC" => (
                DnType::CustomDnType(OID_DOMAIN_COMPONENT.to_vec()),
                DnValue::Ia5String(value.try_into().map_err(|_| bad("DC is not ASCII"))?),
            ),
            _ => return Err(bad("unknown attribute type")),
        };
        // rcgen keeps one value per attribute type.
        if seen.contains(&ty) {
            return Err(bad("repeated attribute type"));
        }
        seen.push(ty.clone());
        dn.push(ty, value);
    }
    Ok(dn)
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use rand_core::SeedableRng;
    use std::sync::OnceLock;
    use x509_parser::prelude::{FromDer, X509Certificate};

    /// 2024-03-01T00:00:00Z.
    pub(crate) const DATE: i64 = 1_709_251_200;

    pub(crate) fn authority(name: &str, subject: &str) -> Named<AuthoritySpec> {
        (
            name.into(),
            AuthoritySpec {
                subject: subject.into(),
            },
        )
    }

    pub(crate) fn machine(name: &str, authority: &str, subject: &str) -> Named<CertificateSpec> {
        (
            name.into(),
            CertificateSpec {
                authority: authority.into(),
                subject: subject.into(),
                not_before: None,
                not_after: None,
                private_key: true,
            },
        )
    }

    pub(crate) fn at(unix_seconds: i64) -> Option<Date> {
        Some(Date::from_unix_seconds(unix_seconds))
    }

    pub(crate) fn specs() -> (Vec<Named<AuthoritySpec>>, Vec<Named<CertificateSpec>>) {
        let authorities = vec![
            authority("corp", "CN=Corp Root CA"),
            authority("rogue", "CN=Rogue Root CA, O=Elsewhere, C=US"),
        ];
        let mut expired = machine("expired", "corp", "CN=old.corp.test");
        expired.1.not_before = at(DATE - 3 * YEAR);
        expired.1.not_after = at(DATE - YEAR);
        let mut future = machine("future", "corp", "CN=future.corp.test");
        future.1.not_before = at(DATE + DAY);
        let mut keyless = machine("keyless", "corp", "CN=keyless.corp.test");
        keyless.1.private_key = false;
        let certificates = vec![
            machine("client", "corp", "CN=xp-client.corp.test"),
            machine("server", "corp", "CN=vpn.corp.test, OU=Servers, O=Corp"),
            machine("outsider", "rogue", "CN=xp-client.corp.test"),
            expired,
            future,
            keyless,
        ];
        (authorities, certificates)
    }

    pub(crate) fn mint_seed(seed: u64) -> Pki {
        let (a, c) = specs();
        Pki::mint(&a, &c, DATE, &mut ChaCha20Rng::seed_from_u64(seed)).unwrap()
    }

    /// One shared fixture: minting costs 8 RSA signatures.
    pub(crate) fn lab() -> &'static Pki {
        static LAB: OnceLock<Pki> = OnceLock::new();
        LAB.get_or_init(|| mint_seed(7))
    }

    pub(crate) fn lab_der() -> &'static Vec<u8> {
        &lab().certificate("client").unwrap().der
    }

    /// RFC 5280 4.1.1.3 checked with the rsa crate, independently of
    /// webpki: SHA-1, as the XP / Server 2003 era signed (WINDOWS.md 9).
    fn verify_rsa_sha1(cert: &X509Certificate<'_>, issuer: &X509Certificate<'_>) {
        use rsa::pkcs8::DecodePublicKey;
        use sha1::{Digest, Sha1};
        let key = rsa::RsaPublicKey::from_public_key_der(issuer.public_key().raw).unwrap();
        let digest = Sha1::digest(cert.tbs_certificate.as_ref());
        key.verify(
            rsa::Pkcs1v15Sign::new::<Sha1>(),
            &digest,
            &cert.signature_value.data,
        )
        .unwrap();
    }

    #[test]
    fn same_seed_mints_identical_der() {
        let again = mint_seed(7);
        assert_eq!(&again, lab());
        let other = mint_seed(8);
        let a = &lab().certificate("client").unwrap().der;
        let b = &other.certificate("client").unwrap().der;
        assert_ne!(a, b, "serials come from the rng");
        assert_eq!(a.len(), b.len(), "fixed-length serials");
    }

    #[test]
    fn subjects_display_in_written_order() {
        let pki = lab();
        let corp = pki.authority("corp").unwrap();
        assert_eq!(corp.subject, "CN=Corp Root CA");
        assert_eq!(
            pki.authority("rogue").unwrap().subject,
            "CN=Rogue Root CA, O=Elsewhere, C=US"
        );
        let client = pki.certificate("client").unwrap();
        assert_eq!(client.subject, "CN=xp-client.corp.test");
        assert_eq!(client.issuer, "CN=Corp Root CA");
        assert_eq!(
            pki.certificate("server").unwrap().subject,
            "CN=vpn.corp.test, OU=Servers, O=Corp"
        );
        // DER Name: SEQUENCE { SET { SEQUENCE { 2.5.4.3, UTF8String } } }
        assert_eq!(
            corp.subject_der,
            [
                &hex::decode("30173115301306035504030c0c").unwrap()[..],
                b"Corp Root CA"
            ]
            .concat()
        );
    }

    #[test]
    fn keys_follow_spec_order() {
        let pki = lab();
        use rsa::traits::PublicKeyParts;
        // Authorities take keys 0, 1; certificates continue at 2 and wrap mod 6.
        for (j, cert) in pki.certificates().iter().enumerate() {
            let expected = rsa_key((2 + j) % 6).unwrap().to_public_key();
            let actual = crate::crypto::pki::public_key(&cert.der).unwrap();
            assert_eq!(actual.n(), expected.n(), "certificate {j}");
            match &cert.key {
                Some(k) => assert_eq!(k.to_public_key(), expected),
                None => assert_eq!(cert.name, "keyless"),
            }
        }
        let root = crate::crypto::pki::public_key(&pki.authority("rogue").unwrap().der).unwrap();
        assert_eq!(root, rsa_key(1).unwrap().to_public_key());
    }

    #[test]
    fn machine_certificate_is_x509_v3_with_ike_extensions() {
        use x509_parser::extensions::ParsedExtension;
        let pki = lab();
        let client = pki.certificate("client").unwrap();
        let (rest, cert) = X509Certificate::from_der(&client.der).unwrap();
        assert!(rest.is_empty());
        assert_eq!(cert.version().0, 2, "v3");
        assert_eq!(
            cert.signature_algorithm.algorithm.to_id_string(),
            "1.2.840.113549.1.1.5"
        );
        let serial = cert.raw_serial();
        assert_eq!(serial.len(), SERIAL_LEN);
        assert!(serial[0] & 0x80 == 0 && serial[0] != 0);
        assert_eq!(
            cert.validity().not_before.timestamp(),
            DATE - MACHINE_BEFORE
        );
        assert_eq!(cert.validity().not_after.timestamp(), DATE + MACHINE_AFTER);
        let eku = cert.extended_key_usage().unwrap().unwrap().value;
        assert!(eku.client_auth && eku.server_auth);
        assert_eq!(eku.other.len(), 1);
        assert_eq!(eku.other[0].to_id_string(), "1.3.6.1.5.5.8.2.2");
        let ku = cert.key_usage().unwrap().unwrap().value;
        assert!(ku.digital_signature() && ku.key_encipherment() && !ku.key_cert_sign());
        assert!(cert
            .basic_constraints()
            .unwrap()
            .is_none_or(|bc| !bc.value.ca));
        assert!(cert.extensions().iter().any(|e| matches!(
            e.parsed_extension(),
            ParsedExtension::AuthorityKeyIdentifier(_)
        )));
        let sha1: [u8; 20] =
            sha1::Digest::finalize(<sha1::Sha1 as sha1::Digest>::new_with_prefix(&client.der))
                .into();
        assert_eq!(client.thumbprint, sha1);
        // The issuer verifies the signature.
        let (_, root) = X509Certificate::from_der(&pki.authority("corp").unwrap().der).unwrap();
        verify_rsa_sha1(&cert, &root);
    }

    #[test]
    fn root_is_self_signed_ca() {
        let pki = lab();
        let der = &pki.authority("corp").unwrap().der;
        let (_, cert) = X509Certificate::from_der(der).unwrap();
        assert_eq!(cert.version().0, 2);
        assert!(cert.basic_constraints().unwrap().unwrap().value.ca);
        let ku = cert.key_usage().unwrap().unwrap().value;
        assert!(ku.key_cert_sign() && ku.crl_sign() && !ku.digital_signature());
        assert_eq!(cert.validity().not_before.timestamp(), DATE - ROOT_BEFORE);
        assert_eq!(cert.validity().not_after.timestamp(), DATE + ROOT_AFTER);
        verify_rsa_sha1(&cert, &cert);
    }

    #[test]
    fn bad_specs_are_errors() {
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        let corp = [authority("corp", "CN=Corp Root CA")];
        let m = |subject: &str| [machine("m", "corp", subject)];
        assert_eq!(
            Pki::mint(&corp, &[machine("m", "nope", "CN=m")], DATE, &mut rng),
            Err(PkiError::UnknownAuthority("nope".into()))
        );
        for subject in ["", "CN", "CN=", "XX=y", "CN=a, CN=b", "C=\u{e9}"] {
            assert!(
                matches!(
                    Pki::mint(&corp, &m(subject), DATE, &mut rng),
                    Err(PkiError::BadSubject { .. })
                ),
                "{subject:?}"
            );
        }
        let mut backwards = machine("m", "corp", "CN=m");
        backwards.1.not_before = at(DATE);
        backwards.1.not_after = at(DATE - 1);
        assert_eq!(
            Pki::mint(&corp, &[backwards], DATE, &mut rng),
            Err(PkiError::BadValidity)
        );
        assert_eq!(
            Pki::mint(&corp, &[], i64::MAX, &mut rng),
            Err(PkiError::BadValidity)
        );
        assert_eq!(
            Pki::mint(&[corp[0].clone(), corp[0].clone()], &[], DATE, &mut rng),
            Err(PkiError::DuplicateName("corp".into()))
        );
    }

    #[test]
    fn domain_components_and_pre_1970_dates_mint() {
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        let corp = [authority("corp", "CN=Corp Root CA, DC=corp")];
        let mut old = machine("m", "corp", "cn=m, o=x");
        old.1.not_before = at(-DAY);
        let pki = Pki::mint(&corp, &[old], DATE, &mut rng).unwrap();
        assert_eq!(
            pki.authority("corp").unwrap().subject,
            "CN=Corp Root CA, DC=corp"
        );
        let m = pki.certificate("m").unwrap();
        assert_eq!(m.subject, "CN=m, O=x");
        let (_, cert) = X509Certificate::from_der(&m.der).unwrap();
        assert_eq!(cert.validity().not_before.timestamp(), -DAY);
    }
}
