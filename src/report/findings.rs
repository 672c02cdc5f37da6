//! The "Findings": the seed's questions, answered in sentences computed from
//! one machine's numbers.
//!
//! Nothing here is typed-in: every sentence is built from the entries of a
//! results file. A comparison between variants quotes their paired time
//! ratio ([`crate::paired`]), and a difference is called real only if its
//! 95% interval excludes 1; everything else reads "no difference measurable
//! (ratio 1.000×, 0.990–1.020)". Where the data cannot answer (a workload was
//! not run, a variant is missing, an old file was never paired) the
//! sentence says so. Each
//! question is a pure function of the entries, so it is tested on synthetic
//! data below.
//!
//! Variants are picked by the role their entry carries and workloads by
//! their purpose, never by id, so a new variant or workload takes part as
//! soon as its registry entry says what it is for.
//!
//! Where a question needs one point to quote, it is chosen by rules that
//! depend on the question: the passing idioms are quoted on the workload
//! whose purpose shows call overhead most (memory-bound, then CPU-bound, then
//! pure overhead), and the shared-state strategies and the memory question at
//! the point where most of the compared variants were measured; ties go to
//! the largest thread count and then the earlier backend in the backends
//! list (the memory question prefers 2 threads, where copies per worker and
//! per task differ most plainly).

use std::collections::BTreeMap;

use serde::Serialize;

use super::columns::{BEYOND_CEILING_MARK, DISAGREE_MARK};
use super::data::{
    Index, backend_order, backend_position, fastest, run_caveats, within_noise, workload_order,
};
use super::format::{MISSING, bytes, duration_ns, or_missing, percent, threads, times};
use super::scaling;
use crate::paired::{Interval, SLOW_CALL, mean, median_interval};
use crate::results::{Benchmark, CEILING_MARGIN, INSTRUMENTS_AGREE_WITHIN};
use crate::variants::Role;
use crate::workload::Purpose;

/// One question of the seed and its computed answer.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Finding {
    pub question: &'static str,
    pub answer: String,
    /// The figures behind the answer, one per item, when there are many.
    pub details: Vec<String>,
    /// The answer in a few words without figures (`rayon`, `no measurable
    /// difference`), so machines' answers can be compared; `None` when the
    /// question was not answered or has no short answer.
    pub short: Option<String>,
}

impl Finding {
    fn new(question: &'static str, answer: String) -> Self {
        Finding {
            question,
            answer,
            details: Vec::new(),
            short: None,
        }
    }

    fn with_short(mut self, short: String) -> Self {
        self.short = Some(short);
        self
    }
}

/// Every finding for one machine's entries.
pub fn findings(index: &Index<'_>) -> Vec<Finding> {
    vec![
        passing(index),
        shared_state(index),
        backends_on_imbalanced(index),
        break_even(index),
        memory(index),
        cores_without_progress(index),
        intermittent_use(index),
        super::processes::seed_memory_question(index),
        trust(index),
    ]
}

/// Intermittent calls this much slower on average than the same calls back
/// to back lose their steady speed.
const INTERMITTENT_LOSS: f64 = 0.10;

fn intermittent_use(index: &Index<'_>) -> Finding {
    let question = "What does the parallel call cost when used intermittently?";
    let entries = index.intermittent();
    if entries.is_empty() {
        return not_answered(
            question,
            "nothing was measured in the intermittent regime on this machine.".to_string(),
        );
    }
    let steady = |b: &Benchmark| {
        index
            .get(
                &b.key.workload,
                &b.key.variant,
                &b.key.backend,
                b.key.threads,
            )
            .and_then(Benchmark::paired_speedup)
    };
    // Quote the workload whose caller works longest, the plain parallel map
    // where it ran, at the most threads up to the core count.
    let cores = index.file().map_or(2, |f| f.machine.logical_cores.max(1));
    let longest = entries
        .iter()
        .max_by(|a, b| {
            let work = |b: &Benchmark| b.caller_work_ns.unwrap_or_default();
            work(a).total_cmp(&work(b))
        })
        .expect("not empty");
    let workload = longest.key.workload.as_str();
    let at_workload: Vec<&Benchmark> = entries
        .iter()
        .copied()
        .filter(|b| b.key.workload == workload)
        .collect();
    let variant = at_workload
        .iter()
        .find(|b| b.role == Role::PartialIdiom)
        .unwrap_or(&at_workload[0])
        .key
        .variant
        .clone();
    let threads_quoted = at_workload
        .iter()
        .map(|b| b.key.threads)
        .filter(|&t| t <= cores)
        .max()
        .unwrap_or(at_workload[0].key.threads);
    let quoted: Vec<&Benchmark> = at_workload
        .iter()
        .copied()
        .filter(|b| b.key.variant == variant && b.key.threads == threads_quoted)
        .collect();
    // A program pays the mean call: compare it with the same calls made
    // back to back in the same window (a median hides a slow mode).
    let mut lost = Vec::new();
    let mut kept = Vec::new();
    let mut losing = Vec::new();
    for b in &quoted {
        if b.call_ns.is_empty() || b.steady_call_ns.is_empty() {
            continue;
        }
        let (now, before) = (mean(&b.call_ns), mean(&b.steady_call_ns));
        let speedups = match (b.paired_speedup(), steady(b)) {
            (Some(now), Some(before)) => format!(
                "; median speedup {} against {}",
                times(now.estimate),
                times(before.estimate)
            ),
            _ => String::new(),
        };
        if now > before * (1.0 + INTERMITTENT_LOSS) {
            losing.push(b.key.backend.clone());
            lost.push(format!(
                "{}'s calls took {} longer on average than back to back ({} against {}{speedups}), \
                 and {} of them were slow (over {}× its fastest)",
                b.key.backend,
                percent(now / before - 1.0),
                duration_ns(now),
                duration_ns(before),
                or_missing(b.slow_call_share, percent),
                SLOW_CALL
            ));
        } else {
            kept.push(format!(
                "{} ({} against {} on average)",
                b.key.backend,
                duration_ns(now),
                duration_ns(before)
            ));
        }
    }
    let work = or_missing(longest.caller_work_ns, duration_ns);
    let mut answer = format!(
        "Used intermittently (after {work} of the caller's own work before each call), {variant} \
         on {workload} at {}: ",
        threads(threads_quoted)
    );
    answer.push_str(&match (lost.is_empty(), kept.is_empty()) {
        (true, true) => "no backend has both regimes measured to compare.".to_string(),
        (true, false) => format!(
            "every backend kept its steady speed within {}: {}.",
            percent(INTERMITTENT_LOSS),
            listing(&kept)
        ),
        (false, true) => format!(
            "{}. No backend kept its steady speedup: keep the parallel section busy, or batch \
             the calls.",
            listing(&lost)
        ),
        (false, false) => format!(
            "{}; {} kept {} steady speed within {}. Consider a backend that spawns its threads \
             per call, or keeping the pool busy.",
            listing(&lost),
            listing(&kept),
            if kept.len() == 1 { "its" } else { "their" },
            percent(INTERMITTENT_LOSS)
        ),
    });
    let short = match (losing.is_empty(), kept.is_empty()) {
        (true, true) => None,
        (true, false) => Some("every backend keeps its steady speed".to_string()),
        (false, _) => Some(format!("slower than steady: {}", losing.join(", "))),
    };
    let details = entries
        .iter()
        .map(|b| {
            format!(
                "{} on {}: {} intermittent against {} back to back; median call {}, p90 {}, {} slow.",
                b.key.variant,
                place(b),
                b.paired_speedup().map_or_else(|| MISSING.to_string(), |s| times(s.estimate)),
                steady(b).map_or_else(|| MISSING.to_string(), |s| times(s.estimate)),
                or_missing(b.p50_ns, duration_ns),
                or_missing(b.p90_ns, duration_ns),
                or_missing(b.slow_call_share, percent)
            )
        })
        .collect();
    Finding {
        question,
        answer,
        details,
        short,
    }
}

