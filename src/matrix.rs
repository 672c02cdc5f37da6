//! The matrix: workload x variant x backend (x threads), and running one
//! combination against the oracle.
//!
//! Everything that enumerates or executes combinations (`list`, `verify`,
//! `run`, the test suite, the criterion sweep) goes through here, so they
//! agree on what exists and on what "correct" means. A (variant, backend)
//! pair exists unless the variant refuses the backend ([`refusal`], the one
//! capability check); a backend runs at the thread counts it supports
//! ([`backends::thread_counts`]). Nothing here names a variant or a backend.

use std::ops::Range;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use serde::Serialize;

use crate::backends::{self, BACKENDS, Backend, Executor};
use crate::job::Job;
use crate::key::Key;
use crate::memory::{self, Memory};
use crate::roles::{Family, Role};
use crate::schedule::{Outcome, Produced};
use crate::variants::{self, VARIANTS, Variant};
use crate::workload::{self, Constants, Spec, WORKLOADS, Workload, wrapping_sum};

/// One (workload, variant, backend) cell; threads are chosen at run time.
#[derive(Clone, Copy)]
pub struct Combo {
    pub workload: &'static Workload,
    pub variant: &'static dyn Variant,
    pub backend: &'static dyn Backend,
}

impl Combo {
    /// `workload/variant/backend`.
    pub fn name(&self) -> String {
        format!(
            "{}/{}/{}",
            self.workload.id,
            self.variant.id(),
            self.backend.id()
        )
    }

    /// The key of this combination at `threads`.
    pub fn key(&self, threads: usize) -> Key {
        Key::new(
            self.workload.id,
            self.variant.id(),
            self.backend.id(),
            threads as u64,
        )
    }
}

/// Why `variant` cannot run on `backend`, if it cannot.
pub fn refusal(variant: &dyn Variant, backend: &dyn Backend) -> Option<&'static str> {
    variant.refuses(backend.capabilities())
}

/// Every (workload, variant, backend) that runs, in report order.
pub fn combos() -> impl Iterator<Item = Combo> {
    combos_on(BACKENDS)
}

/// [`combos`] over the given backends (a test can add its own).
pub fn combos_on(backends: &'static [&'static dyn Backend]) -> impl Iterator<Item = Combo> {
    WORKLOADS.iter().flat_map(move |workload| {
        VARIANTS.iter().copied().flat_map(move |variant| {
            backends
                .iter()
                .copied()
                .filter(move |backend| refusal(variant, *backend).is_none())
                .map(move |backend| Combo {
                    workload,
                    variant,
                    backend,
                })
        })
    })
}

/// A row of `parbench list`: one (workload, variant, backend), and why it
/// does not run when it does not.
#[derive(Debug, Serialize)]
pub struct ListEntry {
    pub workload: &'static str,
    pub variant: &'static str,
    pub backend: &'static str,
    pub family: Family,
    pub role: Role,
    pub python: &'static str,
    /// The variant's reason for refusing the backend; `None` when it runs.
    pub refused: Option<&'static str>,
}

/// Every (workload, variant, backend), refused ones included (`list` adds
/// the Python baseline's idioms after them).
pub fn list() -> Vec<ListEntry> {
    WORKLOADS
        .iter()
        .flat_map(|w| {
            VARIANTS.iter().flat_map(move |v| {
                BACKENDS.iter().map(move |b| ListEntry {
                    workload: w.id,
                    variant: v.id(),
                    backend: b.id(),
                    family: v.family(),
                    role: v.role(),
                    python: v.python(),
                    refused: refusal(*v, *b),
                })
            })
        })
        .collect()
}

/// Looks a combination up by ids, saying which part does not exist or why
/// the variant does not run on the backend.
pub fn find(workload_id: &str, variant_id: &str, backend_id: &str) -> Result<Combo> {
    let workload = workload::workload(workload_id)?;
    let variant = variants::variant(variant_id)?;
    let backend = backends::backend(backend_id)?;
    if let Some(why) = refusal(variant, backend) {
        bail!("variant '{variant_id}' does not run on backend '{backend_id}': {why}");
    }
    Ok(Combo {
        workload,
        variant,
        backend,
    })
}

/// Builds the executor of `backend` at `threads` (set-up, outside timed calls).
pub fn executor(backend: &dyn Backend, threads: usize) -> Result<Box<dyn Executor>> {
    backends::check_threads_on(backend, threads)?;
    backend.executor(threads)
}

/// The problem of one workload, built once: its constants and the oracle's
/// results (callers make the output buffer with [`Problem::output`]).
pub struct Problem {
    pub consts: Arc<Constants>,
    pub expected: Vec<u64>,
    pub expected_sum: u64,
}

impl Problem {
    pub fn new(spec: Spec) -> Result<Problem> {
        let consts = Constants::new(spec)?;
        let mut expected = Vec::new();
        expected
            .try_reserve_exact(spec.items)
            .with_context(|| format!("cannot allocate results for {} items", spec.items))?;
        expected.resize(spec.items, 0);
        consts.oracle_into(&mut expected);
        let expected_sum = wrapping_sum(&expected);
        Ok(Problem {
            consts: Arc::new(consts),
            expected,
            expected_sum,
        })
    }

    /// A zeroed output buffer of one slot per item.
    pub fn output(&self) -> Result<Vec<u64>> {
        let mut out = Vec::new();
        out.try_reserve_exact(self.expected.len())
            .with_context(|| {
                format!("cannot allocate results for {} items", self.expected.len())
            })?;
        out.resize(self.expected.len(), 0);
        Ok(out)
    }

    /// The whole problem as a job for `variant`.
    pub fn job(&self, variant: &'static dyn Variant) -> Job {
        Job::whole(variant, self.consts.spec)
    }

