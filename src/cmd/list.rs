//! `parbench list`: the matrix, and the capability check's refusals.

use std::fmt::Write as _;
use std::process::ExitCode;

use anyhow::Result;
use clap::ValueEnum;

use crate::matrix::{self, ListEntry};

#[derive(clap::Args)]
pub struct Args {
    #[arg(long, value_enum, default_value_t = ListFormat::Text)]
    pub format: ListFormat,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Text,
    Json,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let mut entries = matrix::list();
    entries.extend(crate::python_pool::list_entries());
    match args.format {
        ListFormat::Text => super::print(&text(&entries)),
        ListFormat::Json => super::println(&serde_json::to_string_pretty(&entries)?),
    }
    Ok(ExitCode::SUCCESS)
}

/// First each backend, the way it splits the work and what it measures
/// outside `full`; then one line per (workload, variant, backend) that
/// runs, then one line per (variant, backend) that does not, with the
/// variant's reason.
pub fn text(entries: &[ListEntry]) -> String {
    let mut text = String::from("BACKENDS (how each splits the work)\n");
    let id_width = (crate::backends::BACKENDS.iter())
        .map(|b| b.id().len())
        .chain(entries.iter().map(|e| e.backend.len()))
        .chain(["BACKEND".len()])
        .max()
        .unwrap_or(10);
    for backend in crate::backends::BACKENDS {
        let narrowed = match backend.narrowing() {
            Some(n) if n.most_threads_only => {
                " (outside full: the plain map alone, at the most threads within the cores)"
            }
            Some(_) => " (outside full: part of the matrix)",
            None => "",
        };
        let _ = writeln!(
            text,
            "{:<id_width$} {}{narrowed}",
            backend.id(),
            backend.about()
        );
    }
    let _ = writeln!(
        text,
        "\n{:<11} {:<18} {:<id_width$} PYTHON",
        "WORKLOAD", "VARIANT", "BACKEND"
    );
    for e in entries.iter().filter(|e| e.refused.is_none()) {
        let _ = writeln!(
            text,
            "{:<11} {:<18} {:<id_width$} {}",
            e.workload, e.variant, e.backend, e.python
        );
    }
    let mut refused: Vec<(&str, &str, &str)> = entries
        .iter()
        .filter_map(|e| Some((e.variant, e.backend, e.refused?)))
        .collect();
    refused.dedup();
    if !refused.is_empty() {
        text.push_str("\nNOT RUN (variant on backend: why, on every workload)\n");
        for (variant, backend, why) in refused {
            let _ = writeln!(text, "{variant} on {backend}: {why}");
        }
    }
    text
}
