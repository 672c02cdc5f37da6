//! Exact copy counts of the constant state, and allocation that does not
//! grow with its size for the borrowing variants.
//!
//! The allocation counter is process-wide, so this file holds a single test
//! (one test binary, nothing else allocating while it measures), and it
//! installs the counting allocator itself: the library does not.

use parbench::backends::{BACKENDS, block_len, pool_map_chunk_len, thread_counts};
use parbench::matrix::{self, Measured, Prepared};
use parbench::memory::{CountingAllocator, Memory};
use parbench::variants::{Variant, variant};
use parbench::workload::{Imbalance, Spec};

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

fn spec(items: usize, state_bytes: usize) -> Spec {
    Spec {
        items,
        rounds: 2,
        imbalance: Imbalance::Uniform,
        state_bytes,
    }
}

fn measure(
    problem: &Prepared<parbench::workload::Seed>,
    variant: &'static dyn Variant,
    backend: &str,
    threads: usize,
) -> Measured {
    let exec = parbench::backends::backend(backend)
        .unwrap()
        .executor(threads)
        .unwrap();
    let mut out = problem.output().unwrap();
    matrix::measure_once(problem, &problem.job(variant), &*exec, &mut out).unwrap()
}

/// Chunks each backend cuts `n` items into at `threads`; `None` where the
/// split is adaptive (rayon's own splitting: as many pieces as steals made).
fn expected_chunks(backend: &str, n: usize, threads: usize) -> Option<usize> {
    match backend {
        "sequential" => Some(1),
        "std_scope" => Some(threads.min(n)),
        "rayon_iter" | "rayon_grain" => None,
        // chili halves the items down to a block or less.
        "chili" => Some(halving_leaves(n, block_len(n, threads))),
        // Blocks: orx-parallel's and paralight's items.
        "orx_parallel" | "paralight" => Some(n.div_ceil(block_len(n, threads))),
        _ => Some(n.div_ceil(pool_map_chunk_len(n, threads))),
    }
}

/// The leaves of halving `n` items until each holds at most `block`.
fn halving_leaves(n: usize, block: usize) -> usize {
    match n {
        0 => 0,
        n if n <= block => 1,
        n => halving_leaves(n / 2, block) + halving_leaves(n - n / 2, block),
    }
}

/// A figure the counting allocator must have measured.
fn counted(figure: Option<u64>, memory: &Memory) -> u64 {
    figure.unwrap_or_else(|| panic!("not counted: {memory:?}"))
}

#[test]
fn copies_and_allocations_per_variant() {
    // 256 KiB and 4 MiB: 1 and 16 MiB took 7 s of a debug build, the copies most of it.
    const STATE: usize = 1 << 18;
    // Fewer items than some thread counts divide evenly (100 on 16 threads).
    const ITEMS: usize = 100;
    let small = Prepared::new(spec(ITEMS, STATE)).unwrap();
    let large = Prepared::new(spec(ITEMS, 16 * STATE)).unwrap();
    // Threads borrow or copy in this process; the process backend's copies
    // are made in its workers and have their own test (tests/it/process.rs).
    for backend in BACKENDS.iter().filter(|b| b.shares_memory()) {
        for threads in thread_counts(*backend, &[1, 2, 3, 4, 7, 16]) {
            let backend = backend.id();
            let at = format!("{backend} threads={threads}");
            for borrowing in [
                "closure",
                "function_object",
                "method_reference",
                "dyn_callable",
                "arc_state",
            ] {
                let v = variant(borrowing).unwrap();
                let m_small = measure(&small, v, backend, threads);
                let m_large = measure(&large, v, backend, threads);
                assert_eq!(m_small.memory.state_copies, Some(0), "{borrowing} {at}");
                assert_eq!(m_large.memory.state_copies, Some(0), "{borrowing} {at}");
                // Scheduling bookkeeping only: far below even the small table,
                // and not growing with a 16x larger one.
                for m in [&m_small, &m_large] {
                    assert!(
                        counted(m.memory.bytes_allocated, &m.memory) < 64 * 1024,
                        "{borrowing} {at}: {:?}",
                        m.memory
                    );
                }
            }

            let per_worker = measure(
                &large,
                variant("clone_per_worker").unwrap(),
                backend,
                threads,
            );
            let stats = per_worker.outcome.stats;
            let worker_copies = counted(per_worker.memory.state_copies, &per_worker.memory);
            assert_eq!(
                worker_copies,
                stats.workers_used() as u64,
                "clone_per_worker {at}"
            );
            assert!(stats.workers_used() >= 1, "{at}: {stats:?}");
            if backend == "std_scope" {
                assert_eq!(stats.workers_used(), threads.min(ITEMS), "{at}");
            }
            assert!(
                counted(per_worker.memory.bytes_allocated, &per_worker.memory)
                    >= worker_copies * 16 * STATE as u64
            );

            let per_task = measure(&large, variant("clone_per_task").unwrap(), backend, threads);
            let chunks = per_task.outcome.stats.chunks();
            match expected_chunks(backend, ITEMS, threads) {
                Some(expected) => assert_eq!(chunks, expected, "{at}"),
                None => assert!((1..=ITEMS).contains(&chunks), "{at}: {chunks}"),
            }
            let memory = &per_task.memory;
            assert_eq!(
                memory.state_copies,
                Some(chunks as u64),
                "clone_per_task {at}"
            );
            assert!(
                counted(memory.bytes_allocated, memory) >= chunks as u64 * 16 * STATE as u64,
                "{at}"
            );
            // Each copy is dropped when its task ends: at most one per thread is
            // live. (Peak is net of frees of older memory, hence the slack.)
            let copy_bytes = 16 * STATE as u64;
            let peak = counted(memory.peak_live_bytes, memory);
            assert!(peak > copy_bytes - 64 * 1024, "{at}: {memory:?}");
            assert!(peak < (threads as u64 + 1) * copy_bytes, "{at}");
        }
    }
}
