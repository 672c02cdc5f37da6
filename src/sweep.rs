//! The plan of `cargo bench` and its orchestration: which combinations each
//! profile measures, at which thread counts, with which criterion settings;
//! checking each one against the oracle (and counting its memory) before it
//! is timed; pairing each [`Group`] with the sequential loop once criterion
//! has timed it ([`Sweep::pair`]); and writing each group's records to the
//! machine's results file at once ([`crate::store`]), between host
//! calibrations at the start and the end ([`crate::calibration`]).
//! `benches/sweep.rs` only wires criterion to [`Sweep`]: criterion decides
//! what runs (its own filter and flags, which parbench never parses) by
//! calling the routine of a benchmark; the first call asks [`Sweep::call`]
//! for the call to time.
//!
//! Profiles (`PARBENCH_PROFILE`) select by each workload's coverage
//! (`Workload::in_quick_profile`, `in_default_profile`), which names
//! families and roles, never variants; `full` is the whole cross product.
//! Budgets on a 2-core machine, compile time excluded: `quick` under 2
//! minutes, `default` under 12.
//!
//! The thread counts are powers of two up to twice the logical core count,
//! plus the core count itself (1, 2, 4 on two cores); `PARBENCH_THREADS`
//! overrides them. Each backend runs at those it supports.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::ops::Range;
use std::path::Path;
use std::time::{Duration, Instant, SystemTime};

use anyhow::{Context, Result, bail};

use crate::backends::{self, Executor};
use crate::calibration::Calibration;
use crate::criterion_dir::{self, Measurement};
use crate::job::Job;
use crate::key::Key;
use crate::key::Regime;
use crate::matrix::{self, Combo, Problem};
use crate::memory::Memory;
use crate::paired::{self, Interval, Sampling, Watched};
use crate::profile::{CriterionSettings, Profile};
use crate::results::{
    self, Benchmark, CeilingPoint, Comparison, PairedFigures, RunInfo, TimeEstimator, TimeNs,
    WorkloadInfo,
};
use crate::roles::Role;
use crate::schedule::Outcome;
use crate::store::Store;
use crate::variants::Variant;
use crate::workload::{Purpose, Spec, WORKLOADS, Workload};

impl Profile {
    /// Does this profile measure `variant` on `workload` in the
    /// intermittent regime? Every profile measures what the workload names;
    /// `full` every variant but the baseline, on those workloads.
    pub fn measures_intermittent(self, workload: &Workload, variant: &dyn Variant) -> bool {
        match (self, workload.intermittent) {
            (_, None) => false,
            _ if variant.role() == Role::Baseline => false,
            (Profile::Full, Some(_)) => true,
            (_, Some(coverage)) => coverage.covers(variant.family(), variant.role()),
        }
    }

    /// Does this profile measure `variant` on `workload`?
    pub fn measures(self, workload: &Workload, variant: &dyn Variant) -> bool {
        match self {
            Profile::Full => true,
            Profile::Quick => workload
                .in_quick_profile
                .covers(variant.family(), variant.role()),
            Profile::Default => workload
                .in_default_profile
                .covers(variant.family(), variant.role()),
        }
    }

    /// Does this profile measure the combination `combo` (the workload's
    /// coverage, narrowed by the backend's own, [`backends::Backend::narrowing`])?
    pub fn measures_combo(self, combo: &Combo) -> bool {
        self.measures(combo.workload, combo.variant) && self.backend_measures(combo)
    }

    /// Does this profile measure `workload` at `threads` on a machine of
    /// `logical_cores`? Oversubscribed counts (more threads than cores)
    /// measure time slicing, not scaling, and the scaling models leave them
    /// out: `quick` and `default` measure them only where scheduling is the
    /// question (the CPU-bound and imbalanced workloads), `full` everywhere.
    pub fn measures_threads(
        self,
        workload: &Workload,
        threads: usize,
        logical_cores: usize,
    ) -> bool {
        self == Profile::Full
            || threads <= logical_cores
            || matches!(workload.purpose, Purpose::CpuBound | Purpose::Imbalance)
    }

    /// Does the backend's narrowing ([`backends::Backend::narrowing`]) keep
    /// `combo` in this profile?
    fn backend_measures(self, combo: &Combo) -> bool {
        self == Profile::Full
            || (combo.backend.narrowing().is_none_or(|narrowing| {
                narrowing.keeps(
                    combo.workload.purpose,
                    combo.variant.family(),
                    combo.variant.role(),
                )
            }) && self.measures_state_size_on(combo))
    }

