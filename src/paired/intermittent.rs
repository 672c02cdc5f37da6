//! The intermittent regime's sampler: each call follows the caller's own
//! work, as a program calls a parallel section now and then between
//! sequential ones, and is paired with that work's time per call (the
//! sequential loop, run just before). Nothing is discarded: the first call
//! after the caller's work is the point. The calls are a number fixed in
//! advance, so their intervals are fixed-sample ones ([`median_interval`]).

use std::time::{Duration, Instant};

use anyhow::Result;

use super::{Interval, caught, mean, median_interval, median_of, process_cpu_time};

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
        median_interval(&mut ratios)
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

/// Samples `members` members in the intermittent regime: `calls` rounds,
/// each of which visits every member in turn. `call(0)` is the calling
/// thread's own work (the sequential loop of the same workload), `call(i)`
/// one call of member `i - 1`. Before each timed call of a member, the
/// caller's work runs back to back until at least `caller_work` has passed
/// (once at least), timed as a whole. That work is what a program does
/// between its parallel sections, and its time per call is the reference of
/// the call right after it, so each speedup pairs two measurements taken a
/// moment apart. Nothing is discarded: the first call after the caller's
/// work is the point. An error or a panic of any call is returned.
pub fn sample_intermittent(
    members: usize,
    calls: usize,
    caller_work: Duration,
    call: impl FnMut(usize) -> Result<()>,
) -> Result<IntermittentSamples> {
    caught(|| intermittent_rounds(members, calls, caller_work, call))
}

/// [`sample_intermittent`], with no catch around it.
fn intermittent_rounds(
    members: usize,
    calls: usize,
    caller_work: Duration,
    mut call: impl FnMut(usize) -> Result<()>,
) -> Result<IntermittentSamples> {
    let mut samples = IntermittentSamples {
        reference_ns: vec![Vec::with_capacity(calls); members],
        call_ns: vec![Vec::with_capacity(calls); members],
        cpu_ns: vec![Vec::with_capacity(calls); members],
        caller_work_ns: vec![Vec::with_capacity(calls); members],
    };
    for _ in 0..calls {
        for member in 0..members {
            let worked = Instant::now();
            let mut references = 0u32;
            while references == 0 || worked.elapsed() < caller_work {
                call(0)?;
                references += 1;
            }
            let worked = worked.elapsed();
            let cpu_before = process_cpu_time();
            let started = Instant::now();
            call(member + 1)?;
            let took = started.elapsed();
            if let Some(cpu) = cpu_before.zip(process_cpu_time()).map(|(b, a)| a - b) {
                samples.cpu_ns[member].push(cpu.as_nanos() as f64);
            }
            samples.call_ns[member].push(took.as_nanos() as f64);
            samples.reference_ns[member].push(worked.as_nanos() as f64 / f64::from(references));
            samples.caller_work_ns[member].push(worked.as_nanos() as f64);
        }
    }
    Ok(samples)
}
