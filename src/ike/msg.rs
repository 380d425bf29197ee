//! Building and reading IKE messages: headers, payload chains with their
//! raw bodies (hashes cover bytes, not structures), the HASH payload that
//! leads Quick Mode and Informational messages (RFC 2409 5.5, 5.7), and
//! encryption with the CBC chain of `state`.

use super::state::{open, seal};
use super::IkeError;
use crate::crypto::cbc::CbcCipher;
use crate::wire::isakmp::{
    emit_payloads, split_payloads, ExchangeType, HeaderRepr, Payload, PayloadType, FLAG_ENCRYPTION,
    GENERIC_HEADER_LEN,
};

/// A decoded payload chain.
pub(super) struct Parsed {
    /// Each payload with its raw body (without generic header).
    pub payloads: Vec<(Payload, Vec<u8>)>,
    /// Byte ranges (start, end) of each payload in `chain`.
    ranges: Vec<(usize, usize)>,
    chain: Vec<u8>,
}

impl Parsed {
    pub fn parse(first: PayloadType, bytes: &[u8], padded: bool) -> Result<Parsed, IkeError> {
        let raw = split_payloads(first, bytes, padded)?;
        let mut payloads = Vec::with_capacity(raw.len());
        let mut ranges = Vec::with_capacity(raw.len());
        for p in &raw {
            payloads.push((Payload::parse(p.kind, p.body)?, p.body.to_vec()));
            ranges.push((p.offset, p.offset + p.len));
        }
        let end = ranges.last().map_or(0, |r| r.1);
        Ok(Parsed {
            payloads,
            ranges,
            chain: bytes.get(..end).unwrap_or_default().to_vec(),
        })
    }

    /// The first payload for which `f` answers.
    pub fn find<'a, T>(&'a self, f: impl Fn(&'a Payload) -> Option<T>) -> Option<T> {
        self.payloads.iter().find_map(|(p, _)| f(p))
    }

    /// The SA payload every Main Mode 1-2 and Quick Mode 1-2 carries.
    pub fn sa(&self) -> Result<crate::wire::isakmp::SaPayload, IkeError> {
        self.find(|p| match p {
            Payload::Sa(sa) => Some(sa.clone()),
            _ => None,
        })
        .ok_or(IkeError::MissingPayload("SA"))
    }

    /// The Nonce payload's body (Ni_b / Nr_b, RFC 2409 5).
    pub fn nonce(&self) -> Result<Vec<u8>, IkeError> {
        self.raw(PayloadType::Nonce)
            .map(<[u8]>::to_vec)
            .ok_or(IkeError::MissingPayload("Nonce"))
    }

    /// The raw body of the first payload of `kind`.
    /// The bodies of every payload of `kind`, in order.
    pub fn all_raw(&self, kind: PayloadType) -> Vec<&[u8]> {
        self.payloads
            .iter()
            .filter(|(p, _)| p.kind() == kind)
            .map(|(_, b)| b.as_slice())
            .collect()
    }

    pub fn raw(&self, kind: PayloadType) -> Option<&[u8]> {
        self.payloads
            .iter()
            .find(|(p, _)| p.kind() == kind)
            .map(|(_, b)| b.as_slice())
    }

    /// The leading HASH payload and every byte after it up to the end of the
    /// last payload, padding excluded (RFC 2409 5.5: "the entire message
    /// that follows the hash payload including all payload headers").
    pub fn leading_hash(&self) -> Option<(&[u8], &[u8])> {
        match (self.payloads.first(), self.ranges.first()) {
            (Some((Payload::Hash(h), _)), Some(&(_, end))) => {
                Some((h.as_slice(), self.chain.get(end..).unwrap_or_default()))
            }
            _ => None,
        }
    }
}

pub(super) fn header(
    icookie: [u8; 8],
    rcookie: [u8; 8],
    exchange: ExchangeType,
    message_id: u32,
    next_payload: PayloadType,
    encrypted: bool,
) -> HeaderRepr {
    HeaderRepr {
        initiator_cookie: icookie,
        responder_cookie: rcookie,
        next_payload,
        exchange,
        flags: if encrypted { FLAG_ENCRYPTION } else { 0 },
        message_id,
    }
}

pub(super) fn chain(payloads: &[Payload]) -> Result<Vec<u8>, IkeError> {
    let mut out = Vec::new();
    emit_payloads(payloads, &mut out)?;
    Ok(out)
}

pub(super) fn first_kind(payloads: &[Payload]) -> PayloadType {
    payloads.first().map_or(PayloadType::None, Payload::kind)
}

/// A HASH payload followed by `rest` (a chain starting with `rest_first`).
pub(super) fn with_hash(hash: &[u8], rest_first: PayloadType, rest: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(GENERIC_HEADER_LEN + hash.len() + rest.len());
    out.push(rest_first.into());
    out.push(0);
    // A prf output is at most 20 bytes: the length always fits.
    let len = u16::try_from(GENERIC_HEADER_LEN + hash.len()).unwrap_or(u16::MAX);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(hash);
    out.extend_from_slice(rest);
    out
}

/// Header + plaintext payloads.
pub(super) fn plain(hdr: HeaderRepr, payloads: &[Payload]) -> Result<Vec<u8>, IkeError> {
    let body = chain(payloads)?;
    Ok(hdr.to_bytes(&body)?)
}

/// Header (E set) + encrypted chain; returns the message and the next IV.
/// The header Length covers the padding (RFC 2408 3.1).
pub(super) fn sealed(
    hdr: HeaderRepr,
    chain: Vec<u8>,
    cipher: CbcCipher,
    key: &[u8],
    iv: &[u8],
) -> Result<(Vec<u8>, Vec<u8>), IkeError> {
    let (ct, next) = seal(cipher, key, iv, chain)?;
    Ok((hdr.to_bytes(&ct)?, next))
}

/// Decrypts and parses an encrypted body; returns the payloads and the next IV.
pub(super) fn opened(
    first: PayloadType,
    body: &[u8],
    cipher: CbcCipher,
    key: &[u8],
    iv: &[u8],
) -> Result<(Parsed, Vec<u8>), IkeError> {
    let (plain, next) = open(cipher, key, iv, body)?;
    Ok((Parsed::parse(first, &plain, true)?, next))
}
