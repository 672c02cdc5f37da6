//! The identity of one benchmark: (workload, variant, backend, threads).
//!
//! One type with one textual form, `workload/variant/backend/threads`
//! (`compute/closure/rayon/2`), and one parser. The sweep names criterion's
//! benchmarks with it (group = workload, function = `variant/backend`,
//! parameter = threads, so criterion's full id is the key's text), criterion's
//! filter matches that text, the results file stores its four fields, the CLI
//! accepts it (`parbench run compute/closure/rayon/2`) and the report looks
//! entries up by it.

use std::fmt;
use std::str::FromStr;

use anyhow::{Result, bail};
use serde::{Deserialize, Serialize};

/// Who a measurement is of. Ids are strings, not registry entries, because a
/// results file may come from a newer parbench that knows more of them.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Key {
    pub workload: String,
    pub variant: String,
    pub backend: String,
    pub threads: u64,
}

impl Key {
    pub fn new(workload: &str, variant: &str, backend: &str, threads: u64) -> Key {
        Key {
            workload: workload.to_string(),
            variant: variant.to_string(),
            backend: backend.to_string(),
            threads,
        }
    }

    /// Criterion's function id: `variant/backend`.
    pub fn function(&self) -> String {
        format!("{}/{}", self.variant, self.backend)
    }

    /// Borrowed parts, for lookups without cloning.
    pub fn parts(&self) -> (&str, &str, &str, u64) {
        (&self.workload, &self.variant, &self.backend, self.threads)
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}/{}/{}/{}",
            self.workload, self.variant, self.backend, self.threads
        )
    }
}

impl FromStr for Key {
    type Err = anyhow::Error;

    /// Parses `workload/variant/backend/threads`; the error names the text.
    fn from_str(text: &str) -> Result<Key> {
        let parts: Vec<&str> = text.split('/').collect();
        let [workload, variant, backend, threads] = parts.as_slice() else {
            bail!(
                "'{text}' is not a benchmark key: expected workload/variant/backend/threads, \
                 e.g. compute/closure/rayon/2"
            );
        };
        if let Some(empty) = [
            ("workload", workload),
            ("variant", variant),
            ("backend", backend),
        ]
        .iter()
        .find(|(_, part)| part.trim().is_empty())
        {
            bail!("'{text}' is not a benchmark key: its {} is empty", empty.0);
        }
        let Ok(threads) = threads.parse::<u64>() else {
            bail!("'{text}' is not a benchmark key: threads '{threads}' is not a whole number");
        };
        if threads == 0 {
            bail!("'{text}' is not a benchmark key: threads must be at least 1");
        }
        Ok(Key::new(workload, variant, backend, threads))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_round_trips() {
        let key: Key = "compute/closure/rayon/2".parse().unwrap();
        assert_eq!(key, Key::new("compute", "closure", "rayon", 2));
        assert_eq!(key.to_string(), "compute/closure/rayon/2");
        assert_eq!(key.function(), "closure/rayon");
    }

    #[test]
    fn bad_keys_are_named() {
        for (text, says) in [
            (
                "compute/closure/rayon",
                "expected workload/variant/backend/threads",
            ),
            ("compute/closure/rayon/two", "threads 'two'"),
            ("compute//rayon/2", "its variant is empty"),
            ("compute/closure/rayon/0", "at least 1"),
            ("a/b/c/d/1", "expected workload"),
        ] {
            let err = text.parse::<Key>().unwrap_err().to_string();
            assert!(
                err.contains(&format!("'{text}'")) && err.contains(says),
                "{err}"
            );
        }
    }
}
