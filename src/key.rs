//! The identity of one benchmark: (workload, variant, backend, threads,
//! regime).
//!
//! One type with one textual form, `workload/variant/backend/threads`
//! (`compute/closure/rayon/2`) in the steady regime and
//! `workload/variant/backend/threads/intermittent` in the intermittent one,
//! and one parser. The sweep names criterion's benchmarks with it (group =
//! workload, function = `variant/backend`, parameter = threads, so
//! criterion's full id is the key's text), the bench's filter matches that
//! text, the results file stores its fields, the CLI accepts it (`parbench
//! run compute/closure/rayon/2`) and the report looks entries up by it.

use std::fmt;
use std::str::FromStr;

use anyhow::{Result, bail};
use serde::{Deserialize, Serialize};

/// How the calls of a benchmark are made.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Regime {
    /// Back to back, as criterion times them: a pool stays hot.
    #[default]
    Steady,
    /// Each call after the calling thread did sequential work of its own,
    /// as a parallel section inside a sequential loop is called.
    Intermittent,
}

impl Regime {
    pub fn id(self) -> &'static str {
        match self {
            Regime::Steady => "steady",
            Regime::Intermittent => "intermittent",
        }
    }
}

/// Who a measurement is of. Ids are strings, not registry entries, because a
/// results file may come from a newer parbench that knows more of them.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Key {
    pub workload: String,
    pub variant: String,
    pub backend: String,
    pub threads: u64,
    /// Files without it are read as steady.
    #[serde(default)]
    pub regime: Regime,
}

impl Key {
    /// A steady key.
    pub fn new(workload: &str, variant: &str, backend: &str, threads: u64) -> Key {
        Key {
            workload: workload.to_string(),
            variant: variant.to_string(),
            backend: backend.to_string(),
            threads,
            regime: Regime::Steady,
        }
    }

    /// The same benchmark in `regime`.
    pub fn in_regime(self, regime: Regime) -> Key {
        Key { regime, ..self }
    }

    /// Criterion's function id: `variant/backend`.
    pub fn function(&self) -> String {
        format!("{}/{}", self.variant, self.backend)
    }

    /// Borrowed parts, for lookups without cloning.
    pub fn parts(&self) -> (&str, &str, &str, u64, Regime) {
        (
            &self.workload,
            &self.variant,
            &self.backend,
            self.threads,
            self.regime,
        )
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}/{}/{}/{}",
            self.workload, self.variant, self.backend, self.threads
        )?;
        match self.regime {
            Regime::Steady => Ok(()),
            other => write!(f, "/{}", other.id()),
        }
    }
}

impl FromStr for Key {
    type Err = anyhow::Error;

    /// Parses `workload/variant/backend/threads[/regime]`; the error names
    /// the text.
    fn from_str(text: &str) -> Result<Key> {
        let parts: Vec<&str> = text.split('/').collect();
        let (workload, variant, backend, threads, regime) = match parts.as_slice() {
            [w, v, b, t] => (w, v, b, t, None),
            [w, v, b, t, r] => (w, v, b, t, Some(*r)),
            _ => bail!(
                "'{text}' is not a benchmark key: expected workload/variant/backend/threads, \
                 e.g. compute/closure/rayon/2, or .../2/intermittent"
            ),
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
        let regime = match regime {
            None | Some("steady") => Regime::Steady,
            Some("intermittent") => Regime::Intermittent,
            Some(other) => bail!(
                "'{text}' is not a benchmark key: '{other}' is not a regime (steady or intermittent)"
            ),
        };
        Ok(Key::new(workload, variant, backend, threads).in_regime(regime))
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
        let intermittent: Key = "compute/closure/rayon/2/intermittent".parse().unwrap();
        assert_eq!(intermittent, key.clone().in_regime(Regime::Intermittent));
        assert_eq!(
            intermittent.to_string(),
            "compute/closure/rayon/2/intermittent"
        );
        assert_eq!(
            "compute/closure/rayon/2/steady".parse::<Key>().unwrap(),
            key
        );
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
            ("a/b/c/d/1", "threads 'd'"),
            ("a/b/c/1/often", "'often' is not a regime"),
            ("a/b/c/d/1/x", "expected workload"),
        ] {
            let err = text.parse::<Key>().unwrap_err().to_string();
            assert!(
                err.contains(&format!("'{text}'")) && err.contains(says),
                "{err}"
            );
        }
    }
}
