"""Which words of the map get a text label, and where: a readable subset, with no two labels on top
of each other.

A map of thousands of words cannot name them all: labels that overlap read as a smudge. So the words
are taken in order of priority (the view gives the most frequent first) and each gets a label only if
its box, beside its point, overlaps no label placed before it. A few words must be named whatever the
crowd (a query and its answers): those come first and move above, below or to the left of their point
when the spot beside it is taken.

It is plain arithmetic on screen pixels (x to the right, y down, the view's top-left corner at 0, 0), kept
apart from Qt so that it can be tested on generated points and reused by anything that draws a map.
Boxes are marked on a grid of ``cell``-pixel cells over the view, so each test is one NumPy slice,
whatever the number of labels already placed; a box covers every cell it touches, so labels placed
without overlapping cells never overlap.
"""

from __future__ import annotations

import numpy as np

CELL = 2.0  # px: the grid labels are placed on
BESIDE_X = 5.0  # px: a label's left edge from its point, when beside it (it is centred on it vertically)

#: (row, (dx, dy)): the label of row ``row`` has its top-left corner ``(dx, dy)`` pixels from its point
Placed = list[tuple[int, tuple[float, float]]]


def screen_points(coords: np.ndarray, x_range: tuple[float, float], y_range: tuple[float, float],
                  pixel: tuple[float, float]) -> np.ndarray:
    """Map coordinates (y up) as pixels from the top-left corner of a view showing ``x_range`` by
    ``y_range``, one pixel being ``pixel`` map units wide and high: an (n, 2) float64 array."""
    coords = np.asarray(coords, dtype=np.float64).reshape(-1, 2)
    return np.column_stack(((coords[:, 0] - x_range[0]) / pixel[0], (y_range[1] - coords[:, 1]) / pixel[1]))


def label_candidates(points: np.ndarray, priorities: np.ndarray, size: tuple[float, float],
                     limit: int) -> np.ndarray:
    """The rows of ``points`` (pixels) inside a view of ``size`` (width, height), highest priority first
    (ties in row order), at most ``limit`` of them: the words worth trying to label, in the order to try."""
    points = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    width, height = size
    inside = (points[:, 0] >= 0) & (points[:, 0] <= width) & (points[:, 1] >= 0) & (points[:, 1] <= height)
    rows = np.flatnonzero(inside)
    order = np.argsort(-np.asarray(priorities, dtype=np.float64)[rows], kind="stable")
    return rows[order][:limit]


def place_labels(points: np.ndarray, widths: np.ndarray, height: float, size: tuple[float, float] | None, *,
                 always: int = 0, budget: int, limit: int, cell: float = CELL) -> Placed:
    """Where to draw the labels of ``points`` (pixels, one label per point, ``widths[i]`` by ``height``
    pixels), as (row, offset) pairs.

    The first ``always`` rows are always labelled: beside their point if free, else at the first free
    spot above, below or to the left of it, else beside it all the same. The others are candidates in
    order of priority: each is labelled beside its point only if its box overlaps no label placed before
    it and lies at least partly in the view, until ``budget`` of them are labelled or ``limit`` labels in
    all. ``size`` is the view's (width, height) in pixels; ``None`` (a view not laid out yet) places the
    ``always`` rows and the first ``budget`` candidates beside their points, unchecked.
    """
    points = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    widths = np.asarray(widths, dtype=np.float64)
    h = float(height)
    beside = (BESIDE_X, -h / 2)
    always = min(always, len(points))
    if size is None:
        rows = [*range(always), *range(always, min(len(points), always + max(budget, 0)))]
        return [(row, beside) for row in rows]
    cols, lines = int(size[0] / cell) + 2, int(size[1] / cell) + 2
    taken = np.zeros((lines, cols), dtype=bool)
    chosen: Placed = []

    def cells(row: int, dx: float, dy: float) -> tuple[slice, slice] | None:
        """The grid cells of a label's box; None if it is wholly out of the view."""
        left, top = points[row, 0] + dx, points[row, 1] + dy
        c0, c1 = max(int(left // cell), 0), min(int(-(-(left + widths[row]) // cell)), cols)
        r0, r1 = max(int(top // cell), 0), min(int(-(-(top + h) // cell)), lines)
        return (slice(r0, r1), slice(c0, c1)) if c0 < c1 and r0 < r1 else None

    for row in range(always):
        w = float(widths[row])
        spots = [beside] + [(dx, -h / 2 + k * h) for k in (-1, 1, 0, -2, 2, -3, 3, -4, 4)
                            for dx in (BESIDE_X, -w - 3) if (dx, k) != (BESIDE_X, 0)]
        for dx, dy in spots:
            box = cells(row, dx, dy)
            if box is None or not taken[box].any():
                break
        else:
            dx, dy = beside  # nowhere free: beside it all the same
            box = cells(row, dx, dy)
        if box is not None:
            taken[box] = True
        chosen.append((row, (dx, dy)))
    placed = 0
    for row in range(always, len(points)):
        if placed >= budget or len(chosen) >= limit:
            break
        box = cells(row, *beside)
        if box is None or taken[box].any():
            continue
        taken[box] = True
        chosen.append((row, beside))
        placed += 1
    return chosen
