//! The library's types read from scenario text: forwards, faults and
//! timeline commands have the library's shape, and their errors are
//! located where they are written.

use super::*;

#[test]
fn forward_rules_are_checked_where_they_are_written() {
    let text = format!(
        "{LAB}  gw:\n    role: nat\n    interfaces: {{lan: 192.168.1.1, wan: 198.51.100.1}}\n    nat:\n      inside: lan\n      outside: wan\n      forward:\n        - {{protocol: tcp, port: 1723, to: ghost}}\n        - {{protocol: tcp, port: 1723, to: outsider}}\n  outsider:\n    role: router\n    interfaces: {{wan: 198.51.100.9}}\n"
    ).replace("  lan: {subnet: 192.168.1.0/24}\n", "  lan: {subnet: 192.168.1.0/24}\n  wan: {subnet: 198.51.100.0/24}\n");
    let e = error_of(&text);
    let lines: Vec<&str> = e.lines().collect();
    assert_eq!(lines.len(), 3, "{e}");
    assert!(
        lines[0].contains("unknown host 'ghost' in hosts.gw.nat.forward[0].to"),
        "{e}"
    );
    assert!(
        lines[1].contains("forwards the same thing as hosts.gw.nat.forward[0]"),
        "{e}"
    );
    assert!(
        lines[2].contains("'outsider' has no interface on gw's inside network 'lan'"),
        "{e}"
    );
}

#[test]
fn a_forward_has_the_shape_of_the_librarys() {
    let gw = |rule: &str| {
        format!(
            "{LAB}  gw:\n    role: nat\n    interfaces: {{lan: 192.168.1.1, wan: 198.51.100.1}}\n    nat:\n      inside: lan\n      outside: wan\n      forward:\n        - {rule}\n"
        )
        .replace("  lan: {subnet: 192.168.1.0/24}\n", "  lan: {subnet: 192.168.1.0/24}\n  wan: {subnet: 198.51.100.0/24}\n")
    };
    let e = error_of(&gw("{protocol: udp, to: server}"));
    assert!(e.contains("x.yaml:20:11: missing field 'port'"), "{e}");
    let e = error_of(&gw("{protocol: esp, port: 50, to: server}"));
    assert!(
        e.contains("x.yaml:20:27: unknown field 'port', expected one of: to"),
        "{e}"
    );
    let e = error_of(&gw("{protocol: sctp, to: server}"));
    assert!(
        e.contains("unknown value 'sctp', expected one of: udp | tcp | esp | gre"),
        "{e}"
    );
}

#[test]
fn gre_settings_are_for_nat_hosts_and_a_gre_forward_has_no_port() {
    let e = error_of(&LAB.replace(
        "    interfaces: {lan: 192.168.1.10}\n",
        "    interfaces: {lan: 192.168.1.10}\n    nat: {inside: lan, outside: lan, gre: pptp-helper}\n",
    ));
    assert!(
        e.contains("'gre' is not allowed on client, a windows-xp-client host (only on nat hosts)"),
        "{e}"
    );
    let e = error_of(&format!(
        "{LAB}  gw:\n    role: nat\n    interfaces: {{lan: 192.168.1.1, wan: 198.51.100.1}}\n    nat: {{inside: lan, outside: wan, gre: bogus}}\n"
    ).replace("  lan: {subnet: 192.168.1.0/24}\n", "  lan: {subnet: 192.168.1.0/24}\n  wan: {subnet: 198.51.100.0/24}\n"));
    assert!(
        e.contains(
            "x.yaml:16:43: unknown value 'bogus', expected one of: translate | pptp-helper | drop"
        ),
        "{e}"
    );
    let e = error_of(&format!(
        "{LAB}  gw:\n    role: nat\n    interfaces: {{lan: 192.168.1.1, wan: 198.51.100.1}}\n    nat: {{inside: lan, outside: wan, forward: [{{protocol: gre, port: 47, to: server}}]}}\n"
    ).replace("  lan: {subnet: 192.168.1.0/24}\n", "  lan: {subnet: 192.168.1.0/24}\n  wan: {subnet: 198.51.100.0/24}\n"));
    assert!(
        e.contains("x.yaml:16:64: unknown field 'port', expected one of: to"),
        "{e}"
    );
}

#[test]
fn every_problem_is_reported_not_just_the_first() {
    let e = error_of(&format!(
        "{LAB}timeline:\n  - {{at: 1s, host: ghost, action: hang-up}}\n  - {{at: 1s, host: server, action: dial}}\nexpect:\n  dials: [{{host: server, connected: true}}]\n"
    ));
    let lines: Vec<&str> = e.lines().collect();
    assert_eq!(lines.len(), 3, "{e}");
    assert!(
        lines[0].contains("unknown host 'ghost' in timeline[0].host"),
        "{e}"
    );
    assert!(
        lines[1].contains("server has no dial: to dial or hang up"),
        "{e}"
    );
    assert!(
        lines[2].contains("server has no dial: to expect a result of"),
        "{e}"
    );
}

