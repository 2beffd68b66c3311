"""Small helpers shared by the plot views."""

from __future__ import annotations

from typing import Callable

import pyqtgraph as pg

from PySide6.QtCore import QEvent, QObject


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


class FittedTitle(QObject):
    """A plot's title that always fits the plot's width. pyqtgraph makes a title's width the plot's
    minimum width, so a long one ("model of X; the open corpus is Y") widened the plot past its widget
    and pushed the axis and legend out of sight. Here the subject is shortened in the middle with "…"
    until the title fits, again at each resize, and the whole title is the plot's tooltip."""

    MARGIN = 24  # px left free beside the title

    def __init__(self, plot: pg.PlotWidget, render: Callable[[str, bool], str], **style: str):
        """``render(subject, wrapped)`` gives the title's HTML for a subject, on one line or (wrapped) on
        two; ``style`` goes to ``setTitle``."""
        super().__init__(plot)
        self.plot = plot
        self.render = render
        self.style = style
        self.subject = ""
        self.wrapped = False
        plot.installEventFilter(self)

    def set(self, subject: str) -> None:
        self.subject = subject
        self.plot.setToolTip(subject)
        self._fit()

    def text(self) -> str:
        """The title as drawn now (possibly shortened)."""
        return self.plot.getPlotItem().titleLabel.text

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.plot and event.type() == QEvent.Type.Resize:
            self._fit()
        return False

    def _fits(self, subject: str, width: float) -> bool:
        label = self.plot.getPlotItem().titleLabel
        self.plot.setTitle(self.render(subject, self.wrapped), **self.style)
        return label.item.boundingRect().width() <= width

    def _fit(self) -> None:
        item = self.plot.getPlotItem()
        axes = sum(item.getAxis(side).width() for side in ("left", "right") if item.getAxis(side).isVisible())
        subject, width = self.subject, max(self.plot.width() - axes - self.MARGIN, 50)  # the title's column
        self.wrapped = False
        if self._fits(subject, width) or not subject:
            return
        self.wrapped = True  # on two lines, then shortened
        if self._fits(subject, width):
            return
        # first the long names (file names) are shortened, so the short words that say whose model it
        # is stay whole; then, if still too wide, the whole subject
        words = subject.split(" ")
        longest = max(len(w) for w in words)
        low = _bisect(lambda keep: self._fits(" ".join(middle_elided(w, keep) for w in words), width), 6, longest)
        if low is not None:
            self._fits(" ".join(middle_elided(w, low) for w in words), width)
            return
        low = _bisect(lambda keep: self._fits(middle_elided(subject, keep), width), 0, len(subject)) or 0
        self._fits(middle_elided(subject, low), width)


def _bisect(fits: Callable[[int], bool], low: int, high: int) -> int | None:
    """The largest ``n`` in [low, high] with ``fits(n)`` (fits grows false as n grows), or None."""
    if not fits(low):
        return None
    while low < high:
        mid = (low + high + 1) // 2
        if fits(mid):
            low = mid
        else:
            high = mid - 1
    return low


def middle_elided(text: str, keep: int) -> str:
    """``text`` with its middle replaced by "…" so that ``keep`` of its characters remain."""
    if keep >= len(text):
        return text
    head = (keep + 1) // 2
    return text[:head] + "…" + (text[len(text) - (keep - head):] if keep - head else "")
