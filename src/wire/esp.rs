//! Encapsulating Security Payload (RFC 4303 2), as seen on the wire and
//! after decryption. No cryptography here: `ipsec::sa` encrypts the region
//! this module lays out and fills the ICV.
//!
//! ```text
//! |               Security Parameters Index (SPI)                 |
//! |                      Sequence Number                          |
//! |   IV (CBC ciphers)  |  Payload Data ...                       |
//! |   ... Padding (0-255 bytes)   |  Pad Length   | Next Header   |
//! |         Integrity Check Value (ICV, 12 bytes for HMAC-*-96)   |
//! ```
//!
//! ESP has no length field: the IP packet delimits it, and the IV and ICV
//! lengths are properties of the SA (`Sizes`), not of the bytes. So a
//! truncated packet is often structurally plausible, and only the ICV
//! check (`ipsec::sa::EspSa::open`) catches it.

use core::ops::Range;

use super::view::packet_view;
use super::WireError;

const WHAT: &str = "esp";

/// IP protocol number of ESP (IANA; RFC 4303 2).
pub const IP_PROTOCOL: u8 = 50;

mod field {
    use core::ops::Range;
    pub const SPI: Range<usize> = 0..4;
    pub const SEQUENCE: Range<usize> = 4..8;
}

/// SPI and sequence number (RFC 4303 2.1, 2.2).
pub const HEADER_LEN: usize = field::SEQUENCE.end;
/// Pad Length and Next Header (RFC 4303 2.5, 2.6).
pub const TRAILER_LEN: usize = 2;
/// Next Header 59, "no next header": a dummy packet (RFC 4303 2.6).
pub const NEXT_HEADER_NONE: u8 = 59;

/// The SA's algorithm sizes, which the wire does not carry (RFC 4303 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sizes {
    /// Explicit IV at the start of the payload: the cipher block for CBC
    /// (RFC 2451 3, RFC 3602 3), 0 for NULL encryption (RFC 2410).
    pub iv_len: usize,
    /// Cipher block length, 1 for NULL encryption.
    pub block_len: usize,
    /// ICV length, 0 when the SA has no integrity algorithm.
    pub icv_len: usize,
}

impl Sizes {
    /// Length the payload + padding + trailer must be a multiple of: the
    /// cipher block, and at least 4 so the trailer ends on a 32-bit boundary
    /// (RFC 4303 2.4).
    pub fn alignment(&self) -> usize {
        self.block_len.max(4)
    }

    /// Minimal padding for `payload_len` bytes (RFC 4303 2.4). Always < 256
    /// because the alignment is at most a 16-byte cipher block.
    pub fn pad_len(&self, payload_len: usize) -> usize {
        let a = self.alignment();
        (a - (payload_len + TRAILER_LEN) % a) % a
    }
}

