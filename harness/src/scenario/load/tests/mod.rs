use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use proptest::prelude::*;

use super::*;
use crate::scenario::schema::*;

mod removal;
mod shapes;

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data")
}

/// A fresh empty directory under the system temp dir.
fn temp_dir() -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let d = std::env::temp_dir().join(format!(
        "l2tpsec-harness-load-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

const LAB: &str = "\
name: x
networks:
  lan: {subnet: 192.168.1.0/24}
hosts:
  client:
    role: windows-xp-client
    interfaces: {lan: 192.168.1.10}
    dial: {at: 1s, server: 192.168.1.20, username: u, password: p}
  server:
    role: rras-server
    interfaces: {lan: 192.168.1.20}
";

/// Loads `text` as `<dir>/x.yaml` and returns the error text.
fn error_of(text: &str) -> String {
    let dir = temp_dir();
    let path = dir.join("x.yaml");
    std::fs::write(&path, text).unwrap();
    match load_file(&path, &dir) {
        Ok(s) => panic!("loaded: {s:?}"),
        Err(e) => e.to_string().replace(&dir.display().to_string(), "DIR"),
    }
}

#[test]
fn sample_scenario_merges_over_its_base() {
    let s = load("sample", &data_dir()).unwrap();
    assert_eq!(s.name, "sample");
    assert_eq!(s.seed, 7);
    assert_eq!(s.locale, Locale::EnUs);
    assert_eq!(s.duration, Duration::from_secs(400));
    assert_eq!(s.date.unix_seconds(), 1_177_322_400);
    assert_eq!(
        s.hosts.keys().collect::<Vec<_>>(),
        ["client", "gw", "server"]
    );
    let client = s.hosts.get("client").unwrap();
    let dial = client.dial.as_ref().unwrap();
    // merged: base's fields plus the scenario's encryption
    assert_eq!(dial.username, "alice");
    assert_eq!(dial.encryption, ConnectoidEncryption::RequireMax);
    assert_eq!(dial.vpn_type, VpnType::L2tp);
    assert_eq!(client.registry.get(RegistryValue::EnableOffload), Some(0));
    assert_eq!(
        client
            .registry
            .get(RegistryValue::ProhibitIpSec)
            .unwrap_or_default(),
        0
    );
    let gw = s.hosts.get("gw").unwrap();
    assert_eq!(
        gw.interfaces.keys().collect::<Vec<_>>(),
        ["lan", "internet"]
    );
    let server = s.hosts.get("server").unwrap();
    assert_eq!(server.ports, Ports { l2tp: 5, pptp: 128 });
    assert_eq!(
        server.policies.as_ref().unwrap()[0].permission,
        Permission::Grant
    );
    assert_eq!(
        s.networks.get("internet").unwrap().latency,
        Duration::from_millis(15)
    );
    assert_eq!(
        s.networks.get("lan").unwrap().latency,
        Duration::from_millis(1)
    );
    assert_eq!(s.faults[0].action, FaultAction::Drop);
    assert_eq!(s.faults[0].matcher.port, Some(500));
    assert_eq!(s.faults[0].matcher.toward.0, ["server"]);
    assert_eq!(
        s.faults[0].active,
        Some((Duration::ZERO, Duration::from_secs(400)))
    );
    assert_eq!(
        s.faults[1].action,
        FaultAction::Delay {
            by: Duration::from_millis(200)
        }
    );
    assert_eq!(s.faults[1].matcher.from.0, ["client", "server"]);
    assert_eq!(s.timeline.len(), 3);
    // lists replace: the scenario's expect.dials, not the base's
    assert_eq!(s.expect.dials.len(), 1);
    assert_eq!(s.expect.dials[0].error, Some(792));
    assert_eq!(s.expect.packets[0].count.to_string(), ">= 2");
    assert_eq!(s.expect.packets[1].count.to_string(), "== 0");
}

#[test]
fn defaults_are_windows_defaults() {
    let s = load_str(LAB, Path::new("x.yaml"), Path::new("none")).unwrap();
    assert_eq!(s.seed, 1);
    assert_eq!(s.locale, Locale::FrFr);
    assert_eq!(s.duration, Duration::from_secs(300));
    let c = s.hosts.get("client").unwrap();
    assert_eq!(c.services.policy_agent, ServiceState::Running);
    // Absent values are Windows' defaults, which the library holds.
    assert_eq!(c.registry, RegistryValues::default());
    assert_eq!(c.nic.ipsec_offload, NicOffload::None);
    assert!(c.trusts.is_empty() && c.certificate.is_none());
    let d = c.dial.as_ref().unwrap();
    assert_eq!(
        (d.vpn_type, d.encryption),
        (VpnType::L2tp, ConnectoidEncryption::Require)
    );
    let srv = s.hosts.get("server").unwrap();
    assert_eq!(
        srv.ports,
        Ports {
            l2tp: 128,
            pptp: 128
        }
    );
    // No policies: the runner uses the library's Server 2003 default.
    assert!(srv.policies.is_none());
    let p = l2tpsec::windows::rras::Policy::server_2003_default();
    assert_eq!(p.permission, Permission::Deny);
    assert_eq!(
        p.profile.authentication,
        [AuthMethod::MsChapV2, AuthMethod::MsChap]
    );
    assert_eq!(p.profile.encryption.len(), 4);
    assert!(s.expect.is_empty());
    assert_eq!(
        s.hosts.get("client").unwrap().addresses(),
        [Ipv4Addr::new(192, 168, 1, 10)]
    );
}

#[test]
fn unknown_field_names_the_allowed_ones() {
    let e = error_of(&format!("{LAB}    colour: red\n"));
    assert!(
        e.starts_with(
            "DIR/x.yaml:12:5: unknown field 'colour', expected one of: role, interfaces, gateway"
        ),
        "{e}"
    );
}

#[test]
fn wrong_type_is_located_at_the_value() {
    let e = error_of(&LAB.replace("name: x", "name: x\nseed: abc"));
    assert!(
        e.starts_with("DIR/x.yaml:2:7: invalid type: string \"abc\", expected u64"),
        "{e}"
    );
    let e = error_of(&LAB.replace("dial: {at: 1s,", "dial: {at: 10,"));
    assert!(
        e.starts_with("DIR/x.yaml:8:16: invalid type: integer `10`, expected a duration"),
        "{e}"
    );
    let e = error_of(&LAB.replace("{subnet: 192.168.1.0/24}", "{subnet: 192.168.1/24}"));
    assert!(
        e.starts_with("DIR/x.yaml:3:17: invalid subnet '192.168.1/24'"),
        "{e}"
    );
    let e = error_of(&LAB.replace("windows-xp-client", "windows-7"));
    assert!(
        e.starts_with(
            "DIR/x.yaml:6:11: unknown value 'windows-7', expected one of: windows-xp-client | "
        ),
        "{e}"
    );
}

#[test]
fn unknown_host_in_fault_match_is_located() {
    let e = error_of(&format!(
        "{LAB}faults:\n  - at: lan\n    match: {{protocol: udp, port: 500, toward: srv}}\n    action: drop\n"
    ));
    assert_eq!(
        e,
        "DIR/x.yaml:14:47: unknown host 'srv' in faults[0].match.toward (hosts: client, server)"
    );
    let e = error_of(&format!(
        "{LAB}faults:\n  - at: lan\n    match: {{from: [client, nobody]}}\n    action: drop\n"
    ));
    assert!(
        e.starts_with("DIR/x.yaml:14:28: unknown host 'nobody' in faults[0].match.from[1]"),
        "{e}"
    );
}

#[test]
fn address_outside_subnet_and_duplicates_are_rejected() {
    let e = error_of(&LAB.replace("{lan: 192.168.1.10}", "{lan: 10.0.0.1}"));
    assert!(e.starts_with("DIR/x.yaml:7:23: address 10.0.0.1 of client is outside network lan's subnet 192.168.1.0/24"), "{e}");
    let e = error_of(&LAB.replace("{lan: 192.168.1.20}", "{lan: 192.168.1.10}"));
    assert!(
        e.starts_with(
            "DIR/x.yaml:11:23: duplicate address 192.168.1.10: already used by client on lan"
        ),
        "{e}"
    );
    let e = error_of(&LAB.replace("{lan: 192.168.1.20}", "{wan: 192.168.1.20}"));
    assert!(
        e.starts_with(
            "DIR/x.yaml:11:18: unknown network 'wan' in hosts.server.interfaces (networks: lan)"
        ),
        "{e}"
    );
}

#[test]
fn missing_base_and_bad_name_are_rejected() {
    let e = error_of(&LAB.replace("name: x", "name: x\nbase: nowhere"));
    assert!(
        e.starts_with(
            "DIR/x.yaml:2:7: base 'nowhere' does not exist (looked for DIR/base/nowhere.yaml"
        ),
        "{e}"
    );
    let e = error_of(&LAB.replace("name: x", "name: y"));
    assert!(
        e.starts_with("DIR/x.yaml:1:7: name 'y' differs from the file name 'x'"),
        "{e}"
    );
}

#[test]
fn role_specific_fields_are_checked() {
    let e = error_of(&LAB.replace(
        "    interfaces: {lan: 192.168.1.20}\n",
        "    interfaces: {lan: 192.168.1.20}\n    dial: {at: 1s, server: 192.168.1.10, username: u, password: p}\n",
    ));
    assert!(
        e.contains("x.yaml:12:5: 'dial' is not allowed on server, a rras-server host"),
        "{e}"
    );
    // Pre-shared keys: the connectoid's came with XP SP2, the custom L2TP
    // policy is RRAS's (WINDOWS.md 6).
    let e = error_of(&LAB.replace("password: p}", "password: p, preshared-key: k}"));
    assert!(
        e.contains("x.yaml:8:68: 'preshared-key' is not allowed on client, a windows-xp-client host (only on windows-xp-sp2-client, windows-vista-client, windows-7-client, windows-10-client, windows-11-client)"),
        "{e}"
    );
    let e = error_of(&LAB.replace(
        "    interfaces: {lan: 192.168.1.10}\n",
        "    interfaces: {lan: 192.168.1.10}\n    l2tp-preshared-key: k\n",
    ));
    assert!(
        e.contains("x.yaml:8:5: 'l2tp-preshared-key' is not allowed on client"),
        "{e}"
    );
    let e = error_of(&LAB.replace(
        "    interfaces: {lan: 192.168.1.10}\n",
        "    interfaces: {lan: 192.168.1.10}\n    nat: {inside: lan, outside: lan, esp: translate, udp-timeout: 5s}\n",
    ));
    assert!(
        e.contains(
            "'udp-timeout' is not allowed on client, a windows-xp-client host (only on nat hosts)"
        ),
        "{e}"
    );
    let e = error_of(&format!(
        "{LAB}  gw:\n    role: nat\n    interfaces: {{lan: 192.168.1.1}}\n"
    ));
    assert!(
        e.contains("x.yaml:13:11: gw is a nat host and needs 'nat:"),
        "{e}"
    );
}

#[test]
fn syntax_errors_name_file_line_and_column() {
    let e = error_of("name: x\nhosts: [a, b\nnetworks: {}\n");
    assert!(e.starts_with("DIR/x.yaml:"), "{e}");
    let pos: Vec<&str> = e.splitn(4, ':').collect();
    assert!(pos[1].parse::<u32>().unwrap() >= 2, "{e}");
    assert!(pos[3].contains("invalid YAML"), "{e}");
    let e = error_of("- just\n- a list\n");
    assert!(
        e.starts_with("DIR/x.yaml:1:1: a scenario is a map of fields"),
        "{e}"
    );
}

#[test]
fn errors_in_a_base_name_the_base_file() {
    let dir = temp_dir();
    std::fs::create_dir_all(dir.join("base")).unwrap();
    std::fs::write(
        dir.join("base/b.yaml"),
        "networks:\n  lan: {subnet: 192.168.1.0/24, latency: fast}\n",
    )
    .unwrap();
    std::fs::write(dir.join("x.yaml"), "name: x\nbase: b\n").unwrap();
    let e = load_file(&dir.join("x.yaml"), &dir)
        .unwrap_err()
        .to_string();
    let e = e.replace(&dir.display().to_string(), "DIR");
    assert!(
        e.starts_with("DIR/base/b.yaml:2:42: invalid duration 'fast'"),
        "{e}"
    );
}

#[test]
fn scenario_overrides_and_null_removes_base_values() {
    let dir = temp_dir();
    std::fs::create_dir_all(dir.join("base")).unwrap();
    std::fs::write(dir.join("base/b.yaml"), LAB.replace("name: x", "name: b")).unwrap();
    std::fs::write(
        dir.join("x.yaml"),
        "name: x\nbase: b\nhosts:\n  client:\n    dial: ~\n    gateway: 192.168.1.20\n",
    )
    .unwrap();
    let s = load_file(&dir.join("x.yaml"), &dir).unwrap();
    let c = s.hosts.get("client").unwrap();
    assert!(c.dial.is_none());
    assert_eq!(c.gateway, Some(Ipv4Addr::new(192, 168, 1, 20)));
}

#[test]
fn base_cycles_are_rejected() {
    let dir = temp_dir();
    std::fs::create_dir_all(dir.join("base")).unwrap();
    std::fs::write(dir.join("base/a.yaml"), "base: b\n").unwrap();
    std::fs::write(dir.join("base/b.yaml"), "base: a\n").unwrap();
    std::fs::write(dir.join("x.yaml"), "name: x\nbase: a\n").unwrap();
    let e = load_file(&dir.join("x.yaml"), &dir)
        .unwrap_err()
        .to_string();
    assert!(e.contains("includes itself"), "{e}");
}

#[test]
fn non_utf8_file_names_line_and_column_of_the_first_bad_byte() {
    let dir = temp_dir();
    let path = dir.join("x.yaml");
    let mut bytes = LAB.as_bytes().to_vec();
    // Line 6 is "    role: windows-xp-client"; break its 'w'.
    let at = LAB.find("windows-xp-client").unwrap();
    bytes[at] = 0xff;
    std::fs::write(&path, &bytes).unwrap();
    let e = load_file(&path, &dir).unwrap_err();
    let d = &e.diagnostics()[0];
    assert_eq!((d.line, d.column), (6, 11), "{e}");
    assert_eq!(
        d.message,
        "not UTF-8 text: invalid byte 0xff (save the file as UTF-8)"
    );
    // A base file is located the same way.
    std::fs::create_dir_all(dir.join("base")).unwrap();
    std::fs::write(dir.join("base/b.yaml"), b"networks:\n  \xc3(: {}\n").unwrap();
    std::fs::write(&path, "name: x\nbase: b\n").unwrap();
    let e = load_file(&path, &dir).unwrap_err().to_string();
    let e = e.replace(&dir.display().to_string(), "DIR");
    assert!(
        e.starts_with("DIR/base/b.yaml:2:3: not UTF-8 text: invalid byte 0xc3"),
        "{e}"
    );
}

#[test]
fn unknown_monitor_counter_and_log_name_are_located() {
    let e = error_of(&format!(
        "{LAB}expect:\n  monitor:\n    - {{host: client, counter: quick-mode, value: 1}}\n    - {{host: client, counter: outbound-sas, value: 1}}\n"
    ));
    assert!(
        e.starts_with(
            "DIR/x.yaml:14:31: unknown counter 'quick-mode' in expect.monitor[0].counter"
        ),
        "{e}"
    );
    assert_eq!(e.lines().count(), 1, "{e}");
    let e = error_of(&format!(
        "{LAB}expect:\n  no-events:\n    - {{host: client, log: application}}\n"
    ));
    assert!(
        e.starts_with("DIR/x.yaml:14:27: unknown value 'application'"),
        "{e}"
    );
}

#[test]
fn every_counter_the_monitor_keeps_is_accepted() {
    for c in monitor_counter_names() {
        let r = load_str(
            &format!("{LAB}expect:\n  monitor:\n    - {{host: client, counter: {c}, value: 0}}\n"),
            Path::new("x.yaml"),
            &data_dir(),
        );
        assert!(r.is_ok(), "{c}: {:?}", r.err());
    }
}

#[test]
fn unreadable_file_is_a_read_error() {
    let e = load("does-not-exist", Path::new("/nonexistent")).unwrap_err();
    assert!(matches!(e, LoadError::Read { .. }));
    assert!(e
        .to_string()
        .starts_with("/nonexistent/does-not-exist.yaml: cannot read"));
}

fn mutate(text: &str, ops: &[(usize, u8, u8)]) -> String {
    let mut b = text.as_bytes().to_vec();
    for &(pos, op, byte) in ops {
        if b.is_empty() {
            break;
        }
        let i = pos % b.len();
        let c = {
            let a = b" :-[]{},#&*!|>'\"\n0123456789abcxyz.%@`\t";
            a[usize::from(byte) % a.len()]
        };
        match op % 4 {
            0 => b[i] = c,
            1 => b.insert(i, c),
            2 => {
                b.remove(i);
            }
            _ => b.truncate(i),
        }
    }
    String::from_utf8_lossy(&b).into_owned()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn random_text_never_panics(text in "\\PC{0,200}") {
        let _ = load_str(&text, Path::new("x.yaml"), &data_dir());
    }

    #[test]
    fn mutated_scenarios_never_panic(ops in proptest::collection::vec((any::<usize>(), any::<u8>(), any::<u8>()), 1..6)) {
        let sample = std::fs::read_to_string(data_dir().join("sample.yaml")).unwrap();
        let text = mutate(&sample, &ops);
        let _ = load_str(&text, &data_dir().join("sample.yaml"), &data_dir());
        let text = mutate(LAB, &ops);
        if let Err(e) = load_str(&text, Path::new("x.yaml"), &data_dir()) {
            // every diagnostic names the file
            for d in e.diagnostics() {
                prop_assert!(d.file.ends_with(".yaml"));
            }
        }
    }
}

#[test]
fn a_server_version_picks_its_build_and_only_rras_has_one() {
    use l2tpsec::windows::config::Edition;
    let s = crate::scenario::load::load_str(
        &LAB.replace(
            "    interfaces: {lan: 192.168.1.20}\n",
            "    interfaces: {lan: 192.168.1.20}\n    version: 2016\n",
        ),
        std::path::Path::new("x.yaml"),
        std::path::Path::new("."),
    )
    .unwrap();
    let server = s.hosts.get("server").unwrap();
    assert_eq!(server.role, Role::Windows(Edition::SERVER_2016));
    assert_eq!(server.role.to_string(), "rras-server");
    let e = error_of(&LAB.replace(
        "    interfaces: {lan: 192.168.1.20}\n",
        "    interfaces: {lan: 192.168.1.20}\n    version: 2008\n",
    ));
    assert!(
        e.contains("server has no rras-server build 2008 (versions: 2003, 2016, 2022)"),
        "{e}"
    );
    let e = error_of(&LAB.replace(
        "    interfaces: {lan: 192.168.1.10}\n",
        "    interfaces: {lan: 192.168.1.10}\n    version: 2016\n",
    ));
    assert!(
        e.contains(
            "'version' is not allowed on client, a windows-xp-client host (only on rras-server)"
        ),
        "{e}"
    );
}

#[test]
fn audit_subcategories_are_for_vista_and_later() {
    let e = error_of(&LAB.replace(
        "    interfaces: {lan: 192.168.1.10}\n",
        "    interfaces: {lan: 192.168.1.10}\n    audit: [ipsec-main-mode]\n",
    ));
    assert!(
        e.contains("'audit' turns on the IPsec audit subcategories of Vista and later; client is a windows-xp-client"),
        "{e}"
    );
    let e = error_of(
        &LAB.replace("role: windows-xp-client", "role: windows-10-client")
            .replace(
                "    interfaces: {lan: 192.168.1.10}\n",
                "    interfaces: {lan: 192.168.1.10}\n    registry: {EnableLogging: 1}\n",
            ),
    );
    assert!(
        e.contains("EnableLogging does not exist on client, a windows-10-client host")
            && e.contains("from Vista on IKE writes no oakley.log: `audit: [ipsec-main-mode, ipsec-quick-mode]`"),
        "{e}"
    );
    let e = error_of(&LAB.replace(
        "    interfaces: {lan: 192.168.1.10}\n",
        "    interfaces: {lan: 192.168.1.10}\n    audit: [ipsec-extended-mode]\n",
    ));
    assert!(e.contains("unknown value 'ipsec-extended-mode'"), "{e}");
}

#[test]
fn an_update_belongs_to_its_build_and_unknown_ones_are_named() {
    let e = error_of(&LAB.replace(
        "    interfaces: {lan: 192.168.1.10}\n",
        "    interfaces: {lan: 192.168.1.10}\n    updates: [KB5009543]\n",
    ));
    assert!(
        e.contains("update KB5009543 of client is for windows-10-client, not windows-xp-client"),
        "{e}"
    );
    let e = error_of(&LAB.replace(
        "    interfaces: {lan: 192.168.1.10}\n",
        "    interfaces: {lan: 192.168.1.10}\n    updates: [KB123]\n",
    ));
    assert!(
        e.contains("unknown value 'KB123', expected one of: KB5009543 | KB5009566"),
        "{e}"
    );
}
