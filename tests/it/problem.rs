//! A problem defined here, outside the library, through the whole matrix:
//! every variant on every backend at several thread counts, each against
//! the problem's own sequential loop, with copies counted; a problem
//! without a sum skips the shared-mutable strategies; one that goes wrong
//! in parallel is caught before anything is timed, by name. Then the same
//! through the user's entry point ([`parbench::own::run`], what
//! `parbench::bench_main!` calls): criterion's test mode, and a measuring
//! run whose records join the machine's results file without replacing
//! its run.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use std::path::Path;
use std::time::Duration;

use anyhow::Result;
use parbench::backends::{self, BACKENDS};
use parbench::key::Regime;
use parbench::matrix::{self, Prepared};
use parbench::own::{self, Settings};
use parbench::paired::{IntermittentSampling, Sampling};
use parbench::problem::Problem;
use parbench::profile::Profile;
use parbench::results::{Benchmark, ResultsFile, TimeEstimator};
use parbench::roles::{Family, Role};
use parbench::sweep::BenchArgs;
use parbench::variants::VARIANTS;
use parbench::workload::Purpose;

/// Collatz stopping times of `1..=n`, an uneven CPU-bound loop (some
/// items take a few steps, some hundreds), with a lookup table of known
/// stopping times as the constant state.
struct Collatz {
    n: usize,
}

impl Problem for Collatz {
    parbench::u64_output!();
    type State = Vec<u32>;
    fn name(&self) -> &str {
        "collatz"
    }
    fn items(&self) -> usize {
        self.n
    }
    fn state(&self) -> Result<Vec<u32>> {
        // Stopping times of 0..1024, computed the slow way.
        Ok((0..1024u64).map(|k| steps(k, &[])).collect())
    }
    fn item(known: &Vec<u32>, index: usize) -> u64 {
        u64::from(steps(index as u64 + 1, known))
    }
}

fn steps(mut x: u64, known: &[u32]) -> u32 {
    let mut count = 0;
    while x > 1 {
        if let Some(&k) = known.get(x as usize) {
            return count + k;
        }
        x = if x.is_multiple_of(2) {
            x / 2
        } else {
            3 * x + 1
        };
        count += 1;
    }
    count
}

#[test]
fn a_problem_of_its_own_runs_through_the_whole_matrix() {
    let prepared = Prepared::of(Collatz { n: 5_000 }).unwrap();
    let proven = matrix::prove(&prepared, BACKENDS, &[1, 2, 3]).unwrap();
    // Every variant runs on every in-process backend at each thread count
    // it supports; worker processes carry the seed's problems only.
    let expected: usize = VARIANTS
        .iter()
        .map(|v| {
            BACKENDS
                .iter()
                .filter(|b| b.shares_memory() && matrix::refusal(*v, **b).is_none())
                .map(|b| backends::thread_counts(*b, &[1, 2, 3]).len())
                .sum::<usize>()
        })
        .sum();
    assert_eq!(proven, expected);
    let refusal = matrix::backend_refusal(&backends::Process, &prepared).unwrap();
    assert!(refusal.contains("not serialisable"), "{refusal}");
}

#[test]
fn copies_of_a_problems_state_are_counted() {
    let prepared = Prepared::of(Collatz { n: 1_000 }).unwrap();
    let copy_per_task = VARIANTS
        .iter()
        .find(|v| v.role() == Role::CopyPerTask)
        .unwrap();
    let exec = matrix::executor(&backends::Rayon, 2).unwrap();
    let mut out = prepared.output().unwrap();
    let measured =
        matrix::measure_once(&prepared, &prepared.job(*copy_per_task), &*exec, &mut out).unwrap();
    let chunks = measured.outcome.stats.chunks() as u64;
    assert_eq!(
        measured.memory.state_copies,
        Some(chunks),
        "one deep copy per task"
    );
}

/// Counts items; their sum means nothing, so it declares none.
struct Labels;

impl Problem for Labels {
    parbench::u64_output!();
    type State = ();
    fn name(&self) -> &str {
        "labels"
    }
    fn items(&self) -> usize {
        300
    }
    fn state(&self) -> Result<()> {
        Ok(())
    }
    fn item(_: &(), index: usize) -> u64 {
        (index % 7) as u64
    }
    fn sums(&self) -> bool {
        false
    }
}

