"""Large matrix-vector products in slices, on threads of our own, for programs that keep BLAS on one thread.

The app runs BLAS on one thread (OpenBLAS's helper threads busy-wait after every call, taking CPU
from training; see ``gui.app``). NumPy lets go of the GIL in a matrix-vector product, so slices of a
large table can still be scored in parallel on plain threads, which wait without spinning. On top of
BLAS's own threads the slices would oversubscribe the cores, so this is off unless a program asks.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

SPLIT_ROWS = 50_000  # smaller tables are faster in one call than handed out to threads


@dataclass(frozen=True)
class _Split:
    threads: int = 1
    pool: ThreadPoolExecutor | None = None


_split = _Split()  # replaced whole, never changed in place: a product in flight keeps the one it read


def split_across_threads(threads: int) -> None:
    """Compute large products in ``threads`` slices at once from now on (1: in one call)."""
    global _split
    threads = max(1, int(threads))
    if threads != _split.threads:  # an old pool is not shut down: products in flight may still use it
        _split = _Split(threads, ThreadPoolExecutor(threads, thread_name_prefix="matvec") if threads > 1 else None)


def split_threads() -> int:
    return _split.threads


def matvec(table: np.ndarray, vector: np.ndarray) -> np.ndarray:
    """``table @ vector``, in slices on several threads when asked to and the table is large."""
    split = _split
    if split.pool is None or len(table) < SPLIT_ROWS or not table.flags.c_contiguous:
        return table @ vector
    out = np.empty(len(table), dtype=np.result_type(table, vector))
    edges = np.linspace(0, len(table), split.threads + 1).astype(int)
    list(split.pool.map(lambda k: _product(table, vector, out, edges[k], edges[k + 1]), range(split.threads)))
    return out


def _product(table: np.ndarray, vector: np.ndarray, out: np.ndarray, start: int, stop: int) -> None:
    np.dot(table[start:stop], vector, out=out[start:stop])
