//! The MPPE header (RFC 3078 3): the information field of PPP protocol
//! 0x00FD is two octets of flags and coherency count, then the encrypted
//! data, whose first octets decrypt to the inner PPP protocol.

use super::super::view::packet_view;
use crate::wire::WireError;

const WHAT: &str = "MPPE";

/// RFC 3078 3: the coherency count is 12 bits and wraps.
pub const COHERENCY_MASK: u16 = 0x0fff;

/// RFC 3078 3 (the bits RFC 2118 MPPC defines, plus D): the flag bits of
/// the first octet. An encrypted stateless packet starts 0x9_ (A and D),
/// as Linux's ppp_mppe (`MPPE_BIT_ENCRYPTED` 0x10) and Windows send it;
/// found against pppd in User-Mode Linux (issue 10), which refused our
/// earlier 0xA_ as "ENCRYPTED bit not set".
pub mod flag {
    /// A: the RC4 tables were reinitialised (set on every stateless packet).
    pub const FLUSHED: u8 = 0x80;
    /// B: MPPC history reset (compression only).
    pub const B: u8 = 0x40;
    /// C: the data is MPPC-compressed.
    pub const COMPRESSED: u8 = 0x20;
    /// D: the data is encrypted.
    pub const ENCRYPTED: u8 = 0x10;
}

mod field {
    pub type Field = core::ops::Range<usize>;
    pub const HEADER: Field = 0..2;
    pub const HEADER_LEN: usize = 2;
}

packet_view! {
    /// A view over an MPPE packet.
}

impl<T: AsRef<[u8]>> Packet<T> {
    pub fn new_checked(buffer: T) -> Result<Self, WireError> {
        let p = Packet::new_unchecked(buffer);
        p.check_len()?;
        Ok(p)
    }

    pub fn check_len(&self) -> Result<(), WireError> {
        let have = self.buffer.as_ref().len();
        WireError::check_len(WHAT, field::HEADER_LEN, have)?;
        Ok(())
    }

    fn header(&self) -> u16 {
        let b = &self.buffer.as_ref()[field::HEADER];
        u16::from_be_bytes([b[0], b[1]])
    }

    /// The four flag bits, in the top nibble of the returned octet.
    pub fn flags(&self) -> u8 {
        (self.header() >> 8) as u8 & 0xf0
    }

    pub fn coherency_count(&self) -> u16 {
        self.header() & COHERENCY_MASK
    }

    /// The (encrypted) data after the header.
    pub fn payload(&self) -> &[u8] {
        &self.buffer.as_ref()[field::HEADER_LEN..]
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Packet<T> {
    pub fn set_header(&mut self, flags: u8, coherency_count: u16) {
        let h = (u16::from(flags & 0xf0) << 8) | (coherency_count & COHERENCY_MASK);
        self.buffer.as_mut()[field::HEADER].copy_from_slice(&h.to_be_bytes());
    }

    pub fn payload_mut(&mut self) -> &mut [u8] {
        &mut self.buffer.as_mut()[field::HEADER_LEN..]
    }
}

/// The MPPE header; the payload stays in the packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Repr {
    pub flushed: bool,
    pub flag_b: bool,
    pub encrypted: bool,
    pub compressed: bool,
    /// 12 bits (RFC 3078 3).
    pub coherency_count: u16,
}

impl Repr {
    pub fn parse<T: AsRef<[u8]> + ?Sized>(packet: &Packet<&T>) -> Result<Self, WireError> {
        packet.check_len()?;
        let f = packet.flags();
        Ok(Repr {
            flushed: f & flag::FLUSHED != 0,
            flag_b: f & flag::B != 0,
            encrypted: f & flag::ENCRYPTED != 0,
            compressed: f & flag::COMPRESSED != 0,
            coherency_count: packet.coherency_count(),
        })
    }

    pub fn flags(&self) -> u8 {
        let mut f = 0;
        for (set, bit) in [
            (self.flushed, flag::FLUSHED),
            (self.flag_b, flag::B),
            (self.encrypted, flag::ENCRYPTED),
            (self.compressed, flag::COMPRESSED),
        ] {
            if set {
                f |= bit;
            }
        }
        f
    }

    /// The header's length; the payload follows.
    pub fn header_len(&self) -> usize {
        field::HEADER_LEN
    }

    /// Length of a packet carrying `payload_len` octets.
    pub fn buffer_len(&self, payload_len: usize) -> usize {
        field::HEADER_LEN + payload_len
    }

    /// Writes the header; the caller fills `payload_mut()`.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, packet: &mut Packet<T>) {
        packet.set_header(self.flags(), self.coherency_count);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn stateless(count: u16) -> Repr {
        Repr {
            flushed: true,
            flag_b: false,
            encrypted: true,
            compressed: false,
            coherency_count: count,
        }
    }

    #[test]
    fn stateless_header_emits_a_and_d_bits_and_count() {
        let mut buf = [0u8; 4];
        let repr = stateless(0x0abc);
        repr.emit(&mut Packet::new_unchecked(&mut buf[..]));
        // 0x9abc: A (flushed) and D (encrypted), as Linux ppp_mppe reads it.
        assert_eq!(&buf[..2], &hex::decode("9abc").unwrap()[..]);
        assert_eq!(repr.buffer_len(2), 4);
    }

    #[test]
    fn header_round_trips_and_payload_follows() {
        let bytes = hex::decode("b0010203").unwrap();
        let p = Packet::new_checked(&bytes[..]).unwrap();
        let repr = Repr::parse(&p).unwrap();
        assert_eq!(
            repr,
            Repr {
                flushed: true,
                flag_b: false,
                encrypted: true,
                compressed: true,
                coherency_count: 1,
            }
        );
        assert_eq!(p.payload(), &[2, 3]);
        let mut out = [0u8; 2];
        repr.emit(&mut Packet::new_unchecked(&mut out[..]));
        assert_eq!(&out, &bytes[..2]);
    }

    #[test]
    fn every_prefix_of_header_fails() {
        for n in 0..2 {
            let b = [0x90u8, 0x01];
            assert!(Packet::new_checked(&b[..n]).is_err());
        }
        assert!(Packet::new_checked(&[0x90u8, 0x01][..]).is_ok());
    }

    proptest! {
        #[test]
        fn repr_round_trips(
            flushed: bool, flag_b: bool, encrypted: bool, compressed: bool,
            count in 0u16..0x1000,
        ) {
            let repr = Repr { flushed, flag_b, encrypted, compressed, coherency_count: count };
            let mut buf = [0u8; 2];
            repr.emit(&mut Packet::new_unchecked(&mut buf[..]));
            prop_assert_eq!(Repr::parse(&Packet::new_checked(&buf[..]).unwrap()), Ok(repr));
        }

        #[test]
        fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..8)) {
            if let Ok(p) = Packet::new_checked(&bytes[..]) {
                let _ = Repr::parse(&p);
                let _ = p.payload();
            }
        }
    }
}
