//! The words of `diagnose`, in French and English. These are our own
//! sentences, not Windows strings (those come from the catalog): what a
//! capture fact means in the article's terms.

use super::facts::UNSEEN;
use super::ike::notify_number;
use crate::scenario::schema::Locale;

/// One phrase in both locales.
pub(super) struct Phrase {
    fr: &'static str,
    en: &'static str,
}

pub(super) const fn p(fr: &'static str, en: &'static str) -> Phrase {
    Phrase { fr, en }
}

pub(super) fn pick(locale: Locale, ph: &Phrase) -> &'static str {
    match locale {
        Locale::FrFr => ph.fr,
        Locale::EnUs => ph.en,
    }
}

/// (feature, value) -> its meaning.
const FACTS: &[(&str, &str, Phrase)] = &[
    ("isakmp", "none", p("aucun ISAKMP", "no ISAKMP")),
    (
        "isakmp",
        "initiator-only",
        p(
            "ISAKMP envoyé par l'initiateur seulement, sans réponse",
            "ISAKMP from the initiator only, never answered",
        ),
    ),
    (
        "isakmp",
        "responder-only",
        p(
            "ISAKMP du répondeur seulement",
            "ISAKMP from the responder only",
        ),
    ),
    (
        "isakmp",
        "both",
        p("ISAKMP dans les deux sens", "ISAKMP both ways"),
    ),
    ("ike", "none", p("pas de mode principal", "no Main Mode")),
    (
        "ike",
        "main-mode-only",
        p(
            "mode principal sans mode rapide",
            "Main Mode but no Quick Mode",
        ),
    ),
    (
        "ike",
        "quick-mode",
        p("mode rapide négocié", "Quick Mode seen"),
    ),
    (
        "main-mode",
        "none",
        p("aucun message du mode principal", "no Main Mode message"),
    ),
    (
        "main-mode",
        "1",
        p(
            "mode principal : message 1 seulement",
            "Main Mode: message 1 only",
        ),
    ),
    (
        "main-mode",
        "1-2",
        p(
            "mode principal : messages 1 et 2, pas de message 3",
            "Main Mode: messages 1-2, no message 3",
        ),
    ),
    (
        "main-mode",
        "3",
        p(
            "mode principal : jusqu'au message 3, pas de message 4",
            "Main Mode: up to message 3, no message 4",
        ),
    ),
    (
        "main-mode",
        "3-4",
        p(
            "mode principal : messages 1 à 4, pas de message 5",
            "Main Mode: messages 1-4, no message 5",
        ),
    ),
    (
        "main-mode",
        "5",
        p(
            "mode principal : jusqu'au message 5, pas de message 6",
            "Main Mode: up to message 5, no message 6",
        ),
    ),
    (
        "main-mode",
        "5-6",
        p(
            "mode principal complet (messages 1 à 6)",
            "Main Mode complete (messages 1-6)",
        ),
    ),
    (
        "ike-notify",
        "none",
        p(
            "aucune notification IKE avant le mode rapide",
            "no IKE notify before Quick Mode",
        ),
    ),
    (
        "ike-notify",
        "encrypted",
        p(
            "une notification IKE chiffrée (Informational) avant le mode rapide",
            "an encrypted IKE Informational before Quick Mode",
        ),
    ),
    (
        "ike-notify",
        "other-notify",
        p(
            "une autre notification d'erreur IKE en clair",
            "another IKE error notify in the clear",
        ),
    ),
    (
        "isakmp-retransmissions",
        "none",
        p("aucun message ISAKMP renvoyé", "no ISAKMP message resent"),
    ),
    (
        "isakmp-retransmissions",
        "initiator",
        p(
            "l'initiateur renvoie des messages ISAKMP",
            "the initiator resends ISAKMP messages",
        ),
    ),
    (
        "isakmp-retransmissions",
        "responder",
        p(
            "le répondeur renvoie des messages ISAKMP (la suite ne lui parvient pas)",
            "the responder resends ISAKMP messages (what follows does not reach it)",
        ),
    ),
    (
        "isakmp-retransmissions",
        "both",
        p(
            "les deux côtés renvoient des messages ISAKMP",
            "both sides resend ISAKMP messages",
        ),
    ),
    (
        "nat-d",
        "no",
        p(
            "pas de NAT-D dans les messages 3 et 4",
            "no NAT-D in messages 3-4",
        ),
    ),
    (
        "nat-d",
        "yes",
        p(
            "NAT-D échangé (détection de NAT, RFC 3947)",
            "NAT-D exchanged (NAT detection, RFC 3947)",
        ),
    ),
    (
        "nat-t",
        "none",
        p("rien sur UDP 4500", "nothing on UDP 4500"),
    ),
    (
        "nat-t",
        "initiator-only",
        p(
            "UDP 4500 de l'initiateur seulement, sans réponse",
            "UDP 4500 from the initiator only, never answered",
        ),
    ),
    (
        "nat-t",
        "responder-only",
        p(
            "UDP 4500 du répondeur seulement",
            "UDP 4500 from the responder only",
        ),
    ),
    (
        "nat-t",
        "both",
        p(
            "NAT-T : UDP 4500 dans les deux sens",
            "NAT-T: UDP 4500 both ways",
        ),
    ),
    ("esp", "none", p("aucun ESP", "no ESP")),
    (
        "esp",
        "one-way-one-spi",
        p(
            "ESP dans un seul sens, un seul SPI",
            "ESP one way, with one SPI",
        ),
    ),
    (
        "esp",
        "one-way",
        p(
            "ESP dans un seul sens, plusieurs SPI",
            "ESP one way, several SPIs",
        ),
    ),
    ("esp", "both", p("ESP dans les deux sens", "ESP both ways")),
    ("l2tp", "none", p("pas de L2TP en clair", "no clear L2TP")),
    (
        "l2tp",
        "clear",
        p(
            "L2TP (UDP 1701) en clair, sans IPSec",
            "clear L2TP (UDP 1701), no IPsec",
        ),
    ),
    (
        "l2tp",
        "clear-under-policy",
        p(
            "L2TP (UDP 1701) en clair alors qu'IKE/ESP sont là (sous une stratégie)",
            "clear L2TP (UDP 1701) beside IKE/ESP (under a policy)",
        ),
    ),
    (
        "l2tp-retransmissions",
        "no",
        p("pas de retransmission L2TP", "no L2TP retransmission"),
    ),
    (
        "l2tp-retransmissions",
        "yes",
        p(
            "messages de contrôle L2TP retransmis",
            "L2TP control messages retransmitted",
        ),
    ),
    ("ppp", "none", p("PPP invisible", "no PPP in the clear")),
    (
        "ppp",
        "no-auth",
        p("PPP sans authentification", "PPP without authentication"),
    ),
    (
        "ppp",
        "auth-failed",
        p(
            "PPP : échec de l'authentification",
            "PPP: authentication failed",
        ),
    ),
    (
        "ppp",
        "terminated-after-auth",
        p(
            "PPP terminé après l'authentification",
            "PPP terminated after authentication",
        ),
    ),
    (
        "ppp",
        "up",
        p("PPP authentifié et établi", "PPP authenticated and up"),
    ),
    ("tcp-1723", "none", p("pas de TCP 1723", "no TCP 1723")),
    (
        "tcp-1723",
        "unanswered",
        p(
            "TCP 1723 : SYN sans réponse",
            "TCP 1723: SYN never answered",
        ),
    ),
    (
        "tcp-1723",
        "reset",
        p("TCP 1723 refusé (RST)", "TCP 1723 refused (RST)"),
    ),
    (
        "tcp-1723",
        "established",
        p("TCP 1723 établi", "TCP 1723 established"),
    ),
    ("gre", "none", p("aucun GRE", "no GRE")),
    ("gre", "one-way", p("GRE dans un seul sens", "GRE one way")),
    ("gre", "both", p("GRE dans les deux sens", "GRE both ways")),
];

