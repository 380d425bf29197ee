//! PPTP and the Automatic connectoid (issue 9), beyond what the shipped
//! scenarios' expectations say: the order of an Automatic dial's attempts
//! on the wire, the teardown of a hung-up call, RRAS's PPTP ports and its
//! policies by tunnel type.

use std::path::PathBuf;

use l2tpsec_harness::report::{DialProtocol, PacketReport};
use l2tpsec_harness::run::run_scenario;
use l2tpsec_harness::{load_file, load_str, Report, RunOptions, Scenario};

fn scenarios_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scenarios")
}

fn run(s: &Scenario) -> Report {
    let opts = RunOptions::report_of(s);
    run_scenario(s, &opts).unwrap_or_else(|e| panic!("{e}")).0
}

fn shipped(name: &str) -> Scenario {
    let dir = scenarios_dir();
    load_file(&dir.join(format!("{name}.yaml")), &dir).unwrap_or_else(|e| panic!("{e}"))
}

fn inline(yaml: &str) -> Scenario {
    let dir = scenarios_dir();
    load_str(yaml, &dir.join("inline.yaml"), &dir).unwrap_or_else(|e| panic!("{e}"))
}

fn protocol(p: &PacketReport) -> String {
    format!("{:?}", p.protocol).to_lowercase()
}

/// The client's own capture, as Network Monitor on the client shows it.
fn at_client(r: &Report) -> Vec<&PacketReport> {
    r.packets.iter().filter(|p| p.host == "client").collect()
}

#[test]
fn automatic_tries_l2tp_then_pptp_and_the_capture_shows_them_in_that_order() {
    let r = run(&shipped("automatic-falls-back-to-pptp"));
    let dial = &r.dials[0];
    let attempts: Vec<_> = dial
        .attempts
        .iter()
        .map(|a| (a.protocol, a.connected, a.error.as_ref().map(|e| e.code)))
        .collect();
    assert_eq!(
        attempts,
        [
            (DialProtocol::L2tp, false, Some(792)),
            (DialProtocol::Pptp, true, None)
        ]
    );
    assert_eq!((dial.protocol, dial.connected), (DialProtocol::Pptp, true));
    let packets = at_client(&r);
    let isakmp: Vec<_> = packets.iter().filter(|p| protocol(p) == "isakmp").collect();
    assert!(isakmp.len() >= 6);
    assert!(isakmp.iter().all(|p| p.src.starts_with("192.168.1.10")));
    let last_isakmp = isakmp.iter().map(|p| p.time_us).max().unwrap();
    let pptp: Vec<_> = packets
        .iter()
        .filter(|p| ["pptp", "gre"].contains(&protocol(p).as_str()))
        .collect();
    let first_pptp = pptp.iter().map(|p| p.time_us).min().unwrap();
    assert!(last_isakmp < first_pptp, "{last_isakmp} {first_pptp}");
    assert!(pptp[0].summary.contains("[SYN]"), "{}", pptp[0].summary);
    assert!(pptp.iter().any(|p| protocol(p) == "gre"));
}

#[test]
fn a_hung_up_pptp_call_clears_the_call_then_the_control_connection_then_tcp() {
    let r = run(&inline(
        "base: pptp\n\
         timeline:\n\
         \x20 - {at: 20s, host: client, action: hang-up}\n\
         \x20 - {at: 40s, host: client, action: dial}\n",
    ));
    assert!(r.dials[0].connected, "{:?}", r.dials[0]);
    let control: Vec<String> = at_client(&r)
        .iter()
        .filter(|p| p.time_us >= 20_000_000 && p.time_us < 40_000_000)
        .filter(|p| protocol(p) == "pptp" || protocol(p) == "gre")
        .map(|p| p.summary.clone())
        .collect();
    let position = |what: &str| {
        control
            .iter()
            .position(|s| s.contains(what))
            .unwrap_or_else(|| panic!("no {what} in {control:#?}"))
    };
    // PPP terminates first, then RFC 2637's call and control teardown.
    let order = [
        "LCP Terminate-Request",
        "Call-Clear-Request",
        "Call-Disconnect-Notify",
        "Stop-Control-Connection-Request",
        "Stop-Control-Connection-Reply",
        "[FIN",
    ];
    let at: Vec<usize> = order.iter().map(|w| position(w)).collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "{control:#?}");
    // The port and the address were given back: the redial gets them again.
    let connected: Vec<_> = r
        .events
        .iter()
        .filter(|e| e.host == "server" && e.id == 20274)
        .map(|e| e.message.clone())
        .collect();
    assert_eq!(connected.len(), 2, "{connected:#?}");
    assert!(connected
        .iter()
        .all(|m| m.contains("VPN1-0") && m.contains("10.10.0.101")));
}

#[test]
fn a_server_without_pptp_ports_refuses_tcp_1723_and_the_client_shows_800() {
    let r = run(&inline(
        "base: pptp\n\
         hosts:\n\
         \x20 server: {ports: {l2tp: 5, pptp: 0}}\n",
    ));
    assert_eq!(r.dials[0].error.as_ref().map(|e| e.code), Some(800));
    let client = at_client(&r);
    // The server's stack answers the SYN with a reset at once: no
    // retransmission, no PPTP message.
    assert!(client.iter().any(|p| p.summary.contains("[RST")));
    assert_eq!(
        client
            .iter()
            .filter(|p| p.summary.contains("[SYN]"))
            .count(),
        1
    );
    assert!(client.iter().all(|p| !p.summary.contains("PPTP")));
}

#[test]
fn the_second_pptp_call_finds_no_port_free_and_is_refused_busy() {
    let r = run(&inline(
        "base: pptp\n\
         hosts:\n\
         \x20 server:\n\
         \x20   ports: {l2tp: 5, pptp: 1}\n\
         \x20   users: {bob: {password: \"Secret2!\", dial-in: policy}}\n\
         \x20 client2:\n\
         \x20   role: windows-xp-client\n\
         \x20   interfaces: {lan: 192.168.1.11}\n\
         \x20   gateway: 192.168.1.1\n\
         \x20   dial: {at: 3s, server: 203.0.113.10, type: pptp, username: bob,\n\
         \x20          password: \"Secret2!\", encryption: require}\n",
    ));
    let by_host = |h: &str| r.dials.iter().find(|d| d.host == h).unwrap();
    assert!(by_host("client").connected);
    assert_eq!(by_host("client2").error.as_ref().map(|e| e.code), Some(800));
    // RFC 2637 2.8: Outgoing-Call-Reply result 4, busy.
    let refused = r
        .packets
        .iter()
        .any(|p| p.host == "client2" && p.summary.contains("Outgoing-Call-Reply"));
    assert!(refused);
}

#[test]
fn a_policy_for_l2tp_only_denies_a_pptp_call_with_649() {
    let r = run(&inline(
        "base: pptp\n\
         hosts:\n\
         \x20 server:\n\
         \x20   policies:\n\
         \x20     - name: L2TP seulement\n\
         \x20       conditions: {tunnel-type: [l2tp]}\n\
         \x20       permission: grant\n\
         \x20       profile: {authentication: [ms-chap-v2], encryption: [strongest]}\n",
    ));
    assert_eq!(r.dials[0].error.as_ref().map(|e| e.code), Some(649));
    assert!(r
        .events
        .iter()
        .any(|e| e.host == "server" && e.id == 2 && e.message.contains("VPN1-0")));
}
