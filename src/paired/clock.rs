//! Where the sampler reads the time, and the process CPU time. In a run,
//! the monotonic clock and the process CPU clock; in the tests (the
//! coverage test, `coverage.rs`; the order's, `order.rs`; the slow
//! members', `sweep::pairing`), a synthetic clock that the calls
//! themselves advance, so the real sampler's code (its batches, its
//! discarded calls, its looks, caps and stopping) can be driven with
//! per-round ratios of known distributions, thousands of times a second.
//! The synthetic clock reads no CPU time: the process CPU clock is a system
//! call (`CLOCK_PROCESS_CPUTIME_ID` sums every thread's time in the
//! kernel), and read around every batch it took most of the coverage
//! tests' time (a debug build, 2026-12-07: 17 to 20 s of wall time, 14 to
//! 16 s of CPU in the kernel; 7 s without it).

#[cfg(test)]
use std::cell::Cell;
use std::time::{Duration, Instant};

/// A clock the sampler reads: the time since some fixed start, and the
/// CPU time the process has used.
pub(crate) trait Clock {
    fn now(&self) -> Duration;
    /// The CPU time this process has used so far, every thread; `None`
    /// where there is no such clock (the "cores busy" figures then read
    /// unknown).
    fn cpu_time(&self) -> Option<Duration>;
}

/// The monotonic clock ([`Instant`]), from when the sampling started, and
/// the process CPU clock ([`crate::platform::process_cpu_time`]).
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
    fn cpu_time(&self) -> Option<Duration> {
        crate::platform::process_cpu_time()
    }
}

/// A clock the calls advance by the time they are said to take, with no
/// CPU clock (tests).
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
    fn cpu_time(&self) -> Option<Duration> {
        None
    }
}
