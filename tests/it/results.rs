//! The results file never loses data: filtered runs merge, writes are
//! atomic, unreadable files are moved aside, bad entries are dropped with a
//! warning naming the file, and schema 1 files still load.

use std::path::Path;

use parbench::key::Key;
use parbench::memory::Memory;
use parbench::profile::CriterionSettings;
use parbench::results::{
    self, Benchmark, CeilingPoint, Machine, ResultsFile, RunInfo, SCHEMA_VERSION, TimeNs,
};
use parbench::roles::{Family, Role};

fn machine(label: &str) -> Machine {
    Machine {
        label: label.into(),
        hostname: label.into(),
        os: "Linux".into(),
        arch: "x86_64".into(),
        cpu_model: "Test CPU".into(),
        logical_cores: 2,
        physical_cores: Some(1),
        memory_bytes: 1 << 30,
        rustc: "rustc 1.95.0".into(),
        parbench_version: "0.1.0".into(),
        git_commit: None,
        l2_cache_bytes: None,
        last_level_cache_bytes: None,
        python: None,
    }
}

fn bench(workload: &str, variant: &str, backend: &str, threads: u64, ns: f64) -> Benchmark {
    let time = TimeNs {
        estimate: ns,
        lower: ns * 0.9,
        upper: ns * 1.1,
        median: ns,
    };
    let memory = Memory {
        state_copies: Some(0),
        bytes_allocated: Some(10),
        peak_live_bytes: Some(10),
        ..Memory::default()
    };
    let key = Key::new(workload, variant, backend, threads);
    Benchmark::new(key, 100, time, "2026-11-25T00:00:00Z", memory)
}

fn file(benchmarks: Vec<Benchmark>) -> ResultsFile {
    ResultsFile {
        schema_version: SCHEMA_VERSION,
        machine: machine("box"),
        run: RunInfo {
            ceiling: vec![
                CeilingPoint {
                    threads: 1,
                    speedup: 1.0,
                },
                CeilingPoint {
                    threads: 2,
                    speedup: 1.9,
                },
            ],
            ..RunInfo::new(
                "2026-11-25T00:00:00Z",
                "quick",
                vec![1, 2],
                CriterionSettings {
                    warm_up_ms: 1,
                    measurement_ms: 1,
                    sample_size: 10,
                    nresamples: 10,
                },
            )
        },
        workloads: Default::default(),
        benchmarks,
        break_even: Vec::new(),
    }
}

#[test]
fn a_filtered_run_updates_only_what_it_measured() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("box.json");
    let first = file(vec![
        bench("compute", "sequential", "sequential", 1, 1000.0),
        bench("compute", "closure", "rayon", 2, 600.0),
        bench("compute", "closure", "crossbeam", 2, 700.0),
    ]);
    assert!(results::merge_into(&path, first).unwrap().is_empty());
    let second = file(vec![bench("compute", "closure", "rayon", 2, 500.0)]);
    results::merge_into(&path, second).unwrap();

    let merged = ResultsFile::load(&path).unwrap().results;
    assert_eq!(merged.benchmarks.len(), 3);
    let get = |v: &str, b: &str| {
        merged
            .benchmarks
            .iter()
            .find(|x| x.key.variant == v && x.key.backend == b)
            .unwrap()
    };
    assert_eq!(get("closure", "rayon").time_ns.estimate, 500.0);
    assert_eq!(get("closure", "crossbeam").time_ns.estimate, 700.0);
    // Speedups are recomputed against the kept baseline entry.
    assert_eq!(get("closure", "rayon").speedup, Some(2.0));
    assert_eq!(get("closure", "rayon").efficiency, Some(1.0));
    // Nothing but the results file is left in the folder (no temporaries).
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn an_unreadable_results_file_is_moved_aside_not_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("box.json");
    std::fs::write(&path, "{\"schema_version\": 2, \"machine\": {").unwrap();
    let warnings = results::merge_into(
        &path,
        file(vec![bench("seed", "sequential", "sequential", 1, 10.0)]),
    )
    .unwrap();
    assert_eq!(warnings.len(), 1);
    assert!(
        warnings[0].contains("box.json") && warnings[0].contains("moved it aside"),
        "{warnings:?}"
    );
    let aside: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.starts_with("box.json.unreadable-"))
        .collect();
    assert_eq!(aside.len(), 1);
    assert_eq!(
        std::fs::read_to_string(dir.path().join(&aside[0])).unwrap(),
        "{\"schema_version\": 2, \"machine\": {"
    );
    assert_eq!(
        ResultsFile::load(&path).unwrap().results.benchmarks.len(),
        1
    );
}

