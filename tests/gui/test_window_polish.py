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
    assert asked[0][1] == "model.npz"  # nothing saved yet: the dialog's own default
    assert asked[1] == ("Export word2vec text", str(folder / "vectors.txt"))
    assert asked[2][1] == str(folder / "loss.png")
    qtbot.waitUntil(lambda: (folder / "loss.png").exists() and (folder / "vectors.txt").exists(), timeout=10_000)
    qtbot.waitUntil(lambda: not trained.files.writes, timeout=10_000)
