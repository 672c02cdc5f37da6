//! The report from committed fixture runs of two machines, and from hostile
//! and corrupt results files; and the report of fixed runs against its
//! golden outputs (`tests/fixtures/golden/`).
//!
//! The fixtures (`tests/fixtures/runs/`) are hand-made inputs in the exact
//! results schema: a 4-core laptop (`laptop-a`, every workload) and an 8-core
//! server (`server-b`, a quick run without `imbalanced`).

use std::fs;
use std::path::{Path, PathBuf};

use parbench::report::{ExportFormat, compare, export, write_report, write_report_with};
use parbench::results::ResultsFile;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/runs")
        .join(name)
}

fn fixtures() -> Vec<PathBuf> {
    vec![fixture("machine-a.json"), fixture("machine-b.json")]
}

/// A runs folder holding copies of `files`.
fn runs_dir_with(files: &[PathBuf]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for file in files {
        fs::copy(file, dir.path().join(file.file_name().unwrap())).unwrap();
    }
    dir
}

/// The number of workloads of each fixture, from the fixture itself.
fn workload_counts(files: &[PathBuf]) -> Vec<(usize, bool)> {
    files
        .iter()
        .map(|f| {
            let loaded = ResultsFile::load(f).unwrap();
            let mut workloads: Vec<&str> = loaded
                .results
                .benchmarks
                .iter()
                .map(|b| b.key.workload.as_str())
                .collect();
            workloads.sort_unstable();
            workloads.dedup();
            (workloads.len(), workloads.contains(&"big_state"))
        })
        .collect()
}

/// The pages of a report: the entry page first, then the pages it links
/// (each machine's own page, the side-by-side page), in name order.
fn site(index: &Path) -> Vec<(String, String)> {
    let dir = index.parent().unwrap();
    let mut others: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "html") && p != index)
        .collect();
    others.sort();
    std::iter::once(index.to_path_buf())
        .chain(others)
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, fs::read_to_string(&p).unwrap())
        })
        .collect()
}

/// Every page of the report, one after the other.
fn whole_site(index: &Path) -> String {
    site(index).into_iter().map(|(_, html)| html).collect()
}

fn occurrences(text: &str, needle: &str) -> usize {
    text.matches(needle).count()
}

#[test]
fn fixtures_render_every_chart_table_and_the_cross_machine_view() {
    let runs = runs_dir_with(&fixtures());
    let out = tempfile::tempdir().unwrap();
    let outcome = write_report(runs.path(), out.path()).unwrap();
    assert_eq!(outcome.runs, 2);
    assert!(outcome.warnings.is_empty(), "{:?}", outcome.warnings);
    assert_eq!(outcome.index, out.path().join("index.html"));
    let pages = site(&outcome.index);
    let names: Vec<&str> = pages.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(
        names,
        [
            "index.html",
            "machine-laptop-a.html",
            "machine-server-b.html",
            "side-by-side.html"
        ]
    );
    for (name, page) in &pages[1..] {
        assert!(
            pages[0].1.contains(&format!("href=\"{name}\"")),
            "{name} linked"
        );
        assert!(page.contains("href=\"index.html\""), "{name} links back");
    }
    let html = whole_site(&outcome.index);

    // Per machine and workload: speedup, cores busy, best-thread bars;
    // big_state adds two memory charts; across machines, one overlay per
    // workload and one chart against the ceilings.
    let counts = workload_counts(&fixtures());
    let per_machine: usize = counts
        .iter()
        .map(|(n, big)| 3 * n + if *big { 2 } else { 0 })
        .sum();
    let all_workloads = counts.iter().map(|(n, _)| *n).max().unwrap();
    assert_eq!(occurrences(&html, "<svg"), per_machine + 2 * all_workloads);
    let workloads: usize = counts.iter().map(|(n, _)| n).sum();
    for kind in [
        "-speedup\"",
        "-cores-busy\"",
        "-best-chart\"",
        "-best\"",
        "-all\"",
    ] {
        assert_eq!(occurrences(&html, kind), workloads, "{kind}");
    }
    // Every id on each page is unique.
    for (name, page) in &pages {
        let mut ids: Vec<&str> = page
            .split("id=\"")
            .skip(1)
            .map(|s| &s[..s.find('"').unwrap()])
            .collect();
        let all = ids.len();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), all, "duplicate ids in {name}");
    }
    assert_eq!(occurrences(&html, "-memory\""), 2);
    assert_eq!(occurrences(&html, "-side-by-side\""), all_workloads);
    assert_eq!(occurrences(&html, "-overlay\""), all_workloads);
    for id in [
        "id=\"findings\"",
        "id=\"across\"",
        "id=\"machines\"",
        "id=\"m1-ceiling\"",
        "id=\"m2-ceiling\"",
        "id=\"verdicts\"",
        "id=\"scaling\"",
        "id=\"heat-1\"",
    ] {
        assert!(html.contains(id), "{id} missing");
    }
    let entry = &pages[0].1;
    assert!(entry.find("id=\"verdicts\"").unwrap() < entry.find("id=\"scaling\"").unwrap());
    assert!(
        !entry.contains("class=\"workload\""),
        "the detail is on the machines' pages"
    );
    for header in [
        "time per call (criterion, 95% CI)",
        "speedup, paired (95% interval)",
        "efficiency",
        "cores busy",
        "state copies",
        "peak live",
    ] {
        assert!(
            html.contains(&format!(">{header}</th>")),
            "{header} missing"
        );
    }
    assert!(html.contains(">overhead (µs)</th>"));
    let laptop = &pages[1].1;
    assert!(laptop.find("id=\"answers\"").unwrap() < laptop.find("id=\"findings\"").unwrap());
    assert!(laptop.find("id=\"findings\"").unwrap() < laptop.find("class=\"workload\"").unwrap());
    assert!(occurrences(&html, "class=\"fastest\"") >= 2 * workloads);

    // Numbers from the fixture: laptop-a, compute, closure on rayon at 4 threads
    // (3156041.034 ns, CI 3099893.697–3206585.461, speedup 3.854129) ...
    assert!(html.contains("3.16 ms (3.10–3.21 ms)"));
    assert!(html.contains("3.85×"));
    // ... and seed, closure on rayon at 2 threads, 5324.276 ns against the
    // sequential 33.682 ns: 5.29 µs of overhead.
    assert!(html.contains("<td>5.29<td>") || html.contains("<td>5.29\n"));
    // Numbers align right by one rule per table, not a class per cell.
    assert!(html.contains("class=\"results num-after-2\""));
    assert!(html.contains(".num-after-2 td:nth-child(n+3)"));
    // server-b's big_state: clone_per_task on rayon at 2 threads made 8 copies
    // and allocated 8389248 bytes.
    assert!(html.contains("8 copies<br><span class=\"family\">8.00 MiB · peak 2.00 MiB</span>"));
    assert!(html.contains("AMD EPYC 7763 64-Core Processor"));
    assert!(html.contains("Intel(R) Core(TM) i7-8565U CPU @ 1.80GHz"));

    // The findings are computed, and say what server-b did not run.
    assert!(html.contains("Do closure, function object and method reference differ?"));
    assert!(
        html.contains("Not answered: no workload of imbalanced items was run on this machine.")
    );
    assert!(html.contains("clone_per_task 8 (8.00 MiB allocated"));

    let summary = fs::read_to_string(outcome.summary.unwrap()).unwrap();
    assert!(summary.contains("## laptop-a") && summary.contains("## server-b"));
    assert!(summary.contains("### compute: best thread count per variant and backend"));
    assert!(
        summary.contains("| variant | backend | threads | time per call (criterion, 95% CI) |")
    );
    assert!(summary.contains("<details><summary>Which backend wins on imbalanced work?</summary>"));
    // With several machines the summary leads with the verdict.
    assert!(
        summary
            .find("## Verdict: which answers hold on every machine")
            .unwrap()
            < summary.find("## laptop-a").unwrap()
    );
}

