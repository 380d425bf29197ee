//! Security associations (RFC 4301 4.1): the keys IKE agrees on
//! (`SaParams`) and one direction of ESP in transport mode (`EspSa`).

use rand_chacha::ChaCha20Rng;
use rand_core::RngCore;

use super::error::EspError;
use crate::crypto::cbc::{cbc_decrypt, cbc_encrypt, CbcCipher};
use crate::crypto::integ::IntegAlg;
use crate::wire::esp::{self, Sizes};

/// One direction's ESP keys as Quick Mode derives them (RFC 2409 5.5).
/// `cipher: None` is ESP with NULL encryption (RFC 2410), authentication only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaParams {
    pub spi: u32,
    pub cipher: Option<CbcCipher>,
    pub enc_key: Vec<u8>,
    pub integ: IntegAlg,
    pub auth_key: Vec<u8>,
}

impl SaParams {
    /// IV, block and ICV lengths on the wire.
    pub fn sizes(&self) -> Sizes {
        let block = self.cipher.map_or(1, CbcCipher::block_len);
        Sizes {
            iv_len: self.cipher.map_or(0, CbcCipher::block_len),
            block_len: block,
            icv_len: IntegAlg::ICV_LEN,
        }
    }

    /// Whether the SA encrypts (its bytes count as confidential).
    pub fn is_confidential(&self) -> bool {
        self.cipher.is_some()
    }

    fn check(&self) -> Result<(), EspError> {
        let want = self.cipher.map_or(0, CbcCipher::key_len);
        if self.enc_key.len() != want {
            return Err(EspError::BadKeyLength {
                want,
                len: self.enc_key.len(),
            });
        }
        let want = self.integ.key_len();
        if self.auth_key.len() != want {
            return Err(EspError::BadKeyLength {
                want,
                len: self.auth_key.len(),
            });
        }
        if self.spi == 0 {
            return Err(EspError::Malformed(crate::wire::WireError::Malformed {
                what: "esp",
                detail: "SPI 0 is reserved",
            }));
        }
        Ok(())
    }
}

/// Size of the anti-replay window: the minimum RFC 4303 3.4.3 requires,
/// and what Windows uses.
pub const REPLAY_WINDOW: u32 = 64;

/// The receiver's sliding window (RFC 4303 3.4.3, Appendix A2 without ESN):
/// `top` is the highest authenticated sequence number, bit i of `seen` is
/// `top - i`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReplayWindow {
    top: u32,
    seen: u64,
}

impl ReplayWindow {
    /// Whether `seq` may be new. Sequence number 0 is never sent (RFC 4303
    /// 3.3.3: the first packet is 1), so it is a replay by definition.
    pub fn check(&self, seq: u32) -> bool {
        if seq == 0 {
            return false;
        }
        if seq > self.top {
            return true;
        }
        let diff = self.top - seq;
        diff < REPLAY_WINDOW && self.seen & (1u64 << diff) == 0
    }

    /// Records `seq`; only after the ICV verified (RFC 4303 3.4.3).
    pub fn update(&mut self, seq: u32) {
        if seq > self.top {
            let shift = seq - self.top;
            self.seen = if shift >= REPLAY_WINDOW {
                0
            } else {
                self.seen << shift
            };
            self.seen |= 1;
            self.top = seq;
        } else {
            let diff = self.top - seq;
            if diff < REPLAY_WINDOW {
                self.seen |= 1u64 << diff;
            }
        }
    }

    /// Highest sequence number accepted so far (0: none).
    pub fn top(&self) -> u32 {
        self.top
    }
}

/// One direction of an ESP SA in transport mode: outbound ones `seal`,
/// inbound ones `open`.
#[derive(Debug, Clone)]
pub struct EspSa {
    params: SaParams,
    /// Outbound: last sequence number sent (RFC 4303 3.3.3: starts at 0,
    /// the first packet carries 1).
    sent: u32,
    window: ReplayWindow,
}

impl EspSa {
    /// Fails when a key's length does not fit its algorithm, or SPI is 0.
    pub fn new(params: SaParams) -> Result<EspSa, EspError> {
        params.check()?;
        Ok(EspSa {
            params,
            sent: 0,
            window: ReplayWindow::default(),
        })
    }

    pub fn params(&self) -> &SaParams {
        &self.params
    }

