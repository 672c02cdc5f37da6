//! Variants: how the work function and its constant state reach the threads.
//!
//! Every variant computes the same thing, [`Problem::item`] for each item
//! of any [`Problem`] (the seed's workloads and a user's own alike); they
//! differ only in how that function and its state travel to the worker
//! threads (borrowed by a closure, held by a function object, behind `Arc`,
//! deep-copied per worker or per task) or in how results come back (returned
//! per item, or added into shared mutable state). Each variant's doc names
//! the Python idiom from the seed it mirrors.
//!
//! Each variant carries its [`Family`] (how the report groups it) and its
//! [`Role`] (the part it plays in the findings and the profiles), so nothing
//! outside this folder names a variant. Adding a variant is one unit struct
//! implementing [`Variant`] in the file of its family and one entry in
//! [`VARIANTS`], with its kernel: a function generic over the problem, in
//! the same file, named by its [`Kernel`] and dispatched by [`run`]. `list`,
//! `verify`, the tests, the benches and the report pick it up from there.

mod ownership;
mod passing;
mod shared;

use std::any::TypeId;
use std::ops::Range;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};

use anyhow::{Result, anyhow};
use crossbeam::utils::CachePadded;

use crate::problem::Problem;
use crate::roles::{Family, Role};
use crate::schedule::{Capabilities, Chunk, Outcome, Produced, RunStats, Scheduler};

pub use ownership::{ArcState, ClonePerTask, ClonePerWorker};
pub use passing::{Closure, DynCallable, FunctionObject, MethodReference, Multiplier, Sequential};
pub use shared::{
    ATOMIC_REFUSAL, AtomicSum, CountingWorker, FoldReduce, MutexSum, MutexWorker, ShardedSum,
    WorkerPerThread,
};

/// One entry of the `variant` axis.
pub trait Variant: Sync {
    fn id(&self) -> &'static str;
    fn family(&self) -> Family;
    fn role(&self) -> Role;
    /// The Python idiom of the seed it mirrors.
    fn python(&self) -> &'static str;
    /// What it shows, in one sentence.
    fn shows(&self) -> &'static str;
    /// Deep copies of the constant state that can be alive at once during a
    /// call on `threads` threads (to refuse sizes that cannot fit).
    fn live_copies(&self, _threads: usize) -> usize {
        0
    }
    /// Why this variant cannot run on a backend with capabilities `on`, if
    /// it cannot: the one capability check, which `list` shows and `run`
    /// and `verify` obey.
    fn refuses(&self, _on: Capabilities) -> Option<&'static str> {
        None
    }
    /// Its kernel, which [`run`] compiles for each problem type.
    fn kernel(&self) -> Kernel;
}

/// The kernel of each variant: the code that computes a call, generic over
/// the problem. A variant names its own; [`run`] dispatches on it, so the
/// kernel is compiled for each problem's own item function (no indirect
/// call per item), whatever variant and problem arrive as values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Kernel {
    Sequential,
    Closure,
    FunctionObject,
    MethodReference,
    DynCallable,
    ArcState,
    ClonePerWorker,
    ClonePerTask,
    MutexSum,
    AtomicSum,
    ShardedSum,
    FoldReduce,
    MutexWorker,
    WorkerPerThread,
}

/// What the kernels of one problem leave beside a call's outputs: every
/// deep copy of the state they made (the ownership modes), and the last
/// call's total when the accumulator is not the `u64` sum, which comes
/// back in the [`Outcome`] itself. A call that accumulates replaces the
/// total before it, so it pays that one's drop, as a program that keeps
/// only its last total would.
pub struct Tally<A> {
    pub copies: AtomicU64,
    pub total: Mutex<Option<A>>,
}

impl<A> Default for Tally<A> {
    fn default() -> Tally<A> {
        Tally {
            copies: AtomicU64::new(0),
            total: Mutex::new(None),
        }
    }
}

