//! The page model: everything `page.html` shows, assembled from the runs.
//!
//! The template only lays out; every number is chosen, formatted and
//! charted here, as plain strings (escaped by the template engine) and
//! [`Svg`]s (the one kind of markup the template trusts). A machine's page
//! opens with its Answers ([`AnswerRow`], one per finding), and for each
//! problem of the user's own a small Answers table of its own
//! ([`OwnAnswers`]) after them, then the
//! evidence: each finding collapsed, its fingerprint, ceiling and
//! calibration, and per workload (`workload`) its speedup chart with the
//! other charts (`workload_charts`), tables, scaling model, intermittent
//! calls and memory figures one click away. The break-even map and the
//! models across machines come from `scaling`, the side-by-side tables of
//! threads and processes from `processes`; charts and tables are the
//! [`Chart`]s and [`Table`]s of `elements`. With two or more runs: the
//! verdict, curves and heat tables of [`super::across`], and the overlays
//! and side-by-side tables across machines (`across_machines`; the report
//! then splits the page, see [`split()`] in `split.rs`).

use std::collections::BTreeMap;

use anyhow::Result;
use rayon::prelude::*;
use serde::Serialize;

use super::across::{self, AcrossView};
use super::charts::{
    self, Bar, BarChart, Ink, LineChart, Marker, Panel, Point, Series, Strip, StripChart,
    StripPanel, Style, Svg,
};
use super::columns::{BEYOND_CEILING_MARK, DISAGREE_MARK};
use super::columns::{Cells, Column, View, With, columns, criterion_timed};
use super::data::run_caveats;
use super::data::{
    Index, Run, backend_order, backend_position, backends_and_threads, baseline_of,
    best_per_variant_backend, entry_order, fastest, purpose_of, variant_position, variants_of,
    within_noise, workload_order,
};
use super::elements::{Chart, Head, Row, Table};
use super::findings::{Finding, findings, own_findings};
use super::format::{
    MISSING, bytes, bytes_unit, copies, count, duration_axis, duration_ns, or_missing, percent,
    plain, speedup_with_interval, threads, time_with_ci, times,
};
use super::scaling;
use crate::backends::BACKENDS;
use crate::calibration::Calibration;
use crate::results::{
    Benchmark, CEILING_MARGIN, CeilingPoint, INSTRUMENTS_AGREE_WITHIN, RunInfo, TimeEstimator,
};
use crate::roles::{Family, Role};
use crate::variants::VARIANTS;
use crate::workload::Purpose;

mod across_machines;
mod split;
mod workload;
mod workload_charts;

pub use across_machines::ComparedWorkload;
use across_machines::{across_caveats, compare_workloads};
pub use split::split;
pub use workload::WorkloadView;
use workload::workload_view;
use workload_charts::*;

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
    /// parbench's own call path against the same map written by hand.
    pub harness_overhead: Vec<super::harness::HarnessOverheadRow>,
    /// The host's speed at the start and end of the run, in words.
    pub calibration: Vec<String>,
    /// What to know before comparing this run's absolute times.
    pub caveats: Vec<String>,
    pub findings: Vec<Finding>,
    /// One row per finding: the Answers table leading the machine's page.
    pub answers: Vec<AnswerRow>,
    /// The answers on each problem of the user's own, a table each after
    /// the built-in Answers.
    pub own: Vec<OwnAnswers>,
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
            harness_overhead: Vec::new(),
            calibration: self.calibration.clone(),
            caveats: self.caveats.clone(),
            findings: Vec::new(),
            answers: Vec::new(),
            own: Vec::new(),
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
            short: f
                .short()
                .unwrap_or_else(|| match f.answer.strip_prefix("Not answered: ") {
                    Some(_) => "not answered".to_string(),
                    None => "see the evidence".to_string(),
                }),
            figure: f.figure.clone().unwrap_or_default(),
            margin: f.margin.clone().unwrap_or_default(),
            anchor: format!("{anchor}-q-{}", f.id),
        }
    }
}

/// The answers on one problem of the user's own: a small Answers table of
/// their own after the built-in one (which stays as it is without the
/// problem), and their evidence after the built-in evidence.
#[derive(Debug, Serialize)]
pub struct OwnAnswers {
    /// The anchor of the group: its workload section's, `-answers`.
    pub anchor: String,
    /// The workload's section on the page.
    pub section: String,
    pub workload: String,
    pub about: String,
    pub answers: Vec<AnswerRow>,
    pub findings: Vec<Finding>,
}

/// Where the answers on a problem of the user's own stand, from its
/// workload section's anchor.
pub(super) fn own_answers_anchor(section: &str) -> String {
    format!("{section}-answers")
}

#[derive(Debug, Serialize)]
pub struct CeilingView {
    pub threads: u64,
    pub speedup: String,
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
            Some(across::view(runs, &names, &findings_by_machine(&machines))?),
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

/// Each machine's findings on its own points, which its view holds already.
fn findings_by_machine(machines: &[MachineView]) -> Vec<Vec<Finding>> {
    machines.iter().map(|m| m.findings.clone()).collect()
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
    let sections: BTreeMap<&str, String> = run
        .workloads()
        .into_iter()
        .enumerate()
        .map(|(j, workload)| (workload, format!("{anchor}-{}-{}", j + 1, slug(workload))))
        .collect();
    let workloads = run
        .workloads()
        .into_iter()
        .map(|workload| workload_view(&sections[workload], run, workload))
        .collect::<Result<Vec<_>>>()?;
    let break_even = scaling::break_even_view(&anchor, run)?;
    let c = &r.criterion;
    let processes = super::processes::views(run, &anchor);
    let found = findings(&Index::of_file(&run.file));
    let answers = found.iter().map(|f| AnswerRow::of(&anchor, f)).collect();
    let own = own_findings(&Index::of_file(&run.file))
        .into_iter()
        .filter_map(|group| {
            let section = sections.get(group.workload.as_str())?.clone();
            let anchor = own_answers_anchor(&section);
            Some(OwnAnswers {
                answers: (group.findings.iter())
                    .map(|f| AnswerRow::of(&anchor, f))
                    .collect(),
                anchor,
                section,
                workload: group.workload,
                about: group.about,
                findings: group.findings,
            })
        })
        .collect();
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
        // Single calls (intermittent, Python) are never criterion's.
        criterion: match criterion_timed(
            &(run.file.benchmarks.iter())
                .filter(|b| b.time_estimator != Some(TimeEstimator::MedianOfCalls))
                .collect::<Vec<_>>(),
        ) {
            true => format!(
                "warm-up {} ms, measurement {} ms, {} samples, {} resamples",
                c.warm_up_ms, c.measurement_ms, c.sample_size, c.nresamples
            ),
            false => "timed nothing in this run: every time per call is a median of \
                      the paired rounds or of single calls"
                .to_string(),
        },
        ceiling: r
            .ceiling
            .iter()
            .map(|p| CeilingView {
                threads: p.threads,
                speedup: times(p.speedup),
            })
            .collect(),
        harness_overhead: super::harness::rows(&r.harness_overhead),
        calibration: calibration_lines(r),
        caveats: run_caveats(&run.file),
        answers,
        own,
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
