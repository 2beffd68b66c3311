"""Running the batches of one training run: the ledger they are recorded in, and worker processes.

Why processes and not threads: each batch is a few dozen NumPy calls of a tenth of a millisecond, and
every call hands the GIL back and forth. Two threads spent their time passing the GIL (measured: no
speed-up at all on two cores), while two processes doing the same work ran 1.6x as fast. So with
``workers > 1`` the tables live in shared memory and each worker process trains whole batches on them
without locks, as word2vec and gensim do with threads ("Hogwild"). With ``workers == 1`` everything
runs on the calling thread, reproducibly for a given seed.

Whoever runs a batch records what it did in the :class:`Ledger`; the trainer reads progress, exact
losses and epoch ends from the ledger only, so both ways of running report the same way.

Nothing may outlive the process that trains, however it ends (SIGKILL included): each worker watches its
parent, between batches and while it waits for work, and exits when the parent is gone. Shared memory
blocks carry the parent's pid in their name: multiprocessing's resource tracker unlinks those of a
killed parent once the workers have gone (silently: the caller's stderr is not its to write on), and
should the tracker have been killed too (a whole process group killed at once), the next run sweeps
them. Nothing else is named: the workers' lock is a lock on an unnamed file and their answers come
through pipes, because multiprocessing's Lock and Queue are named semaphores in /dev/shm that only the
tracker would remove, and a group's SIGKILL would leave them there for good.
"""

from __future__ import annotations

import atexit
import itertools
import math
import multiprocessing
import os
import re
import secrets
import signal
import threading
import time
import sys
import tempfile
import traceback
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from multiprocessing import connection, reduction, resource_tracker, shared_memory
from pathlib import Path
from typing import Any, Callable, Iterator

import numpy as np

try:
    import fcntl
except ImportError:  # Windows: its semaphores end with the processes that hold them
    fcntl = None  # type: ignore[assignment]

from ..allocator import keep_freed_memory
from ..config import TrainConfig
from ..errors import WorkerFailed
from ..files import sweep_stale
from ..text.vocab import AliasSampler
from .sgns import BatchRunner

# Slots of the control block shared with worker processes. UNFINISHED is the first batch not yet done:
# no batch may start ``config.batches_in_flight`` or more batches after it.
NEXT, STOP, PAUSE, DIVERGED, UNFINISHED = range(5)

#: Our shared memory blocks: ``es_<pid of the process that made it>_<random>`` (short enough for macOS).
SEGMENT = re.compile(r"es_(?P<pid>\d+)_[0-9a-f]{8}")
SHM_FOLDER = Path("/dev/shm")  # where Linux keeps them as files; elsewhere there is nothing to sweep

#: How often a waiting worker checks that its parent is still there (seconds).
PARENT_CHECK = 0.5

#: multiprocessing's named semaphores ("/mp-" and 8 random characters) as Linux keeps them in /dev/shm.
SEMAPHORE = re.compile(r"sem\.mp-[a-z0-9_]{8}")
#: How old a semaphore that no process has open must be before it is taken for a killed run's.
STALE_SEMAPHORE_SECONDS = 60.0


class Ledger:
    """One row per batch of the run: corpus tokens, summed loss, examples, pairs; a done flag; and its
    lag, how many batches before it were unfinished when it started (whose updates it could not see)."""

    WORDS, LOSS, EXAMPLES, PAIRS = range(4)

    def __init__(self, rows: np.ndarray, done: np.ndarray, lag: np.ndarray):
        self.rows = rows  # (batches, 4) float64
        self.done = done  # (batches,) uint8
        self.lag = lag  # (batches,) int32

    @classmethod
    def allocate(cls, batches: int) -> "Ledger":
        return cls(np.zeros((batches, 4)), np.zeros(batches, dtype=np.uint8), np.zeros(batches, dtype=np.int32))

    def copy(self) -> "Ledger":
        return Ledger(self.rows.copy(), self.done.copy(), self.lag.copy())

    def record(self, index: int, words: int, loss: float, examples: int, pairs: int, lag: int = 0) -> None:
        self.rows[index] = (words, loss, examples, pairs)
        self.lag[index] = lag
        self.done[index] = 1  # after the row: a reader that sees the flag sees the row

    def done_upto(self, start: int) -> int:
        """The first batch at or after ``start`` that is not done yet (all before it are)."""
        window = 4096
        while start < len(self.done):
            missing = np.flatnonzero(self.done[start:start + window] == 0)
            if len(missing):
                return start + int(missing[0])
            start += window
        return len(self.done)

    def totals(self, lo: int, hi: int) -> np.ndarray:
        """Summed (words, loss, examples, pairs) of batches ``[lo, hi)``, in float64."""
        return self.rows[lo:hi].sum(axis=0)


