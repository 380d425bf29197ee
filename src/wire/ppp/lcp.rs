//! The PPP control packet (RFC 1661 5), shared by LCP, IPCP (RFC 1332) and
//! CCP (RFC 1962): Code, Identifier, Length, then data; for the Configure
//! codes the data is a list of options, each Type, Length, Data (RFC 1661 6).
//! Also the LCP options themselves (RFC 1661 6, RFC 1994 3).

use crate::wire::codec::Reader;
use crate::wire::view::packet_view;
use crate::wire::WireError;

/// Control packet codes (RFC 1661 5; 8-12 are LCP only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Code {
    ConfigureRequest,
    ConfigureAck,
    ConfigureNak,
    ConfigureReject,
    TerminateRequest,
    TerminateAck,
    CodeReject,
    ProtocolReject,
    EchoRequest,
    EchoReply,
    DiscardRequest,
    /// RFC 1570 1.1: Magic-Number, then a message identifying the sender.
    Identification,
    Unknown(u8),
}

impl From<u8> for Code {
    fn from(v: u8) -> Self {
        match v {
            1 => Code::ConfigureRequest,
            2 => Code::ConfigureAck,
            3 => Code::ConfigureNak,
            4 => Code::ConfigureReject,
            5 => Code::TerminateRequest,
            6 => Code::TerminateAck,
            7 => Code::CodeReject,
            8 => Code::ProtocolReject,
            9 => Code::EchoRequest,
            10 => Code::EchoReply,
            11 => Code::DiscardRequest,
            12 => Code::Identification,
            other => Code::Unknown(other),
        }
    }
}

impl From<Code> for u8 {
    fn from(c: Code) -> u8 {
        match c {
            Code::ConfigureRequest => 1,
            Code::ConfigureAck => 2,
            Code::ConfigureNak => 3,
            Code::ConfigureReject => 4,
            Code::TerminateRequest => 5,
            Code::TerminateAck => 6,
            Code::CodeReject => 7,
            Code::ProtocolReject => 8,
            Code::EchoRequest => 9,
            Code::EchoReply => 10,
            Code::DiscardRequest => 11,
            Code::Identification => 12,
            Code::Unknown(v) => v,
        }
    }
}

mod field {
    use core::ops::Range;
    pub const CODE: usize = 0;
    pub const ID: usize = 1;
    pub const LEN: Range<usize> = 2..4;
}
/// RFC 1661 5: Code, Identifier, Length.
pub const HEADER_LEN: usize = field::LEN.end;

packet_view! {
    /// A PPP control packet. After `new_checked`, no accessor panics.
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Checks the header and that Length (RFC 1661 5: includes the header)
    /// fits the buffer. Octets past Length are padding and ignored.
    pub fn new_checked(buffer: T) -> Result<Self, WireError> {
        let have = buffer.as_ref().len();
        WireError::check_len("PPP control packet", HEADER_LEN, have)?;
        let p = Packet { buffer };
        let len = usize::from(p.length());
        if len < HEADER_LEN {
            return Err(WireError::BadLength {
                what: "PPP control packet",
                len,
            });
        }
        WireError::check_len("PPP control packet", len, have)?;
        Ok(p)
    }

    pub fn code(&self) -> Code {
        Code::from(self.buffer.as_ref()[field::CODE])
    }

    pub fn identifier(&self) -> u8 {
        self.buffer.as_ref()[field::ID]
    }

    pub fn length(&self) -> u16 {
        let b = &self.buffer.as_ref()[field::LEN];
        u16::from_be_bytes([b[0], b[1]])
    }

    /// The data after the header, up to Length.
    pub fn data(&self) -> &[u8] {
        &self.buffer.as_ref()[HEADER_LEN..usize::from(self.length())]
    }
}

/// A control packet's high-level form: the data stays opaque here; the
/// options are read with `parse_options`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Repr<'a> {
    pub code: Code,
    pub identifier: u8,
    pub data: &'a [u8],
}

