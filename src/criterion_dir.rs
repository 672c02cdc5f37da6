//! The only reader of criterion's on-disk JSON.
//!
//! Criterion writes, for each benchmark, `<criterion home>/<dirs>/new/`
//! `benchmark.json` (its identity) and `estimates.json` (its statistics).
//! Directory names are sanitised and cut to 64 bytes by criterion, so the
//! identity is always taken from `benchmark.json`, never from the path.
//! Baseline folders (anything but `new/`) are ignored.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use anyhow::{Context, Result};
use serde::Deserialize;

/// Where criterion writes, in criterion's own order of preference:
/// `CRITERION_HOME`, else `$CARGO_TARGET_DIR/criterion`, else
/// `target/criterion` in the package at `repo`.
pub fn home(repo: &Path) -> PathBuf {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return PathBuf::from(home);
    }
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(target) => repo.join(target).join("criterion"),
        None => repo.join("target").join("criterion"),
    }
}

/// Criterion's own HTML report under its home folder.
pub fn html_report(home: &Path) -> PathBuf {
    home.join("report").join("index.html")
}

/// `benchmark.json`: who the benchmark is (the fields parbench uses).
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct CriterionId {
    pub group_id: String,
    pub function_id: Option<String>,
    pub value_str: Option<String>,
    pub throughput: Option<serde_json::Value>,
}

impl CriterionId {
    /// `group/function/value`, as criterion prints and filters it.
    pub fn full_id(&self) -> String {
        [
            Some(self.group_id.as_str()),
            self.function_id.as_deref(),
            self.value_str.as_deref(),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join("/")
    }
}

#[derive(Clone, Copy, Debug, Deserialize)]
struct ConfidenceInterval {
    lower_bound: f64,
    upper_bound: f64,
}

#[derive(Clone, Copy, Debug, Deserialize)]
struct Estimate {
    confidence_interval: ConfidenceInterval,
    point_estimate: f64,
}

/// `estimates.json` (the fields parbench uses).
#[derive(Clone, Debug, Deserialize)]
struct Estimates {
    mean: Estimate,
    median: Estimate,
    slope: Option<Estimate>,
}

/// One benchmark's identity and time per iteration, in nanoseconds.
#[derive(Clone, Debug, PartialEq)]
pub struct Measurement {
    pub id: CriterionId,
    /// Criterion's typical estimate: the slope when present, else the mean.
    pub typical_ns: f64,
    /// Is `typical_ns` criterion's slope (else its mean)?
    pub typical_is_slope: bool,
    /// 95% confidence bounds of the typical estimate.
    pub lower_ns: f64,
    pub upper_ns: f64,
    pub median_ns: f64,
    /// The `new/` folder it was read from.
    pub dir: PathBuf,
    /// When criterion wrote `estimates.json`: a run keeps only what it wrote.
    pub written: Option<SystemTime>,
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T> {
    let text =
        fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("{} is not criterion JSON", path.display()))
}

/// Reads one `new/` folder.
pub fn read_measurement(new_dir: &Path) -> Result<Measurement> {
    let id: CriterionId = read_json(&new_dir.join("benchmark.json"))?;
    let estimates_path = new_dir.join("estimates.json");
    let estimates: Estimates = read_json(&estimates_path)?;
    let written = fs::metadata(&estimates_path)
        .and_then(|m| m.modified())
        .ok();
    let typical = estimates.slope.unwrap_or(estimates.mean);
    Ok(Measurement {
        id,
        typical_ns: typical.point_estimate,
        typical_is_slope: estimates.slope.is_some(),
        lower_ns: typical.confidence_interval.lower_bound,
        upper_ns: typical.confidence_interval.upper_bound,
        median_ns: estimates.median.point_estimate,
        dir: new_dir.to_path_buf(),
        written,
    })
}

/// Every benchmark under criterion's home folder. A folder criterion left
/// half-written is reported in the second list, not fatal.
pub fn read_all(home: &Path) -> (Vec<Measurement>, Vec<String>) {
    let mut found = Vec::new();
    let mut problems = Vec::new();
    for entry in walkdir::WalkDir::new(home).sort_by_file_name() {
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                problems.push(format!(
                    "cannot read {}: {e}",
                    e.path().unwrap_or(home).display()
                ));
                continue;
            }
        };
        let path = entry.path();
        let in_new = path
            .parent()
            .and_then(Path::file_name)
            .is_some_and(|n| n == "new");
        if entry.file_name() == "benchmark.json" && in_new {
            let dir = path.parent().expect("has a parent");
            match read_measurement(dir) {
                Ok(m) => found.push(m),
                Err(e) => problems.push(format!("{e:#}")),
            }
        }
    }
    (found, problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_id_joins_the_present_parts() {
        let id = CriterionId {
            group_id: "compute".into(),
            function_id: Some("closure/rayon".into()),
            value_str: Some("2".into()),
            throughput: None,
        };
        assert_eq!(id.full_id(), "compute/closure/rayon/2");
        let bare = CriterionId {
            group_id: "g".into(),
            function_id: None,
            value_str: None,
            throughput: None,
        };
        assert_eq!(bare.full_id(), "g");
    }
}
