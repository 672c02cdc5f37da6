//! The contract between the variants and the in-process backends.
//!
//! A variant describes how the work and its state travel to the threads; a
//! backend decides which thread runs which part. They meet here, below
//! both: a backend that runs in this process is a [`Scheduler`], which cuts
//! a range of items into [`Chunk`]s and runs one [`Task`] per chunk, telling
//! the task which worker runs it; a variant builds that task and says what
//! the call produced ([`Outcome`]). [`Capabilities`] is what a variant may
//! ask of a backend before it runs on it (the one capability check,
//! `Variant::refuses`). Neither side names the other's types.

use std::ops::Range;

use anyhow::Result;
use serde::{Deserialize, Serialize};

/// What a backend offers that a variant may need: the one capability
/// check's inputs (`Variant::refuses`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Capabilities {
    /// The most threads (or workers) it can run on.
    pub max_threads: usize,
    /// Whether its workers share the caller's memory (threads do; worker
    /// processes do not).
    pub shares_memory: bool,
}

/// A contiguous run of items and, when the caller wants per-item results,
/// the output slots for exactly those items (otherwise `out` is empty).
#[derive(Debug)]
pub struct Chunk<'a> {
    pub items: Range<usize>,
    pub out: &'a mut [u64],
}

/// The work a scheduler runs: called once per chunk with the index of the
/// worker thread that runs it (`0..threads`).
pub type Task<'t> = dyn Fn(usize, Chunk<'_>) + Sync + 't;

/// What one call did, for the copy counts of the ownership variants: the
/// chunks (tasks) handed out and the distinct workers that ran at least one.
///
/// Both counts in one `u64` (chunks in the low half): a `Result<RunStats>`
/// is then a tag and one word, which comes back from a scheduler in two
/// registers. As two `usize` fields (and as two `u32` fields) it came back
/// through memory, written as two stores and read back by the variant as
/// one wider load, which the CPU cannot forward from the stores: `perf
/// annotate` put about a sixth of the samples of the seed's sequential call
/// on that one reload (issue 23). On the wire (the process backend) it is
/// the two named counts.
#[derive(Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(from = "Counts", into = "Counts")]
pub struct RunStats(u64);

/// [`RunStats`] as its fields, for serde and `Debug`.
#[derive(Debug, Serialize, Deserialize)]
struct Counts {
    chunks: u32,
    workers_used: u32,
}

impl RunStats {
    /// The counts of a call whose items passed [`check_output`](crate::backends::check_output), so that
    /// neither count, at most one per item, can exceed `u32::MAX`.
    pub fn new(chunks: usize, workers_used: usize) -> RunStats {
        RunStats(chunks as u32 as u64 | ((workers_used as u32 as u64) << 32))
    }
    /// Chunks (tasks) handed out.
    pub fn chunks(self) -> usize {
        self.0 as u32 as usize
    }
    /// Distinct workers that ran at least one chunk.
    pub fn workers_used(self) -> usize {
        (self.0 >> 32) as usize
    }
}

impl From<Counts> for RunStats {
    fn from(c: Counts) -> RunStats {
        RunStats::new(c.chunks as usize, c.workers_used as usize)
    }
}

impl From<RunStats> for Counts {
    fn from(s: RunStats) -> Counts {
        Counts {
            chunks: s.chunks() as u32,
            workers_used: s.workers_used() as u32,
        }
    }
}

impl std::fmt::Debug for RunStats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        Counts::from(*self).fmt(f)
    }
}

/// An in-process executor: runs a task over the chunks of a range of items
/// on its threads.
///
/// # Safety
///
/// In one call to [`Scheduler::run`], no item of `items` goes to two tasks,
/// and no task gets an item outside `items`: a variant whose outputs are not
/// `u64` writes each chunk's slots through one pointer to the call's output
/// (`variants::run_with_slots`), relying on it. (The `u64` slots are also
/// handed out with the chunks, as safe slices.) Every chunk being handed
/// out exactly once is the oracle's to prove, not memory safety's.
pub unsafe trait Scheduler: Send + Sync {
    fn threads(&self) -> usize;
    /// Runs `task` over `items`. `out` is empty or holds exactly one slot per
    /// item, handed out with the chunks. A panic inside `task` comes back as
    /// an error (but for [`crate::backends::CallingThreadUncaught`], which
    /// only timing loops that catch around themselves use).
    fn run(&self, items: Range<usize>, out: &mut [u64], task: &Task<'_>) -> Result<RunStats>;
    /// Is it the sequential backend's scheduler, the calling thread? A timed
    /// call there is compiled for the calling thread itself
    /// ([`crate::matrix::Target::CallingThread`]).
    fn is_calling_thread(&self) -> bool {
        false
    }
    /// Moves its threads that outlive a call (a pool's) to `cpu`, or back
    /// to the affinity they had before (`None`). True where they moved, and
    /// where it has none: threads started for each call inherit the
    /// calling thread's affinity ([`crate::backends::hold_with_caller`]).
    fn pin_workers(&self, _cpu: Option<usize>) -> bool {
        true
    }
}

/// What a call produced: per-item outputs (written into the caller's
/// output slice), one wrapping `u64` sum, or another accumulator's total
/// (left with the problem: `matrix::Prepared::check`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Produced {
    Items,
    Sum(u64),
    Total,
}

/// What a call produced, how many times a stateful worker was called, and
/// how the backend scheduled it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    pub produced: Produced,
    /// Calls counted by a stateful worker (must equal the item count).
    pub calls: Option<u64>,
    pub stats: RunStats,
}

impl Outcome {
    /// The outcome of a job run in two parts (adjacent item ranges): sums
    /// add (wrapping), call counts and chunks add. Workers are counted per
    /// part, so two parts run by different workers count both.
    pub fn merge(self, other: Outcome) -> Result<Outcome> {
        let produced = match (self.produced, other.produced) {
            (Produced::Items, Produced::Items) => Produced::Items,
            (Produced::Sum(a), Produced::Sum(b)) => Produced::Sum(a.wrapping_add(b)),
            (a, b) => anyhow::bail!(
                "cannot merge a part that produced {a:?} with one that produced {b:?}"
            ),
        };
        let calls = match (self.calls, other.calls) {
            (None, None) => None,
            (a, b) => Some(a.unwrap_or(0) + b.unwrap_or(0)),
        };
        Ok(Outcome {
            produced,
            calls,
            stats: RunStats::new(
                self.stats.chunks() + other.stats.chunks(),
                self.stats.workers_used() + other.stats.workers_used(),
            ),
        })
    }
}
