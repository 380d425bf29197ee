//! The command line: its cache, its JSON, the side it infers or is
//! given, and what it refuses.

use super::*;

#[test]
fn the_cache_key_changes_with_any_scenario_file() {
    let tmp = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("diagnose-key");
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(tmp.join("base")).unwrap();
    std::fs::write(tmp.join("a.yaml"), "name: a\n").unwrap();
    std::fs::write(tmp.join("base/b.yaml"), "hosts: {}\n").unwrap();
    let before = index::cache_key(&tmp).unwrap();
    assert_eq!(index::cache_key(&tmp).unwrap(), before);
    std::fs::write(tmp.join("base/b.yaml"), "hosts: {x: {}}\n").unwrap();
    assert_ne!(index::cache_key(&tmp).unwrap(), before);
}

#[test]
fn the_command_line_caches_its_index_and_prints_json() {
    let tmp = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("diagnose-cli");
    let _ = std::fs::remove_dir_all(&tmp);
    let cache = tmp.join("index.json");
    let cache = cache.to_str().unwrap();
    let out = l2tpsec(&[
        "diagnose", "--error", "792", "--format", "json", "--index", cache,
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let first: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(std::path::Path::new(cache).is_file());
    // The second run reads the cache and says the same.
    let again = l2tpsec(&[
        "diagnose", "--error", "792", "--format", "json", "--index", cache,
    ]);
    assert_eq!(again.stdout, out.stdout);
    let names: Vec<&str> = first["causes"]
        .as_array()
        .unwrap()
        .iter()
        .take(3)
        .map(|c| c["scenario"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"udp500-blocked"), "{names:?}");
    assert!(!first["tell_apart"].as_array().unwrap().is_empty());
}

#[test]
fn bad_observations_are_bad_input() {
    let tmp = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    for (args, says) in [
        (
            vec!["diagnose", "--event", "client:eventlog:547"],
            "the log is security or system",
        ),
        (
            vec!["diagnose", "--event", "client:security:abc"],
            "the id is a number",
        ),
        (
            vec!["diagnose", "--capture", "/nonexistent.pcapng"],
            "cannot read",
        ),
        (
            vec!["diagnose", "--capture", "Cargo.toml"],
            "not a pcap or pcapng file",
        ),
        (vec!["diagnose", "--error", "x"], "invalid value"),
    ] {
        let out = l2tpsec(&args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
    }
    let _ = tmp;
}

/// A fresh directory under the test target's, and the index cache in it.
fn scratch(name: &str) -> (PathBuf, String) {
    let tmp = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).unwrap();
    let cache = tmp.join("index.json").to_str().unwrap().to_string();
    (tmp, cache)
}

#[test]
fn the_command_line_infers_the_side_or_takes_it_from_capture_from() {
    let (tmp, cache) = scratch("diagnose-side");
    let cache = cache.as_str();
    let pcap = tmp.join("refusal.pcap");
    std::fs::write(
        &pcap,
        ethernet_pcap(&super::captures::refusal_after_message_1()),
    )
    .unwrap();
    let pcap = pcap.to_str().unwrap();
    let json = |args: &[&str]| -> serde_json::Value {
        let mut all = vec!["diagnose", "--format", "json", "--index", cache];
        all.extend_from_slice(args);
        let out = l2tpsec(&all);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let inferred = json(&["--capture", pcap]);
    let from = &inferred["observed"]["capture_from"];
    assert_eq!(
        (
            from["how"].as_str(),
            from["side"].as_str(),
            from["host"].as_str()
        ),
        (Some("inferred"), Some("client"), Some("192.168.1.10"))
    );
    assert_eq!(
        inferred["causes"][0]["scenario"].as_str(),
        Some("manual-policy-proposal-mismatch")
    );
    assert_eq!(
        inferred["observed"]["capture"]["ike-notify"],
        "no-proposal-chosen"
    );
    let given = json(&["--capture", pcap, "--capture-from", "server"]);
    assert_eq!(given["observed"]["capture_from"]["how"], "given");
    assert_eq!(given["observed"]["capture_from"]["side"], "server");
    let out = l2tpsec(&["diagnose", "--capture-from", "client"]);
    assert_eq!(out.status.code(), Some(2), "--capture-from needs --capture");
}

#[test]
fn an_unknown_error_or_event_is_bad_input_and_known_lists_what_is_known() {
    let (_tmp, cache) = scratch("diagnose-known");
    let cache = cache.as_str();
    for (args, says) in [
        (vec!["--error", "729"], "unknown RAS error 729"),
        (
            vec!["--event", "server:security:9999"],
            "unknown event security 9999",
        ),
        (
            vec!["--event", "server:system:42"],
            "unknown event system 42",
        ),
    ] {
        let mut all = vec!["diagnose", "--index", cache];
        all.extend_from_slice(&args);
        let out = l2tpsec(&all);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains(says) && err.contains("--known"),
            "{args:?}: {err}"
        );
    }
    // Known to the catalog though no cause shows it: not bad input.
    let out = l2tpsec(&["diagnose", "--index", cache, "--error", "678"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = l2tpsec(&["diagnose", "--index", cache, "--known", "--locale", "en-US"]);
    assert_eq!(out.status.code(), Some(0));
    let list = String::from_utf8_lossy(&out.stdout);
    assert!(
        list.contains("792   The L2TP connection attempt failed"),
        "{list}"
    );
    assert!(list.contains("system:20271"), "{list}");
    assert!(list.contains("system:4285"), "{list}");
}
