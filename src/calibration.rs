//! The host's speed, measured at the start and the end of every run.
//!
//! A 2-vCPU virtual machine's host drifts: the same command runs 5-40%
//! slower from one run to the next, and sometimes during one. Ratios are
//! protected by pairing ([`crate::paired`]); absolute times are not. So each
//! run records a [`Calibration`] at both ends: the single-thread spin rate
//! (the ALU), the memory copy bandwidth, and the sequential loop's time on
//! each workload it measures. The report flags a run whose host moved by
//! more than [`DRIFT_THRESHOLD`] during it, and one whose host differs from
//! the previous run of the same machine label.

use std::collections::BTreeMap;
use std::hint::black_box;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

/// A move of the host's speed larger than this is reported.
pub const DRIFT_THRESHOLD: f64 = 0.03;

/// The bytes copied per sample of the copy bandwidth: past every cache.
const COPY_BYTES: usize = 64 << 20;

/// The host's speed at one moment.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Calibration {
    /// UTC, RFC 3339.
    pub measured_at: String,
    /// Iterations per second of the single-thread spin loop.
    pub spin_per_s: f64,
    /// Bytes per second of a 64 MiB memory copy (median of 5).
    pub copy_bytes_per_s: f64,
    /// The sequential loop's time per call on each workload (ns).
    #[serde(default)]
    pub sequential_ns: BTreeMap<String, f64>,
}

/// A run's calibrations; `end` is missing while the run is in progress or
/// after it was interrupted.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunCalibration {
    pub start: Calibration,
    #[serde(default)]
    pub end: Option<Calibration>,
}

impl RunCalibration {
    /// The latest measurement of the host in this run.
    pub fn latest(&self) -> &Calibration {
        self.end.as_ref().unwrap_or(&self.start)
    }
}

/// How one figure of the host moved between two calibrations.
#[derive(Clone, Debug, PartialEq)]
pub struct Change {
    /// `spin rate`, `copy bandwidth`, `sequential time on compute`.
    pub what: String,
    /// The unit of `from` and `to`: `per s` (a rate) or `ns` (a time).
    pub unit: &'static str,
    pub from: f64,
    pub to: f64,
    /// How much slower the host became (negative: faster), as a fraction.
    pub slower_by: f64,
}

impl Change {
    /// `slowed by 12% (spin rate 1.230e9 → 1.080e9 per s)`.
    pub fn describe(&self) -> String {
        let direction = if self.slower_by >= 0.0 {
            "slowed"
        } else {
            "sped up"
        };
        format!(
            "{direction} by {:.0}% ({} {:.3e} → {:.3e} {})",
            self.slower_by.abs() * 100.0,
            self.what,
            self.from,
            self.to,
            self.unit
        )
    }
}

impl Calibration {
    /// Measures the spin rate and the copy bandwidth now (about 0.3 s);
    /// the caller adds the sequential times.
    pub fn host() -> Calibration {
        Calibration {
            measured_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            spin_per_s: spin_rate(1, Duration::from_millis(200)),
            copy_bytes_per_s: copy_bandwidth(),
            sequential_ns: BTreeMap::new(),
        }
    }

    /// Every figure both calibrations have, and how it moved from `self`
    /// to `later`.
    pub fn changes_to(&self, later: &Calibration) -> Vec<Change> {
        let rate = |what: &str, from: f64, to: f64| Change {
            what: what.to_string(),
            unit: "per s",
            from,
            to,
            slower_by: from / to - 1.0,
        };
        let mut changes = vec![
            rate("spin rate", self.spin_per_s, later.spin_per_s),
            rate(
                "copy bandwidth",
                self.copy_bytes_per_s,
                later.copy_bytes_per_s,
            ),
        ];
        for (workload, &from) in &self.sequential_ns {
            if let Some(&to) = later.sequential_ns.get(workload) {
                changes.push(Change {
                    what: format!("sequential time on {workload}"),
                    unit: "ns",
                    from,
                    to,
                    slower_by: to / from - 1.0,
                });
            }
        }
        changes.retain(|c| c.slower_by.is_finite());
        changes
    }

    /// The largest move from `self` to `later`, if it exceeds
    /// [`DRIFT_THRESHOLD`].
    pub fn drift_to(&self, later: &Calibration) -> Option<Change> {
        self.changes_to(later)
            .into_iter()
            .filter(|c| c.slower_by.abs() > DRIFT_THRESHOLD)
            .max_by(|a, b| a.slower_by.abs().total_cmp(&b.slower_by.abs()))
    }
}

/// The median rate of five 64 MiB copies between buffers touched before
/// timing (their allocation and first touch are not timed).
fn copy_bandwidth() -> f64 {
    let source = vec![1u8; COPY_BYTES];
    // Written once before timing: a zeroed allocation is mapped lazily.
    let mut target = vec![2u8; COPY_BYTES];
    let mut rates: Vec<f64> = (0..5)
        .map(|_| {
            let started = Instant::now();
            target.copy_from_slice(std::hint::black_box(&source));
            std::hint::black_box(&mut target);
            COPY_BYTES as f64 / started.elapsed().as_secs_f64()
        })
        .collect();
    crate::paired::median_interval(&mut rates).estimate
}

/// Spins a dependent ALU chain (the host's speed here, and the machine's
/// ceiling in [`crate::machine`]) until `stop`; returns the iterations done.
fn spin(stop: &AtomicBool) -> u64 {
    let mut x = black_box(0x1234_5678_u64);
    let mut iterations = 0u64;
    while !stop.load(Ordering::Relaxed) {
        for _ in 0..1024 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
        }
        iterations += 1024;
    }
    black_box(x);
    iterations
}

/// Total spin iterations per second on `threads` threads during `window`.
pub fn spin_rate(threads: usize, window: Duration) -> f64 {
    let stop = AtomicBool::new(false);
    let start = Instant::now();
    let total: u64 = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads).map(|_| scope.spawn(|| spin(&stop))).collect();
        std::thread::sleep(window);
        stop.store(true, Ordering::Relaxed);
        handles.into_iter().map(|h| h.join().unwrap_or(0)).sum()
    });
    total as f64 / start.elapsed().as_secs_f64()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn calibration(spin: f64, compute_ns: f64) -> Calibration {
        Calibration {
            measured_at: "2026-11-26T00:00:00Z".into(),
            spin_per_s: spin,
            copy_bytes_per_s: 1e10,
            sequential_ns: BTreeMap::from([("compute".to_string(), compute_ns)]),
        }
    }

    #[test]
    fn drift_names_the_largest_move_beyond_the_threshold() {
        let start = calibration(1e9, 10e6);
        assert_eq!(start.drift_to(&calibration(0.99e9, 10.1e6)), None);
        let drift = start.drift_to(&calibration(0.98e9, 11.2e6)).unwrap();
        assert_eq!(drift.what, "sequential time on compute");
        assert!((drift.slower_by - 0.12).abs() < 1e-9);
        assert!(
            drift
                .describe()
                .starts_with("slowed by 12% (sequential time on compute")
        );
        let faster = start.drift_to(&calibration(1.25e9, 10e6)).unwrap();
        assert!((faster.slower_by + 0.2).abs() < 1e-9);
        assert!(
            faster.describe().starts_with("sped up by 20% (spin rate"),
            "{}",
            faster.describe()
        );
    }

    #[test]
    fn host_calibration_is_positive() {
        let c = Calibration::host();
        assert!(c.spin_per_s > 0.0 && c.copy_bytes_per_s > 0.0);
    }
}
