//! The break-even map: from how much work per call a parallel map beats the
//! sequential loop, per backend.
//!
//! The workloads of the sweep bracket the answer between a few sizes; this
//! grid measures it. At the machine's logical core count, the plain parallel
//! map (the variant with the `partial` idiom's role, `closure`) on every
//! parallel backend is timed against the sequential loop over a grid of item
//! counts (log-spaced, 10 to 1,000,000) and work per item (mixing rounds,
//! 0 and log-spaced up to 1,024). Each cell is one set of the paired sampler
//! ([`paired::sample`]): the sequential loop and every backend are members
//! of the same rounds, so the sequential time is shared by every backend's
//! ratio and drift cancels. Every member is checked against the oracle once
//! before it is timed; a mismatch is an error, never a cell.
//!
//! **Long cells.** A call of 1,000,000 items of 1,024 rounds takes seconds
//! sequentially (about 3 ns per round on this 2-core VM). A cell of more
//! than [`LONG_CELL_WORK`] item-rounds (about 0.1 s there) is sampled in at
//! least [`LONG_CELL_ROUNDS`] paired rounds instead of 8 (more where the cap
//! allows): bounds from fewer than 8 rounds are the range of those rounds,
//! not a 95% interval (the map is about where the speedup crosses 1, far
//! from these cells), and the cell records its `paired_rounds`. The work, not a timed call, decides, so the same cells
//! are long on every run. `quick` also skips the cells
//! whose items x rounds exceed its cap ([`Grid::max_work`]), for its
//! 2-minute budget, and `default` its corner, for its 12 minutes; `full`
//! measures every cell. Skipped cells
//! are said so in the run's output and show as blank cells on the map.
//!
//! The threshold ([`thresholds`]) is read off the grid, never typed: on each
//! row of the map (one work per item), the item count where the speedup
//! crosses 1 is interpolated between the two cells around it (log items
//! against log speedup), and so is the sequential loop's time per call
//! there: the work per call at which the backend breaks even.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::backends::{self, Backend, Executor};
use crate::key::Key;
use crate::matrix::{self, Prepared, Target};
use crate::paired::{self, Sampling};
use crate::profile::Profile;
use crate::results::BreakEvenCell;
use crate::roles::Role;
use crate::sweep::{Sweep, baseline};
use crate::variants::{VARIANTS, Variant};
use crate::workload::{Imbalance, Spec};

/// The workload part of the pseudo-key criterion's filter is matched
/// against (`break_even/closure/<backend>/<threads>`): `cargo bench --
/// break_even` runs the grid alone, a filter naming a workload skips it.
pub const FILTER_ID: &str = "break_even";

/// A cell of more item-rounds (items x rounds, rounds counted as at least
/// 1) is sampled in fewer rounds.
pub const LONG_CELL_WORK: u64 = 1 << 25;

/// The paired rounds of a long cell: the fewest with a median and a range.
pub const LONG_CELL_ROUNDS: usize = 3;

/// The cells a profile measures.
#[derive(Clone, Debug, PartialEq)]
pub struct Grid {
    /// Item counts, log-spaced from 10 to 1,000,000.
    pub items: Vec<u64>,
    /// Mixing rounds per item: 0, then log-spaced up to 1,024.
    pub rounds: Vec<u64>,
    /// Cells with more items x rounds (rounds counted as at least 1) are
    /// skipped: see the module doc. `None`: every cell.
    pub max_work: Option<u64>,
    /// The time cap of the paired sampler in each cell (at least 8 rounds;
    /// it stops sooner once every interval is within the target,
    /// [`paired::TARGET_HALF_WIDTH`]).
    pub cap: Duration,
}

