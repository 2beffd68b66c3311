"""Sessions: one run saves everything listed in issue #27, another run (the real entry point with
--session) brings it back, compared field by field; moved corpora and unusable files are said clearly."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from PySide6.QtWidgets import QMessageBox

from embedding_studio.core.session_file import FORMAT_VERSION, read_session
from embedding_studio.core.text.demo import GROUPS
from embedding_studio.core.vectors.model_file import load_model

from .conftest import close_window, train, wait_idle, wait_query


def _open(qtbot, argv):
    from embedding_studio.gui.app import create_window

    win = create_window(argv)
    qtbot.addWidget(win)
    win.resize(1400, 900)
    win.show()
    return win


def _arrange(qtbot, window, tmp_path):
    """A worked-on window: a trained model, a compared model, t-SNE, marks, an Explore query, a zoom."""
    window.settings_panel.spins["dim"].setValue(12)
    train(qtbot, window, epochs=2)
    other = tmp_path / "other.npz"
    window.files.save_model_to(str(other))
    qtbot.waitUntil(lambda: other.exists() and not window.files.writes, timeout=20_000)
    window.session.unsaved = True  # as if it had not been saved: the session must keep it
    dialog = window.files.compare_with(str(other))
    qtbot.waitUntil(lambda: dialog.right is not None, timeout=20_000)
    view = window.embedding_view
    window.session.set_drawn_count(120)
    view.rank_from.setValue(2)
    view.label_count.setValue(35)
    view.colour_mode.setCurrentText("Plain")
    view.before_mode.setCurrentText("Overlay")
    view.trails_check.setChecked(False)
    window.tabs.setCurrentWidget(window.analogy_panel)
    window.analogy_panel.edit.setText("king - man + woman")
    window.analogy_panel.solve()
    wait_query(qtbot, window.analogy_panel)
    window.map_control.set_projection("tsne")
    qtbot.waitUntil(lambda: window.session.frame is not None and window.session.frame.projection == "tsne"
                    and not window.map_control._projecting, timeout=120_000)
    royals, animals = list(GROUPS.values())[0], list(GROUPS.values())[-1]
    window.session.select(royals[:2])
    window.session.highlight(animals[:3])
    qtbot.waitUntil(lambda: not window.map_control._projecting, timeout=120_000)
    view.plot.getViewBox().setRange(xRange=(-0.4, 0.3), yRange=(-0.2, 0.5), padding=0)


def test_a_session_saved_in_one_run_comes_back_whole_in_another(qtbot, window, tmp_path):
    _arrange(qtbot, window, tmp_path)
    path = tmp_path / "work.esession"
    with qtbot.waitSignal(window.sessions.saved, timeout=30_000):
        window.sessions.save_session(str(path))
    before = window.sessions.gather()
    model = window.session.model
    assert read_session(path).model_file == str(tmp_path / "work.model.npz")
    window.session.unsaved = False  # closing here need not ask
    close_window(qtbot, window)

    again = _open(qtbot, ["--session", str(path)])
    try:
        with qtbot.waitSignal(again.sessions.restored, timeout=120_000):
            pass
        qtbot.waitUntil(lambda: not again.map_control._projecting, timeout=120_000)
        after = again.sessions.gather()
        # field by field: corpus, settings, model, compared model, map, marks, Explore
        assert after.corpus_paths == before.corpus_paths == []  # the demo corpus
        assert after.settings == before.settings
        assert after.model_unsaved is True and again.session.model_path is None
        assert np.array_equal(again.session.model.vectors, model.vectors)
        assert again.session.model.words == model.words
        assert after.compared_origin == before.compared_origin == str(tmp_path / "other.npz")
        assert again.files.compare_dialog.right is not None
        for name in ("projection", "drawn_count", "rank_from", "labels", "colour", "before", "trails"):
            assert getattr(after.map, name) == getattr(before.map, name), name
        assert after.map.projection == "tsne" and after.map.drawn_count == 120 and not after.map.trails
        # the zoom: the same centre, and the same part of the map (the map keeps its aspect ratio, so a
        # plot of another shape shows a little more on one side)
        saved, back = np.array(before.map.view_range), np.array(after.map.view_range)
        np.testing.assert_allclose(back.mean(axis=1), saved.mean(axis=1), atol=1e-6)
        spans = np.diff(back, axis=1) / np.diff(saved, axis=1)
        assert (spans >= 1 - 1e-6).all() and (spans < 1.25).all(), spans
        assert after.selection == before.selection and after.highlighted == before.highlighted
        assert after.explore == before.explore
        assert after.explore.tab == "Analogy" and after.explore.query == "king - man + woman"
        assert again.analogy_panel.results()  # the query was asked again
        from embedding_studio.gui.sessions import recent_sessions

        assert recent_sessions()[0] == str(path.resolve())
    finally:
        again.session.unsaved = False
        close_window(qtbot, again)


def test_a_moved_corpus_is_named_and_the_rest_comes_back(qtbot, window, tmp_path, errors):
    corpus = tmp_path / "texts.txt"
    shutil.copy(_demo_text(tmp_path), corpus)
    window.files.open_corpus([str(corpus)])
    wait_idle(qtbot, window)
    window.session.select(window.session.corpus.vocab.words[:2])
    path = tmp_path / "s.esession"
    with qtbot.waitSignal(window.sessions.saved, timeout=30_000):
        window.sessions.save_session(str(path))
    corpus.rename(tmp_path / "elsewhere.txt")
    with qtbot.waitSignal(window.sessions.restored, timeout=60_000):
        window.sessions.open_session(str(path))
    warnings = [e for e in errors if e[0] == "warning"]
    assert warnings and str(corpus) in warnings[-1][2] and "moved or deleted" in warnings[-1][2]


def _demo_text(tmp_path):
    from embedding_studio.core.text.demo import demo_text

    text = tmp_path / "demo-source.txt"
    text.write_text(demo_text(sentences=3000), encoding="utf-8")
    return text


@pytest.mark.parametrize("content, says", [
    ({"format": "embedding-studio session", "version": FORMAT_VERSION + 1}, "newer Embedding Studio"),
    ({"format": "a spreadsheet"}, "not an Embedding Studio session"),
])
def test_an_unusable_session_is_refused_in_one_dialog(qtbot, window, tmp_path, errors, content, says):
    path = tmp_path / "bad.esession"
    path.write_text(json.dumps(content))
    model = window.session.model
    assert window.sessions.open_session(str(path)) is False
    assert errors[-1][0] == "critical" and says in errors[-1][2]
    assert window.session.model is model and window.sessions.restoring is None


def test_the_session_menu_entries_exist(window):
    texts = [a.text() for a in window.menuBar().actions()[0].menu().actions()]
    assert "Open sess&ion…" in texts and "Save sessi&on…" in texts and "Recent sess&ions" in texts
    window.sessions.fill_recent_menu()
    assert [a.text() for a in window.sessions.recent_menu.actions()] == ["(none yet)"]


def test_the_saved_model_is_an_ordinary_model_file(qtbot, trained, tmp_path):
    path = tmp_path / "m.esession"
    with qtbot.waitSignal(trained.sessions.saved, timeout=30_000):
        trained.sessions.save_session(str(path))
    model = load_model(tmp_path / "m.model.npz")
    assert np.array_equal(model.vectors, trained.session.model.vectors)
    trained.session.unsaved = False
    QMessageBox  # noqa: B018 (the errors fixture answers the close question)


def test_a_bad_session_named_at_start_is_refused_and_the_demo_opens(qtbot, tmp_path, errors):
    from embedding_studio.gui.app import create_window

    path = tmp_path / "not-a-session.esession"
    path.write_bytes(b"\x00\x01binary")
    win = create_window(["--session", str(path)])
    qtbot.addWidget(win)
    try:
        qtbot.waitUntil(lambda: win.session.corpus is not None, timeout=20_000)
        assert win.session.source.is_demo
        assert errors and errors[0][0] == "critical" and "not an Embedding Studio session" in errors[0][2]
    finally:
        close_window(qtbot, win)
