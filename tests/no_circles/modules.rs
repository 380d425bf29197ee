//! A crate's module tree read from its files (following `mod x;` from the
//! crate root, skipping `#[cfg(test)]` items), and every path each file
//! names: `use` trees expanded, and `crate::`/`super::`/`self::` paths in
//! code.

use super::lex::{lex, Tok, Token};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub type ModPath = Vec<String>;

/// One path a file names, as written.
#[derive(Debug, Clone)]
pub struct Reference {
    pub segments: Vec<String>,
    pub line: usize,
}

#[derive(Debug, Default)]
pub struct Module {
    pub file: PathBuf,
    pub children: Vec<String>,
    pub references: Vec<Reference>,
    /// `pub use` names: the name it exports and the path it names.
    pub reexports: BTreeMap<String, Vec<String>>,
}

/// Every module of the crate whose root file is `root`, by its path.
pub fn read_crate(root: &Path) -> Result<BTreeMap<ModPath, Module>, String> {
    let mut modules = BTreeMap::new();
    let dir = root.parent().unwrap_or(Path::new(".")).to_path_buf();
    read_module(root, &dir, Vec::new(), &mut modules)?;
    Ok(modules)
}

/// `dir` is where this module's `mod x;` files live.
fn read_module(
    file: &Path,
    dir: &Path,
    path: ModPath,
    modules: &mut BTreeMap<ModPath, Module>,
) -> Result<(), String> {
    let text = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
    let tokens = lex(&text);
    let mut module = Module {
        file: file.to_path_buf(),
        ..Module::default()
    };
    let mut declared = Vec::new();
    scan(&tokens, &mut module, &mut declared);
    for (name, path_attr) in declared {
        let child_file = match path_attr {
            // #[path] outside an inline module: relative to this file's folder.
            Some(p) => file.parent().unwrap_or(Path::new(".")).join(p),
            None => {
                let flat = dir.join(format!("{name}.rs"));
                if flat.exists() {
                    flat
                } else {
                    dir.join(&name).join("mod.rs")
                }
            }
        };
        let mut child_path = path.clone();
        child_path.push(name.clone());
        module.children.push(name.clone());
        read_module(&child_file, &dir.join(&name), child_path, modules)?;
    }
    modules.insert(path, module);
    Ok(())
}

fn ident(t: Option<&Token>) -> Option<&str> {
    match t.map(|t| &t.tok) {
        Some(Tok::Ident(w)) => Some(w),
        _ => None,
    }
}

fn punct(t: Option<&Token>, c: char) -> bool {
    matches!(t.map(|t| &t.tok), Some(Tok::Punct(p)) if *p == c)
}

/// The index past the bracket that closes the one at `i`.
fn skip_balanced(tokens: &[Token], mut i: usize, open: char, close: char) -> usize {
    let mut depth = 0usize;
    while i < tokens.len() {
        if punct(tokens.get(i), open) {
            depth += 1;
        } else if punct(tokens.get(i), close) {
            depth = depth.saturating_sub(1);
            if depth == 0 {
                return i + 1;
            }
        }
        i += 1;
    }
    i
}

/// The index past the item that starts at `i`: to its `;` or its block.
fn skip_item(tokens: &[Token], mut i: usize) -> usize {
    while i < tokens.len() {
        if punct(tokens.get(i), ';') {
            return i + 1;
        }
        if punct(tokens.get(i), '{') {
            return skip_balanced(tokens, i, '{', '}');
        }
        i += 1;
    }
    i
}

