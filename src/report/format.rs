//! How numbers and tables are written as text, everywhere in the report.
//!
//! The page, the chart axes, the findings sentences, `summary.md` and the
//! markdown export all print times, bytes and ratios; writing them in one
//! place keeps a figure in a sentence identical to the same figure in a
//! table (and lets the tests find it). Three significant digits: enough to
//! tell apart what the confidence intervals can tell apart.

use crate::paired::{Interval, MIN_VALUES_FOR_INTERVAL};
use crate::results::TimeNs;

/// Shown where a value is missing (not measured, or rejected on load).
pub const MISSING: &str = "–";

/// `x` with three significant digits (more before the point if it needs them).
fn three_digits(x: f64) -> String {
    let magnitude = if x == 0.0 {
        0
    } else {
        x.abs().log10().floor() as i32
    };
    let decimals = (2 - magnitude).clamp(0, 6) as usize;
    format!("{x:.decimals$}")
}

/// A duration in nanoseconds, in the unit that reads best: `12.3 µs`.
pub fn duration_ns(ns: f64) -> String {
    let (value, unit) = duration_parts(ns);
    format!("{value} {unit}")
}

/// A span of a run in seconds, as people say it: `35 s`, `4.2 min`.
pub fn span_s(seconds: f64) -> String {
    match seconds < 60.0 {
        true => format!("{seconds:.0} s"),
        false => format!("{:.1} min", seconds / 60.0),
    }
}

/// [`duration_ns`] for a chart axis, without trailing zeros: `2 µs`, `1.5 ms`.
pub fn duration_axis(ns: f64) -> String {
    let (value, unit) = duration_parts(ns);
    format!("{} {unit}", trim_zeros(&value))
}

/// `2.50` → `2.5`, `2.00` → `2`.
fn trim_zeros(number: &str) -> String {
    if number.contains('.') {
        number
            .trim_end_matches('0')
            .trim_end_matches('.')
            .to_string()
    } else {
        number.to_string()
    }
}

/// The number and the unit of [`duration_ns`].
fn duration_parts(ns: f64) -> (String, &'static str) {
    let (value, unit) = match ns.abs() {
        x if x < 1e3 => (ns, "ns"),
        x if x < 1e6 => (ns / 1e3, "µs"),
        x if x < 1e9 => (ns / 1e6, "ms"),
        _ => (ns / 1e9, "s"),
    };
    (three_digits(value), unit)
}

/// The estimate and its 95% confidence interval: `12.3 µs (12.1–12.6 µs)`,
/// the unit written once when both bounds share it.
pub fn time_with_ci(t: &TimeNs) -> String {
    let ((lower, lower_unit), (upper, upper_unit)) =
        (duration_parts(t.lower), duration_parts(t.upper));
    let interval = if lower_unit == upper_unit {
        format!("{lower}–{upper} {upper_unit}")
    } else {
        format!("{lower} {lower_unit}–{upper} {upper_unit}")
    };
    format!("{} ({interval})", duration_ns(t.estimate))
}

/// Bytes in binary units: `512 B`, `1.50 MiB`.
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["KiB", "MiB", "GiB", "TiB", "PiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut value = n as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{} {}", three_digits(value), UNITS[unit])
}

/// The binary unit that shows `largest` bytes best, and its size in bytes:
/// a chart axis is drawn in that unit so its ticks are round numbers of it.
pub fn bytes_unit(largest: u64) -> (&'static str, f64) {
    const UNITS: [&str; 6] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut unit = 0;
    while unit + 1 < UNITS.len() && largest as f64 >= 1024f64.powi(unit as i32 + 1) {
        unit += 1;
    }
    (UNITS[unit], 1024f64.powi(unit as i32))
}

/// A count with its noun, singular for one: `1 figure`, `3 figures`.
pub fn counted(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// A thread count with its noun: `1 thread`, `8 threads`.
pub fn threads(n: u64) -> String {
    counted(n, "thread", "threads")
}

/// A copy count with its noun: `1 copy`, `8 copies`.
pub fn copies(n: u64) -> String {
    counted(n, "copy", "copies")
}

/// A whole number to two significant figures (`4`, `91`, `2400`): for a
/// projection, not a measurement.
pub fn two_significant(x: f64) -> String {
    if x < 100.0 {
        return format!("{x:.0}");
    }
    let scale = 10f64.powi(x.log10().floor() as i32 - 1);
    format!("{:.0}", (x / scale).round() * scale)
}

/// A count with thousands separators: `1,000,000`.
pub fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(d);
    }
    out
}