def run_here(runner: BatchRunner, ledger: Ledger, first: int, control: np.ndarray, poll) -> None:
    """Run batches ``first..`` on this thread, calling ``poll()`` between them."""
    keep_freed_memory()
    for index in range(first, runner.total):
        while control[PAUSE] and not control[STOP]:
            time.sleep(0.01)
            poll()
        if control[STOP]:
            return
        words, loss, examples, pairs = runner.run(index)
        ledger.record(index, words, loss, examples, pairs)
        if not math.isfinite(loss):
            control[DIVERGED] = control[STOP] = 1
        poll()


# --- worker processes -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Block:
    name: str  # a shared memory block, or a file path when ``offset`` is set
    shape: tuple[int, ...]
    dtype: str
    offset: int | None = None


@dataclass(frozen=True)
class _Job:
    """What a worker process needs: where the shared arrays are, and the settings.

    Kept small on purpose: it travels through a pipe that blocks for good once more than 64 KB wait in
    it, which would hang the parent if a worker died before reading it.
    """

    blocks: dict[str, _Block]
    config: dict[str, Any]


class SharedArrays:
    """NumPy arrays in named shared memory, freed when the run ends (a context manager)."""

    def __init__(self) -> None:
        sweep_stale(SHM_FOLDER, [SEGMENT], older_than_seconds=None)  # blocks of processes killed outright
        sweep_stale_semaphores()
        quiet_resource_tracker()
        self._stack = ExitStack()
        self.blocks: dict[str, _Block] = {}
        self.arrays: dict[str, np.ndarray] = {}

    def add(self, key: str, like: np.ndarray) -> np.ndarray:
        """A shared copy of ``like``."""
        array = self.zeros(key, like.shape, like.dtype)
        array[...] = like
        return array

    def zeros(self, key: str, shape: tuple[int, ...], dtype) -> np.ndarray:
        """A new shared array of zeros (shared memory starts zeroed: nothing is copied)."""
        dtype = np.dtype(dtype)
        memory = _create(max(1, int(np.prod(shape)) * dtype.itemsize))
        self._stack.callback(_unlink, memory)
        self._stack.callback(_close, memory)
        array = np.ndarray(shape, dtype=dtype, buffer=memory.buf)
        self.blocks[key] = _Block(memory.name, tuple(shape), dtype.str)
        self.arrays[key] = array
        return array

    def add_mapped(self, key: str, array: np.memmap) -> np.ndarray:
        """A read-only memory-mapped file, shared by mapping the same file (nothing copied)."""
        self.blocks[key] = _Block(str(array.filename), array.shape, array.dtype.str, int(array.offset))
        self.arrays[key] = array
        return array

    def __enter__(self) -> "SharedArrays":
        return self

    def __exit__(self, *exc: object) -> None:
        self.arrays.clear()  # views must go before the memory they point into
        self._stack.close()


def sweep_stale_semaphores(folder: Path = SHM_FOLDER, older_than_seconds: float = STALE_SEMAPHORE_SECONDS,
                           ) -> list[Path]:
    """Remove multiprocessing's named semaphores that no process has open; returns what was removed.

    Training names none, but the corpus reader's process pool (and any Python program's spawned
    Lock or Queue) does, and only the resource tracker removes them: a process group killed at once
    leaves them in /dev/shm for good. One that no process maps is of no use to anyone (its creator maps
    it as long as it lives, and whoever opens it maps it too), so it goes once old enough for a
    creation under way not to count. Only this user's (they are made mode 0600), and only where /proc
    shows the processes' maps (Linux); elsewhere nothing is removed.
    """
    try:
        entries = [entry for entry in os.scandir(folder) if SEMAPHORE.fullmatch(entry.name)]
    except OSError:
        return []
    now, uid = time.time(), os.getuid() if hasattr(os, "getuid") else None
    if uid is None or not os.path.isdir("/proc/self"):
        return []
    candidates = []
    for entry in entries:
        try:
            found = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if found.st_uid == uid and now - found.st_mtime > older_than_seconds:
            candidates.append((Path(entry.path), found.st_ino))
    if not candidates:
        return []
    mapped = _mapped_inodes(folder)
    if mapped is None:
        return []
    removed = []
    for path, inode in candidates:
        if inode not in mapped:
            try:
                path.unlink()
                removed.append(path)
            except OSError:
                pass
    return removed