    /// `quick` measures the large constant state (purpose `state_size`,
    /// whose copies of 64 MiB take most of a quick run) on one thread
    /// backend, the first parallel one of [`backends::BACKENDS`] (rayon),
    /// besides the sequential loop and the other kinds of backend (worker
    /// processes); `default` and `full` on every backend.
    fn measures_state_size_on(self, combo: &Combo) -> bool {
        let threads = |b: &dyn backends::Backend| b.shares_memory() && b.max_threads() > 1;
        self != Profile::Quick
            || combo.workload.purpose != Purpose::StateSize
            || !threads(combo.backend)
            || backends::BACKENDS
                .iter()
                .find(|b| threads(**b))
                .is_some_and(|first| first.id() == combo.backend.id())
    }
}

/// One benchmark of the plan.
#[derive(Clone, Copy)]
pub struct Planned {
    pub combo: Combo,
    pub threads: usize,
    pub regime: Regime,
}

impl Planned {
    pub fn workload(&self) -> &'static Workload {
        self.combo.workload
    }
    pub fn variant(&self) -> &'static dyn Variant {
        self.combo.variant
    }
    /// Its key; criterion's full id is the key's text (steady entries).
    pub fn key(&self) -> Key {
        self.combo.key(self.threads).in_regime(self.regime)
    }
}

/// Every steady benchmark of a profile (what criterion times), ordered by
/// workload (criterion's groups), then backend and thread count (the paired
/// sampler's [`Group`]s), then variant in registry order.
pub fn plan(profile: Profile, threads: &[usize]) -> Vec<Planned> {
    planned(profile, threads, Regime::Steady, |c| {
        profile.measures_combo(c)
    })
}

/// Every intermittent benchmark of a profile, in the order of [`plan`]: the
/// parallel backends only (the sequential loop is the caller's work).
pub fn intermittent_plan(profile: Profile, threads: &[usize]) -> Vec<Planned> {
    planned(profile, threads, Regime::Intermittent, |c| {
        c.backend.max_threads() > 1
            && profile.measures_intermittent(c.workload, c.variant)
            && profile.backend_measures(c)
    })
}

fn planned(
    profile: Profile,
    threads: &[usize],
    regime: Regime,
    wanted: impl Fn(&Combo) -> bool,
) -> Vec<Planned> {
    let cores = crate::platform::logical_cores() as usize;
    let mut plan: Vec<Planned> = matrix::combos()
        .filter(|c| wanted(c))
        .flat_map(|combo| {
            backends::thread_counts(combo.backend, threads)
                .into_iter()
                .filter(move |&t| profile.measures_threads(combo.workload, t, cores))
                .map(move |threads| Planned {
                    combo,
                    threads,
                    regime,
                })
        })
        .collect();
    plan.sort_by_key(|p| {
        (
            WORKLOADS.iter().position(|w| w.id == p.workload().id),
            backends::BACKENDS
                .iter()
                .position(|b| b.id() == p.combo.backend.id()),
            p.threads,
        )
    });
    plan
}

/// A call's CPU time as the process CPU clock saw it, where that clock sees
/// all of the call: it counts this process only, so the CPU time of a
/// backend whose workers are other processes is unknown (`None`), never
/// the parent's own waiting presented as the call's whole cost.
fn cpu_time_seen(backend: &dyn backends::Backend, cpu_time_ns: Option<f64>) -> Option<f64> {
    cpu_time_ns.filter(|_| backend.shares_memory())
}

/// `PARBENCH_CALLER_WORK_MS`: the caller's work before each intermittent
/// call, at least (unset: [`DEFAULT_CALLER_WORK`]).
pub fn caller_work_from(value: Option<&str>) -> Result<Duration> {
    match value.map(str::trim) {
        None | Some("") => Ok(DEFAULT_CALLER_WORK),
        Some(text) => match text.parse::<f64>() {
            Ok(ms) if ms.is_finite() && (0.0..=10_000.0).contains(&ms) => {
                Ok(Duration::from_secs_f64(ms / 1e3))
            }
            _ => bail!(
                "PARBENCH_CALLER_WORK_MS='{text}' is not a number of milliseconds from 0 to 10000"
            ),
        },
    }
}

/// `PARBENCH_RESUME`: `1` continues the interrupted run of this machine.
pub fn resume_from(value: Option<&str>) -> Result<bool> {
    match value.map(str::trim) {
        None | Some("") | Some("0") => Ok(false),
        Some("1") => Ok(true),
        Some(other) => bail!("PARBENCH_RESUME='{other}' is not 0 or 1"),
    }
}