packet_view! {
    /// A view of an ESP packet (the IP payload). After `new_checked`, `spi` and
    /// `sequence_number` do not panic; the regions that depend on the SA's sizes
    /// need `check_len` first.
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Checks that the header fits and that the SPI is not 0, which is
    /// reserved for local use and never sent (RFC 4303 2.1).
    pub fn new_checked(buffer: T) -> Result<Self, WireError> {
        let have = buffer.as_ref().len();
        WireError::check_len(WHAT, HEADER_LEN, have)?;
        let p = Packet { buffer };
        if p.spi() == 0 {
            return Err(WireError::Malformed {
                what: WHAT,
                detail: "SPI 0 is reserved",
            });
        }
        Ok(p)
    }

    fn u32_at(&self, at: Range<usize>) -> u32 {
        let b = &self.buffer.as_ref()[at];
        u32::from_be_bytes([b[0], b[1], b[2], b[3]])
    }

    pub fn spi(&self) -> u32 {
        self.u32_at(field::SPI)
    }

    pub fn sequence_number(&self) -> u32 {
        self.u32_at(field::SEQUENCE)
    }

    /// Checks that IV, at least the trailer, and ICV fit, and that the
    /// (encrypted) payload + padding + trailer is a whole number of
    /// alignment units (RFC 4303 2.4).
    pub fn check_len(&self, sizes: Sizes) -> Result<(), WireError> {
        let have = self.buffer.as_ref().len();
        let need = HEADER_LEN + sizes.iv_len + TRAILER_LEN + sizes.icv_len;
        WireError::check_len(WHAT, need, have)?;
        let enc = have - HEADER_LEN - sizes.iv_len - sizes.icv_len;
        if enc % sizes.alignment() != 0 {
            return Err(WireError::BadLength {
                what: "esp encrypted payload",
                len: enc,
            });
        }
        Ok(())
    }

    fn iv_range(&self, sizes: Sizes) -> Range<usize> {
        HEADER_LEN..HEADER_LEN + sizes.iv_len
    }

    fn encrypted_range(&self, sizes: Sizes) -> Range<usize> {
        HEADER_LEN + sizes.iv_len..self.buffer.as_ref().len() - sizes.icv_len
    }

    /// The IV (after `check_len`).
    pub fn iv(&self, sizes: Sizes) -> &[u8] {
        &self.buffer.as_ref()[self.iv_range(sizes)]
    }

    /// Payload, padding and trailer: ciphertext, or clear text with NULL
    /// encryption (after `check_len`).
    pub fn encrypted(&self, sizes: Sizes) -> &[u8] {
        &self.buffer.as_ref()[self.encrypted_range(sizes)]
    }

    /// What the ICV covers: header, IV and encrypted region (RFC 4303 2.8,
    /// 3.3.4), i.e. everything but the ICV (after `check_len`).
    pub fn authenticated(&self, sizes: Sizes) -> &[u8] {
        let b = self.buffer.as_ref();
        &b[..b.len() - sizes.icv_len]
    }

    /// The ICV (after `check_len`).
    pub fn icv(&self, sizes: Sizes) -> &[u8] {
        let b = self.buffer.as_ref();
        &b[b.len() - sizes.icv_len..]
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Packet<T> {
    pub fn set_spi(&mut self, v: u32) {
        self.buffer.as_mut()[field::SPI].copy_from_slice(&v.to_be_bytes());
    }

    pub fn set_sequence_number(&mut self, v: u32) {
        self.buffer.as_mut()[field::SEQUENCE].copy_from_slice(&v.to_be_bytes());
    }

    pub fn iv_mut(&mut self, sizes: Sizes) -> &mut [u8] {
        let r = self.iv_range(sizes);
        &mut self.buffer.as_mut()[r]
    }

    pub fn encrypted_mut(&mut self, sizes: Sizes) -> &mut [u8] {
        let r = self.encrypted_range(sizes);
        &mut self.buffer.as_mut()[r]
    }

    pub fn icv_mut(&mut self, sizes: Sizes) -> &mut [u8] {
        let len = self.buffer.as_ref().len();
        &mut self.buffer.as_mut()[len - sizes.icv_len..]
    }
}

/// The clear trailer at the end of the decrypted region (RFC 4303 2.4-2.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Trailer {
    pub pad_len: u8,
    pub next_header: u8,
}

impl Trailer {
    /// Parses the trailer of a clear region (payload, padding, trailer) and
    /// returns it with the payload. The padding must be 1, 2, 3, ... : the
    /// default scheme, which the receiver SHOULD inspect (RFC 4303 2.4).
    pub fn parse(clear: &[u8]) -> Result<(Trailer, &[u8]), WireError> {
        let [rest @ .., pad_len, next_header] = clear else {
            return Err(WireError::Truncated {
                what: "esp trailer",
                need: TRAILER_LEN,
                have: clear.len(),
            });
        };
        let pad = usize::from(*pad_len);
        let Some(payload_len) = rest.len().checked_sub(pad) else {
            return Err(WireError::BadLength {
                what: "esp padding",
                len: pad,
            });
        };
        let (payload, padding) = rest.split_at(payload_len);
        if !padding.iter().zip(1u8..).all(|(&b, want)| b == want) {
            return Err(WireError::Malformed {
                what: WHAT,
                detail: "padding is not 1, 2, 3, ...",
            });
        }
        Ok((
            Trailer {
                pad_len: *pad_len,
                next_header: *next_header,
            },
            payload,
        ))
    }
}

/// An ESP packet's fields, with the payload kept in the packet. Emitting
/// always uses minimal padding; parsing accepts any default-scheme padding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Repr {
    pub spi: u32,
    pub sequence_number: u32,
    /// IP protocol of the payload in transport mode (RFC 4303 2.6).
    pub next_header: u8,
    pub payload_len: usize,
}

