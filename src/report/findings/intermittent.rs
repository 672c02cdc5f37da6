//! "What does the parallel call cost when used intermittently?": each
//! backend's mean call after the caller's own work against its steady call
//! right after it, back to back, paired by round
//! ([`crate::paired::confidence::mean_ratio_sequence`]), against
//! [`INTERMITTENT_LOSS`], on the workload whose caller works longest, at
//! the most threads up to the cores. (Files written before 2026-12-07
//! timed the steady calls in a block after the others: the same formula
//! then reads them as unpaired, and its width adds both blocks' spread.)

use super::*;

pub use crate::roles::INTERMITTENT_LOSS;

pub(super) fn finding(index: &Index<'_>) -> Finding {
    answered(
        index,
        (
            "What does the parallel call cost when used intermittently?",
            "intermittent",
        ),
        "nothing was measured in the intermittent regime on this machine.",
    )
}

/// The intermittent question, as `question` with its anchor id, answered
/// from the intermittent entries of `index`: the built-in workloads', or
/// on a view of one problem of one's own, its own (measured by its bench
/// binary as the built-in sweep measures them). Without any, not answered
/// for the reason `unmeasured`.
pub(super) fn answered(
    index: &Index<'_>,
    (question, id): (&'static str, &'static str),
    unmeasured: &str,
) -> Finding {
    let entries = index.intermittent();
    if entries.is_empty() {
        return not_answered(question, id, unmeasured.to_string());
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
    // Kept entries whose outcome is not "equal within the margin".
    let mut undecided = 0;
    let mut finding = Finding::new(question, id, String::new());
    finding.margin = Some(percent(INTERMITTENT_LOSS));
    // The key figure: the first backend that lost its steady speed, else
    // the first compared.
    let (mut first_slower, mut first) = (None, None);
    for b in &quoted {
        if b.call_ns.len() < 2 || b.steady_call_ns.len() < 2 {
            continue;
        }
        let r = crate::paired::confidence::mean_ratio_sequence(&b.call_ns, &b.steady_call_ns);
        let outcome = Outcome::of(&r, INTERMITTENT_LOSS);
        // Each call is paired with the next, back to back, so the host's
        // drift over the group is out of the ratio: calls faster beyond the
        // margin after the caller's work are a finding (the call right
        // after one is the slower), whose cause is not measured here.
        let (claim, decided) = match outcome {
            Outcome::Slower => ("slower than steady", true),
            Outcome::Equal => ("keeps its steady speed", true),
            Outcome::Faster => ("faster than steady", true),
            Outcome::Undecided => ("undecided", false),
        };
        finding.claims.push(Claim {
            subject: b.key.backend.clone(),
            answer: claim.to_string(),
            decided,
        });
        finding.points += 1;
        let text = ratio_text(Reading::Time, &r, 2);
        let ratio = format!(
            "mean call {} (95% interval {})",
            text.against("the back-to-back one", "the back-to-back one"),
            text.bounds
        );
        let quoted = || format!("{}: {ratio}", b.key.backend);
        first.get_or_insert_with(quoted);
        if outcome == Outcome::Slower {
            first_slower.get_or_insert_with(quoted);
            lost.push(format!(
                "{}'s {ratio}, and {} of its calls were slow (over {}× its fastest)",
                b.key.backend,
                or_missing(b.slow_call_share, percent),
                SLOW_CALL
            ));
        } else {
            if outcome == Outcome::Undecided {
                undecided += 1;
            }
            kept.push(match outcome {
                Outcome::Faster => format!(
                    "{} (faster than its back-to-back call beyond the margin: {ratio}; what \
                     slows the call right after another was not measured)",
                    b.key.backend
                ),
                Outcome::Undecided => format!(
                    "{} ({}: {ratio}; {})",
                    b.key.backend,
                    outcome.words(INTERMITTENT_LOSS),
                    undecided_reason_in(&r, INTERMITTENT_LOSS, "calls")
                ),
                _ => format!(
                    "{} ({}: {ratio})",
                    b.key.backend,
                    outcome.words(INTERMITTENT_LOSS)
                ),
            });
        }
    }
    finding.figure = first_slower.or(first);
    let work = or_missing(longest.caller_work_ns, duration_ns);
    let mut answer = format!(
        "Used intermittently (after {work} of the caller's own work before each call), {variant} \
         on {workload} at {}: ",
        threads(threads_quoted)
    );
    answer.push_str(&match (lost.is_empty(), kept.is_empty()) {
        (true, true) => "no backend has both regimes measured to compare.".to_string(),
        (true, false) if undecided == 0 => format!(
            "no backend lost more than {} of its steady speed: {}.",
            percent(INTERMITTENT_LOSS),
            listing(&kept)
        ),
        (true, false) => format!(
            "no backend was shown to lose more than {} of its steady speed ({undecided} of {} \
             undecided): {}.",
            percent(INTERMITTENT_LOSS),
            kept.len(),
            listing(&kept)
        ),
        (false, true) => format!(
            "{}. No backend kept its steady speedup: keep the parallel section busy, or batch \
             the calls.",
            listing(&lost)
        ),
        (false, false) => format!(
            "{}; against a margin of {}: {}. Consider a backend that spawns its threads per \
             call, or keeping the pool busy.",
            listing(&lost),
            percent(INTERMITTENT_LOSS),
            listing(&kept)
        ),
    });
    finding.answer = answer;
    finding.grid = Some(Grid {
        head: [
            "variant",
            "where",
            "paired speedup intermittent",
            "paired speedup back to back",
            "median call",
            "p90 call",
            "slow calls",
        ]
        .map(String::from)
        .to_vec(),
        rows: entries
            .iter()
            .map(|b| {
                let speedup = |s: Option<Interval>, rounds: Option<u64>| {
                    s.map_or_else(
                        || MISSING.to_string(),
                        |s| ratio_with_interval(Reading::Speedup, &s, bounds_name(rounds), 2),
                    )
                };
                let steady_entry = index.get(
                    &b.key.workload,
                    &b.key.variant,
                    &b.key.backend,
                    b.key.threads,
                );
                vec![
                    b.key.variant.clone(),
                    place(b),
                    speedup(b.paired_speedup(), b.paired_rounds),
                    speedup(steady(b), steady_entry.and_then(|s| s.paired_rounds)),
                    or_missing(b.p50_ns, duration_ns),
                    or_missing(b.p90_ns, duration_ns),
                    or_missing(b.slow_call_share, percent),
                ]
            })
            .collect(),
    });
    finding
}
