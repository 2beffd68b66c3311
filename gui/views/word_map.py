"""A small labelled word map for the analysis dialogs: points with their words, optional arrows.

The main map (embedding_view) is built for thousands of moving points; these maps draw a few hundred
fixed ones, so plain pyqtgraph items do: a scatter, a label per word, and for the aligned comparison
an arrow from each mover's place in one model to its place in the other.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QColor, QFont, QFontMetrics

from embedding_studio.core.maps.labels import place_labels, screen_points

from .map_items import WordLabel
from .plots import fit_now, named_plot

POINT = pg.mkBrush(120, 140, 170, 150)
LABEL = QColor("#333")
START, END = QColor("#1f77b4"), QColor("#d62728")


class WordMap:
    """``plot`` (a PlotWidget) and what it shows: ``words``, ``coords``, ``arrows`` (start, end) pairs."""

    def __init__(self, object_name: str):
        self.plot = named_plot(object_name)
        self.plot.showGrid(x=True, y=True, alpha=0.15)
        for side in ("bottom", "left"):  # cosines read as 0.25, not as 250 (x0.001)
            self.plot.getAxis(side).enableAutoSIPrefix(False)
        self.scatter = pg.ScatterPlotItem(size=7, pen=pg.mkPen(255, 255, 255, 120), brush=POINT)
        self.plot.addItem(self.scatter)
        self.words: list[str] = []
        self.coords = np.zeros((0, 2), dtype=np.float32)
        self.arrows: list[tuple[str, np.ndarray, np.ndarray]] = []
        self._items: list = []
        self._labels: list[tuple[WordLabel, float, float, bool]] = []  # (label, x, y, always shown)
        self._font = QFont()
        self._font.setPointSizeF(8.5)
        self._metrics = QFontMetrics(self._font)
        # labels laid out again for each range (on a pixel grid, none overlapping: core.maps.labels)
        self.plot.getViewBox().sigRangeChanged.connect(lambda *_: self._lay_out_labels())

    def clear(self) -> None:
        for item in self._items:
            self.plot.removeItem(item)
        self._items = []
        self._labels = []
        self.scatter.setData([])
        self.words, self.coords, self.arrows = [], np.zeros((0, 2), dtype=np.float32), []

    def set_axes(self, x: str, y: str) -> None:
        self.plot.setLabel("bottom", x)
        self.plot.setLabel("left", y)

    def show_words(self, words: Sequence[str], coords: np.ndarray, labelled: int = 120,
                   colour: QColor = LABEL) -> None:
        """Points for ``words`` at ``coords``; the first ``labelled`` words get their label."""
        self.clear()
        self.words, self.coords = list(words), np.asarray(coords, dtype=np.float32).reshape(-1, 2)
        self.scatter.setData(pos=self.coords, data=self.words)
        for word, (x, y) in list(zip(self.words, self.coords))[:labelled]:
            self._label(word, x, y, colour)
        fit_now(self.plot)
        self._lay_out_labels()

    def add_arrows(self, words: Sequence[str], start: np.ndarray, end: np.ndarray) -> None:
        """An arrow per word from ``start`` (blue dot) to ``end`` (red head), labelled at its head."""
        start, end = np.asarray(start, dtype=np.float64), np.asarray(end, dtype=np.float64)
        for word, a, b in zip(words, start, end):
            line = pg.PlotDataItem([a[0], b[0]], [a[1], b[1]], pen=pg.mkPen(END, width=1.6))
            dot = pg.ScatterPlotItem([a[0]], [a[1]], size=7, brush=pg.mkBrush(START), pen=None)
            angle = math.degrees(math.atan2(b[1] - a[1], b[0] - a[0]))
            # ArrowItem's angle points its tip the other way: 180 points left
            head = pg.ArrowItem(pos=(b[0], b[1]), angle=180 - angle, headLen=11, tipAngle=30,
                                brush=pg.mkBrush(END), pen=pg.mkPen(END))
            for item in (line, dot, head):
                self.plot.addItem(item, ignoreBounds=item is head)  # a head's size is in pixels
                self._items.append(item)
            self._label(word, b[0], b[1], END, always=True)
            self.arrows.append((word, a, b))
        fit_now(self.plot)
        self._lay_out_labels()

    def _lay_out_labels(self) -> None:
        """Show the labels that overlap none shown before them (the movers' first, then the words in their
        order); all of them while the plot is not laid out yet."""
        if not self._labels:
            return
        view = self.plot.getViewBox()
        (x0, x1), (y0, y1) = view.viewRange()
        pixel = view.viewPixelSize()
        if not (pixel and all(np.isfinite(pixel)) and min(pixel) > 0):
            return
        order = sorted(range(len(self._labels)), key=lambda k: not self._labels[k][3])  # stable: always first
        coords = np.array([(self._labels[k][1], self._labels[k][2]) for k in order], dtype=np.float64)
        points = screen_points(coords, (x0, x1), (y0, y1), pixel)
        widths = [self._metrics.horizontalAdvance(self._labels[k][0].text()) + 6.0 for k in order]
        always = sum(1 for label in self._labels if label[3])
        placed = place_labels(points, widths, float(self._metrics.height()),
                              ((x1 - x0) / pixel[0], (y1 - y0) / pixel[1]),
                              always=always, budget=len(order), limit=len(order))
        shown = {order[row]: offset for row, offset in placed}
        for k, (label, _, _, _) in enumerate(self._labels):
            label.setVisible(k in shown)
            if k in shown:
                label.set_offset(*shown[k])

    def _label(self, word: str, x: float, y: float, colour: QColor, always: bool = False) -> None:
        label = WordLabel(line_height=12)
        label.setText(word)
        label.setFont(self._font)
        label.setBrush(colour)
        label.setPos(x, y)
        self.plot.addItem(label, ignoreBounds=True)  # its size is in pixels: it must not set the range
        self._items.append(label)
        self._labels.append((label, float(x), float(y), always))
