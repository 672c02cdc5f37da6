//! One workload on one machine: its charts, its tables of entries (the
//! best thread count and every entry, columns from the one column table),
//! its intermittent calls and, for the workload of a large constant state,
//! its memory figures. A problem of the user's own has the same section,
//! its times the paired rounds' (no column of criterion's), with its own
//! run and a link to its answers.

use super::*;
use crate::paired::TARGET_HALF_WIDTH;
use crate::report::columns::{CAPPED_MARK, TWO_MODES_MARK};
use crate::report::data::models_for;

#[derive(Debug, Serialize)]
pub struct WorkloadView {
    pub anchor: String,
    pub id: String,
    pub about: Option<String>,
    pub items: String,
    pub charts: Vec<Chart>,
    pub best: Table,
    pub all: Table,
    /// What the speedup column's interval and marks mean.
    pub legend: String,
    /// Each marked speedup of the workload, with its cause.
    pub marks: Vec<String>,
    pub memory: Option<MemoryView>,
    /// Whether the steady regime was measured (charts and tables above).
    pub steady: bool,
    pub intermittent: Option<IntermittentView>,
    /// The scaling-model table.
    pub model: Option<scaling::ModelView>,
    /// A problem of the user's own: its run and its answers.
    pub own: Option<OwnSection>,
}

/// What a problem of the user's own adds to its section: whose run measured
/// it, what that run did not measure, and where its answers are.
#[derive(Debug, Serialize)]
pub struct OwnSection {
    /// The anchor of its group of answers ([`own_answers_anchor`]).
    pub answers: String,
    pub run: String,
    /// What the built-in workloads have and this one does not.
    pub absent: String,
}

/// The workload used intermittently: each call after the caller's own work.
#[derive(Debug, Serialize)]
pub struct IntermittentView {
    pub chart: Chart,
    pub rows: Vec<IntermittentRow>,
}

#[derive(Debug, Serialize)]
pub struct IntermittentRow {
    pub variant: String,
    pub backend: String,
    pub threads: u64,
    pub caller_work: String,
    /// The paired speedup back to back (the steady entry), if measured.
    pub steady_speedup: String,
    /// The paired speedup of calls made after the caller's work.
    pub speedup: String,
    pub p50: String,
    pub p90: String,
    pub slow_share: String,
}

#[derive(Debug, Serialize)]
pub struct MemoryView {
    pub charts: Vec<Chart>,
    pub threads: Vec<u64>,
    pub rows: Vec<MemoryRow>,
}

#[derive(Debug, Serialize)]
pub struct MemoryRow {
    pub variant: String,
    pub backend: String,
    /// One per thread count, missing where that count was not measured.
    pub cells: Vec<Option<MemoryCell>>,
}

#[derive(Debug, Serialize)]
pub struct MemoryCell {
    pub copies: String,
    pub allocated: String,
    pub peak_live: String,
}

