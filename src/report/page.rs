//! The page model: everything `page.html` shows, assembled from the runs.
//!
//! The template only lays out; every number is chosen, formatted and
//! charted here, as plain strings (escaped by the template engine) and
//! [`Svg`]s (the one kind of markup the template trusts). Per machine: its
//! fingerprint and ceiling, its findings, and per workload the four charts
//! (time, speedup, efficiency, best thread count), a table of the best thread
//! count of each variant on each backend and one of every entry (their
//! columns come from the one column table); the workload of a large constant
//! state (purpose `state_size`) adds its memory charts and table. Each
//! workload's scaling-model table and fitted curves, the machine's
//! break-even map and the models across machines come from `scaling`. With
//! two or more runs: the verdict, curves and heat tables of [`super::across`], and
//! the overlays and side-by-side tables across machines (the report then
//! splits the page, see [`super::across::split`]).

use std::collections::BTreeMap;

use anyhow::Result;
use rayon::prelude::*;
use serde::Serialize;

use super::across::{self, AcrossView};
use super::charts::{
    self, Bar, BarChart, Ink, LineChart, Marker, Panel, Point, Series, Strip, StripChart,
    StripPanel, Style, Svg, YAxis,
};
use super::columns::{BEYOND_CEILING_MARK, DISAGREE_MARK};
use super::columns::{Cells, Column, View, columns};
use super::data::run_caveats;
use super::data::{
    Index, Run, backend_order, backend_position, backends_and_threads, baseline_of,
    best_per_variant_backend, entry_order, fastest, purpose_of, variant_position, variants_of,
    within_noise, workload_order,
};
use super::findings::{Finding, findings};
use super::format::{
    MISSING, bytes, bytes_unit, copies, count, duration_axis, duration_ns, or_missing, percent,
    plain, speedup_with_interval, threads, time_with_ci, times,
};
use super::scaling;
use crate::backends::BACKENDS;
use crate::calibration::Calibration;
use crate::results::{Benchmark, CEILING_MARGIN, CeilingPoint, INSTRUMENTS_AGREE_WITHIN, RunInfo};
use crate::variants::{Family, Role, VARIANTS};
use crate::workload::Purpose;

#[derive(Debug, Serialize)]
pub struct Page {
    pub title: String,
    pub generated_at: String,
    /// Where the runs came from: a folder, or the files compared.
    pub source: String,
    /// A link to criterion's own report, when it exists.
    pub criterion_report: Option<String>,
    pub warnings: Vec<String>,
    pub machines: Vec<MachineView>,
    /// Present with two or more runs.
    pub comparison: Option<Vec<ComparedWorkload>>,
    /// What to know before comparing absolute times across the runs.
    pub across_caveats: Vec<String>,
    /// With two or more runs: each workload's scaling models side by side.
    pub models_across: Vec<scaling::ModelsAcross>,
    /// With two or more runs: the verdicts, normalised curves and heat
    /// tables leading the page ([`super::across`]).
    pub across: Option<AcrossView>,
    /// On a machine's own page: the entry page to go back to.
    pub index: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct MachineView {
    pub anchor: String,
    /// The label, with the file name when two runs share a label.
    pub name: String,
    pub file: String,
    pub hostname: String,
    pub cpu: String,
    pub cores: String,
    pub memory: String,
    pub os: String,
    pub rustc: String,
    pub parbench: String,
    pub started_at: String,
    pub profile: String,
    pub threads: String,
    pub criterion: String,
    pub ceiling: Vec<CeilingView>,
    /// The host's speed at the start and end of the run, in words.
    pub calibration: Vec<String>,
    /// What to know before comparing this run's absolute times.
    pub caveats: Vec<String>,
    pub findings: Vec<Finding>,
    /// One row per finding: the Answers table leading the machine's page.
    pub answers: Vec<AnswerRow>,
    /// Threads, worker processes and Python's pool side by side.
    pub processes: Vec<super::processes::ProcessesView>,
    pub workloads: Vec<WorkloadView>,
    /// The break-even map, when the run measured it.
    pub break_even: Option<scaling::BreakEvenView>,
    /// The machine's own page, when its detail lives there.
    pub page: Option<String>,
}

impl MachineView {
    /// Leaves the machine's [`summary`](Self::summary) here and returns
    /// the whole view, detail and all, for the machine's own page.
    pub fn take_detail(&mut self) -> MachineView {
        let summary = self.summary();
        std::mem::replace(self, summary)
    }

