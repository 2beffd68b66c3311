"""Edit ▸ Preferences: what the user sets once and keeps between runs (in the app's QSettings file).

The theme (light or dark widgets; the plots keep their white paper, as printed figures do), the map's
label font size, the workers a new window starts with, where recovery copies go and how often they are
written. :func:`load` and :func:`save` are the store; :func:`apply` puts them on a window; the dialog edits
them. A value of the wrong kind in the file (hand-edited, another version) falls back to its default.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from pathlib import Path

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import (QApplication, QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout,
                               QHBoxLayout, QLineEdit, QMainWindow, QPushButton, QSpinBox, QVBoxLayout, QWidget)

from . import persistence

THEMES = ("light", "dark")
GROUP = "preferences"


def default_recovery_folder() -> Path:
    """Where recovery copies go unless the user chose a folder: the user's data folder (XDG_DATA_HOME)."""
    import platformdirs

    return Path(platformdirs.user_data_dir("embedding-studio", appauthor=False)) / "recovery"


@dataclass
class Preferences:
    """The user's preferences; 0 workers means the app's own default (from the machine's cores)."""

    theme: str = "light"
    label_font_size: int = 9
    default_workers: int = 0
    recovery_folder: str = ""  # "" : default_recovery_folder()
    autosave_seconds: int = 180  # a recovery copy at most this often while there is unsaved work
    # ---- STOPWORDS: the stopword list (being added by another engineer in parallel) goes here: a field
    # ---- (e.g. ``stopwords: str = ""``), a box in PreferencesDialog below, and its use in apply().

    def recovery_path(self) -> Path:
        return Path(self.recovery_folder).expanduser() if self.recovery_folder else default_recovery_folder()


def load() -> Preferences:
    """The preferences kept in the settings file; a value of the wrong kind takes its default."""
    settings = persistence.studio_settings()
    defaults = Preferences()
    values = {}
    for f in fields(Preferences):
        default = getattr(defaults, f.name)
        raw = settings.value(f"{GROUP}/{f.name}", default)
        try:
            value = type(default)(raw)
        except (TypeError, ValueError):
            value = default
        values[f.name] = value
    prefs = Preferences(**values)
    if prefs.theme not in THEMES:
        prefs.theme = defaults.theme
    prefs.label_font_size = min(max(prefs.label_font_size, 6), 24)
    prefs.default_workers = max(prefs.default_workers, 0)
    prefs.autosave_seconds = max(prefs.autosave_seconds, 1)
    return prefs


def save(prefs: Preferences) -> None:
    settings = persistence.studio_settings()
    for name, value in asdict(prefs).items():
        settings.setValue(f"{GROUP}/{name}", value)
    settings.sync()


def _dark_palette() -> QPalette:
    palette = QPalette()
    colours = {QPalette.ColorRole.Window: "#2b2b2b", QPalette.ColorRole.WindowText: "#e6e6e6",
               QPalette.ColorRole.Base: "#1e1e1e", QPalette.ColorRole.AlternateBase: "#2f2f2f",
               QPalette.ColorRole.ToolTipBase: "#3a3a3a", QPalette.ColorRole.ToolTipText: "#e6e6e6",
               QPalette.ColorRole.Text: "#e6e6e6", QPalette.ColorRole.Button: "#353535",
               QPalette.ColorRole.ButtonText: "#e6e6e6", QPalette.ColorRole.Highlight: "#3d7ab8",
               QPalette.ColorRole.HighlightedText: "#ffffff", QPalette.ColorRole.Link: "#7ab8ff",
               QPalette.ColorRole.PlaceholderText: "#9a9a9a"}
    for role, colour in colours.items():
        palette.setColor(role, QColor(colour))
    disabled = QPalette.ColorGroup.Disabled  # greyed, or a disabled Stop looks pressable
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText):
        palette.setColor(disabled, role, QColor("#7a7a7a"))
    palette.setColor(disabled, QPalette.ColorRole.Button, QColor("#2e2e2e"))
    return palette


