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

use std::ops::Range;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use anyhow::{Result, anyhow};
use crossbeam::utils::CachePadded;

use crate::problem::Problem;
use crate::roles::{Family, Role};
use crate::schedule::{Capabilities, Chunk, Outcome, Produced, Scheduler};

pub use ownership::{ArcState, ClonePerTask, ClonePerWorker};
pub use passing::{Closure, DynCallable, FunctionObject, MethodReference, Multiplier, Sequential};
pub use shared::{
    AtomicSum, CountingWorker, FoldReduce, MutexSum, MutexWorker, ShardedSum, WorkerPerThread,
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

/// Computes `items` of problem `P` once on `on` with `kernel`, reading the
/// constant state `state` (and counting every deep copy of it a kernel
/// makes in `copies`). `out` holds one slot per item of `items`; kernels
/// that produce a sum leave it untouched.
#[inline]
pub fn run<P: Problem, S: Scheduler + ?Sized>(
    kernel: Kernel,
    state: &Arc<P::State>,
    copies: &AtomicU64,
    items: Range<usize>,
    on: &S,
    out: &mut [u64],
) -> Result<Outcome> {
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
        Kernel::MutexSum => shared::mutex_sum::<P, S>(state, items, on),
        Kernel::AtomicSum => shared::atomic_sum::<P, S>(state, items, on),
        Kernel::ShardedSum => shared::sharded_sum::<P, S>(state, items, on),
        Kernel::FoldReduce => shared::fold_reduce::<P, S>(state, items, on),
        Kernel::MutexWorker => shared::mutex_worker::<P, S>(state, items, on),
        Kernel::WorkerPerThread => shared::worker_per_thread::<P, S>(state, items, on),
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
/// then writes `f(&handle, i)` for each of its items.
fn map_chunks<S: Scheduler + ?Sized, H>(
    on: &S,
    items: Range<usize>,
    out: &mut [u64],
    per_chunk: impl Fn(usize) -> H + Sync,
    f: impl Fn(&H, usize) -> u64 + Sync + Copy,
) -> Result<Outcome> {
    let stats = on.run(items, out, &|worker, chunk: Chunk<'_>| {
        let handle = per_chunk(worker);
        fill(chunk.out, chunk.items.start, &handle, f);
    })?;
    Ok(Outcome {
        produced: Produced::Items,
        calls: None,
        stats,
    })
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
fn fill<H, F: Fn(&H, usize) -> u64>(out: &mut [u64], start: usize, handle: &H, f: F) {
    for (slot, i) in out.iter_mut().zip(start..) {
        *slot = f(handle, i);
    }
}

/// [`map_chunks`] for state that needs no per-chunk handle.
fn map_items<S: Scheduler + ?Sized>(
    on: &S,
    items: Range<usize>,
    out: &mut [u64],
    f: impl Fn(usize) -> u64 + Sync + Copy,
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