#[test]
fn bad_files_are_errors_naming_the_file() {
    let path = Path::new("runs/odd.json");
    let cases = [
        ("not json at all", "not valid JSON"),
        ("{\"schema_version\": 2, \"machine\"", "not valid JSON"),
        ("{\"schema_version\": 99}", "schema_version 99"),
        ("{\"benchmarks\": []}", "no schema_version"),
        (
            "{\"schema_version\": 2, \"machine\": 5}",
            "does not follow the results schema",
        ),
    ];
    for (text, why) in cases {
        let err = format!("{:#}", ResultsFile::parse(text, path).unwrap_err());
        assert!(
            err.contains("runs/odd.json") && err.contains(why),
            "{text}: {err}"
        );
    }
}

#[test]
fn entries_with_unusable_numbers_are_dropped_with_a_warning() {
    let mut good = file(vec![bench("seed", "closure", "rayon", 2, 50.0)]);
    good.benchmarks
        .push(bench("seed", "closure", "crossbeam", 2, -5.0));
    good.benchmarks
        .push(bench("seed", "closure", "std_scope", 2, 0.0));
    let mut contradicting = bench("seed", "sequential", "sequential", 1, 40.0);
    contradicting.speedup = Some(-1.0);
    good.benchmarks.push(contradicting);
    let mut value = serde_json::to_value(&good).unwrap();
    value["benchmarks"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({"workload": "seed", "time_ns": null}));
    let loaded = ResultsFile::parse(&value.to_string(), Path::new("x.json")).unwrap();
    assert_eq!(loaded.results.benchmarks.len(), 2);
    assert_eq!(loaded.warnings.len(), 3, "{:?}", loaded.warnings);
    assert!(
        loaded.warnings[0].contains("#4") && loaded.warnings[0].contains("null"),
        "{:?}",
        loaded.warnings
    );
    assert!(
        loaded.warnings[1].contains("seed/closure/crossbeam/2")
            && loaded.warnings[1].contains("non-positive"),
        "{:?}",
        loaded.warnings
    );
    assert!(loaded.warnings.iter().all(|w| w.starts_with("x.json")));
    // Derived figures are recomputed from the raw ones: the file's -1 is ignored.
    let seq = &loaded.results.benchmarks[1];
    assert_eq!(
        (seq.key.variant.as_str(), seq.speedup),
        ("sequential", Some(1.0))
    );
    assert_eq!(loaded.results.benchmarks[0].speedup, Some(40.0 / 50.0));
}

#[test]
fn schema_1_files_without_memory_fields_still_load() {
    let mut v1 =
        serde_json::to_value(file(vec![bench("seed", "closure", "rayon", 2, 50.0)])).unwrap();
    v1["schema_version"] = 1.into();
    for key in [
        "state_copies",
        "bytes_allocated",
        "peak_live_bytes",
        "peak_rss_bytes",
    ] {
        v1["benchmarks"][0].as_object_mut().unwrap().remove(key);
    }
    let loaded = ResultsFile::parse(&v1.to_string(), Path::new("old.json")).unwrap();
    assert_eq!(loaded.results.benchmarks[0].memory.state_copies, None);
}

#[test]
fn schema_2_files_move_the_sequential_loop_to_its_backend_and_gain_roles() {
    let mut v2 = serde_json::to_value(file(vec![
        bench("compute", "sequential", "none", 1, 1000.0),
        bench("compute", "closure", "rayon", 2, 500.0),
    ]))
    .unwrap();
    v2["schema_version"] = 2.into();
    v2.as_object_mut().unwrap().remove("workloads");
    for entry in v2["benchmarks"].as_array_mut().unwrap() {
        for key in ["family", "role", "overhead_ns"] {
            entry.as_object_mut().unwrap().remove(key);
        }
    }
    let loaded = ResultsFile::parse(&v2.to_string(), Path::new("v2.json"))
        .unwrap()
        .results;
    let seq = &loaded.benchmarks[0];
    assert_eq!(seq.key.to_string(), "compute/sequential/sequential/1");
    assert_eq!(
        seq.key.backend,
        parbench::backends::Backend::id(&parbench::backends::Sequential),
        "the schema's history names the sequential backend as the registry does"
    );
    assert_eq!((seq.family, seq.role), (Family::Baseline, Role::Baseline));
    assert_eq!(loaded.benchmarks[1].role, Role::PartialIdiom);
    assert_eq!(loaded.benchmarks[1].speedup, Some(2.0));
    assert_eq!(
        loaded.workloads["compute"].spec.map(|s| s.items),
        Some(8000)
    );
}

