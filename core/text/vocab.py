"""The vocabulary: words sorted by count, and the two distributions training draws from.

Subsampling keep-probabilities use gensim's (and word2vec.c's) formula; the noise distribution is
counts**0.75, as in the article. Noise words are drawn with Walker's alias method: exact, and each
draw costs two random numbers and two array lookups whatever the vocabulary size.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..config import DEFAULT_MIN_COUNT
from ..errors import UnknownWordError


@dataclass
class Vocab:
    """Words in descending count order (ties broken alphabetically), with their counts."""

    words: list[str]
    counts: np.ndarray  # int64, same order as words
    #: Words the corpus holds but the vocabulary left out (below min_count, or past max_vocab), with
    #: their counts: a search for one can say why it is missing.
    rare: dict[str, int] = field(default_factory=dict, repr=False)
    min_count: int | None = None  # the cut that made ``rare``, when known
    index: dict[str, int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.counts = np.asarray(self.counts, dtype=np.int64)
        if len(self.words) != len(self.counts):
            raise ValueError("words and counts differ in length")
        self.index = {w: i for i, w in enumerate(self.words)}

    @classmethod
    def from_counts(
        cls, counts: dict[str, int], min_count: int = DEFAULT_MIN_COUNT, max_vocab: int | None = None
    ) -> "Vocab":
        """Keep words seen at least ``min_count`` times, the ``max_vocab`` most frequent of them."""
        return cls.from_arrays(list(counts), np.fromiter(counts.values(), np.int64, len(counts)), min_count,
                               max_vocab)

    @classmethod
    def from_arrays(
        cls, words: list[str], counts: np.ndarray, min_count: int = DEFAULT_MIN_COUNT, max_vocab: int | None = None
    ) -> "Vocab":
        """:meth:`from_counts` for words and their counts side by side (the corpus reader's own form).

        The kept words are sorted by word, then stably by descending count (NumPy); a sort keyed on
        (-count, word) tuples and per-word comprehensions took ~25 ms for the prose's 28,000 words.
        """
        counts = np.asarray(counts, dtype=np.int64)
        kept = np.flatnonzero(counts >= min_count)
        by_word = sorted(range(len(kept)), key=[words[i] for i in kept.tolist()].__getitem__)
        kept = kept[by_word]
        kept = kept[np.argsort(-counts[kept], kind="stable")]
        rare_at = np.flatnonzero((counts > 0) & (counts < min_count)).tolist()
        rare = dict(zip([words[i] for i in rare_at], counts[rare_at].tolist()))
        if max_vocab is not None:
            cut = kept[max_vocab:].tolist()
            rare.update(zip([words[i] for i in cut], counts[cut].tolist()))
            kept = kept[:max_vocab]
        return cls([words[i] for i in kept.tolist()], counts[kept], rare, min_count)

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word: object) -> bool:
        return word in self.index

    def id(self, word: str) -> int:
        try:
            return self.index[word]
        except KeyError:
            raise UnknownWordError(word, self.suggest(word), self.why_missing(word)) from None

    def why_missing(self, word: str) -> str | None:
        """Why a word of the corpus is not in the vocabulary, and what would keep it; None if unseen."""
        count = self.rare.get(word)
        if count is None:
            return None
        times = "once" if count == 1 else f"{count:,} times"
        if self.min_count is not None and count >= self.min_count:  # frequent enough: cut by the size
            return (f"'{word}' occurs {times} in the corpus, but the vocabulary keeps only the "
                    f"{len(self):,} most frequent words; a larger maximum vocabulary would keep it")
        return (f"'{word}' occurs {times} in the corpus, fewer than the minimum count, so it was left out; "
                f"a minimum count of {count} would keep it")

    def suggest(self, word: str, n: int = 3) -> list[str]:
        """Close spellings of ``word`` among the known words, most frequent first on ties."""
        import difflib

        return difflib.get_close_matches(str(word).lower(), self.words[:100_000], n=n, cutoff=0.75)

    @property
    def total(self) -> int:
        return int(self.counts.sum())

    def keep_probabilities(self, sample: float) -> np.ndarray:
        """Probability of keeping each occurrence of a word when subsampling (gensim's formula).

        With ``t = sample * total``, a word seen ``c`` times is kept with probability
        ``(sqrt(c / t) + 1) * t / c``, capped at 1; ``sample == 0`` keeps everything.
        """
        counts = self.counts.astype(np.float64)
        if sample <= 0:
            return np.ones(len(counts))
        threshold = sample * counts.sum()
        return np.minimum(1.0, (np.sqrt(counts / threshold) + 1.0) * threshold / counts)

    def noise_sampler(self) -> "AliasSampler":
        """The sampler of noise words (counts**0.75), built once per vocabulary: its setup is a loop."""
        if getattr(self, "_noise_sampler", None) is None:
            self._noise_sampler = AliasSampler(self.noise_probabilities(0.75))
        return self._noise_sampler

    def noise_probabilities(self, power: float = 0.75) -> np.ndarray:
        """The distribution negative samples are drawn from: counts**power, normalised."""
        weights = self.counts.astype(np.float64) ** power
        return weights / weights.sum()


class AliasSampler:
    """Draws from a fixed discrete distribution in O(1) per draw (Walker/Vose alias method)."""

    def __init__(self, probabilities: np.ndarray):
        p = np.asarray(probabilities, dtype=np.float64)
        n = len(p)
        if n == 0 or not np.isfinite(p).all() or (p < 0).any() or p.sum() <= 0:
            raise ValueError("probabilities must be finite, non-negative and not all zero")
        scaled = p / p.sum() * n
        accept = np.ones(n)
        alias = np.arange(n, dtype=np.int32)
        # Vose's construction: done once per vocabulary, so a plain loop over words is fine here.
        small = [i for i in range(n) if scaled[i] < 1.0]
        large = [i for i in range(n) if scaled[i] >= 1.0]
        while small and large:
            s, g = small.pop(), large.pop()
            accept[s] = scaled[s]
            alias[s] = g
            scaled[g] -= 1.0 - scaled[s]
            (small if scaled[g] < 1.0 else large).append(g)
        self.accept = accept  # float64, as the uniform numbers it is compared with
        self.alias = alias
        self.size = n

    @classmethod
    def from_tables(cls, accept: np.ndarray, alias: np.ndarray) -> "AliasSampler":
        """A sampler over tables built before (e.g. shared with a worker process)."""
        sampler = cls.__new__(cls)
        sampler.accept, sampler.alias, sampler.size = accept, alias, len(alias)
        return sampler

    def probabilities(self) -> np.ndarray:
        """The distribution the tables draw from (each entry's own share plus what others alias to it)."""
        p = self.accept.astype(np.float64)
        p += np.bincount(self.alias, weights=1.0 - self.accept, minlength=self.size)
        return p / self.size

    def sample(self, rng: np.random.Generator, count: int) -> np.ndarray:
        """``count`` independent draws, as int32 indices.

        One uniform number per draw: its integer part (scaled by the table's size) picks the column and
        its fraction decides between the column and its alias. A float64 leaves 53 - log2(size) bits for
        the fraction, over 20 for any vocabulary that fits in memory; a third cheaper than two draws.
        """
        u = rng.random(count)
        u *= self.size
        column = u.astype(np.int32)
        u -= column
        swap = np.flatnonzero(u >= self.accept.take(column))  # only these take their alias
        column[swap] = self.alias.take(column.take(swap))
        return column
