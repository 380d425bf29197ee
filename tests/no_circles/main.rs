//! No circle anywhere (issue 19): in every folder of `src/`, `harness/src/`
//! and `interop/src/`, imports go one way only. A folder's children (its
//! files and subfolders) and its own `mod.rs` are the nodes; a child that
//! names a sibling (a `use`, or a `crate::`/`super::` path in code,
//! through `pub use` re-exports) is an edge. Test-only code
//! (`#[cfg(test)]` items and modules) is left out: tests may look anywhere.
#![forbid(unsafe_code)]

mod graph;
mod lex;
mod modules;

use std::path::{Path, PathBuf};

/// Every circle of the crate rooted at `root`, one line each with the
/// places that make its edges.
fn circles_of(root: &Path) -> Vec<String> {
    let modules = match modules::read_crate(root) {
        Ok(m) => m,
        Err(e) => return vec![format!("cannot read the crate: {e}")],
    };
    let mut found = Vec::new();
    for (folder, edges) in graph::edges(&modules) {
        for circle in graph::circles(&edges) {
            let folder_file = modules
                .get(&folder)
                .map(|m| m.file.display().to_string())
                .unwrap_or_default();
            let mut line = format!(
                "{} (folder of {folder_file}): {}",
                root.display(),
                circle.join(" <-> ")
            );
            for ((a, b), place) in &edges {
                if circle.contains(a) && circle.contains(b) {
                    line.push_str(&format!("\n    {a} -> {b}: {place}"));
                }
            }
            found.push(line);
        }
    }
    found
}

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn no_folder_has_a_circle() {
    let roots = [
        "src/lib.rs",
        "harness/src/lib.rs",
        "harness/src/main.rs",
        "interop/src/lib.rs",
        "interop/src/main.rs",
    ];
    let mut found = Vec::new();
    for root in roots {
        found.extend(circles_of(&workspace().join(root)));
    }
    assert!(
        found.is_empty(),
        "{} circle(s):\n{}",
        found.len(),
        found.join("\n")
    );
}

/// A scratch crate under target/, written from (file, text) pairs.
fn scratch(name: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = workspace().join("target").join("no_circles").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    for (file, text) in files {
        let path = dir.join(file);
        std::fs::create_dir_all(path.parent().expect("a file in a folder"))
            .expect("scratch folder");
        std::fs::write(&path, text).expect("scratch file");
    }
    dir.join("lib.rs")
}

#[test]
fn a_file_pair_naming_each_other_is_found() {
    let root = scratch(
        "pair",
        &[
            ("lib.rs", "pub mod net;\n"),
            ("net/mod.rs", "mod sim;\nmod spec;\npub use sim::Engine;\n"),
            (
                "net/sim.rs",
                "use super::spec::Spec;\npub struct Engine(Spec);\n",
            ),
            // through the folder's re-export, in code rather than a `use`
            (
                "net/spec.rs",
                "pub struct Spec;\nfn engine() -> Option<super::Engine> { None }\n",
            ),
        ],
    );
    let found = circles_of(&root);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].contains("sim <-> spec"), "{found:?}");
    assert!(
        found[0].contains("spec.rs:2 names super::Engine"),
        "{found:?}"
    );
}

#[test]
fn a_longer_circle_and_one_through_a_group_are_found() {
    let root = scratch(
        "three",
        &[
            ("lib.rs", "mod a;\nmod b;\nmod c;\n"),
            ("a.rs", "use crate::{b::X, c::Y as Z};\n"),
            ("b.rs", "pub struct X; use crate::c::*;\n"),
            ("c.rs", "pub struct Y; fn f() { let _ = crate::a::g; }\n"),
        ],
    );
    let found = circles_of(&root);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].contains("a <-> b <-> c"), "{found:?}");
}

#[test]
fn downward_imports_test_code_and_other_crates_are_no_circle() {
    let root = scratch(
        "clean",
        &[
            ("lib.rs", "mod wire;\nmod ike;\n"),
            ("wire/mod.rs", "mod udp;\npub use udp::Udp;\n#[cfg(test)]\nmod tests;\n"),
            ("wire/udp.rs", "pub struct Udp; use super::Error; // super::super::ike::Ike in a comment\n"),
            ("wire/tests.rs", "use crate::ike::Ike;\n"),
            ("ike.rs", "use crate::wire::Udp;\nuse std::fmt;\npub struct Ike;\n#[cfg(test)]\nmod t { use crate::ike::Ike; fn f() { let _ = \"crate::wire\"; } }\n"),
        ],
    );
    assert_eq!(circles_of(&root), Vec::<String>::new());
}
