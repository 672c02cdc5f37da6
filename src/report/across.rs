//! Many machines at once: which conclusions hold everywhere, and how each
//! machine scales against its own ceiling.
//!
//! - [`verdicts`]: one row per finding question that has a short answer
//!   ([`Finding::short`]): each machine's short answer, whether they all
//!   agree, and a tally (`rayon on 3, crossbeam on 1`). Computed from the
//!   findings, which are computed from the entries; nothing typed in.
//! - [`view`]: what the page shows above the overlays with two or more
//!   machines: the verdict table, speedup curves normalised by each
//!   machine's own measured ceiling (so a 2-core VM and a 64-core server
//!   share a chart), and a machine x variant heat table of efficiency at
//!   each machine's core count.
//!
//! The page gathers these (`page`, a layer above), and splits itself into
//! pages of their own with two or more machines (`page/split.rs`).

use std::collections::{BTreeMap, HashSet};

use anyhow::Result;
use rayon::prelude::*;
use serde::Serialize;

use super::charts::{self, Ink, LineChart, Marker, Panel, Point, Series, Style};
use super::data::{Index, Run, variant_order, workload_order};
use super::elements::Chart;
use super::findings::{self, Finding};
use super::format::{MISSING, percent};
use crate::key::Key;
use crate::results::{Benchmark, ResultsFile};
use crate::roles::Role;

/// One finding question across machines.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Verdict {
    pub question: String,
    /// Each machine's short answer on the points every machine measured, by
    /// machine name; `NOT_MEASURED` where those points cannot answer it.
    pub answers: BTreeMap<String, String>,
    /// No two machines decide a claim differently on the common points (an
    /// undecided claim, and a machine that did not measure the question,
    /// contradict none).
    pub agree: bool,
    /// The measured points (entries or map cells) common to every machine
    /// that the answers rest on (the fewest of any machine): 0 when the
    /// question has no common point.
    pub common_points: usize,
    /// The answers tallied: `rayon on 3, crossbeam on 1 of 4 machines`.
    pub summary: String,
}

/// What a machine whose common points do not answer a question shows.
pub const NOT_MEASURED: &str = "not measured";

/// The verdicts over `runs` (shown as `names`): each question answered by
/// every run on the points all of them measured (entries by their
/// identity, break-even cells by theirs, leaving out entries inconsistent
/// with their machine), so profiles that cover more do not look like
/// disagreement.
pub fn verdicts(runs: &[Run], names: &[String]) -> Vec<Verdict> {
    let on_own_points: Vec<Vec<Finding>> = runs
        .iter()
        .map(|run| findings::findings(&Index::of_file(&run.file)))
        .collect();
    verdicts_of(names, &on_own_points, &on_common_points(runs))
}

/// Each run's findings on the points every run measured.
fn on_common_points(runs: &[Run]) -> Vec<Vec<Finding>> {
    common_files(runs)
        .par_iter()
        .map(|file| findings::findings(&Index::of_file(file)))
        .collect()
}

/// Each run's file cut to the entries and break-even cells every run
/// measured (and whose speedups are consistent with their machine).
fn common_files(runs: &[Run]) -> Vec<ResultsFile> {
    let usable = |file: &ResultsFile| -> HashSet<Key> {
        file.benchmarks
            .iter()
            .filter(|b| findings::inconsistent_ceiling(file, b).is_none())
            .map(|b| b.key.clone())
            .collect()
    };
    let mut keys: Option<HashSet<Key>> = None;
    let mut cells: Option<HashSet<(String, u64, u64, u64)>> = None;
    for run in runs {
        let here = usable(&run.file);
        let here_cells: HashSet<_> = run.file.break_even.iter().map(|c| c.id()).collect();
        keys = Some(match keys {
            None => here,
            Some(k) => k.intersection(&here).cloned().collect(),
        });
        cells = Some(match cells {
            None => here_cells,
            Some(c) => c.intersection(&here_cells).cloned().collect(),
        });
    }
    let (keys, cells) = (keys.unwrap_or_default(), cells.unwrap_or_default());
    runs.iter()
        .map(|run| {
            let mut file = run.file.clone();
            file.benchmarks.retain(|b| keys.contains(&b.key));
            file.break_even.retain(|c| cells.contains(&c.id()));
            file
        })
        .collect()
}

