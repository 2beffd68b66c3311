"""Recovery copies: while there is unsaved work, the session is written every few minutes and after each
training run to the recovery folder; the next start after a crash or a kill offers to bring it back.

A recovery copy is an ordinary session (``recovery-<pid>.esession`` and its model beside it), written
atomically like any other, so a kill mid-write leaves the previous copy whole. It carries the pid of
the app that wrote it: at start, copies whose writer is no longer running are the ones a crash left
(a clean close removes its own; a copy of another window still open is left alone). The model file is
written again only when the model on show changed since the last copy.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QMainWindow

from embedding_studio.core.session_file import SUFFIX, SessionFileError, model_paths, read_session

PREFIX = "recovery-"


def process_running(pid: int) -> bool:
    """Whether a process with this pid exists (a pid of ours that is gone means a crash or a kill)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: running
        return True
    return True


def leftover_copies(folder: Path) -> list[Path]:
    """Recovery copies in ``folder`` whose writer is gone, newest first."""
    found = []
    for path in folder.glob(f"{PREFIX}*{SUFFIX}"):
        pid_text = path.name[len(PREFIX):-len(SUFFIX)]
        if pid_text.isdigit() and int(pid_text) != os.getpid() and not process_running(int(pid_text)):
            found.append(path)
    return sorted(found, key=lambda p: p.stat().st_mtime, reverse=True)


def remove_copy(path: Path) -> None:
    for file in (path, *model_paths(path)):
        file.unlink(missing_ok=True)


class Autosave(QObject):
    """Writes this window's recovery copy; ``offer_recovery`` at start brings a dead one's back."""

    written = Signal(str)  # a recovery copy was written (its path)

    def __init__(self, window: QMainWindow, folder: Path, seconds: int) -> None:
        super().__init__(window)
        self.window = window
        self.folder = folder
        self.changed = False  # something changed since the last copy (or the last saved session)
        self.discarded = False  # the window closed cleanly: no more copies
        self._written_model = None  # the model the copy's model file holds
        self.timer = QTimer(self, interval=max(seconds, 1) * 1000)
        self.timer.timeout.connect(self.write_if_changed)
        self.timer.start()
        s = window.session
        for signal in (s.corpusChanged, s.modelChanged, s.selectionChanged, s.highlightChanged,
                       s.projectionChanged, s.drawnCountChanged):
            signal.connect(self._mark)
        window.runs.runEnded.connect(self._after_run)
        window.sessions.saved.connect(lambda _path: setattr(self, "changed", False))

    @property
    def path(self) -> Path:
        """This process's recovery copy."""
        return self.folder / f"{PREFIX}{os.getpid()}{SUFFIX}"

    def configure(self, folder: Path, seconds: int) -> None:
        """Another folder or interval (Preferences); the old folder's copy of ours goes."""
        if folder != self.folder:
            remove_copy(self.path)
            self.folder = folder
            self._written_model = None
            self.changed = True
        self.timer.setInterval(max(seconds, 1) * 1000)

    def _mark(self, *_args) -> None:
        if not self.window.sessions.restoring:
            self.changed = True

    def _after_run(self) -> None:
        if self.window.session.model is not None and not self.discarded:  # (a close may have waited for it)
            self.changed = True
            self.write_now()

    def worth_keeping(self) -> bool:
        """Whether there is work to lose: a model, or texts of the user's (not the demo just opened)."""
        s = self.window.session
        return s.model is not None or not s.source.is_demo

    def write_if_changed(self) -> None:
        if self.changed and self.worth_keeping():
            self.write_now()

    def write_now(self) -> bool:
        """Write the recovery copy now (off the UI thread); False when one is being written or it cannot be."""
        w = self.window
        if self.discarded or w.sessions.writing or w.sessions.restoring or w.session.training or w.session.busy:
            return False  # the next tick (or the run's end) writes it
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            w.status.say(f"Cannot write a recovery copy in {self.folder}: {error.strerror or error}")
            return False
        model = w.session.model
        self.changed = False

        def done(_state) -> None:
            self._written_model = model
            self.written.emit(str(self.path))

        w.sessions.save_session(str(self.path), then=done, quiet=True,
                                reuse_model=model is not None and model is self._written_model)
        return True

    def discard(self) -> None:
        """A clean close: this window's copy is not needed any more."""
        self.timer.stop()
        self.discarded = True
        remove_copy(self.path)

    def offer_recovery(self) -> bool:
        """At start: if a crashed or killed run left a copy, ask whether to bring it back (and do so).
        The copies are removed once brought back or declined; True when one is being brought back."""
        w = self.window
        try:
            copies = leftover_copies(self.folder) if self.folder.is_dir() else []
        except OSError:
            return False
        if not copies:
            return False
        newest = copies[0]
        try:
            state = read_session(newest)
        except SessionFileError as error:
            w.status.say(f"A recovery copy could not be read ({error}); it was removed.")
            for path in copies:
                remove_copy(path)
            return False
        when = time.strftime("%d %b %Y, %H:%M", time.localtime(newest.stat().st_mtime))
        what = ("a model trained here and not saved" if state.model_unsaved else
                "a model" if state.model_file else "no model")
        if not w.status.ask("Restore your work?",
                            f"Embedding Studio did not close properly last time. A recovery copy from {when} "
                            f"({what}, {len(state.selection)} selected words) is in {self.folder}.\n\n"
                            "Restore it? (Cancel starts afresh and removes the copy.)"):
            for path in copies:
                remove_copy(path)
            return False

        def restored(path: str) -> None:
            if path == str(newest):
                w.sessions.restored.disconnect(restored)
                for copy in copies:
                    remove_copy(copy)
                self.changed = True  # the work is unsaved still: keep a copy of our own

        w.sessions.restored.connect(restored)
        w.sessions.apply(state, str(newest), remember=False)
        return True
