//! ISAKMP messages (RFC 2408 3) as IKEv1 uses them (RFC 2409) with the IPsec
//! DOI (RFC 2407): the fixed header view, the generic payload chain, and the
//! typed payloads. Encryption is the engine's business: an encrypted message
//! is a header followed by ciphertext, whose plaintext is a payload chain
//! padded to the cipher block (RFC 2409 Appendix B).
//!
//! ```text
//! |                     Initiator Cookie (8)                      |
//! |                     Responder Cookie (8)                      |
//! | Next Payload  | MjVer | MnVer | Exchange Type |     Flags     |
//! |                          Message ID                           |
//! |                            Length                             |
//! ```

pub mod payload;
pub mod sa;

pub use payload::{
    emit_payloads, parse_payloads, split_payloads, CertEncoding, CertPayload, DeletePayload,
    IdPayload, IdType, NatOaPayload, NotifyPayload, NotifyType, Payload, RawPayload,
};
pub use sa::{Attribute, Proposal, ProtocolId, SaPayload, Transform};

use super::WireError;
use crate::wire::view::packet_view;

/// Fixed header (RFC 2408 3.1).
pub const HEADER_LEN: usize = 28;
/// Generic payload header (RFC 2408 3.2).
pub const GENERIC_HEADER_LEN: usize = 4;
/// Major version 1, minor version 0 (RFC 2408 3.1).
pub const VERSION: u8 = 0x10;
/// IKE's UDP port (RFC 2408 2.5.2).
pub const UDP_PORT: u16 = 500;
/// Payloads after the header are encrypted (RFC 2408 3.1).
pub const FLAG_ENCRYPTION: u8 = 0x01;
/// Commit bit (RFC 2408 3.1).
pub const FLAG_COMMIT: u8 = 0x02;
/// Authentication-only bit (RFC 2408 3.1).
pub const FLAG_AUTH_ONLY: u8 = 0x04;

/// Exchange types (RFC 2408 3.1, RFC 2409 5, 5.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ExchangeType {
    Base,
    /// Main Mode (RFC 2409 5).
    IdentityProtection,
    AuthenticationOnly,
    Aggressive,
    Informational,
    /// RFC 2409 5.5.
    QuickMode,
    NewGroupMode,
    Unknown(u8),
}

impl From<u8> for ExchangeType {
    fn from(v: u8) -> Self {
        match v {
            1 => ExchangeType::Base,
            2 => ExchangeType::IdentityProtection,
            3 => ExchangeType::AuthenticationOnly,
            4 => ExchangeType::Aggressive,
            5 => ExchangeType::Informational,
            32 => ExchangeType::QuickMode,
            33 => ExchangeType::NewGroupMode,
            v => ExchangeType::Unknown(v),
        }
    }
}

impl From<ExchangeType> for u8 {
    fn from(e: ExchangeType) -> u8 {
        match e {
            ExchangeType::Base => 1,
            ExchangeType::IdentityProtection => 2,
            ExchangeType::AuthenticationOnly => 3,
            ExchangeType::Aggressive => 4,
            ExchangeType::Informational => 5,
            ExchangeType::QuickMode => 32,
            ExchangeType::NewGroupMode => 33,
            ExchangeType::Unknown(v) => v,
        }
    }
}

/// Payload types (RFC 2408 3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PayloadType {
    None,
    Sa,
    Proposal,
    Transform,
    KeyExchange,
    Identification,
    Certificate,
    CertificateRequest,
    Hash,
    Signature,
    Nonce,
    Notification,
    Delete,
    VendorId,
    /// NAT-D, RFC 3947 3.2.
    NatD,
    /// NAT-OA, RFC 3947 5.2.
    NatOa,
    Unknown(u8),
}

impl From<u8> for PayloadType {
    fn from(v: u8) -> Self {
        use PayloadType::*;
        match v {
            0 => None,
            1 => Sa,
            2 => Proposal,
            3 => Transform,
            4 => KeyExchange,
            5 => Identification,
            6 => Certificate,
            7 => CertificateRequest,
            8 => Hash,
            9 => Signature,
            10 => Nonce,
            11 => Notification,
            12 => Delete,
            13 => VendorId,
            20 => NatD,
            21 => NatOa,
            v => Unknown(v),
        }
    }
}

impl From<PayloadType> for u8 {
    fn from(p: PayloadType) -> u8 {
        use PayloadType::*;
        match p {
            None => 0,
            Sa => 1,
            Proposal => 2,
            Transform => 3,
            KeyExchange => 4,
            Identification => 5,
            Certificate => 6,
            CertificateRequest => 7,
            Hash => 8,
            Signature => 9,
            Nonce => 10,
            Notification => 11,
            Delete => 12,
            VendorId => 13,
            NatD => 20,
            NatOa => 21,
            Unknown(v) => v,
        }
    }
}

mod field {
    use core::ops::Range;
    pub const ICOOKIE: Range<usize> = 0..8;
    pub const RCOOKIE: Range<usize> = 8..16;
    pub const NEXT_PAYLOAD: usize = 16;
    pub const VERSION: usize = 17;
    pub const EXCHANGE: usize = 18;
    pub const FLAGS: usize = 19;
    pub const MESSAGE_ID: Range<usize> = 20..24;
    pub const LENGTH: Range<usize> = 24..28;
}

pub(crate) fn put16(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_be_bytes());
}

pub(crate) fn put32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_be_bytes());
}

