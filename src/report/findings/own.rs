//! A problem of the user's own ([`crate::problem::Problem`], purpose
//! `own`): six short questions asked of its entries alone, one group of
//! answers per own workload.
//!
//! The built-in findings never see these entries ([`findings`] drops
//! them), so the seed's answers read the same with or without a user's
//! problem in the file. Each own workload is answered from a view of the
//! file that holds its entries only, less those inconsistent with the
//! machine's ceiling (listed in the first answer's evidence, as the trust
//! finding lists the built-in ones). Where a question is one the built-in
//! findings already ask, their code answers it on that view: the race
//! against the sequential loop (`break_even`), the idioms' pooled ratios
//! (`passing`), the shared sums against the private fold (`shared_state`),
//! the backends' lead (`imbalanced`) and the calls made after the caller's
//! own work against the same calls back to back (`intermittent`), with
//! their margins. What is new
//! here: the best of all parallel entries, each passing variant against
//! the closure, and the ownership modes' copies beside their time. Where
//! every parallel entry is more than [`MOOT_SLOWDOWN`] times slower than
//! the loop, the five questions of how to parallelise read "moot at this
//! size" ([`moot_finding`]).

use super::break_even::Race;
use super::passing::in_process;
use super::*;
use crate::roles::Family;

/// The margin of an ownership mode's paired time ratio to the closure: the
/// same instrument as the idioms' (a paired ratio within one group), so
/// the same margin ([`IDIOMS_MARGIN`]). Where a mode was sampled apart (it
/// churns memory) and only its speedup is paired, the ratio of the two
/// speedups comes from two groups and uses [`BACKEND_MARGIN`], as two
/// backends' speedups do where they did not race head to head.
pub const OWNERSHIP_MARGIN: f64 = IDIOMS_MARGIN;

const WORTH: &str = "Is it worth parallelising at this size?";
const PASSING: &str =
    "Which way of passing the function and its state is cheapest (each against a closure)?";
const OWNERSHIP: &str = "What do the ownership modes cost (each against a closure)?";
const SHARED: &str = "Does a lock or an atomic on the accumulator hurt?";
const BACKEND: &str = "Which backend is fastest at the most threads?";
const INTERMITTENT: &str = "What does a call cost when your program calls it now and then?";

/// The answers on one problem of the user's own.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OwnFindings {
    pub workload: String,
    /// What the problem is, as its results say (empty when they do not).
    pub about: String,
    pub findings: Vec<Finding>,
}

/// The answers on every own workload of `index`'s file, in report order.
pub fn own_findings(index: &Index<'_>) -> Vec<OwnFindings> {
    let Some(file) = index.file() else {
        return Vec::new();
    };
    index
        .workloads_for(Purpose::Own)
        .into_iter()
        .map(|workload| {
            let ours = |b: &Benchmark| b.key.workload == workload;
            let view = retained(file, |b| ours(b) && inconsistent_ceiling(file, b).is_none())
                .unwrap_or_else(|| file.clone());
            let left_out: Vec<String> = (file.benchmarks.iter())
                .filter(|b| ours(b))
                .filter_map(|b| inconsistent_entry(file, b))
                .collect();
            let own = Index::of_file(&view);
            let moot = moot_at_this_size(&own, workload);
            let how_parallel = [
                passing(&own, workload),
                ownership(&own, workload),
                shared(&own, workload),
                imbalanced::backends(&own, workload, BACKEND, "backend"),
                intermittent::answered(
                    &own,
                    (INTERMITTENT, "intermittent"),
                    "its results hold no call made after work of the caller's own (its \
                     bench ran with a parbench from before it measured them): run its \
                     bench again.",
                ),
            ];
            let mut findings = vec![worth(&own, workload, left_out)];
            findings.extend(how_parallel.into_iter().map(|f| match &moot {
                Some(figure) => moot_finding(f, figure),
                None => f,
            }));
            OwnFindings {
                workload: workload.to_string(),
                about: file
                    .workloads
                    .get(workload)
                    .map(|w| w.about.clone())
                    .unwrap_or_default(),
                findings,
            }
        })
        .collect()
}

