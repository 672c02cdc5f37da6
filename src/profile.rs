//! Profiles and thread counts: the configuration of a run.
//!
//! A profile (`PARBENCH_PROFILE`: `quick`, `default`, `full`) says how
//! long to look at each cell (criterion's windows, the paired sampler's cap
//! per set, the intermittent calls); which cells it measures is the plan's
//! business ([`crate::sweep::plan()`]), which reads the workloads' coverage
//! and the backends' narrowing. Budgets on a 2-core machine: `default`
//! under 12 minutes from a fresh clone, its compile included (657 s on
//! 2026-12-07 with a 109 s compile); `quick` under 2 minutes of measuring
//! (117.4 and 117.6 s that day, 90 to 94 s on a faster one; 133 to 137 s
//! on 2026-12-08 until the plan's `measures_state_size_at`, Python's pools
//! within the cores and the break-even map's cap of 2^23 took 16 to 20 s
//! off it: 117 s), plus a fresh clone's compile (77 to 128 s, no
//! profile's doing).
//!
//! The thread counts are powers of two up to twice the logical core count,
//! plus the core count itself (1, 2, 4 on two cores); `PARBENCH_THREADS`
//! overrides them. Each backend runs at those it supports, up to
//! [`MAX_THREADS`].
//!
//! Configuration, not orchestration: it sits in the core, below the
//! backends and the plan, which both read it.

use std::time::Duration;

use anyhow::{Result, bail};
use serde::{Deserialize, Serialize};

use crate::paired::{IntermittentSampling, Sampling};

/// The criterion settings a run used.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CriterionSettings {
    pub warm_up_ms: u64,
    pub measurement_ms: u64,
    pub sample_size: u64,
    pub nresamples: u64,
}

/// How much of the matrix to measure, and how long to look at each cell.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Profile {
    Quick,
    Default,
    Full,
}

