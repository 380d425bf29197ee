//! The Windows machine model (WINDOWS.md): the XP RAS client, the Server
//! 2003 RRAS server, their event logs, IP Security Monitor, and the message
//! catalog every text comes from.

// Leaves: texts, logs, data.
pub mod catalog;
pub mod config;
pub mod connectoid;
pub mod diagnostics;
pub mod errors;
pub mod eventlog;
pub mod monitor;
pub mod registry;
pub mod rras;
pub mod stack;
pub mod version;
// Components, each sans-IO and unaware of its siblings.
pub mod audit;
pub mod call_end;
pub mod carrier;
pub mod client;
pub mod ipsec;
pub mod pptp_calls;
pub mod server;
// The composition.
pub mod machine;

pub use catalog::Locale;
pub use config::MachineConfig;
pub use machine::WindowsMachine;

#[cfg(test)]
mod lab_tests;

#[cfg(test)]
mod shape_tests {
    //! DESIGN.md: files of `windows/` import each other without circles.

    use std::collections::{BTreeMap, BTreeSet};
    use std::path::Path;

    /// The sibling modules each file of `windows/` names with `super::`.
    fn imports() -> BTreeMap<String, BTreeSet<String>> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/windows");
        let mut graph = BTreeMap::new();
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        for path in files {
            let (name, text) = if path.is_dir() {
                let name = path.file_name().unwrap().to_string_lossy().into_owned();
                let mut text = String::new();
                for f in std::fs::read_dir(&path).unwrap() {
                    text += &std::fs::read_to_string(f.unwrap().path()).unwrap();
                }
                // Inside the folder, siblings of windows/ are super::super::.
                (name, text.replace("super::super::", "super::"))
            } else {
                let name = path.file_stem().unwrap().to_string_lossy().into_owned();
                (name, std::fs::read_to_string(&path).unwrap())
            };
            if name == "mod" || name.ends_with("_tests") {
                continue;
            }
            let mut used = BTreeSet::new();
            for (i, _) in text.match_indices("super::") {
                let rest = &text[i + "super::".len()..];
                let module: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if !module.is_empty() && module != name {
                    used.insert(module);
                }
            }
            graph.insert(name, used);
        }
        graph
    }

    #[test]
    fn no_two_files_of_windows_import_each_other_in_a_circle() {
        let graph = imports();
        // Depth-first search for a cycle, reporting its path.
        fn visit(
            n: &str,
            graph: &BTreeMap<String, BTreeSet<String>>,
            path: &mut Vec<String>,
            done: &mut BTreeSet<String>,
        ) -> Option<Vec<String>> {
            if let Some(i) = path.iter().position(|p| p == n) {
                return Some(path[i..].to_vec());
            }
            if done.contains(n) {
                return None;
            }
            path.push(n.to_string());
            for m in graph.get(n).into_iter().flatten() {
                if graph.contains_key(m) {
                    if let Some(c) = visit(m, graph, path, done) {
                        return Some(c);
                    }
                }
            }
            path.pop();
            done.insert(n.to_string());
            None
        }
        let mut done = BTreeSet::new();
        for n in graph.keys() {
            let cycle = visit(n, &graph, &mut Vec::new(), &mut done);
            assert!(cycle.is_none(), "import circle: {cycle:?}\n{graph:#?}");
        }
        // Only the machine composes the components.
        for component in ["client", "server", "ipsec"] {
            for other in ["client", "server", "ipsec", "machine"] {
                if component != other && !(component == "client" && other == "ipsec") {
                    assert!(
                        !graph[component].contains(other),
                        "{component} imports {other}"
                    );
                }
            }
        }
    }
}
