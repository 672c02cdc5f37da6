//! The report: what users read after `cargo bench`.
//!
//! Everything here starts from results files (`reports/runs/<machine>.json`,
//! see [`crate::results`]) and never from live timings, so the page can be
//! rebuilt anywhere, and machines compared, by copying files around:
//!
//! - [`write_report`] turns a folder of runs into `index.html` (one
//!   self-contained page: inline CSS and SVG, no scripts, nothing fetched)
//!   and `summary.md`;
//! - [`compare`] builds the same page over exactly the files given;
//! - [`export`] prints every entry as a markdown, CSV or JSON table.
//!
//! A file that cannot be read (truncated, not JSON, unknown schema) or an
//! entry with unusable numbers becomes a warning naming the file, shown on
//! the page; the other runs still render. The page goes through minijinja
//! with HTML auto-escaping, so every string from a results file is escaped;
//! the only markup inserted as is comes from [`charts`], whose text plotters
//! escapes.
//!
//! Inside: `data` (the runs in report order), `findings` (sentences computed
//! from the numbers), `columns` (the one table of columns every table and
//! export renders), `charts` (the only plotters user), `page` (the model the
//! template shows), `summary`, `export` and `format` (units).

mod charts;
mod columns;
mod data;
mod export;
mod findings;
mod format;
mod page;
mod processes;
mod summary;

use std::fs;
use std::path::{Component, Path, PathBuf};

use anyhow::{Context, Result, bail};
use minijinja::value::Serde;
use minijinja::{Environment, UndefinedBehavior, Value};

use crate::results::{self, Loaded, write_atomically};
use data::Run;
pub use export::{ExportFormat, export};

/// What a report run wrote.
#[derive(Debug)]
pub struct ReportOutcome {
    /// The HTML page.
    pub index: PathBuf,
    /// `summary.md`, written by [`write_report`] (not by [`compare`]).
    pub summary: Option<PathBuf>,
    /// Files skipped and entries dropped, each naming its file.
    pub warnings: Vec<String>,
    /// Results files rendered.
    pub runs: usize,
}

/// Writes `out_dir/index.html` and `out_dir/summary.md` from every `*.json`
/// in `runs_dir`. An empty folder gives a page saying no runs were found.
pub fn write_report(runs_dir: &Path, out_dir: &Path) -> Result<ReportOutcome> {
    write_report_with(runs_dir, out_dir, None)
}

/// [`write_report`], linking to criterion's own report (usually
/// `target/criterion/report/index.html`) when that file exists.
pub fn write_report_with(
    runs_dir: &Path,
    out_dir: &Path,
    criterion_report: Option<&Path>,
) -> Result<ReportOutcome> {
    if !runs_dir.is_dir() {
        bail!(
            "runs directory {} does not exist or is not a directory",
            runs_dir.display()
        );
    }
    let (loaded, warnings) = results::load_dir(runs_dir)?;
    let (runs, warnings) = into_runs(loaded, warnings);
    fs::create_dir_all(out_dir).with_context(|| format!("cannot create {}", out_dir.display()))?;
    let criterion_link = criterion_report
        .filter(|p| p.is_file())
        .map(|p| relative_href(out_dir, p));
    let page = page::build(
        "parbench report",
        runs_dir.display().to_string(),
        &runs,
        warnings,
        criterion_link,
    )?;
    let index = out_dir.join("index.html");
    write_atomically(&index, render(&page)?.as_bytes())?;
    let summary = out_dir.join("summary.md");
    write_atomically(&summary, summary::markdown(&page).as_bytes())?;
    Ok(ReportOutcome {
        index,
        summary: Some(summary),
        warnings: page.warnings,
        runs: runs.len(),
    })
}

