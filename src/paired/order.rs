//! The order of the members within each round of the paired sampler.
//!
//! What runs just before a member changes its time. Measured on trivial
//! (1,000,000 items, 8 MB written per call) on std_scope at 2 threads, in
//! one process (the sequential loop takes 450 µs back to back): right after
//! one call of mutex_sum, atomic_sum or mutex_worker (contended sums,
//! 10-20 ms a call), the sequential loop's first call took 600-820 µs and
//! its second 470-570 µs; after a light member (closure, fold_reduce)
//! 450-520 and 450. Its thread's CPU time rose by as much as its wall time,
//! and sleeping 2 or 10 ms after the contended call did not shorten it: the
//! thread runs, more slowly, until its own calls have restored what the
//! other member left (which state that is, caches or TLB, is not measured).
//!
//! Until this module, each round started one member further in a fixed
//! cycle: every member followed the same member in every round (the
//! sequential loop, member 0, always followed the last one). Logged on that
//! set, the sequential loop followed worker_per_thread in 27 of 29 of its
//! batches, and its timed batch still took 640-720 µs in some of them after
//! the discarded calls, so that member's aftermath entered every speedup of
//! the set alike, in the same direction, and no interval could show it.
//! Each round now draws its order from a generator seeded by the round
//! number: a member follows a different member from round to round, so
//! one member's aftermath reaches a minority of rounds, which the median
//! of the per-round ratios does not follow.

use crate::seeded::Rng;

/// The order in which the sampler visits `members` members in round
/// `round`: a permutation drawn from a generator seeded by the round (the
/// same in every set and every run, so a run is reproducible in its order).
pub(crate) fn round_order(round: usize, members: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..members).collect();
    let mut rng = Rng(0x005E_ED0F_0DE5 ^ round as u64);
    // Fisher-Yates.
    for i in (1..members).rev() {
        let j = (rng.next_u64() % (i as u64 + 1)) as usize;
        order.swap(i, j);
    }
    order
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::time::Duration;

    use super::*;
    use crate::paired::clock::SyntheticClock;
    use crate::paired::{Samples, Sampling, Switching, sample_rounds, speedups_over_first};

    #[test]
    fn each_round_is_a_permutation() {
        for members in 0..15 {
            for round in 0..40 {
                let mut order = round_order(round, members);
                order.sort_unstable();
                assert_eq!(order, (0..members).collect::<Vec<_>>());
            }
        }
    }

    /// Over the first rounds of a set, each member comes right after many
    /// different members (the batch before it, across rounds too), not
    /// after the same one every time.
    #[test]
    fn a_member_follows_many_others() {
        for members in 3..=14 {
            let rounds = 2 * members;
            let visits: Vec<usize> = (0..rounds)
                .flat_map(|round| round_order(round, members))
                .collect();
            for member in 0..members {
                let before: BTreeSet<usize> = (visits.windows(2))
                    .filter(|pair| pair[1] == member && pair[0] != member)
                    .map(|pair| pair[0])
                    .collect();
                assert!(
                    before.len() * 2 >= members - 1,
                    "{members} members over {rounds} rounds: member {member} \
                     followed only {before:?}"
                );
            }
        }
    }

    /// The guard: the real sampler, on a synthetic clock, with a member
    /// whose aftermath outlasts the discarded calls (the sequential loop's
    /// whole batch 1.5 times slower right after it, as measured on trivial
    /// in some batches). Every other ratio is exact, so the speedups must
    /// come out exact too: with one fixed cycle they all read 1.5 times
    /// their truth.
    #[test]
    fn one_members_aftermath_does_not_move_the_speedups() {
        let members = 11;
        let disruptive = members - 1;
        let clock = SyntheticClock::start();
        let mut previous = usize::MAX;
        let mut reference_after_disruptive = false;
        let sampling = Sampling {
            cap: Duration::from_secs(4),
            ..Sampling::default()
        };
        let samples = sample_rounds(
            Samples::default(),
            &vec![false; members],
            &speedups_over_first(members),
            &sampling,
            Switching::Batches,
            &clock,
            |member| {
                if member != previous {
                    reference_after_disruptive = member == 0 && previous == disruptive;
                }
                previous = member;
                let mut took = Duration::from_micros(450 + 50 * member as u64);
                if member == 0 && reference_after_disruptive {
                    took = took.mul_f64(1.5);
                }
                clock.advance(took);
                Ok(())
            },
        )
        .expect("synthetic calls do not fail");
        assert!(samples.rounds() >= 8);
        for member in 1..members {
            let truth = 450.0 / (450.0 + 50.0 * member as f64);
            let speedup = samples.speedup(member, 0).estimate;
            assert!(
                (speedup / truth - 1.0).abs() < 0.01,
                "member {member}: speedup {speedup:.3} against {truth:.3} in {} rounds",
                samples.rounds()
            );
        }
    }
}
