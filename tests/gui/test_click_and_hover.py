"""Clicking a word on the map shows its neighbours (as the Embedding Projector does), and the hover
label names the dot under a still mouse after the points move (a new frame, a t-SNE layout)."""

import numpy as np
from PySide6.QtCore import QPointF, Qt

from embedding_studio.core.maps.frame import Frame

from .conftest import shown_map, wait_query


def viewport_point(view, x: float, y: float):
    scene = view.plot.getViewBox().mapViewToScene(QPointF(x, y))
    return view.plot.mapFromScene(scene)


def test_clicking_a_word_shows_its_neighbours(qtbot, trained):
    window = trained
    window.tabs.setCurrentWidget(window.analogy_panel)
    view, frame = window.embedding_view, window.session.frame
    qtbot.wait(50)
    row = frame.words.index("queen")
    x, y = (float(v) for v in frame.coords[row])
    qtbot.mouseClick(view.plot.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     viewport_point(view, x, y))
    wait_query(qtbot, window.search_panel)
    clicked = window.session.selection[0]  # the dot under the mouse (queen, or one drawn on top of it)
    assert window.tabs.currentWidget() is window.search_panel
    assert window.search_panel.edit.text() == clicked
    listed = [window.search_panel.table.item(r, 0).text() for r in range(window.search_panel.table.rowCount())]
    assert len(listed) >= 5 and clicked not in listed
    assert window.session.highlighted == listed  # the green marks are the clicked word's neighbours
    expected = [w for w, _ in window.session.model.most_similar(clicked, topn=len(listed))]
    assert listed == expected


def test_ctrl_click_adds_to_the_selection_without_a_search(qtbot, trained):
    window = trained
    view, frame = window.embedding_view, window.session.frame
    window.session.select(["king"])
    qtbot.wait(50)
    row = frame.words.index("queen")
    x, y = (float(v) for v in frame.coords[row])
    window.search_panel.edit.setText("")
    qtbot.mouseClick(view.plot.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ControlModifier,
                     viewport_point(view, x, y))
    assert len(window.session.selection) == 2 and window.search_panel.edit.text() == ""


def test_hover_label_follows_the_dot_under_a_still_mouse(qtbot):
    view = shown_map(qtbot)
    ids = np.arange(6)
    coords = np.stack([ids * 3.0, -ids * 2.0], axis=1).astype(np.float32)
    words = [f"w{i}" for i in ids]
    first = Frame(ids, words, np.ones(6, dtype=np.int64), coords, projection="tsne")
    view.session.set_frame(first)
    qtbot.wait(30)
    at = viewport_point(view, *coords[2])
    qtbot.mouseMove(view.plot.viewport(), at)
    qtbot.waitUntil(lambda: view.hover_label.isVisible(), timeout=2_000)
    assert view.hover_label.text() == "w2"

    moved = coords.copy()
    moved[[2, 5]] = moved[[5, 2]]  # a new layout puts w5 where w2 was; the mouse does not move
    view.session.set_frame(Frame(ids, words, np.ones(6, dtype=np.int64), moved, projection="tsne"))
    qtbot.wait(30)
    assert view.hover_label.isVisible() and view.hover_label.text() == "w5"
    assert (view.hover_label.pos().x(), view.hover_label.pos().y()) == (float(moved[5, 0]), float(moved[5, 1]))


def test_words_box_takes_five_digit_counts_typed(qtbot, window):
    box = window.embedding_view.word_count
    box.setFocus()
    box.selectAll()
    qtbot.keyClicks(box, "12332")
    assert window.session.drawn_count == 300  # not yet: 1, 12, 123 and 1233 on the way are not drawn
    qtbot.keyClick(box, Qt.Key.Key_Return)
    assert box.value() == 12332 and window.session.drawn_count == 12332
