"""How the map colours its words, and the legend that says so: all alike, by frequency, or by cluster.

The styles of the marks drawn on top (selected, highlighted, unstable) live with the view; the colours
here are chosen to be none of theirs.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from PySide6.QtGui import QColor

from embedding_studio.core.maps.clusters import Clusters

COLOUR_MODES = ["Plain", "Frequency", "Cluster"]
PLAIN = pg.mkBrush(76, 114, 176, 150)
DIMMED = pg.mkBrush(150, 165, 190, 70)  # the words outside a query's answer, as the Embedding Projector greys them
PLAIN_PEN, DIMMED_PEN = pg.mkPen(255, 255, 255, 120), pg.mkPen(None)
# categorical, and none of the marks' colours (orange selected, green highlighted, red unstable)
CLUSTER_COLOURS = ["#1f77b4", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f", "#393b79"]
_CLUSTER_BRUSHES = [pg.mkBrush(QColor(c).red(), QColor(c).green(), QColor(c).blue(), 190) for c in CLUSTER_COLOURS]
_FREQUENCY_MAP = pg.colormap.get("viridis")  # perceptually even; read here bright (rare) to dark (frequent)


def frequency_colour(share):
    """The colour for a share of the log-count range (0: the rarest word drawn, 1: the most frequent)."""
    return _FREQUENCY_MAP.map(0.95 - 0.85 * np.asarray(share, dtype=np.float64), mode="qcolor")


def frequency_brushes(counts: np.ndarray) -> list:
    """A brush per word from its count, on a log scale between the rarest and the most frequent."""
    counts = np.log(np.maximum(np.asarray(counts, dtype=np.float64), 1.0))
    low, high = float(counts.min()), float(counts.max())
    shares = (counts - low) / (high - low) if high > low else np.full(len(counts), 0.5)
    return [pg.mkBrush(c) for c in frequency_colour(shares)]


def cluster_brushes(labels: np.ndarray) -> list:
    """A brush per word from its group."""
    return [_CLUSTER_BRUSHES[g % len(_CLUSTER_BRUSHES)] for g in np.asarray(labels).tolist()]


def frequency_legend(counts: np.ndarray) -> tuple[str, str, str]:
    """(text, style sheet, tooltip) of the legend: the counts' range over the colours' gradient."""
    counts = np.asarray(counts)
    stops = ", ".join(f"stop:{k / 4:.2f} {frequency_colour(k / 4).name()}" for k in range(5))
    text = (f"<span style='background:white'>&nbsp;{int(counts.min()):,}&nbsp;</span>{'&nbsp;' * 28}"
            f"<span style='background:white'>&nbsp;{int(counts.max()):,} uses&nbsp;</span>")
    style = (f"background: qlineargradient(x1:0, y1:0, x2:1, y2:0, {stops});"
             "border: 1px solid #999; padding: 1px;")
    return text, style, "Occurrences in the corpus, on a log scale: rare (bright) to frequent (dark)."


def cluster_legend(clusters: Clusters) -> tuple[str, str]:
    """(text, tooltip) of the legend: a swatch per cluster, named by the words most particular to it."""
    text = "&nbsp; ".join(  # a breaking space between groups, so the legend can wrap
        f"<span style='color:{CLUSTER_COLOURS[g % len(CLUSTER_COLOURS)]}'>&#9632;</span>&nbsp;{'/'.join(names[:2])}"
        for g, names in enumerate(clusters.names))
    tip = ("k-means on the words' unit vectors; each group named by its most particular words (nearer its\n"
           "centre than any other group's, weighted by log frequency):\n"
           + "\n".join(f"{g + 1}: {', '.join(names)}" for g, names in enumerate(clusters.names)))
    return text, tip
