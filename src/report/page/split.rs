//! A page of two or more machines split into an entry page and pages of
//! their own, so that the entry page stays small with fifty machines and
//! the folder still opens offline from disk: every machine's charts and
//! tables move to a page of their own beside the entry page
//! (`machine-<name>.html`, the same template showing one machine), and the
//! per-workload overlays and side-by-side tables to one more, each linked
//! relatively. An operation on the whole page, so it lives with the page.

use std::collections::HashSet;

use super::*;

/// Moves each machine's detail out of `page` into a page of its own, named
/// `<prefix>-<machine>.html` (unique, `[a-z0-9_-]`), and the per-workload
/// overlays and side-by-side tables into `side-by-side.html` (prefix
/// `machine`) or `<prefix>-side-by-side.html`, each linking back to `entry`
/// (the entry page's file name). Returns the entry page and the other pages
/// with their file names. A page of one machine stays whole.
pub fn split(mut page: Page, prefix: &str, entry: &str) -> (Page, Vec<(String, Page)>) {
    if page.machines.len() < 2 {
        return (page, Vec::new());
    }
    let mut taken = HashSet::new();
    let mut details = Vec::new();
    for m in &mut page.machines {
        // Cut to 64 bytes (an ASCII slug), as criterion cuts its folder
        // names: a label from a foreign file may be longer than a file
        // name can be (255 bytes on most file systems). Collisions are
        // numbered below.
        let mut slug = super::slug(&m.name);
        slug.truncate(64);
        let base = format!("{prefix}-{slug}");
        let mut name = format!("{base}.html");
        let mut n = 2;
        while !taken.insert(name.clone()) {
            name = format!("{base}-{n}.html");
            n += 1;
        }
        let detail = m.take_detail();
        m.page = Some(name.clone());
        details.push((
            name,
            Page {
                title: format!("{}: {}", page.title, m.name),
                generated_at: page.generated_at.clone(),
                source: page.source.clone(),
                criterion_report: page.criterion_report.clone(),
                warnings: Vec::new(),
                machines: vec![detail],
                comparison: None,
                across_caveats: Vec::new(),
                models_across: Vec::new(),
                across: None,
                index: Some(entry.to_string()),
            },
        ));
    }
    if let Some(across) = &mut page.across {
        for row in across.heat.iter_mut().flat_map(|h| h.rows.iter_mut()) {
            let machine = page.machines.iter().find(|m| m.name == row.machine);
            row.page = machine.and_then(|m| m.page.clone());
        }
        // The overlays and side-by-side tables grow with machines x
        // entries: a page of their own.
        if let Some(comparison) = page.comparison.take() {
            let name = match prefix {
                "machine" => "side-by-side.html".to_string(),
                _ => format!("{prefix}-side-by-side.html"),
            };
            across.workloads_page = Some(name.clone());
            details.push((
                name,
                Page {
                    title: format!("{}: every workload side by side", page.title),
                    generated_at: page.generated_at.clone(),
                    source: page.source.clone(),
                    criterion_report: None,
                    warnings: Vec::new(),
                    machines: page.machines.iter().map(MachineView::summary).collect(),
                    comparison: Some(comparison),
                    across_caveats: page.across_caveats.clone(),
                    models_across: std::mem::take(&mut page.models_across),
                    across: None,
                    index: Some(entry.to_string()),
                },
            ));
        }
    }
    (page, details)
}
