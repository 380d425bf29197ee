//! `diagnose` as issues 11 and 20 ask: every shipped scenario, diagnosed
//! from its own client-side or server-side capture and RAS error, ranks
//! first or tied first, on its own seed and on seeds the index never ran;
//! a capture is compared with captures of its own side, inferred where it
//! shows; what a capture cannot show counts for nothing; the finer IKE
//! facts put a refusal after message 1 on the proposal mismatch alone;
//! `--error 792` alone puts the article's three IKE timeouts first and
//! says what tells them apart; captures written by other tools read the
//! same; unknown codes are bad input.

#[path = "../common/mod.rs"]
mod common;
use common::l2tpsec;

mod captures;
mod command_line;
mod library;

use std::path::PathBuf;
use std::sync::OnceLock;

use l2tpsec_harness::diagnose::index::{self, Index, EXTRA_SEEDS};
use l2tpsec_harness::diagnose::rank::ERROR_WEIGHT;
use l2tpsec_harness::diagnose::{
    capture, facts, rank, render, Capture, CaptureFrom, Observations, Side,
};
use l2tpsec_harness::scenario::schema::Locale;
use l2tpsec_harness::{load_file, load_str, run, RunOptions, RunOutput};

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scenarios")
}

/// Built once for the whole file (not cached on disk: a test sees the
/// library as it is).
fn the_index() -> &'static Index {
    static INDEX: OnceLock<Index> = OnceLock::new();
    INDEX.get_or_init(|| index::build(&dir(), "test".into()).expect("the library runs"))
}

/// A capture as a user's file would be read: the pcapng bytes through the
/// reader, the side inferred unless `given`.
fn capture_of(pcapng: &[u8], given: Option<Side>) -> Capture {
    let packets = capture::read(pcapng).unwrap();
    Capture::of_packets(packets.ipv4.iter().map(Vec::as_slice), given)
}

/// What a support engineer would bring from `out`: `client`'s RAS error
/// and the capture taken on `host`'s interface to `segment`.
fn observations(out: &RunOutput, client: &str, host: &str, segment: &str) -> Observations {
    let file = out
        .interface_pcapngs
        .iter()
        .find(|c| c.host == host && c.segment == segment)
        .expect("the host has that interface");
    let dial = out.report.dials.iter().rfind(|d| d.host == client).unwrap();
    Observations {
        error: dial.error.as_ref().map(|e| e.code),
        events: Vec::new(),
        capture: Some(capture_of(&file.pcapng, None)),
    }
}

/// A run of `scenario` on its own seed, with its captures.
fn pcap_run(scenario: &str) -> RunOutput {
    pcap_run_seed(scenario, None)
}

fn pcap_run_seed(scenario: &str, seed: Option<u64>) -> RunOutput {
    let s = load_file(&dir().join(format!("{scenario}.yaml")), &dir()).unwrap();
    run(
        &s,
        &RunOptions {
            seed: seed.unwrap_or(s.seed),
            want_pcap: true,
            ..RunOptions::report_of(&s)
        },
    )
    .unwrap()
}

/// A scenario that is not shipped, written here on a shipped base, run on
/// its seed with captures.
fn variant_run(name: &str, yaml: &str) -> RunOutput {
    let s = load_str(yaml, &dir().join(format!("{name}.yaml")), &dir()).unwrap();
    run(
        &s,
        &RunOptions {
            want_pcap: true,
            ..RunOptions::report_of(&s)
        },
    )
    .unwrap()
}

/// The causes tied at the top.
fn top(obs: &Observations) -> Vec<String> {
    let ranked = rank(&the_index().cases, obs);
    ranked
        .iter()
        .take_while(|r| r.score == ranked[0].score)
        .map(|r| r.case.scenario.clone())
        .collect()
}

/// Where the case of (scenario, client) stands: its score and the best.
fn standing(obs: &Observations, scenario: &str, client: &str) -> (i32, i32, Vec<String>) {
    let ranked = rank(&the_index().cases, obs);
    let best = ranked.first().map_or(i32::MIN, |r| r.score);
    let mine = ranked
        .iter()
        .find(|r| r.case.scenario == scenario && r.case.client == client)
        .map_or(i32::MIN, |r| r.score);
    let above = ranked
        .iter()
        .filter(|r| r.score > mine)
        .map(|r| format!("{} ({}) {}", r.case.scenario, r.case.client, r.score))
        .collect();
    (mine, best, above)
}

/// A classic pcap with Ethernet framing, as tcpdump writes it.
fn ethernet_pcap(ipv4: &[Vec<u8>]) -> Vec<u8> {
    // Magic, version 2.4 (two u16), zone, sigfigs, snaplen, LINKTYPE_ETHERNET.
    let mut b = Vec::new();
    b.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
    b.extend_from_slice(&[2, 0, 4, 0]);
    for v in [0u32, 0, 65_535, 1] {
        b.extend_from_slice(&v.to_le_bytes());
    }
    for (i, p) in ipv4.iter().enumerate() {
        let mut frame = vec![0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2, 0x08, 0x00];
        frame.extend_from_slice(p);
        for v in [i as u32, 0, frame.len() as u32, frame.len() as u32] {
            b.extend_from_slice(&v.to_le_bytes());
        }
        b.extend_from_slice(&frame);
    }
    b
}