/// Where the results and the report go: `PARBENCH_REPORTS_DIR` (relative
/// to the package), else `reports/` in the package.
pub fn reports_dir(repo: &Path, value: Option<std::ffi::OsString>) -> std::path::PathBuf {
    match value.filter(|v| !v.is_empty()) {
        Some(dir) => repo.join(dir),
        None => repo.join("reports"),
    }
}

/// What parbench needs to know of the arguments cargo hands the bench
/// binary. Criterion parses them itself (its filter included); parbench only
/// looks for the flags that decide whether results are written and which
/// settings they record.
pub struct BenchArgs {
    /// Real measurement: `cargo bench` without `--test`, `--list` or
    /// `--profile-time`. Only then are results written.
    pub measuring: bool,
    /// `--list`: criterion only names the benchmarks, so nothing is run.
    pub listing: bool,
    /// Criterion settings given on the command line, with their values.
    overrides: Vec<(&'static str, String)>,
    /// Criterion's filter (the first argument that is neither a flag nor a
    /// flag's value), which parbench applies the same way to the benchmarks
    /// it measures itself (the intermittent regime).
    filter: Option<String>,
    /// `--exact`: the filter is the whole key, not a regex.
    exact: bool,
}

/// Criterion's flags that change the settings recorded in a results file.
const CRITERION_SETTING_FLAGS: &[&str] = &[
    "--warm-up-time",
    "--measurement-time",
    "--sample-size",
    "--nresamples",
];

/// Criterion's flags that take a value (skipped when looking for the filter).
const CRITERION_VALUE_FLAGS: &[&str] = &[
    "--warm-up-time",
    "--measurement-time",
    "--sample-size",
    "--nresamples",
    "--noise-threshold",
    "--confidence-level",
    "--significance-level",
    "--save-baseline",
    "-s",
    "--baseline",
    "-b",
    "--baseline-lenient",
    "--load-baseline",
    "--profile-time",
    "--plotting-backend",
    "--output-format",
    "--format",
    "--color",
    "-c",
];

/// The first argument that is neither a flag nor the value of one.
fn positional(args: &[String]) -> Option<String> {
    let mut skip_value = false;
    for arg in args {
        if std::mem::take(&mut skip_value) {
            continue;
        }
        if arg.starts_with('-') {
            skip_value = !arg.contains('=') && CRITERION_VALUE_FLAGS.contains(&arg.as_str());
            continue;
        }
        return Some(arg.clone());
    }
    None
}

/// The value of `--flag value` or `--flag=value`.
fn option_value<'a>(args: &'a [String], flag: &str) -> Option<&'a str> {
    args.iter()
        .enumerate()
        .find_map(|(i, arg)| match arg.strip_prefix(flag) {
            Some("") => args.get(i + 1).map(String::as_str),
            Some(rest) => rest.strip_prefix('='),
            None => None,
        })
}

impl BenchArgs {
    pub fn parse(args: &[String]) -> BenchArgs {
        let has = |flag: &str| args.iter().any(|a| a == flag);
        // Criterion saves no new estimates when discarding or loading a
        // baseline: there would be nothing of this run's to write.
        let measuring = has("--bench")
            && !has("--test")
            && !has("--list")
            && !has("--discard-baseline")
            && !args
                .iter()
                .any(|a| a.starts_with("--profile-time") || a.starts_with("--load-baseline"));
        BenchArgs {
            measuring,
            listing: has("--list"),
            overrides: CRITERION_SETTING_FLAGS
                .iter()
                .filter_map(|&flag| Some((flag, option_value(args, flag)?.to_string())))
                .collect(),
            filter: positional(args),
            exact: has("--exact"),
        }
    }

    /// Does criterion's filter select the benchmark with this key text? A
    /// regex searched in it, or with `--exact` the whole text, as criterion
    /// matches its own ids. An invalid regex is an error naming it.
    pub fn selector(&self) -> Result<impl Fn(&Key) -> bool + use<>> {
        let regex = match (&self.filter, self.exact) {
            (Some(filter), false) => Some(
                regex::Regex::new(filter)
                    .map_err(|e| anyhow::anyhow!("the filter '{filter}' is not a regex: {e}"))?,
            ),
            _ => None,
        };
        let (filter, exact) = (self.filter.clone(), self.exact);
        Ok(move |key: &Key| {
            let text = key.to_string();
            match (&filter, exact, &regex) {
                (None, ..) => true,
                (Some(f), true, _) => text == *f,
                (_, _, Some(regex)) => regex.is_match(&text),
                _ => true,
            }
        })
    }

