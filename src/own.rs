//! A problem of the user's own: the strategy matrix over it, run by the
//! user's own bench binary ([`crate::bench_main!`]).
//!
//! The built-in sweep ([`crate::sweep`]) times the seed's workloads with
//! criterion and pairs them afterwards. A user's problem goes through the
//! same parts: the same variants and backends (which know only
//! [`Problem`]), the same untimed pass that checks each call against the
//! problem's sequential loop before anything is timed and counts its copies
//! and bytes ([`matrix::measure_once`]), the same paired sampler
//! ([`crate::sweep::pair_members`]) and the same results file. Criterion,
//! which is not a dependency of the library, is the one part it does not
//! use: every figure of a user's entry, its time per call included, comes
//! from the paired rounds (`time_estimator: paired_rounds`).
//!
//! What it measures: every variant the problem allows ([`matrix::problem_refusal`])
//! on every in-process backend. `default` measures the run's thread counts
//! within the machine's cores (oversubscribed counts measure time slicing;
//! only `full` measures them), `quick` only the largest of them (and of
//! the sequential backend's variants, the baseline alone). Worker
//! processes (the `process` backend) run it too when its state is serde's
//! and the bench says so (`bench_main!(problem, serde)`); otherwise
//! [`matrix::backend_refusal`] rules them out, and `--list` says why.
//! Last, the plain map on each parallel backend at the most threads within
//! the cores (`quick`: on the first thread backend only) is called after
//! the caller's own work, as the built-in sweep's intermittent regime
//! ([`paired::sample_intermittent`]).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result, bail};

use crate::backends::{self, BACKENDS, Backend, Executor};
use crate::key::{Key, Regime};
use crate::matrix::{self, Prepared, Target};
use crate::memory::Memory;
use crate::paired::{self, IntermittentSampling, Sampling};
use crate::problem::Problem;
use crate::profile::{self, Profile};
use crate::results::{self, Benchmark, OwnRun, RunInfo, TimeEstimator, TimeNs, WorkloadInfo};
use crate::roles::Role;
use crate::store::Store;
use crate::sweep::{self, BenchArgs, PairedMember, SetMember, SetVisits, baseline, pair_members};
use crate::variants::{VARIANTS, Variant};
use crate::workload::{Purpose, WORKLOADS};

/// One combination of the plan of a user's problem.
#[derive(Clone, Copy)]
struct Planned {
    variant: &'static dyn Variant,
    backend: &'static dyn Backend,
    threads: usize,
}

/// The key of `planned`, a combination of the problem named `name`.
fn key_of(name: &str, planned: &Planned) -> Key {
    Key::new(
        name,
        planned.variant.id(),
        planned.backend.id(),
        planned.threads as u64,
    )
}

/// A combination the problem or the backend rules out, and why.
struct Skipped {
    variant: &'static dyn Variant,
    backend: &'static dyn Backend,
    reason: &'static str,
}

/// What a run of the user's bench binary did.
pub struct Outcome {
    /// Combinations checked against the problem's sequential loop.
    pub proven: usize,
    /// The results file written, when the run measured.
    pub results: Option<PathBuf>,
}

/// The environment and arguments of the bench binary: the profile
/// (`PARBENCH_PROFILE`), the thread counts (`PARBENCH_THREADS`), and what
/// cargo handed it (`--bench` to measure, `--test`, `--list`, a filter).
pub struct Settings {
    pub profile: Profile,
    pub threads: Vec<usize>,
    pub args: BenchArgs,
    /// How long each set is paired: the profile's ([`Profile::sampling`]).
    pub sampling: Sampling,
    /// Where `runs/<machine>.json` and the report go.
    pub reports: PathBuf,
    /// How long each intermittent call is sampled, after how much of the
    /// caller's own work: the profile's
    /// ([`Profile::intermittent_sampling`], with `PARBENCH_CALLER_WORK_MS`,
    /// and at least one sequential call).
    pub intermittent: IntermittentSampling,
}

