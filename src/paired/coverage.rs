//! The coverage test of the paired sampler: does the interval it stops on
//! cover the true ratio at 95%, whatever made it stop?
//!
//! It drives the real sampler ([`super::sample_rounds`]: its batches, its
//! discarded calls after a switch, its looks, its cap and the stretch
//! beyond it, its stopping on decisions) with a synthetic clock that the
//! calls advance: member 0 takes 10 ms a call, member 1 takes `ratio`
//! times that, times a noise factor drawn per call from a known
//! distribution. Each round's time ratio is then `ratio` times one draw,
//! and the true median is known. The comparison is watched with a 2%
//! margin, as the findings' comparisons are (`Role::comparison_margin`),
//! so a trial stops as soon as its interval is decided, or at the cap.
//!
//! Per case, over [`TRIALS`] seeded trials, it checks:
//! - coverage: the stopped interval holds the true median in at least 94%;
//! - an A/A case (true ratio 1) declares a difference in at most 5%;
//! - a true ratio exactly at the margin's edge is called equal in at most 5%.
//!
//! Its figures print with `cargo test coverage -- --nocapture`.

use std::time::Duration;

use super::clock::{Clock, SyntheticClock};
use super::{Outcome, Samples, Sampling, Switching, Watched, sample_rounds};
use crate::seeded::Rng;

/// Trials per case: at least 2,000 (issue 31), so a coverage of 95% is
/// measured within about ±1% (its standard error is 0.5%).
const TRIALS: usize = 2000;

/// The margin of the watched comparison, as the findings' comparisons.
const MARGIN: f64 = 0.02;

/// The sampling of every trial: the default's batch and stretch, a cap of
/// 8 s of synthetic time (about 200 rounds of 40 ms).
fn sampling() -> Sampling {
    Sampling {
        cap: Duration::from_secs(8),
        churning_cap: Duration::from_secs(8),
        ..Sampling::default()
    }
}

/// The per-call noise of member 1's time, a factor whose median is known.
#[derive(Clone, Copy, Debug)]
enum Noise {
    /// `exp(sigma * Z)`: lognormal, median 1.
    LogNormal(f64),
    /// `exp(scale * T)` with T a Student's t with 3 degrees of freedom:
    /// heavy tails, median 1.
    StudentT3(f64),
    /// Two modes: 1 with probability `low_share`, else `1 + gap`, each
    /// with a lognormal spread of 0.5%.
    TwoModes { low_share: f64, gap: f64 },
    /// Lognormal `sigma` around a median that drifts geometrically by
    /// `total` across the cap: the host changing under a set.
    Drift { sigma: f64, total: f64 },
}

const MODE_SPREAD: f64 = 0.005;

impl Noise {
    /// One draw, `progress` of the way through the cap.
    fn draw(self, rng: &mut Rng, progress: f64) -> f64 {
        match self {
            Noise::LogNormal(sigma) => (sigma * rng.normal()).exp(),
            Noise::StudentT3(scale) => {
                let chi2: f64 = (0..3).map(|_| rng.normal().powi(2)).sum();
                (scale * rng.normal() / (chi2 / 3.0).sqrt()).exp()
            }
            Noise::TwoModes { low_share, gap } => {
                let centre = match rng.uniform() < low_share {
                    true => 1.0,
                    false => 1.0 + gap,
                };
                centre * (MODE_SPREAD * rng.normal()).exp()
            }
            Noise::Drift { sigma, total } => {
                (1.0 + total).powf(progress) * (sigma * rng.normal()).exp()
            }
        }
    }

    /// The true median of the per-round factor for a trial that sampled
    /// for `progress` of the cap. For the drift, the median of all the
    /// rounds' distributions pooled: rounds come evenly in time and the
    /// drift is geometric, so it is the factor halfway (exact in log
    /// space, where the noise is symmetric).
    fn median(self, progress: f64) -> f64 {
        match self {
            Noise::LogNormal(_) | Noise::StudentT3(_) => 1.0,
            Noise::TwoModes { low_share, gap } => {
                // Solve low_share * Φ(ln q / s) + (1 - low_share) *
                // Φ((ln q - ln(1 + gap)) / s) = 1/2 by bisection.
                let pooled = |q: f64| {
                    let (a, b) = (q.ln() / MODE_SPREAD, (q / (1.0 + gap)).ln() / MODE_SPREAD);
                    low_share * normal_cdf(a) + (1.0 - low_share) * normal_cdf(b)
                };
                let (mut low, mut high) = (0.9, 1.0 + gap + 0.1);
                for _ in 0..100 {
                    let mid = (low + high) / 2.0;
                    match pooled(mid) < 0.5 {
                        true => low = mid,
                        false => high = mid,
                    }
                }
                (low + high) / 2.0
            }
            Noise::Drift { total, .. } => (1.0 + total).powf(progress / 2.0),
        }
    }
}

