//! The findings on synthetic entries.

use super::*;
use crate::report::data::tests::entry;

/// The findings of synthetic entries (workloads known to this build).
fn findings_of(entries: &[Benchmark]) -> Vec<Finding> {
    findings(&Index::new(entries))
}

fn answer_to(findings: &[Finding], starts: &str) -> String {
    findings
        .iter()
        .find(|f| f.question.starts_with(starts))
        .map(|f| {
            [f.answer.clone()]
                .into_iter()
                .chain(f.details.clone())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap()
}

/// `b` with a paired speedup and paired time ratios against others.
fn paired(b: Benchmark, speedup: [f64; 3], compared: &[(&str, [f64; 3])]) -> Benchmark {
    let interval = |[estimate, lower, upper]: [f64; 3]| Interval {
        estimate,
        lower,
        upper,
    };
    b.with_paired(crate::results::PairedFigures {
        speedup: interval(speedup),
        modes: None,
        rounds: 8,
        target_reached: Some(true),
        wall_ns: 1000.0,
        cpu_time_ns: None,
        cores_beyond_speedup: None,
        compared: compared
            .iter()
            .map(|(with, r)| crate::results::Comparison::of(*with, interval(*r)))
            .collect(),
        visits: None,
    })
}

#[test]
fn passing_idioms_within_the_margin_read_equal_within_it() {
    let same = [1.0, 1.0, 1.0];
    let entries = [
        paired(entry("trivial", "closure", "rayon", 4, 1000.0), same, &[]),
        paired(
            entry("trivial", "function_object", "rayon", 4, 1010.0),
            same,
            &[("closure", [1.0, 0.99, 1.01])],
        ),
        paired(
            entry("trivial", "method_reference", "rayon", 4, 1005.0),
            same,
            &[
                ("closure", [1.005, 0.99, 1.012]),
                ("function_object", [1.0, 0.995, 1.01]),
            ],
        ),
    ];
    let found = findings_of(&entries);
    let answer = answer_to(&found, "Do closure");
    assert!(
        answer.starts_with(
            "On trivial: equal within 2.0% (ratio 1.000×, range 1.000–1.005), the median of \
                 their 3 paired time ratios over 1 backend and thread-count point; 0 of the 3 \
                 single comparisons lie beyond the margin."
        ),
        "{answer}"
    );
    // Every single comparison, the largest difference first.
    assert!(
        answer.contains(
            "On trivial (rayon, 4 threads): method_reference against closure: equal within \
                 2.0% (ratio 1.005×, 95% interval 0.990–1.012). On trivial (rayon, 4 threads): \
                 function_object against closure"
        ),
        "{answer}"
    );
    let idioms = found.iter().find(|f| f.id == "idioms").unwrap();
    assert_eq!(
        idioms.short().as_deref(),
        Some("equal within 2.0%: on trivial")
    );
    assert_eq!(idioms.margin.as_deref(), Some("2.0%"));
    assert_eq!(idioms.points, 1);
}

#[test]
fn an_interval_spanning_the_margin_is_undecided_and_beyond_it_slower() {
    let same = [1.0, 1.0, 1.0];
    let entries = [
        paired(
            entry("compute", "closure", "crossbeam", 2, 1000.0),
            same,
            &[],
        ),
        paired(
            entry("compute", "function_object", "crossbeam", 2, 1000.0),
            same,
            &[("closure", [1.0, 0.98, 1.02])],
        ),
        paired(
            entry("compute", "method_reference", "crossbeam", 2, 1500.0),
            same,
            &[
                ("closure", [1.5, 1.45, 1.55]),
                ("function_object", [1.49, 1.44, 1.53]),
            ],
        ),
        entry("seed", "closure", "rayon", 2, 1000.0),
        entry("seed", "function_object", "rayon", 2, 1001.0),
        entry("seed", "method_reference", "rayon", 2, 1002.0),
    ];
    let answer = answer_to(&findings_of(&entries), "Do closure");
    assert!(
        answer.starts_with(
            "On compute: undecided (range 0.0–50.0% spans the margin of 2.0%), the median of \
                 their 3 paired time ratios over 1 backend and thread-count point; 2 of the 3 \
                 single comparisons lie beyond the margin."
        ),
        "{answer}"
    );
    assert!(
        answer.contains("method_reference against closure: 50.0% slower (95% interval 45.0–55.0%)"),
        "{answer}"
    );
    // Entries never paired are said to be so, not compared by criterion's times.
    assert!(
        answer.contains("On seed the three were not paired."),
        "{answer}"
    );
}

#[test]
fn each_workload_gets_one_idiom_sentence_even_when_their_points_interleave() {
    let one = [1.0, 1.0, 1.0];
    let near = [1.0, 0.99, 1.01];
    let mut entries = Vec::new();
    // imbalanced and big_state rank alike; their points must not interleave.
    for workload in ["imbalanced", "big_state"] {
        for backend in ["rayon", "crossbeam"] {
            entries.push(paired(
                entry(workload, "closure", backend, 2, 1000.0),
                one,
                &[],
            ));
            entries.push(paired(
                entry(workload, "function_object", backend, 2, 1000.0),
                one,
                &[("closure", near)],
            ));
            entries.push(paired(
                entry(workload, "method_reference", backend, 2, 1000.0),
                one,
                &[("closure", near), ("function_object", near)],
            ));
        }
    }
    let answer = answer_to(&findings_of(&entries), "Do closure");
    assert_eq!(
        answer.matches("On imbalanced: equal").count(),
        1,
        "{answer}"
    );
    assert_eq!(answer.matches("On big_state: equal").count(), 1, "{answer}");
    assert!(
        answer.contains("over 2 backend and thread-count points"),
        "{answer}"
    );
}

#[test]
fn idioms_never_paired_are_not_compared() {
    let entries = [
        entry("compute", "closure", "rayon", 2, 1000.0),
        entry("compute", "function_object", "rayon", 2, 1000.0),
        entry("compute", "method_reference", "rayon", 2, 1500.0),
    ];
    let answer = answer_to(&findings_of(&entries), "Do closure");
    assert!(
        answer.starts_with(
            "Not answered: the three idioms were measured at 1 points, but never paired"
        ),
        "{answer}"
    );
}

/// The four shared-sum strategies on compute at `threads`, paired with the
/// private fold: `sharded` and `atomic` as given, `mutex_sum` 4× its time.
fn shared_sums(threads: u64, sharded: [f64; 3], atomic: [f64; 3]) -> Vec<Benchmark> {
    let one = [1.0, 1.0, 1.0];
    vec![
        paired(
            entry("compute", "fold_reduce", "rayon", threads, 1000.0),
            one,
            &[],
        ),
        paired(
            entry("compute", "sharded_sum", "rayon", threads, 1010.0),
            one,
            &[("fold_reduce", sharded)],
        ),
        paired(
            entry("compute", "atomic_sum", "rayon", threads, 1500.0),
            one,
            &[("fold_reduce", atomic)],
        ),
        paired(
            entry("compute", "mutex_sum", "rayon", threads, 4000.0),
            one,
            &[("fold_reduce", [4.0, 3.9, 4.1])],
        ),
    ]
}

#[test]
fn shared_state_costs_are_paired_ratios_to_the_private_fold() {
    let one = [1.0, 1.0, 1.0];
    let mut entries = shared_sums(4, [1.01, 0.99, 1.03], [1.5, 1.45, 1.55]);
    entries.extend([
        entry("compute", "fold_reduce", "rayon", 2, 1800.0),
        entry("compute", "mutex_worker", "rayon", 4, 3000.0),
        paired(
            entry("compute", "worker_per_thread", "rayon", 4, 1000.0),
            one,
            &[("mutex_worker", [0.25, 0.2, 0.5])],
        ),
    ]);
    let answer = answer_to(&findings_of(&entries), "What does shared");
    assert!(
        answer.contains(
            "On compute (rayon, 4 threads), each against fold_reduce, paired: sharded_sum \
                 undecided (95% interval -1.0–3.0% spans the margin of 2.0%; noisy: about 4× the \
                 rounds might decide it), atomic_sum 50.0% \
                 slower (95% interval 45.0–55.0%) and mutex_sum 4.00× the time (95% interval \
                 3.9–4.1×)."
        ),
        "{answer}"
    );
    assert!(
        answer.contains(
            "One stateful worker behind a Mutex (mutex_worker) against one worker per thread \
                 (worker_per_thread) on compute (rayon, 4 threads), paired: 4.00× the time (95% \
                 interval 2.0–5.0×)."
        ),
        "{answer}"
    );
    assert!(answer.contains("(No memory-bound workload was run on this machine.)"));
}

#[test]
fn a_comparison_settled_head_to_head_says_so_with_its_rounds() {
    let mut entries = shared_sums(4, [1.001, 0.99, 1.012], [1.5, 1.45, 1.55]);
    entries.push(entry("compute", "fold_reduce", "rayon", 2, 1800.0));
    let sharded = (entries.iter_mut())
        .find(|b| b.key.variant == "sharded_sum")
        .unwrap();
    sharded.compared[0].head_to_head_rounds = Some(140);
    let answer = answer_to(&findings_of(&entries), "What does shared");
    assert!(
        answer.contains(
            "sharded_sum equal within 2.0% (ratio 1.001×, 95% interval 0.990–1.012) (head to \
             head over 140 rounds), atomic_sum"
        ),
        "{answer}"
    );
    assert!(!answer.contains("atomic_sum 50.0% slower (95% interval 45.0–55.0%) (head"));
}

#[test]
fn cores_busy_beyond_the_speedup_are_called_out() {
    let busy = |b: Benchmark, speedup: [f64; 3], cores: f64| {
        let mut b = paired(b, speedup, &[]);
        b.cores_busy = Some(cores);
        b
    };
    let entries = [
        busy(
            entry("compute", "closure", "rayon", 2, 1000.0),
            [1.95, 1.9, 1.98],
            1.99,
        ),
        busy(
            entry("compute", "mutex_worker", "rayon", 2, 3000.0),
            [0.82, 0.8, 0.83],
            1.37,
        ),
        busy(
            entry("compute", "mutex_sum", "rayon", 1, 3000.0),
            [0.5, 0.4, 0.6],
            1.0,
        ),
    ];
    let answer = answer_to(&findings_of(&entries), "Which variants keep cores");
    assert!(
        answer.starts_with(
            "1 of 2 parallel entries keep more than 0.25 cores busy beyond their paired \
                 speedup's upper bound"
        ),
        "{answer}"
    );
    assert!(
        answer.contains(
            "mutex_worker on compute (rayon, 2 threads) keeps 1.37 cores busy for a paired \
                 speedup of 0.820×: 0.54 cores beyond its upper bound"
        ),
        "{answer}"
    );

    // Round by round, where the run measured it: the paired difference
    // decides where the cores busy against the speedup's wide interval
    // cannot (1.8 - 1.3 = 0.5 is beyond the margin, 1.8 - 1.9 within).
    let round_by_round = |variant: &str, beyond: [f64; 3]| {
        let mut b = busy(
            entry("compute", variant, "rayon", 2, 1000.0),
            [1.6, 1.3, 1.9],
            1.8,
        );
        b.cores_beyond_speedup = Some(Interval {
            estimate: beyond[0],
            lower: beyond[1],
            upper: beyond[2],
        });
        b
    };
    let entries = [
        round_by_round("closure", [0.1, -0.05, 0.2]),
        round_by_round("mutex_worker", [0.5, 0.3, 0.7]),
        round_by_round("arc_state", [0.2, 0.1, 0.3]),
    ];
    let finding = findings_of(&entries)
        .into_iter()
        .find(|f| f.id == "burning-cores")
        .unwrap();
    let claims: Vec<(&str, &str)> = (finding.claims.iter())
        .map(|c| (c.subject.as_str(), c.answer.as_str()))
        .collect();
    assert_eq!(
        claims,
        [
            ("closure", "no"),
            ("arc_state", "undecided"),
            ("mutex_worker", "burns cores")
        ]
    );
    assert!(
        finding.answer.starts_with(
            "1 of 3 parallel entries keep more than 0.25 cores busy beyond their paired \
             speedup, round by round (the bound of the interval)"
        ) && finding.answer.contains(
            "mutex_worker on compute (rayon, 2 threads) keeps 1.80 cores busy for a paired \
             speedup of 1.60×: 0.50 cores beyond its speedup round by round (95% interval \
             0.30–0.70)"
        ) && finding.answer.contains(
            "arc_state: on compute (rayon, 2 threads) 1.80 cores busy for a paired speedup of \
             1.60×, 0.20 cores beyond its speedup round by round (95% interval 0.10–0.30): the \
             interval spans the margin"
        ),
        "{}",
        finding.answer
    );
}

#[test]
fn intermittent_use_names_the_backends_that_lose_their_steady_speed() {
    use crate::key::Regime;
    let intermittent = |backend: &str, calls: Vec<f64>, steady: Vec<f64>| {
        let mut b = entry("compute", "closure", backend, 2, 5000.0);
        b.key.regime = Regime::Intermittent;
        b.caller_work_ns = Some(10e6);
        b.slow_call_share = crate::paired::slow_call_share(&calls);
        b.call_ns = calls;
        b.steady_call_ns = steady;
        b
    };
    let fast = vec![5.0e6; 40];
    let mut bimodal = vec![5.0e6; 24];
    bimodal.extend([10.0e6; 16]);
    let entries = [
        entry("compute", "closure", "rayon", 2, 5000.0),
        intermittent("rayon", bimodal, fast.clone()),
        intermittent("std_scope", fast.clone(), fast.clone()),
    ];
    let answer = answer_to(&findings_of(&entries), "What does the parallel call cost");
    assert!(
        answer.starts_with(
            "Used intermittently (after 10.0 ms of the caller's own work before each call), \
                 closure on compute at 2 threads: rayon's mean call 1.40× the back-to-back one \
                 (95% interval 1.16–1.64), and 40% of its calls were slow (over 1.5× its \
                 fastest); against a margin of 10%: std_scope (equal within 10%: mean call 1.00× \
                 the back-to-back one (95% interval 1.00–1.00))."
        ),
        "{answer}"
    );
    assert!(answer.contains("Consider a backend that spawns its threads per call"));
    // The key figure: the backend that lost its speed, though listed
    // after one that kept it; where none lost it, the first compared.
    let figure = |entries: &[Benchmark]| {
        let found = findings_of(entries);
        let f = found.iter().find(|f| f.id == "intermittent").unwrap();
        f.figure.clone()
    };
    let kept_first = [
        entries[0].clone(),
        intermittent("crossbeam", fast.clone(), fast),
        entries[1].clone(),
    ];
    assert!(
        figure(&kept_first)
            .unwrap()
            .starts_with("rayon: mean call 1.40×")
    );
    let all_kept = [entries[0].clone(), entries[2].clone()];
    assert!(
        figure(&all_kept)
            .unwrap()
            .starts_with("std_scope: mean call 1.00×")
    );
    // An undecided backend says why: 30 calls of 4 or 7 ms against 5 ms steady.
    let noisy: Vec<f64> = (0..30).map(|i| [4.0e6, 7.0e6][i % 2]).collect();
    let undecided = [
        entries[0].clone(),
        intermittent("crossbeam", noisy, vec![5.0e6; 30]),
    ];
    let answer = answer_to(&findings_of(&undecided), "What does the parallel call cost");
    assert!(
        answer.contains("crossbeam (undecided: mean call 1.10× the back-to-back one (95% interval")
            && answer.contains("; at the margin's edge: estimate +10.0%, margin 10%)"),
        "{answer}"
    );
    assert!(
        answer_to(
            &findings_of(&entries[..1]),
            "What does the parallel call cost"
        )
        .starts_with("Not answered: nothing was measured in the intermittent regime")
    );
}

#[test]
fn trust_names_disagreeing_instruments_and_speedups_beyond_the_ceiling() {
    let mut disagree = paired(
        entry("compute", "closure", "rayon", 2, 1000.0),
        [1.9, 1.85, 1.95],
        &[],
    );
    disagree.criterion_speedup = Some(1.6);
    disagree.instruments_disagree = true;
    let mut beyond = paired(
        entry("big_state", "closure", "rayon", 2, 1000.0),
        [2.3, 2.2, 2.4],
        &[],
    );
    beyond.beyond_ceiling = Some(crate::results::BeyondCeiling {
        ceiling: 1.9,
        cause: crate::results::CeilingCause::Inconsistent,
        explanation: "caches: why".to_string(),
    });
    let entries = [
        disagree,
        beyond,
        entry("compute", "sequential", "sequential", 1, 1900.0),
    ];
    let answer = answer_to(&findings_of(&entries), "How far");
    assert!(answer.contains("2 of 3 speedups are paired"), "{answer}");
    assert!(answer.contains("In 1 entries (≠) criterion's ratio of times and the paired speedup differ by more than 5.0%"), "{answer}");
    assert!(
        answer.contains(
            "closure on compute (rayon, 2 threads): paired 1.90× against criterion's 1.60× ≠"
        ),
        "{answer}"
    );
    assert!(answer.contains("closure on big_state (rayon, 2 threads): 2.30× against a ceiling of 1.90× ▲: caches: why"), "{answer}");
}

#[test]
fn trust_lists_the_two_values_of_a_speedup_whose_rounds_fell_into_two_groups() {
    let mut two = paired(
        entry("compute", "closure", "rayon", 1, 1000.0),
        [0.72, 0.71, 1.0],
        &[],
    );
    two.paired_target_reached = Some(false);
    two.speedup_modes = Some([
        crate::paired::Mode {
            value: 0.72,
            rounds: 5,
        },
        crate::paired::Mode {
            value: 0.99,
            rounds: 2,
        },
    ]);
    let one = paired(
        entry("compute", "closure", "rayon", 2, 500.0),
        [1.95, 1.94, 1.96],
        &[],
    );
    let found = findings_of(&[two, one]);
    let answer = answer_to(&found, "How far");
    assert!(
        answer.contains("In 1 entries (‡) the rounds fell into two groups at least 5.0% apart"),
        "{answer}"
    );
    assert!(
        answer.contains("closure on compute (rayon, 1 thread): 0.720× in 5 rounds, 0.990× in 2 ‡"),
        "{answer}"
    );
    let trust = found.iter().find(|f| f.id == "trust").unwrap();
    assert!(
        trust.figure.as_ref().unwrap().contains("(1 †, 1 ‡)"),
        "{:?}",
        trust.figure
    );
}

#[test]
fn missing_workloads_are_said_to_be_missing() {
    let entries = [entry("seed", "sequential", "sequential", 1, 50.0)];
    let found = findings_of(&entries);
    assert!(answer_to(&found, "Do closure").starts_with("Not answered"));
    assert_eq!(
        answer_to(&found, "What does shared"),
        "Not answered: no memory-bound or CPU-bound workload was run on this machine."
    );
    assert_eq!(
        answer_to(&found, "Which backend"),
        "Not answered: no workload of imbalanced items was run on this machine."
    );
    assert!(answer_to(&found, "From how much").starts_with("Not answered"));
    assert!(
        answer_to(&found, "Does a function object")
            .contains("no workload with a large constant state was run")
    );
}

#[test]
fn the_winning_backend_on_imbalanced_is_named_with_its_tally() {
    // Criterion's times say crossbeam is fastest with closure; the paired
    // speedups, each in its own group's window, say rayon: they decide.
    let entries = [
        paired(
            entry("imbalanced", "closure", "rayon", 4, 1100.0),
            [3.0, 2.9, 3.1],
            &[],
        ),
        paired(
            entry("imbalanced", "closure", "crossbeam", 4, 1000.0),
            [2.5, 2.45, 2.55],
            &[],
        ),
        paired(
            entry("imbalanced", "closure", "std_scope", 4, 2000.0),
            [1.5, 1.4, 1.6],
            &[],
        ),
        paired(
            entry("imbalanced", "arc_state", "rayon", 4, 1300.0),
            [2.3, 2.2, 2.4],
            &[],
        ),
        paired(
            entry("imbalanced", "arc_state", "crossbeam", 4, 1000.0),
            [3.0, 2.9, 3.1],
            &[],
        ),
        entry("imbalanced", "closure", "rayon", 1, 3000.0),
    ];
    let found = findings_of(&entries);
    let answer = answer_to(&found, "Which backend");
    assert!(
        answer.starts_with(
            "On imbalanced at 4 threads, closure's speedups: rayon 3.00× (95% interval \
                 2.90–3.10), crossbeam 2.50× (95% interval 2.45–2.55) and std_scope 1.50× (95% \
                 interval 1.40–1.60). rayon leads crossbeam by 20.0% (95% interval 12.4–28.0%, \
                 intervals widened for the choice among 3 backends)."
        ),
        "{answer}"
    );
    assert!(answer.contains("Over all 2 variant and thread-count points"));
    assert!(
        answer.contains(
            "rayon 1 (by more than 5.0% at 1), crossbeam 1 (by more than 5.0% at 1) and \
                 std_scope 0 (by more than 5.0% at 0)"
        ),
        "{answer}"
    );
    let short = found.iter().find(|f| f.id == "imbalanced").unwrap().short();
    assert_eq!(short.as_deref(), Some("rayon leads by more than 5.0%"));
}

#[test]
fn the_imbalanced_leader_is_judged_with_intervals_widened_for_its_choice() {
    // rayon 2.00× (1.90–2.10) against crossbeam 1.75× (1.70–1.80): judged
    // as if chosen in advance, the lead's lower bound is 1.90 / 1.80, 5.6%,
    // beyond the 5% margin; chosen as the larger of the two, each interval
    // is widened (Bonferroni, 1.14 on a log scale), and the bound, 4.4%, no
    // longer is.
    let entries = [
        paired(
            entry("imbalanced", "closure", "rayon", 2, 1000.0),
            [2.0, 1.9, 2.1],
            &[],
        ),
        paired(
            entry("imbalanced", "closure", "crossbeam", 2, 1100.0),
            [1.75, 1.7, 1.8],
            &[],
        ),
        entry("imbalanced", "closure", "rayon", 1, 2000.0),
    ];
    let found = findings_of(&entries);
    let answer = answer_to(&found, "Which backend");
    assert!(
        answer.contains("widened for the choice among 2 backends"),
        "{answer}"
    );
    assert!(!answer.contains("rayon leads crossbeam"), "{answer}");
    let short = found.iter().find(|f| f.id == "imbalanced").unwrap().short();
    assert_ne!(short.as_deref(), Some("rayon leads by more than 5.0%"));
}

/// The imbalanced workload's closure at 2 threads on rayon and crossbeam,
/// their speedups too close and too wide to decide a lead (rayon 1.97×,
/// 1.63–2.03; crossbeam 1.95×, 1.94–1.97: a fresh run's figures), and the
/// leader's race head to head with `ratio`, rayon's time over crossbeam's.
fn imbalanced_raced(ratio: Option<[f64; 3]>) -> Vec<Benchmark> {
    let mut rayon = paired(
        entry("imbalanced", "closure", "rayon", 2, 1000.0),
        [1.97, 1.63, 2.03],
        &[],
    );
    rayon.head_to_head = ratio.map(|[estimate, lower, upper]| crate::results::HeadToHead {
        with: "crossbeam".to_string(),
        time_ratio: Interval {
            estimate,
            lower,
            upper,
        },
        rounds: 40,
    });
    vec![
        rayon,
        paired(
            entry("imbalanced", "closure", "crossbeam", 2, 1000.0),
            [1.95, 1.94, 1.97],
            &[],
        ),
        entry("imbalanced", "closure", "rayon", 1, 2000.0),
    ]
}

#[test]
fn the_leaders_head_to_head_decides_what_their_speedups_cannot() {
    let short = |entries: &[Benchmark]| {
        let found = findings_of(entries);
        let finding = found.iter().find(|f| f.id == "imbalanced").unwrap();
        (finding.short(), answer_to(&found, "Which backend"))
    };
    // Through the speedups alone: undecided, naming the two it could not
    // tell apart.
    let (alone, answer) = short(&imbalanced_raced(None));
    assert_eq!(
        alone.as_deref(),
        Some("undecided: rayon or crossbeam"),
        "{answer}"
    );
    // Head to head within 1%: equal within the margin, and the race is the
    // key figure.
    let raced = imbalanced_raced(Some([1.0, 0.99, 1.01]));
    let (equal, answer) = short(&raced);
    assert_eq!(equal.as_deref(), Some("equal within 5.0%"), "{answer}");
    let found = findings_of(&raced);
    let figure = found
        .iter()
        .find(|f| f.id == "imbalanced")
        .unwrap()
        .figure
        .clone();
    assert_eq!(
        figure.as_deref(),
        Some(
            "closure at 2 threads, head to head: rayon's time over crossbeam's 1.000× (95% \
             interval 0.990–1.010, 40 rounds)"
        )
    );
    assert!(
        answer.contains(
            "rayon's time over crossbeam's, head to head in 40 rounds of their own: equal \
             within 5.0% (ratio 1.000×, 95% interval 0.990–1.010)"
        ),
        "{answer}"
    );
    // Head to head, the runner-up by speedup is faster by more than the
    // margin: it leads.
    let (reversed, answer) = short(&imbalanced_raced(Some([1.10, 1.08, 1.12])));
    assert_eq!(
        reversed.as_deref(),
        Some("crossbeam leads by more than 5.0%"),
        "{answer}"
    );
    assert!(
        answer.contains(
            "crossbeam leads rayon by 10.0% (95% interval 8.0–12.0%, head to head in 40 rounds"
        ),
        "{answer}"
    );
    // A lead of 10x or more reads as a factor, in the answer and in the
    // key figure.
    let far = imbalanced_raced(Some([20.0, 18.0, 22.0]));
    let (_, answer) = short(&far);
    assert!(
        answer.contains(
            "crossbeam leads rayon: 20.0× faster (95% interval 18.0–22.0× faster, head to head \
             in 40 rounds"
        ),
        "{answer}"
    );
    let found = findings_of(&far);
    let figure = (found.iter().find(|f| f.id == "imbalanced"))
        .and_then(|f| f.figure.clone())
        .unwrap();
    assert_eq!(
        figure,
        "closure at 2 threads, head to head: rayon's time over crossbeam's 20.0× slower (95% \
         interval 18.0–22.0× slower, 40 rounds)"
    );
    // A race against another backend than the runner-up is not this one.
    let mut elsewhere = imbalanced_raced(Some([1.0, 0.99, 1.01]));
    elsewhere[0].head_to_head.as_mut().unwrap().with = "std_scope".to_string();
    assert_eq!(
        short(&elsewhere).0.as_deref(),
        Some("undecided: rayon or crossbeam")
    );
    // Nor one held by an entry of an earlier run whose partner was
    // measured again (a merged file).
    let mut stale = imbalanced_raced(Some([1.0, 0.99, 1.01]));
    stale[1].measured_at = "2026-12-08T00:00:00Z".to_string();
    assert_eq!(
        short(&stale).0.as_deref(),
        Some("undecided: rayon or crossbeam")
    );
    // A lead by more than the margin over the runner-up, head to head,
    // while a third backend's speedup lies as high as the leader's: not
    // shown over every backend, so undecided between the leader and it.
    let mut third = imbalanced_raced(Some([1.10, 1.08, 1.12]));
    third.push(paired(
        entry("imbalanced", "closure", "std_scope", 2, 1000.0),
        [1.94, 1.88, 2.00],
        &[],
    ));
    let (open, answer) = short(&third);
    assert_eq!(
        open.as_deref(),
        Some("undecided: crossbeam or std_scope"),
        "{answer}"
    );
    assert!(
        answer.contains("its lead over the other backends is not shown beyond 5.0%"),
        "{answer}"
    );
}

/// The seed (20 items of 2 ns) and its best parallel run, 500× slower.
fn seed_where_parallel_loses() -> Vec<Benchmark> {
    let mut sequential = entry("seed", "sequential", "sequential", 1, 40.0);
    sequential.items = 20;
    let parallel = entry("seed", "closure", "rayon", 2, 20_000.0);
    vec![sequential, paired(parallel, [0.002, 0.0019, 0.0021], &[])]
}

#[test]
fn break_even_lies_between_the_workloads_that_lose_and_win() {
    let mut entries = seed_where_parallel_loses();
    entries.extend([
        entry("compute", "sequential", "sequential", 1, 2_000_000.0),
        paired(
            entry("compute", "closure", "rayon", 4, 600_000.0),
            [3.33, 3.2, 3.4],
            &[],
        ),
        paired(
            entry("big_state", "closure", "rayon", 2, 5000.0),
            [1.5, 1.4, 1.6],
            &[],
        ),
    ]);
    entries[2].items = 1000;
    let answer = answer_to(&findings_of(&entries), "From how much");
    assert!(
        answer.starts_with("So on this machine parallel pays off"),
        "{answer}"
    );
    assert!(answer.contains(
        "big_state. seed (2.00 ns per item, 40.0 ns per call sequentially): \
             the best parallel run (closure, rayon, 2 threads) is 500× slower (95% interval \
             476–526× slower)."
    ));
    assert!(answer.contains("compute (2.00 µs per item, 2.00 ms per call sequentially)"));
    assert!(answer.contains("is 3.33× faster (95% interval 3.20–3.40)"));
    assert!(answer.contains(
        "between 2.00 ns (seed, where it does not) and 2.00 µs (compute, where it does)"
    ));
    assert!(answer.contains("Left out, without both a sequential and a parallel run: big_state."));
}

#[test]
fn break_even_judges_a_run_not_chosen_by_its_own_paired_rounds() {
    // Two parallel runs of compute: rayon has the larger paired speedup
    // (the one a choice by paired estimate would take, then confirm on the
    // same rounds); std_scope is faster by criterion's own time, and its
    // paired interval spans the 5% margin around 1. The race is judged on
    // std_scope: undecided, not a win chosen and confirmed by one sample.
    let entries = [
        entry("compute", "sequential", "sequential", 1, 2_000_000.0),
        paired(
            entry("compute", "closure", "rayon", 2, 1_900_000.0),
            [1.3, 1.06, 1.5],
            &[],
        ),
        paired(
            entry("compute", "closure", "std_scope", 2, 1_800_000.0),
            [1.02, 0.97, 1.08],
            &[],
        ),
    ];
    let answer = answer_to(&findings_of(&entries), "From how much");
    assert!(
        answer.contains("the best parallel run (closure, std_scope, 2 threads)"),
        "{answer}"
    );
    assert!(!answer.contains("faster ("), "{answer}");
}

#[test]
fn break_even_falls_back_to_the_work_per_call() {
    let mut entries = seed_where_parallel_loses();
    entries.extend([
        entry("trivial", "sequential", "sequential", 1, 1_000_000.0),
        paired(
            entry("trivial", "closure", "rayon", 4, 400_000.0),
            [2.5, 2.4, 2.6],
            &[],
        ),
    ]);
    entries[2].items = 1_000_000;
    let answer = answer_to(&findings_of(&entries), "From how much");
    assert!(
        answer.contains("No amount of work per item separates"),
        "{answer}"
    );
    assert!(answer.contains(
        "between 40.0 ns (seed, where it does not) and 1.00 ms (trivial, where it does)"
    ));
}

#[test]
fn memory_copies_are_counted_per_variant_at_two_threads() {
    let with_memory = |variant: &str, backend: &str, threads: u64, copies: u64| {
        let mut b = entry("big_state", variant, backend, threads, 1000.0);
        b.memory.state_copies = Some(copies);
        b.memory.bytes_allocated = Some(copies * (64 << 20) + 512);
        b.memory.peak_live_bytes = Some(copies.min(threads) * (64 << 20) + 256);
        b
    };
    let entries = [
        with_memory("clone_per_task", "rayon", 2, 16),
        with_memory("clone_per_task", "std_scope", 2, 2),
        with_memory("clone_per_worker", "rayon", 2, 2),
        with_memory("arc_state", "rayon", 2, 0),
        with_memory("function_object", "rayon", 2, 0),
        with_memory("closure", "rayon", 2, 0),
        with_memory("closure", "rayon", 4, 0),
    ];
    let answer = answer_to(&findings_of(&entries), "Does a function object");
    assert!(
            answer.starts_with(
                "On big_state with rayon at 2 threads, the deep copies of the constant state made by one call \
                 were: clone_per_task 16 (1.00 GiB allocated, peak 128 MiB live), clone_per_worker 2"
            ),
            "{answer}"
        );
    assert!(answer.contains("function_object 0 (512 B allocated, peak 256 B live) and closure 0"));
    assert!(answer.contains("exactly as often as a closure capturing it (0 times)"));
    assert!(answer.contains(
        "per task made 16 copies where borrowing it made 0, allocating 1.00 GiB against 512 B"
    ));
    assert!(
        answer
            .contains("On the other backends at 2 threads, clone_per_task made 2 with std_scope.")
    );
}

#[test]
fn memory_without_figures_is_not_answered() {
    let entries = [entry("big_state", "closure", "rayon", 2, 1000.0)];
    let answer = answer_to(&findings_of(&entries), "Does a function object");
    assert!(
        answer.starts_with("Not answered: the big_state entries carry no memory figures"),
        "{answer}"
    );
}

/// The short answers the cross-machine verdict compares: claims in a few
/// words, no figures, decided only against the question's margin.
#[test]
fn short_answers_name_the_outcome_against_the_margin_without_figures() {
    let short_of = |entries: &[Benchmark], id: &str| {
        findings_of(entries)
            .into_iter()
            .find(|f| f.id == id)
            .and_then(|f| f.short())
    };
    let same = [1.0, 1.0, 1.0];
    let idioms = |object_ratio: [f64; 3]| {
        [
            paired(entry("trivial", "closure", "rayon", 4, 1000.0), same, &[]),
            paired(
                entry("trivial", "function_object", "rayon", 4, 1000.0),
                same,
                &[("closure", object_ratio)],
            ),
            paired(
                entry("trivial", "method_reference", "rayon", 4, 1000.0),
                same,
                &[("closure", object_ratio), ("function_object", object_ratio)],
            ),
        ]
    };
    assert_eq!(
        short_of(&idioms([1.0, 0.99, 1.01]), "idioms").as_deref(),
        Some("equal within 2.0%: on trivial")
    );
    assert_eq!(
        short_of(&idioms([1.2, 1.15, 1.25]), "idioms").as_deref(),
        Some("slower by more than 2.0%: on trivial")
    );
    // Significant (the interval excludes 1) but within the margin: equal.
    assert_eq!(
        short_of(&idioms([1.005, 1.002, 1.008]), "idioms").as_deref(),
        Some("equal within 2.0%: on trivial")
    );

    let busy = |variant: &str, speedup: [f64; 3], cores: f64| {
        let mut b = paired(entry("compute", variant, "rayon", 2, 1000.0), speedup, &[]);
        b.cores_busy = Some(cores);
        b
    };
    let calm = [busy("closure", [1.95, 1.9, 1.98], 1.99)];
    assert_eq!(
        short_of(&calm, "burning-cores").as_deref(),
        Some("no: closure")
    );
    let burning = [
        calm[0].clone(),
        busy("mutex_worker", [0.82, 0.8, 0.83], 1.37),
    ];
    assert_eq!(
        short_of(&burning, "burning-cores").as_deref(),
        Some("no: closure; burns cores: mutex_worker")
    );
    // Few cores busy on a loaded host prove nothing either way.
    let starved = [busy("closure", [0.5, 0.3, 0.7], 0.6)];
    assert_eq!(
        short_of(&starved, "burning-cores").as_deref(),
        Some("undecided: closure")
    );
    // Each undecided variant says why.
    let wide = [busy("arc_state", [1.6, 1.3, 1.9], 1.8)];
    assert_eq!(
        short_of(&wide, "burning-cores").as_deref(),
        Some("undecided: arc_state")
    );
    for (entries, why) in [
        (
            &starved,
            "Undecided: closure: on compute (rayon, 2 threads) the process kept 0.60 cores busy \
             for 2 threads (fewer cores than threads: one possible cause, a loaded host).",
        ),
        (
            &wide,
            "Undecided: arc_state: on compute (rayon, 2 threads) 1.80 cores busy for a paired \
             speedup of 1.60× (95% interval 1.30–1.90): the interval spans the margin of 0.25 \
             cores.",
        ),
    ] {
        let answer = answer_to(&findings_of(entries), "Which variants keep cores");
        assert!(answer.ends_with(why), "{answer}");
    }
    let sums = |atomic: [f64; 3]| shared_sums(2, [1.001, 0.995, 1.01], atomic);
    assert_eq!(
        short_of(&sums([1.5, 1.45, 1.55]), "shared-state").as_deref(),
        Some(
            "equal within 2.0%: sharded_sum on compute; slower by more than 2.0%: atomic_sum \
                 on compute, mutex_sum on compute"
        )
    );
    assert_eq!(
        short_of(&sums([1.01, 0.97, 1.04]), "shared-state").as_deref(),
        Some(
            "equal within 2.0%: sharded_sum on compute; undecided: atomic_sum on compute; \
                 slower by more than 2.0%: mutex_sum on compute"
        )
    );

    let unknown = [paired(
        entry("compute", "closure", "rayon", 2, 1000.0),
        same,
        &[],
    )];
    assert_eq!(
        short_of(&unknown, "burning-cores"),
        None,
        "without a CPU clock the answer is unknown, not none"
    );
}

#[test]
fn a_speedup_wholly_above_the_ceiling_is_left_out_of_every_answer() {
    use crate::report::data::tests::run_of;
    let mut run = run_of(
        "vm",
        vec![
            entry("compute", "sequential", "sequential", 1, 2000.0),
            paired(
                entry("compute", "closure", "rayon", 2, 900.0),
                [2.2, 2.1, 2.3],
                &[],
            ),
            paired(
                entry("compute", "closure", "std_scope", 2, 1000.0),
                [1.95, 1.9, 2.0],
                &[],
            ),
        ],
    );
    run.file.run.ceiling = vec![crate::results::CeilingPoint {
        threads: 2,
        speedup: 2.0,
    }];
    let found = findings(&Index::of_file(&run.file));
    let trust = found.iter().find(|f| f.id == "trust").unwrap();
    assert!(
        trust.answer.contains(
            "1 paired speedups lie wholly more than 3.0% above the machine's measured ceiling"
        ),
        "{}",
        trust.answer
    );
    assert_eq!(
        trust.details[0],
        "closure on compute (rayon, 2 threads): paired 2.20× (95% interval 2.10–2.30) \
             against a ceiling of 2.00×"
    );
    // The break-even answer rests on std_scope alone: rayon is left out.
    let break_even = found.iter().find(|f| f.id == "break-even").unwrap();
    assert!(
        break_even.details[0].contains("(closure, std_scope, 2 threads)"),
        "{:?}",
        break_even.details
    );
}

/// Intermittent calls faster than the steady call right after each, beyond
/// the margin: paired by round, so the host's drift is out of the ratio;
/// a decided finding, whose cause is not measured.
#[test]
fn intermittent_calls_faster_than_steady_ones_are_a_finding() {
    use crate::key::Regime;
    let mut b = entry("compute", "closure", "process", 2, 5000.0);
    b.key.regime = Regime::Intermittent;
    b.caller_work_ns = Some(10e6);
    b.call_ns = vec![12.0e6; 20];
    b.steady_call_ns = vec![16.0e6; 20];
    let found = findings_of(&[entry("compute", "closure", "process", 2, 5000.0), b]);
    let intermittent = found.iter().find(|f| f.id == "intermittent").unwrap();
    assert_eq!(
        intermittent.short().as_deref(),
        Some("faster than steady: process")
    );
    assert!(intermittent.claims[0].decided);
    assert!(
        intermittent
            .answer
            .contains("process (faster than its back-to-back call beyond the margin: mean call"),
        "{}",
        intermittent.answer
    );
}

#[test]
fn trust_counts_the_intervals_the_time_cap_stopped() {
    let reached = paired(
        entry("compute", "closure", "rayon", 2, 1_000_000.0),
        [1.9, 1.88, 1.92],
        &[],
    );
    let mut capped = paired(
        entry("compute", "closure", "std_scope", 2, 1_000_000.0),
        [1.8, 1.6, 1.95],
        &[],
    );
    capped.paired_target_reached = Some(false);
    let entries = [
        entry("compute", "sequential", "sequential", 1, 1_900_000.0),
        reached,
        capped,
    ];
    let answer = answer_to(&findings_of(&entries), "How far");
    assert!(
        answer.contains("1 of 2 paired entries settled (the speedup's interval within the target half-width of 3.0%, the comparisons decided); the time cap stopped 1 first (†)"),
        "{answer}"
    );
}

/// `entries` as a file whose workload `mine` is a problem of the user's
/// own, beside the built-in `compute`.
fn with_own(entries: Vec<Benchmark>) -> crate::report::data::Run {
    let mut run = crate::report::data::tests::run_of("m", entries);
    run.file.workloads.insert(
        "mine".to_string(),
        crate::results::WorkloadInfo {
            about: "a problem of mine".to_string(),
            purpose: Purpose::Own,
            spec: None,
            // A problem that declares no sum: its shared-mutable strategies
            // were skipped by it, not by a filter.
            own_run: Some(crate::results::OwnRun {
                started_at: "2026-11-30T10:00:00Z".to_string(),
                profile: "quick".to_string(),
                threads: vec![1, 2],
                sequential_ns_start: 1000.0,
                sequential_ns_end: Some(1000.0),
                sums: false,
                accumulator: None,
                git_commit: None,
                rustc: String::new(),
                parbench_version: String::new(),
            }),
        },
    );
    run
}

#[test]
fn an_own_problem_within_the_margin_of_its_loop_gains_nothing_and_leaves_compute_alone() {
    let one = [1.0, 1.0, 1.0];
    let compute = vec![
        entry("compute", "sequential", "sequential", 1, 2000.0),
        paired(
            entry("compute", "closure", "rayon", 2, 1000.0),
            [2.0, 1.95, 2.05],
            &[],
        ),
    ];
    let mut entries = compute.clone();
    entries.extend([
        entry("mine", "sequential", "sequential", 1, 1000.0),
        // The best parallel entry lies within 5% of the loop: no gain.
        paired(
            entry("mine", "closure", "rayon", 2, 990.0),
            [1.01, 0.97, 1.04],
            &[],
        ),
        paired(
            entry("mine", "closure", "std_scope", 2, 1010.0),
            [0.99, 0.96, 1.02],
            &[],
        ),
        paired(
            entry("mine", "clone_per_task", "rayon", 2, 1500.0),
            [0.66, 0.64, 0.68],
            &[],
        ),
        paired(
            entry("mine", "arc_state", "rayon", 2, 1000.0),
            one,
            &[("closure", [1.03, 0.99, 1.06])],
        ),
    ]);
    let run = with_own(entries.clone());
    let index = Index::of_file(&run.file);
    let own = own_findings(&index);
    assert_eq!(own.len(), 1);
    assert_eq!(
        (own[0].workload.as_str(), own[0].about.as_str()),
        ("mine", "a problem of mine")
    );
    let short = |id: &str| {
        let f = own[0].findings.iter().find(|f| f.id == id).unwrap();
        (f.short(), f.answer.clone())
    };
    assert_eq!(
        short("worth").0.as_deref(),
        Some("no gain: equal within 5.0%"),
        "{:?}",
        short("worth")
    );
    // The best is the strongest evidence, not the highest estimate: a set
    // of few rounds with a wide interval does not hide a decisive one.
    let mut wide = entries.clone();
    wide.extend([
        paired(
            entry("mine", "worker_per_thread", "crossbeam", 2, 510.0),
            [1.96, 1.01, 2.63],
            &[],
        ),
        paired(
            entry("mine", "fold_reduce", "rayon", 2, 540.0),
            [1.85, 1.80, 1.90],
            &[],
        ),
    ]);
    let wide_entries = wide.clone();
    let wide = with_own(wide);
    let wide_index = Index::of_file(&wide.file);
    let worth = own_findings(&wide_index)[0]
        .findings
        .iter()
        .find(|f| f.id == "worth")
        .unwrap()
        .clone();
    assert_eq!(
        worth.short().as_deref(),
        Some("parallel wins by more than 5.0%"),
        "{}",
        worth.answer
    );
    assert!(
        worth
            .figure
            .as_deref()
            .unwrap_or_default()
            .starts_with("fold_reduce on rayon")
    );
    // Paired with the closure: its margin; sampled apart: through the two
    // speedups, with the backends' margin.
    let (ownership, evidence) = short("ownership");
    assert_eq!(
        ownership.as_deref(),
        Some("undecided: arc_state; slower by more than 5.0%: clone_per_task"),
        "{evidence}"
    );
    assert!(
        evidence.contains("clone_per_task: copies not counted; time 53.0% slower"),
        "{evidence}"
    );
    let (shared, _) = short("shared-sum");
    assert_eq!(
        shared.as_deref(),
        Some("skipped: the problem declares no sum")
    );
    // A problem that sums, whose strategies a filter left out: not answered.
    let mut filtered = with_own(entries.clone());
    let info = filtered.file.workloads.get_mut("mine").unwrap();
    info.own_run.as_mut().unwrap().sums = true;
    let own_filtered = own_findings(&Index::of_file(&filtered.file));
    let shared = (own_filtered[0].findings.iter())
        .find(|f| f.id == "shared-sum")
        .unwrap();
    assert!(shared.claims.is_empty(), "{shared:?}");
    assert!(shared.answer.contains("(a filter?)"), "{}", shared.answer);
    // A problem whose accumulator is a map: named, with what it does to
    // the strategies' speedups; a u64 sum (None) says nothing of it.
    let mut counted = with_own(wide_entries.clone());
    let run = counted.file.workloads.get_mut("mine").unwrap();
    run.own_run.as_mut().unwrap().sums = true;
    let shared_answer = |run: &crate::report::data::Run| {
        let own = own_findings(&Index::of_file(&run.file));
        (own[0].findings.iter())
            .find(|f| f.id == "shared-sum")
            .unwrap()
            .answer
            .clone()
    };
    assert!(!shared_answer(&counted).contains("Its accumulator"));
    let run = counted.file.workloads.get_mut("mine").unwrap();
    run.own_run.as_mut().unwrap().accumulator = Some("wordfreq::WordCounts".to_string());
    let answer = shared_answer(&counted);
    assert!(
        answer.contains("Its accumulator is wordfreq::WordCounts, not a u64 sum")
            && answer.contains("includes adding into it"),
        "{answer}"
    );
    // The built-in findings read as without the problem.
    let plain = with_own(compute);
    assert_eq!(findings(&Index::of_file(&plain.file)), findings(&index));
}

#[test]
fn an_own_idiom_with_few_ratios_answers_with_its_paired_ratio_at_one_point() {
    // function_object on three backends at 2 threads (a quick run): its
    // three estimates lie within 1% of the closure's, but each interval
    // spans the 2% margin. The range of three estimates is no 95%
    // interval: the paired ratio at the answers' point (rayon, 2 threads)
    // answers, undecided.
    let mut entries = vec![entry("mine", "sequential", "sequential", 1, 1000.0)];
    for (backend, estimate) in [("rayon", 1.004), ("crossbeam", 0.996), ("std_scope", 1.0)] {
        entries.push(paired(
            entry("mine", "closure", backend, 2, 500.0),
            [2.0, 1.95, 2.05],
            &[],
        ));
        entries.push(paired(
            entry("mine", "function_object", backend, 2, 500.0),
            [2.0, 1.95, 2.05],
            &[("closure", [estimate, 0.97, 1.03])],
        ));
    }
    let run = with_own(entries.clone());
    let own = own_findings(&Index::of_file(&run.file));
    let passing = own[0].findings.iter().find(|f| f.id == "passing").unwrap();
    assert_eq!(
        passing.short().as_deref(),
        Some("undecided: function_object"),
        "{}",
        passing.answer
    );
    assert!(
        (passing.figure.as_deref()).is_some_and(|f| f
            == "function_object 1.004× the closure's time (95% interval 0.970–1.030), paired on \
                mine (rayon, 2 threads)"),
        "{:?}",
        passing.figure
    );
    // With eight points or more, their median's order statistics answer.
    for threads in [3, 4, 5] {
        for backend in ["rayon", "crossbeam", "std_scope"] {
            entries.push(paired(
                entry("mine", "closure", backend, threads, 500.0),
                [2.0, 1.95, 2.05],
                &[],
            ));
            entries.push(paired(
                entry("mine", "function_object", backend, threads, 500.0),
                [2.0, 1.95, 2.05],
                &[("closure", [1.0, 0.97, 1.03])],
            ));
        }
    }
    let run = with_own(entries);
    let own = own_findings(&Index::of_file(&run.file));
    let passing = own[0].findings.iter().find(|f| f.id == "passing").unwrap();
    assert_eq!(
        passing.short().as_deref(),
        Some("equal within 2.0%: function_object"),
        "{}",
        passing.answer
    );
    assert!(
        (passing.figure.as_deref()).is_some_and(|f| f.ends_with("the median of 12 paired ratios")),
        "{:?}",
        passing.figure
    );
}

#[test]
fn the_trust_question_answers_with_the_share_of_subjects_decided() {
    // sharded_sum undecided, atomic_sum and mutex_sum decided; the other
    // answers' claims count too, whatever they are.
    let found = findings_of(&shared_sums(2, [1.01, 0.99, 1.03], [1.5, 1.45, 1.55]));
    let claims: Vec<&Claim> = found.iter().flat_map(|f| &f.claims).collect();
    let decided = claims.iter().filter(|c| c.decided).count();
    assert!(
        decided < claims.len()
            && claims
                .iter()
                .any(|c| c.subject == "sharded_sum on compute" && !c.decided)
    );
    let trust = found.iter().find(|f| f.id == "trust").unwrap();
    assert_eq!(
        trust.short().as_deref(),
        Some(
            format!(
                "{decided} of {} subjects decided; the host moved by an unmeasured amount during \
                 the run; 0 figures left out",
                claims.len()
            )
            .as_str()
        )
    );
}

#[test]
fn the_trust_question_says_how_many_figures_two_visits_sampled_and_how_far_apart() {
    // Four paired figures and the sequential loop (its speedup exact: no
    // figure); three visited twice, 1%, 2% and 3% apart, over 4 to 6 min.
    let figure = |variant| {
        paired(
            entry("compute", variant, "rayon", 2, 500.0),
            [1.9, 1.8, 2.0],
            &[],
        )
    };
    let mut entries = vec![
        paired(
            entry("compute", "closure", "sequential", 1, 1000.0),
            [1.0; 3],
            &[],
        ),
        figure("closure"),
        figure("fold_reduce"),
        figure("atomic_sum"),
        figure("mutex_sum"),
    ];
    for (visited, b) in entries[1..4].iter_mut().enumerate() {
        b.paired_visits = Some(crate::results::Visits {
            speedups: vec![1.9, 1.9 * (1.0 + 0.01 * (visited + 1) as f64)],
            span_s: 240.0 + 60.0 * visited as f64,
        });
    }
    let words = trust::visits_words(entries.iter()).unwrap();
    assert_eq!(
        words,
        "3 of 4 figures sampled at two moments 5.0 min apart, differing by 2.0% (median; p90 3.0%)"
    );
    assert_eq!(
        trust::visits_words(shared_sums(2, [1.0; 3], [1.5; 3]).iter()),
        None
    );
    let found = findings_of(&entries);
    let trust = found.iter().find(|f| f.id == "trust").unwrap();
    let short = trust.short().unwrap_or_default();
    assert!(
        short.contains(&format!("during the run; {words}; 0 figures")),
        "{short}"
    );
}

#[test]
fn an_undecided_ratio_says_whether_it_sits_at_the_margin_s_edge_or_is_noisy() {
    let r = |lower, estimate, upper| Interval {
        estimate,
        lower,
        upper,
    };
    assert_eq!(
        undecided_reason(&r(1.0, 1.018, 1.04), 0.02),
        "at the margin's edge: estimate +1.8%, margin 2.0%"
    );
    assert_eq!(
        undecided_reason(&r(0.96, 1.0, 1.04), 0.02),
        "noisy: about 4× the rounds might decide it"
    );
    // Inside the margin but lopsided (+0.9%, up to +11.4%): its upper side
    // must shrink to a tenth, a hundred times the rounds, not an edge.
    assert_eq!(
        undecided_reason(&r(0.998, 1.009, 1.114), 0.02),
        "noisy: about 92× the rounds might decide it"
    );
    assert_eq!(
        undecided_reason(&r(0.9, 1.01, 1.5), 0.02),
        "noisy: about 2400× the rounds might decide it"
    );
}

#[test]
fn the_scheduler_answer_names_each_workload_s_leader_and_the_seed_s_cheapest_call() {
    let on = |workload: &str, backend: &str, speedup: [f64; 3], call_ns: f64| {
        let mut b = paired(
            entry(workload, "closure", backend, 2, call_ns),
            speedup,
            &[],
        );
        b.paired_wall_ns = Some(call_ns);
        b
    };
    let mut compute_leader = on("compute", "rayon_iter", [1.96, 1.90, 2.00], 6.5e6);
    // Head to head, rayon_iter's time over rayon's: within 1%.
    compute_leader.head_to_head = Some(crate::results::HeadToHead {
        with: "rayon".to_string(),
        time_ratio: Interval {
            estimate: 0.998,
            lower: 0.99,
            upper: 1.01,
        },
        rounds: 30,
    });
    let entries = [
        // The seed: 18 ns by the loop; rayon_grain's call is the cheapest
        // by far, and so leads beyond any widening.
        on("seed", "rayon", [0.0009, 0.00085, 0.00095], 20_000.0),
        on("seed", "rayon_grain", [0.0018, 0.0017, 0.0019], 10_000.0),
        on("seed", "crossbeam", [0.00016, 0.00015, 0.00017], 110_000.0),
        entry("seed", "sequential", "sequential", 1, 18.0),
        compute_leader,
        on("compute", "rayon", [1.95, 1.89, 1.99], 6.5e6),
        entry("compute", "sequential", "sequential", 1, 12.7e6),
        // One thread: not the point the answer reads.
        on("compute", "crossbeam", [0.99, 0.98, 1.0], 12.8e6),
    ];
    let mut entries = entries.to_vec();
    entries.last_mut().unwrap().key.threads = 1;
    let found = findings_of(&entries);
    let scheduler = found.iter().find(|f| f.id == "scheduler").unwrap();
    assert_eq!(
        scheduler.short().as_deref(),
        Some("rayon_grain leads by more than 5.0%: on seed; equal within 5.0%: on compute"),
        "{:?}",
        scheduler.details
    );
    assert_eq!(
        scheduler.figure.as_deref(),
        Some(
            "on seed, the cheapest parallel call: rayon_grain at 2 threads, 10.0 µs a call (the \
             sequential loop 18.0 ns)"
        )
    );
    let answer = answer_to(&found, "Which scheduler");
    assert!(answer.contains("On compute at 2 threads"), "{answer}");
    assert!(
        !answer.contains("crossbeam 0.99"),
        "the one-thread entry is not at the point: {answer}"
    );
}
