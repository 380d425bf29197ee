//! ICMP (RFC 792): the generic header view, echo request/reply as `Repr`,
//! and the IPv4+ICMP helpers machines use.

use core::net::Ipv4Addr;

use super::checksum;
use super::ipv4;
use super::view::packet_view;
use super::WireError;

const WHAT: &str = "icmp";

/// ICMP message types (RFC 792).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Message {
    EchoReply,
    DstUnreachable,
    EchoRequest,
    TimeExceeded,
    Unknown(u8),
}

impl From<u8> for Message {
    fn from(v: u8) -> Self {
        match v {
            0 => Message::EchoReply,
            3 => Message::DstUnreachable,
            8 => Message::EchoRequest,
            11 => Message::TimeExceeded,
            other => Message::Unknown(other),
        }
    }
}

impl From<Message> for u8 {
    fn from(m: Message) -> u8 {
        match m {
            Message::EchoReply => 0,
            Message::DstUnreachable => 3,
            Message::EchoRequest => 8,
            Message::TimeExceeded => 11,
            Message::Unknown(v) => v,
        }
    }
}

mod field {
    use core::ops::Range;
    pub const TYPE: usize = 0;
    pub const CODE: usize = 1;
    pub const CHECKSUM: Range<usize> = 2..4;
    // Echo (RFC 792 "Echo or Echo Reply Message").
    pub const ECHO_IDENT: Range<usize> = 4..6;
    pub const ECHO_SEQNO: Range<usize> = 6..8;
}

/// Type, code, checksum and the 4-byte rest-of-header (RFC 792).
pub const HEADER_LEN: usize = field::ECHO_SEQNO.end;

packet_view! {
    /// A view of an ICMP message (the whole IP payload). After `new_checked`,
    /// no accessor panics.
}

impl<T: AsRef<[u8]>> Packet<T> {
    pub fn new_checked(buffer: T) -> Result<Self, WireError> {
        let have = buffer.as_ref().len();
        WireError::check_len(WHAT, HEADER_LEN, have)?;
        Ok(Packet { buffer })
    }

    pub fn msg_type(&self) -> Message {
        Message::from(self.buffer.as_ref()[field::TYPE])
    }

    pub fn msg_code(&self) -> u8 {
        self.buffer.as_ref()[field::CODE]
    }

    pub fn checksum(&self) -> u16 {
        self.u16_at(field::CHECKSUM)
    }

    /// Identifier of an echo message.
    pub fn echo_ident(&self) -> u16 {
        self.u16_at(field::ECHO_IDENT)
    }

    pub fn echo_seq_no(&self) -> u16 {
        self.u16_at(field::ECHO_SEQNO)
    }

    pub fn data(&self) -> &[u8] {
        &self.buffer.as_ref()[HEADER_LEN..]
    }

    /// RFC 792: checksum over the whole ICMP message.
    pub fn verify_checksum(&self) -> bool {
        checksum::sum(self.buffer.as_ref()) == 0xffff
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Packet<T> {
    pub fn set_echo_ident(&mut self, v: u16) {
        self.buffer.as_mut()[field::ECHO_IDENT].copy_from_slice(&v.to_be_bytes());
    }

    pub fn set_checksum(&mut self, v: u16) {
        self.buffer.as_mut()[field::CHECKSUM].copy_from_slice(&v.to_be_bytes());
    }

    pub fn fill_checksum(&mut self) {
        self.set_checksum(0);
        let c = checksum::checksum(self.buffer.as_ref());
        self.set_checksum(c);
    }
}

/// An echo request or reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Repr<'a> {
    EchoRequest {
        ident: u16,
        seq_no: u16,
        data: &'a [u8],
    },
    EchoReply {
        ident: u16,
        seq_no: u16,
        data: &'a [u8],
    },
}

impl<'a> Repr<'a> {
    /// Parses an echo message, verifying the checksum; other messages are
    /// `Malformed` for this `Repr`.
    pub fn parse(packet: &Packet<&'a [u8]>) -> Result<Self, WireError> {
        parse_view(packet)
    }

    pub fn buffer_len(&self) -> usize {
        match self {
            Repr::EchoRequest { data, .. } | Repr::EchoReply { data, .. } => {
                HEADER_LEN + data.len()
            }
        }
    }

    /// Writes the message into a buffer of exactly `buffer_len()` bytes.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(
        &self,
        packet: &mut Packet<T>,
    ) -> Result<(), WireError> {
        let have = packet.buffer.as_ref().len();
        if have != self.buffer_len() {
            return Err(WireError::BadLength {
                what: WHAT,
                len: have,
            });
        }
        let (ty, ident, seq_no, data) = match *self {
            Repr::EchoRequest {
                ident,
                seq_no,
                data,
            } => (Message::EchoRequest, ident, seq_no, data),
            Repr::EchoReply {
                ident,
                seq_no,
                data,
            } => (Message::EchoReply, ident, seq_no, data),
        };
        let b = packet.buffer.as_mut();
        b[field::TYPE] = u8::from(ty);
        b[field::CODE] = 0;
        b[field::ECHO_IDENT].copy_from_slice(&ident.to_be_bytes());
        b[field::ECHO_SEQNO].copy_from_slice(&seq_no.to_be_bytes());
        b[HEADER_LEN..].copy_from_slice(data);
        packet.fill_checksum();
        Ok(())
    }
}

/// An IPv4+ICMP echo packet's addresses and message, checksums verified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IcmpEcho<'a> {
    pub src: Ipv4Addr,
    pub dst: Ipv4Addr,
    pub echo: Repr<'a>,
}

