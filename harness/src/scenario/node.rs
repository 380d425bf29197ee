//! A YAML tree whose every node remembers the file, line and column it came
//! from, the deep merge of a scenario over its `base:`, and a serde
//! `Deserializer` over that tree.
//!
//! Why our own tree rather than deserialising the YAML text directly: the
//! `base:` merge has to happen before typed deserialisation (a scenario
//! alone may lack fields its base supplies), and after a merge no YAML text
//! exists any more whose positions could be reported. So each file is parsed
//! by serde-saphyr into this tree (`Spanned` gives the position of every
//! node and key), the trees are merged node by node (a node keeps the file it
//! came from), and the typed `Scenario` is deserialised from the merged tree
//! by the `Deserializer` below, which stamps every error with the position of
//! the node it failed on. Semantic validation then looks positions up in the
//! same tree by path (`Node::locate`).

use std::fmt;

use serde::de::{
    self, DeserializeSeed, Deserializer, EnumAccess, MapAccess, SeqAccess, Unexpected,
    VariantAccess, Visitor,
};
use serde::Deserialize;

/// A position in one of the loaded files (`file` indexes the loader's list).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Loc {
    pub file: usize,
    pub line: u64,
    pub column: u64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub loc: Loc,
    pub value: Value,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<Entry>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub key: String,
    pub key_loc: Loc,
    pub value: Node,
}

/// One step of a path into the tree: a map key or a list index.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Seg {
    Key(String),
    Index(usize),
}

/// A path such as `faults[0].match.toward`, for messages and for `locate`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Path(pub Vec<Seg>);

impl Path {
    pub fn root() -> Self {
        Path(Vec::new())
    }
    #[must_use]
    pub fn key(&self, k: &str) -> Self {
        let mut p = self.clone();
        p.0.push(Seg::Key(k.to_string()));
        p
    }
    #[must_use]
    pub fn index(&self, i: usize) -> Self {
        let mut p = self.clone();
        p.0.push(Seg::Index(i));
        p
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, seg) in self.0.iter().enumerate() {
            match seg {
                Seg::Key(k) if i == 0 => write!(f, "{k}")?,
                Seg::Key(k) => write!(f, ".{k}")?,
                Seg::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

impl Node {
    pub fn kind(&self) -> &'static str {
        match self.value {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Int(_) | Value::UInt(_) => "an integer",
            Value::Float(_) => "a float",
            Value::Str(_) => "a string",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a map",
        }
    }

    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Map(entries) => entries.iter().find(|e| e.key == key).map(|e| &e.value),
            _ => None,
        }
    }

    /// The node at `path`, if every step exists.
    pub fn at(&self, path: &Path) -> Option<&Node> {
        let mut node = self;
        for seg in &path.0 {
            node = match (seg, &node.value) {
                (Seg::Key(k), _) => node.get(k)?,
                (Seg::Index(i), Value::Seq(items)) => items.get(*i)?,
                _ => return None,
            };
        }
        Some(node)
    }

    /// The position of the node at `path`, or of its deepest existing
    /// ancestor when the value came from a default.
    pub fn locate(&self, path: &Path) -> Loc {
        let mut node = self;
        for seg in &path.0 {
            let next = match (seg, &node.value) {
                (Seg::Key(k), _) => node.get(k),
                (Seg::Index(i), Value::Seq(items)) => items.get(*i),
                _ => None,
            };
            match next {
                Some(n) => node = n,
                None => break,
            }
        }
        node.loc
    }

    /// The position of the key at the end of `path` (for "this field is not
    /// allowed here" messages), else the value's position.
    pub fn locate_key(&self, path: &Path) -> Loc {
        if let Some((Seg::Key(k), parent)) = path.0.split_last() {
            if let Some(Node {
                value: Value::Map(entries),
                ..
            }) = self.at(&Path(parent.to_vec()))
            {
                if let Some(e) = entries.iter().find(|e| &e.key == k) {
                    return e.key_loc;
                }
            }
        }
        self.locate(path)
    }