impl Settings {
    /// From the process's environment and arguments; `package` is the
    /// user's package (the bench's `CARGO_MANIFEST_DIR`).
    pub fn from_env(package: &Path) -> Result<Settings> {
        let args: Vec<String> = std::env::args().skip(1).collect();
        let profile = Profile::parse(std::env::var("PARBENCH_PROFILE").ok().as_deref())?;
        Ok(Settings {
            profile,
            sampling: profile.sampling(),
            threads: profile::threads_from(
                std::env::var("PARBENCH_THREADS").ok().as_deref(),
                num_cpus::get(),
            )?,
            args: BenchArgs::parse(&args),
            reports: sweep::reports_dir(package, std::env::var_os("PARBENCH_REPORTS_DIR")),
            intermittent: profile.intermittent_sampling(sweep::caller_work_from(
                std::env::var("PARBENCH_CALLER_WORK_MS").ok().as_deref(),
            )?),
        })
    }
}

/// Runs the strategy matrix over `problem`: `--list` names its benchmarks
/// (and says what is skipped, and why); otherwise every selected
/// combination is checked against the problem's sequential loop, untimed,
/// and its memory counted, and a mismatch is an error naming the problem,
/// variant, backend and thread count before anything is timed. Criterion's
/// test mode (`cargo test`, or `--test`) stops there. `cargo bench`
/// (`--bench`) then pairs every combination with the sequential loop and
/// merges the records into `runs/<machine>.json` under the problem's name.
pub fn run<P: Problem>(problem: P, package: &Path, settings: &Settings) -> Result<Outcome> {
    run_prepared(Prepared::of(problem)?, package, settings)
}

/// [`run`] of a problem already made ready: [`Prepared::portable`] for one
/// whose state worker processes carry.
pub fn run_prepared<P: Problem>(
    prepared: Prepared<P>,
    package: &Path,
    settings: &Settings,
) -> Result<Outcome> {
    let name = prepared.problem.name().to_string();
    if WORKLOADS.iter().any(|w| w.id == name) {
        bail!(
            "problem {name}: the name of a built-in workload; give the problem a name of its \
             own (Problem::name), or its records would replace the built-in ones"
        );
    }
    let (whole, skipped) = plan(&prepared, settings.profile, &settings.threads);
    let selected = settings.args.selector()?;
    let key = |p: &Planned| key_of(&name, p);
    let now_and_then = |p: &Planned| key(p).in_regime(Regime::Intermittent);
    // Each selected by its own key, as criterion's filter selects.
    let intermittent: Vec<Planned> = (intermittent_of(&whole, settings.profile).into_iter())
        .filter(|p| selected(&now_and_then(p)))
        .collect();
    let plan: Vec<Planned> = whole.into_iter().filter(|p| selected(&key(p))).collect();
    if settings.args.listing {
        for p in &plan {
            println!("{}: benchmark", key(p));
        }
        for p in &intermittent {
            println!("{}: benchmark", now_and_then(p));
        }
        // One line per backend and reason: the variants it rules out.
        let mut reasons: BTreeMap<(&str, &str), Vec<&str>> = BTreeMap::new();
        // The baseline runs on the sequential backend only, by design.
        for s in skipped
            .iter()
            .filter(|s| s.variant.role() != Role::Baseline)
        {
            (reasons.entry((s.backend.id(), s.reason)).or_default()).push(s.variant.id());
        }
        for ((backend, reason), variants) in reasons {
            eprintln!(
                "parbench: {name}: skipped on {backend}: {}: {reason}",
                variants.join(", ")
            );
        }
        return Ok(Outcome {
            proven: 0,
            results: None,
        });
    }
    if plan.is_empty() && intermittent.is_empty() {
        // As criterion does: a filter for other benchmarks (`cargo test
        // some_test`) runs nothing here, and that is no failure.
        println!("parbench: {name}: the filter selects none of its benchmarks");
        return Ok(Outcome {
            proven: 0,
            results: None,
        });
    }
    let mut executors = Executors::default();
    let mut out = prepared.output()?;
    // An intermittent benchmark is the call of a steady one: checked once,
    // with it when both are selected.
    let same = |a: &Planned, b: &Planned| key(a) == key(b);
    let unchecked: Vec<Planned> = (intermittent.iter().copied())
        .filter(|p| !plan.iter().any(|q| same(p, q)))
        .collect();
    let mut memory = Vec::with_capacity(plan.len() + unchecked.len());
    for p in plan.iter().chain(&unchecked) {
        let exec = executors.get(p.backend, p.threads)?;
        let job = prepared.job(p.variant);
        let measured =
            matrix::measure_once(&prepared, &job, exec, &mut out).with_context(|| {
                format!(
                    "problem {name}: variant {} on backend {} at {} thread(s) failed its check \
                     against the sequential loop; nothing was timed",
                    p.variant.id(),
                    p.backend.id(),
                    p.threads
                )
            })?;
        memory.push(measured.memory);
    }
    let proven = plan.len() + unchecked.len();
    println!(
        "parbench: {name}: {proven} combinations match its sequential loop{}",
        match settings.args.measuring {
            true => "",
            false => " (test mode: nothing timed)",
        }
    );
    if !settings.args.measuring {
        return Ok(Outcome {
            proven,
            results: None,
        });
    }
    let checked: Vec<(Planned, Memory)> =
        plan.iter().chain(&unchecked).copied().zip(memory).collect();
    let memory_of = |p: &Planned| {
        (checked.iter())
            .find(|(q, _)| same(p, q))
            .map(|(_, m)| *m)
            .expect("every intermittent benchmark was checked")
    };
    let steady: Vec<Memory> = plan.iter().map(memory_of).collect();
    let intermittent: Vec<(Planned, Memory)> =
        intermittent.iter().map(|p| (*p, memory_of(p))).collect();
    let path = measure(
        &prepared,
        package,
        settings,
        (&plan, &steady),
        &intermittent,
        &mut executors,
    )?;
    Ok(Outcome {
        proven,
        results: Some(path),
    })
}

