//! The machine's results file while a run writes it.
//!
//! A default run measures for minutes; an interrupt (SIGTERM, Ctrl-C) must
//! not cost what was measured. So the sweep hands the [`Store`] each group
//! of benchmarks as soon as it completes, and the store merges them into
//! the file and writes it atomically (temporary file + rename): at any
//! moment the file on disk is whole, and holds everything measured so far.
//! No signal handler is needed, and none could make a write safer.
//!
//! While a run writes, the file's run block says `in_progress`; a run that
//! ends normally clears it. `PARBENCH_RESUME=1` continues an interrupted
//! run: same start time, same calibration, and the benchmarks it already
//! measured are skipped.
//!
//! Two runs writing the same label at once would interleave their writes,
//! so the store holds an exclusive lock on `.<label>.lock` next to the file
//! (an OS advisory lock: it dies with the process, so the lock file a
//! killed run leaves behind never blocks the next run), and removes the
//! lock file when it is dropped: after a run the folder holds results
//! files only.

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::calibration::Calibration;
use crate::key::Key;
use crate::results::{
    self, Benchmark, BreakEvenCell, HarnessOverhead, Machine, ResultsFile, RunInfo, SCHEMA_VERSION,
    WorkloadInfo,
};

/// What a resumed run picks up from the interrupted one.
#[derive(Debug, Default)]
pub struct Resumed {
    /// The keys the interrupted run had measured.
    pub measured: Vec<Key>,
    /// The break-even cells it had measured.
    pub break_even: Vec<BreakEvenCell>,
}

/// An exclusive hold on one machine label's results file.
pub struct Store {
    path: PathBuf,
    /// Held for the store's life; the OS releases it with the process,
    /// and dropping it removes the lock file.
    _lock: Lock,
    /// The file as it was before this run (`None`: there was none).
    before: Option<ResultsFile>,
    machine: Machine,
    run: RunInfo,
    workloads: BTreeMap<String, WorkloadInfo>,
    /// This run's entries, by key.
    measured: BTreeMap<Key, Benchmark>,
    /// This run's break-even cells.
    break_even: Vec<BreakEvenCell>,
    /// Whether anything of this run is in the file yet.
    written: bool,
    /// A problem of the user's own ([`Store::open_own`]): the file's run
    /// block, if there is one, is kept as it is.
    keeps_run: bool,
}

impl Store {
    /// Locks the file at `path` and reads what it holds. With `resume`, the
    /// file's run must be an interrupted one of the same plan (profile,
    /// thread counts, keys) on the same machine and build
    /// (`resume_differences`): this run takes over its start time,
    /// calibration and entries. Warnings (an
    /// unreadable file moved aside, entries dropped) are returned.
    pub fn open(
        path: &Path,
        machine: Machine,
        mut run: RunInfo,
        resume: bool,
    ) -> Result<(Store, Resumed, Vec<String>)> {
        let lock = lock(path)?;
        let (mut before, mut warnings) = results::load_for_rewrite(path)?;
        if let Some(other) = before
            .as_ref()
            .filter(|b| !b.machine.same_hardware(&machine))
        {
            // Same label, other hardware: never merged. Resuming it is a
            // mistake; otherwise it moves to a name of its own and stays
            // a results file, so the report still shows it.
            if resume {
                bail!(
                    "PARBENCH_RESUME=1, but {} was written on other hardware ({}; this is {}): \
                     give this run another label with PARBENCH_MACHINE",
                    path.display(),
                    other.machine.hardware_summary(),
                    machine.hardware_summary()
                );
            }
            let kept = keep_apart(path, &other.machine)?;
            warnings.push(format!(
                "{} was written on other hardware ({}; this is {}): moved it to {} so the two \
                 are never merged",
                path.display(),
                other.machine.hardware_summary(),
                machine.hardware_summary(),
                kept.display()
            ));
            before = None;
        }
        let mut resumed = Resumed::default();
        let mut measured = BTreeMap::new();
        let mut break_even = Vec::new();
        let mut written = false;
        if resume {
            let Some(before) = &before else {
                bail!(
                    "PARBENCH_RESUME=1, but there is no readable results file {} to resume{}",
                    path.display(),
                    match warnings.is_empty() {
                        true => String::new(),
                        false => format!(": {}", warnings.join("; ")),
                    }
                );
            };
            if !before.run.in_progress {
                bail!(
                    "PARBENCH_RESUME=1, but the last run in {} (started {}) finished; \
                     unset PARBENCH_RESUME to measure again",
                    path.display(),
                    before.run.started_at
                );
            }
            let differences = resume_differences(before, &machine, &run);
            if !differences.is_empty() {
                bail!(
                    "PARBENCH_RESUME=1, but this run is not the interrupted one in {}: {}. \
                     The interrupted run: {}; this run: {}. Run with the interrupted run's \
                     settings (PARBENCH_PROFILE={}, PARBENCH_THREADS={}) on the same machine \
                     and build to resume it, or unset PARBENCH_RESUME to start anew",
                    path.display(),
                    differences.join("; "),
                    plan_summary(&before.run),
                    plan_summary(&run),
                    before.run.profile,
                    thread_list(
                        before
                            .run
                            .plan
                            .as_ref()
                            .map_or(&before.run.threads, |p| &p.threads)
                    )
                );
            }
            run.started_at = before.run.started_at.clone();
            run.calibration = before.run.calibration.clone();
            run.previous = before.run.previous.clone();
            for b in &before.benchmarks {
                if b.measured_at == run.started_at {
                    resumed.measured.push(b.key.clone());
                    measured.insert(b.key.clone(), b.clone());
                }
            }
            break_even = (before.break_even.iter())
                .filter(|c| c.measured_at == run.started_at)
                .cloned()
                .collect();
            resumed.break_even = break_even.clone();
            written = true;
        }
        run.in_progress = true;
        let store = Store {
            path: path.to_path_buf(),
            _lock: lock,
            before,
            machine,
            run,
            workloads: BTreeMap::new(),
            measured,
            break_even,
            written,
            keeps_run: false,
        };
        Ok((store, resumed, warnings))
    }

