//! TCP header view (RFC 793 3.1): enough to read and rewrite ports and fix
//! the checksum (NAPT). No segment processing.

use core::net::Ipv4Addr;

use super::checksum;
use super::view::packet_view;
use super::WireError;

const WHAT: &str = "tcp";

/// IP protocol number of TCP.
const PROTO_TCP: u8 = 6;

mod field {
    use core::ops::Range;
    pub const SRC_PORT: Range<usize> = 0..2;
    pub const DST_PORT: Range<usize> = 2..4;
    pub const SEQ: Range<usize> = 4..8;
    pub const ACK: Range<usize> = 8..12;
    pub const OFFSET: usize = 12;
    pub const FLAGS: usize = 13;
    pub const WINDOW: Range<usize> = 14..16;
    pub const CHECKSUM: Range<usize> = 16..18;
    pub const URGENT: Range<usize> = 18..20;
}

/// Header length without options (RFC 793 3.1: data offset minimum 5).
pub const HEADER_LEN: usize = field::URGENT.end;

/// TCP control bits (RFC 793 3.1).
pub mod flags {
    pub const FIN: u8 = 0x01;
    pub const SYN: u8 = 0x02;
    pub const RST: u8 = 0x04;
    pub const PSH: u8 = 0x08;
    pub const ACK: u8 = 0x10;
    pub const URG: u8 = 0x20;
}

