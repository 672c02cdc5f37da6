//! Paired sampling: the instrument behind every ratio parbench reports.
//!
//! Absolute times on a shared machine drift by 5-40% between runs, and by
//! several percent within one. A ratio of two times taken minutes apart
//! carries that drift whole. [`sample`] instead measures the members of a
//! group (the sequential loop and the variants compared with it) in rounds:
//! each round times one batch of every member, back to back, so a drift
//! slower than a round hits both sides of every ratio and cancels. Each
//! ratio is then the median of its per-round ratios, with a distribution-free
//! 95% confidence sequence from the order statistics ([`median_sequence`]):
//! an interval valid at every number of rounds at once, so the sampler may
//! stop on whatever it sees (a decision, a width, a cap) and the interval
//! still covers at 95%. A comparison with a margin stops as soon as it is
//! decided against it ([`decision`]), and the time it no longer needs goes
//! to the comparisons still open.
//!
//! **The regime is steady (back to back), as criterion's.** Switching
//! members is itself the intermittent use of a pool: a rayon call made right
//! after the caller ran the sequential loop finds its workers asleep and
//! may run at sequential speed, and one woken call does not always suffice
//! (measured on compute, rayon at 2 threads: a median of 1.27x over six
//! rounds against criterion's 2.01x, with one call discarded). So after
//! every switch the calls of the next member are discarded, untimed, until
//! one is back within `RECOVERED` of the member's fastest call: at least
//! one and at most `MAX_WAKE_CALLS`, none for calls longer than
//! `LONG_CALL`. This holds between two variants on one pool too, whose
//! workers were busy a moment before: skipping those discards (tried on
//! 2026-12-07) gave a 5 ms problem of one's own 1.5 to 2.4 times the rounds,
//! but read trivial's parallel speedups 1 to 14% lower (the two rules
//! alternated, twice): the first call after another variant is not steady.
//! After a member that churns memory (the caller says which)
//! the limit is `MAX_SETTLE` instead: measured on big_state, after
//! clone_per_task frees its copies the sequential loop runs at 4x its
//! steady time and recovers only 20-35 ms later. Only the batch after the discarded
//! calls is timed; a batch is back-to-back calls. (The cost of those
//! discarded calls is what the intermittent regime of issue 13 measures on
//! purpose.)
//!
//! **Batches.** A sample of one tiny call (the seed: about 12 ns
//! sequential) is shorter than the clock can resolve, so each member runs
//! as many calls per batch as make [`Sampling::batch`] (1 ms by default);
//! long calls are batches of one. [`sample_alternating`] instead alternates
//! the members call by call, each call timed alone (the harness overhead on
//! a pool, whose state between calls is then the same for every member).
//!
//! **CPU time.** Each batch also reads the process CPU clock (user + system,
//! every thread), so "cores busy" (CPU time over wall time) is measured in
//! exactly the calls timed for the ratios.
//!
//! Why not the tango-bench crate, whose pairing this follows: tango owns the
//! benchmark binary's `main` and pairs one benchmark with the same benchmark
//! in another build (A/B across commits). parbench pairs different functions
//! of one build, N at a time, under criterion's `main`, and needs the
//! discard-after-switch and the CPU clock per batch. The sampler is small,
//! so it is written here.

use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Duration;

use anyhow::{Result, anyhow};
use serde::{Deserialize, Serialize};

mod clock;
pub mod confidence;
#[cfg(test)]
mod coverage;
pub mod decision;
mod intermittent;
mod modes;
mod order;
mod sampling;
mod visits;

#[cfg(test)]
pub(crate) use clock::SyntheticClock;
pub(crate) use clock::{Clock, MonotonicClock};
pub use confidence::median_sequence;
pub use decision::{Outcome, rounds_factor_to_decide};
pub use intermittent::{IntermittentSamples, IntermittentSampling, sample_intermittent};
pub use modes::{MODE_GAP, Mode, two_modes};
use order::round_order;
pub use sampling::{Bank, Budget, MIN_VALUES_FOR_INTERVAL, Sampling, TARGET_HALF_WIDTH, next_look};
pub use visits::{covering_visits, sample_again};

/// A ratio sequential stopping watches: `member`'s speedup over
/// `reference` (its own time per call where the two are the same member,
/// for a member sampled alone).
///
/// With a `margin`, it is a comparison an answer makes: it is settled once
/// `member`'s time over `reference`'s is decided against the margin
/// ([`Outcome::of`]), however wide its interval then. Without one, it is a
/// figure: settled once its interval is within the target half-width.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Watched {
    pub member: usize,
    pub reference: usize,
    pub margin: Option<f64>,
}

/// The ratios of a set whose member 0 is the reference of every other
/// member's speedup (member 0's own time when it is alone).
pub fn speedups_over_first(members: usize) -> Vec<Watched> {
    match members {
        1 => vec![Watched {
            member: 0,
            reference: 0,
            margin: None,
        }],
        n => (1..n)
            .map(|member| Watched {
                member,
                reference: 0,
                margin: None,
            })
            .collect(),
    }
}

/// A call slower than this many times the fastest of its regime is slow:
/// on 2 threads, a call that ran at about sequential speed.
pub const SLOW_CALL: f64 = 1.5;

/// The longest the calls after a member that churns memory are discarded for.
const MAX_SETTLE: Duration = Duration::from_millis(500);

/// A discarded call within this factor of the member's fastest call seen
/// (its batch time per call, to begin with) ends the discarded calls.
const RECOVERED: f64 = 1.2;

/// At most this many calls are discarded after a switch from a member that
/// does not churn memory.
const MAX_WAKE_CALLS: usize = 3;

/// A call this long is not discarded whole after a switch: a pool wakes up
/// within a few milliseconds, a small part of it.
const LONG_CALL: Duration = Duration::from_millis(50);

/// An estimate with its 95% confidence interval.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    pub estimate: f64,
    pub lower: f64,
    pub upper: f64,
}

impl Interval {
    /// A value known exactly (a member against itself).
    pub fn exact(value: f64) -> Interval {
        Interval {
            estimate: value,
            lower: value,
            upper: value,
        }
    }

    /// Does the interval include `value`?
    pub fn contains(&self, value: f64) -> bool {
        self.lower <= value && value <= self.upper
    }

