//! "From how much work per item does parallel beat sequential?": the
//! break-even map where measured, and the sweep's workloads bracketing it.
//! A [`Race`] (a parallel entry against its workload's sequential loop)
//! also answers whether a problem of the user's own is worth
//! parallelising.

use super::*;
use crate::break_even::{self, Crossing, Threshold};
use crate::report::data::{break_even_threads, fastest};
use crate::report::format::count;
use crate::results::BreakEvenCell;

/// How the best parallel run of a workload compares with its sequential loop.
pub(super) struct Race<'a> {
    workload: &'a str,
    ns_per_item: f64,
    call_ns: f64,
    pub(super) best: &'a Benchmark,
}

impl<'a> Race<'a> {
    /// `best` against the sequential loop of `workload`, where measured.
    pub(super) fn of(index: &Index<'a>, workload: &'a str, best: &'a Benchmark) -> Option<Self> {
        let sequential = index.baseline(workload).filter(|s| s.items > 0)?;
        Some(Race {
            workload,
            ns_per_item: sequential.time_ns.estimate / sequential.items as f64,
            call_ns: sequential.time_ns.estimate,
            best,
        })
    }

    /// The parallel run's time over the sequential loop's (paired), against
    /// [`BREAK_EVEN_MARGIN`]; an entry never paired is undecided.
    pub(super) fn outcome(&self) -> Outcome {
        match self.best.paired_speedup() {
            Some(s) => Outcome::of(&s.inverse(), BREAK_EVEN_MARGIN),
            None => Outcome::Undecided,
        }
    }

    /// The race's claim on `subject`, in its words: parallel wins
    /// (faster) or loses (slower) by more than the margin.
    pub(super) fn claim(&self, subject: String) -> Claim {
        let mut claim = Claim::of_outcome(subject, self.outcome(), BREAK_EVEN_MARGIN);
        claim.answer = claim
            .answer
            .replace("faster by more than", "parallel wins by more than")
            .replace("slower by more than", "parallel loses by more than");
        claim
    }

    fn parallel_wins(&self) -> bool {
        self.outcome() == Outcome::Faster
    }