#[test]
fn a_problem_without_a_sum_skips_the_shared_mutable_strategies() {
    let prepared = Prepared::of(Labels).unwrap();
    let verdicts = matrix::verify_prepared(&prepared, BACKENDS, &[2]).unwrap();
    assert!(!verdicts.is_empty());
    for v in &verdicts {
        let variant = parbench::variants::variant(&v.key.variant).unwrap();
        assert_ne!(variant.family(), Family::SharedMutable, "{}", v.key);
        assert!(v.mismatch.is_none(), "{}: {:?}", v.key, v.mismatch);
    }
    let locked = VARIANTS
        .iter()
        .find(|v| v.family() == Family::SharedMutable)
        .unwrap();
    let why = matrix::problem_refusal(*locked, &Labels).unwrap();
    assert!(why.contains("Problem::sums is false"), "{why}");
}

/// Each item a small struct (a number's decimal digits and how many), all
/// of them counted into a histogram of digits: an output that is not a
/// `u64` and an accumulator of its own. `LOSSY`: the histogram's merge
/// forgets what it merges, a bug only the accumulator's check can see.
struct DigitHistogram<const LOSSY: bool>;

#[derive(Debug, Default, PartialEq)]
struct Digits {
    text: String,
    count: usize,
}

#[derive(Debug, PartialEq)]
struct Histogram<const LOSSY: bool>([u64; 10]);

impl<const LOSSY: bool> parbench::problem::Accumulator<Digits> for Histogram<LOSSY> {
    fn empty() -> Self {
        Histogram([0; 10])
    }
    fn add(&mut self, digits: Digits) {
        for d in digits.text.bytes() {
            self.0[usize::from(d - b'0')] += 1;
        }
    }
    fn merge(&mut self, other: Self) {
        if !LOSSY {
            self.0.iter_mut().zip(other.0).for_each(|(a, b)| *a += b);
        }
    }
}

impl<const LOSSY: bool> Problem for DigitHistogram<LOSSY> {
    type Output = Digits;
    type Acc = Histogram<LOSSY>;
    /// The multiplier: serde's, so the problem could go to worker processes
    /// but for its output.
    type State = u64;
    fn name(&self) -> &str {
        "digits"
    }
    fn items(&self) -> usize {
        500
    }
    fn state(&self) -> Result<u64> {
        Ok(7919)
    }
    fn item(multiplier: &u64, index: usize) -> Digits {
        let text = (index as u64 * multiplier).to_string();
        Digits {
            count: text.len(),
            text,
        }
    }
}

#[test]
fn an_output_of_any_type_runs_through_the_whole_matrix_into_its_own_accumulator() {
    let prepared = Prepared::portable(DigitHistogram::<false>).unwrap();
    let verdicts = matrix::verify_prepared(&prepared, BACKENDS, &[1, 2, 3]).unwrap();
    for v in &verdicts {
        assert!(v.mismatch.is_none(), "{}: {:?}", v.key, v.mismatch);
    }
    // Every shared-mutable strategy ran into the histogram, on every
    // backend in this process, but the atomic, which holds a u64 sum only.
    for variant in VARIANTS
        .iter()
        .filter(|v| v.family() == Family::SharedMutable)
    {
        let ran = verdicts
            .iter()
            .filter(|v| v.key.variant == variant.id())
            .count();
        match variant.role() {
            Role::AtomicSum => {
                assert_eq!(ran, 0);
                let why = matrix::problem_refusal(*variant, &prepared.problem).unwrap();
                assert_eq!(why, parbench::variants::ATOMIC_REFUSAL);
            }
            _ => assert!(ran >= 3, "{}: {ran} verdicts", variant.id()),
        }
    }
    // Worker processes return u64 outputs only: refused, by reason, though
    // the state is serde's.
    let why = matrix::backend_refusal(&backends::Process, &prepared).unwrap();
    assert!(why.contains("u64 outputs only"), "{why}");
    assert!(verdicts.iter().all(|v| v.key.backend != "process"));
}

