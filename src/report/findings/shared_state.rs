//! "What does shared mutable state cost?": each shared-sum strategy by its
//! paired time ratio to the private fold, against [`SHARED_SUM_MARGIN`],
//! on every memory-bound and CPU-bound workload; and one stateful worker
//! behind a Mutex against one worker per thread. The own workloads' group
//! asks the same of a problem of the user's ([`on_workload`]).

use super::*;
use crate::report::data::models_for;

const QUESTION: &str = "What does shared mutable state cost?";

pub(super) fn finding(index: &Index<'_>) -> Finding {
    let id = "shared-state";
    let margin = SHARED_SUM_MARGIN;
    let mut finding = Finding::new(QUESTION, id, String::new());
    finding.margin = Some(percent(margin));
    let mut sentences = Vec::new();
    let mut not_run = Vec::new();
    for (purpose, kind) in [
        (Purpose::MemoryBound, "memory-bound"),
        (Purpose::CpuBound, "CPU-bound"),
    ] {
        let workloads = index.workloads_for(purpose);
        if workloads.is_empty() {
            not_run.push(kind.to_string());
        }
        for workload in workloads {
            sentences.extend(on_workload(index, workload, &mut finding));
        }
    }
    if sentences.is_empty() {
        return not_answered(
            QUESTION,
            id,
            "no memory-bound or CPU-bound workload was run on this machine.".to_string(),
        );
    }
    if !not_run.is_empty() {
        sentences.push(format!(
            "(No {} workload was run on this machine.)",
            listing(&not_run)
        ));
    }
    finding.answer = sentences.join(" ");
    finding
}

/// The sentences on `workload`: its shared sums against the private fold
/// (their claims and the key figure added to `finding`), the same in the
/// scaling model's terms, and the stateful workers. The own workloads'
/// group asks it of a problem of the user's.
pub(super) fn on_workload(index: &Index<'_>, workload: &str, finding: &mut Finding) -> Vec<String> {
    let mut sentences = vec![shared_sums(index, workload, finding)];
    sentences.extend(shared_sums_in_model_terms(index, workload));
    sentences.extend(shared_workers(index, workload));
    sentences
}

/// The (backend, threads) of a workload where most of `roles` were
/// measured, preferring thread counts within the logical cores (above them
/// the threads take turns on the cores: time slicing, and the widest
/// intervals), then more threads, then the earlier backend; the entries
/// there, in the order of `roles`.
pub(super) fn common_point<'a>(
    index: &Index<'a>,
    workload: &str,
    roles: &[Role],
) -> Vec<&'a Benchmark> {
    let cores = index.file().map_or(u64::MAX, |f| f.machine.logical_cores);
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
            b.key.threads <= cores,
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

/// The sentence on `workload`'s shared sums; adds their claims and the
/// key figure (the costliest strategy on the first workload) to `finding`.
fn shared_sums(index: &Index<'_>, workload: &str, finding: &mut Finding) -> String {
    let margin = SHARED_SUM_MARGIN;
    let present = common_point(index, workload, &Role::SHARED_SUMS);
    let Some(fold) = present.iter().find(|b| b.role == Role::SHARED_SUMS[0]) else {
        return format!(
            "On {workload}, the private fold was not measured at the point where the shared-sum \
             strategies were."
        );
    };
    if present.len() < 2 {
        return format!(
            "On {workload}, fewer than two shared-sum strategies were measured at the same backend \
             and thread count."
        );
    }
    let fold_id = &fold.key.variant;
    let mut compared = Vec::new();
    let mut costliest: Option<(&Benchmark, Interval)> = None;
    for b in present.iter().filter(|b| b.key.variant != *fold_id) {
        match b.compared_with(fold_id) {
            Some(ratio) => {
                let outcome = Outcome::of(&ratio, margin);
                finding.claims.push(Claim::of_outcome(
                    format!("{} on {workload}", b.key.variant),
                    outcome,
                    margin,
                ));
                finding.points += 1;
                compared.push(format!(
                    "{} {}{}",
                    b.key.variant,
                    ratio_words(&ratio, margin, bounds_name(b.comparison_rounds(fold_id))),
                    head_to_head_note(b, fold_id)
                ));
                if costliest.is_none_or(|(_, c)| ratio.estimate > c.estimate) {
                    costliest = Some((b, ratio));
                }
            }
            None => compared.push(format!("{} not paired with it", b.key.variant)),
        }
    }
    if let Some((b, r)) = costliest
        && finding.figure.is_none()
    {
        let text = ratio_text(Reading::Time, &r, 3);
        finding.figure = Some(format!(
            "{} {} ({} {}) on {}",
            b.key.variant,
            text.against(&format!("the time of {fold_id}"), fold_id),
            bounds_name(b.paired_rounds),
            text.bounds,
            place(b)
        ));
    }
    let mut sentence = format!(
        "On {}, each against {fold_id}, paired: {}.",
        place(fold),
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
    shared_state_in_model_terms(file, workload, backend, &variants)
}

fn shared_workers(index: &Index<'_>, workload: &str) -> Option<String> {
    let present = common_point(index, workload, &Role::WORKERS);
    let [locked, private] = present.as_slice() else {
        return None;
    };
    let verdict = match private.compared_with(&locked.key.variant) {
        Some(ratio) => ratio_words(
            &ratio.inverse(),
            SHARED_SUM_MARGIN,
            bounds_name(private.paired_rounds),
        ),
        None => "not paired".to_string(),
    };
    Some(format!(
        "One stateful worker behind a Mutex ({}) against one worker per thread ({}) on {}, \
         paired: {verdict}.",
        locked.key.variant,
        private.key.variant,
        place(locked)
    ))
}

/// The cost of the shared-mutable-state variants of `workload` on `backend`
/// in model terms: USL sigma and kappa where fitted, else Karp-Flatt at the
/// most threads within the cores (and why there is no USL fit).
fn shared_state_in_model_terms(
    file: &ResultsFile,
    workload: &str,
    backend: &str,
    variants: &[&str],
) -> Option<String> {
    let models = models_for(file, workload);
    let mut parts = Vec::new();
    let mut usl_missing = None;
    for variant in variants {
        let Some(s) = models
            .iter()
            .find(|s| s.backend == backend && s.variant == *variant)
        else {
            continue;
        };
        let m = &s.model;
        match (&m.usl, m.karp_flatt.last()) {
            (Some(u), _) => parts.push(format!(
                "{variant}: sigma {:.2} ± {:.2}, kappa {:.1e}{}",
                u.sigma,
                u.sigma_se,
                u.kappa,
                match u.sigma {
                    s if s >= 0.7 => " (contention serialises it)",
                    s if s <= 0.05 => " (no contention)",
                    _ => "",
                }
            )),
            (None, Some(k)) => {
                usl_missing = usl_missing.or(m.usl_reason.clone());
                parts.push(format!(
                    "{variant}: Karp-Flatt e({}) = {:.2}",
                    k.threads, k.serial_fraction
                ))
            }
            (None, None) => {}
        }
    }
    if parts.is_empty() {
        return None;
    }
    let mut sentence = format!(
        "In model terms on {workload} ({backend}): {}.",
        parts.join("; ")
    );
    if let Some(why) = usl_missing {
        sentence.push_str(&format!(
            " No contention/coherency (USL) split here: {why}; Karp-Flatt e near 1 means the \
             threads run one at a time, near 0 that they do not get in each other's way."
        ));
    }
    Some(sentence)
}
