//! chili: heartbeat-scheduled `join`, halving the items down to blocks.
//!
//! chili (a port of Spice) is built for many tiny tasks: a `join` only
//! pushes its left half on the calling thread's own deque and runs the
//! right half; every 100 µs a heartbeat lets a thread hand the oldest
//! (largest) half it holds to an idle worker (a new scope starts with its
//! heartbeat set, so a call hands its first half over at its first leaf).
//! So a join costs a few nanoseconds unless a heartbeat fires, and the
//! split need not stop at a grain a user tunes: it is here to measure that
//! claim against rayon's work stealing on the same maps (issue 33, the
//! schedulers built for small tasks). The leaves are blocks of
//! [`super::block_len`] items ([`super::BLOCKS_PER_THREAD`] says why not
//! single items): on the seed's 20 items, still one item each.
//!
//! Its pool of N threads is the calling thread and N - 1 workers (chili's
//! `thread_count` counts the caller, which runs the work until a heartbeat
//! shares some), plus a heartbeat thread that sleeps while no call runs.
//! Built once per executor. A call allocates what chili's API makes it: a
//! scope per call (its heartbeat flag, an `Arc`, and its deque of pending
//! halves), and a boxed future per half handed to another thread. A scope
//! cannot be kept between calls: it borrows the pool and is not `Send`, and
//! while one lives the heartbeat thread keeps ticking.

use std::num::NonZero;
use std::ops::Range;
use std::sync::Arc;

use anyhow::Result;
use chili::Scope;

use crate::schedule::{Chunk, RunStats, Scheduler, Task};
use crate::workload::Constants;

use super::{
    Backend, Executor, FirstPanic, HandWritten, ThreadIndices, WithHandWritten, WorkersUsed,
    check_output,
};

pub struct Chili;

impl Backend for Chili {
    fn id(&self) -> &'static str {
        "chili"
    }
    fn about(&self) -> &'static str {
        "chili's heartbeat-scheduled join, halving the items down to blocks of ceil(n / 64N), on the caller and N-1 workers"
    }
    fn narrowing(&self) -> Option<crate::workload::Narrowing> {
        Some(super::SPLIT_ONLY)
    }
    fn executor(&self, threads: usize) -> Result<Box<dyn Executor>> {
        super::check_threads_on(self, threads)?;
        Ok(Box::new(ChiliExecutor::new(
            Arc::new(pool_of(threads)?),
            threads,
        )))
    }
    fn with_hand_written(&self, threads: usize) -> Option<WithHandWritten> {
        Some(super::check_threads_on(self, threads).and_then(|()| {
            let pool = Arc::new(pool_of(threads)?);
            let exec = ChiliExecutor::new(Arc::clone(&pool), threads);
            Ok((
                Box::new(exec) as Box<dyn Executor>,
                HandWritten::Chili { pool, threads },
            ))
        }))
    }
}

/// A pool of `threads` threads: the caller and `threads - 1` workers, all
/// started (chili's constructor waits for its workers on a barrier), with
/// chili's default heartbeat interval (100 µs).
fn pool_of(threads: usize) -> Result<chili::ThreadPool> {
    super::start_pool("chili", threads, || {
        chili::ThreadPool::with_config(chili::Config {
            thread_count: NonZero::new(threads),
            ..chili::Config::default()
        })
    })
}

// The leaf: a block of [`super::block_len`] items. chili's README pitches
// it at "many small computations" where it is expensive to tell how many
// are left (its example joins at every node of a tree, down to single
// nodes), and its README times a 1,023-node tree at 3.4 µs against 1.8 µs
// unsplit, about 1.6 ns per join (on this VM a join measured about 5 ns).
// At one item per leaf, parbench's task per item cost more than chili's
// join ([`super::BLOCKS_PER_THREAD`]); with 64 blocks a thread, the
// heartbeat still decides what runs in parallel.