#[test]
fn one_machine_has_no_cross_machine_view() {
    let runs = runs_dir_with(&[fixture("machine-a.json")]);
    let out = tempfile::tempdir().unwrap();
    let outcome = write_report(runs.path(), out.path()).unwrap();
    let html = fs::read_to_string(&outcome.index).unwrap();
    assert_eq!(outcome.runs, 1);
    assert!(!html.contains("id=\"across\""));
    assert!(!html.contains("-overlay\""));
    assert_eq!(occurrences(&html, "<svg"), 3 * 5 + 2);
}

/// A file written by a newer parbench: a variant, a role and a workload this
/// build does not know still render, grouped by the family the file gives.
#[test]
fn entries_this_build_does_not_know_render_under_their_family() {
    let text = fs::read_to_string(fixture("machine-a.json")).unwrap();
    let mut file: serde_json::Value = serde_json::from_str(&text).unwrap();
    let benchmarks = file["benchmarks"].as_array_mut().unwrap();
    let mut newer = benchmarks
        .iter()
        .find(|b| b["workload"] == "compute" && b["variant"] == "closure")
        .unwrap()
        .clone();
    newer["variant"] = "gpu_offload".into();
    newer["family"] = "passing".into();
    newer["role"] = "offloaded".into();
    let mut elsewhere = newer.clone();
    elsewhere["workload"] = "ray_tracing".into();
    benchmarks.extend([newer, elsewhere]);
    file["schema_version"] = 3.into();
    file["workloads"] = serde_json::json!({
        "ray_tracing": {
            "about": "a workload from the future",
            "purpose": "embarrassingly_parallel",
            "spec": {"items": 10, "rounds": 1, "imbalance": {"kind": "uniform"}, "state_bytes": 0}
        }
    });
    let runs = tempfile::tempdir().unwrap();
    fs::write(runs.path().join("newer.json"), file.to_string()).unwrap();
    let out = tempfile::tempdir().unwrap();
    let outcome = write_report(runs.path(), out.path()).unwrap();
    assert!(outcome.warnings.is_empty(), "{:?}", outcome.warnings);
    let html = fs::read_to_string(&outcome.index).unwrap();
    let row = html
        .find("<td>gpu_offload<td>")
        .expect("the new variant is tabled");
    let group = html[..row].rfind("class=\"group\"").unwrap();
    assert!(
        html[group..row].contains("passing the function"),
        "{}",
        &html[group..row]
    );
    assert!(html.contains("a workload from the future"));
}

#[test]
fn compare_builds_the_page_over_exactly_the_files_given() {
    let out = tempfile::tempdir().unwrap();
    let page = out.path().join("nested/compare.html");
    let outcome = compare(&fixtures(), &page).unwrap();
    assert_eq!(outcome.runs, 2);
    assert_eq!(outcome.index, page);
    assert!(outcome.summary.is_none());
    let html = fs::read_to_string(&page).unwrap();
    assert!(html.contains("id=\"across\"") && html.contains("id=\"verdicts\""));
    assert!(html.contains("parbench comparison"));
    for detail in [
        "compare-laptop-a.html",
        "compare-server-b.html",
        "compare-side-by-side.html",
    ] {
        assert!(
            html.contains(&format!("href=\"{detail}\"")),
            "{detail} linked"
        );
        assert!(
            page.with_file_name(detail).is_file(),
            "{detail} written beside it"
        );
    }

    let missing = out.path().join("missing.json");
    let err = compare(std::slice::from_ref(&missing), &page).unwrap_err();
    assert!(
        format!("{err:#}").contains(&missing.display().to_string()),
        "{err:#}"
    );
}

#[test]
fn criterion_report_is_linked_when_it_exists() {
    let root = tempfile::tempdir().unwrap();
    let criterion = root.path().join("target/criterion/report/index.html");
    fs::create_dir_all(criterion.parent().unwrap()).unwrap();
    let runs = runs_dir_with(&[fixture("machine-a.json")]);
    let out = root.path().join("reports");
    let outcome = write_report_with(runs.path(), &out, Some(&criterion)).unwrap();
    assert!(
        !fs::read_to_string(&outcome.index)
            .unwrap()
            .contains("criterion-report")
    );
    fs::write(&criterion, "<html></html>").unwrap();
    let outcome = write_report_with(runs.path(), &out, Some(&criterion)).unwrap();
    let html = fs::read_to_string(&outcome.index).unwrap();
    assert!(
        html.contains("href=\"../target/criterion/report/index.html\""),
        "no link"
    );
}

#[test]
fn export_prints_every_entry_in_each_format() {
    let entries: usize = fixtures()
        .iter()
        .map(|f| ResultsFile::load(f).unwrap().results.benchmarks.len())
        .sum();
    let (csv, warnings) = export(&fixtures(), ExportFormat::Csv).unwrap();
    assert!(warnings.is_empty());
    assert_eq!(csv.lines().count(), entries + 1);
    assert!(csv.starts_with(
        "machine,workload,variant,backend,threads,regime,time_ns_estimate,time_ns_lower,time_ns_upper,\
         time_estimator,items_per_s,speedup,speedup_lower,speedup_upper,paired_rounds,\
         paired_target_reached,paired_visits,sampled_over_s,visit_spread,criterion_speedup,\
         instruments_disagree,\
         beyond_ceiling,efficiency,cpu_time_ns,cores_busy,caller_work_ns,p50_ns,p90_ns,slow_call_share,\
         harness_overhead,harness_overhead_lower,harness_overhead_upper,state_copies,bytes_allocated,peak_live_bytes,ipc_bytes,worker_peak_rss_bytes,\
         worker_peak_rss_sum_bytes\n"
    ));
    assert!(
        csv.contains(
            "laptop-a,compute,closure,rayon,4,steady,3156041.034,3099893.697,3206585.461,"
        )
    );

    let (json, _) = export(&fixtures(), ExportFormat::Json).unwrap();
    let rows: Vec<serde_json::Value> = serde_json::from_str(&json).unwrap();
    assert_eq!(rows.len(), entries);
    assert_eq!(rows[0]["machine"], "laptop-a");
    assert_eq!(rows[0]["variant"], "sequential");

    let (md, _) = export(&fixtures(), ExportFormat::Md).unwrap();
    assert_eq!(md.lines().count(), entries + 2);
    assert!(md.contains(
        "| laptop-a | compute | closure | rayon | 4 | steady | 3.16 ms | 3.10 ms | 3.21 ms |"
    ));

    assert!(export(&[], ExportFormat::Csv).is_err());
}

#[test]
fn an_empty_runs_folder_gives_a_page_saying_so_and_a_missing_one_is_an_error() {
    let runs = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let outcome = write_report(runs.path(), out.path()).unwrap();
    assert_eq!(outcome.runs, 0);
    let html = fs::read_to_string(&outcome.index).unwrap();
    assert!(html.contains("No runs were found"));
    assert!(!html.contains("<svg"));
    assert!(
        fs::read_to_string(outcome.summary.unwrap())
            .unwrap()
            .contains("No runs were found.")
    );

    let missing = runs.path().join("not-there");
    let err = write_report(&missing, out.path()).unwrap_err();
    assert!(
        err.to_string().contains(&missing.display().to_string()),
        "{err}"
    );
}

