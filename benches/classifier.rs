//! A problem of your own whose constant state is large and read by every
//! item: a small neural classifier scoring a data set held in memory, the
//! way `pool.map(partial(score, data=X), range(n))` passes the whole data
//! set to every task. The state is 65,536 examples of 512 byte-sized
//! features (32 MiB) and the model (2 hidden units, 1 KiB of weights);
//! item `i` scores example `i` and says whether it is spam (1) or not (0).
//! One call streams the data set once, in order, with 1,024 multiply-adds
//! per example: its cost is the code's, not the host's cache. Who copies
//! those 32 MiB (per worker, per task, or nobody) is the question here.
//!
//! `cargo bench --bench classifier` measures it; `cargo test --bench
//! classifier` checks every combination against the sequential loop once,
//! on a 128th of the data set (a debug build: see `bench_main!` below).

use parbench::problem::Problem;

const FEATURES: usize = 512;
const HIDDEN: usize = 2;

/// The data set and the model: what every item reads.
#[derive(Clone)]
struct Scoring {
    /// Example `i` is `examples[i * FEATURES..][..FEATURES]`.
    examples: Vec<u8>,
    hidden: Vec<[i8; FEATURES]>,
    output: [i32; HIDDEN],
}

struct Classifier {
    examples: usize,
}

/// A 64-bit mix (splitmix64's finaliser): the synthetic data and weights.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

impl Problem for Classifier {
    parbench::u64_output!();
    type State = Scoring;

    fn name(&self) -> &str {
        "classifier"
    }

    fn about(&self) -> String {
        format!(
            "a neural classifier over a data set in memory: {} examples of {FEATURES} features \
             ({} MiB, the constant state), each scored through {HIDDEN} hidden units",
            self.examples,
            (self.examples * FEATURES) >> 20
        )
    }

    fn items(&self) -> usize {
        self.examples
    }

    fn state(&self) -> anyhow::Result<Scoring> {
        let byte = |k: usize| mix(k as u64) as u8;
        let mut hidden = vec![[0i8; FEATURES]; HIDDEN];
        for (j, unit) in hidden.iter_mut().enumerate() {
            unit.iter_mut()
                .enumerate()
                .for_each(|(k, w)| *w = byte(j << 20 | k) as i8);
        }
        Ok(Scoring {
            examples: (0..self.examples * FEATURES)
                .map(|k| byte(k + (1 << 40)))
                .collect(),
            hidden,
            output: [3, -2],
        })
    }

    /// 1 if example `i` scores as spam, else 0.
    fn item(model: &Scoring, i: usize) -> u64 {
        let x = &model.examples[i * FEATURES..][..FEATURES];
        let score: i64 = (model.hidden.iter().zip(model.output))
            .map(|(unit, out)| {
                let h: i32 = unit
                    .iter()
                    .zip(x)
                    .map(|(&w, &v)| i32::from(w) * i32::from(v))
                    .sum();
                i64::from(h.max(0)) * i64::from(out) // ReLU, then the output layer
            })
            .sum();
        u64::from(score > 0)
    }
    // `sums` stays true: the sum of the items is the number of examples
    // classified as spam, which the shared-mutable strategies count.
}

// `cargo test` checks every combination once in a debug build, where one
// call over the full data set takes seconds: 92 checks of it took 4 min 8 s
// of `cargo test` on 2 cores, a sixteenth of it 12 s. A 128th (512
// examples, still 16 per chunk at 8 threads) proves the same code in about
// 2 s; `cargo bench` (optimised) measures the full size.
parbench::bench_main!(Classifier {
    examples: match cfg!(debug_assertions) {
        true => 512,
        false => 65_536,
    }
});
