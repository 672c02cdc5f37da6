//! What the paired sampler leaves in an entry's record: its figures, its
//! comparisons with other variants (from its set's rounds, or head to head
//! where an answer needed it decided), and a leading backend's race with
//! the runner-up. Apart from `mod.rs`, which holds the file's other
//! records.

use serde::{Deserialize, Serialize};

use crate::paired::{Interval, Mode};

/// One variant's time over another's, paired: measured in the same rounds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    /// The other variant's id (same workload, backend and threads).
    pub with: String,
    /// This entry's time over the other's.
    pub time_ratio: Interval,
    /// Where the ratio comes from the two alone, head to head, over this
    /// many rounds: a comparison an answer quotes that its set left
    /// undecided ([`crate::sweep::Sweep::settle_comparisons`]). Absent: from
    /// the set's rounds with the sequential loop (and in older files).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub head_to_head_rounds: Option<u64>,
}

impl Comparison {
    /// The ratio `time_ratio` against variant `with`, from the set's rounds.
    pub fn of(with: impl Into<String>, time_ratio: Interval) -> Comparison {
        Comparison {
            with: with.into(),
            time_ratio,
            head_to_head_rounds: None,
        }
    }
}

/// One entry against the same variant at the same thread count on another
/// backend, the two timed in rounds of their own (no sequential loop
/// between them, so neither speedup's noise adds to their ratio): the
/// backend answers' leader against its runner-up, sampled until the ratio
/// is decided against [`crate::roles::BACKEND_MARGIN`] or the cap came.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HeadToHead {
    /// The other backend's id (same workload, variant and threads).
    pub with: String,
    /// This entry's time over the other's: the median of their per-round
    /// ratios, with its confidence sequence at 95%.
    pub time_ratio: Interval,
    /// Rounds behind it.
    pub rounds: u64,
}

/// What the paired sampler measured for one entry ([`crate::paired`]).
#[derive(Clone, Debug, PartialEq)]
pub struct PairedFigures {
    pub speedup: Interval,
    /// The speedup's two modes, where its rounds fell into two groups far
    /// apart ([`crate::paired::two_modes`]): its interval spans both.
    pub modes: Option<[Mode; 2]>,
    pub rounds: u64,
    /// Did sequential stopping settle the entry's figures: its speedup
    /// within the target half-width, and each of its comparisons decided
    /// against its margin (else the cap or the round limit stopped it
    /// first)? `None`: a fixed number of calls, not sequentially stopped
    /// (the intermittent regime, Python).
    pub target_reached: Option<bool>,
    pub wall_ns: f64,
    pub cpu_time_ns: Option<f64>,
    /// The cores kept busy beyond the speedup, round by round
    /// ([`crate::paired::Samples::cores_beyond_speedup`]).
    pub cores_beyond_speedup: Option<Interval>,
    pub compared: Vec<Comparison>,
    /// Where the entry's set was visited at more than one moment of the
    /// run: each visit's speedup and the minutes they span.
    pub visits: Option<Visits>,
}

/// An entry's paired rounds taken at several moments of the run (its set
/// visited again later, [`crate::sweep::Sweep::revisit`]): its figures
/// pool the visits, and their intervals take in the spread between them
/// ([`crate::paired::covering_visits`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Visits {
    /// The paired speedup at each visit, in order: the median of that
    /// visit's per-round ratios.
    pub speedups: Vec<f64>,
    /// Seconds from the first visit's first round to the last visit's
    /// last round: how long the figure was sampled over.
    pub span_s: f64,
}

impl Visits {
    /// How far the visits' speedups lie apart: the largest over the
    /// smallest, less 1 (0 for one visit).
    pub fn spread(&self) -> f64 {
        let (lo, hi) = (self.speedups.iter()).fold((f64::INFINITY, 0.0f64), |(lo, hi), &s| {
            (lo.min(s), hi.max(s))
        });
        match lo > 0.0 && lo.is_finite() {
            true => hi / lo - 1.0,
            false => 0.0,
        }
    }
}
