//! `l2tpsec test <path>...`: every scenario under some paths, as a test
//! suite for a CI job (SCENARIOS.md, "Command line", third round).
//!
//! A path is a scenario file or a folder, searched recursively for
//! `*.yaml` in path order (folders named `base`, which hold `base:` files,
//! and hidden ones are skipped; symbolic links to folders are not
//! followed). Each scenario runs as `l2tpsec run` runs it (its seed, the
//! event engine), its expectations are checked and, with `--snapshots
//! DIR`, its text report is compared to `DIR/<name>.snap`.
//!
//! Output: `PASS name`, `FAIL name: <first failed expectation>` or
//! `ERROR name: <why>` per scenario, in order, with indented details, then
//! `N scenarios: P passed, F failed, E errors`. Exit status: 2 when any
//! scenario was an error (bad input), else 1 when any failed, else 0.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write as _;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use l2tpsec::net::Engine;

use super::junit::{self, Case, CaseEnd};
use super::snapshot::{self, SnapshotCheck};
use super::{EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK};
use crate::report::{expect, render_text, Verdict};
use crate::run::{run, RunOptions};
use crate::scenario::load;
use crate::scenario::schema::Locale;

/// What `test` was asked for.
#[derive(Clone, Debug)]
pub struct TestArgs {
    pub paths: Vec<PathBuf>,
    pub snapshots: Option<PathBuf>,
    /// Write the snapshots that differ or are missing.
    pub accept: bool,
    pub junit: Option<PathBuf>,
    pub locale: Option<Locale>,
}

/// A scenario file found under a path argument.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Found {
    file: PathBuf,
    /// The folder given (a file's own folder): `base:` files are looked up
    /// beside the scenario, then in `<root>/base/`.
    root: PathBuf,
    /// `l2tpsec.<root folder>[.<subfolder>...]`.
    class: String,
}

/// A path argument that gave nothing to run.
#[derive(Clone, Debug, PartialEq, Eq)]
struct BadPath {
    path: String,
    message: String,
}

pub fn cmd_test(args: &TestArgs) -> u8 {
    let mut cases = Vec::new();
    let mut seen = BTreeSet::new();
    // Scenario name -> its file: a name is a snapshot file and a JUnit
    // test name, so two files must not share one.
    let mut names = BTreeMap::new();
    let mut stdout = std::io::stdout().lock();
    for path in &args.paths {
        for found in discover(path) {
            let (case, note) = match found {
                Ok(f) => {
                    // The same file under two arguments runs once.
                    let key = std::fs::canonicalize(&f.file).unwrap_or_else(|_| f.file.clone());
                    if !seen.insert(key) {
                        continue;
                    }
                    test_one(&f, args, &mut names)
                }
                Err(bad) => {
                    let class = "l2tpsec".to_string();
                    let case = Case::error(bad.path, class, bad.message, String::new());
                    (case, None)
                }
            };
            // One line as each scenario ends: a long suite shows progress.
            let _ = stdout.write_all(case_lines(&case, note.as_deref()).as_bytes());
            let _ = stdout.flush();
            cases.push(case);
        }
    }
    let passed = count(&cases, |e| matches!(e, CaseEnd::Pass));
    let failed = count(&cases, |e| matches!(e, CaseEnd::Failure { .. }));
    let errors = count(&cases, |e| matches!(e, CaseEnd::Error { .. }));
    let plural =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let _ = writeln!(
        stdout,
        "{}: {passed} passed, {failed} failed, {}",
        plural(cases.len(), "scenario", "scenarios"),
        plural(errors, "error", "errors")
    );
    let _ = stdout.flush();
    let mut status = if errors > 0 {
        EXIT_BAD_INPUT
    } else if failed > 0 {
        EXIT_FAILED
    } else {
        EXIT_OK
    };
    if let Some(file) = &args.junit {
        if let Err(e) = write_file(file, &junit::render(&cases)) {
            eprintln!("{}: cannot write the JUnit report: {e}", file.display());
            status = EXIT_BAD_INPUT;
        }
    }
    status
}

fn count(cases: &[Case], f: impl Fn(&CaseEnd) -> bool) -> usize {
    cases.iter().filter(|c| f(&c.end)).count()
}

/// `file`'s contents become `text`, its folder created.
fn write_file(file: &Path, text: &str) -> std::io::Result<()> {
    if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(file, text)
}