/// Computes `items` of problem `P` once on `on` with `kernel`, reading the
/// constant state `state` (and counting every deep copy of it a kernel
/// makes in `tally`). `out` holds one slot per item of `items`; kernels
/// that accumulate leave it untouched.
#[inline]
pub fn run<P: Problem, S: Scheduler + ?Sized>(
    kernel: Kernel,
    state: &Arc<P::State>,
    tally: &Tally<P::Acc>,
    items: Range<usize>,
    on: &S,
    out: &mut [P::Output],
) -> Result<Outcome> {
    let copies = &tally.copies;
    match kernel {
        Kernel::Sequential => passing::sequential::<P, S>(state, items, on, out),
        Kernel::Closure => passing::closure::<P, S>(state, items, on, out),
        Kernel::FunctionObject => passing::function_object::<P, S>(state, items, on, out),
        Kernel::MethodReference => passing::method_reference::<P, S>(state, items, on, out),
        Kernel::DynCallable => passing::dyn_callable::<P, S>(state, items, on, out),
        Kernel::ArcState => ownership::arc_state::<P, S>(state, items, on, out),
        Kernel::ClonePerWorker => {
            ownership::clone_per_worker::<P, S>(state, copies, items, on, out)
        }
        Kernel::ClonePerTask => ownership::clone_per_task::<P, S>(state, copies, items, on, out),
        Kernel::MutexSum => shared::mutex_sum::<P, S>(state, tally, items, on),
        Kernel::AtomicSum => shared::atomic_sum::<P, S>(state, items, on),
        Kernel::ShardedSum => shared::sharded_sum::<P, S>(state, tally, items, on),
        Kernel::FoldReduce => shared::fold_reduce::<P, S>(state, tally, items, on),
        Kernel::MutexWorker => shared::mutex_worker::<P, S>(state, tally, items, on),
        Kernel::WorkerPerThread => shared::worker_per_thread::<P, S>(state, tally, items, on),
    }
}

/// Every variant, in report order.
pub const VARIANTS: &[&dyn Variant] = &[
    &Sequential,
    &Closure,
    &FunctionObject,
    &MethodReference,
    &DynCallable,
    &ArcState,
    &ClonePerWorker,
    &ClonePerTask,
    &MutexSum,
    &AtomicSum,
    &ShardedSum,
    &FoldReduce,
    &MutexWorker,
    &WorkerPerThread,
];

/// Looks a variant up by id.
pub fn variant(id: &str) -> Result<&'static dyn Variant> {
    VARIANTS
        .iter()
        .copied()
        .find(|v| v.id() == id)
        .ok_or_else(|| {
            anyhow!(
                "unknown variant '{id}' (expected one of: {})",
                crate::workload::ids(VARIANTS.iter().map(|v| v.id()))
            )
        })
}

/// The map every per-item variant shares: each chunk first obtains a handle
/// to the state (`per_chunk(worker)`: a borrow, an `Arc` clone, a deep copy),
/// then writes `f(&handle, i)` for each of its items ([`run_with_slots`]).
fn map_chunks<S: Scheduler + ?Sized, H, T: Send + 'static>(
    on: &S,
    items: Range<usize>,
    out: &mut [T],
    per_chunk: impl Fn(usize) -> H + Sync,
    f: impl Fn(&H, usize) -> T + Sync + Copy,
) -> Result<Outcome> {
    let stats = run_with_slots(on, items, out, |worker, start, slots| {
        let handle = per_chunk(worker);
        fill(slots, start, &handle, f);
    })?;
    Ok(Outcome {
        produced: Produced::Items,
        calls: None,
        stats,
    })
}

/// Runs `task(worker, first item, its slots)` over the chunks of `items`
/// on `on`, each chunk with the slots of its own items in `out`.
///
/// `u64` outputs (the seed's, and most problems') go to the scheduler as a
/// slice, which it cuts into the chunks' own: the code every figure was
/// measured with before outputs of any type. Any other output type is
/// written through [`SlotWriter`], which relies on the scheduler's
/// contract (an item to one task only: `Scheduler`'s safety section).
#[inline]
fn run_with_slots<S: Scheduler + ?Sized, T: Send + 'static>(
    on: &S,
    items: Range<usize>,
    out: &mut [T],
    task: impl Fn(usize, usize, &mut [T]) + Sync,
) -> Result<RunStats> {
    if TypeId::of::<T>() == TypeId::of::<u64>() {
        // SAFETY: `T` is `u64` (the type ids are equal): the same slice.
        let out = unsafe { &mut *(out as *mut [T] as *mut [u64]) };
        on.run(items, out, &|worker, chunk: Chunk<'_>| {
            // SAFETY: as above, back to `T`.
            let slots = unsafe { &mut *(chunk.out as *mut [u64] as *mut [T]) };
            task(worker, chunk.items.start, slots);
        })
    } else {
        let writer = SlotWriter::new(&items, out)?;
        on.run(items, &mut [], &|worker, chunk: Chunk<'_>| {
            task(worker, chunk.items.start, writer.slots(&chunk.items));
        })
    }
}

