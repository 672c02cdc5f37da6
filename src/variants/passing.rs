//! Passing the function: the seed's three idioms, plus dynamic dispatch.
//!
//! All borrow the constant state; none copies it. In Rust, closure capture,
//! a function object and a method path all compile to a direct, inlinable
//! call, so any difference between them is noise; `dyn_callable` is the one
//! that pays for an indirect call per item, as every Python call does.

use std::hint::black_box;
use std::ops::Range;
use std::sync::Arc;

use anyhow::Result;

use super::{Kernel, Variant, map_items, run_with_slots};
use crate::problem::{Problem, oracle_into};
use crate::roles::{Family, Role};
use crate::schedule::Scheduler;
use crate::schedule::{Capabilities, Outcome, Produced};

/// The sequential loop: the oracle and the baseline of every speedup. It
/// runs the oracle's own loop over its items, on the `sequential` backend
/// only (on a parallel backend it would be `closure` under another name).
///
/// ```python
/// results = [(a + b) * const for a, b in zip(range(20), range(100, 120))]
/// ```
pub struct Sequential;

impl Variant for Sequential {
    fn id(&self) -> &'static str {
        "sequential"
    }
    fn family(&self) -> Family {
        Family::Baseline
    }
    fn role(&self) -> Role {
        Role::Baseline
    }
    fn python(&self) -> &'static str {
        "[(a + b) * const for a, b in zip(...)]"
    }
    fn shows(&self) -> &'static str {
        "the oracle: correct results and the time every speedup is measured against"
    }
    fn refuses(&self, on: Capabilities) -> Option<&'static str> {
        (on.max_threads > 1).then_some(
            "the sequential loop is the baseline: it runs on one thread only \
             (closure is the same loop in parallel)",
        )
    }
    fn kernel(&self) -> Kernel {
        Kernel::Sequential
    }
}

/// A closure capturing the constant state by reference.
///
/// ```python
/// pool.map(functools.partial(f, const=const), zip(a, b))
/// ```
/// Python's `partial` is pickled and sent with every chunk; the Rust closure
/// captures one reference and is shared by all threads.
pub struct Closure;

impl Variant for Closure {
    fn id(&self) -> &'static str {
        "closure"
    }
    fn family(&self) -> Family {
        Family::Passing
    }
    fn role(&self) -> Role {
        Role::PartialIdiom
    }
    fn python(&self) -> &'static str {
        "pool.map(functools.partial(f, const=c), items)"
    }
    fn shows(&self) -> &'static str {
        "the partial analogue: a closure borrowing the constants"
    }
    fn kernel(&self) -> Kernel {
        Kernel::Closure
    }
}

/// A struct holding the constant state, with a call method: the seed's
/// callable class.
///
/// ```python
/// class Multiplier:
///     def __init__(self, const): self.const = const
///     def __call__(self, ab): return (ab[0] + ab[1]) * self.const
/// pool.map(Multiplier(const), items)
/// ```
/// Stable Rust cannot implement `Fn` for a struct (`impl Fn for` needs the
/// unstable `fn_traits` and `unboxed_closures` features), so the object is
/// called through its own method, [`Multiplier::call`].
pub struct FunctionObject;

/// The function object: holds (a borrow of) the constant state, computes
/// an item.
pub struct Multiplier<'a, P: Problem> {
    state: &'a P::State,
}

impl<P: Problem> Clone for Multiplier<'_, P> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<P: Problem> Copy for Multiplier<'_, P> {}

impl<'a, P: Problem> Multiplier<'a, P> {
    pub fn new(state: &'a P::State) -> Self {
        Multiplier { state }
    }
    /// `__call__`.
    #[inline]
    pub fn call(&self, i: usize) -> P::Output {
        P::item(self.state, i)
    }
    /// The seed's `worker.foo`: the same computation as a named method.
    #[inline]
    pub fn foo(&self, i: usize) -> P::Output {
        P::item(self.state, i)
    }
}

impl Variant for FunctionObject {
    fn id(&self) -> &'static str {
        "function_object"
    }
    fn family(&self) -> Family {
        Family::Passing
    }
    fn role(&self) -> Role {
        Role::CallableClassIdiom
    }
    fn python(&self) -> &'static str {
        "pool.map(Multiplier(const), items)  # __call__"
    }
    fn shows(&self) -> &'static str {
        "the callable class: a struct holding the constants, called through a method"
    }
    fn kernel(&self) -> Kernel {
        Kernel::FunctionObject
    }
}