#[test]
fn an_accumulator_that_loses_what_it_merges_is_caught_before_timing() {
    let prepared = Prepared::of(DigitHistogram::<true>).unwrap();
    let err = matrix::prove(&prepared, BACKENDS, &[2]).unwrap_err();
    let message = format!("{err:#}");
    assert!(message.contains("total: expected Histogram("), "{message}");
    // The per-item variants and the one shared accumulator still match:
    // only the merges are wrong.
    let verdicts = matrix::verify_prepared(&prepared, BACKENDS, &[2]).unwrap();
    let wrong = |id: &str| {
        verdicts
            .iter()
            .any(|v| v.key.variant == id && v.mismatch.is_some())
    };
    assert!(wrong("fold_reduce") && wrong("sharded_sum") && wrong("worker_per_thread"));
    assert!(!wrong("closure") && !wrong("mutex_sum") && !wrong("mutex_worker"));
}

/// Goes wrong in parallel: an item computed on any thread but the one that
/// built the state answers one more. The sequential loop cannot tell.
struct ThreadSensitive;

impl Problem for ThreadSensitive {
    parbench::u64_output!();
    type State = Arc<AtomicUsize>;
    fn name(&self) -> &str {
        "thread_sensitive"
    }
    fn items(&self) -> usize {
        1_000
    }
    fn state(&self) -> Result<Arc<AtomicUsize>> {
        Ok(Arc::new(AtomicUsize::new(thread_number())))
    }
    fn item(builder: &Arc<AtomicUsize>, index: usize) -> u64 {
        let here = thread_number();
        index as u64 + u64::from(here != builder.load(Ordering::Relaxed))
    }
}

/// A number for the calling thread.
fn thread_number() -> usize {
    thread_local!(static NUMBER: usize = {
        static NEXT: AtomicUsize = AtomicUsize::new(1);
        NEXT.fetch_add(1, Ordering::Relaxed)
    });
    NUMBER.with(|n| *n)
}

#[test]
fn a_wrong_variant_is_caught_before_timing_by_name() {
    let prepared = Prepared::of(ThreadSensitive).unwrap();
    let err = format!(
        "{:#}",
        matrix::prove(&prepared, &[&backends::Sequential, &backends::Rayon], &[2]).unwrap_err()
    );
    assert!(
        err.contains("problem thread_sensitive")
            && err.contains("backend rayon")
            && err.contains("at 2 threads")
            && err.contains("variant ")
            && err.contains("expected"),
        "{err}"
    );
}

#[test]
fn a_name_that_cannot_be_a_key_is_refused_by_name() {
    struct Slashed;
    impl Problem for Slashed {
        parbench::u64_output!();
        type State = ();
        fn name(&self) -> &str {
            "my/problem"
        }
        fn items(&self) -> usize {
            1
        }
        fn state(&self) -> Result<()> {
            Ok(())
        }
        fn item(_: &(), _: usize) -> u64 {
            0
        }
    }
    let err = format!("{:#}", Prepared::of(Slashed).err().unwrap());
    assert!(err.contains("'my/problem'"), "{err}");
}

/// The bench binary's settings as cargo would hand them (`args`), with
/// short paired sets, writing under `reports`.
fn settings(args: &[&str], reports: &Path) -> Settings {
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    Settings {
        // `full`: thread counts beyond the cores too, so the plan does not
        // depend on the machine's.
        profile: Profile::Full,
        threads: vec![1, 2],
        args: BenchArgs::parse(&args),
        sampling: Sampling {
            cap: Duration::from_millis(20),
            churning_cap: Duration::from_millis(20),
            ..Sampling::default()
        },
        reports: reports.to_path_buf(),
        // One sequential call before each intermittent call (the least),
        // and few calls, where `full` makes 200 to 800 on each parallel
        // backend.
        intermittent: IntermittentSampling {
            min_calls: 20,
            max_calls: 40,
            cap: Duration::from_millis(20),
            ..Profile::Full.intermittent_sampling(Duration::ZERO)
        },
    }
}