    /// Locks the file at `path` for the run of a problem of the user's own
    /// ([`crate::own`]). Its entries and its workload (with its own run,
    /// [`results::OwnRun`]) join the file; the file's run block (the
    /// built-in sweep's calibration, ceiling and harness overhead) and its
    /// machine block stay as they are. A file this run creates (there was
    /// none, or it was moved aside) gets `run` with the machine's
    /// `ceiling()`, marked `own_only`.
    pub fn open_own(
        path: &Path,
        machine: Machine,
        run: RunInfo,
        ceiling: impl FnOnce() -> Vec<results::CeilingPoint>,
    ) -> Result<(Store, Vec<String>)> {
        let (mut store, _, warnings) = Store::open(path, machine, run, false)?;
        store.keeps_run = true;
        if store.before.is_none() {
            store.run.in_progress = false;
            store.run.own_only = true;
            store.run.ceiling = ceiling();
        }
        Ok((store, warnings))
    }

    /// The file being written.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The run block as it will be written.
    pub fn run(&self) -> &RunInfo {
        &self.run
    }

    /// Sets the host's calibration at the start (a resumed run keeps the
    /// interrupted run's).
    pub fn set_start_calibration(&mut self, start: Calibration) {
        if self.run.calibration.is_none() {
            self.run.calibration = Some(crate::calibration::RunCalibration { start, end: None });
        }
    }

    /// Adds one completed group of entries and writes the file, atomically.
    pub fn record(
        &mut self,
        benchmarks: Vec<Benchmark>,
        workloads: BTreeMap<String, WorkloadInfo>,
    ) -> Result<()> {
        self.workloads.extend(workloads);
        for b in benchmarks {
            self.measured.insert(b.key.clone(), b);
        }
        self.written = true;
        self.save()
    }

    /// This run's entries of `workload`, so far.
    pub fn measured_of<'s>(&'s self, workload: &'s str) -> impl Iterator<Item = &'s Benchmark> {
        (self.measured.values()).filter(move |b| b.key.workload == workload)
    }

    /// Adds break-even cells (one backend's grid, or one cell) and writes
    /// the file, atomically; a cell measured again replaces the older one.
    pub fn record_break_even(&mut self, cells: Vec<BreakEvenCell>) -> Result<()> {
        for cell in cells {
            self.break_even.retain(|c| c.id() != cell.id());
            self.break_even.push(cell);
        }
        self.written = true;
        self.save()
    }

    /// Adds harness-overhead entries to the run and writes the file,
    /// atomically; an entry measured again replaces the older one.
    pub fn record_harness_overhead(&mut self, entries: Vec<HarnessOverhead>) -> Result<()> {
        for entry in entries {
            let harness = &mut self.run.harness_overhead;
            harness.retain(|h| h.id() != entry.id());
            harness.push(entry);
        }
        self.written = true;
        self.save()
    }

