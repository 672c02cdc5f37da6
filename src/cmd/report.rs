//! `parbench report`: the HTML report and summary.md from a runs folder.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Result;

use crate::{criterion_dir, report};

#[derive(clap::Args)]
pub struct Args {
    /// Folder of results files (`<machine>.json`).
    #[arg(long, default_value = "reports/runs")]
    pub runs: PathBuf,
    /// Folder to write index.html and summary.md into.
    #[arg(long, default_value = "reports")]
    pub out: PathBuf,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let home = criterion_dir::home(Path::new("."));
    let outcome = report::write_report_with(
        &args.runs,
        &args.out,
        Some(&criterion_dir::html_report(&home)),
    )?;
    super::print_warnings(&outcome.warnings);
    super::println(&format!(
        "wrote {} ({} results files)",
        outcome.index.display(),
        outcome.runs
    ));
    if let Some(summary) = outcome.summary {
        super::println(&format!("wrote {}", summary.display()));
    }
    Ok(ExitCode::SUCCESS)
}
