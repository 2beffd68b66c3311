"""Concordance: where a word occurs in the user's texts, and, for a word and a neighbour, the contexts they
share: the reason they are neighbours, in the corpus's own lines.

The lookups run off the UI thread (core.text.concordance, one object per corpus that caches what it has
decoded); only the newest request's answer is shown. A word searched in the Neighbours tab becomes the
word here, and its neighbours the choices for the second word.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (QComboBox, QHBoxLayout, QHeaderView, QLabel, QLineEdit,
                               QPushButton, QSpinBox, QSplitter, QStyledItemDelegate,
                               QTableWidgetItem, QVBoxLayout, QWidget)

from embedding_studio.core.errors import UnknownWordError
from embedding_studio.core.text.concordance import concordance_for

from ..background import LatestRequest
from ..session import Session
from .widgets import RIGHT, make_busy_label, make_table, unknown_message

_SHOWN = 34  # characters before the keyword shown in the table (all of them in the tooltip)


def _short(where: str, size: int = 16) -> str:
    """A file name cut in the middle, so the line number stays in sight in a narrow panel."""
    name, _, line = where.rpartition(":")
    if not name or len(name) <= size:
        return where
    return f"{name[:size // 2]}…{name[-(size // 2 - 1):]}:{line}"


class _ElideLeft(QStyledItemDelegate):
    """The text before a keyword is cut at its start, so the words next to the keyword stay in sight."""

    def initStyleOption(self, option, index) -> None:  # noqa: N802 (Qt's name)
        super().initStyleOption(option, index)
        option.textElideMode = Qt.TextElideMode.ElideLeft


class ConcordancePanel(QWidget):
    """``concordanceWord`` (+ optional ``concordancePair``) → ``sharedTable`` and ``linesTable``."""

    def __init__(self, session: Session, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.word = QLineEdit(objectName="concordanceWord", placeholderText="A word, Enter", clearButtonEnabled=True)
        self.pair = QComboBox(objectName="concordancePair", editable=True,
                              toolTip="A second word (its neighbours are offered): the contexts both share.")
        self.pair.lineEdit().setPlaceholderText("and a neighbour (optional)")
        self.pair.setMinimumContentsLength(8)
        self.count = QSpinBox(objectName="concordanceCount", minimum=1, maximum=500, value=30,
                              toolTip="How many lines to show.")
        self.rank = QComboBox(objectName="concordanceRank")
        self.rank.addItems(["PMI", "count"])
        self.rank.setToolTip("Rank shared context words by the smaller of their two counts, or of their two PMIs.")
        self.go = QPushButton("Show", objectName="concordanceShow")
        self.note = QLabel(objectName="concordanceNote", wordWrap=True)
        self.note.setTextFormat(Qt.TextFormat.RichText)
        self.busy = make_busy_label("concordanceBusy")
        self.shared = make_table("sharedTable", ["shared", "n 1", "n 2", "PMI 1", "PMI 2"])
        header = self.shared.horizontalHeader()
        for c in range(5):  # the shared word sized to itself (a stretched one was squeezed to "ni…")
            header.setSectionResizeMode(c, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.shared.setToolTip("Words within 5 tokens of both words; double-click one to see its own lines.")
        self.shared.hide()
        self.lines = make_table("linesTable", ["where", "before", "word", "after"])
        header = self.lines.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        # the contexts share what the keyword leaves, so it sits in view with some of each side at any
        # width (a fixed 150 px before it pushed the keyword and what follows off a narrow panel)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self._elide_left = _ElideLeft(self.lines)
        self.lines.setItemDelegateForColumn(1, self._elide_left)
        self.query = LatestRequest(self, self.busy.setVisible)

        row = QHBoxLayout()
        row.addWidget(self.word, 2)
        row.addWidget(self.pair, 2)
        options = QHBoxLayout()
        options.addWidget(QLabel("Lines"))
        options.addWidget(self.count)
        options.addWidget(QLabel("rank by"))
        options.addWidget(self.rank)
        options.addStretch(1)
        options.addWidget(self.go)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.shared)
        split.addWidget(self.lines)
        split.setSizes([160, 400])
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addLayout(options)
        layout.addWidget(self.note)
        layout.addWidget(self.busy)
        layout.addWidget(split, 1)

        self.word.returnPressed.connect(self.show_word)
        self.pair.lineEdit().returnPressed.connect(self.show_word)
        self.go.clicked.connect(lambda: self.show_word())
        self.shared.cellDoubleClicked.connect(lambda r, _: self.show_word(self.shared.item(r, 0).text(), ""))
        session.selectionChanged.connect(self._selection_changed)
        session.highlightChanged.connect(self._neighbours_changed)
        session.corpusChanged.connect(lambda _: self._clear())

    # -- following the rest of the app
    def _selection_changed(self, words: list[str]) -> None:
        """A word searched elsewhere becomes the word here (shown at once if this tab is in view)."""
        if len(words) == 1 and words[0] != self.word.text().strip():
            self.word.setText(words[0])
            if self.isVisible():
                self.show_word()

    def _neighbours_changed(self, words: list[str]) -> None:
        typed = self.pair.currentText()
        self.pair.blockSignals(True)
        self.pair.clear()
        self.pair.addItems([w for w in words if w != self.word.text().strip()])
        self.pair.setEditText(typed)
        self.pair.blockSignals(False)

    def _clear(self) -> None:
        self.query.cancel()
        self.lines.setRowCount(0)
        self.shared.setRowCount(0)
        self.shared.hide()
        self.note.setText("")

    # -- asking
    def show_word(self, word: str | None = None, pair: str | None = None) -> None:
        """Lines of the word, or with a second word the contexts both share and lines of each."""
        if word is not None:
            self.word.setText(word)
        if pair is not None:
            self.pair.setEditText(pair)
        word = self.word.text().strip().lower().replace(" ", "_")
        other = self.pair.currentText().strip().lower().replace(" ", "_")
        corpus = self.session.corpus
        if not word:
            return
        if corpus is None:
            self.note.setText("No corpus is open: the lines come from the texts a model was trained on.")
            return
        n, rank = self.count.value(), self.rank.currentText().lower()

        def job():  # on a pool thread: positions, decoding and re-tokenising a few pieces of text
            concordance = concordance_for(corpus)
            try:
                if other:
                    report = concordance.contexts(word, other, rank=rank, n=25, samples=max(1, n // 2))
                    return "pair", report, concordance.unavailable_reason()
                lines = concordance.lines(word, n)
                return "word", (concordance.count(word), lines), concordance.unavailable_reason()
            except UnknownWordError as error:
                return "unknown", unknown_message(error), None

        self.query.run(job, self._show, self._failed)

    def _failed(self, message: str) -> None:
        self.note.setText(f"<span style='color:#b00020'>{html.escape(message)}</span>")
        self.lines.setRowCount(0)

    def _show(self, result) -> None:
        kind, data, reason = result
        extra = f"<br><i>{html.escape(reason)}</i>" if reason else ""
        if kind == "unknown":
            self._failed(data)
            return
        if kind == "word":
            total, lines = data
            word = self.word.text().strip()
            self.note.setText(f"<b>{html.escape(word)}</b>: {total:,} occurrences; the first {len(lines)}.{extra}")
            self.shared.hide()
            self._fill_lines([(line, "") for line in lines])
            return
        report = data
        self.note.setText(
            f"Words within {report.window} tokens of both <b>{html.escape(report.word1)}</b> and "
            f"<b>{html.escape(report.word2)}</b> ({len(report.shared)} shown); {report.only1:,} occur only "
            f"near the first, {report.only2:,} only near the second.{extra}")
        self.shared.setHorizontalHeaderLabels(["shared", f"n {report.word1}", f"n {report.word2}",
                                               "PMI 1", "PMI 2"])
        self.shared.setRowCount(len(report.shared))
        for r, shared in enumerate(report.shared):
            cells = [QTableWidgetItem(shared.word), QTableWidgetItem(f"{shared.count1:,}"),
                     QTableWidgetItem(f"{shared.count2:,}"), QTableWidgetItem(f"{shared.pmi1:.2f}"),
                     QTableWidgetItem(f"{shared.pmi2:.2f}")]
            for c, cell in enumerate(cells):
                if c:
                    cell.setTextAlignment(RIGHT)
                self.shared.setItem(r, c, cell)
        self.shared.show()
        self._fill_lines([(line, report.word1) for line in report.samples1]
                         + [(line, report.word2) for line in report.samples2])

    def _fill_lines(self, lines) -> None:
        bold = QFont()
        bold.setBold(True)
        self.lines.setRowCount(len(lines))
        for r, (line, _) in enumerate(lines):
            where = QTableWidgetItem(_short(line.where()))
            where.setToolTip(f"{line.file}, line {line.line:,}" if line.file
                             else "generated text: the position among its tokens")
            left, keyword, right = (QTableWidgetItem(line.left.strip()[-_SHOWN:]), QTableWidgetItem(line.keyword),
                                    QTableWidgetItem(line.right.strip()))
            left.setTextAlignment(RIGHT)
            keyword.setFont(bold)
            keyword.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
            for c, cell in enumerate((where, left, keyword, right)):
                cell.setToolTip(f"{line.left}[{line.keyword}]{line.right}" if c else where.toolTip())
                self.lines.setItem(r, c, cell)
        if lines:
            self.lines.scrollToTop()

    @property
    def pending(self) -> bool:
        return self.query.pending