    /// The profile's criterion settings with criterion's own command-line
    /// flags applied, as criterion will use them (so the results file
    /// records what was really used).
    pub fn settings(&self, profile: Profile) -> Result<CriterionSettings> {
        let mut settings = profile.criterion_settings();
        for (flag, value) in &self.overrides {
            let number: f64 = value
                .parse()
                .map_err(|_| anyhow::anyhow!("{flag} '{value}' is not a number"))?;
            match *flag {
                "--warm-up-time" => settings.warm_up_ms = (number * 1e3).round() as u64,
                "--measurement-time" => settings.measurement_ms = (number * 1e3).round() as u64,
                "--sample-size" => settings.sample_size = number as u64,
                _ => settings.nresamples = number as u64,
            }
        }
        Ok(settings)
    }
}

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
    problem: Problem,
    out: Vec<u64>,
}

impl Current {
    fn new(workload: &'static Workload, spec: Spec) -> Result<Current> {
        let problem = Problem::new(spec).with_context(|| format!("workload {}", workload.id))?;
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
    problem: &'a Problem,
    job: Job,
    exec: &'a dyn Executor,
    out: &'a mut [u64],
}

impl Call<'_> {
    /// One call, as the user's program would make it.
    #[inline]
    pub fn run(&mut self) -> Result<Outcome> {
        self.problem.run(&self.job, self.exec, self.out)
    }
}

