//! What the parent and a worker process say to each other over the
//! worker's stdin and stdout: length-prefixed frames (an 8-byte
//! little-endian length, then the message) encoded with postcard.
//!
//! postcard is a well-kept serde format (stable wire format since 1.0, no
//! unsafe, varint integers): a chunk request without state is a few dozen
//! bytes, which is what `Pool.map` pickles per chunk for a plain function.
//! Bulk arrays (the state's table, a chunk's results) travel as raw byte
//! strings (`serde_bytes`), not as varint sequences: a memcpy each way
//! instead of a varint per `u64`.

use std::io::{self, Read, Write};
use std::ops::Range;

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::job::Job;
use crate::variants::{self, Variant};
use crate::workload::{Imbalance, Spec};

/// A frame longer than this is refused as corrupt rather than allocated.
const MAX_FRAME: u64 = 1 << 34;

/// A chunk's job as a worker needs it: the variant (by its id on the
/// wire), the seed's knobs its problem is rebuilt from, and the items.
#[derive(Clone, Serialize, Deserialize)]
pub struct ChunkJob {
    #[serde(serialize_with = "variant_id", deserialize_with = "variant_by_id")]
    pub variant: &'static dyn Variant,
    /// Its own form in human-readable formats (JSON); a compact one in
    /// binary formats, which cannot read `Imbalance`'s internal tag.
    #[serde(serialize_with = "spec_out", deserialize_with = "spec_in")]
    pub spec: Spec,
    pub items: Range<usize>,
}

impl ChunkJob {
    /// The part `items` of `job`, on the seed's problem at `spec`.
    pub fn of(job: &Job, spec: Spec, items: Range<usize>) -> ChunkJob {
        ChunkJob {
            variant: job.variant,
            spec,
            items,
        }
    }
}

impl std::fmt::Debug for ChunkJob {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChunkJob")
            .field("variant", &self.variant.id())
            .field("spec", &self.spec)
            .field("items", &self.items)
            .finish()
    }
}

/// How the constant state reaches the worker for one chunk.
#[derive(Debug, Serialize, Deserialize)]
pub enum StateIn<'a> {
    /// Serialised with this chunk; the worker deserialises a fresh copy for
    /// it (`partial`, callable class, bound method, per-task copy).
    PerChunk(#[serde(borrow)] Wire<'a>),
    /// The first chunk of this worker with this state: serialised once,
    /// kept by the worker for the life of the pool, until another `Keep`
    /// replaces it (`Pool(initializer=...)`).
    Keep(#[serde(borrow)] Wire<'a>),
    /// The copy this worker kept from an earlier chunk.
    Kept,
    /// Map the table file at `path` read-only (shared memory, no copy);
    /// the worker keeps the mapping while the path stays the same.
    Mapped { path: &'a str, c: u64 },
}

/// The constant state as bytes: `c` and the table in native byte order.
#[derive(Debug, Serialize, Deserialize)]
pub struct Wire<'a> {
    pub c: u64,
    #[serde(borrow, with = "serde_bytes")]
    pub table: &'a [u8],
}

/// A chunk's job on a problem other than the seed's: the variant, the
/// problem's name (the worker checks it is the one its program carries)
/// and the items.
#[derive(Clone, Serialize, Deserialize)]
pub struct ProblemJob {
    #[serde(serialize_with = "variant_id", deserialize_with = "variant_by_id")]
    pub variant: &'static dyn Variant,
    pub problem: String,
    pub items: Range<usize>,
}

impl std::fmt::Debug for ProblemJob {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProblemJob")
            .field("variant", &self.variant.id())
            .field("problem", &self.problem)
            .field("items", &self.items)
            .finish()
    }
}

/// How a serialised state (a problem other than the seed's) reaches the
/// worker for one chunk: as [`StateIn`], but always as bytes, never
/// mapped (each worker deserialises its own copy).
#[derive(Debug, Serialize, Deserialize)]
pub enum WireStateIn<'a> {
    /// Serialised with this chunk; deserialised into a fresh copy for it.
    PerChunk(#[serde(borrow, with = "serde_bytes")] &'a [u8]),
    /// Kept by the worker for the life of the pool, until another `Keep`.
    Keep {
        #[serde(borrow, with = "serde_bytes")]
        bytes: &'a [u8],
        digest: u64,
    },
    /// The copy this worker kept, whose bytes had this digest.
    Kept { digest: u64 },
}

