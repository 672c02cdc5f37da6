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
        for workload in &m.workloads {
            out.push_str(&format!(
                "\n### {}: best thread count per variant and backend\n\n",
                text(&workload.id)
            ));
            out.push_str(&best_table(&workload.best));
        }
    }
    out
}

fn best_table(table: &Table) -> String {
    let mut headers = vec![
        "variant",
        "backend",
        "threads",
        "time (95% CI)",
        "speedup",
        "efficiency",
    ];
    if table.show_overhead {
        headers.push("overhead (µs)");
    }
    if table.show_memory {
        headers.extend(["state copies", "allocated", "peak live"]);
    }
    let rows: Vec<Vec<String>> = table
        .rows
        .iter()
        .map(|r| {
            let variant = if r.fastest {
                format!("**{}** (fastest)", r.variant)
            } else {
                r.variant.clone()
            };
            let mut cells = vec![
                variant,
                r.backend.clone(),
                r.threads.to_string(),
                r.time.clone(),
                r.speedup.clone(),
                r.efficiency.clone(),
            ];
            if table.show_overhead {
                cells.push(r.overhead_us.clone());
            }
            if table.show_memory {
                cells.extend([r.copies.clone(), r.allocated.clone(), r.peak_live.clone()]);
            }
            cells
        })
        .collect();
    markdown_table(&headers, &rows)
}
