//! The seed problem, generalised: the built-in workloads.
//!
//! The seed maps `(a + b) * const` over `zip(range(20), range(100, 120))`. Here
//! item `i` is the pair `(a, b) = (i, 100 + i)` and its result is
//! `f((a + b) * c)`, where `f` applies a deterministic integer mixing step a
//! number of times that the workload chooses (its cost per item), and may add
//! the sum of a span of a read-only lookup table (the "constant state" that
//! the seed hands to every worker). With no rounds and no table the result is
//! exactly the seed's `(a + b) * const`. All arithmetic wraps on `u64`.
//!
//! **The table is streamed, not probed.** Item `i` sums the
//! `ceil(entries / items)` entries from `i * span` on ([`Constants::span`]),
//! so one call reads the whole table once, in order. Until issue 19 each
//! item read one random entry: one call then touched about 100,000 cache
//! lines (6.4 MB) of a 64 MiB table, about the share of the shared
//! last-level cache this VM gets, and its time followed what the host's
//! other tenants did to that cache (0.53 to 2.3 ms per call in one process,
//! varying over seconds; the sequential loop at 2.1 ms at the start of a run
//! and 5.5-7 ms at its end). Streamed, the table is read far beyond any
//! last-level cache (32 MiB here), and `big_state`'s mixing rounds
//! ([`WORKLOADS`]) make the call mostly CPU, so its cost is a property of the
//! code (`cargo run --release --example big_state_stability` measures both
//! patterns side by side).
//!
//! [`Constants`] is everything a worker needs: the constant `c`, the table and
//! the cost knobs; [`Constants::item`] is the work of one item. [`Seed`] is
//! the seed's problem at one size: it reaches the variants and the backends
//! through [`Problem`] only, like a user's problem, so every variant calls
//! `Constants::item` through `Problem::item` and is checked against the one
//! oracle ([`crate::problem::oracle_into`]). Its `Clone` is a deep copy,
//! table included; the ownership modes count each copy they make, which is
//! how parbench answers the seed's memory question. `Constants`' own loops
//! ([`Constants::oracle_range_into`]) serve the hand-written maps of the
//! harness overhead and the worker processes, which run the seed only.

use std::fmt;

use anyhow::{Result, bail};
use serde::{Deserialize, Serialize};

use crate::problem::Problem;
use crate::roles::{Family, Role};

/// The seed's constant.
pub const SEED_CONSTANT: u64 = 100;

/// How cost is spread over the items.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Imbalance {
    /// Every item costs `rounds`.
    Uniform,
    /// Item `i` costs `2 * rounds * i / n`: a ramp from free to twice the mean,
    /// so the last quarter of the items holds almost half of the work and
    /// static contiguous chunks leave early threads idle.
    Ramp,
    /// Every `every`-th item costs `factor` times `rounds`, the others `rounds`.
    Spikes { every: usize, factor: u32 },
}

impl fmt::Display for Imbalance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Imbalance::Uniform => write!(f, "uniform"),
            Imbalance::Ramp => write!(f, "ramp"),
            Imbalance::Spikes { every, factor } => write!(f, "every {every}th item x{factor}"),
        }
    }
}

/// The size and cost knobs of one problem.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Spec {
    /// Number of items.
    pub items: usize,
    /// Mixing rounds per item (the mean, under an imbalance).
    pub rounds: u32,
    pub imbalance: Imbalance,
    /// Size of the read-only lookup table in the constant state (0: just `c`).
    pub state_bytes: usize,
}

impl Spec {
    /// The bytes one call touches: the constant state's table and the
    /// output (one `u64` per item; the inputs are computed, not read).
    pub fn working_set_bytes(&self) -> u64 {
        (self.state_bytes + self.items * std::mem::size_of::<u64>()) as u64
    }