impl Grid {
    /// The grid of `profile`.
    pub fn of(profile: Profile) -> Grid {
        match profile {
            Profile::Quick => Grid {
                items: log_spaced(10, 1_000_000, 4),
                rounds: vec![0, 8, 64, 1024],
                // Up to 1,000,000 items x 8 rounds (20 ms a sequential
                // call here), whose cell the row of 8 rounds crosses 1
                // before on rayon (0.89x at 21,544 items). Not 21,544
                // items x 1,024 rounds (100 ms a sequential call): 4.5 s
                // of a quick run of 137 s (2026-12-08), on a row every
                // backend crosses between 10 and 464 items.
                max_work: Some(1 << 23),
                cap: Duration::from_millis(60),
            },
            Profile::Default => Grid {
                items: log_spaced(10, 1_000_000, 6),
                rounds: vec![0, 4, 16, 64, 256, 1024],
                // The corner, 1,000,000 items x 1,024 rounds (4.2 s a
                // sequential call, 2.1 s a parallel one, 3 rounds on 4
                // backends: more than a minute of the default run, which
                // stood at 656-718 s of its 12 minutes), at 1.98x far
                // from the speedup = 1 contour. With nine parallel
                // backends (issue 33), the next three cells too (64 to
                // 256 M items x rounds, 0.26 to 1 s a sequential call,
                // each at least 8 rounds of every backend): the map's
                // crossings lie below 1 ms of work per call.
                max_work: Some(1 << 25),
                cap: Duration::from_millis(150),
            },
            Profile::Full => Grid {
                items: log_spaced(10, 1_000_000, 11),
                rounds: vec![0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024],
                max_work: None,
                cap: Duration::from_millis(1_000),
            },
        }
    }

    /// Is the cell within the profile's work cap?
    pub fn measures(&self, items: u64, rounds: u64) -> bool {
        self.max_work
            .is_none_or(|cap| items.saturating_mul(rounds.max(1)) <= cap)
    }

    /// Every cell of the grid within the cap, items fastest.
    pub fn cells(&self) -> Vec<(u64, u64)> {
        self.rounds
            .iter()
            .flat_map(|&r| self.items.iter().map(move |&i| (i, r)))
            .filter(|&(i, r)| self.measures(i, r))
            .collect()
    }
}

/// `n` integers log-spaced from `from` to `to`, both included.
pub fn log_spaced(from: u64, to: u64, n: usize) -> Vec<u64> {
    let (a, b) = ((from as f64).ln(), (to as f64).ln());
    let mut values: Vec<u64> = (0..n)
        .map(|k| {
            let t = k as f64 / (n.max(2) - 1) as f64;
            (a + (b - a) * t).exp().round() as u64
        })
        .collect();
    values.dedup();
    values
}

/// What the grid does: time it (and record it), or only check every cell
/// against the oracle once (criterion's test mode, the CI smoke run).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Measure,
    Check,
}

/// The plain parallel map.
pub fn plain_map() -> &'static dyn Variant {
    VARIANTS
        .iter()
        .copied()
        .find(|v| v.role() == Role::PartialIdiom)
        .expect("the registry has the partial idiom")
}

/// The parallel backends that run the plain map at `threads` in `profile`
/// ([`Profile::measures_backend`]).
pub fn parallel_backends(profile: Profile, threads: usize) -> Vec<&'static dyn Backend> {
    backends::BACKENDS
        .iter()
        .copied()
        .filter(|b| b.max_threads() > 1 && threads <= b.max_threads())
        .filter(|b| profile.measures_backend(*b))
        .filter(|b| matrix::refusal(plain_map(), *b).is_none())
        .collect()
}

