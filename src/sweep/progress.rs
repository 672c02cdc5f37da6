//! What a run prints as it goes: where it is, and how long it has left.

use std::time::{Duration, Instant};

/// Prints `[37/212] compute/closure/rayon/2 — 1m12s elapsed, ~4m left`:
/// the benchmark's place in the plan, and the time left if every planned
/// benchmark after it runs (a filtered run skips some, so it finishes sooner).
pub struct Progress {
    total: usize,
    done: usize,
    started: Instant,
}

impl Progress {
    pub fn new(total: usize) -> Progress {
        Progress {
            total,
            done: 0,
            started: Instant::now(),
        }
    }

    /// The line for the benchmark at `place` (1-based) in the plan.
    pub fn next(&mut self, place: usize, id: &str) -> String {
        self.next_at(place, id, self.started.elapsed())
    }

    /// [`Progress::next`] at a given time since the start.
    pub fn next_at(&mut self, place: usize, id: &str, elapsed: Duration) -> String {
        self.done += 1;
        let left = match self.done {
            1 => "estimating".to_string(),
            ran => {
                let per = elapsed.as_secs_f64() / (ran - 1) as f64;
                let remaining = self.total.saturating_sub(place) + 1;
                format!(
                    "~{} left",
                    human(Duration::from_secs_f64(per * remaining as f64))
                )
            }
        };
        format!(
            "[{place}/{}] {id} — {} elapsed, {left}",
            self.total,
            human(elapsed)
        )
    }
}

/// `1m12s`, `45s`, `1h02m`.
pub fn human(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m{:02}s", s / 60, s % 60),
        _ => format!("{}h{:02}m", s / 3600, (s % 3600) / 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_counts_and_estimates() {
        let mut p = Progress::new(5);
        let at = Duration::from_secs;
        assert_eq!(p.next_at(1, "a", at(0)), "[1/5] a — 0s elapsed, estimating");
        assert_eq!(
            p.next_at(2, "b", at(10)),
            "[2/5] b — 10s elapsed, ~40s left"
        );
        // A filter skipped the third: the estimate counts what is left of the plan.
        assert_eq!(
            p.next_at(4, "d", at(40)),
            "[4/5] d — 40s elapsed, ~40s left"
        );
        assert_eq!(human(Duration::from_secs(72)), "1m12s");
        assert_eq!(human(Duration::from_secs(3720)), "1h02m");
    }
}
