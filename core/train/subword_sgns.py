"""Skip-gram with negative sampling over subwords (fastText's, Bojanowski et al. 2017), one batch at a time.

A word's input vector is the mean of its own row and the rows of its character n-grams
(core.vectors.subwords: ``<word>``, 3..6 characters, FNV-1a hashed into ``subword_buckets`` rows); its
output row is as in plain SGNS. The gradient a composed input vector receives is added in full to each of
its rows, as fastText does for unsupervised models, so the composed vector moves as a plain word's row
would. Everything else is :mod:`.sgns`'s batch: the same subsampling, reduced windows, shared noise words,
and the same bound on how many stale updates one row may sum (here counted per table row, an n-gram row
summing the updates of every word that holds it).

The table is ``[own input rows (n) | output rows (n) | n-gram rows (buckets)]``, so the output rows sit
where plain SGNS keeps them. Runs train in one process: the worker processes of :mod:`.workers` build a
plain :class:`~.sgns.BatchRunner`.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np
from scipy.sparse import csr_matrix

from ..config import TrainConfig
from ..text.vocab import AliasSampler
from ..vectors.subwords import DEFAULT_MAX_N, DEFAULT_MIN_N, Subwords, compose_rows, ngram_hashes
from .sgns import BatchRunner, _pairs_within, _sigmoid, _TINY, initial_rows, scatter_add

#: How many times more stale updates an n-gram row may sum in one batch than a word's own row. An n-gram
#: row sums the updates of every word holding it ("the", "he>"), which pull in many directions and partly
#: cancel; under the words' bound these rows learnt too little. At 10x, seed 1 of both benchmark settings
#: scored higher on every measure, unseen words most (benchmarks/README.md, "Subwords against gensim
#: FastText"); without a bound on them the run diverged. A run restarted with careful steps (after a
#: divergence) goes back to 1x.
NGRAM_ROW_ALLOWANCE = 10.0


class Composition:
    """Each vocabulary word's table rows: its own row first, then its n-grams' rows (duplicates kept)."""

    def __init__(self, words: Sequence[str], buckets: int, min_n: int = DEFAULT_MIN_N, max_n: int = DEFAULT_MAX_N):
        n = len(words)
        offsets, grams = ngram_hashes(words, min_n, max_n, buckets)
        sizes = np.diff(offsets) + 1
        self.ptr = np.zeros(n + 1, dtype=np.int64)
        self.ptr[1:] = np.cumsum(sizes)
        self.rows = np.empty(int(self.ptr[-1]), dtype=np.int32)
        self.rows[self.ptr[:-1]] = np.arange(n, dtype=np.int32)
        own = np.zeros(len(self.rows), dtype=bool)
        own[self.ptr[:-1]] = True
        self.rows[~own] = grams + 2 * n  # n-gram rows follow the input and output rows
        self.sizes = sizes

    def of(self, tokens: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The rows of a batch's tokens as CSR: (pointers per position, table rows)."""
        sizes = self.sizes[tokens]
        ptr = np.zeros(len(tokens) + 1, dtype=np.int64)
        np.cumsum(sizes, out=ptr[1:])
        flat = np.arange(int(ptr[-1]), dtype=np.int64) + np.repeat(self.ptr[tokens] - ptr[:-1], sizes)
        return ptr, self.rows[flat]


def initial_subword_table(n_words: int, dim: int, buckets: int, seed: int) -> np.ndarray:
    """Own rows as plain SGNS starts them, output rows zero, n-gram rows drawn like the own rows."""
    table = np.empty((2 * n_words + buckets, dim), dtype=np.float32)
    table[:n_words] = initial_rows(n_words, dim, seed)
    table[n_words:2 * n_words] = 0.0
    initial_ngram_rows(buckets, dim, seed, out=table[2 * n_words:])
    return table


def initial_ngram_rows(buckets: int, dim: int, seed: int, out: np.ndarray | None = None) -> np.ndarray:
    """n-gram rows uniform(-0.5, 0.5)/dim, as the own rows (fastText draws every input row alike); in
    place into ``out`` when given (the table is large: no temporaries)."""
    rows = np.empty((buckets, dim), dtype=np.float32) if out is None else out
    np.random.default_rng([seed, 28]).random(out=rows, dtype=np.float32)
    rows -= np.float32(0.5)
    rows /= np.float32(dim)
    return rows


def subwords_of(table: np.ndarray, n_words: int, words: Sequence[str]) -> tuple[Subwords, np.ndarray]:
    """The model's n-gram table (views of ``table``) and its words' composed vectors (a new array)."""
    subwords = Subwords(DEFAULT_MIN_N, DEFAULT_MAX_N, table[2 * n_words:], table[:n_words])
    offsets, rows = subwords.hashes(words)
    return subwords, compose_rows(subwords.word_rows, subwords.ngrams, offsets, rows)


