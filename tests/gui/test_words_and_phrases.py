"""How text becomes words, in the app: the word rule and phrases from the settings, phrases listed and
searchable, and a word below the minimum count explained."""

from PySide6.QtCore import QPoint, Qt

from tests.core.test_phrases import planted_text

from .conftest import wait_idle, wait_query


def write_planted(tmp_path):
    tokens = planted_text(seed=4)
    path = tmp_path / "planted.txt"
    path.write_text("\n".join(" ".join(tokens[i:i + 10]) for i in range(0, len(tokens), 10))
                    + "\nrarely rarely\n", encoding="utf-8")
    return path


def test_ticking_phrases_reads_the_corpus_again_lists_them_and_a_phrase_is_searchable(qtbot, window, tmp_path):
    window.files.open_corpus([str(write_planted(tmp_path))])
    qtbot.waitUntil(lambda: bool(window.session.source.paths) and not window.session.busy, timeout=20_000)
    assert "new_york" not in window.session.corpus.vocab
    assert not window.corpus_panel.phrases_line.isVisibleTo(window)
    panel = window.settings_panel
    qtbot.mouseClick(panel.phrases_check, Qt.MouseButton.LeftButton,
                     pos=QPoint(8, panel.phrases_check.height() // 2))  # on the box itself
    assert panel.phrases_check.isChecked()
    panel.tokens_combo.setFocus()
    qtbot.keyClick(panel.tokens_combo, Qt.Key.Key_End)  # the last rule: the article's
    assert panel.tokens_combo.currentData() == "article"
    qtbot.mouseClick(panel.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.session.model is not None, timeout=60_000)
    wait_idle(qtbot, window)
    corpus = window.session.corpus
    assert corpus.tokens == "article" and "new_york" in corpus.vocab
    assert window.session.model.config.phrases and window.session.model.config.tokens == "article"
    line = window.corpus_panel.phrases_line
    assert line.isVisibleTo(window) and "new_york" in line.text() and "phrases" in line.text()
    search = window.search_panel
    search.edit.setText("")
    qtbot.keyClicks(search.edit, "new york")
    qtbot.keyClick(search.edit, Qt.Key.Key_Return)
    wait_query(qtbot, search)
    assert search.table.rowCount() > 0
    assert window.session.selection == ["new_york"]


def test_searching_a_word_below_the_minimum_count_says_how_often_it_occurs(qtbot, window, tmp_path, errors):
    window.files.open_corpus([str(write_planted(tmp_path))])
    qtbot.waitUntil(lambda: bool(window.session.source.paths) and not window.session.busy, timeout=20_000)
    qtbot.mouseClick(window.settings_panel.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.session.model is not None, timeout=60_000)
    wait_idle(qtbot, window)
    search = window.search_panel
    qtbot.keyClicks(search.edit, "rarely")
    qtbot.keyClick(search.edit, Qt.Key.Key_Return)
    wait_query(qtbot, search)
    text = search.message.text()
    assert "'rarely' occurs 2 times" in text and "minimum count of 2 would keep it" in text
    assert errors == []