    /// Drops the map entry `key` (used to keep a base's own `name` out of
    /// the merged scenario).
    pub fn remove(&mut self, key: &str) {
        if let Value::Map(entries) = &mut self.value {
            entries.retain(|e| e.key != key);
        }
    }
}

/// Deep merge: maps merge key by key (recursively), anything else in `over`
/// (lists included) replaces what `base` had. `null` in `over` replaces too,
/// which is how a scenario removes something its base set (`dial: ~`).
pub fn merge(base: Node, over: Node) -> Node {
    match (base.value, over.value) {
        (Value::Map(mut entries), Value::Map(over_entries)) => {
            for oe in over_entries {
                match entries.iter().position(|e| e.key == oe.key) {
                    Some(i) => {
                        let be = entries.remove(i);
                        let merged = merge(be.value, oe.value);
                        entries.insert(
                            i,
                            Entry {
                                key: oe.key,
                                key_loc: oe.key_loc,
                                value: merged,
                            },
                        );
                    }
                    None => entries.push(oe),
                }
            }
            Node {
                loc: over.loc,
                value: Value::Map(entries),
            }
        }
        (_, value) => Node {
            loc: over.loc,
            value,
        },
    }
}

// ---------------------------------------------------------------------------
// Parsing YAML text into a tree (serde-saphyr does the YAML, Spanned the
// positions).

fn loc_of(l: serde_saphyr::Location, file: usize) -> Loc {
    Loc {
        file,
        line: l.line(),
        column: l.column(),
    }
}

/// A parse error: message and position (the position may be unknown).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub line: u64,
    pub column: u64,
    pub message: String,
}

/// Parses one YAML document into a tree whose nodes all carry `file`.
pub fn parse(text: &str, file: usize) -> Result<Node, SyntaxError> {
    // YAML 1.2 booleans only: `y`, `no`, `on` stay strings (a user named
    // `n` or a key `on:` must not turn into a boolean).
    let options = serde_saphyr::options! { strict_booleans: true, with_snippet: false };
    let parsed: serde_saphyr::Spanned<RawValue> =
        serde_saphyr::from_str_with_options(text, options).map_err(|e| syntax_error(&e))?;
    let mut node = Node {
        loc: loc_of(parsed.referenced, file),
        value: parsed.value.0,
    };
    set_file(&mut node, file);
    Ok(node)
}

fn set_file(node: &mut Node, file: usize) {
    node.loc.file = file;
    match &mut node.value {
        Value::Seq(items) => items.iter_mut().for_each(|n| set_file(n, file)),
        Value::Map(entries) => entries.iter_mut().for_each(|e| {
            e.key_loc.file = file;
            set_file(&mut e.value, file);
        }),
        _ => {}
    }
}

fn syntax_error(e: &serde_saphyr::Error) -> SyntaxError {
    let (line, column) = e
        .location()
        .map(|l| (l.line(), l.column()))
        .unwrap_or((0, 0));
    let opts = serde_saphyr::render_options! { snippets: serde_saphyr::SnippetMode::Off };
    let mut message = e.render_with_options(opts);
    // The plain rendering ends with " at line L, column C": we print the
    // position ourselves, first, in file:line:column form.
    let suffix = format!(" at line {line}, column {column}");
    if let Some(stripped) = message.strip_suffix(&suffix) {
        message = stripped.to_string();
    }
    SyntaxError {
        line,
        column,
        message,
    }
}

/// The value part of a node; positions come from the `Spanned` around it.
struct RawValue(Value);

/// Map keys: scalars only, kept as text (`1701: x` gives the key "1701").
struct RawKey(String);

impl<'de> Deserialize<'de> for RawValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(RawVisitor).map(RawValue)
    }
}