/// A variant keeping this many more cores busy than its speedup's upper
/// bound burns them without progress.
const IDLE_CORES: f64 = 0.25;

fn cores_without_progress(index: &Index<'_>) -> Finding {
    let question = "Which variants keep cores busy without progress?";
    let measured: Vec<&Benchmark> = index
        .all()
        .filter(|b| b.key.threads > 1 && b.cores_busy.is_some() && b.paired_speedup().is_some())
        .collect();
    if measured.is_empty() {
        let why = if index.all().any(|b| b.key.threads > 1) {
            "no parallel entry has both its CPU time and a paired speedup (a results file from \
             before paired sampling, or a platform without a process CPU clock)."
        } else {
            "no parallel entry was measured back to back (steady) on this machine."
        };
        return not_answered(question, why.to_string());
    }
    let excess = |b: &Benchmark| {
        let upper = b.paired_speedup().map_or(f64::INFINITY, |s| s.upper);
        b.cores_busy.unwrap_or_default() - upper
    };
    let mut burning: Vec<&Benchmark> = measured
        .iter()
        .copied()
        .filter(|b| excess(b) > IDLE_CORES)
        .collect();
    burning.sort_by(|a, b| excess(b).total_cmp(&excess(a)));
    let describe = |b: &Benchmark| {
        format!(
            "{} on {} keeps {:.2} cores busy for a speedup of {}: {:.2} cores of work produce nothing",
            b.key.variant,
            place(b),
            b.cores_busy.unwrap_or_default(),
            times(b.speedup.unwrap_or_default()),
            b.cores_busy.unwrap_or_default() - b.speedup.unwrap_or_default()
        )
    };
    let answer = match burning.first() {
        None => format!(
            "None: in all {} parallel entries with CPU time, the cores kept busy stay within {:.2} of the speedup's upper bound.",
            measured.len(),
            IDLE_CORES
        ),
        Some(worst) => format!(
            "{} of {} parallel entries burn more than {:.2} cores beyond their speedup: CPU time spent on something other than the items (copying the state, spinning on a contended lock or atomic, workers spinning while they wait). The worst: {}.",
            burning.len(),
            measured.len(),
            IDLE_CORES,
            describe(worst)
        ),
    };
    let mut variants: Vec<&str> = burning.iter().map(|b| b.key.variant.as_str()).collect();
    variants.sort_by(|a, b| super::data::variant_order(a, b));
    variants.dedup();
    Finding {
        question,
        answer,
        details: burning
            .iter()
            .skip(1)
            .map(|b| format!("{}.", describe(b)))
            .collect(),
        short: Some(match variants.is_empty() {
            true => "none".to_string(),
            false => variants.join(", "),
        }),
    }
}

fn trust(index: &Index<'_>) -> Finding {
    let question = "How far can these numbers be trusted?";
    let mut sentences: Vec<String> = index.file().map(run_caveats).unwrap_or_default();
    let paired = index.all().filter(|b| b.paired_speedup().is_some()).count();
    let total = index.all().count();
    if total == 0 {
        sentences.push("No entry was measured back to back (steady) on this machine.".to_string());
    } else if paired == 0 {
        sentences.push(format!(
            "None of the {total} speedups is paired (a results file from before paired sampling): \
             each is criterion's ratio of two times taken at different moments, so host drift \
             enters it whole."
        ));
    } else {
        sentences.push(format!(
            "{paired} of {total} speedups are paired: measured in alternating rounds with the \
             sequential loop, each with its 95% interval."
        ));
    }
    let disagree: Vec<&Benchmark> = index.all().filter(|b| b.instruments_disagree).collect();
    let details: Vec<String> = disagree
        .iter()
        .map(|b| {
            format!(
                "{} on {}: paired {} against criterion's {} {}",
                b.key.variant,
                place(b),
                times(b.speedup.unwrap_or_default()),
                times(b.criterion_speedup.unwrap_or_default()),
                DISAGREE_MARK
            )
        })
        .chain(index.all().filter_map(|b| {
            let beyond = b.beyond_ceiling.as_ref()?;
            Some(format!(
                "{} on {}: {} against a ceiling of {} {BEYOND_CEILING_MARK}: {}",
                b.key.variant,
                place(b),
                times(b.speedup.unwrap_or_default()),
                times(beyond.ceiling),
                beyond.explanation
            ))
        }))
        .collect();
    if paired > 0 {
        sentences.push(if disagree.is_empty() {
            format!(
                "Criterion's ratio of times agrees with every paired speedup within {}.",
                percent(INSTRUMENTS_AGREE_WITHIN)
            )
        } else {
            format!(
                "In {} entries ({DISAGREE_MARK}) criterion's ratio of times and the paired speedup \
                 differ by more than {}: two instruments that disagree. Either the host moved \
                 between criterion's measurements of the two, or (for calls of nanoseconds) the \
                 two harnesses' own overhead per call differs.",
                disagree.len(),
                percent(INSTRUMENTS_AGREE_WITHIN)
            )
        });
    }
    let beyond = index.all().filter(|b| b.beyond_ceiling.is_some()).count();
    if beyond > 0 {
        sentences.push(format!(
            "{beyond} speedups ({BEYOND_CEILING_MARK}) lie more than {} above the machine's measured \
             ceiling; each names its likely cause below.",
            percent(CEILING_MARGIN)
        ));
    }
    Finding {
        question,
        answer: sentences.join(" "),
        details,
        short: None,
    }
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

fn not_answered(question: &'static str, why: String) -> Finding {
    Finding::new(question, format!("Not answered: {why}"))
}

/// `no difference measurable (ratio 1.000×, 0.990–1.020)`, or `1.500× the
/// time (1.450–1.520)` when the paired interval excludes 1: a difference is called
/// real only then.
fn ratio_verdict(r: &Interval) -> String {
    if r.contains(1.0) {
        format!(
            "no difference measurable (ratio {:.3}×, {:.3}–{:.3})",
            r.estimate, r.lower, r.upper
        )
    } else {
        format!(
            "{:.3}× the time ({:.3}–{:.3})",
            r.estimate, r.lower, r.upper
        )
    }
}

/// How far from equal a paired time ratio may be, given its interval: the
/// bound on any difference between the two.
fn reach(r: &Interval) -> f64 {
    (r.upper - 1.0).max(1.0 - r.lower)
}

/// One paired comparison quoted in a finding.
struct Paired<'a> {
    entry: &'a Benchmark,
    with: &'a str,
    ratio: Interval,
}

