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
//! benchmark) and 3 (each entry's family and role, the workloads' specs, the
//! sequential loop on backend `sequential` instead of `none`). All are read;
//! 3 is written.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

use crate::key::Key;
use crate::memory::Memory;
use crate::variants::{self, Family, Role};
use crate::workload::{self, Purpose, Spec};

/// The version this build writes.
pub const SCHEMA_VERSION: u32 = 3;
/// Every version this build reads.
pub const READABLE_VERSIONS: &[u32] = &[1, 2, 3];

/// The backend id of the sequential loop before schema 3.
const SCHEMA_2_SEQUENTIAL_BACKEND: &str = "none";

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
}

/// The criterion settings a run used.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CriterionSettings {
    pub warm_up_ms: u64,
    pub measurement_ms: u64,
    pub sample_size: u64,
    pub nresamples: u64,
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
}

/// Criterion's estimate of the time per call, with its 95% confidence bounds.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct TimeNs {
    /// The typical time: criterion's slope when present, else its mean.
    pub estimate: f64,
    pub lower: f64,
    pub upper: f64,
    pub median: f64,
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
    pub items: u64,
    pub time_ns: TimeNs,
    /// When this entry was measured (UTC, RFC 3339).
    pub measured_at: String,
    /// What one call did to memory (schema 2).
    #[serde(flatten)]
    pub memory: Memory,
    /// Derived: `items / time` (recomputed on load).
    #[serde(default, skip_deserializing)]
    pub items_per_s: f64,
    /// Derived: the baseline's time on the same workload over this one's
    /// (null when the baseline was not measured; recomputed on load).
    #[serde(default, skip_deserializing)]
    pub speedup: Option<f64>,
    /// Derived: `speedup / threads` (recomputed on load).
    #[serde(default, skip_deserializing)]
    pub efficiency: Option<f64>,
    /// Derived: this time minus the baseline's (recomputed on load).
    #[serde(default, skip_deserializing)]
    pub overhead_ns: Option<f64>,
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
            items,
            time_ns,
            measured_at: measured_at.to_string(),
            memory,
            items_per_s: 0.0,
            speedup: None,
            efficiency: None,
            overhead_ns: None,
        }
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
    /// The size that was measured.
    pub spec: Spec,
}

impl WorkloadInfo {
    /// This build's description of a workload it knows, at its full size.
    pub fn known(id: &str) -> Option<WorkloadInfo> {
        workload::workload(id).ok().map(|w| WorkloadInfo {
            about: w.about.to_string(),
            purpose: w.purpose,
            spec: w.full,
        })
    }
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
}

/// A file that was read, with what was wrong in it.
#[derive(Debug)]
pub struct Loaded {
    pub path: PathBuf,
    pub results: ResultsFile,
    /// Entries dropped or values ignored, each naming the file.
    pub warnings: Vec<String>,
}

impl ResultsFile {
    /// Reads and validates one results file. Entries with unusable numbers
    /// are dropped with a warning; a file that is not a results file at all
    /// (not JSON, truncated, unknown schema version) is an error naming it.
    pub fn load(path: &Path) -> Result<Loaded> {
        let text =
            fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
        Self::parse(&text, path)
    }

