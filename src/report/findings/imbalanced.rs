//! "Which backend wins on imbalanced work?": the backends' paired speedups
//! on the workload of imbalanced items, the leader against the runner-up
//! with [`BACKEND_MARGIN`], their intervals widened for the choice of the
//! leader among them ([`SELECTION_WIDENING`]).
//!
//! The same answer on a problem of the user's own ([`backends`]), at the
//! most threads it measured.
//!
//! Backends are timed in groups of their own, each paired with the
//! sequential loop in its own window, so their speedups compare without
//! the drift between the groups; criterion's absolute times would not.

use super::*;

const QUESTION: &str = "Which backend wins on imbalanced work?";

/// A backend's speedup at one point: paired where measured, else
/// criterion's ratio of times with no interval (an older file).
fn speedup(b: &Benchmark) -> Interval {
    b.paired_speedup()
        .unwrap_or_else(|| Interval::exact(b.speedup.unwrap_or(f64::NAN)))
}

/// Fastest first, by speedup.
fn by_speedup<'a>(group: &[&'a Benchmark]) -> Vec<&'a Benchmark> {
    let mut sorted = group.to_vec();
    sorted.sort_by(|a, b| speedup(b).estimate.total_cmp(&speedup(a).estimate));
    sorted
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
/// z(1 - 0.025/k) / z(0.975), for k = 1 to 5 (a group holds at most the
/// four parallel backends).
const SELECTION_WIDENING: [f64; 5] = [1.0, 1.1436, 1.2214, 1.2744, 1.3142];

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
    let mut groups: BTreeMap<(String, u64), Vec<&Benchmark>> = BTreeMap::new();
    for b in index
        .of_workload(workload)
        .into_iter()
        .filter(|b| b.key.threads > 1 && b.speedup.is_some())
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
            id,
            format!(
                "on {workload}, no variant ran on two or more backends at the same thread count above 1."
            ),
        );
    }
    // Quote the plain parallel map where it ran, at the most threads.
    let head = groups
        .iter()
        .max_by_key(|((_, threads), g)| (g[0].role == Role::PartialIdiom, *threads))
        .map(|(_, g)| by_speedup(g))
        .unwrap_or_default();
    let (leader, runner_up) = (head[0], head[1]);
    let r = lead_among(leader, runner_up, head.len());
    let outcome = decided_lead(leader, runner_up, head.len(), margin);
    let bounds = bounds_name(leader.paired_rounds.min(runner_up.paired_rounds));
    let each: Vec<String> = head
        .iter()
        .map(|b| {
            let s = speedup(b);
            match b.paired_speedup() {
                Some(_) => format!(
                    "{} {} ({} {:.2}–{:.2})",
                    b.key.backend,
                    times(s.estimate),
                    bounds_name(b.paired_rounds),
                    s.lower,
                    s.upper
                ),
                None => format!("{} {} (not paired)", b.key.backend, times(s.estimate)),
            }
        })
        .collect();
    let mut finding = Finding::new(question, id, String::new());
    finding.margin = Some(percent(margin));
    finding.points = head.len();
    // The leader was chosen among them by these speedups: say so.
    let choice = match head.len() {
        1 => String::new(),
        n => format!(", intervals widened for the choice among {n} backends"),
    };
    let verdict = match outcome {
        Outcome::Slower => {
            finding.claims.push(Claim::decided(
                "",
                format!(
                    "{} leads by more than {}",
                    leader.key.backend,
                    percent(margin)
                ),
            ));
            format!(
                "{} leads {} by {:.1}% ({bounds} {:.1}–{:.1}%{choice})",
                leader.key.backend,
                runner_up.key.backend,
                (r.estimate - 1.0) * 100.0,
                (r.lower - 1.0) * 100.0,
                (r.upper - 1.0) * 100.0
            )
        }
        _ => {
            finding.claims.push(Claim::of_outcome("", outcome, margin));
            format!(
                "{} and {}: {}{choice}",
                leader.key.backend,
                runner_up.key.backend,
                ratio_words(&r, margin, bounds)
            )
        }
    };
    finding.figure = Some(format!(
        "{} at {}: {}",
        leader.key.variant,
        threads(leader.key.threads),
        each[..2].join(" against ")
    ));
    let mut answer = format!(
        "On {workload} at {}, {}'s speedups: {}. {verdict}.",
        threads(leader.key.threads),
        leader.key.variant,
        listing(&each)
    );
    // Every point: who leads, and whether by more than the margin.
    let mut leads: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for group in groups.values() {
        for b in group {
            leads.entry(b.key.backend.as_str()).or_default();
        }
        let g = by_speedup(group);
        let decided = decided_lead(g[0], g[1], g.len(), margin) == Outcome::Slower;
        let tally = leads.entry(g[0].key.backend.as_str()).or_default();
        tally.0 += 1;
        tally.1 += usize::from(decided);
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
        " Over all {} variant and thread-count points where two or more backends ran, the one \
         with the highest paired speedup was: {}.",
        groups.len(),
        listing(&tallies)
    ));
    finding.answer = answer;
    finding
}
