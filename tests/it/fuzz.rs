//! Fuzzing the readers of foreign files: results files come from other
//! machines (`reports/runs/`, `reports/imported/`, CI artifacts), so every
//! path from their bytes to a page must hold whatever the bytes are.
//!
//! A seeded generator (proptest's ChaCha `TestRng`, one seed per case: the
//! same cases on every run and platform) mutates the real results files of
//! `tests/fixtures/real` and `tests/fixtures/runs` structurally (a field
//! removed, retyped, set to an extreme or non-finite number or to a hostile
//! string; thread counts, keys and labels at their limits; entries
//! duplicated) and byte by byte (bytes flipped, inserted, cut; numbers
//! replaced by `NaN`, `Infinity` or `1e999`). Each case goes through what a
//! user's command does with it, in process through the library (no binary
//! started per case): load, merge, the models, the verdicts (`compare
//! --format json`, against a second machine) and an export. Loading must
//! end in a result or an error naming the file; nothing may panic or hang
//! (a case has [`CASE_LIMIT`]); an unreadable file being merged into is
//! kept aside, never lost; the pages must show no hostile string unescaped.
//!
//! What a case costs decides how deep it goes, so that 10,000 cases fit in
//! about a minute of a debug build on 2 cores (two threads deal the cases):
//! - most cases mutate a slice of a real file (its machine, run and
//!   workloads, one workload's baseline and up to 7 other entries, up to 6
//!   break-even cells: the real file's shape at a fraction of its size),
//!   merge in memory both ways, and export in one format, each format in
//!   turn;
//! - one case in [`PAGE_EVERY`] also merges through the file
//!   (`merge_into`, as the newer and as the older file), exports in every
//!   format and writes the comparison page;
//! - one case in [`WHOLE_FILE_EVERY`] mutates a whole file and also writes
//!   the full report (`index.html`, the machine pages, `summary.md`), about
//!   a second each.
//!
//! Inputs that once found a bug are kept in `tests/fixtures/fuzz/` and go
//! through the deepest path every run. A failing case is written to
//! `target/tmp/fuzz-failure-<case>.json` for the corpus, and its case
//! number reproduces it: `PARBENCH_FUZZ_CASES` sets how many run (10,000
//! by default), `PARBENCH_FUZZ_FIRST` the first case. The time of each
//! stage is printed at the end (`--nocapture`).

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use parbench::report::{self, ExportFormat};
use parbench::results::{self, ResultsFile};
use proptest::prelude::RngCore;
use proptest::test_runner::{RngAlgorithm, TestRng};
use serde_json::{Map, Value, json};

/// Cases in `cargo test` unless `PARBENCH_FUZZ_CASES` says otherwise.
const DEFAULT_CASES: usize = 10_000;
/// One case in this many mutates a whole file and writes the full report.
const WHOLE_FILE_EVERY: usize = 1000;
/// One case in this many (of the slices) also writes the comparison page.
const PAGE_EVERY: usize = 50;
/// No case may take longer: beyond it the case counts as a hang.
const CASE_LIMIT: Duration = Duration::from_secs(60);

/// A marker in every hostile string: found raw in a page, it is markup
/// that escaped escaping.
const MARKER: &str = "fz-evil";

/// Strings a foreign file may hold where a name or a word belongs.
fn hostile_strings() -> Vec<String> {
    vec![
        format!("<{MARKER}>"),
        format!("<script>{MARKER}()</script>"),
        format!("\"><{MARKER} onload=x>"),
        format!("'\" onmouseover='{MARKER}'"),
        format!("</svg><{MARKER}/>"),
        format!("<![CDATA[<{MARKER}>]]>"),
        format!("&{MARKER};&amp;&#60;"),
        format!("{{{{ {MARKER} }}}}{{% if x %}}"),
        "\u{0}\u{1}\u{7}\u{8}\u{b}\u{c}\u{1b}[31m\r\n\t".to_string(),
        "\u{202e}\u{200b}\u{feff}\u{fffd}\u{10ffff}".to_string(),
        "../../etc/passwd".to_string(),
        "C:\\con\\nul".to_string(),
        "a/b/c/d/e".to_string(),
        "|pipe|in|a|cell|".to_string(),
        "=cmd|' /C calc'!A0".to_string(),
        String::new(),
        " ".to_string(),
        ".".to_string(),
        "🦀".repeat(64),
        // Long strings last: whole files take only the ones before (all
        // but the last [`LONG_HOSTILE`]): a 100 kB label repeated on every
        // row of a whole file's exports cost a debug build 20 s.
        format!("<{MARKER}>").repeat(2_000),
        "x".repeat(20_000),
    ]
}

