//! How long the paired sampler samples a set: the target half-width, the
//! time caps and the stretch beyond them, the rounds at which it looks.
//! Configuration the profiles fill in ([`crate::profile::Profile::sampling`]),
//! apart from the sampler that reads it.

use std::time::Duration;

/// How long to sample a group: until every member's interval is narrow
/// enough to decide (sequential stopping), within a time cap.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sampling {
    /// The least time a timed batch of one member takes.
    pub batch: Duration,
    /// The target of a figure (a speedup, a lone member's time): rounds
    /// continue until its 95% interval has a half-width of at most this
    /// share of its estimate (0.02: 2%), checked at the looks of
    /// [`next_look`]. A comparison with a margin is settled by its decision
    /// instead. See [`super::Samples::settled`].
    pub target_half_width: f64,
    /// Rounds stop once this much time has passed (after `min_rounds`),
    /// whether or not the target was reached (a member then records that
    /// the cap, not the target, stopped it), except for the ratios within
    /// reach of settling then: they may go on to `stretch` times the cap.
    pub cap: Duration,
    /// A set may go on after its cap for up to this many times the cap, for
    /// the ratios within reach of settling then (`within_reach`); the
    /// members of the others are sampled no more, so a hopeless ratio (a
    /// contended lock, time slicing) takes no extra time and makes the
    /// rounds of the others no longer. 1: no stretch.
    pub stretch: f64,
    /// The cap instead of `cap` for a set of one member that churns memory,
    /// sampled apart (`sweep::pairing`'s `DISRUPTIVE_BYTES`). Its calls are
    /// long (copies of `big_state`'s 64 MiB table: 50 to 170 ms a call), so
    /// a cap made for rounds of light calls holds few of them.
    pub churning_cap: Duration,
    /// At least this many rounds: 8 is the fewest whose confidence sequence
    /// bounds the median ([`MIN_VALUES_FOR_INTERVAL`]).
    pub min_rounds: usize,
    /// At most this many rounds.
    pub max_rounds: usize,
}

impl Default for Sampling {
    fn default() -> Self {
        Sampling {
            batch: Duration::from_millis(1),
            target_half_width: TARGET_HALF_WIDTH,
            cap: Duration::from_millis(500),
            churning_cap: Duration::from_millis(500),
            stretch: 2.0,
            min_rounds: MIN_VALUES_FOR_INTERVAL as usize,
            // Beyond what any cap allows (a round takes at least a batch of
            // each member, 1 ms): the target or the cap stops a set, so an
            // entry short of its target was stopped by the cap.
            max_rounds: 1_000_000,
        }
    }
}

impl Sampling {
    /// The longest a set may take: `stretch` times the cap (at least the
    /// cap), for the ratios within reach of settling when the cap passed.
    pub fn stretched_cap(&self) -> Duration {
        self.cap.mul_f64(self.stretch.max(1.0))
    }

    /// The sampling of one set: with [`Sampling::churning_cap`] for a
    /// member that churns memory, sampled apart (`churns`).
    pub fn of_set(&self, churns: bool) -> Sampling {
        match churns {
            true => Sampling {
                cap: self.churning_cap,
                ..*self
            },
            false => *self,
        }
    }
}

/// Below this many rounds the median's confidence sequence bounds nothing
/// ([`super::confidence::fewest_bounding_rounds`]), and its bounds are the
/// min and max, with less than 95% coverage: such bounds are a range, and
/// are called so wherever they are shown. (A fixed-sample interval,
/// [`super::median_interval`], bounds the median from 6 values.)
pub const MIN_VALUES_FOR_INTERVAL: u64 = 8;

/// The default target of every paired interval: a half-width of 2% of its
/// estimate, the margin within which the findings call two figures equal.
pub const TARGET_HALF_WIDTH: f64 = 0.02;

/// The round after `rounds` at which sequential stopping looks at the
/// intervals again: 25% more rounds each time (at least one more). The
/// intervals are confidence sequences, valid however often they are looked
/// at ([`super::confidence`]); the looks are spaced only to keep their cost
/// (each sorts every watched ratio's rounds) logarithmic in the rounds.
pub fn next_look(rounds: usize) -> usize {
    (rounds + 1).max((rounds as f64 * 1.25).ceil() as usize)
}