/// Measures (or checks) the grid of `sweep`'s profile at `threads`, for the
/// backends criterion's filter `selected` accepts, skipping the cells a
/// resumed run measured. Measured cells reach the results file one by one.
/// Returns how many cells were measured or checked.
pub fn run(
    sweep: &mut Sweep,
    threads: usize,
    mode: Mode,
    selected: &dyn Fn(&Key) -> bool,
) -> Result<usize> {
    let grid = Grid::of(sweep.profile);
    let backends: Vec<&'static dyn Backend> = parallel_backends(sweep.profile, threads)
        .into_iter()
        .filter(|b| {
            selected(&Key::new(
                FILTER_ID,
                plain_map().id(),
                b.id(),
                threads as u64,
            ))
        })
        .collect();
    if backends.is_empty() {
        return Ok(0);
    }
    let sequential = matrix::executor(&backends::Sequential, 1)?;
    let executors: Vec<Box<dyn Executor>> = backends
        .iter()
        .map(|b| matrix::executor(*b, threads))
        .collect::<Result<_>>()?;
    let skipped = grid.items.len() * grid.rounds.len() - grid.cells().len();
    let cells = grid.cells();
    let names: Vec<&str> = backends.iter().map(|b| b.id()).collect();
    if sweep.verbose {
        println!(
            "parbench: break-even map: {} cells x {} at {threads} threads (closure vs the \
             sequential loop){}",
            cells.len(),
            names.join(", "),
            match (skipped, grid.max_work) {
                (0, _) | (_, None) => String::new(),
                (n, Some(cap)) => format!(
                    "; {n} cells above {cap} items x rounds skipped (work cap of this profile)"
                ),
            }
        );
    }
    let sampling = Sampling {
        cap: grid.cap,
        ..Sampling::default()
    };
    let started = Instant::now();
    let mut done = 0;
    for (place, &(items, rounds)) in cells.iter().enumerate() {
        let pending: Vec<usize> = (0..backends.len())
            .filter(|&b| {
                !sweep.resumed_break_even.iter().any(|c| {
                    c.backend == backends[b].id()
                        && c.threads == threads as u64
                        && c.items == items
                        && c.rounds == rounds
                })
            })
            .collect();
        if pending.is_empty() {
            continue;
        }
        if sweep.verbose && mode == Mode::Measure {
            println!(
                "[break-even {}/{}] {items} items x {rounds} rounds — {} elapsed",
                place + 1,
                cells.len(),
                crate::sweep::human(started.elapsed())
            );
        }
        let spec = Spec {
            items: items as usize,
            rounds: rounds as u32,
            imbalance: Imbalance::Uniform,
            state_bytes: 0,
        };
        let problem = Prepared::new(spec)
            .with_context(|| format!("break-even cell {items} items x {rounds} rounds"))?;
        let mut out = problem.output()?;
        // Member 0 is the sequential loop; then each pending backend.
        let mut members: Vec<(crate::job::Job, &dyn Executor)> =
            vec![(problem.job(baseline()), &*sequential)];
        for &b in &pending {
            members.push((problem.job(plain_map()), &*executors[b]));
        }
        for (member, (job, exec)) in members.iter().enumerate() {
            if let Err(err) = problem.run_checked(job, *exec, &mut out) {
                let who = match member {
                    0 => "the sequential loop".to_string(),
                    m => format!("{}/{}", plain_map().id(), backends[pending[m - 1]].id()),
                };
                bail!(
                    "break-even cell {items} items x {rounds} rounds: {who} at {threads} \
                     threads does not match the oracle: {err:#}"
                );
            }
        }
        done += 1;
        if mode == Mode::Check {
            continue;
        }
        let sampling = match items.saturating_mul(rounds.max(1)) > LONG_CELL_WORK {
            true => Sampling {
                min_rounds: LONG_CELL_ROUNDS,
                ..sampling
            },
            false => sampling,
        };
        let watched = paired::speedups_over_first(members.len());
        let targets: Vec<(&crate::job::Job, Target)> = members
            .iter()
            .map(|(job, exec)| (job, Target::of(*exec)))
            .collect();
        let samples = paired::sample(&vec![false; members.len()], &watched, &sampling, |m| {
            let (job, target) = targets[m];
            problem.run_on(job, target, &mut out).map(drop)
        })
        .with_context(|| format!("break-even cell {items} items x {rounds} rounds"))?;
        let sequential_ns = samples.wall_per_call_ns(0);
        let measured: Vec<BreakEvenCell> = pending
            .iter()
            .enumerate()
            .map(|(position, &b)| {
                let speedup = samples.speedup(position + 1, 0);
                BreakEvenCell {
                    backend: backends[b].id().to_string(),
                    threads: threads as u64,
                    items,
                    rounds,
                    sequential_ns,
                    parallel_ns: samples.wall_per_call_ns(position + 1),
                    speedup: speedup.estimate,
                    speedup_lower: Some(speedup.lower),
                    speedup_upper: Some(speedup.upper),
                    paired_rounds: Some(samples.paired_rounds(position + 1, 0) as u64),
                    measured_at: sweep.started_at.clone(),
                }
            })
            .collect();
        if let Some(store) = sweep.store_mut() {
            store.record_break_even(measured)?;
        }
    }
    if sweep.verbose && mode == Mode::Check {
        println!("parbench: break-even map: every member of {done} cells matches the oracle");
    }
    Ok(done)
}

