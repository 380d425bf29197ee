//! MPPE key derivation from MS-CHAPv2 (RFC 3079 3) and key changes
//! (RFC 3078 7), plus the RC4 cipher MPPE encrypts with.

use rc4::consts::{U16, U8};
use rc4::{KeyInit, StreamCipher};
use sha1::{Digest, Sha1};

/// RFC 3079 3.4 Magic1: the master key constant.
const MAGIC1: &[u8; 27] = b"This is the MPPE Master Key";
/// RFC 3079 3.4 Magic2: client send key = server receive key.
const MAGIC2: &[u8; 84] =
    b"On the client side, this is the send key; on the server side, it is the receive key.";
/// RFC 3079 3.4 Magic3: client receive key = server send key.
const MAGIC3: &[u8; 84] =
    b"On the client side, this is the receive key; on the server side, it is the send key.";
/// RFC 3079 3.4 SHSpad1 / RFC 3078 7.3 SHApad1: 40 octets of 0x00.
const SHA_PAD1: [u8; 40] = [0x00; 40];
/// RFC 3079 3.4 SHSpad2 / RFC 3078 7.3 SHApad2: 40 octets of 0xF2.
const SHA_PAD2: [u8; 40] = [0xf2; 40];

/// The negotiated MPPE strength (RFC 3078 2.1 CCP option bits L, M, S).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MppeStrength {
    Bits40,
    Bits56,
    Bits128,
}

impl MppeStrength {
    /// Session key length in octets: 8 for 40 and 56 bits (the reduction
    /// overwrites the leading octets), 16 for 128 bits (RFC 3079 3).
    pub fn key_len(self) -> usize {
        match self {
            MppeStrength::Bits40 | MppeStrength::Bits56 => 8,
            MppeStrength::Bits128 => 16,
        }
    }
}

/// An 8- or 16-octet MPPE key (start key or session key).
#[derive(Clone, PartialEq, Eq)]
pub struct MppeKey {
    bytes: [u8; 16],
    long: bool,
}

impl core::fmt::Debug for MppeKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // Keys stay out of logs.
        write!(f, "MppeKey({} octets)", self.len())
    }
}

impl MppeKey {
    /// The first `strength.key_len()` octets of `bytes` (zero-padded).
    pub fn from_prefix(bytes: &[u8], strength: MppeStrength) -> Self {
        let mut k = MppeKey {
            bytes: [0; 16],
            long: strength == MppeStrength::Bits128,
        };
        let n = k.len();
        for (d, s) in k.bytes.iter_mut().zip(bytes.iter().take(n)) {
            *d = *s;
        }
        k
    }

    pub fn len(&self) -> usize {
        if self.long {
            16
        } else {
            8
        }
    }

    pub fn is_empty(&self) -> bool {
        false
    }

    pub fn as_bytes(&self) -> &[u8] {
        let n = self.len();
        self.bytes.get(..n).unwrap_or(&self.bytes)
    }

    fn as_bytes_mut(&mut self) -> &mut [u8] {
        let n = self.len();
        &mut self.bytes[..n]
    }
}

/// RFC 3079 3.4 GetMasterKey: SHA1(PasswordHashHash | NTResponse | Magic1),
/// first 16 octets.
pub fn get_master_key(password_hash_hash: &[u8; 16], nt_response: &[u8; 24]) -> [u8; 16] {
    let mut sha = Sha1::new();
    sha.update(password_hash_hash);
    sha.update(nt_response);
    sha.update(MAGIC1);
    let digest = sha.finalize();
    let mut out = [0u8; 16];
    out.copy_from_slice(&digest[..16]);
    out
}

/// RFC 3079 3.4 GetAsymmetricStartKey: the start key for one direction.
/// Client send and server receive use Magic2; the other direction Magic3.
pub fn get_asymmetric_start_key(
    master_key: &[u8; 16],
    strength: MppeStrength,
    is_send: bool,
    is_server: bool,
) -> MppeKey {
    let magic = if is_send == is_server { MAGIC3 } else { MAGIC2 };
    let mut sha = Sha1::new();
    sha.update(master_key);
    sha.update(SHA_PAD1);
    sha.update(magic);
    sha.update(SHA_PAD2);
    MppeKey::from_prefix(&sha.finalize(), strength)
}

