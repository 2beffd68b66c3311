"""Training settings and the Train / Pause / Stop buttons.

Each setting has a one-line tooltip. Spin boxes keep whole numbers in the ranges core.config states
(the panel repeats no numbers); the two real numbers (subsampling and learning rate) are typed, and
:meth:`SettingsPanel.config` builds a ``TrainConfig``, whose validation gives the message a person sees
for anything absurd, and which derives the final learning rate.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit,
                               QPushButton, QSpinBox, QVBoxLayout, QWidget)

from embedding_studio.core.config import (INT_RANGES, RENAMED_TOKEN_RULES, TOKEN_RULE_NAMES, TOKEN_RULES, TrainConfig,
                                          default_workers, workers_note)
from embedding_studio.core.errors import ConfigError
from embedding_studio.core.text.corpus import ReadingOptions

from ..session import Draft

#: The most a QSpinBox holds (a C int); a wider range in core.config is cut to it.
_SPIN_LIMIT = 2**31 - 1

# name, objectName, label, tooltip; each spin's range comes from core.config.INT_RANGES.
_SPINS: list[tuple[str, str, str, str]] = [
    ("dim", "dimSpin", "Dimensions", "Length of each word vector: more can hold more, but trains slower."),
    ("window", "windowSpin", "Window", "How many words on each side count as a word's context."),
    ("negative", "negativeSpin", "Negatives", "Random 'noise' words contrasted with each real pair."),
    ("epochs", "epochsSpin", "Epochs", "How many times training reads the whole corpus."),
    ("min_count", "minCountSpin", "Min count", "Words seen fewer times than this are dropped."),
    ("seed", "seedSpin", "Seed", "Random seed: the same seed and settings give the same run."),
    ("workers", "workersSpin", "Workers", "Worker processes that train at once; one per CPU core is fastest."),
]
_TEXTS: list[tuple[str, str, str, str]] = [
    ("sample", "sampleEdit", "Subsampling", "Frequent words are randomly skipped above this share (0 turns it off)."),
    ("lr", "lrEdit", "Learning rate", "Starting step size; it decays linearly to almost zero by the end."),
]


def _spin_range(name: str) -> tuple[int, int]:
    """A setting's range from core.config, cut to what a QSpinBox can hold."""
    low, high = INT_RANGES[name]
    return low, min(high, _SPIN_LIMIT)


