//! Every chart of the report, drawn with plotters' SVG backend.
//!
//! This is the only module that imports plotters: the rest of the report
//! hands it plain numbers (series of `(x, y, lower, upper)` per label) and gets
//! back finished SVG markup, the [`Svg`] type, which only this module can
//! make. That is what lets the page insert it as trusted markup: plotters
//! escapes `<`, `>`, `&` and quotes in every text it writes (labels, titles,
//! legends come from results files), and a test holds it to that.
//!
//! Legibility, with up to 13 parallel variants x 3 backends: one chart of
//! 39 lines is unreadable, so a line chart is a row of small panels, one per
//! backend, sharing one y range and one legend. Within a panel each variant
//! keeps the same colour in every chart of the page, and its marker tells its
//! family apart; the legend sits beside the panels, never over a line. The
//! backends can then be compared panel to panel (same y range) and the
//! variants line to line. Confidence intervals are error bars: bands of a
//! dozen series would cover each other. The threads axis is logarithmic (base
//! 2) with a tick at each measured thread count, and the y axis linear from
//! zero. Values the axes cannot hold (threads of zero or fewer, negative y)
//! and missing or non-finite values are skipped, never drawn.

use std::ops::Range;

use anyhow::{Context, Result};
use plotters::coord::Shift;
use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use serde::{Serialize, Serializer};

/// SVG markup drawn by this module: the only markup the page trusts.
#[derive(Clone, Debug)]
pub struct Svg(String);

impl Serialize for Svg {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

/// The colour of a series.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Ink {
    /// The n-th colour of the palette (wraps around).
    Palette(usize),
    /// Reference lines: the ideal speedup, the sequential loop.
    Reference,
    /// The machine's measured ceiling.
    Ceiling,
}

/// A qualitative palette: distinct hues, none grey (grey is for references).
const PALETTE: [RGBColor; 16] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
    RGBColor(57, 59, 121),
    RGBColor(99, 121, 57),
    RGBColor(173, 73, 74),
    RGBColor(107, 110, 207),
    RGBColor(231, 150, 156),
    RGBColor(140, 109, 49),
    RGBColor(0, 90, 80),
];

impl Ink {
    fn colour(self) -> RGBColor {
        match self {
            Ink::Palette(i) => PALETTE[i % PALETTE.len()],
            Ink::Reference => RGBColor(40, 40, 40),
            Ink::Ceiling => RGBColor(120, 120, 120),
        }
    }
}

/// The shape drawn at each point of a series.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Marker {
    Circle,
    Square,
    Triangle,
    Cross,
    None,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Style {
    pub ink: Ink,
    pub marker: Marker,
    pub dashed: bool,
}

/// One measured point; `lower`/`upper` bound its 95% confidence interval.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Point {
    pub x: f64,
    pub y: f64,
    pub lower: Option<f64>,
    pub upper: Option<f64>,
}

impl Point {
    pub fn exact(x: f64, y: f64) -> Self {
        Point {
            x,
            y,
            lower: None,
            upper: None,
        }
    }
}

/// One line of a chart.
#[derive(Clone, Debug)]
pub struct Series {
    pub label: String,
    pub style: Style,
    pub points: Vec<Point>,
}

/// One small chart of a row: typically one backend.
#[derive(Clone, Debug)]
pub struct Panel {
    pub title: String,
    pub series: Vec<Series>,
}

/// A row of panels against threads (a log axis), sharing a y range from
/// zero and a legend.
#[derive(Clone, Debug)]
pub struct LineChart {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    /// Writes a y tick label.
    pub y_format: fn(f64) -> String,
    pub panels: Vec<Panel>,
}

/// One bar: a value with its confidence interval and a note written after it.
#[derive(Clone, Debug)]
pub struct Bar {
    pub label: String,
    pub ink: Ink,
    pub value: f64,
    pub lower: f64,
    pub upper: f64,
    pub note: String,
}

/// Horizontal bars on a logarithmic value axis (times span orders of
/// magnitude: the sequential loop of `seed` against a thread pool's wake-up).
#[derive(Clone, Debug)]
pub struct BarChart {
    pub title: String,
    pub x_label: String,
    pub x_format: fn(f64) -> String,
    pub bars: Vec<Bar>,
    /// What each colour means.
    pub legend: Vec<(String, Ink)>,
}

/// A column of dots: every call of one benchmark in one regime.
#[derive(Clone, Debug)]
pub struct Strip {
    pub label: String,
    pub ink: Ink,
    pub values: Vec<f64>,
}

/// One panel (a backend): its columns side by side.
#[derive(Clone, Debug)]
pub struct StripPanel {
    pub title: String,
    pub strips: Vec<Strip>,
}

/// Distributions as strip plots: one dot per call, a bar at the median, so
/// a bimodal regime shows its two modes where a mean would hide them.
#[derive(Clone, Debug)]
pub struct StripChart {
    pub title: String,
    pub y_label: String,
    pub y_format: fn(f64) -> String,
    pub panels: Vec<StripPanel>,
    /// What each colour means.
    pub legend: Vec<(String, Ink)>,
}