    /// Mixing rounds that item `i` costs.
    #[inline(always)]
    pub fn rounds_for(&self, i: usize) -> u64 {
        let rounds = u64::from(self.rounds);
        match self.imbalance {
            Imbalance::Uniform => rounds,
            Imbalance::Ramp => {
                let n = self.items.max(1) as u128;
                (2 * rounds as u128 * i as u128 / n) as u64
            }
            Imbalance::Spikes { every, factor } => {
                if every != 0 && i.is_multiple_of(every) {
                    rounds * u64::from(factor)
                } else {
                    rounds
                }
            }
        }
    }

    /// Total mixing rounds over all items: the work, in kernel steps.
    pub fn total_rounds(&self) -> u128 {
        (0..self.items).map(|i| self.rounds_for(i) as u128).sum()
    }
}

/// What a workload is for: the question of the report it answers. The
/// findings pick workloads by purpose, never by id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    /// Almost no work: what a parallel call costs by itself.
    Overhead,
    /// Cheap items, many of them: memory bandwidth and per-item overhead.
    MemoryBound,
    /// Expensive uniform items: how well the work scales.
    CpuBound,
    /// Uneven items: static chunking against dynamic scheduling.
    Imbalance,
    /// A large constant state: who copies it.
    StateSize,
    /// A problem of the user's own ([`crate::problem::Problem`], measured
    /// by its own bench binary): every question of the report, asked of it
    /// alone.
    Own,
    /// A purpose this build does not know (a file from a newer parbench).
    #[default]
    #[serde(other)]
    Other,
}

impl Purpose {
    /// Does the report ask of a workload of this purpose which backend is
    /// fastest? Then its two leading backends also race head to head
    /// ([`crate::results::HeadToHead`]).
    pub fn asks_which_backend(self) -> bool {
        matches!(self, Purpose::Imbalance | Purpose::Own)
    }

    /// Does the report ask of a workload of this purpose which way of
    /// splitting the work is fastest at the cores ("Which scheduler for
    /// this grain?")? Every workload where the split is the question
    /// ([`SPLIT_QUESTION`]). Its two leading backends then race head to
    /// head too.
    pub fn asks_which_scheduler(self) -> bool {
        SPLIT_QUESTION.iter().any(|(purpose, _)| *purpose == self)
    }
}

/// The workloads where how the work is split is the question, by purpose,
/// each with what the backends added for that question measure there
/// outside `full` ([`crate::backends::SPLIT_ONLY`]): the plain map, on the
/// seed's call, cheap items, uniform and uneven work, and a problem of
/// one's own. How the state and the sum travel is the same question on
/// every scheduler, which the first backends answer.
pub const SPLIT_QUESTION: &[(Purpose, Option<Coverage>)] = &[
    (Purpose::Overhead, Some(PLAIN_MAP_ALONE)),
    (Purpose::MemoryBound, Some(PLAIN_MAP_ALONE)),
    (Purpose::CpuBound, Some(PLAIN_MAP_ALONE)),
    (Purpose::Imbalance, Some(PLAIN_MAP_ALONE)),
    (Purpose::Own, Some(PLAIN_MAP_ALONE)),
];

const PLAIN_MAP_ALONE: Coverage = Coverage::Roles(&[Role::PartialIdiom]);

