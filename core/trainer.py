"""Skip-gram with negative sampling (SGNS), batched in NumPy.

The article's algorithm, unchanged in substance: an input table initialised uniform(-0.5, 0.5)/dim and an
output table of zeros; for each (centre, context) pair, one positive example and ``negative`` noise words
drawn from counts**0.75; sigmoid scores; binary cross-entropy; gradients ``prob - 1`` for the positive and
``prob`` for the negatives. Plus what every real word2vec adds: subsampling of frequent words, a reduced
window drawn per centre word, and a learning rate decaying linearly from ``lr`` to ``min_lr``.

What makes it fast is doing a batch of about a thousand tokens at once: the pairs come from array
operations, every row a batch touches is gathered in one ``take``, scores and gradients are computed for
the whole batch, and all updates are scattered back, duplicates summed, by one sparse product
(see :func:`scatter_add`). Several workers run batches concurrently on the shared float32 tables without
locks, as word2vec and gensim do ("Hogwild"): NumPy and SciPy release the GIL inside these operations.

The loss is exact: the mean binary cross-entropy over every scored example (each real pair and each of its
negatives), summed in float64. An untrained model scores ln 2 = 0.693.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass
from typing import Callable

import numpy as np
from scipy.special import expit

from .config import TrainConfig
from .errors import ConfigError, TrainingDiverged
from .model import Model
from .vocab import AliasSampler, Vocab

try:  # The fast path: SciPy's C kernel that adds a sparse product into an existing array, in place.
    from scipy.sparse._sparsetools import csc_matvecs as _csc_matvecs
except ImportError:  # pragma: no cover - private SciPy API; the public fallback below is exact too
    _csc_matvecs = None


@dataclass(frozen=True)
class Progress:
    """A progress report, sent every ``progress_interval`` seconds from the training thread."""

    epoch: int  # 1-based epoch now running
    epochs: int  # epochs in this run
    fraction: float  # of the whole run, 0..1
    words_done: int  # corpus tokens processed so far in this run
    words_per_sec: float
    lr: float  # current learning rate
    eta_seconds: float
    loss: float  # mean binary cross-entropy per example since the last report (nan if none)
    pairs: int  # real (centre, context) pairs trained since the last report


@dataclass(frozen=True)
class EpochEnd:
    epoch: int  # 1-based
    epochs: int
    loss: float  # mean binary cross-entropy per example over the epoch
    seconds: float


ProgressCallback = Callable[[Progress], None]
EpochCallback = Callable[[EpochEnd], None]


# ---------------------------------------------------------------------------------------------------
# The pieces of one batch, each a plain function so tests can hold them against per-pair references.


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


def sgns_step(table: np.ndarray, n_words: int, centres: np.ndarray, contexts: np.ndarray,
              noise: np.ndarray, lr: float) -> float:
    """One batched SGNS update; returns the summed binary cross-entropy of its examples (float64).

    ``table`` holds both tables: rows ``[0, n_words)`` are input vectors, rows ``[n_words, 2 n_words)``
    output vectors, so one gather and one scatter serve both. ``noise`` is (pairs, negative).
    Every gradient is computed from the rows as they were before the batch, then all are applied.
    """
    pairs, negative = noise.shape
    k = negative + 1
    targets = np.empty((pairs, k), dtype=np.int32)
    targets[:, 0] = contexts
    targets[:, 1:] = noise
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
    flat_step = step.reshape(-1)
    entry_rows = np.concatenate((targets.reshape(-1), np.repeat(centres, k)))
    weights = np.concatenate((flat_step, flat_step))
    columns_ptr = np.concatenate((np.arange(0, pairs * k, k, dtype=np.int32),
                                  np.arange(pairs * k, 2 * pairs * k + 1, dtype=np.int32)))
    scatter_add(table, entry_rows, columns_ptr, weights, gathered)
    return float(loss)


# ---------------------------------------------------------------------------------------------------


def initial_table(n_words: int, dim: int, seed: int) -> np.ndarray:
    """Input rows uniform(-0.5, 0.5)/dim and output rows zero, as in the article."""
    table = np.zeros((2 * n_words, dim), dtype=np.float32)
    rng = np.random.default_rng(seed)
    table[:n_words] = (rng.random((n_words, dim), dtype=np.float32) - 0.5) / dim
    return table


class _Tally:
    """Counters shared by the workers of one run; one lock, taken once per batch."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.words = 0  # corpus tokens done in this run
        self.loss = 0.0  # since the last report
        self.examples = 0
        self.pairs = 0
        self.epoch_loss = 0.0
        self.epoch_examples = 0

    def add(self, words: int, loss: float, examples: int, pairs: int) -> None:
        with self.lock:
            self.words += words
            self.loss += loss
            self.examples += examples
            self.pairs += pairs
            self.epoch_loss += loss
            self.epoch_examples += examples

    def take_report(self) -> tuple[int, float, int, int]:
        with self.lock:
            out = (self.words, self.loss, self.examples, self.pairs)
            self.loss, self.examples, self.pairs = 0.0, 0, 0
            return out

    def take_epoch(self) -> float:
        with self.lock:
            mean = self.epoch_loss / self.epoch_examples if self.epoch_examples else math.nan
            self.epoch_loss, self.epoch_examples = 0.0, 0
            return mean


