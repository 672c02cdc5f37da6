//! `parbench export`: every entry of some results files as one flat table,
//! for a pull request (markdown), a spreadsheet (CSV) or a script (JSON).
//!
//! One row type, [`ExportRow`], serves all three formats: CSV and JSON take
//! its field names as headers and keys (units in the names), markdown writes
//! the same columns in the report's human units. The names are also listed
//! in `HEADERS` (for an empty CSV and the markdown header); a test holds the
//! list to the struct.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use anyhow::{Context, Result, bail};
use serde::Serialize;

use super::data::{Run, entry_order};
use super::format::{bytes, duration_ns, items_per_s, markdown_table, or_missing, percent, times};
use super::load_runs;

/// The formats of `parbench export --format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportFormat {
    Md,
    Csv,
    Json,
}

impl ExportFormat {
    pub const ALL: [ExportFormat; 3] = [ExportFormat::Md, ExportFormat::Csv, ExportFormat::Json];

    pub fn name(self) -> &'static str {
        match self {
            ExportFormat::Md => "md",
            ExportFormat::Csv => "csv",
            ExportFormat::Json => "json",
        }
    }
}

impl fmt::Display for ExportFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for ExportFormat {
    type Err = anyhow::Error;

    fn from_str(text: &str) -> Result<Self> {
        match Self::ALL
            .into_iter()
            .find(|f| f.name().eq_ignore_ascii_case(text.trim()))
        {
            Some(format) => Ok(format),
            None => bail!("unknown export format '{text}' (expected one of: md, csv, json)"),
        }
    }
}

/// One entry of one machine, flat.
#[derive(Debug, Serialize)]
pub struct ExportRow {
    pub machine: String,
    pub workload: String,
    pub variant: String,
    pub backend: String,
    pub threads: u64,
    pub time_ns_estimate: f64,
    pub time_ns_lower: f64,
    pub time_ns_upper: f64,
    pub items_per_s: f64,
    pub speedup: Option<f64>,
    pub efficiency: Option<f64>,
    pub state_copies: Option<u64>,
    pub bytes_allocated: Option<u64>,
    pub peak_live_bytes: Option<u64>,
}

/// Every entry of `runs`, machine by machine in report order.
pub fn rows(runs: &[Run]) -> Vec<ExportRow> {
    runs.iter()
        .flat_map(|run| {
            let mut entries: Vec<_> = run.file.benchmarks.iter().collect();
            entries.sort_by(|a, b| entry_order(a, b));
            entries.into_iter().map(|b| ExportRow {
                machine: run.label().to_string(),
                workload: b.workload.clone(),
                variant: b.variant.clone(),
                backend: b.backend.clone(),
                threads: b.threads,
                time_ns_estimate: b.time_ns.estimate,
                time_ns_lower: b.time_ns.lower,
                time_ns_upper: b.time_ns.upper,
                items_per_s: b.items_per_s,
                speedup: b.speedup,
                efficiency: b.efficiency,
                state_copies: b.state_copies,
                bytes_allocated: b.bytes_allocated,
                peak_live_bytes: b.peak_live_bytes,
            })
        })
        .collect()
}

/// The entries of `files` as text in `format`, and a warning per file or
/// entry that could not be used. An error when no file could be read.
pub fn export(files: &[PathBuf], format: ExportFormat) -> Result<(String, Vec<String>)> {
    let (runs, warnings) = load_runs(files)?;
    let rows = rows(&runs);
    let text = match format {
        ExportFormat::Md => markdown(&rows),
        ExportFormat::Csv => csv(&rows)?,
        ExportFormat::Json => {
            let mut json =
                serde_json::to_string_pretty(&rows).context("cannot serialise the export")?;
            json.push('\n');
            json
        }
    };
    Ok((text, warnings))
}

fn csv(rows: &[ExportRow]) -> Result<String> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    for row in rows {
        writer.serialize(row).context("cannot write a CSV row")?;
    }
    if rows.is_empty() {
        // Without a row serde never sees the field names: still write the header.
        writer
            .write_record(HEADERS)
            .context("cannot write the CSV header")?;
    }
    let bytes = writer.into_inner().context("cannot finish the CSV")?;
    String::from_utf8(bytes).context("the CSV is not UTF-8")
}

