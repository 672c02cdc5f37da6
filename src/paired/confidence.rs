//! The median's confidence sequence: a 95% interval that holds at every
//! number of rounds at once, so the sampler may look after any round, stop
//! on any rule (a decision, a width, a cap), and the interval it stops on
//! still covers the true median with 95% probability.
//!
//! A fixed-sample interval ([`super::median_interval`]) covers at 95% only
//! for a number of rounds fixed in advance. Looked at again and again, and
//! stopped when it happens to be narrow or decisive, it covers less: a
//! simulation of the previous rule (looks at 6 rounds then every 25% more,
//! stop at a 2% half-width) covered in 90% of trials for two modes of
//! similar weight (issue 31).
//!
//! **Method**: the confidence sequence for a fixed quantile of Howard &
//! Ramdas (2022, "Sequential estimation of quantiles with applications to
//! A/B-testing and best-arm identification", Bernoulli 28(3), section 3),
//! with the beta-binomial mixture at the uniform prior. For a candidate
//! median `q`, each round's value falls at or below `q` with probability
//! 1/2 if `q` is the true median (a continuous distribution: ratios of
//! times). Against that, the uniform mixture over the other probabilities
//! `p` gives, after `t` rounds of which `k` fell at or below `q`, the
//! likelihood ratio `M = 2^t / ((t + 1) * C(t, k))`: a nonnegative
//! martingale of mean 1 under the null, so by Ville's inequality it ever
//! reaches 1/α with probability at most α. The sequence is every `q` whose
//! `M` is below 1/α: an interval between two order statistics, like the
//! fixed-sample one, with ranks further out. It assumes only independent
//! rounds from one distribution; the coverage test
//! (`src/paired/coverage.rs`) checks it, through the real sampler, under
//! heavy tails, two modes and a slow drift as well.
//!
//! **Its price** is width: about 1.3 to 1.7 times the fixed-sample
//! interval's rank distance from the median between 12 and 320 rounds
//! (1.8 at 2,000), so about twice the rounds for the same width. In exchange the sampler
//! may stop a comparison the moment it is decided ([`super::decision`]),
//! which saves more than that on every comparison far from its margin.
//! Below [`super::MIN_VALUES_FOR_INTERVAL`] rounds (8) it bounds nothing,
//! and the min and max are given as a range instead.

use super::Interval;

/// The confidence level's complement: the chance that the sequence ever
/// leaves out the true median, over all rounds at once.
pub const ALPHA: f64 = 0.05;

/// The median of `values` and its time-uniform 95% confidence interval
/// (see the module doc). Below the fewest rounds that bound the median
/// ([`fewest_bounding_rounds`]), the min and max: a range, with less than
/// 95% coverage. Sorts `values`; NaN-free input.
pub fn median_sequence(values: &mut [f64]) -> Interval {
    // Counts k of rounds at or below q that keep q in the sequence: k in
    // lo..=hi. q in [x_(k), x_(k+1)) has k at or below it, so the
    // sequence is [x_(lo), x_(hi + 1)); hi = n - lo by symmetry.
    super::median_between_ranks(values, lowest_kept_count)
}

/// The smallest count `k` of `n` rounds at or below a candidate median
/// that keeps it in the sequence: `ln M(n, k) < ln(1/α)` with
/// `M = 2^n / ((n + 1) C(n, k))`. 0 where even no round below is kept
/// (the median is not bounded yet).
fn lowest_kept_count(n: usize) -> usize {
    let threshold = (1.0 / ALPHA).ln();
    let ln_front = n as f64 * std::f64::consts::LN_2 - ((n + 1) as f64).ln();
    // ln C(n, k), from k = 0 up; M falls as k nears n / 2.
    let mut ln_choose = 0.0;
    for k in 0..=n / 2 {
        if ln_front - ln_choose < threshold {
            return k;
        }
        ln_choose += ((n - k) as f64 / (k + 1) as f64).ln();
    }
    n / 2
}

