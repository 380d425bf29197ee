//! MS-CHAPv2 computations, RFC 2759 section 8, named after the RFC's
//! pseudocode (GenerateNTResponse, ChallengeHash, ...).

use des::cipher::generic_array::GenericArray;
use des::cipher::{BlockEncrypt, KeyInit};
use des::Des;
use md4::{Digest, Md4};
use sha1::Sha1;
use subtle::ConstantTimeEq;

/// RFC 2759 8.7: "Magic server to client signing constant".
const AUTH_MAGIC1: &[u8; 39] = b"Magic server to client signing constant";
/// RFC 2759 8.7: "Pad to make it do more than one iteration".
const AUTH_MAGIC2: &[u8; 41] = b"Pad to make it do more than one iteration";

/// The user name that enters ChallengeHash: RFC 2759 4 says only the user
/// name "excluding any prepended domain name" is used, so `DOMAIN\user`
/// hashes as `user`.
pub fn user_name_for_hash(user: &str) -> &str {
    match user.rfind('\\') {
        Some(i) => user.get(i + 1..).unwrap_or(user),
        None => user,
    }
}

/// RFC 2759 8.2 ChallengeHash: the first 8 octets of
/// SHA1(PeerChallenge | AuthenticatorChallenge | UserName).
/// `user` is used as given; see [`user_name_for_hash`].
pub fn challenge_hash(
    peer_challenge: &[u8; 16],
    authenticator_challenge: &[u8; 16],
    user: &str,
) -> [u8; 8] {
    let mut sha = Sha1::new();
    sha.update(peer_challenge);
    sha.update(authenticator_challenge);
    sha.update(user.as_bytes());
    let digest = sha.finalize();
    let mut out = [0u8; 8];
    out.copy_from_slice(&digest[..8]);
    out
}

/// RFC 2759 8.3 NtPasswordHash: MD4 of the Unicode (UTF-16LE) password.
pub fn nt_password_hash(password: &str) -> [u8; 16] {
    let mut md4 = Md4::new();
    for unit in password.encode_utf16() {
        md4.update(unit.to_le_bytes());
    }
    md4.finalize().into()
}

/// RFC 2759 8.4 HashNtPasswordHash: MD4 of the password hash.
pub fn hash_nt_password_hash(password_hash: &[u8; 16]) -> [u8; 16] {
    Md4::digest(password_hash).into()
}

/// RFC 2759 8.6 DesEncrypt's key: 56 key bits spread over 8 octets, the low
/// bit of each octet set for odd parity (DES ignores it; set for form).
fn des_key(seven: &[u8; 7]) -> [u8; 8] {
    let mut bits = 0u64;
    for b in seven {
        bits = (bits << 8) | u64::from(*b);
    }
    let mut key = [0u8; 8];
    for (i, k) in key.iter_mut().enumerate() {
        // Seven bits per octet, most significant first.
        let seven_bits = ((bits >> (49 - 7 * i)) & 0x7f) as u8;
        let b = seven_bits << 1;
        *k = if b.count_ones() & 1 == 0 { b | 1 } else { b };
    }
    key
}

/// RFC 2759 8.6 DesEncrypt: one DES block under a 7-octet key.
fn des_encrypt(clear: &[u8; 8], key7: &[u8; 7]) -> [u8; 8] {
    let cipher = Des::new(GenericArray::from_slice(&des_key(key7)));
    let mut block = GenericArray::clone_from_slice(clear);
    cipher.encrypt_block(&mut block);
    block.into()
}

/// RFC 2759 8.5 ChallengeResponse: the password hash, zero-padded to 21
/// octets, is three DES keys; each encrypts the 8-octet challenge.
pub fn challenge_response(challenge: &[u8; 8], password_hash: &[u8; 16]) -> [u8; 24] {
    let mut z = [0u8; 21];
    z[..16].copy_from_slice(password_hash);
    let mut out = [0u8; 24];
    for (i, chunk) in out.chunks_exact_mut(8).enumerate() {
        let mut key = [0u8; 7];
        key.copy_from_slice(&z[7 * i..7 * i + 7]);
        chunk.copy_from_slice(&des_encrypt(challenge, &key));
    }
    out
}

/// RFC 2759 8.1 GenerateNTResponse.
pub fn generate_nt_response(
    authenticator_challenge: &[u8; 16],
    peer_challenge: &[u8; 16],
    user: &str,
    password: &str,
) -> [u8; 24] {
    let challenge = challenge_hash(peer_challenge, authenticator_challenge, user);
    challenge_response(&challenge, &nt_password_hash(password))
}

/// RFC 2759 8.7 GenerateAuthenticatorResponse, from the password hash hash
/// (what an authenticator that stores hashes has): the 20-octet digest.
pub fn authenticator_response_digest(
    password_hash_hash: &[u8; 16],
    nt_response: &[u8; 24],
    peer_challenge: &[u8; 16],
    authenticator_challenge: &[u8; 16],
    user: &str,
) -> [u8; 20] {
    let mut sha = Sha1::new();
    sha.update(password_hash_hash);
    sha.update(nt_response);
    sha.update(AUTH_MAGIC1);
    let digest = sha.finalize();
    let challenge = challenge_hash(peer_challenge, authenticator_challenge, user);
    let mut sha = Sha1::new();
    sha.update(digest);
    sha.update(challenge);
    sha.update(AUTH_MAGIC2);
    sha.finalize().into()
}

