//! The results file: one per machine, `reports/runs/<label>.json`.
//!
//! This is what travels between machines, so it is versioned, validated on
//! load and never lost: writes are atomic (temporary file + rename), a
//! filtered run merges into the existing file, and a file that cannot be
//! parsed is moved aside rather than overwritten. The schema is documented
//! in `reports/README.md`.
//!
//! Raw measurements are the source of truth: the derived figures of an
//! entry (throughput, speedup, efficiency, overhead) are written for readers
//! of the file but recomputed on every load, so a file cannot contradict
//! itself.
//!
//! Versions: 1 (the timing sweep), 2 (adds the memory fields of each
//! benchmark), 3 (each entry's family and role, the workloads' specs, the
//! sequential loop on backend `sequential` instead of `none`) and 4 (paired
//! speedups with their intervals, CPU time, comparisons between variants,
//! the run's calibration and progress, the regime of each entry and the
//! distribution of intermittent calls) and 5 (each entry says whether it
//! has its own baseline, instead of the reader knowing the Python
//! backend's id). All are read; 5 is written.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::calibration::RunCalibration;
use crate::key::{Key, Regime};
use crate::memory::Memory;
use crate::paired::{Interval, Mode};
use crate::profile::CriterionSettings;
use crate::roles::{Family, Role};
use crate::variants;
use crate::workload::{self, Purpose, Spec};

mod derive;
mod file;
mod leaders;
mod paired_records;

pub use derive::wholly_above_ceiling;
pub use file::{
    Loaded, MAX_FILE_BYTES, clean_label, files_in, load_dir, load_files, load_for_rewrite,
    merge_into, write_atomically,
};
pub use leaders::{backend_points, quoted_point, raced_points, scheduler_point};
pub use paired_records::{Comparison, HeadToHead, PairedFigures, Visits};

/// The version this build writes.
pub const SCHEMA_VERSION: u32 = 6;
/// Every version this build reads.
pub const READABLE_VERSIONS: &[u32] = &[1, 2, 3, 4, 5, 6];

/// Criterion's ratio of times and the paired speedup of one entry disagree
/// when they differ by more than this: a finding in itself.
pub const INSTRUMENTS_AGREE_WITHIN: f64 = 0.05;

/// A speedup this far above the machine's measured ceiling is marked as
/// beyond it.
pub const CEILING_MARGIN: f64 = 0.03;

/// The backend id of the sequential loop before schema 3.
const SCHEMA_2_SEQUENTIAL_BACKEND: &str = "none";
/// What schema 3 renamed it to: the file format's history, as files wrote
/// it, not a lookup in the backends' registry (this module depends on no
/// backend; `tests/it/results.rs` checks that the registry still agrees).
const SCHEMA_3_SEQUENTIAL_BACKEND: &str = "sequential";

/// The one backend whose entries had their own baseline before schema 5,
/// which did not say so in the entry: the file format's history (what an
/// older file means), not a registry of backends.
const SCHEMA_4_OWN_BASELINE_BACKEND: &str = "python_pool";

/// The most threads an entry can have been measured at
/// ([`crate::profile::MAX_THREADS`]): a larger count in a file is not a
/// measurement, and would overflow the chunk arithmetic of the findings.
const MAX_THREADS: u64 = crate::profile::MAX_THREADS as u64;

/// Who ran it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Machine {
    /// `PARBENCH_MACHINE`, or the hostname, cleaned to `[A-Za-z0-9._-]`.
    pub label: String,
    pub hostname: String,
    pub os: String,
    pub arch: String,
    pub cpu_model: String,
    pub logical_cores: u64,
    pub physical_cores: Option<u64>,
    pub memory_bytes: u64,
    pub rustc: String,
    pub parbench_version: String,
    pub git_commit: Option<String>,
    /// One core's level-2 cache, where the OS says (schema 4).
    #[serde(default)]
    pub l2_cache_bytes: Option<u64>,
    /// The last-level cache, where the OS says (schema 4).
    #[serde(default)]
    pub last_level_cache_bytes: Option<u64>,
    /// `python3 --version`, when the run measured the Python baseline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub python: Option<String>,
}

