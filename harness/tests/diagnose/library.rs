//! The whole library: every cause ranks first from its own captures, the
//! side read off its captures is right, the facts each cause shows.

use super::*;

/// The seeds each case is diagnosed on: its own, and two the index never
/// ran.
fn three_seeds(own: u64) -> Vec<u64> {
    let mut seeds = vec![own];
    seeds.extend(
        [1001, 4242, 5005]
            .into_iter()
            .filter(|s| *s != own && !EXTRA_SEEDS.contains(s))
            .take(2),
    );
    seeds
}

#[test]
fn every_scenario_diagnosed_from_its_own_client_or_server_capture_ranks_first_on_three_seeds() {
    assert!(the_index().cases.len() >= 47);
    let mut wrong = Vec::new();
    let mut sides = 0;
    for case in &the_index().cases {
        for seed in three_seeds(case.seeds[0]) {
            let out = pcap_run_seed(&case.scenario, Some(seed));
            for v in case.vantages.iter().filter(|v| v.role != "other") {
                let obs = observations(&out, &case.client, &v.host, &v.segment);
                let from = obs.capture.as_ref().map(|c| c.from);
                sides += usize::from(from.and_then(CaptureFrom::side).is_some());
                let (mine, best, above) = standing(&obs, &case.scenario, &case.client);
                if mine < best {
                    wrong.push(format!(
                        "{} ({}) seed {seed}, capture on {}/{} ({from:?}): score {mine}, below {above:?}",
                        case.scenario, case.client, v.host, v.segment
                    ));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    assert!(sides > 0);
}

#[test]
fn the_side_inferred_from_a_library_capture_is_never_the_other_one() {
    let mut wrong = Vec::new();
    let (mut inferred, mut unknown) = (0, Vec::new());
    for case in &the_index().cases {
        let out = pcap_run_seed(&case.scenario, Some(case.seeds[0]));
        for v in case.vantages.iter().filter(|v| v.role != "other") {
            let Some(file) = out
                .interface_pcapngs
                .iter()
                .find(|c| c.host == v.host && c.segment == v.segment)
            else {
                continue;
            };
            match capture_of(&file.pcapng, None).from {
                CaptureFrom::Inferred { side, .. } if side.role() == v.role => inferred += 1,
                CaptureFrom::Unknown => {
                    unknown.push(format!("{} {}/{}", case.scenario, v.host, v.segment))
                }
                other => wrong.push(format!(
                    "{} {}/{} ({}): {other:?}",
                    case.scenario, v.host, v.segment, v.role
                )),
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    // Unknown only where the capture cannot show it (nothing captured, or
    // both ends on one link); most of the library's captures show it.
    assert!(
        inferred > 2 * unknown.len(),
        "{inferred} inferred, unknown: {unknown:?}"
    );
}

#[test]
fn error_792_alone_lists_the_articles_three_ike_timeouts_first_and_tells_them_apart() {
    let obs = Observations {
        error: Some(792),
        ..Observations::default()
    };
    let ranked = rank(&the_index().cases, &obs);
    let first: Vec<&str> = ranked
        .iter()
        .take(3)
        .map(|r| r.case.scenario.as_str())
        .collect();
    let mut sorted = first.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        [
            "manual-policy-mismatch",
            "server-no-l2tp-ports",
            "udp500-blocked"
        ],
        "{first:?}"
    );
    let d = render::diagnosis(&obs, &ranked, Locale::EnUs);
    // Every cause that ends in 792 ties; nothing else is listed above them.
    assert!(
        d.causes.iter().all(|c| c.score == ERROR_WEIGHT),
        "{:#?}",
        d.causes
    );
    assert!(d.same_symptoms.is_empty(), "{:?}", d.same_symptoms);
    let text = render::render_text(&d);
    // The three are told apart by a capture on the server and by the RRAS
    // ports view.
    assert!(
        text.contains("capture, on the server: ISAKMP (UDP 500)"),
        "{text}"
    );
    assert!(
        text.contains("no ISAKMP: udp500-blocked (client)"),
        "{text}"
    );
    assert!(
        text.contains("« 0 other L2TP ports inactive »: server-no-l2tp-ports (client)"),
        "{text}"
    );
}

#[test]
fn a_server_side_capture_and_an_event_find_the_corrupting_switch() {
    // What the article's "ESP modifié" engineer sees on the server: ESP
    // arriving, the driver's 4285 in the System log.
    let out = pcap_run("esp-corrupted-by-switch");
    let server = out
        .interface_pcapngs
        .iter()
        .find(|c| c.host == "server")
        .unwrap();
    let obs = Observations {
        error: Some(800),
        events: vec!["server:system:4285".parse().unwrap()],
        capture: Some(capture_of(&server.pcapng, None)),
    };
    assert_eq!(
        obs.capture.as_ref().and_then(|c| c.from.side()),
        Some(Side::Server)
    );
    let ranked = rank(&the_index().cases, &obs);
    let top: Vec<&str> = ranked
        .iter()
        .take_while(|r| r.score == ranked[0].score)
        .map(|r| r.case.scenario.as_str())
        .collect();
    assert!(top.contains(&"esp-corrupted-by-switch"), "{top:?}");
    assert!(!top.contains(&"esp-blocked"), "{top:?}");
    // A capture on the server is compared with the server's alone.
    let roles: Vec<&str> = ranked[0].vantages.iter().map(|v| v.role.as_str()).collect();
    assert_eq!(roles, ["server"]);
}

/// The client-side facts the index holds for `scenario`.
fn client_facts(scenario: &str) -> &'static std::collections::BTreeMap<String, Vec<String>> {
    let case = the_index()
        .cases
        .iter()
        .find(|c| c.scenario == scenario)
        .unwrap_or_else(|| panic!("no case {scenario}"));
    &case
        .vantages
        .iter()
        .find(|v| v.role == "client")
        .expect("a client capture")
        .facts
}

#[test]
fn each_fact_the_article_reasons_with_shows_in_the_scenario_that_has_it() {
    for (scenario, feature, value) in [
        ("udp500-blocked", "isakmp", "initiator-only"),
        ("psk-mismatch", "ike", "main-mode-only"),
        ("esp-blocked", "esp", "one-way-one-spi"),
        ("l2tp-ipsec-connect", "esp", "both"),
        ("l2tp-ipsec-connect", "ike", "quick-mode"),
        ("nat-t-behind-client", "nat-t", "both"),
        ("nat-t-udp4500-blocked", "nat-t", "initiator-only"),
        ("psk-mismatch", "main-mode", "5"),
        ("psk-mismatch", "ike-notify", "encrypted"),
        ("manual-policy-proposal-mismatch", "main-mode", "1"),
        (
            "manual-policy-proposal-mismatch",
            "ike-notify",
            "no-proposal-chosen",
        ),
        (
            "manual-policy-proposal-mismatch",
            "initiator-vendor",
            "windows-xp",
        ),
        ("psk-connect", "initiator-vendor", "windows-2003"),
        ("psk-connect", "responder-vendor", "windows-2003"),
        ("psk-connect", "nat-d", "yes"),
        ("l2tp-ipsec-connect", "nat-d", "no"),
        ("l2tp-ipsec-connect", "ppp", facts::UNSEEN),
        ("l2tp-cleartext-connect", "l2tp", "clear"),
        ("l2tp-cleartext-connect", "ppp", "up"),
        (
            "policy-agent-stopped-while-connected",
            "l2tp",
            "clear-under-policy",
        ),
        ("lossy-link-connects", "l2tp-retransmissions", "yes"),
        ("pptp-bad-password", "ppp", "auth-failed"),
        (
            "pptp-encryption-required-unsupported",
            "ppp",
            "terminated-after-auth",
        ),
        ("pptp-tcp-blocked", "tcp-1723", "unanswered"),
        ("pptp-gre-blocked", "tcp-1723", "established"),
        ("pptp-gre-blocked", "gre", "one-way"),
        ("pptp-connect", "gre", "both"),
    ] {
        let f = client_facts(scenario);
        assert!(
            f.get(feature).is_some_and(|v| v.iter().any(|x| x == value)),
            "{scenario}: {feature} = {:?}, wanted {value}",
            f.get(feature)
        );
    }
}
