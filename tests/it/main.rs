//! The integration tests, in one binary: each file of this folder is a
//! module of it. One binary links the library once, where sixteen did it
//! sixteen times, and libtest runs all of their tests on every core at
//! once, where sixteen binaries ran one after another.
//!
//! Three targets stay apart (`Cargo.toml`): `tests/browser.rs` and
//! `tests/python.rs`, whose trials need a tool from outside Rust and their
//! own harness (`support/tools.rs`), and `tests/memory.rs`, whose
//! allocation counter is process-wide: nothing else may allocate while it
//! counts.

mod cli;
mod criterion_dir;
mod fleet;
mod fuzz;
mod layers;
mod matrix;
mod problem;
mod process;
mod report;
mod results;
mod sweep;
