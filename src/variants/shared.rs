//! Shared mutable state: the seed's "all hell breaks loose".
//!
//! Every item adds its output into shared state instead of returning it:
//! the problem's accumulator ([`Problem::Acc`]), a wrapping `u64` sum by
//! default. In Python the race is silent; in Rust it does not compile (see
//! the `compile_fail` example on [`CountingWorker`]), so each variant here
//! is one way of making it compile, and what that way costs: a lock per
//! item, an atomic per item, a padded slot per thread, or a private
//! accumulator merged at the end. Atomics hold only the `u64` sum
//! ([`sums_atomically`]): `atomic_sum` runs there alone, and `sharded_sum`
//! and `fold_reduce` lock a slot per thread for any other accumulator.

use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use anyhow::Result;

use super::{Kernel, PerWorker, Tally, Variant};
use crate::problem::{Accumulator, Problem, sums_atomically};
use crate::roles::{Family, Role};
use crate::schedule::{Capabilities, Outcome, Produced};
use crate::schedule::{RunStats, Scheduler};

/// Locks, ignoring poison: a panicking item is already reported as an error
/// by the backend, and the sum is discarded then.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The capability check of the variants built on a `std::sync::Mutex`:
/// workers in other processes cannot lock one.
fn refuses_without_shared_memory(on: Capabilities) -> Option<&'static str> {
    (!on.shares_memory).then_some("a std Mutex cannot be shared between processes")
}

/// Runs `f(worker, i)` for every item, with no per-item output.
fn for_each_item<S: Scheduler + ?Sized>(
    on: &S,
    items: Range<usize>,
    f: impl Fn(usize, usize) + Sync + Copy,
) -> Result<RunStats> {
    on.run(items, &mut [], &|worker, chunk| {
        each_item(chunk.items, worker, f)
    })
}

/// The loop of one task, as a function taking `f` by value, so the state `f`
/// captures is loop-invariant to the compiler (see `variants::fill`).
#[inline(never)]
fn each_item(items: Range<usize>, worker: usize, f: impl Fn(usize, usize)) {
    for i in items {
        f(worker, i);
    }
}

/// The private accumulator of `fold_reduce`: a task's items added into
/// an empty one (for the `u64` sum, their wrapping sum).
#[inline(never)]
fn fold_items<P: Problem>(items: Range<usize>, state: &P::State) -> P::Acc {
    items.fold(P::Acc::empty(), |mut acc, i| {
        acc.add(P::item(state, i));
        acc
    })
}

/// The wrapping sum of every thread's slot.
fn slot_total(slots: PerWorker<AtomicU64>) -> u64 {
    slots
        .into_inner()
        .fold(0u64, |acc, slot| acc.wrapping_add(slot.into_inner()))
}

/// Every thread's locked accumulator merged into one.
fn merged<A: Accumulator<O>, O>(slots: PerWorker<Mutex<A>>) -> A {
    slots.into_inner().fold(A::empty(), |mut total, slot| {
        total.merge(slot.into_inner().unwrap_or_else(PoisonError::into_inner));
        total
    })
}

/// The outcome of a call that summed into a `u64`.
fn sum(sum: u64, calls: Option<u64>, stats: RunStats) -> Outcome {
    Outcome {
        produced: Produced::Sum(sum),
        calls,
        stats,
    }
}

/// The outcome of a call that accumulated `total`: the `u64` sum comes back
/// in the outcome, any other total is left in `tally` for the check.
#[inline]
fn accumulated<P: Problem>(
    total: P::Acc,
    calls: Option<u64>,
    stats: RunStats,
    tally: &Tally<P::Acc>,
) -> Outcome {
    match total.as_sum() {
        Some(total) => sum(total, calls, stats),
        None => {
            *lock(&tally.total) = Some(total);
            Outcome {
                produced: Produced::Total,
                calls,
                stats,
            }
        }
    }
}

/// Why `atomic_sum` does not run a problem whose accumulator is not the
/// `u64` sum (`matrix::problem_refusal`).
pub const ATOMIC_REFUSAL: &str =
    "an atomic holds only a u64 sum, and the problem's accumulator (Problem::Acc) is another";

/// A `Mutex<u64>` locked by every item.
///
/// ```python
/// total = manager.Value('Q', 0); lock = manager.Lock()
/// def f(ab):
///     with lock: total.value += (ab[0] + ab[1]) * const
/// ```
pub struct MutexSum;