/// Vendor value -> which IKE it is (`ike::VENDORS`).
const VENDOR_WORDS: &[(&str, Phrase)] = &[
    ("none", p("aucun vendor id", "no vendor id")),
    ("windows-2000", p("Windows 2000", "Windows 2000")),
    (
        "windows-xp",
        p("Windows XP (RTM ou SP1)", "Windows XP (RTM or SP1)"),
    ),
    (
        "windows-2003",
        p(
            "Windows Server 2003 ou XP SP2",
            "Windows Server 2003 or XP SP2",
        ),
    ),
    ("windows-vista", p("Windows Vista", "Windows Vista")),
    (
        "windows-2008",
        p("Windows Server 2008", "Windows Server 2008"),
    ),
    ("windows-7", p("Windows 7", "Windows 7")),
    (
        "windows-2008-r2",
        p("Windows Server 2008 R2", "Windows Server 2008 R2"),
    ),
    (
        "windows-8-or-later",
        p("Windows 8 ou ultérieur", "Windows 8 or later"),
    ),
    (
        "windows-other",
        p("une autre version de Windows", "another Windows version"),
    ),
    (
        "other",
        p(
            "pas Windows (d'autres vendor ids)",
            "not Windows (other vendor ids)",
        ),
    ),
];

/// What `feature = value` means; the raw pair when unknown.
pub fn fact(locale: Locale, feature: &str, value: &str) -> String {
    let c = match locale {
        Locale::FrFr => " : ",
        Locale::EnUs => ": ",
    };
    if value == UNSEEN {
        let not = pick(locale, &p("non observable", "not observable"));
        return format!("{}{c}{not}", feature_name(locale, feature));
    }
    let side = match feature {
        "initiator-vendor" => Some(p("IKE de l'initiateur", "the initiator's IKE")),
        "responder-vendor" => Some(p("IKE du répondeur", "the responder's IKE")),
        _ => None,
    };
    if let Some(side) = side {
        if let Some((_, words)) = VENDOR_WORDS.iter().find(|(v, _)| *v == value) {
            return format!("{}{c}{}", pick(locale, &side), pick(locale, words));
        }
    }
    if feature == "ike-notify" {
        if let Some(n) = notify_number(value) {
            let clear = pick(locale, &p("notification en clair", "notify in the clear"));
            return format!("{clear}{c}{} ({n})", value.to_uppercase());
        }
    }
    FACTS
        .iter()
        .find(|(f, v, _)| *f == feature && *v == value)
        .map_or_else(
            || format!("{feature}={value}"),
            |(_, _, ph)| pick(locale, ph).to_string(),
        )
}

