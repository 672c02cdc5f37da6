//! `parbench model`: the scaling models of every series in results files
//! (Karp-Flatt, Amdahl, USL and the USL's predictions; see [`crate::model`]).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::ValueEnum;

use crate::model::{self, SeriesModel};
use crate::results::{self, ResultsFile};

#[derive(clap::Args)]
pub struct Args {
    #[arg(long, value_enum, default_value_t = ModelFormat::Text)]
    pub format: ModelFormat,
    /// Results files (default: every file in reports/runs).
    pub files: Vec<PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ModelFormat {
    Text,
    Json,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let files = match args.files.is_empty() {
        true => results::files_in(Path::new("reports/runs"))
            .context("no results files given, and reports/runs cannot be listed")?,
        false => args.files,
    };
    let mut models = Vec::new();
    for path in &files {
        // A file that cannot be read is an error naming it (load says which).
        let loaded = ResultsFile::load(path)?;
        super::print_warnings(&loaded.warnings);
        models.extend(model::models_of(&loaded.results));
    }
    match args.format {
        ModelFormat::Json => super::println(&serde_json::to_string_pretty(&models)?),
        ModelFormat::Text => super::print(&text(&models)),
    }
    Ok(ExitCode::SUCCESS)
}

/// One block per series: Karp-Flatt at each thread count, the Amdahl and
/// USL fits or why there is none, and the predictions, so labelled.
pub fn text(models: &[SeriesModel]) -> String {
    let mut text = String::new();
    if models.is_empty() {
        text.push_str("no series measured at more than one thread count\n");
    }
    let mut machine = None;
    for s in models {
        let m = &s.model;
        if machine != Some(&s.machine) {
            machine = Some(&s.machine);
            let _ = writeln!(
                text,
                "machine {} ({} logical cores)",
                s.machine, m.logical_cores
            );
        }
        let _ = writeln!(text, "  {}/{}/{}", s.workload, s.variant, s.backend);
        let karp: Vec<String> = m
            .karp_flatt
            .iter()
            .map(|k| format!("e({}) = {:.4}", k.threads, k.serial_fraction))
            .collect();
        let _ = writeln!(
            text,
            "    karp_flatt: {}",
            match karp.is_empty() {
                true => "none (no thread count from 2 to the logical cores)".to_string(),
                false => karp.join(", "),
            }
        );
        let amdahl = match (&m.amdahl, &m.amdahl_reason) {
            (Some(a), _) => format!(
                "serial fraction {:.4} [{:.4}, {:.4}]",
                a.serial_fraction, a.lower, a.upper
            ),
            (None, why) => format!("null: {}", why.as_deref().unwrap_or("not fitted")),
        };
        let _ = writeln!(text, "    amdahl: {amdahl}");
        let usl = match (&m.usl, &m.usl_reason) {
            (Some(u), _) => format!(
                "sigma {:.4} ± {:.4}, kappa {:.3e} ± {:.1e}, peak {}",
                u.sigma,
                u.sigma_se,
                u.kappa,
                u.kappa_se,
                u.peak_threads
                    .map_or("none (kappa <= 0)".to_string(), |n| format!(
                        "{n:.1} threads"
                    ))
            ),
            (None, why) => format!("null: {}", why.as_deref().unwrap_or("not fitted")),
        };
        let _ = writeln!(text, "    usl: {usl}");
        for p in &m.prediction {
            let _ = writeln!(
                text,
                "    prediction at {} threads: {:.2}x [{:.2}, {:.2}] (extrapolated from the USL fit)",
                p.threads, p.speedup, p.lower, p.upper
            );
        }
        if !m.oversubscribed_excluded.is_empty() {
            let threads: Vec<String> = m
                .oversubscribed_excluded
                .iter()
                .map(u64::to_string)
                .collect();
            let _ = writeln!(
                text,
                "    excluded from every fit (more threads than logical cores): {}",
                threads.join(", ")
            );
        }
        for dropped in &m.dropped {
            let _ = writeln!(text, "    dropped: {dropped}");
        }
    }
    text
}
