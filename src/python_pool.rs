//! The seed's own Python, measured by the same harness: backend
//! `python_pool`.
//!
//! `benches/python/seed_pool.py` (standard library only, embedded in this
//! build) runs the seed's idioms with `multiprocessing.Pool.map` on the same
//! item function as [`crate::workload::Constants::item`]: the list comprehension, `partial`,
//! a callable class, a bound method and `Pool(initializer=...)`, each named
//! after the Rust variant it mirrors, at the chunk size of the Rust
//! backends. It prints, per idiom and pool size, the time of every call
//! (each round times the sequential loop and one call of every idiom, so
//! speedups are ratios inside one round), a checksum of every item, the
//! pickled bytes per chunk both ways, the copies of the state made for the
//! workers and each worker's peak RSS. Here each checksum is compared with
//! the Rust oracle (a mismatch is reported and not recorded) and each line
//! becomes a [`Benchmark`] of backend [`BACKEND`].
//!
//! Without `python3` on the PATH, [`python3`] says so and nothing runs.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, bail};
use serde::Deserialize;

use crate::key::Key;
use crate::matrix::Problem;
use crate::memory::Memory;
use crate::paired::{self, Interval};
use crate::results::{Benchmark, Comparison, PairedFigures, TimeEstimator, TimeNs};
use crate::roles::Role;
use crate::sweep::Profile;
use crate::variants;
use crate::workload::{self, Imbalance, Spec};

/// The backend id of the Python entries in a results file.
pub const BACKEND: &str = "python_pool";

/// The script, embedded so that any copy of the binary can run it.
const SCRIPT: &str = include_str!("../benches/python/seed_pool.py");

/// The Python idioms: the Rust variant each mirrors, and the idiom.
pub const IDIOMS: &[(&str, &str)] = &[
    (
        "sequential",
        "[f(ab) for ab in items]  (list comprehension)",
    ),
    ("closure", "pool.map(functools.partial(f, state=s), items)"),
    (
        "function_object",
        "pool.map(Multiplier(s), items)  (__call__)",
    ),
    (
        "method_reference",
        "pool.map(worker.foo, items)  (bound method)",
    ),
    (
        "clone_per_worker",
        "Pool(initializer=init, initargs=(s,)); pool.map(f_global, items)",
    ),
];

/// One run of the script: a workload at the size Python handles in the
/// profile's budget, at some pool sizes.
#[derive(Clone, Debug, PartialEq)]
pub struct PythonRun {
    pub workload: &'static str,
    pub spec: Spec,
    pub workers: Vec<usize>,
    /// Timed rounds (each: the sequential loop and one call per idiom).
    pub reps: usize,
    pub warmup: usize,
}

/// Mixing rounds per item of Python's `big_state`: Rust's 32 would add
/// about 0.2 s to each of Python's sequential calls at 20,000 items
/// (measured: 0.21 s for the 28 extra rounds); the question Python answers
/// there is who pickles the table, which the rounds do not change.
const PYTHON_BIG_STATE_ROUNDS: u32 = 4;

/// Python's `big_state` at its own size: `items`, a table of `state_bytes`
/// and [`PYTHON_BIG_STATE_ROUNDS`].
fn python_big_state(items: usize, state_bytes: usize) -> Spec {
    Spec {
        items,
        rounds: PYTHON_BIG_STATE_ROUNDS,
        state_bytes,
        ..workload::workload("big_state")
            .expect("a workload of the registry")
            .full
    }
}

