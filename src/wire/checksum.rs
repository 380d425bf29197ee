//! The Internet checksum (RFC 1071) and its incremental update (RFC 1624),
//! shared by IPv4, UDP, TCP and ICMP.

use core::net::Ipv4Addr;

/// The ones' complement sum of `data` as 16-bit big-endian words, folded to
/// 16 bits and not complemented (RFC 1071 4.1). An odd last byte is padded
/// with a zero byte on the right.
pub fn sum(data: &[u8]) -> u16 {
    let mut acc: u32 = 0;
    let mut chunks = data.chunks_exact(2);
    for pair in &mut chunks {
        acc += u32::from(u16::from_be_bytes([pair[0], pair[1]]));
        // Fold early so the accumulator never overflows on long inputs.
        if acc > 0xffff_0000 {
            acc = (acc & 0xffff) + (acc >> 16);
        }
    }
    if let [last] = chunks.remainder() {
        acc += u32::from(u16::from_be_bytes([*last, 0]));
    }
    fold(acc)
}

/// Adds several partial sums (RFC 1071 2(B): the sum is associative).
pub fn combine(parts: &[u16]) -> u16 {
    fold(parts.iter().map(|&p| u32::from(p)).sum())
}

fn fold(mut acc: u32) -> u16 {
    while acc > 0xffff {
        acc = (acc & 0xffff) + (acc >> 16);
    }
    // `acc` fits in 16 bits after the loop.
    acc as u16
}

/// The checksum to put in a header: the complement of the sum (RFC 1071 1).
pub fn checksum(data: &[u8]) -> u16 {
    !sum(data)
}

/// Partial sum of the IPv4 pseudo-header used by UDP (RFC 768) and TCP
/// (RFC 793 3.1): source, destination, zero, protocol, transport length.
pub fn pseudo_header(src: Ipv4Addr, dst: Ipv4Addr, protocol: u8, length: u16) -> u16 {
    let s = src.octets();
    let d = dst.octets();
    combine(&[
        u16::from_be_bytes([s[0], s[1]]),
        u16::from_be_bytes([s[2], s[3]]),
        u16::from_be_bytes([d[0], d[1]]),
        u16::from_be_bytes([d[2], d[3]]),
        u16::from(protocol),
        length,
    ])
}

/// Incremental update of a header checksum when one 16-bit word changes
/// from `old` to `new` (RFC 1624 3, eqn. 3: HC' = ~(~HC + ~m + m')).
/// Unlike recomputing, this keeps any existing error detectable.
pub fn update(checksum: u16, old: u16, new: u16) -> u16 {
    !combine(&[!checksum, !old, new])
}

/// `update` for a 32-bit field such as an IPv4 address.
pub fn update_addr(checksum: u16, old: Ipv4Addr, new: Ipv4Addr) -> u16 {
    let o = old.octets();
    let n = new.octets();
    let c = update(
        checksum,
        u16::from_be_bytes([o[0], o[1]]),
        u16::from_be_bytes([n[0], n[1]]),
    );
    update(
        c,
        u16::from_be_bytes([o[2], o[3]]),
        u16::from_be_bytes([n[2], n[3]]),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn rfc1071_example_sum() {
        // RFC 1071 3: bytes 00 01 f2 03 f4 f5 f6 f7 sum to ddf2.
        let data = hex::decode("0001f203f4f5f6f7").unwrap();
        assert_eq!(sum(&data), 0xddf2);
        assert_eq!(checksum(&data), !0xddf2);
    }

    #[test]
    fn ipv4_header_known_answer() {
        // A classic example header whose checksum field holds b861.
        let mut hdr = hex::decode("450000730000400040110000c0a80001c0a800c7").unwrap();
        assert_eq!(checksum(&hdr), 0xb861);
        hdr[10] = 0xb8;
        hdr[11] = 0x61;
        assert_eq!(sum(&hdr), 0xffff);
    }

    #[test]
    fn odd_length_is_zero_padded() {
        assert_eq!(sum(&[0x12, 0x34, 0x56]), 0x1234 + 0x5600);
        assert_eq!(sum(&[]), 0);
    }

    #[test]
    fn pseudo_header_known_answer() {
        let p = pseudo_header(
            Ipv4Addr::new(192, 168, 0, 1),
            Ipv4Addr::new(192, 168, 0, 199),
            17,
            8,
        );
        // c0a8 + 0001 + c0a8 + 00c7 + 0011 + 0008 = 0x18231 -> 0x8232
        assert_eq!(p, 0x8232);
    }

    proptest! {
        #[test]
        fn incremental_update_matches_recompute(
            mut data in proptest::collection::vec(any::<u8>(), 2..64),
            word in 0usize..32,
            new in any::<u16>(),
        ) {
            if data.len() % 2 == 1 { data.push(0); }
            let i = (word % (data.len() / 2)) * 2;
            let before = checksum(&data);
            let old = u16::from_be_bytes([data[i], data[i + 1]]);
            data[i..i + 2].copy_from_slice(&new.to_be_bytes());
            let after = checksum(&data);
            let inc = update(before, old, new);
            // 0x0000 and 0xffff are the same value in ones' complement.
            prop_assert!(inc == after || (inc ^ after) == 0xffff && (inc == 0 || after == 0));
        }
    }
}
