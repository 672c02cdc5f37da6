//! The intermittent regime's sampler: each call follows the caller's own
//! work, as a program calls a parallel section now and then between
//! sequential ones, and is paired with that work's time per call (the
//! sequential loop, run just before) and with the same call made again
//! right after it, back to back (the steady call of the same moment).
//! Nothing is discarded: the first call after the caller's work is the
//! point.
//!
//! It samples until each member's mean call against its steady call is
//! decided against the question's margin ([`IntermittentSampling::margin`]),
//! or its cap: the intervals are confidence sequences
//! ([`super::confidence`]), which hold however the sampling stopped.
//! Pairing each call with a steady one a moment later keeps a host that
//! drifts over the seconds of a group out of the ratio: two blocks, one
//! of each kind after the other, read ratios of 0.90 (calls after the
//! caller's work faster than back to back, which that work cannot cause)
//! in a default run of 2026-12-07.

use std::time::Duration;

use anyhow::Result;

use super::confidence::{mean_ratio_sequence, median_sequence};
use super::{Clock, Interval, MonotonicClock, Outcome, caught, mean, median_of, next_look};

/// What the intermittent regime measured of one group: per member, each
/// call made after the caller's own work, and that work's time.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct IntermittentSamples {
    /// Per member, per call: the sequential loop's time per call during the
    /// caller's work just before it (ns): the reference of that call.
    pub reference_ns: Vec<Vec<f64>>,
    /// Per member: the time of each call (ns).
    pub call_ns: Vec<Vec<f64>>,
    /// Per member: the process CPU time of each call (ns); empty without
    /// the clock.
    pub cpu_ns: Vec<Vec<f64>>,
    /// Per member, per call: how long the caller worked before it (ns).
    pub caller_work_ns: Vec<Vec<f64>>,
    /// Per member, per call: the same member's next call, made right after
    /// it, back to back (ns): the steady call it is paired with.
    pub steady_ns: Vec<Vec<f64>>,
}

impl IntermittentSamples {
    /// How many times faster than the sequential loop each call of
    /// `member` was, against the loop's time in the work right before it.
    pub fn speedup(&self, member: usize) -> Interval {
        let mut ratios: Vec<f64> = self.reference_ns[member]
            .iter()
            .zip(&self.call_ns[member])
            .map(|(r, c)| r / c)
            .collect();
        median_sequence(&mut ratios)
    }

    /// The mean call of `member` over its mean steady call, paired by
    /// round, with its confidence sequence ([`mean_ratio_sequence`]): what
    /// a program pays for calling now and then, against calling back to
    /// back.
    pub fn mean_ratio(&self, member: usize) -> Interval {
        mean_ratio_sequence(&self.call_ns[member], &self.steady_ns[member])
    }

    /// The median call of `member`, with its interval.
    pub fn median_call(&self, member: usize) -> Interval {
        median_of(&self.call_ns[member])
    }

    /// The median time the caller worked before a call of `member`.
    pub fn median_caller_work(&self, member: usize) -> f64 {
        median_of(&self.caller_work_ns[member]).estimate
    }

    /// The mean process CPU time per call of `member`, where the platform
    /// has the clock.
    pub fn cpu_per_call_ns(&self, member: usize) -> Option<f64> {
        let cpu = &self.cpu_ns[member];
        (!cpu.is_empty()).then(|| mean(cpu))
    }
}

/// How long the intermittent sampler samples a group
/// ([`sample_intermittent`]); the profiles fill it in
/// (`Profile::intermittent_sampling`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct IntermittentSampling {
    /// Rounds before the first look, and at least: the mean ratio's
    /// sequence rests on a central limit argument, checked from here on
    /// by the coverage test.
    pub min_calls: usize,
    /// At most this many rounds.
    pub max_calls: usize,
    /// Rounds stop once this much time has passed (after `min_calls`),
    /// decided or not.
    pub cap: Duration,
    /// The caller's work before each call, at least (once at least).
    pub caller_work: Duration,
    /// A member whose mean call against its steady call is decided
    /// against this margin ([`Outcome::of`]) is sampled no more: the
    /// intermittent question's (`crate::roles::INTERMITTENT_LOSS`).
    pub margin: f64,
}

