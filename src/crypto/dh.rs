//! Diffie-Hellman for IKEv1. MODP groups 1 and 2 (RFC 2409 6.1, 6.2) and
//! group 14 (RFC 3526 3), generator 2, with num-bigint's modpow: public
//! values and shared secrets travel as big-endian integers zero-padded to
//! the length of the prime (RFC 2409 5). ECP groups 19 and 20 (RFC 5903)
//! are `ecp`'s; this module puts both behind one group and one private
//! value.

use num_bigint::BigUint;
use rand_chacha::ChaCha20Rng;
use rand_core::RngCore;

use super::ecp::{Curve, EcpPrivate};
use super::error::CryptoError;

/// Decodes hex digits, skipping spaces and newlines, at compile time (a bad
/// digit or count is a build error, never a run-time panic). Lets the
/// primes below keep the RFC's layout, so they can be compared by eye.
const fn hex_bytes<const N: usize>(s: &str) -> [u8; N] {
    const fn nibble(c: u8) -> u8 {
        match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            b'A'..=b'F' => c - b'A' + 10,
            _ => panic!("not a hex digit"),
        }
    }
    let s = s.as_bytes();
    let mut out = [0u8; N];
    let (mut i, mut n) = (0, 0);
    while i < s.len() {
        let c = s[i];
        i += 1;
        if c == b' ' || c == b'\n' {
            continue;
        }
        assert!(n < 2 * N, "too many hex digits");
        out[n / 2] = (out[n / 2] << 4) | nibble(c);
        n += 1;
    }
    assert!(n == 2 * N, "too few hex digits");
    out
}

/// RFC 2409 6.1, First Oakley Group: 2^768 - 2^704 - 1 + 2^64 * { [2^638 pi] + 149686 }.
const MODP_768: [u8; 96] = hex_bytes(
    "
    FFFFFFFF FFFFFFFF C90FDAA2 2168C234 C4C6628B 80DC1CD1
    29024E08 8A67CC74 020BBEA6 3B139B22 514A0879 8E3404DD
    EF9519B3 CD3A431B 302B0A6D F25F1437 4FE1356D 6D51C245
    E485B576 625E7EC6 F44C42E9 A63A3620 FFFFFFFF FFFFFFFF
    ",
);

/// RFC 2409 6.2, Second Oakley Group: 2^1024 - 2^960 - 1 + 2^64 * { [2^894 pi] + 129093 }.
const MODP_1024: [u8; 128] = hex_bytes(
    "
    FFFFFFFF FFFFFFFF C90FDAA2 2168C234 C4C6628B 80DC1CD1
    29024E08 8A67CC74 020BBEA6 3B139B22 514A0879 8E3404DD
    EF9519B3 CD3A431B 302B0A6D F25F1437 4FE1356D 6D51C245
    E485B576 625E7EC6 F44C42E9 A637ED6B 0BFF5CB6 F406B7ED
    EE386BFB 5A899FA5 AE9F2411 7C4B1FE6 49286651 ECE65381
    FFFFFFFF FFFFFFFF
    ",
);

/// RFC 3526 3, 2048-bit MODP Group (14): 2^2048 - 2^1984 - 1 + 2^64 * { [2^1918 pi] + 124476 }.
const MODP_2048: [u8; 256] = hex_bytes(
    "
    FFFFFFFF FFFFFFFF C90FDAA2 2168C234 C4C6628B 80DC1CD1 29024E08 8A67CC74
    020BBEA6 3B139B22 514A0879 8E3404DD EF9519B3 CD3A431B 302B0A6D F25F1437
    4FE1356D 6D51C245 E485B576 625E7EC6 F44C42E9 A637ED6B 0BFF5CB6 F406B7ED
    EE386BFB 5A899FA5 AE9F2411 7C4B1FE6 49286651 ECE45B3D C2007CB8 A163BF05
    98DA4836 1C55D39A 69163FA8 FD24CF5F 83655D23 DCA3AD96 1C62F356 208552BB
    9ED52907 7096966D 670C354E 4ABC9804 F1746C08 CA18217C 32905E46 2E36CE3B
    E39E772C 180E8603 9B2783A2 EC07A28F B5C55DF0 6F4C52C9 DE2BCBF6 95581718
    3995497C EA956AE5 15D22618 98FA0510 15728E5A 8AACAA68 FFFFFFFF FFFFFFFF
    ",
);

/// The generator of all three groups (RFC 2409 6.1, 6.2; RFC 3526 3).
const GENERATOR: u32 = 2;

