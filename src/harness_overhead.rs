//! The harness overhead: what parbench's own call path adds to the call it
//! times.
//!
//! Every benchmark times parbench's call (a [`crate::job::Job`] run on the
//! backend's scheduler through [`crate::matrix::Prepared::run_on`], which
//! jumps to the variant's kernel compiled for the problem, which runs a
//! task per chunk on the scheduler). A user's program makes none of those
//! steps: it writes the map for its backend directly.
//! On the seed's 20 items that difference is all there is to see, so it is
//! measured, never assumed: for every in-process backend, parbench's call
//! of the plain map (`closure`) and, on the sequential backend, of the
//! sequential loop every speedup is measured against, are paired in the
//! same rounds of [`paired::sample`] with the same map written by hand for
//! that backend ([`Backend::with_hand_written`]: the same chunking,
//! nothing else). The ratio of their times is the harness overhead, recorded per
//! workload, variant, backend and thread count in the run block of the
//! results file. On a pool the two sides alternate call by call, and a
//! pool of one thread is pinned with the caller to one CPU
//! ([`pinned_with_caller`] says why).
//!
//! It runs in every profile, after criterion's groups, on the workloads
//! whose purpose is pure overhead, memory bandwidth or compute
//! ([`PURPOSES`]: `seed`, `trivial`, `compute`, uniform work and no state
//! table) whether or not the profile times the plain map there, at the
//! run's thread counts up to the logical cores (beyond them a ratio
//! measures the operating system's scheduler, not parbench). Every
//! member is checked against the oracle first, untimed; a mismatch is an
//! error. `cargo bench -- harness_overhead` runs it alone; a filter naming
//! a workload skips it.

use std::time::Instant;

use anyhow::{Context, Result, bail};

use crate::backends::{self, Backend, Executor, HandWritten};
use crate::break_even::Mode;
use crate::key::Key;
use crate::matrix::{self, Prepared, Target};
use crate::paired::{self, Sampling};
use crate::platform;
use crate::profile::Profile;
use crate::results::HarnessOverhead;
use crate::roles::Role;
use crate::schedule::{Outcome, Produced, RunStats};
use crate::sweep::Sweep;
use crate::variants::{VARIANTS, Variant};
use crate::workload::{Purpose, Seed, WORKLOADS, Workload};

/// The workload part of the pseudo-key criterion's filter is matched
/// against (`harness_overhead/<variant>/<backend>/<threads>`).
pub const FILTER_ID: &str = "harness_overhead";

/// The workloads measured, by purpose: where parbench's cost is the whole
/// call, against memory bandwidth, against compute.
pub const PURPOSES: [Purpose; 3] = [Purpose::Overhead, Purpose::MemoryBound, Purpose::CpuBound];

/// parbench's calls paired with the hand-written one: the plain map and
/// the sequential loop (which runs on the sequential backend only).
pub const ROLES: [Role; 2] = [Role::PartialIdiom, Role::Baseline];

/// The workloads measured.
pub fn workloads() -> impl Iterator<Item = &'static Workload> {
    WORKLOADS.iter().filter(|w| PURPOSES.contains(&w.purpose))
}

/// parbench's variants paired with the hand-written map on `backend`.
pub fn variants_on(backend: &dyn Backend) -> Vec<&'static dyn Variant> {
    VARIANTS
        .iter()
        .copied()
        .filter(|v| ROLES.contains(&v.role()) && matrix::refusal(*v, backend).is_none())
        .collect()
}

/// One pairing: a backend at a thread count, and parbench's variants on it.
struct Pairing {
    backend: &'static dyn Backend,
    threads: usize,
    variants: Vec<&'static dyn Variant>,
}

