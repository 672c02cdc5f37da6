//! The elements every view of a page is made of: a chart ([`Chart`]: its
//! anchor, caption and SVG) and a table of entries ([`Table`], its
//! [`Head`]s and [`Row`]s). They live apart from `page` so that the views
//! the page gathers (`scaling`, `processes`, `across` and the page's own
//! sections) share them without importing the page: each view imports
//! this module, and only the page (and the renderings above it) imports
//! the views.

use serde::Serialize;

use super::charts::Svg;

/// A chart on the page: where it stands, what it shows, its drawing.
#[derive(Debug, Serialize)]
pub struct Chart {
    pub anchor: String,
    pub caption: String,
    pub svg: Svg,
}

/// A table of entries: the columns of the column table that its view shows
/// and its data has, and one row of formatted cells per entry.
#[derive(Debug, Serialize)]
pub struct Table {
    pub columns: Vec<Head>,
    pub rows: Vec<Row>,
    /// How many text columns lead the page's columns, when every page
    /// column after them is numeric: the page then aligns those cells by
    /// one rule for the table (`num-after-N`) instead of a class on each of
    /// them, which took 131 KB of a default run's 2.47 MB page.
    pub numeric_after: Option<usize>,
}

impl Table {
    /// The table of `columns` and `rows`.
    pub fn new(columns: Vec<Head>, rows: Vec<Row>) -> Table {
        let on_page: Vec<bool> = (columns.iter())
            .filter(|c| c.html)
            .map(|c| c.numeric)
            .collect();
        let leading = on_page.iter().take_while(|numeric| !**numeric).count();
        let numeric_after = (on_page[leading..].iter().all(|numeric| *numeric)
            && (1..=MAX_LEADING_TEXT).contains(&leading)
            && leading < on_page.len())
        .then_some(leading);
        Table {
            columns,
            rows,
            numeric_after,
        }
    }
}

/// The most leading text columns a table's one alignment rule serves
/// (`num-after-1` to `num-after-3` in the page's style).
const MAX_LEADING_TEXT: usize = 3;

/// A column of a [`Table`]: its title, and where it shows.
#[derive(Debug, Serialize)]
pub struct Head {
    pub title: &'static str,
    pub numeric: bool,
    /// Shown on the page.
    pub html: bool,
    /// Shown in `summary.md`.
    pub summary: bool,
}

/// A row of a [`Table`]: one entry's cells.
#[derive(Debug, Serialize)]
pub struct Row {
    /// The family label the rows are grouped under.
    pub family: &'static str,
    /// One per column; the first names the entry.
    pub cells: Vec<String>,
    pub fastest: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_aligns_every_table_a_table_can_say_it_is() {
        let style = include_str!("page.html");
        for n in 1..=MAX_LEADING_TEXT {
            let rule = format!(".num-after-{n} td:nth-child(n+{})", n + 1);
            assert!(style.contains(&rule), "page.html lacks {rule}");
        }
        let head = |numeric: bool| Head {
            title: "t",
            numeric,
            html: true,
            summary: false,
        };
        let table =
            |numeric: &[bool]| Table::new(numeric.iter().map(|&n| head(n)).collect(), Vec::new());
        assert_eq!(table(&[false, false, true, true]).numeric_after, Some(2));
        // Text after a number, no text, or no number: a class per cell.
        assert_eq!(table(&[false, true, false]).numeric_after, None);
        assert_eq!(table(&[true, true]).numeric_after, None);
        assert_eq!(table(&[false, false]).numeric_after, None);
        assert_eq!(table(&[]).numeric_after, None);
        let leading = vec![false; MAX_LEADING_TEXT + 1];
        assert_eq!(table(&[leading, vec![true]].concat()).numeric_after, None);
    }
}