const WIDTH: u32 = 1160;
const LEGEND_WIDTH: u32 = 210;
const LINE_CHART_HEIGHT: u32 = 400;
const LEGEND_ROW: i32 = 18;
const BAR_ROW: u32 = 20;
const FONT: &str = "sans-serif";
/// Longest label shown in a legend or on an axis, in characters.
const LABEL_CHARS: usize = 30;

type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;

/// Draws a line chart; panels without a drawable point keep their place, empty.
pub fn line_chart(chart: &LineChart) -> Result<Svg> {
    let panels: Vec<Panel> = chart.panels.iter().map(drawable_panel).collect();
    let points = || {
        panels
            .iter()
            .flat_map(|p| &p.series)
            .flat_map(|s| &s.points)
    };
    let legend = legend_entries(&panels);
    let height = LINE_CHART_HEIGHT.max(80 + LEGEND_ROW as u32 * legend.len() as u32);
    draw_svg(height, &chart.title, |body| {
        let mut xs: Vec<f64> = points().map(|p| p.x).collect();
        if xs.is_empty() {
            nothing_to_plot(body)?;
        } else {
            xs.sort_by(f64::total_cmp);
            xs.dedup();
            let values: Vec<f64> = points()
                .flat_map(|p| [Some(p.y), p.lower, p.upper])
                .flatten()
                .collect();
            let (plots, legend_area) = body.split_horizontally(WIDTH - LEGEND_WIDTH);
            let areas = plots.split_evenly((1, panels.len().max(1)));
            for (i, (panel, area)) in panels.iter().zip(&areas).enumerate() {
                let y_label = if i == 0 { chart.y_label.as_str() } else { "" };
                let axes = Axes {
                    x_label: &chart.x_label,
                    y_label,
                    y_format: chart.y_format,
                    x_ticks: &xs,
                };
                draw_panel(area, panel, &axes, linear_range(&values))?;
            }
            draw_legend(&legend_area, &legend)?;
        }
        Ok(())
    })
}

/// Draws horizontal bars with error bars, top to bottom in the given order.
pub fn bar_chart(chart: &BarChart) -> Result<Svg> {
    let bars: Vec<&Bar> = chart.bars.iter().filter(|b| positive(b.value)).collect();
    let height = 110 + BAR_ROW * bars.len() as u32;
    draw_svg(height, &chart.title, |body| {
        if bars.is_empty() {
            nothing_to_plot(body)?;
        } else {
            let (plot, legend_area) = body.split_horizontally(WIDTH - LEGEND_WIDTH);
            draw_bars(&plot, chart, &bars)?;
            draw_legend(&legend_area, &ink_legend(&chart.legend, Marker::Square))?;
        }
        Ok(())
    })
}

/// Draws strip plots: one panel per entry of `panels`, a shared y axis from zero.
pub fn strip_chart(chart: &StripChart) -> Result<Svg> {
    let usable = |v: &f64| v.is_finite() && *v >= 0.0;
    let values: Vec<f64> = chart
        .panels
        .iter()
        .flat_map(|p| &p.strips)
        .flat_map(|s| s.values.iter().copied().filter(usable))
        .collect();
    draw_svg(LINE_CHART_HEIGHT, &chart.title, |body| {
        if values.is_empty() {
            return nothing_to_plot(body);
        }
        let y_range = linear_range(&values);
        let (plots, legend_area) = body.split_horizontally(WIDTH - LEGEND_WIDTH);
        let areas = plots.split_evenly((1, chart.panels.len().max(1)));
        for (i, (panel, area)) in chart.panels.iter().zip(&areas).enumerate() {
            let columns = panel.strips.len().max(1);
            let labels: Vec<String> = panel.strips.iter().map(|s| shorten(&s.label, 12)).collect();
            let mut plot = ChartBuilder::on(area)
                .caption(shorten(&panel.title, 40), (FONT, 15))
                .margin(8)
                .x_label_area_size(40)
                .y_label_area_size(if i == 0 { 78 } else { 58 })
                .build_cartesian_2d(-0.6..columns as f64 - 0.4, y_range.clone())
                .context("cannot lay out a chart panel")?;
            let y_format = chart.y_format;
            plot.configure_mesh()
                .y_desc(if i == 0 { chart.y_label.as_str() } else { "" })
                // Ticks fall where plotters puts them; only those on a
                // column are named.
                .x_labels(4 * columns)
                .x_label_formatter(&|x| {
                    let column = x.round();
                    match (x - column).abs() < 1e-6 && column >= 0.0 {
                        true => labels.get(column as usize).cloned().unwrap_or_default(),
                        false => String::new(),
                    }
                })
                .y_label_formatter(&|y| y_format(*y))
                .y_labels(7)
                .light_line_style(TRANSPARENT)
                .bold_line_style(RGBColor(0, 0, 0).mix(0.08))
                .label_style((FONT, 11))
                .axis_desc_style((FONT, 13))
                .draw()
                .context("cannot draw chart axes")?;
            for (column, strip) in panel.strips.iter().enumerate() {
                let colour = strip.ink.colour();
                let x = column as f64;
                let mut sorted: Vec<f64> = strip.values.iter().copied().filter(usable).collect();
                sorted.sort_by(f64::total_cmp);
                // A fixed spread (golden-ratio steps), so the dots of one
                // column do not hide each other and the page is reproducible.
                let dots = spread_ranks(&sorted, STRIP_DOTS)
                    .into_iter()
                    .enumerate()
                    .map(|(j, y)| {
                        let spread = ((j as f64 * 0.618_034) % 1.0 - 0.5) * 0.5;
                        Circle::new((x + spread, y), 2, colour.mix(0.55).filled())
                    });
                plot.draw_series(dots).context("cannot draw dots")?;
                if let Some(&median) = sorted.get(sorted.len() / 2) {
                    plot.draw_series([PathElement::new(
                        vec![(x - 0.32, median), (x + 0.32, median)],
                        RGBColor(20, 20, 20).stroke_width(2),
                    )])
                    .context("cannot draw a median")?;
                }
            }
        }
        draw_legend(&legend_area, &ink_legend(&chart.legend, Marker::Circle))
    })
}

