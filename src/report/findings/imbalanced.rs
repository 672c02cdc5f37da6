//! "Which backend wins on imbalanced work?": the backends' paired speedups
//! on the workload of imbalanced items, and the leader against the
//! runner-up with [`BACKEND_MARGIN`] ([`lead_at`]).
//!
//! The same answer on a problem of the user's own ([`backends`]), at the
//! most threads it measured.
//!
//! Backends are timed in groups of their own, each paired with the
//! sequential loop in its own window, so their speedups compare without
//! the drift between the groups; criterion's absolute times would not.
//! At the point the answer quotes, the sweep then races the two leaders
//! head to head ([`crate::results::HeadToHead`]), and their direct ratio
//! decides; without it (an older file), the ratio of their speedups, with
//! both intervals widened for the choice of the leader
//! ([`SELECTION_WIDENING`]).

use super::*;

const QUESTION: &str = "Which backend wins on imbalanced work?";

/// A backend's speedup at one point: paired where measured, else
/// criterion's ratio of times with no interval (an older file).
fn speedup(b: &Benchmark) -> Interval {
    b.paired_speedup()
        .unwrap_or_else(|| Interval::exact(b.speedup.unwrap_or(f64::NAN)))
}

/// The runner-up's time over the leader's as an interval, from the two
/// speedups' bounds (conservative: their widths add).
pub(super) fn lead(leader: &Benchmark, runner_up: &Benchmark) -> Interval {
    ratio_of(speedup(leader), speedup(runner_up))
}

/// `l / r` with conservative bounds: their widths add.
fn ratio_of(l: Interval, r: Interval) -> Interval {
    Interval {
        estimate: l.estimate / r.estimate,
        lower: l.lower / r.upper,
        upper: l.upper / r.lower,
    }
}

/// How much wider each speedup's interval is drawn, on a log scale, when
/// the leader is one of `k` backends chosen by the very speedups its lead is
/// then judged on (the winner's curse: the largest of several noisy
/// estimates is biased upwards). Bonferroni's correction: each interval at
/// 1 - 5%/k instead of 95%, so that all k cover together with 95% whichever
/// is chosen; the factor is the ratio of normal quantiles
/// z(1 - 0.025/k) / z(0.975), for k = 1 to 10 (a point holds at most the
/// parallel backends of [`crate::backends::BACKENDS`], nine with the
/// seed's Python pool; more than ten are widened as ten).
const SELECTION_WIDENING: [f64; 10] = [
    1.0, 1.1436, 1.2214, 1.2744, 1.3142, 1.3461, 1.3725, 1.3951, 1.4148, 1.4322,
];

/// `interval` widened for a choice among `among` ([`SELECTION_WIDENING`]).
fn widened_for_selection(interval: Interval, among: usize) -> Interval {
    let factor = SELECTION_WIDENING[among.clamp(1, SELECTION_WIDENING.len()) - 1];
    let e = interval.estimate;
    Interval {
        estimate: e,
        lower: e * (interval.lower / e).powf(factor),
        upper: e * (interval.upper / e).powf(factor),
    }
}

/// [`lead`] where the leader was chosen among `among` backends by these
/// same speedups: both intervals widened for the choice.
fn lead_among(leader: &Benchmark, runner_up: &Benchmark, among: usize) -> Interval {
    ratio_of(
        widened_for_selection(speedup(leader), among),
        widened_for_selection(speedup(runner_up), among),
    )
}

/// The lead's outcome against `margin`, the leader chosen among `among`:
/// undecided unless both speedups are paired (criterion's unpaired ratio
/// has no interval to decide on).
fn decided_lead(leader: &Benchmark, runner_up: &Benchmark, among: usize, margin: f64) -> Outcome {
    match leader.paired_speedup().is_some() && runner_up.paired_speedup().is_some() {
        true => Outcome::of(&lead_among(leader, runner_up, among), margin),
        false => Outcome::Undecided,
    }
}

/// Who leads at one point, and whether by more than the margin, in words
/// ([`lead_at`]).
pub(super) struct Lead<'a> {
    pub(super) leader: &'a Benchmark,
    /// `Slower`: the runner-up takes longer than the leader by more than
    /// the margin; else equal within it, or undecided.
    pub(super) outcome: Outcome,
    pub(super) words: String,
    /// When undecided: the backends the leader could not be told apart
    /// from (by more than the margin either way).
    pub(super) unseparated: Vec<&'a str>,
}

impl Lead<'_> {
    /// Who leads, in the short answer: the leader alone when it leads by
    /// more than the margin, else with the backends it could not be told
    /// apart from ("rayon or std_scope"); empty when they are equal.
    pub(super) fn contenders(&self) -> String {
        match self.unseparated.as_slice() {
            [] => String::new(),
            others => format!("{} or {}", self.leader.key.backend, others.join(" or ")),
        }
    }
}