packet_view! {
    /// A view over one ISAKMP message (one UDP payload). After `new_checked`,
    /// the header is complete and Length equals the buffer length.
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Checks the header length, the major version and that Length is the
    /// buffer length (RFC 2408 3.1, 5.1).
    pub fn new_checked(buffer: T) -> Result<Self, WireError> {
        let b = buffer.as_ref();
        WireError::check_len("ISAKMP header", HEADER_LEN, b.len())?;
        let version = b[field::VERSION];
        // RFC 2408 5.1: a major version we do not speak is rejected; minor
        // versions are accepted.
        if version >> 4 != VERSION >> 4 {
            return Err(WireError::BadVersion {
                what: "ISAKMP",
                version,
            });
        }
        let packet = Packet { buffer };
        let len = packet.length() as usize;
        let have = packet.buffer.as_ref().len();
        WireError::check_len("ISAKMP message", len, have)?;
        if len < HEADER_LEN {
            return Err(WireError::BadLength {
                what: "ISAKMP length",
                len,
            });
        }
        if len < have {
            return Err(WireError::Trailing {
                what: "ISAKMP message",
                bytes: have - len,
            });
        }
        Ok(packet)
    }

    fn cookie(&self, range: core::ops::Range<usize>) -> [u8; 8] {
        let mut c = [0u8; 8];
        if let Some(s) = self.buffer.as_ref().get(range) {
            c.copy_from_slice(s);
        }
        c
    }

    fn byte(&self, at: usize) -> u8 {
        self.buffer.as_ref().get(at).copied().unwrap_or(0)
    }

    fn word(&self, range: core::ops::Range<usize>) -> u32 {
        match self.buffer.as_ref().get(range) {
            Some(&[a, b, c, d]) => u32::from_be_bytes([a, b, c, d]),
            _ => 0,
        }
    }

    pub fn initiator_cookie(&self) -> [u8; 8] {
        self.cookie(field::ICOOKIE)
    }

    pub fn responder_cookie(&self) -> [u8; 8] {
        self.cookie(field::RCOOKIE)
    }

    pub fn next_payload(&self) -> PayloadType {
        PayloadType::from(self.byte(field::NEXT_PAYLOAD))
    }

    pub fn version(&self) -> u8 {
        self.byte(field::VERSION)
    }

    pub fn exchange_type(&self) -> ExchangeType {
        ExchangeType::from(self.byte(field::EXCHANGE))
    }

    pub fn flags(&self) -> u8 {
        self.byte(field::FLAGS)
    }

    pub fn encrypted(&self) -> bool {
        self.flags() & FLAG_ENCRYPTION != 0
    }

    pub fn message_id(&self) -> u32 {
        self.word(field::MESSAGE_ID)
    }

    pub fn length(&self) -> u32 {
        self.word(field::LENGTH)
    }

    /// Everything after the header: a payload chain, or ciphertext.
    pub fn body(&self) -> &[u8] {
        self.buffer.as_ref().get(HEADER_LEN..).unwrap_or(&[])
    }
}

/// The header fields (RFC 2408 3.1); Length is computed on emit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeaderRepr {
    pub initiator_cookie: [u8; 8],
    pub responder_cookie: [u8; 8],
    pub next_payload: PayloadType,
    pub exchange: ExchangeType,
    pub flags: u8,
    pub message_id: u32,
}

impl HeaderRepr {
    pub fn parse<T: AsRef<[u8]>>(packet: &Packet<T>) -> HeaderRepr {
        HeaderRepr {
            initiator_cookie: packet.initiator_cookie(),
            responder_cookie: packet.responder_cookie(),
            next_payload: packet.next_payload(),
            exchange: packet.exchange_type(),
            flags: packet.flags(),
            message_id: packet.message_id(),
        }
    }

    /// Appends the header for a message whose body is `body_len` bytes
    /// (ciphertext including padding, when encrypted: RFC 2408 3.1 Length
    /// is the whole message).
    pub fn emit(&self, body_len: usize, out: &mut Vec<u8>) -> Result<(), WireError> {
        let len = HEADER_LEN + body_len;
        let len32 = u32::try_from(len).map_err(|_| WireError::BadLength {
            what: "ISAKMP message",
            len,
        })?;
        out.extend_from_slice(&self.initiator_cookie);
        out.extend_from_slice(&self.responder_cookie);
        out.push(self.next_payload.into());
        out.push(VERSION);
        out.push(self.exchange.into());
        out.push(self.flags);
        put32(out, self.message_id);
        put32(out, len32);
        Ok(())
    }

    /// Header followed by `body`.
    pub fn to_bytes(&self, body: &[u8]) -> Result<Vec<u8>, WireError> {
        let mut out = Vec::with_capacity(HEADER_LEN + body.len());
        self.emit(body.len(), &mut out)?;
        out.extend_from_slice(body);
        Ok(out)
    }
}

/// A one-line description for reports and debugging.
pub fn summary(data: &[u8]) -> String {
    match Packet::new_checked(data) {
        Ok(p) => format!(
            "ISAKMP {:?} icookie={} rcookie={} mid={:08x}{} len={}",
            p.exchange_type(),
            hex8(&p.initiator_cookie()),
            hex8(&p.responder_cookie()),
            p.message_id(),
            if p.encrypted() { " encrypted" } else { "" },
            p.length()
        ),
        Err(e) => format!("ISAKMP malformed: {e}"),
    }
}

fn hex8(c: &[u8; 8]) -> String {
    c.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests;
