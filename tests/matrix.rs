//! Every combination against the oracle: the one test that proves every
//! variant on every backend computes exactly what the sequential loop does;
//! plus what the job abstraction promises: a backend or a variant that
//! exists only in a test joins the matrix without touching any other file,
//! and a job carried as bytes computes the same thing elsewhere.

use std::ops::Range;
use std::sync::Arc;

use anyhow::Result;
use parbench::backends::{
    self, BACKENDS, Backend, Executor, catch_panic, check_output, fixed_chunks,
};
use parbench::job::Job;
use parbench::matrix::{self, Problem};
use parbench::roles::{Family, Role};
use parbench::schedule::{Chunk, RunStats, Scheduler, Task};
use parbench::schedule::{Outcome, Produced};
use parbench::variants::{VARIANTS, Variant};
use parbench::workload::{Constants, Imbalance, Spec, WORKLOADS};
use proptest::prelude::*;

/// Runs every variant on every backend at `threads` on `spec`; returns the failures.
fn failures(spec: Spec, threads: &[usize]) -> Vec<String> {
    let problem = Problem::new(spec).unwrap();
    let mut out = problem.output().unwrap();
    let mut failed = Vec::new();
    let workload = &WORKLOADS[0]; // only the (variant, backend) pairs matter here
    worker_program();
    for backend in BACKENDS {
        for t in backends::thread_counts(*backend, threads) {
            // One executor per backend and thread count (a process pool
            // starts its workers once), as the sweep builds them.
            let exec = matrix::executor(*backend, t).unwrap();
            for combo in matrix::combos()
                .filter(|c| std::ptr::eq(c.workload, workload) && c.backend.id() == backend.id())
            {
                let job = problem.job(combo.variant);
                if let Err(e) = problem.run_checked(&job, &*exec, &mut out) {
                    failed.push(format!("{spec:?} {}: {e:#}", combo.key(t)));
                }
            }
        }
    }
    failed
}

/// The process backend's workers are the parbench executable cargo built.
fn worker_program() {
    backends::process::set_worker_program(env!("CARGO_BIN_EXE_parbench"));
}

#[test]
fn every_combination_matches_the_oracle() {
    for workload in WORKLOADS {
        let failed = failures(workload.quick, &[1, 2, 3, 4, 7, 16]);
        assert!(failed.is_empty(), "{}: {failed:#?}", workload.id);
    }
}

#[test]
fn the_seed_itself_matches_at_full_size() {
    let failed = failures(
        parbench::workload::workload("seed").unwrap().full,
        &[1, 2, 3, 4, 7, 16, 21],
    );
    assert!(failed.is_empty(), "{failed:#?}");
}

#[test]
fn sixty_four_threads_on_two_cores_complete() {
    let failed = failures(
        parbench::workload::workload("compute").unwrap().quick,
        &[64],
    );
    assert!(failed.is_empty(), "{failed:#?}");
}

/// A variant that exists only in this test: it panics on item 42.
struct Poisoned;

impl Variant for Poisoned {
    fn id(&self) -> &'static str {
        "poisoned"
    }
    fn family(&self) -> Family {
        Family::Other
    }
    fn role(&self) -> Role {
        Role::Other
    }
    fn python(&self) -> &'static str {
        "pool.map(lambda ab: 1 / 0 if ab[0] == 42 else ab, items)"
    }
    fn shows(&self) -> &'static str {
        "a work item that panics"
    }
    fn run(
        &self,
        _consts: &Arc<Constants>,
        items: Range<usize>,
        on: &dyn Scheduler,
        out: &mut [u64],
    ) -> Result<Outcome> {
        let stats = on.run(items, out, &|_, chunk: Chunk<'_>| {
            if chunk.items.contains(&42) {
                panic!("item 42 is poisoned");
            }
        })?;
        Ok(Outcome {
            produced: Produced::Items,
            calls: None,
            stats,
        })
    }
}

static POISONED: Poisoned = Poisoned;

#[test]
fn a_panicking_item_is_an_error_on_every_backend() {
    let problem = Problem::new(Spec {
        items: 100,
        rounds: 0,
        imbalance: Imbalance::Uniform,
        state_bytes: 0,
    })
    .unwrap();
    let mut out = problem.output().unwrap();
    // A variant that exists only in this test cannot cross to a worker
    // process (workers look variants up in the registry): the process
    // backend's faults are tested in tests/process.rs.
    for backend in BACKENDS.iter().filter(|b| b.shares_memory()) {
        for threads in backends::thread_counts(*backend, &[1, 2, 4]) {
            let exec = backend.executor(threads).unwrap();
            let result = problem.run(&problem.job(&POISONED), &*exec, &mut out);
            let err = result.expect_err(backend.id()).to_string();
            assert!(
                err.contains("panicked") && err.contains("item 42 is poisoned"),
                "{}: {err}",
                backend.id()
            );
            // The executor is still usable after the panic.
            let job = problem.job(VARIANTS[1]);
            problem.run_checked(&job, &*exec, &mut out).unwrap();
        }
    }
}

