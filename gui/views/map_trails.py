"""The paths selected words travelled while training: a curve through where each frame of the run put
each of them, from a fixed pool of curves.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from embedding_studio.core.maps.frame import Frame

TRAIL_POOL = 12
MAX_TRAIL_FRAMES = 600
_TRAIL_COLOURS = ["#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#d62728", "#7f7f7f"]


class Trails:
    """The frames of the current run, and the curves that trace words through them."""

    def __init__(self, plot: pg.PlotWidget, pool: int = TRAIL_POOL):
        self.curves = [pg.PlotCurveItem(pen=pg.mkPen(_TRAIL_COLOURS[i % len(_TRAIL_COLOURS)], width=2))
                       for i in range(pool)]
        for curve in self.curves:
            curve.setZValue(-1)
            plot.addItem(curve, ignoreBounds=True)  # a trail's far start must not shrink the map
        self.history: list[Frame] = []  # frames of the current run
        self._paths: dict[int, tuple[int, list]] = {}  # row -> (frames of history read, its positions)

    def clear(self) -> None:
        """A new run, or another model: the previous trails mean nothing now."""
        self._set_history([])

    def add(self, frame: Frame) -> None:
        """A frame of the run (live PCA: t-SNE frames make no trails); past MAX_TRAIL_FRAMES, keep the
        start and thin the middle."""
        if not (self.history and self.history[-1] is frame):
            self.history.append(frame)
        if len(self.history) > MAX_TRAIL_FRAMES:
            self._set_history(self.history[:1] + self.history[2::2])

    def _set_history(self, frames: list[Frame]) -> None:
        self.history = frames
        self._paths = {}

    def draw(self, rows: list[int], frames: list[Frame] | None = None) -> None:
        """Trace vocabulary rows ``rows`` (as many as there are curves) through the run's frames, or
        through ``frames`` (a timeline's snapshots up to the one shown); a row seen in fewer than two
        frames has no trail."""
        shown = 0
        for row in rows:
            xy = self.path(row) if frames is None else _path_in(frames, row)
            if len(xy) >= 2 and shown < len(self.curves):
                self.curves[shown].setData(xy[:, 0], xy[:, 1])
                self.curves[shown].show()
                shown += 1
        for curve in self.curves[shown:]:
            curve.hide()

    def path(self, row: int) -> np.ndarray:
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


def _path_in(frames: list[Frame], row: int) -> np.ndarray:
    """Where vocabulary row ``row`` is in each of ``frames`` that draws it: (frames, 2)."""
    points = [f.coords[at[0]] for f in frames if len(at := np.flatnonzero(f.ids == row))]
    return np.asarray(points, dtype=np.float32).reshape(-1, 2)
