//! The plan: which benchmarks a profile measures, in which order, cut into
//! groups.
//!
//! Profiles (`PARBENCH_PROFILE`, [`crate::profile`]) select by each
//! workload's coverage (`Workload::in_quick_profile`, `in_default_profile`),
//! which names families and roles, never variants, narrowed by what a
//! backend measures outside `full` ([`crate::backends::Backend::narrowing`],
//! data read here); `full` is the whole cross product. The plan is ordered
//! by workload (criterion's groups), then backend and thread count (the
//! paired sampler's [`Group`]s), then variant in registry order.

use std::ops::Range;

use crate::backends;
use crate::key::Key;
use crate::key::Regime;
use crate::matrix::{self, Combo};
use crate::profile::Profile;
use crate::roles::Role;
use crate::variants::Variant;
use crate::workload::{Purpose, WORKLOADS, Workload};

impl Profile {
    /// Does this profile measure `variant` on `workload` in the
    /// intermittent regime? Every profile measures what the workload names;
    /// `full` every variant but the baseline, on those workloads.
    pub fn measures_intermittent(self, workload: &Workload, variant: &dyn Variant) -> bool {
        match (self, workload.intermittent) {
            (_, None) => false,
            _ if variant.role() == Role::Baseline => false,
            (Profile::Full, Some(_)) => true,
            (_, Some(coverage)) => coverage.covers(variant.family(), variant.role()),
        }
    }

    /// Does this profile measure `variant` on `workload`?
    pub fn measures(self, workload: &Workload, variant: &dyn Variant) -> bool {
        match self {
            Profile::Full => true,
            Profile::Quick => workload
                .in_quick_profile
                .covers(variant.family(), variant.role()),
            Profile::Default => workload
                .in_default_profile
                .covers(variant.family(), variant.role()),
        }
    }

    /// Does this profile measure the combination `combo` (the workload's
    /// coverage, narrowed by the backend's own, [`backends::Backend::narrowing`])?
    pub fn measures_combo(self, combo: &Combo) -> bool {
        self.measures(combo.workload, combo.variant) && self.backend_measures(combo)
    }

    /// Does this profile measure `workload` at `threads` on a machine of
    /// `logical_cores`? Oversubscribed counts (more threads than cores)
    /// measure time slicing, not scaling, and the scaling models leave them
    /// out: `default` measures them only where how the work is split is the
    /// question (the imbalanced workload, whose ramp more chunks than cores
    /// can even out), `full` everywhere, `quick` nowhere. Time slicing does
    /// not reproduce within these profiles' caps: in two quick runs back to
    /// back (issue 19), `compute`'s speedups at 4 threads on 2 cores agreed
    /// within 3% in 33 of 50 cases, within the cores in 113 of 114; in a
    /// default run, 34 of `compute`'s 50 entries at 4 threads ended with a
    /// half-width above 2% (std_scope up to 19% after 10 rounds).
    pub fn measures_threads(
        self,
        workload: &Workload,
        threads: usize,
        logical_cores: usize,
    ) -> bool {
        match self {
            Profile::Full => true,
            _ if threads <= logical_cores => true,
            Profile::Quick => false,
            Profile::Default => workload.purpose == Purpose::Imbalance,
        }
    }

    /// Does this profile measure `backend` at all? Every profile but
    /// `quick`, which measures those whose narrowing says so
    /// ([`crate::workload::Narrowing::in_quick`]).
    pub fn measures_backend(self, backend: &dyn backends::Backend) -> bool {
        self != Profile::Quick || backend.narrowing().is_none_or(|n| n.in_quick)
    }

    /// Is `backend` called now and then (the intermittent regime) in this
    /// profile? Everywhere in `full`; elsewhere as its narrowing says
    /// ([`crate::workload::Narrowing::now_and_then`]).
    pub fn calls_now_and_then(self, backend: &dyn backends::Backend) -> bool {
        self == Profile::Full || backend.narrowing().is_none_or(|n| n.now_and_then)
    }