/// machine-b with hostile strings and unusable numbers.
fn hostile_file() -> String {
    let text = fs::read_to_string(fixture("machine-b.json")).unwrap();
    let mut doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    doc["machine"]["label"] = "<script>alert(1)</script>".into();
    doc["machine"]["cpu_model"] = "<img src=x onerror=alert(2)>".into();
    doc["run"]["profile"] = "</style><script>alert(3)</script>".into();
    let benchmarks = doc["benchmarks"].as_array_mut().unwrap();
    let template = benchmarks
        .iter()
        .find(|b| b["workload"] == "compute" && b["variant"] == "closure")
        .unwrap()
        .clone();
    let with = |changes: &[(&str, serde_json::Value)]| {
        let mut b = template.clone();
        for (key, value) in changes {
            match key.split_once('.') {
                Some((outer, inner)) => b[outer][inner] = value.clone(),
                None => b[*key] = value.clone(),
            }
        }
        b
    };
    benchmarks.extend([
        // The same identity twice: the last is kept.
        with(&[("time_ns.estimate", 123.0.into())]),
        // Rejected on load: a negative and a zero time.
        with(&[
            ("variant", "negative_time".into()),
            ("time_ns.estimate", (-123456.0).into()),
        ]),
        with(&[
            ("variant", "zero_time".into()),
            ("time_ns.lower", 0.0.into()),
        ]),
        // Kept with the speedup ignored (negative) or missing (null).
        with(&[
            ("variant", "bad_speedup".into()),
            ("speedup", (-2.0).into()),
        ]),
        with(&[
            ("variant", "no_speedup".into()),
            ("speedup", serde_json::Value::Null),
        ]),
        // From a newer parbench: unknown variant, backend and workload, hostile names.
        with(&[
            ("variant", "<b>simd&map</b>".into()),
            ("backend", "gpu<i>".into()),
        ]),
        with(&[
            ("workload", "<svg onload=alert(4)>".into()),
            ("variant", "sequential".into()),
            ("backend", "none".into()),
        ]),
    ]);
    serde_json::to_string_pretty(&doc).unwrap()
}

#[test]
fn hostile_and_corrupt_files_are_named_escaped_and_the_rest_still_renders() {
    let runs = runs_dir_with(&[fixture("machine-a.json")]);
    let dir = runs.path();
    let whole = fs::read_to_string(fixture("machine-b.json")).unwrap();
    fs::write(dir.join("truncated.json"), &whole[..whole.len() / 2]).unwrap();
    fs::write(
        dir.join("not-json.json"),
        "<script>alert('not json')</script>",
    )
    .unwrap();
    fs::write(
        dir.join("future.json"),
        whole.replacen("\"schema_version\": 2", "\"schema_version\": 99", 1),
    )
    .unwrap();
    // A string where a number belongs: in an entry it costs the entry, in the
    // machine fingerprint the file.
    let stringy = whole.replacen("\"estimate\": ", "\"estimate\": \"fast\", \"was\": ", 1);
    fs::write(dir.join("stringy.json"), stringy).unwrap();
    let bad_machine = whole.replacen("\"logical_cores\": 8", "\"logical_cores\": \"eight\"", 1);
    fs::write(dir.join("bad-machine.json"), bad_machine).unwrap();
    fs::write(dir.join("hostile.json"), hostile_file()).unwrap();
    fs::write(
        dir.join("notes.txt"),
        "not a results file, not .json: ignored",
    )
    .unwrap();

    let out = tempfile::tempdir().unwrap();
    let outcome = write_report(dir, out.path()).unwrap();
    assert_eq!(
        outcome.runs, 3,
        "machine-a, stringy.json and hostile.json render: {:?}",
        outcome.warnings
    );
    let warned = |file: &str, why: &str| {
        assert!(
            outcome
                .warnings
                .iter()
                .any(|w| w.contains(file) && w.contains(why)),
            "no warning naming {file} with '{why}' in {:#?}",
            outcome.warnings
        )
    };
    warned("truncated.json", "not valid JSON");
    warned("not-json.json", "not valid JSON");
    warned("future.json", "schema_version 99");
    warned(
        "stringy.json",
        "dropped benchmark #0: invalid type: string \"fast\"",
    );
    // The position serde gives is within the entry's own text, not the
    // file's: left out.
    assert!(
        !(outcome.warnings.iter()).any(|w| w.contains("dropped benchmark") && w.contains(" line ")),
        "{:#?}",
        outcome.warnings
    );
    warned("bad-machine.json", "does not follow the results schema");
    warned("hostile.json", "dropped compute/negative_time/");
    warned("hostile.json", "dropped compute/zero_time/");
    assert!(!outcome.warnings.iter().any(|w| w.contains("notes.txt")));

    let html = whole_site(&outcome.index);
    let lower = html.to_lowercase();
    for raw in [
        "<script",
        "<img",
        "<svg onload",
        "<b>simd",
        "<i>",
        "</style><",
    ] {
        assert!(!lower.contains(raw), "raw {raw} in the page");
    }
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "the label shows as text"
    );
    assert!(html.contains("&lt;img src=x onerror=alert(2)&gt;"));
    // Inside the SVGs too (plotters escapes its text).
    assert!(
        html.contains("&lt;b&gt;simd&amp;map&lt;/b&gt;"),
        "the unknown variant is charted, escaped"
    );
    // The warnings are on the page, naming the files.
    assert!(html.contains("id=\"warnings\""));
    assert!(html.contains("truncated.json"));
    // Rejected numbers are neither tabled nor plotted (only the warnings,
    // above the findings, mention them); the rest still is.
    let results = &html[html.find("id=\"findings\"").unwrap()..];
    assert!(!results.contains("negative_time") && !results.contains("zero_time"));
    assert!(!results.contains("-123456") && !results.contains("-123 µs"));
    assert!(html.contains("bad_speedup") && html.contains("no_speedup"));
    // A speedup in the file is never shown: it is recomputed from the times.
    assert!(!html.contains("-2.00×"));
    assert!(html.contains("id=\"across\""));
    assert!(html.contains("laptop-a"));

    let summary = fs::read_to_string(outcome.summary.unwrap()).unwrap();
    assert!(
        !summary.to_lowercase().contains("<script"),
        "summary.md escapes markup too: {}",
        summary
            .lines()
            .filter(|l| l.contains("<script"))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn scaling_models_and_the_break_even_map_are_shown_from_the_measurements() {
    let runs = runs_dir_with(&fixtures());
    // The 8-core machine also measured a break-even map: rayon loses at 100
    // items (0.5x, 1 µs) and wins at 10,000 (2x, 100 µs), so the contour
    // lies at 1,000 items (log-interpolated); std_scope never wins.
    let b_path = runs.path().join("machine-b.json");
    let mut b = ResultsFile::load(&b_path).unwrap().results;
    let cell = |backend: &str, items: u64, speedup: f64| parbench::results::BreakEvenCell {
        backend: backend.to_string(),
        threads: 8,
        items,
        rounds: 0,
        sequential_ns: items as f64 * 10.0,
        parallel_ns: items as f64 * 10.0 / speedup,
        speedup,
        speedup_lower: None,
        speedup_upper: None,
        paired_rounds: None,
        measured_at: b.run.started_at.clone(),
    };
    b.break_even = vec![
        cell("rayon", 100, 0.5),
        cell("rayon", 10_000, 2.0),
        cell("std_scope", 100, 0.1),
        cell("std_scope", 10_000, 0.4),
    ];
    b.save(&b_path).unwrap();
    let out = tempfile::tempdir().unwrap();
    write_report(runs.path(), out.path()).unwrap();
    let html = whole_site(&out.path().join("index.html"));

    // A scaling-model table per workload with a steady parallel entry.
    assert!(
        occurrences(&html, "<summary>Scaling model</summary>") >= 8,
        "model tables"
    );
    assert!(html.contains("How to read this table."));
    // 8 cores, threads 1-8: the USL is fitted, and its predictions (at 16
    // and 32 threads) are drawn and labelled as such.
    assert!(html.contains("prediction 16t"), "predictions in the table");
    assert!(
        html.contains("USL fit + prediction (95%)"),
        "fitted curve in the chart legend"
    );
    // 4 cores, threads 1, 2, 4: the reason is given instead.
    assert!(html.contains("needs more thread counts"));
    // Models side by side across the two machines.
    assert!(html.contains("scaling models across machines"));
    // The heat map, its contour and the threshold read off the cells.
    assert!(html.contains("Break-even map"));
    assert!(html.contains("speedup = 1 (interpolated between cell centres)"));
    assert!(
        html.contains("<td>rayon (8 threads)<td>10.0 µs"),
        "threshold in the table"
    );
    assert!(
        html.contains("rayon from about 10.0 µs"),
        "threshold in the finding"
    );
    assert!(
        html.contains("≈1,000 items of 10.0 ns"),
        "contour item count"
    );
    assert!(html.contains("<td>std_scope (8 threads)<td>no row crosses 1"));
    assert!(html.contains("<th>0 rounds</th>") && html.contains("<td>loses up to 10,000 items"));
}

#[test]
fn a_machine_whose_file_is_gone_loses_its_page_and_a_users_own_page_stays() {
    let runs = runs_dir_with(&fixtures());
    let out = tempfile::tempdir().unwrap();
    write_report(runs.path(), out.path()).unwrap();
    let pages = |dir: &Path| -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with("machine-") && n.ends_with(".html"))
            .collect();
        names.sort();
        names
    };
    let split = pages(out.path());
    assert_eq!(split.len(), 2, "one page per machine: {split:?}");
    assert!(out.path().join("side-by-side.html").exists());
    let own = out.path().join("machine-notes.html");
    fs::write(&own, "<p>my notes</p>").unwrap();

    // One machine left: its detail is back on the entry page, and neither
    // machine page may be left behind to be opened as if current.
    fs::remove_file(runs.path().join("machine-b.json")).unwrap();
    write_report(runs.path(), out.path()).unwrap();
    assert_eq!(pages(out.path()), ["machine-notes.html"]);
    assert!(!out.path().join("side-by-side.html").exists());
    assert_eq!(fs::read_to_string(&own).unwrap(), "<p>my notes</p>");
}

