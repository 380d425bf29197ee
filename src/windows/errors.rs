//! RAS error codes (raserror.h, WINDOWS.md 2), the shape of a row's RAS
//! errors by failure class, and RASMAN's mappings to them: how PPP ended,
//! and how IKE failed. Which code a class shows is the row's (`version`).

use crate::ike::{FailurePoint, FailureReason};
use crate::ppp::link::DownReason;

/// The RAS errors the model produces, by their raserror.h names.
pub mod code {
    /// ERROR_USER_DISCONNECTION: the user hung up during the dial.
    pub const USER_DISCONNECTION: u32 = 631;
    /// ERROR_ACCT_DISABLED (raserror.h RASBASE+47; RFC 2759 6 lists it
    /// as an MS-CHAPv2 Failure's E=).
    pub const ACCT_DISABLED: u32 = 647;
    /// ERROR_NO_DIALIN_PERMISSION.
    pub const NO_DIALIN_PERMISSION: u32 = 649;
    /// ERROR_AUTHENTICATION_FAILURE.
    pub const AUTHENTICATION_FAILURE: u32 = 691;
    /// ERROR_PPP_TIMEOUT (WINDOWS.md 8).
    pub const PPP_TIMEOUT: u32 = 718;
    /// ERROR_PPP_NO_PROTOCOLS_CONFIGURED: no network protocol came up.
    pub const PPP_NO_PROTOCOLS_CONFIGURED: u32 = 720;
    /// ERROR_PPP_NO_RESPONSE: the remote computer did not respond (over
    /// PPTP: GRE never answered, WINDOWS.md 7).
    pub const PPP_NO_RESPONSE: u32 = 721;
    /// ERROR_PPP_LCP_TERMINATED.
    pub const PPP_LCP_TERMINATED: u32 = 734;
    /// ERROR_REMOTE_REQUIRE_ENCRYPTION.
    pub const REMOTE_REQUIRE_ENCRYPTION: u32 = 742;
    /// ERROR_NO_CERTIFICATE: checked before dialling (claim A11).
    pub const NO_CERTIFICATE: u32 = 766;
    /// ERROR_UNREACHABLE.
    pub const UNREACHABLE: u32 = 769;
    /// ERROR_SERVER_IDENTITY (MS-CHAPv2 S= mismatch).
    pub const SERVER_IDENTITY: u32 = 778;
    /// ERROR_OAKLEY_NO_CERT.
    pub const OAKLEY_NO_CERT: u32 = 786;
    /// ERROR_OAKLEY_AUTH_FAIL.
    pub const OAKLEY_AUTH_FAIL: u32 = 787;
    /// ERROR_OAKLEY_ATTRIB_FAIL.
    pub const OAKLEY_ATTRIB_FAIL: u32 = 788;
    /// ERROR_OAKLEY_GENERAL_PROCESSING.
    pub const OAKLEY_GENERAL_PROCESSING: u32 = 789;
    /// ERROR_OAKLEY_NO_PEER_CERT.
    pub const OAKLEY_NO_PEER_CERT: u32 = 790;
    /// ERROR_OAKLEY_NO_POLICY.
    pub const OAKLEY_NO_POLICY: u32 = 791;
    /// ERROR_OAKLEY_TIMED_OUT.
    pub const OAKLEY_TIMED_OUT: u32 = 792;
    /// ERROR_OAKLEY_ERROR.
    pub const OAKLEY_ERROR: u32 = 793;
    /// ERROR_AUTOMATIC_VPN_FAILED (raserror.h RASBASE+200): XP shows it
    /// when the tunnel never came up [MODEL for L2TP]; from Vista on, an
    /// Automatic connection after every tunnel failed (WINDOWS.md 10).
    pub const AUTOMATIC_VPN_FAILED: u32 = 800;
    /// ERROR_VPN_TIMEOUT (RASBASE+209): from Vista on, the remote server is
    /// not responding; where XP shows 792 (WINDOWS.md 10) [MODEL: 809
    /// replaces 792 from Vista on].
    pub const VPN_TIMEOUT: u32 = 809;
}

/// The RAS error for each failure class, as a build shows it (a row's
/// `ras_errors`; WINDOWS.md 10: builds differ, e.g. 792 vs 809).
#[derive(Debug)]
pub struct RasErrors {
    /// The user hung up during the dial.
    pub user_disconnection: u32,
    /// No route leads to the server.
    pub unreachable: u32,
    /// L2TP/IPsec with no machine certificate in the store.
    pub no_certificate: u32,
    /// The tunnel never came up (L2TP's control connection, PPTP's TCP
    /// 1723 or its control connection and call).
    pub tunnel_timeout: u32,
    /// Over PPTP, the peer's GRE never answered PPP.
    pub pptp_no_response: u32,
    pub ike: IkeErrors,
    pub ppp: PppErrors,
}

/// How IKE failed, as RASMAN reports it (WINDOWS.md 2).
#[derive(Debug)]
pub struct IkeErrors {
    /// No answer, or the negotiation timed out.
    pub timed_out: u32,
    /// No machine certificate, or no private key for it.
    pub no_cert: u32,
    /// Our credentials were refused (failure point: me).
    pub auth_fail: u32,
    /// No proposal was acceptable.
    pub attrib_fail: u32,
    /// The security layer could not process (the policy agent stopped).
    pub general_processing: u32,
    /// The peer's certificate or signature, or the peer refused ours.
    pub no_peer_cert: u32,
    /// No policy for the peer.
    pub no_policy: u32,
    /// Any other notification from the peer.
    pub error: u32,
}