/// The plain map by hand: the output halved with `join` down to blocks of
/// [`super::block_len`] items, each a plain loop.
pub(super) fn hand_written_map(
    pool: &chili::ThreadPool,
    threads: usize,
    consts: &Constants,
    out: &mut [u64],
) {
    let block = super::block_len(out.len(), threads);
    split_out(
        &mut pool.scope(),
        0,
        out,
        block,
        &|start, out: &mut [u64]| consts.oracle_range_into(start, out),
    );
}

struct ChiliExecutor {
    /// Shared with the hand-written map when the harness overhead is measured.
    pool: Arc<chili::ThreadPool>,
    threads: usize,
    /// The calling thread is worker 0 for each call; chili's workers
    /// number themselves 1.. as they first run a leaf (chili names no
    /// thread and offers no start hook).
    indices: ThreadIndices,
}

impl ChiliExecutor {
    fn new(pool: Arc<chili::ThreadPool>, threads: usize) -> ChiliExecutor {
        ChiliExecutor {
            pool,
            threads,
            indices: ThreadIndices::new(1, threads),
        }
    }
}

/// Halves `items` with `join` down to blocks of at most `block` items,
/// running `leaf` on each (a call with no per-item output). Returns the
/// leaves, counted as the joins return (no shared counter).
fn split_items<F: Fn(Range<usize>) + Sync>(
    s: &mut Scope<'_>,
    items: Range<usize>,
    block: usize,
    leaf: &F,
) -> usize {
    match items.len() {
        0 => 0,
        n if n <= block => {
            leaf(items);
            1
        }
        n => {
            let mid = items.start + n / 2;
            let (a, b) = s.join(
                |s| split_items(s, items.start..mid, block, leaf),
                |s| split_items(s, mid..items.end, block, leaf),
            );
            a + b
        }
    }
}

/// Halves `out`, the slots of the items from `start` on, with `join` down
/// to blocks of at most `block` slots, running `leaf` on each: the
/// hand-written map's split too. Returns the leaves.
fn split_out<F: Fn(usize, &mut [u64]) + Sync>(
    s: &mut Scope<'_>,
    start: usize,
    out: &mut [u64],
    block: usize,
    leaf: &F,
) -> usize {
    if out.len() <= block {
        if out.is_empty() {
            return 0;
        }
        leaf(start, out);
        return 1;
    }
    let mid = out.len() / 2;
    let (left, right) = out.split_at_mut(mid);
    let (a, b) = s.join(
        |s| split_out(s, start, left, block, leaf),
        |s| split_out(s, start + mid, right, block, leaf),
    );
    a + b
}

// SAFETY: `split_items` and `split_out` halve the range into disjoint blocks,
// each run by one leaf once.
unsafe impl Scheduler for ChiliExecutor {
    fn threads(&self) -> usize {
        self.threads
    }

    /// chili's workers cannot be reached on demand: it has no broadcast,
    /// and a job reaches a worker only when a heartbeat shares it, so no
    /// call can make every worker run something. At one thread there are
    /// no workers (the caller runs everything, and is held by the caller of
    /// this), so there is nothing to move; beyond, false.
    fn pin_workers(&self, _cpu: Option<usize>) -> bool {
        self.threads == 1
    }

    fn run(&self, items: Range<usize>, out: &mut [u64], task: &Task<'_>) -> Result<RunStats> {
        check_output(&items, out)?;
        let used = WorkersUsed::new(self.threads);
        let panics = FirstPanic::default();
        let block = super::block_len(items.len(), self.threads);
        // Each leaf catches its own panic: one unwinding through `join`
        // would free a half that a worker may still be running.
        let leaf = |items: Range<usize>, out: &mut [u64]| {
            let worker = self.indices.current();
            used.mark(worker);
            panics.catch(|| task(worker, Chunk { items, out }));
        };
        let leaves = {
            let _caller = self.indices.enter(0);
            let mut scope = self.pool.scope();
            match out.is_empty() {
                true => split_items(&mut scope, items.clone(), block, &|r| leaf(r, &mut [])),
                false => split_out(&mut scope, items.start, out, block, &|start, out| {
                    leaf(start..start + out.len(), out)
                }),
            }
        };
        panics.into_result("chili")?;
        Ok(RunStats::new(leaves, used.count()))
    }
}
