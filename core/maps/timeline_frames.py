"""Map frames of a training timeline's snapshots, turned to match the map the user is looking at.

The snapshots' 2D places are aligned to one another when they are taken (core.vectors.timeline); one
more rotation, fitted between the last snapshot and the current map on the words both draw, turns
them all so that scrubbing starts from the picture on screen instead of a rotated copy of it.
"""

from __future__ import annotations

import numpy as np

from ..vectors.compare import procrustes_rotation
from ..vectors.timeline import Timeline
from .frame import Frame


def timeline_frames(timeline: Timeline, words: list[str], counts: np.ndarray, top: int,
                    reference: Frame | None = None) -> list[Frame]:
    """One frame per snapshot, of the ``top`` most frequent words (at most the timeline's map words)."""
    shown = max(0, min(top, timeline.map_words, len(words)))
    ids = np.arange(shown, dtype=np.int64)
    places = timeline.maps[:, :shown].astype(np.float64)
    if reference is not None and len(reference) and shown and len(timeline):
        _, mine, theirs = np.intersect1d(ids, reference.ids, assume_unique=True, return_indices=True)
        if len(mine) >= 3:
            a, b = places[-1][mine], np.asarray(reference.coords, dtype=np.float64)[theirs]
            a_centre, b_centre = a.mean(axis=0), b.mean(axis=0)
            scale = np.sqrt(((b - b_centre) ** 2).sum(axis=1).mean() / max(((a - a_centre) ** 2).sum(axis=1).mean(), 1e-12))
            if np.any(a - a_centre) and np.any(b - b_centre) and np.isfinite(scale):
                rotation = procrustes_rotation(a - a_centre, b - b_centre)
                places = (places - a_centre) @ rotation * scale + b_centre
    chosen = [words[i] for i in ids.tolist()]
    counts = np.asarray(counts)[ids].copy()
    return [Frame(ids, chosen, counts, places[s].astype(np.float32), epoch=float(timeline.epochs[s]))
            for s in range(len(timeline))]
