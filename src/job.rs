//! A job: the work of one call, and the problem it runs on.
//!
//! An executor is handed a [`Job`] (which variant, which range of items)
//! and the problem, made ready ([`Runnable`]: its state built, whatever its
//! type). A scheduler in this process hands both to the variant's kernel,
//! compiled for the problem's own type ([`Runnable::run_kernel`]); an
//! executor whose workers are other processes sends them what they need to
//! rebuild the problem instead (`backends::process`: the seed's problems
//! from their knobs, [`Runnable::seed_state`]; any other problem from its
//! serialised state, [`Runnable::wire_state`]).

use std::any::TypeId;
use std::fmt;
use std::marker::PhantomData;
use std::ops::Range;

use anyhow::{Result, bail};

use crate::schedule::{Outcome, Scheduler};
use crate::variants::{Kernel, Variant};
use crate::workload::{Constants, Seed};

/// The work of one call (or one part of it).
#[derive(Clone)]
pub struct Job {
    /// The variant: how the function and its state reach the threads.
    pub variant: &'static dyn Variant,
    /// The variant's kernel, asked once when the job is built: the timed
    /// call dispatches on this value instead of asking the variant, one
    /// virtual call fewer in every call (issue 23 measured the difference
    /// on the seed's 20-item sequential call).
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
    /// Computes `items` with `kernel` on `on`, compiled for this
    /// problem's type: the in-process call.
    fn run_kernel(
        &self,
        kernel: Kernel,
        items: Range<usize>,
        on: &dyn Scheduler,
        out: Slots<'_>,
    ) -> Result<Outcome>;
    /// The type of one item's output (`std::any::type_name`): worker
    /// processes carry `u64` outputs only.
    fn output_type(&self) -> &'static str;
    /// Whether its accumulator is the wrapping `u64` sum
    /// ([`crate::problem::WrappingSum`]), the one worker processes send back.
    fn accumulates_u64_sum(&self) -> bool;
    /// The seed's state, when this is one of the seed's problems
    /// ([`Seed`]): worker processes rebuild it from the seed's knobs and
    /// its table. `None` for any other problem.
    fn seed_state(&self) -> Option<&Constants>;
    /// Another problem's state as bytes, when the problem was made ready
    /// with a serialisable state (`matrix::Prepared::portable`): worker
    /// processes of the problem's own program deserialise it. `None`
    /// otherwise.
    fn wire_state(&self) -> Option<WireState<'_>>;
}

/// A problem's constant state, serialised once (postcard), as worker
/// processes receive it.
#[derive(Clone, Copy, Debug)]
pub struct WireState<'a> {
    pub bytes: &'a [u8],
    /// A digest of the bytes: a worker that kept a copy keeps it while the
    /// digest stays the same.
    pub digest: u64,
}

/// [`Runnable::seed_state`] of a problem of type `P` whose state is
/// `state`: the state itself when `P` is [`Seed`].
pub fn seed_state_of<P: 'static, S: 'static>(state: &S) -> Option<&Constants> {
    (std::any::TypeId::of::<P>() == std::any::TypeId::of::<Seed>())
        .then(|| (state as &dyn std::any::Any).downcast_ref::<Constants>())
        .flatten()
}

/// A call's output slots, whatever the problem's output type: how they
/// cross [`Runnable`] and `dyn Executor`, which cannot be generic over it.
/// The problem's own code views them typed again ([`Slots::typed`]); the
/// calls timed in this process never go through here
/// (`matrix::Prepared::run_on` keeps them typed).
pub struct Slots<'a> {
    ptr: *mut (),
    len: usize,
    ty: TypeId,
    type_name: &'static str,
    _borrow: PhantomData<&'a mut [()]>,
}

impl<'a> Slots<'a> {
    /// The slots of `out`, their type kept to be checked.
    pub fn of<T: 'static>(out: &'a mut [T]) -> Slots<'a> {
        Slots {
            len: out.len(),
            ptr: out.as_mut_ptr().cast(),
            ty: TypeId::of::<T>(),
            type_name: std::any::type_name::<T>(),
            _borrow: PhantomData,
        }
    }

    /// The slots as `T`s, if they are `T`s.
    pub fn typed<T: 'static>(self) -> Result<&'a mut [T]> {
        if self.ty != TypeId::of::<T>() {
            bail!(
                "output slots of type {} where {} were expected",
                self.type_name,
                std::any::type_name::<T>()
            );
        }
        // SAFETY: `ptr` and `len` came from a `&'a mut [T]` of this very
        // `T` (the type ids are equal), borrowed for `'a` by `self`, which
        // this consumes.
        Ok(unsafe { std::slice::from_raw_parts_mut(self.ptr.cast::<T>(), self.len) })
    }
}

impl fmt::Debug for Slots<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Slots<{}>({})", self.type_name, self.len)
    }
}
