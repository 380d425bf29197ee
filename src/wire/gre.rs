//! Enhanced GRE (RFC 2637 4.1), the PPTP data channel: IP protocol 47,
//! version 1, protocol type 0x880B, a key made of the payload length and
//! the peer's call id, an optional sequence number (when a payload rides)
//! and an optional acknowledgement number.
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! |C|R|K|S|s|Recur|A| Flags | Ver |         Protocol Type         |
//! |    Key (HW) Payload Length    |       Key (LW) Call ID        |
//! |                  Sequence Number (Optional)                   |
//! |               Acknowledgment Number (Optional)                |
//! ```

use super::error::WireError;
use super::view::packet_view;

/// IP protocol number of GRE (RFC 2784).
pub const IP_PROTOCOL: u8 = 47;
/// The protocol type of PPP in enhanced GRE (RFC 2637 4.1).
pub const PROTOCOL_PPP: u16 = 0x880b;
/// Version 1 is enhanced GRE (RFC 2637 4.1; 0 is RFC 2784's).
pub const VERSION: u8 = 1;

const FLAG_C: u8 = 0x80;
const FLAG_R: u8 = 0x40;
const FLAG_K: u8 = 0x20;
const FLAG_S: u8 = 0x10;
const FLAG_STRICT: u8 = 0x08;
const RECUR: u8 = 0x07;
const FLAG_A: u8 = 0x80;
const VER: u8 = 0x07;

/// The fixed part: flags, version, protocol type and key.
pub const HEADER_LEN: usize = 8;

const WHAT: &str = "GRE";

packet_view! {
    /// A checked view over an enhanced GRE packet (the IP payload).
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// RFC 2637 4.1: C, R, s and Recur clear, K set, version 1, protocol
    /// type 0x880B, and the payload length the key gives exactly present.
    pub fn new_checked(buffer: T) -> Result<Self, WireError> {
        let p = Packet { buffer };
        let b = p.buffer.as_ref();
        WireError::check_len(WHAT, HEADER_LEN, b.len())?;
        if b[1] & VER != VERSION {
            return Err(WireError::BadVersion {
                what: WHAT,
                version: b[1] & VER,
            });
        }
        if b[0] & (FLAG_C | FLAG_R | FLAG_STRICT | RECUR) != 0 || b[1] & 0x78 != 0 {
            return Err(WireError::Malformed {
                what: WHAT,
                detail: "C, R, s, Recur and the flags must be 0",
            });
        }
        if b[0] & FLAG_K == 0 {
            return Err(WireError::Malformed {
                what: WHAT,
                detail: "the key (call id) must be present",
            });
        }
        if p.protocol_type() != PROTOCOL_PPP {
            return Err(WireError::Malformed {
                what: WHAT,
                detail: "protocol type must be 0x880B (PPP)",
            });
        }
        let need = p.payload_offset() + usize::from(p.payload_len());
        WireError::check_len(WHAT, need, b.len())?;
        if b.len() > need {
            return Err(WireError::Trailing {
                what: WHAT,
                bytes: b.len() - need,
            });
        }
        if !p.has_seq() && p.payload_len() != 0 {
            return Err(WireError::Malformed {
                what: WHAT,
                detail: "a payload needs a sequence number",
            });
        }
        Ok(p)
    }

    fn b(&self) -> &[u8] {
        self.buffer.as_ref()
    }

    pub fn has_seq(&self) -> bool {
        self.b()[0] & FLAG_S != 0
    }

    pub fn has_ack(&self) -> bool {
        self.b()[1] & FLAG_A != 0
    }

    pub fn protocol_type(&self) -> u16 {
        u16::from_be_bytes([self.b()[2], self.b()[3]])
    }

    pub fn payload_len(&self) -> u16 {
        u16::from_be_bytes([self.b()[4], self.b()[5]])
    }

    /// The receiver's call id (the key's low half).
    pub fn call_id(&self) -> u16 {
        u16::from_be_bytes([self.b()[6], self.b()[7]])
    }

    fn word(&self, at: usize) -> u32 {
        let b = self.b();
        u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
    }

    pub fn seq(&self) -> Option<u32> {
        self.has_seq().then(|| self.word(HEADER_LEN))
    }

    pub fn ack(&self) -> Option<u32> {
        let at = HEADER_LEN + if self.has_seq() { 4 } else { 0 };
        self.has_ack().then(|| self.word(at))
    }

    fn payload_offset(&self) -> usize {
        HEADER_LEN + 4 * (usize::from(self.has_seq()) + usize::from(self.has_ack()))
    }

    /// The PPP frame.
    pub fn payload(&self) -> &[u8] {
        &self.b()[self.payload_offset()..]
    }
}

