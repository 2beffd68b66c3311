"""Small truths the window tells (#13's polish list): the status line, folders, questions, settings."""

from pathlib import Path

import pytest
from PySide6.QtCore import Qt


def test_tsne_word_count_leaves_the_status_line_with_the_tsne(qtbot, trained):
    view = trained.embedding_view
    view.word_count.setValue(60)
    qtbot.waitUntil(lambda: view.point_count() == 60, timeout=10_000)
    view.projection.setFocus()
    qtbot.keyClick(view.projection, Qt.Key.Key_Down)  # the user picks t-SNE
    qtbot.waitUntil(lambda: trained.session.frame.projection == "tsne", timeout=30_000)
    assert trained.status_line.text().startswith("t-SNE of 60 words")
    qtbot.keyClick(view.projection, Qt.Key.Key_Up)  # and PCA again
    qtbot.waitUntil(lambda: trained.session.frame.projection == "pca", timeout=30_000)
    assert "t-SNE" not in trained.status_line.text()


def test_save_and_export_dialogs_start_in_the_last_folder(qtbot, trained, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    folder = tmp_path / "models"
    folder.mkdir()
    asked = []  # (title, the path the dialog opens at); the native dialog itself cannot be driven

    def save_dialog(parent, title, start, filters):
        asked.append((title, start))
        return (str(folder / "mine.npz") if title == "Save model" else start), filters

    monkeypatch.setattr(QFileDialog, "getSaveFileName", save_dialog)
    trained.files.choose_save_path()
    qtbot.waitUntil(lambda: (folder / "mine.npz").exists(), timeout=10_000)
    trained.files.choose_export_path()
    trained.files.choose_plot_path("loss")
    assert asked[0][1] == str(Path.home() / "model.npz")  # nothing saved yet: home, never the program folder
    assert asked[1] == ("Export word2vec text", str(folder / "vectors.txt"))
    assert asked[2][1] == str(folder / "loss.png")
    qtbot.waitUntil(lambda: (folder / "loss.png").exists() and (folder / "vectors.txt").exists(), timeout=10_000)
    qtbot.waitUntil(lambda: not trained.files.writes, timeout=10_000)


def test_an_opened_model_shows_its_settings(qtbot, trained, tmp_path):
    panel = trained.settings_panel
    panel.spins["window"].setValue(3)
    panel.spins["negative"].setValue(7)
    panel.edits["lr"].setText("0.03")
    from .conftest import train

    train(qtbot, trained, epochs=2)
    path = tmp_path / "w3.npz"
    trained.files.save_model_to(str(path))
    qtbot.waitUntil(path.exists, timeout=10_000)
    for name, value in (("window", 5), ("negative", 2), ("epochs", 9), ("dim", 24)):
        panel.spins[name].setValue(value)  # the user tries other settings, then opens the saved model
    panel.edits["lr"].setText("0.01")
    workers = panel.spins["workers"].value()
    trained.files.open_model(str(path))
    qtbot.waitUntil(lambda: trained.session.model_path == str(path), timeout=10_000)
    assert [panel.spins[n].value() for n in ("window", "negative", "epochs", "dim")] == [3, 7, 2, 16]
    assert panel.edits["lr"].text() == "0.03" and panel.spins["workers"].value() == workers


def answer(monkeypatch, button):
    """The question boxes answered with ``button``; returns the questions asked."""
    from PySide6.QtWidgets import QMessageBox

    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda parent, title, text, *a: (asked.append(text), button)[1])
    return asked


