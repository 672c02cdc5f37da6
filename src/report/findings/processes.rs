//! "Does each process get a copy of the constant state?": the seed's
//! memory question in its own terms, answered from what Python's
//! `multiprocessing.Pool` (backend `python_pool`) and Rust's worker
//! processes (backend `process`) shipped and copied per call, against
//! Rust's threads: the measured bytes, copies and peak RSS. Counts, not
//! timings: no margin.
//!
//! Here too lives what the question compares, which the side-by-side
//! tables of threads and processes (`report::processes`, a layer above)
//! show: the backends side by side ([`SIDE_BY_SIDE_BACKENDS`]), the
//! steady entries of a workload ([`steady_entries`]) and the thread count
//! compared ([`compared_threads`]).

use super::*;
use crate::backends::pool_map_chunk_len;
use crate::report::data::purpose_of;

/// How many of [`SIDE_BY_SIDE_BACKENDS`] run threads (the rest run processes).
const THREAD_BACKENDS: usize = 3;
/// The backends after the sequential loop, threads first, then processes;
/// the entries with their own baseline (Python's pool) follow them.
pub const SIDE_BY_SIDE_BACKENDS: [&str; 4] = ["rayon", "std_scope", "crossbeam", "process"];

/// The thread count compared on `workload`: the largest that both worker
/// processes (Rust's or Python's) and threads measured, at most the cores.
pub fn compared_threads(entries: &[&Benchmark], cores: u64) -> Option<u64> {
    let threaded: Vec<u64> = entries
        .iter()
        .filter(|b| SIDE_BY_SIDE_BACKENDS[..THREAD_BACKENDS].contains(&b.key.backend.as_str()))
        .map(|b| b.key.threads)
        .collect();
    let mut counts: Vec<u64> = entries
        .iter()
        .filter(|b| b.key.backend == "process" || b.own_baseline)
        .map(|b| b.key.threads)
        .filter(|t| threaded.contains(t))
        .filter(|&t| t > 1 || entries.iter().all(|b| b.key.threads <= 1))
        .collect();
    counts.sort_unstable();
    counts.dedup();
    counts
        .iter()
        .copied()
        .filter(|&t| t <= cores.max(1))
        .max()
        .or_else(|| counts.first().copied())
}

/// The steady entries of `workload` in `file`, Python's included.
pub fn steady_entries<'a>(benchmarks: &'a [Benchmark], workload: &str) -> Vec<&'a Benchmark> {
    benchmarks
        .iter()
        .filter(|b| b.key.workload == workload && b.key.regime == crate::key::Regime::Steady)
        .collect()
}