    /// Runs `job` once on `exec`, writing into `out`: the timed call.
    /// Inlined into the timing loops (criterion's, the paired sampler's),
    /// so it is not one more call around the call it times.
    #[inline]
    pub fn run(&self, job: &Job, exec: &dyn Executor, out: &mut [u64]) -> Result<Outcome> {
        exec.execute(job, &self.consts, out)
    }

    /// Runs `job` once and checks it against the oracle. `out` is zeroed
    /// first, so results left by an earlier call cannot pass for this one's.
    pub fn run_checked(&self, job: &Job, exec: &dyn Executor, out: &mut [u64]) -> Result<Outcome> {
        out.fill(0);
        let outcome = self.run(job, exec, out)?;
        self.check_range(job.items.clone(), &outcome, out)?;
        Ok(outcome)
    }

    /// Checks an outcome of the whole problem against the oracle, naming the
    /// first difference.
    pub fn check(&self, outcome: &Outcome, out: &[u64]) -> Result<()> {
        self.check_range(0..self.expected.len(), outcome, out)
    }

    /// Checks an outcome of the items `items` (`out` holds their results).
    pub fn check_range(&self, items: Range<usize>, outcome: &Outcome, out: &[u64]) -> Result<()> {
        let expected = self.expected.get(items.clone()).with_context(|| {
            format!(
                "items {items:?} are outside the problem's {} items",
                self.expected.len()
            )
        })?;
        match outcome.produced {
            Produced::Items => {
                if out.len() != expected.len() {
                    bail!("{} results for {} items", out.len(), expected.len());
                }
                if let Some(k) = (0..expected.len()).find(|&k| out[k] != expected[k]) {
                    bail!(
                        "item {}: expected {}, got {}",
                        items.start + k,
                        expected[k],
                        out[k]
                    );
                }
            }
            Produced::Sum(sum) => {
                let want = if items.len() == self.expected.len() {
                    self.expected_sum
                } else {
                    wrapping_sum(expected)
                };
                if sum != want {
                    bail!("sum: expected {want}, got {sum}");
                }
            }
        }
        let n = items.len() as u64;
        match outcome.calls {
            Some(calls) if calls != n => bail!("worker call count: expected {n}, got {calls}"),
            _ => Ok(()),
        }
    }

    /// The checksum a run prints: the wrapping sum of its results.
    pub fn checksum(outcome: &Outcome, out: &[u64]) -> u64 {
        match outcome.produced {
            Produced::Items => wrapping_sum(out),
            Produced::Sum(sum) => sum,
        }
    }
}

/// One call measured outside any timing loop: its wall time and what it
/// did to memory (deep copies of the constant state included).
#[derive(Debug)]
pub struct Measured {
    pub outcome: Outcome,
    pub wall: Duration,
    pub memory: Memory,
}

/// Runs one call with allocation counting on (after an uncounted warm-up
/// call) and checks it against the oracle.
pub fn measure_once(
    problem: &Problem,
    job: &Job,
    exec: &dyn Executor,
    out: &mut [u64],
) -> Result<Measured> {
    // One uncounted call first: lazily initialised state (thread-locals,
    // channel internals) is allocated once, not by every call.
    problem.run(job, exec, out)?;
    if let Some(workers) = exec.processes() {
        workers.reset_peaks()?;
    }
    let copies_before = problem.consts.copy_counter().copies();
    out.fill(0);
    let ((outcome, wall), mut memory) = memory::measure(|| {
        let start = Instant::now();
        let outcome = problem.run(job, exec, out);
        (outcome, start.elapsed())
    });
    let outcome = outcome?;
    problem.check_range(job.items.clone(), &outcome, out)?;
    memory.state_copies = Some(problem.consts.copy_counter().copies() - copies_before);
    if let Some(workers) = exec.processes() {
        // Untimed: the call's bytes and the workers' copies and peak RSS.
        let figures = workers.last_call()?;
        memory.state_copies = memory.state_copies.map(|c| c + figures.state_copies);
        memory.ipc_bytes = Some(figures.ipc_bytes);
        memory.worker_peak_rss_bytes = figures.peak_rss_max;
        memory.worker_peak_rss_sum_bytes = figures.peak_rss_sum;
    }
    Ok(Measured {
        outcome,
        wall,
        memory,
    })
}

/// The result of one (combination, threads) in `verify`.
#[derive(Debug, Serialize)]
pub struct Verdict {
    pub key: Key,
    /// `None` when it matched the oracle, else what differed.
    pub mismatch: Option<String>,
}

/// Runs every combination on `backends` at every thread count each backend
/// supports out of `threads`, against the oracle: workloads at their full
/// sizes, or their quick ones.
pub fn verify(
    backends: &'static [&'static dyn Backend],
    threads: &[usize],
    quick: bool,
) -> Result<Vec<Verdict>> {
    let mut verdicts = Vec::new();
    for workload in WORKLOADS {
        let problem = Problem::new(if quick { workload.quick } else { workload.full })
            .with_context(|| format!("workload {}", workload.id))?;
        let mut out = problem
            .output()
            .with_context(|| format!("workload {}", workload.id))?;
        for combo in combos_on(backends).filter(|c| c.workload.id == workload.id) {
            let job = problem.job(combo.variant);
            for t in backends::thread_counts(combo.backend, threads) {
                let exec = executor(combo.backend, t)?;
                let mismatch = problem
                    .run_checked(&job, &*exec, &mut out)
                    .err()
                    .map(|e| format!("{e:#}"));
                verdicts.push(Verdict {
                    key: combo.key(t),
                    mismatch,
                });
            }
        }
    }
    Ok(verdicts)
}
