//! Deserialising typed values out of a located tree: every error carries
//! the position of the node it failed on.

use std::fmt;

use serde::de::{
    self, DeserializeSeed, Deserializer, EnumAccess, MapAccess, SeqAccess, Unexpected,
    VariantAccess, Visitor,
};
use serde::Deserialize;

use super::{Entry, Loc, Node, Value};

// ---------------------------------------------------------------------------
// Deserialising typed values out of a tree.

/// A typed-deserialisation error with the position of the node it concerns
/// (filled in by the innermost node whose deserialisation failed).
#[derive(Debug, Clone, PartialEq)]
pub struct DeError {
    pub message: String,
    pub loc: Option<Loc>,
    /// The unknown key this error is about: a map whose entries were read
    /// through serde's buffer (a tagged enum, a flattened field) cannot
    /// locate it as it reads, so the map points at the key afterwards.
    pub unknown_key: Option<String>,
}

impl DeError {
    fn at(mut self, loc: Loc) -> Self {
        if self.loc.is_none() {
            self.loc = Some(loc);
        }
        self
    }

    /// Locates an error of `node`'s value: at the unknown key when the
    /// node is a map that has it, else at the node.
    fn within(self, node: &Node) -> Self {
        let key = match (&self.unknown_key, &node.value) {
            (Some(key), Value::Map(entries)) if self.loc.is_none() => {
                entries.iter().find(|en| &en.key == key)
            }
            _ => None,
        };
        match key {
            Some(entry) => self.at(entry.key_loc),
            None => self.at(node.loc),
        }
    }
}

impl fmt::Display for DeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for DeError {}

impl de::Error for DeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        DeError {
            message: msg.to_string(),
            loc: None,
            unknown_key: None,
        }
    }
    fn unknown_field(field: &str, expected: &'static [&'static str]) -> Self {
        let mut e: DeError = if expected.is_empty() {
            de::Error::custom(format!("unknown field '{field}': none is allowed here"))
        } else {
            de::Error::custom(format!(
                "unknown field '{field}', expected one of: {}",
                expected.join(", ")
            ))
        };
        e.unknown_key = Some(field.to_string());
        e
    }
    fn unknown_variant(variant: &str, expected: &'static [&'static str]) -> Self {
        de::Error::custom(format!(
            "unknown value '{variant}', expected one of: {}",
            expected.join(" | ")
        ))
    }
    fn missing_field(field: &'static str) -> Self {
        de::Error::custom(format!("missing field '{field}'"))
    }
}

/// Deserialises `T` from a tree node.
pub fn from_node<'de, T: Deserialize<'de>>(node: &'de Node) -> Result<T, DeError> {
    T::deserialize(NodeDe(node)).map_err(|e| e.within(node))
}

#[derive(Clone, Copy)]
pub struct NodeDe<'de>(pub &'de Node);

impl<'de> NodeDe<'de> {
    fn unexpected(&self) -> Unexpected<'de> {
        match &self.0.value {
            Value::Null => Unexpected::Unit,
            Value::Bool(b) => Unexpected::Bool(*b),
            Value::Int(i) => Unexpected::Signed(*i),
            Value::UInt(u) => Unexpected::Unsigned(*u),
            Value::Float(f) => Unexpected::Float(*f),
            Value::Str(s) => Unexpected::Str(s),
            Value::Seq(_) => Unexpected::Seq,
            Value::Map(_) => Unexpected::Map,
        }
    }

    fn visit_map_entries<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        static EMPTY: Vec<Entry> = Vec::new();
        let entries = match &self.0.value {
            Value::Map(entries) => entries,
            // An empty section (`services:`) counts as an empty map.
            Value::Null => &EMPTY,
            _ => return Err(de::Error::invalid_type(self.unexpected(), &visitor)),
        };
        visitor
            .visit_map(MapDe {
                iter: entries.iter(),
                value: None,
            })
            .map_err(|e| e.within(self.0))
    }
}

