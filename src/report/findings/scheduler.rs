//! "Which scheduler for this grain?": on each workload where how the work
//! is split is the question ([`Purpose::asks_which_scheduler`]: the seed's
//! call, cheap items, uniform and uneven work), the plain map on every
//! parallel backend at the most threads within the cores
//! ([`crate::results::scheduler_point`]), the leader against the runner-up
//! with [`BACKEND_MARGIN`]: head to head where the two raced, else through
//! their speedups widened for the choice ([`imbalanced::lead_at`]).
//!
//! The key figure is the seed's cheapest parallel call, with its time per
//! call: how close a scheduler comes to the sequential loop on the seed's
//! 20 items. The evidence adds each scheduler's break-even work per call,
//! from the break-even map ([`crate::break_even::thresholds`]).

use super::imbalanced::{lead_at, speedups_in_words};
use super::*;

const QUESTION: &str = "Which scheduler for this grain?";

pub(super) fn finding(index: &Index<'_>) -> Finding {
    let id = "scheduler";
    let cores = index.file().map_or(2, |f| f.machine.logical_cores.max(1));
    let margin = BACKEND_MARGIN;
    let mut finding = Finding::new(QUESTION, id, String::new());
    finding.margin = Some(percent(margin));
    let mut seed_call = None;
    for workload in index.workloads() {
        let purpose = index.purpose(workload);
        if !purpose.asks_which_scheduler() {
            continue;
        }
        let points = crate::results::backend_points(index.of_workload(workload));
        let Some(point) = crate::results::scheduler_point(&points, cores) else {
            continue;
        };
        let lead = lead_at(point, margin);
        let subject = format!("on {workload}");
        finding.claims.push(match lead.outcome {
            Outcome::Slower => Claim::decided(
                subject,
                format!(
                    "{} leads by more than {}",
                    lead.leader.key.backend,
                    percent(margin)
                ),
            ),
            outcome => Claim::of_outcome(subject, outcome, margin),
        });
        let each = speedups_in_words(point);
        finding.details.push(format!(
            "On {workload} at {}, {}'s speedups over the sequential loop: {}. {}.",
            threads(point[0].key.threads),
            point[0].key.variant,
            listing(&each),
            lead.words
        ));
        finding.points += 1;
        if purpose == Purpose::Overhead {
            seed_call = Some((workload, cheapest_call(point)));
        }
    }
    if finding.claims.is_empty() {
        return not_answered(
            QUESTION,
            id,
            "no workload where the split is the question ran the plain map on two or more \
             parallel backends at the same thread count."
                .to_string(),
        );
    }
    if let Some((workload, (b, call_ns))) = seed_call {
        // The sequential loop's call, from the same speedup: paired where
        // it was, else criterion's.
        let speedup = b.paired_speedup().map(|s| s.estimate).or(b.speedup);
        let sequential = speedup
            .filter(|s| s.is_finite() && *s > 0.0)
            .map(|s| format!(" (the sequential loop {})", duration_ns(call_ns * s)))
            .unwrap_or_default();
        finding.figure = Some(format!(
            "on {workload}, the cheapest parallel call: {} at {}, {} a call{sequential}",
            b.key.backend,
            threads(b.key.threads),
            duration_ns(call_ns),
        ));
    }
    let break_even = index.file().map(break_even_per_scheduler);
    finding.answer = format!(
        "Each workload where how the work is split is the question, with the plain map on every \
         parallel backend at the most threads within the {cores} cores: the leader against the \
         runner-up, by more than {} or not.{}",
        percent(margin),
        break_even.flatten().unwrap_or_default()
    );
    finding
}

/// The entry of `point` with the shortest call, and that call's time (ns):
/// its paired time per call where it was paired, else criterion's.
fn cheapest_call<'a>(point: &[&'a Benchmark]) -> (&'a Benchmark, f64) {
    let call = |b: &Benchmark| b.paired_wall_ns.unwrap_or(b.time_ns.estimate);
    point
        .iter()
        .map(|b| (*b, call(b)))
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .expect("a point holds two or more entries")
}

/// Each scheduler's break-even work per call, from the file's break-even
/// map, as a sentence; `None` without a map.
fn break_even_per_scheduler(file: &ResultsFile) -> Option<String> {
    let (threads, each) = super::break_even::work_per_call_of(file)?;
    Some(format!(
        " Each beats the sequential loop from this much sequential work per call at {threads} \
         threads (the break-even map): {}.",
        each.join(", ")
    ))
}
