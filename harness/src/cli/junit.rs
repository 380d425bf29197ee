//! The JUnit XML `l2tpsec test --junit FILE` writes: the subset CI servers
//! read (GitHub test reporters, GitLab, Jenkins), written by hand because
//! it is a dozen lines of XML.
//!
//! ```xml
//! <testsuite name="l2tpsec" tests="3" failures="1" errors="0" time="12.345">
//!   <testcase name="psk-connect" classname="l2tpsec.scenarios" time="7.417"/>
//!   <testcase name="x" classname="l2tpsec.scenarios" time="6.193">
//!     <failure message="client connected">...</failure>
//!   </testcase>
//! </testsuite>
//! ```
//!
//! `time` is the simulated time of each run, not wall time, so the file is
//! the same on every run of the same scenarios.

use std::fmt::Write as _;

/// How one test case ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CaseEnd {
    Pass,
    /// An expectation or a snapshot did not hold.
    Failure {
        message: String,
        details: String,
    },
    /// The scenario could not be checked (bad input, a run that could not
    /// start or panicked).
    Error {
        message: String,
        details: String,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Case {
    pub name: String,
    /// `l2tpsec.<folder>`.
    pub class: String,
    /// Simulated time of the run; 0 when it did not run.
    pub sim_time_ms: u64,
    pub end: CaseEnd,
}

impl Case {
    /// A case that could not be checked; it did not run (time 0).
    pub fn error(name: String, class: String, message: String, details: String) -> Case {
        Case {
            name,
            class,
            sim_time_ms: 0,
            end: CaseEnd::Error { message, details },
        }
    }
}

/// Seconds with milliseconds, as JUnit's `time` attribute takes them.
fn seconds(ms: u64) -> String {
    format!("{}.{:03}", ms / 1000, ms % 1000)
}

/// `s` made safe inside an XML 1.0 attribute value (`attribute`) or element
/// text. Characters XML 1.0 cannot carry at all (most C0 controls) become
/// U+FFFD; in an attribute, tab and line ends are written as references so
/// attribute-value normalisation keeps them.
pub fn escape(s: &str, attribute: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attribute => out.push_str("&quot;"),
            '\'' if attribute => out.push_str("&apos;"),
            '\t' | '\n' | '\r' if attribute => {
                let _ = write!(out, "&#{};", u32::from(c));
            }
            '\t' | '\n' => out.push(c),
            // A lone CR would read back as a line end.
            '\r' => out.push_str("&#13;"),
            // XML 1.0 2.2 Char: no other C0 control, no U+FFFE/U+FFFF.
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// The whole document for `cases`, in their order.
pub fn render(cases: &[Case]) -> String {
    let failures = cases
        .iter()
        .filter(|c| matches!(c.end, CaseEnd::Failure { .. }))
        .count();
    let errors = cases
        .iter()
        .filter(|c| matches!(c.end, CaseEnd::Error { .. }))
        .count();
    let total_ms = cases
        .iter()
        .fold(0u64, |a, c| a.saturating_add(c.sim_time_ms));
    let mut o = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        o,
        "<testsuite name=\"l2tpsec\" tests=\"{}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"0\" time=\"{}\">",
        cases.len(),
        seconds(total_ms)
    );
    for c in cases {
        let _ = write!(
            o,
            "  <testcase name=\"{}\" classname=\"{}\" time=\"{}\"",
            escape(&c.name, true),
            escape(&c.class, true),
            seconds(c.sim_time_ms)
        );
        let (tag, message, details) = match &c.end {
            CaseEnd::Pass => {
                o.push_str("/>\n");
                continue;
            }
            CaseEnd::Failure { message, details } => ("failure", message, details),
            CaseEnd::Error { message, details } => ("error", message, details),
        };
        let _ = writeln!(
            o,
            ">\n    <{tag} message=\"{}\">{}</{tag}>\n  </testcase>",
            escape(message, true),
            escape(details, false)
        );
    }
    o.push_str("</testsuite>\n");
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_quotes_and_controls_are_escaped() {
        assert_eq!(
            escape("a<b & \"c\" 'd'>", true),
            "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;"
        );
        assert_eq!(escape("a<b & \"c\">", false), "a&lt;b &amp; \"c\"&gt;");
        assert_eq!(escape("x\ny\tz", true), "x&#10;y&#9;z");
        assert_eq!(escape("x\ny\r\n", false), "x\ny&#13;\n");
        assert_eq!(escape("bell\u{7} nul\0", false), "bell\u{fffd} nul\u{fffd}");
        assert_eq!(escape("✗ déjà", true), "✗ déjà");
    }

    #[test]
    fn a_suite_counts_failures_and_errors_and_sums_simulated_time() {
        let case = |name: &str, ms, end| Case {
            name: name.into(),
            class: "l2tpsec.scenarios".into(),
            sim_time_ms: ms,
            end,
        };
        let xml = render(&[
            case("a", 7417, CaseEnd::Pass),
            case(
                "b<",
                1500,
                CaseEnd::Failure {
                    message: "client error 792".into(),
                    details: "✗ client error 792\n    got 800 & more".into(),
                },
            ),
            case(
                "c",
                0,
                CaseEnd::Error {
                    message: "c.yaml:3:11: invalid type".into(),
                    details: String::new(),
                },
            ),
        ]);
        assert_eq!(
            xml,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
             <testsuite name=\"l2tpsec\" tests=\"3\" failures=\"1\" errors=\"1\" skipped=\"0\" time=\"8.917\">\n\
             \x20 <testcase name=\"a\" classname=\"l2tpsec.scenarios\" time=\"7.417\"/>\n\
             \x20 <testcase name=\"b&lt;\" classname=\"l2tpsec.scenarios\" time=\"1.500\">\n\
             \x20   <failure message=\"client error 792\">✗ client error 792\n    got 800 &amp; more</failure>\n\
             \x20 </testcase>\n\
             \x20 <testcase name=\"c\" classname=\"l2tpsec.scenarios\" time=\"0.000\">\n\
             \x20   <error message=\"c.yaml:3:11: invalid type\"></error>\n\
             \x20 </testcase>\n\
             </testsuite>\n"
        );
    }
}
