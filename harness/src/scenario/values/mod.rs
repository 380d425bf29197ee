//! Scalar values of the scenario language that are the scenario's own:
//! packet counts (`2`, `">= 2"`), host lists, protocols. Durations, dates
//! and subnets are the library's (`l2tpsec::values`, `net::Subnet`),
//! re-exported here. Each parses from text with a readable error.

use std::fmt;
use std::str::FromStr;

use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;

// ------------------------------------------------- durations and dates

pub use l2tpsec::net::Subnet;
pub use l2tpsec::values::{civil_from_days, dur, format_duration, parse_duration, Date};

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