/// Builds a whole IPv4+ICMP echo packet, checksums filled. Data too large
/// for one IPv4 packet is truncated to fit.
pub fn build_ipv4(src: Ipv4Addr, dst: Ipv4Addr, ident: u16, ttl: u8, echo: &Repr<'_>) -> Vec<u8> {
    let max = usize::from(u16::MAX) - ipv4::HEADER_LEN - HEADER_LEN;
    let echo = match *echo {
        Repr::EchoRequest {
            ident,
            seq_no,
            data,
        } => Repr::EchoRequest {
            ident,
            seq_no,
            data: data.get(..max).unwrap_or(data),
        },
        Repr::EchoReply {
            ident,
            seq_no,
            data,
        } => Repr::EchoReply {
            ident,
            seq_no,
            data: data.get(..max).unwrap_or(data),
        },
    };
    let ip = ipv4::Repr {
        src_addr: src,
        dst_addr: dst,
        protocol: ipv4::Protocol::Icmp,
        payload_len: echo.buffer_len(),
        ttl,
        ident,
        dont_frag: false,
    };
    let mut buf = vec![0u8; ip.buffer_len() + echo.buffer_len()];
    let (head, rest) = buf.split_at_mut(ipv4::HEADER_LEN);
    // Sizes are exact and bounded, so neither emit can fail.
    let _ = ip.emit(&mut ipv4::Packet::new_unchecked(head));
    let _ = echo.emit(&mut Packet::new_unchecked(rest));
    buf
}

/// Parses an IPv4 packet carrying an ICMP echo request or reply.
pub fn parse_ipv4(packet: &[u8]) -> Result<IcmpEcho<'_>, WireError> {
    let ip = ipv4::Packet::new_checked(packet)?;
    let ip_repr = ipv4::Repr::parse(&ip)?;
    if ip_repr.protocol != ipv4::Protocol::Icmp {
        return Err(WireError::Malformed {
            what: WHAT,
            detail: "IP protocol is not ICMP",
        });
    }
    let payload = packet
        .get(ip.header_len()..usize::from(ip.total_len()))
        .unwrap_or_default();
    let view = Packet::new_checked(payload)?;
    let echo = parse_view(&view)?;
    Ok(IcmpEcho {
        src: ip_repr.src_addr,
        dst: ip_repr.dst_addr,
        echo,
    })
}

fn parse_view<'a>(view: &Packet<&'a [u8]>) -> Result<Repr<'a>, WireError> {
    if !view.verify_checksum() {
        return Err(WireError::BadChecksum { what: WHAT });
    }
    let data: &'a [u8] = view.buffer.get(HEADER_LEN..).unwrap_or_default();
    let (ident, seq_no) = (view.echo_ident(), view.echo_seq_no());
    match (view.msg_type(), view.msg_code()) {
        (Message::EchoRequest, 0) => Ok(Repr::EchoRequest {
            ident,
            seq_no,
            data,
        }),
        (Message::EchoReply, 0) => Ok(Repr::EchoReply {
            ident,
            seq_no,
            data,
        }),
        _ => Err(WireError::Malformed {
            what: WHAT,
            detail: "not an echo message",
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const SRC: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 1);
    const DST: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 2);
    // Echo request ident 0x0200 seq 1 data "abcd", IP ident 7, TTL 64.
    const PING: &str = "4500002000070000400166d40a0000010a000002080031380200000161626364";

    fn ping() -> Repr<'static> {
        Repr::EchoRequest {
            ident: 0x0200,
            seq_no: 1,
            data: b"abcd",
        }
    }

    #[test]
    fn emit_equals_bytes() {
        assert_eq!(hex::encode(build_ipv4(SRC, DST, 7, 64, &ping())), PING);
    }

    #[test]
    fn parse_round_trip() {
        let b = hex::decode(PING).unwrap();
        assert_eq!(
            parse_ipv4(&b).unwrap(),
            IcmpEcho {
                src: SRC,
                dst: DST,
                echo: ping()
            }
        );
    }

    #[test]
    fn every_prefix_fails() {
        let b = hex::decode(PING).unwrap();
        for n in 0..b.len() {
            assert!(parse_ipv4(&b[..n]).is_err(), "prefix {n}");
        }
    }

    #[test]
    fn non_echo_is_rejected() {
        let mut m = hex::decode("0b000000000000000000").unwrap();
        Packet::new_unchecked(&mut m[..]).fill_checksum();
        let view = Packet::new_checked(&m[..]).unwrap();
        assert_eq!(view.msg_type(), Message::TimeExceeded);
        assert!(matches!(
            parse_view(&view),
            Err(WireError::Malformed { .. })
        ));
    }

    #[test]
    fn generic_parse_matches_helper() {
        let b = hex::decode(PING).unwrap();
        let icmp = &b[20..];
        let view = Packet::new_checked(icmp).unwrap();
        assert_eq!(Repr::parse(&view).unwrap(), ping());
    }

    proptest! {
        #[test]
        fn random_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = parse_ipv4(&data);
            if let Ok(v) = Packet::new_checked(&data[..]) {
                let _ = parse_view(&v);
                let _ = (v.msg_type(), v.data(), v.echo_ident());
            }
        }

        #[test]
        fn build_parse_round_trip(ident in any::<u16>(), seq in any::<u16>(), reply in any::<bool>(),
                                  data in proptest::collection::vec(any::<u8>(), 0..64)) {
            let r = if reply { Repr::EchoReply { ident, seq_no: seq, data: &data } }
                    else { Repr::EchoRequest { ident, seq_no: seq, data: &data } };
            let b = build_ipv4(SRC, DST, 1, 64, &r);
            prop_assert_eq!(parse_ipv4(&b).unwrap().echo, r);
        }
    }
}
