//! A problem: what parbench parallelises, every way it knows.
//!
//! parbench's matrix (how the function and its state reach the threads, who
//! owns the state, how a shared result is accumulated, who schedules the
//! work) does not depend on what the items compute. It needs only what
//! [`Problem`] says: how many items, the constant state they read, the
//! function of one item, and how to check a result against the sequential
//! loop's. The seed's workloads implement it ([`crate::workload::Seed`]),
//! and so can any problem of a user's: the variants and the backends know
//! nothing else.

use anyhow::Result;

/// A problem to parallelise: items `0..items()`, each computed from the
/// constant state by [`Problem::item`].
///
/// Every variant of the matrix is built from these few methods: the
/// passing idioms call `item` through a closure, a function object, a
/// method path or a `dyn Fn`; the ownership modes share the state through
/// `Arc` or deep-copy it per worker or per task (`State: Clone` is that
/// deep copy, and parbench counts each one); the shared-mutable strategies
/// add every item's result into one shared total (a wrapping `u64` sum)
/// behind a mutex, an atomic, shards, private folds or stateful workers.
/// Each variant's results are checked against the sequential loop's,
/// item by item ([`Problem::check`]), before anything is timed.
///
/// An item's result is a `u64`: a value, a count, a class, or a digest of a
/// larger result. What parbench measures is how the items are computed and
/// handed out, not what they return. [`Problem::item`] takes no `self`:
/// everything an item reads, its parameters included, is in the state, so
/// the variants that pass or copy the state pass or copy all of it.
///
/// ```
/// use parbench::problem::Problem;
///
/// /// Squares of `0..n`, each plus a constant offset.
/// struct Squares {
///     n: usize,
/// }
///
/// impl Problem for Squares {
///     type State = u64;
///     fn name(&self) -> &str {
///         "squares"
///     }
///     fn items(&self) -> usize {
///         self.n
///     }
///     fn state(&self) -> anyhow::Result<u64> {
///         Ok(7)
///     }
///     fn item(offset: &u64, i: usize) -> u64 {
///         (i as u64) * (i as u64) + offset
///     }
/// }
///
/// // Every variant on every backend that can run it, at 1 and 2 threads,
/// // each checked against the sequential loop before anything is timed.
/// let prepared = parbench::matrix::Prepared::of(Squares { n: 1000 }).unwrap();
/// let proven = parbench::matrix::prove(&prepared, parbench::backends::BACKENDS, &[1, 2]).unwrap();
/// assert!(proven > 30);
/// ```
pub trait Problem: Send + Sync + 'static {
    /// The constant state every item reads. `Clone` must be a deep copy:
    /// it is what the per-worker and per-task ownership modes pay.
    type State: Clone + Send + Sync + 'static;

    /// The problem's name: the workload of its keys. Letters, digits, `_`
    /// and `-` (`Prepared::of` refuses anything else).
    fn name(&self) -> &str;

    /// What the problem is, in one sentence: the report's description of
    /// its workload. Empty by default.
    fn about(&self) -> String {
        String::new()
    }

    /// The number of items of one call.
    fn items(&self) -> usize;

    /// Builds the constant state, once, outside every timed call.
    fn state(&self) -> Result<Self::State>;

    /// The result of item `index`: the work of one item.
    fn item(state: &Self::State, index: usize) -> u64;

    /// Whether the shared-mutable strategies apply: they add every item's
    /// result into one shared total, a wrapping `u64` sum, so it must mean
    /// something for this problem (a count, a total). `false`: they are
    /// skipped (`matrix::problem_refusal` says why).
    fn sums(&self) -> bool {
        true
    }

    /// Checks item `index`'s result `got` against the sequential loop's
    /// `expected`; the message says what differs. Equality by default.
    fn check(&self, index: usize, expected: u64, got: u64) -> Result<(), String> {
        if expected == got {
            Ok(())
        } else {
            Err(format!("item {index}: expected {expected}, got {got}"))
        }
    }
}

/// The sequential loop, the one oracle: item `start + k`'s result into
/// `out[k]` for every slot of `out`. The `sequential` variant runs exactly
/// this, and every other variant is checked against its results.
#[inline]
pub fn oracle_into<P: Problem>(state: &P::State, start: usize, out: &mut [u64]) {
    for (slot, i) in out.iter_mut().zip(start..) {
        *slot = P::item(state, i);
    }
}
