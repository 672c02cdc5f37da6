//! Reading criterion 0.8's on-disk JSON, on fixture folders copied from a
//! real run (`tests/fixtures/criterion`): identity from `benchmark.json`,
//! the typical estimate (slope when present, else mean), baselines ignored,
//! a half-written folder reported rather than fatal.

use std::path::Path;

use parbench::criterion_dir::{self, Measurement};
use parbench::profile::Profile;
use parbench::sweep::{Sizes, Sweep};

fn fixtures() -> &'static Path {
    Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/criterion"
    ))
}

fn estimates(dir: &str) -> serde_json::Value {
    let path = fixtures().join(dir).join("new/estimates.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn read() -> (Vec<Measurement>, Vec<String>) {
    criterion_dir::read_all(fixtures())
}

#[test]
fn identity_comes_from_benchmark_json_not_directory_names() {
    let (found, _) = read();
    let ids: Vec<String> = found.iter().map(|m| m.id.full_id()).collect();
    // Folders are `closure_rayon` and `sequential_none`; the ids keep the slash.
    assert_eq!(
        ids,
        vec!["compute/closure/rayon/2", "compute/sequential/none/1"]
    );
    assert!(
        found.iter().all(|m| m.dir.ends_with("new")),
        "baselines are ignored"
    );
}

#[test]
fn typical_is_the_slope_when_present_else_the_mean() {
    let (found, _) = read();
    let rayon = &found[0];
    let e = estimates("compute/closure_rayon/2");
    assert!(!e["slope"].is_null(), "fixture has a slope");
    assert_eq!(
        rayon.typical_ns,
        e["slope"]["point_estimate"].as_f64().unwrap()
    );
    assert_eq!(
        rayon.lower_ns,
        e["slope"]["confidence_interval"]["lower_bound"]
            .as_f64()
            .unwrap()
    );
    assert_eq!(
        rayon.upper_ns,
        e["slope"]["confidence_interval"]["upper_bound"]
            .as_f64()
            .unwrap()
    );
    assert_eq!(
        rayon.median_ns,
        e["median"]["point_estimate"].as_f64().unwrap()
    );

    let sequential = &found[1];
    let e = estimates("compute/sequential_none/1");
    assert!(
        e["slope"].is_null(),
        "fixture was measured with flat sampling"
    );
    assert_eq!(
        sequential.typical_ns,
        e["mean"]["point_estimate"].as_f64().unwrap()
    );
    assert!(
        sequential.lower_ns <= sequential.typical_ns
            && sequential.typical_ns <= sequential.upper_ns
    );
}

#[test]
fn a_half_written_folder_is_reported_by_path() {
    let (_, problems) = read();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].contains("broken_rayon") && problems[0].contains("estimates.json"),
        "{problems:?}"
    );
}

/// The sweep as `cargo bench` drives it, with the fixture standing in for
/// what criterion wrote: the benchmarks whose routine criterion called are
/// checked against the oracle, timed, and become records with criterion's
/// numbers; one criterion left no numbers for is named.
#[test]
fn checked_benchmarks_become_results_with_criterion_numbers() {
    let (found, _) = read();
    let mut sweep = Sweep::new(Profile::Quick, vec![1, 2], Sizes::Quick);
    sweep.verbose = false;
    let position = |key: &str| {
        sweep
            .plan
            .iter()
            .position(|p| p.key().to_string() == key)
            .unwrap_or_else(|| panic!("{key} is planned"))
    };
    let (rayon, crossbeam) = (
        position("compute/closure/rayon/2"),
        position("compute/closure/crossbeam/2"),
    );
    for index in [rayon, crossbeam] {
        // Criterion calls the routine several times; only the first checks.
        for _ in 0..3 {
            let mut call = sweep.call(index).unwrap().expect("matches the oracle");
            call.run().unwrap();
        }
    }
    assert_eq!(sweep.oracle_counts(), (2, Vec::new()));
    let (benchmarks, missing) = sweep.records(0..sweep.plan.len(), &found);
    assert_eq!(missing, vec!["compute/closure/crossbeam/2"]);
    let b = &benchmarks[0];
    assert_eq!(b.key.to_string(), "compute/closure/rayon/2");
    assert_eq!(b.time_ns.estimate, found[0].typical_ns);
    assert_eq!(b.items, 300, "the quick size of compute");
    assert_eq!(b.memory.state_copies, Some(0));
    // This test binary has no counting allocator: the heap figures are
    // unknown, never zero.
    assert_eq!(b.memory.bytes_allocated, None);

    assert_eq!(
        b.paired_rounds, None,
        "not paired: the speedup will be criterion's"
    );
    let workloads = sweep.workload_infos(&benchmarks);
    assert_eq!(workloads["compute"].spec.map(|s| s.items), Some(300));
}
