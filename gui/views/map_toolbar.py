"""The map's controls above it: how many words and labels, from which rank, the before view, trails,
the projection, the colouring and its legend, and the row that shows while t-SNE or UMAP is computed.

It only holds and lays out the boxes; the map view connects them (and names them as its own).
"""

from __future__ import annotations

from PySide6.QtWidgets import (QCheckBox, QComboBox, QHBoxLayout, QLabel, QProgressBar, QPushButton, QSizePolicy,
                               QSpinBox, QVBoxLayout, QWidget)

from embedding_studio.core.maps.clusters import Clusters

from .map_colours import COLOUR_MODES, cluster_legend, frequency_legend

BEFORE_MODES = ["Hidden", "Overlay", "Side by side"]
PROJECTIONS = {"pca": "PCA (live)", "tsne": "t-SNE (final model)", "umap": "UMAP (final model)"}


class MapToolbar(QWidget):
    """Three rows of boxes, and the t-SNE row below them (hidden but while one is computed)."""

    def __init__(self, drawn: int, max_drawn: int, max_labels: int, parent: QWidget | None = None):
        super().__init__(parent)
        # up to a large vocabulary's size (a maximum of 10,000 silently cut a typed 12332 to 1233), and only
        # once the number is typed (Enter or leaving the box), not at each digit on the way
        self.word_count = QSpinBox(objectName="wordCountSpin", minimum=10, maximum=max_drawn, value=drawn,
                                   singleStep=50, keyboardTracking=False, groupSeparatorShown=True,
                                   toolTip="How many of the most frequent words to draw (Enter to apply).")
        self.all_words = QPushButton("All words", objectName="allWordsButton",
                                     toolTip="Draw every word of the vocabulary (labels thin out by zoom).")
        self.rank_from = QSpinBox(objectName="rankFromSpin", minimum=1, maximum=max_drawn, value=1,
                                  keyboardTracking=False, groupSeparatorShown=True, toolTip=(
                                      "Draw the words ranked from this one by frequency up to the Words count, "
                                      "skipping the commonest (function words). Searched words are always drawn."))
        self.label_count = QSpinBox(objectName="labelCountSpin", minimum=0, maximum=max_labels, value=80,
                                    singleStep=5, toolTip="How many words get a text label.")
        self.before_mode = QComboBox(objectName="beforeCombo", toolTip=(
            "Show the projection of the untrained model: on top of the current one, or next to it."))
        self.before_mode.addItems(BEFORE_MODES)
        self.trails_check = QCheckBox("Trails", objectName="trailsCheck", checked=True,
                                      toolTip="Draw the path each selected word travelled during training.")
        self.hide_function_words = QCheckBox("Hide function words", objectName="hideFunctionWords", toolTip=(
            "Leave out the, and, of… (a list per language) from the map, the cluster names and the movers. "
            "Searched words are always drawn."))
        self.function_words_button = QPushButton("Edit…", objectName="functionWordsButton",
                                                 toolTip="Choose the language of the list, or edit it.")
        self.clear_button = QPushButton("Clear", objectName="clearSelectionButton",
                                        toolTip="Clear the selection and the highlighted words.")
        self.projection = QComboBox(objectName="projectionCombo", toolTip=(
            "PCA follows training live; t-SNE (slower, computed on demand) often separates groups better."))
        for key, text in PROJECTIONS.items():
            self.projection.addItem(text, key)
        self.colour_mode = QComboBox(objectName="colourCombo", toolTip=(
            "Colour the words by how often they occur (darker: more frequent), by cluster (k-means on their "
            "vectors), or all alike."))
        self.colour_mode.addItems(COLOUR_MODES)
        self.colour_legend = QLabel(objectName="colourLegend", wordWrap=True)
        # it wraps in the room the row has: eight cluster names must not widen the window past the screen
        self.colour_legend.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.colour_legend.setMinimumWidth(0)
        self.colour_legend.hide()
        self.tsne_row = QWidget(objectName="tsneRow")  # so the toolbar stays narrow
        self.tsne_label = QLabel("Computing t-SNE of the words in view…", objectName="tsneLabel")
        self.tsne_busy = QProgressBar(objectName="tsneBusy", minimum=0, maximum=0, textVisible=False)
        self.tsne_busy.setFixedWidth(120)
        self.tsne_cancel = QPushButton("Cancel", objectName="tsneCancelButton", toolTip="Stop computing t-SNE.")
        self.tsne_row.hide()
        self._lay_out()

    def _lay_out(self) -> None:
        # three short rows rather than one long one, so that the map's column can narrow to ~530 px and
        # the Explore panel widen past 480 px at 1400 (one row of eight boxes held the map at 674 px)
        toolbar = QHBoxLayout()
        for widget in (QLabel("Words"), self.word_count, self.all_words, QLabel("From rank"), self.rank_from,
                       QLabel("Labels"), self.label_count):
            toolbar.addWidget(widget)
        toolbar.addStretch(1)
        toolbar.addWidget(self.clear_button)
        view_row = QHBoxLayout()
        for widget in (self.projection, QLabel("Before", toolTip="The untrained model's projection"),
                       self.before_mode, self.hide_function_words, self.function_words_button):
            view_row.addWidget(widget)
        view_row.addStretch(1)
        colour_row = QHBoxLayout()
        for widget in (self.trails_check, QLabel("Colour"), self.colour_mode, self.colour_legend):
            colour_row.addWidget(widget)
        colour_row.setStretch(colour_row.count() - 1, 10)  # the legend, shown, takes nearly all the rest
        colour_row.addStretch(1)  # hidden, the row stays packed to the left
        tsne_row = QHBoxLayout(self.tsne_row)
        tsne_row.setContentsMargins(0, 0, 0, 0)
        for widget in (self.tsne_label, self.tsne_busy, self.tsne_cancel):
            tsne_row.addWidget(widget)
        tsne_row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(toolbar)
        layout.addLayout(view_row)
        layout.addLayout(colour_row)
        layout.addWidget(self.tsne_row)

    def set_tsne_busy(self, busy: bool, what: str) -> None:
        self.tsne_label.setText(what)
        self.tsne_row.setVisible(busy)

    def show_cluster_legend(self, clusters: Clusters | str | None, shown: bool) -> None:
        """A swatch per cluster, named by its most frequent words; else why there are none (a string), or
        that they are being found (None)."""
        legend = self.colour_legend
        legend.setStyleSheet("")
        legend.setVisible(shown)
        text, tip = cluster_legend(clusters) if isinstance(clusters, Clusters) else \
            (clusters or "Finding clusters…", "")
        legend.setText(text)
        legend.setToolTip(tip)

    def show_frequency_legend(self, counts) -> None:
        """The range of ``counts`` over the colours' gradient; hidden if None."""
        self.colour_legend.setVisible(counts is not None)
        if counts is not None:
            text, style, tip = frequency_legend(counts)
            self.colour_legend.setText(text)
            self.colour_legend.setStyleSheet(style)
            self.colour_legend.setToolTip(tip)
