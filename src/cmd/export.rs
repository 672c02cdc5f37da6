//! `parbench export`: every entry as markdown, CSV or JSON.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};

use crate::report::{self, ExportFormat};
use crate::results;

#[derive(clap::Args)]
pub struct Args {
    #[arg(long, value_enum, default_value_t = ExportFormat::Md)]
    pub format: ExportFormat,
    /// Results files (default: every file in reports/runs).
    pub files: Vec<PathBuf>,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let files = match args.files.is_empty() {
        true => results::files_in(Path::new("reports/runs"))
            .context("no results files given, and reports/runs cannot be listed")?,
        false => args.files,
    };
    let (text, warnings) = report::export(&files, args.format)?;
    super::print_warnings(&warnings);
    super::print(&text);
    Ok(ExitCode::SUCCESS)
}