impl Paired<'_> {
    fn describe(&self) -> String {
        format!(
            "{} against {}: {}",
            self.entry.key.variant,
            self.with,
            ratio_verdict(&self.ratio)
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

fn passing(index: &Index<'_>) -> Finding {
    let question = "Do closure, function object and method reference differ?";
    let [partial, class, method] = Role::IDIOMS;
    // Worker processes run the three alike by construction (the same bytes
    // cross the process boundary, the same code runs there): their ratios
    // would only pull the answer towards "no difference".
    let in_process = |b: &&Benchmark| {
        crate::backends::backend(&b.key.backend).is_ok_and(|backend| backend.shares_memory())
    };
    let mut points: Vec<[&Benchmark; 3]> = index
        .all()
        .filter(in_process)
        .filter(|b| b.role == partial)
        .filter_map(|c| Some([c, index.with_role(c, class)?, index.with_role(c, method)?]))
        .collect();
    if points.is_empty() {
        return not_answered(
            question,
            "the seed's three idioms (partial, callable class, bound method) were never measured \
             together (same workload, backend and thread count)."
                .to_string(),
        );
    }
    // Per-item call overhead shows most where the work per item is least.
    let preferred = [Purpose::MemoryBound, Purpose::CpuBound, Purpose::Overhead];
    let workload_rank = |workload: &str| {
        let purpose = index.purpose(workload);
        preferred
            .iter()
            .position(|p| *p == purpose)
            .unwrap_or(preferred.len())
    };
    // Each workload's points together (ties of rank keep report order).
    points.sort_by(|[a, ..], [b, ..]| {
        workload_rank(&a.key.workload)
            .cmp(&workload_rank(&b.key.workload))
            .then_with(|| workload_order(&a.key.workload, &b.key.workload))
            .then_with(|| backend_rank(&a.key.backend).cmp(&backend_rank(&b.key.backend)))
            .then_with(|| b.key.threads.cmp(&a.key.threads))
    });
    fn pairs_at<'a>([p, c, m]: &[&'a Benchmark; 3]) -> Vec<Paired<'a>> {
        let mut pairs = paired_with(c, &[p]);
        pairs.extend(paired_with(m, &[p, c]));
        pairs
    }
    if points.iter().all(|p| pairs_at(p).is_empty()) {
        return not_answered(
            question,
            format!(
                "the three idioms were measured at {} points, but never paired (a results file \
                 from before paired sampling): run `cargo bench` again.",
                points.len()
            ),
        );
    }
    // One sentence per workload, the preferred workload first.
    let mut sentences = Vec::new();
    let mut short = None;
    let mut workloads: Vec<&str> = points.iter().map(|p| p[0].key.workload.as_str()).collect();
    workloads.dedup();
    for workload in workloads {
        let at: Vec<&[&Benchmark; 3]> = points
            .iter()
            .filter(|p| p[0].key.workload == workload)
            .collect();
        let pairs: Vec<Paired> = at.iter().flat_map(|p| pairs_at(p)).collect();
        if pairs.is_empty() {
            sentences.push(format!("On {workload} the three were not paired."));
            continue;
        }
        // One bound for the workload: the median of the paired ratios over
        // its points, with its own interval (one disturbed round widens a
        // single point's interval, not this one).
        let mut estimates: Vec<f64> = pairs.iter().map(|p| p.ratio.estimate).collect();
        let pooled = median_interval(&mut estimates);
        let real: Vec<&Paired> = pairs.iter().filter(|p| !p.ratio.contains(1.0)).collect();
        // The short answer: the preferred workload's typical difference.
        // Words only: machines that measured other workloads still compare.
        short.get_or_insert_with(|| match pooled.contains(1.0) {
            true => "no measurable difference".to_string(),
            false => "a measurable difference".to_string(),
        });
        // Below 6 values the order statistics bound the median only by the
        // range, with less than 95% confidence: say so.
        let bounds = if estimates.len() >= 6 {
            "95% interval"
        } else {
            "range"
        };
        let mut sentence = format!(
            "On {workload}, the typical difference between closure, function object and method \
             reference is under {}: the median of their {} paired time ratios over {} backend and \
             thread-count point{} is {:.3}× ({bounds} {:.3}–{:.3})",
            percent(reach(&pooled)),
            pairs.len(),
            at.len(),
            if at.len() == 1 { "" } else { "s" },
            pooled.estimate,
            pooled.lower,
            pooled.upper
        );
        match real.iter().max_by(|a, b| {
            (a.ratio.estimate - 1.0)
                .abs()
                .total_cmp(&(b.ratio.estimate - 1.0).abs())
        }) {
            None => sentence.push_str("; no difference is measurable at any point."),
            Some(largest) => sentence.push_str(&format!(
                "; a difference is measurable in {} of the {} paired comparisons (by chance \
                 alone, about 1 in 20 would be), the largest {} on {}.",
                real.len(),
                pairs.len(),
                largest.describe(),
                place(largest.entry)
            )),
        }
        sentences.push(sentence);
    }
    let head = &points[0];
    let details = vec![format!(
        "On {}: {}.",
        place(head[0]),
        pairs_at(head)
            .iter()
            .map(Paired::describe)
            .collect::<Vec<_>>()
            .join("; ")
    )];
    if index.all().any(|b| !in_process(&b) && b.role == partial) {
        sentences.push(
            "Worker processes are left out: across a process boundary the three send the same \
             bytes and run the same code."
                .to_string(),
        );
    }
    Finding {
        question,
        answer: sentences.join(" "),
        details,
        short,
    }
}

/// Fastest first.
fn by_time<'a>(entries: &[&'a Benchmark]) -> Vec<&'a Benchmark> {
    let mut sorted = entries.to_vec();
    sorted.sort_by(|a, b| a.time_ns.estimate.total_cmp(&b.time_ns.estimate));
    sorted
}

/// Are two entries of one workload the same speed within noise? By their
/// paired speedups (each against the sequential loop of its own time
/// window, so drift cancels) when both have one, else by criterion's
/// confidence intervals of their times.
fn same_within_noise(a: &Benchmark, b: &Benchmark) -> bool {
    match (a.paired_speedup(), b.paired_speedup()) {
        (Some(x), Some(y)) => x.lower <= y.upper && y.lower <= x.upper,
        _ => within_noise(&a.time_ns, &b.time_ns),
    }
}

fn shared_state(index: &Index<'_>) -> Finding {
    let question = "What does shared mutable state cost?";
    let mut sentences = Vec::new();
    let mut not_run = Vec::new();
    let mut short = None;
    for (purpose, kind) in [
        (Purpose::MemoryBound, "memory-bound"),
        (Purpose::CpuBound, "CPU-bound"),
    ] {
        let workloads = index.workloads_for(purpose);
        if workloads.is_empty() {
            not_run.push(kind.to_string());
        }
        for workload in workloads {
            // The short answer, on the first workload: the strategies whose
            // paired time ratio to the private fold lies above 1.
            if short.is_none() {
                short = costlier_than_the_fold(index, workload);
            }
            sentences.push(shared_sums(index, workload));
            sentences.extend(shared_sums_in_model_terms(index, workload));
            if let Some(sentence) = shared_workers(index, workload) {
                sentences.push(sentence);
            }
        }
    }
    if sentences.is_empty() {
        return not_answered(
            question,
            "no memory-bound or CPU-bound workload was run on this machine.".to_string(),
        );
    }
    if !not_run.is_empty() {
        sentences.push(format!(
            "(No {} workload was run on this machine.)",
            listing(&not_run)
        ));
    }
    Finding {
        short,
        ..Finding::new(question, sentences.join(" "))
    }
}

/// `costlier than fold_reduce on compute: atomic_sum, mutex_sum` (the
/// shared-sum strategies whose paired time ratio to the private fold lies
/// above 1, in the variants list's order), or `none costlier than ...`;
/// `None` when none of them was paired with the fold there.
fn costlier_than_the_fold(index: &Index<'_>, workload: &str) -> Option<String> {
    let present = common_point(index, workload, &Role::SHARED_SUMS);
    let fold = present.iter().find(|b| b.role == Role::SHARED_SUMS[0])?;
    let ratios: Vec<(&str, Interval)> = present
        .iter()
        .filter_map(|b| Some((b.key.variant.as_str(), b.compared_with(&fold.key.variant)?)))
        .collect();
    if ratios.is_empty() {
        return None;
    }
    let mut costlier: Vec<&str> = ratios
        .iter()
        .filter(|(_, r)| r.lower > 1.0)
        .map(|(variant, _)| *variant)
        .collect();
    costlier.sort_by(|a, b| super::data::variant_order(a, b));
    let fold = &fold.key.variant;
    Some(match costlier.is_empty() {
        true => format!("none costlier than {fold} on {workload}"),
        false => format!(
            "costlier than {fold} on {workload}: {}",
            costlier.join(", ")
        ),
    })
}