/// The long hostile strings, last in [`hostile_strings`].
const LONG_HOSTILE: usize = 2;

/// Numbers at and past the limits of every integer and float field.
fn extreme_numbers() -> Vec<Value> {
    vec![
        json!(0),
        json!(-0.0),
        json!(-1),
        json!(1),
        json!(2),
        json!(3),
        json!(65_535),
        json!(65_536),
        json!(u32::MAX),
        json!(u64::MAX),
        json!(u64::MAX - 1),
        json!(i64::MIN),
        json!((1u64 << 53) + 1),
        json!(f64::MAX),
        json!(f64::MIN),
        json!(f64::MIN_POSITIVE),
        json!(5e-324),
        json!(1e-300),
        json!(1e300),
        json!(0.5),
        json!(-1e-9),
    ]
}

/// Non-finite or out-of-range numbers: not JSON values, so put in the text.
const NON_FINITE: &[&str] = &["NaN", "Infinity", "-Infinity", "1e999", "-1e999", "nan"];

/// proptest's seeded ChaCha generator: the same cases on every run and
/// platform.
struct Rng(TestRng);

impl Rng {
    /// The generator of case `n`.
    fn new(n: u64) -> Rng {
        let mut seed = [0u8; 32];
        seed[..8].copy_from_slice(&n.to_le_bytes());
        seed[8..16].copy_from_slice(b"parbench");
        Rng(TestRng::from_seed(RngAlgorithm::ChaCha, &seed))
    }
    fn next(&mut self) -> u64 {
        self.0.next_u64()
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn chance(&mut self, one_in: usize) -> bool {
        self.below(one_in) == 0
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// One step from a value to a child.
#[derive(Clone, Debug)]
enum Step {
    Key(String),
    Index(usize),
}

/// The number of nodes under `value` (itself excluded).
fn count(value: &Value) -> usize {
    match value {
        Value::Object(map) => map.values().map(|v| 1 + count(v)).sum(),
        Value::Array(items) => items.iter().map(|v| 1 + count(v)).sum(),
        _ => 0,
    }
}

/// The path to the `n`th node under `value` in pre-order (`n` < [`count`]).
fn nth_path(value: &Value, mut n: usize) -> Vec<Step> {
    let mut path = Vec::new();
    let mut node = value;
    loop {
        let children: Box<dyn Iterator<Item = (Step, &Value)>> = match node {
            Value::Object(map) => Box::new(map.iter().map(|(k, v)| (Step::Key(k.clone()), v))),
            Value::Array(items) => {
                Box::new(items.iter().enumerate().map(|(i, v)| (Step::Index(i), v)))
            }
            _ => return path,
        };
        let mut next = None;
        for (step, child) in children {
            if n == 0 {
                path.push(step);
                return path;
            }
            n -= 1;
            let size = count(child);
            if n < size {
                next = Some((step, child));
                break;
            }
            n -= size;
        }
        let Some((step, child)) = next else {
            return path;
        };
        path.push(step);
        node = child;
    }
}

fn at<'a>(value: &'a mut Value, path: &[Step]) -> Option<&'a mut Value> {
    path.iter().try_fold(value, |v, step| match step {
        Step::Key(k) => v.get_mut(k.as_str()),
        Step::Index(i) => v.get_mut(*i),
    })
}

/// Removes the node at `path` from its parent.
fn remove(value: &mut Value, path: &[Step]) {
    let Some((last, parent)) = path.split_last() else {
        return;
    };
    match (at(value, parent), last) {
        (Some(Value::Object(map)), Step::Key(k)) => {
            map.remove(k);
        }
        (Some(Value::Array(items)), Step::Index(i)) if *i < items.len() => {
            items.remove(*i);
        }
        _ => {}
    }
}

/// A value of some other type than a field expects.
fn retyped(rng: &mut Rng) -> Value {
    match rng.below(7) {
        0 => Value::Null,
        1 => json!(true),
        2 => json!("12"),
        3 => json!([]),
        4 => json!({}),
        5 => json!([1, "two", null, {"three": 3}]),
        _ => json!({"estimate": "x", "lower": null}),
    }
}

/// Sets a benchmark key's parts to the limits a key can reach.
fn key_at_limits(entry: &mut Value, rng: &mut Rng, hostile: &[String]) {
    let Some(map) = entry.as_object_mut() else {
        return;
    };
    match rng.below(6) {
        0 => {
            let threads = *rng.pick(&[0u64, 1, 3, 16, 17, 1 << 16, u32::MAX as u64, u64::MAX]);
            map.insert("threads".into(), json!(threads));
        }
        1 => {
            let items = *rng.pick(&[0u64, 1, u64::MAX]);
            map.insert("items".into(), json!(items));
        }
        2 => {
            let part = *rng.pick(&["workload", "variant", "backend", "regime"]);
            map.insert(part.into(), json!(rng.pick(hostile)));
        }
        3 => {
            let regime = *rng.pick(&["intermittent", "steady", "Steady", ""]);
            map.insert("regime".into(), json!(regime));
        }
        4 => {
            let family = *rng.pick(&["other", "baseline", "passing", "nonsense"]);
            map.insert("family".into(), json!(family));
            let role = *rng.pick(&["other", "baseline", "atomic_sum", "nonsense"]);
            map.insert("role".into(), json!(role));
        }
        _ => {
            // Every time at once: zero, one nanosecond, or a year.
            let ns = *rng.pick(&[0.0, 1e-300, 1.0, 3.15e16]);
            map.insert(
                "time_ns".into(),
                json!({"estimate": ns, "lower": ns, "upper": ns, "median": ns}),
            );
        }
    }
}

/// One structural mutation of `file` (a whole results file as JSON).
fn mutate(file: &mut Value, rng: &mut Rng, hostile: &[String]) {
    let nodes = count(file);
    if nodes == 0 {
        return;
    }
    let path = nth_path(file, rng.below(nodes));
    match rng.below(10) {
        0 | 1 => remove(file, &path),
        2 => {
            let new = retyped(rng);
            if let Some(v) = at(file, &path) {
                *v = new;
            }
        }
        3 | 4 => {
            let new = rng.pick(&extreme_numbers()).clone();
            if let Some(v) = at(file, &path) {
                *v = new;
            }
        }
        5 | 6 => {
            // A hostile string where a string was, or a label, a host, a
            // CPU model, a workload's name or description.
            let new = json!(rng.pick(hostile));
            let target = match rng.below(3) {
                0 => vec![Step::Key("machine".into()), Step::Key("label".into())],
                1 => vec![Step::Key("machine".into()), Step::Key("cpu_model".into())],
                _ => path,
            };
            if let Some(v) = at(file, &target) {
                *v = new;
            }
        }
        7 => {
            let benchmarks = file.get_mut("benchmarks").and_then(Value::as_array_mut);
            if let Some(entries) = benchmarks.filter(|e| !e.is_empty()) {
                let i = rng.below(entries.len());
                key_at_limits(&mut entries[i], rng, hostile);
            }
        }
        8 => {
            // The same entry (or cell) twice, or many times.
            let arrays = ["benchmarks", "break_even"];
            let name = *rng.pick(&arrays);
            if let Some(entries) = file.get_mut(name).and_then(Value::as_array_mut)
                && !entries.is_empty()
            {
                let copy = entries[rng.below(entries.len())].clone();
                for _ in 0..=rng.below(3) {
                    entries.push(copy.clone());
                }
            }
        }
        _ => {
            // A workload the build does not know, with a hostile description.
            let name = rng.pick(hostile).clone();
            if let Some(Value::Object(workloads)) = file.get_mut("workloads") {
                workloads.insert(
                    name,
                    json!({"about": rng.pick(hostile), "purpose": "cpu_bound",
                           "spec": {"items": u64::MAX, "rounds": u32::MAX,
                                    "imbalance": "uniform", "state_bytes": u64::MAX}}),
                );
            }
        }
    }
}

/// One byte-level corruption of `text`.
fn corrupt(text: &mut Vec<u8>, rng: &mut Rng) {
    if text.is_empty() {
        return;
    }
    let i = rng.below(text.len());
    match rng.below(5) {
        0 => text[i] ^= 1 << rng.below(8),
        1 => text.truncate(i),
        2 => {
            let junk: Vec<u8> = (0..=rng.below(8)).map(|_| rng.next() as u8).collect();
            text.splice(i..i, junk);
        }
        3 => {
            let end = (i + 1 + rng.below(64)).min(text.len());
            text.drain(i..end);
        }
        _ => {
            // A number's digits replaced by a non-finite token.
            if let Some(start) = (i..text.len()).find(|&j| text[j].is_ascii_digit()) {
                let end = (start..text.len())
                    .find(|&j| !(text[j].is_ascii_digit() || b".eE+-".contains(&text[j])))
                    .unwrap_or(text.len());
                let token = rng.pick(NON_FINITE).as_bytes().to_vec();
                text.splice(start..end, token);
            }
        }
    }
}

/// A real results file, taken apart once for slicing.
struct Base {
    whole: Value,
    /// Everything but the two long arrays.
    head: Map<String, Value>,
    /// Each workload's entries: its baseline at one thread, and the others.
    workloads: Vec<(Vec<Value>, Vec<Value>)>,
    cells: Vec<Value>,
}

impl Base {
    fn new(whole: Value) -> Base {
        let head = (whole.as_object().unwrap().iter())
            .filter(|(k, _)| *k != "benchmarks" && *k != "break_even")
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let entries = whole["benchmarks"].as_array().cloned().unwrap_or_default();
        let mut ids: Vec<&str> = entries
            .iter()
            .filter_map(|e| e["workload"].as_str())
            .collect();
        ids.sort_unstable();
        ids.dedup();
        let workloads = (ids.iter())
            .map(|id| {
                (entries.iter())
                    .filter(|e| e["workload"] == *id)
                    .cloned()
                    .partition(|e| e["variant"] == "sequential" && e["threads"] == 1)
            })
            .collect();
        let cells = whole["break_even"].as_array().cloned().unwrap_or_default();
        Base {
            whole,
            head,
            workloads,
            cells,
        }
    }