    /// `1 / x`: turns a time ratio into a speedup, and back.
    pub fn inverse(&self) -> Interval {
        Interval {
            estimate: 1.0 / self.estimate,
            lower: 1.0 / self.upper,
            upper: 1.0 / self.lower,
        }
    }

    /// Half the interval's width, as a share of its estimate (0.02: ±2%).
    pub fn relative_half_width(&self) -> f64 {
        (self.upper - self.lower) / 2.0 / self.estimate
    }

    /// All three finite and positive, lower <= estimate <= upper.
    pub fn is_valid(&self) -> bool {
        self.is_ordered() && self.lower > 0.0
    }

    /// All three finite, lower <= estimate <= upper (any sign).
    pub fn is_ordered(&self) -> bool {
        [self.estimate, self.lower, self.upper]
            .iter()
            .all(|x| x.is_finite())
            && self.lower <= self.estimate
            && self.estimate <= self.upper
    }
}

/// What one member's timed batches gave, one value per round.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MemberSamples {
    /// Calls in each timed batch.
    pub calls_per_batch: u64,
    /// Wall time per call, per round (ns).
    pub wall_ns: Vec<f64>,
    /// Process CPU time per call, per round (ns); empty where the platform
    /// has no process CPU clock.
    pub cpu_ns: Vec<f64>,
    /// Where each visit after the first begins in `wall_ns`: a set sampled
    /// again later in the run ([`sample_again`]) appends its rounds, and a
    /// ratio pairs rounds of one visit only. Empty: one visit.
    pub visit_starts: Vec<usize>,
}

/// The rounds of one group.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Samples {
    pub members: Vec<MemberSamples>,
}

impl Samples {
    /// Rounds sampled (by the members sampled longest).
    pub fn rounds(&self) -> usize {
        self.members
            .iter()
            .map(|m| m.wall_ns.len())
            .max()
            .unwrap_or(0)
    }

    /// The time of `member` over the time of `reference`, from the ratio
    /// of each round: their median, with its confidence sequence, widened
    /// to take in each visit's own median ([`covering_visits`]).
    pub fn time_ratio(&self, member: usize, reference: usize) -> Interval {
        let by_visit = self.round_ratios_by_visit(member, reference);
        covering_visits(median_sequence(&mut by_visit.concat()), &by_visit)
    }

    /// `member`'s time over `reference`'s, round by round (the rounds both
    /// were sampled in), every visit's in turn.
    fn round_ratios(&self, member: usize, reference: usize) -> Vec<f64> {
        self.round_ratios_by_visit(member, reference).concat()
    }

    /// How many times faster `member` is than `reference`.
    /// (The median of the per-round ratios reference / member, which with
    /// an even number of rounds is not the inverse of [`Samples::time_ratio`].)
    pub fn speedup(&self, member: usize, reference: usize) -> Interval {
        if member == reference {
            return Interval::exact(1.0);
        }
        self.time_ratio(reference, member)
    }

    /// The two modes of `member`'s speedups over `reference`, round by
    /// round, if its rounds fall into two groups far apart ([`two_modes`]).
    pub fn speedup_modes(&self, member: usize, reference: usize) -> Option<[Mode; 2]> {
        // A speedup is the reference's time over the member's, as in `speedup`.
        two_modes(&self.round_ratios(reference, member))
    }

    /// Rounds `member` was sampled in: every round for a member whose
    /// watched ratios stayed wide, fewer for one that reached the target
    /// early (its rounds are the first ones, aligned with everyone's).
    pub fn rounds_of(&self, member: usize) -> usize {
        self.members[member].wall_ns.len()
    }

    /// The rounds a ratio of `a` and `b` rests on: those both were
    /// sampled in (the first ones; a member that left early has fewer).
    pub fn paired_rounds(&self, a: usize, b: usize) -> usize {
        (self.members[a].visits().zip(self.members[b].visits()))
            .map(|(in_a, in_b)| in_a.len().min(in_b.len()))
            .sum()
    }

    /// The interval of a watched ratio ([`Watched`]): `member`'s speedup
    /// over `reference` from the rounds both were sampled in, or, where the
    /// two are the same member, its own wall time per call.
    pub fn watched_interval(&self, watched: Watched) -> Interval {
        match watched {
            Watched {
                member, reference, ..
            } if member == reference => self.wall_per_call(member),
            Watched {
                member, reference, ..
            } => self.speedup(member, reference),
        }
    }

    /// Is the watched ratio settled: decided against its margin where it
    /// has one, else its 95% interval at most `target` of its estimate on
    /// either side? Never below [`MIN_VALUES_FOR_INTERVAL`] rounds, whose
    /// bounds are a range, not an interval (a first visit may look from
    /// fewer: [`Sampling::first_of_two_visits`]).
    pub fn settled(&self, watched: Watched, target: f64) -> bool {
        let rounds = self.paired_rounds(watched.member, watched.reference);
        if (rounds as u64) < MIN_VALUES_FOR_INTERVAL {
            return false;
        }
        match watched.margin {
            Some(margin) => {
                let ratio = self.time_ratio(watched.member, watched.reference);
                ratio.is_valid() && Outcome::of(&ratio, margin).is_decided()
            }
            None => {
                let interval = self.watched_interval(watched);
                interval.is_valid() && interval.relative_half_width() <= target
            }
        }
    }

    /// About how many times its rounds so far the watched ratio needs to
    /// settle, if its interval keeps its centre and narrows with the square
    /// root of the rounds: for a comparison, the side of its time ratio
    /// that must clear its margin ([`rounds_factor_to_decide`], the
    /// projection the report's reasons give too); for a figure, its
    /// half-width against `target`, squared. Infinite where nothing
    /// settles it (an estimate at the margin's edge, no target).
    fn rounds_factor_to_settle(&self, watched: Watched, target: f64) -> f64 {
        match watched.margin {
            Some(margin) => {
                let ratio = self.time_ratio(watched.member, watched.reference);
                match ratio.is_valid() {
                    true => rounds_factor_to_decide(&ratio, margin),
                    false => f64::INFINITY,
                }
            }
            None => {
                let interval = self.watched_interval(watched);
                match interval.is_valid() && target > 0.0 {
                    true => (interval.relative_half_width() / target).powi(2),
                    false => f64::INFINITY,
                }
            }
        }
    }

