//! Head to head: two entries alone in rounds, with no sequential loop
//! between them, where an answer needs their ratio decided. The two
//! leading backends of a point the backend answers quote race
//! ([`Sweep::race_backends`], [`race`]); a comparison of variants an
//! answer quotes that its set left undecided is settled the same way
//! ([`Sweep::settle_comparisons`]). A problem of one's own ([`crate::own`])
//! does both through the same functions.

use std::time::{Duration, Instant};

use anyhow::{Context, Result};

use super::pairing::{SetMember, churns, holds_the_answers};
use super::{Planned, Sweep};
use crate::backends;
use crate::key::Key;
use crate::matrix::{Prepared, Target};
use crate::paired::{self, Interval, Sampling, Watched};
use crate::problem::Problem;
use crate::results::{self, Benchmark, HeadToHead};
use crate::roles::{BACKEND_MARGIN, Role};
use crate::workload::{Seed, WORKLOADS};

impl Sweep {
    /// After the groups of `workload`: where the report asks which backend
    /// or which scheduler is fastest on it
    /// ([`crate::workload::Purpose::asks_which_backend`],
    /// [`crate::workload::Purpose::asks_which_scheduler`]), races the two
    /// leading backends of each point the answers quote
    /// ([`results::raced_points`]) head to head ([`race`]), and writes each
    /// leader's record again with its race. Nothing to race (one backend,
    /// no results file): nothing done.
    pub fn race_backends(&mut self, workload: &str, sampling: &Sampling) -> Result<()> {
        let purpose = WORKLOADS
            .iter()
            .find(|w| w.id == workload)
            .map(|w| w.purpose);
        let (Some(store), Some(purpose)) = (self.store.as_ref(), purpose) else {
            return Ok(());
        };
        let points = results::backend_points(store.measured_of(workload));
        let cores = crate::platform::logical_cores();
        for (mut leader, runner_up) in results::raced_points(&points, purpose, cores) {
            let index_of = |key: &Key| self.plan.iter().position(|p| p.key() == *key);
            let (Some(first), Some(second)) = (index_of(&leader.key), index_of(&runner_up)) else {
                continue;
            };
            self.prepare(self.plan[first])?;
            self.prepare(self.plan[second])?;
            let current = self.current.as_mut().expect("prepared");
            let [first, second] = [first, second]
                .map(|index| planned_member(&current.problem, &self.executors, self.plan[index]));
            let started = Instant::now();
            let head_to_head = self
                .bank
                .fund(&sampling.of_set(false).answering(true), |lent| {
                    race(&current.problem, &mut current.out, &first, &second, lent)
                })
                .with_context(|| format!("racing {} head to head", leader.key))?;
            if self.verbose {
                let words = head_to_head_words(&leader.key, &head_to_head, started.elapsed());
                println!("parbench: {words}");
            }
            leader.head_to_head = Some(head_to_head);
            let store = self.store.as_mut().expect("checked above");
            store.record(vec![leader], Default::default())?;
        }
        Ok(())
    }

