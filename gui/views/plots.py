"""Small helpers shared by the plot views."""

from __future__ import annotations

import pyqtgraph as pg


def named_plot(object_name: str) -> pg.PlotWidget:
    """A white PlotWidget with an objectName (PlotWidget passes keyword arguments to its PlotItem)."""
    plot = pg.PlotWidget()
    plot.setObjectName(object_name)
    plot.setBackground("w")
    return plot


def fit_now(plot: pg.PlotWidget) -> None:
    """Autorange and move the view now, after new data, rather than at the start of the next paint.

    pyqtgraph does both lazily when it paints; the new range and transform then change the axes and
    the view's items, which ask Qt for a second paint of the whole plot. Done here, their requests
    join the one paint to come. (A no-op when the user has zoomed: that turns autorange off.)
    """
    view = plot.getViewBox()
    view.updateAutoRange()
    view.updateMatrix()