/// Worker processes and Python's pool join a run: the side-by-side table
/// shows them with their bytes, copies and worker peak RSS, the seed's
/// memory question is answered from those figures, and Python's entries
/// (at their own sizes) stay out of Rust's speedups.
#[test]
fn processes_and_python_are_shown_side_by_side_and_answer_the_memory_question() {
    use parbench::key::Key;
    use parbench::memory::Memory;
    use parbench::results::{Benchmark, TimeNs};
    let mut file = ResultsFile::load(&fixture("machine-a.json"))
        .unwrap()
        .results;
    let time = |ns: f64| TimeNs {
        estimate: ns,
        lower: ns * 0.9,
        upper: ns * 1.1,
        median: ns,
    };
    let entry = |variant: &str, backend: &str, threads: u64, ns: f64, copies, ipc, rss| {
        let memory = Memory {
            state_copies: Some(copies),
            ipc_bytes: ipc,
            worker_peak_rss_bytes: rss,
            worker_peak_rss_sum_bytes: rss.map(|r| 2 * r),
            ..Memory::default()
        };
        Benchmark::new(
            Key::new("seed", variant, backend, threads),
            20,
            time(ns),
            "2026-11-26T00:00:00Z",
            memory,
        )
    };
    let rss = Some(14_000_000);
    // Python's pool: its own loop and sizes, which its entries say.
    let python = |variant: &str, threads: u64, ns: f64, copies, ipc, rss| {
        entry(variant, "python_pool", threads, ns, copies, ipc, rss).with_own_baseline()
    };
    file.benchmarks.extend([
        entry("closure", "process", 2, 61_000.0, 7, Some(1_234), rss),
        python("sequential", 1, 5_000.0, 0, None, None),
        python("closure", 2, 777_000.0, 7, Some(1_517), rss),
        python("function_object", 2, 700_000.0, 7, Some(1_230), rss),
        python("method_reference", 2, 720_000.0, 7, Some(1_433), rss),
        python("clone_per_worker", 2, 650_000.0, 0, Some(957), rss),
    ]);
    file.derive();
    // Python's loop is not Rust's baseline: Rust's speedups are unchanged.
    let rust_closure = |f: &ResultsFile| {
        f.benchmarks
            .iter()
            .find(|b| b.key.to_string() == "seed/closure/rayon/2")
            .and_then(|b| b.criterion_speedup)
    };
    let before = ResultsFile::load(&fixture("machine-a.json"))
        .unwrap()
        .results;
    assert_eq!(rust_closure(&file), rust_closure(&before));
    let python = file
        .benchmarks
        .iter()
        .find(|b| b.key.backend == "python_pool" && b.key.variant == "closure")
        .unwrap();
    assert_eq!(python.criterion_speedup, None);

    let runs = tempfile::tempdir().unwrap();
    file.save(&runs.path().join("machine-a.json")).unwrap();
    let out = tempfile::tempdir().unwrap();
    let outcome = write_report(runs.path(), out.path()).unwrap();
    let html = fs::read_to_string(&outcome.index).unwrap();
    assert!(
        html.contains("Threads, processes and Python"),
        "no side-by-side table"
    );
    assert!(
        html.contains("1.48 KiB"),
        "Python's bytes per call are shown"
    );
    assert!(html.contains("13.4 MiB"), "the workers' peak RSS is shown");
    // The evidence, after the Answers table's row.
    let finding = html
        .split("Does each process get a copy")
        .nth(2)
        .expect("the finding");
    assert!(
        finding.contains("partial, callable class and bound method alike")
            && finding.contains("closure 7 copies, 1.48 KiB shipped per call")
            && finding.contains("Rust&#x27;s worker processes")
            && finding.contains("1.21 KiB"),
        "{}",
        &finding[..finding.len().min(2000)]
    );
}

/// What a reader sees of a page with every `<details>` closed: the words of
/// visible text (charts' SVG and styles left out), the longest open list,
/// and where the Answers table and the first chart start (byte offsets).
#[derive(Debug)]
struct Visible {
    words: usize,
    longest_open_list: usize,
    answers_at: Option<usize>,
    first_chart_at: Option<usize>,
}

/// [`Visible`] of a page parbench made (well-formed, no scripts).
fn visible(html: &str) -> Visible {
    let body = html.find("<body").expect("a body");
    let mut seen = Visible {
        words: 0,
        longest_open_list: 0,
        answers_at: None,
        first_chart_at: None,
    };
    // Per open <details>: (open attribute, inside its <summary>).
    let mut details: Vec<(bool, bool)> = Vec::new();
    // Per open list: its items so far, None when it is hidden.
    let mut lists: Vec<Option<usize>> = Vec::new();
    let hidden =
        |details: &[(bool, bool)]| details.iter().any(|&(open, summary)| !open && !summary);
    let mut at = body;
    while let Some(start) = html[at..].find('<').map(|i| at + i) {
        let text = &html[at..start];
        if !hidden(&details) {
            seen.words += text.split_whitespace().count();
        }
        let end = start + html[start..].find('>').expect("tag closed");
        let tag = &html[start + 1..end];
        let closing = tag.starts_with('/');
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        at = end + 1;
        match (name.as_str(), closing) {
            ("svg", false) => {
                if !hidden(&details) && seen.first_chart_at.is_none() {
                    seen.first_chart_at = Some(start);
                }
                at = start + html[start..].find("</svg>").expect("svg closed") + 6;
            }
            ("style", false) => at = start + html[start..].find("</style>").unwrap() + 8,
            ("details", false) => details.push((tag.contains(" open"), false)),
            ("details", true) => {
                details.pop();
            }
            ("summary", false) => details.last_mut().unwrap().1 = true,
            ("summary", true) => details.last_mut().unwrap().1 = false,
            ("ul" | "ol", false) => lists.push((!hidden(&details)).then_some(0)),
            ("ul" | "ol", true) => {
                if let Some(Some(n)) = lists.pop() {
                    seen.longest_open_list = seen.longest_open_list.max(n);
                }
            }
            ("li", false) => {
                if let Some(Some(n)) = lists.last_mut() {
                    *n += 1;
                }
            }
            _ => {}
        }
        if tag.contains("id=\"answers\"") && seen.answers_at.is_none() {
            seen.answers_at = Some(start);
        }
    }
    seen
}

