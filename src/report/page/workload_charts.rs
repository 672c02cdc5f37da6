//! The charts of one workload, drawn through `charts` (the only plotters
//! user): one panel per backend, one series per variant, in colours and
//! markers that stay the same in every chart.

use super::*;

/// A variant's colour (the same in every chart) and its family's marker.
/// Variants this build does not know get the colours after the known ones.
pub(super) fn variant_style(variant_id: &str, family: Family, variants: &[String]) -> Style {
    let unknown_rank = || {
        variants
            .iter()
            .filter(|v| variant_position(v).is_none())
            .position(|v| v == variant_id)
    };
    let colour = match variant_position(variant_id) {
        Some(p) => p.saturating_sub(1),
        None => VARIANTS.len() + unknown_rank().unwrap_or(0),
    };
    let marker = match family {
        Family::Passing => Marker::Circle,
        Family::Ownership => Marker::Square,
        Family::SharedMutable => Marker::Triangle,
        Family::Baseline | Family::Other => Marker::Cross,
    };
    Style {
        ink: Ink::Palette(colour),
        marker,
        dashed: false,
    }
}

/// A backend's colour in the bar chart: known backends in list order,
/// unknown ones after them.
pub(super) fn backend_ink(backend: &str, backends: &[String]) -> Ink {
    match backend_position(backend) {
        Some(p) => Ink::Palette(p),
        None => {
            Ink::Palette(BACKENDS.len() + backends.iter().position(|b| b == backend).unwrap_or(0))
        }
    }
}

pub(super) fn reference(label: &str, ink: Ink, points: Vec<Point>) -> Series {
    Series {
        label: label.to_string(),
        style: Style {
            ink,
            marker: Marker::None,
            dashed: true,
        },
        points,
    }
}

/// One panel per backend, one series per variant: `value` gives a point.
/// A backend that ran one entry alone (the plain map at one thread count,
/// as the ways of splitting added for issue 33 run outside `full`) gets no
/// panel: a lone point says nothing against threads, and its figure is in
/// the workload's table and the scheduler answer. Five such panels made a
/// default run's page 1.07 MB.
pub(super) fn panels_by_backend(
    rows: &[&Benchmark],
    backends: &[String],
    style: &dyn Fn(&str) -> Style,
    value: impl Fn(&Benchmark) -> Option<Point>,
    extra: impl Fn(&[&Benchmark], &[u64]) -> Vec<Series>,
) -> Vec<Panel> {
    backends
        .iter()
        .filter_map(|backend| {
            let on_backend: Vec<&Benchmark> = rows
                .iter()
                .copied()
                .filter(|b| b.key.backend == *backend)
                .collect();
            if on_backend.len() == 1 {
                return None;
            }
            let mut threads: Vec<u64> = on_backend.iter().map(|b| b.key.threads).collect();
            threads.sort_unstable();
            threads.dedup();
            let mut series: Vec<Series> = variants_of(&on_backend)
                .into_iter()
                .map(|v| Series {
                    style: style(&v),
                    points: on_backend
                        .iter()
                        .filter(|b| b.key.variant == v)
                        .filter_map(|b| value(b))
                        .collect(),
                    label: v,
                })
                .collect();
            series.extend(extra(&on_backend, &threads));
            Some(Panel {
                title: backend.clone(),
                series,
            })
        })
        .collect()
}

pub(super) fn speedup_chart(
    workload: &str,
    rows: &[&Benchmark],
    backends: &[String],
    ceiling: &[CeilingPoint],
    style: &dyn Fn(&str) -> Style,
    models: &[crate::model::SeriesModel],
) -> Result<Svg> {
    // Paired speedups carry their 95% interval; unpaired ones (older files) none.
    let speedup = |b: &Benchmark| {
        Some(Point {
            x: b.key.threads as f64,
            y: b.speedup?,
            lower: b.speedup_lower,
            upper: b.speedup_upper,
        })
    };
    let guides = |on_backend: &[&Benchmark], threads: &[u64]| {
        let ideal = threads
            .iter()
            .map(|t| Point::exact(*t as f64, *t as f64))
            .collect();
        let measured = ceiling
            .iter()
            .map(|p| Point::exact(p.threads as f64, p.speedup))
            .collect();
        let mut guides = vec![
            reference("ideal: speedup = threads", Ink::Reference, ideal),
            reference("machine ceiling", Ink::Ceiling, measured),
        ];
        // One series per marked point, so no line joins them; the legend
        // lists the label once.
        guides.extend(
            on_backend
                .iter()
                .filter(|b| b.beyond_ceiling.is_some())
                .filter_map(|b| speedup(b))
                .map(|p| Series {
                    label: format!("{BEYOND_CEILING_MARK} beyond the ceiling (cause in the table)"),
                    style: Style {
                        ink: Ink::Reference,
                        marker: Marker::Cross,
                        dashed: false,
                    },
                    points: vec![Point::exact(p.x, p.y)],
                }),
        );
        if let Some(first) = on_backend.first() {
            guides.extend(scaling::fitted_series(
                models,
                &first.key.backend,
                threads,
                style,
            ));
        }
        guides
    };
    charts::line_chart(&LineChart {
        title: format!("{workload}: speedup over the sequential loop"),
        x_label: "threads".to_string(),
        y_label: "speedup".to_string(),
        y_format: |y| format!("{}×", plain(y)),
        panels: panels_by_backend(rows, backends, style, speedup, guides),
    })
}

/// Cores kept busy (process CPU time over wall time in the paired calls)
/// against threads, with the line cores = threads: a variant far above its
/// speedup burns cores without progress.
pub(super) fn cores_busy_chart(
    workload: &str,
    rows: &[&Benchmark],
    backends: &[String],
    style: &dyn Fn(&str) -> Style,
) -> Result<Svg> {
    let busy = |b: &Benchmark| b.cores_busy.map(|c| Point::exact(b.key.threads as f64, c));
    let all_threads = |_: &[&Benchmark], threads: &[u64]| {
        let points = threads
            .iter()
            .map(|t| Point::exact(*t as f64, *t as f64))
            .collect();
        vec![reference(
            "every thread busy: cores = threads",
            Ink::Reference,
            points,
        )]
    };
    charts::line_chart(&LineChart {
        title: format!("{workload}: cores kept busy"),
        x_label: "threads".to_string(),
        y_label: "cores busy".to_string(),
        y_format: plain,
        panels: panels_by_backend(rows, backends, style, busy, all_threads),
    })
}

pub(super) fn best_chart(workload: &str, rows: &[&Benchmark]) -> Result<Svg> {
    let best = best_per_variant_backend(rows);
    let mut backends: Vec<String> = best.iter().map(|b| b.key.backend.clone()).collect();
    backends.sort_by(|a, b| backend_order(a, b));
    backends.dedup();
    let bars = best
        .iter()
        .map(|b| Bar {
            label: format!("{} · {}", b.key.variant, b.key.backend),
            ink: backend_ink(&b.key.backend, &backends),
            value: b.time_ns.estimate,
            lower: b.time_ns.lower,
            upper: b.time_ns.upper,
            note: format!(
                "{} · {}",
                duration_ns(b.time_ns.estimate),
                threads(b.key.threads)
            ),
        })
        .collect();
    let legend = backends
        .iter()
        .map(|b| (b.clone(), backend_ink(b, &backends)))
        .collect();
    charts::bar_chart(&BarChart {
        title: format!("{workload}: each variant at its best thread count"),
        x_label: "time per call (log scale)".to_string(),
        x_format: duration_axis,
        bars,
        legend,
    })
}
