//! The report's view of the scaling models ([`crate::model`]) and of the
//! break-even map ([`crate::break_even`]): the "Scaling model" table of each
//! workload, the fitted curves of its speedup chart, the heat maps, and the
//! models side by side across machines. Kept apart from `page`, which only
//! calls in here. What the findings say of the models and the map is
//! theirs (`findings/break_even.rs`, `findings/shared_state.rs`), and the
//! map's thresholds table too ([`threshold_grid`]), which the map's view
//! shows as well; the models of a workload in report order come from
//! `data` (`models_for`), which both read.

use anyhow::Result;
use serde::Serialize;

use super::charts::{self, HeatMap, HeatPanel, Marker, Point, Series, Style};
use super::data::{Run, backend_order, break_even_threads, models_for, variant_order};
use super::elements::Chart;
use super::findings::{Grid, threshold_grid};
use super::format::{count, duration_ns, plain, times};
use crate::model::{self, ScalingModel, SeriesModel};
use crate::results::BreakEvenCell;

/// What the scaling-model table says, in one paragraph.
pub const MODEL_KEY: &str = "How to read this table. Karp-Flatt e(p) is the serial fraction that \
    each measured speedup implies at p threads: 0 means perfectly parallel, 1 means no faster than \
    one thread, above 1 means slower than the sequential loop; a value that grows with p points to \
    overhead that grows with threads (scheduling, synchronisation) rather than a fixed serial part. \
    Amdahl's serial fraction is one such fraction fitted to every point, with its 95% interval. \
    The Universal Scalability Law splits the loss in two: contention sigma (the share of the work \
    that waits in line for something shared, such as a lock: sigma 1 is fully serialised) and \
    coherency kappa (the cost of keeping threads in agreement, which grows with the square of the \
    thread count and makes the speedup fall after a peak at N* threads). The USL needs 4 or more \
    thread counts within the machine's logical cores. Its predictions at 2x and 4x the cores are \
    extrapolations with a 95% interval from the fit's uncertainty, not measurements. Thread counts \
    above the logical cores (oversubscribed) are excluded from every fit.";

