"""Exploring a trained model: search and neighbours, analogy, the similarity heatmap, the map."""

import pytest


from .conftest import wait_query


def test_search_fills_neighbours_and_highlights(qtbot, trained):
    panel = trained.search_panel
    panel.edit.setText("king")
    qtbot.keyClick(panel.edit, "\r")
    wait_query(qtbot, panel)
    assert panel.table.rowCount() >= 5
    words = [panel.table.item(r, 0).text() for r in range(panel.table.rowCount())]
    assert "queen" in words[:5]
    assert float(panel.table.item(0, 1).text()) >= float(panel.table.item(1, 1).text())
    assert trained.session.selection == ["king"]
    assert set(trained.session.highlighted) == set(words)
    assert "king" in trained.embedding_view.labelled_words()
    assert not panel.message.isVisibleTo(trained)


def test_unknown_word_gets_inline_suggestions(qtbot, trained, errors):
    panel = trained.search_panel
    panel.search("qeen")
    wait_query(qtbot, panel)
    assert panel.message.isVisibleTo(trained)
    assert "not in the vocabulary" in panel.message.text() and "queen" in panel.message.text()
    assert panel.table.rowCount() == 0
    assert errors == []  # no dialog


def test_completion_over_vocabulary(trained):
    words = trained.search_panel.words_model.stringList()
    assert "king" in words and len(words) == len(trained.session.model)


def test_searched_rare_word_joins_the_map(qtbot, trained):
    view = trained.embedding_view
    view.word_count.setValue(20)
    qtbot.waitUntil(lambda: view.point_count() == 20, timeout=10_000)
    rare = trained.session.model.words[-1]
    trained.search_panel.search(rare)
    qtbot.waitUntil(lambda: rare in view.drawn_words(), timeout=10_000)


def test_analogy(qtbot, trained):
    panel = trained.analogy_panel
    panel.edit.setText("king - man + woman")
    qtbot.keyClick(panel.edit, "\r")
    wait_query(qtbot, panel)
    assert panel.results()[0] == "queen"
    assert set(trained.session.selection) == {"king", "man", "woman"}
    assert panel.table.horizontalHeaderItem(1).text() == "cosine"


def test_analogy_by_3cosmul(qtbot, trained):
    from PySide6.QtCore import Qt

    panel = trained.analogy_panel
    panel.method.setCurrentIndex(panel.method.findText("3CosMul"))
    qtbot.keyClicks(panel.edit, "king - man + woman")
    qtbot.mouseClick(panel.go, Qt.MouseButton.LeftButton)
    wait_query(qtbot, panel)
    model = trained.session.model
    assert panel.results() == [w for w, _ in model.most_similar_cosmul(["king", "woman"], ["man"], topn=10)]
    assert panel.table.horizontalHeaderItem(1).text() == "score"


def test_analogy_unknown_word(qtbot, trained, errors):
    panel = trained.analogy_panel
    panel.edit.setText("king - mann + woman")
    panel.solve()
    wait_query(qtbot, panel)
    assert "mann" in panel.message.text() and panel.table.rowCount() == 0 and errors == []


def test_heatmap(qtbot, trained):
    panel = trained.heatmap_panel
    panel.edit.setText("king queen man woman dog")
    panel.show_table()
    wait_query(qtbot, panel)
    assert panel.matrix.shape == (5, 5)
    assert panel.matrix[0, 0] == pytest.approx(1.0, abs=1e-5)
    assert panel.odd_label.text() == "Odd one out: <b>dog</b>"  # the demo's people and one animal
    panel.edit.setText("king qeen")
    panel.show_table()
    wait_query(qtbot, panel)
    assert "qeen" in panel.message.text()


def test_click_selects_and_trails(qtbot, trained):
    view = trained.embedding_view
    points = view.scatter.points()
    word = str(points[5].data())
    view._clicked(view.scatter, [points[5]], None)
    assert trained.session.selection == [word]
    assert view.trails[0].isVisible()  # the path it travelled while training
    xs, _ = view.trails[0].getData()
    assert len(xs) >= 2


def test_hover_shows_the_word(trained):
    view = trained.embedding_view
    point = view.scatter.points()[3]
    view._hovered(view.scatter, [point], None)
    assert view.hover_label.text() == str(point.data()) and view.hover_label.isVisible()
    assert view.hover_point.isVisible() and view.hover_point.zValue() > view.marks.zValue()
    assert tuple(view.hover_point.points()[0].pos()) == tuple(point.pos())
    view._hovered(view.scatter, [], None)
    assert not view.hover_point.isVisible() and not view.hover_label.isVisible()


def test_before_after_views(trained):
    view = trained.embedding_view
    view.before_mode.setCurrentText("Overlay")
    assert view.before_overlay.isVisible() and len(view.before_overlay.data) >= 100
    view.before_mode.setCurrentText("Side by side")
    assert view.before_plot.isVisibleTo(trained) and len(view.before_scatter.data) >= 100
    view.before_mode.setCurrentText("Hidden")
    assert not view.before_plot.isVisibleTo(trained)


def test_the_untrained_map_shows_as_soon_as_a_corpus_loads(qtbot, window):
    """The article's 'before' picture, without training: the words Train will start from."""
    import numpy as np

    qtbot.waitUntil(lambda: window.session.frame is not None, timeout=10_000)
    frame = window.session.frame
    vocab = window.session.corpus.vocab
    assert window.session.model is None and frame.before
    assert frame.words == vocab.words[: len(frame.words)] and len(frame.words) >= 100
    np.testing.assert_array_equal(frame.ids, np.arange(len(frame.words)))
    assert np.isfinite(frame.coords).all() and frame.coords.std() > 0
    view = window.embedding_view
    view.word_count.setValue(40)  # before any training: the untrained map follows the word count
    qtbot.waitUntil(lambda: view.point_count() == 40, timeout=10_000)
    assert window.session.frame.before and window.session.model is None
    view.word_count.setValue(view.word_count.maximum())  # more than the vocabulary: all of it
    qtbot.waitUntil(lambda: view.point_count() == len(vocab), timeout=10_000)
