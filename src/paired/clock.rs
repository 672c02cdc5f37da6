//! Where the sampler reads the time. In a run, the monotonic clock; in the
//! tests (the coverage test, `coverage.rs`; the order's, `order.rs`; the
//! slow members', `sweep::pairing`), a synthetic clock that the calls
//! themselves advance, so the real sampler's code (its batches, its
//! discarded calls, its looks, caps and stopping) can be driven with
//! per-round ratios of known distributions, thousands of times a second.

#[cfg(test)]
use std::cell::Cell;
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

/// A clock the calls advance by the time they are said to take (tests).
#[cfg(test)]
pub(crate) struct SyntheticClock(pub(crate) Cell<Duration>);

#[cfg(test)]
impl SyntheticClock {
    pub(crate) fn start() -> SyntheticClock {
        SyntheticClock(Cell::new(Duration::ZERO))
    }

    /// A call took `took`.
    pub(crate) fn advance(&self, took: Duration) {
        self.0.set(self.0.get() + took);
    }
}

#[cfg(test)]
impl Clock for SyntheticClock {
    fn now(&self) -> Duration {
        self.0.get()
    }
}
