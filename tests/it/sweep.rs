//! A `cargo bench` run as the bench drives the sweep, with small sizes, in
//! `quick` (which criterion does not time): each group is paired with the
//! sequential loop and reaches the results file as soon as it completes,
//! each entry timed by its paired rounds (criterion estimates left in its
//! folder are not read; `tests/it/criterion_dir.rs` reads them for the other
//! profiles); an interrupt (the sweep dropped before `finish`) keeps every
//! finished group; `PARBENCH_RESUME` skips them; a second run on the same
//! label is refused while the first holds the lock.

use std::path::Path;
use std::time::Duration;

use parbench::key::Key;
use parbench::paired::{IntermittentSampling, Sampling};
use parbench::profile::Profile;
use parbench::results::{Machine, ResultsFile, TimeEstimator};
use parbench::sweep::{Group, Sizes, Sweep};

fn machine() -> Machine {
    let mut m = parbench::machine::fingerprint(Path::new(env!("CARGO_MANIFEST_DIR")));
    m.label = "lab".to_string();
    m
}

/// Six rounds of short batches: enough for intervals, quick for a test.
fn sampling() -> Sampling {
    Sampling {
        batch: Duration::from_micros(100),
        target_half_width: f64::INFINITY,
        cap: Duration::ZERO,
        churning_cap: Duration::ZERO,
        stretch: 1.0,
        min_rounds: 6,
        max_rounds: 6,
        banked: Duration::ZERO,
        answers: false,
    }
}

fn sweep() -> Sweep {
    parbench::backends::process::set_worker_program(env!("CARGO_BIN_EXE_parbench"));
    let mut sweep = Sweep::new(Profile::Quick, vec![1, 2], Sizes::Quick);
    sweep.verbose = false;
    sweep
}

/// What criterion would have written for `key` (a time of `ns` per call).
fn write_criterion_estimates(home: &Path, n: usize, key: &Key, ns: f64) {
    let dir = home.join(format!("b{n}")).join("new");
    std::fs::create_dir_all(&dir).unwrap();
    let id = serde_json::json!({
        "group_id": key.workload,
        "function_id": key.function(),
        "value_str": key.threads.to_string(),
        "throughput": null,
    });
    let estimate = serde_json::json!({
        "confidence_interval": {"lower_bound": ns * 0.99, "upper_bound": ns * 1.01},
        "point_estimate": ns,
    });
    let estimates = serde_json::json!({"mean": estimate, "median": estimate, "slope": null});
    std::fs::write(dir.join("benchmark.json"), id.to_string()).unwrap();
    std::fs::write(dir.join("estimates.json"), estimates.to_string()).unwrap();
}

/// The bench's part for `group`: every member called (the first call
/// checks it), and estimates written as criterion would (an older run's,
/// which `quick` must not read); then the sweep's part.
fn measure(sweep: &mut Sweep, group: &Group, home: &Path) {
    for index in group.members.clone() {
        let mut call = sweep.call(index).unwrap().expect("matches the oracle");
        call.run().unwrap();
        write_criterion_estimates(home, index, &sweep.plan[index].key(), 1000.0);
    }
    let missing = sweep.group_done(group, home, &sampling()).unwrap();
    assert!(missing.is_empty(), "{missing:?}");
}

fn keys(sweep: &Sweep, groups: &[Group]) -> Vec<String> {
    let mut keys: Vec<String> = groups
        .iter()
        .flat_map(|g| g.members.clone())
        .map(|i| sweep.plan[i].key().to_string())
        .collect();
    keys.sort();
    keys
}

fn file_keys(file: &ResultsFile) -> Vec<String> {
    let mut keys: Vec<String> = file.benchmarks.iter().map(|b| b.key.to_string()).collect();
    keys.sort();
    keys
}

