//! "Which variants keep cores busy without progress?": process CPU time over
//! wall time (cores busy) against the paired speedup, with a margin of
//! [`IDLE_CORES`], one claim per variant. Where the run measured it, the
//! difference comes round by round with its own interval
//! (`cores_beyond_speedup`); in older files, from the cores busy against the
//! speedup's interval.

use super::*;

/// A variant keeping this many more cores busy than its speedup's upper
/// bound burns them without progress: the margin of this question.
pub const IDLE_CORES: f64 = 0.25;

pub(super) fn finding(index: &Index<'_>) -> Finding {
    let question = "Which variants keep cores busy without progress?";
    let id = "burning-cores";
    let measured: Vec<&Benchmark> = index
        .all()
        .filter(|b| b.key.threads > 1 && b.cores_busy.is_some() && b.paired_speedup().is_some())
        .collect();
    if measured.is_empty() {
        let why = if index.all().any(|b| b.key.threads > 1) {
            "no parallel entry has both its CPU time and a paired speedup (a results file from \
             before paired sampling, or a platform without a process CPU clock)."
        } else {
            "no parallel entry was measured back to back (steady) on this machine."
        };
        return not_answered(question, id, why.to_string());
    }
    let excess = |b: &Benchmark| beyond(b).interval.lower;
    let mut burning: Vec<&Benchmark> = measured
        .iter()
        .copied()
        .filter(|b| excess(b) > IDLE_CORES)
        .collect();
    burning.sort_by(|a, b| excess(b).total_cmp(&excess(a)));
    let describe = |b: &Benchmark| {
        format!(
            "{} on {} keeps {:.2} cores busy {}: {}",
            b.key.variant,
            place(b),
            b.cores_busy.unwrap_or_default(),
            for_speedup(&Interval::exact(b.speedup.unwrap_or_default()), None),
            beyond(b).text(b)
        )
    };
    // What the margin is measured against: files written before the round
    // by round figure have the speedup's interval only.
    let against = match measured.iter().any(|b| b.cores_beyond_speedup.is_some()) {
        true => "paired speedup, round by round (the bound of the interval)",
        false => "paired speedup's upper bound",
    };
    let answer = match burning.first() {
        None => format!(
            "None: in all {} parallel entries with CPU time, the cores kept busy stay within {:.2} \
             of the {against}.",
            measured.len(),
            IDLE_CORES
        ),
        Some(worst) => format!(
            "{} of {} parallel entries keep more than {:.2} cores busy beyond their {against}: \
             CPU time that did not turn into speed. Possible causes, not measured apart here: \
             copying the state, spinning on a contended lock or atomic, workers spinning while \
             they wait. The worst: {}.",
            burning.len(),
            measured.len(),
            IDLE_CORES,
            describe(worst)
        ),
    };
    // One claim per variant: it burns cores where one of its entries does
    // beyond its speedup by more than the margin (the interval's lower
    // bound), it does not where every entry kept its cores busy within the
    // margin of its speedup (the interval's upper bound), else undecided.
    let mut finding = Finding::new(question, id, answer);
    finding.margin = Some(format!("{IDLE_CORES:.2} cores"));
    finding.points = measured.len();
    let mut undecided = Vec::new();
    let mut variants: Vec<&str> = measured.iter().map(|b| b.key.variant.as_str()).collect();
    variants.sort_by(|a, b| variant_order(a, b));
    variants.dedup();
    for variant in variants {
        let of: Vec<&Benchmark> = measured
            .iter()
            .copied()
            .filter(|b| b.key.variant == variant)
            .collect();
        // Low CPU time proves nothing when the host gave the process fewer
        // cores than its threads (a loaded host): calm is decided only where
        // the process had its cores.
        let cores = index.file().map_or(u64::MAX, |f| f.machine.logical_cores);
        let calm = |b: &Benchmark| {
            let busy = b.cores_busy.unwrap_or_default();
            beyond(b).interval.upper <= IDLE_CORES
                && busy >= b.key.threads.min(cores) as f64 - IDLE_CORES
        };
        let (answer, decided) = if of.iter().any(|b| excess(b) > IDLE_CORES) {
            ("burns cores", true)
        } else if of.iter().all(|b| calm(b)) {
            ("no", true)
        } else {
            ("undecided", false)
        };
        // Why undecided: the first entry neither burning nor calm.
        if let (false, Some(open)) = (decided, of.iter().find(|b| !calm(b))) {
            undecided.push(format!("{variant}: {}", why_open(open, cores)));
        }
        finding.claims.push(Claim {
            subject: variant.to_string(),
            answer: answer.to_string(),
            decided,
        });
    }
    if !undecided.is_empty() {
        finding
            .answer
            .push_str(&format!(" Undecided: {}.", undecided.join("; ")));
    }
    finding.figure = burning.first().map(|worst| {
        format!(
            "worst: {} on {}, {:.2} cores busy {}",
            worst.key.variant,
            place(worst),
            worst.cores_busy.unwrap_or_default(),
            for_speedup(&Interval::exact(worst.speedup.unwrap_or_default()), None)
        )
    });
    finding.details = burning
        .iter()
        .map(|b| format!("{}.", describe(b)))
        .collect();
    finding
}