/// The machine's own ceiling at one thread count: the throughput of a
/// pure-ALU spin loop on that many threads over one thread.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct CeilingPoint {
    pub threads: u64,
    pub speedup: f64,
}

/// How the latest run that wrote this file was made.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunInfo {
    /// UTC, RFC 3339.
    pub started_at: String,
    pub profile: String,
    pub threads: Vec<u64>,
    pub criterion: CriterionSettings,
    pub ceiling: Vec<CeilingPoint>,
    /// The host's speed at the start and the end of the run (schema 4).
    #[serde(default)]
    pub calibration: Option<RunCalibration>,
    /// The run was still going when this file was written: it is in
    /// progress, or was interrupted (schema 4; older files were complete).
    #[serde(default)]
    pub in_progress: bool,
    /// Benchmarks the run planned (after a criterion filter, all the plan's).
    #[serde(default)]
    pub planned: Option<u64>,
    /// What the run planned, which a resumed run must plan the same
    /// (absent in older files).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<Plan>,
    /// The run this one replaced in the file, kept so the report can
    /// compare the host between the two (schema 4).
    #[serde(default)]
    pub previous: Option<PreviousRun>,
    /// parbench's own cost per call: its call of the plain map (and of the
    /// sequential loop) against the same work written by hand, paired
    /// ([`crate::harness_overhead`]); absent in older files.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub harness_overhead: Vec<HarnessOverhead>,
    /// Written by a problem of one's own on a file no built-in run had
    /// written (schema 6): a ceiling and nothing else of a run. The next
    /// built-in run replaces it without taking it as its previous run.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub own_only: bool,
}

impl RunInfo {
    /// A run block with nothing measured yet: no calibration, no plan, no
    /// previous run, no harness overhead, not in progress.
    pub fn new(
        started_at: &str,
        profile: &str,
        threads: Vec<u64>,
        criterion: CriterionSettings,
    ) -> RunInfo {
        RunInfo {
            started_at: started_at.to_string(),
            profile: profile.to_string(),
            threads,
            criterion,
            ceiling: Vec::new(),
            calibration: None,
            in_progress: false,
            planned: None,
            plan: None,
            previous: None,
            harness_overhead: Vec::new(),
            own_only: false,
        }
    }
}

/// parbench's harness overhead on one call: the time of parbench's own call
/// of `variant` (job, executor, variant, scheduler, as every benchmark
/// times it) over the same work written by hand for `backend` with the same
/// chunking, both timed in the same rounds of the paired sampler.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HarnessOverhead {
    pub workload: String,
    pub variant: String,
    pub backend: String,
    pub threads: u64,
    /// parbench's time over the hand-written call's: the median of the
    /// per-round ratios, with its 95% interval (1.03: 3% overhead).
    pub time_ratio: Interval,
    /// parbench's median time per call over the paired rounds (ns).
    pub harness_ns: f64,
    /// The hand-written call's median time per call over the same rounds (ns).
    pub hand_written_ns: f64,
    pub paired_rounds: u64,
    /// When the run that measured it started (RFC 3339).
    pub measured_at: String,
}

impl HarnessOverhead {
    /// What identifies an entry: a newer run's replaces an older one.
    pub fn id(&self) -> (String, String, String, u64) {
        (
            self.workload.clone(),
            self.variant.clone(),
            self.backend.clone(),
            self.threads,
        )
    }

    fn is_valid(&self) -> bool {
        self.time_ratio.is_valid()
            && [self.harness_ns, self.hand_written_ns]
                .iter()
                .all(|x| x.is_finite() && *x > 0.0)
            && self.threads > 0
    }

    /// Does it belong to the steady entry `key`?
    pub fn is_of(&self, key: &Key) -> bool {
        key.regime == Regime::Steady
            && key.workload == self.workload
            && key.variant == self.variant
            && key.backend == self.backend
            && key.threads == self.threads
    }
}

