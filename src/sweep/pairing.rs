//! Pairing: the paired sampler's part of a run, after criterion.
//!
//! Every ratio of the report comes from here: each [`super::Group`] is
//! sampled again in rounds with the sequential loop ([`Sweep::pair`]), so a
//! speedup is a ratio of times taken in the same window; the intermittent
//! regime's calls follow the caller's own work ([`Sweep::measure_intermittent`]).
//! Memory-heavy members are sampled apart ([`DISRUPTIVE_BYTES`]).

use anyhow::{Context, Result};

use super::{Group, Sweep, baseline, workload_infos};
use crate::backends;
use crate::job::Job;
use crate::key::Key;
use crate::matrix::{Prepared, Target};
use crate::memory::Memory;
use crate::paired::{self, Interval, Samples, Sampling, Watched};
use crate::problem::Problem;
use crate::results::{Benchmark, Comparison, PairedFigures, TimeEstimator, TimeNs};
use crate::roles::Role;
use crate::variants::Variant;

/// A call's CPU time as the process CPU clock saw it, where that clock sees
/// all of the call: it counts this process only, so the CPU time of a
/// backend whose workers are other processes is unknown (`None`), never
/// the parent's own waiting presented as the call's whole cost.
pub(super) fn cpu_time_seen(
    backend: &dyn backends::Backend,
    cpu_time_ns: Option<f64>,
) -> Option<f64> {
    cpu_time_ns.filter(|_| backend.shares_memory())
}

/// A call allocating more than this is sampled apart from the light
/// members of its group ([`Sweep::pair`]).
pub const DISRUPTIVE_BYTES: u64 = 16 << 20;

impl Sweep {
    /// Samples the members of `group` that criterion timed and that matched
    /// the oracle, in rounds with the sequential loop ([`paired::sample`]):
    /// their paired speedups, CPU time, and their ratios against the
    /// variants their role is compared with. Groups nothing of which ran are
    /// skipped.
    ///
    /// Members that churn memory (they allocate more than
    /// [`DISRUPTIVE_BYTES`] per call, such as the copies of a large state)
    /// are sampled apart, each in its
    /// own rounds with the sequential loop, which settles after them:
    /// freeing hundreds of MiB slows whatever runs next for tens of
    /// milliseconds (measured on big_state: the sequential loop at 4x its
    /// steady time right after clone_per_task, steady again 20-35 ms later),
    /// which would bias every light member's ratio. They are compared only
    /// with members of their own rounds.
    pub fn pair(&mut self, group: &Group, sampling: &Sampling) -> Result<()> {
        let state_bytes = self
            .sizes
            .of(self.plan[group.members.start].workload())
            .state_bytes;
        let members: Vec<(usize, Memory)> = (group.members.clone())
            .filter_map(|i| match self.checked.get(&i) {
                Some(Ok(memory)) => Some((i, *memory)),
                _ => None,
            })
            .collect();
        for (set, churns) in sets_to_pair(&members, Some(state_bytes as u64)) {
            self.pair_set(group, &set, churns, &sampling.of_set(churns))?;
        }
        Ok(())
    }

    /// Samples the plan entries `set` (all of `group`; churning memory or
    /// not) with the sequential loop in the same rounds ([`pair_members`]).
    pub(super) fn pair_set(
        &mut self,
        group: &Group,
        set: &[usize],
        churns: bool,
        sampling: &Sampling,
    ) -> Result<()> {
        self.prepare(self.plan[set[0]])?;
        let sequential_key = (backends::Backend::id(&backends::Sequential), 1);
        let group_key = (self.plan[set[0]].combo.backend.id(), group.threads);
        let current = self.current.as_mut().expect("prepared");
        let reference = (
            current.problem.job(baseline()),
            Target::of(&**self.executors.get(&sequential_key).expect("prepared")),
        );
        let target = Target::of(&**self.executors.get(&group_key).expect("prepared"));
        let members: Vec<SetMember> = set
            .iter()
            .map(|&index| SetMember {
                job: current.problem.job(self.plan[index].variant()),
                target,
                variant: self.plan[index].variant(),
                backend: self.plan[index].combo.backend,
                threads: group.threads,
            })
            .collect();
        // The run's bank lends this set what earlier sets saved, and books
        // what it saved or used (`paired::Bank`).
        let (figures, samples) = self
            .bank
            .fund(sampling, |lent| {
                pair_members(
                    &current.problem,
                    &mut current.out,
                    reference,
                    &members,
                    churns,
                    lent,
                )
            })
            .with_context(|| {
                format!(
                    "pairing {}/{}/{} with the sequential loop",
                    group.workload, group.backend, group.threads
                )
            })?;
        // Member 0 of the samples is the sequential loop, the reference.
        for (position, (&index, paired)) in set.iter().zip(figures).enumerate() {
            self.paired.insert(index, paired);
            (self.paired_time).insert(index, samples.wall_per_call(position + 1));
        }
        Ok(())
    }

