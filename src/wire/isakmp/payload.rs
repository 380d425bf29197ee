//! The generic payload chain (RFC 2408 3.2) and the payloads other than SA:
//! KE, ID, CERT, CR, HASH, SIG, Nonce, Notification, Delete, Vendor ID
//! (RFC 2408 3.7-3.16, RFC 2407 4.6.2-4.6.3).

use std::net::Ipv4Addr;

use super::sa::{emit_generic, read_generic, ProtocolId, SaPayload, DOI_IPSEC};
use super::{put16, put32, PayloadType, GENERIC_HEADER_LEN};
use crate::wire::codec::Reader;
use crate::wire::WireError;

/// Identification types (RFC 2407 4.6.2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum IdType {
    Ipv4Addr,
    Fqdn,
    UserFqdn,
    Ipv4AddrSubnet,
    Ipv6Addr,
    Ipv6AddrSubnet,
    Ipv4AddrRange,
    Ipv6AddrRange,
    DerAsn1Dn,
    DerAsn1Gn,
    KeyId,
    Unknown(u8),
}

impl From<u8> for IdType {
    fn from(v: u8) -> Self {
        use IdType::*;
        match v {
            1 => Ipv4Addr,
            2 => Fqdn,
            3 => UserFqdn,
            4 => Ipv4AddrSubnet,
            5 => Ipv6Addr,
            6 => Ipv6AddrSubnet,
            7 => Ipv4AddrRange,
            8 => Ipv6AddrRange,
            9 => DerAsn1Dn,
            10 => DerAsn1Gn,
            11 => KeyId,
            v => Unknown(v),
        }
    }
}

impl From<IdType> for u8 {
    fn from(t: IdType) -> u8 {
        use IdType::*;
        match t {
            Ipv4Addr => 1,
            Fqdn => 2,
            UserFqdn => 3,
            Ipv4AddrSubnet => 4,
            Ipv6Addr => 5,
            Ipv6AddrSubnet => 6,
            Ipv4AddrRange => 7,
            Ipv6AddrRange => 8,
            DerAsn1Dn => 9,
            DerAsn1Gn => 10,
            KeyId => 11,
            Unknown(v) => v,
        }
    }
}

/// Certificate encodings (RFC 2408 3.9).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CertEncoding {
    /// "X.509 Certificate - Signature", 4.
    X509Signature,
    Unknown(u8),
}

impl From<u8> for CertEncoding {
    fn from(v: u8) -> Self {
        match v {
            4 => CertEncoding::X509Signature,
            v => CertEncoding::Unknown(v),
        }
    }
}

impl From<CertEncoding> for u8 {
    fn from(e: CertEncoding) -> u8 {
        match e {
            CertEncoding::X509Signature => 4,
            CertEncoding::Unknown(v) => v,
        }
    }
}

/// Notify message types (RFC 2408 3.14.1 errors, RFC 2407 4.6.3 status).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NotifyType {
    InvalidPayloadType,
    InvalidCookie,
    InvalidExchangeType,
    InvalidMessageId,
    InvalidSpi,
    NoProposalChosen,
    PayloadMalformed,
    InvalidIdInformation,
    InvalidCertEncoding,
    InvalidCertificate,
    CertTypeUnsupported,
    InvalidCertAuthority,
    InvalidHashInformation,
    AuthenticationFailed,
    InvalidSignature,
    CertificateUnavailable,
    ResponderLifetime,
    ReplayStatus,
    InitialContact,
    Unknown(u16),
}