/// The most dots a strip draws, spread over its ranks: 60 calls a column
/// in a default run, 962 dots a chart, took 54 KB of a 1 MB page; 30 a
/// strip left a default run with the five ways of splitting of issue 33 at
/// 1,008,174 bytes, and 20 at 987,476 (2026-12-07).
pub const STRIP_DOTS: usize = 20;

/// At most `most` of `sorted` (ascending): all of them when they are no
/// more, else the first, the last and evenly spaced ranks between, so the
/// spread of the values is drawn whole with fewer dots.
fn spread_ranks(sorted: &[f64], most: usize) -> Vec<f64> {
    if sorted.len() <= most || most < 2 {
        return sorted.to_vec();
    }
    let last = (sorted.len() - 1) as f64;
    (0..most)
        .map(|k| sorted[(k as f64 * last / (most - 1) as f64).round() as usize])
        .collect()
}

/// Legend entries of colours that mean something, drawn as `marker`s.
fn ink_legend(legend: &[(String, Ink)], marker: Marker) -> Vec<(String, Style)> {
    legend
        .iter()
        .map(|(label, ink)| {
            let style = Style {
                ink: *ink,
                marker,
                dashed: false,
            };
            (label.clone(), style)
        })
        .collect()
}

/// One panel of a heat map: a grid of speedups, `cells[row][column]`
/// (`None`: not measured), rows from the bottom up.
#[derive(Clone, Debug)]
pub struct HeatPanel {
    pub title: String,
    pub cells: Vec<Vec<Option<f64>>>,
}

/// Speedups over a grid (the break-even map): one panel per backend, each
/// cell coloured by its speedup (red below 1, blue above, white at 1, on a
/// log scale saturating at 8x either way) and labelled with it; the
/// speedup = 1 contour is drawn in black, interpolated between cell centres
/// on log speedup (marching squares).
#[derive(Clone, Debug)]
pub struct HeatMap {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    /// One per column, left to right.
    pub columns: Vec<String>,
    /// One per row, bottom to top.
    pub rows: Vec<String>,
    pub panels: Vec<HeatPanel>,
}

/// The height of one row of heat map panels.
const HEAT_MAP_ROW_HEIGHT: u32 = 360;

/// At most this many heat map panels side by side: the cells' labels
/// ("1.23×") need about 50 px each, and nine panels in one row (the nine
/// parallel backends of issue 33) left the first one no width at all.
const HEAT_PANELS_PER_ROW: usize = 3;

/// Draws a heat map, its panels in rows of at most
/// [`HEAT_PANELS_PER_ROW`]; a panel without any measured cell says so.
pub fn heat_map(map: &HeatMap) -> Result<Svg> {
    let (rows, columns) = grid_of(map.panels.len(), HEAT_PANELS_PER_ROW);
    let height = HEAT_MAP_ROW_HEIGHT * rows as u32 + 70;
    draw_svg(height, &map.title, |body| {
        if map.panels.is_empty() || map.columns.is_empty() || map.rows.is_empty() {
            return nothing_to_plot(body);
        }
        let (plots, note) = body.split_vertically(height - 70);
        let areas = plots.split_evenly((rows, columns));
        for (i, (panel, area)) in map.panels.iter().zip(&areas).enumerate() {
            draw_heat_panel(area, map, panel, i % columns == 0)?;
        }
        note.draw(&Text::new(
            "black line: speedup = 1 (interpolated between cell centres); blank: not measured",
            (90, 8),
            (FONT, 13).into_font().color(&RGBColor(20, 20, 20)),
        ))
        .context("cannot draw the heat map's note")?;
        Ok(())
    })
}