/// The verdicts from each machine's findings on its own points
/// (`on_own_points`: which questions some machine answers) and on the
/// common points (`common`: the answers compared). Questions no machine
/// answers in short are left out.
pub fn verdicts_of(
    names: &[String],
    on_own_points: &[Vec<Finding>],
    common: &[Vec<Finding>],
) -> Vec<Verdict> {
    let mut questions: Vec<&'static str> = Vec::new();
    for f in on_own_points.iter().flatten() {
        if !f.claims.is_empty() && !questions.contains(&f.question) {
            questions.push(f.question);
        }
    }
    questions
        .into_iter()
        .map(|question| {
            let found: Vec<Option<&Finding>> = common
                .iter()
                .map(|of_machine| {
                    of_machine
                        .iter()
                        .find(|f| f.question == question && !f.claims.is_empty())
                })
                .collect();
            // Claim by claim: every decided answer to one subject alike.
            let mut decided: BTreeMap<&str, HashSet<&str>> = BTreeMap::new();
            for claim in found.iter().flatten().flat_map(|f| &f.claims) {
                if claim.decided {
                    decided
                        .entry(claim.subject.as_str())
                        .or_default()
                        .insert(claim.answer.as_str());
                }
            }
            let agree = decided.values().all(|answers| answers.len() <= 1);
            let common_points = found
                .iter()
                .map(|f| f.map_or(0, |f| f.points))
                .min()
                .unwrap_or(0);
            let short: Vec<String> = found
                .iter()
                .map(|f| {
                    f.and_then(Finding::short)
                        .unwrap_or_else(|| NOT_MEASURED.to_string())
                })
                .collect();
            // Tally in order of first appearance, most frequent first.
            let mut tally: Vec<(&str, usize)> = Vec::new();
            for answer in &short {
                match tally.iter_mut().find(|(a, _)| a == answer) {
                    Some((_, n)) => *n += 1,
                    None => tally.push((answer, 1)),
                }
            }
            tally.sort_by_key(|&(answer, n)| (answer == NOT_MEASURED, std::cmp::Reverse(n)));
            let summary = format!(
                "{} of {} machine{}",
                tally
                    .iter()
                    .map(|(answer, n)| format!("{answer} on {n}"))
                    .collect::<Vec<_>>()
                    .join(", "),
                names.len(),
                if names.len() == 1 { "" } else { "s" }
            );
            Verdict {
                question: question.to_string(),
                answers: names.iter().cloned().zip(short).collect(),
                agree,
                common_points,
                summary,
            }
        })
        .collect()
}

/// The cross-machine part leading the page.
#[derive(Debug, Serialize)]
pub struct AcrossView {
    pub machines: Vec<String>,
    pub verdicts: Vec<VerdictRow>,
    pub charts: Vec<Chart>,
    pub heat: Vec<HeatTable>,
    /// The page of per-workload overlays and side-by-side tables, when
    /// they moved off the entry page.
    pub workloads_page: Option<String>,
}

/// A verdict as the table shows it: the answers in machine order.
#[derive(Debug, Serialize)]
pub struct VerdictRow {
    pub question: String,
    pub summary: String,
    pub agree: bool,
    pub common_points: usize,
    pub answers: Vec<String>,
}

/// Efficiency at each machine's core count: one row per machine, one cell
/// per variant.
#[derive(Debug, Serialize)]
pub struct HeatTable {
    pub anchor: String,
    pub workload: String,
    pub variants: Vec<String>,
    pub rows: Vec<HeatRow>,
}

#[derive(Debug, Serialize)]
pub struct HeatRow {
    pub machine: String,
    /// The machine's own page: set when the page is split.
    pub page: Option<String>,
    pub cores: u64,
    pub cells: Vec<HeatCell>,
}

#[derive(Debug, Serialize)]
pub struct HeatCell {
    pub text: String,
    /// A CSS background colour: red at 0, yellow at 0.5, green at 1.
    pub colour: String,
    pub title: String,
}

/// The cross-machine view over `runs`, shown as `names`, with each run's
/// findings on its own points (`on_own_points`: the page has them
/// already).
pub fn view(runs: &[Run], names: &[String], on_own_points: &[Vec<Finding>]) -> Result<AcrossView> {
    let verdicts = verdicts_of(names, on_own_points, &on_common_points(runs))
        .into_iter()
        .map(|v| VerdictRow {
            answers: names.iter().map(|n| v.answers[n].clone()).collect(),
            question: v.question,
            summary: v.summary,
            agree: v.agree,
            common_points: v.common_points,
        })
        .collect();
    let mut workloads: Vec<&str> = runs.iter().flat_map(|r| r.workloads()).collect();
    workloads.sort_by(|a, b| workload_order(a, b));
    workloads.dedup();
    let charts = workloads
        .iter()
        .enumerate()
        .map(|(j, w)| normalised_chart(&format!("norm-{}", j + 1), w, runs, names))
        .collect::<Result<Vec<_>>>()?;
    let heat = workloads
        .iter()
        .enumerate()
        .map(|(j, w)| heat_table(&format!("heat-{}", j + 1), w, runs, names))
        .collect();
    Ok(AcrossView {
        machines: names.to_vec(),
        verdicts,
        charts,
        heat,
        workloads_page: None,
    })
}