pub(super) fn workload_view(anchor: &str, run: &Run, workload: &str) -> Result<WorkloadView> {
    let rows = run.rows(workload);
    let sequential = baseline_of(&rows);
    let purpose = purpose_of(Some(&run.file), workload);
    let (backends, _) = backends_and_threads(&rows);
    let variants = variants_of(&rows);
    let families: BTreeMap<&str, Family> = rows
        .iter()
        .map(|b| (b.key.variant.as_str(), b.family))
        .collect();
    let style = |v: &str| {
        variant_style(
            v,
            families.get(v).copied().unwrap_or(Family::Other),
            &variants,
        )
    };
    let parallel: Vec<&Benchmark> = rows
        .iter()
        .copied()
        .filter(|b| b.role != Role::Baseline)
        .collect();
    let charts = [
        (
            "speedup",
            "Paired speedup over the sequential loop against threads; whiskers are its 95% interval. With the \
             ideal (speedup = threads) and this machine's measured ceiling (a pure-ALU spin loop); a cross \
             marks a speedup more than 3% above the ceiling, listed with what was measured of it. In each \
             variant's colour without markers: the fitted scaling model (see the Scaling model table): \
             Amdahl's fit over the measured thread counts, or where the USL could be fitted, its curve \
             dashed out to a prediction at 2x and 4x the logical cores (labelled prediction, with its 95% \
             interval): an extrapolation, not a measurement.",
            speedup_chart(
                workload,
                &parallel,
                &backends,
                &run.file.run.ceiling,
                &style,
                &models_for(&run.file, workload),
            )?,
        ),
        (
            "cores-busy",
            "Cores kept busy (process CPU time over wall time, over the paired calls) against threads. Where \
             a variant keeps more cores busy than its speedup, the difference spins without progress.",
            cores_busy_chart(workload, &parallel, &backends, &style)?,
        ),
        (
            "best-chart",
            "Every variant on every backend at its best thread count, sequential loop included (log scale); \
             whiskers are 95% confidence intervals.",
            best_chart(workload, &rows)?,
        ),
    ];
    let charts = charts
        .into_iter()
        .map(|(kind, caption, svg)| Chart {
            anchor: format!("{anchor}-{kind}"),
            caption: caption.to_string(),
            svg,
        })
        .collect();
    let with = With {
        overhead: purpose == Purpose::Overhead && sequential.is_some(),
        memory: rows
            .iter()
            .any(|b| b.memory.state_copies.is_some() || b.memory.bytes_allocated.is_some()),
        criterion: criterion_timed(&rows),
    };
    let table = |rows: Vec<&Benchmark>| table(run.label(), &rows, with);
    let memory = if purpose == Purpose::StateSize && with.memory {
        Some(memory_view(anchor, workload, &rows, &backends, &style)?)
    } else {
        None
    };
    Ok(WorkloadView {
        anchor: anchor.to_string(),
        id: workload.to_string(),
        about: run.file.workloads.get(workload).map(|w| w.about.clone()),
        items: rows.first().map(|b| count(b.items)).unwrap_or_default(),
        charts,
        best: table(best_per_variant_backend(&rows)),
        all: table(rows.clone()),
        steady: !rows.is_empty(),
        intermittent: intermittent_view(anchor, run, workload)?,
        model: scaling::model_view(anchor, run, workload),
        legend: legend(with.criterion),
        marks: rows
            .iter()
            .filter_map(|b| {
                let beyond = b.beyond_ceiling.as_ref()?;
                Some(format!(
                    "{} ({}, {}): {} against a ceiling of {} {BEYOND_CEILING_MARK}: {}.",
                    b.key.variant,
                    b.key.backend,
                    threads(b.key.threads),
                    times(b.speedup.unwrap_or_default()),
                    times(beyond.ceiling),
                    beyond.explanation
                ))
            })
            .collect(),
        memory,
        own: (purpose == Purpose::Own).then(|| own_section(anchor, run, workload)),
    })
}

/// What the speedup column's interval and marks mean, and which time the
/// table shows: criterion's, or (a problem of the user's own, a `quick` run: no figure of
/// criterion's) the median of the paired rounds.
fn legend(criterion: bool) -> String {
    let (time, criterion) = match criterion {
        true => (
            "Time per call: criterion's; rows of different backends were timed at different \
             moments, so compare them by their paired speedups."
                .to_string(),
            format!(
                " Criterion's ratio (unpaired): the sequential loop's criterion time over this \
                 one's, two times taken at different moments, the second instrument beside the \
                 paired speedup. {DISAGREE_MARK}: criterion's ratio of times differs from the \
                 paired speedup by more than {}.",
                percent(INSTRUMENTS_AGREE_WITHIN)
            ),
        ),
        false => (
            "Time per call: the median of the paired rounds' time per call, with its 95% \
             interval (the range where fewer than 8 rounds); rows of different backends were \
             paired in different groups, so compare them by their paired speedups."
                .to_string(),
            String::new(),
        ),
    };
    format!(
        "{time} Speedup: paired with the sequential loop in alternating rounds, its 95% interval \
         in brackets (the range where fewer than 8 rounds; missing for entries from before paired \
         sampling).{criterion} {BEYOND_CEILING_MARK}: more than {} above the machine's ceiling. \
         {CAPPED_MARK}: the time cap stopped the pairing before its figures settled (the \
         speedup's interval within its target half-width of {}, its comparisons decided where the \
         answers read them, within the target elsewhere). {TWO_MODES_MARK}: its rounds fell into two groups far apart, and the \
         interval spans both (the trust finding lists their values). At 1 thread, the backend's \
         thread ran on the caller's CPU, held there with it (Linux; not worker processes). Cores \
         busy: process CPU time over wall time in the paired calls.",
        percent(CEILING_MARGIN),
        percent(TARGET_HALF_WIDTH)
    )
}

