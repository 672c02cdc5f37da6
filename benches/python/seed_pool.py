"""The seed's own idioms, measured: multiprocessing.Pool.map in Python.

parbench runs this script from `cargo bench` (and `parbench verify`) when
python3 is on the PATH; it uses the standard library only. It computes
exactly what parbench's `Constants::item` computes (src/workload.rs): item
i is the pair (a, b) = (i, 100 + i); its result is (a + b) * c, mixed
`rounds` times by splitmix64's finaliser, plus the sum of the `span`
entries of the constant state's table (table[k] = mix(k)) from
(i * span) % len(table) on, span = ceil(len(table) / items), so one call
streams the whole table; all on 64-bit wrapping integers (masked with
& (2**64 - 1)).

The idioms, each named by the role of the Rust variant it mirrors
(parbench's Role, src/roles.rs; parbench finds the variant by its role):
  baseline              [f(ab) for ab in items]                  (list comprehension)
  partial_idiom         pool.map(functools.partial(f, state=s), items)
  callable_class_idiom  pool.map(Multiplier(s), items)           (a callable class)
  bound_method_idiom    pool.map(worker.foo, items)              (a bound method)
  copy_per_worker       Pool(initializer=init, initargs=(s,)); pool.map(f_global, items)

Every Pool.map call uses the chunk size parbench's backends use,
ceil(n / (4 * workers)) (Python's own default). Pools are started once per
worker count, outside the timed calls. Each round times one call of every
idiom with time.perf_counter, the sequential list comprehension first, so
every speedup is a ratio inside one round (paired); warm-up rounds are
discarded. Pickled bytes per chunk are len(ForkingPickler.dumps(...)) of the
task tuple Pool.map puts on its queue, and of the result tuple a worker
sends back. Copies of the state per call are counted where they are made
for the workers: every pickling of the state is one unpickled copy in a
worker. The initializer's picklings of the state when its pool starts are
counted apart (copies_at_pool_start, with multiprocessing's start method:
with fork the workers inherit the parent's memory and nothing is pickled).
Each worker's peak RSS is measured per idiom, in an untimed pass after the
timed rounds (the idioms share a pool and alternate in the rounds): reset,
one Pool.map call of the idiom, read (Linux: clear_refs and VmHWM; each
read resets the mark for the next idiom; every worker reads once, held at
its pool's barrier until all have their read task: both pools' initializers
hand each worker that barrier, besides copy_per_worker's state);
elsewhere it is unknown (null).

Output: one JSON object per line, per (idiom, workers), the idiom under
"role".
"""

import argparse
import functools
import json
import multiprocessing
import os
import platform
import sys
import threading
import time
from multiprocessing.pool import mapstar
from multiprocessing.reduction import ForkingPickler

MASK = 2**64 - 1


def mix(x):
    x = (x + 0x9E3779B97F4A7C15) & MASK
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & MASK
    return x ^ (x >> 31)


PICKLES = 0  # picklings of the state in this process: copies made for workers


class State:
    """The constant state: the seed's const, the lookup table and the span
    of it each item sums."""

    def __init__(self, c, rounds, table, span):
        self.c, self.rounds, self.table, self.span = c, rounds, table, span

    def __reduce__(self):
        global PICKLES
        PICKLES += 1
        return (State, (self.c, self.rounds, self.table, self.span))


def f(ab, state):
    """The seed's function: parbench's Constants::item for the pair ab."""
    a, b = ab
    x = ((a + b) * state.c) & MASK
    for _ in range(state.rounds):
        x = mix(x)
    table = state.table
    if table:
        start = (a * state.span) % len(table)
        x = (x + sum(table[start:start + state.span])) & MASK
    return x


class Multiplier:
    """The seed's callable class."""

    def __init__(self, state):
        self.state = state

    def __call__(self, ab):
        return f(ab, self.state)


class Worker:
    """The seed's bound method: worker.foo."""

    def __init__(self, state):
        self.state = state

    def foo(self, ab):
        return f(ab, self.state)


STATE = None  # the initializer's global
BARRIER = None  # every worker of the pool waits here once per peak read


def init(state, barrier):
    global STATE
    init_barrier(barrier)
    STATE = state


def init_barrier(barrier):
    global BARRIER
    BARRIER = barrier


def f_global(ab):
    return f(ab, STATE)


def peak_rss(reset):
    """(pid, peak RSS in bytes or None) of this worker since its last reset;
    then resets it if asked (an unknown peak when the reset fails). Every
    worker of the pool waits at the barrier, so each takes exactly one of
    these tasks; a barrier broken or timed out leaves the peak unknown."""
    try:
        BARRIER.wait(timeout=60)
    except threading.BrokenBarrierError:
        return (os.getpid(), None)
    peak = None
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    peak = int(line.split()[1]) * 1024
        if reset:
            with open("/proc/self/clear_refs", "w") as fh:
                fh.write("5")
    except OSError:
        return (os.getpid(), None)
    return (os.getpid(), peak)


