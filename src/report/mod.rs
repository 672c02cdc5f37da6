//! The report: what users read after `cargo bench`.
//!
//! Everything here starts from results files (`reports/runs/<machine>.json`,
//! see [`crate::results`]) and never from live timings, so the page can be
//! rebuilt anywhere, and machines compared, by copying files around:
//!
//! - [`write_report`] turns a folder of runs into `index.html` (inline CSS
//!   and SVG, no scripts, nothing fetched), `summary.md` and its lead
//!   `answers.md`; a page of one machine opens with its Answers; with two or
//!   more runs the entry page leads with the cross-machine verdict
//!   (`across`) and each machine's detail goes to a page of its own beside
//!   it (`page/split.rs`), so the folder stays small and opens offline from
//!   disk;
//! - [`compare`] builds the same pages over exactly the files given, and
//!   [`verdicts`] the verdict alone (for `compare --format json`);
//! - [`export`] prints every entry as a markdown, CSV or JSON table.
//!
//! A file that cannot be read (truncated, not JSON, unknown schema) or an
//! entry with unusable numbers becomes a warning naming the file, shown on
//! the page; the other runs still render. The page goes through minijinja
//! with HTML auto-escaping, so every string from a results file is escaped;
//! the only markup inserted as is comes from `charts`, whose text plotters
//! escapes.
//!
//! A problem of the user's own (purpose `own`, measured by its own bench
//! binary) gets a workload section like the built-in ones and a group of
//! answers of its own after the built-in Answers, which it leaves as they
//! were.
//!
//! Inside, by layer, lowest first ([`REPORT_LAYERS`]): `format` (units),
//! `charts` (the only plotters user) and `svg_compact` (the charts made
//! lighter as a page is written); `data` (the runs, loaded and in report
//! order), `columns` (the one table of columns every table and export
//! renders) and `harness` (parbench's own overhead per call, as a table
//! and a sentence); `findings` (one file per question: short answers
//! against margins of practical equivalence, and the sentences behind
//! them); `elements` (the charts and tables every view is made of),
//! `scaling` (the scaling models and the break-even map as the page shows
//! them), `processes` (threads, worker processes and Python's pool side by
//! side), `across` (verdicts on the points every machine measured, curves
//! against each machine's ceiling, heat tables) and `page` (the model the
//! template shows, and its split into pages); `summary` and `export`.

/// The layers of `src/report/`, lowest first, each a list of the report's
/// modules. A module imports only from its own layer and those below it,
/// no two modules import each other and their imports make no cycle; this
/// file, which declares them all and writes the pages, sits above every
/// layer and no module imports it. A folder (`findings/`, `page/`) is one
/// module: its files use their `mod.rs`'s items and it uses theirs, but
/// its files make no cycle among themselves (`tests/it/layers.rs` reads
/// the source and enforces it all).
///
/// - ground: units and words (`format`), the plotters (`charts`) and what
///   lightens their SVG (`svg_compact`), none of which knows a run;
/// - data: the runs, loaded and in report order (`data`), the one table
///   of columns (`columns`), parbench's own overhead (`harness`);
/// - findings: the answers, from the data alone;
/// - views: what a page shows, built from the data and the answers: the
///   elements every view is made of (`elements`), the scaling models and
///   the break-even map (`scaling`), the side-by-side processes tables
///   (`processes`), the views across machines (`across`), and the page
///   that gathers them (`page`);
/// - renderings: the page as markdown (`summary`), the entries as a table
///   (`export`).
pub const REPORT_LAYERS: &[(&str, &[&str])] = &[
    ("ground", &["format", "charts", "svg_compact"]),
    ("data", &["data", "columns", "harness"]),
    ("findings", &["findings"]),
    (
        "views",
        &["elements", "scaling", "processes", "across", "page"],
    ),
    ("renderings", &["summary", "export"]),
];

mod across;
mod charts;
mod columns;
mod data;
mod elements;
mod export;
mod findings;
mod format;
pub mod harness;
mod page;
mod processes;
mod scaling;
mod summary;
mod svg_compact;

use std::fs;
use std::path::{Component, Path, PathBuf};

use anyhow::{Context, Result, bail};
use minijinja::value::Serde;
use minijinja::{Environment, UndefinedBehavior, Value};
use rayon::prelude::*;

use crate::results::{self, write_atomically};
pub use across::Verdict;
use data::{into_runs, load_runs};
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