impl<'de> Deserialize<'de> for RawKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match d.deserialize_any(RawVisitor)? {
            Value::Str(s) => Ok(RawKey(s)),
            Value::Int(i) => Ok(RawKey(i.to_string())),
            Value::UInt(u) => Ok(RawKey(u.to_string())),
            Value::Bool(b) => Ok(RawKey(b.to_string())),
            Value::Float(f) => Ok(RawKey(f.to_string())),
            Value::Null => Err(de::Error::custom("a map key must not be null")),
            Value::Seq(_) | Value::Map(_) => {
                Err(de::Error::custom("a map key must be a plain scalar"))
            }
        }
    }
}

struct RawVisitor;

impl<'de> Visitor<'de> for RawVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Int(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::UInt(v))
    }
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Value, E> {
        i64::try_from(v)
            .map(Value::Int)
            .map_err(|_| E::custom("integer out of range"))
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Value, E> {
        u64::try_from(v)
            .map(Value::UInt)
            .map_err(|_| E::custom("integer out of range"))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::Float(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::Str(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::Str(v))
    }
    fn visit_bytes<E: de::Error>(self, _: &[u8]) -> Result<Value, E> {
        Err(E::custom("binary values are not supported"))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(RawVisitor)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<serde_saphyr::Spanned<RawValue>>()? {
            items.push(Node {
                loc: loc_of(item.referenced, 0),
                value: item.value.0,
            });
        }
        Ok(Value::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut entries: Vec<Entry> = Vec::new();
        while let Some(key) = map.next_key::<serde_saphyr::Spanned<RawKey>>()? {
            let value: serde_saphyr::Spanned<RawValue> = map.next_value()?;
            let name = key.value.0;
            if entries.iter().any(|e| e.key == name) {
                return Err(de::Error::custom(format!("duplicate key '{name}'")));
            }
            entries.push(Entry {
                key: name,
                key_loc: loc_of(key.referenced, 0),
                value: Node {
                    loc: loc_of(value.referenced, 0),
                    value: value.value.0,
                },
            });
        }
        Ok(Value::Map(entries))
    }
}

// ---------------------------------------------------------------------------
// Deserialising typed values out of a tree.

/// A typed-deserialisation error with the position of the node it concerns
/// (filled in by the innermost node whose deserialisation failed).
#[derive(Debug, Clone, PartialEq)]
pub struct DeError {
    pub message: String,
    pub loc: Option<Loc>,
}

impl DeError {
    fn at(mut self, loc: Loc) -> Self {
        if self.loc.is_none() {
            self.loc = Some(loc);
        }
        self
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
        }
    }
    fn unknown_field(field: &str, expected: &'static [&'static str]) -> Self {
        de::Error::custom(format!(
            "unknown field '{field}', expected one of: {}",
            expected.join(", ")
        ))
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
    T::deserialize(NodeDe(node)).map_err(|e| e.at(node.loc))
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
        visitor.visit_map(MapDe {
            iter: entries.iter(),
            value: None,
        })
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
                .map_err(|e| e.at(node.loc)),
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
            Some(node) => seed.deserialize(NodeDe(node)).map_err(|e| e.at(node.loc)),
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
                loc: Some(n.loc),
            }),
        }
    }
    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, DeError> {
        match self.content {
            Some(n) => seed.deserialize(NodeDe(n)),
            None => Err(DeError {
                message: format!("'{}' needs a value", self.variant),
                loc: Some(self.variant_loc),
            }),
        }
    }
    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, DeError> {
        match self.content {
            Some(n) => NodeDe(n).deserialize_seq(visitor),
            None => Err(DeError {
                message: format!("'{}' needs a list", self.variant),
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
                loc: Some(self.variant_loc),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(n: &Node) -> Vec<&str> {
        match &n.value {
            Value::Map(e) => e.iter().map(|e| e.key.as_str()).collect(),
            _ => vec![],
        }
    }

    #[test]
    fn parse_records_line_and_column_of_values_and_keys() {
        let n = parse("a: 1\nb:\n  c: [x, y]\n", 3).unwrap();
        let c = n.at(&Path::root().key("b").key("c")).unwrap();
        assert_eq!((c.loc.file, c.loc.line, c.loc.column), (3, 3, 6));
        let y = n.at(&Path::root().key("b").key("c").index(1)).unwrap();
        assert_eq!((y.loc.line, y.loc.column), (3, 10));
        let kl = n.locate_key(&Path::root().key("b").key("c"));
        assert_eq!((kl.line, kl.column), (3, 3));
    }

    #[test]
    fn parse_rejects_duplicate_keys_with_position() {
        let e = parse("a: 1\na: 2\n", 0).unwrap_err();
        assert!(e.message.contains("duplicate"), "{e:?}");
        assert_eq!(e.line, 2);
    }

    #[test]
    fn parse_reports_syntax_error_position() {
        let e = parse("a: [1, 2\nb: 3\n", 0).unwrap_err();
        assert!(e.line >= 1, "{e:?}");
        assert!(!e.message.contains(" at line "), "{e:?}");
    }

    #[test]
    fn merge_maps_recursively_and_lists_replace() {
        let base = parse("a: {x: 1, y: 2}\nl: [1, 2, 3]\nk: base\n", 0).unwrap();
        let over = parse("a: {y: 20, z: 30}\nl: [9]\n", 1).unwrap();
        let m = merge(base, over);
        assert_eq!(keys(&m), ["a", "l", "k"]);
        let a = m.get("a").unwrap();
        assert_eq!(keys(a), ["x", "y", "z"]);
        assert_eq!(a.get("x").unwrap().loc.file, 0);
        assert_eq!(a.get("y").unwrap().value, Value::UInt(20));
        assert_eq!(a.get("y").unwrap().loc.file, 1);
        match &m.get("l").unwrap().value {
            Value::Seq(items) => assert_eq!(items.len(), 1),
            v => panic!("{v:?}"),
        }
    }

    #[test]
    fn merge_null_removes_base_value() {
        let base = parse("dial: {at: 1s}\n", 0).unwrap();
        let over = parse("dial: ~\n", 1).unwrap();
        assert_eq!(merge(base, over).get("dial").unwrap().value, Value::Null);
    }

    #[test]
    fn locate_falls_back_to_deepest_existing_node() {
        let n = parse("hosts:\n  a: {role: nat}\n", 0).unwrap();
        let l = n.locate(&Path::root().key("hosts").key("a").key("dial").key("at"));
        assert_eq!((l.line, l.column), (2, 6));
    }

    #[derive(Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct T {
        a: u16,
        #[serde(default)]
        b: Vec<String>,
    }

    #[test]
    fn typed_errors_carry_the_failing_node_position() {
        let n = parse("a: 1\nb: [x, 7]\n", 0).unwrap();
        let e = from_node::<T>(&n).unwrap_err();
        assert_eq!(e.loc.map(|l| (l.line, l.column)), Some((2, 8)), "{e:?}");
        let n = parse("a: 1\nzz: 2\n", 0).unwrap();
        let e = from_node::<T>(&n).unwrap_err();
        assert!(e.message.contains("unknown field 'zz'"), "{e:?}");
        assert!(e.message.contains("a, b"), "{e:?}");
        assert_eq!(e.loc.map(|l| (l.line, l.column)), Some((2, 1)));
        let n = parse("a: 70000\n", 0).unwrap();
        let e = from_node::<T>(&n).unwrap_err();
        assert_eq!(e.loc.map(|l| (l.line, l.column)), Some((1, 4)), "{e:?}");
        let n = parse("b: []\n", 0).unwrap();
        let e = from_node::<T>(&n).unwrap_err();
        assert!(e.message.contains("missing field 'a'"), "{e:?}");
        let n = parse("[1, 2]\n", 0).unwrap();
        assert!(from_node::<T>(&n).is_err());
    }
}