/// Which variants a profile measures on a workload (on every backend that
/// runs them, at every thread count).
#[derive(Clone, Copy, Debug)]
pub enum Coverage {
    Everything,
    /// The variants of these families.
    Families(&'static [Family]),
    /// The variants with these roles.
    Roles(&'static [Role]),
}

impl Coverage {
    /// Does it cover a variant of `family` playing `role`?
    pub fn covers(&self, family: Family, role: Role) -> bool {
        match self {
            Coverage::Everything => true,
            Coverage::Families(families) => families.contains(&family),
            Coverage::Roles(roles) => roles.contains(&role),
        }
    }
}

/// What a backend measures outside the `full` profile, where that is less
/// than the workloads' own coverage (a backend whose calls cost far more,
/// such as worker processes shipping a 64 MiB state per chunk): data that
/// the plan reads ([`crate::sweep::plan()`]), kept per workload purpose.
#[derive(Clone, Copy, Debug)]
pub struct Narrowing {
    /// The purposes it measures, each with the part of the workload's
    /// coverage it keeps (`None`: all of it). A purpose not listed is not
    /// measured on that backend outside `full`.
    pub kept: &'static [(Purpose, Option<Coverage>)],
    /// Outside `full`, only the most threads within the logical cores: the
    /// count the answers read a backend at. The backends added for how the
    /// work is split ([`crate::backends::SPLIT_ONLY`]) measure there alone,
    /// so that five of them fit `default`'s budget.
    pub most_threads_only: bool,
    /// Outside `full`, is it called now and then (the intermittent regime)
    /// where it measures? The backends added for how the work is split are
    /// not: on both examples and `compute` their calls after the caller's
    /// work took about 23 s of a default run that stood at 782 s
    /// (2026-12-07), beyond its 12 minutes.
    pub now_and_then: bool,
    /// Is it measured at all in `quick`? The backends added for how the
    /// work is split are not: with them a quick run measured for about
    /// 130 s, beyond its 2 minutes (2026-12-07); `default` answers what
    /// they are for.
    pub in_quick: bool,
}

impl Narrowing {
    /// Does it keep a variant of `family` playing `role` on a workload of
    /// `purpose`?
    pub fn keeps(&self, purpose: Purpose, family: Family, role: Role) -> bool {
        match self.kept.iter().find(|(p, _)| *p == purpose) {
            None => false,
            Some((_, None)) => true,
            Some((_, Some(coverage))) => coverage.covers(family, role),
        }
    }
}

/// A named preset: the axis `workload` of the matrix.
#[derive(Debug)]
pub struct Workload {
    pub id: &'static str,
    /// What it stresses, in one sentence.
    pub about: &'static str,
    pub purpose: Purpose,
    /// The sizes `cargo bench` and `parbench verify` use.
    pub full: Spec,
    /// Smaller sizes for `verify --quick` and the test suite.
    pub quick: Spec,
    /// What the `quick` profile measures on it (`full` measures everything).
    pub in_quick_profile: Coverage,
    /// What every profile measures on it in the intermittent regime
    /// (`full`: every parallel variant wherever this names any).
    pub intermittent: Option<Coverage>,
    /// What the `default` profile measures on it.
    pub in_default_profile: Coverage,
}

/// No variant: a profile that skips the workload.
const NOTHING: Coverage = Coverage::Families(&[]);
/// The baseline and the ways of passing the function.
const PASSING: Coverage = Coverage::Families(&[Family::Baseline, Family::Passing]);
/// The baseline and the variants that answer the memory question.
const MEMORY_QUESTION: Coverage = Coverage::Roles(&[
    Role::Baseline,
    Role::CopyPerTask,
    Role::CopyPerWorker,
    Role::SharedOwnership,
    Role::CallableClassIdiom,
    Role::PartialIdiom,
]);

/// The intermittent regime, in every profile: `partial`, the plain parallel map.
const PLAIN_MAP: Option<Coverage> = Some(Coverage::Roles(&[Role::PartialIdiom]));

const MIB: usize = 1 << 20;

/// Rounds per item of `compute` and `imbalanced`: 1 to 2 µs per item on a
/// current core (the mixing step is a dependent chain of multiplies), so
/// 8,000 items take over 10 ms sequentially.
const COMPUTE_ROUNDS: u32 = 400;

/// Rounds per item of `big_state`: with them a call takes about 10 ms on
/// this 2-core VM, the streaming of its 64 MiB table overlapped with the
/// mixing. Streaming alone (4 rounds, 2.4 ms a call) is bound by memory
/// bandwidth, which the host's other tenants share: in a default run the
/// paired ratios of one round then varied by about 7% even with every
/// member on the calling thread, against about 1% on `compute`, and the
/// sequential loop moved by 20% during the run. With 32 rounds,
/// `examples/big_state_stability` measured p90/p10 1.01 over 328 calls and
/// per-second medians within 1%. A copy of the table per task (about
/// 40 ms with its fresh pages, measured as clone_per_task on one thread)
/// still outweighs a call.
const BIG_STATE_ROUNDS: u32 = 32;

/// Every workload, in report order.
pub const WORKLOADS: &[Workload] = &[
    Workload {
        id: "seed",
        about: "the seed's literal problem: 20 items, (a + b) * 100; pure overhead",
        purpose: Purpose::Overhead,
        full: Spec {
            items: 20,
            rounds: 0,
            imbalance: Imbalance::Uniform,
            state_bytes: 0,
        },
        quick: Spec {
            items: 20,
            rounds: 0,
            imbalance: Imbalance::Uniform,
            state_bytes: 0,
        },
        in_quick_profile: NOTHING,
        in_default_profile: PASSING,
        intermittent: PLAIN_MAP,
    },
    Workload {
        id: "trivial",
        about: "1,000,000 items of (a + b) * 100: memory-bound, where overhead dominates",
        purpose: Purpose::MemoryBound,
        full: Spec {
            items: 1_000_000,
            rounds: 0,
            imbalance: Imbalance::Uniform,
            state_bytes: 0,
        },
        quick: Spec {
            items: 10_000,
            rounds: 0,
            imbalance: Imbalance::Uniform,
            state_bytes: 0,
        },
        in_quick_profile: NOTHING,
        in_default_profile: Coverage::Families(&[
            Family::Baseline,
            Family::Passing,
            Family::SharedMutable,
        ]),
        intermittent: None,
    },
    Workload {
        id: "compute",
        about: "8,000 items of 400 mixing rounds (1 to 2 µs each): CPU-bound",
        purpose: Purpose::CpuBound,
        full: Spec {
            items: 8_000,
            rounds: COMPUTE_ROUNDS,
            imbalance: Imbalance::Uniform,
            state_bytes: 0,
        },
        quick: Spec {
            items: 300,
            rounds: 40,
            imbalance: Imbalance::Uniform,
            state_bytes: 0,
        },
        in_quick_profile: Coverage::Everything,
        in_default_profile: Coverage::Everything,
        intermittent: PLAIN_MAP,
    },
    Workload {
        id: "imbalanced",
        about: "the work of `compute` on a ramp: item cost grows from 0 to twice the mean, \
                so static chunks leave threads idle",
        purpose: Purpose::Imbalance,
        full: Spec {
            items: 8_000,
            rounds: COMPUTE_ROUNDS,
            imbalance: Imbalance::Ramp,
            state_bytes: 0,
        },
        quick: Spec {
            items: 300,
            rounds: 40,
            imbalance: Imbalance::Ramp,
            state_bytes: 0,
        },
        in_quick_profile: NOTHING,
        in_default_profile: PASSING,
        intermittent: None,
    },
    Workload {
        id: "big_state",
        about: "a 64 MiB read-only table in the constant state, streamed once per call: each of \
                100,000 items sums its own 84 entries and mixes 32 rounds",
        purpose: Purpose::StateSize,
        full: Spec {
            items: 100_000,
            rounds: BIG_STATE_ROUNDS,
            imbalance: Imbalance::Uniform,
            state_bytes: 64 * MIB,
        },
        quick: Spec {
            items: 2_000,
            rounds: BIG_STATE_ROUNDS,
            imbalance: Imbalance::Uniform,
            state_bytes: MIB,
        },
        in_quick_profile: MEMORY_QUESTION,
        in_default_profile: Coverage::Everything,
        intermittent: None,
    },
];

/// Looks a workload up by id.
pub fn workload(id: &str) -> Result<&'static Workload> {
    match WORKLOADS.iter().find(|w| w.id == id) {
        Some(w) => Ok(w),
        None => bail!(
            "unknown workload '{id}' (expected one of: {})",
            ids(WORKLOADS.iter().map(|w| w.id))
        ),
    }
}

pub(crate) fn ids<'a>(ids: impl Iterator<Item = &'a str>) -> String {
    ids.collect::<Vec<_>>().join(", ")
}

