//! `parbench export`: every entry of some results files as one flat table,
//! for a pull request (markdown), a spreadsheet (CSV) or a script (JSON).
//!
//! The columns are the export view of the one column table
//! ([`super::columns`]): CSV and JSON take their names as headers and keys
//! (units in the names) and their values as data; markdown writes the same
//! columns in the report's human units.

use std::fmt;
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::ValueEnum;

use super::columns::{Cells, Column, RawRow, View, With, columns};
use super::data::{Run, entry_order, load_runs};
use super::format::markdown_table;
use crate::results::Benchmark;

/// The formats of `parbench export --format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    Md,
    Csv,
    Json,
}

impl fmt::Display for ExportFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = self
            .to_possible_value()
            .map(|v| v.get_name().to_string())
            .unwrap_or_default();
        f.write_str(&name)
    }
}

/// Every entry of `runs` with its machine, machine by machine in report order.
fn entries(runs: &[Run]) -> Vec<(&str, &Benchmark)> {
    runs.iter()
        .flat_map(|run| {
            let mut entries: Vec<&Benchmark> = run.file.benchmarks.iter().collect();
            entries.sort_by(|a, b| entry_order(a, b));
            entries.into_iter().map(move |b| (run.label(), b))
        })
        .collect()
}

/// The entries of `files` as text in `format`, and a warning per file or
/// entry that could not be used. An error when no file could be read.
pub fn export(files: &[PathBuf], format: ExportFormat) -> Result<(String, Vec<String>)> {
    let (runs, warnings) = load_runs(files)?;
    Ok((render(&runs, format)?, warnings))
}

/// The entries of `runs` as text in `format`.
pub fn render(runs: &[Run], format: ExportFormat) -> Result<String> {
    let columns = columns(View::Export, With::ALL);
    let rows: Vec<Cells> = entries(runs)
        .into_iter()
        .map(|(machine, entry)| Cells { machine, entry })
        .collect();
    Ok(match format {
        ExportFormat::Md => markdown(&columns, &rows),
        ExportFormat::Csv => csv(&columns, &rows)?,
        ExportFormat::Json => {
            let objects: Vec<RawRow> = rows
                .iter()
                .map(|c| RawRow(columns.iter().map(|col| (col.name, (col.raw)(c))).collect()))
                .collect();
            let mut json =
                serde_json::to_string_pretty(&objects).context("cannot serialise the export")?;
            json.push('\n');
            json
        }
    })
}

fn csv(columns: &[&Column], rows: &[Cells]) -> Result<String> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer
        .write_record(columns.iter().map(|c| c.name))
        .context("cannot write the CSV header")?;
    for row in rows {
        writer
            .write_record(columns.iter().map(|c| (c.raw)(row).field()))
            .context("cannot write a CSV row")?;
    }
    let bytes = writer.into_inner().context("cannot finish the CSV")?;
    String::from_utf8(bytes).context("the CSV is not UTF-8")
}

fn markdown(columns: &[&Column], rows: &[Cells]) -> String {
    let headers: Vec<&str> = columns.iter().map(|c| c.name).collect();
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|row| columns.iter().map(|c| (c.human)(row)).collect())
        .collect();
    markdown_table(&headers, &cells)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::data::tests::{entry, run_of};

    fn run(label: &str) -> Run {
        let hostile = entry("seed", "a,\"quoted\"\nvariant", "rayon", 2, 1500.0);
        run_of(
            label,
            vec![hostile, entry("seed", "sequential", "sequential", 1, 40.0)],
        )
    }

    fn headers() -> String {
        columns(View::Export, With::ALL)
            .iter()
            .map(|c| c.name)
            .collect::<Vec<_>>()
            .join(",")
    }

    #[test]
    fn formats_are_named_by_clap() {
        assert_eq!(
            ExportFormat::from_str("CSV", true).unwrap(),
            ExportFormat::Csv
        );
        assert_eq!(ExportFormat::Md.to_string(), "md");
        assert!(ExportFormat::from_str("xml", true).is_err());
    }

    #[test]
    fn csv_quotes_and_keeps_the_columns() {
        let text = render(&[run("box")], ExportFormat::Csv).unwrap();
        let mut lines = text.lines();
        assert_eq!(lines.next().unwrap(), headers());
        assert!(
            lines
                .next()
                .unwrap()
                .starts_with("box,seed,sequential,sequential,1,steady,40.0,"),
            "{text}"
        );
        assert!(text.contains("box,seed,\"a,\"\"quoted\"\"\nvariant\",rayon,2,steady,1500.0,"));
        // Not paired: the speedup is criterion's ratio to the baseline,
        // 40 / 1500, without bounds; missing values are empty fields.
        assert!(
            text.contains(",,,,,,0.02666666666666667,false,,0.013333333333333334,,,,,,,,,,,,,,,\n"),
            "missing values are empty fields: {text}"
        );
        assert_eq!(
            render(&[run_of("empty", Vec::new())], ExportFormat::Csv)
                .unwrap()
                .trim_end(),
            headers()
        );
    }

    #[test]
    fn json_rows_are_flat_objects_with_nulls_for_missing_values() {
        let text = render(&[run("box")], ExportFormat::Json).unwrap();
        let json: serde_json::Value = serde_json::from_str(&text).unwrap();
        let first = &json[0];
        assert_eq!(first["machine"], "box");
        assert_eq!(first["variant"], "sequential");
        assert_eq!(first["time_ns_estimate"], 40.0);
        // Not paired: no paired speedup, criterion's ratio in its own column.
        assert!(first["speedup"].is_null());
        assert_eq!(first["criterion_speedup"], 1.0);
        assert!(first["state_copies"].is_null());
        let keys: Vec<&str> = first
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys.len(), columns(View::Export, With::ALL).len());
        // Keys keep the column order.
        assert!(text.find("\"machine\"").unwrap() < text.find("\"peak_live_bytes\"").unwrap());
    }

    #[test]
    fn markdown_has_one_line_per_entry() {
        let text = render(&[run("box")], ExportFormat::Md).unwrap();
        assert_eq!(text.lines().count(), 4);
        assert!(
            text.contains("| box | seed | sequential | sequential | 1 | steady | 40.0 ns |"),
            "{text}"
        );
    }
}
