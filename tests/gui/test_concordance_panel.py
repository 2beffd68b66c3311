"""The Concordance tab: a word's lines in the user's files, and what a word and a neighbour share."""

from __future__ import annotations

import random

from PySide6.QtCore import Qt

from tests.gui.conftest import wait_idle, wait_query


def _open_texts(qtbot, window, tmp_path):
    rng = random.Random(3)
    lines = []
    for i in range(800):
        animal = rng.choice(["cat", "dog"])
        lines.append(f"{rng.choice(['one', 'two', 'three'])} the {animal} eats pet food near {rng.choice(['a', 'b'])}")
        lines.append(f"a heavy stone lies on the {rng.choice(['road', 'hill'])} in line {i}")
    path = tmp_path / "pets.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    window.files.open_corpus([str(path)])
    qtbot.waitUntil(lambda: window.session.source.paths == [str(path)], timeout=20_000)
    wait_idle(qtbot, window)
    return path


def test_typed_word_shows_its_lines_with_file_and_line(qtbot, window, tmp_path):
    path = _open_texts(qtbot, window, tmp_path)
    panel = window.concordance_panel
    window.tabs.setCurrentWidget(panel)
    qtbot.mouseClick(panel.word, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(panel.word, "stone")
    qtbot.keyClick(panel.word, Qt.Key.Key_Return)
    wait_query(qtbot, panel)
    assert panel.lines.rowCount() == panel.count.value()
    assert panel.lines.item(0, 0).text() == "pets.txt:2" and panel.lines.item(3, 0).text() == "pets.txt:8"
    assert panel.lines.item(0, 2).text() == "stone" and panel.lines.item(0, 1).text().endswith("a heavy")
    assert "800 occurrences" in panel.note.text() and panel.shared.isHidden()
    assert str(path) in panel.lines.item(0, 0).toolTip() and "line 2" in panel.lines.item(0, 0).toolTip()


def test_a_pair_shows_the_contexts_they_share(qtbot, window, tmp_path):
    _open_texts(qtbot, window, tmp_path)
    panel = window.concordance_panel
    window.tabs.setCurrentWidget(panel)
    qtbot.keyClicks(panel.word, "cat")
    qtbot.keyClicks(panel.pair.lineEdit(), "dog")
    qtbot.mouseClick(panel.go, Qt.MouseButton.LeftButton)
    wait_query(qtbot, panel)
    assert not panel.shared.isHidden()
    shared = {panel.shared.item(r, 0).text() for r in range(5)}
    assert {"eats", "pet", "food"} <= shared and "stone" not in shared  # ranked by PMI
    keywords = {panel.lines.item(r, 2).text() for r in range(panel.lines.rowCount())}
    assert keywords == {"cat", "dog"}


def test_unknown_word_is_explained_inline_and_the_demo_shows_tokens(qtbot, window, errors):
    panel = window.concordance_panel
    window.tabs.setCurrentWidget(panel)
    qtbot.keyClicks(panel.word, "queen")
    qtbot.keyClick(panel.word, Qt.Key.Key_Return)
    wait_query(qtbot, panel)
    assert panel.lines.rowCount() > 0 and panel.lines.item(0, 0).text().startswith("token ")
    assert "not read from files" in panel.note.text()
    panel.word.clear()
    qtbot.keyClicks(panel.word, "qqqzz")
    qtbot.keyClick(panel.word, Qt.Key.Key_Return)
    wait_query(qtbot, panel)
    assert "qqqzz" in panel.note.text() and panel.lines.rowCount() == 0 and not errors
