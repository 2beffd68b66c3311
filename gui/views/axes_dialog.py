"""Semantic axes: words placed on a map whose x and y are two axes (*he-she*, *rich-poor*), the words
furthest towards each end of the x axis, and the x axis projected out of the model.

An axis is typed as word pairs, ``he-she, man-woman`` (a pole may be a formula: ``king - man : queen
- woman``). Without a y axis the map's y is the word's log count. Every computation runs off the UI
thread; projecting a direction out makes a new model that replaces the current one (unsaved), with its
map re-projected.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QDialog, QGridLayout, QHBoxLayout, QLabel, QLineEdit,
                               QMessageBox, QPushButton, QSpinBox, QSplitter, QTableWidget, QVBoxLayout,
                               QWidget)

from embedding_studio.core.errors import UnknownWordError
from embedding_studio.core.maps.frame import drawn_ids, pca_frame
from embedding_studio.core.vectors.axes import Axis, axis_map, rank_along, remove_direction, semantic_axis
from embedding_studio.core.vectors.model import Model

from ..background import LatestRequest, run_in_background
from ..session import Session
from .widgets import close_button_box, fill_table, make_busy_label, make_result_table, unknown_hint
from .word_map import WordMap

MAP_WORDS = 150
RANKED = 25


class AxesDialog(QDialog):
    """``axisXEdit``, ``axisYEdit``, ``axisWordsEdit``, ``axisDrawButton``, the ``axesPlot`` map, the
    ``axisHighTable`` / ``axisLowTable`` rankings and ``axisRemoveButton``."""

    modelReplaced = Signal(object, object)  # the new Model (the x axis projected out), and its PCA Frame

    def __init__(self, session: Session, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Semantic axes")
        self.setObjectName("axesDialog")
        self.session = session
        self.x_axis: Axis | None = None
        self.y_axis: Axis | None = None
        self.removing = False

        self.x_edit = QLineEdit(objectName="axisXEdit", placeholderText="he-she, man-woman", clearButtonEnabled=True,
                                toolTip="Word pairs, first pole - second pole, separated by commas; their difference "
                                        "vectors are averaged.\nUse : between poles that are formulas "
                                        "(king - man : queen - woman).")
        self.y_edit = QLineEdit(objectName="axisYEdit", placeholderText="rich-poor (optional)", clearButtonEnabled=True,
                                toolTip="A second axis for the map's y; empty: y is the word's log count.")
        self.words_edit = QLineEdit(objectName="axisWordsEdit", clearButtonEnabled=True,
                                    placeholderText=f"words to place (empty: the {MAP_WORDS} most frequent)")
        self.restrict = QSpinBox(objectName="axisRestrictSpin", minimum=10, maximum=1_000_000, value=10_000,
                                 singleStep=1000, toolTip="Rank only this many of the most frequent words "
                                                          "(rare words' vectors are noisy and crowd the ends).")
        self.draw_button = QPushButton("Draw", objectName="axisDrawButton")
        self.draw_button.setAutoDefault(False)
        self.remove_button = QPushButton("Project the x axis out of the model", objectName="axisRemoveButton",
                                         toolTip="Replace the model by a copy whose vectors have the x direction "
                                                 "removed (v - (v·d) d): every word then sits at 0 on that axis.")
        self.remove_button.setAutoDefault(False)
        self.remove_button.setEnabled(False)
        self.message = QLabel(objectName="axesMessage", wordWrap=True)
        self.message.setStyleSheet("color: #b00020;")
        self.message.hide()
        self.busy = make_busy_label("axesBusy")
        self.query = LatestRequest(self, self.busy.setVisible)
        self.map = WordMap("axesPlot")
        self.high_table: QTableWidget = make_result_table("axisHighTable")
        self.low_table: QTableWidget = make_result_table("axisLowTable")
        self.high_label, self.low_label = QLabel(objectName="axisHighLabel"), QLabel(objectName="axisLowLabel")

        form = QGridLayout()
        form.addWidget(QLabel("x axis:"), 0, 0)
        form.addWidget(self.x_edit, 0, 1)
        form.addWidget(QLabel("y axis:"), 0, 2)
        form.addWidget(self.y_edit, 0, 3)
        form.addWidget(QLabel("Words:"), 1, 0)
        form.addWidget(self.words_edit, 1, 1, 1, 3)
        form.setColumnStretch(1, 1)
        form.setColumnStretch(3, 1)
        buttons_row = QHBoxLayout()
        buttons_row.addWidget(QLabel("Rank among the most frequent:"))
        buttons_row.addWidget(self.restrict)
        buttons_row.addStretch(1)
        buttons_row.addWidget(self.remove_button)
        buttons_row.addWidget(self.draw_button)
        tables = QWidget()
        tables_layout = QVBoxLayout(tables)
        tables_layout.setContentsMargins(0, 0, 0, 0)
        for label, table in ((self.high_label, self.high_table), (self.low_label, self.low_table)):
            tables_layout.addWidget(label)
            tables_layout.addWidget(table, 1)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(tables)
        split.addWidget(self.map.plot)
        split.setSizes([300, 700])
        close = close_button_box()
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(buttons_row)
        layout.addWidget(self.message)
        layout.addWidget(self.busy)
        layout.addWidget(split, 1)
        layout.addWidget(close)
        self.resize(1050, 680)

        for edit in (self.x_edit, self.y_edit, self.words_edit):
            edit.returnPressed.connect(self.draw)
        self.draw_button.clicked.connect(self.draw)
        self.remove_button.clicked.connect(self.remove_x)
        session.modelChanged.connect(self._model_changed)

    def _model_changed(self, _model) -> None:
        self.query.cancel()
        self.x_axis = self.y_axis = None
        self.remove_button.setEnabled(False)
        if self.x_edit.text().strip() and self.session.model is not None:
            self.draw()

    @property
    def pending(self) -> bool:
        return self.query.pending or self.removing

    def show_message(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def draw(self) -> None:
        model = self.session.model
        if model is None:
            self.show_message("No model yet: train one or open one first.")
            return
        x_text, y_text, words_text = self.x_edit.text().strip(), self.y_edit.text().strip(), self.words_edit.text()
        if not x_text:
            self.show_message("Type an x axis as word pairs, e.g. he-she, man-woman.")
            return
        restrict = self.restrict.value()

        def job():  # on a pool thread: the axes, every word's place, the ranking
            try:
                x = semantic_axis(model, x_text)
                y = semantic_axis(model, y_text) if y_text else None
                words = [w for w in words_text.replace(",", " ").split() if w]
                unknown = [w for w in words if w not in model]
                if unknown:
                    raise UnknownWordError(unknown[0], model.vocab.suggest(unknown[0]))
                if not words:
                    words = model.words[:MAP_WORDS]
                words = [model.words[model.index(w)] for w in words]
                if y is not None:
                    coords = axis_map(model, x, y, words)
                else:
                    rows = [model.index(w) for w in words]
                    coords = np.column_stack([axis_map(model, x, x, words)[:, 0],
                                              np.log10(np.maximum(model.counts[rows], 1))])
                high, low = rank_along(model, x, topn=RANKED, restrict_vocab=restrict)
            except UnknownWordError as error:
                return None, f"'{error.word}' is not in the vocabulary.{unknown_hint(error)}"
            return (x, y, words, coords, high, low), ""

        def done(answer) -> None:
            result, message = answer
            if model is not self.session.model:
                return
            self.show_message(message)
            if result is None:
                return
            self._show(model, *result)

        def failed(message: str) -> None:
            self.show_message(message)

        self.query.run(job, done, failed)

    def _show(self, model: Model, x: Axis, y: Axis | None, words: list[str], coords: np.ndarray,
              high: list, low: list) -> None:
        self.x_axis, self.y_axis = x, y
        self.remove_button.setEnabled(True)
        self.map.show_words(words, coords, labelled=len(words))
        self.map.set_axes(f"x: {x.label}", f"y: {y.label}" if y is not None else "log10 count")
        self.map.plot.setTitle(f"Words on the {x.name} axis" + (f" and the {y.name} axis" if y else ""),
                               color="#333", size="11pt")
        counts, index = model.counts, model.vocab.index
        firsts, seconds = ", ".join(a for a, _ in x.pairs), ", ".join(b for _, b in x.pairs)
        self.high_label.setText(f"Furthest towards <b>{firsts}</b>")
        self.low_label.setText(f"Furthest towards <b>{seconds}</b>")
        fill_table(self.high_table, [(w, s, int(counts[index[w]])) for w, s in high])
        fill_table(self.low_table, [(w, s, int(counts[index[w]])) for w, s in low])

    def ranked(self, table: QTableWidget) -> list[str]:
        return [table.item(r, 0).text() for r in range(table.rowCount())]

    def remove_x(self) -> None:
        """Replace the model by a copy with the x axis projected out (after a confirmation)."""
        model, axis = self.session.model, self.x_axis
        if model is None or axis is None or self.removing:
            return
        answer = QMessageBox.question(
            self, "Project the axis out?",
            f"Replace the current model by a copy with the {axis.name} direction removed from every vector?\n"
            "The file on disk is not changed; save the new model to keep it.")
        if answer != QMessageBox.StandardButton.Yes:
            return
        self.removing = True
        self.remove_button.setEnabled(False)
        session = self.session
        ids = drawn_ids(len(model), session.drawn_count, session.drawn_extra_ids(model.vocab.index))
        previous = session.frame if session.frame is not None and session.frame.projection == "pca" else None

        def job():  # on a pool thread: the projection, and the map of the new vectors (aligned to the last)
            new_model = remove_direction(model, axis)
            return new_model, pca_frame(new_model.vectors, ids, new_model.words, new_model.counts, previous)

        def done(result) -> None:
            self.removing = False
            if model is self.session.model:
                self.modelReplaced.emit(*result)

        def failed(message: str) -> None:
            self.removing = False
            self.remove_button.setEnabled(True)
            self.show_message(message)

        run_in_background(job, done, failed, owner=self)