/// The race between `first` and `second` ([`crate::results::HeadToHead`]),
/// where they raced in one run: the entry that holds it (the leader when
/// it ran), the other, and the holder's time over the other's with its
/// rounds. A race held by an entry of an earlier run (a merged file) whose
/// partner was measured again is not theirs, nor an interval that is none.
fn race_between<'a>(
    first: &'a Benchmark,
    second: &'a Benchmark,
) -> Option<(&'a Benchmark, &'a Benchmark, Interval, u64)> {
    [(first, second), (second, first)]
        .into_iter()
        .filter(|(holder, other)| holder.measured_at == other.measured_at)
        .find_map(|(holder, other)| {
            let race = holder.head_to_head_with(&other.key.backend)?;
            (race.time_ratio.is_valid()).then_some((holder, other, race.time_ratio, race.rounds))
        })
}

/// Who leads at one point (`point`: its entries fastest first by speedup,
/// [`crate::results::backend_points`]), against `margin`: head to head
/// where its two fastest raced ([`race_between`]: their time ratio
/// measured in rounds of their own, after the choice of the two, so no
/// widening for it), else through their two paired speedups, widened for
/// the choice of the leader among the point's backends. A lead by more
/// than the margin is claimed over every backend of the point: beyond the
/// two raced, through the widened speedups.
pub(super) fn lead_at<'a>(point: &[&'a Benchmark], margin: f64) -> Lead<'a> {
    let (first, second) = (point[0], point[1]);
    let race = race_between(first, second);
    let leads_by = |leader: &Benchmark, runner_up: &Benchmark, lead: Interval, detail: &str| {
        let bounds = bounds_name(match race {
            Some((.., rounds)) => Some(rounds),
            None => leader.paired_rounds.min(runner_up.paired_rounds),
        });
        // A lead of 10x or more reads as a factor, not as thousands of percent.
        let text = ratio_text(Reading::Speedup, &lead, 2);
        match text.far {
            true => format!(
                "{} leads {}: {} ({bounds} {}{detail})",
                leader.key.backend, runner_up.key.backend, text.estimate, text.bounds
            ),
            false => format!(
                "{} leads {} by {:.1}% ({bounds} {:.1}–{:.1}%{detail})",
                leader.key.backend,
                runner_up.key.backend,
                (lead.estimate - 1.0) * 100.0,
                (lead.lower - 1.0) * 100.0,
                (lead.upper - 1.0) * 100.0
            ),
        }
    };
    let Some((holder, other, ratio, rounds)) = race else {
        let lead = lead_among(first, second, point.len());
        let outcome = decided_lead(first, second, point.len(), margin);
        // The leader was chosen among them by these speedups: say so.
        let choice = format!(
            ", intervals widened for the choice among {} backends",
            point.len()
        );
        let words = match outcome {
            Outcome::Slower => leads_by(first, second, lead, &choice),
            _ => format!(
                "{} and {}: {}{choice}",
                first.key.backend,
                second.key.backend,
                ratio_words(
                    &lead,
                    margin,
                    bounds_name(first.paired_rounds.min(second.paired_rounds))
                )
            ),
        };
        return Lead {
            leader: first,
            outcome,
            words,
            unseparated: unseparated_if(outcome, vec![second.key.backend.as_str()]),
        };
    };
    // `ratio`: the holder's time over the other's, decided as the sampler
    // decided it.
    let how = format!("head to head in {rounds} rounds of their own");
    match Outcome::of(&ratio, margin) {
        outcome @ (Outcome::Faster | Outcome::Slower) => {
            let (leader, runner_up, lead) = match outcome {
                Outcome::Faster => (holder, other, ratio.inverse()),
                _ => (other, holder, ratio),
            };
            // The two were chosen by their speedups: the others must lie
            // behind the leader too.
            let behind = |b: &&Benchmark| {
                b.key.backend == holder.key.backend
                    || b.key.backend == other.key.backend
                    || decided_lead(leader, b, point.len(), margin) == Outcome::Slower
            };
            let words = leads_by(leader, runner_up, lead, &format!(", {how}"));
            match point.iter().all(behind) {
                true => Lead {
                    leader,
                    outcome: Outcome::Slower,
                    words,
                    unseparated: Vec::new(),
                },
                false => Lead {
                    leader,
                    outcome: Outcome::Undecided,
                    unseparated: (point.iter())
                        .filter(|b| !behind(b))
                        .map(|b| b.key.backend.as_str())
                        .collect(),
                    words: format!(
                        "{words}; its lead over the other backends is not shown beyond {} \
                         (their speedups, widened for the choice among {})",
                        percent(margin),
                        point.len()
                    ),
                },
            }
        }
        outcome => Lead {
            leader: holder,
            outcome,
            unseparated: unseparated_if(outcome, vec![other.key.backend.as_str()]),
            words: format!(
                "{}'s time over {}'s, {how}: {}",
                holder.key.backend,
                other.key.backend,
                ratio_words(&ratio, margin, bounds_name(Some(rounds)))
            ),
        },
    }
}