fn draw_heat_panel(area: &Area<'_>, map: &HeatMap, panel: &HeatPanel, first: bool) -> Result<()> {
    let (nx, ny) = (map.columns.len(), map.rows.len());
    let mut chart = ChartBuilder::on(area)
        .caption(shorten(&panel.title, 40), (FONT, 15))
        .margin(8)
        .x_label_area_size(44)
        .y_label_area_size(if first { 110 } else { 16 })
        .build_cartesian_2d(0.0..nx as f64, 0.0..ny as f64)
        .context("cannot lay out a heat map")?;
    chart
        .configure_mesh()
        .disable_mesh()
        .x_labels(0)
        .y_labels(0)
        .x_desc(map.x_label.as_str())
        .y_desc(if first { map.y_label.as_str() } else { "" })
        .axis_desc_style((FONT, 13))
        .draw()
        .context("cannot draw heat map axes")?;
    let label = (FONT, 11).into_font().color(&RGBColor(30, 30, 30));
    for (i, text) in map.columns.iter().enumerate() {
        let style = label.clone().pos(Pos::new(HPos::Center, VPos::Top));
        chart
            .draw_series([EmptyElement::at((i as f64 + 0.5, 0.0))
                + Text::new(shorten(text, 12), (0, 4), style)])
            .context("cannot draw a heat map label")?;
    }
    if first {
        for (j, text) in map.rows.iter().enumerate() {
            let style = label.clone().pos(Pos::new(HPos::Right, VPos::Center));
            chart
                .draw_series([EmptyElement::at((0.0, j as f64 + 0.5))
                    + Text::new(shorten(text, 18), (-4, 0), style)])
                .context("cannot draw a heat map label")?;
        }
    }
    let value = |i: usize, j: usize| {
        panel
            .cells
            .get(j)
            .and_then(|row| row.get(i))
            .copied()
            .flatten()
            .filter(|s| positive(*s))
    };
    for j in 0..ny {
        for i in 0..nx {
            let (x, y) = (i as f64, j as f64);
            let fill = value(i, j).map_or(RGBColor(238, 238, 238), heat_colour);
            chart
                .draw_series([Rectangle::new([(x, y), (x + 1.0, y + 1.0)], fill.filled())])
                .context("cannot draw a heat map cell")?;
            if let Some(s) = value(i, j) {
                let style = label.clone().pos(Pos::new(HPos::Center, VPos::Center));
                chart
                    .draw_series([EmptyElement::at((x + 0.5, y + 0.5))
                        + Text::new(format!("{s:.2}×"), (0, 0), style)])
                    .context("cannot draw a heat map value")?;
            }
        }
    }
    let contour = RGBColor(0, 0, 0).stroke_width(3);
    for segment in unit_contour(nx, ny, |i, j| value(i, j).map(f64::ln)) {
        chart
            .draw_series([PathElement::new(segment.to_vec(), contour)])
            .context("cannot draw the speedup = 1 contour")?;
    }
    Ok(())
}

/// White at 1, towards red below and blue above, saturating at 8x.
fn heat_colour(speedup: f64) -> RGBColor {
    let t = (speedup.log2() / 3.0).clamp(-1.0, 1.0);
    let (r, g, b) = if t < 0.0 {
        (214.0, 39.0, 40.0)
    } else {
        (31.0, 119.0, 180.0)
    };
    let mix = |c: f64| (255.0 + (c - 255.0) * t.abs()).round() as u8;
    RGBColor(mix(r), mix(g), mix(b))
}

/// The segments of the level-0 contour of `f` sampled at cell centres
/// (i + 0.5, j + 0.5), by marching squares; squares with an unmeasured
/// corner are skipped.
fn unit_contour(
    nx: usize,
    ny: usize,
    f: impl Fn(usize, usize) -> Option<f64>,
) -> Vec<[(f64, f64); 2]> {
    let mut segments = Vec::new();
    for j in 0..ny.saturating_sub(1) {
        for i in 0..nx.saturating_sub(1) {
            let corners = [(i, j), (i + 1, j), (i + 1, j + 1), (i, j + 1)];
            let Some(v) = corners
                .iter()
                .map(|&(a, b)| f(a, b))
                .collect::<Option<Vec<f64>>>()
            else {
                continue;
            };
            let mut crossings = Vec::new();
            for k in 0..4 {
                let (a, b) = (k, (k + 1) % 4);
                if (v[a] < 0.0) != (v[b] < 0.0) {
                    let t = v[a] / (v[a] - v[b]);
                    let (xa, ya) = corners[a];
                    let (xb, yb) = corners[b];
                    let at = |p: usize, q: usize| p as f64 + 0.5 + t * (q as f64 - p as f64);
                    crossings.push((at(xa, xb), at(ya, yb)));
                }
            }
            for pair in crossings.chunks_exact(2) {
                segments.push([pair[0], pair[1]]);
            }
        }
    }
    segments
}

