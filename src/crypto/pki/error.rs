//! The PKI layer's error types: `CertError` for why a certificate was not
//! accepted (what IKE reports as 13801 with the reason), `PkiError` for
//! minting and raw RSA failures.

use thiserror::Error;

/// Why a certificate failed parsing or path validation (RFC 5280 6.1).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum CertError {
    /// The bytes are not a well-formed X.509 v3 certificate.
    #[error("malformed certificate")]
    Malformed,
    /// The validation time is after notAfter (RFC 5280 4.1.2.5).
    #[error("certificate expired")]
    Expired,
    /// The validation time is before notBefore (RFC 5280 4.1.2.5).
    #[error("certificate not yet valid")]
    NotYetValid,
    /// No path to any of the trusted roots.
    #[error("certificate chain ends in an untrusted root")]
    UntrustedRoot,
    /// A signature on the path does not verify.
    #[error("bad certificate signature")]
    BadSignature,
    /// The certificate may not be used for IKE (EKU, or a CA used as end entity).
    #[error("certificate not valid for this usage")]
    WrongUsage,
    /// Anything else the validator rejected, with its words.
    #[error("certificate rejected: {0}")]
    Other(String),
}

/// Failures of minting and of raw RSA signing / verification.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum PkiError {
    /// A subject string that is not "TYPE=value, TYPE=value" with known types.
    #[error("bad subject {subject:?}: {detail}")]
    BadSubject {
        subject: String,
        detail: &'static str,
    },
    /// A certificate names an authority that the scenario does not define.
    #[error("unknown authority {0:?}")]
    UnknownAuthority(String),
    /// Two authorities or two certificates share a name.
    #[error("duplicate name {0:?}")]
    DuplicateName(String),
    /// Validity dates outside 1950..9999 or notBefore after notAfter.
    #[error("bad validity period")]
    BadValidity,
    /// One of the fixed keys did not load (a build defect, not an input error).
    #[error("fixed key {index}: {detail}")]
    BadKey { index: usize, detail: String },
    /// rcgen refused to build the certificate.
    #[error("certificate generation failed: {0}")]
    Generate(String),
    /// A certificate given for verification did not parse.
    #[error("bad certificate: {0}")]
    BadCertificate(CertError),
    /// The certificate's public key is not RSA.
    #[error("certificate key is not RSA")]
    NotRsa,
    /// RSA signing failed (hash longer than the modulus allows).
    #[error("RSA signing failed: {0}")]
    Sign(String),
    /// The signature does not verify under the certificate's key.
    #[error("RSA signature does not verify")]
    SignatureInvalid,
}

impl From<CertError> for PkiError {
    fn from(e: CertError) -> Self {
        PkiError::BadCertificate(e)
    }
}
