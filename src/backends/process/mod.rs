//! Backend `process`: a pool of worker processes, the seed's own mechanism.
//!
//! `multiprocessing.Pool` runs the seed's idioms in other processes, so its
//! memory question ("does each process get a copy?") is about processes.
//! This backend answers it without analogy: N workers, each the parbench
//! executable itself started with `std::process::Command` and its hidden
//! subcommand `parbench worker` (no fork, so it works wherever `Command`
//! does), started once per thread count and kept across calls like a
//! `Pool()`. A problem of a user's own whose state is serde's runs on
//! workers that are the user's bench binary itself ([`set_worker_program`]
//! to it), re-entered as a worker ([`worker::serve_problem`]); its state
//! travels serialised ([`crate::job::Runnable::wire_state`]), never mapped.
//! A call cuts its items into `Pool.map`-sized chunks
//! ([`pool_map_chunk_len`]) and deals them to idle workers over their stdin
//! and stdout ([`protocol`]); results come back the same way.
//!
//! The constant state travels the way Python sends it, chosen by the
//! variant's role ([`transport`]): serialised with every chunk (the three
//! idioms, dynamic dispatch, the per-task copy and the sums: a pickled
//! `partial` or callable instance), once to each worker for the life of
//! the pool (`clone_per_worker`, a `Pool(initializer=...)`: like Python's
//! initialised pool, a second set of workers of the same size, started by
//! the first such call, each keeping its copy until the state changes), or
//! not at all (`arc_state`: the parent writes the table to a file once per
//! pool and spec, and the workers map it read-only). Each call counts the
//! bytes it sent and received ([`WorkerProcesses`]); each worker reports
//! the copies it made and its own peak RSS ([`crate::platform`]).
//!
//! Shared mutable state: `fold_reduce` and `worker_per_thread` return one
//! partial result per chunk, merged by the parent; `atomic_sum` and
//! `sharded_sum` add into `AtomicU64`s of a file mapped shared by the parent
//! and every worker (lock-free atomics on shared memory are address-free,
//! so they are atomic across processes); the two `Mutex` variants are
//! refused by the capability check.
//!
//! In a worker, a chunk is computed by what the variant's role produces
//! ([`produces`]: per-item results with the oracle's kernel, a partial sum,
//! a stateful worker's sum and count, or adds into the shared atomics), not
//! by the variant's in-process closure: across a process boundary a
//! closure, a function object and a bound method are the same bytes, and
//! what tells the variants apart is how their state travels.
//!
//! Faults: a worker that fails, dies, answers garbage or a frame cut short,
//! cannot map the shared memory, or does not answer within the pool's
//! timeout is an error naming the worker and the chunk, and the pool is
//! started again before the error returns; a worker of another protocol is
//! refused at its hello. `tests/it/process.rs` provokes each one, through a
//! test-only fault one worker is started with ([`fault`]). The timeout
//! covers answers: requests go only to idle workers, which read them at
//! once. No worker outlives the pool: dropping it closes their stdin, kills
//! and reaps them; and a worker exits when its stdin ends, so it also dies
//! with a parent killed outright (tested with SIGKILL). Linux's
//! `PR_SET_PDEATHSIG` is not used: it fires when the *thread* that started
//! the worker ends, and a pool may outlive the thread that built it.

pub mod fault;
pub mod protocol;
pub mod worker;
mod workers;

use self::workers::Workers;
pub use self::workers::{POOL_FOLDER_PREFIX, remove_folders_of_ended_pools};

use std::fs::OpenOptions;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};

use self::protocol::{
    ChunkJob, ChunkResult, PROTOCOL, ProblemJob, Reply, Request, SharedSlot, StateIn, Wire,
    WireStateIn,
};
use self::workers::CallState;
use super::{Backend, Executor, check_output, pool_map_chunk_len};
use crate::job::{Job, Runnable, Slots, WireState};
use crate::roles::Role;
use crate::schedule::RunStats;
use crate::schedule::{Outcome, Produced};
use crate::workload::{Constants, Coverage, Narrowing, Purpose, Spec};

/// The `process` backend.
pub struct Process;

/// The most workers one pool starts.
pub const MAX_WORKERS: usize = 16;

/// How long a chunk may take before its worker counts as hung, unless the
/// pool is given another timeout ([`ProcessPool::start`]).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);

/// How long starting a worker (up to its hello) may take.
const START_TIMEOUT: Duration = Duration::from_secs(30);