    /// The median wall time per call of `member` (ns).
    pub fn wall_per_call_ns(&self, member: usize) -> f64 {
        self.wall_per_call(member).estimate
    }

    /// The median wall time per call of `member` over its rounds (ns), with
    /// its distribution-free 95% confidence sequence: the time of an entry
    /// criterion does not time.
    pub fn wall_per_call(&self, member: usize) -> Interval {
        let m = &self.members[member];
        let by_visit: Vec<Vec<f64>> = m.visits().map(|v| m.wall_ns[v].to_vec()).collect();
        covering_visits(median_sequence(&mut m.wall_ns.clone()), &by_visit)
    }

    /// The mean wall time per call of `member` over its rounds (ns): the
    /// denominator of its cores busy.
    pub fn mean_wall_ns(&self, member: usize) -> f64 {
        mean(&self.members[member].wall_ns)
    }

    /// The mean process CPU time per call of `member` over the same rounds
    /// (ns), where the platform has the clock.
    pub fn cpu_per_call_ns(&self, member: usize) -> Option<f64> {
        let cpu = &self.members[member].cpu_ns;
        (!cpu.is_empty() && cpu.len() == self.members[member].wall_ns.len()).then(|| mean(cpu))
    }

    /// The cores `member` kept busy beyond its speedup over `reference`,
    /// round by round: in each round, (its CPU time less the reference's
    /// wall time) over its wall time, that is its cores busy less its
    /// speedup in that round; their median with its confidence sequence,
    /// widened to take in each visit's own median ([`covering_visits`]).
    /// `None` where the platform has no process CPU clock.
    pub fn cores_beyond_speedup(&self, member: usize, reference: usize) -> Option<Interval> {
        let (m, r) = (&self.members[member], &self.members[reference]);
        if m.wall_ns.is_empty() || m.cpu_ns.len() != m.wall_ns.len() {
            return None;
        }
        let by_visit: Vec<Vec<f64>> = (m.visits().zip(r.visits()))
            .map(|(in_m, in_r)| {
                (m.cpu_ns[in_m.clone()].iter())
                    .zip(&m.wall_ns[in_m])
                    .zip(&r.wall_ns[in_r])
                    .map(|((cpu, wall), reference_wall)| (cpu - reference_wall) / wall)
                    .collect()
            })
            .collect();
        Some(covering_visits(
            median_sequence(&mut by_visit.concat()),
            &by_visit,
        ))
    }
}

/// The mean of `values` (0 for none).
pub fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len().max(1) as f64
}

/// Runs a timing loop, turning a panic of one of its calls into an error.
/// The catch is around the whole loop, not each call: the calling thread's
/// timed call does not catch ([`crate::backends::CallingThreadUncaught`],
/// where a catch per call was a visible share of the seed's 12 ns loop).
fn caught<T>(timing_loop: impl FnOnce() -> Result<T>) -> Result<T> {
    catch_unwind(AssertUnwindSafe(timing_loop)).unwrap_or_else(|payload| {
        Err(anyhow!(
            "a timed call panicked: {}",
            panic_message(&*payload)
        ))
    })
}

/// The text of a panic's payload (a string, or crossbeam's list of its
/// threads' panics).
pub fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else if let Some(all) = payload.downcast_ref::<Vec<Box<dyn Any + Send + 'static>>>() {
        // crossbeam's scope collects the panics of all its threads.
        all.iter()
            .map(|p| panic_message(&**p))
            .collect::<Vec<_>>()
            .join("; ")
    } else {
        "(non-string panic payload)".to_string()
    }
}

/// Samples members in rounds; `call(i)` makes one call of member `i`, and
/// `churns[i]` says whether member `i` churns memory (see the module doc).
/// Each member first gets its batch size (untimed); then each round visits
/// every member still sampled, in an order drawn for the round (so no
/// member always follows the same one: [`order`]), discards the calls right
/// after the switch and times one batch.
///
/// **Sequential stopping.** `watched` names the ratios that must become
/// known: comparisons with a margin, settled once decided, and figures,
/// settled once within the target ([`Samples::settled`]). From
/// `min_rounds` on, at each look ([`next_look`]), a member whose every
/// watched ratio (as member or as reference) is settled is no longer
/// sampled: its rounds so far stay aligned with the others' first rounds,
/// and the rounds left go to the members still open. Sampling ends when no
/// member is left, once `cap` has passed (or up to `stretch` times it, and
/// what the run's bank lent, `banked`, for the ratios within reach of
/// settling then), or at `max_rounds`,
/// whichever comes first. The intervals are confidence sequences, so this
/// stopping leaves their 95% intact. An error or a panic of any call stops
/// the sampling and is returned.
pub fn sample(
    churns: &[bool],
    watched: &[Watched],
    sampling: &Sampling,
    call: impl FnMut(usize) -> Result<()>,
) -> Result<Samples> {
    sample_batches(Samples::default(), churns, watched, sampling, call)
}

/// [`sample`] and [`sample_again`]: batches from `earlier` on, on the
/// monotonic clock, a panic of a call turned into an error.
fn sample_batches(
    earlier: Samples,
    churns: &[bool],
    watched: &[Watched],
    sampling: &Sampling,
    call: impl FnMut(usize) -> Result<()>,
) -> Result<Samples> {
    let clock = MonotonicClock::start();
    caught(|| {
        sample_rounds(
            earlier,
            churns,
            watched,
            sampling,
            Switching::Batches,
            &clock,
            call,
        )
    })
}

/// [`sample`] with the members' calls alternating one by one
/// ([`Switching::Alternating`]), for `members` members whose calls are long
/// enough to time one at a time (microseconds, against the clock's tens of
/// nanoseconds) and that leave the machine as they found it.
pub fn sample_alternating(
    members: usize,
    watched: &[Watched],
    sampling: &Sampling,
    call: impl FnMut(usize) -> Result<()>,
) -> Result<Samples> {
    let churns = vec![false; members];
    let clock = MonotonicClock::start();
    caught(|| {
        sample_rounds(
            Samples::default(),
            &churns,
            watched,
            sampling,
            Switching::Alternating,
            &clock,
            call,
        )
    })
}

