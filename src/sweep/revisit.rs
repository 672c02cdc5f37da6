//! Visiting each paired set again, later in the run: a confidence
//! sequence holds for one stream of rounds, but the host moves over
//! minutes, so every figure rests on rounds taken at two moments
//! ([`Sweep::revisit`]), the sets that need it most first, in a random
//! order. Apart from `pairing.rs`, which samples a set's visits.

use anyhow::Result;

use super::pairing::SetVisits;
use super::{Group, Sweep};
use crate::paired::Sampling;
use crate::results::{Benchmark, TimeEstimator, TimeNs};

impl Sweep {
    /// Visits every set the pairing pass sampled for it
    /// ([`Profile::revisits`](crate::profile::Profile::revisits)) once
    /// more, later in the run, so that each figure rests on rounds taken
    /// at two moments and its interval takes in how far the host moved
    /// between them ([`crate::paired::sample_again`]): the sets that need
    /// it most first, each need in a random order ([`revisit_order`]),
    /// each set with `sampling` visiting again
    /// ([`Sampling::visiting_again`]); those due whatever is left of the
    /// run's revisit budget ([`RevisitNeed::is_due`]), the others within
    /// it ([`crate::profile::Profile::revisit_budget`]). Each set's records
    /// are written again at once. Returns the sets visited again and the
    /// sets in all.
    pub fn revisit(&mut self, sampling: &Sampling) -> Result<(usize, usize)> {
        let sampling = sampling.visiting_again();
        let mut visited: Vec<Option<VisitedSet>> = std::mem::take(&mut self.visited)
            .into_iter()
            .map(Some)
            .collect();
        let parts: Vec<(&str, RevisitNeed)> = (visited.iter().flatten())
            .map(|v| (v.group.workload, RevisitNeed::of(v.answers, &v.rounds)))
            .collect();
        let order = revisit_order(&parts, run_seed());
        let mut budget = std::mem::take(&mut self.revisiting);
        let mut again = 0;
        for at in order {
            let v = visited[at].take().expect("each set once");
            let held = self.hold_group(&v.group)?;
            let sampling = sampling.of_set(v.churns).answering(v.answers);
            let sampled = match parts[at].1.is_due() {
                true => Some(budget.charge(|| {
                    self.pair_set(&v.group, &v.set, v.churns, &sampling, Some(v.rounds))
                })),
                false => budget.fund(&sampling, |within| {
                    self.pair_set(&v.group, &v.set, v.churns, within, Some(v.rounds))
                }),
            };
            self.release_group(&v.group, held);
            let Some(sampled) = sampled else {
                break; // the revisit budget is spent
            };
            sampled?;
            again += 1;
            let records = self.revisited_records(&v.set);
            if let Some(store) = self.store.as_mut() {
                store.record(records, Default::default())?;
            }
        }
        self.revisiting = budget;
        Ok((again, parts.len()))
    }

    /// The records of the plan entries `set` with their paired figures (and,
    /// where the paired rounds give its time, their time) as they stand
    /// now: each read again from the results file, so that what was
    /// written into it since (a race head to head) is kept.
    fn revisited_records(&self, set: &[usize]) -> Vec<Benchmark> {
        let Some(store) = self.store.as_ref() else {
            return Vec::new();
        };
        (set.iter())
            .filter_map(|index| {
                let key = self.plan[*index].key();
                let entry = store.measured_of(&key.workload).find(|b| b.key == key)?;
                let mut record = entry.clone().with_paired(self.paired.get(index)?.clone());
                if record.time_estimator == Some(TimeEstimator::PairedRounds) {
                    record.time_ns = TimeNs::of_median(*self.paired_time.get(index)?);
                }
                Some(record)
            })
            .collect()
    }
}

/// A set the pairing pass sampled ([`Sweep::pair`]), kept for its visit
/// again later in the run ([`Sweep::revisit`]).
pub(super) struct VisitedSet {
    pub(super) group: Group,
    /// Its plan entries.
    pub(super) set: Vec<usize>,
    pub(super) churns: bool,
    /// It holds what the answers quote ([`super::holds_the_answers`]).
    pub(super) answers: bool,
    pub(super) rounds: SetVisits,
}

/// How much a set needs its visit again, most first: the order of
/// [`revisit_order`]'s parts. The first two are due whatever the budget
/// ([`RevisitNeed::is_due`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum RevisitNeed {
    /// It holds what the answers quote ([`super::holds_the_answers`]).
    Answers,
    /// Its first visit, stopped by its cap, left a member fewer rounds than
    /// bound a median ([`SetVisits::short_of_an_interval`]).
    ShortOfAnInterval,
    Other,
}