/// A group IKEv1 can negotiate (RFC 2409 Appendix A, class 4 "Group
/// Description"; 19 and 20 per RFC 5903 5 and the IANA IPSEC registry).
/// A scenario names it by number (`group: 14`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Deserialize)]
#[serde(try_from = "u16")]
pub enum DhGroup {
    /// Group 1, 768 bits (RFC 2409 6.1).
    Modp768,
    /// Group 2, 1024 bits (RFC 2409 6.2).
    Modp1024,
    /// Group 14, 2048 bits (RFC 3526 3).
    Modp2048,
    /// Group 19, 256-bit random ECP (RFC 5903 3.1).
    Ecp256,
    /// Group 20, 384-bit random ECP (RFC 5903 3.2).
    Ecp384,
}

impl TryFrom<u16> for DhGroup {
    type Error = String;

    fn try_from(n: u16) -> Result<DhGroup, String> {
        DhGroup::from_number(n)
            .ok_or_else(|| format!("Diffie-Hellman group {n} is not modelled (1, 2, 14, 19 or 20)"))
    }
}

impl DhGroup {
    /// The IANA group number (RFC 2409 Appendix A, RFC 3526 3).
    pub fn number(self) -> u16 {
        match self {
            DhGroup::Modp768 => 1,
            DhGroup::Modp1024 => 2,
            DhGroup::Modp2048 => 14,
            DhGroup::Ecp256 => 19,
            DhGroup::Ecp384 => 20,
        }
    }

    /// The group with IANA number `n`, if we implement it.
    pub fn from_number(n: u16) -> Option<DhGroup> {
        match n {
            1 => Some(DhGroup::Modp768),
            2 => Some(DhGroup::Modp1024),
            14 => Some(DhGroup::Modp2048),
            19 => Some(DhGroup::Ecp256),
            20 => Some(DhGroup::Ecp384),
            _ => None,
        }
    }

    /// Length in bytes of a public value on the wire: the prime's for
    /// MODP (RFC 2409 5), x || y for ECP (RFC 5903 7).
    #[allow(clippy::len_without_is_empty)] // a group has no empty form
    pub fn len(self) -> usize {
        match self {
            DhGroup::Modp768 => MODP_768.len(),
            DhGroup::Modp1024 => MODP_1024.len(),
            DhGroup::Modp2048 => MODP_2048.len(),
            DhGroup::Ecp256 => 2 * Curve::P256.field_len(),
            DhGroup::Ecp384 => 2 * Curve::P384.field_len(),
        }
    }

    /// The prime p of a MODP group, big-endian.
    pub fn prime_bytes(self) -> Option<&'static [u8]> {
        match self {
            DhGroup::Modp768 => Some(&MODP_768),
            DhGroup::Modp1024 => Some(&MODP_1024),
            DhGroup::Modp2048 => Some(&MODP_2048),
            DhGroup::Ecp256 | DhGroup::Ecp384 => None,
        }
    }

    /// The curve of an ECP group.
    pub fn curve(self) -> Option<Curve> {
        match self {
            DhGroup::Ecp256 => Some(Curve::P256),
            DhGroup::Ecp384 => Some(Curve::P384),
            DhGroup::Modp768 | DhGroup::Modp1024 | DhGroup::Modp2048 => None,
        }
    }
}

/// One side's Diffie-Hellman private value (an exponent x, or a scalar
/// d), with its public value (g^x, or dG as x || y).
#[derive(Clone)]
pub struct DhPrivate {
    group: DhGroup,
    secret: Secret,
    public: Vec<u8>,
}

#[derive(Clone)]
enum Secret {
    Modp { p: BigUint, x: BigUint },
    Ecp(EcpPrivate),
}

impl core::fmt::Debug for DhPrivate {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // The exponent stays out of logs.
        write!(f, "DhPrivate({:?})", self.group)
    }
}

impl DhPrivate {
    /// Draws x uniformly enough from [2, p-2] (a full-length random number
    /// reduced mod p-3; the bias is below 2^-700) and returns it with the
    /// public value g^x mod p, left-padded to `group.len()` bytes.
    /// An ECP group draws its scalar as `EcpPrivate::generate` says.
    pub fn generate(group: DhGroup, rng: &mut ChaCha20Rng) -> (DhPrivate, Vec<u8>) {
        let (secret, public) = match (group.prime_bytes(), group.curve()) {
            (_, Some(curve)) => {
                let (d, public) = EcpPrivate::generate(curve, rng);
                (Secret::Ecp(d), public)
            }
            (prime, None) => {
                let p = BigUint::from_bytes_be(prime.unwrap_or_default());
                let mut r = vec![0u8; group.len()];
                rng.fill_bytes(&mut r);
                let x = BigUint::from_bytes_be(&r) % (&p - 3u32) + 2u32;
                let public = left_pad(&BigUint::from(GENERATOR).modpow(&x, &p), group.len());
                (Secret::Modp { p, x }, public)
            }
        };
        let me = DhPrivate {
            group,
            secret,
            public: public.clone(),
        };
        (me, public)
    }

