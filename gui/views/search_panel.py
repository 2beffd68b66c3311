"""Word search: a line edit with completion over the vocabulary, and the nearest neighbours in a table.

An unknown word gets an inline message with close spellings (no dialog): typos are ordinary here.
"""

from __future__ import annotations

from PySide6.QtCore import QStringListModel, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QCompleter, QHBoxLayout, QLabel, QLineEdit, QSpinBox, QVBoxLayout, QWidget

from embedding_studio.core.errors import UnknownWordError
from embedding_studio.core.vectors.health import diagnose

from ..background import LatestRequest
from ..session import Session
from .widgets import (crowded_neighbours_advice, fill_table, make_busy_label, make_result_table, refuse_if_stale,
                      unknown_message)

UNSTABLE = QColor("#d62728")  # as the map marks the words the stability runs disagree on
ARRIVED = QColor("#d7f5d3")  # a neighbour that was not there at the snapshot answered before


class SearchPanel(QWidget):
    """``searchEdit`` + ``neighboursTable``; Enter runs the query on the session's model."""

    def __init__(self, session: Session, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.edit = QLineEdit(objectName="searchEdit", placeholderText="A word or formula (king - man + woman), Enter",
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
        self.busy = make_busy_label("searchBusy")
        self.stability_note = QLabel(objectName="stabilityNote", wordWrap=True)
        self.stability_note.hide()
        # why the neighbours mean little, when they all sit near 0.99 (a corpus small for its training)
        self.guidance = QLabel(objectName="guidanceNote", wordWrap=True)
        self.guidance.setStyleSheet("color: #8a4b00; background: #fff4e0; border: 1px solid #f0c36d; "
                                    "border-radius: 3px; padding: 4px;")
        self.guidance.hide()
        self.table = make_result_table("neighboursTable")
        self.query = LatestRequest(self, self.busy.setVisible)
        self._vocabulary_source: object = None  # the words list the completer was built from
        self._last_answer: tuple[str, set[str]] | None = None  # (query, neighbours) answered last
        self.table.setToolTip("Nearest words by cosine similarity; double-click one to search it.")

        row = QHBoxLayout()
        row.addWidget(self.edit, 1)
        row.addWidget(QLabel("Top"))
        row.addWidget(self.topn)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.message)
        layout.addWidget(self.busy)
        layout.addWidget(self.stability_note)
        layout.addWidget(self.guidance)
        layout.addWidget(self.table, 1)

        self._cleared = False  # the map's marks were cleared since the last search
        self.edit.returnPressed.connect(lambda: self.search())
        self.table.cellDoubleClicked.connect(lambda r, _: self.search(self.table.item(r, 0).text()))
        session.highlightChanged.connect(self._marks_changed)
        session.modelChanged.connect(self._model_changed)
        session.corpusChanged.connect(lambda _: self._set_vocabulary())
        session.stabilityChanged.connect(lambda _: self._model_changed(session.model))
        # the timeline: a snapshot shown, or a run's newest one while it trains, answers instead
        session.snapshotChanged.connect(lambda _: self._follow_snapshot())
        session.timelineChanged.connect(lambda _: self._follow_snapshot() if session.training else None)
        # a run ended: what its snapshot answered is asked again of the model it made
        session.trainingChanged.connect(lambda training: None if training else self._follow_snapshot())

    def _set_vocabulary(self) -> None:
        """The completer's words, sorted as the completer is told (case-insensitively); rebuilt only when
        the vocabulary itself changed (a new model over the same Vocab keeps the list)."""
        session = self.session
        source = session.model.vocab if session.model is not None else (
            session.corpus.vocab if session.corpus is not None else None)
        if source is not None and source is self._vocabulary_source:
            return
        self._vocabulary_source = source
        self.words_model.setStringList(sorted(session.vocabulary(), key=str.casefold))

    @property
    def pending(self) -> bool:
        """A query is running in the background."""
        return self.query.pending

    def _model_changed(self, model) -> None:
        self._set_vocabulary()
        self.query.cancel()
        self.table.setRowCount(0)
        self.guidance.hide()
        if self.edit.text().strip() and model is not None:
            self.search(remark=not self._cleared)

    def _follow_snapshot(self) -> None:
        if self.edit.text().strip() and (self.session.model is not None or self.session.snapshot_source()):
            self.search(remark=not self._cleared)

    def _marks_changed(self, words: list[str]) -> None:
        """The map's marks were cleared (Clear): answers asked again keep the map clear."""
        if not words and not self.session.selection:
            self._cleared = True

    def focus_search(self) -> None:
        """Put the cursor in the search box, its text selected (View > Find a word)."""
        self.edit.setFocus()
        self.edit.selectAll()

    def show_message(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def search(self, word: str | None = None, remark: bool = True) -> None:
        """Neighbours of ``word`` (default: the text in the edit), highlighted in the map; with ``remark``
        False (an answer asked again after the map was cleared) the table only."""
        if remark:
            self._cleared = False
        if word is not None:
            self.edit.setText(word)
        word = self.edit.text().strip()
        if not word:
            return
        model = self.session.model
        snapshot = self.session.snapshot_source()
        if refuse_if_stale(self):  # never an answer from a model of other texts
            return
        if model is None and snapshot is None:
            self.show_message("No model yet: train one (Train) or open one (File ▸ Open model).")
            return
        topn = self.topn.value()
        stability = self.session.stability if snapshot is None else None
        corpus = self.session.corpus
        tokens = corpus.n_tokens if corpus is not None and self.session.model_fits else None

        def job():  # on a pool thread: the cosine query, and difflib's suggestions for an unknown word
            nonlocal model
            if snapshot is not None:
                timeline, index, vocab = snapshot
                model = timeline.as_model(index, vocab)
            try:
                neighbours = model.most_similar(word, topn=topn)  # a word or a formula (king - man + woman)
            except UnknownWordError as error:
                return None, unknown_message(error)
            counts, index = model.counts, model.vocab.index
            rows = [(w, s, int(counts[index[w]])) for w, s in neighbours]
            words = [model.words[i] for i in model.query_vector(word)[1]]
            spread = _spread(stability, words, [w for w, _ in neighbours])
            letters = letters_note(word) if model.from_letters(word) else ""
            advice = "" if snapshot is not None else crowded_neighbours_advice(  # a snapshot is young anyway
                [s for _, s in neighbours], tokens, getattr(model.config, "epochs", None), model.dim,
                diagnose(model) is not None)
            return rows, (words, spread, letters, advice)

        def done(result) -> None:
            rows, extra = result
            if rows is None:
                self.show_message(extra)
                self.table.setRowCount(0)
                self.guidance.hide()
                return
            words, spread, letters, advice = extra
            self.show_message(letters)
            fill_table(self.table, rows)
            self.guidance.setText(advice)
            self.guidance.setVisible(bool(advice))
            self._show_spread(spread)
            listed = {w for w, _, _ in rows}
            if snapshot is not None and self._last_answer is not None and self._last_answer[0] == word:
                for r, (neighbour, _, _) in enumerate(rows):  # arrived since the answer before: green
                    if neighbour not in self._last_answer[1]:
                        for c in range(self.table.columnCount()):
                            self.table.item(r, c).setBackground(ARRIVED)
                        self.table.item(r, 0).setToolTip("Arrived since the snapshot answered before.")
            self._last_answer = (word, listed)
            if snapshot is not None:
                timeline, index, _ = snapshot
                self.stability_note.setText(f"From the timeline at {timeline.label(index)}"
                                            f"{' (training: the newest snapshot)' if self.session.snapshot is None else ''}"
                                            f", among the {timeline.tracked:,} most frequent words.")
                self.stability_note.show()
            if remark:
                self.session.select(words)
                self.session.highlight([w for w, _, _ in rows])

        def failed(message: str) -> None:
            self.show_message(message)
            self.table.setRowCount(0)
            self.stability_note.hide()

        self.query.run(job, done, failed)

    def _show_spread(self, spread: tuple[str, list[tuple[float, float, bool]]] | None) -> None:
        """Error bars on the cosines (their std across the stability runs) and a note on the word."""
        if spread is None:
            self.stability_note.hide()
            self.table.horizontalHeaderItem(1).setText("cosine")
            return
        note, bars = spread
        self.stability_note.setText(note)
        self.stability_note.show()
        self.table.horizontalHeaderItem(1).setText("cosine ± sd")
        for r, (_, std, unstable) in enumerate(bars):
            item = self.table.item(r, 1)
            if item is not None and std == std:  # not nan
                item.setText(f"{item.data(Qt.ItemDataRole.UserRole):.3f} ± {std:.3f}")
            word = self.table.item(r, 0)
            if word is not None and unstable:
                word.setForeground(UNSTABLE)
                word.setToolTip("Unstable: its runs share fewer than half of its 10 nearest neighbours.")


def _spread(stability, words: list[str], neighbours: list[str]):
    """On a pool thread: a note on how stable the query word is, and each neighbour's cosine spread
    across the stability runs; None without runs, or for a formula."""
    if stability is None or len(words) != 1 or words[0] not in stability.models[0]:
        return None
    from embedding_studio.core.train.stability import UNSTABLE_BELOW, similarity_spread

    word, report = words[0], stability.report
    measured = report.of(word)
    runs = len(stability.models)
    if measured is None:
        note = f"Across {runs} runs (± is the cosine's standard deviation)."
    else:
        agreement, _ = measured
        verdict = "<b style='color:#d62728'>unstable</b>" if agreement < UNSTABLE_BELOW else "stable"
        note = (f"<b>{word}</b> is {verdict} across {runs} runs: they share {agreement:.0%} of its 10 nearest "
                "neighbours (Jaccard); ± is each cosine's standard deviation across the runs.")
    bars = similarity_spread(stability.models, word, neighbours)
    return note, [(mean, std, report.is_unstable(w)) for w, (mean, std) in zip(neighbours, bars)]


def letters_note(word: str) -> str:
    """What the panel says of a word the model never had but builds from its character n-grams."""
    return f"“{word}” is not in the vocabulary: its vector was built from its letters (character n-grams)."
