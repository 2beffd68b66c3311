"""The map's word labels: a fixed pool of WordLabels re-used every frame, drawn where
``core.maps.labels`` placed them.

Plain Qt text items that ignore the view's scaling: Qt places them in C++ when the view zooms or
rescales, where a pyqtgraph TextItem runs Python per label each time. Words of the query (selected or
highlighted) are drawn in bold and darker.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from PySide6.QtGui import QColor, QFont, QFontMetrics

from embedding_studio.core.maps.labels import Placed

from .map_items import WordLabel

LABEL_POOL = 120
_LABEL_COLOURS = {False: QColor("#333"), True: QColor("#000")}  # plain, emphasised


class LabelPool:
    """Up to ``size`` labels on ``plot``, and the fonts they are drawn in (``fonts``: plain, bold)."""

    def __init__(self, plot: pg.PlotWidget, size: int = LABEL_POOL):
        font = QFont()
        font.setPointSize(9)
        bold = QFont(font)
        bold.setBold(True)
        self.fonts = (font, bold)
        self._metrics = QFontMetrics(bold)  # labels are measured bold, the wider of the two
        self.height = float(self._metrics.height())
        self._widths: dict[str, float] = {}  # word -> its label's width in pixels
        self.labels = [WordLabel(QFontMetrics(font).height()) for _ in range(size)]
        self._state: list[tuple[str, bool] | None] = [None] * size  # skip redundant updates
        for label in self.labels:
            label.setFont(font)
            label.setBrush(_LABEL_COLOURS[False])
            label.setZValue(5)
            label.hide()
            plot.addItem(label, ignoreBounds=True)

    def set_point_size(self, size: int) -> None:
        """Labels in another font size (Preferences): new fonts, measures and the labels' own font."""
        font, bold = self.fonts
        font.setPointSize(size)
        bold.setPointSize(size)
        self._metrics = QFontMetrics(bold)
        self.height = float(self._metrics.height())
        self._widths.clear()
        self._state = [None] * len(self.labels)
        for label in self.labels:
            label.setFont(font)

    def width(self, word: str) -> float:
        """The width in pixels of ``word``'s label, with a margin."""
        width = self._widths.get(word)
        if width is None:
            width = self._widths[word] = self._metrics.horizontalAdvance(word) + 8.0
        return width

    def draw(self, words: list[str], coords: np.ndarray, placed: Placed, selected: set[str],
             highlighted: set[str]) -> None:
        """Label the (row, offset) pairs of ``placed`` (rows of ``words`` and ``coords``); hide the rest."""
        font, bold = self.fonts
        for k, (label, (row, offset)) in enumerate(zip(self.labels, placed)):
            label.set_offset(*offset)
            word = words[row]
            emphasis = word in selected or word in highlighted
            state = self._state[k]
            if state != (word, emphasis):
                label.setText(word)
                label.setBrush(_LABEL_COLOURS[emphasis])
                if emphasis != (state[1] if state else False):  # labels start in the plain font
                    label.setFont(bold if emphasis else font)
                self._state[k] = (word, emphasis)
            label.setPos(float(coords[row, 0]), float(coords[row, 1]))
            label.setZValue(6 if word in selected else 5)  # the query's own label above its answers'
            if not label.isVisible():
                label.show()
        for label in self.labels[len(placed):]:
            if label.isVisible():
                label.hide()

    def word_at(self, plot: pg.PlotWidget, at) -> str | None:
        """The word whose label covers ``at`` (a point in ``plot``'s viewport, pixels), or None.

        Qt cannot find labels that ignore the view's scaling by position (its index holds them at a
        wrong size), so their pixel boxes are worked out here: the point's place plus the label's offset."""
        view = plot.getViewBox()
        for label in reversed(self.labels):  # the topmost first
            if not label.isVisible():
                continue
            corner = plot.mapFromScene(view.mapViewToScene(label.pos()))
            box = label.boundingRect().translated(corner.x() + label.transform().dx(),
                                                  corner.y() + label.transform().dy())
            if box.contains(at.x(), at.y()):
                return label.text()
        return None

    def words(self) -> list[str]:
        return [label.text() for label in self.labels if label.isVisible()]