/// Where one row of the map (one work per item) crosses speedup = 1.
#[derive(Clone, Debug, PartialEq)]
pub enum Crossing {
    /// Interpolated between two measured cells.
    At {
        items: f64,
        /// The sequential loop's time per call there (ns): the work per call.
        sequential_ns: f64,
    },
    /// The parallel map already wins at the fewest items measured.
    Below { items: u64 },
    /// It never wins up to the most items measured.
    Never { items: u64 },
}

impl Crossing {
    /// The sequential time per item at the crossing (ns), where interpolated.
    pub fn ns_per_item(&self) -> Option<f64> {
        match self {
            Crossing::At {
                items,
                sequential_ns,
            } => Some(sequential_ns / items),
            _ => None,
        }
    }
}

/// The threshold of one backend at one thread count.
#[derive(Clone, Debug, PartialEq)]
pub struct Threshold {
    pub backend: String,
    pub threads: u64,
    /// Per work per item (rounds), where its row crosses 1.
    pub rows: Vec<(u64, Crossing)>,
}

impl Threshold {
    /// The median of the sequential time per call over the rows that cross
    /// between two cells: the work per call from which the backend wins.
    pub fn work_per_call_ns(&self) -> Option<f64> {
        let mut at: Vec<f64> = self
            .rows
            .iter()
            .filter_map(|(_, c)| match c {
                Crossing::At { sequential_ns, .. } => Some(*sequential_ns),
                _ => None,
            })
            .collect();
        (!at.is_empty()).then(|| paired::median_interval(&mut at).estimate)
    }
}

/// The speedup = 1 threshold per backend and thread count, from the cells.
pub fn thresholds(cells: &[BreakEvenCell]) -> Vec<Threshold> {
    let mut by_backend: BTreeMap<(usize, String, u64), BTreeMap<u64, Vec<&BreakEvenCell>>> =
        BTreeMap::new();
    for c in cells {
        let rank = backends::BACKENDS
            .iter()
            .position(|b| b.id() == c.backend)
            .unwrap_or(usize::MAX);
        by_backend
            .entry((rank, c.backend.clone(), c.threads))
            .or_default()
            .entry(c.rounds)
            .or_default()
            .push(c);
    }
    by_backend
        .into_iter()
        .map(|((_, backend, threads), rows)| Threshold {
            backend,
            threads,
            rows: rows
                .into_iter()
                .map(|(rounds, mut row)| {
                    row.sort_by_key(|c| c.items);
                    (rounds, crossing(&row))
                })
                .collect(),
        })
        .collect()
}

