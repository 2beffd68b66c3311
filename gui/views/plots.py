"""Small helpers shared by the plot views."""

from __future__ import annotations

import pyqtgraph as pg


def named_plot(object_name: str) -> pg.PlotWidget:
    """A white PlotWidget with an objectName (PlotWidget passes keyword arguments to its PlotItem)."""
    plot = pg.PlotWidget()
    plot.setObjectName(object_name)
    plot.setBackground("w")
    return plot
