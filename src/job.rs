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
use crate::workload::{Imbalance, Spec};

/// The work of one call (or one part of it).
#[derive(Clone, Serialize, Deserialize)]
pub struct Job {
    /// Carried by its id; looked up in the registry on arrival.
    #[serde(serialize_with = "variant_id", deserialize_with = "variant_by_id")]
    pub variant: &'static dyn Variant,
    /// Its own form in human-readable formats (JSON); a compact one in
    /// binary formats, which cannot read `Imbalance`'s internal tag.
    #[serde(serialize_with = "spec_out", deserialize_with = "spec_in")]
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

/// [`Spec`] for binary formats such as postcard (the process backend's
/// wire): externally tagged, so no format needs to describe itself.
#[derive(Serialize, Deserialize)]
struct CompactSpec {
    items: usize,
    rounds: u32,
    imbalance: CompactImbalance,
    state_bytes: usize,
}

#[derive(Serialize, Deserialize)]
enum CompactImbalance {
    Uniform,
    Ramp,
    Spikes { every: usize, factor: u32 },
}

fn spec_out<S: Serializer>(spec: &Spec, s: S) -> Result<S::Ok, S::Error> {
    if s.is_human_readable() {
        return spec.serialize(s);
    }
    CompactSpec {
        items: spec.items,
        rounds: spec.rounds,
        imbalance: match spec.imbalance {
            Imbalance::Uniform => CompactImbalance::Uniform,
            Imbalance::Ramp => CompactImbalance::Ramp,
            Imbalance::Spikes { every, factor } => CompactImbalance::Spikes { every, factor },
        },
        state_bytes: spec.state_bytes,
    }
    .serialize(s)
}

fn spec_in<'de, D: Deserializer<'de>>(d: D) -> Result<Spec, D::Error> {
    if d.is_human_readable() {
        return Spec::deserialize(d);
    }
    let compact = CompactSpec::deserialize(d)?;
    Ok(Spec {
        items: compact.items,
        rounds: compact.rounds,
        imbalance: match compact.imbalance {
            CompactImbalance::Uniform => Imbalance::Uniform,
            CompactImbalance::Ramp => Imbalance::Ramp,
            CompactImbalance::Spikes { every, factor } => Imbalance::Spikes { every, factor },
        },
        state_bytes: compact.state_bytes,
    })
}