    /// A slice of the file: its machine, run and workloads, the entries of
    /// one workload (its baseline, which most figures are relative to, and
    /// up to 7 others drawn at random) and up to 6 break-even cells.
    fn slice(&self, rng: &mut Rng) -> Value {
        let mut sliced = self.head.clone();
        let (baseline, others) = rng.pick(&self.workloads);
        let mut others: Vec<&Value> = others.iter().collect();
        let mut chosen: Vec<Value> = baseline.clone();
        for _ in 0..7.min(others.len()) {
            let i = rng.below(others.len());
            chosen.push(others.swap_remove(i).clone());
        }
        sliced.insert("benchmarks".into(), Value::Array(chosen));
        let start = rng.below(self.cells.len());
        let cells = self.cells.iter().skip(start).take(6).cloned().collect();
        sliced.insert("break_even".into(), Value::Array(cells));
        Value::Object(sliced)
    }
}

/// What one case produced, for the markup check.
struct Pages(Vec<(PathBuf, String)>);

/// The pages and SVG of a report folder (every `.html` file in `dir`).
fn pages_in(dir: &Path) -> Pages {
    let mut pages = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.extension().is_some_and(|x| x == "html") {
            let text = std::fs::read_to_string(&path).unwrap();
            pages.push((path, text));
        }
    }
    Pages(pages)
}