/// Where a row (sorted by items) crosses 1: after the last cell that loses,
/// between it and the next (which wins).
fn crossing(row: &[&BreakEvenCell]) -> Crossing {
    let last_losing = row.iter().rposition(|c| c.speedup < 1.0);
    match last_losing {
        None => Crossing::Below {
            items: row.first().map_or(0, |c| c.items),
        },
        Some(i) if i + 1 == row.len() => Crossing::Never {
            items: row.last().map_or(0, |c| c.items),
        },
        Some(i) => {
            let (a, b) = (row[i], row[i + 1]);
            let t = (0.0 - a.speedup.ln()) / (b.speedup.ln() - a.speedup.ln());
            let lerp = |x: f64, y: f64| (x.ln() + t * (y.ln() - x.ln())).exp();
            Crossing::At {
                items: lerp(a.items as f64, b.items as f64),
                sequential_ns: lerp(a.sequential_ns, b.sequential_ns),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(items: u64, rounds: u64, sequential_ns: f64, speedup: f64) -> BreakEvenCell {
        BreakEvenCell {
            backend: "rayon".into(),
            threads: 2,
            items,
            rounds,
            sequential_ns,
            parallel_ns: sequential_ns / speedup,
            speedup,
            speedup_lower: None,
            speedup_upper: None,
            paired_rounds: None,
            measured_at: String::new(),
        }
    }

    #[test]
    fn grids_are_log_spaced_from_10_to_a_million_within_their_caps() {
        for (profile, size) in [(Profile::Quick, 4), (Profile::Default, 6)] {
            let grid = Grid::of(profile);
            assert_eq!(grid.items.len(), size);
            assert_eq!(grid.rounds.len(), size);
            assert_eq!(grid.items[0], 10);
            assert_eq!(*grid.items.last().unwrap(), 1_000_000);
            assert_eq!(grid.rounds[0], 0);
            assert!(*grid.rounds.last().unwrap() >= 1000);
            let ratios: Vec<f64> = grid
                .items
                .windows(2)
                .map(|w| w[1] as f64 / w[0] as f64)
                .collect();
            assert!(ratios.iter().all(|r| (r / ratios[0] - 1.0).abs() < 0.01));
            assert!(grid.cells().iter().all(|&(i, r)| grid.measures(i, r)));
        }
        let full = Grid::of(Profile::Full);
        assert_eq!(full.cells().len(), full.items.len() * full.rounds.len());
        // quick skips the three cells of more than 8 M items x rounds.
        let quick = Grid::of(Profile::Quick);
        assert_eq!(quick.cells().len(), 4 * 4 - 3);
        assert!(quick.measures(1_000_000, 8) && !quick.measures(21_544, 1024));
        // default skips its corner and the three cells below it.
        let default = Grid::of(Profile::Default);
        assert_eq!(default.cells().len(), 6 * 6 - 4);
        assert!(!default.measures(1_000_000, 64) && default.measures(1_000_000, 16));
        assert!(!default.measures(100_000, 1024) && default.measures(100_000, 256));
    }

    #[test]
    fn the_threshold_is_interpolated_between_the_cells_around_speedup_one() {
        // 0.5x at 100 items (1 us), 2x at 10,000 items (100 us): the crossing
        // lies halfway in log space, 1,000 items and 10 us.
        let cells = vec![
            cell(10, 0, 100.0, 0.1),
            cell(100, 0, 1_000.0, 0.5),
            cell(10_000, 0, 100_000.0, 2.0),
            cell(10, 64, 5_000.0, 1.2),
            cell(100, 64, 50_000.0, 1.8),
            cell(10, 1024, 100.0, 0.2),
        ];
        let found = thresholds(&cells);
        assert_eq!(found.len(), 1);
        let rows = &found[0].rows;
        match &rows[0] {
            (
                0,
                Crossing::At {
                    items,
                    sequential_ns,
                },
            ) => {
                assert!((items - 1_000.0).abs() < 1e-6, "{items}");
                assert!((sequential_ns - 10_000.0).abs() < 1e-6);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(rows[1], (64, Crossing::Below { items: 10 }));
        assert_eq!(rows[2], (1024, Crossing::Never { items: 10 }));
        assert!((found[0].work_per_call_ns().unwrap() - 10_000.0).abs() < 1e-6);
        assert!((rows[0].1.ns_per_item().unwrap() - 10.0).abs() < 1e-9);
    }
}
