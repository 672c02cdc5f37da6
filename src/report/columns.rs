//! The one table of columns: every figure of a benchmark record that any
//! table shows, with its name, its unit, how it is written and which views
//! show it. The HTML tables, `summary.md` and every export format (markdown,
//! CSV, JSON) render rows through this list, so a new measurement is one
//! field in the record plus one entry here (hyperfine's single exported
//! result type is the model).

use serde::ser::{Serialize, SerializeMap, Serializer};

use super::format::{
    MISSING, bytes, duration_ns, items_per_s, or_missing, percent, span_s, speedup_with_interval,
    time_with_ci, times,
};
use crate::results::{Benchmark, TimeEstimator};

/// Where a column appears.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum View {
    /// The page's tables of entries.
    Html,
    /// The best-thread-count tables of `summary.md`.
    Summary,
    /// `parbench export` (markdown, CSV, JSON).
    Export,
    /// The page's side-by-side table of threads, worker processes and
    /// Python's pool (`processes::views`).
    Processes,
}

/// When a page or summary table shows a column (exports show all of theirs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shown {
    Always,
    /// On the workload that measures pure overhead, when the baseline exists.
    WithOverhead,
    /// When the entries carry memory figures.
    WithMemory,
    /// When the entries were timed by criterion (the built-in sweep).
    WithCriterion,
    /// When they were timed by the paired rounds alone (a problem of the
    /// user's own, [`TimeEstimator::PairedRounds`]).
    WithoutCriterion,
}

/// What a table's entries carry: which of the columns shown only
/// [`Shown::WithOverhead`], [`Shown::WithMemory`] or by how they were timed
/// a page or summary table shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct With {
    pub overhead: bool,
    pub memory: bool,
    pub criterion: bool,
}

impl With {
    /// Every column of a view (what the exports show).
    pub const ALL: With = With {
        overhead: true,
        memory: true,
        criterion: true,
    };
}

/// Was any of `rows` timed by criterion? Else they were timed by the
/// paired rounds alone (a problem of the user's own, a `quick` run), and no figure of
/// criterion's stands beside them.
pub fn criterion_timed(rows: &[&Benchmark]) -> bool {
    rows.iter()
        .any(|b| b.time_estimator != Some(TimeEstimator::PairedRounds))
}

/// One entry, with the machine it was measured on.
pub struct Cells<'a> {
    pub machine: &'a str,
    pub entry: &'a Benchmark,
}

/// A value as data: CSV fields and JSON values.
#[derive(Clone, Debug, PartialEq)]
pub enum Raw {
    Text(String),
    Count(u64),
    Number(f64),
    Missing,
}

impl Raw {
    /// The CSV field: empty when missing.
    pub fn field(&self) -> String {
        match self {
            Raw::Text(text) => text.clone(),
            Raw::Count(n) => n.to_string(),
            Raw::Number(x) => format!("{x:?}"),
            Raw::Missing => String::new(),
        }
    }
}

impl Serialize for Raw {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Raw::Text(text) => s.serialize_str(text),
            Raw::Count(n) => s.serialize_u64(*n),
            Raw::Number(x) => s.serialize_f64(*x),
            Raw::Missing => s.serialize_none(),
        }
    }
}

pub struct Column {
    /// The machine name: CSV header, JSON key and markdown export header
    /// (units in the name).
    pub name: &'static str,
    /// The header people read on the page and in `summary.md`.
    pub title: &'static str,
    /// Right-aligned, tabular figures.
    pub numeric: bool,
    pub shown: Shown,
    pub views: &'static [View],
    /// The value as data.
    pub raw: fn(&Cells) -> Raw,
    /// The value as people read it.
    pub human: fn(&Cells) -> String,
}

impl Column {
    pub fn in_view(&self, view: View) -> bool {
        self.views.contains(&view)
            || (view == View::Processes && WITH_PROCESSES.contains(&self.name))
    }
}

