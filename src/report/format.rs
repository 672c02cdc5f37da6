//! How numbers and tables are written as text, everywhere in the report.
//!
//! The page, the chart axes, the findings sentences, `summary.md` and the
//! markdown export all print times, bytes and ratios; writing them in one
//! place keeps a figure in a sentence identical to the same figure in a
//! table (and lets the tests find it). Three significant digits: enough to
//! tell apart what the confidence intervals can tell apart.

use crate::paired::Interval;
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

/// A thread count with its noun: `1 thread`, `8 threads`.
pub fn threads(n: u64) -> String {
    if n == 1 {
        "1 thread".to_string()
    } else {
        format!("{n} threads")
    }
}

/// A copy count with its noun: `1 copy`, `8 copies`.
pub fn copies(n: u64) -> String {
    if n == 1 {
        "1 copy".to_string()
    } else {
        format!("{n} copies")
    }
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

/// A paired speedup with its 95% interval, `1.96× (1.93–2.00)`, or with
/// `range` before its bounds when they come from fewer than 8 rounds (the
/// min and max, not a 95% interval).
pub fn speedup_with_interval(s: &Interval, rounds: Option<u64>) -> String {
    let range = match rounds {
        Some(n) if n >= super::findings::MIN_VALUES_FOR_INTERVAL => "",
        _ => "range ",
    };
    format!(
        "{} ({range}{:.2}–{:.2})",
        times(s.estimate),
        s.lower,
        s.upper
    )
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
