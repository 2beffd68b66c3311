"""The map at a glance: a query's words are always labelled (with a halo over the dots), and the words
outside its answer are greyed, as the Embedding Projector does."""

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage, QPainter

from core.maps.frame import Frame
from gui.session import Session
from gui.views.embedding_view import EmbeddingView
from gui.views.map_items import WordLabel


@pytest.fixture
def view(qtbot):
    view = EmbeddingView(Session())
    qtbot.addWidget(view)
    view.resize(600, 400)
    view.show()
    qtbot.waitExposed(view)
    return view


def crowded(n=200, seed=0) -> Frame:
    """Many words in a small cloud: their labels collide."""
    coords = np.random.default_rng(seed).normal(size=(n, 2)).astype(np.float32)
    return Frame(np.arange(n), [f"w{i}" for i in range(n)], np.arange(n, 0, -1), coords)


def test_the_query_and_all_its_answers_are_labelled_in_a_crowd(view):
    view.session.set_frame(crowded())
    answers = [f"w{i}" for i in range(100, 115)]  # 15 neighbours in the middle of the cloud
    view.session.select(["w150"])
    view.session.highlight(answers)
    labelled = set(view.labelled_words())
    assert {"w150", *answers} <= labelled
    assert len(labelled) < 80  # the other labels still thin out where they would collide


def alphas(view) -> set[int]:
    """The fill alpha of every drawn point."""
    return {brush.color().alpha() for brush in view.scatter.data["brush"]}


def test_words_outside_the_answer_are_greyed_and_back_after_clear(view, qtbot):
    view.session.set_frame(crowded())
    (plain,) = alphas(view)
    view.session.highlight(["w1", "w2"])
    assert max(alphas(view)) < plain / 2
    qtbot.mouseClick(view.clear_button, Qt.MouseButton.LeftButton)
    assert alphas(view) == {plain}


def test_colour_by_frequency_with_its_legend(view, qtbot):
    frame = crowded()
    view.session.set_frame(frame)
    view.colour_mode.setFocus()
    qtbot.keyClick(view.colour_mode, Qt.Key.Key_Down)  # Plain -> Frequency
    assert view.colour_mode.currentText() == "Frequency" and view.colour_legend.isVisible()
    brushes = view.scatter.data["brush"]
    most, least = int(np.argmax(frame.counts)), int(np.argmin(frame.counts))
    assert brushes[most].color().lightness() < brushes[least].color().lightness()  # frequent is darker
    assert "200" in view.colour_legend.text() and "1" in view.colour_legend.text()  # the counts' range
    moved = frame.replace(coords=frame.coords * 2)
    view.session.set_frame(moved)  # the same words moved (training): the colours stay
    assert view.scatter.data["brush"][most].color() == brushes[most].color()
    view.session.highlight(["w3"])  # a query greys them all; clearing it brings the colours back
    assert len(alphas(view)) == 1
    view.session.highlight([])
    assert view.scatter.data["brush"][most].color() == brushes[most].color()
    qtbot.keyClick(view.colour_mode, Qt.Key.Key_Up)
    assert not view.colour_legend.isVisible() and len(alphas(view)) == 1


def test_a_label_has_a_white_halo(qtbot):
    from PySide6.QtCore import QRectF
    from PySide6.QtWidgets import QGraphicsScene

    scene = QGraphicsScene()
    scene.setBackgroundBrush(QColor("black"))
    label = WordLabel(12)
    label.setText("crime")
    scene.addItem(label)
    image = QImage(80, 30, QImage.Format.Format_RGB32)
    painter = QPainter(image)
    scene.render(painter, QRectF(0, 0, 80, 30), QRectF(-5, -10, 80, 30))
    painter.end()
    colours = [QColor(image.pixel(x, y)) for x in range(80) for y in range(30)]
    assert any(c.red() > 200 and c.green() > 200 and c.blue() > 200 for c in colours)  # white around the (black) text: the halo
