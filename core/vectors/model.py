"""The trained vectors and the queries people know from gensim's ``KeyedVectors``.

A :class:`Model` holds the vocabulary, the input table (the embeddings), optionally the output table,
the settings it was trained with and its loss history. Queries use cosine similarity against a cached
unit-normalised copy of the input table. The trainer updates the tables in place and calls
:meth:`Model.invalidate` when a run ends; a query made during a run may see the tables as they were
at the first query of the run (copy the rows you want to inspect live).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from ..config import TrainConfig
from ..errors import UnknownWordError
from ..parallel import matvec
from ..text.phrases import JOINER
from ..text.vocab import Vocab


@dataclass
class RunState:
    """How far training got, saved with the model so that a stopped run resumes exactly.

    ``epochs_trained`` counts over the model's whole life; the rest describe its latest run: that
    run's schedule (epochs, corpus tokens, batch size), the first batch of it not done yet, whether it
    finished, and the loss sums of the cut epoch's batches done so far (so that a resumed epoch's loss
    covers the whole epoch). A run with another schedule starts a fresh one.

    ``trained_by`` names the engine when it was not this project's trainer (a model trained by Spark
    MLlib, say, whose algorithm and missing loss the app should admit to); None for our own.
    """

    epochs_trained: int = 0
    run_epochs: int | None = None
    run_tokens: int | None = None
    batch_tokens: int | None = None
    next_batch: int = 0
    finished: bool = True
    epoch_loss: float = 0.0  # summed loss of the batches before next_batch in their epoch
    epoch_examples: int = 0  # the examples those batches scored
    trained_by: str | None = None  # e.g. "Spark MLlib Word2Vec (...)"; None: this project's trainer

    def same_schedule(self, epochs: int, tokens: int, batch_tokens: int) -> bool:
        return (self.run_epochs, self.run_tokens, self.batch_tokens) == (epochs, tokens, batch_tokens)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> "RunState":
        """From :meth:`to_dict`, or from the untyped dict older model files hold; unknown keys are ignored."""
        values = dict(values)
        if "run_next_batch" in values:  # the name before the state was typed
            values.setdefault("next_batch", values.pop("run_next_batch"))
        known = {f.name: f for f in dataclasses.fields(cls)}
        state = cls()
        for name, value in values.items():
            if name not in known or value is None:
                continue
            if name == "trained_by":
                if not isinstance(value, str) or len(value) > 1000:
                    raise ValueError(f"trained_by must be a short text, got {value!r:.60}")
            elif name == "finished":
                if not isinstance(value, bool):
                    raise ValueError(f"finished must be true or false, got {value!r}")
            elif name == "epoch_loss":
                if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < math.inf:
                    raise ValueError(f"epoch_loss must be a finite number of at least 0, got {value!r}")
                value = float(value)
            elif isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"{name} must be a whole number of at least 0, got {value!r}")
            setattr(state, name, value)
        return state


class Model:
    """Word vectors with their vocabulary, and cosine queries over them."""

    def __init__(
        self,
        vocab: Vocab,
        vectors: np.ndarray,
        output: np.ndarray | None = None,
        config: TrainConfig | None = None,
        loss_history: Sequence[float] | np.ndarray | None = None,
        state: RunState | None = None,
    ):
        vectors = np.asarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or vectors.shape[0] != len(vocab):
            raise ValueError(
                f"vectors must have shape ({len(vocab)}, dim), got {vectors.shape}"
            )
        if output is not None:
            output = np.asarray(output, dtype=np.float32)
            if output.shape != vectors.shape:
                raise ValueError(f"output must have shape {vectors.shape}, got {output.shape}")
        self.vocab = vocab
        self.vectors = vectors
        self.output = output
        self.config = config
        self.loss_history = np.asarray(
            [] if loss_history is None else loss_history, dtype=np.float64
        ).reshape(-1)
        self.state = state if state is not None else RunState()
        self._unit: np.ndarray | None = None

    # -- basic container behaviour ---------------------------------------------------------------

    @property
    def words(self) -> list[str]:
        return self.vocab.words

    @property
    def counts(self) -> np.ndarray:
        return self.vocab.counts

    @property
    def dim(self) -> int:
        return int(self.vectors.shape[1])

    def __len__(self) -> int:
        return len(self.vocab)

    def __contains__(self, word: object) -> bool:
        if not isinstance(word, str):
            return False
        return word in self.vocab.index or word.lower() in self.vocab.index

    def __repr__(self) -> str:
        return f"Model({len(self)} words x {self.dim} dims)"

    def index(self, word: str) -> int:
        """Row of ``word``: the exact form, else its lowercase form; unknown -> UnknownWordError."""
        idx = self.vocab.index.get(word)
        if idx is None and isinstance(word, str):
            idx = self.vocab.index.get(word.lower())
            if idx is None and " " in word.strip():  # a phrase typed with spaces: pyotr stepanovitch
                idx = self.vocab.index.get(JOINER.join(word.lower().split()))
        if idx is None:
            raise UnknownWordError(word, self.vocab.suggest(word), self.vocab.why_missing(str(word).lower()))
        return idx

    def vector(self, word: str) -> np.ndarray:
        """The embedding of ``word`` (a copy)."""
        return self.vectors[self.index(word)].copy()

    # -- the cached unit matrix -----------------------------------------------------------------

    def invalidate(self) -> None:
        """Drop cached unit vectors (call after changing ``vectors`` in place)."""
        self._unit = None

    @property
    def unit_vectors(self) -> np.ndarray:
        """Rows of ``vectors`` scaled to length 1 (zero rows stay zero), float32, cached."""
        if self._unit is None:
            self._unit = _normalise_rows(self.vectors)
        return self._unit

    # -- queries --------------------------------------------------------------------------------

    def most_similar(
        self, word_or_vector: str | np.ndarray, topn: int = 10
    ) -> list[tuple[str, float]]:
        """The ``topn`` words closest by cosine; a query word is left out of its own answer."""
        if isinstance(word_or_vector, str):
            idx = self.index(word_or_vector)
            return self._nearest(self.unit_vectors[idx], topn, exclude=(idx,))
        query = np.asarray(word_or_vector, dtype=np.float32).reshape(-1)
        if query.shape[0] != self.dim:
            raise ValueError(f"query vector must have {self.dim} values, got {query.shape[0]}")
        return self._nearest(_unit(query), topn, exclude=())

    def similarity(self, a: str, b: str) -> float:
        """Cosine similarity of two words."""
        unit = self.unit_vectors
        return float(np.dot(unit[self.index(a)], unit[self.index(b)]))

    def analogy(
        self, positive: Sequence[str], negative: Sequence[str] = (), topn: int = 10
    ) -> list[tuple[str, float]]:
        """3CosAdd, as gensim's ``most_similar(positive, negative)``.

        The mean of the unit vectors of ``positive`` minus those of ``negative``, normalised; the
        words nearest to it by cosine, the input words excluded.
        ``analogy(["king", "woman"], ["man"])`` answers "queen" on a good model.
        """
        if isinstance(positive, str):
            positive = [positive]
        if isinstance(negative, str):
            negative = [negative]
        if not positive and not negative:
            raise ValueError("analogy needs at least one word")
        unit = self.unit_vectors
        pos = [self.index(w) for w in positive]
        neg = [self.index(w) for w in negative]
        weights = np.array([1.0] * len(pos) + [-1.0] * len(neg), dtype=np.float32)
        rows = unit[pos + neg]
        mean = (weights[:, None] * rows).sum(axis=0) / len(weights)
        return self._nearest(_unit(mean), topn, exclude=tuple(pos + neg))

    def similarity_matrix(self, words: Sequence[str]) -> np.ndarray:
        """Cosine similarity of every pair of ``words``: an (n, n) float32 table."""
        rows = self.unit_vectors[[self.index(w) for w in words]]
        return (rows @ rows.T).astype(np.float32)

    # -- helpers --------------------------------------------------------------------------------

    def _nearest(
        self, unit_query: np.ndarray, topn: int, exclude: Sequence[int]
    ) -> list[tuple[str, float]]:
        n = len(self)
        topn = max(0, min(int(topn), n - len(set(exclude))))
        if topn == 0:
            return []
        scores = matvec(self.unit_vectors, unit_query.astype(np.float32, copy=False))
        if exclude:
            scores[list(exclude)] = -np.inf
        if topn < n:
            top = np.argpartition(scores, n - topn)[n - topn:]
        else:
            top = np.arange(n)
        top = top[np.argsort(-scores[top], kind="stable")]
        words = self.vocab.words
        return [(words[i], float(scores[i])) for i in top]


def _normalise_rows(matrix: np.ndarray) -> np.ndarray:
    matrix = np.asarray(matrix, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return (matrix / norms).astype(np.float32, copy=False)


def _unit(vector: np.ndarray) -> np.ndarray:
    vector = np.asarray(vector, dtype=np.float32)
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm > 0 else vector
