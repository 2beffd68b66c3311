"""The Word Embedding Association Test (Caliskan et al. 2017) on the current model.

Pick one of the paper's ten tests or type four word sets; the effect size, the permutation p-value,
the words the model lacks, and each target word's association s(w) = mean cos(w, A) - mean cos(w, B)
are shown. The test runs off the UI thread (the exact p-value can count up to 200,000 splits).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QComboBox, QDialog, QGridLayout, QHBoxLayout, QLabel,
                               QLineEdit, QPushButton, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from embedding_studio.core.vectors.weat import WeatResult, make_test, presets

from ..background import LatestRequest
from ..session import Session
from .widgets import close_button_box, make_busy_label, make_result_table

CUSTOM = "Custom word sets"
SETS = (("X", "Targets X"), ("Y", "Targets Y"), ("A", "Attributes A"), ("B", "Attributes B"))


class WeatDialog(QDialog):
    """``weatPreset``, the set edits ``weatX`` / ``weatY`` / ``weatA`` / ``weatB``, ``weatRunButton``,
    ``weatResult`` and the associations table ``weatTable``."""

    def __init__(self, session: Session, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Bias test (WEAT)")
        self.setObjectName("weatDialog")
        self.session = session
        self.result: WeatResult | None = None
        self.preset = QComboBox(objectName="weatPreset")
        self.preset.addItem(CUSTOM, None)
        for key, test in presets().items():
            self.preset.addItem(test.name, key)
        self.names: dict[str, QLineEdit] = {}
        self._preset_names: dict[str, str] = {}  # set -> the name a preset gave it, while its words are the preset's
        self.edits: dict[str, QLineEdit] = {}
        grid = QGridLayout()
        for row, (key, label) in enumerate(SETS):
            name = QLineEdit(objectName=f"weatName{key}", placeholderText=label)
            name.setMaximumWidth(200)
            edit = QLineEdit(objectName=f"weat{key}", placeholderText="comma-separated words", clearButtonEnabled=True)
            self.names[key], self.edits[key] = name, edit
            grid.addWidget(QLabel(f"{key}:"), row, 0)
            grid.addWidget(name, row, 1)
            grid.addWidget(edit, row, 2)
            edit.returnPressed.connect(self.run)
            edit.textEdited.connect(lambda _text, key=key: self._set_edited(key))
        grid.setColumnStretch(2, 1)
        self.run_button = QPushButton("Run the test", objectName="weatRunButton")
        self.run_button.setAutoDefault(False)
        self.result_label = QLabel(objectName="weatResult", wordWrap=True, textFormat=Qt.TextFormat.RichText)
        self.result_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message = QLabel(objectName="weatMessage", wordWrap=True)
        self.message.setStyleSheet("color: #b00020;")
        self.message.hide()
        self.busy = make_busy_label("weatBusy")
        self.busy.setText("testing…")
        self.query = LatestRequest(self, self.busy.setVisible)
        self.table: QTableWidget = make_result_table("weatTable")
        self.table.setHorizontalHeaderLabels(["target word", "s(w, A, B)", "set"])
        self.table.setToolTip("Each target word's association: mean cosine with A minus mean cosine with B.")

        top = QHBoxLayout()
        top.addWidget(QLabel("Test:"))
        top.addWidget(self.preset, 1)
        top.addWidget(self.run_button)
        close = close_button_box()
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(grid)
        layout.addWidget(self.message)
        layout.addWidget(self.busy)
        layout.addWidget(self.result_label)
        layout.addWidget(self.table, 1)
        layout.addWidget(close)
        self.resize(860, 620)

        self.preset.activated.connect(self._preset_chosen)
        self.run_button.clicked.connect(self.run)

    @property
    def pending(self) -> bool:
        return self.query.pending

    def show_message(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def _preset_chosen(self, index: int) -> None:
        key = self.preset.itemData(index)
        if key is None:
            return
        test = presets()[key]
        for set_key, _ in SETS:
            word_set = getattr(test, set_key)
            self._preset_names[set_key] = word_set.name
            self.names[set_key].setText(word_set.name)
            self.edits[set_key].setText(", ".join(word_set.words))

    def _set_edited(self, key: str) -> None:
        """Words typed into a preset's set make it a custom test: the preset's title goes, and so does the
        set's name (it named other words), so a result never wears the paper's names for other sets."""
        name = self._preset_names.pop(key, None)
        if name is not None and self.names[key].text() == name:
            self.names[key].clear()
        if self.preset.currentData() is not None:
            self.preset.setCurrentIndex(0)

    def run(self) -> None:
        model = self.session.model
        if model is None:
            self.show_message("No model yet: train one or open one first.")
            return
        texts = {k: self.edits[k].text() for k, _ in SETS}
        empty = [k for k, text in texts.items() if not text.strip()]
        if empty:
            self.show_message(f"Fill in the word set{'s' if len(empty) > 1 else ''} {', '.join(empty)}.")
            return
        names = [self.names[k].text().strip() or k for k, _ in SETS]
        key = self.preset.currentData()
        title = presets()[key].name if key is not None else "custom test"
        test = make_test(texts["X"], texts["Y"], texts["A"], texts["B"], name=title, names=names)

        def job():  # on a pool thread
            from embedding_studio.core.vectors.weat import weat

            return weat(model, test)

        def done(result: WeatResult) -> None:
            self.show_message("")
            self._show(result)

        def failed(message: str) -> None:
            self.result = None
            self.result_label.setText("")
            self.table.setRowCount(0)
            self.show_message(message)

        self.query.run(job, done, failed)

    def _show(self, result: WeatResult) -> None:
        self.result = result
        test = result.test
        how = f"exact: all {result.splits:,} splits" if result.exact else f"{result.splits:,} random splits"
        lines = [f"<b>{test.name}</b>",
                 f"Effect size <b>{result.effect_size:.3f}</b> (positive: {test.X.name} closer to {test.A.name} "
                 f"and {test.Y.name} to {test.B.name}); one-sided p-value <b>{result.p_value:.4g}</b> ({how})."]
        missing = [f"{getattr(test, k).name}: {', '.join(words)}" for k, words in result.missing.items() if words]
        if missing:
            lines.append("Not in the vocabulary, left out: " + "; ".join(missing))
        self.result_label.setText("<br>".join(lines))
        rows = [(w, s, test.X.name if w in result.used["X"] else test.Y.name) for w, s in result.associations.items()]
        rows.sort(key=lambda row: -row[1])
        self.table.setSortingEnabled(False)
        self.table.setRowCount(len(rows))
        for r, (word, score, set_name) in enumerate(rows):
            cells = [QTableWidgetItem(word), QTableWidgetItem(f"{score:+.3f}"), QTableWidgetItem(set_name)]
            cells[1].setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            for c, cell in enumerate(cells):
                self.table.setItem(r, c, cell)
