//! The findings: the seed's questions, each answered from one machine's
//! numbers in a short answer (the Answers table), a key figure, and the
//! sentences and lists behind them (the evidence, collapsed on the page).
//!
//! Nothing here is typed-in: every answer is built from the entries of a
//! results file. One file per question beside this one; here lives what
//! they share:
//!
//! - **Margins of practical equivalence.** A comparison's short answer never
//!   rests on statistical significance alone, which flips from run to run on
//!   a true effect of a fraction of a percent. Each question has a margin
//!   (its constant below, justified in `docs/answers.md`, printed in the report),
//!   and a paired time ratio reads one of three ways ([`Outcome`]): "equal
//!   within 2%" when its interval lies inside the margin, "6.0% slower
//!   (4.1–7.9%)" when it lies beyond it, "undecided" when it spans the
//!   margin's edge.
//! - **Claims.** A short answer is a list of [`Claim`]s (one per strategy,
//!   backend or variant it speaks of), so runs are compared claim by claim:
//!   an undecided claim contradicts neither decided answer, and a claim one
//!   run did not measure is not compared (the verdicts across machines,
//!   `across::verdicts`, a layer above).
//! - **Entries inconsistent with the machine.** A paired speedup whose lower
//!   bound lies more than [`CEILING_INCONSISTENT`] above the machine's
//!   measured ceiling at its thread count is not used in any answer: the
//!   trust finding lists it.
//! - Bounds from fewer than [`MIN_VALUES_FOR_INTERVAL`] values are called a
//!   range, never a 95% interval ([`bounds_name`]).
//!
//! Variants are picked by the role their entry carries and workloads by
//! their purpose, never by id. A problem of the user's own (purpose `own`)
//! is never seen by the built-in questions: `own` asks five of its own of
//! each such workload, from its entries alone, through the same code
//! (each question's file offers its answer for one workload, under the
//! question and id it is given). Criterion's ratio of times
//! (`criterion_speedup`) and the overhead over the baseline (`overhead_ns`)
//! divide by a time taken in another group: no answer uses them.

use std::collections::BTreeMap;

use serde::Serialize;

use super::columns::{BEYOND_CEILING_MARK, DISAGREE_MARK};
use super::data::{
    Index, backend_order, backend_position, run_caveats, variant_order, workload_order,
};
use super::format::{
    MISSING, Reading, bytes, duration_ns, far_from_one, or_missing, percent, ratio, ratio_text,
    ratio_with_interval, threads, times, two_significant,
};
use crate::paired::{Interval, SLOW_CALL, median_interval};
use crate::results::{Benchmark, CEILING_MARGIN, INSTRUMENTS_AGREE_WITHIN, ResultsFile};
use crate::roles::Role;
use crate::workload::Purpose;

mod break_even;
mod cores_busy;
mod imbalanced;
mod intermittent;
mod memory;
mod own;
mod passing;
mod processes;
mod scheduler;
mod shared_state;
mod trust;

pub use break_even::threshold_grid;
pub use own::own_findings;
pub use processes::{SIDE_BY_SIDE_BACKENDS, compared_threads, steady_entries};

/// One question of the seed and its computed answer.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Finding {
    pub question: &'static str,
    /// The short id of the question: the anchor of its evidence on the page.
    pub id: &'static str,
    /// The sentences behind the short answer: the evidence.
    pub answer: String,
    /// The figures behind the answer, one per item, when there are many
    /// (largest first: the page shows the first [`OPEN_LIST_MAX`]).
    pub details: Vec<String>,
    /// A grid the evidence shows as a small table.
    pub grid: Option<Grid>,
    /// The answer in a few words without figures, one [`Claim`] each;
    /// empty when the question was not answered or has no short answer.
    pub claims: Vec<Claim>,
    /// The key figure with its interval (or range).
    pub figure: Option<String>,
    /// The margin of practical equivalence the short answer uses, in words.
    pub margin: Option<String>,
    /// How many measured points (entries or map cells) the short answer
    /// rests on.
    pub points: usize,
    /// Whether [`Finding::short`] groups the claims by answer (`equal
    /// within 2.0%: on trivial, on compute`) or lists them `subject:
    /// answer` each (claims about different things).
    pub group_claims: bool,
    /// The short answer of a finding that makes no claims of its own (the
    /// trust question: how much of the other answers is decided).
    pub headline: Option<String>,
}

