//! Which seeds a sweep runs: a range (`A..B`, `A..=B`, `N`) and a shard of it.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SeedRange {
    pub start: u64,
    /// Excluded.
    pub end: u64,
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