impl Profile {
    pub fn id(self) -> &'static str {
        match self {
            Profile::Quick => "quick",
            Profile::Default => "default",
            Profile::Full => "full",
        }
    }

    /// Parses `PARBENCH_PROFILE`'s value (unset: `default`).
    pub fn parse(value: Option<&str>) -> Result<Profile> {
        match value.map(str::trim) {
            None | Some("") | Some("default") => Ok(Profile::Default),
            Some("quick") => Ok(Profile::Quick),
            Some("full") => Ok(Profile::Full),
            Some(other) => bail!(
                "PARBENCH_PROFILE='{other}' is not a profile (expected quick, default or full)"
            ),
        }
    }

    /// The criterion settings of this profile (criterion's command-line
    /// flags still override them).
    pub fn criterion_settings(self) -> CriterionSettings {
        match self {
            // Quick and default: criterion's windows buy only its absolute
            // time per call; every ratio comes from the paired sampler. A
            // call of 5 ms or more takes its 10 samples of one call whatever
            // the window (issue 19: default was 150 ms, 300 ms, 12 samples;
            // issue 21 shortened the warm-ups and halved the windows again to
            // make room for the two example
            // problems of one's own in the budgets).
            Profile::Quick => CriterionSettings {
                warm_up_ms: 10,
                measurement_ms: 50,
                sample_size: 10,
                nresamples: 5_000,
            },
            Profile::Default => CriterionSettings {
                warm_up_ms: 20,
                measurement_ms: 100,
                sample_size: 10,
                nresamples: 20_000,
            },
            Profile::Full => CriterionSettings {
                warm_up_ms: 3_000,
                measurement_ms: 5_000,
                sample_size: 100,
                nresamples: 100_000,
            },
        }
    }

    /// Whether criterion times the steady benchmarks in this profile (its
    /// windows give each entry's `time_ns`: criterion's slope or mean).
    /// Not in `quick`: there every figure the report uses comes from the
    /// paired rounds, and so does each entry's time (the median per call
    /// over its rounds, as for a problem of one's own). Criterion's
    /// windows bought nothing else there and took 16.8 s of sample
    /// collection and about 1.3 s of warm-ups over quick's 132 steady
    /// benchmarks (of 105 to 113 s of measuring, on 2 cores; 90 to 94 s
    /// without them).
    pub fn times_with_criterion(self) -> bool {
        self != Profile::Quick
    }

    /// How the intermittent sampler samples each group in this profile
    /// ([`crate::paired::sample_intermittent`]), with the caller's work
    /// `caller_work` before each call: from the calls the profile fixed
    /// before 2026-12-07 (20, 60, 200: the first look) until each member's
    /// mean call against its steady call is decided against
    /// [`crate::roles::INTERMITTENT_LOSS`], or the cap. In two default runs
    /// of the fixed counts, 1 and 6 of the 75 answer subjects were
    /// intermittent ones left undecided. The first look is not earlier
    /// because the mean's sequence misses rare long stalls more often
    /// the fewer the calls (the coverage test: 80% of trials at 60 calls,
    /// 54% at 20, where 5% of the calls stall).
    pub fn intermittent_sampling(self, caller_work: Duration) -> IntermittentSampling {
        let (min_calls, max_calls, cap_ms) = match self {
            Profile::Quick => (20, 120, 1_500),
            Profile::Default => (60, 240, 3_000),
            Profile::Full => (200, 800, 20_000),
        };
        IntermittentSampling {
            min_calls,
            max_calls,
            cap: Duration::from_millis(cap_ms),
            caller_work,
            margin: crate::roles::INTERMITTENT_LOSS,
        }
    }

    /// How the paired sampler samples each set of a group in this profile:
    /// until every speedup's 95% interval is within
    /// [`crate::paired::TARGET_HALF_WIDTH`] (3%) and every comparison is
    /// decided against its margin, or this profile's time cap per
    /// set. The caps are what the budgets allow (`quick` under 2 minutes,
    /// `default` under 12 on 2 cores); a member stopped by the cap records
    /// it, and the report marks it.
    ///
    /// A member that churns memory is sampled apart, in a set of its own,
    /// with a cap of 2 s in `quick`: its calls (50 to 170 ms on
    /// `big_state`) filled quick's 1 s with 6 to 12 rounds, whose ±5%
    /// intervals let two quick runs back to back differ by 5 to 12% on 2 to
    /// 4 of `big_state`'s 18 entries (issue 19). With 2 s they still do on
    /// 1 to 3 (8 to 37 rounds): the copy's own time has two modes (the
    /// `docs/measuring.md`, "What no sampling narrows").
    ///
    /// The ratios within reach of settling at the cap go on to twice it in
    /// `quick` and `default`, three times it in `full`
    /// ([`Sampling::stretch`]), and beyond with what the run's bank lends
    /// ([`crate::paired::Bank`]). `default` had three times the cap until
    /// its intervals became confidence sequences: with 3, two fresh default
    /// runs took 720 and 729 s on a day the previous code took 668 s (its
    /// compile slowed by a build beside it; the
    /// 12-minute budget is 720). In a default run with a stretch of 2, the 50
    /// entries of 1 ms or more within the cores that still ended above the
    /// target held 3 within 1.41 times it (which twice the rounds close)
    /// and 10 within 1.73 times (three times the rounds). In `quick`, three
    /// times the cap and a churning cap of 3 s took two runs to 116 s and
    /// 139 s (96 s before), over its budget; twice the cap and 2 s, to 105
    /// to 113 s.
    pub fn sampling(self) -> Sampling {
        let (cap_ms, churning_cap_ms, stretch) = match self {
            Profile::Quick => (1_000, 2_000, 2.0),
            Profile::Default => (3_000, 3_000, 2.0),
            Profile::Full => (15_000, 15_000, 3.0),
        };
        Sampling {
            cap: Duration::from_millis(cap_ms),
            churning_cap: Duration::from_millis(churning_cap_ms),
            stretch,
            ..Sampling::default()
        }
    }

    /// The most the paired sampler's bank lends over one run of this
    /// profile ([`crate::paired::Bank::limited`]): about what a default run
    /// lent before the five ways of splitting of issue 33 (18.6 to 19.9 s
    /// in three runs), and a quick run's (0 to 1.9 s) with room; `full`
    /// lends what its sets saved.
    pub fn bank_limit(self) -> Option<Duration> {
        match self {
            Profile::Quick => Some(Duration::from_secs(5)),
            Profile::Default => Some(Duration::from_secs(20)),
            Profile::Full => None,
        }
    }

    /// The most a run of this profile (the built-in sweep, or one problem
    /// of one's own) spends settling head to head the comparisons an
    /// answer quotes that their sets left undecided
    /// ([`crate::paired::Budget`]). In a quick run of 2026-12-07 with no
    /// limit, 17 such comparisons took 11.3 s, and the run 122 s; a fresh
    /// default run with 10 s (then for every role) spent it all on idioms
    /// the built-in answers pool over points, and took 716 s of its 720.
    pub fn settling_budget(self) -> Option<Duration> {
        match self {
            Profile::Quick => Some(Duration::from_secs(3)),
            Profile::Default => Some(Duration::from_secs(8)),
            Profile::Full => None,
        }
    }

    /// Whether a run of this profile visits its paired sets again later in
    /// the run ([`crate::sweep::Sweep::revisit`]): in `default` and `full`,
    /// every set; in `quick`, none, for its 2-minute budget. Visiting every
    /// set of a quick run took its revisits 33 s for 31 sets and the run
    /// 15 s more (162 s against 147 s for the commit before, back to back,
    /// 2026-12-07); the answers' sets alone took 9.7 to 11.6 s of the
    /// built-in sweep and 4.7 s of the two examples, and a quick run 148 to
    /// 160 s on a host on which the commit before them took 137 s. Two
    /// quick runs back to back overlapped in 221 of their 222 paired
    /// intervals with those visits, and again without them (compute
    /// speedups within 3%: 96, then 106 of 113). A quick figure is sampled
    /// at one moment, and the report counts none at two.
    pub fn revisits(self) -> bool {
        self != Profile::Quick
    }

    /// The most a run of this profile (the built-in sweep, or one problem
    /// of one's own) spends visiting its sets again ([`crate::paired::Budget`]).
    /// The visits that are due (the answers' sets, and the sets short of 8
    /// rounds: `sweep::RevisitNeed::is_due`) come first and happen whatever
    /// is left; the others get what is left, and a set left out keeps its
    /// one visit (the report counts the figures sampled at two moments).
    /// `quick` visits no set again ([`Profile::revisits`]).
    pub fn revisit_budget(self) -> Option<Duration> {
        match self {
            Profile::Quick => Some(Duration::ZERO),
            Profile::Default => Some(Duration::from_secs(40)),
            Profile::Full => None,
        }
    }

    /// [`Profile::revisit_budget`] for one problem of one's own: half the
    /// built-in sweep's. In a default run with the built-in's 60 s each,
    /// the classifier example's 26 sets took 29.2 s to visit again, each
    /// at least 4 rounds of its long calls.
    pub fn own_revisit_budget(self) -> Option<Duration> {
        self.revisit_budget().map(|budget| budget / 2)
    }

    /// Whether criterion draws its own per-benchmark plots in this profile:
    /// `full` only. They cost about 0.25 s per benchmark (a `default` run of
    /// `trivial`'s 73 benchmarks: 65 s with them, 47 s without), about 100 s
    /// of `default`'s 12 minutes, which the paired sampler's caps use
    /// instead; parbench's report draws its own charts.
    pub fn criterion_plots(self) -> bool {
        self == Profile::Full
    }
}