/// One statement of a short answer: `mutex_sum` is `6% slower`... in words
/// only (`slower by more than 2%`), so two runs can be compared.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Claim {
    /// What it is about (`mutex_sum against fold_reduce on compute`);
    /// empty for a question with one claim.
    pub subject: String,
    pub answer: String,
    /// False when the data could not decide (an interval spanning the
    /// margin's edge): such a claim contradicts no other.
    pub decided: bool,
}

impl Claim {
    pub fn decided(subject: impl Into<String>, answer: impl Into<String>) -> Claim {
        Claim {
            subject: subject.into(),
            answer: answer.into(),
            decided: true,
        }
    }

    /// A claim whose answer is its outcome against a margin.
    pub fn of_outcome(subject: impl Into<String>, outcome: Outcome, margin: f64) -> Claim {
        Claim {
            subject: subject.into(),
            answer: outcome.words(margin),
            decided: outcome != Outcome::Undecided,
        }
    }
}

/// A small table in a finding's evidence.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Grid {
    pub head: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Finding {
    pub fn new(question: &'static str, id: &'static str, answer: String) -> Self {
        Finding {
            question,
            id,
            answer,
            details: Vec::new(),
            grid: None,
            claims: Vec::new(),
            figure: None,
            margin: None,
            points: 0,
            group_claims: true,
            headline: None,
        }
    }

    /// The short answer in words: the claims grouped by answer, in order
    /// of first appearance (`equal within 2.0%: on trivial, on compute`),
    /// each group naming at most [`SHORT_SUBJECTS_MAX`] subjects (the
    /// evidence names them all).
    pub fn short(&self) -> Option<String> {
        if self.claims.is_empty() {
            return self.headline.clone();
        }
        if !self.group_claims {
            let each: Vec<String> = self
                .claims
                .iter()
                .map(|c| match c.subject.is_empty() {
                    true => c.answer.clone(),
                    false => format!("{}: {}", c.subject, c.answer),
                })
                .collect();
            return Some(each.join("; "));
        }
        let mut groups: Vec<(&str, Vec<&str>)> = Vec::new();
        for c in &self.claims {
            match groups.iter_mut().find(|(answer, _)| *answer == c.answer) {
                Some((_, subjects)) => subjects.push(&c.subject),
                None => groups.push((&c.answer, vec![&c.subject])),
            }
        }
        Some(
            groups
                .iter()
                .map(|(answer, subjects)| {
                    let subjects: Vec<&str> =
                        subjects.iter().copied().filter(|s| !s.is_empty()).collect();
                    match subjects.len() {
                        0 => answer.to_string(),
                        n if n <= SHORT_SUBJECTS_MAX => {
                            format!("{answer}: {}", subjects.join(", "))
                        }
                        // "and 1 more" would be no shorter than the name.
                        n => format!(
                            "{answer}: {} and {} more",
                            subjects[..SHORT_SUBJECTS_MAX - 1].join(", "),
                            n - (SHORT_SUBJECTS_MAX - 1)
                        ),
                    }
                })
                .collect::<Vec<_>>()
                .join("; "),
        )
    }
}

/// Subjects a short answer names per group; a longer group names one fewer
/// and "and N more" (the Answers table fits the first screen).
pub const SHORT_SUBJECTS_MAX: usize = 5;

/// Lists longer than this show their first (largest) entries open and the
/// rest collapsed, on the page and in `summary.md`.
pub const OPEN_LIST_MAX: usize = 12;

