use super::*;

pub(crate) fn sample() -> Report {
    let mut r = Report::new("udp500-blocked", 1, Locale::FrFr);
    r.verdict = Verdict::Pass;
    r.sim_time_ms = 64_000;
    r.dials.push(DialReport {
        host: "client".into(),
        protocol: DialProtocol::L2tp,
        connected: false,
        error: Some(DialError {
            code: 792,
            message: "Le délai de la négociation de sécurité a été dépassé.".into(),
        }),
        address: None,
        attempts: Vec::new(),
        at_ms: 1000,
        ended: None,
        pings: Default::default(),
        not_modelled: Vec::new(),
    });
    r.events.push(EventReport {
        host: "client".into(),
        log: LogName::Security,
        id: 547,
        source: "Security".into(),
        kind: EventType::FailureAudit,
        time_ms: 63_000,
        message:
            "IKE security association negotiation failed.\nMode:\nKey Exchange Mode (Main Mode)"
                .into(),
    });
    r.packets.push(PacketReport {
        host: "client".into(),
        interface: "lan".into(),
        time_us: 1_000_000,
        direction: Direction::Out,
        protocol: WireProtocol::Isakmp,
        src: "192.168.1.10:500".into(),
        dst: "203.0.113.10:500".into(),
        spi: None,
        summary: "IKE Main Mode SA proposal".into(),
    });
    r.faults.push(FaultReport {
        time_us: 1_001_000,
        site: "gw".into(),
        action: "drop".into(),
        packet: "isakmp 192.168.1.10:500 -> 203.0.113.10:500 ISAKMP Main Mode SA".into(),
        rule: Some(0),
    });
    r.monitor.push(Monitor {
        host: "client".into(),
        sas: vec![
            Sa {
                direction: "outbound".into(),
                spi: "0x1a2b3c4d".into(),
                encapsulation: None,
            },
            Sa {
                direction: "outbound".into(),
                spi: "0x0badcafe".into(),
                encapsulation: Some(Encapsulation {
                    kind: "udp".into(),
                    source_port: 4500,
                    destination_port: 1025,
                }),
            },
        ],
        counters: [("confidential-bytes-received".to_string(), 0)].into(),
    });
    r.diagnostics.push(DiagnosticReport {
        host: "server".into(),
        layer: "ike".into(),
        what: "no SA for these cookies".into(),
        count: 3,
    });
    r.expectations.push(Expectation {
        what: "client error 792".into(),
        ok: true,
        detail: "got error 792".into(),
        localized: Some(("client erreur 792".into(), "obtenu erreur 792".into())),
    });
    r
}

#[test]
fn json_has_exactly_the_contract_fields() {
    let v: serde_json::Value = serde_json::from_str(&sample().to_json()).unwrap();
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    let mut want = vec![
        "scenario",
        "seed",
        "locale",
        "verdict",
        "sim_time_ms",
        "dials",
        "events",
        "packets",
        "faults",
        "diagnostics",
        "monitor",
        // Added beyond the contract's list (SCENARIOS.md allows more).
        "engine",
        "views",
        "expectations",
    ];
    want.sort_unstable();
    let mut keys = keys;
    keys.sort_unstable();
    assert_eq!(keys, want);
    assert_eq!(v["locale"], "fr-FR");
    assert_eq!(v["engine"], "event");
    assert_eq!(v["verdict"], "pass");
    assert_eq!(v["dials"][0]["error"]["code"], 792);
    assert_eq!(v["diagnostics"][0]["layer"], "ike");
    assert_eq!(v["diagnostics"][0]["count"], 3);
    assert_eq!(v["dials"][0]["address"], serde_json::Value::Null);
    assert_eq!(v["events"][0]["type"], "failure-audit");
    assert_eq!(v["events"][0]["log"], "security");
    assert_eq!(v["packets"][0]["direction"], "out");
    assert_eq!(v["packets"][0]["protocol"], "isakmp");
    assert_eq!(v["packets"][0]["spi"], serde_json::Value::Null);
    assert_eq!(
        v["monitor"][0]["counters"]["confidential-bytes-received"],
        0
    );
    assert_eq!(v["monitor"][0]["sas"][0]["spi"], "0x1a2b3c4d");
    // Plain ESP has no encapsulation field; NAT-T's says its ports.
    assert!(v["monitor"][0]["sas"][0].get("encapsulation").is_none());
    assert_eq!(
        v["monitor"][0]["sas"][1]["encapsulation"]["destination_port"],
        1025
    );
    assert_eq!(v["expectations"][0]["ok"], true);
    assert_eq!(v["faults"][0]["time_us"], 1_001_000);
    assert_eq!(v["faults"][0]["site"], "gw");
    assert_eq!(v["faults"][0]["action"], "drop");
    assert_eq!(v["faults"][0]["rule"], 0);
    assert!(v["faults"][0]["packet"]
        .as_str()
        .unwrap()
        .starts_with("isakmp 192.168.1.10:500"));
}

