//! Which backend leads at one point: the same variant at the same thread
//! count on two or more backends. The backend answers quote one point
//! ([`quoted_point`]); the sweep races its two leaders head to head there
//! ([`super::HeadToHead`]), and the report reads the race. Both choose
//! through here, so both choose the same point and the same two.

use std::collections::BTreeMap;

use super::Benchmark;
use crate::key::Key;
use crate::key::Regime;
use crate::roles::Role;
use crate::workload::Purpose;

/// The steady entries of `entries` (one workload's) above one thread with
/// a speedup, by (variant, threads), where two or more backends ran the
/// point: each point's entries fastest first, by speedup.
pub fn backend_points<'a>(
    entries: impl IntoIterator<Item = &'a Benchmark>,
) -> BTreeMap<(String, u64), Vec<&'a Benchmark>> {
    let mut points: BTreeMap<(String, u64), Vec<&Benchmark>> = BTreeMap::new();
    for b in entries
        .into_iter()
        .filter(|b| b.key.regime == Regime::Steady && b.key.threads > 1 && b.speedup.is_some())
    {
        points
            .entry((b.key.variant.clone(), b.key.threads))
            .or_default()
            .push(b);
    }
    points.retain(|_, point| point.len() > 1);
    for point in points.values_mut() {
        point.sort_by(|a, b| {
            b.speedup
                .unwrap_or(0.0)
                .total_cmp(&a.speedup.unwrap_or(0.0))
        });
    }
    points
}

/// The point the backend answers quote among `points`
/// ([`backend_points`]): the plain parallel map where it ran, at the most
/// threads.
pub fn quoted_point<'p, 'a>(
    points: &'p BTreeMap<(String, u64), Vec<&'a Benchmark>>,
) -> Option<&'p [&'a Benchmark]> {
    points
        .iter()
        .max_by_key(|((_, threads), point)| (point[0].role == Role::PartialIdiom, *threads))
        .map(|(_, point)| point.as_slice())
}

/// The point the scheduler answer quotes among `points` ([`backend_points`]):
/// the plain parallel map at the most threads within `logical_cores`, where
/// every backend added for how the work is split measures
/// ([`crate::backends::SPLIT_ONLY`]).
pub fn scheduler_point<'p, 'a>(
    points: &'p BTreeMap<(String, u64), Vec<&'a Benchmark>>,
    logical_cores: u64,
) -> Option<&'p [&'a Benchmark]> {
    points
        .iter()
        .filter(|((_, threads), point)| {
            point[0].role == Role::PartialIdiom && *threads <= logical_cores.max(1)
        })
        .max_by_key(|((_, threads), _)| *threads)
        .map(|(_, point)| point.as_slice())
}

/// The points whose two leaders race head to head on a workload of
/// `purpose` ([`crate::results::HeadToHead`]): the backend answer's
/// ([`quoted_point`]) and the scheduler answer's ([`scheduler_point`]),
/// where the report asks them; each point once. Its two leaders: the entry
/// that will hold the race, and the other's key.
pub fn raced_points(
    points: &BTreeMap<(String, u64), Vec<&Benchmark>>,
    purpose: Purpose,
    logical_cores: u64,
) -> Vec<(Benchmark, Key)> {
    let asked = [
        (purpose.asks_which_backend(), quoted_point(points)),
        (
            purpose.asks_which_scheduler(),
            scheduler_point(points, logical_cores),
        ),
    ];
    let mut raced: Vec<(Benchmark, Key)> = Vec::new();
    for point in asked
        .into_iter()
        .filter_map(|(asks, point)| point.filter(|_| asks))
    {
        if !raced.iter().any(|(leader, _)| leader.key == point[0].key) {
            raced.push((point[0].clone(), point[1].key.clone()));
        }
    }
    raced
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::key::Key;
    use crate::memory::Memory;
    use crate::results::TimeNs;

    fn entry(variant: &str, backend: &str, threads: u64, speedup: Option<f64>) -> Benchmark {
        let time = TimeNs {
            estimate: 1.0,
            lower: 1.0,
            upper: 1.0,
            median: 1.0,
        };
        let mut b = Benchmark::new(
            Key::new("w", variant, backend, threads),
            10,
            time,
            "2026-12-07T00:00:00Z",
            Memory::default(),
        );
        b.speedup = speedup;
        b
    }

    #[test]
    fn the_quoted_point_is_the_plain_map_at_the_most_threads() {
        let entries = [
            entry("closure", "rayon", 2, Some(1.8)),
            entry("closure", "crossbeam", 2, Some(1.9)),
            entry("closure", "std_scope", 2, None), // no speedup: not racing
            entry("closure", "rayon", 1, Some(1.0)), // one thread: no point
            entry("closure", "crossbeam", 1, Some(1.0)),
            entry("mutex_sum", "rayon", 4, Some(0.5)),
            entry("mutex_sum", "crossbeam", 4, Some(0.7)),
            entry("fold_reduce", "rayon", 4, Some(1.5)), // one backend: no point
        ];
        let points = backend_points(&entries);
        let keys: Vec<_> = points.keys().cloned().collect();
        assert_eq!(
            keys,
            vec![("closure".to_string(), 2), ("mutex_sum".to_string(), 4)]
        );
        let quoted = quoted_point(&points).unwrap();
        let backends: Vec<&str> = quoted.iter().map(|b| b.key.backend.as_str()).collect();
        assert_eq!(backends, ["crossbeam", "rayon"], "fastest first");
        assert!(quoted_point(&backend_points(&entries[5..6])).is_none());
    }
}