/// A throughput in items per second: `1.23 G/s`.
pub fn items_per_s(rate: f64) -> String {
    let (value, prefix) = match rate {
        x if x < 1e3 => (rate, ""),
        x if x < 1e6 => (rate / 1e3, " k"),
        x if x < 1e9 => (rate / 1e6, " M"),
        _ => (rate / 1e9, " G"),
    };
    format!("{}{prefix}/s", three_digits(value))
}

/// A ratio such as a speedup: `3.52×`.
pub fn times(x: f64) -> String {
    format!("{}×", three_digits(x))
}

/// How a ratio reads: a speedup (above 1, faster) or a ratio of times
/// (above 1, slower).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reading {
    Speedup,
    Time,
}

/// From this factor away from 1 on, a ratio is written in words,
/// `1,660× slower`: `0.000603×` hides what it says, and its bounds at two
/// decimals read `0.00–0.00`.
pub const FAR: f64 = 10.0;

/// Whether `x` lies [`FAR`] times or more away from 1, either way (or is
/// not a positive number), where a ratio reads in words.
pub fn far_from_one(x: f64) -> bool {
    !(x.is_finite() && x > 1.0 / FAR && x < FAR)
}

/// A factor away from 1 with three significant digits, thousands
/// separated: `1,660`, `490`, `12.3`; `∞` where a bound was zero.
fn factor(x: f64) -> String {
    match x {
        x if !x.is_finite() => "∞".to_string(),
        x if x >= 1000.0 => {
            let scale = 10f64.powi(x.log10().floor() as i32 - 2);
            count(((x / scale).round() * scale) as u64)
        }
        x => three_digits(x),
    }
}

/// A bound of a ratio near 1: `decimals` of them where they show three
/// significant digits or fewer (0.1 up to 100), else three significant
/// digits, so that no bound reads `0.00`.
fn near_bound(x: f64, decimals: usize) -> String {
    match x.abs() {
        a if (0.1..100.0).contains(&a) => format!("{x:.decimals$}"),
        _ => three_digits(x),
    }
}

/// How slow `x` is, read as `reading`: its time over the other's.
fn slowness(reading: Reading, x: f64) -> f64 {
    match reading {
        Reading::Speedup => 1.0 / x,
        Reading::Time => x,
    }
}

/// A ratio and its bounds as text, apart, for a sentence to place them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RatioText {
    /// `1.96×`, or far from 1, `1,660× slower`.
    pub estimate: String,
    /// `1.93–2.00`, or far from 1, `1,610–1,720× slower`.
    pub bounds: String,
    /// Whether it is written in words ([`far_from_one`]).
    pub far: bool,
}

impl RatioText {
    /// The estimate in a sentence that compares with `other`: near 1,
    /// `1.12× {near}` (`near`: "the time of fold_reduce"); far from it,
    /// `62.1× slower than {other}`.
    pub fn against(&self, near: &str, other: &str) -> String {
        match self.far {
            true => format!("{} than {other}", self.estimate),
            false => format!("{} {near}", self.estimate),
        }
    }
}

/// `r` as text ([`RatioText`]), read as `reading`: near 1, the estimate as
/// [`times`] for a speedup and with `decimals` for a ratio of times, its
/// bounds with `decimals`; from [`FAR`] times away from 1 on, in words,
/// each bound on its own side of 1.
pub fn ratio_text(reading: Reading, r: &Interval, decimals: usize) -> RatioText {
    // No ratio (a missing speedup read as zero, or not a number): say so.
    if !(r.estimate.is_finite() && r.estimate > 0.0) {
        return RatioText {
            estimate: MISSING.to_string(),
            bounds: MISSING.to_string(),
            far: false,
        };
    }
    let slow = slowness(reading, r.estimate);
    if !far_from_one(slow) {
        return RatioText {
            estimate: match reading {
                Reading::Speedup => times(r.estimate),
                Reading::Time => format!("{:.decimals$}×", r.estimate),
            },
            bounds: format!(
                "{}–{}",
                near_bound(r.lower, decimals),
                near_bound(r.upper, decimals)
            ),
            far: false,
        };
    }
    let words = |slow: f64| match slow >= 1.0 {
        true => (factor(slow), "slower"),
        false => (factor(1.0 / slow), "faster"),
    };
    let (estimate, side) = words(slow);
    let (a, b) = {
        let (x, y) = (slowness(reading, r.lower), slowness(reading, r.upper));
        // In order of slowness where the estimate is slower, the reverse
        // where it is faster: within one side, from the smaller factor up.
        let (low, high) = (x.min(y), x.max(y));
        match side {
            "slower" => (words(low), words(high)),
            _ => (words(high), words(low)),
        }
    };
    RatioText {
        estimate: format!("{estimate}× {side}"),
        bounds: match a.1 == b.1 {
            true => format!("{}–{}× {}", a.0, b.0, a.1),
            false => format!("{}× {} to {}× {}", a.0, a.1, b.0, b.1),
        },
        far: true,
    }
}

