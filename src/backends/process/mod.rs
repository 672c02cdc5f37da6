//! Backend `process`: a pool of worker processes, the seed's own mechanism.
//!
//! `multiprocessing.Pool` runs the seed's idioms in other processes, so its
//! memory question ("does each process get a copy?") is about processes.
//! This backend answers it without analogy: N workers, each the parbench
//! executable itself started with `std::process::Command` and its hidden
//! subcommand `parbench worker` (no fork, so it works wherever `Command`
//! does), started once per thread count and kept across calls like a
//! `Pool()`. A call cuts its items into `Pool.map`-sized chunks
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
//! refused at its hello. `tests/process.rs` provokes each one, through a
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

use std::fs::OpenOptions;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};

use self::protocol::{ChunkResult, PROTOCOL, Reply, Request, SharedSlot, StateIn, Wire};
use super::{Backend, Executor, check_output, pool_map_chunk_len};
use crate::job::Job;
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
    /// The budget plan (README's profile table): every variant on `compute`
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
            ],
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
/// the seed: [`PLAIN`] for every variant but one, and [`INITIALISED`] for
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
        self.lock(PLAIN)
            .as_ref()
            .map(|w| w.dir.path().to_path_buf())
    }

    /// The process ids of the current workers of every variant but
    /// `clone_per_worker` (whose set is started by its first call).
    pub fn worker_pids(&self) -> Vec<u32> {
        self.lock(PLAIN)
            .as_ref()
            .map(|w| w.procs.iter().map(|p| p.pid).collect())
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
    fn execute(&self, job: &Job, state: &Arc<Constants>, out: &mut [u64]) -> Result<Outcome> {
        check_output(&job.items, out)?;
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

/// One running worker.
struct Worker {
    child: Child,
    stdin: Option<ChildStdin>,
    pid: u32,
    reader: Option<JoinHandle<()>>,
}

/// The running workers of a pool, and what they share with the parent.
struct Workers {
    procs: Vec<Worker>,
    /// Every reply frame, tagged with the worker that sent it (an `Err`
    /// when its stdout ended or failed).
    replies: Receiver<(usize, std::io::Result<Vec<u8>>)>,
    /// The table file of the current spec, and the state's `c` (written once).
    table: Option<(Spec, u64, PathBuf)>,
    tables_written: usize,
    /// Per worker: the state (spec and `c`) it keeps for the life of the
    /// pool, sent by the first `clone_per_worker` chunk it ran.
    kept: Vec<Option<(Spec, u64)>>,
    /// The shared sums file, mapped by the parent.
    sums_path: PathBuf,
    sums: memmap2::MmapMut,
    /// The pool's private folder: table files and the shared sums file.
    /// Declared after `sums` on purpose: fields drop in declaration order,
    /// and the folder can only be removed once the sums file is unmapped
    /// (Windows refuses to delete a mapped file).
    dir: tempfile::TempDir,
}

impl Workers {
    fn start(program: &Path, threads: usize, fault: Option<fault::Fault>) -> Result<Workers> {
        let dir = tempfile::Builder::new()
            .prefix("parbench-pool-")
            .tempdir()
            .context("creating the process pool's folder")?;
        let sums_path = dir.path().join("sums");
        let sums_file = OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&sums_path)
            .with_context(|| format!("creating {}", sums_path.display()))?;
        sums_file
            .set_len(((MAX_WORKERS + 1) * SLOT_BYTES) as u64)
            .with_context(|| format!("sizing {}", sums_path.display()))?;
        // SAFETY: the pool's private file, accessed only through `AtomicU64`s
        // (here and in the workers).
        let sums = unsafe { memmap2::MmapMut::map_mut(&sums_file) }
            .with_context(|| format!("mapping {}", sums_path.display()))?;
        let (sender, replies) = mpsc::channel();
        let mut workers = Workers {
            procs: Vec::new(),
            replies,
            table: None,
            tables_written: 0,
            kept: vec![None; threads],
            sums_path,
            sums,
            dir,
        };
        for index in 0..threads {
            let fault = fault.filter(|_| index == 0);
            let worker = spawn(program, index, sender.clone(), fault)?;
            workers.procs.push(worker);
        }
        drop(sender);
        // Every worker says hello before the pool counts as started.
        for _ in 0..threads {
            let (index, frame) = match workers.replies.recv_timeout(START_TIMEOUT) {
                Ok(reply) => reply,
                Err(_) => bail!(
                    "worker processes of {} did not start within {START_TIMEOUT:?}",
                    program.display()
                ),
            };
            let pid = workers.procs[index].pid;
            let frame = frame.map_err(|err| {
                anyhow!(
                    "worker {index} (pid {pid}) of {} ended before saying hello: {err} (is it the parbench executable?)",
                    program.display()
                )
            })?;
            // Dropping `workers` on an error kills and reaps every worker.
            match protocol::decode::<Reply>(&frame) {
                Ok(Reply::Hello { protocol, .. }) if protocol == PROTOCOL => {}
                other => bail!(
                    "worker {index} (pid {pid}) of {} did not answer as a parbench worker of protocol {PROTOCOL}: {other:?}",
                    program.display()
                ),
            }
        }
        Ok(workers)
    }

    /// Writes `frame` to worker `w`.
    fn send(&mut self, w: usize, frame: &[u8]) -> std::io::Result<()> {
        let stdin = self.procs[w]
            .stdin
            .as_mut()
            .ok_or_else(|| std::io::Error::other("stdin already closed"))?;
        protocol::write_frame(stdin, frame)
    }

    /// Why worker `w` stopped answering: its exit status if it exited.
    fn fate(&mut self, w: usize) -> String {
        let child = &mut self.procs[w].child;
        let deadline = Instant::now() + Duration::from_secs(1);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = child.try_wait() {
                return format!("exited ({status})");
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        "closed its output".to_string()
    }

    /// The table file of `state`, written once per pool and spec.
    fn table_file(&mut self, state: &Constants) -> Result<PathBuf> {
        if let Some((spec, c, path)) = &self.table
            && *spec == state.spec
            && *c == state.c
        {
            return Ok(path.clone());
        }
        if let Some((_, _, old)) = self.table.take() {
            let _ = std::fs::remove_file(old); // workers keep their mappings
        }
        self.tables_written += 1;
        let path = self
            .dir
            .path()
            .join(format!("table-{}.bin", self.tables_written));
        let mut file = std::fs::File::create(&path)
            .with_context(|| format!("creating the table file {}", path.display()))?;
        file.write_all(protocol::as_bytes(state.table()))
            .and_then(|()| file.flush())
            .with_context(|| format!("writing the table file {}", path.display()))?;
        self.table = Some((state.spec, state.c, path.clone()));
        Ok(path)
    }

    /// One call: deals the chunks of `job` to idle workers, collects their
    /// results into `out` (or their sums). Returns the outcome, the bytes
    /// sent and received, and the copies the workers made.
    fn call(
        &mut self,
        job: &Job,
        state: &Constants,
        out: &mut [u64],
        timeout: Duration,
    ) -> Result<(Outcome, u64, u64)> {
        let items = job.items.clone();
        let workers = self.procs.len();
        let len = pool_map_chunk_len(items.len(), workers);
        let count = items.len().div_ceil(len);
        let role = job.variant.role();
        let produces = produces(role);
        let transport = transport(role);
        // The table file is set-up: written by the first call with this
        // spec (the untimed oracle check), reused by every timed call.
        let table_path = match transport {
            Transport::Mapped => Some(self.table_file(state).with_context(|| {
                format!(
                    "the shared table for chunks 0..{count} of {}, before any worker got one",
                    job.variant.id()
                )
            })?),
            _ => None,
        };
        if produces == Produces::SharedAtomic {
            for slot in 0..=workers {
                atomic_at(&self.sums, slot)
                    .expect("the sums file has a slot per worker")
                    .store(0, Ordering::Relaxed);
            }
        }
        let sums_path = self.sums_path.to_string_lossy().into_owned();
        let table_path = table_path.map(|p| p.to_string_lossy().into_owned());
        let wire = || Wire {
            c: state.c,
            table: protocol::as_bytes(state.table()),
        };
        let mut in_flight: Vec<Option<usize>> = vec![None; workers];
        let this_state = Some((state.spec, state.c));
        let mut used = vec![false; workers];
        let (mut ipc, mut copies, mut sum, mut calls) = (0u64, 0u64, 0u64, None::<u64>);
        let mut next = 0;
        let mut done = 0;
        let describe = |chunk: usize| {
            let range = protocol::chunk_range(&items, len, chunk);
            format!(
                "chunk {chunk} (items {}..{}) of {}",
                range.start,
                range.end,
                job.variant.id()
            )
        };
        while done < count {
            // Deal a chunk to every idle worker.
            for w in 0..workers {
                if next >= count || in_flight[w].is_some() {
                    continue;
                }
                let state_in = match transport {
                    Transport::PerChunk => StateIn::PerChunk(wire()),
                    // The first call with this state ships it to each
                    // worker that runs a chunk (its bytes and copies are
                    // that call's: in the sweep, the untimed oracle check);
                    // later calls send none, like an initializer's global.
                    Transport::PerWorker if self.kept[w] == this_state => StateIn::Kept,
                    Transport::PerWorker => StateIn::Keep(wire()),
                    Transport::Mapped => StateIn::Mapped {
                        path: table_path.as_deref().expect("written above"),
                        c: state.c,
                    },
                };
                let slot = (produces == Produces::SharedAtomic).then(|| SharedSlot {
                    path: &sums_path,
                    slot: if role == Role::ShardedSum { w + 1 } else { 0 },
                });
                let request = Request::Chunk {
                    chunk: next,
                    job: job.part(protocol::chunk_range(&items, len, next)),
                    state: state_in,
                    slot,
                };
                let frame = protocol::frame(&request)?;
                ipc += frame.len() as u64;
                if let Err(err) = self.send(w, &frame) {
                    let fate = self.fate(w);
                    bail!(
                        "worker {w} (pid {}) {fate}: cannot send it {}: {err}",
                        self.procs[w].pid,
                        describe(next)
                    );
                }
                if transport == Transport::PerWorker {
                    self.kept[w] = this_state;
                }
                used[w] = true;
                in_flight[w] = Some(next);
                next += 1;
            }
            let (w, frame) = match self.replies.recv_timeout(timeout) {
                Ok(reply) => reply,
                Err(RecvTimeoutError::Timeout) => {
                    let (w, chunk) = in_flight
                        .iter()
                        .enumerate()
                        .find_map(|(w, c)| Some((w, (*c)?)))
                        .expect("a chunk is in flight while one is awaited");
                    bail!(
                        "worker {w} (pid {}) did not finish {} within {timeout:?}: hung",
                        self.procs[w].pid,
                        describe(chunk)
                    );
                }
                Err(RecvTimeoutError::Disconnected) => bail!("every worker's output has closed"),
            };
            let chunk = in_flight[w].take();
            let what = chunk.map_or_else(|| "no chunk".to_string(), describe);
            let frame = match frame {
                Ok(frame) => frame,
                Err(err) => {
                    let fate = self.fate(w);
                    bail!(
                        "worker {w} (pid {}) {fate} while computing {what}: {err}",
                        self.procs[w].pid
                    );
                }
            };
            ipc += 8 + frame.len() as u64;
            let reply = protocol::decode::<Reply>(&frame).with_context(|| {
                format!("worker {w} (pid {})'s answer to {what}", self.procs[w].pid)
            })?;
            match reply {
                Reply::Done {
                    chunk: answered,
                    result,
                    copies: made,
                } if Some(answered) == chunk => {
                    copies += made;
                    let range = protocol::chunk_range(&items, len, answered);
                    match result {
                        ChunkResult::Items(bytes) if !out.is_empty() => {
                            let at = range.start - items.start;
                            protocol::read_u64s(&bytes, &mut out[at..at + range.len()])
                                .with_context(|| format!("worker {w}'s results of {what}"))?;
                        }
                        ChunkResult::Items(_) | ChunkResult::Added => {}
                        ChunkResult::Sum { sum: s, calls: c } => {
                            sum = sum.wrapping_add(s);
                            if let Some(c) = c {
                                calls = Some(calls.unwrap_or(0) + c);
                            }
                        }
                    }
                }
                Reply::Failed { message, .. } => bail!(
                    "worker {w} (pid {}) failed on {what}: {message}",
                    self.procs[w].pid
                ),
                other => bail!(
                    "worker {w} (pid {}) answered {what} with {other:?}",
                    self.procs[w].pid
                ),
            }
            done += 1;
        }
        if produces == Produces::SharedAtomic {
            // Every worker answered after its last add: the replies ordered
            // the adds before these loads.
            sum = (0..=workers)
                .map(|slot| {
                    atomic_at(&self.sums, slot)
                        .expect("a slot per worker")
                        .load(Ordering::Acquire)
                })
                .fold(0u64, u64::wrapping_add);
        }
        let produced = match produces {
            Produces::Items => Produced::Items,
            _ => Produced::Sum(sum),
        };
        let stats = RunStats::new(count, used.iter().filter(|&&u| u).count());
        Ok((
            Outcome {
                produced,
                calls,
                stats,
            },
            ipc,
            copies,
        ))
    }

    /// Sends `request` to every worker and collects one reply from each.
    fn ask_all(&mut self, request: &Request<'_>, timeout: Duration) -> Result<Vec<Reply>> {
        let frame = protocol::frame(request)?;
        for w in 0..self.procs.len() {
            if let Err(err) = self.send(w, &frame) {
                let fate = self.fate(w);
                bail!("worker {w} (pid {}) {fate}: {err}", self.procs[w].pid);
            }
        }
        let mut replies: Vec<Option<Reply>> = (0..self.procs.len()).map(|_| None).collect();
        for _ in 0..self.procs.len() {
            let (w, frame) = match self.replies.recv_timeout(timeout) {
                Ok(reply) => reply,
                Err(_) => {
                    let silent: Vec<String> = replies
                        .iter()
                        .enumerate()
                        .filter(|(_, reply)| reply.is_none())
                        .map(|(w, _)| format!("worker {w} (pid {})", self.procs[w].pid))
                        .collect();
                    bail!(
                        "{} did not answer {request:?} within {timeout:?}",
                        silent.join(", ")
                    );
                }
            };
            let pid = self.procs[w].pid;
            let frame = frame.map_err(|err| {
                anyhow!("worker {w} (pid {pid}) ended before answering {request:?}: {err}")
            })?;
            replies[w] = Some(
                protocol::decode(&frame)
                    .with_context(|| format!("worker {w} (pid {pid})'s answer to {request:?}"))?,
            );
        }
        Ok(replies.into_iter().flatten().collect())
    }
}

/// Starts worker `index` (misbehaving as `fault` says, in a test) and the
/// thread that forwards its replies.
fn spawn(
    program: &Path,
    index: usize,
    replies: Sender<(usize, std::io::Result<Vec<u8>>)>,
    fault: Option<fault::Fault>,
) -> Result<Worker> {
    let mut command = Command::new(program);
    command.env_remove(fault::VARIABLE);
    if let Some(fault) = fault {
        command.env(fault::VARIABLE, fault.name());
    }
    let mut child = command
        .arg("worker")
        .arg("--parent")
        .arg(std::process::id().to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .with_context(|| format!("starting worker {index}: {}", program.display()))?;
    let stdin = child.stdin.take();
    let mut stdout = child.stdout.take().expect("piped");
    let pid = child.id();
    let reader = std::thread::Builder::new()
        .name(format!("parbench-worker-{index}-reader"))
        .spawn(move || {
            loop {
                let frame = match protocol::read_frame(&mut stdout) {
                    Ok(Some(frame)) => Ok(frame),
                    Ok(None) => Err(std::io::Error::new(
                        std::io::ErrorKind::UnexpectedEof,
                        "its output ended",
                    )),
                    Err(err) => Err(err),
                };
                let ended = frame.is_err();
                if replies.send((index, frame)).is_err() || ended {
                    return;
                }
            }
        })
        .context("starting a reader thread")?;
    Ok(Worker {
        child,
        stdin,
        pid,
        reader: Some(reader),
    })
}

impl Drop for Workers {
    /// No worker outlives its pool: close its stdin (it exits at the end of
    /// its input), kill it in case it is busy or stopped, reap it, and join
    /// the thread that read its output.
    fn drop(&mut self) {
        for worker in &mut self.procs {
            drop(worker.stdin.take());
            let _ = worker.child.kill();
            let _ = worker.child.wait();
        }
        for worker in &mut self.procs {
            if let Some(reader) = worker.reader.take() {
                let _ = reader.join();
            }
        }
    }
}
