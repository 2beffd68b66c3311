"""Edit > Preferences: kept between runs, applied to the window (theme, label size, workers, recovery)."""

from __future__ import annotations

from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication

from embedding_studio.gui import preferences
from embedding_studio.gui.preferences import Preferences

from .conftest import close_window


def test_preferences_set_in_the_dialog_are_kept_and_used_by_the_next_window(qtbot, window, tmp_path):
    dialog = window.show_preferences()
    dialog.theme.setCurrentIndex(1)  # dark
    dialog.font_size.setValue(14)
    dialog.workers.setValue(3)
    dialog.folder.setText(str(tmp_path / "copies"))
    dialog.minutes.setValue(2)
    dialog.accept()
    app = QApplication.instance()
    assert app.palette().color(QPalette.ColorRole.Window).lightness() < 80
    assert window.embedding_view.label_pool.fonts[0].pointSize() == 14
    assert window.settings_panel.spins["workers"].value() == 3
    assert window.autosave.folder == tmp_path / "copies" and window.autosave.timer.interval() == 120_000
    close_window(qtbot, window)

    assert preferences.load() == Preferences("dark", 14, 3, str(tmp_path / "copies"), 120)
    from embedding_studio.gui.app import create_window

    again = create_window([])
    qtbot.addWidget(again)
    try:
        assert again.embedding_view.label_pool.fonts[0].pointSize() == 14
        assert again.settings_panel.spins["workers"].value() == 3
        assert again.autosave.folder == tmp_path / "copies"
    finally:
        preferences.apply_theme("light")
        assert app.palette().color(QPalette.ColorRole.Window).lightness() > 150
        close_window(qtbot, again)


def test_a_recovery_folder_that_cannot_be_written_is_refused_and_the_dialog_stays(qtbot, window, tmp_path, errors):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    dialog = window.show_preferences()
    dialog.folder.setText(str(blocker / "copies"))
    dialog.accept()
    assert errors[-1][1] == "Cannot use that folder" and dialog.isVisible()
    assert preferences.load() == Preferences()
    dialog.reject()


def test_values_of_the_wrong_kind_in_the_file_take_their_defaults(window):
    settings = preferences.persistence.studio_settings()
    settings.setValue("preferences/label_font_size", "huge")
    settings.setValue("preferences/theme", "purple")
    settings.sync()
    assert preferences.load() == Preferences()
