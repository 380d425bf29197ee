//! The `Packet<T>` view every header format here starts from (smoltcp's
//! `wire/` shape): a buffer, a constructor without checks, the buffer back,
//! and big-endian 16-bit fields. Each format adds its own `new_checked`.

/// Declares `Packet<T>` over a byte buffer with `new_unchecked`,
/// `into_inner` and the 16-bit field helpers its accessors use.
macro_rules! packet_view {
    ($(#[$doc:meta])*) => {
        $(#[$doc])*
        #[derive(Debug, Clone)]
        pub struct Packet<T: AsRef<[u8]>> {
            buffer: T,
        }

        impl<T: AsRef<[u8]>> Packet<T> {
            /// A view without checks; accessors may panic on short buffers.
            pub fn new_unchecked(buffer: T) -> Self {
                Packet { buffer }
            }

            /// The buffer the view was made over.
            pub fn into_inner(self) -> T {
                self.buffer
            }

            #[allow(dead_code)] // not every format has a 16-bit field
            fn u16_at(&self, at: core::ops::Range<usize>) -> u16 {
                let b = &self.buffer.as_ref()[at];
                u16::from_be_bytes([b[0], b[1]])
            }
        }

        impl<T: AsRef<[u8]> + AsMut<[u8]>> Packet<T> {
            #[allow(dead_code)] // only formats the stacks rewrite set fields
            fn set_u16_at(&mut self, at: core::ops::Range<usize>, v: u16) {
                self.buffer.as_mut()[at].copy_from_slice(&v.to_be_bytes());
            }
        }
    };
}

pub(crate) use packet_view;