/// The margins of the paired comparisons live beside the roles they
/// compare, where the sampler reads them too.
pub use crate::roles::{BACKEND_MARGIN, IDIOMS_MARGIN, SHARED_SUM_MARGIN};
/// Margin around speedup 1 for "parallel beats sequential".
pub const BREAK_EVEN_MARGIN: f64 = 0.05;

/// A paired speedup whose lower bound lies this far above the machine's
/// measured ceiling at its thread count is inconsistent with the machine:
/// no answer uses it ([`crate::results::wholly_above_ceiling`]).
pub const CEILING_INCONSISTENT: f64 = crate::results::CEILING_MARGIN;

/// What a paired time ratio says against a margin: the same rule by which
/// the sampler stops a comparison ([`crate::paired::decision`]).
pub use crate::paired::Outcome;

impl Outcome {
    /// The outcome in words, without figures: what runs compare.
    pub fn words(self, margin: f64) -> String {
        let m = percent(margin);
        match self {
            Outcome::Equal => format!("equal within {m}"),
            Outcome::Slower => format!("slower by more than {m}"),
            Outcome::Faster => format!("faster by more than {m}"),
            Outcome::Undecided => "undecided".to_string(),
        }
    }
}

/// A time ratio against its margin in the three-way wording, with figures:
/// `equal within 2.0% (ratio 1.003×, 95% interval 0.991–1.012)`, `6.0%
/// slower (4.1–7.9%)`, `2.7× the time (2.6–2.9×)`, `490× slower (476–503×
/// slower)` (from 10× on: [`ratio_text`]), `undecided (interval
/// -2.1–7.0% spans the margin of 2.0%; noisy: about 4× the rounds might
/// decide it)`. `bounds` names the interval ([`bounds_name`]). For a
/// sampled interval, which more rounds narrow; a pooled one is worded by
/// [`pooled_ratio_words`].
pub fn ratio_words(r: &Interval, margin: f64, bounds: &str) -> String {
    let words = pooled_ratio_words(r, margin, bounds);
    match (Outcome::of(r, margin), words.strip_suffix(')')) {
        (Outcome::Undecided, Some(open)) => format!("{open}; {})", undecided_reason(r, margin)),
        _ => words,
    }
}

/// [`ratio_words`] for a median pooled over several entries' estimates:
/// its width is their spread over backends and thread counts, which more
/// rounds do not narrow, so an undecided one gives no rounds to decide it.
pub fn pooled_ratio_words(r: &Interval, margin: f64, bounds: &str) -> String {
    let pct = |x: f64| format!("{:.1}", (x - 1.0) * 100.0);
    match Outcome::of(r, margin) {
        Outcome::Equal => format!(
            "equal within {} (ratio {:.3}×, {bounds} {:.3}–{:.3})",
            percent(margin),
            r.estimate,
            r.lower,
            r.upper
        ),
        Outcome::Slower | Outcome::Faster if far_from_one(r.estimate) => {
            ratio_with_interval(Reading::Time, r, bounds, 3)
        }
        Outcome::Slower if r.estimate >= 2.0 => format!(
            "{} the time ({bounds} {:.1}–{:.1}×)",
            times(r.estimate),
            r.lower,
            r.upper
        ),
        Outcome::Slower => format!(
            "{}% slower ({bounds} {}–{}%)",
            pct(r.estimate),
            pct(r.lower),
            pct(r.upper)
        ),
        Outcome::Faster => format!(
            "{:.1}% faster ({bounds} {:.1}–{:.1}%)",
            (1.0 - r.estimate) * 100.0,
            (1.0 - r.upper) * 100.0,
            (1.0 - r.lower) * 100.0
        ),
        Outcome::Undecided => format!(
            "undecided ({bounds} {}–{}% spans the margin of {})",
            pct(r.lower),
            pct(r.upper),
            percent(margin)
        ),
    }
}