impl Pages {
    /// Fails if a hostile string reached a page unescaped.
    fn check_escaped(&self, case: &str) -> Result<(), String> {
        for (path, text) in &self.0 {
            for raw in [
                format!("<{MARKER}"),
                format!("&{MARKER};"),
                format!("{MARKER}()</"),
            ] {
                if let Some(at) = text.find(&raw) {
                    let from = text[..at]
                        .char_indices()
                        .rev()
                        .nth(80)
                        .map_or(0, |(i, _)| i);
                    let to = (at + 80).min(text.len());
                    let to = (to..=text.len())
                        .find(|&i| text.is_char_boundary(i))
                        .unwrap();
                    return Err(format!(
                        "{case}: unescaped {raw:?} in {}: ...{}...",
                        path.display(),
                        &text[from..to]
                    ));
                }
            }
        }
        Ok(())
    }
}

/// How far one case goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Depth {
    /// Load, merge both ways, the models, the verdicts, every export.
    Commands,
    /// And the comparison page (HTML with inline SVG charts).
    Page,
    /// And the whole report over a runs folder (`index.html`, the machine
    /// pages, `summary.md`).
    Report,
}

/// The folder of one fuzz run: the case's file, a valid second machine,
/// what the commands write, and the time each stage took.
struct Bench {
    dir: tempfile::TempDir,
    /// A valid file of another machine, compared and merged with each case.
    other: PathBuf,
    other_text: Vec<u8>,
    stages: std::cell::RefCell<std::collections::BTreeMap<&'static str, Duration>>,
}

