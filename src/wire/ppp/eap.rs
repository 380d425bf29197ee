//! EAP packets (RFC 3748 4, 5) as PPP carries them (protocol 0xC227), with
//! the EAP-TLS body (RFC 5216 3.1, 3.2; RFC 2716 4.1): Code, Identifier,
//! Length, then for Requests and Responses a Type and its data. The PPP
//! framing is the caller's; octets past Length are link padding and
//! ignored (RFC 3748 4.1).

use crate::wire::codec::Reader;
use crate::wire::WireError;

const WHAT: &str = "EAP";
const TLS_WHAT: &str = "EAP-TLS";
/// RFC 3748 4: Code, Identifier, Length.
const HEADER_LEN: usize = 4;

/// RFC 3748 5 and RFC 5216 3.1: the Types used here.
pub mod kind {
    pub const IDENTITY: u8 = 1;
    pub const NOTIFICATION: u8 = 2;
    /// Legacy Nak, Responses only: the Types the peer would take instead.
    pub const NAK: u8 = 3;
    pub const MD5_CHALLENGE: u8 = 4;
    pub const TLS: u8 = 13;
}

/// RFC 5216 3.1: the EAP-TLS flags octet.
mod flag {
    /// Length included: a four-octet TLS Message Length follows.
    pub const LENGTH: u8 = 0x80;
    /// More fragments follow.
    pub const MORE: u8 = 0x40;
    /// EAP-TLS Start (Requests only).
    pub const START: u8 = 0x20;
}

/// An EAP-TLS Request or Response body (RFC 5216 3.1, 3.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsBody {
    /// S: the server's first Request.
    pub start: bool,
    /// M: more fragments of this TLS message follow.
    pub more: bool,
    /// L: the whole TLS message's length, sent with its first fragment.
    pub message_len: Option<u32>,
    /// This fragment of TLS records; empty in a Start or an
    /// acknowledgement.
    pub data: Vec<u8>,
}

impl TlsBody {
    fn parse(data: &[u8]) -> Result<Self, WireError> {
        let mut r = Reader::new(data);
        let flags = r.u8().map_err(WireError::short(TLS_WHAT))?;
        if flags & 0x1f != 0 {
            // RFC 5216 3.1: reserved bits are zero on send; a peer that
            // sets them is not one we can follow.
            return Err(WireError::Malformed {
                what: TLS_WHAT,
                detail: "reserved flag bits set",
            });
        }
        let message_len = if flags & flag::LENGTH != 0 {
            Some(r.u32().map_err(WireError::short(TLS_WHAT))?)
        } else {
            None
        };
        Ok(TlsBody {
            start: flags & flag::START != 0,
            more: flags & flag::MORE != 0,
            message_len,
            data: r.take_rest().to_vec(),
        })
    }

    fn emit(&self, out: &mut Vec<u8>) {
        let mut flags = 0;
        if self.message_len.is_some() {
            flags |= flag::LENGTH;
        }
        if self.more {
            flags |= flag::MORE;
        }
        if self.start {
            flags |= flag::START;
        }
        out.push(flags);
        if let Some(len) = self.message_len {
            out.extend_from_slice(&len.to_be_bytes());
        }
        out.extend_from_slice(&self.data);
    }
}

/// The Type and its data of a Request or Response (RFC 3748 5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Body {
    /// Type 1: the peer's identity (Responses) or a displayable prompt
    /// (Requests), not NUL-terminated.
    Identity(Vec<u8>),
    /// Type 2: displayable text.
    Notification(Vec<u8>),
    /// Type 3: the Types the peer proposes instead.
    Nak(Vec<u8>),
    /// Type 13.
    Tls(TlsBody),
    /// Any other Type, kept as bytes.
    Other { kind: u8, data: Vec<u8> },
}

impl Body {
    pub fn kind(&self) -> u8 {
        match self {
            Body::Identity(_) => kind::IDENTITY,
            Body::Notification(_) => kind::NOTIFICATION,
            Body::Nak(_) => kind::NAK,
            Body::Tls(_) => kind::TLS,
            Body::Other { kind, .. } => *kind,
        }
    }

    fn parse(kind: u8, data: &[u8]) -> Result<Self, WireError> {
        Ok(match kind {
            kind::IDENTITY => Body::Identity(data.to_vec()),
            kind::NOTIFICATION => Body::Notification(data.to_vec()),
            kind::NAK => Body::Nak(data.to_vec()),
            kind::TLS => Body::Tls(TlsBody::parse(data)?),
            other => Body::Other {
                kind: other,
                data: data.to_vec(),
            },
        })
    }

    fn emit(&self, out: &mut Vec<u8>) {
        out.push(self.kind());
        match self {
            Body::Identity(d) | Body::Notification(d) | Body::Nak(d) => out.extend_from_slice(d),
            Body::Tls(t) => t.emit(out),
            Body::Other { data, .. } => out.extend_from_slice(data),
        }
    }
}

/// An EAP packet (RFC 3748 4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Repr {
    Request {
        identifier: u8,
        body: Body,
    },
    Response {
        identifier: u8,
        body: Body,
    },
    /// Code 3: no data (RFC 3748 4.2).
    Success {
        identifier: u8,
    },
    /// Code 4: no data.
    Failure {
        identifier: u8,
    },
}

