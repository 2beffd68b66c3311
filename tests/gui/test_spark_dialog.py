"""Training > Train on a Spark cluster: a real local Spark trains, the model opens and says what made it;
errors are dialogs; Stop cancels the Spark job and writes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from embedding_studio.core.text.demo import demo_text

from ..conftest import SPARK_MASTER


@pytest.fixture
def texts(tmp_path) -> Path:
    folder = tmp_path / "texts"
    folder.mkdir()
    (folder / "demo.txt").write_text(demo_text(seed=2, sentences=2000), encoding="utf-8")
    return folder


def fill(qtbot, edit, text: str) -> None:
    """Replace a line edit's text as a person does: select all, type."""
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClicks(edit, text)


def open_dialog(qtbot, window, corpus: str, out: Path, epochs: int, algorithm: str = "mllib"):
    window.menus.spark_action.trigger()
    dialog = window.menus.spark_dialog
    qtbot.waitExposed(dialog)
    fill(qtbot, dialog.corpus_edit, corpus)
    fill(qtbot, dialog.master_edit, SPARK_MASTER)  # the tests' shared session
    fill(qtbot, dialog.out_edit, str(out))
    dialog.spins["dim"].setValue(16)
    dialog.spins["epochs"].setValue(epochs)
    dialog.spins["min_count"].setValue(3)
    combo = dialog.algorithm_combo
    combo.setCurrentIndex(combo.findData(algorithm))
    return dialog


def test_spark_dialog_trains_and_the_model_opens_saying_what_made_it(qtbot, window, spark, texts, tmp_path, errors):
    out = tmp_path / "spark.npz"
    dialog = open_dialog(qtbot, window, str(texts), out, epochs=2)
    qtbot.mouseClick(dialog.train_button, Qt.MouseButton.LeftButton)
    assert dialog.running and dialog.stop_button.isEnabled() and not dialog.train_button.isEnabled()
    qtbot.waitUntil(lambda: not dialog.running, timeout=120_000)
    assert errors == [] and out.exists()
    assert dialog.progress.value() == 1000 and "written to" in dialog.status.text()
    qtbot.waitUntil(lambda: window.session.model_path == str(out), timeout=20_000)
    model = window.session.model
    assert model.dim == 16 and model.state.trained_by.startswith("Spark MLlib Word2Vec")
    line = window.corpus_panel.model_line.text()
    assert "trained by Spark MLlib Word2Vec" in line and "2 epochs" in line


def test_spark_dialog_errors_are_dialogs(qtbot, window, spark, tmp_path, errors):
    dialog = open_dialog(qtbot, window, str(tmp_path / "nowhere"), tmp_path / "m.npz", epochs=1)
    qtbot.mouseClick(dialog.train_button, Qt.MouseButton.LeftButton)
    assert not dialog.running and errors[-1][0] == "critical" and "does not exist" in errors[-1][2]
    fill(qtbot, dialog.master_edit, "lokal")
    qtbot.mouseClick(dialog.train_button, Qt.MouseButton.LeftButton)
    assert "Spark master must be" in errors[-1][2] and "--master" not in errors[-1][2]  # no CLI flag in a dialog
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "numbers.txt").write_text("1 2 3 -- 4\n" * 5)
    fill(qtbot, dialog.master_edit, SPARK_MASTER)
    fill(qtbot, dialog.corpus_edit, str(empty))
    qtbot.mouseClick(dialog.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.running, timeout=60_000)
    assert "has no words" in errors[-1][2] and not (tmp_path / "m.npz").exists()


def test_spark_dialog_stop_cancels_the_job(qtbot, window, spark, texts, tmp_path, errors):
    out = tmp_path / "stopped.npz"
    dialog = open_dialog(qtbot, window, str(texts), out, epochs=500)
    qtbot.mouseClick(dialog.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "iteration" in dialog.status.text(), timeout=60_000)
    qtbot.mouseClick(dialog.stop_button, Qt.MouseButton.LeftButton)
    assert not dialog.stop_button.isEnabled()
    qtbot.waitUntil(lambda: not dialog.running, timeout=60_000)
    assert dialog.status.text() == "Stopped; nothing was written." and not out.exists() and errors == []
    assert dialog.train_button.isEnabled()


def test_spark_dialog_trains_our_sgns_by_default_and_says_so(qtbot, window, spark, texts, tmp_path, errors):
    from embedding_studio.core.train.spark import SGNS_ENGINE

    window.menus.spark_action.trigger()
    dialog = window.menus.spark_dialog
    qtbot.waitExposed(dialog)
    assert dialog.algorithm == "sgns" and "negative sampling" in dialog.note.text()
    dialog.algorithm_combo.setCurrentIndex(dialog.algorithm_combo.findData("mllib"))
    assert "hierarchical softmax" in dialog.note.text()
    out = tmp_path / "sgns.npz"
    dialog = open_dialog(qtbot, window, str(texts), out, epochs=2, algorithm="sgns")
    dialog.spins["partitions"].setValue(2)
    qtbot.mouseClick(dialog.train_button, Qt.MouseButton.LeftButton)
    assert not dialog.algorithm_combo.isEnabled()
    qtbot.waitUntil(lambda: not dialog.running, timeout=120_000)
    assert errors == [] and out.exists() and f"Trained by {SGNS_ENGINE}" in dialog.status.text()
    qtbot.waitUntil(lambda: window.session.model_path == str(out), timeout=20_000)
    model = window.session.model
    assert model.state.trained_by.startswith(SGNS_ENGINE) and len(model.loss_history) == 2
    assert dialog.algorithm_combo.isEnabled()