#[test]
fn schema_4_python_entries_load_with_their_own_baseline() {
    let python = bench("seed", "closure", "python_pool", 2, 700_000.0);
    let mut v4 = serde_json::to_value(file(vec![
        bench("seed", "sequential", "sequential", 1, 20.0),
        bench("seed", "closure", "rayon", 2, 10_000.0),
        python.clone(),
    ]))
    .unwrap();
    v4["schema_version"] = 4.into();
    let loaded = ResultsFile::parse(&v4.to_string(), Path::new("v4.json"))
        .unwrap()
        .results;
    let own: Vec<bool> = loaded.benchmarks.iter().map(|b| b.own_baseline).collect();
    assert_eq!(own, [false, false, true]);
    // Kept out of Rust's ratios: no criterion speedup over Rust's loop.
    assert_eq!(
        loaded.benchmarks[1].criterion_speedup,
        Some(20.0 / 10_000.0)
    );
    assert_eq!(loaded.benchmarks[2].criterion_speedup, None);
    // From schema 5 on, the entry says it: the backend alone decides nothing.
    let v5 = serde_json::to_string(&file(vec![python])).unwrap();
    let loaded = ResultsFile::parse(&v5, Path::new("v5.json"))
        .unwrap()
        .results;
    assert!(!loaded.benchmarks[0].own_baseline);
    // Written only where true, so other entries serialise as before.
    let written = serde_json::to_value(loaded.benchmarks[0].clone().with_own_baseline()).unwrap();
    assert_eq!(written["own_baseline"], true);
    let rust = serde_json::to_value(&loaded.benchmarks[0]).unwrap();
    assert!(rust.get("own_baseline").is_none());
}

#[test]
fn an_unknown_variant_from_a_newer_parbench_keeps_its_family() {
    let mut newer =
        serde_json::to_value(file(vec![bench("compute", "closure", "rayon", 2, 5.0)])).unwrap();
    newer["benchmarks"][0]["variant"] = "gpu_offload".into();
    newer["benchmarks"][0]["family"] = "passing".into();
    newer["benchmarks"][0]["role"] = "a_role_from_the_future".into();
    let loaded = ResultsFile::parse(&newer.to_string(), Path::new("new.json"))
        .unwrap()
        .results;
    let b = &loaded.benchmarks[0];
    assert_eq!((b.family, b.role), (Family::Passing, Role::Other));
}

#[test]
fn labels_are_cleaned_to_safe_file_names() {
    assert_eq!(results::clean_label("my box (lab)/2"), "my_box__lab__2");
    assert_eq!(
        results::clean_label("<script>alert(1)</script>"),
        "_script_alert_1___script_"
    );
    assert_eq!(results::clean_label("../.."), "_");
    assert_eq!(results::clean_label(""), "machine");
    assert_eq!(results::clean_label("ci-runner.eu_1"), "ci-runner.eu_1");
}

#[test]
fn a_filtered_run_keeps_the_ceiling_and_thread_counts_it_did_not_measure() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("box.json");
    let mut first = file(vec![bench("compute", "sequential", "none", 1, 1000.0)]);
    first.run.threads = vec![1, 2, 4];
    first.run.ceiling = vec![
        CeilingPoint {
            threads: 1,
            speedup: 1.0,
        },
        CeilingPoint {
            threads: 2,
            speedup: 1.9,
        },
        CeilingPoint {
            threads: 4,
            speedup: 1.95,
        },
    ];
    results::merge_into(&path, first).unwrap();
    let mut second = file(vec![bench("compute", "closure", "rayon", 2, 500.0)]);
    second.run.threads = vec![2];
    second.run.ceiling = vec![CeilingPoint {
        threads: 2,
        speedup: 1.8,
    }];
    results::merge_into(&path, second).unwrap();

    let run = ResultsFile::load(&path).unwrap().results.run;
    assert_eq!(run.threads, vec![1, 2, 4]);
    let ceiling: Vec<(u64, f64)> = run.ceiling.iter().map(|p| (p.threads, p.speedup)).collect();
    assert_eq!(ceiling, vec![(1, 1.0), (2, 1.8), (4, 1.95)]);
}

