//! The matrix: workload x variant x backend (x threads), and running one
//! combination against the oracle.
//!
//! Everything that enumerates or executes combinations (`list`, `verify`,
//! `run`, the test suite, the criterion sweep) goes through here, so they
//! agree on what exists and on what "correct" means.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use serde::Serialize;

use crate::backends::{self, BACKENDS, Backend, Executor, RunStats, Task};
use crate::memory::{self, Footprint};
use crate::variants::{self, Outcome, Produced, VARIANTS, Variant};
use crate::workload::{self, Constants, Spec, WORKLOADS, Workload, wrapping_sum};

/// The backend id of the sequential loop, which runs on no backend.
pub const NO_BACKEND: &str = "none";

/// One (workload, variant, backend) cell; threads are chosen at run time.
#[derive(Clone, Copy)]
pub struct Combo {
    pub workload: &'static Workload,
    pub variant: &'static dyn Variant,
    /// `None` for the sequential loop.
    pub backend: Option<&'static dyn Backend>,
}

impl Combo {
    pub fn backend_id(&self) -> &'static str {
        self.backend.map_or(NO_BACKEND, |b| b.id())
    }
    /// `workload/variant/backend`.
    pub fn name(&self) -> String {
        format!(
            "{}/{}/{}",
            self.workload.id,
            self.variant.id(),
            self.backend_id()
        )
    }
}

/// A row of `parbench list`.
#[derive(Debug, Serialize)]
pub struct ListEntry {
    pub workload: &'static str,
    pub variant: &'static str,
    pub backend: &'static str,
    pub family: variants::Family,
    pub python: &'static str,
}

/// The backends a variant runs on: all of them, or none for the sequential loop.
pub fn backends_for(variant: &dyn Variant) -> Vec<Option<&'static dyn Backend>> {
    if variant.parallel() {
        BACKENDS.iter().copied().map(Some).collect()
    } else {
        vec![None]
    }
}

/// Every (workload, variant, backend), in report order.
pub fn combos() -> impl Iterator<Item = Combo> {
    WORKLOADS.iter().flat_map(|workload| {
        VARIANTS.iter().copied().flat_map(move |variant| {
            backends_for(variant).into_iter().map(move |backend| Combo {
                workload,
                variant,
                backend,
            })
        })
    })
}

pub fn list() -> Vec<ListEntry> {
    combos()
        .map(|c| ListEntry {
            workload: c.workload.id,
            variant: c.variant.id(),
            backend: c.backend_id(),
            family: c.variant.family(),
            python: c.variant.python(),
        })
        .collect()
}

/// Looks a combination up by ids, saying which part does not exist.
pub fn find(workload_id: &str, variant_id: &str, backend_id: &str) -> Result<Combo> {
    let workload = workload::workload(workload_id)?;
    let variant = variants::variant(variant_id)?;
    let backend = if backend_id == NO_BACKEND {
        None
    } else {
        Some(backends::backend(backend_id)?)
    };
    match (variant.parallel(), backend) {
        (false, Some(b)) => {
            bail!(
                "variant '{variant_id}' runs on no backend: use --backend {NO_BACKEND}, not '{}'",
                b.id()
            )
        }
        (true, None) => bail!("variant '{variant_id}' needs a backend, not '{NO_BACKEND}'"),
        _ => Ok(Combo {
            workload,
            variant,
            backend,
        }),
    }
}

/// Runs every chunk on the calling thread: the executor of the sequential
/// loop (which does not use it) and of nothing else.
struct Inline;

impl Executor for Inline {
    fn threads(&self) -> usize {
        1
    }
    fn run(&self, n: usize, out: &mut [u64], task: &Task<'_>) -> Result<RunStats> {
        let chunks = backends::even_chunks(n, 1, out)?;
        let stats = RunStats {
            chunks: chunks.len(),
            workers_used: chunks.len(),
        };
        backends::catch_panic(NO_BACKEND, || {
            chunks.into_iter().for_each(|chunk| task(0, chunk));
            Ok(())
        })?;
        Ok(stats)
    }
}

/// Builds the executor a combination runs on (set-up, outside timed calls).
pub fn executor(backend: Option<&dyn Backend>, threads: usize) -> Result<Box<dyn Executor>> {
    backends::check_threads(threads)?;
    match backend {
        Some(backend) => backend.executor(threads),
        None => Ok(Box::new(Inline)),
    }
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

    /// Runs `variant` once on `exec`, writing into `out`: the timed call.
    pub fn run(
        &self,
        variant: &dyn Variant,
        exec: &dyn Executor,
        out: &mut [u64],
    ) -> Result<Outcome> {
        variant.run(&self.consts, exec, out)
    }

    /// Runs `variant` once and checks it against the oracle. `out` is zeroed
    /// first, so results left by an earlier call cannot pass for this one's.
    pub fn run_checked(
        &self,
        variant: &dyn Variant,
        exec: &dyn Executor,
        out: &mut [u64],
    ) -> Result<Outcome> {
        out.fill(0);
        let outcome = self.run(variant, exec, out)?;
        self.check(&outcome, out)?;
        Ok(outcome)
    }

    /// Checks an outcome against the oracle, naming the first difference.
    pub fn check(&self, outcome: &Outcome, out: &[u64]) -> Result<()> {
        let n = self.expected.len() as u64;
        match outcome.produced {
            Produced::Items => {
                if let Some(i) = (0..self.expected.len()).find(|&i| out[i] != self.expected[i]) {
                    bail!("item {i}: expected {}, got {}", self.expected[i], out[i]);
                }
            }
            Produced::Sum(sum) if sum != self.expected_sum => {
                bail!("sum: expected {}, got {sum}", self.expected_sum)
            }
            Produced::Sum(_) => {}
        }
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

/// One call measured outside any timing loop: its wall time, what it
/// allocated and how many deep copies of the constant state it made.
#[derive(Debug)]
pub struct Measured {
    pub outcome: Outcome,
    pub wall: Duration,
    pub footprint: Footprint,
    pub state_copies: u64,
}

/// Runs one call with allocation counting on (after an uncounted warm-up
/// call) and checks it against the oracle.
pub fn measure_once(
    problem: &Problem,
    variant: &dyn Variant,
    exec: &dyn Executor,
    out: &mut [u64],
) -> Result<Measured> {
    // One uncounted call first: lazily initialised state (thread-locals,
    // channel internals) is allocated once, not by every call.
    problem.run(variant, exec, out)?;
    let copies_before = problem.consts.copy_counter().copies();
    out.fill(0);
    let ((outcome, wall), footprint) = memory::measure(|| {
        let start = Instant::now();
        let outcome = problem.run(variant, exec, out);
        (outcome, start.elapsed())
    });
    let outcome = outcome?;
    problem.check(&outcome, out)?;
    let state_copies = problem.consts.copy_counter().copies() - copies_before;
    Ok(Measured {
        outcome,
        wall,
        footprint,
        state_copies,
    })
}
