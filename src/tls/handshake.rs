//! The bodies of the handshake messages an RSA handshake of TLS 1.0 uses
//! (RFC 2246 7.4), parsed from and emitted into `record::HandshakeMessage`.
//! Hellos may carry extensions after their fixed fields (RFC 2246 7.4.1.2
//! lets a server ignore them; RFC 3546 names them); they are kept as bytes.

use super::record::{HandshakeMessage, HandshakeType};
use crate::wire::codec::Reader;
use crate::wire::WireError;

const WHAT: &str = "TLS handshake body";

/// RFC 2246 A.5 and RFC 4346 A.5: the suites of the XP and Server 2003
/// era (WINDOWS.md 10, "EAP-TLS").
pub mod suite {
    pub const RSA_WITH_RC4_128_MD5: u16 = 0x0004;
    pub const RSA_WITH_RC4_128_SHA: u16 = 0x0005;
    pub const RSA_WITH_DES_CBC_SHA: u16 = 0x0009;
    pub const RSA_WITH_3DES_EDE_CBC_SHA: u16 = 0x000a;
}

/// RFC 2246 7.4.1.2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientHello {
    pub version: u16,
    pub random: [u8; 32],
    pub session_id: Vec<u8>,
    pub cipher_suites: Vec<u16>,
    pub compression_methods: Vec<u8>,
    /// Anything after the compression methods, as sent.
    pub extensions: Vec<u8>,
}

/// RFC 2246 7.4.1.3.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerHello {
    pub version: u16,
    pub random: [u8; 32],
    pub session_id: Vec<u8>,
    pub cipher_suite: u16,
    pub compression_method: u8,
    pub extensions: Vec<u8>,
}

/// A handshake message's body (RFC 2246 7.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Handshake {
    ClientHello(ClientHello),
    ServerHello(ServerHello),
    /// 7.4.2: the chain, sender's certificate first, DER each.
    Certificate(Vec<Vec<u8>>),
    /// 7.4.4: certificate types (1 = rsa_sign) and the DER names of the
    /// authorities the server takes.
    CertificateRequest {
        types: Vec<u8>,
        authorities: Vec<Vec<u8>>,
    },
    ServerHelloDone,
    /// 7.4.7.1: the RSA-encrypted pre-master secret (TLS 1.0 sends it with
    /// a two-octet length, SSL 3.0 without).
    ClientKeyExchange(Vec<u8>),
    /// 7.4.8: the RSA signature over MD5 and SHA-1 of the messages so far.
    CertificateVerify(Vec<u8>),
    Finished([u8; 12]),
}

fn random(r: &mut Reader<'_>) -> Result<[u8; 32], WireError> {
    let mut out = [0u8; 32];
    out.copy_from_slice(r.take(32).map_err(WireError::short(WHAT))?);
    Ok(out)
}

/// A vector with a length prefix of `width` octets (RFC 2246 4.3).
fn vector<'a>(r: &mut Reader<'a>, width: usize) -> Result<&'a [u8], WireError> {
    let short = WireError::short(WHAT);
    let len = r
        .take(width)
        .map_err(&short)?
        .iter()
        .fold(0usize, |n, b| n << 8 | usize::from(*b));
    r.take(len).map_err(short)
}

fn put_vector(out: &mut Vec<u8>, width: usize, data: &[u8]) -> Result<(), WireError> {
    let len = data.len();
    if width < 8 && len >> (8 * width) != 0 {
        return Err(WireError::BadLength { what: WHAT, len });
    }
    out.extend_from_slice(&(len as u64).to_be_bytes()[8 - width..]);
    out.extend_from_slice(data);
    Ok(())
}

/// A vector of vectors (certificate lists, distinguished names).
fn vectors(r: &mut Reader<'_>, outer: usize, inner: usize) -> Result<Vec<Vec<u8>>, WireError> {
    let mut list = Reader::new(vector(r, outer)?);
    let mut out = Vec::new();
    while !list.is_empty() {
        out.push(vector(&mut list, inner)?.to_vec());
    }
    Ok(out)
}

fn put_vectors(
    out: &mut Vec<u8>,
    outer: usize,
    inner: usize,
    items: &[Vec<u8>],
) -> Result<(), WireError> {
    let mut list = Vec::new();
    for item in items {
        put_vector(&mut list, inner, item)?;
    }
    put_vector(out, outer, &list)
}

