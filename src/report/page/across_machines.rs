//! Two or more runs side by side: the caveats on their absolute times, and
//! per workload an overlay of speedups and a table of every entry on each
//! machine (each machine's paired speedup beside its absolute time).

use super::*;

#[derive(Debug, Serialize)]
pub struct ComparedWorkload {
    pub anchor: String,
    pub id: String,
    pub chart: Chart,
    pub machines: Vec<String>,
    /// The heading of each machine's time column: criterion's, or the
    /// paired rounds' median (a problem of the user's own).
    pub time_heading: &'static str,
    pub rows: Vec<ComparedRow>,
}

#[derive(Debug, Serialize)]
pub struct ComparedRow {
    pub variant: String,
    pub backend: String,
    pub threads: u64,
    pub cells: Vec<ComparedCell>,
}

#[derive(Debug, Serialize)]
pub struct ComparedCell {
    pub time: String,
    pub speedup: String,
    /// Time over the first machine's.
    pub vs_first: String,
    pub fastest: bool,
}

/// Absolute times of different runs reflect each host's speed during its
/// run: the calibrations say how far apart the hosts were, and which runs
/// moved while they ran.
pub(super) fn across_caveats(runs: &[Run], names: &[String]) -> Vec<String> {
    let calibrated: Vec<(&String, &Calibration)> = runs
        .iter()
        .zip(names)
        .filter_map(|(run, name)| {
            let c = run.file.run.calibration.as_ref()?;
            Some((name, &c.start))
        })
        .collect();
    let mut lines = vec![
        "Speedups are paired within each machine, so they compare across machines directly; \
         absolute times reflect each host's speed during its own run."
            .to_string(),
    ];
    if let [(first_name, first), rest @ ..] = calibrated.as_slice() {
        for (name, c) in rest {
            lines.push(match first.drift_to(c) {
                Some(change) => format!(
                    "From {first_name} to {name} the host {}: compare their absolute times with that in mind.",
                    change.describe()
                ),
                None => format!(
                    "{name}'s host is within {} of {first_name}'s (spin rate, copy bandwidth, sequential times).",
                    percent(crate::calibration::DRIFT_THRESHOLD)
                ),
            });
        }
    }
    let uncalibrated: Vec<&str> = runs
        .iter()
        .zip(names)
        .filter(|(run, _)| run.file.run.calibration.is_none())
        .map(|(_, name)| name.as_str())
        .collect();
    if !uncalibrated.is_empty() {
        lines.push(format!(
            "Not calibrated (from before calibration): {}; their hosts' speed is unknown.",
            uncalibrated.join(", ")
        ));
    }
    lines
}

/// The cross-machine part: per workload an overlay of speedups and a
/// side-by-side table.
pub(super) fn compare_workloads(runs: &[Run], names: &[String]) -> Result<Vec<ComparedWorkload>> {
    let mut workloads: Vec<&str> = runs.iter().flat_map(|r| r.workloads()).collect();
    workloads.sort_by(|a, b| workload_order(a, b));
    workloads.dedup();
    workloads
        .into_iter()
        .enumerate()
        .map(|(j, workload)| {
            let anchor = format!("cmp-{}-{}", j + 1, slug(workload));
            let chart = overlay_chart(&anchor, workload, runs, names)?;
            let entries: Vec<&Benchmark> = runs.iter().flat_map(|r| r.rows(workload)).collect();
            Ok(ComparedWorkload {
                time_heading: match criterion_timed(&entries) {
                    true => "time (criterion, 95% CI)",
                    false => "time (median of paired rounds)",
                },
                rows: side_by_side(workload, runs),
                anchor,
                id: workload.to_string(),
                chart,
                machines: names.to_vec(),
            })
        })
        .collect()
}

