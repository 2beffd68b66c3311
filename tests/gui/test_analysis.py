"""The Analyse menu: semantic axes, WEAT and stability on the demo corpus, driven with real clicks and keys."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt

from embedding_studio.core.vectors.axes import positions, semantic_axis

from .conftest import wait_idle, wait_query


def click(qtbot, widget) -> None:
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def test_axes_dialog_maps_ranks_and_projects_out(qtbot, trained, errors):
    dialog = trained.analysis.show_axes()
    qtbot.keyClicks(dialog.x_edit, "he-she, his-her")
    qtbot.keyClicks(dialog.y_edit, "crown-field, throne-market")
    qtbot.keyClicks(dialog.words_edit, "king queen prince princess man woman boy girl")
    click(qtbot, dialog.draw_button)
    wait_query(qtbot, dialog)
    assert not dialog.message.isVisible(), dialog.message.text()
    words, coords = dialog.map.words, dialog.map.coords
    assert words == ["king", "queen", "prince", "princess", "man", "woman", "boy", "girl"]
    x, y = dict(zip(words, coords[:, 0])), dict(zip(words, coords[:, 1]))
    assert x["king"] > x["queen"] and x["boy"] > x["girl"]  # the demo plants gender...
    assert y["king"] > y["man"] and y["queen"] > y["woman"]  # ...and rank
    assert "she, her" in dialog.map.plot.getPlotItem().getAxis("bottom").labelText
    assert dialog.ranked(dialog.high_table) and dialog.ranked(dialog.low_table)
    assert "he" not in dialog.ranked(dialog.high_table)
    model = trained.session.model
    click(qtbot, dialog.remove_button)  # asks first; the recorder answers Ok, not Yes: nothing changes
    assert errors and errors[-1][1] == "Project the axis out?" and trained.session.model is model


def test_projecting_out_replaces_the_model(qtbot, trained, errors, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    dialog = trained.analysis.show_axes()
    qtbot.keyClicks(dialog.x_edit, "he-she")
    qtbot.keyClick(dialog.x_edit, Qt.Key.Key_Return)
    wait_query(qtbot, dialog)
    old, old_frame = trained.session.model, trained.session.frame
    axis = dialog.x_axis
    click(qtbot, dialog.remove_button)
    qtbot.waitUntil(lambda: trained.session.model is not old, timeout=10_000)
    new = trained.session.model
    assert np.abs(positions(new, semantic_axis(old, "he-she"))).max() < 1e-3
    assert trained.session.model_path is None and new.words == old.words
    frame = trained.session.frame  # the map was projected again, from the new vectors
    assert frame is not old_frame and trained.embedding_view.frame is frame and frame.projection == "pca"
    assert not np.allclose(frame.coords, old_frame.coords[[list(old_frame.ids).index(i) for i in frame.ids]])
    wait_query(qtbot, dialog)  # the dialog redraws on the new model
    assert dialog.x_axis is not None and dialog.x_axis is not axis


def test_axes_dialog_says_what_is_wrong(qtbot, trained):
    dialog = trained.analysis.show_axes()
    qtbot.keyClicks(dialog.x_edit, "he-shee")
    click(qtbot, dialog.draw_button)
    wait_query(qtbot, dialog)
    assert "'shee' is not in the vocabulary" in dialog.message.text() and "she" in dialog.message.text()
    dialog.x_edit.clear()
    qtbot.keyClicks(dialog.x_edit, "he")
    click(qtbot, dialog.draw_button)
    wait_query(qtbot, dialog)
    assert "cannot read the pair 'he'" in dialog.message.text()


def test_weat_dialog_runs_a_custom_test_and_reports_missing_words(qtbot, trained, errors):
    dialog = trained.analysis.show_weat()
    for key, words in (("X", "king, prince, man, boy, zebra"), ("Y", "queen, princess, woman, girl"),
                       ("A", "he, his"), ("B", "she, her")):
        qtbot.keyClicks(dialog.edits[key], words)
    click(qtbot, dialog.run_button)
    wait_query(qtbot, dialog)
    result = dialog.result
    assert result is not None and result.exact and result.splits == 70
    assert result.effect_size > 1 and result.missing["X"] == ["zebra"]
    assert "zebra" in dialog.result_label.text() and "Effect size" in dialog.result_label.text()
    assert dialog.table.rowCount() == 8


def test_weat_dialog_presets_fill_the_sets_and_a_demo_model_lacks_their_words(qtbot, trained):
    dialog = trained.analysis.show_weat()
    dialog.preset.setCurrentIndex(1)
    dialog.preset.activated.emit(1)
    assert dialog.edits["X"].text().startswith("aster, clover") and dialog.names["X"].text() == "flowers"
    click(qtbot, dialog.run_button)
    wait_query(qtbot, dialog)
    assert "WEAT needs at least 2 in each set" in dialog.message.text() and dialog.result is None


def test_stability_from_the_menu_flags_words_and_adds_error_bars(qtbot, trained, errors):
    trained.analysis.start_stability(runs=2)
    assert trained.analysis.progress is not None and trained.session.busy
    qtbot.waitUntil(lambda: trained.session.stability is not None, timeout=60_000)
    wait_idle(qtbot, trained)
    stability = trained.session.stability
    assert len(stability.models) == 2 and trained.analysis.progress is None
    assert trained.session.flagged == stability.report.unstable()
    panel = trained.search_panel
    panel.edit.clear()
    qtbot.keyClicks(panel.edit, "king")
    qtbot.keyClick(panel.edit, Qt.Key.Key_Return)
    wait_query(qtbot, panel)
    assert "across 2 runs" in panel.stability_note.text()
    assert "±" in panel.table.item(0, 1).text() and panel.table.horizontalHeaderItem(1).text() == "cosine ± sd"
    report = stability.report
    for r in range(panel.table.rowCount()):  # unstable neighbours are red, the others not
        item = panel.table.item(r, 0)
        assert (item.foreground().color().name() == "#d62728") == report.is_unstable(item.text())
    assert not errors


def test_stability_stop_keeps_nothing_and_says_so(qtbot, trained, errors):
    trained.settings_panel.spins["epochs"].setValue(50)
    trained.analysis.start_stability(runs=3)
    progress = trained.analysis.progress
    qtbot.waitUntil(lambda: progress.value() > 0, timeout=20_000)
    click(qtbot, progress.findChild(type(trained.settings_panel.train_button)))  # its Stop button
    wait_idle(qtbot, trained)
    assert trained.session.stability is None and trained.analysis.runs is None
    assert "Stability stopped" in trained.status_line.text() and not errors


def test_the_dialogs_need_a_model(window, errors):
    window.session.set_model(None)
    assert window.analysis.show_axes() is None and window.analysis.show_weat() is None
    assert [title for _, title, _ in errors] == ["No model", "No model"]
    assert not any(action.isEnabled() for action in window.menus.analysis_actions)


def test_closing_the_window_stops_the_stability_runs(qtbot, window, errors):
    from .conftest import close_window

    window.settings_panel.spins["epochs"].setValue(200)
    window.analysis.start_stability(runs=3)
    stability_runs = window.analysis.runs
    qtbot.waitUntil(lambda: window.analysis.progress.value() > 0, timeout=20_000)
    close_window(qtbot, window)
    assert stability_runs.stopped and window.session.stability is None and not errors


def test_enter_in_a_dialogs_text_field_asks_and_only_close_closes(qtbot, trained, tmp_path, errors):
    # Enter searches (draws, runs, compares); the dialogs stay open until Close is clicked.
    from PySide6.QtCore import Qt

    from embedding_studio.core.vectors.io import save_model

    save_model(trained.session.model, tmp_path / "same.npz")
    axes, weat = trained.analysis.show_axes(), trained.analysis.show_weat()
    compare = trained.files.compare_with(str(tmp_path / "same.npz"))
    qtbot.waitUntil(lambda: compare.right is not None, timeout=10_000)
    for dialog, edit, words in ((axes, axes.x_edit, "he-she"), (weat, weat.edits["X"], "king, prince"),
                                (compare, compare.edit, "king")):
        edit.setFocus()
        qtbot.keyClicks(edit, words)
        qtbot.keyClick(edit, Qt.Key.Key_Return)
        assert dialog.isVisible(), type(dialog).__name__
    wait_query(qtbot, compare)
    assert compare.left_table.rowCount() == 10  # Enter compared
    for dialog in (axes, weat, compare):
        dialog.close()
