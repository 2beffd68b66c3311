"""Word search: a line edit with completion over the vocabulary, and the nearest neighbours in a table.

An unknown word gets an inline message with close spellings (no dialog): typos are ordinary here.
"""

from __future__ import annotations

from PySide6.QtCore import QStringListModel, Qt
from PySide6.QtWidgets import (QAbstractItemView, QCompleter, QHBoxLayout, QHeaderView, QLabel, QLineEdit,
                               QSpinBox, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from core.errors import UnknownWordError

from ..session import Session


def fill_table(table: QTableWidget, rows: list[tuple]) -> None:
    """Put rows of (word, similarity, count) into a read-only three-column table."""
    table.setSortingEnabled(False)
    table.setRowCount(len(rows))
    for r, (word, similarity, count) in enumerate(rows):
        cells = [QTableWidgetItem(word), QTableWidgetItem(f"{similarity:.3f}"), QTableWidgetItem(f"{count:,}")]
        cells[1].setData(Qt.ItemDataRole.UserRole, float(similarity))
        for c, cell in enumerate(cells):
            if c:
                cell.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            table.setItem(r, c, cell)


def make_result_table(object_name: str) -> QTableWidget:
    table = QTableWidget(0, 3, objectName=object_name)
    table.setHorizontalHeaderLabels(["word", "cosine", "count"])
    table.verticalHeader().setVisible(False)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setAlternatingRowColors(True)
    header = table.horizontalHeader()
    header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
    header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
    return table


class SearchPanel(QWidget):
    """``searchEdit`` + ``neighboursTable``; Enter runs the query on the session's model."""

    def __init__(self, session: Session, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.edit = QLineEdit(objectName="searchEdit", placeholderText="Search a word, press Enter",
                              clearButtonEnabled=True)
        self.words_model = QStringListModel(self)
        completer = QCompleter(self.words_model, self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setModelSorting(QCompleter.ModelSorting.CaseInsensitivelySortedModel)
        completer.setMaxVisibleItems(12)
        self.edit.setCompleter(completer)
        self.topn = QSpinBox(objectName="topnSpin", minimum=1, maximum=200, value=15,
                             toolTip="How many neighbours to list.")
        self.message = QLabel(objectName="searchMessage", wordWrap=True)
        self.message.setStyleSheet("color: #b00020;")
        self.message.hide()
        self.table = make_result_table("neighboursTable")
        self.table.setToolTip("Nearest words by cosine similarity; double-click one to search it.")

        row = QHBoxLayout()
        row.addWidget(self.edit, 1)
        row.addWidget(QLabel("Top"))
        row.addWidget(self.topn)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.message)
        layout.addWidget(self.table, 1)

        self.edit.returnPressed.connect(self.search)
        self.table.cellDoubleClicked.connect(lambda r, _: self.search(self.table.item(r, 0).text()))
        session.modelChanged.connect(self._model_changed)
        session.corpusChanged.connect(lambda _: self._set_vocabulary())

    def _set_vocabulary(self) -> None:
        self.words_model.setStringList(sorted(self.session.vocabulary()))

    def _model_changed(self, model) -> None:
        self._set_vocabulary()
        self.table.setRowCount(0)
        if self.edit.text().strip() and model is not None:
            self.search()

    def show_message(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def search(self, word: str | None = None) -> None:
        """Neighbours of ``word`` (default: the text in the edit), highlighted in the map."""
        if word is not None:
            self.edit.setText(word)
        word = self.edit.text().strip()
        if not word:
            return
        model = self.session.model
        if model is None:
            self.show_message("No model yet: train one (Train) or open one (File ▸ Open model).")
            return
        try:
            neighbours = model.most_similar(word, topn=self.topn.value())
        except UnknownWordError as error:
            hint = f" Did you mean: {', '.join(error.suggestions)}?" if error.suggestions else ""
            self.show_message(f"'{word}' is not in the vocabulary.{hint}")
            self.table.setRowCount(0)
            return
        self.show_message("")
        counts, index = model.counts, model.vocab.index
        fill_table(self.table, [(w, s, int(counts[index[w]])) for w, s in neighbours])
        query = model.words[model.index(word)]
        self.session.select([query])
        self.session.highlight([w for w, _ in neighbours])
