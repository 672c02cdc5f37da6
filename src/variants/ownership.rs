//! Owning the state: the seed's open memory question.
//!
//! "Each process has a copy of the constant data ... Python may be more
//! clever than this." Here the copies are explicit and counted: shared
//! through `Arc` (no copy), one deep copy per worker thread, or one deep copy
//! per task, which is what `Pool.map` does when it pickles a `partial` with
//! every chunk. The borrowing variants in `passing` make no copy at all.

use std::ops::Range;
use std::sync::{Arc, OnceLock};

use anyhow::Result;

use super::{PerWorker, Variant, map_chunks};
use crate::roles::{Family, Role};
use crate::schedule::Outcome;
use crate::schedule::Scheduler;
use crate::workload::Constants;

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
    fn run(
        &self,
        consts: &Arc<Constants>,
        items: Range<usize>,
        on: &dyn Scheduler,
        out: &mut [u64],
    ) -> Result<Outcome> {
        map_chunks(
            on,
            items,
            out,
            |_| Arc::clone(consts),
            |handle, i| handle.item(i),
        )
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
    fn run(
        &self,
        consts: &Arc<Constants>,
        items: Range<usize>,
        on: &dyn Scheduler,
        out: &mut [u64],
    ) -> Result<Outcome> {
        let copies: PerWorker<OnceLock<Constants>> = PerWorker::new(on.threads(), OnceLock::new);
        map_chunks(
            on,
            items,
            out,
            |worker| copies.get(worker).get_or_init(|| Constants::clone(consts)),
            |copy, i| copy.item(i),
        )
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
    fn run(
        &self,
        consts: &Arc<Constants>,
        items: Range<usize>,
        on: &dyn Scheduler,
        out: &mut [u64],
    ) -> Result<Outcome> {
        map_chunks(
            on,
            items,
            out,
            |_| Constants::clone(consts),
            |copy, i| copy.item(i),
        )
    }
}
