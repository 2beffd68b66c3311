"""The arithmetic of skip-gram with negative sampling, one batch at a time.

The article's algorithm, unchanged in substance: an input table initialised uniform(-0.5, 0.5)/dim and an
output table of zeros; for each (centre, context) pair, one positive example and ``negative`` noise words
drawn from counts**0.75; sigmoid scores; binary cross-entropy; gradients ``prob - 1`` for the positive and
``prob`` for the negatives. Plus what every real word2vec adds: subsampling of frequent words, a reduced
window drawn per centre word, and a learning rate decaying linearly from ``lr`` to ``min_lr``. One change
of method, measured in benchmarks/README.md: a word's noise words are drawn once for its whole window and
shared by its pairs (Ji et al.'s HogBatch), not drawn afresh for each pair.

What makes it fast is doing a batch of hundreds to thousands of tokens at once (sized by its pairs and
the workers, see core.config): every input row is gathered once and seen through a window view, each word's output row
and noise rows once, scores and gradients come from small matrix products over the windows, and all
updates are added back, duplicates summed, by sparse products (see :func:`scatter_add`). Tests hold
:func:`window_step` against a per-example reference.
"""

from __future__ import annotations

import functools
import math
from typing import NamedTuple

import numpy as np

from ..config import TrainConfig
from ..text.vocab import AliasSampler

try:  # The fast path: SciPy's C kernel that adds a sparse product into an existing array, in place.
    from scipy.sparse._sparsetools import csc_matvecs as _csc_matvecs
except ImportError:  # pragma: no cover - private SciPy API; the public fallback below is exact too
    _csc_matvecs = None


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


_TINY = np.finfo(np.float32).tiny  # the loss's floor: a probability of 0 scores -log(tiny) = 87, not inf

#: Rounds in which a noise word equal to its centre is drawn again (BatchRunner._draw_noise).
_NOISE_REDRAWS = 32

#: Corpus tokens read either side of a batch, per unit of window, to find its context-only words.
_MARGIN = 3

#: Rows counted by :func:`_row_factors`: the most frequent words (ids are frequency ranks).
_COUNTED_ROWS = 1 << 16


def _factors(counts: np.ndarray, ids: np.ndarray, bound: float, others: np.ndarray | None = None) -> np.ndarray | None:
    """``bound / count`` for the ids whose count passes ``bound``, 1 for the rest; None if none does.

    ``others`` (the updates other batches in flight are expected to add, for the most frequent rows)
    count too. ``counts`` (a fresh bincount, float64) is changed in place."""
    if not len(counts):
        return None
    counts[_COUNTED_ROWS:] = 0  # a last bin past these holds the rarer ids together: never capped
    if others is not None:
        hot = min(len(others), len(counts))
        counts[:hot] += others[:hot]
    if counts.max() <= bound:
        return None
    return (bound / np.maximum(np.take(counts, ids), bound)).astype(np.float32)


