//! A problem: what parbench parallelises, every way it knows.
//!
//! parbench's matrix (how the function and its state reach the threads, who
//! owns the state, how a shared result is accumulated, who schedules the
//! work) does not depend on what the items compute. It needs only what
//! [`Problem`] says: how many items, the constant state they read, the
//! function of one item and the type of its output, how outputs accumulate
//! ([`Accumulator`]), and how to check a result against the sequential
//! loop's. The seed's workloads implement it ([`crate::workload::Seed`]),
//! and so can any problem of a user's: the variants and the backends know
//! nothing else.

use std::fmt::Debug;

use anyhow::Result;

/// A problem to parallelise: items `0..items()`, each computed from the
/// constant state by [`Problem::item`].
///
/// Every variant of the matrix is built from these few methods: the
/// passing idioms call `item` through a closure, a function object, a
/// method path or a `dyn Fn`; the ownership modes share the state through
/// `Arc` or deep-copy it per worker or per task (`State: Clone` is that
/// deep copy, and parbench counts each one); the shared-mutable strategies
/// add every item's output into one shared accumulator ([`Problem::Acc`])
/// behind a mutex, an atomic, shards, private folds or stateful workers.
/// Each variant's outputs are checked against the sequential loop's, item
/// by item ([`Problem::check`]), before anything is timed.
///
/// An item's output is any [`Problem::Output`]: a `u64` (a value, a count,
/// a class, a digest), a `String`, a struct, a vector. Each call writes
/// every output into its slot, as a map that returns them does, so what
/// writing them costs is in every figure. [`Problem::item`] takes no
/// `self`: everything an item reads, its parameters included, is in the
/// state, so the variants that pass or copy the state pass or copy all of
/// it.
///
/// The common case, a `u64` output added into a wrapping `u64` sum, is
/// [`u64_output!`](crate::u64_output) (associated type defaults are not
/// stable Rust):
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
///     parbench::u64_output!();
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
///
/// An output of another type, and an accumulator of one's own: each item
/// a word and its length, the words counted into one map.
///
/// ```
/// use std::collections::HashMap;
/// use parbench::problem::{Accumulator, Problem};
///
/// /// Each item's word and its length; the map counts the words.
/// struct Words;
///
/// #[derive(Debug, Default, PartialEq)]
/// struct Counts(HashMap<String, u64>);
///
/// impl Accumulator<(String, usize)> for Counts {
///     fn empty() -> Counts {
///         Counts::default()
///     }
///     fn add(&mut self, (word, _): (String, usize)) {
///         *self.0.entry(word).or_default() += 1;
///     }
///     fn merge(&mut self, other: Counts) {
///         for (word, n) in other.0 {
///             *self.0.entry(word).or_default() += n;
///         }
///     }
/// }
///
/// impl Problem for Words {
///     type Output = (String, usize);
///     type Acc = Counts;
///     type State = Vec<&'static str>;
///     fn name(&self) -> &str {
///         "words"
///     }
///     fn items(&self) -> usize {
///         1000
///     }
///     fn state(&self) -> anyhow::Result<Vec<&'static str>> {
///         Ok(vec!["map", "reduce", "fold", "scan"])
///     }
///     fn item(words: &Vec<&'static str>, i: usize) -> (String, usize) {
///         let word = words[i * 7 % words.len()];
///         (word.to_string(), word.len())
///     }
/// }
///
/// let prepared = parbench::matrix::Prepared::of(Words).unwrap();
/// let proven = parbench::matrix::prove(&prepared, parbench::backends::BACKENDS, &[1, 2]).unwrap();
/// assert!(proven > 30);
/// ```
pub trait Problem: Send + Sync + 'static {
    /// What one item computes. `Default` is the empty slot a call's output
    /// starts from.
    type Output: Default + PartialEq + Debug + Send + Sync + 'static;

    /// What the shared-mutable strategies accumulate the outputs into
    /// ([`WrappingSum`] for a `u64` output, which [`u64_output!`](crate::u64_output) names).
    type Acc: Accumulator<Self::Output>;

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

    /// The output of item `index`: the work of one item.
    fn item(state: &Self::State, index: usize) -> Self::Output;

    /// Whether the shared-mutable strategies apply: they add every item's
    /// output into one shared accumulator ([`Problem::Acc`]), so it must
    /// mean something for this problem (a count, a total, a histogram).
    /// `false`: they are skipped (`matrix::problem_refusal` says why).
    fn sums(&self) -> bool {
        true
    }

    /// Checks item `index`'s output `got` against the sequential loop's
    /// `expected`; the message says what differs. Equality by default.
    fn check(
        &self,
        index: usize,
        expected: &Self::Output,
        got: &Self::Output,
    ) -> Result<(), String> {
        if expected == got {
            Ok(())
        } else {
            Err(format!(
                "item {index}: expected {}, got {}",
                shown(expected),
                shown(got)
            ))
        }
    }
}