/// The combinations `profile` measures on `prepared` at `threads`, in
/// pairing order (backend, then thread count, then variant in registry
/// order), and those ruled out, with the reason.
fn plan<P: Problem>(
    prepared: &Prepared<P>,
    profile: Profile,
    threads: &[usize],
) -> (Vec<Planned>, Vec<Skipped>) {
    let cores = num_cpus::get();
    let within_cores = threads.iter().copied().filter(|&t| t <= cores).max();
    let mut planned = Vec::new();
    let mut skipped = Vec::new();
    for &backend in BACKENDS {
        for &variant in VARIANTS {
            let reason = matrix::problem_refusal(variant, &prepared.problem)
                .or_else(|| matrix::refusal(variant, backend))
                .or_else(|| matrix::backend_refusal(backend, prepared))
                .or_else(|| matrix::sharing_refusal(variant, backend, prepared));
            if let Some(reason) = reason {
                skipped.push(Skipped {
                    variant,
                    backend,
                    reason,
                });
            }
        }
        if skipped
            .iter()
            .filter(|s| s.backend.id() == backend.id())
            .count()
            == VARIANTS.len()
        {
            continue;
        }
        for t in backends::thread_counts(backend, threads) {
            let measured = match profile {
                Profile::Full => true,
                Profile::Default => t <= cores,
                // The largest count within the cores (and the sequential
                // backend's one thread): the parallel answers at the size
                // that matters, in seconds.
                Profile::Quick => t == backend.max_threads().min(within_cores.unwrap_or(1)),
            };
            if !measured || !profile.backend_measures_threads(backend, t, threads, cores) {
                continue;
            }
            for &variant in VARIANTS {
                let ruled_out = skipped
                    .iter()
                    .any(|s| s.backend.id() == backend.id() && s.variant.id() == variant.id());
                // `quick` runs the variants in parallel only: on the
                // sequential backend, the baseline alone. And the copies of
                // the state on one thread backend only, where the answers
                // read them (as the built-in quick does on big_state): a
                // large state's copies are sampled apart, each in a set of
                // its own with twice the cap. On classifier (32 MiB), its
                // quick run took 24.6 and 26.5 s with them on every thread
                // backend, 16.6 and 18.8 s with them on rayon only
                // (alternating, 2026-12-07).
                let copies = [Role::CopyPerWorker, Role::CopyPerTask].contains(&variant.role());
                let quick_skips = profile == Profile::Quick
                    && ((backend.max_threads() == 1 && variant.role() != Role::Baseline)
                        || (copies
                            && backend.shares_memory()
                            && backend.id() != backends::first_of_threads().id()));
                // What the backend measures outside `full`
                // (`Backend::narrowing`): a backend added for how the work
                // is split, the plain map alone.
                let narrowed = profile != Profile::Full
                    && backend
                        .narrowing()
                        .is_some_and(|n| !n.keeps(Purpose::Own, variant.family(), variant.role()));
                if !ruled_out && !quick_skips && !narrowed {
                    planned.push(Planned {
                        variant,
                        backend,
                        threads: t,
                    });
                }
            }
        }
    }
    (planned, skipped)
}

