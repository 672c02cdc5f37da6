//! The worker side of the process backend: what `parbench worker` runs
//! for the seed's problems ([`serve`]), and what a bench binary of a
//! problem of one's own runs when the pool starts it as a worker
//! ([`serve_problem`]: that problem's chunks, its state deserialised).
//!
//! A worker says hello, then answers one request frame at a time from its
//! stdin until the stream ends (the parent closed it, or died: a worker
//! never outlives its parent's end of the pipe). Each chunk gets its
//! constant state the way the request says (deserialised for the chunk,
//! kept for the life of the pool, or mapped read-only from the parent's
//! table file),
//! computes the chunk the way its variant's role says, and answers with the
//! results and the copies of the state it made. A panic becomes a `Failed`
//! reply naming the chunk. A test may ask one worker to misbehave
//! ([`super::fault`]).

use std::fs::{File, OpenOptions};
use std::io::{self, BufReader, BufWriter};
use std::ops::Range;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::{Context, Result, anyhow, bail};
use serde::de::DeserializeOwned;

use super::fault::Fault;
use super::protocol::{
    self, ChunkJob, ChunkResult, PROTOCOL, ProblemJob, Reply, Request, SharedSlot, StateIn, Wire,
    WireStateIn,
};
use super::{Produces, SLOT_BYTES, produces};
use crate::backends::panic_message;
use crate::job::Slots;
use crate::platform;
use crate::problem::{Accumulator, Problem, oracle_into, oracle_total};
use crate::roles::Role;
use crate::variants::CountingWorker;
use crate::workload::{Constants, Seed, Spec};

/// What a worker keeps between requests.
#[derive(Default)]
struct Kept {
    /// The copy of the last `Keep`, until the next one replaces it.
    copy: Option<Arc<Constants>>,
    /// The mapped table file, by path.
    mapped: Option<(String, Arc<Constants>)>,
    /// The shared mapping of atomics, by path.
    slots: Option<(String, memmap2::MmapMut)>,
    /// The fault a test asked this worker for ([`Fault`]), read once.
    fault: Option<Fault>,
}

/// The chunks of a problem other than the seed's, as the worker of that
/// problem's program computes them ([`serve_problem`]).
type ProblemChunks<'p> = dyn FnMut(
        &ProblemJob,
        WireStateIn<'_>,
        Option<SharedSlot<'_>>,
        &mut Kept,
    ) -> Result<(ChunkResult, u64)>
    + 'p;

/// Runs the worker loop of the parbench executable on stdin and stdout
/// until stdin ends: the seed's problems.
pub fn serve() -> Result<()> {
    serve_with(None)
}

/// Whether this process was started as a worker of the process backend
/// ([`WORKER_VARIABLE`] set): a bench binary of a problem of one's own
/// checks it first thing in `main` and then serves ([`serve_problem`]).
pub fn started_as_worker() -> bool {
    std::env::var_os(WORKER_VARIABLE).is_some()
}

/// Set in every worker's environment by the pool that starts it.
pub const WORKER_VARIABLE: &str = "PARBENCH_WORKER";

/// Runs the worker loop of a program that carries problem `P` (its bench
/// binary, re-entered as a worker): its chunks, each state deserialised
/// from the bytes the parent sent. The seed's chunks are refused.
pub fn serve_problem<P: Problem>(problem: &P) -> Result<()>
where
    P::State: DeserializeOwned,
{
    let name = problem.name().to_string();
    let mut kept_copy: Option<(u64, Arc<P::State>)> = None;
    let mut chunks = |job: &ProblemJob,
                      state: WireStateIn<'_>,
                      slot: Option<SharedSlot<'_>>,
                      kept: &mut Kept| {
        if job.problem != name {
            bail!(
                "this worker's program carries problem {name}, not problem {}",
                job.problem
            );
        }
        let deserialise = |bytes: &[u8]| -> Result<Arc<P::State>> {
            let state = postcard::from_bytes(bytes)
                .with_context(|| format!("deserialising the state of problem {name}"))?;
            Ok(Arc::new(state))
        };
        let (state, copies) = match state {
            WireStateIn::PerChunk(bytes) => (deserialise(bytes)?, 1),
            WireStateIn::Keep { bytes, digest } => {
                kept_copy = None; // the previous state's copy goes first
                let copy = deserialise(bytes)?;
                kept_copy = Some((digest, Arc::clone(&copy)));
                (copy, 1)
            }
            WireStateIn::Kept { digest } => match &kept_copy {
                Some((kept_digest, copy)) if *kept_digest == digest => (Arc::clone(copy), 0),
                _ => bail!("told to use a kept copy of the state, but none of it was sent"),
            },
        };
        let result = compute::<P>(&state, job.variant.role(), job.items.clone(), slot, kept)?;
        Ok((result, copies))
    };
    serve_with(Some(&mut chunks))
}