/// A method passed by its path, with the worker it is called on.
///
/// ```python
/// worker = Worker(const)
/// pool.map(worker.foo, items)
/// ```
/// Rust has no bound-method value: the nearest is the path `Multiplier::foo`,
/// a function item taking the worker as its first argument.
pub struct MethodReference;

impl Variant for MethodReference {
    fn id(&self) -> &'static str {
        "method_reference"
    }
    fn family(&self) -> Family {
        Family::Passing
    }
    fn role(&self) -> Role {
        Role::BoundMethodIdiom
    }
    fn python(&self) -> &'static str {
        "pool.map(worker.foo, items)"
    }
    fn shows(&self) -> &'static str {
        "the bound method: a method path applied to a shared worker"
    }
    fn kernel(&self) -> Kernel {
        Kernel::MethodReference
    }
}

/// The same closure behind a boxed trait object: one indirect call per item.
///
/// ```python
/// f = functools.partial(g, const=const)   # every Python call is dynamic
/// pool.map(f, items)
/// ```
/// `black_box` hides the concrete type from the optimiser, so the call stays
/// dynamic as it would behind a plug-in boundary.
pub struct DynCallable;

impl Variant for DynCallable {
    fn id(&self) -> &'static str {
        "dyn_callable"
    }
    fn family(&self) -> Family {
        Family::Passing
    }
    fn role(&self) -> Role {
        Role::DynamicDispatch
    }
    fn python(&self) -> &'static str {
        "pool.map(f, items)  # any callable, dispatched at run time"
    }
    fn shows(&self) -> &'static str {
        "the price of dynamic dispatch: Box<dyn Fn + Sync>, one indirect call per item"
    }
    fn kernel(&self) -> Kernel {
        Kernel::DynCallable
    }
}

/// [`Sequential`]'s kernel: the oracle's own loop over each chunk (one
/// chunk, on the sequential backend).
pub(super) fn sequential<P: Problem, S: Scheduler + ?Sized>(
    state: &Arc<P::State>,
    items: Range<usize>,
    on: &S,
    out: &mut [P::Output],
) -> Result<Outcome> {
    let state: &P::State = state;
    let stats = run_with_slots(on, items, out, |_, start, slots| {
        oracle_into::<P>(state, start, slots)
    })?;
    Ok(Outcome {
        produced: Produced::Items,
        calls: None,
        stats,
    })
}

/// [`Closure`]'s kernel.
pub(super) fn closure<P: Problem, S: Scheduler + ?Sized>(
    state: &Arc<P::State>,
    items: Range<usize>,
    on: &S,
    out: &mut [P::Output],
) -> Result<Outcome> {
    let state: &P::State = state;
    let partial = move |i: usize| P::item(state, i);
    map_items(on, items, out, partial)
}

/// [`FunctionObject`]'s kernel.
pub(super) fn function_object<P: Problem, S: Scheduler + ?Sized>(
    state: &Arc<P::State>,
    items: Range<usize>,
    on: &S,
    out: &mut [P::Output],
) -> Result<Outcome> {
    let object = Multiplier::<P>::new(state);
    map_items(on, items, out, move |i| object.call(i))
}

/// [`MethodReference`]'s kernel.
pub(super) fn method_reference<P: Problem, S: Scheduler + ?Sized>(
    state: &Arc<P::State>,
    items: Range<usize>,
    on: &S,
    out: &mut [P::Output],
) -> Result<Outcome> {
    let worker = Multiplier::<P>::new(state);
    let method = Multiplier::<P>::foo;
    map_items(on, items, out, move |i| method(&worker, i))
}

/// [`DynCallable`]'s kernel.
pub(super) fn dyn_callable<P: Problem, S: Scheduler + ?Sized>(
    state: &Arc<P::State>,
    items: Range<usize>,
    on: &S,
    out: &mut [P::Output],
) -> Result<Outcome> {
    let state: &P::State = state;
    let boxed: Box<dyn Fn(usize) -> P::Output + Sync + '_> = Box::new(move |i| P::item(state, i));
    let callable: &(dyn Fn(usize) -> P::Output + Sync) = black_box(&*boxed);
    map_items(on, items, out, callable)
}
