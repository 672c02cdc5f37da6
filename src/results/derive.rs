//! The derived figures of a results file, recomputed on every load from
//! the raw measurements (so a file cannot contradict itself): throughput,
//! criterion's ratio beside the paired speedup, efficiency, overhead, the
//! cores kept busy, the intermittent distribution's quantiles, and what a
//! speedup above the machine's ceiling means.

use std::collections::BTreeMap;

use super::*;
use crate::key::Regime;
use crate::paired;
use crate::roles::Role;

impl ResultsFile {
    /// Recomputes every derived figure from the raw ones: throughput;
    /// criterion's speedup and the overhead against the baseline entry (the
    /// variant with the baseline role, at one thread) of the same workload,
    /// where neither has its own baseline (`own_baseline`) and both times
    /// are criterion's (a problem of the user's own is timed by the paired
    /// rounds alone: its times are medians of rounds taken in different
    /// groups, and their ratio is no second instrument); the speedup
    /// itself where it was not paired (older files); efficiency, cores
    /// busy, the instruments' agreement and the ceiling check.
    pub fn derive(&mut self) {
        // Criterion's steady times only: a ratio never mixes regimes.
        let criterion_timed = |b: &Benchmark| {
            b.key.regime == Regime::Steady
                && !b.own_baseline
                && b.time_estimator != Some(TimeEstimator::PairedRounds)
        };
        let baseline: BTreeMap<String, f64> = self
            .benchmarks
            .iter()
            .filter(|b| b.role == Role::Baseline && b.key.threads == 1 && criterion_timed(b))
            .map(|b| (b.key.workload.clone(), b.time_ns.estimate))
            .collect();
        let ceiling: BTreeMap<u64, f64> = self
            .run
            .ceiling
            .iter()
            .map(|p| (p.threads, p.speedup))
            .collect();
        for b in &mut self.benchmarks {
            let time = b.time_ns.estimate;
            b.items_per_s = b.items as f64 / (time * 1e-9);
            // An entry with its own baseline (Python's, at its own sizes)
            // has its speedup over its own loop, paired, never over Rust's.
            let base = baseline.get(&b.key.workload).filter(|_| criterion_timed(b));
            b.criterion_speedup = base.map(|base| base / time);
            b.overhead_ns = base.map(|base| time - base);
            if b.paired_rounds.is_none() {
                (b.speedup, b.speedup_lower, b.speedup_upper) = (b.criterion_speedup, None, None);
            }
            b.efficiency = b.speedup.map(|s| s / b.key.threads as f64);
            b.instruments_disagree = b.paired_rounds.is_some()
                && b.speedup
                    .zip(b.criterion_speedup)
                    .is_some_and(|(paired, criterion)| {
                        (paired / criterion - 1.0).abs() > INSTRUMENTS_AGREE_WITHIN
                    });
            b.cores_busy = b
                .cpu_time_ns
                .zip(b.paired_wall_ns)
                .filter(|(_, wall)| *wall > 0.0)
                .map(|(cpu, wall)| cpu / wall);
            b.p50_ns = paired::quantile(&b.call_ns, 0.5);
            b.p90_ns = paired::quantile(&b.call_ns, 0.9);
            b.slow_call_share = paired::slow_call_share(&b.call_ns);
            b.beyond_ceiling = ceiling
                .get(&b.key.threads)
                .and_then(|&c| beyond_ceiling(b, c));
            // Only a 95% interval (6 or more rounds) is carried onto the
            // entry, whose column shows no rounds.
            b.harness_overhead = (self.run.harness_overhead.iter())
                .find(|h| h.is_of(&b.key) && h.paired_rounds >= paired::MIN_VALUES_FOR_INTERVAL)
                .map(|h| h.time_ratio);
        }
    }
}

/// Does a speedup interval whose lower bound is `lower` lie wholly above
/// the machine's `ceiling` plus [`CEILING_MARGIN`]? Such a figure is
/// inconsistent with the machine (no cause is measured) and no answer
/// uses it.
pub fn wholly_above_ceiling(lower: f64, ceiling: f64) -> bool {
    ceiling > 0.0 && lower > ceiling * (1.0 + CEILING_MARGIN)
}

/// What the run can say of `b`'s speedup when it is more than
/// [`CEILING_MARGIN`] above the machine's `ceiling` at its thread count.
fn beyond_ceiling(b: &Benchmark, ceiling: f64) -> Option<BeyondCeiling> {
    let speedup = b.speedup?;
    let limit = ceiling * (1.0 + CEILING_MARGIN);
    if b.key.threads < 2 || speedup <= limit {
        return None;
    }
    let (cause, explanation) = match b.speedup_lower {
        Some(lower) if !wholly_above_ceiling(lower, ceiling) => (
            CeilingCause::Noise,
            format!(
                "within noise of the ceiling: the paired interval reaches {lower:.2}x, below the ceiling of {ceiling:.2}x plus {:.0}%",
                CEILING_MARGIN * 100.0
            ),
        ),
        Some(lower) => (
            CeilingCause::Inconsistent,
            format!(
                "inconsistent with this machine: the whole paired interval (from {lower:.2}x) lies above the ceiling of {ceiling:.2}x plus {:.0}%, and this run measured no cause; not used in any answer",
                CEILING_MARGIN * 100.0
            ),
        ),
        None => (
            CeilingCause::Inconsistent,
            format!(
                "inconsistent with this machine as measured: criterion's ratio of two times taken at different moments, not paired, lies above the ceiling of {ceiling:.2}x; not used in any answer"
            ),
        ),
    };
    Some(BeyondCeiling {
        ceiling,
        cause,
        explanation,
    })
}
