//! Counting what a call allocates: the seed's memory question, measured.
//!
//! A thin wrapper of the system allocator counts bytes and allocations and
//! tracks live bytes, but only while [`measure`] runs: outside it each
//! allocation pays one relaxed load, so criterion's timings are not distorted
//! (and the sweep measures memory in a separate pass anyway). Counts are
//! process-wide: anything else allocating during a measurement is counted
//! too, so callers measure one thing at a time (`measure` serialises itself).
//!
//! The library does not install the allocator: the programs that want the
//! counts do (`src/main.rs`, `benches/sweep.rs`, `tests/memory.rs`), with
//! `#[global_allocator] static A: CountingAllocator = CountingAllocator;`.
//! Where it is not installed, [`measure`] says so by leaving the heap
//! figures unknown rather than reporting zeros.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering::Relaxed};

use serde::{Deserialize, Serialize};

use crate::platform;

/// The counting allocator, for a program to install as its global allocator.
pub struct CountingAllocator;

static COUNTING: AtomicBool = AtomicBool::new(false);
static BYTES_ALLOCATED: AtomicU64 = AtomicU64::new(0);
static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);
static LIVE_BYTES: AtomicI64 = AtomicI64::new(0);
static PEAK_LIVE_BYTES: AtomicI64 = AtomicI64::new(0);
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn on_alloc(bytes: usize) {
    BYTES_ALLOCATED.fetch_add(bytes as u64, Relaxed);
    ALLOCATIONS.fetch_add(1, Relaxed);
    let live = LIVE_BYTES.fetch_add(bytes as i64, Relaxed) + bytes as i64;
    PEAK_LIVE_BYTES.fetch_max(live, Relaxed);
}

fn on_free(bytes: usize) {
    LIVE_BYTES.fetch_sub(bytes as i64, Relaxed);
}

// SAFETY: every method forwards to `System` with the caller's arguments
// unchanged; the counters are side effects only.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() && COUNTING.load(Relaxed) {
            on_alloc(layout.size());
        }
        ptr
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let ptr = unsafe { System.alloc_zeroed(layout) };
        if !ptr.is_null() && COUNTING.load(Relaxed) {
            on_alloc(layout.size());
        }
        ptr
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        if COUNTING.load(Relaxed) {
            on_free(layout.size());
        }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() && COUNTING.load(Relaxed) {
            on_free(layout.size());
            on_alloc(new_size);
        }
        new
    }
}

/// What one measured call did to memory: the memory figures of a benchmark
/// record, flattened into it. Each is unknown (`None`) where it was not
/// measured: files of schema 1, a program without the counting allocator,
/// an OS without a peak-RSS reading.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Memory {
    /// Deep copies of the constant state made by the call.
    #[serde(default)]
    pub state_copies: Option<u64>,
    /// Bytes requested from the allocator during the call.
    #[serde(default)]
    pub bytes_allocated: Option<u64>,
    /// Number of allocations during the call.
    #[serde(default)]
    pub allocations: Option<u64>,
    /// Peak of live heap bytes above the level before the call.
    #[serde(default)]
    pub peak_live_bytes: Option<u64>,
    /// The process's peak resident set during the call (Linux only; it
    /// includes everything already resident, such as the input table).
    #[serde(default)]
    pub peak_rss_bytes: Option<u64>,
    /// Bytes sent between processes by the call, both directions (the
    /// `process` backend and the Python pool; threads send none: `None`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ipc_bytes: Option<u64>,
    /// The largest peak resident set of one worker process during the call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worker_peak_rss_bytes: Option<u64>,
    /// The peak resident sets of all the worker processes, summed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worker_peak_rss_sum_bytes: Option<u64>,
}

/// Whether this program installed [`CountingAllocator`]: one allocation
/// made while counting must be seen.
pub fn counting_installed() -> bool {
    static INSTALLED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *INSTALLED.get_or_init(|| {
        let _one = ONE_AT_A_TIME
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let before = ALLOCATIONS.load(Relaxed);
        COUNTING.store(true, Relaxed);
        drop(std::hint::black_box(Box::new(0u64)));
        COUNTING.store(false, Relaxed);
        ALLOCATIONS.load(Relaxed) != before
    })
}

/// Runs `f` with allocation counting on and returns what it did to memory
/// (all but `state_copies`, which the caller counts).
pub fn measure<R>(f: impl FnOnce() -> R) -> (R, Memory) {
    let installed = counting_installed();
    let _one = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    for counter in [&BYTES_ALLOCATED, &ALLOCATIONS] {
        counter.store(0, Relaxed);
    }
    LIVE_BYTES.store(0, Relaxed);
    PEAK_LIVE_BYTES.store(0, Relaxed);
    let rss_reset = platform::reset_peak_rss();
    COUNTING.store(true, Relaxed);
    let result = f();
    COUNTING.store(false, Relaxed);
    let counted = |value: u64| installed.then_some(value);
    let memory = Memory {
        state_copies: None,
        bytes_allocated: counted(BYTES_ALLOCATED.load(Relaxed)),
        allocations: counted(ALLOCATIONS.load(Relaxed)),
        peak_live_bytes: counted(PEAK_LIVE_BYTES.load(Relaxed).max(0) as u64),
        peak_rss_bytes: if rss_reset {
            platform::peak_rss_since_reset()
        } else {
            None
        },
        ..Memory::default()
    };
    (result, memory)
}