/// An undecided ratio whose estimate lies within this share of its margin
/// from the margin's edge is called at the margin's edge: more sampling
/// hardly decides it (its interval must shrink to less than that distance).
pub const EDGE_SHARE_OF_MARGIN: f64 = 0.25;

/// Why an undecided ratio is still undecided, computed from its interval:
/// `at the margin's edge: estimate +1.8%, margin 2.0%` (within
/// [`EDGE_SHARE_OF_MARGIN`] of the margin from its edge), else `noisy:
/// about 4× the rounds might decide it` (if its interval keeps its centre
/// and narrows with the square root of the rounds:
/// [`crate::paired::rounds_factor_to_decide`]).
pub fn undecided_reason(r: &Interval, margin: f64) -> String {
    undecided_reason_in(r, margin, "rounds")
}

/// [`undecided_reason`] of a ratio of `units` (rounds, or calls where a
/// fixed number of calls gave it).
pub fn undecided_reason_in(r: &Interval, margin: f64, units: &str) -> String {
    let from_edge = ((r.estimate - 1.0).abs() - margin).abs();
    match from_edge < EDGE_SHARE_OF_MARGIN * margin {
        true => format!(
            "at the margin's edge: estimate {:+.1}%, margin {}",
            (r.estimate - 1.0) * 100.0,
            percent(margin)
        ),
        false => format!(
            "noisy: about {}× the {units} might decide it",
            two_significant(crate::paired::rounds_factor_to_decide(r, margin).ceil())
        ),
    }
}

pub use crate::paired::MIN_VALUES_FOR_INTERVAL;

/// What bounds from `values` rounds (or values) are: a distribution-free
/// 95% interval (a confidence sequence, for the sampler's rounds) from
/// [`MIN_VALUES_FOR_INTERVAL`] on, below that only their range.
pub fn bounds_name(values: Option<u64>) -> &'static str {
    match values {
        Some(n) if n >= MIN_VALUES_FOR_INTERVAL => "95% interval",
        _ => "range",
    }
}

/// " (head to head over N rounds)" where `entry`'s ratio to `variant`
/// comes from the two alone ([`Benchmark::head_to_head_rounds_with`]), else
/// nothing.
pub fn head_to_head_note(entry: &Benchmark, variant: &str) -> String {
    (entry.head_to_head_rounds_with(variant))
        .map_or_else(String::new, |n| format!(" (head to head over {n} rounds)"))
}

/// The machine's measured ceiling at `b`'s thread count when `b`'s paired
/// speedup lies wholly above it by more than [`CEILING_INCONSISTENT`]
/// (its lower bound): a figure the machine cannot produce, left out of
/// every answer.
pub fn inconsistent_ceiling(file: &ResultsFile, b: &Benchmark) -> Option<f64> {
    let speedup = b.paired_speedup()?;
    let ceiling = file
        .run
        .ceiling
        .iter()
        .find(|p| p.threads == b.key.threads)?
        .speedup;
    crate::results::wholly_above_ceiling(speedup.lower, ceiling).then_some(ceiling)
}