impl From<u16> for NotifyType {
    fn from(v: u16) -> Self {
        use NotifyType::*;
        match v {
            1 => InvalidPayloadType,
            4 => InvalidCookie,
            7 => InvalidExchangeType,
            9 => InvalidMessageId,
            11 => InvalidSpi,
            14 => NoProposalChosen,
            16 => PayloadMalformed,
            18 => InvalidIdInformation,
            19 => InvalidCertEncoding,
            20 => InvalidCertificate,
            21 => CertTypeUnsupported,
            22 => InvalidCertAuthority,
            23 => InvalidHashInformation,
            24 => AuthenticationFailed,
            25 => InvalidSignature,
            28 => CertificateUnavailable,
            24576 => ResponderLifetime,
            24577 => ReplayStatus,
            24578 => InitialContact,
            v => Unknown(v),
        }
    }
}

impl From<NotifyType> for u16 {
    fn from(t: NotifyType) -> u16 {
        use NotifyType::*;
        match t {
            InvalidPayloadType => 1,
            InvalidCookie => 4,
            InvalidExchangeType => 7,
            InvalidMessageId => 9,
            InvalidSpi => 11,
            NoProposalChosen => 14,
            PayloadMalformed => 16,
            InvalidIdInformation => 18,
            InvalidCertEncoding => 19,
            InvalidCertificate => 20,
            CertTypeUnsupported => 21,
            InvalidCertAuthority => 22,
            InvalidHashInformation => 23,
            AuthenticationFailed => 24,
            InvalidSignature => 25,
            CertificateUnavailable => 28,
            ResponderLifetime => 24576,
            ReplayStatus => 24577,
            InitialContact => 24578,
            Unknown(v) => v,
        }
    }
}

/// Identification payload with the IPsec DOI fields (RFC 2407 4.6.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdPayload {
    pub id_type: IdType,
    /// IP protocol (17 = UDP), 0 = any.
    pub protocol: u8,
    /// 0 = any.
    pub port: u16,
    pub data: Vec<u8>,
}

impl IdPayload {
    /// ID_IPV4_ADDR with a protocol and port (RFC 2407 4.6.2), as Quick Mode
    /// client identities use.
    pub fn ipv4(addr: Ipv4Addr, protocol: u8, port: u16) -> IdPayload {
        IdPayload {
            id_type: IdType::Ipv4Addr,
            protocol,
            port,
            data: addr.octets().to_vec(),
        }
    }

    /// ID_DER_ASN1_DN with a certificate subject; RFC 2407 4.6.2: in phase
    /// 1 the protocol/port are 0 or UDP/500.
    pub fn dn(subject_der: &[u8]) -> IdPayload {
        IdPayload {
            id_type: IdType::DerAsn1Dn,
            protocol: 17,
            port: super::UDP_PORT,
            data: subject_der.to_vec(),
        }
    }

    /// The address of an ID_IPV4_ADDR identity.
    pub fn ipv4_addr(&self) -> Option<Ipv4Addr> {
        match (self.id_type, self.data.as_slice()) {
            (IdType::Ipv4Addr, &[a, b, c, d]) => Some(Ipv4Addr::new(a, b, c, d)),
            _ => None,
        }
    }
}

/// CERT (RFC 2408 3.9) and CR (RFC 2408 3.10) payloads: an encoding and the
/// certificate, or the certificate authority's DER Name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertPayload {
    pub encoding: CertEncoding,
    pub data: Vec<u8>,
}

/// Notification payload (RFC 2408 3.14).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotifyPayload {
    pub doi: u32,
    pub protocol: ProtocolId,
    pub spi: Vec<u8>,
    pub notify_type: NotifyType,
    pub data: Vec<u8>,
}

impl NotifyPayload {
    pub fn new(protocol: ProtocolId, spi: Vec<u8>, notify_type: NotifyType) -> NotifyPayload {
        NotifyPayload {
            doi: DOI_IPSEC,
            protocol,
            spi,
            notify_type,
            data: Vec::new(),
        }
    }
}

/// Delete payload (RFC 2408 3.15): SPIs of one protocol, all the same size
/// (16 = the cookie pair for ISAKMP, 4 for ESP).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeletePayload {
    pub doi: u32,
    pub protocol: ProtocolId,
    pub spi_size: u8,
    pub spis: Vec<Vec<u8>>,
}