/// The acceptance figures of issue 18 on the real default run of the 2-core
/// VM (`tests/fixtures/real/vm-default.json`): the page opens with the
/// Answers, the seed's two questions first; with every `<details>` closed
/// it shows at most 3,000 words and no list over 12 items; `summary.md`
/// leads with the Answers and fits a GitHub comment.
#[test]
fn one_machines_page_answers_first_and_keeps_its_evidence_one_click_away() {
    let real = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/real/vm-default.json");
    let runs = runs_dir_with(&[real]);
    let out = tempfile::tempdir().unwrap();
    let outcome = write_report(runs.path(), out.path()).unwrap();
    let html = fs::read_to_string(&outcome.index).unwrap();
    let seen = visible(&html);
    println!("{seen:?}");
    assert!(seen.words <= 3000, "{seen:?}");
    assert!(seen.longest_open_list <= 12, "{seen:?}");
    let (answers, chart) = (seen.answers_at.unwrap(), seen.first_chart_at.unwrap());
    assert!(answers < chart, "{seen:?}");
    // The seed's two questions are the first rows.
    let table = &html[answers..];
    let first = table.find("Do closure, function object and method reference differ?");
    let second = table.find("Does a function object hold the constant state more cheaply");
    let third = table.find("What does shared mutable state cost?");
    assert!(
        first < second && second < third,
        "the seed's questions first"
    );
    // Every finding's evidence sits in a closed <details> the table links.
    for id in ["idioms", "state-copies", "shared-state", "trust"] {
        assert!(html.contains(&format!("href=\"#m1-q-{id}\"")), "{id}");
        assert!(
            html.contains(&format!("<details class=\"finding\" id=\"m1-q-{id}\">")),
            "{id}"
        );
    }
    let summary = fs::read_to_string(outcome.summary.unwrap()).unwrap();
    assert!(summary.chars().count() < 65_536, "{}", summary.len());
    let answers_md = summary.find("### Answers").unwrap();
    assert!(answers_md < summary.find("### Evidence").unwrap());
    assert!(
        summary[answers_md..]
            .starts_with("### Answers\n\n| question | answer | key figure | margin |")
    );
    let lead = fs::read_to_string(out.path().join("answers.md")).unwrap();
    assert!(
        summary.starts_with(lead.trim_end()),
        "answers.md is the summary's lead"
    );
}

/// The real default run of the 2-core VM, with a problem of the user's own
/// (`myprob`) merged in as its own bench binary writes it: purpose `own`,
/// no spec, its own run, steady entries timed by the paired rounds only.
/// `sums`: whether the problem declares a sum (else it has no
/// shared-mutable entries). One parallel entry (crossbeam's `sharded_sum`,
/// or `worker_per_thread` without sums) lies wholly above the machine's
/// ceiling: no answer may use it.
fn with_own_problem(sums: bool) -> ResultsFile {
    use parbench::key::{Key, Regime};
    use parbench::memory::Memory;
    use parbench::paired::Interval;
    use parbench::results::{
        Benchmark, Comparison, OwnRun, PairedFigures, SCHEMA_VERSION, TimeEstimator, TimeNs,
        WorkloadInfo,
    };
    use parbench::workload::Purpose;

    let real = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/real/vm-default.json");
    let mut file = ResultsFile::load(&real).unwrap().results;
    file.schema_version = SCHEMA_VERSION;
    const STARTED: &str = "2026-12-01T10:00:00Z";
    file.workloads.insert(
        "myprob".to_string(),
        WorkloadInfo {
            about: "Collatz steps of 0..4000".to_string(),
            purpose: Purpose::Own,
            spec: None,
            own_run: Some(OwnRun {
                started_at: STARTED.to_string(),
                profile: "quick".to_string(),
                threads: vec![1, 2],
                sequential_ns_start: 1_000_000.0,
                // 10% slower at the end: more than the drift threshold.
                sequential_ns_end: Some(1_100_000.0),
                sums,
                accumulator: None,
                git_commit: None,
                rustc: "rustc 1.91.0".to_string(),
                parbench_version: "0.1.0".to_string(),
            }),
        },
    );
    let interval = |[estimate, lower, upper]: [f64; 3]| Interval {
        estimate,
        lower,
        upper,
    };
    let entry = |variant: &str, backend: &str, threads: u64, speedup: [f64; 3]| {
        let ns = 1_000_000.0 / speedup[0];
        let time = TimeNs {
            estimate: ns,
            lower: ns * 0.99,
            upper: ns * 1.01,
            median: ns,
        };
        let key = Key::new("myprob", variant, backend, threads);
        Benchmark::new(key, 4000, time, STARTED, Memory::default())
            .with_estimator(TimeEstimator::PairedRounds)
    };
    // The sequential loop: the baseline of every speedup.
    let mut entries = vec![entry("sequential", "sequential", 1, [1.0, 1.0, 1.0])];
    // Far enough apart that rayon's lead stays beyond 5% once the three
    // intervals are widened for choosing the leader among them.
    let closure_at = |backend: &str, threads: u64| match (backend, threads) {
        ("rayon", 2) => 1.8,
        ("std_scope", 2) => 1.5,
        ("crossbeam", 2) => 1.4,
        _ => 0.97,
    };
    /// A variant's paired time ratios to others: (other, [ratio, lower, upper]).
    type Ratios<'a> = Vec<(&'a str, [f64; 3])>;
    // (variant, its paired ratios, its speedup over the closure's, copies)
    let mut variants: Vec<(&str, Ratios, f64, u64)> = vec![
        ("closure", vec![], 1.0, 0),
        (
            "function_object",
            vec![("closure", [1.005, 0.995, 1.012])],
            0.99,
            0,
        ),
        (
            "method_reference",
            vec![
                ("closure", [1.0, 0.99, 1.01]),
                ("function_object", [0.995, 0.99, 1.0]),
            ],
            0.99,
            0,
        ),
        (
            "dyn_callable",
            vec![("closure", [1.08, 1.06, 1.10])],
            0.93,
            0,
        ),
        ("arc_state", vec![("closure", [1.0, 0.99, 1.01])], 0.99, 0),
        (
            "clone_per_worker",
            vec![("closure", [1.01, 1.0, 1.015])],
            0.99,
            2,
        ),
        // Sampled apart (it churns memory): no paired ratio to the closure.
        ("clone_per_task", vec![], 2.0 / 3.0, 16),
    ];
    if sums {
        variants.extend([
            ("fold_reduce", vec![], 0.99, 0),
            (
                "mutex_sum",
                vec![("fold_reduce", [1.30, 1.25, 1.35])],
                0.75,
                0,
            ),
            (
                "atomic_sum",
                vec![("fold_reduce", [1.05, 1.03, 1.07])],
                0.94,
                0,
            ),
            (
                "sharded_sum",
                vec![("fold_reduce", [1.0, 0.99, 1.01])],
                0.98,
                0,
            ),
            ("mutex_worker", vec![], 0.7, 0),
            (
                "worker_per_thread",
                vec![("mutex_worker", [0.7, 0.65, 0.75])],
                0.98,
                0,
            ),
        ]);
    }
    for backend in ["rayon", "crossbeam", "std_scope"] {
        for threads in [1, 2] {
            for (variant, compared, relative, copies) in &variants {
                let s = closure_at(backend, threads) * relative;
                let mut b = entry(variant, backend, threads, [s, s * 0.97, s * 1.03]).with_paired(
                    PairedFigures {
                        speedup: interval([s, s * 0.97, s * 1.03]),
                        modes: None,
                        rounds: 8,
                        target_reached: Some(true),
                        wall_ns: 1_000_000.0 / s,
                        cpu_time_ns: Some(1_000_000.0 / s * threads as f64),
                        cores_beyond_speedup: None,
                        compared: compared
                            .iter()
                            .map(|(with, r)| Comparison::of(*with, interval(*r)))
                            .collect(),
                        visits: None,
                    },
                );
                b.memory.state_copies = Some(*copies * threads / 2);
                b.memory.bytes_allocated = Some(400 + *copies * threads / 2 * (1 << 20));
                entries.push(b);
            }
        }
    }
    // Its closure at the most threads after the caller's own work, as its
    // bench binary measures it: 20 calls each, beside 20 back to back.
    // rayon's calls take 1.4 times the back-to-back ones, crossbeam's and
    // std_scope's the same (within 1%).
    for (backend, slower) in [("rayon", 1.4), ("crossbeam", 1.0), ("std_scope", 1.0)] {
        let s = closure_at(backend, 2);
        let steady: Vec<f64> = (0..20)
            .map(|k| 1e6 / s * (1.0 + 0.01 * (k % 3) as f64))
            .collect();
        let calls: Vec<f64> = steady.iter().map(|t| t * slower).collect();
        let key = Key::new("myprob", "closure", backend, 2).in_regime(Regime::Intermittent);
        let median = calls[10];
        let time = TimeNs {
            estimate: median,
            lower: median * 0.99,
            upper: median * 1.01,
            median,
        };
        let mut b = Benchmark::new(key, 4000, time, STARTED, Memory::default())
            .with_estimator(TimeEstimator::MedianOfCalls)
            .with_paired(PairedFigures {
                speedup: interval([s / slower, s / slower * 0.97, s / slower * 1.03]),
                modes: None,
                rounds: 20,
                target_reached: None,
                wall_ns: median,
                cpu_time_ns: Some(median * 2.0),
                cores_beyond_speedup: None,
                compared: Vec::new(),
                visits: None,
            });
        b.caller_work_ns = Some(1_000_000.0);
        b.call_ns = calls;
        b.steady_call_ns = steady;
        entries.push(b);
    }
    // Far above the machine's ceiling at 2 threads (1.97×): inconsistent.
    let inconsistent = if sums {
        "sharded_sum"
    } else {
        "clone_per_worker"
    };
    let b = entries
        .iter_mut()
        .find(|b| {
            b.key.variant == inconsistent && b.key.backend == "crossbeam" && b.key.threads == 2
        })
        .unwrap();
    (b.speedup, b.speedup_lower, b.speedup_upper) = (Some(2.5), Some(2.3), Some(2.7));
    file.benchmarks.extend(entries);
    file
}