impl<'a> Repr<'a> {
    pub fn parse<T: AsRef<[u8]> + ?Sized>(packet: &Packet<&'a T>) -> Repr<'a> {
        let whole: &'a T = packet.buffer;
        let buf: &'a [u8] = whole.as_ref();
        let len = usize::from(packet.length());
        Repr {
            code: packet.code(),
            identifier: packet.identifier(),
            data: buf.get(HEADER_LEN..len).unwrap_or_default(),
        }
    }

    /// Parses bytes directly.
    pub fn parse_bytes(bytes: &'a [u8]) -> Result<Repr<'a>, WireError> {
        Ok(Repr::parse(&Packet::new_checked(bytes)?))
    }

    pub fn buffer_len(&self) -> usize {
        HEADER_LEN + self.data.len()
    }

    /// Writes the packet into `buf` (at least `buffer_len()` bytes). Data
    /// longer than 65531 octets is cut to what Length can describe.
    pub fn emit(&self, buf: &mut [u8]) {
        let data = self.data.get(..usize::from(u16::MAX) - HEADER_LEN);
        let data = data.unwrap_or(self.data);
        let len = u16::try_from(HEADER_LEN + data.len()).unwrap_or(u16::MAX);
        if let Some(h) = buf.get_mut(..HEADER_LEN) {
            let l = len.to_be_bytes();
            h.copy_from_slice(&[u8::from(self.code), self.identifier, l[0], l[1]]);
        }
        if let Some(d) = buf.get_mut(HEADER_LEN..HEADER_LEN + data.len()) {
            d.copy_from_slice(data);
        }
    }

    pub fn to_vec(&self) -> Vec<u8> {
        let mut out = vec![0; self.buffer_len()];
        self.emit(&mut out);
        out.truncate(usize::from(u16::MAX));
        out
    }
}

/// One configuration option of a control protocol (RFC 1661 6): a type
/// octet, a length octet covering the whole option, and data.
pub trait PppOption: Sized + Clone + core::fmt::Debug + PartialEq {
    /// Parses the data of an option of type `kind`; the data must be
    /// consumed entirely (the caller rejects trailing bytes).
    fn parse(kind: u8, data: &mut Reader<'_>) -> Result<Self, WireError>;
    fn kind(&self) -> u8;
    /// Appends the option's data (without type and length).
    fn emit_data(&self, out: &mut Vec<u8>);
}

/// Parses an options list (RFC 1661 6: each option at least 2 octets).
pub fn parse_options<O: PppOption>(bytes: &[u8]) -> Result<Vec<O>, WireError> {
    let mut r = Reader::new(bytes);
    let mut out = Vec::new();
    while !r.is_empty() {
        let kind = r.u8().map_err(WireError::short("PPP option"))?;
        let len = usize::from(r.u8().map_err(WireError::short("PPP option"))?);
        if len < 2 {
            return Err(WireError::BadLength {
                what: "PPP option",
                len,
            });
        }
        let mut sub = r.sub(len - 2).map_err(WireError::short("PPP option"))?;
        let opt = O::parse(kind, &mut sub)?;
        sub.expect_empty().map_err(|bytes| WireError::Trailing {
            what: "PPP option",
            bytes,
        })?;
        out.push(opt);
    }
    Ok(out)
}

/// Appends options in list order.
pub fn emit_options<O: PppOption>(opts: &[O], out: &mut Vec<u8>) {
    for o in opts {
        let mut data = Vec::new();
        o.emit_data(&mut data);
        out.push(o.kind());
        out.push(u8::try_from(data.len() + 2).unwrap_or(u8::MAX));
        out.extend_from_slice(&data);
    }
}

/// Options as bytes.
pub fn options_to_vec<O: PppOption>(opts: &[O]) -> Vec<u8> {
    let mut out = Vec::new();
    emit_options(opts, &mut out);
    out
}

/// Reads a `u16` option value, mapping a short read.
pub(crate) fn read_u16(r: &mut Reader<'_>, what: &'static str) -> Result<u16, WireError> {
    r.u16().map_err(WireError::short(what))
}

/// Reads a `u8` option value, mapping a short read.
pub(crate) fn read_u8(r: &mut Reader<'_>, what: &'static str) -> Result<u8, WireError> {
    r.u8().map_err(WireError::short(what))
}

/// Reads a `u32` option value, mapping a short read.
pub(crate) fn read_u32(r: &mut Reader<'_>, what: &'static str) -> Result<u32, WireError> {
    r.u32().map_err(WireError::short(what))
}

/// RFC 1994 3 / RFC 2759 2: CHAP with algorithm 0x81 = MS-CHAPv2.
pub const CHAP_PROTOCOL: u16 = 0xc223;
pub const MSCHAPV2_ALGORITHM: u8 = 0x81;

/// LCP configuration options (RFC 1661 6).
/// RFC 1570 2.3 Callback.
pub const CALLBACK: u8 = 13;
/// RFC 1570 2.3: Callback operation 6, the Callback Control Protocol
/// (CBCP) that Windows uses.
pub const CALLBACK_CBCP: u8 = 6;
/// RFC 1990 5.1.1 MRRU.
pub const MRRU: u8 = 17;
/// RFC 1990 5.1.3 Endpoint Discriminator.
pub const ENDPOINT_DISCRIMINATOR: u8 = 19;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LcpOption {
    /// 1: Maximum-Receive-Unit (RFC 1661 6.1).
    Mru(u16),
    /// 2: Async-Control-Character-Map (RFC 1662 7.1).
    Accm(u32),
    /// 3: Authentication-Protocol (RFC 1661 6.2); for CHAP, data is the
    /// algorithm octet (RFC 1994 3).
    AuthProtocol {
        protocol: u16,
        data: Vec<u8>,
    },
    /// 5: Magic-Number (RFC 1661 6.4).
    MagicNumber(u32),
    /// 7: Protocol-Field-Compression (RFC 1661 6.5).
    Pfc,
    /// 8: Address-and-Control-Field-Compression (RFC 1661 6.6).
    Acfc,
    /// 13: Callback (RFC 1570 2.3); operation 6 is Microsoft's CBCP.
    Callback {
        operation: u8,
        message: Vec<u8>,
    },
    /// 17: Multilink Maximum Received Reconstructed Unit (RFC 1990 5.1.1).
    Mrru(u16),
    /// 19: Endpoint Discriminator (RFC 1990 5.1.3): class and address.
    EndpointDiscriminator {
        class: u8,
        address: Vec<u8>,
    },
    Unknown {
        kind: u8,
        data: Vec<u8>,
    },
}

impl LcpOption {
    /// Auth-Protocol CHAP with MS-CHAPv2 (RFC 2759 2).
    pub fn mschapv2() -> Self {
        LcpOption::AuthProtocol {
            protocol: CHAP_PROTOCOL,
            data: vec![MSCHAPV2_ALGORITHM],
        }
    }
}

impl PppOption for LcpOption {
    fn parse(kind: u8, r: &mut Reader<'_>) -> Result<Self, WireError> {
        Ok(match kind {
            1 => LcpOption::Mru(read_u16(r, "LCP MRU")?),
            2 => LcpOption::Accm(read_u32(r, "LCP ACCM")?),
            3 => LcpOption::AuthProtocol {
                protocol: read_u16(r, "LCP Auth-Protocol")?,
                data: r.take_rest().to_vec(),
            },
            5 => LcpOption::MagicNumber(read_u32(r, "LCP Magic-Number")?),
            7 => LcpOption::Pfc,
            8 => LcpOption::Acfc,
            CALLBACK => LcpOption::Callback {
                operation: read_u8(r, "LCP Callback")?,
                message: r.take_rest().to_vec(),
            },
            MRRU => LcpOption::Mrru(read_u16(r, "LCP MRRU")?),
            ENDPOINT_DISCRIMINATOR => LcpOption::EndpointDiscriminator {
                class: read_u8(r, "LCP Endpoint Discriminator")?,
                address: r.take_rest().to_vec(),
            },
            kind => LcpOption::Unknown {
                kind,
                data: r.take_rest().to_vec(),
            },
        })
    }

    fn kind(&self) -> u8 {
        match self {
            LcpOption::Mru(_) => 1,
            LcpOption::Accm(_) => 2,
            LcpOption::AuthProtocol { .. } => 3,
            LcpOption::MagicNumber(_) => 5,
            LcpOption::Pfc => 7,
            LcpOption::Acfc => 8,
            LcpOption::Callback { .. } => CALLBACK,
            LcpOption::Mrru(_) => MRRU,
            LcpOption::EndpointDiscriminator { .. } => ENDPOINT_DISCRIMINATOR,
            LcpOption::Unknown { kind, .. } => *kind,
        }
    }

    fn emit_data(&self, out: &mut Vec<u8>) {
        match self {
            LcpOption::Mru(v) | LcpOption::Mrru(v) => out.extend_from_slice(&v.to_be_bytes()),
            LcpOption::Callback {
                operation: b,
                message: rest,
            }
            | LcpOption::EndpointDiscriminator {
                class: b,
                address: rest,
            } => {
                out.push(*b);
                out.extend_from_slice(rest);
            }
            LcpOption::Accm(v) | LcpOption::MagicNumber(v) => {
                out.extend_from_slice(&v.to_be_bytes())
            }
            LcpOption::AuthProtocol { protocol, data } => {
                out.extend_from_slice(&protocol.to_be_bytes());
                out.extend_from_slice(data);
            }
            LcpOption::Pfc | LcpOption::Acfc => {}
            LcpOption::Unknown { data, .. } => out.extend_from_slice(data),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    // A Windows-like LCP Configure-Request: MRU 1400, Magic 0x11223344,
    // Auth-Protocol MS-CHAPv2, PFC, ACFC.
    const REQUEST: &str = "01010017010405780506112233440305c223810702 0802";

    fn request_bytes() -> Vec<u8> {
        hex::decode(REQUEST.replace(' ', "")).unwrap()
    }

    fn request_options() -> Vec<LcpOption> {
        vec![
            LcpOption::Mru(1400),
            LcpOption::MagicNumber(0x1122_3344),
            LcpOption::mschapv2(),
            LcpOption::Pfc,
            LcpOption::Acfc,
        ]
    }

    #[test]
    fn configure_request_parses() {
        let bytes = request_bytes();
        let repr = Repr::parse_bytes(&bytes).unwrap();
        assert_eq!(repr.code, Code::ConfigureRequest);
        assert_eq!(repr.identifier, 1);
        let opts: Vec<LcpOption> = parse_options(repr.data).unwrap();
        assert_eq!(opts, request_options());
    }

    #[test]
    fn emit_equals_bytes() {
        let data = options_to_vec(&request_options());
        let repr = Repr {
            code: Code::ConfigureRequest,
            identifier: 1,
            data: &data,
        };
        assert_eq!(repr.to_vec(), request_bytes());
        assert_eq!(repr.buffer_len(), 0x17);
    }

    #[test]
    fn every_prefix_fails() {
        let bytes = request_bytes();
        for n in 0..bytes.len() {
            assert!(Repr::parse_bytes(&bytes[..n]).is_err(), "prefix {n}");
        }
    }

    #[test]
    fn padding_after_length_is_ignored() {
        let mut bytes = request_bytes();
        bytes.extend_from_slice(&[0, 0, 0]);
        let repr = Repr::parse_bytes(&bytes).unwrap();
        assert_eq!(repr.buffer_len(), 0x17);
    }

    #[test]
    fn length_below_header_is_bad() {
        assert_eq!(
            Repr::parse_bytes(&[1, 1, 0, 3]),
            Err(WireError::BadLength {
                what: "PPP control packet",
                len: 3
            })
        );
    }

    #[test]
    fn option_with_trailing_bytes_is_rejected() {
        // MRU with length 5: one byte too many.
        let r = parse_options::<LcpOption>(&hex::decode("010505780000").unwrap());
        assert!(r.is_err());
        // Magic number cut short.
        assert!(parse_options::<LcpOption>(&hex::decode("0505112233").unwrap()).is_err());
        // Option length 1.
        assert!(parse_options::<LcpOption>(&hex::decode("0701").unwrap()).is_err());
        // PFC with data.
        assert!(parse_options::<LcpOption>(&hex::decode("070300").unwrap()).is_err());
    }

    #[test]
    fn unknown_code_and_option_kept() {
        let bytes = hex::decode("0e0700071503aa").unwrap();
        let repr = Repr::parse_bytes(&bytes).unwrap();
        assert_eq!(repr.code, Code::Unknown(14));
        let opts: Vec<LcpOption> = parse_options(repr.data).unwrap();
        assert_eq!(
            opts,
            vec![LcpOption::Unknown {
                kind: 21,
                data: vec![0xaa]
            }]
        );
        assert_eq!(options_to_vec(&opts), hex::decode("1503aa").unwrap());
    }

    #[test]
    fn windows_options_emit_their_rfc_bytes() {
        let opts = [
            LcpOption::Callback {
                operation: CALLBACK_CBCP,
                message: Vec::new(),
            },
            LcpOption::Mrru(1614),
            LcpOption::EndpointDiscriminator {
                class: 1,
                address: vec![0xab; 4],
            },
        ];
        // RFC 1570 2.3: 0d 03 06; RFC 1990 5.1.1: 11 04 064e; 5.1.3: 13 len class addr.
        assert_eq!(
            hex::encode(options_to_vec(&opts)),
            "0d03061104064e130701abababab"
        );
        assert_eq!(
            parse_options::<LcpOption>(&options_to_vec(&opts)).unwrap(),
            opts
        );
    }

    #[test]
    fn code_numbers_round_trip() {
        for v in 0..=255u8 {
            assert_eq!(u8::from(Code::from(v)), v);
        }
    }

    fn arb_option() -> impl Strategy<Value = LcpOption> {
        prop_oneof![
            any::<u16>().prop_map(LcpOption::Mru),
            any::<u32>().prop_map(LcpOption::Accm),
            (any::<u16>(), proptest::collection::vec(any::<u8>(), 0..4))
                .prop_map(|(protocol, data)| LcpOption::AuthProtocol { protocol, data }),
            any::<u32>().prop_map(LcpOption::MagicNumber),
            Just(LcpOption::Pfc),
            Just(LcpOption::Acfc),
            (any::<u8>(), proptest::collection::vec(any::<u8>(), 0..4))
                .prop_map(|(operation, message)| LcpOption::Callback { operation, message }),
            any::<u16>().prop_map(LcpOption::Mrru),
            (any::<u8>(), proptest::collection::vec(any::<u8>(), 0..20))
                .prop_map(|(class, address)| LcpOption::EndpointDiscriminator { class, address }),
            (20u8..=255, proptest::collection::vec(any::<u8>(), 0..8))
                .prop_map(|(kind, data)| LcpOption::Unknown { kind, data }),
        ]
    }

    proptest! {
        #[test]
        fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..80)) {
            if let Ok(repr) = Repr::parse_bytes(&bytes) {
                let _ = parse_options::<LcpOption>(repr.data);
            }
            let _ = parse_options::<LcpOption>(&bytes);
        }

        #[test]
        fn options_round_trip(opts in proptest::collection::vec(arb_option(), 0..6), id in any::<u8>()) {
            let data = options_to_vec(&opts);
            let bytes = Repr { code: Code::ConfigureRequest, identifier: id, data: &data }.to_vec();
            let repr = Repr::parse_bytes(&bytes).unwrap();
            prop_assert_eq!(repr.identifier, id);
            prop_assert_eq!(parse_options::<LcpOption>(repr.data).unwrap(), opts);
        }
    }
}
