//! The loaded runs as every output reads them.
//!
//! The page, the findings, `summary.md` and `export` all need the same few
//! things from a results file: its entries in report order (workloads, variants
//! and backends in the order of their lists, unknown ids from a newer parbench
//! after them), one entry looked up by its identity, the best thread count of
//! each variant on each backend, and whether two estimates are within noise;
//! and, for the findings and the views alike, a workload's scaling models in
//! report order ([`models_for`]) and the thread count of the break-even map
//! ([`break_even_threads`]). They live here once, so that the outputs cannot
//! disagree. The runs themselves are loaded here too ([`load_runs`]), for
//! the report and `export` alike.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::{Result, bail};

use super::format::percent;
use crate::backends::BACKENDS;
use crate::calibration::{Change, DRIFT_THRESHOLD, RunCalibration};
use crate::key::Regime;
use crate::model::{self, SeriesModel};
use crate::results::{self, Benchmark, BreakEvenCell, Loaded, ResultsFile, TimeNs};
use crate::roles::Role;
use crate::variants::VARIANTS;
use crate::workload::{Purpose, WORKLOADS};

/// One results file: one machine's runs.
#[derive(Debug)]
pub struct Run {
    pub path: PathBuf,
    pub file: ResultsFile,
}

impl Run {
    /// The run of a loaded file. An entry measured twice (a hand-edited or
    /// hostile file: parbench itself merges by identity) keeps its last copy,
    /// with a warning naming the file, so that no chart draws two points for
    /// one identity.
    pub fn from_loaded(loaded: Loaded) -> (Run, Option<String>) {
        let Loaded {
            path, mut results, ..
        } = loaded;
        let last: BTreeMap<_, usize> = results
            .benchmarks
            .iter()
            .enumerate()
            .map(|(i, b)| (b.key.clone(), i))
            .collect();
        let before = results.benchmarks.len();
        let mut position = 0;
        results.benchmarks.retain(|b| {
            let keep = last.get(&b.key) == Some(&position);
            position += 1;
            keep
        });
        let dropped = before - results.benchmarks.len();
        let warning = (dropped > 0).then(|| {
            format!(
                "{}: dropped {dropped} duplicate entries (same workload, variant, backend, threads and regime), \
                 keeping the last of each",
                path.display()
            )
        });
        (
            Run {
                path,
                file: results,
            },
            warning,
        )
    }

    pub fn label(&self) -> &str {
        &self.file.machine.label
    }

    /// The file name, which tells apart two files of the same label.
    pub fn file_name(&self) -> String {
        self.path.file_name().map_or_else(
            || self.path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        )
    }

    /// The workloads this run measured, in report order.
    pub fn workloads(&self) -> Vec<&str> {
        workloads_of(&self.file.benchmarks)
    }

    /// The steady entries of one workload in report order: variant,
    /// backend, threads.
    pub fn rows(&self, workload: &str) -> Vec<&Benchmark> {
        rows_of(&self.file.benchmarks, workload)
    }

    /// The intermittent entries of one workload, in report order.
    pub fn intermittent_rows(&self, workload: &str) -> Vec<&Benchmark> {
        regime_rows(&self.file.benchmarks, workload, Regime::Intermittent)
    }
}

/// The workloads of `benchmarks`, in report order.
pub fn workloads_of(benchmarks: &[Benchmark]) -> Vec<&str> {
    let mut ids: Vec<&str> = benchmarks.iter().map(|b| b.key.workload.as_str()).collect();
    ids.sort_by(|a, b| workload_order(a, b));
    ids.dedup();
    ids
}

/// The steady entries of one workload in `benchmarks`, in report order:
/// what every table, chart and finding but the intermittent ones shows, so
/// no ratio or chart mixes two regimes.
pub fn rows_of<'a>(benchmarks: &'a [Benchmark], workload: &str) -> Vec<&'a Benchmark> {
    regime_rows(benchmarks, workload, Regime::Steady)
}

/// The entries of one workload in one regime, in report order, but those
/// with their own baseline (Python's): kept out of the Rust tables, charts
/// and findings, shown beside them in the side-by-side tables and the
/// finding on the seed's memory question.
pub fn regime_rows<'a>(
    benchmarks: &'a [Benchmark],
    workload: &str,
    regime: Regime,
) -> Vec<&'a Benchmark> {
    let mut rows: Vec<&Benchmark> = benchmarks
        .iter()
        .filter(|b| b.key.workload == workload && b.key.regime == regime && !b.own_baseline)
        .collect();
    rows.sort_by(|a, b| entry_order(a, b));
    rows
}

