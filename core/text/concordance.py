"""Keyword in context, and the contexts two words share: why they are neighbours, in the user's own text.

A word's occurrences are positions in ``Corpus.ids`` (one whole-array comparison, or a sorted index for
large corpora). Each position falls in a row of the piece table the reader logged (core.text.pieces):
that row's ~64 KB of text is decoded and tokenised again, line by line, and the occurrence is the k-th
of its word there (k counted in the ids), which gives its line, file and line number. A corpus without a
piece table (generated text, an older token cache) shows the tokens around the position instead.

Shared contexts count the words within ``window`` of each occurrence (vectorised over all of them) and
rank the words both have by count or by PMI, log(n(w,c) T / (n(w) 2W n(c))).
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import CorpusError
from .corpus import Corpus
from .decoding import decoded_pieces
from .phrases import JOINER
from .pieces import PieceTable
from .tokens import tokenize

#: Above this many tokens, a word's positions come from a sorted index built once (else one comparison).
SORTED_INDEX_TOKENS = 50_000_000
_CONTEXT_CHARS = 60  # characters shown either side of the keyword
_WINDOW_TOKENS = 8  # tokens shown either side when there is no text to show


@dataclass(frozen=True)
class Line:
    """One occurrence: the text before it, the keyword as written, the text after, and where it is."""

    left: str
    keyword: str
    right: str
    file: str  # "" when the corpus was not read from files
    line: int  # 1-based line in the file (0: unknown)
    position: int  # the token's position in the corpus

    def where(self) -> str:
        return f"{Path(self.file).name}:{self.line}" if self.file else f"token {self.position:,}"


@dataclass(frozen=True)
class SharedContext:
    word: str
    count1: int  # times it occurs within the window of word 1
    count2: int
    pmi1: float
    pmi2: float


@dataclass(frozen=True)
class ContextReport:
    """The contexts two words share, best first, and sample lines of each word with one of them."""

    word1: str
    word2: str
    window: int
    shared: list[SharedContext]
    only1: int  # distinct context words of word 1 that word 2 never has
    only2: int
    samples1: list[Line]
    samples2: list[Line]


class Concordance:
    """Lines and shared contexts for one corpus; cheap to make, it caches what lookups decode."""

    def __init__(self, corpus: Corpus):
        self.corpus = corpus
        self._sorted: tuple[np.ndarray, np.ndarray] | None = None
        self._parts: OrderedDict[tuple[int, int], tuple[str, int]] = OrderedDict()  # (text, first line)
        self._rows: OrderedDict[int, tuple[list[str], np.ndarray, list[list[str]]]] = OrderedDict()
        self._phrases = {p.token for p in corpus.phrases}
        self._lock = threading.Lock()  # the app may ask from two pool threads at once; the caches are shared

    @property
    def has_text(self) -> bool:
        """Whether lines come from the files (else from the tokens)."""
        return self.corpus.pieces is not None and len(self.corpus.pieces) > 0

    def unavailable_reason(self) -> str | None:
        """Why lines show tokens rather than text, for the user (None when they show text)."""
        if self.has_text:
            return None
        if self.corpus.files:
            return "this corpus came from a token cache written by an older version: lines show its tokens"
        return "this corpus was not read from files: lines show its tokens"

    # -- occurrences -------------------------------------------------------------------------

    def positions(self, word: str) -> np.ndarray:
        """Every position of ``word`` in the corpus, in order (UnknownWordError if it has none)."""
        word_id = self.corpus.vocab.id(word)
        ids = self.corpus.ids
        if len(ids) < SORTED_INDEX_TOKENS:
            return np.flatnonzero(np.asarray(ids) == word_id)
        with self._lock:
            if self._sorted is None:  # once: positions grouped by word, each group in text order
                order = np.argsort(ids, kind="stable").astype(np.int64)
                bounds = np.concatenate(([0], np.cumsum(self.corpus.vocab.counts)))
                self._sorted = (order, bounds)
        order, bounds = self._sorted
        return order[bounds[word_id]:bounds[word_id + 1]]

    def count(self, word: str) -> int:
        return int(self.corpus.vocab.counts[self.corpus.vocab.id(word)])

    def lines(self, word: str, n: int = 20, start: int = 0) -> list[Line]:
        """Up to ``n`` occurrences of ``word`` from its ``start``-th on, in corpus order."""
        positions = self.positions(word)
        return self.lines_at(word, positions[start:start + n], positions)

    def lines_at(self, word: str, chosen: np.ndarray, positions: np.ndarray | None = None) -> list[Line]:
        """The lines of the occurrences of ``word`` at ``chosen`` positions."""
        if positions is None:
            positions = self.positions(word)
        with self._lock:
            return self._lines_at(word, chosen, positions)

    def _lines_at(self, word: str, chosen: np.ndarray, positions: np.ndarray) -> list[Line]:
        if not self.has_text:
            return [self._token_line(int(p)) for p in chosen]
        table = self.corpus.pieces
        rows = table.row_of(chosen)
        starts = table.column("token_start")
        lines = []
        for position, row in zip(chosen.tolist(), rows.tolist()):
            # k: how many occurrences of the word lie in this row before this one
            k = int(np.searchsorted(positions, position) - np.searchsorted(positions, starts[row]))
            lines.append(self._text_line(word, int(row), k, position) or self._token_line(position))
        return lines

    # -- shared contexts ---------------------------------------------------------------------

    def context_counts(self, positions: np.ndarray, window: int) -> np.ndarray:
        """How often each word occurs within ``window`` tokens of the given positions."""
        ids = self.corpus.ids
        offsets = np.concatenate((np.arange(-window, 0), np.arange(1, window + 1)))
        counts = np.zeros(len(self.corpus.vocab), dtype=np.int64)
        for lo in range(0, len(positions), 1 << 16):  # bounded memory for very frequent words
            around = (positions[lo:lo + (1 << 16), None] + offsets).ravel()
            around = around[(around >= 0) & (around < len(ids))]
            counts += np.bincount(np.asarray(ids[around]), minlength=len(counts))
        return counts

    def contexts(self, word1: str, word2: str, window: int = 5, rank: str = "pmi", n: int = 20,
                 min_count: int = 3, samples: int = 5) -> ContextReport:
        """The context words ``word1`` and ``word2`` share, ranked by ``rank`` ("count": the smaller of
        the two counts; "pmi", the default: the smaller of the two PMIs, which favours the telling words
        over the frequent ones), each seen at least ``min_count`` times with both; and sample lines of each word with one of the top three shared contexts near it."""
        if rank not in ("count", "pmi"):
            raise CorpusError(f"contexts are ranked by 'count' or 'pmi', not {rank!r}")
        if window < 1:
            raise CorpusError(f"the context window must be at least 1 token, not {window}")
        vocab = self.corpus.vocab
        id1, id2 = vocab.id(word1), vocab.id(word2)
        pos1, pos2 = self.positions(word1), self.positions(word2)
        c1, c2 = self.context_counts(pos1, window), self.context_counts(pos2, window)
        total = max(len(self.corpus.ids), 1)
        with np.errstate(divide="ignore", invalid="ignore"):
            freq = vocab.counts.astype(np.float64)
            pmi1 = np.log(c1 * total / (len(pos1) * 2 * window * freq))
            pmi2 = np.log(c2 * total / (len(pos2) * 2 * window * freq))
        both = (c1 >= min_count) & (c2 >= min_count)
        both[[id1, id2]] = False
        candidates = np.flatnonzero(both)
        key = np.minimum(c1, c2)[candidates] if rank == "count" else np.minimum(pmi1, pmi2)[candidates]
        tie = (c1 + c2)[candidates]
        best = candidates[np.lexsort((-tie, -key))][:n]
        shared = [SharedContext(vocab.words[c], int(c1[c]), int(c2[c]), float(pmi1[c]), float(pmi2[c]))
                  for c in best.tolist()]
        top = best[:3]
        return ContextReport(
            word1, word2, window, shared,
            int(((c1 > 0) & (c2 == 0)).sum()), int(((c2 > 0) & (c1 == 0)).sum()),
            self._samples(word1, pos1, top, window, samples), self._samples(word2, pos2, top, window, samples))

    def _samples(self, word: str, positions: np.ndarray, contexts: np.ndarray, window: int, n: int) -> list[Line]:
        if len(contexts) == 0 or n <= 0:
            return []
        ids = self.corpus.ids
        near = np.zeros(len(positions), dtype=bool)
        for offset in [*range(-window, 0), *range(1, window + 1)]:
            around = np.clip(positions + offset, 0, len(ids) - 1)
            near |= np.isin(np.asarray(ids[around]), contexts)
        chosen = positions[near]
        if len(chosen) > n:  # spread over the corpus, not the first few pages
            chosen = chosen[np.linspace(0, len(chosen) - 1, n).astype(np.int64)]
        return self.lines_at(word, chosen, positions)

    # -- finding the text again --------------------------------------------------------------

    def _token_line(self, position: int) -> Line:
        ids, words = self.corpus.ids, self.corpus.vocab.words
        lo, hi = max(0, position - _WINDOW_TOKENS), min(len(ids), position + _WINDOW_TOKENS + 1)
        left = " ".join(words[i] for i in np.asarray(ids[lo:position]).tolist())
        right = " ".join(words[i] for i in np.asarray(ids[position + 1:hi]).tolist())
        return Line(left, words[int(ids[position])], right, "", 0, position)

    def _part(self, file: int, start: int, end: int) -> tuple[str, int]:
        """A part's decoded text and the number of lines before it in its file (a few kept in memory)."""
        key = (file, start)
        if key in self._parts:
            self._parts.move_to_end(key)
            return self._parts[key]
        source = self.corpus.pieces.files[file]
        if source.changed():
            raise CorpusError(f"{source.path} changed or went away since it was read; open the corpus again "
                              "to see its lines")
        path = Path(source.path)
        try:
            text = "".join(piece for piece, _ in decoded_pieces(path, source.encoding, start, end))
            lines_before = 0
            if start:
                with open(path, "rb") as handle:
                    lines_before = _count_lines(handle, start)
        except OSError as error:
            raise CorpusError(f"cannot read {path}: {error.strerror or error}") from None
        except LookupError:  # a table not checked on loading: say so, never a traceback
            raise CorpusError(f"{path} was read in an encoding this Python does not know "
                              f"({source.encoding[:40]!r}); open the corpus again") from None
        self._parts[key] = (text, lines_before)
        while len(self._parts) > 4:
            self._parts.popitem(last=False)
        return text, lines_before

    def _row(self, row: int) -> tuple[list[str], np.ndarray, list[list[str]]]:
        """A row's lines, where each line starts (characters into the row) and each line's words."""
        if row in self._rows:
            self._rows.move_to_end(row)
            return self._rows[row]
        file, part_start, part_end, char_start, char_end, _ = self.corpus.pieces.rows[row].tolist()
        text, _ = self._part(file, part_start, part_end)
        lines = text[char_start:char_end].split("\n")
        starts = np.cumsum([0] + [len(line) + 1 for line in lines[:-1]], dtype=np.int64)
        rule = self.corpus.tokens
        found = (lines, starts, [tokenize(line, rule) for line in lines])
        self._rows[row] = found
        while len(self._rows) > 64:
            self._rows.popitem(last=False)
        return found

    def _text_line(self, word: str, row: int, k: int, position: int) -> Line | None:
        """The k-th occurrence of ``word`` in a row's text, as a Line (None if it cannot be found)."""
        lines, starts, words = self._row(row)
        parts = word.split(JOINER)  # a phrase's words (tokens never hold the joiner themselves)
        seen = 0
        for number, line_words in enumerate(words):
            hits = _occurrences(line_words, parts, self._phrases)
            if seen + hits > k:
                return self._make_line(row, number, lines, starts, k - seen, parts, position)
            seen += hits
        return None

    def _make_line(self, row: int, number: int, lines: list[str], starts: np.ndarray, nth: int,
                   parts: list[str], position: int) -> Line:
        file, part_start, part_end, char_start, char_end, _ = self.corpus.pieces.rows[row].tolist()
        text, lines_before = self._part(file, part_start, part_end)
        line_number = lines_before + text.count("\n", 0, char_start) + number + 1
        pattern = r"(?<!\w)" + r"\W+".join(map(re.escape, parts)) + r"(?!\w)"
        matches = list(re.finditer(pattern, lines[number], re.IGNORECASE))
        at = char_start + int(starts[number])
        if matches:
            match = matches[min(nth, len(matches) - 1)]
            lo, hi = at + match.start(), at + match.end()
        else:  # written in a way the pattern misses (a possessive, an odd apostrophe): show the line
            lo = hi = at
        left = text[max(0, lo - _CONTEXT_CHARS):lo].replace("\n", " ").replace("\r", "")
        right = text[hi:hi + _CONTEXT_CHARS].replace("\n", " ").replace("\r", "")
        source = self.corpus.pieces.files[file]
        return Line(left, text[lo:hi].replace("\n", " "), right, source.path, line_number, position)


