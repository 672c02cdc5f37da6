//! paralight: a dedicated pool of N threads with its work-stealing range strategy.
//!
//! paralight splits an indexed source (here the item range, or the output
//! slice) into one contiguous range per thread; with
//! `RangeStrategy::WorkStealing` a thread that finishes its range steals
//! part of another's, item ranges handed over with atomics rather than
//! tasks queued. It is built to stay light on small items, which is why it
//! is here (issue 33, the schedulers built for small tasks), beside rayon's
//! splitting of the same maps.
//!
//! The pool is built once per executor (`ThreadPoolBuilder` with
//! `ThreadCount::Count(N)`, `WorkStealing`, no CPU pinning: the OS places
//! its threads, as rayon's). Every one of its N threads takes part in every
//! call; the calling thread hands the pipeline over and waits on a
//! condition variable, as the threads do between calls. A paralight pool
//! runs one pipeline at a time (`with_thread_pool` takes it by `&mut`), so
//! the executor keeps it behind a mutex, locked once per call. Its items
//! are blocks of [`super::block_len`] items, each one task
//! ([`super::BLOCKS_PER_THREAD`] says why not single items); the ranges of
//! blocks are paralight's. A call allocates what the crate does (a result
//! slot per thread, an `Arc<[Mutex<_>]>`) and the list of the output's
//! blocks.

use std::ops::Range;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use anyhow::{Context, Result};
use paralight::iter::{
    ExactParallelSourceExt, IntoExactParallelRefMutSource, IntoExactParallelSource,
    ParallelIteratorExt,
};
use paralight::threads::{
    CpuPinningPolicy, RangeStrategy, ThreadCount, ThreadPool, ThreadPoolBuilder,
};

use crate::schedule::{Chunk, RunStats, Scheduler, Task};
use crate::workload::Constants;

use super::{
    Backend, Executor, FirstPanic, HandWritten, ThreadIndices, WithHandWritten, WorkersUsed,
    catch_panic, check_output,
};

pub struct Paralight;

impl Backend for Paralight {
    fn id(&self) -> &'static str {
        "paralight"
    }
    fn about(&self) -> &'static str {
        "a dedicated paralight ThreadPool of N threads, built once; blocks of ceil(n / 64N) items, one range of blocks per thread, work-stealing between them"
    }
    fn narrowing(&self) -> Option<crate::workload::Narrowing> {
        Some(super::SPLIT_ONLY)
    }
    fn executor(&self, threads: usize) -> Result<Box<dyn Executor>> {
        super::check_threads_on(self, threads)?;
        Ok(Box::new(ParalightExecutor::new(pool_of(threads)?, threads)))
    }
    fn with_hand_written(&self, threads: usize) -> Option<WithHandWritten> {
        Some(super::check_threads_on(self, threads).and_then(|()| {
            let pool = pool_of(threads)?;
            let exec = ParalightExecutor::new(Arc::clone(&pool), threads);
            Ok((
                Box::new(exec) as Box<dyn Executor>,
                HandWritten::Paralight { pool, threads },
            ))
        }))
    }
}

/// A dedicated pool of `threads` threads with the work-stealing strategy.
fn pool_of(threads: usize) -> Result<Arc<Mutex<ThreadPool>>> {
    let num_threads = ThreadCount::try_from(threads)
        .with_context(|| format!("a paralight pool of {threads} threads"))?;
    let pool = super::start_pool("paralight", threads, || {
        ThreadPoolBuilder {
            num_threads,
            range_strategy: RangeStrategy::WorkStealing,
            cpu_pinning: CpuPinningPolicy::No,
        }
        .build()
    })?;
    Ok(Arc::new(Mutex::new(pool)))
}

/// The pool, for one call. Nothing panics while it is held (every item's
/// panic is caught inside), but a poisoned lock would still hold a whole
/// pool: taken as is.
fn lock(pool: &Mutex<ThreadPool>) -> MutexGuard<'_, ThreadPool> {
    pool.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The plain map by hand: `for_each` over the output's blocks of