/// The stdout lines of one case: its verdict line (a note in parentheses
/// after PASS), then its details indented by four spaces.
fn case_lines(c: &Case, note: Option<&str>) -> String {
    let (head, details) = match &c.end {
        CaseEnd::Pass => match note {
            Some(n) => (format!("PASS {} ({n})", c.name), ""),
            None => (format!("PASS {}", c.name), ""),
        },
        CaseEnd::Failure { message, details } => {
            (format!("FAIL {}: {message}", c.name), &details[..])
        }
        CaseEnd::Error { message, details } => {
            (format!("ERROR {}: {message}", c.name), &details[..])
        }
    };
    let mut out = head;
    out.push('\n');
    for line in details.lines() {
        out.push_str("    ");
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// The scenario files under `path`, sorted, or why there are none.
fn discover(path: &Path) -> Vec<Result<Found, BadPath>> {
    let bad = |message: String| {
        vec![Err(BadPath {
            path: path.display().to_string(),
            message,
        })]
    };
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) => return bad(format!("cannot read: {e}")),
    };
    if meta.is_file() {
        let root = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let class = class_of(&root, &[]);
        return vec![Ok(Found {
            file: path.to_path_buf(),
            root,
            class,
        })];
    }
    let mut out = Vec::new();
    walk(path, path, &mut Vec::new(), &mut out);
    if out.is_empty() {
        return bad("no *.yaml scenario in this folder".into());
    }
    out
}

/// Appends the `*.yaml` files of `dir` (at `sub` below `root`) and of its
/// subfolders, sorted by name, folders after the files beside them.
fn walk(root: &Path, dir: &Path, sub: &mut Vec<String>, out: &mut Vec<Result<Found, BadPath>>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(rd) => rd.collect::<Result<Vec<_>, _>>(),
        Err(e) => Err(e),
    };
    let mut entries = match entries {
        Ok(v) => v,
        Err(e) => {
            out.push(Err(BadPath {
                path: dir.display().to_string(),
                message: format!("cannot read the folder: {e}"),
            }));
            return;
        }
    };
    entries.sort_by_key(|e| e.file_name());
    let mut folders = Vec::new();
    for e in entries {
        let name = e.file_name().to_string_lossy().into_owned();
        let p = e.path();
        if name.starts_with('.') {
            continue;
        }
        // file_type does not follow links: a link to a folder is not
        // walked (no loops); a link to a file is read.
        let Ok(t) = e.file_type() else { continue };
        if t.is_dir() {
            if name != "base" {
                folders.push((name, p));
            }
        } else if p.extension().is_some_and(|x| x == "yaml") && p.is_file() {
            out.push(Ok(Found {
                file: p,
                root: root.to_path_buf(),
                class: class_of(root, sub),
            }));
        }
    }
    for (name, p) in folders {
        sub.push(name);
        walk(root, &p, sub, out);
        sub.pop();
    }
}

/// `l2tpsec.<root's folder name>.<sub>...`; the root's name is looked up
/// when the path has none (`.`).
fn class_of(root: &Path, sub: &[String]) -> String {
    let named = root
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .or_else(|| {
            std::fs::canonicalize(root)
                .ok()
                .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        });
    let mut class = String::from("l2tpsec");
    for part in named.iter().chain(sub) {
        class.push('.');
        class.push_str(part);
    }
    class
}

