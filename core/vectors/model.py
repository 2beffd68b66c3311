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
from ..errors import StudioError, UnknownWordError
from ..parallel import matvec
from ..text.phrases import JOINER
from ..text.vocab import Vocab
from .formula import looks_like_formula, parse_formula


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
        #: The training timeline (core.vectors.timeline.Timeline), or None (imported, or trained before it)
        self.timeline = None
        #: Character n-gram rows (core.vectors.subwords.Subwords) that build unseen words' vectors, or None
        self.subwords = None
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
        """Whether :meth:`index` finds ``word`` (its exact form, its lowercase form, or a phrase typed with spaces)."""
        return isinstance(word, str) and self._row_of(word) is not None

    def __repr__(self) -> str:
        return f"Model({len(self)} words x {self.dim} dims)"

    def index(self, word: str) -> int:
        """Row of ``word``: the exact form, else its lowercase form; unknown -> UnknownWordError."""
        idx = self._row_of(word)
        if idx is None:
            raise self._unknown(word)
        return idx

    def _row_of(self, word: str) -> int | None:
        """The exact form, else the lowercase form, else a phrase typed with spaces (pyotr stepanovitch)."""
        idx = self.vocab.index.get(word)
        if idx is None and isinstance(word, str):
            idx = self.vocab.index.get(word.lower())
            if idx is None and " " in word.strip():
                idx = self.vocab.index.get(JOINER.join(word.lower().split()))
        return idx

    def _unknown(self, word: str) -> UnknownWordError:
        """Close spellings, and why a word of the corpus is missing (its count), for the message."""
        return UnknownWordError(word, self.vocab.suggest(word), self.vocab.why_missing(str(word).lower()))

    def vector(self, word: str) -> np.ndarray:
        """The embedding of ``word`` (a copy); a word outside the vocabulary is built from its letters
        when the model has subword n-grams (see :meth:`from_letters`)."""
        idx = self._row_of(word)
        if idx is None:
            built = self._from_letters(word)
            if built is None:
                raise self._unknown(word)
            return built
        return self.vectors[idx].copy()

    def from_letters(self, word: str) -> bool:
        """Whether ``word`` is outside the vocabulary and answers from its character n-grams instead."""
        return self._row_of(word) is None and self._from_letters(word) is not None

    def _from_letters(self, word: str) -> np.ndarray | None:
        """An unseen word's vector from its n-grams (its lowercase form, as the vocabulary's words are
        lowercase when the model was trained here), or None without n-grams."""
        if self.subwords is None or not isinstance(word, str) or not word.strip():
            return None
        form = word if self.config is None else word.lower()
        return self.subwords.unseen(form)

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
        self, word_or_vector: str | np.ndarray | None = None, topn: int = 10, *,
        positive: Sequence[str] | str = (), negative: Sequence[str] | str = ()
    ) -> list[tuple[str, float]]:
        """The ``topn`` words closest by cosine to a word, a formula (``king - man + woman``) or a vector;
        or, called as gensim's ``most_similar(positive=[...], negative=[...])``, to 3CosAdd's query.

        The query's own words are left out of its answer.
        """
        if word_or_vector is None:
            return self.analogy(positive, negative, topn=topn)
        if positive or negative:
            raise StudioError("give either a word (or vector) or positive=/negative= words, not both")
        if isinstance(word_or_vector, str):
            query, rows = self.query_vector(word_or_vector)
            return self._nearest(query, topn, exclude=rows)
        query = np.asarray(word_or_vector, dtype=np.float32).reshape(-1)
        if query.shape[0] != self.dim:
            raise ValueError(f"query vector must have {self.dim} values, got {query.shape[0]}")
        return self._nearest(_unit(query), topn, exclude=())

    def query_vector(self, text: str) -> tuple[np.ndarray, tuple[int, ...]]:
        """The unit vector a word or formula stands for, and the rows of its words.

        A word of the vocabulary is that word even if it holds a ``-``; anything else that reads as a
        formula is 3CosAdd's normalised mean (see :meth:`analogy`); an unknown single word raises
        UnknownWordError with suggestions.
        """
        idx = self._row_of(text)
        if idx is not None:
            return self.unit_vectors[idx], (idx,)
        if not looks_like_formula(text):
            built = self._from_letters(text)
            if built is None:
                raise self._unknown(text)
            return _unit(built), ()
        formula = parse_formula(text)
        return self._mean_unit(formula.positive, formula.negative)

    def similarity(self, a: str, b: str) -> float:
        """Cosine similarity of two words (or formulas)."""
        return float(np.dot(self.query_vector(a)[0], self.query_vector(b)[0]))

    def analogy(
        self, positive: Sequence[str], negative: Sequence[str] = (), topn: int = 10
    ) -> list[tuple[str, float]]:
        """3CosAdd, as gensim's ``most_similar(positive, negative)``.

        The mean of the unit vectors of ``positive`` minus those of ``negative``, normalised; the
        words nearest to it by cosine, the input words excluded.
        ``analogy(["king", "woman"], ["man"])`` answers "queen" on a good model.
        """
        query, rows = self._mean_unit(positive, negative)
        return self._nearest(query, topn, exclude=rows)

    def most_similar_cosmul(
        self, positive: Sequence[str] | str = (), negative: Sequence[str] | str = (), topn: int = 10
    ) -> list[tuple[str, float]]:
        """3CosMul (Levy and Goldberg 2014), as gensim's ``most_similar_cosmul``.

        Each word's cosine to each input word is shifted to [0, 1]; the score is the product over the
        positive words divided by the product over the negative ones (plus 1e-6). Less swayed than
        3CosAdd by one large similarity; the input words are excluded.
        """
        positive, negative = _as_list(positive), _as_list(negative)
        if not positive:
            raise StudioError("3CosMul needs at least one positive word")
        unit = self.unit_vectors
        pos = [self.index(w) for w in positive]
        neg = [self.index(w) for w in negative]
        shifted = (1.0 + unit @ unit[pos + neg].T) / 2.0  # (n, terms), float32 as gensim computes it
        scores = np.prod(shifted[:, :len(pos)], axis=1) / (np.prod(shifted[:, len(pos):], axis=1) + 1e-6)
        return self._top(scores.astype(np.float32), topn, exclude=tuple(pos + neg))

    def doesnt_match(self, words: Sequence[str]) -> str:
        """The word of ``words`` furthest from their mean (of unit vectors), as gensim's ``doesnt_match``."""
        words = _as_list(words)
        if len(words) < 2:
            raise StudioError("doesnt_match needs at least two words")
        rows = self.unit_vectors[[self.index(w) for w in words]]
        scores = rows @ _unit(rows.mean(axis=0))
        return words[int(np.argmin(scores))]

    def n_similarity(self, words_1: Sequence[str], words_2: Sequence[str]) -> float:
        """Cosine between the means of two word sets' (raw) vectors, as gensim's ``n_similarity``."""
        words_1, words_2 = _as_list(words_1), _as_list(words_2)
        if not words_1 or not words_2:
            raise StudioError("n_similarity needs at least one word on each side")
        mean_1 = self.vectors[[self.index(w) for w in words_1]].mean(axis=0)
        mean_2 = self.vectors[[self.index(w) for w in words_2]].mean(axis=0)
        return float(np.dot(_unit(mean_1), _unit(mean_2)))

    def similarity_matrix(self, words: Sequence[str]) -> np.ndarray:
        """Cosine similarity of every pair of ``words``: an (n, n) float32 table."""
        rows = self.unit_vectors[[self.index(w) for w in words]]
        return (rows @ rows.T).astype(np.float32)

    # -- helpers --------------------------------------------------------------------------------

    def _mean_unit(self, positive: Sequence[str], negative: Sequence[str]) -> tuple[np.ndarray, tuple[int, ...]]:
        """3CosAdd's query: the normalised mean of +unit(positive) and -unit(negative), and their rows."""
        positive, negative = _as_list(positive), _as_list(negative)
        if not positive and not negative:
            raise StudioError("a query needs at least one word")
        pos = [self.index(w) for w in positive]
        neg = [self.index(w) for w in negative]
        weights = np.array([1.0] * len(pos) + [-1.0] * len(neg), dtype=np.float32)
        mean = (weights[:, None] * self.unit_vectors[pos + neg]).sum(axis=0) / len(weights)
        return _unit(mean), tuple(pos + neg)

    def _nearest(
        self, unit_query: np.ndarray, topn: int, exclude: Sequence[int]
    ) -> list[tuple[str, float]]:
        if max(0, min(int(topn), len(self) - len(set(exclude)))) == 0:
            return []
        return self._top(matvec(self.unit_vectors, unit_query.astype(np.float32, copy=False)), topn, exclude)

    def _top(self, scores: np.ndarray, topn: int, exclude: Sequence[int]) -> list[tuple[str, float]]:
        """The ``topn`` highest ``scores`` (one per word; changed in place), ``exclude`` left out."""
        n = len(self)
        topn = max(0, min(int(topn), n - len(set(exclude))))
        if topn == 0:
            return []
        if exclude:
            scores[list(exclude)] = -np.inf
        if topn < n:
            top = np.argpartition(scores, n - topn)[n - topn:]
        else:
            top = np.arange(n)
        top = top[np.argsort(-scores[top], kind="stable")]
        words = self.vocab.words
        return [(words[i], float(scores[i])) for i in top]


def _as_list(words: Sequence[str] | str) -> list[str]:
    """gensim's shorthand: one word may stand for a list of one."""
    return [words] if isinstance(words, str) else list(words)


def _normalise_rows(matrix: np.ndarray) -> np.ndarray:
    matrix = np.asarray(matrix, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return (matrix / norms).astype(np.float32, copy=False)


def _unit(vector: np.ndarray) -> np.ndarray:
    vector = np.asarray(vector, dtype=np.float32)
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm > 0 else vector