/// Report order of two entries of any workloads.
pub fn entry_order(a: &Benchmark, b: &Benchmark) -> Ordering {
    workload_order(&a.key.workload, &b.key.workload)
        .then_with(|| variant_order(&a.key.variant, &b.key.variant))
        .then_with(|| backend_order(&a.key.backend, &b.key.backend))
        .then_with(|| a.key.threads.cmp(&b.key.threads))
        .then_with(|| a.key.regime.cmp(&b.key.regime))
}

/// Position in a list of known ids first, then unknown ids alphabetically.
fn listed_order(position: impl Fn(&str) -> Option<usize>, a: &str, b: &str) -> Ordering {
    let rank = |id: &str| position(id).unwrap_or(usize::MAX);
    rank(a).cmp(&rank(b)).then_with(|| a.cmp(b))
}

pub fn workload_order(a: &str, b: &str) -> Ordering {
    listed_order(|id| WORKLOADS.iter().position(|w| w.id == id), a, b)
}

pub fn variant_order(a: &str, b: &str) -> Ordering {
    listed_order(variant_position, a, b)
}

pub fn backend_order(a: &str, b: &str) -> Ordering {
    listed_order(backend_position, a, b)
}

/// Where a variant stands in [`VARIANTS`], if this build knows it.
pub fn variant_position(id: &str) -> Option<usize> {
    VARIANTS.iter().position(|v| v.id() == id)
}

/// Where a backend stands in [`BACKENDS`], if this build knows it.
pub fn backend_position(id: &str) -> Option<usize> {
    BACKENDS.iter().position(|b| b.id() == id)
}

/// True when the two 95% confidence intervals overlap: the difference
/// between the estimates is within noise.
pub fn within_noise(a: &TimeNs, b: &TimeNs) -> bool {
    a.lower <= b.upper && b.lower <= a.upper
}

/// Entries looked up by identity, with what the file says of its workloads.
#[derive(Clone)]
pub struct Index<'a> {
    benchmarks: &'a [Benchmark],
    by_key: BTreeMap<(&'a str, &'a str, &'a str, u64, Regime), &'a Benchmark>,
    file: Option<&'a ResultsFile>,
}

impl<'a> Index<'a> {
    pub fn new(benchmarks: &'a [Benchmark]) -> Self {
        let by_key = benchmarks.iter().map(|b| (b.key.parts(), b)).collect();
        Index {
            benchmarks,
            by_key,
            file: None,
        }
    }

    /// The index of a whole file, which knows its workloads' purposes.
    pub fn of_file(file: &'a ResultsFile) -> Self {
        Index {
            file: Some(file),
            ..Index::new(&file.benchmarks)
        }
    }

    pub fn get(
        &self,
        workload: &str,
        variant: &str,
        backend: &str,
        threads: u64,
    ) -> Option<&'a Benchmark> {
        self.by_key
            .get(&(workload, variant, backend, threads, Regime::Steady))
            .copied()
    }

    /// The entry at `at`'s workload, backend, threads and regime with role
    /// `role`.
    pub fn with_role(&self, at: &Benchmark, role: Role) -> Option<&'a Benchmark> {
        self.benchmarks.iter().find(|b| {
            b.role == role
                && b.key.regime == at.key.regime
                && b.key.workload == at.key.workload
                && b.key.backend == at.key.backend
                && b.key.threads == at.key.threads
        })
    }

    /// The whole file, when the index was made of one.
    pub fn file(&self) -> Option<&'a ResultsFile> {
        self.file
    }

    /// What a workload is for: as the file says, else as this build knows it.
    pub fn purpose(&self, workload: &str) -> Purpose {
        purpose_of(self.file, workload)
    }

    /// The measured workloads with `purpose`, in report order.
    pub fn workloads_for(&self, purpose: Purpose) -> Vec<&'a str> {
        self.workloads()
            .into_iter()
            .filter(|w| self.purpose(w) == purpose)
            .collect()
    }

    /// Every steady entry but those with their own baseline (Python's, at
    /// their own sizes, shown only where asked for).
    pub fn all(&self) -> impl Iterator<Item = &'a Benchmark> + 'a {
        self.benchmarks
            .iter()
            .filter(|b| b.key.regime == Regime::Steady && !b.own_baseline)
    }

    /// Every intermittent entry, in report order.
    pub fn intermittent(&self) -> Vec<&'a Benchmark> {
        let mut rows: Vec<&Benchmark> = self
            .benchmarks
            .iter()
            .filter(|b| b.key.regime == Regime::Intermittent)
            .collect();
        rows.sort_by(|a, b| entry_order(a, b));
        rows
    }

    /// The workloads measured, in report order.
    pub fn workloads(&self) -> Vec<&'a str> {
        workloads_of(self.benchmarks)
    }

    /// Every entry of a workload, in report order.
    pub fn of_workload(&self, workload: &str) -> Vec<&'a Benchmark> {
        rows_of(self.benchmarks, workload)
    }

    /// The baseline (the sequential loop) of a workload.
    pub fn baseline(&self, workload: &str) -> Option<&'a Benchmark> {
        baseline_of(&self.of_workload(workload))
    }
}