def _mapped_inodes(folder: Path) -> set[int] | None:
    """The inodes of files in ``folder`` that any process we may look at has mapped (None without /proc).

    By inode: a semaphore's creator maps it under a temporary name, shown as deleted once glibc has
    linked the real one. A process whose map the kernel will not show even to its own user is one that
    made itself undumpable or lives outside this namespace (an init, a privileged daemon), not a
    Python program sharing a Lock with its children: it is passed over.
    """
    prefix = f"{folder}/"
    inodes: set[int] = set()
    try:
        pids = [entry for entry in os.listdir("/proc") if entry.isdigit()]
    except OSError:
        return None
    for pid in pids:
        try:
            maps = Path(f"/proc/{pid}/maps").read_text()
        except OSError:  # ended meanwhile, or not ours to look at
            continue
        for line in maps.splitlines():
            fields = line.split(maxsplit=5)
            if len(fields) == 6 and fields[5].startswith(prefix):
                inodes.add(int(fields[4]))
    return inodes


def _create(size: int) -> shared_memory.SharedMemory:
    """A new block named after this process (:data:`SEGMENT`), so a leftover can be told ours and stale."""
    while True:
        try:
            name = f"es_{os.getpid()}_{secrets.token_hex(4)}"
            return shared_memory.SharedMemory(name, create=True, size=size)
        except FileExistsError:
            continue


def _close(memory: shared_memory.SharedMemory) -> None:
    try:
        memory.close()
    except BufferError:  # a view outlived the run; the mapping goes when the process ends
        pass


def _unlink(memory: shared_memory.SharedMemory) -> None:
    try:
        memory.unlink()
    except FileNotFoundError:  # already swept: another pid namespace sharing /dev/shm took us for dead
        pass


def _attach(block: _Block, keep_open: list) -> np.ndarray:
    if block.offset is not None:
        return np.memmap(block.name, dtype=np.dtype(block.dtype), mode="r", offset=block.offset, shape=block.shape)
    memory = shared_memory.SharedMemory(name=block.name)
    keep_open.append(memory)  # the mapping lives as long as the process; the parent unlinks it
    return np.ndarray(block.shape, dtype=np.dtype(block.dtype), buffer=memory.buf)


class _ParentGone(Exception):
    """The process that started this worker has ended: nobody will read what the worker does."""


def _check_parent(parent: int) -> None:
    if os.getppid() != parent:  # an orphan is adopted by init (or a subreaper)
        raise _ParentGone


def _train_share(job: _Job, lock, parent: int) -> None:
    """Take batches of one run until none are left or training stops (in a worker process)."""
    opened: list = []
    try:
        arrays = {key: _attach(block, opened) for key, block in job.blocks.items()}
        control = arrays["control"]
        noise = AliasSampler.from_tables(arrays["noise_accept"], arrays["noise_alias"])
        config = TrainConfig.from_dict(job.config)
        runner = BatchRunner(arrays["tokens"], arrays["table"], arrays["keep"], noise, config, arrays["counts"])
        ledger = Ledger(arrays["ledger"], arrays["done"], arrays["lag"])
        in_flight = config.batches_in_flight
        # Two batches in flight are not gated: on a busy machine one worker preempted made the other wait
        # (the article's job took 1.2x as long on two cores), and two free-running workers are what the
        # quality tables of two workers have always measured (benchmarks/README.md, "Workers").
        gated = in_flight > 2
        while not control[STOP]:
            _check_parent(parent)
            if control[PAUSE]:
                time.sleep(0.01)
                continue
            with _held(lock, parent):
                index = int(control[NEXT])
                control[NEXT] = index + 1
            if index >= runner.total:
                break
            if gated and not _wait_turn(control, index - in_flight, parent):
                break
            lag = index - int(control[UNFINISHED])
            words, loss, examples, pairs = runner.run(index)
            ledger.record(index, words, loss, examples, pairs, lag)
            if not math.isfinite(loss):
                control[DIVERGED] = control[STOP] = 1
            with _held(lock, parent):
                control[UNFINISHED] = ledger.done_upto(int(control[UNFINISHED]))
    finally:
        arrays = control = runner = ledger = noise = None  # noqa: F841 - views go before their memory
        for memory in opened:
            _close(memory)


