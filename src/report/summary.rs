//! `reports/summary.md`: the page's Answers (and, with several machines, the
//! verdict; each problem of the user's own, its own small table after the
//! built-in one), the evidence collapsed, and the best-thread-count tables as
//! markdown, for a pull request, a job summary or a terminal. It stays under
//! GitHub's 65,536 characters per comment ([`SUMMARY_LIMIT`]) with any
//! number of problems of one's own: the longest evidence sections are cut
//! to their first lines, then to their headings, each with a pointer to the
//! page ([`fit`]). The Answers are never cut. (fd14, a default run with the
//! two examples: 87,962 characters uncut, 64,718 with its three longest
//! tables cut to their first rows.)
//!
//! It renders the same [`Page`] model as the HTML, so the two never disagree.

use super::across::AcrossView;
use super::elements::Table;
use super::findings::{Finding, OPEN_LIST_MAX};
use super::format::{markdown_table, markdown_text};
use super::page::{AnswerRow, MachineView, Page, WorkloadView};

/// The lead of the summary: the title, warnings, the verdict across
/// machines when there are several, and each machine's Answers. Written
/// alone as `answers.md` (the workflow's job summary).
pub fn answers_markdown(page: &Page) -> String {
    let mut out = head(page);
    for m in &page.machines {
        out.push_str(&machine_head(m));
        out.push_str(&all_answers(m));
    }
    out
}

/// The machine's Answers table, then one per problem of the user's own
/// (after the built-in table, as on the page).
fn all_answers(m: &MachineView) -> String {
    // No built-in answers (a file of problems of one's own only): no table.
    let mut out = match m.answers.is_empty() {
        true => String::new(),
        false => answers_table(&m.answers),
    };
    for group in &m.own {
        out.push_str(&format!(
            "\n#### Your problem: {}\n\n",
            markdown_text(&group.workload)
        ));
        if !group.about.is_empty() {
            out.push_str(&format!("{}.\n\n", markdown_text(&group.about)));
        }
        out.push_str(&answers_table(&group.answers));
    }
    out
}

/// GitHub's limit on a pull-request comment, in characters: the summary
/// stays under it ([`fit`]).
pub const SUMMARY_LIMIT: usize = 65_536;

/// Where a section cut to fit sends its reader.
const ON_THE_PAGE: &str = "cut to fit a pull-request comment: the whole of it is on the HTML \
                           page, index.html or the machine's page beside it";

/// One section of the summary, as written in full, and shorter the further
/// it is cut: `levels[0]` in full, each next one shorter. A section with
/// one level (the head, the Answers) is never cut.
struct Section {
    levels: Vec<String>,
    /// The level written.
    cut: usize,
}

impl Section {
    /// Never cut: the head, a machine's facts, the Answers.
    fn kept(text: String) -> Section {
        Section {
            levels: vec![text],
            cut: 0,
        }
    }

    /// Cut, when the summary is too long, to `first_lines`, then to
    /// `pointer`: each only where it is shorter than the level before (a
    /// finding of one sentence is shorter whole than with a pointer).
    fn evidence(full: String, first_lines: String, pointer: String) -> Section {
        let mut levels = vec![full];
        for shorter in [first_lines, pointer] {
            let last = levels.last().expect("the full text").chars().count();
            if shorter.chars().count() < last {
                levels.push(shorter);
            }
        }
        Section { levels, cut: 0 }
    }

    fn text(&self) -> &str {
        &self.levels[self.cut]
    }
}

/// Joins `sections`, cutting the longest evidence section one level at a
/// time (to its first lines, then to a pointer to the page) until the whole
/// is under `limit` characters or nothing is left to cut. The Answers are
/// never cut: with enough problems of one's own they alone may pass the
/// limit, and are still written whole.
fn fit(mut sections: Vec<Section>, limit: usize) -> String {
    let chars = |s: &Section| s.text().chars().count();
    let mut total: usize = sections.iter().map(chars).sum();
    while total >= limit {
        let longest = (sections.iter_mut())
            .filter(|s| s.cut + 1 < s.levels.len())
            .max_by_key(|s| s.text().chars().count());
        let Some(section) = longest else { break };
        total -= chars(section);
        section.cut += 1;
        total += chars(section);
    }
    sections.iter().map(Section::text).collect()
}

