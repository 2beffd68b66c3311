"""The status bar: one line of text and a progress bar, where every part of the window reports.

Errors go through :meth:`Status.error`: one dialog, and the same words on the status line, so the
app stays as it was and the user can read what happened after closing the dialog.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow, QMessageBox, QProgressBar, QSizePolicy

PROGRESS_STEPS = 1000


class Status:
    """The window's status line (``statusLine``) and progress bar (``progressBar``)."""

    def __init__(self, window: QMainWindow):
        self.window = window
        self.line = QLabel("Ready", objectName="statusLine")
        # a long message must not widen the window: it is cut at the window's edge instead
        self.line.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.bar = QProgressBar(objectName="progressBar", minimum=0, maximum=PROGRESS_STEPS, value=0)
        self.bar.setFixedWidth(260)
        self.bar.setFormat("%p%")
        window.statusBar().addWidget(self.line, 1)
        window.statusBar().addPermanentWidget(self.bar)

    def say(self, text: str) -> None:
        self.line.setText(text)

    def text(self) -> str:
        return self.line.text()

    def progress(self, fraction: float) -> None:
        self.bar.setRange(0, PROGRESS_STEPS)
        self.bar.setValue(int(PROGRESS_STEPS * min(max(fraction, 0.0), 1.0)))

    def busy(self, busy: bool, message: str = "") -> None:
        """A busy cursor and a bar that sweeps while something of unknown length runs."""
        if busy:
            QApplication.setOverrideCursor(Qt.CursorShape.BusyCursor)
            self.bar.setRange(0, 0)
            self.say(message)
        else:
            QApplication.restoreOverrideCursor()
            self.bar.setRange(0, PROGRESS_STEPS)

    def error(self, title: str, message: str) -> None:
        """Every user-facing problem ends here: one dialog, the app stays as it was."""
        self.say(message)
        QMessageBox.critical(self.window, title, message)

    def inform(self, title: str, message: str) -> None:
        QMessageBox.information(self.window, title, message)

    def ask(self, title: str, message: str) -> bool:
        """A yes-or-cancel question (Cancel the default): whether to go on with something that loses work."""
        box = QMessageBox.StandardButton
        answer = QMessageBox.question(self.window, title, message, box.Yes | box.Cancel, box.Cancel)
        return answer in (box.Yes, box.Ok)  # closing the box some other way (NoButton) goes on with nothing

    def warn(self, title: str, message: str) -> None:
        QMessageBox.warning(self.window, title, message)