/// What a run planned to measure: what `PARBENCH_RESUME=1` checks.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// This run's thread counts alone (the run's `threads` also keeps
    /// those of the older runs merged into the file).
    pub threads: Vec<u64>,
    /// Six hex digits of a hash of every key planned, in plan order: the
    /// profile, the thread counts and the build's matrix decide it.
    pub keys_hash: String,
}

/// What is kept of the run before: when, how, and the host's speed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PreviousRun {
    pub started_at: String,
    pub profile: String,
    #[serde(default)]
    pub calibration: Option<RunCalibration>,
}

impl PreviousRun {
    fn of(run: &RunInfo) -> PreviousRun {
        PreviousRun {
            started_at: run.started_at.clone(),
            profile: run.profile.clone(),
            calibration: run.calibration.clone(),
        }
    }
}

/// Which estimator an entry's `time_ns` carries. Times of different
/// estimators are not the same statistic: the report names it wherever
/// such times stand side by side.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeEstimator {
    /// Criterion's slope: time against iterations over its samples (its
    /// typical estimate for the steady regime).
    CriterionSlope,
    /// Criterion's mean time per iteration (where it fits no slope).
    CriterionMean,
    /// The median of single timed calls, with its distribution-free 95%
    /// interval: the intermittent regime and Python's `Pool.map` rounds.
    MedianOfCalls,
    /// The median over the paired sampler's rounds of the time per call
    /// (each round a batch of calls), with its distribution-free 95%
    /// interval: a problem of the user's own, which criterion does not time
    /// (schema 6).
    PairedRounds,
}

impl TimeEstimator {
    /// The estimator in a few words, for a table's note.
    pub fn label(self) -> &'static str {
        match self {
            TimeEstimator::CriterionSlope => "criterion's slope",
            TimeEstimator::CriterionMean => "criterion's mean",
            TimeEstimator::MedianOfCalls => "median of single calls",
            TimeEstimator::PairedRounds => "median of paired rounds",
        }
    }
}

/// The time per call, with its 95% bounds: criterion's estimate, or a
/// median ([`TimeEstimator`] says which).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct TimeNs {
    /// The typical time: criterion's slope when present, else its mean;
    /// or the median.
    pub estimate: f64,
    pub lower: f64,
    pub upper: f64,
    pub median: f64,
}

impl TimeNs {
    /// A median and its interval as the time per call (estimate and median
    /// alike): the estimators other than criterion's.
    pub fn of_median(median: Interval) -> TimeNs {
        TimeNs {
            estimate: median.estimate,
            lower: median.lower,
            upper: median.upper,
            median: median.estimate,
        }
    }
}

