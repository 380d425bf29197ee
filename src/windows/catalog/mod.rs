//! The message catalog: every text a Windows machine shows or logs, in
//! en-US and fr-FR, each with where it comes from (WINDOWS.md, preamble).
//!
//! Article strings ([FR-KB]) are reproduced exactly; our own French
//! translations are marked [FR-OURS] so nobody mistakes them for Windows
//! text; texts whose layout Windows does not document are [MODEL].

use core::fmt;

/// One catalog entry, as the entry tables write it.
macro_rules! e {
    ($key:expr, $en:expr, $en_src:expr, $fr:expr, $fr_src:expr) => {
        Entry {
            key: $key,
            en_us: $en,
            en_source: $en_src,
            fr_fr: $fr,
            fr_source: $fr_src,
        }
    };
}

mod audits;
mod entries;

/// Report language (SCENARIOS.md `locale`).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Default,
    serde::Serialize,
    serde::Deserialize,
)]
pub enum Locale {
    #[default]
    #[serde(rename = "fr-FR")]
    FrFr,
    #[serde(rename = "en-US")]
    EnUs,
}

impl fmt::Display for Locale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.tag())
    }
}

impl Locale {
    pub fn tag(self) -> &'static str {
        match self {
            Locale::FrFr => "fr-FR",
            Locale::EnUs => "en-US",
        }
    }

    pub fn as_str(self) -> &'static str {
        self.tag()
    }

    pub fn from_tag(tag: &str) -> Option<Locale> {
        match tag {
            "fr-FR" => Some(Locale::FrFr),
            "en-US" => Some(Locale::EnUs),
            _ => None,
        }
    }
}

/// Where a text comes from (WINDOWS.md source marks).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Verbatim from the French article kb314831-fr.txt.
    FrKb,
    /// Verbatim from the Windows XP / Server 2003 message tables.
    Xp,
    /// Verbatim from a later Windows message table as the Windows SDK's
    /// raserror.h prints it (Vista and later, WINDOWS.md 10).
    RasErrorH,
    /// Verbatim from the Microsoft-Windows-Security-Auditing message
    /// table of Vista and later, and msobjs.dll's values for its `%%`
    /// fields (sources in `catalog/audits.rs`).
    SecurityAuditing,
    /// Our French translation of a Windows text.
    FrOurs,
    /// Our model: Windows does not document this text or layout.
    Model,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Source::FrKb => "FR-KB",
            Source::Xp => "XP",
            Source::RasErrorH => "RASERROR.H",
            Source::SecurityAuditing => "SECURITY-AUDITING",
            Source::FrOurs => "FR-OURS",
            Source::Model => "MODEL",
        })
    }
}

/// One catalog entry. `%1`..`%n` are insertion strings, as in Windows
/// message tables.
#[derive(Debug, Clone, Copy)]
pub struct Entry {
    pub key: &'static str,
    pub en_us: &'static str,
    pub en_source: Source,
    pub fr_fr: &'static str,
    pub fr_source: Source,
}

impl Entry {
    pub fn text(&self, locale: Locale) -> &'static str {
        match locale {
            Locale::EnUs => self.en_us,
            Locale::FrFr => self.fr_fr,
        }
    }

    pub fn source(&self, locale: Locale) -> Source {
        match locale {
            Locale::EnUs => self.en_source,
            Locale::FrFr => self.fr_source,
        }
    }
}

/// Looks an entry up by key.
pub fn entry(key: &str) -> Option<&'static Entry> {
    all().find(|e| e.key == key)
}

/// Every entry: the main table, then the audits of Vista and later.
fn all() -> impl Iterator<Item = &'static Entry> {
    entries::ENTRIES.iter().chain(audits::ENTRIES)
}

/// Renders `key` in `locale` with insertion strings; an unknown key renders
/// as itself so a missing entry is visible in reports rather than a panic.
pub fn render(locale: Locale, key: &str, args: &[String]) -> String {
    match entry(key) {
        Some(e) => substitute(e.text(locale), args),
        None => format!("<{key}>"),
    }
}