impl<'de> Deserializer<'de> for NodeDe<'de> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let loc = self.0.loc;
        let r = match &self.0.value {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(*b),
            Value::Int(i) => visitor.visit_i64(*i),
            Value::UInt(u) => visitor.visit_u64(*u),
            Value::Float(f) => visitor.visit_f64(*f),
            Value::Str(s) => visitor.visit_borrowed_str(s),
            Value::Seq(items) => visitor.visit_seq(SeqDe { iter: items.iter() }),
            Value::Map(_) => self.visit_map_entries(visitor),
        };
        r.map_err(|e| e.at(loc))
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let loc = self.0.loc;
        match self.0.value {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
        .map_err(|e| e.at(loc))
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let loc = self.0.loc;
        match &self.0.value {
            Value::Seq(items) => visitor.visit_seq(SeqDe { iter: items.iter() }),
            Value::Null => visitor.visit_seq(SeqDe { iter: [].iter() }),
            _ => Err(de::Error::invalid_type(self.unexpected(), &visitor)),
        }
        .map_err(|e| e.at(loc))
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let loc = self.0.loc;
        self.visit_map_entries(visitor).map_err(|e| e.at(loc))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        // Only a map makes a struct: never a list (serde would accept one).
        self.deserialize_map(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        let loc = self.0.loc;
        visitor.visit_newtype_struct(self).map_err(|e| e.at(loc))
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        let loc = self.0.loc;
        match &self.0.value {
            Value::Str(s) => visitor.visit_enum(EnumDe {
                variant: s,
                variant_loc: loc,
                content: None,
            }),
            Value::Map(entries) if entries.len() == 1 => {
                let Some(e) = entries.first() else {
                    return Err(de::Error::invalid_type(self.unexpected(), &visitor));
                };
                visitor.visit_enum(EnumDe {
                    variant: &e.key,
                    variant_loc: e.key_loc,
                    content: Some(&e.value),
                })
            }
            _ => Err(de::Error::invalid_type(self.unexpected(), &visitor)),
        }
        .map_err(|e| e.at(loc))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct identifier ignored_any
    }
}

struct SeqDe<'de> {
    iter: std::slice::Iter<'de, Node>,
}

impl<'de> SeqAccess<'de> for SeqDe<'de> {
    type Error = DeError;
    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, DeError> {
        match self.iter.next() {
            Some(node) => seed
                .deserialize(NodeDe(node))
                .map(Some)
                .map_err(|e| e.within(node)),
            None => Ok(None),
        }
    }
    fn size_hint(&self) -> Option<usize> {
        Some(self.iter.len())
    }
}

struct MapDe<'de> {
    iter: std::slice::Iter<'de, Entry>,
    value: Option<&'de Node>,
}

impl<'de> MapAccess<'de> for MapDe<'de> {
    type Error = DeError;
    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        match self.iter.next() {
            Some(entry) => {
                self.value = Some(&entry.value);
                let key = de::value::BorrowedStrDeserializer::<'de, DeError>::new(&entry.key);
                seed.deserialize(key)
                    .map(Some)
                    .map_err(|e| e.at(entry.key_loc))
            }
            None => Ok(None),
        }
    }
    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        match self.value.take() {
            Some(node) => seed.deserialize(NodeDe(node)).map_err(|e| e.within(node)),
            None => Err(de::Error::custom("map value requested before its key")),
        }
    }
    fn size_hint(&self) -> Option<usize> {
        Some(self.iter.len())
    }
}

struct EnumDe<'de> {
    variant: &'de str,
    variant_loc: Loc,
    content: Option<&'de Node>,
}

impl<'de> EnumAccess<'de> for EnumDe<'de> {
    type Error = DeError;
    type Variant = Self;
    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, Self), DeError> {
        let key = de::value::BorrowedStrDeserializer::<'de, DeError>::new(self.variant);
        let v = seed.deserialize(key).map_err(|e| e.at(self.variant_loc))?;
        Ok((v, self))
    }
}

impl<'de> VariantAccess<'de> for EnumDe<'de> {
    type Error = DeError;
    fn unit_variant(self) -> Result<(), DeError> {
        match self.content {
            None => Ok(()),
            Some(n) => Err(DeError {
                message: format!("'{}' takes no value", self.variant),
                unknown_key: None,
                loc: Some(n.loc),
            }),
        }
    }
    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, DeError> {
        match self.content {
            Some(n) => seed.deserialize(NodeDe(n)),
            None => Err(DeError {
                message: format!("'{}' needs a value", self.variant),
                unknown_key: None,
                loc: Some(self.variant_loc),
            }),
        }
    }
    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, DeError> {
        match self.content {
            Some(n) => NodeDe(n).deserialize_seq(visitor),
            None => Err(DeError {
                message: format!("'{}' needs a list", self.variant),
                unknown_key: None,
                loc: Some(self.variant_loc),
            }),
        }
    }
    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        match self.content {
            Some(n) => NodeDe(n).deserialize_map(visitor),
            None => Err(DeError {
                message: format!("'{}' needs a map", self.variant),
                unknown_key: None,
                loc: Some(self.variant_loc),
            }),
        }
    }
}
