//! The scenario's PKI: real X.509 v3 certificates minted deterministically
//! from six fixed RSA-2048 keys (DESIGN.md, "Crypto choices"), path
//! validation with rustls-webpki, and the raw RSA signatures of IKEv1 Main
//! Mode (RFC 2409 5.1).
//!
//! Names are display strings in RFC 4514 order as written ("CN=x, O=y"),
//! the way Windows shows them in IKE audit events.

mod error;
mod mint;
mod rsa_raw;
mod sha1;
mod validate;

pub use error::{CertError, PkiError};
/// The tests' minted lab PKI, for other layers' tests (TLS signs with it).
#[cfg(test)]
pub(crate) use mint::tests::lab;
pub use rsa_raw::{public_key, sign_hash_raw, verify_hash_raw};
pub use validate::{describe, validate};

use serde::Deserialize;

use crate::values::Date;

/// A certification authority of the scenario (a self-signed root): an
/// entry of the scenario's `pki.authorities`, whose key is its name.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct AuthoritySpec {
    /// "CN=Corp Root CA"; comma-separated RDNs allowed: "CN=x, O=y".
    pub subject: String,
}

/// A machine certificate of the scenario, issued by one authority: an
/// entry of the scenario's `pki.certificates`, whose key is its name.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct CertificateSpec {
    /// The name of the issuer among the authorities.
    pub authority: String,
    pub subject: String,
    /// Absent: the scenario date - 30 days.
    #[serde(default)]
    pub not_before: Option<Date>,
    /// Absent: the scenario date + 1 year.
    #[serde(default)]
    pub not_after: Option<Date>,
    /// Whether the machine holds the private key (false: 13820 scenarios).
    #[serde(default = "installed_with_key")]
    pub private_key: bool,
}

fn installed_with_key() -> bool {
    true
}

/// Specs with their names, in the scenario's order.
pub type Named<T> = (String, T);

/// A minted root certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authority {
    pub name: String,
    pub der: Vec<u8>,
    /// Display form, "CN=Corp Root CA".
    pub subject: String,
    /// DER `Name` (with its SEQUENCE header), as carried in CERT_REQ payloads.
    pub subject_der: Vec<u8>,
}

/// A minted machine (end-entity) certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MachineCertificate {
    pub name: String,
    pub der: Vec<u8>,
    pub subject: String,
    /// DER `Name` (with its SEQUENCE header), as carried in ID_DER_ASN1_DN.
    pub subject_der: Vec<u8>,
    /// Display form of the issuing authority's subject.
    pub issuer: String,
    /// SHA-1 of the DER, as certutil and the IKE audit events show it.
    pub thumbprint: [u8; 20],
    /// The private key, if the spec asked for it.
    pub key: Option<rsa::RsaPrivateKey>,
}

/// All certificates of one scenario, in spec order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pki {
    authorities: Vec<Authority>,
    certificates: Vec<MachineCertificate>,
}

impl Pki {
    /// Keys: authorities take keys 0,1,2.. in order, certificates continue (mod 6).
    /// Serial numbers (positive, 16 bytes) from `rng`; validity defaults:
    /// roots date-1y .. date+10y, machine certs date-30d .. date+1y.
    /// Machine certs: EKU clientAuth+serverAuth+IKE intermediate (1.3.6.1.5.5.8.2.2),
    /// KU digitalSignature+keyEncipherment; roots: CA:true, KU keyCertSign+cRLSign.
    pub fn mint(
        authorities: &[Named<AuthoritySpec>],
        certificates: &[Named<CertificateSpec>],
        date_unix: i64,
        rng: &mut rand_chacha::ChaCha20Rng,
    ) -> Result<Pki, PkiError> {
        mint::mint(authorities, certificates, date_unix, rng)
    }

    pub fn authority(&self, name: &str) -> Option<&Authority> {
        self.authorities.iter().find(|a| a.name == name)
    }

    pub fn certificate(&self, name: &str) -> Option<&MachineCertificate> {
        self.certificates.iter().find(|c| c.name == name)
    }

    /// All authorities, in spec order.
    pub fn authorities(&self) -> &[Authority] {
        &self.authorities
    }

    /// All machine certificates, in spec order.
    pub fn certificates(&self) -> &[MachineCertificate] {
        &self.certificates
    }
}

/// What a validated (or merely described) peer certificate says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerCertificate {
    pub subject: String,
    /// DER `Name` with its SEQUENCE header.
    pub subject_der: Vec<u8>,
    pub issuer: String,
    /// Display subject of the trusted root the path ended in ("" from `describe`).
    pub root: String,
    /// SHA-1 of the certificate DER.
    pub thumbprint: [u8; 20],
}