    /// After the groups of `workload` and its races: each comparison the
    /// answers read one by one (the point [`holds_the_answers`], the roles
    /// [`read_one_by_one_built_in`]) that its set left undecided against
    /// its margin, nearest a decision first ([`comparisons_to_settle`]), is
    /// sampled again with the two alone, head to head ([`head_to_head`]),
    /// each for at most the profile's cap, within the run's settling budget
    /// (`Profile::settling_budget`); once it is spent the others stay as
    /// their sets left them. Its ratio replaces the set's in the record,
    /// with its rounds
    /// ([`crate::results::Comparison::head_to_head_rounds`]): in the set each round also
    /// held the sequential loop and up to a dozen other members (on compute
    /// at 2 threads, 28 to 70 rounds in the set's 6 s in two default runs
    /// of 2026-12-07), alone a round is the two calls. No results file:
    /// nothing done.
    pub fn settle_comparisons(&mut self, workload: &str, sampling: &Sampling) -> Result<()> {
        let Some(store) = self.store.as_ref() else {
            return Ok(());
        };
        let open = comparisons_to_settle(
            store.measured_of(workload),
            &self.threads,
            read_one_by_one_built_in,
        );
        for unsettled in open {
            let index_of = |key: &Key| self.plan.iter().position(|p| p.key() == *key);
            let (Some(first), Some(second)) =
                (index_of(&unsettled.key), index_of(&unsettled.other))
            else {
                continue;
            };
            let state_bytes = self.sizes.of(self.plan[first].workload()).state_bytes as u64;
            let churning = [first, second].map(|index| match self.checked.get(&index) {
                Some(Ok(memory)) => churns(memory, Some(state_bytes)),
                _ => false,
            });
            self.prepare(self.plan[first])?;
            let current = self.current.as_mut().expect("prepared");
            let [first, second] = [first, second]
                .map(|index| planned_member(&current.problem, &self.executors, self.plan[index]));
            let started = Instant::now();
            let settled = self.settling.fund(&sampling.answering(true), |within| {
                head_to_head(
                    &current.problem,
                    &mut current.out,
                    [(&first, churning[0]), (&second, churning[1])],
                    unsettled.margin,
                    within,
                )
            });
            let Some(settled) = settled else {
                break; // the settling budget is spent
            };
            let (time_ratio, rounds) = settled.with_context(|| {
                format!(
                    "settling {} against {} head to head",
                    unsettled.key, unsettled.other.variant
                )
            })?;
            if self.verbose {
                println!(
                    "parbench: {}",
                    settled_words(&unsettled, time_ratio, rounds, started)
                );
            }
            let store = self.store.as_mut().expect("checked above");
            let entries = store.measured_of(workload);
            if let Some(record) = settled_record(entries, &unsettled, time_ratio, rounds) {
                store.record(vec![record], Default::default())?;
            }
        }
        Ok(())
    }
}

/// Races `leader` and `runner_up` (the same variant at the same thread
/// count on two backends) head to head ([`head_to_head`]) until the
/// leader's time over the runner-up's is decided against
/// [`BACKEND_MARGIN`] or the cap comes. Their paired speedups come from
/// two groups, each with the sequential loop in its own window, and the
/// report's ratio of the two adds both widths and both windows' drift;
/// head to head the ratio is measured directly. The built-in sweep
/// ([`Sweep::race_backends`]) and a problem of the user's own
/// ([`crate::own`]) both race through here.
pub fn race<P: Problem>(
    problem: &Prepared<P>,
    out: &mut [P::Output],
    leader: &SetMember<'_>,
    runner_up: &SetMember<'_>,
    sampling: &Sampling,
) -> Result<HeadToHead> {
    let (time_ratio, rounds) = head_to_head(
        problem,
        out,
        [(leader, false), (runner_up, false)],
        BACKEND_MARGIN,
        sampling,
    )?;
    Ok(HeadToHead {
        with: runner_up.backend.id().to_string(),
        time_ratio,
        rounds,
    })
}

/// Samples two members alone, head to head: in rounds, in an order drawn
/// for each round ([`paired::sample`]; a member that churns memory, the
/// `bool` beside it, with the settling after it), until the first's time
/// over the second's is decided against `margin` or the cap comes. That
/// ratio, and the rounds behind it.
pub fn head_to_head<P: Problem>(
    problem: &Prepared<P>,
    out: &mut [P::Output],
    [(first, first_churns), (second, second_churns)]: [(&SetMember<'_>, bool); 2],
    margin: f64,
    sampling: &Sampling,
) -> Result<(Interval, u64)> {
    let watched = [Watched {
        member: 0,
        reference: 1,
        margin: Some(margin),
    }];
    let churning = [first_churns, second_churns];
    let samples = paired::sample(&churning, &watched, sampling, |m| {
        let member = [first, second][m];
        problem.run_on(&member.job, member.target, out).map(drop)
    })?;
    Ok((samples.time_ratio(0, 1), samples.paired_rounds(0, 1) as u64))
}

/// The planned entry `planned` of `problem` as a member of a head-to-head
/// race, on its executor among `executors` (prepared already).
fn planned_member<'e>(
    problem: &Prepared<Seed>,
    executors: &'e std::collections::HashMap<(&'static str, usize), Box<dyn backends::Executor>>,
    planned: Planned,
) -> SetMember<'e> {
    SetMember {
        job: problem.job(planned.variant()),
        target: Target::of(
            &**executors
                .get(&(planned.combo.backend.id(), planned.threads))
                .expect("prepared"),
        ),
        variant: planned.variant(),
        backend: planned.combo.backend,
        threads: planned.threads,
    }
}

