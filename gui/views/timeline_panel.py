"""The Timeline tab: a watched word's neighbours at the snapshot shown (the newest while training, the
arrivals since the snapshot before marked), its neighbours snapshot by snapshot, and the movers: the
words whose neighbourhoods changed most between the snapshot before and this one.

Everything is computed off the UI thread from the timeline's stored vectors (core.vectors.timeline);
only the newest request's answer is shown.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (QHBoxLayout, QHeaderView, QLabel, QLineEdit, QSplitter, QTableWidget,
                               QTableWidgetItem, QVBoxLayout, QWidget)

from embedding_studio.core.text.stopwords import content_rows

from ..background import LatestRequest
from ..session import Session
from .widgets import make_table
from .widgets import make_busy_label

NEIGHBOURS = 10
HISTORY_SHOWN = 5  # neighbours per snapshot in the history table
MOVERS = 25
MOVER_WORDS = 1000  # the most frequent words ranked as movers (the rest are noisy and slow to rank)
ARRIVED = QColor("#d7f5d3")


def _table(name: str, headers: list[str], stretch: int) -> QTableWidget:
    """Columns from ``stretch`` on share the width left; the others fit their contents."""
    table = make_table(name, headers)
    table.setAlternatingRowColors(False)  # the arrivals' green must not alternate with grey
    header = table.horizontalHeader()
    for c in range(len(headers)):
        header.setSectionResizeMode(c, QHeaderView.ResizeMode.Stretch if c >= stretch
                                    else QHeaderView.ResizeMode.ResizeToContents)
    return table


def _item(text: str, right: bool = False) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    if right:
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return item


class TimelinePanel(QWidget):
    """``timelineWord`` → ``timelineNeighbours``, ``timelineHistory`` and ``timelineMovers``."""

    snapshotRequested = Signal(object)  # a history row double-clicked: show that snapshot

    def __init__(self, session: Session, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.word = QLineEdit(objectName="timelineWord", clearButtonEnabled=True,
                              placeholderText="Watch a word (the word searched elsewhere), Enter")
        self.note = QLabel(objectName="timelineNote", wordWrap=True)
        self.note.setTextFormat(Qt.TextFormat.RichText)
        self.busy = make_busy_label("timelineBusy")
        self.neighbours = _table("timelineNeighbours", ["neighbour", "cosine", ""], 3)
        self.neighbours.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.neighbours.setToolTip("Green: arrived since the snapshot before.")
        self.history = _table("timelineHistory", ["snapshot", "loss", f"top {HISTORY_SHOWN} neighbours"], 2)
        self.history.setToolTip("The watched word's neighbours at each snapshot; double-click to show one.")
        self.movers_label = QLabel(objectName="timelineMoversLabel", wordWrap=True)
        self.movers = _table("timelineMovers", ["word", "changed", "gained", "lost"], 2)
        self.movers.setToolTip("1 - Jaccard of the word's 10 nearest neighbours between the two snapshots; "
                               "double-click to watch a word.")
        self.query = LatestRequest(self, self.busy.setVisible)
        self._movers_cache: dict = {}

        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addWidget(self.neighbours)
        bottom = QWidget()
        bottom_layout = QVBoxLayout(bottom)
        bottom_layout.setContentsMargins(0, 0, 0, 0)
        bottom_layout.addWidget(self.movers_label)
        bottom_layout.addWidget(self.movers)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(top)
        split.addWidget(self.history)
        split.addWidget(bottom)
        split.setSizes([230, 220, 260])
        row = QHBoxLayout()
        row.addWidget(self.word)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.note)
        layout.addWidget(self.busy)
        layout.addWidget(split, 1)

        self.word.returnPressed.connect(self.refresh)
        self.history.cellDoubleClicked.connect(lambda r, _: self.snapshotRequested.emit(r))
        self.movers.cellDoubleClicked.connect(lambda r, _: self.watch(self.movers.item(r, 0).text()))
        session.selectionChanged.connect(self._selection_changed)
        session.timelineChanged.connect(self._timeline_changed)
        session.snapshotChanged.connect(lambda _: self.refresh())
        session.hiddenWordsChanged.connect(lambda _: self.refresh())
        self._timeline_changed(session.timeline)

    @property
    def pending(self) -> bool:
        return self.query.pending

    def watch(self, word: str) -> None:
        self.word.setText(word)
        self.refresh()

    def _selection_changed(self, words: list[str]) -> None:
        if len(words) == 1 and words[0] != self.word.text().strip():
            self.watch(words[0])

    def _timeline_changed(self, timeline) -> None:
        if timeline is None or not len(timeline):
            self._movers_cache.clear()
        self.refresh()

    def _words(self, timeline):
        session = self.session
        if session.model is not None and session.model.timeline is timeline:
            return session.model.vocab
        return session.corpus.vocab if session.corpus is not None else None

    def refresh(self) -> None:
        """Recompute what the tab shows for the watched word and the snapshot shown."""
        timeline = self.session.timeline
        vocab = self._words(timeline) if timeline is not None else None
        if timeline is None or not len(timeline) or vocab is None or len(vocab) < timeline.tracked:
            self.query.cancel()
            self.note.setText("No training timeline: train a model (every run keeps one), or open a model "
                              "saved with one.")
            for table in (self.neighbours, self.history, self.movers):
                table.setRowCount(0)
            self.movers_label.setText("")
            return
        shown = self.session.snapshot
        live = shown is None
        index = len(timeline) - 1 if live else shown
        word = self.word.text().strip().lower().replace(" ", "_")
        words = vocab.words
        cache = self._movers_cache
        hidden = self.session.hidden_words  # function words hidden: the movers leave them out
        key = (float(timeline.epochs[index - 1]) if index else None, float(timeline.epochs[index]), timeline.tracked,
               hidden)

        def job():  # on a pool thread: a handful of small matrix products, movers ~0.1 s
            row = vocab.index.get(word) if word else None
            result = {"index": index, "row": row}
            if row is not None and row < timeline.tracked:
                rows, cosines = timeline.neighbours(index, row, NEIGHBOURS)
                before = set(timeline.neighbours(index - 1, row, NEIGHBOURS)[0].tolist()) if index else set()
                result["neighbours"] = [(words[r], float(c), bool(index) and r not in before)
                                        for r, c in zip(rows.tolist(), cosines.tolist())]
                result["history"] = [(timeline.label(s), float(timeline.losses[s]),
                                      ", ".join(words[r] for r in timeline.neighbours(s, row, HISTORY_SHOWN)[0].tolist()))
                                     for s in range(len(timeline))]
            if index and key not in cache:
                order, change = timeline.movers(index, NEIGHBOURS, MOVER_WORDS)
                kept = content_rows([words[r] for r in order.tolist()], hidden)
                order, change = order[kept], change[kept]
                listed = []
                for r, c in zip(order[:MOVERS].tolist(), change[:MOVERS].tolist()):
                    after = timeline.neighbours(index, r, NEIGHBOURS)[0].tolist()
                    previous = timeline.neighbours(index - 1, r, NEIGHBOURS)[0].tolist()
                    gained = [words[i] for i in after if i not in previous and words[i] not in hidden][:3]
                    lost = [words[i] for i in previous if i not in after and words[i] not in hidden][:3]
                    listed.append((words[r], c, ", ".join(gained), ", ".join(lost)))
                cache[key] = listed
            result["movers"] = cache.get(key, [])
            return result

        def done(result) -> None:
            self._show(result, timeline, word, live)

        self.query.run(job, done, lambda message: self.note.setText(html.escape(message)))

    def _show(self, result: dict, timeline, word: str, live: bool) -> None:
        index, row = result["index"], result["row"]
        where = timeline.label(index) + ((" (training: the newest snapshot)" if self.session.training
                                          else " (the last snapshot)") if live else "")
        if not word:
            self.note.setText(f"Snapshot: {where}. Type a word to watch, or search one in Neighbours.")
        elif row is None:
            self.note.setText(f"'{html.escape(word)}' is not in the vocabulary.")
        elif row >= timeline.tracked:
            self.note.setText(f"'{html.escape(word)}' is word number {row + 1:,} by frequency; the timeline follows "
                              f"the {timeline.tracked:,} most frequent.")
        else:
            self.note.setText(f"<b>{html.escape(word)}</b> at {where}")
        neighbours = result.get("neighbours", [])
        bold = QFont()
        bold.setBold(True)
        self.neighbours.setRowCount(len(neighbours))
        for r, (neighbour, cosine, arrived) in enumerate(neighbours):
            cells = [_item(neighbour), _item(f"{cosine:.3f}", right=True), _item("new" if arrived else "")]
            for c, cell in enumerate(cells):
                if arrived:
                    cell.setBackground(QBrush(ARRIVED))
                    cell.setFont(bold)
                self.neighbours.setItem(r, c, cell)
        history = result.get("history", [])
        self.history.setRowCount(len(history))
        for r, (label, loss, listed) in enumerate(history):
            for c, cell in enumerate((_item(label), _item(f"{loss:.3f}", right=True), _item(listed))):
                if r == index:
                    cell.setFont(bold)
                self.history.setItem(r, c, cell)
        if history:
            self.history.selectRow(index)
            self.history.scrollToItem(self.history.item(index, 0))
        movers = result["movers"]
        self.movers_label.setText(
            f"Movers from {timeline.label(index - 1)} to {timeline.label(index)} (the {min(MOVER_WORDS, timeline.tracked):,} "
            "most frequent words):" if index else "Movers: from the second snapshot on.")
        self.movers.setRowCount(len(movers))
        for r, (mover, change, gained, lost) in enumerate(movers):
            for c, cell in enumerate((_item(mover), _item(f"{change:.2f}", right=True), _item(gained), _item(lost))):
                self.movers.setItem(r, c, cell)
