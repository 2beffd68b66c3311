"""The live 2D map of the embedding: the most frequent words plus any searched or selected ones.

Frames arrive already projected and aligned (see ``core.maps.frame``); this view only moves items. A
readable subset of the words is labelled, chosen and placed by ``core.maps.labels``. Hover shows a word,
a click selects it (Ctrl-click adds to the selection), and selected words can show the trail they
travelled while training. The projection of the untrained model — the article's "before" — can be
overlaid on the current one or shown next to it. Colour by cluster shows the groups it is given: it asks
with ``clustersWanted`` and the map's controller answers with ``set_clusters``.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QBrush
from PySide6.QtWidgets import QSplitter, QVBoxLayout, QWidget

from embedding_studio.core.maps.clusters import Clusters
from embedding_studio.core.maps.frame import Frame
from embedding_studio.core.maps.labels import Placed, label_candidates, place_labels, screen_points
from embedding_studio.core.text.stopwords import content_rows

from ..session import Session
from .map_colours import (DIMMED, DIMMED_PEN, PLAIN, PLAIN_PEN, cluster_brushes, cluster_legend, frequency_brushes,
                          frequency_colour)
from .map_items import HoverTip, Marks, word_tip
from .map_labels import LABEL_POOL, LabelPool
from .map_toolbar import PROJECTIONS, MapToolbar
from .map_trails import TRAIL_POOL, Trails
from .moving_scatter import MovingScatter
from .plots import FittedTitle, fit_now, named_plot

MAX_DRAWN = 100_000  # the Words box's maximum without a vocabulary; a larger one raises it (All)
LABEL_TRIES = 5_000  # candidates looked at per layout: enough to fill the view, bounded at 100,000 words
DIMMED_LEGEND = "Greyed around the search: Clear shows the colours again."
RELABEL_EVERY = 40  # ms: while zooming or panning, lay the labels out again at most this often
TITLES = {"pca": "Embedding (2D PCA)", "tsne": "Embedding (t-SNE of the final model)",
          "umap": "Embedding (UMAP of the final model)"}

_FEATURED = pg.mkBrush(76, 114, 176, 230)
_SELECTED = pg.mkBrush("#ff7f0e")
_HIGHLIGHTED = pg.mkBrush("#2ca02c")
# words the stability runs disagree on (Analyse > Stability): a red ring, so that the colour by frequency or
# cluster shows through it (a red dot hid it, and with few epochs nearly every word is unstable)
_UNSTABLE = pg.mkBrush(0, 0, 0, 0)
_UNSTABLE_PEN = pg.mkPen("#d62728", width=2)
_MARK_PEN = pg.mkPen(255, 255, 255, 160)
_BEFORE = pg.mkBrush(150, 150, 150, 110)
_MARK_SIZES = {"featured": 8.0, "unstable": 10.0, "highlighted": 11.0, "selected": 13.0}  # plain points are 8
_BEFORE_MARK_SIZES = {"highlighted": 9.0, "selected": 10.0}  # plain points are 7 in the before plot


class EmbeddingView(QWidget):
    """The ``embeddingPlot`` scatter with its labels, trails, and the before/after comparison."""

    projectionRequested = Signal(str)  # the user picked "pca" or "tsne"
    wordClicked = Signal(str)  # a plain click on a word: show its neighbours (as the Embedding Projector does)
    tsneCancelRequested = Signal()
    clustersWanted = Signal(object)  # Colour is Cluster, and the groups of the drawn words (this Frame) are unknown
    functionWordsWanted = Signal(bool)  # the Hide function words box was ticked (True) or cleared
    functionWordsEditRequested = Signal()  # the "Edit…" button beside it

    def __init__(self, session: Session, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.frame: Frame | None = None  # what is drawn: the session's frame less the ranks skipped
        self._source: Frame | None = None  # the session's frame
        self._shown_key: tuple = ()
        self._drawn_words: list[str] = []  # the words self.scatter holds, in order
        self._where: dict[str, int] = {}  # word -> its row in self._drawn_words
        self._words_version = 0  # counts the changes of self._drawn_words
        self._dimmed = False  # a query is shown: the other words are greyed
        self._style_state: tuple = ()  # (greyed, colour mode, words version) the points were last styled for
        self._clusters: tuple[int, Clusters | str] | None = None  # (words version, the groups or why none)
        self._clusters_asked: tuple[int, Frame] | None = None  # (words version, frame) clustersWanted was sent for
        self._hover_at = None  # scene position of the mouse over the scatter, to hover again after a new frame
        self._before_drawn: tuple = ()  # what the before views last drew (they change rarely)
        self._build_toolbar()
        self._build_plots()
        self._build_items()
        self._lay_out()
        self._connect()

    # -- building
    def _build_toolbar(self) -> None:
        """The boxes above the map, under the names the window and the tests know them by."""
        bar = self.toolbar = MapToolbar(self.session.drawn_count, MAX_DRAWN, LABEL_POOL)
        self.word_count, self.all_words, self.rank_from, self.label_count = \
            bar.word_count, bar.all_words, bar.rank_from, bar.label_count
        self.before_mode, self.trails_check, self.clear_button, self.projection = \
            bar.before_mode, bar.trails_check, bar.clear_button, bar.projection
        self.hide_function_words, self.function_words_button = bar.hide_function_words, bar.function_words_button
        self.colour_mode, self.colour_legend, self.tsne_cancel = bar.colour_mode, bar.colour_legend, bar.tsne_cancel

    def _build_plots(self) -> None:
        """The map, and the untrained model's map beside it (hidden unless Before is Side by side)."""
        self.plot = named_plot("embeddingPlot")
        self.before_plot = named_plot("beforePlot")
        for plot, title in ((self.plot, "Embedding (2D PCA)"), (self.before_plot, "Before training")):
            plot.setBackground("w")
            plot.setTitle(title, color="#333", size="11pt")
            plot.setAspectLocked(True)
            plot.getViewBox().setDefaultPadding(0.08)  # room for the labels of the outermost words
            plot.hideAxis("left")
            plot.hideAxis("bottom")
        self._title_mode = "pca"
        self.title = FittedTitle(self.plot, lambda subject, wrapped: TITLES.get(self._title_mode, TITLES["pca"])
                                 + (("<br>" if wrapped else " · ") + subject if subject else ""),
                                 color="#333", size="11pt")
        self.plot.export_caption = self.colour_caption  # an exported image carries the colour legend
        self.before_plot.hide()
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.before_plot)
        self.splitter.addWidget(self.plot)

    def _build_items(self) -> None:
        """What the plots draw: the before overlay, trails, points and their marks, labels, the hovered word."""
        self.before_overlay = pg.ScatterPlotItem(size=6, pen=None, brush=_BEFORE, hoverable=True, tip=word_tip)
        self.before_overlay.setZValue(-5)
        self.before_overlay.hide()
        self.plot.addItem(self.before_overlay)
        self.before_scatter = pg.ScatterPlotItem(size=7, pen=None, brush=PLAIN, hoverable=True, tip=word_tip)
        self.before_marks = Marks()
        self.before_plot.addItem(self.before_scatter)
        self.before_plot.addItem(self.before_marks)
        self.trail_pool = Trails(self.plot, TRAIL_POOL)
        self.trails = self.trail_pool.curves
        # every drawn word in one plain style (so a new frame only moves them), and the few words in
        # another style (featured, highlighted, selected) drawn again on top by a small second item
        self.scatter = MovingScatter(size=8, pen=PLAIN_PEN, brush=PLAIN, hoverable=True, tip=word_tip)
        self.marks = Marks()
        self.plot.addItem(self.scatter)
        self.plot.addItem(self.marks)
        self.label_pool = LabelPool(self.plot, LABEL_POOL)
        self.labels = self.label_pool.labels
        self.hover_label = HoverTip(self.label_pool.fonts[1])
        self.hover_label.hide()
        self.plot.addItem(self.hover_label, ignoreBounds=True)
        # the word under the mouse, drawn above everything (a hover style on the scatter would sit under
        # the marks of selected and highlighted words)
        self.hover_point = Marks(size=12, pen=pg.mkPen("w"), brush=pg.mkBrush("#d62728"))
        self.hover_point.setZValue(9)
        self.hover_point.hide()
        self.plot.addItem(self.hover_point, ignoreBounds=True)

    def _lay_out(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.toolbar)
        layout.addWidget(self.splitter, 1)

    def _connect(self) -> None:
        session = self.session
        # throttled, not postponed: a long drag relabels as it goes, at most every RELABEL_EVERY ms
        self._relabel_timer = QTimer(self, singleShot=True, interval=RELABEL_EVERY)
        self._relabel_timer.timeout.connect(self._relabel)
        self.plot.getViewBox().sigRangeChanged.connect(
            lambda *_: None if self._relabel_timer.isActive() else self._relabel_timer.start())
        self.scatter.sigClicked.connect(self._clicked)
        self.plot.scene().sigMouseClicked.connect(self._label_clicked)
        self.scatter.sigHovered.connect(self._hovered)
        self.word_count.valueChanged.connect(session.set_drawn_count)
        self.all_words.clicked.connect(self._draw_all_words)
        for changed in (self.rank_from.valueChanged, self.label_count.valueChanged,
                        self.colour_mode.currentIndexChanged):
            changed.connect(lambda _: self.redraw())
        self.before_mode.currentIndexChanged.connect(lambda _: self._show_before())
        self.trails_check.toggled.connect(lambda _: self._draw_trails())
        self.hide_function_words.toggled.connect(self.functionWordsWanted)
        self.function_words_button.clicked.connect(self.functionWordsEditRequested)
        session.hiddenWordsChanged.connect(self._hidden_words_changed)
        self.clear_button.clicked.connect(session.clear_marks)
        self.projection.currentIndexChanged.connect(lambda _: self.projectionRequested.emit(self.projection_mode()))
        self.tsne_cancel.clicked.connect(self.tsneCancelRequested)
        for changed in (session.corpusChanged, session.modelChanged):
            changed.connect(lambda *_: self._follow_vocabulary())
        session.drawnCountChanged.connect(self.word_count.setValue)  # no loop: the session ignores no-ops
        session.projectionChanged.connect(self._show_projection)
        session.frameChanged.connect(self.show_frame)
        session.beforeFrameChanged.connect(self._before_changed)
        for changed in (session.corpusChanged, session.modelChanged, session.trainingChanged,
                        session.snapshotChanged):
            changed.connect(lambda *_: self._show_title())
        session.snapshotChanged.connect(lambda _: self._draw_trails())
        for changed in (session.selectionChanged, session.highlightChanged, session.flaggedChanged):
            changed.connect(lambda _: self.redraw())

    # -- projection
    def projection_mode(self) -> str:
        return str(self.projection.currentData())

    def _show_projection(self, mode: str) -> None:
        """Show ``mode`` in the chooser without asking for it again."""
        self.projection.blockSignals(True)
        self.projection.setCurrentIndex(list(PROJECTIONS).index(mode))
        self.projection.blockSignals(False)

    def set_tsne_busy(self, busy: bool, what: str = "Computing t-SNE of the words in view…") -> None:
        self.toolbar.set_tsne_busy(busy, what)

    # -- the words drawn
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
        count) and without the hidden function words, except the searched, selected and highlighted words."""
        first = self.rank_from.value()
        hidden = self.session.hidden_words
        query = set(self.session.selection) | set(self.session.highlighted)
        filtering = first > 1 or bool(hidden)
        key = (id(frame), first, hidden, tuple(sorted(query)) if filtering else ())
        if frame is None or not filtering:
            self._shown_key = key
            return frame
        if key == self._shown_key and self.frame is not None:
            return self.frame
        keep = (np.asarray(frame.ids) >= first - 1) & content_rows(frame.words, hidden)
        if query:
            keep |= np.fromiter((w in query for w in frame.words), dtype=bool, count=len(frame))
        rows = np.flatnonzero(keep)
        self._shown_key = key
        return frame.replace(ids=frame.ids[rows], words=[frame.words[k] for k in rows.tolist()],
                             counts=frame.counts[rows], coords=frame.coords[rows])

    def show_frame(self, frame: Frame) -> None:
        if frame.before:
            self.trail_pool.clear()
        if self._source is not None and self._source.projection != frame.projection:
            self.plot.enableAutoRange()  # another projection's coordinates: fit them, whatever the zoom was
        self._source = frame
        self.frame = self._shown(frame)
        self._show_title()
        if frame.projection == "pca" and self.session.snapshot is None:  # t-SNE and snapshots make no trails
            self.trail_pool.add(frame)
        self.redraw()

    def _show_title(self) -> None:
        """The projection, and whose words these are (the session's model_title)."""
        mode = self.frame.projection if self.frame is not None else "pca"
        subject = self.session.model_title()
        if self.frame is not None and self.frame.before and not self.session.training:
            subject = f"untrained, {self.session.source.title()}"
        moment = self.session.snapshot_title()
        if moment:  # the timeline's slider shows another moment than now: say which
            subject = f"{moment} · {subject}" if subject else moment
        self._title_mode = mode
        self.title.set(subject)

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

    def _hidden_words_changed(self, hidden) -> None:
        """The function words shown or hidden: the box says so (without asking again), the map redraws."""
        self.hide_function_words.blockSignals(True)
        self.hide_function_words.setChecked(self.session.hide_function_words)
        self.hide_function_words.blockSignals(False)
        self.redraw()

    # -- colours
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
        self.scatter.setPen(DIMMED_PEN if dim else PLAIN_PEN, update=False)
        n = len(self._drawn_words)
        coloured = n > 0 and not dim
        clusters = self._drawn_clusters() if mode == "Cluster" and coloured else None
        if mode == "Cluster" and isinstance(clusters, Clusters):
            self.scatter.setBrush(cluster_brushes(clusters.labels))
        elif mode == "Frequency" and coloured:
            self.scatter.setBrush(frequency_brushes(self.frame.counts))
        else:
            self.scatter.setBrush([DIMMED if dim else PLAIN] * n)
        if mode == "Cluster":  # greyed around a query, nothing is being found: say so, never "Finding…"
            self.toolbar.show_cluster_legend(DIMMED_LEGEND if dim else clusters, n > 0)
        else:
            self.toolbar.show_frequency_legend(self.frame.counts if mode == "Frequency" and n else None)
        if mode == "Cluster" and coloured and clusters is None:
            self._ask_clusters()  # last: the answer may come at once, and restyle

    def colour_caption(self) -> str:
        """What the colours mean, for an exported image: the clusters' names or the counts' range ("" when
        all alike or greyed)."""
        mode = self.colour_mode.currentText()
        if self._dimmed or self.frame is None or not len(self.frame):
            return ""
        if mode == "Cluster":
            clusters = self._drawn_clusters()
            return cluster_legend(clusters)[0] if isinstance(clusters, Clusters) else ""
        if mode == "Frequency":
            counts = self.frame.counts
            return (f"Colour: occurrences, log scale, from {int(counts.min()):,} "
                    f"<span style='color:{frequency_colour(0).name()}'>&#9632;</span> to {int(counts.max()):,} "
                    f"<span style='color:{frequency_colour(1).name()}'>&#9632;</span>")
        return ""

    def _drawn_clusters(self) -> Clusters | str | None:
        """The groups of the drawn words if given, or why there are none; None while not known."""
        if self._clusters is not None and self._clusters[0] == self._words_version:
            return self._clusters[1]
        return None

    def _ask_clusters(self) -> None:
        if self._clusters_asked is None or self._clusters_asked[0] != self._words_version:
            self._clusters_asked = (self._words_version, self.frame)
            self.clustersWanted.emit(self.frame)

    def set_clusters(self, frame: Frame, clusters: Clusters | str) -> None:
        """The groups of the words of ``frame`` (as sent by ``clustersWanted``), or why there are none.
        An answer about words no longer drawn is dropped."""
        if self._clusters_asked is None or self._clusters_asked[1] is not frame:
            return
        self._clusters, self._clusters_asked = (self._clusters_asked[0], clusters), None
        self._style_state = ()  # restyle now that the groups are known
        self._dim_outside_query()

    def forget_clusters(self) -> None:
        """The groups given are stale (another model): ask again if they are shown."""
        self._clusters = self._clusters_asked = None
        if self.frame is not None and self.colour_mode.currentText() == "Cluster":
            self._style_state = ()
            self._dim_outside_query()

    def _draw_marks(self, item: pg.ScatterPlotItem, coords: np.ndarray, where: dict[str, int],
                    sizes: dict[str, float]) -> None:
        """Draw the featured, highlighted and selected words among ``where`` again, in their own style."""
        styles: dict[int, tuple[int, QBrush, float, object]] = {}
        for rank, (group, brush, kind) in enumerate(((self.session.featured, _FEATURED, "featured"),
                                                     (self.session.flagged, _UNSTABLE, "unstable"),
                                                     (self.session.highlighted, _HIGHLIGHTED, "highlighted"),
                                                     (self.session.selection, _SELECTED, "selected"))):
            if kind == "featured" and (self._dimmed or self.colour_mode.currentText() != "Plain"):
                continue  # greyed with the rest while a query is shown, coloured with the rest by frequency
            pen = _UNSTABLE_PEN if kind == "unstable" else _MARK_PEN
            if kind in sizes:  # a later group restyles a word of an earlier one, and draws it on top
                styles.update((where[w], (rank, brush, sizes[kind], pen)) for w in group if w in where)
        order = sorted(styles, key=lambda row: styles[row][0])
        item.setData(pos=coords[np.asarray(order, dtype=np.int64)].reshape(-1, 2),
                     brush=[styles[row][1] for row in order], size=[styles[row][2] for row in order],
                     pen=[styles[row][3] for row in order])

    # -- labels
    def _relabel(self) -> None:
        """The view was zoomed or panned: labels that collided may fit now, and the reverse."""
        if self.frame is not None:
            self._draw_labels(self.frame, set(self.session.selection), set(self.session.highlighted))

    def _place_labels(self, frame: Frame, selected: set[str], highlighted: set[str]) -> Placed:
        """(row, offset in pixels) of the labels to draw: the selection, then the highlighted words, always;
        then, up to the Labels box, the demo's planted words, else the words in view, most frequent first,
        each only where it overlaps no label placed before it (``core.maps.labels``)."""
        where = self._where
        wanted = [w for w in self.session.selection if w in where]
        wanted += [w for w in self.session.highlighted if w in where and w not in selected]
        keep = [where[w] for w in dict.fromkeys(wanted)]
        view = self.plot.getViewBox()
        (x0, x1), (y0, y1) = view.viewRange()
        pixel = view.viewPixelSize()
        laid_out = bool(pixel) and all(np.isfinite(pixel)) and min(pixel) > 0
        pixel = pixel if laid_out else (1.0, 1.0)  # not laid out: map units, to tell which words are in view
        points = screen_points(frame.coords, (x0, x1), (y0, y1), pixel)
        size = ((x1 - x0) / pixel[0], (y1 - y0) / pixel[1])
        featured = [where[w] for w in self.session.featured if w in where]
        candidates = featured[:self.label_count.value()] if featured else \
            label_candidates(points, frame.counts, size, LABEL_TRIES).tolist()
        query = selected | highlighted
        rows = keep + [row for row in candidates if frame.words[row] not in query]
        placed = place_labels(points[rows], [self.label_pool.width(frame.words[row]) for row in rows],
                              self.label_pool.height, size if laid_out else None, always=len(keep),
                              budget=self.label_count.value(), limit=LABEL_POOL)
        return [(rows[k], offset) for k, offset in placed]

    def _draw_labels(self, frame: Frame, selected: set[str], highlighted: set[str]) -> None:
        self.label_pool.draw(frame.words, frame.coords, self._place_labels(frame, selected, highlighted),
                             selected, highlighted)

    # -- trails
    def _draw_trails(self) -> None:
        live = self.frame is None or self.frame.projection == "pca"
        words = self.session.selection if self.trails_check.isChecked() and live else []
        rows = [int(self.frame.ids[self._where[w]]) for w in words[:TRAIL_POOL] if w in self._where]
        shown = self.session.snapshot
        if shown is None:
            self.trail_pool.draw(rows)
        else:  # a snapshot: the trail runs through the snapshots up to it, and ends at its dot
            self.trail_pool.draw(rows, self.session.snapshot_frames[:shown + 1])

    # -- before / after
    def _before_changed(self, frame: Frame | None) -> None:
        if frame is None:  # a new run, or another model: the previous trails mean nothing now
            self.trail_pool.clear()
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
        self._word_clicked(word, additive)

    def _label_clicked(self, event) -> None:
        """A click on a word's label picks the word, as a click on its point does (a label is the bigger
        target); a click on a point is the point's."""
        if event.button() != Qt.MouseButton.LeftButton:
            return
        position = event.scenePos()
        if len(self.scatter.pointsAt(self.scatter.mapFromScene(position))):
            return
        word = self.label_pool.word_at(self.plot, self.plot.mapFromScene(position))
        if word is not None:
            self._word_clicked(word, bool(event.modifiers() & Qt.KeyboardModifier.ControlModifier))

    def _word_clicked(self, word: str, additive: bool) -> None:
        """A word's point or label clicked: select it (Ctrl: add or remove it) and show its neighbours."""
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
            word = str(point.data())
            marked = word in self.session.selection or word in self.session.highlighted
            if marked and word in self.label_pool.words():  # its bold label is there: a second would repeat it
                self.hover_label.hide()
            else:
                self.hover_label.show_word(word, point.pos().x(), point.pos().y())
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
        return self.label_pool.words()
