"""The quality curve: each benchmark's headline score (Spearman, analogy accuracy) after every epoch.

It sits beside the loss curve and shares its x axis (epochs); one curve per benchmark, created the
first time that benchmark reports and only given new data after that.
"""

from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6.QtWidgets import QVBoxLayout, QWidget

from .plots import named_plot

_COLOURS = ["#2ca02c", "#9467bd", "#d62728", "#17becf", "#8c564b", "#e377c2", "#bcbd22"]


class QualityPlot(QWidget):
    """A pyqtgraph plot named ``qualityPlot``: benchmark scores against epochs."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.plot = named_plot("qualityPlot")
        self.plot.showGrid(x=True, y=True, alpha=0.25)
        self.plot.setLabel("bottom", "epoch")
        self.plot.setLabel("left", "score")
        self.plot.getAxis("left").enableAutoSIPrefix(False)
        self.plot.setTitle("Quality per epoch", color="#333", size="11pt")
        self.legend = self.plot.addLegend(offset=(-10, -10), labelTextColor="#333",
                                          brush=pg.mkBrush(255, 255, 255, 210), pen=pg.mkPen("#ccc"))
        self.curves: dict[str, pg.PlotDataItem] = {}
        self.points: dict[str, tuple[list[float], list[float]]] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot)

    def clear(self) -> None:
        for curve in self.curves.values():
            self.plot.removeItem(curve)
        self.legend.clear()
        self.curves.clear()
        self.points.clear()

    def add_scores(self, epoch: float, scores: dict[str, float]) -> None:
        for name, value in scores.items():
            if not math.isfinite(value):
                continue
            if name not in self.curves:
                colour = _COLOURS[len(self.curves) % len(_COLOURS)]
                self.curves[name] = self.plot.plot(pen=pg.mkPen(colour, width=2), symbol="o", symbolSize=7,
                                                   symbolBrush=colour, symbolPen=None, name=name)
                self.points[name] = ([], [])
            xs, ys = self.points[name]
            xs.append(float(epoch))
            ys.append(float(value))
            self.curves[name].setData(xs, ys)

    def point_count(self) -> int:
        return sum(len(xs) for xs, _ in self.points.values())
