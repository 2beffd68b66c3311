"""A frame of the map: which words are drawn and where, as copies safe to hand across threads.

Frames are computed off the UI thread (in the training thread while training, in a background job
otherwise). A PCA frame is aligned to the previous one on the words they share, so the picture does
not flip or spin between refreshes even when searched words join or leave the drawn set.
"""

from __future__ import annotations

import dataclasses
import threading
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from ..errors import StudioError
from ..text.vocab import Vocab
from ..train.sgns import initial_rows
from .projection import align, pca_2d, unit_spread

Projection = Literal["pca", "tsne", "umap"]


@dataclass(frozen=True)
class Frame:
    """Projected positions of some words of a model, at one moment of training."""

    ids: np.ndarray  # int64 rows of the vocabulary, in drawing order
    words: list[str]
    counts: np.ndarray  # int64
    coords: np.ndarray  # (n, 2) float32
    epoch: float = 0.0  # fractional epoch the frame was taken at
    projection: Projection = "pca"
    before: bool = False  # the untrained model: the article's "before" figure
    layout: Any = dataclasses.field(default=None, compare=False, repr=False)  # t-SNE/UMAP: core.maps.tsne.Layout

    def __len__(self) -> int:
        return len(self.ids)

    def replace(self, **changes) -> "Frame":
        return dataclasses.replace(self, **changes)

    def shows(self, ids: np.ndarray, words: list[str]) -> bool:
        """Whether this frame draws exactly the rows ``ids`` of a model whose words are ``words``."""
        return (len(self.ids) == len(ids) and set(self.ids.tolist()) == set(np.asarray(ids).tolist())
                and all(0 <= i < len(words) and words[i] == w for i, w in zip(self.ids[:5].tolist(), self.words[:5])))


def drawn_ids(n_words: int, top: int, extra_ids: list[int] | tuple[int, ...] = ()) -> np.ndarray:
    """The ``top`` most frequent rows (the vocabulary is sorted by count) plus any extra rows."""
    ids = list(range(min(top, n_words)))
    seen = set(ids)
    ids += [i for i in extra_ids if 0 <= i < n_words and i not in seen and not seen.add(i)]
    return np.asarray(ids, dtype=np.int64)


def _frame(coords: np.ndarray, ids: np.ndarray, words: list[str], counts: np.ndarray, **fields) -> Frame:
    return Frame(ids, [words[i] for i in ids], np.asarray(counts)[ids].copy(), coords, **fields)


def pca_frame(vectors: np.ndarray, ids: np.ndarray, words: list[str], counts: np.ndarray,
              previous: Frame | None = None, epoch: float = 0.0) -> Frame:
    """Copy the rows ``ids`` of ``vectors``, project them with PCA and align them to ``previous``."""
    ids = np.asarray(ids, dtype=np.int64)
    coords = unit_spread(pca_2d(vectors[ids]))  # fancy indexing copies: the live table may keep changing
    if previous is not None and len(previous):
        coords = align(coords, ids, previous.coords, previous.ids)
    return _frame(coords, ids, words, counts, epoch=epoch)


def untrained_frame(vocab: Vocab, dim: int, seed: int, top: int) -> Frame:
    """The map before any training, as the article's "before" figure: the most frequent words at their
    initial vectors (the same ones training will start from, for this dimension and seed)."""
    count = min(top, len(vocab))
    ids = np.arange(count, dtype=np.int64)
    coords = unit_spread(pca_2d(initial_rows(count, dim, seed)))
    return _frame(coords, ids, vocab.words, vocab.counts, before=True)


def tsne_frame(vectors: np.ndarray, ids: np.ndarray, words: list[str], counts: np.ndarray, epoch: float,
               cancel: threading.Event, previous: Frame | None = None, method: str = "tsne") -> Frame | None:
    """A frame of the rows ``ids`` placed by t-SNE (or UMAP: ``method="umap"``); None if cancelled.

    Given the ``previous`` frame of the same method, the words it drew keep their places and only the
    words new to it are placed into its layout (``transform``): nothing reshuffles when a search adds
    a word. More new words than the layout was fitted on are laid out afresh with the rest (placing
    thousands of words against a few hundred would map them poorly).
    """
    from .tsne import Cancelled, fit_layout, place

    ids = np.asarray(ids, dtype=np.int64)
    layout = previous.layout if previous is not None and previous.projection == method else None
    try:
        if layout is not None and layout.model is not None:
            where = {i: k for k, i in enumerate(previous.ids.tolist())}
            new = np.fromiter((i not in where for i in ids.tolist()), dtype=bool, count=len(ids))
            if new.sum() <= layout.size:
                coords = np.empty((len(ids), 2), dtype=np.float32)
                coords[~new] = previous.coords[[where[i] for i in ids[~new].tolist()]]
                if new.any():
                    coords[new] = place(layout, vectors[ids[new]], cancel.is_set)
                return _frame(coords, ids, words, counts, epoch=epoch, projection=method, layout=layout)
        coords, layout = fit_layout(method, vectors[ids], cancel.is_set)
    except Cancelled:
        return None
    except RuntimeError as error:  # the process failed: a message for a person, not a crash
        raise StudioError(str(error)) from None
    return _frame(coords, ids, words, counts, epoch=epoch, projection=method, layout=layout)
