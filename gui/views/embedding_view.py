"""The live 2D map of the embedding: the most frequent words plus any searched or selected ones.

Frames arrive already projected and aligned (see ``core.maps.frame``); this view only moves items. Labels
are a fixed pool of TextItems re-used every frame, for a readable subset of words. Hover shows a word,
a click selects it (Ctrl-click adds to the selection), and selected words can show the trail they
travelled while training. The projection of the untrained model — the article's "before" — can be
overlaid on the current one or shown next to it.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetrics
from PySide6.QtWidgets import (QCheckBox, QComboBox, QHBoxLayout, QLabel, QProgressBar, QPushButton, QSpinBox,
                               QSizePolicy, QSplitter, QVBoxLayout, QWidget)

from embedding_studio.core.maps.clusters import Clusters, cluster_words
from embedding_studio.core.maps.frame import Frame

from ..background import run_in_background

from ..session import Session
from .map_items import HoverTip, Marks, WordLabel, word_tip
from .moving_scatter import MovingScatter
from .plots import fit_now, named_plot

LABEL_POOL = 120
MAX_DRAWN = 100_000  # the Words box's maximum without a vocabulary; a larger one raises it (All)
LABEL_CELL = 2  # px: the grid labels are placed on without overlapping
LABEL_TRIES = 5_000  # candidates looked at per layout: enough to fill the view, bounded at 100,000 words
RELABEL_EVERY = 40  # ms: while zooming or panning, lay the labels out again at most this often
TRAIL_POOL = 12
MAX_TRAIL_FRAMES = 600
BEFORE_MODES = ["Hidden", "Overlay", "Side by side"]
PROJECTIONS = {"pca": "PCA (live)", "tsne": "t-SNE (final model)", "umap": "UMAP (final model)"}
TITLES = {"pca": "Embedding (2D PCA)", "tsne": "Embedding (t-SNE of the final model)",
          "umap": "Embedding (UMAP of the final model)"}

_PLAIN = pg.mkBrush(76, 114, 176, 150)
_DIMMED = pg.mkBrush(150, 165, 190, 70)  # the words outside a query's answer, as the Embedding Projector greys them
_PLAIN_PEN, _DIMMED_PEN = pg.mkPen(255, 255, 255, 120), pg.mkPen(None)
COLOUR_MODES = ["Plain", "Frequency", "Cluster"]
# categorical, and none of the marks' colours (orange selected, green highlighted, red unstable)
_CLUSTER_COLOURS = ["#1f77b4", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f", "#393b79"]
_FREQUENCY_MAP = pg.colormap.get("viridis")  # perceptually even; read here bright (rare) to dark (frequent)


def _frequency_colour(share):
    """The colour for a share of the log-count range (0: the rarest word drawn, 1: the most frequent)."""
    return _FREQUENCY_MAP.map(0.95 - 0.85 * np.asarray(share, dtype=np.float64), mode="qcolor")
_FEATURED = pg.mkBrush(76, 114, 176, 230)
_SELECTED = pg.mkBrush("#ff7f0e")
_HIGHLIGHTED = pg.mkBrush("#2ca02c")
_UNSTABLE = pg.mkBrush("#d62728")  # words the stability runs disagree on (Analyse > Stability)
_BEFORE = pg.mkBrush(150, 150, 150, 110)
_LABEL_COLOURS = {False: QColor("#333"), True: QColor("#000")}  # plain, emphasised
_MARK_SIZES = {"featured": 8.0, "unstable": 10.0, "highlighted": 11.0, "selected": 13.0}  # plain points are 8
_BEFORE_MARK_SIZES = {"highlighted": 9.0, "selected": 10.0}  # plain points are 7 in the before plot
_TRAIL_COLOURS = ["#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#d62728", "#7f7f7f"]


class EmbeddingView(QWidget):
    """The ``embeddingPlot`` scatter with its labels, trails, and the before/after comparison."""

    projectionRequested = Signal(str)  # the user picked "pca" or "tsne"
    wordClicked = Signal(str)  # a plain click on a word: show its neighbours (as the Embedding Projector does)
    tsneCancelRequested = Signal()

    def __init__(self, session: Session, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.frame: Frame | None = None  # what is drawn: the session's frame less the ranks skipped
        self._source: Frame | None = None  # the session's frame
        self._shown_key: tuple = ()
        self.history: list[Frame] = []  # frames of the current run, for trails
        self._paths: dict[int, tuple[int, list]] = {}  # row -> (frames of history read, its positions)

        # up to a large vocabulary's size (a maximum of 10,000 silently cut a typed 12332 to 1233), and only
        # once the number is typed (Enter or leaving the box), not at each digit on the way
        self.word_count = QSpinBox(objectName="wordCountSpin", minimum=10, maximum=MAX_DRAWN, value=session.drawn_count,
                                   singleStep=50, keyboardTracking=False, groupSeparatorShown=True,
                                   toolTip="How many of the most frequent words to draw (Enter to apply).")
        self.all_words = QPushButton("All words", objectName="allWordsButton",
                                     toolTip="Draw every word of the vocabulary (labels thin out by zoom).")
        self.rank_from = QSpinBox(objectName="rankFromSpin", minimum=1, maximum=MAX_DRAWN, value=1,
                                  keyboardTracking=False, groupSeparatorShown=True, toolTip=(
                                      "Draw the words ranked from this one by frequency up to the Words count, "
                                      "skipping the commonest (function words). Searched words are always drawn."))
        self.label_count = QSpinBox(objectName="labelCountSpin", minimum=0, maximum=LABEL_POOL, value=80,
                                    singleStep=5, toolTip="How many words get a text label.")
        self.before_mode = QComboBox(objectName="beforeCombo", toolTip=(
            "Show the projection of the untrained model: on top of the current one, or next to it."))
        self.before_mode.addItems(BEFORE_MODES)
        self.trails_check = QCheckBox("Trails", objectName="trailsCheck", checked=True,
                                      toolTip="Draw the path each selected word travelled during training.")
        self.clear_button = QPushButton("Clear", objectName="clearSelectionButton",
                                        toolTip="Clear the selection and the highlighted words.")
        self.projection = QComboBox(objectName="projectionCombo", toolTip=(
            "PCA follows training live; t-SNE (slower, computed on demand) often separates groups better."))
        for key, text in PROJECTIONS.items():
            self.projection.addItem(text, key)
        self.tsne_busy = QProgressBar(objectName="tsneBusy", minimum=0, maximum=0, textVisible=False)
        self.tsne_busy.setFixedWidth(120)
        self.tsne_cancel = QPushButton("Cancel", objectName="tsneCancelButton", toolTip="Stop computing t-SNE.")
        self.colour_mode = QComboBox(objectName="colourCombo", toolTip=(
            "Colour the words by how often they occur (darker: more frequent), by cluster (k-means on their "
            "vectors), or all alike."))
        self.colour_mode.addItems(COLOUR_MODES)
        self.colour_legend = QLabel(objectName="colourLegend", wordWrap=True)
        # it wraps in the room the row has: eight cluster names must not widen the window past the screen
        self.colour_legend.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.colour_legend.setMinimumWidth(0)
        self.colour_legend.hide()
        toolbar = QHBoxLayout()
        for widget in (QLabel("Words"), self.word_count, QLabel("Labels"), self.label_count,
                       QLabel("Before", toolTip="The untrained model's projection"), self.before_mode,
                       self.trails_check, self.projection):
            toolbar.addWidget(widget)
        toolbar.addStretch(1)
        toolbar.addWidget(self.clear_button)
        # a second row, shown only while t-SNE is computed (so the toolbar stays narrow)
        self.tsne_row = QWidget(objectName="tsneRow")
        row = QHBoxLayout(self.tsne_row)
        row.setContentsMargins(0, 0, 0, 0)
        self.tsne_label = QLabel("Computing t-SNE of the words in view…", objectName="tsneLabel")
        row.addWidget(self.tsne_label)
        row.addWidget(self.tsne_busy)
        row.addWidget(self.tsne_cancel)
        row.addStretch(1)
        self.tsne_row.hide()

        self.plot = named_plot("embeddingPlot")
        self.before_plot = named_plot("beforePlot")
        for plot, title in ((self.plot, "Embedding (2D PCA)"), (self.before_plot, "Before training")):
            plot.setBackground("w")
            plot.setTitle(title, color="#333", size="11pt")
            plot.setAspectLocked(True)
            plot.getViewBox().setDefaultPadding(0.08)  # room for the labels of the outermost words
            plot.hideAxis("left")
            plot.hideAxis("bottom")
        self.before_plot.hide()
        self.splitter = splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.before_plot)
        splitter.addWidget(self.plot)

        self.before_overlay = pg.ScatterPlotItem(size=6, pen=None, brush=_BEFORE, hoverable=True, tip=word_tip)
        self.before_overlay.setZValue(-5)
        self.before_overlay.hide()
        self.plot.addItem(self.before_overlay)
        self.before_scatter = pg.ScatterPlotItem(size=7, pen=None, brush=_PLAIN, hoverable=True, tip=word_tip)
        self.before_marks = Marks()
        self.before_plot.addItem(self.before_scatter)
        self.before_plot.addItem(self.before_marks)

        self.trails = [pg.PlotCurveItem(pen=pg.mkPen(_TRAIL_COLOURS[i % len(_TRAIL_COLOURS)], width=2))
                       for i in range(TRAIL_POOL)]
        for trail in self.trails:
            trail.setZValue(-1)
            self.plot.addItem(trail, ignoreBounds=True)  # a trail's far start must not shrink the map
        # every drawn word in one plain style (so a new frame only moves them), and the few words in
        # another style (featured, highlighted, selected) drawn again on top by a small second item
        self.scatter = MovingScatter(size=8, pen=_PLAIN_PEN, brush=_PLAIN, hoverable=True,
                                     tip=word_tip)
        self.marks = Marks()
        self.plot.addItem(self.scatter)
        self.plot.addItem(self.marks)
        self._drawn_words: list[str] = []  # the words self.scatter holds, in order
        self._keep_words: set[str] = set()  # the query and its answers: labelled whatever the crowd
        self._dimmed = False  # a query is shown: the other words are greyed
        self._style_state: tuple = ()  # (greyed, colour mode, words version) the points were last styled for
        self._words_version = 0
        self._clusters: tuple[tuple, Clusters] | None = None  # (what they were computed for, the groups)
        self._clusters_wanted: tuple | None = None  # the key of the k-means being computed
        self._hover_at = None  # scene position of the mouse over the scatter, to hover again after a new frame
        self._where: dict[str, int] = {}  # word -> its row in self._drawn_words
        self._before_drawn: tuple = ()  # what the before views last drew (they change rarely)
        font = QFont()
        font.setPointSize(9)
        bold = QFont(font)
        bold.setBold(True)
        self._fonts = (font, bold)
        self._metrics = QFontMetrics(bold)
        # Plain Qt text items that ignore the view's scaling: Qt places them in C++ when the view
        # zooms or rescales, where a pyqtgraph TextItem runs Python per label each time.
        self.labels = [WordLabel(QFontMetrics(font).height()) for _ in range(LABEL_POOL)]
        self._label_state: list[tuple[str, bool] | None] = [None] * LABEL_POOL  # skip redundant updates
        for label in self.labels:
            label.setFont(font)
            label.setBrush(_LABEL_COLOURS[False])
            label.setZValue(5)
            label.hide()
            self.plot.addItem(label, ignoreBounds=True)
        self.hover_label = HoverTip(bold)
        self.hover_label.hide()
        self.plot.addItem(self.hover_label, ignoreBounds=True)
        # the word under the mouse, drawn above everything (a hover style on the scatter would sit under
        # the marks of selected and highlighted words)
        self.hover_point = Marks(size=12, pen=pg.mkPen("w"), brush=pg.mkBrush("#d62728"))
        self.hover_point.setZValue(9)
        self.hover_point.hide()
        self.plot.addItem(self.hover_point, ignoreBounds=True)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(toolbar)
        colour_row = QHBoxLayout()  # a row of its own: the toolbar above fills the map's width at 1400 px
        for widget in (QLabel("From rank"), self.rank_from, self.all_words, QLabel("Colour"), self.colour_mode,
                       self.colour_legend):
            colour_row.addWidget(widget)
        colour_row.setStretch(colour_row.count() - 1, 10)  # the legend, shown, takes nearly all the rest
        colour_row.addStretch(1)  # hidden, the row stays packed to the left
        layout.addLayout(colour_row)
        layout.addWidget(self.tsne_row)
        layout.addWidget(splitter, 1)

        # throttled, not postponed: a long drag relabels as it goes, at most every RELABEL_EVERY ms
        self._relabel_timer = QTimer(self, singleShot=True, interval=RELABEL_EVERY)
        self._relabel_timer.timeout.connect(self._relabel)
        self.plot.getViewBox().sigRangeChanged.connect(
            lambda *_: None if self._relabel_timer.isActive() else self._relabel_timer.start())
        self.scatter.sigClicked.connect(self._clicked)
        self.scatter.sigHovered.connect(self._hovered)
        self.word_count.valueChanged.connect(session.set_drawn_count)
        self.all_words.clicked.connect(self._draw_all_words)
        self.rank_from.valueChanged.connect(lambda _: self.redraw())
        for changed in (session.corpusChanged, session.modelChanged):
            changed.connect(lambda *_: self._follow_vocabulary())
        session.drawnCountChanged.connect(self.word_count.setValue)  # no loop: the session ignores no-ops
        session.projectionChanged.connect(self._show_projection)
        self.label_count.valueChanged.connect(lambda _: self.redraw())
        self.before_mode.currentIndexChanged.connect(lambda _: self._show_before())
        self.trails_check.toggled.connect(lambda _: self._draw_trails())
        self.colour_mode.currentIndexChanged.connect(lambda _: self.redraw())
        self.clear_button.clicked.connect(lambda: (session.select([]), session.highlight([])))
        self.projection.currentIndexChanged.connect(lambda _: self.projectionRequested.emit(self.projection_mode()))
        self.tsne_cancel.clicked.connect(self.tsneCancelRequested)
        session.frameChanged.connect(self.show_frame)
        session.beforeFrameChanged.connect(self._before_changed)
        for changed in (session.corpusChanged, session.modelChanged, session.trainingChanged):
            changed.connect(lambda *_: self._show_title())
        session.selectionChanged.connect(lambda _: self.redraw())
        session.highlightChanged.connect(lambda _: self.redraw())
        session.stabilityChanged.connect(lambda _: self.redraw())

    # -- frames
    def _set_history(self, frames: list[Frame]) -> None:
        self.history = frames
        self._paths = {}

    # -- projection
    def projection_mode(self) -> str:
        return str(self.projection.currentData())

    def _show_projection(self, mode: str) -> None:
        """Show ``mode`` in the chooser without asking for it again."""
        self.projection.blockSignals(True)
        self.projection.setCurrentIndex(list(PROJECTIONS).index(mode))
        self.projection.blockSignals(False)

    def set_tsne_busy(self, busy: bool, what: str = "Computing t-SNE of the words in view…") -> None:
        self.tsne_label.setText(what)
        self.tsne_row.setVisible(busy)

    def _draw_all_words(self) -> None:
        """The Words box set to the vocabulary's size (its maximum when no vocabulary is known)."""
        words = self.session.vocabulary()
        self.word_count.setValue(len(words) if words else self.word_count.maximum())

    def _follow_vocabulary(self) -> None:
        """The Words box reaches the whole vocabulary (All), however large."""
        words = self.session.vocabulary()
        self.word_count.setMaximum(max(MAX_DRAWN, len(words)))
        self.rank_from.setMaximum(max(MAX_DRAWN, len(words)))
        self.all_words.setToolTip(f"Draw all {len(words):,} words of the vocabulary (labels thin out by zoom)."
                                  if words else "Draw every word of the vocabulary (labels thin out by zoom).")

    def _shown(self, frame: Frame | None) -> Frame | None:
        """``frame`` without the words ranked before From rank (rows are ranks: the vocabulary is sorted by
        count), except the searched, selected and highlighted words."""
        first = self.rank_from.value()
        query = set(self.session.selection) | set(self.session.highlighted)
        key = (id(frame), first, tuple(sorted(query)) if first > 1 else ())
        if frame is None or first <= 1:
            self._shown_key = key
            return frame
        if key == self._shown_key and self.frame is not None:
            return self.frame
        keep = np.asarray(frame.ids) >= first - 1
        if query:
            keep |= np.fromiter((w in query for w in frame.words), dtype=bool, count=len(frame))
        rows = np.flatnonzero(keep)
        self._shown_key = key
        return frame.replace(ids=frame.ids[rows], words=[frame.words[k] for k in rows.tolist()],
                             counts=frame.counts[rows], coords=frame.coords[rows])

    def show_frame(self, frame: Frame) -> None:
        if frame.before:
            self._set_history([])
        self._source = frame
        self.frame = self._shown(frame)
        mode = frame.projection
        self._show_title()
        if mode == "pca" and not (self.history and self.history[-1] is frame):  # t-SNE frames make no trails
            self.history.append(frame)
        if len(self.history) > MAX_TRAIL_FRAMES:  # keep the start, thin the middle
            self._set_history(self.history[:1] + self.history[2::2])
        self.redraw()

    def _show_title(self) -> None:
        """The projection, and whose words these are (the session's model_title)."""
        mode = self.frame.projection if self.frame is not None else "pca"
        subject = self.session.model_title()
        if self.frame is not None and self.frame.before and not self.session.training:
            subject = f"untrained, {self.session.source.title()}"
        title = TITLES.get(mode, TITLES["pca"]) + (f" · {subject}" if subject else "")
        self.plot.setTitle(title, color="#333", size="11pt")

    def redraw(self) -> None:
        frame = self.frame = self._shown(self._source)
        if frame is None:
            self.scatter.setData([])
            self.marks.setData([])
            self._drawn_words, self._where = [], {}
            self._words_version += 1
            return
        if frame.words == self._drawn_words:  # the same words moved: the usual case while training
            self.scatter.move_points(frame.coords)
        else:
            self.scatter.setData(pos=frame.coords, data=frame.words)
            self._drawn_words, self._where = frame.words, {w: k for k, w in enumerate(frame.words)}
            self._words_version += 1  # setData gave the new points the default style: style them again
        self._dim_outside_query()
        self._draw_marks(self.marks, frame.coords, self._where, _MARK_SIZES)
        self._draw_trails()
        fit_now(self.plot)  # everything that counts for the range is in place: fit once
        selected, highlighted = set(self.session.selection), set(self.session.highlighted)
        self._draw_labels(frame, selected, highlighted)  # laid out for the range just set, so the
        self._relabel_timer.stop()  # relabel that range change asked for would only repeat it
        self._show_before()
        self._hover_again()

    def _dim_outside_query(self) -> None:
        """While a query's answer is highlighted, grey the other words so that it stands out; else colour
        them as the Colour box says. Restyling every point costs: only when that changes, not per frame."""
        dim = bool(self.session.highlighted)
        mode = self.colour_mode.currentText()
        state = (dim, mode, self._words_version)
        if state == self._style_state:
            return
        self._style_state = state
        self._dimmed = dim
        self.scatter.setPen(_DIMMED_PEN if dim else _PLAIN_PEN, update=False)
        n = len(self._drawn_words)
        clusters = self._drawn_clusters() if mode == "Cluster" and n and not dim else None
        if dim or mode == "Plain" or not n or (mode == "Cluster" and clusters is None):
            self.scatter.setBrush([_DIMMED if dim else _PLAIN] * n)
        elif mode == "Cluster":
            brushes = [pg.mkBrush(QColor(c).red(), QColor(c).green(), QColor(c).blue(), 190) for c in _CLUSTER_COLOURS]
            self.scatter.setBrush([brushes[g % len(brushes)] for g in clusters.labels.tolist()])
        else:
            self.scatter.setBrush(self._frequency_brushes())
        if mode == "Cluster":
            self._show_cluster_legend(clusters, n)
        else:
            self._show_colour_legend(mode == "Frequency" and n > 0)

    def _cluster_key(self) -> tuple | None:
        """What k-means would run on: the model's vectors of the drawn words (None if they are not the model's)."""
        model, frame = self.session.model, self.frame
        if model is None or frame is None or frame.before or not frame.shows(frame.ids, model.words):
            return None
        return (id(model), self._words_version)

    def _drawn_clusters(self) -> Clusters | None:
        """The drawn words' clusters if known; else start computing them off the UI thread (None meanwhile)."""
        key = self._cluster_key()
        if key is None:
            return None
        if self._clusters is not None and self._clusters[0] == key:
            return self._clusters[1]
        if self._clusters_wanted != key:
            self._clusters_wanted = key
            vectors, frame = self.session.model.vectors, self.frame

            def done(clusters: Clusters) -> None:
                if self._clusters_wanted == key:
                    self._clusters_wanted = None
                    self._clusters = (key, clusters)
                    self._style_state = ()  # restyle now that the groups are known
                    self._dim_outside_query()

            def failed(message: str) -> None:
                self._clusters_wanted = None
                self.colour_legend.setText(f"Clusters failed: {message}")

            run_in_background(lambda: cluster_words(vectors[frame.ids], frame.words, frame.counts),
                              done, failed, owner=self)
        return None

    def _show_cluster_legend(self, clusters: Clusters | None, n: int) -> None:
        """A swatch per cluster, named by its most frequent words."""
        legend = self.colour_legend
        legend.setStyleSheet("")
        legend.setVisible(n > 0)
        if clusters is None:
            legend.setText("Finding clusters…" if self._cluster_key() is not None else
                           "Clusters need a trained model's vectors.")
            legend.setToolTip("")
            return
        legend.setText("&nbsp; ".join(  # a breaking space between groups, so the legend can wrap
            f"<span style='color:{_CLUSTER_COLOURS[g % len(_CLUSTER_COLOURS)]}'>&#9632;</span>&nbsp;{'/'.join(names[:2])}"
            for g, names in enumerate(clusters.names)))
        legend.setToolTip("k-means on the words' unit vectors; each group named by its most frequent words:\n"
                          + "\n".join(f"{g + 1}: {', '.join(names)}" for g, names in enumerate(clusters.names)))

    def _frequency_brushes(self) -> list:
        """A brush per drawn word from its count, on a log scale between the rarest and the most frequent."""
        counts = np.log(np.maximum(np.asarray(self.frame.counts, dtype=np.float64), 1.0))
        low, high = float(counts.min()), float(counts.max())
        shares = (counts - low) / (high - low) if high > low else np.full(len(counts), 0.5)
        colours = _frequency_colour(shares)
        return [pg.mkBrush(c) for c in colours]

    def _show_colour_legend(self, shown: bool) -> None:
        self.colour_legend.setVisible(shown)
        if shown:
            counts = np.asarray(self.frame.counts)
            stops = ", ".join(f"stop:{k / 4:.2f} {_frequency_colour(k / 4).name()}" for k in range(5))
            self.colour_legend.setText(f"<span style='background:white'>&nbsp;{int(counts.min()):,}&nbsp;</span>"
                                       f"{'&nbsp;' * 28}"
                                       f"<span style='background:white'>&nbsp;{int(counts.max()):,} uses&nbsp;</span>")
            self.colour_legend.setStyleSheet(f"background: qlineargradient(x1:0, y1:0, x2:1, y2:0, {stops});"
                                             "border: 1px solid #999; padding: 1px;")
            self.colour_legend.setToolTip("Occurrences in the corpus, on a log scale: rare (bright) to frequent (dark).")

    def _draw_marks(self, item: pg.ScatterPlotItem, coords: np.ndarray, where: dict[str, int],
                    sizes: dict[str, float]) -> None:
        """Draw the featured, highlighted and selected words among ``where`` again, in their own style."""
        styles: dict[int, tuple[int, QBrush, float]] = {}
        for rank, (group, brush, kind) in enumerate(((self.session.featured, _FEATURED, "featured"),
                                                     (self.session.flagged, _UNSTABLE, "unstable"),
                                                     (self.session.highlighted, _HIGHLIGHTED, "highlighted"),
                                                     (self.session.selection, _SELECTED, "selected"))):
            if kind == "featured" and (self._dimmed or self.colour_mode.currentText() != "Plain"):
                continue  # greyed with the rest while a query is shown, coloured with the rest by frequency
            if kind in sizes:  # a later group restyles a word of an earlier one, and draws it on top
                styles.update((where[w], (rank, brush, sizes[kind])) for w in group if w in where)
        order = sorted(styles, key=lambda row: styles[row][0])
        item.setData(pos=coords[np.asarray(order, dtype=np.int64)].reshape(-1, 2),
                     brush=[styles[row][1] for row in order], size=[styles[row][2] for row in order])

    def _label_rows(self, frame: Frame, selected: set[str], highlighted: set[str]) -> tuple[list[int], np.ndarray]:
        """The rows that always get a label (the selection, then the highlighted words), and the candidates
        for the others: the demo's planted words, else every word in view, most frequent first."""
        where = self._where
        wanted = [w for w in self.session.selection if w in where]
        wanted += [w for w in self.session.highlighted if w in where and w not in selected]
        keep = [where[w] for w in dict.fromkeys(wanted)]
        featured = [where[w] for w in self.session.featured if w in where]
        if featured:
            return keep, np.asarray(featured[:self.label_count.value()], dtype=np.int64)
        (x0, x1), (y0, y1) = self.plot.getViewBox().viewRange()
        xy = frame.coords
        inside = (xy[:, 0] >= x0) & (xy[:, 0] <= x1) & (xy[:, 1] >= y0) & (xy[:, 1] <= y1)
        rows = np.flatnonzero(inside)  # frames list the words most frequent first (searched ones at the end)
        return keep, rows[np.argsort(-np.asarray(frame.counts)[rows], kind="stable")][:LABEL_TRIES]

    def _relabel(self) -> None:
        """The view was zoomed or panned: labels that collided may fit now, and the reverse."""
        if self.frame is not None:
            self._draw_labels(self.frame, set(self.session.selection), set(self.session.highlighted))

    def _without_collisions(self, frame: Frame, keep: list[int], candidates: np.ndarray,
                            budget: int) -> list[tuple[int, tuple]]:
        """(row, offset in pixels) of the labels to draw: the ``keep`` rows (the query and its answers)
        always, moved above, below or to the left of their point when beside it is taken; then up to
        ``budget`` candidates, in order, each only if its box overlaps no label placed before it.

        Boxes are marked on a grid of LABEL_CELL-pixel cells over the view, so each test is one NumPy
        slice, whatever the number of labels already placed."""
        h = float(self._metrics.height())
        beside = (5.0, -h / 2)
        view = self.plot.getViewBox()
        size = view.viewPixelSize()
        if not size or not all(np.isfinite(size)) or min(size) <= 0:
            return [(row, beside) for row in keep] + [(int(row), beside) for row in candidates[:budget]]
        px, py = size
        (x0, x1), (y0, y1) = view.viewRange()
        cols, lines = int((x1 - x0) / px / LABEL_CELL) + 2, int((y1 - y0) / py / LABEL_CELL) + 2
        taken = np.zeros((lines, cols), dtype=bool)
        chosen: list[tuple[int, tuple]] = []

        def cells(row: int, dx: float, dy: float, w: float) -> tuple[slice, slice] | None:
            """The grid cells of a label's box (screen pixels, y down); None if wholly out of the view."""
            left = (float(frame.coords[row, 0]) - x0) / px + dx
            top = (y1 - float(frame.coords[row, 1])) / py + dy
            c0, c1 = max(int(left // LABEL_CELL), 0), min(int(-(-(left + w) // LABEL_CELL)), cols)
            r0, r1 = max(int(top // LABEL_CELL), 0), min(int(-(-(top + h) // LABEL_CELL)), lines)
            return (slice(r0, r1), slice(c0, c1)) if c0 < c1 and r0 < r1 else None

        for row in keep:
            word = frame.words[row]
            w = self._metrics.horizontalAdvance(word) + 8.0
            spots = [beside] + [(dx, -h / 2 + k * h) for k in (-1, 1, 0, -2, 2, -3, 3, -4, 4)
                                for dx in (5.0, -w - 3) if (dx, k) != (5.0, 0)]
            for dx, dy in spots:
                box = cells(row, dx, dy, w)
                if box is None or not taken[box].any():
                    break
            else:
                dx, dy = beside  # nowhere free: beside it all the same
                box = cells(row, dx, dy, w)
            if box is not None:
                taken[box] = True
            chosen.append((row, (dx, dy)))
        placed = 0
        for row in candidates.tolist():
            if placed >= budget or len(chosen) >= LABEL_POOL:
                break
            word = frame.words[row]
            if word in self._keep_words:
                continue
            box = cells(row, *beside, self._metrics.horizontalAdvance(word) + 8.0)
            if box is None or taken[box].any():
                continue
            taken[box] = True
            chosen.append((row, beside))
            placed += 1
        return chosen

    def _draw_labels(self, frame: Frame, selected: set[str], highlighted: set[str]) -> None:
        keep, candidates = self._label_rows(frame, selected, highlighted)
        self._keep_words = selected | highlighted
        placed = self._without_collisions(frame, keep, candidates, self.label_count.value())
        font, bold = self._fonts
        for k, (label, (row, offset)) in enumerate(zip(self.labels, placed)):
            label.set_offset(*offset)
            word = frame.words[row]
            emphasis = word in selected or word in highlighted
            state = self._label_state[k]
            if state != (word, emphasis):
                label.setText(word)
                label.setBrush(_LABEL_COLOURS[emphasis])
                if emphasis != (state[1] if state else False):  # labels start in the plain font
                    label.setFont(bold if emphasis else font)
                self._label_state[k] = (word, emphasis)
            label.setPos(float(frame.coords[row, 0]), float(frame.coords[row, 1]))
            label.setZValue(6 if word in selected else 5)  # the query's own label above its answers' 
            if not label.isVisible():
                label.show()
        for label in self.labels[len(placed):]:
            if label.isVisible():
                label.hide()

    def _draw_trails(self) -> None:
        live = self.frame is None or self.frame.projection == "pca"
        words = self.session.selection if self.trails_check.isChecked() and live else []
        shown = 0
        for word in words[:TRAIL_POOL]:
            row = self._where.get(word)
            xy = self._path(int(self.frame.ids[row])) if row is not None else np.empty((0, 2))
            if len(xy) >= 2:
                self.trails[shown].setData(xy[:, 0], xy[:, 1])
                self.trails[shown].show()
                shown += 1
        for trail in self.trails[shown:]:
            trail.hide()

    def _path(self, row: int) -> np.ndarray:
        """Where vocabulary row ``row`` was in each frame of the run that drew it: (frames, 2).

        Frames draw the most frequent rows first, in order, so row ``i`` is usually at index ``i``;
        only searched words that joined later need a search. Frames already read are not read again.
        """
        read, points = self._paths.get(row, (0, []))
        for f in self.history[read:]:
            ids = f.ids
            if row < len(ids) and ids[row] == row:
                points.append(f.coords[row])
            else:
                at = np.flatnonzero(ids == row)
                if len(at):
                    points.append(f.coords[at[0]])
        self._paths[row] = (len(self.history), points)
        return np.asarray(points, dtype=np.float32).reshape(-1, 2)

    # -- before / after
    def _before_changed(self, frame: Frame | None) -> None:
        if frame is None:  # a new run, or another model: the previous trails mean nothing now
            self._set_history([])
            for item in (self.before_overlay, self.before_scatter, self.before_marks):
                item.setData([])
        self._before_drawn = ()
        self._show_before()

    def _show_before(self) -> None:
        mode = self.before_mode.currentText()
        before = self.session.before_frame
        self.before_overlay.setVisible(mode == "Overlay" and before is not None)
        side_by_side = mode == "Side by side"
        if side_by_side and not self.before_plot.isVisible():  # open it at half the width, not a sliver
            self.before_plot.setVisible(True)
            half = max(self.splitter.width() // 2, 100)
            self.splitter.setSizes([half, half])
        self.before_plot.setVisible(side_by_side)
        shown = (id(before), mode) if mode != "Side by side" else \
            (id(before), mode, tuple(self.session.selection), tuple(self.session.highlighted))
        if before is None or shown == self._before_drawn:  # the before frame is fixed for a whole run
            return
        self._before_drawn = shown
        if mode == "Overlay":
            self.before_overlay.setData(pos=before.coords, data=before.words)
        elif mode == "Side by side":
            self.before_scatter.setData(pos=before.coords, data=before.words)
            where = {w: k for k, w in enumerate(before.words)}
            self._draw_marks(self.before_marks, before.coords, where, _BEFORE_MARK_SIZES)

    # -- interaction
    def _clicked(self, item, points, event) -> None:
        if len(points) == 0:
            return
        word = str(points[0].data())
        additive = bool(event.modifiers() & Qt.KeyboardModifier.ControlModifier) if event is not None else False
        if additive:
            self.session.toggle_selected(word)
        else:
            self.session.select([word])
            self.wordClicked.emit(word)

    def _hovered(self, item, points, event) -> None:
        if event is not None:
            self._hover_at = None if event.isExit() else event.scenePos()
        if len(points):
            point = points[0]
            self.hover_label.show_word(str(point.data()), point.pos().x(), point.pos().y())
            self.hover_point.setData(pos=[(point.pos().x(), point.pos().y())])
            self.hover_point.show()
        else:
            self.hover_label.hide()
            self.hover_point.hide()

    def _hover_again(self) -> None:
        """Points moved under a still mouse (a new frame, a t-SNE layout): name the word now under it,
        not the one that was there (pyqtgraph hovers again only when the mouse moves)."""
        if self._hover_at is None or not self.hover_label.isVisible():
            return
        points = self.scatter.pointsAt(self.scatter.mapFromScene(self._hover_at))
        self._hovered(self.scatter, points, None)
        view = self.plot.getViewBox()
        if view.toolTip():  # pyqtgraph's own tooltip names the hovered words too
            view.setToolTip("\n\n".join(str(p.data()) for p in points[:3]))

    # -- for the window and tests
    def point_count(self) -> int:
        return len(self.scatter.data)

    def drawn_words(self) -> list[str]:
        return list(self.frame.words) if self.frame is not None else []

    def labelled_words(self) -> list[str]:
        return [label.text() for label in self.labels if label.isVisible()]