/// How a round of [`sample_rounds`] times its members.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Switching {
    /// Each member's batch back to back, after the discarded calls of the
    /// switch: the steady regime of each member on its own.
    Batches,
    /// One call of each member in turn, each timed alone, as many turns as
    /// the largest batch; a member's time in the round is the mean of its
    /// calls. Every call follows another member's call, so whatever a pool
    /// keeps between calls (a worker spinning or asleep) is the same for
    /// every member; nothing is discarded. On the seed on a rayon pool of
    /// one thread, batches read parbench's call at 0.89x to 1.24x the
    /// hand-written one from run to run, alternating 0.95x to 1.17x: fair by
    /// construction, not enough alone (see `harness_overhead`'s pinning).
    Alternating,
}

/// [`sample`], [`sample_again`] and [`sample_alternating`], with no catch
/// around them, on `clock` (the monotonic clock; a synthetic one in the
/// coverage test), adding to `earlier` (empty but for a visit again).
fn sample_rounds(
    earlier: Samples,
    churns: &[bool],
    watched: &[Watched],
    sampling: &Sampling,
    switching: Switching,
    clock: &impl Clock,
    mut call: impl FnMut(usize) -> Result<()>,
) -> Result<Samples> {
    let members = churns.len();
    let mut samples = earlier;
    let again = !samples.members.is_empty();
    if !again {
        samples.members = vec![MemberSamples::default(); members];
    }
    if members == 0 {
        return Ok(samples);
    }
    let mut call_time = Vec::with_capacity(members);
    for (member, into) in samples.members.iter_mut().enumerate() {
        if again {
            // Its batch size stays; its time per call is its median so far.
            // One batch untimed first, as sizing the batch warmed it on the
            // first visit: the pools and the data have sat idle since.
            into.visit_starts.push(into.wall_ns.len());
            for _ in 0..into.calls_per_batch {
                call(member)?;
            }
            let median = median_of(&into.wall_ns).estimate;
            call_time.push(Duration::from_nanos(median.max(0.0) as u64));
            continue;
        }
        let (calls, took) = batch_size(sampling.batch, clock, || call(member))?;
        into.calls_per_batch = calls;
        call_time.push(took / calls as u32);
    }
    // Each member's fastest single call seen: its batch time per call to begin with.
    let mut fastest = call_time.clone();
    let started = clock.now();
    // Whether the member before churns memory.
    let mut after_churn = false;
    let mut look = sampling.min_rounds;
    let mut sampled = vec![true; members];
    // Decided once, when the cap has passed: how long the set may take (the
    // cap, or `stretch` times it) and which watched ratios it still samples
    // for (those within reach of settling by then: [`within_reach`]).
    let mut stretch: Option<(Duration, Vec<bool>)> = None;
    for round in 0..sampling.max_rounds.max(1) {
        if round >= sampling.min_rounds {
            let elapsed = clock.now() - started;
            let mut look_now = round >= look;
            if elapsed >= sampling.cap && stretch.is_none() {
                let reach = within_reach(&samples, watched, sampling, elapsed);
                let limit = match reach.iter().any(|&r| r) {
                    true => sampling.stretched_cap(),
                    false => sampling.cap,
                };
                stretch = Some((limit, reach));
                look_now = true;
            }
            if stretch.as_ref().is_some_and(|(limit, _)| elapsed >= *limit) {
                break;
            }
            if look_now {
                look = next_look(round);
                let open: Vec<&Watched> = (watched.iter().enumerate())
                    .filter(|(i, _)| stretch.as_ref().is_none_or(|(_, reach)| reach[*i]))
                    .map(|(_, w)| w)
                    .filter(|w| !samples.settled(**w, sampling.target_half_width))
                    .collect();
                for (member, still) in sampled.iter_mut().enumerate() {
                    *still = open
                        .iter()
                        .any(|w| w.member == member || w.reference == member);
                }
                if open.is_empty() {
                    break;
                }
            }
        }
        if switching == Switching::Alternating {
            alternate_once(&mut samples, &sampled, clock, &mut call)?;
            continue;
        }
        for member in round_order(round, members) {
            if !sampled[member] {
                continue;
            }
            // The calls right after a switch are discarded (see the module
            // doc) until one is back near this member's fastest call.
            let settling = clock.now();
            let mut discarded = 0;
            let mut discarding = after_churn || call_time[member] < LONG_CALL;
            while discarding {
                let started = clock.now();
                call(member)?;
                let took = clock.now() - started;
                discarded += 1;
                let recovered = took.as_secs_f64() <= fastest[member].as_secs_f64() * RECOVERED;
                fastest[member] = fastest[member].min(took);
                let given_up = match after_churn {
                    true => clock.now() - settling >= MAX_SETTLE,
                    false => discarded >= MAX_WAKE_CALLS,
                };
                discarding = !(recovered || given_up);
            }
            let calls = samples.members[member].calls_per_batch;
            let cpu_before = clock.cpu_time();
            let wall = clock.now();
            for _ in 0..calls {
                call(member)?;
            }
            let wall = clock.now() - wall;
            after_churn = churns[member];
            let cpu = cpu_before.zip(clock.cpu_time()).map(|(b, a)| a - b);
            let into = &mut samples.members[member];
            into.wall_ns.push(wall.as_nanos() as f64 / calls as f64);
            if let Some(cpu) = cpu {
                into.cpu_ns.push(cpu.as_nanos() as f64 / calls as f64);
            }
        }
    }
    Ok(samples)
}

/// Which of `watched` are within reach of settling when the set's cap
/// has passed after `elapsed`: those whose rounds, grown by the factor
/// that would settle them ([`Samples::rounds_factor_to_settle`]: the time
/// grows with the rounds), fit in [`Sampling::stretched_cap`] (the bank's
/// loan included): `elapsed * factor` at most; and in a set that holds what
/// the answers quote ([`Sampling::answers`]), every comparison. The set
/// goes on for those only; the members of the others are sampled no more
/// (unless a ratio within reach needs them).
fn within_reach(
    samples: &Samples,
    watched: &[Watched],
    sampling: &Sampling,
    elapsed: Duration,
) -> Vec<bool> {
    let target = sampling.target_half_width;
    let stretched = sampling.stretched_cap().as_secs_f64();
    watched
        .iter()
        .map(|w| {
            (sampling.answers && w.margin.is_some())
                || elapsed.as_secs_f64() * samples.rounds_factor_to_settle(*w, target) <= stretched
        })
        .collect()
}