/// The (backend, threads) of a workload where most of `roles` were
/// measured, preferring more threads and then the preferred backend; the
/// entries there, in the order of `roles`.
fn common_point<'a>(index: &Index<'a>, workload: &str, roles: &[Role]) -> Vec<&'a Benchmark> {
    let mut best: Vec<&Benchmark> = Vec::new();
    let mut best_key = None;
    for b in index
        .of_workload(workload)
        .into_iter()
        .filter(|b| roles.contains(&b.role))
    {
        let present: Vec<&Benchmark> = roles
            .iter()
            .filter_map(|role| index.with_role(b, *role))
            .collect();
        let key = (
            present.len(),
            b.key.threads,
            std::cmp::Reverse(backend_rank(&b.key.backend)),
        );
        if best_key.is_none_or(|k| key > k) {
            best_key = Some(key);
            best = present;
        }
    }
    best
}

fn shared_sums(index: &Index<'_>, workload: &str) -> String {
    let present = common_point(index, workload, &Role::SHARED_SUMS);
    if present.len() < 2 {
        return format!(
            "On {workload}, fewer than two shared-sum strategies were measured at the same backend \
             and thread count."
        );
    }
    let baseline = present
        .iter()
        .find(|b| b.role == Role::SHARED_SUMS[0])
        .copied();
    let baseline = baseline
        .or_else(|| fastest(present.iter().copied()))
        .unwrap_or(present[0]);
    let others: Vec<&Benchmark> = by_time(&present)
        .into_iter()
        .filter(|b| b.key.variant != baseline.key.variant)
        .collect();
    let compared: Vec<String> = others
        .iter()
        .map(|b| match b.compared_with(&baseline.key.variant) {
            Some(ratio) => format!("{} {}", b.key.variant, ratio_verdict(&ratio)),
            None => format!("{} not paired with it", b.key.variant),
        })
        .collect();
    let mut sentence = format!(
        "On {}, against {} ({} per call), paired: {}.",
        place(baseline),
        baseline.key.variant,
        duration_ns(baseline.time_ns.estimate),
        listing(&compared)
    );
    let missing = Role::SHARED_SUMS.len() - present.len();
    if missing > 0 {
        sentence.push_str(&format!(
            " ({missing} more shared-sum strateg{} not measured there.)",
            if missing == 1 { "y was" } else { "ies were" }
        ));
    }
    sentence
}

/// The shared sums' cost as contention and coherency (issue 11), at the
/// backend [`shared_sums`] compares them on.
fn shared_sums_in_model_terms(index: &Index<'_>, workload: &str) -> Option<String> {
    let file = index.file()?;
    let present = common_point(index, workload, &Role::SHARED_SUMS);
    let backend = &present.first()?.key.backend;
    let variants: Vec<&str> = present.iter().map(|b| b.key.variant.as_str()).collect();
    scaling::shared_state_in_model_terms(file, workload, backend, &variants)
}

fn shared_workers(index: &Index<'_>, workload: &str) -> Option<String> {
    let present = common_point(index, workload, &Role::WORKERS);
    let [locked, private] = present.as_slice() else {
        return None;
    };
    let verdict = match private.compared_with(&locked.key.variant) {
        Some(ratio) => ratio_verdict(&ratio.inverse()),
        None => format!(
            "{} the time, not paired",
            times(locked.time_ns.estimate / private.time_ns.estimate)
        ),
    };
    Some(format!(
        "One stateful worker behind a Mutex ({}) against one worker per thread ({}), paired: {verdict}; \
         {} against {} per call.",
        locked.key.variant,
        private.key.variant,
        duration_ns(locked.time_ns.estimate),
        duration_ns(private.time_ns.estimate)
    ))
}

fn backends_on_imbalanced(index: &Index<'_>) -> Finding {
    let question = "Which backend wins on imbalanced work?";
    let Some(imbalanced) = index.workloads_for(Purpose::Imbalance).first().copied() else {
        return not_answered(
            question,
            "no workload of imbalanced items was run on this machine.".to_string(),
        );
    };
    let mut groups: BTreeMap<(String, u64), Vec<&Benchmark>> = BTreeMap::new();
    for b in index
        .of_workload(imbalanced)
        .into_iter()
        .filter(|b| b.key.threads > 1)
    {
        groups
            .entry((b.key.variant.clone(), b.key.threads))
            .or_default()
            .push(b);
    }
    groups.retain(|_, g| g.len() > 1);
    if groups.is_empty() {
        return not_answered(
            question,
            format!(
                "on {imbalanced}, no variant ran on two or more backends at the same thread count above 1."
            ),
        );
    }
    // Quote the plain parallel map where it ran, at the most threads.
    let head = groups
        .iter()
        .max_by_key(|((_, threads), g)| (g[0].role == Role::PartialIdiom, *threads))
        .map(|(_, g)| by_time(g))
        .unwrap_or_default();
    let each: Vec<String> = head
        .iter()
        .map(|b| format!("{} with {}", duration_ns(b.time_ns.estimate), b.key.backend))
        .collect();
    let (winner, runner_up) = (head[0], head[1]);
    let noise = if same_within_noise(winner, runner_up) {
        "within noise"
    } else {
        "beyond noise"
    };
    let short = winner.key.backend.clone();
    let mut answer = format!(
        "On {imbalanced} at {}, {} takes {}: {} is fastest, {} ahead of {} ({noise}).",
        threads(winner.key.threads),
        winner.key.variant,
        listing(&each),
        winner.key.backend,
        times(runner_up.time_ns.estimate / winner.time_ns.estimate),
        runner_up.key.backend
    );
    let mut wins: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for group in groups.values() {
        for b in group {
            wins.entry(b.key.backend.as_str()).or_default();
        }
        let g = by_time(group);
        let clear = !same_within_noise(g[0], g[1]);
        let tally = wins.entry(g[0].key.backend.as_str()).or_default();
        tally.0 += 1;
        tally.1 += usize::from(clear);
    }
    let mut tallies: Vec<(&str, (usize, usize))> = wins.into_iter().collect();
    tallies.sort_by(|a, b| b.1.0.cmp(&a.1.0).then_with(|| backend_order(a.0, b.0)));
    let tallies: Vec<String> = tallies
        .iter()
        .map(|(backend, (won, clear))| format!("{backend} {won} ({clear} beyond noise)"))
        .collect();
    answer.push_str(&format!(
        " Over all {} variant and thread-count points where two or more backends ran, the fastest was: {}.",
        groups.len(),
        listing(&tallies)
    ));
    Finding::new(question, answer).with_short(short)
}

/// How the best parallel run of a workload compares with its sequential loop.
struct Race<'a> {
    workload: &'a str,
    ns_per_item: f64,
    call_ns: f64,
    best: &'a Benchmark,
    sequential: &'a Benchmark,
}

impl Race<'_> {
    /// Beyond noise: the paired speedup's interval lies above 1 (or, for
    /// an entry never paired, criterion's intervals do not overlap).
    fn parallel_wins(&self) -> bool {
        match self.best.paired_speedup() {
            Some(s) => s.lower > 1.0,
            None => self.best.time_ns.upper < self.sequential.time_ns.lower,
        }
    }

    fn within_noise(&self) -> bool {
        match self.best.paired_speedup() {
            Some(s) => s.contains(1.0),
            None => within_noise(&self.best.time_ns, &self.sequential.time_ns),
        }
    }

    fn describe(&self) -> String {
        let speedup = self
            .best
            .speedup
            .unwrap_or(self.sequential.time_ns.estimate / self.best.time_ns.estimate);
        let outcome = if self.within_noise() {
            "is within noise of it".to_string()
        } else if self.parallel_wins() {
            format!("is {} faster", times(speedup))
        } else {
            format!("takes {} as long", times(1.0 / speedup))
        };
        format!(
            "{} ({} per item, {} per call sequentially): the best parallel run ({}, {}, {}) {outcome}.",
            self.workload,
            duration_ns(self.ns_per_item),
            duration_ns(self.call_ns),
            self.best.key.variant,
            self.best.key.backend,
            threads(self.best.key.threads)
        )
    }
}