/// What each profile runs in Python (README's profile table). Sizes below
/// the Rust ones are recorded in each entry's `items` (and the table size
/// in [`PythonRun::spec`]): the seed at its 20 items everywhere; `trivial`
/// at 200,000 items (a million take Python about 0.5 s per call, too long
/// for default's budget; `full` runs the million); `big_state` with a
/// 1 MiB table and 20,000 items (the 64 MiB table is 8 million Python
/// ints: seconds to build and to pickle per chunk; `full` runs 8 MiB).
/// The larger workloads run at one pool size, the largest thread count not
/// above the core count. Pool sizes are capped like Rust's worker processes
/// ([`crate::backends::process::MAX_WORKERS`]), so every Python row has a
/// Rust process row to stand beside.
pub fn plan(profile: Profile, threads: &[usize], cores: usize) -> Vec<PythonRun> {
    let capped = pool_sizes(threads);
    let threads = capped.as_slice();
    let spec = |id: &str, items: usize, state_bytes: usize| {
        let full = workload::workload(id)
            .expect("a workload of the registry")
            .full;
        Spec {
            items,
            state_bytes,
            ..full
        }
    };
    let one = vec![
        threads
            .iter()
            .copied()
            .filter(|&t| t <= cores.max(1))
            .max()
            .unwrap_or(1),
    ];
    let run = |workload, spec, workers: &Vec<usize>, reps, warmup| PythonRun {
        workload,
        spec,
        workers: workers.clone(),
        reps,
        warmup,
    };
    let all = threads.to_vec();
    match profile {
        Profile::Quick => vec![run("seed", spec("seed", 20, 0), &all, 12, 2)],
        Profile::Default => vec![
            run("seed", spec("seed", 20, 0), &all, 30, 3),
            run("trivial", spec("trivial", 200_000, 0), &one, 6, 1),
            run("big_state", python_big_state(20_000, 1 << 20), &one, 6, 1),
        ],
        Profile::Full => vec![
            run("seed", spec("seed", 20, 0), &all, 100, 5),
            run("trivial", spec("trivial", 1_000_000, 0), &all, 10, 2),
            run("big_state", python_big_state(100_000, 8 << 20), &all, 10, 2),
        ],
    }
}

/// The thread counts of `threads` a pool of worker processes may have.
fn pool_sizes(threads: &[usize]) -> Vec<usize> {
    threads
        .iter()
        .copied()
        .filter(|&t| t <= crate::backends::process::MAX_WORKERS)
        .collect()
}

/// The workloads Python measures (by id; sizes in [`plan`]).
pub const WORKLOADS: &[&str] = &["seed", "trivial", "big_state"];

/// What `parbench verify` runs in Python: one round of every idiom at every
/// thread count, at the workloads' quick sizes (`quick`) or at the sizes
/// `default` measures.
pub fn verify_plan(threads: &[usize], quick: bool) -> Vec<PythonRun> {
    plan(Profile::Default, threads, usize::MAX)
        .into_iter()
        .map(|run| {
            let spec = if quick {
                workload::workload(run.workload)
                    .expect("a workload of the registry")
                    .quick
            } else {
                run.spec
            };
            PythonRun {
                spec,
                workers: pool_sizes(threads),
                reps: 1,
                warmup: 0,
                ..run
            }
        })
        .collect()
}

/// `parbench list`'s entries of the Python baseline: every idiom on every
/// workload Python measures.
pub fn list_entries() -> Vec<crate::matrix::ListEntry> {
    WORKLOADS
        .iter()
        .flat_map(|&w| {
            let workload = workload::workload(w)
                .expect("a workload of the registry")
                .id;
            IDIOMS.iter().map(move |&(variant, idiom)| {
                let v = variants::variant(variant).expect("a variant of the registry");
                crate::matrix::ListEntry {
                    workload,
                    variant: v.id(),
                    backend: BACKEND,
                    family: v.family(),
                    role: v.role(),
                    python: idiom,
                    refused: None,
                }
            })
        })
        .collect()
}

/// `python3 --version`'s version, or `None` when there is no python3.
pub fn python3() -> Option<String> {
    let output = Command::new("python3").arg("--version").output().ok()?;
    if !output.status.success() {
        return None;
    }
    let text = String::from_utf8_lossy(&output.stdout).to_string()
        + &String::from_utf8_lossy(&output.stderr);
    Some(text.trim().trim_start_matches("Python ").to_string())
}

/// The one line printed when python3 is missing.
pub const NO_PYTHON: &str = "parbench: python3 not found on the PATH: the Python baseline \
                             (backend python_pool) is skipped";

/// One line of the script's output.
#[derive(Debug, Deserialize)]
struct Line {
    workload: String,
    variant: String,
    workers: usize,
    items: usize,
    chunksize: usize,
    chunks: usize,
    call_ns: Vec<f64>,
    sequential_ns: Vec<f64>,
    checksum: String,
    copies_per_call: u64,
    #[serde(default)]
    pickled_bytes_per_chunk: Vec<u64>,
    #[serde(default)]
    ipc_bytes_per_call: Option<u64>,
    #[serde(default)]
    worker_peak_rss_bytes: Vec<Option<u64>>,
    /// multiprocessing's start method (fork, spawn, forkserver).
    #[serde(default)]
    start_method: Option<String>,
    /// Picklings of the state when the pool started (the initializer's
    /// `initargs`, one per worker unless the start method is fork).
    #[serde(default)]
    copies_at_pool_start: Option<u64>,
}