    /// [`ResultsFile::load`] on text already read; `path` names it in messages.
    pub fn parse(text: &str, path: &Path) -> Result<Loaded> {
        let shown = path.display();
        let raw: serde_json::Value = serde_json::from_str(text)
            .with_context(|| format!("{shown} is not valid JSON (truncated?)"))?;
        let version = raw
            .get("schema_version")
            .and_then(serde_json::Value::as_u64);
        match version {
            Some(v) if READABLE_VERSIONS.iter().any(|&r| u64::from(r) == v) => {}
            Some(v) => {
                bail!("{shown} has schema_version {v}; this parbench reads {READABLE_VERSIONS:?}")
            }
            None => bail!("{shown} has no schema_version: not a parbench results file"),
        }
        // Entries are read one by one, so one malformed entry (a null time, a
        // string where a number belongs) costs that entry, not the file.
        #[derive(Deserialize)]
        struct Raw {
            schema_version: u32,
            machine: Machine,
            run: RunInfo,
            #[serde(default)]
            workloads: BTreeMap<String, WorkloadInfo>,
            benchmarks: Vec<serde_json::Value>,
        }
        let raw: Raw = serde_json::from_value(raw)
            .with_context(|| format!("{shown} does not follow the results schema"))?;
        let mut warnings = Vec::new();
        let mut results = ResultsFile {
            schema_version: raw.schema_version,
            machine: raw.machine,
            run: raw.run,
            workloads: raw.workloads,
            benchmarks: Vec::with_capacity(raw.benchmarks.len()),
        };
        let before_schema_3 = raw.schema_version < 3;
        for (index, entry) in raw.benchmarks.into_iter().enumerate() {
            match serde_json::from_value::<Benchmark>(entry) {
                Ok(mut b) => {
                    if before_schema_3 && b.key.backend == SCHEMA_2_SEQUENTIAL_BACKEND {
                        b.key.backend =
                            crate::backends::Backend::id(&crate::backends::Sequential).to_string();
                    }
                    if b.family == Family::Other && b.role == Role::Other {
                        (b.family, b.role) = registry_family_and_role(&b.key.variant);
                    }
                    results.benchmarks.push(b)
                }
                Err(e) => warnings.push(format!("{shown}: dropped benchmark #{index}: {e}")),
            }
        }
        results.benchmarks.retain(|b| match b.invalid() {
            Some(why) => {
                warnings.push(format!("{shown}: dropped {}: {why}", b.key));
                false
            }
            None => true,
        });
        for b in &results.benchmarks {
            if !results.workloads.contains_key(&b.key.workload) {
                if let Some(info) = WorkloadInfo::known(&b.key.workload) {
                    results.workloads.insert(b.key.workload.clone(), info);
                }
            }
        }
        results
            .run
            .ceiling
            .retain(|p| p.speedup.is_finite() && p.speedup > 0.0 && p.threads > 0);
        results.derive();
        Ok(Loaded {
            path: path.to_path_buf(),
            results,
            warnings,
        })
    }

    /// Replaces entries measured again and keeps every other one, then
    /// recomputes speedups: what a filtered run does to a machine's file.
    /// The machine and run settings are the newer run's, but the ceiling and
    /// the thread counts keep the points only the older runs measured.
    pub fn merge(mut self, mut newer: ResultsFile) -> ResultsFile {
        let mut ceiling: BTreeMap<u64, CeilingPoint> =
            self.run.ceiling.iter().map(|p| (p.threads, *p)).collect();
        ceiling.extend(newer.run.ceiling.iter().map(|p| (p.threads, *p)));
        newer.run.ceiling = ceiling.into_values().collect();
        newer.run.threads.extend(self.run.threads.iter().copied());
        newer.run.threads.sort_unstable();
        newer.run.threads.dedup();
        let mut by_key: BTreeMap<Key, Benchmark> = self
            .benchmarks
            .drain(..)
            .map(|b| (b.key.clone(), b))
            .collect();
        for b in newer.benchmarks {
            by_key.insert(b.key.clone(), b);
        }
        let mut workloads = self.workloads;
        workloads.extend(newer.workloads);
        let mut merged = ResultsFile {
            schema_version: SCHEMA_VERSION,
            machine: newer.machine,
            run: newer.run,
            workloads,
            benchmarks: by_key.into_values().collect(),
        };
        merged.derive();
        merged
    }

    /// Recomputes every derived figure from the raw ones: throughput, and
    /// speedup, efficiency and overhead against the baseline entry (the
    /// variant with the baseline role, at one thread) of the same workload.
    pub fn derive(&mut self) {
        let baseline: BTreeMap<String, f64> = self
            .benchmarks
            .iter()
            .filter(|b| b.role == Role::Baseline && b.key.threads == 1)
            .map(|b| (b.key.workload.clone(), b.time_ns.estimate))
            .collect();
        for b in &mut self.benchmarks {
            let time = b.time_ns.estimate;
            b.items_per_s = b.items as f64 / (time * 1e-9);
            let base = baseline.get(&b.key.workload);
            b.speedup = base.map(|base| base / time);
            b.efficiency = b.speedup.map(|s| s / b.key.threads as f64);
            b.overhead_ns = base.map(|base| time - base);
        }
    }

