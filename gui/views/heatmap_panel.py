"""The article's cosine-similarity table, drawn as a heatmap for words the user types, and the word
that does not belong with the others (gensim's ``doesnt_match``)."""

from __future__ import annotations

import re

import numpy as np
import pyqtgraph as pg

from .plots import named_plot
from PySide6.QtGui import QFont
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from embedding_studio.core.errors import UnknownWordError

from ..background import LatestRequest
from ..session import Session
from .widgets import make_busy_label, refuse_if_stale

MAX_WORDS = 20
MIN_CELL_PX = 34  # a cell narrower than this cannot show "-0.12" legibly at 8 pt
DEMO_WORDS = "king queen man woman paris france berlin germany dog cat"


class HeatmapPanel(QWidget):
    """``heatmapEdit`` (words separated by spaces or commas) and a ``heatmapPlot`` of their cosines."""

    def __init__(self, session: Session, parent: QWidget | None = None, *, own_window: bool = False):
        """``own_window``: this panel is the one in the separate window (it offers no further window)."""
        super().__init__(parent)
        self.session = session
        self.window_button = QPushButton("Window", objectName="heatmapWindowButton",
                                         toolTip="Open the table in its own window, as large as you like.")
        self.window_button.setVisible(not own_window)
        self.own_window: QDialog | None = None
        self.edit = QLineEdit(objectName="heatmapEdit", placeholderText=DEMO_WORDS, clearButtonEnabled=True,
                              toolTip=f"Up to {MAX_WORDS} words separated by spaces; Enter draws their cosine table.")
        self.go = QPushButton("Show", objectName="heatmapButton")
        self.message = QLabel(objectName="heatmapMessage", wordWrap=True)
        self.message.setStyleSheet("color: #b00020;")
        self.message.hide()
        self.busy = make_busy_label("heatmapBusy")
        self.numbers_note = QLabel("Too many words to write the cosines in this width: Window shows them.",
                                   objectName="heatmapNumbersNote", wordWrap=True)
        self.numbers_note.setStyleSheet("color: #666; font-style: italic;")
        self.numbers_note.hide()
        self.odd_label = QLabel(objectName="oddOneOutLabel", wordWrap=True,
                                toolTip="The word furthest from the mean of them all (gensim's doesnt_match).")
        self.query = LatestRequest(self, self.busy.setVisible)
        self.plot = named_plot("heatmapPlot")
        self.plot.setBackground("w")
        self.plot.setAspectLocked(True)
        self.plot.invertY(True)
        self.plot.setMouseEnabled(x=False, y=False)
        self.image = pg.ImageItem()
        self.image.setColorMap(pg.colormap.get("CET-D1"))
        self.image.setLevels((-1.0, 1.0))
        self.plot.addItem(self.image)
        self.plot.hideAxis("left")  # no axes until there is a table
        self.plot.hideAxis("bottom")
        self.cells: list[pg.TextItem] = []
        self.column_labels: list[pg.TextItem] = []
        self.words: list[str] = []
        self.asked = False  # a table was asked for: a new model (or the end of a run) answers it again
        self.matrix = np.zeros((0, 0), dtype=np.float32)

        row = QHBoxLayout()
        row.addWidget(self.edit, 1)
        row.addWidget(self.go)
        row.addWidget(self.window_button)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.message)
        layout.addWidget(self.busy)
        layout.addWidget(self.odd_label)
        layout.addWidget(self.numbers_note)
        layout.addWidget(self.plot, 1)
        self.edit.returnPressed.connect(self.show_table)
        self.go.clicked.connect(self.show_table)
        self.window_button.clicked.connect(self.open_window)
        session.modelChanged.connect(self._model_changed)
        # a run ended: what its snapshot answered (or did not know) is asked again of the model it made
        session.trainingChanged.connect(lambda training: None if training else self._model_changed(None))

    def _model_changed(self, _model) -> None:
        self.query.cancel()
        if self.asked:
            self.show_table()

    def open_window(self) -> "HeatmapPanel":
        """The same table in its own resizable window (a dozen words do not fit the narrow dock)."""
        if self.own_window is None:
            window = self.own_window = QDialog(self, objectName="heatmapWindow", windowTitle="Cosine similarity")
            window.setWindowFlag(Qt.WindowType.WindowMaximizeButtonHint, True)
            self.window_panel = HeatmapPanel(self.session, own_window=True)
            QVBoxLayout(window).addWidget(self.window_panel)
            window.resize(760, 720)
        self.window_panel.edit.setText(self.edit.text())
        self.own_window.show()
        self.own_window.raise_()
        self.window_panel.show_table()
        return self.window_panel

    @property
    def pending(self) -> bool:
        """A table is being computed in the background."""
        return self.query.pending

    def show_message(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def show_table(self) -> None:
        model = self.session.model
        if refuse_if_stale(self):  # never an answer from a model of other texts
            return
        text = self.edit.text().strip() or self.edit.placeholderText()
        words = list(dict.fromkeys(w for w in re.split(r"[\s,;]+", text) if w))[:MAX_WORDS]
        self.asked = True
        snapshot = self.session.snapshot_source()  # the timeline's snapshot answers while training or scrubbing
        if model is None and snapshot is None:
            self.show_message("No model yet: train one or open one first.")
            return

        def job():  # on a pool thread: the cosines, and difflib's suggestions for unknown words
            nonlocal model
            if snapshot is not None:
                model = snapshot[0].as_model(snapshot[1], snapshot[2])
            known = [w for w in words if w in model]
            unknown = [w for w in words if w not in model]
            hints = []
            for w in unknown:
                try:
                    model.index(w)
                except UnknownWordError as error:
                    hints.append(f"{w}" + (f" (did you mean {', '.join(error.suggestions)}?)"
                                           if error.suggestions else ""))
            matrix = model.similarity_matrix(known) if len(known) >= 2 else None
            odd = model.doesnt_match(known) if len(known) >= 3 else None
            return known, unknown, hints, matrix, odd

        def done(result) -> None:
            known, unknown, hints, matrix, odd = result
            self.odd_label.setText(f"Odd one out: <b>{odd}</b>" if odd else "")
            self.show_message("Not in the vocabulary: " + "; ".join(hints) if unknown else "")
            if matrix is None:  # no table: none drawn either (an old one under the message looked current)
                if not unknown:
                    self.show_message("Type at least two words.")
                self.clear_table()
                return
            self.words = known
            self.matrix = matrix
            self._draw()

        def failed(message: str) -> None:
            self.show_message(message)
            self.clear_table()

        self.query.run(job, done, failed)

    def clear_table(self) -> None:
        """An empty plot: no cells, no words, no axes."""
        self.words = []
        self.matrix = np.zeros((0, 0), dtype=np.float32)
        self.image.clear()
        for item in self.cells + self.column_labels:
            item.hide()
        self.numbers_note.hide()
        self.plot.hideAxis("left")
        self.plot.hideAxis("bottom")
        self.odd_label.setText("")

    def _draw(self) -> None:
        n = len(self.words)
        self.image.setImage(self.matrix.T, levels=(-1.0, 1.0))  # ImageItem is column-major: x first
        while len(self.cells) < n * n:
            cell = pg.TextItem("", anchor=(0.5, 0.5))
            font = QFont()
            font.setPointSize(8)
            cell.setFont(font)
            self.plot.addItem(cell)
            self.cells.append(cell)
        for k, cell in enumerate(self.cells):
            if k < n * n:
                i, j = divmod(k, n)
                value = float(self.matrix[i, j])
                cell.setText(f"{value:.2f}", color="#fff" if abs(value) > 0.6 else "#111")
                cell.setPos(j + 0.5, i + 0.5)
                cell.show()
            else:
                cell.hide()
        self.plot.getAxis("left").setTicks([[(k + 0.5, w) for k, w in enumerate(self.words)]])
        self.plot.showAxis("left")
        self.plot.hideAxis("bottom")
        while len(self.column_labels) < n:  # slanted column headings: axis ticks would overlap
            label = pg.TextItem("", color="#333", anchor=(0, 0.5), angle=50)
            self.plot.addItem(label)
            self.column_labels.append(label)
        for k, label in enumerate(self.column_labels):
            label.setVisible(k < n)
            if k < n:
                label.setText(self.words[k])
                label.setPos(k + 0.5, -0.15)
        self.plot.setRange(xRange=(0, n), yRange=(-0.25 * n, n), padding=0.02)
        self._show_numbers()

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._show_numbers()

    def _show_numbers(self) -> None:
        """The cosines written in the cells only when a cell is wide enough to read one (the docked panel
        with a dozen words drew them over each other); the colours still show them, and the Window
        button opens a table large enough for the numbers."""
        n = len(self.words)
        if not n:
            return
        cell = self.plot.getViewBox().width() / (n * 1.04)  # pixels per cell (the range's padding)
        readable = cell >= MIN_CELL_PX
        for k, item in enumerate(self.cells):
            item.setVisible(readable and k < n * n)
        self.numbers_note.setVisible(not readable)