/// The fewest rounds whose sequence bounds the median on both sides
/// (`lowest_kept_count` at least 1): 8 at α = 5%.
pub fn fewest_bounding_rounds() -> usize {
    (1..).find(|&n| lowest_kept_count(n) >= 1).expect("some n")
}

/// The ratio of two means over paired rounds, `sum(a) / sum(b)`, with a
/// time-uniform 95% interval: what a program pays on average for calls of
/// one kind against calls of another timed in the same rounds (the
/// intermittent regime's call against the steady call right after it).
///
/// **Method**: the asymptotic confidence sequence of Waudby-Smith, Arbour,
/// Sinha, Kennedy & Ramdas ("Time-uniform central limit theory and
/// asymptotic confidence sequences", Annals of Statistics, 2024), with
/// Robbins' normal mixture, applied by the delta method: with `R` the
/// ratio so far, each round's `(a_i - R b_i) / mean(b)` has mean near 0
/// and its sample deviation `s`; the interval is `R ± s * w(t)`, with the
/// boundary `w(t) = sqrt(2 (t ρ² + 1) / (t² ρ²) * ln(sqrt(t ρ² + 1) / α))`
/// (their two-sided Gaussian-mixture boundary; `ρ` only says at which
/// count it is tightest, [`MEANS_TIGHTEST_AT`], and any `ρ` keeps it valid).
/// A mean has no distribution-free sequence for unbounded times, so this
/// one holds as the rounds grow (a central limit argument), not at every
/// count: the intermittent sampler looks from 20 rounds on, and its
/// coverage test (`coverage::paired_means_cover_...`) checks it there on
/// skewed calls with a slow mode, as the intermittent calls have.
/// Fewer than 2 rounds, or no time in `b`: the estimate alone, unbounded.
pub fn mean_ratio_sequence(a: &[f64], b: &[f64]) -> Interval {
    let n = a.len().min(b.len());
    let (sum_a, sum_b) = (a[..n].iter().sum::<f64>(), b[..n].iter().sum::<f64>());
    if n < 2 || sum_b <= 0.0 {
        let estimate = if sum_b > 0.0 { sum_a / sum_b } else { f64::NAN };
        return Interval {
            estimate,
            lower: f64::NEG_INFINITY,
            upper: f64::INFINITY,
        };
    }
    let ratio = sum_a / sum_b;
    let mean_b = sum_b / n as f64;
    let linear: Vec<f64> = (a.iter().zip(b).take(n))
        .map(|(a, b)| (a - ratio * b) / mean_b)
        .collect();
    let centre = linear.iter().sum::<f64>() / n as f64;
    let variance = linear.iter().map(|z| (z - centre).powi(2)).sum::<f64>() / (n - 1) as f64;
    let half_width = variance.sqrt() * normal_mixture_boundary(n as f64);
    Interval {
        estimate: ratio,
        lower: ratio - half_width,
        upper: ratio + half_width,
    }
}

/// The count of rounds at which [`mean_ratio_sequence`] is tightest: about
/// the middle of the intermittent sampler's usual stopping counts (20 to
/// a few hundred).
pub const MEANS_TIGHTEST_AT: f64 = 60.0;