/// Rows and columns for `panels` panels, at most `per_row` side by side:
/// as few rows as that allows, the panels spread evenly over them.
fn grid_of(panels: usize, per_row: usize) -> (usize, usize) {
    let rows = panels.max(1).div_ceil(per_row.max(1));
    (rows, panels.max(1).div_ceil(rows))
}

/// A titled white canvas of the page's width, drawn on by `draw`, as SVG.
fn draw_svg(height: u32, title: &str, draw: impl FnOnce(&Area<'_>) -> Result<()>) -> Result<Svg> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE)
            .context("cannot draw a chart background")?;
        let body = root
            .titled(&shorten(title, 90), (FONT, 20))
            .context("cannot draw a chart title")?;
        draw(&body)?;
        root.present().context("cannot finish a chart")?;
    }
    Ok(Svg(svg))
}

fn positive(x: f64) -> bool {
    x.is_finite() && x > 0.0
}

/// The panel without the values its axes cannot show: the x axis is
/// logarithmic (positive threads), the y axis linear from zero.
fn drawable_panel(panel: &Panel) -> Panel {
    let usable = |v: f64| v.is_finite() && v >= 0.0;
    let bound = |v: Option<f64>| v.filter(|v| usable(*v));
    let series = panel
        .series
        .iter()
        .map(|s| Series {
            label: s.label.clone(),
            style: s.style,
            points: s
                .points
                .iter()
                .filter(|p| positive(p.x) && usable(p.y))
                .map(|p| Point {
                    x: p.x,
                    y: p.y,
                    lower: bound(p.lower),
                    upper: bound(p.upper),
                })
                .collect(),
        })
        .collect();
    Panel {
        title: panel.title.clone(),
        series,
    }
}

/// One legend entry per label, in order of first appearance, for series that
/// have a point to show.
fn legend_entries(panels: &[Panel]) -> Vec<(String, Style)> {
    let mut entries: Vec<(String, Style)> = Vec::new();
    for s in panels
        .iter()
        .flat_map(|p| &p.series)
        .filter(|s| !s.points.is_empty())
    {
        if !entries.iter().any(|(label, _)| *label == s.label) {
            entries.push((s.label.clone(), s.style));
        }
    }
    entries
}

/// A log range a little wider than the values, ticked at 1, 2 and 5 times
/// powers of ten; at more multiples when that leaves too few ticks, at
/// powers of ten alone when too many.
fn log_range(values: &[f64]) -> (Range<f64>, Vec<f64>) {
    let (lo, hi) = min_max(values.iter().copied().filter(|v| positive(*v)), 1.0);
    // Within the finite floats: a value near f64::MAX (from a foreign file)
    // would put the top at infinity and ask for ticks up to 10^i32::MAX.
    let (lo, hi) = ((lo / 1.4).max(f64::MIN_POSITIVE), (hi * 1.4).min(f64::MAX));
    let ticks_at = |multiples: &[f64]| -> Vec<f64> {
        (lo.log10().floor() as i32..=hi.log10().ceil() as i32)
            .flat_map(|e| multiples.iter().map(move |m| m * 10f64.powi(e)))
            .filter(|t| (lo..=hi).contains(t))
            .collect()
    };
    let mut ticks = ticks_at(&[1.0, 2.0, 5.0]);
    if ticks.len() < 3 {
        ticks = ticks_at(&[1.0, 2.0, 3.0, 5.0, 7.0]);
    }
    if ticks.len() < 3 {
        ticks = ticks_at(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0]);
    } else if ticks.len() > 10 {
        ticks = ticks_at(&[1.0]);
    }
    (lo..hi, ticks)
}

/// A linear range from zero to a little above the largest value; plotters
/// picks round ticks in it.
fn linear_range(values: &[f64]) -> Range<f64> {
    let (_, hi) = min_max(values.iter().copied().filter(|v| v.is_finite()), 1.0);
    // Within the finite floats: a value near f64::MAX (from a foreign file)
    // would put the top at infinity, where plotters looks for ticks forever.
    0.0..if hi > 0.0 {
        (hi * 1.08).min(f64::MAX)
    } else {
        1.0
    }
}

fn min_max(values: impl Iterator<Item = f64>, fallback: f64) -> (f64, f64) {
    values
        .fold(None, |acc: Option<(f64, f64)>, v| {
            Some(acc.map_or((v, v), |(lo, hi)| (lo.min(v), hi.max(v))))
        })
        .unwrap_or((fallback, fallback))
}

/// The threads axis: log base 2, a little room either side, a tick per count.
fn threads_axis(
    ticks: &[f64],
) -> impl AsRangedCoord<Value = f64, CoordDescType: ValueFormatter<f64>> {
    let (lo, hi) = min_max(ticks.iter().copied(), 1.0);
    (lo / 1.3..hi * 1.3)
        .log_scale()
        .with_key_points(ticks.to_vec())
}

struct Axes<'a> {
    x_label: &'a str,
    y_label: &'a str,
    y_format: fn(f64) -> String,
    x_ticks: &'a [f64],
}

