//! The matrix: workload x variant x backend (x threads), and running one
//! combination against the oracle.
//!
//! Everything that enumerates or executes combinations (`list`, `verify`,
//! `run`, the test suite, the criterion sweep) goes through here, so they
//! agree on what exists and on what "correct" means. A (variant, backend)
//! pair exists unless the variant refuses the backend ([`refusal`], the
//! capability check); a problem of its own may further rule out a variant
//! ([`problem_refusal`]: no sum, or an atomic where the accumulator is not
//! the `u64` sum), a backend ([`backend_refusal`]: worker processes carry a
//! state only if it is the seed's or serialisable, and `u64` outputs only),
//! or a variant on a backend ([`sharing_refusal`]: `arc_state` across
//! processes maps the seed's table only, and they send back a `u64` sum
//! only). A backend runs at the thread counts it supports
//! ([`backends::thread_counts`]). Nothing here names a variant or a backend
//! by its id.

use std::ops::Range;
use std::sync::Arc;
use std::sync::PoisonError;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use serde::Serialize;

use crate::backends::{self, BACKENDS, Backend, CallingThreadUncaught, Executor, catch_panic};
use crate::job::{Job, Runnable, Slots, WireState, seed_state_of};
use crate::key::Key;
use crate::memory::{self, Memory};
use crate::problem::{Accumulator, Problem, oracle_into, oracle_total, shown, sums_atomically};
use crate::roles::{Family, Role};
use crate::schedule::{Outcome, Produced, Scheduler};
use crate::variants::{self, ATOMIC_REFUSAL, Kernel, Tally, VARIANTS, Variant};
use crate::workload::{self, Constants, Seed, Spec, WORKLOADS, Workload, wrapping_sum};

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

/// Why `backend` cannot run `problem` at all, if it cannot. Worker
/// processes rebuild a problem from the seed's knobs and its table
/// ([`Runnable::seed_state`]) or from its serialised state
/// ([`Runnable::wire_state`]), what the process backend asks too; any
/// problem runs on every in-process backend.
pub fn backend_refusal(backend: &dyn Backend, problem: &dyn Runnable) -> Option<&'static str> {
    if backend.shares_memory() || problem.seed_state().is_some() {
        return None;
    }
    if problem.wire_state().is_none() {
        return Some(
            "the state is not serialisable: make it serde's and call bench_main!(problem, serde) \
             to run it in worker processes",
        );
    }
    (problem.output_type() != std::any::type_name::<u64>()).then_some(
        "worker processes return u64 outputs only: the problem's items return another type",
    )
}

/// Why `variant` cannot run `problem` on `backend`, where the two allow it
/// apart: worker processes share the seed's table by mapping its file, but
/// a serialised state cannot be shared without a copy in each worker, so
/// `arc_state` (no copy) does not run there on any other problem; and they
/// send back a `u64` sum, so a strategy that accumulates runs there only
/// where the problem's accumulator is that sum.
pub fn sharing_refusal(
    variant: &dyn Variant,
    backend: &dyn Backend,
    problem: &dyn Runnable,
) -> Option<&'static str> {
    if backend.shares_memory() || problem.seed_state().is_some() {
        return None;
    }
    if variant.role() == Role::SharedOwnership {
        return Some(
            "worker processes share only the seed's table without a copy (a mapped file); \
             a serialised state is deserialised by each worker",
        );
    }
    (variant.family() == Family::SharedMutable && !problem.accumulates_u64_sum()).then_some(
        "worker processes send back a u64 sum only, and the problem's accumulator \
         (Problem::Acc) is another",
    )
}

