//! Which seeds a sweep runs: a range (`A..B`, `A..=B`, `N`) and a shard of it.

use std::fmt;

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeedRange {
    pub start: u64,
    /// Excluded.
    pub end: u64,
}

impl fmt::Display for SeedRange {
    /// As `--seeds` takes it back.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}..{}", self.start, self.end)
    }
}

pub fn parse_seeds(s: &str) -> Result<SeedRange, String> {
    let bad = || format!("invalid seed range '{s}': expected A..B, A..=B or N");
    let num = |t: &str| t.trim().parse::<u64>().map_err(|_| bad());
    let r = if let Some((a, b)) = s.split_once("..=") {
        SeedRange {
            start: num(a)?,
            end: num(b)?.checked_add(1).ok_or_else(bad)?,
        }
    } else if let Some((a, b)) = s.split_once("..") {
        SeedRange {
            start: num(a)?,
            end: num(b)?,
        }
    } else {
        let n = num(s)?;
        SeedRange {
            start: n,
            end: n.checked_add(1).ok_or_else(bad)?,
        }
    };
    if r.start >= r.end {
        return Err(format!("empty seed range '{s}'"));
    }
    Ok(r)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    /// 1-based.
    pub index: usize,
    pub count: usize,
}

pub fn parse_shard(s: &str) -> Result<Shard, String> {
    let bad = || format!("invalid shard '{s}': expected I/N with 1 <= I <= N");
    let (i, n) = s.split_once('/').ok_or_else(bad)?;
    let index: usize = i.trim().parse().map_err(|_| bad())?;
    let count: usize = n.trim().parse().map_err(|_| bad())?;
    if index == 0 || index > count {
        return Err(bad());
    }
    Ok(Shard { index, count })
}

/// How many seeds of `seeds` shard `index` (1-based) of `count` runs: the
/// k-th seed (from 0) goes to shard `k % count + 1`. Arithmetic, so a
/// summary read from a file cannot make us list a huge range.
pub fn shard_len(seeds: SeedRange, index: usize, count: usize) -> u64 {
    let n = seeds.end.saturating_sub(seeds.start);
    let (Ok(i), Ok(c)) = (u64::try_from(index), u64::try_from(count)) else {
        return 0;
    };
    if i == 0 || c == 0 || i > c || n < i {
        return 0;
    }
    (n - i) / c + 1
}

/// Whether shard `index` of `count` runs `seed` (see `shard_len`).
pub fn shard_has(seeds: SeedRange, index: usize, count: usize, seed: u64) -> bool {
    let (Ok(i), Ok(c)) = (u64::try_from(index), u64::try_from(count)) else {
        return false;
    };
    i >= 1
        && c >= 1
        && (seeds.start..seeds.end).contains(&seed)
        && (seed - seeds.start) % c == i - 1
}
