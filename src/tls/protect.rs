//! TLS 1.0 record protection for the RSA suites of the XP era (RFC 2246
//! 6.2.3, 6.3): the MAC over the sequence number and the record header,
//! then RC4 (stream) or 3DES/DES in CBC (block, with TLS 1.0's padding and
//! the IV carried over from the previous record's last block).

use md5::Md5;
use rc4::consts::U16;
use rc4::{KeyInit, StreamCipher};
use sha1::Sha1;

use super::error::TlsError;
use super::handshake::suite;
use super::prf::hmac;
use super::record::ContentType;
use crate::crypto::cbc::{cbc_decrypt, cbc_encrypt, CbcCipher};
use crate::wire::WireError;

/// RFC 2246 6.2.1: a plaintext fragment is at most 2^14 bytes.
const MAX_PLAINTEXT_LEN: usize = 1 << 14;

/// The record MAC's hash (RFC 2246 6.2.3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MacHash {
    Md5,
    Sha1,
}

impl MacHash {
    pub fn output_len(self) -> usize {
        match self {
            MacHash::Md5 => 16,
            MacHash::Sha1 => 20,
        }
    }
}

/// The bulk cipher (RFC 2246 6.3, A.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bulk {
    Rc4_128,
    Cbc(CbcCipher),
}

/// What a cipher suite asks of the key block (RFC 2246 6.3, A.5-A.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SuiteParams {
    pub id: u16,
    pub mac: MacHash,
    pub bulk: Bulk,
}

impl SuiteParams {
    pub fn of(id: u16) -> Result<Self, TlsError> {
        let (mac, bulk) = match id {
            suite::RSA_WITH_RC4_128_MD5 => (MacHash::Md5, Bulk::Rc4_128),
            suite::RSA_WITH_RC4_128_SHA => (MacHash::Sha1, Bulk::Rc4_128),
            suite::RSA_WITH_3DES_EDE_CBC_SHA => (MacHash::Sha1, Bulk::Cbc(CbcCipher::TripleDes)),
            suite::RSA_WITH_DES_CBC_SHA => (MacHash::Sha1, Bulk::Cbc(CbcCipher::Des)),
            other => return Err(TlsError::UnsupportedSuite(other)),
        };
        Ok(SuiteParams { id, mac, bulk })
    }

    pub fn key_len(self) -> usize {
        match self.bulk {
            Bulk::Rc4_128 => 16,
            Bulk::Cbc(c) => c.key_len(),
        }
    }

    pub fn iv_len(self) -> usize {
        match self.bulk {
            Bulk::Rc4_128 => 0,
            Bulk::Cbc(c) => c.block_len(),
        }
    }

    /// The key block's length: two MAC secrets, two keys, two IVs.
    pub fn key_block_len(self) -> usize {
        2 * (self.mac.output_len() + self.key_len() + self.iv_len())
    }

    /// One direction's (MAC secret, key, IV) out of the key block, laid
    /// out client's before server's for each (RFC 2246 6.3).
    pub fn direction(self, block: &[u8], client: bool) -> (&[u8], &[u8], &[u8]) {
        let (m, k, i) = (self.mac.output_len(), self.key_len(), self.iv_len());
        let pick = |start: usize, len: usize| {
            let at = if client { start } else { start + len };
            block.get(at..at + len).unwrap_or_default()
        };
        (pick(0, m), pick(2 * m, k), pick(2 * (m + k), i))
    }
}

enum CipherState {
    Rc4(Box<rc4::Rc4<U16>>),
    Cbc {
        cipher: CbcCipher,
        key: Vec<u8>,
        iv: Vec<u8>,
    },
}

/// One direction of a connection's record protection: what the writer
/// seals and the reader opens with the same keys.
pub struct Protection {
    params: SuiteParams,
    mac_secret: Vec<u8>,
    cipher: CipherState,
    /// RFC 2246 6.1: 64-bit, from zero at each ChangeCipherSpec.
    seq: u64,
}

impl core::fmt::Debug for Protection {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // Keys stay out of logs.
        write!(f, "Protection({:#06x}, seq {})", self.params.id, self.seq)
    }
}

