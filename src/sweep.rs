//! The plan of `cargo bench`: which combinations each profile measures, at
//! which thread counts, with which criterion settings; and the bookkeeping
//! around criterion (its filter, progress lines, turning its estimates into
//! a results file).
//!
//! Profiles (`PARBENCH_PROFILE`), on a 2-core machine, compile time excluded:
//! - `quick` (within 2 minutes): every variant on every backend at every
//!   thread count on `compute`, plus the sequential loop, `closure`,
//!   `function_object` and the ownership variants on `big_state` (so a quick
//!   run answers the memory question too). Short criterion windows, no
//!   criterion plots.
//! - `default` (within 12 minutes): every variant on every workload where it
//!   says something: the passing variants on all five workloads (overhead,
//!   break-even, imbalance, state size), the ownership variants on
//!   `compute`, the shared-state variants on `trivial` and `compute`, every
//!   variant on `big_state` (the memory question), and the sequential loop
//!   everywhere. Criterion plots on.
//! - `full` (no limit): the whole cross product, criterion's own defaults.
//!
//! The thread counts are powers of two up to twice the logical core count,
//! plus the core count itself (1, 2, 4 on two cores); `PARBENCH_THREADS`
//! overrides them.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use serde::Serialize;

use crate::backends::Backend;
use crate::criterion_dir::Measurement;
use crate::matrix::{self, Combo};
use crate::memory::Footprint;
use crate::results::{Benchmark, CriterionSettings, TimeNs};
use crate::variants::{Family, Variant};
use crate::workload::{WORKLOADS, Workload};

/// How much of the matrix to measure, and how long to look at each cell.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Profile {
    Quick,
    Default,
    Full,
}

impl Profile {
    pub fn id(self) -> &'static str {
        match self {
            Profile::Quick => "quick",
            Profile::Default => "default",
            Profile::Full => "full",
        }
    }

    /// Parses `PARBENCH_PROFILE`'s value (unset: `default`).
    pub fn parse(value: Option<&str>) -> Result<Profile> {
        match value.map(str::trim) {
            None | Some("") | Some("default") => Ok(Profile::Default),
            Some("quick") => Ok(Profile::Quick),
            Some("full") => Ok(Profile::Full),
            Some(other) => bail!(
                "PARBENCH_PROFILE='{other}' is not a profile (expected quick, default or full)"
            ),
        }
    }

    /// The criterion settings of this profile (criterion's command-line
    /// flags still override them).
    pub fn criterion_settings(self) -> CriterionSettings {
        match self {
            Profile::Quick => CriterionSettings {
                warm_up_ms: 100,
                measurement_ms: 200,
                sample_size: 10,
                nresamples: 5_000,
            },
            Profile::Default => CriterionSettings {
                warm_up_ms: 200,
                measurement_ms: 500,
                sample_size: 12,
                nresamples: 20_000,
            },
            Profile::Full => CriterionSettings {
                warm_up_ms: 3_000,
                measurement_ms: 5_000,
                sample_size: 100,
                nresamples: 100_000,
            },
        }
    }

    /// Whether criterion draws its own per-benchmark plots in this profile.
    pub fn criterion_plots(self) -> bool {
        self != Profile::Quick
    }

    /// Does this profile measure `variant` on `workload`?
    pub fn measures(self, workload: &Workload, variant: &dyn Variant) -> bool {
        let w = workload.id;
        match (self, variant.family()) {
            (Profile::Full, _) => true,
            (Profile::Quick, Family::Passing)
                if variant.id() != "closure" && variant.id() != "function_object" =>
            {
                w == "compute"
            }
            (Profile::Quick, Family::SharedMutable) => w == "compute",
            (Profile::Quick, _) => matches!(w, "compute" | "big_state"),
            (Profile::Default, Family::Baseline | Family::Passing) => true,
            // Every variant on big_state, so the memory figures cover them all.
            (Profile::Default, _) if w == "big_state" => true,
            (Profile::Default, Family::Ownership) => w == "compute",
            (Profile::Default, Family::SharedMutable) => matches!(w, "trivial" | "compute"),
        }
    }
}

