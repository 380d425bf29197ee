//! Elliptic-curve Diffie-Hellman over the NIST prime curves as IKE uses
//! them: group 19 (256-bit random ECP, P-256) and group 20 (384-bit, P-384)
//! of RFC 5903, with RustCrypto's `p256`/`p384` doing the arithmetic. The
//! KE payload carries x || y, each zero-padded to the field length, with
//! no SEC1 point-format octet (RFC 5903 7); the shared secret is the x
//! coordinate of the product alone (RFC 5903 7: "the x-coordinate of the
//! shared secret point").

use rand_chacha::ChaCha20Rng;
use rand_core::RngCore;

use super::error::CryptoError;

/// One of the two curves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Curve {
    /// RFC 5903 3.1, 256-bit Random ECP Group (secp256r1).
    P256,
    /// RFC 5903 3.2, 384-bit Random ECP Group (secp384r1).
    P384,
}

impl Curve {
    /// Field length in bytes: the length of a coordinate, hence of the
    /// shared secret (RFC 5903 7).
    pub fn field_len(self) -> usize {
        match self {
            Curve::P256 => 32,
            Curve::P384 => 48,
        }
    }
}

/// A private scalar d with its public point dG as KE data.
#[derive(Clone)]
pub enum EcpPrivate {
    P256(p256::NonZeroScalar),
    P384(p384::NonZeroScalar),
}

impl EcpPrivate {
    /// Draws d from the seeded stream: field-length bytes read as a
    /// big-endian integer, redrawn in the rare case it is 0 or not below
    /// the group order (rejection sampling: no bias, and every draw comes
    /// from the same seeded stream, so runs replay).
    pub fn generate(curve: Curve, rng: &mut ChaCha20Rng) -> (EcpPrivate, Vec<u8>) {
        let mut bytes = vec![0u8; curve.field_len()];
        loop {
            rng.fill_bytes(&mut bytes);
            if let Ok(me) = EcpPrivate::from_scalar_bytes(curve, &bytes) {
                let public = me.public();
                return (me, public);
            }
        }
    }

    /// The scalar of big-endian `bytes`, if it is in [1, n-1].
    pub fn from_scalar_bytes(curve: Curve, bytes: &[u8]) -> Result<EcpPrivate, CryptoError> {
        if bytes.len() != curve.field_len() {
            return Err(CryptoError::BadPrivateScalar);
        }
        let scalar = match curve {
            Curve::P256 => p256::NonZeroScalar::try_from(bytes)
                .ok()
                .map(EcpPrivate::P256),
            Curve::P384 => p384::NonZeroScalar::try_from(bytes)
                .ok()
                .map(EcpPrivate::P384),
        };
        scalar.ok_or(CryptoError::BadPrivateScalar)
    }

    pub fn curve(&self) -> Curve {
        match self {
            EcpPrivate::P256(_) => Curve::P256,
            EcpPrivate::P384(_) => Curve::P384,
        }
    }

    /// dG as x || y (RFC 5903 7).
    pub fn public(&self) -> Vec<u8> {
        use p256::elliptic_curve::sec1::ToEncodedPoint;
        let sec1 = match self {
            EcpPrivate::P256(d) => p256::PublicKey::from_secret_scalar(d)
                .to_encoded_point(false)
                .as_bytes()
                .to_vec(),
            EcpPrivate::P384(d) => p384::PublicKey::from_secret_scalar(d)
                .to_encoded_point(false)
                .as_bytes()
                .to_vec(),
        };
        // Drop SEC1's 0x04 "uncompressed" octet, which IKE does not carry.
        sec1.get(1..).map(<[u8]>::to_vec).unwrap_or_default()
    }

