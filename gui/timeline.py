"""The training timeline in the app: which timeline the slider scrubs, and what a snapshot shows.

The timeline is the model's (opened or just trained) or, while a run trains, the run's own as it grows
(the training thread sends a copy after each snapshot). A snapshot's map frames are computed off the UI
thread whenever the timeline or the drawn word count changes, turned to match the map on screen; the
slider's requests then only pick one. The loss plot marks the snapshot's loss.
"""

from __future__ import annotations

from PySide6.QtCore import QObject

from embedding_studio.core.maps.timeline_frames import timeline_frames

from .background import run_in_background
from .runs import Runs
from .session import Session
from .views.loss_plot import LossPlot
from .views.timeline_bar import TimelineBar


class TimelineControl(QObject):
    """Keeps ``session.timeline`` and the shown snapshot in step with the runs, the bar and the map."""

    def __init__(self, session: Session, runs: Runs, bar: TimelineBar, loss_plot: LossPlot, parent: QObject):
        super().__init__(parent)
        self.session = session
        self.runs = runs
        self.loss_plot = loss_plot
        self.frames: list = []
        self._generation = 0
        self._wanted: int | None = None  # a snapshot asked for before its frames were ready
        self._followed = None  # the training thread whose timeline is followed
        session.modelChanged.connect(lambda model: session.set_timeline(getattr(model, "timeline", None)))
        session.timelineChanged.connect(lambda _: self._compute_frames())
        session.drawnCountChanged.connect(lambda _: self._compute_frames())
        session.snapshotChanged.connect(self._mark_loss)
        runs.runStarting.connect(self._run_starting)
        bar.snapshotRequested.connect(self.show)

    def _run_starting(self, _epochs: int) -> None:
        self.session.show_snapshot(None)
        self.session.set_timeline(None)
        thread = self.runs.thread
        if thread is not None and thread is not self._followed:  # (a run that starts again is the same thread)
            self._followed = thread
            thread.timelineGrew.connect(self.session.set_timeline)

    def show(self, index: int | None) -> None:
        """Show snapshot ``index`` (None: live)."""
        timeline = self.session.timeline
        if index is None or timeline is None or not len(timeline):
            self._wanted = None
            self.session.show_snapshot(None)
            return
        index = max(0, min(int(index), len(timeline) - 1))
        if index < len(self.frames):
            self.session.show_snapshot(index, self.frames[index])
        else:  # frames still being computed: shown when they arrive
            self._wanted = index
            self.session.show_snapshot(index)

    def _compute_frames(self) -> None:
        self._generation += 1
        generation = self._generation
        session, timeline = self.session, self.session.timeline
        if timeline is None or not len(timeline):
            self.frames = session.snapshot_frames = []
            return
        vocab = session.model.vocab if session.model is not None and session.model.timeline is timeline else (
            session.corpus.vocab if session.corpus is not None else None)
        if vocab is None or len(vocab) < timeline.map_words:
            self.frames = session.snapshot_frames = []
            return
        words, counts, top = vocab.words, vocab.counts, session.drawn_count
        reference = session.live_frame if session.live_frame is not None and session.live_frame.projection == "pca" else None

        def done(frames) -> None:
            if generation != self._generation:
                return
            self.frames = self.session.snapshot_frames = frames
            wanted = self._wanted if self._wanted is not None else self.session.snapshot
            if wanted is not None and wanted < len(frames):
                self._wanted = None
                self.session.show_snapshot(wanted, frames[wanted])

        run_in_background(lambda: timeline_frames(timeline, words, counts, top, reference), done,
                          lambda message: None, owner=self)

    def _mark_loss(self, index) -> None:
        timeline = self.session.timeline
        if index is None or timeline is None or index >= len(timeline):
            self.loss_plot.show_marker(None)
        else:
            self.loss_plot.show_marker(float(timeline.epochs[index]), float(timeline.losses[index]))