/// Writes the page over exactly `files` to `out` (an HTML path): with two or
/// more files, the cross-machine comparison. An error when none can be read.
pub fn compare(files: &[PathBuf], out: &Path) -> Result<ReportOutcome> {
    let (runs, warnings) = load_runs(files)?;
    let source = files
        .iter()
        .map(|f| f.display().to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let page = page::build("parbench comparison", source, &runs, warnings, None)?;
    write_atomically(out, render(&page)?.as_bytes())?;
    Ok(ReportOutcome {
        index: out.to_path_buf(),
        summary: None,
        warnings: page.warnings,
        runs: runs.len(),
    })
}

/// Loads the given files; an error naming them when none can be read.
fn load_runs(files: &[PathBuf]) -> Result<(Vec<Run>, Vec<String>)> {
    if files.is_empty() {
        bail!("no results files given");
    }
    let (loaded, warnings) = results::load_files(files);
    if loaded.is_empty() {
        bail!(
            "none of the {} results files could be read:\n{}",
            files.len(),
            warnings.join("\n")
        );
    }
    Ok(into_runs(loaded, warnings))
}

/// The runs of the loaded files, adding any warning about their entries.
fn into_runs(loaded: Vec<Loaded>, mut warnings: Vec<String>) -> (Vec<Run>, Vec<String>) {
    let runs = loaded
        .into_iter()
        .map(|file| {
            let (run, warning) = Run::from_loaded(file);
            warnings.extend(warning);
            run
        })
        .collect();
    (runs, warnings)
}

/// The page as HTML. `page.html` is auto-escaped (its name ends in `.html`).
fn render(page: &page::Page) -> Result<String> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.add_template("page.html", include_str!("page.html"))
        .context("the page template does not parse")?;
    let template = env
        .get_template("page.html")
        .context("the page template is missing")?;
    template
        .render(Value::from(Serde(page)))
        .context("cannot render the page")
}

/// A link from a page in `from_dir` to `target`: relative when they share a
/// root, else a `file://` URL. Both must exist.
fn relative_href(from_dir: &Path, target: &Path) -> String {
    let (Ok(from), Ok(to)) = (fs::canonicalize(from_dir), fs::canonicalize(target)) else {
        return url_path(target.components());
    };
    let (from, to): (Vec<Component>, Vec<Component>) =
        (from.components().collect(), to.components().collect());
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    if common == 0 {
        return format!("file://{}", url_path(to.into_iter()));
    }
    let up = std::iter::repeat_n("..".to_string(), from.len() - common);
    let down = to[common..]
        .iter()
        .map(|c| percent_encode(&c.as_os_str().to_string_lossy()));
    up.chain(down).collect::<Vec<_>>().join("/")
}

/// A path as the path of a URL: `/`-separated, each part percent-encoded.
fn url_path<'a>(components: impl Iterator<Item = Component<'a>>) -> String {
    let mut out = String::new();
    for component in components {
        match component {
            Component::RootDir => out.push('/'),
            other => {
                if !out.is_empty() && !out.ends_with('/') {
                    out.push('/');
                }
                out.push_str(&percent_encode(&other.as_os_str().to_string_lossy()));
            }
        }
    }
    out
}

fn percent_encode(part: &str) -> String {
    part.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn criterion_link_is_relative_to_the_page() {
        let root = tempfile::tempdir().unwrap();
        let out = root.path().join("reports");
        let criterion = root.path().join("target/criterion/report");
        fs::create_dir_all(&out).unwrap();
        fs::create_dir_all(&criterion).unwrap();
        fs::write(criterion.join("index.html"), "criterion").unwrap();
        assert_eq!(
            relative_href(&out, &criterion.join("index.html")),
            "../target/criterion/report/index.html"
        );
    }

    #[test]
    fn url_parts_are_percent_encoded() {
        assert_eq!(percent_encode("a b<c>.html"), "a%20b%3Cc%3E.html");
        assert_eq!(
            url_path(Path::new("/tmp/my dir/x.html").components()),
            "/tmp/my%20dir/x.html"
        );
    }
}
