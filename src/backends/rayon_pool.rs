//! rayon: a dedicated work-stealing pool with exactly N threads.
//!
//! Never the global pool: each thread count gets its own `ThreadPool`, built
//! once by [`Backend::executor`], so a timed call pays for scheduling, not for
//! spawning. Chunks are Pool.map-sized; rayon splits the list of chunks
//! adaptively and idle threads steal.

use std::ops::Range;
use std::sync::Arc;

use anyhow::{Context, Result};
use rayon::prelude::*;

use crate::workload::Constants;

use super::{
    Backend, Executor, HandWritten, WithHandWritten, WorkersUsed, catch_panic, check_output,
    pool_map_chunk_len,
};
use crate::schedule::{Chunk, RunStats, Scheduler, Task};

pub struct Rayon;

impl Backend for Rayon {
    fn id(&self) -> &'static str {
        "rayon"
    }
    fn about(&self) -> &'static str {
        "a dedicated rayon ThreadPool of N threads, built once; work-stealing over Pool.map-sized chunks"
    }
    fn executor(&self, threads: usize) -> Result<Box<dyn Executor>> {
        super::check_threads_on(self, threads)?;
        Ok(Box::new(RayonExecutor {
            pool: Arc::new(pool_of(threads)?),
            threads,
        }))
    }
    fn with_hand_written(&self, threads: usize) -> Option<WithHandWritten> {
        Some(super::check_threads_on(self, threads).and_then(|()| {
            let pool = Arc::new(pool_of(threads)?);
            let exec = RayonExecutor {
                pool: Arc::clone(&pool),
                threads,
            };
            Ok((
                Box::new(exec) as Box<dyn Executor>,
                HandWritten::Rayon(pool),
            ))
        }))
    }
}

/// A dedicated pool of `threads` threads, every one of them started.
pub(super) fn pool_of(threads: usize) -> Result<rayon::ThreadPool> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("parbench-rayon-{i}"))
        .build()
        .with_context(|| format!("cannot build a rayon pool of {threads} threads"))?;
    // Wait until every worker has started (and made its start-up
    // allocations), so the first measured call sees a warm pool.
    pool.broadcast(|_| ());
    Ok(pool)
}

/// The plain map by hand: Pool.map-sized chunks of the output, in parallel.
pub(super) fn hand_written_map(pool: &rayon::ThreadPool, consts: &Constants, out: &mut [u64]) {
    let len = pool_map_chunk_len(out.len(), pool.current_num_threads());
    pool.install(|| {
        out.par_chunks_mut(len)
            .enumerate()
            .for_each(|(k, chunk)| consts.oracle_range_into(k * len, chunk))
    });
}

struct RayonExecutor {
    /// Shared with the hand-written map when the harness overhead is measured.
    pool: Arc<rayon::ThreadPool>,
    threads: usize,
}

// SAFETY: chunk `k` holds items `k * len..` up to chunk `k + 1`'s first, and
// each `k` is handed to one task.
unsafe impl Scheduler for RayonExecutor {
    fn threads(&self) -> usize {
        self.threads
    }

    fn pin_workers(&self, cpu: Option<usize>) -> bool {
        pin_pool(&self.pool, cpu)
    }

    fn run(&self, items: Range<usize>, out: &mut [u64], task: &Task<'_>) -> Result<RunStats> {
        check_output(&items, out)?;
        let len = pool_map_chunk_len(items.len(), self.threads);
        let count = items.len().div_ceil(len);
        let used = WorkersUsed::new(self.threads);
        // No list of chunks: rayon splits the output itself (or the chunk
        // indexes, when there is no output), so a call allocates nothing.
        let run = |k: usize, out: &mut [u64]| {
            let worker = rayon::current_thread_index().expect("inside the pool");
            used.mark(worker);
            let from = items.start + k * len;
            let chunk = Chunk {
                items: from..(from + len).min(items.end),
                out,
            };
            task(worker, chunk);
        };
        catch_panic("rayon", || {
            self.pool.install(|| match out.is_empty() {
                true => (0..count).into_par_iter().for_each(|k| run(k, &mut [])),
                false => (out.par_chunks_mut(len).enumerate()).for_each(|(k, out)| run(k, out)),
            })
        })?;
        Ok(RunStats::new(count, used.count()))
    }
}

/// Moves every thread of `pool` to `cpu`, or back to its former affinity
/// (`None`), each on its own thread (`broadcast`): [`Scheduler::pin_workers`]
/// of the backends on a rayon pool.
pub(super) fn pin_pool(pool: &rayon::ThreadPool, cpu: Option<usize>) -> bool {
    let moved = pool.broadcast(|_| super::pin_this_thread(cpu));
    moved.into_iter().all(|ok| ok)
}
