//! A job: the work of one call, and the problem it runs on.
//!
//! An executor is handed a [`Job`] (which variant, which range of items)
//! and the problem, made ready ([`Runnable`]: its state built, whatever its
//! type). A scheduler in this process hands both to the variant's kernel,
//! compiled for the problem's own type ([`Runnable::run`]); an executor
//! whose workers are other processes sends them what they need to rebuild
//! the problem instead (`backends::process`).

use std::any::Any;
use std::fmt;
use std::ops::Range;

use anyhow::Result;

use crate::schedule::{Outcome, Scheduler};
use crate::variants::{Kernel, Variant};

/// The work of one call (or one part of it).
#[derive(Clone)]
pub struct Job {
    pub variant: &'static dyn Variant,
    /// The variant's kernel, asked once when the job is built: the timed
    /// call dispatches on this value, not through one more virtual call
    /// (asking the variant in the call added about 1.8 ns to the seed's
    /// 11 ns sequential call, measured against the hand-written loop).
    pub kernel: Kernel,
    /// The items to compute, a subrange of the problem's items.
    pub items: Range<usize>,
}

impl Job {
    /// All `items` items with `variant`.
    pub fn whole(variant: &'static dyn Variant, items: usize) -> Job {
        Job {
            variant,
            kernel: variant.kernel(),
            items: 0..items,
        }
    }

    /// The same job over `items` only (a part to send to one worker).
    pub fn part(&self, items: Range<usize>) -> Job {
        Job {
            items,
            ..self.clone()
        }
    }
}

impl fmt::Debug for Job {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Job")
            .field("variant", &self.variant.id())
            .field("items", &self.items)
            .finish()
    }
}

/// A problem made ready to run, whatever its type: its constant state
/// built once, outside every timed call. What an executor is handed beside
/// a [`Job`].
pub trait Runnable: Send + Sync {
    /// The problem's name.
    fn name(&self) -> &str;
    /// Its number of items.
    fn items(&self) -> usize;
    /// Computes `items` with `kernel` on `on`, compiled for this
    /// problem's type: the in-process call.
    fn run(
        &self,
        kernel: Kernel,
        items: Range<usize>,
        on: &dyn Scheduler,
        out: &mut [u64],
    ) -> Result<Outcome>;
    /// Deep copies of the state the kernels made so far.
    fn copies(&self) -> u64;
    /// The state, for an executor that must carry it elsewhere and knows
    /// how (the process backend: the seed's state only, today).
    fn state(&self) -> &dyn Any;
}
