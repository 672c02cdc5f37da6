//! orx-parallel: `par().num_threads(N).for_each` over blocks of the items, on a dedicated pool.
//!
//! orx-parallel's parallel iterators pull chunks of items from a concurrent
//! iterator, the chunk size chosen by its adaptive runner: it starts with
//! single items, times them, then settles on a size (`ChunkSize::Auto`, its
//! default, left as is here). It is here for issue 33, the schedulers built
//! for small tasks, beside rayon's splitting of the same maps.
//!
//! The pool is orx-parallel's own persistent `BasicPool`, one per executor
//! (never its global one), given to each call with
//! `Runner::adaptive_with_pool` (the default runner, on this pool). Its
//! threads wait on a condition variable between calls; the calling thread
//! only hands out one task per thread and waits, except at one thread,
//! where `num_threads(1)` runs every block on the calling thread, as the
//! crate documents. `BasicPool` starts at most as many threads as the
//! machine has logical CPUs (and `ORX_NUM_THREADS`, if set), so beyond the
//! cores this backend runs on the cores' count of threads. Its items are
//! blocks of [`super::block_len`] items, each one task
//! ([`super::BLOCKS_PER_THREAD`] says why not single items); the crate's
//! chunks of blocks are its own. A call allocates what the crate does for
//! a `for_each` (a boxed task per thread, the scope's shared state and a
//! result slot per thread) and the list of the output's blocks. The
//! crate's global pool starts with the first executor (see `pool_of`) and
//! stays idle.

use std::ops::Range;
use std::sync::Barrier;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::Result;
use orx_parallel::{BasicPool, EnumeratePar, IntoParIter, Par, Runner, Scope as _, ThreadPool};

use crate::schedule::{Chunk, RunStats, Scheduler, Task};
use crate::workload::Constants;

use super::{
    Backend, Executor, HandWritten, ThreadIndices, WithHandWritten, WorkersUsed, catch_panic,
    check_output,
};

pub struct OrxParallel;

impl Backend for OrxParallel {
    fn id(&self) -> &'static str {
        "orx_parallel"
    }
    fn about(&self) -> &'static str {
        "orx-parallel's par().num_threads(N).for_each over blocks of ceil(n / 64N) items on a dedicated BasicPool, its chunks of blocks its adaptive default"
    }
    fn narrowing(&self) -> Option<crate::workload::Narrowing> {
        Some(super::SPLIT_ONLY)
    }
    fn executor(&self, threads: usize) -> Result<Box<dyn Executor>> {
        super::check_threads_on(self, threads)?;
        Ok(Box::new(OrxExecutor::new(pool_of(threads)?, threads)))
    }
    fn with_hand_written(&self, threads: usize) -> Option<WithHandWritten> {
        Some(super::check_threads_on(self, threads).and_then(|()| {
            let pool = pool_of(threads)?;
            // A `BasicPool` is a handle: the clone shares its threads.
            let exec = OrxExecutor::new(pool.clone(), threads);
            Ok((
                Box::new(exec) as Box<dyn Executor>,
                HandWritten::OrxParallel { pool, threads },
            ))
        }))
    }
}

/// A dedicated `BasicPool` of `threads` threads (at most the logical CPUs).
///
/// Every parallel iterator starts with the crate's default runner, on its
/// global pool, before `runner` replaces it: so the first `into_par` of the
/// process starts that global pool (as many threads as logical CPUs, which
/// sleep and run nothing here). Started here, so that no timed call does.
fn pool_of(threads: usize) -> Result<BasicPool> {
    super::start_pool("orx-parallel", threads, || {
        orx_parallel::Pool::global();
        BasicPool::new(threads)
    })
}

/// The plain map by hand: `for_each` over the output's blocks of
/// [`super::block_len`] items (its chunks of blocks are the crate's), each
/// a plain loop.
pub(super) fn hand_written_map(
    pool: &BasicPool,
    threads: usize,
    consts: &Constants,
    out: &mut [u64],
) {
    let len = super::block_len(out.len(), threads);
    let blocks: Vec<&mut [u64]> = out.chunks_mut(len).collect();
    blocks
        .into_par()
        .num_threads(threads)
        .runner(Runner::adaptive_with_pool(pool))
        .enumerate()
        .for_each(|(k, block)| consts.oracle_range_into(k * len, block));
}