impl Bench {
    fn new(other: &Value) -> Bench {
        // In memory where the OS offers it: each case writes and reads a
        // few small files, which a shared disk makes the slowest stage.
        let shm = Path::new("/dev/shm");
        let dir = match shm.is_dir() {
            true => tempfile::tempdir_in(shm),
            false => tempfile::tempdir(),
        }
        .unwrap();
        let other_path = dir.path().join("other.json");
        let other_text = serde_json::to_vec(other).unwrap();
        std::fs::write(&other_path, &other_text).unwrap();
        Bench {
            dir,
            other: other_path,
            other_text,
            stages: Default::default(),
        }
    }

    /// Runs `stage`, adding its time to the stage's total.
    fn timed<T>(&self, stage: &'static str, f: impl FnOnce() -> T) -> T {
        let started = Instant::now();
        let result = f();
        *self.stages.borrow_mut().entry(stage).or_default() += started.elapsed();
        result
    }

    /// Where the time went, stage by stage.
    fn timings(&self) -> String {
        let stages = self.stages.borrow();
        let parts: Vec<String> = stages
            .iter()
            .map(|(stage, time)| format!("{stage} {:.1} s", time.as_secs_f64()))
            .collect();
        parts.join(", ")
    }

    /// Every command a user runs over a results file, on `bytes`, to
    /// `depth`. An error is fine (a clear message is what bad input gets);
    /// a panic, an unescaped page, an unreadable file lost, or an error
    /// that names no file is not.
    fn run(&self, case: &str, bytes: &[u8], depth: Depth, turn: usize) -> Result<(), String> {
        let root = self.dir.path();
        let runs = root.join("runs");
        let path = runs.join("case.json");
        self.timed("write", || {
            if depth == Depth::Report {
                let _ = std::fs::remove_dir_all(&runs);
            }
            if !runs.is_dir() {
                std::fs::create_dir_all(&runs).unwrap();
            }
            std::fs::write(&path, bytes).unwrap();
        });
        let files = [path.clone(), self.other.clone()];

        // Load: a result, or an error naming the file.
        let loaded = match self.timed("load", || ResultsFile::load(&path)) {
            Ok(loaded) => Some(loaded),
            Err(err) => {
                let message = format!("{err:#}");
                if !message.contains("case.json") {
                    return Err(format!("{case}: an error that names no file: {message}"));
                }
                None
            }
        };

        // Merge: the case as the newer file into another machine's, and as
        // the older file (an unreadable one is moved aside, never lost).
        if depth == Depth::Commands {
            // In memory: `merge_into` flushes each file to disk (fsync),
            // which would cost more than everything else of the case.
            self.timed("merge", || {
                let other = ResultsFile::load(&self.other).unwrap().results;
                if let Some(loaded) = &loaded {
                    other.clone().merge(loaded.results.clone());
                    loaded.results.clone().merge(other);
                }
            });
        }
        let merged = root.join("merged.json");
        if let Some(loaded) = loaded.as_ref().filter(|_| depth != Depth::Commands) {
            self.timed("merge", || {
                std::fs::write(&merged, &self.other_text).unwrap();
                results::merge_into(&merged, loaded.results.clone())
                    .map_err(|e| format!("{case}: merge as newer: {e:#}"))?;
                ResultsFile::load(&merged)
                    .map(drop)
                    .map_err(|e| format!("{case}: the merged file does not load: {e:#}"))
            })?;
            self.timed("models", || {
                serde_json::to_string(&parbench::model::models_of(&loaded.results))
                    .map_err(|e| format!("{case}: the models do not serialise: {e}"))
            })?;
        }
        self.timed("merge", || {
            if depth == Depth::Commands {
                return Ok(());
            }
            std::fs::write(&merged, bytes).unwrap();
            let other = ResultsFile::load(&self.other).unwrap().results;
            results::merge_into(&merged, other)
                .map_err(|e| format!("{case}: merge as older: {e:#}"))?;
            let aside: Vec<PathBuf> = std::fs::read_dir(root)
                .unwrap()
                .flatten()
                .filter(|e| e.file_name().to_string_lossy().starts_with("merged.json."))
                .map(|e| e.path())
                .collect();
            if loaded.is_none() && aside.is_empty() {
                return Err(format!(
                    "{case}: an unreadable older file was not kept aside"
                ));
            }
            for kept in aside {
                std::fs::remove_file(kept).unwrap();
            }
            Ok(())
        })?;

        // The verdicts (`compare --format json`) and every export.
        self.timed("verdicts", || {
            report::verdicts(&files)
                .map(drop)
                .map_err(|e| format!("{case}: verdicts: {e:#}"))
        })?;
        // Over the case alone: the other machine's rows would only add time.
        // Each format in turn, and all three with the page.
        let formats = [ExportFormat::Md, ExportFormat::Csv, ExportFormat::Json];
        let formats = match depth {
            Depth::Commands => &formats[turn % 3..turn % 3 + 1],
            Depth::Page | Depth::Report => &formats[..],
        };
        for &format in formats {
            let exported = self.timed("export", || report::export(&files[..1], format));
            let text = match (exported, &loaded) {
                (Ok((text, _)), Some(_)) => text,
                (Err(e), Some(_)) => return Err(format!("{case}: export: {e:#}")),
                (Ok(_), None) => return Err(format!("{case}: exported an unreadable file")),
                (Err(_), None) => break, // "none of the files could be read"
            };
            if format == ExportFormat::Json {
                serde_json::from_str::<Value>(&text)
                    .map_err(|e| format!("{case}: the JSON export is not JSON: {e}"))?;
            }
        }
        if depth == Depth::Commands {
            return Ok(());
        }

        let out = root.join("out");
        self.timed("page", || {
            let _ = std::fs::remove_dir_all(&out);
            std::fs::create_dir_all(&out).unwrap();
            report::compare(&files, &out.join("compare.html"))
                .map(drop)
                .map_err(|e| format!("{case}: compare: {e:#}"))
        })?;
        if depth == Depth::Report {
            self.timed("report", || {
                std::fs::copy(&self.other, runs.join("other.json")).unwrap();
                let outcome = report::write_report(&runs, &out)
                    .map_err(|e| format!("{case}: report: {e:#}"))?;
                let named = outcome.warnings.iter().any(|w| w.contains("case.json"));
                if loaded.is_none() && !named {
                    return Err(format!(
                        "{case}: the report does not say case.json was skipped"
                    ));
                }
                Ok(())
            })?;
        }
        self.timed("escaping", || pages_in(&out).check_escaped(case))
    }
}

