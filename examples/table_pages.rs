//! Does a worker process read the constant state faster than the caller?
//!
//! The `process` backend hands its workers the table as a file they map
//! read-only (`Constants::mapped`); the caller holds it on its heap
//! (`Constants::new`). The kernel may back the two with pages of different
//! sizes, which changes the cost of reading them alike. This program builds
//! `big_state`'s table both ways in one process, prints each mapping's page
//! figures from `/proc/self/smaps` (Linux), and times the workload's
//! sequential loop over each, alternating call by call, which goes first
//! alternating too.
//!
//! `cargo run --release --example table_pages [workload] [seconds]`
//! (default `big_state`, 10).

use std::hint::black_box;
use std::io::Write;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use parbench::workload::{Constants, workload};

/// The page figures of the mapping that holds `address`, from
/// `/proc/self/smaps`: "unknown" where the file cannot be read.
fn page_figures(address: usize) -> String {
    let Ok(smaps) = std::fs::read_to_string("/proc/self/smaps") else {
        return "unknown (no /proc/self/smaps)".to_string();
    };
    let mut figures = Vec::new();
    let mut inside = false;
    for line in smaps.lines() {
        let range = line.split_once(' ').and_then(|(range, _)| {
            let (start, end) = range.split_once('-')?;
            Some((
                usize::from_str_radix(start, 16).ok()?,
                usize::from_str_radix(end, 16).ok()?,
            ))
        });
        match range {
            Some((start, end)) => inside = (start..end).contains(&address),
            None if inside
                && ["Rss:", "AnonHugePages:", "FilePmdMapped:"]
                    .iter()
                    .any(|name| line.starts_with(name)) =>
            {
                figures.push(line.split_whitespace().collect::<Vec<_>>().join(" "))
            }
            None => {}
        }
    }
    figures.join(", ")
}

fn quantile(values: &[f64], q: f64) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted[((q * (sorted.len() - 1) as f64).round() as usize).min(sorted.len() - 1)]
}

fn main() -> Result<()> {
    let id = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "big_state".to_string());
    let seconds: f64 = match std::env::args().nth(2) {
        Some(text) => text
            .parse()
            .with_context(|| format!("seconds '{text}' is not a number"))?,
        None => 10.0,
    };
    let spec = workload(&id)?.full;
    if spec.state_bytes == 0 {
        bail!("workload {id} has no table (state_bytes 0): nothing to map");
    }
    let heap = Constants::new(spec)?;
    let dir = tempfile::Builder::new()
        .prefix("parbench-pages-")
        .tempdir()?;
    let path = dir.path().join("table");
    let bytes: Vec<u8> = heap.table().iter().flat_map(|v| v.to_ne_bytes()).collect();
    std::fs::File::create(&path)
        .and_then(|mut file| file.write_all(&bytes))
        .with_context(|| format!("writing {}", path.display()))?;
    drop(bytes);
    let file = std::fs::File::open(&path).with_context(|| format!("opening {}", path.display()))?;
    // SAFETY: this program's own temporary file, written once above and
    // never again while mapped.
    let map = unsafe { memmap2::Mmap::map(&file) }.context("mapping the table file")?;
    let mapped = Constants::mapped(spec, heap.c, map)?;
    let (mut out, mut check) = (vec![0u64; spec.items], vec![0u64; spec.items]);
    heap.oracle_into(&mut out);
    mapped.oracle_into(&mut check);
    if out != check {
        bail!("the mapped table gives other results than the heap's");
    }
    println!(
        "{id}: {} items, a {} MiB table",
        spec.items,
        spec.state_bytes >> 20
    );
    println!("  heap:   {}", page_figures(heap.table().as_ptr() as usize));
    println!(
        "  mapped: {}",
        page_figures(mapped.table().as_ptr() as usize)
    );
    let sides = [&heap, &mapped];
    let mut times: [Vec<f64>; 2] = [Vec::new(), Vec::new()];
    let started = Instant::now();
    let mut pair = 0;
    while started.elapsed().as_secs_f64() < seconds {
        for step in 0..2 {
            let side = (pair + step) % 2;
            let call = Instant::now();
            sides[side].oracle_into(black_box(&mut out));
            times[side].push(call.elapsed().as_nanos() as f64);
        }
        pair += 1;
    }
    let ratios: Vec<f64> = times[0].iter().zip(&times[1]).map(|(h, m)| h / m).collect();
    println!(
        "  {} pairs: heap {:.2} ms, mapped {:.2} ms (medians); heap / mapped per pair: \
         median {:.3}, p10 {:.3}, p90 {:.3}",
        ratios.len(),
        quantile(&times[0], 0.5) / 1e6,
        quantile(&times[1], 0.5) / 1e6,
        quantile(&ratios, 0.5),
        quantile(&ratios, 0.1),
        quantile(&ratios, 0.9)
    );
    Ok(())
}
