//! A problem of your own whose items return text and whose shared state is
//! a map: word frequencies over a corpus held in memory. Item `i` cleans
//! document `i` (lower case, no punctuation, one space between words) and
//! returns it as a `String`; the shared-mutable strategies count the words
//! of every document into a `HashMap<String, u64>`, the way
//! `Counter(w for doc in pool.map(clean, docs) for w in doc.split())`
//! counts them, or the way threads sharing one counter would.
//!
//! So its answers say what a map costs, not a `u64`: one
//! `Mutex<HashMap>` locked by every document (`mutex_sum`), a private map per
//! task merged at the end (`fold_reduce`), a map per thread behind its own
//! lock (`sharded_sum`), a counting worker per thread. No atomic holds a
//! map, so `atomic_sum` does not run (`parbench --list` says why); neither
//! do worker processes, which return `u64` outputs only.
//!
//! `cargo bench --bench wordfreq` measures it; `cargo test --bench
//! wordfreq` checks every combination against the sequential loop once.

use std::collections::HashMap;

use parbench::problem::{Accumulator, Problem};

/// The corpus: its documents, as reading their files would give them.
#[derive(Clone)]
struct Corpus {
    documents: Vec<String>,
}

/// Word frequencies: the words of many documents, counted.
struct WordFrequencies {
    documents: usize,
}

/// How often each word was seen: the accumulator.
#[derive(Debug, Default, PartialEq)]
struct WordCounts(HashMap<String, u64>);

impl Accumulator<String> for WordCounts {
    fn empty() -> WordCounts {
        WordCounts::default()
    }

    /// Counts the words of one cleaned document: an allocation for a word
    /// seen for the first time only, as a counter written by hand does.
    fn add(&mut self, document: String) {
        for word in document.split(' ').filter(|w| !w.is_empty()) {
            match self.0.get_mut(word) {
                Some(count) => *count += 1,
                None => {
                    self.0.insert(word.to_string(), 1);
                }
            }
        }
    }

    fn merge(&mut self, other: WordCounts) {
        for (word, count) in other.0 {
            *self.0.entry(word).or_default() += count;
        }
    }
}

/// A 64-bit mix (splitmix64's finaliser): the synthetic corpus.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Distinct words of the vocabulary.
const VOCABULARY: u64 = 4_000;
/// Words per document, on average.
const WORDS_PER_DOCUMENT: u64 = 100;

/// Word `rank` of the vocabulary: two to four syllables.
fn word(rank: u64) -> String {
    const SYLLABLES: [&str; 16] = [
        "ka", "lo", "mi", "ne", "ru", "sa", "to", "vi", "ber", "dan", "gor", "hil", "tam", "wen",
        "xu", "zo",
    ];
    let h = mix(rank + 1);
    let syllables = 2 + (h % 3) as usize;
    (0..syllables)
        .map(|k| SYLLABLES[((h >> (8 + 4 * k)) & 15) as usize])
        .collect()
}

impl Problem for WordFrequencies {
    type Output = String;
    type Acc = WordCounts;
    type State = Corpus;

    fn name(&self) -> &str {
        "wordfreq"
    }

    fn about(&self) -> String {
        format!(
            "word frequencies over {} documents in memory (about {WORDS_PER_DOCUMENT} words \
             each, {VOCABULARY} distinct, a few of them most of the text): each item cleans a \
             document into a String; the shared-mutable strategies count its words into a \
             HashMap<String, u64>",
            self.documents
        )
    }

    fn items(&self) -> usize {
        self.documents
    }

    fn state(&self) -> anyhow::Result<Corpus> {
        let vocabulary: Vec<String> = (0..VOCABULARY).map(word).collect();
        let documents = (0..self.documents as u64)
            .map(|d| {
                let words = WORDS_PER_DOCUMENT / 2 + mix(d << 32) % WORDS_PER_DOCUMENT;
                let mut text = String::new();
                for w in 0..words {
                    let h = mix(d << 20 ^ w);
                    // Skewed: a few words are most of the text.
                    let rank = ((h % VOCABULARY) * (h >> 32 & 0xff) / 256) as usize;
                    let word = &vocabulary[rank];
                    // A sentence of about ten words: capitalised, then punctuated.
                    match w % 10 {
                        0 => {
                            let mut chars = word.chars();
                            text.extend(chars.next().map(|c| c.to_ascii_uppercase()));
                            text.push_str(chars.as_str());
                        }
                        _ => {
                            text.push_str(if h & 15 == 0 { ",  " } else { " " });
                            text.push_str(word);
                        }
                    }
                    if w % 10 == 9 || w + 1 == words {
                        text.push_str([". ", "! ", "? ", "... "][(h >> 48 & 3) as usize]);
                    }
                }
                text
            })
            .collect();
        Ok(Corpus { documents })
    }

    /// Document `i`, cleaned: lower case, letters only, one space between
    /// words.
    fn item(corpus: &Corpus, i: usize) -> String {
        let text = &corpus.documents[i];
        let mut clean = String::with_capacity(text.len());
        for word in text
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
        {
            if !clean.is_empty() {
                clean.push(' ');
            }
            clean.extend(word.chars().map(|c| c.to_ascii_lowercase()));
        }
        clean
    }
}

// `cargo test` checks every combination once in a debug build: a tenth of
// the corpus proves the same code; `cargo bench` measures the full size.
parbench::bench_main!(WordFrequencies {
    documents: match cfg!(debug_assertions) {
        true => 200,
        false => 2_000,
    }
});
