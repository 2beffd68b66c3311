"""Fixtures for the GUI tests: offscreen Qt, throw-away settings, and a window with the demo corpus."""

import os

os.environ["QT_QPA_PLATFORM"] = "offscreen"  # before any Qt import

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
from PySide6.QtCore import QElapsedTimer, QSettings, QTimer  # noqa: E402



PROJECT = Path(__file__).resolve().parents[2]
DOSTOEVSKY = PROJECT.parent / "shared" / "corpora" / "dostoevsky"


@pytest.fixture(autouse=True)
def private_settings(tmp_path_factory, monkeypatch):
    """Every test gets its own empty settings file, cache and data folders, never the user's."""
    folder = tmp_path_factory.mktemp("settings")
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(folder))
    monkeypatch.setenv("EMBEDDING_STUDIO_CACHE", str(tmp_path_factory.mktemp("studio-cache")))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("xdg-cache")))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path_factory.mktemp("xdg-data")))
    return folder


def shown_map(qtbot, width: int = 600, height: int = 400):
    """A map view of its own (an empty session), shown at this size and exposed."""
    from embedding_studio.gui.session import Session
    from embedding_studio.gui.views.embedding_view import EmbeddingView

    view = EmbeddingView(Session())
    qtbot.addWidget(view)
    view.resize(width, height)
    view.show()
    qtbot.waitExposed(view)
    return view


@pytest.fixture
def errors(monkeypatch):
    """Message boxes replaced by a recorder: a list of (kind, title, text)."""
    from PySide6.QtWidgets import QMessageBox

    shown = []

    def recorder(kind):
        def show(parent, title, text, *args, **kwargs):
            shown.append((kind, title, text))
            return QMessageBox.StandardButton.Ok
        return show

    for kind in ("critical", "warning", "information", "question"):
        monkeypatch.setattr(QMessageBox, kind, recorder(kind))
    return shown


def wait_query(qtbot, panel, timeout=10_000):
    """Until a panel's background query (search, analogy, heatmap, compare) has answered."""
    qtbot.waitUntil(lambda: not panel.pending, timeout=timeout)


def close_window(qtbot, window, timeout=30_000):
    """Close, and wait for a close that first stops a training run (or a file being written)."""
    window.close()
    qtbot.waitUntil(lambda: window.training is None and not window.isVisible(), timeout=timeout)


def wait_idle(qtbot, window, timeout=30_000):
    """Until nothing is loading or training."""
    qtbot.waitUntil(lambda: not window.session.busy and window.training is None, timeout=timeout)


@pytest.fixture
def window(qtbot, errors):
    """The real window from the real entry point, demo corpus loaded, small fast settings."""
    from embedding_studio.gui.app import create_window

    win = create_window([])
    qtbot.addWidget(win)
    win.resize(1400, 900)
    win.show()
    qtbot.waitUntil(lambda: win.session.corpus is not None, timeout=20_000)
    panel = win.settings_panel
    panel.spins["epochs"].setValue(1)
    panel.spins["dim"].setValue(16)
    panel.spins["workers"].setValue(1)
    yield win
    close_window(qtbot, win)


def train(qtbot, window, epochs=1, timeout=60_000):
    window.settings_panel.spins["epochs"].setValue(epochs)
    window.settings_panel.train_button.click()
    qtbot.waitUntil(lambda: window.training is None and window.session.model is not None, timeout=timeout)


@pytest.fixture
def trained(qtbot, window):
    """The window after two epochs on the demo corpus (enough for king - man + woman = queen)."""
    train(qtbot, window, epochs=2)
    return window


class TimerLateness:
    """How late a 10 ms QTimer on the UI thread fires, tick by tick, while it runs."""

    def __init__(self) -> None:
        self.lateness: list[int] = []
        self._clock = QElapsedTimer()
        self._timer = QTimer(interval=10)
        self._timer.timeout.connect(self._tick)
        self._last: int | None = None

    def _tick(self) -> None:
        now = self._clock.elapsed()
        if self._last is not None:
            self.lateness.append(now - self._last - 10)
        self._last = now

    def __enter__(self) -> "TimerLateness":
        self._clock.start()
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.stop()
