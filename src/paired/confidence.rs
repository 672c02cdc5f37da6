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
}