/// The intermittent benchmarks of `plan`: the plain map (`closure`) on
/// each parallel backend at the most threads planned for it within the
/// cores (the fewest planned, where all are beyond them), each call made
/// after the caller's own work, as a program calls a parallel section now
/// and then (the built-in regime, [`paired::sample_intermittent`]). Each is
/// the call of a steady benchmark, checked as it is. `quick` calls it on
/// the first thread backend only, as it copies the state there only: on
/// every backend, the two examples' intermittent calls took 3.8 s of a
/// quick run (2026-12-07), beyond its 2 minutes on a slow host (126 s in
/// all). Outside `full`, not on the backends added for how the work is
/// split ([`crate::workload::Narrowing::now_and_then`]).
fn intermittent_of(plan: &[Planned], profile: Profile) -> Vec<Planned> {
    let cores = num_cpus::get();
    let threads_of = |backend: &str| {
        let planned = || (plan.iter()).filter(move |p| p.backend.id() == backend);
        (planned().map(|p| p.threads).filter(|&t| t <= cores).max())
            .or_else(|| planned().map(|p| p.threads).min())
    };
    (plan.iter().copied())
        .filter(|p| {
            p.variant.role() == Role::PartialIdiom
                && p.backend.max_threads() > 1
                && profile.calls_now_and_then(p.backend)
                && Some(p.threads) == threads_of(p.backend.id())
                && (profile != Profile::Quick
                    || p.backend.id() == backends::first_of_threads().id())
        })
        .collect()
}

/// Pairs the entries `set` of `plan` (one backend and thread count, their
/// executors built) with the sequential loop ([`pair_members`]): a first
/// visit, or a visit again of the rounds `earlier` holds.
fn pair_own_set<P: Problem>(
    prepared: &Prepared<P>,
    out: &mut [P::Output],
    executors: &Executors,
    (plan, set): (&[Planned], &[usize]),
    churns: bool,
    sampling: &Sampling,
    earlier: Option<SetVisits>,
) -> Result<(Vec<PairedMember>, SetVisits)> {
    let (backend, threads) = (plan[set[0]].backend, plan[set[0]].threads);
    let target = Target::of(&*executors.built[&(backend.id(), threads)]);
    let sequential = Target::of(&*executors.built[&(backends::Sequential.id(), 1)]);
    let members: Vec<SetMember> = set
        .iter()
        .map(|&i| SetMember {
            job: prepared.job(plan[i].variant),
            target,
            variant: plan[i].variant,
            backend,
            threads,
        })
        .collect();
    pair_members(
        prepared,
        out,
        (prepared.job(baseline()), sequential),
        &members,
        churns,
        sampling,
        earlier,
    )
}

/// Pools and threads, built once per (backend, threads), before any timing.
#[derive(Default)]
struct Executors {
    built: BTreeMap<(&'static str, usize), Box<dyn Executor>>,
}

impl Executors {
    fn get(&mut self, backend: &dyn Backend, threads: usize) -> Result<&dyn Executor> {
        let slot = match self.built.entry((backend.id(), threads)) {
            std::collections::btree_map::Entry::Occupied(slot) => slot.into_mut(),
            std::collections::btree_map::Entry::Vacant(slot) => {
                slot.insert(matrix::executor(backend, threads)?)
            }
        };
        Ok(&**slot)
    }

    /// `p` of `prepared` as a member of a head-to-head race, on its
    /// executor (built already, by [`Executors::get`]).
    fn member<'e, P: Problem>(&'e self, prepared: &Prepared<P>, p: Planned) -> SetMember<'e> {
        SetMember {
            job: prepared.job(p.variant),
            target: Target::of(&*self.built[&(p.backend.id(), p.threads)]),
            variant: p.variant,
            backend: p.backend,
            threads: p.threads,
        }
    }
}