    /// The untimed check of the intermittent benchmark at `index`: the
    /// steady plan's, when it checked the same call; else made now.
    pub(super) fn check_intermittent(
        &mut self,
        index: usize,
    ) -> Result<std::result::Result<Memory, String>> {
        let planned = self.intermittent[index];
        let steady = planned.combo.key(planned.threads);
        let checked_steady = self
            .plan
            .iter()
            .position(|p| p.key() == steady)
            .and_then(|i| self.checked.get(&i));
        if let Some(found) = checked_steady.or(self.checked_intermittent.get(&index)) {
            return Ok(found.clone());
        }
        let found = self.check(planned)?;
        self.checked_intermittent.insert(index, found.clone());
        Ok(found)
    }

    /// Measures the members of the intermittent `group` that `selected`
    /// accepts and the resumed run did not measure, `calls` calls each:
    /// each checked against the oracle first (untimed), then sampled with
    /// [`paired::sample_intermittent`], the workload's own sequential loop
    /// as the caller's work (at least [`Sweep::caller_work`]); then the
    /// same calls back to back, one by one, for the steady distribution
    /// beside it. The records reach the results file at once.
    pub fn measure_intermittent(
        &mut self,
        group: &Group,
        calls: usize,
        selected: &dyn Fn(&Key) -> bool,
    ) -> Result<()> {
        let mut members = Vec::new();
        for index in group.members.clone() {
            let key = self.intermittent[index].key();
            if !selected(&key) || self.resumed.contains(&key) {
                continue;
            }
            if self.verbose {
                let place = self.plan.len() + index + 1;
                println!("{}", self.progress.next(place, &key.to_string()));
            }
            if let Ok(memory) = self.check_intermittent(index)? {
                members.push((index, memory));
            }
        }
        let Some(&(first, _)) = members.first() else {
            return Ok(());
        };
        self.prepare(self.intermittent[first])?;
        let current = self.current.as_mut().expect("prepared");
        let sequential = &**self
            .executors
            .get(&(backends::Backend::id(&backends::Sequential), 1))
            .expect("prepared");
        let exec = &**self
            .executors
            .get(&(group.backend, group.threads))
            .expect("prepared");
        // Turn 0 is the caller's own work, the sequential loop; the members follow.
        let mut jobs: Vec<(Job, Target)> =
            vec![(current.problem.job(baseline()), Target::of(sequential))];
        for &(index, _) in &members {
            jobs.push((
                current.problem.job(self.intermittent[index].variant()),
                Target::of(exec),
            ));
        }
        let mut run = |turn: usize| {
            let (job, target) = &jobs[turn];
            current
                .problem
                .run_on(job, *target, &mut current.out)
                .map(drop)
        };
        let context = || {
            format!(
                "{}/{}/{}/intermittent",
                group.workload, group.backend, group.threads
            )
        };
        let samples = paired::sample_intermittent(members.len(), calls, self.caller_work, &mut run)
            .with_context(context)?;
        let steady = (1..=members.len())
            .map(|turn| paired::time_each_call(calls, || run(turn)))
            .collect::<Result<Vec<_>>>()
            .with_context(context)?;
        let mut benchmarks = Vec::new();
        for (m, ((index, memory), steady_calls)) in members.into_iter().zip(steady).enumerate() {
            let planned = self.intermittent[index];
            let median = samples.median_call(m);
            let time = TimeNs::of_median(median);
            let items = self.sizes.of(planned.workload()).items as u64;
            let mut record = Benchmark::new(planned.key(), items, time, &self.started_at, memory)
                .with_estimator(TimeEstimator::MedianOfCalls)
                .with_paired(PairedFigures {
                    speedup: samples.speedup(m),
                    // Single calls after the caller's work: their own
                    // distribution (`slow_call_share`) says what two modes would.
                    modes: None,
                    rounds: calls as u64,
                    target_reached: None,
                    wall_ns: paired::mean(&samples.call_ns[m]),
                    cpu_time_ns: cpu_time_seen(planned.combo.backend, samples.cpu_per_call_ns(m)),
                    compared: Vec::new(),
                });
            record.caller_work_ns = Some(samples.median_caller_work(m));
            record.call_ns = samples.call_ns[m].clone();
            record.steady_call_ns = steady_calls;
            benchmarks.push(record);
        }
        if let Some(store) = self.store.as_mut() {
            let workloads = workload_infos(self.sizes, &benchmarks);
            store.record(benchmarks, workloads)?;
        }
        Ok(())
    }
}

/// One member of a paired set ([`pair_members`]): its call, and what its
/// figures need to know of it.
pub struct SetMember<'e> {
    pub job: Job,
    pub target: Target<'e>,
    pub variant: &'static dyn Variant,
    pub backend: &'static dyn backends::Backend,
    pub threads: usize,
}

impl SetMember<'_> {
    /// The sequential loop at one thread: the reference of every speedup,
    /// exact by definition.
    fn is_reference(&self) -> bool {
        self.variant.role() == Role::Baseline && self.threads == 1
    }
}

