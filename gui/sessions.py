"""Sessions in the window: gather what the user is working on into a session file, and bring one back.

The format is core's (:mod:`embedding_studio.core.session_file`); this part reads the window's parts
(the session, the settings panel, the map's boxes and zoom, the Explore tabs, the compare dialog) into a
:class:`SessionState` and applies one to them. Writing runs off the UI thread (model files first, then the
session that names them, each atomically). Opening chains the slow steps: the corpus is read, then the
model, then the map, the compared model and the Explore query, and last the selection and highlights
(a query's answer highlights words of its own) and the zoom; ``restored`` says when all of it is back.
The autosave's recovery copies are sessions too (gui.autosave).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Callable

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QLineEdit, QMainWindow, QMenu, QWidget

from embedding_studio.core.session_file import (SUFFIX, ExploreState, MapState, SessionFileError, SessionState,
                                                model_paths, read_session, write_session)

from . import persistence
from .background import run_in_background
from .files import prepare_model

SESSION_FILTER = f"Embedding Studio sessions (*{SUFFIX});;All files (*)"
RECENT_KEY = "recentSessions"
MAX_RECENT = 8
QUERY_WAIT_MS = 20_000  # how long a restore waits for the Explore query's answer before going on


def recent_sessions() -> list[str]:
    """Session files opened or saved lately, newest first."""
    raw = persistence.studio_settings().value(RECENT_KEY, "")
    try:
        entries = json.loads(raw) if isinstance(raw, str) and raw else []
    except ValueError:
        entries = []
    return [e for e in entries if isinstance(e, str)][:MAX_RECENT] if isinstance(entries, list) else []


def remember_session(path: str) -> None:
    entries = [str(Path(path).resolve())] + [e for e in recent_sessions() if e != str(Path(path).resolve())]
    settings = persistence.studio_settings()
    settings.setValue(RECENT_KEY, json.dumps(entries[:MAX_RECENT]))
    settings.sync()


def write_with_models(state: SessionState, path: str | os.PathLike, model, compared,
                      reuse_model: bool = False) -> SessionState:
    """The model files beside ``path`` (atomically, first), then the session naming them; off the UI thread.
    ``reuse_model``: the model file beside it already holds this model (a recovery copy's), keep it."""
    from embedding_studio.core.vectors.model_file import save_model

    model_path, compared_path = model_paths(path)
    try:
        if model is not None and not (reuse_model and model_path.is_file()):
            save_model(model, model_path)
        state.model_file = str(model_path) if model is not None else None
        if compared is not None and not (state.compared_origin and Path(state.compared_origin).is_file()):
            save_model(compared, compared_path)  # its file is gone (or it had none): keep a copy
            state.compared_file = str(compared_path)
        else:
            state.compared_file = None
    except OSError as error:
        raise SessionFileError(f"cannot write beside {path}: {error.strerror or error}") from None
    write_session(state, path)
    return state


def _query_edit(panel: QWidget | None) -> QLineEdit | None:
    """The line an Explore panel's query is typed in (``edit``, or the concordance's ``word``)."""
    for name in ("edit", "word"):
        edit = getattr(panel, name, None)
        if isinstance(edit, QLineEdit):
            return edit
    return None


class Sessions(QObject):
    """File ▸ Save session / Open session / Recent sessions, and what they gather and apply."""

    saved = Signal(str)  # a session file was written (its path)
    restored = Signal(str)  # everything a session holds is back (its path)
    failed = Signal(str)  # saving or opening failed: the message shown

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.writing = 0  # session files being written in the background
        self.restoring: str | None = None  # the session being opened, until restored
        self.path: str | None = None  # the session last saved or opened here
        self.recent_menu: QMenu | None = None

    # -- the menu
    def install_menu(self, file_menu: QMenu, before: QAction | None) -> None:
        """Open session…, Save session…, Recent sessions: put in the File menu before ``before``."""
        open_action = QAction("Open sess&ion…", self.window)
        open_action.triggered.connect(lambda: self.choose_open_path())
        save_action = QAction("Save sessi&on…", self.window)
        save_action.setShortcut(QKeySequence("Ctrl+Shift+S"))
        save_action.triggered.connect(lambda: self.choose_save_path())
        self.recent_menu = QMenu("Recent sess&ions", self.window)
        self.recent_menu.aboutToShow.connect(self.fill_recent_menu)
        self.open_action, self.save_action = open_action, save_action
        file_menu.insertAction(before, open_action)
        file_menu.insertAction(before, save_action)
        file_menu.insertMenu(before, self.recent_menu)
        file_menu.insertSeparator(before)

    def fill_recent_menu(self) -> None:
        menu = self.recent_menu
        menu.clear()
        entries = recent_sessions()
        if not entries:
            menu.addAction("(none yet)").setEnabled(False)
        for path in entries:
            menu.addAction(path).triggered.connect(lambda checked=False, p=path: self.open_session(p))

    def choose_save_path(self) -> None:
        start = self.path or str(Path(persistence.last_folder() or ".") / f"session{SUFFIX}")
        path, _ = QFileDialog.getSaveFileName(self.window, "Save session", start, SESSION_FILTER)
        if path:
            persistence.remember_folder(path)
            self.save_session(path if path.endswith(SUFFIX) else path + SUFFIX)

    def choose_open_path(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self.window, "Open session", persistence.last_folder(), SESSION_FILTER)
        if path:
            self.open_session(path)

    # -- gathering
    def gather(self) -> SessionState:
        """The window's state now (the model and compared model are named by the caller's write)."""
        w = self.window
        s, view = w.session, w.embedding_view
        box = view.plot.getViewBox()
        zoomed = not all(box.autoRangeEnabled())
        compared, compared_origin = self._compared()
        tab = w.tabs.tabText(w.tabs.currentIndex())
        edit = _query_edit(w.tabs.currentWidget())
        return SessionState(
            corpus_paths=[str(Path(p).resolve()) for p in s.source.paths],
            settings=w.settings_panel.values(),
            model_origin=str(Path(s.model_path).resolve()) if s.model_path else None,
            model_unsaved=bool(s.unsaved),
            compared_origin=compared_origin,
            map=MapState(projection=s.projection, drawn_count=s.drawn_count, rank_from=view.rank_from.value(),
                         labels=view.label_count.value(), colour=view.colour_mode.currentText(),
                         before=view.before_mode.currentText(), trails=view.trails_check.isChecked(),
                         view_range=[[float(a), float(b)] for a, b in box.viewRange()] if zoomed else None),
            selection=list(s.selection), highlighted=list(s.highlighted),
            explore=ExploreState(tab=tab, query=edit.text() if edit is not None else ""),
            writer_pid=os.getpid())

    def _compared(self) -> tuple[object, str | None]:
        dialog = self.window.files.compare_dialog
        if dialog is None or dialog.right is None:
            return None, None
        return dialog.right, str(Path(dialog.right_path).resolve()) if dialog.right_path else None

    # -- saving
    def save_session(self, path: str, then: Callable[[SessionState], None] | None = None, *,
                     quiet: bool = False, reuse_model: bool = False) -> None:
        """Write the session to ``path`` off the UI thread; ``quiet`` (recovery copies) says nothing."""
        state = self.gather()
        model = self.window.session.model
        compared, _ = self._compared()
        self.writing += 1

        def done(written: SessionState) -> None:
            self.writing -= 1
            if not quiet:
                self.path = path
                remember_session(path)
                self.window.status.say(f"Saved the session to {path}"
                                       + (f" (its model beside it, {Path(written.model_file).name})"
                                          if written.model_file else ""))
                self.saved.emit(path)
            if then is not None:
                then(written)

        def failed(message: str) -> None:
            self.writing -= 1
            if not quiet:
                self.window.status.error("Cannot save the session", message)
            self.failed.emit(message)

        run_in_background(lambda: write_with_models(state, path, model, compared, reuse_model), done, failed)

    # -- opening
    def open_session(self, path: str, *, fallback: Callable[[], None] | None = None) -> bool:
        """Read ``path`` and bring its state back (in steps, off the UI thread where slow). A file that
        cannot be used is refused in a dialog, then ``fallback`` runs (at start-up: the demo corpus)."""
        w = self.window
        if w.session.training or w.session.busy or self.restoring:
            w.status.inform("Embedding Studio", "Stop the training, or wait for the file being read, first.")
            return False
        if w.session.unsaved and w.session.model is not None and not w.status.ask(
                "Open the session?", f"The {w.session.model_name()} is not saved: the session's model replaces "
                "it (Edit ▸ Undo brings it back).\n\nOpen anyway?"):
            return False
        try:
            state = read_session(path)
        except SessionFileError as error:
            w.status.error("Cannot open the session", str(error))
            self.failed.emit(str(error))
            if fallback is not None:
                fallback()
            return False
        self.apply(state, path)
        return True

    def apply(self, state: SessionState, path: str, *, remember: bool = True) -> None:
        """Bring ``state`` back: corpus, settings, model, map, compared model, Explore, marks, zoom."""
        w = self.window
        self.restoring = path
        problems = []
        missing = state.missing_corpus_paths()
        if missing:
            problems.append("The session's corpus is not where it was (moved or deleted): " + ", ".join(missing)
                            + ". Open it from its new place (File ▸ Open corpus), then save the session again.")
        w.settings_panel.restore(state.settings)

        def model_step() -> None:
            if state.model_file and Path(state.model_file).is_file():
                self._open_model(state, then=lambda: self._after_model(state, path, remember, problems))
                return
            if state.model_file:
                problems.append(f"The session's model file {state.model_file} is missing; the model is not back.")
            self._after_model(state, path, remember, problems)

        if missing:
            model_step()
        elif state.corpus_paths:
            w.files.open_corpus(state.corpus_paths, then=model_step)
        else:
            w.files.load_demo(then=model_step)

    def _open_model(self, state: SessionState, then: Callable[[], None]) -> None:
        w, s = self.window, self.window.session
        s.set_busy(True, f"Reading the session's model {Path(state.model_file).name}…")
        top = s.drawn_count

        def done(result) -> None:
            model, frame = result
            s.set_busy(False)
            s.clear_frames()
            s.set_frame(frame)
            s.set_model(model, state.model_origin)  # trained here: None; opened: the file it came from
            s.unsaved = state.model_unsaved
            w.files.modelOpened.emit(model)
            then()

        def failed(message: str) -> None:
            s.set_busy(False)
            w.status.error("Cannot open the session's model", message)
            then()

        run_in_background(lambda: prepare_model(state.model_file, top), done, failed)

    def _after_model(self, state: SessionState, path: str, remember: bool, problems: list[str]) -> None:
        w, s, view = self.window, self.window.session, self.window.embedding_view
        w.settings_panel.restore(state.settings)  # an opened model showed its own: the session's win
        m = state.map
        view.rank_from.setValue(m.rank_from)
        view.label_count.setValue(m.labels)
        for combo, text in ((view.colour_mode, m.colour), (view.before_mode, m.before)):
            if text and combo.findText(text) >= 0:
                combo.setCurrentIndex(combo.findText(text))
        view.trails_check.setChecked(m.trails)
        s.set_drawn_count(m.drawn_count)
        if m.projection != "pca" and s.model is not None:
            w.map_control.set_projection(m.projection)
        compared = state.compared_file or state.compared_origin
        if compared:
            if Path(compared).is_file() and s.model is not None:
                w.files.compare_with(compared)
            else:
                problems.append(f"The compared model {compared} is missing; compare again (File ▸ Compare with…).")
        panel = None
        for index in range(w.tabs.count()):
            if w.tabs.tabText(index) == state.explore.tab:
                w.tabs.setCurrentIndex(index)
                panel = w.tabs.widget(index)
        edit = _query_edit(panel) if panel is not None else None
        if edit is not None and state.explore.query:
            edit.setText(state.explore.query)
            if s.model is not None:
                edit.returnPressed.emit()  # the panel answers as if Enter had been pressed
        waited = [0]

        def finish() -> None:  # once the query has answered: its highlights give way to the session's
            # the query's answer, and the restored projection's map (a t-SNE layout is computed off the UI
            # thread, and a new projection fits the view when it arrives: the zoom must come after it)
            shown = view.frame
            projecting = s.model is not None and (shown is None or shown.projection != m.projection)
            if (getattr(panel, "pending", False) or projecting) and waited[0] < QUERY_WAIT_MS:
                waited[0] += 50
                QTimer.singleShot(50, finish)
                return
            s.select(state.selection)
            s.highlight(state.highlighted)
            if m.view_range is not None:
                (x0, x1), (y0, y1) = m.view_range
                view.plot.getViewBox().setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0)
            self.restoring = None
            if remember:
                self.path = path
                remember_session(path)
            if problems:
                w.status.warn("The session is back, but not all of it", "\n\n".join(problems))
            w.status.say(f"Opened the session {Path(path).name}.")
            self.restored.emit(path)

        QTimer.singleShot(0, finish)
