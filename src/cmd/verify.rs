//! `parbench verify`: every combination against the oracle.

use std::fmt::Write as _;
use std::process::ExitCode;

use anyhow::Result;

use crate::backends::BACKENDS;
use crate::key::Regime;
use crate::matrix::{self, Verdict};
use crate::python_pool;

#[derive(clap::Args)]
pub struct Args {
    /// Thread counts, comma-separated (each backend runs those it supports).
    #[arg(long, value_delimiter = ',', default_value = "1,2,3,8", value_parser = crate::profile::thread_count)]
    pub threads: Vec<usize>,
    /// Smaller sizes of every workload.
    #[arg(long)]
    pub quick: bool,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let mut threads = args.threads;
    threads.sort_unstable();
    threads.dedup();
    let mut verdicts = matrix::verify(BACKENDS, &threads, args.quick)?;
    verdicts.extend(python_verdicts(&threads, args.quick)?);
    super::print(&table(&verdicts));
    let failed: Vec<&Verdict> = verdicts.iter().filter(|v| v.mismatch.is_some()).collect();
    for v in &failed {
        eprintln!(
            "MISMATCH {}: {}",
            v.key,
            v.mismatch.as_deref().unwrap_or_default()
        );
    }
    super::println(&format!(
        "{} passed, {} failed",
        verdicts.len() - failed.len(),
        failed.len()
    ));
    Ok(if failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// The seed's own Python idioms against the oracle, when python3 exists
/// (else one line saying it is skipped).
fn python_verdicts(threads: &[usize], quick: bool) -> Result<Vec<Verdict>> {
    if python_pool::python3().is_none() {
        eprintln!("{}", python_pool::NO_PYTHON);
        return Ok(Vec::new());
    }
    let mut measured = python_pool::measure(&python_pool::verify_plan(threads, quick), "")?;
    // One table row per workload and idiom, like the Rust rows.
    let idiom = |role: crate::roles::Role| python_pool::ROLES.iter().position(|r| *r == role);
    let at = |w: &str| python_pool::workloads().position(|x| x.id == w);
    measured
        .benchmarks
        .sort_by_key(|b| (at(&b.key.workload), idiom(b.role), b.key.threads));
    let mut verdicts: Vec<Verdict> = measured
        .benchmarks
        .into_iter()
        .map(|b| Verdict {
            key: b.key,
            mismatch: None,
        })
        .collect();
    verdicts.extend(measured.mismatches.into_iter().map(|line| {
        Verdict {
            key: line
                .split(':')
                .next()
                .and_then(|key| key.parse().ok())
                .unwrap_or_else(|| crate::key::Key::new("?", "?", python_pool::BACKEND, 1)),
            mismatch: Some(line),
        }
    }));
    Ok(verdicts)
}

/// One row per combination, one column per thread count that ran (`-`
/// where the backend does not run at that count).
pub fn table(verdicts: &[Verdict]) -> String {
    let mut threads: Vec<u64> = verdicts.iter().map(|v| v.key.threads).collect();
    threads.sort_unstable();
    threads.dedup();
    let mut text = format!("{:<11} {:<18} {:<10}", "WORKLOAD", "VARIANT", "BACKEND");
    for t in &threads {
        let _ = write!(text, " {:>5}", format!("t={t}"));
    }
    text.push('\n');
    let mut rows: Vec<(&str, &str, &str)> = verdicts
        .iter()
        .map(|v| (&*v.key.workload, &*v.key.variant, &*v.key.backend))
        .collect();
    rows.dedup();
    for (workload, variant, backend) in rows {
        let _ = write!(text, "{workload:<11} {variant:<18} {backend:<10}");
        for &t in &threads {
            let cell = verdicts
                .iter()
                .find(|v| v.key.parts() == (workload, variant, backend, t, Regime::Steady))
                .map_or("-", |v| if v.mismatch.is_none() { "ok" } else { "FAIL" });
            let _ = write!(text, " {cell:>5}");
        }
        text.push('\n');
    }
    text
}