/// The output slots of one call, shared by its tasks, for outputs other
/// than `u64`: each task takes the slots of its own chunk's items.
struct SlotWriter<T> {
    first: usize,
    ptr: *mut T,
    len: usize,
}

// SAFETY: tasks on other threads take disjoint slots (the scheduler's
// contract) and each writes only its own: sharing the writer shares no `T`
// between threads, and sending one `T` needs `T: Send`.
unsafe impl<T: Send> Sync for SlotWriter<T> {}

impl<T> SlotWriter<T> {
    /// The writer of `out`, one slot per item of `items` (the scheduler
    /// checks the rest: `backends::check_output`).
    fn new(items: &Range<usize>, out: &mut [T]) -> Result<SlotWriter<T>> {
        if out.len() != items.len() {
            anyhow::bail!(
                "the output holds {} slots for {} items: it must hold one per item",
                out.len(),
                items.len()
            );
        }
        Ok(SlotWriter {
            first: items.start,
            ptr: out.as_mut_ptr(),
            len: out.len(),
        })
    }

    /// The slots of `chunk`'s items. Panics (a bug in the scheduler, which
    /// comes back as the call's error) if they are not all the call's.
    #[allow(clippy::mut_from_ref)] // disjoint by the scheduler's contract
    fn slots(&self, chunk: &Range<usize>) -> &mut [T] {
        let start = chunk.start.wrapping_sub(self.first);
        assert!(
            chunk.start >= self.first && start + chunk.len() <= self.len,
            "a chunk of items {chunk:?} outside the call's"
        );
        // SAFETY: in bounds (checked above), and no other task of the call
        // holds these slots: the scheduler hands each item to one task only.
        unsafe { std::slice::from_raw_parts_mut(self.ptr.add(start), chunk.len()) }
    }
}

/// Writes `f(handle, start + k)` into `out[k]`. A function of its own, not
/// a loop inside the task closure: as arguments, `out`, `handle` and `f` are
/// known not to alias, so the compiler hoists the state's fields out of the
/// loop exactly as it does for the sequential oracle (inside the closure it
/// reloaded them on every item, which made one thread 3x slower than the
/// oracle on `trivial`). The index comes from `zip(start..)`, as in the
/// oracle's loop: `start + k` from `enumerate` vectorised worse (15% slower
/// on `trivial`).
#[inline(never)]
fn fill<H, T, F: Fn(&H, usize) -> T>(out: &mut [T], start: usize, handle: &H, f: F) {
    for (slot, i) in out.iter_mut().zip(start..) {
        *slot = f(handle, i);
    }
}

/// [`map_chunks`] for state that needs no per-chunk handle.
fn map_items<S: Scheduler + ?Sized, T: Send + 'static>(
    on: &S,
    items: Range<usize>,
    out: &mut [T],
    f: impl Fn(usize) -> T + Sync + Copy,
) -> Result<Outcome> {
    map_chunks(on, items, out, |_| (), move |(), i| f(i))
}

/// One cache-line-padded slot per worker thread, so neighbours never share
/// a line (no false sharing).
struct PerWorker<T>(Vec<CachePadded<T>>);

impl<T> PerWorker<T> {
    fn new(threads: usize, init: impl Fn() -> T) -> Self {
        PerWorker((0..threads).map(|_| CachePadded::new(init())).collect())
    }
    fn get(&self, worker: usize) -> &T {
        &self.0[worker]
    }
    fn into_inner(self) -> impl Iterator<Item = T> {
        self.0.into_iter().map(CachePadded::into_inner)
    }
}