/// Loads, runs and checks one scenario; the note says what it wrote.
/// `names` holds the scenarios seen so far.
fn test_one(
    f: &Found,
    args: &TestArgs,
    names: &mut BTreeMap<String, PathBuf>,
) -> (Case, Option<String>) {
    let stem = f
        .file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let error = |name: String, message: String, details: String| {
        let case = Case::error(name, f.class.clone(), message, details);
        (case, None)
    };
    let s = match load::load_file(&f.file, &f.root) {
        Ok(s) => s,
        Err(e) => {
            // An invalid scenario may have several located problems.
            let text = e.to_string();
            let (first, rest) = text.split_once('\n').unwrap_or((&text, ""));
            return error(stem, first.to_string(), rest.to_string());
        }
    };
    if let Some(other) = names.insert(s.name.clone(), f.file.clone()) {
        let message = format!(
            "{}: the name '{}' is already {}'s",
            f.file.display(),
            s.name,
            other.display()
        );
        // The first keeps the name (and its snapshot).
        names.insert(s.name.clone(), other);
        return error(s.name, message, String::new());
    }
    let opts = RunOptions {
        seed: s.seed,
        locale: args.locale.unwrap_or(s.locale),
        want_pcap: false,
        want_keys: false,
        engine: Engine::default(),
    };
    // A panic is one scenario's error, not the end of the suite.
    let out = match panic::catch_unwind(AssertUnwindSafe(|| run(&s, &opts))) {
        Ok(Ok(out)) => out,
        Ok(Err(e)) => return error(s.name, format!("could not run: {e}"), String::new()),
        Err(payload) => {
            let why = payload
                .downcast_ref::<&str>()
                .map(|m| m.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            return error(s.name, format!("panicked: {why}"), String::new());
        }
    };
    let mut report = out.report;
    expect::finish(&s, &mut report);
    let text = render_text(&report);

    let mut message = None;
    let mut details = String::new();
    if report.verdict == Verdict::Fail {
        for e in report.expectations.iter().filter(|e| !e.ok) {
            message.get_or_insert_with(|| e.what.clone());
            details.push_str(&format!("✗ {}\n", e.what));
            if !e.detail.is_empty() {
                details.push_str(&format!("    {}\n", e.detail));
            }
        }
    }
    let mut wrote = None;
    if let Some(dir) = &args.snapshots {
        match snapshot::check(dir, &s.name, &text, args.accept) {
            Ok(SnapshotCheck::Same) => {}
            Ok(SnapshotCheck::Written(file)) => wrote = Some(file),
            Ok(SnapshotCheck::Missing(file)) => {
                let m = format!("no snapshot {} (--accept writes it)", file.display());
                // Listed under the failed expectations; alone, the FAIL
                // line says it.
                if message.is_some() {
                    details.push_str(&m);
                    details.push('\n');
                }
                message.get_or_insert(m);
            }
            Ok(SnapshotCheck::Differs { file, diff }) => {
                message.get_or_insert_with(|| format!("snapshot {} differs", file.display()));
                details.push_str(&diff);
            }
            Err(e) => return error(s.name, e.to_string(), String::new()),
        }
    }
    let end = match message {
        Some(message) => CaseEnd::Failure { message, details },
        None => CaseEnd::Pass,
    };
    let case = Case {
        name: s.name,
        class: f.class.clone(),
        sim_time_ms: report.sim_time_ms,
        end,
    };
    (case, wrote.map(|file| format!("wrote {}", file.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("l2tpsec-cli-test-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn folders_are_walked_sorted_without_base_and_hidden_folders() {
        let d = temp("walk");
        for f in [
            "b.yaml",
            "a.yaml",
            "notes.txt",
            "base/x.yaml",
            ".git/y.yaml",
            "sub/c.yaml",
        ] {
            let p = d.join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, "").unwrap();
        }
        let found: Vec<Found> = discover(&d).into_iter().map(Result::unwrap).collect();
        let names: Vec<_> = found
            .iter()
            .map(|f| f.file.strip_prefix(&d).unwrap().display().to_string())
            .collect();
        assert_eq!(names, ["a.yaml", "b.yaml", "sub/c.yaml"]);
        let root = d.file_name().unwrap().to_string_lossy().into_owned();
        assert_eq!(found[0].class, format!("l2tpsec.{root}"));
        assert_eq!(found[2].class, format!("l2tpsec.{root}.sub"));
        assert!(found.iter().all(|f| f.root == d));
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn a_missing_path_or_an_empty_folder_is_bad_input() {
        let d = temp("empty");
        let e = discover(&d.join("nothere")).pop().unwrap().unwrap_err();
        assert_eq!(e.path, d.join("nothere").display().to_string());
        assert!(e.message.starts_with("cannot read: "), "{}", e.message);
        let e = discover(&d).pop().unwrap().unwrap_err();
        assert_eq!(e.message, "no *.yaml scenario in this folder");
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn details_are_indented_under_the_verdict_line() {
        let c = Case {
            name: "x".into(),
            class: "l2tpsec".into(),
            sim_time_ms: 0,
            end: CaseEnd::Failure {
                message: "client connected".into(),
                details: "✗ client connected\n    got error 792\n".into(),
            },
        };
        assert_eq!(
            case_lines(&c, None),
            "FAIL x: client connected\n    ✗ client connected\n        got error 792\n"
        );
    }
}
