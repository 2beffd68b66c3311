"""SVG exports draw what the screen shows in other renderers too: the loss curve on its axes, thin
trails on the map (librsvg ignores Qt's non-scaling strokes; Qt's axes came out at 3/4 scale)."""

import shutil
import subprocess

import numpy as np
import pytest
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

from embedding_studio.core.maps.frame import Frame
from embedding_studio.core.train.trainer import EpochEnd, Progress
from embedding_studio.gui.plot_export import export_plot
from embedding_studio.gui.svg_strokes import bake_strokes
from embedding_studio.gui.views.loss_plot import LossPlot

from .conftest import shown_map

EPOCH_MEAN = QColor("#d9541e")
TRAIL = QColor("#9467bd")  # the second trail's colour (the first is the selected words' orange)


def test_bake_strokes_writes_scaled_strokes_in_pixels():
    svg = ('<g fill="none" stroke="#1f5fa8" stroke-width="2" transform="matrix(10,0,0,-100,5,500)"\n>\n'
           '<path vector-effect="non-scaling-stroke" fill-rule="evenodd" d="M1,0.5 L2,0.25 L3,1e-1 "/>\n</g>\n'
           '<g fill="#d9541e" stroke="none" transform="matrix(7,0,0,7,10,10)"\n>\n'
           '<path vector-effect="non-scaling-stroke" d="M0.5,0 C0.5,0.2 0.2,0.5 0,0.5 Z "/>\n</g>\n'
           '<g fill="#333" stroke="#000" transform="matrix(0,-1,1,0,-4,201)"\n>\n<text x="4">loss</text>\n</g>\n')
    baked = bake_strokes(svg)
    assert 'd="M15.000,450.000 L25.000,475.000 L35.000,490.000 "' in baked
    assert baked.count('transform="matrix(1,0,0,1,0,0)"') == 1
    assert 'transform="matrix(7,0,0,7,10,10)"' in baked  # a filled symbol without a stroke: as it was
    assert 'transform="matrix(0,-1,1,0,-4,201)"' in baked and "<text" in baked  # text: as it was


def loss_plot(qtbot) -> LossPlot:
    """Epochs 61 to 111 of a run, as a continued model draws them."""
    plot = LossPlot()
    qtbot.addWidget(plot)
    plot.resize(700, 260)
    plot.show()
    qtbot.waitExposed(plot)
    plot.start_run(111)
    for i in range(400):
        position = 60 + 51 * i / 400
        loss = 0.3 + 0.2 * np.exp(-i / 60)
        plot.add_progress(Progress(int(position) + 1, 111, position / 111, 0, 1.0, 0.01, 1.0, loss, 1))
        if i % 8 == 7:
            plot.add_epoch(EpochEnd(int(position) + 1, 111, loss, 1.0))
    plot._draw_live()
    qtbot.wait(50)
    return plot


def coloured(image: QImage, colour: QColor, tolerance: int = 40) -> np.ndarray:
    """(x, y) of the pixels near ``colour``."""
    image = image.convertToFormat(QImage.Format.Format_RGB32)
    pixels = np.frombuffer(image.constBits(), dtype=np.uint8).reshape(image.height(), image.bytesPerLine() // 4, 4)
    bgr = pixels[:, : image.width(), :3].astype(int)
    near = np.abs(bgr - [colour.blue(), colour.green(), colour.red()]).sum(axis=2) < tolerance
    ys, xs = np.nonzero(near)
    return np.stack([xs, ys], axis=1)


def qt_render(path, size) -> QImage:
    image = QImage(size, QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    QSvgRenderer(str(path)).render(painter)
    painter.end()
    return image


def rsvg_render(path, tmp_path) -> QImage:
    if shutil.which("rsvg-convert") is None:
        pytest.skip("rsvg-convert (librsvg) is not installed")
    out = tmp_path / (path.stem + "-rsvg.png")
    subprocess.run(["rsvg-convert", "-b", "white", str(path), "-o", str(out)], check=True)
    return QImage(str(out))


def test_loss_svg_lines_up_with_the_screen_in_qt_and_librsvg(qtbot, tmp_path):
    plot = loss_plot(qtbot)
    path = tmp_path / "loss.svg"
    export_plot(plot.plot, str(path))
    screen = plot.plot.grab().toImage()
    expected = coloured(screen, EPOCH_MEAN)
    assert len(expected) > 50
    for image in (qt_render(path, screen.size()), rsvg_render(path, tmp_path)):
        assert abs(image.width() - screen.width()) <= 1 and abs(image.height() - screen.height()) <= 1
        found = coloured(image, EPOCH_MEAN)
        assert len(found) < 3 * len(expected)  # the curve, not a band over the plot
        assert np.abs(found.min(axis=0) - expected.min(axis=0)).max() <= 3  # where the screen has it
        assert np.abs(found.max(axis=0) - expected.max(axis=0)).max() <= 3


def test_map_svg_trail_is_a_line_in_librsvg(qtbot, tmp_path):
    view = shown_map(qtbot)
    ids = np.arange(40)
    words = [f"w{i}" for i in ids]
    view.session.select(["w1", "w7"])
    for step in range(30):  # w7 travels right across the map while the others stay
        coords = np.stack([np.cos(ids), np.sin(ids)], axis=1).astype(np.float32)
        coords[7] = (-1 + step / 15, -0.2)
        view.session.set_frame(Frame(ids, words, np.ones(40, dtype=np.int64), coords, epoch=step / 30))
    qtbot.wait(50)
    assert view.trails[1].isVisible()
    path = tmp_path / "map.svg"
    export_plot(view.plot, str(path))
    trail = coloured(rsvg_render(path, tmp_path), TRAIL)
    screen = coloured(view.plot.grab().toImage(), TRAIL)
    assert 0 < len(trail) < 3 * len(screen) + 50  # a 2-pixel line, not a filled polygon