/// The worker loop: hello, then one request at a time until stdin ends.
/// `problem`: the chunks of the problem this program carries; `None` in
/// the parbench executable, which carries the seed's.
fn serve_with(mut problem: Option<&mut ProblemChunks<'_>>) -> Result<()> {
    let fault = Fault::from_env()?;
    let mut input = BufReader::new(io::stdin().lock());
    let mut output = BufWriter::new(io::stdout().lock());
    let hello = Reply::Hello {
        pid: std::process::id(),
        protocol: match fault {
            Some(Fault::Protocol) => PROTOCOL + 1000,
            _ => PROTOCOL,
        },
    };
    protocol::write_frame(&mut output, &protocol::frame(&hello)?)
        .context("worker: writing hello")?;
    let mut kept = Kept {
        fault,
        ..Kept::default()
    };
    // Chunks received so far: where an injected fault strikes.
    let mut chunks_seen = 0;
    while let Some(payload) = protocol::read_frame(&mut input).context("worker: reading")? {
        let request = protocol::decode::<Request>(&payload)?;
        let is_chunk = matches!(
            request,
            Request::Chunk { .. } | Request::ProblemChunk { .. }
        );
        let reply = match request {
            Request::ProblemChunk {
                chunk,
                job,
                state,
                slot,
            } => {
                let answer = match problem.as_deref_mut() {
                    Some(run) => {
                        catch_unwind(AssertUnwindSafe(|| run(&job, state, slot, &mut kept)))
                    }
                    None => Ok(Err(anyhow::anyhow!(
                        "this worker (the parbench executable) carries the seed's problems \
                         only, not problem {}",
                        job.problem
                    ))),
                };
                done_or_failed(chunk, answer)
            }
            Request::Chunk { chunk, .. } if problem.is_some() => Reply::Failed {
                chunk,
                message: "this worker carries a problem of its program's own, not the seed's"
                    .to_string(),
            },
            Request::Chunk {
                chunk,
                job,
                state,
                slot,
            } => done_or_failed(
                chunk,
                catch_unwind(AssertUnwindSafe(|| run_chunk(&job, state, slot, &mut kept))),
            ),
            Request::ResetPeak => Reply::Reset(platform::reset_peak_rss()),
            Request::Peak => Reply::Peak(platform::peak_rss_since_reset()),
        };
        drop(payload);
        let frame = protocol::frame(&reply)?;
        if is_chunk {
            chunks_seen += 1;
            if let Some(fault) = fault
                && fault.before_reply(chunks_seen - 1, &frame, &mut output)?
            {
                continue;
            }
        }
        // A parent that went away closes the pipe: the write fails, we exit.
        protocol::write_frame(&mut output, &frame).context("worker: writing a reply")?;
    }
    Ok(())
}

/// The reply to chunk `chunk`: its result, or why it failed or panicked.
fn done_or_failed(chunk: usize, answer: std::thread::Result<Result<(ChunkResult, u64)>>) -> Reply {
    match answer {
        Ok(Ok((result, copies))) => Reply::Done {
            chunk,
            result,
            copies,
        },
        Ok(Err(err)) => Reply::Failed {
            chunk,
            message: format!("{err:#}"),
        },
        Err(payload) => Reply::Failed {
            chunk,
            message: format!("panicked: {}", panic_message(&*payload)),
        },
    }
}

/// One chunk: its state, then its items. Returns the result and the deep
/// copies of the state made for it.
fn run_chunk(
    job: &ChunkJob,
    state: StateIn<'_>,
    slot: Option<SharedSlot<'_>>,
    kept: &mut Kept,
) -> Result<(ChunkResult, u64)> {
    let (consts, copies) = match state {
        StateIn::PerChunk(wire) => (Arc::new(from_wire(job.spec, &wire)?), 1),
        StateIn::Keep(wire) => {
            kept.copy = None; // the previous state's copy goes first
            let copy = Arc::new(from_wire(job.spec, &wire)?);
            kept.copy = Some(Arc::clone(&copy));
            (copy, 1)
        }
        StateIn::Kept => {
            let copy = kept
                .copy
                .as_ref()
                .context("told to use a kept copy of the state, but none was sent")?;
            // The parent keys kept copies by problem; a mismatch here would
            // be a wrong result, so it is an error instead.
            if copy.spec != job.spec {
                bail!(
                    "told to use the kept copy of the state of {:?} for a job of {:?}",
                    copy.spec,
                    job.spec
                );
            }
            (Arc::clone(copy), 0)
        }
        StateIn::Mapped { path, c } => (mapped(path, job.spec, c, kept)?, 0),
    };
    let result = compute::<Seed>(&consts, job.variant.role(), job.items.clone(), slot, kept)?;
    Ok((result, copies))
}