/// One measured combination: the one record type that the sweep writes, the
/// report reads and every export prints (through the report's column table).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Benchmark {
    #[serde(flatten)]
    pub key: Key,
    /// The variant's family, so a file from a newer parbench still groups
    /// its entries (schema 3; older files take it from this build's registry).
    #[serde(default)]
    pub family: Family,
    /// The variant's role in the findings (schema 3, likewise).
    #[serde(default)]
    pub role: Role,
    /// Its speedups are over its own sequential loop at its own sizes,
    /// measured by its own runner (the seed's Python): not comparable with
    /// the other entries' ratios or times, so it is kept out of their
    /// baselines, tables, charts and fits and shown beside them (schema 5;
    /// absent: false, and true in older files for the Python backend).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub own_baseline: bool,
    pub items: u64,
    pub time_ns: TimeNs,
    /// When this entry was measured (UTC, RFC 3339).
    pub measured_at: String,
    /// What one call did to memory (schema 2).
    #[serde(flatten)]
    pub memory: Memory,
    /// Which estimator `time_ns` is: criterion's slope or mean, or the
    /// median of single calls. Absent: a file from before it was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_estimator: Option<TimeEstimator>,
    /// Did the paired sampler stop because `speedup`'s 95% interval reached
    /// its target half-width (`true`), or because its time cap came first
    /// (`false`)? Absent: not paired, or a file from before sequential
    /// stopping.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paired_target_reached: Option<bool>,
    /// Rounds of the paired sampler behind `speedup` (schema 4). Present:
    /// `speedup` and its bounds are the paired measurement. Absent (older
    /// files): `speedup` is criterion's ratio of times, recomputed on load.
    #[serde(default)]
    pub paired_rounds: Option<u64>,
    /// The sequential loop's time over this one's, paired (see `paired_rounds`).
    #[serde(default)]
    pub speedup: Option<f64>,
    /// The paired speedup's 95% interval.
    #[serde(default)]
    pub speedup_lower: Option<f64>,
    #[serde(default)]
    pub speedup_upper: Option<f64>,
    /// The paired speedup's two modes (lower first), where its rounds fell
    /// into two groups far apart: the interval above spans both, and more
    /// rounds do not narrow it while both keep coming. Absent where they
    /// did not (and in files written before this field).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speedup_modes: Option<[Mode; 2]>,
    /// Where the paired figures pool visits at several moments of the run:
    /// each visit's speedup and the time they span. Absent: one visit (and
    /// in files written before visits).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paired_visits: Option<Visits>,
    /// Mean wall time per call over the paired batches (ns): the
    /// denominator of `cores_busy`.
    #[serde(default)]
    pub paired_wall_ns: Option<f64>,
    /// Process CPU time (user + system, every thread) per call over the
    /// paired batches (ns).
    #[serde(default)]
    pub cpu_time_ns: Option<f64>,
    /// The cores the call kept busy beyond its paired speedup, round by
    /// round: in each paired round, its CPU time less the sequential loop's
    /// wall time, over its own wall time; the median with its 95%
    /// confidence sequence ([`crate::paired::Samples::cores_beyond_speedup`]).
    /// Paired: a round the host slows is slowed on both sides of the
    /// difference (in quick runs on 2 cores it left 7 to 9 variants
    /// undecided where the figures apart left 8: quick's 8 to 13 rounds
    /// per set bound it by their range). Absent where no
    /// process CPU clock sees the call (worker processes), for intermittent
    /// and Python entries, and in files written before it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cores_beyond_speedup: Option<Interval>,
    /// Paired time ratios against the variants this one is compared with.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub compared: Vec<Comparison>,
    /// Against the runner-up backend, head to head, where this entry led
    /// the backends at the point the backend answers quote (schema 6;
    /// absent elsewhere, and in older files).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub head_to_head: Option<HeadToHead>,
    /// Intermittent entries: how long the calling thread worked before
    /// each call (ns, the median).
    #[serde(default)]
    pub caller_work_ns: Option<f64>,
    /// Intermittent entries: the time of each call (ns), in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub call_ns: Vec<f64>,
    /// Intermittent entries: single calls timed back to back in the same
    /// window (ns), the steady distribution shown beside `call_ns`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub steady_call_ns: Vec<f64>,
    /// Derived: `items / time` (recomputed on load).
    #[serde(default, skip_deserializing)]
    pub items_per_s: f64,
    /// Derived: the baseline's criterion time over this one's: the second
    /// instrument, checked against the paired speedup (recomputed on load).
    #[serde(default, skip_deserializing)]
    pub criterion_speedup: Option<f64>,
    /// Derived: the paired speedup and criterion's ratio differ by more
    /// than [`INSTRUMENTS_AGREE_WITHIN`].
    #[serde(default, skip_deserializing)]
    pub instruments_disagree: bool,
    /// Derived: `speedup / threads` (recomputed on load).
    #[serde(default, skip_deserializing)]
    pub efficiency: Option<f64>,
    /// Derived: this time minus the baseline's (recomputed on load).
    #[serde(default, skip_deserializing)]
    pub overhead_ns: Option<f64>,
    /// Derived: `cpu_time_ns / paired_wall_ns`, the cores kept busy.
    #[serde(default, skip_deserializing)]
    pub cores_busy: Option<f64>,
    /// Derived: why the speedup is above the machine's ceiling, when it is
    /// more than [`CEILING_MARGIN`] above it.
    #[serde(default, skip_deserializing)]
    pub beyond_ceiling: Option<BeyondCeiling>,
    /// Derived from `call_ns`: the median call.
    #[serde(default, skip_deserializing)]
    pub p50_ns: Option<f64>,
    /// Derived from `call_ns`: the 90th percentile call.
    #[serde(default, skip_deserializing)]
    pub p90_ns: Option<f64>,
    /// Derived from `call_ns`: the share of calls slower than
    /// [`crate::paired::SLOW_CALL`] times the fastest.
    #[serde(default, skip_deserializing)]
    pub slow_call_share: Option<f64>,
    /// Derived: the run's harness overhead of this very call
    /// (`run.harness_overhead`), where it was measured.
    #[serde(default, skip_deserializing)]
    pub harness_overhead: Option<Interval>,
}

