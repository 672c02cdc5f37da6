//! Backends: who runs the work.
//!
//! A backend turns a thread count into an [`Executor`], built once outside
//! any timed call (a pool whose threads have all started, for rayon). An
//! executor runs a [`Job`] (which variant, which items) on a problem made
//! ready ([`Runnable`]), whatever the problem's type. The backends here run
//! in this process, so they implement [`Scheduler`] instead: cut a range of
//! items into [`Chunk`]s and run one task per chunk on their threads,
//! telling which worker ran it. Every scheduler is an executor that hands
//! itself and the variant to the problem, which runs the variant's kernel
//! compiled for its own type ([`crate::variants::run`]). Variants never see
//! threads, only chunks and worker indices; backends never see the problem.
//!
//! The sequential loop is a backend like the others ([`Sequential`]: one
//! chunk, on the calling thread), in the spirit of rayon-demo's `Joiner`.
//! Adding a backend is one file here and one entry in [`BACKENDS`].

mod chili_join;
mod crossbeam_queue;
mod orx_par;
mod paralight_pool;
pub mod process;
mod rayon_pool;
mod rayon_split;
mod sequential;
mod std_scope;

use std::any::Any;
use std::cell::Cell;
use std::marker::PhantomData;
use std::ops::Range;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use anyhow::{Result, anyhow, bail};

use crate::job::{Job, Runnable, Slots};
use crate::profile::{MAX_THREADS, check_threads};
use crate::schedule::{Capabilities, Chunk, Outcome, Scheduler};
use crate::workload::{Constants, Narrowing, SPLIT_QUESTION};

/// Where the backends' panic messages come from: the sampler's, which
/// catches the calling thread's timed calls around its loop.
pub use crate::paired::panic_message;
pub use chili_join::Chili;
pub use crossbeam_queue::Crossbeam;
pub use orx_par::OrxParallel;
pub use paralight_pool::Paralight;
pub use process::Process;
pub use rayon_pool::Rayon;
pub use rayon_split::{RAYON_GRAIN, RAYON_ITER};
pub use sequential::{CallingThreadUncaught, Sequential};
pub use std_scope::StdScope;

