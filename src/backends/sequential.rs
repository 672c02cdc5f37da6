//! sequential: no threads; the whole range is one chunk on the calling thread.
//!
//! The plain loop, as a backend: rayon-demo's `Joiner` for sequential code.
//! A variant run here is the same code as on any other backend, with no
//! scheduler in the way, so the sequential loop is not a special case
//! anywhere: it is one more entry of [`super::BACKENDS`], limited to one
//! thread. The speedup baseline (the `sequential` variant) runs here.

use std::ops::Range;

use anyhow::Result;

use super::{Backend, Executor, HandWritten, WithHandWritten, catch_panic, check_output};
use crate::schedule::{Chunk, RunStats, Scheduler, Task};
use crate::workload::Constants;

pub struct Sequential;

impl Backend for Sequential {
    fn id(&self) -> &'static str {
        "sequential"
    }
    fn about(&self) -> &'static str {
        "no threads: every item in one chunk, in order, on the calling thread"
    }
    fn max_threads(&self) -> usize {
        1
    }
    fn executor(&self, threads: usize) -> Result<Box<dyn Executor>> {
        super::check_threads_on(self, threads)?;
        Ok(Box::new(CallingThread))
    }
    fn with_hand_written(&self, threads: usize) -> Option<WithHandWritten> {
        super::beside(self.executor(threads), HandWritten::Loop)
    }
}

/// The plain map by hand: the loop itself, written out at the call as a
/// user writes it. Not [`Constants::oracle_into`], the same loop behind a
/// call: measured on the seed, calling it made the hand-written side about
/// 4% slower (parbench's ratio 1.49 instead of 1.54-1.56 in one window),
/// which would flatter the harness.
pub(super) fn hand_written_map(consts: &Constants, out: &mut [u64]) {
    for (slot, i) in out.iter_mut().zip(0..) {
        *slot = consts.item(i);
    }
}

/// The sequential backend's scheduler: the task runs on the calling thread,
/// and a panic in it comes back as an error, as [`Scheduler`] promises.
struct CallingThread;

// SAFETY: one chunk, all the items, on the calling thread.
unsafe impl Scheduler for CallingThread {
    fn threads(&self) -> usize {
        1
    }

    fn is_calling_thread(&self) -> bool {
        true
    }

    fn run(&self, items: Range<usize>, out: &mut [u64], task: &Task<'_>) -> Result<RunStats> {
        one_chunk(items, out, |chunk| {
            catch_panic("sequential", || task(0, chunk))
        })
    }
}

/// [`CallingThread`] for the timed call only
/// ([`crate::matrix::Target::CallingThread`]): the same loop, with no
/// `catch_unwind` per call. On the seed's 20 items (about 12 ns by hand)
/// the catch per call cost about 2 ns: parbench's harness overhead of the
/// sequential loop read 1.44x with it and 1.25x without (two runs each, same
/// build otherwise). A panic of a timed call is caught around the whole
/// timing loop instead ([`crate::paired::sample`]; in criterion's loop it
/// ends the bench, as an error there did), and the untimed check of every
/// call, the same compiled code, catches it per call
/// ([`crate::matrix::Prepared::run`]).
pub struct CallingThreadUncaught;

// SAFETY: as `CallingThread`'s: one chunk of all the items.
unsafe impl Scheduler for CallingThreadUncaught {
    fn threads(&self) -> usize {
        1
    }

    #[inline]
    fn run(&self, items: Range<usize>, out: &mut [u64], task: &Task<'_>) -> Result<RunStats> {
        one_chunk(items, out, |chunk| {
            task(0, chunk);
            Ok(())
        })
    }
}

/// Runs `items` as one chunk (none for no items: no chunk list to
/// allocate) with `run`.
#[inline]
fn one_chunk(
    items: Range<usize>,
    out: &mut [u64],
    run: impl FnOnce(Chunk<'_>) -> Result<()>,
) -> Result<RunStats> {
    check_output(&items, out)?;
    let chunks = usize::from(!items.is_empty());
    if chunks == 1 {
        run(Chunk { items, out })?;
    }
    Ok(RunStats::new(chunks, chunks))
}
