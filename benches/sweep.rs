//! The criterion sweep behind `cargo bench`: times every planned
//! (workload, variant, backend, threads), each first checked against the
//! oracle in an untimed pass that also counts its copies and allocations,
//! then writes this machine's results file (`reports/runs/<label>.json`) and
//! the HTML report over every results file (`reports/index.html`).
//!
//! Benchmark ids keep the dimensions apart: group = workload,
//! function = `variant/backend`, parameter = threads. The plan, profiles
//! and bookkeeping live in `parbench::sweep`.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use criterion::{BenchmarkId, Criterion, PlottingBackend, Throughput};
use parbench::backends::Executor;
use parbench::matrix::{self, Problem};
use parbench::results::{self, ResultsFile, RunInfo, SCHEMA_VERSION};
use parbench::sweep::{self, BenchArgs, Checked, Planned, Profile, Progress};
use parbench::workload::WORKLOADS;
use parbench::{criterion_dir, machine, report};

fn main() {
    if let Err(err) = sweep_main() {
        eprintln!("parbench sweep: {err:#}");
        std::process::exit(1);
    }
}

fn sweep_main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let bench_args = BenchArgs::parse(&args)?;
    let profile = Profile::parse(std::env::var("PARBENCH_PROFILE").ok().as_deref())?;
    let threads = sweep::threads_from(
        std::env::var("PARBENCH_THREADS").ok().as_deref(),
        num_cpus::get(),
    )?;
    let settings = bench_args.settings(profile)?;
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let home = criterion_dir::home(repo);

    let mut criterion = Criterion::default()
        .output_directory(&home)
        .plotting_backend(PlottingBackend::Plotters)
        .warm_up_time(Duration::from_millis(settings.warm_up_ms))
        .measurement_time(Duration::from_millis(settings.measurement_ms))
        .sample_size(settings.sample_size as usize)
        .nresamples(settings.nresamples as usize);
    if !profile.criterion_plots() {
        criterion = criterion.without_plots();
    }
    let mut criterion = criterion.configure_from_args();

    let run_started = std::time::SystemTime::now();
    let started_at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let plan = sweep::plan(profile, &threads);
    let selected: Vec<Planned> = plan
        .iter()
        .copied()
        .filter(|p| bench_args.filter.matches(&p.full_id()))
        .collect();
    println!(
        "parbench: profile {}, threads {threads:?}, {} of {} planned benchmarks selected",
        profile.id(),
        selected.len(),
        plan.len()
    );
    let ceiling = if bench_args.measuring && !selected.is_empty() {
        let ceiling = machine::measure_ceiling(&threads, Duration::from_millis(300));
        let shown: Vec<String> = ceiling
            .iter()
            .map(|p| format!("{}t: {:.2}x", p.threads, p.speedup))
            .collect();
        println!(
            "parbench: this machine's ceiling (spin loop vs 1 thread): {}",
            shown.join(", ")
        );
        ceiling
    } else {
        Vec::new()
    };

    let mut executors: HashMap<(&str, usize), Box<dyn Executor>> = HashMap::new();
    let mut progress = Progress::new(selected.len());
    let mut checked: Vec<(Planned, Checked)> = Vec::new();
    let mut mismatches: Vec<String> = Vec::new();
    for workload in WORKLOADS {
        let in_group: Vec<&Planned> = selected
            .iter()
            .filter(|p| p.group() == workload.id)
            .collect();
        if in_group.is_empty() {
            continue;
        }
        // Listing runs nothing: the small size is enough to name the benchmarks.
        let spec = if bench_args.listing {
            workload.quick
        } else {
            workload.full
        };
        let problem = Problem::new(spec).with_context(|| format!("workload {}", workload.id))?;
        let mut out = problem
            .output()
            .with_context(|| format!("workload {}", workload.id))?;
        let mut group = criterion.benchmark_group(workload.id);
        group.throughput(Throughput::Elements(workload.full.items as u64));
        for planned in in_group {
            let key = (planned.combo.backend_id(), planned.threads);
            // Pools and threads are built once per (backend, threads), before any timing.
            let exec: &dyn Executor = match executors.entry(key) {
                Entry::Occupied(built) => &**built.into_mut(),
                Entry::Vacant(slot) => {
                    &**slot.insert(matrix::executor(planned.backend(), planned.threads)?)
                }
            };
            let variant = planned.variant();
            if !bench_args.listing {
                println!("{}", progress.next(&planned.full_id()));
                match matrix::measure_once(&problem, variant, exec, &mut out) {
                    Ok(m) => checked.push((
                        *planned,
                        Checked {
                            footprint: m.footprint,
                            state_copies: m.state_copies,
                        },
                    )),
                    Err(err) => {
                        let line = format!(
                            "{}: does not match the oracle, not timed: {err:#}",
                            planned.full_id()
                        );
                        eprintln!("\n!!! MISMATCH {line}\n");
                        mismatches.push(line);
                        continue;
                    }
                }
            }
            group.bench_with_input(
                BenchmarkId::new(planned.function(), planned.threads),
                &(),
                |b, ()| {
                    b.iter(|| {
                        black_box(problem.run(variant, exec, &mut out))
                            .expect("checked against the oracle just before")
                    })
                },
            );
        }
        group.finish();
    }
    criterion.final_summary();

    if bench_args.measuring && !checked.is_empty() {
        let (mut found, unreadable) = criterion_dir::read_all(&home);
        // Only what criterion wrote during this run (not an older run's numbers).
        found.retain(|m| m.written.is_some_and(|t| t >= run_started));
        for problem in unreadable {
            eprintln!("parbench: warning: {problem}");
        }
        let (benchmarks, missing) = sweep::to_benchmarks(&checked, &found, &started_at);
        for id in missing {
            eprintln!("parbench: warning: criterion left no estimates for {id}");
        }
        let machine = machine::fingerprint(repo);
        let path = repo
            .join("reports")
            .join("runs")
            .join(format!("{}.json", machine.label));
        let run = RunInfo {
            started_at,
            profile: profile.id().to_string(),
            threads: threads.iter().map(|&t| t as u64).collect(),
            criterion: settings,
            ceiling,
        };
        let file = ResultsFile {
            schema_version: SCHEMA_VERSION,
            machine,
            run,
            benchmarks,
        };
        for warning in results::merge_into(&path, file)? {
            eprintln!("parbench: warning: {warning}");
        }
        println!("parbench: results written to {}", path.display());
    }
    if bench_args.measuring {
        let reports = repo.join("reports");
        let criterion_report = criterion_dir::html_report(&home);
        let outcome =
            report::write_report_with(&reports.join("runs"), &reports, Some(&criterion_report))?;
        for warning in &outcome.warnings {
            eprintln!("parbench: warning: {warning}");
        }
        println!(
            "parbench: report of {} machine(s) written to {}",
            outcome.runs,
            outcome.index.display()
        );
    }

    // Every selected benchmark was first checked against the oracle.
    if !bench_args.listing {
        println!(
            "oracle: {} passed, {} failed",
            checked.len(),
            mismatches.len()
        );
    }
    if !mismatches.is_empty() {
        bail!(
            "{} combinations did not match the oracle:\n{}",
            mismatches.len(),
            mismatches.join("\n")
        );
    }
    Ok(())
}