/// A backend that exists only in this test: every chunk on the calling
/// thread, last chunk first.
struct Reverse;

impl Backend for Reverse {
    fn id(&self) -> &'static str {
        "reverse"
    }
    fn about(&self) -> &'static str {
        "Pool.map-sized chunks on the calling thread, in reverse order"
    }
    fn executor(&self, threads: usize) -> Result<Box<dyn Executor>> {
        backends::check_threads_on(self, threads)?;
        Ok(Box::new(ReverseScheduler { threads }))
    }
}

struct ReverseScheduler {
    threads: usize,
}

impl Scheduler for ReverseScheduler {
    fn threads(&self) -> usize {
        self.threads
    }
    fn run(&self, items: Range<usize>, out: &mut [u64], task: &Task<'_>) -> Result<RunStats> {
        check_output(&items, out)?;
        let len = backends::pool_map_chunk_len(items.len(), self.threads);
        let chunks = fixed_chunks(items, len, out)?;
        let count = chunks.len();
        catch_panic("reverse", || {
            // Worker indices are in 0..threads, as on a real pool.
            for (k, chunk) in chunks.into_iter().enumerate().rev() {
                task(k % self.threads, chunk);
            }
        })?;
        Ok(RunStats::new(count, count.min(self.threads)))
    }
}

static ONLY_IN_THIS_TEST: &[&dyn Backend] = &[&Reverse];

#[test]
fn a_backend_defined_in_a_test_verifies_the_whole_matrix() {
    let verdicts = matrix::verify(ONLY_IN_THIS_TEST, &[1, 2, 3, 8], true).unwrap();
    let failed: Vec<_> = verdicts.iter().filter(|v| v.mismatch.is_some()).collect();
    assert!(failed.is_empty(), "{failed:#?}");
    // Every variant that does not refuse it ran, on every workload and count.
    let runs = VARIANTS
        .iter()
        .filter(|v| v.refuses(Reverse.capabilities()).is_none())
        .count();
    assert_eq!(verdicts.len(), WORKLOADS.len() * runs * 4);
    assert!(runs >= VARIANTS.len() - 1, "only the baseline refuses it");
}

#[test]
fn a_job_carried_as_bytes_computes_the_same_elsewhere() {
    let spec = WORKLOADS
        .iter()
        .find(|w| w.quick.state_bytes > 0)
        .unwrap()
        .quick;
    let here = Problem::new(spec).unwrap();
    for variant in VARIANTS {
        let job = here.job(*variant);
        // Two halves, each sent as JSON to a "worker" that rebuilds the
        // state from the spec, runs its part and sends the outcome back.
        let middle = spec.items / 2;
        let mut merged: Option<Outcome> = None;
        let mut out = vec![0; spec.items];
        for part in [0..middle, middle..spec.items] {
            let sent = serde_json::to_string(&job.part(part.clone())).unwrap();
            let received: Job = serde_json::from_str(&sent).unwrap();
            assert_eq!(received.variant.id(), variant.id());
            let state = Arc::new(Constants::new(received.spec).unwrap());
            let exec = backends::Sequential.executor(1).unwrap();
            let slots = &mut out[received.items.clone()];
            let outcome = exec.execute(&received, &state, slots).unwrap();
            let back: Outcome =
                serde_json::from_str(&serde_json::to_string(&outcome).unwrap()).unwrap();
            merged = Some(match merged {
                None => back,
                Some(first) => first.merge(back).unwrap(),
            });
        }
        here.check(&merged.unwrap(), &out)
            .unwrap_or_else(|e| panic!("{}: {e:#}", variant.id()));
    }
    let err = serde_json::from_str::<Job>(
        r#"{"variant":"nope","spec":{"items":1,"rounds":0,"imbalance":{"kind":"uniform"},"state_bytes":0},"items":{"start":0,"end":1}}"#,
    )
    .err()
    .unwrap()
    .to_string();
    assert!(err.contains("'nope'"), "{err}");
}

fn arb_imbalance() -> impl Strategy<Value = Imbalance> {
    prop_oneof![
        Just(Imbalance::Uniform),
        Just(Imbalance::Ramp),
        (1usize..9, 1u32..20).prop_map(|(every, factor)| Imbalance::Spikes { every, factor }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Random sizes (including 0, 1 and fewer items than threads), costs,
    /// imbalances, state sizes and thread counts.
    #[test]
    fn random_problems_match_the_oracle(
        items in prop_oneof![0usize..4, 0usize..300],
        rounds in 0u32..12,
        imbalance in arb_imbalance(),
        state_words in prop_oneof![Just(0usize), 1usize..512],
        threads in 1usize..12,
    ) {
        let spec = Spec { items, rounds, imbalance, state_bytes: state_words * 8 };
        let failed = failures(spec, &[threads]);
        prop_assert!(failed.is_empty(), "{:#?}", failed);
    }
}