/// Each finding's evidence, collapsed: one section each.
fn evidence(findings: &[Finding]) -> Vec<Section> {
    let mut sections = Vec::new();
    for finding in findings {
        let open = format!(
            "<details><summary>{}</summary>\n\n{}\n\n",
            finding.question,
            markdown_text(&finding.answer)
        );
        let mut full = open.clone();
        if let Some(grid) = &finding.grid {
            let head: Vec<&str> = grid.head.iter().map(String::as_str).collect();
            full.push_str(&markdown_table(&head, &grid.rows));
            full.push('\n');
        }
        full.push_str(&capped_list(&finding.details));
        full.push_str("\n</details>\n\n");
        let first_lines = format!("{open}({ON_THE_PAGE}.)\n\n</details>\n\n");
        let pointer = format!(
            "<details><summary>{}</summary>\n\n({ON_THE_PAGE}.)\n\n</details>\n\n",
            finding.question
        );
        sections.push(Section::evidence(full, first_lines, pointer));
    }
    sections
}

/// The best-thread-count table of one workload, with its legend and marks:
/// cut to its first rows, then to its heading.
fn best_section(workload: &WorkloadView) -> Section {
    let heading = format!(
        "\n### {}: best thread count per variant and backend\n\n",
        markdown_text(&workload.id)
    );
    let table = best_table(&workload.best);
    let mut full = heading.clone() + &table;
    full.push_str(&format!("\n{}\n", markdown_text(&workload.legend)));
    full.push_str(&capped_list(&workload.marks));
    // The header, its rule and the first rows.
    let shown = 2 + FIRST_ROWS;
    let mut first_lines: String = table.split_inclusive('\n').take(shown).collect();
    let rows = workload.best.rows.len();
    first_lines.push_str(&match rows > FIRST_ROWS {
        true => format!(
            "\n… and {} more rows, the legend and the marks ({ON_THE_PAGE}).\n",
            rows - FIRST_ROWS
        ),
        false => format!("\nThe legend and the marks: {ON_THE_PAGE}.\n"),
    });
    let pointer = format!("{heading}({ON_THE_PAGE}.)\n");
    Section::evidence(full, heading + &first_lines, pointer)
}

/// The rows a best-thread-count table keeps when cut to fit.
const FIRST_ROWS: usize = 3;

/// The summary of `page` as markdown: [`answers_markdown`], then each
/// machine's evidence (each finding collapsed, lists cut to their first
/// [`OPEN_LIST_MAX`] items) and the best-thread-count tables, cut to fit
/// under [`SUMMARY_LIMIT`] when it would be longer ([`fit`]).
pub fn markdown(page: &Page) -> String {
    let text = |s: &str| markdown_text(s);
    let mut sections = vec![Section::kept(head(page))];
    for m in &page.machines {
        sections.push(Section::kept(machine_head(m) + &all_answers(m)));
        sections.push(Section::kept("\n### Evidence\n\n".to_string()));
        sections.extend(evidence(&m.findings));
        for group in &m.own {
            sections.push(Section::kept(format!(
                "#### Your problem: {}\n\n",
                text(&group.workload)
            )));
            sections.extend(evidence(&group.findings));
        }
        sections.extend((m.workloads.iter().filter(|w| w.steady)).map(best_section));
    }
    fit(sections, SUMMARY_LIMIT)
}

/// Title, source, warnings and the verdict across machines.
fn head(page: &Page) -> String {
    let mut out = format!(
        "# {}\n\nGenerated {} from {}.\n",
        page.title,
        page.generated_at,
        markdown_text(&page.source)
    );
    if page.machines.is_empty() {
        out.push_str("\nNo runs were found.\n");
    }
    if !page.warnings.is_empty() {
        out.push_str("\n## Warnings\n\n");
        out.push_str(&capped_list(&page.warnings));
    }
    if let Some(across) = &page.across {
        out.push_str("\n## Verdict: which answers hold on every machine\n\n");
        out.push_str(&verdict_table(across));
    }
    out
}

/// A machine's heading, its facts, and the Answers heading.
fn machine_head(m: &MachineView) -> String {
    let text = |s: &str| markdown_text(s);
    format!(
        "\n## {}\n\n{}, {}, {} memory, {}; {} run started {}.\n\n### Answers\n\n",
        text(&m.name),
        text(&m.cpu),
        m.cores,
        m.memory,
        text(&m.os),
        text(&m.profile),
        text(&m.started_at)
    )
}

