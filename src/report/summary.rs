//! `reports/summary.md`: the page's Answers (and, with several machines, the
//! verdict; each problem of the user's own, its own small table after the
//! built-in one), the evidence collapsed, and the best-thread-count tables as
//! markdown, for a pull request (under GitHub's 65,536 characters for one
//! machine's default run), a job summary or a terminal.
//!
//! It renders the same [`Page`] model as the HTML, so the two never disagree.

use super::across::AcrossView;
use super::findings::{Finding, OPEN_LIST_MAX};
use super::format::{markdown_table, markdown_text};
use super::page::{AnswerRow, MachineView, Page, Table};

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

/// Each finding's evidence, collapsed.
fn evidence(findings: &[Finding]) -> String {
    let mut out = String::new();
    for finding in findings {
        out.push_str(&format!(
            "<details><summary>{}</summary>\n\n{}\n\n",
            finding.question,
            markdown_text(&finding.answer)
        ));
        if let Some(grid) = &finding.grid {
            let head: Vec<&str> = grid.head.iter().map(String::as_str).collect();
            out.push_str(&markdown_table(&head, &grid.rows));
            out.push('\n');
        }
        out.push_str(&capped_list(&finding.details));
        out.push_str("\n</details>\n\n");
    }
    out
}

/// The summary of `page` as markdown: [`answers_markdown`], then each
/// machine's evidence (each finding collapsed, lists cut to their first
/// [`OPEN_LIST_MAX`] items) and the best-thread-count tables.
pub fn markdown(page: &Page) -> String {
    let text = |s: &str| markdown_text(s);
    let mut out = head(page);
    for m in &page.machines {
        out.push_str(&machine_head(m));
        out.push_str(&all_answers(m));
        out.push_str("\n### Evidence\n\n");
        out.push_str(&evidence(&m.findings));
        for group in &m.own {
            out.push_str(&format!("#### Your problem: {}\n\n", text(&group.workload)));
            out.push_str(&evidence(&group.findings));
        }
        for workload in m.workloads.iter().filter(|w| w.steady) {
            out.push_str(&format!(
                "\n### {}: best thread count per variant and backend\n\n",
                text(&workload.id)
            ));
            out.push_str(&best_table(&workload.best));
            out.push_str(&format!("\n{}\n", text(&workload.legend)));
            out.push_str(&capped_list(&workload.marks));
        }
    }
    out
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