/// NAT-OA (RFC 3947 5.2): ID type (ID_IPV4_ADDR), three reserved octets,
/// then the address. The reserved octets are sent as zero and not kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NatOaPayload {
    pub id_type: IdType,
    pub address: Vec<u8>,
}

/// A typed payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Payload {
    Sa(SaPayload),
    KeyExchange(Vec<u8>),
    Identification(IdPayload),
    Certificate(CertPayload),
    CertificateRequest(CertPayload),
    Hash(Vec<u8>),
    Signature(Vec<u8>),
    Nonce(Vec<u8>),
    Notification(NotifyPayload),
    Delete(DeletePayload),
    VendorId(Vec<u8>),
    /// RFC 3947 3.2: a hash of cookies, address and port.
    NatD(Vec<u8>),
    /// RFC 3947 5.2: the original address of one side, for transport mode.
    NatOa(NatOaPayload),
    /// Kept as bytes.
    Unknown {
        kind: u8,
        body: Vec<u8>,
    },
}

fn malformed(what: &'static str, detail: &'static str) -> WireError {
    WireError::Malformed { what, detail }
}

fn trailing(r: &Reader<'_>, what: &'static str) -> Result<(), WireError> {
    r.expect_empty()
        .map_err(|bytes| WireError::Trailing { what, bytes })
}

impl Payload {
    pub fn kind(&self) -> PayloadType {
        match self {
            Payload::Sa(_) => PayloadType::Sa,
            Payload::KeyExchange(_) => PayloadType::KeyExchange,
            Payload::Identification(_) => PayloadType::Identification,
            Payload::Certificate(_) => PayloadType::Certificate,
            Payload::CertificateRequest(_) => PayloadType::CertificateRequest,
            Payload::Hash(_) => PayloadType::Hash,
            Payload::Signature(_) => PayloadType::Signature,
            Payload::Nonce(_) => PayloadType::Nonce,
            Payload::Notification(_) => PayloadType::Notification,
            Payload::Delete(_) => PayloadType::Delete,
            Payload::VendorId(_) => PayloadType::VendorId,
            Payload::NatD(_) => PayloadType::NatD,
            Payload::NatOa(_) => PayloadType::NatOa,
            Payload::Unknown { kind, .. } => PayloadType::from(*kind),
        }
    }