fn session_id(r: &mut Reader<'_>) -> Result<Vec<u8>, WireError> {
    let id = vector(r, 1)?;
    if id.len() > 32 {
        return Err(WireError::Malformed {
            what: WHAT,
            detail: "session id longer than 32 octets",
        });
    }
    Ok(id.to_vec())
}

impl Handshake {
    pub fn kind(&self) -> HandshakeType {
        match self {
            Handshake::ClientHello(_) => HandshakeType::ClientHello,
            Handshake::ServerHello(_) => HandshakeType::ServerHello,
            Handshake::Certificate(_) => HandshakeType::Certificate,
            Handshake::CertificateRequest { .. } => HandshakeType::CertificateRequest,
            Handshake::ServerHelloDone => HandshakeType::ServerHelloDone,
            Handshake::ClientKeyExchange(_) => HandshakeType::ClientKeyExchange,
            Handshake::CertificateVerify(_) => HandshakeType::CertificateVerify,
            Handshake::Finished(_) => HandshakeType::Finished,
        }
    }

    /// Parses `m`'s body; every byte must belong to a field (extensions
    /// excepted).
    pub fn parse(m: &HandshakeMessage) -> Result<Self, WireError> {
        let mut r = Reader::new(&m.body);
        let short = WireError::short(WHAT);
        let parsed = match m.kind {
            HandshakeType::ClientHello => {
                let version = r.u16().map_err(&short)?;
                let random = random(&mut r)?;
                let session_id = session_id(&mut r)?;
                let suites = vector(&mut r, 2)?;
                if suites.is_empty() || suites.len() % 2 != 0 {
                    return Err(WireError::Malformed {
                        what: WHAT,
                        detail: "cipher suites not a non-empty list of pairs",
                    });
                }
                let cipher_suites = suites
                    .chunks_exact(2)
                    .map(|p| u16::from_be_bytes([p[0], p[1]]))
                    .collect();
                let compression_methods = vector(&mut r, 1)?.to_vec();
                if compression_methods.is_empty() {
                    return Err(WireError::Malformed {
                        what: WHAT,
                        detail: "no compression method",
                    });
                }
                Handshake::ClientHello(ClientHello {
                    version,
                    random,
                    session_id,
                    cipher_suites,
                    compression_methods,
                    extensions: r.take_rest().to_vec(),
                })
            }
            HandshakeType::ServerHello => Handshake::ServerHello(ServerHello {
                version: r.u16().map_err(&short)?,
                random: random(&mut r)?,
                session_id: session_id(&mut r)?,
                cipher_suite: r.u16().map_err(&short)?,
                compression_method: r.u8().map_err(&short)?,
                extensions: r.take_rest().to_vec(),
            }),
            HandshakeType::Certificate => Handshake::Certificate(vectors(&mut r, 3, 3)?),
            HandshakeType::CertificateRequest => Handshake::CertificateRequest {
                types: vector(&mut r, 1)?.to_vec(),
                authorities: vectors(&mut r, 2, 2)?,
            },
            HandshakeType::ServerHelloDone => Handshake::ServerHelloDone,
            HandshakeType::ClientKeyExchange => {
                Handshake::ClientKeyExchange(vector(&mut r, 2)?.to_vec())
            }
            HandshakeType::CertificateVerify => {
                Handshake::CertificateVerify(vector(&mut r, 2)?.to_vec())
            }
            HandshakeType::Finished => {
                let mut v = [0u8; 12];
                v.copy_from_slice(r.take(12).map_err(&short)?);
                Handshake::Finished(v)
            }
            _ => {
                return Err(WireError::Malformed {
                    what: WHAT,
                    detail: "handshake type not used here",
                })
            }
        };
        r.expect_empty()
            .map_err(|bytes| WireError::Trailing { what: WHAT, bytes })?;
        Ok(parsed)
    }