/// RFC 3078 7.3 / RFC 3079 3.4 GetNewKeyFromSHA:
/// SHA1(StartKey | SHApad1 | SessionKey | SHApad2), first key-length octets.
pub fn get_new_key_from_sha(start_key: &MppeKey, session_key: &MppeKey) -> MppeKey {
    let strength = if start_key.long {
        MppeStrength::Bits128
    } else {
        MppeStrength::Bits40
    };
    let mut sha = Sha1::new();
    sha.update(start_key.as_bytes());
    sha.update(SHA_PAD1);
    sha.update(session_key.as_bytes());
    sha.update(SHA_PAD2);
    MppeKey::from_prefix(&sha.finalize(), strength)
}

/// RFC 3078 7.3 / RFC 3079 3.1-3.2: 40-bit keys start D1 26 9E, 56-bit
/// keys start D1; 128-bit keys are used whole.
pub fn reduce(key: &mut MppeKey, strength: MppeStrength) {
    let prefix: &[u8] = match strength {
        MppeStrength::Bits40 => &[0xd1, 0x26, 0x9e],
        MppeStrength::Bits56 => &[0xd1],
        MppeStrength::Bits128 => &[],
    };
    for (d, s) in key.as_bytes_mut().iter_mut().zip(prefix) {
        *d = *s;
    }
}

/// RFC 3079 3.1-3.3: the initial session key is GetNewKeyFromSHA of the
/// start key with itself, then reduced.
pub fn initial_session_key(start_key: &MppeKey, strength: MppeStrength) -> MppeKey {
    let mut k = get_new_key_from_sha(start_key, start_key);
    reduce(&mut k, strength);
    k
}

/// RFC 3078 7.3 key change: an interim key from GetNewKeyFromSHA, which
/// RC4 (keyed with itself) encrypts into the new session key, then reduced.
pub fn change_key(start_key: &MppeKey, session_key: &MppeKey, strength: MppeStrength) -> MppeKey {
    let interim = get_new_key_from_sha(start_key, session_key);
    let mut next = interim.clone();
    Rc4::new(&interim).apply(next.as_bytes_mut());
    reduce(&mut next, strength);
    next
}

/// RFC 3079 3.1-3.3 and 3.4 (GetAsymmetricStartKey's IsSend/IsServer):
/// the (send, receive) start keys of one side of the link. What the client
/// sends under, the server receives under.
pub fn start_keys(
    password_hash_hash: &[u8; 16],
    nt_response: &[u8; 24],
    strength: MppeStrength,
    is_server: bool,
) -> (MppeKey, MppeKey) {
    let master = get_master_key(password_hash_hash, nt_response);
    (
        get_asymmetric_start_key(&master, strength, true, is_server),
        get_asymmetric_start_key(&master, strength, false, is_server),
    )
}

/// EAP-TLS's (send, receive) start keys of one side (issue 23): the
/// first `strength.key_len()` octets of MS-MPPE-Send-Key and
/// MS-MPPE-Recv-Key (RFC 2716 3.5, RFC 2548 2.4.2-3), named from the
/// authenticator's side: the server sends under Send-Key, the client under
/// Recv-Key (pppd's eap-tls.c; its ppp_mppe starts from them as from
/// MS-CHAPv2's start keys, `initial_session_key`).
pub fn eap_tls_start_keys(
    ms_mppe_recv_key: &[u8; 32],
    ms_mppe_send_key: &[u8; 32],
    strength: MppeStrength,
    is_server: bool,
) -> (MppeKey, MppeKey) {
    let recv = MppeKey::from_prefix(ms_mppe_recv_key, strength);
    let send = MppeKey::from_prefix(ms_mppe_send_key, strength);
    if is_server {
        (send, recv)
    } else {
        (recv, send)
    }
}