    /// The x coordinate of d times the peer's point. The peer's KE data
    /// must be exactly x || y of a point on the curve (RFC 5903 7; a point
    /// off the curve is an invalid-curve attack, so it is refused, as
    /// SP 800-56A 5.6.2.3.3 asks).
    pub fn shared(&self, peer_public: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let len = self.curve().field_len();
        if peer_public.len() != 2 * len {
            return Err(CryptoError::BadPublicLength);
        }
        let mut sec1 = Vec::with_capacity(1 + 2 * len);
        sec1.push(0x04);
        sec1.extend_from_slice(peer_public);
        match self {
            EcpPrivate::P256(d) => {
                let peer = p256::PublicKey::from_sec1_bytes(&sec1)
                    .map_err(|_| CryptoError::BadPublicValue)?;
                let s = p256::ecdh::diffie_hellman(d, peer.as_affine());
                Ok(s.raw_secret_bytes().to_vec())
            }
            EcpPrivate::P384(d) => {
                let peer = p384::PublicKey::from_sec1_bytes(&sec1)
                    .map_err(|_| CryptoError::BadPublicValue)?;
                let s = p384::ecdh::diffie_hellman(d, peer.as_affine());
                Ok(s.raw_secret_bytes().to_vec())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_core::SeedableRng;

    fn h(s: &str) -> Vec<u8> {
        hex::decode(s).unwrap()
    }

    /// RFC 5903 8.1 and 8.2: i, g^i = (gix, giy), r, g^r, and g^ir's x.
    struct Vector {
        curve: Curve,
        i: &'static str,
        gi: &'static str,
        r: &'static str,
        gr: &'static str,
        gir_x: &'static str,
    }

    const VECTORS: [Vector; 2] = [
        Vector {
            curve: Curve::P256,
            i: "c88f01f510d9ac3f70a292daa2316de544e9aab8afe84049c62a9c57862d1433",
            gi: "dad0b65394221cf9b051e1feca5787d098dfe637fc90b9ef945d0c3772581180\
                 5271a0461cdb8252d61f1c456fa3e59ab1f45b33accf5f58389e0577b8990bb3",
            r: "c6ef9c5d78ae012a011164acb397ce2088685d8f06bf9be0b283ab46476bee53",
            gr: "d12dfb5289c8d4f81208b70270398c342296970a0bccb74c736fc7554494bf63\
                 56fbf3ca366cc23e8157854c13c58d6aac23f046ada30f8353e74f33039872ab",
            gir_x: "d6840f6b42f6edafd13116e0e12565202fef8e9ece7dce03812464d04b9442de",
        },
        Vector {
            curve: Curve::P384,
            i: "099f3c7034d4a2c699884d73a375a67f7624ef7c6b3c0f160647b67414dce655\
                e35b538041e649ee3faef896783ab194",
            gi: "667842d7d180ac2cde6f74f37551f55755c7645c20ef73e31634fe72b4c55ee6\
                 de3ac808acb4bdb4c88732aee95f41aa\
                 9482ed1fc0eeb9cafc4984625ccfc23f65032149e0e144ada024181535a0f38e\
                 eb9fcff3c2c947dae69b4c634573a81c",
            r: "41cb0779b4bdb85d47846725fbec3c9430fab46cc8dc5060855cc9bda0aa2942\
                e0308312916b8ed2960e4bd55a7448fc",
            gr: "e558dbef53eecde3d3fccfc1aea08a89a987475d12fd950d83cfa41732bc509d\
                 0d1ac43a0336def96fda41d0774a3571\
                 dcfbec7aacf3196472169e838430367f66eebe3c6e70c416dd5f0c68759dd1ff\
                 f83fa40142209dff5eaad96db9e6386c",
            gir_x: "11187331c279962d93d604243fd592cb9d0a926f422e47187521287e7156c5c4\
                    d603135569b9e9d09cf5d4a270f59746",
        },
    ];

    #[test]
    fn rfc_5903_vectors() {
        for v in &VECTORS {
            let i = EcpPrivate::from_scalar_bytes(v.curve, &h(v.i)).unwrap();
            let r = EcpPrivate::from_scalar_bytes(v.curve, &h(v.r)).unwrap();
            assert_eq!(i.public(), h(v.gi), "{:?}", v.curve);
            assert_eq!(r.public(), h(v.gr), "{:?}", v.curve);
            assert_eq!(i.shared(&h(v.gr)).unwrap(), h(v.gir_x), "{:?}", v.curve);
            assert_eq!(r.shared(&h(v.gi)).unwrap(), h(v.gir_x), "{:?}", v.curve);
        }
    }

    #[test]
    fn generation_replays_from_the_seed_and_both_sides_agree() {
        for curve in [Curve::P256, Curve::P384] {
            let mut rng = ChaCha20Rng::seed_from_u64(5);
            let (a, pa) = EcpPrivate::generate(curve, &mut rng);
            let (b, pb) = EcpPrivate::generate(curve, &mut rng);
            assert_eq!(pa.len(), 2 * curve.field_len());
            let again = EcpPrivate::generate(curve, &mut ChaCha20Rng::seed_from_u64(5)).1;
            assert_eq!(again, pa);
            assert_eq!(a.shared(&pb).unwrap(), b.shared(&pa).unwrap());
        }
    }

    #[test]
    fn a_point_off_the_curve_or_of_the_wrong_length_is_refused() {
        for v in &VECTORS {
            let i = EcpPrivate::from_scalar_bytes(v.curve, &h(v.i)).unwrap();
            let mut bad = h(v.gr);
            let last = bad.len() - 1;
            bad[last] ^= 1;
            assert_eq!(i.shared(&bad), Err(CryptoError::BadPublicValue));
            let good = h(v.gr);
            for n in 0..good.len() {
                assert_eq!(i.shared(&good[..n]), Err(CryptoError::BadPublicLength));
            }
            // The point at infinity has no x || y form; all zeros is off
            // the curve.
            let zeros = vec![0u8; good.len()];
            assert_eq!(i.shared(&zeros), Err(CryptoError::BadPublicValue));
        }
    }

    #[test]
    fn scalars_outside_one_to_n_minus_one_are_refused() {
        let refused = |c, b: &[u8]| {
            EcpPrivate::from_scalar_bytes(c, b).err() == Some(CryptoError::BadPrivateScalar)
        };
        assert!(refused(Curve::P256, &[0; 32]));
        assert!(refused(Curve::P256, &[0xff; 32]));
        assert!(refused(Curve::P384, &[0xff; 48]));
        assert!(refused(Curve::P384, &[1; 47]));
    }
}
