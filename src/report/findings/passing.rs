//! "Do closure, function object and method reference differ?": the seed's
//! three idioms, by their paired time ratios, against [`IDIOMS_MARGIN`].
//!
//! Per workload, the median of every paired ratio among the three over its
//! backend and thread-count points, with its own interval: one disturbed
//! round widens a single point's interval, not this one. The workloads are
//! quoted in the order that shows call overhead most (memory-bound, then
//! CPU-bound, then pure overhead). The own workloads' group asks it of one
//! problem's entries ([`answer`]).

use super::*;

const QUESTION: &str = "Do closure, function object and method reference differ?";

pub(super) fn finding(index: &Index<'_>) -> Finding {
    answer(index, QUESTION, "idioms")
}

/// The answer over every workload of `index`, under `question` and `id`
/// (the own workloads' group asks it of one workload's entries).
pub(super) fn answer(index: &Index<'_>, question: &'static str, id: &'static str) -> Finding {
    let [partial, class, method] = Role::IDIOMS;
    // Worker processes run the three alike by construction (the same bytes
    // cross the process boundary, the same code runs there): their ratios
    // would only pull the answer towards "no difference".
    let mut points: Vec<[&Benchmark; 3]> = index
        .all()
        .filter(|b| in_process(b))
        .filter(|b| b.role == partial)
        .filter_map(|c| Some([c, index.with_role(c, class)?, index.with_role(c, method)?]))
        .collect();
    if points.is_empty() {
        return not_answered(
            question,
            id,
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
            id,
            format!(
                "the three idioms were measured at {} points, but never paired (a results file \
                 from before paired sampling): run `cargo bench` again.",
                points.len()
            ),
        );
    }
    let margin = IDIOMS_MARGIN;
    let mut finding = Finding::new(question, id, String::new());
    finding.margin = Some(percent(margin));
    let mut sentences = Vec::new();
    let mut workloads: Vec<&str> = points.iter().map(|p| p[0].key.workload.as_str()).collect();
    workloads.dedup();
    let mut all_pairs: Vec<Paired> = Vec::new();
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
        let mut estimates: Vec<f64> = pairs.iter().map(|p| p.ratio.estimate).collect();
        let pooled = median_interval(&mut estimates);
        let bounds = bounds_name(Some(estimates.len() as u64));
        let outcome = Outcome::of(&pooled, margin);
        finding
            .claims
            .push(Claim::of_outcome(format!("on {workload}"), outcome, margin));
        finding.points += at.len();
        finding.figure.get_or_insert_with(|| {
            format!(
                "median time ratio {} over {} paired ratios on {workload}",
                ratio_with_interval(Reading::Time, &pooled, bounds, 3),
                pairs.len()
            )
        });
        let beyond = pairs
            .iter()
            .filter(|p| {
                matches!(
                    Outcome::of(&p.ratio, margin),
                    Outcome::Slower | Outcome::Faster
                )
            })
            .count();
        sentences.push(format!(
            "On {workload}: {}, the median of their {} paired time ratios over {} backend and \
             thread-count point{}; {beyond} of the {} single comparisons lie beyond the margin.",
            pooled_ratio_words(&pooled, margin, bounds),
            pairs.len(),
            at.len(),
            if at.len() == 1 { "" } else { "s" },
            pairs.len(),
        ));
        all_pairs.extend(pairs);
    }
    if index.all().any(|b| !in_process(b) && b.role == partial) {
        sentences.push(
            "Worker processes are left out: across a process boundary the three send the same \
             bytes and run the same code."
                .to_string(),
        );
    }
    // Every single comparison, the largest difference first.
    all_pairs.sort_by(|a, b| {
        (b.ratio.estimate - 1.0)
            .abs()
            .total_cmp(&(a.ratio.estimate - 1.0).abs())
    });
    finding.details = all_pairs
        .iter()
        .map(|p| format!("On {}: {}.", place(p.entry), p.describe(margin)))
        .collect();
    finding.answer = sentences.join(" ");
    finding
}

/// Does `b` run on threads sharing memory (not in worker processes)?
pub(super) fn in_process(b: &Benchmark) -> bool {
    crate::backends::backend(&b.key.backend).is_ok_and(|backend| backend.shares_memory())
}
