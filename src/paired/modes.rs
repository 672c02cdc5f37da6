//! Two modes among a ratio's rounds: why an interval stays wide however
//! long it is sampled.
//!
//! On the 2-vCPU VM some figures took one of two values from round to
//! round (a one-thread rayon pool's thread on the caller's vCPU or on the
//! other one, before such threads were held on the caller's CPU: the
//! classifier at 0.72x in some rounds and 0.99x in others; `docs/measuring.md`'s
//! "What no sampling narrows" names those still seen). The median's interval then
//! spans both values, and more rounds do not narrow it while both keep
//! coming. This module finds such a split in the rounds, so the report can
//! say so and show both values, rather than leave a wide interval
//! unexplained. It names no cause: the rounds do not say which vCPU ran them.

use serde::{Deserialize, Serialize};

use super::median_of;

/// One of two groups of rounds: the median of its rounds' values, and how
/// many rounds it holds.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Mode {
    pub value: f64,
    pub rounds: u64,
}

/// The least gap between two groups of rounds, as a share of the median of
/// all of them, for them to count as two modes: two and a half times the
/// margin the answers call two figures equal within (2%), so a gap that
/// such an answer could call equal never makes two modes.
pub const MODE_GAP: f64 = 0.05;

/// The fewest rounds split into modes: fewer say too little of their
/// spread (6, the fewest whose min and max would bound a fixed-sample
/// median at 95%).
pub const MIN_ROUNDS: usize = 6;

/// The fewest rounds a mode holds: a single round apart is an outlier, not
/// a mode.
pub const MIN_ROUNDS_PER_MODE: usize = 2;

/// The two modes of `values` (lower first), if the rounds fall into two
/// groups: sorted, the widest gap between neighbours that leaves at least
/// [`MIN_ROUNDS_PER_MODE`] rounds on each side is at least [`MODE_GAP`] of
/// the median of all of them, and at least twice the spread within either
/// group (so a spread-out distribution, such as a contended lock's, is not
/// cut in two at its widest gap). `None` below
/// [`MIN_ROUNDS`] values or with non-finite ones.
pub fn two_modes(values: &[f64]) -> Option<[Mode; 2]> {
    if values.len() < MIN_ROUNDS || values.iter().any(|v| !v.is_finite()) {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let median = median_of(&sorted).estimate;
    if median <= 0.0 {
        return None;
    }
    // The split after index `at`: rounds ..=at below, at + 1.. above.
    let at = (MIN_ROUNDS_PER_MODE - 1..sorted.len() - MIN_ROUNDS_PER_MODE)
        .max_by(|&a, &b| (sorted[a + 1] - sorted[a]).total_cmp(&(sorted[b + 1] - sorted[b])))?;
    let (below, above) = sorted.split_at(at + 1);
    let gap = above[0] - below[below.len() - 1];
    let spread = |group: &[f64]| group[group.len() - 1] - group[0];
    if gap < MODE_GAP * median || gap < 2.0 * spread(below).max(spread(above)) {
        return None;
    }
    let mode = |group: &[f64]| Mode {
        value: median_of(group).estimate,
        rounds: group.len() as u64,
    };
    Some([mode(below), mode(above)])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_in_two_groups_are_two_modes() {
        // The classifier on a one-thread rayon pool: five rounds at 0.72x,
        // two at 0.99x.
        let rounds = [0.718, 0.99, 0.721, 0.716, 0.985, 0.72, 0.719];
        let [low, high] = two_modes(&rounds).expect("two modes");
        assert_eq!((low.value, low.rounds), (0.719, 5));
        assert_eq!((high.value, high.rounds), (0.9875, 2));
    }

    #[test]
    fn one_outlier_a_spread_or_a_small_gap_is_not() {
        // One round apart: an outlier.
        assert_eq!(two_modes(&[0.72, 0.72, 0.721, 0.719, 0.72, 0.99]), None);
        // Evenly spread (a contended lock): no gap twice the spread beside it.
        let spread: Vec<f64> = (0..12).map(|i| 0.5 + 0.04 * i as f64).collect();
        assert_eq!(two_modes(&spread), None);
        // Two tight groups 3% apart: within what the target calls equal.
        assert_eq!(two_modes(&[1.0, 1.0, 1.001, 1.03, 1.03, 1.031]), None);
        // Too few rounds, or a value that is not a number.
        assert_eq!(two_modes(&[0.7, 0.7, 1.0, 1.0, 1.0]), None);
        assert_eq!(two_modes(&[0.7, 0.7, 0.7, 1.0, 1.0, f64::NAN]), None);
    }
}
