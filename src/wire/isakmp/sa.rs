//! The Security Association payload and what it nests (RFC 2408 3.4-3.6,
//! RFC 2407 4.6.1): DOI and situation, then Proposal payloads, each carrying
//! Transform payloads, each carrying data attributes (RFC 2408 3.3).
//!
//! Proposals and transforms are payloads with their own generic headers whose
//! Next Payload is 2 (more proposals) / 3 (more transforms) or 0 (last).

use super::{put16, put32, PayloadType, GENERIC_HEADER_LEN};
use crate::wire::codec::Reader;
use crate::wire::WireError;

/// IPsec DOI (RFC 2407 4.2).
pub const DOI_IPSEC: u32 = 1;
/// SIT_IDENTITY_ONLY (RFC 2407 4.2): no labeled-domain fields follow.
pub const SIT_IDENTITY_ONLY: u32 = 1;
/// KEY_IKE, the one ISAKMP transform id (RFC 2407 4.4.2).
pub const KEY_IKE: u8 = 1;

/// ESP transform identifiers (RFC 2407 4.4.4, RFC 3602 for AES).
pub mod esp {
    pub const DES: u8 = 2;
    pub const TRIPLE_DES: u8 = 3;
    pub const NULL: u8 = 11;
    pub const AES: u8 = 12;
}

/// Phase-1 attribute classes and values (RFC 2409 Appendix A).
pub mod p1 {
    pub const ENCRYPTION: u16 = 1;
    pub const HASH: u16 = 2;
    pub const AUTH_METHOD: u16 = 3;
    pub const GROUP: u16 = 4;
    pub const LIFE_TYPE: u16 = 11;
    pub const LIFE_DURATION: u16 = 12;
    pub const KEY_LENGTH: u16 = 14;
    pub const ENC_DES_CBC: u16 = 1;
    pub const ENC_3DES_CBC: u16 = 5;
    pub const ENC_AES_CBC: u16 = 7;
    pub const HASH_MD5: u16 = 1;
    pub const HASH_SHA: u16 = 2;
    pub const AUTH_PRE_SHARED: u16 = 1;
    pub const AUTH_RSA_SIG: u16 = 3;
    pub const LIFE_SECONDS: u16 = 1;
    pub const LIFE_KILOBYTES: u16 = 2;
}

/// Phase-2 (IPsec DOI) attribute classes and values (RFC 2407 4.5).
pub mod p2 {
    pub const LIFE_TYPE: u16 = 1;
    pub const LIFE_DURATION: u16 = 2;
    pub const GROUP: u16 = 3;
    pub const ENCAPSULATION: u16 = 4;
    pub const AUTH_ALG: u16 = 5;
    pub const KEY_LENGTH: u16 = 6;
    pub const LIFE_SECONDS: u16 = 1;
    pub const LIFE_KILOBYTES: u16 = 2;
    pub const ENCAP_TUNNEL: u16 = 1;
    pub const ENCAP_TRANSPORT: u16 = 2;
    /// RFC 3947 5.1: UDP-Encapsulated-Tunnel and -Transport.
    pub const ENCAP_UDP_TUNNEL: u16 = 3;
    pub const ENCAP_UDP_TRANSPORT: u16 = 4;
    pub const AUTH_HMAC_MD5: u16 = 1;
    pub const AUTH_HMAC_SHA: u16 = 2;
}

/// Protocol identifiers (RFC 2407 4.4.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ProtocolId {
    Isakmp,
    Ah,
    Esp,
    IpComp,
    Unknown(u8),
}

impl From<u8> for ProtocolId {
    fn from(v: u8) -> Self {
        match v {
            1 => ProtocolId::Isakmp,
            2 => ProtocolId::Ah,
            3 => ProtocolId::Esp,
            4 => ProtocolId::IpComp,
            v => ProtocolId::Unknown(v),
        }
    }
}