/// A parallel call this many times slower than the loop, on every backend,
/// makes the questions of how to parallelise moot (issue 31): "moot at
/// this size".
pub const MOOT_SLOWDOWN: f64 = 2.0;

/// The figure that makes how to parallelise `workload` moot, where every
/// parallel entry's paired speedup lies wholly below 1 / [`MOOT_SLOWDOWN`]
/// (its upper bound): the best of them, by its upper bound.
fn moot_at_this_size(index: &Index<'_>, workload: &str) -> Option<String> {
    let (best, s) = parallel_speedups(index, workload)
        .into_iter()
        .max_by(|(_, a), (_, b)| a.upper.total_cmp(&b.upper))?;
    (s.upper < 1.0 / MOOT_SLOWDOWN).then(|| {
        format!(
            "every parallel entry is more than {}× slower than the sequential loop; the \
             closest, {} on {} at {}: {}",
            MOOT_SLOWDOWN,
            best.key.variant,
            best.key.backend,
            threads(best.key.threads),
            ratio_with_interval(Reading::Speedup, &s, bounds_name(best.paired_rounds), 2)
        )
    })
}

/// `finding`, a question of how to parallelise, answered "moot at this
/// size" for the reason `figure` ([`moot_at_this_size`]): decided, with its
/// own evidence kept after the reason.
fn moot_finding(mut finding: Finding, figure: &str) -> Finding {
    finding.claims = vec![Claim::decided("", "moot at this size")];
    finding.group_claims = false;
    finding.answer = format!(
        "Moot at this size: {figure}. Parallel loses whatever way it is written, so how to \
         write it decides nothing here. What was measured: {}",
        finding.answer
    );
    finding.figure = Some(figure.to_string());
    finding
}

/// Every parallel entry of `workload` (more than one thread, not the
/// baseline) with its paired speedup over the sequential loop.
fn parallel_speedups<'a>(index: &Index<'a>, workload: &str) -> Vec<(&'a Benchmark, Interval)> {
    (index.of_workload(workload).into_iter())
        .filter(|b| b.key.threads > 1 && b.role != Role::Baseline)
        .filter_map(|b| Some((b, b.paired_speedup()?)))
        .collect()
}

/// The best paired speedup of a parallel entry over the problem's own
/// sequential loop, against [`BREAK_EVEN_MARGIN`]: within it, no gain.
/// The best is the one with the highest lower bound, the strongest
/// evidence that parallel wins: by estimate, a set of 8 rounds with a
/// bound 2.6x wide (1.01-2.63) was chosen over the answers' set, whose
/// interval decides.
fn worth(index: &Index<'_>, workload: &str, left_out: Vec<String>) -> Finding {
    let id = "worth";
    let mut parallel = parallel_speedups(index, workload);
    parallel.sort_by(|(_, a), (_, b)| b.lower.total_cmp(&a.lower));
    let Some(race) = (parallel.first()).and_then(|(best, _)| Race::of(index, workload, best))
    else {
        return not_answered(
            WORTH,
            id,
            format!(
                "{workload} has no parallel entry paired with its sequential loop{}.",
                match left_out.len() {
                    0 => String::new(),
                    n => format!(" ({n} left out as inconsistent with the machine's ceiling)"),
                }
            ),
        );
    };
    let mut finding = Finding::new(WORTH, id, String::new());
    finding.margin = Some(percent(BREAK_EVEN_MARGIN));
    finding.points = parallel.len();
    let mut claim = race.claim(String::new());
    if race.outcome() == Outcome::Equal {
        claim.answer = format!("no gain: {}", claim.answer);
    }
    finding.claims.push(claim);
    let (best, s) = parallel[0];
    finding.figure = Some(format!(
        "{} on {} at {}: {}",
        best.key.variant,
        best.key.backend,
        threads(best.key.threads),
        ratio_with_interval(Reading::Speedup, &s, bounds_name(best.paired_rounds), 2),
    ));
    let winning = parallel
        .iter()
        .filter(|(_, s)| Outcome::of(&s.inverse(), BREAK_EVEN_MARGIN) == Outcome::Faster)
        .count();
    let mut sentences = vec![
        race.describe(),
        format!(
            "It is the highest of the {} paired speedups at more than one thread; the highest of \
             many noisy estimates is biased upwards (the winner's curse), so its lower bound is \
             the safer reading. {winning} of the {} intervals lie wholly above 1 + {}.",
            parallel.len(),
            parallel.len(),
            percent(BREAK_EVEN_MARGIN)
        ),
    ];
    if !left_out.is_empty() {
        sentences.push(format!(
            "{} wholly more than {} above the machine's measured ceiling at its thread count: \
             inconsistent with the machine, no answer on {workload} uses it (listed first below).",
            match left_out.len() {
                1 => "1 paired speedup lies".to_string(),
                n => format!("{n} paired speedups each lie"),
            },
            percent(CEILING_INCONSISTENT)
        ));
    }
    finding.answer = sentences.join(" ");
    finding.details = left_out;
    finding.details.extend(parallel.iter().map(|(b, s)| {
        format!(
            "{} on {}: {}.",
            b.key.variant,
            place(b),
            crate::report::format::speedup_with_interval(s, b.paired_rounds)
        )
    }));
    finding
}