/// `html`'s element with `id`, from its opening tag to the end of its
/// first `</table>` (the element is a table).
fn table_with_id<'a>(html: &'a str, id: &str) -> &'a str {
    let start = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no {id}"));
    let end = start + html[start..].find("</table>").unwrap();
    &html[start..end]
}

/// The report of `file` alone: its page and `answers.md`.
fn report_of(file: &ResultsFile) -> (String, String) {
    let runs = tempfile::tempdir().unwrap();
    file.save(&runs.path().join("vm.json")).unwrap();
    let out = tempfile::tempdir().unwrap();
    let outcome = write_report(runs.path(), out.path()).unwrap();
    assert!(outcome.warnings.is_empty(), "{:?}", outcome.warnings);
    let html = fs::read_to_string(&outcome.index).unwrap();
    let answers = fs::read_to_string(out.path().join("answers.md")).unwrap();
    (html, answers)
}

/// The first markdown table after `heading` in `markdown`.
fn markdown_table_after<'a>(markdown: &'a str, heading: &str) -> &'a str {
    let start = markdown.find(heading).unwrap() + heading.len();
    let table = start + markdown[start..].find('|').unwrap();
    let end = markdown[table..]
        .find("\n\n")
        .map_or(markdown.len(), |e| table + e);
    markdown[table..end].trim_end()
}