/// Φ, the standard normal CDF (Abramowitz & Stegun 7.1.26, error below
/// 1.5e-7).
fn normal_cdf(x: f64) -> f64 {
    let z = x.abs() / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + 0.327_591_1 * z);
    let poly = t
        * (0.254_829_592
            + t * (-0.284_496_736
                + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
    let erf = 1.0 - poly * (-z * z).exp();
    match x >= 0.0 {
        true => 0.5 * (1.0 + erf),
        false => 0.5 * (1.0 - erf),
    }
}

/// How a trial's comparison is watched: decided against [`MARGIN`] (a
/// comparison an answer makes), or until its interval is within the
/// target, [`super::TARGET_HALF_WIDTH`] (a figure: a speedup).
#[derive(Clone, Copy, Debug, PartialEq)]
enum Stop {
    OnDecision,
    OnWidth,
}

/// What one trial ended with.
struct Trial {
    covered: bool,
    outcome: Outcome,
    rounds: usize,
}

/// One trial: the real sampler on the synthetic clock, member 1 at `ratio`
/// times member 0 with `noise`, stopped by `stop`.
fn trial(ratio: f64, noise: Noise, stop: Stop, seed: u64) -> Trial {
    let sampling = sampling();
    let clock = SyntheticClock::start();
    let mut rng = Rng(seed);
    let base = Duration::from_millis(10);
    let cap = sampling.cap.as_secs_f64();
    let watched = [Watched {
        member: 1,
        reference: 0,
        margin: (stop == Stop::OnDecision).then_some(MARGIN),
    }];
    let samples = sample_rounds(
        Samples::default(),
        &[false, false],
        &watched,
        &sampling,
        Switching::Batches,
        &clock,
        |member| {
            let took = match member {
                0 => base,
                _ => {
                    let progress = clock.now().as_secs_f64() / cap;
                    base.mul_f64(ratio * noise.draw(&mut rng, progress))
                }
            };
            clock.advance(took);
            Ok(())
        },
    )
    .expect("synthetic calls do not fail");
    let interval = samples.time_ratio(1, 0);
    let truth = ratio * noise.median(clock.now().as_secs_f64() / cap);
    Trial {
        covered: interval.contains(truth),
        outcome: Outcome::of(&interval, MARGIN),
        rounds: samples.rounds(),
    }
}

/// [`TRIALS`] seeded trials of one case, over both cores.
fn trials(ratio: f64, noise: Noise, stop: Stop, case: u64) -> Vec<Trial> {
    seeded_trials(case, |seed| trial(ratio, noise, stop, seed))
}

/// `trial` with [`TRIALS`] seeds of `case`, over both cores.
fn seeded_trials<T: Send>(case: u64, trial: impl Fn(u64) -> T + Sync) -> Vec<T> {
    let seeds: Vec<u64> = (0..TRIALS as u64).map(|t| case << 32 | t).collect();
    let trial = &trial;
    std::thread::scope(|scope| {
        let handles: Vec<_> = seeds
            .chunks(TRIALS.div_ceil(2))
            .map(|chunk| {
                scope.spawn(move || chunk.iter().map(|&seed| trial(seed)).collect::<Vec<T>>())
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("a trial thread panicked"))
            .collect::<Vec<T>>()
    })
}

fn share(trials: &[Trial], holds: impl Fn(&Trial) -> bool) -> f64 {
    trials.iter().filter(|t| holds(t)).count() as f64 / trials.len() as f64
}

#[test]
fn the_stopped_interval_covers_the_true_ratio_and_decisions_err_rarely() {
    // A true ratio of 1.03, 1.5 margins from 1, so most trials look many
    // times before their interval leaves the margin's edge behind; the two
    // modes at 0.99 and 1.05, either side of the margin's edge. Each case
    // stopped on its decision, and the two that broke the old rule (two
    // modes of similar weight, and plain noise) on the width target too.
    let two_modes = |low_share| Noise::TwoModes {
        low_share,
        gap: 0.06,
    };
    let drift = Noise::Drift {
        sigma: 0.03,
        total: 0.05,
    };
    let cases: [(&str, f64, Noise, Stop); 9] = [
        (
            "lognormal 1%",
            1.03,
            Noise::LogNormal(0.01),
            Stop::OnDecision,
        ),
        (
            "lognormal 3%",
            1.03,
            Noise::LogNormal(0.03),
            Stop::OnDecision,
        ),
        (
            "lognormal 6%",
            1.03,
            Noise::LogNormal(0.06),
            Stop::OnDecision,
        ),
        (
            "Student's t3, scale 2%",
            1.03,
            Noise::StudentT3(0.02),
            Stop::OnDecision,
        ),
        (
            "two modes 70/30, 6% apart",
            0.99,
            two_modes(0.7),
            Stop::OnDecision,
        ),
        (
            "two modes 55/45, 6% apart",
            0.99,
            two_modes(0.55),
            Stop::OnDecision,
        ),
        ("drift of 5% across the cap", 1.03, drift, Stop::OnDecision),
        (
            "two modes 55/45, width target",
            0.99,
            two_modes(0.55),
            Stop::OnWidth,
        ),
        (
            "lognormal 3%, width target",
            1.03,
            Noise::LogNormal(0.03),
            Stop::OnWidth,
        ),
    ];
    let mut failures = Vec::new();
    let mut early_checked = 0;
    for (case, (name, ratio, noise, stop)) in cases.into_iter().enumerate() {
        let done = trials(ratio, noise, stop, case as u64);
        let covered = share(&done, |t| t.covered);
        let decided = share(&done, |t| t.outcome.is_decided());
        let mut rounds: Vec<usize> = done.iter().map(|t| t.rounds).collect();
        rounds.sort_unstable();
        println!(
            "{name}: coverage {:.1}%, decided {:.1}%, median rounds {}",
            covered * 100.0,
            decided * 100.0,
            rounds[rounds.len() / 2]
        );
        if covered < 0.94 {
            failures.push(format!("{name}: coverage {:.1}% < 94%", covered * 100.0));
        }
        // The trials that stopped on a decision are where optional
        // stopping bites: their coverage on its own, where they are many.
        let stopped: Vec<&Trial> = (done.iter())
            .filter(|t| stop == Stop::OnDecision && t.outcome.is_decided())
            .collect();
        if stopped.len() >= TRIALS / 10 {
            early_checked += 1;
            let covered =
                stopped.iter().filter(|t| t.covered).count() as f64 / stopped.len() as f64;
            println!(
                "    stopped on a decision: {} trials, coverage {:.1}%",
                stopped.len(),
                covered * 100.0
            );
            if covered < 0.94 {
                failures.push(format!(
                    "{name}: stopped early, coverage {:.1}% < 94%",
                    covered * 100.0
                ));
            }
        }
    }
    // Not vacuous: most cases stopped on decisions often enough to check.
    assert!(
        early_checked >= 5,
        "only {early_checked} cases stopped early often enough"
    );
    // A/A: the true ratio is 1; a difference beyond the margin is false.
    let same = trials(1.0, Noise::LogNormal(0.03), Stop::OnDecision, 100);
    let false_difference = share(&same, |t| {
        matches!(t.outcome, Outcome::Slower | Outcome::Faster)
    });
    println!(
        "A/A, lognormal 3%: a difference declared in {:.2}%, equal in {:.1}%",
        false_difference * 100.0,
        share(&same, |t| t.outcome == Outcome::Equal) * 100.0
    );
    if false_difference > 0.05 {
        failures.push(format!(
            "A/A: a difference in {:.1}% > 5%",
            false_difference * 100.0
        ));
    }
    // At the margin's edge: equal is false (and so is slower).
    let edge = trials(1.0 + MARGIN, Noise::LogNormal(0.03), Stop::OnDecision, 101);
    let false_equal = share(&edge, |t| t.outcome == Outcome::Equal);
    println!(
        "at the margin (1.02), lognormal 3%: equal declared in {:.2}%, coverage {:.1}%",
        false_equal * 100.0,
        share(&edge, |t| t.covered) * 100.0
    );
    if false_equal > 0.05 {
        failures.push(format!(
            "at the margin: equal in {:.1}% > 5%",
            false_equal * 100.0
        ));
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn a_decided_comparison_stops_at_once_and_one_at_the_margin_s_edge_runs_to_the_cap() {
    // 50% slower within 1%: decided at the first look (8 rounds).
    let clear = trial(1.5, Noise::LogNormal(0.01), Stop::OnDecision, 7);
    assert_eq!((clear.outcome, clear.rounds), (Outcome::Slower, 8));
    // As clear a figure, but watched for its width: the first look that
    // finds it within the target.
    let figure = trial(1.5, Noise::LogNormal(0.01), Stop::OnWidth, 7);
    assert!(figure.rounds >= 8 && figure.covered);
    // Exactly at the margin's edge: never decided, so the cap (and no
    // stretch: it is never within reach) ends it, at 8 s of 40 ms rounds.
    let edge = trial(1.0 + MARGIN, Noise::LogNormal(0.01), Stop::OnDecision, 7);
    assert_eq!(edge.outcome, Outcome::Undecided);
    assert!((180..=220).contains(&edge.rounds), "{}", edge.rounds);
}

/// A set visited twice ([`super::sample_again`]): member 1 at `ratio`
/// times member 0 in the first visit and `ratio * (1 + step)` in the
/// second (the host moved between them), lognormal noise `sigma` within
/// each, watched against [`MARGIN`]. Returns the interval the second visit
/// stopped on, and the rounds of each visit.
fn two_visits(ratio: f64, step: f64, sigma: f64, seed: u64) -> (super::Interval, [usize; 2]) {
    let (first, again) = (
        sampling().first_of_two_visits(),
        sampling().visiting_again(),
    );
    let clock = SyntheticClock::start();
    let mut rng = Rng(seed);
    let base = Duration::from_millis(10);
    let watched = [Watched {
        member: 1,
        reference: 0,
        margin: Some(MARGIN),
    }];
    let mut visit = |earlier: Samples, sampling: &Sampling, ratio: f64| {
        sample_rounds(
            earlier,
            &[false, false],
            &watched,
            sampling,
            Switching::Batches,
            &clock,
            |member| {
                let factor = match member {
                    0 => 1.0,
                    _ => ratio * (sigma * rng.normal()).exp(),
                };
                clock.advance(base.mul_f64(factor));
                Ok(())
            },
        )
        .expect("synthetic calls do not fail")
    };
    let visited = visit(Samples::default(), &first, ratio);
    let rounds = visited.rounds();
    let visited = visit(visited, &again, ratio * (1.0 + step));
    (
        visited.time_ratio(1, 0),
        [rounds, visited.rounds() - rounds],
    )
}

#[test]
fn two_visits_that_disagree_give_an_interval_that_spans_them() {
    // The host moved by 5% between the visits: 1.03 in the first, 1.0815
    // in the second, 3% noise within each. The run's value is halfway
    // (in log space); the interval covers it at 3% noise, and at 1%,
    // where each visit alone is decided within a few rounds and the
    // pooled rounds of two unequal visits lean to the longer one.
    let (ratio, step) = (1.03, 0.05);
    let halfway = ratio * (1.0f64 + step).sqrt();
    for (case, sigma) in [(500, 0.03), (501, 0.01)] {
        let runs = seeded_trials(case, |seed| two_visits(ratio, step, sigma, seed));
        let covered = runs.iter().filter(|(i, _)| i.contains(halfway)).count();
        let coverage = covered as f64 / runs.len() as f64;
        let second: Vec<usize> = runs.iter().map(|(_, r)| r[1]).collect();
        println!(
            "two visits 5% apart, lognormal {}%: coverage of halfway {:.1}%, the second \
             visit's rounds {}-{}",
            sigma * 100.0,
            coverage * 100.0,
            second.iter().min().unwrap(),
            second.iter().max().unwrap()
        );
        assert!(
            coverage >= 0.94,
            "{sigma}: coverage {:.1}%",
            coverage * 100.0
        );
    }
    // Visits that agree: the first decides at its first look from 8
    // rounds, the fewest that bound the median (its looks: 4, 5, 7, 9);
    // the second stops at its first look, decided again.
    let (interval, rounds) = two_visits(1.5, 0.0, 0.01, 7);
    assert_eq!(rounds, [9, super::sampling::VISIT_ROUNDS]);
    assert_eq!(Outcome::of(&interval, MARGIN), Outcome::Slower);
}

/// How an intermittent call's time is drawn against its steady call's, in
/// [`intermittent_trial`]: the factor of each kind, whose mean is known.
#[derive(Clone, Copy, Debug)]
enum CallNoise {
    /// Lognormal spread `sigma` on the call after the caller's work, 3% on
    /// the steady call.
    LogNormal(f64),
    /// A share of the calls after the caller's work in a slow mode `slow`
    /// times as long (a pool woken from its sleep), each kind with a 3%
    /// lognormal spread.
    SlowMode { share: f64, slow: f64 },
    /// 5% of the calls after the caller's work stall for an exponential
    /// time of mean twice the call (a preempted thread), 3% spread beside.
    Stalls,
}

const STEADY_SPREAD: f64 = 0.03;
const STALL_SHARE: f64 = 0.05;
const STALL_MEAN: f64 = 2.0;

impl CallNoise {
    /// One call after the caller's work, as a factor of the base time.
    fn call(self, rng: &mut Rng) -> f64 {
        let spread = |rng: &mut Rng, sigma: f64| (sigma * rng.normal()).exp();
        match self {
            CallNoise::LogNormal(sigma) => spread(rng, sigma),
            CallNoise::SlowMode { share, slow } => {
                let mode = if rng.uniform() < share { slow } else { 1.0 };
                mode * spread(rng, STEADY_SPREAD)
            }
            CallNoise::Stalls => {
                let stall = match rng.uniform() < STALL_SHARE {
                    true => -STALL_MEAN * (1.0 - rng.uniform()).ln(),
                    false => 0.0,
                };
                (1.0 + stall) * spread(rng, STEADY_SPREAD)
            }
        }
    }

    /// The mean of [`CallNoise::call`] over the steady call's mean: the
    /// true ratio of means at a scale of 1.
    fn mean_ratio(self) -> f64 {
        let lognormal_mean = |sigma: f64| (sigma * sigma / 2.0).exp();
        let call = match self {
            CallNoise::LogNormal(sigma) => lognormal_mean(sigma),
            CallNoise::SlowMode { share, slow } => {
                (1.0 - share + share * slow) * lognormal_mean(STEADY_SPREAD)
            }
            CallNoise::Stalls => (1.0 + STALL_SHARE * STALL_MEAN) * lognormal_mean(STEADY_SPREAD),
        };
        call / lognormal_mean(STEADY_SPREAD)
    }
}

/// The intermittent question's margin, as the findings' (`INTERMITTENT_LOSS`).
const INTERMITTENT_MARGIN: f64 = crate::roles::INTERMITTENT_LOSS;

/// One trial of the real intermittent sampler on the synthetic clock: the
/// caller's work 10 ms, a steady call of 5 ms, the call after the work
/// `noise` scaled so that the true ratio of their means is `truth`; the
/// default profile's calls, stopped on the decision (no time cap).
fn intermittent_trial(truth: f64, noise: CallNoise, seed: u64) -> Trial {
    let sampling = super::IntermittentSampling {
        cap: Duration::from_secs(3600),
        ..crate::profile::Profile::Default.intermittent_sampling(Duration::from_millis(10))
    };
    let clock = SyntheticClock::start();
    let mut rng = Rng(seed);
    let scale = truth / noise.mean_ratio();
    let base = Duration::from_millis(5);
    // Each member call alternates: the call after the work, then its steady call.
    let mut after_work = false;
    let samples = super::intermittent::intermittent_rounds(1, &sampling, &clock, |turn| {
        let took = match turn {
            0 => {
                after_work = true;
                Duration::from_millis(10)
            }
            _ if after_work => {
                after_work = false;
                base.mul_f64(scale * noise.call(&mut rng))
            }
            _ => base.mul_f64((STEADY_SPREAD * rng.normal()).exp()),
        };
        clock.advance(took);
        Ok(())
    })
    .expect("synthetic calls do not fail");
    let interval = samples.mean_ratio(0);
    Trial {
        covered: interval.contains(truth),
        outcome: Outcome::of(&interval, INTERMITTENT_MARGIN),
        rounds: samples.call_ns[0].len(),
    }
}

#[test]
fn the_intermittent_mean_ratio_covers_however_its_sampling_stopped() {
    // True ratios of means 1.05 (half the margin: most trials look several
    // times) and 1.30 (clearly slower: stopped at the first looks), on
    // skewed calls: a slow mode, rare long stalls. Each case's least
    // coverage: 94%, but for the rare stalls, whose mean no number of
    // calls fixed in advance sees for sure (5% of calls: none in 60 calls
    // in 4.6% of trials, one or two in 19%): there the sequence, which
    // rests on the calls' spread so far, covered in 80% of trials at 60
    // calls (54% at 20, 72% at 40), and the test holds it to 75%.
    let cases: [(&str, f64, CallNoise, f64); 5] = [
        ("lognormal 5%", 1.05, CallNoise::LogNormal(0.05), 0.94),
        ("lognormal 20%", 1.05, CallNoise::LogNormal(0.20), 0.94),
        (
            "slow mode: 30% at 1.8x",
            1.05,
            CallNoise::SlowMode {
                share: 0.3,
                slow: 1.8,
            },
            0.94,
        ),
        (
            "stalls: 5% of calls, mean 2x",
            1.05,
            CallNoise::Stalls,
            0.75,
        ),
        (
            "slow mode: 50% at 2x",
            1.30,
            CallNoise::SlowMode {
                share: 0.5,
                slow: 2.0,
            },
            0.94,
        ),
    ];
    let run = |truth: f64, noise: CallNoise, case: u64| -> Vec<Trial> {
        (0..TRIALS as u64)
            .map(|t| intermittent_trial(truth, noise, 1 << 40 | case << 32 | t))
            .collect()
    };
    let mut failures = Vec::new();
    for (case, (name, truth, noise, least)) in cases.into_iter().enumerate() {
        let done = run(truth, noise, case as u64);
        let covered = share(&done, |t| t.covered);
        let mut rounds: Vec<usize> = done.iter().map(|t| t.rounds).collect();
        rounds.sort_unstable();
        println!(
            "intermittent, {name}, true {truth}: coverage {:.1}%, decided {:.1}%, median calls {}",
            covered * 100.0,
            share(&done, |t| t.outcome.is_decided()) * 100.0,
            rounds[rounds.len() / 2]
        );
        if covered < least {
            failures.push(format!(
                "{name}: coverage {:.1}% < {:.0}%",
                covered * 100.0,
                least * 100.0
            ));
        }
    }
    // A/A (the same mean) with a slow mode on the side after the work
    // balanced by a faster rest: a loss or a gain beyond the margin is false.
    let same = run(
        1.0,
        CallNoise::SlowMode {
            share: 0.3,
            slow: 1.8,
        },
        10,
    );
    let false_difference = share(&same, |t| {
        matches!(t.outcome, Outcome::Slower | Outcome::Faster)
    });
    // At the margin's edge (1.10): "keeps its steady speed" is false.
    let edge = run(
        1.0 + INTERMITTENT_MARGIN,
        CallNoise::SlowMode {
            share: 0.3,
            slow: 1.8,
        },
        11,
    );
    let false_equal = share(&edge, |t| t.outcome == Outcome::Equal);
    println!(
        "intermittent A/A: a difference declared in {:.2}%, equal in {:.1}%; at the margin \
         (1.10): equal declared in {:.2}%",
        false_difference * 100.0,
        share(&same, |t| t.outcome == Outcome::Equal) * 100.0,
        false_equal * 100.0
    );
    if false_difference > 0.05 {
        failures.push(format!(
            "A/A: a difference in {:.1}% > 5%",
            false_difference * 100.0
        ));
    }
    if false_equal > 0.05 {
        failures.push(format!(
            "at the margin: equal in {:.1}% > 5%",
            false_equal * 100.0
        ));
    }
    // Not vacuous: the clearly slower case is decided, and early.
    let clear = run(
        1.30,
        CallNoise::SlowMode {
            share: 0.5,
            slow: 2.0,
        },
        12,
    );
    assert!(share(&clear, |t| t.outcome == Outcome::Slower) > 0.9);
    assert!(failures.is_empty(), "{failures:#?}");
}
