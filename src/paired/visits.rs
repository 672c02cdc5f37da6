//! A set's second visit, later in the run: the rounds of each visit kept
//! apart, so a ratio pairs rounds within a visit only, and the interval
//! widened to take in how far the visits lie apart. Apart from `mod.rs`,
//! which samples one visit.

use anyhow::{Result, anyhow};

use super::{Interval, MemberSamples, Samples, Sampling, Watched, median_of};

impl MemberSamples {
    /// The rounds of each visit, in order, as ranges of `wall_ns`.
    pub(super) fn visits(&self) -> impl Iterator<Item = std::ops::Range<usize>> + '_ {
        let starts = std::iter::once(0).chain(self.visit_starts.iter().copied());
        let ends = (self.visit_starts.iter().copied()).chain(std::iter::once(self.wall_ns.len()));
        starts.zip(ends).map(|(start, end)| start..end)
    }
}

impl Samples {
    /// Visits of the set so far: 1, or more where it was sampled again
    /// later in the run ([`sample_again`]).
    pub fn visits(&self) -> usize {
        1 + self.members.first().map_or(0, |m| m.visit_starts.len())
    }

    /// [`Samples::round_ratios`], visit by visit: a round of one visit is
    /// paired only with the same round of the same visit.
    pub(super) fn round_ratios_by_visit(&self, member: usize, reference: usize) -> Vec<Vec<f64>> {
        let (m, r) = (&self.members[member], &self.members[reference]);
        (m.visits().zip(r.visits()))
            .map(|(in_m, in_r)| {
                (m.wall_ns[in_m].iter())
                    .zip(&r.wall_ns[in_r])
                    .map(|(m, r)| m / r)
                    .collect()
            })
            .collect()
    }

    /// `member`'s speedup over `reference` at each visit: the median of
    /// that visit's per-round ratios (none for a visit without rounds).
    pub fn speedup_by_visit(&self, member: usize, reference: usize) -> Vec<f64> {
        (self.round_ratios_by_visit(reference, member).iter())
            .filter(|ratios| !ratios.is_empty())
            .map(|ratios| median_of(ratios).estimate)
            .collect()
    }
}

/// `pooled` (the confidence sequence of every visit's rounds together),
/// widened to take in the median of each visit's own rounds (`by_visit`)
/// where there are several. The sequence assumes one stationary stream of
/// rounds; visits minutes apart are clusters, and a host that moved
/// between them moves their medians. So the interval covers at least the
/// spread between the visits, whatever the rounds within each say.
pub fn covering_visits(pooled: Interval, by_visit: &[Vec<f64>]) -> Interval {
    let visited = by_visit.iter().filter(|v| !v.is_empty());
    if visited.clone().count() < 2 {
        return pooled;
    }
    visited
        .map(|values| median_of(values).estimate)
        .fold(pooled, |interval, median| Interval {
            lower: interval.lower.min(median),
            upper: interval.upper.max(median),
            ..interval
        })
}

/// [`super::sample`] once more, later in the run: a second visit of the set whose
/// rounds `earlier` holds (the same members, in the same order). Each
/// member keeps its batch size and is sampled again from `min_rounds`
/// rounds on, its new rounds appended as a visit of their own; the ratios
/// then pair rounds within a visit, and their intervals take in the spread
/// between the visits ([`covering_visits`]), so stopping waits until the
/// visits agree enough to decide.
pub fn sample_again(
    earlier: Samples,
    churns: &[bool],
    watched: &[Watched],
    sampling: &Sampling,
    call: impl FnMut(usize) -> Result<()>,
) -> Result<Samples> {
    if earlier.members.len() != churns.len() {
        return Err(anyhow!(
            "a set of {} members visited again with {}",
            earlier.members.len(),
            churns.len()
        ));
    }
    super::sample_batches(earlier, churns, watched, sampling, call)
}