/// Feature -> its name.
const FEATURE_NAMES: &[(&str, Phrase)] = &[
    ("isakmp", p("ISAKMP (UDP 500)", "ISAKMP (UDP 500)")),
    ("ike", p("avancement d'IKE", "how far IKE got")),
    (
        "main-mode",
        p(
            "mode principal (messages 1 à 6)",
            "Main Mode (messages 1-6)",
        ),
    ),
    (
        "ike-notify",
        p(
            "notification IKE avant le mode rapide",
            "IKE notify before Quick Mode",
        ),
    ),
    (
        "isakmp-retransmissions",
        p("renvois ISAKMP", "ISAKMP resends"),
    ),
    (
        "initiator-vendor",
        p(
            "IKE de l'initiateur (vendor id)",
            "the initiator's IKE (vendor id)",
        ),
    ),
    (
        "responder-vendor",
        p(
            "IKE du répondeur (vendor id)",
            "the responder's IKE (vendor id)",
        ),
    ),
    ("nat-d", p("NAT-D (RFC 3947)", "NAT-D (RFC 3947)")),
    ("nat-t", p("NAT-T (UDP 4500)", "NAT-T (UDP 4500)")),
    ("esp", p("ESP", "ESP")),
    (
        "l2tp",
        p("L2TP en clair (UDP 1701)", "clear L2TP (UDP 1701)"),
    ),
    (
        "l2tp-retransmissions",
        p("retransmissions L2TP", "L2TP retransmissions"),
    ),
    ("ppp", p("PPP en clair", "PPP in the clear")),
    ("tcp-1723", p("TCP 1723 (PPTP)", "TCP 1723 (PPTP)")),
    ("gre", p("GRE (protocole IP 47)", "GRE (IP protocol 47)")),
];

pub fn feature_name(locale: Locale, feature: &str) -> String {
    FEATURE_NAMES
        .iter()
        .find(|(f, _)| *f == feature)
        .map_or_else(
            || feature.to_string(),
            |(_, ph)| pick(locale, ph).to_string(),
        )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::facts::FEATURES;

    #[test]
    fn every_fact_value_has_words_in_both_locales() {
        for (feature, values) in FEATURES {
            for value in *values {
                for locale in [Locale::FrFr, Locale::EnUs] {
                    let s = fact(locale, feature, value);
                    assert_ne!(s, format!("{feature}={value}"), "{feature}={value}");
                    assert_ne!(feature_name(locale, feature), *feature, "{feature}");
                }
            }
        }
    }
}