/// The own run of a problem of the user's, and what it does not measure.
fn own_section(anchor: &str, run: &Run, workload: &str) -> OwnSection {
    let own_run = run
        .file
        .workloads
        .get(workload)
        .and_then(|w| w.own_run.as_ref());
    OwnSection {
        answers: own_answers_anchor(anchor),
        run: match own_run {
            Some(own) => format!(
                "Your problem, measured by a run of its own started {} (profile {}, threads {}) \
                 beside this file's run, whose ceiling and calibration are the machine's.",
                own.started_at,
                own.profile,
                own.threads
                    .iter()
                    .map(u64::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            None => "Your problem (the file does not say which run measured it).".to_string(),
        },
        absent: "Its run times steady calls only, each variant paired with the problem's own \
                 sequential loop: it has no criterion times, no intermittent calls, no Python \
                 rows, no break-even cells and no harness overhead."
            .to_string(),
    }
}

/// The table of `rows` with the page's and the summary's columns, the
/// fastest entry marked.
pub(super) fn table(machine: &str, rows: &[&Benchmark], with: With) -> Table {
    let on_page = columns(View::Html, with);
    let in_summary = columns(View::Summary, with);
    // Columns are told apart by their (unique) names.
    let listed = |list: &[&Column], c: &Column| list.iter().any(|s| s.name == c.name);
    let shown: Vec<&Column> = crate::report::columns::COLUMNS
        .iter()
        .filter(|c| listed(&on_page, c) || listed(&in_summary, c))
        .collect();
    let quickest = fastest(rows.iter().copied()).map(|b| b.key.clone());
    Table::new(
        shown
            .iter()
            .map(|c| Head {
                title: c.title,
                numeric: c.numeric,
                html: listed(&on_page, c),
                summary: listed(&in_summary, c),
            })
            .collect(),
        rows.iter()
            .map(|entry| {
                let cells = Cells { machine, entry };
                Row {
                    family: entry.family.label(),
                    cells: shown.iter().map(|c| (c.human)(&cells)).collect(),
                    fastest: quickest.as_ref() == Some(&entry.key),
                }
            })
            .collect(),
    )
}

/// The intermittent entries of `workload`: a table beside the steady
/// figures, and the distribution of single calls in both regimes.
pub(super) fn intermittent_view(
    anchor: &str,
    run: &Run,
    workload: &str,
) -> Result<Option<IntermittentView>> {
    let rows = run.intermittent_rows(workload);
    if rows.is_empty() {
        return Ok(None);
    }
    let (backends, _) = backends_and_threads(&rows);
    let several_variants = variants_of(&rows).len() > 1;
    let index = Index::of_file(&run.file);
    let speedup = |b: &Benchmark| {
        b.paired_speedup().map_or_else(
            || MISSING.to_string(),
            |s| speedup_with_interval(&s, b.paired_rounds),
        )
    };
    let table = rows
        .iter()
        .map(|b| IntermittentRow {
            variant: b.key.variant.clone(),
            backend: b.key.backend.clone(),
            threads: b.key.threads,
            caller_work: or_missing(b.caller_work_ns, duration_ns),
            steady_speedup: index
                .get(
                    &b.key.workload,
                    &b.key.variant,
                    &b.key.backend,
                    b.key.threads,
                )
                .map_or_else(|| MISSING.to_string(), speedup),
            speedup: speedup(b),
            p50: or_missing(b.p50_ns, duration_ns),
            p90: or_missing(b.p90_ns, duration_ns),
            slow_share: or_missing(b.slow_call_share, percent),
        })
        .collect();
    let (steady_ink, intermittent_ink) = (Ink::Palette(0), Ink::Palette(3));
    let panels = backends
        .iter()
        .map(|backend| StripPanel {
            title: backend.clone(),
            strips: rows
                .iter()
                .filter(|b| b.key.backend == *backend)
                .flat_map(|b| {
                    let name = if several_variants {
                        format!("{} {}t", b.key.variant, b.key.threads)
                    } else {
                        format!("{}t", b.key.threads)
                    };
                    [
                        Strip {
                            label: format!("{name} s"),
                            ink: steady_ink,
                            values: b.steady_call_ns.clone(),
                        },
                        Strip {
                            label: format!("{name} i"),
                            ink: intermittent_ink,
                            values: b.call_ns.clone(),
                        },
                    ]
                })
                .collect(),
        })
        .collect();
    let svg = charts::strip_chart(&StripChart {
        title: format!("{workload}: single calls, back to back and after the caller's work"),
        y_label: "time per call".to_string(),
        y_format: duration_axis,
        panels,
        legend: vec![
            ("s: steady, back to back".to_string(), steady_ink),
            (
                "i: intermittent, after caller work".to_string(),
                intermittent_ink,
            ),
        ],
    })?;
    Ok(Some(IntermittentView {
        chart: Chart {
            anchor: format!("{anchor}-intermittent"),
            caption: format!(
                "Single calls, one dot each, and their median (bar) over every call, per thread \
                 count: back to back (s, steady), and each after the calling thread worked on its \
                 own (i, intermittent). Beyond {} calls a column shows {} of them: the fastest, \
                 the slowest and evenly spaced ranks between, so its spread is drawn whole. A \
                 slow call takes more than {}× the fastest of its regime.",
                charts::STRIP_DOTS,
                charts::STRIP_DOTS,
                crate::paired::SLOW_CALL
            ),
            svg,
        },
        rows: table,
    }))
}

pub(super) fn memory_view(
    anchor: &str,
    workload: &str,
    rows: &[&Benchmark],
    backends: &[String],
    style: &dyn Fn(&str) -> Style,
) -> Result<MemoryView> {
    let measured: Vec<&Benchmark> = rows
        .iter()
        .copied()
        .filter(|b| b.role != Role::Baseline && b.memory.bytes_allocated.is_some())
        .collect();
    let chart = |kind: &str,
                 title: &str,
                 value: fn(&Benchmark) -> Option<u64>,
                 caption: &str|
     -> Result<Chart> {
        let largest = measured.iter().filter_map(|b| value(b)).max().unwrap_or(0);
        let (unit, unit_bytes) = bytes_unit(largest);
        let point = |b: &Benchmark| {
            value(b).map(|n| Point::exact(b.key.threads as f64, n as f64 / unit_bytes))
        };
        let svg = charts::line_chart(&LineChart {
            title: format!("{workload}: {title}"),
            x_label: "threads".to_string(),
            y_label: format!("{title} ({unit})"),
            y_format: plain,
            panels: panels_by_backend(&measured, backends, style, point, |_, _| Vec::new()),
        })?;
        Ok(Chart {
            anchor: format!("{anchor}-{kind}"),
            caption: caption.to_string(),
            svg,
        })
    };
    let charts = vec![
        chart(
            "allocated",
            "bytes allocated per call",
            |b| b.memory.bytes_allocated,
            "Bytes allocated during one call, against threads: a deep copy of the constant state allocates its \
             whole table.",
        )?,
        chart(
            "peak-live",
            "peak live heap bytes",
            |b| b.memory.peak_live_bytes,
            "The peak of live heap bytes above the level before the call: how many copies existed at once.",
        )?,
    ];
    let (_, threads) = backends_and_threads(&measured);
    let mut rows = Vec::new();
    for variant in variants_of(&measured) {
        for backend in backends {
            let entries: Vec<&Benchmark> = measured
                .iter()
                .copied()
                .filter(|b| b.key.variant == variant && b.key.backend == *backend)
                .collect();
            if entries.is_empty() {
                continue;
            }
            let cells = threads
                .iter()
                .map(|t| {
                    entries
                        .iter()
                        .find(|b| b.key.threads == *t)
                        .map(|b| MemoryCell {
                            copies: or_missing(b.memory.state_copies, copies),
                            allocated: or_missing(b.memory.bytes_allocated, bytes),
                            peak_live: or_missing(b.memory.peak_live_bytes, bytes),
                        })
                })
                .collect();
            rows.push(MemoryRow {
                variant: variant.clone(),
                backend: backend.clone(),
                cells,
            });
        }
    }
    Ok(MemoryView {
        charts,
        threads,
        rows,
    })
}
