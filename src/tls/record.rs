//! TLS 1.0 records and handshake message headers (RFC 2246 6.2.1, 7.4):
//! a record is ContentType, ProtocolVersion, a 16-bit length and the
//! fragment; a handshake message is HandshakeType, a 24-bit length and
//! the body. Several handshake messages may share a record, and one may
//! span records; `split_records` and `split_handshakes` take them apart.

use crate::wire::codec::Reader;
use crate::wire::WireError;

const RECORD: &str = "TLS record";
const HANDSHAKE: &str = "TLS handshake";
/// RFC 2246 6.2.1: type, version, length.
pub const RECORD_HEADER_LEN: usize = 5;
/// RFC 2246 6.2.1: a plaintext fragment is at most 2^14 bytes; 6.2.3: a
/// ciphertext may be 2048 more.
pub const MAX_FRAGMENT_LEN: usize = (1 << 14) + 2048;
/// RFC 2246 6.2.1 and A.1: TLS 1.0 is version 3.1.
pub const TLS_1_0: u16 = 0x0301;

/// RFC 2246 6.2.1 and A.1: the record's content types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContentType {
    ChangeCipherSpec,
    Alert,
    Handshake,
    ApplicationData,
    Unknown(u8),
}

impl From<u8> for ContentType {
    fn from(v: u8) -> Self {
        match v {
            20 => ContentType::ChangeCipherSpec,
            21 => ContentType::Alert,
            22 => ContentType::Handshake,
            23 => ContentType::ApplicationData,
            other => ContentType::Unknown(other),
        }
    }
}

impl From<ContentType> for u8 {
    fn from(t: ContentType) -> u8 {
        match t {
            ContentType::ChangeCipherSpec => 20,
            ContentType::Alert => 21,
            ContentType::Handshake => 22,
            ContentType::ApplicationData => 23,
            ContentType::Unknown(other) => other,
        }
    }
}

/// One record (RFC 2246 6.2.1), its fragment as sent (plain or sealed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub content_type: ContentType,
    pub version: u16,
    pub fragment: Vec<u8>,
}

impl Record {
    pub fn emit(&self, out: &mut Vec<u8>) -> Result<(), WireError> {
        let len = self.fragment.len();
        if len > MAX_FRAGMENT_LEN {
            return Err(WireError::BadLength { what: RECORD, len });
        }
        out.push(self.content_type.into());
        out.extend_from_slice(&self.version.to_be_bytes());
        out.extend_from_slice(&(len as u16).to_be_bytes());
        out.extend_from_slice(&self.fragment);
        Ok(())
    }
}

/// Splits a flight of records (what EAP-TLS reassembled) into records.
pub fn split_records(bytes: &[u8]) -> Result<Vec<Record>, WireError> {
    let mut r = Reader::new(bytes);
    let short = WireError::short(RECORD);
    let mut out = Vec::new();
    while !r.is_empty() {
        let content_type = ContentType::from(r.u8().map_err(&short)?);
        let version = r.u16().map_err(&short)?;
        // RFC 2246 E.1: a TLS 1.0 peer accepts any 3.x record version.
        if version >> 8 != 3 {
            return Err(WireError::BadVersion {
                what: RECORD,
                version: (version >> 8) as u8,
            });
        }
        let len = usize::from(r.u16().map_err(&short)?);
        if len > MAX_FRAGMENT_LEN {
            return Err(WireError::BadLength { what: RECORD, len });
        }
        let fragment = r.take(len).map_err(&short)?.to_vec();
        out.push(Record {
            content_type,
            version,
            fragment,
        });
    }
    Ok(out)
}

/// RFC 2246 7.4: the handshake message types of an RSA handshake.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandshakeType {
    HelloRequest,
    ClientHello,
    ServerHello,
    Certificate,
    ServerKeyExchange,
    CertificateRequest,
    ServerHelloDone,
    CertificateVerify,
    ClientKeyExchange,
    Finished,
    Unknown(u8),
}

impl From<u8> for HandshakeType {
    fn from(v: u8) -> Self {
        match v {
            0 => HandshakeType::HelloRequest,
            1 => HandshakeType::ClientHello,
            2 => HandshakeType::ServerHello,
            11 => HandshakeType::Certificate,
            12 => HandshakeType::ServerKeyExchange,
            13 => HandshakeType::CertificateRequest,
            14 => HandshakeType::ServerHelloDone,
            15 => HandshakeType::CertificateVerify,
            16 => HandshakeType::ClientKeyExchange,
            20 => HandshakeType::Finished,
            other => HandshakeType::Unknown(other),
        }
    }
}

