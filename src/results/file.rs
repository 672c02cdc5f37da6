//! The results file on disk: read and validated (entries with unusable
//! numbers dropped with a warning naming the file, older schemas
//! migrated), merged with a newer run, written atomically, and moved aside
//! rather than overwritten when it cannot be parsed.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::Deserialize;

use super::*;
use crate::key::Key;
use crate::roles::{Family, Role};

/// The largest results file read: 64 MiB, about 90 times the `default`
/// run of a 2-core VM (`tests/fixtures/real/vm-default.json`, 0.7 MiB). A
/// larger file is refused unread, so a file from elsewhere cannot make the
/// report or the merge job exhaust memory; the other files still load.
pub const MAX_FILE_BYTES: u64 = 64 << 20;

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
    /// A file above [`MAX_FILE_BYTES`] is refused unread.
    pub fn load(path: &Path) -> Result<Loaded> {
        let shown = path.display();
        let file = File::open(path).with_context(|| format!("cannot read {shown}"))?;
        // `size`: what the file holds, as far as it was seen ("more than
        // N bytes" where reading stopped at the limit).
        let refuse = |size: String| {
            anyhow::anyhow!(
                "{shown} is {size} bytes, above the limit of {MAX_FILE_BYTES} bytes ({} MiB) \
                 for a results file: refused unread",
                MAX_FILE_BYTES >> 20
            )
        };
        if let Ok(meta) = file.metadata()
            && meta.len() > MAX_FILE_BYTES
        {
            return Err(refuse(meta.len().to_string()));
        }
        // Read at most one byte past the limit: a file that grows, or is no
        // regular file at all, is refused too.
        let mut bytes = Vec::new();
        file.take(MAX_FILE_BYTES + 1)
            .read_to_end(&mut bytes)
            .with_context(|| format!("cannot read {shown}"))?;
        if bytes.len() as u64 > MAX_FILE_BYTES {
            return Err(refuse(format!("more than {MAX_FILE_BYTES}")));
        }
        let text = String::from_utf8(bytes)
            .with_context(|| format!("{shown} is not UTF-8 text: not a results file"))?;
        Self::parse(&text, path)
    }

    /// [`ResultsFile::load`] on text already read; `path` names it in messages.
    pub fn parse(text: &str, path: &Path) -> Result<Loaded> {
        let shown = path.display();
        // Read straight from the text, not through a `serde_json::Value`
        // tree (a map and a string per field) and from that tree into the
        // types: parsing took 35% of the fuzz test's time that way (`perf`,
        // a debug build, 2026-12-07), and its 3,000 first cases 15.5-16.3 s
        // against 12.7-14.7 s this way (alternating). First the version
        // alone, every other field skipped unread; then the file, each
        // entry kept as its text.
        #[derive(Deserialize)]
        struct Version {
            schema_version: Option<serde_json::Value>,
        }
        let version = match serde_json::from_str::<Version>(text) {
            Ok(v) => v
                .schema_version
                .as_ref()
                .and_then(serde_json::Value::as_u64),
            Err(e) if e.is_data() => None,
            Err(e) => {
                return Err(e).with_context(|| format!("{shown} is not valid JSON (truncated?)"));
            }
        };
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
        struct Raw<'a> {
            schema_version: u32,
            machine: Machine,
            run: RunInfo,
            #[serde(default)]
            workloads: BTreeMap<String, WorkloadInfo>,
            #[serde(borrow)]
            benchmarks: Vec<&'a serde_json::value::RawValue>,
            #[serde(default)]
            break_even: Vec<BreakEvenCell>,
        }
        let raw: Raw = serde_json::from_str(text)
            .with_context(|| format!("{shown} does not follow the results schema"))?;
        let mut warnings = Vec::new();
        let mut results = ResultsFile {
            schema_version: raw.schema_version,
            machine: raw.machine,
            run: raw.run,
            workloads: raw.workloads,
            benchmarks: Vec::with_capacity(raw.benchmarks.len()),
            break_even: Vec::new(),
        };
        for cell in raw.break_even {
            match cell.is_valid() {
                true => results.break_even.push(cell),
                false => warnings.push(format!(
                    "{shown}: dropped break-even cell {}/{} threads/{} items/{} rounds: \
                     a time or speedup is not a positive number, or no item or thread count \
                     parbench runs",
                    cell.backend, cell.threads, cell.items, cell.rounds
                )),
            }
        }
        let harness_overhead = std::mem::take(&mut results.run.harness_overhead);
        for entry in harness_overhead {
            match entry.is_valid() {
                true => results.run.harness_overhead.push(entry),
                false => warnings.push(format!(
                    "{shown}: dropped harness overhead {}/{}/{}/{}: a time or ratio is not a \
                     positive number",
                    entry.workload, entry.variant, entry.backend, entry.threads
                )),
            }
        }
        let before_schema_3 = raw.schema_version < 3;
        let before_schema_5 = raw.schema_version < 5;
        for (index, entry) in raw.benchmarks.into_iter().enumerate() {
            match serde_json::from_str::<Benchmark>(entry.get()) {
                Ok(mut b) => {
                    if before_schema_3 && b.key.backend == SCHEMA_2_SEQUENTIAL_BACKEND {
                        b.key.backend = SCHEMA_3_SEQUENTIAL_BACKEND.to_string();
                    }
                    if before_schema_5 && b.key.backend == SCHEMA_4_OWN_BASELINE_BACKEND {
                        b.own_baseline = true;
                    }
                    if b.family == Family::Other && b.role == Role::Other {
                        (b.family, b.role) = registry_family_and_role(&b.key.variant);
                    }
                    results.benchmarks.push(b)
                }
                Err(e) => warnings.push(format!(
                    "{shown}: dropped benchmark #{index}: {}",
                    without_position(&e)
                )),
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
            if !results.workloads.contains_key(&b.key.workload)
                && let Some(info) = WorkloadInfo::known(&b.key.workload)
            {
                results.workloads.insert(b.key.workload.clone(), info);
            }
        }
        results.run.ceiling.retain(|p| {
            p.speedup.is_finite() && p.speedup > 0.0 && (1..=MAX_THREADS).contains(&p.threads)
        });
        results.derive();
        Ok(Loaded {
            path: path.to_path_buf(),
            results,
            warnings,
        })
    }

    /// Replaces entries measured again and keeps every other one, then
    /// recomputes speedups: what a filtered run does to a machine's file.
    /// The machine and run settings are the newer run's, but the ceiling,
    /// the thread counts and the harness overhead keep the points only the
    /// older runs measured.
    pub fn merge(mut self, mut newer: ResultsFile) -> ResultsFile {
        let mut ceiling: BTreeMap<u64, CeilingPoint> =
            self.run.ceiling.iter().map(|p| (p.threads, *p)).collect();
        ceiling.extend(newer.run.ceiling.iter().map(|p| (p.threads, *p)));
        newer.run.ceiling = ceiling.into_values().collect();
        let mut harness: BTreeMap<_, HarnessOverhead> = (self.run.harness_overhead.iter())
            .map(|h| (h.id(), h.clone()))
            .collect();
        harness.extend(
            newer
                .run
                .harness_overhead
                .iter()
                .map(|h| (h.id(), h.clone())),
        );
        newer.run.harness_overhead = harness.into_values().collect();
        newer.run.threads.extend(self.run.threads.iter().copied());
        newer.run.threads.sort_unstable();
        newer.run.threads.dedup();
        // A run block of a problem of one's own alone is no previous run.
        if newer.run.started_at != self.run.started_at
            && newer.run.previous.is_none()
            && !self.run.own_only
        {
            newer.run.previous = Some(PreviousRun::of(&self.run));
        }
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
        let mut cells: BTreeMap<_, BreakEvenCell> =
            self.break_even.into_iter().map(|c| (c.id(), c)).collect();
        cells.extend(newer.break_even.into_iter().map(|c| (c.id(), c)));
        let mut merged = ResultsFile {
            schema_version: SCHEMA_VERSION,
            machine: newer.machine,
            run: newer.run,
            workloads,
            benchmarks: by_key.into_values().collect(),
            break_even: cells.into_values().collect(),
        };
        merged.derive();
        merged
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
    let (existing, warnings) = load_for_rewrite(path)?;
    let merged = match existing {
        Some(older) => older.merge(newer),
        None => {
            let mut first = newer;
            first.derive();
            first
        }
    };
    merged.save(path)?;
    Ok(warnings)
}

/// The results file at `path`, about to be rewritten: `None` if there is
/// none. A file that cannot be read is moved aside (and `None` returned); a
/// file that lost entries on reading is copied aside first. Either way the
/// warnings name the copy, so nothing already written is lost.
pub fn load_for_rewrite(path: &Path) -> Result<(Option<ResultsFile>, Vec<String>)> {
    let mut warnings = Vec::new();
    if !path.exists() {
        return Ok((None, warnings));
    }
    match ResultsFile::load(path) {
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
            Ok((Some(loaded.results), warnings))
        }
        Err(err) => {
            let aside = aside_name(path, "unreadable");
            fs::rename(path, &aside)
                .with_context(|| format!("cannot move unreadable {} aside", path.display()))?;
            warnings.push(format!(
                "{err:#}; moved it aside to {} and started a new file",
                aside.display()
            ));
            Ok((None, warnings))
        }
    }
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

/// A serde error's message without the line and column serde_json adds:
/// those of an entry's own text, which would mislead in a message about
/// the file.
fn without_position(e: &serde_json::Error) -> String {
    let message = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    match message.strip_suffix(&suffix) {
        Some(bare) if e.line() > 0 => bare.to_string(),
        _ => message,
    }
}