impl From<ProtocolId> for u8 {
    fn from(p: ProtocolId) -> u8 {
        match p {
            ProtocolId::Isakmp => 1,
            ProtocolId::Ah => 2,
            ProtocolId::Esp => 3,
            ProtocolId::IpComp => 4,
            ProtocolId::Unknown(v) => v,
        }
    }
}

/// AF bit: the attribute is TV (basic), not TLV (RFC 2408 3.3).
const ATTR_AF: u16 = 0x8000;

/// A data attribute (RFC 2408 3.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attribute {
    /// AF = 1: a 16-bit value in place of the length.
    Basic { kind: u16, value: u16 },
    /// AF = 0: length and value.
    Variable { kind: u16, value: Vec<u8> },
}

impl Attribute {
    pub fn kind(&self) -> u16 {
        match self {
            Attribute::Basic { kind, .. } | Attribute::Variable { kind, .. } => *kind,
        }
    }

    /// The value as an integer, for either encoding (variable values of at
    /// most four bytes, big endian).
    pub fn value_u32(&self) -> Option<u32> {
        match self {
            Attribute::Basic { value, .. } => Some(u32::from(*value)),
            Attribute::Variable { value, .. } if value.len() <= 4 => {
                Some(value.iter().fold(0u32, |acc, b| (acc << 8) | u32::from(*b)))
            }
            Attribute::Variable { .. } => None,
        }
    }

    /// A life duration: basic when it fits 16 bits is allowed, but Windows
    /// and most peers send four bytes (RFC 2409 Appendix A "V").
    pub fn duration(kind: u16, secs_or_kb: u32) -> Attribute {
        Attribute::Variable {
            kind,
            value: secs_or_kb.to_be_bytes().to_vec(),
        }
    }

    fn parse(r: &mut Reader<'_>) -> Result<Attribute, WireError> {
        let short = WireError::short("ISAKMP attribute");
        let head = r.u16().map_err(&short)?;
        let kind = head & !ATTR_AF;
        let word = r.u16().map_err(&short)?;
        if head & ATTR_AF != 0 {
            Ok(Attribute::Basic { kind, value: word })
        } else {
            let value = r.take(usize::from(word)).map_err(&short)?.to_vec();
            Ok(Attribute::Variable { kind, value })
        }
    }

    pub fn buffer_len(&self) -> usize {
        match self {
            Attribute::Basic { .. } => 4,
            Attribute::Variable { value, .. } => 4 + value.len(),
        }
    }

    fn emit(&self, out: &mut Vec<u8>) -> Result<(), WireError> {
        match self {
            Attribute::Basic { kind, value } => {
                put16(out, kind | ATTR_AF);
                put16(out, *value);
            }
            Attribute::Variable { kind, value } => {
                let len = u16::try_from(value.len()).map_err(|_| WireError::BadLength {
                    what: "ISAKMP attribute",
                    len: value.len(),
                })?;
                put16(out, kind & !ATTR_AF);
                put16(out, len);
                out.extend_from_slice(value);
            }
        }
        Ok(())
    }
}

/// A Transform payload (RFC 2408 3.6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transform {
    pub number: u8,
    pub transform_id: u8,
    pub attributes: Vec<Attribute>,
}

impl Transform {
    /// The first attribute of class `kind`, as an integer.
    pub fn attribute(&self, kind: u16) -> Option<u32> {
        self.attributes
            .iter()
            .find(|a| a.kind() == kind)
            .and_then(Attribute::value_u32)
    }

    fn parse(body: &[u8]) -> Result<Transform, WireError> {
        let short = WireError::short("ISAKMP transform");
        let mut r = Reader::new(body);
        let number = r.u8().map_err(&short)?;
        let transform_id = r.u8().map_err(&short)?;
        r.u16().map_err(&short)?; // RESERVED2
        let mut attributes = Vec::new();
        while !r.is_empty() {
            attributes.push(Attribute::parse(&mut r)?);
        }
        Ok(Transform {
            number,
            transform_id,
            attributes,
        })
    }