/// Replaces `%1`..`%n` (`%10` before `%1`); `%%` is not used by our texts.
fn substitute(text: &str, args: &[String]) -> String {
    let mut out = String::with_capacity(text.len() + 32);
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let digits = bytes[i + 1..]
                .iter()
                .take_while(|b| b.is_ascii_digit())
                .count();
            if digits > 0 {
                let n: usize = text[i + 1..i + 1 + digits].parse().unwrap_or(0);
                if let Some(arg) = n.checked_sub(1).and_then(|k| args.get(k)) {
                    out.push_str(arg);
                    i += 1 + digits;
                    continue;
                }
            }
        }
        // Copy one UTF-8 character.
        let ch_len = text[i..].chars().next().map_or(1, char::len_utf8);
        out.push_str(&text[i..i + ch_len]);
        i += ch_len;
    }
    out
}

/// The RAS error dialog line: "Erreur 742 : ..." / "Error 742: ..."
/// (WINDOWS.md 2).
pub fn ras_error_text(locale: Locale, code: u32) -> String {
    let message = ras_error_message(locale, code);
    match locale {
        Locale::FrFr => format!("Erreur {code} : {message}"),
        Locale::EnUs => format!("Error {code}: {message}"),
    }
}

/// The message of RAS error `code` alone, as XP words it.
pub fn ras_error_message(locale: Locale, code: u32) -> String {
    render(locale, &format!("ras.{code}"), &[])
}

/// Which message table a build's RAS errors come from: a code whose text
/// changed from Vista on has a `ras.<code>@vista` entry beside XP's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageTable {
    Xp,
    Vista,
}

/// The message of RAS error `code` in `table`'s words.
pub fn ras_error_message_in(locale: Locale, table: MessageTable, code: u32) -> String {
    let later = format!("ras.{code}@vista");
    if table == MessageTable::Vista && entry(&later).is_some() {
        return render(locale, &later, &[]);
    }
    ras_error_message(locale, code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn article_strings_are_exact() {
        assert_eq!(
            ras_error_message(Locale::FrFr, 742),
            "L'ordinateur distant ne prend pas en charge le type de chiffrement des données nécessaire."
        );
        assert!(ras_error_message(Locale::FrFr, 792)
            .contains("Le délai de la négociation de sécurité a été dépassé."));
        assert!(render(
            Locale::FrFr,
            "system.IPSec.4285",
            &["3".into(), "1.2.3.4".into()]
        )
        .starts_with("Échec de l'authentification du hachage"));
    }

    #[test]
    fn every_key_is_unique_and_has_both_languages() {
        let mut keys: Vec<&str> = all().map(|e| e.key).collect();
        keys.sort_unstable();
        let before = keys.len();
        keys.dedup();
        assert_eq!(before, keys.len(), "duplicate catalog key");
        for e in all() {
            assert!(!e.en_us.is_empty() && !e.fr_fr.is_empty(), "{}", e.key);
            assert!(
                !matches!(e.en_source, Source::FrKb | Source::FrOurs),
                "{}: an English text cannot have a French source",
                e.key
            );
        }
    }

    #[test]
    fn insertion_strings_replace_longest_number_first() {
        let args: Vec<String> = (1..=11).map(|n| format!("<{n}>")).collect();
        assert_eq!(substitute("%1 %10 %11 %2%", &args), "<1> <10> <11> <2>%");
        assert_eq!(substitute("é%3", &args[..2]), "é%3");
    }

    #[test]
    fn dialog_line_per_locale() {
        assert!(ras_error_text(Locale::FrFr, 691).starts_with("Erreur 691 : "));
        assert!(ras_error_text(Locale::EnUs, 691).starts_with("Error 691: Access was denied"));
    }
}
