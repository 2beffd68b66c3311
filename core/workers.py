"""Running the batches of one training run: the ledger they are recorded in, and worker processes.

Why processes and not threads: each batch is a few dozen NumPy calls of a tenth of a millisecond, and
every call hands the GIL back and forth. Two threads spent their time passing the GIL (measured: no
speed-up at all on two cores), while two processes doing the same work ran 1.6x as fast. So with
``workers > 1`` the tables live in shared memory and each worker process trains whole batches on them
without locks, as word2vec and gensim do with threads ("Hogwild"). With ``workers == 1`` everything
runs on the calling thread, reproducibly for a given seed.

Whoever runs a batch records what it did in the :class:`Ledger`; the trainer reads progress, exact
losses and epoch ends from the ledger only, so both ways of running report the same way.
"""

from __future__ import annotations

import math
import multiprocessing
import time
import traceback
from contextlib import ExitStack
from dataclasses import dataclass
from multiprocessing import shared_memory
from typing import Any

import numpy as np

from .config import TrainConfig
from .sgns import BatchRunner
from .vocab import AliasSampler

# Slots of the control block shared with worker processes.
NEXT, STOP, PAUSE, DIVERGED, FAILED = range(5)


class Ledger:
    """One row per batch of the run: corpus tokens, summed loss, examples, pairs; and a done flag."""

    WORDS, LOSS, EXAMPLES, PAIRS = range(4)

    def __init__(self, rows: np.ndarray, done: np.ndarray):
        self.rows = rows  # (batches, 4) float64
        self.done = done  # (batches,) uint8

    @classmethod
    def allocate(cls, batches: int) -> "Ledger":
        return cls(np.zeros((batches, 4)), np.zeros(batches, dtype=np.uint8))

    def record(self, index: int, words: int, loss: float, examples: int, pairs: int) -> None:
        self.rows[index] = (words, loss, examples, pairs)
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
        self._stack = ExitStack()
        self.blocks: dict[str, _Block] = {}
        self.arrays: dict[str, np.ndarray] = {}

    def add(self, key: str, like: np.ndarray) -> np.ndarray:
        """A shared copy of ``like``."""
        memory = shared_memory.SharedMemory(create=True, size=max(1, like.nbytes))
        self._stack.callback(memory.unlink)
        self._stack.callback(_close, memory)
        array = np.ndarray(like.shape, dtype=like.dtype, buffer=memory.buf)
        array[...] = like
        self.blocks[key] = _Block(memory.name, like.shape, like.dtype.str)
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


def _close(memory: shared_memory.SharedMemory) -> None:
    try:
        memory.close()
    except BufferError:  # a view outlived the run; the mapping goes when the process ends
        pass


def _attach(block: _Block, keep_open: list) -> np.ndarray:
    if block.offset is not None:
        return np.memmap(block.name, dtype=np.dtype(block.dtype), mode="r", offset=block.offset, shape=block.shape)
    memory = shared_memory.SharedMemory(name=block.name)
    keep_open.append(memory)  # the mapping lives as long as the process; the parent unlinks it
    return np.ndarray(block.shape, dtype=np.dtype(block.dtype), buffer=memory.buf)


def _worker_main(job: _Job, worker: int, lock) -> None:  # runs in a worker process
    opened: list = []
    arrays = {key: _attach(block, opened) for key, block in job.blocks.items()}
    control = arrays["control"]
    try:
        config = TrainConfig.from_dict(job.config)
        rng = np.random.default_rng([config.seed, worker, int(control[NEXT])])
        noise = AliasSampler.from_tables(arrays["noise_accept"], arrays["noise_alias"])
        runner = BatchRunner(arrays["tokens"], arrays["table"], arrays["keep"], noise, config, rng)
        ledger = Ledger(arrays["ledger"], arrays["done"])
        while not control[STOP]:
            if control[PAUSE]:
                time.sleep(0.01)
                continue
            with lock:
                index = int(control[NEXT])
                control[NEXT] = index + 1
            if index >= runner.total:
                break
            words, loss, examples, pairs = runner.run(index)
            ledger.record(index, words, loss, examples, pairs)
            if not math.isfinite(loss):
                control[DIVERGED] = control[STOP] = 1
    except BaseException:
        traceback.print_exc()
        control[FAILED] = control[STOP] = 1
        raise


def run_in_processes(shared: SharedArrays, keep: np.ndarray, noise: AliasSampler, config: TrainConfig,
                     workers: int, poll) -> None:
    """Start ``workers`` processes on the shared arrays and call ``poll()`` every 20 ms until they end.

    ``shared`` holds "tokens", "table", "ledger", "done" and "control" (whose NEXT slot says where to
    start). Worker failures are raised here as RuntimeError.
    """
    shared.add("keep", keep)
    shared.add("noise_accept", noise.accept)
    shared.add("noise_alias", noise.alias)
    job = _Job(dict(shared.blocks), config.to_dict())
    context = multiprocessing.get_context("spawn")  # safe beside Qt and other threads, on every OS
    lock = context.Lock()
    processes = [context.Process(target=_worker_main, args=(job, w, lock), daemon=True,
                                 name=f"sgns-worker-{w}") for w in range(workers)]
    control = shared.arrays["control"]
    try:
        for process in processes:
            process.start()
        while any(p.is_alive() for p in processes):
            poll()
            for p in processes:
                p.join(timeout=0.02 / len(processes))
    finally:
        control[STOP] = 1
        for process in processes:
            process.join(timeout=5)
            if process.is_alive():  # pragma: no cover - a wedged worker
                process.terminate()
                process.join()
    if control[FAILED] or any(p.exitcode not in (0, None) for p in processes):
        raise RuntimeError("a training worker process failed; see the messages above")
