//! The subcommands of `parbench`, one file each (rebar's `cmd/`): each has
//! its clap `Args` and a `run(args)` that a test can call. `main` only
//! parses and dispatches.

pub mod bench;
pub mod compare;
pub mod export;
pub mod list;
pub mod model;
pub mod report;
pub mod run;
pub mod verify;
pub mod worker;

use std::io::Write;
use std::process::ExitCode;

use anyhow::Result;
use clap::{Parser, Subcommand};

/// Measures what each way of parallelising one problem really costs.
#[derive(Parser)]
#[command(name = "parbench", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Lists the matrix: one entry per (workload, variant, backend), and why
    /// a variant does not run on a backend where it does not.
    List(list::Args),
    /// Runs every variant on every backend and workload against the oracle.
    Verify(verify::Args),
    /// Runs one combination once: wall time, checksum, copies and memory.
    Run(run::Args),
    /// Writes the HTML report (and summary.md) from a folder of results files.
    Report(report::Args),
    /// Compares the given results files (from several machines) in one page.
    Compare(compare::Args),
    /// Prints the results as a table for a pull request or a spreadsheet.
    Export(export::Args),
    /// Fits scaling models (Karp-Flatt, Amdahl, USL) to each series' speedups.
    Model(model::Args),
    /// A worker process of the `process` backend (started by parbench itself).
    #[command(hide = true)]
    Worker(worker::Args),
}

impl Command {
    pub fn run(self) -> Result<ExitCode> {
        match self {
            Command::List(args) => list::run(args),
            Command::Verify(args) => verify::run(args),
            Command::Run(args) => run::run(args),
            Command::Report(args) => report::run(args),
            Command::Compare(args) => compare::run(args),
            Command::Export(args) => export::run(args),
            Command::Model(args) => model::run(args),
            Command::Worker(args) => worker::run(args),
        }
    }
}

/// Writes to stdout, treating a closed pipe (`parbench list | head`) as
/// done, not as a panic.
pub fn print(text: &str) {
    let mut stdout = std::io::stdout().lock();
    if let Err(err) = stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        if err.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("error: cannot write to stdout: {err}");
        std::process::exit(2);
    }
}

/// [`print()`] with a newline.
pub fn println(text: &str) {
    print(&format!("{text}\n"));
}

/// One `warning:` line per warning, on stderr.
pub fn print_warnings(warnings: &[String]) {
    for warning in warnings {
        eprintln!("warning: {warning}");
    }
}
