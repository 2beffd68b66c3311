"""The map view on its own, fed hand-made frames: point styles and trails."""

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt

from embedding_studio.core.maps.frame import Frame
from embedding_studio.gui.views.embedding_view import _HIGHLIGHTED, _SELECTED

from .conftest import shown_map


def frame(ids, step: float) -> Frame:
    """Row ``i`` sits at (i + step, -i): easy to check where a trail passed."""
    ids = np.asarray(ids, dtype=np.int64)
    coords = np.stack([ids + step, -ids], axis=1).astype(np.float32)
    return Frame(ids, [f"w{i}" for i in ids], np.ones(len(ids), dtype=np.int64), coords, epoch=step)


@pytest.fixture
def view(qtbot):
    return shown_map(qtbot)


def test_selected_and_highlighted_words_are_marked_on_top(view):
    view.session.highlight(["w2", "w1"])
    view.session.select(["w2", "w3"])
    view.session.set_frame(frame(range(6), 0.0))
    assert view.point_count() == 6  # every word answers hover and clicks, in one plain style
    marks = {(x, y): (brush, size) for x, y, brush, size in
             zip(*view.marks.getData(), view.marks.data["brush"], view.marks.data["size"])}
    assert set(marks) == {(1.0, -1.0), (2.0, -2.0), (3.0, -3.0)}
    assert marks[(2.0, -2.0)][0] is _SELECTED and marks[(3.0, -3.0)][0] is _SELECTED  # selection wins
    assert marks[(1.0, -1.0)][0] is _HIGHLIGHTED
    assert marks[(2.0, -2.0)][1] > marks[(1.0, -1.0)][1] > view.scatter.opts["size"]
    assert list(view.marks.data["brush"]).index(_HIGHLIGHTED) == 0  # the selection is drawn last, on top
    view.session.select([])
    view.session.highlight([])
    assert len(view.marks.data) == 0


def test_a_new_frame_of_the_same_words_moves_the_points(view, monkeypatch):
    view.session.set_frame(frame(range(6), 0.0))
    view.session.highlight(["w4"])
    rebuilt = []
    monkeypatch.setattr(view.scatter, "setData", lambda *a, **k: rebuilt.append(k))
    view.session.set_frame(frame(range(6), 5.0))
    assert rebuilt == []  # moved, not rebuilt
    monkeypatch.undo()
    xs, ys = view.scatter.getData()
    assert list(xs) == [5.0, 6.0, 7.0, 8.0, 9.0, 10.0] and list(ys) == [0, -1, -2, -3, -4, -5]
    assert [p.data() for p in view.scatter.points()] == [f"w{i}" for i in range(6)]
    assert view.scatter.dataBounds(0) == pytest.approx((5.0, 10.0), abs=0.1)  # bounds follow the points
    assert list(view.marks.getData()[0]) == [9.0]  # the marks move with them
    view.session.set_frame(frame([0, 1, 7], 1.0))  # other words: rebuilt
    assert [p.data() for p in view.scatter.points()] == ["w0", "w1", "w7"]


def test_trail_follows_a_word_wherever_each_frame_put_it(view):
    view.session.select(["w40"])
    view.session.set_frame(frame(range(10), 0.0))  # w40 not drawn yet
    view.session.set_frame(frame([*range(10), 40], 1.0))  # searched: joins at the end
    view.session.set_frame(frame(range(50), 2.0))  # more words drawn: now at its own row
    view.session.set_frame(frame([*range(5), 40], 3.0))
    trail = view.trails[0]
    assert trail.isVisible()
    xs, ys = trail.getData()
    assert list(xs) == [41.0, 42.0, 43.0] and list(ys) == [-40.0, -40.0, -40.0]


def test_no_trail_for_a_word_not_drawn_now(view):
    view.session.set_frame(frame(range(10), 0.0))
    view.session.set_frame(frame(range(10), 1.0))
    view.session.select(["w3", "w99"])
    assert view.trails[0].isVisible() and not view.trails[1].isVisible()


def click(qtbot, view, x: float, y: float, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    """A real mouse click on the map at data coordinates (x, y)."""
    scene = view.plot.getViewBox().mapViewToScene(QPointF(x, y))
    qtbot.mouseClick(view.plot.viewport(), Qt.MouseButton.LeftButton, modifier, view.plot.mapFromScene(scene))


def test_clicks_reach_words_drawn_with_marks_on_top(qtbot, view):
    qtbot.waitExposed(view)
    session = view.session
    session.set_frame(frame(range(6), 0.0))
    qtbot.wait(20)
    click(qtbot, view, 2, -2)
    assert session.selection == ["w2"]
    click(qtbot, view, 4, -4, Qt.KeyboardModifier.ControlModifier)
    assert session.selection == ["w2", "w4"]
    click(qtbot, view, 2, -2, Qt.KeyboardModifier.ControlModifier)  # a selected (marked) word: deselected
    assert session.selection == ["w4"]
    session.select([])
    session.highlight(["w3"])
    view._hovered(view.scatter, view.scatter.pointsAt(view.scatter.points()[3].pos()), None)  # as the mouse does
    assert view.hover_point.isVisible()
    click(qtbot, view, 3, -3)  # a highlighted (marked) word, under the hover point
    assert session.selection == ["w3"]


def test_labels_are_laid_out_once_per_frame_and_again_after_a_zoom(qtbot, view, monkeypatch):
    layouts = []
    draw = view._draw_labels
    monkeypatch.setattr(view, "_draw_labels", lambda *args: (layouts.append(1), draw(*args)))
    view.session.set_frame(frame(range(30), 0.0))
    qtbot.wait(30)
    assert len(layouts) == 1  # the frame's own layout, already for its fitted range
    view.plot.getViewBox().scaleBy((0.5, 0.5))  # the user zooms in: labels that clashed may fit now
    qtbot.waitUntil(lambda: len(layouts) == 2, timeout=2_000)
    assert view.labelled_words()


def test_a_long_trail_does_not_squash_the_map(view):
    far = frame(range(6), 0.0)
    far = far.replace(coords=far.coords + np.float32(1000.0))  # the run started far away
    view.session.select(["w2"])
    view.session.set_frame(far)
    view.session.set_frame(frame(range(6), 1.0))
    assert view.trails[0].isVisible() and len(view.trails[0].getData()[0]) == 2
    (x0, x1), (y0, y1) = view.plot.getViewBox().viewRange()
    assert x1 - x0 < 50 and y1 - y0 < 50  # the view fits the words, not the trail's start at 1000
