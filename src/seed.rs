//! Every random choice of a run comes from the scenario seed through here:
//! one ChaCha20 stream per named consumer (a host, a fault site), so adding
//! a host does not shift the numbers another host draws (DESIGN.md).

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

/// FNV-1a, 64 bit: a fixed hash (std's `RandomState` is randomly keyed).
pub fn fnv1a64(data: &[u8]) -> u64 {
    data.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// The RNG of consumer `label` in a run seeded with `seed`.
pub fn rng_for(seed: u64, label: &str) -> ChaCha20Rng {
    let mut key = [0u8; 32];
    key[..8].copy_from_slice(&seed.to_le_bytes());
    key[8..16].copy_from_slice(&fnv1a64(label.as_bytes()).to_le_bytes());
    key[16..16 + label.len().min(16)].copy_from_slice(&label.as_bytes()[..label.len().min(16)]);
    ChaCha20Rng::from_seed(key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_core::RngCore;

    #[test]
    fn streams_differ_by_label_and_seed_and_repeat() {
        let a = rng_for(1, "client").next_u64();
        assert_eq!(a, rng_for(1, "client").next_u64());
        assert_ne!(a, rng_for(2, "client").next_u64());
        assert_ne!(a, rng_for(1, "server").next_u64());
    }

    #[test]
    fn fnv_known_answer() {
        // FNV-1a 64 of "a" (published test value).
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
    }
}
