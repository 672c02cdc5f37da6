//! crossbeam: scoped threads pulling chunks from a channel work queue.
//!
//! The analogue of `multiprocessing.Pool.map` with its default chunksize: the
//! chunks go into a crossbeam-channel queue and each thread takes the next
//! one when it is done, so uneven work balances itself (dynamic scheduling).
//! Threads are scoped, so they and the queue are made per call, like
//! `std_scope`'s threads: that is part of what this backend costs.

use std::ops::Range;

use anyhow::{Context, Result};

use crate::workload::Constants;

use super::{
    Backend, Executor, HandWritten, WithHandWritten, WorkersUsed, catch_panic, check_output,
    each_fixed_chunk, panic_message, pool_map_chunk_len,
};
use crate::schedule::{RunStats, Scheduler, Task};

pub struct Crossbeam;

impl Backend for Crossbeam {
    fn id(&self) -> &'static str {
        "crossbeam"
    }
    fn about(&self) -> &'static str {
        "crossbeam scoped threads pulling Pool.map-sized chunks from a crossbeam-channel queue"
    }
    fn executor(&self, threads: usize) -> Result<Box<dyn Executor>> {
        super::check_threads_on(self, threads)?;
        Ok(Box::new(CrossbeamExecutor { threads }))
    }
    fn with_hand_written(&self, threads: usize) -> Option<WithHandWritten> {
        super::beside(self.executor(threads), HandWritten::Crossbeam { threads })
    }
}

/// The plain map by hand: Pool.map-sized chunks of the output through a
/// channel, pulled by scoped threads spawned for the call.
pub(super) fn hand_written_map(threads: usize, consts: &Constants, out: &mut [u64]) {
    let len = pool_map_chunk_len(out.len(), threads);
    let chunks = out.len().div_ceil(len);
    let (sender, queue) = crossbeam::channel::bounded(chunks.max(1));
    for (k, chunk) in out.chunks_mut(len).enumerate() {
        sender.send((k * len, chunk)).expect("room for every chunk");
    }
    drop(sender);
    crossbeam::thread::scope(|scope| {
        for _ in 0..threads.min(chunks) {
            scope.spawn(|_| {
                while let Ok((start, chunk)) = queue.recv() {
                    consts.oracle_range_into(start, chunk);
                }
            });
        }
    })
    .expect("the plain map does not panic");
}

struct CrossbeamExecutor {
    threads: usize,
}

// SAFETY: each chunk of `each_fixed_chunk` (disjoint) is sent once through
// the queue and received by one worker.
unsafe impl Scheduler for CrossbeamExecutor {
    fn threads(&self) -> usize {
        self.threads
    }

    fn run(&self, items: Range<usize>, out: &mut [u64], task: &Task<'_>) -> Result<RunStats> {
        check_output(&items, out)?;
        let len = pool_map_chunk_len(items.len(), self.threads);
        let stats_chunks = items.len().div_ceil(len);
        // The chunks go straight into the queue (its buffer is the one
        // allocation a channel makes): no list of them first.
        let (sender, queue) = crossbeam::channel::bounded(stats_chunks.max(1));
        for chunk in each_fixed_chunk(items, len, out) {
            sender
                .send(chunk)
                .expect("the queue has room for every chunk");
        }
        // Closed before the workers start: each stops when the queue is empty.
        drop(sender);
        let used = WorkersUsed::new(self.threads);
        let spawned = self.threads.min(stats_chunks);
        // crossbeam's scope returns the panics of its threads itself; the
        // outer catch is for a panic on this thread.
        let joined = catch_panic("crossbeam", || {
            crossbeam::thread::scope(|scope| -> Result<()> {
                for worker in 0..spawned {
                    let (queue, used) = (&queue, &used);
                    // Unnamed, like a user's scoped threads: a name costs a
                    // `String` and a system call per thread and call (1-5%
                    // of a seed call against the hand-written map, in a
                    // noisy window).
                    scope
                        .builder()
                        .spawn(move |_| {
                            while let Ok(chunk) = queue.recv() {
                                used.mark(worker);
                                task(worker, chunk);
                            }
                        })
                        .with_context(|| format!("cannot spawn thread {worker}"))?;
                }
                Ok(())
            })
        })?;
        joined.map_err(|payload| {
            anyhow::anyhow!(
                "a work item panicked on backend crossbeam: {}",
                panic_message(&*payload)
            )
        })??;
        Ok(RunStats::new(stats_chunks, used.count()))
    }
}