/// A speedup above what the machine's spin loop reached, and what the run
/// can say about it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BeyondCeiling {
    pub ceiling: f64,
    pub cause: CeilingCause,
    /// What the data say, in words.
    pub explanation: String,
}

/// What a run can say of a speedup above the ceiling. No cause is assumed:
/// a speedup whose whole interval lies above what the spin loop reaches on
/// the same cores is inconsistent with the machine unless this run measured
/// why, and no measurement of a run explains one today (the cache sizes are
/// recorded, but a working set that outgrows a cache is one possible cause,
/// not a measured one), so such an entry is kept out of every answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CeilingCause {
    /// The paired interval reaches below the ceiling (plus its margin): the
    /// estimate is above it by chance as far as the run can tell.
    Noise,
    /// The paired interval lies wholly above the ceiling plus its margin
    /// (or the figure is criterion's unpaired ratio): inconsistent with this
    /// machine, not used in any answer.
    Inconsistent,
}

impl BeyondCeiling {
    /// May an answer use this entry's speedup? Only when its interval
    /// still reaches the machine's ceiling.
    pub fn usable(&self) -> bool {
        self.cause == CeilingCause::Noise
    }
}

impl Benchmark {
    /// A record of raw measurements; the derived figures are filled by
    /// [`ResultsFile::derive`].
    pub fn new(key: Key, items: u64, time_ns: TimeNs, measured_at: &str, memory: Memory) -> Self {
        let (family, role) = registry_family_and_role(&key.variant);
        Benchmark {
            key,
            family,
            role,
            own_baseline: false,
            items,
            time_ns,
            measured_at: measured_at.to_string(),
            memory,
            time_estimator: None,
            paired_target_reached: None,
            paired_rounds: None,
            speedup: None,
            speedup_lower: None,
            speedup_upper: None,
            speedup_modes: None,
            paired_visits: None,
            paired_wall_ns: None,
            cpu_time_ns: None,
            cores_beyond_speedup: None,
            compared: Vec::new(),
            head_to_head: None,
            caller_work_ns: None,
            call_ns: Vec::new(),
            steady_call_ns: Vec::new(),
            items_per_s: 0.0,
            criterion_speedup: None,
            instruments_disagree: false,
            efficiency: None,
            overhead_ns: None,
            cores_busy: None,
            beyond_ceiling: None,
            p50_ns: None,
            p90_ns: None,
            slow_call_share: None,
            harness_overhead: None,
        }
    }

    /// Adds what the paired sampler measured.
    pub fn with_paired(mut self, paired: PairedFigures) -> Self {
        self.paired_rounds = Some(paired.rounds);
        self.paired_target_reached = paired.target_reached;
        self.speedup = Some(paired.speedup.estimate);
        self.speedup_lower = Some(paired.speedup.lower);
        self.speedup_upper = Some(paired.speedup.upper);
        self.speedup_modes = paired.modes;
        self.paired_wall_ns = Some(paired.wall_ns);
        self.cpu_time_ns = paired.cpu_time_ns;
        self.cores_beyond_speedup = paired.cores_beyond_speedup;
        self.compared = paired.compared;
        self.paired_visits = paired.visits;
        self
    }

    /// The same record, measured against its own baseline (see
    /// [`Benchmark::own_baseline`]).
    pub fn with_own_baseline(mut self) -> Self {
        self.own_baseline = true;
        self
    }