/// "Does each process get a copy of the constant state?", answered from
/// what Python's pool and Rust's worker processes shipped and copied per
/// call, against Rust's threads.
pub(super) fn finding(index: &Index<'_>) -> Finding {
    let question = "Does each process get a copy of the constant state (partial, callable class, \
                    bound method, initializer)?";
    let Some(file) = index.file() else {
        return answer(
            question,
            "Not answered: no results file.".to_string(),
            Vec::new(),
        );
    };
    let cores = file.machine.logical_cores;
    // Python's pool on the workload with the largest state it ran, else any.
    let python: Vec<&Benchmark> = file.benchmarks.iter().filter(|b| b.own_baseline).collect();
    let by_state = |purpose: Purpose| {
        python
            .iter()
            .copied()
            .filter(|b| purpose_of(Some(file), &b.key.workload) == purpose)
            .collect::<Vec<_>>()
    };
    let mut details = Vec::new();
    let mut parts = Vec::new();
    // The answer without figures, for the verdict across machines.
    let mut short = Vec::new();
    let describe = |b: &Benchmark| {
        format!(
            "{} copies, {} shipped per call",
            b.memory
                .state_copies
                .map_or("?".to_string(), |c| c.to_string()),
            b.memory.ipc_bytes.map_or("?".to_string(), bytes)
        )
    };
    let python_rows = [by_state(Purpose::StateSize), by_state(Purpose::Overhead)]
        .into_iter()
        .find(|rows| !rows.is_empty());
    if let Some(rows) = python_rows {
        let workload = rows[0].key.workload.clone();
        let all = steady_entries(&file.benchmarks, &workload);
        if let Some(at) = compared_threads(&all, cores) {
            let find = |role: Role| {
                rows.iter()
                    .copied()
                    .find(|b| b.role == role && b.key.threads == at)
            };
            let idioms: Vec<&Benchmark> = Role::IDIOMS.iter().filter_map(|r| find(*r)).collect();
            if !idioms.is_empty() {
                let copies: Vec<String> = idioms
                    .iter()
                    .map(|b| {
                        let per_chunk = b
                            .memory
                            .ipc_bytes
                            .map(|ipc| {
                                format!(
                                    " ({} per chunk, {} chunks, both ways)",
                                    bytes(ipc / chunks_of(b).max(1)),
                                    chunks_of(b)
                                )
                            })
                            .unwrap_or_default();
                        format!("{} {}{per_chunk}", b.key.variant, describe(b))
                    })
                    .collect();
                let same = idioms
                    .windows(2)
                    .all(|w| w[0].memory.state_copies == w[1].memory.state_copies);
                // Measured, not assumed: a copy per chunk only when every
                // idiom's copies per call are its chunks per call.
                let per_chunk = idioms.iter().all(|b| copies_per_chunk(b));
                let copying = idioms
                    .iter()
                    .all(|b| b.memory.state_copies.is_some_and(|c| c > 0));
                short.push(format!(
                    "Python idioms: {}",
                    if per_chunk {
                        "a copy per chunk"
                    } else if copying {
                        "copies, not one per chunk"
                    } else {
                        "not every idiom copies"
                    }
                ));
                parts.push(format!(
                    "Python's Pool.map ({} items of {workload}, {}) {} for {}: {}",
                    rows[0].items,
                    threads(at),
                    if per_chunk {
                        "pickles the state with every chunk"
                    } else {
                        "pickles the state this often per call"
                    },
                    if same {
                        "partial, callable class and bound method alike"
                    } else {
                        "partial, callable class and bound method, but not equally often"
                    },
                    copies.join("; ")
                ));
            }
            if let Some(init) = find(Role::CopyPerWorker) {
                short.push(format!("initializer: {}", copies_in_words(init)));
                parts.push(format!(
                    "with its initializer {} ({} {})",
                    match init.memory.state_copies {
                        Some(0) => "a call pickles no state".to_string(),
                        Some(c) => format!("a call pickles the state {c} times"),
                        None => "the copies per call are unknown".to_string(),
                    },
                    init.key.variant,
                    describe(init)
                ));
            }
            for b in &rows {
                if let (Some(largest), Some(sum)) = (
                    b.memory.worker_peak_rss_bytes,
                    b.memory.worker_peak_rss_sum_bytes,
                ) && b.key.threads == at
                {
                    details.push(format!(
                        "Python {}: worker peak RSS {} (largest), {} (all workers), {} per call",
                        b.key.variant,
                        bytes(largest),
                        bytes(sum),
                        duration_ns(b.time_ns.estimate)
                    ));
                }
            }
        }
    }
    // Rust's worker processes and threads.
    let rust: Vec<&Benchmark> = index
        .all()
        .filter(|b| b.memory.state_copies.is_some() && b.key.threads > 1)
        .collect();
    let rust_at = |backend: &str, role: Role| {
        rust.iter()
            .copied()
            .filter(|b| b.key.backend == backend && b.role == role)
            .max_by_key(|b| {
                let purpose = purpose_of(Some(file), &b.key.workload);
                (
                    purpose == Purpose::StateSize || purpose == Purpose::Overhead,
                    b.key.threads <= cores,
                    b.key.threads,
                )
            })
    };
    // "closure on seed with 2 threads: 7 copies, 447 B shipped per call"
    let measured = |b: &Benchmark| {
        format!(
            "{} on {} with {}: {}",
            b.key.variant,
            b.key.workload,
            threads(b.key.threads),
            describe(b)
        )
    };
    if let Some(b) = rust_at("process", Role::PartialIdiom) {
        short.push(format!("Rust processes: {}", copies_in_words(b)));
        parts.push(if copies_per_chunk(b) {
            format!(
                "Rust's worker processes send a closure's state with every chunk ({})",
                measured(b)
            )
        } else {
            format!(
                "Rust's worker processes copied a closure's state {} times in {} chunks ({})",
                b.memory
                    .state_copies
                    .map_or("an unknown number of".to_string(), |c| c.to_string()),
                chunks_of(b),
                measured(b)
            )
        });
    }
    if let Some(b) = rust_at("process", Role::SharedOwnership) {
        parts.push(format!(
            "a table mapped read-only from shared memory is never sent ({}, the chunks and their \
             results only; worker peak RSS {} largest, which counts the mapped table's pages in \
             every worker although one copy of them is in memory)",
            measured(b),
            b.memory
                .worker_peak_rss_bytes
                .map_or("?".to_string(), bytes)
        ));
    }
    if let Some(b) = rust_at("rayon", Role::PartialIdiom) {
        short.push(format!("Rust threads: {}", copies_in_words(b)));
        let made = match b.memory.state_copies {
            Some(0) => "Rust threads borrow it".to_string(),
            Some(c) => format!("Rust threads copied it {c} times"),
            None => "Rust threads' copies are unknown".to_string(),
        };
        parts.push(format!(
            "{made}: {} on rayon with {} made {} copies",
            b.key.variant,
            threads(b.key.threads),
            b.memory
                .state_copies
                .map_or("?".to_string(), |c| c.to_string())
        ));
    }
    if parts.is_empty() {
        return answer(
            question,
            "Not answered: neither Python's pool nor Rust's worker processes were measured on this machine."
                .to_string(),
            details,
        );
    }
    let mut finding = answer(question, format!("{}.", parts.join("; ")), details);
    finding.points = short.len();
    finding.group_claims = false;
    finding.claims = short
        .iter()
        .map(|claim| match claim.split_once(": ") {
            Some((subject, answer)) => Claim::decided(subject, answer),
            None => Claim::decided("", claim.as_str()),
        })
        .collect();
    finding
}

