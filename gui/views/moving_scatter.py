"""A pyqtgraph scatter whose points can move without being rebuilt.

``ScatterPlotItem.setData`` rebuilds every point: its record, its style and its place in the symbol
atlas, a Python loop per point (about 27 ms for 10,000 points here). While training, each new frame
moves the same words, so :meth:`MovingScatter.move_points` rewrites only the coordinates (well under
a millisecond) and tells the item what ``setData`` would have told it: its shape and bounds changed.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg


class MovingScatter(pg.ScatterPlotItem):
    """A ScatterPlotItem that can also move its points in place (:meth:`move_points`)."""

    def move_points(self, pos: np.ndarray) -> None:
        """Put the existing points at ``pos`` (n, 2), in the order they were added; styles and data stay."""
        pos = np.asarray(pos)
        if pos.shape != (len(self.data), 2):
            raise ValueError(f"expected {len(self.data)} positions, got an array of shape {pos.shape}")
        self.data["x"] = pos[:, 0]
        self.data["y"] = pos[:, 1]
        # what addPoints does after adding: new shape, new data bounds, redraw, tell the plot
        self.prepareGeometryChange()
        self.informViewBoundsChanged()
        self.bounds = [None, None]
        self.invalidate()
        self.sigPlotChanged.emit(self)