    /// The machine's facts without its findings, tables and charts: what
    /// the entry page of many machines keeps of it.
    pub fn summary(&self) -> MachineView {
        MachineView {
            anchor: self.anchor.clone(),
            name: self.name.clone(),
            file: self.file.clone(),
            hostname: self.hostname.clone(),
            cpu: self.cpu.clone(),
            cores: self.cores.clone(),
            memory: self.memory.clone(),
            os: self.os.clone(),
            rustc: self.rustc.clone(),
            parbench: self.parbench.clone(),
            started_at: self.started_at.clone(),
            profile: self.profile.clone(),
            threads: self.threads.clone(),
            criterion: self.criterion.clone(),
            ceiling: self
                .ceiling
                .iter()
                .map(|c| CeilingView {
                    threads: c.threads,
                    speedup: c.speedup.clone(),
                })
                .collect(),
            calibration: self.calibration.clone(),
            caveats: self.caveats.clone(),
            findings: Vec::new(),
            answers: Vec::new(),
            workloads: Vec::new(),
            processes: Vec::new(),
            break_even: None,
            page: self.page.clone(),
        }
    }
}

/// A row of the Answers table: the question, its short answer in words,
/// the key figure with its interval, the margin used, and where its
/// evidence is.
#[derive(Debug, Serialize)]
pub struct AnswerRow {
    pub question: &'static str,
    pub short: String,
    pub figure: String,
    pub margin: String,
    /// The anchor of the finding's evidence on the page.
    pub anchor: String,
}

impl AnswerRow {
    fn of(anchor: &str, f: &Finding) -> AnswerRow {
        AnswerRow {
            question: f.question,
            short: f.short().unwrap_or_else(|| match f.answer.strip_prefix("Not answered: ") {
                Some(_) => "not answered".to_string(),
                None => "see the evidence".to_string(),
            }),
            figure: f.figure.clone().unwrap_or_default(),
            margin: f.margin.clone().unwrap_or_default(),
            anchor: format!("{anchor}-{}", f.id),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct CeilingView {
    pub threads: u64,
    pub speedup: String,
}

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
pub struct Chart {
    pub anchor: String,
    pub caption: String,
    pub svg: Svg,
}

/// A table of entries: the columns of the column table that its view shows
/// and its data has, and one row of formatted cells per entry.
#[derive(Debug, Serialize)]
pub struct Table {
    pub columns: Vec<Head>,
    pub rows: Vec<Row>,
}

#[derive(Debug, Serialize)]
pub struct Head {
    pub title: &'static str,
    pub numeric: bool,
    /// Shown on the page.
    pub html: bool,
    /// Shown in `summary.md`.
    pub summary: bool,
}

#[derive(Debug, Serialize)]
pub struct Row {
    /// The family label the rows are grouped under.
    pub family: &'static str,
    /// One per column; the first names the entry.
    pub cells: Vec<String>,
    pub fastest: bool,
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

#[derive(Debug, Serialize)]
pub struct ComparedWorkload {
    pub anchor: String,
    pub id: String,
    pub chart: Chart,
    pub machines: Vec<String>,
    pub rows: Vec<ComparedRow>,
}

#[derive(Debug, Serialize)]
pub struct ComparedRow {
    pub variant: String,
    pub backend: String,
    pub threads: u64,
    pub cells: Vec<ComparedCell>,
}

#[derive(Debug, Serialize)]
pub struct ComparedCell {
    pub time: String,
    pub speedup: String,
    /// Time over the first machine's.
    pub vs_first: String,
    pub fastest: bool,
}

/// Builds the page over `runs`.
pub fn build(
    title: &str,
    source: String,
    runs: &[Run],
    warnings: Vec<String>,
    criterion_report: Option<String>,
) -> Result<Page> {
    let names = display_names(runs);
    // Each machine's charts are independent: drawn in parallel.
    let machines = runs
        .par_iter()
        .zip(&names)
        .enumerate()
        .map(|(i, (run, name))| machine_view(i, run, name))
        .collect::<Result<Vec<_>>>()?;
    let (comparison, across) = if runs.len() > 1 {
        (
            Some(compare_workloads(runs, &names)?),
            Some(across::view(runs, &machines)?),
        )
    } else {
        (None, None)
    };
    Ok(Page {
        title: title.to_string(),
        generated_at: chrono::Utc::now().format("%Y-%m-%d %H:%M UTC").to_string(),
        source,
        criterion_report,
        warnings,
        machines,
        across_caveats: if runs.len() > 1 {
            across_caveats(runs, &names)
        } else {
            Vec::new()
        },
        models_across: match runs.len() > 1 {
            true => scaling::models_across(runs, &names),
            false => Vec::new(),
        },
        comparison,
        across,
        index: None,
    })
}

/// Absolute times of different runs reflect each host's speed during its
/// run: the calibrations say how far apart the hosts were, and which runs
/// moved while they ran.
fn across_caveats(runs: &[Run], names: &[String]) -> Vec<String> {
    let calibrated: Vec<(&String, &Calibration)> = runs
        .iter()
        .zip(names)
        .filter_map(|(run, name)| {
            let c = run.file.run.calibration.as_ref()?;
            Some((name, &c.start))
        })
        .collect();
    let mut lines = vec![
        "Speedups are paired within each machine, so they compare across machines directly; \
         absolute times reflect each host's speed during its own run."
            .to_string(),
    ];
    if let [(first_name, first), rest @ ..] = calibrated.as_slice() {
        for (name, c) in rest {
            lines.push(match first.drift_to(c) {
                Some(change) => format!(
                    "From {first_name} to {name} the host {}: compare their absolute times with that in mind.",
                    change.describe()
                ),
                None => format!(
                    "{name}'s host is within {} of {first_name}'s (spin rate, copy bandwidth, sequential times).",
                    percent(crate::calibration::DRIFT_THRESHOLD)
                ),
            });
        }
    }
    let uncalibrated: Vec<&str> = runs
        .iter()
        .zip(names)
        .filter(|(run, _)| run.file.run.calibration.is_none())
        .map(|(_, name)| name.as_str())
        .collect();
    if !uncalibrated.is_empty() {
        lines.push(format!(
            "Not calibrated (from before calibration): {}; their hosts' speed is unknown.",
            uncalibrated.join(", ")
        ));
    }
    lines
}

/// Each run's label; when another run has the same label, with its
/// hardware (`ci-linux (EPYC 7763, 4 cores)`) if that tells them apart, else
/// with its file name.
pub(super) fn display_names(runs: &[Run]) -> Vec<String> {
    runs.iter()
        .map(|run| {
            let namesakes: Vec<&Run> = runs.iter().filter(|r| r.label() == run.label()).collect();
            let machine = &run.file.machine;
            let same_hardware = namesakes
                .iter()
                .filter(|r| r.file.machine.same_hardware(machine))
                .count();
            match (namesakes.len(), same_hardware) {
                (1, _) => run.label().to_string(),
                (_, 1) => format!("{} ({})", run.label(), machine.hardware_summary()),
                _ => format!("{} ({})", run.label(), run.file_name()),
            }
        })
        .collect()
}

/// An id for an HTML anchor: `[a-z0-9_-]` only, whatever the input.
pub(super) fn slug(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect()
}

fn machine_view(i: usize, run: &Run, name: &str) -> Result<MachineView> {
    let m = &run.file.machine;
    let r = &run.file.run;
    let anchor = format!("m{}", i + 1);
    let workloads = run
        .workloads()
        .into_iter()
        .enumerate()
        .map(|(j, workload)| {
            workload_view(
                &format!("{anchor}-{}-{}", j + 1, slug(workload)),
                run,
                workload,
            )
        })
        .collect::<Result<Vec<_>>>()?;
    let break_even = scaling::break_even_view(&anchor, run)?;
    let c = &r.criterion;
    let processes = super::processes::views(run, &anchor);
    let found = findings(&Index::of_file(&run.file));
    let answers = found.iter().map(|f| AnswerRow::of(&anchor, f)).collect();
    Ok(MachineView {
        anchor,
        name: name.to_string(),
        file: run.file_name(),
        hostname: m.hostname.clone(),
        cpu: m.cpu_model.clone(),
        cores: match m.physical_cores {
            Some(physical) => format!("{} logical, {physical} physical", m.logical_cores),
            None => format!("{} logical", m.logical_cores),
        },
        memory: bytes(m.memory_bytes),
        os: format!("{} {}", m.os, m.arch),
        rustc: m.rustc.clone(),
        parbench: match &m.git_commit {
            Some(commit) => format!("{} ({commit})", m.parbench_version),
            None => m.parbench_version.clone(),
        },
        started_at: r.started_at.clone(),
        profile: r.profile.clone(),
        threads: r
            .threads
            .iter()
            .map(u64::to_string)
            .collect::<Vec<_>>()
            .join(", "),
        criterion: format!(
            "warm-up {} ms, measurement {} ms, {} samples, {} resamples",
            c.warm_up_ms, c.measurement_ms, c.sample_size, c.nresamples
        ),
        ceiling: r
            .ceiling
            .iter()
            .map(|p| CeilingView {
                threads: p.threads,
                speedup: times(p.speedup),
            })
            .collect(),
        calibration: calibration_lines(r),
        caveats: run_caveats(&run.file),
        answers,
        findings: found,
        processes,
        workloads,
        break_even,
        page: None,
    })
}

/// `start (2026-11-26T02:05:41Z): spin loop 8.484e9 iterations/s, memory copy
/// 18.9 GiB/s; sequential loop: compute 9.57 ms, ...`: one line per end of
/// the run, and one for the previous run.
fn calibration_lines(run: &RunInfo) -> Vec<String> {
    let line = |name: &str, c: &Calibration| {
        let sequential: Vec<String> = c
            .sequential_ns
            .iter()
            .map(|(w, ns)| format!("{w} {}", duration_ns(*ns)))
            .collect();
        format!(
            "{name} ({}): spin loop {:.3e} iterations/s, memory copy {}/s; sequential loop: {}",
            c.measured_at,
            c.spin_per_s,
            bytes(c.copy_bytes_per_s as u64),
            if sequential.is_empty() {
                "not timed".to_string()
            } else {
                sequential.join(", ")
            }
        )
    };
    let mut lines = Vec::new();
    if let Some(c) = &run.calibration {
        lines.push(line("start", &c.start));
        match &c.end {
            Some(end) => lines.push(line("end", end)),
            None => lines.push("end: not reached (the run did not finish)".to_string()),
        }
    }
    if let Some(previous) = run.previous.as_ref().and_then(|p| p.calibration.as_ref()) {
        lines.push(line("previous run", previous.latest()));
    }
    lines
}

fn workload_view(anchor: &str, run: &Run, workload: &str) -> Result<WorkloadView> {
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
             marks a speedup more than 3% above the ceiling, whose likely cause the table names. In each \
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
                &scaling::models_for(&run.file, workload),
            )?,
        ),
        (
            "time",
            "Time per call against threads (log scale); whiskers are 95% confidence intervals, the dashed line \
             is the sequential loop.",
            time_chart(workload, &parallel, &backends, sequential, &style)?,
        ),
        (
            "efficiency",
            "Parallel efficiency (speedup / threads) against threads; 100% is perfect scaling.",
            efficiency_chart(workload, &parallel, &backends, &style)?,
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
    let show_overhead = purpose == Purpose::Overhead && sequential.is_some();
    let show_memory = rows
        .iter()
        .any(|b| b.memory.state_copies.is_some() || b.memory.bytes_allocated.is_some());
    let table = |rows: Vec<&Benchmark>| table(run.label(), &rows, show_overhead, show_memory);
    let memory = if purpose == Purpose::StateSize && show_memory {
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
        legend: format!(
            "Speedup: paired with the sequential loop in alternating rounds, its 95% interval in \
             brackets (none for entries from before paired sampling). {BEYOND_CEILING_MARK}: more than {} \
             above the machine's ceiling. {DISAGREE_MARK}: criterion's ratio of times differs from the \
             paired speedup by more than {}. Cores busy: process CPU time over wall time in the paired calls.",
            percent(CEILING_MARGIN),
            percent(INSTRUMENTS_AGREE_WITHIN)
        ),
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
    })
}

/// The table of `rows` with the page's and the summary's columns, the
/// fastest entry marked.
fn table(machine: &str, rows: &[&Benchmark], overhead: bool, memory: bool) -> Table {
    let on_page = columns(View::Html, overhead, memory);
    let in_summary = columns(View::Summary, overhead, memory);
    // Columns are told apart by their (unique) names.
    let listed = |list: &[&Column], c: &Column| list.iter().any(|s| s.name == c.name);
    let shown: Vec<&Column> = super::columns::COLUMNS
        .iter()
        .filter(|c| listed(&on_page, c) || listed(&in_summary, c))
        .collect();
    let quickest = fastest(rows.iter().copied()).map(|b| b.key.clone());
    Table {
        columns: shown
            .iter()
            .map(|c| Head {
                title: c.title,
                numeric: c.numeric,
                html: listed(&on_page, c),
                summary: listed(&in_summary, c),
            })
            .collect(),
        rows: rows
            .iter()
            .map(|entry| {
                let cells = Cells { machine, entry };
                Row {
                    family: entry.family.label(),
                    cells: shown.iter().map(|c| (c.human)(&cells)).collect(),
                    fastest: quickest.as_ref() == Some(&entry.key),
                }
            })
            .collect(),
    }
}

/// A variant's colour (the same in every chart) and its family's marker.
/// Variants this build does not know get the colours after the known ones.
fn variant_style(variant_id: &str, family: Family, variants: &[String]) -> Style {
    let unknown_rank = || {
        variants
            .iter()
            .filter(|v| variant_position(v).is_none())
            .position(|v| v == variant_id)
    };
    let colour = match variant_position(variant_id) {
        Some(p) => p.saturating_sub(1),
        None => VARIANTS.len() + unknown_rank().unwrap_or(0),
    };
    let marker = match family {
        Family::Passing => Marker::Circle,
        Family::Ownership => Marker::Square,
        Family::SharedMutable => Marker::Triangle,
        Family::Baseline | Family::Other => Marker::Cross,
    };
    Style {
        ink: Ink::Palette(colour),
        marker,
        dashed: false,
    }
}

/// A backend's colour in the bar chart: known backends in list order,
/// unknown ones after them.
fn backend_ink(backend: &str, backends: &[String]) -> Ink {
    match backend_position(backend) {
        Some(p) => Ink::Palette(p),
        None => {
            Ink::Palette(BACKENDS.len() + backends.iter().position(|b| b == backend).unwrap_or(0))
        }
    }
}

fn reference(label: &str, ink: Ink, points: Vec<Point>) -> Series {
    Series {
        label: label.to_string(),
        style: Style {
            ink,
            marker: Marker::None,
            dashed: true,
        },
        points,
    }
}

/// One panel per backend, one series per variant: `value` gives a point.
fn panels_by_backend(
    rows: &[&Benchmark],
    backends: &[String],
    style: &dyn Fn(&str) -> Style,
    value: impl Fn(&Benchmark) -> Option<Point>,
    extra: impl Fn(&[&Benchmark], &[u64]) -> Vec<Series>,
) -> Vec<Panel> {
    backends
        .iter()
        .map(|backend| {
            let on_backend: Vec<&Benchmark> = rows
                .iter()
                .copied()
                .filter(|b| b.key.backend == *backend)
                .collect();
            let mut threads: Vec<u64> = on_backend.iter().map(|b| b.key.threads).collect();
            threads.sort_unstable();
            threads.dedup();
            let mut series: Vec<Series> = variants_of(&on_backend)
                .into_iter()
                .map(|v| Series {
                    style: style(&v),
                    points: on_backend
                        .iter()
                        .filter(|b| b.key.variant == v)
                        .filter_map(|b| value(b))
                        .collect(),
                    label: v,
                })
                .collect();
            series.extend(extra(&on_backend, &threads));
            Panel {
                title: backend.clone(),
                series,
            }
        })
        .collect()
}

fn thread_span(threads: &[u64]) -> Vec<f64> {
    match (threads.first(), threads.last()) {
        (Some(first), Some(last)) => vec![*first as f64, *last as f64],
        _ => Vec::new(),
    }
}

fn time_chart(
    workload: &str,
    rows: &[&Benchmark],
    backends: &[String],
    sequential: Option<&Benchmark>,
    style: &dyn Fn(&str) -> Style,
) -> Result<Svg> {
    let time = |b: &Benchmark| {
        let t = &b.time_ns;
        Some(Point {
            x: b.key.threads as f64,
            y: t.estimate,
            lower: Some(t.lower),
            upper: Some(t.upper),
        })
    };
    let baseline = |_: &[&Benchmark], threads: &[u64]| match sequential {
        Some(s) => {
            let points = thread_span(threads)
                .into_iter()
                .map(|x| Point::exact(x, s.time_ns.estimate))
                .collect();
            vec![reference("sequential loop", Ink::Reference, points)]
        }
        None => Vec::new(),
    };
    charts::line_chart(&LineChart {
        title: format!("{workload}: time per call"),
        x_label: "threads".to_string(),
        y_label: "time per call".to_string(),
        y_axis: YAxis::Log,
        y_format: duration_axis,
        panels: panels_by_backend(rows, backends, style, time, baseline),
    })
}

fn speedup_chart(
    workload: &str,
    rows: &[&Benchmark],
    backends: &[String],
    ceiling: &[CeilingPoint],
    style: &dyn Fn(&str) -> Style,
    models: &[crate::model::SeriesModel],
) -> Result<Svg> {
    // Paired speedups carry their 95% interval; unpaired ones (older files) none.
    let speedup = |b: &Benchmark| {
        Some(Point {
            x: b.key.threads as f64,
            y: b.speedup?,
            lower: b.speedup_lower,
            upper: b.speedup_upper,
        })
    };
    let guides = |on_backend: &[&Benchmark], threads: &[u64]| {
        let ideal = threads
            .iter()
            .map(|t| Point::exact(*t as f64, *t as f64))
            .collect();
        let measured = ceiling
            .iter()
            .map(|p| Point::exact(p.threads as f64, p.speedup))
            .collect();
        let mut guides = vec![
            reference("ideal: speedup = threads", Ink::Reference, ideal),
            reference("machine ceiling", Ink::Ceiling, measured),
        ];
        // One series per marked point, so no line joins them; the legend
        // lists the label once.
        guides.extend(
            on_backend
                .iter()
                .filter(|b| b.beyond_ceiling.is_some())
                .filter_map(|b| speedup(b))
                .map(|p| Series {
                    label: format!("{BEYOND_CEILING_MARK} beyond the ceiling (cause in the table)"),
                    style: Style {
                        ink: Ink::Reference,
                        marker: Marker::Cross,
                        dashed: false,
                    },
                    points: vec![Point::exact(p.x, p.y)],
                }),
        );
        if let Some(first) = on_backend.first() {
            guides.extend(scaling::fitted_series(
                models,
                &first.key.backend,
                threads,
                style,
            ));
        }
        guides
    };
    charts::line_chart(&LineChart {
        title: format!("{workload}: speedup over the sequential loop"),
        x_label: "threads".to_string(),
        y_label: "speedup".to_string(),
        y_axis: YAxis::LinearFromZero,
        y_format: |y| format!("{}×", plain(y)),
        panels: panels_by_backend(rows, backends, style, speedup, guides),
    })
}

fn efficiency_chart(
    workload: &str,
    rows: &[&Benchmark],
    backends: &[String],
    style: &dyn Fn(&str) -> Style,
) -> Result<Svg> {
    let efficiency = |b: &Benchmark| b.efficiency.map(|e| Point::exact(b.key.threads as f64, e));
    let perfect = |_: &[&Benchmark], threads: &[u64]| {
        let points = thread_span(threads)
            .into_iter()
            .map(|x| Point::exact(x, 1.0))
            .collect();
        vec![reference("perfect scaling: 100%", Ink::Reference, points)]
    };
    charts::line_chart(&LineChart {
        title: format!("{workload}: parallel efficiency"),
        x_label: "threads".to_string(),
        y_label: "efficiency".to_string(),
        y_axis: YAxis::LinearFromZero,
        y_format: percent,
        panels: panels_by_backend(rows, backends, style, efficiency, perfect),
    })
}

/// The intermittent entries of `workload`: a table beside the steady
/// figures, and the distribution of single calls in both regimes.
fn intermittent_view(anchor: &str, run: &Run, workload: &str) -> Result<Option<IntermittentView>> {
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
                "Every single call, one dot each, and its median (bar), per thread count: back to \
                 back (s, steady), and each after the calling thread worked on its own (i, \
                 intermittent). A slow call takes more than {}× the fastest of its regime.",
                crate::paired::SLOW_CALL
            ),
            svg,
        },
        rows: table,
    }))
}