/// Formats the 20-octet digest as RFC 2759 8.7 does: "S=" and 40
/// upper-case hex digits.
pub fn format_authenticator_response(digest: &[u8; 20]) -> String {
    let mut s = String::with_capacity(42);
    s.push_str("S=");
    for b in digest {
        s.push_str(&format!("{b:02X}"));
    }
    s
}

/// RFC 2759 8.7 GenerateAuthenticatorResponse: "S=" + 40 hex digits.
pub fn generate_authenticator_response(
    password: &str,
    nt_response: &[u8; 24],
    peer_challenge: &[u8; 16],
    authenticator_challenge: &[u8; 16],
    user: &str,
) -> String {
    let phh = hash_nt_password_hash(&nt_password_hash(password));
    format_authenticator_response(&authenticator_response_digest(
        &phh,
        nt_response,
        peer_challenge,
        authenticator_challenge,
        user,
    ))
}

/// RFC 2759 8.8 CheckAuthenticatorResponse: compares the digest the
/// authenticator sent with the one we compute, in constant time.
pub fn check_authenticator_response(
    password: &str,
    nt_response: &[u8; 24],
    peer_challenge: &[u8; 16],
    authenticator_challenge: &[u8; 16],
    user: &str,
    received: &[u8; 20],
) -> bool {
    let phh = hash_nt_password_hash(&nt_password_hash(password));
    let expected = authenticator_response_digest(
        &phh,
        nt_response,
        peer_challenge,
        authenticator_challenge,
        user,
    );
    expected.ct_eq(received).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    // /work/shared/vectors/rfc2759_mschapv2.txt (RFC 2759 9.2).
    const USER: &str = "User";
    const PASSWORD: &str = "clientPass";
    const AUTH_CHALLENGE: &str = "5B5D7C7D7B3F2F3E3C2C602132262628";
    const PEER_CHALLENGE: &str = "21402324255E262A28295F2B3A337C7E";
    const CHALLENGE: &str = "D02E4386BCE91226";
    const PASSWORD_HASH: &str = "44EBBA8D5312B8D611474411F56989AE";
    const PASSWORD_HASH_HASH: &str = "41C00C584BD2D91C4017A2A12FA59F3F";
    const NT_RESPONSE: &str = "82309ECD8D708B5EA08FAA3981CD83544233114A3D85D6DF";
    const AUTH_RESPONSE: &str = "S=407A5589115FD0D6209F510FE9C04566932CDA56";

    fn arr<const N: usize>(h: &str) -> [u8; N] {
        hex::decode(h).unwrap().try_into().unwrap()
    }

    #[test]
    fn challenge_hash_matches_rfc2759_9_2() {
        let c = challenge_hash(&arr(PEER_CHALLENGE), &arr(AUTH_CHALLENGE), USER);
        assert_eq!(c, arr::<8>(CHALLENGE));
    }

    #[test]
    fn password_hashes_match_rfc2759_9_2() {
        let h = nt_password_hash(PASSWORD);
        assert_eq!(h, arr::<16>(PASSWORD_HASH));
        assert_eq!(hash_nt_password_hash(&h), arr::<16>(PASSWORD_HASH_HASH));
    }

    #[test]
    fn nt_response_matches_rfc2759_9_2() {
        let r = generate_nt_response(&arr(AUTH_CHALLENGE), &arr(PEER_CHALLENGE), USER, PASSWORD);
        assert_eq!(r, arr::<24>(NT_RESPONSE));
    }

    #[test]
    fn authenticator_response_matches_rfc2759_9_2() {
        let s = generate_authenticator_response(
            PASSWORD,
            &arr(NT_RESPONSE),
            &arr(PEER_CHALLENGE),
            &arr(AUTH_CHALLENGE),
            USER,
        );
        assert_eq!(s, AUTH_RESPONSE);
    }

    #[test]
    fn check_authenticator_response_accepts_only_the_right_digest() {
        let good: [u8; 20] = arr(&AUTH_RESPONSE[2..]);
        let args = (
            &arr(NT_RESPONSE),
            &arr(PEER_CHALLENGE),
            &arr(AUTH_CHALLENGE),
        );
        assert!(check_authenticator_response(
            PASSWORD, args.0, args.1, args.2, USER, &good
        ));
        let mut bad = good;
        bad[19] ^= 1;
        assert!(!check_authenticator_response(
            PASSWORD, args.0, args.1, args.2, USER, &bad
        ));
        assert!(!check_authenticator_response(
            "wrong", args.0, args.1, args.2, USER, &good
        ));
    }

    #[test]
    fn des_key_expansion_sets_odd_parity() {
        let k = des_key(&[0xff, 0, 0xff, 0, 0xff, 0, 0xff]);
        for b in k {
            assert_eq!(b.count_ones() % 2, 1);
        }
        // 56 ones: seven per octet is already odd, so the parity bit stays 0.
        assert_eq!(des_key(&[0xff; 7]), [0xfe; 8]);
        assert_eq!(des_key(&[0; 7]), [0x01; 8]);
    }

    #[test]
    fn domain_prefix_is_not_hashed() {
        assert_eq!(user_name_for_hash("CORP\\alice"), "alice");
        assert_eq!(user_name_for_hash("alice"), "alice");
        assert_eq!(user_name_for_hash("a\\b\\"), "");
    }
}