/// Writes `out_dir/index.html`, `out_dir/summary.md` and its lead alone,
/// `out_dir/answers.md` (the verdict and the Answers), from every `*.json`
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
    let summary = out_dir.join("summary.md");
    write_atomically(&summary, summary::markdown(&page).as_bytes())?;
    write_atomically(
        &out_dir.join("answers.md"),
        summary::answers_markdown(&page).as_bytes(),
    )?;
    let warnings = write_pages(page, &index)?;
    Ok(ReportOutcome {
        index,
        summary: Some(summary),
        warnings,
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
    let warnings = write_pages(page, out)?;
    Ok(ReportOutcome {
        index: out.to_path_buf(),
        summary: None,
        warnings,
        runs: runs.len(),
    })
}

/// The verdicts over exactly `files`, one per finding question with a short
/// answer on some machine (see [`Verdict`]), and the warnings.
pub fn verdicts(files: &[PathBuf]) -> Result<(Vec<Verdict>, Vec<String>)> {
    let (runs, warnings) = load_runs(files)?;
    let names = page::display_names(&runs);
    Ok((across::verdicts(&runs, &names), warnings))
}

/// Writes `page` to `out`. With two or more machines, each machine's
/// findings, charts and tables go to a page of its own beside `out`
/// (`machine-<name>.html` beside `index.html`, `<stem>-<name>.html`
/// beside any other name), and the overlays to the side-by-side page,
/// linked relatively: the entry page stays small however many machines
/// there are. Pages of an earlier report that this one no longer has are
/// removed. Returns the page's warnings.
fn write_pages(page: page::Page, out: &Path) -> Result<Vec<String>> {
    let entry = out.file_name().map_or_else(
        || "index.html".to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let stem = out.file_stem().unwrap_or_default().to_string_lossy();
    let prefix = match stem.as_ref() {
        "index" | "" => "machine".to_string(),
        other => page::slug(other),
    };
    let dir = out
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let (entry_page, details) = page::split(page, &prefix, &entry);
    details.par_iter().try_for_each(|(name, detail)| {
        write_atomically(&dir.join(name), render(detail)?.as_bytes())
    })?;
    write_atomically(out, render(&entry_page)?.as_bytes())?;
    let written: Vec<&str> = details.iter().map(|(name, _)| name.as_str()).collect();
    remove_stale_pages(dir, &prefix, &written)?;
    Ok(entry_page.warnings)
}

/// Removes the pages an earlier report split off under `prefix` that this
/// one did not write (a machine whose file is gone, a side-by-side page
/// when one machine is left), so no page links a machine the runs no
/// longer hold. Only pages parbench made (its footer)
/// are removed: a user's own `<prefix>-*.html` beside the report stays.
fn remove_stale_pages(dir: &Path, prefix: &str, written: &[&str]) -> Result<()> {
    let entries = fs::read_dir(dir).with_context(|| format!("cannot list {}", dir.display()))?;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        // The machine pages and the side-by-side page (`side-by-side.html`
        // beside `index.html`, else `<prefix>-side-by-side.html`).
        let ours = (name.starts_with(&format!("{prefix}-"))
            || (prefix == "machine" && name == "side-by-side.html"))
            && name.ends_with(".html");
        if !ours || written.contains(&name.as_str()) {
            continue;
        }
        let path = entry.path();
        let made_by_parbench =
            fs::read_to_string(&path).is_ok_and(|text| text.contains(PAGE_FOOTER));
        if made_by_parbench {
            fs::remove_file(&path)
                .with_context(|| format!("cannot remove the stale page {}", path.display()))?;
        }
    }
    Ok(())
}

/// The footer every page carries: how a stale page of ours is recognised.
const PAGE_FOOTER: &str = "Made by parbench from results files only";

/// The page as HTML, its charts made lighter ([`svg_compact::lighten`]).
/// `page.html` is auto-escaped (its name ends in `.html`); minijinja also
/// escapes `/`, which HTML needs nowhere (the page has no script), so each
/// `&#x2f;` (6 bytes) is written back as `/`: an `&` of the text itself is
/// `&amp;`, so no text's own `&#x2f;` can be taken for one.
fn render(page: &page::Page) -> Result<String> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.add_global("open_list_max", findings::OPEN_LIST_MAX);
    env.add_template("page.html", include_str!("page.html"))
        .context("the page template does not parse")?;
    let template = env
        .get_template("page.html")
        .context("the page template is missing")?;
    let html = template
        .render(Value::from(Serde(page)))
        .context("cannot render the page")?;
    Ok(without_blanks_before_blocks(&svg_compact::lighten(
        &html.replace("&#x2f;", "/"),
    )))
}

/// The tags before which blank text renders as nothing: a table's parts, a
/// list's items, and blocks. The page has no `<pre>` and no script.
const BLOCKS: &[&str] = &[
    "tr",
    "td",
    "th",
    "thead",
    "tbody",
    "table",
    "li",
    "ul",
    "ol",
    "div",
    "p",
    "details",
    "summary",
    "figure",
    "figcaption",
    "h1",
    "h2",
    "h3",
    "h4",
    "section",
    "main",
    "nav",
];

/// `html` without the line breaks and indentation of the template before
/// a block's start or end tag (10 KB of one machine's page): blank text
/// there is not rendered, so the page reads the same.
fn without_blanks_before_blocks(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(gt) = rest.find('>') {
        out.push_str(&rest[..=gt]);
        rest = &rest[gt + 1..];
        let blank = rest.len() - rest.trim_start_matches([' ', '\n']).len();
        let next = &rest[blank..];
        let name = next.strip_prefix('<').map(|tag| {
            let tag = tag.strip_prefix('/').unwrap_or(tag);
            &tag[..tag
                .find(|c: char| !c.is_ascii_alphanumeric())
                .unwrap_or(tag.len())]
        });
        if blank > 0 && name.is_some_and(|name| BLOCKS.contains(&name)) {
            rest = next;
        }
    }
    out.push_str(rest);
    out
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

/// Synthetic results for tests outside the report.
#[cfg(test)]
pub(crate) mod test_support {
    use super::data::tests::{entry, run_of};
    use crate::results::ResultsFile;

    /// A results file of two entries on `compute` on a synthetic machine.
    pub(crate) fn run_file(label: &str) -> ResultsFile {
        let entries = vec![
            entry("compute", "sequential", "sequential", 1, 2000.0),
            entry("compute", "closure", "rayon", 2, 1100.0),
        ];
        run_of(label, entries).file
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn blanks_go_before_blocks_only() {
        let html = "<ul>\n  <li>a <strong>b</strong>\n  <em>c</em>\n  <li>d\n</ul>\n<p>e</p> f";
        assert_eq!(
            super::without_blanks_before_blocks(html),
            "<ul><li>a <strong>b</strong>\n  <em>c</em><li>d\n</ul><p>e</p> f"
        );
    }

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