#[test]
fn a_file_with_unusable_entries_is_kept_aside_before_it_is_rewritten() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("box.json");
    let original = file(vec![
        bench("seed", "sequential", "none", 1, 10.0),
        bench("seed", "closure", "rayon", 2, -1.0),
    ]);
    let text = serde_json::to_string(&original).unwrap();
    std::fs::write(&path, &text).unwrap();
    let warnings = results::merge_into(
        &path,
        file(vec![bench("seed", "closure", "rayon", 4, 90.0)]),
    )
    .unwrap();
    assert!(
        warnings.iter().any(|w| w.contains("before rewriting")),
        "{warnings:?}"
    );
    let kept: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().contains(".before-dropping-"))
        .collect();
    assert_eq!(kept.len(), 1);
    assert_eq!(std::fs::read_to_string(&kept[0]).unwrap(), text);
    assert_eq!(
        ResultsFile::load(&path).unwrap().results.benchmarks.len(),
        2
    );
}

fn cell(backend: &str, items: u64, rounds: u64, speedup: f64, at: &str) -> results::BreakEvenCell {
    results::BreakEvenCell {
        backend: backend.to_string(),
        threads: 2,
        items,
        rounds,
        sequential_ns: items as f64 * 10.0,
        parallel_ns: items as f64 * 10.0 / speedup,
        speedup,
        speedup_lower: Some(speedup * 0.9),
        speedup_upper: Some(speedup * 1.1),
        paired_rounds: Some(6),
        measured_at: at.to_string(),
    }
}

#[test]
fn break_even_cells_merge_by_cell_and_bad_ones_are_dropped_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("box.json");
    let mut first = file(vec![bench(
        "compute",
        "sequential",
        "sequential",
        1,
        1000.0,
    )]);
    first.break_even = vec![
        cell("rayon", 10, 0, 0.1, "a"),
        cell("rayon", 1000, 0, 0.9, "a"),
        cell("std_scope", 10, 0, 0.05, "a"),
    ];
    results::merge_into(&path, first).unwrap();
    // A newer run measured one cell again (a filtered run: rayon only).
    let mut second = file(vec![]);
    second.break_even = vec![cell("rayon", 1000, 0, 1.3, "b")];
    results::merge_into(&path, second).unwrap();
    let merged = ResultsFile::load(&path).unwrap().results;
    assert_eq!(merged.break_even.len(), 3);
    let rayon_1000 = merged
        .break_even
        .iter()
        .find(|c| c.backend == "rayon" && c.items == 1000)
        .unwrap();
    assert_eq!(
        (rayon_1000.speedup, rayon_1000.measured_at.as_str()),
        (1.3, "b")
    );

    // A file without the array (older, or no map measured) reads as empty.
    let text = std::fs::read_to_string(&path).unwrap();
    let mut raw: serde_json::Value = serde_json::from_str(&text).unwrap();
    raw.as_object_mut().unwrap().remove("break_even");
    let older = ResultsFile::parse(&raw.to_string(), &path).unwrap();
    assert!(older.results.break_even.is_empty() && older.warnings.is_empty());

    // A cell with an unusable time is dropped with a warning naming the file.
    raw["break_even"] = serde_json::json!([
        { "backend": "rayon", "threads": 2, "items": 10, "rounds": 0,
          "sequential_ns": 0.0, "parallel_ns": 5.0, "speedup": 0.0 }
    ]);
    let bad = ResultsFile::parse(&raw.to_string(), &path).unwrap();
    assert!(bad.results.break_even.is_empty());
    assert!(bad.warnings[0].contains("box.json"), "{:?}", bad.warnings);
}

#[test]
fn the_store_writes_break_even_cells_at_once_and_a_resume_keeps_them() {
    use parbench::store::Store;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("box.json");
    let template = file(vec![]);
    let started = template.run.started_at.clone();
    {
        let (mut store, _, _) =
            Store::open(&path, template.machine.clone(), template.run.clone(), false).unwrap();
        store
            .record_break_even(vec![cell("rayon", 10, 0, 0.2, &started)])
            .unwrap();
        // Interrupted here: no finish.
    }
    let on_disk = ResultsFile::load(&path).unwrap().results;
    assert!(on_disk.run.in_progress);
    assert_eq!(on_disk.break_even.len(), 1);
    let (store, resumed, _) =
        Store::open(&path, template.machine.clone(), template.run.clone(), true).unwrap();
    assert_eq!(resumed.break_even.len(), 1);
    assert_eq!(store.contents().break_even.len(), 1);
}