/// A backend prepared for one thread count: runs jobs.
pub trait Executor: Send + Sync {
    fn threads(&self) -> usize;
    /// Runs `job` on `problem` (its state built once, outside the call),
    /// writing per-item outputs into `out` (`job.items.len()` slots, or
    /// none for a variant that accumulates). A panic inside a work item
    /// comes back as an error, on every backend.
    fn execute(&self, job: &Job, problem: &dyn Runnable, out: Slots<'_>) -> Result<Outcome>;
    /// The scheduler it is, for an executor that runs in this process: the
    /// timed call then goes straight to the kernel compiled for the
    /// problem ([`crate::matrix::Prepared::run_on`]), with no more indirect
    /// calls than the scheduler's own.
    fn scheduler(&self) -> Option<&dyn Scheduler> {
        None
    }
    /// Its worker processes, for an executor whose workers are other
    /// processes: bytes sent, their copies and their peak RSS.
    fn processes(&self) -> Option<&dyn process::WorkerProcesses> {
        None
    }
    /// Moves its threads that outlive a call to `cpu`, or back (`None`):
    /// [`Scheduler::pin_workers`]. False where they cannot move (worker
    /// processes).
    fn pin_workers(&self, _cpu: Option<usize>) -> bool {
        false
    }
}

/// A scheduler runs a job by handing itself and the job's variant to the
/// problem, whose kernels are compiled for its own type and the variant's
/// own closure: no job decoding, no extra indirection per item.
impl<S: Scheduler> Executor for S {
    fn threads(&self) -> usize {
        Scheduler::threads(self)
    }
    fn execute(&self, job: &Job, problem: &dyn Runnable, out: Slots<'_>) -> Result<Outcome> {
        problem.run_kernel(job.kernel, job.items.clone(), self, out)
    }
    fn scheduler(&self) -> Option<&dyn Scheduler> {
        Some(self)
    }
    fn pin_workers(&self, cpu: Option<usize>) -> bool {
        Scheduler::pin_workers(self, cpu)
    }
}

/// Holds a one-thread executor's thread on the calling thread's CPU, with
/// the calling thread, until [`release_from_caller`]: what its one-thread
/// figures are measured with, criterion's and the paired sampler's alike.
/// `None` (nothing held) for an executor of more threads, one whose
/// threads cannot move (worker processes), and where threads cannot be
/// pinned (systems other than Linux).
///
/// Why: on the 2-vCPU VM a pool's one thread ran the same code up to 45%
/// slower on the other vCPU than on the caller's, from round to round as
/// the OS placed it (the classifier on a one-thread rayon pool: 0.72x in
/// some rounds, 1.00x in others; held, 0.97x to 1.00x), while each vCPU
/// alone runs a sequential loop at the same speed (`docs/measuring.md`, "One
/// thread on the caller's CPU"). That placement is the host's, not the
/// backend's: held on the caller's CPU, a one-thread figure is the
/// backend's own cost over the sequential loop, which is what the scaling
/// models take it for.
pub fn hold_with_caller(exec: &dyn Executor) -> Option<crate::platform::Pinned> {
    if exec.threads() != 1 {
        return None;
    }
    let caller = crate::platform::pin_to_current_cpu()?;
    if exec.pin_workers(Some(caller.cpu)) {
        return Some(caller);
    }
    // Some of its threads may have moved: back, with the caller (dropped).
    exec.pin_workers(None);
    None
}

thread_local! {
    /// A pool thread's pin ([`pin_this_thread`]): dropped, it restores the
    /// thread's former affinity.
    static PINNED: std::cell::RefCell<Option<crate::platform::Pinned>> =
        const { std::cell::RefCell::new(None) };
}

/// Moves the calling thread (one of a pool's, reached by its crate's own
/// means) to `cpu`, or back to its former affinity (`None`): what each
/// pool's [`Scheduler::pin_workers`] runs on each of its threads. True
/// where it moved (or went back).
pub(super) fn pin_this_thread(cpu: Option<usize>) -> bool {
    PINNED.with(|pinned| {
        let mut pinned = pinned.borrow_mut();
        pinned.take(); // back to the former affinity first
        match cpu {
            Some(cpu) => {
                *pinned = crate::platform::pin_to_cpu(cpu);
                pinned.is_some()
            }
            None => true,
        }
    })
}

/// Lets go what [`hold_with_caller`] held: the executor's threads back to
/// their former affinity, then the calling thread (dropping `held`).
pub fn release_from_caller(exec: &dyn Executor, held: Option<crate::platform::Pinned>) {
    if let Some(caller) = held {
        exec.pin_workers(None);
        drop(caller);
    }
}

/// A way of running work: one entry of the `backend` axis.
pub trait Backend: Sync {
    fn id(&self) -> &'static str;
    /// How it schedules, in one sentence.
    fn about(&self) -> &'static str;
    /// The most threads (or workers) it can run on.
    fn max_threads(&self) -> usize {
        MAX_THREADS
    }
    /// Whether its workers share the caller's memory (threads do; worker
    /// processes would not). Variants that mutate shared state need it.
    fn shares_memory(&self) -> bool {
        true
    }
    /// What a variant may ask of it before running on it
    /// ([`crate::variants::Variant::refuses`]).
    fn capabilities(&self) -> Capabilities {
        Capabilities {
            max_threads: self.max_threads(),
            shares_memory: self.shares_memory(),
        }
    }
    /// Builds what the backend needs for `threads` threads (pools, queues).
    fn executor(&self, threads: usize) -> Result<Box<dyn Executor>>;
    /// What the plan measures on this backend outside `full`, where that
    /// is less than the workloads' own coverage; `None`: all that each
    /// workload names.
    fn narrowing(&self) -> Option<Narrowing> {
        None
    }
    /// Its executor for `threads` and, beside it, the plain map written by
    /// hand for this backend: what a user would write without parbench,
    /// with the same chunking, sharing what the two can share (one rayon
    /// pool, so the operating system places both on the same threads).
    /// Pairing the two gives the harness overhead
    /// ([`crate::harness_overhead`]). `None`: a backend with no in-process
    /// equivalent (worker processes).
    fn with_hand_written(&self, _threads: usize) -> Option<WithHandWritten> {
        None
    }
}

/// An executor and, beside it, the plain map written by hand.
pub type WithHandWritten = Result<(Box<dyn Executor>, HandWritten)>;

/// `exec` with `hand_written` beside it: [`Backend::with_hand_written`] of
/// a backend whose two share nothing.
fn beside(exec: Result<Box<dyn Executor>>, hand_written: HandWritten) -> Option<WithHandWritten> {
    Some(exec.map(|exec| (exec, hand_written)))
}

/// The plain map (`closure`'s work: `Constants::item` of every item)
/// written by hand for one in-process backend, with that backend's
/// chunking and nothing else: no job, no executor, no variant, no task
/// object, no bookkeeping. An enum, not a trait object, so the sampler's
/// loop calls it directly, as a user's program would: an indirect call is a
/// visible part of the sequential loop's 11 ns on `seed`. Each arm's code is
/// in its backend's file, beside the scheduler it mirrors.
pub enum HandWritten {
    /// A `for` loop on the calling thread.
    Loop,
    /// `par_chunks_mut` of Pool.map-sized chunks in a dedicated pool.
    Rayon(Arc<rayon::ThreadPool>),
    /// `par_iter_mut`, with `with_min_len(min_len)`, in a dedicated pool.
    RayonIter {
        pool: Arc<rayon::ThreadPool>,
        min_len: usize,
    },
    /// Pool.map-sized chunks through a channel to scoped threads.
    Crossbeam { threads: usize },
    /// One contiguous block per scoped thread.
    StdScope { threads: usize },
    /// chili's `join`, halving the output down to blocks
    /// ([`BLOCKS_PER_THREAD`]).
    Chili {
        pool: Arc<::chili::ThreadPool>,
        threads: usize,
    },
    /// orx-parallel's `for_each` over the output's blocks
    /// ([`BLOCKS_PER_THREAD`]), `num_threads` of them, on a dedicated
    /// `BasicPool`.
    OrxParallel {
        pool: orx_parallel::BasicPool,
        threads: usize,
    },
    /// paralight's `for_each` over the output's blocks
    /// ([`BLOCKS_PER_THREAD`]) on its work-stealing pool (which runs one
    /// pipeline at a time: `&mut`).
    Paralight {
        pool: Arc<Mutex<paralight::threads::ThreadPool>>,
        threads: usize,
    },
}

impl HandWritten {
    /// Writes the result of item `i` into `out[i]` for every slot of `out`.
    #[inline]
    pub fn map(&self, consts: &Constants, out: &mut [u64]) {
        match self {
            HandWritten::Loop => sequential::hand_written_map(consts, out),
            HandWritten::Rayon(pool) => rayon_pool::hand_written_map(pool, consts, out),
            HandWritten::RayonIter { pool, min_len } => {
                rayon_split::hand_written_map(pool, *min_len, consts, out)
            }
            HandWritten::Crossbeam { threads } => {
                crossbeam_queue::hand_written_map(*threads, consts, out)
            }
            HandWritten::StdScope { threads } => std_scope::hand_written_map(*threads, consts, out),
            HandWritten::Chili { pool, threads } => {
                chili_join::hand_written_map(pool, *threads, consts, out)
            }
            HandWritten::OrxParallel { pool, threads } => {
                orx_par::hand_written_map(pool, *threads, consts, out)
            }
            HandWritten::Paralight { pool, threads } => {
                paralight_pool::hand_written_map(pool, *threads, consts, out)
            }
        }
    }