/// [`super::block_len`] items (its ranges of blocks are the crate's), each
/// a plain loop.
pub(super) fn hand_written_map(
    pool: &Mutex<ThreadPool>,
    threads: usize,
    consts: &Constants,
    out: &mut [u64],
) {
    let len = super::block_len(out.len(), threads);
    let mut blocks: Vec<&mut [u64]> = out.chunks_mut(len).collect();
    blocks
        .par_iter_mut()
        .enumerate()
        .with_thread_pool(&mut *lock(pool))
        .for_each(|(k, block)| consts.oracle_range_into(k * len, block));
}

struct ParalightExecutor {
    /// Shared with the hand-written map when the harness overhead is measured.
    pool: Arc<Mutex<ThreadPool>>,
    threads: usize,
    /// The pool's threads, numbered as they first start a call: paralight
    /// tells its pipeline each thread's id but not the user's closures.
    indices: ThreadIndices,
}

impl ParalightExecutor {
    fn new(pool: Arc<Mutex<ThreadPool>>, threads: usize) -> ParalightExecutor {
        let exec = ParalightExecutor {
            pool,
            threads,
            indices: ThreadIndices::new(0, threads),
        };
        // Every thread runs a call's per-thread start, even with no items:
        // one empty call waits until all have started, and numbers each.
        exec.on_every_thread(|| {
            exec.indices.current();
            true
        });
        exec
    }

    /// Runs `f` once on each of the pool's threads (the per-thread start
    /// of an empty `for_each_init`). True if there were as many threads as
    /// the pool has and `f` was true on every one.
    fn on_every_thread(&self, f: impl Fn() -> bool + Sync) -> bool {
        let done = AtomicUsize::new(0);
        let mut pool = lock(&self.pool);
        let expected = pool.num_threads().get();
        (0..0usize)
            .into_par_iter()
            .with_thread_pool(&mut *pool)
            .for_each_init(
                || {
                    if f() {
                        done.fetch_add(1, Ordering::Relaxed);
                    }
                },
                |(), _| {},
            );
        done.into_inner() == expected
    }
}

// SAFETY: chunk `k` holds items `k * len..` up to chunk `k + 1`'s first, and
// each `k` is handed to one task.
unsafe impl Scheduler for ParalightExecutor {
    fn threads(&self) -> usize {
        self.threads
    }

    /// Every thread of the pool, through the per-thread start every thread
    /// runs in every call.
    fn pin_workers(&self, cpu: Option<usize>) -> bool {
        self.on_every_thread(|| super::pin_this_thread(cpu))
    }

    fn run(&self, items: Range<usize>, out: &mut [u64], task: &Task<'_>) -> Result<RunStats> {
        check_output(&items, out)?;
        let used = WorkersUsed::new(self.threads);
        let panics = FirstPanic::default();
        let len = super::block_len(items.len(), self.threads);
        let count = items.len().div_ceil(len);
        // The worker's index once per thread and call (the per-thread
        // start); each block catches its own panic, since a paralight
        // thread that unwinds dies and its pool then waits for it forever.
        let worker = || self.indices.current();
        let block = |worker: usize, k: usize, out: &mut [u64]| {
            used.mark(worker);
            let from = items.start + k * len;
            let chunk = Chunk {
                items: from..(from + len).min(items.end),
                out,
            };
            panics.catch(|| task(worker, chunk));
        };
        // The outer catch is for a panic in paralight itself (none is
        // known): still an error, never an unwind out of the call.
        catch_panic("paralight", || {
            let mut pool = lock(&self.pool);
            match out.is_empty() {
                true => (0..count)
                    .into_par_iter()
                    .with_thread_pool(&mut *pool)
                    .for_each_init(worker, |w, k| block(*w, k, &mut [])),
                false => {
                    let mut blocks: Vec<&mut [u64]> = out.chunks_mut(len).collect();
                    (blocks.par_iter_mut().enumerate())
                        .with_thread_pool(&mut *pool)
                        .for_each_init(worker, |w, (k, out)| block(*w, k, out))
                }
            }
        })?;
        panics.into_result("paralight")?;
        Ok(RunStats::new(count, used.count()))
    }
}
