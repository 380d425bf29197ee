//! CHAP packets (RFC 1994 4) with MS-CHAPv2 bodies (RFC 2759 3-6). The
//! packet here is the PPP information field of protocol 0xC223: code,
//! identifier, length, data; the PPP framing is the caller's.

use super::super::view::packet_view;
use crate::wire::codec::Reader;
use crate::wire::WireError;

const WHAT: &str = "CHAP";

/// RFC 2759 3 / RFC 1994 4.1: an MS-CHAPv2 challenge is 16 octets.
pub const CHALLENGE_LEN: usize = 16;
/// RFC 2759 4: Response value: Peer-Challenge 16, Reserved 8, NT-Response 24, Flags 1.
pub const RESPONSE_VALUE_LEN: usize = 49;

/// RFC 1994 4: the CHAP codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Code {
    Challenge,
    Response,
    Success,
    Failure,
    Unknown(u8),
}

impl From<u8> for Code {
    fn from(v: u8) -> Self {
        match v {
            1 => Code::Challenge,
            2 => Code::Response,
            3 => Code::Success,
            4 => Code::Failure,
            other => Code::Unknown(other),
        }
    }
}

impl From<Code> for u8 {
    fn from(c: Code) -> u8 {
        match c {
            Code::Challenge => 1,
            Code::Response => 2,
            Code::Success => 3,
            Code::Failure => 4,
            Code::Unknown(other) => other,
        }
    }
}

mod field {
    pub type Field = core::ops::Range<usize>;
    // RFC 1994 4: Code, Identifier, Length, Data.
    pub const CODE: usize = 0;
    pub const IDENT: usize = 1;
    pub const LENGTH: Field = 2..4;
    pub const HEADER_LEN: usize = 4;
}

packet_view! {
    /// A view over a CHAP packet.
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Checks that the header is present and that Length fits the buffer;
    /// octets past Length are link padding and ignored (RFC 1994 4).
    pub fn new_checked(buffer: T) -> Result<Self, WireError> {
        let p = Packet::new_unchecked(buffer);
        p.check_len()?;
        Ok(p)
    }

    pub fn check_len(&self) -> Result<(), WireError> {
        let have = self.buffer.as_ref().len();
        WireError::check_len(WHAT, field::HEADER_LEN, have)?;
        let len = usize::from(self.length());
        if len < field::HEADER_LEN {
            return Err(WireError::BadLength { what: WHAT, len });
        }
        WireError::check_len(WHAT, len, have)?;
        Ok(())
    }

    pub fn code(&self) -> Code {
        Code::from(self.buffer.as_ref()[field::CODE])
    }

    pub fn identifier(&self) -> u8 {
        self.buffer.as_ref()[field::IDENT]
    }

    pub fn length(&self) -> u16 {
        let b = &self.buffer.as_ref()[field::LENGTH];
        u16::from_be_bytes([b[0], b[1]])
    }

    /// The data field, up to Length.
    pub fn data(&self) -> &[u8] {
        &self.buffer.as_ref()[field::HEADER_LEN..usize::from(self.length())]
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Packet<T> {
    pub fn set_code(&mut self, code: Code) {
        self.buffer.as_mut()[field::CODE] = code.into();
    }

    pub fn set_identifier(&mut self, id: u8) {
        self.buffer.as_mut()[field::IDENT] = id;
    }

    pub fn set_length(&mut self, len: u16) {
        self.buffer.as_mut()[field::LENGTH].copy_from_slice(&len.to_be_bytes());
    }

    /// Everything after the header (Length must be set to cover it).
    pub fn data_mut(&mut self) -> &mut [u8] {
        &mut self.buffer.as_mut()[field::HEADER_LEN..]
    }
}

fn hex_upper(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

fn parse_hex<const N: usize>(s: &str) -> Result<[u8; N], WireError> {
    let bad = WireError::Malformed {
        what: WHAT,
        detail: "bad hex digits",
    };
    if s.len() != 2 * N || !s.is_ascii() {
        return Err(bad);
    }
    let mut out = [0u8; N];
    for (o, pair) in out.iter_mut().zip(s.as_bytes().chunks_exact(2)) {
        let hi = (pair[0] as char).to_digit(16).ok_or_else(|| bad.clone())?;
        let lo = (pair[1] as char).to_digit(16).ok_or_else(|| bad.clone())?;
        *o = (hi * 16 + lo) as u8;
    }
    Ok(out)
}

fn parse_text(data: &[u8]) -> Result<&str, WireError> {
    core::str::from_utf8(data).map_err(|_| WireError::Malformed {
        what: WHAT,
        detail: "text is not UTF-8",
    })
}

fn parse_decimal(s: &str) -> Result<u32, WireError> {
    let bad = WireError::Malformed {
        what: WHAT,
        detail: "bad decimal number",
    };
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad);
    }
    s.parse().map_err(|_| bad)
}

/// RFC 2759 5: the Success message "S=<40 hex> M=<message>".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuccessMessage {
    /// The 20-octet authenticator response digest (RFC 2759 8.7).
    pub authenticator_response: [u8; 20],
    pub message: String,
}

