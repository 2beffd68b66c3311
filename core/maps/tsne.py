"""t-SNE of the final vectors (scikit-learn), in a process of its own so it can be cancelled.

t-SNE takes seconds to minutes and scikit-learn offers no way to interrupt it, so the cancellable
form runs it in a spawned process and terminates that process when asked to stop.
"""

from __future__ import annotations

import multiprocessing
from typing import Callable

import numpy as np


def tsne_2d(points: np.ndarray, perplexity: float = 30.0, seed: int = 0) -> np.ndarray:
    """2D t-SNE coordinates of ``points`` (n, 2) float32; perplexity is capped for small n."""
    from sklearn.manifold import TSNE
    from threadpoolctl import threadpool_limits

    points = np.asarray(points, dtype=np.float32)
    n = len(points)
    if n < 3:
        return np.zeros((n, 2), dtype=np.float32)
    perplexity = float(min(perplexity, max(1.0, (n - 1) / 3)))
    embedding = TSNE(n_components=2, perplexity=perplexity, init="pca", random_state=seed)
    # One OpenMP thread: on small inputs the threads' spinning cost 30 s instead of 0.5 s (measured).
    with threadpool_limits(limits=1, user_api="openmp"):
        return embedding.fit_transform(points).astype(np.float32)


class Cancelled(Exception):
    """The computation was cancelled before it finished."""


def _child(connection, points: np.ndarray, perplexity: float, seed: int) -> None:
    try:
        connection.send(("ok", tsne_2d(points, perplexity, seed)))
    except Exception as error:  # sent back and raised in the parent
        connection.send(("error", f"{type(error).__name__}: {error}"))
    finally:
        connection.close()


def tsne_2d_cancellable(points: np.ndarray, cancelled: Callable[[], bool], perplexity: float = 30.0,
                        seed: int = 0, poll: float = 0.05) -> np.ndarray:
    """:func:`tsne_2d` in a separate process; raises :class:`Cancelled` soon after ``cancelled()``."""
    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(send, np.asarray(points, np.float32), perplexity, seed),
                              daemon=True, name="tsne")
    process.start()
    send.close()
    try:
        while True:
            if receive.poll(poll):
                try:
                    status, value = receive.recv()
                except EOFError:
                    raise RuntimeError("the t-SNE process ended without a result") from None
                if status == "error":
                    raise RuntimeError(f"t-SNE failed: {value}")
                return value
            if cancelled():
                raise Cancelled()
            if not process.is_alive() and not receive.poll():
                raise RuntimeError("the t-SNE process ended without a result")
    finally:
        if process.is_alive():
            process.terminate()
        process.join()
        receive.close()