/// Where a shared-sum chunk adds its items: a slot of the pool's shared
/// mapping of atomics (the file at `path`).
#[derive(Debug, Serialize, Deserialize)]
pub struct SharedSlot<'a> {
    pub path: &'a str,
    pub slot: usize,
}

/// Parent to worker.
#[derive(Debug, Serialize, Deserialize)]
pub enum Request<'a> {
    /// Compute `job.items` (one chunk of a call).
    Chunk {
        /// The chunk's index in its call, for error messages.
        chunk: usize,
        job: ChunkJob,
        #[serde(borrow)]
        state: StateIn<'a>,
        /// For the atomic shared sums: the slot to add into.
        #[serde(borrow)]
        slot: Option<SharedSlot<'a>>,
    },
    /// Compute `items` of the problem this worker's program carries (a
    /// problem other than the seed's, its state serialised).
    ProblemChunk {
        chunk: usize,
        job: ProblemJob,
        #[serde(borrow)]
        state: WireStateIn<'a>,
        #[serde(borrow)]
        slot: Option<SharedSlot<'a>>,
    },
    /// Reset the peak-RSS mark (before a measured call).
    ResetPeak,
    /// Report the peak RSS since the last reset.
    Peak,
}

/// What a chunk produced.
#[derive(Debug, Serialize, Deserialize)]
pub enum ChunkResult {
    /// Per-item results, native byte order.
    Items(#[serde(with = "serde_bytes")] Vec<u8>),
    /// A partial sum (and, for a stateful worker, its call count).
    Sum { sum: u64, calls: Option<u64> },
    /// Added into the shared slot; nothing to send back.
    Added,
}

/// Worker to parent.
#[derive(Debug, Serialize, Deserialize)]
pub enum Reply {
    /// First frame of every worker: it is a parbench worker of this protocol.
    Hello { pid: u32, protocol: u32 },
    Done {
        chunk: usize,
        result: ChunkResult,
        /// Deep copies of the state the worker made for this chunk.
        copies: u64,
    },
    /// The chunk panicked or failed; the message says why.
    Failed { chunk: usize, message: String },
    /// Peak RSS since the last reset (`None`: the OS does not say).
    Peak(Option<u64>),
    /// The peak-RSS mark was reset (`false`: the OS cannot).
    Reset(bool),
}

/// Bumped whenever a message changes shape.
pub const PROTOCOL: u32 = 3;

/// The items of chunk `index` of `items` cut into chunks of `len`.
pub fn chunk_range(items: &Range<usize>, len: usize, index: usize) -> Range<usize> {
    let start = items.start + index * len;
    start..(start + len).min(items.end)
}

/// Encodes `message` as one frame (length prefix included).
pub fn frame<T: Serialize>(message: &T) -> Result<Vec<u8>> {
    let mut frame = postcard::to_extend(message, vec![0u8; 8]).context("encoding a message")?;
    let len = (frame.len() - 8) as u64;
    frame[..8].copy_from_slice(&len.to_le_bytes());
    Ok(frame)
}

/// Reads one frame's payload; `Ok(None)` at a clean end of stream.
pub fn read_frame(from: &mut impl Read) -> io::Result<Option<Vec<u8>>> {
    let mut len = [0u8; 8];
    match from.read_exact(&mut len) {
        Ok(()) => {}
        Err(err) if err.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(err) => return Err(err),
    }
    let len = u64::from_le_bytes(len);
    if len > MAX_FRAME {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("a frame of {len} bytes is beyond the limit: the stream is corrupt"),
        ));
    }
    let mut payload = vec![0u8; len as usize];
    from.read_exact(&mut payload)?;
    Ok(Some(payload))
}

/// Writes a whole frame and flushes it.
pub fn write_frame(to: &mut impl Write, frame: &[u8]) -> io::Result<()> {
    to.write_all(frame)?;
    to.flush()
}

/// Decodes a payload.
pub fn decode<'a, T: Deserialize<'a>>(payload: &'a [u8]) -> Result<T> {
    postcard::from_bytes(payload).context("decoding a message")
}

