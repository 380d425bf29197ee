//! Scalar values of the scenario language: durations (`300s`, `1.5s`,
//! `15ms`, `2m`), RFC 3339 dates, subnets, address pools, packet counts
//! (`2`, `">= 2"`), protocols. Each parses from text with a readable error.

use std::fmt;
use std::net::Ipv4Addr;
use std::str::FromStr;
use std::time::Duration;

use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;

/// Deserialises a value through its `FromStr`, turning the parse error into
/// a serde error (positioned by the tree deserialiser).
macro_rules! deserialize_from_str {
    ($t:ty, $what:expr) => {
        impl<'de> Deserialize<'de> for $t {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl<'de> Visitor<'de> for V {
                    type Value = $t;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str($what)
                    }
                    fn visit_str<E: de::Error>(self, s: &str) -> Result<$t, E> {
                        s.parse().map_err(E::custom)
                    }
                }
                d.deserialize_str(V)
            }
        }
    };
}

// ----------------------------------------------------------------- durations

/// Parses `300s`, `15ms`, `1.5s`, `2m`, `1h`, `250us`; a number needs a unit.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let bad = || {
        format!("invalid duration '{s}': expected a number and a unit (us, ms, s, m, h), e.g. 300s, 1.5s, 15ms, 2m")
    };
    let t = s.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .ok_or_else(bad)?;
    let (num, unit) = t.split_at(split);
    let unit_us: u128 = match unit.trim() {
        "us" | "µs" => 1,
        "ms" => 1_000,
        "s" => 1_000_000,
        "m" | "min" => 60_000_000,
        "h" => 3_600_000_000,
        _ => return Err(bad()),
    };
    let (int, frac) = match num.split_once('.') {
        Some((i, f)) => (i, f),
        None => (num, ""),
    };
    if int.is_empty() && frac.is_empty() {
        return Err(bad());
    }
    if frac.contains('.') || frac.len() > 9 {
        return Err(bad());
    }
    let int_v: u128 = if int.is_empty() {
        0
    } else {
        int.parse().map_err(|_| bad())?
    };
    let frac_v: u128 = if frac.is_empty() {
        0
    } else {
        frac.parse().map_err(|_| bad())?
    };
    let scale = 10u128.pow(u32::try_from(frac.len()).map_err(|_| bad())?);
    let us = int_v
        .checked_mul(unit_us)
        .and_then(|v| v.checked_add(frac_v * unit_us / scale))
        .ok_or_else(bad)?;
    // Durations are kept to the microsecond (the capture resolution).
    let us = u64::try_from(us).map_err(|_| bad())?;
    Ok(Duration::from_micros(us))
}

/// Renders a duration the way scenarios write it (`1.5s`, `15ms`, `0s`).
pub fn format_duration(d: Duration) -> String {
    let us = d.as_micros();
    if us == 0 {
        "0s".into()
    } else if us.is_multiple_of(1_000_000) {
        format!("{}s", us / 1_000_000)
    } else if us.is_multiple_of(1_000) && us < 1_000_000 {
        format!("{}ms", us / 1_000)
    } else if us < 1_000 {
        format!("{us}us")
    } else {
        let s = format!("{}.{:06}", us / 1_000_000, us % 1_000_000);
        format!("{}s", s.trim_end_matches('0'))
    }
}

/// serde helpers for `Duration` fields written as `300s`.
pub mod dur {
    use super::*;

    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Duration;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a duration such as 300s, 1.5s, 15ms or 2m")
        }
        fn visit_str<E: de::Error>(self, s: &str) -> Result<Duration, E> {
            parse_duration(s).map_err(E::custom)
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        d.deserialize_str(V)
    }

    pub mod option {
        use super::*;
        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
            #[derive(Deserialize)]
            struct W(#[serde(deserialize_with = "super::deserialize")] Duration);
            Ok(Option::<W>::deserialize(d)?.map(|w| w.0))
        }
    }

    /// `active: [0s, 400s]`
    pub mod window {
        use super::*;
        pub fn deserialize<'de, D: Deserializer<'de>>(
            d: D,
        ) -> Result<Option<(Duration, Duration)>, D::Error> {
            #[derive(Deserialize)]
            struct W(#[serde(deserialize_with = "super::deserialize")] Duration);
            Ok(Option::<(W, W)>::deserialize(d)?.map(|(a, b)| (a.0, b.0)))
        }
    }
}

// --------------------------------------------------------------------- dates

/// A point in time, kept as microseconds since the Unix epoch (UTC).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub unix_micros: i64,
}

impl Date {
    pub fn unix_seconds(self) -> i64 {
        self.unix_micros.div_euclid(1_000_000)
    }
}

