"""The compare dialog: the neighbours of a word in this model and in another one."""

from __future__ import annotations

import numpy as np

from embedding_studio.core.text.vocab import Vocab
from embedding_studio.core.vectors.io import save_model
from embedding_studio.core.vectors.model import Model

from .conftest import wait_query


def test_compare_with_another_model(qtbot, trained, tmp_path, errors):
    model = trained.session.model
    rng = np.random.default_rng(1)
    other = Model(Vocab(list(model.words), model.counts), model.vectors + rng.normal(0, 0.3, model.vectors.shape))
    save_model(other, tmp_path / "other.npz")
    dialog = trained.files.compare_with(str(tmp_path / "other.npz"))
    qtbot.waitUntil(lambda: dialog.right is not None, timeout=10_000)
    dialog.compare("king")
    wait_query(qtbot, dialog)
    assert dialog.left_table.rowCount() == 10 and dialog.right_table.rowCount() == 10
    shared = dialog.shared_rows(dialog.left_table)
    assert shared and set(shared) == set(dialog.shared_rows(dialog.right_table))
    assert f"{len(shared) / 10:.2f}" in dialog.overlap_label.text()
    qtbot.waitUntil(lambda: dialog.mean is not None, timeout=20_000)
    assert 0 < dialog.mean <= 1 and "most frequent shared words" in dialog.mean_label.text()
    dialog.compare("qeen")
    wait_query(qtbot, dialog)
    assert "not in" in dialog.message.text() and dialog.left_table.rowCount() == 0
    dialog.open_model(str(tmp_path / "missing.npz"))
    qtbot.waitUntil(lambda: not dialog.loading, timeout=10_000)
    assert errors and "missing.npz" in errors[-1][2] and dialog.right is not None  # the old one stays
    dialog.close()


def test_compare_needs_a_model(window, errors):
    assert window.files.compare_with("x.npz") is None
    assert errors[0][1] == "Nothing to compare"


def test_enter_in_the_word_box_compares_and_opens_no_file_dialog(qtbot, trained, tmp_path, errors, monkeypatch):
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QFileDialog

    model = trained.session.model
    save_model(Model(Vocab(list(model.words), model.counts), model.vectors), tmp_path / "same.npz")
    asked = []
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: asked.append(a) or ("", ""))
    dialog = trained.files.compare_with(str(tmp_path / "same.npz"))
    qtbot.waitUntil(lambda: dialog.right is not None, timeout=10_000)
    dialog.edit.setFocus()
    qtbot.keyClicks(dialog.edit, "king")
    qtbot.keyClick(dialog.edit, Qt.Key.Key_Return)
    wait_query(qtbot, dialog)
    assert not asked and dialog.left_table.rowCount() == 10
    dialog.close()


def test_movers_tab_aligns_a_rotated_copy_and_finds_the_planted_movers(qtbot, trained, tmp_path, errors):
    from PySide6.QtCore import Qt
    from scipy.stats import ortho_group

    model = trained.session.model
    rotation = ortho_group.rvs(model.dim, random_state=2).astype(np.float32)
    vectors = model.vectors @ rotation
    moved = ["king", "dog", "paris"]
    for word in moved:  # sent somewhere else entirely
        vectors[model.index(word)] = -vectors[model.index(word)]
    save_model(Model(Vocab(list(model.words), model.counts), vectors), tmp_path / "rotated.npz")
    dialog = trained.files.compare_with(str(tmp_path / "rotated.npz"))
    qtbot.waitUntil(lambda: dialog.alignment is not None, timeout=20_000)
    assert set(dialog.movers()[:3]) == set(moved)
    assert dialog.alignment.movement[[dialog.alignment.words.index(w) for w in dialog.movers()[3:]]].max() < 0.05
    assert "shared words aligned" in dialog.movers_summary.text()
    assert {w for w, _, _ in dialog.movers_map.arrows} >= set(moved)
    dialog.tabs.setCurrentIndex(1)
    table = dialog.movers_table
    qtbot.waitUntil(lambda: table.isVisible() and table.viewport().height() > 50)
    rect = table.visualItemRect(table.item(0, 0))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())  # a double click's
    qtbot.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())  # first press, then it
    wait_query(qtbot, dialog)
    assert dialog.tabs.currentIndex() == 0 and dialog.edit.text() == dialog.movers()[0]
    assert dialog.left_table.rowCount() == 10
    assert not errors
    dialog.close()


def test_a_formula_is_compared_like_a_word(qtbot, trained, tmp_path, errors):
    model = trained.session.model
    save_model(Model(Vocab(list(model.words), model.counts), model.vectors), tmp_path / "same.npz")
    dialog = trained.files.compare_with(str(tmp_path / "same.npz"))
    qtbot.waitUntil(lambda: dialog.right is not None, timeout=10_000)
    dialog.compare("king - man + woman")
    wait_query(qtbot, dialog)
    assert dialog.left_table.rowCount() == 10 and "1.00" in dialog.overlap_label.text()
    dialog.compare("king - mann")
    wait_query(qtbot, dialog)
    assert "'mann' is not in the left or the right model's vocabulary" in dialog.message.text()
    dialog.close()