/// The benchmarks of one workload on one backend at one thread count:
/// contiguous in the plan, and sampled together, paired with the sequential
/// loop, once criterion has timed them.
#[derive(Clone, Debug, PartialEq)]
pub struct Group {
    pub workload: &'static str,
    pub backend: &'static str,
    pub threads: usize,
    /// Their indexes in the plan.
    pub members: Range<usize>,
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
        let run = RunInfo {
            started_at: self.started_at.clone(),
            profile: self.profile.id().to_string(),
            threads: self.threads.iter().map(|&t| t as u64).collect(),
            criterion: settings,
            ceiling,
            calibration: None,
            in_progress: true,
            planned: Some((self.plan.len() + self.intermittent.len()) as u64),
            plan: Some(results::Plan {
                threads: self.threads.iter().map(|&t| t as u64).collect(),
                keys_hash: self.plan_hash(),
            }),
            previous: None,
            harness_overhead: Vec::new(),
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
        let sampling = Sampling {
            cap: Duration::from_millis(200),
            ..Sampling::default()
        };
        let sequential = matrix::executor(&backends::Sequential, 1)?;
        let mut seen = HashSet::new();
        for p in self.plan.iter().chain(&self.intermittent) {
            let workload = p.workload();
            if !seen.insert(workload.id) {
                continue;
            }
            let mut current = Current::new(workload, self.sizes.of(workload))?;
            let job = current.problem.job(baseline());
            let samples =
                paired::sample(&[false], &paired::speedups_over_first(1), &sampling, |_| {
                    current
                        .problem
                        .run(&job, &*sequential, &mut current.out)
                        .map(drop)
                })
                .with_context(|| format!("calibrating the host on workload {}", workload.id))?;
            calibration
                .sequential_ns
                .insert(workload.id.to_string(), samples.wall_per_call_ns(0));
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
            exec: &**self
                .executors
                .get(&(planned.combo.backend.id(), planned.threads))
                .expect("prepared"),
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

    /// Samples the members of `group` that criterion timed and that matched
    /// the oracle, in rounds with the sequential loop ([`paired::sample`]):
    /// their paired speedups, CPU time, and their ratios against the
    /// variants their role is compared with. Groups nothing of which ran are
    /// skipped.
    ///
    /// Members that churn memory (they allocate more than
    /// [`DISRUPTIVE_BYTES`] per call, such as the copies of a large state)
    /// are sampled apart, each in its
    /// own rounds with the sequential loop, which settles after them:
    /// freeing hundreds of MiB slows whatever runs next for tens of
    /// milliseconds (measured on big_state: the sequential loop at 4x its
    /// steady time right after clone_per_task, steady again 20-35 ms later),
    /// which would bias every light member's ratio. They are compared only
    /// with members of their own rounds.
    pub fn pair(&mut self, group: &Group, sampling: &Sampling) -> Result<()> {
        let ran: Vec<usize> = group
            .members
            .clone()
            .filter(|i| matches!(self.checked.get(i), Some(Ok(_))))
            .collect();
        let state_bytes = self
            .sizes
            .of(self.plan[group.members.start].workload())
            .state_bytes;
        let disruptive = |i: &usize| match self.checked.get(i) {
            // Without the counting allocator, the copies of the state say it.
            Some(Ok(memory)) => {
                let copied = memory.state_copies.unwrap_or(0) * state_bytes as u64;
                memory.bytes_allocated.unwrap_or(copied) > DISRUPTIVE_BYTES
            }
            _ => false,
        };
        let (apart, together): (Vec<usize>, Vec<usize>) = ran.iter().partition(|i| disruptive(i));
        if !together.is_empty() {
            self.pair_set(group, &together, false, sampling)?;
        }
        for index in apart {
            self.pair_set(group, &[index], true, sampling)?;
        }
        Ok(())
    }

    /// Samples the plan entries `set` (all of `group`; churning memory or
    /// not) with the sequential loop in the same rounds.
    fn pair_set(
        &mut self,
        group: &Group,
        set: &[usize],
        churns: bool,
        sampling: &Sampling,
    ) -> Result<()> {
        self.prepare(self.plan[set[0]])?;
        let sequential_key = (backends::Backend::id(&backends::Sequential), 1);
        let group_key = (self.plan[set[0]].combo.backend.id(), group.threads);
        let current = self.current.as_mut().expect("prepared");
        // Member 0 is the sequential loop, the reference of every speedup
        // (it may also be a member of the group itself).
        let mut calls: Vec<(Job, &dyn Executor)> = vec![(
            current.problem.job(baseline()),
            &**self.executors.get(&sequential_key).expect("prepared"),
        )];
        for &index in set {
            calls.push((
                current.problem.job(self.plan[index].variant()),
                &**self.executors.get(&group_key).expect("prepared"),
            ));
        }
        let mut churning = vec![churns; calls.len()];
        churning[0] = false; // the sequential loop allocates nothing
        // The plan entries each member (position + 1) is compared with.
        let compared_with: Vec<Vec<usize>> = set
            .iter()
            .map(|&index| {
                let variant = self.plan[index].variant();
                variant
                    .role()
                    .compared_with()
                    .iter()
                    .flat_map(|role| {
                        set.iter()
                            .position(|&other| self.plan[other].variant().role() == *role)
                    })
                    .collect()
            })
            .collect();
        // Sequential stopping watches every speedup (but the reference's
        // own, exact by definition) and every comparison between members.
        let is_reference = |index: usize| {
            self.plan[index].variant().role() == Role::Baseline && group.threads == 1
        };
        let mut watched: Vec<Watched> = Vec::new();
        for (position, &index) in set.iter().enumerate() {
            if !is_reference(index) {
                watched.push(Watched {
                    member: position + 1,
                    reference: 0,
                });
            }
            watched.extend(compared_with[position].iter().map(|&other| Watched {
                member: position + 1,
                reference: other + 1,
            }));
        }
        let samples = paired::sample(&churning, &watched, sampling, |member| {
            let (job, exec) = &calls[member];
            current.problem.run(job, *exec, &mut current.out).map(drop)
        })
        .with_context(|| {
            format!(
                "pairing {}/{}/{} with the sequential loop",
                group.workload, group.backend, group.threads
            )
        })?;
        for (position, &index) in set.iter().enumerate() {
            let member = position + 1;
            let compared = compared_with[position]
                .iter()
                .map(|&other| Comparison {
                    with: self.plan[set[other]].variant().id().to_string(),
                    time_ratio: samples.time_ratio(member, other + 1),
                })
                .collect();
            // Its own figures (its speedup and its comparisons) within the
            // target, or the cap came first; nothing watched (the reference
            // itself, compared with none): not sequentially stopped.
            let own: Vec<&Watched> = watched.iter().filter(|w| w.member == member).collect();
            let target_reached = (!own.is_empty()).then(|| {
                own.iter()
                    .all(|w| samples.within_target(**w, sampling.target_half_width))
            });
            let speedup = match is_reference(index) {
                true => Interval::exact(1.0), // the reference itself
                false => samples.speedup(member, 0),
            };
            self.paired.insert(
                index,
                PairedFigures {
                    speedup,
                    rounds: samples.paired_rounds(member, 0) as u64,
                    target_reached,
                    wall_ns: samples.mean_wall_ns(member),
                    cpu_time_ns: cpu_time_seen(
                        self.plan[index].combo.backend,
                        samples.cpu_per_call_ns(member),
                    ),
                    compared,
                },
            );
        }
        Ok(())
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
        let (mut found, unreadable) = criterion_dir::read_all(criterion_home);
        // Only what criterion wrote during this process (not an older run's numbers).
        found.retain(|m| m.written.is_some_and(|t| t >= self.started));
        for problem in unreadable {
            eprintln!("parbench: warning: {problem}");
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

    /// The untimed check of the intermittent benchmark at `index`: the
    /// steady plan's, when it checked the same call; else made now.
    fn check_intermittent(&mut self, index: usize) -> Result<std::result::Result<Memory, String>> {
        let planned = self.intermittent[index];
        let steady = planned.combo.key(planned.threads);
        let checked_steady = self
            .plan
            .iter()
            .position(|p| p.key() == steady)
            .and_then(|i| self.checked.get(&i));
        if let Some(found) = checked_steady.or(self.checked_intermittent.get(&index)) {
            return Ok(found.clone());
        }
        let found = self.check(planned)?;
        self.checked_intermittent.insert(index, found.clone());
        Ok(found)
    }

    /// Measures the members of the intermittent `group` that `selected`
    /// accepts and the resumed run did not measure, `calls` calls each:
    /// each checked against the oracle first (untimed), then sampled with
    /// [`paired::sample_intermittent`], the workload's own sequential loop
    /// as the caller's work (at least [`Sweep::caller_work`]); then the
    /// same calls back to back, one by one, for the steady distribution
    /// beside it. The records reach the results file at once.
    pub fn measure_intermittent(
        &mut self,
        group: &Group,
        calls: usize,
        selected: &dyn Fn(&Key) -> bool,
    ) -> Result<()> {
        let mut members = Vec::new();
        for index in group.members.clone() {
            let key = self.intermittent[index].key();
            if !selected(&key) || self.resumed.contains(&key) {
                continue;
            }
            if self.verbose {
                let place = self.plan.len() + index + 1;
                println!("{}", self.progress.next(place, &key.to_string()));
            }
            if let Ok(memory) = self.check_intermittent(index)? {
                members.push((index, memory));
            }
        }
        let Some(&(first, _)) = members.first() else {
            return Ok(());
        };
        self.prepare(self.intermittent[first])?;
        let current = self.current.as_mut().expect("prepared");
        let sequential = &**self
            .executors
            .get(&(backends::Backend::id(&backends::Sequential), 1))
            .expect("prepared");
        let exec = &**self
            .executors
            .get(&(group.backend, group.threads))
            .expect("prepared");
        // Turn 0 is the caller's own work, the sequential loop; the members follow.
        let mut jobs: Vec<(Job, &dyn Executor)> =
            vec![(current.problem.job(baseline()), sequential)];
        for &(index, _) in &members {
            jobs.push((
                current.problem.job(self.intermittent[index].variant()),
                exec,
            ));
        }
        let mut run = |turn: usize| {
            let (job, exec) = &jobs[turn];
            current.problem.run(job, *exec, &mut current.out).map(drop)
        };
        let context = || {
            format!(
                "{}/{}/{}/intermittent",
                group.workload, group.backend, group.threads
            )
        };
        let samples = paired::sample_intermittent(members.len(), calls, self.caller_work, &mut run)
            .with_context(context)?;
        let steady = (1..=members.len())
            .map(|turn| paired::time_each_call(calls, || run(turn)))
            .collect::<Result<Vec<_>>>()
            .with_context(context)?;
        let mut benchmarks = Vec::new();
        for (m, ((index, memory), steady_calls)) in members.into_iter().zip(steady).enumerate() {
            let planned = self.intermittent[index];
            let median = samples.median_call(m);
            let time = TimeNs {
                estimate: median.estimate,
                lower: median.lower,
                upper: median.upper,
                median: median.estimate,
            };
            let items = self.sizes.of(planned.workload()).items as u64;
            let mut record = Benchmark::new(planned.key(), items, time, &self.started_at, memory)
                .with_estimator(TimeEstimator::MedianOfCalls)
                .with_paired(PairedFigures {
                    speedup: samples.speedup(m),
                    rounds: calls as u64,
                    target_reached: None,
                    wall_ns: paired::mean(&samples.call_ns[m]),
                    cpu_time_ns: cpu_time_seen(planned.combo.backend, samples.cpu_per_call_ns(m)),
                    compared: Vec::new(),
                });
            record.caller_work_ns = Some(samples.median_caller_work(m));
            record.call_ns = samples.call_ns[m].clone();
            record.steady_call_ns = steady_calls;
            benchmarks.push(record);
        }
        if let Some(store) = self.store.as_mut() {
            let workloads = workload_infos(self.sizes, &benchmarks);
            store.record(benchmarks, workloads)?;
        }
        Ok(())
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
    /// each with its time from the criterion measurement of the same key and
    /// its paired figures, and the keys criterion left no numbers for.
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
            let Some(m) = by_id.get(&key.to_string()) else {
                missing.push(key.to_string());
                continue;
            };
            let time = TimeNs {
                estimate: m.typical_ns,
                lower: m.lower_ns,
                upper: m.upper_ns,
                median: m.median_ns,
            };
            let items = self.sizes.of(planned.workload()).items as u64;
            let estimator = match m.typical_is_slope {
                true => TimeEstimator::CriterionSlope,
                false => TimeEstimator::CriterionMean,
            };
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
            println!("parbench: results written to {}", store.path().display());
        }
        Ok(())
    }
}

/// A call allocating more than this is sampled apart from the light
/// members of its group ([`Sweep::pair`]).
pub const DISRUPTIVE_BYTES: u64 = 16 << 20;

/// A plan cut into groups of one workload, backend and thread count, in
/// plan order.
fn groups_of(plan: &[Planned]) -> Vec<Group> {
    let mut groups: Vec<Group> = Vec::new();
    for (index, p) in plan.iter().enumerate() {
        match groups.last_mut() {
            Some(g)
                if g.workload == p.workload().id
                    && g.backend == p.combo.backend.id()
                    && g.threads == p.threads =>
            {
                g.members.end = index + 1
            }
            _ => groups.push(Group {
                workload: p.workload().id,
                backend: p.combo.backend.id(),
                threads: p.threads,
                members: index..index + 1,
            }),
        }
    }
    groups
}

/// How long the caller works before each intermittent call, at least,
/// unless `PARBENCH_CALLER_WORK_MS` says otherwise: 1 ms, or one run of the
/// workload's sequential loop if that is longer (10 ms on compute).
pub const DEFAULT_CALLER_WORK: Duration = Duration::from_millis(1);

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
                    spec: sizes.of(w),
                    ..info
                },
            ))
        })
        .collect()
}

