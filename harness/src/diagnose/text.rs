//! The words of `diagnose`, in French and English. These are our own
//! sentences, not Windows strings (those come from the catalog): what a
//! capture fact means in the article's terms.

use crate::scenario::schema::Locale;

/// One phrase in both locales.
struct Phrase {
    fr: &'static str,
    en: &'static str,
}

const fn p(fr: &'static str, en: &'static str) -> Phrase {
    Phrase { fr, en }
}

fn pick(locale: Locale, ph: &Phrase) -> &'static str {
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
    ("nat-t", "no", p("rien sur UDP 4500", "nothing on UDP 4500")),
    (
        "nat-t",
        "yes",
        p("NAT-T : trafic sur UDP 4500", "NAT-T: traffic on UDP 4500"),
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

/// What `feature = value` means; the raw pair when unknown.
pub fn fact(locale: Locale, feature: &str, value: &str) -> String {
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

/// Labels of the text report.
#[derive(Clone, Copy, Debug)]
pub enum Label {
    Observed,
    Error,
    Capture,
    Event,
    NothingObserved,
    Matched,
    NotMatched,
    Check,
    Settings,
    Article,
    AsSeenOn,
    Connects,
    ThisCause,
    TellApart,
    OnClient,
    OnServer,
    ClientWindows,
    Logged,
    NotLogged,
    Text,
    SameSymptoms,
    NoCause,
    ArticleFirst,
    Score,
}

const LABELS: &[(Label, Phrase)] = &[
    (Label::Observed, p("Observé", "Observed")),
    (Label::Error, p("erreur", "error")),
    (Label::Capture, p("capture", "capture")),
    (Label::Event, p("événement", "event")),
    (
        Label::NothingObserved,
        p(
            "rien (donnez --error, --event ou --capture)",
            "nothing (give --error, --event or --capture)",
        ),
    ),
    (Label::Matched, p("concorde", "matches")),
    (Label::NotMatched, p("ne concorde pas", "does not match")),
    (Label::Check, p("à vérifier ou changer", "check or change")),
    (Label::Settings, p("le scénario règle", "the scenario sets")),
    (Label::Article, p("article", "article")),
    (
        Label::AsSeenOn,
        p(
            "la capture ressemble à celle de",
            "the capture matches the one on",
        ),
    ),
    (
        Label::Connects,
        p("la connexion réussit", "the call connects"),
    ),
    (Label::ThisCause, p("cette cause", "this cause")),
    (
        Label::TellApart,
        p(
            "Ce qui distingue les causes à égalité",
            "What tells the tied causes apart",
        ),
    ),
    (Label::OnClient, p("sur le client", "on the client")),
    (Label::OnServer, p("sur le serveur", "on the server")),
    (
        Label::ClientWindows,
        p("version de Windows du client", "the client's Windows"),
    ),
    (Label::Logged, p("journalisé", "logged")),
    (Label::NotLogged, p("non journalisé", "not logged")),
    (Label::Text, p("texte", "text")),
    (
        Label::SameSymptoms,
        p(
            "mêmes symptômes, seuls les paramètres diffèrent",
            "same symptoms, only the settings differ",
        ),
    ),
    (
        Label::NoCause,
        p(
            "aucune cause de la bibliothèque ne concorde",
            "no cause of the library matches",
        ),
    ),
    (
        Label::ArticleFirst,
        p(
            "à égalité, les causes de la plate-forme de l'article (XP sans SP2) d'abord",
            "on equal scores, causes on the article's platform (XP without SP2) first",
        ),
    ),
    (Label::Score, p("score", "score")),
];

pub fn label(locale: Locale, l: Label) -> &'static str {
    LABELS
        .iter()
        .find(|(x, _)| std::mem::discriminant(x) == std::mem::discriminant(&l))
        .map_or("", |(_, ph)| pick(locale, ph))
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
                }
            }
        }
    }
}
