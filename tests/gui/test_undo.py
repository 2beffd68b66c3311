"""Edit > Undo: each destroying step goes back (an axis projected out, Clear, a retrain of an unsaved model,
removing the compared model), by Ctrl+Z too, and only the last few are kept."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QMessageBox

from embedding_studio.core.text.demo import GROUPS
from embedding_studio.gui.undo import MAX_STEPS

from .conftest import train, wait_query


def test_projecting_an_axis_out_is_undone(qtbot, trained, monkeypatch):
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    old = trained.session.model
    dialog = trained.analysis.show_axes()
    dialog.x_edit.setText("he-she")
    dialog.draw()
    wait_query(qtbot, dialog)
    dialog.remove_x()
    qtbot.waitUntil(lambda: trained.session.model is not old, timeout=20_000)
    assert trained.undo.action.text() == "&Undo Project the axis out" and trained.undo.action.isEnabled()
    projected = trained.session.frame
    assert trained.undo.undo()
    s = trained.session
    assert s.model is old and s.unsaved and s.model_path is None
    assert s.frame is not projected and not np.allclose(s.frame.coords, projected.coords)  # the old map again
    assert not trained.undo.steps and not trained.undo.action.isEnabled()


def test_clear_is_undone_by_ctrl_z(qtbot, trained):
    s = trained.session
    words = list(GROUPS.values())[0][:2]
    s.select(words)
    s.highlight(["dog"])
    qtbot.mouseClick(trained.embedding_view.clear_button, Qt.MouseButton.LeftButton)
    assert s.selection == [] and s.highlighted == []
    assert trained.undo.action.shortcut() == QKeySequence(QKeySequence.StandardKey.Undo)
    trained.activateWindow()
    trained.embedding_view.plot.setFocus()
    qtbot.keyClick(trained.embedding_view.plot, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert s.selection == words and s.highlighted == ["dog"]


def test_a_retrain_that_replaced_an_unsaved_model_is_undone(qtbot, trained):
    first = trained.session.model
    assert trained.session.unsaved
    train(qtbot, trained, epochs=1)  # the errors fixture says yes to "Train a new model?"
    second = trained.session.model
    assert second is not first
    assert trained.undo.steps[-1].text == "Train (replaced the model)"
    trained.undo.action.trigger()
    assert trained.session.model is first and trained.session.unsaved
    assert trained.loss_plot is not None and trained.session.model_title() == "model of Demo corpus"


def test_removing_the_compared_model_is_undone(qtbot, trained, tmp_path):
    other = tmp_path / "other.npz"
    trained.files.save_model_to(str(other))
    qtbot.waitUntil(lambda: other.exists() and not trained.files.writes, timeout=20_000)
    dialog = trained.files.compare_with(str(other))
    qtbot.waitUntil(lambda: dialog.right is not None, timeout=20_000)
    assert trained.undo.remove_compared()
    assert trained.files.compare_dialog is None
    trained.undo.undo()
    back = trained.files.compare_dialog
    assert back is not None
    qtbot.waitUntil(lambda: back.right is not None, timeout=20_000)
    assert back.right_path == str(other)


def test_only_the_last_few_steps_are_kept(qtbot, trained):
    s = trained.session
    for k in range(MAX_STEPS + 3):
        s.select([s.model.words[k]])
        trained.embedding_view.clear_button.pressed.emit()
        trained.embedding_view.clear_button.clicked.emit()
    assert len(trained.undo.steps) == MAX_STEPS
    while trained.undo.undo():
        pass
    assert s.selection == [s.model.words[3]]  # the oldest kept step
