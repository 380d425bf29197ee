//! Every capture the scenarios write is opened by tshark (Debian's
//! `tshark`): every frame is read, none is malformed or carries an
//! error-level expert note, and the protocols of the stack are dissected.
//! The MS-CHAPv2 NT-Response tshark reads off the wire is the one RFC 2759
//! computes from the scenario's credentials and the two challenges.
//!
//! Without tshark the tests say so and pass, except under CI (`CI=true`),
//! where `.ci/run` installs it and a missing tshark is a failure.

use std::path::{Path, PathBuf};
use std::process::Command;

use l2tpsec::crypto::mschapv2::generate_nt_response;
use l2tpsec::wire::Flow;
use l2tpsec_harness::run::{run_checked, run_scenario};
use l2tpsec_harness::scenario::scenario_files;
use l2tpsec_harness::{load_file, Report, RunOptions, Scenario};

/// Wireshark's expert severity "error" (epan/proto.h PI_ERROR).
const PI_ERROR: u32 = 0x0080_0000;

fn scenarios_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scenarios")
}

fn tshark_available() -> bool {
    let found = Command::new("tshark")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var("CI").map_or(true, |v| v != "true"),
            "tshark is required under CI: apt-get install -y tshark"
        );
        eprintln!("tshark not installed: capture checks skipped");
    }
    found
}

fn load(name: &str) -> Scenario {
    let dir = scenarios_dir();
    load_file(&dir.join(format!("{name}.yaml")), &dir).unwrap_or_else(|e| panic!("{e}"))
}

/// Runs `s` with `seed` and writes its capture to a file of its own.
fn capture(s: &Scenario, seed: u64) -> (Report, PathBuf) {
    let opts = RunOptions {
        seed,
        locale: s.locale,
        want_pcap: true,
        want_keys: true,
        engine: l2tpsec::net::Engine::default(),
    };
    let (report, pcap, _keys) = run_scenario(s, &opts).unwrap_or_else(|e| panic!("{e}"));
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("tshark");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{}-{seed}.pcapng", s.name));
    std::fs::write(&path, pcap).unwrap();
    (report, path)
}