fn fixture(relative: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(relative);
    serde_json::from_slice(&std::fs::read(&path).unwrap())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Case `n`'s generator (its own seed, so any case can be run alone), the
/// file it starts from (a slice, or one case in [`WHOLE_FILE_EVERY`] a
/// whole file) and whether it is whole.
fn case_start(n: usize, bases: &[Base]) -> (Rng, Value, bool) {
    let mut rng = Rng::new(n as u64);
    let whole = n.is_multiple_of(WHOLE_FILE_EVERY);
    let base = rng.pick(bases);
    let file = match whole {
        true => base.whole.clone(),
        false => base.slice(&mut rng),
    };
    (rng, file, whole)
}

/// The bytes of case `n`, and whether it is a whole file.
fn case_bytes(n: usize, bases: &[Base], hostile: &[String]) -> (Vec<u8>, bool) {
    let (mut rng, mut file, whole) = case_start(n, bases);
    let hostile = match whole {
        true => &hostile[..hostile.len() - LONG_HOSTILE],
        false => hostile,
    };
    for _ in 0..=rng.below(4) {
        mutate(&mut file, &mut rng, hostile);
    }
    let mut bytes = serde_json::to_vec(&file).unwrap();
    if rng.chance(4) {
        for _ in 0..=rng.below(3) {
            corrupt(&mut bytes, &mut rng);
        }
    }
    (bytes, whole)
}

fn env_number(name: &str, default: usize) -> usize {
    match std::env::var(name) {
        Ok(v) => v
            .parse()
            .unwrap_or_else(|_| panic!("{name}={v:?} is not a number")),
        Err(_) => default,
    }
}

/// Runs `body(lane)` on `lanes` threads, each reporting the case it runs
/// in its slot, and fails if a case outlives [`CASE_LIMIT`].
fn with_watchdog<T: Send + 'static>(
    lanes: usize,
    body: impl Fn(usize, &AtomicUsize) -> T + Send + Sync + 'static,
) -> Vec<T> {
    let body = Arc::new(body);
    let slots: Arc<Vec<AtomicUsize>> = Arc::new((0..lanes).map(|_| AtomicUsize::new(0)).collect());
    let workers: Vec<_> = (0..lanes)
        .map(|lane| {
            let (body, slots) = (Arc::clone(&body), Arc::clone(&slots));
            std::thread::spawn(move || body(lane, &slots[lane]))
        })
        .collect();
    let mut last: Vec<(usize, Instant)> = vec![(usize::MAX, Instant::now()); lanes];
    while !workers.iter().all(|w| w.is_finished()) {
        std::thread::sleep(Duration::from_millis(50));
        for (lane, seen) in last.iter_mut().enumerate() {
            let now = slots[lane].load(Ordering::Relaxed);
            if now != seen.0 {
                *seen = (now, Instant::now());
            } else if seen.1.elapsed() > CASE_LIMIT && !workers[lane].is_finished() {
                panic!(
                    "fuzz case {now} did not finish within {CASE_LIMIT:?}: a hang (its input is {})",
                    current_input(lane).display()
                );
            }
        }
    }
    (workers.into_iter())
        .map(|w| w.join().expect("the fuzz loop catches panics"))
        .collect()
}

