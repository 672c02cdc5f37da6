//! parbench: what each way of parallelising one problem really costs.
//!
//! A Python cheat sheet maps `(a + b) * const` over
//! `zip(range(20), range(100, 120))` with `multiprocessing.Pool.map`, passing
//! the constant three ways (`functools.partial`, a callable class, a bound
//! method), and leaves two questions open: does a function object copy its
//! state less than `partial`, and what does shared mutable state cost?
//! parbench answers both in Rust, with measurements, over a matrix:
//!
//! - [`problem`]: what parbench parallelises: the trait a problem
//!   implements (the seed's workloads and a user's own), and the oracle;
//! - [`profile`]: the configuration of a run: profiles and thread counts;
//! - [`roles`]: the parts variants play and their families, which the
//!   workloads, the records and the findings name instead of variants;
//! - [`workload`]: the seed problem and its cost knobs, named presets;
//! - [`schedule`]: the contract between variants and backends: chunks,
//!   tasks, the scheduler, what a call produced;
//! - [`variants`]: how the function and its state reach the threads;
//! - [`backends`]: who runs the work (the sequential loop, rayon, crossbeam,
//!   `std::thread::scope`, worker processes);
//! - [`job`]: the work of one call as data, which executors run;
//! - [`matrix`]: the combinations, and running one against the oracle;
//! - [`key`]: the one identity of a benchmark and its text form;
//! - [`memory`]: counting what one call allocates and copies;
//! - [`model`]: scaling models (Karp-Flatt, Amdahl, USL) fitted to the speedups;
//! - [`paired`]: the paired sampler behind every ratio, and its intervals;
//! - [`python_pool`]: the seed's own Python (`multiprocessing.Pool`), measured beside Rust;
//! - [`calibration`]: the host's speed at the start and end of a run;
//! - [`sweep`]: what `cargo bench` measures (the plan, the bench's
//!   arguments, pairing, progress), and turning it into results;
//! - [`break_even`]: the break-even map, sequential against parallel over work per call;
//! - [`harness_overhead`]: parbench's own cost per call, against the same map written by hand;
//! - [`own`]: the matrix over a problem of the user's own, run by its own
//!   bench binary ([`bench_main!`]);
//! - [`criterion_dir`]: the only reader of criterion's JSON;
//! - [`results`]: the versioned results file, one per machine;
//! - [`store`]: that file while a run writes it: locked, written per group, resumable;
//! - [`machine`]: the machine fingerprint and its measured ceiling;
//! - [`report`]: the HTML report, `summary.md`, comparisons and exports, from results files;
//! - [`cmd`]: the subcommands of the `parbench` binary, one file each.
//!
//! The modules are layered ([`LAYERS`], lowest first): each imports only
//! from its own layer and those below, and `tests/it/layers.rs` enforces it.
//!
//! The library installs no global allocator: programs that want memory
//! figures install [`memory::CountingAllocator`] themselves.

/// The layers of `src/`, lowest first: a module imports only from its own
/// layer and those below it, and no two modules import each other
/// (`tests/it/layers.rs` reads the source and enforces both).
///
/// - foundation knows nothing of the problem: the OS, the key, statistics
///   and the paired sampler, the allocator's counts, criterion's files, the
///   host's speed;
/// - problem: the configuration of a run, the roles variants play, the
///   workloads;
/// - execution: how a call runs (the contract between variants and
///   backends, the variants, jobs, the backends, the matrix);
/// - data: the results file and its one record type;
/// - measurement: what `cargo bench` runs to fill it (the machine, the
///   store, the sweep, the break-even grid, the harness overhead, the
///   Python baseline);
/// - reading: the models and the report, from results files only;
/// - edges: the subcommands (`main.rs` and the bench sit above them).
pub const LAYERS: &[(&str, &[&str])] = &[
    (
        "foundation",
        &[
            "platform",
            "seeded",
            "key",
            "paired",
            "memory",
            "criterion_dir",
            "calibration",
        ],
    ),
    ("problem", &["profile", "problem", "roles", "workload"]),
    (
        "execution",
        &["schedule", "variants", "job", "backends", "matrix"],
    ),
    ("data", &["results"]),
    (
        "measurement",
        &[
            "machine",
            "store",
            "sweep",
            "break_even",
            "harness_overhead",
            "python_pool",
            "own",
        ],
    ),
    ("reading", &["model", "report"]),
    ("edges", &["cmd"]),
];

pub mod backends;
pub mod break_even;
pub mod calibration;
pub mod cmd;
pub mod criterion_dir;
pub mod harness_overhead;
pub mod job;
pub mod key;
pub mod machine;
pub mod matrix;
pub mod memory;
pub mod model;
pub mod own;
pub mod paired;
pub mod platform;
pub mod problem;
pub mod profile;
pub mod python_pool;
pub mod report;
pub mod results;
pub mod roles;
pub mod schedule;
pub mod seeded;
pub mod store;
pub mod sweep;
pub mod variants;
pub mod workload;

/// The `main` of a bench binary that runs the strategy matrix over a
/// problem of your own: `parbench::bench_main!(MyProblem::new());` in
/// `benches/<name>.rs`, with `harness = false` (and `test = true`, so
/// `cargo test` checks every combination once) in `Cargo.toml`.
///
/// It installs parbench's counting allocator (the copies and bytes of
/// each call) as the binary's global allocator (so the bench cannot have
/// another one; call [`cmd::bench::main`] from a `main` of your own to keep
/// yours, and the bytes are then unknown), and calls
/// [`cmd::bench::main`]: `cargo bench` measures and merges the results
/// into `reports/runs/<machine>.json`, then writes the report;
/// `cargo test` (criterion's test mode) checks every combination against
/// the problem's sequential loop once; `--list` names the benchmarks.
///
/// `parbench::bench_main!(MyProblem::new(), serde)`, for a problem whose
/// state is serde's (`Serialize + DeserializeOwned`), also runs it on the
/// `process` backend: worker processes that are this same bench binary,
/// re-entered as workers ([`cmd::bench::main_with_workers`]).
#[macro_export]
macro_rules! bench_main {
    ($problem:expr, serde) => {
        #[global_allocator]
        static PARBENCH_ALLOCATOR: $crate::memory::CountingAllocator =
            $crate::memory::CountingAllocator;

        fn main() {
            $crate::cmd::bench::main_with_workers(
                $problem,
                ::std::path::Path::new(env!("CARGO_MANIFEST_DIR")),
            );
        }
    };
    ($problem:expr) => {
        #[global_allocator]
        static PARBENCH_ALLOCATOR: $crate::memory::CountingAllocator =
            $crate::memory::CountingAllocator;

        fn main() {
            $crate::cmd::bench::main($problem, ::std::path::Path::new(env!("CARGO_MANIFEST_DIR")));
        }
    };
}