#[test]
fn fault_parameters_are_checked() {
    let e = error_of(&format!("{LAB}faults:\n  - {{at: lan, action: delay}}\n"));
    assert!(e.contains("x.yaml:13:5: missing field 'by'"), "{e}");
    let e = error_of(&format!(
        "{LAB}faults:\n  - {{at: lan, action: drop, by: 1s}}\n"
    ));
    assert!(
        e.contains("x.yaml:13:29: unknown field 'by': none is allowed here"),
        "{e}"
    );
    let e = error_of(&format!(
        "{LAB}faults:\n  - {{at: lan, action: corrupt, after: esp-header, by: 1s}}\n"
    ));
    assert!(
        e.contains("unknown field 'by', expected one of: after"),
        "{e}"
    );
    let e = error_of(&format!("{LAB}faults:\n  - {{at: client, action: drop}}\n"));
    assert!(
        e.contains("faults apply at a network or at a router/nat host"),
        "{e}"
    );
    let e = error_of(&format!(
        "{LAB}faults:\n  - {{at: lan, action: drop, probability: 1.5}}\n"
    ));
    assert!(e.contains("probability 1.5 is not between 0 and 1"), "{e}");
}

#[test]
fn a_timeline_action_has_the_shape_of_the_librarys_command() {
    let at = |entry: &str| error_of(&format!("{LAB}timeline:\n  - {entry}\n"));
    let e = at("{at: 1s, host: client, action: stop-service}");
    assert!(e.contains("x.yaml:13:5: missing field 'service'"), "{e}");
    let e = at("{at: 1s, host: client, action: set-registry, name: DisableNatT, value: 1}");
    assert!(
        e.contains("unknown value 'DisableNatT', expected one of: ProhibitIpSec | EnableOffload"),
        "{e}"
    );
    let e = at("{at: 1s, host: client, action: dial, name: EnableOffload}");
    assert!(
        e.contains("x.yaml:13:42: unknown field 'name': none is allowed here"),
        "{e}"
    );
    let e = at("{at: 1s, host: client, action: reboot}");
    assert!(
        e.contains("unknown value 'reboot', expected one of: stop-service | start-service | dial | hang-up | ping | set-registry"),
        "{e}"
    );
}

#[test]
fn a_manual_policy_has_the_shape_of_the_librarys() {
    let policy = |mm: &str| {
        LAB.replace(
            "    interfaces: {lan: 192.168.1.10}\n",
            &format!(
                "    interfaces: {{lan: 192.168.1.10}}\n    ipsec-policy:\n      name: p\n      main-mode: [{mm}]\n"
            ),
        )
    };
    let e = error_of(&policy("{encryption: 3des, hash: sha1, group: 5}"));
    assert!(
        e.contains("x.yaml:10:57: Diffie-Hellman group 5 is not modelled (1, 2, 14, 19 or 20)"),
        "{e}"
    );
    let e = error_of(&policy("{encryption: 3des, hash: sha1}"));
    assert!(e.contains("x.yaml:10:19: missing field 'group'"), "{e}");
    let e = error_of(&policy("{encryption: rot13, hash: sha1, group: 2}"));
    assert!(e.contains("unknown value 'rot13'"), "{e}");
}

#[test]
fn registry_values_are_checked_against_the_hosts_build() {
    let lab = LAB.replace(
        "    role: windows-xp-client\n",
        "    role: windows-xp-client\n    registry: {AssumeUDPEncapsulationContextOnSendRule: 1}\n",
    );
    let e = error_of(&lab);
    assert!(
        e.starts_with("DIR/x.yaml:7:16: AssumeUDPEncapsulationContextOnSendRule does not exist on client, a windows-xp-client host (only on windows-xp-sp2-client, windows-vista-client, windows-7-client, windows-10-client, windows-11-client)"),
        "{e}"
    );
    let lab = LAB.replace(
        "    role: rras-server\n",
        "    role: rras-server\n    registry: {AssumeUDPEncapsulationContextOnSendRule: 2}\n",
    );
    let e = error_of(&lab);
    assert!(
        e.contains("AssumeUDPEncapsulationContextOnSendRule does not exist on server, a rras-server host (only on windows-xp-sp2-client, windows-vista-client, windows-7-client, windows-10-client, windows-11-client)"),
        "{e}"
    );
    let lab = LAB.replace(
        "    role: windows-xp-client\n",
        "    role: windows-xp-sp2-client\n    registry: {AssumeUDPEncapsulationContextOnSendRule: 7}\n",
    );
    let e = error_of(&lab);
    assert!(
        e.starts_with("DIR/x.yaml:7:57: AssumeUDPEncapsulationContextOnSendRule = 7 is out of range on client (allowed 0-2)"),
        "{e}"
    );
    // The same on the timeline, at the name or at the data.
    let e = error_of(&format!(
        "{LAB}timeline:\n  - {{at: 2s, host: client, action: set-registry, name: AssumeUDPEncapsulationContextOnSendRule, value: 0}}\n  - {{at: 3s, host: server, action: set-registry, name: ProhibitIpSec, value: 2}}\n"
    ));
    assert!(
        e.contains(
            "DIR/x.yaml:13:56: AssumeUDPEncapsulationContextOnSendRule does not exist on client"
        ),
        "{e}"
    );
    assert!(
        e.contains("DIR/x.yaml:14:78: ProhibitIpSec = 2 is out of range on server (allowed 0-1)"),
        "{e}"
    );
}

#[test]
fn a_clock_offset_is_signed_and_only_on_windows_hosts() {
    let lab = LAB.replace(
        "    role: windows-xp-client\n",
        "    role: windows-xp-client\n    clock: 2 hours\n",
    );
    let e = error_of(&lab);
    assert!(
        e.starts_with("DIR/x.yaml:7:12: invalid clock offset '2 hours'"),
        "{e}"
    );
    let e = error_of(&format!(
        "{LAB}  gw:\n    role: router\n    clock: -2h\n    interfaces: {{lan: 192.168.1.1}}\n"
    ));
    assert!(
        e.contains("DIR/x.yaml:14:5: 'clock' is not allowed on gw, a router host"),
        "{e}"
    );
}