    pub fn spi(&self) -> u32 {
        self.params.spi
    }

    /// Sequence number of the last packet sealed.
    pub fn last_sent(&self) -> u32 {
        self.sent
    }

    pub fn replay_window(&self) -> &ReplayWindow {
        &self.window
    }

    /// The ESP bytes (IP payload) carrying `payload` with protocol
    /// `next_header`: a fresh random IV from `rng` (RFC 2451 3, RFC 3602 3:
    /// CBC IVs must be unpredictable), padding 1, 2, 3, ... (RFC 4303 2.4),
    /// encryption, then the ICV over header, IV and ciphertext (RFC 4303
    /// 3.3.4). The counter stops at 2^32 - 1 instead of cycling (RFC 4303
    /// 3.3.3): IKE rekeys far earlier (250,000 KB, WINDOWS.md 5), and a
    /// stuck counter shows up as replays rather than silently.
    /// Payloads too large for an IPv4 packet are the caller's to refuse.
    pub fn seal(&mut self, rng: &mut ChaCha20Rng, next_header: u8, payload: &[u8]) -> Vec<u8> {
        self.sent = self.sent.saturating_add(1);
        let sizes = self.params.sizes();
        let repr = esp::Repr {
            spi: self.params.spi,
            sequence_number: self.sent,
            next_header,
            payload_len: payload.len(),
        };
        let mut iv = vec![0u8; sizes.iv_len];
        rng.fill_bytes(&mut iv);
        let mut buf = vec![0u8; repr.buffer_len(sizes)];
        let mut p = esp::Packet::new_unchecked(&mut buf[..]);
        // Cannot fail: the buffer has buffer_len bytes, the IV iv_len, and
        // `new` refused SPI 0 and wrong key lengths.
        let emitted = repr.emit(&mut p, sizes, &iv, payload);
        debug_assert!(emitted.is_ok(), "{emitted:?}");
        if let Some(c) = self.params.cipher {
            let r = cbc_encrypt(c, &self.params.enc_key, &iv, p.encrypted_mut(sizes));
            debug_assert!(r.is_ok(), "{r:?}");
        }
        let icv = self
            .params
            .integ
            .compute(&self.params.auth_key, p.authenticated(sizes));
        p.icv_mut(sizes).copy_from_slice(&icv);
        buf
    }