/// Cores kept busy (process CPU time over wall time in the paired calls)
/// against threads, with the line cores = threads: a variant far above its
/// speedup burns cores without progress.
fn cores_busy_chart(
    workload: &str,
    rows: &[&Benchmark],
    backends: &[String],
    style: &dyn Fn(&str) -> Style,
) -> Result<Svg> {
    let busy = |b: &Benchmark| b.cores_busy.map(|c| Point::exact(b.key.threads as f64, c));
    let all_threads = |_: &[&Benchmark], threads: &[u64]| {
        let points = threads
            .iter()
            .map(|t| Point::exact(*t as f64, *t as f64))
            .collect();
        vec![reference(
            "every thread busy: cores = threads",
            Ink::Reference,
            points,
        )]
    };
    charts::line_chart(&LineChart {
        title: format!("{workload}: cores kept busy"),
        x_label: "threads".to_string(),
        y_label: "cores busy".to_string(),
        y_axis: YAxis::LinearFromZero,
        y_format: plain,
        panels: panels_by_backend(rows, backends, style, busy, all_threads),
    })
}

fn best_chart(workload: &str, rows: &[&Benchmark]) -> Result<Svg> {
    let best = best_per_variant_backend(rows);
    let mut backends: Vec<String> = best.iter().map(|b| b.key.backend.clone()).collect();
    backends.sort_by(|a, b| backend_order(a, b));
    backends.dedup();
    let bars = best
        .iter()
        .map(|b| Bar {
            label: format!("{} · {}", b.key.variant, b.key.backend),
            ink: backend_ink(&b.key.backend, &backends),
            value: b.time_ns.estimate,
            lower: b.time_ns.lower,
            upper: b.time_ns.upper,
            note: format!(
                "{} · {}",
                duration_ns(b.time_ns.estimate),
                threads(b.key.threads)
            ),
        })
        .collect();
    let legend = backends
        .iter()
        .map(|b| (b.clone(), backend_ink(b, &backends)))
        .collect();
    charts::bar_chart(&BarChart {
        title: format!("{workload}: each variant at its best thread count"),
        x_label: "time per call (log scale)".to_string(),
        x_format: duration_axis,
        bars,
        legend,
    })
}