impl SuccessMessage {
    /// " M=<message>" may be absent (some servers omit it).
    pub fn parse(data: &[u8]) -> Result<Self, WireError> {
        let text = parse_text(data)?;
        let rest = text.strip_prefix("S=").ok_or(WireError::Malformed {
            what: WHAT,
            detail: "Success without S=",
        })?;
        let (auth, tail) = rest.split_at_checked(40).ok_or(WireError::Malformed {
            what: WHAT,
            detail: "S= shorter than 40 hex digits",
        })?;
        let authenticator_response = parse_hex::<20>(auth)?;
        let message = if tail.is_empty() {
            String::new()
        } else {
            tail.strip_prefix(" M=")
                .ok_or(WireError::Malformed {
                    what: WHAT,
                    detail: "Success text after S= is not M=",
                })?
                .to_string()
        };
        Ok(SuccessMessage {
            authenticator_response,
            message,
        })
    }

    pub fn to_text(&self) -> String {
        format!(
            "S={} M={}",
            hex_upper(&self.authenticator_response),
            self.message
        )
    }
}

/// RFC 2759 6: the Failure message
/// "E=eeeeeeeeee R=r C=cccccccccccccccccccccccccccccccc V=vvvvvvvvvv M=<msg>".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailureMessage {
    /// E=: the error code (691 authentication failure, 649 no dial-in permission, ...).
    pub error: u32,
    /// R=: 1 if the peer may retry.
    pub retry: bool,
    /// C=: the authenticator's next challenge.
    pub challenge: Option<[u8; CHALLENGE_LEN]>,
    /// V=: the password-change protocol version (3).
    pub version: Option<u32>,
    pub message: String,
}

impl FailureMessage {
    pub fn parse(data: &[u8]) -> Result<Self, WireError> {
        let text = parse_text(data)?;
        let mut error = None;
        let mut retry = false;
        let mut challenge = None;
        let mut version = None;
        let mut message = String::new();
        let mut rest = text;
        while !rest.is_empty() {
            // M= runs to the end: the message may contain spaces.
            if let Some(m) = rest.strip_prefix("M=") {
                message = m.to_string();
                break;
            }
            let (token, tail) = rest.split_once(' ').unwrap_or((rest, ""));
            rest = tail;
            let (key, value) = token.split_once('=').ok_or(WireError::Malformed {
                what: WHAT,
                detail: "Failure field without =",
            })?;
            match key {
                "E" => error = Some(parse_decimal(value)?),
                "R" => {
                    retry = match value {
                        "0" => false,
                        "1" => true,
                        _ => {
                            return Err(WireError::Malformed {
                                what: WHAT,
                                detail: "R= is not 0 or 1",
                            })
                        }
                    }
                }
                "C" => challenge = Some(parse_hex::<CHALLENGE_LEN>(value)?),
                "V" => version = Some(parse_decimal(value)?),
                // Fields of later revisions are ignored.
                _ => {}
            }
        }
        Ok(FailureMessage {
            error: error.ok_or(WireError::Malformed {
                what: WHAT,
                detail: "Failure without E=",
            })?,
            retry,
            challenge,
            version,
            message,
        })
    }

    pub fn to_text(&self) -> String {
        let mut s = format!("E={} R={} ", self.error, u8::from(self.retry));
        if let Some(c) = &self.challenge {
            s.push_str(&format!("C={} ", hex_upper(c)));
        }
        if let Some(v) = self.version {
            s.push_str(&format!("V={v} "));
        }
        s.push_str("M=");
        s.push_str(&self.message);
        s
    }
}

/// A parsed MS-CHAPv2 packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Repr {
    /// RFC 2759 3: Value-Size 16, the challenge, the authenticator's name.
    Challenge {
        identifier: u8,
        challenge: [u8; CHALLENGE_LEN],
        name: String,
    },
    /// RFC 2759 4: Value-Size 49, the user name.
    Response {
        identifier: u8,
        peer_challenge: [u8; 16],
        nt_response: [u8; 24],
        flags: u8,
        name: String,
    },
    /// RFC 2759 5.
    Success {
        identifier: u8,
        message: SuccessMessage,
    },
    /// RFC 2759 6.
    Failure {
        identifier: u8,
        message: FailureMessage,
    },
}

