//! A job: the work of one call, described as data.
//!
//! Which variant, which problem (its [`Spec`], from which the constant state
//! is rebuilt deterministically) and which range of items. Executors run
//! jobs, not closures, so an executor that lives in another process can be
//! sent one: a job serialises to a few bytes (the variant by its id) and a
//! worker rebuilds everything else from it. In-process backends never
//! serialise anything: they hand the job straight to its variant's kernel.

use std::fmt;
use std::ops::Range;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::variants::{self, Variant};
use crate::workload::Spec;

/// The work of one call (or one part of it).
#[derive(Clone, Serialize, Deserialize)]
pub struct Job {
    /// Carried by its id; looked up in the registry on arrival.
    #[serde(serialize_with = "variant_id", deserialize_with = "variant_by_id")]
    pub variant: &'static dyn Variant,
    pub spec: Spec,
    /// The items to compute, a subrange of `0..spec.items`.
    pub items: Range<usize>,
}

impl Job {
    /// The whole problem of `spec` with `variant`.
    pub fn whole(variant: &'static dyn Variant, spec: Spec) -> Job {
        Job {
            variant,
            spec,
            items: 0..spec.items,
        }
    }

    /// The same job over `items` only (a part to send to one worker).
    pub fn part(&self, items: Range<usize>) -> Job {
        Job {
            items,
            ..self.clone()
        }
    }
}

impl fmt::Debug for Job {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Job")
            .field("variant", &self.variant.id())
            .field("spec", &self.spec)
            .field("items", &self.items)
            .finish()
    }
}

fn variant_id<S: Serializer>(variant: &&'static dyn Variant, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(variant.id())
}

fn variant_by_id<'de, D: Deserializer<'de>>(d: D) -> Result<&'static dyn Variant, D::Error> {
    let id = String::deserialize(d)?;
    variants::variant(&id).map_err(serde::de::Error::custom)
}