impl RevisitNeed {
    /// Is the visit again due whatever is left of the budget: the answers'
    /// sets, and those whose first visit, planned as half of two, left a
    /// member short of 8 rounds (cut, they would keep a range). In a
    /// default run whose budget funded every set alike, 58 of 80 built-in
    /// sets went without, and 30 figures kept 4 or 5 rounds. Such a visit
    /// still spends from the budget, so the others get the rest.
    pub fn is_due(self) -> bool {
        self != RevisitNeed::Other
    }

    /// The need of a set that holds the answers or not (`answers`), with
    /// the rounds of its first visit (`rounds`).
    pub fn of(answers: bool, rounds: &SetVisits) -> RevisitNeed {
        match (answers, rounds.short_of_an_interval()) {
            (true, _) => RevisitNeed::Answers,
            (false, true) => RevisitNeed::ShortOfAnInterval,
            (false, false) => RevisitNeed::Other,
        }
    }
}

/// The order sets are visited again in: by their need, most first
/// ([`RevisitNeed`]), so a budget that runs out leaves out the sets that
/// need it least; within each need, the workloads in a random order and
/// the sets of each workload in a random order, drawn from `seed`, so that
/// no set always comes back at the same moment of the run (as Google
/// Benchmark's random interleaving does), while each workload's problem is
/// built once per need. `parts[i]`: set `i`'s workload and need.
pub fn revisit_order(parts: &[(&str, RevisitNeed)], seed: u64) -> Vec<usize> {
    let mut rng = crate::seeded::Rng(seed);
    let mut draw = |n: usize| (rng.next_u64() % n.max(1) as u64) as usize;
    let mut needs: Vec<RevisitNeed> = parts.iter().map(|p| p.1).collect();
    needs.sort();
    needs.dedup();
    let mut order = Vec::with_capacity(parts.len());
    for need in needs {
        let mut workloads: Vec<&str> = Vec::new();
        for (workload, n) in parts {
            if *n == need && !workloads.contains(workload) {
                workloads.push(workload);
            }
        }
        shuffle(&mut workloads, &mut draw);
        for workload in workloads {
            let mut sets: Vec<usize> = (0..parts.len())
                .filter(|&i| parts[i] == (workload, need))
                .collect();
            shuffle(&mut sets, &mut draw);
            order.extend(sets);
        }
    }
    order
}

/// Fisher-Yates, with `draw(n)` uniform in `0..n`.
fn shuffle<T>(items: &mut [T], draw: &mut impl FnMut(usize) -> usize) {
    for i in (1..items.len()).rev() {
        items.swap(i, draw(i + 1));
    }
}

/// A seed that differs from run to run: the clock's nanoseconds.
pub fn run_seed() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |t| t.as_nanos() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sets_are_visited_again_by_need_each_workload_together_in_a_drawn_order() {
        use RevisitNeed::*;
        let parts = [
            ("trivial", Other),
            ("compute", Answers),
            ("trivial", Answers),
            ("compute", Other),
            ("compute", ShortOfAnInterval),
            ("trivial", Other),
            ("seed", Answers),
            ("compute", Other),
        ];
        let mut orders = std::collections::BTreeSet::new();
        for seed in 0..40 {
            let order = revisit_order(&parts, seed);
            let mut sorted = order.clone();
            sorted.sort_unstable();
            assert_eq!(
                sorted,
                (0..parts.len()).collect::<Vec<_>>(),
                "each set once"
            );
            let visited: Vec<(&str, RevisitNeed)> = order.iter().map(|&i| parts[i]).collect();
            // By need, most first; within a need, a workload's sets together.
            assert!(visited.windows(2).all(|w| w[0].1 <= w[1].1), "{visited:?}");
            for need in [Answers, Other] {
                let workloads: Vec<&str> = (visited.iter())
                    .filter(|v| v.1 == need)
                    .map(|v| v.0)
                    .collect();
                let mut runs = workloads.clone();
                runs.dedup();
                let mut distinct = runs.clone();
                distinct.sort_unstable();
                distinct.dedup();
                assert_eq!(runs.len(), distinct.len(), "{workloads:?}");
            }
            orders.insert(order);
        }
        assert!(
            orders.len() > 10,
            "the order is drawn: {} orders",
            orders.len()
        );
    }
}
