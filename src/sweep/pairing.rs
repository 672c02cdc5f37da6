//! Pairing: the paired sampler's part of a run, after criterion.
//!
//! Every ratio of the report comes from here: each [`super::Group`] is
//! sampled again in rounds with the sequential loop ([`Sweep::pair`]), so a
//! speedup is a ratio of times taken in the same window; the intermittent
//! regime's calls follow the caller's own work ([`Sweep::measure_intermittent`]).
//! Memory-heavy members are sampled apart ([`DISRUPTIVE_BYTES`]), and
//! members much slower than the sequential loop in rounds of their own
//! ([`SLOW_APART`]). Every set is visited once more later in the run
//! ([`Sweep::revisit`]), so each figure spans two moments of it. Where an
//! answer needs two entries' ratio decided, they then meet head to head
//! (`super::head_to_head`).

use std::time::Instant;

use anyhow::{Context, Result};

use super::revisit::VisitedSet;
use super::{Group, Sweep, baseline, workload_infos};
use crate::backends;
use crate::job::Job;
use crate::key::Key;
use crate::matrix::{Prepared, Target};
use crate::memory::Memory;
use crate::paired::{self, Clock, Interval, MonotonicClock, Samples, Sampling, Watched};
use crate::problem::Problem;
use crate::results::{Benchmark, Comparison, PairedFigures, TimeEstimator, TimeNs, Visits};
use crate::roles::Role;
use crate::variants::Variant;

/// A figure from a call's CPU time (the time itself, or the cores beyond
/// its speedup) as the process CPU clock saw it, where that clock sees all
/// of the call: it counts this process only, so for a backend whose
/// workers are other processes it is unknown (`None`), never the parent's
/// own waiting presented as the call's whole cost.
pub(super) fn cpu_time_seen<T>(
    backend: &dyn backends::Backend,
    from_cpu_time: Option<T>,
) -> Option<T> {
    from_cpu_time.filter(|_| backend.shares_memory())
}

/// What one intermittent benchmark is, for its record: its key and items,
/// the run's start, its memory from the untimed check, its backend.
pub struct NowAndThen<'a> {
    pub key: Key,
    pub items: u64,
    pub started_at: &'a str,
    pub memory: Memory,
    pub backend: &'a dyn backends::Backend,
}

impl NowAndThen<'_> {
    /// The record of member `m` of `samples`
    /// ([`paired::sample_intermittent`]), with its steady calls: its median
    /// call as its time, its speedups over the caller's work just before
    /// each call.
    pub fn record(self, samples: &paired::IntermittentSamples, m: usize) -> Benchmark {
        let calls = samples.call_ns[m].len();
        let time = TimeNs::of_median(samples.median_call(m));
        let mut record = Benchmark::new(self.key, self.items, time, self.started_at, self.memory)
            .with_estimator(TimeEstimator::MedianOfCalls)
            .with_paired(PairedFigures {
                speedup: samples.speedup(m),
                // Single calls after the caller's work: their own
                // distribution (`slow_call_share`) says what two modes would.
                modes: None,
                rounds: calls as u64,
                target_reached: None,
                wall_ns: paired::mean(&samples.call_ns[m]),
                cpu_time_ns: cpu_time_seen(self.backend, samples.cpu_per_call_ns(m)),
                // Each call's steady partner is no sequential loop.
                cores_beyond_speedup: None,
                compared: Vec::new(),
                visits: None,
            });
        record.caller_work_ns = Some(samples.median_caller_work(m));
        record.call_ns = samples.call_ns[m].clone();
        record.steady_call_ns = samples.steady_ns[m].clone();
        record
    }
}

