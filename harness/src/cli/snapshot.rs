//! The snapshots of `l2tpsec test --snapshots DIR [--accept]`:
//! `DIR/<scenario>.snap` holds the text report `l2tpsec run` prints.
//!
//! Read back, a file may start with insta's `---` header (this
//! repository's snapshots/ do), which is skipped, and kept when `--accept`
//! rewrites it; line ends may be CRLF (a Windows checkout) and the number
//! of final newlines is not compared (editors add or drop one).

use std::path::{Path, PathBuf};

/// What comparing a report with its snapshot found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SnapshotCheck {
    Same,
    /// `--accept` wrote it: it was missing or differed.
    Written(PathBuf),
    Missing(PathBuf),
    /// A unified diff, snapshot (`-`) to report (`+`).
    Differs {
        file: PathBuf,
        diff: String,
    },
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SnapshotError {
    #[error("{}: cannot read the snapshot: {source}", .file.display())]
    Read {
        file: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: cannot write the snapshot: {source}", .file.display())]
    Write {
        file: PathBuf,
        source: std::io::Error,
    },
}

/// Compares `report` with `DIR/<name>.snap`; with `accept`, writes it
/// there instead of failing.
pub fn check(
    dir: &Path,
    name: &str,
    report: &str,
    accept: bool,
) -> Result<SnapshotCheck, SnapshotError> {
    let file = dir.join(format!("{name}.snap"));
    let header = match std::fs::read_to_string(&file) {
        Ok(old) => {
            let old = old.replace("\r\n", "\n");
            let (header, body) = split_header(&old);
            let (body, new) = (normalise(body), normalise(report));
            if body == new {
                return Ok(SnapshotCheck::Same);
            }
            if !accept {
                let diff = diff(&body, &new, &file.display().to_string());
                return Ok(SnapshotCheck::Differs { file, diff });
            }
            header.to_string()
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if !accept {
                return Ok(SnapshotCheck::Missing(file));
            }
            String::new()
        }
        Err(source) => return Err(SnapshotError::Read { file, source }),
    };
    let written = std::fs::create_dir_all(dir)
        .and_then(|()| std::fs::write(&file, format!("{header}{}", normalise(report))));
    match written {
        Ok(()) => Ok(SnapshotCheck::Written(file)),
        Err(source) => Err(SnapshotError::Write { file, source }),
    }
}

/// An insta header (`---` line, its fields, `---` line) and the rest.
fn split_header(text: &str) -> (&str, &str) {
    if let Some(rest) = text.strip_prefix("---\n") {
        if let Some(end) = rest.find("\n---\n") {
            let at = "---\n".len() + end + "\n---\n".len();
            return text.split_at(at);
        }
    }
    ("", text)
}

/// One final newline, whatever there was.
fn normalise(text: &str) -> String {
    let mut s = text.trim_end_matches(['\n', '\r']).to_string();
    s.push('\n');
    s
}

/// A unified diff with three lines of context.
fn diff(old: &str, new: &str, file: &str) -> String {
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(file, "report")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("l2tpsec-snapshot-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        d
    }

    #[test]
    fn accept_writes_then_the_same_report_passes_and_another_differs() {
        let d = temp("round-trip");
        let report = "scenario x\n\n== dials\n  client: connected\n";
        assert_eq!(
            check(&d, "x", report, false).unwrap(),
            SnapshotCheck::Missing(d.join("x.snap"))
        );
        assert_eq!(
            check(&d, "x", report, true).unwrap(),
            SnapshotCheck::Written(d.join("x.snap"))
        );
        assert_eq!(check(&d, "x", report, false).unwrap(), SnapshotCheck::Same);
        let other = report.replace("connected", "error 792");
        let SnapshotCheck::Differs { diff, .. } = check(&d, "x", &other, false).unwrap() else {
            panic!("not a difference");
        };
        assert!(
            diff.contains("-  client: connected\n+  client: error 792\n"),
            "{diff}"
        );
        assert!(
            diff.starts_with(&format!(
                "--- {}\n+++ report\n@@",
                d.join("x.snap").display()
            )),
            "{diff}"
        );
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn an_insta_header_crlf_and_final_newlines_are_not_compared() {
        let d = temp("insta");
        std::fs::create_dir_all(&d).unwrap();
        let header = "---\nsource: harness/tests/scenarios.rs\n---\n";
        std::fs::write(
            d.join("x.snap"),
            format!("{header}scenario x\r\n== dials\r\n"),
        )
        .unwrap();
        let report = "scenario x\n== dials\n\n";
        assert_eq!(check(&d, "x", report, false).unwrap(), SnapshotCheck::Same);
        // Accepting a change keeps the header.
        check(&d, "x", "scenario x\n", true).unwrap();
        let text = std::fs::read_to_string(d.join("x.snap")).unwrap();
        assert_eq!(text, format!("{header}scenario x\n"));
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn a_snapshot_that_is_not_text_is_an_error() {
        let d = temp("binary");
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join("x.snap"), [0xff, 0xfe]).unwrap();
        let e = check(&d, "x", "scenario x\n", false).unwrap_err();
        assert!(
            e.to_string().contains("x.snap: cannot read the snapshot"),
            "{e}"
        );
        let _ = std::fs::remove_dir_all(&d);
    }
}