/// The machine's measured ceiling at `threads` (the spin loop's speedup).
fn ceiling_at(run: &Run, threads: u64) -> Option<f64> {
    run.file
        .run
        .ceiling
        .iter()
        .find(|p| p.threads == threads)
        .map(|p| p.speedup)
        .filter(|s| *s > 0.0)
}

/// The plain parallel map's best speedup over the backends at each thread
/// count above 1, steady regime, on `workload`.
fn best_speedups(run: &Run, workload: &str) -> Vec<(u64, f64)> {
    let mut best: BTreeMap<u64, f64> = BTreeMap::new();
    for b in run.rows(workload) {
        if b.role != Role::PartialIdiom || b.key.threads < 2 {
            continue;
        }
        // Paired speedups only: an older file's criterion ratio is not one.
        if let Some(s) = b
            .paired_speedup()
            .map(|s| s.estimate)
            .filter(|s| s.is_finite())
        {
            let entry = best.entry(b.key.threads).or_insert(s);
            *entry = entry.max(s);
        }
    }
    best.into_iter().collect()
}

fn normalised_chart(anchor: &str, workload: &str, runs: &[Run], names: &[String]) -> Result<Chart> {
    let mut at_each = Vec::new();
    let mut of_machine = Vec::new();
    for (i, (run, name)) in runs.iter().zip(names).enumerate() {
        let cores = run.file.machine.logical_cores.max(1);
        let whole = ceiling_at(run, cores);
        let best = best_speedups(run, workload);
        let style = Style {
            ink: Ink::Palette(i),
            marker: Marker::Circle,
            dashed: false,
        };
        let points = |reference: &dyn Fn(u64) -> Option<f64>| {
            best.iter()
                .filter_map(|&(t, s)| Some(Point::exact(t as f64, s / reference(t)?)))
                .collect::<Vec<_>>()
        };
        at_each.push(Series {
            label: name.clone(),
            style,
            points: points(&|t| ceiling_at(run, t)),
        });
        of_machine.push(Series {
            label: name.clone(),
            style,
            points: points(&|_| whole),
        });
    }
    let svg = charts::line_chart(&LineChart {
        title: format!("{workload}: speedup against each machine's own ceiling"),
        x_label: "threads".to_string(),
        y_label: "share of the ceiling".to_string(),
        y_format: |y| format!("{:.0}%", y * 100.0),
        panels: vec![
            Panel {
                title: "of the ceiling at that thread count".to_string(),
                series: at_each,
            },
            Panel {
                title: "of the ceiling at the machine's cores".to_string(),
                series: of_machine,
            },
        ],
    })?;
    Ok(Chart {
        anchor: anchor.to_string(),
        caption: format!(
            "The plain parallel map on {workload}, best backend at each thread count, one colour \
             per machine. Left: its speedup over the machine's measured ceiling at the same thread \
             count (100% = all the spin loop could gain there). Right: over the ceiling at the \
             machine's core count, so a 2-core and a 64-core machine both end near 100% when \
             they use the whole machine. Machines without a measured ceiling are left out."
        ),
        svg,
    })
}

/// The thread count each machine is read at: its core count, else the
/// largest count it measured below that, else the smallest above.
fn reading_threads(run: &Run, measured: &[u64]) -> Option<u64> {
    let cores = run.file.machine.logical_cores.max(1);
    measured
        .iter()
        .copied()
        .filter(|&t| t <= cores)
        .max()
        .or_else(|| measured.iter().copied().min())
}