fn draw_panel<Y>(area: &Area<'_>, panel: &Panel, axes: &Axes<'_>, y_spec: Y) -> Result<()>
where
    Y: AsRangedCoord<Value = f64>,
    Y::CoordDescType: ValueFormatter<f64>,
{
    let mut chart = ChartBuilder::on(area)
        .caption(shorten(&panel.title, 40), (FONT, 15))
        .margin(8)
        .x_label_area_size(40)
        .y_label_area_size(if axes.y_label.is_empty() { 58 } else { 78 })
        .build_cartesian_2d(threads_axis(axes.x_ticks), y_spec)
        .context("cannot lay out a chart panel")?;
    let y_format = axes.y_format;
    chart
        .configure_mesh()
        .x_desc(axes.x_label)
        .y_desc(axes.y_label)
        .x_label_formatter(&|x| format!("{x:.0}"))
        .y_label_formatter(&|y| y_format(*y))
        .y_labels(7)
        .light_line_style(TRANSPARENT)
        .bold_line_style(RGBColor(0, 0, 0).mix(0.08))
        .label_style((FONT, 12))
        .axis_desc_style((FONT, 13))
        .draw()
        .context("cannot draw chart axes")?;
    for series in &panel.series {
        draw_series(&mut chart, series)?;
    }
    Ok(())
}

fn draw_series<X, Y>(
    chart: &mut ChartContext<'_, SVGBackend<'_>, Cartesian2d<X, Y>>,
    series: &Series,
) -> Result<()>
where
    X: Ranged<ValueType = f64>,
    Y: Ranged<ValueType = f64>,
{
    let colour = series.style.ink.colour();
    let mut points = series.points.clone();
    points.sort_by(|a, b| a.x.total_cmp(&b.x));
    let line: Vec<(f64, f64)> = points.iter().map(|p| (p.x, p.y)).collect();
    let stroke = colour.stroke_width(2);
    if series.style.dashed {
        chart
            .draw_series(DashedLineSeries::new(line, 7, 5, stroke))
            .context("cannot draw a line")?;
    } else {
        chart
            .draw_series(LineSeries::new(line, stroke))
            .context("cannot draw a line")?;
    }
    for p in &points {
        if let (Some(lower), Some(upper)) = (p.lower, p.upper) {
            let whisker = colour.stroke_width(1);
            let cap = |y: f64| {
                EmptyElement::at((p.x, y)) + PathElement::new(vec![(-4, 0), (4, 0)], whisker)
            };
            chart
                .draw_series([PathElement::new(vec![(p.x, lower), (p.x, upper)], whisker)])
                .context("cannot draw an error bar")?;
            chart
                .draw_series([cap(lower), cap(upper)])
                .context("cannot draw an error bar")?;
        }
    }
    let at = points.iter().map(|p| (p.x, p.y));
    let drawn =
        match series.style.marker {
            Marker::Circle => chart
                .draw_series(at.map(|c| Circle::new(c, 3, colour.filled())))
                .map(|_| ()),
            Marker::Square => chart
                .draw_series(at.map(|c| {
                    EmptyElement::at(c) + Rectangle::new([(-3, -3), (3, 3)], colour.filled())
                }))
                .map(|_| ()),
            Marker::Triangle => chart
                .draw_series(at.map(|c| TriangleMarker::new(c, 4, colour.filled())))
                .map(|_| ()),
            Marker::Cross => chart
                .draw_series(at.map(|c| Cross::new(c, 4, colour.stroke_width(2))))
                .map(|_| ()),
            Marker::None => Ok(()),
        };
    drawn.context("cannot draw markers")
}