/// The measure (per item or per call) above which parallel wins, if one
/// separates the winning workloads from the others.
fn threshold(races: &[Race<'_>], measure: fn(&Race<'_>) -> f64, unit: &str) -> Option<String> {
    let (won, lost): (Vec<&Race>, Vec<&Race>) = races.iter().partition(|r| r.parallel_wins());
    let highest_loss = lost
        .iter()
        .max_by(|a, b| measure(a).total_cmp(&measure(b)))?;
    let lowest_win = won
        .iter()
        .min_by(|a, b| measure(a).total_cmp(&measure(b)))?;
    (measure(highest_loss) < measure(lowest_win)).then(|| {
        format!(
            "So on this machine parallel pays off from somewhere between {} ({}, where it does not) and {} \
             ({}, where it does) of sequential work {unit}.",
            duration_ns(measure(highest_loss)),
            highest_loss.workload,
            duration_ns(measure(lowest_win)),
            lowest_win.workload
        )
    })
}

fn break_even(index: &Index<'_>) -> Finding {
    let question = "From how much work per item does parallel beat sequential?";
    let mut races = Vec::new();
    let mut unmeasured = Vec::new();
    for workload in index.workloads() {
        let rows = index.of_workload(workload);
        let best = fastest(rows.iter().copied().filter(|b| b.key.threads > 1));
        match (index.baseline(workload), best) {
            (Some(sequential), Some(best)) if sequential.items > 0 => races.push(Race {
                workload,
                ns_per_item: sequential.time_ns.estimate / sequential.items as f64,
                call_ns: sequential.time_ns.estimate,
                best,
                sequential,
            }),
            _ => unmeasured.push(workload.to_string()),
        }
    }
    // The break-even map (issue 11) answers first, where the run measured it.
    let map = index.file().and_then(scaling::break_even_answer);
    if races.is_empty() {
        return match map {
            Some(answer) => Finding::new(question, answer),
            None => not_answered(
                question,
                "no workload has both its sequential loop and a parallel run measured on this \
                 machine."
                    .to_string(),
            ),
        };
    }
    races.sort_by(|a, b| a.ns_per_item.total_cmp(&b.ns_per_item));
    let winners = races.iter().filter(|r| r.parallel_wins()).count();
    let conclusion = if winners == 0 {
        let most = races.last().map_or(0.0, |r| r.ns_per_item);
        format!(
            "Parallel never beat the sequential loop beyond noise here, even at {} per item.",
            duration_ns(most)
        )
    } else if winners == races.len() {
        format!(
            "Parallel beat the sequential loop on every workload, down to {} per item.",
            duration_ns(races[0].ns_per_item)
        )
    } else if let Some(per_item) = threshold(&races, |r| r.ns_per_item, "per item") {
        per_item
    } else if let Some(per_call) = threshold(&races, |r| r.call_ns, "per call") {
        format!(
            "No amount of work per item separates the workloads where parallel wins, but the work per call does. {per_call}"
        )
    } else {
        "Neither the work per item nor the work per call separates the workloads where parallel wins \
         from the others: something other than the amount of work decides here."
            .to_string()
    };
    let mut answer = match map {
        Some(map) => format!("{map} The sweep's workloads bracket it more coarsely. {conclusion}"),
        None => conclusion,
    };
    if !unmeasured.is_empty() {
        answer.push_str(&format!(
            " Left out, without both a sequential and a parallel run: {}.",
            listing(&unmeasured)
        ));
    }
    let details = races.iter().map(Race::describe).collect();
    let wins: Vec<&str> = races
        .iter()
        .filter(|r| r.parallel_wins())
        .map(|r| r.workload)
        .collect();
    let short = match wins.len() {
        0 => "parallel wins on no workload".to_string(),
        _ => format!("parallel wins on {}", wins.join(", ")),
    };
    Finding {
        question,
        answer,
        details,
        short: Some(short),
    }
}

