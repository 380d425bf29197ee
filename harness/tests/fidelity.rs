//! The model errors a careful tester found (issue 6), one test each, and
//! the rule that the order of keys in a scenario never changes an outcome.

use std::path::PathBuf;

use l2tpsec_harness::run::run_scenario;
use l2tpsec_harness::scenario::scenario_files;
use l2tpsec_harness::{load_file, load_str, Report, RunOptions, Scenario};

fn scenarios_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scenarios")
}

fn run(s: &Scenario) -> Report {
    let opts = RunOptions::report_of(s);
    run_scenario(s, &opts).unwrap_or_else(|e| panic!("{e}")).0
}

/// A scenario written here, on the shipped bases.
fn scenario(yaml: &str) -> Scenario {
    let dir = scenarios_dir();
    load_str(yaml, &dir.join("inline.yaml"), &dir).unwrap_or_else(|e| panic!("{e}"))
}

/// What a run ended with, leaving out where packets were captured.
fn outcome(r: &Report) -> String {
    let mut out = format!("verdict {:?}\n", r.verdict);
    for d in &r.dials {
        out += &format!(
            "dial {} {} {:?} {:?}\n",
            d.host,
            d.connected,
            d.error.as_ref().map(|e| e.code),
            d.address
        );
    }
    for e in &r.events {
        out += &format!("event {} {:?} {} {}\n", e.host, e.log, e.id, e.message);
    }
    out
}

