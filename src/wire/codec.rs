//! A bounded byte reader for TLV chains (L2TP AVPs, PPP options, ISAKMP
//! payloads), in the manner of rustls' `Reader`: every read is checked, and a
//! sub-reader over a declared length lets the caller reject trailing bytes.

/// Reading went past the end of the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Short {
    /// Bytes wanted by the read that failed.
    pub wanted: usize,
    /// Bytes that were left.
    pub left: usize,
}

/// A cursor over a byte slice. No method panics.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub fn new(buf: &'a [u8]) -> Self {
        Reader { buf, pos: 0 }
    }

    /// Bytes not yet read.
    pub fn left(&self) -> usize {
        self.buf.len() - self.pos
    }

    pub fn is_empty(&self) -> bool {
        self.left() == 0
    }

    /// Offset of the next byte from the start of the input.
    pub fn position(&self) -> usize {
        self.pos
    }

    /// The unread bytes, without consuming them.
    pub fn rest(&self) -> &'a [u8] {
        &self.buf[self.pos..]
    }

    pub fn take(&mut self, len: usize) -> Result<&'a [u8], Short> {
        if self.left() < len {
            return Err(Short {
                wanted: len,
                left: self.left(),
            });
        }
        let out = &self.buf[self.pos..self.pos + len];
        self.pos += len;
        Ok(out)
    }

    /// Everything left.
    pub fn take_rest(&mut self) -> &'a [u8] {
        let out = &self.buf[self.pos..];
        self.pos = self.buf.len();
        out
    }

    /// A reader over the next `len` bytes; the caller checks that it is
    /// consumed entirely (`expect_empty`) to reject trailing data.
    pub fn sub(&mut self, len: usize) -> Result<Reader<'a>, Short> {
        self.take(len).map(Reader::new)
    }

    pub fn u8(&mut self) -> Result<u8, Short> {
        self.take(1).map(|b| b[0])
    }

    pub fn u16(&mut self) -> Result<u16, Short> {
        self.take(2).map(|b| u16::from_be_bytes([b[0], b[1]]))
    }

    pub fn u32(&mut self) -> Result<u32, Short> {
        self.take(4)
            .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// `Err(n)` with the number of trailing bytes when not all was read.
    pub fn expect_empty(&self) -> Result<(), usize> {
        match self.left() {
            0 => Ok(()),
            n => Err(n),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_big_endian_and_stops_at_end() {
        let mut r = Reader::new(&[0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07]);
        assert_eq!(r.u8(), Ok(0x01));
        assert_eq!(r.u16(), Ok(0x0203));
        assert_eq!(r.u32(), Ok(0x0405_0607));
        assert_eq!(r.u8(), Err(Short { wanted: 1, left: 0 }));
    }

    #[test]
    fn sub_reader_is_bounded_and_reports_trailing_bytes() {
        let mut r = Reader::new(&[0xaa, 0xbb, 0xcc, 0xdd]);
        let mut sub = r.sub(3).unwrap();
        assert_eq!(sub.u16(), Ok(0xaabb));
        assert_eq!(sub.expect_empty(), Err(1));
        assert_eq!(sub.u16(), Err(Short { wanted: 2, left: 1 }));
        assert_eq!(r.rest(), &[0xdd]);
        assert!(r.sub(2).is_err());
    }
}
