"""Compare the current model with another one: a word's neighbours side by side, and their overlap.

The other model is read off the UI thread; once it is in, the mean overlap at 10 over the 1,000 most
frequent words both models know is computed off the UI thread too, and so is a word's pair of neighbour
lists (the latest word asked wins); the words both lists share are highlighted. Every job is owned by
the dialog: a result that arrives after the dialog was deleted is dropped.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QFileDialog, QGridLayout, QHBoxLayout, QLabel,
                               QLineEdit, QPushButton, QTableWidget, QVBoxLayout, QWidget)

from core.vectors.compare import compare_neighbours, mean_overlap
from core.errors import UnknownWordError
from core.vectors.io import load_any
from core.vectors.model import Model

from ..background import LatestRequest, run_in_background
from ..session import Session
from .search_panel import make_busy_label, make_result_table

TOPN = 10
OVERLAP_WORDS = 1000
SHARED = QBrush(QColor("#c8ecc8"))


def _load(path: str) -> Model:
    model = load_any(path)
    model.unit_vectors  # noqa: B018 - the query cache, built here rather than on the first word
    return model


class CompareDialog(QDialog):
    """``compareEdit``, ``leftTable`` / ``rightTable``, ``overlapLabel`` and ``meanOverlapLabel``."""

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
        top.addWidget(self.edit, 1)
        top.addWidget(self.open_button)
        grid = QGridLayout()
        grid.addWidget(self.left_label, 0, 0)
        grid.addWidget(self.right_label, 0, 1)
        grid.addWidget(self.left_table, 1, 0)
        grid.addWidget(self.right_table, 1, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.message)
        layout.addWidget(self.busy)
        layout.addLayout(grid, 1)
        layout.addWidget(self.overlap_label)
        layout.addWidget(self.mean_label)
        layout.addWidget(buttons)
        self.resize(720, 520)

        self.open_button.clicked.connect(self.choose_model)
        self.edit.returnPressed.connect(self.compare)
        self.left_table.cellDoubleClicked.connect(lambda r, _: self.compare(self.left_table.item(r, 0).text()))
        self.right_table.cellDoubleClicked.connect(lambda r, _: self.compare(self.right_table.item(r, 0).text()))
        self._show_left()

    def _show_left(self) -> None:
        name = Path(self.session.model_path).name if self.session.model_path else "the current model"
        size = f" · {len(self.left):,} words × {self.left.dim}" if self.left is not None else ""
        self.left_label.setText(f"<b>Left:</b> {name}{size}")

    def show_message(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))

    # -- the other model
    def choose_model(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Compare with…", "", self.MODEL_FILTER)
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
                from core.errors import StudioError

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

        def job():  # on a pool thread: two cosine queries
            missing = [side for side, model in (("left", left), ("right", right)) if word not in model]
            if missing:
                return None, f"'{word}' is not in the {' or the '.join(missing)} model's vocabulary."
            try:
                return compare_neighbours(left, right, word, topn=TOPN), ""
            except UnknownWordError as error:
                return None, str(error)

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
        from .search_panel import fill_table

        counts, index = model.counts, model.vocab.index
        fill_table(table, [(w, s, int(counts[index[w]])) for w, s in rows])
        for r, (w, _) in enumerate(rows):
            if w in shared:
                for c in range(table.columnCount()):
                    table.item(r, c).setBackground(SHARED)

    def shared_rows(self, table: QTableWidget) -> list[str]:
        return [table.item(r, 0).text() for r in range(table.rowCount())
                if table.item(r, 0).background().color() == SHARED.color()]