    /// Does the backend's narrowing keep `threads` of the run's `requested`
    /// counts on a machine of `logical_cores`? Never where the profile does
    /// not measure it at all ([`Profile::measures_backend`]). Outside
    /// `full`, a backend that measures at the most threads only
    /// ([`crate::workload::Narrowing::most_threads_only`]) measures at the
    /// most of its counts within the cores (its largest, where none is).
    pub fn backend_measures_threads(
        self,
        backend: &dyn backends::Backend,
        threads: usize,
        requested: &[usize],
        logical_cores: usize,
    ) -> bool {
        if !self.measures_backend(backend) {
            return false;
        }
        if self == Profile::Full || !backend.narrowing().is_some_and(|n| n.most_threads_only) {
            return true;
        }
        Some(threads) == most_threads_of(backend, requested, logical_cores)
    }

    /// Does this profile take the measurements beside the matrix (the
    /// harness overhead, the intermittent regime) on `backend` at `threads`?
    /// Where it measures the backend at that count
    /// ([`Profile::backend_measures_threads`]); in `quick` only at the count
    /// the answers quote, the most of the backend's counts within the cores.
    /// At every count, a quick run spent 14 s on the harness overhead's 21
    /// pairings and 10 s on 16 intermittent entries, half of them at one
    /// thread, which no answer quotes; at the most only, 7 s on 12 pairings
    /// and about 5 s on 8 entries (2026-12-07).
    pub fn measures_beside_at(
        self,
        backend: &dyn backends::Backend,
        threads: usize,
        requested: &[usize],
        logical_cores: usize,
    ) -> bool {
        self.backend_measures_threads(backend, threads, requested, logical_cores)
            && (self != Profile::Quick
                || Some(threads) == most_threads_of(backend, requested, logical_cores))
    }

    /// Does the backend's narrowing ([`backends::Backend::narrowing`]) keep
    /// `combo` in this profile?
    pub(crate) fn backend_measures(self, combo: &Combo) -> bool {
        self == Profile::Full
            || (combo.backend.narrowing().is_none_or(|narrowing| {
                narrowing.keeps(
                    combo.workload.purpose,
                    combo.variant.family(),
                    combo.variant.role(),
                )
            }) && self.measures_state_size_on(combo))
    }

    /// `quick` measures the large constant state (purpose `state_size`,
    /// whose copies of 64 MiB take most of a quick run) on one thread
    /// backend, the first parallel one of [`backends::BACKENDS`] (rayon),
    /// besides the sequential loop and the other kinds of backend (worker
    /// processes); `default` and `full` on every backend.
    fn measures_state_size_on(self, combo: &Combo) -> bool {
        self != Profile::Quick
            || combo.workload.purpose != Purpose::StateSize
            || !(combo.backend.shares_memory() && combo.backend.max_threads() > 1)
            || backends::first_of_threads().id() == combo.backend.id()
    }

    /// `quick` measures the large constant state on a parallel backend at
    /// the count the answers quote only, the most of its counts within the
    /// cores: its question is the copies and their cost there, not the
    /// scaling curve. Its one-thread groups on rayon and on the worker
    /// processes took 8.4 and 1.4 s of a quick run of 137 s
    /// (2026-12-08, 2 cores).
    fn measures_state_size_at(
        self,
        combo: &Combo,
        threads: usize,
        requested: &[usize],
        logical_cores: usize,
    ) -> bool {
        self != Profile::Quick
            || combo.workload.purpose != Purpose::StateSize
            || combo.backend.max_threads() <= 1
            || Some(threads) == most_threads_of(combo.backend, requested, logical_cores)
    }
}

/// One benchmark of the plan.
#[derive(Clone, Copy)]
pub struct Planned {
    pub combo: Combo,
    pub threads: usize,
    pub regime: Regime,
}

impl Planned {
    pub fn workload(&self) -> &'static Workload {
        self.combo.workload
    }
    pub fn variant(&self) -> &'static dyn Variant {
        self.combo.variant
    }
    /// Its key; criterion's full id is the key's text (steady entries).
    pub fn key(&self) -> Key {
        self.combo.key(self.threads).in_regime(self.regime)
    }
}