fn memory(index: &Index<'_>) -> Finding {
    let question =
        "Does a function object hold the constant state more cheaply than a closure (partial)?";
    let Some(big_state) = index.workloads_for(Purpose::StateSize).first().copied() else {
        return not_answered(
            question,
            "no workload with a large constant state was run on this machine, so copies of the state \
             were not counted."
                .to_string(),
        );
    };
    let counted: Vec<&Benchmark> = index
        .of_workload(big_state)
        .into_iter()
        .filter(|b| b.memory.state_copies.is_some())
        .collect();
    let Some(threads_used) = counted
        .iter()
        .map(|b| b.key.threads)
        .filter(|t| *t > 1)
        .min_by_key(|t| (*t != 2, *t))
        .or_else(|| counted.first().map(|b| b.key.threads))
    else {
        return not_answered(
            question,
            format!(
                "the {big_state} entries carry no memory figures (a schema 1 file, or no memory pass)."
            ),
        );
    };
    let Some(backend) = counted
        .iter()
        .filter(|b| b.key.threads == threads_used && Role::MEMORY_QUESTION.contains(&b.role))
        .map(|b| b.key.backend.as_str())
        .min_by_key(|b| backend_rank(b))
    else {
        return not_answered(
            question,
            format!(
                "none of the variants that copy, share or borrow the state has memory figures on {big_state}."
            ),
        );
    };
    let at = |role: Role| {
        counted
            .iter()
            .copied()
            .find(|b| b.role == role && b.key.backend == backend && b.key.threads == threads_used)
    };
    let copies = |b: &Benchmark| b.memory.state_copies.unwrap_or_default();
    let mut each = Vec::new();
    let mut missing = 0;
    for role in Role::MEMORY_QUESTION {
        match at(role) {
            Some(b) => {
                let mut figures = Vec::new();
                if let Some(n) = b.memory.bytes_allocated {
                    figures.push(format!("{} allocated", bytes(n)));
                }
                if let Some(n) = b.memory.peak_live_bytes {
                    figures.push(format!("peak {} live", bytes(n)));
                }
                let figures = if figures.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", figures.join(", "))
                };
                each.push(format!("{} {}{figures}", b.key.variant, copies(b)));
            }
            None => missing += 1,
        }
    }
    let mut answer = format!(
        "On {big_state} with {backend} at {}, the deep copies of the constant state made by one call were: {}.",
        threads(threads_used),
        listing(&each)
    );
    let partial = at(Role::PartialIdiom);
    let mut short = None;
    if let (Some(object), Some(closure)) = (at(Role::CallableClassIdiom), partial) {
        // Words only: the counts follow the chunks, which follow the cores.
        short = Some(
            match copies(object).cmp(&copies(closure)) {
                std::cmp::Ordering::Equal => "a function object copies as often as a closure",
                std::cmp::Ordering::Less => "a function object copies less often than a closure",
                std::cmp::Ordering::Greater => "a function object copies more often than a closure",
            }
            .to_string(),
        );
        answer.push_str(&if copies(object) == copies(closure) {
            format!(
                " A function object copies the state exactly as often as a closure capturing it ({} times).",
                copies(closure)
            )
        } else {
            format!(
                " A function object made {} copies against {} for a closure capturing it.",
                copies(object),
                copies(closure)
            )
        });
    }
    if let (Some(per_task), Some(closure)) = (at(Role::CopyPerTask), partial) {
        let allocated = match (
            per_task.memory.bytes_allocated,
            closure.memory.bytes_allocated,
        ) {
            (Some(p), Some(c)) => format!(", allocating {} against {}", bytes(p), bytes(c)),
            _ => String::new(),
        };
        answer.push_str(&format!(
            " Copying the state per task made {} copies where borrowing it made {}{allocated}.",
            copies(per_task),
            copies(closure)
        ));
    }
    let elsewhere: Vec<String> = counted
        .iter()
        .filter(|b| {
            b.role == Role::CopyPerTask && b.key.threads == threads_used && b.key.backend != backend
        })
        .map(|b| format!("{} with {}", copies(b), b.key.backend))
        .collect();
    if let (false, Some(per_task)) = (elsewhere.is_empty(), at(Role::CopyPerTask)) {
        answer.push_str(&format!(
            " On the other backends at {}, {} made {}.",
            threads(threads_used),
            per_task.key.variant,
            listing(&elsewhere)
        ));
    }
    if missing > 0 {
        answer.push_str(&format!(
            " {missing} of the {} ways of holding the state {} not measured there.",
            Role::MEMORY_QUESTION.len(),
            if missing == 1 { "was" } else { "were" }
        ));
    }
    Finding {
        short,
        ..Finding::new(question, answer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::data::tests::entry;

    /// The findings of synthetic entries (workloads known to this build).
    fn findings_of(entries: &[Benchmark]) -> Vec<Finding> {
        findings(&Index::new(entries))
    }

    fn answer_to(findings: &[Finding], starts: &str) -> String {
        findings
            .iter()
            .find(|f| f.question.starts_with(starts))
            .map(|f| {
                [f.answer.clone()]
                    .into_iter()
                    .chain(f.details.clone())
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .unwrap()
    }

    /// `b` with a paired speedup and paired time ratios against others.
    fn paired(b: Benchmark, speedup: [f64; 3], compared: &[(&str, [f64; 3])]) -> Benchmark {
        let interval = |[estimate, lower, upper]: [f64; 3]| Interval {
            estimate,
            lower,
            upper,
        };
        b.with_paired(crate::results::PairedFigures {
            speedup: interval(speedup),
            rounds: 6,
            target_reached: Some(true),
            wall_ns: 1000.0,
            cpu_time_ns: None,
            compared: compared
                .iter()
                .map(|(with, r)| crate::results::Comparison {
                    with: with.to_string(),
                    time_ratio: interval(*r),
                })
                .collect(),
        })
    }

    #[test]
    fn passing_idioms_state_their_bound_when_no_difference_is_measurable() {
        let same = [1.0, 1.0, 1.0];
        let entries = [
            paired(entry("trivial", "closure", "rayon", 4, 1000.0), same, &[]),
            paired(
                entry("trivial", "function_object", "rayon", 4, 1010.0),
                same,
                &[("closure", [1.0, 0.99, 1.01])],
            ),
            paired(
                entry("trivial", "method_reference", "rayon", 4, 1005.0),
                same,
                &[
                    ("closure", [1.005, 0.99, 1.012]),
                    ("function_object", [1.0, 0.995, 1.01]),
                ],
            ),
        ];
        let answer = answer_to(&findings_of(&entries), "Do closure");
        assert!(
            answer.starts_with(
                "On trivial, the typical difference between closure, function object and method \
                 reference is under 0.5%: the median of their 3 paired time ratios over 1 backend \
                 and thread-count point is 1.000× (range 1.000–1.005); no difference is measurable \
                 at any point."
            ),
            "{answer}"
        );
        assert!(
            answer.contains(
                "On trivial (rayon, 4 threads): function_object against closure: no difference \
                 measurable (ratio 1.000×, 0.990–1.010); method_reference against closure"
            ),
            "{answer}"
        );
    }

    #[test]
    fn a_difference_is_real_only_when_its_paired_interval_excludes_one() {
        let same = [1.0, 1.0, 1.0];
        let entries = [
            paired(
                entry("compute", "closure", "crossbeam", 2, 1000.0),
                same,
                &[],
            ),
            paired(
                entry("compute", "function_object", "crossbeam", 2, 1000.0),
                same,
                &[("closure", [1.0, 0.98, 1.02])],
            ),
            paired(
                entry("compute", "method_reference", "crossbeam", 2, 1500.0),
                same,
                &[
                    ("closure", [1.5, 1.45, 1.55]),
                    ("function_object", [1.49, 1.44, 1.53]),
                ],
            ),
            entry("seed", "closure", "rayon", 2, 1000.0),
            entry("seed", "function_object", "rayon", 2, 1001.0),
            entry("seed", "method_reference", "rayon", 2, 1002.0),
        ];
        let answer = answer_to(&findings_of(&entries), "Do closure");
        assert!(
            answer.starts_with(
                "On compute, the typical difference between closure, function object and method \
                 reference is under 50%: the median of their 3 paired time ratios over 1 backend \
                 and thread-count point is 1.490× (range 1.000–1.500); a difference is measurable \
                 in 2 of the 3 paired \
                 comparisons (by chance alone, about 1 in 20 would be), the largest method_reference \
                 against closure: 1.500× the time \
                 (1.450–1.550) on compute (crossbeam, 2 threads)."
            ),
            "{answer}"
        );
        // Entries never paired are said to be so, not compared by criterion's times.
        assert!(
            answer.contains("On seed the three were not paired."),
            "{answer}"
        );
    }

    #[test]
    fn each_workload_gets_one_idiom_sentence_even_when_their_points_interleave() {
        let one = [1.0, 1.0, 1.0];
        let near = [1.0, 0.99, 1.01];
        let mut entries = Vec::new();
        // imbalanced and big_state rank alike; their points must not interleave.
        for workload in ["imbalanced", "big_state"] {
            for backend in ["rayon", "crossbeam"] {
                entries.push(paired(
                    entry(workload, "closure", backend, 2, 1000.0),
                    one,
                    &[],
                ));
                entries.push(paired(
                    entry(workload, "function_object", backend, 2, 1000.0),
                    one,
                    &[("closure", near)],
                ));
                entries.push(paired(
                    entry(workload, "method_reference", backend, 2, 1000.0),
                    one,
                    &[("closure", near), ("function_object", near)],
                ));
            }
        }
        let answer = answer_to(&findings_of(&entries), "Do closure");
        assert_eq!(
            answer.matches("On imbalanced, the typical").count(),
            1,
            "{answer}"
        );
        assert_eq!(
            answer.matches("On big_state, the typical").count(),
            1,
            "{answer}"
        );
        assert!(
            answer.contains("over 2 backend and thread-count points"),
            "{answer}"
        );
    }

    #[test]
    fn idioms_never_paired_are_not_compared() {
        let entries = [
            entry("compute", "closure", "rayon", 2, 1000.0),
            entry("compute", "function_object", "rayon", 2, 1000.0),
            entry("compute", "method_reference", "rayon", 2, 1500.0),
        ];
        let answer = answer_to(&findings_of(&entries), "Do closure");
        assert!(
            answer.starts_with(
                "Not answered: the three idioms were measured at 1 points, but never paired"
            ),
            "{answer}"
        );
    }

    #[test]
    fn shared_state_costs_are_paired_ratios_to_the_private_fold() {
        let one = [1.0, 1.0, 1.0];
        let entries = [
            paired(
                entry("compute", "fold_reduce", "rayon", 4, 1000.0),
                one,
                &[],
            ),
            paired(
                entry("compute", "sharded_sum", "rayon", 4, 1010.0),
                one,
                &[("fold_reduce", [1.01, 0.99, 1.03])],
            ),
            paired(
                entry("compute", "atomic_sum", "rayon", 4, 1500.0),
                one,
                &[("fold_reduce", [1.5, 1.45, 1.55])],
            ),
            paired(
                entry("compute", "mutex_sum", "rayon", 4, 4000.0),
                one,
                &[("fold_reduce", [4.0, 3.9, 4.1])],
            ),
            entry("compute", "fold_reduce", "rayon", 2, 1800.0),
            entry("compute", "mutex_worker", "rayon", 4, 3000.0),
            paired(
                entry("compute", "worker_per_thread", "rayon", 4, 1000.0),
                one,
                &[("mutex_worker", [0.25, 0.2, 0.5])],
            ),
        ];
        let answer = answer_to(&findings_of(&entries), "What does shared");
        assert!(
            answer.contains(
                "On compute (rayon, 4 threads), against fold_reduce (1.00 µs per call), paired: \
                 sharded_sum no difference measurable (ratio 1.010×, 0.990–1.030), atomic_sum 1.500× \
                 the time (1.450–1.550) and mutex_sum 4.000× the time (3.900–4.100)."
            ),
            "{answer}"
        );
        assert!(
            answer.contains(
                "One stateful worker behind a Mutex (mutex_worker) against one worker per thread \
                 (worker_per_thread), paired: 4.000× the time (2.000–5.000); 3.00 µs against 1.00 µs per call."
            ),
            "{answer}"
        );
        assert!(answer.contains("(No memory-bound workload was run on this machine.)"));
    }

    #[test]
    fn cores_busy_beyond_the_speedup_are_called_out() {
        let busy = |b: Benchmark, speedup: [f64; 3], cores: f64| {
            let mut b = paired(b, speedup, &[]);
            b.cores_busy = Some(cores);
            b
        };
        let entries = [
            busy(
                entry("compute", "closure", "rayon", 2, 1000.0),
                [1.95, 1.9, 1.98],
                1.99,
            ),
            busy(
                entry("compute", "mutex_worker", "rayon", 2, 3000.0),
                [0.82, 0.8, 0.83],
                1.37,
            ),
            busy(
                entry("compute", "mutex_sum", "rayon", 1, 3000.0),
                [0.5, 0.4, 0.6],
                1.0,
            ),
        ];
        let answer = answer_to(&findings_of(&entries), "Which variants keep cores");
        assert!(
            answer.starts_with(
                "1 of 2 parallel entries burn more than 0.25 cores beyond their speedup"
            ),
            "{answer}"
        );
        assert!(
            answer.contains(
                "mutex_worker on compute (rayon, 2 threads) keeps 1.37 cores busy for a speedup of \
                 0.820×: 0.55 cores of work produce nothing"
            ),
            "{answer}"
        );
    }

    #[test]
    fn intermittent_use_names_the_backends_that_lose_their_steady_speed() {
        use crate::key::Regime;
        let intermittent = |backend: &str, calls: Vec<f64>, steady: Vec<f64>| {
            let mut b = entry("compute", "closure", backend, 2, 5000.0);
            b.key.regime = Regime::Intermittent;
            b.caller_work_ns = Some(10e6);
            b.slow_call_share = crate::paired::slow_call_share(&calls);
            b.call_ns = calls;
            b.steady_call_ns = steady;
            b
        };
        let fast = vec![5.0e6; 10];
        let mut bimodal = vec![5.0e6; 6];
        bimodal.extend([10.0e6; 4]);
        let entries = [
            entry("compute", "closure", "rayon", 2, 5000.0),
            intermittent("rayon", bimodal, fast.clone()),
            intermittent("std_scope", fast.clone(), fast),
        ];
        let answer = answer_to(&findings_of(&entries), "What does the parallel call cost");
        assert!(
            answer.starts_with(
                "Used intermittently (after 10.0 ms of the caller's own work before each call), \
                 closure on compute at 2 threads: rayon's calls took 40% longer on average than back \
                 to back (7.00 ms against 5.00 ms), and 40% of them were slow (over 1.5× its \
                 fastest); std_scope (5.00 ms against 5.00 ms on average) kept its steady speed \
                 within 10%."
            ),
            "{answer}"
        );
        assert!(answer.contains("Consider a backend that spawns its threads per call"));
        assert!(
            answer_to(
                &findings_of(&entries[..1]),
                "What does the parallel call cost"
            )
            .starts_with("Not answered: nothing was measured in the intermittent regime")
        );
    }

    #[test]
    fn trust_names_disagreeing_instruments_and_speedups_beyond_the_ceiling() {
        let mut disagree = paired(
            entry("compute", "closure", "rayon", 2, 1000.0),
            [1.9, 1.85, 1.95],
            &[],
        );
        disagree.criterion_speedup = Some(1.6);
        disagree.instruments_disagree = true;
        let mut beyond = paired(
            entry("big_state", "closure", "rayon", 2, 1000.0),
            [2.3, 2.2, 2.4],
            &[],
        );
        beyond.beyond_ceiling = Some(crate::results::BeyondCeiling {
            ceiling: 1.9,
            cause: crate::results::CeilingCause::Inconsistent,
            explanation: "caches: why".to_string(),
        });
        let entries = [
            disagree,
            beyond,
            entry("compute", "sequential", "sequential", 1, 1900.0),
        ];
        let answer = answer_to(&findings_of(&entries), "How far");
        assert!(answer.contains("2 of 3 speedups are paired"), "{answer}");
        assert!(answer.contains("In 1 entries (≠) criterion's ratio of times and the paired speedup differ by more than 5.0%"), "{answer}");
        assert!(
            answer.contains(
                "closure on compute (rayon, 2 threads): paired 1.90× against criterion's 1.60× ≠"
            ),
            "{answer}"
        );
        assert!(answer.contains("closure on big_state (rayon, 2 threads): 2.30× against a ceiling of 1.90× ▲: caches: why"), "{answer}");
    }

    #[test]
    fn missing_workloads_are_said_to_be_missing() {
        let entries = [entry("seed", "sequential", "sequential", 1, 50.0)];
        let found = findings_of(&entries);
        assert!(answer_to(&found, "Do closure").starts_with("Not answered"));
        assert_eq!(
            answer_to(&found, "What does shared"),
            "Not answered: no memory-bound or CPU-bound workload was run on this machine."
        );
        assert_eq!(
            answer_to(&found, "Which backend"),
            "Not answered: no workload of imbalanced items was run on this machine."
        );
        assert!(answer_to(&found, "From how much").starts_with("Not answered"));
        assert!(
            answer_to(&found, "Does a function object")
                .contains("no workload with a large constant state was run")
        );
    }

    #[test]
    fn the_winning_backend_on_imbalanced_is_named_with_its_tally() {
        let entries = [
            entry("imbalanced", "closure", "rayon", 4, 1000.0),
            entry("imbalanced", "closure", "crossbeam", 4, 1100.0),
            entry("imbalanced", "closure", "std_scope", 4, 2000.0),
            entry("imbalanced", "arc_state", "rayon", 4, 1300.0),
            entry("imbalanced", "arc_state", "crossbeam", 4, 1000.0),
            entry("imbalanced", "closure", "rayon", 1, 3000.0),
        ];
        let answer = answer_to(&findings_of(&entries), "Which backend");
        assert!(
            answer.starts_with(
                "On imbalanced at 4 threads, closure takes 1.00 µs with rayon, 1.10 µs with crossbeam and \
                 2.00 µs with std_scope: rayon is fastest, 1.10× ahead of crossbeam (beyond noise)."
            ),
            "{answer}"
        );
        assert!(answer.contains("Over all 2 variant and thread-count points"));
        assert!(
            answer
                .contains("rayon 1 (1 beyond noise), crossbeam 1 (1 beyond noise) and std_scope 0")
        );
    }

    #[test]
    fn break_even_lies_between_the_workloads_that_lose_and_win() {
        let mut entries = vec![
            entry("seed", "sequential", "sequential", 1, 40.0),
            entry("seed", "closure", "rayon", 2, 20_000.0),
            entry("compute", "sequential", "sequential", 1, 2_000_000.0),
            entry("compute", "closure", "rayon", 4, 600_000.0),
            entry("big_state", "closure", "rayon", 2, 5000.0),
        ];
        entries[0].items = 20;
        entries[2].items = 1000;
        let answer = answer_to(&findings_of(&entries), "From how much");
        assert!(
            answer.starts_with("So on this machine parallel pays off"),
            "{answer}"
        );
        assert!(answer.contains(
            "big_state. seed (2.00 ns per item, 40.0 ns per call sequentially): \
             the best parallel run (closure, rayon, 2 threads) takes 500× as long."
        ));
        assert!(answer.contains("compute (2.00 µs per item, 2.00 ms per call sequentially)"));
        assert!(answer.contains("is 3.33× faster"));
        assert!(answer.contains(
            "between 2.00 ns (seed, where it does not) and 2.00 µs (compute, where it does)"
        ));
        assert!(
            answer.contains("Left out, without both a sequential and a parallel run: big_state.")
        );
    }

    #[test]
    fn break_even_falls_back_to_the_work_per_call() {
        let mut entries = vec![
            entry("seed", "sequential", "sequential", 1, 40.0),
            entry("seed", "closure", "rayon", 2, 20_000.0),
            entry("trivial", "sequential", "sequential", 1, 1_000_000.0),
            entry("trivial", "closure", "rayon", 4, 400_000.0),
        ];
        entries[0].items = 20;
        entries[2].items = 1_000_000;
        let answer = answer_to(&findings_of(&entries), "From how much");
        assert!(
            answer.contains("No amount of work per item separates"),
            "{answer}"
        );
        assert!(answer.contains(
            "between 40.0 ns (seed, where it does not) and 1.00 ms (trivial, where it does)"
        ));
    }

    #[test]
    fn memory_copies_are_counted_per_variant_at_two_threads() {
        let with_memory = |variant: &str, backend: &str, threads: u64, copies: u64| {
            let mut b = entry("big_state", variant, backend, threads, 1000.0);
            b.memory.state_copies = Some(copies);
            b.memory.bytes_allocated = Some(copies * (64 << 20) + 512);
            b.memory.peak_live_bytes = Some(copies.min(threads) * (64 << 20) + 256);
            b
        };
        let entries = [
            with_memory("clone_per_task", "rayon", 2, 16),
            with_memory("clone_per_task", "std_scope", 2, 2),
            with_memory("clone_per_worker", "rayon", 2, 2),
            with_memory("arc_state", "rayon", 2, 0),
            with_memory("function_object", "rayon", 2, 0),
            with_memory("closure", "rayon", 2, 0),
            with_memory("closure", "rayon", 4, 0),
        ];
        let answer = answer_to(&findings_of(&entries), "Does a function object");
        assert!(
            answer.starts_with(
                "On big_state with rayon at 2 threads, the deep copies of the constant state made by one call \
                 were: clone_per_task 16 (1.00 GiB allocated, peak 128 MiB live), clone_per_worker 2"
            ),
            "{answer}"
        );
        assert!(
            answer.contains("function_object 0 (512 B allocated, peak 256 B live) and closure 0")
        );
        assert!(answer.contains("exactly as often as a closure capturing it (0 times)"));
        assert!(answer.contains(
            "per task made 16 copies where borrowing it made 0, allocating 1.00 GiB against 512 B"
        ));
        assert!(
            answer.contains(
                "On the other backends at 2 threads, clone_per_task made 2 with std_scope."
            )
        );
    }

    #[test]
    fn memory_without_figures_is_not_answered() {
        let entries = [entry("big_state", "closure", "rayon", 2, 1000.0)];
        let answer = answer_to(&findings_of(&entries), "Does a function object");
        assert!(
            answer.starts_with("Not answered: the big_state entries carry no memory figures"),
            "{answer}"
        );
    }

    /// The short answers the cross-machine verdict compares: a few words,
    /// no figures, computed with the sentence.
    #[test]
    fn short_answers_name_the_outcome_without_figures() {
        let short_of = |entries: &[Benchmark], starts: &str| {
            findings_of(entries)
                .into_iter()
                .find(|f| f.question.starts_with(starts))
                .and_then(|f| f.short)
        };
        let imbalanced = [
            entry("imbalanced", "closure", "rayon", 4, 1000.0),
            entry("imbalanced", "closure", "crossbeam", 4, 1100.0),
            entry("imbalanced", "closure", "rayon", 1, 3000.0),
        ];
        assert_eq!(
            short_of(&imbalanced, "Which backend").as_deref(),
            Some("rayon")
        );

        let same = [1.0, 1.0, 1.0];
        // Every pair at one ratio: below 6 ratios the pooled bounds are their range.
        let idioms = |object_ratio: [f64; 3]| {
            [
                paired(entry("trivial", "closure", "rayon", 4, 1000.0), same, &[]),
                paired(
                    entry("trivial", "function_object", "rayon", 4, 1000.0),
                    same,
                    &[("closure", object_ratio)],
                ),
                paired(
                    entry("trivial", "method_reference", "rayon", 4, 1000.0),
                    same,
                    &[("closure", object_ratio), ("function_object", object_ratio)],
                ),
            ]
        };
        assert_eq!(
            short_of(&idioms([1.0, 0.99, 1.01]), "Do closure").as_deref(),
            Some("no measurable difference")
        );
        assert_eq!(
            short_of(&idioms([1.2, 1.15, 1.25]), "Do closure").as_deref(),
            Some("a measurable difference")
        );

        let busy = |variant: &str, speedup: [f64; 3], cores: f64| {
            let mut b = paired(entry("compute", variant, "rayon", 2, 1000.0), speedup, &[]);
            b.cores_busy = Some(cores);
            b
        };
        let calm = [busy("closure", [1.95, 1.9, 1.98], 1.99)];
        assert_eq!(
            short_of(&calm, "Which variants keep").as_deref(),
            Some("none")
        );
        let burning = [
            calm[0].clone(),
            busy("mutex_worker", [0.82, 0.8, 0.83], 1.37),
        ];
        assert_eq!(
            short_of(&burning, "Which variants keep").as_deref(),
            Some("mutex_worker")
        );
        let sums = |atomic: [f64; 3]| {
            [
                paired(
                    entry("compute", "fold_reduce", "rayon", 4, 1000.0),
                    same,
                    &[],
                ),
                paired(
                    entry("compute", "sharded_sum", "rayon", 4, 1010.0),
                    same,
                    &[("fold_reduce", [1.01, 0.99, 1.03])],
                ),
                paired(
                    entry("compute", "mutex_sum", "rayon", 4, 4000.0),
                    same,
                    &[("fold_reduce", [4.0, 3.9, 4.1])],
                ),
                paired(
                    entry("compute", "atomic_sum", "rayon", 4, 1500.0),
                    same,
                    &[("fold_reduce", atomic)],
                ),
            ]
        };
        assert_eq!(
            short_of(&sums([1.5, 1.45, 1.55]), "What does shared").as_deref(),
            Some("costlier than fold_reduce on compute: mutex_sum, atomic_sum")
        );
        assert_eq!(
            short_of(&sums([1.0, 0.9, 1.1]), "What does shared").as_deref(),
            Some("costlier than fold_reduce on compute: mutex_sum")
        );

        let unknown = [paired(
            entry("compute", "closure", "rayon", 2, 1000.0),
            same,
            &[],
        )];
        assert_eq!(
            short_of(&unknown, "Which variants keep"),
            None,
            "without a CPU clock the answer is unknown, not none"
        );
    }
}