impl Protection {
    /// The protection of the client's (`client`) or the server's writes,
    /// from the connection's key block.
    pub fn new(params: SuiteParams, key_block: &[u8], client: bool) -> Result<Self, TlsError> {
        if key_block.len() < params.key_block_len() {
            return Err(TlsError::KeyBlockTooShort(key_block.len()));
        }
        let (mac, key, iv) = params.direction(key_block, client);
        let cipher = match params.bulk {
            Bulk::Rc4_128 => {
                let mut k = [0u8; 16];
                k.copy_from_slice(key);
                CipherState::Rc4(Box::new(rc4::Rc4::new(&k.into())))
            }
            Bulk::Cbc(cipher) => CipherState::Cbc {
                cipher,
                key: key.to_vec(),
                iv: iv.to_vec(),
            },
        };
        Ok(Protection {
            params,
            mac_secret: mac.to_vec(),
            cipher,
            seq: 0,
        })
    }

    /// RFC 2246 6.2.3.1: HMAC(MAC_write_secret, seq_num + type + version +
    /// length + fragment).
    fn mac(&self, kind: ContentType, version: u16, content: &[u8]) -> Vec<u8> {
        let seq = self.seq.to_be_bytes();
        let header = [u8::from(kind)];
        let version = version.to_be_bytes();
        let len = (content.len() as u16).to_be_bytes();
        let parts: [&[u8]; 5] = [&seq, &header, &version, &len, content];
        match self.params.mac {
            MacHash::Md5 => hmac::<Md5>(&self.mac_secret, &parts),
            MacHash::Sha1 => hmac::<Sha1>(&self.mac_secret, &parts),
        }
    }

    /// The sealed fragment of a record of `kind` holding `content`, at
    /// most 2^14 bytes (RFC 2246 6.2.1; the caller splits longer ones).
    pub fn seal(
        &mut self,
        kind: ContentType,
        version: u16,
        content: &[u8],
    ) -> Result<Vec<u8>, TlsError> {
        if content.len() > MAX_PLAINTEXT_LEN {
            return Err(WireError::BadLength {
                what: "TLS plaintext",
                len: content.len(),
            }
            .into());
        }
        let mut out = content.to_vec();
        out.extend(self.mac(kind, version, content));
        self.seq = self.seq.wrapping_add(1);
        match &mut self.cipher {
            CipherState::Rc4(rc4) => rc4.apply_keystream(&mut out),
            CipherState::Cbc { cipher, key, iv } => {
                // RFC 2246 6.2.3.2: padding_length + 1 octets, each
                // padding_length, to a whole number of blocks.
                let block = cipher.block_len();
                let pad = block - 1 - out.len() % block;
                out.extend(std::iter::repeat_n(pad as u8, pad + 1));
                cbc_encrypt(*cipher, key, iv, &mut out)?;
                *iv = out[out.len() - block..].to_vec();
            }
        }
        Ok(out)
    }