impl Repr {
    pub fn parse<T: AsRef<[u8]> + ?Sized>(packet: &Packet<&T>) -> Result<Self, WireError> {
        packet.check_len()?;
        let identifier = packet.identifier();
        let data = packet.data();
        match packet.code() {
            Code::Challenge => {
                let mut r = Reader::new(data);
                let size = usize::from(r.u8().map_err(WireError::short(WHAT))?);
                if size != CHALLENGE_LEN {
                    return Err(WireError::BadLength {
                        what: "MS-CHAPv2 Challenge value",
                        len: size,
                    });
                }
                let mut challenge = [0u8; CHALLENGE_LEN];
                challenge.copy_from_slice(r.take(size).map_err(WireError::short(WHAT))?);
                let name = parse_text(r.rest())?.to_string();
                Ok(Repr::Challenge {
                    identifier,
                    challenge,
                    name,
                })
            }
            Code::Response => {
                let mut r = Reader::new(data);
                let size = usize::from(r.u8().map_err(WireError::short(WHAT))?);
                if size != RESPONSE_VALUE_LEN {
                    return Err(WireError::BadLength {
                        what: "MS-CHAPv2 Response value",
                        len: size,
                    });
                }
                let short = WireError::short(WHAT);
                let mut peer_challenge = [0u8; 16];
                peer_challenge.copy_from_slice(r.take(16).map_err(&short)?);
                // RFC 2759 4: 8 reserved octets, zero when sent, ignored here.
                r.take(8).map_err(&short)?;
                let mut nt_response = [0u8; 24];
                nt_response.copy_from_slice(r.take(24).map_err(&short)?);
                let flags = r.u8().map_err(&short)?;
                let name = parse_text(r.rest())?.to_string();
                Ok(Repr::Response {
                    identifier,
                    peer_challenge,
                    nt_response,
                    flags,
                    name,
                })
            }
            Code::Success => Ok(Repr::Success {
                identifier,
                message: SuccessMessage::parse(data)?,
            }),
            Code::Failure => Ok(Repr::Failure {
                identifier,
                message: FailureMessage::parse(data)?,
            }),
            Code::Unknown(_) => Err(WireError::Malformed {
                what: WHAT,
                detail: "unknown code",
            }),
        }
    }

    /// Parses a whole CHAP packet from bytes.
    pub fn parse_bytes(bytes: &[u8]) -> Result<Self, WireError> {
        Repr::parse(&Packet::new_checked(bytes)?)
    }

    pub fn identifier(&self) -> u8 {
        match self {
            Repr::Challenge { identifier, .. }
            | Repr::Response { identifier, .. }
            | Repr::Success { identifier, .. }
            | Repr::Failure { identifier, .. } => *identifier,
        }
    }

    pub fn code(&self) -> Code {
        match self {
            Repr::Challenge { .. } => Code::Challenge,
            Repr::Response { .. } => Code::Response,
            Repr::Success { .. } => Code::Success,
            Repr::Failure { .. } => Code::Failure,
        }
    }

    fn data(&self) -> Vec<u8> {
        match self {
            Repr::Challenge {
                challenge, name, ..
            } => {
                let mut d = Vec::with_capacity(1 + CHALLENGE_LEN + name.len());
                d.push(CHALLENGE_LEN as u8);
                d.extend_from_slice(challenge);
                d.extend_from_slice(name.as_bytes());
                d
            }
            Repr::Response {
                peer_challenge,
                nt_response,
                flags,
                name,
                ..
            } => {
                let mut d = Vec::with_capacity(1 + RESPONSE_VALUE_LEN + name.len());
                d.push(RESPONSE_VALUE_LEN as u8);
                d.extend_from_slice(peer_challenge);
                d.extend_from_slice(&[0u8; 8]);
                d.extend_from_slice(nt_response);
                d.push(*flags);
                d.extend_from_slice(name.as_bytes());
                d
            }
            Repr::Success { message, .. } => message.to_text().into_bytes(),
            Repr::Failure { message, .. } => message.to_text().into_bytes(),
        }
    }

    /// Length of the emitted packet. Names and messages longer than the
    /// 16-bit Length allows are the caller's mistake; `emit` truncates them.
    pub fn buffer_len(&self) -> usize {
        let data = match self {
            Repr::Challenge { name, .. } => 1 + CHALLENGE_LEN + name.len(),
            Repr::Response { name, .. } => 1 + RESPONSE_VALUE_LEN + name.len(),
            Repr::Success { message, .. } => message.to_text().len(),
            Repr::Failure { message, .. } => message.to_text().len(),
        };
        (field::HEADER_LEN + data).min(usize::from(u16::MAX))
    }