    pub(super) fn describe(&self) -> String {
        let outcome = match self.best.paired_speedup() {
            Some(s) => {
                let bounds = bounds_name(self.best.paired_rounds);
                match self.outcome() {
                    Outcome::Faster | Outcome::Slower if far_from_one(s.estimate) => {
                        format!(
                            "is {}",
                            ratio_with_interval(Reading::Speedup, &s, bounds, 2)
                        )
                    }
                    Outcome::Faster => format!(
                        "is {} faster ({bounds} {:.2}–{:.2})",
                        times(s.estimate),
                        s.lower,
                        s.upper
                    ),
                    Outcome::Slower => format!(
                        "takes {} as long ({bounds} {:.2}–{:.2})",
                        times(1.0 / s.estimate),
                        1.0 / s.upper,
                        1.0 / s.lower
                    ),
                    _ => {
                        let text = ratio_text(Reading::Speedup, &s, 2);
                        format!(
                            "is {} (speedup {}, {bounds} {})",
                            self.outcome().words(BREAK_EVEN_MARGIN),
                            text.estimate,
                            text.bounds
                        )
                    }
                }
            }
            None => "was not paired with it".to_string(),
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
    // Undecided races (an interval spanning the margin) are on neither side.
    let decided = races.iter().filter(|r| r.outcome() != Outcome::Undecided);
    let (won, lost): (Vec<&Race>, Vec<&Race>) = decided.partition(|r| r.parallel_wins());
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

/// The parallel run a race is judged on: the fastest by criterion's time
/// per call among the paired ones (an unpaired one only where none is
/// paired, and then undecided). See the winner's curse note in
/// [`finding`].
fn chosen_without_its_paired_rounds<'a>(
    rows: impl Iterator<Item = &'a Benchmark>,
) -> Option<&'a Benchmark> {
    let rows: Vec<&Benchmark> = rows.collect();
    let paired = rows
        .iter()
        .copied()
        .filter(|b| b.paired_speedup().is_some());
    fastest(paired).or_else(|| fastest(rows.iter().copied()))
}

const QUESTION: &str = "From how much work per item does parallel beat sequential?";

pub(super) fn finding(index: &Index<'_>) -> Finding {
    let id = "break-even";
    let mut races = Vec::new();
    let mut unmeasured = Vec::new();
    for workload in index.workloads() {
        let rows = index.of_workload(workload);
        // The winner's curse: the largest of many noisy paired speedups is
        // biased upwards, and testing the winner on the same rounds that
        // chose it would favour "parallel wins" by construction. So the
        // winner is chosen by criterion's time per call, a measurement of
        // its own (other samples, another moment), and its margin over the
        // sequential loop is then judged on its paired rounds alone, which
        // took no part in choosing it. A poor choice can only pass over a
        // faster run; it cannot make the chosen one look faster.
        let best =
            chosen_without_its_paired_rounds(rows.iter().copied().filter(|b| b.key.threads > 1));
        match best.and_then(|best| Race::of(index, workload, best)) {
            Some(race) => races.push(race),
            None => unmeasured.push(workload.to_string()),
        }
    }
    // The break-even map (issue 11) answers first, where the run measured it.
    let map = index.file().and_then(break_even_answer);
    let mut finding = Finding::new(QUESTION, id, String::new());
    finding.margin = Some(percent(BREAK_EVEN_MARGIN));
    if let Some(map) = &map {
        finding.figure = Some(map.figure.clone());
        finding.grid = Some(map.grid.clone());
    }
    if races.is_empty() {
        return match map {
            Some(map) => {
                finding.answer = map.sentence;
                finding
            }
            None => not_answered(
                QUESTION,
                id,
                "no workload has both its sequential loop and a parallel run measured on this \
                 machine."
                    .to_string(),
            ),
        };
    }
    races.sort_by(|a, b| a.ns_per_item.total_cmp(&b.ns_per_item));
    let winners = races.iter().filter(|r| r.parallel_wins()).count();
    let margin = percent(BREAK_EVEN_MARGIN);
    let undecided = races
        .iter()
        .filter(|r| r.outcome() == Outcome::Undecided)
        .count();
    let conclusion = if winners == 0 && undecided > 0 {
        format!(
            "Parallel was not shown to beat the sequential loop by more than {margin} on any \
             workload here ({undecided} of {} undecided).",
            races.len()
        )
    } else if winners == 0 {
        let most = races.last().map_or(0.0, |r| r.ns_per_item);
        format!(
            "Parallel never beat the sequential loop by more than {margin} here, even at {} per item.",
            duration_ns(most)
        )
    } else if winners == races.len() {
        format!(
            "Parallel beat the sequential loop by more than {margin} on every workload, down to {} \
             per item.",
            duration_ns(races[0].ns_per_item)
        )
    } else if let Some(per_item) = threshold(&races, |r| r.ns_per_item, "per item") {
        per_item
    } else if let Some(per_call) = threshold(&races, |r| r.call_ns, "per call") {
        format!(
            "No amount of work per item separates the workloads where parallel wins, but the work per call does. {per_call}"
        )
    } else {
        "Neither the work per item nor the work per call alone separates the workloads where \
         parallel wins from the others."
            .to_string()
    };
    finding.answer = match map {
        Some(map) => format!(
            "{} The sweep's workloads bracket it more coarsely. {conclusion}",
            map.sentence
        ),
        None => conclusion,
    };
    if !unmeasured.is_empty() {
        finding.answer.push_str(&format!(
            " Left out, without both a sequential and a parallel run: {}.",
            listing(&unmeasured)
        ));
    }
    finding.details = races.iter().map(Race::describe).collect();
    for race in &races {
        finding
            .claims
            .push(race.claim(format!("on {}", race.workload)));
    }
    finding.points = races.len();
    if finding.figure.is_none()
        && let Some(best) = races.iter().find(|r| r.parallel_wins())
    {
        finding.figure = Some(format!(
            "parallel wins from {} per item ({})",
            duration_ns(best.ns_per_item),
            best.workload
        ));
    }
    finding
}

/// The break-even finding's answer from the map.
struct MapAnswer {
    sentence: String,
    /// The backend that breaks even earliest, and from how much work.
    figure: String,
    grid: Grid,
}

/// The break-even finding's answer from the map, if the file has one.
fn break_even_answer(file: &ResultsFile) -> Option<MapAnswer> {
    let (threads, cells, thresholds) = map_thresholds(file)?;
    let each = work_per_call_words(&thresholds);
    let earliest = thresholds
        .iter()
        .filter_map(|t| Some((t, t.work_per_call_ns()?)))
        .min_by(|a, b| a.1.total_cmp(&b.1));
    Some(MapAnswer {
        sentence: format!(
            "From the break-even map (closure against the sequential loop at {threads} threads, \
             interpolated where each row of the grid crosses speedup = 1), each backend beats the \
             sequential loop from this much sequential work per call (the median over the rows \
             where it crosses; per row in the table): {}.",
            each.join(", ")
        ),
        figure: match earliest {
            Some((t, ns)) => format!(
                "{} from ≈{} of sequential work per call ({} threads)",
                t.backend,
                duration_ns(ns),
                t.threads
            ),
            None => "no backend crosses speedup = 1 on the map".to_string(),
        },
        grid: threshold_grid(&cells),
    })
}

/// The break-even map's cells at its thread count, with each backend's
/// threshold; `None` without a map.
fn map_thresholds(file: &ResultsFile) -> Option<(u64, Vec<BreakEvenCell>, Vec<Threshold>)> {
    let threads = break_even_threads(&file.break_even)?;
    let cells: Vec<BreakEvenCell> = (file.break_even.iter())
        .filter(|c| c.threads == threads)
        .cloned()
        .collect();
    let thresholds = break_even::thresholds(&cells);
    Some((threads, cells, thresholds))
}

/// Each backend's break-even work per call in words: "rayon from about
/// 121 µs", or "on no row" where it never crosses.
fn work_per_call_words(thresholds: &[Threshold]) -> Vec<String> {
    thresholds
        .iter()
        .map(|t| match t.work_per_call_ns() {
            Some(ns) => format!("{} from about {}", t.backend, duration_ns(ns)),
            None => format!("{} on no row", t.backend),
        })
        .collect()
}

/// Each backend's break-even work per call from the file's map, in words
/// ([`work_per_call_words`]), with the map's thread count; `None` without
/// a map.
pub(super) fn work_per_call_of(file: &ResultsFile) -> Option<(u64, Vec<String>)> {
    let (threads, _, thresholds) = map_thresholds(file)?;
    Some((threads, work_per_call_words(&thresholds)))
}

/// The thresholds as a small table: one row per backend, the work per
/// call from which it wins, then per work per item (rounds) the item count
/// and time per item where its row crosses speedup = 1.
pub fn threshold_grid(cells: &[BreakEvenCell]) -> Grid {
    let thresholds = break_even::thresholds(cells);
    let mut rounds: Vec<u64> = thresholds
        .iter()
        .flat_map(|t| t.rows.iter().map(|(r, _)| *r))
        .collect();
    rounds.sort_unstable();
    rounds.dedup();
    let mut head = vec![
        "backend".to_string(),
        "wins from (sequential work per call, median over rows)".to_string(),
    ];
    head.extend(rounds.iter().map(|r| format!("{r} rounds")));
    let rows = thresholds
        .iter()
        .map(|t| {
            let mut row = vec![
                format!("{} ({} threads)", t.backend, t.threads),
                t.work_per_call_ns()
                    .map_or_else(|| "no row crosses 1".to_string(), duration_ns),
            ];
            row.extend(rounds.iter().map(
                |r| match t.rows.iter().find(|(rounds, _)| rounds == r) {
                    Some((_, crossing @ Crossing::At { items, .. })) => format!(
                        "≈{} items of {}",
                        count(items.round() as u64),
                        duration_ns(crossing.ns_per_item().unwrap_or(f64::NAN))
                    ),
                    Some((_, Crossing::Below { items })) => {
                        format!("wins at {} items already", count(*items))
                    }
                    Some((_, Crossing::Never { items })) => {
                        format!("loses up to {} items", count(*items))
                    }
                    None => MISSING.to_string(),
                },
            ));
            row
        })
        .collect();
    Grid { head, rows }
}
