use std::path::Path;

use super::*;
use crate::report::*;
use crate::scenario::schema::Locale;

fn scenario(expect: &str) -> Scenario {
    let text = format!(
        "name: x
networks:
  lan: {{subnet: 192.168.1.0/24}}
hosts:
  client:
    role: windows-xp-client
    interfaces: {{lan: 192.168.1.10}}
    dial: {{at: 1s, server: 192.168.1.20, username: u, password: p}}
  server:
    role: rras-server
    interfaces: {{lan: 192.168.1.20}}
expect:
{expect}"
    );
    match crate::scenario::load::load_str(&text, Path::new("x.yaml"), Path::new(".")) {
        Ok(s) => s,
        Err(e) => panic!("{e}"),
    }
}

fn packet(src: &str, dst: &str, protocol: WireProtocol) -> PacketReport {
    PacketReport {
        host: "client".into(),
        interface: "lan".into(),
        time_us: 1,
        direction: Direction::Out,
        protocol,
        src: src.into(),
        dst: dst.into(),
        spi: None,
        summary: String::new(),
    }
}

fn report() -> Report {
    let mut r = Report::new("x", 1, Locale::FrFr);
    r.dials.push(DialReport {
        host: "client".into(),
        protocol: DialProtocol::L2tp,
        connected: false,
        error: Some(DialError {
            code: 792,
            message: "Erreur 792 : Le délai de la négociation de sécurité a été dépassé.".into(),
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
        message: "IKE security association negotiation failed.\nFailure Point: Me".into(),
    });
    r.packets.push(packet(
        "192.168.1.10:500",
        "192.168.1.20:500",
        WireProtocol::Isakmp,
    ));
    r.packets.push(packet(
        "192.168.1.10:500",
        "192.168.1.20:500",
        WireProtocol::Isakmp,
    ));
    r.packets
        .push(packet("192.168.1.10", "192.168.1.20", WireProtocol::Esp));
    r.monitor.push(Monitor {
        host: "client".into(),
        sas: vec![],
        counters: [("confidential-bytes-received".to_string(), 0)].into(),
    });
    r
}

fn oks(expect: &str) -> Vec<(bool, String)> {
    evaluate(&scenario(expect), &report())
        .into_iter()
        .map(|e| (e.ok, e.what))
        .collect()
}

#[test]
fn dial_expectations_check_code_message_and_state() {
    let got = oks("  dials:
    - {host: client, connected: false, error: 792, message: \"Le délai de la négociation de sécurité a été dépassé.\"}
    - {host: client, connected: true}
    - {host: client, error: 789}
");
    assert_eq!(got[0], (true, "client not connected error 792 message contains \"Le délai de la négociation de sécurité a été dépassé.\"".into()));
    assert!(!got[1].0);
    assert!(!got[2].0);
}

#[test]
fn event_expectations_need_a_match_and_no_events_none() {
    let got = oks("  events:
    - {host: client, log: security, id: 547, contains: \"Failure Point: Me\"}
    - {host: client, log: system, id: 547}
  no-events:
    - {host: client, log: security, id: 541}
    - {host: client, id: 547}
");
    assert_eq!(
        got[0],
        (
            true,
            "client security event 547 containing \"Failure Point: Me\"".into()
        )
    );
    assert!(!got[1].0);
    assert_eq!(got[2], (true, "no client security event 541".into()));
    assert!(!got[3].0);
}

#[test]
fn packet_expectations_resolve_host_names_to_addresses() {
    let got = oks("  packets:
    - {host: client, protocol: isakmp, from: client, count: \">= 2\"}
    - {host: client, protocol: isakmp, from: server, count: 0}
    - {host: client, protocol: esp, to: server, count: 1}
    - {host: client, count: 3}
    - {host: client, protocol: isakmp, count: \"< 2\"}
");
    assert_eq!(
        got.iter().map(|g| g.0).collect::<Vec<_>>(),
        [true, true, true, true, false]
    );
    assert_eq!(
        got[0].1,
        "client captures: isakmp packets from client, count >= 2"
    );
}

#[test]
fn monitor_expectations_compare_counters() {
    let got = oks("  monitor:
    - {host: client, counter: confidential-bytes-received, value: 0}
    - {host: client, counter: confidential-bytes-received, value: 5}
    - {host: client, counter: bad-spi-packets, value: 0}
    - {host: server, counter: main-modes, value: 0}
");
    // A counter name the monitor does not know is bad input, found when
    // loading (validate); one missing from a report still fails.
    assert_eq!(
        got.iter().map(|g| g.0).collect::<Vec<_>>(),
        [true, false, false, false]
    );
}

#[test]
fn verdict_is_none_without_expectations_and_fail_on_any_failure() {
    let mut r = report();
    finish(&scenario("  dials: []\n"), &mut r);
    assert_eq!(r.verdict, Verdict::None);
    finish(&scenario("  dials: [{host: client, error: 792}]\n"), &mut r);
    assert_eq!(r.verdict, Verdict::Pass);
    finish(
        &scenario("  dials: [{host: client, error: 792}, {host: client, connected: true}]\n"),
        &mut r,
    );
    assert_eq!(r.verdict, Verdict::Fail);
    assert_eq!(r.expectations.len(), 2);
}
