//! A scenario's certificates for real peers: the same minted authorities
//! and machine certificates our machines use, as DER files strongSwan's
//! swanctl loads (`x509ca/`, `x509/`, keys as PKCS#1 in `rsa/`).

use std::io;
use std::path::{Path, PathBuf};

use l2tpsec::crypto::pki::Pki;
use rsa::pkcs1::EncodeRsaPrivateKey;

/// Where each file went.
#[derive(Debug, Default, Clone)]
pub struct Exported {
    /// (authority name, certificate file)
    pub authorities: Vec<(String, PathBuf)>,
    /// (certificate name, certificate file, private key file if any)
    pub certificates: Vec<(String, PathBuf, Option<PathBuf>)>,
}

/// Writes `pki` under `dir`: `x509ca/<name>.der`, `x509/<name>.der`,
/// `rsa/<name>.der`.
pub fn write_pki(pki: &Pki, dir: &Path) -> io::Result<Exported> {
    let mut out = Exported::default();
    for sub in ["x509ca", "x509", "rsa"] {
        std::fs::create_dir_all(dir.join(sub))?;
    }
    for a in pki.authorities() {
        let path = dir.join("x509ca").join(format!("{}.der", a.name));
        std::fs::write(&path, &a.der)?;
        out.authorities.push((a.name.clone(), path));
    }
    for c in pki.certificates() {
        let path = dir.join("x509").join(format!("{}.der", c.name));
        std::fs::write(&path, &c.der)?;
        let key = match &c.key {
            Some(k) => {
                let der = k.to_pkcs1_der().map_err(io::Error::other)?;
                let key_path = dir.join("rsa").join(format!("{}.der", c.name));
                std::fs::write(&key_path, der.as_bytes())?;
                Some(key_path)
            }
            None => None,
        };
        out.certificates.push((c.name.clone(), path, key));
    }
    Ok(out)
}