/// The two-sided normal-mixture boundary at `t` rounds, for data of unit
/// deviation ([`mean_ratio_sequence`]), with `ρ²` chosen so that it is
/// nearly tightest at [`MEANS_TIGHTEST_AT`] rounds (the approximation of
/// Waudby-Smith et al.: `ρ² = (-2 ln α + ln(-2 ln α + 1)) / t*`).
fn normal_mixture_boundary(t: f64) -> f64 {
    let log_alpha = ALPHA.ln();
    let rho2 = (-2.0 * log_alpha + (-2.0 * log_alpha + 1.0).ln()) / MEANS_TIGHTEST_AT;
    let grown = t * rho2 + 1.0;
    (2.0 * grown / (t * t * rho2) * (grown.sqrt() / ALPHA).ln()).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sequence_bounds_the_median_from_eight_rounds_and_is_wider_than_a_fixed_interval() {
        assert_eq!(fewest_bounding_rounds(), 8);
        assert_eq!(super::super::MIN_VALUES_FOR_INTERVAL as usize, 8);
        // Once bounded, bounded at every later count, and its ranks move
        // out from the median no faster than the rounds come.
        let mut previous = 0;
        for n in 8..2000 {
            let lo = lowest_kept_count(n);
            assert!(lo >= 1 && lo >= previous, "n = {n}: {lo} after {previous}");
            previous = lo;
        }
        // Against the fixed-sample ranks (k = 6 of 20, about 956 of 2000):
        // further out, by 1.4 to 1.9 times the distance from the median.
        assert_eq!(lowest_kept_count(20), 4);
        let k = lowest_kept_count(2000);
        assert!((915..925).contains(&k), "{k}");
        let mut values: Vec<f64> = (1..=20).rev().map(f64::from).collect();
        let i = median_sequence(&mut values);
        assert_eq!((i.lower, i.estimate, i.upper), (4.0, 10.5, 17.0));
        // Too few rounds: the range.
        let mut few: Vec<f64> = vec![3.0, 1.0, 2.0, 5.0, 4.0, 6.0, 7.0];
        let i = median_sequence(&mut few);
        assert_eq!((i.lower, i.estimate, i.upper), (1.0, 4.0, 7.0));
    }

    #[test]
    fn the_likelihood_ratio_at_the_kept_count_is_below_twenty_and_one_further_out_is_not() {
        let ln_m = |n: usize, k: usize| {
            let ln_choose: f64 = (0..k).map(|j| ((n - j) as f64 / (j + 1) as f64).ln()).sum();
            n as f64 * std::f64::consts::LN_2 - ((n + 1) as f64).ln() - ln_choose
        };
        for n in [8, 9, 20, 57, 300] {
            let k = lowest_kept_count(n);
            assert!(ln_m(n, k) < 20f64.ln(), "n = {n}");
            assert!(ln_m(n, k - 1) >= 20f64.ln(), "n = {n}");
        }
    }

    #[test]
    fn the_ratio_of_paired_means_is_wider_than_a_fixed_interval_and_narrows_with_rounds() {
        // At its tightest count the boundary is about 1.5 times the
        // fixed-sample 1.96 / sqrt(t); far from it, wider still.
        let fixed = |t: f64| 1.96 / t.sqrt();
        let at = normal_mixture_boundary(MEANS_TIGHTEST_AT) / fixed(MEANS_TIGHTEST_AT);
        assert!((1.3..1.7).contains(&at), "{at}");
        assert!(normal_mixture_boundary(2000.0) / fixed(2000.0) > at);
        assert!(normal_mixture_boundary(240.0) < normal_mixture_boundary(60.0));
        // Calls twice as long, exactly: the ratio 2, no width.
        let b = [10.0, 12.0, 9.0, 11.0];
        let a: Vec<f64> = b.iter().map(|x| 2.0 * x).collect();
        let r = mean_ratio_sequence(&a, &b);
        assert!((r.estimate - 2.0).abs() < 1e-12 && (r.upper - r.lower).abs() < 1e-9);
        // A ratio of sums, not a mean of ratios: one long call counts by
        // its time.
        let r = mean_ratio_sequence(&[30.0, 10.0, 10.0, 10.0], &[10.0; 4]);
        assert!((r.estimate - 1.5).abs() < 1e-12 && r.lower < 1.5 && r.upper > 1.5);
        let one = mean_ratio_sequence(&[3.0], &[2.0]);
        assert_eq!(one.estimate, 1.5);
        assert!(one.lower.is_infinite() && one.upper.is_infinite());
    }
}