def apply_theme(theme: str) -> None:
    app = QApplication.instance()
    if app is None:
        return
    if not hasattr(app, "_studio_light_palette"):
        app._studio_light_palette = QPalette(app.palette())  # the platform's own, to go back to
    if theme == "dark":
        app.setStyle("Fusion")
        app.setPalette(_dark_palette())
    else:
        app.setPalette(app._studio_light_palette)


def apply(window: QMainWindow, prefs: Preferences) -> None:
    """Put ``prefs`` on ``window``: theme, label size, the workers box (unless 0), recovery folder and
    interval. Called as the window starts and when the dialog's OK keeps new values."""
    apply_theme(prefs.theme)
    view = window.embedding_view
    view.label_pool.set_point_size(prefs.label_font_size)
    view.redraw()
    if prefs.default_workers:
        spin = window.settings_panel.spins["workers"]
        spin.setValue(min(prefs.default_workers, spin.maximum()))
    autosave = getattr(window, "autosave", None)
    if autosave is not None:
        autosave.configure(prefs.recovery_path(), prefs.autosave_seconds)
    # ---- STOPWORDS: apply the stopword list here (another engineer's part).


class PreferencesDialog(QDialog):
    """The dialog: OK keeps and applies the values, Cancel leaves everything as it was."""

    def __init__(self, window: QMainWindow, prefs: Preferences, parent: QWidget | None = None):
        super().__init__(parent or window)
        self.setWindowTitle("Preferences")
        self.setObjectName("preferencesDialog")
        self.window_ = window
        self.theme = QComboBox(objectName="themeCombo")
        self.theme.addItems([t.capitalize() for t in THEMES])
        self.theme.setCurrentIndex(THEMES.index(prefs.theme))
        self.font_size = QSpinBox(objectName="labelFontSpin", minimum=6, maximum=24, value=prefs.label_font_size,
                                  suffix=" pt")
        self.workers = QSpinBox(objectName="defaultWorkersSpin", minimum=0, maximum=64, value=prefs.default_workers,
                                specialValueText="as the training panel says",
                                toolTip="The workers a new window starts with (0: the panel's remembered value).")
        self.folder = QLineEdit(prefs.recovery_folder, objectName="recoveryFolderEdit",
                                placeholderText=str(default_recovery_folder()))
        browse = QPushButton("Choose…", objectName="recoveryFolderButton")
        browse.setAutoDefault(False)
        browse.clicked.connect(self._choose_folder)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder, 1)
        folder_row.addWidget(browse)
        self.minutes = QSpinBox(objectName="autosaveMinutesSpin", minimum=1, maximum=60,
                                value=max(1, round(prefs.autosave_seconds / 60)), suffix=" min")
        self._seconds = prefs.autosave_seconds  # kept as it is unless the minutes box is changed
        self.minutes.valueChanged.connect(lambda m: setattr(self, "_seconds", m * 60))
        form = QFormLayout()
        form.addRow("Theme", self.theme)
        form.addRow("Map label size", self.font_size)
        form.addRow("Workers at start", self.workers)
        form.addRow("Recovery copies in", folder_row)
        form.addRow("A recovery copy every", self.minutes)
        # ---- STOPWORDS: the stopword list's box goes here (another engineer's part).
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def _choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Where recovery copies go", self.folder.text())
        if folder:
            self.folder.setText(folder)

    def values(self) -> Preferences:
        return Preferences(theme=THEMES[self.theme.currentIndex()], label_font_size=self.font_size.value(),
                           default_workers=self.workers.value(), recovery_folder=self.folder.text().strip(),
                           autosave_seconds=self._seconds)

    def accept(self) -> None:
        """Keep the values only if the recovery folder can be used; otherwise say why and stay open."""
        prefs = self.values()
        folder = prefs.recovery_path()
        try:
            folder.mkdir(parents=True, exist_ok=True)
            probe = folder / ".embedding-studio-probe"
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as error:
            self.window_.status.error("Cannot use that folder",
                                      f"recovery copies cannot be written to {folder}: {error.strerror or error}")
            return
        save(prefs)
        apply(self.window_, prefs)
        super().accept()
