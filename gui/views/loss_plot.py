"""The loss curve: the live loss (raw and smoothed) and each epoch's mean, against fractional epochs.

The epoch axis counts the model's whole life: a continued run draws on after the earlier curve. The
curves' key sits in the title row, where it cannot cover data (a legend inside the plot did).
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QVBoxLayout, QWidget

from embedding_studio.core.train.trainer import EpochEnd, Progress

from .plots import FittedTitle, fit_now, named_plot

SMOOTHING_EPOCHS = 1 / 40  # time constant of the running average, as a share of the run's epochs...
MAX_SMOOTHING_EPOCHS = 0.25  # ...but never longer than this: over 200 epochs a 5-epoch average lagged
# so far behind a falling loss that it stayed above every epoch's mean
COLOURS = {"live": "#9fb7d6", "smoothed": "#1f5fa8", "epoch mean": "#d9541e"}
REDRAW_MS = 250  # live points arrive ~10 a second; redrawing (axes above all) at 4 a second is enough
X_PADDING = 0.02


class LossPlot(QWidget):
    """A pyqtgraph plot named ``lossPlot``; curves are created once and only get new data."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.plot = named_plot("lossPlot")
        self.plot.setBackground("w")
        self.plot.showGrid(x=True, y=True, alpha=0.25)
        self.plot.setLabel("bottom", "epoch")
        self.plot.setLabel("left", "loss (BCE per example)")
        self.plot.getAxis("left").enableAutoSIPrefix(False)
        self.subject = ""
        self.title = FittedTitle(self.plot, self._title_html, color="#333", size="11pt")
        self.set_subject("")
        self.raw_curve = self.plot.plot(pen=pg.mkPen(COLOURS["live"], width=1), name="live")
        self.smooth_curve = self.plot.plot(pen=pg.mkPen(COLOURS["smoothed"], width=2), name="smoothed")
        self.epoch_curve = self.plot.plot(pen=pg.mkPen(COLOURS["epoch mean"], width=2), symbol="o", symbolSize=7,
                                          symbolBrush=COLOURS["epoch mean"], symbolPen=None, name="epoch mean")
        self.offset = 0  # epochs the model had trained before this run: where the run starts on the axis
        # the timeline snapshot the map shows (gui/timeline.py); not in the legend
        self.marker = pg.ScatterPlotItem(size=14, symbol="d", brush=pg.mkBrush("#2ca02c"), pen=pg.mkPen("#145214"))
        self.marker.setZValue(10)
        self.plot.addItem(self.marker)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot)
        self._redraw = QTimer(self, singleShot=True, interval=REDRAW_MS)
        self._redraw.timeout.connect(self._draw_live)
        self.clear()

    def set_subject(self, subject: str) -> None:
        """Name whose loss this is ("model of crime.txt"), so a curve never passes for another corpus's;
        a long name is shortened to fit (the whole one in the tooltip), never widening the chart."""
        self.subject = subject
        self.title.set(subject)

    @staticmethod
    def _title_html(subject: str, wrapped: bool = False) -> str:
        key = " &nbsp; ".join(f"<span style='color:{colour}'>{'●' if name == 'epoch mean' else '━'} {name}</span>"
                              for name, colour in COLOURS.items())
        name = f"Loss · {subject}" if subject else "Loss"
        return f"{name}{'<br>' if wrapped else ' &nbsp;&nbsp; '}<span style='font-size:9pt'>{key}</span>"

    def start_run(self, epochs: int, before: int = 0, keep: bool = False) -> None:
        """A run of ``epochs`` begins after ``before`` epochs the model already trained: a new model's run
        starts a fresh curve; a continued one (``keep``) draws on after the earlier curve, also when it
        resumes a stopped schedule (``before`` 0: the schedule's own first epochs are on the curve).

        A fixed x axis shows how much of the run is left, and spares a redraw of the axes and grid
        each time a point is added (autoranging x doubled the cost of every live redraw).
        """
        if not keep:
            self.clear()
        self._redraw.stop()
        self.offset = max(int(before), 0)
        self.plot.getAxis("bottom").setTickSpacing()  # fractional epochs mean something while training
        self.plot.setXRange(0, self.offset + max(int(epochs), 1), padding=X_PADDING)  # turns x autorange off

    def clear(self) -> None:
        """Forget all points; the axes fit the data again (for a model opened from a file)."""
        self.plot.enableAutoRange(x=True, y=True)
        self._redraw.stop()
        self.offset = 0
        self.x: list[float] = []
        self.raw: list[float] = []
        self.smooth: list[float] = []
        self.epoch_x: list[float] = []
        self.epoch_y: list[float] = []
        for curve in (self.raw_curve, self.smooth_curve, self.epoch_curve):
            curve.setData([], [])

    def add_progress(self, report: Progress) -> None:
        loss = report.loss
        if not math.isfinite(loss):  # no batch finished since the last report (e.g. paused)
            return
        x = self.offset + float(report.position)
        if self.smooth:  # exponential average over a span of epochs, so it looks alike at any speed
            tau = max(min(SMOOTHING_EPOCHS * float(report.epochs), MAX_SMOOTHING_EPOCHS), 1e-6)
            keep = math.exp(-max(x - self.x[-1], 0.0) / tau)
            self.smooth.append(keep * self.smooth[-1] + (1 - keep) * loss)
        else:
            self.smooth.append(loss)
        self.x.append(x)
        self.raw.append(loss)
        if not self._redraw.isActive():
            self._redraw.start()

    def _draw_live(self) -> None:
        self.raw_curve.setData(self.x, self.raw)
        self.smooth_curve.setData(self.x, self.smooth)
        fit_now(self.plot)

    def add_epoch(self, end: EpochEnd) -> None:
        self._draw_live()  # an epoch's end is drawn with the live curve up to it
        if math.isfinite(end.loss):
            self.epoch_x.append(float(self.offset + end.epoch))
            self.epoch_y.append(float(end.loss))
            self.epoch_curve.setData(self.epoch_x, self.epoch_y)
            fit_now(self.plot)

    def show_history(self, loss_history: np.ndarray) -> None:
        """A model opened from a file: only its per-epoch means are known."""
        self.clear()
        history = np.asarray(loss_history, dtype=float)
        if history.size:
            self.epoch_x = list(range(1, history.size + 1))
            self.epoch_y = history.tolist()
            self.epoch_curve.setData(self.epoch_x, self.epoch_y)
            # whole epochs only: pyqtgraph's own ticks put 1.5 and 2.5 between two epoch means
            step = next(s for s in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 10**9) if history.size / s <= 10)
            self.plot.getAxis("bottom").setTickSpacing(major=step, minor=step)

    def show_marker(self, epoch: float | None, loss: float = math.nan) -> None:
        """Mark the loss at the timeline snapshot shown (None: no marker)."""
        if epoch is None or not math.isfinite(loss):
            self.marker.setData([], [])
        else:
            self.marker.setData([float(epoch)], [float(loss)])

    def point_count(self) -> int:
        return len(self.x) + len(self.epoch_x)