/// Why `variant` cannot run on a problem, if it cannot: the shared-mutable
/// strategies add the items' outputs into one accumulator, which a problem
/// that declares none ([`Problem::sums`]) does not have, and an atomic
/// holds only the `u64` sum ([`ATOMIC_REFUSAL`]).
pub fn problem_refusal<P: Problem>(variant: &dyn Variant, problem: &P) -> Option<&'static str> {
    if variant.family() != Family::SharedMutable {
        return None;
    }
    if !problem.sums() {
        return Some(
            "the problem declares no accumulation of its items (Problem::sums is false), \
             which the shared-mutable strategies need",
        );
    }
    (variant.role() == Role::AtomicSum && !sums_atomically::<P>()).then_some(ATOMIC_REFUSAL)
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

/// A problem made ready, built once: its constant state and the
/// sequential loop's results, which every variant is checked against
/// (callers make the output buffer with [`Prepared::output`]).
pub struct Prepared<P: Problem> {
    /// The problem itself.
    pub problem: P,
    /// Its constant state, built once.
    pub state: Arc<P::State>,
    /// The sequential loop's output of every item.
    pub expected: Vec<P::Output>,
    /// The sequential loop's accumulator of every item (what the
    /// shared-mutable strategies must reach).
    pub expected_total: P::Acc,
    /// Deep copies of the state the kernels made (the ownership modes), and
    /// the last call's total of an accumulator other than the `u64` sum.
    tally: Tally<P::Acc>,
    /// The state serialised, and its digest, for worker processes
    /// ([`Prepared::portable`]); `None`: they cannot carry it.
    wire: Option<(Vec<u8>, u64)>,
}

impl Prepared<Seed> {
    /// The seed's problem at `spec`, made ready.
    pub fn new(spec: Spec) -> Result<Prepared<Seed>> {
        Prepared::of(Seed::new(spec))
    }
}

