//! `cargo bench`: criterion wired to `parbench::sweep::Sweep`.
//!
//! Criterion parses its own command line (filter, `--exact`, `--list`,
//! `--test`, windows ...) and decides what runs by calling a benchmark's
//! routine. The first call of a routine asks the sweep for the call to time,
//! which first checks it against the oracle and counts its memory, untimed.
//! Benchmark ids keep the dimensions apart: group = workload, function =
//! `variant/backend`, parameter = threads, so criterion's full id is the
//! benchmark's key. In `quick`, which criterion does not time
//! (`Profile::times_with_criterion`), each benchmark is only checked here,
//! under parbench's reading of the same filter, and the paired rounds give
//! its time. After each sweep [`parbench::sweep::Group`] (one
//! workload, backend and thread count) the sweep pairs it with the
//! sequential loop and writes it to this machine's results file
//! (`reports/runs/<label>.json`). After every workload it visits each
//! paired set once more (`Sweep::revisit`) and settles head to head the
//! comparisons the answers quote that both visits left undecided. Then,
//! under criterion's filter, parbench
//! measures its own harness overhead (`parbench::harness_overhead`), the
//! intermittent regime itself (each call after the caller's own work) and
//! the break-even map (`parbench::break_even`); at the end it calibrates the
//! host again and writes the report (`reports/index.html`).

use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result};
use criterion::{BenchmarkId, Criterion, PlottingBackend, Throughput};
use parbench::key::Key;
use parbench::memory::CountingAllocator;
use parbench::profile::Profile;
use parbench::sweep::{self, BenchArgs, Sizes, Sweep};
use parbench::{break_even, criterion_dir, harness_overhead, machine, paired, python_pool};

/// The untimed pass counts what each call allocates.
#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

fn main() {
    if let Err(err) = sweep_main() {
        eprintln!("parbench sweep: {err:#}");
        std::process::exit(1);
    }
}

