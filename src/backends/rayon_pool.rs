//! rayon: a dedicated work-stealing pool with exactly N threads.
//!
//! Never the global pool: each thread count gets its own `ThreadPool`, built
//! once by [`Backend::executor`], so a timed call pays for scheduling, not for
//! spawning. Chunks are Pool.map-sized; rayon splits the list of chunks
//! adaptively and idle threads steal.

use std::ops::Range;

use anyhow::{Context, Result};
use rayon::prelude::*;

use super::{
    Backend, Executor, RunStats, Scheduler, Task, WorkersUsed, catch_panic, fixed_chunks,
    pool_map_chunk_len,
};

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
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .thread_name(|i| format!("parbench-rayon-{i}"))
            .build()
            .with_context(|| format!("cannot build a rayon pool of {threads} threads"))?;
        // Wait until every worker has started (and made its start-up
        // allocations), so the first measured call sees a warm pool.
        pool.broadcast(|_| ());
        Ok(Box::new(RayonExecutor { pool, threads }))
    }
}

struct RayonExecutor {
    pool: rayon::ThreadPool,
    threads: usize,
}

impl Scheduler for RayonExecutor {
    fn threads(&self) -> usize {
        self.threads
    }

    fn run(&self, items: Range<usize>, out: &mut [u64], task: &Task<'_>) -> Result<RunStats> {
        let len = pool_map_chunk_len(items.len(), self.threads);
        let chunks = fixed_chunks(items, len, out)?;
        let stats_chunks = chunks.len();
        let used = WorkersUsed::new(self.threads);
        catch_panic("rayon", || {
            self.pool.install(|| {
                chunks.into_par_iter().for_each(|chunk| {
                    let worker = rayon::current_thread_index().expect("inside the pool");
                    used.mark(worker);
                    task(worker, chunk);
                })
            })
        })?;
        Ok(RunStats {
            chunks: stats_chunks,
            workers_used: used.count(),
        })
    }
}
