"""Plots to image files: PNG through pyqtgraph's exporter, SVG through Qt's own generator.

pyqtgraph 0.14's SVG exporter cannot parse the paths Qt 6.11 writes, so SVG goes through QSvgGenerator,
made portable by ``gui.svg_strokes`` and written atomically.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QWidget

TITLE = "Embedding Studio"


def export_plot(widget: QWidget, path: str) -> None:
    """Write the pyqtgraph plot ``widget`` as PNG or SVG (by ``path``'s suffix); OSError if it cannot.

    A widget with an ``export_caption()`` (the map: its colour legend) gets it under its title in the
    image, so an exported map coloured by cluster or frequency says what its colours mean."""
    import pyqtgraph.exporters as exporters

    caption = getattr(widget, "export_caption", None)  # what the image needs besides the plot (a legend)
    title = widget.getPlotItem().titleLabel
    shown_title = title.text
    if caption is not None and caption():
        title.setText(f"{shown_title}<br><span style='font-size:9pt'>{caption()}</span>")
    try:
        if Path(path).suffix.lower() == ".svg":
            _render_svg(widget, path)
        else:
            exporter = exporters.ImageExporter(widget.getPlotItem())
            exporter.parameters()["width"] = max(int(widget.width() * 2), 800)  # crisp on paper
            if exporter.export(path) is False:
                raise OSError("the image could not be written")
    finally:
        if title.text != shown_title:
            title.setText(shown_title)
    if not Path(path).exists():
        raise OSError("the image could not be written")


def _render_svg(widget: QWidget, path: str) -> None:
    """Draw a plot widget into an SVG file with Qt's own SVG generator."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRect, QSize
    from PySide6.QtGui import QPainter
    from PySide6.QtSvg import QSvgGenerator

    from embedding_studio.core.files import atomic_write

    from .svg_strokes import bake_strokes

    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    # SVG Tiny 1.2, no clip paths: ImageMagick drops what they clip, and Qt placed the legend's wrongly
    generator = QSvgGenerator(QSvgGenerator.SvgVersion.SvgTiny12)
    generator.setOutputDevice(buffer)
    generator.setSize(QSize(widget.width(), widget.height()))
    generator.setViewBox(QRect(0, 0, widget.width(), widget.height()))
    generator.setTitle(TITLE)
    # at the screen's resolution: pyqtgraph's axes replay a QPicture recorded at the screen's dpi, which
    # Qt scales by the device's dpi (72 by default), so the axes came out at 3/4 of the data's scale
    generator.setResolution(widget.logicalDpiX())
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
    buffer.close()
    with atomic_write(path, "w") as out:  # an unwritable path fails here, as an OSError with a reason
        out.write(bake_strokes(bytes(data).decode("utf-8")))
