"""The arithmetic of skip-gram with negative sampling, one batch at a time.

The article's algorithm, unchanged in substance: an input table initialised uniform(-0.5, 0.5)/dim and an
output table of zeros; for each (centre, context) pair, one positive example and ``negative`` noise words
drawn from counts**0.75; sigmoid scores; binary cross-entropy; gradients ``prob - 1`` for the positive and
``prob`` for the negatives. Plus what every real word2vec adds: subsampling of frequent words, a reduced
window drawn per centre word, and a learning rate decaying linearly from ``lr`` to ``min_lr``.

What makes it fast is doing a batch of about a thousand tokens at once: the pairs come from array
operations, every row a batch touches is gathered in one ``take``, scores and gradients are computed for
the whole batch, and all updates are scattered back, duplicates summed, by one sparse product
(see :func:`scatter_add`). Each function here is plain so tests can hold it against a per-pair reference.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import expit

from ..config import TrainConfig
from ..text.vocab import AliasSampler

try:  # The fast path: SciPy's C kernel that adds a sparse product into an existing array, in place.
    from scipy.sparse._sparsetools import csc_matvecs as _csc_matvecs
except ImportError:  # pragma: no cover - private SciPy API; the public fallback below is exact too
    _csc_matvecs = None



def make_pairs(tokens: np.ndarray, reduced: np.ndarray, window: int) -> tuple[np.ndarray, np.ndarray]:
    """All (centre, context) pairs of a token sequence with a per-centre reduced window.

    ``reduced[i]`` (1..window) is the window actually used around position ``i``, as in word2vec and
    gensim. Loops only over the ``window`` offsets; everything per token is an array operation.
    """
    centres, contexts = [], []
    n = len(tokens)
    for k in range(1, min(window, n - 1) + 1):
        ahead = reduced[: n - k] >= k  # centre i, context i + k
        centres.append(tokens[: n - k][ahead])
        contexts.append(tokens[k:][ahead])
        behind = reduced[k:] >= k  # centre i, context i - k
        centres.append(tokens[k:][behind])
        contexts.append(tokens[: n - k][behind])
    if not centres:
        empty = np.empty(0, dtype=tokens.dtype)
        return empty, empty
    return np.concatenate(centres), np.concatenate(contexts)


def scatter_add(table: np.ndarray, rows: np.ndarray, columns_ptr: np.ndarray, weights: np.ndarray,
                values: np.ndarray) -> None:
    """``table[rows[j]] += weights[j] * values[col(j)]`` for every entry j, duplicates summed.

    The entries form a sparse matrix in CSC layout (``columns_ptr`` gives, for each row of ``values``,
    the slice of ``rows``/``weights`` that it feeds). SciPy's kernel adds the product straight into
    ``table``: exact like ``np.add.at`` and ten times faster (benchmarks/README.md).
    """
    n_rows, dim = table.shape
    if _csc_matvecs is not None:
        _csc_matvecs(n_rows, len(values), dim, columns_ptr, rows, weights, values.reshape(-1),
                     table.reshape(-1))
        return
    from scipy.sparse import csc_matrix  # pragma: no cover

    touched, compact = np.unique(rows, return_inverse=True)  # pragma: no cover
    product = csc_matrix((weights, compact, columns_ptr), shape=(len(touched), len(values))) @ values
    table[touched] += product  # pragma: no cover


#: Rows counted by :func:`update_factors`: the most frequent words (ids are frequency ranks).
_COUNTED_ROWS = 1 << 16


def update_factors(centres: np.ndarray, targets: np.ndarray, max_updates: float, n_words: int
                   ) -> tuple[np.ndarray | None, np.ndarray | None] | None:
    """Factors that cap how many updates any one row sums in a batch; None when no row needs one.

    Every update of a batch is computed from the rows as they were before it, then all are summed.
    A row that takes ``m`` updates at once therefore moves like ``m`` steps of sequential SGD that
    never saw each other's effect, and a frequent word's row (``the`` as a noise word, say, hundreds
    of times a batch) overshoots, feeds back through every row it touched, and the run diverges.
    Sequential SGD would have damped those steps as it went; here each of the row's updates is scaled
    by ``max_updates / m``, so no row moves more than ``max_updates`` steps' worth in one batch.
    Rows below the bound, nearly all of them, are untouched.

    An update is what word2vec applies at once: one (pair, target) term for an output row, one pair
    (its ``k`` terms, summed) for an input row, which therefore counts ``k`` terms per pair.
    ``targets`` are output word ids (``pairs x k``, not offset). Returns float32 factors per pair for
    the input rows and per (pair, target) for the output rows, None for a side with no row over the
    bound. Scaling the terms, rather than the rows after the scatter, keeps each worker's correction
    to its own updates when several share a table.
    """
    k = targets.shape[1]
    if len(centres) * k <= max_updates:  # not even one row can pass the bound
        return None
    out_ids, in_ids = targets, centres
    if n_words > _COUNTED_ROWS:
        # Ids are frequency ranks: a batch cannot pile enough updates onto a rarer word to matter,
        # and a huge vocabulary is not scanned per batch. The rarer ids share one bin, never capped.
        out_ids, in_ids = np.minimum(targets, _COUNTED_ROWS), np.minimum(centres, _COUNTED_ROWS)
    per_pair = _factors(np.bincount(in_ids), in_ids, max_updates / k)
    per_target = _factors(np.bincount(out_ids.reshape(-1)), out_ids, max_updates)
    return None if per_target is None and per_pair is None else (per_pair, per_target)


def _factors(counts: np.ndarray, ids: np.ndarray, bound: float) -> np.ndarray | None:
    """``bound / count`` for the ids whose count passes ``bound``, 1 for the rest; None if none does."""
    counted = counts[:_COUNTED_ROWS]  # a last bin past these holds the rarer ids together: never capped
    if counted.max() <= bound:
        return None
    heavy = np.flatnonzero(counted > bound)
    table = np.ones(len(counts), dtype=np.float32)
    table[heavy] = bound / counts[heavy]
    return np.take(table, ids)


def sgns_step(table: np.ndarray, n_words: int, centres: np.ndarray, contexts: np.ndarray,
              noise: np.ndarray, lr: float, max_updates: float = math.inf) -> float:
    """One batched SGNS update; returns the summed binary cross-entropy of its examples (float64).

    ``table`` holds both tables: rows ``[0, n_words)`` are input vectors, rows ``[n_words, 2 n_words)``
    output vectors, so one gather and one scatter serve both. ``noise`` is (pairs, negative).
    Every gradient is computed from the rows as they were before the batch, then all are applied;
    a row that takes more than ``max_updates`` of them has their sum scaled down to that many
    (:func:`update_factors`: what keeps large batches and several workers from diverging).
    """
    pairs, negative = noise.shape
    k = negative + 1
    targets = np.empty((pairs, k), dtype=np.int32)
    targets[:, 0] = contexts
    targets[:, 1:] = noise
    factors = update_factors(centres, targets, max(1.0, max_updates), n_words)
    targets += n_words
    rows = np.concatenate((centres, targets.reshape(-1)))
    gathered = np.take(table, rows, axis=0)  # (pairs * (1 + k), dim): inputs, then targets
    inputs = gathered[:pairs]
    outputs = gathered[pairs:].reshape(pairs, k, -1)

    # Signed scores: positive for the real context, negated for noise, so sigmoid(z) is the probability
    # the model gives the right label. Then prob - 1 (real) and prob (noise) are both -sign * (1 - sigmoid(z)).
    z = np.einsum("bd,bkd->bk", inputs, outputs)
    z[:, 1:] *= -1
    right = expit(z)
    loss = -np.log(np.maximum(right, np.finfo(np.float32).tiny)).sum(dtype=np.float64)
    step = (1.0 - right) * np.float32(lr)  # -(gradient) * lr, with the sign of the label
    step[:, 1:] *= -1

    # input row of pair b  += sum_k step[b, k] * output[b, k]
    # output row of (b, k) += step[b, k] * input[b]
    entry_rows = np.concatenate((targets.reshape(-1), np.repeat(centres, k)))
    per_pair, per_target = factors or (None, None)
    weights = np.empty((2, pairs, k), dtype=np.float32)  # output rows' entries, then input rows'
    np.multiply(step, 1 if per_target is None else per_target, out=weights[0])
    np.multiply(step, 1 if per_pair is None else per_pair[:, None], out=weights[1])
    weights = weights.reshape(-1)
    columns_ptr = np.concatenate((np.arange(0, pairs * k, k, dtype=np.int32),
                                  np.arange(pairs * k, 2 * pairs * k + 1, dtype=np.int32)))
    scatter_add(table, entry_rows, columns_ptr, weights, gathered)
    return float(loss)


def initial_rows(count: int, dim: int, seed: int) -> np.ndarray:
    """The first ``count`` input rows of :func:`initial_table`, the same numbers, without the rest.

    (Shows the untrained map of the most frequent words without building a whole table.)
    """
    rng = np.random.default_rng(seed)
    return (rng.random((count, dim), dtype=np.float32) - 0.5) / dim


def initial_table(n_words: int, dim: int, seed: int) -> np.ndarray:
    """Input rows uniform(-0.5, 0.5)/dim and output rows zero, as in the article."""
    table = np.zeros((2 * n_words, dim), dtype=np.float32)
    table[:n_words] = initial_rows(n_words, dim, seed)
    return table


class BatchRunner:
    """Trains batch ``i`` of a run's schedule: subsample, pair, draw noise, update. One per worker.

    Batch ``i`` covers tokens ``[(i mod B) * size, ...)`` of the corpus, where ``B`` batches make an
    epoch; its learning rate is the schedule's at ``i / total`` and its random numbers come from
    ``(seed, i)``, so a batch draws the same whichever worker runs it and a resumed run continues
    exactly. Windows do not cross batch borders, which loses well under 1% of the pairs (gensim does
    the same at its 10,000-word sentence borders).
    """

    def __init__(self, tokens: np.ndarray, table: np.ndarray, keep: np.ndarray, noise: AliasSampler,
                 config: TrainConfig):
        self.tokens = tokens
        self.table = table
        self.n_words = len(keep)
        self.keep = keep
        self.noise = noise
        self.config = config
        self.size = config.batch_tokens
        self.per_epoch = -(-len(tokens) // self.size)
        self.total = self.per_epoch * config.epochs

    def lr(self, index: int) -> float:
        c = self.config
        return c.lr - (c.lr - c.min_lr) * index / self.total

    def max_updates(self, lr: float) -> float:
        """How many updates one row may sum in a batch: ``max_row_step`` shared among the workers.

        Workers add onto the same rows at once, each from rows it read before the others' updates
        landed, so with ``w`` workers a row can take ``w`` batches' worth of stale updates together.
        The bound is on the step (lr x updates), so it loosens as the learning rate decays.
        """
        return self.config.max_row_step / (self.config.workers * lr) if lr > 0 else math.inf

    def run(self, index: int) -> tuple[int, float, int, int]:
        """Train batch ``index``; returns (corpus tokens, summed loss, examples, pairs)."""
        cfg = self.config
        rng = np.random.default_rng([cfg.seed, index])
        start = (index % self.per_epoch) * self.size
        chunk = self.tokens[start:start + self.size]
        kept = chunk[rng.random(len(chunk), dtype=np.float32) < self.keep[chunk]]
        if len(kept) < 2:
            return len(chunk), 0.0, 0, 0
        reduced = rng.integers(1, cfg.window + 1, size=len(kept), dtype=np.int32)
        centres, contexts = make_pairs(kept, reduced, cfg.window)
        pairs = len(centres)
        if not pairs:
            return len(chunk), 0.0, 0, 0
        noise = self.noise.sample(rng, pairs * cfg.negative).reshape(pairs, cfg.negative)
        lr = self.lr(index)
        loss = sgns_step(self.table, self.n_words, centres, contexts, noise, lr, self.max_updates(lr))
        return len(chunk), loss, pairs * (cfg.negative + 1), pairs
