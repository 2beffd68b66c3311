"""Cheap published levers applied to trained tables: pure functions, new arrays, nothing in place.

* :func:`add_output` -- **w + c** (Levy, Goldberg and Dagan 2015, "Improving distributional similarity
  with lessons learned from word embeddings", section 3.3): a word's vector is its input row plus its
  output (context) row. SGNS trains both; the second order similarity the output rows carry is otherwise
  thrown away. Our output table starts at zero, so a word's output row is what training put there.
* :func:`all_but_the_top` -- **all-but-the-top** (Mu and Viswanath 2018, "All-but-the-Top: simple and
  effective postprocessing for word representations"): remove the common mean vector and the projections
  on the top ``D`` principal directions, which in trained vectors encode mostly frequency and make every
  cosine larger than it should be. The paper uses ``D ~ dim / 100``.

Both work on whole tables with a handful of matrix products (the principal directions come from the
``dim x dim`` covariance, not from an SVD of the table). What each does to the three benchmark scores,
measured on the five books at two settings, is in benchmarks/README.md, "Quality levers".
"""

from __future__ import annotations

import numpy as np


def add_output(vectors: np.ndarray, output: np.ndarray | None) -> np.ndarray:
    """``vectors + output`` as float32 (w + c); a copy of ``vectors`` when there is no output table.

    A model opened from a word2vec file has no output table: its vectors are returned as they are, so
    the lever never fails on a model that cannot have it.
    """
    vectors = np.asarray(vectors, dtype=np.float32)
    if output is None:
        return vectors.copy()
    output = np.asarray(output, dtype=np.float32)
    if output.shape != vectors.shape:
        raise ValueError(f"output must have the vectors' shape {vectors.shape}, got {output.shape}")
    return vectors + output


def top_directions(vectors: np.ndarray, count: int) -> tuple[np.ndarray, np.ndarray]:
    """The rows' mean (dim,) and their ``count`` leading principal directions (count, dim), unit rows.

    From the eigenvectors of the centred rows' ``dim x dim`` covariance, in float64 (the table's rows
    may number millions; the covariance is one product over them).
    """
    table = np.asarray(vectors, dtype=np.float64)
    mean = table.mean(axis=0) if len(table) else np.zeros(table.shape[1])
    count = max(0, min(int(count), table.shape[1], max(0, len(table) - 1)))
    if count == 0:
        return mean, np.zeros((0, table.shape[1]))
    centred = table - mean
    _, eigenvectors = np.linalg.eigh(centred.T @ centred)  # ascending eigenvalues
    return mean, eigenvectors[:, ::-1][:, :count].T.copy()


def all_but_the_top(vectors: np.ndarray, directions: int) -> np.ndarray:
    """The rows minus their common mean and minus their projections on the top ``directions`` principal
    directions (0: the mean alone), as float32. ``directions`` past the dimension removes them all."""
    if directions < 0:
        raise ValueError(f"directions must be 0 or more, got {directions}")
    table = np.asarray(vectors, dtype=np.float32)
    mean, top = top_directions(table, directions)
    centred = table - mean.astype(np.float32)
    if len(top):
        top32 = top.astype(np.float32)
        centred -= (centred @ top32.T) @ top32
    return centred


def default_directions(dim: int) -> int:
    """Mu and Viswanath's rule of thumb, ``D ~ dim / 100`` (at least 1)."""
    return max(1, round(dim / 100))


def query_table(vectors: np.ndarray, output: np.ndarray | None, add_context: bool, remove_top: int | None) -> np.ndarray:
    """The table users query, from a run's input and output tables and the levers chosen: w + c if
    ``add_context``, then all-but-the-top with ``remove_top`` directions unless it is None."""
    table = add_output(vectors, output) if add_context else np.asarray(vectors, dtype=np.float32).copy()
    if remove_top is not None:
        table = all_but_the_top(table, remove_top)
    return table
