//! The seed's own Python (benches/python/seed_pool.py) computes exactly the
//! Rust oracle's results, and Pool.map pickles what the seed says it does.
//! Without python3 on the PATH the test is reported ignored, or fails
//! where `PARBENCH_REQUIRE_TOOLS` requires python3 (`support/tools.rs`).

use parbench::backends::pool_map_chunk_len;
use parbench::python_pool::{self, ROLES};
use parbench::roles::Role;

#[path = "support/tools.rs"]
mod tools;

fn main() {
    tools::run(vec![tools::trial(
        "python_matches_the_oracle_and_pickles_the_state_per_chunk",
        "python3",
        python_pool::python3,
        python_matches_the_oracle_and_pickles_the_state_per_chunk,
    )]);
}

fn python_matches_the_oracle_and_pickles_the_state_per_chunk(_version: String) {
    let runs = python_pool::verify_plan(&[1, 2], true);
    let measured = python_pool::measure(&runs, "2026-11-26T00:00:00Z").unwrap();
    assert!(measured.mismatches.is_empty(), "{:#?}", measured.mismatches);
    // The list comprehension once per workload, every other idiom per pool size.
    let expected: usize = runs
        .iter()
        .map(|r| 1 + (ROLES.len() - 1) * r.workers.len())
        .sum();
    assert_eq!(measured.passed, expected);
    assert_eq!(measured.benchmarks.len(), expected);
    for b in &measured.benchmarks {
        let at = b.key.to_string();
        let chunks = b
            .items
            .div_ceil(pool_map_chunk_len(b.items as usize, b.key.threads as usize) as u64);
        assert!(b.own_baseline, "{at}");
        match b.role {
            // partial, callable class, bound method: the state with every chunk.
            Role::PartialIdiom | Role::CallableClassIdiom | Role::BoundMethodIdiom => {
                assert_eq!(b.memory.state_copies, Some(chunks), "{at}");
                assert!(b.memory.ipc_bytes.unwrap() > 0, "{at}");
            }
            // The initializer: never with a call.
            Role::CopyPerWorker => assert_eq!(b.memory.state_copies, Some(0), "{at}"),
            Role::Baseline => assert_eq!(b.memory.ipc_bytes, None, "{at}"),
            other => panic!("unexpected idiom {other:?}"),
        }
        if b.role != Role::Baseline && cfg!(target_os = "linux") {
            assert!(b.memory.worker_peak_rss_bytes.unwrap() > 0, "{at}");
        }
    }
    // The initializer's picklings at pool start are measured apart, with
    // the start method that decides them.
    let starts: Vec<&String> = measured
        .summary
        .iter()
        .filter(|l| l.contains("/clone_per_worker "))
        .collect();
    assert!(!starts.is_empty(), "{:#?}", measured.summary);
    assert!(
        starts.iter().all(|l| l.contains("when the pool started (")),
        "{starts:#?}"
    );
    // The state's table travels in the pickles: big_state's partial ships
    // more than its 1 MiB table per chunk.
    let big = measured
        .benchmarks
        .iter()
        .find(|b| b.key.workload == "big_state" && b.key.variant == "closure")
        .unwrap();
    let table = runs
        .iter()
        .find(|r| r.workload == "big_state")
        .unwrap()
        .spec
        .state_bytes as u64;
    assert!(big.memory.ipc_bytes.unwrap() > table * big.memory.state_copies.unwrap());
}