/// One passing variant's time against the closure's, as the answer reads
/// it ([`passing`]).
struct AgainstClosure<'a> {
    variant: &'a str,
    ratio: Interval,
    /// "95% interval" or "range".
    bounds: &'static str,
    /// Whether `ratio` pools several points' estimates (their median),
    /// whose width more rounds do not narrow.
    pooled: bool,
    /// Where it comes from, in words.
    source: String,
}

/// The idioms' pooled evidence of the built-in passing finding, and each
/// passing variant's time against the closure, against [`IDIOMS_MARGIN`]:
/// pooled over the points where both ran (the median of their paired
/// ratios) where there are [`MIN_VALUES_FOR_INTERVAL`] of them or more,
/// whose order statistics bound the median at 95%; with fewer (a quick
/// run), the range of a few estimates bounds nothing at 95%, so the
/// variant's own paired ratio at the point the other comparisons are
/// read at answers (`shared_state::common_point`), with its confidence
/// sequence.
fn passing(index: &Index<'_>, workload: &str) -> Finding {
    let margin = IDIOMS_MARGIN;
    let mut finding = passing::answer(index, PASSING, "passing");
    let closures: Vec<&Benchmark> = index
        .all()
        .filter(|b| in_process(b) && b.role == Role::PartialIdiom)
        .collect();
    let roles = [
        Role::PartialIdiom,
        Role::CallableClassIdiom,
        Role::BoundMethodIdiom,
        Role::DynamicDispatch,
    ];
    let point = shared_state::common_point(index, workload, &roles);
    let closure_at_point = point.first().filter(|b| b.role == Role::PartialIdiom);
    let mut against: Vec<AgainstClosure> = Vec::new();
    for role in &roles[1..] {
        let pairs: Vec<Paired> = closures
            .iter()
            .filter_map(|c| Some(paired_with(index.with_role(c, *role)?, &[c])))
            .flatten()
            .collect();
        let Some(first) = pairs.first() else {
            continue;
        };
        let n = pairs.len() as u64;
        let at_point = closure_at_point.and_then(|closure| {
            let idiom = point.iter().find(|b| b.role == *role)?;
            Some((idiom, idiom.compared_with(&closure.key.variant)?))
        });
        against.push(match (n >= MIN_VALUES_FOR_INTERVAL, at_point) {
            (false, Some((idiom, ratio))) => AgainstClosure {
                variant: idiom.key.variant.as_str(),
                ratio,
                bounds: bounds_name(idiom.paired_rounds),
                pooled: false,
                source: format!("paired on {}", place(idiom)),
            },
            _ => {
                let mut estimates: Vec<f64> = pairs.iter().map(|p| p.ratio.estimate).collect();
                AgainstClosure {
                    variant: first.entry.key.variant.as_str(),
                    ratio: median_interval(&mut estimates),
                    bounds: bounds_name(Some(n)),
                    pooled: true,
                    source: format!("the median of {n} paired ratios"),
                }
            }
        });
    }
    if against.is_empty() {
        return finding;
    }
    if finding.claims.is_empty() {
        // The three idioms were not all paired: only the ratios below speak.
        finding.answer = String::new();
    }
    finding.margin = Some(percent(margin));
    finding.claims = (against.iter())
        .map(|a| Claim::of_outcome(a.variant, Outcome::of(&a.ratio, margin), margin))
        .collect();
    let each: Vec<String> = (against.iter())
        .map(|a| {
            let words = match a.pooled {
                true => pooled_ratio_words(&a.ratio, margin, a.bounds),
                false => ratio_words(&a.ratio, margin, a.bounds),
            };
            format!("{} {words}, {}", a.variant, a.source)
        })
        .collect();
    let largest = (against.iter())
        .max_by(|a, b| {
            (a.ratio.estimate - 1.0)
                .abs()
                .total_cmp(&(b.ratio.estimate - 1.0).abs())
        })
        .expect("not empty");
    let text = ratio_text(Reading::Time, &largest.ratio, 3);
    finding.figure = Some(format!(
        "{} {} ({} {}), {}",
        largest.variant,
        text.against("the closure's time", "the closure"),
        largest.bounds,
        text.bounds,
        largest.source
    ));
    let with = |outcome: Outcome| -> Vec<String> {
        (finding.claims.iter())
            .filter(|c| c.answer == outcome.words(margin))
            .map(|c| c.subject.clone())
            .collect()
    };
    let verdict = match (with(Outcome::Faster), with(Outcome::Slower)) {
        (faster, slower) if faster.is_empty() && slower.is_empty() => {
            match with(Outcome::Equal).len() == finding.claims.len() {
                true => format!(
                    "None differs from the closure by more than {}: pass the function whichever \
                     way reads best.",
                    percent(margin)
                ),
                false => "No variant was shown to differ from the closure by more than the margin."
                    .to_string(),
            }
        }
        (faster, slower) => [
            (faster, "Cheaper than the closure by more than"),
            (slower, "Dearer than the closure by more than"),
        ]
        .into_iter()
        .filter(|(variants, _)| !variants.is_empty())
        .map(|(variants, words)| format!("{words} {}: {}.", percent(margin), listing(&variants)))
        .collect::<Vec<_>>()
        .join(" "),
    };
    let pooled_sentence = format!(
        "Each against the closure (the median of its paired time ratios over the backend and \
         thread-count points, or with fewer than {MIN_VALUES_FOR_INTERVAL} of them its own paired \
         ratio at one point): {}. {verdict}",
        listing(&each)
    );
    finding.answer = match finding.answer.is_empty() {
        true => pooled_sentence,
        false => format!("{pooled_sentence} {}", finding.answer),
    };
    finding
}

