//! What `cargo bench` measures, around criterion: the sweep.
//!
//! [`Sweep`] holds a run: the plan ([`plan`]), the machine's results file
//! while it is written ([`crate::store`]), and the problem of the workload
//! being timed. Each benchmark is checked against the oracle (and its
//! memory counted) before it is timed ([`Sweep::call`]); once criterion has
//! timed a [`Group`] (in `quick`, which criterion does not time, once its
//! members are checked), the group is paired with the sequential loop
//! ([`Sweep::pair`], in `pairing.rs`) and its records are written to the
//! results file at once, between host calibrations at the start and the
//! end ([`crate::calibration`]). `benches/sweep.rs` only wires criterion to
//! [`Sweep`]: criterion decides what runs (its own filter and flags, which
//! parbench never parses) by calling the routine of a benchmark; the first
//! call asks [`Sweep::call`] for the call to time.
//!
//! One file per concern: `plan.rs` (which benchmarks a profile measures),
//! `args.rs` (the environment and criterion's arguments), `pairing.rs` (the
//! paired and intermittent samplers' part), `progress.rs` (what the run
//! prints as it goes), and this file, the orchestration.

mod args;
mod head_to_head;
mod pairing;
mod plan;
mod progress;
mod revisit;

pub use args::{BenchArgs, DEFAULT_CALLER_WORK, caller_work_from, reports_dir, resume_from};
pub use head_to_head::{
    Unsettled, comparisons_to_settle, head_to_head, head_to_head_words, race, settled_record,
    settled_words, settling_words,
};
pub use pairing::{
    DISRUPTIVE_BYTES, NowAndThen, PairedMember, SLOW_APART, SetMember, SetVisits, churns,
    holds_the_answers, pair_members, sets_to_pair,
};
use plan::groups_of;
pub use plan::{Group, Planned, intermittent_plan, plan};
pub use progress::{Progress, human};
pub use revisit::{RevisitNeed, revisit_order, run_seed};

use std::collections::{BTreeMap, HashMap, HashSet};
use std::ops::Range;
use std::path::Path;
use std::time::{Duration, SystemTime};

use anyhow::{Context, Result};

use crate::backends::{self, Executor};
use crate::calibration::Calibration;
use crate::criterion_dir::{self, Measurement};
use crate::job::Job;
use crate::key::Key;
use crate::matrix::{self, Prepared, Target};
use crate::memory::Memory;
use crate::paired::{self, Sampling};
use crate::problem::Problem;
use crate::profile::{CriterionSettings, Profile};
use crate::results::{
    self, Benchmark, CeilingPoint, PairedFigures, RunInfo, TimeEstimator, TimeNs, WorkloadInfo,
};
use crate::roles::Role;
use crate::schedule::Outcome;
use crate::store::Store;
use crate::variants::Variant;
use crate::workload::{Seed, Spec, WORKLOADS, Workload};

/// Which sizes the sweep measures: the workloads' full sizes (`cargo
/// bench`) or their quick ones (tests, and naming the benchmarks).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sizes {
    Full,
    Quick,
}

impl Sizes {
    fn of(self, workload: &Workload) -> Spec {
        match self {
            Sizes::Full => workload.full,
            Sizes::Quick => workload.quick,
        }
    }
}

impl Sweep {
    /// The size of `workload` this run measures (the bench's full sizes,
    /// the tests' quick ones): for the steps outside criterion's groups,
    /// such as the harness overhead ([`crate::harness_overhead`]).
    pub fn spec_of(&self, workload: &Workload) -> Spec {
        self.sizes.of(workload)
    }
}

/// The problem being measured: one workload at a time, so at most one
/// large constant state is alive.
struct Current {
    workload: &'static str,
    problem: Prepared<Seed>,
    out: Vec<u64>,
}

impl Current {
    fn new(workload: &'static Workload, spec: Spec) -> Result<Current> {
        let problem = Prepared::of(workload.problem(spec))
            .with_context(|| format!("workload {}", workload.id))?;
        let out = problem
            .output()
            .with_context(|| format!("workload {}", workload.id))?;
        Ok(Current {
            workload: workload.id,
            problem,
            out,
        })
    }
}

/// The timed call of one benchmark: everything it needs was built before
/// (pool, state, output buffer), so timing it times only the call.
pub struct Call<'a> {
    problem: &'a Prepared<Seed>,
    job: Job,
    target: Target<'a>,
    out: &'a mut [u64],
}