    /// Parses the body (after the generic header) of a payload of `kind`.
    pub fn parse(kind: PayloadType, body: &[u8]) -> Result<Payload, WireError> {
        let mut r = Reader::new(body);
        Ok(match kind {
            PayloadType::Sa => Payload::Sa(SaPayload::parse(body)?),
            PayloadType::KeyExchange => Payload::KeyExchange(body.to_vec()),
            PayloadType::Hash => Payload::Hash(body.to_vec()),
            PayloadType::Signature => Payload::Signature(body.to_vec()),
            PayloadType::Nonce => Payload::Nonce(body.to_vec()),
            PayloadType::VendorId => Payload::VendorId(body.to_vec()),
            PayloadType::NatD => Payload::NatD(body.to_vec()),
            PayloadType::NatOa => {
                let short = WireError::short("ISAKMP NAT-OA");
                let id_type = IdType::from(r.u8().map_err(&short)?);
                r.take(3).map_err(&short)?;
                Payload::NatOa(NatOaPayload {
                    id_type,
                    address: r.take_rest().to_vec(),
                })
            }
            PayloadType::Identification => {
                let short = WireError::short("ISAKMP ID");
                let id_type = IdType::from(r.u8().map_err(&short)?);
                let protocol = r.u8().map_err(&short)?;
                let port = r.u16().map_err(&short)?;
                let data = r.take_rest().to_vec();
                Payload::Identification(IdPayload {
                    id_type,
                    protocol,
                    port,
                    data,
                })
            }
            PayloadType::Certificate | PayloadType::CertificateRequest => {
                let short = WireError::short("ISAKMP CERT");
                let encoding = CertEncoding::from(r.u8().map_err(&short)?);
                let c = CertPayload {
                    encoding,
                    data: r.take_rest().to_vec(),
                };
                if kind == PayloadType::Certificate {
                    Payload::Certificate(c)
                } else {
                    Payload::CertificateRequest(c)
                }
            }
            PayloadType::Notification => {
                let what = "ISAKMP notification";
                let short = WireError::short(what);
                let doi = r.u32().map_err(&short)?;
                let protocol = ProtocolId::from(r.u8().map_err(&short)?);
                let spi_size = r.u8().map_err(&short)?;
                let notify_type = NotifyType::from(r.u16().map_err(&short)?);
                let spi = r.take(usize::from(spi_size)).map_err(&short)?.to_vec();
                Payload::Notification(NotifyPayload {
                    doi,
                    protocol,
                    spi,
                    notify_type,
                    data: r.take_rest().to_vec(),
                })
            }
            PayloadType::Delete => {
                let what = "ISAKMP delete";
                let short = WireError::short(what);
                let doi = r.u32().map_err(&short)?;
                let protocol = ProtocolId::from(r.u8().map_err(&short)?);
                let spi_size = r.u8().map_err(&short)?;
                let count = r.u16().map_err(&short)?;
                if spi_size == 0 {
                    return Err(malformed(what, "SPI size 0"));
                }
                let mut spis = Vec::new();
                for _ in 0..count {
                    spis.push(r.take(usize::from(spi_size)).map_err(&short)?.to_vec());
                }
                trailing(&r, what)?;
                Payload::Delete(DeletePayload {
                    doi,
                    protocol,
                    spi_size,
                    spis,
                })
            }
            PayloadType::Proposal | PayloadType::Transform => {
                return Err(malformed(
                    "ISAKMP payload",
                    "proposal or transform outside an SA",
                ))
            }
            PayloadType::None => return Err(malformed("ISAKMP payload", "payload type 0")),
            PayloadType::Unknown(kind) => Payload::Unknown {
                kind,
                body: body.to_vec(),
            },
        })
    }

    /// Length of the body without the generic header.
    pub fn body_len(&self) -> usize {
        match self {
            Payload::Sa(sa) => sa.body_len(),
            Payload::KeyExchange(d)
            | Payload::Hash(d)
            | Payload::Signature(d)
            | Payload::Nonce(d)
            | Payload::VendorId(d)
            | Payload::NatD(d)
            | Payload::Unknown { body: d, .. } => d.len(),
            Payload::NatOa(o) => 4 + o.address.len(),
            Payload::Identification(id) => 4 + id.data.len(),
            Payload::Certificate(c) | Payload::CertificateRequest(c) => 1 + c.data.len(),
            Payload::Notification(n) => 8 + n.spi.len() + n.data.len(),
            Payload::Delete(d) => 8 + d.spis.iter().map(Vec::len).sum::<usize>(),
        }
    }

