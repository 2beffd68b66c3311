"""Compare the current model with another one: a word's neighbours side by side, and their overlap;
and, on the Movers tab, the two models aligned (orthogonal Procrustes) with the words that moved most
ranked and drawn as arrows on one map.

The other model is read off the UI thread; once it is in, the mean overlap at 10 over the 1,000 most
frequent words both models know is computed off the UI thread too, and so are the alignment and a
word's pair of neighbour lists (the latest word asked wins); the words both lists share are
highlighted. Every job is owned by the dialog: a result that arrives after the dialog was deleted is
dropped. The other model can be anything load_any reads (another corpus, another seed, imported vectors).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (QDialog, QFileDialog, QGridLayout, QHBoxLayout, QLabel,
                               QLineEdit, QPushButton, QSpinBox, QSplitter, QTableWidget, QTableWidgetItem,
                               QTabWidget, QVBoxLayout, QWidget)

from embedding_studio.core.maps.projection import movement_map
from embedding_studio.core.text.stopwords import content_rows
from embedding_studio.core.vectors.compare import DEFAULT_TOP, Alignment, align_models, compare_neighbours, mean_overlap
from embedding_studio.core.errors import UnknownWordError
from embedding_studio.core.vectors.io import load_any
from embedding_studio.core.vectors.model import Model

from ..background import LatestRequest, run_in_background
from ..session import Session
from .widgets import close_button_box, make_busy_label, make_result_table

TOPN = 10
OVERLAP_WORDS = 1000
SHARED = QBrush(QColor("#c8ecc8"))
MOVERS_LISTED = 200
MOVERS_DRAWN = 15
CONTEXT_DRAWN = 150  # frequent shared words drawn around the arrows, for orientation


class NumberItem(QTableWidgetItem):
    """A right-aligned number that sorts as a number, not as its text."""

    def __init__(self, value: float, text: str):
        super().__init__(text)
        self.setData(Qt.ItemDataRole.UserRole, float(value))
        self.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)

    def __lt__(self, other: QTableWidgetItem) -> bool:
        mine, theirs = self.data(Qt.ItemDataRole.UserRole), other.data(Qt.ItemDataRole.UserRole)
        return mine < theirs if mine is not None and theirs is not None else super().__lt__(other)


def _load(path: str) -> Model:
    model = load_any(path)
    model.unit_vectors  # noqa: B018 - the query cache, built here rather than on the first word
    return model


class CompareDialog(QDialog):
    """``compareEdit``, ``leftTable`` / ``rightTable``, ``overlapLabel`` and ``meanOverlapLabel``; on the
    Movers tab ``moversTable``, ``moversSummary`` and the ``moversPlot`` map."""

    MODEL_FILTER = "Models and vectors (*.npz *.txt *.vec *.bin *.w2v);;All files (*)"

    def __init__(self, session: Session, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Compare two models")
        self.setObjectName("compareDialog")
        self.session = session
        self.left: Model | None = session.model
        self.right: Model | None = None
        self.right_path = ""
        self.mean: float | None = None
        self.loading = False
        self.alignment: Alignment | None = None

        self.left_label = QLabel(objectName="leftModelLabel", wordWrap=True)
        self.right_label = QLabel("(no model chosen)", objectName="rightModelLabel", wordWrap=True)
        self.open_button = QPushButton("Open other model…", objectName="compareOpenButton")
        # A dialog's buttons are "auto default": Enter in the word box would also press this one and
        # open a file dialog on every search.
        self.open_button.setAutoDefault(False)
        self.edit = QLineEdit(objectName="compareEdit", placeholderText="A word, press Enter",
                              clearButtonEnabled=True)
        self.message = QLabel(objectName="compareMessage", wordWrap=True)
        self.message.setStyleSheet("color: #b00020;")
        self.busy = make_busy_label("compareBusy")
        self.query = LatestRequest(self, self.busy.setVisible)
        self.overlap_label = QLabel(objectName="overlapLabel")
        self.mean_label = QLabel(objectName="meanOverlapLabel")
        self.left_table: QTableWidget = make_result_table("leftTable")
        self.right_table: QTableWidget = make_result_table("rightTable")
        for table in (self.left_table, self.right_table):
            table.setHorizontalHeaderLabels(["word", "cosine", "count"])
            table.setMinimumWidth(260)

        top = QHBoxLayout()
        top.addWidget(self.left_label, 1)
        top.addWidget(self.right_label, 1)
        top.addWidget(self.open_button)
        word_row = QHBoxLayout()
        word_row.addWidget(self.edit, 1)
        grid = QGridLayout()
        grid.addWidget(self.left_table, 0, 0)
        grid.addWidget(self.right_table, 0, 1)
        neighbours = QWidget()
        page = QVBoxLayout(neighbours)
        page.addLayout(word_row)
        page.addWidget(self.message)
        page.addWidget(self.busy)
        page.addLayout(grid, 1)
        page.addWidget(self.overlap_label)
        page.addWidget(self.mean_label)
        self.tabs = QTabWidget(objectName="compareTabs")
        self.tabs.addTab(neighbours, "Neighbours")
        self.tabs.addTab(self._build_movers(), "Movers (aligned)")
        buttons = close_button_box()
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(buttons)
        self.resize(1000, 640)

        self.open_button.clicked.connect(self.choose_model)
        self.edit.returnPressed.connect(self.compare)
        self.left_table.cellDoubleClicked.connect(lambda r, _: self.compare(self.left_table.item(r, 0).text()))
        self.right_table.cellDoubleClicked.connect(lambda r, _: self.compare(self.right_table.item(r, 0).text()))
        self._show_left()
        session.hiddenWordsChanged.connect(lambda _: self._compute_alignment())

    def _build_movers(self) -> QWidget:
        from .widgets import make_result_table
        from .word_map import WordMap

        self.top_spin = QSpinBox(objectName="moversTopSpin", minimum=10, maximum=1_000_000, value=DEFAULT_TOP,
                                 singleStep=1000, toolTip="Align and rank only this many of the most frequent "
                                                          "shared words.")
        self.top_spin.setKeyboardTracking(False)
        self.top_spin.valueChanged.connect(lambda _: self._compute_alignment())
        self.movers_summary = QLabel("Open the other model to align the two.", objectName="moversSummary",
                                     wordWrap=True)
        self.movers_table: QTableWidget = make_result_table("moversTable")
        self.movers_table.setColumnCount(4)
        self.movers_table.setHorizontalHeaderLabels(["word", "moved", "nbrs changed", "count"])
        self.movers_table.setToolTip("Moved: cosine distance between the word's two vectors after aligning the "
                                     "models (0 = same place).\nNbrs changed: 1 - Jaccard overlap of its 10 "
                                     "nearest shared words in each model.\nDouble-click: its neighbours side by side.")
        self.movers_table.setSortingEnabled(True)
        self.movers_table.cellDoubleClicked.connect(self._mover_chosen)
        self.movers_map = WordMap("moversPlot")
        row = QHBoxLayout()
        row.addWidget(QLabel("Words aligned (most frequent shared):"))
        row.addWidget(self.top_spin)
        row.addStretch(1)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.movers_table)
        split.addWidget(self.movers_map.plot)
        split.setSizes([330, 640])
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addLayout(row)
        layout.addWidget(self.movers_summary)
        layout.addWidget(split, 1)
        return page

    def _compute_alignment(self) -> None:
        left, right, top = self.left, self.right, self.top_spin.value()
        if left is None or right is None:
            return
        hidden = self.session.hidden_words  # function words hidden: not listed nor drawn as movers
        self.movers_summary.setText(f"Aligning the {top:,} most frequent shared words…")

        def job():  # on a pool thread: the SVD, every word's 10 neighbours in each model, one PCA
            alignment = align_models(left, right, top=top)
            ranking = alignment.ranking()
            ranking = ranking[content_rows([alignment.words[i] for i in ranking.tolist()], hidden)]
            movers = ranking[:MOVERS_DRAWN]
            context = np.setdiff1d(np.arange(min(CONTEXT_DRAWN, len(alignment.words))), movers)
            rows = np.concatenate([movers, context])
            start, end = movement_map(alignment.left[rows], alignment.right[rows])
            return alignment, ranking, movers, context, start, end

        def done(result) -> None:
            alignment, ranking, movers, context, start, end = result
            if left is not self.left or right is not self.right:
                return
            self.alignment = alignment
            self._show_alignment(alignment, ranking, movers, context, start, end)

        def failed(message: str) -> None:
            if right is self.right:
                self.movers_summary.setText(f"Cannot align: {message}")

        run_in_background(job, done, failed, owner=self)

    def _show_alignment(self, alignment: Alignment, ranking, movers, context, start, end) -> None:
        self.movers_summary.setText(
            f"{len(alignment.words):,} shared words aligned (orthogonal Procrustes, weighted by log count). "
            f"Mean movement <b>{alignment.mean_movement:.4f}</b>; mean neighbour change "
            f"<b>{alignment.neighbour_change.mean():.2f}</b>. The map: the {len(movers)} words that moved most, "
            "from their place in the left model (blue) to the right (red), among the most frequent words.")
        table = self.movers_table
        table.setSortingEnabled(False)
        ranked = ranking[:MOVERS_LISTED]
        table.setRowCount(len(ranked))
        for r, i in enumerate(ranked):
            values = [alignment.words[i], float(alignment.movement[i]), float(alignment.neighbour_change[i]),
                      int(alignment.counts[i])]
            table.setItem(r, 0, QTableWidgetItem(values[0]))
            for c, value in enumerate(values[1:], start=1):
                table.setItem(r, c, NumberItem(value, f"{value:,}" if c == 3 else f"{value:.3f}"))
        table.setSortingEnabled(True)
        table.sortItems(1, Qt.SortOrder.DescendingOrder)
        n = len(movers)
        self.movers_map.show_words([alignment.words[i] for i in context], end[n:], labelled=25)
        self.movers_map.add_arrows([alignment.words[i] for i in movers], start[:n], end[:n])
        self.movers_map.set_axes("aligned PCA 1", "aligned PCA 2")

    def movers(self) -> list[str]:
        """The words in the movers table, top to bottom."""
        return [self.movers_table.item(r, 0).text() for r in range(self.movers_table.rowCount())]

    def _mover_chosen(self, row: int, _column: int) -> None:
        self.tabs.setCurrentIndex(0)
        self.compare(self.movers_table.item(row, 0).text())

    def _show_left(self) -> None:
        name = Path(self.session.model_path).name if self.session.model_path else "the current model"
        size = f" · {len(self.left):,} words × {self.left.dim}" if self.left is not None else ""
        self.left_label.setText(f"<b>Left:</b> {name}{size}")

    def show_message(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))

    # -- the other model
    def choose_model(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Compare with…", str(Path.home()), self.MODEL_FILTER)
        if path:
            self.open_model(path)

    def open_model(self, path: str) -> None:
        self.loading = True
        self.open_button.setEnabled(False)
        self.right_label.setText(f"<b>Right:</b> reading {Path(path).name}…")

        def done(model: Model) -> None:
            self.loading = False
            self.open_button.setEnabled(True)
            self.right, self.right_path, self.mean = model, str(path), None
            self.right_label.setText(f"<b>Right:</b> {Path(path).name} · {len(model):,} words × {model.dim}")
            self.show_message("")
            if self.edit.text().strip():
                self.compare()
            self._compute_mean()
            self._compute_alignment()

        def failed(message: str) -> None:
            self.loading = False
            self.open_button.setEnabled(True)
            self.right_label.setText(f"<b>Right:</b> {Path(self.right_path).name}" if self.right is not None
                                     else "(no model chosen)")
            self.show_message(message)
            from PySide6.QtWidgets import QMessageBox

            QMessageBox.critical(self, "Cannot open the model", message)

        run_in_background(lambda: _load(path), done, failed, owner=self)

    def _compute_mean(self) -> None:
        left, right = self.left, self.right
        if left is None or right is None:
            return
        self.mean_label.setText(f"Mean overlap at {TOPN} over the {OVERLAP_WORDS:,} most frequent shared words: "
                                "computing…")

        def job() -> tuple[float, int]:
            words = [w for w in left.words[:OVERLAP_WORDS] if w in right]
            if not words:
                from embedding_studio.core.errors import StudioError

                raise StudioError("the two models share none of their most frequent words")
            return mean_overlap(left, right, words, topn=TOPN), len(words)

        def done(result: tuple[float, int]) -> None:
            if right is not self.right:
                return
            self.mean, count = result
            self.mean_label.setText(f"Mean overlap at {TOPN} over the {count:,} most frequent shared words: "
                                    f"<b>{self.mean:.2f}</b>")

        def failed(message: str) -> None:
            if right is self.right:
                self.mean_label.setText(f"Mean overlap: {message}")

        run_in_background(job, done, failed, owner=self)

    @property
    def pending(self) -> bool:
        """A word's neighbours are being compared in the background."""
        return self.query.pending

    # -- one word
    def compare(self, word: str | None = None) -> None:
        if word is not None:
            self.edit.setText(word)
        word = self.edit.text().strip()
        if not word:
            return
        if self.left is None or self.right is None:
            self.show_message("Open the other model first (Open other model…).")
            return
        left, right = self.left, self.right

        def job():  # on a pool thread: two cosine queries (of a word or a formula such as king - man + woman)
            missing = []
            for side, model in (("left", left), ("right", right)):
                try:
                    model.query_vector(word)
                except UnknownWordError as error:
                    missing.append((side, error.word))
            if missing:
                unknown = missing[0][1]
                return None, f"'{unknown}' is not in the {' or the '.join(s for s, _ in missing)} model's vocabulary."
            return compare_neighbours(left, right, word, topn=TOPN), ""

        def done(answer) -> None:
            result, message = answer
            if left is not self.left or right is not self.right:
                return  # the other model changed meanwhile
            self.show_message(message)
            if result is None:
                for table in (self.left_table, self.right_table):
                    table.setRowCount(0)
                self.overlap_label.setText("")
                return
            shared = result.shared
            for table, model, rows in ((self.left_table, left, result.left), (self.right_table, right, result.right)):
                self._fill(table, model, rows, shared)
            self.overlap_label.setText(f"Overlap at {TOPN} for <b>{word}</b>: <b>{result.overlap:.2f}</b> "
                                       f"({len(shared)} of {TOPN} neighbours shared, highlighted)")

        self.query.run(job, done, self.show_message)

    @staticmethod
    def _fill(table: QTableWidget, model: Model, rows: list[tuple[str, float]], shared: set[str]) -> None:
        from .widgets import fill_table

        counts, index = model.counts, model.vocab.index
        fill_table(table, [(w, s, int(counts[index[w]])) for w, s in rows])
        for r, (w, _) in enumerate(rows):
            if w in shared:
                for c in range(table.columnCount()):
                    table.item(r, c).setBackground(SHARED)

    def shared_rows(self, table: QTableWidget) -> list[str]:
        return [table.item(r, 0).text() for r in range(table.rowCount())
                if table.item(r, 0).background().color() == SHARED.color()]