#[test]
fn faults_section_lists_actions_and_is_left_out_when_empty() {
    let mut r = sample();
    r.locale = Locale::EnUs;
    let t = render_text(&r);
    assert!(t.contains(
        "\n== faults\n     1.001000s gw drop faults[0]: isakmp 192.168.1.10:500 -> 203.0.113.10:500 ISAKMP Main Mode SA\n\n== diagnostics\n  server ike: no SA for these cookies x3\n\n== monitor\n"
    ), "{t}");
    r.faults[0].rule = None;
    r.faults[0].action = "nat-no-mapping".into();
    assert!(render_text(&r).contains(" gw nat-no-mapping (middlebox): isakmp "));
    r.faults.clear();
    let t = render_text(&r);
    assert!(!t.contains("== faults"), "{t}");
    let v: serde_json::Value = serde_json::from_str(&r.to_json()).unwrap();
    assert_eq!(v["faults"], serde_json::json!([]));
}

#[test]
fn applied_faults_are_dissected_like_packets() {
    let packet = l2tpsec::wire::udp::build_ipv4(
        "192.168.1.10:500".parse().unwrap(),
        "203.0.113.10:500".parse().unwrap(),
        1,
        128,
        &[0; 4],
    );
    let got = FaultReport::from_applied(&[AppliedFault {
        time: std::time::Duration::from_micros(1_500),
        site: FaultSite::Segment("internet".into()),
        action: l2tpsec::net::AppliedAction::Duplicate,
        packet,
        rule: Some(2),
        transmit: Some(7),
    }]);
    assert_eq!(got.len(), 1);
    assert_eq!(
        (
            got[0].time_us,
            got[0].site.as_str(),
            got[0].action.as_str(),
            got[0].rule
        ),
        (1_500, "internet", "duplicate", Some(2))
    );
    assert!(
        got[0]
            .packet
            .starts_with("isakmp 192.168.1.10:500 -> 203.0.113.10:500 ISAKMP malformed"),
        "{}",
        got[0].packet
    );
}

#[test]
fn text_report_renders_every_section() {
    let mut r = sample();
    r.locale = Locale::EnUs;
    r.expectations[0].localized = None;
    let t = render_text(&r);
    assert!(t.starts_with(
        "scenario udp500-blocked  seed 1  locale en-US  verdict pass  sim time 64.000s\n"
    ));
    assert!(t.contains("  client l2tp: Error 792: Le délai"));
    assert!(t.contains(
        "-- client security\n     63.000s  547  Security  failure-audit\n      IKE security"
    ));
    assert!(t.contains("      Key Exchange Mode (Main Mode)\n"));
    assert!(t.contains(
        "     1.000000s client/lan out isakmp 192.168.1.10:500 -> 203.0.113.10:500 IKE Main"
    ));
    assert!(t.contains("  SA outbound spi 0x1a2b3c4d\n  SA outbound spi 0x0badcafe encapsulation udp 4500 -> 1025\n  confidential-bytes-received: 0\n"));
    assert!(t.contains("  ✓ client error 792\n      got error 792\n"));
}

#[test]
fn packet_addresses_parse_with_or_without_port() {
    let mut p = sample().packets.remove(0);
    assert_eq!(p.src_addr(), Some(Ipv4Addr::new(192, 168, 1, 10)));
    p.dst = "10.0.0.1".into();
    assert_eq!(p.dst_addr(), Some(Ipv4Addr::new(10, 0, 0, 1)));
}

#[test]
fn a_french_report_has_french_words_and_english_json() {
    let r = sample();
    let t = render_text(&r);
    assert!(t.starts_with(
        "scénario udp500-blocked  graine 1  langue fr-FR  verdict réussi  temps simulé 64.000s\n"
    ), "{t}");
    for heading in [
        "\n== appels\n",
        "\n== événements\n",
        "\n== paquets\n",
        "\n== défauts injectés\n",
        "\n== moniteur de sécurité IP\n",
        "\n== attentes\n",
    ] {
        assert!(t.contains(heading), "{heading}: {t}");
    }
    assert!(
        t.contains("-- client : journal Sécurité\n     63.000s  547  Security  Audit des échecs\n"),
        "{t}"
    );
    assert!(t.contains("  SA sortante spi 0x1a2b3c4d\n"), "{t}");
    assert!(
        t.contains("  ✓ client erreur 792\n      obtenu erreur 792\n"),
        "{t}"
    );
    for english in [
        "== dials",
        "(none)",
        "verdict pass",
        "failure-audit",
        "(attempt",
    ] {
        assert!(!t.contains(english), "{english}: {t}");
    }
    // The JSON keeps the English words.
    let v: serde_json::Value = serde_json::from_str(&r.to_json()).unwrap();
    assert_eq!(v["expectations"][0]["what"], "client error 792");
    assert!(v["expectations"][0].get("localized").is_none());
}
