//! rayon as its users write it: `par_iter` over the items, split
//! adaptively ([`RAYON_ITER`]), or with a chosen grain, `with_min_len`
//! ([`RAYON_GRAIN`]).
//!
//! The `rayon` backend hands rayon `Pool.map`-sized chunks, the seed's
//! mechanism; a Rust user gives rayon no chunk size at all. rayon then
//! splits the range in halves, as many times as it has threads to start
//! with, and again whenever a piece is stolen (its adaptive "thief"
//! splitting), so the pieces follow the load instead of a formula. A grain
//! stops the splitting at pieces of at least `min_len` items, which caps
//! what a call pays per piece on cheap items.
//!
//! Each piece is one task ([`Task`]): the pieces are what rayon's own
//! splitting makes of the range ([`rayon::iter::split`], the splitter of
//! `par_iter`'s unindexed form; an indexed `par_iter_mut` splits by the
//! same rule, down to `with_min_len`), so a variant's per-task work runs
//! once per piece, as a user's closure runs once per item within a piece.
//! The hand-written map beside it splits the same way, on the same pool
//! ([`hand_written_map`] says why not `par_iter_mut`'s one-liner).

use std::ops::Range;
use std::sync::Arc;

use anyhow::Result;
use rayon::prelude::*;

use crate::workload::Constants;

use super::rayon_pool::{pin_pool, pool_of};
use super::{
    Backend, Executor, HandWritten, Narrowing, WithHandWritten, WorkersUsed, catch_panic,
    check_output,
};
use crate::schedule::{Chunk, RunStats, Scheduler, Task};

/// A rayon pool split rayon's way: adaptively, down to `min_len` items.
pub struct RayonSplit {
    id: &'static str,
    about: &'static str,
    /// The grain: no piece is split below twice this many items (1: as
    /// `par_iter` does without `with_min_len`).
    min_len: usize,
}

/// `par_iter` as written: adaptive splitting, no grain.
pub const RAYON_ITER: RayonSplit = RayonSplit {
    id: "rayon_iter",
    about: "a dedicated rayon ThreadPool of N threads; par_iter over the items, split adaptively \
            (no chunk size)",
    min_len: 1,
};

/// The grain of [`RAYON_GRAIN`], in items. Fixed, as a user writes it,
/// so it falls on both sides of the break-even: the seed's 20 items stay
/// one piece (a call wakes one thread, not two), `trivial`'s pieces hold at
/// least 0.5 µs of work each (about 0.5 ns an item), and `compute`'s 8,000
/// items of 1 to 2 µs split into 4 pieces of 2,000, enough for 2 threads
/// on uniform work, too few on `imbalanced`'s ramp. rayon stops splitting a
/// piece of fewer than twice the grain.
pub const GRAIN_ITEMS: usize = 1_024;

/// `par_iter().with_min_len(GRAIN_ITEMS)`: adaptive splitting down to a
/// chosen grain.
pub const RAYON_GRAIN: RayonSplit = RayonSplit {
    id: "rayon_grain",
    about: "a dedicated rayon ThreadPool of N threads; par_iter over the items with \
            with_min_len(1024): adaptive splitting down to a chosen grain",
    min_len: GRAIN_ITEMS,
};

impl Backend for RayonSplit {
    fn id(&self) -> &'static str {
        self.id
    }
    fn about(&self) -> &'static str {
        self.about
    }
    fn executor(&self, threads: usize) -> Result<Box<dyn Executor>> {
        super::check_threads_on(self, threads)?;
        Ok(Box::new(RayonSplitExecutor {
            pool: Arc::new(pool_of(threads)?),
            threads,
            min_len: self.min_len,
        }))
    }
    fn narrowing(&self) -> Option<Narrowing> {
        Some(super::SPLIT_ONLY)
    }
    fn with_hand_written(&self, threads: usize) -> Option<WithHandWritten> {
        Some(super::check_threads_on(self, threads).and_then(|()| {
            let pool = Arc::new(pool_of(threads)?);
            let exec = RayonSplitExecutor {
                pool: Arc::clone(&pool),
                threads,
                min_len: self.min_len,
            };
            Ok((
                Box::new(exec) as Box<dyn Executor>,
                HandWritten::RayonIter {
                    pool,
                    min_len: self.min_len,
                },
            ))
        }))
    }
}