impl<P: Problem> Prepared<P> {
    /// Builds `problem`'s state and runs the sequential loop once for the
    /// results every variant must match.
    pub fn of(problem: P) -> Result<Prepared<P>> {
        let name = problem.name();
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            bail!(
                "problem name '{name}': use letters, digits, '_' and '-' only \
                 (it is the workload of every key)"
            );
        }
        let items = problem.items();
        let state = catch_panic(backends::Sequential.id(), || problem.state())
            .and_then(|state| state)
            .with_context(|| format!("building the state of problem {name}"))?;
        let mut expected = Vec::new();
        expected.try_reserve_exact(items).with_context(|| {
            format!(
                "cannot allocate results for {items} items of problem {}",
                problem.name()
            )
        })?;
        expected.resize_with(items, Default::default);
        // A panicking item is an error naming the problem, not a crash.
        let expected_total = catch_panic(backends::Sequential.id(), || {
            oracle_into::<P>(&state, 0, &mut expected);
            oracle_total::<P>(&state, 0..items)
        })
        .with_context(|| format!("the sequential loop of problem {}", problem.name()))?;
        Ok(Prepared {
            problem,
            state: Arc::new(state),
            expected,
            expected_total,
            tally: Tally::default(),
            wire: None,
        })
    }

    /// [`Prepared::of`] a problem whose state serde can serialise: worker
    /// processes carry it too (the `process` backend, started from the
    /// program this runs in, re-entered as a worker by
    /// `cmd::bench::main_with_workers`). The state is serialised once, here.
    pub fn portable(problem: P) -> Result<Prepared<P>>
    where
        P::State: serde::Serialize,
    {
        let mut prepared = Prepared::of(problem)?;
        let bytes = postcard::to_stdvec(&*prepared.state).with_context(|| {
            format!(
                "serialising the state of problem {}",
                prepared.problem.name()
            )
        })?;
        // FNV-1a: a digest to tell states apart, not a defence.
        let digest = (bytes.iter()).fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
            (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
        });
        prepared.wire = Some((bytes, digest));
        Ok(prepared)
    }

    /// Deep copies of the state the kernels made so far.
    pub fn copies(&self) -> u64 {
        self.tally.copies.load(Ordering::Relaxed)
    }

    /// An output buffer of one empty slot (`Default`) per item.
    pub fn output(&self) -> Result<Vec<P::Output>> {
        let mut out = Vec::new();
        out.try_reserve_exact(self.expected.len())
            .with_context(|| {
                format!("cannot allocate results for {} items", self.expected.len())
            })?;
        out.resize_with(self.expected.len(), Default::default);
        Ok(out)
    }

    /// The whole problem as a job for `variant`.
    pub fn job(&self, variant: &'static dyn Variant) -> Job {
        Job::whole(variant, self.expected.len())
    }

    /// Runs `job` once on `exec`, writing into `out` (finds its
    /// [`Target`] first; a timing loop finds it once, before the loop, and
    /// times [`Prepared::run_on`]). A panic comes back as an error on every
    /// target: on the calling thread, whose timed call does not catch
    /// ([`Target::CallingThread`]), it is caught here, around the same call.
    #[inline]
    pub fn run(&self, job: &Job, exec: &dyn Executor, out: &mut [P::Output]) -> Result<Outcome> {
        match Target::of(exec) {
            Target::CallingThread => catch_panic(backends::Sequential.id(), || {
                self.run_on(job, Target::CallingThread, out)
            })?,
            target => self.run_on(job, target, out),
        }
    }

    /// Runs `job` once on `target`, writing into `out`: the timed call.
    /// Inlined into the timing loops (criterion's, the paired sampler's),
    /// so it is not one more call around the call it times. On a scheduler
    /// in this process it jumps on the kernel compiled for `P`, then makes
    /// only the scheduler's own calls, its outputs typed. Going through
    /// [`Executor::execute`] and [`Runnable::run_kernel`] instead puts one
    /// more indirect call in the chain, which issue 23 measured on the
    /// seed's 20-item sequential call, against the hand-written loop. On the
    /// calling thread the kernel is compiled for that scheduler itself, so
    /// neither the scheduler nor the task is an indirect call
    /// ([`Target::CallingThread`]).
    #[inline]
    pub fn run_on(&self, job: &Job, target: Target<'_>, out: &mut [P::Output]) -> Result<Outcome> {
        let (state, tally, items) = (&self.state, &self.tally, job.items.clone());
        match target {
            Target::CallingThread => variants::run::<P, CallingThreadUncaught>(
                job.kernel,
                state,
                tally,
                items,
                &CallingThreadUncaught,
                out,
            ),
            Target::Here(on) => {
                variants::run::<P, dyn Scheduler>(job.kernel, state, tally, items, on, out)
            }
            Target::Elsewhere(exec) => exec.execute(job, self, Slots::of(out)),
        }
    }

    /// Runs `job` once and checks it against the oracle. `out` is emptied
    /// first, so outputs left by an earlier call cannot pass for this one's.
    pub fn run_checked(
        &self,
        job: &Job,
        exec: &dyn Executor,
        out: &mut [P::Output],
    ) -> Result<Outcome> {
        empty(out);
        let outcome = self.run(job, exec, out)?;
        self.check_range(job.items.clone(), &outcome, out)?;
        Ok(outcome)
    }

    /// Checks an outcome of the whole problem against the oracle, naming the
    /// first difference.
    pub fn check(&self, outcome: &Outcome, out: &[P::Output]) -> Result<()> {
        self.check_range(0..self.expected.len(), outcome, out)
    }

    /// Checks an outcome of the items `items` (`out` holds their outputs;
    /// another accumulator's total is the last one the kernels left).
    pub fn check_range(
        &self,
        items: Range<usize>,
        outcome: &Outcome,
        out: &[P::Output],
    ) -> Result<()> {
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
                for (k, (want, got)) in expected.iter().zip(out).enumerate() {
                    if let Err(difference) = self.problem.check(items.start + k, want, got) {
                        bail!("{difference}");
                    }
                }
            }
            Produced::Sum(sum) => {
                let want = if items.len() == self.expected.len() {
                    self.expected_total.as_sum()
                } else {
                    oracle_total::<P>(&self.state, items.clone()).as_sum()
                };
                let Some(want) = want else {
                    bail!("a u64 sum ({sum}) where the problem accumulates another total");
                };
                if sum != want {
                    bail!("sum: expected {want}, got {sum}");
                }
            }
            Produced::Total => {
                let got = (self
                    .tally
                    .total
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner))
                .take();
                let Some(got) = got else {
                    bail!("the call said it accumulated a total, but left none");
                };
                let want = if items.len() == self.expected.len() {
                    &self.expected_total
                } else {
                    &oracle_total::<P>(&self.state, items.clone())
                };
                if got != *want {
                    bail!("total: expected {}, got {}", shown(want), shown(&got));
                }
            }
        }
        let n = items.len() as u64;
        match outcome.calls {
            Some(calls) if calls != n => bail!("worker call count: expected {n}, got {calls}"),
            _ => Ok(()),
        }
    }
}