impl Call<'_> {
    /// One call, as the user's program would make it.
    #[inline]
    pub fn run(&mut self) -> Result<Outcome> {
        self.problem.run_on(&self.job, self.target, self.out)
    }
}

/// One `cargo bench` run in progress.
pub struct Sweep {
    pub profile: Profile,
    pub threads: Vec<usize>,
    pub plan: Vec<Planned>,
    sizes: Sizes,
    /// Print progress and mismatch lines (the bench does; tests do not).
    pub verbose: bool,
    progress: Progress,
    current: Option<Current>,
    /// Pools and threads, built once per (backend, threads), before any timing.
    executors: HashMap<(&'static str, usize), Box<dyn Executor>>,
    /// Per plan index: what the untimed pass found (memory figures, or the
    /// mismatch).
    checked: HashMap<usize, std::result::Result<Memory, String>>,
    /// Per plan index: what the paired sampler measured.
    paired: HashMap<usize, PairedFigures>,
    /// Per plan index: the median time per call over its paired rounds
    /// (ns), the entry's time where criterion does not time it
    /// ([`Profile::times_with_criterion`]).
    paired_time: HashMap<usize, paired::Interval>,
    /// The time sets that settled before their cap saved, lent to the
    /// sets still open at theirs ([`paired::Bank`]).
    bank: paired::Bank,
    /// The time left for settling, head to head, the comparisons an answer
    /// quotes that their sets left undecided ([`Sweep::settle_comparisons`]).
    settling: paired::Budget,
    /// The sets the pairing pass sampled, kept for their visit again later
    /// in the run ([`Sweep::revisit`]), and the time left for those visits.
    visited: Vec<revisit::VisitedSet>,
    revisiting: paired::Budget,
    /// The intermittent benchmarks (measured by parbench itself, after
    /// criterion), and the filter they honour.
    pub intermittent: Vec<Planned>,
    /// Per intermittent index: what the untimed pass found, unless the
    /// steady plan had checked the same call.
    checked_intermittent: HashMap<usize, std::result::Result<Memory, String>>,
    /// How long the caller works before each intermittent call, at least.
    pub caller_work: Duration,
    /// The keys the interrupted run being resumed had measured.
    resumed: HashSet<Key>,
    /// Whether this run continues an interrupted one.
    resuming: bool,
    /// The break-even cells the interrupted run being resumed had measured.
    pub resumed_break_even: Vec<results::BreakEvenCell>,
    /// The results file, locked, once [`Sweep::begin`] opened it.
    store: Option<Store>,
    /// When the run started (RFC 3339): every entry's `measured_at`. A
    /// resumed run keeps the interrupted run's.
    pub started_at: String,
    /// When this process started: only criterion estimates written since
    /// are this run's.
    pub started: SystemTime,
}

impl Sweep {
    pub fn new(profile: Profile, threads: Vec<usize>, sizes: Sizes) -> Sweep {
        let plan = plan(profile, &threads);
        let intermittent = intermittent_plan(profile, &threads);
        Sweep {
            profile,
            progress: Progress::new(plan.len() + intermittent.len()),
            plan,
            intermittent,
            checked_intermittent: HashMap::new(),
            caller_work: DEFAULT_CALLER_WORK,
            threads,
            sizes,
            verbose: true,
            current: None,
            executors: HashMap::new(),
            checked: HashMap::new(),
            paired: HashMap::new(),
            paired_time: HashMap::new(),
            bank: paired::Bank::limited(profile.bank_limit()),
            settling: paired::Budget::limited(profile.settling_budget()),
            visited: Vec::new(),
            revisiting: paired::Budget::limited(profile.revisit_budget()),
            resumed: HashSet::new(),
            resuming: false,
            resumed_break_even: Vec::new(),
            store: None,
            started_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            started: SystemTime::now(),
        }
    }

    /// The plan cut into its groups, in plan order.
    pub fn groups(&self) -> Vec<Group> {
        groups_of(&self.plan)
    }

    /// The intermittent plan cut into its groups.
    pub fn intermittent_groups(&self) -> Vec<Group> {
        groups_of(&self.intermittent)
    }

