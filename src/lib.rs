//! parbench: what each way of parallelising one problem really costs.
//!
//! A Python cheat sheet maps `(a + b) * const` over
//! `zip(range(20), range(100, 120))` with `multiprocessing.Pool.map`, passing
//! the constant three ways (`functools.partial`, a callable class, a bound
//! method), and leaves two questions open: does a function object copy its
//! state less than `partial`, and what does shared mutable state cost?
//! parbench answers both in Rust, with measurements, over a matrix:
//!
//! - [`workload`]: the seed problem and its cost knobs, named presets, the oracle;
//! - [`variants`]: how the function and its state reach the threads;
//! - [`backends`]: who runs the threads (rayon, crossbeam, `std::thread::scope`);
//! - [`matrix`]: the combinations, and running one against the oracle;
//! - [`memory`]: counting what one call allocates and copies;
//! - [`report`]: the HTML report, `summary.md`, comparisons and exports, from results files.

pub mod backends;
pub mod commands;
pub mod criterion_dir;
pub mod machine;
pub mod matrix;
pub mod memory;
pub mod report;
pub mod results;
pub mod sweep;
pub mod variants;
pub mod workload;

#[global_allocator]
static GLOBAL: memory::CountingAllocator = memory::CountingAllocator;
