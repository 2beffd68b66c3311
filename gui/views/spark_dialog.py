"""Train on a Spark cluster: a corpus URI, a master, the algorithm and its settings, a model file; the job off
the UI thread. The algorithm is this project's SGNS on the executors (the default: the better vectors, and
a loss per epoch) or Spark MLlib's Word2Vec.

``core.train.spark.SparkTraining`` runs on a pool thread; Spark's status tracker drives the progress bar,
and Stop only raises the job's flag (the job cancels its Spark job group within a quarter second, so
the UI never waits on the JVM). The model is written atomically by core and, once written, offered
to the window to open (``modelWritten``). Errors (no pyspark or Java, a master nobody answers at, a
missing path, an empty corpus) are shown as they are, in a dialog.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QComboBox, QDialog, QFileDialog, QFormLayout, QHBoxLayout, QLabel, QLineEdit,
                               QMessageBox, QProgressBar, QPushButton, QSpinBox, QVBoxLayout, QWidget)

from embedding_studio.core.config import INT_RANGES
from embedding_studio.core.durations import clock
from embedding_studio.core.errors import StudioError
from embedding_studio.core.train.spark import ALGORITHMS, MAX_PARTITIONS, SparkCancelled, SparkJobFailed, \
    SparkProgress, SparkSettings, SparkTraining
from embedding_studio.core.vectors.io import save_model

from ..background import run_with_progress

#: name, objectName, label, tooltip; ranges from core.config (partitions: the module's own).
_SPINS = [
    ("dim", "sparkDimSpin", "Dimensions", "Numbers per word vector."),
    ("window", "sparkWindowSpin", "Window", "Words either side that count as context."),
    ("min_count", "sparkMinCountSpin", "Min count", "Words seen fewer times are left out."),
    ("epochs", "sparkEpochsSpin", "Epochs", "Passes over the corpus (MLlib's maxIter)."),
    ("partitions", "sparkPartitionsSpin", "Partitions",
     "Shares of the text trained in parallel: 1 gives the best vectors, more is faster on a cluster. SGNS "
     "combines them every epoch; MLlib averages them once, at the end."),
]

#: The algorithm list: label, what the note under the settings says of it.
_ALGORITHM_LABELS = {"sgns": "Negative sampling (this app's, on the executors)", "mllib": "Spark MLlib Word2Vec"}


class SparkDialog(QDialog):
    """``sparkCorpusEdit``, ``sparkMasterEdit``, ``sparkOutEdit``, the settings' spin boxes,
    ``sparkTrainButton``, ``sparkStopButton``, ``sparkProgress`` and ``sparkStatus``."""

    modelWritten = Signal(str)  # the model file just written, for the window to open

    def __init__(self, parent: QWidget | None = None, corpus: str = "", master: str = "local[*]"):
        super().__init__(parent)
        self.setWindowTitle("Train on a Spark cluster")
        self.setObjectName("sparkDialog")
        self.running = False
        self.job: SparkTraining | None = None

        self.corpus_edit = QLineEdit(corpus, objectName="sparkCorpusEdit",
                                     placeholderText="a folder or .txt file: /data/texts, hdfs://…, s3a://…")
        self.corpus_button = QPushButton("Folder…", objectName="sparkCorpusButton")
        self.master_edit = QLineEdit(master, objectName="sparkMasterEdit",
                                     toolTip="local[*] runs Spark on this machine; spark://HOST:7077 a standalone "
                                             "cluster; yarn; k8s://https://HOST:PORT")
        self.out_edit = QLineEdit(str(Path.home() / "spark-word2vec.npz"), objectName="sparkOutEdit")
        self.out_button = QPushButton("Save as…", objectName="sparkOutButton")
        defaults = SparkSettings()
        self.algorithm_combo = QComboBox(objectName="sparkAlgorithmCombo",
                                         toolTip="Negative sampling trains as this app does locally (subsampling, "
                                                 "its learning-rate schedule, a loss per epoch); MLlib trains "
                                                 "hierarchical softmax, without either, and scores lower.")
        for name, label in _ALGORITHM_LABELS.items():
            self.algorithm_combo.addItem(label, name)
        self.algorithm_combo.setCurrentIndex(self.algorithm_combo.findData(defaults.algorithm))
        self.spins: dict[str, QSpinBox] = {}
        for name, object_name, _, tip in _SPINS:
            low, high = (1, MAX_PARTITIONS) if name == "partitions" else INT_RANGES[name]
            spin = QSpinBox(objectName=object_name, toolTip=tip, minimum=low, maximum=min(high, 2**31 - 1))
            spin.setValue(getattr(defaults, name))
            spin.setMaximumWidth(110)  # min count's range is wide; the row stays even
            self.spins[name] = spin
        self.note = QLabel(objectName="sparkNote", wordWrap=True)
        self._show_algorithm()
        self.note.setStyleSheet("color: #555")
        self.progress = QProgressBar(objectName="sparkProgress", minimum=0, maximum=1000, value=0)
        self.status = QLabel("Spark starts in a few seconds the first time.", objectName="sparkStatus",
                             wordWrap=True)
        self.train_button = QPushButton("Train", objectName="sparkTrainButton")
        self.stop_button = QPushButton("Stop", objectName="sparkStopButton", enabled=False)
        self.close_button = QPushButton("Close", objectName="sparkCloseButton")

        corpus_row = QHBoxLayout()
        corpus_row.addWidget(self.corpus_edit, 1)
        corpus_row.addWidget(self.corpus_button)
        out_row = QHBoxLayout()
        out_row.addWidget(self.out_edit, 1)
        out_row.addWidget(self.out_button)
        settings_row = QHBoxLayout()
        for name, _, label, _ in _SPINS:
            settings_row.addWidget(QLabel(label))
            settings_row.addWidget(self.spins[name])
        settings_row.addStretch(1)
        form = QFormLayout()
        form.addRow("Corpus", corpus_row)
        form.addRow("Master", self.master_edit)
        form.addRow("Model file", out_row)
        form.addRow("Algorithm", self.algorithm_combo)
        form.addRow("Settings", settings_row)
        buttons = QHBoxLayout()
        buttons.addWidget(self.train_button)
        buttons.addWidget(self.stop_button)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.note)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        self.resize(760, 280)

        self.corpus_button.clicked.connect(self._choose_corpus)
        self.out_button.clicked.connect(self._choose_out)
        self.train_button.clicked.connect(self.train)
        self.stop_button.clicked.connect(self.cancel)
        self.close_button.clicked.connect(self.reject)
        self.algorithm_combo.currentIndexChanged.connect(self._show_algorithm)

    @property
    def algorithm(self) -> str:
        return self.algorithm_combo.currentData()

    def _show_algorithm(self) -> None:
        self.note.setText(f"{ALGORITHMS[self.algorithm]}. The text is tokenised as local training does it, on "
                          "Spark's executors.")

    def _choose_corpus(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "A folder of .txt files", self.corpus_edit.text())
        if folder:
            self.corpus_edit.setText(folder)

    def _choose_out(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Write the model to", self.out_edit.text(),
                                              "Embedding Studio models (*.npz)")
        if path:
            self.out_edit.setText(path if path.endswith(".npz") else path + ".npz")

    def _set_running(self, running: bool) -> None:
        self.running = running
        for widget in (self.train_button, self.corpus_edit, self.corpus_button, self.master_edit, self.out_edit,
                       self.out_button, self.algorithm_combo, *self.spins.values()):
            widget.setEnabled(not running)
        self.stop_button.setEnabled(running)

    def _fail(self, message: str) -> None:
        self.status.setText(message)
        QMessageBox.critical(self, "Cannot train on Spark", message)

    def _target(self) -> Path:
        """The model file, refused before any Spark work if it cannot be written there."""
        text = self.out_edit.text().strip()
        if not text:
            raise StudioError("Choose a model file to write.")
        out = Path(text).expanduser()
        if out.is_dir():
            raise StudioError(f"{out} is a folder; give a file name for the model.")
        if not out.parent.is_dir():
            raise StudioError(f"Cannot write {out}: the folder {out.parent} does not exist.")
        return out

    # -- the job
    def train(self) -> None:
        if self.running:
            return
        try:
            settings = SparkSettings(algorithm=self.algorithm, **{name: spin.value() for name, spin in self.spins.items()})
            out = self._target()
            job = SparkTraining(self.corpus_edit.text(), self.master_edit.text(), settings)
        except StudioError as error:
            self._fail(str(error))
            return
        self.job = job
        self.progress.setValue(0)
        self.status.setText("Starting Spark…")
        self._set_running(True)

        def work(report) -> str | None:
            try:
                model = job.run(report)
            except SparkCancelled:
                return None
            except SparkJobFailed as error:  # shown as it is, like bad input: the job's own words
                raise StudioError(str(error)) from None
            if job.cancelled:  # Stop came as the last job ended: honour it
                return None
            save_model(model, out)
            return str(out)

        def done(written: str | None) -> None:
            if job is not self.job:
                return  # an older, stopped job that has only now ended
            self._set_running(False)
            if written is None:
                self.progress.setValue(0)
                self.status.setText("Stopped; nothing was written.")
                return
            self.progress.setValue(1000)
            self.status.setText(f"Trained by {job.settings.engine} and written to {written}; opening it.")
            self.modelWritten.emit(written)

        def failed(message: str) -> None:
            if job is not self.job:
                return
            self._set_running(False)
            self._fail(message)

        run_with_progress(work, self._progress, done, failed)

    def _progress(self, progress: SparkProgress) -> None:
        if not self.running or self.job is None or self.job.cancelled:
            return
        self.progress.setValue(int(1000 * progress.fraction))
        tasks = f" · {progress.stage}: {progress.tasks_done}/{progress.tasks_total} tasks" \
            if progress.tasks_total else ""
        self.status.setText(f"{progress.phase[0].upper()}{progress.phase[1:]}{tasks} · {clock(progress.elapsed)}")

    def cancel(self) -> None:
        """Stop the job. The UI is free at once; Train comes back when Spark has ended the job (a moment),
        so two jobs never share, and one never stops, the other's session."""
        if self.job is not None and self.running and not self.job.cancelled:
            self.job.cancel()
            self.stop_button.setEnabled(False)
            self.status.setText("Stopping the Spark job…")

    def reject(self) -> None:
        self.cancel()
        super().reject()