    /// Before measuring: locks and reads the results file at `path`, takes
    /// over an interrupted run if `resume`, and calibrates the host (a
    /// resumed run keeps the interrupted run's start calibration). From now
    /// on every completed group is written to the file.
    pub fn begin(
        &mut self,
        path: &Path,
        machine: results::Machine,
        settings: CriterionSettings,
        ceiling: Vec<CeilingPoint>,
        resume: bool,
    ) -> Result<()> {
        let threads: Vec<u64> = self.threads.iter().map(|&t| t as u64).collect();
        let run = RunInfo {
            ceiling,
            in_progress: true,
            planned: Some((self.plan.len() + self.intermittent.len()) as u64),
            plan: Some(results::Plan {
                threads: threads.clone(),
                keys_hash: self.plan_hash(),
            }),
            ..RunInfo::new(&self.started_at, self.profile.id(), threads, settings)
        };
        let (mut store, resumed, warnings) = Store::open(path, machine, run, resume)?;
        self.resumed_break_even = resumed.break_even;
        for warning in warnings {
            eprintln!("parbench: warning: {warning}");
        }
        if resume {
            self.resuming = true;
            self.started_at = store.run().started_at.clone();
            self.resumed = resumed.measured.into_iter().collect();
            if self.verbose {
                println!(
                    "parbench: resuming the run started {}: {} of {} planned benchmarks already measured",
                    self.started_at,
                    self.resumed.len(),
                    self.plan.len() + self.intermittent.len()
                );
            }
        }
        if store.run().calibration.is_none() {
            let start = self.calibrate()?;
            store.set_start_calibration(start);
        }
        self.store = Some(store);
        Ok(())
    }

    /// A hash of every key of the plan, steady and intermittent, in plan
    /// order: what a resumed run must plan the same
    /// ([`crate::store::Store::open`]).
    pub fn plan_hash(&self) -> String {
        let keys: Vec<String> = (self.plan.iter().chain(&self.intermittent))
            .map(|p| p.key().to_string())
            .collect();
        crate::machine::short_hash(&keys.join("\n"))
    }

    /// The results file this run writes, once [`Sweep::begin`] opened it
    /// (the break-even grid records its cells through it).
    pub fn store_mut(&mut self) -> Option<&mut Store> {
        self.store.as_mut()
    }

    /// Does this run continue an interrupted one?
    pub fn resuming(&self) -> bool {
        self.resuming
    }

    /// Was the benchmark at `index` measured by the interrupted run this
    /// one resumes? Then it is not measured again.
    pub fn resumed(&self, index: usize) -> bool {
        self.resumed.contains(&self.plan[index].key())
    }

    /// The host's speed now: spin rate, copy bandwidth, and the sequential
    /// loop's time on every workload either regime measures (each built, timed and
    /// dropped in turn; about 0.3 s plus 0.1 s per workload).
    pub fn calibrate(&mut self) -> Result<Calibration> {
        self.current = None;
        let mut calibration = Calibration::host();
        let sequential = matrix::executor(&backends::Sequential, 1)?;
        let mut seen = HashSet::new();
        for p in self.plan.iter().chain(&self.intermittent) {
            let workload = p.workload();
            if !seen.insert(workload.id) {
                continue;
            }
            let mut current = Current::new(workload, self.sizes.of(workload))?;
            let ns = sequential_ns(&current.problem, &*sequential, &mut current.out)
                .with_context(|| format!("calibrating the host on workload {}", workload.id))?;
            calibration
                .sequential_ns
                .insert(workload.id.to_string(), ns);
        }
        Ok(calibration)
    }

    /// Makes the problem of `workload` the current one (dropping the
    /// previous workload's state first) and the executor of `planned`.
    fn prepare(&mut self, planned: Planned) -> Result<()> {
        let workload = planned.workload();
        if self.current.as_ref().map(|c| c.workload) != Some(workload.id) {
            self.current = None;
            self.current = Some(Current::new(workload, self.sizes.of(workload))?);
        }
        for exec_key in [
            (planned.combo.backend.id(), planned.threads),
            (backends::Backend::id(&backends::Sequential), 1),
        ] {
            if let std::collections::hash_map::Entry::Vacant(slot) = self.executors.entry(exec_key)
            {
                let backend = backends::backend(exec_key.0)?;
                slot.insert(matrix::executor(backend, exec_key.1)?);
            }
        }
        Ok(())
    }

    /// Holds a one-thread group's thread on the calling thread's CPU, with
    /// the calling thread, while criterion and the paired sampler time it
    /// ([`backends::hold_with_caller`], which says why); `None` for other
    /// groups and where it cannot. Let go with [`Sweep::release_group`].
    pub fn hold_group(&mut self, group: &Group) -> Result<Option<crate::platform::Pinned>> {
        let planned = self.plan[group.members.start];
        if group.threads != 1 || planned.combo.backend.max_threads() == 1 {
            return Ok(None);
        }
        self.prepare(planned)?;
        let exec = &self.executors[&(planned.combo.backend.id(), group.threads)];
        Ok(backends::hold_with_caller(&**exec))
    }