impl Repr {
    /// Parses a packet whose encrypted region is clear: NULL encryption, or
    /// a packet decrypted in place.
    pub fn parse<T: AsRef<[u8]>>(packet: &Packet<T>, sizes: Sizes) -> Result<Repr, WireError> {
        packet.check_len(sizes)?;
        let (trailer, payload) = Trailer::parse(packet.encrypted(sizes))?;
        Ok(Repr {
            spi: packet.spi(),
            sequence_number: packet.sequence_number(),
            next_header: trailer.next_header,
            payload_len: payload.len(),
        })
    }

    /// Bytes of the whole ESP packet, ICV included.
    pub fn buffer_len(&self, sizes: Sizes) -> usize {
        HEADER_LEN
            + sizes.iv_len
            + self.payload_len
            + sizes.pad_len(self.payload_len)
            + TRAILER_LEN
            + sizes.icv_len
    }

    /// Writes header, IV, payload, padding 1, 2, 3, ... and trailer in the
    /// clear into the first `buffer_len` bytes of `packet`, and zeroes the
    /// ICV; the SA then encrypts `encrypted_mut` and fills `icv_mut`.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(
        &self,
        packet: &mut Packet<T>,
        sizes: Sizes,
        iv: &[u8],
        payload: &[u8],
    ) -> Result<(), WireError> {
        if self.spi == 0 {
            return Err(WireError::Malformed {
                what: WHAT,
                detail: "SPI 0 is reserved",
            });
        }
        if iv.len() != sizes.iv_len {
            return Err(WireError::BadLength {
                what: "esp iv",
                len: iv.len(),
            });
        }
        if payload.len() != self.payload_len {
            return Err(WireError::BadLength {
                what: "esp payload",
                len: payload.len(),
            });
        }
        let need = self.buffer_len(sizes);
        let have = packet.buffer.as_ref().len();
        if have != need {
            return Err(WireError::BadLength {
                what: WHAT,
                len: have,
            });
        }
        packet.set_spi(self.spi);
        packet.set_sequence_number(self.sequence_number);
        packet.iv_mut(sizes).copy_from_slice(iv);
        let pad = sizes.pad_len(self.payload_len);
        let region = packet.encrypted_mut(sizes);
        let (data, rest) = region.split_at_mut(self.payload_len);
        data.copy_from_slice(payload);
        for (b, v) in rest.iter_mut().zip(1u8..) {
            *b = v;
        }
        // `pad` < 256: the alignment is at most 16 (see `Sizes::pad_len`).
        let pad = u8::try_from(pad).unwrap_or(u8::MAX);
        let n = rest.len();
        rest[n - 2] = pad;
        rest[n - 1] = self.next_header;
        packet.icv_mut(sizes).fill(0);
        Ok(())
    }
}

