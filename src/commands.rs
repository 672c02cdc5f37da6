//! The subcommands of the matrix (`list`, `verify`, `run`), as library
//! functions that return what they found; `main` only parses and prints.

use std::fmt::Write as _;

use anyhow::{Context, Result, bail};
use serde::Serialize;

use crate::backends::RunStats;
use crate::matrix::{self, Combo, ListEntry, Measured, Problem};
use crate::variants::Produced;
use crate::workload::Spec;

/// `parbench list --format text`: one line per (workload, variant, backend).
pub fn list_text(entries: &[ListEntry]) -> String {
    let mut text = format!(
        "{:<11} {:<18} {:<10} {}\n",
        "WORKLOAD", "VARIANT", "BACKEND", "PYTHON"
    );
    for e in entries {
        let _ = writeln!(
            text,
            "{:<11} {:<18} {:<10} {}",
            e.workload, e.variant, e.backend, e.python
        );
    }
    text
}

/// Parses `1,2,3,8` into thread counts, rejecting 0 and junk by value.
pub fn parse_threads(list: &str) -> Result<Vec<usize>> {
    let mut threads = Vec::new();
    for part in list.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let Ok(n) = part.parse::<usize>() else {
            bail!(
                "invalid thread count '{part}' in '{list}': expected a whole number such as 1,2,4"
            );
        };
        crate::backends::check_threads(n)
            .map_err(|e| anyhow::anyhow!("invalid thread count in '{list}': {e}"))?;
        if !threads.contains(&n) {
            threads.push(n);
        }
    }
    if threads.is_empty() {
        bail!("no thread counts in '{list}'");
    }
    Ok(threads)
}

/// The result of one (combination, threads) in `verify`.
#[derive(Debug, Serialize)]
pub struct Verdict {
    pub workload: &'static str,
    pub variant: &'static str,
    pub backend: &'static str,
    pub threads: usize,
    /// `None` when it matched the oracle, else what differed.
    pub mismatch: Option<String>,
}

/// Runs every combination at every thread count against the oracle.
pub fn verify(threads: &[usize], quick: bool) -> Result<Vec<Verdict>> {
    let mut verdicts = Vec::new();
    for workload in crate::workload::WORKLOADS {
        let problem = Problem::new(if quick { workload.quick } else { workload.full })
            .with_context(|| format!("workload {}", workload.id))?;
        let mut out = problem
            .output()
            .with_context(|| format!("workload {}", workload.id))?;
        for combo in matrix::combos().filter(|c| c.workload.id == workload.id) {
            let thread_counts: &[usize] = if combo.backend.is_some() {
                threads
            } else {
                &[1]
            };
            for &t in thread_counts {
                let exec = matrix::executor(combo.backend, t)?;
                let mismatch = problem
                    .run_checked(combo.variant, &*exec, &mut out)
                    .err()
                    .map(|e| format!("{e:#}"));
                verdicts.push(Verdict {
                    workload: workload.id,
                    variant: combo.variant.id(),
                    backend: combo.backend_id(),
                    threads: t,
                    mismatch,
                });
            }
        }
    }
    Ok(verdicts)
}

/// The verify table: one row per combination, one column per thread count.
pub fn verify_table(verdicts: &[Verdict], threads: &[usize]) -> String {
    let mut text = format!("{:<11} {:<18} {:<10}", "WORKLOAD", "VARIANT", "BACKEND");
    for t in threads {
        let _ = write!(text, " {:>5}", format!("t={t}"));
    }
    text.push('\n');
    let mut rows: Vec<(&str, &str, &str)> = verdicts
        .iter()
        .map(|v| (v.workload, v.variant, v.backend))
        .collect();
    rows.dedup();
    for (workload, variant, backend) in rows {
        let _ = write!(text, "{workload:<11} {variant:<18} {backend:<10}");
        for &t in threads {
            let cell = verdicts
                .iter()
                .find(|v| {
                    (v.workload, v.variant, v.backend, v.threads) == (workload, variant, backend, t)
                })
                .map_or("-", |v| if v.mismatch.is_none() { "ok" } else { "FAIL" });
            let _ = write!(text, " {cell:>5}");
        }
        text.push('\n');
    }
    text
}