/// A ratio alone, as [`ratio_text`] writes its estimate: `1.96×`,
/// `1,660× slower`.
pub fn ratio(reading: Reading, x: f64) -> String {
    ratio_text(reading, &Interval::exact(x), 3).estimate
}

/// A ratio with its bounds named `bounds` (`95% interval`, `range`; none
/// when empty): `1.96× (95% interval 1.93–2.00)`, `1,660× slower (95%
/// interval 1,610–1,720× slower)`.
pub fn ratio_with_interval(
    reading: Reading,
    r: &Interval,
    bounds: &str,
    decimals: usize,
) -> String {
    let text = ratio_text(reading, r, decimals);
    match bounds {
        "" => format!("{} ({})", text.estimate, text.bounds),
        name => format!("{} ({name} {})", text.estimate, text.bounds),
    }
}

/// A paired speedup with its 95% interval, `1.96× (1.93–2.00)`, or with
/// `range` before its bounds when they come from fewer than 8 rounds (the
/// min and max, not a 95% interval); far from 1 in words ([`ratio_text`]).
pub fn speedup_with_interval(s: &Interval, rounds: Option<u64>) -> String {
    let range = match rounds {
        Some(n) if n >= MIN_VALUES_FOR_INTERVAL => "",
        _ => "range",
    };
    ratio_with_interval(Reading::Speedup, s, range, 2)
}

/// A fraction as a percentage: `88%`, `1.6%`.
pub fn percent(fraction: f64) -> String {
    let value = fraction * 100.0;
    if value.abs() < 10.0 {
        format!("{value:.1}%")
    } else {
        format!("{value:.0}%")
    }
}

/// A plain number for a chart axis: `0.5`, `12`, `1500`.
pub fn plain(x: f64) -> String {
    trim_zeros(&three_digits(x))
}

/// An optional value, or [`MISSING`].
pub fn or_missing<T>(value: Option<T>, show: impl Fn(T) -> String) -> String {
    value.map_or_else(|| MISSING.to_string(), show)
}

/// A GitHub-flavoured markdown table. Cells are escaped so that a `|`, a
/// line break or markup inside a value (from a hostile results file) cannot
/// break the table or inject HTML.
pub fn markdown_table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let line = |cells: &mut dyn Iterator<Item = String>| {
        let cells: Vec<String> = cells.collect();
        format!("| {} |\n", cells.join(" | "))
    };
    let mut out = line(&mut headers.iter().map(|h| markdown_cell(h)));
    out.push_str(&line(&mut headers.iter().map(|_| "---".to_string())));
    for row in rows {
        out.push_str(&line(&mut row.iter().map(|c| markdown_cell(c))));
    }
    out
}

fn markdown_cell(text: &str) -> String {
    markdown_text(text)
        .replace('\\', "\\\\")
        .replace('|', "\\|")
}

