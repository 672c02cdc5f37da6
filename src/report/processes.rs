//! The seed's memory question in its own terms, as tables: Rust threads,
//! Rust worker processes (backend `process`) and Python's
//! `multiprocessing.Pool` (backend `python_pool`) side by side on the
//! workloads of overhead, memory bandwidth and state size. The question's
//! answer, and what it compares (the backends, the entries, the thread
//! count), are the findings' (`findings/processes.rs`); the page calls
//! [`views`] and nothing else.

use serde::Serialize;

use super::columns::{Cells, View, With, columns};
use super::data::{Run, purpose_of, workloads_of};
use super::elements::{Head, Row, Table};
use super::findings::{SIDE_BY_SIDE_BACKENDS, compared_threads, steady_entries};
use super::format::threads;
use crate::backends;
use crate::results::Benchmark;
use crate::roles::Role;
use crate::variants;
use crate::workload::Purpose;

/// The workloads shown side by side, by purpose.
const PURPOSES: [Purpose; 3] = [Purpose::Overhead, Purpose::MemoryBound, Purpose::StateSize];
/// The variants, by role: the baseline, the seed's idioms, its initializer,
/// shared memory and the per-task copy.
const ROLES: [Role; 7] = [
    Role::Baseline,
    Role::PartialIdiom,
    Role::CallableClassIdiom,
    Role::BoundMethodIdiom,
    Role::CopyPerWorker,
    Role::SharedOwnership,
    Role::CopyPerTask,
];

/// What the table's times are, for its note.
const TIMES_NOTE: &str = " Time per call is criterion's, and each backend (each group of \
     rows) was timed at a different moment on a host that moves between them: compare rows by \
     their paired speedup, each against its own group's sequential loop in the same rounds.";

/// Which call pays for the initializer's copies, for the table's note.
const INITIALIZER_NOTE: &str = " clone_per_worker (Rust) and the initializer (Python) send the \
     state once to each worker, before the calls shown: Rust's with the first call on its \
     initialised workers (the untimed oracle check), Python's when the pool starts (pickled \
     only when the start method is not fork); the rows show the calls after, which send none.";

/// One workload's side-by-side table.
#[derive(Debug, Serialize)]
pub struct ProcessesView {
    pub anchor: String,
    pub workload: String,
    pub threads: String,
    /// The sizes each side ran at.
    pub note: String,
    pub table: Table,
}

/// The side-by-side tables of one run.
pub fn views(run: &Run, anchor: &str) -> Vec<ProcessesView> {
    let file = &run.file;
    let cores = file.machine.logical_cores;
    let columns = columns(
        View::Processes,
        With {
            overhead: false,
            ..With::ALL
        },
    );
    workloads_of(&file.benchmarks)
        .into_iter()
        .filter(|w| PURPOSES.contains(&purpose_of(Some(file), w)))
        .filter_map(|workload| {
            let all = steady_entries(&file.benchmarks, workload);
            let at = compared_threads(&all, cores)?;
            let mut rows = Vec::new();
            let sequential = backends::Backend::id(&backends::Sequential);
            for role in ROLES {
                let wanted = if role == Role::Baseline { 1 } else { at };
                let of_role: Vec<&Benchmark> = (all.iter().copied())
                    .filter(|b| b.role == role && b.key.threads == wanted)
                    .collect();
                for backend in [sequential].iter().chain(SIDE_BY_SIDE_BACKENDS.iter()) {
                    rows.extend(
                        (of_role.iter().copied())
                            .filter(|b| !b.own_baseline && b.key.backend == *backend),
                    );
                }
                rows.extend(of_role.iter().copied().filter(|b| b.own_baseline));
            }
            let rust_items = all.iter().find(|b| !b.own_baseline).map(|b| b.items);
            let python_items = all.iter().find(|b| b.own_baseline).map(|b| b.items);
            let note = match (rust_items, python_items) {
                (Some(r), Some(p)) if r != p => format!(
                    "Rust ran {r} items per call, Python {p} (what Python handles in the budget; its speedups are over its own list comprehension)."
                ),
                _ => "Both ran the same items per call.".to_string(),
            };
            // Rows are timed in groups of their own, minutes apart: their
            // times do not compare, their paired speedups do.
            let note = format!("{note}{TIMES_NOTE}");
            // The initializer's note only where its rows are shown.
            let note = match rows.iter().any(|b| b.role == Role::CopyPerWorker) {
                true => note + INITIALIZER_NOTE,
                false => note,
            };
            Some(ProcessesView {
                anchor: format!("{anchor}-processes-{workload}"),
                workload: workload.to_string(),
                threads: threads(at),
                note,
                table: Table::new(
                    columns
                        .iter()
                        .map(|c| Head {
                            title: c.title,
                            numeric: c.numeric,
                            html: true,
                            summary: false,
                        })
                        .collect(),
                    rows.into_iter()
                        .map(|entry| Row {
                            family: variants::variant(&entry.key.variant)
                                .map_or("other", |v| v.python()),
                            cells: columns
                                .iter()
                                .map(|c| {
                                    (c.human)(&Cells {
                                        machine: run.label(),
                                        entry,
                                    })
                                })
                                .collect(),
                            fastest: false,
                        })
                        .collect(),
                ),
            })
        })
        .collect()
}