@np.errstate(over="ignore", invalid="ignore")
def subword_window_step(table: np.ndarray, n_words: int, tokens: np.ndarray, composition: Composition,
                        reduced: np.ndarray, noise: np.ndarray, window: int, lr: float,
                        max_updates: float = math.inf, centres: tuple[int, int] | None = None,
                        ngram_allowance: float = NGRAM_ROW_ALLOWANCE) -> tuple[float, int]:
    """One batched SGNS update where each input vector is the mean of its word's rows.

    As :func:`core.train.sgns.window_step` (noise shared by a word's window; positions outside
    ``centres`` are context only), with the input side composed: the batch's input vectors are one
    sparse product of the table, and each position's summed gradient is added to every one of its rows.
    Returns the summed binary cross-entropy and the number of pairs.
    """
    n_all, negative = noise.shape
    first, end = (0, n_all) if centres is None else centres
    n = end - first
    k = negative + 1
    dim = table.shape[1]
    span = 2 * window + 1
    ptr, rows = composition.of(tokens)
    sizes = np.diff(ptr)
    mean = csr_matrix((np.repeat(1.0 / sizes, sizes).astype(np.float32), rows, ptr), shape=(n_all, table.shape[0]))
    padded = np.zeros((n_all + 2 * window, dim), dtype=np.float32)
    padded[window:window + n_all] = mean @ table
    item = padded.itemsize
    windows = np.ndarray((n, dim, span), dtype=np.float32, buffer=padded, offset=first * dim * item,
                         strides=(dim * item, item, dim * item))
    targets = np.empty((k, n), dtype=np.int32)
    targets[0] = tokens[first:end]
    targets[1:] = noise[first:end].T
    targets += n_words
    outputs = np.take(table, targets.reshape(-1), axis=0).reshape(k, n, dim)
    scores = np.empty((k, n, span), dtype=np.float32)
    np.matmul(outputs.transpose(1, 0, 2), windows, out=scores.transpose(1, 0, 2))

    valid, pairs_of = _pairs_within(reduced[first:end], window, first, n_all - end)
    pairs = np.flatnonzero(valid)
    positions = np.take(np.arange(first, end)[:, None] + np.arange(-window, window + 1), pairs)
    z = np.take(scores.reshape(k, -1), pairs, axis=1)
    z[1:] *= -1
    right = _sigmoid(z)
    loss = -np.log(np.maximum(right, _TINY)).sum(dtype=np.float64)
    step = (1.0 - right) * np.float32(lr)
    step[1:] *= -1

    dense = np.zeros((k, n * span), dtype=np.float32)
    dense[:, pairs] = step
    to_outputs = np.empty((k, n, dim), dtype=np.float32)
    np.matmul(dense.reshape(k, n, span).transpose(1, 0, 2), windows.transpose(0, 2, 1),
              out=to_outputs.transpose(1, 0, 2))
    # each position's gradient: the sum over its pairs' terms of step x output row
    at_position = np.zeros((n_all, dim), dtype=np.float32)
    columns = np.zeros(k * n + 1, dtype=np.int32)
    columns[1:] = (np.arange(k, dtype=np.int32)[:, None] * len(pairs) + np.cumsum(pairs_of, dtype=np.int32)).ravel()
    scatter_add(at_position, np.tile(positions, k).astype(np.int32), columns, step.reshape(-1),
                outputs.reshape(-1, dim))
    # ... added in full to each of the position's rows, each row's summed updates bounded
    terms = np.bincount(positions, minlength=n_all)[np.repeat(np.arange(n_all), sizes)] * float(k)
    per_row = _bounded(rows, terms, max(1.0, max_updates), loose_from=2 * n_words, allowance=ngram_allowance)
    scatter_add(table, rows, ptr.astype(np.int32), per_row, at_position)
    flat = targets.reshape(-1)
    per_output = _bounded(flat, np.tile(pairs_of, k).astype(np.float64), max(1.0, max_updates))
    scatter_add(table, flat, np.arange(len(flat) + 1, dtype=np.int32), per_output, to_outputs.reshape(-1, dim))
    return float(loss), len(pairs)


def _bounded(rows: np.ndarray, updates: np.ndarray, bound: float, loose_from: int | None = None,
             allowance: float = 1.0) -> np.ndarray:
    """Per entry, ``bound / total`` where its row's entries sum more than ``bound`` updates, else 1; rows
    from ``loose_from`` on (the n-gram rows) may sum ``allowance`` times more."""
    if updates.sum() > bound:
        totals = np.bincount(rows, weights=updates)
        if totals.max() > bound:
            limit = np.full(len(rows), bound, dtype=np.float64)
            if loose_from is not None:
                limit[rows >= loose_from] *= allowance
            return (limit / np.maximum(totals[rows], limit)).astype(np.float32)
    return np.ones(len(rows), dtype=np.float32)


class SubwordBatchRunner(BatchRunner):
    """:class:`BatchRunner` whose batches train subword input vectors (:func:`subword_window_step`)."""

    def __init__(self, tokens: np.ndarray, table: np.ndarray, keep: np.ndarray, noise: AliasSampler,
                 config: TrainConfig, counts: np.ndarray | None, words: Sequence[str]):
        super().__init__(tokens, table, keep, noise, config, counts)
        self.in_flight = None  # one batch at a time
        self.composition = Composition(words, config.subword_buckets)

    def run(self, index: int) -> tuple[int, float, int, int]:
        """Train batch ``index`` as :meth:`BatchRunner.run` does (the same draws), on subword inputs."""
        batch = self.draw(index)
        if batch.kept is None:
            return batch.span, 0.0, 0, 0
        cfg = self.config
        lr = self.lr(index)
        loss, pairs = subword_window_step(self.table, self.n_words, batch.kept, self.composition, batch.reduced,
                                          batch.noise, cfg.window, lr, self.max_updates(lr), centres=batch.centres,
                                          ngram_allowance=NGRAM_ROW_ALLOWANCE if cfg.max_row_logit is None else 1.0)
        return batch.span, loss, pairs * (cfg.negative + 1), pairs