fn sweep_main() -> Result<()> {
    // The process backend's workers: the parbench executable cargo built.
    parbench::backends::process::set_worker_program(env!("CARGO_BIN_EXE_parbench"));
    let args: Vec<String> = std::env::args().skip(1).collect();
    let bench_args = BenchArgs::parse(&args);
    let profile = Profile::parse(std::env::var("PARBENCH_PROFILE").ok().as_deref())?;
    let threads = parbench::profile::threads_from(
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

    let sizes = if bench_args.listing {
        Sizes::Quick // nothing runs: the small sizes name the same benchmarks
    } else {
        Sizes::Full
    };
    let mut sweep = Sweep::new(profile, threads, sizes);
    sweep.caller_work =
        sweep::caller_work_from(std::env::var("PARBENCH_CALLER_WORK_MS").ok().as_deref())?;
    let selected = bench_args.selector()?;
    println!(
        "parbench: profile {}, threads {:?}, {} planned benchmarks ({} of them intermittent)",
        profile.id(),
        sweep.threads,
        sweep.plan.len() + sweep.intermittent.len(),
        sweep.intermittent.len()
    );
    let ceiling = if bench_args.measuring {
        let ceiling = machine::measure_ceiling(&sweep.threads, Duration::from_millis(200));
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

    let reports = sweep::reports_dir(repo, std::env::var_os("PARBENCH_REPORTS_DIR"));
    let runs = reports.join("runs");
    if bench_args.measuring {
        let machine = machine::fingerprint(repo);
        let path = runs.join(format!("{}.json", machine.label));
        let resume = sweep::resume_from(std::env::var("PARBENCH_RESUME").ok().as_deref())?;
        sweep.begin(&path, machine, settings, ceiling, resume)?;
    }

    let sampling = profile.sampling();
    let groups = sweep.groups();
    let mut next = 0;
    while next < groups.len() {
        let workload = groups[next].workload;
        let mut criterion_group = criterion.benchmark_group(workload);
        let items = sweep.plan[groups[next].members.start].workload().full.items;
        criterion_group.throughput(Throughput::Elements(items as u64));
        while next < groups.len() && groups[next].workload == workload {
            let group = &groups[next];
            // A one-thread group runs on the calling thread's CPU, timed and
            // paired alike (`Sweep::hold_group` says why).
            let held = match bench_args.measuring {
                true => sweep.hold_group(group)?,
                false => None,
            };
            for index in group.members.clone() {
                if sweep.resumed(index) {
                    continue;
                }
                let key = sweep.plan[index].key();
                if bench_args.measuring && !profile.times_with_criterion() {
                    // Checked against the oracle here, untimed; the paired
                    // rounds time it (`group_done`), under parbench's filter.
                    if selected(&key) {
                        sweep
                            .call(index)
                            .with_context(|| format!("cannot set up {key}"))?;
                    }
                    continue;
                }
                let mut failed = None;
                criterion_group.bench_function(
                    BenchmarkId::new(key.function(), key.threads),
                    |b| match sweep.call(index) {
                        // The outcome's counts were checked untimed; the
                        // timed call only reads whether it failed (as the
                        // paired sampler does): copying the whole outcome
                        // out stalls on reading back what the call just
                        // wrote (a store-forwarding stall, issue 23).
                        Ok(Some(mut call)) => {
                            b.iter(|| call.run().map(drop).expect("checked against the oracle"))
                        }
                        // Not recorded: criterion times an empty routine in its place.
                        Ok(None) => b.iter(|| ()),
                        Err(err) => {
                            failed.get_or_insert(err);
                            b.iter(|| ())
                        }
                    },
                );
                if let Some(err) = failed {
                    return Err(err.context(format!("cannot set up {key}")));
                }
            }
            // Paired with the sequential loop, then written to the results
            // file at once: an interrupt keeps every finished group.
            for id in sweep.group_done(group, &home, &sampling)? {
                eprintln!("parbench: warning: criterion left no estimates for {id}");
            }
            sweep.release_group(group, held);
            next += 1;
        }
        // The two leading backends head to head, where the report asks
        // which backend is fastest on this workload.
        if bench_args.measuring {
            sweep.race_backends(workload, &sampling)?;
        }
        criterion_group.finish();
    }
    criterion.final_summary();
    if bench_args.measuring {
        // Every paired set once more, minutes after its first visit, so
        // that each interval takes in how far the host moved between the
        // two; then, head to head, the comparisons the answers quote that
        // both visits left undecided.
        let started = std::time::Instant::now();
        let (again, sets) = sweep.revisit(&sampling)?;
        if sets > 0 {
            println!(
                "parbench: {again} of {sets} paired sets visited again ({:.1} s)",
                started.elapsed().as_secs_f64()
            );
        }
        let mut workloads: Vec<&str> = groups.iter().map(|g| g.workload).collect();
        workloads.dedup();
        for workload in workloads {
            sweep.settle_comparisons(workload, &sampling)?;
        }
    }
    // What parbench's own steps do with a benchmark: measure it, or (in
    // criterion's test mode) check it against the oracle once.
    let mode = match bench_args.measuring {
        true => break_even::Mode::Measure,
        false => break_even::Mode::Check,
    };

    // parbench's own cost per call against the same map written by hand
    // (issue 23), under the same filter (`cargo bench -- harness_overhead`
    // runs it alone); in criterion's test mode each pairing is checked once.
    if bench_args.listing {
        for key in harness_overhead::keys(sweep.profile, &sweep.threads, num_cpus::get()) {
            if selected(&key) {
                println!("{key}: benchmark");
            }
        }
    } else {
        harness_overhead::run(&mut sweep, mode, &sampling, &selected)?;
    }

    // The intermittent regime: parbench's own sampler (criterion times back
    // to back only), under criterion's filter. In criterion's test mode
    // each is measured once, written nowhere.
    if bench_args.listing {
        for p in sweep.intermittent.iter().filter(|p| selected(&p.key())) {
            println!("{}: benchmark", p.key());
        }
    } else {
        let sampling = match bench_args.measuring {
            true => profile.intermittent_sampling(sweep.caller_work),
            false => paired::IntermittentSampling::once(
                sweep.caller_work,
                parbench::roles::INTERMITTENT_LOSS,
            ),
        };
        for group in sweep.intermittent_groups() {
            sweep.measure_intermittent(&group, &sampling, &selected)?;
        }
    }

    // The break-even map at the logical core count (issue 11), under the
    // same filter (`cargo bench -- break_even` runs it alone). In
    // criterion's test mode each cell is checked against the oracle once.
    let grid_threads = num_cpus::get();
    let mut grid_cells = 0;
    if bench_args.listing {
        for backend in break_even::parallel_backends(sweep.profile, grid_threads) {
            let key = Key::new(
                break_even::FILTER_ID,
                break_even::plain_map().id(),
                backend.id(),
                grid_threads as u64,
            );
            if selected(&key) {
                println!("{key}: benchmark");
            }
        }
    } else {
        grid_cells = break_even::run(&mut sweep, grid_threads, mode, &selected)?;
    }

    // The seed's own Python (backend python_pool), after every Rust part,
    // when python3 is on the PATH; under criterion's filter as a whole.
    let (python_passed, python_mismatches) =
        python_baseline(&mut sweep, profile, &bench_args, &selected)?;

    let (mut passed, mut mismatches) = sweep.oracle_counts();
    passed += python_passed;
    mismatches.extend(python_mismatches);
    if bench_args.measuring && (passed > 0 || grid_cells > 0 || sweep.resuming()) {
        sweep.finish()?;
        parbench::cmd::bench::write_report(repo, &reports)?;
    }
    // Every benchmark criterion ran was first checked against the oracle.
    if !bench_args.listing {
        println!("oracle: {passed} passed, {} failed", mismatches.len());
    }
    if !mismatches.is_empty() {
        anyhow::bail!(
            "{} combinations did not match the oracle:\n{}",
            mismatches.len(),
            mismatches.join("\n")
        );
    }
    Ok(())
}

/// Runs the Python baseline's plan for `profile` (the runs any of whose
/// keys criterion's filter selects), checks it against the oracle and
/// writes its records. Listing prints its keys; criterion's test mode and
/// a machine without python3 skip it (the latter with one line). Returns
/// the checked lines and the mismatches.
fn python_baseline(
    sweep: &mut Sweep,
    profile: Profile,
    bench_args: &BenchArgs,
    selected: &dyn Fn(&Key) -> bool,
) -> Result<(usize, Vec<String>)> {
    let keys = |run: &python_pool::PythonRun| -> Vec<Key> {
        python_pool::idioms()
            .flat_map(|variant| {
                run.workers.iter().map(move |&w| {
                    Key::new(run.workload, variant.id(), python_pool::BACKEND, w as u64)
                })
            })
            .collect()
    };
    let runs: Vec<python_pool::PythonRun> =
        python_pool::plan(profile, &sweep.threads, num_cpus::get())
            .into_iter()
            .filter(|run| keys(run).iter().any(selected))
            .collect();
    if bench_args.listing {
        for key in runs.iter().flat_map(keys) {
            println!("{key}: benchmark");
        }
        return Ok((0, Vec::new()));
    }
    if runs.is_empty() || !bench_args.measuring {
        return Ok((0, Vec::new()));
    }
    let Some(version) = python_pool::python3() else {
        println!("{}", python_pool::NO_PYTHON);
        return Ok((0, Vec::new()));
    };
    let started = std::time::Instant::now();
    println!(
        "parbench: the seed's own Python {version} (backend python_pool): {}",
        runs.iter()
            .map(|r| format!(
                "{} ({} items, {} state bytes)",
                r.workload, r.spec.items, r.spec.state_bytes
            ))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let measured = python_pool::measure(&runs, &sweep.started_at)?;
    for line in &measured.summary {
        println!("{line}");
    }
    sweep.record_extra(measured.benchmarks)?;
    println!(
        "parbench: the Python baseline took {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok((measured.passed, measured.mismatches))
}
