//! A problem defined here, outside the library, through the whole matrix:
//! every variant on every backend at several thread counts, each against
//! the problem's own sequential loop, with copies counted; a problem
//! without a sum skips the shared-mutable strategies; one that goes wrong
//! in parallel is caught before anything is timed, by name.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::Result;
use parbench::backends::{self, BACKENDS};
use parbench::matrix::{self, Prepared};
use parbench::problem::Problem;
use parbench::roles::{Family, Role};
use parbench::variants::VARIANTS;

/// Collatz stopping times of `1..=n`, an uneven CPU-bound loop (some
/// items take a few steps, some hundreds), with a lookup table of known
/// stopping times as the constant state.
struct Collatz {
    n: usize,
}

impl Problem for Collatz {
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
    assert!(why.contains("no sum"), "{why}");
}

/// Goes wrong in parallel: an item computed on any thread but the one that
/// built the state answers one more. The sequential loop cannot tell.
struct ThreadSensitive;

impl Problem for ThreadSensitive {
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