/// Powers of two up to twice `logical_cores`, plus `logical_cores` itself.
pub fn default_threads(logical_cores: usize) -> Vec<usize> {
    let cores = logical_cores.max(1);
    let mut threads: Vec<usize> = std::iter::successors(Some(1usize), |t| Some(t * 2))
        .take_while(|&t| t <= 2 * cores)
        .collect();
    threads.push(cores);
    threads.sort_unstable();
    threads.dedup();
    threads
}

/// `PARBENCH_THREADS` if set, else [`default_threads`] of this machine.
pub fn threads_from(value: Option<&str>, logical_cores: usize) -> Result<Vec<usize>> {
    match value {
        Some(list) if !list.trim().is_empty() => {
            let mut threads = Vec::new();
            for part in list.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                let n = thread_count(part).map_err(|e| {
                    anyhow::anyhow!(
                        "PARBENCH_THREADS='{list}': '{part}' is not a thread count: {e}"
                    )
                })?;
                threads.push(n);
            }
            threads.sort_unstable();
            threads.dedup();
            if threads.is_empty() {
                bail!("PARBENCH_THREADS='{list}' names no thread count");
            }
            Ok(threads)
        }
        _ => Ok(default_threads(logical_cores)),
    }
}

/// Upper bound on threads per call: far beyond oversubscription that says
/// anything, well below what the OS refuses.
pub const MAX_THREADS: usize = 1024;

/// Rejects thread counts no backend can use.
pub fn check_threads(threads: usize) -> Result<()> {
    if threads == 0 {
        bail!("threads must be at least 1 (got 0)");
    }
    if threads > MAX_THREADS {
        bail!("threads must be at most {MAX_THREADS} (got {threads})");
    }
    Ok(())
}

/// A thread count from the command line or `PARBENCH_THREADS`: 1 to
/// [`MAX_THREADS`].
pub fn thread_count(text: &str) -> Result<usize, String> {
    let n: usize = text
        .trim()
        .parse()
        .map_err(|_| "expected a whole number such as 1, 2 or 4".to_string())?;
    check_threads(n).map_err(|e| e.to_string())?;
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_threads_on_two_cores_are_1_2_4() {
        assert_eq!(default_threads(2), vec![1, 2, 4]);
        assert_eq!(default_threads(1), vec![1, 2]);
        assert_eq!(default_threads(6), vec![1, 2, 4, 6, 8]);
        assert_eq!(threads_from(Some("8,1,2"), 2).unwrap(), vec![1, 2, 8]);
        let err = threads_from(Some("1,0"), 2).unwrap_err().to_string();
        assert!(
            err.contains("PARBENCH_THREADS") && err.contains("'0'"),
            "{err}"
        );
    }
}
