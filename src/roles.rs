//! Roles and families: the parts the variants play, named below them.
//!
//! The workloads' coverage (which parts each profile measures), the
//! findings and the results file all speak of a variant by the part it
//! plays, never by its id. Those names live here, in the core, so that the
//! workloads and the records need not know the variants themselves: each
//! variant says which [`Role`] and [`Family`] it has ([`crate::variants`]).

use serde::{Deserialize, Serialize};

/// Margin of practical equivalence of the passing idioms' paired time
/// ratios, and of the ownership modes' against the closure (see `docs/answers.md`).
pub const IDIOMS_MARGIN: f64 = 0.02;
/// Margin of each shared-sum strategy's paired time ratio to the private
/// fold, and of the worker per thread's to the locked worker.
pub const SHARED_SUM_MARGIN: f64 = 0.02;
/// Margin between two backends running the same variant at the same thread
/// count: their paired speedups, and their head-to-head time ratio
/// ([`crate::results::HeadToHead`]), which the sampler stops on.
pub const BACKEND_MARGIN: f64 = 0.05;
/// Margin of a backend's mean call after the caller's own work against its
/// steady call right after it: intermittent calls this much slower on
/// average lose their steady speed. The intermittent sampler stops on it.
pub const INTERMITTENT_LOSS: f64 = 0.10;

/// Which question of the seed a variant helps answer: how the report
/// groups it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Family {
    /// The sequential loop: the oracle and the baseline of every speedup.
    Baseline,
    /// How the function and its borrowed state are passed (`partial`,
    /// function object, bound method, dynamic dispatch).
    Passing,
    /// Who owns the constant state during the call (the seed's memory question).
    Ownership,
    /// Every item adds into shared state (the seed's "all hell breaks loose").
    SharedMutable,
    /// A family this build does not know (a file from a newer parbench).
    #[default]
    #[serde(other)]
    Other,
}

impl Family {
    pub fn label(self) -> &'static str {
        match self {
            Family::Baseline => "baseline",
            Family::Passing => "passing the function",
            Family::Ownership => "owning the state",
            Family::SharedMutable => "shared mutable state",
            Family::Other => "other",
        }
    }
}

/// The part a variant plays in the findings and the profiles. The findings
/// and the profiles select variants by role, never by id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The sequential loop: every speedup is measured against it.
    Baseline,
    /// The seed's `functools.partial`: the plain parallel map, which
    /// comparisons across backends and machines follow.
    PartialIdiom,
    /// The seed's callable class (`__call__`).
    CallableClassIdiom,
    /// The seed's bound method (`worker.foo`).
    BoundMethodIdiom,
    /// Passing the function behind dynamic dispatch.
    DynamicDispatch,
    /// The state shared by handles, never copied.
    SharedOwnership,
    /// One deep copy of the state per worker.
    CopyPerWorker,
    /// One deep copy of the state per task.
    CopyPerTask,
    /// The shared-sum strategy that shares nothing: the reference the other
    /// strategies are compared with.
    PrivateSum,
    /// A shared sum in one padded slot per thread.
    ShardedSum,
    /// A shared sum in one atomic.
    AtomicSum,
    /// A shared sum behind one lock.
    LockedSum,
    /// One stateful worker shared behind a lock.
    LockedWorker,
    /// One stateful worker per thread, merged after.
    WorkerPerThread,
    /// A role this build does not know (a file from a newer parbench).
    #[default]
    #[serde(other)]
    Other,
}

impl Role {
    /// The roles this one is compared with, paired (measured in the same
    /// rounds), in the findings: the idioms with `partial` and each other,
    /// the shared-sum strategies with the one that shares nothing, the
    /// ownership modes with the plain closure, the workers with each other.
    /// A variant that churns memory is sampled apart (`Sweep::pair`), so it
    /// has no comparison there (the copies of `big_state`).
    pub fn compared_with(self) -> &'static [Role] {
        match self {
            Role::CallableClassIdiom | Role::DynamicDispatch => &[Role::PartialIdiom],
            Role::BoundMethodIdiom => &[Role::PartialIdiom, Role::CallableClassIdiom],
            Role::SharedOwnership | Role::CopyPerWorker | Role::CopyPerTask => {
                &[Role::PartialIdiom]
            }
            Role::ShardedSum | Role::AtomicSum | Role::LockedSum => &[Role::PrivateSum],
            Role::WorkerPerThread => &[Role::LockedWorker],
            _ => &[],
        }
    }

    /// The margin of practical equivalence of this role's comparisons
    /// ([`Role::compared_with`]): the paired sampler samples each until it
    /// is decided against it, and the findings answer with it.
    pub fn comparison_margin(self) -> f64 {
        match self {
            Role::ShardedSum | Role::AtomicSum | Role::LockedSum | Role::WorkerPerThread => {
                SHARED_SUM_MARGIN
            }
            _ => IDIOMS_MARGIN,
        }
    }

    /// The seed's three ways of passing the function, which the first
    /// finding compares.
    pub const IDIOMS: [Role; 3] = [
        Role::PartialIdiom,
        Role::CallableClassIdiom,
        Role::BoundMethodIdiom,
    ];
    /// The shared-sum strategies, the reference first.
    pub const SHARED_SUMS: [Role; 4] = [
        Role::PrivateSum,
        Role::ShardedSum,
        Role::AtomicSum,
        Role::LockedSum,
    ];
    /// The stateful workers: behind a lock, then one per thread.
    pub const WORKERS: [Role; 2] = [Role::LockedWorker, Role::WorkerPerThread];
    /// Who copies the constant state: the seed's memory question, most
    /// copies first.
    pub const MEMORY_QUESTION: [Role; 5] = [
        Role::CopyPerTask,
        Role::CopyPerWorker,
        Role::SharedOwnership,
        Role::CallableClassIdiom,
        Role::PartialIdiom,
    ];
}
