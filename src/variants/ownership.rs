//! Owning the state: the seed's open memory question.
//!
//! "Each process has a copy of the constant data ... Python may be more
//! clever than this." Here the copies are explicit and counted: shared
//! through `Arc` (no copy), one deep copy per worker thread, or one deep copy
//! per task, which is what `Pool.map` does when it pickles a `partial` with
//! every chunk. The borrowing variants in `passing` make no copy at all.

use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use anyhow::Result;

use super::{Kernel, PerWorker, Variant, map_chunks};
use crate::problem::Problem;
use crate::roles::{Family, Role};
use crate::schedule::Outcome;
use crate::schedule::Scheduler;

/// The constant state shared through `Arc`: each task takes a new handle
/// (a reference-count increment), never a copy.
///
/// ```python
/// # no Python equivalent without shared memory:
/// shm = multiprocessing.shared_memory.SharedMemory(...)
/// ```
pub struct ArcState;

impl Variant for ArcState {
    fn id(&self) -> &'static str {
        "arc_state"
    }
    fn family(&self) -> Family {
        Family::Ownership
    }
    fn role(&self) -> Role {
        Role::SharedOwnership
    }
    fn python(&self) -> &'static str {
        "multiprocessing.shared_memory / a fork-inherited global"
    }
    fn shows(&self) -> &'static str {
        "shared ownership: an Arc handle per task, zero deep copies"
    }
    fn kernel(&self) -> Kernel {
        Kernel::ArcState
    }
}

/// One deep copy of the constant state per worker thread, made the first
/// time the thread runs a task in this call (JMH's thread-scoped state).
/// Unlike a Pool initializer, which copies once per pool, the copies are made
/// and dropped by every call, so the timed figure includes them.
///
/// ```python
/// def init(const): global STATE; STATE = copy.deepcopy(const)
/// pool = Pool(n, initializer=init, initargs=(const,))
/// ```
pub struct ClonePerWorker;

impl Variant for ClonePerWorker {
    fn id(&self) -> &'static str {
        "clone_per_worker"
    }
    fn family(&self) -> Family {
        Family::Ownership
    }
    fn role(&self) -> Role {
        Role::CopyPerWorker
    }
    fn python(&self) -> &'static str {
        "Pool(initializer=...) copying the state once per process"
    }
    fn shows(&self) -> &'static str {
        "one deep copy per worker thread that ran"
    }
    fn live_copies(&self, threads: usize) -> usize {
        threads
    }
    fn kernel(&self) -> Kernel {
        Kernel::ClonePerWorker
    }
}

/// One deep copy of the constant state per task (chunk).
///
/// ```python
/// pool.map(functools.partial(f, const=big_table), items)  # pickled per chunk
/// ```
pub struct ClonePerTask;

impl Variant for ClonePerTask {
    fn id(&self) -> &'static str {
        "clone_per_task"
    }
    fn family(&self) -> Family {
        Family::Ownership
    }
    fn role(&self) -> Role {
        Role::CopyPerTask
    }
    fn python(&self) -> &'static str {
        "pool.map(partial(f, big_state), items): pickled with every chunk"
    }
    fn shows(&self) -> &'static str {
        "what Pool.map does to a partial: one deep copy per chunk"
    }
    fn live_copies(&self, threads: usize) -> usize {
        threads
    }
    fn kernel(&self) -> Kernel {
        Kernel::ClonePerTask
    }
}

/// A deep copy of the state, counted: what the ownership modes pay.
fn counted_copy<S: Clone>(state: &S, copies: &AtomicU64) -> S {
    copies.fetch_add(1, Ordering::Relaxed);
    state.clone()
}

/// [`ArcState`]'s kernel.
pub(super) fn arc_state<P: Problem, S: Scheduler + ?Sized>(
    state: &Arc<P::State>,
    items: Range<usize>,
    on: &S,
    out: &mut [P::Output],
) -> Result<Outcome> {
    map_chunks(
        on,
        items,
        out,
        |_| Arc::clone(state),
        |handle, i| P::item(handle, i),
    )
}

/// [`ClonePerWorker`]'s kernel.
pub(super) fn clone_per_worker<P: Problem, S: Scheduler + ?Sized>(
    state: &Arc<P::State>,
    copies: &AtomicU64,
    items: Range<usize>,
    on: &S,
    out: &mut [P::Output],
) -> Result<Outcome> {
    let per_worker: PerWorker<OnceLock<P::State>> = PerWorker::new(on.threads(), OnceLock::new);
    map_chunks(
        on,
        items,
        out,
        |worker| {
            per_worker
                .get(worker)
                .get_or_init(|| counted_copy(&**state, copies))
        },
        |copy, i| P::item(copy, i),
    )
}

/// [`ClonePerTask`]'s kernel.
pub(super) fn clone_per_task<P: Problem, S: Scheduler + ?Sized>(
    state: &Arc<P::State>,
    copies: &AtomicU64,
    items: Range<usize>,
    on: &S,
    out: &mut [P::Output],
) -> Result<Outcome> {
    map_chunks(
        on,
        items,
        out,
        |_| counted_copy(&**state, copies),
        |copy, i| P::item(copy, i),
    )
}
