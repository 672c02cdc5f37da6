//! chili: heartbeat-scheduled `join`, halving the items down to one per leaf.
//!
//! chili (a port of Spice) is built for many tiny tasks: a `join` only
//! pushes its left half on the calling thread's own deque and runs the
//! right half; every 100 µs a heartbeat lets a thread hand the oldest
//! (largest) half it holds to an idle worker (a new scope starts with its
//! heartbeat set, so a call hands its first half over at its first leaf). So a join costs a few
//! nanoseconds unless a heartbeat fires, and the split need not stop at a
//! grain a user tunes: it is here to measure that claim against rayon's
//! work stealing on the same maps (issue 33, the schedulers built for small
//! tasks).
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
        "chili's heartbeat-scheduled join, halving the items down to one per leaf, on the caller and N-1 workers"
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
                HandWritten::Chili(pool),
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

// The leaf: one item. chili's README pitches it at "many small
// computations" where it is expensive to tell how many are left (its
// example joins at every node of a tree, down to single nodes), its own
// tests halve a slice down to one element (`join_very_long`), and its
// README times a 1,023-node tree at 3.4 µs against 1.8 µs unsplit, about
// 1.6 ns per join: a join that no heartbeat shares is a push and a pop on
// the thread's own deque, and the heartbeat, not a grain, decides what runs
// in parallel. So a chili user splits to single items and tunes nothing;
// that is what is measured. (On this VM a join measured about 5 ns, so
// cheap items pay for it: see the backend's harness overhead.)

/// The plain map by hand: the output halved with `join` down to one slot,
/// each written as a user writes one item. Not `oracle_range_into` on a
/// one-slot leaf: its loop's set-up per item made this side 1.26x slower on
/// `trivial` at one thread (11.2 ms against 8.9 ms), which would flatter
/// the harness.
pub(super) fn hand_written_map(pool: &chili::ThreadPool, consts: &Constants, out: &mut [u64]) {
    fn split(s: &mut Scope<'_>, consts: &Constants, start: usize, out: &mut [u64]) {
        if out.len() <= 1 {
            if let [slot] = out {
                *slot = consts.item(start);
            }
            return;
        }
        let mid = out.len() / 2;
        let (left, right) = out.split_at_mut(mid);
        s.join(
            |s| split(s, consts, start, left),
            |s| split(s, consts, start + mid, right),
        );
    }
    split(&mut pool.scope(), consts, 0, out);
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

// The leaves below take the item's index and its slot (or none) as two
// arguments, not as a `Chunk`: a chunk handed by value goes through memory,
// written just before the call and read back at once in one wider load,
// which the CPU cannot forward from the narrower stores (perf put most of
// the leaf's samples on that load, at one item per leaf).

/// Halves `items` with `join` down to single items, running `leaf` on each
/// (a call with no per-item output).
fn split_items<F: Fn(usize, &mut [u64]) + Sync>(s: &mut Scope<'_>, items: Range<usize>, leaf: &F) {
    match items.len() {
        0 => {}
        1 => leaf(items.start, &mut []),
        n => {
            let mid = items.start + n / 2;
            s.join(
                |s| split_items(s, items.start..mid, leaf),
                |s| split_items(s, mid..items.end, leaf),
            );
        }
    }
}

/// Halves `out`, the slots of the items from `start` on, with `join` down
/// to single slots, running `leaf` on each: the hand-written map's split.
fn split_out<F: Fn(usize, &mut [u64]) + Sync>(
    s: &mut Scope<'_>,
    start: usize,
    out: &mut [u64],
    leaf: &F,
) {
    if out.len() <= 1 {
        if !out.is_empty() {
            leaf(start, out);
        }
        return;
    }
    let mid = out.len() / 2;
    let (left, right) = out.split_at_mut(mid);
    s.join(
        |s| split_out(s, start, left, leaf),
        |s| split_out(s, start + mid, right, leaf),
    );
}

impl Scheduler for ChiliExecutor {
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
        // Each leaf catches its own panic: one unwinding through `join`
        // would free a half that a worker may still be running.
        let leaf = |i: usize, out: &mut [u64]| {
            let worker = self.indices.current();
            used.mark(worker);
            panics.catch(|| {
                task(
                    worker,
                    Chunk {
                        items: i..i + 1,
                        out,
                    },
                )
            });
        };
        {
            let _caller = self.indices.enter(0);
            let mut scope = self.pool.scope();
            match out.is_empty() {
                true => split_items(&mut scope, items.clone(), &leaf),
                false => split_out(&mut scope, items.start, out, &leaf),
            }
        }
        panics.into_result("chili")?;
        Ok(RunStats::new(items.len(), used.count()))
    }
}