fn draw_bars(plot: &Area<'_>, chart: &BarChart, bars: &[&Bar]) -> Result<()> {
    let values: Vec<f64> = bars
        .iter()
        .flat_map(|b| [b.value, b.lower, b.upper])
        .filter(|v| positive(*v))
        .collect();
    let (range, ticks) = log_range(&values);
    // Room right of the longest bar for its note.
    let (lo, hi) = (range.start, range.end);
    let hi = (hi * (hi / lo).powf(0.22)).min(f64::MAX);
    let rows = bars.len() as f64;
    let centre = |i: usize| rows - i as f64 - 0.5;
    let x_format = chart.x_format;
    let mut plot_chart = ChartBuilder::on(plot)
        .margin(8)
        .x_label_area_size(40)
        .y_label_area_size(230)
        .build_cartesian_2d((lo..hi).log_scale().with_key_points(ticks), 0.0..rows)
        .context("cannot lay out a bar chart")?;
    plot_chart
        .configure_mesh()
        .disable_y_mesh()
        .x_desc(chart.x_label.as_str())
        .x_label_formatter(&|x| x_format(*x))
        .y_labels(0)
        .bold_line_style(RGBColor(0, 0, 0).mix(0.08))
        .label_style((FONT, 12))
        .axis_desc_style((FONT, 13))
        .draw()
        .context("cannot draw bar chart axes")?;
    for (i, bar) in bars.iter().enumerate() {
        let c = centre(i);
        let colour = bar.ink.colour();
        // The label, right-aligned left of the axis (plotters does not clip).
        let label_style = (FONT, 12)
            .into_font()
            .color(&RGBColor(30, 30, 30))
            .pos(Pos::new(HPos::Right, VPos::Center));
        plot_chart
            .draw_series([EmptyElement::at((lo, c))
                + Text::new(shorten(&bar.label, LABEL_CHARS), (-8, 0), label_style)])
            .context("cannot draw a bar label")?;
        plot_chart
            .draw_series([Rectangle::new(
                [(lo, c - 0.36), (bar.value, c + 0.36)],
                colour.mix(0.85).filled(),
            )])
            .context("cannot draw a bar")?;
        let whisker = RGBColor(30, 30, 30).stroke_width(1);
        let (lower, upper) = (bar.lower, bar.upper);
        let mut note_at = bar.value;
        if positive(lower) && positive(upper) && lower <= upper {
            let cap = |x: f64| {
                EmptyElement::at((x, c)) + PathElement::new(vec![(0, -5), (0, 5)], whisker)
            };
            plot_chart
                .draw_series([PathElement::new(vec![(lower, c), (upper, c)], whisker)])
                .context("cannot draw an error bar")?;
            plot_chart
                .draw_series([cap(lower), cap(upper)])
                .context("cannot draw an error bar")?;
            note_at = note_at.max(upper);
        }
        let note = EmptyElement::at((note_at, c))
            + Text::new(
                shorten(&bar.note, 40),
                (6, -6),
                (FONT, 12).into_font().color(&RGBColor(30, 30, 30)),
            );
        plot_chart
            .draw_series([note])
            .context("cannot draw a bar note")?;
    }
    Ok(())
}

/// The legend: a sample of each line (dash, marker) and its label.
fn draw_legend(area: &Area<'_>, entries: &[(String, Style)]) -> Result<()> {
    let text = (FONT, 13).into_font().color(&RGBColor(20, 20, 20));
    for (i, (label, style)) in entries.iter().enumerate() {
        let y = 46 + i as i32 * LEGEND_ROW;
        let colour = style.ink.colour();
        let stroke = colour.stroke_width(2);
        let segments: Vec<[(i32, i32); 2]> = if style.dashed {
            vec![[(6, y), (14, y)], [(19, y), (27, y)], [(32, y), (36, y)]]
        } else {
            vec![[(6, y), (36, y)]]
        };
        for segment in segments {
            area.draw(&PathElement::new(segment.to_vec(), stroke))
                .context("cannot draw the legend")?;
        }
        let drawn = match style.marker {
            Marker::Circle => area.draw(&Circle::new((21, y), 3, colour.filled())),
            Marker::Square => {
                area.draw(&Rectangle::new([(17, y - 4), (25, y + 4)], colour.filled()))
            }
            Marker::Triangle => area.draw(&TriangleMarker::new((21, y), 4, colour.filled())),
            Marker::Cross => area.draw(&Cross::new((21, y), 4, colour.stroke_width(2))),
            Marker::None => Ok(()),
        };
        drawn.context("cannot draw the legend")?;
        area.draw(&Text::new(
            shorten(label, LABEL_CHARS),
            (44, y - 7),
            text.clone(),
        ))
        .context("cannot draw the legend")?;
    }
    Ok(())
}

fn nothing_to_plot(area: &Area<'_>) -> Result<()> {
    area.draw(&Text::new(
        "nothing to plot: no valid measurement",
        (40, 40),
        (FONT, 15),
    ))
    .context("cannot draw an empty chart")?;
    Ok(())
}