/// What a reader must know before comparing a run's absolute times: a run
/// that did not finish, a host that moved during the run or since the
/// previous run of the machine, entries left by earlier runs (not those of
/// a problem of the user's own measured by its own run), and a host that
/// moved during such a problem's own run. Ratios are paired and need none
/// of this.
pub fn run_caveats(file: &ResultsFile) -> Vec<String> {
    let run = &file.run;
    let mut notes = Vec::new();
    if run.in_progress {
        let measured = file
            .benchmarks
            .iter()
            .filter(|b| b.measured_at == run.started_at)
            .count();
        notes.push(format!(
            "The run started {} did not finish (interrupted, or still going): {measured} of its {} \
             planned benchmarks are in the file, and `PARBENCH_RESUME=1 cargo bench` measures the rest.",
            run.started_at,
            run.planned.map_or_else(|| "?".to_string(), |n| n.to_string())
        ));
    }
    if let Some(RunCalibration {
        start,
        end: Some(end),
    }) = &run.calibration
    {
        notes.push(match start.drift_to(end) {
            Some(change) => format!(
                "The host {} during this run: absolute times taken early and late in it are not \
                 comparable (the paired ratios are not affected).",
                change.describe()
            ),
            None => format!(
                "The host held steady during this run (spin rate, copy bandwidth and sequential \
                 times within {} from start to end).",
                percent(DRIFT_THRESHOLD)
            ),
        });
    }
    if let (Some(previous), Some(now)) = (&run.previous, &run.calibration)
        && let Some(before) = &previous.calibration
    {
        notes.push(match before.latest().drift_to(&now.start) {
            Some(change) => format!(
                "Since the previous run of this machine (started {}), the host {}: compare \
                     absolute times across the two runs with that in mind.",
                previous.started_at,
                change.describe()
            ),
            None => format!(
                "The host is within {} of the previous run of this machine (started {}).",
                percent(DRIFT_THRESHOLD),
                previous.started_at
            ),
        });
    }
    let older = file
        .benchmarks
        .iter()
        .filter(|b| b.measured_at != run.started_at && !of_own_run(file, b))
        .count();
    if older > 0 {
        notes.push(format!(
            "{older} entries come from earlier runs (a filtered run keeps the rest of the file): \
             their absolute times reflect the host as it was then."
        ));
    }
    notes.extend(own_run_drift(file));
    notes
}

/// Was `b` measured by the run of its own of a problem of the user's
/// (`WorkloadInfo::own_run`), which stands beside the file's run and does
/// not make its entries stale?
fn of_own_run(file: &ResultsFile, b: &Benchmark) -> bool {
    file.workloads
        .get(&b.key.workload)
        .and_then(|w| w.own_run.as_ref())
        .is_some_and(|own| own.started_at == b.measured_at)
}

/// How far each problem of the user's own saw the host move during its own
/// run: its sequential loop at the start and at the end, against
/// [`DRIFT_THRESHOLD`] as for the file's run.
fn own_run_drift(file: &ResultsFile) -> Vec<String> {
    file.workloads
        .iter()
        .filter_map(|(workload, info)| {
            let own = info.own_run.as_ref()?;
            let end = own.sequential_ns_end.filter(|end| *end > 0.0)?;
            if own.sequential_ns_start <= 0.0 {
                return None;
            }
            let change = Change {
                what: format!("sequential time on {workload}"),
                unit: "ns",
                from: own.sequential_ns_start,
                to: end,
                slower_by: end / own.sequential_ns_start - 1.0,
            };
            if !change.slower_by.is_finite() {
                return None;
            }
            Some(if change.slower_by.abs() > DRIFT_THRESHOLD {
                format!(
                    "The host {} during the run of {workload} (started {}): its absolute times \
                     taken early and late in that run are not comparable (the paired ratios are \
                     not affected).",
                    change.describe(),
                    own.started_at
                )
            } else {
                format!(
                    "The host held steady during the run of {workload} (started {}): its \
                     sequential loop within {} from start to end.",
                    own.started_at,
                    percent(DRIFT_THRESHOLD)
                )
            })
        })
        .collect()
}