/// Pairs every (backend, threads) set of `plan` with the sequential loop
/// and merges each set's records into the machine's results file at once,
/// races the two leading backends, settles head to head the comparisons
/// its answers read that their sets left undecided, then calls each of
/// `intermittent` after
/// the caller's own work. `memory` and the memory beside each intermittent
/// benchmark are what their untimed checks counted. Returns the file's
/// path.
fn measure<P: Problem>(
    prepared: &Prepared<P>,
    package: &Path,
    settings: &Settings,
    (plan, memory): (&[Planned], &[Memory]),
    intermittent: &[(Planned, Memory)],
    executors: &mut Executors,
) -> Result<PathBuf> {
    let name = prepared.problem.name().to_string();
    let machine = crate::machine::fingerprint(package);
    let path = settings
        .reports
        .join("runs")
        .join(format!("{}.json", machine.label));
    let started_at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let threads: Vec<u64> = settings.threads.iter().map(|&t| t as u64).collect();
    let criterion = settings.args.settings(settings.profile)?;
    let build = (
        machine.git_commit.clone(),
        machine.rustc.clone(),
        machine.parbench_version.clone(),
    );
    // Only a file this run creates takes this run block, with the
    // machine's ceiling measured then (the built-in sweep's is kept
    // otherwise).
    let run = RunInfo::new(
        &started_at,
        settings.profile.id(),
        threads.clone(),
        criterion,
    );
    let ceiling = || crate::machine::measure_ceiling(&settings.threads, Duration::from_millis(200));
    let (mut store, warnings) = Store::open_own(&path, machine, run, ceiling)?;
    for warning in warnings {
        eprintln!("parbench: warning: {warning}");
    }
    let mut out = prepared.output()?;
    let sequential_ns = |out: &mut [P::Output], executors: &mut Executors| -> Result<f64> {
        sweep::sequential_ns(prepared, executors.get(&backends::Sequential, 1)?, out)
    };
    let mut info = WorkloadInfo {
        about: prepared.problem.about(),
        purpose: Purpose::Own,
        spec: None,
        own_run: Some(OwnRun {
            started_at: started_at.clone(),
            profile: settings.profile.id().to_string(),
            threads,
            sequential_ns_start: sequential_ns(&mut out, executors)
                .with_context(|| format!("problem {name}: timing its sequential loop"))?,
            sequential_ns_end: None,
            sums: prepared.problem.sums(),
            accumulator: (!crate::problem::sums_atomically::<P>())
                .then(|| std::any::type_name::<P::Acc>().to_string()),
            git_commit: build.0,
            rustc: build.1,
            parbench_version: build.2,
        }),
    };
    let sampling = settings.sampling;
    // The time sets that settled early saved, lent to those still open at
    // their cap, as in the built-in sweep (`paired::Bank`), within the
    // profile's limit per problem.
    let mut bank = paired::Bank::limited(settings.profile.bank_limit());
    // One set per (backend, threads), the one that holds what the answers
    // quote last: by then the bank holds what the others saved.
    let mut groups: Vec<(usize, usize)> = Vec::new();
    for (i, p) in plan.iter().enumerate() {
        match groups.last_mut() {
            Some((start, end))
                if plan[*start].backend.id() == p.backend.id()
                    && plan[*start].threads == p.threads =>
            {
                *end = i + 1
            }
            _ => groups.push((i, i + 1)),
        }
    }
    let answers =
        |p: &Planned| sweep::holds_the_answers(p.backend.id(), p.threads, &settings.threads);
    groups.sort_by_key(|(start, _)| answers(&plan[*start]));
    let pairing_context = |p: &Planned| {
        format!(
            "problem {name}: pairing {} at {} thread(s) with the sequential loop",
            p.backend.id(),
            p.threads
        )
    };
    // The record of plan entry `i`, with what the paired rounds measured.
    let record = |i: usize, paired: PairedMember| {
        let items = prepared.problem.items() as u64;
        Benchmark::new(
            key_of(&name, &plan[i]),
            items,
            TimeNs::of_median(paired.time),
            &started_at,
            memory[i],
        )
        .with_estimator(TimeEstimator::PairedRounds)
        .with_paired(paired.figures)
    };
    // Each set the first visit sampled: its entries, whether it churns
    // memory and holds the answers, and its rounds, for its visit again.
    let mut visited = Vec::new();
    for (start, end) in groups {
        let (backend, threads) = (plan[start].backend, plan[start].threads);
        println!(
            "parbench: {name}: pairing {} variants on {} at {threads} thread(s)",
            end - start,
            backend.id()
        );
        // Members that churn memory are sampled apart, each with the
        // sequential loop, as in the built-in sweep (`Sweep::pair`).
        let members: Vec<(usize, Memory)> = (start..end).map(|i| (i, memory[i])).collect();
        let sets = sweep::sets_to_pair(&members, None);
        // A one-thread backend's thread on the caller's CPU, as in the
        // built-in sweep (`backends::hold_with_caller` says why).
        let held = match backend.max_threads() > 1 {
            true => backends::hold_with_caller(executors.get(backend, threads)?),
            false => None,
        };
        executors.get(backend, threads)?;
        executors.get(&backends::Sequential, 1)?;
        let mut benchmarks = Vec::new();
        for (set, churns) in sets {
            let answers = answers(&plan[start]);
            let again = settings.profile.revisits();
            let first = match again {
                true => sampling.first_of_two_visits(),
                false => sampling,
            };
            let (paired, rounds) = bank
                .fund(&first.of_set(churns).answering(answers), |lent| {
                    pair_own_set(
                        prepared,
                        &mut out,
                        executors,
                        (plan, &set),
                        churns,
                        lent,
                        None,
                    )
                })
                .with_context(|| pairing_context(&plan[start]))?;
            benchmarks.extend(set.iter().zip(paired).map(|(&i, m)| record(i, m)));
            if again {
                visited.push((set, churns, answers, rounds));
            }
        }
        backends::release_from_caller(executors.get(backend, threads)?, held);
        store.record(benchmarks, BTreeMap::from([(name.clone(), info.clone())]))?;
    }
    // Each set once more, now, as the built-in sweep visits its sets again
    // later in its run (`Sweep::revisit`): those that need it most first,
    // in a random order; those due whatever the budget, the others within
    // what is left of the problem's revisit budget.
    let mut revisiting = paired::Budget::limited(settings.profile.own_revisit_budget());
    let parts: Vec<(&str, sweep::RevisitNeed)> = (visited.iter())
        .map(|v| (name.as_str(), sweep::RevisitNeed::of(v.2, &v.3)))
        .collect();
    let order = sweep::revisit_order(&parts, sweep::run_seed());
    let mut visited: Vec<Option<_>> = visited.into_iter().map(Some).collect();
    let (mut again, sets) = (0, parts.len());
    for at in order {
        let (set, churns, answers, rounds) = visited[at].take().expect("each set once");
        let p = plan[set[0]];
        let held = match p.backend.max_threads() > 1 {
            true => backends::hold_with_caller(executors.get(p.backend, p.threads)?),
            false => None,
        };
        let sampling = sampling.visiting_again().of_set(churns).answering(answers);
        let pair = |out: &mut [P::Output], sampling: &Sampling, rounds| {
            pair_own_set(
                prepared,
                out,
                executors,
                (plan, &set),
                churns,
                sampling,
                Some(rounds),
            )
        };
        let paired = match sweep::RevisitNeed::of(answers, &rounds).is_due() {
            true => Some(revisiting.charge(|| pair(&mut out, &sampling, rounds))),
            false => revisiting.fund(&sampling, |within| pair(&mut out, within, rounds)),
        };
        backends::release_from_caller(executors.get(p.backend, p.threads)?, held);
        let Some(paired) = paired else {
            break; // the revisit budget is spent
        };
        let (paired, _) = paired.with_context(|| pairing_context(&p))?;
        again += 1;
        let benchmarks = set.iter().zip(paired).map(|(&i, m)| record(i, m)).collect();
        store.record(benchmarks, BTreeMap::from([(name.clone(), info.clone())]))?;
    }
    if sets > 0 {
        println!(
            "parbench: {name}: {again} of {sets} sets visited again ({:.1} s)",
            revisiting.spent().as_secs_f64()
        );
    }
    // The two leading backends head to head, as in the built-in sweep
    // (`Sweep::race_backends`).
    let points = results::backend_points(store.measured_of(&name));
    let raced = results::raced_points(&points, info.purpose, crate::platform::logical_cores());
    let planned = |key: &Key| plan.iter().copied().find(|p| key_of(&name, p) == *key);
    for (mut leader, runner_up) in raced {
        let (Some(first), Some(second)) = (planned(&leader.key), planned(&runner_up)) else {
            continue;
        };
        executors.get(first.backend, first.threads)?;
        executors.get(second.backend, second.threads)?;
        let member = |p: Planned| executors.member(prepared, p);
        let started = std::time::Instant::now();
        let head_to_head = bank
            .fund(&sampling.of_set(false).answering(true), |lent| {
                sweep::race(prepared, &mut out, &member(first), &member(second), lent)
            })
            .with_context(|| format!("problem {name}: racing {} head to head", leader.key))?;
        println!(
            "parbench: {name}: {}",
            sweep::head_to_head_words(&leader.key, &head_to_head, started.elapsed())
        );
        leader.head_to_head = Some(head_to_head);
        store.record(vec![leader], BTreeMap::from([(name.clone(), info.clone())]))?;
    }
    // The comparisons the answers quote that their sets left undecided,
    // head to head, as in the built-in sweep (`Sweep::settle_comparisons`),
    // within the problem's own settling budget.
    let mut settling = paired::Budget::limited(settings.profile.settling_budget());
    for unsettled in
        sweep::comparisons_to_settle(store.measured_of(&name), &settings.threads, |_| true)
    {
        let (Some(first), Some(second)) = (planned(&unsettled.key), planned(&unsettled.other))
        else {
            continue;
        };
        let churns = |key: &Key| {
            (plan.iter().position(|p| key_of(&name, p) == *key))
                .is_some_and(|i| sweep::churns(&memory[i], None))
        };
        executors.get(first.backend, first.threads)?;
        let member = |p: Planned| executors.member(prepared, p);
        let started = std::time::Instant::now();
        let settled = settling.fund(&sampling.answering(true), |within| {
            sweep::head_to_head(
                prepared,
                &mut out,
                [
                    (&member(first), churns(&unsettled.key)),
                    (&member(second), churns(&unsettled.other)),
                ],
                unsettled.margin,
                within,
            )
        });
        let Some(settled) = settled else {
            break; // the settling budget is spent
        };
        let (time_ratio, rounds) = settled.with_context(|| {
            format!(
                "problem {name}: settling {} against {} head to head",
                unsettled.key, unsettled.other.variant
            )
        })?;
        let words = sweep::settled_words(&unsettled, time_ratio, rounds, started);
        println!("parbench: {name}: {words}");
        let entries = store.measured_of(&name);
        if let Some(record) = sweep::settled_record(entries, &unsettled, time_ratio, rounds) {
            store.record(vec![record], BTreeMap::from([(name.clone(), info.clone())]))?;
        }
    }
    // Each call after the caller's own work, as the built-in sweep
    // measures its intermittent regime (`Sweep::measure_intermittent`):
    // turn 0 is the caller's work (the sequential loop), turn 1 the call.
    let sampling = settings.intermittent;
    for &(p, memory) in intermittent {
        let key = key_of(&name, &p).in_regime(Regime::Intermittent);
        executors.get(p.backend, p.threads)?;
        executors.get(&backends::Sequential, 1)?;
        let jobs = [
            (
                prepared.job(baseline()),
                Target::of(&*executors.built[&(backends::Sequential.id(), 1)]),
            ),
            (
                prepared.job(p.variant),
                Target::of(&*executors.built[&(p.backend.id(), p.threads)]),
            ),
        ];
        let run = |turn: usize| {
            let (job, target) = &jobs[turn];
            prepared.run_on(job, *target, &mut out).map(drop)
        };
        let started = std::time::Instant::now();
        let samples = paired::sample_intermittent(1, &sampling, run).with_context(|| {
            format!("problem {name}: {key}: timing its calls after the caller's own work")
        })?;
        let (speedup, mean_ratio) = (samples.speedup(0).estimate, samples.mean_ratio(0));
        let measured = sweep::NowAndThen {
            key: key.clone(),
            items: prepared.problem.items() as u64,
            started_at: &started_at,
            memory,
            backend: p.backend,
        };
        let record = measured.record(&samples, 0);
        println!(
            "parbench: {name}: {key}: {} calls after the caller's work, {speedup:.3}x the \
             sequential loop's speed; mean call {:.3}x ({:.3}-{:.3}) the call right after it \
             ({:.1} s)",
            samples.call_ns[0].len(),
            mean_ratio.estimate,
            mean_ratio.lower,
            mean_ratio.upper,
            started.elapsed().as_secs_f64()
        );
        store.record(vec![record], BTreeMap::from([(name.clone(), info.clone())]))?;
    }
    if let Some(own) = &mut info.own_run {
        own.sequential_ns_end = Some(
            sequential_ns(&mut out, executors)
                .with_context(|| format!("problem {name}: timing its sequential loop"))?,
        );
    }
    store.record(Vec::new(), BTreeMap::from([(name.clone(), info)]))?;
    println!(
        "parbench: {name}: the paired sampler's bank: {}",
        bank.words()
    );
    println!("parbench: {name}: {}", sweep::settling_words(&settling));
    println!("parbench: {name}: results written to {}", path.display());
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small problem with a state, every variant applies.
    struct Squares;

    impl Problem for Squares {
        crate::u64_output!();
        type State = Vec<u64>;
        fn name(&self) -> &str {
            "squares"
        }
        fn items(&self) -> usize {
            64
        }
        fn state(&self) -> Result<Vec<u64>> {
            Ok((0..64).collect())
        }
        fn item(state: &Vec<u64>, index: usize) -> u64 {
            state[index] * state[index]
        }
    }

    #[test]
    fn quick_copies_the_state_on_the_first_thread_backend_only() {
        let prepared = Prepared::of(Squares).unwrap();
        let where_run = |profile: Profile, role: Role| -> Vec<&str> {
            let (planned, _) = plan(&prepared, profile, &[1, 2]);
            (planned.iter())
                .filter(|p| p.variant.role() == role)
                .map(|p| p.backend.id())
                .collect()
        };
        let first = backends::first_of_threads().id();
        for copies in [Role::CopyPerWorker, Role::CopyPerTask] {
            assert_eq!(where_run(Profile::Quick, copies), [first]);
            assert!(where_run(Profile::Full, copies).len() > 1);
        }
        // Sharing the state: on every thread backend, in quick too.
        assert!(where_run(Profile::Quick, Role::SharedOwnership).len() > 1);
    }

    #[test]
    fn the_plain_map_is_called_now_and_then_at_the_most_threads_of_each_parallel_backend() {
        let prepared = Prepared::of(Squares).unwrap();
        let called = |profile: Profile, threads: &[usize]| -> Vec<(&str, &str, usize)> {
            let (planned, _) = plan(&prepared, profile, threads);
            (intermittent_of(&planned, profile).into_iter())
                .map(|p| (p.variant.id(), p.backend.id(), p.threads))
                .collect()
        };
        // At the cores, not beyond them, though `full` measures beyond;
        // Squares' state is not serde's: no worker processes.
        let cores = num_cpus::get();
        let threads = [1, cores, 2 * cores];
        let threads_backends = (BACKENDS.iter())
            .filter(|b| b.shares_memory() && b.max_threads() > 1)
            .map(|b| ("closure", b.id(), cores));
        assert_eq!(
            called(Profile::Full, &threads),
            threads_backends.collect::<Vec<_>>()
        );
        // `default`: not the backends added for how the work is split
        // (`Narrowing::now_and_then`).
        let default = called(Profile::Default, &threads);
        assert!(default.contains(&("closure", "std_scope", cores)));
        assert!(!default.iter().any(|c| c.1 == "rayon_iter"));
        // Every count beyond the cores: the fewest of them.
        let beyond = [2 * cores, 4 * cores];
        assert!(
            called(Profile::Full, &beyond)
                .iter()
                .all(|c| c.2 == 2 * cores)
        );
        let first = backends::first_of_threads().id();
        let quick = called(Profile::Quick, &threads);
        assert_eq!(quick.len(), 1);
        assert_eq!(quick[0].1, first);
    }
}
