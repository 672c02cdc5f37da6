//! The seed's own Python, measured by the same harness: backend
//! `python_pool`.
//!
//! `benches/python/seed_pool.py` (standard library only, embedded in this
//! build) runs the seed's idioms with `multiprocessing.Pool.map` on the same
//! item function as [`crate::workload::Constants::item`]: the list comprehension, `partial`,
//! a callable class, a bound method and `Pool(initializer=...)`, each named
//! by the [`Role`] of the Rust variant it mirrors ([`ROLES`]), at the chunk
//! size of the Rust backends. Which variant plays a role, and so names the
//! entries and says which Python idiom they are ([`Variant::python`]), is
//! the variants' registry's to say; the workloads Python runs are chosen by
//! their [`Purpose`] ([`PURPOSES`]). It prints, per idiom and pool size,
//! the time of every call (each round times the sequential loop and one
//! call of every idiom, so speedups are ratios inside one round), a
//! checksum of every item, the pickled bytes per chunk both ways, the
//! copies of the state made for the workers and each worker's peak RSS.
//! Here each checksum is compared with the Rust oracle (a mismatch is
//! reported and not recorded) and each line becomes a [`Benchmark`] of
//! backend [`BACKEND`] with its own baseline ([`Benchmark::own_baseline`]):
//! Python's speedups are over Python's own loop at Python's own sizes.
//!
//! Without `python3` on the PATH, [`python3`] says so and nothing runs.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, bail};
use serde::Deserialize;

use crate::key::Key;
use crate::matrix::Prepared;
use crate::memory::Memory;
use crate::paired::{self, Interval};
use crate::profile::Profile;
use crate::results::{Benchmark, Comparison, PairedFigures, TimeEstimator, TimeNs};
use crate::roles::Role;
use crate::variants::{self, Variant};
use crate::workload::{self, Imbalance, Purpose, Spec, Workload};

/// The backend id of the Python entries in a results file.
pub const BACKEND: &str = "python_pool";

/// The script, embedded so that any copy of the binary can run it.
const SCRIPT: &str = include_str!("../benches/python/seed_pool.py");

/// The parts the script's idioms play, in its order: the sequential loop
/// (a list comprehension), `partial`, the callable class, the bound method
/// and the initializer. The script names each idiom by its role.
pub const ROLES: &[Role] = &[
    Role::Baseline,
    Role::PartialIdiom,
    Role::CallableClassIdiom,
    Role::BoundMethodIdiom,
    Role::CopyPerWorker,
];

/// The variant that plays `role` (one of [`ROLES`]): its id names the
/// Python entries, its [`Variant::python`] says the idiom.
fn variant_of(role: Role) -> &'static dyn Variant {
    variants::VARIANTS
        .iter()
        .copied()
        .find(|v| v.role() == role)
        .expect("a variant of every role the script runs")
}

/// The variants the Python idioms mirror, in the script's order.
pub fn idioms() -> impl Iterator<Item = &'static dyn Variant> {
    ROLES.iter().map(|&role| variant_of(role))
}

/// What the workloads Python measures are for, in plan order: the seed's
/// own problem (overhead), the memory-bound one and the one with a large
/// constant state (their sizes in [`plan`]).
pub const PURPOSES: [Purpose; 3] = [Purpose::Overhead, Purpose::MemoryBound, Purpose::StateSize];

/// The workload of the registry with `purpose` (one of [`PURPOSES`]).
fn workload_for(purpose: Purpose) -> &'static Workload {
    workload::WORKLOADS
        .iter()
        .find(|w| w.purpose == purpose)
        .expect("a workload of every purpose Python runs")
}

/// The workloads Python measures, in plan order.
pub fn workloads() -> impl Iterator<Item = &'static Workload> {
    PURPOSES.iter().map(|&purpose| workload_for(purpose))
}

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

/// Python's `big_state` (the workload of a large state) at its own size:
/// `items`, a table of `state_bytes` and [`PYTHON_BIG_STATE_ROUNDS`].
fn python_big_state(items: usize, state_bytes: usize) -> Spec {
    Spec {
        items,
        rounds: PYTHON_BIG_STATE_ROUNDS,
        state_bytes,
        ..workload_for(Purpose::StateSize).full
    }
}