/// Options of `parbench run`.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub workload: String,
    pub variant: String,
    /// Default: rayon, or none for the sequential loop.
    pub backend: Option<String>,
    /// Default: 2, or 1 for the sequential loop.
    pub threads: Option<usize>,
    pub quick: bool,
    pub items: Option<usize>,
    pub rounds: Option<u32>,
    pub state_bytes: Option<usize>,
}

/// What `parbench run` found.
#[derive(Debug)]
pub struct RunReport {
    pub combo_name: String,
    pub spec: Spec,
    pub threads: usize,
    pub measured: Measured,
    pub checksum: u64,
    /// The per-item results, or `None` for a variant that produces a sum.
    pub items: Option<Vec<u64>>,
}

impl RunReport {
    pub fn stats(&self) -> RunStats {
        self.measured.outcome.stats
    }
}

/// Refuses a problem that would not fit in this machine's memory, before
/// trying to allocate it.
fn check_fits(spec: &Spec, live_copies: usize) -> Result<()> {
    // The table and its live copies, the oracle's results and the output.
    let needed = (spec.state_bytes as u128) * (1 + live_copies as u128) + (spec.items as u128) * 16;
    let Ok(mut system) = sysinfo::System::new() else {
        return Ok(()); // Unknown memory: let the fallible allocation decide.
    };
    system.refresh_memory();
    let available = u128::from(system.available_memory());
    if available > 0 && needed > available {
        bail!(
            "this problem needs about {needed} bytes ({} items, state_bytes {}, up to {live_copies} copies of the state alive), \
             more than the {available} bytes available",
            spec.items,
            spec.state_bytes
        );
    }
    Ok(())
}

/// Runs one combination once, checked against the oracle.
pub fn run(opts: &RunOptions) -> Result<RunReport> {
    let parallel = crate::variants::variant(&opts.variant)?.parallel();
    let default_backend = if parallel {
        "rayon"
    } else {
        matrix::NO_BACKEND
    };
    let combo: Combo = matrix::find(
        &opts.workload,
        &opts.variant,
        opts.backend.as_deref().unwrap_or(default_backend),
    )?;
    let threads = opts.threads.unwrap_or(if parallel { 2 } else { 1 });
    let mut spec = if opts.quick {
        combo.workload.quick
    } else {
        combo.workload.full
    };
    spec.items = opts.items.unwrap_or(spec.items);
    spec.rounds = opts.rounds.unwrap_or(spec.rounds);
    spec.state_bytes = opts.state_bytes.unwrap_or(spec.state_bytes);
    if combo.backend.is_none() && threads != 1 {
        bail!(
            "variant '{}' runs on one thread only (got --threads {})",
            combo.variant.id(),
            threads
        );
    }
    let exec = matrix::executor(combo.backend, threads)?;
    check_fits(&spec, combo.variant.live_copies(threads))?;
    let problem = Problem::new(spec)?;
    let mut out = problem.output()?;
    let measured = matrix::measure_once(&problem, combo.variant, &*exec, &mut out)
        .map_err(|e| anyhow::anyhow!("{} on {} threads: {e:#}", combo.name(), threads))?;
    let checksum = Problem::checksum(&measured.outcome, &out);
    let items = matches!(measured.outcome.produced, Produced::Items).then_some(out);
    Ok(RunReport {
        combo_name: combo.name(),
        spec,
        threads,
        measured,
        checksum,
        items,
    })
}

/// The per-item results as a JSON array, `[10000, 10200, ...]`.
pub fn json_array(values: &[u64]) -> String {
    let parts: Vec<String> = values.iter().map(u64::to_string).collect();
    format!("[{}]", parts.join(", "))
}