/// Computes `items` of problem `P` from `state` as `role`'s chunk produces
/// them ([`produces`]): the items' results, a private sum, a stateful
/// worker's sum and count, or adds into the shared slot. Worker processes
/// carry `u64` outputs and their wrapping sum only (the parent refuses the
/// rest: `matrix::backend_refusal`, `matrix::sharing_refusal`), so another
/// type is an error.
fn compute<P: Problem>(
    state: &P::State,
    role: Role,
    items: Range<usize>,
    slot: Option<SharedSlot<'_>>,
    kept: &mut Kept,
) -> Result<ChunkResult> {
    let not_a_sum = || {
        anyhow!(
            "worker processes add into a u64 sum only, not into a {} \
             (matrix::sharing_refusal)",
            std::any::type_name::<P::Acc>()
        )
    };
    Ok(match produces(role) {
        Produces::Items => {
            let mut out: Vec<P::Output> = (0..items.len()).map(|_| Default::default()).collect();
            oracle_into::<P>(state, items.start, &mut out);
            let out = Slots::of(&mut out).typed::<u64>()?;
            ChunkResult::Items(protocol::as_bytes(out).to_vec())
        }
        Produces::Sum => ChunkResult::Sum {
            sum: (oracle_total::<P>(state, items).as_sum()).ok_or_else(not_a_sum)?,
            calls: None,
        },
        Produces::CountedSum => {
            let mut worker = CountingWorker::<P>::new(state);
            worker.call_all(items);
            ChunkResult::Sum {
                sum: worker.total.as_sum().ok_or_else(not_a_sum)?,
                calls: Some(worker.calls),
            }
        }
        Produces::SharedAtomic => {
            let slot = slot.context("a shared-sum chunk came without its slot")?;
            let target = shared_slot(&slot, kept)?;
            for i in items {
                let summand = P::Acc::summand(&P::item(state, i)).ok_or_else(not_a_sum)?;
                target.fetch_add(summand, Ordering::Relaxed);
            }
            ChunkResult::Added
        }
    })
}

/// A fresh deep copy of the state from its bytes.
fn from_wire(spec: Spec, wire: &Wire<'_>) -> Result<Constants> {
    let mut table = Vec::new();
    table
        .try_reserve_exact(wire.table.len() / 8)
        .with_context(|| format!("cannot allocate a {}-byte state", wire.table.len()))?;
    table.resize(wire.table.len() / 8, 0);
    protocol::read_u64s(wire.table, &mut table)?;
    Constants::from_parts(spec, wire.c, table)
}

/// The table file at `path`, mapped read-only once and kept.
fn mapped(path: &str, spec: Spec, c: u64, kept: &mut Kept) -> Result<Arc<Constants>> {
    if let Some((kept_path, consts)) = &kept.mapped
        && kept_path == path
        && consts.spec == spec
        && consts.c == c
    {
        return Ok(Arc::clone(consts));
    }
    kept.mapped = None;
    let path = &kept
        .fault
        .map_or_else(|| path.to_string(), |f| f.shared_path(path));
    let file = File::open(path).with_context(|| format!("opening the table file {path}"))?;
    // SAFETY: the parent wrote the file once, before sending its path, and
    // never writes it again while any worker may map it (it is a private
    // temporary file of the pool); the mapping is read-only.
    let map = unsafe { memmap2::Mmap::map(&file) }
        .with_context(|| format!("mapping the table file {path}"))?;
    let consts = Arc::new(Constants::mapped(spec, c, map)?);
    kept.mapped = Some((path.to_string(), Arc::clone(&consts)));
    Ok(consts)
}

/// The atomic slot of a shared sum, in the pool's shared mapping.
fn shared_slot<'k>(slot: &SharedSlot<'_>, kept: &'k mut Kept) -> Result<&'k AtomicU64> {
    if kept.slots.as_ref().map(|(p, _)| p.as_str()) != Some(slot.path) {
        let path = kept
            .fault
            .map_or_else(|| slot.path.to_string(), |f| f.shared_path(slot.path));
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(&path)
            .with_context(|| format!("opening the shared sums file {path}"))?;
        // SAFETY: a shared mapping of the pool's private sums file; every
        // access to it, here and in the parent, is through `AtomicU64`s.
        let map = unsafe { memmap2::MmapMut::map_mut(&file) }
            .with_context(|| format!("mapping the shared sums file {path}"))?;
        kept.slots = Some((slot.path.to_string(), map));
    }
    let (_, map) = kept.slots.as_ref().expect("mapped above");
    super::atomic_at(map, slot.slot)
        .with_context(|| format!("slot {} of {} bytes", slot.slot, SLOT_BYTES))
}
