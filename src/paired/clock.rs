//! Where the sampler reads the time. In a run, the monotonic clock; in the
//! coverage test (`coverage.rs`), a synthetic clock that the calls
//! themselves advance, so the real sampler's code (its batches, its
//! discarded calls, its looks, caps and stopping) can be driven with
//! per-round ratios of known distributions, thousands of times a second.

use std::time::{Duration, Instant};

/// A clock the sampler reads: the time since some fixed start.
pub(crate) trait Clock {
    fn now(&self) -> Duration;
}

/// The monotonic clock ([`Instant`]), from when the sampling started.
pub(crate) struct MonotonicClock(Instant);

impl MonotonicClock {
    pub(crate) fn start() -> MonotonicClock {
        MonotonicClock(Instant::now())
    }
}

impl Clock for MonotonicClock {
    fn now(&self) -> Duration {
        self.0.elapsed()
    }
}