    /// Appends the body (no generic header).
    pub fn emit_body(&self, out: &mut Vec<u8>) -> Result<(), WireError> {
        match self {
            Payload::Sa(sa) => sa.emit_body(out)?,
            Payload::KeyExchange(d)
            | Payload::Hash(d)
            | Payload::Signature(d)
            | Payload::Nonce(d)
            | Payload::VendorId(d)
            | Payload::NatD(d)
            | Payload::Unknown { body: d, .. } => out.extend_from_slice(d),
            Payload::NatOa(o) => {
                out.push(o.id_type.into());
                out.extend_from_slice(&[0; 3]);
                out.extend_from_slice(&o.address);
            }
            Payload::Identification(id) => {
                out.push(id.id_type.into());
                out.push(id.protocol);
                put16(out, id.port);
                out.extend_from_slice(&id.data);
            }
            Payload::Certificate(c) | Payload::CertificateRequest(c) => {
                out.push(c.encoding.into());
                out.extend_from_slice(&c.data);
            }
            Payload::Notification(n) => {
                let what = "ISAKMP notification";
                let spi_size = u8::try_from(n.spi.len()).map_err(|_| WireError::BadLength {
                    what,
                    len: n.spi.len(),
                })?;
                put32(out, n.doi);
                out.push(n.protocol.into());
                out.push(spi_size);
                put16(out, n.notify_type.into());
                out.extend_from_slice(&n.spi);
                out.extend_from_slice(&n.data);
            }
            Payload::Delete(d) => {
                let what = "ISAKMP delete";
                let count = u16::try_from(d.spis.len()).map_err(|_| WireError::BadLength {
                    what,
                    len: d.spis.len(),
                })?;
                if d.spi_size == 0 || d.spis.iter().any(|s| s.len() != usize::from(d.spi_size)) {
                    return Err(malformed(what, "SPI sizes disagree"));
                }
                put32(out, d.doi);
                out.push(d.protocol.into());
                out.push(d.spi_size);
                put16(out, count);
                for s in &d.spis {
                    out.extend_from_slice(s);
                }
            }
        }
        Ok(())
    }
}

/// One payload of a chain, untyped: the bytes that hashes cover.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawPayload<'a> {
    pub kind: PayloadType,
    /// The body, without the generic header (the "_b" of RFC 2409 5).
    pub body: &'a [u8],
    /// Offset of the generic header within the chain.
    pub offset: usize,
    /// Length including the generic header.
    pub len: usize,
}

/// Walks the generic payload headers (RFC 2408 3.2) starting with `first`
/// (the header's Next Payload). With `padded`, bytes after the last payload
/// are the encryption padding (RFC 2409 Appendix B) and ignored. A clear
/// chain may end with up to three bytes that align it to four octets:
/// pluto pads every IKEv1 message so by default, which its ipsec.conf(5)
/// (`ikepad`) says IKEv1 allows and no peer but Checkpoint's Aggressive
/// Mode ever refused; our machines met it in libreswan's MM4 with a CR
/// (docs/interop.md, issue 22). Anything longer is an error.
pub fn split_payloads(
    first: PayloadType,
    chain: &[u8],
    padded: bool,
) -> Result<Vec<RawPayload<'_>>, WireError> {
    let mut r = Reader::new(chain);
    let mut out = Vec::new();
    let mut kind = first;
    while kind != PayloadType::None {
        let offset = r.position();
        let (next, body) = read_generic(&mut r, "ISAKMP payload")?;
        out.push(RawPayload {
            kind,
            body,
            offset,
            len: body.len() + GENERIC_HEADER_LEN,
        });
        kind = next;
    }
    let alignment = r.left() < 4 && chain.len() % 4 == 0;
    if !padded && !alignment {
        trailing(&r, "ISAKMP payload chain")?;
    }
    Ok(out)
}

/// Splits and types a payload chain.
pub fn parse_payloads(
    first: PayloadType,
    chain: &[u8],
    padded: bool,
) -> Result<Vec<Payload>, WireError> {
    split_payloads(first, chain, padded)?
        .iter()
        .map(|p| Payload::parse(p.kind, p.body))
        .collect()
}

/// Appends `payloads` with chained generic headers; the header's Next
/// Payload is `payloads[0].kind()`.
pub fn emit_payloads(payloads: &[Payload], out: &mut Vec<u8>) -> Result<(), WireError> {
    for (i, p) in payloads.iter().enumerate() {
        let next = payloads.get(i + 1).map_or(PayloadType::None, Payload::kind);
        emit_generic(out, next, p.body_len(), "ISAKMP payload")?;
        p.emit_body(out)?;
    }
    Ok(())
}