/// Runs one input, turning a panic into a failure naming the case.
fn run_case(bench: &Bench, n: usize, case: &str, bytes: &[u8], depth: Depth) -> Result<(), String> {
    match catch_unwind(AssertUnwindSafe(|| bench.run(case, bytes, depth, n))) {
        Ok(result) => result,
        Err(payload) => {
            let message = payload
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            Err(format!("{case}: panicked: {message}"))
        }
    }
}

/// The input of the case running now on thread `lane`.
fn current_input(lane: usize) -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("fuzz-current-{lane}.json"))
}

/// Saves a failing input where the corpus can take it from.
fn keep_failure(n: usize, bytes: &[u8]) -> PathBuf {
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("fuzz-failure-{n}.json"));
    std::fs::write(&path, bytes).unwrap();
    path
}

/// The second machine of every case: the `compute` entries of a fixture
/// run, the baseline and `closure` on `rayon`, so the verdicts compare two machines
/// at the cost of a slice.
fn other_machine() -> Value {
    let mut other = fixture("tests/fixtures/runs/machine-b.json");
    let compute: Vec<Value> = (other["benchmarks"].as_array().unwrap().iter())
        .filter(|e| e["workload"] == "compute")
        .filter(|e| e["variant"] == "sequential" || e["variant"] == "closure")
        .filter(|e| e["backend"] == "sequential" || e["backend"] == "rayon")
        .cloned()
        .collect();
    other["benchmarks"] = Value::Array(compute);
    other
}

