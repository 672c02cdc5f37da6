//! The harness overhead as the page shows it: a small table beside the
//! machine's ceiling, and the sentence the seed's overhead finding quotes.
//!
//! The figures are the run's `harness_overhead` entries
//! ([`crate::harness_overhead`]): parbench's time per call over the same
//! map written by hand, paired. They say how much of every figure on the
//! page is parbench's own: on the seed's 20 items, where a call is a few
//! nanoseconds sequentially, that is the part a reader must subtract.
//!
//! Where it goes: the machine's page shows [`rows`] after the ceiling
//! (`MachineView::harness_overhead`), and the trust finding ("How far can
//! these numbers be trusted?") quotes [`seed_sentence`].

use serde::Serialize;

use super::format::{duration_ns, speedup_with_interval, threads};
use crate::results::HarnessOverhead;

/// One row of the table.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct HarnessOverheadRow {
    pub workload: String,
    pub variant: String,
    pub backend: String,
    pub threads: u64,
    /// parbench's time over the hand-written call's, with its interval.
    pub ratio: String,
    /// parbench's time per call.
    pub harness: String,
    /// The hand-written call's time per call.
    pub hand_written: String,
}

/// The table's rows, in the order the run measured them (workload by
/// workload within each backend and thread count).
pub fn rows(entries: &[HarnessOverhead]) -> Vec<HarnessOverheadRow> {
    entries
        .iter()
        .map(|e| HarnessOverheadRow {
            workload: e.workload.clone(),
            variant: e.variant.clone(),
            backend: e.backend.clone(),
            threads: e.threads,
            ratio: speedup_with_interval(&e.time_ratio, Some(e.paired_rounds)),
            harness: duration_ns(e.harness_ns),
            hand_written: duration_ns(e.hand_written_ns),
        })
        .collect()
}

/// What parbench adds to the seed's calls, in one sentence: its largest
/// ratio over the parallel backends' plain map, and its largest on the
/// sequential backend. `None` when the run did not measure it on `workload`.
pub fn seed_sentence(entries: &[HarnessOverhead], workload: &str) -> Option<String> {
    let sequential_id = crate::backends::Backend::id(&crate::backends::Sequential);
    let on_workload: Vec<&HarnessOverhead> =
        entries.iter().filter(|e| e.workload == workload).collect();
    let parallel = on_workload
        .iter()
        .filter(|e| e.backend != sequential_id)
        .max_by(|a, b| a.time_ratio.estimate.total_cmp(&b.time_ratio.estimate));
    // The sequential loop itself: the baseline variant on the sequential
    // backend (closure there is quoted as a parallel call is not).
    let sequential = on_workload.iter().find(|e| {
        e.backend == sequential_id
            && crate::variants::variant(&e.variant)
                .is_ok_and(|v| v.role() == crate::roles::Role::Baseline)
    });
    let mut parts = Vec::new();
    if let Some(p) = parallel {
        parts.push(format!(
            "at most {} on a parallel call ({} on {} at {}, {} against {} by hand)",
            speedup_with_interval(&p.time_ratio, Some(p.paired_rounds)),
            p.variant,
            p.backend,
            threads(p.threads),
            duration_ns(p.harness_ns),
            duration_ns(p.hand_written_ns)
        ));
    }
    if let Some(s) = sequential {
        parts.push(format!(
            "{} on the sequential loop ({}: {} against {} by hand)",
            speedup_with_interval(&s.time_ratio, Some(s.paired_rounds)),
            s.variant,
            duration_ns(s.harness_ns),
            duration_ns(s.hand_written_ns)
        ));
    }
    (!parts.is_empty()).then(|| {
        format!(
            "parbench's own call path (job, executor, variant, scheduler) adds {} on {workload}, \
             measured against the same map written by hand in the same rounds; every {workload} \
             time on this page includes it.",
            parts.join(", and ")
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::paired::Interval;

    fn entry(backend: &str, variant: &str, threads: u64, ratio: f64) -> HarnessOverhead {
        HarnessOverhead {
            workload: "seed".to_string(),
            variant: variant.to_string(),
            backend: backend.to_string(),
            threads,
            time_ratio: Interval {
                estimate: ratio,
                lower: ratio - 0.01,
                upper: ratio + 0.01,
            },
            harness_ns: 1_000.0 * ratio,
            hand_written_ns: 1_000.0,
            paired_rounds: 40,
            measured_at: "2026-11-30T06:00:00Z".to_string(),
        }
    }

    #[test]
    fn the_sentence_names_the_largest_parallel_overhead_and_the_sequential_ratio() {
        let run = vec![
            entry("rayon", "closure", 2, 1.02),
            entry("crossbeam", "closure", 1, 1.07),
            entry("sequential", "closure", 1, 1.40),
            entry("sequential", "sequential", 1, 1.45),
        ];
        let sentence = seed_sentence(&run, "seed").unwrap();
        assert!(
            sentence.contains(
                "at most 1.07× (1.06–1.08) on a parallel call (closure on crossbeam at 1 thread,"
            ),
            "{sentence}"
        );
        assert!(
            sentence.contains("1.45× (1.44–1.46) on the sequential loop (sequential:"),
            "{sentence}"
        );
        assert_eq!(seed_sentence(&run, "trivial"), None);
        let table = rows(&run);
        assert_eq!(table.len(), 4);
        assert_eq!(table[0].ratio, "1.02× (1.01–1.03)");
        assert_eq!(table[0].hand_written, duration_ns(1_000.0));
    }
}