def _count_lines(handle, end: int) -> int:
    """Line breaks in a file's first ``end`` bytes."""
    handle.seek(0)
    lines, left = 0, end
    while left > 0:
        block = handle.read(min(1 << 20, left))
        if not block:
            break
        lines += block.count(b"\n")
        left -= len(block)
    return lines


def _occurrences(words: list[str], parts: list[str], phrases: set[str]) -> int:
    """How often ``parts`` (one word, or a phrase's words) occur in a line's words as the corpus kept
    them: a word inside a joined phrase is not an occurrence of the word (approximately: phrases are
    recognised from the left, as they were joined)."""
    if len(parts) == 1 and not phrases:
        return words.count(parts[0])
    if parts[0] not in words:
        return 0
    hits, i, size = 0, 0, len(words)
    while i < size:
        joined = _phrase_at(words, i, phrases)
        if joined == len(parts) and words[i:i + joined] == parts:
            hits += 1
        i += max(joined, 1)
    return hits


def _phrase_at(words: list[str], i: int, phrases: set[str]) -> int:
    """How many words the longest known phrase starting at ``i`` covers (1: none)."""
    for size in (4, 3, 2):
        if i + size <= len(words) and JOINER.join(words[i:i + size]) in phrases:
            return size
    return 1


def concordance_for(corpus: Corpus) -> Concordance:
    """The concordance of a corpus (kept on it, so its caches serve every lookup)."""
    found = getattr(corpus, "_concordance", None)
    if found is None:
        found = Concordance(corpus)
        corpus._concordance = found  # type: ignore[attr-defined]
    return found


__all__ = ["Concordance", "ContextReport", "Line", "PieceTable", "SharedContext", "concordance_for"]
