//! The catalog's texts. Keys: `ras.<code>` RAS errors (WINDOWS.md 2),
//! `system.<source>.<id>` and `security.<id>` event messages, `ias.reason.<n>`
//! IAS reason codes, `policy.*` built-in names.

use super::catalog::{Entry, Source::*};

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

pub static ENTRIES: &[Entry] = &[
    // RAS errors (WINDOWS.md 2).
    e!("ras.649", "The account does not have permission to dial in.", Xp,
       "Le compte n'a pas l'autorisation de se connecter à distance.", FrOurs),
    e!("ras.678", "The remote computer did not respond. For further assistance, click More Info or search Help and Support Center for this error number.", Xp,
       "L'ordinateur distant n'a pas répondu. Pour obtenir de l'aide, cliquez sur Plus d'infos ou recherchez ce numéro d'erreur dans le Centre d'aide et de support.", FrOurs),
    e!("ras.691", "Access was denied because the username and/or password was invalid on the domain.", Xp,
       "L'accès a été refusé, car le nom d'utilisateur et/ou le mot de passe n'est pas valide sur le domaine.", FrOurs),
    e!("ras.720", "A connection to the remote computer could not be established. You might need to change the network settings for this connection.", Xp,
       "Impossible d'établir une connexion avec l'ordinateur distant. Vous devrez peut-être modifier les paramètres réseau de cette connexion.", FrOurs),
    e!("ras.721", "The remote computer did not respond. For further assistance, click More Info or search Help and Support Center for this error number.", Xp,
       "L'ordinateur distant n'a pas répondu. Pour obtenir de l'aide, cliquez sur Plus d'infos ou recherchez ce numéro d'erreur dans le Centre d'aide et de support.", FrOurs),
    e!("ras.734", "The PPP link control protocol was terminated.", Xp,
       "Le protocole de contrôle de liaison PPP a été interrompu.", FrOurs),
    e!("ras.741", "The local computer does not support the required data encryption type.", Xp,
       "L'ordinateur local ne prend pas en charge le type de chiffrement des données nécessaire.", FrOurs),
    e!("ras.742", "The remote computer does not support the required data encryption type.", Xp,
       "L'ordinateur distant ne prend pas en charge le type de chiffrement des données nécessaire.", FrKb),
    e!("ras.766", "A certificate could not be found. Connections that use the L2TP protocol over IPSec require the installation of a machine certificate, also known as a computer certificate.", Xp,
       "Un certificat est introuvable. Les connexions qui utilisent le protocole L2TP sur IPSec nécessitent l'installation d'un certificat d'ordinateur.", FrOurs),
    e!("ras.769", "The specified destination is not reachable.", Xp,
       "La destination spécifiée n'est pas accessible.", FrOurs),
    e!("ras.778", "It was not possible to verify the identity of the server.", Xp,
       "Impossible de vérifier l'identité du serveur.", FrOurs),
    e!("ras.786", "The L2TP connection attempt failed because there is no valid machine certificate on your computer for security authentication.", Xp,
       "La tentative de connexion L2TP a échoué, car il n'existe aucun certificat d'ordinateur valide sur votre ordinateur pour l'authentification de sécurité.", FrOurs),
    e!("ras.787", "The L2TP connection attempt failed because the security layer could not authenticate the remote computer.", Xp,
       "La tentative de connexion L2TP a échoué, car la couche de sécurité n'a pas pu authentifier l'ordinateur distant.", FrOurs),
    e!("ras.788", "The L2TP connection attempt failed because the security layer could not negotiate compatible parameters with the remote computer.", Xp,
       "La tentative de connexion L2TP a échoué, car la couche de sécurité n'a pas pu négocier de paramètres compatibles avec l'ordinateur distant.", FrOurs),
    e!("ras.789", "The L2TP connection attempt failed because the security layer encountered a processing error during initial negotiations with the remote computer.", Xp,
       "La tentative de connexion L2TP a échoué, car la couche de sécurité a rencontré une erreur de traitement pendant les négociations initiales avec l'ordinateur distant.", FrOurs),
    e!("ras.790", "The L2TP connection attempt failed because certificate validation on the remote computer failed.", Xp,
       "La tentative de connexion L2TP a échoué, car la validation du certificat sur l'ordinateur distant a échoué.", FrOurs),
    e!("ras.791", "The L2TP connection attempt failed because security policy for the connection was not found.", Xp,
       "La tentative de connexion L2TP a échoué, car la stratégie de sécurité de la connexion est introuvable.", FrOurs),
    // The article gives only the sentence "Le délai de la négociation de
    // sécurité a été dépassé."; the lead-in is ours.
    e!("ras.792", "The L2TP connection attempt failed because security negotiation timed out.", Xp,
       "La tentative de connexion L2TP a échoué. Le délai de la négociation de sécurité a été dépassé.", FrKb),
    e!("ras.793", "The L2TP connection attempt failed because an error occurred while negotiating security.", Xp,
       "La tentative de connexion L2TP a échoué, car une erreur s'est produite lors de la négociation de la sécurité.", FrOurs),
    e!("ras.800", "Unable to establish the VPN connection.  The VPN server may be unreachable, or security parameters may not be configured properly for this connection.", Xp,
       "Impossible d'établir la connexion VPN. Le serveur VPN est peut-être inaccessible, ou les paramètres de sécurité ne sont peut-être pas configurés correctement pour cette connexion.", FrOurs),
    // System log, source RemoteAccess (Server 2003 RRAS).
    e!("system.RemoteAccess.20271",
       "The user %1 connected from %2 but failed an authentication attempt due to the following reason: %3", Xp,
       "L'utilisateur %1 s'est connecté à partir de %2 mais une tentative d'authentification a échoué pour la raison suivante : %3", FrOurs),
    e!("system.RemoteAccess.20272",
       "The user %1 connected on port %2 on %3 at %4 and disconnected on %5 at %6.  The user was active for %7 minutes %8 seconds.  %9 bytes were sent and %10 bytes were received. The reason for disconnecting was %11. The tunnel used was %12.", Xp,
       "L'utilisateur %1 s'est connecté sur le port %2 le %3 à %4 et s'est déconnecté le %5 à %6. L'utilisateur est resté actif %7 minutes %8 secondes. %9 octets ont été envoyés et %10 octets ont été reçus. La raison de la déconnexion est : %11. Le tunnel utilisé était %12.", FrOurs),
    e!("system.RemoteAccess.20274",
       "The user %1 connected on port %2 has been assigned address %3", Xp,
       "L'adresse %3 a été attribuée à l'utilisateur %1 connecté sur le port %2", FrOurs),
    // System log, source IAS (Server 2003): the remote access policy decision.
    // The field list follows IAS events 1 and 2; the subset we fill is [MODEL].
    e!("system.IAS.1",
       "User %1 was granted access.\n Fully-Qualified-User-Name = %1\n NAS-IP-Address = %2\n NAS-Identifier = %3\n Called-Station-Identifier = %2\n Calling-Station-Identifier = %4\n Client-Friendly-Name = %3\n Client-IP-Address = %2\n NAS-Port-Type = Virtual\n NAS-Port = %5\n Policy-Name = %6\n Authentication-Type = MS-CHAPv2\n EAP-Type = <undetermined>", Model,
       "L'accès a été accordé à l'utilisateur %1.\n Fully-Qualified-User-Name = %1\n NAS-IP-Address = %2\n NAS-Identifier = %3\n Called-Station-Identifier = %2\n Calling-Station-Identifier = %4\n Client-Friendly-Name = %3\n Client-IP-Address = %2\n NAS-Port-Type = Virtual\n NAS-Port = %5\n Policy-Name = %6\n Authentication-Type = MS-CHAPv2\n EAP-Type = <non déterminé>", FrOurs),
    e!("system.IAS.2",
       "User %1 was denied access.\n Fully-Qualified-User-Name = %1\n NAS-IP-Address = %2\n NAS-Identifier = %3\n Called-Station-Identifier = %2\n Calling-Station-Identifier = %4\n Client-Friendly-Name = %3\n Client-IP-Address = %2\n NAS-Port-Type = Virtual\n NAS-Port = %5\n Policy-Name = %6\n Authentication-Type = MS-CHAPv2\n EAP-Type = <undetermined>\n Reason-Code = %7\n Reason = %8", Model,
       "L'accès a été refusé à l'utilisateur %1.\n Fully-Qualified-User-Name = %1\n NAS-IP-Address = %2\n NAS-Identifier = %3\n Called-Station-Identifier = %2\n Calling-Station-Identifier = %4\n Client-Friendly-Name = %3\n Client-IP-Address = %2\n NAS-Port-Type = Virtual\n NAS-Port = %5\n Policy-Name = %6\n Authentication-Type = MS-CHAPv2\n EAP-Type = <non déterminé>\n Reason-Code = %7\n Reason = %8", FrOurs),
    // IAS reason codes (ias.h: IAS_AUTH_FAILURE 16, IAS_NO_POLICY_MATCH 48,
    // IAS_DIALIN_DISABLED 65, IAS_INVALID_AUTH_TYPE 66).
    e!("ias.reason.16", "Authentication was not successful because an unknown user name or incorrect password was used.", Xp,
       "L'authentification a échoué, car un nom d'utilisateur inconnu ou un mot de passe incorrect a été utilisé.", FrOurs),
    e!("ias.reason.48", "The connection attempt did not match any remote access policy.", Xp,
       "La tentative de connexion ne correspond à aucune stratégie d'accès distant.", FrOurs),
    e!("ias.reason.65", "The remote access permission for the user account was denied.", Xp,
       "L'autorisation d'accès distant du compte d'utilisateur a été refusée.", FrOurs),
    e!("ias.reason.66", "The user attempted to use an authentication method that is not enabled on the matching remote access policy.", Xp,
       "L'utilisateur a tenté d'utiliser une méthode d'authentification qui n'est pas activée sur la stratégie d'accès distant correspondante.", FrOurs),
    // Built-in names.
    e!("policy.default", "Connections to Microsoft Routing and Remote Access server", Xp,
       "Connexions au serveur Routage et accès distant Microsoft", FrOurs),
    e!("policy.none", "<undetermined>", Model, "<non déterminé>", FrOurs),
    // Disconnect reasons in 20272 [MODEL wording].
    e!("disconnect.user-request", "User requested disconnection", Model,
       "Déconnexion à la demande de l'utilisateur", FrOurs),
    e!("disconnect.link-failure", "The connection was terminated by the remote computer", Model,
       "La connexion a été interrompue par l'ordinateur distant", FrOurs),
    // System log, source IPSec (WINDOWS.md 4); written by the IPsec driver
    // (issue 3) — here so the article's string is checked in one place.
    e!("system.IPSec.4285",
       "Failed to authenticate the hash for %1 packet(s) received from %2. This could be a temporary glitch; if it persists please stop and restart the IPSec Policy Agent service on this machine.", Xp,
       "Échec de l'authentification du hachage pour %1 paquet(s) reçu(s) de %2. Il peut s'agir d'un problème temporaire ; s'il persiste, arrêtez puis redémarrez le service Agent de stratégie IPSec sur cet ordinateur.", FrKb),
];
