//! The report in a real browser: headless Chromium loads the page built from
//! the fixture runs, its DOM holds every chart, and a screenshot of it is not
//! blank. `.ci/run` installs Debian's `chromium` and requires it; where it
//! is absent elsewhere the tests are reported ignored (`support/tools.rs`).

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use std::{env, fs, thread};

use parbench::report::write_report;

#[path = "support/fleet.rs"]
mod fleet;

const TIMEOUT: Duration = Duration::from_secs(180);

#[path = "support/tools.rs"]
mod tools;

fn main() {
    tools::run(vec![
        tools::trial(
            "the_report_renders_in_headless_chromium",
            "chromium",
            chromium,
            the_report_renders_in_headless_chromium,
        ),
        tools::trial(
            "the_entry_page_of_fifty_machines_renders_with_every_machine_linked",
            "chromium",
            chromium,
            the_entry_page_of_fifty_machines_renders_with_every_machine_linked,
        ),
    ]);
}

/// `chromium` on the PATH (Debian's is `/usr/bin/chromium`).
fn chromium() -> Option<PathBuf> {
    let path = env::var_os("PATH")?;
    env::split_paths(&path)
        .map(|dir| dir.join("chromium"))
        .find(|p| p.is_file())
}

/// Runs headless Chromium with `args` after the common flags; its stdout.
fn run_chromium(binary: &Path, profile: &Path, args: &[String]) -> String {
    let mut child = Command::new(binary)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()));
    // Read while it runs: a full pipe would stall it.
    let mut stdout = child.stdout.take().unwrap();
    let reader = thread::spawn(move || {
        let mut text = String::new();
        stdout.read_to_string(&mut text).map(|_| text)
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > TIMEOUT {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!("chromium did not finish within {TIMEOUT:?}: {args:?}");
        }
        thread::sleep(Duration::from_millis(100));
    };
    assert!(status.success(), "chromium failed ({status}): {args:?}");
    reader.join().unwrap().unwrap()
}

fn the_report_renders_in_headless_chromium(binary: PathBuf) {
    let runs = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/runs");
    let out = tempfile::tempdir().unwrap();
    let outcome = write_report(&runs, out.path()).unwrap();
    let html = fs::read_to_string(&outcome.index).unwrap();
    let url = format!("file://{}", outcome.index.display());
    let profile = tempfile::tempdir().unwrap();

    let dom = run_chromium(
        &binary,
        profile.path(),
        &["--dump-dom".to_string(), url.clone()],
    );
    let charts = html.matches("<svg").count();
    assert!(charts > 0);
    assert_eq!(
        dom.matches("<svg").count(),
        charts,
        "every chart is in the DOM"
    );
    assert!(dom.contains("id=\"findings\"") && dom.contains("id=\"across\""));
    assert!(
        !dom.to_lowercase().contains("<script"),
        "the page runs no script"
    );

    let shot = out.path().join("shot.png");
    run_chromium(
        &binary,
        profile.path(),
        &[
            format!("--screenshot={}", shot.display()),
            "--window-size=1280,2000".to_string(),
            url,
        ],
    );
    let decoder = png::Decoder::new(fs::File::open(&shot).expect("chromium wrote no screenshot"));
    let mut reader = decoder.read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size()];
    let frame = reader.next_frame(&mut pixels).unwrap();
    assert_eq!((frame.width, frame.height), (1280, 2000));
    let channels = frame.color_type.samples();
    let colours: std::collections::HashSet<&[u8]> = pixels[..frame.buffer_size()]
        .chunks(channels)
        .map(|p| &p[..3.min(channels)])
        .collect();
    let background = pixels[..frame.buffer_size()]
        .chunks(channels)
        .filter(|p| p.iter().take(3).all(|c| *c > 245))
        .count();
    let total = (frame.width * frame.height) as usize;
    assert!(
        colours.len() > 50,
        "a blank screenshot: {} colours",
        colours.len()
    );
    assert!(
        background < total * 98 / 100,
        "the screenshot is almost all white"
    );
}

/// Fifty generated machines: the entry page loads with its verdict table
/// and every machine's link, and a machine's own page loads with its
/// charts. The time is printed (evidence, not a limit: the host is shared);
/// only a hang fails it.
fn the_entry_page_of_fifty_machines_renders_with_every_machine_linked(binary: PathBuf) {
    let root = tempfile::tempdir().unwrap();
    let files = fleet::generate(50, &root.path().join("runs"));
    let outcome = write_report(&root.path().join("runs"), &root.path().join("report")).unwrap();
    let profile = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let dom = run_chromium(
        &binary,
        profile.path(),
        &[
            "--dump-dom".to_string(),
            format!("file://{}", outcome.index.display()),
        ],
    );
    eprintln!(
        "50 machines: chromium loaded the entry page ({:.2} MB) in {:.2} s",
        fs::metadata(&outcome.index).unwrap().len() as f64 / 1e6,
        started.elapsed().as_secs_f64()
    );
    assert!(dom.contains("id=\"verdicts\"") && dom.contains("id=\"scaling\""));
    for file in &files {
        let label = file.file_stem().unwrap().to_string_lossy();
        assert!(
            dom.contains(&format!("href=\"machine-{label}.html\"")),
            "{label}"
        );
    }
    let machine = outcome.index.with_file_name("machine-gen-03-16c.html");
    let dom = run_chromium(
        &binary,
        profile.path(),
        &[
            "--dump-dom".to_string(),
            format!("file://{}", machine.display()),
        ],
    );
    assert!(
        dom.matches("<svg").count() > 10,
        "the machine's charts are on its page"
    );
}