pub(super) fn overlay_chart(
    anchor: &str,
    workload: &str,
    runs: &[Run],
    names: &[String],
) -> Result<Chart> {
    let all: Vec<&Benchmark> = runs.iter().flat_map(|r| r.rows(workload)).collect();
    // The plain parallel map where it was measured, else the first
    // variant that is not the baseline.
    let followed = all
        .iter()
        .find(|b| b.role == Role::PartialIdiom)
        .map(|b| b.key.variant.clone())
        .or_else(|| {
            let not_baseline: Vec<&Benchmark> = all
                .iter()
                .copied()
                .filter(|b| b.role != Role::Baseline)
                .collect();
            variants_of(&not_baseline).into_iter().next()
        })
        .unwrap_or_default();
    let (backends, threads) = backends_and_threads(&all);
    let panels = backends
        .iter()
        .map(|backend| {
            let mut series = Vec::new();
            for (i, (run, name)) in runs.iter().zip(names).enumerate() {
                let points: Vec<Point> = run
                    .rows(workload)
                    .into_iter()
                    .filter(|b| b.key.variant == followed && b.key.backend == *backend)
                    // Paired speedups only: an older file's criterion ratio is not one.
                    .filter_map(|b| {
                        b.paired_speedup()
                            .map(|s| Point::exact(b.key.threads as f64, s.estimate))
                    })
                    .collect();
                let ink = Ink::Palette(i);
                series.push(Series {
                    label: name.clone(),
                    style: Style {
                        ink,
                        marker: Marker::Circle,
                        dashed: false,
                    },
                    points,
                });
                let ceiling = run
                    .file
                    .run
                    .ceiling
                    .iter()
                    .map(|p| Point::exact(p.threads as f64, p.speedup));
                series.push(reference(
                    &format!("{name}: ceiling"),
                    ink,
                    ceiling.collect(),
                ));
            }
            let ideal = threads
                .iter()
                .map(|t| Point::exact(*t as f64, *t as f64))
                .collect();
            series.push(reference("ideal: speedup = threads", Ink::Reference, ideal));
            Panel {
                title: backend.clone(),
                series,
            }
        })
        .collect();
    let svg = charts::line_chart(&LineChart {
        title: format!("{workload}: speedup of {followed} on each machine"),
        x_label: "threads".to_string(),
        y_label: "speedup".to_string(),
        y_format: |y| format!("{}×", plain(y)),
        panels,
    })?;
    let caption = format!(
        "Speedup of {followed} over each machine's own sequential loop, one colour per machine; the dashed line \
         of a machine's colour is its measured ceiling."
    );
    Ok(Chart {
        anchor: format!("{anchor}-overlay"),
        caption,
        svg,
    })
}

pub(super) fn side_by_side(workload: &str, runs: &[Run]) -> Vec<ComparedRow> {
    let indexes: Vec<Index> = runs
        .iter()
        .map(|r| Index::new(&r.file.benchmarks))
        .collect();
    let mut keys: Vec<&Benchmark> = indexes
        .iter()
        .flat_map(|i| i.of_workload(workload))
        .collect();
    keys.sort_by(|a, b| entry_order(a, b));
    keys.dedup_by(|a, b| entry_order(a, b).is_eq());
    keys.iter()
        .map(|key| {
            let found: Vec<Option<&Benchmark>> = indexes
                .iter()
                .map(|i| {
                    i.get(
                        workload,
                        &key.key.variant,
                        &key.key.backend,
                        key.key.threads,
                    )
                })
                .collect();
            let measured: Vec<&Benchmark> = found.iter().flatten().copied().collect();
            // Highlighted only when faster beyond noise than every other machine.
            let clearly_fastest = fastest(measured.iter().copied()).filter(|quickest| {
                measured.len() > 1
                    && measured.iter().all(|b| {
                        std::ptr::eq(*b, *quickest) || !within_noise(&b.time_ns, &quickest.time_ns)
                    })
            });
            let first = found[0].map(|b| b.time_ns.estimate);
            let cells = found
                .iter()
                .enumerate()
                .map(|(i, b)| match b {
                    Some(b) => ComparedCell {
                        time: time_with_ci(&b.time_ns),
                        speedup: b.paired_speedup().map_or_else(
                            || MISSING.to_string(),
                            |s| speedup_with_interval(&s, b.paired_rounds),
                        ),
                        vs_first: match first {
                            Some(first) if i > 0 => times(b.time_ns.estimate / first),
                            _ => String::new(),
                        },
                        fastest: clearly_fastest.is_some_and(|q| std::ptr::eq(q, *b)),
                    },
                    None => ComparedCell {
                        time: MISSING.to_string(),
                        speedup: String::new(),
                        vs_first: String::new(),
                        fastest: false,
                    },
                })
                .collect();
            ComparedRow {
                variant: key.key.variant.clone(),
                backend: key.key.backend.clone(),
                threads: key.key.threads,
                cells,
            }
        })
        .collect()
}