/// Samples `members` of one problem with its sequential loop (`reference`)
/// in the same rounds ([`paired::sample`]), until every watched figure is
/// within the target or the cap comes: each member's paired speedup, CPU
/// time, and its ratios against the members its role is compared with
/// ([`Role::compared_with`]). `churns`: the members churn memory, and the
/// sequential loop settles after each. Returns each member's figures, in
/// order, and the samples (member 0 is the reference, member `i + 1` is
/// `members[i]`). The built-in sweep ([`Sweep::pair`]) and a problem of the
/// user's own ([`crate::own`]) both pair through here.
pub fn pair_members<P: Problem>(
    problem: &Prepared<P>,
    out: &mut [u64],
    reference: (Job, Target<'_>),
    members: &[SetMember<'_>],
    churns: bool,
    sampling: &Sampling,
) -> Result<(Vec<PairedFigures>, Samples)> {
    let mut calls: Vec<(&Job, Target)> = vec![(&reference.0, reference.1)];
    calls.extend(members.iter().map(|m| (&m.job, m.target)));
    let mut churning = vec![churns; calls.len()];
    churning[0] = false; // the sequential loop allocates nothing
    // The members each member (position + 1) is compared with.
    let compared_with: Vec<Vec<usize>> = members
        .iter()
        .map(|member| {
            member
                .variant
                .role()
                .compared_with()
                .iter()
                .flat_map(|role| {
                    members
                        .iter()
                        .position(|other| other.variant.role() == *role)
                })
                .collect()
        })
        .collect();
    // Sequential stopping watches every speedup (but the reference's
    // own, exact by definition) until it is within the target, and every
    // comparison between members until it is decided against the margin
    // the findings answer it with.
    let mut watched: Vec<Watched> = Vec::new();
    for (position, member) in members.iter().enumerate() {
        if !member.is_reference() {
            watched.push(Watched {
                member: position + 1,
                reference: 0,
                margin: None,
            });
        }
        let margin = member.variant.role().comparison_margin();
        watched.extend(compared_with[position].iter().map(|&other| Watched {
            member: position + 1,
            reference: other + 1,
            margin: Some(margin),
        }));
    }
    let samples = paired::sample(&churning, &watched, sampling, |member| {
        let (job, target) = calls[member];
        problem.run_on(job, target, out).map(drop)
    })?;
    let figures = members
        .iter()
        .enumerate()
        .map(|(position, m)| {
            let member = position + 1;
            let compared = compared_with[position]
                .iter()
                .map(|&other| Comparison {
                    with: members[other].variant.id().to_string(),
                    time_ratio: samples.time_ratio(member, other + 1),
                })
                .collect();
            // Its own figures settled (its speedup within the target, its
            // comparisons decided), or the cap came first; nothing watched
            // (the reference itself, compared with none): not sequentially
            // stopped.
            let own: Vec<&Watched> = watched.iter().filter(|w| w.member == member).collect();
            let target_reached = (!own.is_empty()).then(|| {
                own.iter()
                    .all(|w| samples.settled(**w, sampling.target_half_width))
            });
            let (speedup, modes) = match m.is_reference() {
                true => (Interval::exact(1.0), None), // the reference itself
                false => (samples.speedup(member, 0), samples.speedup_modes(member, 0)),
            };
            PairedFigures {
                speedup,
                modes,
                rounds: samples.paired_rounds(member, 0) as u64,
                target_reached,
                wall_ns: samples.mean_wall_ns(member),
                cpu_time_ns: cpu_time_seen(m.backend, samples.cpu_per_call_ns(member)),
                compared,
            }
        })
        .collect();
    Ok((figures, samples))
}

/// The sets one group is paired in: the members that churn memory (they
/// allocate more than [`DISRUPTIVE_BYTES`] per call, such as the copies of
/// a large state) each in a set of its own, marked churning, and the rest
/// together, first ([`Sweep::pair`]). Without the counting allocator a
/// member's copies say it: times `state_bytes`, the size of one copy, where
/// it is known; where it is not, any copy counts as churning.
pub fn sets_to_pair(
    members: &[(usize, Memory)],
    state_bytes: Option<u64>,
) -> Vec<(Vec<usize>, bool)> {
    let churns = |memory: &Memory| match memory.bytes_allocated {
        Some(bytes) => bytes > DISRUPTIVE_BYTES,
        None => {
            let copies = memory.state_copies.unwrap_or(0);
            state_bytes.map_or(copies > 0, |bytes| copies * bytes > DISRUPTIVE_BYTES)
        }
    };
    let (apart, together): (Vec<_>, Vec<_>) = members.iter().partition(|(_, m)| churns(m));
    let mut sets = Vec::new();
    if !together.is_empty() {
        sets.push((together.iter().map(|(i, _)| *i).collect(), false));
    }
    sets.extend(apart.iter().map(|(i, _)| (vec![*i], true)));
    sets
}
