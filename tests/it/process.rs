//! The process backend: how the state travels (bytes and copies per
//! variant role), and its faults: a worker killed, stopped (hung) or
//! failing in the middle of a call is an error naming the worker and the
//! chunk, after which the pool works again; and no worker process outlives
//! its parent, whether the parent finishes, drops its pool or is killed.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use parbench::backends::process::fault::Fault;
use parbench::backends::process::{self, ProcessPool, WorkerProcesses as _, protocol};
use parbench::backends::{Executor, pool_map_chunk_len};
use parbench::job::Slots;
use parbench::matrix::{self, Measured, Prepared};

use parbench::variants::variant;
use parbench::workload::{Constants, Imbalance, Seed, Spec};

const PROGRAM: &str = env!("CARGO_BIN_EXE_parbench");

fn spec(items: usize, rounds: u32, state_bytes: usize) -> Spec {
    Spec {
        items,
        rounds,
        imbalance: Imbalance::Uniform,
        state_bytes,
    }
}

fn pool(threads: usize, timeout: Duration) -> ProcessPool {
    ProcessPool::start(Path::new(PROGRAM), threads, timeout).unwrap()
}

fn measure(problem: &Prepared<Seed>, id: &str, exec: &dyn Executor) -> Measured {
    let mut out = problem.output().unwrap();
    matrix::measure_once(problem, &problem.job(variant(id).unwrap()), exec, &mut out).unwrap()
}

#[test]
fn the_state_travels_as_python_sends_it() {
    // 256 KiB: 1 MiB took 4 s of a debug build, the copies most of it.
    const STATE: usize = 1 << 18;
    const ITEMS: usize = 100;
    let problem = Prepared::new(spec(ITEMS, 2, STATE)).unwrap();
    for threads in [1, 2, 3] {
        let exec = pool(threads, process::DEFAULT_TIMEOUT);
        let chunks = ITEMS.div_ceil(pool_map_chunk_len(ITEMS, threads)) as u64;
        let at = format!("threads={threads}");
        // partial, callable class, bound method, per-task copy: the state
        // is serialised with every chunk and deserialised into a fresh copy.
        for id in [
            "closure",
            "function_object",
            "method_reference",
            "clone_per_task",
        ] {
            let m = measure(&problem, id, &exec);
            assert_eq!(m.outcome.stats.chunks() as u64, chunks, "{id} {at}");
            assert_eq!(m.memory.state_copies, Some(chunks), "{id} {at}");
            let ipc = m.memory.ipc_bytes.unwrap();
            assert!(ipc >= chunks * STATE as u64, "{id} {at}: {ipc}");
            assert!(ipc < (chunks + 1) * STATE as u64, "{id} {at}: {ipc}");
        }
        // An initializer: the first call ships the state once to each
        // worker that ran; the workers keep it for the life of the pool, so
        // later calls (the counted one of `measure`) send none.
        let job = problem.job(variant("clone_per_worker").unwrap());
        let mut out = problem.output().unwrap();
        let first = problem.run_checked(&job, &exec, &mut out).unwrap();
        let figures = exec.last_call().unwrap();
        let used = first.stats.workers_used() as u64;
        assert!(used >= 1 && used <= threads as u64, "{at}");
        assert_eq!(figures.state_copies, used, "{at}");
        assert!(
            figures.ipc_bytes >= used * STATE as u64
                && figures.ipc_bytes < (used + 1) * STATE as u64,
            "{at}: {figures:?}"
        );
        let m = measure(&problem, "clone_per_worker", &exec);
        assert_eq!(m.memory.state_copies, Some(0), "{at}");
        assert!(
            m.memory.ipc_bytes.unwrap() < 16 * 1024,
            "{at}: {:?}",
            m.memory
        );
        // Another state is shipped again, once to each worker that runs.
        let other = Prepared::new(spec(ITEMS, 3, STATE)).unwrap();
        let again = other
            .run_checked(
                &other.job(variant("clone_per_worker").unwrap()),
                &exec,
                &mut out,
            )
            .unwrap();
        assert_eq!(
            exec.last_call().unwrap().state_copies,
            again.stats.workers_used() as u64,
            "{at}"
        );
        // Shared memory: nothing of the state is sent, nothing copied.
        let m = measure(&problem, "arc_state", &exec);
        assert_eq!(m.memory.state_copies, Some(0), "{at}");
        assert!(
            m.memory.ipc_bytes.unwrap() < 16 * 1024,
            "{at}: {:?}",
            m.memory
        );
        // Every worker reports its own peak RSS where the OS says.
        if cfg!(target_os = "linux") {
            let largest = m.memory.worker_peak_rss_bytes.unwrap();
            let sum = m.memory.worker_peak_rss_sum_bytes.unwrap();
            assert!(largest > 0 && sum >= largest, "{at}: {:?}", m.memory);
        }
        // The shared sums, through atomics of a shared mapping.
        for id in [
            "atomic_sum",
            "sharded_sum",
            "fold_reduce",
            "worker_per_thread",
        ] {
            measure(&problem, id, &exec);
        }
    }
}

