//! How long the paired sampler samples a set: the target half-width, the
//! time caps and the stretch beyond them, the rounds at which it looks,
//! and the run's bank that moves the time decided sets did not need to
//! the sets still open. Configuration the profiles fill in
//! ([`crate::profile::Profile::sampling`]), apart from the sampler that
//! reads it.

use std::time::Duration;

/// How long to sample a group: until every member's interval is narrow
/// enough to decide (sequential stopping), within a time cap.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sampling {
    /// The least time a timed batch of one member takes.
    pub batch: Duration,
    /// The target of a figure (a speedup, a lone member's time): rounds
    /// continue until its 95% interval has a half-width of at most this
    /// share of its estimate (0.03: 3%), checked at the looks of
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
    /// Time lent by the run's [`Bank`] beyond the stretched cap, for the
    /// ratios within reach of settling at the cap: what sets that settled
    /// early did not use. Zero outside a run.
    pub banked: Duration,
    /// The set holds what the answers quote (the point their comparisons
    /// are read at, or a race between backends): when the cap passes, each
    /// of its comparisons still undecided goes on, up to the stretched cap
    /// and the bank's loan, whatever its projection; elsewhere only those
    /// within reach of settling do ([`super::within_reach`]). The
    /// projection assumes an interval narrowing with the square root of
    /// the rounds, but a confidence sequence narrows faster than that over
    /// its first tens of rounds, so a comparison the answers need is not
    /// given up on its projection alone.
    pub answers: bool,
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
            banked: Duration::ZERO,
            answers: false,
        }
    }
}

impl Sampling {
    /// The longest a set may take: `stretch` times the cap (at least the
    /// cap), and what the run's bank lent it, for the ratios within reach
    /// of settling when the cap passed.
    pub fn stretched_cap(&self) -> Duration {
        self.cap.mul_f64(self.stretch.max(1.0)) + self.banked
    }

    /// The same sampling for a set that holds what the answers quote, or
    /// not ([`Sampling::answers`]).
    pub fn answering(self, answers: bool) -> Sampling {
        Sampling { answers, ..self }
    }

    /// The sampling of a set's first visit, when it is visited again later
    /// in the run (`sweep::Sweep::revisit`): three quarters of the caps
    /// ([`FIRST_VISIT_SHARE`]) and at least half the rounds
    /// ([`VISIT_ROUNDS`]), since the second visit brings the rest. A set
    /// then costs in two visits about what it cost in one, even one of
    /// long calls that its cap stops at the fewest rounds (compute's at 2
    /// threads: 8 rounds of 13 members took 2 to 3 s, beyond quick's 1 s
    /// cap). Nothing settles before [`MIN_VALUES_FOR_INTERVAL`] rounds in
    /// all ([`super::Samples::settled`]).
    pub fn first_of_two_visits(&self) -> Sampling {
        Sampling {
            cap: self.cap.mul_f64(FIRST_VISIT_SHARE),
            churning_cap: self.churning_cap.mul_f64(FIRST_VISIT_SHARE),
            min_rounds: VISIT_ROUNDS.min(self.min_rounds),
            ..*self
        }
    }