/// The pairings of a run of `profile` at `threads`, up to `logical_cores`,
/// that criterion's filter `selected` accepts: each backend at the thread
/// counts `profile` measures beside the matrix at
/// ([`Profile::measures_beside_at`]).
fn pairings(
    profile: Profile,
    threads: &[usize],
    logical_cores: usize,
    selected: &dyn Fn(&Key) -> bool,
) -> Vec<Pairing> {
    let mut all = Vec::new();
    // The backends that run in this process, each with its hand-written map.
    let in_process = backends::BACKENDS.iter().filter(|b| b.shares_memory());
    for &backend in in_process {
        for t in backends::thread_counts(backend, threads) {
            if t > logical_cores.max(1)
                || !profile.measures_beside_at(backend, t, threads, logical_cores)
            {
                continue;
            }
            let variants: Vec<&'static dyn Variant> = variants_on(backend)
                .into_iter()
                .filter(|v| selected(&Key::new(FILTER_ID, v.id(), backend.id(), t as u64)))
                .collect();
            if !variants.is_empty() {
                all.push(Pairing {
                    backend,
                    threads: t,
                    variants,
                });
            }
        }
    }
    all
}

/// The pseudo-keys of the pairings of `profile` at `threads` up to
/// `logical_cores` (what `cargo bench -- --list` names).
pub fn keys(profile: Profile, threads: &[usize], logical_cores: usize) -> Vec<Key> {
    pairings(profile, threads, logical_cores, &|_| true)
        .iter()
        .flat_map(|p| {
            (p.variants.iter())
                .map(|v| Key::new(FILTER_ID, v.id(), p.backend.id(), p.threads as u64))
        })
        .collect()
}