    /// Ends the run: the calibration at the end, `in_progress` cleared.
    /// A run that recorded nothing leaves the file as it was.
    pub fn finish(&mut self, end: Calibration) -> Result<()> {
        if !self.written {
            return Ok(());
        }
        if let Some(calibration) = &mut self.run.calibration {
            calibration.end = Some(end);
        }
        self.run.in_progress = false;
        self.save()
    }

    /// The file as it stands: the earlier file merged with this run.
    pub fn contents(&self) -> ResultsFile {
        // A problem of the user's own keeps the file's run and machine
        // blocks (the same hardware: `open` checked it), which describe the
        // built-in sweep.
        let (machine, run) = match (&self.before, self.keeps_run) {
            (Some(before), true) => (before.machine.clone(), before.run.clone()),
            _ => (self.machine.clone(), self.run.clone()),
        };
        let this_run = ResultsFile {
            schema_version: SCHEMA_VERSION,
            machine,
            run,
            workloads: self.workloads.clone(),
            benchmarks: self.measured.values().cloned().collect(),
            break_even: self.break_even.clone(),
        };
        match &self.before {
            Some(before) => before.clone().merge(this_run),
            None => {
                let mut first = this_run;
                first.derive();
                first
            }
        }
    }

    fn save(&self) -> Result<()> {
        self.contents().save(&self.path)
    }
}

/// How this run (on `machine`, planning `run`) differs from the
/// interrupted run in `before`, one phrase per difference: the profile, the
/// thread counts, the plan (the number of benchmarks and the hash of their
/// keys, which a changed build changes too) and the machine's fingerprint
/// (its hardware is checked before). Empty when it may be resumed.
fn resume_differences(before: &ResultsFile, machine: &Machine, run: &RunInfo) -> Vec<String> {
    let mut differences = Vec::new();
    let mut differ = |what: &str, was: String, is: String| {
        if was != is {
            differences.push(format!("{what} {was} then, {is} now"));
        }
    };
    let old = &before.run;
    differ("profile", old.profile.clone(), run.profile.clone());
    // Older files lack the plan: only what both know is compared.
    if let (Some(was), Some(is)) = (&old.plan, &run.plan) {
        differ(
            "thread counts",
            thread_list(&was.threads),
            thread_list(&is.threads),
        );
        differ("plan", was.keys_hash.clone(), is.keys_hash.clone());
    }
    if let (Some(was), Some(is)) = (old.planned, run.planned) {
        differ("planned benchmarks", was.to_string(), is.to_string());
    }
    let (was, is) = (&before.machine, machine);
    let shown = |v: &Option<String>| v.clone().unwrap_or_else(|| "unknown".to_string());
    differ("OS", was.os.clone(), is.os.clone());
    differ("architecture", was.arch.clone(), is.arch.clone());
    differ(
        "physical cores",
        format!("{:?}", was.physical_cores),
        format!("{:?}", is.physical_cores),
    );
    differ(
        "memory",
        format!("{} bytes", was.memory_bytes),
        format!("{} bytes", is.memory_bytes),
    );
    differ("compiler", was.rustc.clone(), is.rustc.clone());
    differ(
        "parbench version",
        was.parbench_version.clone(),
        is.parbench_version.clone(),
    );
    differ("git commit", shown(&was.git_commit), shown(&is.git_commit));
    differences
}

/// A run's plan in words: `profile quick, threads 1,2,4, 212 benchmarks (plan 3fa2c1)`.
fn plan_summary(run: &RunInfo) -> String {
    let threads = run.plan.as_ref().map_or(&run.threads, |p| &p.threads);
    let mut text = format!("profile {}, threads {}", run.profile, thread_list(threads));
    if let Some(planned) = run.planned {
        text.push_str(&format!(", {planned} benchmarks"));
    }
    if let Some(plan) = &run.plan {
        text.push_str(&format!(" (plan {})", plan.keys_hash));
    }
    text
}

/// `1,2,4`: thread counts as `PARBENCH_THREADS` takes them.
fn thread_list(threads: &[u64]) -> String {
    let list: Vec<String> = threads.iter().map(u64::to_string).collect();
    list.join(",")
}

