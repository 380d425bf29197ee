//! RSA key exchange as TLS 1.0 does it (RFC 2246 7.4.7.1, 7.4.8): the
//! client's pre-master secret, sealed to the server's certificate key with
//! PKCS#1 v1.5 type 2 padding (RFC 2313 8.1), and the 36 bytes a client
//! certificate signs in CertificateVerify. The padding's random octets
//! come from the machine's seeded generator (the rsa crate's own
//! encryption wants another rand_core), the RSA operation from the rsa
//! crate's key.

use md5::Md5;
use rand_core::RngCore;
use rsa::traits::PublicKeyParts;
use rsa::{BigUint, Pkcs1v15Encrypt, RsaPrivateKey, RsaPublicKey};
use sha1::{Digest, Sha1};

use super::error::TlsError;

/// RFC 2246 7.4.7.1: client_version, then 46 random bytes.
pub const PRE_MASTER_LEN: usize = 48;

/// The pre-master secret of a client that offered `version`.
pub fn pre_master_secret(version: u16, rng: &mut impl RngCore) -> [u8; PRE_MASTER_LEN] {
    let mut out = [0u8; PRE_MASTER_LEN];
    out[..2].copy_from_slice(&version.to_be_bytes());
    rng.fill_bytes(&mut out[2..]);
    out
}

/// EM = 00 02 PS 00 M, PS at least eight non-zero random octets (RFC 2313
/// 8.1), then EM^e mod n, as long as the modulus.
pub fn encrypt_pre_master(
    key: &RsaPublicKey,
    pre_master: &[u8; PRE_MASTER_LEN],
    rng: &mut impl RngCore,
) -> Result<Vec<u8>, TlsError> {
    let k = key.size();
    if k < PRE_MASTER_LEN + 11 {
        return Err(TlsError::KeyTooSmall(k));
    }
    let mut em = vec![0u8; k];
    em[1] = 2;
    let ps_end = k - PRE_MASTER_LEN - 1;
    for b in &mut em[2..ps_end] {
        while *b == 0 {
            let mut one = [0u8; 1];
            rng.fill_bytes(&mut one);
            *b = one[0];
        }
    }
    em[k - PRE_MASTER_LEN..].copy_from_slice(pre_master);
    let c = BigUint::from_bytes_be(&em).modpow(key.e(), key.n());
    let bytes = c.to_bytes_be();
    let mut out = vec![0u8; k - bytes.len()];
    out.extend_from_slice(&bytes);
    Ok(out)
}

/// The pre-master secret in `sealed`, or `None` when it does not open to
/// 48 bytes: RFC 2246 7.4.7.1 then has the server go on with a random one,
/// so the handshake fails at Finished, not here.
pub fn decrypt_pre_master(key: &RsaPrivateKey, sealed: &[u8]) -> Option<[u8; PRE_MASTER_LEN]> {
    let m = key.decrypt(Pkcs1v15Encrypt, sealed).ok()?;
    m.try_into().ok()
}

/// RFC 2246 7.4.8: MD5 then SHA-1 of every handshake message before
/// CertificateVerify, signed raw (PKCS#1 type 1, no DigestInfo).
pub fn certificate_verify_hash(handshake: &[u8]) -> [u8; 36] {
    let mut out = [0u8; 36];
    out[..16].copy_from_slice(&Md5::digest(handshake));
    out[16..].copy_from_slice(&Sha1::digest(handshake));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::pki::{lab, sign_hash_raw, verify_hash_raw};
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;

    #[test]
    fn the_server_opens_what_the_client_sealed() {
        let server = lab().certificate("client").unwrap();
        let key = server.key.clone().unwrap();
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        let pm = pre_master_secret(0x0301, &mut rng);
        assert_eq!(&pm[..2], &[3, 1]);
        let sealed = encrypt_pre_master(&key.to_public_key(), &pm, &mut rng).unwrap();
        assert_eq!(sealed.len(), 256);
        assert_eq!(decrypt_pre_master(&key, &sealed), Some(pm));
        // Seeded: the same seed seals the same bytes.
        let mut again = ChaCha20Rng::seed_from_u64(1);
        let pm2 = pre_master_secret(0x0301, &mut again);
        assert_eq!(
            encrypt_pre_master(&key.to_public_key(), &pm2, &mut again).unwrap(),
            sealed
        );
        // A damaged ciphertext does not open to 48 bytes.
        let mut tampered = sealed.clone();
        tampered[100] ^= 1;
        assert_eq!(decrypt_pre_master(&key, &tampered), None);
    }

    #[test]
    fn certificate_verify_signs_md5_then_sha1() {
        let client = lab().certificate("client").unwrap();
        let hash = certificate_verify_hash(b"handshake messages");
        // The same MD5 and SHA-1 the Finished vectors use (prf.rs).
        assert_eq!(
            hex::encode(hash),
            "0da4ff060eb53fcd3916e769f1f469c83e7c6d08513821631ab94d35d5539f3531f25eff"
        );
        let sig = sign_hash_raw(client.key.as_ref().unwrap(), &hash).unwrap();
        verify_hash_raw(&client.der, &hash, &sig).unwrap();
    }
}
