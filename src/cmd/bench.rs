//! The `main` of a bench binary: the user's own ([`crate::bench_main!`],
//! [`main`]) and, for writing the report, the built-in sweep's
//! (`benches/sweep.rs`). Not a subcommand of `parbench`: cargo runs these
//! binaries, and they end where the subcommands do, in a report.

use std::path::Path;

use anyhow::{Context, Result};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::backends::process::{self, worker};
use crate::criterion_dir;
use crate::matrix::Prepared;
use crate::own::{self, Settings};
use crate::problem::Problem;
use crate::report;

/// Runs [`own::run`] over `problem` (the user's `package`: the bench's
/// `CARGO_MANIFEST_DIR`), then writes the report when it measured; exits
/// with status 1 and the error's chain on failure.
pub fn main<P: Problem>(problem: P, package: &Path) {
    if let Err(err) = run(problem, package) {
        eprintln!("parbench: {err:#}");
        std::process::exit(1);
    }
}

/// [`main`], returning the error.
pub fn run<P: Problem>(problem: P, package: &Path) -> Result<own::Outcome> {
    run_prepared(Prepared::of(problem)?, package)
}

/// [`main`] of a problem whose state serde can serialise: the `process`
/// backend runs it too, its workers this same program. Started as a worker
/// (by the pool, [`worker::started_as_worker`]), it serves chunks of
/// `problem` until its parent closes the pipe, and exits; so call it first
/// thing in `main` (`bench_main!(problem, serde)` does).
pub fn main_with_workers<P: Problem>(problem: P, package: &Path)
where
    P::State: Serialize + DeserializeOwned,
{
    if worker::started_as_worker() {
        if let Err(err) = worker::serve_problem(&problem) {
            eprintln!("parbench worker of problem {}: {err:#}", problem.name());
            std::process::exit(1);
        }
        std::process::exit(0);
    }
    let prepared = std::env::current_exe()
        .context("finding this program, the process backend's worker")
        .map(process::set_worker_program)
        .and_then(|()| Prepared::portable(problem));
    if let Err(err) = prepared.and_then(|prepared| run_prepared(prepared, package)) {
        eprintln!("parbench: {err:#}");
        std::process::exit(1);
    }
}

/// [`run`] of a problem made ready.
fn run_prepared<P: Problem>(prepared: Prepared<P>, package: &Path) -> Result<own::Outcome> {
    let settings = Settings::from_env(package)?;
    let outcome = own::run_prepared(prepared, package, &settings)?;
    if outcome.results.is_some() {
        write_report(package, &settings.reports)?;
    }
    Ok(outcome)
}

/// The report over every results file in `reports/runs`, written into
/// `reports`, with a link to criterion's own report of `package`.
pub fn write_report(package: &Path, reports: &Path) -> Result<()> {
    let criterion_report = criterion_dir::html_report(&criterion_dir::home(package));
    let outcome =
        report::write_report_with(&reports.join("runs"), reports, Some(&criterion_report))?;
    for warning in &outcome.warnings {
        eprintln!("parbench: warning: {warning}");
    }
    println!(
        "parbench: report of {} machine(s) written to {}",
        outcome.runs,
        outcome.index.display()
    );
    Ok(())
}