/// Each ownership mode at one point (the closure's backend and thread
/// count where most modes ran): the copies of the state and the bytes one
/// call allocates, and its time against the closure's, paired where
/// measured in the same rounds, else through the two paired speedups.
fn ownership(index: &Index<'_>, workload: &str) -> Finding {
    let id = "ownership";
    let roles = [
        Role::PartialIdiom,
        Role::SharedOwnership,
        Role::CopyPerWorker,
        Role::CopyPerTask,
    ];
    let present = shared_state::common_point(index, workload, &roles);
    let (Some(closure), [_, _, ..]) =
        (present.first().filter(|b| b.role == roles[0]), &present[..])
    else {
        return not_answered(
            OWNERSHIP,
            id,
            format!(
                "on {workload}, no ownership mode was measured at a backend and thread count \
                 where the closure was."
            ),
        );
    };
    let memory = |b: &Benchmark| {
        let mut figures = vec![b.memory.state_copies.map_or_else(
            || "copies not counted".to_string(),
            |n| format!("{} of the state", crate::report::format::copies(n)),
        )];
        figures.extend(
            b.memory
                .bytes_allocated
                .map(|n| format!("{} allocated", bytes(n))),
        );
        figures.join(", ")
    };
    let mut finding = Finding::new(OWNERSHIP, id, String::new());
    let mut each = Vec::new();
    let mut via_speedups = false;
    for mode in &present[1..] {
        let variant = mode.key.variant.as_str();
        let paired = mode.compared_with(&closure.key.variant).map(|r| {
            (
                r,
                OWNERSHIP_MARGIN,
                bounds_name(mode.paired_rounds),
                "paired",
            )
        });
        let through_speedups = || {
            (mode.paired_speedup().is_some() && closure.paired_speedup().is_some()).then(|| {
                (
                    imbalanced::lead(closure, mode),
                    BACKEND_MARGIN,
                    bounds_name(mode.paired_rounds.min(closure.paired_rounds)),
                    "through the two paired speedups (two groups: their widths add)",
                )
            })
        };
        let time = match paired.or_else(through_speedups) {
            Some((r, margin, bounds, how)) => {
                via_speedups |= margin != OWNERSHIP_MARGIN;
                finding
                    .claims
                    .push(Claim::of_outcome(variant, Outcome::of(&r, margin), margin));
                finding.points += 1;
                format!("time {} {how}", ratio_words(&r, margin, bounds))
            }
            None => "time not paired with the closure".to_string(),
        };
        each.push(format!("{variant}: {}; {time}", memory(mode)));
    }
    finding.margin = Some(match via_speedups {
        false => percent(OWNERSHIP_MARGIN),
        true => format!(
            "{} (paired); {} through two speedups",
            percent(OWNERSHIP_MARGIN),
            percent(BACKEND_MARGIN)
        ),
    });
    let counted: Vec<String> = present[1..]
        .iter()
        .filter_map(|b| Some(format!("{} {}", b.key.variant, b.memory.state_copies?)))
        .collect();
    if !counted.is_empty() {
        finding.figure = Some(format!(
            "copies of the state per call: {} ({}, {})",
            counted.join(", "),
            closure.key.backend,
            threads(closure.key.threads)
        ));
    }
    let missing = roles.len() - present.len();
    finding.answer = format!(
        "On {}, per call, each against {} ({}): {}.{}",
        place(closure),
        closure.key.variant,
        memory(closure),
        each.join("; "),
        match missing {
            0 => String::new(),
            n => format!(" ({n} more ownership mode{} not measured there.)", {
                if n == 1 { " was" } else { "s were" }
            }),
        }
    );
    finding
}