/// Every steady benchmark of a profile (what criterion times), ordered by
/// workload (criterion's groups), then backend and thread count (the paired
/// sampler's [`Group`]s), then variant in registry order.
pub fn plan(profile: Profile, threads: &[usize]) -> Vec<Planned> {
    planned(profile, threads, Regime::Steady, |c| {
        profile.measures_combo(c)
    })
}

/// Every intermittent benchmark of a profile, in the order of [`plan`]: the
/// parallel backends only (the sequential loop is the caller's work).
pub fn intermittent_plan(profile: Profile, threads: &[usize]) -> Vec<Planned> {
    let cores = crate::platform::logical_cores() as usize;
    let mut plan = planned(profile, threads, Regime::Intermittent, |c| {
        c.backend.max_threads() > 1
            && profile.measures_intermittent(c.workload, c.variant)
            && profile.backend_measures(c)
            && profile.calls_now_and_then(c.backend)
    });
    plan.retain(|p| profile.measures_beside_at(p.combo.backend, p.threads, threads, cores));
    plan
}

/// The most of `backend`'s counts among `requested` within the cores (its
/// largest, where none is): the count the answers quote.
fn most_threads_of(
    backend: &dyn backends::Backend,
    requested: &[usize],
    logical_cores: usize,
) -> Option<usize> {
    let counts = backends::thread_counts(backend, requested);
    let most = counts
        .iter()
        .copied()
        .filter(|&t| t <= logical_cores.max(1))
        .max();
    most.or(counts.last().copied())
}

pub(super) fn planned(
    profile: Profile,
    threads: &[usize],
    regime: Regime,
    wanted: impl Fn(&Combo) -> bool,
) -> Vec<Planned> {
    let cores = crate::platform::logical_cores() as usize;
    let mut plan: Vec<Planned> = matrix::combos()
        .filter(|c| wanted(c))
        .flat_map(|combo| {
            backends::thread_counts(combo.backend, threads)
                .into_iter()
                .filter(move |&t| {
                    profile.measures_threads(combo.workload, t, cores)
                        && profile.backend_measures_threads(combo.backend, t, threads, cores)
                        && profile.measures_state_size_at(&combo, t, threads, cores)
                })
                .map(move |threads| Planned {
                    combo,
                    threads,
                    regime,
                })
        })
        .collect();
    plan.sort_by_key(|p| {
        (
            WORKLOADS.iter().position(|w| w.id == p.workload().id),
            backends::BACKENDS
                .iter()
                .position(|b| b.id() == p.combo.backend.id()),
            p.threads,
        )
    });
    plan
}

/// The benchmarks of one workload on one backend at one thread count:
/// contiguous in the plan, and sampled together, paired with the sequential
/// loop, once criterion has timed them.
#[derive(Clone, Debug, PartialEq)]
pub struct Group {
    pub workload: &'static str,
    pub backend: &'static str,
    pub threads: usize,
    /// Their indexes in the plan.
    pub members: Range<usize>,
}

