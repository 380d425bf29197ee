//! `l2tpsec sweep-merge`: the pieces a CI matrix wrote with `sweep --shard
//! I/N --format json`, folded back into the summary the unsharded sweep
//! prints (SCENARIOS.md, "Command line", third round).
//!
//! Every piece must come from the same sweep (scenarios, seeds, shard
//! count, engine) and every shard must be there exactly once, so a matrix
//! that lost or doubled a job fails loudly instead of miscounting. Counts
//! add up; broken and panicked seeds are sorted as `sweep` sorts them; the
//! throughput is the pieces' sum, since a matrix runs them side by side.

use std::collections::BTreeMap;
use std::path::Path;

use super::seeds::{shard_has, shard_len};
use super::{ScenarioSweep, SeedRange, ShardInfo, SweepSummary};

/// A piece read from a file, and the file (named in errors).
#[derive(Clone, Debug, PartialEq)]
pub struct Piece {
    pub file: String,
    pub summary: SweepSummary,
}

/// The merged summary, and the scenario arguments its text form names.
#[derive(Clone, Debug, PartialEq)]
pub struct Merged {
    pub summary: SweepSummary,
    pub files: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MergeError {
    #[error("{file}: cannot read the file: {source}")]
    Read {
        file: String,
        source: std::io::Error,
    },
    #[error("{file}: not a sweep summary: {message}")]
    Json { file: String, message: String },
    #[error("{file}: not a shard (no \"shard\" field: written by `sweep` without --shard I/N)")]
    NotAShard { file: String },
    #[error("{file}: shard {index}/{count} does not exist (1 <= I <= N)")]
    BadShard {
        file: String,
        index: usize,
        count: usize,
    },
    #[error("{file}: the seed range {seeds} is empty")]
    EmptySeeds { file: String, seeds: SeedRange },
    #[error("{file}: from another sweep than {first}: {what} {found}, not {expected}")]
    OtherSweep {
        file: String,
        first: String,
        what: &'static str,
        expected: String,
        found: String,
    },
    #[error("{second}: shard {index}/{count} again (already in {first})")]
    DuplicateShard {
        first: String,
        second: String,
        index: usize,
        count: usize,
    },
    #[error("missing {}", shards(.missing, *.count))]
    MissingShards { missing: Vec<usize>, count: usize },
    #[error("{file}: {scenario}: {found} runs, where shard {index}/{count} of seeds {seeds} has {expected}")]
    WrongRuns {
        file: String,
        scenario: String,
        index: usize,
        count: usize,
        seeds: SeedRange,
        expected: u64,
        found: usize,
    },
    #[error("{file}: {scenario}: the outcomes count {found} runs, not {runs}")]
    OutcomesDontAddUp {
        file: String,
        scenario: String,
        runs: usize,
        found: usize,
    },
    #[error("{file}: {scenario}: seed {seed} is not one of shard {index}/{count}'s")]
    ForeignSeed {
        file: String,
        scenario: String,
        seed: u64,
        index: usize,
        count: usize,
    },
    #[error("no summary to merge")]
    NoPieces,
}

fn shards(missing: &[usize], count: usize) -> String {
    let list: Vec<String> = missing.iter().map(|i| format!("{i}/{count}")).collect();
    let s = if list.len() == 1 { "" } else { "s" };
    format!("shard{s} {}", list.join(", "))
}

/// Reads and parses one piece.
pub fn read_piece(path: &Path) -> Result<Piece, MergeError> {
    let file = path.display().to_string();
    match std::fs::read_to_string(path) {
        Ok(text) => parse_piece(&file, &text),
        Err(source) => Err(MergeError::Read { file, source }),
    }
}

/// Parses one piece, the text of `file`.
pub fn parse_piece(file: &str, text: &str) -> Result<Piece, MergeError> {
    let summary = serde_json::from_str(text).map_err(|e| MergeError::Json {
        file: file.to_string(),
        message: e.to_string(),
    })?;
    Ok(Piece {
        file: file.to_string(),
        summary,
    })
}

/// A piece's shard, checked on its own.
fn shard_of(p: &Piece) -> Result<&ShardInfo, MergeError> {
    let file = || p.file.clone();
    let sh = p
        .summary
        .shard
        .as_ref()
        .ok_or_else(|| MergeError::NotAShard { file: file() })?;
    if sh.index == 0 || sh.index > sh.count {
        return Err(MergeError::BadShard {
            file: file(),
            index: sh.index,
            count: sh.count,
        });
    }
    if sh.seeds.start >= sh.seeds.end {
        return Err(MergeError::EmptySeeds {
            file: file(),
            seeds: sh.seeds,
        });
    }
    Ok(sh)
}

/// A piece's counts must be those of its shard: as many runs as it has
/// seeds, outcomes adding up to them, and only its own seeds listed.
fn check_counts(p: &Piece, sh: &ShardInfo) -> Result<(), MergeError> {
    let file = || p.file.clone();
    for s in &p.summary.scenarios {
        let scenario = || s.name.clone();
        let expected = shard_len(sh.seeds, sh.index, sh.count);
        if u64::try_from(s.runs).ok() != Some(expected) {
            return Err(MergeError::WrongRuns {
                file: file(),
                scenario: scenario(),
                index: sh.index,
                count: sh.count,
                seeds: sh.seeds,
                expected,
                found: s.runs,
            });
        }
        let found = s
            .outcomes
            .values()
            .fold(0usize, |a, n| a.saturating_add(*n));
        if found != s.runs {
            return Err(MergeError::OutcomesDontAddUp {
                file: file(),
                scenario: scenario(),
                runs: s.runs,
                found,
            });
        }
        let seeds = s.broken.iter().map(|b| b.seed);
        if let Some(seed) = seeds
            .chain(s.panicked.iter().map(|p| p.seed))
            .find(|&seed| !shard_has(sh.seeds, sh.index, sh.count, seed))
        {
            return Err(MergeError::ForeignSeed {
                file: file(),
                scenario: scenario(),
                seed,
                index: sh.index,
                count: sh.count,
            });
        }
    }
    Ok(())
}

/// `other` must belong to the sweep `first` belongs to.
fn same_sweep(
    first: &Piece,
    a: &ShardInfo,
    other: &Piece,
    b: &ShardInfo,
) -> Result<(), MergeError> {
    let names = |p: &Piece| {
        p.summary
            .scenarios
            .iter()
            .map(|s| s.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let checks = [
        ("scenarios", names(first), names(other)),
        ("seeds", a.seeds.to_string(), b.seeds.to_string()),
        ("shard count", a.count.to_string(), b.count.to_string()),
        ("engine", a.engine.as_str().into(), b.engine.as_str().into()),
    ];
    match checks.into_iter().find(|(_, x, y)| x != y) {
        None => Ok(()),
        Some((what, expected, found)) => Err(MergeError::OtherSweep {
            file: other.file.clone(),
            first: first.file.clone(),
            what,
            expected,
            found,
        }),
    }
}

/// Merges the pieces, in any order, into the unsharded sweep's summary.
pub fn merge(pieces: &[Piece]) -> Result<Merged, MergeError> {
    let first = pieces.first().ok_or(MergeError::NoPieces)?;
    let head = shard_of(first)?;
    // Shard index -> the piece that holds it.
    let mut by_index: BTreeMap<usize, &Piece> = BTreeMap::new();
    for p in pieces {
        let sh = shard_of(p)?;
        // Another sweep's piece is named as such before its counts are
        // checked against this sweep's shards.
        same_sweep(first, head, p, sh)?;
        check_counts(p, sh)?;
        if let Some(before) = by_index.insert(sh.index, p) {
            return Err(MergeError::DuplicateShard {
                first: before.file.clone(),
                second: p.file.clone(),
                index: sh.index,
                count: sh.count,
            });
        }
    }
    let missing: Vec<usize> = (1..=head.count)
        .filter(|i| !by_index.contains_key(i))
        .collect();
    if !missing.is_empty() {
        return Err(MergeError::MissingShards {
            missing,
            count: head.count,
        });
    }
    let scenarios = first
        .summary
        .scenarios
        .iter()
        .enumerate()
        .map(|(k, s)| {
            let mut m = ScenarioSweep::empty(s.name.clone());
            // same_sweep checked every piece has these scenarios, in order.
            for part in by_index.values().filter_map(|p| p.summary.scenarios.get(k)) {
                m.runs = m.runs.saturating_add(part.runs);
                for (outcome, n) in &part.outcomes {
                    let c = m.outcomes.entry(outcome.clone()).or_default();
                    *c = c.saturating_add(*n);
                }
                m.broken.extend(part.broken.iter().cloned());
                m.panicked.extend(part.panicked.iter().cloned());
                m.runs_per_min += part.runs_per_min;
            }
            // As sweep_one sorts (each seed comes from one piece).
            m.sort_findings();
            m
        })
        .collect();
    let files = if head.files.len() == first.summary.scenarios.len() {
        head.files.clone()
    } else {
        first
            .summary
            .scenarios
            .iter()
            .map(|s| s.name.clone())
            .collect()
    };
    Ok(Merged {
        summary: SweepSummary {
            shard: None,
            scenarios,
        },
        files,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sweep::{BrokenSeed, PanickedSeed};
    use l2tpsec::net::Engine;

    const SEEDS: SeedRange = SeedRange { start: 1, end: 8 };

    /// Shard `index` of 3 over seeds 1..8, every run connected but for
    /// `broken` seeds.
    fn piece(index: usize, broken: &[u64]) -> Piece {
        let runs = usize::try_from(shard_len(SEEDS, index, 3)).unwrap();
        Piece {
            file: format!("shard-{index}.json"),
            summary: SweepSummary {
                shard: Some(ShardInfo {
                    index,
                    count: 3,
                    seeds: SEEDS,
                    engine: Engine::Event,
                    files: vec!["scenarios/x.yaml".into()],
                }),
                scenarios: vec![ScenarioSweep {
                    name: "x".into(),
                    runs,
                    outcomes: BTreeMap::from([("connected".to_string(), runs)]),
                    broken: broken
                        .iter()
                        .map(|&seed| BrokenSeed {
                            seed,
                            invariant: "every-dial-ends".into(),
                            detail: "client: no result".into(),
                        })
                        .collect(),
                    panicked: vec![],
                    runs_per_min: 100.0,
                }],
            },
        }
    }

    #[test]
    fn three_shards_add_up_sort_their_seeds_and_drop_the_shard_field() {
        let mut two = piece(2, &[]);
        let panicked = |seed| PanickedSeed {
            seed,
            message: "boom".into(),
        };
        two.summary.scenarios[0].panicked = vec![panicked(5), panicked(2)];
        let m = merge(&[piece(3, &[6]), piece(1, &[7, 1]), two]).unwrap();
        assert_eq!(m.files, vec!["scenarios/x.yaml".to_string()]);
        assert_eq!(m.summary.shard, None);
        let s = &m.summary.scenarios[0];
        assert_eq!(s.runs, 7);
        assert_eq!(s.outcomes["connected"], 7);
        let seeds: Vec<u64> = s.broken.iter().map(|b| b.seed).collect();
        assert_eq!(seeds, vec![1, 6, 7]);
        let seeds: Vec<u64> = s.panicked.iter().map(|p| p.seed).collect();
        assert_eq!(seeds, vec![2, 5]);
        assert_eq!(s.runs_per_min, 300.0);
        assert!(!m.summary.to_json().contains("shard"));
    }

    #[test]
    fn a_piece_round_trips_through_its_json() {
        let p = piece(2, &[]);
        let back = parse_piece("p.json", &p.summary.to_json()).unwrap();
        assert_eq!(back.summary, p.summary);
    }

    #[test]
    fn a_missing_shard_is_named() {
        let e = merge(&[piece(1, &[]), piece(3, &[])]).unwrap_err();
        assert!(
            matches!(e, MergeError::MissingShards { ref missing, count: 3 } if missing == &[2])
        );
        assert_eq!(e.to_string(), "missing shard 2/3");
    }

    #[test]
    fn a_shard_given_twice_is_refused() {
        let mut again = piece(2, &[]);
        again.file = "copy.json".into();
        let e = merge(&[piece(1, &[]), piece(2, &[]), again, piece(3, &[])]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "copy.json: shard 2/3 again (already in shard-2.json)"
        );
    }

    #[test]
    fn pieces_of_another_sweep_are_refused() {
        let mut other = piece(2, &[]);
        if let Some(sh) = other.summary.shard.as_mut() {
            sh.seeds = SeedRange { start: 1, end: 9 };
        }
        let e = merge(&[piece(1, &[]), other, piece(3, &[])]).unwrap_err();
        assert!(
            matches!(e, MergeError::OtherSweep { what: "seeds", .. }),
            "{e}"
        );

        let mut other = piece(2, &[]);
        other.summary.scenarios[0].name = "y".into();
        let e = merge(&[piece(1, &[]), other]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "shard-2.json: from another sweep than shard-1.json: scenarios y, not x"
        );

        let mut other = piece(2, &[]);
        if let Some(sh) = other.summary.shard.as_mut() {
            sh.engine = Engine::Turmoil;
        }
        let e = merge(&[piece(1, &[]), other]).unwrap_err();
        assert!(
            matches!(e, MergeError::OtherSweep { what: "engine", .. }),
            "{e}"
        );
    }

    #[test]
    fn an_unsharded_summary_or_bad_json_is_not_a_piece() {
        let mut whole = piece(1, &[]);
        whole.summary.shard = None;
        let e = merge(&[whole]).unwrap_err();
        assert!(matches!(e, MergeError::NotAShard { .. }), "{e}");
        let e = parse_piece("x.json", "{\"scenarios\": 3}").unwrap_err();
        assert!(
            e.to_string()
                .starts_with("x.json: not a sweep summary: invalid type"),
            "{e}"
        );
        assert!(matches!(merge(&[]), Err(MergeError::NoPieces)));
    }

    #[test]
    fn a_piece_that_does_not_add_up_is_refused() {
        let mut p = piece(1, &[]);
        p.summary.scenarios[0].runs = 2;
        let e = merge(&[p]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "shard-1.json: x: 2 runs, where shard 1/3 of seeds 1..8 has 3"
        );

        let mut p = piece(1, &[]);
        p.summary.scenarios[0]
            .outcomes
            .insert("error 792".into(), 1);
        assert!(matches!(
            merge(&[p]),
            Err(MergeError::OutcomesDontAddUp { found: 4, .. })
        ));

        // Seed 2 is shard 2's.
        let e = merge(&[piece(1, &[2])]).unwrap_err();
        assert!(matches!(e, MergeError::ForeignSeed { seed: 2, .. }), "{e}");

        let mut p = piece(1, &[]);
        if let Some(sh) = p.summary.shard.as_mut() {
            sh.index = 4;
        }
        assert!(matches!(
            merge(&[p]),
            Err(MergeError::BadShard {
                index: 4,
                count: 3,
                ..
            })
        ));
    }

    #[test]
    fn shard_sizes_match_the_seeds_sweep_runs() {
        let seeds = SeedRange { start: 5, end: 17 };
        for count in 1..6 {
            for index in 1..=count {
                let listed =
                    crate::sweep::shard_seeds(seeds, Some(crate::sweep::Shard { index, count }));
                assert_eq!(shard_len(seeds, index, count), listed.len() as u64);
                assert!(listed.iter().all(|&s| shard_has(seeds, index, count, s)));
            }
        }
        assert_eq!(shard_len(SeedRange { start: 0, end: 2 }, 3, 3), 0);
    }
}
