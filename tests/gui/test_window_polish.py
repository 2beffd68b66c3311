"""Small truths the window tells (#13's polish list): the status line, folders, questions, settings."""

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