/// For each (variant, backend) of the given rows, the entry at its fastest
/// thread count, in report order.
pub fn best_per_variant_backend<'a>(rows: &[&'a Benchmark]) -> Vec<&'a Benchmark> {
    let mut best: BTreeMap<(&str, &str), &Benchmark> = BTreeMap::new();
    for &b in rows {
        best.entry((b.key.variant.as_str(), b.key.backend.as_str()))
            .and_modify(|kept| {
                if b.time_ns.estimate < kept.time_ns.estimate {
                    *kept = b;
                }
            })
            .or_insert(b);
    }
    let mut best: Vec<&Benchmark> = best.into_values().collect();
    best.sort_by(|a, b| entry_order(a, b));
    best
}

/// The entry with the lowest time estimate.
pub fn fastest<'a>(rows: impl IntoIterator<Item = &'a Benchmark>) -> Option<&'a Benchmark> {
    rows.into_iter()
        .min_by(|a, b| a.time_ns.estimate.total_cmp(&b.time_ns.estimate))
}

/// The baseline entry (the variant with the baseline role, at one thread)
/// among `rows`.
pub fn baseline_of<'a>(rows: &[&'a Benchmark]) -> Option<&'a Benchmark> {
    rows.iter()
        .copied()
        .find(|b| b.role == Role::Baseline && b.key.threads == 1)
}

/// What a workload is for: as `file` says, else as this build knows it.
pub fn purpose_of(file: Option<&ResultsFile>, workload: &str) -> Purpose {
    file.and_then(|f| f.workloads.get(workload))
        .map(|w| w.purpose)
        .or_else(|| {
            WORKLOADS
                .iter()
                .find(|w| w.id == workload)
                .map(|w| w.purpose)
        })
        .unwrap_or_default()
}

/// The backends and thread counts present in `rows`, each in order.
pub fn backends_and_threads(rows: &[&Benchmark]) -> (Vec<String>, Vec<u64>) {
    let mut backends: Vec<String> = rows.iter().map(|b| b.key.backend.clone()).collect();
    backends.sort_by(|a, b| backend_order(a, b));
    backends.dedup();
    let mut threads: Vec<u64> = rows.iter().map(|b| b.key.threads).collect();
    threads.sort_unstable();
    threads.dedup();
    (backends, threads)
}

/// The variants present in `rows`, in report order.
pub fn variants_of(rows: &[&Benchmark]) -> Vec<String> {
    let mut variants: Vec<String> = rows.iter().map(|b| b.key.variant.clone()).collect();
    variants.sort_by(|a, b| variant_order(a, b));
    variants.dedup();
    variants
}

/// Loads the given files; an error naming them when none can be read.
pub fn load_runs(files: &[PathBuf]) -> Result<(Vec<Run>, Vec<String>)> {
    if files.is_empty() {
        bail!("no results files given");
    }
    let (loaded, warnings) = results::load_files(files);
    if loaded.is_empty() {
        bail!(
            "none of the {} results files could be read:\n{}",
            files.len(),
            warnings.join("\n")
        );
    }
    Ok(into_runs(loaded, warnings))
}

/// The runs of the loaded files, adding any warning about their entries.
pub fn into_runs(loaded: Vec<Loaded>, mut warnings: Vec<String>) -> (Vec<Run>, Vec<String>) {
    let runs = loaded
        .into_iter()
        .map(|file| {
            let (run, warning) = Run::from_loaded(file);
            warnings.extend(warning);
            run
        })
        .collect();
    (runs, warnings)
}

/// Every series model of `file` for one workload, in report order.
pub fn models_for(file: &ResultsFile, workload: &str) -> Vec<SeriesModel> {
    let mut models: Vec<SeriesModel> = model::models_of(file)
        .into_iter()
        .filter(|m| m.workload == workload)
        .collect();
    models.sort_by(|a, b| {
        backend_order(&a.backend, &b.backend).then(variant_order(&a.variant, &b.variant))
    });
    models
}

