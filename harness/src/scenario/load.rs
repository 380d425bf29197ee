//! Loading a scenario: read the file, parse it into a positioned tree
//! (`node::parse`), load and deep-merge its `base:` chain, deserialise the
//! typed `Scenario` from the merged tree, then check references and
//! addresses (`validate`). Every error names file:line:column; nothing here
//! panics on any input.
//!
//! How positions survive the merge: every node of the merged tree still
//! carries the file it came from (index into the loader's file list) and its
//! own line and column, so a type error in a value the base supplied names
//! the base file, and a semantic error (`unknown host 'srv'`) is located by
//! looking up its path in the merged tree.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::scenario::node::{self, Loc, Node, Value};
use crate::scenario::schema::Scenario;
use crate::scenario::validate;

/// Scenario files larger than this are refused (they are hand-written).
const MAX_FILE_BYTES: u64 = 4 << 20;
/// `base:` chains deeper than this are refused (they are surely a mistake).
const MAX_BASE_DEPTH: usize = 8;

/// One located problem in a scenario or base file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub file: String,
    /// 1-based; 0 when the position is unknown.
    pub line: u64,
    pub column: u64,
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.file, self.message)
        } else {
            write!(
                f,
                "{}:{}:{}: {}",
                self.file, self.line, self.column, self.message
            )
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    #[error("{path}: cannot read the file: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    /// The scenario is invalid; each diagnostic is one line of the message.
    #[error("{}", display_all(.0))]
    Invalid(Vec<Diagnostic>),
}

impl LoadError {
    pub fn diagnostics(&self) -> &[Diagnostic] {
        match self {
            LoadError::Invalid(d) => d,
            LoadError::Read { .. } => &[],
        }
    }
}