impl Variant for MutexSum {
    fn id(&self) -> &'static str {
        "mutex_sum"
    }
    fn family(&self) -> Family {
        Family::SharedMutable
    }
    fn role(&self) -> Role {
        Role::LockedSum
    }
    fn refuses(&self, on: Capabilities) -> Option<&'static str> {
        refuses_without_shared_memory(on)
    }
    fn python(&self) -> &'static str {
        "with lock: total.value += f(ab)"
    }
    fn shows(&self) -> &'static str {
        "a lock per item: contention serialises the threads"
    }
    fn kernel(&self) -> Kernel {
        Kernel::MutexSum
    }
}

/// One `AtomicU64` that every item `fetch_add`s into.
///
/// ```python
/// total = multiprocessing.Value('Q', 0)   # with its lock, per item
/// ```
pub struct AtomicSum;

impl Variant for AtomicSum {
    fn id(&self) -> &'static str {
        "atomic_sum"
    }
    fn family(&self) -> Family {
        Family::SharedMutable
    }
    fn role(&self) -> Role {
        Role::AtomicSum
    }
    fn python(&self) -> &'static str {
        "total = multiprocessing.Value('Q'); total.value += f(ab)"
    }
    fn shows(&self) -> &'static str {
        "an atomic per item: no lock, but one contended cache line"
    }
    fn kernel(&self) -> Kernel {
        Kernel::AtomicSum
    }
}

/// One cache-padded atomic slot per thread, summed at the end.
///
/// ```python
/// totals = multiprocessing.Array('Q', n_workers)  # one slot per worker
/// ```
pub struct ShardedSum;

impl Variant for ShardedSum {
    fn id(&self) -> &'static str {
        "sharded_sum"
    }
    fn family(&self) -> Family {
        Family::SharedMutable
    }
    fn role(&self) -> Role {
        Role::ShardedSum
    }
    fn python(&self) -> &'static str {
        "totals = multiprocessing.Array('Q', workers); totals[me] += f(ab)"
    }
    fn shows(&self) -> &'static str {
        "an uncontended atomic per item: a CachePadded slot per thread"
    }
    fn kernel(&self) -> Kernel {
        Kernel::ShardedSum
    }
}

/// A private accumulator per task, folded into its thread's slot once per
/// task, all combined at the end (map-reduce).
///
/// ```python
/// total = sum(pool.map(f, items))   # reduce in the parent
/// ```
pub struct FoldReduce;

impl Variant for FoldReduce {
    fn id(&self) -> &'static str {
        "fold_reduce"
    }
    fn family(&self) -> Family {
        Family::SharedMutable
    }
    fn role(&self) -> Role {
        Role::PrivateSum
    }
    fn python(&self) -> &'static str {
        "sum(pool.map(f, items))"
    }
    fn shows(&self) -> &'static str {
        "no sharing at all: fold each task privately, add it to the thread's slot once"
    }
    fn kernel(&self) -> Kernel {
        Kernel::FoldReduce
    }
}

/// A stateful function object: every call updates its own fields, like a
/// Python callable class whose `__call__` does `self.calls += 1`.
///
/// Sharing one across threads unsynchronised is the seed's hazard, and
/// Rust rejects it at compile time:
///
/// ```compile_fail,E0499
/// use parbench::variants::CountingWorker;
/// use parbench::workload::{Constants, Seed, workload};
/// let consts = Constants::new(workload("seed").unwrap().full).unwrap();
/// let mut worker = CountingWorker::<Seed>::new(&consts);
/// std::thread::scope(|s| {
///     s.spawn(|| worker.call(0));
///     s.spawn(|| worker.call(1)); // error[E0499]: `worker` borrowed as mutable twice
/// });
/// ```
///
/// The same code with the worker behind a `Mutex` compiles (this is
/// `mutex_worker`):
///
/// ```
/// use parbench::variants::CountingWorker;
/// use parbench::workload::{Constants, Seed, workload};
/// use std::sync::Mutex;
/// let consts = Constants::new(workload("seed").unwrap().full).unwrap();
/// let worker = Mutex::new(CountingWorker::<Seed>::new(&consts));
/// std::thread::scope(|s| {
///     s.spawn(|| worker.lock().unwrap().call(0));
///     s.spawn(|| worker.lock().unwrap().call(1));
/// });
/// assert_eq!(worker.into_inner().unwrap().calls, 2);
/// ```
pub struct CountingWorker<'a, P: Problem> {
    state: &'a P::State,
    /// Items this worker was called on.
    pub calls: u64,
    /// Their outputs, accumulated (for the `u64` sum, their wrapping sum).
    pub total: P::Acc,
}

