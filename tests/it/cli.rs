//! The `parbench` binary as a user meets it: the seed's own output, the
//! matrix listing, and one clear line with exit code 2 for bad input.

use std::process::{Command, Output};

fn parbench(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_parbench"))
        .args(args)
        .output()
        .expect("runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn run_print_gives_the_seeds_own_output() {
    let o = parbench(&[
        "run",
        "--workload",
        "seed",
        "--variant",
        "closure",
        "--backend",
        "rayon",
        "--threads",
        "2",
        "--print",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let expected: Vec<String> = (0..20u64)
        .map(|i| ((i + 100 + i) * 100).to_string())
        .collect();
    assert_eq!(stdout(&o).trim(), format!("[{}]", expected.join(", ")));
    assert!(stdout(&o).starts_with("[10000, 10200, ") && stdout(&o).trim().ends_with("13800]"));
    assert!(
        stderr(&o).contains("wall_time") && stderr(&o).contains("checksum: 238000"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn run_of_a_sum_variant_prints_the_sum_and_copies() {
    let o = parbench(&[
        "run",
        "--workload",
        "seed",
        "--variant",
        "worker_per_thread",
        "--backend",
        "crossbeam",
        "--threads",
        "3",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    for field in [
        "wall_time:",
        "checksum: 238000",
        "state_copies: 0",
        "bytes_allocated:",
        "peak_live_bytes:",
    ] {
        assert!(out.contains(field), "{field} missing from {out}");
    }
}

#[test]
fn list_json_names_every_axis() {
    let o = parbench(&["list", "--format", "json"]);
    assert!(o.status.success());
    let entries: Vec<serde_json::Value> = serde_json::from_slice(&o.stdout).unwrap();
    let values = |key: &str| {
        let mut v: Vec<String> = entries
            .iter()
            .map(|e| e[key].as_str().unwrap().to_string())
            .collect();
        v.sort();
        v.dedup();
        v
    };
    assert_eq!(
        values("workload"),
        ["big_state", "compute", "imbalanced", "seed", "trivial"]
    );
    assert_eq!(
        values("backend"),
        [
            "chili",
            "crossbeam",
            "orx_parallel",
            "paralight",
            "process",
            "python_pool",
            "rayon",
            "sequential",
            "std_scope"
        ]
    );
    for v in parbench::variants::VARIANTS {
        assert!(
            values("variant").contains(&v.id().to_string()),
            "{}",
            v.id()
        );
    }
    // The capability check's refusals are listed with their reason.
    let refused: Vec<&serde_json::Value> =
        entries.iter().filter(|e| !e["refused"].is_null()).collect();
    assert!(!refused.is_empty());
    // The baseline refuses the parallel backends; the Mutex variants refuse
    // the worker processes, which cannot share one.
    assert!(refused.iter().all(|e| {
        (e["role"] == "baseline" && e["backend"] != "sequential")
            || (e["backend"] == "process"
                && e["refused"] == "a std Mutex cannot be shared between processes")
    }));
    let text = stdout(&parbench(&["list"]));
    assert!(
        text.contains("sequential on rayon: the sequential loop is the baseline"),
        "{text}"
    );
}

#[test]
fn run_takes_a_key() {
    let o = parbench(&["run", "seed/closure/std_scope/3", "--print"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).starts_with("[10000, 10200, "));
    assert!(stderr(&o).starts_with("seed/closure/std_scope threads=3 items=20"));
    let o = parbench(&["run", "seed/closure/rayon"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("'seed/closure/rayon'"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn bad_input_is_one_line_naming_the_value_and_exit_code_2() {
    let cases: &[(&[&str], &str)] = &[
        (
            &[
                "run",
                "--workload",
                "seed",
                "--variant",
                "closure",
                "--threads",
                "0",
            ],
            "got 0",
        ),
        (
            &["run", "--workload", "nope", "--variant", "closure"],
            "'nope'",
        ),
        (
            &["run", "--workload", "seed", "--variant", "nope"],
            "'nope'",
        ),
        (
            &[
                "run",
                "--workload",
                "seed",
                "--variant",
                "closure",
                "--backend",
                "gpu",
            ],
            "'gpu'",
        ),
        (
            &[
                "run",
                "--workload",
                "seed",
                "--variant",
                "sequential",
                "--backend",
                "rayon",
            ],
            "'sequential'",
        ),
        (
            &[
                "run",
                "--workload",
                "seed",
                "--variant",
                "closure",
                "--backend",
                "none",
            ],
            "'none'",
        ),
        (
            &[
                "run",
                "--workload",
                "seed",
                "--variant",
                "closure",
                "--threads",
                "two",
            ],
            "'two'",
        ),
        (
            &[
                "run",
                "--workload",
                "big_state",
                "--variant",
                "closure",
                "--state-bytes",
                "100000000000000000",
            ],
            "100000000000000000",
        ),
        (
            &[
                "run",
                "--workload",
                "seed",
                "--variant",
                "closure",
                "--items",
                "1000000000000000000",
            ],
            "1000000000000000000",
        ),
        (&["verify", "--threads", "1,0"], "'0'"),
        (
            &[
                "run",
                "--workload",
                "seed",
                "--variant",
                "closure",
                "--backend",
                "sequential",
                "--threads",
                "2",
            ],
            "at most 1 thread (got 2)",
        ),
        (&["run", "--workload", "seed"], "--variant"),
        (
            &[
                "run",
                "--workload",
                "big_state",
                "--variant",
                "clone_per_task",
                "--threads",
                "4",
                "--state-bytes",
                "20000000000",
            ],
            "20000000000",
        ),
    ];
    for (args, named) in cases {
        let o = parbench(args);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "{args:?}: {err}");
        assert!(err.contains(named), "{args:?} should name {named}: {err}");
        assert!(
            !err.contains("panicked") && !err.contains("backtrace"),
            "{err}"
        );
    }
}

#[test]
fn verify_quick_passes_and_says_so() {
    let o = parbench(&["verify", "--quick", "--threads", "1,3"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains(" 0 failed"), "{}", stdout(&o));
}

#[test]
fn run_defaults_follow_the_variant() {
    // The sequential loop runs on its backend and one thread without being told.
    let o = parbench(&["run", "--workload", "seed", "--variant", "sequential"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).starts_with("seed/sequential/sequential threads=1"),
        "{}",
        stdout(&o)
    );
    let o = parbench(&["run", "--workload", "seed", "--variant", "closure"]);
    assert!(
        stdout(&o).starts_with("seed/closure/rayon threads=2"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn model_prints_each_series_fits_or_why_not_and_names_a_bad_file() {
    let fixture = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/runs/machine-a.json"
    );
    let o = parbench(&["model", "--format", "json", fixture]);
    assert!(o.status.success(), "{}", stderr(&o));
    let models: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("JSON");
    let models = models.as_array().expect("an array");
    assert!(!models.is_empty());
    for m in models {
        for field in ["machine", "workload", "variant", "backend", "karp_flatt"] {
            assert!(m.get(field).is_some(), "{field} missing in {m}");
        }
        for fit in ["amdahl", "usl"] {
            let value = m.get(fit).expect("present, null or not");
            let reason = m.get(format!("{fit}_reason")).and_then(|r| r.as_str());
            assert_eq!(value.is_null(), reason.is_some(), "{fit} of {m}");
        }
        for k in m["karp_flatt"].as_array().unwrap() {
            assert!(k["threads"].as_u64().unwrap() >= 2);
            assert!(k["serial_fraction"].as_f64().is_some());
        }
    }
    let text = parbench(&["model", fixture]);
    assert!(text.status.success());
    assert!(stdout(&text).contains("karp_flatt: e(2) = "));

    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("broken.json");
    std::fs::write(&bad, "{ not json").unwrap();
    let o = parbench(&["model", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("broken.json"), "{}", stderr(&o));
}
