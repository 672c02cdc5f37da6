//! Counting what a call allocates: the seed's memory question, measured.
//!
//! A thin wrapper of the system allocator counts bytes and allocations and
//! tracks live bytes, but only while [`measure`] runs: outside it each
//! allocation pays one relaxed load, so criterion's timings are not distorted
//! (and the sweep measures memory in a separate pass anyway). Counts are
//! process-wide: anything else allocating during a measurement is counted
//! too, so callers measure one thing at a time (`measure` serialises itself).

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering::Relaxed};

use serde::{Deserialize, Serialize};

/// The global allocator of every parbench binary (installed in `lib.rs`).
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

/// What one measured call did to the heap.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Footprint {
    /// Bytes requested from the allocator during the call.
    pub bytes_allocated: u64,
    /// Number of allocations during the call.
    pub allocations: u64,
    /// Peak of live heap bytes above the level before the call.
    pub peak_live_bytes: u64,
    /// The process's peak resident set during the call (Linux only; it
    /// includes everything already resident, such as the input table).
    pub peak_rss_bytes: Option<u64>,
}

/// Runs `f` with allocation counting on and returns what it allocated.
pub fn measure<R>(f: impl FnOnce() -> R) -> (R, Footprint) {
    let _one = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    for counter in [&BYTES_ALLOCATED, &ALLOCATIONS] {
        counter.store(0, Relaxed);
    }
    LIVE_BYTES.store(0, Relaxed);
    PEAK_LIVE_BYTES.store(0, Relaxed);
    let rss_reset = reset_peak_rss();
    COUNTING.store(true, Relaxed);
    let result = f();
    COUNTING.store(false, Relaxed);
    let footprint = Footprint {
        bytes_allocated: BYTES_ALLOCATED.load(Relaxed),
        allocations: ALLOCATIONS.load(Relaxed),
        peak_live_bytes: PEAK_LIVE_BYTES.load(Relaxed).max(0) as u64,
        peak_rss_bytes: if rss_reset { peak_rss() } else { None },
    };
    (result, footprint)
}

/// Resets the kernel's peak-RSS mark (Linux >= 4.0), so the next reading is
/// the peak of the measured call only.
fn reset_peak_rss() -> bool {
    cfg!(target_os = "linux") && std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// `VmHWM` of `/proc/self/status`, in bytes.
fn peak_rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line
        .trim_start_matches("VmHWM:")
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kib * 1024)
}