fn memory_view(
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
            y_axis: YAxis::LinearFromZero,
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

/// The cross-machine part: per workload an overlay of speedups and a
/// side-by-side table.
fn compare_workloads(runs: &[Run], names: &[String]) -> Result<Vec<ComparedWorkload>> {
    let mut workloads: Vec<&str> = runs.iter().flat_map(|r| r.workloads()).collect();
    workloads.sort_by(|a, b| workload_order(a, b));
    workloads.dedup();
    workloads
        .into_iter()
        .enumerate()
        .map(|(j, workload)| {
            let anchor = format!("cmp-{}-{}", j + 1, slug(workload));
            let chart = overlay_chart(&anchor, workload, runs, names)?;
            Ok(ComparedWorkload {
                rows: side_by_side(workload, runs),
                anchor,
                id: workload.to_string(),
                chart,
                machines: names.to_vec(),
            })
        })
        .collect()
}

fn overlay_chart(anchor: &str, workload: &str, runs: &[Run], names: &[String]) -> Result<Chart> {
    let all: Vec<&Benchmark> = runs.iter().flat_map(|r| r.rows(workload)).collect();
    // The plain parallel map where it was measured, else the first
    // variant that is not the baseline.
    let followed = all
        .iter()
        .find(|b| b.role == Role::PartialIdiom)
        .map(|b| b.key.variant.clone())
        .or_else(|| {
            let not_baseline: Vec<&Benchmark> = all
                .iter()
                .copied()
                .filter(|b| b.role != Role::Baseline)
                .collect();
            variants_of(&not_baseline).into_iter().next()
        })
        .unwrap_or_default();
    let (backends, threads) = backends_and_threads(&all);
    let panels = backends
        .iter()
        .map(|backend| {
            let mut series = Vec::new();
            for (i, (run, name)) in runs.iter().zip(names).enumerate() {
                let points: Vec<Point> = run
                    .rows(workload)
                    .into_iter()
                    .filter(|b| b.key.variant == followed && b.key.backend == *backend)
                    .filter_map(|b| b.speedup.map(|s| Point::exact(b.key.threads as f64, s)))
                    .collect();
                let ink = Ink::Palette(i);
                series.push(Series {
                    label: name.clone(),
                    style: Style {
                        ink,
                        marker: Marker::Circle,
                        dashed: false,
                    },
                    points,
                });
                let ceiling = run
                    .file
                    .run
                    .ceiling
                    .iter()
                    .map(|p| Point::exact(p.threads as f64, p.speedup));
                series.push(reference(
                    &format!("{name}: ceiling"),
                    ink,
                    ceiling.collect(),
                ));
            }
            let ideal = threads
                .iter()
                .map(|t| Point::exact(*t as f64, *t as f64))
                .collect();
            series.push(reference("ideal: speedup = threads", Ink::Reference, ideal));
            Panel {
                title: backend.clone(),
                series,
            }
        })
        .collect();
    let svg = charts::line_chart(&LineChart {
        title: format!("{workload}: speedup of {followed} on each machine"),
        x_label: "threads".to_string(),
        y_label: "speedup".to_string(),
        y_axis: YAxis::LinearFromZero,
        y_format: |y| format!("{}×", plain(y)),
        panels,
    })?;
    let caption = format!(
        "Speedup of {followed} over each machine's own sequential loop, one colour per machine; the dashed line \
         of a machine's colour is its measured ceiling."
    );
    Ok(Chart {
        anchor: format!("{anchor}-overlay"),
        caption,
        svg,
    })
}

fn side_by_side(workload: &str, runs: &[Run]) -> Vec<ComparedRow> {
    let indexes: Vec<Index> = runs
        .iter()
        .map(|r| Index::new(&r.file.benchmarks))
        .collect();
    let mut keys: Vec<&Benchmark> = indexes
        .iter()
        .flat_map(|i| i.of_workload(workload))
        .collect();
    keys.sort_by(|a, b| entry_order(a, b));
    keys.dedup_by(|a, b| entry_order(a, b).is_eq());
    keys.iter()
        .map(|key| {
            let found: Vec<Option<&Benchmark>> = indexes
                .iter()
                .map(|i| {
                    i.get(
                        workload,
                        &key.key.variant,
                        &key.key.backend,
                        key.key.threads,
                    )
                })
                .collect();
            let measured: Vec<&Benchmark> = found.iter().flatten().copied().collect();
            // Highlighted only when faster beyond noise than every other machine.
            let clearly_fastest = fastest(measured.iter().copied()).filter(|quickest| {
                measured.len() > 1
                    && measured.iter().all(|b| {
                        std::ptr::eq(*b, *quickest) || !within_noise(&b.time_ns, &quickest.time_ns)
                    })
            });
            let first = found[0].map(|b| b.time_ns.estimate);
            let cells = found
                .iter()
                .enumerate()
                .map(|(i, b)| match b {
                    Some(b) => ComparedCell {
                        time: time_with_ci(&b.time_ns),
                        speedup: or_missing(b.speedup, times),
                        vs_first: match first {
                            Some(first) if i > 0 => times(b.time_ns.estimate / first),
                            _ => String::new(),
                        },
                        fastest: clearly_fastest.is_some_and(|q| std::ptr::eq(q, *b)),
                    },
                    None => ComparedCell {
                        time: MISSING.to_string(),
                        speedup: String::new(),
                        vs_first: String::new(),
                        fastest: false,
                    },
                })
                .collect();
            ComparedRow {
                variant: key.key.variant.clone(),
                backend: key.key.backend.clone(),
                threads: key.key.threads,
                cells,
            }
        })
        .collect()
}
