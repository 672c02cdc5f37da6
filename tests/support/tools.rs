//! Tests that need a tool from outside Rust (Chromium, python3) never pass
//! by skipping. Each is a trial of a `harness = false` test target
//! (libtest-mimic, which prints what libtest prints): where its tool is
//! missing it is reported `ignored` with the reason, so `cargo test`'s
//! summary counts it, or, where `PARBENCH_REQUIRE_TOOLS` names the tool,
//! it fails. `.ci/run` sets `PARBENCH_REQUIRE_TOOLS=chromium,python3`; the
//! workflow requires python3 where its runners have it.

use libtest_mimic::{Arguments, Completion, Failed, Trial};

/// The variable naming the tools that must be present: a comma-separated
/// list (`chromium,python3`), or `1` or `all` for every tool.
pub const REQUIRE: &str = "PARBENCH_REQUIRE_TOOLS";

/// Whether `PARBENCH_REQUIRE_TOOLS` requires `tool`.
pub fn required(tool: &str) -> bool {
    let value = std::env::var(REQUIRE).unwrap_or_default();
    value
        .split(',')
        .map(str::trim)
        .any(|name| name == tool || name == "1" || name == "all")
}

/// A trial named `name` that needs `tool`: `find` looks for it, and `body`
/// runs with what it found (a panic fails the trial).
pub fn trial<T>(name: &str, tool: &'static str, find: fn() -> Option<T>, body: fn(T)) -> Trial
where
    T: 'static,
{
    Trial::ignorable_test(name, move || match find() {
        Some(found) => {
            body(found);
            Ok(Completion::Completed)
        }
        None if required(tool) => Err(Failed::from(format!(
            "{tool} not found on the PATH, and {REQUIRE} requires it"
        ))),
        None => Ok(Completion::ignored_with(format!(
            "{tool} not found on the PATH; {REQUIRE}={tool} makes this a failure"
        ))),
    })
}

/// Runs `trials` with libtest's command line (filters, `--list`, ...).
pub fn run(trials: Vec<Trial>) {
    libtest_mimic::run(&Arguments::from_args(), trials).exit();
}