/// The constant state handed to every worker: the seed's `c`, the lookup
/// table and the cost knobs. Read-only during a run.
#[derive(Debug)]
pub struct Constants {
    pub spec: Spec,
    pub c: u64,
    table: Table,
    /// Table entries each item sums ([`span_of`]).
    span: usize,
}

impl Clone for Constants {
    /// A deep copy, table included (the variants that make one count it).
    fn clone(&self) -> Self {
        let mut table = Vec::new();
        // A panic, not an abort, when memory runs out: the backend turns it
        // into an error that names the size.
        if table.try_reserve_exact(self.table.len()).is_err() {
            panic!(
                "cannot allocate a copy of the {}-byte constant state",
                self.table.len() * 8
            );
        }
        table.extend_from_slice(&self.table);
        Constants {
            spec: self.spec,
            c: self.c,
            table: Table::owned(table),
            span: self.span,
        }
    }
}

/// The read-only table of the constant state: a vector of its own, or a
/// read-only mapping of a file that another process wrote (the `process`
/// backend's workers share one table that way, copying nothing). Either way
/// the kernel reads it through a plain pointer and length, exactly as it
/// reads a `Vec`, so no variant pays for the choice.
struct Table {
    ptr: *const u64,
    len: usize,
    /// Keeps the memory behind `ptr` alive; never touched otherwise.
    _owner: TableOwner,
}

