//! `parbench compare`: exactly the results files given, from several
//! machines: the page (`--format html`, the default), or the verdict on
//! which findings hold on every machine as JSON (`--format json`).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};

use crate::report;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum CompareFormat {
    /// The comparison page: the verdict table, curves against each
    /// machine's ceiling, the efficiency heat table, and a page per machine.
    Html,
    /// The verdicts: `[{question, answers: {machine: answer}, agree, summary}]`.
    Json,
}

#[derive(clap::Args)]
pub struct Args {
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t = CompareFormat::Html)]
    pub format: CompareFormat,
    /// Where to write: the HTML page (default `compare.html`, each machine's
    /// page beside it); for JSON, a file instead of stdout.
    #[arg(short, long)]
    pub out: Option<PathBuf>,
}

pub fn run(args: Args) -> Result<ExitCode> {
    match args.format {
        CompareFormat::Html => {
            let out = args.out.unwrap_or_else(|| PathBuf::from("compare.html"));
            let outcome = report::compare(&args.files, &out)?;
            super::print_warnings(&outcome.warnings);
            super::println(&format!(
                "wrote {} ({} results files)",
                outcome.index.display(),
                outcome.runs
            ));
        }
        CompareFormat::Json => {
            let (verdicts, warnings) = report::verdicts(&args.files)?;
            super::print_warnings(&warnings);
            let json =
                serde_json::to_string_pretty(&verdicts).context("cannot serialise the verdicts")?;
            match args.out {
                Some(out) => {
                    crate::results::write_atomically(&out, format!("{json}\n").as_bytes())?;
                    super::println(&format!("wrote {}", out.display()));
                }
                None => super::println(&json),
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