/// How PPP ended, as the client shows it, and the E= a server sends.
#[derive(Debug)]
pub struct PppErrors {
    pub timeout: u32,
    /// No network protocol came up.
    pub no_protocols: u32,
    pub lcp_terminated: u32,
    /// The peer requires encryption we lack, or lacks ours (also the
    /// server's answer to an ESP cipher its profile refuses).
    pub require_encryption: u32,
    /// MS-CHAPv2's S= did not match.
    pub server_identity: u32,
    /// The remote access policy denied the call (the server's E=).
    pub no_dialin_permission: u32,
    /// The account is disabled (the server's E=).
    pub account_disabled: u32,
}

/// How PPP ended, as the RAS error the client shows (WINDOWS.md 2, 8).
pub fn for_ppp(reason: &DownReason, ras: &RasErrors) -> u32 {
    let ppp = &ras.ppp;
    match reason {
        // The E= value of the MS-CHAPv2 Failure: 691, 649, 742.
        DownReason::AuthFailed { code } => *code,
        DownReason::AuthenticatorResponseMismatch => ppp.server_identity,
        DownReason::PeerRequiresEncryption | DownReason::PeerLacksEncryption => {
            ppp.require_encryption
        }
        // [MODEL] The peer ended the line before IPCP opened (e.g. no
        // address left in its pool), or IPCP gave up.
        DownReason::NcpFailed => ppp.no_protocols,
        DownReason::NegotiationTimeout => ppp.timeout,
        DownReason::LcpFailed
        | DownReason::PeerTerminated
        | DownReason::EchoTimeout
        | DownReason::Closed => ppp.lcp_terminated,
    }
}

/// RASMAN's mapping of an IKE failure (WINDOWS.md 2).
pub fn for_ike(reason: &FailureReason, point: FailurePoint, ras: &RasErrors) -> u32 {
    let ike = &ras.ike;
    match reason {
        FailureReason::NoMachineCertificate | FailureReason::NoPrivateKey => ike.no_cert,
        FailureReason::PeerSentNoCertificate => ike.no_peer_cert,
        FailureReason::PeerRejected { notify } => match notify {
            // RFC 2408 3.14.1: INVALID-CERT-ENCODING 17 .. INVALID-CERT-AUTHORITY
            // 22, AUTHENTICATION-FAILED 24, INVALID-SIGNATURE 25,
            // CERTIFICATE-UNAVAILABLE 28: the remote computer refused our
            // certificate or signature.
            17..=22 | 24 | 25 | 28 => ike.no_peer_cert,
            // NO-PROPOSAL-CHOSEN, BAD-PROPOSAL-SYNTAX, ATTRIBUTES-NOT-SUPPORTED.
            12..=14 => ike.attrib_fail,
            _ => ike.error,
        },
        FailureReason::CredentialsUnacceptable(_)
        | FailureReason::SignatureInvalid
        | FailureReason::HashMismatch => match point {
            FailurePoint::Me => ike.auth_fail,
            FailurePoint::Peer => ike.no_peer_cert,
        },
        FailureReason::AttributesUnacceptable => ike.attrib_fail,
        FailureReason::NoPolicy => ike.no_policy,
        FailureReason::NoResponse | FailureReason::Timeout => ike.timed_out,
        FailureReason::GeneralProcessing => ike.general_processing,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_named_code_has_its_text_in_the_catalog() {
        use code::*;
        for c in [
            NO_DIALIN_PERMISSION,
            AUTHENTICATION_FAILURE,
            PPP_TIMEOUT,
            PPP_NO_PROTOCOLS_CONFIGURED,
            PPP_LCP_TERMINATED,
            REMOTE_REQUIRE_ENCRYPTION,
            NO_CERTIFICATE,
            UNREACHABLE,
            SERVER_IDENTITY,
            OAKLEY_NO_CERT,
            OAKLEY_AUTH_FAIL,
            OAKLEY_ATTRIB_FAIL,
            OAKLEY_GENERAL_PROCESSING,
            OAKLEY_NO_PEER_CERT,
            OAKLEY_NO_POLICY,
            OAKLEY_TIMED_OUT,
            OAKLEY_ERROR,
            AUTOMATIC_VPN_FAILED,
            VPN_TIMEOUT,
        ] {
            assert!(
                super::super::catalog::entry(&format!("ras.{c}")).is_some(),
                "{c}"
            );
        }
    }

    #[test]
    fn ppp_endings_map_to_their_ras_errors() {
        let xp = &crate::windows::version::XP_SP2.ras_errors;
        assert_eq!(for_ppp(&DownReason::AuthFailed { code: 691 }, xp), 691);
        assert_eq!(for_ppp(&DownReason::NcpFailed, xp), 720);
        assert_eq!(for_ppp(&DownReason::NegotiationTimeout, xp), 718);
        assert_eq!(for_ppp(&DownReason::PeerLacksEncryption, xp), 742);
        assert_eq!(for_ppp(&DownReason::PeerTerminated, xp), 734);
    }

    #[test]
    fn ike_failures_map_as_rasman_does() {
        let xp = &crate::windows::version::XP_SP2.ras_errors;
        assert_eq!(
            for_ike(&FailureReason::NoResponse, FailurePoint::Me, xp),
            code::OAKLEY_TIMED_OUT
        );
        assert_eq!(
            for_ike(
                &FailureReason::PeerRejected { notify: 14 },
                FailurePoint::Peer,
                xp
            ),
            788
        );
        assert_eq!(
            for_ike(
                &FailureReason::PeerRejected { notify: 22 },
                FailurePoint::Peer,
                xp
            ),
            790
        );
        assert_eq!(
            for_ike(&FailureReason::NoPrivateKey, FailurePoint::Me, xp),
            786
        );
    }
}