    /// Writes the packet into `packet`, whose buffer is at least `buffer_len()` long.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, packet: &mut Packet<T>) {
        let len = self.buffer_len();
        packet.set_code(self.code());
        packet.set_identifier(self.identifier());
        packet.set_length(u16::try_from(len).unwrap_or(u16::MAX));
        let data = self.data();
        for (d, s) in packet.data_mut().iter_mut().zip(data.iter()) {
            *d = *s;
        }
    }

    /// The emitted packet as a fresh vector.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut buf = vec![0u8; self.buffer_len()];
        self.emit(&mut Packet::new_unchecked(&mut buf[..]));
        buf
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn arr<const N: usize>(h: &str) -> [u8; N] {
        hex::decode(h).unwrap().try_into().unwrap()
    }

    // Values from /work/shared/vectors/rfc2759_mschapv2.txt (RFC 2759 9.2).
    fn response() -> Repr {
        Repr::Response {
            identifier: 7,
            peer_challenge: arr("21402324255E262A28295F2B3A337C7E"),
            nt_response: arr("82309ECD8D708B5EA08FAA3981CD83544233114A3D85D6DF"),
            flags: 0,
            name: "User".into(),
        }
    }

    // Code 2, id 7, length 4+1+49+4 = 58 = 0x3a, value-size 0x31, the
    // vector file's ResponseValue, "User".
    const RESPONSE_HEX: &str = "0207003a31\
        21402324255e262a28295f2b3a337c7e0000000000000000\
        82309ecd8d708b5ea08faa3981cd83544233114a3d85d6df00\
        55736572";

    fn challenge() -> Repr {
        Repr::Challenge {
            identifier: 1,
            challenge: arr("5B5D7C7D7B3F2F3E3C2C602132262628"),
            name: "srv".into(),
        }
    }
    const CHALLENGE_HEX: &str = "0101001810\
        5b5d7c7d7b3f2f3e3c2c602132262628\
        737276";

    fn success() -> Repr {
        Repr::Success {
            identifier: 7,
            message: SuccessMessage {
                authenticator_response: arr("407A5589115FD0D6209F510FE9C04566932CDA56"),
                message: "ok".into(),
            },
        }
    }

    fn failure() -> Repr {
        Repr::Failure {
            identifier: 7,
            message: FailureMessage {
                error: 691,
                retry: false,
                challenge: Some(arr("00112233445566778899AABBCCDDEEFF")),
                version: Some(3),
                message: "Access denied".into(),
            },
        }
    }

    #[test]
    fn response_emits_rfc2759_value_bytes() {
        assert_eq!(response().to_bytes(), hex::decode(RESPONSE_HEX).unwrap());
    }

    #[test]
    fn challenge_emits_expected_bytes() {
        assert_eq!(challenge().to_bytes(), hex::decode(CHALLENGE_HEX).unwrap());
    }

    #[test]
    fn success_emits_s_and_m_text() {
        let b = success().to_bytes();
        assert_eq!(&b[..4], &[3, 7, 0, 4 + 42 + 5]);
        assert_eq!(&b[4..], b"S=407A5589115FD0D6209F510FE9C04566932CDA56 M=ok");
    }

    #[test]
    fn failure_emits_windows_style_text() {
        let b = failure().to_bytes();
        assert_eq!(b[0], 4);
        assert_eq!(
            &b[4..],
            b"E=691 R=0 C=00112233445566778899AABBCCDDEEFF V=3 M=Access denied"
        );
    }

    #[test]
    fn every_packet_round_trips() {
        for repr in [challenge(), response(), success(), failure()] {
            let bytes = repr.to_bytes();
            assert_eq!(bytes.len(), repr.buffer_len());
            assert_eq!(Repr::parse_bytes(&bytes), Ok(repr));
        }
    }

    #[test]
    fn every_prefix_fails() {
        for repr in [challenge(), response(), success(), failure()] {
            let bytes = repr.to_bytes();
            for n in 0..bytes.len() {
                assert!(Repr::parse_bytes(&bytes[..n]).is_err(), "prefix {n}");
            }
        }
    }

    #[test]
    fn padding_after_length_is_ignored() {
        let mut bytes = hex::decode(CHALLENGE_HEX).unwrap();
        bytes.extend_from_slice(&[0, 0, 0]);
        assert_eq!(Repr::parse_bytes(&bytes), Ok(challenge()));
    }

    #[test]
    fn wrong_value_sizes_are_rejected() {
        let mut bytes = hex::decode(CHALLENGE_HEX).unwrap();
        bytes[4] = 8; // an MD5-CHAP sized challenge
        assert!(matches!(
            Repr::parse_bytes(&bytes),
            Err(WireError::BadLength { .. })
        ));
        let mut bytes = hex::decode(RESPONSE_HEX).unwrap();
        bytes[4] = 48;
        assert!(Repr::parse_bytes(&bytes).is_err());
    }

    #[test]
    fn length_below_header_is_rejected() {
        assert!(matches!(
            Repr::parse_bytes(&[1, 1, 0, 3]),
            Err(WireError::BadLength { len: 3, .. })
        ));
    }

    #[test]
    fn unknown_code_is_kept_by_packet_and_rejected_by_repr() {
        let p = Packet::new_checked(&[9u8, 1, 0, 4][..]).unwrap();
        assert_eq!(p.code(), Code::Unknown(9));
        assert!(Repr::parse(&p).is_err());
    }

    #[test]
    fn success_without_m_parses_and_lowercase_hex_is_accepted() {
        let m = SuccessMessage::parse(b"S=407a5589115fd0d6209f510fe9c04566932cda56").unwrap();
        assert_eq!(m.message, "");
        assert_eq!(m.authenticator_response[0], 0x40);
        assert!(SuccessMessage::parse(b"S=407A").is_err());
        assert!(SuccessMessage::parse(b"E=691").is_err());
    }

    #[test]
    fn failure_parser_reads_e_r_c_v_m() {
        let m = FailureMessage::parse(
            b"E=649 R=1 C=00112233445566778899AABBCCDDEEFF V=3 M=No dial-in permission",
        )
        .unwrap();
        assert_eq!(m.error, 649);
        assert!(m.retry);
        assert_eq!(m.challenge.unwrap()[15], 0xff);
        assert_eq!(m.version, Some(3));
        assert_eq!(m.message, "No dial-in permission");
        // Minimal form, as some servers send.
        let m = FailureMessage::parse(b"E=691 R=0").unwrap();
        assert_eq!(
            (m.error, m.retry, m.challenge, m.version),
            (691, false, None, None)
        );
        assert!(FailureMessage::parse(b"R=0 M=x").is_err());
        assert!(FailureMessage::parse(b"E=69x R=0").is_err());
        assert!(FailureMessage::parse(b"E=691 R=2").is_err());
        assert!(FailureMessage::parse(b"E=691 C=0011").is_err());
    }

    fn arb_text() -> impl Strategy<Value = String> {
        "[ -~]{0,40}"
    }

    fn arb_repr() -> impl Strategy<Value = Repr> {
        prop_oneof![
            (any::<u8>(), any::<[u8; 16]>(), arb_text()).prop_map(
                |(identifier, challenge, name)| {
                    Repr::Challenge {
                        identifier,
                        challenge,
                        name,
                    }
                }
            ),
            (
                any::<u8>(),
                any::<[u8; 16]>(),
                any::<[u8; 24]>(),
                any::<u8>(),
                arb_text()
            )
                .prop_map(|(identifier, peer_challenge, nt_response, flags, name)| {
                    Repr::Response {
                        identifier,
                        peer_challenge,
                        nt_response,
                        flags,
                        name,
                    }
                }),
            (any::<u8>(), any::<[u8; 20]>(), arb_text()).prop_map(
                |(identifier, authenticator_response, message)| Repr::Success {
                    identifier,
                    message: SuccessMessage {
                        authenticator_response,
                        message,
                    },
                }
            ),
            (
                any::<u8>(),
                any::<u32>(),
                any::<bool>(),
                any::<Option<[u8; 16]>>(),
                any::<Option<u32>>(),
                arb_text()
            )
                .prop_map(|(identifier, error, retry, challenge, version, message)| {
                    Repr::Failure {
                        identifier,
                        message: FailureMessage {
                            error,
                            retry,
                            challenge,
                            version,
                            message,
                        },
                    }
                }),
        ]
    }

    proptest! {
        #[test]
        fn repr_round_trips(repr in arb_repr()) {
            let bytes = repr.to_bytes();
            prop_assert_eq!(Repr::parse_bytes(&bytes), Ok(repr));
        }

        #[test]
        fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..80)) {
            let _ = Repr::parse_bytes(&bytes);
        }

        #[test]
        fn random_failure_text_never_panics(text in "[ -~]{0,80}") {
            let _ = FailureMessage::parse(text.as_bytes());
            let _ = SuccessMessage::parse(text.as_bytes());
        }
    }
}