impl IntermittentSampling {
    /// One call each, after the caller's work: criterion's test mode,
    /// which checks that every call runs and measures nothing.
    pub fn once(caller_work: Duration, margin: f64) -> IntermittentSampling {
        IntermittentSampling {
            min_calls: 1,
            max_calls: 1,
            cap: Duration::ZERO,
            caller_work,
            margin,
        }
    }
}

/// Is `member` still open: its mean call against its steady call not yet
/// decided against `margin`?
pub(super) fn still_open(samples: &IntermittentSamples, member: usize, margin: f64) -> bool {
    !Outcome::of(&samples.mean_ratio(member), margin).is_decided()
}

/// Samples `members` members in the intermittent regime, in rounds, each
/// of which visits every member still open in turn. `call(0)` is the
/// calling thread's own work (the sequential loop of the same workload),
/// `call(i)` one call of member `i - 1`. Before each timed call of a
/// member, the caller's work runs back to back until at least
/// `sampling.caller_work` has passed (once at least), timed as a whole.
/// That work is what a program does between its parallel sections, and
/// its time per call is the reference of the call right after it, so each
/// speedup pairs two measurements taken a moment apart. The member's next
/// call, right after, is its steady call of that round. From `min_calls`
/// rounds on, at each look, a member whose mean ratio is decided is sampled
/// no more; sampling ends when none is open, at the cap, or at `max_calls`.
/// An error or a panic of any call is returned.
pub fn sample_intermittent(
    members: usize,
    sampling: &IntermittentSampling,
    call: impl FnMut(usize) -> Result<()>,
) -> Result<IntermittentSamples> {
    let clock = MonotonicClock::start();
    caught(|| intermittent_rounds(members, sampling, &clock, call))
}

/// [`sample_intermittent`], with no catch around it, on `clock` (the
/// monotonic clock; a synthetic one in the tests).
pub(super) fn intermittent_rounds(
    members: usize,
    sampling: &IntermittentSampling,
    clock: &impl Clock,
    mut call: impl FnMut(usize) -> Result<()>,
) -> Result<IntermittentSamples> {
    let mut samples = IntermittentSamples {
        reference_ns: vec![Vec::new(); members],
        call_ns: vec![Vec::new(); members],
        cpu_ns: vec![Vec::new(); members],
        caller_work_ns: vec![Vec::new(); members],
        steady_ns: vec![Vec::new(); members],
    };
    let mut open = vec![true; members];
    // Looks at `min_calls` rounds, then a quarter more each time.
    let mut look = sampling.min_calls;
    let started = clock.now();
    for round in 0..sampling.max_calls.max(1) {
        if round >= sampling.min_calls {
            if clock.now() - started >= sampling.cap {
                break;
            }
            if round >= look {
                look = next_look(round);
                for (member, open) in open.iter_mut().enumerate() {
                    *open = still_open(&samples, member, sampling.margin);
                }
                if !open.contains(&true) {
                    break;
                }
            }
        }
        for member in (0..members).filter(|&m| open[m]) {
            let worked = clock.now();
            let mut references = 0u32;
            while references == 0 || clock.now() - worked < sampling.caller_work {
                call(0)?;
                references += 1;
            }
            let worked = clock.now() - worked;
            let cpu_before = clock.cpu_time();
            let started = clock.now();
            call(member + 1)?;
            let took = clock.now() - started;
            if let Some(cpu) = cpu_before.zip(clock.cpu_time()).map(|(b, a)| a - b) {
                samples.cpu_ns[member].push(cpu.as_nanos() as f64);
            }
            // The steady call of this round: the next one, back to back.
            let steady = clock.now();
            call(member + 1)?;
            samples.steady_ns[member].push((clock.now() - steady).as_nanos() as f64);
            samples.call_ns[member].push(took.as_nanos() as f64);
            samples.reference_ns[member].push(worked.as_nanos() as f64 / f64::from(references));
            samples.caller_work_ns[member].push(worked.as_nanos() as f64);
        }
    }
    Ok(samples)
}