enum TableOwner {
    Owned(#[allow(dead_code)] Vec<u64>),
    Mapped(#[allow(dead_code)] memmap2::Mmap),
}

// SAFETY: the table is never written after construction, and both owners
// (a `Vec<u64>` and a read-only `Mmap`) are `Send + Sync`; `ptr` points into
// memory the owner keeps alive and in place (moving a `Vec` or an `Mmap`
// does not move the memory it points to).
unsafe impl Send for Table {}
unsafe impl Sync for Table {}

impl Table {
    fn owned(table: Vec<u64>) -> Table {
        Table {
            ptr: table.as_ptr(),
            len: table.len(),
            _owner: TableOwner::Owned(table),
        }
    }
}

impl std::ops::Deref for Table {
    type Target = [u64];
    #[inline(always)]
    fn deref(&self) -> &[u64] {
        // SAFETY: see the `Send`/`Sync` note: `ptr` and `len` describe the
        // owner's live, immutable, aligned memory.
        unsafe { std::slice::from_raw_parts(self.ptr, self.len) }
    }
}

impl fmt::Debug for Table {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let how = match self._owner {
            TableOwner::Owned(_) => "owned",
            TableOwner::Mapped(_) => "mapped",
        };
        write!(f, "Table({} entries, {how})", self.len)
    }
}

/// One step of the mixer (splitmix64's finaliser): a dependent chain of
/// shifts and multiplies that the compiler cannot fold away.
#[inline(always)]
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// The seed's problem at one size and cost: `(a + b) * c` over the items,
/// with the mixing rounds and the streamed table of [`Spec`]. Every
/// built-in workload is this problem at its own sizes; it reaches the
/// variants and the backends through [`Problem`] only, as a user's does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Seed {
    /// The workload it is measured as.
    pub name: &'static str,
    pub spec: Spec,
}

impl Seed {
    /// The seed's problem at `spec`, outside any workload (the workloads
    /// name theirs: [`Workload::problem`]).
    pub fn new(spec: Spec) -> Seed {
        Seed {
            name: "seed_at_spec",
            spec,
        }
    }
}

impl Workload {
    /// This workload's problem at `spec` (one of its sizes).
    pub fn problem(&'static self, spec: Spec) -> Seed {
        Seed {
            name: self.id,
            spec,
        }
    }
}

