"""Character n-grams as fastText computes them, and the vectors they build (Bojanowski et al. 2017).

A word is read as ``<word>``; its n-grams are its runs of ``min_n``..``max_n`` characters (UTF-8 code
points, never cut mid-character), each hashed with 32-bit FNV-1a over its bytes, every byte taken as a
*signed* char (as fastText's C++ does), into one of ``buckets`` rows. A word of the vocabulary is the mean
of its own row and its n-grams' rows; a word never seen is the mean of its n-grams' rows alone, so rare
and unseen words get vectors built from their letters. Duplicate n-grams (and hash collisions) count as
often as they occur, as in fastText, so the vectors equal fastText's and gensim's to float rounding.

The hashing is vectorised over every n-gram of every word at once (a loop over n-gram lengths and a
character's bytes, never over words).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

#: fastText's defaults for unsupervised models.
DEFAULT_MIN_N = 3
DEFAULT_MAX_N = 6
#: The longest n-gram a model may ask for (a file claiming more is damaged).
MAX_SUBWORD_N = 64

_FNV_OFFSET = np.uint32(2166136261)
_FNV_PRIME = np.uint32(16777619)


def ngram_hashes(words: Sequence[bytes | str], min_n: int, max_n: int, buckets: int) -> tuple[np.ndarray, np.ndarray]:
    """Every word's n-gram rows (hash mod ``buckets``), as CSR: ``(offsets, rows)``.

    ``rows[offsets[i]:offsets[i + 1]]`` are word ``i``'s n-gram rows, in fastText's order (by start
    character, then length), duplicates kept. ``words`` may be str (encoded as UTF-8) or the raw bytes
    a fastText file holds.
    """
    raw = [w.encode("utf-8", "surrogatepass") if isinstance(w, str) else bytes(w) for w in words]
    offsets = np.zeros(len(raw) + 1, dtype=np.int64)
    if not raw or max_n < 1 or min_n > max_n or buckets < 1:
        return offsets, np.zeros(0, dtype=np.int64)
    text = np.frombuffer(b"".join(b"<" + w + b">" for w in raw), dtype=np.uint8)
    word_bytes = np.fromiter((len(w) + 2 for w in raw), dtype=np.int64, count=len(raw))
    word_end = np.cumsum(word_bytes)  # byte just past each "<word>"
    starts = np.flatnonzero((text & 0xC0) != 0x80)  # each character's first byte
    owner = np.searchsorted(word_end, starts, side="right")  # word of each character
    chars_per_word = np.bincount(owner, minlength=len(raw))
    char_end = np.cumsum(chars_per_word)  # global character index just past each word
    # next_start[c]: the byte just past character c (the next character's start, or the text's end)
    next_start = np.append(starts[1:], len(text))
    signed = text.astype(np.int8).astype(np.int32).astype(np.uint32)  # fastText hashes int8(byte)
    padded = np.append(signed, np.zeros(4, dtype=np.uint32))

    n_chars = len(starts)
    first_char = np.zeros(n_chars, dtype=bool)
    first_char[np.r_[0, char_end[:-1]]] = True
    limit = char_end[owner]  # characters c..limit-1 belong to c's word
    h = np.full(n_chars, _FNV_OFFSET, dtype=np.uint32)
    found_rows: list[np.ndarray] = []
    found_char: list[np.ndarray] = []
    found_len: list[np.ndarray] = []
    with np.errstate(over="ignore"):
        for n in range(1, max_n + 1):
            end_char = np.arange(n_chars) + n  # the n-gram starting at c spans characters c..c+n-1
            alive = end_char <= limit
            if not alive.any():
                break
            last = np.minimum(end_char - 1, n_chars - 1)  # the character this step adds
            lo, hi = starts[last], next_start[last]
            for b in range(4):  # a UTF-8 character has at most 4 bytes
                take = alive & (lo + b < hi)
                if not take.any():
                    break
                mixed = (h ^ padded[np.minimum(lo + b, len(text))]) * _FNV_PRIME
                h = np.where(take, mixed, h)
            if n >= min_n:
                # fastText leaves out the bare "<" and ">" (n == 1 at a word's first or last character)
                keep = alive if n > 1 else alive & ~first_char & (end_char != limit)
                at = np.flatnonzero(keep)
                found_rows.append((h[at] % np.uint32(buckets)).astype(np.int64))
                found_char.append(at)
                found_len.append(np.full(len(at), n))
    if not found_rows:
        return offsets, np.zeros(0, dtype=np.int64)
    rows, char, length = np.concatenate(found_rows), np.concatenate(found_char), np.concatenate(found_len)
    order = np.lexsort((length, char))  # by word (characters are in word order), start, then length
    rows, char = rows[order], char[order]
    offsets[1:] = np.cumsum(np.bincount(owner[char], minlength=len(raw)))
    return offsets, rows


@dataclass
class Subwords:
    """A model's n-gram rows and the settings that hash words into them.

    ``word_rows`` are the vocabulary words' own rows (fastText's first ``nwords`` input rows), kept so
    that training can continue and the composed vectors can be rebuilt; ``ngrams`` the ``buckets`` n-gram
    rows. :meth:`compose` gives fastText's word vectors.
    """

    min_n: int
    max_n: int
    ngrams: np.ndarray  # (buckets, dim) float32
    word_rows: np.ndarray  # (words, dim) float32

    @property
    def buckets(self) -> int:
        return int(self.ngrams.shape[0])

    def hashes(self, words: Sequence[bytes | str]) -> tuple[np.ndarray, np.ndarray]:
        """:func:`ngram_hashes` with this model's settings."""
        return ngram_hashes(words, self.min_n, self.max_n, self.buckets)

    def compose(self, words: Sequence[bytes | str]) -> np.ndarray:
        """The vocabulary's vectors: each the mean of its own row and its n-gram rows (fastText's)."""
        offsets, rows = self.hashes(words)
        return compose_rows(self.word_rows, self.ngrams, offsets, rows)

    def unseen(self, word: str) -> np.ndarray | None:
        """The vector of a word outside the vocabulary, from its letters; None if it has no n-gram."""
        offsets, rows = self.hashes([word])
        if not len(rows):
            return None
        return self.ngrams[rows].mean(axis=0, dtype=np.float64).astype(np.float32)


def compose_rows(own: np.ndarray | None, ngrams: np.ndarray, offsets: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Row ``i``: the mean of ``own[i]`` (when given) and ``ngrams[rows[offsets[i]:offsets[i+1]]]``.

    One sparse product of the n-gram table (SciPy's kernel, not ``np.add.at``), summed in float32.
    """
    from scipy.sparse import csr_matrix

    count = len(offsets) - 1
    sizes = np.diff(offsets).astype(np.float32)
    picks = csr_matrix((np.ones(len(rows), dtype=np.float32), rows, offsets), shape=(count, ngrams.shape[0]))
    summed = np.asarray(picks @ ngrams, dtype=np.float32)
    if own is not None:
        summed += own
        sizes += 1
    summed /= np.maximum(sizes, 1)[:, None]
    return summed
