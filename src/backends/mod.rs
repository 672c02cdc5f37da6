//! Backends: who runs the threads.
//!
//! A backend turns a thread count into an [`Executor`], built once outside
//! any timed call (a pool whose threads have all started, for rayon). An executor runs one task over the items
//! `0..n`, cut into [`Chunk`]s, on its threads, and tells which worker ran
//! each chunk. Variants never see threads, only chunks and worker indices, so
//! every variant runs on every backend. Adding a backend is one file here and
//! one entry in [`BACKENDS`].

mod crossbeam_queue;
mod rayon_pool;
mod std_scope;

use std::any::Any;
use std::ops::Range;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{Result, anyhow, bail};

pub use crossbeam_queue::Crossbeam;
pub use rayon_pool::Rayon;
pub use std_scope::StdScope;

/// A contiguous run of items and, when the caller wants per-item results,
/// the output slots for exactly those items (otherwise `out` is empty).
#[derive(Debug)]
pub struct Chunk<'a> {
    pub items: Range<usize>,
    pub out: &'a mut [u64],
}

/// The work an executor runs: called once per chunk with the index of the
/// worker thread that runs it (`0..threads`).
pub type Task<'t> = dyn Fn(usize, Chunk<'_>) + Sync + 't;

/// What one call did, for the copy counts of the ownership variants.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct RunStats {
    /// Chunks (tasks) handed out.
    pub chunks: usize,
    /// Distinct worker threads that ran at least one chunk.
    pub workers_used: usize,
}

/// A backend prepared for one thread count.
pub trait Executor: Send + Sync {
    fn threads(&self) -> usize;
    /// Runs `task` over `0..n`. `out` is empty or holds exactly `n` slots,
    /// which are handed out with the chunks. A panic inside `task` comes back
    /// as an error, on every backend.
    fn run(&self, n: usize, out: &mut [u64], task: &Task<'_>) -> Result<RunStats>;
}

/// A way of running threads: one entry of the `backend` axis.
pub trait Backend: Sync {
    fn id(&self) -> &'static str;
    /// How it schedules, in one sentence.
    fn about(&self) -> &'static str;
    /// Builds what the backend needs for `threads` threads (pools, queues).
    fn executor(&self, threads: usize) -> Result<Box<dyn Executor>>;
}

/// Every backend, in report order.
pub const BACKENDS: &[&dyn Backend] = &[&Rayon, &Crossbeam, &StdScope];

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

/// Rejects thread counts no backend can use.
pub fn check_threads(threads: usize) -> Result<()> {
    if threads == 0 {
        bail!("threads must be at least 1 (got 0)");
    }
    if threads > MAX_THREADS {
        bail!("threads must be at most {MAX_THREADS} (got {threads})");
    }
    Ok(())
}

/// Upper bound on threads per call: far beyond oversubscription that says
/// anything, well below what the OS refuses.
pub const MAX_THREADS: usize = 1024;

/// `multiprocessing.Pool.map`'s default chunk size: `ceil(n / (4 * workers))`.
/// The dynamic backends use it, so a call makes about four tasks per thread.
pub fn pool_map_chunk_len(n: usize, threads: usize) -> usize {
    n.div_ceil(4 * threads).max(1)
}

/// Cuts `0..n` into chunks of `len` items (the last may be shorter).
pub fn fixed_chunks(n: usize, len: usize, out: &mut [u64]) -> Result<Vec<Chunk<'_>>> {
    chunks_of(n, std::iter::repeat(len.max(1)), out)
}

/// Cuts `0..n` into `min(parts, n)` contiguous blocks whose sizes differ by
/// at most one: one block per thread, however `n` divides.
pub fn even_chunks(n: usize, parts: usize, out: &mut [u64]) -> Result<Vec<Chunk<'_>>> {
    let parts = parts.min(n).max(1);
    chunks_of(
        n,
        (0..parts).map(|i| n / parts + usize::from(i < n % parts)),
        out,
    )
}

/// Cuts `0..n` into consecutive chunks of the given lengths, pairing each
/// with its slice of `out` when `out` is not empty.
fn chunks_of(
    n: usize,
    mut lens: impl Iterator<Item = usize>,
    out: &mut [u64],
) -> Result<Vec<Chunk<'_>>> {
    if !out.is_empty() && out.len() != n {
        bail!(
            "the output holds {} slots for {n} items: it must hold one per item, or none",
            out.len()
        );
    }
    let mut chunks = Vec::new();
    let mut rest = out;
    let mut start = 0;
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

/// Records which workers ran a chunk during one call.
pub(crate) struct WorkersUsed(Vec<AtomicBool>);

impl WorkersUsed {
    pub(crate) fn new(threads: usize) -> Self {
        WorkersUsed((0..threads).map(|_| AtomicBool::new(false)).collect())
    }
    pub(crate) fn mark(&self, worker: usize) {
        self.0[worker].store(true, Ordering::Relaxed);
    }
    pub(crate) fn count(&self) -> usize {
        self.0
            .iter()
            .filter(|used| used.load(Ordering::Relaxed))
            .count()
    }
}

/// Runs `body`, turning a panic (in it or in a thread it joined) into an error.
pub(crate) fn catch_panic<T>(backend: &str, body: impl FnOnce() -> Result<T>) -> Result<T> {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(result) => result,
        Err(payload) => Err(anyhow!(
            "a work item panicked on backend {backend}: {}",
            panic_message(&*payload)
        )),
    }
}

pub(crate) fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else if let Some(all) = payload.downcast_ref::<Vec<Box<dyn Any + Send + 'static>>>() {
        // crossbeam's scope collects the panics of all its threads.
        all.iter()
            .map(|p| panic_message(&**p))
            .collect::<Vec<_>>()
            .join("; ")
    } else {
        "(non-string panic payload)".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_cover_every_item_once() {
        for n in [0, 1, 5, 9, 64, 65, 100] {
            for len in [1, 3, 4, 16, 64, 100] {
                let mut out = vec![0; n];
                for cs in [
                    fixed_chunks(n, len, &mut out).unwrap(),
                    even_chunks(n, len, &mut []).unwrap(),
                ] {
                    let covered: Vec<usize> = cs.iter().flat_map(|c| c.items.clone()).collect();
                    assert_eq!(covered, (0..n).collect::<Vec<_>>());
                }
                let cs = fixed_chunks(n, len, &mut out).unwrap();
                assert!(cs.iter().all(|c| c.out.len() == c.items.len()));
                assert_eq!(cs.len(), n.div_ceil(len));
                assert!(
                    fixed_chunks(n, len, &mut [])
                        .unwrap()
                        .iter()
                        .all(|c| c.out.is_empty())
                );
                // Even blocks: one per part (at most one per item), sizes within one.
                let blocks = even_chunks(n, len, &mut []).unwrap();
                assert_eq!(blocks.len(), len.min(n));
                let sizes: Vec<usize> = blocks.iter().map(|c| c.items.len()).collect();
                assert!(sizes.iter().max().unwrap_or(&0) - sizes.iter().min().unwrap_or(&0) <= 1);
            }
        }
    }

    #[test]
    fn an_output_of_the_wrong_length_is_an_error() {
        let err = fixed_chunks(10, 3, &mut [0; 4]).unwrap_err().to_string();
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
    }
}
