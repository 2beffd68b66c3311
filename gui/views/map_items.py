"""The map's own pyqtgraph items: word labels and the hover tip that keep their size at any zoom, and
marks that restyle some points without taking their clicks."""

from __future__ import annotations

import pyqtgraph as pg

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPainterPath, QPen, QTransform
from PySide6.QtWidgets import QGraphicsItem, QGraphicsSimpleTextItem


def word_tip(x: float, y: float, data: object) -> str:
    return str(data)


class WordLabel(QGraphicsSimpleTextItem):
    """A word beside its point, the same size at any zoom.

    Qt keeps it unscaled (ItemIgnoresTransformations) in C++ when the view zooms or rescales, where a
    pyqtgraph TextItem runs Python per label each time. An image exported at a higher resolution
    scales it like the rest of the picture.
    """

    HALO = 3.0  # px: a white outline, so a label reads over a dense cloud of dots

    def __init__(self, line_height: float):
        super().__init__()
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        self._beside = QTransform.fromTranslate(5, -line_height / 2)  # right of the point, centred on it
        self.setTransform(self._beside)
        self._halo = QPen(QColor(255, 255, 255, 230), self.HALO, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap,
                          Qt.PenJoinStyle.RoundJoin)

    def set_offset(self, dx: float, dy: float) -> None:
        """Where the label's top-left corner sits from its point, in pixels (beside it by default; above,
        below or to the left when that spot is taken)."""
        beside = QTransform.fromTranslate(dx, dy)
        if beside != self._beside:
            self._beside = beside
            self.setTransform(beside)

    def boundingRect(self):  # noqa: N802 - Qt's name
        margin = self.HALO / 2
        return super().boundingRect().adjusted(-margin, -margin, margin, margin)

    def paint(self, painter, option, widget=None) -> None:
        """The halo (the text's outline in white), then the text itself."""
        path = QPainterPath()
        path.addText(0, QFontMetricsF(self.font()).ascent(), self.font(), self.text())
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.strokePath(path, self._halo)
        super().paint(painter, option, widget)

    def setExportMode(self, export: bool, opts: dict | None = None) -> None:  # noqa: N802 - pyqtgraph's name
        scale = float((opts or {}).get("resolutionScale", 1.0)) if export else 1.0
        self.setTransform(self._beside * QTransform.fromScale(scale, scale))


class HoverTip(QGraphicsSimpleTextItem):
    """The word under the mouse, above its point on a white ground, the same size at any zoom.

    (A pyqtgraph TextItem shown after being hidden kept a stale transform and was not drawn.)
    """

    MARGIN = (3, 1)

    def __init__(self, font: QFont):
        super().__init__()
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        self.setFont(font)
        self.setBrush(QColor("#d62728"))
        self.setZValue(10)

    def show_word(self, word: str, x: float, y: float) -> None:
        self.setText(word)
        text = super().boundingRect()
        self.setTransform(QTransform.fromTranslate(-text.width() / 2, -text.height() - 8))  # centred above
        self.setPos(x, y)
        self.show()

    def boundingRect(self):  # noqa: N802 - Qt's name
        dx, dy = self.MARGIN
        return super().boundingRect().adjusted(-dx, -dy, dx, dy)

    def paint(self, painter, option, widget=None) -> None:
        painter.fillRect(self.boundingRect(), QColor(255, 255, 255, 215))
        super().paint(painter, option, widget)


class Marks(pg.ScatterPlotItem):
    """Points drawn again over the plain ones to style them; clicks and hover go to the points beneath.

    pyqtgraph hands a click to the topmost item under it whatever its accepted buttons, so the marks
    must decline it themselves.
    """

    def __init__(self, **style) -> None:
        super().__init__(**{"pen": pg.mkPen(255, 255, 255, 160), **style})
        self.setAcceptHoverEvents(False)

    def mouseClickEvent(self, event) -> None:  # noqa: N802 - pyqtgraph's name
        event.ignore()
