//! The values a configuration writes as text: durations (`300s`, `1.5s`,
//! `15ms`, `2m`) and RFC 3339 dates. Scenario files use them; so do the
//! library's configuration types that deserialise from a scenario.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;

/// Deserialises a value written as text through its `FromStr`, the parse
/// error becoming a serde error (the scenario loader adds its position).
pub fn from_text<'de, D, T>(d: D, what: &'static str) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: FromStr,
    T::Err: fmt::Display,
{
    struct V<T>(&'static str, std::marker::PhantomData<T>);
    impl<'de, T: FromStr> Visitor<'de> for V<T>
    where
        T::Err: fmt::Display,
    {
        type Value = T;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(self.0)
        }
        fn visit_str<E: de::Error>(self, s: &str) -> Result<T, E> {
            s.parse().map_err(E::custom)
        }
    }
    d.deserialize_str(V(what, std::marker::PhantomData))
}

/// For a unit variant of a tagged enum (`action: dial`): serde would skip
/// any other key of its map; this makes one an error, as
/// `deny_unknown_fields` does for the variants with fields.
pub fn no_fields<'de, D: Deserializer<'de>>(d: D) -> Result<(), D::Error> {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct NoFields {}
    NoFields::deserialize(d).map(|_| ())
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
    } else if us % 1_000_000 == 0 {
        format!("{}s", us / 1_000_000)
    } else if us % 1_000 == 0 && us < 1_000_000 {
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

/// How far a machine's clock is from the scenario's date (`clock: -2h`):
/// a signed duration, to the microsecond, within ±100 years (no clock of
/// the lab's era is further off, and dates stay representable).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ClockOffset {
    pub micros: i64,
}

impl ClockOffset {
    /// ±100 years of 365.25 days.
    pub const MAX_MICROS: i64 = 100 * 36_525 * 864_000_000;

    /// `date` as this machine's clock reads it.
    pub fn apply(self, date: Date) -> Date {
        Date {
            unix_micros: date.unix_micros.saturating_add(self.micros),
        }
    }
}

impl FromStr for ClockOffset {
    type Err = String;
    /// `-2h`, `+30m`, `90s`, `0s`: a sign (optional for ahead) and a
    /// duration as `parse_duration` reads it.
    fn from_str(s: &str) -> Result<Self, String> {
        let t = s.trim();
        let (negative, magnitude) = match t.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, t.strip_prefix('+').unwrap_or(t)),
        };
        let bad = |why: String| format!("invalid clock offset '{s}': {why}");
        let d = parse_duration(magnitude).map_err(bad)?;
        let micros = i64::try_from(d.as_micros())
            .ok()
            .filter(|m| *m <= Self::MAX_MICROS)
            .ok_or_else(|| bad("more than 100 years".into()))?;
        Ok(ClockOffset {
            micros: if negative { -micros } else { micros },
        })
    }
}

impl fmt::Display for ClockOffset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.micros < 0 { "-" } else { "" };
        let d = Duration::from_micros(self.micros.unsigned_abs());
        write!(f, "{sign}{}", format_duration(d))
    }
}

impl<'de> Deserialize<'de> for ClockOffset {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        from_text(d, "a signed duration such as -2h, +30m or 0s")
    }
}

// --------------------------------------------------------------------- dates

/// A point in time, kept as microseconds since the Unix epoch (UTC).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub unix_micros: i64,
}

impl Date {
    pub fn from_unix_seconds(seconds: i64) -> Date {
        Date {
            unix_micros: seconds.saturating_mul(1_000_000),
        }
    }

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

pub fn civil_from_days(z: i64) -> (i64, i64, i64) {
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

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        from_text(d, "an RFC 3339 date such as 2007-04-23T10:00:00Z")
    }
}

#[cfg(test)]
mod tests;
