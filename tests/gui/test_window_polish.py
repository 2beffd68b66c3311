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