    /// Checks and decrypts one ESP packet (the IP payload), in RFC 4303
    /// 3.4 order: structure, SPI, replay window, ICV in constant time
    /// *before* any decryption, window update, decryption, padding. Returns
    /// the Next Header and the payload.
    pub fn open(&mut self, esp_bytes: &[u8]) -> Result<(u8, Vec<u8>), EspError> {
        let sizes = self.params.sizes();
        let p = esp::Packet::new_checked(esp_bytes)?;
        if p.spi() != self.params.spi {
            return Err(EspError::WrongSpi {
                want: self.params.spi,
                got: p.spi(),
            });
        }
        p.check_len(sizes)?;
        let seq = p.sequence_number();
        // RFC 4303 3.4.3: duplicates are refused before the (costly) ICV.
        if !self.window.check(seq) {
            return Err(EspError::Replay(seq));
        }
        // RFC 4303 3.4.4.1: the ICV comparison is constant time (IntegAlg::verify).
        if !self
            .params
            .integ
            .verify(&self.params.auth_key, p.authenticated(sizes), p.icv(sizes))
        {
            return Err(EspError::BadIcv);
        }
        self.window.update(seq);
        let mut clear = p.encrypted(sizes).to_vec();
        if let Some(c) = self.params.cipher {
            cbc_decrypt(c, &self.params.enc_key, p.iv(sizes), &mut clear)
                .map_err(|_| EspError::BadPadding)?;
        }
        let (trailer, payload) = esp::Trailer::parse(&clear).map_err(|_| EspError::BadPadding)?;
        Ok((trailer.next_header, payload.to_vec()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rand_core::SeedableRng;

    fn rng() -> ChaCha20Rng {
        ChaCha20Rng::seed_from_u64(7)
    }

    fn params(cipher: Option<CbcCipher>, integ: IntegAlg, spi: u32) -> SaParams {
        SaParams {
            spi,
            cipher,
            enc_key: (0..cipher.map_or(0, CbcCipher::key_len))
                .map(|i| i as u8)
                .collect(),
            integ,
            auth_key: (0..integ.key_len()).map(|i| 0x80 | i as u8).collect(),
        }
    }

    fn pair(cipher: Option<CbcCipher>, integ: IntegAlg) -> (EspSa, EspSa) {
        let p = params(cipher, integ, 0x1234_5678);
        (EspSa::new(p.clone()).unwrap(), EspSa::new(p).unwrap())
    }

    #[test]
    fn seal_open_round_trip_every_algorithm() {
        let ciphers = [
            None,
            Some(CbcCipher::Des),
            Some(CbcCipher::TripleDes),
            Some(CbcCipher::Aes128),
            Some(CbcCipher::Aes192),
            Some(CbcCipher::Aes256),
        ];
        let mut r = rng();
        for c in ciphers {
            for i in [IntegAlg::HmacMd5_96, IntegAlg::HmacSha1_96] {
                let (mut tx, mut rx) = pair(c, i);
                for len in [0usize, 1, 13, 14, 100] {
                    let data: Vec<u8> = (0..len).map(|b| b as u8).collect();
                    let esp_bytes = tx.seal(&mut r, 17, &data);
                    let sizes = tx.params().sizes();
                    assert_eq!(esp_bytes.len() % 4, 0);
                    assert_eq!(
                        (esp_bytes.len() - 8 - sizes.iv_len - 12) % sizes.alignment(),
                        0
                    );
                    assert_eq!(rx.open(&esp_bytes), Ok((17, data)), "{c:?} {i:?} {len}");
                }
                assert_eq!(tx.last_sent(), 5);
                assert_eq!(rx.replay_window().top(), 5);
            }
        }
    }

    #[test]
    fn triple_des_sha1_hides_the_payload() {
        let (mut tx, _) = pair(Some(CbcCipher::TripleDes), IntegAlg::HmacSha1_96);
        let data = b"L2TP control message, clearly visible";
        let e = tx.seal(&mut rng(), 17, data);
        assert!(!e.windows(8).any(|w| w == &data[..8]));
        // Header: SPI then sequence 1.
        assert_eq!(&e[..8], &hex::decode("1234567800000001").unwrap()[..]);
    }

    #[test]
    fn ivs_come_from_the_rng_deterministically() {
        let (mut a, _) = pair(Some(CbcCipher::Aes128), IntegAlg::HmacSha1_96);
        let (mut b, _) = pair(Some(CbcCipher::Aes128), IntegAlg::HmacSha1_96);
        let (mut ra, mut rb) = (rng(), rng());
        let x1 = a.seal(&mut ra, 17, b"same");
        let x2 = a.seal(&mut ra, 17, b"same");
        assert_eq!(x1, b.seal(&mut rb, 17, b"same"));
        assert_ne!(x1[8..24], x2[8..24], "a fresh IV per packet");
    }

    #[test]
    fn null_encryption_payload_is_clear() {
        let (mut tx, mut rx) = pair(None, IntegAlg::HmacMd5_96);
        let e = tx.seal(&mut rng(), 17, b"abc");
        // No IV: header, "abc", padding 01 02 03, pad length 3, UDP, ICV.
        assert_eq!(hex::encode(&e[..16]), "12345678000000016162630102030311");
        assert_eq!(e.len(), 16 + 12);
        assert_eq!(rx.open(&e), Ok((17, b"abc".to_vec())));
    }

    #[test]
    fn any_flipped_bit_fails_the_icv_before_decryption() {
        let (mut tx, mut rx) = pair(Some(CbcCipher::TripleDes), IntegAlg::HmacMd5_96);
        let e = tx.seal(&mut rng(), 17, b"payload bytes");
        for i in 8..e.len() {
            let mut bad = e.clone();
            bad[i] ^= 0x01;
            assert_eq!(rx.open(&bad), Err(EspError::BadIcv), "byte {i}");
        }
        // The failures did not move the window: the genuine packet passes.
        assert!(rx.open(&e).is_ok());
    }

    #[test]
    fn replays_and_old_packets_refused() {
        let (mut tx, mut rx) = pair(Some(CbcCipher::Aes128), IntegAlg::HmacSha1_96);
        let mut r = rng();
        let packets: Vec<Vec<u8>> = (0..70).map(|_| tx.seal(&mut r, 17, b"x")).collect();
        assert!(rx.open(&packets[0]).is_ok());
        assert_eq!(rx.open(&packets[0]), Err(EspError::Replay(1)));
        // Out of order inside the window is fine.
        assert!(rx.open(&packets[69]).is_ok()); // seq 70
        assert!(rx.open(&packets[10]).is_ok()); // seq 11: 59 behind
        assert_eq!(rx.open(&packets[10]), Err(EspError::Replay(11)));
        // seq 6 is 64 behind 70: left of the window.
        assert_eq!(rx.open(&packets[5]), Err(EspError::Replay(6)));
        assert!(rx.open(&packets[6]).is_ok()); // seq 7: 63 behind
    }

    #[test]
    fn replay_window_edges() {
        let mut w = ReplayWindow::default();
        assert!(!w.check(0));
        assert!(w.check(1));
        w.update(200);
        assert!(w.check(137) && !w.check(136));
        w.update(137);
        assert!(!w.check(137));
        w.update(1000);
        assert!(!w.check(200) && w.check(999));
        w.update(u32::MAX);
        assert!(!w.check(u32::MAX) && w.check(u32::MAX - 1));
    }

    #[test]
    fn wrong_spi_truncation_and_bad_keys() {
        let (mut tx, mut rx) = pair(Some(CbcCipher::TripleDes), IntegAlg::HmacSha1_96);
        let e = tx.seal(&mut rng(), 17, b"hello");
        let mut other = e.clone();
        other[3] ^= 1;
        assert!(matches!(rx.open(&other), Err(EspError::WrongSpi { .. })));
        for n in 0..e.len() {
            assert!(rx.open(&e[..n]).is_err(), "prefix {n}");
        }
        let mut p = params(Some(CbcCipher::TripleDes), IntegAlg::HmacSha1_96, 1);
        p.enc_key.pop();
        assert_eq!(
            EspSa::new(p).err(),
            Some(EspError::BadKeyLength { want: 24, len: 23 })
        );
        let mut p = params(None, IntegAlg::HmacMd5_96, 1);
        p.auth_key.push(0);
        assert!(EspSa::new(p).is_err());
        assert!(EspSa::new(params(None, IntegAlg::HmacMd5_96, 0)).is_err());
    }

    #[test]
    fn wrong_cipher_key_is_bad_padding_not_bad_icv() {
        let p = params(Some(CbcCipher::Aes128), IntegAlg::HmacSha1_96, 9);
        let mut tx = EspSa::new(p.clone()).unwrap();
        let mut q = p;
        q.enc_key[0] ^= 0xff;
        let mut rx = EspSa::new(q).unwrap();
        // Same auth key, different cipher key: authentic, undecryptable.
        // A garbage trailer may parse by chance (about 1 in 256), but then
        // the payload is garbage too; never is it an ICV failure.
        let mut r = rng();
        let results: Vec<_> = (0..16)
            .map(|_| rx.open(&tx.seal(&mut r, 17, b"0123456789")))
            .collect();
        assert!(results.iter().all(|x| x != &Err(EspError::BadIcv)));
        assert!(results
            .iter()
            .all(|x| x != &Ok((17, b"0123456789".to_vec()))));
        assert!(
            results
                .iter()
                .filter(|x| x == &&Err(EspError::BadPadding))
                .count()
                >= 14
        );
    }

    proptest! {
        #[test]
        fn random_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..96)) {
            let (_, mut rx) = pair(Some(CbcCipher::TripleDes), IntegAlg::HmacSha1_96);
            let _ = rx.open(&data);
            let mut d = data.clone();
            if d.len() >= 4 { d[..4].copy_from_slice(&0x1234_5678u32.to_be_bytes()); }
            let _ = rx.open(&d);
        }

        #[test]
        fn seal_open_round_trip(payload in proptest::collection::vec(any::<u8>(), 0..200),
                                nh in any::<u8>(), aes in any::<bool>()) {
            let c = if aes { CbcCipher::Aes256 } else { CbcCipher::TripleDes };
            let (mut tx, mut rx) = pair(Some(c), IntegAlg::HmacSha1_96);
            let e = tx.seal(&mut rng(), nh, &payload);
            prop_assert_eq!(rx.open(&e), Ok((nh, payload)));
        }
    }
}
