//! Criterion's way against the paired sampler's, in one time window.
//!
//! criterion times each benchmark in a block of back-to-back calls, one
//! after the other, and a speedup from its figures is the ratio of two
//! blocks taken at different moments. The paired sampler times the members
//! in rounds and takes the median of the per-round ratios. This program
//! measures both on one workload, cycle after cycle: per cycle, a block of
//! 40 calls of each member back to back (5 untimed first), their ratio of
//! medians; then the real paired sampler (`paired::sample`) over the same
//! members for 1.5 s. If the two ways move apart from cycle to cycle, the
//! host moved between the blocks.
//!
//! `cargo run --release --example blocks_against_pairs [cycles] [workload]`
//! (default 10 cycles of `trivial`; members: the sequential loop, then
//! `closure` and `fold_reduce` on `std_scope` and `closure` on `rayon`, at
//! 2 threads).

use std::hint::black_box;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use parbench::matrix::{self, Prepared, Target};
use parbench::paired::{self, Sampling};
use parbench::workload::workload;
use parbench::{backends, variants};

/// The members: (variant, backend, threads); the first is the reference.
const MEMBERS: [(&str, &str, usize); 4] = [
    ("sequential", "sequential", 1),
    ("closure", "std_scope", 2),
    ("fold_reduce", "std_scope", 2),
    ("closure", "rayon", 2),
];

/// Calls per block, after `UNTIMED` untimed ones.
const BLOCK: usize = 40;
const UNTIMED: usize = 5;

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let cycles: usize = match args.next() {
        Some(text) => text
            .parse()
            .with_context(|| format!("cycles '{text}' is not a count"))?,
        None => 10,
    };
    let id = args.next().unwrap_or_else(|| "trivial".to_string());
    let spec = workload(&id)?.full;
    let problem = Prepared::new(spec)?;
    let mut out = problem.output()?;
    let mut execs = Vec::new();
    let mut jobs = Vec::new();
    for (variant, backend, threads) in MEMBERS {
        let exec = matrix::executor(backends::backend(backend)?, threads)?;
        let job = problem.job(variants::variant(variant)?);
        problem
            .run_checked(&job, &*exec, &mut out)
            .with_context(|| format!("{id}/{variant}/{backend}/{threads}"))?;
        execs.push(exec);
        jobs.push(job);
    }
    // Found once, outside the timed calls, as every timing loop does.
    let targets: Vec<Target> = execs.iter().map(|e| Target::of(&**e)).collect();
    let sampling = Sampling {
        cap: Duration::from_millis(1_500),
        stretch: 1.0,
        target_half_width: 0.0, // the cap, not a width, ends each cycle's pairs
        ..Sampling::default()
    };
    let watched = paired::speedups_over_first(MEMBERS.len());
    println!(
        "{id}: {} items; per cycle, each member's speedup over the sequential loop: \
         blocks (criterion's way) / pairs (median, 95% interval)",
        spec.items
    );
    for cycle in 0..cycles {
        let mut block_medians = Vec::new();
        for (job, &target) in jobs.iter().zip(&targets) {
            for _ in 0..UNTIMED {
                problem.run_on(job, target, &mut out)?;
            }
            let mut times = Vec::with_capacity(BLOCK);
            for _ in 0..BLOCK {
                let call = Instant::now();
                black_box(problem.run_on(job, target, black_box(&mut out))?);
                times.push(call.elapsed().as_nanos() as f64);
            }
            block_medians.push(median(&mut times));
        }
        let samples = paired::sample(&[false; MEMBERS.len()], &watched, &sampling, |m| {
            problem.run_on(&jobs[m], targets[m], &mut out).map(drop)
        })?;
        let mut line = format!(
            "cycle {cycle:>2}: sequential {:.0} µs (block), {} rounds",
            block_medians[0] / 1e3,
            samples.rounds()
        );
        for (m, (variant, backend, threads)) in MEMBERS.iter().enumerate().skip(1) {
            let paired = samples.speedup(m, 0);
            line += &format!(
                " | {variant}/{backend}/{threads}: {:.2} / {:.2} ({:.2}-{:.2})",
                block_medians[0] / block_medians[m],
                paired.estimate,
                paired.lower,
                paired.upper
            );
        }
        println!("{line}");
    }
    Ok(())
}