@np.errstate(over="ignore", invalid="ignore")  # a diverging run is caught by its loss, not by warnings
def window_step(table: np.ndarray, n_words: int, tokens: np.ndarray, reduced: np.ndarray, noise: np.ndarray,
                window: int, lr: float, max_updates: float = math.inf,
                in_flight: "InFlight | None" = None, centres: tuple[int, int] | None = None,
                max_logit: float | None = None) -> tuple[float, int]:
    """One batched SGNS update in which each word's noise words are shared by its whole window.

    For position ``i`` the examples are: its word's output row against the input rows of the words within
    ``reduced[i]`` of it (the real pairs), and ``noise[i]``'s output rows against the same input rows.
    This is Ji et al.'s HogBatch (2016): word2vec draws fresh noise per pair; sharing it per window turns
    the work into small matrix products over rows fetched once (each input row once a batch, each output
    row once per centre instead of once per pair), which at dim 100-300 is most of the cost. Returns the
    summed binary cross-entropy (float64) and the number of pairs.

    Every gradient is computed from the rows as they were before the batch, then all are applied; a row
    that sums more than ``max_updates`` updates, counting those that the batches training beside it are
    expected to add (``in_flight``), has each scaled down to fit (:func:`_row_factors`); with
    ``max_logit``, so has a row whose updates could move a score of it by more logits (:func:`_logit_factors`).

    Only positions ``centres`` (first, end; all by default) are centres; the others are context only
    (the words either side of a batch), whose input rows are read and updated but whose windows are not.
    """
    n_all, negative = noise.shape
    first, end = (0, n_all) if centres is None else centres
    n = end - first
    k = negative + 1
    dim = table.shape[1]
    span = 2 * window + 1
    # Each token's input row once, with ``window`` zero rows either side so every position has a full
    # window; ``windows[i]`` is a view of the rows around centre i (nothing copied).
    padded = np.zeros((n_all + 2 * window, dim), dtype=np.float32)
    np.take(table, tokens, axis=0, out=padded[window:window + n_all])
    item = padded.itemsize  # (n, dim, span), as numpy's sliding_window_view makes it, minus its checks' 30 us
    windows = np.ndarray((n, dim, span), dtype=np.float32, buffer=padded, offset=first * dim * item,
                         strides=(dim * item, item, dim * item))
    # Targets laid out target-major, (k, n): row 0 the words themselves, rows 1.. their noise words.
    targets = np.empty((k, n), dtype=np.int32)
    targets[0] = tokens[first:end]
    targets[1:] = noise[first:end].T
    targets += n_words
    outputs = np.take(table, targets.reshape(-1), axis=0).reshape(k, n, dim)
    scores = np.empty((k, n, span), dtype=np.float32)  # every target against every row of its window
    np.matmul(outputs.transpose(1, 0, 2), windows, out=scores.transpose(1, 0, 2))

    valid, pairs_of = _pairs_within(reduced[first:end], window, first, n_all - end)
    pairs = np.flatnonzero(valid)  # by (centre, offset), as an index into (n, span)
    # each pair's input word: position first + centre + offset
    inputs = np.take(tokens, np.take(np.arange(first, end)[:, None] + np.arange(-window, window + 1), pairs))

    # Signed scores: sigmoid(z) is the probability given to the right label; both gradients
    # (prob - 1 for the real word, prob for noise) are then -sign * (1 - sigmoid(z)).
    z = np.take(scores.reshape(k, -1), pairs, axis=1)  # (k, pairs)
    z[1:] *= -1
    right = _sigmoid(z)
    loss = -np.log(np.maximum(right, _TINY)).sum(dtype=np.float64)
    step = (1.0 - right) * np.float32(lr)  # -(gradient) * lr, with the sign of the label
    step[1:] *= -1
    per_input, per_output = _row_factors(inputs, targets - n_words, pairs_of, max(1.0, max_updates), n_words,
                                         in_flight)
    if max_logit is not None:
        per_input, per_output = _logit_factors(step, outputs, padded[first:first + n + 2 * window], span, pairs,
                                               inputs, targets - n_words, n_words, max_logit, per_input, per_output)

    # output row (t, i) += sum over i's window of step * input row: one small product per centre
    dense = np.zeros((k, n * span), dtype=np.float32)
    dense[:, pairs] = step
    to_outputs = np.empty((k, n, dim), dtype=np.float32)
    np.matmul(dense.reshape(k, n, span).transpose(1, 0, 2), windows.transpose(0, 2, 1),
              out=to_outputs.transpose(1, 0, 2))
    # input row at p += step * output row (t, i), for every example p takes part in: a sparse product
    # whose column (t, i) holds i's pairs
    if per_input is not None:
        step *= per_input
    columns = np.zeros(k * n + 1, dtype=np.int32)
    columns[1:] = (np.arange(k, dtype=np.int32)[:, None] * len(pairs) + np.cumsum(pairs_of, dtype=np.int32)).ravel()
    scatter_add(table, np.tile(inputs, k), columns, step.reshape(-1),
                outputs.reshape(-1, dim))
    flat = targets.reshape(-1)
    weights = np.ones(len(flat), dtype=np.float32) if per_output is None else per_output
    scatter_add(table, flat, np.arange(len(flat) + 1, dtype=np.int32), weights, to_outputs.reshape(-1, dim))
    return float(loss), len(pairs)