class Trainer:
    """Trains SGNS vectors on token ids; stop and pause are honoured within 100 ms.

    ``Trainer(corpus.ids, corpus.vocab, TrainConfig()).train()`` returns a :class:`Model`. Passing
    ``model`` continues from it: a run that was stopped resumes where it stopped, on the same learning
    rate schedule; a finished model trains ``config.epochs`` more epochs on a fresh schedule.
    Callbacks run on the thread that called :meth:`train`, between batches, so a callback may read
    ``trainer.model`` (copy what it keeps: the tables keep changing).
    """

    def __init__(self, tokens: np.ndarray, vocab: Vocab, config: TrainConfig, model: Model | None = None):
        tokens = np.ascontiguousarray(tokens, dtype=np.int32)
        if len(vocab) < 2:
            raise ConfigError("the vocabulary needs at least two words to train")
        if len(tokens) < 2:
            raise ConfigError("the corpus needs at least two tokens to train")
        if tokens.min() < 0 or tokens.max() >= len(vocab):
            raise ValueError("token ids outside the vocabulary")
        self.tokens = tokens
        self.vocab = vocab
        self.config = config
        self.stop_event = threading.Event()
        self.pause_event = threading.Event()
        self.model = self._starting_model(model)
        self._keep = vocab.keep_probabilities(config.sample).astype(np.float32)
        self._noise = AliasSampler(vocab.noise_probabilities(0.75))

    # -- control, safe to call from any thread
    def stop(self) -> None:
        self.stop_event.set()

    def pause(self) -> None:
        self.pause_event.set()

    def resume(self) -> None:
        self.pause_event.clear()

    # -- setup
    def _starting_model(self, model: Model | None) -> Model:
        n, dim = len(self.vocab), self.config.dim
        if model is None:
            table = initial_table(n, dim, self.config.seed)
            history: list[float] = []
            state = {"epochs_trained": 0}
        else:
            if len(model) != n or model.dim != dim:
                raise ConfigError(
                    f"cannot continue a {len(model)}-word, {model.dim}-dimension model with a "
                    f"{n}-word vocabulary and dim={dim}")
            table = np.empty((2 * n, dim), dtype=np.float32)
            table[:n] = model.vectors
            table[n:] = 0.0 if model.output is None else model.output
            history = list(model.loss_history)
            state = dict(model.state)
        self._table = table
        return Model(self.vocab, table[:n], table[n:], config=self.config, loss_history=history,
                     state=state)

    def _resume_batch(self) -> int:
        """First batch of the schedule still to do, if the model's last run was cut short, else 0."""
        state = self.model.state
        same_run = (state.get("run_epochs") == self.config.epochs
                    and state.get("run_tokens") == len(self.tokens)
                    and state.get("batch_tokens") == self.config.batch_tokens)
        return int(state.get("run_next_batch", 0)) if same_run and not state.get("finished", True) else 0

    def _tokens_before(self, batch_index: int) -> int:
        """Corpus tokens in the batches of the schedule before ``batch_index``."""
        per_epoch = -(-len(self.tokens) // self.config.batch_tokens)
        epochs, within = divmod(batch_index, per_epoch)
        return epochs * len(self.tokens) + min(within * self.config.batch_tokens, len(self.tokens))

    # -- the loop
    def train(self, on_progress: ProgressCallback | None = None, on_epoch_end: EpochCallback | None = None,
              progress_interval: float = 0.1) -> Model:
        cfg, n_tokens = self.config, len(self.tokens)
        batch = cfg.batch_tokens
        batches_per_epoch = -(-n_tokens // batch)
        total_batches = batches_per_epoch * cfg.epochs
        first = self._resume_batch()
        first_words = self._tokens_before(first)
        run_words = n_tokens * cfg.epochs
        state = self.model.state
        state.update(run_epochs=cfg.epochs, run_tokens=n_tokens, batch_tokens=batch, finished=False)

        tally = _Tally()
        stopped_early = False
        self._diverged = False
        started = time.perf_counter()
        last_report = [started]

        def report(now: float) -> None:
            words, loss, examples, pairs = tally.take_report()
            done_words = first_words + words
            elapsed = now - started
            speed = words / elapsed if elapsed > 0 else 0.0
            fraction = done_words / run_words
            on_progress(Progress(
                epoch=min(cfg.epochs, done_words // n_tokens + 1), epochs=cfg.epochs, fraction=fraction,
                words_done=done_words, words_per_sec=speed, lr=self._lr(fraction),
                eta_seconds=(run_words - done_words) / speed if speed > 0 else math.inf,
                loss=loss / examples if examples else math.nan, pairs=pairs))
            last_report[0] = now

        for epoch in range(first // batches_per_epoch, cfg.epochs):
            epoch_start = time.perf_counter()
            lo = max(first, epoch * batches_per_epoch)
            hi = (epoch + 1) * batches_per_epoch
            cursor = _Cursor(lo, hi)

            def on_batch() -> None:  # runs on this thread only, between its batches
                now = time.perf_counter()
                if on_progress is not None and now - last_report[0] >= progress_interval:
                    report(now)

            helpers = [threading.Thread(target=self._work, args=(cursor, tally, epoch, w, total_batches, None),
                                        daemon=True, name=f"sgns-worker-{w}")
                       for w in range(1, cfg.workers)]
            for t in helpers:
                t.start()
            self._work(cursor, tally, epoch, 0, total_batches, on_batch)
            for t in helpers:
                t.join()

            state["run_next_batch"] = cursor.done_upto()
            if self.stop_event.is_set() and cursor.done_upto() < hi:
                tally.take_epoch()
                stopped_early = True
                break
            mean = tally.take_epoch()
            self.model.loss_history = np.append(self.model.loss_history, mean)
            state["epochs_trained"] = int(state.get("epochs_trained", 0)) + 1
            if on_progress is not None:
                report(time.perf_counter())
            if on_epoch_end is not None:
                on_epoch_end(EpochEnd(epoch + 1, cfg.epochs, mean, time.perf_counter() - epoch_start))
            if self.stop_event.is_set():
                stopped_early = epoch + 1 < cfg.epochs
                break
        state["finished"] = not stopped_early
        self.model.invalidate()
        if self._diverged:
            raise TrainingDiverged(
                f"training diverged (the loss became infinite) at lr={cfg.lr}; try a smaller learning rate")
        return self.model

    def _lr(self, fraction: float) -> float:
        return self.config.lr - (self.config.lr - self.config.min_lr) * fraction

    def _work(self, cursor: "_Cursor", tally: _Tally, epoch: int, worker: int, total_batches: int,
              on_batch: Callable[[], None] | None) -> None:
        """Take batches from ``cursor`` until the epoch is done or training is stopped."""
        cfg, n_words = self.config, len(self.vocab)
        rng = np.random.default_rng([cfg.seed, epoch, worker])
        batch = cfg.batch_tokens
        while not self.stop_event.is_set():
            if self.pause_event.is_set():
                time.sleep(0.02)
                if on_batch is not None:
                    on_batch()
                continue
            index = cursor.take()
            if index is None:
                break
            start = (index % -(-len(self.tokens) // batch)) * batch
            chunk = self.tokens[start:start + batch]
            kept = chunk[rng.random(len(chunk), dtype=np.float32) < self._keep[chunk]]
            loss, examples, pairs = 0.0, 0, 0
            if len(kept) > 1:
                reduced = rng.integers(1, cfg.window + 1, size=len(kept), dtype=np.int32)
                centres, contexts = make_pairs(kept, reduced, cfg.window)
                pairs = len(centres)
                if pairs:
                    noise = self._noise.sample(rng, pairs * cfg.negative).reshape(pairs, cfg.negative)
                    lr = self._lr(index / total_batches)
                    loss = sgns_step(self._table, n_words, centres, contexts, noise, lr)
                    examples = pairs * (cfg.negative + 1)
            if not math.isfinite(loss):
                self._diverged = True
                self.stop_event.set()
            tally.add(len(chunk), loss, examples, pairs)
            cursor.finish(index)
            if on_batch is not None:
                on_batch()


class _Cursor:
    """Hands out batch indices of one epoch to the workers, and knows how far they all got."""

    def __init__(self, lo: int, hi: int):
        self._lock = threading.Lock()
        self._next = lo
        self._hi = hi
        self._lo = lo
        self._finished: set[int] = set()
        self._upto = lo

    def take(self) -> int | None:
        with self._lock:
            if self._next >= self._hi:
                return None
            self._next += 1
            return self._next - 1

    def finish(self, index: int) -> None:
        with self._lock:
            self._finished.add(index)
            while self._upto in self._finished:
                self._finished.discard(self._upto)
                self._upto += 1

    def done_upto(self) -> int:
        """Every batch before this index is done (a safe point to resume from)."""
        with self._lock:
            return self._upto


def train(tokens: np.ndarray, vocab: Vocab, config: TrainConfig | None = None, **callbacks) -> Model:
    """Train a new model: ``Trainer(tokens, vocab, config).train(**callbacks)``."""
    return Trainer(tokens, vocab, config or TrainConfig()).train(**callbacks)