/// Marks of a speedup on the page and in `summary.md`, explained under
/// every table.
pub const BEYOND_CEILING_MARK: &str = "▲";
pub const DISAGREE_MARK: &str = "≠";
/// The paired sampler's time cap stopped this entry before its interval
/// reached the target half-width ([`crate::paired::TARGET_HALF_WIDTH`]).
/// A dagger, which every common font has: an hourglass (⧖, U+29D6) showed
/// as an empty box in Chromium on a Debian machine whose fonts lack it.
pub const CAPPED_MARK: &str = "†";
/// The paired speedup's rounds fell into two groups far apart
/// ([`crate::paired::two_modes`]): its interval spans both values, and
/// the trust finding lists them.
pub const TWO_MODES_MARK: &str = "‡";

/// `1.96x (1.93-2.00)` (`range` before bounds from fewer than 8 rounds),
/// marked ▲ above the machine's ceiling, ≠ where criterion's ratio
/// disagrees with the paired one, † where the time cap, not the target,
/// stopped the pairing and ‡ where its rounds fell into two groups. The
/// column is headed paired: an unpaired speedup
/// (older files) is missing here, and shown as criterion's ratio.
fn speedup_with_marks(c: &Cells) -> String {
    let e = c.entry;
    let mut text = match e.paired_speedup() {
        Some(s) => speedup_with_interval(&s, e.paired_rounds),
        None => MISSING.to_string(),
    };
    if e.beyond_ceiling.is_some() {
        text.push(' ');
        text.push_str(BEYOND_CEILING_MARK);
    }
    if e.instruments_disagree {
        text.push(' ');
        text.push_str(DISAGREE_MARK);
    }
    if e.paired_target_reached == Some(false) {
        text.push(' ');
        text.push_str(CAPPED_MARK);
    }
    if e.speedup_modes.is_some() {
        text.push(' ');
        text.push_str(TWO_MODES_MARK);
    }
    text
}

/// The moments of the run an entry's paired figures were sampled at: its
/// visits where it has several, else 1 for a paired entry.
fn visits(b: &Benchmark) -> Option<u64> {
    match &b.paired_visits {
        Some(v) => Some(v.speedups.len() as u64),
        None => b.paired_rounds.map(|_| 1),
    }
}

fn opt_count(value: Option<u64>) -> Raw {
    value.map_or(Raw::Missing, Raw::Count)
}

fn opt_number(value: Option<f64>) -> Raw {
    value.map_or(Raw::Missing, Raw::Number)
}

const ALL: &[View] = &[View::Html, View::Summary, View::Export];
const TABLES: &[View] = &[View::Html, View::Summary];
const EXPORT: &[View] = &[View::Export];
const PROCESSES: &[View] = &[View::Processes];
const PROCESSES_AND_EXPORT: &[View] = &[View::Processes, View::Export];
/// Columns of the other views that the side-by-side table also shows.
const WITH_PROCESSES: &[&str] = &[
    "variant",
    "backend",
    "threads",
    "time_ns",
    "speedup",
    "state_copies",
];

