"""Run a slow function (reading a corpus, loading a model, a PCA) off the UI thread.

``run_in_background(fn, on_done, on_error)`` calls ``fn()`` on the global QThreadPool and delivers its
result, or the message of a :class:`~core.errors.StudioError`, back on the UI thread through queued
signals. Any other exception is a bug: its traceback goes to stderr and the user gets a short message.
With ``owner=``, a result that arrives after that object was deleted is dropped.

:class:`LatestRequest` runs the queries a panel makes (search, analogy, heatmap, compare) this way:
only the newest request's answer is shown, and an inline "searching…" appears if it takes a while.
"""

from __future__ import annotations

import time
import traceback
from typing import Any, Callable

import shiboken6
from PySide6.QtCore import QObject, QRunnable, QThreadPool, QTimer, Signal

from embedding_studio.core.errors import StudioError


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


def _guarded(callback: Callable[..., None], owner: QObject | None) -> Callable[..., None]:
    """``callback``, unless ``owner`` (a widget, say) has been deleted by the time it would run."""
    if owner is None:
        return callback

    def call(*args: Any) -> None:
        if shiboken6.isValid(owner):
            callback(*args)
    return call


def run_in_background(fn: Callable[[], Any], on_done: Callable[[Any], None],
                      on_error: Callable[[str], None], owner: QObject | None = None) -> None:
    """Call ``fn`` on a pool thread; ``on_done(result)`` or ``on_error(message)`` run on the UI thread.

    With ``owner``, the result is dropped if that object has been deleted in the meantime (a closed
    dialog, say), so the callbacks never touch a deleted widget.
    """
    signals = _JobSignals()
    _live.add(signals)

    def finish() -> None:
        _live.discard(signals)
        signals.deleteLater()

    signals.succeeded.connect(_guarded(on_done, owner))
    signals.failed.connect(_guarded(on_error, owner))
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


class LatestRequest(QObject):
    """Queries run off the UI thread where only the latest request counts.

    ``run(fn, on_done, on_error)`` bumps a generation counter; a result that comes back from an older
    request is dropped. If a request takes longer than ``busy_after`` ms, ``on_busy(True)`` is called
    (to show an inline "searching…"), and ``on_busy(False)`` once the latest request has answered.
    The owner is the parent: results arriving after it was deleted are dropped too.
    """

    def __init__(self, owner: QObject, on_busy: Callable[[bool], None] | None = None, busy_after: int = 150):
        super().__init__(owner)
        self.owner = owner
        self.generation = 0
        self.pending = False
        self._on_busy = on_busy
        self._busy_timer = QTimer(self, singleShot=True, interval=busy_after)
        self._busy_timer.timeout.connect(lambda: self._set_busy(True))

    def _set_busy(self, busy: bool) -> None:
        if self._on_busy is not None:
            self._on_busy(busy)

    def _settle(self) -> None:
        self.pending = False
        self._busy_timer.stop()
        self._set_busy(False)

    def cancel(self) -> None:
        """Forget the request in flight (its result will be dropped)."""
        self.generation += 1
        if self.pending:
            self._settle()

    def run(self, fn: Callable[[], Any], on_done: Callable[[Any], None], on_error: Callable[[str], None]) -> int:
        self.generation += 1
        generation = self.generation
        self.pending = True
        if not self._busy_timer.isActive():
            self._busy_timer.start()

        def done(result: Any) -> None:
            if generation == self.generation and shiboken6.isValid(self):
                self._settle()
                on_done(result)

        def failed(message: str) -> None:
            if generation == self.generation and shiboken6.isValid(self):
                self._settle()
                on_error(message)

        run_in_background(fn, done, failed, owner=self.owner)
        return generation