/// A call long enough to interfere with: 64 items of 2 million rounds.
#[cfg(unix)]
fn long_problem() -> Prepared<Seed> {
    Prepared::new(spec(64, 2_000_000, 0)).unwrap()
}

/// Sends `signal` to the first worker of `exec` after `after`, from another thread.
#[cfg(unix)]
fn signal_later(
    exec: &ProcessPool,
    signal: libc::c_int,
    after: Duration,
) -> std::thread::JoinHandle<()> {
    let pid = exec.worker_pids()[0];
    std::thread::spawn(move || {
        std::thread::sleep(after);
        // SAFETY: kill(2) on a pid of our own child, which we have not reaped.
        unsafe { libc::kill(pid as libc::pid_t, signal) };
    })
}

/// After a fault the same pool computes correctly again, with new workers.
fn works_again(exec: &ProcessPool, old: &[u32]) {
    let problem = Prepared::new(spec(50, 3, 4096)).unwrap();
    let mut out = problem.output().unwrap();
    problem
        .run_checked(&problem.job(variant("closure").unwrap()), exec, &mut out)
        .unwrap();
    let new = exec.worker_pids();
    assert_eq!(new.len(), old.len());
    assert!(
        new.iter().all(|pid| !old.contains(pid)),
        "{old:?} -> {new:?}"
    );
    assert!(old.iter().all(|&pid| !alive(pid)), "{old:?} still alive");
}

#[cfg(unix)]
#[test]
fn a_worker_killed_in_the_middle_of_a_call_is_an_error_naming_it() {
    let exec = pool(2, process::DEFAULT_TIMEOUT);
    let old = exec.worker_pids();
    let problem = long_problem();
    let mut out = problem.output().unwrap();
    let killer = signal_later(&exec, libc::SIGKILL, Duration::from_millis(150));
    let err = problem
        .run(&problem.job(variant("closure").unwrap()), &exec, &mut out)
        .unwrap_err()
        .to_string();
    killer.join().unwrap();
    assert!(
        err.contains(&format!("worker 0 (pid {})", old[0])) && err.contains("chunk"),
        "{err}"
    );
    assert!(
        err.contains("signal: 9") || err.contains("SIGKILL"),
        "{err}"
    );
    works_again(&exec, &old);
}

#[cfg(unix)]
#[test]
fn a_hung_worker_is_an_error_after_the_timeout() {
    let exec = pool(2, Duration::from_secs(1));
    let old = exec.worker_pids();
    let problem = long_problem();
    let mut out = problem.output().unwrap();
    let stopper = signal_later(&exec, libc::SIGSTOP, Duration::from_millis(150));
    let started = std::time::Instant::now();
    let err = problem
        .run(&problem.job(variant("closure").unwrap()), &exec, &mut out)
        .unwrap_err()
        .to_string();
    stopper.join().unwrap();
    assert!(started.elapsed() >= Duration::from_secs(1), "{err}");
    assert!(
        err.contains("did not finish chunk") && err.contains("hung") && err.contains("worker"),
        "{err}"
    );
    // The stopped worker was killed and reaped with its pool.
    works_again(&exec, &old);
}

#[test]
fn a_failing_chunk_is_an_error_naming_worker_and_chunk() {
    let exec = pool(2, process::DEFAULT_TIMEOUT);
    let old = exec.worker_pids();
    // A state whose knobs say 128 bytes of table where it holds 64: the
    // worker cannot rebuild it.
    let mut problem = Prepared::new(spec(20, 0, 64)).unwrap();
    let mut state = Constants::new(spec(20, 0, 64)).unwrap();
    state.spec.state_bytes = 128;
    problem.state = Arc::new(state);
    let job = problem.job(variant("closure").unwrap());
    let err = exec
        .execute(&job, &problem, Slots::of(&mut [0u64; 20]))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("worker") && err.contains("failed on chunk") && err.contains("128"),
        "{err}"
    );
    works_again(&exec, &old);
}