def worker_peaks(pool, workers, reset):
    """Every worker's peak RSS since its last reset (one task per worker:
    each waits at the pool's barrier until all have theirs), then resets
    them if asked."""
    peaks = {}
    for pid, peak in pool.map(peak_rss, [reset] * workers, chunksize=1):
        # Two reads of one worker only after a broken barrier: unknown.
        peaks[pid] = None if pid in peaks else peak
    # A worker that read nothing: unknown.
    return list(peaks.values()) + [None] * (workers - len(peaks))


def checksum(results):
    total = 0
    for r in results:
        total = (total + r) & MASK
    return total


def pickled_bytes(func, state, items, chunksize):
    """Bytes Pool.map pickles for one call: each chunk's task and its result."""
    global PICKLES
    before = PICKLES
    sent = []
    back = []
    for i in range(0, len(items), chunksize):
        chunk = tuple(items[i : i + chunksize])
        task = (0, i // chunksize, mapstar, ((func, chunk),), {})
        sent.append(len(ForkingPickler.dumps(task)))
        result = (0, i // chunksize, (True, [f(ab, state) for ab in chunk]))
        back.append(len(ForkingPickler.dumps(result)))
    PICKLES = before  # these picklings were measured, not sent
    return sent, back


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workload", required=True)
    parser.add_argument("--items", type=int, required=True)
    parser.add_argument("--rounds", type=int, default=0)
    parser.add_argument("--state-bytes", type=int, default=0)
    parser.add_argument("--c", type=int, default=100)
    parser.add_argument("--workers", default="2")
    parser.add_argument("--reps", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2)
    args = parser.parse_args()

    n = args.items
    table = [mix(k) for k in range(args.state_bytes // 8)]
    span = -(-len(table) // n) if n else 0
    state = State(args.c, args.rounds, table, span)
    items = list(zip(range(n), range(100, 100 + n)))
    meta = {
        "workload": args.workload,
        "items": n,
        "state_bytes": args.state_bytes,
        "python": platform.python_version(),
    }

    for workers in [int(w) for w in args.workers.split(",") if w.strip()]:
        chunksize = max(1, -(-n // (4 * workers)))
        chunks = -(-n // chunksize) if n else 0
        # One barrier per pool, given to its workers when they start (the
        # only way multiprocessing shares one): the peak RSS reads wait there.
        plain = multiprocessing.Pool(
            workers, initializer=init_barrier, initargs=(multiprocessing.Barrier(workers),)
        )
        before = PICKLES
        initialised = multiprocessing.Pool(
            workers, initializer=init, initargs=(state, multiprocessing.Barrier(workers))
        )
        at_pool_start = PICKLES - before
        try:
            idioms = [
                ("partial_idiom", plain, functools.partial(f, state=state)),
                ("callable_class_idiom", plain, Multiplier(state)),
                ("bound_method_idiom", plain, Worker(state).foo),
                ("copy_per_worker", initialised, f_global),
            ]

            def sequential():
                return [f(ab, state) for ab in items]

            calls = [("baseline", None, sequential)] + [
                (name, pool, functools.partial(pool.map, func, items, chunksize))
                for name, pool, func in idioms
            ]
            times = {name: [] for name, _, _ in calls}
            copies = {name: [] for name, _, _ in calls}
            sums = {}
            for rep in range(args.warmup + args.reps):
                # The sequential loop first, the idioms in a rotating order,
                # so no idiom always follows the same one.
                shift = rep % (len(calls) - 1)
                rotated = calls[1:][shift:] + calls[1:][:shift]
                for name, _, call in [calls[0]] + rotated:
                    before = PICKLES
                    start = time.perf_counter()
                    results = call()
                    elapsed = time.perf_counter() - start
                    if rep >= args.warmup:
                        times[name].append(elapsed * 1e9)
                        copies[name].append(PICKLES - before)
                    sums[name] = checksum(results)
            # Untimed, per idiom: the workers' peak RSS over one call.
            # Each read resets the mark for the next idiom of the same pool.
            peaks = {}
            for pool in (plain, initialised):
                worker_peaks(pool, workers, reset=True)
            for name, pool, call in calls[1:]:
                call()
                peaks[name] = worker_peaks(pool, workers, reset=True)
        finally:
            for pool in (plain, initialised):
                pool.close()
                pool.join()

        for name, pool, _ in calls:
            record = dict(meta)
            record.update(
                role=name,
                workers=1 if pool is None else workers,
                chunksize=n if pool is None else chunksize,
                chunks=1 if pool is None else chunks,
                call_ns=times[name],
                sequential_ns=times["baseline"],
                checksum=str(sums[name]),
                copies_per_call=max(copies[name]) if copies[name] else 0,
            )
            if pool is not None:
                func = dict((i[0], i[2]) for i in idioms)[name]
                sent, back = pickled_bytes(func, state, items, chunksize)
                record.update(
                    pickled_bytes_per_chunk=sent,
                    result_bytes_per_chunk=back,
                    ipc_bytes_per_call=sum(sent) + sum(back),
                    worker_peak_rss_bytes=peaks[name],
                    start_method=multiprocessing.get_start_method(),
                    copies_at_pool_start=at_pool_start if pool is initialised else 0,
                )
            elif workers != [int(w) for w in args.workers.split(",") if w.strip()][0]:
                continue  # the sequential loop once, with the first pool size
            print(json.dumps(record), flush=True)


if __name__ == "__main__":
    sys.exit(main())
