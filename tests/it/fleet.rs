//! Many machines: generated from a real run (`../support/fleet.rs`), the report
//! over 50 of them keeps its entry page small and links every machine's
//! detail page; labels shared by different hardware are named apart.

#[path = "../support/fleet.rs"]
mod machines;

use std::fs;
use std::time::Instant;

use parbench::report::write_report;
use parbench::results::ResultsFile;

/// The entry page's ceiling for 50 machines (the figure).
const ENTRY_PAGE_LIMIT: u64 = 8 << 20;

/// `PARBENCH_FLEET_OUT=<dir>` keeps the generated runs and report there
/// (for timing them by hand, or opening them in a browser).
fn workdir() -> (Option<tempfile::TempDir>, std::path::PathBuf) {
    match std::env::var_os("PARBENCH_FLEET_OUT") {
        Some(dir) => (None, dir.into()),
        None => {
            let tmp = tempfile::tempdir().unwrap();
            let path = tmp.path().to_path_buf();
            (Some(tmp), path)
        }
    }
}

#[test]
fn fifty_machines_give_a_small_entry_page_linking_every_machine() {
    let (_keep, root) = workdir();
    let runs = root.join("runs");
    let _ = fs::remove_dir_all(&runs);
    let files = machines::generate(50, &runs);
    let out = root.join("report");
    let started = Instant::now();
    let outcome = write_report(&runs, &out).unwrap();
    let took = started.elapsed();
    let entry = fs::metadata(&outcome.index).unwrap().len();
    eprintln!(
        "50 machines: report in {:.2} s, entry page {:.2} MB",
        took.as_secs_f64(),
        entry as f64 / 1e6
    );
    assert_eq!(outcome.runs, files.len());
    assert!(outcome.warnings.is_empty(), "{:?}", outcome.warnings);
    assert!(entry < ENTRY_PAGE_LIMIT, "entry page {entry} bytes");
    let html = fs::read_to_string(&outcome.index).unwrap();
    for file in &files {
        let label = file.file_stem().unwrap().to_string_lossy();
        assert!(html.contains(&*label), "{label} named on the entry page");
    }
    let pages = linked_pages(&html);
    assert_eq!(pages.len(), files.len(), "one detail page per machine");
    for page in &pages {
        assert!(
            !page.contains('/') && !page.contains(':'),
            "relative: {page}"
        );
        let detail = fs::read_to_string(out.join(page)).unwrap();
        assert!(detail.contains("<svg"), "{page} has the machine's charts");
        assert!(detail.contains("href=\"index.html\""), "{page} links back");
    }
}

/// The distinct machine pages the entry page links to.
fn linked_pages(html: &str) -> Vec<String> {
    let mut pages: Vec<String> = html
        .split("href=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .filter(|href| href.starts_with("machine-") && href.ends_with(".html"))
        .map(str::to_string)
        .collect();
    pages.sort();
    pages.dedup();
    pages
}

#[test]
fn one_label_on_two_kinds_of_hardware_is_named_by_both() {
    let real: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(machines::real_run()).unwrap()).unwrap();
    let runs = tempfile::tempdir().unwrap();
    // Two runner generations behind one CI label, as the merge job gathers them.
    for (file, i) in [
        ("linux-x64--ci-linux.json", 1),
        ("imported--ci-linux.json", 2),
    ] {
        let mut m = machines::machine(&real, i);
        m["machine"]["label"] = "ci-linux".into();
        fs::write(runs.path().join(file), m.to_string()).unwrap();
    }
    let out = tempfile::tempdir().unwrap();
    let outcome = write_report(runs.path(), out.path()).unwrap();
    let html = fs::read_to_string(&outcome.index).unwrap();
    for file in ["linux-x64--ci-linux.json", "imported--ci-linux.json"] {
        let machine = ResultsFile::load(&runs.path().join(file))
            .unwrap()
            .results
            .machine;
        let name = format!("ci-linux ({})", machine.hardware_summary());
        assert!(html.contains(&name), "{name} on the page");
    }
    assert_eq!(outcome.runs, 2, "both kept");
}

#[test]
fn compare_prints_the_verdicts_as_json_and_writes_the_pages_as_html() {
    let runs = tempfile::tempdir().unwrap();
    let files = machines::generate(3, runs.path());
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_parbench"))
        .arg("compare")
        .args(&files)
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let verdicts: Vec<serde_json::Value> = serde_json::from_slice(&output.stdout).unwrap();
    assert!(verdicts.len() >= 4, "{verdicts:#?}");
    let labels: Vec<String> = files
        .iter()
        .map(|f| f.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    for v in &verdicts {
        let answers = v["answers"].as_object().unwrap();
        assert_eq!(answers.len(), 3, "{v}");
        assert!(labels.iter().all(|l| answers.contains_key(l)), "{v}");
        let alike = answers
            .values()
            .all(|a| a == answers.values().next().unwrap());
        // Identical answers on the common points never disagree (claims
        // that differ only by being undecided or not measured may agree too).
        if alike {
            assert_eq!(v["agree"], true, "{v}");
        }
        assert!(v["common_points"].is_u64(), "{v}");
        if answers.values().all(|a| a == "not measured") {
            assert_eq!(v["common_points"], 0, "{v}");
        }
        assert!(v["question"].as_str().unwrap().ends_with('?'));
    }
    // The backends question: a leader named against the margin, or the
    // backends it could not be told apart from, or neither.
    let imbalanced = verdicts
        .iter()
        .find(|v| v["question"] == "Which backend wins on imbalanced work?")
        .expect("the backends question");
    let is_backend = |id: &str| parbench::backends::BACKENDS.iter().any(|b| b.id() == id);
    for answer in imbalanced["answers"].as_object().unwrap().values() {
        let answer = answer.as_str().unwrap();
        let leader = answer.strip_suffix(" leads by more than 5.0%");
        let contenders = answer.strip_prefix("undecided: ");
        assert!(
            leader.is_some_and(is_backend)
                || contenders.is_some_and(|c| c.split(" or ").all(is_backend))
                || ["equal within 5.0%", "undecided", "not measured"].contains(&answer),
            "{answer}"
        );
    }

    let out = tempfile::tempdir().unwrap();
    let page = out.path().join("fleet.html");
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_parbench"))
        .arg("compare")
        .args(&files)
        .arg("-o")
        .arg(&page)
        .status()
        .unwrap();
    assert!(status.success());
    let html = fs::read_to_string(&page).unwrap();
    assert!(html.find("id=\"verdicts\"").unwrap() < html.find("id=\"scaling\"").unwrap());
    for label in &labels {
        assert!(out.path().join(format!("fleet-{label}.html")).is_file());
    }
}
