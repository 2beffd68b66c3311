"""Progress as one line on stderr, redrawn in place: a training run's, and a Spark job's."""

from __future__ import annotations

import math
from typing import TextIO

from ..durations import clock


class ProgressBar:
    """One line on stderr, redrawn in place: epoch, bar, loss, words/s, ETA."""

    def __init__(self, stream: TextIO, width: int = 24):
        self.stream = stream
        self.width = width
        self.drawn = False
        self.loss = math.nan
        self.prefix = ""  # e.g. "run 2/5 " when several runs share the bar

    def __call__(self, p) -> None:
        if math.isfinite(p.loss):
            self.loss = p.loss
        filled = int(round(p.fraction * self.width))
        line = (f"\r{self.prefix}epoch {p.epoch}/{p.epochs} [{'#' * filled}{'.' * (self.width - filled)}] "
                f"{p.fraction:4.0%}  loss {self.loss:.4f}  {p.words_per_sec / 1000:,.0f}k words/s  "
                f"ETA {clock(p.eta_seconds)} ")
        self.stream.write(line)
        self.stream.flush()
        self.drawn = True

    def close(self) -> None:
        if self.drawn:
            self.stream.write("\n")
            self.stream.flush()


class SparkProgressBar(ProgressBar):
    """The Spark job's line: its phase (reading, MLlib's iterations), a bar, the running stage's tasks."""

    def __call__(self, p) -> None:
        filled = int(round(p.fraction * self.width))
        tasks = f"  {p.stage}: {p.tasks_done}/{p.tasks_total} tasks" if p.tasks_total else ""
        line = (f"\rspark: {p.phase} [{'#' * filled}{'.' * (self.width - filled)}] {p.fraction:4.0%}"
                f"{tasks}  {clock(p.elapsed)} ")
        self.stream.write(line.ljust(self.last_width))
        self.last_width = len(line)
        self.stream.flush()
        self.drawn = True

    last_width = 0
