"""Edit ▸ Undo for the steps that destroy work: a model replaced (an axis projected out, a retrain, another
model opened), Clear, and removing the compared model.

Each step keeps what it needs to go back, by reference: a replaced model is the same read-only Model
object the session held (nothing is copied, the new model is a new object), a cleared selection is two
lists of words, a removed compared model is its file's path. Only the last ``MAX_STEPS`` are kept, so
at most that many old models stay in memory. Steps are recorded by listening to the session and to the
widgets that destroy, so the parts that do the work need not know undo exists.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu

from embedding_studio.core.maps.frame import drawn_ids, pca_frame

MAX_STEPS = 10


@dataclass
class Step:
    """One undoable step: what the menu calls it, and how to go back."""

    text: str
    undo: Callable[[], None]


class Undo(QObject):
    """The window's undo history; ``undo()`` goes back one step. ``changed`` follows the history."""

    changed = Signal()

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.steps: deque[Step] = deque(maxlen=MAX_STEPS)
        self._going_back = False  # an undo is putting things back: what it changes is not a new step
        self._marks: tuple[list[str], list[str]] = ([], [])
        session = window.session
        session.modelChanged.connect(self._model_replaced)
        clear = window.embedding_view.clear_button
        clear.pressed.connect(lambda: setattr(self, "_marks", (list(session.selection), list(session.highlighted))))
        clear.clicked.connect(self._cleared)

    # -- the menu
    def install_menu(self, menu: QMenu) -> None:
        self.action = QAction("&Undo", self.window)
        self.action.setShortcut(QKeySequence(QKeySequence.StandardKey.Undo))
        self.action.triggered.connect(lambda: self.undo())
        menu.addAction(self.action)
        self.remove_compared_action = QAction("&Remove the compared model", self.window)
        self.remove_compared_action.triggered.connect(lambda: self.remove_compared())
        menu.addAction(self.remove_compared_action)
        self.changed.connect(self._refresh)
        self._refresh()

    def _refresh(self) -> None:
        self.action.setEnabled(bool(self.steps))
        self.action.setText(f"&Undo {self.steps[-1].text}" if self.steps else "&Undo")

    # -- the history
    def push(self, text: str, undo: Callable[[], None]) -> None:
        if not self._going_back:
            self.steps.append(Step(text, undo))
            self.changed.emit()

    def undo(self) -> bool:
        """Go back one step; False (and a status line) when there is none, or while training."""
        w = self.window
        if not self.steps:
            w.status.say("Nothing to undo.")
            return False
        if w.session.training or w.session.busy:
            w.status.say("Undo waits until the training or the file being read is done.")
            return False
        step = self.steps.pop()
        self._going_back = True
        try:
            step.undo()
        finally:
            self._going_back = False
        self.changed.emit()
        w.status.say(f"Undone: {step.text}.")
        return True

    # -- what is recorded
    def _model_replaced(self, model) -> None:
        s = self.window.session
        old, path, of, unsaved = s.replaced
        if old is None or old is model:
            return
        sessions = getattr(self.window, "sessions", None)
        if sessions is not None and sessions.restoring:
            text = "Open session"
        elif s.training:
            text = "Train (replaced the model)" if unsaved else "Train"
        elif model is not None and s.model_path is None:
            text = "Project the axis out"
        else:
            text = "Open model"
        self.push(text, lambda: self._bring_back(old, path, of, unsaved))

    def _bring_back(self, model, path: str | None, of: str | None, unsaved: bool) -> None:
        """The replaced model on show again, as it was (unsaved if it was), with a fresh map of it."""
        s, w = self.window.session, self.window
        ids = drawn_ids(len(model), s.drawn_count, s.drawn_extra_ids(model.vocab.index))
        previous = s.frame if s.frame is not None and s.frame.projection == "pca" and not s.frame.before else None
        s.set_frame(pca_frame(model.vectors, ids, model.words, model.counts, previous,
                              epoch=float(len(model.loss_history))))
        s.set_model(model, path)
        s.model_of, s.unsaved = of, unsaved
        w.files.modelOpened.emit(model)  # the settings panel and the loss curve describe it again

    def _cleared(self) -> None:
        selection, highlighted = self._marks
        if selection or highlighted:
            s = self.window.session

            def back() -> None:
                s.select(selection)
                s.highlight(highlighted)

            self.push("Clear", back)

    def remove_compared(self) -> bool:
        """Close the compare dialog and forget its other model (undoable: it is read again from its file)."""
        files = self.window.files
        dialog = files.compare_dialog
        if dialog is None or dialog.right is None:
            self.window.status.inform("Embedding Studio", "No model is being compared.")
            return False
        path = dialog.right_path
        dialog.close()
        dialog.deleteLater()
        files.compare_dialog = None
        self.window.status.say(f"Removed the compared model {Path(path).name}.")

        def back() -> None:
            if not Path(path).is_file():
                self.window.status.error("Cannot undo", f"the compared model's file {path} is gone")
                return
            files.compare_with(path)

        self.push("Remove the compared model", back)
        return True
