//! `reports/summary.md`: the page's findings and best-thread-count tables as
//! markdown, for a pull request or a terminal.
//!
//! It renders the same [`Page`] model as the HTML, so the two never disagree.

use super::format::{markdown_table, markdown_text};
use super::page::{Page, Table};

/// The summary of `page` as markdown.
pub fn markdown(page: &Page) -> String {
    let text = |s: &str| markdown_text(s);
    let mut out = format!(
        "# {}\n\nGenerated {} from {}.\n",
        page.title,
        page.generated_at,
        text(&page.source)
    );
    if page.machines.is_empty() {
        out.push_str("\nNo runs were found.\n");
    }
    if !page.warnings.is_empty() {
        out.push_str("\n## Warnings\n\n");
        for warning in &page.warnings {
            out.push_str(&format!("- {}\n", text(warning)));
        }
    }
    for m in &page.machines {
        out.push_str(&format!(
            "\n## {}\n\n{}, {}, {} memory, {}; {} run started {}.\n\n### Findings\n\n",
            text(&m.name),
            text(&m.cpu),
            m.cores,
            m.memory,
            text(&m.os),
            text(&m.profile),
            text(&m.started_at)
        ));
        for finding in &m.findings {
            out.push_str(&format!(
                "- **{}** {}\n",
                finding.question,
                text(&finding.answer)
            ));
            for detail in &finding.details {
                out.push_str(&format!("  - {}\n", text(detail)));
            }
        }
        for workload in m.workloads.iter().filter(|w| w.steady) {
            out.push_str(&format!(
                "\n### {}: best thread count per variant and backend\n\n",
                text(&workload.id)
            ));
            out.push_str(&best_table(&workload.best));
            out.push_str(&format!("\n{}\n", text(&workload.legend)));
            for mark in &workload.marks {
                out.push_str(&format!("- {}\n", text(mark)));
            }
        }
    }
    out
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