/// A `u64` slice as its bytes in native order (no copy).
pub fn as_bytes(values: &[u64]) -> &[u8] {
    // SAFETY: `u8` has no alignment or validity requirements, and the
    // length covers exactly the slice's memory.
    unsafe {
        std::slice::from_raw_parts(values.as_ptr().cast::<u8>(), std::mem::size_of_val(values))
    }
}

/// Native-order bytes back into `u64`s, into `out` (one copy).
pub fn read_u64s(bytes: &[u8], out: &mut [u64]) -> Result<()> {
    if bytes.len() != out.len() * 8 {
        bail!("{} bytes for {} values", bytes.len(), out.len());
    }
    for (slot, b) in out.iter_mut().zip(bytes.chunks_exact(8)) {
        *slot = u64::from_ne_bytes(b.try_into().expect("chunks of 8"));
    }
    Ok(())
}

fn variant_id<S: Serializer>(variant: &&'static dyn Variant, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(variant.id())
}

fn variant_by_id<'de, D: Deserializer<'de>>(d: D) -> Result<&'static dyn Variant, D::Error> {
    let id = String::deserialize(d)?;
    variants::variant(&id).map_err(serde::de::Error::custom)
}

/// [`Spec`] for binary formats such as postcard (the process backend's
/// wire): externally tagged, so no format needs to describe itself.
#[derive(Serialize, Deserialize)]
struct CompactSpec {
    items: usize,
    rounds: u32,
    imbalance: CompactImbalance,
    state_bytes: usize,
}

#[derive(Serialize, Deserialize)]
enum CompactImbalance {
    Uniform,
    Ramp,
    Spikes { every: usize, factor: u32 },
}

fn spec_out<S: Serializer>(spec: &Spec, s: S) -> Result<S::Ok, S::Error> {
    if s.is_human_readable() {
        return spec.serialize(s);
    }
    CompactSpec {
        items: spec.items,
        rounds: spec.rounds,
        imbalance: match spec.imbalance {
            Imbalance::Uniform => CompactImbalance::Uniform,
            Imbalance::Ramp => CompactImbalance::Ramp,
            Imbalance::Spikes { every, factor } => CompactImbalance::Spikes { every, factor },
        },
        state_bytes: spec.state_bytes,
    }
    .serialize(s)
}

fn spec_in<'de, D: Deserializer<'de>>(d: D) -> Result<Spec, D::Error> {
    if d.is_human_readable() {
        return Spec::deserialize(d);
    }
    let compact = CompactSpec::deserialize(d)?;
    Ok(Spec {
        items: compact.items,
        rounds: compact.rounds,
        imbalance: match compact.imbalance {
            CompactImbalance::Uniform => Imbalance::Uniform,
            CompactImbalance::Ramp => Imbalance::Ramp,
            CompactImbalance::Spikes { every, factor } => Imbalance::Spikes { every, factor },
        },
        state_bytes: compact.state_bytes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::variants;
    use crate::workload::workload;

    #[test]
    fn a_request_round_trips_and_a_plain_chunk_is_small() {
        let job = ChunkJob {
            variant: variants::variant("closure").unwrap(),
            spec: workload("seed").unwrap().full,
            items: 3..6,
        };
        let table = [1u64, 2, 3];
        let request = Request::Chunk {
            chunk: 1,
            job,
            state: StateIn::PerChunk(Wire {
                c: 100,
                table: as_bytes(&table),
            }),
            slot: None,
        };
        let bytes = frame(&request).unwrap();
        assert!(bytes.len() < 80, "{} bytes", bytes.len());
        let payload = read_frame(&mut &bytes[..]).unwrap().unwrap();
        let Request::Chunk {
            chunk, job, state, ..
        } = decode(&payload).unwrap()
        else {
            panic!("not a chunk");
        };
        assert_eq!((chunk, job.items), (1, 3..6));
        let StateIn::PerChunk(wire) = state else {
            panic!("not per chunk")
        };
        let mut back = [0u64; 3];
        read_u64s(wire.table, &mut back).unwrap();
        assert_eq!(back, table);
        assert_eq!(chunk_range(&(10..20), 4, 2), 18..20);
    }

    #[test]
    fn end_of_stream_is_none_and_a_huge_length_is_refused() {
        assert!(read_frame(&mut &[][..]).unwrap().is_none());
        let huge = u64::MAX.to_le_bytes();
        assert!(read_frame(&mut &huge[..]).is_err());
    }
}
