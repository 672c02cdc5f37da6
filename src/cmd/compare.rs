//! `parbench compare`: one page over exactly the results files given.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;

use crate::report;

#[derive(clap::Args)]
pub struct Args {
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// The HTML file to write.
    #[arg(short, long, default_value = "compare.html")]
    pub out: PathBuf,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let outcome = report::compare(&args.files, &args.out)?;
    super::print_warnings(&outcome.warnings);
    super::println(&format!(
        "wrote {} ({} results files)",
        outcome.index.display(),
        outcome.runs
    ));
    Ok(ExitCode::SUCCESS)
}