fn display_all(d: &[Diagnostic]) -> String {
    d.iter()
        .map(|d| d.to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Where `arg` points: a path when it names a file (contains a path
/// separator or ends in .yaml/.yml), else `<scenarios_dir>/<arg>.yaml`.
pub fn resolve(arg: &str, scenarios_dir: &Path) -> PathBuf {
    let looks_like_path = arg.contains('/')
        || arg.contains(std::path::MAIN_SEPARATOR)
        || arg.ends_with(".yaml")
        || arg.ends_with(".yml");
    if looks_like_path {
        PathBuf::from(arg)
    } else {
        scenarios_dir.join(format!("{arg}.yaml"))
    }
}

/// Loads a scenario by path or by name (see `resolve`). `base:` is looked
/// up in `<the file's dir>/base/`, then in `<scenarios_dir>/base/` (and, for
/// a base file, beside it).
pub fn load(arg: &str, scenarios_dir: &Path) -> Result<Scenario, LoadError> {
    load_file(&resolve(arg, scenarios_dir), scenarios_dir)
}

pub fn load_file(path: &Path, scenarios_dir: &Path) -> Result<Scenario, LoadError> {
    let mut loader = Loader::new(scenarios_dir);
    let tree = loader.tree(path, 0, &mut Vec::new())?;
    loader.finish(path, tree)
}

/// Loads a scenario from `text` as if it were the file `path` (which is
/// used for messages, for the name check and to find `base:` files; it is
/// not read).
pub fn load_str(text: &str, path: &Path, scenarios_dir: &Path) -> Result<Scenario, LoadError> {
    let mut loader = Loader::new(scenarios_dir);
    let file = loader.add_file(path);
    let tree = loader.tree_text(path, file, text, 0, &mut Vec::new())?;
    loader.finish(path, tree)
}

/// `load_str` for bytes not yet known to be text (the scenario fuzz
/// target): bytes that are not UTF-8 get the same located error as a file.
pub fn load_bytes(bytes: &[u8], path: &Path, scenarios_dir: &Path) -> Result<Scenario, LoadError> {
    let mut loader = Loader::new(scenarios_dir);
    let file = loader.add_file(path);
    let text = loader.utf8(file, bytes.to_vec())?;
    let tree = loader.tree_text(path, file, &text, 0, &mut Vec::new())?;
    loader.finish(path, tree)
}

/// 1-based line and column (in characters, as the YAML parser counts them)
/// of byte `at` of `bytes`, whose first `at` bytes are valid UTF-8.
fn text_position(bytes: &[u8], at: usize) -> (u64, u64) {
    let before = std::str::from_utf8(bytes.get(..at).unwrap_or_default()).unwrap_or_default();
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let line = before.matches('\n').count() + 1;
    let column = before.get(line_start..).unwrap_or_default().chars().count() + 1;
    let n = |v: usize| u64::try_from(v).unwrap_or(u64::MAX);
    (n(line), n(column))
}

/// The maps of named things a `null` entry removes from (`node::merge`),
/// and what each entry is.
const NAMED_MAPS: [(&[&str], &str); 6] = [
    (&["hosts"], "host"),
    (&["networks"], "network"),
    (&["hosts", "*", "interfaces"], "interface"),
    (&["hosts", "*", "users"], "user"),
    (&["pki", "authorities"], "authority"),
    (&["pki", "certificates"], "certificate"),
];

/// `null` entries left in named maps after the merge: they removed
/// nothing, since no base had that name (a misspelt `gw: null`, or a
/// scenario without `base:`). Each is located at its key.
fn stray_nulls(tree: &Node) -> Vec<(Loc, String)> {
    fn maps<'a>(node: &'a Node, pattern: &[&str], out: &mut Vec<(String, &'a [node::Entry])>) {
        let Value::Map(entries) = &node.value else {
            return;
        };
        match pattern.split_first() {
            None => out.push((String::new(), entries)),
            Some((&"*", rest)) => {
                for e in entries {
                    let mut found = Vec::new();
                    maps(&e.value, rest, &mut found);
                    out.extend(found.into_iter().map(|(_, m)| (e.key.clone(), m)));
                }
            }
            Some((key, rest)) => {
                if let Some(next) = node.get(key) {
                    maps(next, rest, out);
                }
            }
        }
    }
    let mut out = Vec::new();
    for (pattern, what) in NAMED_MAPS {
        let mut found = Vec::new();
        maps(tree, pattern, &mut found);
        for (owner, entries) in found {
            for e in entries.iter().filter(|e| e.value.value == Value::Null) {
                let whose = if owner.is_empty() {
                    String::new()
                } else {
                    format!(" of {owner}")
                };
                let a = if what.starts_with(['a', 'e', 'i', 'o', 'u']) {
                    "an"
                } else {
                    "a"
                };
                out.push((
                    e.key_loc,
                    format!(
                        "'{key}: null' removes nothing: no base: file defines {a} {what} '{key}'{whose}",
                        key = e.key
                    ),
                ));
            }
        }
    }
    out
}

struct Loader {
    /// Display names of the files read, indexed by `Loc::file`.
    files: Vec<String>,
    scenarios_dir: PathBuf,
}

impl Loader {
    fn new(scenarios_dir: &Path) -> Self {
        Loader {
            files: Vec::new(),
            scenarios_dir: scenarios_dir.to_path_buf(),
        }
    }

    fn add_file(&mut self, path: &Path) -> usize {
        self.files.push(path.display().to_string());
        self.files.len() - 1
    }

    /// Typed deserialisation and semantic checks of the merged tree.
    fn finish(&self, path: &Path, mut tree: Node) -> Result<Scenario, LoadError> {
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_string();
        // `name` may be left out (base files usually do): it is the file name.
        if let Value::Map(entries) = &mut tree.value {
            if !entries.iter().any(|e| e.key == "name") {
                let loc = tree.loc;
                entries.insert(
                    0,
                    node::Entry {
                        key: "name".into(),
                        key_loc: loc,
                        value: Node {
                            loc,
                            value: Value::Str(stem.clone()),
                        },
                    },
                );
            }
        }
        let stray = stray_nulls(&tree);
        if !stray.is_empty() {
            return Err(LoadError::Invalid(
                stray
                    .into_iter()
                    .map(|(loc, msg)| self.diag(loc, msg))
                    .collect(),
            ));
        }
        let mut scenario: Scenario = node::from_node(&tree).map_err(|e| {
            LoadError::Invalid(vec![self.diag(e.loc.unwrap_or(tree.loc), e.message)])
        })?;
        scenario.resolve_server_versions();
        let problems = validate::validate(&scenario, &tree, &stem);
        if problems.is_empty() {
            Ok(scenario)
        } else {
            Err(LoadError::Invalid(
                problems
                    .into_iter()
                    .map(|(loc, msg)| self.diag(loc, msg))
                    .collect(),
            ))
        }
    }

    fn diag(&self, loc: Loc, message: String) -> Diagnostic {
        Diagnostic {
            file: self.files.get(loc.file).cloned().unwrap_or_default(),
            line: loc.line,
            column: loc.column,
            message,
        }
    }

    fn invalid(&self, loc: Loc, message: String) -> LoadError {
        LoadError::Invalid(vec![self.diag(loc, message)])
    }

    /// Reads `path` and merges it over its base chain.
    fn tree(
        &mut self,
        path: &Path,
        depth: usize,
        chain: &mut Vec<PathBuf>,
    ) -> Result<Node, LoadError> {
        let display = path.display().to_string();
        let read_err = |source| LoadError::Read {
            path: display.clone(),
            source,
        };
        let meta = std::fs::metadata(path).map_err(read_err)?;
        if !meta.is_file() {
            return Err(LoadError::Read {
                path: display,
                source: std::io::Error::other("not a regular file"),
            });
        }
        if meta.len() > MAX_FILE_BYTES {
            return Err(LoadError::Read {
                path: display,
                source: std::io::Error::other(format!("larger than {MAX_FILE_BYTES} bytes")),
            });
        }
        let bytes = std::fs::read(path).map_err(read_err)?;
        let file = self.add_file(path);
        let text = self.utf8(file, bytes)?;
        self.tree_text(path, file, &text, depth, chain)
    }

    /// The text of file `file`, or where its first byte that is not UTF-8 is.
    fn utf8(&self, file: usize, bytes: Vec<u8>) -> Result<String, LoadError> {
        String::from_utf8(bytes).map_err(|e| {
            let bytes = e.as_bytes();
            let at = e.utf8_error().valid_up_to();
            let (line, column) = text_position(bytes, at);
            let byte = bytes.get(at).copied().unwrap_or_default();
            self.invalid(
                Loc { file, line, column },
                format!("not UTF-8 text: invalid byte 0x{byte:02x} (save the file as UTF-8)"),
            )
        })
    }

    /// Parses `text` (the contents of `path`, file index `file`) and merges
    /// it over its base chain.
    fn tree_text(
        &mut self,
        path: &Path,
        file: usize,
        text: &str,
        depth: usize,
        chain: &mut Vec<PathBuf>,
    ) -> Result<Node, LoadError> {
        let tree = node::parse(text, file).map_err(|e| {
            let loc = Loc {
                file,
                line: e.line,
                column: e.column,
            };
            self.invalid(loc, format!("invalid YAML: {}", e.message))
        })?;
        if !matches!(tree.value, Value::Map(_)) {
            return Err(self.invalid(
                tree.loc,
                format!(
                    "a scenario is a map of fields (name, hosts, networks, ...), not {}",
                    tree.kind()
                ),
            ));
        }
        let Some(base_node) = tree.get("base") else {
            return Ok(tree);
        };
        let base_name = match &base_node.value {
            Value::Str(s) => s.clone(),
            Value::Null => return Ok(tree),
            _ => {
                return Err(self.invalid(
                    base_node.loc,
                    format!(
                        "base must be the name of a base file, not {}",
                        base_node.kind()
                    ),
                ))
            }
        };
        let base_loc = base_node.loc;
        if base_name.is_empty()
            || !base_name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
            || base_name.starts_with('.')
        {
            return Err(self.invalid(
                base_loc,
                format!("invalid base name '{base_name}': use letters, digits, '-', '_' (a file in scenarios/base/)"),
            ));
        }
        if depth >= MAX_BASE_DEPTH {
            return Err(self.invalid(base_loc, format!("base chain deeper than {MAX_BASE_DEPTH}")));
        }
        let candidates = self.base_candidates(path, &base_name);
        let Some(base_path) = candidates.iter().find(|p| p.is_file()).cloned() else {
            let looked = candidates
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ");
            return Err(self.invalid(
                base_loc,
                format!("base '{base_name}' does not exist (looked for {looked})"),
            ));
        };
        let canon = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        chain.push(canon);
        let base_canon = std::fs::canonicalize(&base_path).unwrap_or_else(|_| base_path.clone());
        if chain.contains(&base_canon) {
            return Err(self.invalid(base_loc, format!("base '{base_name}' includes itself")));
        }
        let mut base = self.tree(&base_path, depth + 1, chain)?;
        // A base's own identity does not flow into the scenario.
        for k in ["name", "title", "article", "check", "base"] {
            base.remove(k);
        }
        Ok(node::merge(base, tree))
    }

    fn base_candidates(&self, path: &Path, name: &str) -> Vec<PathBuf> {
        let file = format!("{name}.yaml");
        let dir = path.parent().unwrap_or_else(|| Path::new(""));
        let mut v = vec![dir.join("base").join(&file)];
        if dir.file_name().is_some_and(|n| n == "base") {
            v.push(dir.join(&file));
        }
        let global = self.scenarios_dir.join("base").join(&file);
        if !v.contains(&global) {
            v.push(global);
        }
        v
    }
}

#[cfg(test)]
mod tests;
