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
//! by the `Deserializer` in `typed`, which stamps every error with the position of
//! the node it failed on. Semantic validation then looks positions up in the
//! same tree by path (`Node::locate`).

use std::fmt;

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
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
/// (lists included) replaces what `base` had. `null` in `over` removes the
/// base's entry, which is how a scenario removes something its base set:
/// a field (`dial: ~` leaves the default), a host (`gw: null`), an
/// interface (`interfaces: {lan: null}`). A `null` with nothing under it
/// stays (`stray_nulls` reports those in named maps).
pub fn merge(base: Node, over: Node) -> Node {
    match (base.value, over.value) {
        (Value::Map(mut entries), Value::Map(over_entries)) => {
            for oe in over_entries {
                match entries.iter().position(|e| e.key == oe.key) {
                    Some(i) if matches!(oe.value.value, Value::Null) => {
                        entries.remove(i);
                    }
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

mod typed;

pub use typed::{from_node, DeError, NodeDe};

#[cfg(test)]
mod tests;