impl<'a, P: Problem> CountingWorker<'a, P> {
    pub fn new(state: &'a P::State) -> Self {
        CountingWorker {
            state,
            calls: 0,
            total: P::Acc::empty(),
        }
    }
    /// `__call__`, mutating the worker.
    #[inline]
    pub fn call(&mut self, i: usize) {
        self.total.add(P::item(self.state, i));
        self.calls += 1;
    }
    /// Calls itself on every item of a task.
    #[inline(never)]
    pub fn call_all(&mut self, items: Range<usize>) {
        for i in items {
            self.call(i);
        }
    }
    /// Folds another worker's counts into this one.
    pub fn merge(&mut self, other: CountingWorker<'_, P>) {
        self.total.merge(other.total);
        self.calls += other.calls;
    }
}

/// One stateful worker shared by all threads under a `Mutex`.
///
/// ```python
/// class Worker:
///     def __call__(self, ab): self.calls += 1; self.total += f(ab)
/// pool.map(worker, items)   # each process mutates its own pickled copy!
/// ```
pub struct MutexWorker;

impl Variant for MutexWorker {
    fn id(&self) -> &'static str {
        "mutex_worker"
    }
    fn family(&self) -> Family {
        Family::SharedMutable
    }
    fn role(&self) -> Role {
        Role::LockedWorker
    }
    fn refuses(&self, on: Capabilities) -> Option<&'static str> {
        refuses_without_shared_memory(on)
    }
    fn python(&self) -> &'static str {
        "pool.map(stateful_worker, items): every process mutates its own copy"
    }
    fn shows(&self) -> &'static str {
        "a stateful function object made shareable by a Mutex: a lock per call"
    }
    fn kernel(&self) -> Kernel {
        Kernel::MutexWorker
    }
}

/// One stateful worker per thread, merged at the end.
///
/// ```python
/// def init(): global WORKER; WORKER = Worker()
/// pool = Pool(initializer=init)   # then collect and merge each WORKER
/// ```
pub struct WorkerPerThread;

impl Variant for WorkerPerThread {
    fn id(&self) -> &'static str {
        "worker_per_thread"
    }
    fn family(&self) -> Family {
        Family::SharedMutable
    }
    fn role(&self) -> Role {
        Role::WorkerPerThread
    }
    fn python(&self) -> &'static str {
        "Pool(initializer=make_worker): one worker per process, merged after"
    }
    fn shows(&self) -> &'static str {
        "a stateful function object per thread: no lock in the hot loop, merge at the end"
    }
    fn kernel(&self) -> Kernel {
        Kernel::WorkerPerThread
    }
}

/// [`MutexSum`]'s kernel.
pub(super) fn mutex_sum<P: Problem, S: Scheduler + ?Sized>(
    state: &Arc<P::State>,
    tally: &Tally<P::Acc>,
    items: Range<usize>,
    on: &S,
) -> Result<Outcome> {
    let total = Mutex::new(P::Acc::empty());
    let (state, shared): (&P::State, _) = (state, &total);
    let stats = for_each_item(on, items, move |_, i| {
        let output = P::item(state, i);
        lock(shared).add(output);
    })?;
    let total = total.into_inner().unwrap_or_else(PoisonError::into_inner);
    Ok(accumulated::<P>(total, None, stats, tally))
}

/// [`AtomicSum`]'s kernel: the `u64` sum only ([`ATOMIC_REFUSAL`]).
pub(super) fn atomic_sum<P: Problem, S: Scheduler + ?Sized>(
    state: &Arc<P::State>,
    items: Range<usize>,
    on: &S,
) -> Result<Outcome> {
    if !sums_atomically::<P>() {
        anyhow::bail!("atomic_sum: {ATOMIC_REFUSAL}");
    }
    let total = AtomicU64::new(0);
    let (state, shared): (&P::State, _) = (state, &total);
    let stats = for_each_item(on, items, move |_, i| {
        let summand = P::Acc::summand(&P::item(state, i)).unwrap_or(0);
        shared.fetch_add(summand, Ordering::Relaxed);
    })?;
    Ok(sum(total.into_inner(), None, stats))
}

