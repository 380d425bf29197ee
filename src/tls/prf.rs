//! The TLS 1.0 pseudo-random function (RFC 2246 5) and what is derived
//! with it: the master secret (8.1), the key block (6.3), Finished's
//! verify_data (7.4.9), and EAP-TLS's keying material with the MPPE keys
//! taken from it (RFC 2716 3.5, RFC 5216 2.3; WINDOWS.md 10).

use hmac::digest::core_api::BlockSizeUser;
use hmac::digest::Digest;
use hmac::{Mac, SimpleHmac};
use md5::Md5;
use sha1::Sha1;

/// RFC 2246 8.1: the master secret is always 48 bytes.
pub const MASTER_SECRET_LEN: usize = 48;
/// RFC 2246 7.4.9: verify_data is 12 bytes.
pub const VERIFY_DATA_LEN: usize = 12;
/// The random values of ClientHello and ServerHello (RFC 2246 7.4.1.2).
pub type Random = [u8; 32];

/// HMAC(key, parts joined) (RFC 2104) with hash `D`: the PRF's and the
/// record MAC's (RFC 2246 5, 6.2.3.1).
pub(crate) fn hmac<D>(key: &[u8], parts: &[&[u8]]) -> Vec<u8>
where
    D: Digest + BlockSizeUser + Clone,
{
    // HMAC takes a key of any length (RFC 2104 2).
    let mut m = <SimpleHmac<D> as Mac>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
    for p in parts {
        m.update(p);
    }
    m.finalize().into_bytes().to_vec()
}

/// XORs P_hash(secret, seed) (RFC 2246 5) into `out`:
/// HMAC(secret, A(1) + seed) + HMAC(secret, A(2) + seed) + ..., with
/// A(0) = seed and A(i) = HMAC(secret, A(i-1)).
fn xor_p_hash<D>(secret: &[u8], seed: &[&[u8]], out: &mut [u8])
where
    D: Digest + BlockSizeUser + Clone,
{
    let mut a = hmac::<D>(secret, seed);
    let mut filled = 0;
    while filled < out.len() {
        let mut parts: Vec<&[u8]> = vec![&a];
        parts.extend_from_slice(seed);
        let block = hmac::<D>(secret, &parts);
        for (o, b) in out[filled..].iter_mut().zip(&block) {
            *o ^= b;
        }
        filled += block.len();
        a = hmac::<D>(secret, &[&a]);
    }
}

/// PRF(secret, label, seed) = P_MD5(S1, label + seed) XOR
/// P_SHA-1(S2, label + seed), S1 and S2 the two halves of the secret,
/// sharing its middle byte when its length is odd (RFC 2246 5). Fills
/// `out`.
pub fn prf(secret: &[u8], label: &[u8], seed: &[&[u8]], out: &mut [u8]) {
    let half = secret.len().div_ceil(2);
    let s1 = &secret[..half];
    let s2 = &secret[secret.len() - half..];
    let mut parts: Vec<&[u8]> = vec![label];
    parts.extend_from_slice(seed);
    out.fill(0);
    xor_p_hash::<Md5>(s1, &parts, out);
    xor_p_hash::<Sha1>(s2, &parts, out);
}

/// master_secret = PRF(pre_master_secret, "master secret",
/// ClientHello.random + ServerHello.random)[0..47] (RFC 2246 8.1).
pub fn master_secret(pre_master: &[u8], client: &Random, server: &Random) -> [u8; 48] {
    let mut out = [0u8; MASTER_SECRET_LEN];
    prf(pre_master, b"master secret", &[client, server], &mut out);
    out
}

/// key_block = PRF(master_secret, "key expansion", server_random +
/// client_random), as long as the suite needs (RFC 2246 6.3): the MAC
/// secrets, the keys and the IVs, client's before server's.
pub fn key_block(master: &[u8; 48], client: &Random, server: &Random, len: usize) -> Vec<u8> {
    let mut out = vec![0u8; len];
    prf(master, b"key expansion", &[server, client], &mut out);
    out
}

/// Whose Finished message (RFC 2246 7.4.9).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sender {
    Client,
    Server,
}

/// verify_data = PRF(master_secret, finished_label, MD5(handshake) plus
/// SHA-1(handshake))[0..11] (RFC 2246 7.4.9), the hashes over every
/// handshake message before this Finished.
pub fn verify_data(master: &[u8; 48], sender: Sender, handshake: &[u8]) -> [u8; 12] {
    let label: &[u8] = match sender {
        Sender::Client => b"client finished",
        Sender::Server => b"server finished",
    };
    let md5 = Md5::digest(handshake);
    let sha1 = Sha1::digest(handshake);
    let mut out = [0u8; VERIFY_DATA_LEN];
    prf(master, label, &[&md5, &sha1], &mut out);
    out
}

