//! Every combination against the oracle: the one test that proves every
//! variant on every backend computes exactly what the sequential loop does.

use parbench::backends::{BACKENDS, Chunk};
use parbench::matrix::{self, Problem};
use parbench::workload::{Imbalance, Spec, WORKLOADS};
use proptest::prelude::*;

/// Runs every variant on every backend at `threads` on `spec`; returns the failures.
fn failures(spec: Spec, threads: &[usize]) -> Vec<String> {
    let problem = Problem::new(spec).unwrap();
    let mut out = problem.output().unwrap();
    let mut failed = Vec::new();
    for variant in parbench::variants::VARIANTS {
        for backend in matrix::backends_for(*variant) {
            for &t in if backend.is_some() { threads } else { &[1] } {
                let exec = matrix::executor(backend, t).unwrap();
                let checked = problem.run_checked(*variant, &*exec, &mut out);
                if let Err(e) = checked {
                    let backend = backend.map_or("none", |b| b.id());
                    failed.push(format!("{spec:?} {}/{backend}/{t}: {e:#}", variant.id()));
                }
            }
        }
    }
    failed
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

#[test]
fn a_panicking_item_is_an_error_on_every_backend() {
    for backend in BACKENDS {
        for threads in [1, 2, 4] {
            let exec = backend.executor(threads).unwrap();
            let mut out = vec![0; 100];
            let result = exec.run(100, &mut out, &|_, chunk: Chunk<'_>| {
                if chunk.items.contains(&42) {
                    panic!("item 42 is poisoned");
                }
            });
            let err = result.expect_err(backend.id()).to_string();
            assert!(
                err.contains("panicked") && err.contains("item 42 is poisoned"),
                "{}: {err}",
                backend.id()
            );
            // The executor is still usable after the panic.
            let stats = exec.run(10, &mut [], &|_, _| {}).unwrap();
            assert!(stats.chunks >= 1);
        }
    }
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