/// The sequential loop: the reference of every speedup.
pub fn baseline() -> &'static dyn Variant {
    crate::variants::VARIANTS
        .iter()
        .copied()
        .find(|v| v.role() == Role::Baseline)
        .expect("the registry has a baseline")
}

/// Prints `[37/212] compute/closure/rayon/2 — 1m12s elapsed, ~4m left`:
/// the benchmark's place in the plan, and the time left if every planned
/// benchmark after it runs (a filtered run skips some, so it finishes sooner).
pub struct Progress {
    total: usize,
    done: usize,
    started: Instant,
}

impl Progress {
    pub fn new(total: usize) -> Progress {
        Progress {
            total,
            done: 0,
            started: Instant::now(),
        }
    }

    /// The line for the benchmark at `place` (1-based) in the plan.
    pub fn next(&mut self, place: usize, id: &str) -> String {
        self.next_at(place, id, self.started.elapsed())
    }

    /// [`Progress::next`] at a given time since the start.
    pub fn next_at(&mut self, place: usize, id: &str, elapsed: Duration) -> String {
        self.done += 1;
        let left = match self.done {
            1 => "estimating".to_string(),
            ran => {
                let per = elapsed.as_secs_f64() / (ran - 1) as f64;
                let remaining = self.total.saturating_sub(place) + 1;
                format!(
                    "~{} left",
                    human(Duration::from_secs_f64(per * remaining as f64))
                )
            }
        };
        format!(
            "[{place}/{}] {id} — {} elapsed, {left}",
            self.total,
            human(elapsed)
        )
    }
}

