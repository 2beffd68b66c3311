"""Plots to image files: PNG through pyqtgraph's exporter, SVG through pyqtgraph's or Qt's own."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QWidget

TITLE = "Embedding Studio"


def export_plot(widget: QWidget, path: str) -> None:
    """Write the pyqtgraph plot ``widget`` as PNG or SVG (by ``path``'s suffix); OSError if it cannot."""
    import pyqtgraph.exporters as exporters

    if Path(path).suffix.lower() == ".svg":
        try:
            exporters.SVGExporter(widget.getPlotItem()).export(path)
        except ValueError:  # pyqtgraph 0.14's SVG exporter cannot parse the paths Qt 6.11 writes
            _render_svg(widget, path)
    else:
        exporter = exporters.ImageExporter(widget.getPlotItem())
        exporter.parameters()["width"] = max(int(widget.width() * 2), 800)  # crisp on paper
        if exporter.export(path) is False:
            raise OSError("the image could not be written")
    if not Path(path).exists():
        raise OSError("the image could not be written")


def _render_svg(widget: QWidget, path: str) -> None:
    """Draw a plot widget into an SVG file with Qt's own SVG generator."""
    from PySide6.QtCore import QRect, QSize
    from PySide6.QtGui import QPainter
    from PySide6.QtSvg import QSvgGenerator

    Path(path).open("wb").close()  # an unwritable path fails here, as an OSError with a reason
    generator = QSvgGenerator()
    generator.setFileName(path)
    generator.setSize(QSize(widget.width(), widget.height()))
    generator.setViewBox(QRect(0, 0, widget.width(), widget.height()))
    generator.setTitle(TITLE)
    painter = QPainter(generator)
    # as pyqtgraph's exporters do: scatters then draw each symbol as vector shapes, not as pieces of
    # their cached bitmap (which an SVG cannot cut out, so every point showed the whole cache)
    items = [item for item in widget.scene().items() if hasattr(item, "setExportMode")]
    try:
        for item in items:
            item.setExportMode(True, {"antialias": True, "painter": painter, "resolutionScale": 1.0})
        widget.render(painter)
    finally:
        for item in items:
            item.setExportMode(False)
        painter.end()