packet_view! {
    /// A view of a TCP segment (the whole IP payload). After `new_checked`, no
    /// accessor panics.
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Checks that the header, options included, fits.
    pub fn new_checked(buffer: T) -> Result<Self, WireError> {
        let have = buffer.as_ref().len();
        WireError::check_len(WHAT, HEADER_LEN, have)?;
        let p = Packet { buffer };
        let hlen = p.header_len();
        if hlen < HEADER_LEN {
            return Err(WireError::BadLength {
                what: WHAT,
                len: hlen,
            });
        }
        WireError::check_len(WHAT, hlen, have)?;
        Ok(p)
    }

    fn u32_at(&self, at: core::ops::Range<usize>) -> u32 {
        let b = &self.buffer.as_ref()[at];
        u32::from_be_bytes([b[0], b[1], b[2], b[3]])
    }

    pub fn src_port(&self) -> u16 {
        self.u16_at(field::SRC_PORT)
    }

    pub fn dst_port(&self) -> u16 {
        self.u16_at(field::DST_PORT)
    }

    pub fn seq_number(&self) -> u32 {
        self.u32_at(field::SEQ)
    }

    pub fn ack_number(&self) -> u32 {
        self.u32_at(field::ACK)
    }

    /// Header length in bytes (data offset * 4).
    pub fn header_len(&self) -> usize {
        usize::from(self.buffer.as_ref()[field::OFFSET] >> 4) * 4
    }

    pub fn flags(&self) -> u8 {
        self.buffer.as_ref()[field::FLAGS]
    }

    pub fn window_len(&self) -> u16 {
        self.u16_at(field::WINDOW)
    }

    pub fn checksum(&self) -> u16 {
        self.u16_at(field::CHECKSUM)
    }

    pub fn payload(&self) -> &[u8] {
        &self.buffer.as_ref()[self.header_len()..]
    }

    /// The checksum verifies over the pseudo-header and the whole segment
    /// (RFC 793 3.1; unlike UDP, 0 is not "none").
    pub fn verify_checksum(&self, src: Ipv4Addr, dst: Ipv4Addr) -> bool {
        let data = self.buffer.as_ref();
        let Ok(len) = u16::try_from(data.len()) else {
            return false;
        };
        checksum::combine(&[
            checksum::pseudo_header(src, dst, PROTO_TCP, len),
            checksum::sum(data),
        ]) == 0xffff
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Packet<T> {
    pub fn set_src_port(&mut self, v: u16) {
        self.set_u16_at(field::SRC_PORT, v);
    }

    pub fn set_dst_port(&mut self, v: u16) {
        self.set_u16_at(field::DST_PORT, v);
    }

    pub fn set_checksum(&mut self, v: u16) {
        self.set_u16_at(field::CHECKSUM, v);
    }

    /// Recomputes the checksum over the whole segment.
    pub fn fill_checksum(&mut self, src: Ipv4Addr, dst: Ipv4Addr) {
        self.set_checksum(0);
        let data = self.buffer.as_ref();
        let len = u16::try_from(data.len()).unwrap_or(u16::MAX);
        let c = !checksum::combine(&[
            checksum::pseudo_header(src, dst, PROTO_TCP, len),
            checksum::sum(data),
        ]);
        self.set_checksum(c);
    }
}

/// The fixed header fields (options are not represented).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Repr {
    pub src_port: u16,
    pub dst_port: u16,
    pub seq_number: u32,
    pub ack_number: u32,
    pub flags: u8,
    pub window_len: u16,
}

impl Repr {
    /// Parses and verifies the checksum.
    pub fn parse<T: AsRef<[u8]>>(
        packet: &Packet<T>,
        src: Ipv4Addr,
        dst: Ipv4Addr,
    ) -> Result<Repr, WireError> {
        if !packet.verify_checksum(src, dst) {
            return Err(WireError::BadChecksum { what: WHAT });
        }
        Ok(Repr {
            src_port: packet.src_port(),
            dst_port: packet.dst_port(),
            seq_number: packet.seq_number(),
            ack_number: packet.ack_number(),
            flags: packet.flags(),
            window_len: packet.window_len(),
        })
    }

    pub fn buffer_len(&self, payload_len: usize) -> usize {
        HEADER_LEN + payload_len
    }

    /// Writes an option-less header and `payload` into a buffer of exactly
    /// `buffer_len` bytes and fills the checksum.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(
        &self,
        packet: &mut Packet<T>,
        src: Ipv4Addr,
        dst: Ipv4Addr,
        payload: &[u8],
    ) -> Result<(), WireError> {
        let need = self.buffer_len(payload.len());
        let have = packet.buffer.as_ref().len();
        if have != need {
            return Err(WireError::BadLength {
                what: WHAT,
                len: have,
            });
        }
        let b = packet.buffer.as_mut();
        b[field::SRC_PORT].copy_from_slice(&self.src_port.to_be_bytes());
        b[field::DST_PORT].copy_from_slice(&self.dst_port.to_be_bytes());
        b[field::SEQ].copy_from_slice(&self.seq_number.to_be_bytes());
        b[field::ACK].copy_from_slice(&self.ack_number.to_be_bytes());
        b[field::OFFSET] = ((HEADER_LEN / 4) as u8) << 4;
        b[field::FLAGS] = self.flags;
        b[field::WINDOW].copy_from_slice(&self.window_len.to_be_bytes());
        b[field::URGENT].copy_from_slice(&[0, 0]);
        b[HEADER_LEN..].copy_from_slice(payload);
        packet.fill_checksum(src, dst);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const SRC: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 1);
    const DST: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 2);
    // SYN 10.0.0.1:40000 -> 10.0.0.2:1723, seq 1, window 65535.
    const SYN: &str = "9c4006bb00000001000000005002fffff8e30000";

    fn repr() -> Repr {
        Repr {
            src_port: 40000,
            dst_port: 1723,
            seq_number: 1,
            ack_number: 0,
            flags: flags::SYN,
            window_len: 65535,
        }
    }

    #[test]
    fn emit_equals_bytes() {
        let mut buf = vec![0u8; repr().buffer_len(0)];
        repr()
            .emit(&mut Packet::new_unchecked(&mut buf[..]), SRC, DST, &[])
            .unwrap();
        assert_eq!(hex::encode(&buf), SYN);
    }

    #[test]
    fn parse_round_trip() {
        let b = hex::decode(SYN).unwrap();
        let p = Packet::new_checked(&b[..]).unwrap();
        assert_eq!(Repr::parse(&p, SRC, DST).unwrap(), repr());
        assert!(p.payload().is_empty());
    }

    #[test]
    fn every_prefix_fails() {
        let b = hex::decode(SYN).unwrap();
        for n in 0..b.len() {
            assert!(Packet::new_checked(&b[..n]).is_err(), "prefix {n}");
        }
    }

    #[test]
    fn port_rewrite_then_fill_verifies() {
        let mut b = hex::decode(SYN).unwrap();
        let mut p = Packet::new_checked(&mut b[..]).unwrap();
        p.set_src_port(1024);
        assert!(!p.verify_checksum(SRC, DST));
        p.fill_checksum(Ipv4Addr::new(203, 0, 113, 2), DST);
        assert!(p.verify_checksum(Ipv4Addr::new(203, 0, 113, 2), DST));
    }

    proptest! {
        #[test]
        fn random_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..80)) {
            if let Ok(p) = Packet::new_checked(&data[..]) {
                let _ = Repr::parse(&p, SRC, DST);
                let _ = (p.payload(), p.flags(), p.seq_number());
            }
        }

        #[test]
        fn emit_parse_round_trip(
            sp in any::<u16>(), dp in any::<u16>(), seq in any::<u32>(), ack in any::<u32>(),
            fl in any::<u8>(), win in any::<u16>(),
            payload in proptest::collection::vec(any::<u8>(), 0..64),
        ) {
            let r = Repr { src_port: sp, dst_port: dp, seq_number: seq, ack_number: ack, flags: fl, window_len: win };
            let mut buf = vec![0u8; r.buffer_len(payload.len())];
            r.emit(&mut Packet::new_unchecked(&mut buf[..]), SRC, DST, &payload).unwrap();
            let p = Packet::new_checked(&buf[..]).unwrap();
            prop_assert_eq!(Repr::parse(&p, SRC, DST).unwrap(), r);
            prop_assert_eq!(p.payload(), &payload[..]);
        }
    }
}
