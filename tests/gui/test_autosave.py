"""Recovery copies: written after a run and while there is unsaved work, removed by a clean close, and
offered at the next start after the app was killed (a real app process, SIGKILL)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from PySide6.QtWidgets import QMessageBox

from embedding_studio.core.session_file import read_session
from embedding_studio.gui import preferences

from .conftest import PROJECT, close_window, train, wait_idle


def test_a_run_writes_a_recovery_copy_and_a_clean_close_removes_it(qtbot, window):
    path = window.autosave.path
    with qtbot.waitSignal(window.autosave.written, timeout=60_000):
        train(qtbot, window, epochs=1)
    state = read_session(path)
    assert state.model_unsaved and Path(state.model_file).is_file() and state.writer_pid == os.getpid()
    window.session.unsaved = False
    close_window(qtbot, window)
    assert not path.exists() and not Path(state.model_file).exists()


def test_the_copy_is_written_again_only_when_something_changed(qtbot, trained):
    autosave = trained.autosave
    qtbot.waitUntil(lambda: autosave.path.exists() and not trained.sessions.writing, timeout=30_000)
    written = autosave.path.stat().st_mtime_ns
    model_file = autosave.path.with_name(autosave.path.name.replace(".esession", ".model.npz"))
    model_written = model_file.stat().st_mtime_ns
    autosave.write_if_changed()
    assert autosave.path.stat().st_mtime_ns == written  # nothing changed: no write
    trained.session.select(["king"])
    with qtbot.waitSignal(autosave.written, timeout=30_000):
        autosave.write_if_changed()
    assert read_session(autosave.path).selection == ["king"]
    assert model_file.stat().st_mtime_ns == model_written  # the same model: its file is not written again


def _wait_for(predicate, timeout: float) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def test_after_the_app_is_killed_the_next_start_offers_the_recovery_copy(qtbot, tmp_path, private_settings,
                                                                          monkeypatch):
    # the app, as a user starts it, in its own process: a corpus opened (unsaved work), a copy every second
    preferences.save(preferences.Preferences(autosave_seconds=1))
    corpus = tmp_path / "texts.txt"
    from embedding_studio.core.text.demo import demo_text

    corpus.write_text(demo_text(sentences=2000), encoding="utf-8")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    app = subprocess.Popen([sys.executable, str(PROJECT / "main.py"), "--corpus", str(corpus)], env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    folder = preferences.load().recovery_path()
    copy = folder / f"recovery-{app.pid}.esession"
    try:
        assert _wait_for(copy.exists, 90), app.stderr.read().decode() if app.poll() is not None else "no copy"
    finally:
        os.kill(app.pid, signal.SIGKILL)
        app.wait(30)
    assert app.returncode == -signal.SIGKILL and copy.exists()

    asked = []

    def answer(parent, title, text, *args, **kwargs):
        asked.append((title, text))
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", answer)
    from embedding_studio.gui.app import create_window

    win = create_window([])
    qtbot.addWidget(win)
    try:
        assert asked and asked[0][0] == "Restore your work?" and "did not close properly" in asked[0][1]
        with qtbot.waitSignal(win.sessions.restored, timeout=60_000):
            pass
        wait_idle(qtbot, win)
        assert win.session.source.paths == [str(corpus.resolve())]
        assert not copy.exists()  # brought back: the dead run's copy is gone
    finally:
        close_window(qtbot, win)


def test_a_declined_copy_is_removed_and_not_offered_again(qtbot, tmp_path, monkeypatch):
    folder = preferences.load().recovery_path()
    folder.mkdir(parents=True)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    from embedding_studio.core.session_file import SessionState, write_session

    write_session(SessionState(selection=["dog"], writer_pid=dead.pid), folder / f"recovery-{dead.pid}.esession")
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Cancel)
    from embedding_studio.gui.app import create_window

    win = create_window([])
    qtbot.addWidget(win)
    try:
        assert not list(folder.glob("recovery-*"))
        assert win.session.selection == [] and win.sessions.restoring is None
    finally:
        close_window(qtbot, win)


def test_a_fresh_start_on_the_demo_is_no_work_to_recover(qtbot, window):
    window.session.select(["king"])  # a change, but nothing that would be lost: the demo and no model
    window.autosave.write_if_changed()
    qtbot.wait(200)
    assert not window.autosave.path.exists() and not window.sessions.writing


def test_a_close_that_waited_for_a_run_leaves_no_copy(qtbot, window):
    window.settings_panel.spins["epochs"].setValue(3)
    window.settings_panel.train_button.click()
    qtbot.waitUntil(lambda: window.training is not None, timeout=20_000)
    close_window(qtbot, window)  # stops the run; the run's end must not write a copy after the close
    qtbot.wait(500)
    assert not list(window.autosave.folder.glob("recovery-*"))