/// The shared sums against the private fold, as the built-in finding
/// answers them on each workload; skipped when the problem declares no
/// sum (its run says so: `own_run.sums`), not answered when they were not
/// measured otherwise (a filter). An accumulator other than the `u64` sum
/// (`own_run.accumulator`) is named, with what it does to their speedups.
fn shared(index: &Index<'_>, workload: &str) -> Finding {
    let id = "shared-sum";
    let measured = index
        .of_workload(workload)
        .iter()
        .any(|b| b.family == Family::SharedMutable);
    if !measured {
        let declares_no_sum = (index.file())
            .and_then(|f| f.workloads.get(workload))
            .and_then(|w| w.own_run.as_ref())
            .is_some_and(|run| !run.sums);
        if !declares_no_sum {
            return not_answered(
                SHARED,
                id,
                format!("no shared-mutable strategy was measured on {workload} (a filter?)"),
            );
        }
        let mut finding = Finding::new(
            SHARED,
            id,
            format!(
                "Skipped: no shared-mutable strategy was measured on {workload}: the problem \
                 declares no sum (its `Problem::sums()` is false), so adding its items into one \
                 shared total would mean nothing."
            ),
        );
        finding.claims.push(Claim {
            subject: String::new(),
            answer: "skipped: the problem declares no sum".to_string(),
            decided: false,
        });
        return finding;
    }
    let mut finding = Finding::new(SHARED, id, String::new());
    finding.margin = Some(percent(SHARED_SUM_MARGIN));
    finding.answer = shared_state::on_workload(index, workload, &mut finding).join(" ");
    let accumulator = (index.file())
        .and_then(|f| f.workloads.get(workload))
        .and_then(|w| w.own_run.as_ref())
        .and_then(|run| run.accumulator.as_deref());
    if let Some(accumulator) = accumulator {
        finding.answer.push_str(&format!(
            " Its accumulator is {accumulator}, not a u64 sum: atomic_sum does not run (an \
             atomic holds only a u64 sum), and each strategy's speedup over the sequential loop \
             includes adding into it, which that loop does not do: compare the strategies with \
             each other, as the answer does with fold_reduce."
        ));
    }
    finding
}