fn scan(tokens: &[Token], module: &mut Module, declared: &mut Vec<(String, Option<String>)>) {
    let mut i = 0;
    let mut path_attr: Option<String> = None;
    let mut public = false;
    while i < tokens.len() {
        let t = &tokens[i];
        match &t.tok {
            Tok::Punct('#') if punct(tokens.get(i + 1), '[') => {
                let end = skip_balanced(tokens, i + 1, '[', ']');
                let inner: Vec<&Tok> = tokens[i + 2..end.saturating_sub(1)]
                    .iter()
                    .map(|t| &t.tok)
                    .collect();
                let is = |w: &str| matches!(inner.first(), Some(Tok::Ident(x)) if x == w);
                if is("cfg")
                    && inner.get(2) == Some(&&Tok::Ident("test".into()))
                    && inner.len() == 4
                {
                    // #[cfg(test)] and the item it guards: test code only.
                    let mut j = end;
                    while punct(tokens.get(j), '#') {
                        j = skip_balanced(tokens, j + 1, '[', ']');
                    }
                    i = skip_item(tokens, j);
                    continue;
                }
                if is("path") {
                    if let Some(Tok::Str(p)) = inner.get(2) {
                        path_attr = Some(p.clone());
                    }
                }
                i = end;
                continue;
            }
            Tok::Ident(w) if w == "pub" => {
                public = true;
                i += 1;
                if punct(tokens.get(i), '(') {
                    i = skip_balanced(tokens, i, '(', ')');
                }
                continue;
            }
            Tok::Ident(w) if w == "mod" => {
                if let Some(name) = ident(tokens.get(i + 1)) {
                    if punct(tokens.get(i + 2), ';') {
                        declared.push((name.to_string(), path_attr.take()));
                        i += 3;
                        public = false;
                        continue;
                    }
                }
            }
            Tok::Ident(w) if w == "use" => {
                let mut paths = Vec::new();
                let end = use_tree(tokens, i + 1, &mut Vec::new(), &mut paths);
                for (segments, alias) in paths {
                    if public {
                        let name = alias
                            .or_else(|| segments.last().cloned())
                            .unwrap_or_default();
                        if name != "*" && name != "self" {
                            module.reexports.insert(name, segments);
                            continue;
                        }
                    }
                    module.references.push(Reference {
                        segments,
                        line: t.line,
                    });
                }
                i = end;
                public = false;
                continue;
            }
            Tok::Ident(w)
                if (w == "crate" || w == "super" || w == "self")
                    && tokens.get(i + 1).map(|t| &t.tok) == Some(&Tok::Path) =>
            {
                let mut segments = vec![w.clone()];
                let mut j = i + 1;
                while tokens.get(j).map(|t| &t.tok) == Some(&Tok::Path) {
                    match ident(tokens.get(j + 1)) {
                        Some(next) => segments.push(next.to_string()),
                        None => break,
                    }
                    j += 2;
                }
                module.references.push(Reference {
                    segments,
                    line: t.line,
                });
                i = j;
                continue;
            }
            Tok::Punct(';') | Tok::Punct('{') | Tok::Punct('}') => public = false,
            _ => {}
        }
        i += 1;
    }
}

/// Expands a `use` tree starting at `i` into full paths (with their `as`
/// names); returns the index past its `;`.
fn use_tree(
    tokens: &[Token],
    mut i: usize,
    prefix: &mut Vec<String>,
    out: &mut Vec<(Vec<String>, Option<String>)>,
) -> usize {
    let depth = prefix.len();
    loop {
        match tokens.get(i).map(|t| &t.tok) {
            Some(Tok::Ident(w)) if w == "as" => {
                let alias = ident(tokens.get(i + 1)).map(str::to_string);
                if let Some(last) = out.last_mut() {
                    last.1 = alias;
                }
                i += 2;
            }
            Some(Tok::Ident(w)) => {
                prefix.push(w.clone());
                i += 1;
                if tokens.get(i).map(|t| &t.tok) == Some(&Tok::Path) {
                    i += 1;
                    continue;
                }
                out.push((prefix.clone(), None));
                prefix.truncate(depth);
            }
            Some(Tok::Punct('*')) => {
                let mut p = prefix.clone();
                p.push("*".into());
                out.push((p, None));
                prefix.truncate(depth);
                i += 1;
            }
            Some(Tok::Punct('{')) => {
                i += 1;
                loop {
                    let mut inner = prefix.clone();
                    i = use_tree(tokens, i, &mut inner, out);
                    if punct(tokens.get(i), ',') {
                        i += 1;
                        if punct(tokens.get(i), '}') {
                            i += 1;
                            break;
                        }
                        continue;
                    }
                    if punct(tokens.get(i), '}') {
                        i += 1;
                    }
                    break;
                }
                prefix.truncate(depth);
            }
            Some(Tok::Path) => i += 1, // a leading `::`
            Some(Tok::Punct(';')) if depth == 0 => return i + 1,
            _ => return i,
        }
        if depth > 0 && (punct(tokens.get(i), ',') || punct(tokens.get(i), '}')) {
            return i;
        }
    }
}