def _pairs_within(reduced: np.ndarray, window: int, before: int = 0, after: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Which (centre, offset) cells of an (n, 2 window + 1) grid are pairs, and how many each centre has.

    A pair is an offset within the centre's reduced window, not the word itself, and inside the batch's
    words: the centres and the ``before`` and ``after`` context-only words either side of them.
    Only the first and last ``window`` centres can reach past those, so the bounds are applied to
    them alone (masks made once per shape); every other centre has ``2 * reduced`` pairs.
    """
    n = len(reduced)
    before, after = min(before, window), min(after, window)
    reach, first, last = _window_masks(window, before, after)
    valid = reach <= reduced[:, None]
    pairs_of = 2 * reduced
    if before == after == window:  # every window has all its words
        return valid, pairs_of
    if n < 2 * window:  # fewer centres than two windows: check every cell
        around = np.arange(n)[:, None] + np.arange(-window, window + 1)
        valid &= (around >= -before) & (around < n + after)
        return valid, valid.sum(axis=1, dtype=reduced.dtype)
    valid[:window] &= first
    valid[n - window:] &= last
    pairs_of[:window] = valid[:window].sum(axis=1)
    pairs_of[n - window:] = valid[n - window:].sum(axis=1)
    return valid, pairs_of


@functools.lru_cache(maxsize=64)
def _window_masks(window: int, before: int = 0, after: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For :func:`_pairs_within`: each offset's distance (the word itself out of reach), and which offsets
    stay inside the words for the first and for the last ``window`` centres."""
    offsets = np.arange(-window, window + 1)
    reach = np.abs(offsets)
    reach[window] = window + 1
    rows = np.arange(window)[:, None]
    return reach, rows + offsets >= -before, rows + offsets < window + after


def _sigmoid(z: np.ndarray) -> np.ndarray:
    """1 / (1 + exp(-z)) in float32; four times faster than SciPy's expit, and exact enough here
    (an overflowing exp gives 0, which the loss clamps)."""
    out = np.exp(-z)
    out += 1
    return np.reciprocal(out, out=out)


def _row_factors(inputs: np.ndarray, targets: np.ndarray, pairs_of: np.ndarray, max_updates: float,
                 n_words: int, in_flight: "InFlight | None" = None) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Factors that cap how many updates any one row sums while stale (None for a side needing none).

    Every update of a batch is computed from the rows as they were before it, then all are summed.
    A row that takes ``m`` updates at once therefore moves like ``m`` steps of sequential SGD that
    never saw each other's effect, and a frequent word's row (``the`` as a noise word, say, hundreds
    of times a batch) overshoots, feeds back through every row it touched, and the run diverges.
    Sequential SGD would have damped those steps as it went; here each of the row's updates is scaled
    by ``max_updates / m``, so no row moves more than ``max_updates`` steps' worth at once.
    Rows below the bound, nearly all of them, are untouched.

    With other batches training at the same time (workers), their updates to the row land on it
    unseen too: ``in_flight`` adds the updates they are expected to make to each frequent row (from
    its frequency), so a frequent row's share shrinks as batches in flight grow, and a word that is
    rare, with a batch's updates of its own, is bounded as with one worker. (Dividing the bound by the
    batches in flight instead throttled every word at window 10, where one occurrence is ~66 updates.)

    What is counted is terms: an output row takes one per (pair, target), an input row ``k`` per pair (the
    pair's terms, which word2vec sums into one update). Counting an input row's pairs instead, ``k`` times
    looser, still diverged at window 10 with 15 negatives and two workers (benchmarks/README.md,
    "Stability"). ``inputs`` are the pairs' input words, ``targets`` (k, centres) word ids and
    ``pairs_of`` the pairs of each centre. Returns float32 factors per pair for the input rows and per
    target for the output rows.
    """
    k = len(targets)
    if in_flight is None and len(inputs) * k <= max_updates:  # not even one row can pass the bound
        return None, None
    out_ids = targets.reshape(-1)
    if n_words > _COUNTED_ROWS:
        # Ids are frequency ranks: a batch cannot pile enough updates onto a rarer word to matter,
        # and a huge vocabulary is not scanned per batch. The rarer ids share one bin, never capped.
        inputs, out_ids = np.minimum(inputs, _COUNTED_ROWS), np.minimum(out_ids, _COUNTED_ROWS)
    others_in, others_out = (None, None) if in_flight is None else (in_flight.inputs, in_flight.outputs)
    per_input = _factors(np.bincount(inputs).astype(np.float64), inputs, max_updates / k, others_in)
    per_output = _factors(np.bincount(out_ids, weights=np.tile(pairs_of, k)), out_ids, max_updates, others_out)
    return per_input, per_output


def _logit_factors(step: np.ndarray, outputs: np.ndarray, padded: np.ndarray, span: int, pairs: np.ndarray,
                   inputs: np.ndarray, targets: np.ndarray, n_words: int, bound: float,
                   per_input: np.ndarray | None, per_output: np.ndarray | None) -> tuple[np.ndarray | None, np.ndarray | None]:
    """The factors of :func:`_row_factors`, tightened so that no row's updates can move one of its scores
    by more than ``bound`` logits in the batch.

    A row's update is a sum of lr x gradient x partner row; were the partners all to point one way, it
    would move its score with each partner by lr x sum |gradient| x |partner|^2 logits, the number
    bounded here (per input row over its pairs' targets, per output row over its centres' windows). The
    count bound ignores the partners' length: in a text of a few words repeated in long runs the rows grow
    long (|x|^2 of 9 to 36), every update pulls the same way, and a batch overshot by tens of logits until
    the run diverged. ``step`` is lr x signed gradient, (k, pairs); ``padded`` the batch's input rows with
    ``window`` zero rows either side of its centres (``span`` = 2 window + 1); ``pairs`` index (centre,
    offset); ``targets`` (k, centres) word ids.
    """
    k, n = targets.shape
    magnitude = np.abs(step)
    out_sq = np.einsum("knd,knd->kn", outputs, outputs)  # each target's |row|^2
    centre = pairs // span
    per_pair = np.einsum("kp,kp->p", magnitude, np.take(out_sq, centre, axis=1))
    moved_in = np.bincount(inputs, weights=per_pair, minlength=n_words)
    in_sq = np.einsum("nd,nd->n", padded, padded)
    window_sq = np.lib.stride_tricks.as_strided(in_sq, (n, span), (in_sq.itemsize, in_sq.itemsize))
    dense = np.zeros((k, n * span), dtype=np.float32)
    dense[:, pairs] = magnitude
    per_target = np.einsum("kns,ns->kn", dense.reshape(k, n, span), window_sq).reshape(-1)
    moved_out = np.bincount(targets.reshape(-1), weights=per_target, minlength=n_words)

    def tightened(moved: np.ndarray, ids: np.ndarray, factors: np.ndarray | None) -> np.ndarray | None:
        if moved.max(initial=0.0) <= bound:
            return factors
        mine = (bound / np.maximum(np.take(moved, ids), bound)).astype(np.float32)
        return mine if factors is None else np.minimum(factors, mine)

    return tightened(moved_in, inputs, per_input), tightened(moved_out, targets.reshape(-1), per_output)


class InFlight:
    """The updates that the other batches in flight are expected to add to each frequent row.

    A word of frequency ``p`` kept with probability ``keep`` appears ``p keep`` times per corpus token;
    each occurrence is the context of ``window + 1`` centres on average (reduced windows), so its input
    row takes that many pairs; its output row takes as many terms as a centre, and ``window + 1`` more
    for each time it is drawn as a noise word (``negative`` draws per kept token, with probability
    ``noise``). Times the other batches' tokens. Only rows expecting at least one update are kept
    (ids are frequency ranks, so those are the first ones).
    """

    def __init__(self, counts: np.ndarray, keep: np.ndarray, noise: np.ndarray, window: int, negative: int,
                 other_tokens: int):
        p = counts / max(1.0, float(counts.sum()))
        kept = p * keep
        inputs = other_tokens * (window + 1) * kept
        outputs = other_tokens * (window + 1) * (kept + kept.sum() * negative * noise)
        # Both fall as the id (the frequency rank) rises, so the rows expecting an update come first.
        self.inputs = inputs[:min(_COUNTED_ROWS, int(np.count_nonzero(inputs >= 1.0)))]
        self.outputs = outputs[:min(_COUNTED_ROWS, int(np.count_nonzero(outputs >= 1.0)))]


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


class DrawnBatch(NamedTuple):
    """What a batch trains on: ``span`` corpus tokens; ``kept``, the kept words (centres, and context-only
    words either side; None: no pair); their reduced windows and noise words; where the centres lie."""

    span: int
    kept: np.ndarray | None = None
    reduced: np.ndarray | None = None
    noise: np.ndarray | None = None
    centres: tuple[int, int] = (0, 0)


class BatchRunner:
    """Trains batch ``i`` of a run's schedule: subsample, pair, draw noise, update. One per worker.

    Batch ``i`` covers tokens ``[(i mod B) * size, ...)`` of the corpus, where ``B`` batches make an
    epoch; its learning rate is the schedule's at ``i / total`` and its random numbers come from
    ``(seed, i)``, so a batch draws the same whichever worker runs it and a resumed run continues
    exactly. Windows reach across batch borders (:meth:`run`).
    """

    def __init__(self, tokens: np.ndarray, table: np.ndarray, keep: np.ndarray, noise: AliasSampler,
                 config: TrainConfig, counts: np.ndarray | None = None):
        self.tokens = tokens
        self.table = table
        self.n_words = len(keep)
        self.keep = keep
        self.noise = noise
        self.config = config = config.planned()  # (a planned config is its own plan)
        self.size = config.batch_tokens
        self.in_flight = None  # the other batches' expected updates, when batches train side by side
        if config.batches_in_flight > 1:
            if counts is None:
                raise ValueError("batches training side by side need the words' counts")
            self.in_flight = InFlight(np.asarray(counts, dtype=np.float64), keep.astype(np.float64),
                                      noise.probabilities(), config.window, config.negative,
                                      (config.batches_in_flight - 1) * self.size)
        self.per_epoch = -(-len(tokens) // self.size)
        self.total = self.per_epoch * config.epochs
        # Batch i's random numbers: Philox, a counter-based generator, keyed by the seed with its counter
        # starting at block (0, i): a stream per batch by design, set in 1 us where seeding a generator per
        # batch took 10-25 us of a 500 us batch. (Jumping one PCG stream ahead by i x 2**64 instead left
        # the batches' streams correlated, since an LCG's low bits repeat at power-of-two distances, and
        # cost 0.007 on the analogies at dim 100.)
        self._bits = np.random.Philox(key=config.seed)
        self._rng = np.random.Generator(self._bits)
        self._start = self._bits.state

    def lr(self, index: int) -> float:
        c = self.config
        return c.lr - (c.lr - c.min_lr) * index / self.total

    def max_updates(self, lr: float) -> float:
        """How many updates one row may sum while stale: ``max_row_step`` at this learning rate.

        The bound is on the step (lr x updates), so it loosens as the learning rate decays. The updates
        counted include those the other batches in flight are expected to add (:class:`InFlight`).
        """
        return self.config.max_row_step / lr if lr > 0 else math.inf

    def run(self, index: int) -> tuple[int, float, int, int]:
        """Train batch ``index``; returns (corpus tokens, summed loss, examples, pairs)."""
        batch = self.draw(index)
        if batch.kept is None:
            return batch.span, 0.0, 0, 0
        cfg = self.config
        lr = self.lr(index)
        max_logit = cfg.max_row_logit  # the careful bound, if on, shared by the batches in flight
        if max_logit is not None and self.in_flight is not None:
            max_logit /= cfg.batches_in_flight
        loss, pairs = window_step(self.table, self.n_words, batch.kept, batch.reduced, batch.noise, cfg.window, lr,
                                  self.max_updates(lr), self.in_flight, centres=batch.centres, max_logit=max_logit)
        return batch.span, loss, pairs * (cfg.negative + 1), pairs

    def draw(self, index: int) -> "DrawnBatch":
        """Batch ``index``'s words and random draws (the same whichever runner trains it, or when).

        The batch's words are the centres; up to ``window`` kept words either side of it serve as their
        context too (context only: their rows are read and updated, their own windows not trained), so a
        window is not cut at the batch's border (as gensim's is not at 10,000-word
        sentences): with the small batches of many workers, cut windows lost the long-distance pairs.
        """
        cfg = self.config
        rng = self._generator(index)
        start = (index % self.per_epoch) * self.size
        end = min(start + self.size, len(self.tokens))
        reach = _MARGIN * cfg.window  # corpus tokens read either side for the context-only words
        lo, hi = max(0, start - reach), min(len(self.tokens), end + reach)
        chunk = self.tokens[lo:hi]
        kept_at = np.flatnonzero(rng.random(len(chunk), dtype=np.float32) < self.keep[chunk])
        first, last = np.searchsorted(kept_at, (start - lo, end - lo))
        if last <= first:
            return DrawnBatch(end - start)
        context = slice(max(0, first - cfg.window), min(len(kept_at), last + cfg.window))
        kept = chunk[kept_at[context]]
        if len(kept) < 2:  # one word and nothing around it: no pair
            return DrawnBatch(end - start)
        reduced = rng.integers(1, cfg.window + 1, size=len(kept), dtype=np.int32)
        noise = self._draw_noise(rng, kept)  # (the context-only words' are drawn and not used)
        return DrawnBatch(end - start, kept, reduced, noise, (int(first - context.start), int(last - context.start)))

    def _generator(self, index: int) -> np.random.Generator:
        """The generator of batch ``index``: the same numbers whichever worker runs it, or when."""
        self._start["state"]["counter"][:] = (0, index, 0, 0)  # a batch draws far fewer than 2**64 blocks
        self._bits.state = self._start  # (its buffer is empty: nothing carries over from the batch before)
        return self._rng

    def _draw_noise(self, rng: np.random.Generator, centres: np.ndarray) -> np.ndarray:
        """``negative`` noise words per centre, none equal to the centre itself.

        word2vec and gensim skip a noise word that is the real one (it would push the pair apart and
        together at once); here it is drawn again, for a few dozen rounds at most (a vocabulary of one
        word would never stop), so every centre keeps its ``negative`` noise words and the batch its shape.
        """
        negative = self.config.negative
        noise = self.noise.sample(rng, len(centres) * negative).reshape(len(centres), negative)
        flat = noise.reshape(-1)
        clash = np.flatnonzero(noise == centres[:, None])  # ~0.2% of the draws (the article's corpus)
        for _ in range(_NOISE_REDRAWS):
            if not len(clash):
                break
            flat[clash] = self.noise.sample(rng, len(clash))
            clash = clash[flat[clash] == centres[clash // negative]]
        return noise