    /// The sampling of a set visited again, later in the run
    /// (`sweep::Sweep::revisit`): at least [`VISIT_ROUNDS`] rounds, and
    /// the quarter of the caps the first visit left. The visit begins with
    /// the first one's rounds, so a figure whose visits agree is settled
    /// again at its first look; one whose visits disagree has its interval
    /// widened to take in both ([`super::covering_visits`]) and samples
    /// on, to the cap at most.
    pub fn visiting_again(&self) -> Sampling {
        let share = 1.0 - FIRST_VISIT_SHARE;
        Sampling {
            cap: self.cap.mul_f64(share),
            churning_cap: self.churning_cap.mul_f64(share),
            min_rounds: VISIT_ROUNDS.min(self.min_rounds),
            ..*self
        }
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

/// The share of a set's caps its first visit takes, when it is visited
/// again later in the run; the second takes the rest. With half the caps
/// again on top of the first visit's whole caps, a fresh default run
/// spent 116 s more on its second visits (2026-12-07: 54 of 80 built-in
/// sets in the 60 s budget, the examples' 40 sets in 55 s) and took 15.6
/// minutes in all.
pub const FIRST_VISIT_SHARE: f64 = 0.75;

/// The fewest rounds of each of a set's two visits: half the fewest that
/// bound the median, so that two visits together take no more rounds than
/// one did before visits.
pub const VISIT_ROUNDS: usize = MIN_VALUES_FOR_INTERVAL as usize / 2;

/// The default target of a paired figure (a speedup, a lone member's
/// time): a half-width of 3% of its estimate. The comparisons the answers
/// make are settled by their decision instead, whatever their width. 3%
/// of a confidence sequence takes about the rounds that 2% of a
/// fixed-sample interval took (the sequence is 1.3 to 1.7 times as wide).
/// Measured: with 2% on the sequence a fresh default run took 720 s, 136
/// of its 357 entries stopped by the cap, on a day the previous code took
/// 668 s with 104; with 3% the next run took 729 s on a host that drifted
/// 9.9% during it, so no saving was shown (the default stretch, not the
/// target, brought the run back within its 12 minutes: `Profile::sampling`).
pub const TARGET_HALF_WIDTH: f64 = 0.03;

/// The round after `rounds` at which sequential stopping looks at the
/// intervals again: 25% more rounds each time (at least one more). The
/// intervals are confidence sequences, valid however often they are looked
/// at ([`super::confidence`]); the looks are spaced only to keep their cost
/// (each sorts every watched ratio's rounds) logarithmic in the rounds.
pub fn next_look(rounds: usize) -> usize {
    (rounds + 1).max((rounds as f64 * 1.25).ceil() as usize)
}

/// A set may borrow at most this many times its cap from the run's bank.
pub const MAX_BANK_DRAW: f64 = 2.0;

/// The run's budget, spent where it decides something: a set that settles
/// before its cap banks the time it did not use, and a set whose ratios
/// are still within reach of settling when its cap passes, counting the
/// bank's loan in what it may take, may go on with time from the bank (at
/// most [`MAX_BANK_DRAW`] times its cap), which pays for what it used
/// beyond its own stretch. The time booked is the whole set's, its batch
/// sizing included. A run so takes no longer than its caps
/// and stretches allow, and the time its decided comparisons no longer
/// need goes to the open ones. Sets later in a run find more in the bank
/// than the first ones.
///
/// A run lends at most its `limit` in all ([`Bank::limited`]): more sets
/// that settle early (the five ways of splitting of issue 33, 25 sets of a
/// default run) would otherwise fund more time for the open ones than the
/// run's budget holds (a default run lent 47.4 s with them, 18.6 to 19.9 s
/// before them, and took 712 s of its 720).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Bank {
    saved: Duration,
    /// All the sets saved, and all they were lent, over the run.
    saved_in_all: Duration,
    lent_in_all: Duration,
    /// The most it lends over the run; `None`: what the sets saved.
    limit: Option<Duration>,
}

impl Bank {
    /// A bank that lends at most `limit` over the run (`None`: no limit
    /// but what the sets saved).
    pub fn limited(limit: Option<Duration>) -> Bank {
        Bank {
            limit,
            ..Bank::default()
        }
    }

    /// The bank in words, for the end of a run.
    pub fn words(&self) -> String {
        format!(
            "sets settled before their cap saved {:.1} s; {:.1} s of it went to sets still open \
             at theirs",
            self.saved_in_all.as_secs_f64(),
            self.lent_in_all.as_secs_f64()
        )
    }

    /// `sampling` with as much of the bank lent as one set may draw.
    pub fn lend(&self, sampling: &Sampling) -> Sampling {
        let left = self.limit.map_or(Duration::MAX, |limit| {
            limit.saturating_sub(self.lent_in_all)
        });
        Sampling {
            banked: (self.saved.min(sampling.cap.mul_f64(MAX_BANK_DRAW))).min(left),
            ..*sampling
        }
    }