#[test]
fn a_missing_worker_program_is_named() {
    let missing = Path::new("/nonexistent/parbench");
    process::set_worker_program(missing);
    let err = process::worker_program().unwrap_err().to_string();
    process::set_worker_program(PROGRAM);
    assert!(err.contains("/nonexistent/parbench"), "{err}");
}

#[test]
fn dropping_the_pool_ends_every_worker() {
    let exec = pool(3, process::DEFAULT_TIMEOUT);
    let pids = exec.worker_pids();
    assert!(pids.iter().all(|&pid| alive(pid)));
    drop(exec);
    assert!(pids.iter().all(|&pid| !alive(pid)), "{pids:?}");
}

/// Is `pid` a live process (not gone, not a zombie)?
fn alive(pid: u32) -> bool {
    if !cfg!(target_os = "linux") {
        return false; // only Linux is checked
    }
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => !stat
            .rsplit(')')
            .next()
            .is_some_and(|rest| rest.trim_start().starts_with('Z')),
        Err(_) => false,
    }
}

/// The live parbench workers started by the process `parent` (Linux: /proc).
#[cfg(target_os = "linux")]
fn workers_of(parent: u32) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|&pid| {
            let Ok(cmdline) = std::fs::read(format!("/proc/{pid}/cmdline")) else {
                return false;
            };
            let args: Vec<&[u8]> = cmdline.split(|&b| b == 0).collect();
            args.len() >= 4
                && args[0].ends_with(b"parbench")
                && args[1] == b"worker"
                && args[2] == b"--parent"
                && args[3] == parent.to_string().as_bytes()
                && alive(pid)
        })
        .collect()
}