/// Text for markdown that shows as written: markup characters become HTML
/// entities (which markdown renders as the characters), line breaks spaces.
pub fn markdown_text(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace(['\n', '\r'], " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_pick_their_unit_and_keep_three_digits() {
        assert_eq!(duration_ns(0.912), "0.912 ns");
        assert_eq!(duration_ns(41.5), "41.5 ns");
        assert_eq!(duration_ns(12_345.0), "12.3 µs");
        assert_eq!(duration_ns(1_523_400.0), "1.52 ms");
        assert_eq!(duration_ns(250_000_000.0), "250 ms");
        assert_eq!(duration_ns(3.2e9), "3.20 s");
        let t = TimeNs {
            estimate: 12_345.0,
            lower: 12_100.0,
            upper: 12_600.0,
            median: 12_300.0,
        };
        assert_eq!(time_with_ci(&t), "12.3 µs (12.1–12.6 µs)");
    }

    #[test]
    fn bytes_counts_and_ratios_read_naturally() {
        assert_eq!(bytes(512), "512 B");
        assert_eq!(bytes(1536), "1.50 KiB");
        assert_eq!(bytes(64 << 20), "64.0 MiB");
        assert_eq!(count(1_000_000), "1,000,000");
        assert_eq!(count(999), "999");
        assert_eq!(counted(1, "figure", "figures"), "1 figure");
        assert_eq!(counted(0, "figure", "figures"), "0 figures");
        assert_eq!(
            (threads(1), copies(8)),
            ("1 thread".into(), "8 copies".into())
        );
        assert_eq!(times(3.5217), "3.52×");
        assert_eq!(percent(0.876), "88%");
        assert_eq!(percent(0.016), "1.6%");
        assert_eq!(items_per_s(2.5e9), "2.50 G/s");
        assert_eq!(items_per_s(12.0), "12.0/s");
        assert_eq!(or_missing(None::<f64>, times), MISSING);
        assert_eq!(duration_axis(2_000.0), "2 µs");
        assert_eq!(duration_axis(1_500_000.0), "1.5 ms");
        assert_eq!(plain(12.0), "12");
        assert_eq!(plain(0.25), "0.25");
        assert_eq!(bytes_unit(512), ("B", 1.0));
        assert_eq!(bytes_unit(3 << 20), ("MiB", 1048576.0));
        assert_eq!(
            (threads(1), threads(8), copies(1), copies(0)),
            (
                "1 thread".into(),
                "8 threads".into(),
                "1 copy".into(),
                "0 copies".into()
            )
        );
    }

    #[test]
    fn ratios_far_from_one_read_in_words_and_no_bound_reads_zero() {
        let i = |estimate, lower, upper| Interval {
            estimate,
            lower,
            upper,
        };
        // Near 1, as before.
        assert_eq!(
            speedup_with_interval(&i(1.96, 1.93, 2.0), Some(20)),
            "1.96× (1.93–2.00)"
        );
        assert_eq!(
            ratio_with_interval(Reading::Time, &i(1.0041, 0.97, 1.03), "95% interval", 3),
            "1.004× (95% interval 0.970–1.030)"
        );
        // The seed on a pool: a speedup of 0.000603.
        assert_eq!(
            speedup_with_interval(&i(0.000603, 0.000581, 0.000621), Some(20)),
            "1,660× slower (1,610–1,720× slower)"
        );
        assert_eq!(
            speedup_with_interval(&i(0.00203, 0.00199, 0.0021), Some(3)),
            "493× slower (range 476–503× slower)"
        );
        // A ratio of times far above 1 is slower, far below faster.
        assert_eq!(ratio(Reading::Time, 490.0), "490× slower");
        assert_eq!(ratio(Reading::Time, 0.04), "25.0× faster");
        assert_eq!(ratio(Reading::Speedup, 25.0), "25.0× faster");
        assert_eq!(ratio(Reading::Speedup, 0.0217), "46.1× slower");
        // Exactly 10 either way reads in words; no ratio reads as missing.
        assert_eq!(ratio(Reading::Speedup, 10.0), "10.0× faster");
        assert_eq!(ratio(Reading::Speedup, 0.1), "10.0× slower");
        assert_eq!(ratio(Reading::Speedup, 0.0), MISSING);
        assert_eq!(ratio(Reading::Time, f64::NAN), MISSING);
        // In a sentence against another.
        let against =
            |x| ratio_text(Reading::Time, &Interval::exact(x), 3).against("the time of b", "b");
        assert_eq!(against(1.121), "1.121× the time of b");
        assert_eq!(against(62.1), "62.1× slower than b");
        // An interval across 1 names each side.
        assert_eq!(
            ratio_text(Reading::Speedup, &i(0.05, 0.02, 1.5), 2).bounds,
            "1.50× faster to 50.0× slower"
        );
        // A bound near zero keeps its digits; a zero bound is infinitely slow.
        assert_eq!(
            ratio_text(Reading::Speedup, &i(0.5, 0.004, 0.9), 2).bounds,
            "0.00400–0.90"
        );
        assert_eq!(
            ratio_text(Reading::Speedup, &i(0.05, 0.0, 0.06), 2).bounds,
            "16.7–∞× slower"
        );
    }

    #[test]
    fn markdown_cells_cannot_break_the_table() {
        let table = markdown_table(
            &["name", "value"],
            &[vec!["a|b\nc<script>".to_string(), "1".to_string()]],
        );
        assert_eq!(
            table,
            "| name | value |\n| --- | --- |\n| a\\|b c&lt;script&gt; | 1 |\n"
        );
    }
}