    /// Whether it runs on a pool whose threads outlive the call: a call then
    /// finds them as the call before left them (spinning, asleep, on some
    /// CPU), and the harness overhead alternates the two sides call by call
    /// and pins a pool of one thread ([`crate::harness_overhead`]). Scoped
    /// threads start and end with their call. (The pairing only asks
    /// whether there is a pool, so this is a yes or no, whatever the crate.)
    pub fn has_pool(&self) -> bool {
        match self {
            HandWritten::Rayon(_)
            | HandWritten::RayonIter { .. }
            | HandWritten::Chili { .. }
            | HandWritten::OrxParallel { .. }
            | HandWritten::Paralight { .. } => true,
            HandWritten::Loop | HandWritten::Crossbeam { .. } | HandWritten::StdScope { .. } => {
                false
            }
        }
    }
}

/// Every backend, in report order.
pub const BACKENDS: &[&dyn Backend] = &[
    &Sequential,
    &Rayon,
    &Crossbeam,
    &StdScope,
    &RAYON_ITER,
    &RAYON_GRAIN,
    &Chili,
    &OrxParallel,
    &Paralight,
    &Process,
];

/// What a backend added for how the work is split measures outside `full`:
/// the plain map (`closure`), at the most threads within the cores, on the
/// workloads where the split is the question
/// ([`crate::workload::SPLIT_QUESTION`]), never called now and then, and
/// not in `quick`.
/// Measuring every variant on each of them too would not fit `default`'s
/// 12 minutes.
pub const SPLIT_ONLY: Narrowing = Narrowing {
    kept: SPLIT_QUESTION,
    most_threads_only: true,
    now_and_then: false,
    in_quick: false,
};

/// The first backend of [`BACKENDS`] whose threads share memory with the
/// caller (rayon): where `quick` measures the copies of a large state, and
/// where the answers read their comparisons (`sweep::holds_the_answers`).
pub fn first_of_threads() -> &'static dyn Backend {
    BACKENDS
        .iter()
        .copied()
        .find(|b| b.shares_memory() && b.max_threads() > 1)
        .expect("the registry has a thread backend")
}

