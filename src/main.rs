//! The `parbench` command line: a table of subcommands, each one library call.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand, ValueEnum};
use parbench::commands::{self, RunOptions};
use parbench::{criterion_dir, matrix, report, results};

/// `print!` that treats a closed stdout (`parbench list | head`) as done,
/// not as a panic.
macro_rules! out {
    ($($arg:tt)*) => {
        write_stdout(&format!($($arg)*))
    };
}

/// `println!`, likewise.
macro_rules! outln {
    ($($arg:tt)*) => {
        write_stdout(&format!("{}\n", format!($($arg)*)))
    };
}

fn write_stdout(text: &str) {
    use std::io::Write;
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

/// Measures what each way of parallelising one problem really costs.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum ListFormat {
    Text,
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Lists the matrix: one entry per (workload, variant, backend).
    List {
        #[arg(long, value_enum, default_value = "text")]
        format: ListFormat,
    },
    /// Runs every variant on every backend and workload against the oracle.
    Verify {
        /// Thread counts, comma-separated.
        #[arg(long, default_value = "1,2,3,8")]
        threads: String,
        /// Smaller sizes of every workload.
        #[arg(long)]
        quick: bool,
    },
    /// Writes the HTML report (and summary.md) from a folder of results files.
    Report {
        /// Folder of results files (`<machine>.json`).
        #[arg(long, default_value = "reports/runs")]
        runs: PathBuf,
        /// Folder to write index.html and summary.md into.
        #[arg(long, default_value = "reports")]
        out: PathBuf,
    },
    /// Compares the given results files (from several machines) in one page.
    Compare {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// The HTML file to write.
        #[arg(short, long, default_value = "compare.html")]
        out: PathBuf,
    },
    /// Prints the results as a table for a pull request or a spreadsheet.
    Export {
        /// md, csv or json.
        #[arg(long, default_value = "md")]
        format: String,
        /// Results files (default: every file in reports/runs).
        files: Vec<PathBuf>,
    },
    /// Runs one combination once: wall time, checksum, copies and memory.
    Run {
        #[arg(long)]
        workload: String,
        #[arg(long)]
        variant: String,
        /// rayon, crossbeam, std_scope, or none for sequential [default: rayon, or none].
        #[arg(long)]
        backend: Option<String>,
        /// Thread count [default: 2, or 1 for sequential].
        #[arg(long)]
        threads: Option<usize>,
        /// Print the per-item results as a JSON array (or the sum) on stdout.
        #[arg(long)]
        print: bool,
        /// The workload's smaller size.
        #[arg(long)]
        quick: bool,
        /// Override the number of items.
        #[arg(long)]
        items: Option<usize>,
        /// Override the mixing rounds per item.
        #[arg(long)]
        rounds: Option<u32>,
        /// Override the size of the constant-state table, in bytes.
        #[arg(long)]
        state_bytes: Option<usize>,
    },
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) if !err.use_stderr() => {
            let _ = err.print();
            return ExitCode::SUCCESS;
        }
        Err(err) => {
            // One line naming the value at fault, not clap's usage screen.
            let rendered = err.to_string();
            let message: Vec<&str> = rendered
                .lines()
                .take_while(|line| {
                    !line.starts_with("Usage:") && !line.starts_with("For more information")
                })
                .map(str::trim)
                .filter(|line| !line.is_empty())
                .collect();
            eprintln!("{}", message.join(" "));
            return ExitCode::from(2);
        }
    };
    match dispatch(cli.command) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
    }
}

fn dispatch(command: Command) -> Result<ExitCode> {
    match command {
        Command::List { format } => {
            let entries = matrix::list();
            match format {
                ListFormat::Text => out!("{}", commands::list_text(&entries)),
                ListFormat::Json => outln!("{}", serde_json::to_string_pretty(&entries)?),
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Verify { threads, quick } => {
            let threads = commands::parse_threads(&threads)?;
            let verdicts = commands::verify(&threads, quick)?;
            out!("{}", commands::verify_table(&verdicts, &threads));
            let failed: Vec<_> = verdicts.iter().filter(|v| v.mismatch.is_some()).collect();
            for v in &failed {
                eprintln!(
                    "MISMATCH {}/{}/{} threads={}: {}",
                    v.workload,
                    v.variant,
                    v.backend,
                    v.threads,
                    v.mismatch.as_deref().unwrap_or_default()
                );
            }
            outln!(
                "{} passed, {} failed",
                verdicts.len() - failed.len(),
                failed.len()
            );
            Ok(if failed.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Command::Report { runs, out } => {
            let home = criterion_dir::home(Path::new("."));
            let outcome =
                report::write_report_with(&runs, &out, Some(&criterion_dir::html_report(&home)))?;
            print_warnings(&outcome.warnings);
            outln!(
                "wrote {} ({} results files)",
                outcome.index.display(),
                outcome.runs
            );
            if let Some(summary) = outcome.summary {
                outln!("wrote {}", summary.display());
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Compare { files, out } => {
            let outcome = report::compare(&files, &out)?;
            print_warnings(&outcome.warnings);
            outln!(
                "wrote {} ({} results files)",
                outcome.index.display(),
                outcome.runs
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Export { format, files } => {
            let format: report::ExportFormat = format.parse()?;
            let files = match files.is_empty() {
                true => results::files_in(Path::new("reports/runs"))
                    .context("no results files given, and reports/runs cannot be listed")?,
                false => files,
            };
            let (text, warnings) = report::export(&files, format)?;
            print_warnings(&warnings);
            out!("{text}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Run {
            workload,
            variant,
            backend,
            threads,
            print,
            quick,
            items,
            rounds,
            state_bytes,
        } => {
            let opts = RunOptions {
                workload,
                variant,
                backend,
                threads,
                quick,
                items,
                rounds,
                state_bytes,
            };
            let report = commands::run(&opts)?;
            let m = &report.measured;
            let summary = [
                format!(
                    "{} threads={} items={}",
                    report.combo_name, report.threads, report.spec.items
                ),
                format!("wall_time: {:.3} ms", m.wall.as_secs_f64() * 1e3),
                format!("checksum: {}", report.checksum),
                format!("state_copies: {}", m.state_copies),
                format!(
                    "bytes_allocated: {} in {} allocations",
                    m.footprint.bytes_allocated, m.footprint.allocations
                ),
                format!("peak_live_bytes: {}", m.footprint.peak_live_bytes),
                format!(
                    "peak_rss_bytes: {}",
                    m.footprint
                        .peak_rss_bytes
                        .map_or("unknown".to_string(), |b| b.to_string())
                ),
                format!(
                    "chunks: {} workers_used: {}",
                    report.stats().chunks,
                    report.stats().workers_used
                ),
            ];
            for line in summary {
                // With --print, stdout carries only the results.
                if print {
                    eprintln!("{line}")
                } else {
                    outln!("{line}")
                }
            }
            if print {
                match &report.items {
                    Some(items) => outln!("{}", commands::json_array(items)),
                    None => outln!("{}", report.checksum),
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn print_warnings(warnings: &[String]) {
    for warning in warnings {
        eprintln!("warning: {warning}");
    }
}
