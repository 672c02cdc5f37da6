//! Is one call of `big_state` a property of the code, or of the neighbours?
//!
//! Times, interleaved in one process, the sequential loop of `big_state`
//! (its table streamed once per call, since issue 19) and the access pattern
//! it replaced (one random entry of the same 64 MiB table per item), call
//! after call for a few seconds, and prints each pattern's distribution and
//! how its median moves from one second to the next. On a shared host the
//! random pattern follows what other tenants do to the last-level cache; the
//! streamed one is bound by memory bandwidth.
//!
//! `cargo run --release --example big_state_stability [seconds]` (default 10).

use std::hint::black_box;
use std::time::{Duration, Instant};

use parbench::workload::{Constants, workload};

/// The kernel before issue 19: one entry at a pseudo-random slot per item.
fn random_probe(state: &Constants, out: &mut [u64]) {
    let table = state.table();
    for (i, slot) in out.iter_mut().enumerate() {
        let a = i as u64;
        let mut x = a.wrapping_add(100 + a).wrapping_mul(state.c);
        for _ in 0..state.spec.rounds_for(i) {
            x = mix(x);
        }
        *slot = x.wrapping_add(table[mix(a) as usize % table.len()]);
    }
}

/// splitmix64's finaliser, as in `parbench::workload`.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// A named access pattern: one call of it over the output.
type Pattern<'a> = (&'static str, &'a dyn Fn(&mut [u64]));

fn quantile(sorted: &[f64], q: f64) -> f64 {
    sorted[((q * (sorted.len() - 1) as f64).round() as usize).min(sorted.len() - 1)]
}

fn main() -> anyhow::Result<()> {
    let seconds: u64 = std::env::args()
        .nth(1)
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(10);
    let spec = workload("big_state")?.full;
    let state = Constants::new(spec)?;
    let mut out = vec![0u64; spec.items];
    let patterns: [Pattern; 2] = [
        ("streamed (now)", &|out| state.oracle_into(out)),
        ("random probe (before)", &|out| random_probe(&state, out)),
    ];
    // Per pattern, per second: the calls' times (ns).
    let mut seconds_of: Vec<Vec<Vec<f64>>> = vec![Vec::new(); patterns.len()];
    let started = Instant::now();
    for _ in 0..3 {
        for (_, call) in &patterns {
            call(&mut out); // warm: page faults of the output and table
        }
    }
    while started.elapsed() < Duration::from_secs(seconds) {
        let second = started.elapsed().as_secs() as usize;
        for (p, (_, call)) in patterns.iter().enumerate() {
            let t = Instant::now();
            call(black_box(&mut out));
            let took = t.elapsed().as_nanos() as f64;
            let per_second = &mut seconds_of[p];
            per_second.resize(second + 1, Vec::new());
            per_second[second].push(took);
        }
    }
    println!(
        "big_state: {} items, a {} MiB table; {seconds} s, the two patterns alternating call by call",
        spec.items,
        spec.state_bytes >> 20
    );
    for (p, (name, _)) in patterns.iter().enumerate() {
        let mut all: Vec<f64> = seconds_of[p].iter().flatten().copied().collect();
        all.sort_by(f64::total_cmp);
        let medians: Vec<f64> = seconds_of[p]
            .iter()
            .filter(|s| !s.is_empty())
            .map(|s| {
                let mut s = s.clone();
                s.sort_by(f64::total_cmp);
                quantile(&s, 0.5)
            })
            .collect();
        let (lo, hi) = medians
            .iter()
            .fold((f64::INFINITY, 0f64), |(lo, hi), &m| (lo.min(m), hi.max(m)));
        println!(
            "{name:>22}: {} calls; min {:.2} ms, p10 {:.2}, median {:.2}, p90 {:.2}, max {:.2}; \
             p90/p10 {:.2}; per-second medians {:.2}-{:.2} ms (max/min {:.2})",
            all.len(),
            all[0] / 1e6,
            quantile(&all, 0.1) / 1e6,
            quantile(&all, 0.5) / 1e6,
            quantile(&all, 0.9) / 1e6,
            all[all.len() - 1] / 1e6,
            quantile(&all, 0.9) / quantile(&all, 0.1),
            lo / 1e6,
            hi / 1e6,
            hi / lo
        );
    }
    Ok(())
}