/// The checksum a run prints: the wrapping sum of its results.
pub fn checksum(outcome: &Outcome, out: &[u64]) -> u64 {
    match outcome.produced {
        Produced::Items | Produced::Total => wrapping_sum(out),
        Produced::Sum(sum) => sum,
    }
}

/// Every slot of `out` back to its empty value.
fn empty<T: Default>(out: &mut [T]) {
    out.iter_mut().for_each(|slot| *slot = T::default());
}

impl<P: Problem> Runnable for Prepared<P> {
    fn name(&self) -> &str {
        self.problem.name()
    }
    #[inline]
    fn run_kernel(
        &self,
        kernel: Kernel,
        items: Range<usize>,
        on: &dyn Scheduler,
        out: Slots<'_>,
    ) -> Result<Outcome> {
        let out = out.typed::<P::Output>()?;
        variants::run::<P, dyn Scheduler>(kernel, &self.state, &self.tally, items, on, out)
    }
    fn output_type(&self) -> &'static str {
        std::any::type_name::<P::Output>()
    }
    fn accumulates_u64_sum(&self) -> bool {
        sums_atomically::<P>()
    }
    fn seed_state(&self) -> Option<&Constants> {
        seed_state_of::<P, P::State>(&*self.state)
    }
    fn wire_state(&self) -> Option<WireState<'_>> {
        (self.wire.as_ref()).map(|(bytes, digest)| WireState {
            bytes,
            digest: *digest,
        })
    }
}