/// The one results file under `reports/runs`.
fn results_file(reports: &Path) -> ResultsFile {
    let runs: Vec<_> = std::fs::read_dir(reports.join("runs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    assert_eq!(runs.len(), 1, "{runs:?}");
    ResultsFile::load(&runs[0]).unwrap().results
}

#[test]
fn the_entry_point_in_test_mode_proves_every_combination_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let outcome = own::run(Collatz { n: 2_000 }, dir.path(), &settings(&[], dir.path())).unwrap();
    assert!(outcome.proven > 40, "{}", outcome.proven);
    assert!(outcome.results.is_none());
    assert!(!dir.path().join("runs").exists());
}

#[test]
fn the_entry_point_stops_a_wrong_variant_before_timing_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let err = own::run(
        ThreadSensitive,
        dir.path(),
        &settings(&["--bench"], dir.path()),
    )
    .err()
    .unwrap();
    let err = format!("{err:#}");
    assert!(
        err.contains("problem thread_sensitive: variant ")
            && err.contains(
                " thread(s) failed its check against the sequential loop; nothing was timed"
            )
            && err.contains("expected"),
        "{err}"
    );
    assert!(!dir.path().join("runs").exists(), "nothing was written");
}

#[test]
fn a_measured_problem_joins_the_results_file_without_replacing_its_run() {
    let dir = tempfile::tempdir().unwrap();
    // The first run creates the file: its run block is this run's, with
    // the machine's ceiling, marked as no built-in run's.
    let first = own::run(
        Collatz { n: 2_000 },
        dir.path(),
        &settings(&["--bench"], dir.path()),
    );
    assert!(first.unwrap().results.is_some());
    let created = results_file(dir.path());
    assert!(created.run.own_only && !created.run.ceiling.is_empty());
    // As if the built-in sweep had written the file since: its run block,
    // with a calibration and harness overhead, still in progress.
    let path = std::fs::read_dir(dir.path().join("runs"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let mut sweep = created.clone();
    sweep.run.own_only = false;
    sweep.run.started_at = "2026-11-30T00:00:00Z".to_string();
    sweep.run.in_progress = true;
    sweep.run.calibration = Some(parbench::calibration::RunCalibration {
        start: parbench::calibration::Calibration::host(),
        end: None,
    });
    sweep.save(&path).unwrap();
    let before = results_file(dir.path());
    // A second problem, under a filter: its entries join, the run stays.
    let filtered = settings(&["--bench", "labels/closure"], dir.path());
    own::run(Labels, dir.path(), &filtered).unwrap();
    let after = results_file(dir.path());
    assert_eq!(after.run, before.run, "the file's run block is kept");
    assert_eq!(after.machine, before.machine, "and its machine block");
    for (name, sums) in [("collatz", true), ("labels", false)] {
        let info = &after.workloads[name];
        assert_eq!(info.purpose, Purpose::Own);
        assert!(info.spec.is_none());
        let own_run = info.own_run.as_ref().unwrap();
        assert!(own_run.sequential_ns_start > 0.0 && own_run.sequential_ns_end.is_some());
        assert_eq!(own_run.sums, sums);
        assert!(!own_run.parbench_version.is_empty());
        let entries: Vec<_> = after
            .benchmarks
            .iter()
            .filter(|b| b.key.workload == name)
            .collect();
        assert!(entries.iter().all(|b| b.measured_at == own_run.started_at));
        let (steady, intermittent): (Vec<&Benchmark>, Vec<&Benchmark>) =
            (entries.iter()).partition(|b| b.key.regime == Regime::Steady);
        assert!(steady.iter().all(|b| {
            b.time_estimator == Some(TimeEstimator::PairedRounds)
                && b.paired_rounds.is_some()
                && b.criterion_speedup.is_none()
        }));
        // The closure on each parallel backend at the most threads, each
        // call after the caller's own work, each with the call right after
        // it, back to back (at least the settings' 20 of each).
        let mut places: Vec<(&str, u64)> = (intermittent.iter())
            .map(|b| (b.key.backend.as_str(), b.key.threads))
            .collect();
        places.sort();
        let mut threads_backends: Vec<(&str, u64)> = (BACKENDS.iter())
            .filter(|b| b.shares_memory() && b.max_threads() > 1)
            .map(|b| (b.id(), 2))
            .collect();
        threads_backends.sort();
        assert!(threads_backends.contains(&("std_scope", 2)));
        assert_eq!(places, threads_backends, "{name}");
        assert!(intermittent.iter().all(|b| {
            b.key.variant == "closure"
                && b.time_estimator == Some(TimeEstimator::MedianOfCalls)
                && b.call_ns.len() >= 20
                && b.steady_call_ns.len() == b.call_ns.len()
                && b.caller_work_ns.is_some_and(|w| w > 0.0)
                && b.speedup.is_some()
        }));
    }
    // The two leading backends of the point the backend answer quotes
    // (closure at the most threads) raced head to head, recorded on the
    // leader alone.
    let raced: Vec<_> = (after.benchmarks.iter())
        .filter(|b| b.key.workload == "collatz" && b.head_to_head.is_some())
        .collect();
    assert_eq!(raced.len(), 1, "{raced:?}");
    let (leader, race) = (raced[0], raced[0].head_to_head.as_ref().unwrap());
    assert_eq!(
        (leader.key.variant.as_str(), leader.key.threads),
        ("closure", 2)
    );
    let runner_up = (after.benchmarks.iter())
        .find(|b| {
            b.key.workload == "collatz"
                && b.key.variant == "closure"
                && b.key.threads == 2
                && b.key.backend == race.with
        })
        .expect("the runner-up is an entry of the same point");
    assert!(leader.speedup >= runner_up.speedup);
    assert!(race.rounds > 0 && race.time_ratio.is_valid());
    let labels: Vec<String> = (after.benchmarks.iter())
        .filter(|b| b.key.workload == "labels")
        .map(|b| b.key.to_string())
        .collect();
    // The plain map on every thread backend at 1 and 2 threads (`full`),
    // and at 2 after the caller's work; on the sequential loop once.
    let mut expected: Vec<String> = (BACKENDS.iter())
        .filter(|b| b.shares_memory() && b.max_threads() > 1)
        .flat_map(|b| {
            ["1", "2", "2/intermittent"].map(|t| format!("labels/closure/{}/{t}", b.id()))
        })
        .chain(["labels/closure/sequential/1".to_string()])
        .collect();
    expected.sort();
    assert!(expected.contains(&"labels/closure/std_scope/2/intermittent".to_string()));
    assert_eq!(labels, expected);
    // Collatz sums its items: every family ran, copies counted per task.
    let collatz = |variant: &str| {
        after.benchmarks.iter().find(|b| {
            b.key.workload == "collatz"
                && b.key.variant == variant
                && b.key.backend == "rayon"
                && b.key.threads == 2
        })
    };
    assert!(collatz("mutex_sum").is_some());
    assert!(
        collatz("clone_per_task")
            .unwrap()
            .memory
            .state_copies
            .unwrap()
            >= 2
    );
}

/// The README's example of "Benchmark your own code" is
/// `examples/scores.rs` word for word, which `cargo test` compiles.
#[test]
fn the_readme_example_is_the_compiled_one() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let example =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/scores.rs"))
            .unwrap();
    let block = readme
        .split("```rust\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .unwrap();
    assert_eq!(
        block, example,
        "README's example and examples/scores.rs differ"
    );
}

#[test]
fn a_filter_for_other_benchmarks_runs_nothing_and_is_no_failure() {
    let dir = tempfile::tempdir().unwrap();
    for args in [&["some_test"][..], &["--bench", "some_test"][..]] {
        let outcome = own::run(Labels, dir.path(), &settings(args, dir.path())).unwrap();
        assert_eq!(outcome.proven, 0);
        assert!(outcome.results.is_none());
    }
    assert!(!dir.path().join("runs").exists());
}

#[test]
fn a_problem_named_as_a_built_in_workload_is_refused_by_name() {
    struct Compute;
    impl Problem for Compute {
        parbench::u64_output!();
        type State = ();
        fn name(&self) -> &str {
            "compute"
        }
        fn items(&self) -> usize {
            1
        }
        fn state(&self) -> Result<()> {
            Ok(())
        }
        fn item(_: &(), _: usize) -> u64 {
            0
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let err = own::run(Compute, dir.path(), &settings(&[], dir.path()))
        .err()
        .unwrap();
    assert!(format!("{err:#}").contains("problem compute: the name of a built-in workload"));
}