impl Default for Date {
    /// 2007-04-23T10:00:00Z, the era of the KB article.
    fn default() -> Self {
        Date {
            unix_micros: 1_177_322_400_000_000,
        }
    }
}

// Howard Hinnant's days_from_civil: days since 1970-01-01 of a proleptic
// Gregorian date.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

pub(crate) fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

impl FromStr for Date {
    type Err = String;
    /// RFC 3339 5.6: `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`.
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("invalid date '{s}': expected RFC 3339, e.g. 2007-04-23T10:00:00Z");
        let b = s.trim().as_bytes();
        let num = |r: std::ops::Range<usize>| -> Result<i64, String> {
            let part = b.get(r).ok_or_else(bad)?;
            if part.is_empty() || !part.iter().all(u8::is_ascii_digit) {
                return Err(bad());
            }
            std::str::from_utf8(part)
                .map_err(|_| bad())?
                .parse::<i64>()
                .map_err(|_| bad())
        };
        let sep = |i: usize, c: &[u8]| b.get(i).is_some_and(|x| c.contains(x));
        if !(sep(4, b"-") && sep(7, b"-") && sep(10, b"Tt ") && sep(13, b":") && sep(16, b":")) {
            return Err(bad());
        }
        let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
        let (h, mi, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
        let mut i = 19;
        let mut micros = 0i64;
        if sep(i, b".") {
            let start = i + 1;
            let mut end = start;
            while b.get(end).is_some_and(u8::is_ascii_digit) {
                end += 1;
            }
            if end == start {
                return Err(bad());
            }
            let digits = &b[start..end.min(start + 6)];
            let mut v = 0i64;
            for (k, c) in digits.iter().enumerate() {
                v += i64::from(c - b'0') * 10i64.pow(5 - u32::try_from(k).map_err(|_| bad())?);
            }
            micros = v;
            i = end;
        }
        let offset_min = match b.get(i) {
            Some(b'Z' | b'z') if b.len() == i + 1 => 0,
            Some(c @ (b'+' | b'-')) if b.len() == i + 6 && sep(i + 3, b":") => {
                let (oh, om) = (num(i + 1..i + 3)?, num(i + 4..i + 6)?);
                if oh > 23 || om > 59 {
                    return Err(bad());
                }
                let m = oh * 60 + om;
                if *c == b'-' {
                    -m
                } else {
                    m
                }
            }
            _ => return Err(bad()),
        };
        let mdays = [
            31,
            if is_leap(y) { 29 } else { 28 },
            31,
            30,
            31,
            30,
            31,
            31,
            30,
            31,
            30,
            31,
        ];
        let max_d = usize::try_from(mo - 1)
            .ok()
            .and_then(|m| mdays.get(m))
            .ok_or_else(bad)?;
        if d < 1 || d > *max_d || h > 23 || mi > 59 || sec > 60 {
            return Err(bad());
        }
        let secs =
            days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + sec.min(59) - offset_min * 60;
        Ok(Date {
            unix_micros: secs * 1_000_000 + micros,
        })
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = self.unix_micros.div_euclid(1_000_000);
        let us = self.unix_micros.rem_euclid(1_000_000);
        let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
        let t = secs.rem_euclid(86_400);
        write!(
            f,
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}",
            t / 3600,
            t / 60 % 60,
            t % 60
        )?;
        if us != 0 {
            write!(f, ".{us:06}")?;
        }
        f.write_str("Z")
    }
}

deserialize_from_str!(Date, "an RFC 3339 date such as 2007-04-23T10:00:00Z");

// ------------------------------------------------------------------- subnets

/// `a.b.c.d/n`
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Subnet {
    pub addr: Ipv4Addr,
    pub prefix: u8,
}

impl Subnet {
    pub fn mask(self) -> u32 {
        if self.prefix == 0 {
            0
        } else {
            u32::MAX << (32 - u32::from(self.prefix.min(32)))
        }
    }
    pub fn contains(self, a: Ipv4Addr) -> bool {
        u32::from(a) & self.mask() == u32::from(self.addr) & self.mask()
    }
    pub fn network(self) -> Ipv4Addr {
        Ipv4Addr::from(u32::from(self.addr) & self.mask())
    }
    pub fn broadcast(self) -> Ipv4Addr {
        Ipv4Addr::from(u32::from(self.addr) | !self.mask())
    }
}

