"""The bar under the map: a slider over the training timeline's snapshots, Play, and Live.

It only asks: moving the slider requests a snapshot (``snapshotRequested``), Live requests None; what the
map, the loss marker and the panels show follows the session's ``snapshotChanged``.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSlider, QWidget

from ..session import Session

PLAY_MS = 450  # per snapshot when replaying


class TimelineBar(QWidget):
    """``timelineSlider``, ``timelinePlay``, ``timelineLive`` and ``timelineLabel``."""

    snapshotRequested = Signal(object)  # an index, or None for live

    def __init__(self, session: Session, parent: QWidget | None = None):
        super().__init__(parent, objectName="timelineBar")
        self.session = session
        self.play_button = QPushButton("▶ Play", objectName="timelinePlay",
                                       toolTip="Replay the training run snapshot by snapshot.")
        self.slider = QSlider(Qt.Orientation.Horizontal, objectName="timelineSlider", minimum=0, maximum=0,
                              pageStep=1, toolTip="Scrub through the training run: the map, the loss marker "
                                                  "and the Timeline tab follow.")
        self.slider.setTickPosition(QSlider.TickPosition.TicksBelow)
        self.live_button = QPushButton("Live", objectName="timelineLive", checkable=True, checked=True,
                                       toolTip="Show the model as it is now (while training: as it trains).")
        self.label = QLabel("No timeline", objectName="timelineLabel")
        self.label.setMinimumWidth(190)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 2, 6, 2)
        layout.addWidget(self.play_button)
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.label)
        layout.addWidget(self.live_button)
        self._timer = QTimer(self, interval=PLAY_MS)
        self._timer.timeout.connect(self._step)

        self.slider.valueChanged.connect(self._moved)
        self.play_button.clicked.connect(self.toggle_play)
        self.live_button.clicked.connect(self._live_clicked)
        session.timelineChanged.connect(self._timeline_changed)
        session.snapshotChanged.connect(self._snapshot_changed)
        self._timeline_changed(session.timeline)

    @property
    def playing(self) -> bool:
        return self._timer.isActive()

    def _timeline_changed(self, timeline) -> None:
        count = 0 if timeline is None else len(timeline)
        self.setEnabled(count > 0)
        self.slider.blockSignals(True)
        self.slider.setMaximum(max(count - 1, 0))
        if self.session.snapshot is None:
            self.slider.setValue(max(count - 1, 0))
        self.slider.blockSignals(False)
        self._show_label()

    def _snapshot_changed(self, index) -> None:
        self.live_button.setChecked(index is None)
        wanted = self.slider.maximum() if index is None else index  # live is the newest: the slider's end
        if wanted != self.slider.value():
            self.slider.blockSignals(True)
            self.slider.setValue(wanted)
            self.slider.blockSignals(False)
        self._show_label()

    def _show_label(self) -> None:
        timeline, index = self.session.timeline, self.session.snapshot
        if timeline is None or not len(timeline):
            self.label.setText("No timeline")
            return
        shown = len(timeline) - 1 if index is None else index
        where = timeline.label(shown)
        prefix = "Live · latest: " if index is None else ""
        self.label.setText(f"{prefix}{where} · loss {timeline.losses[shown]:.3f} "
                           f"({shown + 1}/{len(timeline)})")

    def _moved(self, value: int) -> None:
        self.snapshotRequested.emit(int(value))

    def _live_clicked(self) -> None:
        self.stop_play()
        self.live_button.setChecked(True)
        self.snapshotRequested.emit(None)

    def toggle_play(self) -> None:
        if self.playing:
            self.stop_play()
            return
        if self.session.timeline is None or len(self.session.timeline) < 2:
            return
        if self.session.snapshot is None or self.slider.value() >= self.slider.maximum():
            if self.slider.value() == 0:  # from the start (setValue says nothing when it stays)
                self._moved(0)
            else:
                self.slider.setValue(0)
        self.play_button.setText("❚❚ Pause")
        self._timer.start()

    def stop_play(self) -> None:
        self._timer.stop()
        self.play_button.setText("▶ Play")

    def _step(self) -> None:
        if self.slider.value() >= self.slider.maximum():
            self.stop_play()
            return
        self.slider.setValue(self.slider.value() + 1)
