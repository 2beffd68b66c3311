"""Groups of words for colouring the map: k-means on the words' unit vectors, each group named by the
words most particular to it.

A group's most frequent words named it before, and on real text those are "the", "and", "of": words
that lie between all the groups and tell them apart not at all. A word is particular to its group by
its margin: how much nearer its own group's centre it is than the nearest other group's (cosines). The
margin, weighted by log frequency (so that a name is a word one knows, not a hapax), picks the names.

Cosine similarity is what the neighbours and analogies use, so the vectors are normalised first and
k-means on the unit sphere groups words by direction, not by length (which mostly tracks frequency).
The seed is fixed: the same words in the same model get the same colours every time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

DEFAULT_CLUSTERS = 8


@dataclass(frozen=True)
class Clusters:
    """``labels[i]``: the group of word ``i``; ``names[g]``: the words most particular to group ``g``."""

    labels: np.ndarray  # int64, one per word, 0..k-1, groups numbered from the largest
    names: list[list[str]]

    def __len__(self) -> int:
        return len(self.names)


def cluster_words(vectors: np.ndarray, words: list[str], counts: np.ndarray, k: int = DEFAULT_CLUSTERS,
                  seed: int = 0, named_by: int = 3) -> Clusters:
    """k-means (k at most the number of distinct words) on the unit rows of ``vectors``."""
    from sklearn.cluster import KMeans, MiniBatchKMeans  # imported here: the app starts faster without it

    vectors = np.asarray(vectors, dtype=np.float32)
    n = len(vectors)
    if n == 0:
        return Clusters(np.zeros(0, dtype=np.int64), [])
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    unit = vectors / np.where(norms > 0, norms, 1.0)
    k = max(1, min(k, n, len(np.unique(unit.round(6), axis=0))))
    if k == 1:
        raw = np.zeros(n, dtype=np.int64)
    else:
        # full k-means up to a few tens of thousands of words; beyond, mini-batches keep it to seconds
        model = (KMeans(n_clusters=k, n_init=4, random_state=seed) if n <= 20_000 else
                 MiniBatchKMeans(n_clusters=k, n_init=3, random_state=seed, batch_size=4096))
        raw = model.fit_predict(unit).astype(np.int64)
    sizes = np.bincount(raw, minlength=k)
    order = np.argsort(-sizes, kind="stable")  # renumber: group 0 is the largest
    renumber = np.empty(k, dtype=np.int64)
    renumber[order] = np.arange(k)
    labels = renumber[raw]
    score = particularity(unit, labels, k) * np.log1p(np.asarray(counts, dtype=np.float64))
    order = np.lexsort((-score, labels))  # by group, then most particular first
    starts = np.searchsorted(labels[order], np.arange(k))
    ends = np.append(starts[1:], n)
    names = [[words[row] for row in order[a:min(b, a + named_by)]] for a, b in zip(starts, ends)]
    return Clusters(labels, names)


def particularity(unit: np.ndarray, labels: np.ndarray, k: int) -> np.ndarray:
    """Per word: cosine to its own group's centre less the highest cosine to another group's centre
    (with one group, the cosine to its centre)."""
    centres = np.zeros((k, unit.shape[1]), dtype=np.float64)
    np.add.at(centres, labels, unit)
    norms = np.linalg.norm(centres, axis=1, keepdims=True)
    centres /= np.where(norms > 0, norms, 1.0)
    cosines = unit.astype(np.float64) @ centres.T  # (n, k)
    rows = np.arange(len(unit))
    own = cosines[rows, labels]
    if k == 1:
        return own
    cosines[rows, labels] = -np.inf
    return own - cosines.max(axis=1)
