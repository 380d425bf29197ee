//! The subcategory audits render as Windows lays them out.

use core::time::Duration;
use std::net::{Ipv4Addr, SocketAddrV4};

use super::subcategory::{Failure, SubcategoryAudits};
use crate::ike::{FailedExchange, FailurePoint, FailureReason, MmAuth, Mode};
use crate::windows::catalog::Locale;
use crate::windows::config::AuditSubcategory;

fn timed_out(initiator_cookie: [u8; 8]) -> FailedExchange {
    FailedExchange {
        local: SocketAddrV4::new(Ipv4Addr::new(88, 88, 88, 81), 4500),
        remote: SocketAddrV4::new(Ipv4Addr::new(88, 88, 88, 82), 4500),
        initiator: true,
        icookie: initiator_cookie,
        rcookie: [0; 8],
        auth: None,
        sent: 1,
        quick: None,
    }
}

fn failure<'a>(at: &'a FailedExchange, reason: &'a FailureReason) -> Failure<'a> {
    Failure {
        peer: *at.remote.ip(),
        local: *at.local.ip(),
        mode: Mode::Main,
        point: FailurePoint::Me,
        reason,
        at: Some(at),
        my_cert: None,
        peer_cert: None,
    }
}

/// The one public record of an L2TP server's 4653 (IPBan's tests:
/// Negotiation timed out, Sent first (SA) payload, NAT-T port 4500),
/// rendered in the provider's layout; only the filter id is ours.
#[test]
fn a_main_mode_timeout_renders_as_the_public_4653() {
    let at = timed_out([0xdb, 0x55, 0xd3, 0x76, 0x7e, 0x51, 0xb4, 0x22]);
    let reason = FailureReason::Timeout;
    let mut audits = SubcategoryAudits::new(true, &[AuditSubcategory::IpsecMainMode]);
    let event = audits
        .failed(Duration::ZERO, failure(&at, &reason))
        .expect("main mode audited");
    assert_eq!(event.id, 4653);
    assert_eq!(event.source, "Microsoft-Windows-Security-Auditing");
    assert_eq!(
        event.message(Locale::EnUs),
        "An IPsec main mode negotiation failed.\n\n\
         Local Endpoint:\n\tLocal Principal Name:\t-\n\tNetwork Address:\t88.88.88.81\n\tKeying Module Port:\t4500\n\n\
         Remote Endpoint:\n\tPrincipal Name:\t\t-\n\tNetwork Address:\t88.88.88.82\n\tKeying Module Port:\t4500\n\n\
         Additional Information:\n\tKeying Module Name:\tIKEv1\n\tAuthentication Method:\tUnknown authentication\n\
         \tRole:\t\t\tInitiator\n\tImpersonation State:\tNot enabled\n\tMain Mode Filter ID:\t65\n\n\
         Failure Information:\n\tFailure Point:\t\tLocal computer\n\tFailure Reason:\t\tNegotiation timed out\n\
         \tState:\t\t\tSent first (SA) payload\n\tInitiator Cookie:\t\tdb55d3767e51b422\n\tResponder Cookie:\t0000000000000000"
    );
}

#[test]
fn nothing_is_written_unless_the_policy_turns_the_subcategory_on() {
    let at = timed_out([1; 8]);
    let reason = FailureReason::Timeout;
    for (build, subcategories) in [
        (true, &[][..]),
        (true, &[AuditSubcategory::IpsecQuickMode][..]),
        (false, &[AuditSubcategory::IpsecMainMode][..]),
    ] {
        let mut audits = SubcategoryAudits::new(build, subcategories);
        assert!(audits
            .failed(Duration::ZERO, failure(&at, &reason))
            .is_none());
    }
}

#[test]
fn a_certificate_failure_is_4652_and_a_key_failure_4653() {
    let reason = FailureReason::HashMismatch;
    let mut audits = SubcategoryAudits::new(true, &[AuditSubcategory::IpsecMainMode]);
    for (auth, id) in [(MmAuth::RsaSignature, 4652), (MmAuth::PreSharedKey, 4653)] {
        let at = FailedExchange {
            auth: Some(auth),
            sent: 3,
            ..timed_out([2; 8])
        };
        let event = audits
            .failed(Duration::ZERO, failure(&at, &reason))
            .expect("audited");
        assert_eq!(event.id, id);
        let text = event.message(Locale::EnUs);
        assert!(
            text.contains("\tState:\t\t\tSent third (ID) payload\n"),
            "{text}"
        );
        assert!(
            text.contains("\tFailure Reason:\t\tHash verification failed\n"),
            "{text}"
        );
    }
}