impl Backend for Process {
    fn id(&self) -> &'static str {
        "process"
    }
    fn about(&self) -> &'static str {
        "a pool of N worker processes (parbench itself, started once per thread count), \
         fed Pool.map-sized chunks over pipes; the state travels as Python sends it"
    }
    fn max_threads(&self) -> usize {
        MAX_WORKERS
    }
    fn shares_memory(&self) -> bool {
        false
    }
    fn executor(&self, threads: usize) -> Result<Box<dyn Executor>> {
        Ok(Box::new(ProcessPool::start(
            &worker_program()?,
            threads,
            DEFAULT_TIMEOUT,
        )?))
    }
    /// The budget plan (the profile table of `docs/profiles.md`): every variant on `compute`
    /// (small items, no table), the seed's idioms on `seed`, `partial` on
    /// `trivial` (8 MB of results per call); on `big_state` only shared
    /// memory, the one way that does not ship the 64 MiB table with every
    /// call (`partial` sends it with each of 4 N chunks: 0.5-1 s per call at
    /// 2 workers; the initializer ships it once per worker, to a second
    /// set of workers), which `full` measures; nothing on `imbalanced`,
    /// which asks a scheduling question the thread backends answer. The
    /// same in `quick` and `default`: `quick` measures the same sizes on
    /// fewer workloads.
    fn narrowing(&self) -> Option<Narrowing> {
        Some(Narrowing {
            kept: &[
                (Purpose::CpuBound, None),
                (Purpose::Overhead, Some(Coverage::Roles(&Role::IDIOMS))),
                (
                    Purpose::MemoryBound,
                    Some(Coverage::Roles(&[Role::PartialIdiom])),
                ),
                (
                    Purpose::StateSize,
                    Some(Coverage::Roles(&[Role::SharedOwnership])),
                ),
                // A problem of one's own: every variant its state allows
                // (`matrix::backend_refusal`).
                (Purpose::Own, None),
            ],
            most_threads_only: false,
            now_and_then: true,
            in_quick: true,
        })
    }
}

static WORKER_PROGRAM: Mutex<Option<PathBuf>> = Mutex::new(None);

/// Tells the library which executable to start as workers: the `parbench`
/// binary (`env!("CARGO_BIN_EXE_parbench")` in benches and integration
/// tests). Without it the running program is used when it is `parbench`.
pub fn set_worker_program(path: impl Into<PathBuf>) {
    *WORKER_PROGRAM
        .lock()
        .unwrap_or_else(PoisonError::into_inner) = Some(path.into());
}

/// The executable the workers run: the one set by [`set_worker_program`],
/// else the running program if it is `parbench` itself.
pub fn worker_program() -> Result<PathBuf> {
    let set = WORKER_PROGRAM
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone();
    let program = match set {
        Some(path) => path,
        None => {
            let exe = std::env::current_exe().context("finding the running executable")?;
            if exe.file_stem().and_then(|s| s.to_str()) != Some("parbench") {
                bail!(
                    "the process backend starts its workers from the parbench executable, and \
                     this program ({}) is not it: call \
                     parbench::backends::process::set_worker_program with its path",
                    exe.display()
                );
            }
            exe
        }
    };
    if !program.is_file() {
        bail!(
            "the process backend's worker program {} does not exist (build it with \
             `cargo build`, or set another with set_worker_program)",
            program.display()
        );
    }
    Ok(program)
}

/// How a variant's chunk is computed in a worker, by its role.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Produces {
    /// One result per item.
    Items,
    /// A private sum per chunk, added by the parent (`fold_reduce`).
    Sum,
    /// A stateful worker's sum and call count per chunk (`worker_per_thread`).
    CountedSum,
    /// Every item added into an atomic of the shared mapping.
    SharedAtomic,
}

/// What the worker computes for `role`.
pub fn produces(role: Role) -> Produces {
    match role {
        Role::PrivateSum | Role::LockedSum => Produces::Sum,
        Role::WorkerPerThread | Role::LockedWorker => Produces::CountedSum,
        Role::AtomicSum | Role::ShardedSum => Produces::SharedAtomic,
        _ => Produces::Items,
    }
}

/// How the constant state reaches the workers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transport {
    /// Serialised with every chunk (a pickled `partial` or callable instance).
    PerChunk,
    /// Once to each worker of the initialised set, kept for the life of the
    /// pool while the state stays the same (a `Pool(initializer=...)`).
    PerWorker,
    /// Never: mapped read-only from a file the parent wrote once.
    Mapped,
}

/// How `role`'s state travels.
pub fn transport(role: Role) -> Transport {
    match role {
        Role::SharedOwnership => Transport::Mapped,
        Role::CopyPerWorker => Transport::PerWorker,
        _ => Transport::PerChunk,
    }
}

/// Bytes per atomic slot of the shared sums file: one cache line each.
pub const SLOT_BYTES: usize = 64;

