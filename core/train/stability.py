"""How far to trust one model: train it several times (other seeds, or bootstrap samples of the text)
and measure, word by word, how much the runs agree.

Antoniak and Mimno (TACL 2018) advise never to trust a single model of a small corpus; Wendlandt et al.
(NAACL 2018) find words of 100-200 occurrences often unstable. Per word this measures the agreement of
its top-10 neighbours across runs (the mean Jaccard overlap over every pair of runs: 1 = the same
neighbours every time) and the spread of its similarities (the standard deviation across runs of its
cosine with each of its consensus neighbours, averaged). Neighbour sets need no alignment: they are
the same whatever rotation each run ended in.

Each run is an ordinary :class:`~core.train.trainer.Trainer` run (its workers, its divergence watch);
:meth:`StabilityRuns.stop` stops the run in progress and no further run starts.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass
from functools import cached_property
from typing import Callable, Sequence

import numpy as np

from ..config import TrainConfig
from ..errors import StudioError
from ..text.vocab import Vocab
from ..vectors.compare import jaccard_rows, top_neighbours
from ..vectors.model import Model
from .trainer import Progress, Trainer

PASSAGE_TOKENS = 1000  # a bootstrap resamples passages of this many tokens (the token ids keep no file borders)
UNSTABLE_BELOW = 0.5  # a word whose runs share fewer than half their neighbours (mean Jaccard) is flagged
DEFAULT_WORDS = 10_000

RunProgress = Callable[[int, int, Progress], None]  # (run index from 0, runs, the trainer's progress)


class StabilityRuns:
    """Trains ``runs`` models on one corpus: seeds ``config.seed + i``, or bootstrap samples of passages."""

    def __init__(self, tokens: np.ndarray, vocab: Vocab, config: TrainConfig, runs: int, bootstrap: bool = False):
        if runs < 2:
            raise StudioError(f"stability needs at least 2 runs, got {runs}")
        self.tokens = np.asarray(tokens)
        self.vocab = vocab
        self.config = config
        self.runs = int(runs)
        self.bootstrap = bool(bootstrap)
        self.stopped = False
        self._lock = threading.Lock()
        self._trainer: Trainer | None = None
        self.restarts: list[str] = []  # what each run that diverged and started again carefully said

    def stop(self) -> None:
        """Stop the run in progress (within milliseconds) and start no other; safe from any thread."""
        with self._lock:
            self.stopped = True
            if self._trainer is not None:
                self._trainer.stop()

    def tokens_of_run(self, index: int) -> np.ndarray:
        """The run's token ids: the whole corpus, or a bootstrap sample of its passages (seeded by the run)."""
        if not self.bootstrap:
            return self.tokens
        n = len(self.tokens)
        starts = np.arange(0, n, PASSAGE_TOKENS)
        rng = np.random.default_rng([self.config.seed, index])
        chosen = rng.choice(len(starts), size=len(starts), replace=True)
        return np.concatenate([self.tokens[starts[i]:starts[i] + PASSAGE_TOKENS] for i in chosen]).astype(np.int32)

    def run(self, on_progress: RunProgress | None = None, progress_interval: float = 0.1) -> list[Model]:
        """The finished models, in order. A stop returns the runs finished before it (the cut one is dropped)."""
        models: list[Model] = []
        for index in range(self.runs):
            config = self.config.replace(seed=self.config.seed + index)
            trainer = Trainer(self.tokens_of_run(index), self.vocab, config)
            with self._lock:
                if self.stopped:
                    break
                self._trainer = trainer
            report = None if on_progress is None else (lambda p, i=index: on_progress(i, self.runs, p))
            model = trainer.train(on_progress=report, progress_interval=progress_interval,
                                  on_restart=self.restarts.append)
            with self._lock:
                self._trainer = None
            if self.stopped or not model.state.finished:
                break
            models.append(model)
        return models


