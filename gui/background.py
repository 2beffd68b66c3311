"""Run a slow function (reading a corpus, loading a model, a PCA) off the UI thread.

``run_in_background(fn, on_done, on_error)`` calls ``fn()`` on the global QThreadPool and delivers its
result, or the message of a :class:`~core.errors.StudioError`, back on the UI thread through queued
signals. Any other exception is a bug: its traceback goes to stderr and the user gets a short message.
"""

from __future__ import annotations

import time
import traceback
from typing import Any, Callable

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from core.errors import StudioError


class _JobSignals(QObject):
    succeeded = Signal(object)
    failed = Signal(str)
    progressed = Signal(object)  # a tuple of the arguments the job passed to its report function


class _Job(QRunnable):
    def __init__(self, fn: Callable[[], Any], signals: _JobSignals):
        super().__init__()
        self.fn = fn
        self.signals = signals
        self.setAutoDelete(True)

    def run(self) -> None:
        try:
            result = self.fn()
        except StudioError as error:
            self.signals.failed.emit(str(error))
        except MemoryError:
            self.signals.failed.emit("not enough memory for this; try a smaller corpus or vocabulary")
        except Exception as error:  # a bug, not bad input: keep the app alive and say so
            traceback.print_exc()
            self.signals.failed.emit(f"unexpected error: {type(error).__name__}: {error}")
        else:
            self.signals.succeeded.emit(result)


_live: set[_JobSignals] = set()  # keeps each job's signal object alive until it has reported


def run_in_background(fn: Callable[[], Any], on_done: Callable[[Any], None],
                      on_error: Callable[[str], None]) -> None:
    """Call ``fn`` on a pool thread; ``on_done(result)`` or ``on_error(message)`` run on the UI thread."""
    signals = _JobSignals()
    _live.add(signals)

    def finish() -> None:
        _live.discard(signals)
        signals.deleteLater()

    signals.succeeded.connect(on_done)
    signals.failed.connect(on_error)
    signals.succeeded.connect(finish)
    signals.failed.connect(finish)
    QThreadPool.globalInstance().start(_Job(fn, signals))


def run_with_progress(fn: Callable[[Callable[..., None]], Any], on_progress: Callable[..., None],
                      on_done: Callable[[Any], None], on_error: Callable[[str], None],
                      interval: float = 0.05) -> None:
    """Like :func:`run_in_background`, but ``fn(report)`` may call ``report(*args)`` as it goes.

    Reports are throttled to one per ``interval`` seconds and delivered as ``on_progress(*args)`` on the
    UI thread (queued, so they arrive before ``on_done``).
    """
    signals = _JobSignals()
    _live.add(signals)
    last = [0.0]

    def report(*args: Any) -> None:
        now = time.monotonic()
        if now - last[0] >= interval:
            last[0] = now
            signals.progressed.emit(args)

    def finish() -> None:
        _live.discard(signals)
        signals.deleteLater()

    signals.progressed.connect(lambda args: on_progress(*args))
    signals.succeeded.connect(on_done)
    signals.failed.connect(on_error)
    signals.succeeded.connect(finish)
    signals.failed.connect(finish)
    QThreadPool.globalInstance().start(_Job(lambda: fn(report), signals))


def wait_for_background(msecs: int = 10_000) -> bool:
    """Block until every background job has finished (used when closing, and by tests)."""
    return QThreadPool.globalInstance().waitForDone(msecs)