class _held:
    """The workers' lock, taken while checking that the parent is alive (its holder may have been
    killed with it)."""

    def __init__(self, lock, parent: int):
        self.lock, self.parent = lock, parent

    def __enter__(self) -> None:
        while not self.lock.acquire(timeout=PARENT_CHECK):
            _check_parent(self.parent)

    def __exit__(self, *exc: object) -> None:
        self.lock.release()


class FileLock:
    """A lock between processes that names nothing: a POSIX record lock on an unnamed temporary file.

    The kernel releases it when its holder dies, however it dies, and the file has no name to leave
    behind. Handed to spawned processes with the file's descriptor (as multiprocessing hands its pipes).
    Record locks belong to a process, so each process may use it from one thread at a time.
    """

    def __init__(self, fd: int | None = None):
        if fd is None:
            with tempfile.TemporaryFile() as file:  # unnamed from the start where the OS allows (O_TMPFILE)
                fd = os.dup(file.fileno())
        self.fd = fd

    def acquire(self, timeout: float | None = None) -> bool:
        """Take the lock, waiting for it (a dead holder's lock is free at once); True once held."""
        fcntl.lockf(self.fd, fcntl.LOCK_EX)
        return True

    def release(self) -> None:
        fcntl.lockf(self.fd, fcntl.LOCK_UN)

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

    def __reduce__(self):
        return FileLock._rebuild, (reduction.DupFd(self.fd),)

    @staticmethod
    def _rebuild(dup) -> "FileLock":
        return FileLock(dup.detach())


def quiet_resource_tracker() -> None:
    """Start multiprocessing's resource tracker with its stderr on /dev/null, unless it runs already.

    The tracker outlives a killed parent to unlink its shared memory, which is what it is for, and then
    warns of "leaked shared_memory objects" on the stderr it inherited: the caller's, which a SIGKILL'd
    command must leave as it was. It inherits file descriptor 2 whatever ``sys.stderr`` is, so that
    descriptor points at /dev/null for the moment the tracker starts (its warnings go nowhere; its work
    is the same). Off POSIX there is no tracker.
    """
    if os.name != "posix" or getattr(resource_tracker._resource_tracker, "_fd", None) is not None:
        return
    try:
        sys.stderr.flush()
    except (AttributeError, OSError, ValueError):
        pass
    try:
        saved = os.dup(2)
    except OSError:  # no stderr at all: nothing to keep the tracker off
        resource_tracker.ensure_running()
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        resource_tracker.ensure_running()
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def _wait_turn(control: np.ndarray, last_needed: int, parent: int) -> bool:
    """Wait until every batch up to ``last_needed`` is done, so that no more than the run's
    batches in flight train at once; False if training stops meanwhile.

    The wait is short on a machine with a core per worker (a batch waits only for one that started
    before it); where workers outnumber cores, the one it waits for may not be running, so the
    waiter yields its core and, after a while, sleeps.
    """
    spins = 0
    while control[UNFINISHED] <= last_needed:
        if control[STOP]:
            return False
        spins += 1
        if spins < 100:
            os.sched_yield() if hasattr(os, "sched_yield") else time.sleep(0)
        else:
            time.sleep(0.0002)
            if spins % 2500 == 0:
                _check_parent(parent)
    return True