/// Every column, in the order every view shows them.
pub static COLUMNS: &[Column] = &[
    Column {
        name: "machine",
        title: "machine",
        numeric: false,
        shown: Shown::Always,
        views: EXPORT,
        raw: |c| Raw::Text(c.machine.to_string()),
        human: |c| c.machine.to_string(),
    },
    Column {
        name: "workload",
        title: "workload",
        numeric: false,
        shown: Shown::Always,
        views: EXPORT,
        raw: |c| Raw::Text(c.entry.key.workload.clone()),
        human: |c| c.entry.key.workload.clone(),
    },
    Column {
        name: "variant",
        title: "variant",
        numeric: false,
        shown: Shown::Always,
        views: ALL,
        raw: |c| Raw::Text(c.entry.key.variant.clone()),
        human: |c| c.entry.key.variant.clone(),
    },
    Column {
        name: "backend",
        title: "backend",
        numeric: false,
        shown: Shown::Always,
        views: ALL,
        raw: |c| Raw::Text(c.entry.key.backend.clone()),
        human: |c| c.entry.key.backend.clone(),
    },
    Column {
        name: "threads",
        title: "threads",
        numeric: true,
        shown: Shown::Always,
        views: ALL,
        raw: |c| Raw::Count(c.entry.key.threads),
        human: |c| c.entry.key.threads.to_string(),
    },
    Column {
        name: "regime",
        title: "regime",
        numeric: false,
        shown: Shown::Always,
        views: EXPORT,
        raw: |c| Raw::Text(c.entry.key.regime.id().to_string()),
        human: |c| c.entry.key.regime.id().to_string(),
    },
    // The same figure under two headings: a table shows the one that names
    // its estimator truly (criterion's, or the paired rounds' median for a
    // problem of one's own), never both.
    Column {
        name: "time_ns",
        title: "time per call (criterion, 95% CI)",
        numeric: true,
        shown: Shown::WithCriterion,
        views: TABLES,
        raw: |c| Raw::Number(c.entry.time_ns.estimate),
        human: |c| time_with_ci(&c.entry.time_ns),
    },
    Column {
        name: "time_ns_paired_rounds",
        title: "time per call (median of paired rounds)",
        numeric: true,
        shown: Shown::WithoutCriterion,
        views: TABLES,
        raw: |c| Raw::Number(c.entry.time_ns.estimate),
        human: |c| time_with_ci(&c.entry.time_ns),
    },
    Column {
        name: "time_ns_estimate",
        title: "time per call",
        numeric: true,
        shown: Shown::Always,
        views: EXPORT,
        raw: |c| Raw::Number(c.entry.time_ns.estimate),
        human: |c| duration_ns(c.entry.time_ns.estimate),
    },
    Column {
        name: "time_ns_lower",
        title: "lower 95% bound",
        numeric: true,
        shown: Shown::Always,
        views: EXPORT,
        raw: |c| Raw::Number(c.entry.time_ns.lower),
        human: |c| duration_ns(c.entry.time_ns.lower),
    },
    Column {
        name: "time_ns_upper",
        title: "upper 95% bound",
        numeric: true,
        shown: Shown::Always,
        views: EXPORT,
        raw: |c| Raw::Number(c.entry.time_ns.upper),
        human: |c| duration_ns(c.entry.time_ns.upper),
    },
    Column {
        name: "time_estimator",
        title: "time estimator",
        numeric: false,
        shown: Shown::Always,
        views: EXPORT,
        raw: |c| {
            c.entry.time_estimator.map_or(Raw::Missing, |e| {
                Raw::Text(serde_json::to_value(e).map_or_else(
                    |_| String::new(),
                    |v| v.as_str().unwrap_or_default().to_string(),
                ))
            })
        },
        human: |c| c.entry.time_estimator.map_or("", |e| e.label()).to_string(),
    },
    Column {
        name: "items_per_s",
        title: "items/s",
        numeric: true,
        shown: Shown::Always,
        views: &[View::Html, View::Export],
        raw: |c| Raw::Number(c.entry.items_per_s),
        human: |c| items_per_s(c.entry.items_per_s),
    },
    Column {
        name: "speedup",
        title: "speedup, paired (95% interval)",
        numeric: true,
        shown: Shown::Always,
        views: ALL,
        // Paired only, as headed: an older file's unpaired ratio is in
        // `criterion_speedup`.
        raw: |c| opt_number(c.entry.paired_speedup().map(|s| s.estimate)),
        human: speedup_with_marks,
    },
    Column {
        name: "speedup_lower",
        title: "speedup, lower 95% bound",
        numeric: true,
        shown: Shown::Always,
        views: EXPORT,
        raw: |c| opt_number(c.entry.paired_speedup().map(|s| s.lower)),
        human: |c| or_missing(c.entry.paired_speedup().map(|s| s.lower), times),
    },
    Column {
        name: "speedup_upper",
        title: "speedup, upper 95% bound",
        numeric: true,
        shown: Shown::Always,
        views: EXPORT,
        raw: |c| opt_number(c.entry.paired_speedup().map(|s| s.upper)),
        human: |c| or_missing(c.entry.paired_speedup().map(|s| s.upper), times),
    },
    Column {
        name: "paired_rounds",
        title: "paired rounds",
        numeric: true,
        shown: Shown::Always,
        views: EXPORT,
        raw: |c| opt_count(c.entry.paired_rounds),
        human: |c| or_missing(c.entry.paired_rounds, |n| n.to_string()),
    },
    Column {
        name: "paired_target_reached",
        title: "interval within its target, comparisons decided",
        numeric: false,
        shown: Shown::Always,
        views: EXPORT,
        raw: |c| {
            c.entry
                .paired_target_reached
                .map_or(Raw::Missing, |r| Raw::Text(r.to_string()))
        },
        human: |c| match c.entry.paired_target_reached {
            Some(true) => "yes".to_string(),
            Some(false) => format!("no: the time cap came first {CAPPED_MARK}"),
            None => String::new(),
        },
    },
    Column {
        name: "paired_visits",
        title: "visits (moments of the run sampled)",
        numeric: true,
        shown: Shown::Always,
        views: EXPORT,
        raw: |c| opt_count(visits(c.entry)),
        human: |c| or_missing(visits(c.entry), |n| n.to_string()),
    },
    Column {
        name: "sampled_over_s",
        title: "sampled over (first visit to last)",
        numeric: true,
        shown: Shown::Always,
        views: EXPORT,
        raw: |c| opt_number(c.entry.paired_visits.as_ref().map(|v| v.span_s)),
        human: |c| or_missing(c.entry.paired_visits.as_ref().map(|v| v.span_s), span_s),
    },
    Column {
        name: "visit_spread",
        title: "speedup spread between visits",
        numeric: true,
        shown: Shown::Always,
        views: EXPORT,
        raw: |c| opt_number(c.entry.paired_visits.as_ref().map(|v| v.spread())),
        human: |c| or_missing(c.entry.paired_visits.as_ref().map(|v| v.spread()), percent),
    },
    Column {
        name: "criterion_speedup",
        title: "criterion's ratio (unpaired)",
        numeric: true,
        shown: Shown::WithCriterion,
        views: ALL,
        raw: |c| opt_number(c.entry.criterion_speedup),
        human: |c| or_missing(c.entry.criterion_speedup, times),
    },
    Column {
        name: "instruments_disagree",
        title: "instruments disagree",
        numeric: false,
        shown: Shown::Always,
        views: EXPORT,
        raw: |c| Raw::Text(c.entry.instruments_disagree.to_string()),
        human: |c| {
            if c.entry.instruments_disagree {
                "yes"
            } else {
                ""
            }
            .to_string()
        },
    },
    Column {
        name: "beyond_ceiling",
        title: "beyond the ceiling",
        numeric: false,
        shown: Shown::Always,
        views: EXPORT,
        raw: |c| {
            c.entry.beyond_ceiling.as_ref().map_or(Raw::Missing, |b| {
                Raw::Text(serde_json::to_value(b.cause).map_or_else(
                    |_| String::new(),
                    |v| v.as_str().unwrap_or_default().to_string(),
                ))
            })
        },
        human: |c| {
            c.entry
                .beyond_ceiling
                .as_ref()
                .map_or_else(String::new, |b| b.explanation.clone())
        },
    },
    Column {
        name: "efficiency",
        title: "efficiency",
        numeric: true,
        shown: Shown::Always,
        views: ALL,
        raw: |c| opt_number(c.entry.efficiency),
        human: |c| or_missing(c.entry.efficiency, percent),
    },
    Column {
        name: "cpu_time_ns",
        title: "CPU time per call",
        numeric: true,
        shown: Shown::Always,
        views: EXPORT,
        raw: |c| opt_number(c.entry.cpu_time_ns),
        human: |c| or_missing(c.entry.cpu_time_ns, duration_ns),
    },
    Column {
        name: "cores_busy",
        title: "cores busy",
        numeric: true,
        shown: Shown::Always,
        views: ALL,
        raw: |c| opt_number(c.entry.cores_busy),
        human: |c| or_missing(c.entry.cores_busy, |x| format!("{x:.2}")),
    },
    Column {
        name: "caller_work_ns",
        title: "caller work before each call",
        numeric: true,
        shown: Shown::Always,
        views: EXPORT,
        raw: |c| opt_number(c.entry.caller_work_ns),
        human: |c| or_missing(c.entry.caller_work_ns, duration_ns),
    },
    Column {
        name: "p50_ns",
        title: "median call",
        numeric: true,
        shown: Shown::Always,
        views: EXPORT,
        raw: |c| opt_number(c.entry.p50_ns),
        human: |c| or_missing(c.entry.p50_ns, duration_ns),
    },
    Column {
        name: "p90_ns",
        title: "p90 call",
        numeric: true,
        shown: Shown::Always,
        views: EXPORT,
        raw: |c| opt_number(c.entry.p90_ns),
        human: |c| or_missing(c.entry.p90_ns, duration_ns),
    },
    Column {
        name: "slow_call_share",
        title: "slow calls",
        numeric: true,
        shown: Shown::Always,
        views: EXPORT,
        raw: |c| opt_number(c.entry.slow_call_share),
        human: |c| or_missing(c.entry.slow_call_share, percent),
    },
    Column {
        name: "overhead_ns",
        title: "overhead (µs)",
        numeric: true,
        shown: Shown::WithOverhead,
        views: TABLES,
        raw: |c| opt_number(c.entry.overhead_ns),
        human: |c| or_missing(c.entry.overhead_ns, |ns| format!("{:.2}", ns / 1e3)),
    },
    Column {
        name: "harness_overhead",
        title: "harness overhead",
        numeric: true,
        shown: Shown::WithOverhead,
        views: &[View::Html, View::Export],
        raw: |c| opt_number(c.entry.harness_overhead.map(|h| h.estimate)),
        // Derived only from 6 or more rounds (`ResultsFile::derive`): a 95% interval.
        human: |c| {
            or_missing(c.entry.harness_overhead, |h| {
                speedup_with_interval(&h, Some(crate::paired::MIN_VALUES_FOR_INTERVAL))
            })
        },
    },
    Column {
        name: "harness_overhead_lower",
        title: "harness overhead, lower bound",
        numeric: true,
        shown: Shown::Always,
        views: EXPORT,
        raw: |c| opt_number(c.entry.harness_overhead.map(|h| h.lower)),
        human: |c| or_missing(c.entry.harness_overhead.map(|h| h.lower), times),
    },
    Column {
        name: "harness_overhead_upper",
        title: "harness overhead, upper bound",
        numeric: true,
        shown: Shown::Always,
        views: EXPORT,
        raw: |c| opt_number(c.entry.harness_overhead.map(|h| h.upper)),
        human: |c| or_missing(c.entry.harness_overhead.map(|h| h.upper), times),
    },
    Column {
        name: "state_copies",
        title: "state copies",
        numeric: true,
        shown: Shown::WithMemory,
        views: ALL,
        raw: |c| opt_count(c.entry.memory.state_copies),
        human: |c| or_missing(c.entry.memory.state_copies, |n| n.to_string()),
    },
    Column {
        name: "bytes_allocated",
        title: "allocated",
        numeric: true,
        shown: Shown::WithMemory,
        views: ALL,
        raw: |c| opt_count(c.entry.memory.bytes_allocated),
        human: |c| or_missing(c.entry.memory.bytes_allocated, bytes),
    },
    Column {
        name: "peak_live_bytes",
        title: "peak live",
        numeric: true,
        shown: Shown::WithMemory,
        views: ALL,
        raw: |c| opt_count(c.entry.memory.peak_live_bytes),
        human: |c| or_missing(c.entry.memory.peak_live_bytes, bytes),
    },
    // Worker processes (backend `process`, and Python's `python_pool`).
    Column {
        name: "items",
        title: "items",
        numeric: true,
        shown: Shown::Always,
        views: PROCESSES,
        raw: |c| Raw::Count(c.entry.items),
        human: |c| c.entry.items.to_string(),
    },
    Column {
        name: "ipc_bytes",
        title: "shipped per call",
        numeric: true,
        shown: Shown::WithMemory,
        views: PROCESSES_AND_EXPORT,
        raw: |c| opt_count(c.entry.memory.ipc_bytes),
        human: |c| or_missing(c.entry.memory.ipc_bytes, bytes),
    },
    Column {
        name: "worker_peak_rss_bytes",
        title: "worker peak RSS (largest)",
        numeric: true,
        shown: Shown::WithMemory,
        views: PROCESSES_AND_EXPORT,
        raw: |c| opt_count(c.entry.memory.worker_peak_rss_bytes),
        human: |c| or_missing(c.entry.memory.worker_peak_rss_bytes, bytes),
    },
    Column {
        name: "worker_peak_rss_sum_bytes",
        title: "worker peak RSS (sum)",
        numeric: true,
        shown: Shown::WithMemory,
        views: PROCESSES_AND_EXPORT,
        raw: |c| opt_count(c.entry.memory.worker_peak_rss_sum_bytes),
        human: |c| or_missing(c.entry.memory.worker_peak_rss_sum_bytes, bytes),
    },
];

