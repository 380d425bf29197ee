//! ESP integrity: HMAC-MD5-96 (RFC 2403) and HMAC-SHA1-96 (RFC 2404), the
//! full HMAC truncated to its first 96 bits, checked in constant time.

use subtle::ConstantTimeEq;

use super::ike_keys::{prf, PrfHash};

/// An ESP/AH integrity algorithm (scenarios name them md5 and sha1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Deserialize)]
pub enum IntegAlg {
    /// RFC 2403: 128-bit key, 96-bit ICV.
    #[serde(rename = "md5")]
    HmacMd5_96,
    /// RFC 2404: 160-bit key, 96-bit ICV.
    #[serde(rename = "sha1")]
    HmacSha1_96,
}

impl IntegAlg {
    /// ICV length: the HMAC truncated to 96 bits (RFC 2403 2, RFC 2404 2).
    pub const ICV_LEN: usize = 12;

    /// Key length in bytes (RFC 2403 3: 128 bits, RFC 2404 3: 160 bits).
    pub fn key_len(self) -> usize {
        match self {
            IntegAlg::HmacMd5_96 => 16,
            IntegAlg::HmacSha1_96 => 20,
        }
    }

    /// The hash under the HMAC.
    pub fn prf_hash(self) -> PrfHash {
        match self {
            IntegAlg::HmacMd5_96 => PrfHash::Md5,
            IntegAlg::HmacSha1_96 => PrfHash::Sha1,
        }
    }

    /// The 96-bit ICV of `data`. HMAC takes any key length, so this cannot
    /// fail; a key of the wrong length is the caller's negotiation bug.
    pub fn compute(self, key: &[u8], data: &[u8]) -> [u8; 12] {
        let full = prf(self.prf_hash(), key, data);
        let mut icv = [0u8; Self::ICV_LEN];
        for (d, s) in icv.iter_mut().zip(full.iter()) {
            *d = *s;
        }
        icv
    }

