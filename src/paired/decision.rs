//! Decisions against a margin of practical equivalence: the one rule by
//! which the sampler stops a comparison ([`super::sample`]) and the findings
//! word it (`report::findings`). A comparison is decided once its interval
//! lies wholly within the margin (equal) or wholly beyond it (slower or
//! faster); while the interval spans an edge of the margin it is undecided,
//! and sampling it longer is what can still decide it.
//!
//! The rule is sound whatever made the sampler stop, because the
//! intervals are confidence sequences ([`super::confidence`]): stopping on
//! a decision is one more way of stopping, which they allow.

use serde::Serialize;

use super::Interval;

/// What a time ratio (or any ratio of two measurements) says against a
/// margin of practical equivalence.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Outcome {
    /// The whole interval within `1 ± margin`.
    Equal,
    /// The whole interval above `1 + margin`: the first takes longer.
    Slower,
    /// The whole interval below `1 - margin`.
    Faster,
    /// The interval spans an edge of the margin.
    Undecided,
}

impl Outcome {
    /// The outcome of time ratio `r` against `margin`.
    pub fn of(r: &Interval, margin: f64) -> Outcome {
        if r.lower >= 1.0 - margin && r.upper <= 1.0 + margin {
            Outcome::Equal
        } else if r.lower > 1.0 + margin {
            Outcome::Slower
        } else if r.upper < 1.0 - margin {
            Outcome::Faster
        } else {
            Outcome::Undecided
        }
    }

    /// Is it decided (equal, slower or faster)?
    pub fn is_decided(self) -> bool {
        self != Outcome::Undecided
    }
}

/// About how many times its rounds an undecided ratio needs to be decided,
/// if its interval keeps its centre and each side narrows with the square
/// root of the rounds: the side that must clear an edge of the margin
/// (both sides, for an estimate within it), squared against the room the
/// estimate leaves it. At least 1; infinite at the margin's edge.
pub fn rounds_factor_to_decide(r: &Interval, margin: f64) -> f64 {
    let (low, high) = (1.0 - margin, 1.0 + margin);
    let (below, above) = (r.estimate - r.lower, r.upper - r.estimate);
    let shrink = |side: f64, room: f64| match room > 0.0 {
        true => side / room,
        false => f64::INFINITY,
    };
    let factor = match r.estimate {
        e if e > high => shrink(below, e - high),
        e if e < low => shrink(above, low - e),
        e => shrink(below, e - low).max(shrink(above, high - e)),
    };
    factor.powi(2).max(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn interval(lower: f64, estimate: f64, upper: f64) -> Interval {
        Interval {
            estimate,
            lower,
            upper,
        }
    }

    #[test]
    fn an_interval_is_decided_within_or_beyond_the_margin_and_not_across_it() {
        assert_eq!(
            Outcome::of(&interval(0.99, 1.0, 1.01), 0.02),
            Outcome::Equal
        );
        assert_eq!(
            Outcome::of(&interval(1.03, 1.05, 1.07), 0.02),
            Outcome::Slower
        );
        assert_eq!(
            Outcome::of(&interval(0.9, 0.95, 0.97), 0.02),
            Outcome::Faster
        );
        let spanning = interval(1.0, 1.02, 1.04);
        assert_eq!(Outcome::of(&spanning, 0.02), Outcome::Undecided);
        assert!(!Outcome::Undecided.is_decided() && Outcome::Equal.is_decided());
    }

    #[test]
    fn the_rounds_that_decide_come_from_the_side_facing_the_margin() {
        // Twice the half-width that decides: about four times the rounds.
        let wide = interval(0.96, 1.0, 1.04);
        assert!((rounds_factor_to_decide(&wide, 0.02) - 4.0).abs() < 1e-9);
        assert_eq!(
            rounds_factor_to_decide(&interval(1.0, 1.02, 1.04), 0.02),
            f64::INFINITY
        );
        // Beyond the margin, only the side facing it counts: 1.1 with its
        // lower bound at 1.0 needs its lower side 8/10 as long.
        let lopsided = interval(1.0, 1.1, 1.5);
        assert!((rounds_factor_to_decide(&lopsided, 0.02) - (0.1f64 / 0.08).powi(2)).abs() < 1e-9);
    }
}