def _serve(inbox, outbox, worker: int, lock, nice: int, parent: int) -> None:
    """A worker process's life: run the jobs it is given, report each one, until told to stop or
    its parent (pid ``parent``) is gone."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle: it sets STOP
    keep_freed_memory()
    if nice and hasattr(os, "nice"):
        os.nice(nice)
    try:
        while (message := _next_message(inbox, parent)) is not None:
            number, job = message
            try:
                _train_share(job, lock, parent)
                failure = None
            except _ParentGone:
                raise
            except BaseException as error:
                failure = (type(error).__name__, traceback.format_exc())
            outbox.send((number, worker, failure))
    except (_ParentGone, BrokenPipeError):  # nobody reads the answers now
        pass


def _next_message(inbox, parent: int):
    """The next job, or None for "stop"; raises :class:`_ParentGone` instead of waiting for good."""
    while not inbox.poll(PARENT_CHECK):
        _check_parent(parent)
    try:
        return inbox.recv()
    except EOFError:  # the parent's end of the pipe closed: it ended
        raise _ParentGone from None


class WorkerPool:
    """Worker processes kept between runs: starting one costs ~0.7 s (importing NumPy and SciPy),
    most of a short run, and it competes with the window for the CPU while it happens."""

    def __init__(self, size: int, nice: int = 0):
        context = multiprocessing.get_context("spawn")  # safe beside Qt and other threads, on every OS
        self.size = size
        self.nice = nice
        self.busy = threading.Lock()  # one run at a time
        quiet_resource_tracker()
        self._lock = FileLock() if fcntl is not None else context.Lock()
        # One pipe per worker each way. This process alone holds the write end of a worker's inbox, so
        # the worker reads EOF when this process ends; the read ends are kept here too, so that a
        # message to a dead worker does not raise. The answers come back each on the worker's own pipe:
        # a Queue would be named semaphores, and a dead worker's pipe reads EOF.
        self._pipes = [context.Pipe(duplex=False) for _ in range(size)]
        self._inboxes = [write for _, write in self._pipes]
        answers = [context.Pipe(duplex=False) for _ in range(size)]
        self._answers = [read for read, _ in answers]
        self._jobs = itertools.count()
        parent = os.getpid()
        self.processes = [context.Process(target=_serve, args=(read, answers[w][1], w, self._lock, nice, parent),
                                          daemon=True, name=f"sgns-worker-{w}")
                          for w, (read, _) in enumerate(self._pipes)]
        with _ctrl_c_held():  # a worker still starting up must not print a KeyboardInterrupt traceback
            for process in self.processes:
                process.start()
        for _, write in answers:  # the workers' ends: held only by them, so a dead worker's pipe reads EOF
            write.close()

    def alive(self) -> bool:
        return all(p.is_alive() for p in self.processes)

    def run(self, job: _Job, control: np.ndarray, poll: Callable[[], None]) -> None:
        """Give every worker the job and call ``poll()`` every ~20 ms until all have finished it.

        Whatever goes wrong here (a callback raising in ``poll``, Ctrl-C, or SIGTERM, which the command
        line turns into Ctrl-C), the workers are told to stop and waited for before this returns, so no
        worker outlives its run's shared memory.
        The caller must hold :attr:`busy`.
        """
        number = next(self._jobs)
        pending, failures = set(), []
        try:
            for worker, inbox in enumerate(self._inboxes):
                inbox.send((number, job))
                pending.add(worker)
            while pending:
                poll()
                self._collect(number, pending, failures, control, timeout=0.02)
        except BaseException:
            control[STOP] = 1
            deadline = time.monotonic() + 10
            while pending and time.monotonic() < deadline:
                self._collect(number, pending, failures, control, timeout=0.05)
            if pending:
                self.close()
            raise
        if failures:
            kind, text = failures[0]
            if kind == "MemoryError":
                raise MemoryError("a training worker ran out of memory")
            raise WorkerFailed(f"a training worker process failed:\n{text}")

    def _collect(self, number: int, pending: set, failures: list, control: np.ndarray, timeout: float) -> None:
        ready = connection.wait(self._answers, timeout=timeout)
        answers = []
        for pipe in ready:
            try:
                answers.append(pipe.recv())
            except (EOFError, OSError):  # its worker ended: said below
                pass
        if not answers:
            if ready or not self.alive():
                control[STOP] = 1
                pending.clear()
                self.close()
                raise WorkerFailed("a training worker process died")
            return
        for done, worker, failure in answers:
            if done != number:  # a late answer to a run that was abandoned: not ours
                continue
            pending.discard(worker)
            if failure:
                control[STOP] = 1
                failures.append(failure)

    def renice(self, nice: int) -> None:
        for process in self.processes:
            try:
                os.setpriority(os.PRIO_PROCESS, process.pid, nice)
            except (OSError, AttributeError):  # not permitted, or not a Unix
                return
        self.nice = nice

    def close(self) -> None:
        for inbox, process in zip(self._inboxes, self.processes):
            if process.is_alive():
                try:
                    inbox.send(None)
                except OSError:  # it ended meanwhile
                    pass
        for process in self.processes:
            process.join(timeout=2)
            if process.is_alive():
                process.terminate()
                process.join()
        for answers in self._answers:
            answers.close()
        if isinstance(self._lock, FileLock):
            self._lock.close()


@contextmanager
def _ctrl_c_held() -> Iterator[None]:
    """SIGINT blocked in this thread meanwhile, and so in the processes started meanwhile, for good.

    A worker ignores Ctrl-C (the parent handles it and stops the run), but only once its imports are
    done: Ctrl-C to the process group, as a terminal sends it, would make a worker still starting print
    a KeyboardInterrupt traceback. A Ctrl-C that arrives meanwhile is delivered here afterwards.
    """
    if not hasattr(signal, "pthread_sigmask") or threading.current_thread() is not threading.main_thread():
        yield
        return
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


_pool: WorkerPool | None = None
_pool_guard = threading.Lock()


def warm_up(size: int, nice: int = 0) -> None:
    """Start the shared worker processes now, so that the first run does not wait for them.

    ``nice`` lowers their priority (the app uses it so the window stays responsive).
    """
    if size > 1:
        pool = _claim_pool(size, nice)
        if pool is not None:
            pool.busy.release()


def _claim_pool(size: int, nice: int | None = None) -> WorkerPool | None:
    """The shared pool with ``busy`` held, made anew if needed; None if another run is using it.

    A higher ``nice`` than the pool's is applied to its processes in place (lowering a priority needs
    no privilege; raising one would, so a lower ``nice`` is simply not applied).
    """
    global _pool
    with _pool_guard:
        if _pool is not None and not _pool.busy.acquire(blocking=False):
            return None
        if _pool is not None and _pool.size == size and _pool.alive():
            if nice is not None and nice > _pool.nice:
                _pool.renice(nice)
            return _pool
        if _pool is not None:
            _pool.close()
            _pool.busy.release()
        _pool = WorkerPool(size, nice or 0)
        _pool.busy.acquire()
        return _pool


@atexit.register
def shut_down_pool() -> None:
    """Stop the shared worker processes (they are daemons, so exiting would end them too)."""
    global _pool
    with _pool_guard:
        if _pool is not None and _pool.busy.acquire(blocking=False):
            _pool.close()
            _pool.busy.release()
            _pool = None


def run_in_processes(shared: SharedArrays, keep: np.ndarray, noise: AliasSampler, counts: np.ndarray,
                     config: TrainConfig, workers: int, poll) -> None:
    """Run the schedule in ``workers`` processes on the shared arrays, calling ``poll()`` meanwhile.

    ``shared`` holds "tokens", "table", "ledger", "done", "lag" and "control" (whose NEXT slot says where to
    start). The shared pool of processes is used unless another run holds it; then this run starts a
    pool of its own. A worker that fails raises :class:`WorkerFailed` (or MemoryError) here.
    """
    shared.add("keep", keep)
    shared.add("counts", np.asarray(counts))
    shared.add("noise_accept", noise.accept)
    shared.add("noise_alias", noise.alias)
    job = _Job(dict(shared.blocks), config.to_dict())
    control = shared.arrays["control"]
    pool = _claim_pool(workers)
    if pool is None:  # another trainer in this process holds the shared pool
        private = WorkerPool(workers)
        try:
            private.run(job, control, poll)
        finally:
            private.close()
        return
    try:
        pool.run(job, control, poll)
    finally:
        pool.busy.release()
