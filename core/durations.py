"""Durations as people read them: ``0:07``, ``12:34``, ``1:02:03``.

One rule for every clock the program shows: the command line's ETA and elapsed time, the app's ETA
in the status bar and the Spark dialog's elapsed time.
"""

from __future__ import annotations

import math


def clock(seconds: float, unknown: str = "--:--") -> str:
    """``seconds`` rounded to the second, as m:ss, or h:mm:ss from an hour on; ``unknown`` when it is
    not finite (an ETA before any speed is known)."""
    if not math.isfinite(seconds):
        return unknown
    minutes, secs = divmod(int(round(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