/// Moves the results file at `path`, written on `other` hardware, to
/// `<label>-<its hardware hash>.json` beside it (numbered if taken).
fn keep_apart(path: &Path, other: &Machine) -> Result<PathBuf> {
    let stem = path.file_stem().unwrap_or_default().to_string_lossy();
    let base = format!("{stem}-{}", other.hardware_hash());
    let mut target = path.with_file_name(format!("{base}.json"));
    let mut n = 2;
    while target.exists() {
        target = path.with_file_name(format!("{base}-{n}.json"));
        n += 1;
    }
    fs::rename(path, &target).with_context(|| {
        format!(
            "cannot move {} (other hardware) to {}",
            path.display(),
            target.display()
        )
    })?;
    Ok(target)
}

/// `.<label>.lock` next to `<label>.json`, while a run writes it.
pub fn lock_path(path: &Path) -> PathBuf {
    let stem = path.file_stem().unwrap_or_default().to_string_lossy();
    path.with_file_name(format!(".{stem}.lock"))
}

/// The exclusive hold on a results file: an OS advisory lock on its lock
/// file, which the OS releases when the process ends however it ends, so a
/// lock file left by a killed run never blocks the next one. The lock file
/// is removed when the hold ends normally, so a finished run leaves only
/// results files in the folder (nothing for a user to commit).
struct Lock {
    path: PathBuf,
    /// Holds the OS lock until dropped.
    _file: File,
}

impl Drop for Lock {
    /// Removes the lock file while still holding it: a run that opened the
    /// file meanwhile finds, once it holds the lock, that the path no
    /// longer names the file it locked, and takes a new one ([`lock`]).
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.path);
    }
}

/// Takes the exclusive lock of the results file at `path`, and writes this
/// process's id into it for the message another run would print.
fn lock(path: &Path) -> Result<Lock> {
    let lock_path = lock_path(path);
    if let Some(dir) = lock_path.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    // A few rounds at most: each retry means another run removed the file
    // between our open and our lock (it finished just then).
    for _ in 0..100 {
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&lock_path)
            .with_context(|| format!("cannot open the lock {}", lock_path.display()))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let mut holder = String::new();
                let _ = file.read_to_string(&mut holder);
                bail!(
                    "another parbench run is writing {} ({}; lock {}): wait for it to finish, \
                     or give this run another label with PARBENCH_MACHINE",
                    path.display(),
                    holder.trim(),
                    lock_path.display()
                );
            }
            Err(TryLockError::Error(err)) => {
                return Err(err).with_context(|| format!("cannot lock {}", lock_path.display()));
            }
        }
        let still_ours = (same_file::Handle::from_path(&lock_path).ok())
            .zip(
                file.try_clone()
                    .ok()
                    .and_then(|f| same_file::Handle::from_file(f).ok()),
            )
            .is_some_and(|(named, held)| named == held);
        if !still_ours {
            continue; // removed by the run that held it: lock the new one
        }
        file.set_len(0)
            .and_then(|()| file.rewind())
            .and_then(|()| write!(file, "pid {}", std::process::id()))
            .with_context(|| format!("cannot write {}", lock_path.display()))?;
        return Ok(Lock {
            path: lock_path,
            _file: file,
        });
    }
    bail!(
        "cannot take the lock {}: it kept being removed by other runs",
        lock_path.display()
    )
}

#[cfg(test)]
mod hardware_tests {
    use super::*;
    use crate::report::test_support::run_file;

    #[test]
    fn a_label_written_on_other_hardware_is_kept_apart_not_merged() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ci-linux.json");
        let mut xeon = run_file("ci-linux");
        xeon.machine.cpu_model = "Intel(R) Xeon(R) Platinum 8370C CPU @ 2.80GHz".to_string();
        xeon.save(&path).unwrap();
        let mut epyc = xeon.machine.clone();
        epyc.cpu_model = "AMD EPYC 7763 64-Core Processor".to_string();

        let resumed = Store::open(&path, epyc.clone(), xeon.run.clone(), true);
        assert!(
            resumed.is_err(),
            "resuming another machine's run is refused"
        );

        let (store, _, warnings) =
            Store::open(&path, epyc.clone(), xeon.run.clone(), false).unwrap();
        let kept = dir
            .path()
            .join(format!("ci-linux-{}.json", xeon.machine.hardware_hash()));
        assert!(kept.is_file(), "{warnings:?}");
        assert!(
            warnings[0].contains("Xeon Platinum 8370C, 4 cores"),
            "{warnings:?}"
        );
        assert!(
            store.contents().benchmarks.is_empty(),
            "nothing of the Xeon's merged"
        );
        assert_eq!(
            ResultsFile::load(&kept).unwrap().results.machine.cpu_model,
            xeon.machine.cpu_model
        );
        drop(store);