class SettingsPanel(QWidget):
    """The training settings form, the presets and the run buttons."""

    trainRequested = Signal()
    pauseRequested = Signal(bool)  # True: pause, False: resume
    stopRequested = Signal()
    draftChanged = Signal(object)  # Draft: the always-valid part of the settings changed

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.spins: dict[str, QSpinBox] = {}
        self.edits: dict[str, QLineEdit] = {}

        form_box = QGroupBox("Training settings")
        form = QFormLayout(form_box)
        for name, object_name, label, tip in _SPINS:
            low, high = _spin_range(name)
            spin = QSpinBox(objectName=object_name, minimum=low, maximum=high, toolTip=tip)
            spin.setAccelerated(True)
            self.spins[name] = spin
            form.addRow(label, spin)
            form.labelForField(spin).setToolTip(tip)
        # Beside the Workers box: how many of them will train at once, when that is fewer, and why.
        self.workers_note = QLabel(objectName="workersNote", wordWrap=True)
        self.workers_note.setStyleSheet("color: palette(dark);")
        form.insertRow(form.getWidgetPosition(self.spins["workers"])[0] + 1, "", self.workers_note)
        for name in ("workers", "window"):
            self.spins[name].valueChanged.connect(self._update_workers_note)
        for name, object_name, label, tip in _TEXTS:
            edit = QLineEdit(objectName=object_name, toolTip=tip)
            self.edits[name] = edit
            form.addRow(label, edit)
            form.labelForField(edit).setToolTip(tip)

        self.tokens_combo = QComboBox(objectName="tokensCombo",
                                      toolTip="How text becomes words (apostrophes, hyphens).")
        for name in TOKEN_RULE_NAMES:
            self.tokens_combo.addItem(name, name)
            self.tokens_combo.setItemData(self.tokens_combo.count() - 1, TOKEN_RULES[name].description,
                                          Qt.ItemDataRole.ToolTipRole)
        form.addRow("Words", self.tokens_combo)
        form.labelForField(self.tokens_combo).setToolTip(self.tokens_combo.toolTip())
        self.phrases_check = QCheckBox("Join phrases (new_york)", objectName="phrasesCheck",
                                       toolTip="Find word pairs that occur together far more often than chance "
                                               "and give each one vector, as word2phrase does.")
        form.addRow("", self.phrases_check)
        self.subwords_check = QCheckBox("Subword vectors (fastText)", objectName="subwordsCheck",
                                        toolTip="Build each word from its own vector and those of its 3-6 letter "
                                                "pieces, as fastText does, so rare words and words the corpus "
                                                "never had get vectors from their letters. Trains in one process, "
                                                "slower.")
        form.addRow("", self.subwords_check)

        presets = QHBoxLayout()
        self.article_button = QPushButton("The article", objectName="articlePreset",
                                          toolTip="32 dims, window 2, 5 negatives, 20 epochs: the article's run.")
        self.word2vec_button = QPushButton("word2vec defaults", objectName="word2vecPreset",
                                           toolTip="100 dims, window 5, 5 negatives, 5 epochs: the original tool.")
        self.article_button.clicked.connect(lambda: self.apply_preset(TrainConfig.article()))
        self.word2vec_button.clicked.connect(lambda: self.apply_preset(TrainConfig.word2vec_defaults()))
        presets.addWidget(self.article_button)
        presets.addWidget(self.word2vec_button)
        form.addRow("Presets", presets)

        self.train_button = QPushButton("Train", objectName="trainButton",
                                        toolTip="Train new vectors on the corpus with these settings.")
        self.pause_button = QPushButton("Pause", objectName="pauseButton", toolTip="Pause or resume training.")
        self.stop_button = QPushButton("Stop", objectName="stopButton",
                                       toolTip="Stop now and keep the model trained so far.")
        self.train_button.setDefault(True)
        self.train_button.clicked.connect(self.trainRequested)
        self.pause_button.clicked.connect(lambda: self.pauseRequested.emit(self.pause_button.text() == "Pause"))
        self.stop_button.clicked.connect(self.stopRequested)
        buttons = QHBoxLayout()
        for button in (self.train_button, self.pause_button, self.stop_button):
            buttons.addWidget(button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(form_box)
        layout.addLayout(buttons)
        self.set_config(TrainConfig.article())
        self._update_workers_note()
        self.set_running(False)
        for name in ("min_count", "dim", "seed"):
            self.spins[name].valueChanged.connect(self._draft_changed)
        self.tokens_combo.currentIndexChanged.connect(self._draft_changed)
        self.phrases_check.toggled.connect(self._draft_changed)

    # -- values
    def set_config(self, config: TrainConfig) -> None:
        for name, spin in self.spins.items():
            spin.setValue(int(getattr(config, name)))
        for name, edit in self.edits.items():
            edit.setText(f"{getattr(config, name):g}")
        self.tokens_combo.setCurrentIndex(TOKEN_RULE_NAMES.index(config.tokens))
        self.phrases_check.setChecked(config.phrases)
        self._phrase_threshold = config.phrase_threshold
        self.subwords_check.setChecked(config.subwords)
        self._subword_buckets = config.subword_buckets

    def draft(self) -> Draft:
        """What a corpus and the untrained map need of the settings (never half typed)."""
        reading = ReadingOptions(min_count=self.spins["min_count"].value(), tokens=self.tokens_combo.currentData(),
                                 phrases=self.phrases_check.isChecked(), phrase_threshold=self._phrase_threshold)
        return Draft(reading, dim=self.spins["dim"].value(), seed=self.spins["seed"].value())

    def _draft_changed(self) -> None:
        self.draftChanged.emit(self.draft())

    def _update_workers_note(self) -> None:
        config = TrainConfig(window=self.spins["window"].value(), workers=self.spins["workers"].value())
        note = workers_note(config)
        self.workers_note.setVisible(note is not None)
        if note is not None:
            self.workers_note.setText(f"Only {config.batches_in_flight} train at once at window {config.window}: "
                                      "more would cost quality.")
            self.workers_note.setToolTip(note[0].upper() + note[1:] + ".")

    def apply_preset(self, preset: TrainConfig) -> None:
        """A preset sets the model's shape and length; seed, workers, min count and words stay as they are."""
        keep = {k: self.spins[k].value() for k in ("seed", "workers", "min_count")}
        self.set_config(preset.replace(**keep, tokens=self.tokens_combo.currentData(),
                                       phrases=self.phrases_check.isChecked(),
                                       subwords=self.subwords_check.isChecked()))

    def values(self) -> dict[str, Any]:
        """The raw settings as typed (for remembering them), numbers where they parse."""
        values: dict[str, Any] = {name: spin.value() for name, spin in self.spins.items()}
        for name, edit in self.edits.items():
            values[name] = edit.text().strip()
        values["tokens"] = self.tokens_combo.currentData()
        values["phrases"] = self.phrases_check.isChecked()
        values["subwords"] = self.subwords_check.isChecked()
        return values

    def config(self) -> TrainConfig:
        """The settings as a validated ``TrainConfig``; raises ConfigError with a readable message."""
        values: dict[str, Any] = {name: spin.value() for name, spin in self.spins.items()}
        labels = {name: label for name, _, label, _ in _TEXTS}
        for name, edit in self.edits.items():
            text = edit.text().strip()
            try:
                values[name] = float(text)
            except ValueError:
                raise ConfigError(f"{labels[name]} must be a number, got {text!r}") from None
        return TrainConfig(**values, tokens=self.tokens_combo.currentData(), phrases=self.phrases_check.isChecked(),
                           phrase_threshold=self._phrase_threshold, subwords=self.subwords_check.isChecked(),
                           subword_buckets=self._subword_buckets)

    def restore(self, values: dict[str, Any]) -> None:
        """Put back remembered settings, ignoring any that no longer make sense."""
        for name, spin in self.spins.items():
            if isinstance(values.get(name), int):
                spin.setValue(values[name])
        for name, edit in self.edits.items():
            if isinstance(values.get(name), (str, int, float)):
                edit.setText(str(values[name]))
        tokens = RENAMED_TOKEN_RULES.get(values.get("tokens"), values.get("tokens"))
        if tokens in TOKEN_RULE_NAMES:
            self.tokens_combo.setCurrentIndex(TOKEN_RULE_NAMES.index(tokens))
        if isinstance(values.get("phrases"), bool):
            self.phrases_check.setChecked(values["phrases"])
        if isinstance(values.get("subwords"), bool):
            self.subwords_check.setChecked(values["subwords"])
        if "workers" not in values:
            self.spins["workers"].setValue(default_workers())

    def show_model(self, config: TrainConfig | None, dim: int) -> None:
        """An opened model's own settings (its dimensions at least, for vectors files without them), so
        the panel describes the model on show and Continue starts from matching settings. Workers stay:
        they belong to this machine, not to the model."""
        values: dict[str, Any] = {"dim": dim}
        if config is not None:
            values.update({name: getattr(config, name) for name in self.spins if name != "workers"})
            values.update(sample=f"{config.sample:g}", lr=f"{config.lr:g}", tokens=config.tokens,
                          phrases=bool(config.phrases), subwords=bool(config.subwords))
            self._subword_buckets = config.subword_buckets
        self.restore({**values, "workers": self.spins["workers"].value()})

    # -- run state
    def set_running(self, running: bool, paused: bool = False) -> None:
        self.train_button.setEnabled(not running)
        self.pause_button.setEnabled(running)
        self.stop_button.setEnabled(running)
        self.pause_button.setText("Resume" if paused else "Pause")
        for widget in [*self.spins.values(), *self.edits.values(), self.tokens_combo, self.phrases_check,
                       self.subwords_check,                       self.article_button, self.word2vec_button]:
            widget.setEnabled(not running)

    def set_can_train(self, can: bool) -> None:
        """Train needs a corpus; a model opened on its own can be explored but not retrained."""
        if self.stop_button.isEnabled():  # running: set_running decides
            return
        self.train_button.setEnabled(can)
        self.train_button.setToolTip("Train new vectors on the corpus with these settings." if can
                                     else "Open a corpus (File menu) to train.")
