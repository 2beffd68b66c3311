"""Word analogies written as arithmetic: ``king - man + woman`` and its nearest words (3CosAdd or 3CosMul)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from embedding_studio.core.errors import StudioError, UnknownWordError
from embedding_studio.core.vectors.examples import analogy_examples
from embedding_studio.core.vectors.formula import parse_formula

from ..background import LatestRequest
from ..session import Session
from .widgets import fill_table, make_busy_label, make_result_table, refuse_if_stale, unknown_message

class AnalogyPanel(QWidget):
    """``analogyEdit`` and its results table (``analogyTable``)."""

    def __init__(self, session: Session, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.edit = QLineEdit(objectName="analogyEdit", placeholderText="king - man + woman",
                              clearButtonEnabled=True,
                              toolTip="Words joined by + and -; Enter lists the words nearest the result.")
        self.go = QPushButton("Solve", objectName="analogyButton")
        self.method = QComboBox(objectName="analogyMethod",
                                toolTip="3CosAdd: nearest to the summed offsets (gensim's most_similar).\n"
                                        "3CosMul: product of shifted cosines (most_similar_cosmul), "
                                        "less swayed by one large similarity.")
        self.method.addItems(["3CosAdd", "3CosMul"])
        self.examples = QComboBox(objectName="analogyExamples",
                                  toolTip="Analogies whose four words this model knows (the expected answer "
                                          "in the tooltip of each).")
        self._fill_examples()
        self.message = QLabel(objectName="analogyMessage", wordWrap=True)
        self.message.setStyleSheet("color: #b00020;")
        self.message.hide()
        self.busy = make_busy_label("analogyBusy")
        self.table = make_result_table("analogyTable")
        self.query = LatestRequest(self, self.busy.setVisible)

        row = QHBoxLayout()  # the formula has the panel's whole width; its options and examples below it
        row.addWidget(self.examples, 1)
        row.addWidget(self.method)
        row.addWidget(self.go)
        layout = QVBoxLayout(self)
        layout.addWidget(self.edit)
        layout.addLayout(row)
        layout.addWidget(self.message)
        layout.addWidget(self.busy)
        layout.addWidget(self.table, 1)

        self.asked = False  # an analogy was asked: the end of a run asks it again of the model it made
        self.edit.returnPressed.connect(self.solve)
        self.go.clicked.connect(self.solve)
        self.examples.activated.connect(self._example_chosen)
        session.modelChanged.connect(self._model_changed)
        # a run ended: an analogy its snapshot answered is solved again by the model it made
        session.trainingChanged.connect(self._training_changed)

    def _model_changed(self, _model) -> None:
        self.query.cancel()
        self.table.setRowCount(0)
        self._fill_examples()

    def _training_changed(self, training: bool) -> None:
        if not training and self.asked and self.session.model is not None:
            self.solve()

    def _fill_examples(self) -> None:
        """Examples for the model on show: a model of other texts gets none of the demo's."""
        model = self.session.model
        examples = analogy_examples(model.vocab.index) if model is not None else []
        self.examples.clear()
        self.examples.addItem("Examples…" if examples else
                              "Examples: none fit this model's words" if model is not None else
                              "Examples: train or open a model first")
        for a, b, c, d in examples:
            self.examples.addItem(f"{a} - {b} + {c}")
            self.examples.setItemData(self.examples.count() - 1, f"expected: {d}", Qt.ItemDataRole.ToolTipRole)
        self.examples.setEnabled(bool(examples))

    @property
    def pending(self) -> bool:
        """An analogy is being solved in the background."""
        return self.query.pending

    def _example_chosen(self, index: int) -> None:
        if index > 0:
            self.edit.setText(self.examples.itemText(index))
            self.examples.setCurrentIndex(0)
            self.solve()

    def show_message(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def solve(self) -> None:
        model = self.session.model
        snapshot = self.session.snapshot_source()  # the timeline's snapshot answers while training or scrubbing
        if refuse_if_stale(self):  # never an answer from a model of other texts
            return
        if model is None and snapshot is None:
            self.show_message("No model yet: train one or open one first.")
            return
        try:
            formula = parse_formula(self.edit.text())
        except StudioError as error:
            self.query.cancel()
            self.show_message(str(error))
            self.table.setRowCount(0)
            return

        positive, negative = list(formula.positive), list(formula.negative)
        self.asked = True
        cosmul = self.method.currentText() == "3CosMul"

        def job():  # on a pool thread: the vector arithmetic and search, and suggestions for unknown words
            nonlocal model
            if snapshot is not None:
                model = snapshot[0].as_model(snapshot[1], snapshot[2])
            try:
                if cosmul:
                    results = model.most_similar_cosmul(positive, negative, topn=10)
                else:
                    results = model.analogy(positive, negative, topn=10)
            except UnknownWordError as error:
                return None, unknown_message(error)
            counts, index = model.counts, model.vocab.index
            rows = [(w, s, int(counts[index[w]])) for w, s in results]
            return rows, [model.words[model.index(w)] for w in positive + negative]

        def done(result) -> None:
            rows, extra = result
            if rows is None:
                self.show_message(extra)
                self.table.setRowCount(0)
                return
            self.show_message("")
            fill_table(self.table, rows)
            self.table.horizontalHeaderItem(1).setText("score" if cosmul else "cosine")  # 3CosMul is no cosine
            self.session.select(extra)
            self.session.highlight([w for w, _, _ in rows[:3]])

        def failed(message: str) -> None:
            self.show_message(message)
            self.table.setRowCount(0)

        self.query.run(job, done, failed)

    def results(self) -> list[str]:
        return [self.table.item(r, 0).text() for r in range(self.table.rowCount())]
