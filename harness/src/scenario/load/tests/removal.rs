//! `null` over a base's host or interface removes it (SCENARIOS.md, third
//! round: `gw: null`); what still names it is a located error.

use super::*;

/// A base with a router between the client's LAN and the server.
const ROUTED: &str = "\
networks:
  lan: {subnet: 192.168.1.0/24}
  wan: {subnet: 203.0.113.0/24}
hosts:
  client:
    role: windows-xp-client
    interfaces: {lan: 192.168.1.10}
    gateway: 192.168.1.1
    dial: {at: 1s, server: 203.0.113.10, username: u, password: p}
  gw:
    role: router
    interfaces: {lan: 192.168.1.1, wan: 203.0.113.1}
  server:
    role: rras-server
    interfaces: {wan: 203.0.113.10, lan: 192.168.1.20}
";

/// Writes `base/b.yaml` and `x.yaml` under a fresh directory and loads x.
fn load_over(base: &str, scenario: &str) -> (Result<Scenario, LoadError>, PathBuf) {
    let dir = temp_dir();
    std::fs::create_dir_all(dir.join("base")).unwrap();
    std::fs::write(dir.join("base/b.yaml"), base).unwrap();
    std::fs::write(dir.join("x.yaml"), scenario).unwrap();
    (load_file(&dir.join("x.yaml"), &dir), dir)
}

fn error_over(base: &str, scenario: &str) -> String {
    match load_over(base, scenario) {
        (Ok(s), _) => panic!("loaded: {s:?}"),
        (Err(e), dir) => e.to_string().replace(&dir.display().to_string(), "DIR"),
    }
}

#[test]
fn null_removes_a_host_and_an_interface_of_the_base() {
    let scenario = "name: x\nbase: b\nhosts:\n  gw: null\n  client: {gateway: ~, dial: {server: 192.168.1.20}}\n  server:\n    interfaces: {wan: ~}\n";
    let (s, _) = load_over(ROUTED, scenario);
    let s = s.unwrap();
    assert_eq!(s.hosts.keys().collect::<Vec<_>>(), ["client", "server"]);
    let server = s.hosts.get("server").unwrap();
    assert_eq!(server.interfaces.keys().collect::<Vec<_>>(), ["lan"]);
    assert_eq!(s.hosts.get("client").unwrap().gateway, None);
}

#[test]
fn a_gateway_left_pointing_at_a_removed_router_is_located() {
    let e = error_over(ROUTED, "name: x\nbase: b\nhosts:\n  gw: null\n");
    assert!(
        e.starts_with("DIR/base/b.yaml:8:14: gateway 192.168.1.1 of client is no host's address (hosts: client, server)"),
        "{e}"
    );
}

#[test]
fn references_to_a_removed_host_are_located_where_they_are_written() {
    let base = format!("{ROUTED}faults:\n  - {{at: lan, match: {{toward: gw}}, action: drop}}\n");
    let scenario = "name: x\nbase: b\nhosts:\n  gw: null\n  client: {gateway: ~}\ntimeline:\n  - {at: 2s, host: gw, action: hang-up}\n";
    let e = error_over(&base, scenario);
    let lines: Vec<&str> = e.lines().collect();
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("DIR/base/b.yaml:17:31: unknown host 'gw'")),
        "{e}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("DIR/x.yaml:7:20: unknown host 'gw'")),
        "{e}"
    );
}

#[test]
fn a_null_that_removes_nothing_is_located_at_its_key() {
    let e = error_over(
        ROUTED,
        "name: x\nbase: b\nhosts:\n  router: null\n  client:\n    interfaces: {wan: null}\n",
    );
    assert!(
        e.contains(
            "DIR/x.yaml:4:3: 'router: null' removes nothing: no base: file defines a host 'router'"
        ),
        "{e}"
    );
    assert!(
        e.contains("DIR/x.yaml:6:18: 'wan: null' removes nothing: no base: file defines an interface 'wan' of client"),
        "{e}"
    );
    // Without a base, the same.
    let e = error_of(&LAB.replace("  server:\n", "  gw: ~\n  server:\n"));
    assert!(e.contains("'gw: null' removes nothing"), "{e}");
}