/// Waits up to `limit` for `check` to hold.
#[cfg(target_os = "linux")]
fn eventually(limit: Duration, check: impl Fn() -> bool) -> bool {
    let deadline = std::time::Instant::now() + limit;
    while std::time::Instant::now() < deadline {
        if check() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    check()
}

#[cfg(target_os = "linux")]
#[test]
fn no_worker_outlives_a_parent_that_finished_or_was_killed() {
    // A parent that finishes: `parbench run` on the process backend.
    let status = std::process::Command::new(PROGRAM)
        .args(["run", "seed/closure/process/3"])
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let parent = status.id();
    let output = status.wait_with_output().unwrap();
    assert!(output.status.success());
    assert!(
        eventually(Duration::from_secs(5), || workers_of(parent).is_empty()),
        "workers of {parent} left: {:?}",
        workers_of(parent)
    );
    assert_eq!(pool_folders_of(parent), Vec::<PathBuf>::new());

    // A parent killed outright (SIGKILL: no destructor runs) in the middle
    // of `verify`, whose process pools are busy: the workers see their
    // input end and exit.
    let mut child = std::process::Command::new(PROGRAM)
        .args(["verify", "--threads", "2,3"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let parent = child.id();
    let started = eventually(Duration::from_secs(120), || !workers_of(parent).is_empty());
    let seen = workers_of(parent);
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(started, "verify never started a process pool");
    assert!(
        eventually(Duration::from_secs(10), || workers_of(parent).is_empty()),
        "workers {seen:?} of the killed {parent} left: {:?}",
        workers_of(parent)
    );
    // Its pool folders stayed behind (no destructor ran), their owner files
    // let go with the process: the first pool of the next process removes
    // them.
    process::remove_folders_of_ended_pools(&std::env::temp_dir());
    assert_eq!(pool_folders_of(parent), Vec::<PathBuf>::new());
}

/// The pool folders of process `pid` in the temporary folder.
#[cfg(target_os = "linux")]
fn pool_folders_of(pid: u32) -> Vec<PathBuf> {
    let prefix = format!("{}{pid}-", process::POOL_FOLDER_PREFIX);
    (std::fs::read_dir(std::env::temp_dir()).unwrap().flatten())
        .filter(|e| e.file_name().to_string_lossy().starts_with(&prefix))
        .map(|e| e.path())
        .collect()
}

/// A pool of `threads` workers whose worker 0 misbehaves as `fault` says.
fn faulty_pool(threads: usize, fault: Fault) -> ProcessPool {
    ProcessPool::start_with_fault(
        Path::new(PROGRAM),
        threads,
        process::DEFAULT_TIMEOUT,
        Some(fault),
    )
    .unwrap()
}

/// Runs `id` on a problem of `items` items on `exec`; the error it ends in.
fn failing_call(exec: &ProcessPool, id: &str, items: usize) -> String {
    let problem = Prepared::new(spec(items, 2, 4096)).unwrap();
    let mut out = problem.output().unwrap();
    let err = problem
        .run(&problem.job(variant(id).unwrap()), exec, &mut out)
        .expect_err("the faulty worker fails the call");
    format!("{err:#}")
}

#[test]
fn a_worker_of_another_protocol_is_refused_at_the_handshake() {
    let program = Path::new(PROGRAM);
    let err = match ProcessPool::start_with_fault(
        program,
        1,
        process::DEFAULT_TIMEOUT,
        Some(Fault::Protocol),
    ) {
        Ok(_) => panic!("a worker of another protocol was accepted"),
        Err(err) => format!("{err:#}"),
    };
    assert!(
        err.contains("worker 0 (pid ")
            && err.contains(&format!("protocol {}", protocol::PROTOCOL))
            && err.contains(&format!("protocol: {}", protocol::PROTOCOL + 1000)),
        "{err}"
    );
    // The refused worker is gone: the pool was never handed out.
    let pid: u32 = err
        .split("(pid ")
        .nth(1)
        .and_then(|rest| rest.split(')').next())
        .and_then(|pid| pid.parse().ok())
        .unwrap_or_else(|| panic!("no pid in {err}"));
    assert!(!alive(pid), "the refused worker {pid} is left");
    // The next pool starts and computes.
    let exec = pool(1, process::DEFAULT_TIMEOUT);
    let problem = Prepared::new(spec(50, 3, 4096)).unwrap();
    let mut out = problem.output().unwrap();
    problem
        .run_checked(&problem.job(variant("closure").unwrap()), &exec, &mut out)
        .unwrap();
}

/// A one-worker pool (it gets every chunk, so the fault strikes at the
/// chunk it names, after the earlier ones were answered) whose worker
/// misbehaves as `fault` says: the call fails with an error naming the
/// worker and `chunk` (and containing each of `also`), and the pool then
/// works again with new workers, the old one gone.
fn fails_naming_worker_and_chunk(fault: Fault, chunk: &str, also: &[&str]) {
    let exec = faulty_pool(1, fault);
    let old = exec.worker_pids();
    let err = failing_call(&exec, "closure", 40);
    assert!(
        err.contains(&format!("worker 0 (pid {})", old[0])) && err.contains(chunk),
        "{fault:?}: {err}"
    );
    for part in also {
        assert!(err.contains(part), "{fault:?}: {part:?} not in {err}");
    }
    works_again(&exec, &old);
}

#[test]
fn a_garbled_reply_mid_call_is_an_error_naming_worker_and_chunk() {
    fails_naming_worker_and_chunk(
        Fault::Garbled { at: 1 },
        "answer to chunk 1 (items 10..20) of closure",
        &["decoding"],
    );
}

#[test]
fn a_reply_cut_short_mid_call_is_an_error_naming_worker_and_chunk() {
    fails_naming_worker_and_chunk(
        Fault::Truncated { at: 1 },
        "while computing chunk 1 (items 10..20) of closure",
        &[],
    );
}

#[test]
fn a_worker_that_dies_after_answering_some_chunks_is_named_with_its_chunk() {
    let status: &[&str] = if cfg!(unix) { &["exit status: 3"] } else { &[] };
    fails_naming_worker_and_chunk(
        Fault::Exit { at: 2 },
        "while computing chunk 2 (items 20..30) of closure",
        status,
    );
}

#[test]
fn shared_memory_that_cannot_be_mapped_is_an_error_naming_worker_and_chunk() {
    // The table of `arc_state`, then the shared sums of `atomic_sum`.
    for (id, file) in [
        ("arc_state", "opening the table file"),
        ("atomic_sum", "opening the shared sums file"),
    ] {
        let exec = faulty_pool(1, Fault::Unmappable);
        let old = exec.worker_pids();
        let err = failing_call(&exec, id, 40);
        assert!(
            err.contains(&format!("worker 0 (pid {}) failed on chunk 0", old[0]))
                && err.contains(&format!("of {id}"))
                && err.contains(file)
                && err.contains(".unmappable"),
            "{id}: {err}"
        );
        works_again(&exec, &old);
    }
}

#[test]
fn shared_memory_that_cannot_be_created_is_an_error_and_the_pool_recovers() {
    let exec = pool(2, process::DEFAULT_TIMEOUT);
    let old = exec.worker_pids();
    // The pool's private folder gone: the table file cannot be created.
    std::fs::remove_dir_all(exec.folder().unwrap()).unwrap();
    let err = failing_call(&exec, "arc_state", 40);
    assert!(
        err.contains("the shared table for chunks 0..8 of arc_state")
            && err.contains("creating the table file"),
        "{err}"
    );
    works_again(&exec, &old);
}

/// Squares with a serde state: carried by worker processes of a program
/// that knows it (`cmd::bench::main_with_workers`), not by parbench's own.
struct Squares;

impl parbench::problem::Problem for Squares {
    parbench::u64_output!();
    type State = Vec<u64>;
    fn name(&self) -> &str {
        "squares"
    }
    fn items(&self) -> usize {
        64
    }
    fn state(&self) -> anyhow::Result<Vec<u64>> {
        Ok((0..64).map(|i| i * i).collect())
    }
    fn item(squares: &Vec<u64>, i: usize) -> u64 {
        squares[i]
    }
}

/// The largest of `i * 37 % 101`: a `u64` output whose accumulator is its
/// maximum, not its sum, with a serde state.
struct Largest;

#[derive(Debug, PartialEq)]
struct Max(u64);

impl parbench::problem::Accumulator<u64> for Max {
    fn empty() -> Max {
        Max(0)
    }
    fn add(&mut self, output: u64) {
        self.0 = self.0.max(output);
    }
    fn merge(&mut self, other: Max) {
        self.add(other.0);
    }
}

impl parbench::problem::Problem for Largest {
    type Output = u64;
    type Acc = Max;
    type State = u64;
    fn name(&self) -> &str {
        "largest"
    }
    fn items(&self) -> usize {
        300
    }
    fn state(&self) -> anyhow::Result<u64> {
        Ok(37)
    }
    fn item(factor: &u64, i: usize) -> u64 {
        i as u64 * factor % 101
    }
}

#[test]
fn worker_processes_run_a_u64_problem_but_accumulate_only_its_sum() {
    let portable = Prepared::portable(Largest).unwrap();
    // Its u64 outputs can go to worker processes...
    assert!(matrix::backend_refusal(&process::Process, &portable).is_none());
    let closure = variant("closure").unwrap();
    assert!(matrix::sharing_refusal(closure, &process::Process, &portable).is_none());
    // ... but its maximum cannot come back as their u64 sum: every
    // strategy that accumulates is refused there, by reason, and runs on
    // the threads.
    for id in [
        "mutex_sum",
        "sharded_sum",
        "fold_reduce",
        "worker_per_thread",
    ] {
        let why = matrix::sharing_refusal(variant(id).unwrap(), &process::Process, &portable);
        assert!(
            why.is_some_and(|w| w.contains("u64 sum only")),
            "{id}: {why:?}"
        );
        let threads = matrix::executor(&parbench::backends::Rayon, 2).unwrap();
        let mut out = portable.output().unwrap();
        portable
            .run_checked(&portable.job(variant(id).unwrap()), &*threads, &mut out)
            .unwrap();
    }
    // The seed's sum goes on being added by the workers.
    let seed = Prepared::new(spec(20, 0, 0)).unwrap();
    let fold = variant("fold_reduce").unwrap();
    assert!(matrix::sharing_refusal(fold, &process::Process, &seed).is_none());
}

#[test]
fn parbench_s_own_workers_refuse_another_problem_by_name() {
    let portable = Prepared::portable(Squares).unwrap();
    let wire = parbench::job::Runnable::wire_state(&portable).unwrap();
    assert!(!wire.bytes.is_empty());
    assert!(matrix::backend_refusal(&process::Process, &portable).is_none());
    // arc_state shares no serialised state without a copy: refused.
    let arc = variant("arc_state").unwrap();
    assert!(matrix::sharing_refusal(arc, &process::Process, &portable).is_some());
    let exec = pool(2, process::DEFAULT_TIMEOUT);
    let mut out = portable.output().unwrap();
    let err = portable
        .run(&portable.job(variant("closure").unwrap()), &exec, &mut out)
        .unwrap_err();
    let err = format!("{err:#}");
    // Both workers refuse their first chunk; whichever answers first is
    // the error (worker 0 on chunk 0, or worker 1 on chunk 1).
    let named = ["worker 0 (pid", "worker 1 (pid"]
        .iter()
        .zip(["chunk 0 (items", "chunk 1 (items"])
        .any(|(worker, chunk)| err.contains(worker) && err.contains(chunk));
    assert!(
        err.contains("carries the seed's problems only, not problem squares") && named,
        "{err}"
    );
    // A problem whose state is not serialisable is refused before any call.
    let plain = Prepared::of(Squares).unwrap();
    assert!(matrix::backend_refusal(&process::Process, &plain).is_some());
}