fn heat_table(anchor: &str, workload: &str, runs: &[Run], names: &[String]) -> HeatTable {
    let rows_of: Vec<Vec<&Benchmark>> = runs.iter().map(|r| r.rows(workload)).collect();
    let mut variants: Vec<String> = rows_of
        .iter()
        .flatten()
        .filter(|b| b.role != Role::Baseline && b.key.threads > 1)
        .map(|b| b.key.variant.clone())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    variants.sort_by(|a, b| variant_order(a, b));
    let rows = runs
        .iter()
        .zip(&rows_of)
        .zip(names)
        .map(|((run, rows), name)| {
            let cores = run.file.machine.logical_cores;
            let cells = variants
                .iter()
                .map(|variant| {
                    let of_variant: Vec<&Benchmark> = rows
                        .iter()
                        .copied()
                        .filter(|b| &b.key.variant == variant && b.key.threads > 1)
                        .collect();
                    let measured: Vec<u64> = of_variant.iter().map(|b| b.key.threads).collect();
                    let best = reading_threads(run, &measured).and_then(|t| {
                        of_variant
                            .iter()
                            .filter(|b| b.key.threads == t)
                            .filter_map(|b| Some((b.efficiency?, *b)))
                            .max_by(|a, b| a.0.total_cmp(&b.0))
                    });
                    match best {
                        Some((efficiency, b)) => HeatCell {
                            text: if b.key.threads == cores {
                                percent(efficiency)
                            } else {
                                format!("{} at {}", percent(efficiency), b.key.threads)
                            },
                            colour: heat_colour(efficiency),
                            title: format!(
                                "{variant} with {} at {} threads: efficiency {}{}",
                                b.key.backend,
                                b.key.threads,
                                percent(efficiency),
                                match ceiling_at(run, b.key.threads) {
                                    Some(c) => format!(
                                        " (the ceiling allows {})",
                                        percent(c / b.key.threads as f64)
                                    ),
                                    None => String::new(),
                                }
                            ),
                        },
                        None => HeatCell {
                            text: MISSING.to_string(),
                            colour: String::new(),
                            title: format!("{variant} was not run in parallel here"),
                        },
                    }
                })
                .collect();
            HeatRow {
                machine: name.clone(),
                page: None,
                cores,
                cells,
            }
        })
        .collect();
    HeatTable {
        anchor: anchor.to_string(),
        workload: workload.to_string(),
        variants,
        rows,
    }
}

/// Red (0) through yellow (0.5) to green (1 and above), pale enough to read.
fn heat_colour(efficiency: f64) -> String {
    let hue = (efficiency.clamp(0.0, 1.0) * 120.0).round();
    format!("hsl({hue:.0}, 70%, 82%)")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::findings::Claim;

    fn finding(question: &'static str, claims: &[(&str, &str, bool)]) -> Finding {
        let mut f = Finding::new(question, "q", "a sentence with figures".to_string());
        f.claims = claims
            .iter()
            .map(|(subject, answer, decided)| Claim {
                subject: subject.to_string(),
                answer: answer.to_string(),
                decided: *decided,
            })
            .collect();
        f.points = claims.len();
        f
    }

    #[test]
    fn verdicts_compare_claims_and_undecided_or_unmeasured_contradict_none() {
        let names: Vec<String> = ["a", "b", "c", "d"].map(String::from).to_vec();
        let q1 = "Which backend wins on imbalanced work?";
        let q2 = "What does shared mutable state cost?";
        let q3 = "How far can these numbers be trusted?";
        let equal = ("mutex_sum", "equal within 2.0%", true);
        let undecided = ("mutex_sum", "undecided", false);
        let slower = ("mutex_sum", "slower by more than 2.0%", true);
        let findings = vec![
            vec![
                finding(q1, &[("", "rayon", true)]),
                finding(q2, &[equal]),
                finding(q3, &[]),
            ],
            vec![
                finding(q1, &[("", "crossbeam", true)]),
                finding(q2, &[undecided]),
                finding(q3, &[]),
            ],
            vec![
                finding(q1, &[("", "rayon", true)]),
                finding(q2, &[equal]),
                finding(q3, &[]),
            ],
            vec![finding(q1, &[]), finding(q2, &[equal]), finding(q3, &[])],
        ];
        let v = verdicts_of(&names, &findings, &findings);
        assert_eq!(v.len(), 2, "the question without short answers is left out");
        assert_eq!(v[0].question, q1);
        assert_eq!(
            v[0].summary,
            "rayon on 2, crossbeam on 1, not measured on 1 of 4 machines"
        );
        assert!(!v[0].agree, "two decided answers differ");
        assert_eq!(v[0].answers["d"], NOT_MEASURED);
        assert_eq!(v[0].common_points, 0, "d has no common point");
        assert!(v[1].agree, "an undecided claim contradicts no decided one");
        assert_eq!(v[1].common_points, 1);
        assert_eq!(v[1].answers["b"], "undecided: mutex_sum");
        let mut contradicted = findings.clone();
        contradicted[3][1] = finding(q2, &[slower]);
        assert!(!verdicts_of(&names, &contradicted, &contradicted)[1].agree);
    }

    #[test]
    fn heat_runs_from_red_to_green() {
        assert_eq!(heat_colour(0.0), "hsl(0, 70%, 82%)");
        assert_eq!(heat_colour(1.3), "hsl(120, 70%, 82%)");
        assert_eq!(heat_colour(0.5), "hsl(60, 70%, 82%)");
    }
}