    /// The same record, saying which estimator its `time_ns` is.
    pub fn with_estimator(mut self, estimator: TimeEstimator) -> Self {
        self.time_estimator = Some(estimator);
        self
    }

    /// The paired speedup with its interval, if this entry was paired.
    pub fn paired_speedup(&self) -> Option<Interval> {
        self.paired_rounds?;
        Some(Interval {
            estimate: self.speedup?,
            lower: self.speedup_lower?,
            upper: self.speedup_upper?,
        })
    }

    /// The paired time ratio against `variant`, if measured.
    pub fn compared_with(&self, variant: &str) -> Option<Interval> {
        self.compared
            .iter()
            .find(|c| c.with == variant)
            .map(|c| c.time_ratio)
    }

    /// The rounds of this entry's race against `variant`, head to head,
    /// where its ratio to it comes from one
    /// ([`Comparison::head_to_head_rounds`]).
    pub fn head_to_head_rounds_with(&self, variant: &str) -> Option<u64> {
        (self.compared.iter())
            .find(|c| c.with == variant)
            .and_then(|c| c.head_to_head_rounds)
    }

    /// The rounds behind this entry's time over `variant`'s: the two's head
    /// to head where they raced, else this entry's paired rounds.
    pub fn comparison_rounds(&self, variant: &str) -> Option<u64> {
        self.head_to_head_rounds_with(variant)
            .or(self.paired_rounds)
    }

    /// This entry's time over the same variant's on `backend`, head to head
    /// ([`HeadToHead`]), if the two raced.
    pub fn head_to_head_with(&self, backend: &str) -> Option<&HeadToHead> {
        self.head_to_head.as_ref().filter(|h| h.with == backend)
    }

    /// Why this entry's numbers cannot be used, if they cannot.
    fn invalid(&self) -> Option<String> {
        let t = &self.time_ns;
        let times = [t.estimate, t.lower, t.upper, t.median];
        if times.iter().any(|x| !x.is_finite() || *x <= 0.0) {
            return Some(format!(
                "time_ns has a non-positive or non-finite value {times:?}"
            ));
        }
        if t.lower > t.upper {
            return Some(format!(
                "time_ns.lower {} is above time_ns.upper {}",
                t.lower, t.upper
            ));
        }
        if self.key.threads == 0 {
            return Some("threads is 0".to_string());
        }
        if self.key.threads > MAX_THREADS {
            return Some(format!(
                "threads {} is above {MAX_THREADS}, the most any backend runs",
                self.key.threads
            ));
        }
        if self.paired_rounds.is_some() && !self.paired_speedup().is_some_and(|s| s.is_valid()) {
            return Some(format!(
                "the paired speedup {:?} ({:?}-{:?}) is not a valid interval",
                self.speedup, self.speedup_lower, self.speedup_upper
            ));
        }
        if let Some(bad) = self
            .call_ns
            .iter()
            .chain(&self.steady_call_ns)
            .find(|t| !t.is_finite() || **t <= 0.0)
        {
            return Some(format!("a call time {bad} is not a positive number"));
        }
        if let Some(beyond) = self.cores_beyond_speedup.filter(|i| !i.is_ordered()) {
            return Some(format!(
                "the cores busy beyond the speedup {beyond:?} are not an interval"
            ));
        }
        if let Some(bad) = self.compared.iter().find(|c| !c.time_ratio.is_valid()) {
            return Some(format!(
                "the ratio against {} {:?} is not a valid interval",
                bad.with, bad.time_ratio
            ));
        }
        None
    }
}

/// A variant's family and role as this build knows them (`Other` for an
/// id it does not know).
fn registry_family_and_role(variant: &str) -> (Family, Role) {
    variants::variant(variant).map_or((Family::Other, Role::Other), |v| (v.family(), v.role()))
}

/// What the report needs to describe a workload, carried in the file so a
/// workload this build does not know still reads right.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WorkloadInfo {
    pub about: String,
    #[serde(default)]
    pub purpose: Purpose,
    /// The size that was measured: the seed's parameters. A problem of the
    /// user's own has none (schema 6; its items are in each entry).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spec: Option<Spec>,
    /// A problem of the user's own is measured by its own bench binary, in
    /// a run of its own beside the file's `run` (schema 6): that run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub own_run: Option<OwnRun>,
}

