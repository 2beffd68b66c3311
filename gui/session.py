"""The one place that holds what the user is working on: the corpus, the model, what the map shows.

Like napari's models, it knows nothing of widgets: it keeps state and emits signals, and the views and
the window's parts listen; none of them reads another's widgets. Only the UI thread changes it; slow
work that produces a new corpus, model or frame happens elsewhere and hands the result to a setter here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from embedding_studio.core.text.corpus import Corpus, ReadingOptions
from embedding_studio.core.vectors.model import Model

from embedding_studio.core.config import TrainConfig
from embedding_studio.core.text.stopwords import DEFAULT_LANGUAGE
from embedding_studio.core.maps.frame import Frame, Projection

DEFAULT_DRAWN_WORDS = 300


@dataclass
class CorpusSource:
    """Where the corpus came from and how it was read, so it can be read again (e.g. another min count)."""

    paths: list[str] = field(default_factory=list)  # empty: the built-in demo corpus
    reading: ReadingOptions = field(default_factory=ReadingOptions)

    def reads_like(self, config: TrainConfig) -> bool:
        """Whether training with ``config`` needs this corpus read differently."""
        return self.reading == ReadingOptions.of(config)

    @property
    def is_demo(self) -> bool:
        return not self.paths

    def title(self) -> str:
        if self.is_demo:
            return "Demo corpus"
        if len(self.paths) == 1:
            return Path(self.paths[0]).name
        return f"{len(self.paths)} paths"


@dataclass(frozen=True)
class Draft:
    """The settings panel as it stands, the part that is always valid (its spin boxes and lists): how a
    corpus is to be read, and the dimensions and seed the untrained map is drawn with. The rest may be
    half typed; Train validates all of it."""

    reading: ReadingOptions = field(default_factory=ReadingOptions)
    dim: int = TrainConfig.article().dim
    seed: int = TrainConfig.article().seed


class Session(QObject):
    """Current corpus, model, drawn frame, selection and highlighted words, with change signals."""

    corpusChanged = Signal(object)  # Corpus or None
    modelChanged = Signal(object)  # Model or None
    frameChanged = Signal(object)  # Frame: the latest projection to draw
    beforeFrameChanged = Signal(object)  # Frame of the untrained model (the article's "before")
    selectionChanged = Signal(list)  # words the user picked (click, search)
    highlightChanged = Signal(list)  # words to emphasise (neighbours, analogy results)
    busyChanged = Signal(bool, str)  # loading something; the message says what
    draftChanged = Signal(object)  # Draft: the settings panel changed what a corpus or the untrained map needs
    trainingChanged = Signal(bool)  # a training run started or ended
    projectionChanged = Signal(str)  # "pca" (live) or "tsne" (of a finished model)
    drawnCountChanged = Signal(int)  # how many of the most frequent words the map draws
    stabilityChanged = Signal(object)  # core.train.stability.Stability of the corpus's runs, or None
    flaggedChanged = Signal(list)  # the words marked unstable on the map (Clear unmarks them, runs kept)
    timelineChanged = Signal(object)  # core.vectors.timeline.Timeline of the model (or the run), or None
    snapshotChanged = Signal(object)  # the timeline snapshot shown (an index), or None: the model as it is
    hiddenWordsChanged = Signal(object)  # frozenset: the function words the map, clusters and movers leave out

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.corpus: Corpus | None = None
        self.draft = Draft()
        self.source = CorpusSource()
        self.model: Model | None = None
        self.model_path: str | None = None
        self.model_of: str | None = None  # what the model was trained on (a corpus title) or read from
        self.model_fits = False  # the model's words are the open corpus's: it answers for that corpus
        self.unsaved = False  # the model was trained here and not saved since (closing or Train would lose it)
        self.replaced: tuple = (None, None, None, False)  # (model, path, of, unsaved) the last set_model replaced
        self.frame: Frame | None = None
        self.before_frame: Frame | None = None
        self.selection: list[str] = []
        self.highlighted: list[str] = []
        self.featured: list[str] = []  # words worth labelling even if rare (the demo's planted groups)
        self.busy = False
        self.training = False
        self.projection: Projection = "pca"
        self.drawn_count = DEFAULT_DRAWN_WORDS
        self.stability = None  # runs of the corpus (Analyse > Stability); their unstable words are flagged
        self.flagged: list[str] = []
        self.timeline = None  # the training timeline shown by the slider (the run's while it trains)
        self.snapshot: int | None = None  # the snapshot the map shows; None: live / the finished model
        self.live_frame: Frame | None = None  # the newest frame of the model while a snapshot is shown
        self.snapshot_frames: list[Frame] = []  # the timeline's map frames, as on screen (gui.timeline)
        self.function_language = DEFAULT_LANGUAGE  # whose list of function words (core.text.stopwords)
        self.function_words: frozenset[str] = frozenset()  # that list (as edited); loaded when first hidden
        self.hide_function_words = False

    # -- data
    def set_draft(self, draft: "Draft") -> None:
        if draft != self.draft:
            self.draft = draft
            self.draftChanged.emit(draft)

    def set_corpus(self, corpus: Corpus, source: CorpusSource, featured: list[str] | None = None) -> None:
        self.corpus = corpus
        self.source = source
        self.featured = list(featured or [])
        self.model_fits = self._fits()
        self.corpusChanged.emit(corpus)

    def set_model(self, model: Model | None, path: str | None = None) -> None:
        """The model to explore; trained here it belongs to the open corpus, read from ``path`` to that file."""
        # what this one replaces, as it was (its unsaved flag too), for Edit > Undo (gui.undo)
        self.replaced = (self.model, self.model_path, self.model_of, self.unsaved)
        other_words = model is None or self.model is None or model.words != self.model.words
        self.model = model
        self.model_path = path
        self.model_of = None if model is None else Path(path).name if path else self.source.title()
        self.unsaved = model is not None and path is None
        self.model_fits = self._fits()
        selection = [w for w in self.selection if model is not None and w in model.vocab.index]
        # the highlighted words answered a query of the last model: one of other words keeps none (its
        # panels ask again); the selection keeps the words it knows (to watch their trails in a new run)
        highlighted = [] if other_words else [w for w in self.highlighted if w in model.vocab.index]
        changed = (selection != self.selection, highlighted != self.highlighted)
        self.selection, self.highlighted = selection, highlighted
        self.modelChanged.emit(model)
        if changed[0]:
            self.selectionChanged.emit(list(selection))
        if changed[1]:
            self.highlightChanged.emit(list(highlighted))

    def set_frame(self, frame: Frame) -> None:
        if self.snapshot is not None and not frame.before:  # scrubbing: keep it for when the user comes back
            self.live_frame = frame
            return
        self.live_frame = frame
        if frame.before:
            self.before_frame = frame
            self.beforeFrameChanged.emit(frame)
        self.frame = frame
        self.frameChanged.emit(frame)

    def clear_frames(self) -> None:
        self.before_frame = None
        self.beforeFrameChanged.emit(None)

    def set_timeline(self, timeline) -> None:
        """The timeline to scrub (or None); a shown snapshot past its end goes back to live."""
        self.timeline = timeline
        if self.snapshot is not None and (timeline is None or self.snapshot >= len(timeline)):
            self.show_snapshot(None)
        self.timelineChanged.emit(timeline)

    def snapshot_source(self):
        """(timeline, snapshot index, vocabulary) that queries answer from: the snapshot shown, or while
        a run trains the newest one; None when the model itself answers."""
        timeline = self.timeline
        if timeline is None or not len(timeline) or (self.snapshot is None and not self.training):
            return None
        vocab = self.model.vocab if self.model is not None and self.model.timeline is timeline else (
            self.corpus.vocab if self.corpus is not None else None)
        if vocab is None or len(vocab) < timeline.tracked:
            return None
        return timeline, (len(timeline) - 1 if self.snapshot is None else self.snapshot), vocab

    def show_snapshot(self, index: int | None, frame: Frame | None = None) -> None:
        """Show a timeline snapshot (its map ``frame``), or with None the model as it is (live)."""
        self.snapshot = index
        if index is not None and frame is not None:
            self.frame = frame
            self.frameChanged.emit(frame)
        elif index is None and self.live_frame is not None:
            self.frame = self.live_frame
            self.frameChanged.emit(self.live_frame)
        self.snapshotChanged.emit(index)

    def snapshot_title(self) -> str:
        """ "snapshot at epoch 0.25 (2/6)" while a timeline snapshot is shown, else "" (the map's title)."""
        timeline, index = self.timeline, self.snapshot
        if index is None or timeline is None or index >= len(timeline):
            return ""
        return f"snapshot at {timeline.label(index)} ({index + 1}/{len(timeline)})"

    def _fits(self) -> bool:
        model, corpus = self.model, self.corpus
        if model is None or corpus is None:
            return False
        return model.vocab is corpus.vocab or (len(model) == len(corpus.vocab) and model.words == corpus.vocab.words)

    def model_name(self) -> str:
        """ "model of Demo corpus" (trained here) or "model read from glove.txt" (opened)."""
        return f"model {'read from' if self.model_path else 'of'} {self.model_of}"

    def model_title(self) -> str:
        """Whose model answers, as the views name it: "model of crime.txt", "training on crime.txt"...

        A model never answers silently for another corpus: this says so when its words are not the
        open corpus's (another corpus opened after training, or the same texts read another way).
        """
        if self.training and self.corpus is not None:
            return f"training on {self.source.title()}"
        if self.model is None:
            return "" if self.corpus is None else f"untrained, {self.source.title()}"
        owner = self.model_name()
        if self.corpus is None or self.model_fits:
            return owner
        if self.model_of == self.source.title():
            return f"{owner} read with other settings (min count, words or phrases)"
        return f"{owner}; the open corpus is {self.source.title()}"

    def stale_model_refusal(self) -> str:
        """Why the Explore panels do not answer now ("" when they can): a model of another corpus
        while a new one trains would answer for texts no longer shown anywhere. A timeline snapshot
        that can answer (the run's newest, or the one shown) comes first."""
        if not self.training or (self.model is not None and self.model_fits) or self.snapshot_source() is not None:
            return ""
        message = f"Training a model of {self.source.title()}: its answers come when the run ends (or press Stop)."
        if self.model is not None:
            message += f" The last one, the {self.model_name()}, knows other texts."
        return message

    # -- what the user is looking at
    def select(self, words: list[str]) -> None:
        words = list(dict.fromkeys(words))
        if words != self.selection:
            self.selection = words
            self.selectionChanged.emit(list(words))

    def toggle_selected(self, word: str) -> None:
        self.select([w for w in self.selection if w != word] if word in self.selection
                    else self.selection + [word])

    def highlight(self, words: list[str]) -> None:
        words = list(dict.fromkeys(words))
        if words != self.highlighted:
            self.highlighted = words
            self.highlightChanged.emit(list(words))

    def set_stability(self, stability) -> None:
        """The runs measured for stability (or None); their unstable words become ``flagged``. None when
        there were none changes nothing (a panel that asked again would undo the map's Clear)."""
        if stability is None and self.stability is None:
            return
        self.stability = stability
        self.flagged = [] if stability is None else stability.report.unstable()
        self.stabilityChanged.emit(stability)
        self.flaggedChanged.emit(list(self.flagged))

    def clear_marks(self) -> None:
        """The map's Clear: no selection, no highlighted answer, and no unstable words marked (the
        stability runs stay for the neighbours' error bars)."""
        self.select([])
        self.highlight([])
        if self.flagged:
            self.flagged = []
            self.flaggedChanged.emit([])

    @property
    def hidden_words(self) -> frozenset[str]:
        """The words the map, the cluster names and the movers leave out: the function words, when hidden."""
        return self.function_words if self.hide_function_words else frozenset()

    def set_function_words(self, language: str, words: frozenset[str], hide: bool | None = None) -> None:
        """The list of function words (a language's, perhaps edited), and whether they are hidden."""
        before = self.hidden_words
        self.function_language, self.function_words = language, frozenset(words)
        if hide is not None:
            self.hide_function_words = hide
        if self.hidden_words != before:
            self.hiddenWordsChanged.emit(self.hidden_words)

    def set_busy(self, busy: bool, message: str = "") -> None:
        self.busy = busy
        self.busyChanged.emit(busy, message)

    def set_training(self, training: bool) -> None:
        if training != self.training:
            self.training = training
            self.trainingChanged.emit(training)

    def set_projection(self, mode: Projection) -> None:
        if mode != self.projection:
            self.projection = mode
            self.projectionChanged.emit(mode)

    def set_drawn_count(self, count: int) -> None:
        if count != self.drawn_count:
            self.drawn_count = int(count)
            self.drawnCountChanged.emit(self.drawn_count)

    def drawn_extra_ids(self, index: dict[str, int]) -> tuple[int, ...]:
        """Rows of the selected and highlighted words, which the map draws besides the most frequent."""
        return tuple(index[w] for w in self.selection + self.highlighted if w in index)

    def vocabulary(self) -> list[str]:
        """Words the user can search: the model's if there is one, else the corpus's."""
        if self.model is not None:
            return self.model.words
        if self.corpus is not None:
            return self.corpus.vocab.words
        return []