    pub fn group(&self) -> DhGroup {
        self.group
    }

    /// The public value returned by `generate` (for KE retransmissions).
    pub fn public(&self) -> &[u8] {
        &self.public
    }

    /// g^xy mod p from the peer's KE data, left-padded to `group.len()`.
    /// The KE data must be exactly the prime's length (RFC 2409 5) and the
    /// value must satisfy 1 < y < p-1: 0, 1 and p-1 would force a shared
    /// secret an attacker knows (RFC 2631 2.1.5), p and above are not in
    /// the group.
    /// For an ECP group, the x coordinate as `EcpPrivate::shared` says.
    pub fn shared(&self, peer_public: &[u8]) -> Result<Vec<u8>, CryptoError> {
        if peer_public.len() != self.group.len() {
            return Err(CryptoError::BadPublicLength);
        }
        let (p, x) = match &self.secret {
            Secret::Ecp(d) => return d.shared(peer_public),
            Secret::Modp { p, x } => (p, x),
        };
        let y = BigUint::from_bytes_be(peer_public);
        if y <= BigUint::from(1u32) || y >= p - 1u32 {
            return Err(CryptoError::BadPublicValue);
        }
        Ok(left_pad(&y.modpow(x, p), self.group.len()))
    }
}

/// Big-endian bytes of `n`, zero-padded in front to `len` (RFC 2409 5).
/// Callers pass values below p, so nothing is ever cut.
fn left_pad(n: &BigUint, len: usize) -> Vec<u8> {
    let b = n.to_bytes_be();
    let mut out = vec![0u8; len];
    for (d, s) in out.iter_mut().rev().zip(b.iter().rev()) {
        *d = *s;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rand_core::SeedableRng;

    const ALL: [DhGroup; 3] = [DhGroup::Modp768, DhGroup::Modp1024, DhGroup::Modp2048];

    fn rng(seed: u64) -> ChaCha20Rng {
        ChaCha20Rng::seed_from_u64(seed)
    }

    trait Prime {
        fn prime(self) -> BigUint;
    }

    impl Prime for DhGroup {
        fn prime(self) -> BigUint {
            BigUint::from_bytes_be(self.prime_bytes().unwrap())
        }
    }

    #[test]
    fn primes_have_the_rfc_shape() {
        for (g, bits) in ALL.into_iter().zip([768u64, 1024, 2048]) {
            let p = g.prime();
            assert_eq!(p.bits(), bits, "{g:?}");
            assert_eq!(g.len() * 8, bits as usize);
            // 2^n - 2^(n-64) - 1 + 2^64 * (...): top and bottom 64 bits set.
            let b = g.prime_bytes().unwrap();
            assert!(
                b[..8].iter().chain(&b[b.len() - 8..]).all(|&x| x == 0xff),
                "{g:?}"
            );
            // All three share the leading digits of pi: C90FDAA2 2168C234.
            assert_eq!(b[8..16], [0xc9, 0x0f, 0xda, 0xa2, 0x21, 0x68, 0xc2, 0x34]);
            // Odd, and a Fermat probable prime to base 3.
            assert!(p.bit(0));
            let three = BigUint::from(3u32);
            assert_eq!(three.modpow(&(&p - 1u32), &p), BigUint::from(1u32), "{g:?}");
        }
        // Longer groups continue the same digits of pi; only the last
        // bytes before the low 64 ones differ (the added k).
        assert_eq!(MODP_1024[..80], MODP_768[..80]);
        assert_eq!(MODP_2048[..112], MODP_1024[..112]);
    }

    #[test]
    fn group_numbers_round_trip() {
        for g in ALL.into_iter().chain([DhGroup::Ecp256, DhGroup::Ecp384]) {
            assert_eq!(DhGroup::from_number(g.number()), Some(g));
        }
        assert_eq!(DhGroup::Modp1024.number(), 2);
        assert_eq!(DhGroup::Modp2048.number(), 14);
        assert_eq!(
            (DhGroup::Ecp256.number(), DhGroup::Ecp384.number()),
            (19, 20)
        );
        assert_eq!(DhGroup::from_number(5), None);
        assert_eq!(DhGroup::from_number(0), None);
    }

    #[test]
    fn both_sides_agree_on_the_shared_secret() {
        let mut r = rng(7);
        for g in ALL.into_iter().chain([DhGroup::Ecp256, DhGroup::Ecp384]) {
            let (a, pa) = DhPrivate::generate(g, &mut r);
            let (b, pb) = DhPrivate::generate(g, &mut r);
            assert_eq!(pa.len(), g.len());
            assert_eq!(a.public(), &pa[..]);
            assert_ne!(pa, pb);
            let za = a.shared(&pb).unwrap();
            let zb = b.shared(&pa).unwrap();
            assert_eq!(za, zb, "{g:?}");
            // MODP: the prime's length; ECP: x alone (RFC 5903 7).
            let secret_len = g.curve().map_or(g.len(), |c| c.field_len());
            assert_eq!(za.len(), secret_len);
        }
    }

    #[test]
    fn generation_is_deterministic_per_seed() {
        let (_, a) = DhPrivate::generate(DhGroup::Modp1024, &mut rng(1));
        let (_, b) = DhPrivate::generate(DhGroup::Modp1024, &mut rng(1));
        let (_, c) = DhPrivate::generate(DhGroup::Modp1024, &mut rng(2));
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn shared_secret_is_left_padded_to_prime_length() {
        // y = 2 with x tiny gives a short big-endian value; it must still
        // come back as len() bytes.
        let g = DhGroup::Modp768;
        let me = DhPrivate {
            group: g,
            secret: Secret::Modp {
                p: g.prime(),
                x: BigUint::from(3u32),
            },
            public: Vec::new(),
        };
        let mut y = vec![0u8; g.len()];
        y[g.len() - 1] = 2;
        let z = me.shared(&y).unwrap();
        assert_eq!(z.len(), 96);
        assert_eq!(z[95], 8);
        assert!(z[..95].iter().all(|&b| b == 0));
    }

    fn padded(n: &BigUint, len: usize) -> Vec<u8> {
        left_pad(n, len)
    }

    #[test]
    fn shared_rejects_degenerate_and_out_of_range_values() {
        let mut r = rng(3);
        for g in ALL {
            let (me, _) = DhPrivate::generate(g, &mut r);
            let p = g.prime();
            for bad in [
                BigUint::from(0u32),
                BigUint::from(1u32),
                &p - 1u32,
                p.clone(),
                &p + 1u32,
            ] {
                let y = padded(&bad, g.len());
                assert_eq!(me.shared(&y), Err(CryptoError::BadPublicValue), "{g:?}");
            }
            assert_eq!(
                me.shared(&[0xff; 1][..].repeat(g.len())),
                Err(CryptoError::BadPublicValue)
            );
            // Edges just inside the range are accepted.
            assert!(me.shared(&padded(&BigUint::from(2u32), g.len())).is_ok());
            assert!(me.shared(&padded(&(&p - 2u32), g.len())).is_ok());
            // Wrong lengths, even for a valid value.
            let two = padded(&BigUint::from(2u32), g.len() + 1);
            assert_eq!(me.shared(&two), Err(CryptoError::BadPublicLength));
            assert_eq!(me.shared(&[2]), Err(CryptoError::BadPublicLength));
            assert_eq!(me.shared(&[]), Err(CryptoError::BadPublicLength));
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn shared_accepts_exactly_the_open_range(bytes in proptest::collection::vec(any::<u8>(), 96)) {
            let g = DhGroup::Modp768;
            let (me, _) = DhPrivate::generate(g, &mut rng(11));
            let y = BigUint::from_bytes_be(&bytes);
            let ok = y > BigUint::from(1u32) && y < g.prime() - 1u32;
            let got = me.shared(&bytes);
            prop_assert_eq!(got.is_ok(), ok);
            if let Ok(z) = got {
                prop_assert_eq!(z.len(), 96);
            }
        }

        #[test]
        fn shared_rejects_longer_and_shorter_inputs(extra in 1usize..40, short in 0usize..96, lead in any::<u8>()) {
            let g = DhGroup::Modp768;
            let (me, public) = DhPrivate::generate(g, &mut rng(12));
            // A valid value with extra leading bytes (even zeros) is refused.
            let mut long = vec![lead; extra];
            long.extend_from_slice(&public);
            prop_assert_eq!(me.shared(&long), Err(CryptoError::BadPublicLength));
            prop_assert_eq!(me.shared(&public[96 - short..]), Err(CryptoError::BadPublicLength));
        }

        #[test]
        fn near_edge_values_are_rejected(k in 0u32..2) {
            // 0, 1 (k below 2) and p-1, p (p-1+k) for the largest group.
            let g = DhGroup::Modp2048;
            let (me, _) = DhPrivate::generate(g, &mut rng(13));
            let low = padded(&BigUint::from(k), g.len());
            let high = padded(&(g.prime() - 1u32 + k), g.len());
            prop_assert_eq!(me.shared(&low), Err(CryptoError::BadPublicValue));
            prop_assert_eq!(me.shared(&high), Err(CryptoError::BadPublicValue));
        }
    }
}