#[test]
fn the_corpus_of_inputs_that_found_bugs_goes_through_every_command() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fuzz");
    let bench = Bench::new(&fixture("tests/fixtures/runs/machine-b.json"));
    let mut failures = Vec::new();
    let mut inputs = 0;
    for entry in std::fs::read_dir(&corpus).unwrap().flatten() {
        let path = entry.path();
        if path.extension().is_some_and(|x| x == "json") {
            inputs += 1;
            let bytes = std::fs::read(&path).unwrap();
            let case = path.file_name().unwrap().to_string_lossy().into_owned();
            failures.extend(run_case(&bench, 0, &case, &bytes, Depth::Report).err());
        }
    }
    assert!(inputs > 0, "no corpus in {}", corpus.display());
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn ten_thousand_mutated_results_files_panic_nowhere_and_escape_every_string() {
    let cases = env_number("PARBENCH_FUZZ_CASES", DEFAULT_CASES);
    let first = env_number("PARBENCH_FUZZ_FIRST", 0);
    let bases: Vec<Base> = [
        "tests/fixtures/real/vm-default.json",
        // A quick run with two problems of one's own (schema 6).
        "tests/fixtures/real/vm-quick-own.json",
        "tests/fixtures/runs/machine-a.json",
        "tests/fixtures/runs/machine-b.json",
    ]
    .into_iter()
    .map(|path| Base::new(fixture(path)))
    .collect();
    let other = other_machine();
    // Two threads: the cases are independent, and CI machines have 2 cores.
    let lanes = 2;
    let started = Instant::now();
    // The cases are dealt one at a time, so the costly ones spread out.
    let next = AtomicUsize::new(first);
    let outcomes = with_watchdog(lanes, move |lane, current| {
        let hostile = hostile_strings();
        let bench = Bench::new(&other);
        let mut failures = Vec::new();
        loop {
            let n = next.fetch_add(1, Ordering::Relaxed);
            if n >= first + cases {
                break;
            }
            let (bytes, whole) = bench.timed("generate", || case_bytes(n, &bases, &hostile));
            // On disk before it runs, so a hang's input is kept too.
            std::fs::write(current_input(lane), &bytes).unwrap();
            current.store(n, Ordering::Relaxed);
            let depth = match (whole, n.is_multiple_of(PAGE_EVERY)) {
                (true, _) => Depth::Report,
                (false, true) => Depth::Page,
                (false, false) => Depth::Commands,
            };
            if let Err(failure) = run_case(&bench, n, &format!("case {n}"), &bytes, depth) {
                let kept = keep_failure(n, &bytes);
                failures.push(format!("{failure} (input kept as {})", kept.display()));
            }
        }
        (failures, bench.timings())
    });
    let mut failures = Vec::new();
    for (lane, (lane_failures, timings)) in outcomes.into_iter().enumerate() {
        eprintln!("fuzz thread {lane}: {timings}");
        failures.extend(lane_failures);
    }
    eprintln!(
        "fuzz: {cases} cases from {first} in {:.1} s on {lanes} threads, {} failed",
        started.elapsed().as_secs_f64(),
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {cases} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The mutator itself: it changes the file, and the same case number
/// always gives the same bytes.
#[test]
fn the_generator_is_seeded_and_mutates() {
    let bases = vec![Base::new(fixture("tests/fixtures/runs/machine-a.json"))];
    let hostile = hostile_strings();
    let mut changed = 0;
    for n in 1..50 {
        let (a, _) = case_bytes(n, &bases, &hostile);
        let (b, _) = case_bytes(n, &bases, &hostile);
        assert_eq!(a, b, "case {n} is not reproducible");
        let unmutated = serde_json::to_vec(&case_start(n, &bases).1).unwrap();
        changed += usize::from(a != unmutated);
    }
    // A mutation may hit a value with an equal one (0 for 0): rarely.
    assert!(changed >= 45, "only {changed} of 49 cases changed the file");
    // Every node can be drawn, each by one number.
    let value = json!({"a": [1, {"b": 2}], "c": {"d": [3]}, "e": 4});
    let drawn: Vec<String> = (0..count(&value))
        .map(|n| format!("{:?}", nth_path(&value, n)))
        .collect();
    assert_eq!(drawn.len(), 8);
    let mut distinct = drawn.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), drawn.len(), "{drawn:?}");
    let mut value = value;
    remove(&mut value, &[Step::Key("a".into()), Step::Index(0)]);
    remove(&mut value, &[Step::Key("c".into())]);
    assert_eq!(value, json!({"a": [{"b": 2}], "e": 4}));
}

/// The markup check can fail, and hostile strings do reach the pages: a
/// file whose label, CPU model and workload description are markup renders
/// with them escaped, and the same text unescaped is caught.
#[test]
fn hostile_strings_reach_the_pages_escaped_and_raw_markup_is_caught() {
    let mut file = other_machine();
    let markup = format!("<{MARKER}>\"'&");
    file["machine"]["label"] = json!(markup);
    file["machine"]["cpu_model"] = json!(markup);
    if let Some(Value::Object(workloads)) = file.get_mut("workloads") {
        for info in workloads.values_mut() {
            info["about"] = json!(markup);
        }
    }
    let bench = Bench::new(&other_machine());
    let bytes = serde_json::to_vec(&file).unwrap();
    bench.run("markup", &bytes, Depth::Page, 0).unwrap();
    let pages = pages_in(&bench.dir.path().join("out"));
    let escaped = format!("&lt;{MARKER}&gt;");
    assert!(
        pages.0.iter().any(|(_, text)| text.contains(&escaped)),
        "the label never reached a page"
    );
    let raw = Pages(vec![(
        PathBuf::from("x.html"),
        format!("<p><{MARKER}></p>"),
    )]);
    let err = raw.check_escaped("raw").unwrap_err();
    assert!(err.contains("x.html"), "{err}");
}