/// A plan cut into groups of one workload, backend and thread count, in
/// plan order.
pub(super) fn groups_of(plan: &[Planned]) -> Vec<Group> {
    let mut groups: Vec<Group> = Vec::new();
    for (index, p) in plan.iter().enumerate() {
        match groups.last_mut() {
            Some(g)
                if g.workload == p.workload().id
                    && g.backend == p.combo.backend.id()
                    && g.threads == p.threads =>
            {
                g.members.end = index + 1
            }
            _ => groups.push(Group {
                workload: p.workload().id,
                backend: p.combo.backend.id(),
                threads: p.threads,
                members: index..index + 1,
            }),
        }
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backends::BACKENDS;
    use crate::roles::Role;
    use crate::variants::VARIANTS;

    #[test]
    fn default_oversubscribes_the_imbalanced_workload_alone() {
        let measures = |profile: Profile, workload: &str, threads: usize| {
            let workload = crate::workload::workload(workload).unwrap();
            profile.measures_threads(workload, threads, 2)
        };
        assert!(measures(Profile::Default, "imbalanced", 4));
        assert!(!measures(Profile::Default, "compute", 4));
        assert!(measures(Profile::Default, "compute", 2));
        assert!(!measures(Profile::Quick, "imbalanced", 4));
        assert!(measures(Profile::Full, "compute", 4));
    }

    #[test]
    fn every_profile_measures_every_variant_on_every_backend_at_every_thread_count() {
        let threads = [1, 2, 4];
        let cores = crate::platform::logical_cores() as usize;
        for profile in [Profile::Quick, Profile::Default, Profile::Full] {
            let plan = plan(profile, &threads);
            for v in VARIANTS {
                for b in BACKENDS
                    .iter()
                    .filter(|b| v.refuses(b.capabilities()).is_none())
                {
                    // A backend added for how the work is split measures
                    // the plain map alone outside full, at the most threads
                    // within the cores, and nothing else.
                    let counts = backends::thread_counts(*b, &threads);
                    let most = counts.iter().copied().filter(|&t| t <= cores).max();
                    if profile != Profile::Full
                        && b.narrowing().is_some_and(|n| n.most_threads_only)
                    {
                        let on_b = || plan.iter().filter(|p| p.combo.backend.id() == b.id());
                        assert!(
                            on_b().all(|p| Some(p.threads) == most
                                && p.variant().role() == Role::PartialIdiom)
                        );
                        // `quick` measures none of them (`Narrowing::in_quick`).
                        let expected = v.role() == Role::PartialIdiom && profile != Profile::Quick;
                        assert_eq!(
                            on_b().any(|p| p.variant().id() == v.id()),
                            expected,
                            "{profile:?}: the plain map on {}",
                            b.id()
                        );
                        continue;
                    }
                    // Only full measures every variant at an oversubscribed
                    // count (default only the imbalanced workload's).
                    for t in
                        (counts.into_iter()).filter(|&t| profile == Profile::Full || t <= cores)
                    {
                        assert!(
                            plan.iter().any(|p| p.variant().id() == v.id()
                                && p.combo.backend.id() == b.id()
                                && p.threads == t),
                            "{profile:?} misses {}/{}/{t}",
                            v.id(),
                            b.id()
                        );
                    }
                }
            }
            // The baseline is measured wherever anything else is.
            for p in &plan {
                assert!(
                    plan.iter().any(|q| q.workload().id == p.workload().id
                        && q.variant().role() == Role::Baseline)
                );
            }
        }
    }

    #[test]
    fn quick_answers_the_memory_question_and_full_is_everything() {
        let quick = plan(Profile::Quick, &[1, 2]);
        for role in Role::MEMORY_QUESTION {
            assert!(
                quick.iter().any(
                    |p| p.workload().purpose == crate::workload::Purpose::StateSize
                        && p.variant().role() == role
                ),
                "{role:?}"
            );
        }
        // The large state on a parallel backend at the count the answers
        // quote only (2 of 1 and 2, on 2 cores or more), the sequential
        // loop at its 1.
        let most = match crate::platform::logical_cores() {
            0 | 1 => 1,
            _ => 2,
        };
        let counts: std::collections::BTreeSet<(usize, bool)> = (quick.iter())
            .filter(|p| p.workload().purpose == crate::workload::Purpose::StateSize)
            .map(|p| (p.threads, p.combo.backend.max_threads() > 1))
            .collect();
        assert_eq!(counts, [(1, false), (most, true)].into_iter().collect());
        let full = plan(Profile::Full, &[1, 2]);
        assert_eq!(
            full.len(),
            matrix::combos()
                .map(|c| backends::thread_counts(c.backend, &[1, 2]).len())
                .sum::<usize>()
        );
        let ids: std::collections::HashSet<String> =
            full.iter().map(|p| p.key().to_string()).collect();
        assert_eq!(ids.len(), full.len(), "benchmark ids are unique");
    }
}