/// Does the group on `backend` at `threads` (of the run's
/// `thread_counts`) hold the point the answers read their comparisons at?
/// The shared sums' and the ownership modes' are read at one point: the
/// first backend of threads that share memory (rayon), at the most threads
/// within the logical cores; the report's choice of that point
/// (`report::findings`'s `common_point`: every role present, within the
/// cores, the most threads, the earliest backend) falls there wherever it
/// ran. Its sets go on for their undecided comparisons ([`Sampling::answers`]).
pub fn holds_the_answers(backend: &str, threads: usize, thread_counts: &[usize]) -> bool {
    let cores = num_cpus::get();
    let most = thread_counts.iter().copied().filter(|&t| t <= cores).max();
    backends::first_of_threads().id() == backend && Some(threads) == most
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
        let answers = holds_the_answers(group.backend, group.threads, &self.threads);
        let again = self.profile.revisits();
        for (set, churns) in sets_to_pair(&members, Some(state_bytes as u64)) {
            let first = match again {
                true => sampling.first_of_two_visits(),
                false => *sampling,
            };
            let sampling = first.of_set(churns).answering(answers);
            let rounds = self.pair_set(group, &set, churns, &sampling, None)?;
            if again {
                self.visited.push(VisitedSet {
                    group: group.clone(),
                    set,
                    churns,
                    answers,
                    rounds,
                });
            }
        }
        Ok(())
    }

    /// Samples the plan entries `set` (all of `group`; churning memory or
    /// not) with the sequential loop in the same rounds ([`pair_members`]):
    /// a first visit with what the run's bank lends, or a visit again of
    /// the rounds `earlier` holds, with `sampling` alone. Returns the
    /// rounds, for the next visit.
    pub(super) fn pair_set(
        &mut self,
        group: &Group,
        set: &[usize],
        churns: bool,
        sampling: &Sampling,
        earlier: Option<SetVisits>,
    ) -> Result<SetVisits> {
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
        let first_visit = earlier.is_none();
        let pair = |sampling: &Sampling| {
            pair_members(
                &current.problem,
                &mut current.out,
                reference,
                &members,
                churns,
                sampling,
                earlier,
            )
        };
        // On its first visit, the run's bank lends this set what earlier
        // sets saved, and books what it saved or used (`paired::Bank`).
        let paired = match first_visit {
            true => self.bank.fund(sampling, pair),
            false => pair(sampling),
        };
        let (paired, rounds) = paired.with_context(|| {
            format!(
                "pairing {}/{}/{} with the sequential loop{}",
                group.workload,
                group.backend,
                group.threads,
                match first_visit {
                    true => "",
                    false => ", visited again",
                }
            )
        })?;
        for (&index, member) in set.iter().zip(paired) {
            self.paired.insert(index, member.figures);
            self.paired_time.insert(index, member.time);
        }
        Ok(rounds)
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
    /// accepts and the resumed run did not measure: each checked against
    /// the oracle first (untimed), then sampled with
    /// [`paired::sample_intermittent`] as `sampling` says, the workload's
    /// own sequential loop as the caller's work, each call paired with the
    /// steady call right after it. The records reach the results file at
    /// once.
    pub fn measure_intermittent(
        &mut self,
        group: &Group,
        sampling: &paired::IntermittentSampling,
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
        let run = |turn: usize| {
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
        let samples =
            paired::sample_intermittent(members.len(), sampling, run).with_context(context)?;
        let mut benchmarks = Vec::new();
        for (m, (index, memory)) in members.into_iter().enumerate() {
            let planned = self.intermittent[index];
            let measured = NowAndThen {
                key: planned.key(),
                items: self.sizes.of(planned.workload()).items as u64,
                started_at: &self.started_at,
                memory,
                backend: planned.combo.backend,
            };
            benchmarks.push(measured.record(&samples, m));
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

/// A member whose call takes more than this many times the sequential
/// loop's is sampled in rounds apart from the members that are not
/// ([`pair_members`]). Measured on trivial (1,000,000 items) on std_scope
/// at 2 threads, in one process: its contended sums (mutex_sum,
/// atomic_sum, mutex_worker: 10-25 ms a call, 20 to 55 times the loop's
/// 450 µs) held each round for 150-300 ms, so a 3 s set had 14-15 rounds,
/// and the calls after theirs ran slowly (the loop's first call 600-820
/// µs); closure's speedup read 0.94-1.21x within ±15-30% in four such
/// sets. Sampled without them: 80-109 rounds, 1.13-1.34x within ±8-10%,
/// where blocks of back-to-back calls read 1.27-1.39x.
pub const SLOW_APART: f64 = 10.0;

/// What [`pair_members`] measured for one member: its figures, and its
/// time per call (the median of its rounds, with its confidence sequence).
pub struct PairedMember {
    pub figures: PairedFigures,
    pub time: Interval,
}

/// Samples `members` of one problem with its sequential loop (`reference`)
/// in the same rounds ([`paired::sample`]), until every watched figure is
/// within the target or the cap comes: each member's paired speedup, CPU
/// time, and its ratios against the members its role is compared with
/// ([`Role::compared_with`]). `churns`: the members churn memory, and the
/// sequential loop settles after each. Returns each member's figures, in
/// order. The built-in sweep ([`Sweep::pair`]) and a problem of the
/// user's own ([`crate::own`]) both pair through here.
///
/// Members much slower than the sequential loop ([`SLOW_APART`]; one call
/// of each timed first, out of the set's time) are sampled in rounds of
/// their own, with the members they are compared with, each of the two
/// sets in half the time left (so the run's budget does not change): their
/// long calls would otherwise make every round long, and slow whatever
/// follows them.
///
/// With `earlier` (what this call returned for the same members at an
/// earlier moment of the run), it is a visit again: the members keep their
/// sets, and each set's rounds continue as a visit of their own
/// ([`paired::sample_again`]); the figures pool the visits.
pub fn pair_members<P: Problem>(
    problem: &Prepared<P>,
    out: &mut [P::Output],
    reference: (Job, Target<'_>),
    members: &[SetMember<'_>],
    churns: bool,
    sampling: &Sampling,
    earlier: Option<SetVisits>,
) -> Result<(Vec<PairedMember>, SetVisits)> {
    // The members each member is compared with (positions in `members`).
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
    let call = |member: Option<usize>, out: &mut [P::Output]| match member {
        None => problem.run_on(&reference.0, reference.1, out).map(drop),
        Some(m) => (problem.run_on(&members[m].job, members[m].target, out)).map(drop),
    };
    let clock = MonotonicClock::start();
    let (slow, sets, first_visit, mut earlier_rounds) = match earlier {
        Some(visited) => {
            let rounds = visited.sampled.into_iter().map(|(s, _)| Some(s)).collect();
            (visited.slow, visited.sets, visited.first_visit, rounds)
        }
        None => {
            let slow = match churns || members.len() < 2 {
                true => Vec::new(),
                false => slow_members(members.len(), &clock, &mut |member| call(member, out))?,
            };
            let apart = apart_with_their_comparisons(&slow, &compared_with);
            let sets: Vec<Vec<usize>> = match apart.len() {
                n if n == 0 || n == members.len() => vec![(0..members.len()).collect()],
                _ => {
                    let light = (0..members.len()).filter(|m| !slow.contains(m)).collect();
                    vec![light, apart]
                }
            };
            let none = vec![None; sets.len()];
            (slow, sets, Instant::now(), none)
        }
    };
    // The calls timed to find the slow members come out of the set's time.
    let probed = clock.now();
    let parts = sets.len() as u32;
    let share = Sampling {
        cap: sampling.cap.saturating_sub(probed) / parts,
        churning_cap: sampling.churning_cap.saturating_sub(probed) / parts,
        banked: sampling.banked / parts,
        ..*sampling
    };
    // The members whose own figures set `s` gives: all of one set; of two,
    // the slow ones the set apart (the second), the others the first.
    let owns = |s: usize, m: usize| sets.len() == 1 || slow.contains(&m) == (s == 1);
    let mut sampled = Vec::with_capacity(sets.len());
    for (s, set) in sets.iter().enumerate() {
        let watched = watched_in(
            set,
            |m| owns(s, m),
            members,
            &compared_with,
            sampling.answers,
        );
        let mut churning = vec![churns; set.len() + 1];
        churning[0] = false; // the sequential loop allocates nothing
        let call = |member: usize| call(member.checked_sub(1).map(|m| set[m]), out);
        let samples = match earlier_rounds[s].take() {
            Some(earlier) => paired::sample_again(earlier, &churning, &watched, &share, call)?,
            None => paired::sample(&churning, &watched, &share, call)?,
        };
        sampled.push((samples, watched));
    }
    // Where member `m` is member `i + 1` of set `s`'s sampler.
    let place = |s: usize, m: usize| sets[s].iter().position(|&x| x == m).map(|i| i + 1);
    let figures = (members.iter().enumerate())
        .map(|(m, member)| {
            // A slow member's own figures come from the set apart; any
            // other's from the first (a member sampled apart too, to be
            // compared with a slow one, keeps those of its own kind).
            let home = (0..sets.len())
                .find(|&s| owns(s, m))
                .expect("one set owns each");
            let samples = &sampled[home].0;
            let at = place(home, m).expect("a member is in its own set");
            let compared = compared_with[m]
                .iter()
                .map(|&other| {
                    // The set that watched the comparison: the first
                    // with both that gives the figures of either.
                    let (samples, here, there) = (0..sets.len())
                        .filter(|&s| owns(s, m) || owns(s, other))
                        .find_map(|s| Some((&sampled[s].0, place(s, m)?, place(s, other)?)))
                        .expect("a member is sampled with those it is compared with");
                    Comparison::of(members[other].variant.id(), samples.time_ratio(here, there))
                })
                .collect();
            // Its own figures settled (its speedup within the target, its
            // comparisons decided), or the cap came first; nothing watched
            // (the reference itself, compared with none): not sequentially
            // stopped.
            let own: Vec<(&Samples, &Watched)> = (0..sets.len())
                .filter_map(|s| Some((s, place(s, m)?)))
                .flat_map(|(s, here)| {
                    let (samples, watched) = &sampled[s];
                    (watched.iter())
                        .filter(move |w| w.member == here)
                        .map(move |w| (samples, w))
                })
                .collect();
            let target_reached = (!own.is_empty()).then(|| {
                own.iter()
                    .all(|(samples, w)| samples.settled(**w, sampling.target_half_width))
            });
            let (speedup, modes) = match member.is_reference() {
                true => (Interval::exact(1.0), None), // the reference itself
                false => (samples.speedup(at, 0), samples.speedup_modes(at, 0)),
            };
            let visits = (samples.visits() > 1 && !member.is_reference()).then(|| Visits {
                speedups: samples.speedup_by_visit(at, 0),
                span_s: first_visit.elapsed().as_secs_f64(),
            });
            PairedMember {
                figures: PairedFigures {
                    speedup,
                    modes,
                    rounds: samples.paired_rounds(at, 0) as u64,
                    target_reached,
                    wall_ns: samples.mean_wall_ns(at),
                    cpu_time_ns: cpu_time_seen(member.backend, samples.cpu_per_call_ns(at)),
                    cores_beyond_speedup: cpu_time_seen(
                        member.backend,
                        samples.cores_beyond_speedup(at, 0),
                    )
                    .filter(|_| !member.is_reference()),
                    compared,
                    visits,
                },
                time: samples.wall_per_call(at),
            }
        })
        .collect();
    let visited = SetVisits {
        slow,
        sets,
        sampled,
        first_visit,
    };
    Ok((figures, visited))
}

/// What [`pair_members`] keeps of one call's rounds, for a visit of the
/// same members later in the run: how they were split into sets, each
/// set's rounds and what it watched, and when the first visit began.
pub struct SetVisits {
    slow: Vec<usize>,
    sets: Vec<Vec<usize>>,
    sampled: Vec<(Samples, Vec<Watched>)>,
    first_visit: Instant,
}

impl SetVisits {
    /// Has a member fewer rounds than bound a median
    /// ([`paired::MIN_VALUES_FOR_INTERVAL`]): a set of long calls whose
    /// cap stopped its first visit ([`Sampling::first_of_two_visits`]).
    pub fn short_of_an_interval(&self) -> bool {
        (self
            .sampled
            .iter()
            .flat_map(|(samples, _)| &samples.members))
        .any(|m| (m.wall_ns.len() as u64) < paired::MIN_VALUES_FOR_INTERVAL)
    }
}

/// What sequential stopping watches in a set of `set`'s members: the
/// speedup of each member whose figures the set gives (`owns`; but the
/// reference's own, exact by definition) until it is within the target,
/// and each comparison between two of them that involves one it owns: in a
/// set that holds what the answers quote (`answers`,
/// [`holds_the_answers`]), until it is decided against the margin the
/// findings answer it with; elsewhere, where the answers read only its
/// estimate (pooled over points, whose spread more rounds do not narrow),
/// until it is within the target, as a figure. So each figure and each
/// comparison is watched in one set only. Member `i + 1` of the sampler is
/// `members[set[i]]`; member 0 is the sequential loop.
fn watched_in(
    set: &[usize],
    owns: impl Fn(usize) -> bool,
    members: &[SetMember<'_>],
    compared_with: &[Vec<usize>],
    answers: bool,
) -> Vec<Watched> {
    let mut watched = Vec::new();
    for (at, &m) in set.iter().enumerate() {
        if owns(m) && !members[m].is_reference() {
            watched.push(Watched {
                member: at + 1,
                reference: 0,
                margin: None,
            });
        }
        let margin = members[m].variant.role().comparison_margin();
        watched.extend(
            (compared_with[m].iter())
                .filter(|&&other| owns(m) || owns(other))
                .filter_map(|other| set.iter().position(|x| x == other))
                .map(|there| Watched {
                    member: at + 1,
                    reference: there + 1,
                    margin: answers.then_some(margin),
                }),
        );
    }
    watched
}

/// The members whose call takes more than [`SLOW_APART`] times the
/// sequential loop's: one call of each timed on `clock` (`call(None)` is
/// the sequential loop, `call(Some(m))` member `m` of `members`). One call
/// is no steady time, only the size of a member's call against the loop's,
/// which is all the sets need; each was called just before (checked, and
/// timed by criterion in `default`).
fn slow_members(
    members: usize,
    clock: &impl Clock,
    call: &mut impl FnMut(Option<usize>) -> Result<()>,
) -> Result<Vec<usize>> {
    let mut timed = |member: Option<usize>| -> Result<f64> {
        let started = clock.now();
        call(member)?;
        Ok((clock.now() - started).as_secs_f64())
    };
    let sequential = timed(None)?;
    let mut slow = Vec::new();
    for member in 0..members {
        if timed(Some(member))? > SLOW_APART * sequential {
            slow.push(member);
        }
    }
    Ok(slow)
}

/// The set sampled apart: the `slow` members and every member compared
/// with one of them, either way (`compared_with[m]`: whom member `m` is
/// compared with), in order. Empty where none is slow.
fn apart_with_their_comparisons(slow: &[usize], compared_with: &[Vec<usize>]) -> Vec<usize> {
    (0..compared_with.len())
        .filter(|m| {
            slow.contains(m)
                || compared_with[*m].iter().any(|other| slow.contains(other))
                || slow.iter().any(|s| compared_with[*s].contains(m))
        })
        .collect()
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
    let (apart, together): (Vec<_>, Vec<_>) =
        (members.iter()).partition(|(_, m)| churns(m, state_bytes));
    let mut sets = Vec::new();
    if !together.is_empty() {
        sets.push((together.iter().map(|(i, _)| *i).collect(), false));
    }
    sets.extend(apart.iter().map(|(i, _)| (vec![*i], true)));
    sets
}

/// Does a call with `memory` churn memory: allocate more than
/// [`DISRUPTIVE_BYTES`], or copy a state of `state_bytes` that much (any
/// copy, where the state's size is unknown)?
pub fn churns(memory: &Memory, state_bytes: Option<u64>) -> bool {
    match memory.bytes_allocated {
        Some(bytes) => bytes > DISRUPTIVE_BYTES,
        None => {
            let copies = memory.state_copies.unwrap_or(0);
            state_bytes.map_or(copies > 0, |bytes| copies * bytes > DISRUPTIVE_BYTES)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// trivial's members as a group lists them, with whom each is compared
    /// (positions): the idioms with closure (0), the sums with fold_reduce
    /// (7), worker_per_thread with mutex_worker (8).
    fn trivial_comparisons() -> Vec<Vec<usize>> {
        vec![
            vec![],     // 0 closure
            vec![0],    // 1 function_object
            vec![0, 1], // 2 method_reference
            vec![0],    // 3 dyn_callable
            vec![7],    // 4 mutex_sum
            vec![7],    // 5 atomic_sum
            vec![7],    // 6 sharded_sum
            vec![],     // 7 fold_reduce
            vec![],     // 8 mutex_worker
            vec![8],    // 9 worker_per_thread
        ]
    }

    #[test]
    fn the_slow_go_apart_with_whom_they_are_compared() {
        let compared = trivial_comparisons();
        // The contended sums: fold_reduce and worker_per_thread go with them
        // (compared with a slow one, or a slow one compared with them).
        assert_eq!(
            apart_with_their_comparisons(&[4, 5, 8], &compared),
            vec![4, 5, 7, 8, 9]
        );
        // A slow idiom takes closure along, not the other idioms.
        assert_eq!(apart_with_their_comparisons(&[3], &compared), vec![0, 3]);
        assert!(apart_with_their_comparisons(&[], &compared).is_empty());
    }

    /// Each figure and each comparison is watched in one set: a partner
    /// sampled apart for a slow member's comparison has its speedup watched
    /// in the first set only.
    #[test]
    fn each_figure_is_watched_in_one_set() {
        let member = |id: &str| {
            let variant = crate::variants::variant(id).unwrap();
            SetMember {
                job: Job::whole(variant, 10),
                target: Target::CallingThread,
                variant,
                backend: &backends::Sequential,
                threads: 2,
            }
        };
        let members = [
            member("closure"),
            member("mutex_sum"),
            member("fold_reduce"),
        ];
        let compared = vec![vec![], vec![2], vec![]];
        let speedup = |member| Watched {
            member,
            reference: 0,
            margin: None,
        };
        // The first set: closure and fold_reduce (sampler members 1 and 2).
        assert_eq!(
            watched_in(&[0, 2], |m| m != 1, &members, &compared, true),
            vec![speedup(1), speedup(2)]
        );
        // Apart: mutex_sum (1) and fold_reduce (2), for their comparison,
        // decided against its margin where the answers read it, else
        // watched as a figure.
        for (answers, margin) in [(true, Some(crate::roles::SHARED_SUM_MARGIN)), (false, None)] {
            assert_eq!(
                watched_in(&[1, 2], |m| m == 1, &members, &compared, answers),
                vec![
                    speedup(1),
                    Watched {
                        member: 1,
                        reference: 2,
                        margin
                    }
                ]
            );
        }
    }

    #[test]
    fn the_slow_are_those_over_ten_times_the_sequential_loop() {
        // A member's call takes its entry's microseconds on a synthetic
        // clock; the sequential loop's 100.
        let took = [100u64, 50, 999, 1_001, 20_000];
        let clock = crate::paired::SyntheticClock::start();
        let mut call = |member: Option<usize>| {
            let micros = member.map_or(100, |m| took[m]);
            clock.advance(std::time::Duration::from_micros(micros));
            Ok(())
        };
        assert_eq!(
            slow_members(took.len(), &clock, &mut call).unwrap(),
            vec![3, 4]
        );
    }
}