impl From<HandshakeType> for u8 {
    fn from(t: HandshakeType) -> u8 {
        match t {
            HandshakeType::HelloRequest => 0,
            HandshakeType::ClientHello => 1,
            HandshakeType::ServerHello => 2,
            HandshakeType::Certificate => 11,
            HandshakeType::ServerKeyExchange => 12,
            HandshakeType::CertificateRequest => 13,
            HandshakeType::ServerHelloDone => 14,
            HandshakeType::CertificateVerify => 15,
            HandshakeType::ClientKeyExchange => 16,
            HandshakeType::Finished => 20,
            HandshakeType::Unknown(other) => other,
        }
    }
}

/// One handshake message: its type, its body, and its bytes with the
/// header (what Finished and CertificateVerify hash, RFC 2246 7.4.8-9).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandshakeMessage {
    pub kind: HandshakeType,
    pub body: Vec<u8>,
}

impl HandshakeMessage {
    /// The message with its four-octet header.
    pub fn to_bytes(&self) -> Result<Vec<u8>, WireError> {
        let len = self.body.len();
        if len >= 1 << 24 {
            return Err(WireError::BadLength {
                what: HANDSHAKE,
                len,
            });
        }
        let mut out = Vec::with_capacity(4 + len);
        out.push(self.kind.into());
        out.extend_from_slice(&(len as u32).to_be_bytes()[1..]);
        out.extend_from_slice(&self.body);
        Ok(out)
    }
}

/// Splits the joined fragments of handshake records into messages; a
/// message cut short is an error (the caller joins every handshake record
/// of a flight first).
pub fn split_handshakes(bytes: &[u8]) -> Result<Vec<HandshakeMessage>, WireError> {
    let mut r = Reader::new(bytes);
    let short = WireError::short(HANDSHAKE);
    let mut out = Vec::new();
    while !r.is_empty() {
        let kind = HandshakeType::from(r.u8().map_err(&short)?);
        let len = r.take(3).map_err(&short)?;
        let len = usize::from(len[0]) << 16 | usize::from(len[1]) << 8 | usize::from(len[2]);
        let body = r.take(len).map_err(&short)?.to_vec();
        out.push(HandshakeMessage { kind, body });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn done() -> HandshakeMessage {
        HandshakeMessage {
            kind: HandshakeType::ServerHelloDone,
            body: Vec::new(),
        }
    }

    fn finished() -> HandshakeMessage {
        HandshakeMessage {
            kind: HandshakeType::Finished,
            body: vec![0xab; 12],
        }
    }

    #[test]
    fn a_record_of_two_handshakes_emits_as_the_rfc_lays_it_out() {
        let mut fragment = done().to_bytes().unwrap();
        fragment.extend(finished().to_bytes().unwrap());
        let record = Record {
            content_type: ContentType::Handshake,
            version: TLS_1_0,
            fragment,
        };
        let mut bytes = Vec::new();
        record.emit(&mut bytes).unwrap();
        // 16 03 01, length 20: ServerHelloDone 0e 000000, Finished 14
        // 00000c and its 12 bytes.
        assert_eq!(
            hex::encode(&bytes),
            format!("16030100140e0000001400000c{}", "ab".repeat(12))
        );
        let records = split_records(&bytes).unwrap();
        assert_eq!(records, vec![record.clone()]);
        assert_eq!(
            split_handshakes(&records[0].fragment).unwrap(),
            vec![done(), finished()]
        );
        for n in 1..bytes.len() {
            assert!(split_records(&bytes[..n]).is_err(), "prefix {n}");
        }
        let fragment = &records[0].fragment;
        for n in 1..fragment.len() {
            if n == 4 {
                continue; // a whole ServerHelloDone
            }
            assert!(split_handshakes(&fragment[..n]).is_err(), "prefix {n}");
        }
    }

    #[test]
    fn a_record_version_other_than_3_x_is_refused() {
        assert!(matches!(
            split_records(&hex::decode("1602010000").unwrap()),
            Err(WireError::BadVersion { version: 2, .. })
        ));
        // SSL 3.0 records are read (RFC 2246 E.1).
        assert!(split_records(&hex::decode("1503000000").unwrap()).is_ok());
    }
}
