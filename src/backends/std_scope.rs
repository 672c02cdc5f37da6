//! `std::thread::scope`: one static contiguous block per thread, threads spawned per call.
//!
//! The plainest parallelism the standard library offers: cut the items into
//! one contiguous block per thread, spawn a scoped thread for each, join. No
//! pool to keep, so every call pays for spawning; no rebalancing, so uneven
//! work leaves threads idle.

use std::ops::Range;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Mutex, PoisonError};

use anyhow::{Context, Result, bail};

use crate::workload::Constants;

use super::{
    Backend, Executor, HandWritten, WithHandWritten, catch_panic, even_chunks, panic_message,
};
use crate::schedule::{RunStats, Scheduler, Task};

pub struct StdScope;

impl Backend for StdScope {
    fn id(&self) -> &'static str {
        "std_scope"
    }
    fn about(&self) -> &'static str {
        "std::thread::scope: one static contiguous block per thread, threads spawned per call"
    }
    fn executor(&self, threads: usize) -> Result<Box<dyn Executor>> {
        super::check_threads_on(self, threads)?;
        Ok(Box::new(StdScopeExecutor { threads }))
    }
    fn with_hand_written(&self, threads: usize) -> Option<WithHandWritten> {
        super::beside(self.executor(threads), HandWritten::StdScope { threads })
    }
}

/// The plain map by hand: one contiguous block of the output per scoped
/// thread, sizes within one item of each other.
pub(super) fn hand_written_map(threads: usize, consts: &Constants, out: &mut [u64]) {
    let n = out.len();
    let parts = threads.min(n);
    std::thread::scope(|scope| {
        let (mut rest, mut start) = (out, 0);
        for part in 0..parts {
            let len = n / parts + usize::from(part < n % parts);
            let (block, tail) = std::mem::take(&mut rest).split_at_mut(len);
            rest = tail;
            scope.spawn(move || consts.oracle_range_into(start, block));
            start += len;
        }
    });
}

struct StdScopeExecutor {
    threads: usize,
}

// SAFETY: `even_chunks` cuts the range into disjoint blocks, one per scoped
// thread.
unsafe impl Scheduler for StdScopeExecutor {
    fn threads(&self) -> usize {
        self.threads
    }

    fn run(&self, items: Range<usize>, out: &mut [u64], task: &Task<'_>) -> Result<RunStats> {
        // One block per thread; with fewer items than threads, only as many
        // threads as there are blocks are spawned.
        let blocks = even_chunks(items, self.threads, out)?;
        let stats = RunStats::new(blocks.len(), blocks.len());
        // Each thread catches its own panic and keeps the message; the
        // scope then waits for the blocks, as a user's `scope.spawn` does.
        // Joining every handle instead (to get the panic back) made the
        // seed's call 1.24-1.37x the hand-written one, where this is
        // 1.00-1.03x (issue 23, measured alternately in one sitting). One
        // possible cause, not measured: a join waits for its thread to
        // exit, the scope only for each closure to return. The threads
        // then end on their own, so a thread's last frees may come after
        // the call: std_scope's allocation counts lost the 16-byte list of
        // handles, and one of 110 entries of a default run moved by a few
        // hundred bytes.
        let panics: Mutex<Vec<String>> = Mutex::new(Vec::new());
        // The outer catch is for a panic that escapes a thread's own (one
        // raised while dropping a panic's payload): still an error, never
        // an unwind out of the call.
        catch_panic("std_scope", || {
            std::thread::scope(|scope| -> Result<()> {
                for (worker, block) in blocks.into_iter().enumerate() {
                    let panics = &panics;
                    // Unnamed, like crossbeam's threads (see there).
                    std::thread::Builder::new()
                        .spawn_scoped(scope, move || {
                            let ran = catch_unwind(AssertUnwindSafe(|| task(worker, block)));
                            if let Err(payload) = ran {
                                panics
                                    .lock()
                                    .unwrap_or_else(PoisonError::into_inner)
                                    .push(panic_message(&*payload));
                            }
                        })
                        .with_context(|| format!("cannot spawn thread {worker}"))?;
                }
                Ok(())
            })
        })??;
        let panics = panics.into_inner().unwrap_or_else(PoisonError::into_inner);
        if !panics.is_empty() {
            bail!(
                "a work item panicked on backend std_scope: {}",
                panics.join("; ")
            );
        }
        Ok(stats)
    }
}