/// A comparison an answer quotes that its set left undecided: the entry
/// `key`'s against the entry `other`, with its margin.
pub struct Unsettled {
    pub key: Key,
    pub other: Key,
    pub margin: f64,
}

/// The record of `unsettled.key` among `entries` (read again, so that one
/// entry's second settled comparison keeps its first), with its comparison
/// against `unsettled.other` replaced by the head-to-head ratio
/// `time_ratio` over `rounds`. `None`: no such entry.
pub fn settled_record<'a>(
    mut entries: impl Iterator<Item = &'a Benchmark>,
    unsettled: &Unsettled,
    time_ratio: Interval,
    rounds: u64,
) -> Option<Benchmark> {
    let mut record = entries.find(|b| b.key == unsettled.key)?.clone();
    let compared = (record.compared.iter_mut()).find(|c| c.with == unsettled.other.variant)?;
    (compared.time_ratio, compared.head_to_head_rounds) = (time_ratio, Some(rounds));
    Some(record)
}

/// The comparisons among `entries` that the answers quote (steady entries
/// at the point [`holds_the_answers`] of the run's `thread_counts`, whose
/// role `read` says an answer reads its comparisons there one by one) and
/// that are undecided against their margin, not yet raced head to head:
/// what [`Sweep::settle_comparisons`] and a problem of one's own
/// ([`crate::own`]) settle. Nearest a decision first (the fewest rounds
/// that might decide it, [`paired::rounds_factor_to_decide`]); those
/// more than [`HOPELESS_ROUNDS`] times their rounds away (at the margin's
/// edge) are left out: a budget spent on them decides nothing.
pub fn comparisons_to_settle<'a>(
    entries: impl Iterator<Item = &'a Benchmark>,
    thread_counts: &[usize],
    read: impl Fn(Role) -> bool,
) -> Vec<Unsettled> {
    let mut open: Vec<(f64, Unsettled)> = entries
        .filter(|b| b.key.regime == crate::key::Regime::Steady && read(b.role))
        .filter(|b| holds_the_answers(&b.key.backend, b.key.threads as usize, thread_counts))
        .flat_map(|b| {
            let margin = b.role.comparison_margin();
            (b.compared.iter())
                .filter(move |c| {
                    c.head_to_head_rounds.is_none()
                        && !paired::Outcome::of(&c.time_ratio, margin).is_decided()
                })
                .map(move |c| {
                    let factor = paired::rounds_factor_to_decide(&c.time_ratio, margin);
                    let unsettled = Unsettled {
                        key: b.key.clone(),
                        other: Key {
                            variant: c.with.clone(),
                            ..b.key.clone()
                        },
                        margin,
                    };
                    (factor, unsettled)
                })
        })
        .filter(|(factor, _)| *factor <= HOPELESS_ROUNDS)
        .collect();
    open.sort_by(|a, b| a.0.total_cmp(&b.0));
    open.into_iter().map(|(_, unsettled)| unsettled).collect()
}

/// A comparison that might need more than this many times its set's rounds
/// to be decided is not settled: its estimate sits at its margin's edge.
pub const HOPELESS_ROUNDS: f64 = 100.0;

/// The roles whose comparisons the built-in answers read at one point, one
/// by one: the shared sums against the private fold, the worker per thread
/// against the locked worker (`report::findings::shared_state`). The
/// idioms' are pooled over every point, where one point's interval decides
/// nothing, so they are not settled; a problem of one's own reads its
/// idioms and ownership modes at one point too, and settles every role.
pub fn read_one_by_one_built_in(role: Role) -> bool {
    matches!(
        role,
        Role::ShardedSum | Role::AtomicSum | Role::LockedSum | Role::WorkerPerThread
    )
}

/// What settling `unsettled` head to head found, in one line of the run's
/// output.
pub fn settled_words(
    unsettled: &Unsettled,
    ratio: Interval,
    rounds: u64,
    started: Instant,
) -> String {
    format!(
        "{} against {}, left undecided in its set: time ratio {:.3} ({:.3}-{:.3}) over \
         {rounds} rounds head to head in {:.1} s",
        unsettled.key,
        unsettled.other.variant,
        ratio.estimate,
        ratio.lower,
        ratio.upper,
        started.elapsed().as_secs_f64()
    )
}

/// What settling took over a run, in one line of its output.
pub fn settling_words(budget: &paired::Budget) -> String {
    format!(
        "settling undecided comparisons head to head took {:.1} s{}",
        budget.spent().as_secs_f64(),
        match budget.within(&Sampling::default()) {
            Some(_) => "",
            None =>
                " (the settling budget ran out: the comparisons after it stay as their sets \
                     left them)",
        }
    )
}