/// The chunks one call of `b` is cut into: `Pool.map`'s, as every backend's.
fn chunks_of(b: &Benchmark) -> u64 {
    let items = b.items as usize;
    items.div_ceil(pool_map_chunk_len(items, b.key.threads as usize).max(1)) as u64
}

/// Whether `b` copied the state exactly once per chunk (measured).
fn copies_per_chunk(b: &Benchmark) -> bool {
    b.memory.state_copies == Some(chunks_of(b)) && chunks_of(b) > 0
}

/// Whether one entry copied the state, in words (no count: the count
/// follows the chunks, which follow the machine's cores).
fn copies_in_words(b: &Benchmark) -> &'static str {
    match b.memory.state_copies {
        Some(0) => "no copy",
        Some(_) => "copies",
        None => "copies unknown",
    }
}

fn answer(question: &'static str, answer: String, details: Vec<String>) -> Finding {
    Finding {
        details,
        ..Finding::new(question, "processes", answer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::key::Key;
    use crate::memory::Memory;
    use crate::results::TimeNs;

    fn entry(items: u64, threads: u64, copies: Option<u64>) -> Benchmark {
        let time = TimeNs {
            estimate: 1.0,
            lower: 1.0,
            upper: 1.0,
            median: 1.0,
        };
        let memory = Memory {
            state_copies: copies,
            ..Memory::default()
        };
        Benchmark::new(
            Key::new("seed", "closure", "process", threads),
            items,
            time,
            "2026-11-26T00:00:00Z",
            memory,
        )
    }

    #[test]
    fn a_copy_per_chunk_is_said_only_when_the_copies_are_the_chunks() {
        // 20 items on 2 workers: chunks of 3, so 7 chunks.
        assert_eq!(chunks_of(&entry(20, 2, None)), 7);
        assert!(copies_per_chunk(&entry(20, 2, Some(7))));
        assert!(!copies_per_chunk(&entry(20, 2, Some(2))));
        assert!(!copies_per_chunk(&entry(20, 2, None)));
        assert_eq!(copies_in_words(&entry(20, 2, Some(2))), "copies");
    }
}