/// Looks a backend up by id.
pub fn backend(id: &str) -> Result<&'static dyn Backend> {
    BACKENDS
        .iter()
        .copied()
        .find(|b| b.id() == id)
        .ok_or_else(|| {
            anyhow!(
                "unknown backend '{id}' (expected one of: {})",
                crate::workload::ids(BACKENDS.iter().map(|b| b.id()))
            )
        })
}

/// The thread counts `backend` runs at out of `requested`: those it
/// supports, or its largest when it supports none of them.
pub fn thread_counts(backend: &dyn Backend, requested: &[usize]) -> Vec<usize> {
    let supported: Vec<usize> = requested
        .iter()
        .copied()
        .filter(|&t| t <= backend.max_threads())
        .collect();
    if supported.is_empty() {
        vec![backend.max_threads()]
    } else {
        supported
    }
}

/// Rejects thread counts `backend` cannot use, naming the count.
pub fn check_threads_on(backend: &dyn Backend, threads: usize) -> Result<()> {
    check_threads(threads)?;
    if threads > backend.max_threads() {
        bail!(
            "backend '{}' runs on at most {} thread{} (got {threads})",
            backend.id(),
            backend.max_threads(),
            if backend.max_threads() == 1 { "" } else { "s" }
        );
    }
    Ok(())
}

/// `multiprocessing.Pool.map`'s default chunk size: `ceil(n / (4 * workers))`.
/// The dynamic backends use it, so a call makes about four tasks per thread.
pub fn pool_map_chunk_len(n: usize, threads: usize) -> usize {
    n.div_ceil(4 * threads).max(1)
}

/// Blocks per thread that the schedulers built to hand out single items
/// (chili's leaves, orx-parallel's and paralight's items) are given
/// instead of items: they decide which thread runs which block, and a
/// block's items run through the variant's loop, as every backend's chunk
/// does. One task per item cost parbench 4 to 8 ns an item over the same
/// scheduler's `for_each` written by hand (an indirect call and a chunk's
/// set-up per item, measured on `trivial` at 2 threads, 2026-12-07:
/// 9.3 ms against 5.5 ms on chili, 4.6-5.5 ms against 0.74-0.89 ms on
/// orx-parallel), which would have been parbench's cost, not the
/// scheduler's. 64 a thread keeps their balancing: the seed's 20 items
/// are still 20 blocks of one, `compute`'s 8,000 at 2 threads 128 blocks
/// of 63 (about 100 µs each).
pub const BLOCKS_PER_THREAD: usize = 64;

/// The items per block of [`BLOCKS_PER_THREAD`]: `ceil(n / (64 * threads))`.
pub fn block_len(n: usize, threads: usize) -> usize {
    n.div_ceil(BLOCKS_PER_THREAD * threads.max(1)).max(1)
}

/// Cuts `items` into chunks of `len` items (the last may be shorter).
pub fn fixed_chunks(items: Range<usize>, len: usize, out: &mut [u64]) -> Result<Vec<Chunk<'_>>> {
    check_output(&items, out)?;
    Ok(each_fixed_chunk(items, len, out).collect())
}

/// The chunks of [`fixed_chunks`], made one at a time as they are taken:
/// no list is allocated. Check the output first ([`check_output`]).
pub fn each_fixed_chunk(
    items: Range<usize>,
    len: usize,
    out: &mut [u64],
) -> impl Iterator<Item = Chunk<'_>> {
    let len = len.max(1);
    let start = items.start;
    let ranges = (start..items.end.max(start))
        .step_by(len)
        .map(move |from| from..(from + len).min(items.end));
    let mut rest = out;
    ranges.map(move |range| {
        let take = if rest.is_empty() { 0 } else { range.len() };
        let (head, tail) = std::mem::take(&mut rest).split_at_mut(take);
        rest = tail;
        Chunk {
            items: range,
            out: head,
        }
    })
}