/// Every built-in finding for one machine's entries, the seed's two
/// questions first. Entries inconsistent with the machine's ceiling are
/// left out of every answer and listed by the last one. The workloads of
/// the user's own (`Purpose::Own`) are not seen here at all, so these
/// answers read the same with or without them: [`own_findings`] answers
/// each of those apart. A file of problems of one's own only has no
/// built-in finding at all (an empty list, not nine "not answered").
pub fn findings(index: &Index<'_>) -> Vec<Finding> {
    let own = |workload: &str| index.purpose(workload) == Purpose::Own;
    // Problems of one's own only (a user's crate, whose bench runs no
    // built-in workload): no built-in question to answer, so none is asked,
    // and their own answers lead the page.
    if let Some(file) = index.file()
        && file.workloads.keys().any(|w| own(w))
        && file.benchmarks.iter().all(|b| own(&b.key.workload))
    {
        return Vec::new();
    }
    let built_in = index.file().and_then(|file| {
        let mut cut = retained(file, |b| !own(&b.key.workload))
            .or_else(|| file.workloads.keys().any(|w| own(w)).then(|| file.clone()))?;
        cut.workloads.retain(|workload, _| !own(workload));
        Some(cut)
    });
    let index = match &built_in {
        Some(file) => Index::of_file(file),
        None => index.clone(),
    };
    let kept = index
        .file()
        .and_then(|file| retained(file, |b| inconsistent_ceiling(file, b).is_none()));
    let answering = match &kept {
        Some(kept) => Index::of_file(kept),
        None => index.clone(),
    };
    let mut answers = vec![
        passing::finding(&answering),
        memory::finding(&answering),
        shared_state::finding(&answering),
        imbalanced::finding(&answering),
        scheduler::finding(&answering),
        break_even::finding(&answering),
        cores_busy::finding(&answering),
        intermittent::finding(&answering),
        processes::finding(&answering),
    ];
    let mut trust = trust::finding(&index);
    trust.headline = Some(trust::headline(&answers, &index));
    answers.push(trust);
    answers
}

/// A copy of `file` with only the entries `keep` keeps; `None` when it
/// keeps them all (the file itself will do).
fn retained(file: &ResultsFile, keep: impl Fn(&Benchmark) -> bool) -> Option<ResultsFile> {
    if file.benchmarks.iter().all(&keep) {
        return None;
    }
    Some(ResultsFile {
        benchmarks: file
            .benchmarks
            .iter()
            .filter(|b| keep(b))
            .cloned()
            .collect(),
        ..file.clone()
    })
}

/// `b` described as an entry inconsistent with the machine, if it is one:
/// its paired speedup against the ceiling at its thread count.
fn inconsistent_entry(file: &ResultsFile, b: &Benchmark) -> Option<String> {
    let ceiling = inconsistent_ceiling(file, b)?;
    let s = b.paired_speedup()?;
    Some(format!(
        "{} on {}: paired {} against a ceiling of {}",
        b.key.variant,
        place(b),
        ratio_with_interval(Reading::Speedup, &s, bounds_name(b.paired_rounds), 2),
        times(ceiling)
    ))
}

/// `a, b and c`.
fn listing(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// `workload (backend, N threads)`: where a quoted number comes from.
fn place(b: &Benchmark) -> String {
    format!(
        "{} ({}, {})",
        b.key.workload,
        b.key.backend,
        threads(b.key.threads)
    )
}

/// Backend rank for choosing a point to quote: known backends in list order.
fn backend_rank(backend: &str) -> usize {
    backend_position(backend).unwrap_or(usize::MAX)
}

fn not_answered(question: &'static str, id: &'static str, why: String) -> Finding {
    Finding::new(question, id, format!("Not answered: {why}"))
}

/// One paired comparison quoted in a finding.
struct Paired<'a> {
    entry: &'a Benchmark,
    with: &'a str,
    ratio: Interval,
}

impl Paired<'_> {
    /// `function_object against closure: equal within 2.0% (...)`.
    fn describe(&self, margin: f64) -> String {
        format!(
            "{} against {}: {}{}",
            self.entry.key.variant,
            self.with,
            ratio_words(
                &self.ratio,
                margin,
                bounds_name(self.entry.comparison_rounds(self.with))
            ),
            head_to_head_note(self.entry, self.with)
        )
    }
}

/// The paired comparisons of `entry` with the entries of `others` (the
/// same point), where measured.
fn paired_with<'a>(entry: &'a Benchmark, others: &[&'a Benchmark]) -> Vec<Paired<'a>> {
    others
        .iter()
        .filter_map(|other| {
            Some(Paired {
                entry,
                with: other.key.variant.as_str(),
                ratio: entry.compared_with(&other.key.variant)?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests;
