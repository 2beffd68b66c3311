"""Evaluation: word-pair similarity and analogy benchmarks, on demand or at each epoch end.

The list holds benchmark files (gensim's WordSim-353, SimLex-999 and Google analogies when gensim is
installed, plus any the user adds); the ticked ones are evaluated off the UI thread and the results
fill a tree: one row per file and metric, analogy sections as expandable children. With "Evaluate at
each epoch end" ticked (and at least one file ticked: else no copy is made at all), the window hands
this panel a copy of the vectors at every epoch end; the scores go out through ``epochScored`` (for the
quality curve beside the loss) and into the tree. One epoch is evaluated at a time and at most one more
waits: a newer epoch replaces the waiting one, so copies never pile up when evaluation is slower
than training. Which files there are and how they are run is :mod:`core.vectors.benchmarks`'s business.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QFileDialog, QHBoxLayout, QHeaderView, QLabel,
                               QListWidget, QListWidgetItem, QMessageBox, QPushButton, QTreeWidget,
                               QTreeWidgetItem, QVBoxLayout, QWidget)

from embedding_studio.core.vectors.benchmarks import PAIRS, Benchmark, gensim_presets, guess_kind, headline, run_benchmarks
from embedding_studio.core.vectors.evaluate import AnalogyResult, PairsResult
from embedding_studio.core.vectors.model import Model
from embedding_studio.core.text.vocab import Vocab

from ..background import run_in_background
from ..session import Session

EPOCH_ANALOGY_VOCAB = 30_000  # per-epoch analogies search only the most frequent words: cheap


def _number(value: float) -> str:
    return f"{value:.3f}" if math.isfinite(value) else "—"


class EvaluationPanel(QWidget):
    """``benchmarkList``, ``evaluateButton``, ``epochEvalCheck`` and the ``evaluationTree`` of results."""

    epochScored = Signal(float, dict)  # epoch, {benchmark.short: headline value}
    epochEvaluationToggled = Signal(bool)
    epochVectorsWanted = Signal(bool)  # whether epoch ends should carry a copy of the vectors

    def __init__(self, session: Session, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.running = False
        self._pending_epoch: tuple[int, np.ndarray, Vocab] | None = None  # the newest epoch waiting
        self._epoch_busy = False
        self._run_id = 0  # bumped by start_run: results of an older run's epochs are dropped

        self.list = QListWidget(objectName="benchmarkList")
        self.list.setToolTip("Benchmark files; the ticked ones are evaluated.")
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.list.setMaximumHeight(120)
        for benchmark in gensim_presets():
            self.add_benchmark(benchmark, checked=benchmark.name != "SimLex-999")
        self.add_button = QPushButton("Add files…", objectName="addBenchmarkButton", toolTip=(
            "Add word-pair files (word1 word2 score) or analogy files (questions-words format)."))
        self.remove_button = QPushButton("Remove", objectName="removeBenchmarkButton")
        self.evaluate_button = QPushButton("Evaluate", objectName="evaluateButton",
                                           toolTip="Evaluate the current model on the ticked files.")
        self.epoch_check = QCheckBox("Evaluate at each epoch end", objectName="epochEvalCheck", toolTip=(
            "While training, score a copy of the vectors after every epoch and draw the quality curve "
            f"(analogies search the {EPOCH_ANALOGY_VOCAB:,} most frequent words)."))
        self.message = QLabel(objectName="evaluationMessage", wordWrap=True)
        self.tree = QTreeWidget(objectName="evaluationTree")
        self.tree.setHeaderLabels(["file", "metric", "value", "details"])
        self.tree.setAlternatingRowColors(True)
        self.tree.setRootIsDecorated(True)
        header = self.tree.header()
        header.setStretchLastSection(True)
        for column in range(3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)

        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        buttons.addWidget(self.evaluate_button)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Benchmarks"))
        layout.addWidget(self.list)
        layout.addLayout(buttons)
        layout.addWidget(self.epoch_check)
        layout.addWidget(self.message)
        layout.addWidget(self.tree, 1)
        if not self.list.count():
            self.message.setText("gensim is not installed: add benchmark files with “Add files…”.")

        self.add_button.clicked.connect(self.choose_files)
        self.remove_button.clicked.connect(self.remove_selected)
        self.evaluate_button.clicked.connect(self.evaluate)
        self.epoch_check.toggled.connect(self.epochEvaluationToggled)
        self.epoch_check.toggled.connect(self._wanted_changed)
        self.list.itemChanged.connect(self._wanted_changed)
        self.list.model().rowsInserted.connect(self._wanted_changed)
        self.list.model().rowsRemoved.connect(self._wanted_changed)
        session.modelChanged.connect(lambda _: self._refresh())
        self._refresh()

    # -- the list
    def add_benchmark(self, benchmark: Benchmark, checked: bool = True) -> None:
        item = QListWidgetItem(f"{benchmark.name}  ({'word pairs' if benchmark.kind == PAIRS else 'analogies'})")
        item.setData(Qt.ItemDataRole.UserRole, benchmark)
        item.setToolTip(benchmark.path)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
        self.list.addItem(item)

    def add_files(self, paths: list[str]) -> None:
        for path in paths:
            self.add_benchmark(Benchmark(str(path), guess_kind(str(path)), Path(path).name))

    def choose_files(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, "Add benchmark files", str(Path.home()),
                                                "Benchmark files (*.txt *.tsv *.csv);;All files (*)")
        self.add_files(paths)

    def remove_selected(self) -> None:
        for item in self.list.selectedItems():
            self.list.takeItem(self.list.row(item))

    def benchmarks(self) -> list[Benchmark]:
        """The ticked benchmarks, in list order."""
        return [self.list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.list.count())
                if self.list.item(i).checkState() == Qt.CheckState.Checked]

    @property
    def wants_epoch_vectors(self) -> bool:
        """Per-epoch evaluation is on and there is something to evaluate: epoch ends need the vectors."""
        return self.per_epoch and bool(self.benchmarks())

    def _wanted_changed(self, *_args) -> None:
        self.epochVectorsWanted.emit(self.wants_epoch_vectors)

    def _refresh(self) -> None:
        self.evaluate_button.setEnabled(self.session.model is not None and not self.running)

    # -- evaluate the current model
    def evaluate(self) -> None:
        model, benchmarks = self.session.model, self.benchmarks()
        if model is None:
            self.message.setText("No model yet: train one or open one first.")
            return
        if not benchmarks:
            self.message.setText("Tick at least one benchmark file (or add one).")
            return
        self.running = True
        self._refresh()
        self.message.setText(f"Evaluating on {len(benchmarks)} file{'s' * (len(benchmarks) != 1)}…")

        def done(results) -> None:
            self.running = False
            self._refresh()
            self.show_results(results, "")

        def failed(message: str) -> None:
            self.running = False
            self._refresh()
            self.message.setText(message)
            QMessageBox.warning(self, "Evaluation failed", message)

        run_in_background(lambda: run_benchmarks(model, benchmarks), done, failed)

    def show_results(self, results: list[tuple[Benchmark, object]], title: str) -> None:
        self.tree.clear()
        problems = []
        for benchmark, result in results:
            if isinstance(result, PairsResult):
                used = f"{result.pairs_used}/{result.pairs_total} pairs · OOV {result.oov:.0%}"
                self._row(None, benchmark.name, "Spearman", _number(result.spearman), used, benchmark.path)
                self._row(None, benchmark.name, "Pearson", _number(result.pearson), used, benchmark.path)
            elif isinstance(result, AnalogyResult):
                top = self._row(None, benchmark.name, "accuracy", _number(result.accuracy if result.total else math.nan),
                                f"{result.correct}/{result.total} correct · {result.skipped} skipped (OOV)",
                                benchmark.path)
                for name, section in result.sections.items():
                    accuracy = section["accuracy"] if section["total"] else math.nan
                    self._row(top, name, "accuracy", _number(accuracy),
                              f"{section['correct']}/{section['total']} correct · {section['skipped']} skipped")
            else:
                problems.append(f"{benchmark.name}: {result}")
                self._row(None, benchmark.name, "error", "—", str(result), str(result))
        self.message.setText((title + " " if title else "") + ("Done." if not problems else
                             f"{len(problems)} file{'s' * (len(problems) != 1)} could not be evaluated."))
        if problems and not title:  # per-epoch runs do not raise a dialog every epoch
            QMessageBox.warning(self, "Some benchmarks failed", "\n".join(problems))

    def _row(self, parent, *cells_and_tip) -> QTreeWidgetItem:
        cells, tip = cells_and_tip[:4], cells_and_tip[4] if len(cells_and_tip) > 4 else ""
        item = QTreeWidgetItem(list(cells))
        item.setTextAlignment(2, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if tip:
            item.setToolTip(0, tip)
            item.setToolTip(3, tip)
        if parent is None:
            self.tree.addTopLevelItem(item)
        else:
            parent.addChild(item)
        return item

    def rows(self) -> list[tuple[str, str, str, str]]:
        """The top-level rows as text (for tests and copying)."""
        return [tuple(self.tree.topLevelItem(i).text(c) for c in range(4)) for i in range(self.tree.topLevelItemCount())]

    # -- per epoch
    @property
    def per_epoch(self) -> bool:
        return self.epoch_check.isChecked()

    def start_run(self) -> None:
        """A new training run: forget the queued epochs and the results of the last model."""
        self._run_id += 1
        self._pending_epoch = None
        self.clear_results()

    def clear_results(self) -> None:
        self.tree.clear()
        self.message.setText("")

    def epoch_ended(self, epoch: int, vectors: np.ndarray | None, vocab: Vocab) -> None:
        """A run's epoch ended: score its copy of the vectors if per-epoch evaluation is on."""
        if not self.per_epoch:
            return
        if vectors is None and self.benchmarks():  # the copy was not asked for in time: skip this epoch
            return
        self.evaluate_epoch(epoch, vectors, vocab)

    def evaluate_epoch(self, epoch: int, vectors: np.ndarray, vocab: Vocab) -> None:
        """Score a copy of the vectors taken at an epoch end.

        One evaluation runs at a time; an epoch that arrives meanwhile waits, replacing (and freeing) an
        older waiting one: the curve may skip an epoch, memory holds at most two copies.
        """
        if not self.benchmarks():
            self.message.setText("Per-epoch evaluation: tick at least one benchmark file.")
            return
        self._pending_epoch = (epoch, vectors, vocab)
        self._next_epoch()

    @property
    def pending_epochs(self) -> int:
        """How many epoch copies wait for their evaluation (0 or 1)."""
        return int(self._pending_epoch is not None)

    def _next_epoch(self) -> None:
        if self._epoch_busy or self._pending_epoch is None:
            return
        (epoch, vectors, vocab), self._pending_epoch = self._pending_epoch, None
        benchmarks, run = self.benchmarks(), self._run_id
        self._epoch_busy = True

        def job():
            rows = len(vectors)
            snapshot = Model(Vocab(vocab.words[:rows], vocab.counts[:rows]), vectors)
            return run_benchmarks(snapshot, benchmarks, analogy_vocab=EPOCH_ANALOGY_VOCAB)

        def done(results) -> None:
            self._epoch_busy = False
            if run == self._run_id:
                self.show_results(results, f"Epoch {epoch}:")
                self.epochScored.emit(float(epoch), {b.short: headline(r) for b, r in results})
            self._next_epoch()

        def failed(message: str) -> None:
            self._epoch_busy = False
            self.message.setText(f"Epoch {epoch}: {message}")
            self._next_epoch()

        run_in_background(job, done, failed)

    @property
    def idle(self) -> bool:
        return not self.running and not self._epoch_busy and self._pending_epoch is None
