"""Run a slow map computation in a process of its own, so that Cancel can end it at once.

t-SNE and UMAP take seconds to minutes and neither library can be interrupted from another thread;
a spawned process can simply be terminated. Arguments and results cross the pipe pickled.
"""

from __future__ import annotations

import multiprocessing
from typing import Any, Callable


class Cancelled(Exception):
    """The computation was cancelled before it finished."""


def _child(connection, fn: Callable[..., Any], args: tuple) -> None:
    try:
        connection.send(("ok", fn(*args)))
    except Exception as error:  # sent back and raised in the parent
        connection.send(("error", f"{type(error).__name__}: {error}"))
    finally:
        connection.close()


def run_cancellable(fn: Callable[..., Any], args: tuple, cancelled: Callable[[], bool], *,
                    name: str, poll: float = 0.05) -> Any:
    """``fn(*args)`` (a module-level function) in a spawned process named ``name``.

    Raises :class:`Cancelled` soon after ``cancelled()`` turns true, and RuntimeError (with the
    child's message) when ``fn`` fails there.
    """
    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(send, fn, args), daemon=True, name=name)
    process.start()
    send.close()
    try:
        while True:
            if receive.poll(poll):
                try:
                    status, value = receive.recv()
                except EOFError:
                    raise RuntimeError(f"the {name} process ended without a result") from None
                if status == "error":
                    raise RuntimeError(f"{name} failed: {value}")
                return value
            if cancelled():
                raise Cancelled()
            if not process.is_alive() and not receive.poll():
                raise RuntimeError(f"the {name} process ended without a result")
    finally:
        if process.is_alive():
            process.terminate()
        process.join()
        receive.close()