/// Powers of two up to twice `logical_cores`, plus `logical_cores` itself.
pub fn default_threads(logical_cores: usize) -> Vec<usize> {
    let cores = logical_cores.max(1);
    let mut threads: Vec<usize> = std::iter::successors(Some(1usize), |t| Some(t * 2))
        .take_while(|&t| t <= 2 * cores)
        .collect();
    threads.push(cores);
    threads.sort_unstable();
    threads.dedup();
    threads
}

/// `PARBENCH_THREADS` if set, else [`default_threads`] of this machine.
pub fn threads_from(value: Option<&str>, logical_cores: usize) -> Result<Vec<usize>> {
    match value {
        Some(list) if !list.trim().is_empty() => {
            let mut threads = crate::commands::parse_threads(list)
                .map_err(|e| anyhow::anyhow!("PARBENCH_THREADS: {e:#}"))?;
            threads.sort_unstable();
            Ok(threads)
        }
        _ => Ok(default_threads(logical_cores)),
    }
}

/// One benchmark of the plan.
#[derive(Clone, Copy)]
pub struct Planned {
    pub combo: Combo,
    pub threads: usize,
}

impl Planned {
    pub fn workload(&self) -> &'static Workload {
        self.combo.workload
    }
    pub fn variant(&self) -> &'static dyn Variant {
        self.combo.variant
    }
    pub fn backend(&self) -> Option<&'static dyn Backend> {
        self.combo.backend
    }
    /// Criterion's group: the workload.
    pub fn group(&self) -> &'static str {
        self.combo.workload.id
    }
    /// Criterion's function: `variant/backend`.
    pub fn function(&self) -> String {
        format!("{}/{}", self.combo.variant.id(), self.combo.backend_id())
    }
    /// Criterion's full id, which its filter matches: `group/function/threads`.
    pub fn full_id(&self) -> String {
        format!("{}/{}/{}", self.group(), self.function(), self.threads)
    }
}

/// Every benchmark of a profile, grouped by workload (criterion groups).
pub fn plan(profile: Profile, threads: &[usize]) -> Vec<Planned> {
    WORKLOADS
        .iter()
        .flat_map(|w| matrix::combos().filter(move |c| c.workload.id == w.id))
        .filter(|c| profile.measures(c.workload, c.variant))
        .flat_map(|combo| {
            let counts: Vec<usize> = if combo.backend.is_some() {
                threads.to_vec()
            } else {
                vec![1]
            };
            counts
                .into_iter()
                .map(move |threads| Planned { combo, threads })
        })
        .collect()
}

/// Criterion's filter, as it will apply it to `group/function/value` ids.
pub enum Filter {
    All,
    Regex(regex::Regex),
    Exact(String),
    Nothing,
}

impl Filter {
    pub fn matches(&self, id: &str) -> bool {
        match self {
            Filter::All => true,
            Filter::Regex(re) => re.is_match(id),
            Filter::Exact(exact) => id == exact,
            Filter::Nothing => false,
        }
    }
}

