"""A model is tied to the corpus it was trained on: after another corpus opens, or while a new one
trains, the Explore panels, the map and the loss curve say whose model answers, never silently."""

import random

from PySide6.QtCore import Qt

from .conftest import train, wait_idle, wait_query

WORDS = ["crime", "punishment", "raskolnikov", "sonya", "axe", "pawnbroker", "petersburg", "fever",
         "confession", "siberia", "porfiry", "razumikhin", "dunya", "luzhin", "svidrigailov", "tavern"]


def write_corpus(folder, name="crime.txt", sentences=400, seed=1):
    rng = random.Random(seed)
    path = folder / name
    path.write_text("\n".join(" ".join(rng.choice(WORDS) for _ in range(12)) + "." for _ in range(sentences)))
    return path


def search_by_keys(qtbot, window, word):
    edit = window.search_panel.edit
    edit.clear()
    qtbot.keyClicks(edit, word)
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    wait_query(qtbot, window.search_panel)


def test_a_model_of_another_corpus_says_so(qtbot, trained, tmp_path):
    window, session = trained, trained.session
    badge = window.model_badge
    assert badge.isVisible() and not badge.warns() and "model of Demo corpus" in badge.text()

    window.files.open_corpus([str(write_corpus(tmp_path))])
    qtbot.waitUntil(lambda: session.source.title() == "crime.txt", timeout=20_000)
    wait_idle(qtbot, window)
    assert not session.model_fits
    assert badge.warns() and "Demo corpus" in badge.text() and "crime.txt" in badge.text()
    assert "Demo corpus" in window.embedding_view.plot.plotItem.titleLabel.text
    assert "Demo corpus" in window.loss_plot.plot.plotItem.titleLabel.text
    assert "Not the open corpus" in window.corpus_panel.model_line.text()

    search_by_keys(qtbot, window, "crime")  # the old model does not know it: the badge says why
    assert "not in the vocabulary" in window.search_panel.message.text()

    # a new run on the new corpus: while it trains, the panels refuse rather than answer from the demo's
    window.settings_panel.train_button.click()
    qtbot.waitUntil(lambda: window.training is not None, timeout=10_000)
    window.runs.pause(True)
    assert "training on crime.txt" in window.embedding_view.plot.plotItem.titleLabel.text
    search_by_keys(qtbot, window, "king")
    assert "Training a model of crime.txt" in window.search_panel.message.text()
    assert window.search_panel.table.rowCount() == 0
    window.analogy_panel.edit.setText("king - man + woman")
    qtbot.mouseClick(window.analogy_panel.go, Qt.MouseButton.LeftButton)
    assert "Training a model of crime.txt" in window.analogy_panel.message.text()
    assert badge.warns()
    window.runs.pause(False)
    qtbot.waitUntil(lambda: window.training is None and session.model_fits, timeout=60_000)

    assert not badge.warns() and "model of crime.txt" in badge.text()
    assert "model of crime.txt" in window.loss_plot.plot.plotItem.titleLabel.text
    search_by_keys(qtbot, window, "crime")
    assert window.search_panel.table.rowCount() > 3


def test_retraining_the_same_corpus_names_the_previous_model(qtbot, trained):
    window = trained
    window.settings_panel.train_button.click()
    qtbot.waitUntil(lambda: window.training is not None, timeout=10_000)
    window.runs.pause(True)
    assert "previous model of Demo corpus" in window.model_badge.text() and not window.model_badge.warns()
    search_by_keys(qtbot, window, "king")
    assert window.search_panel.table.rowCount() > 3  # the same words: the previous model may answer
    window.runs.pause(False)
    qtbot.waitUntil(lambda: window.training is None, timeout=60_000)


def test_opened_model_is_named_by_its_file(qtbot, trained, tmp_path):
    window = trained
    path = tmp_path / "demo-model.npz"
    window.files.save_model_to(str(path))
    qtbot.waitUntil(lambda: "Saved" in window.status_line.text(), timeout=10_000)
    window.files.open_corpus([str(write_corpus(tmp_path))])
    qtbot.waitUntil(lambda: window.session.source.title() == "crime.txt", timeout=20_000)
    window.files.open_model(str(path))
    qtbot.waitUntil(lambda: window.session.model_path == str(path), timeout=20_000)
    wait_idle(qtbot, window)
    assert "model read from demo-model.npz" in window.model_badge.text() and window.model_badge.warns()
    line = window.corpus_panel.model_line.text()
    assert "demo-model.npz" in line and str(tmp_path) not in line  # the name; the path in the tooltip
    assert "white-space:pre" in line  # on a line of its own, unbroken
    assert window.corpus_panel.model_line.toolTip() == str(path)


def test_analogy_examples_are_the_open_models(qtbot, trained, tmp_path):
    window, panel = trained, trained.analogy_panel
    assert panel.examples.isEnabled() and panel.examples.itemText(1) == "king - man + woman"
    window.tabs.setCurrentWidget(panel)
    panel.examples.setFocus()
    qtbot.keyClick(panel.examples, Qt.Key.Key_Down)  # the first example, chosen with the keyboard
    qtbot.waitUntil(lambda: bool(panel.results()), timeout=10_000)
    assert panel.edit.text() == "king - man + woman"

    window.files.open_corpus([str(write_corpus(tmp_path))])
    qtbot.waitUntil(lambda: window.session.source.title() == "crime.txt", timeout=20_000)
    train(qtbot, window, epochs=1)
    assert not panel.examples.isEnabled() and "none fit" in panel.examples.itemText(0)


def test_a_long_model_name_is_shortened_in_the_middle():
    from embedding_studio.gui.views.corpus_panel import _shortened

    assert _shortened("m.npz") == "m.npz"
    short = _shortened("crime-and-punishment-by-fyodor-dostoevsky-skipgram-model.npz")
    assert len(short) == 38 and short.startswith("crime-and") and short.endswith("model.npz") and "…" in short


def test_the_badge_says_when_a_timeline_snapshot_answers(qtbot, trained):
    session = trained.session
    assert session.timeline is not None and len(session.timeline) > 1
    session.show_snapshot(0)
    assert "snapshot shown on the timeline" in trained.model_badge.text()
    session.show_snapshot(None)
    assert "snapshot" not in trained.model_badge.text()