struct OrxExecutor {
    /// Shared with the hand-written map when the harness overhead is measured.
    pool: BasicPool,
    threads: usize,
    /// The pool's threads, numbered as they first run an item: the crate's
    /// own thread index reaches a closure only through `use_new`, which
    /// allocates per call. All of them are numbered once the pool is built.
    indices: ThreadIndices,
}

impl OrxExecutor {
    fn new(pool: BasicPool, threads: usize) -> OrxExecutor {
        let exec = OrxExecutor {
            pool,
            threads,
            indices: ThreadIndices::new(0, threads),
        };
        // Wait until every thread has started, numbering each.
        exec.on_every_thread(&|| {
            exec.indices.current();
            true
        });
        exec
    }

    /// Runs `f` once on each of the pool's threads: one task per thread,
    /// each held at a barrier until all have started, so no thread takes
    /// two. True if `f` was true on every one.
    fn on_every_thread(&self, f: &(dyn Fn() -> bool + Sync)) -> bool {
        once_per_thread(&self.pool, f)
    }
}

/// [`OrxExecutor::on_every_thread`], through the crate's `ThreadPool` trait:
/// its scope's lifetimes are bounded there (the bounds of its scope type),
/// not in `BasicPool`'s impl, where a task would have to be `'static`.
fn once_per_thread<P: ThreadPool>(pool: &P, f: &(dyn Fn() -> bool + Sync)) -> bool {
    let n = pool.max_num_threads().get();
    let barrier = Barrier::new(n);
    let all = AtomicBool::new(true);
    let (barrier, all) = (&barrier, &all);
    pool.scope(|s| {
        for _ in 0..n {
            s.run(move || {
                barrier.wait();
                if !f() {
                    all.store(false, Ordering::Relaxed);
                }
            });
        }
    });
    all.load(Ordering::Relaxed)
}

// SAFETY: chunk `k` holds items `k * len..` up to chunk `k + 1`'s first, and
// each `k` is handed to one task.
unsafe impl Scheduler for OrxExecutor {
    fn threads(&self) -> usize {
        self.threads
    }

    /// Every thread of the pool, each held at a barrier so that each runs
    /// one task. (At one thread the items run on the calling thread, which
    /// the caller of this holds; the pool's idle thread moves too.)
    fn pin_workers(&self, cpu: Option<usize>) -> bool {
        self.on_every_thread(&|| super::pin_this_thread(cpu))
    }

    fn run(&self, items: Range<usize>, out: &mut [u64], task: &Task<'_>) -> Result<RunStats> {
        check_output(&items, out)?;
        let used = WorkersUsed::new(self.threads);
        let len = super::block_len(items.len(), self.threads);
        let count = items.len().div_ceil(len);
        // At one thread `num_threads(1)` runs every block on the calling
        // thread: worker 0. Otherwise only the pool's threads run them.
        let on_caller = self.threads == 1;
        let (indices, used_ref) = (&self.indices, &used);
        let block = move |k: usize, out: &mut [u64]| {
            let worker = if on_caller { 0 } else { indices.current() };
            used_ref.mark(worker);
            let from = items.start + k * len;
            let chunk = Chunk {
                items: from..(from + len).min(items.end),
                out,
            };
            task(worker, chunk);
        };
        let runner = || Runner::adaptive_with_pool(&self.pool);
        // The pool catches a panic on its threads and raises it again on
        // the calling thread once every thread is done; its threads live on.
        catch_panic("orx_parallel", || match out.is_empty() {
            true => (0..count)
                .into_par()
                .num_threads(self.threads)
                .runner(runner())
                .for_each(|k| block(k, &mut [])),
            false => (out.chunks_mut(len).collect::<Vec<_>>())
                .into_par()
                .num_threads(self.threads)
                .runner(runner())
                .enumerate()
                .for_each(|(k, out)| block(k, out)),
        })?;
        Ok(RunStats::new(count, used.count()))
    }
}