/// The columns of `view`; for the page and the summary, only those whose
/// data the table has.
pub fn columns(view: View, with: With) -> Vec<&'static Column> {
    let export = view == View::Export;
    COLUMNS
        .iter()
        .filter(|c| c.in_view(view))
        .filter(|c| match c.shown {
            Shown::Always => true,
            Shown::WithOverhead => with.overhead || export,
            Shown::WithMemory => with.memory || export,
            Shown::WithCriterion => with.criterion || export,
            Shown::WithoutCriterion => !with.criterion,
        })
        .collect()
}

/// One exported row as a JSON object, keys in column order.
pub struct RawRow(pub Vec<(&'static str, Raw)>);

impl Serialize for RawRow {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (name, value) in &self.0 {
            map.serialize_entry(name, value)?;
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_every_column_is_somewhere() {
        let mut names: Vec<&str> = COLUMNS.iter().map(|c| c.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), COLUMNS.len());
        assert!(COLUMNS.iter().all(|c| !c.views.is_empty()));
    }

    #[test]
    fn tables_show_memory_and_overhead_only_with_their_data() {
        let criterion_only = With {
            overhead: false,
            memory: false,
            criterion: true,
        };
        let plain = columns(View::Html, criterion_only);
        assert!(
            plain
                .iter()
                .all(|c| matches!(c.shown, Shown::Always | Shown::WithCriterion))
        );
        let full = columns(View::Html, With::ALL);
        assert!(full.iter().any(|c| c.name == "overhead_ns"));
        assert!(full.iter().any(|c| c.name == "state_copies"));
        assert!(
            columns(View::Export, criterion_only)
                .iter()
                .any(|c| c.name == "bytes_allocated")
        );
    }

    #[test]
    fn entries_timed_by_the_paired_rounds_show_no_figure_of_criterions() {
        let own = With {
            criterion: false,
            ..With::ALL
        };
        for view in [View::Html, View::Summary] {
            let names: Vec<&str> = columns(view, own).iter().map(|c| c.name).collect();
            assert!(names.contains(&"time_ns_paired_rounds"), "{view:?}");
            assert!(!names.contains(&"time_ns"), "{view:?}");
            assert!(!names.contains(&"criterion_speedup"), "{view:?}");
            let built_in: Vec<&str> = columns(view, With::ALL).iter().map(|c| c.name).collect();
            assert!(!built_in.contains(&"time_ns_paired_rounds"), "{view:?}");
            assert!(built_in.contains(&"criterion_speedup"), "{view:?}");
        }
        // An export shows every column of its view whatever its entries.
        assert_eq!(
            columns(View::Export, own).len(),
            columns(View::Export, With::ALL).len()
        );
    }
}
