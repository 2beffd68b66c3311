"""What the map shows, as tables a spreadsheet or a plotting script reads: the drawn words' 2D positions,
and the marked words' full vectors. Written atomically (core.files), so a failure leaves no half file."""

from __future__ import annotations

import csv
import os
from typing import Sequence

import numpy as np

from ..errors import ModelFileError
from ..files import atomic_write
from ..vectors.model import Model
from .frame import Frame


def save_frame_csv(frame: Frame, path: str | os.PathLike) -> int:
    """``word,count,x,y,projection``, one row per drawn word, in the map's own units; returns the rows."""
    rows = [(w, int(c), f"{x:.6g}", f"{y:.6g}", frame.projection)
            for w, c, (x, y) in zip(frame.words, frame.counts, np.asarray(frame.coords, dtype=np.float64))]
    _write(path, ["word", "count", "x", "y", "projection"], rows)
    return len(rows)


def save_vectors_csv(model: Model, words: Sequence[str], path: str | os.PathLike) -> int:
    """``word,count,d0..d{dim-1}`` for the ``words`` the model knows (others skipped); returns the rows."""
    known = [w for w in dict.fromkeys(words) if w in model.vocab.index]
    ids = np.asarray([model.vocab.index[w] for w in known], dtype=np.int64)
    vectors = np.asarray(model.vectors[ids], dtype=np.float64).reshape(len(known), model.dim)
    rows = [[w, int(model.counts[i]), *(f"{v:.7g}" for v in vector)] for w, i, vector in zip(known, ids, vectors)]
    _write(path, ["word", "count", *(f"d{k}" for k in range(model.dim))], rows)
    return len(rows)


def _write(path: str | os.PathLike, header: list[str], rows: list) -> None:
    try:
        with atomic_write(path, "w") as out:
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow(header)
            writer.writerows(rows)
    except OSError as error:
        raise ModelFileError(f"cannot write {path}: {error.strerror or error}") from None
