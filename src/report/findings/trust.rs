//! "How far can these numbers be trusted?": what was paired, where the two
//! instruments disagree (summarised per workload and backend, every entry
//! behind it), which speedups lie above the machine's ceiling, whose
//! rounds fell into two groups, and which entries every answer leaves out
//! as inconsistent with the machine.

use super::*;
use crate::paired::{MODE_GAP, Mode, TARGET_HALF_WIDTH};
use crate::report::columns::{CAPPED_MARK, TWO_MODES_MARK};
use crate::report::format::counted;

const QUESTION: &str = "How far can these numbers be trusted?";

/// The trust question's short answer: how many of `answers`' subjects are
/// decided, how far the host moved during the run (the calibration's
/// sequential loops, start to end, the largest move of any workload), and
/// how many figures every answer leaves out as inconsistent with the
/// machine.
pub(super) fn headline(answers: &[Finding], index: &Index<'_>) -> String {
    let claims = answers.iter().flat_map(|f| &f.claims);
    let (decided, subjects) = claims.fold((0, 0), |(d, n), c| (d + usize::from(c.decided), n + 1));
    let drift = index
        .file()
        .and_then(|file| file.run.calibration.as_ref())
        .and_then(|c| {
            (c.start.sequential_ns.keys())
                .filter_map(|workload| host_drift(index, workload))
                .map(f64::abs)
                .max_by(f64::total_cmp)
        });
    let left_out = index.file().map_or(0, |file| {
        (file.benchmarks.iter())
            .filter(|b| inconsistent_ceiling(file, b).is_some())
            .count()
    });
    let visits = visits_words(index.all());
    format!(
        "{decided} of {subjects} subjects decided; the host moved {} during the run; {}\
         {} left out",
        match drift {
            Some(d) => format!("by up to {}", percent(d)),
            None => "by an unmeasured amount".to_string(),
        },
        visits.map_or(String::new(), |v| format!("{v}; ")),
        counted(left_out as u64, "figure", "figures"),
    )
}

/// How the paired figures among `entries` were sampled over the run: how
/// many at two moments or more (their sets visited again,
/// `sweep::Sweep::revisit`), how far apart in time, and how far their
/// visits' speedups lie apart. `None` where no entry was visited again.
pub(super) fn visits_words<'a>(entries: impl Iterator<Item = &'a Benchmark>) -> Option<String> {
    let paired: Vec<&Benchmark> = entries
        .filter(|b| b.key.regime == crate::key::Regime::Steady && b.paired_rounds.is_some())
        .filter(|b| b.paired_speedup().is_some_and(|s| s.lower != s.upper))
        .collect();
    let visited: Vec<&crate::results::Visits> = paired
        .iter()
        .filter_map(|b| b.paired_visits.as_ref())
        .collect();
    if visited.is_empty() {
        return None;
    }
    let spans: Vec<f64> = visited.iter().map(|v| v.span_s).collect();
    let spreads: Vec<f64> = visited.iter().map(|v| v.spread()).collect();
    let at = |values: &[f64], q| crate::paired::quantile(values, q).unwrap_or(f64::NAN);
    Some(format!(
        "{} of {} figures sampled at two moments {} apart, differing by {} (median; p90 {})",
        visited.len(),
        paired.len(),
        crate::report::format::span_s(at(&spans, 0.5)),
        percent(at(&spreads, 0.5)),
        percent(at(&spreads, 0.9)),
    ))
}

/// How far the calibration saw the host move on `workload` during the run:
/// its sequential loop's time at the end over the start, less 1.
fn host_drift(index: &Index<'_>, workload: &str) -> Option<f64> {
    let c = index.file()?.run.calibration.as_ref()?;
    let (from, to) = (
        c.start.sequential_ns.get(workload)?,
        c.end.as_ref()?.sequential_ns.get(workload)?,
    );
    Some(to / from - 1.0)
}

/// How far criterion's ratio of times lies from the paired speedup.
fn gap(b: &Benchmark) -> Option<f64> {
    Some((b.criterion_speedup? / b.speedup? - 1.0).abs())
}