/// The cores an entry kept busy beyond its speedup, with its interval.
struct Beyond {
    interval: Interval,
    /// From the rounds, each round's cores busy less its speedup (the
    /// entry's `cores_beyond_speedup`); else the cores busy less the
    /// speedup's interval (files written before it).
    round_by_round: bool,
}

/// What `b`'s record says of its cores busy beyond its speedup.
fn beyond(b: &Benchmark) -> Beyond {
    match b.cores_beyond_speedup {
        Some(interval) => Beyond {
            interval,
            round_by_round: true,
        },
        None => {
            let busy = b.cores_busy.unwrap_or_default();
            let speedup = (b.paired_speedup()).unwrap_or(Interval::exact(f64::INFINITY));
            Beyond {
                interval: Interval {
                    estimate: busy - speedup.estimate,
                    lower: busy - speedup.upper,
                    upper: busy - speedup.lower,
                },
                round_by_round: false,
            }
        }
    }
}

impl Beyond {
    /// `1.75 cores beyond its speedup round by round (95% interval
    /// 1.70–1.80)`, or, from the speedup's interval, `1.75 cores beyond
    /// its upper bound`.
    fn text(&self, b: &Benchmark) -> String {
        let i = self.interval;
        match self.round_by_round {
            true => format!(
                "{:.2} cores beyond its speedup round by round ({} {:.2}–{:.2})",
                i.estimate,
                bounds_name(b.paired_rounds),
                i.lower,
                i.upper
            ),
            false => format!("{:.2} cores beyond its upper bound", i.lower),
        }
    }
}

/// Why entry `b`, which does not burn cores beyond its speedup, is not
/// shown calm either: the host gave the process fewer cores than its
/// threads, or the interval of its cores beyond its speedup spans the
/// margin.
fn why_open(b: &Benchmark, cores: u64) -> String {
    let busy = b.cores_busy.unwrap_or_default();
    let speedup = b.paired_speedup().unwrap_or(Interval::exact(0.0));
    let wanted = b.key.threads.min(cores) as f64;
    let beyond = beyond(b);
    match (busy < wanted - IDLE_CORES, beyond.round_by_round) {
        (true, _) => format!(
            "on {} the process kept {busy:.2} cores busy for {} threads (fewer cores than \
             threads: one possible cause, a loaded host)",
            place(b),
            b.key.threads
        ),
        (false, true) => format!(
            "on {} {busy:.2} cores busy {}, {}: the interval spans the margin of \
             {IDLE_CORES:.2} cores",
            place(b),
            for_speedup(&speedup, None),
            beyond.text(b)
        ),
        (false, false) => format!(
            "on {} {busy:.2} cores busy {}: the interval spans the margin of {IDLE_CORES:.2} \
             cores",
            place(b),
            for_speedup(&speedup, Some(bounds_name(b.paired_rounds)))
        ),
    }
}

/// What the cores kept busy bought: `for a paired speedup of 1.96×`, or
/// far below 1, `while 20.6× slower than the sequential loop`, with the
/// interval named `bounds` where given.
fn for_speedup(s: &Interval, bounds: Option<&str>) -> String {
    let text = ratio_text(Reading::Speedup, s, 2);
    let interval = bounds.map_or(String::new(), |name| format!(" ({name} {})", text.bounds));
    match text.far {
        true => format!("while {} than the sequential loop{interval}", text.estimate),
        false => format!("for a paired speedup of {}{interval}", text.estimate),
    }
}