impl Repr {
    pub fn identifier(&self) -> u8 {
        match self {
            Repr::Request { identifier, .. }
            | Repr::Response { identifier, .. }
            | Repr::Success { identifier }
            | Repr::Failure { identifier } => *identifier,
        }
    }

    /// Parses one packet; bytes past Length are ignored (RFC 3748 4.1).
    pub fn parse(bytes: &[u8]) -> Result<Self, WireError> {
        let mut r = Reader::new(bytes);
        let short = WireError::short(WHAT);
        let code = r.u8().map_err(&short)?;
        let identifier = r.u8().map_err(&short)?;
        let len = usize::from(r.u16().map_err(&short)?);
        if len < HEADER_LEN {
            return Err(WireError::BadLength { what: WHAT, len });
        }
        WireError::check_len(WHAT, len, bytes.len())?;
        let mut body = Reader::new(&bytes[HEADER_LEN..len]);
        match code {
            1 | 2 => {
                let kind = body.u8().map_err(&short)?;
                let body = Body::parse(kind, body.take_rest())?;
                Ok(if code == 1 {
                    Repr::Request { identifier, body }
                } else {
                    Repr::Response { identifier, body }
                })
            }
            3 | 4 => {
                if !body.is_empty() {
                    // RFC 3748 4.2: Success and Failure are four octets.
                    return Err(WireError::Trailing {
                        what: WHAT,
                        bytes: body.left(),
                    });
                }
                Ok(if code == 3 {
                    Repr::Success { identifier }
                } else {
                    Repr::Failure { identifier }
                })
            }
            _ => Err(WireError::Malformed {
                what: WHAT,
                detail: "unknown code",
            }),
        }
    }

    /// The packet's bytes. A body longer than Length can say is an error
    /// (the caller fragments TLS to the link's MTU first).
    pub fn emit(&self) -> Result<Vec<u8>, WireError> {
        let (code, body) = match self {
            Repr::Request { body, .. } => (1, Some(body)),
            Repr::Response { body, .. } => (2, Some(body)),
            Repr::Success { .. } => (3, None),
            Repr::Failure { .. } => (4, None),
        };
        let mut out = vec![code, self.identifier(), 0, 0];
        if let Some(b) = body {
            b.emit(&mut out);
        }
        let len = u16::try_from(out.len()).map_err(|_| WireError::BadLength {
            what: WHAT,
            len: out.len(),
        })?;
        out[2..4].copy_from_slice(&len.to_be_bytes());
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tls(start: bool, more: bool, message_len: Option<u32>, data: &[u8]) -> Body {
        Body::Tls(TlsBody {
            start,
            more,
            message_len,
            data: data.to_vec(),
        })
    }

    fn samples() -> Vec<(Repr, &'static str)> {
        vec![
            // RFC 5216 3.2: EAP-Request/EAP-TLS (TLS Start), flags 0x20.
            (
                Repr::Request {
                    identifier: 7,
                    body: tls(true, false, None, &[]),
                },
                "010700060d20",
            ),
            // The first fragment: L and M, the whole length, then data.
            (
                Repr::Response {
                    identifier: 8,
                    body: tls(false, true, Some(0x0000_0403), &[0x16, 0x03, 0x01]),
                },
                "0208000d0dc000000403160301",
            ),
            // An acknowledgement: an EAP-TLS Response with no data.
            (
                Repr::Response {
                    identifier: 9,
                    body: tls(false, false, None, &[]),
                },
                "020900060d00",
            ),
            (
                Repr::Response {
                    identifier: 1,
                    body: Body::Identity(b"alice".to_vec()),
                },
                "0201000a01616c696365",
            ),
            (
                Repr::Response {
                    identifier: 2,
                    body: Body::Nak(vec![kind::TLS]),
                },
                "02020006030d",
            ),
            (Repr::Success { identifier: 10 }, "030a0004"),
            (Repr::Failure { identifier: 11 }, "040b0004"),
        ]
    }

    #[test]
    fn emit_equals_bytes_and_parse_round_trips() {
        for (repr, hex) in samples() {
            let bytes = repr.emit().unwrap();
            assert_eq!(hex::encode(&bytes), hex, "{repr:?}");
            assert_eq!(Repr::parse(&bytes).unwrap(), repr);
        }
    }

    #[test]
    fn every_prefix_fails() {
        for (repr, _) in samples() {
            let bytes = repr.emit().unwrap();
            for n in 0..bytes.len() {
                assert!(Repr::parse(&bytes[..n]).is_err(), "{repr:?} prefix {n}");
            }
        }
    }

    #[test]
    fn link_padding_past_length_is_ignored() {
        let mut bytes = hex::decode("030a0004").unwrap();
        bytes.extend_from_slice(&[0, 0]);
        assert_eq!(
            Repr::parse(&bytes).unwrap(),
            Repr::Success { identifier: 10 }
        );
    }

    #[test]
    fn bad_input_gets_a_typed_error() {
        // Length below the header, an unknown code, data after Success,
        // reserved TLS flags, an L flag without its four octets.
        for hex in [
            "01010003",
            "05010004",
            "0301000500",
            "010100060d01",
            "010100080d80aabb",
        ] {
            let bytes = hex::decode(hex).unwrap();
            assert!(Repr::parse(&bytes).is_err(), "{hex}");
        }
    }
}