/// What parbench needs to know of the arguments cargo hands the bench
/// binary (criterion parses them itself too).
pub struct BenchArgs {
    pub filter: Filter,
    /// Real measurement: `cargo bench` without `--test`, `--list` or
    /// `--profile-time`. Only then are results written.
    pub measuring: bool,
    /// `--list`: criterion only names the benchmarks, so nothing is run.
    pub listing: bool,
    /// Criterion settings given on the command line, with their values.
    overrides: Vec<(&'static str, String)>,
}

/// Criterion's flags that change the settings recorded in a results file.
const CRITERION_SETTING_FLAGS: &[&str] = &[
    "--warm-up-time",
    "--measurement-time",
    "--sample-size",
    "--nresamples",
];

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

/// Criterion options that take a value (`--name value`).
const VALUE_OPTIONS: &[&str] = &[
    "-c",
    "--color",
    "--colour",
    "-s",
    "--save-baseline",
    "-b",
    "--baseline",
    "--baseline-lenient",
    "--load-baseline",
    "--format",
    "--profile-time",
    "--sample-size",
    "--warm-up-time",
    "--measurement-time",
    "--nresamples",
    "--noise-threshold",
    "--confidence-level",
    "--significance-level",
    "--plotting-backend",
    "--output-format",
];

impl BenchArgs {
    pub fn parse(args: &[String]) -> Result<BenchArgs> {
        let has = |flag: &str| args.iter().any(|a| a == flag);
        let mut positional = None;
        let mut i = 0;
        while i < args.len() {
            let arg = &args[i];
            if VALUE_OPTIONS.contains(&arg.as_str()) {
                i += 1;
            } else if !arg.starts_with('-') && positional.is_none() {
                positional = Some(arg.clone());
            }
            i += 1;
        }
        let filter =
            if has("--ignored") {
                Filter::Nothing
            } else {
                match positional {
                    None => Filter::All,
                    Some(text) if has("--exact") => Filter::Exact(text),
                    Some(text) => Filter::Regex(regex::Regex::new(&text).map_err(|e| {
                        anyhow::anyhow!("bench filter '{text}' is not a regex: {e}")
                    })?),
                }
            };
        // Criterion saves no new estimates when discarding or loading a
        // baseline: there would be nothing of this run's to write.
        let measuring = has("--bench")
            && !has("--test")
            && !has("--list")
            && !has("--discard-baseline")
            && !args
                .iter()
                .any(|a| a.starts_with("--profile-time") || a.starts_with("--load-baseline"));
        Ok(BenchArgs {
            filter,
            measuring,
            listing: has("--list"),
            overrides: CRITERION_SETTING_FLAGS
                .iter()
                .filter_map(|&flag| Some((flag, option_value(args, flag)?.to_string())))
                .collect(),
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

/// Prints `[37/212] compute/closure/rayon/2 — 1m12s elapsed, ~4m left`.
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

    /// The line for the next benchmark.
    pub fn next(&mut self, id: &str) -> String {
        self.next_at(id, self.started.elapsed())
    }

    /// [`Progress::next`] at a given time since the start.
    pub fn next_at(&mut self, id: &str, elapsed: Duration) -> String {
        self.done += 1;
        let left = match self.done {
            1 => "estimating".to_string(),
            n => {
                let per = elapsed.as_secs_f64() / (n - 1) as f64;
                format!(
                    "~{} left",
                    human(Duration::from_secs_f64(per * (self.total - n + 1) as f64))
                )
            }
        };
        format!(
            "[{}/{}] {id} — {} elapsed, {left}",
            self.done,
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

/// What the untimed pass before criterion found for one benchmark.
#[derive(Clone, Copy, Debug)]
pub struct Checked {
    pub footprint: Footprint,
    pub state_copies: u64,
}

/// Turns the benchmarks measured in this run into results entries, taking
/// each one's numbers from the criterion measurement of the same identity.
/// Returns the entries and the planned ids criterion left no numbers for.
pub fn to_benchmarks(
    measured: &[(Planned, Checked)],
    criterion: &[Measurement],
    measured_at: &str,
) -> (Vec<Benchmark>, Vec<String>) {
    let by_id: HashMap<String, &Measurement> =
        criterion.iter().map(|m| (m.id.full_id(), m)).collect();
    let mut benchmarks = Vec::new();
    let mut missing = Vec::new();
    for (planned, checked) in measured {
        let Some(m) = by_id.get(&planned.full_id()) else {
            missing.push(planned.full_id());
            continue;
        };
        let items = planned.workload().full.items as u64;
        benchmarks.push(Benchmark {
            workload: planned.group().to_string(),
            variant: planned.variant().id().to_string(),
            backend: planned.combo.backend_id().to_string(),
            threads: planned.threads as u64,
            items,
            time_ns: TimeNs {
                estimate: m.typical_ns,
                lower: m.lower_ns,
                upper: m.upper_ns,
                median: m.median_ns,
            },
            items_per_s: items as f64 / (m.typical_ns * 1e-9),
            speedup: None,
            efficiency: None,
            measured_at: measured_at.to_string(),
            state_copies: Some(checked.state_copies),
            bytes_allocated: Some(checked.footprint.bytes_allocated),
            peak_live_bytes: Some(checked.footprint.peak_live_bytes),
            peak_rss_bytes: checked.footprint.peak_rss_bytes,
        });
    }
    (benchmarks, missing)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backends::BACKENDS;
    use crate::variants::VARIANTS;

    #[test]
    fn default_threads_on_two_cores_are_1_2_4() {
        assert_eq!(default_threads(2), vec![1, 2, 4]);
        assert_eq!(default_threads(1), vec![1, 2]);
        assert_eq!(default_threads(6), vec![1, 2, 4, 6, 8]);
        assert_eq!(threads_from(Some("8,1,2"), 2).unwrap(), vec![1, 2, 8]);
        assert!(
            threads_from(Some("0"), 2)
                .unwrap_err()
                .to_string()
                .contains("PARBENCH_THREADS")
        );
    }

    #[test]
    fn every_profile_measures_every_variant_on_every_backend_at_every_thread_count() {
        let threads = [1, 2, 4];
        for profile in [Profile::Quick, Profile::Default, Profile::Full] {
            let plan = plan(profile, &threads);
            for v in VARIANTS.iter().filter(|v| v.parallel()) {
                for b in BACKENDS {
                    for t in threads {
                        assert!(
                            plan.iter().any(|p| p.variant().id() == v.id()
                                && p.backend().map(|x| x.id()) == Some(b.id())
                                && p.threads == t),
                            "{profile:?} misses {}/{}/{t}",
                            v.id(),
                            b.id()
                        );
                    }
                }
            }
            // The sequential loop is measured wherever anything else is.
            for p in &plan {
                assert!(
                    plan.iter()
                        .any(|q| q.group() == p.group() && q.variant().id() == "sequential")
                );
            }
        }
    }

    #[test]
    fn quick_answers_the_memory_question_and_full_is_everything() {
        let quick = plan(Profile::Quick, &[1, 2]);
        for v in [
            "closure",
            "function_object",
            "arc_state",
            "clone_per_worker",
            "clone_per_task",
        ] {
            assert!(
                quick
                    .iter()
                    .any(|p| p.group() == "big_state" && p.variant().id() == v),
                "{v}"
            );
        }
        let full = plan(Profile::Full, &[1, 2]);
        assert_eq!(
            full.len(),
            matrix::combos()
                .map(|c| if c.backend.is_some() { 2 } else { 1 })
                .sum::<usize>()
        );
        let ids: std::collections::HashSet<String> = full.iter().map(Planned::full_id).collect();
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
        let parsed =
            BenchArgs::parse(&args(&["--bench", "--sample-size", "10", "closure/rayon"])).unwrap();
        assert!(parsed.measuring);
        assert!(parsed.filter.matches("compute/closure/rayon/2"));
        assert!(!parsed.filter.matches("compute/closure/crossbeam/2"));
        assert!(
            !BenchArgs::parse(&args(&[])).unwrap().measuring,
            "cargo test --benches runs in test mode"
        );
        for not_measuring in [
            &["--bench", "--test"][..],
            &["--bench", "--discard-baseline"],
            &["--bench", "--load-baseline", "old"],
            &["--bench", "--profile-time", "5"],
        ] {
            assert!(
                !BenchArgs::parse(&args(not_measuring)).unwrap().measuring,
                "{not_measuring:?}"
            );
        }
        let overridden = BenchArgs::parse(&args(&[
            "--bench",
            "--measurement-time",
            "2.5",
            "--sample-size=20",
        ]))
        .unwrap();
        let settings = overridden.settings(Profile::Quick).unwrap();
        assert_eq!((settings.measurement_ms, settings.sample_size), (2500, 20));
        assert_eq!(
            settings.warm_up_ms,
            Profile::Quick.criterion_settings().warm_up_ms
        );
        let exact =
            BenchArgs::parse(&args(&["--bench", "--exact", "seed/sequential/none/1"])).unwrap();
        assert!(
            exact.filter.matches("seed/sequential/none/1")
                && !exact.filter.matches("seed/sequential/none/10")
        );
    }

    #[test]
    fn progress_counts_and_estimates() {
        let mut p = Progress::new(5);
        let at = Duration::from_secs;
        assert_eq!(p.next_at("a", at(0)), "[1/5] a — 0s elapsed, estimating");
        assert_eq!(p.next_at("b", at(10)), "[2/5] b — 10s elapsed, ~40s left");
        assert_eq!(p.next_at("c", at(40)), "[3/5] c — 40s elapsed, ~1m00s left");
        assert_eq!(human(Duration::from_secs(72)), "1m12s");
        assert_eq!(human(Duration::from_secs(3720)), "1h02m");
    }
}