/// Cuts `items` into `min(parts, n)` contiguous blocks whose sizes differ by
/// at most one: one block per thread, however the `n` items divide.
pub fn even_chunks(items: Range<usize>, parts: usize, out: &mut [u64]) -> Result<Vec<Chunk<'_>>> {
    let n = items.len();
    let parts = parts.min(n).max(1);
    chunks_of(
        items,
        (0..parts).map(|i| n / parts + usize::from(i < n % parts)),
        out,
    )
}

/// Checks that `out` holds one slot per item of `items`, or none, and that
/// the items can be counted in a [`RunStats`](crate::schedule::RunStats). Inlined into every
/// scheduler's call: two compares; the errors are built out of line.
#[inline]
pub fn check_output(items: &Range<usize>, out: &[u64]) -> Result<()> {
    if items.len() > u32::MAX as usize || (!out.is_empty() && out.len() != items.len()) {
        return Err(bad_output(items.len(), out.len()));
    }
    Ok(())
}

/// The error of [`check_output`], built out of line: only the cold path pays.
#[cold]
#[inline(never)]
fn bad_output(items: usize, slots: usize) -> anyhow::Error {
    if items > u32::MAX as usize {
        return anyhow!(
            "{items} items in one call: at most {} are supported",
            u32::MAX
        );
    }
    anyhow!("the output holds {slots} slots for {items} items: it must hold one per item, or none")
}

/// Cuts `items` into consecutive chunks of the given lengths, pairing each
/// with its slice of `out` when `out` is not empty.
fn chunks_of(
    items: Range<usize>,
    mut lens: impl Iterator<Item = usize>,
    out: &mut [u64],
) -> Result<Vec<Chunk<'_>>> {
    check_output(&items, out)?;
    let n = items.end.max(items.start);
    let mut chunks = Vec::new();
    let mut rest = out;
    let mut start = items.start;
    while start < n {
        let end = (start + lens.next().unwrap_or(n - start).max(1)).min(n);
        let take = if rest.is_empty() { 0 } else { end - start };
        let (head, tail) = std::mem::take(&mut rest).split_at_mut(take);
        rest = tail;
        chunks.push(Chunk {
            items: start..end,
            out: head,
        });
        start = end;
    }
    Ok(chunks)
}

/// Records which workers ran a chunk during one call, with no allocation
/// and no contended writes for up to 64 workers: one bit per worker in one
/// word, set once per worker and call (a worker that sees its bit set only
/// reads the line, so the marks of later chunks stay in each core's cache).
/// Workers from the 65th on get a flag each, allocated per call.
pub struct WorkersUsed {
    first: AtomicU64,
    rest: Vec<AtomicBool>,
}

impl WorkersUsed {
    pub fn new(threads: usize) -> Self {
        WorkersUsed {
            first: AtomicU64::new(0),
            rest: (64..threads).map(|_| AtomicBool::new(false)).collect(),
        }
    }
    #[inline]
    pub fn mark(&self, worker: usize) {
        match worker.checked_sub(64) {
            None => {
                let bit = 1u64 << worker;
                if self.first.load(Ordering::Relaxed) & bit == 0 {
                    self.first.fetch_or(bit, Ordering::Relaxed);
                }
            }
            Some(k) => self.rest[k].store(true, Ordering::Relaxed),
        }
    }
    /// Read after the call, once every worker's marks are joined.
    pub fn count(&self) -> usize {
        self.first.load(Ordering::Relaxed).count_ones() as usize
            + (self.rest.iter())
                .filter(|used| used.load(Ordering::Relaxed))
                .count()
    }
}

/// Runs `body`, turning a panic (in it or in a thread it joined) into an
/// error. `body` returns its value as is, not a `Result`: catching around a
/// closure that returned `anyhow::Result` cost 11 ns per call (as much as
/// the seed's whole sequential loop); callers with a fallible body add a `?`.
#[inline]
pub fn catch_panic<T>(backend: &str, body: impl FnOnce() -> T) -> Result<T> {
    catch_unwind(AssertUnwindSafe(body)).map_err(|payload| panicked(backend, payload))
}