    fn body_len(&self) -> usize {
        4 + self
            .attributes
            .iter()
            .map(Attribute::buffer_len)
            .sum::<usize>()
    }

    fn emit(&self, last: bool, out: &mut Vec<u8>) -> Result<(), WireError> {
        let next = if last {
            PayloadType::None
        } else {
            PayloadType::Transform
        };
        emit_generic(out, next, self.body_len(), "ISAKMP transform")?;
        out.push(self.number);
        out.push(self.transform_id);
        put16(out, 0);
        for a in &self.attributes {
            a.emit(out)?;
        }
        Ok(())
    }
}

/// A Proposal payload (RFC 2408 3.5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposal {
    pub number: u8,
    pub protocol: ProtocolId,
    /// Empty in phase 1 (RFC 2408 2.4); the 4-byte ESP SPI in phase 2.
    pub spi: Vec<u8>,
    pub transforms: Vec<Transform>,
}

impl Proposal {
    fn parse(body: &[u8]) -> Result<Proposal, WireError> {
        let short = WireError::short("ISAKMP proposal");
        let mut r = Reader::new(body);
        let number = r.u8().map_err(&short)?;
        let protocol = ProtocolId::from(r.u8().map_err(&short)?);
        let spi_size = r.u8().map_err(&short)?;
        let count = r.u8().map_err(&short)?;
        let spi = r.take(usize::from(spi_size)).map_err(&short)?.to_vec();
        let mut transforms = Vec::new();
        let mut next = if count == 0 {
            PayloadType::None
        } else {
            PayloadType::Transform
        };
        while next != PayloadType::None {
            let (n, body) = read_generic(&mut r, "ISAKMP transform")?;
            if n != PayloadType::None && n != PayloadType::Transform {
                return Err(malformed(
                    "ISAKMP transform",
                    "next payload is not a transform",
                ));
            }
            transforms.push(Transform::parse(body)?);
            next = n;
        }
        if let Err(bytes) = r.expect_empty() {
            return Err(WireError::Trailing {
                what: "ISAKMP proposal",
                bytes,
            });
        }
        // RFC 2408 3.5: "# of Transforms" must agree with the payloads.
        if transforms.len() != usize::from(count) {
            return Err(malformed("ISAKMP proposal", "transform count mismatch"));
        }
        Ok(Proposal {
            number,
            protocol,
            spi,
            transforms,
        })
    }

    fn body_len(&self) -> usize {
        4 + self.spi.len()
            + self
                .transforms
                .iter()
                .map(|t| GENERIC_HEADER_LEN + t.body_len())
                .sum::<usize>()
    }

    fn emit(&self, last: bool, out: &mut Vec<u8>) -> Result<(), WireError> {
        let what = "ISAKMP proposal";
        let next = if last {
            PayloadType::None
        } else {
            PayloadType::Proposal
        };
        let spi_size = u8::try_from(self.spi.len()).map_err(|_| WireError::BadLength {
            what,
            len: self.spi.len(),
        })?;
        let count = u8::try_from(self.transforms.len()).map_err(|_| WireError::BadLength {
            what,
            len: self.transforms.len(),
        })?;
        emit_generic(out, next, self.body_len(), what)?;
        out.push(self.number);
        out.push(self.protocol.into());
        out.push(spi_size);
        out.push(count);
        out.extend_from_slice(&self.spi);
        let n = self.transforms.len();
        for (i, t) in self.transforms.iter().enumerate() {
            t.emit(i + 1 == n, out)?;
        }
        Ok(())
    }
}

/// The SA payload body (RFC 2408 3.4 with the IPsec DOI situation, RFC 2407 4.6.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaPayload {
    pub doi: u32,
    pub situation: u32,
    pub proposals: Vec<Proposal>,
}

