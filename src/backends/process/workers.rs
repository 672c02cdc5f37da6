//! The worker processes of one pool (or of its initialised set): starting
//! them and checking their hello, dealing chunks to idle workers and
//! collecting their replies within the timeout, the table file and the
//! shared sums they map, and killing and reaping them when the pool goes.
//! `mod.rs` holds the backend and the pool; this file, what talks to the
//! processes.

use super::*;

use std::fs::File;

/// Which state a worker keeps: the seed's (its spec and `c`), or a
/// serialised one (its digest).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum KeptState {
    Seed(Spec, u64),
    Wire(u64),
}

/// The constant state of a call, as the workers receive it.
#[derive(Clone, Copy)]
pub(super) enum CallState<'a> {
    /// The seed's: rebuilt from its knobs and table.
    Seed(&'a Constants),
    /// Another problem's, serialised ([`crate::job::Runnable::wire_state`]).
    Wire {
        problem: &'a str,
        wire: WireState<'a>,
    },
}

impl CallState<'_> {
    fn kept(&self) -> KeptState {
        match self {
            CallState::Seed(state) => KeptState::Seed(state.spec, state.c),
            CallState::Wire { wire, .. } => KeptState::Wire(wire.digest),
        }
    }
}

/// One running worker.
pub(super) struct Worker {
    child: Child,
    stdin: Option<ChildStdin>,
    pid: u32,
    reader: Option<JoinHandle<()>>,
}

/// The running workers of a pool, and what they share with the parent.
pub(super) struct Workers {
    procs: Vec<Worker>,
    /// Every reply frame, tagged with the worker that sent it (an `Err`
    /// when its stdout ended or failed).
    replies: Receiver<(usize, std::io::Result<Vec<u8>>)>,
    /// The table file of the current spec, and the state's `c` (written once).
    table: Option<(Spec, u64, PathBuf)>,
    tables_written: usize,
    /// Per worker: the state it keeps for the life of the pool, sent by
    /// the first `clone_per_worker` chunk it ran.
    kept: Vec<Option<KeptState>>,
    /// The shared sums file, mapped by the parent.
    sums_path: PathBuf,
    sums: memmap2::MmapMut,
    /// The folder's owner file, locked while the pool lives
    /// ([`remove_folders_of_ended_pools`]): held, never read; closed before
    /// the folder goes.
    _owner: File,
    /// The pool's private folder: table files and the shared sums file.
    /// Declared after `sums` and `_owner` on purpose: fields drop in
    /// declaration order, and the folder can only be removed once the sums
    /// file is unmapped and the owner file closed (Windows refuses to
    /// delete a mapped or open file).
    dir: tempfile::TempDir,
}

/// A pool's folder is named `parbench-pool-<pid of its parent>-<random>`
/// (the pid for whoever looks in the temporary folder).
pub const POOL_FOLDER_PREFIX: &str = "parbench-pool-";

/// The file of a pool's folder its parent holds locked for the pool's life.
const OWNER_LOCK: &str = "owner.lock";

/// The pool's folder, and its owner file, locked: the lock goes when the
/// file is closed, with the pool or with the process however it ends. The
/// file is locked under another name and then renamed, so a folder's
/// owner file is never seen unlocked while its pool lives.
fn pool_folder() -> Result<(tempfile::TempDir, File)> {
    let dir = tempfile::Builder::new()
        .prefix(&format!("{POOL_FOLDER_PREFIX}{}-", std::process::id()))
        .tempdir()
        .context("creating the process pool's folder")?;
    let creating = dir.path().join(format!("{OWNER_LOCK}.new"));
    let owner =
        File::create(&creating).with_context(|| format!("creating {}", creating.display()))?;
    owner
        .lock()
        .with_context(|| format!("locking {}", creating.display()))?;
    let path = dir.path().join(OWNER_LOCK);
    std::fs::rename(&creating, &path).with_context(|| format!("creating {}", path.display()))?;
    Ok((dir, owner))
}