    /// Samples one set (`set`, given its sampling) with what the bank
    /// lends it, and books what it saved or used ([`Bank::settle`]).
    pub fn fund<T>(&mut self, sampling: &Sampling, set: impl FnOnce(&Sampling) -> T) -> T {
        let lent = self.lend(sampling);
        let started = std::time::Instant::now();
        let sampled = set(&lent);
        self.settle(&lent, started.elapsed());
        sampled
    }

    /// Books a set sampled with `lent` (from [`Bank::lend`]) that took
    /// `spent`: the time short of its cap saved, the time beyond its own
    /// stretch paid.
    pub fn settle(&mut self, lent: &Sampling, spent: Duration) {
        let own = lent.cap.mul_f64(lent.stretch.max(1.0));
        let (saved, used) = (lent.cap.saturating_sub(spent), spent.saturating_sub(own));
        self.saved = (self.saved + saved).saturating_sub(used);
        self.saved_in_all += saved;
        self.lent_in_all += used.min(lent.banked);
    }
}

/// The time a run may spend on sampling beyond its sets: settling, head
/// to head, the comparisons an answer quotes that their sets left
/// undecided (`sweep::Sweep::settle_comparisons`). Each use samples for at
/// most its cap and what is left, with no stretch and no loan from the
/// [`Bank`], and what it took is spent; once less than
/// [`Budget::LEAST`] is left, nothing more is sampled.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Budget {
    /// What is left; `None`: no limit.
    left: Option<Duration>,
    spent: Duration,
}

impl Budget {
    /// Below this, a use would not get its first rounds in.
    pub const LEAST: Duration = Duration::from_millis(100);

    /// A budget of `limit` over the run (`None`: no limit).
    pub fn limited(limit: Option<Duration>) -> Budget {
        Budget {
            left: limit,
            spent: Duration::ZERO,
        }
    }

    /// Samples one use (`sample`, given `sampling` within what is left,
    /// [`Budget::within`]) and spends what it took, as [`Bank::fund`] books
    /// a set. `None`, with nothing sampled, once the budget is spent.
    pub fn fund<T>(
        &mut self,
        sampling: &Sampling,
        sample: impl FnOnce(&Sampling) -> T,
    ) -> Option<T> {
        let within = self.within(sampling)?;
        let started = std::time::Instant::now();
        let sampled = sample(&within);
        self.spend(started.elapsed());
        Some(sampled)
    }

    /// `sampling` within what is left: its cap at most that, no stretch,
    /// nothing banked. `None` once the budget is spent.
    pub fn within(&self, sampling: &Sampling) -> Option<Sampling> {
        let cap = match self.left {
            Some(left) if left < Self::LEAST => return None,
            Some(left) => sampling.cap.min(left),
            None => sampling.cap,
        };
        Some(Sampling {
            cap,
            churning_cap: cap,
            stretch: 1.0,
            banked: Duration::ZERO,
            ..*sampling
        })
    }

    /// Samples one use that must happen whatever is left (`sample`), and
    /// spends what it took, so the uses funded after it get the rest.
    pub fn charge<T>(&mut self, sample: impl FnOnce() -> T) -> T {
        let started = std::time::Instant::now();
        let sampled = sample();
        self.spend(started.elapsed());
        sampled
    }

    /// A use took `took`.
    fn spend(&mut self, took: Duration) {
        self.left = self.left.map(|left| left.saturating_sub(took));
        self.spent += took;
    }