impl WorkloadInfo {
    /// This build's description of a workload it knows, at its full size.
    pub fn known(id: &str) -> Option<WorkloadInfo> {
        workload::workload(id).ok().map(|w| WorkloadInfo {
            about: w.about.to_string(),
            purpose: w.purpose,
            spec: Some(w.full),
            own_run: None,
        })
    }
}

/// The run that measured a problem of the user's own (schema 6). It does
/// not replace the file's `run`: the built-in sweep's calibration, ceiling
/// and harness overhead stay the machine's.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OwnRun {
    /// When it started (RFC 3339): its entries' `measured_at`.
    pub started_at: String,
    pub profile: String,
    pub threads: Vec<u64>,
    /// The problem's sequential loop, ns per call, at the start and at the
    /// end of its run: how far the host moved while it ran.
    pub sequential_ns_start: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sequential_ns_end: Option<f64>,
    /// Whether the problem's items sum (`Problem::sums`): false, the
    /// shared-mutable strategies were skipped by the problem, not by a
    /// filter.
    #[serde(default = "yes")]
    pub sums: bool,
    /// The type of the problem's accumulator (`Problem::Acc`) when it is
    /// not the wrapping `u64` sum (a map of counts, a histogram): adding
    /// into it may cost as much as an item, which the sequential loop does
    /// not do. `None`: the `u64` sum (every file before it was recorded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accumulator: Option<String>,
    /// The build that measured it (the file's `machine` describes the
    /// built-in sweep's): the git commit of the problem's package, the
    /// compiler and parbench's version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub git_commit: Option<String>,
    #[serde(default)]
    pub rustc: String,
    #[serde(default)]
    pub parbench_version: String,
}

fn yes() -> bool {
    true
}

/// A whole results file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ResultsFile {
    pub schema_version: u32,
    pub machine: Machine,
    pub run: RunInfo,
    /// The workloads measured, by id (schema 3; filled from this build's
    /// registry for older files).
    #[serde(default)]
    pub workloads: BTreeMap<String, WorkloadInfo>,
    pub benchmarks: Vec<Benchmark>,
    /// The break-even map: sequential against parallel over a grid of item
    /// counts and work per item ([`crate::break_even`]); absent in older files.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub break_even: Vec<BreakEvenCell>,
}

/// One cell of the break-even map: the plain parallel map (`closure`) on one
/// backend at the machine's logical core count against the sequential loop,
/// on `items` items of `rounds` mixing rounds each, paired (both timed in the
/// same rounds of the paired sampler).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BreakEvenCell {
    pub backend: String,
    pub threads: u64,
    pub items: u64,
    pub rounds: u64,
    /// Median time per call of the sequential loop over the paired rounds (ns).
    pub sequential_ns: f64,
    /// Median time per call of the parallel map over the same rounds (ns).
    pub parallel_ns: f64,
    /// The median of the per-round ratios sequential / parallel.
    pub speedup: f64,
    #[serde(default)]
    pub speedup_lower: Option<f64>,
    #[serde(default)]
    pub speedup_upper: Option<f64>,
    /// The paired rounds behind the bounds: with 6 or more they are a 95%
    /// interval of the median, with fewer (a long cell) the range of the
    /// rounds. Absent in older files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paired_rounds: Option<u64>,
    /// When the run that measured it started (RFC 3339).
    #[serde(default)]
    pub measured_at: String,
}

impl BreakEvenCell {
    /// What identifies a cell: a newer run's cell replaces an older one.
    pub fn id(&self) -> (String, u64, u64, u64) {
        (self.backend.clone(), self.threads, self.items, self.rounds)
    }

    fn is_valid(&self) -> bool {
        [self.sequential_ns, self.parallel_ns, self.speedup]
            .iter()
            .all(|x| x.is_finite() && *x > 0.0)
            && self.items > 0
            && (1..=MAX_THREADS).contains(&self.threads)
    }
}
