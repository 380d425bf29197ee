//! EAP-TLS fragments (RFC 5216 2.1.5, 3.1): a TLS message longer than
//! the link allows goes in pieces, the first with L and the message's
//! length, each but the last with M; the other side acknowledges each
//! piece with an empty EAP-TLS packet before the next is sent.

use thiserror::Error;

use crate::wire::ppp::eap::TlsBody;

/// The largest TLS message we gather (RFC 5216 leaves it open; a
/// certificate chain of that era fits many times over), so a peer that
/// announces more cannot make us hold it.
pub const MAX_MESSAGE_LEN: u32 = 64 * 1024;

/// A well-formed fragment that does not fit what came before.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum FragmentError {
    #[error("EAP-TLS message of {0} bytes is longer than we gather")]
    TooLong(u32),
    #[error("EAP-TLS fragments hold {got} bytes where L said {announced}")]
    LengthMismatch { announced: u32, got: usize },
    #[error("EAP-TLS fragment with M but no L on the first")]
    FirstWithoutLength,
    #[error("EAP-TLS L on a later fragment says {got}, the first said {first}")]
    LengthChanged { first: u32, got: u32 },
}

/// Splits `message` into bodies of at most `max_data` TLS bytes each. L
/// is on the first when the message takes more than one, or always with
/// `length_always` (RFC 5216 3.1: MAY on an unfragmented message).
pub fn split(message: &[u8], max_data: usize, length_always: bool) -> Vec<TlsBody> {
    let max_data = max_data.max(1);
    let chunks: Vec<&[u8]> = if message.is_empty() {
        vec![&[][..]]
    } else {
        message.chunks(max_data).collect()
    };
    let total = u32::try_from(message.len()).unwrap_or(u32::MAX);
    let fragmented = chunks.len() > 1;
    chunks
        .iter()
        .enumerate()
        .map(|(i, chunk)| TlsBody {
            start: false,
            more: i + 1 < chunks.len(),
            message_len: (i == 0 && (fragmented || length_always)).then_some(total),
            data: chunk.to_vec(),
        })
        .collect()
}

/// Gathers the fragments of one TLS message.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Reassembly {
    announced: Option<u32>,
    gathered: Vec<u8>,
}

impl Reassembly {
    /// Takes one fragment: `Ok(Some(message))` once the last has come,
    /// `Ok(None)` while more are due (then the caller acknowledges).
    pub fn push(&mut self, body: &TlsBody) -> Result<Option<Vec<u8>>, FragmentError> {
        let first = self.gathered.is_empty() && self.announced.is_none();
        match (first, body.message_len, self.announced) {
            (_, Some(len), _) if len > MAX_MESSAGE_LEN => {
                self.reset();
                return Err(FragmentError::TooLong(len));
            }
            (true, None, _) if body.more => return Err(FragmentError::FirstWithoutLength),
            (true, len, _) => self.announced = len,
            (false, Some(got), Some(first)) if got != first => {
                self.reset();
                return Err(FragmentError::LengthChanged { first, got });
            }
            _ => {}
        }
        self.gathered.extend_from_slice(&body.data);
        let limit = self.announced.unwrap_or(MAX_MESSAGE_LEN);
        if self.gathered.len() > limit as usize {
            let got = self.gathered.len();
            self.reset();
            return Err(FragmentError::LengthMismatch {
                announced: limit,
                got,
            });
        }
        if body.more {
            return Ok(None);
        }
        if let Some(announced) = self.announced {
            if self.gathered.len() != announced as usize {
                let got = self.gathered.len();
                self.reset();
                return Err(FragmentError::LengthMismatch { announced, got });
            }
        }
        self.announced = None;
        Ok(Some(std::mem::take(&mut self.gathered)))
    }

    fn reset(&mut self) {
        *self = Reassembly::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(n: usize) -> Vec<u8> {
        (0..n).map(|i| (i % 251) as u8).collect()
    }

    #[test]
    fn a_split_message_comes_back_whole() {
        for (len, max) in [
            (0, 10),
            (1, 10),
            (10, 10),
            (11, 10),
            (1400, 1014),
            (4000, 1),
        ] {
            let m = message(len);
            let parts = split(&m, max, false);
            assert_eq!(parts.len(), len.div_ceil(max).max(1));
            assert!(parts.iter().all(|p| p.data.len() <= max));
            let fragmented = parts.len() > 1;
            assert_eq!(parts[0].message_len.is_some(), fragmented);
            let mut r = Reassembly::default();
            let mut out = None;
            for (i, p) in parts.iter().enumerate() {
                assert_eq!(p.more, i + 1 < parts.len());
                out = r.push(p).unwrap();
                assert_eq!(out.is_some(), i + 1 == parts.len());
            }
            assert_eq!(out.unwrap(), m);
        }
    }

    #[test]
    fn l_may_come_on_an_unfragmented_message() {
        let parts = split(&message(5), 10, true);
        assert_eq!(parts[0].message_len, Some(5));
        assert_eq!(
            Reassembly::default().push(&parts[0]).unwrap(),
            Some(message(5))
        );
    }

    #[test]
    fn fragments_that_disagree_are_refused_and_forgotten() {
        let mut parts = split(&message(30), 10, false);
        parts[0].message_len = Some(29);
        let mut r = Reassembly::default();
        r.push(&parts[0]).unwrap();
        r.push(&parts[1]).unwrap();
        assert!(matches!(
            r.push(&parts[2]),
            Err(FragmentError::LengthMismatch {
                announced: 29,
                got: 30
            })
        ));
        assert_eq!(r, Reassembly::default());

        let mut first = split(&message(30), 10, false).remove(0);
        first.message_len = None;
        assert_eq!(
            Reassembly::default().push(&first),
            Err(FragmentError::FirstWithoutLength)
        );
        first.message_len = Some(MAX_MESSAGE_LEN + 1);
        assert_eq!(
            Reassembly::default().push(&first),
            Err(FragmentError::TooLong(MAX_MESSAGE_LEN + 1))
        );
    }
}