#[test]
fn an_interrupted_run_keeps_each_finished_group_and_a_resume_skips_them() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("runs").join("lab.json");
    let home = dir.path().join("criterion");
    let settings = Profile::Quick.criterion_settings();

    let (groups, started_at) = {
        let mut first = sweep();
        first
            .begin(&path, machine(), settings.clone(), Vec::new(), false)
            .unwrap();
        // The estimates below are newer than the run's start (file times
        // are coarse), so a profile that read criterion's folder would take them.
        std::thread::sleep(Duration::from_millis(30));
        let groups = first.groups();
        assert!(groups.len() >= 3);
        assert!(groups[..2].iter().all(|g| g.workload == "compute"));
        for group in &groups[..2] {
            measure(&mut first, group, &home);
        }

        // Another run on the same label is refused while this one writes.
        let err = sweep()
            .begin(&path, machine(), settings.clone(), Vec::new(), false)
            .unwrap_err();
        assert!(
            format!("{err:#}").contains("another parbench run is writing"),
            "{err:#}"
        );

        // Interrupted here: the file holds both groups, whole.
        let written = ResultsFile::load(&path).unwrap().results;
        assert!(written.run.in_progress);
        assert_eq!(file_keys(&written), keys(&first, &groups[..2]));
        let calibration = written
            .run
            .calibration
            .as_ref()
            .expect("calibrated at the start");
        assert!(calibration.end.is_none());
        assert!(calibration.start.sequential_ns["compute"] > 0.0);
        for b in &written.benchmarks {
            let speedup = b.paired_speedup().expect("paired");
            assert!(speedup.lower <= speedup.estimate && speedup.estimate <= speedup.upper);
            assert_eq!(b.paired_rounds, Some(6));
            // Timed by the paired rounds, not by the estimates in criterion's folder.
            assert_eq!(b.time_estimator, Some(TimeEstimator::PairedRounds));
            assert!(b.time_ns.estimate > 0.0 && b.time_ns.estimate != 1000.0);
            assert!(b.time_ns.lower <= b.time_ns.estimate && b.time_ns.estimate <= b.time_ns.upper);
            assert!(b.cpu_time_ns.is_none_or(|cpu| cpu > 0.0));
        }
        let fo = written
            .benchmarks
            .iter()
            .find(|b| b.key.variant == "function_object")
            .unwrap();
        assert!(
            fo.compared_with("closure").is_some(),
            "idioms are paired with each other"
        );
        (groups, first.started_at.clone())
        // `first` is dropped without `finish`: an interrupt.
    };

    let mut resumed = sweep();
    resumed
        .begin(&path, machine(), settings.clone(), Vec::new(), true)
        .unwrap();
    assert_eq!(resumed.started_at, started_at, "the same run, continued");
    for (g, group) in groups.iter().enumerate() {
        for index in group.members.clone() {
            assert_eq!(
                resumed.resumed(index),
                g < 2,
                "{}",
                resumed.plan[index].key()
            );
        }
    }
    std::thread::sleep(Duration::from_millis(30));
    measure(&mut resumed, &groups[2], &home);
    resumed.finish().unwrap();
    let done = ResultsFile::load(&path).unwrap().results;
    assert!(!done.run.in_progress);
    assert!(done.run.calibration.as_ref().unwrap().end.is_some());
    assert_eq!(file_keys(&done), keys(&resumed, &groups[..3]));
    assert!(done.benchmarks.iter().all(|b| b.measured_at == started_at));

    // A finished run cannot be resumed: the message names the file.
    let err = sweep()
        .begin(&path, machine(), settings, Vec::new(), true)
        .unwrap_err();
    let err = format!("{err:#}");
    assert!(
        err.contains("finished") && err.contains("lab.json"),
        "{err}"
    );
}