/// The error of a caught panic, built out of line: only the cold path pays.
#[cold]
#[inline(never)]
fn panicked(backend: &str, payload: Box<dyn Any + Send>) -> anyhow::Error {
    anyhow!(
        "a work item panicked on backend {backend}: {}",
        panic_message(&*payload)
    )
}

/// The first panic of a call, caught around each task on the threads of a
/// crate that must never see one unwind: chili's `join` frees a job another
/// thread may still be running when it unwinds, and a paralight worker that
/// unwinds dies, leaving its pool to wait for it forever. The other tasks
/// still run, as on a pool that catches for itself; the first panic is the
/// call's error ([`FirstPanic::into_result`]).
/// Nothing is allocated unless something panics.
#[derive(Default)]
pub struct FirstPanic(Mutex<Option<Box<dyn Any + Send>>>);

impl FirstPanic {
    /// Runs `body`, keeping its panic if it is the first.
    #[inline]
    pub fn catch(&self, body: impl FnOnce()) {
        if let Err(payload) = catch_unwind(AssertUnwindSafe(body)) {
            self.keep(payload);
        }
    }

    #[cold]
    #[inline(never)]
    fn keep(&self, payload: Box<dyn Any + Send>) {
        let mut first = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        match *first {
            None => *first = Some(payload),
            // Later panics are let go without running their payload's
            // drop, which could itself panic on this thread.
            Some(_) => std::mem::forget(payload),
        }
    }

    /// The call's result, once every task has run: the first panic as
    /// [`catch_panic`]'s error.
    pub fn into_result(self, backend: &str) -> Result<()> {
        match self.0.into_inner().unwrap_or_else(PoisonError::into_inner) {
            None => Ok(()),
            Some(payload) => Err(panicked(backend, payload)),
        }
    }
}

/// Numbers a pool's threads for a crate that tells a task nothing of which
/// of its threads runs it (chili, orx-parallel's `BasicPool`, paralight,
/// none of which offers a start hook either): a thread takes the next index
/// the first time it asks, and keeps it in a thread-local word for the
/// calls after (two loads and a compare per ask). Every pool thread
/// belongs to one pool, so its index is its own for the pool's life; a
/// calling thread that runs tasks too is given its index for the call
/// ([`ThreadIndices::enter`]).
pub struct ThreadIndices {
    /// This pool's number, never reused in the process (0: none).
    pool: usize,
    next: AtomicUsize,
    /// The largest index: a thread asking past it (there is none on these
    /// pools) shares it rather than run past the per-worker slots.
    last: usize,
}

/// The pools numbered so far.
static POOLS_NUMBERED: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    /// The pool this thread is numbered in, and its index there.
    static THREAD_INDEX: Cell<(usize, usize)> = const { Cell::new((0, 0)) };
}

impl ThreadIndices {
    /// Indices `first..threads`, handed out as the pool's threads ask.
    pub fn new(first: usize, threads: usize) -> ThreadIndices {
        ThreadIndices {
            pool: POOLS_NUMBERED.fetch_add(1, Ordering::Relaxed) + 1,
            next: AtomicUsize::new(first),
            last: threads.max(1) - 1,
        }
    }

    /// The calling thread's index in this pool, given on its first ask.
    #[inline]
    pub fn current(&self) -> usize {
        let (pool, index) = THREAD_INDEX.get();
        if pool == self.pool {
            index
        } else {
            self.assign()
        }
    }

    #[cold]
    #[inline(never)]
    fn assign(&self) -> usize {
        let index = self.next.fetch_add(1, Ordering::Relaxed).min(self.last);
        THREAD_INDEX.set((self.pool, index));
        index
    }

    /// Makes the calling thread `index` of this pool until the guard drops
    /// (its former numbering is then restored): for a calling thread that
    /// runs tasks beside the pool's threads.
    pub fn enter(&self, index: usize) -> Entered {
        Entered {
            former: THREAD_INDEX.replace((self.pool, index)),
            stays_on_its_thread: PhantomData,
        }
    }
}

/// A calling thread's index for one call ([`ThreadIndices::enter`]).
pub struct Entered {
    former: (usize, usize),
    stays_on_its_thread: PhantomData<*const ()>,
}

impl Drop for Entered {
    fn drop(&mut self) {
        THREAD_INDEX.set(self.former);
    }
}