pub(super) fn finding(index: &Index<'_>) -> Finding {
    let mut finding = Finding::new(QUESTION, "trust", String::new());
    let mut sentences: Vec<String> = index.file().map(run_caveats).unwrap_or_default();
    let paired = index.all().filter(|b| b.paired_speedup().is_some()).count();
    let total = index.all().count();
    let short_rounds = index
        .all()
        .filter(|b| b.paired_speedup().is_some() && bounds_name(b.paired_rounds) == "range")
        .count();
    if total == 0 {
        sentences.push("No entry was measured back to back (steady) on this machine.".to_string());
    } else if paired == 0 {
        sentences.push(format!(
            "None of the {total} speedups is paired (a results file from before paired sampling): \
             each is criterion's ratio of two times taken at different moments, so host drift \
             enters it whole."
        ));
    } else {
        sentences.push(format!(
            "{paired} of {total} speedups are paired: measured in alternating rounds with the \
             sequential loop, each with its 95% interval{}.",
            match short_rounds {
                0 => String::new(),
                n => format!(
                    " ({n} from fewer than {MIN_VALUES_FOR_INTERVAL} rounds carry only their range)"
                ),
            }
        ));
    }
    // Sequential stopping: entries whose interval reached the target, and
    // those the profile's time cap stopped first (marked †).
    let stopped: Vec<bool> = index
        .all()
        .filter_map(|b| b.paired_target_reached)
        .collect();
    let capped = stopped.iter().filter(|reached| !**reached).count();
    if !stopped.is_empty() {
        sentences.push(match capped {
            0 => format!(
                "Every one of the {} paired entries settled: its speedup's interval within the \
                 target half-width of {}, its comparisons decided.",
                stopped.len(),
                percent(TARGET_HALF_WIDTH)
            ),
            n => format!(
                "{} of {} paired entries settled (the speedup's interval within the target \
                 half-width of {}, the comparisons decided); the time cap stopped {n} first \
                 ({CAPPED_MARK}): their speedups are wider than the target, or a comparison is \
                 undecided, and an answer resting on one says undecided where it spans its margin.",
                stopped.len() - n,
                stopped.len(),
                percent(TARGET_HALF_WIDTH)
            ),
        });
    }
    // Intervals that stay wide because the rounds took one of two values.
    let two_modes: Vec<(&Benchmark, [Mode; 2])> = index
        .all()
        .filter_map(|b| Some((b, b.speedup_modes?)))
        .collect();
    if !two_modes.is_empty() {
        sentences.push(format!(
            "In {} entries ({TWO_MODES_MARK}) the rounds fell into two groups at least {} apart: \
             the interval spans both values, and more rounds do not narrow it while both keep \
             coming (each is listed with its two values). The rounds do not say why; \
             docs/measuring.md's \"What no sampling narrows\" names the cases measured on a \
             2-vCPU VM.",
            two_modes.len(),
            percent(MODE_GAP)
        ));
    }
    let mut disagree: Vec<&Benchmark> = index.all().filter(|b| b.instruments_disagree).collect();
    disagree.sort_by(|a, b| gap(b).unwrap_or(0.0).total_cmp(&gap(a).unwrap_or(0.0)));
    // Per workload and backend: how many entries, the median gap, and how
    // far the calibration saw the host move on that workload.
    let drift = |workload: &str| host_drift(index, workload);
    let mut groups: Vec<((&str, &str), Vec<&Benchmark>)> = Vec::new();
    for b in &disagree {
        let key = (b.key.workload.as_str(), b.key.backend.as_str());
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, group)) => group.push(b),
            None => groups.push((key, vec![b])),
        }
    }
    groups.sort_by(|((wa, ba), _), ((wb, bb), _)| {
        workload_order(wa, wb).then_with(|| backend_order(ba, bb))
    });
    if !groups.is_empty() {
        finding.grid = Some(Grid {
            head: [
                "workload",
                "backend",
                "entries ≠",
                "median gap",
                "host drift during the run (calibration)",
            ]
            .map(String::from)
            .to_vec(),
            rows: groups
                .iter()
                .map(|((workload, backend), group)| {
                    let of = index
                        .of_workload(workload)
                        .into_iter()
                        .filter(|b| b.key.backend == *backend)
                        .count();
                    let mut gaps: Vec<f64> = group.iter().filter_map(|b| gap(b)).collect();
                    let median = median_interval(&mut gaps).estimate;
                    vec![
                        workload.to_string(),
                        backend.to_string(),
                        format!("{} of {of}", group.len()),
                        percent(median),
                        or_missing(drift(workload), |d| {
                            format!(
                                "{} {}",
                                if d >= 0.0 { "slower by" } else { "faster by" },
                                percent(d.abs())
                            )
                        }),
                    ]
                })
                .collect(),
        });
    }
    finding.details = disagree
        .iter()
        .map(|b| {
            format!(
                "{} on {}: paired {} against criterion's {} {}",
                b.key.variant,
                place(b),
                ratio(Reading::Speedup, b.speedup.unwrap_or_default()),
                ratio(Reading::Speedup, b.criterion_speedup.unwrap_or_default()),
                DISAGREE_MARK
            )
        })
        .chain(index.all().filter_map(|b| {
            let beyond = b.beyond_ceiling.as_ref()?;
            Some(format!(
                "{} on {}: {} against a ceiling of {} {BEYOND_CEILING_MARK}: {}",
                b.key.variant,
                place(b),
                times(b.speedup.unwrap_or_default()),
                times(beyond.ceiling),
                beyond.explanation
            ))
        }))
        .chain(two_modes.iter().map(|(b, [low, high])| {
            format!(
                "{} on {}: {} in {} rounds, {} in {} {TWO_MODES_MARK}",
                b.key.variant,
                place(b),
                ratio(Reading::Speedup, low.value),
                low.rounds,
                ratio(Reading::Speedup, high.value),
                high.rounds
            )
        }))
        .collect();
    if paired > 0 {
        sentences.push(if disagree.is_empty() {
            format!(
                "Criterion's ratio of times agrees with every paired speedup within {}.",
                percent(INSTRUMENTS_AGREE_WITHIN)
            )
        } else {
            let largest_drift = groups
                .iter()
                .filter_map(|((w, _), _)| drift(w))
                .map(f64::abs)
                .max_by(f64::total_cmp);
            format!(
                "In {} entries ({DISAGREE_MARK}) criterion's ratio of times and the paired speedup \
                 differ by more than {}, summarised per workload and backend in the table. Possible \
                 causes, not measured per entry: the host moving between criterion's two \
                 measurements (the calibration saw {}), or, for calls of nanoseconds, the two \
                 harnesses' own overhead per call. The answers use the paired figures only.",
                disagree.len(),
                percent(INSTRUMENTS_AGREE_WITHIN),
                match largest_drift {
                    Some(d) => format!(
                        "a workload's sequential loop move by up to {} during the run",
                        percent(d)
                    ),
                    None => "no drift figure per workload for this run".to_string(),
                }
            )
        });
    }
    let beyond = index.all().filter(|b| b.beyond_ceiling.is_some()).count();
    if beyond > 0 {
        sentences.push(format!(
            "{beyond} speedups ({BEYOND_CEILING_MARK}) lie more than {} above the machine's \
             measured ceiling; each is listed with what was measured of it.",
            percent(CEILING_MARGIN)
        ));
    }
    let inconsistent: Vec<String> = index
        .file()
        .map(|file| {
            file.benchmarks
                .iter()
                .filter_map(|b| inconsistent_entry(file, b))
                .collect()
        })
        .unwrap_or_default();
    if !inconsistent.is_empty() {
        sentences.push(format!(
            "{} paired speedups lie wholly more than {} above the machine's measured ceiling at \
             their thread count: the measurement is inconsistent with the machine, and no answer \
             uses it (listed first below).",
            inconsistent.len(),
            percent(CEILING_INCONSISTENT)
        ));
        finding.details.splice(0..0, inconsistent.iter().cloned());
    }
    // What parbench itself adds to the seed's calls (issue 23): on the
    // workload of overhead it measured the harness on.
    if let Some(seed) = index.file().and_then(|file| {
        let overhead = file
            .run
            .harness_overhead
            .iter()
            .map(|h| h.workload.as_str())
            .find(|w| index.purpose(w) == Purpose::Overhead)?;
        crate::report::harness::seed_sentence(&file.run.harness_overhead, overhead)
    }) {
        sentences.push(seed);
    }
    finding.figure = Some(format!(
        "{paired} of {total} paired ({capped} {CAPPED_MARK}, {} {TWO_MODES_MARK}); {} ≠; {} left \
         out as inconsistent",
        two_modes.len(),
        disagree.len(),
        inconsistent.len()
    ));
    finding.answer = sentences.join(" ");
    finding
}