/// The scaling-model table of one workload on one machine.
#[derive(Debug, Serialize)]
pub struct ModelView {
    pub anchor: String,
    /// The thread counts Karp-Flatt has a column for.
    pub threads: Vec<u64>,
    pub rows: Vec<ModelRow>,
    pub key: &'static str,
    /// Oversubscribed thread counts left out, and why the USL is missing, in words.
    pub notes: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct ModelRow {
    pub variant: String,
    pub backend: String,
    /// One per column of [`ModelView::threads`].
    pub karp_flatt: Vec<String>,
    pub amdahl: String,
    pub sigma: String,
    pub kappa: String,
    pub peak: String,
    pub prediction: String,
}

/// The table of `workload`, if any series of it was measured above one thread.
pub fn model_view(anchor: &str, run: &Run, workload: &str) -> Option<ModelView> {
    let models = models_for(&run.file, workload);
    if models.is_empty() {
        return None;
    }
    let mut threads: Vec<u64> = models
        .iter()
        .flat_map(|m| m.model.karp_flatt.iter().map(|k| k.threads))
        .collect();
    threads.sort_unstable();
    threads.dedup();
    let rows = models
        .iter()
        .map(|s| model_row(s, &threads))
        .collect::<Vec<_>>();
    let mut notes = Vec::new();
    let mut excluded: Vec<u64> = models
        .iter()
        .flat_map(|m| m.model.oversubscribed_excluded.iter().copied())
        .collect();
    excluded.sort_unstable();
    excluded.dedup();
    if !excluded.is_empty() {
        let shown: Vec<String> = excluded.iter().map(u64::to_string).collect();
        notes.push(format!(
            "Measured at {} threads, more than this machine's {} logical cores: shown on the \
             charts, excluded from every fit (oversubscribed threads measure time slicing, not \
             scaling).",
            shown.join(", "),
            run.file.machine.logical_cores
        ));
    }
    if models.iter().all(|m| m.model.usl.is_none())
        && let Some(why) = models.iter().find_map(|m| m.model.usl_reason.clone())
    {
        notes.push(format!("No USL fit on this machine: {why}."));
    }
    Some(ModelView {
        anchor: format!("{anchor}-model"),
        threads,
        rows,
        key: MODEL_KEY,
        notes,
    })
}

fn model_row(s: &SeriesModel, threads: &[u64]) -> ModelRow {
    let m = &s.model;
    let missing = |unfit: Option<model::Unfit>| unfit.map_or("–", model::Unfit::short).to_string();
    ModelRow {
        variant: s.variant.clone(),
        backend: s.backend.clone(),
        karp_flatt: threads
            .iter()
            .map(|t| {
                m.karp_flatt
                    .iter()
                    .find(|k| k.threads == *t)
                    .map_or("–".to_string(), |k| format!("{:.3}", k.serial_fraction))
            })
            .collect(),
        amdahl: match &m.amdahl {
            Some(a) => format!("{:.3} [{:.3}, {:.3}]", a.serial_fraction, a.lower, a.upper),
            None => missing(m.amdahl_unfit),
        },
        sigma: m.usl.as_ref().map_or(missing(m.usl_unfit), |u| {
            format!("{:.3} ± {:.3}", u.sigma, u.sigma_se)
        }),
        kappa: m.usl.as_ref().map_or(missing(m.usl_unfit), |u| {
            format!("{:.2e} ± {:.1e}", u.kappa, u.kappa_se)
        }),
        peak: m
            .usl
            .as_ref()
            .and_then(|u| u.peak_threads)
            .map_or("–".to_string(), |n| format!("{n:.0}")),
        prediction: match m.prediction.as_slice() {
            [] => "–".to_string(),
            predictions => predictions
                .iter()
                .map(|p| {
                    format!(
                        "prediction {}t: {} [{}, {}]",
                        p.threads,
                        times(p.speedup),
                        plain(p.lower),
                        plain(p.upper)
                    )
                })
                .collect::<Vec<_>>()
                .join("; "),
        },
    }
}

/// The fitted curves of one backend's panel of the speedup chart, in each
/// variant's style: Amdahl's fit over the measured thread counts (solid, no
/// marker) where there is no USL fit; the USL's fit from 1 thread on and
/// its prediction to 4x the cores (dashed, the predictions with their 95%
/// interval), sampled at powers of two.
pub fn fitted_series(
    models: &[SeriesModel],
    backend: &str,
    measured_threads: &[u64],
    style: &dyn Fn(&str) -> Style,
) -> Vec<Series> {
    let mut series = Vec::new();
    for s in models.iter().filter(|s| s.backend == backend) {
        let ink = style(&s.variant).ink;
        let m: &ScalingModel = &s.model;
        if let Some(usl) = &m.usl {
            let last = 4 * m.logical_cores.max(1);
            let mut at: Vec<u64> = std::iter::successors(Some(1u64), |n| n.checked_mul(2))
                .take_while(|n| *n <= last)
                .chain(m.prediction.iter().map(|p| p.threads))
                .chain(measured_threads.iter().copied().filter(|t| *t <= last))
                .collect();
            at.sort_unstable();
            at.dedup();
            let points = at
                .into_iter()
                .map(|n| match m.prediction.iter().find(|p| p.threads == n) {
                    Some(p) => Point {
                        x: n as f64,
                        y: p.speedup,
                        lower: Some(p.lower),
                        upper: Some(p.upper),
                    },
                    None => Point::exact(n as f64, usl.speedup(n as f64)),
                })
                .collect();
            series.push(Series {
                label: "USL fit + prediction (95%)".to_string(),
                style: Style {
                    ink,
                    marker: Marker::None,
                    dashed: true,
                },
                points,
            });
        } else if let Some(amdahl) = &m.amdahl {
            let points = measured_threads
                .iter()
                .filter(|t| **t <= m.logical_cores)
                .map(|&n| Point::exact(n as f64, amdahl.speedup(n as f64)))
                .collect();
            series.push(Series {
                label: "Amdahl fit (no marker)".to_string(),
                style: Style {
                    ink,
                    marker: Marker::None,
                    dashed: false,
                },
                points,
            });
        }
    }
    series
}

/// The break-even map of one machine.
#[derive(Debug, Serialize)]
pub struct BreakEvenView {
    pub chart: Chart,
    /// Per backend and work per item, where it breaks even.
    pub thresholds: Grid,
}

/// The heat maps of `run`'s break-even cells (one panel per backend at the
/// most-measured thread count), if it has any.
pub fn break_even_view(anchor: &str, run: &Run) -> Result<Option<BreakEvenView>> {
    let cells = &run.file.break_even;
    let Some(threads) = break_even_threads(cells) else {
        return Ok(None);
    };
    let cells: Vec<&BreakEvenCell> = cells.iter().filter(|c| c.threads == threads).collect();
    let mut items: Vec<u64> = cells.iter().map(|c| c.items).collect();
    let mut rounds: Vec<u64> = cells.iter().map(|c| c.rounds).collect();
    let mut backends: Vec<String> = cells.iter().map(|c| c.backend.clone()).collect();
    items.sort_unstable();
    items.dedup();
    rounds.sort_unstable();
    rounds.dedup();
    backends.sort_by(|a, b| backend_order(a, b));
    backends.dedup();
    // Rows say the work per item in time too: the sequential loop's time
    // per item in the row's largest measured cell.
    let row_label = |r: u64| {
        let per_item = cells
            .iter()
            .filter(|c| c.rounds == r)
            .max_by_key(|c| c.items)
            .map(|c| c.sequential_ns / c.items as f64);
        match per_item {
            Some(ns) => format!("{r} (≈{})", duration_ns(ns)),
            None => r.to_string(),
        }
    };
    let panels = backends
        .iter()
        .map(|backend| HeatPanel {
            title: format!("{backend}, {threads} threads"),
            cells: rounds
                .iter()
                .map(|r| {
                    items
                        .iter()
                        .map(|i| {
                            cells
                                .iter()
                                .find(|c| c.backend == *backend && c.items == *i && c.rounds == *r)
                                .map(|c| c.speedup)
                        })
                        .collect()
                })
                .collect(),
        })
        .collect();
    let svg = charts::heat_map(&HeatMap {
        title: "Break-even map: the plain parallel map (closure) over the sequential loop"
            .to_string(),
        x_label: "items per call".to_string(),
        y_label: "work per item: rounds (≈ time)".to_string(),
        columns: items.iter().map(|i| count(*i)).collect(),
        rows: rounds.iter().map(|r| row_label(*r)).collect(),
        panels,
    })?;
    let owned: Vec<BreakEvenCell> = cells.into_iter().cloned().collect();
    Ok(Some(BreakEvenView {
        chart: Chart {
            anchor: format!("{anchor}-break-even"),
            caption: format!(
                "Paired speedup of closure on each backend at {threads} threads over the \
                 sequential loop, per cell (sequential and every backend timed in the same rounds). \
                 Red: the sequential loop is faster; blue: the parallel map is. Cells above the \
                 profile's work cap are not measured."
            ),
            svg,
        },
        thresholds: threshold_grid(&owned),
    }))
}

/// The models of one workload side by side across machines.
#[derive(Debug, Serialize)]
pub struct ModelsAcross {
    pub anchor: String,
    pub workload: String,
    pub machines: Vec<String>,
    pub rows: Vec<ModelsAcrossRow>,
}

#[derive(Debug, Serialize)]
pub struct ModelsAcrossRow {
    pub variant: String,
    pub backend: String,
    /// Per machine: its cores and the fitted parameters, in words.
    pub cells: Vec<String>,
}

/// Per workload measured on two or more machines, each series' model
/// parameters on each machine: a many-core machine's fit next to a small one's.
pub fn models_across(runs: &[Run], names: &[String]) -> Vec<ModelsAcross> {
    let mut workloads: Vec<&str> = runs.iter().flat_map(|r| r.workloads()).collect();
    workloads.sort_by(|a, b| super::data::workload_order(a, b));
    workloads.dedup();
    let mut across = Vec::new();
    for workload in workloads {
        let per_run: Vec<Vec<SeriesModel>> =
            runs.iter().map(|r| models_for(&r.file, workload)).collect();
        if per_run.iter().filter(|m| !m.is_empty()).count() < 2 {
            continue;
        }
        let mut keys: Vec<(String, String)> = per_run
            .iter()
            .flatten()
            .map(|s| (s.variant.clone(), s.backend.clone()))
            .collect();
        keys.sort_by(|a, b| backend_order(&a.1, &b.1).then(variant_order(&a.0, &b.0)));
        keys.dedup();
        let rows = keys
            .into_iter()
            .map(|(variant, backend)| ModelsAcrossRow {
                cells: per_run
                    .iter()
                    .map(|models| {
                        models
                            .iter()
                            .find(|s| s.variant == variant && s.backend == backend)
                            .map_or("–".to_string(), |s| in_words(&s.model))
                    })
                    .collect(),
                variant,
                backend,
            })
            .collect();
        across.push(ModelsAcross {
            anchor: format!("across-model-{workload}"),
            workload: workload.to_string(),
            machines: names.to_vec(),
            rows,
        });
    }
    across
}

/// A model's parameters in one cell: cores, Amdahl, USL, the first prediction.
fn in_words(m: &ScalingModel) -> String {
    let mut parts = vec![format!("{} cores", m.logical_cores)];
    if let Some(a) = &m.amdahl {
        parts.push(format!("f {:.3}", a.serial_fraction));
    } else if let Some(k) = m.karp_flatt.last() {
        parts.push(format!("e({}) {:.3}", k.threads, k.serial_fraction));
    }
    match &m.usl {
        Some(u) => parts.push(format!(
            "σ {:.3} ± {:.3}, κ {:.1e} ± {:.0e}",
            u.sigma, u.sigma_se, u.kappa, u.kappa_se
        )),
        None => parts.push("no USL fit".to_string()),
    }
    if let Some(p) = m.prediction.first() {
        parts.push(format!("prediction {}t {}", p.threads, times(p.speedup)));
    }
    parts.join("; ")
}