/// One line for reports, in tshark's manner: `ESP (SPI=0x1a2b3c4d) seq 7`.
pub fn summary(esp: &[u8]) -> String {
    match Packet::new_checked(esp) {
        Ok(p) => format!("ESP (SPI=0x{:08x}) seq {}", p.spi(), p.sequence_number()),
        Err(_) => format!("ESP (malformed, {} bytes)", esp.len()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// 3DES-CBC + HMAC-*-96.
    const CBC8: Sizes = Sizes {
        iv_len: 8,
        block_len: 8,
        icv_len: 12,
    };
    /// NULL encryption + HMAC-*-96 (RFC 2410).
    const NULL: Sizes = Sizes {
        iv_len: 0,
        block_len: 1,
        icv_len: 12,
    };

    // SPI 0x11223344, seq 1, NULL encryption, UDP payload "abc":
    // 3 + 2 = 5 bytes, padded to 8 with 01 02 03; ICV zeroed.
    const NULL_PACKET: &str = "11223344000000016162630102030311000000000000000000000000";

    fn null_repr() -> Repr {
        Repr {
            spi: 0x1122_3344,
            sequence_number: 1,
            next_header: 17,
            payload_len: 3,
        }
    }

    #[test]
    fn emit_equals_bytes() {
        let r = null_repr();
        let mut buf = vec![0xffu8; r.buffer_len(NULL)];
        r.emit(&mut Packet::new_unchecked(&mut buf[..]), NULL, &[], b"abc")
            .unwrap();
        assert_eq!(hex::encode(&buf), NULL_PACKET);
    }

    #[test]
    fn parse_round_trip() {
        let b = hex::decode(NULL_PACKET).unwrap();
        let p = Packet::new_checked(&b[..]).unwrap();
        assert_eq!(Repr::parse(&p, NULL).unwrap(), null_repr());
        assert_eq!(p.icv(NULL), &[0u8; 12]);
        assert_eq!(p.authenticated(NULL).len(), b.len() - 12);
        assert_eq!(summary(&b), "ESP (SPI=0x11223344) seq 1");
    }

    #[test]
    fn rfc4303_padding_is_one_two_three_to_the_block() {
        // 5 bytes + 2 trailer = 7: one pad byte to reach an 8-byte block.
        let r = Repr {
            payload_len: 5,
            ..null_repr()
        };
        let iv = [0xaa; 8];
        let mut buf = vec![0u8; r.buffer_len(CBC8)];
        assert_eq!(buf.len(), 8 + 8 + 8 + 12);
        r.emit(
            &mut Packet::new_unchecked(&mut buf[..]),
            CBC8,
            &iv,
            b"hello",
        )
        .unwrap();
        assert_eq!(hex::encode(&buf[16..24]), "68656c6c6f010111");
        // 6 + 2 = 8: no padding at all.
        assert_eq!(CBC8.pad_len(6), 0);
        // 7 + 2 = 9: seven pad bytes, 1..=7.
        assert_eq!(CBC8.pad_len(7), 7);
        // AES: 16-byte blocks.
        let aes = Sizes {
            iv_len: 16,
            block_len: 16,
            icv_len: 12,
        };
        assert_eq!(aes.pad_len(0), 14);
        // NULL: 4-byte alignment of the trailer (RFC 4303 2.4).
        assert_eq!(NULL.pad_len(2), 0);
        assert_eq!(NULL.pad_len(3), 3);
    }

    #[test]
    fn wrong_padding_rejected() {
        let mut b = hex::decode(NULL_PACKET).unwrap();
        b[12] = 0x09; // second pad byte should be 02
        let p = Packet::new_checked(&b[..]).unwrap();
        assert!(matches!(
            Repr::parse(&p, NULL),
            Err(WireError::Malformed { .. })
        ));
        // A pad length longer than the region.
        let mut b = hex::decode(NULL_PACKET).unwrap();
        b[14] = 9;
        let p = Packet::new_checked(&b[..]).unwrap();
        assert!(matches!(
            Repr::parse(&p, NULL),
            Err(WireError::BadLength { .. })
        ));
    }

    #[test]
    fn spi_zero_rejected() {
        let mut b = hex::decode(NULL_PACKET).unwrap();
        b[..4].fill(0);
        assert!(Packet::new_checked(&b[..]).is_err());
        let r = Repr {
            spi: 0,
            ..null_repr()
        };
        let mut buf = vec![0u8; r.buffer_len(NULL)];
        assert!(r
            .emit(&mut Packet::new_unchecked(&mut buf[..]), NULL, &[], b"abc")
            .is_err());
    }

    #[test]
    fn misaligned_ciphertext_rejected() {
        let mut b = vec![0x11; 8 + 8 + 16 + 12];
        assert!(Packet::new_checked(&b[..]).unwrap().check_len(CBC8).is_ok());
        b.push(0);
        assert!(matches!(
            Packet::new_checked(&b[..]).unwrap().check_len(CBC8),
            Err(WireError::BadLength { .. })
        ));
    }

    #[test]
    fn every_prefix_fails() {
        // ESP has no length field: a prefix shorter by a whole number of
        // alignment units can be well-formed, and only the ICV (EspSa::open)
        // rejects it. Here every prefix fails the structure: the 16-byte
        // minimum (header + trailer + ICV) and 4-byte alignment reject the
        // rest, and the one aligned prefix (4 bytes shorter) ends in a bad
        // trailer.
        let b = hex::decode(NULL_PACKET).unwrap();
        for n in 0..b.len() {
            let r = Packet::new_checked(&b[..n]).and_then(|p| Repr::parse(&p, NULL));
            assert!(r.is_err(), "prefix {n}");
        }
        // The header view alone.
        for n in 0..HEADER_LEN {
            assert!(Packet::new_checked(&b[..n]).is_err(), "header prefix {n}");
        }
    }

    #[test]
    fn emit_checks_its_inputs() {
        let r = null_repr();
        let mut buf = vec![0u8; r.buffer_len(CBC8)];
        let mut p = Packet::new_unchecked(&mut buf[..]);
        assert!(r.emit(&mut p, CBC8, &[0; 7], b"abc").is_err());
        assert!(r.emit(&mut p, CBC8, &[0; 8], b"abcd").is_err());
        let mut short = vec![0u8; r.buffer_len(CBC8) - 1];
        assert!(r
            .emit(
                &mut Packet::new_unchecked(&mut short[..]),
                CBC8,
                &[0; 8],
                b"abc"
            )
            .is_err());
    }

    proptest! {
        #[test]
        fn random_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..64),
                                    sizes in prop_oneof![Just(NULL), Just(CBC8)]) {
            let _ = summary(&data);
            if let Ok(p) = Packet::new_checked(&data[..]) {
                let _ = (p.spi(), p.sequence_number());
                if Repr::parse(&p, sizes).is_ok() {
                    let _ = (p.iv(sizes), p.encrypted(sizes), p.icv(sizes));
                }
            }
            let _ = Trailer::parse(&data);
        }

        #[test]
        fn emit_parse_round_trip(spi in 1u32.., seq in any::<u32>(), nh in any::<u8>(),
                                 payload in proptest::collection::vec(any::<u8>(), 0..64),
                                 sizes in prop_oneof![Just(NULL), Just(CBC8)]) {
            let r = Repr { spi, sequence_number: seq, next_header: nh, payload_len: payload.len() };
            let iv = vec![0x5a; sizes.iv_len];
            let mut buf = vec![0u8; r.buffer_len(sizes)];
            r.emit(&mut Packet::new_unchecked(&mut buf[..]), sizes, &iv, &payload).unwrap();
            let p = Packet::new_checked(&buf[..]).unwrap();
            prop_assert_eq!(Repr::parse(&p, sizes).unwrap(), r);
            prop_assert_eq!(p.iv(sizes), &iv[..]);
            prop_assert_eq!(&p.encrypted(sizes)[..payload.len()], &payload[..]);
            prop_assert_eq!(p.encrypted(sizes).len() % sizes.alignment(), 0);
        }
    }
}