        // Same hardware: the earlier file is merged as before.
        xeon.save(&path).unwrap();
        let (store, _, warnings) =
            Store::open(&path, xeon.machine.clone(), xeon.run.clone(), false).unwrap();
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(store.contents().benchmarks.len(), xeon.benchmarks.len());
    }
}

#[cfg(test)]
mod resume_and_lock_tests {
    use super::*;
    use crate::report::test_support::run_file;

    /// An interrupted run's file at `dir/lab.json`, planned on threads 1,2.
    fn interrupted(dir: &Path) -> (PathBuf, ResultsFile) {
        let path = dir.join("lab.json");
        let mut file = run_file("lab");
        file.run.in_progress = true;
        file.run.planned = Some(2);
        file.run.plan = Some(results::Plan {
            threads: vec![1, 2],
            keys_hash: "aaaaaa".to_string(),
        });
        file.save(&path).unwrap();
        (path, file)
    }

    fn refusal(path: &Path, machine: Machine, run: RunInfo) -> String {
        match Store::open(path, machine, run, true) {
            Ok(_) => panic!("resuming a different run was accepted"),
            Err(err) => format!("{err:#}"),
        }
    }

    #[test]
    fn resume_refuses_other_threads_plan_or_machine_naming_both_plans() {
        let dir = tempfile::tempdir().unwrap();
        let (path, file) = interrupted(dir.path());

        // Other thread counts (PARBENCH_THREADS changed): a different plan.
        let mut run = file.run.clone();
        run.plan = Some(results::Plan {
            threads: vec![1, 2, 4],
            keys_hash: "bbbbbb".to_string(),
        });
        run.planned = Some(3);
        let err = refusal(&path, file.machine.clone(), run);
        for part in [
            "lab.json",
            "thread counts 1,2 then, 1,2,4 now",
            "profile quick, threads 1,2, 2 benchmarks (plan aaaaaa)",
            "profile quick, threads 1,2,4, 3 benchmarks (plan bbbbbb)",
            "PARBENCH_THREADS=1,2",
        ] {
            assert!(err.contains(part), "{part:?} not in: {err}");
        }

        // The same threads, but another build's matrix: the keys differ.
        let mut run = file.run.clone();
        run.plan.as_mut().unwrap().keys_hash = "cccccc".to_string();
        let err = refusal(&path, file.machine.clone(), run);
        assert!(err.contains("plan aaaaaa then, cccccc now"), "{err}");

        // Another profile.
        let mut run = file.run.clone();
        run.profile = "default".to_string();
        let err = refusal(&path, file.machine.clone(), run);
        assert!(err.contains("profile quick then, default now"), "{err}");

        // The same hardware, another fingerprint (a rebuilt compiler).
        let mut machine = file.machine.clone();
        machine.rustc = "rustc 9.9.9".to_string();
        let err = refusal(&path, machine, file.run.clone());
        assert!(
            err.contains("compiler") && err.contains("rustc 9.9.9"),
            "{err}"
        );

        // The same plan on the same machine resumes.
        let (store, resumed, _) =
            Store::open(&path, file.machine.clone(), file.run.clone(), true).unwrap();
        assert_eq!(resumed.measured.len(), file.benchmarks.len());
        drop(store);
    }

    #[test]
    fn the_lock_file_goes_with_the_run_and_a_stale_one_never_blocks() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lab.json");
        let file = run_file("lab");
        // What a run killed outright leaves: its lock file, unlocked.
        fs::write(lock_path(&path), "pid 4194303").unwrap();
        let (mut store, _, _) =
            Store::open(&path, file.machine.clone(), file.run.clone(), false).unwrap();
        assert!(lock_path(&path).is_file(), "held while the run writes");
        let second = Store::open(&path, file.machine.clone(), file.run.clone(), false);
        let err = format!("{:#}", second.err().expect("a second run is refused"));
        assert!(
            err.contains("another parbench run")
                && err.contains(&format!("pid {}", std::process::id())),
            "{err}"
        );
        store
            .record(file.benchmarks.clone(), BTreeMap::new())
            .unwrap();
        drop(store);
        let left: Vec<String> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(left, vec!["lab.json".to_string()], "only the results file");
        // And the next run takes the lock again.
        Store::open(&path, file.machine.clone(), file.run.clone(), false).unwrap();
    }
}