/// `1m12s`, `45s`, `1h02m`.
pub fn human(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m{:02}s", s / 60, s % 60),
        _ => format!("{}h{:02}m", s / 3600, (s % 3600) / 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backends::BACKENDS;
    use crate::roles::Role;
    use crate::variants::VARIANTS;

    #[test]
    fn every_profile_measures_every_variant_on_every_backend_at_every_thread_count() {
        let threads = [1, 2, 4];
        for profile in [Profile::Quick, Profile::Default, Profile::Full] {
            let plan = plan(profile, &threads);
            for v in VARIANTS {
                for b in BACKENDS
                    .iter()
                    .filter(|b| v.refuses(b.capabilities()).is_none())
                {
                    for t in backends::thread_counts(*b, &threads) {
                        assert!(
                            plan.iter().any(|p| p.variant().id() == v.id()
                                && p.combo.backend.id() == b.id()
                                && p.threads == t),
                            "{profile:?} misses {}/{}/{t}",
                            v.id(),
                            b.id()
                        );
                    }
                }
            }
            // The baseline is measured wherever anything else is.
            for p in &plan {
                assert!(
                    plan.iter().any(|q| q.workload().id == p.workload().id
                        && q.variant().role() == Role::Baseline)
                );
            }
        }
    }

    #[test]
    fn quick_answers_the_memory_question_and_full_is_everything() {
        let quick = plan(Profile::Quick, &[1, 2]);
        for role in Role::MEMORY_QUESTION {
            assert!(
                quick.iter().any(
                    |p| p.workload().purpose == crate::workload::Purpose::StateSize
                        && p.variant().role() == role
                ),
                "{role:?}"
            );
        }
        let full = plan(Profile::Full, &[1, 2]);
        assert_eq!(
            full.len(),
            matrix::combos()
                .map(|c| backends::thread_counts(c.backend, &[1, 2]).len())
                .sum::<usize>()
        );
        let ids: std::collections::HashSet<String> =
            full.iter().map(|p| p.key().to_string()).collect();
        assert_eq!(ids.len(), full.len(), "benchmark ids are unique");
    }

    #[test]
    fn profile_and_args_parse() {
        assert_eq!(Profile::parse(None).unwrap(), Profile::Default);
        assert_eq!(Profile::parse(Some("quick")).unwrap(), Profile::Quick);
        assert!(
            Profile::parse(Some("fast"))
                .unwrap_err()
                .to_string()
                .contains("'fast'")
        );
        let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let parsed = BenchArgs::parse(&args(&["--bench", "--sample-size", "10", "closure/rayon"]));
        assert!(parsed.measuring);
        assert!(
            !BenchArgs::parse(&args(&[])).measuring,
            "cargo test --benches runs in test mode"
        );
        for not_measuring in [
            &["--bench", "--test"][..],
            &["--bench", "--discard-baseline"],
            &["--bench", "--load-baseline", "old"],
            &["--bench", "--profile-time", "5"],
        ] {
            assert!(
                !BenchArgs::parse(&args(not_measuring)).measuring,
                "{not_measuring:?}"
            );
        }
        let overridden = BenchArgs::parse(&args(&[
            "--bench",
            "--measurement-time",
            "2.5",
            "--sample-size=20",
        ]));
        let selects = |a: &[&str], key: &str| {
            BenchArgs::parse(&args(a)).selector().unwrap()(&key.parse::<Key>().unwrap())
        };
        let key = "compute/closure/rayon/2/intermittent";
        assert!(selects(&["--bench"], key));
        assert!(selects(&["--bench", "closure/rayon"], key));
        assert!(selects(
            &["--bench", "--save-baseline", "x", "intermittent$"],
            key
        ));
        assert!(!selects(
            &["--bench", "--sample-size", "10", "crossbeam"],
            key
        ));
        assert!(!selects(
            &["--bench", "--exact", "compute/closure/rayon/2"],
            key
        ));
        assert!(selects(&["--bench", "--exact", key], key));
        assert!(
            BenchArgs::parse(&args(&["--bench", "("]))
                .selector()
                .is_err()
        );
        let settings = overridden.settings(Profile::Quick).unwrap();
        assert_eq!((settings.measurement_ms, settings.sample_size), (2500, 20));
        assert_eq!(
            settings.warm_up_ms,
            Profile::Quick.criterion_settings().warm_up_ms
        );
    }

    #[test]
    fn progress_counts_and_estimates() {
        let mut p = Progress::new(5);
        let at = Duration::from_secs;
        assert_eq!(p.next_at(1, "a", at(0)), "[1/5] a — 0s elapsed, estimating");
        assert_eq!(
            p.next_at(2, "b", at(10)),
            "[2/5] b — 10s elapsed, ~40s left"
        );
        // A filter skipped the third: the estimate counts what is left of the plan.
        assert_eq!(
            p.next_at(4, "d", at(40)),
            "[4/5] d — 40s elapsed, ~40s left"
        );
        assert_eq!(human(Duration::from_secs(72)), "1m12s");
        assert_eq!(human(Duration::from_secs(3720)), "1h02m");
    }
}
