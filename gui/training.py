"""The training thread: runs ``core.train.trainer`` off the UI thread and reports through throttled signals.

The window talks to a run only through this object. Signals carry copies — a ``Progress`` per
report, a :class:`~core.maps.frame.Frame` (the few hundred projected rows) per snapshot, the
finished model once the trainer has let go of it — never the tables being trained. The projection of
each snapshot is computed here, in the training thread, so the UI thread only draws.
"""

from __future__ import annotations

import threading
import time
import traceback
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QThread, Signal

from embedding_studio.core.config import DEFAULT_RESTRICT_VOCAB, TrainConfig
from embedding_studio.core.errors import StudioError
from embedding_studio.core.vectors.model import Model
from embedding_studio.core.train.trainer import EpochEnd, Progress, Trainer
from embedding_studio.core.text.vocab import Vocab
from embedding_studio.core.train.workers import warm_up

from embedding_studio.core.maps.frame import Frame, drawn_ids, pca_frame

PROGRESS_INTERVAL = 0.1  # seconds: at most ~10 progress signals a second
SNAPSHOT_INTERVAL = 1.0  # seconds between embedding snapshots (each a copy of a few hundred rows)
# Worker processes run at a lower priority, so when every core trains, the scheduler serves the window
# first; an idle window costs training nothing. (This thread keeps its priority: it holds the GIL.)
WORKER_NICE = 5
EPOCH_VECTOR_ROWS = DEFAULT_RESTRICT_VOCAB  # rows copied at each epoch end for evaluation (the evaluations' own limit)


@dataclass(frozen=True)
class EpochReport:
    """The end of an epoch, with a copy of the vectors when per-epoch evaluation asked for them."""

    end: EpochEnd
    vectors: np.ndarray | None = None


class TrainingThread(QThread):
    """One training run. ``start()`` it; ``pause()``, ``resume()`` and ``stop()`` are safe any time."""

    progress = Signal(object)  # Progress
    epochFinished = Signal(object)  # EpochReport
    snapshot = Signal(object)  # Frame; the first one (``before``) is the untrained model
    trainingFinished = Signal(object)  # the Model (also after stop(): a usable, partly trained model)
    failed = Signal(str)  # a message for a person
    timelineGrew = Signal(object)  # core.vectors.timeline.Timeline: a copy, after each new snapshot
    restarted = Signal(str)  # the run diverged and starts again from its first batch, carefully: why

    def __init__(self, ids: np.ndarray, vocab: Vocab, config: TrainConfig, *, top_words: int = 300,
                 extra_ids: tuple[int, ...] = (), snapshot_interval: float = SNAPSHOT_INTERVAL,
                 model: Model | None = None, parent=None):
        """``model``: continue it (a stopped run resumes where it stopped; a finished one trains more)."""
        super().__init__(parent)
        self.ids = ids
        self.vocab = vocab
        self.config = config
        self.model = model
        self.snapshot_interval = snapshot_interval
        self._drawn = (top_words, tuple(extra_ids))
        self._lock = threading.Lock()
        self._trainer: Trainer | None = None
        self._stop_requested = False
        self._pause_requested = False
        self.stopped_by_user = False
        self._epoch_vectors = False

    def set_epoch_vectors(self, enabled: bool) -> None:
        """Send a copy of the vector table (its first EPOCH_VECTOR_ROWS rows) with each epoch end.

        The copy is made in the training thread, and only while this is on (for per-epoch evaluation).
        """
        self._epoch_vectors = bool(enabled)

    # -- control, from any thread
    def set_drawn_words(self, top_words: int, extra_ids: tuple[int, ...]) -> None:
        """Change which rows the next snapshots hold (one atomic assignment, read by the run)."""
        self._drawn = (int(top_words), tuple(extra_ids))

    def stop(self) -> None:
        with self._lock:
            self._stop_requested = True
            self.stopped_by_user = True
            if self._trainer is not None:
                self._trainer.resume()
                self._trainer.stop()

    def pause(self) -> None:
        with self._lock:
            self._pause_requested = True
            if self._trainer is not None:
                self._trainer.pause()

    def resume(self) -> None:
        with self._lock:
            self._pause_requested = False
            if self._trainer is not None:
                self._trainer.resume()

    @property
    def paused(self) -> bool:
        return self._pause_requested

    # -- the run, in the thread
    def run(self) -> None:
        try:
            trainer = Trainer(self.ids, self.vocab, self.config, model=self.model)
            warm_up(trainer.config.batches_in_flight, nice=WORKER_NICE)  # the run's own (a resumed batch size)
            with self._lock:
                self._trainer = trainer
                if self._pause_requested:
                    trainer.pause()
                if self._stop_requested:
                    trainer.stop()
            model = self._train(trainer)
            model.unit_vectors  # noqa: B018 - warm the query cache here, not on the UI thread
            self.trainingFinished.emit(model)
        except StudioError as error:
            self.failed.emit(str(error))
        except MemoryError:
            self.failed.emit("not enough memory to train this; try fewer dimensions or a larger min count")
        except Exception as error:  # a bug: keep the app alive, say what happened, log the traceback
            traceback.print_exc()
            self.failed.emit(f"training stopped by an unexpected error: {type(error).__name__}: {error}")

    def _train(self, trainer: Trainer) -> Model:
        previous = self._frame(trainer.model, None, 0.0, before=True)
        last_snapshot = time.perf_counter()
        last_progress = 0.0
        last_words = -1
        position_now = 0.0

        snapshots = [0]

        def timeline_grew() -> None:  # the arrays are replaced, never changed, by a snapshot: a shallow copy is safe
            timeline = trainer.model.timeline
            if timeline is not None and len(timeline) != snapshots[0]:
                snapshots[0] = len(timeline)
                self.timelineGrew.emit(timeline.copy())

        def on_progress(report: Progress) -> None:
            nonlocal previous, last_snapshot, last_progress, last_words, position_now
            timeline_grew()
            now = time.perf_counter()
            position = position_now = report.position
            if now - last_progress >= PROGRESS_INTERVAL * 0.9 or report.fraction >= 1.0:
                last_progress = now
                self.progress.emit(report)
            if now - last_snapshot >= self.snapshot_interval and report.words_done != last_words:
                last_snapshot, last_words = now, report.words_done
                # the model's tables are read each time: with worker processes they move into shared memory
                previous = self._frame(trainer.model, previous, position)

        def on_epoch_end(end: EpochEnd) -> None:
            vectors = None
            if self._epoch_vectors:
                vectors = np.array(trainer.model.vectors[:EPOCH_VECTOR_ROWS], dtype=np.float32, copy=True)
            self.epochFinished.emit(EpochReport(end, vectors))

        def on_restart(note: str) -> None:
            nonlocal previous, position_now
            snapshots[0] = 0
            self.restarted.emit(note)
            position_now = 0.0
            previous = self._frame(trainer.model, None, 0.0, before=True)  # the fresh start's map

        result = trainer.train(on_progress=on_progress, on_epoch_end=on_epoch_end,
                               progress_interval=PROGRESS_INTERVAL, on_restart=on_restart)
        timeline_grew()
        self._frame(result, previous, position_now)
        return result

    def _frame(self, model: Model, previous: Frame | None, position: float, before: bool = False) -> Frame:
        top, extra = self._drawn
        ids = drawn_ids(len(model), top, extra)
        frame = pca_frame(model.vectors, ids, model.words, model.counts, previous, position)
        if before:
            frame = frame.replace(before=True)
        self.snapshot.emit(frame)
        return frame