/// `backends` where `outcome` is undecided, else none.
fn unseparated_if(outcome: Outcome, backends: Vec<&str>) -> Vec<&str> {
    match outcome {
        Outcome::Undecided => backends,
        _ => Vec::new(),
    }
}

/// Each backend of `point` with its speedup in words: "rayon 1.97× (95%
/// interval 1.93–2.00)", or "(not paired)" from an older file.
pub(super) fn speedups_in_words(point: &[&Benchmark]) -> Vec<String> {
    point
        .iter()
        .map(|b| {
            let s = speedup(b);
            match b.paired_speedup() {
                Some(_) => format!(
                    "{} {}",
                    b.key.backend,
                    ratio_with_interval(Reading::Speedup, &s, bounds_name(b.paired_rounds), 2)
                ),
                None => format!(
                    "{} {} (not paired)",
                    b.key.backend,
                    ratio(Reading::Speedup, s.estimate)
                ),
            }
        })
        .collect()
}

/// The finding's id, its anchor on the page: the name of the registry's
/// workload of imbalanced items (whichever workload of a file answers it).
fn id() -> &'static str {
    crate::workload::WORKLOADS
        .iter()
        .find(|w| w.purpose == Purpose::Imbalance)
        .map_or("imbalance", |w| w.id)
}

pub(super) fn finding(index: &Index<'_>) -> Finding {
    let id = id();
    let Some(imbalanced) = index.workloads_for(Purpose::Imbalance).first().copied() else {
        return not_answered(
            QUESTION,
            id,
            "no workload of imbalanced items was run on this machine.".to_string(),
        );
    };
    backends(index, imbalanced, QUESTION, id)
}

/// Which backend leads on `workload`, under `question` and `id` (the own
/// workloads' group asks it of a problem of the user's).
pub(super) fn backends(
    index: &Index<'_>,
    workload: &str,
    question: &'static str,
    id: &'static str,
) -> Finding {
    let margin = BACKEND_MARGIN;
    let groups = crate::results::backend_points(index.of_workload(workload));
    // The point the answer quotes, fastest first.
    let Some(head) = crate::results::quoted_point(&groups) else {
        return not_answered(
            question,
            id,
            format!(
                "on {workload}, no variant ran on two or more backends at the same thread count above 1."
            ),
        );
    };
    let fastest = head[0];
    let each = speedups_in_words(head);
    let mut finding = Finding::new(question, id, String::new());
    finding.margin = Some(percent(margin));
    finding.points = head.len();
    let lead = lead_at(head, margin);
    finding.claims.push(match lead.outcome {
        Outcome::Slower => Claim::decided(
            "",
            format!(
                "{} leads by more than {}",
                lead.leader.key.backend,
                percent(margin)
            ),
        ),
        outcome => Claim::of_outcome(lead.contenders(), outcome, margin),
    });
    let verdict = lead.words;
    // The figure the answer rests on: the race where there was one.
    finding.figure = Some(match race_between(head[0], head[1]) {
        Some((holder, other, r, rounds)) => {
            // Far from 1 in words ("20.0× slower"), as every ratio.
            let text = ratio_text(Reading::Time, &r, 3);
            format!(
                "{} at {}, head to head: {}'s time over {}'s {} ({} {}, {rounds} rounds)",
                holder.key.variant,
                threads(holder.key.threads),
                holder.key.backend,
                other.key.backend,
                text.estimate,
                bounds_name(Some(rounds)),
                text.bounds
            )
        }
        None => format!(
            "{} at {}: {}",
            fastest.key.variant,
            threads(fastest.key.threads),
            each[..2].join(" against ")
        ),
    });
    let mut answer = format!(
        "On {workload} at {}, {}'s speedups: {}. {verdict}.",
        threads(fastest.key.threads),
        fastest.key.variant,
        listing(&each)
    );
    // Every point: who leads, and whether by more than the margin.
    let mut leads: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for group in groups.values() {
        for b in group {
            leads.entry(b.key.backend.as_str()).or_default();
        }
        let lead = lead_at(group, margin);
        let tally = leads.entry(lead.leader.key.backend.as_str()).or_default();
        tally.0 += 1;
        tally.1 += usize::from(lead.outcome == Outcome::Slower);
    }
    let mut tallies: Vec<(&str, (usize, usize))> = leads.into_iter().collect();
    tallies.sort_by(|a, b| b.1.0.cmp(&a.1.0).then_with(|| backend_order(a.0, b.0)));
    let tallies: Vec<String> = tallies
        .iter()
        .map(|(backend, (led, clear))| {
            format!(
                "{backend} {led} (by more than {} at {clear})",
                percent(margin)
            )
        })
        .collect();
    answer.push_str(&format!(
        " Over all {} variant and thread-count points where two or more backends ran, the \
         leader (head to head where the two leading backends raced, else by paired speedup) \
         was: {}.",
        groups.len(),
        listing(&tallies)
    ));
    finding.answer = answer;
    finding
}