/// The field names of [`ExportRow`], in order.
const HEADERS: [&str; 14] = [
    "machine",
    "workload",
    "variant",
    "backend",
    "threads",
    "time_ns_estimate",
    "time_ns_lower",
    "time_ns_upper",
    "items_per_s",
    "speedup",
    "efficiency",
    "state_copies",
    "bytes_allocated",
    "peak_live_bytes",
];

fn markdown(rows: &[ExportRow]) -> String {
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.machine.clone(),
                r.workload.clone(),
                r.variant.clone(),
                r.backend.clone(),
                r.threads.to_string(),
                duration_ns(r.time_ns_estimate),
                duration_ns(r.time_ns_lower),
                duration_ns(r.time_ns_upper),
                items_per_s(r.items_per_s),
                or_missing(r.speedup, times),
                or_missing(r.efficiency, percent),
                or_missing(r.state_copies, |n| n.to_string()),
                or_missing(r.bytes_allocated, bytes),
                or_missing(r.peak_live_bytes, bytes),
            ]
        })
        .collect();
    markdown_table(&HEADERS, &cells)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::data::tests::entry;
    use crate::results::{CriterionSettings, Machine, ResultsFile, RunInfo};

    fn run(label: &str) -> Run {
        let mut hostile = entry("seed", "a,\"quoted\"\nvariant", "rayon", 2, 1500.0);
        hostile.speedup = Some(0.5);
        Run {
            path: PathBuf::from(format!("{label}.json")),
            file: ResultsFile {
                schema_version: 2,
                machine: Machine {
                    label: label.to_string(),
                    hostname: "h".to_string(),
                    os: "linux".to_string(),
                    arch: "x86_64".to_string(),
                    cpu_model: "cpu".to_string(),
                    logical_cores: 4,
                    physical_cores: None,
                    memory_bytes: 1 << 30,
                    rustc: "rustc".to_string(),
                    parbench_version: "0.1.0".to_string(),
                    git_commit: None,
                },
                run: RunInfo {
                    started_at: "2025-01-01T00:00:00Z".to_string(),
                    profile: "quick".to_string(),
                    threads: vec![1, 2],
                    criterion: CriterionSettings {
                        warm_up_ms: 1,
                        measurement_ms: 1,
                        sample_size: 10,
                        nresamples: 10,
                    },
                    ceiling: Vec::new(),
                },
                benchmarks: vec![hostile, entry("seed", "sequential", "none", 1, 40.0)],
            },
        }
    }

    #[test]
    fn formats_parse_by_name_and_name_a_bad_one() {
        assert_eq!("CSV".parse::<ExportFormat>().unwrap(), ExportFormat::Csv);
        assert_eq!("md".parse::<ExportFormat>().unwrap(), ExportFormat::Md);
        let err = "xml".parse::<ExportFormat>().unwrap_err().to_string();
        assert_eq!(
            err,
            "unknown export format 'xml' (expected one of: md, csv, json)"
        );
    }

    #[test]
    fn csv_quotes_and_keeps_the_columns() {
        let text = csv(&rows(&[run("box")])).unwrap();
        let mut lines = text.lines();
        assert_eq!(lines.next().unwrap(), HEADERS.join(","));
        assert!(
            lines
                .next()
                .unwrap()
                .starts_with("box,seed,sequential,none,1,40.0,")
        );
        assert!(text.contains("box,seed,\"a,\"\"quoted\"\"\nvariant\",rayon,2,1500.0,"));
        assert!(
            text.contains(",0.5,,,,\n"),
            "missing values are empty fields: {text}"
        );
        assert_eq!(csv(&[]).unwrap().trim_end(), HEADERS.join(","));
    }

    #[test]
    fn json_rows_are_flat_objects_with_nulls_for_missing_values() {
        let json = serde_json::to_value(rows(&[run("box")])).unwrap();
        let first = &json[0];
        assert_eq!(first["machine"], "box");
        assert_eq!(first["variant"], "sequential");
        assert_eq!(first["time_ns_estimate"], 40.0);
        assert!(first["speedup"].is_null());
        let keys: Vec<&str> = first
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys.len(), HEADERS.len());
    }

    #[test]
    fn markdown_has_one_line_per_entry() {
        let text = markdown(&rows(&[run("box")]));
        assert_eq!(text.lines().count(), 4);
        assert!(text.contains("| box | seed | sequential | none | 1 | 40.0 ns |"));
    }
}
