//! `parbench run`: one combination, once, checked against the oracle, with
//! its wall time, checksum, copies of the state and memory figures.

use std::process::ExitCode;

use anyhow::{Result, anyhow, bail};

use crate::backends::{BACKENDS, Backend};

use crate::key::Key;
use crate::matrix::{self, Combo, Measured, Prepared, refusal};
use crate::schedule::Produced;
use crate::schedule::RunStats;
use crate::variants;
use crate::workload::Spec;

#[derive(clap::Args, Debug, Clone, Default)]
pub struct Args {
    /// The combination as one key, `workload/variant/backend/threads`
    /// (instead of the four flags below).
    #[arg(conflicts_with_all = ["workload", "variant", "backend", "threads"])]
    pub key: Option<Key>,
    #[arg(long, required_unless_present = "key")]
    pub workload: Option<String>,
    #[arg(long, required_unless_present = "key")]
    pub variant: Option<String>,
    /// The backend [default: the first listed that runs the variant on 2
    /// threads, else on 1].
    #[arg(long)]
    pub backend: Option<String>,
    /// Thread count [default: 2, or 1 where the backend runs only one].
    #[arg(long, value_parser = crate::profile::thread_count)]
    pub threads: Option<usize>,
    /// Print the per-item results as a JSON array (or the sum) on stdout.
    #[arg(long)]
    pub print: bool,
    /// The workload's smaller size.
    #[arg(long)]
    pub quick: bool,
    /// Override the number of items.
    #[arg(long)]
    pub items: Option<usize>,
    /// Override the mixing rounds per item.
    #[arg(long)]
    pub rounds: Option<u32>,
    /// Override the size of the constant-state table, in bytes.
    #[arg(long)]
    pub state_bytes: Option<usize>,
}

/// What one run found.
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

pub fn run(args: Args) -> Result<ExitCode> {
    let print = args.print;
    let report = measure(&args)?;
    let m = &report.measured.memory;
    let known = |value: Option<u64>| value.map_or("unknown".to_string(), |b| b.to_string());
    let summary = [
        format!(
            "{} threads={} items={}",
            report.combo_name, report.threads, report.spec.items
        ),
        format!(
            "wall_time: {:.3} ms",
            report.measured.wall.as_secs_f64() * 1e3
        ),
        format!("checksum: {}", report.checksum),
        format!("state_copies: {}", known(m.state_copies)),
        format!(
            "bytes_allocated: {} in {} allocations",
            known(m.bytes_allocated),
            known(m.allocations)
        ),
        format!("peak_live_bytes: {}", known(m.peak_live_bytes)),
        format!("peak_rss_bytes: {}", known(m.peak_rss_bytes)),
        format!(
            "chunks: {} workers_used: {}",
            report.stats().chunks(),
            report.stats().workers_used()
        ),
    ];
    // Worker processes only: what crossed the pipes and what each worker held.
    let processes = m.ipc_bytes.map(|ipc| {
        format!(
            "ipc_bytes: {ipc} worker_peak_rss_bytes: {} (largest), {} (sum)",
            known(m.worker_peak_rss_bytes),
            known(m.worker_peak_rss_sum_bytes)
        )
    });
    for line in summary.into_iter().chain(processes) {
        // With --print, stdout carries only the results.
        if print {
            eprintln!("{line}")
        } else {
            super::println(&line)
        }
    }
    if print {
        match &report.items {
            Some(items) => super::println(&json_array(items)),
            None => super::println(&report.checksum.to_string()),
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The backend and thread count to run on, from what was given.
fn choose(
    variant_id: &str,
    backend: Option<&str>,
    threads: Option<usize>,
) -> Result<(&'static dyn Backend, usize)> {
    let variant = variants::variant(variant_id)?;
    if let Some(id) = backend {
        let backend = crate::backends::backend(id)?;
        return Ok((backend, threads.unwrap_or(backend.max_threads().min(2))));
    }
    let runs = |b: &&&dyn Backend| refusal(variant, **b).is_none();
    let wanted = threads.unwrap_or(2);
    let on_wanted = BACKENDS
        .iter()
        .filter(runs)
        .find(|b| b.max_threads() >= wanted);
    match (on_wanted, threads) {
        (Some(b), _) => Ok((*b, wanted)),
        (None, Some(t)) => bail!("no backend runs variant '{variant_id}' on {t} threads"),
        (None, None) => {
            let first = BACKENDS
                .iter()
                .find(runs)
                .ok_or_else(|| anyhow!("no backend runs variant '{variant_id}'"))?;
            Ok((*first, 1))
        }
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
pub fn measure(args: &Args) -> Result<RunReport> {
    let (workload, variant, backend, threads) = match &args.key {
        Some(key) => (
            key.workload.clone(),
            key.variant.clone(),
            Some(key.backend.clone()),
            Some(key.threads as usize),
        ),
        None => (
            args.workload.clone().unwrap_or_default(),
            args.variant.clone().unwrap_or_default(),
            args.backend.clone(),
            args.threads,
        ),
    };
    crate::workload::workload(&workload)?;
    let (backend, threads) = choose(&variant, backend.as_deref(), threads)?;
    let combo: Combo = matrix::find(&workload, &variant, backend.id())?;
    let mut spec = if args.quick {
        combo.workload.quick
    } else {
        combo.workload.full
    };
    spec.items = args.items.unwrap_or(spec.items);
    spec.rounds = args.rounds.unwrap_or(spec.rounds);
    spec.state_bytes = args.state_bytes.unwrap_or(spec.state_bytes);
    let exec = matrix::executor(combo.backend, threads)?;
    check_fits(&spec, combo.variant.live_copies(threads))?;
    let problem = Prepared::of(combo.workload.problem(spec))?;
    let mut out = problem.output()?;
    let job = problem.job(combo.variant);
    let measured = matrix::measure_once(&problem, &job, &*exec, &mut out)
        .map_err(|e| anyhow!("{} on {} threads: {e:#}", combo.name(), threads))?;
    let checksum = matrix::checksum(&measured.outcome, &out);
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