/// The thread count most of the break-even cells were measured at.
pub fn break_even_threads(cells: &[BreakEvenCell]) -> Option<u64> {
    let mut counts: BTreeMap<u64, usize> = Default::default();
    for c in cells {
        *counts.entry(c.threads).or_default() += 1;
    }
    counts
        .into_iter()
        .max_by_key(|(t, n)| (*n, *t))
        .map(|(t, _)| t)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::key::Key;
    use crate::results::TimeNs;

    /// A synthetic entry: time estimate `ns` with a ±2% interval.
    pub(crate) fn entry(
        workload: &str,
        variant: &str,
        backend: &str,
        threads: u64,
        ns: f64,
    ) -> Benchmark {
        let time = TimeNs {
            estimate: ns,
            lower: ns * 0.98,
            upper: ns * 1.02,
            median: ns,
        };
        let key = Key::new(workload, variant, backend, threads);
        let mut b = Benchmark::new(key, 1000, time, "2025-01-01T00:00:00Z", Default::default());
        b.items_per_s = 1000.0 / ns * 1e9;
        b
    }

    /// A run of `benchmarks` on a synthetic machine, derived figures filled.
    pub(crate) fn run_of(label: &str, benchmarks: Vec<Benchmark>) -> Run {
        use crate::profile::CriterionSettings;
        use crate::results::{Machine, RunInfo, SCHEMA_VERSION};
        let mut file = ResultsFile {
            schema_version: SCHEMA_VERSION,
            machine: Machine {
                label: label.to_string(),
                hostname: "h".to_string(),
                os: "linux".to_string(),
                arch: "x86_64".to_string(),
                cpu_model: "cpu".to_string(),
                logical_cores: 4,
                physical_cores: None,
                memory_bytes: 1 << 30,
                rustc: "rustc".to_string(),
                parbench_version: "0.1.0".to_string(),
                git_commit: None,
                l2_cache_bytes: None,
                last_level_cache_bytes: None,
                python: None,
            },
            run: RunInfo::new(
                "2025-01-01T00:00:00Z",
                "quick",
                vec![1, 2],
                CriterionSettings {
                    warm_up_ms: 1,
                    measurement_ms: 1,
                    sample_size: 10,
                    nresamples: 10,
                },
            ),
            workloads: Default::default(),
            benchmarks,
            break_even: Vec::new(),
        };
        file.derive();
        Run {
            path: PathBuf::from(format!("{label}.json")),
            file,
        }
    }

    #[test]
    fn known_ids_come_in_list_order_and_unknown_ones_after() {
        assert_eq!(workload_order("seed", "big_state"), Ordering::Less);
        assert_eq!(workload_order("zz_new", "big_state"), Ordering::Greater);
        assert_eq!(variant_order("sequential", "closure"), Ordering::Less);
        assert_eq!(
            variant_order("a_new_variant", "worker_per_thread"),
            Ordering::Greater
        );
        assert_eq!(backend_order("sequential", "rayon"), Ordering::Less);
        assert_eq!(backend_order("gpu", "std_scope"), Ordering::Greater);
        assert_eq!(
            entry("w", "a_new_variant", "rayon", 1, 1.0).family,
            crate::roles::Family::Other
        );
    }

    #[test]
    fn duplicate_entries_keep_the_last_with_a_warning() {
        let path = PathBuf::from("dup.json");
        let mut file = ResultsFile::parse(
            include_str!("../../tests/fixtures/runs/machine-b.json"),
            &path,
        )
        .unwrap();
        let entries = file.results.benchmarks.len();
        let mut twin = file.results.benchmarks[3].clone();
        twin.time_ns.estimate *= 1.01;
        file.results.benchmarks.push(twin.clone());
        let (run, warning) = Run::from_loaded(file);
        assert_eq!(run.file.benchmarks.len(), entries);
        assert!(run.file.benchmarks.contains(&twin));
        assert!(
            warning
                .unwrap()
                .starts_with("dup.json: dropped 1 duplicate entries")
        );
    }

    #[test]
    fn best_thread_count_is_the_fastest_per_variant_and_backend() {
        let entries = [
            entry("compute", "closure", "rayon", 1, 100.0),
            entry("compute", "closure", "rayon", 2, 60.0),
            entry("compute", "closure", "rayon", 4, 70.0),
            entry("compute", "closure", "crossbeam", 2, 80.0),
        ];
        let rows: Vec<&Benchmark> = entries.iter().collect();
        let best = best_per_variant_backend(&rows);
        let picked: Vec<(&str, u64)> = best
            .iter()
            .map(|b| (b.key.backend.as_str(), b.key.threads))
            .collect();
        assert_eq!(picked, [("rayon", 2), ("crossbeam", 2)]);
    }

    #[test]
    fn overlapping_intervals_are_within_noise() {
        let a = entry("w", "closure", "rayon", 1, 100.0).time_ns;
        assert!(within_noise(
            &a,
            &entry("w", "closure", "rayon", 1, 103.0).time_ns
        ));
        assert!(!within_noise(
            &a,
            &entry("w", "closure", "rayon", 1, 110.0).time_ns
        ));
    }
}