/// What the shared-mutable strategies accumulate a problem's outputs into:
/// a total, a histogram, a map of counts. One `Mutex<Acc>` (`mutex_sum`),
/// a private one per task merged at the end (`fold_reduce`), one per
/// worker thread behind its own lock (`sharded_sum`), one inside each
/// stateful worker (`mutex_worker`, `worker_per_thread`). `add` and
/// `merge` in any order and grouping must give the same total as the
/// sequential loop's, which the oracle checks.
///
/// Atomics hold only a `u64` sum: `atomic_sum` runs on [`WrappingSum`]
/// alone, and `sharded_sum` and `fold_reduce` keep an atomic per thread
/// there (a lock per thread for any other accumulator).
pub trait Accumulator<O>: PartialEq + Debug + Send + Sync + 'static {
    /// The accumulator of no outputs.
    fn empty() -> Self;
    /// Adds one item's output.
    fn add(&mut self, output: O);
    /// Adds everything another accumulator holds.
    fn merge(&mut self, other: Self);
    /// The wrapping `u64` sum this is, for [`WrappingSum`] alone: what an
    /// atomic can hold. `None` for every other accumulator.
    #[inline]
    fn as_sum(&self) -> Option<u64> {
        None
    }
    /// The `u64` that `output` adds to a [`WrappingSum`]; `None` for any
    /// other accumulator.
    #[inline]
    fn summand(_output: &O) -> Option<u64> {
        None
    }
}

/// The default accumulator: the wrapping sum of `u64` outputs, which the
/// seed's workloads and every `u64` problem accumulate, and which atomics
/// can hold.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WrappingSum(pub u64);

impl Accumulator<u64> for WrappingSum {
    #[inline]
    fn empty() -> WrappingSum {
        WrappingSum(0)
    }
    #[inline]
    fn add(&mut self, output: u64) {
        self.0 = self.0.wrapping_add(output);
    }
    #[inline]
    fn merge(&mut self, other: WrappingSum) {
        self.0 = self.0.wrapping_add(other.0);
    }
    #[inline]
    fn as_sum(&self) -> Option<u64> {
        Some(self.0)
    }
    #[inline]
    fn summand(output: &u64) -> Option<u64> {
        Some(*output)
    }
}

/// Whether problem `P`'s accumulator is the wrapping `u64` sum, which
/// atomics can hold (known at compile time, for each `P`).
#[inline]
pub fn sums_atomically<P: Problem>() -> bool {
    std::any::TypeId::of::<P::Acc>() == std::any::TypeId::of::<WrappingSum>()
}

/// The two associated types of a problem whose items return a `u64` added
/// into a wrapping `u64` sum ([`WrappingSum`]), inside `impl Problem for`:
/// `parbench::u64_output!();`.
#[macro_export]
macro_rules! u64_output {
    () => {
        type Output = u64;
        type Acc = $crate::problem::WrappingSum;
    };
}

/// `value` as `Debug` shows it, cut to its first 200 characters: what a
/// mismatch names, which a large output (a long `String`, a map of
/// thousands of words) would otherwise drown.
pub fn shown(value: &impl Debug) -> String {
    const MAX: usize = 200;
    let text = format!("{value:?}");
    match text.char_indices().nth(MAX) {
        None => text,
        Some((cut, _)) => format!("{}... ({} characters)", &text[..cut], text.chars().count()),
    }
}

/// The sequential loop, the one oracle: item `start + k`'s output into
/// `out[k]` for every slot of `out`. The `sequential` variant runs exactly
/// this, and every other variant is checked against its outputs.
#[inline]
pub fn oracle_into<P: Problem>(state: &P::State, start: usize, out: &mut [P::Output]) {
    for (slot, i) in out.iter_mut().zip(start..) {
        *slot = P::item(state, i);
    }
}

/// The sequential loop's accumulator of items `items`: the total every
/// shared-mutable strategy must reach.
pub fn oracle_total<P: Problem>(state: &P::State, items: std::ops::Range<usize>) -> P::Acc {
    let mut total = P::Acc::empty();
    for i in items {
        total.add(P::item(state, i));
    }
    total
}