/// At most `max` characters, with an ellipsis when cut.
fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(max - 1).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    #[test]
    fn panels_wrap_into_even_rows_of_at_most_the_limit() {
        assert_eq!(grid_of(1, 3), (1, 1));
        assert_eq!(grid_of(3, 3), (1, 3));
        assert_eq!(grid_of(4, 3), (2, 2));
        assert_eq!(grid_of(9, 3), (3, 3));
        assert_eq!(grid_of(10, 3), (4, 3));
        assert_eq!(grid_of(0, 3), (1, 1));
    }

    #[test]
    fn the_unit_contour_passes_between_losing_and_winning_cells() {
        // Speedup below 1 in the left column, above in the right: one
        // vertical segment halfway between the centres (log 0.5 vs log 2).
        let grid = [[0.5, 2.0], [0.5, 2.0]];
        let segments = super::unit_contour(2, 2, |i, j| Some(f64::ln(grid[j][i])));
        assert_eq!(segments.len(), 1);
        for (x, _) in segments[0] {
            assert!((x - 1.0).abs() < 1e-12, "{segments:?}");
        }
        assert!(super::unit_contour(2, 2, |_, _| None).is_empty());
        let svg = super::heat_map(&super::HeatMap {
            title: "<map>".into(),
            x_label: "items".into(),
            y_label: "rounds".into(),
            columns: vec!["10".into(), "100".into()],
            rows: vec!["0".into(), "64".into()],
            panels: vec![super::HeatPanel {
                title: "rayon".into(),
                cells: vec![vec![Some(0.5), Some(2.0)], vec![Some(0.5), None]],
            }],
        })
        .unwrap();
        assert!(svg.0.contains("&lt;map&gt;") && svg.0.contains("2.00×"));
    }

    use super::*;

    fn style(i: usize) -> Style {
        Style {
            ink: Ink::Palette(i),
            marker: Marker::Circle,
            dashed: false,
        }
    }

    fn chart(series: Vec<Series>) -> LineChart {
        LineChart {
            title: "time per call".to_string(),
            x_label: "threads".to_string(),
            y_label: "time".to_string(),
            y_format: |y| format!("{y}"),
            panels: vec![Panel {
                title: "rayon".to_string(),
                series,
            }],
        }
    }

    #[test]
    fn text_from_results_is_escaped_inside_the_svg() {
        let hostile = Series {
            label: "<script>alert(1)</script> & co".to_string(),
            style: style(0),
            points: vec![Point::exact(1.0, 10.0), Point::exact(2.0, 6.0)],
        };
        let svg = line_chart(&chart(vec![hostile])).unwrap();
        assert!(!svg.0.contains("<script"), "raw markup in the SVG");
        assert!(
            svg.0
                .contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; co")
        );
        let bars = BarChart {
            title: "<b>best</b>".to_string(),
            x_label: "time".to_string(),
            x_format: |x| format!("{x}"),
            bars: vec![Bar {
                label: "<img src=x>".to_string(),
                ink: Ink::Palette(0),
                value: 5.0,
                lower: 4.0,
                upper: 6.0,
                note: "<i>".to_string(),
            }],
            legend: vec![("<u>".to_string(), Ink::Palette(0))],
        };
        let svg = bar_chart(&bars).unwrap();
        for raw in ["<b>", "<img", "<i>", "<u>"] {
            assert!(!svg.0.contains(raw), "raw {raw} in the SVG");
        }
    }

    #[test]
    fn values_the_axes_cannot_hold_are_skipped() {
        let panel = Panel {
            title: "p".to_string(),
            series: vec![Series {
                label: "s".to_string(),
                style: style(0),
                points: vec![
                    Point::exact(1.0, 0.0),
                    Point::exact(2.0, -3.0),
                    Point::exact(4.0, f64::NAN),
                    Point {
                        x: 8.0,
                        y: 5.0,
                        lower: Some(-1.0),
                        upper: Some(6.0),
                    },
                ],
            }],
        };
        let kept = drawable_panel(&panel);
        assert_eq!(
            kept.series[0].points,
            [
                Point::exact(1.0, 0.0),
                Point {
                    x: 8.0,
                    y: 5.0,
                    lower: None,
                    upper: Some(6.0)
                }
            ],
            "zero is fine on a linear axis, negatives and NaN are not"
        );
    }

    #[test]
    fn a_chart_without_valid_points_says_so() {
        let svg = line_chart(&chart(vec![Series {
            label: "s".to_string(),
            style: style(0),
            points: vec![Point::exact(1.0, f64::NAN)],
        }]))
        .unwrap();
        assert!(svg.0.contains("nothing to plot"));
    }

    #[test]
    fn a_strip_of_many_calls_keeps_its_extremes_and_evenly_spaced_ranks() {
        let values: Vec<f64> = (0..60).map(f64::from).collect();
        let kept = spread_ranks(&values, 30);
        assert_eq!(kept.len(), 30);
        assert_eq!((kept[0], kept[29]), (0.0, 59.0));
        assert!(
            kept.windows(2)
                .all(|w| (2.0..=3.0).contains(&(w[1] - w[0])))
        );
        assert_eq!(spread_ranks(&values[..20], 30), values[..20]);
        assert!(spread_ranks(&[], 30).is_empty());
    }

    #[test]
    fn ranges_hold_every_value_with_round_ticks() {
        let (range, ticks) = log_range(&[12.0, 40.0]);
        assert!(range.start < 12.0 && range.end > 40.0);
        assert_eq!(ticks, [10.0, 20.0, 50.0]);
        let (_, ticks) = log_range(&[3.2, 12.2]);
        assert_eq!(ticks, [3.0, 5.0, 7.0, 10.0]);
        let (_, ticks) = log_range(&[3.0, 4.0]);
        assert_eq!(ticks, [3.0, 4.0, 5.0]);
        let (_, ticks) = log_range(&[1.0, 1e9]);
        assert_eq!(ticks.len(), 10, "powers of ten only: {ticks:?}");
        assert!(linear_range(&[0.0, 3.7]).end > 3.7);
        assert_eq!(linear_range(&[0.0]), 0.0..1.0);
    }
}
