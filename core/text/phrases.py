"""Phrases: word pairs that occur together far more often than chance, joined into one token.

word2vec's ``word2phrase`` and gensim's ``Phrases`` do this before training, so that *new_york* or
*pyotr_stepanovitch* gets a vector of its own. The score is word2phrase's::

    score(a, b) = (count(a b) - min_count) / (count(a) * count(b)) * total_tokens

and a pair scoring above ``threshold`` becomes a phrase. Pairs are joined greedily left to right (in
"a b c" with both pairs phrases, "a_b c"), as both tools do. A second pass over the joined tokens finds
three- and four-word phrases (*pyotr_stepanovitch_verhovensky*).

Everything works on arrays of token ids: a pair is one int64 key ``a * n_words + b``, counted with
``np.unique``, so a pass over millions of tokens is a few whole-array operations.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

import numpy as np

from ..config import DEFAULT_MIN_COUNT, DEFAULT_PHRASE_THRESHOLD

#: Joins the words of a phrase; the tokeniser splits at it, so no ordinary word contains it.
JOINER = "_"
DEFAULT_PHRASE_PASSES = 2


@dataclass(frozen=True)
class PhraseSettings:
    """How phrases are found: a pair must occur ``min_count`` times and score above ``threshold``."""

    threshold: float = DEFAULT_PHRASE_THRESHOLD
    min_count: int = DEFAULT_MIN_COUNT
    passes: int = DEFAULT_PHRASE_PASSES

    def __post_init__(self) -> None:
        if not (isinstance(self.threshold, (int, float)) and self.threshold > 0):
            raise ValueError(f"phrase threshold must be a positive number; got {self.threshold!r}")
        if not (isinstance(self.passes, int) and 1 <= self.passes <= 3):
            raise ValueError(f"phrase passes must be 1, 2 or 3; got {self.passes!r}")
        if not (isinstance(self.min_count, int) and self.min_count >= 1):
            raise ValueError(f"phrase min_count must be a whole number >= 1; got {self.min_count!r}")


@dataclass(frozen=True)
class Phrase:
    """One phrase found: its token (words joined by ``_``), how often it was joined, and its score."""

    token: str
    count: int
    score: float


def pair_counts(chunks: Iterable[np.ndarray], counts: np.ndarray, min_count: int) -> tuple[np.ndarray, np.ndarray]:
    """Every adjacent pair of frequent words (both at least ``min_count``), as sorted keys and counts.

    Pairs are counted within each chunk (a chunk ends at a line break, so few pairs are lost).
    """
    n_words = len(counts)
    frequent = counts >= min_count
    keys_parts, count_parts = [], []
    for chunk in chunks:
        a, b = chunk[:-1], chunk[1:]
        both = frequent[a] & frequent[b]
        keys, times = np.unique(a[both].astype(np.int64) * n_words + b[both], return_counts=True)
        keys_parts.append(keys)
        count_parts.append(times)
        if len(keys_parts) >= 16:  # fold now and then, so memory follows distinct pairs, not tokens
            folded_keys, folded_counts = _fold(keys_parts, count_parts)
            keys_parts, count_parts = [folded_keys], [folded_counts]
    if not keys_parts:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return _fold(keys_parts, count_parts)


def _fold(keys_parts: list[np.ndarray], count_parts: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    keys = np.concatenate(keys_parts)
    times = np.concatenate(count_parts).astype(np.int64)
    unique, inverse = np.unique(keys, return_inverse=True)
    return unique, np.bincount(inverse, weights=times, minlength=len(unique)).astype(np.int64)


def score_pairs(keys: np.ndarray, times: np.ndarray, counts: np.ndarray, total: int,
                settings: PhraseSettings) -> tuple[np.ndarray, np.ndarray]:
    """The keys of the pairs that are phrases (sorted) and their scores."""
    n_words = len(counts)
    a, b = keys // n_words, keys % n_words
    scores = (times - settings.min_count) / (counts[a].astype(np.float64) * counts[b]) * total
    chosen = (times >= settings.min_count) & (scores > settings.threshold)
    return keys[chosen], scores[chosen]


def join_pairs(chunk: np.ndarray, phrase_keys: np.ndarray, n_words: int) -> np.ndarray:
    """``chunk`` with each phrase pair replaced by one id: ``n_words + `` its index in ``phrase_keys``.

    Greedy from the left: in a run of consecutive phrase pairs, the 1st, 3rd, 5th... are joined.
    """
    return join_pairs_kept(chunk, phrase_keys, n_words)[0]


def join_pairs_kept(chunk: np.ndarray, phrase_keys: np.ndarray, n_words: int) -> tuple[np.ndarray, np.ndarray | None]:
    """:func:`join_pairs`, and which of ``chunk``'s tokens stayed (None: all), so positions can be mapped."""
    if len(chunk) < 2 or len(phrase_keys) == 0:
        return chunk, None
    keys = chunk[:-1].astype(np.int64) * n_words + chunk[1:]
    where = np.searchsorted(phrase_keys, keys)
    where[where == len(phrase_keys)] = 0
    starts = phrase_keys[where] == keys
    if not starts.any():
        return chunk, None
    # Position of each pair within its run of consecutive phrase pairs; join at even positions.
    index = np.arange(len(starts))
    run_start = np.maximum.accumulate(np.where(~starts, index + 1, 0))
    joined = starts & ((index - run_start) % 2 == 0)
    out = chunk.copy()
    out[:-1][joined] = (n_words + where[joined]).astype(out.dtype)
    keep = np.ones(len(chunk), dtype=bool)
    keep[1:][joined] = False
    return out[keep], keep


def phrase_words(words: list[str], phrase_keys: np.ndarray) -> list[str]:
    """The tokens of new phrases, in key order: the two words joined by :data:`JOINER`."""
    n_words = len(words)
    return [words[int(k // n_words)] + JOINER + words[int(k % n_words)] for k in phrase_keys]