def test_closing_with_an_unsaved_model_asks(qtbot, trained, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    asked = answer(monkeypatch, QMessageBox.StandardButton.Cancel)
    trained.close()
    assert trained.isVisible() and "not saved" in asked[-1]  # Cancel: the window stays
    path = tmp_path / "kept.npz"
    trained.files.save_model_to(str(path))
    qtbot.waitUntil(lambda: not trained.session.unsaved, timeout=10_000)
    trained.close()  # saved: nothing to ask
    assert len(asked) == 1 and not trained.isVisible()


def test_closing_during_training_asks(qtbot, window, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    asked = answer(monkeypatch, QMessageBox.StandardButton.Cancel)
    window.settings_panel.spins["epochs"].setValue(50)
    qtbot.mouseClick(window.settings_panel.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.training is not None, timeout=10_000)
    window.close()
    assert window.isVisible() and window.training is not None and "is training" in asked[-1]
    answer(monkeypatch, QMessageBox.StandardButton.Yes)
    window.close()  # Yes: the run stops, then the window closes without asking again
    qtbot.waitUntil(lambda: window.training is None and not window.isVisible(), timeout=30_000)


def test_train_does_not_silently_replace_an_unsaved_model(qtbot, trained, monkeypatch, tmp_path):
    from PySide6.QtWidgets import QMessageBox

    from .conftest import train
    from .test_model_and_corpus import write_corpus

    trained.files.open_corpus([str(write_corpus(tmp_path))])  # the demo's model is made again in seconds:
    qtbot.waitUntil(lambda: trained.session.source.title() == "crime.txt", timeout=20_000)  # a model of texts
    train(qtbot, trained, epochs=1)
    first = trained.session.model
    asked = answer(monkeypatch, QMessageBox.StandardButton.Cancel)
    qtbot.mouseClick(trained.settings_panel.train_button, Qt.MouseButton.LeftButton)
    assert "not saved" in asked[-1] and trained.training is None and trained.session.model is first
    answer(monkeypatch, QMessageBox.StandardButton.Yes)
    qtbot.mouseClick(trained.settings_panel.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: trained.training is None and trained.session.model is not first, timeout=60_000)


def test_explore_tabs_are_never_cut_off(qtbot, window):
    window.resizeDocks([window.right_dock], [200], Qt.Orientation.Horizontal)  # as narrow as it goes
    qtbot.wait(50)
    bar = window.tabs.tabBar()
    assert bar.count() == 6
    for i in range(bar.count()):  # the tabs run down the side: each one whole inside the visible bar
        rect = bar.tabRect(i)
        assert rect.right() <= bar.width() and rect.bottom() <= bar.height(), bar.tabText(i)
        assert rect.height() >= bar.fontMetrics().horizontalAdvance(bar.tabText(i)), bar.tabText(i)
    assert window.minimumSizeHint().width() <= 1400  # and the window still fits a 1400 px screen


def test_similarity_table_opens_in_its_own_window(qtbot, trained):
    from .conftest import wait_query

    panel = trained.heatmap_panel
    trained.tabs.setCurrentWidget(panel)
    words = "king queen prince princess man woman boy girl paris france berlin germany"
    panel.edit.setText(words)
    qtbot.mouseClick(panel.window_button, Qt.MouseButton.LeftButton)
    big = panel.window_panel
    wait_query(qtbot, big)
    assert panel.own_window.isVisible() and big.words == words.split()
    assert big.plot.width() > 2 * panel.plot.width() and big.plot.height() > 500
    assert not big.window_button.isVisible()
    panel.own_window.close()


def test_export_the_maps_coordinates_and_the_marked_words_vectors(qtbot, trained, tmp_path):
    import csv

    from .conftest import wait_query

    trained.search_panel.edit.setText("king")
    qtbot.keyClick(trained.search_panel.edit, Qt.Key.Key_Return)
    wait_query(qtbot, trained.search_panel)
    trained.files.export_table("coordinates", str(tmp_path / "map.csv"))
    trained.files.export_table("marked", str(tmp_path / "marked.csv"))
    qtbot.waitUntil(lambda: (tmp_path / "marked.csv").exists() and (tmp_path / "map.csv").exists(), timeout=10_000)
    qtbot.waitUntil(lambda: not trained.files.writes, timeout=10_000)
    rows = list(csv.reader(open(tmp_path / "map.csv", encoding="utf-8")))
    frame = trained.session.frame
    assert len(rows) == len(frame) + 1 and rows[1][0] == frame.words[0]
    assert (float(rows[1][2]), float(rows[1][3])) == pytest.approx(tuple(frame.coords[0]), rel=1e-5)
    marked = list(csv.reader(open(tmp_path / "marked.csv", encoding="utf-8")))
    assert [r[0] for r in marked[1:]] == ["king"] + trained.session.highlighted
    assert len(marked[1]) == 2 + trained.session.model.dim


def test_a_long_cluster_legend_wraps_instead_of_widening_the_window(qtbot, trained):
    view = trained.embedding_view
    view.colour_mode.setFocus()
    qtbot.keyClick(view.colour_mode, Qt.Key.Key_End)  # the last choice: Cluster
    assert view.colour_mode.currentText() == "Cluster"
    qtbot.waitUntil(lambda: "/" in view.colour_legend.text(), timeout=20_000)  # groups named "a/b"
    qtbot.wait(100)
    assert trained.width() <= 1400 and trained.minimumSizeHint().width() <= 1400
    assert view.colour_legend.geometry().right() <= view.width()
    assert trained.right_dock.geometry().right() <= trained.width()