/// tshark's field output, one line per matching frame.
fn fields(pcap: &Path, filter: &str, fields: &[&str]) -> Vec<String> {
    let mut cmd = Command::new("tshark");
    cmd.arg("-n")
        .arg("-r")
        .arg(pcap)
        .arg("-d")
        .arg("udp.port==1701,l2tp");
    if !filter.is_empty() {
        cmd.arg("-Y").arg(filter);
    }
    cmd.args(["-T", "fields"]);
    for f in fields {
        cmd.args(["-e", f]);
    }
    let out = cmd.output().expect("tshark runs");
    assert!(
        out.status.success(),
        "tshark failed on {}: {}",
        pcap.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn tshark_reads_every_capture_without_malformed_packets() {
    if !tshark_available() {
        return;
    }
    let dir = scenarios_dir();
    for file in scenario_files(&dir).unwrap() {
        let s = load_file(&file, &dir).unwrap_or_else(|e| panic!("{e}"));
        let (report, pcap) = capture(&s, s.seed);
        let frames = fields(&pcap, "", &["frame.number"]);
        assert_eq!(
            frames.len(),
            report.packets.len(),
            "{}: frames tshark read",
            s.name
        );
        let bad = fields(
            &pcap,
            &format!("_ws.malformed || _ws.expert.severity >= {PI_ERROR}"),
            &["frame.number", "_ws.expert.message"],
        );
        assert!(
            bad.is_empty(),
            "{}: malformed or erroneous frames:\n{}",
            s.name,
            bad.join("\n")
        );
    }
}

#[test]
fn tshark_dissects_l2tp_avps_lcp_mschapv2_ccp_ipcp_and_mppe() {
    if !tshark_available() {
        return;
    }
    let s = load("l2tp-cleartext-connect");
    let (_, pcap) = capture(&s, s.seed);
    for (filter, what) in [
        ("l2tp.avp.type == 7", "L2TP Host Name AVP"),
        (
            "lcp.opt.auth_protocol == 0xc223",
            "LCP Auth-Protocol MS-CHAPv2",
        ),
        ("chap.code == 1", "MS-CHAPv2 Challenge"),
        ("chap.code == 2", "MS-CHAPv2 Response"),
        ("chap.code == 3", "MS-CHAPv2 Success"),
        ("ccp.opt.type == 18", "CCP MPPE option"),
        (
            "ipcp.opt.ip_address == 10.10.0.101",
            "IPCP address from the pool",
        ),
        ("ppp.protocol == 0x00fd", "MPPE-encrypted datagrams"),
    ] {
        assert!(
            !fields(&pcap, filter, &["frame.number"]).is_empty(),
            "no {what} ({filter})"
        );
    }
}

/// Keeps only the frames of one interface (`host/segment`): Wireshark's IKE
/// decryption chains IVs from packet to packet, so the copies of a message
/// seen at several interfaces of one capture must be dissected apart, as a
/// capture taken on one machine would be.
fn one_interface(pcap: &Path, name: &str) -> PathBuf {
    let out = pcap.with_file_name(format!(
        "{}-{}.pcapng",
        pcap.file_stem().and_then(|s| s.to_str()).unwrap_or("x"),
        name.replace('/', "-")
    ));
    let status = Command::new("tshark")
        .arg("-r")
        .arg(pcap)
        .args(["-Y", &format!("frame.interface_name == \"{name}\""), "-w"])
        .arg(&out)
        .output()
        .expect("tshark runs");
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    out
}

/// tshark's field output with the exported keys applied.
fn decrypted(pcap: &Path, keys: &str, filter: &str, fields: &[&str]) -> Vec<String> {
    let mut cmd = Command::new("tshark");
    cmd.arg("-n").arg("-r").arg(pcap);
    cmd.args([
        "-o",
        "esp.enable_encryption_decode:TRUE",
        "-o",
        "esp.enable_authentication_check:TRUE",
    ]);
    for line in keys.lines() {
        cmd.args(["-o", line]);
    }
    cmd.args(["-Y", filter, "-T", "fields"]);
    for f in fields {
        cmd.args(["-e", f]);
    }
    let out = cmd.output().expect("tshark runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}

/// At least `min` frames match `filter`, every one with a good ICV, and
/// no ESP frame stays without the L2TP it carries.
fn esp_decrypts(pcap: &Path, keys: &str, filter: &str, min: usize, what: &str) {
    let esp = decrypted(pcap, keys, filter, &["esp.icv_good"]);
    assert!(esp.len() >= min, "{what}: {} ESP frames", esp.len());
    assert!(
        esp.iter().all(|v| v == "1"),
        "{what}: ICV not good on every ESP frame: {esp:?}"
    );
    let opaque = decrypted(pcap, keys, "esp && !l2tp", &["frame.number"]);
    assert!(
        opaque.is_empty(),
        "{what}: ESP without L2TP inside: {opaque:?}"
    );
}

/// Runs a shipped scenario with its seed; its whole capture, written to a
/// file, and its exported keys.
fn keyed_capture(name: &str) -> (PathBuf, String) {
    let s = load(name);
    let opts = RunOptions {
        seed: s.seed,
        locale: s.locale,
        want_pcap: true,
        want_keys: true,
        engine: l2tpsec::net::Engine::default(),
    };
    let (_, pcap, keys) = run_scenario(&s, &opts).unwrap_or_else(|e| panic!("{e}"));
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("tshark");
    std::fs::create_dir_all(&dir).unwrap();
    let whole = dir.join(format!("{name}-keys.pcapng"));
    std::fs::write(&whole, pcap).unwrap();
    (whole, keys)
}

#[test]
fn exported_keys_decrypt_main_mode_and_every_esp_packet() {
    if !tshark_available() {
        return;
    }
    let (whole, keys) = keyed_capture("l2tp-ipsec-connect");
    assert!(keys.contains("uat:ikev1_decryption_table:"), "{keys}");
    assert_eq!(keys.matches("uat:esp_sa:").count(), 2, "{keys}");
    for iface in ["client/lan", "server/internet"] {
        let pcap = one_interface(&whole, iface);
        let bad = decrypted(
            &pcap,
            &keys,
            &format!("_ws.malformed || _ws.expert.severity >= {PI_ERROR}"),
            &["frame.number", "_ws.expert.message"],
        );
        assert!(
            bad.is_empty(),
            "{iface}: malformed after decryption:\n{}",
            bad.join("\n")
        );
        // Main Mode messages 5 and 6 decrypt to ID, CERT and SIG.
        for (payload, name) in [(5, "ID"), (6, "CERT"), (9, "SIG")] {
            let n = decrypted(
                &pcap,
                &keys,
                &format!("isakmp.exchangetype == 2 && isakmp.typepayload == {payload}"),
                &["frame.number"],
            );
            assert_eq!(n.len(), 2, "{iface}: Main Mode frames with {name}");
        }
        esp_decrypts(&pcap, &keys, "esp", 10, iface);
        assert!(!decrypted(&pcap, &keys, "esp && ppp", &["frame.number"]).is_empty());
    }
}

/// Challenge and Response values of the capture at the client's interface.
fn challenges(pcap: &Path) -> (Vec<u8>, Vec<u8>, String) {
    let at_client = "ip.src == 203.0.113.10 && ip.dst == 192.168.1.10";
    let challenge = fields(
        pcap,
        &format!("chap.code == 1 && {at_client}"),
        &["chap.value"],
    );
    let response = fields(
        pcap,
        "chap.code == 2 && ip.dst == 203.0.113.10",
        &["chap.value", "chap.name"],
    );
    let first = |v: &[String]| {
        v.first()
            .cloned()
            .unwrap_or_else(|| panic!("no CHAP packet in {}", pcap.display()))
    };
    let (value, name) = first(&response)
        .split_once('\t')
        .map(|(a, b)| (a.to_owned(), b.to_owned()))
        .unwrap();
    (
        hex::decode(first(&challenge)).unwrap(),
        hex::decode(value).unwrap(),
        name,
    )
}

#[test]
fn nt_response_on_the_wire_is_what_rfc_2759_computes() {
    if !tshark_available() {
        return;
    }
    // Over L2TP and over PPTP's GRE alike.
    for name in ["l2tp-cleartext-connect", "pptp-connect"] {
        let s = load(name);
        let dial = s.hosts.get("client").and_then(|h| h.dial.clone()).unwrap();
        let (_, pcap) = capture(&s, s.seed);
        let (challenge, response, user) = challenges(&pcap);
        assert_eq!(user, dial.username, "{name}");
        // RFC 2759 4: Peer-Challenge 16, Reserved 8, NT-Response 24, Flags 1.
        assert_eq!(response.len(), 49, "{name}");
        let auth: [u8; 16] = challenge.as_slice().try_into().unwrap();
        let peer: [u8; 16] = response[..16].try_into().unwrap();
        let expected = generate_nt_response(&auth, &peer, &dial.username, &dial.password);
        assert_eq!(&response[24..48], &expected[..], "{name}");
    }
}

/// The PPTP scenarios whose links lose nothing: TCP must look clean there.
const CLEAN_PPTP: [&str; 5] = [
    "pptp-connect",
    "automatic-falls-back-to-pptp",
    "pptp-bad-password",
    "pptp-encryption-required-unsupported",
    "pptp-two-clients-behind-nat-helper",
];

#[test]
fn tshark_dissects_pptp_gre_ppp_and_mppe_with_no_tcp_analysis_flag_on_a_clean_link() {
    if !tshark_available() {
        return;
    }
    for name in CLEAN_PPTP {
        let s = load(name);
        let (_, pcap) = capture(&s, s.seed);
        for (filter, what) in [
            (
                "pptp.control_message_type == 1",
                "Start-Control-Connection-Request",
            ),
            (
                "pptp.control_message_type == 2",
                "Start-Control-Connection-Reply",
            ),
            ("pptp.control_message_type == 7", "Outgoing-Call-Request"),
            ("pptp.control_message_type == 8", "Outgoing-Call-Reply"),
            ("gre.proto == 0x880b && gre.key.call_id", "enhanced GRE"),
            ("gre && lcp", "LCP in GRE"),
            ("gre && chap.code == 1", "MS-CHAPv2 Challenge in GRE"),
        ] {
            assert!(
                !fields(&pcap, filter, &["frame.number"]).is_empty(),
                "{name}: no {what} ({filter})"
            );
        }
        if name != "pptp-encryption-required-unsupported" && name != "pptp-bad-password" {
            assert!(
                !fields(&pcap, "gre && ppp.protocol == 0x00fd", &["frame.number"]).is_empty(),
                "{name}: no MPPE in GRE"
            );
        }
        // Retransmissions, duplicate ACKs, zero windows, out-of-order or
        // lost segments: none on a link that loses nothing, in the capture
        // of each interface (together, one segment seen at several looks
        // like its own retransmission).
        let mut interfaces = fields(&pcap, "tcp", &["frame.interface_name"]);
        interfaces.sort();
        interfaces.dedup();
        assert!(interfaces.len() >= 2, "{name}: {interfaces:?}");
        for iface in interfaces {
            let flagged = fields(
                &one_interface(&pcap, &iface),
                "tcp.analysis.flags && !tcp.analysis.window_update",
                &["frame.number", "_ws.expert.message"],
            );
            assert!(flagged.is_empty(), "{name} {iface}: {}", flagged.join("\n"));
        }
    }
}

#[test]
fn another_seed_changes_tunnel_ids_and_challenges() {
    if !tshark_available() {
        return;
    }
    let s = load("l2tp-cleartext-connect");
    let (_, one) = capture(&s, 1);
    let (_, two) = capture(&s, 2);
    let tunnels = |p: &Path| fields(p, "l2tp.avp.type == 9", &["l2tp.avp.assigned_tunnel_id"]);
    assert_ne!(tunnels(&one), tunnels(&two));
    assert_ne!(challenges(&one).0, challenges(&two).0);
    assert_ne!(challenges(&one).1, challenges(&two).1);
}

/// Captures in which tshark is expected to flag frames, and why. Each entry
/// must still flag something (a stale entry fails the test), and no more
/// frames than the run's `corrupt` fault actions.
const EXPECTED_MALFORMED: &[(&str, &str, &str)] = &[(
    "esp-corrupted-by-switch",
    "server-internet",
    "a fault rule flips a byte of every ESP packet toward the server past \
     the ESP header; tshark decrypts the damaged ciphertext with the keys and \
     dissects garbage (the capture shows what the wire carried)",
)];

/// The packet bytes of each Enhanced Packet Block of a pcapng we wrote
/// (little-endian, one section), in file order: tshark's frame 1, 2, ...
fn pcapng_frames(pcapng: &[u8]) -> Vec<&[u8]> {
    let u32_at = |at: usize| {
        pcapng
            .get(at..at + 4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
    };
    let mut frames = Vec::new();
    let mut at = 0;
    while let (Some(kind), Some(len)) = (u32_at(at), u32_at(at + 4)) {
        // EPB (pcapng 4.3): type 6, interface, timestamp (8), captured
        // length at 20, packet data from 28.
        if kind == 6 {
            let caplen = u32_at(at + 20).unwrap_or(0);
            frames.push(&pcapng[at + 28..at + 28 + caplen]);
        }
        if len == 0 {
            break;
        }
        at += len;
    }
    frames
}

/// 1-based numbers of the frames that repeat an earlier frame's bytes.
/// Compared past the IPv4 header, whose identification (and so checksum)
/// differs on every packet a machine sends: a retransmitted datagram is the
/// same UDP header and message.
fn repeated_frames(frames: &[&[u8]]) -> std::collections::BTreeSet<usize> {
    let mut seen = std::collections::BTreeSet::new();
    let mut repeats = std::collections::BTreeSet::new();
    for (i, f) in frames.iter().enumerate() {
        let bytes = match Flow::classify(f) {
            Ok(flow) => (
                u8::from(flow.protocol),
                flow.src,
                flow.dst,
                flow.transport(f),
            ),
            Err(_) => (0, [0; 4].into(), [0; 4].into(), *f),
        };
        if !seen.insert(bytes) {
            repeats.insert(i + 1);
        }
    }
    repeats
}

/// Every per-interface capture of every shipped scenario, dissected by
/// tshark with the exported keys, has no malformed frame and no error-level
/// expert note (SCENARIOS.md, second round). Frames that repeat an earlier
/// frame of the same file byte for byte (past the IPv4 header, see
/// `repeated_frames`) are left out and counted: tshark's
/// IKEv1 decryption chains IVs from frame to frame, so a Windows-style
/// identical retransmission of an encrypted message shows as malformed.
#[test]
fn every_interface_capture_dissects_with_the_keys_without_malformed_frames() {
    if !tshark_available() {
        return;
    }
    let dir = scenarios_dir();
    let out_dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("tshark-interfaces");
    let mut problems = Vec::new();
    let mut excepted_hits = std::collections::BTreeSet::new();
    let (mut files, mut repeats, mut repeats_left_out) = (0, 0, 0);
    for file in scenario_files(&dir).unwrap() {
        let s = load_file(&file, &dir).unwrap_or_else(|e| panic!("{e}"));
        let opts = RunOptions {
            seed: s.seed,
            locale: s.locale,
            want_pcap: true,
            want_keys: true,
            engine: l2tpsec::net::Engine::default(),
        };
        let out = run_checked(&s, &opts).unwrap_or_else(|e| panic!("{e}"));
        let corrupted = out
            .report
            .faults
            .iter()
            .filter(|f| f.action == "corrupt")
            .count();
        let sdir = out_dir.join(&s.name);
        std::fs::create_dir_all(&sdir).unwrap();
        for c in &out.interface_pcapngs {
            let iface = format!("{}-{}", c.host, c.segment);
            let path = sdir.join(format!("{iface}.pcapng"));
            std::fs::write(&path, &c.pcapng).unwrap();
            files += 1;
            let frames = pcapng_frames(&c.pcapng);
            let repeated = repeated_frames(&frames);
            repeats += repeated.len();
            let bad: Vec<String> = decrypted(
                &path,
                &out.keys,
                "_ws.malformed || _ws.expert.severity == error",
                &["frame.number", "_ws.expert.message"],
            )
            .into_iter()
            .filter(|line| {
                let n: usize = line.split('\t').next().unwrap_or("0").parse().unwrap_or(0);
                if repeated.contains(&n) {
                    repeats_left_out += 1;
                    false
                } else {
                    true
                }
            })
            .collect();
            if bad.is_empty() {
                continue;
            }
            match EXPECTED_MALFORMED
                .iter()
                .find(|(n, i, _)| *n == s.name && *i == iface)
            {
                Some(_) if bad.len() <= corrupted => {
                    excepted_hits.insert((s.name.clone(), iface));
                }
                _ => problems.push(format!(
                    "{} {iface} ({} frames, {} corrupted by faults):\n  {}",
                    s.name,
                    frames.len(),
                    corrupted,
                    bad.join("\n  ")
                )),
            }
        }
    }
    for (name, iface, why) in EXPECTED_MALFORMED {
        if !excepted_hits.contains(&(name.to_string(), iface.to_string())) {
            problems.push(format!(
                "stale exception {name} {iface}: no malformed frame any more ({why})"
            ));
        }
    }
    eprintln!(
        "{files} interface captures dissected; {repeats} frames repeat an earlier \
         frame byte for byte, {repeats_left_out} of them flagged by tshark and left out"
    );
    assert!(files > 0, "no capture written");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn exported_keys_decrypt_udp_encapsulated_esp_on_every_segment_of_the_nat_t_scenarios() {
    if !tshark_available() {
        return;
    }
    for (name, interfaces) in [
        (
            "nat-t-behind-client",
            &["client/lan", "gw/internet", "server/internet"][..],
        ),
        (
            "nat-t-two-clients-same-nat",
            &["client/lan", "client2/lan", "server/internet"][..],
        ),
        (
            "nat-t-server-behind-nat-allowed",
            &["client/lan", "gw/internet", "server/dmz"][..],
        ),
        (
            "nat-t-mapping-expires",
            &["client/lan", "server/internet"][..],
        ),
    ] {
        let (whole, keys) = keyed_capture(name);
        for iface in interfaces {
            let pcap = one_interface(&whole, iface);
            let bad = decrypted(
                &pcap,
                &keys,
                &format!("_ws.malformed || _ws.expert.severity >= {PI_ERROR}"),
                &["frame.number", "_ws.expert.message"],
            );
            assert!(bad.is_empty(), "{name} {iface}: {}", bad.join("\n"));
            // RFC 3948 as tshark reads it: ESP inside UDP 4500.
            esp_decrypts(
                &pcap,
                &keys,
                "udpencap && esp",
                5,
                &format!("{name} {iface}"),
            );
            // IKE moved to 4500 behind the non-ESP marker, and decrypts: MM5
            // and MM6 show their ID payloads (type 5).
            let floated = decrypted(
                &pcap,
                &keys,
                "udp.port == 4500 && isakmp.exchangetype == 2 && isakmp.typepayload == 5",
                &["frame.number"],
            );
            assert!(
                floated.len() >= 2,
                "{name} {iface}: Main Mode on 4500: {floated:?}"
            );
        }
        if name == "nat-t-mapping-expires" {
            let keepalives = decrypted(&whole, &keys, "udpencap.nat_keepalive", &["frame.number"]);
            assert!(
                !keepalives.is_empty(),
                "{name}: no NAT-keepalive tshark knows"
            );
        }
    }
}

#[test]
fn a_two_hour_call_decrypts_across_its_quick_mode_renewals() {
    if !tshark_available() {
        return;
    }
    let (whole, keys) = keyed_capture("two-hour-call");
    // Three Quick Modes: the first and two renewals, each a pair.
    assert_eq!(keys.matches("uat:esp_sa:").count(), 6, "{keys}");
    let pcap = one_interface(&whole, "client/lan");
    let bad = decrypted(
        &pcap,
        &keys,
        &format!("_ws.malformed || _ws.expert.severity >= {PI_ERROR}"),
        &["frame.number", "_ws.expert.message"],
    );
    assert!(bad.is_empty(), "malformed:\n{}", bad.join("\n"));
    esp_decrypts(&pcap, &keys, "esp", 100, "client/lan");
    // Each direction used three SPIs, one after another.
    let spis = decrypted(&pcap, &keys, "esp && ip.src == 192.168.1.10", &["esp.spi"]);
    let distinct: std::collections::BTreeSet<_> = spis.iter().collect();
    assert_eq!(distinct.len(), 3, "{distinct:?}");
    // Every echo request inside has its reply.
    let requests = decrypted(&pcap, &keys, "icmp.type == 8", &["frame.number"]);
    let replies = decrypted(&pcap, &keys, "icmp.type == 0", &["frame.number"]);
    assert_eq!((requests.len(), replies.len()), (16, 16));
}

/// Windows 10 against Server 2016 (issue 21): tshark decrypts the AES-256
/// Main Mode of an ECP-384 exchange to its ID and HASH, and every ESP
/// packet, AES-CBC with HMAC-SHA1-96, with the exported keys.
#[test]
fn exported_keys_decrypt_aes_and_ecp_of_windows_10() {
    if !tshark_available() {
        return;
    }
    for name in ["windows-10-connect", "xp-and-windows-10-side-by-side"] {
        let (whole, keys) = keyed_capture(name);
        let pcap = one_interface(&whole, "server/internet");
        // The responder's answer names group 20 and AES (7) with 256 bits.
        let chosen = fields(
            &pcap,
            "isakmp.exchangetype == 2 && ip.src == 203.0.113.10 && isakmp.ike.attr.group_description",
            &["isakmp.ike.attr.group_description", "isakmp.ike.attr.encryption_algorithm", "isakmp.ike.attr.key_length"],
        );
        assert!(
            chosen.iter().any(|l| l.starts_with("20\t7\t256")),
            "{name}: {chosen:?}"
        );
        for (payload, what) in [(5, "ID"), (8, "HASH")] {
            let n = decrypted(
                &pcap,
                &keys,
                &format!("isakmp.exchangetype == 2 && isakmp.typepayload == {payload}"),
                &["frame.number"],
            );
            assert!(n.len() >= 2, "{name}: Main Mode frames with {what}: {n:?}");
        }
        esp_decrypts(&pcap, &keys, "esp", 10, name);
        assert!(!decrypted(&pcap, &keys, "esp && ppp", &["frame.number"]).is_empty());
    }
}