/// What a race found, and the time it `took`, in one line of the run's
/// output.
pub fn head_to_head_words(leader: &Key, head_to_head: &HeadToHead, took: Duration) -> String {
    let r = head_to_head.time_ratio;
    format!(
        "{leader} head to head with {}: time ratio {:.3} ({:.3}-{:.3}) over {} rounds in {:.1} s",
        head_to_head.with,
        r.estimate,
        r.lower,
        r.upper,
        head_to_head.rounds,
        took.as_secs_f64()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memory::Memory;
    use crate::results::{Comparison, TimeNs};

    fn entry(variant: &str, backend: &str, threads: u64, against: [f64; 3]) -> Benchmark {
        let interval = |[lower, estimate, upper]: [f64; 3]| Interval {
            estimate,
            lower,
            upper,
        };
        let key = Key::new("compute", variant, backend, threads);
        let time = TimeNs::of_median(Interval::exact(1e6));
        let mut b = Benchmark::new(key, 100, time, "now", Memory::default());
        b.compared = vec![Comparison::of("fold_reduce", interval(against))];
        b
    }

    #[test]
    fn only_the_undecided_comparisons_the_answers_quote_are_settled_nearest_first() {
        // The answers' point on a 2-core run of 1, 2 and 4 threads: rayon
        // at 2 threads (`holds_the_answers`).
        let threads = [1, 2, 4];
        let undecided = [0.99, 1.005, 1.03];
        let entries = [
            entry("atomic_sum", "rayon", 2, undecided),
            // Decided: slower beyond the 2% margin.
            entry("mutex_sum", "rayon", 2, [1.03, 1.05, 1.07]),
            // Nearer a decision: its lower side has 3% to clear, not 2%.
            entry("worker_per_thread", "rayon", 2, [1.01, 1.04, 1.06]),
            // At the margin's edge: hopeless.
            entry("sharded_sum", "rayon", 2, [0.9, 1.02, 1.1]),
            // Elsewhere than the answers' point.
            entry("sharded_sum", "rayon", 1, undecided),
            entry("sharded_sum", "crossbeam", 2, undecided),
            // An idiom: the built-in answers pool it over points.
            entry("function_object", "rayon", 2, undecided),
        ];
        let mut raced = entry("sharded_sum", "rayon", 2, undecided);
        raced.compared[0].head_to_head_rounds = Some(180);
        let keys = |read: &dyn Fn(Role) -> bool| -> Vec<String> {
            comparisons_to_settle(entries.iter().chain([&raced]), &threads, read)
                .iter()
                .map(|u| format!("{} {}", u.key.variant, u.margin))
                .collect()
        };
        assert_eq!(
            keys(&read_one_by_one_built_in),
            ["worker_per_thread 0.02", "atomic_sum 0.02"]
        );
        assert_eq!(
            keys(&|_| true),
            [
                "worker_per_thread 0.02",
                "atomic_sum 0.02",
                "function_object 0.02"
            ]
        );
    }

    #[test]
    fn a_second_settled_comparison_of_one_entry_keeps_the_first() {
        let mut entry = entry("method_reference", "rayon", 2, [0.99, 1.005, 1.03]);
        entry.compared.push(Comparison::of(
            "function_object",
            Interval {
                estimate: 1.0,
                lower: 0.97,
                upper: 1.03,
            },
        ));
        let unsettled = |with: &str| Unsettled {
            key: entry.key.clone(),
            other: Key {
                variant: with.to_string(),
                ..entry.key.clone()
            },
            margin: 0.02,
        };
        let settled = Interval::exact(1.001);
        let once = settled_record([&entry].into_iter(), &unsettled("fold_reduce"), settled, 90);
        let once = once.expect("the entry and its comparison are there");
        let twice = settled_record(
            [&once].into_iter(),
            &unsettled("function_object"),
            settled,
            40,
        );
        let rounds: Vec<Option<u64>> = (twice.unwrap().compared.iter())
            .map(|c| c.head_to_head_rounds)
            .collect();
        assert_eq!(rounds, [Some(90), Some(40)]);
        assert!(settled_record([&entry].into_iter(), &unsettled("closure"), settled, 1).is_none());
    }
}