/// One round of [`Switching::Alternating`]: the `sampled` members' calls in
/// turn, each timed alone, as many turns as the largest of their batches.
fn alternate_once(
    samples: &mut Samples,
    sampled: &[bool],
    clock: &impl Clock,
    call: &mut impl FnMut(usize) -> Result<()>,
) -> Result<()> {
    let turns = (samples.members.iter().zip(sampled))
        .filter(|(_, sampled)| **sampled)
        .map(|(m, _)| m.calls_per_batch)
        .max()
        .unwrap_or(0);
    let mut total = vec![Duration::ZERO; sampled.len()];
    for _ in 0..turns {
        for (member, _) in sampled.iter().enumerate().filter(|(_, s)| **s) {
            let started = clock.now();
            call(member)?;
            total[member] += clock.now() - started;
        }
    }
    for (member, _) in sampled.iter().enumerate().filter(|(_, s)| **s) {
        (samples.members[member].wall_ns).push(total[member].as_nanos() as f64 / turns as f64);
    }
    Ok(())
}

/// The share of `calls` slower than [`SLOW_CALL`] times the fastest.
pub fn slow_call_share(calls: &[f64]) -> Option<f64> {
    let fastest = calls.iter().copied().min_by(f64::total_cmp)?;
    let slow = calls.iter().filter(|&&c| c > SLOW_CALL * fastest).count();
    Some(slow as f64 / calls.len() as f64)
}

/// The `q`-quantile of `values` (nearest rank), e.g. 0.9 for the p90.
pub fn quantile(values: &[f64], q: f64) -> Option<f64> {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len().max(1));
    sorted.get(rank - 1).copied()
}

/// The calls per batch that take at least `target`, and how long the last
/// trial batch took: doubles (or scales by the time seen, at most tenfold)
/// from one call until a batch is long enough.
fn batch_size(
    target: Duration,
    clock: &impl Clock,
    mut call: impl FnMut() -> Result<()>,
) -> Result<(u64, Duration)> {
    call()?; // warm: the first call of a member pays for caches and wake-ups
    let mut calls: u64 = 1;
    loop {
        let started = clock.now();
        for _ in 0..calls {
            call()?;
        }
        let took = clock.now() - started;
        if took >= target || calls >= 1 << 24 {
            return Ok((calls, took));
        }
        let scale = (target.as_secs_f64() / took.as_secs_f64().max(1e-9)).clamp(2.0, 10.0);
        calls = ((calls as f64) * scale * 1.1).ceil() as u64;
    }
}

/// [`median_interval`] of `values`, left as they are.
pub fn median_of(values: &[f64]) -> Interval {
    median_interval(&mut values.to_vec())
}

/// The median of `values` and its distribution-free 95% confidence
/// interval, for a number of values fixed in advance (the intermittent
/// calls, Python's rounds, pooled estimates): a sampler that stops on what
/// it sees uses [`median_sequence`] instead. The order statistics at ranks
/// k and n + 1 - k, with k the largest rank such that a Binomial(n, 1/2)
/// falls below k with probability at most 2.5%. Below 6 values no rank
/// qualifies and the interval is the min and max (coverage 1 - 2^(1-n)).
/// Sorts `values`; NaN-free input.
pub fn median_interval(values: &mut [f64]) -> Interval {
    median_between_ranks(values, lower_rank)
}

/// The median of `values` between the order statistics at ranks k and
/// n + 1 - k, with k = `lower_rank(n)` (at least 1: the min and max).
/// Sorts `values`; NaN-free input.
fn median_between_ranks(values: &mut [f64], lower_rank: fn(usize) -> usize) -> Interval {
    let n = values.len();
    if n == 0 {
        return Interval::exact(f64::NAN);
    }
    values.sort_by(f64::total_cmp);
    let median = if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    };
    let k = lower_rank(n).max(1);
    Interval {
        estimate: median,
        lower: values[k - 1],
        upper: values[n - k],
    }
}