/// The `AtomicU64` at slot `slot` of a shared mapping, if it is inside.
pub fn atomic_at(map: &memmap2::MmapMut, slot: usize) -> Option<&AtomicU64> {
    if (slot + 1) * SLOT_BYTES > map.len() {
        return None;
    }
    // SAFETY: the mapping is page-aligned and `SLOT_BYTES` is a multiple of
    // 8, so the pointer is aligned for `AtomicU64`; it lies inside the
    // mapping, which outlives the borrow; every process touches these bytes
    // through `AtomicU64` only.
    Some(unsafe { &*map.as_ptr().add(slot * SLOT_BYTES).cast::<AtomicU64>() })
}

/// What the worker processes did in the last call, and their peak RSS.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ProcessFigures {
    /// Bytes sent and received by the parent in the last call.
    pub ipc_bytes: u64,
    /// Deep copies of the state the workers made in the last call.
    pub state_copies: u64,
    /// The largest peak RSS of one worker since [`WorkerProcesses::reset_peaks`].
    pub peak_rss_max: Option<u64>,
    /// The workers' peak RSS summed.
    pub peak_rss_sum: Option<u64>,
}

/// An executor whose workers are other processes: what the counting pass
/// asks it besides the call.
pub trait WorkerProcesses {
    /// Resets every worker's peak-RSS mark (before a measured call).
    fn reset_peaks(&self) -> Result<()>;
    /// The last call's bytes and copies, and every worker's peak RSS since
    /// the reset.
    fn last_call(&self) -> Result<ProcessFigures>;
}

/// A pool of worker processes at one thread count: the `process` executor.
///
/// It holds two sets of `threads` workers, as Python needs two pools for
/// the seed: `PLAIN` for every variant but one, and `INITIALISED` for
/// `clone_per_worker` (a `Pool(initializer=...)`), whose workers keep the
/// state they were sent for as long as the pool lives and the state stays
/// the same, and hold it in no other variant's peak RSS.
pub struct ProcessPool {
    threads: usize,
    program: PathBuf,
    timeout: Duration,
    sets: [Mutex<Option<Workers>>; 2],
    /// The set the last call ran on, its bytes and its copies.
    last: Mutex<(usize, u64, u64)>,
    /// Per set: whether every worker reset its peak-RSS mark at the last
    /// [`WorkerProcesses::reset_peaks`] (false before the first).
    peaks_reset: Mutex<[bool; 2]>,
}

/// The set of workers of every variant but `clone_per_worker`.
const PLAIN: usize = 0;
/// The set of workers of `clone_per_worker`: started by its first call
/// (set-up: in the sweep, the untimed oracle check), like a
/// `Pool(initializer=...)` started before its calls.
const INITIALISED: usize = 1;

/// The set of workers that runs `role`.
fn set_of(role: Role) -> usize {
    match transport(role) {
        Transport::PerWorker => INITIALISED,
        _ => PLAIN,
    }
}

impl ProcessPool {
    /// Starts `threads` workers of `program` (set-up, outside any timed
    /// call), each given `timeout` per chunk before it counts as hung.
    pub fn start(program: &Path, threads: usize, timeout: Duration) -> Result<ProcessPool> {
        Self::start_with_fault(program, threads, timeout, None)
    }

    /// [`ProcessPool::start`], with worker 0 of the first set started with
    /// `fault` ([`fault`]): for the tests of the failure paths only. The
    /// workers started after a failure are healthy.
    #[doc(hidden)]
    pub fn start_with_fault(
        program: &Path,
        threads: usize,
        timeout: Duration,
        fault: Option<fault::Fault>,
    ) -> Result<ProcessPool> {
        super::check_threads_on(&Process, threads)?;
        let workers = Workers::start(program, threads, fault)?;
        Ok(ProcessPool {
            threads,
            program: program.to_path_buf(),
            timeout,
            sets: [Mutex::new(Some(workers)), Mutex::new(None)],
            last: Mutex::new((PLAIN, 0, 0)),
            peaks_reset: Mutex::new([false; 2]),
        })
    }

    /// The private folder of the current plain workers (table files, the
    /// shared sums file): for the tests of the failure paths only.
    #[doc(hidden)]
    pub fn folder(&self) -> Option<PathBuf> {
        self.lock(PLAIN).as_ref().map(|w| w.folder().to_path_buf())
    }

    /// The process ids of the current workers of every variant but
    /// `clone_per_worker` (whose set is started by its first call).
    pub fn worker_pids(&self) -> Vec<u32> {
        self.lock(PLAIN)
            .as_ref()
            .map(Workers::pids)
            .unwrap_or_default()
    }