/// RC4 keyed with an MPPE session key (8 or 16 octets).
pub enum Rc4 {
    K8(rc4::Rc4<U8>),
    K16(rc4::Rc4<U16>),
}

impl Rc4 {
    pub fn new(key: &MppeKey) -> Self {
        if key.long {
            Rc4::K16(rc4::Rc4::new(&key.bytes.into()))
        } else {
            let mut k8 = [0u8; 8];
            k8.copy_from_slice(key.as_bytes());
            Rc4::K8(rc4::Rc4::new(&k8.into()))
        }
    }

    /// Encrypts or decrypts `data` in place, advancing the keystream.
    pub fn apply(&mut self, data: &mut [u8]) {
        match self {
            Rc4::K8(c) => c.apply_keystream(data),
            Rc4::K16(c) => c.apply_keystream(data),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Inputs: /work/shared/vectors/rfc2759_mschapv2.txt (RFC 2759 9.2).
    const PASSWORD_HASH_HASH: &str = "41C00C584BD2D91C4017A2A12FA59F3F";
    const NT_RESPONSE: &str = "82309ECD8D708B5EA08FAA3981CD83544233114A3D85D6DF";

    fn arr<const N: usize>(h: &str) -> [u8; N] {
        hex::decode(h).unwrap().try_into().unwrap()
    }

    fn master() -> [u8; 16] {
        get_master_key(&arr(PASSWORD_HASH_HASH), &arr(NT_RESPONSE))
    }

    fn hexu(b: &[u8]) -> String {
        hex::encode_upper(b)
    }

    /// One block of /work/shared/vectors/rfc3079_mppe_keys.txt.
    struct Vector {
        strength: MppeStrength,
        send_start: &'static str,
        send_session: &'static str,
        ciphertext: &'static str,
        recv_start: &'static str,
        recv_session: &'static str,
    }

    // The file's "SendStartKey" is the server's send key (RFC 3079 3.5 calls
    // GetAsymmetricStartKey with IsSend and IsServer TRUE); the 56-bit
    // ciphertext is the file's computed one (the RFC's has a typo).
    const VECTORS: [Vector; 3] = [
        Vector {
            strength: MppeStrength::Bits40,
            send_start: "8B7CDC149B993A1B",
            send_session: "D1269EC49FA62E3E",
            ciphertext: "929137917E5803D668D75898",
            recv_start: "D5F0E9521E3EA958",
            recv_session: "D1269ED2AE999038",
        },
        Vector {
            strength: MppeStrength::Bits56,
            send_start: "8B7CDC149B993A1B",
            send_session: "D15C00C49FA62E3E",
            ciphertext: "3F106833FA448DA842BC57B8",
            recv_start: "D5F0E9521E3EA958",
            recv_session: "D16A9BD2AE999038",
        },
        Vector {
            strength: MppeStrength::Bits128,
            send_start: "8B7CDC149B993A1BA118CB153F56DCCB",
            send_session: "405CB2247A7956E6E211007AE27B22D4",
            ciphertext: "81848317DF68846272FB5ABE",
            recv_start: "D5F0E9521E3EA9589645E86051C82226",
            recv_session: "49D11D0F0CC6BEFBA2A9B4B688F91EEE",
        },
    ];

    #[test]
    fn master_key_matches_rfc3079_3_5() {
        assert_eq!(hexu(&master()), "FDECE3717A8C838CB388E527AE3CDD31");
    }

    #[test]
    fn session_keys_and_ciphertext_match_rfc3079_3_5() {
        for v in &VECTORS {
            let s = v.strength;
            let (send, recv) = start_keys(&arr(PASSWORD_HASH_HASH), &arr(NT_RESPONSE), s, true);
            assert_eq!(hexu(send.as_bytes()), v.send_start, "{s:?}");
            assert_eq!(hexu(recv.as_bytes()), v.recv_start, "{s:?}");
            let send_session = initial_session_key(&send, s);
            assert_eq!(hexu(send_session.as_bytes()), v.send_session, "{s:?}");
            let recv_session = initial_session_key(&recv, s);
            assert_eq!(hexu(recv_session.as_bytes()), v.recv_session, "{s:?}");
            let mut msg = b"test message".to_vec();
            Rc4::new(&send_session).apply(&mut msg);
            assert_eq!(hexu(&msg), v.ciphertext, "{s:?}");
        }
    }

    #[test]
    fn client_send_key_is_server_receive_key() {
        for s in [
            MppeStrength::Bits40,
            MppeStrength::Bits56,
            MppeStrength::Bits128,
        ] {
            let (cs, cr) = start_keys(&arr(PASSWORD_HASH_HASH), &arr(NT_RESPONSE), s, false);
            let (ss, sr) = start_keys(&arr(PASSWORD_HASH_HASH), &arr(NT_RESPONSE), s, true);
            assert_eq!(cs, sr);
            assert_eq!(cr, ss);
            assert_ne!(cs, cr);
        }
    }

    #[test]
    fn change_key_is_reduced_and_differs_each_time() {
        let s = MppeStrength::Bits40;
        let (send, _) = start_keys(&arr(PASSWORD_HASH_HASH), &arr(NT_RESPONSE), s, true);
        let k0 = initial_session_key(&send, s);
        let k1 = change_key(&send, &k0, s);
        let k2 = change_key(&send, &k1, s);
        assert_eq!(&k1.as_bytes()[..3], &[0xd1, 0x26, 0x9e]);
        assert_ne!(k0, k1);
        assert_ne!(k1, k2);
    }

    /// Keystream at `offset` under `key` through the rc4 crate directly (for
    /// the key lengths MPPE does not use).
    fn keystream_generic<N: rc4::cipher::generic_array::ArrayLength<u8>>(
        key: &[u8],
        offset: usize,
    ) -> Vec<u8> {
        let mut c = rc4::Rc4::<N>::new(rc4::Key::<N>::from_slice(key));
        let mut buf = vec![0u8; offset + 16];
        c.apply_keystream(&mut buf);
        buf.split_off(offset)
    }

    #[test]
    fn rc4_keystream_matches_rfc6229() {
        // /work/shared/vectors/rfc6229_rc4.txt: "key ; offset ; keystream".
        let text = include_str!("/work/shared/vectors/rfc6229_rc4.txt");
        let mut checked = 0;
        for line in text
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        {
            let f: Vec<&str> = line.split(';').map(str::trim).collect();
            let key = hex::decode(f[0]).unwrap();
            let offset = usize::from_str_radix(f[1], 16).unwrap();
            let want = hex::decode(f[2]).unwrap();
            let got = match key.len() {
                5 => keystream_generic::<rc4::consts::U5>(&key, offset),
                7 => keystream_generic::<rc4::consts::U7>(&key, offset),
                8 | 16 => {
                    // Through the MPPE wrapper.
                    let s = if key.len() == 8 {
                        MppeStrength::Bits40
                    } else {
                        MppeStrength::Bits128
                    };
                    let mut c = Rc4::new(&MppeKey::from_prefix(&key, s));
                    let mut buf = vec![0u8; offset + 16];
                    c.apply(&mut buf);
                    buf.split_off(offset)
                }
                n => panic!("no vector key length {n}"),
            };
            assert_eq!(got, want, "{line}");
            checked += 1;
        }
        assert_eq!(checked, 12);
    }

    #[test]
    fn eap_tls_start_keys_cross_between_client_and_server() {
        let recv = [0x11u8; 32];
        let mut send = [0x22u8; 32];
        send[0] = 0x33;
        for s in [MppeStrength::Bits40, MppeStrength::Bits128] {
            let (cs, cr) = eap_tls_start_keys(&recv, &send, s, false);
            let (ss, sr) = eap_tls_start_keys(&recv, &send, s, true);
            assert_eq!(cs, sr);
            assert_eq!(cr, ss);
            assert_eq!(cs.as_bytes(), &recv[..s.key_len()]);
            assert_eq!(ss.as_bytes(), &send[..s.key_len()]);
        }
    }
}