impl Problem for Seed {
    crate::u64_output!();
    type State = Constants;
    fn name(&self) -> &str {
        self.name
    }
    fn items(&self) -> usize {
        self.spec.items
    }
    fn state(&self) -> Result<Constants> {
        Constants::new(self.spec)
    }
    #[inline]
    fn item(state: &Constants, index: usize) -> u64 {
        state.item(index)
    }
}

impl Constants {
    /// Builds the constant state for `spec`; the table's memory is reserved
    /// fallibly, so a size that cannot be allocated is an error, not an abort.
    pub fn new(spec: Spec) -> Result<Constants> {
        let entries = spec.state_bytes / 8;
        let mut table = Vec::new();
        if table.try_reserve_exact(entries).is_err() {
            bail!(
                "cannot allocate a constant-state table of {} bytes",
                spec.state_bytes
            );
        }
        table.extend((0..entries as u64).map(mix));
        Ok(Constants {
            spec,
            c: SEED_CONSTANT,
            table: Table::owned(table),
            span: span_of(&spec, entries),
        })
    }

    /// The table of the constant state (empty when the spec has none).
    pub fn table(&self) -> &[u64] {
        &self.table
    }

    /// The constant state rebuilt from its parts (a worker process that was
    /// sent them): `table` must hold `spec.state_bytes / 8` entries.
    pub fn from_parts(spec: Spec, c: u64, table: Vec<u64>) -> Result<Constants> {
        check_table_len(&spec, table.len())?;
        Ok(Constants {
            spec,
            c,
            span: span_of(&spec, table.len()),
            table: Table::owned(table),
        })
    }

    /// The constant state over a read-only mapping of a table file (native
    /// byte order, `spec.state_bytes / 8` entries): no copy is made.
    pub fn mapped(spec: Spec, c: u64, map: memmap2::Mmap) -> Result<Constants> {
        if !map.len().is_multiple_of(8) || map.as_ptr().align_offset(8) != 0 {
            bail!(
                "a mapped table of {} bytes is not a whole, aligned number of u64 entries",
                map.len()
            );
        }
        check_table_len(&spec, map.len() / 8)?;
        Ok(Constants {
            spec,
            c,
            span: span_of(&spec, map.len() / 8),
            table: Table {
                ptr: map.as_ptr().cast::<u64>(),
                len: map.len() / 8,
                _owner: TableOwner::Mapped(map),
            },
        })
    }

    /// Table entries each item sums: `ceil(entries / items)`, so the items
    /// of one call read the whole table once, in order (0 without a table).
    pub fn span(&self) -> usize {
        self.span
    }

    /// The kernel: the result of item `i`. Every variant computes exactly this.
    /// With a table, item `i` adds the wrapping sum of the `span` entries
    /// from `(i * span) % entries` on (fewer at the table's end).
    #[inline(always)]
    pub fn item(&self, i: usize) -> u64 {
        let a = i as u64;
        let b = 100 + i as u64;
        let mut x = a.wrapping_add(b).wrapping_mul(self.c);
        for _ in 0..self.spec.rounds_for(i) {
            x = mix(x);
        }
        if !self.table.is_empty() {
            let table = &*self.table;
            let start = i.wrapping_mul(self.span) % table.len();
            let end = table.len().min(start + self.span);
            let sum = table[start..end]
                .iter()
                .fold(0u64, |sum, &entry| sum.wrapping_add(entry));
            x = x.wrapping_add(sum);
        }
        x
    }

    /// The oracle: the sequential loop, writing every item's result.
    pub fn oracle_into(&self, out: &mut [u64]) {
        self.oracle_range_into(0, out);
    }

    /// The oracle's loop over the items `start..start + out.len()`.
    pub fn oracle_range_into(&self, start: usize, out: &mut [u64]) {
        for (slot, i) in out.iter_mut().zip(start..) {
            *slot = self.item(i);
        }
    }