impl SaPayload {
    pub fn new(proposals: Vec<Proposal>) -> SaPayload {
        SaPayload {
            doi: DOI_IPSEC,
            situation: SIT_IDENTITY_ONLY,
            proposals,
        }
    }

    pub fn parse(body: &[u8]) -> Result<SaPayload, WireError> {
        let what = "ISAKMP SA";
        let short = WireError::short(what);
        let mut r = Reader::new(body);
        let doi = r.u32().map_err(&short)?;
        let situation = r.u32().map_err(&short)?;
        // RFC 2407 4.2: other situation bits add labeled-domain fields.
        if situation != SIT_IDENTITY_ONLY {
            return Err(malformed(what, "situation is not SIT_IDENTITY_ONLY"));
        }
        let mut proposals = Vec::new();
        let mut next = PayloadType::Proposal;
        while next != PayloadType::None {
            let (n, body) = read_generic(&mut r, "ISAKMP proposal")?;
            if n != PayloadType::None && n != PayloadType::Proposal {
                return Err(malformed(
                    "ISAKMP proposal",
                    "next payload is not a proposal",
                ));
            }
            proposals.push(Proposal::parse(body)?);
            next = n;
        }
        if let Err(bytes) = r.expect_empty() {
            return Err(WireError::Trailing { what, bytes });
        }
        Ok(SaPayload {
            doi,
            situation,
            proposals,
        })
    }

    pub fn body_len(&self) -> usize {
        8 + self
            .proposals
            .iter()
            .map(|p| GENERIC_HEADER_LEN + p.body_len())
            .sum::<usize>()
    }

    pub fn emit_body(&self, out: &mut Vec<u8>) -> Result<(), WireError> {
        if self.proposals.is_empty() {
            return Err(malformed("ISAKMP SA", "no proposal"));
        }
        put32(out, self.doi);
        put32(out, self.situation);
        let n = self.proposals.len();
        for (i, p) in self.proposals.iter().enumerate() {
            p.emit(i + 1 == n, out)?;
        }
        Ok(())
    }
}

fn malformed(what: &'static str, detail: &'static str) -> WireError {
    WireError::Malformed { what, detail }
}

/// Reads one generic payload header (RFC 2408 3.2) and returns the next
/// payload type with the body.
pub(super) fn read_generic<'a>(
    r: &mut Reader<'a>,
    what: &'static str,
) -> Result<(PayloadType, &'a [u8]), WireError> {
    let short = WireError::short(what);
    let next = PayloadType::from(r.u8().map_err(&short)?);
    r.u8().map_err(&short)?; // RESERVED
    let len = usize::from(r.u16().map_err(&short)?);
    if len < GENERIC_HEADER_LEN {
        return Err(WireError::BadLength { what, len });
    }
    let body = r.take(len - GENERIC_HEADER_LEN).map_err(&short)?;
    Ok((next, body))
}

