//! How numbers and tables are written as text, everywhere in the report.
//!
//! The page, the chart axes, the findings sentences, `summary.md` and the
//! markdown export all print times, bytes and ratios; writing them in one
//! place keeps a figure in a sentence identical to the same figure in a
//! table (and lets the tests find it). Three significant digits: enough to
//! tell apart what the confidence intervals can tell apart.

use crate::results::TimeNs;

/// Shown where a value is missing (not measured, or rejected on load).
pub const MISSING: &str = "–";

/// `x` with three significant digits (more before the point if it needs them).
fn three_digits(x: f64) -> String {
    let magnitude = if x == 0.0 { 0 } else { x.abs().log10().floor() as i32 };
    let decimals = (2 - magnitude).clamp(0, 3) as usize;
    format!("{x:.decimals$}")
}

/// A duration in nanoseconds, in the unit that reads best: `12.3 µs`.
pub fn duration_ns(ns: f64) -> String {
    let (value, unit) = match ns.abs() {
        x if x < 1e3 => (ns, "ns"),
        x if x < 1e6 => (ns / 1e3, "µs"),
        x if x < 1e9 => (ns / 1e6, "ms"),
        _ => (ns / 1e9, "s"),
    };
    format!("{} {unit}", three_digits(value))
}

/// The estimate and its 95% confidence interval: `12.3 µs (12.1–12.6 µs)`.
pub fn time_with_ci(t: &TimeNs) -> String {
    format!("{} ({}–{})", duration_ns(t.estimate), duration_ns(t.lower), duration_ns(t.upper))
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

/// [`bytes`] for a chart axis, whose values are `f64`.
pub fn bytes_axis(x: f64) -> String {
    bytes(x.max(0.0).round() as u64)
}

/// A count with thousands separators: `1,000,000`.
pub fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(d);
    }
    out
}

/// A throughput: `1.23 G items/s`.
pub fn items_per_s(rate: f64) -> String {
    let (value, prefix) = match rate {
        x if x < 1e3 => (rate, ""),
        x if x < 1e6 => (rate / 1e3, "k "),
        x if x < 1e9 => (rate / 1e6, "M "),
        _ => (rate / 1e9, "G "),
    };
    format!("{} {prefix}items/s", three_digits(value))
}

/// A ratio such as a speedup: `3.52×`.
pub fn times(x: f64) -> String {
    format!("{}×", three_digits(x))
}

/// A fraction as a percentage: `88%`.
pub fn percent(fraction: f64) -> String {
    format!("{:.0}%", fraction * 100.0)
}

/// A plain number for a chart axis: `0.5`, `12`, `1500`.
pub fn plain(x: f64) -> String {
    if x.fract() == 0.0 { format!("{x:.0}") } else { three_digits(x) }
}

/// An optional value, or [`MISSING`].
pub fn or_missing<T>(value: Option<T>, show: impl Fn(T) -> String) -> String {
    value.map_or_else(|| MISSING.to_string(), show)
}

/// A GitHub-flavoured markdown table. Cells are escaped so that a `|` or a
/// line break inside a value (from a hostile results file) cannot break the
/// table.
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
    text.replace('\\', "\\\\").replace('|', "\\|").replace(['\n', '\r'], " ")
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
        let t = TimeNs { estimate: 12_345.0, lower: 12_100.0, upper: 12_600.0, median: 12_300.0 };
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
        assert_eq!(items_per_s(2.5e9), "2.50 G items/s");
        assert_eq!(or_missing(None::<f64>, times), MISSING);
    }

    #[test]
    fn markdown_cells_cannot_break_the_table() {
        let table = markdown_table(&["name", "value"], &[vec!["a|b\nc".to_string(), "1".to_string()]]);
        assert_eq!(table, "| name | value |\n| --- | --- |\n| a\\|b c | 1 |\n");
    }
}