/// The intermittent regime, as the bench measures it after criterion: the
/// plan's own filter applies, each call follows the caller's work, the
/// entries carry their regime, calls and paired speedup, and the steady
/// entries of the same benchmarks stay as they were.
#[test]
fn intermittent_entries_carry_their_regime_distribution_and_paired_speedup() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("runs").join("lab.json");
    let mut sweep = sweep();
    sweep.caller_work = Duration::from_micros(200);
    assert!(
        sweep
            .intermittent
            .iter()
            .all(|p| p.key().regime == parbench::key::Regime::Intermittent
                && p.combo.backend.max_threads() > 1),
        "the sequential loop is the caller's work, never an intermittent benchmark"
    );
    for workload in ["seed", "compute"] {
        assert!(
            sweep
                .intermittent
                .iter()
                .any(|p| p.key().workload == workload && p.key().variant == "closure"),
            "quick measures closure intermittently on {workload}"
        );
    }
    sweep
        .begin(
            &path,
            machine(),
            Profile::Quick.criterion_settings(),
            Vec::new(),
            false,
        )
        .unwrap();
    // A filter that names one benchmark: the others are not measured.
    let only = |key: &Key| key.to_string().starts_with("compute/closure/rayon/2");
    // Seven calls, each with its steady call right after it.
    let seven = IntermittentSampling {
        min_calls: 7,
        max_calls: 7,
        ..IntermittentSampling::once(sweep.caller_work, 0.10)
    };
    for group in &sweep.intermittent_groups() {
        sweep.measure_intermittent(group, &seven, &only).unwrap();
    }
    let file = ResultsFile::load(&path).unwrap().results;
    let keys = file_keys(&file);
    assert_eq!(keys, vec!["compute/closure/rayon/2/intermittent"]);
    let b = &file.benchmarks[0];
    assert_eq!(b.call_ns.len(), 7);
    assert_eq!(b.steady_call_ns.len(), 7);
    assert!(b.caller_work_ns.unwrap() >= 200_000.0);
    assert_eq!(b.paired_rounds, Some(7));
    let speedup = b.paired_speedup().unwrap();
    assert!(speedup.lower <= speedup.estimate && speedup.estimate <= speedup.upper);
    assert!(b.p50_ns.unwrap() <= b.p90_ns.unwrap());
    assert!((0.0..=1.0).contains(&b.slow_call_share.unwrap()));
    assert_eq!(
        b.time_ns.median,
        b.p50_ns.unwrap(),
        "7 calls: one middle call"
    );
    // No steady baseline of the same regime: criterion's ratio is not taken.
    assert_eq!(b.criterion_speedup, None);
}

#[test]
fn the_harness_overhead_pairs_every_in_process_backend_with_its_hand_written_map() {
    use parbench::break_even::Mode;
    use parbench::harness_overhead;

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("runs").join("lab.json");
    let mut sweep = sweep();
    let logical_cores = num_cpus::get();
    let settings = Profile::Quick.criterion_settings();
    sweep
        .begin(&path, machine(), settings, Vec::new(), false)
        .unwrap();
    // Criterion's test mode only checks each pairing against the oracle.
    let everything = |_: &Key| true;
    let pairings = harness_overhead::run(&mut sweep, Mode::Check, &sampling(), &everything);
    let keys = harness_overhead::keys(sweep.profile, &sweep.threads, logical_cores);
    assert!(!path.exists(), "checking writes nothing");
    // Per workload: the sequential backend once, each parallel backend per
    // thread count it is measured at beside the matrix (a backend added for
    // how the work is split, and every backend in quick, at the most
    // threads within the cores only).
    let parallel_in_process: Vec<_> = (parbench::backends::BACKENDS.iter())
        .filter(|b| b.shares_memory() && b.max_threads() > 1)
        .collect();
    assert!(parallel_in_process.len() >= 3);
    let per_workload = 1
        + (parallel_in_process.iter())
            .map(|b| {
                (sweep.threads.iter())
                    .filter(|&&t| {
                        t <= logical_cores
                            && sweep.profile.measures_beside_at(
                                **b,
                                t,
                                &sweep.threads,
                                logical_cores,
                            )
                    })
                    .count()
            })
            .sum::<usize>();
    assert_eq!(pairings.unwrap(), 3 * per_workload);
    // Measured: one entry per workload and key (closure everywhere, and the
    // sequential loop on its backend), each a valid paired interval.
    harness_overhead::run(&mut sweep, Mode::Measure, &sampling(), &everything).unwrap();
    let written = ResultsFile::load(&path).unwrap().results;
    let entries = &written.run.harness_overhead;
    assert_eq!(entries.len(), 3 * keys.len());
    for e in entries {
        assert!(e.time_ratio.is_valid(), "{e:?}");
        assert!(e.harness_ns > 0.0 && e.hand_written_ns > 0.0, "{e:?}");
        assert_eq!(e.paired_rounds, 6);
        assert_eq!(e.measured_at, sweep.started_at);
    }
    for workload in ["seed", "trivial", "compute"] {
        for key in &keys {
            assert!(
                entries.iter().any(|e| e.workload == workload
                    && e.variant == key.variant
                    && e.backend == key.backend
                    && e.threads == key.threads),
                "{workload} {key}"
            );
        }
    }
    assert!(
        keys.iter()
            .any(|k| k.variant == "sequential" && k.backend == "sequential")
    );
    assert!(keys.iter().all(|k| k.backend != "process"));
    // A filter naming none of its keys measures nothing.
    let none = |_: &Key| false;
    assert_eq!(
        harness_overhead::run(&mut sweep, Mode::Check, &sampling(), &none).unwrap(),
        0
    );
}