@dataclass(frozen=True)
class StabilityReport:
    """Per word (the ``limit`` most frequent): neighbour agreement and similarity spread across runs."""

    words: list[str]
    counts: np.ndarray
    jaccard: np.ndarray  # mean pairwise Jaccard of the top-k neighbours, 0..1 (1 = stable)
    spread: np.ndarray  # mean std of its cosines with its consensus neighbours
    runs: int
    topn: int

    def unstable(self, below: float = UNSTABLE_BELOW) -> list[str]:
        """The words whose runs agree on fewer than ``below`` of their neighbours, least stable first."""
        rows = np.flatnonzero(self.jaccard < below)
        return [self.words[i] for i in rows[np.argsort(self.jaccard[rows], kind="stable")]]

    def rows(self) -> list[dict]:
        return [{"word": w, "count": int(c), "jaccard": float(j), "spread": float(s)}
                for w, c, j, s in zip(self.words, self.counts, self.jaccard, self.spread)]

    @cached_property
    def _rows(self) -> dict[str, int]:
        return {w: i for i, w in enumerate(self.words)}

    def of(self, word: str) -> tuple[float, float] | None:
        """(jaccard, spread) of ``word``, or None if it was not measured."""
        index = self._rows.get(word)
        return None if index is None else (float(self.jaccard[index]), float(self.spread[index]))

    def is_unstable(self, word: str, below: float = UNSTABLE_BELOW) -> bool:
        measured = self.of(word)
        return measured is not None and measured[0] < below


def measure(models: Sequence[Model], topn: int = 10, limit: int | None = DEFAULT_WORDS,
            block: int = 256) -> StabilityReport:
    """Neighbour agreement and similarity spread of the ``limit`` most frequent words across ``models``.

    The models must share one vocabulary (as runs of :class:`StabilityRuns` do). Neighbours are
    sought among the same ``limit`` words.
    """
    if len(models) < 2:
        raise StudioError(f"stability needs at least 2 finished runs, got {len(models)}")
    words = models[0].words
    if any(m.words != words for m in models[1:]):
        raise StudioError("the runs do not share one vocabulary")
    n = len(words) if limit is None else max(2, min(int(limit), len(words)))
    units = [m.unit_vectors[:n] for m in models]
    neighbours = [top_neighbours(u, topn) for u in units]
    pairs = list(itertools.combinations(range(len(models)), 2))
    jaccard = np.mean([jaccard_rows(neighbours[a], neighbours[b]) for a, b in pairs], axis=0)
    spread = np.empty(n)
    k = neighbours[0].shape[1]
    for start in range(0, n, block):  # R x block x n cosines at a time
        rows = np.arange(start, min(start + block, n))
        cosines = np.stack([u[rows] @ u.T for u in units])
        mean = cosines.mean(axis=0)
        mean[np.arange(len(rows)), rows] = -np.inf
        consensus = np.argpartition(mean, n - k, axis=1)[:, n - k:]
        picked = np.take_along_axis(cosines, np.broadcast_to(consensus, (len(units),) + consensus.shape), axis=2)
        spread[rows] = picked.std(axis=0).mean(axis=1)  # the std of the k consensus cosines only
    return StabilityReport(list(words[:n]), models[0].counts[:n].copy(), jaccard, spread, len(models), topn)


def neighbours_across(models: Sequence[Model], word: str, topn: int = 10) -> list[tuple[str, float, float]]:
    """``word``'s ``topn`` neighbours by mean cosine over the runs, with each cosine's std: error bars."""
    if not models:
        raise StudioError("no runs to compare")
    rows = [m.index(word) for m in models]
    cosines = np.stack([m.unit_vectors @ m.unit_vectors[r] for m, r in zip(models, rows)])
    mean, std = cosines.mean(axis=0), cosines.std(axis=0)
    mean[rows[0]] = -np.inf
    k = max(0, min(int(topn), len(mean) - 1))
    top = np.argsort(-mean, kind="stable")[:k]
    return [(models[0].words[i], float(mean[i]), float(std[i])) for i in top]


def similarity_spread(models: Sequence[Model], word: str, others: Sequence[str]) -> list[tuple[float, float]]:
    """Mean and std across ``models`` of ``word``'s cosine with each of ``others`` (nan if a run lacks one)."""
    result = []
    for other in others:
        values = [float(m.unit_vectors[m.index(word)] @ m.unit_vectors[m.index(other)])
                  for m in models if word in m and other in m]
        result.append((float(np.mean(values)), float(np.std(values))) if values else (float("nan"), float("nan")))
    return result


@dataclass(frozen=True)
class Stability:
    """The runs and their report, as the app keeps them."""

    models: list[Model]
    report: StabilityReport
    bootstrap: bool = False