impl FromStr for Subnet {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("invalid subnet '{s}': expected a.b.c.d/n, e.g. 192.168.1.0/24");
        let (a, p) = s.trim().split_once('/').ok_or_else(bad)?;
        let addr: Ipv4Addr = a.parse().map_err(|_| bad())?;
        let prefix: u8 = p.parse().map_err(|_| bad())?;
        if prefix > 32 {
            return Err(bad());
        }
        Ok(Subnet { addr, prefix })
    }
}

impl fmt::Display for Subnet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

deserialize_from_str!(Subnet, "a subnet such as 192.168.1.0/24");

/// `address-pool: 10.10.0.100-10.10.0.150` (both ends included).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AddressPool {
    pub first: Ipv4Addr,
    pub last: Ipv4Addr,
}

impl AddressPool {
    pub fn len(self) -> u64 {
        u64::from(u32::from(self.last)) + 1 - u64::from(u32::from(self.first))
    }
    pub fn is_empty(self) -> bool {
        false
    }
}

impl FromStr for AddressPool {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || {
            format!("invalid address pool '{s}': expected first-last, e.g. 10.10.0.100-10.10.0.150")
        };
        let (a, b) = s.trim().split_once('-').ok_or_else(bad)?;
        let first: Ipv4Addr = a.trim().parse().map_err(|_| bad())?;
        let last: Ipv4Addr = b.trim().parse().map_err(|_| bad())?;
        if u32::from(first) > u32::from(last) {
            return Err(format!(
                "invalid address pool '{s}': {first} comes after {last}"
            ));
        }
        Ok(AddressPool { first, last })
    }
}

impl fmt::Display for AddressPool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.first, self.last)
    }
}

deserialize_from_str!(
    AddressPool,
    "an address range such as 10.10.0.100-10.10.0.150"
);

// -------------------------------------------------------------------- counts

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// `count: 2` or `count: ">= 2"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Count {
    pub op: CmpOp,
    pub value: u64,
}

impl Count {
    pub fn holds(self, n: u64) -> bool {
        match self.op {
            CmpOp::Eq => n == self.value,
            CmpOp::Ne => n != self.value,
            CmpOp::Lt => n < self.value,
            CmpOp::Le => n <= self.value,
            CmpOp::Gt => n > self.value,
            CmpOp::Ge => n >= self.value,
        }
    }
    pub fn at_least_one() -> Self {
        Count {
            op: CmpOp::Ge,
            value: 1,
        }
    }
}

impl Default for Count {
    fn default() -> Self {
        Count::at_least_one()
    }
}

impl FromStr for Count {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || {
            format!("invalid count '{s}': expected a number or a comparison such as \">= 2\", \"< 3\", \"== 0\"")
        };
        let t = s.trim();
        let ops = [
            (">=", CmpOp::Ge),
            ("<=", CmpOp::Le),
            ("==", CmpOp::Eq),
            ("!=", CmpOp::Ne),
            (">", CmpOp::Gt),
            ("<", CmpOp::Lt),
            ("=", CmpOp::Eq),
        ];
        let (op, rest) = ops
            .iter()
            .find_map(|(p, op)| t.strip_prefix(p).map(|r| (*op, r)))
            .unwrap_or((CmpOp::Eq, t));
        let value = rest.trim().parse::<u64>().map_err(|_| bad())?;
        Ok(Count { op, value })
    }
}

impl fmt::Display for Count {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let op = match self.op {
            CmpOp::Eq => "==",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        };
        write!(f, "{op} {}", self.value)
    }
}

impl<'de> Deserialize<'de> for Count {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Count;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a count: a number or a comparison string such as \">= 2\"")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Count, E> {
                Ok(Count {
                    op: CmpOp::Eq,
                    value: v,
                })
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Count, E> {
                u64::try_from(v)
                    .map(|value| Count {
                        op: CmpOp::Eq,
                        value,
                    })
                    .map_err(|_| E::custom(format!("invalid count {v}: must not be negative")))
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Count, E> {
                s.parse().map_err(E::custom)
            }
        }
        d.deserialize_any(V)
    }
}

// ----------------------------------------------------------------- protocols

/// What a packet is, as a router sees it without keys (the report's
/// `protocol`, also `expect.packets`): the classifier's own kind.
pub use l2tpsec::wire::WireKind as WireProtocol;

/// `from:` / `toward:` in a match: one host name or a list of them.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct HostList(pub Vec<String>);

impl<'de> Deserialize<'de> for HostList {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = HostList;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a host name or a list of host names")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<HostList, E> {
                Ok(HostList(vec![s.to_string()]))
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<HostList, A::Error> {
                let mut v = Vec::new();
                while let Some(s) = seq.next_element::<String>()? {
                    v.push(s);
                }
                Ok(HostList(v))
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests;