/// A results file above the documented limit is refused unread, naming
/// it; the report and a merge over a folder go on with the other files.
#[test]
fn a_file_above_the_size_limit_is_refused_and_the_others_still_render() {
    let dir = tempfile::tempdir().unwrap();
    let runs = dir.path().join("runs");
    std::fs::create_dir_all(&runs).unwrap();
    file(vec![bench("seed", "sequential", "sequential", 1, 10.0)])
        .save(&runs.join("small.json"))
        .unwrap();
    // Sparse: the size is what counts, and no 64 MiB are written.
    let huge = runs.join("huge.json");
    std::fs::File::create(&huge)
        .unwrap()
        .set_len(results::MAX_FILE_BYTES + 1)
        .unwrap();
    let err = format!("{:#}", ResultsFile::load(&huge).unwrap_err());
    assert!(
        err.contains("huge.json") && err.contains("above the limit") && err.contains("64 MiB"),
        "{err}"
    );
    // At the limit exactly, the file is read (and is not JSON here).
    let at_limit = dir.path().join("at-limit.json");
    std::fs::File::create(&at_limit)
        .unwrap()
        .set_len(results::MAX_FILE_BYTES)
        .unwrap();
    let err = format!("{:#}", ResultsFile::load(&at_limit).unwrap_err());
    assert!(!err.contains("above the limit"), "{err}");

    let outcome = parbench::report::write_report(&runs, &dir.path().join("out")).unwrap();
    assert_eq!(outcome.runs, 1);
    assert!(
        outcome
            .warnings
            .iter()
            .any(|w| w.contains("huge.json") && w.contains("above the limit")),
        "{:?}",
        outcome.warnings
    );
}

fn overhead(backend: &str, threads: u64, ratio: f64, at: &str) -> results::HarnessOverhead {
    results::HarnessOverhead {
        workload: "compute".into(),
        variant: "closure".into(),
        backend: backend.into(),
        threads,
        time_ratio: parbench::paired::Interval {
            estimate: ratio,
            lower: ratio - 0.01,
            upper: ratio + 0.01,
        },
        harness_ns: 1000.0 * ratio,
        hand_written_ns: 1000.0,
        paired_rounds: 8,
        measured_at: at.into(),
    }
}

#[test]
fn harness_overhead_merges_by_entry_and_reaches_the_entry_it_belongs_to() {
    let mut older = file(vec![bench("compute", "closure", "rayon", 2, 1000.0)]);
    older.run.harness_overhead = vec![
        overhead("rayon", 2, 1.05, "2026-11-24T00:00:00Z"),
        overhead("crossbeam", 2, 1.04, "2026-11-24T00:00:00Z"),
    ];
    let mut newer = file(vec![bench("compute", "closure", "rayon", 1, 1000.0)]);
    newer.run.started_at = "2026-11-25T00:00:00Z".into();
    newer.run.harness_overhead = vec![overhead("rayon", 2, 1.01, "2026-11-25T00:00:00Z")];
    let merged = older.merge(newer);
    let entries = &merged.run.harness_overhead;
    assert_eq!(entries.len(), 2, "{entries:?}");
    let rayon = entries.iter().find(|e| e.backend == "rayon").unwrap();
    assert_eq!(
        rayon.time_ratio.estimate, 1.01,
        "the newer run's entry replaces the older"
    );
    assert!(
        entries.iter().any(|e| e.backend == "crossbeam"),
        "the other is kept"
    );
    // Derived onto its own entry only (same workload, variant, backend, threads).
    let at = |threads: u64| {
        merged
            .benchmarks
            .iter()
            .find(|b| b.key.backend == "rayon" && b.key.threads == threads)
            .unwrap()
            .harness_overhead
    };
    assert_eq!(at(2).map(|i| i.estimate), Some(1.01));
    assert_eq!(at(1), None);
    // Saved and loaded again: the same entries, and the derived figure again.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.json");
    merged.save(&path).unwrap();
    let loaded = ResultsFile::load(&path).unwrap().results;
    assert_eq!(loaded.run.harness_overhead, merged.run.harness_overhead);
    assert!(
        loaded
            .benchmarks
            .iter()
            .any(|b| b.harness_overhead.is_some())
    );
    // An entry with unusable numbers is dropped with a warning naming the file.
    let mut bad = merged.clone();
    bad.run.harness_overhead[0].hand_written_ns = -1.0;
    bad.save(&path).unwrap();
    let reloaded = ResultsFile::load(&path).unwrap();
    assert_eq!(reloaded.results.run.harness_overhead.len(), 1);
    assert!(
        reloaded.warnings.iter().any(
            |w| w.contains("m.json") && w.contains("dropped harness overhead compute/closure/")
        ),
        "{:?}",
        reloaded.warnings
    );
}