    /// Lets go what [`Sweep::hold_group`] held.
    pub fn release_group(&self, group: &Group, held: Option<crate::platform::Pinned>) {
        let planned = self.plan[group.members.start];
        if let Some(exec) = self
            .executors
            .get(&(planned.combo.backend.id(), group.threads))
        {
            backends::release_from_caller(&**exec, held);
        }
    }

    /// The call to time for the benchmark at `index` in the plan. The first
    /// time, untimed: builds its problem and executor, checks one call
    /// against the oracle and counts its memory. `None` when it does not
    /// match the oracle (the mismatch is kept and, verbose, printed loudly):
    /// then nothing of it is timed or recorded.
    pub fn call(&mut self, index: usize) -> Result<Option<Call<'_>>> {
        let planned = *self
            .plan
            .get(index)
            .with_context(|| format!("no benchmark #{index} in a plan of {}", self.plan.len()))?;
        if !self.checked.contains_key(&index) {
            if self.verbose {
                println!(
                    "{}",
                    self.progress.next(index + 1, &planned.key().to_string())
                );
            }
            let found = self.check(planned)?;
            self.checked.insert(index, found);
        }
        if self.checked[&index].is_err() {
            return Ok(None);
        }
        self.prepare(planned)?;
        let current = self.current.as_mut().expect("prepared");
        Ok(Some(Call {
            job: current.problem.job(planned.variant()),
            problem: &current.problem,
            target: Target::of(
                &**self
                    .executors
                    .get(&(planned.combo.backend.id(), planned.threads))
                    .expect("prepared"),
            ),
            out: &mut current.out,
        }))
    }

    /// Checks one call of `planned` against the oracle, untimed, and counts
    /// its memory; a mismatch is the line to report (printed loudly when
    /// verbose), and nothing of it is timed or recorded.
    fn check(&mut self, planned: Planned) -> Result<std::result::Result<Memory, String>> {
        self.prepare(planned)?;
        let current = self.current.as_mut().expect("prepared");
        let exec = &**self
            .executors
            .get(&(planned.combo.backend.id(), planned.threads))
            .expect("prepared");
        let job = current.problem.job(planned.variant());
        let key = planned.key();
        let found = matrix::measure_once(&current.problem, &job, exec, &mut current.out)
            .map(|m| m.memory)
            .map_err(|err| format!("{key}: does not match the oracle, not timed: {err:#}"));
        if let (Err(line), true) = (&found, self.verbose) {
            eprintln!("\n!!! MISMATCH {line}\n");
        }
        Ok(found)
    }

    /// After criterion timed `group`: pairs it, reads criterion's estimates
    /// of its members and writes their records to the results file at once
    /// (when [`Sweep::begin`] opened one). Returns the keys criterion left
    /// no numbers for.
    pub fn group_done(
        &mut self,
        group: &Group,
        criterion_home: &Path,
        sampling: &Sampling,
    ) -> Result<Vec<String>> {
        if self.store.is_none() {
            return Ok(Vec::new());
        }
        self.pair(group, sampling)?;
        let mut found = Vec::new();
        if self.profile.times_with_criterion() {
            let unreadable;
            (found, unreadable) = criterion_dir::read_all(criterion_home);
            // Only what criterion wrote during this process (not an older run's numbers).
            found.retain(|m| m.written.is_some_and(|t| t >= self.started));
            for problem in unreadable {
                eprintln!("parbench: warning: {problem}");
            }
        }
        let (benchmarks, missing) = self.records(group.members.clone(), &found);
        if !benchmarks.is_empty() {
            let workloads = self.workload_infos(&benchmarks);
            let store = self.store.as_mut().expect("checked above");
            store.record(benchmarks, workloads)?;
        }
        Ok(missing)
    }

    /// Benchmarks checked against the oracle so far, and the mismatches.
    pub fn oracle_counts(&self) -> (usize, Vec<String>) {
        let all = || {
            self.checked
                .values()
                .chain(self.checked_intermittent.values())
        };
        let mismatches: Vec<String> = all().filter_map(|c| c.as_ref().err().cloned()).collect();
        (all().count() - mismatches.len(), mismatches)
    }

    /// Writes records measured outside criterion's plan (the Python
    /// baseline) to the results file at once, when [`Sweep::begin`] opened one.
    pub fn record_extra(&mut self, benchmarks: Vec<Benchmark>) -> Result<()> {
        match self.store.as_mut() {
            Some(store) if !benchmarks.is_empty() => store.record(benchmarks, BTreeMap::new()),
            _ => Ok(()),
        }
    }