    fn lock(&self, set: usize) -> std::sync::MutexGuard<'_, Option<Workers>> {
        self.sets[set]
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `f` on the workers of `set` (starting them if none run yet or
    /// a failure left none); on an error the set is replaced by a fresh one
    /// before it returns.
    fn with_workers<T>(&self, set: usize, f: impl FnOnce(&mut Workers) -> Result<T>) -> Result<T> {
        let mut guard = self.lock(set);
        if guard.is_none() {
            *guard = Some(Workers::start(&self.program, self.threads, None)?);
        }
        let result = f(guard.as_mut().expect("started above"));
        if let Err(err) = result {
            *guard = None; // kills and reaps the old workers
            return match Workers::start(&self.program, self.threads, None) {
                Ok(fresh) => {
                    *guard = Some(fresh);
                    Err(err)
                }
                // The next call tries again; this one says both.
                Err(rebuild) => Err(anyhow!(
                    "{err:#}; and the pool could not be started again: {rebuild:#}"
                )),
            };
        }
        result
    }
}

impl Executor for ProcessPool {
    fn threads(&self) -> usize {
        self.threads
    }
    fn execute(&self, job: &Job, problem: &dyn Runnable, out: Slots<'_>) -> Result<Outcome> {
        let out = out.typed::<u64>().with_context(|| {
            format!(
                "process: problem {}'s items return {}: worker processes return u64 outputs \
                 only (matrix::backend_refusal)",
                problem.name(),
                problem.output_type()
            )
        })?;
        check_output(&job.items, out)?;
        // Worker processes rebuild the seed's problem from its knobs and
        // its table, and another problem from its serialised state.
        let state = match (problem.seed_state(), problem.wire_state()) {
            (Some(state), _) => CallState::Seed(state),
            (None, Some(wire)) => CallState::Wire {
                problem: problem.name(),
                wire,
            },
            (None, None) => bail!(
                "process: problem {}'s state cannot be sent to worker processes: it is not \
                 serialisable (matrix::backend_refusal)",
                problem.name()
            ),
        };
        let timeout = self.timeout;
        let set = set_of(job.variant.role());
        let (outcome, ipc, copies) =
            self.with_workers(set, |w| w.call(job, state, out, timeout))?;
        *self.last.lock().unwrap_or_else(PoisonError::into_inner) = (set, ipc, copies);
        Ok(outcome)
    }
    fn processes(&self) -> Option<&dyn WorkerProcesses> {
        Some(self)
    }
}

impl WorkerProcesses for ProcessPool {
    /// Resets the workers of every set that runs (the next call's set has
    /// run at least once before a measured call: the sweep's warm-up).
    fn reset_peaks(&self) -> Result<()> {
        let timeout = self.timeout;
        for set in [PLAIN, INITIALISED] {
            let running = self.lock(set).is_some();
            // A fault here (the set is then rebuilt) belongs to no variant:
            // the next call may run on the other set, so it is not passed
            // on; the set's peaks are unknown instead.
            let all_reset = running
                && self
                    .with_workers(set, |w| {
                        w.ask_all(&Request::ResetPeak, timeout)?
                            .into_iter()
                            .map(|reply| match reply {
                                Reply::Reset(done) => Ok(done),
                                other => Err(anyhow!("expected a peak-RSS reset, got {other:?}")),
                            })
                            .collect::<Result<Vec<bool>>>()
                    })
                    .is_ok_and(|done| done.iter().all(|&d| d));
            // A worker that could not reset would report its peak since it
            // started: the figures are unknown, as `memory::measure` says
            // for the parent.
            self.peaks_reset
                .lock()
                .unwrap_or_else(PoisonError::into_inner)[set] = all_reset;
        }
        Ok(())
    }
    fn last_call(&self) -> Result<ProcessFigures> {
        let timeout = self.timeout;
        let (set, ipc_bytes, state_copies) =
            *self.last.lock().unwrap_or_else(PoisonError::into_inner);
        let peaks: Vec<Option<u64>> = self.with_workers(set, |w| {
            w.ask_all(&Request::Peak, timeout)?
                .into_iter()
                .map(|reply| match reply {
                    Reply::Peak(peak) => Ok(peak),
                    other => Err(anyhow!("expected a peak RSS, got {other:?}")),
                })
                .collect()
        })?;
        let reset = self
            .peaks_reset
            .lock()
            .unwrap_or_else(PoisonError::into_inner)[set];
        let known: Option<Vec<u64>> = if reset {
            peaks.into_iter().collect()
        } else {
            None
        };
        Ok(ProcessFigures {
            ipc_bytes,
            state_copies,
            peak_rss_max: known.as_ref().and_then(|k| k.iter().copied().max()),
            peak_rss_sum: known.map(|k| k.iter().sum()),
        })
    }
}