/// Removes the pool folders in `temp` whose owner file nobody holds locked:
/// their parent ended without removing them. A parent killed outright
/// (SIGKILL, or Ctrl-C in the middle of a run) runs no destructor, and its
/// folder, table files included, would stay behind (its workers exit when
/// its pipes close). The first pool a process starts cleans up. A folder
/// without an owner file (older parbench versions) is left alone.
pub fn remove_folders_of_ended_pools(temp: &Path) {
    let Ok(entries) = std::fs::read_dir(temp) else {
        return;
    };
    for entry in entries.flatten() {
        if !entry
            .file_name()
            .to_string_lossy()
            .starts_with(POOL_FOLDER_PREFIX)
        {
            continue;
        }
        let Ok(owner) = File::open(entry.path().join(OWNER_LOCK)) else {
            continue;
        };
        if owner.try_lock().is_ok() {
            drop(owner); // closed first: Windows removes no open file
            // Best effort: another process may be removing it too.
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// The folders of ended pools are looked for once per process.
static ENDED_POOLS_REMOVED: std::sync::Once = std::sync::Once::new();

impl Workers {
    /// The pool's private folder (table files, the shared sums file).
    pub(super) fn folder(&self) -> &Path {
        self.dir.path()
    }

    /// The process ids of the running workers.
    pub(super) fn pids(&self) -> Vec<u32> {
        self.procs.iter().map(|p| p.pid).collect()
    }

    pub(super) fn start(
        program: &Path,
        threads: usize,
        fault: Option<fault::Fault>,
    ) -> Result<Workers> {
        ENDED_POOLS_REMOVED.call_once(|| remove_folders_of_ended_pools(&std::env::temp_dir()));
        let (dir, owner) = pool_folder()?;
        let sums_path = dir.path().join("sums");
        let sums_file = OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&sums_path)
            .with_context(|| format!("creating {}", sums_path.display()))?;
        sums_file
            .set_len(((MAX_WORKERS + 1) * SLOT_BYTES) as u64)
            .with_context(|| format!("sizing {}", sums_path.display()))?;
        // SAFETY: the pool's private file, accessed only through `AtomicU64`s
        // (here and in the workers).
        let sums = unsafe { memmap2::MmapMut::map_mut(&sums_file) }
            .with_context(|| format!("mapping {}", sums_path.display()))?;
        let (sender, replies) = mpsc::channel();
        let mut workers = Workers {
            procs: Vec::new(),
            replies,
            table: None,
            tables_written: 0,
            kept: vec![None; threads],
            sums_path,
            sums,
            _owner: owner,
            dir,
        };
        for index in 0..threads {
            let fault = fault.filter(|_| index == 0);
            let worker = spawn(program, index, sender.clone(), fault)?;
            workers.procs.push(worker);
        }
        drop(sender);
        // Every worker says hello before the pool counts as started.
        for _ in 0..threads {
            let (index, frame) = match workers.replies.recv_timeout(START_TIMEOUT) {
                Ok(reply) => reply,
                Err(_) => bail!(
                    "worker processes of {} did not start within {START_TIMEOUT:?}",
                    program.display()
                ),
            };
            let pid = workers.procs[index].pid;
            let frame = frame.map_err(|err| {
                anyhow!(
                    "worker {index} (pid {pid}) of {} ended before saying hello: {err} (is it the parbench executable?)",
                    program.display()
                )
            })?;
            // Dropping `workers` on an error kills and reaps every worker.
            match protocol::decode::<Reply>(&frame) {
                Ok(Reply::Hello { protocol, .. }) if protocol == PROTOCOL => {}
                other => bail!(
                    "worker {index} (pid {pid}) of {} did not answer as a parbench worker of protocol {PROTOCOL}: {other:?}",
                    program.display()
                ),
            }
        }
        Ok(workers)
    }

    /// Writes `frame` to worker `w`.
    pub(super) fn send(&mut self, w: usize, frame: &[u8]) -> std::io::Result<()> {
        let stdin = self.procs[w]
            .stdin
            .as_mut()
            .ok_or_else(|| std::io::Error::other("stdin already closed"))?;
        protocol::write_frame(stdin, frame)
    }

    /// Why worker `w` stopped answering: its exit status if it exited.
    pub(super) fn fate(&mut self, w: usize) -> String {
        let child = &mut self.procs[w].child;
        let deadline = Instant::now() + Duration::from_secs(1);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = child.try_wait() {
                return format!("exited ({status})");
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        "closed its output".to_string()
    }

    /// The table file of `state`, written once per pool and spec.
    pub(super) fn table_file(&mut self, state: &Constants) -> Result<PathBuf> {
        if let Some((spec, c, path)) = &self.table
            && *spec == state.spec
            && *c == state.c
        {
            return Ok(path.clone());
        }
        if let Some((_, _, old)) = self.table.take() {
            let _ = std::fs::remove_file(old); // workers keep their mappings
        }
        self.tables_written += 1;
        let path = self
            .dir
            .path()
            .join(format!("table-{}.bin", self.tables_written));
        let mut file = std::fs::File::create(&path)
            .with_context(|| format!("creating the table file {}", path.display()))?;
        file.write_all(protocol::as_bytes(state.table()))
            .and_then(|()| file.flush())
            .with_context(|| format!("writing the table file {}", path.display()))?;
        self.table = Some((state.spec, state.c, path.clone()));
        Ok(path)
    }

    /// One call: deals the chunks of `job` to idle workers, collects their
    /// results into `out` (or their sums). Returns the outcome, the bytes
    /// sent and received, and the copies the workers made.
    pub(super) fn call(
        &mut self,
        job: &Job,
        state: CallState<'_>,
        out: &mut [u64],
        timeout: Duration,
    ) -> Result<(Outcome, u64, u64)> {
        let items = job.items.clone();
        let workers = self.procs.len();
        let len = pool_map_chunk_len(items.len(), workers);
        let count = items.len().div_ceil(len);
        let role = job.variant.role();
        let produces = produces(role);
        let transport = transport(role);
        // The table file is set-up: written by the first call with this
        // spec (the untimed oracle check), reused by every timed call.
        let table_path = match (transport, state) {
            (Transport::Mapped, CallState::Seed(state)) => {
                Some(self.table_file(state).with_context(|| {
                    format!(
                        "the shared table for chunks 0..{count} of {}, before any worker got one",
                        job.variant.id()
                    )
                })?)
            }
            (Transport::Mapped, CallState::Wire { problem, .. }) => bail!(
                "{} on worker processes: problem {problem}'s serialised state cannot be \
                 shared without a copy (matrix::sharing_refusal)",
                job.variant.id()
            ),
            _ => None,
        };
        if produces == Produces::SharedAtomic {
            for slot in 0..=workers {
                atomic_at(&self.sums, slot)
                    .expect("the sums file has a slot per worker")
                    .store(0, Ordering::Relaxed);
            }
        }
        let sums_path = self.sums_path.to_string_lossy().into_owned();
        let table_path = table_path.map(|p| p.to_string_lossy().into_owned());
        let mut in_flight: Vec<Option<usize>> = vec![None; workers];
        let this_state = Some(state.kept());
        let mut used = vec![false; workers];
        let (mut ipc, mut copies, mut sum, mut calls) = (0u64, 0u64, 0u64, None::<u64>);
        let mut next = 0;
        let mut done = 0;
        let describe = |chunk: usize| {
            let range = protocol::chunk_range(&items, len, chunk);
            format!(
                "chunk {chunk} (items {}..{}) of {}",
                range.start,
                range.end,
                job.variant.id()
            )
        };
        while done < count {
            // Deal a chunk to every idle worker.
            for w in 0..workers {
                if next >= count || in_flight[w].is_some() {
                    continue;
                }
                // The first call with this state ships it to each worker
                // that runs a chunk of `clone_per_worker` (its bytes and
                // copies are that call's: in the sweep, the untimed oracle
                // check); later calls send none, like an initializer's
                // global.
                let kept = transport == Transport::PerWorker && self.kept[w] == this_state;
                let slot = (produces == Produces::SharedAtomic).then(|| SharedSlot {
                    path: &sums_path,
                    slot: if role == Role::ShardedSum { w + 1 } else { 0 },
                });
                let range = protocol::chunk_range(&items, len, next);
                let request = match state {
                    CallState::Seed(state) => {
                        let wire = || Wire {
                            c: state.c,
                            table: protocol::as_bytes(state.table()),
                        };
                        Request::Chunk {
                            chunk: next,
                            job: ChunkJob::of(job, state.spec, range),
                            state: match transport {
                                Transport::PerChunk => StateIn::PerChunk(wire()),
                                Transport::PerWorker if kept => StateIn::Kept,
                                Transport::PerWorker => StateIn::Keep(wire()),
                                Transport::Mapped => StateIn::Mapped {
                                    path: table_path.as_deref().expect("written above"),
                                    c: state.c,
                                },
                            },
                            slot,
                        }
                    }
                    CallState::Wire { problem, wire } => Request::ProblemChunk {
                        chunk: next,
                        job: ProblemJob {
                            variant: job.variant,
                            problem: problem.to_string(),
                            items: range,
                        },
                        state: match transport {
                            Transport::PerWorker if kept => WireStateIn::Kept {
                                digest: wire.digest,
                            },
                            Transport::PerWorker => WireStateIn::Keep {
                                bytes: wire.bytes,
                                digest: wire.digest,
                            },
                            // Mapped was refused above.
                            _ => WireStateIn::PerChunk(wire.bytes),
                        },
                        slot,
                    },
                };
                let frame = protocol::frame(&request)?;
                ipc += frame.len() as u64;
                if let Err(err) = self.send(w, &frame) {
                    let fate = self.fate(w);
                    bail!(
                        "worker {w} (pid {}) {fate}: cannot send it {}: {err}",
                        self.procs[w].pid,
                        describe(next)
                    );
                }
                if transport == Transport::PerWorker {
                    self.kept[w] = this_state;
                }
                used[w] = true;
                in_flight[w] = Some(next);
                next += 1;
            }
            let (w, frame) = match self.replies.recv_timeout(timeout) {
                Ok(reply) => reply,
                Err(RecvTimeoutError::Timeout) => {
                    let (w, chunk) = in_flight
                        .iter()
                        .enumerate()
                        .find_map(|(w, c)| Some((w, (*c)?)))
                        .expect("a chunk is in flight while one is awaited");
                    bail!(
                        "worker {w} (pid {}) did not finish {} within {timeout:?}: hung",
                        self.procs[w].pid,
                        describe(chunk)
                    );
                }
                Err(RecvTimeoutError::Disconnected) => bail!("every worker's output has closed"),
            };
            let chunk = in_flight[w].take();
            let what = chunk.map_or_else(|| "no chunk".to_string(), describe);
            let frame = match frame {
                Ok(frame) => frame,
                Err(err) => {
                    let fate = self.fate(w);
                    bail!(
                        "worker {w} (pid {}) {fate} while computing {what}: {err}",
                        self.procs[w].pid
                    );
                }
            };
            ipc += 8 + frame.len() as u64;
            let reply = protocol::decode::<Reply>(&frame).with_context(|| {
                format!("worker {w} (pid {})'s answer to {what}", self.procs[w].pid)
            })?;
            match reply {
                Reply::Done {
                    chunk: answered,
                    result,
                    copies: made,
                } if Some(answered) == chunk => {
                    copies += made;
                    let range = protocol::chunk_range(&items, len, answered);
                    match result {
                        ChunkResult::Items(bytes) if !out.is_empty() => {
                            let at = range.start - items.start;
                            protocol::read_u64s(&bytes, &mut out[at..at + range.len()])
                                .with_context(|| format!("worker {w}'s results of {what}"))?;
                        }
                        ChunkResult::Items(_) | ChunkResult::Added => {}
                        ChunkResult::Sum { sum: s, calls: c } => {
                            sum = sum.wrapping_add(s);
                            if let Some(c) = c {
                                calls = Some(calls.unwrap_or(0) + c);
                            }
                        }
                    }
                }
                Reply::Failed { message, .. } => bail!(
                    "worker {w} (pid {}) failed on {what}: {message}",
                    self.procs[w].pid
                ),
                other => bail!(
                    "worker {w} (pid {}) answered {what} with {other:?}",
                    self.procs[w].pid
                ),
            }
            done += 1;
        }
        if produces == Produces::SharedAtomic {
            // Every worker answered after its last add: the replies ordered
            // the adds before these loads.
            sum = (0..=workers)
                .map(|slot| {
                    atomic_at(&self.sums, slot)
                        .expect("a slot per worker")
                        .load(Ordering::Acquire)
                })
                .fold(0u64, u64::wrapping_add);
        }
        let produced = match produces {
            Produces::Items => Produced::Items,
            _ => Produced::Sum(sum),
        };
        let stats = RunStats::new(count, used.iter().filter(|&&u| u).count());
        Ok((
            Outcome {
                produced,
                calls,
                stats,
            },
            ipc,
            copies,
        ))
    }

    /// Sends `request` to every worker and collects one reply from each.
    pub(super) fn ask_all(
        &mut self,
        request: &Request<'_>,
        timeout: Duration,
    ) -> Result<Vec<Reply>> {
        let frame = protocol::frame(request)?;
        for w in 0..self.procs.len() {
            if let Err(err) = self.send(w, &frame) {
                let fate = self.fate(w);
                bail!("worker {w} (pid {}) {fate}: {err}", self.procs[w].pid);
            }
        }
        let mut replies: Vec<Option<Reply>> = (0..self.procs.len()).map(|_| None).collect();
        for _ in 0..self.procs.len() {
            let (w, frame) = match self.replies.recv_timeout(timeout) {
                Ok(reply) => reply,
                Err(_) => {
                    let silent: Vec<String> = replies
                        .iter()
                        .enumerate()
                        .filter(|(_, reply)| reply.is_none())
                        .map(|(w, _)| format!("worker {w} (pid {})", self.procs[w].pid))
                        .collect();
                    bail!(
                        "{} did not answer {request:?} within {timeout:?}",
                        silent.join(", ")
                    );
                }
            };
            let pid = self.procs[w].pid;
            let frame = frame.map_err(|err| {
                anyhow!("worker {w} (pid {pid}) ended before answering {request:?}: {err}")
            })?;
            replies[w] = Some(
                protocol::decode(&frame)
                    .with_context(|| format!("worker {w} (pid {pid})'s answer to {request:?}"))?,
            );
        }
        Ok(replies.into_iter().flatten().collect())
    }
}

/// Starts worker `index` (misbehaving as `fault` says, in a test) and the
/// thread that forwards its replies.
pub(super) fn spawn(
    program: &Path,
    index: usize,
    replies: Sender<(usize, std::io::Result<Vec<u8>>)>,
    fault: Option<fault::Fault>,
) -> Result<Worker> {
    let mut command = Command::new(program);
    command.env_remove(fault::VARIABLE);
    // A bench binary of a problem of one's own serves as a worker when it
    // sees this (`worker::started_as_worker`); parbench itself ignores it.
    command.env(worker::WORKER_VARIABLE, "1");
    if let Some(fault) = fault {
        command.env(fault::VARIABLE, fault.name());
    }
    let mut child = command
        .arg("worker")
        .arg("--parent")
        .arg(std::process::id().to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .with_context(|| format!("starting worker {index}: {}", program.display()))?;
    let stdin = child.stdin.take();
    let mut stdout = child.stdout.take().expect("piped");
    let pid = child.id();
    let reader = std::thread::Builder::new()
        .name(format!("parbench-worker-{index}-reader"))
        .spawn(move || {
            loop {
                let frame = match protocol::read_frame(&mut stdout) {
                    Ok(Some(frame)) => Ok(frame),
                    Ok(None) => Err(std::io::Error::new(
                        std::io::ErrorKind::UnexpectedEof,
                        "its output ended",
                    )),
                    Err(err) => Err(err),
                };
                let ended = frame.is_err();
                if replies.send((index, frame)).is_err() || ended {
                    return;
                }
            }
        })
        .context("starting a reader thread")?;
    Ok(Worker {
        child,
        stdin,
        pid,
        reader: Some(reader),
    })
}

impl Drop for Workers {
    /// No worker outlives its pool: close its stdin (it exits at the end of
    /// its input), kill it in case it is busy or stopped, reap it, and join
    /// the thread that read its output.
    fn drop(&mut self) {
        for worker in &mut self.procs {
            drop(worker.stdin.take());
            let _ = worker.child.kill();
            let _ = worker.child.wait();
        }
        for worker in &mut self.procs {
            if let Some(reader) = worker.reader.take() {
                let _ = reader.join();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_folders_whose_owner_file_nobody_holds_are_removed() {
        let temp = tempfile::tempdir().unwrap();
        let folder = |name: &str| {
            let path = temp.path().join(name);
            std::fs::create_dir(&path).unwrap();
            std::fs::write(path.join("sums"), b"sums").unwrap();
            path
        };
        // A pool that lives: its owner file held locked (here, by the test).
        let live = folder("parbench-pool-1-live");
        let held = File::create(live.join(OWNER_LOCK)).unwrap();
        held.lock().unwrap();
        // A pool whose parent ended: its owner file closed, so unlocked.
        let ended = folder("parbench-pool-2-ended");
        File::create(ended.join(OWNER_LOCK)).unwrap();
        // An older parbench's folder has no owner file; the other is no pool's.
        let older = folder("parbench-pool-abc123");
        let other = folder("not-a-pool");
        File::create(other.join(OWNER_LOCK)).unwrap();
        remove_folders_of_ended_pools(temp.path());
        assert!(!ended.exists());
        assert!(live.is_dir() && older.is_dir() && other.is_dir());
        drop(held);
        remove_folders_of_ended_pools(temp.path());
        assert!(!live.exists());
        assert!(older.is_dir() && other.is_dir());
    }

    #[test]
    fn a_pools_folder_is_held_from_its_start_and_let_go_with_its_owner_file() {
        let (dir, owner) = pool_folder().unwrap();
        let name = dir
            .path()
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        assert!(name.starts_with(&format!("{POOL_FOLDER_PREFIX}{}-", std::process::id())));
        let files: Vec<String> = (std::fs::read_dir(dir.path()).unwrap().flatten())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(files, [OWNER_LOCK]);
        remove_folders_of_ended_pools(&std::env::temp_dir());
        assert!(dir.path().is_dir(), "a live pool's folder stays");
        drop(owner);
        remove_folders_of_ended_pools(&std::env::temp_dir());
        assert!(!dir.path().exists(), "let go, it is removed");
    }
}