    /// Writes atomically: a temporary file in the same folder, then a rename.
    pub fn save(&self, path: &Path) -> Result<()> {
        let json = serde_json::to_string_pretty(self)
            .with_context(|| format!("cannot serialise the results for {}", path.display()))?;
        write_atomically(path, json.as_bytes())
    }
}

/// Writes `bytes` to `path` through a temporary file in the same folder, so
/// a reader (or an interrupted run) never sees a half-written file.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut builder = tempfile::Builder::new();
    builder.prefix(".parbench-").suffix(".tmp");
    // Readable like any file the user writes (tempfile's default is 0600).
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o644));
    let mut tmp = builder
        .tempfile_in(dir)
        .with_context(|| format!("cannot create a temporary file in {}", dir.display()))?;
    tmp.write_all(bytes)
        .with_context(|| format!("cannot write {}", tmp.path().display()))?;
    tmp.as_file()
        .sync_all()
        .with_context(|| format!("cannot flush {}", tmp.path().display()))?;
    tmp.persist(path)
        .with_context(|| format!("cannot rename into {}", path.display()))?;
    Ok(())
}

/// Merges `newer` into the results file at `path` and saves it. A file there
/// that cannot be read as results is moved aside (its new name is returned
/// in the warnings), never overwritten.
pub fn merge_into(path: &Path, newer: ResultsFile) -> Result<Vec<String>> {
    let mut warnings = Vec::new();
    let merged = match path.exists() {
        false => {
            let mut first = newer;
            first.derive();
            first
        }
        true => match ResultsFile::load(path) {
            Ok(loaded) => {
                if !loaded.warnings.is_empty() {
                    // Entries were dropped on reading: keep the file as it was.
                    let copy = aside_name(path, "before-dropping");
                    fs::copy(path, &copy)
                        .with_context(|| format!("cannot copy {} aside", path.display()))?;
                    warnings.push(format!(
                        "{} had unusable entries; kept it as {} before rewriting it",
                        path.display(),
                        copy.display()
                    ));
                }
                warnings.extend(loaded.warnings);
                loaded.results.merge(newer)
            }
            Err(err) => {
                let aside = aside_name(path, "unreadable");
                fs::rename(path, &aside)
                    .with_context(|| format!("cannot move unreadable {} aside", path.display()))?;
                warnings.push(format!(
                    "{err:#}; moved it aside to {} and started a new file",
                    aside.display()
                ));
                let mut first = newer;
                first.derive();
                first
            }
        },
    };
    merged.save(path)?;
    Ok(warnings)
}

/// `<name>.<why>-<UTC time to the nanosecond>`: not `.json`, so the report
/// skips it, and never the name of an earlier one.
fn aside_name(path: &Path, why: &str) -> PathBuf {
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S%.9fZ");
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".{why}-{stamp}"));
    let mut aside = path.with_file_name(&name);
    let mut n = 1;
    while aside.exists() {
        aside = path.with_file_name(format!("{}-{n}", name.to_string_lossy()));
        n += 1;
    }
    aside
}

/// Every `*.json` results file in `dir`, sorted by path. Files that cannot
/// be read are reported, not fatal: the others still load.
pub fn load_dir(dir: &Path) -> Result<(Vec<Loaded>, Vec<String>)> {
    Ok(load_files(&files_in(dir)?))
}

/// The `*.json` files of a runs folder, sorted by path.
pub fn files_in(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut paths: Vec<PathBuf> = fs::read_dir(dir)
        .with_context(|| format!("cannot list {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    Ok(paths)
}

/// Loads each file, collecting the readable ones and a warning per unreadable one.
pub fn load_files(paths: &[PathBuf]) -> (Vec<Loaded>, Vec<String>) {
    let mut loaded = Vec::new();
    let mut warnings = Vec::new();
    for path in paths {
        match ResultsFile::load(path) {
            Ok(file) => {
                warnings.extend(file.warnings.iter().cloned());
                loaded.push(file);
            }
            Err(err) => warnings.push(format!("skipped {}: {err:#}", path.display())),
        }
    }
    (loaded, warnings)
}

/// Cleans a machine label to `[A-Za-z0-9._-]`, so it is a safe file name.
pub fn clean_label(raw: &str) -> String {
    let cleaned: String = raw
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let cleaned = cleaned.trim_matches('.').to_string();
    if cleaned.is_empty() {
        "machine".to_string()
    } else {
        cleaned
    }
}