/// Measures (or, in criterion's test mode, checks) the harness overhead of
/// `sweep`'s run with `sampling` (the profile's, as every group's pairing):
/// see the module doc. Measured entries reach the results file per backend
/// and thread count. Returns how many (workload, backend, threads) were
/// measured or checked.
pub fn run(
    sweep: &mut Sweep,
    mode: Mode,
    sampling: &Sampling,
    selected: &dyn Fn(&Key) -> bool,
) -> Result<usize> {
    let started = Instant::now();
    let pairings = pairings(sweep.profile, &sweep.threads, num_cpus::get(), selected);
    if pairings.is_empty() {
        return Ok(0);
    }
    let problems: Vec<(&'static Workload, Prepared<Seed>)> = workloads()
        .map(|w| {
            Prepared::of(w.problem(sweep.spec_of(w)))
                .with_context(|| format!("harness overhead on workload {}", w.id))
                .map(|p| (w, p))
        })
        .collect::<Result<_>>()?;
    let mut done = 0;
    for pairing in pairings {
        let (backend, threads) = (pairing.backend, pairing.threads);
        let Some(built) = backend.with_hand_written(threads) else {
            bail!(
                "backend {} runs in this process but has no hand-written map \
                 (Backend::with_hand_written) to measure the harness overhead against",
                backend.id()
            );
        };
        let (exec, hand_written) = built.with_context(|| {
            format!(
                "the executor and hand-written map of {} at {threads} threads",
                backend.id()
            )
        })?;
        let mut entries = Vec::new();
        // Found once, outside the timed calls, as every timing loop does.
        let target = Target::of(&*exec);
        // Held for the pairing: a pool of one thread and the caller share one CPU.
        let pinned = pinned_with_caller(&*exec, &hand_written);
        let one_thread_pool = hand_written.has_pool() && threads == 1;
        if sweep.verbose && one_thread_pool && pinned.is_none() {
            println!(
                "parbench: harness overhead {}/{threads}: not pinned (threads cannot be pinned here)",
                backend.id()
            );
        }
        for (workload, problem) in &problems {
            let place = format!("{}/{}/{threads}", workload.id, backend.id());
            let mut out = problem.output()?;
            check(problem, &hand_written, &mut out)
                .with_context(|| format!("harness overhead {place}: the hand-written map"))?;
            let jobs: Vec<_> = pairing.variants.iter().map(|v| problem.job(*v)).collect();
            for job in &jobs {
                problem
                    .run_checked(job, &*exec, &mut out)
                    .with_context(|| format!("harness overhead {place}: {}", job.variant.id()))?;
            }
            done += 1;
            if mode == Mode::Check {
                continue;
            }
            // Member 0 is the hand-written map; then parbench's calls.
            let members = 1 + jobs.len();
            let watched = paired::speedups_over_first(members);
            let call = |member: usize| match member {
                0 => {
                    hand_written.map(&problem.state, &mut out);
                    Ok(())
                }
                m => problem.run_on(&jobs[m - 1], target, &mut out).map(drop),
            };
            // A call on a pool (microseconds on the seed) alternates with the
            // others one by one, so the pool's state between calls is the
            // same for both sides (see `paired::Switching::Alternating`).
            // Batches elsewhere: the sequential loop (12 ns on the seed) is
            // too short to time alone, and scoped threads start afresh with
            // every call (alternated, std_scope at 1 thread on the seed read
            // 1.07x, 0.98x and 0.40x in three runs, with batches 0.98-1.01x).
            let samples = match hand_written.has_pool() {
                true => paired::sample_alternating(members, &watched, sampling, call),
                false => paired::sample(&vec![false; members], &watched, sampling, call),
            }
            .with_context(|| format!("harness overhead {place}"))?;
            for (position, job) in jobs.iter().enumerate() {
                let member = position + 1;
                entries.push(HarnessOverhead {
                    workload: workload.id.to_string(),
                    variant: job.variant.id().to_string(),
                    backend: backend.id().to_string(),
                    threads: threads as u64,
                    time_ratio: samples.time_ratio(member, 0),
                    harness_ns: samples.wall_per_call_ns(member),
                    hand_written_ns: samples.wall_per_call_ns(0),
                    paired_rounds: samples.paired_rounds(member, 0) as u64,
                    measured_at: sweep.started_at.clone(),
                });
            }
        }
        if sweep.verbose {
            for e in &entries {
                println!("{}", line(e));
            }
        }
        if let (Some(store), false) = (sweep.store_mut(), entries.is_empty()) {
            store.record_harness_overhead(entries)?;
        }
    }
    if sweep.verbose {
        println!(
            "parbench: harness overhead: {done} pairings {} in {}",
            match mode {
                Mode::Measure => "measured",
                Mode::Check => "checked against the oracle",
            },
            crate::sweep::human(started.elapsed())
        );
    }
    Ok(done)
}

/// Pins the caller and the pool's one thread to the CPU the caller runs on,
/// until the guard drops (the caller's affinity is then restored; the pool
/// ends with the pairing). On a pool of one thread the seed's call is one
/// or two thread wake-ups: timed call by call on the 2-core VM, about 6, 24
/// or 44 µs, for parbench's call and the hand-written one alike. With both
/// threads free to run on either CPU, the ratio of the two sides' means
/// read 0.95x to 1.17x over fourteen runs of the product, from one process
/// to the next, in batches or alternating, and 0.91x to 1.13x over twelve
/// processes of a stand-alone loop; pinned to one CPU, 1.00x to 1.03x over
/// eighteen readings in six processes of that loop (pinned to two CPUs,
/// 1.02x to 1.28x), and 0.99x to 1.01x in six runs of the product.
/// Which wake-up a call pays was not the code's doing, so the figure was
/// not parbench's overhead. Linux only; elsewhere `None`, and the run says
/// it is not pinned.
///
/// The pool is the executor's and the hand-written map's alike, and ends
/// with the pairing ([`crate::backends::hold_with_caller`] holds it).
fn pinned_with_caller(exec: &dyn Executor, hand_written: &HandWritten) -> Option<platform::Pinned> {
    if !hand_written.has_pool() {
        return None;
    }
    backends::hold_with_caller(exec)
}

/// Runs the hand-written map once into a zeroed `out` and checks it
/// against the oracle, naming the first item that differs.
fn check(problem: &Prepared<Seed>, hand_written: &HandWritten, out: &mut [u64]) -> Result<()> {
    out.fill(0);
    hand_written.map(&problem.state, out);
    // Per-item results, as the plain map's kernel produces them.
    let produced = Outcome {
        produced: Produced::Items,
        calls: None,
        stats: RunStats::default(),
    };
    problem.check(&produced, out)
}

/// One entry as the run prints it.
pub fn line(e: &HarnessOverhead) -> String {
    format!(
        "harness overhead {}/{}/{}/{}: {:.3}x ({:.3}-{:.3}), {:.0} ns against {:.0} ns by hand, {} rounds",
        e.workload,
        e.variant,
        e.backend,
        e.threads,
        e.time_ratio.estimate,
        e.time_ratio.lower,
        e.time_ratio.upper,
        e.harness_ns,
        e.hand_written_ns,
        e.paired_rounds
    )
}