/// The plain map by hand: rayon's own splitting of the output down to the
/// grain, each piece a plain loop. Not the one-liner
/// `out.par_iter_mut().enumerate().for_each(..)`: on `trivial` that took
/// 2.8 ms a call at one thread where this takes 0.47 ms (harness overhead
/// pairing, 2026-12-07), the per-item closure inside rayon's folder
/// compiling to a slower loop than a loop over a slice (one possible cause,
/// not measured). Every backend runs a piece of items through the same
/// loop, so that the backends differ in how they split and nothing else.
pub(super) fn hand_written_map(
    pool: &rayon::ThreadPool,
    min_len: usize,
    consts: &Constants,
    out: &mut [u64],
) {
    let whole = Piece {
        items: 0..out.len(),
        out,
    };
    pool.install(|| {
        rayon::iter::split(whole, |p| p.halve(min_len))
            .for_each(|p| consts.oracle_range_into(p.items.start, p.out))
    });
}

struct RayonSplitExecutor {
    /// Shared with the hand-written map when the harness overhead is measured.
    pool: Arc<rayon::ThreadPool>,
    threads: usize,
    min_len: usize,
}

/// A piece of the call: a range of items and its output slots (none for a
/// call that produces a sum).
struct Piece<'a> {
    items: Range<usize>,
    out: &'a mut [u64],
}

impl<'a> Piece<'a> {
    /// In halves, while each half holds at least `min_len` items.
    fn halve(self, min_len: usize) -> (Piece<'a>, Option<Piece<'a>>) {
        let len = self.items.len();
        if len < 2 * min_len.max(1) {
            return (self, None);
        }
        let mid = self.items.start + len / 2;
        let (left, right) = match self.out.is_empty() {
            true => (&mut [][..], &mut [][..]),
            false => self.out.split_at_mut(len / 2),
        };
        (
            Piece {
                items: self.items.start..mid,
                out: left,
            },
            Some(Piece {
                items: mid..self.items.end,
                out: right,
            }),
        )
    }
}

// SAFETY: `Piece::halve` cuts a piece into two disjoint halves, and each
// piece is run once.
unsafe impl Scheduler for RayonSplitExecutor {
    fn threads(&self) -> usize {
        self.threads
    }

    fn pin_workers(&self, cpu: Option<usize>) -> bool {
        pin_pool(&self.pool, cpu)
    }

    fn run(&self, items: Range<usize>, out: &mut [u64], task: &Task<'_>) -> Result<RunStats> {
        check_output(&items, out)?;
        if items.is_empty() {
            return Ok(RunStats::new(0, 0));
        }
        let used = WorkersUsed::new(self.threads);
        let min_len = self.min_len;
        // The pieces are counted by rayon's own reduction: no shared counter.
        let pieces = catch_panic("rayon", || {
            self.pool.install(|| {
                rayon::iter::split(Piece { items, out }, |p| p.halve(min_len))
                    .map(|piece| {
                        let worker = rayon::current_thread_index().expect("inside the pool");
                        used.mark(worker);
                        task(
                            worker,
                            Chunk {
                                items: piece.items,
                                out: piece.out,
                            },
                        );
                        1usize
                    })
                    .sum::<usize>()
            })
        })?;
        Ok(RunStats::new(pieces, used.count()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_piece_halves_down_to_its_grain_and_keeps_its_slots() {
        let mut out = [0u64; 10];
        let (left, right) = Piece {
            items: 4..14,
            out: &mut out,
        }
        .halve(5);
        let right = right.expect("10 items hold two halves of 5");
        assert_eq!((left.items.clone(), left.out.len()), (4..9, 5));
        assert_eq!((right.items.clone(), right.out.len()), (9..14, 5));
        let (left, none) = left.halve(5);
        assert!(none.is_none(), "5 items are not split below a grain of 5");
        assert_eq!(left.items, 4..9);
        let (_, right) = Piece {
            items: 0..2,
            out: &mut [],
        }
        .halve(1);
        assert_eq!(right.map(|p| (p.items, p.out.len())), Some((1..2, 0)));
    }
}
