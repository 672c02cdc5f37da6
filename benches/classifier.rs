//! A problem of your own whose constant state is large and read by every
//! item: a linear spam filter over hashed words. The state is a table of
//! 16 Mi weights (32 MiB); each item is a document of 64 words, each word
//! hashed from its letters and its weight looked up, and the document
//! classified as spam (1) or not (0). Word frequencies follow a power law,
//! as in text: common words are read again and again, rare ones reach far
//! into the table. Who copies those 32 MiB (per worker, per task, or
//! nobody) is the question here.
//!
//! `cargo bench --bench classifier` measures it; `cargo test --bench
//! classifier` checks every combination against the sequential loop once.

use parbench::problem::Problem;

/// Buckets of the hashed vocabulary: 2^24 weights of 2 bytes.
const BUCKETS: usize = 1 << 24;
const WORDS_PER_DOCUMENT: u64 = 64;

/// The model: one log-odds weight per hashed word.
#[derive(Clone)]
struct Model {
    weights: Vec<i16>,
}

struct SpamFilter {
    documents: usize,
}

/// A 64-bit mix (splitmix64's finaliser): the documents' words and the
/// model's weights.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

impl Problem for SpamFilter {
    type State = Model;

    fn name(&self) -> &str {
        "classifier"
    }

    fn about(&self) -> String {
        format!(
            "a linear spam filter: {} documents of {WORDS_PER_DOCUMENT} words, each word \
             hashed and its weight looked up in a 32 MiB table that every item reads",
            self.documents
        )
    }

    fn items(&self) -> usize {
        self.documents
    }

    fn state(&self) -> anyhow::Result<Model> {
        let weights = (0..BUCKETS as u64).map(|b| (mix(b) >> 48) as i16).collect();
        Ok(Model { weights })
    }

    /// 1 if document `doc` scores as spam, else 0.
    fn item(model: &Model, doc: usize) -> u64 {
        let score: i64 = (0..WORDS_PER_DOCUMENT)
            .map(|position| {
                // The word's rank, from 1 to 2^24: most words are common.
                let u = (mix((doc as u64) << 8 | position) >> 11) as f64 / (1u64 << 53) as f64;
                let rank = (u * u * u * 24.0).exp2() as u64;
                // Its text (eight letters) hashed as a tokenizer would, FNV-1a.
                let letters = mix(rank).to_le_bytes().map(|b| b'a' + b % 26);
                let hash = (letters.iter()).fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
                    (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
                });
                i64::from(model.weights[hash as usize % BUCKETS])
            })
            .sum();
        u64::from(score > 0)
    }
    // `sums` stays true: the sum of the items is the number of spam
    // documents, which the shared-mutable strategies count.
}

parbench::bench_main!(SpamFilter { documents: 2_000 });