/// Where a timed call goes, found once before a timing loop: the calling
/// thread, a scheduler in this process, whose call [`Prepared::run_on`]
/// makes directly, or an executor elsewhere (worker processes), handed the
/// whole job.
#[derive(Clone, Copy)]
pub enum Target<'e> {
    /// The sequential backend: the kernel is compiled for the calling
    /// thread's scheduler, a type known at compile time, so the sequential
    /// loop's call has no indirect call left, and no `catch_unwind`
    /// ([`CallingThreadUncaught`]: a timing loop catches around the loop).
    /// Issue 23: the seed's 20 items take about 12 ns by hand; through
    /// `dyn Scheduler` and a catch per call parbench's loop took 1.57x that,
    /// compiled for the type 1.44x, without the catch 1.25x.
    CallingThread,
    /// A scheduler in this process: the kernel runs on it directly.
    Here(&'e dyn Scheduler),
    /// An executor elsewhere (worker processes): it is handed the job.
    Elsewhere(&'e dyn Executor),
}

impl<'e> Target<'e> {
    /// The target of `exec`.
    pub fn of(exec: &'e dyn Executor) -> Target<'e> {
        match exec.scheduler() {
            Some(on) if on.is_calling_thread() => Target::CallingThread,
            Some(on) => Target::Here(on),
            None => Target::Elsewhere(exec),
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
pub fn measure_once<P: Problem>(
    problem: &Prepared<P>,
    job: &Job,
    exec: &dyn Executor,
    out: &mut [P::Output],
) -> Result<Measured> {
    // One uncounted call first: lazily initialised state (thread-locals,
    // channel internals) is allocated once, not by every call.
    problem.run(job, exec, out)?;
    if let Some(workers) = exec.processes() {
        workers.reset_peaks()?;
    }
    let copies_before = problem.copies();
    empty(out);
    let ((outcome, wall), mut memory) = memory::measure(|| {
        let start = Instant::now();
        let outcome = problem.run(job, exec, out);
        (outcome, start.elapsed())
    });
    let outcome = outcome?;
    problem.check_range(job.items.clone(), &outcome, out)?;
    memory.state_copies = Some(problem.copies() - copies_before);
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
        let spec = if quick { workload.quick } else { workload.full };
        let prepared = Prepared::of(workload.problem(spec))
            .with_context(|| format!("workload {}", workload.id))?;
        verdicts.extend(
            verify_prepared(&prepared, backends, threads)
                .with_context(|| format!("workload {}", workload.id))?,
        );
    }
    Ok(verdicts)
}

/// Runs every variant on `backends` at every thread count each supports
/// out of `threads` on one prepared problem, against its sequential loop:
/// a user's problem through the whole matrix. The keys name the problem as
/// the workload. A combination that cannot run (a refusal) is left out.
pub fn verify_prepared<P: Problem>(
    prepared: &Prepared<P>,
    backends: &'static [&'static dyn Backend],
    threads: &[usize],
) -> Result<Vec<Verdict>> {
    let mut verdicts = Vec::new();
    let mut out = prepared.output()?;
    for &variant in VARIANTS {
        if problem_refusal(variant, &prepared.problem).is_some() {
            continue;
        }
        for &backend in backends {
            if refusal(variant, backend).is_some()
                || backend_refusal(backend, prepared).is_some()
                || sharing_refusal(variant, backend, prepared).is_some()
            {
                continue;
            }
            let job = prepared.job(variant);
            for t in backends::thread_counts(backend, threads) {
                let key = Key::new(
                    prepared.problem.name(),
                    variant.id(),
                    backend.id(),
                    t as u64,
                );
                let mismatch = executor(backend, t)
                    .and_then(|exec| prepared.run_checked(&job, &*exec, &mut out))
                    .err()
                    .map(|e| format!("{e:#}"));
                verdicts.push(Verdict { key, mismatch });
            }
        }
    }
    Ok(verdicts)
}

/// Proves a prepared problem on the whole matrix before anything is timed
/// ([`verify_prepared`]): the number of combinations that matched its
/// sequential loop, or an error naming the problem, the variant, the
/// backend and the thread count of the first that did not (and how many
/// others did not either).
pub fn prove<P: Problem>(
    prepared: &Prepared<P>,
    backends: &'static [&'static dyn Backend],
    threads: &[usize],
) -> Result<usize> {
    let verdicts = verify_prepared(prepared, backends, threads)?;
    if verdicts.is_empty() {
        bail!(
            "problem {}: no combination runs on these backends at threads {threads:?}",
            prepared.problem.name()
        );
    }
    let mut failed = verdicts.iter().filter(|v| v.mismatch.is_some());
    match failed.next() {
        None => Ok(verdicts.len()),
        Some(first) => {
            let others = failed.count();
            bail!(
                "problem {}: variant {} on backend {} at {} thread{} does not match the \
                 sequential loop: {}{}",
                first.key.workload,
                first.key.variant,
                first.key.backend,
                first.key.threads,
                if first.key.threads == 1 { "" } else { "s" },
                first.mismatch.as_deref().unwrap_or_default(),
                match others {
                    0 => String::new(),
                    n => format!(
                        " (and {n} other combination{} failed)",
                        if n == 1 { "" } else { "s" }
                    ),
                }
            )
        }
    }
}