    /// The message, ready for `HandshakeMessage::to_bytes`.
    pub fn to_message(&self) -> Result<HandshakeMessage, WireError> {
        let mut b = Vec::new();
        match self {
            Handshake::ClientHello(h) => {
                b.extend_from_slice(&h.version.to_be_bytes());
                b.extend_from_slice(&h.random);
                put_vector(&mut b, 1, &h.session_id)?;
                let suites: Vec<u8> = h
                    .cipher_suites
                    .iter()
                    .flat_map(|s| s.to_be_bytes())
                    .collect();
                put_vector(&mut b, 2, &suites)?;
                put_vector(&mut b, 1, &h.compression_methods)?;
                b.extend_from_slice(&h.extensions);
            }
            Handshake::ServerHello(h) => {
                b.extend_from_slice(&h.version.to_be_bytes());
                b.extend_from_slice(&h.random);
                put_vector(&mut b, 1, &h.session_id)?;
                b.extend_from_slice(&h.cipher_suite.to_be_bytes());
                b.push(h.compression_method);
                b.extend_from_slice(&h.extensions);
            }
            Handshake::Certificate(chain) => put_vectors(&mut b, 3, 3, chain)?,
            Handshake::CertificateRequest { types, authorities } => {
                put_vector(&mut b, 1, types)?;
                put_vectors(&mut b, 2, 2, authorities)?;
            }
            Handshake::ServerHelloDone => {}
            Handshake::ClientKeyExchange(e) | Handshake::CertificateVerify(e) => {
                put_vector(&mut b, 2, e)?
            }
            Handshake::Finished(v) => b.extend_from_slice(v),
        }
        Ok(HandshakeMessage {
            kind: self.kind(),
            body: b,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hello() -> Handshake {
        Handshake::ClientHello(ClientHello {
            version: 0x0301,
            random: [0x5a; 32],
            session_id: Vec::new(),
            cipher_suites: vec![
                suite::RSA_WITH_RC4_128_MD5,
                suite::RSA_WITH_RC4_128_SHA,
                suite::RSA_WITH_3DES_EDE_CBC_SHA,
            ],
            compression_methods: vec![0],
            extensions: Vec::new(),
        })
    }

    fn samples() -> Vec<Handshake> {
        vec![
            hello(),
            Handshake::ServerHello(ServerHello {
                version: 0x0301,
                random: [0xa5; 32],
                session_id: vec![7; 32],
                cipher_suite: suite::RSA_WITH_RC4_128_MD5,
                compression_method: 0,
                extensions: vec![0x00, 0x05, 0xff, 0x01, 0x00, 0x01, 0x00],
            }),
            Handshake::Certificate(vec![vec![0x30, 0x03, 1, 2, 3], vec![0x30, 0x00]]),
            Handshake::CertificateRequest {
                types: vec![1],
                authorities: vec![vec![0x30, 0x02, 0x31, 0x00]],
            },
            Handshake::ServerHelloDone,
            Handshake::ClientKeyExchange(vec![0xee; 128]),
            Handshake::CertificateVerify(vec![0xdd; 128]),
            Handshake::Finished([0xcc; 12]),
        ]
    }

    #[test]
    fn a_client_hello_emits_the_rfc_layout() {
        let bytes = hello().to_message().unwrap().to_bytes().unwrap();
        // 01, length 0x2d: 0301, the random, no session id, three suites,
        // one compression method (null).
        assert_eq!(
            hex::encode(bytes),
            format!("0100002d0301{}00000600040005000a0100", "5a".repeat(32))
        );
    }

    #[test]
    fn bodies_round_trip_and_every_prefix_fails() {
        for h in samples() {
            let m = h.to_message().unwrap();
            assert_eq!(Handshake::parse(&m).unwrap(), h);
            let hellos = matches!(h, Handshake::ServerHello(_));
            for n in 0..m.body.len() {
                let cut = HandshakeMessage {
                    kind: m.kind,
                    body: m.body[..n].to_vec(),
                };
                // A ServerHello cut inside its extensions keeps what it has.
                if hellos && n >= 70 {
                    continue;
                }
                assert!(Handshake::parse(&cut).is_err(), "{h:?} prefix {n}");
            }
        }
    }

    #[test]
    fn trailing_bytes_and_bad_lists_are_refused() {
        let mut m = Handshake::Finished([0; 12]).to_message().unwrap();
        m.body.push(0);
        assert!(matches!(
            Handshake::parse(&m),
            Err(WireError::Trailing { bytes: 1, .. })
        ));
        let mut m = hello().to_message().unwrap();
        // An odd cipher suite list length.
        m.body[36] = 0x05;
        assert!(Handshake::parse(&m).is_err());
    }
}