    /// The oracle's per-item results.
    pub fn oracle(&self) -> Vec<u64> {
        let mut out = vec![0; self.spec.items];
        self.oracle_into(&mut out);
        out
    }
}

/// Table entries item `i` sums so that the items of one call stream the
/// whole table once: `ceil(entries / items)` (0 without a table).
fn span_of(spec: &Spec, entries: usize) -> usize {
    entries.div_ceil(spec.items.max(1))
}

fn check_table_len(spec: &Spec, entries: usize) -> Result<()> {
    if entries != spec.state_bytes / 8 {
        bail!(
            "a table of {entries} entries for a spec of {} state bytes (expected {})",
            spec.state_bytes,
            spec.state_bytes / 8
        );
    }
    Ok(())
}

/// The wrapping sum of results, which the shared-state variants compute.
pub fn wrapping_sum(results: &[u64]) -> u64 {
    results.iter().fold(0u64, |acc, &x| acc.wrapping_add(x))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_is_the_literal_problem() {
        let seed = Constants::new(workload("seed").unwrap().full).unwrap();
        let expected: Vec<u64> = (0..20u64)
            .zip(100..120u64)
            .map(|(a, b)| (a + b) * 100)
            .collect();
        assert_eq!(seed.oracle(), expected);
        assert_eq!(seed.oracle()[..2], [10000, 10200]);
        assert_eq!(*seed.oracle().last().unwrap(), 13800);
    }

    #[test]
    fn imbalanced_does_about_the_work_of_compute() {
        let compute = workload("compute").unwrap().full.total_rounds() as f64;
        let imbalanced = workload("imbalanced").unwrap().full.total_rounds() as f64;
        assert!(
            (imbalanced / compute - 1.0).abs() < 0.01,
            "{imbalanced} vs {compute}"
        );
    }

    #[test]
    fn big_state_is_at_least_64_mib() {
        assert!(workload("big_state").unwrap().full.state_bytes >= 64 * MIB);
    }

    #[test]
    fn a_call_streams_the_whole_table_once() {
        // 1,000 entries over 300 items: spans of 4, the last items wrap.
        let spec = Spec {
            items: 300,
            rounds: 0,
            imbalance: Imbalance::Uniform,
            state_bytes: 8_000,
        };
        let state = Constants::new(spec).unwrap();
        assert_eq!(state.span(), 4);
        let mut read = vec![0u32; state.table().len()];
        for i in 0..spec.items {
            let start = (i * state.span()) % read.len();
            for slot in &mut read[start..(start + state.span()).min(1_000)] {
                *slot += 1;
            }
            let table_part = state
                .item(i)
                .wrapping_sub((i as u64 * 2 + 100) * SEED_CONSTANT);
            let expected = state.table()[start..(start + 4).min(1_000)]
                .iter()
                .fold(0u64, |s, &e| s.wrapping_add(e));
            assert_eq!(table_part, expected, "item {i}");
        }
        assert!(read.iter().all(|&n| n >= 1), "every entry is read");
        let big = workload("big_state").unwrap().full;
        let entries = big.state_bytes / 8;
        assert!(span_of(&big, entries) * big.items >= entries);
        assert!((span_of(&big, entries) - 1) * big.items < entries);
    }

    #[test]
    fn clone_is_deep() {
        let spec = Spec {
            items: 10,
            rounds: 1,
            imbalance: Imbalance::Uniform,
            state_bytes: 4096,
        };
        let original = Constants::new(spec).unwrap();
        let copy = original.clone();
        assert_ne!(original.table.as_ptr(), copy.table.as_ptr());
        assert_eq!(original.oracle(), copy.oracle());
    }

    #[test]
    fn unknown_workload_is_named() {
        let err = workload("nope").unwrap_err().to_string();
        assert!(err.contains("'nope'") && err.contains("compute"), "{err}");
    }
}
