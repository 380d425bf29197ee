//! Who imports whom, folder by folder. Within a folder the nodes are its
//! children (files and subfolders) and `mod` (the folder's own mod.rs or
//! crate root); a child names a sibling when any file under it names a
//! module or item under the sibling. A circle is a strongly connected set
//! of two or more nodes, a file pair that names each other included.

use super::modules::{ModPath, Module};
use std::collections::{BTreeMap, BTreeSet};

/// The node of the folder's own file.
pub const OWN: &str = "mod";

/// Edges of one folder: from node to node, with one place each that makes it.
pub type Edges = BTreeMap<(String, String), String>;

/// Resolves a path named in module `from` to the module that defines what
/// it names, following `pub use` re-exports.
pub fn resolve(
    modules: &BTreeMap<ModPath, Module>,
    from: &ModPath,
    segments: &[String],
    depth: usize,
) -> Option<ModPath> {
    let first = segments.first()?;
    let mut at: ModPath = match first.as_str() {
        "crate" => Vec::new(),
        "self" => from.clone(),
        "super" => from[..from.len().saturating_sub(1)].to_vec(),
        name if modules
            .get(from)
            .is_some_and(|m| m.children.iter().any(|c| c == name)) =>
        {
            let mut p = from.clone();
            p.push(name.to_string());
            p
        }
        _ => return None, // another crate, or a name in scope
    };
    let mut rest = &segments[1..];
    while let Some(next) = rest.first() {
        if next == "super" {
            at.pop();
        } else if next == "self" {
        } else if modules
            .get(&at)
            .is_some_and(|m| m.children.iter().any(|c| c == next))
        {
            at.push(next.clone());
        } else {
            break;
        }
        rest = &rest[1..];
    }
    if let Some(item) = rest.first() {
        if depth < 8 {
            if let Some(target) = modules.get(&at).and_then(|m| m.reexports.get(item)) {
                return resolve(modules, &at, target, depth + 1).or(Some(at));
            }
        }
    }
    Some(at)
}

/// Every folder's edges, keyed by the folder's module path.
pub fn edges(modules: &BTreeMap<ModPath, Module>) -> BTreeMap<ModPath, Edges> {
    let mut all: BTreeMap<ModPath, Edges> = BTreeMap::new();
    for (from, module) in modules {
        for reference in &module.references {
            let Some(to) = resolve(modules, from, &reference.segments, 0) else {
                continue;
            };
            let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
            if common == from.len() && common == to.len() {
                continue;
            }
            let node = |p: &ModPath| p.get(common).cloned().unwrap_or_else(|| OWN.to_string());
            let key = (node(from), node(&to));
            let place = format!(
                "{}:{} names {}",
                module.file.display(),
                reference.line,
                reference.segments.join("::")
            );
            all.entry(from[..common].to_vec())
                .or_default()
                .entry(key)
                .or_insert(place);
        }
    }
    all
}

/// The strongly connected sets of two or more nodes (Tarjan), in a stable order.
pub fn circles(edges: &Edges) -> Vec<Vec<String>> {
    let nodes: BTreeSet<&String> = edges.keys().flat_map(|(a, b)| [a, b]).collect();
    let index_of: BTreeMap<&String, usize> =
        nodes.iter().enumerate().map(|(i, n)| (*n, i)).collect();
    let names: Vec<&String> = nodes.into_iter().collect();
    let mut next: Vec<Vec<usize>> = vec![Vec::new(); names.len()];
    for (a, b) in edges.keys() {
        next[index_of[a]].push(index_of[b]);
    }
    let mut tarjan = Tarjan {
        next: &next,
        index: vec![None; names.len()],
        low: vec![0; names.len()],
        on_stack: vec![false; names.len()],
        stack: Vec::new(),
        counter: 0,
        found: Vec::new(),
    };
    for v in 0..names.len() {
        if tarjan.index[v].is_none() {
            tarjan.visit(v);
        }
    }
    let mut out: Vec<Vec<String>> = tarjan
        .found
        .into_iter()
        .filter(|set| set.len() > 1)
        .map(|set| {
            let mut s: Vec<String> = set.into_iter().map(|i| names[i].clone()).collect();
            s.sort();
            s
        })
        .collect();
    out.sort();
    out
}

struct Tarjan<'a> {
    next: &'a [Vec<usize>],
    index: Vec<Option<usize>>,
    low: Vec<usize>,
    on_stack: Vec<bool>,
    stack: Vec<usize>,
    counter: usize,
    found: Vec<Vec<usize>>,
}

impl Tarjan<'_> {
    fn visit(&mut self, v: usize) {
        self.index[v] = Some(self.counter);
        self.low[v] = self.counter;
        self.counter += 1;
        self.stack.push(v);
        self.on_stack[v] = true;
        for &w in &self.next[v] {
            match self.index[w] {
                None => {
                    self.visit(w);
                    self.low[v] = self.low[v].min(self.low[w]);
                }
                Some(iw) if self.on_stack[w] => self.low[v] = self.low[v].min(iw),
                Some(_) => {}
            }
        }
        if Some(self.low[v]) == self.index[v] {
            let mut set = Vec::new();
            while let Some(w) = self.stack.pop() {
                self.on_stack[w] = false;
                set.push(w);
                if w == v {
                    break;
                }
            }
            self.found.push(set);
        }
    }
}