/// The MPPE master keys EAP-TLS hands to PPP (RFC 2716 3.5, RFC 5216 2.3):
/// Key_Material = PRF(master_secret, "client EAP encryption",
/// client.random + server.random); its first 32 octets are
/// MS-MPPE-Recv-Key, the next 32 MS-MPPE-Send-Key, both named from the
/// authenticator's side (FreeRADIUS; pppd's eap-tls.c; WINDOWS.md 10).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EapTlsKeys {
    /// What the server receives with and the client sends with.
    pub ms_mppe_recv_key: [u8; 32],
    /// What the server sends with and the client receives with.
    pub ms_mppe_send_key: [u8; 32],
}

impl EapTlsKeys {
    pub fn derive(master: &[u8; 48], client: &Random, server: &Random) -> Self {
        let mut material = [0u8; 64];
        prf(
            master,
            b"client EAP encryption",
            &[client, server],
            &mut material,
        );
        let mut recv = [0u8; 32];
        let mut send = [0u8; 32];
        recv.copy_from_slice(&material[..32]);
        send.copy_from_slice(&material[32..]);
        EapTlsKeys {
            ms_mppe_recv_key: recv,
            ms_mppe_send_key: send,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The expected bytes below are an independent recomputation: OpenSSL
    // 3's TLS1-PRF with digest MD5-SHA1, e.g. `openssl kdf -keylen 48
    // -kdfopt digest:MD5-SHA1 -kdfopt hexsecret:<pre-master> -kdfopt
    // seed:"master secret" -kdfopt hexseed:<client><server> TLS1-PRF`.

    fn bytes(from: u8, n: u8) -> Vec<u8> {
        (0..n).map(|i| from + i).collect()
    }

    fn randoms() -> (Random, Random) {
        let mut c = [0u8; 32];
        let mut s = [0u8; 32];
        c.copy_from_slice(&bytes(0x40, 32));
        s.copy_from_slice(&bytes(0x80, 32));
        (c, s)
    }

    const MASTER: &str = "3b72140af74bdf7907992fc157473c645448f17cdefeb4bef081ba0f98ef8267\
                          24af941cae89bb4da1fc7168c150455e";

    fn master() -> [u8; 48] {
        let (c, s) = randoms();
        master_secret(&bytes(0, 48), &c, &s)
    }

    #[test]
    fn the_master_secret_is_openssls() {
        assert_eq!(hex::encode(master()), MASTER);
    }

    #[test]
    fn an_odd_secret_shares_its_middle_byte() {
        let mut out = [0u8; 20];
        prf(&[1, 2, 3, 4, 5], b"test label", &[&[0xca, 0xfe]], &mut out);
        assert_eq!(hex::encode(out), "4b11609184c6b306ac3c4f27d5de1a76ad3407d7");
    }

    #[test]
    fn the_key_block_is_openssls() {
        let (c, s) = randoms();
        // 104 bytes: RC4-128-SHA's two MAC secrets and two keys, and more.
        let block = key_block(&master(), &c, &s, 104);
        assert_eq!(
            hex::encode(block),
            "880a1b65ae7cc1516f5c5cb2bacec5b6539bebabdfbcc8564c3c180cbd1070b0\
             913e4954a54db0d240a7c3aa0dda83dada3093c914a9020d77f291ed9f07163d\
             9e1611facdbbfc19ed6727637818d4857c7ae0c763c869b7301dcc016f3a613a\
             a7e45e6f3fdebfb2"
        );
    }

    #[test]
    fn finished_is_openssls_over_md5_and_sha1() {
        let v = verify_data(&master(), Sender::Client, b"handshake messages");
        assert_eq!(hex::encode(v), "d6e452e35e631184aa587bde");
        assert_ne!(
            verify_data(&master(), Sender::Server, b"handshake messages"),
            v
        );
    }

    #[test]
    fn the_mppe_keys_are_the_first_64_octets_of_the_eap_key_material() {
        let (c, s) = randoms();
        let k = EapTlsKeys::derive(&master(), &c, &s);
        assert_eq!(
            hex::encode(k.ms_mppe_recv_key),
            "9b09220022c6056a50c31dc1427196179d76fd6373f174d8b1c1ab251979f65b"
        );
        assert_eq!(
            hex::encode(k.ms_mppe_send_key),
            "5cb9af05424dbda8170da00fd10e6e98144c47a09d56dc04fbd64aaac34a7516"
        );
    }
}