/// What the Python runs produced: the records, the mismatches (already
/// reported), and one summary line per idiom (pickled bytes per chunk).
#[derive(Debug, Default)]
pub struct Measured {
    pub benchmarks: Vec<Benchmark>,
    pub mismatches: Vec<String>,
    pub passed: usize,
    pub summary: Vec<String>,
}

/// Runs the script for every run of `runs`, checks every checksum against
/// the Rust oracle and turns the lines into records measured at `measured_at`.
pub fn measure(runs: &[PythonRun], measured_at: &str) -> Result<Measured> {
    let dir = tempfile::Builder::new()
        .prefix("parbench-python-")
        .tempdir()
        .context("creating a folder for the Python script")?;
    let script = dir.path().join("seed_pool.py");
    std::fs::write(&script, SCRIPT).with_context(|| format!("writing {}", script.display()))?;
    let mut measured = Measured::default();
    for run in runs {
        let lines = run_script(&script, run)?;
        let expected = Problem::new(run.spec)
            .with_context(|| format!("the oracle of {} for Python", run.workload))?
            .expected_sum;
        let mut checked = Vec::new();
        for line in lines {
            let key = Key::new(&line.workload, &line.variant, BACKEND, line.workers as u64);
            if line.checksum != expected.to_string() || line.items != run.spec.items {
                let mismatch = format!(
                    "{key}: checksum {} of {} items, the Rust oracle says {expected} for {}: \
                     not recorded",
                    line.checksum, line.items, run.spec.items
                );
                eprintln!("\n!!! MISMATCH {mismatch}\n");
                measured.mismatches.push(mismatch);
                continue;
            }
            let chunk_len = crate::backends::pool_map_chunk_len(line.items, line.workers);
            if line.variant != "sequential" && line.chunksize != chunk_len {
                bail!(
                    "{key}: the script used chunks of {} items, the Rust backends {chunk_len}",
                    line.chunksize
                );
            }
            measured.passed += 1;
            checked.push(line);
        }
        for line in &checked {
            if let Some((first, rest)) = line.pickled_bytes_per_chunk.split_first() {
                let same = rest.iter().all(|b| b == first);
                let at_start = match (&line.start_method, line.copies_at_pool_start) {
                    (Some(method), Some(copies))
                        if copies > 0 || line.variant == "clone_per_worker" =>
                    {
                        format!("; {copies} when the pool started ({method})")
                    }
                    _ => String::new(),
                };
                measured.summary.push(format!(
                    "python {}/{} on {} workers: {} chunks of {} items, pickled {}{first} bytes \
                     per chunk to the workers; {} bytes per call both ways; {} copies of the \
                     state per call{at_start}",
                    line.workload,
                    line.variant,
                    line.workers,
                    line.chunks,
                    line.chunksize,
                    if same { "" } else { "up to " },
                    line.ipc_bytes_per_call.unwrap_or(0),
                    line.copies_per_call
                ));
            }
        }
        measured
            .benchmarks
            .extend(records(&checked, run, measured_at));
    }
    Ok(measured)
}

fn run_script(script: &Path, run: &PythonRun) -> Result<Vec<Line>> {
    if run.spec.imbalance != Imbalance::Uniform {
        bail!(
            "the Python baseline runs uniform workloads only ({})",
            run.workload
        );
    }
    let workers: Vec<String> = run.workers.iter().map(|w| w.to_string()).collect();
    let output = Command::new("python3")
        .arg(script)
        .args(["--workload", run.workload])
        .args(["--items", &run.spec.items.to_string()])
        .args(["--rounds", &run.spec.rounds.to_string()])
        .args(["--state-bytes", &run.spec.state_bytes.to_string()])
        .args(["--c", &workload::SEED_CONSTANT.to_string()])
        .args(["--workers", &workers.join(",")])
        .args(["--reps", &run.reps.to_string()])
        .args(["--warmup", &run.warmup.to_string()])
        .stderr(std::process::Stdio::inherit())
        .output()
        .with_context(|| format!("running python3 {}", script.display()))?;
    if !output.status.success() {
        bail!(
            "python3 {} on {} failed ({})",
            script.display(),
            run.workload,
            output.status
        );
    }
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            serde_json::from_str(l)
                .with_context(|| format!("a line of the Python script's output: {l}"))
        })
        .collect()
}