/// What each profile runs in Python (the profile table of `docs/profiles.md`), on the
/// workloads of [`PURPOSES`]. Sizes below the Rust ones are recorded in
/// each entry's `items` (and the table size in [`PythonRun::spec`]): the
/// seed (overhead) at its 20 items everywhere; `trivial` (memory-bound)
/// at 200,000 items (a million take Python about 0.5 s per call, too long
/// for default's budget; `full` runs the million); `big_state` (state
/// size) with a 1 MiB table and 20,000 items (the 64 MiB table is 8 million Python
/// ints: seconds to build and to pickle per chunk; `full` runs 8 MiB).
/// The larger workloads run at one pool size, the largest thread count not
/// above the core count. Pool sizes are capped like Rust's worker processes
/// ([`crate::backends::process::MAX_WORKERS`]), so every Python row has a
/// Rust process row to stand beside.
pub fn plan(profile: Profile, threads: &[usize], cores: usize) -> Vec<PythonRun> {
    let capped = pool_sizes(threads);
    let threads = capped.as_slice();
    let [overhead, memory_bound, state_size] = PURPOSES.map(workload_for);
    let spec = |w: &Workload, items: usize, state_bytes: usize| Spec {
        items,
        state_bytes,
        ..w.full
    };
    let one = vec![
        threads
            .iter()
            .copied()
            .filter(|&t| t <= cores.max(1))
            .max()
            .unwrap_or(1),
    ];
    let run = |workload: &'static Workload, spec, workers: &Vec<usize>, reps, warmup| PythonRun {
        workload: workload.id,
        spec,
        workers: workers.clone(),
        reps,
        warmup,
    };
    let all = threads.to_vec();
    // `quick` measures no count above the cores in Rust
    // (`Profile::measures_threads`), so neither here: each row keeps a Rust
    // process row beside it.
    let within: Vec<usize> = (threads.iter().copied())
        .filter(|&t| t <= cores.max(1))
        .collect();
    match profile {
        Profile::Quick => vec![run(overhead, spec(overhead, 20, 0), &within, 12, 2)],
        Profile::Default => vec![
            run(overhead, spec(overhead, 20, 0), &all, 30, 3),
            run(memory_bound, spec(memory_bound, 200_000, 0), &one, 6, 1),
            run(state_size, python_big_state(20_000, 1 << 20), &one, 6, 1),
        ],
        Profile::Full => vec![
            run(overhead, spec(overhead, 20, 0), &all, 100, 5),
            run(memory_bound, spec(memory_bound, 1_000_000, 0), &all, 10, 2),
            run(state_size, python_big_state(100_000, 8 << 20), &all, 10, 2),
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
    workloads()
        .flat_map(|w| {
            idioms().map(move |v| crate::matrix::ListEntry {
                workload: w.id,
                variant: v.id(),
                backend: BACKEND,
                family: v.family(),
                role: v.role(),
                python: v.python(),
                refused: None,
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
    /// The part the idiom plays (one of [`ROLES`]).
    role: Role,
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

impl Line {
    /// The Rust variant this line's idiom mirrors.
    fn variant(&self) -> &'static dyn Variant {
        variant_of(self.role)
    }

    fn key(&self) -> Key {
        Key::new(
            &self.workload,
            self.variant().id(),
            BACKEND,
            self.workers as u64,
        )
    }
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
        let expected = Prepared::new(run.spec)
            .with_context(|| format!("the oracle of {} for Python", run.workload))?
            .expected_total
            .0;
        let mut checked = Vec::new();
        for line in lines {
            let key = line.key();
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
            if line.role != Role::Baseline && line.chunksize != chunk_len {
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
                        if copies > 0 || line.role == Role::CopyPerWorker =>
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
                    line.variant().id(),
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
            let line: Line = serde_json::from_str(l)
                .with_context(|| format!("a line of the Python script's output: {l}"))?;
            if !ROLES.contains(&line.role) {
                bail!("a line of the Python script's output names no idiom parbench runs: {l}");
            }
            Ok(line)
        })
        .collect()
}

/// The records of the checked lines of one run: the median call with its
/// interval, the paired speedup over the sequential loop of the same
/// rounds, the paired comparisons of the idioms, and the memory figures.
fn records(lines: &[Line], run: &PythonRun, measured_at: &str) -> Vec<Benchmark> {
    lines
        .iter()
        .map(|line| {
            let mut calls = line.call_ns.clone();
            let median = paired::median_interval(&mut calls);
            let time = TimeNs::of_median(median);
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
            let key = line.key();
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
            let compared = line
                .role
                .compared_with()
                .iter()
                .filter_map(|role| {
                    let other = lines
                        .iter()
                        .find(|o| o.workers == line.workers && o.role == *role)?;
                    Some(Comparison::of(
                        other.variant().id(),
                        ratio(&line.call_ns, &other.call_ns),
                    ))
                })
                .collect();
            Benchmark::new(key, run.spec.items as u64, time, measured_at, memory)
                .with_own_baseline()
                .with_estimator(TimeEstimator::MedianOfCalls)
                .with_paired(PairedFigures {
                    target_reached: None,
                    speedup: if line.role == Role::Baseline {
                        Interval::exact(1.0)
                    } else {
                        speedup
                    },
                    modes: None,
                    rounds: line.call_ns.len() as u64,
                    wall_ns: paired::mean(&line.call_ns),
                    cpu_time_ns: None,
                    cores_beyond_speedup: None,
                    compared,
                    visits: None,
                })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_idiom_and_workload_is_one_of_the_registry_and_the_plans_fit_the_budget() {
        // Exactly one variant plays each role, one workload has each purpose.
        for role in ROLES {
            let playing = variants::VARIANTS.iter().filter(|v| v.role() == *role);
            assert_eq!(playing.count(), 1, "{role:?}");
        }
        for purpose in PURPOSES {
            let having = workload::WORKLOADS.iter().filter(|w| w.purpose == purpose);
            assert_eq!(having.count(), 1, "{purpose:?}");
        }
        let quick = plan(Profile::Quick, &[1, 2, 4], 2);
        assert_eq!(quick.len(), 1);
        assert_eq!(quick[0].spec.items, 20);
        assert_eq!(
            quick[0].workers,
            [1, 2],
            "no pool beyond the cores in quick"
        );
        let default = plan(Profile::Default, &[1, 2, 4], 2);
        assert_eq!(
            default.iter().map(|r| r.workload).collect::<Vec<_>>(),
            workloads().map(|w| w.id).collect::<Vec<_>>()
        );
        assert_eq!(verify_plan(&[1, 3], true)[1].spec.items, 10_000);
        assert_eq!(list_entries().len(), PURPOSES.len() * ROLES.len());
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
