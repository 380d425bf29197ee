//! The labels of `diagnose`'s report, in French and English (our own
//! words, like the rest of `text`).

use super::text::{p, pick, Phrase};
use crate::scenario::schema::Locale;

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
    CapturedOn,
    TheClient,
    TheServer,
    InferredClient,
    InferredServer,
    SideUnknown,
    NotObservable,
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
    (Label::CapturedOn, p("capture prise sur", "capture taken on")),
    (Label::TheClient, p("le client", "the client")),
    (Label::TheServer, p("le serveur", "the server")),
    (
        Label::InferredClient,
        p(
            "déduit : {host}, qui l'a prise, commence l'échange",
            "inferred: {host}, which took it, starts the exchange",
        ),
    ),
    (
        Label::InferredServer,
        p(
            "déduit : {host}, qui l'a prise, répond à l'échange",
            "inferred: {host}, which took it, answers the exchange",
        ),
    ),
    (
        Label::SideUnknown,
        p(
            "la capture ne le montre pas ; comparée aux deux côtés (précisez --capture-from client|server)",
            "the capture does not show it; compared with both sides (say it with --capture-from client|server)",
        ),
    ),
    (
        Label::NotObservable,
        p(
            "non observable dans cette capture",
            "not observable in this capture",
        ),
    ),
];

pub fn label(locale: Locale, l: Label) -> &'static str {
    LABELS
        .iter()
        .find(|(x, _)| std::mem::discriminant(x) == std::mem::discriminant(&l))
        .map_or("", |(_, ph)| pick(locale, ph))
}