    /// The records of the benchmarks at `indexes` that passed the oracle,
    /// each with its time from the criterion measurement of the same key
    /// (in a profile criterion does not time, the median of its paired
    /// rounds) and its paired figures, and the keys left with no time.
    pub fn records(
        &self,
        indexes: Range<usize>,
        criterion: &[Measurement],
    ) -> (Vec<Benchmark>, Vec<String>) {
        let by_id: HashMap<String, &Measurement> =
            criterion.iter().map(|m| (m.id.full_id(), m)).collect();
        let mut benchmarks = Vec::new();
        let mut missing = Vec::new();
        for index in indexes {
            let Some(Ok(memory)) = self.checked.get(&index) else {
                continue;
            };
            let planned = self.plan[index];
            let key = planned.key();
            let paired_time = self.paired_time.get(&index);
            let (time, estimator) = match (by_id.get(&key.to_string()), paired_time) {
                (Some(m), _) => (
                    TimeNs {
                        estimate: m.typical_ns,
                        lower: m.lower_ns,
                        upper: m.upper_ns,
                        median: m.median_ns,
                    },
                    match m.typical_is_slope {
                        true => TimeEstimator::CriterionSlope,
                        false => TimeEstimator::CriterionMean,
                    },
                ),
                (None, Some(median)) if !self.profile.times_with_criterion() => {
                    (TimeNs::of_median(*median), TimeEstimator::PairedRounds)
                }
                (None, _) => {
                    missing.push(key.to_string());
                    continue;
                }
            };
            let items = self.sizes.of(planned.workload()).items as u64;
            let record = Benchmark::new(key, items, time, &self.started_at, *memory)
                .with_estimator(estimator);
            benchmarks.push(match self.paired.get(&index) {
                Some(paired) => record.with_paired(paired.clone()),
                None => record,
            });
        }
        (benchmarks, missing)
    }

    /// The registry's description of the workloads of `benchmarks`, at the
    /// size this run measured.
    pub fn workload_infos(&self, benchmarks: &[Benchmark]) -> BTreeMap<String, WorkloadInfo> {
        workload_infos(self.sizes, benchmarks)
    }

    /// After criterion: calibrates the host again and marks the run
    /// complete in the results file (the bench then writes the report).
    pub fn finish(&mut self) -> Result<()> {
        if let Some(mut store) = self.store.take() {
            let end = self.calibrate()?;
            store.finish(end)?;
            println!("parbench: the paired sampler's bank: {}", self.bank.words());
            println!("parbench: {}", settling_words(&self.settling));
            println!("parbench: results written to {}", store.path().display());
        }
        Ok(())
    }
}

/// The registry's description of the workloads of `benchmarks`, at `sizes`.
fn workload_infos(sizes: Sizes, benchmarks: &[Benchmark]) -> BTreeMap<String, WorkloadInfo> {
    WORKLOADS
        .iter()
        .filter(|w| benchmarks.iter().any(|b| b.key.workload == w.id))
        .filter_map(|w| {
            let info = WorkloadInfo::known(w.id)?;
            Some((
                w.id.to_string(),
                WorkloadInfo {
                    spec: Some(sizes.of(w)),
                    ..info
                },
            ))
        })
        .collect()
}

/// The time of `prepared`'s sequential loop per call (ns) on `sequential`
/// (the sequential backend's executor), now: the median of its batches
/// over about 200 ms. The host's calibration times each workload with it
/// ([`Sweep::calibrate`]), and a problem of one's own its own loop at the
/// start and end of its run ([`crate::own`]).
pub fn sequential_ns<P: Problem>(
    prepared: &Prepared<P>,
    sequential: &dyn Executor,
    out: &mut [P::Output],
) -> Result<f64> {
    let sampling = Sampling {
        cap: Duration::from_millis(200),
        ..Sampling::default()
    };
    let job = prepared.job(baseline());
    let target = Target::of(sequential);
    let samples = paired::sample(&[false], &paired::speedups_over_first(1), &sampling, |_| {
        prepared.run_on(&job, target, out).map(drop)
    })?;
    Ok(samples.wall_per_call_ns(0))
}

/// The sequential loop: the reference of every speedup.
pub fn baseline() -> &'static dyn Variant {
    crate::variants::VARIANTS
        .iter()
        .copied()
        .find(|v| v.role() == Role::Baseline)
        .expect("the registry has a baseline")
}