    /// What the uses took in all.
    pub fn spent(&self) -> Duration {
        self.spent
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_use_charged_to_a_budget_happens_whatever_is_left_and_spends_it() {
        let mut budget = Budget::limited(Some(Duration::from_millis(1)));
        let ran = budget.charge(|| {
            std::thread::sleep(Duration::from_millis(5));
            7
        });
        assert_eq!(ran, 7);
        assert!(budget.spent() >= Duration::from_millis(5));
        assert_eq!(budget.within(&Sampling::default()), None);
        assert_eq!(budget.fund(&Sampling::default(), |_| 1), None);
    }

    #[test]
    fn a_budget_caps_each_use_at_what_is_left_and_ends_when_spent() {
        let sampling = Sampling {
            cap: Duration::from_secs(3),
            stretch: 2.0,
            banked: Duration::from_secs(1),
            ..Sampling::default()
        };
        let mut budget = Budget::limited(Some(Duration::from_secs(4)));
        let first = budget.within(&sampling).unwrap();
        assert_eq!(first.stretched_cap(), Duration::from_secs(3));
        budget.spend(Duration::from_millis(3200));
        assert_eq!(
            budget.within(&sampling).unwrap().cap,
            Duration::from_millis(800)
        );
        budget.spend(Duration::from_millis(750));
        assert_eq!(budget.within(&sampling), None);
        assert_eq!(budget.spent(), Duration::from_millis(3950));
        // Spent: a use is not sampled at all.
        assert_eq!(
            budget.fund(&sampling, |_| unreachable!("no time left")),
            None::<()>
        );
        // A use sampled within it gets the cap left, and its time is spent.
        let mut fresh = Budget::limited(Some(Duration::from_secs(2)));
        let cap = fresh.fund(&sampling, |within| within.cap);
        assert_eq!(cap, Some(Duration::from_secs(2)));
        assert!(fresh.spent() < Duration::from_secs(1));
        let open = Budget::limited(None);
        assert_eq!(open.within(&sampling).unwrap().cap, Duration::from_secs(3));
    }

    #[test]
    fn a_limited_bank_lends_no_more_than_its_limit_over_the_run() {
        let sampling = Sampling {
            cap: Duration::from_secs(1),
            stretch: 1.0,
            ..Sampling::default()
        };
        let mut bank = Bank::limited(Some(Duration::from_millis(1500)));
        // Three sets settle at once: 3 s saved.
        for _ in 0..3 {
            bank.settle(&bank.lend(&sampling), Duration::ZERO);
        }
        // The first open set borrows its 2 s draw, capped by the limit.
        let first = bank.lend(&sampling);
        assert_eq!(first.banked, Duration::from_millis(1500));
        bank.settle(&first, Duration::from_millis(2500));
        // The limit is spent: nothing more is lent, though 1.5 s are saved.
        assert_eq!(bank.lend(&sampling).banked, Duration::ZERO);
        let unlimited = Bank {
            limit: None,
            ..bank
        };
        assert_eq!(
            unlimited.lend(&sampling).banked,
            Duration::from_millis(1500)
        );
    }

    #[test]
    fn the_bank_lends_what_early_sets_saved_and_is_paid_back() {
        let sampling = Sampling {
            cap: Duration::from_secs(1),
            stretch: 2.0,
            ..Sampling::default()
        };
        let mut bank = Bank::default();
        assert_eq!(bank.lend(&sampling).stretched_cap(), Duration::from_secs(2));
        // Two sets settle after 0.25 s: 1.5 s saved.
        for _ in 0..2 {
            let lent = bank.lend(&sampling);
            bank.settle(&lent, Duration::from_millis(250));
        }
        assert_eq!(bank.saved, Duration::from_millis(1500));
        // A set in its stretch neither saves nor pays.
        bank.settle(&bank.lend(&sampling), Duration::from_millis(1800));
        assert_eq!(bank.saved, Duration::from_millis(1500));
        // One within reach at its cap may go on 1.5 s more, and pays 1 s.
        let lent = bank.lend(&sampling);
        assert_eq!(lent.stretched_cap(), Duration::from_millis(3500));
        bank.settle(&lent, Duration::from_secs(3));
        assert_eq!(bank.saved, Duration::from_millis(500));
        assert_eq!(
            (bank.saved_in_all, bank.lent_in_all),
            (Duration::from_millis(1500), Duration::from_secs(1))
        );
        // No set draws more than MAX_BANK_DRAW times its cap.
        let rich = Bank {
            saved: Duration::from_secs(100),
            ..Bank::default()
        };
        assert_eq!(rich.lend(&sampling).banked, Duration::from_secs(2));
    }
}