#[test]
fn a_users_own_problem_has_its_section_and_answers_and_leaves_the_built_in_ones_alone() {
    let real = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/real/vm-default.json");
    let mut built_in = ResultsFile::load(&real).unwrap().results;
    built_in.schema_version = parbench::results::SCHEMA_VERSION;
    let (plain_html, plain_answers) = report_of(&built_in);
    for sums in [true, false] {
        let (html, answers) = report_of(&with_own_problem(sums));
        // The built-in Answers, on the page and in answers.md, as without it.
        assert_eq!(
            table_with_id(&html, "answers-table"),
            table_with_id(&plain_html, "answers-table")
        );
        assert_eq!(
            markdown_table_after(&answers, "### Answers"),
            markdown_table_after(&plain_answers, "### Answers")
        );
        // Its own section, labelled as the user's, with its about and its run.
        let section = "m1-6-myprob";
        let at = html.find(&format!("<section class=\"workload\" id=\"{section}\">"));
        let own = &html[at.expect("its own section")..];
        let own = &own[..own.find("</section>").unwrap()];
        assert!(
            own.contains("myprob <span class=\"on\">your problem on "),
            "{own}"
        );
        assert!(own.contains("Collatz steps of 0..4000. 4,000 items per call."));
        assert!(own.contains("a run of its own started 2026-12-01T10:00:00Z (profile quick"));
        assert!(own.contains("no intermittent calls, no Python rows"));
        // Its times are the paired rounds': no column of criterion's.
        let best = table_with_id(own, &format!("{section}-best"));
        assert!(best.contains("time per call (median of paired rounds)"));
        assert!(!best.contains("criterion"), "{best}");
        assert!(!best.contains("≠"), "{best}");
        assert_eq!(
            occurrences(own, "<svg"),
            4,
            "the charts of a built-in workload, and its single calls after the caller's work"
        );

        // Its answers: a table of their own after the built-in one.
        let answers_table = table_with_id(&html, &format!("{section}-answers-table"));
        assert!(html.find("id=\"answers-table\"") < html.find(answers_table));
        let row = |question: &str| {
            let start = answers_table
                .find(question)
                .unwrap_or_else(|| panic!("{question}"));
            let row = &answers_table[start..];
            // A row ends where the next begins (the page leaves out `</tr>`).
            &row[..row.find("<tr").or_else(|| row.find("</tbody>")).unwrap()]
        };
        // The best parallel entry the machine can produce: the 2.5× above
        // its ceiling is left out, and listed in the evidence.
        let worth = row("Is it worth parallelising at this size?");
        assert!(
            worth.contains("<strong>parallel wins by more than 5.0%</strong>"),
            "{worth}"
        );
        assert!(
            worth.contains("closure on rayon at 2 threads: 1.80× (95% interval 1.75–1.85)"),
            "{worth}"
        );
        let evidence = &html[html
            .find(&format!("id=\"{section}-answers-q-worth\""))
            .unwrap()..];
        assert!(
            evidence.contains(
                "on myprob (crossbeam, 2 threads): paired 2.50× (95% interval 2.30–2.70)"
            ),
            "the inconsistent entry is listed"
        );
        let passing = row("Which way of passing the function and its state is cheapest");
        assert!(
            passing.contains(
                "<strong>equal within 2.0%: function_object, method_reference; slower by more \
                 than 2.0%: dyn_callable</strong>"
            ),
            "{passing}"
        );
        assert!(
            passing.contains("dyn_callable 1.080× the closure&#x27;s time"),
            "{passing}"
        );
        let ownership = row("What do the ownership modes cost");
        if sums {
            assert!(
                ownership.contains(
                    "<strong>equal within 2.0%: arc_state, clone_per_worker; slower by more than \
                     5.0%: clone_per_task</strong>"
                ),
                "{ownership}"
            );
        }
        assert!(
            ownership.contains(
                "copies of the state per call: arc_state 0, clone_per_worker 2, clone_per_task 16 \
                 (rayon, 2 threads)"
            ),
            "{ownership}"
        );
        let shared = row("Does a lock or an atomic on the accumulator hurt?");
        if sums {
            assert!(
                shared.contains(
                    "<strong>equal within 2.0%: sharded_sum on myprob; slower by more than \
                     2.0%: atomic_sum on myprob, mutex_sum on myprob</strong>"
                ),
                "{shared}"
            );
            assert!(
                shared.contains("mutex_sum 1.300× the time of fold_reduce"),
                "{shared}"
            );
        } else {
            assert!(
                shared.contains("<strong>skipped: the problem declares no sum</strong>"),
                "{shared}"
            );
        }
        let backend = row("Which backend is fastest at the most threads?");
        assert!(
            backend.contains("<strong>rayon leads by more than 5.0%</strong>"),
            "{backend}"
        );
        // Its own calls after the caller's work: rayon's 1.4 times its
        // back-to-back ones, the others the same.
        let now_and_then = row("What does a call cost when your program calls it now and then?");
        assert!(
            now_and_then.contains(
                "<strong>slower than steady: rayon; keeps its steady speed: crossbeam, \
                 std_scope</strong>"
            ),
            "{now_and_then}"
        );
        assert!(
            now_and_then.contains("rayon: mean call 1.40× the back-to-back one"),
            "{now_and_then}"
        );
        // answers.md: the same group after the built-in table.
        let own_md = markdown_table_after(&answers, "#### Your problem: myprob");
        assert!(
            own_md.contains("**parallel wins by more than 5.0%**"),
            "{own_md}"
        );
        assert!(answers.find("### Answers") < answers.find("#### Your problem: myprob"));

        // Caveats: its entries are from its own run, not stale; its host
        // moved by 10% during that run.
        assert!(!html.contains("come from earlier runs"), "no stale entries");
        assert!(html.contains(
            "The host slowed by 10% (sequential time on myprob 1.000e6 → 1.100e6 ns) during the \
             run of myprob (started 2026-12-01T10:00:00Z)"
        ));
    }
}

#[test]
fn the_verdicts_and_other_machines_ignore_a_users_own_problem() {
    let runs = tempfile::tempdir().unwrap();
    let own = runs.path().join("vm-own.json");
    with_own_problem(true).save(&own).unwrap();
    let real = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/real/vm-default.json");
    let (with, _) = parbench::report::verdicts(&[own.clone(), fixture("machine-b.json")]).unwrap();
    let (without, _) = parbench::report::verdicts(&[real, fixture("machine-b.json")]).unwrap();
    let questions = |v: &[parbench::report::Verdict]| -> Vec<(String, usize, bool)> {
        v.iter()
            .map(|v| (v.question.clone(), v.common_points, v.agree))
            .collect()
    };
    assert_eq!(questions(&with), questions(&without));
    // Two machines, one with the problem: every page renders, the problem's
    // answers on its machine's own page.
    let out = tempfile::tempdir().unwrap();
    let outcome = compare(
        &[own, fixture("machine-b.json")],
        &out.path().join("index.html"),
    )
    .unwrap();
    let html = whole_site(&outcome.index);
    assert!(html.contains("Your problem: myprob"));
    assert!(html.contains("time (median of paired rounds)"));
}

/// A user's crate runs only its own problem: its page opens with that
/// problem's answers, not with nine built-in questions "not answered".
#[test]
fn a_file_of_own_problems_only_leads_with_their_answers() {
    use parbench::workload::Purpose;

    let mut file = with_own_problem(true);
    let own: Vec<String> = (file.workloads.iter())
        .filter(|(_, info)| info.purpose == Purpose::Own)
        .map(|(id, _)| id.clone())
        .collect();
    file.benchmarks.retain(|b| own.contains(&b.key.workload));
    file.workloads.retain(|id, _| own.contains(id));
    assert!(!file.benchmarks.is_empty());
    let (html, answers) = report_of(&file);
    let section = html.find("<section id=\"answers\">").unwrap();
    let first_table = section + html[section..].find("<table").unwrap();
    let tag = &html[first_table..first_table + html[first_table..].find('>').unwrap()];
    assert!(tag.contains("myprob-answers-table"), "{tag}");
    assert!(!html.contains("id=\"answers-table\""));
    assert!(!html.contains("not answered"));
    assert!(html.contains("Is it worth parallelising at this size?"));
    assert!(!answers.contains("Do closure, function object and method reference differ?"));
    assert!(answers.contains("#### Your problem: myprob"));
}

/// The real default run with `n` problems of one's own: `myprob` and
/// copies of it under their own names (`myprob2`, …).
fn with_own_problems(n: usize) -> ResultsFile {
    use parbench::key::Key;

    let mut file = with_own_problem(true);
    let info = file.workloads["myprob"].clone();
    let entries: Vec<_> = (file.benchmarks.iter())
        .filter(|b| b.key.workload == "myprob")
        .cloned()
        .collect();
    for k in 2..=n {
        let name = format!("myprob{k}");
        file.workloads.insert(name.clone(), info.clone());
        file.benchmarks.extend(entries.iter().cloned().map(|mut b| {
            b.key = Key::new(&name, &b.key.variant, &b.key.backend, b.key.threads)
                .in_regime(b.key.regime);
            b
        }));
    }
    file
}

/// The report of `file` alone, written to `out`.
fn write_report_of(file: &ResultsFile, out: &Path) -> parbench::report::ReportOutcome {
    let runs = tempfile::tempdir().unwrap();
    file.save(&runs.path().join("vm.json")).unwrap();
    write_report(runs.path(), out).unwrap()
}

/// The real default run with eight problems of one's own: `summary.md`
/// stays under GitHub's 65,536 characters by cutting the longest evidence
/// to its first lines, with a pointer to the page; every problem's Answers
/// stay whole, and lead.
#[test]
fn a_summary_with_many_problems_of_ones_own_fits_a_comment_and_keeps_every_answer() {
    let out = tempfile::tempdir().unwrap();
    let outcome = write_report_of(&with_own_problems(8), out.path());
    let summary = fs::read_to_string(outcome.summary.unwrap()).unwrap();
    assert!(summary.chars().count() < 65_536, "{}", summary.len());
    assert!(summary.contains("cut to fit a pull-request comment"));
    let answers = fs::read_to_string(out.path().join("answers.md")).unwrap();
    assert!(summary.starts_with(answers.trim_end()), "the Answers lead");
    for k in ["", "2", "8"] {
        let heading = format!("#### Your problem: myprob{k}\n");
        assert!(answers.contains(&heading), "{heading}");
        let table = markdown_table_after(&answers, &heading);
        assert!(table.contains("Is it worth parallelising at this size?"));
        assert!(!table.contains("cut to fit"));
    }
    // Every evidence section is still named, cut or not.
    for question in [
        "What does shared mutable state cost?",
        "How far can these numbers",
    ] {
        assert!(summary.contains(question), "{question}");
    }
}