/// Starts a pool with `start`, turning a panic while it starts (a thread
/// the system would not spawn: these crates' builders panic then) into an
/// error naming the pool.
fn start_pool<P>(what: &str, threads: usize, start: impl FnOnce() -> P) -> Result<P> {
    catch_unwind(AssertUnwindSafe(start)).map_err(|payload| {
        anyhow!(
            "cannot start a {what} pool of {threads} threads: {}",
            panic_message(&*payload)
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Where the pool's threads ran `items`' chunks: each chunk's CPU, and
    /// how many CPUs its thread was allowed.
    #[cfg(target_os = "linux")]
    fn where_chunks_ran(exec: &dyn Executor, items: usize) -> Vec<(usize, usize)> {
        let seen = std::sync::Mutex::new(Vec::new());
        let task = |_worker: usize, _chunk: Chunk<'_>| {
            // SAFETY: plain libc calls about the calling thread, with a
            // zeroed (empty) cpu_set_t the kernel fills.
            let (cpu, allowed) = unsafe {
                let mut set: libc::cpu_set_t = std::mem::zeroed();
                libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set);
                (
                    libc::sched_getcpu() as usize,
                    libc::CPU_COUNT(&set) as usize,
                )
            };
            seen.lock().unwrap().push((cpu, allowed));
        };
        let scheduler = exec.scheduler().expect("in process");
        scheduler.run(0..items, &mut [], &task).unwrap();
        seen.into_inner().unwrap()
    }

    #[test]
    #[cfg(target_os = "linux")]
    fn a_one_thread_pool_is_held_on_the_callers_cpu_and_let_go() {
        for backend in [&Rayon as &dyn Backend, &Chili, &OrxParallel, &Paralight] {
            let id = backend.id();
            let exec = backend.executor(1).unwrap();
            let before = where_chunks_ran(&*exec, 8);
            let held = hold_with_caller(&*exec).expect("Linux pins threads");
            let cpu = held.cpu;
            for (ran_on, allowed) in where_chunks_ran(&*exec, 8) {
                assert_eq!(
                    (ran_on, allowed),
                    (cpu, 1),
                    "{id}: the pool's thread is on the caller's CPU"
                );
            }
            release_from_caller(&*exec, Some(held));
            let after = where_chunks_ran(&*exec, 8);
            let allowed = |runs: &[(usize, usize)]| runs.iter().map(|r| r.1).max();
            assert_eq!(
                allowed(&after),
                allowed(&before),
                "{id}: its former affinity is back"
            );
            // More threads than one, and worker processes, are never held.
            let two = backend.executor(2).unwrap();
            assert!(hold_with_caller(&*two).is_none());
        }
    }

    /// The pools whose crates do not number their threads: every chunk's
    /// worker index is within the thread count and names one thread, and
    /// the workers counted are those that ran a chunk.
    #[test]
    fn pools_numbered_here_give_each_thread_its_own_index() {
        use std::collections::{BTreeMap, HashSet};
        use std::sync::Mutex;
        for backend in [&Chili as &dyn Backend, &OrxParallel, &Paralight] {
            for threads in [1, 2, 3, 8] {
                let exec = backend.executor(threads).unwrap();
                let scheduler = exec.scheduler().unwrap();
                let seen = Mutex::new(BTreeMap::<usize, HashSet<std::thread::ThreadId>>::new());
                let in_call = Mutex::new(HashSet::new());
                let task = |worker: usize, chunk: Chunk<'_>| {
                    assert!(chunk.out.len() == chunk.items.len());
                    (seen.lock().unwrap().entry(worker).or_default())
                        .insert(std::thread::current().id());
                    in_call.lock().unwrap().insert(worker);
                    for slot in chunk.out.iter_mut() {
                        *slot += 1;
                    }
                };
                for _ in 0..3 {
                    let mut out = vec![0; 5000];
                    let stats = scheduler.run(0..5000, &mut out, &task).unwrap();
                    assert!(out.iter().all(|&x| x == 1), "{}", backend.id());
                    let ran = std::mem::take(&mut *in_call.lock().unwrap());
                    assert_eq!(stats.workers_used(), ran.len(), "{}", backend.id());
                    // Blocks: chili halves down to them (between a half
                    // and a whole block each), the others cut them whole.
                    let blocks = 5000usize.div_ceil(block_len(5000, threads));
                    let chunks = stats.chunks();
                    assert!(
                        (blocks..=2 * blocks).contains(&chunks),
                        "{}: {chunks} tasks for {blocks} blocks",
                        backend.id()
                    );
                }
                let seen = seen.into_inner().unwrap();
                let at = format!("{} at {threads}: {seen:?}", backend.id());
                assert!(seen.keys().all(|&w| w < threads), "{at}");
                // Pool threads keep their index (the caller, on chili, may
                // be any thread that calls: this test's own, here).
                assert!(seen.values().all(|ids| ids.len() == 1), "{at}");
            }
        }
    }

    #[test]
    fn chunks_cover_every_item_once() {
        for n in [0, 1, 5, 9, 64, 65, 100] {
            for len in [1, 3, 4, 16, 64, 100] {
                let mut out = vec![0; n];
                for cs in [
                    fixed_chunks(0..n, len, &mut out).unwrap(),
                    even_chunks(0..n, len, &mut []).unwrap(),
                ] {
                    let covered: Vec<usize> = cs.iter().flat_map(|c| c.items.clone()).collect();
                    assert_eq!(covered, (0..n).collect::<Vec<_>>());
                }
                // Made one at a time, the same chunks.
                let lazily: Vec<(Range<usize>, usize)> = each_fixed_chunk(0..n, len, &mut out)
                    .map(|c| (c.items, c.out.len()))
                    .collect();
                let listed: Vec<(Range<usize>, usize)> = fixed_chunks(0..n, len, &mut out)
                    .unwrap()
                    .into_iter()
                    .map(|c| (c.items, c.out.len()))
                    .collect();
                assert_eq!(lazily, listed);
                let shifted_lazily: Vec<Range<usize>> = each_fixed_chunk(3..3 + n, len, &mut [])
                    .map(|c| c.items)
                    .collect();
                let shifted_listed: Vec<Range<usize>> = fixed_chunks(3..3 + n, len, &mut [])
                    .unwrap()
                    .into_iter()
                    .map(|c| c.items)
                    .collect();
                assert_eq!(shifted_lazily, shifted_listed);
                // A range that does not start at 0 is covered the same way.
                let shifted: Vec<usize> = fixed_chunks(7..7 + n, len, &mut [])
                    .unwrap()
                    .iter()
                    .flat_map(|c| c.items.clone())
                    .collect();
                assert_eq!(shifted, (7..7 + n).collect::<Vec<_>>());
                let cs = fixed_chunks(0..n, len, &mut out).unwrap();
                assert!(cs.iter().all(|c| c.out.len() == c.items.len()));
                assert_eq!(cs.len(), n.div_ceil(len));
                assert!(
                    fixed_chunks(0..n, len, &mut [])
                        .unwrap()
                        .iter()
                        .all(|c| c.out.is_empty())
                );
                // Even blocks: one per part (at most one per item), sizes within one.
                let blocks = even_chunks(0..n, len, &mut []).unwrap();
                assert_eq!(blocks.len(), len.min(n));
                let sizes: Vec<usize> = blocks.iter().map(|c| c.items.len()).collect();
                assert!(sizes.iter().max().unwrap_or(&0) - sizes.iter().min().unwrap_or(&0) <= 1);
            }
        }
    }

    #[test]
    fn an_output_of_the_wrong_length_is_an_error() {
        let err = fixed_chunks(0..10, 3, &mut [0; 4]).unwrap_err().to_string();
        assert!(err.contains("4 slots for 10 items"), "{err}");
    }

    #[test]
    fn pool_map_chunk_len_matches_python() {
        // Python: chunksize, extra = divmod(20, 4 * 2) -> (2, 4) -> 3
        assert_eq!(pool_map_chunk_len(20, 2), 3);
        assert_eq!(pool_map_chunk_len(16, 2), 2);
        assert_eq!(pool_map_chunk_len(0, 4), 1);
    }

    #[test]
    fn unknown_backend_and_bad_threads_are_named() {
        assert!(backend("gpu").err().unwrap().to_string().contains("'gpu'"));
        assert!(check_threads(0).unwrap_err().to_string().contains("got 0"));
        assert!(check_threads(1).is_ok());
        let err = check_threads_on(&Sequential, 2).unwrap_err().to_string();
        assert!(
            err.contains("'sequential' runs on at most 1 thread (got 2)"),
            "{err}"
        );
        assert_eq!(thread_counts(&Sequential, &[1, 2, 4]), [1]);
        assert_eq!(thread_counts(&Sequential, &[2, 4]), [1]);
        assert_eq!(thread_counts(&Rayon, &[1, 2, 4]), [1, 2, 4]);
    }
}
