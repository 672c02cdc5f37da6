//! The `main` of a bench binary: the user's own ([`crate::bench_main!`],
//! [`main`]) and, for writing the report, the built-in sweep's
//! (`benches/sweep.rs`). Not a subcommand of `parbench`: cargo runs these
//! binaries, and they end where the subcommands do, in a report.

use std::path::Path;

use anyhow::Result;

use crate::criterion_dir;
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
    let settings = Settings::from_env(package)?;
    let outcome = own::run(problem, package, &settings)?;
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