/// [`ShardedSum`]'s kernel: an atomic per thread for the `u64` sum, a lock
/// per thread for any other accumulator.
pub(super) fn sharded_sum<P: Problem, S: Scheduler + ?Sized>(
    state: &Arc<P::State>,
    tally: &Tally<P::Acc>,
    items: Range<usize>,
    on: &S,
) -> Result<Outcome> {
    let state: &P::State = state;
    if sums_atomically::<P>() {
        let slots: PerWorker<AtomicU64> = PerWorker::new(on.threads(), || AtomicU64::new(0));
        let shards = &slots;
        let stats = for_each_item(on, items, move |worker, i| {
            let summand = P::Acc::summand(&P::item(state, i)).unwrap_or(0);
            shards.get(worker).fetch_add(summand, Ordering::Relaxed);
        })?;
        return Ok(sum(slot_total(slots), None, stats));
    }
    let slots = PerWorker::new(on.threads(), || Mutex::new(P::Acc::empty()));
    let shards = &slots;
    let stats = for_each_item(on, items, move |worker, i| {
        let output = P::item(state, i);
        lock(shards.get(worker)).add(output);
    })?;
    Ok(accumulated::<P>(merged(slots), None, stats, tally))
}

/// [`FoldReduce`]'s kernel: each task's private accumulator into its
/// thread's slot, an atomic for the `u64` sum, a lock for any other.
pub(super) fn fold_reduce<P: Problem, S: Scheduler + ?Sized>(
    state: &Arc<P::State>,
    tally: &Tally<P::Acc>,
    items: Range<usize>,
    on: &S,
) -> Result<Outcome> {
    let state: &P::State = state;
    if sums_atomically::<P>() {
        let slots: PerWorker<AtomicU64> = PerWorker::new(on.threads(), || AtomicU64::new(0));
        let stats = on.run(items, &mut [], &|worker, chunk| {
            let local = fold_items::<P>(chunk.items, state).as_sum().unwrap_or(0);
            slots.get(worker).fetch_add(local, Ordering::Relaxed);
        })?;
        return Ok(sum(slot_total(slots), None, stats));
    }
    let slots = PerWorker::new(on.threads(), || Mutex::new(P::Acc::empty()));
    let stats = on.run(items, &mut [], &|worker, chunk| {
        let local = fold_items::<P>(chunk.items, state);
        lock(slots.get(worker)).merge(local);
    })?;
    Ok(accumulated::<P>(merged(slots), None, stats, tally))
}

/// [`MutexWorker`]'s kernel.
pub(super) fn mutex_worker<P: Problem, S: Scheduler + ?Sized>(
    state: &Arc<P::State>,
    tally: &Tally<P::Acc>,
    items: Range<usize>,
    on: &S,
) -> Result<Outcome> {
    let worker = Mutex::new(CountingWorker::<P>::new(state));
    let shared = &worker;
    let stats = for_each_item(on, items, move |_, i| lock(shared).call(i))?;
    let worker = worker.into_inner().unwrap_or_else(PoisonError::into_inner);
    Ok(accumulated::<P>(
        worker.total,
        Some(worker.calls),
        stats,
        tally,
    ))
}

/// [`WorkerPerThread`]'s kernel.
pub(super) fn worker_per_thread<P: Problem, S: Scheduler + ?Sized>(
    state: &Arc<P::State>,
    tally: &Tally<P::Acc>,
    items: Range<usize>,
    on: &S,
) -> Result<Outcome> {
    let state: &P::State = state;
    let workers = PerWorker::new(on.threads(), || Mutex::new(CountingWorker::<P>::new(state)));
    let stats = on.run(items, &mut [], &|worker, chunk| {
        // Only this thread ever locks its own slot: uncontended, once per task.
        lock(workers.get(worker)).call_all(chunk.items);
    })?;
    let mut merged = CountingWorker::<P>::new(state);
    for worker in workers.into_inner() {
        merged.merge(worker.into_inner().unwrap_or_else(PoisonError::into_inner));
    }
    let calls = merged.calls;
    Ok(accumulated::<P>(merged.total, Some(calls), stats, tally))
}