#[test]
fn reordering_hosts_and_their_interfaces_changes_no_outcome() {
    let dir = scenarios_dir();
    let mut problems = Vec::new();
    for f in scenario_files(&dir).unwrap_or_default() {
        let s = load_file(&f, &dir).unwrap_or_else(|e| panic!("{e}"));
        let mut reversed = s.clone();
        for (_, h) in reversed.hosts.0.iter_mut() {
            h.interfaces.0.reverse();
        }
        // Hosts in the other order too: only the order of simultaneous
        // report lines may change, so compare the lines sorted.
        reversed.hosts.0.reverse();
        let sorted = |r: &Report| {
            let mut lines: Vec<String> = outcome(r).lines().map(str::to_string).collect();
            lines.sort();
            lines.join("\n")
        };
        let (a, b) = (sorted(&run(&s)), sorted(&run(&reversed)));
        if a != b {
            problems.push(format!("{}:\n--- as written\n{a}--- reversed\n{b}", s.name));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn a_server_whose_first_nic_is_not_the_internet_answers_from_the_routed_address() {
    let s = scenario(
        "base: ipsec\n\
         networks: {corp: {subnet: 10.1.0.0/24}}\n\
         hosts:\n  server: {interfaces: {corp: 10.1.0.1}}\n",
    );
    // The base lists `internet` first; put the corporate NIC first.
    let mut s = s;
    for (name, h) in s.hosts.0.iter_mut() {
        if name == "server" {
            h.interfaces.0.reverse();
            assert_eq!(h.interfaces.0[0].0, "corp");
        }
    }
    let r = run(&s);
    let dial = &r.dials[0];
    assert!(dial.connected, "{:?}", dial.error);
}

fn view<'a>(r: &'a Report, host: &str, command: &str) -> &'a str {
    r.views
        .iter()
        .find(|v| v.host == host && v.command == command)
        .map(|v| v.output.as_str())
        .unwrap_or_else(|| panic!("no view {command} on {host}"))
}

fn count_events(r: &Report, host: &str, id: u32, contains: &str) -> usize {
    r.events
        .iter()
        .filter(|e| e.host == host && e.id == id && e.message.contains(contains))
        .count()
}

#[test]
fn hanging_up_over_ipsec_ends_the_tunnel_then_the_policy_and_a_redial_starts_afresh() {
    let s = scenario(
        "base: ipsec\n\
         timeline:\n\
         \x20 - {at: 20s, host: client, action: hang-up}\n\
         \x20 - {at: 40s, host: client, action: dial}\n",
    );
    let r = run(&s);
    assert!(r.dials[0].connected, "{:?}", r.dials[0]);
    // RASMAN removed its policy after the StopCCN exchange: IKE deleted the
    // Quick Mode and Main Mode SAs, on both sides, and no 4283/4284 came of
    // the teardown.
    assert_eq!(count_events(&r, "client", 542, ""), 1);
    assert_eq!(count_events(&r, "server", 543, ""), 1);
    assert!(r.events.iter().all(|e| !(4283..=4286).contains(&e.id)));
    // The redial negotiated Main Mode again and got the same address.
    assert_eq!(count_events(&r, "client", 541, "mode principal"), 2);
    assert_eq!(
        count_events(&r, "server", 20274, "10.10.0.101"),
        2,
        "{:#?}",
        r.events
    );
    // One call holds one port at the end: the first one was released.
    let ports = view(&r, "server", "Routing and Remote Access: Ports");
    assert!(
        ports.starts_with("VPN2-0  L2TP  Active  alice  10.10.0.101\n"),
        "{ports}"
    );
    assert!(
        ports.ends_with("4 other L2TP ports inactive\n5 other PPTP ports inactive\n"),
        "{ports}"
    );
}

#[test]
fn a_dial_while_connected_does_not_abandon_the_call() {
    let s = scenario(
        "base: cleartext\n\
         timeline: [{at: 10s, host: client, action: dial}]\n",
    );
    let r = run(&s);
    assert!(r.dials[0].connected);
    let sccrq = r
        .packets
        .iter()
        .filter(|p| p.host == "client" && p.summary.starts_with("L2TP SCCRQ"))
        .count();
    assert_eq!(sccrq, 1);
    assert_eq!(count_events(&r, "server", 20274, ""), 1);
}

#[test]
fn no_encryption_over_ipsec_is_refused_after_authentication_when_the_profile_requires_it() {
    let s = scenario(
        "base: ipsec\n\
         hosts:\n\
         \x20 client: {dial: {encryption: none}}\n\
         \x20 server:\n\
         \x20   policies:\n\
         \x20     - name: VPN chiffré\n\
         \x20       permission: grant\n\
         \x20       profile: {authentication: [ms-chap-v2], encryption: [strong, strongest]}\n",
    );
    let r = run(&s);
    // IPsec came up with ESP-NULL (the server's policy offers Optional
    // encryption); the profile refused it once the user was known.
    assert_eq!(count_events(&r, "client", 541, "Algorithme ESP None"), 1);
    assert_eq!(r.dials[0].error.as_ref().map(|e| e.code), Some(742));
    assert_eq!(count_events(&r, "server", 20080, "alice"), 1);
}

#[test]
fn an_exhausted_pool_is_not_a_missing_dial_in_permission() {
    let dir = scenarios_dir();
    let s = load_file(&dir.join("address-pool-exhausted.yaml"), &dir).unwrap();
    let r = run(&s);
    let second = r.dials.iter().find(|d| d.host == "client2").unwrap();
    assert_eq!(second.error.as_ref().map(|e| e.code), Some(720));
    assert_eq!(count_events(&r, "server", 20167, ""), 1);
}

#[test]
fn every_dial_ends_when_ppp_never_converges() {
    let dir = scenarios_dir();
    let s = load_file(&dir.join("duplicated-and-delayed.yaml"), &dir).unwrap();
    let r = run(&s);
    let d = &r.dials[0];
    assert!(d.connected || d.error.is_some(), "no result: {d:?}");
}

/// Found by the run invariant "every dial ends" (issue 7): a policy agent
/// stopped while IKE negotiates ends the dial with 789, not never.
#[test]
fn a_policy_agent_stopped_during_the_negotiation_ends_the_dial_with_789() {
    let s = scenario(
        "base: ipsec\n\
         faults: [{at: gw, match: {protocol: udp, port: 500, toward: server}, action: drop}]\n\
         timeline: [{at: 5s, host: client, action: stop-service, service: policy-agent}]\n",
    );
    let r = run(&s);
    let d = &r.dials[0];
    assert_eq!(d.error.as_ref().map(|e| e.code), Some(789), "{d:?}");
    assert!(
        r.sim_time_ms < 20_000,
        "the dial ended at 5 s: {}",
        r.sim_time_ms
    );
}

/// Found by the same invariant: a hang-up before PPP abandons the dial
/// with 631 (ERROR_USER_DISCONNECTION) and closes the tunnel under way.
#[test]
fn a_hang_up_during_the_dial_ends_it_with_631() {
    let s = scenario(
        "base: ipsec\n\
         faults: [{at: gw, match: {protocol: udp, port: 500, toward: server}, action: drop}]\n\
         timeline: [{at: 5s, host: client, action: hang-up}]\n",
    );
    let r = run(&s);
    let d = &r.dials[0];
    assert_eq!(d.error.as_ref().map(|e| e.code), Some(631), "{d:?}");
    assert!(d
        .error
        .as_ref()
        .is_some_and(|e| e.message.contains("déconnecté")));
}