/// The first [`OPEN_LIST_MAX`] items as a markdown list, and how many more
/// the page holds.
fn capped_list(items: &[String]) -> String {
    let mut out: String = items
        .iter()
        .take(OPEN_LIST_MAX)
        .map(|item| format!("- {}\n", markdown_text(item)))
        .collect();
    if items.len() > OPEN_LIST_MAX {
        out.push_str(&format!(
            "- … and {} more (every one on the HTML page)\n",
            items.len() - OPEN_LIST_MAX
        ));
    }
    out
}

/// The Answers table: question, answer in words, key figure, margin.
fn answers_table(answers: &[AnswerRow]) -> String {
    let rows: Vec<Vec<String>> = answers
        .iter()
        .map(|a| {
            vec![
                a.question.to_string(),
                format!("**{}**", markdown_text(&a.short)),
                markdown_text(&a.figure),
                a.margin.clone(),
            ]
        })
        .collect();
    markdown_table(&["question", "answer", "key figure", "margin"], &rows)
}

/// The verdict across machines: each question's answers on the common
/// points, whether they agree, and on how many points they rest.
fn verdict_table(across: &AcrossView) -> String {
    let mut headers = vec!["question", "agree", "common points"];
    headers.extend(across.machines.iter().map(String::as_str));
    let rows: Vec<Vec<String>> = across
        .verdicts
        .iter()
        .map(|v| {
            let mut row = vec![
                v.question.clone(),
                match (v.common_points, v.agree) {
                    (0, _) => "— (no common point)",
                    (_, true) => "yes",
                    (_, false) => "no",
                }
                .to_string(),
                v.common_points.to_string(),
            ];
            row.extend(v.answers.iter().map(|a| markdown_text(a)));
            row
        })
        .collect();
    markdown_table(&headers, &rows)
}

/// The summary's columns of a page table (the column table's summary
/// view); the fastest entry's first cell in bold.
fn best_table(table: &Table) -> String {
    let shown: Vec<usize> = (0..table.columns.len())
        .filter(|&i| table.columns[i].summary)
        .collect();
    let headers: Vec<&str> = shown.iter().map(|&i| table.columns[i].title).collect();
    let rows: Vec<Vec<String>> = table
        .rows
        .iter()
        .map(|r| {
            shown
                .iter()
                .enumerate()
                .map(|(k, &i)| match (k, r.fastest) {
                    (0, true) => format!("**{}** (fastest)", r.cells[i]),
                    _ => r.cells[i].clone(),
                })
                .collect()
        })
        .collect();
    markdown_table(&headers, &rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_longest_evidence_is_cut_first_and_the_answers_never() {
        let level = |c: char, n: usize| c.to_string().repeat(n);
        let sections = || {
            vec![
                Section::kept(level('A', 50)),
                Section::evidence(level('x', 40), level('x', 10), level('x', 2)),
                Section::evidence(level('y', 30), level('y', 20), level('y', 1)),
            ]
        };
        // 120 characters: under 121, nothing is cut.
        assert_eq!(fit(sections(), 121).len(), 120);
        // Under 100: the longest (x) goes to its first lines: 50 + 10 + 30.
        assert_eq!(
            fit(sections(), 100),
            level('A', 50) + &level('x', 10) + &level('y', 30)
        );
        // Under 81: then y, now the longest: 50 + 10 + 20.
        assert_eq!(fit(sections(), 81).len(), 80);
        // Under 60: both down to their pointers, the Answers whole.
        assert_eq!(
            fit(sections(), 60),
            level('A', 50) + &level('x', 2) + &level('y', 1)
        );
        // Nothing left to cut: the Answers are still written whole.
        assert_eq!(fit(sections(), 10).len(), 53);
        // A level no shorter than the one before is no cut: skipped.
        let short = vec![Section::evidence(
            level('s', 5),
            level('s', 9),
            level('s', 3),
        )];
        assert_eq!(fit(short, 1), level('s', 3));
        // Characters, not bytes.
        let wide = vec![Section::evidence(
            level('×', 10),
            level('×', 5),
            String::new(),
        )];
        assert_eq!(fit(wide, 11), level('×', 10));
    }
}