/// The records of the checked lines of one run: the median call with its
/// interval, the paired speedup over the sequential loop of the same
/// rounds, the paired comparisons of the idioms, and the memory figures.
fn records(lines: &[Line], run: &PythonRun, measured_at: &str) -> Vec<Benchmark> {
    let role_of = |id: &str| variants::variant(id).map(|v| v.role()).unwrap_or_default();
    lines
        .iter()
        .map(|line| {
            let mut calls = line.call_ns.clone();
            let median = paired::median_interval(&mut calls);
            let time = TimeNs {
                estimate: median.estimate,
                lower: median.lower,
                upper: median.upper,
                median: median.estimate,
            };
            let peaks: Option<Vec<u64>> = if line.worker_peak_rss_bytes.is_empty() {
                None
            } else {
                line.worker_peak_rss_bytes.iter().copied().collect()
            };
            let memory = Memory {
                state_copies: Some(line.copies_per_call),
                ipc_bytes: line.ipc_bytes_per_call,
                worker_peak_rss_bytes: peaks.as_ref().and_then(|p| p.iter().copied().max()),
                worker_peak_rss_sum_bytes: peaks.map(|p| p.iter().sum()),
                ..Memory::default()
            };
            let key = Key::new(&line.workload, &line.variant, BACKEND, line.workers as u64);
            let ratio = |num: &[f64], den: &[f64]| {
                let mut ratios: Vec<f64> = num
                    .iter()
                    .zip(den)
                    .filter(|(_, d)| **d > 0.0)
                    .map(|(n, d)| n / d)
                    .collect();
                paired::median_interval(&mut ratios)
            };
            let speedup: Interval = ratio(&line.sequential_ns, &line.call_ns);
            let compared = role_of(&line.variant)
                .compared_with()
                .iter()
                .filter_map(|role| {
                    let other = lines
                        .iter()
                        .find(|o| o.workers == line.workers && role_of(&o.variant) == *role)?;
                    Some(Comparison {
                        with: other.variant.clone(),
                        time_ratio: ratio(&line.call_ns, &other.call_ns),
                    })
                })
                .collect();
            Benchmark::new(key, run.spec.items as u64, time, measured_at, memory)
                .with_own_baseline()
                .with_estimator(TimeEstimator::MedianOfCalls)
                .with_paired(PairedFigures {
                    target_reached: None,
                    speedup: if role_of(&line.variant) == Role::Baseline {
                        Interval::exact(1.0)
                    } else {
                        speedup
                    },
                    rounds: line.call_ns.len() as u64,
                    wall_ns: paired::mean(&line.call_ns),
                    cpu_time_ns: None,
                    compared,
                })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_idiom_names_a_variant_and_the_plans_fit_the_budget() {
        for (id, _) in IDIOMS {
            variants::variant(id).unwrap();
        }
        let quick = plan(Profile::Quick, &[1, 2, 4], 2);
        assert_eq!(quick.len(), 1);
        assert_eq!(quick[0].spec.items, 20);
        let default = plan(Profile::Default, &[1, 2, 4], 2);
        assert_eq!(
            default.iter().map(|r| r.workload).collect::<Vec<_>>(),
            WORKLOADS
        );
        assert_eq!(verify_plan(&[1, 3], true)[1].spec.items, 10_000);
        assert_eq!(list_entries().len(), WORKLOADS.len() * IDIOMS.len());
        assert!(
            default
                .iter()
                .all(|r| r.spec.imbalance == Imbalance::Uniform)
        );
        assert_eq!(default[1].workers, [2]);
        let many = plan(Profile::Full, &[2, 16, 32], 64);
        assert!(many.iter().all(|r| r.workers == [2, 16]), "{many:?}");
        assert_eq!(verify_plan(&[2, 17], true)[0].workers, [2]);
    }
}
