// benches/scores.rs
use parbench::problem::Problem;

/// Scores 100,000 readings against a calibration table.
struct Scores;

impl Problem for Scores {
    parbench::u64_output!(); // each item a u64, accumulated as a wrapping sum
    /// Read by every item; `Clone` is the deep copy the ownership modes pay.
    type State = Vec<u32>;
    fn name(&self) -> &str {
        "scores" // its workload id in the results file and the report
    }
    fn items(&self) -> usize {
        100_000
    }
    fn state(&self) -> anyhow::Result<Vec<u32>> {
        Ok((0..1 << 20).map(|i| i * 7 % 1000).collect()) // built once, untimed
    }
    fn item(table: &Vec<u32>, i: usize) -> u64 {
        u64::from(table[i * 13 % table.len()]) * 3 // the work of one item
    }
}

parbench::bench_main!(Scores);