pub(super) fn emit_generic(
    out: &mut Vec<u8>,
    next: PayloadType,
    body_len: usize,
    what: &'static str,
) -> Result<(), WireError> {
    let len = body_len + GENERIC_HEADER_LEN;
    let len16 = u16::try_from(len).map_err(|_| WireError::BadLength { what, len })?;
    out.push(next.into());
    out.push(0);
    put16(out, len16);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn phase1_sa() -> SaPayload {
        SaPayload::new(vec![Proposal {
            number: 1,
            protocol: ProtocolId::Isakmp,
            spi: vec![],
            transforms: vec![
                Transform {
                    number: 1,
                    transform_id: KEY_IKE,
                    attributes: vec![
                        Attribute::Basic {
                            kind: p1::ENCRYPTION,
                            value: p1::ENC_3DES_CBC,
                        },
                        Attribute::Basic {
                            kind: p1::HASH,
                            value: p1::HASH_SHA,
                        },
                        Attribute::Basic {
                            kind: p1::AUTH_METHOD,
                            value: p1::AUTH_RSA_SIG,
                        },
                        Attribute::Basic {
                            kind: p1::GROUP,
                            value: 2,
                        },
                        Attribute::Basic {
                            kind: p1::LIFE_TYPE,
                            value: p1::LIFE_SECONDS,
                        },
                        Attribute::duration(p1::LIFE_DURATION, 28800),
                    ],
                },
                Transform {
                    number: 2,
                    transform_id: KEY_IKE,
                    attributes: vec![Attribute::Basic {
                        kind: p1::ENCRYPTION,
                        value: p1::ENC_DES_CBC,
                    }],
                },
            ],
        }])
    }

    // Hand-assembled from RFC 2408 3.4-3.6 and RFC 2409 Appendix A.
    const PHASE1_SA_HEX: &str = concat!(
        "00000001", "00000001", // DOI IPsec, SIT_IDENTITY_ONLY
        "0000", "0038", "01", "01", "00",
        "02", // proposal: last, len 56, #1, ISAKMP, spi 0, 2 transforms
        "0300", "0024", "01", "01", "0000", // transform #1 KEY_IKE, more follow, len 36
        "80010005", "80020002", "80030003", "80040002", "800b0001", "000c0004", "00007080", "0000",
        "000c", "02", "01", "0000", "80010001", // transform #2, last
    );

    #[test]
    fn phase1_sa_emits_the_rfc_layout() {
        let mut out = Vec::new();
        phase1_sa().emit_body(&mut out).unwrap();
        assert_eq!(hex::encode(&out), PHASE1_SA_HEX);
        assert_eq!(out.len(), phase1_sa().body_len());
    }

    #[test]
    fn phase1_sa_round_trips() {
        let bytes = hex::decode(PHASE1_SA_HEX).unwrap();
        let sa = SaPayload::parse(&bytes).unwrap();
        assert_eq!(sa, phase1_sa());
        let t = &sa.proposals[0].transforms[0];
        assert_eq!(t.attribute(p1::LIFE_DURATION), Some(28800));
        assert_eq!(t.attribute(p1::KEY_LENGTH), None);
    }

    #[test]
    fn every_prefix_of_an_sa_fails() {
        let bytes = hex::decode(PHASE1_SA_HEX).unwrap();
        for n in 0..bytes.len() {
            assert!(SaPayload::parse(&bytes[..n]).is_err(), "prefix {n}");
        }
    }

    #[test]
    fn transform_count_must_match_the_payloads() {
        let mut bytes = hex::decode(PHASE1_SA_HEX).unwrap();
        bytes[15] = 3; // "# of transforms"
        assert!(matches!(
            SaPayload::parse(&bytes),
            Err(WireError::Malformed { .. })
        ));
    }

    #[test]
    fn esp_proposal_carries_its_spi() {
        let sa = SaPayload::new(vec![Proposal {
            number: 1,
            protocol: ProtocolId::Esp,
            spi: vec![0xde, 0xad, 0xbe, 0xef],
            transforms: vec![Transform {
                number: 1,
                transform_id: esp::TRIPLE_DES,
                attributes: vec![
                    Attribute::Basic {
                        kind: p2::ENCAPSULATION,
                        value: p2::ENCAP_TRANSPORT,
                    },
                    Attribute::Basic {
                        kind: p2::AUTH_ALG,
                        value: p2::AUTH_HMAC_MD5,
                    },
                ],
            }],
        }]);
        let mut out = Vec::new();
        sa.emit_body(&mut out).unwrap();
        let expected = concat!(
            "00000001", "00000001", "0000", "001c", "01", "03", "04", "01",
            "deadbeef", // ESP, SPI size 4
            "0000", "0010", "01", "03", "0000", "80040002", "80050001",
        );
        assert_eq!(hex::encode(&out), expected);
        assert_eq!(SaPayload::parse(&out).unwrap(), sa);
    }
}