    /// Whether `icv` is the ICV of `data`, compared in constant time so a
    /// forger learns nothing from timing (RFC 4303 3.4.4.1). Any length
    /// other than 12 is simply false.
    pub fn verify(self, key: &[u8], data: &[u8], icv: &[u8]) -> bool {
        let want = self.compute(key, data);
        // `ct_eq` on slices of different lengths is false, not a panic.
        bool::from(want[..].ct_eq(icv))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn h(s: &str) -> Vec<u8> {
        hex::decode(s).unwrap()
    }

    /// RFC 2404 3 cases 1-5 (key, data, HMAC-SHA-1, HMAC-SHA-1-96), copied
    /// from shared/vectors/rfc2404_hmac_sha1_96.txt.
    const RFC2404: &[(&str, &str, &str, &str)] = &[
        ("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "4869205468657265",
         "b617318655057264e28bc0b6fb378c8ef146be00", "b617318655057264e28bc0b6"),
        ("4a656665", "7768617420646f2079612077616e7420666f72206e6f7468696e673f",
         "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79", "effcdf6ae5eb2fa2d27416d5"),
        ("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
         "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd",
         "125d7342b9ac11cd91a39af48aa17b4f63f175d3", "125d7342b9ac11cd91a39af4"),
        ("0102030405060708090a0b0c0d0e0f10111213141516171819",
         "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd",
         "4c9007f4026250c6bc8414f9bf50c86c2d7235da", "4c9007f4026250c6bc8414f9"),
        ("0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c", "546573742057697468205472756e636174696f6e",
         "4c1a03424b55e07fe7f27be1d58bb9324a9a5a04", "4c1a03424b55e07fe7f27be1"),
    ];

    #[test]
    fn hmac_sha1_96_rfc2404_cases_1_to_5() {
        for (key, data, full, icv) in RFC2404 {
            assert_eq!(hex::encode(prf(PrfHash::Sha1, &h(key), &h(data))), *full);
            let got = IntegAlg::HmacSha1_96.compute(&h(key), &h(data));
            assert_eq!(hex::encode(got), *icv);
            assert!(IntegAlg::HmacSha1_96.verify(&h(key), &h(data), &got));
        }
    }

    #[test]
    fn hmac_sha1_96_rfc2404_cases_6_7_key_longer_than_block() {
        let key = [0xaa; 80];
        let c6 = b"Test Using Larger Than Block-Size Key - Hash Key First";
        let c7 = b"Test Using Larger Than Block-Size Key and Larger Than One Block-Size Data";
        assert_eq!(
            hex::encode(IntegAlg::HmacSha1_96.compute(&key, c6)),
            "aa4ae5e15272d00e95705637"
        );
        assert_eq!(
            hex::encode(IntegAlg::HmacSha1_96.compute(&key, c7)),
            "e8e99d0f45237d786d6bbaa7"
        );
    }

    #[test]
    fn hmac_md5_rfc2202_cases_1_to_7() {
        let cases: [(Vec<u8>, Vec<u8>, &str); 7] = [
            (
                vec![0x0b; 16],
                b"Hi There".to_vec(),
                "9294727a3638bb1c13f48ef8158bfc9d",
            ),
            (
                b"Jefe".to_vec(),
                b"what do ya want for nothing?".to_vec(),
                "750c783e6ab0b503eaa86e310a5db738",
            ),
            (
                vec![0xaa; 16],
                vec![0xdd; 50],
                "56be34521d144c88dbb8c733f0e8b3f6",
            ),
            (
                h("0102030405060708090a0b0c0d0e0f10111213141516171819"),
                vec![0xcd; 50],
                "697eaf0aca3a3aea3a75164746ffaa79",
            ),
            (
                vec![0x0c; 16],
                b"Test With Truncation".to_vec(),
                "56461ef2342edc00f9bab995690efd4c",
            ),
            (
                vec![0xaa; 80],
                b"Test Using Larger Than Block-Size Key - Hash Key First".to_vec(),
                "6b1ab7fe4bd7bf8f0b62e6ce61b9d0cd",
            ),
            (
                vec![0xaa; 80],
                b"Test Using Larger Than Block-Size Key and Larger Than One Block-Size Data"
                    .to_vec(),
                "6f630fad67cda0ee1fb1f562db3aa53e",
            ),
        ];
        for (key, data, full) in &cases {
            assert_eq!(hex::encode(prf(PrfHash::Md5, key, data)), *full);
            let icv = IntegAlg::HmacMd5_96.compute(key, data);
            assert_eq!(hex::encode(icv), full[..24]);
            assert!(IntegAlg::HmacMd5_96.verify(key, data, &icv));
        }
        // RFC 2202 case 5 also gives the 96-bit truncation.
        assert_eq!(
            hex::encode(IntegAlg::HmacMd5_96.compute(&[0x0c; 16], b"Test With Truncation")),
            "56461ef2342edc00f9bab995"
        );
    }

    #[test]
    fn verify_rejects_wrong_icv_and_wrong_lengths() {
        let alg = IntegAlg::HmacSha1_96;
        let key = [7u8; 20];
        let icv = alg.compute(&key, b"payload");
        let mut bad = icv;
        bad[11] ^= 1;
        assert!(!alg.verify(&key, b"payload", &bad));
        assert!(!alg.verify(&key, b"payloaD", &icv));
        assert!(!alg.verify(&key, b"payload", &icv[..11]));
        assert!(!alg.verify(&key, b"payload", &[]));
        let full = prf(PrfHash::Sha1, &key, b"payload");
        assert!(
            !alg.verify(&key, b"payload", &full),
            "untruncated HMAC is not an ICV"
        );
    }

    #[test]
    fn key_lengths_follow_rfc2403_and_rfc2404() {
        assert_eq!(IntegAlg::HmacMd5_96.key_len(), 16);
        assert_eq!(IntegAlg::HmacSha1_96.key_len(), 20);
        assert_eq!(IntegAlg::ICV_LEN, 12);
    }

    proptest! {
        #[test]
        fn verify_accepts_exactly_the_computed_icv(
            md5 in any::<bool>(),
            key in proptest::collection::vec(any::<u8>(), 0..100),
            data in proptest::collection::vec(any::<u8>(), 0..200),
            icv in proptest::collection::vec(any::<u8>(), 0..20),
        ) {
            let alg = if md5 { IntegAlg::HmacMd5_96 } else { IntegAlg::HmacSha1_96 };
            let good = alg.compute(&key, &data);
            prop_assert!(alg.verify(&key, &data, &good));
            prop_assert_eq!(alg.verify(&key, &data, &icv), icv[..] == good[..]);
        }
    }
}