    /// The content of a sealed record of `kind`, its MAC checked.
    pub fn open(
        &mut self,
        kind: ContentType,
        version: u16,
        sealed: &[u8],
    ) -> Result<Vec<u8>, TlsError> {
        let mut data = sealed.to_vec();
        match &mut self.cipher {
            CipherState::Rc4(rc4) => rc4.apply_keystream(&mut data),
            CipherState::Cbc { cipher, key, iv } => {
                let block = cipher.block_len();
                if data.is_empty() || data.len() % block != 0 {
                    return Err(TlsError::DecryptionFailed);
                }
                let next_iv = data[data.len() - block..].to_vec();
                cbc_decrypt(*cipher, key, iv, &mut data).map_err(|_| TlsError::DecryptionFailed)?;
                *iv = next_iv;
                let pad = usize::from(*data.last().unwrap_or(&0));
                if pad + 1 > data.len()
                    || !data[data.len() - pad - 1..]
                        .iter()
                        .all(|b| usize::from(*b) == pad)
                {
                    return Err(TlsError::DecryptionFailed);
                }
                data.truncate(data.len() - pad - 1);
            }
        }
        let mac_len = self.params.mac.output_len();
        if data.len() < mac_len {
            return Err(TlsError::BadRecordMac);
        }
        let content_len = data.len() - mac_len;
        let expected = self.mac(kind, version, &data[..content_len]);
        if expected != data[content_len..] {
            return Err(TlsError::BadRecordMac);
        }
        self.seq = self.seq.wrapping_add(1);
        data.truncate(content_len);
        Ok(data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key_block(params: SuiteParams) -> Vec<u8> {
        (0..params.key_block_len()).map(|i| i as u8).collect()
    }

    #[test]
    fn every_suite_round_trips_and_refuses_tampering() {
        for id in [
            suite::RSA_WITH_RC4_128_MD5,
            suite::RSA_WITH_RC4_128_SHA,
            suite::RSA_WITH_3DES_EDE_CBC_SHA,
            suite::RSA_WITH_DES_CBC_SHA,
        ] {
            let params = SuiteParams::of(id).unwrap();
            let block = key_block(params);
            let mut writer = Protection::new(params, &block, true).unwrap();
            let mut reader = Protection::new(params, &block, true).unwrap();
            for n in [0usize, 1, 12, 100] {
                let content: Vec<u8> = (0..n).map(|i| i as u8).collect();
                let sealed = writer
                    .seal(ContentType::Handshake, 0x0301, &content)
                    .unwrap();
                assert!(n == 0 || sealed[..n] != content[..], "{id:#x}");
                assert_eq!(
                    reader
                        .open(ContentType::Handshake, 0x0301, &sealed)
                        .unwrap(),
                    content
                );
            }
            // The server's direction has other keys.
            let mut other = Protection::new(params, &block, false).unwrap();
            let sealed = writer
                .seal(ContentType::ApplicationData, 0x0301, b"hello")
                .unwrap();
            assert!(other
                .open(ContentType::ApplicationData, 0x0301, &sealed)
                .is_err());
            // A flipped bit fails the MAC or the padding.
            let mut sealed = writer
                .seal(ContentType::ApplicationData, 0x0301, b"hello")
                .unwrap();
            sealed[0] ^= 1;
            assert!(reader
                .open(ContentType::ApplicationData, 0x0301, &sealed)
                .is_err());
        }
    }

    #[test]
    fn the_mac_is_hmac_over_sequence_and_header() {
        // Independent recomputation: the bytes 0000000000000000 16 0301
        // 0003 686969 (seq 0, type 22, version 3.1, length 3, "hii") in a
        // file, then `openssl mac -digest MD5 -macopt
        // hexkey:000102030405060708090a0b0c0d0e0f -in FILE HMAC`.
        let params = SuiteParams::of(suite::RSA_WITH_RC4_128_MD5).unwrap();
        let block = key_block(params);
        let p = Protection::new(params, &block, true).unwrap();
        let mac = p.mac(ContentType::Handshake, 0x0301, b"hii");
        assert_eq!(hex::encode(mac), MAC_HEX);
    }

    const MAC_HEX: &str = "249fb17e453e6ba3004bd7dff718b754";

    #[test]
    fn a_short_key_block_or_a_long_plaintext_is_refused() {
        let params = SuiteParams::of(suite::RSA_WITH_3DES_EDE_CBC_SHA).unwrap();
        let block = key_block(params);
        assert_eq!(
            Protection::new(params, &block[..103], true).err(),
            Some(TlsError::KeyBlockTooShort(103))
        );
        let mut p = Protection::new(params, &block, true).unwrap();
        assert!(p
            .seal(ContentType::ApplicationData, 0x0301, &[0; (1 << 14) + 1])
            .is_err());
    }

    #[test]
    fn suites_of_other_eras_are_refused() {
        assert_eq!(
            SuiteParams::of(0x002f),
            Err(TlsError::UnsupportedSuite(0x002f))
        );
        let p = SuiteParams::of(suite::RSA_WITH_3DES_EDE_CBC_SHA).unwrap();
        // RFC 2246 6.3: 2 x (20 + 24 + 8).
        assert_eq!(p.key_block_len(), 104);
    }
}