/// The largest k (1-based, 0 if none) with P(Binomial(n, 1/2) <= k - 1) <= 0.025.
fn lower_rank(n: usize) -> usize {
    // pmf in log space: 2^-n underflows beyond n = 1074.
    let ln_half_n = n as f64 * 0.5f64.ln();
    let mut ln_pmf = ln_half_n; // P(X = 0)
    let mut cdf = 0.0;
    let mut k = 0;
    for j in 0..n {
        cdf += ln_pmf.exp();
        if cdf > 0.025 {
            break;
        }
        k = j + 1;
        ln_pmf += ((n - j) as f64 / (j + 1) as f64).ln();
    }
    k
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_interval_uses_binomial_ranks() {
        assert_eq!(lower_rank(5), 0, "5 values cannot bound the median at 95%");
        assert_eq!(lower_rank(6), 1);
        assert_eq!(lower_rank(9), 2);
        assert_eq!(lower_rank(20), 6);
        // Large n: about n/2 - 0.98 sqrt(n), without underflow.
        let k = lower_rank(2000);
        assert!((955..=957).contains(&k), "{k}");
        let mut values: Vec<f64> = (1..=20).rev().map(f64::from).collect();
        let i = median_interval(&mut values);
        assert_eq!((i.lower, i.estimate, i.upper), (6.0, 10.5, 15.0));
        let mut few = vec![3.0, 1.0, 2.0];
        let i = median_interval(&mut few);
        assert_eq!((i.lower, i.estimate, i.upper), (1.0, 2.0, 3.0));
    }

    #[test]
    fn intervals_invert_into_speedups() {
        let ratio = Interval {
            estimate: 0.5,
            lower: 0.4,
            upper: 0.625,
        };
        let speedup = ratio.inverse();
        assert_eq!(
            (speedup.lower, speedup.estimate, speedup.upper),
            (1.6, 2.0, 2.5)
        );
        assert!(speedup.is_valid() && speedup.contains(2.0) && !speedup.contains(1.0));
        assert!(!Interval::exact(f64::NAN).is_valid());
    }

    #[test]
    fn ratios_come_from_the_same_rounds() {
        // Member 1 is always twice member 0 within a round, while the
        // rounds themselves drift by 3x: the ratio sees no drift.
        let samples = Samples {
            members: vec![
                MemberSamples {
                    calls_per_batch: 1,
                    wall_ns: vec![100.0, 200.0, 300.0, 150.0, 120.0, 250.0],
                    cpu_ns: vec![100.0; 6],
                    visit_starts: Vec::new(),
                },
                MemberSamples {
                    calls_per_batch: 1,
                    wall_ns: vec![200.0, 400.0, 600.0, 300.0, 240.0, 500.0],
                    cpu_ns: vec![400.0, 800.0, 1200.0, 600.0, 480.0, 1000.0],
                    visit_starts: Vec::new(),
                },
            ],
        };
        assert_eq!(samples.rounds(), 6);
        assert_eq!(samples.time_ratio(1, 0), Interval::exact(2.0));
        assert_eq!(samples.speedup(0, 1), Interval::exact(2.0));
        assert_eq!(samples.speedup(1, 1), Interval::exact(1.0));
        let (cpu, wall) = (samples.cpu_per_call_ns(1).unwrap(), samples.mean_wall_ns(1));
        assert_eq!(cpu, 4480.0 / 6.0);
        assert!((cpu / wall - 2.0).abs() < 1e-12, "two cores busy");
    }

    #[test]
    fn cores_beyond_the_speedup_come_round_by_round() {
        // The sequential loop (member 0) drifts by 3x across the rounds;
        // member 1 is 1.6x faster in each round and keeps 2 cores busy:
        // 0.4 cores beyond its speedup in every round, whatever the drift.
        let sequential = [100.0, 300.0, 160.0, 240.0, 120.0, 200.0, 280.0, 140.0];
        let wall: Vec<f64> = sequential.iter().map(|s| s / 1.6).collect();
        let samples = Samples {
            members: vec![
                MemberSamples {
                    calls_per_batch: 1,
                    wall_ns: sequential.to_vec(),
                    cpu_ns: sequential.to_vec(),
                    visit_starts: Vec::new(),
                },
                MemberSamples {
                    calls_per_batch: 1,
                    cpu_ns: wall.iter().map(|w| 2.0 * w).collect(),
                    wall_ns: wall,
                    visit_starts: Vec::new(),
                },
            ],
        };
        let beyond = samples.cores_beyond_speedup(1, 0).unwrap();
        for x in [beyond.estimate, beyond.lower, beyond.upper] {
            assert!((x - 0.4).abs() < 1e-12, "{beyond:?}");
        }
        // One round where the member was 4x slower and its 2 cores spun:
        // its cores busy stay 2, its speedup falls to 0.4. The median moves
        // little; the bound takes it in once rounds are few.
        let mut slowed = samples.clone();
        slowed.members[1].wall_ns[3] *= 4.0;
        slowed.members[1].cpu_ns[3] *= 4.0;
        let beyond = slowed.cores_beyond_speedup(1, 0).unwrap();
        assert!((beyond.estimate - 0.4).abs() < 1e-12, "{beyond:?}");
        assert!(
            beyond.upper >= 1.6 - 1e-12,
            "8 rounds bound by their range: {beyond:?}"
        );
        // No process CPU clock: no figure.
        let mut no_clock = samples;
        no_clock.members[1].cpu_ns.clear();
        assert_eq!(no_clock.cores_beyond_speedup(1, 0), None);
    }

    #[test]
    fn a_visit_again_pairs_its_own_rounds_and_its_interval_spans_the_visits() {
        // Member 1 left the first visit after 2 of member 0's 4 rounds; in
        // the second, both had 3. Member 1 is twice member 0 in the first
        // visit and three times in the second: no round of one visit is
        // paired with a round of the other.
        let samples = Samples {
            members: vec![
                MemberSamples {
                    calls_per_batch: 1,
                    wall_ns: vec![100.0, 110.0, 120.0, 130.0, 100.0, 100.0, 100.0],
                    cpu_ns: Vec::new(),
                    visit_starts: vec![4],
                },
                MemberSamples {
                    calls_per_batch: 1,
                    wall_ns: vec![200.0, 220.0, 300.0, 300.0, 300.0],
                    cpu_ns: Vec::new(),
                    visit_starts: vec![2],
                },
            ],
        };
        assert_eq!(samples.visits(), 2);
        assert_eq!(samples.paired_rounds(0, 1), 5);
        assert_eq!(samples.round_ratios(1, 0), vec![2.0, 2.0, 3.0, 3.0, 3.0]);
        assert_eq!(samples.speedup_by_visit(0, 1), vec![2.0, 3.0]);
        // Five rounds bound nothing: the range, which holds both visits.
        let ratio = samples.time_ratio(1, 0);
        assert_eq!((ratio.lower, ratio.upper), (2.0, 3.0));
        // A pooled interval narrower than the visits' spread is widened
        // to take in each visit's median; one visit leaves it as it is.
        let pooled = Interval {
            estimate: 2.5,
            lower: 2.4,
            upper: 2.6,
        };
        let visits = [vec![2.0, 2.1, 1.9], vec![3.0, 3.1], Vec::new()];
        let widened = covering_visits(pooled, &visits);
        assert_eq!(
            (widened.estimate, widened.lower, widened.upper),
            (2.5, 2.0, 3.05)
        );
        assert_eq!(covering_visits(pooled, &visits[..1]), pooled);
    }

    /// Six rounds of tiny batches: any interval is within the target, and
    /// the cap is spent at once.
    fn six_rounds() -> Sampling {
        Sampling {
            batch: Duration::from_micros(1),
            target_half_width: f64::INFINITY,
            cap: Duration::ZERO,
            churning_cap: Duration::ZERO,
            stretch: 1.0,
            min_rounds: 6,
            max_rounds: 400,
            banked: Duration::ZERO,
            answers: false,
        }
    }

    #[test]
    fn sample_visits_every_member_and_discards_after_each_switch() {
        let mut calls = [0u64; 3];
        let mut order = Vec::new();
        let sampling = six_rounds();
        let samples = sample(&[false; 3], &speedups_over_first(3), &sampling, |m| {
            calls[m] += 1;
            if order.last() != Some(&m) {
                order.push(m);
            }
            std::hint::black_box((0..100).sum::<u64>());
            Ok(())
        })
        .unwrap();
        assert_eq!(
            samples.rounds(),
            6,
            "stops at min_rounds once the cap is spent"
        );
        for (m, member) in samples.members.iter().enumerate() {
            assert!(member.calls_per_batch >= 1);
            assert_eq!(member.wall_ns.len(), 6);
            assert!(member.wall_ns.iter().all(|&t| t > 0.0));
            // Batch sizing, then per round one discarded call and a batch.
            assert!(calls[m] >= 6 * (member.calls_per_batch + 1));
        }
        // After sizing (0 1 2), each round in its drawn order.
        let mut drawn = vec![0, 1, 2];
        for member in (0..6).flat_map(|round| round_order(round, 3)) {
            if drawn.last() != Some(&member) {
                drawn.push(member);
            }
        }
        assert_eq!(order, drawn);
        let failed = sample(&[false; 2], &speedups_over_first(2), &sampling, |m| {
            if m == 1 {
                anyhow::bail!("member 1 broke")
            }
            Ok(())
        });
        assert!(failed.unwrap_err().to_string().contains("member 1 broke"));
    }

    #[test]
    fn alternating_sampling_takes_turns_call_by_call() {
        let mut order = Vec::new();
        let sampling = six_rounds();
        let samples = sample_alternating(3, &speedups_over_first(3), &sampling, |m| {
            order.push(m);
            std::hint::black_box((0..100 * (m as u64 + 1)).sum::<u64>());
            Ok(())
        })
        .unwrap();
        assert_eq!(samples.rounds(), 6);
        let turns = (samples.members.iter())
            .map(|m| m.calls_per_batch)
            .max()
            .unwrap() as usize;
        // After sizing the batches, every call is followed by the next
        // member's: 0 1 2 0 1 2 ..., the largest batch's turns per round.
        let sizing = order.len() - 6 * 3 * turns;
        assert!(order[sizing..].iter().enumerate().all(|(k, &m)| m == k % 3));
        assert!(
            (samples.members.iter())
                .all(|m| m.wall_ns.len() == 6 && m.wall_ns.iter().all(|&t| t > 0.0))
        );
    }

    #[test]
    fn at_the_cap_only_the_ratios_within_reach_go_on() {
        // Ten rounds: member 1 at twice the reference's speed within +-3.5%,
        // member 2 within +-20%.
        let spread = |width: f64| -> Vec<f64> {
            (0..10)
                .map(|i| 50.0 * (1.0 + width * (i as f64 / 4.5 - 1.0)))
                .collect()
        };
        let samples = Samples {
            members: vec![
                MemberSamples {
                    calls_per_batch: 1,
                    wall_ns: vec![100.0; 10],
                    cpu_ns: Vec::new(),
                    ..MemberSamples::default()
                },
                MemberSamples {
                    calls_per_batch: 1,
                    wall_ns: spread(0.035),
                    cpu_ns: Vec::new(),
                    ..MemberSamples::default()
                },
                MemberSamples {
                    calls_per_batch: 1,
                    wall_ns: spread(0.2),
                    cpu_ns: Vec::new(),
                    ..MemberSamples::default()
                },
            ],
        };
        let watched = speedups_over_first(3);
        let sampling = Sampling {
            cap: Duration::from_secs(1),
            ..Sampling::default()
        };
        let near = samples.watched_interval(watched[0]).relative_half_width();
        assert!(near > TARGET_HALF_WIDTH && near < TARGET_HALF_WIDTH * sampling.stretch.sqrt());
        let cap = sampling.cap;
        assert_eq!(
            within_reach(&samples, &watched, &sampling, cap),
            vec![true, false]
        );
        // Later, or with no target to reach, neither is.
        let late = sampling.stretched_cap();
        assert_eq!(
            within_reach(&samples, &watched, &sampling, late),
            vec![false, false]
        );
        let no_target = Sampling {
            target_half_width: -1.0,
            ..sampling
        };
        assert_eq!(
            within_reach(&samples, &watched, &no_target, cap),
            vec![false, false]
        );
        // Member 2 against member 1 (a ratio about 1 within +-16%), against a
        // 1% margin: out of reach on its projection. In a set that holds
        // what the answers quote it goes on; elsewhere it does not.
        let compared = [Watched {
            member: 2,
            reference: 1,
            margin: Some(0.01),
        }];
        assert_eq!(
            within_reach(&samples, &compared, &sampling, cap),
            vec![false]
        );
        assert_eq!(
            within_reach(&samples, &compared, &sampling.answering(true), cap),
            vec![true]
        );
    }

    #[test]
    fn sequential_stopping_stops_at_the_target_or_at_the_cap() {
        let spin = |m: usize| {
            std::hint::black_box((0..200 * (m as u64 + 1)).sum::<u64>());
            Ok(())
        };
        let sampling = Sampling {
            batch: Duration::from_micros(1),
            target_half_width: f64::INFINITY,
            cap: Duration::from_secs(3600),
            churning_cap: Duration::from_secs(3600),
            stretch: 1.0,
            min_rounds: 8,
            max_rounds: 60,
            banked: Duration::ZERO,
            answers: false,
        };
        let watched = speedups_over_first(2);
        // Any interval is within an infinite target: the first look stops.
        let reached = sample(&[false; 2], &watched, &sampling, spin).unwrap();
        assert_eq!(reached.rounds(), 8);
        assert!(reached.settled(watched[0], f64::INFINITY));
        // An unreachable target (a negative width): only max_rounds stops it.
        let never = Sampling {
            target_half_width: -1.0,
            ..sampling
        };
        assert_eq!(
            sample(&[false; 2], &watched, &never, spin)
                .unwrap()
                .rounds(),
            60
        );
        // The cap stops it, once min_rounds ran.
        let capped = Sampling {
            cap: Duration::ZERO,
            ..never
        };
        assert_eq!(
            sample(&[false; 2], &watched, &capped, spin)
                .unwrap()
                .rounds(),
            8
        );
        // A member no open ratio needs leaves at the first look; the
        // others go on, their rounds aligned from the first.
        let only_first = [Watched {
            member: 1,
            reference: 0,
            margin: None,
        }];
        let partly = sample(&[false; 3], &only_first, &never, spin).unwrap();
        assert_eq!(
            (0..3).map(|m| partly.rounds_of(m)).collect::<Vec<_>>(),
            vec![60, 60, 8]
        );
        assert_eq!(partly.rounds(), 60);
    }

    #[test]
    fn the_target_watches_each_ratio_and_a_lone_member_s_time() {
        let member = |wall_ns: Vec<f64>| MemberSamples {
            calls_per_batch: 1,
            wall_ns,
            ..MemberSamples::default()
        };
        // Member 1's ratio to member 0 is exactly 2 in every round, while
        // the rounds drift: within any target. Member 2's ratio varies by
        // ±10% (a half-width of about 10%).
        let samples = Samples {
            members: vec![
                member(vec![100.0, 200.0, 300.0, 150.0, 120.0, 250.0, 180.0, 220.0]),
                member(vec![50.0, 100.0, 150.0, 75.0, 60.0, 125.0, 90.0, 110.0]),
                member(vec![55.0, 90.0, 150.0, 82.5, 54.0, 125.0, 90.0, 110.0]),
            ],
        };
        let [first, second] = [1, 2].map(|member| Watched {
            member,
            reference: 0,
            margin: None,
        });
        assert!(samples.settled(first, 0.0));
        // Below 8 rounds the bounds are a range: nothing settles on them.
        let mut fewer = samples.clone();
        fewer.members.iter_mut().for_each(|m| m.wall_ns.truncate(7));
        assert!(!fewer.settled(first, 0.0));
        let wide = samples.watched_interval(second).relative_half_width();
        assert!((0.09..0.11).contains(&wide), "{wide}");
        assert!(!samples.settled(second, 0.02) && samples.settled(second, 0.11));
        // Between two members that are not the reference, likewise.
        let between = Watched {
            member: 2,
            reference: 1,
            margin: None,
        };
        assert!(!samples.settled(between, 0.02));
        // Alone, member 0's own times are watched: they drift by 3x.
        let alone = Samples {
            members: vec![samples.members[0].clone()],
        };
        let own = speedups_over_first(1)[0];
        assert_eq!((own.member, own.reference), (0, 0));
        assert!(!alone.settled(own, 0.02));
        // Looks are spaced by a quarter more rounds each time.
        let looks: Vec<usize> = std::iter::successors(Some(6), |&r| Some(next_look(r)))
            .take(8)
            .collect();
        assert_eq!(looks, vec![6, 8, 10, 13, 17, 22, 28, 35]);
    }

    #[test]
    fn intermittent_calls_follow_the_callers_work_and_pair_with_the_next() {
        let mut log = Vec::new();
        let sampling = IntermittentSampling {
            min_calls: 3,
            max_calls: 3,
            ..IntermittentSampling::once(Duration::ZERO, 0.10)
        };
        let samples = sample_intermittent(2, &sampling, |turn| {
            log.push(["work", "a", "b"][turn]);
            Ok(())
        })
        .unwrap();
        // With no minimum, one reference call of caller work before each
        // call, and the same member's steady call right after it.
        assert_eq!(log.len(), 18);
        assert!(
            log.chunks(3)
                .all(|turn| turn[0] == "work" && turn[1] != "work" && turn[2] == turn[1])
        );
        assert_eq!(samples.call_ns[1].len(), 3);
        assert_eq!(samples.steady_ns[1].len(), 3);
        assert_eq!(samples.reference_ns[0].len(), 3);
        let paired = IntermittentSamples {
            reference_ns: vec![vec![10.0, 10.0, 20.0]],
            call_ns: vec![vec![5.0, 10.0, 10.0]],
            steady_ns: vec![vec![5.0, 5.0, 10.0]],
            ..Default::default()
        };
        assert_eq!(paired.speedup(0).estimate, 2.0);
        assert_eq!(paired.mean_ratio(0).estimate, 1.25);
    }

    #[test]
    fn the_intermittent_sampler_stops_a_decided_member_and_goes_on_with_the_open() {
        // Member 0's calls take as long as its steady ones (decided equal
        // soon); member 1's alternate between 0.5 and 1.7 times them (a
        // mean of 1.1, at the 10% margin's edge, and wide: never decided),
        // so it runs to the most calls.
        let mut calls = [0usize; 2];
        let sampling = IntermittentSampling {
            min_calls: 20,
            max_calls: 200,
            cap: Duration::from_secs(3600),
            caller_work: Duration::ZERO,
            margin: 0.10,
        };
        let clock = SyntheticClock::start();
        let samples = intermittent::intermittent_rounds(2, &sampling, &clock, |turn| {
            let factor = match turn {
                0 => 1.0,
                _ => {
                    calls[turn - 1] += 1;
                    let n = calls[turn - 1];
                    // A call, then its steady call: odd counts are the first.
                    match (turn, n % 2 == 1, (n / 2) % 2 == 0) {
                        (2, true, true) => 0.5,
                        (2, true, false) => 1.7,
                        _ => 1.0,
                    }
                }
            };
            clock.advance(Duration::from_micros(200).mul_f64(factor));
            Ok(())
        })
        .unwrap();
        assert!(
            samples.call_ns[0].len() < 200,
            "{}",
            samples.call_ns[0].len()
        );
        assert_eq!(samples.call_ns[1].len(), 200);
        assert!(!intermittent::still_open(&samples, 0, 0.10));
    }

    #[test]
    fn slow_calls_and_quantiles() {
        let calls = [5.0, 5.1, 5.2, 9.9, 10.0, 5.0, 5.3, 5.0, 5.1, 7.4];
        assert_eq!(slow_call_share(&calls), Some(0.2), "above 7.5 = 1.5 x 5.0");
        assert_eq!(quantile(&calls, 0.5), Some(5.1));
        assert_eq!(quantile(&calls, 0.9), Some(9.9));
        assert_eq!(slow_call_share(&[]), None);
        assert_eq!(quantile(&[], 0.5), None);
    }
}