/// The real default run with three problems of one's own, as `cargo bench`
/// writes it with its two examples and `cargo bench --bench wordfreq` adds
/// the third: its page is at most 1 MB (2.47 MB with two before its charts
/// were made lighter).
#[test]
fn one_machines_page_with_three_problems_of_ones_own_is_at_most_a_megabyte() {
    let out = tempfile::tempdir().unwrap();
    let outcome = write_report_of(&with_own_problems(3), out.path());
    let html = fs::read_to_string(&outcome.index).unwrap();
    assert!(html.len() <= 1_000_000, "{} bytes", html.len());
    // Its charts all there: 3 per workload, and big_state's 2 on memory.
    let workloads = with_own_problems(3).workloads.len();
    assert!(occurrences(&html, "<svg") >= 3 * workloads, "{workloads}");
}

/// The report of fixed results files, against golden outputs under
/// `tests/fixtures/golden/<case>/`, first made by the code before the
/// report was laid out in layers (issue 35): any change to what it writes
/// shows here, so a change meant to keep the output must leave this
/// passing, and one meant to change it blesses the new output
/// (`PARBENCH_BLESS=1 cargo test --test it golden`) and says why.
///
/// Each output is compared after [`normalised`] (the one line that depends
/// on the clock and the runs folder). `answers.md` is kept whole, to be
/// read in a diff; the pages (up to 730 KB) and `summary.md` are kept as
/// their length and 64-bit FNV-1a digest (`digests.txt`). On a mismatch,
/// the outputs are written to a folder the message names.
#[test]
fn the_report_of_fixed_runs_matches_its_golden_outputs() {
    let real = |name: &str| {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/real")
            .join(name)
    };
    let cases: [(&str, Vec<PathBuf>); 3] = [
        ("vm-default", vec![real("vm-default.json")]),
        ("vm-quick-own", vec![real("vm-quick-own.json")]),
        ("two-machines", fixtures()),
    ];
    let bless = std::env::var_os("PARBENCH_BLESS").is_some_and(|v| v == "1");
    let mut failures = Vec::new();
    for (case, files) in cases {
        let runs = runs_dir_with(&files);
        let out = tempfile::tempdir().unwrap();
        write_report(runs.path(), out.path()).unwrap();
        let mut outputs: Vec<(String, String)> = fs::read_dir(out.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .map(|p| {
                let name = p.file_name().unwrap().to_string_lossy().into_owned();
                (name, normalised(&fs::read_to_string(&p).unwrap()))
            })
            .collect();
        outputs.sort();
        let golden = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/golden")
            .join(case);
        let digests: String = std::iter::once(format!(
            "# parbench report over {}: each output's name, length and 64-bit FNV-1a\n\
             # digest after normalising its \"Generated ... from ...\" line\n\
             # (tests/it/report.rs; PARBENCH_BLESS=1 rewrites this file).\n",
            files
                .iter()
                .map(|f| f.file_name().unwrap().to_string_lossy())
                .collect::<Vec<_>>()
                .join(", ")
        ))
        .chain(
            outputs
                .iter()
                .map(|(name, text)| format!("{name} {} {:016x}\n", text.len(), fnv1a(text))),
        )
        .collect();
        if bless {
            fs::create_dir_all(&golden).unwrap();
            fs::write(golden.join("digests.txt"), &digests).unwrap();
            let answers = outputs.iter().find(|(name, _)| name == "answers.md");
            fs::write(golden.join("answers.md"), &answers.unwrap().1).unwrap();
            continue;
        }
        let mut differ = Vec::new();
        let expected = fs::read_to_string(golden.join("digests.txt")).unwrap_or_default();
        if expected != digests {
            differ.push(format!(
                "digests.txt:\n--- golden\n{expected}--- now\n{digests}"
            ));
        }
        let answers_golden = fs::read_to_string(golden.join("answers.md")).unwrap_or_default();
        let answers_now = outputs.iter().find(|(name, _)| name == "answers.md");
        if let Some((_, now)) = answers_now.filter(|(_, now)| *now != answers_golden) {
            let (golden_lines, now_lines): (Vec<&str>, Vec<&str>) =
                (answers_golden.lines().collect(), now.lines().collect());
            let first = (golden_lines.iter().zip(&now_lines))
                .position(|(a, b)| a != b)
                .unwrap_or(golden_lines.len().min(now_lines.len()));
            differ.push(format!(
                "answers.md first differs at line {}:\n--- golden\n{}\n--- now\n{}",
                first + 1,
                golden_lines.get(first).unwrap_or(&"(end)"),
                now_lines.get(first).unwrap_or(&"(end)")
            ));
        }
        if !differ.is_empty() {
            let kept = std::env::temp_dir().join(format!("parbench-golden-{case}"));
            let _ = fs::remove_dir_all(&kept);
            fs::create_dir_all(&kept).unwrap();
            for (name, text) in &outputs {
                fs::write(kept.join(name), text).unwrap();
            }
            failures.push(format!(
                "{case} (golden: {}, outputs now: {}):\n{}",
                golden.display(),
                kept.display(),
                differ.join("\n")
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "the report differs from its golden outputs (PARBENCH_BLESS=1 rewrites them):\n{}",
        failures.join("\n\n")
    );
}

/// `text` with its `Generated <time> from <runs folder>` line (the page's,
/// in HTML, or `summary.md`'s) made the same at any time from any folder.
fn normalised(text: &str) -> String {
    let generated = regex::Regex::new(
        r"Generated \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC from (?:<code>[^<]*</code>\.|[^\n]*)",
    )
    .unwrap();
    generated
        .replace_all(text, "Generated <time> from <runs>.")
        .into_owned()
}

/// The 64-bit FNV-1a hash of `text`: stable across runs, builds and platforms.
fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// A problem of one's own where every parallel entry is ten times slower
/// than its loop: how to parallelise it is moot at this size, and each such
/// question says so (decided), with the figure that makes it moot; whether
/// to parallelise it is answered as ever.
#[test]
fn how_to_parallelise_a_problem_parallel_loses_on_is_moot_at_this_size() {
    let mut file = with_own_problem(true);
    for b in file.benchmarks.iter_mut() {
        if b.key.workload == "myprob" && b.key.threads > 1 && b.key.variant != "sequential" {
            (b.speedup, b.speedup_lower, b.speedup_upper) = (Some(0.10), Some(0.09), Some(0.11));
        }
    }
    let (html, answers) = report_of(&file);
    let own = markdown_table_after(&answers, "#### Your problem: myprob");
    let row = |question: &str| {
        own.lines()
            .find(|l| l.contains(question))
            .unwrap_or_else(|| panic!("{question} in {own}"))
            .to_string()
    };
    assert!(
        row("Is it worth parallelising at this size?")
            .contains("**parallel loses by more than 5.0%**"),
        "{own}"
    );
    for question in [
        "Which way of passing the function and its state is cheapest",
        "What do the ownership modes cost",
        "Does a lock or an atomic on the accumulator hurt?",
        "Which backend is fastest at the most threads?",
        "What does a call cost when your program calls it now and then?",
    ] {
        let row = row(question);
        assert!(row.contains("**moot at this size**"), "{row}");
        assert!(
            row.contains("every parallel entry is more than 2× slower than the sequential loop"),
            "{row}"
        );
    }
    assert!(html.contains("Moot at this size: every parallel entry"));
    // The built-in answers are the file's own, untouched.
    assert!(!answers[..answers.find("#### Your problem").unwrap()].contains("moot"));
}