/// An enhanced GRE packet: to whom, its numbers and the PPP frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repr<'a> {
    /// The peer's call id (what the receiver knows the call by).
    pub call_id: u16,
    /// Present exactly when a payload is.
    pub seq: Option<u32>,
    /// The highest sequence number received in order.
    pub ack: Option<u32>,
    pub payload: &'a [u8],
}

impl<'a> Repr<'a> {
    pub fn parse(p: &Packet<&'a [u8]>) -> Self {
        Repr {
            call_id: p.call_id(),
            seq: p.seq(),
            ack: p.ack(),
            payload: &p.buffer[p.payload_offset()..],
        }
    }

    pub fn buffer_len(&self) -> usize {
        HEADER_LEN
            + 4 * (usize::from(self.seq.is_some()) + usize::from(self.ack.is_some()))
            + self.payload.len()
    }

    /// The packet's bytes; a payload over 65,535 bytes (no PPP frame is)
    /// is refused.
    pub fn emit(&self) -> Result<Vec<u8>, WireError> {
        let len = u16::try_from(self.payload.len()).map_err(|_| WireError::BadLength {
            what: WHAT,
            len: self.payload.len(),
        })?;
        let mut out = Vec::with_capacity(self.buffer_len());
        out.push(FLAG_K | if self.seq.is_some() { FLAG_S } else { 0 });
        out.push(VERSION | if self.ack.is_some() { FLAG_A } else { 0 });
        out.extend_from_slice(&PROTOCOL_PPP.to_be_bytes());
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(&self.call_id.to_be_bytes());
        for n in [self.seq, self.ack].into_iter().flatten() {
            out.extend_from_slice(&n.to_be_bytes());
        }
        out.extend_from_slice(self.payload);
        Ok(out)
    }
}

/// Parses a whole enhanced GRE packet.
pub fn parse(bytes: &[u8]) -> Result<Repr<'_>, WireError> {
    Packet::new_checked(bytes).map(|p| Repr::parse(&p))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// An LCP Configure-Request behind FF 03 to call id 0x4000, sequence
    /// 0, no acknowledgement.
    const DATA: &str = "3001880b0008400000000000ff03c02101040004";

    #[test]
    fn emit_equals_bytes_with_and_without_a_payload() {
        let frame = hex::decode("ff03c02101040004").unwrap();
        let data = Repr {
            call_id: 0x4000,
            seq: Some(0),
            ack: None,
            payload: &frame,
        };
        assert_eq!(hex::encode(data.emit().unwrap()), DATA);
        // An acknowledgement alone: no S, no payload (RFC 2637 4.4).
        let ack = Repr {
            call_id: 0x8001,
            seq: None,
            ack: Some(7),
            payload: &[],
        };
        assert_eq!(hex::encode(ack.emit().unwrap()), "2081880b0000800100000007");
    }

    #[test]
    fn round_trip_and_every_prefix_fails() {
        let frame = hex::decode("ff03c02101040004").unwrap();
        for (seq, ack) in [(Some(3), Some(2)), (Some(0), None), (None, Some(9))] {
            let payload: &[u8] = if seq.is_some() { &frame } else { &[] };
            let r = Repr {
                call_id: 0x1234,
                seq,
                ack,
                payload,
            };
            let bytes = r.emit().unwrap();
            assert_eq!(bytes.len(), r.buffer_len());
            assert_eq!(parse(&bytes), Ok(r.clone()));
            for cut in 0..bytes.len() {
                assert!(parse(&bytes[..cut]).is_err(), "prefix {cut} of {seq:?}");
            }
            let mut longer = bytes.clone();
            longer.push(0);
            assert!(matches!(parse(&longer), Err(WireError::Trailing { .. })));
        }
    }

    #[test]
    fn what_rfc_2637_forbids_is_malformed() {
        assert!(parse(&hex::decode("3001880b0000400000000000").unwrap()).is_ok());
        for (bad, why) in [
            ("3000880b0000400000000000", "version 0 is plain GRE"),
            ("b001880b0000400000000000", "checksum present"),
            ("1001880b0000400000000000", "no key"),
            ("300108000000400000000000", "protocol IPv4, not PPP"),
            ("3101880b0000400000000000", "recursion"),
            ("2001880b00014000ff", "payload without a sequence number"),
        ] {
            let b = hex::decode(bad).unwrap_or_default();
            assert!(!b.is_empty(), "{why}: bad hex");
            assert!(parse(&b).is_err(), "{why}");
        }
    }

    proptest! {
        #[test]
        fn random_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..64)) {
            if let Ok(r) = parse(&data) {
                prop_assert_eq!(r.emit().unwrap(), data);
            }
        }
    }
}
