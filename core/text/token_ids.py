"""Words to token ids while reading: provisional ids in order of first appearance (per reader process),
int32 chunks in memory or spilled to disk, counts; then phrases joined, the vocabulary cut and the ids
renumbered by frequency, chunk by chunk."""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path
from dataclasses import dataclass, field
from typing import Callable, Iterator

import numpy as np

from ..errors import CorpusError
from ..files import naming_write_errors
from .phrases import Phrase, PhraseSettings, join_pairs_kept, pair_counts, phrase_words, score_pairs
from .pieces import PieceLog
from .tokens import MAX_TOKEN_CHARS
from .vocab import Vocab
from .word_table import WordTable

# ---------------------------------------------------------------------------------------------
# Ids and vocabulary


def _writing(path: Path) -> contextlib.AbstractContextManager:
    """An OSError while writing ``path`` (a token cache file) as a CorpusError naming it: a full disk
    says so."""
    return naming_write_errors(path, CorpusError, "token cache: ")


class FirstSeenIds(dict):
    """word -> provisional id; a new word gets the next id, so lookups can run in C via ``map``."""

    def __init__(self) -> None:
        super().__init__()
        self.order: list[str] = []  # the words by id

    def __missing__(self, word: str) -> int:
        new_id = self[word] = len(self.order)
        self.order.append(word)
        return new_id

    def add_new(self, words: list[str]) -> int:
        """Number words known to be new (distinct, none in here yet), in order; returns the first's id."""
        first = len(self.order)
        self.update(zip(words, range(first, first + len(words))))
        self.order.extend(words)
        if len(self) != len(self.order):
            raise AssertionError("add_new was given a word already numbered")  # the ids would be wrong
        return first


class ReaderIds:
    """A reader's numbering, kept from part to part: each part then tells the main process only the
    words new to this reader, and the index's strings are the first ones seen, close together in
    memory (a fresh index per part held strings scattered among the part's temporaries, and every
    lookup missed the cache: 30 s against 17.6 s for 500 MB)."""

    def __init__(self) -> None:
        self.index = FirstSeenIds()
        self.table = WordTable(self.index)  # the same numbering, looked up from the text's bytes
        self.sent = 0  # words already reported
        self.key = secrets.token_hex(8)




@dataclass
class PartResult:
    """One part's ~1 MB pieces as its reader's ids, and the words new to that reader (ids from ``first``)."""

    words: list[str]
    chunks: list[np.ndarray]
    reader: str  # which reader's numbering the ids are in
    first: int  # the id of words[0] in it
    ended: bool  # a Gutenberg "*** END OF" line: the rest of the file is not text
    end: int  # bytes of the file read up to the end of this part
    start: int = 0  # the byte where the part starts
    #: One row per ~64 KB piece with tokens: (char_start, char_end) in the part's decoded text, and
    #: where its tokens start among the part's (see core.text.pieces)
    pieces: np.ndarray = field(default_factory=lambda: np.zeros((0, 3), np.int64))


class TokenIds:
    """Provisional ids (in order of first appearance, per reader), as int32 (4 bytes a token), with counts.

    The ids stay in memory as chunks, or, given a ``spill`` file, go straight to disk so a corpus
    larger than memory can be read; either way the final renumbering streams chunk by chunk.
    """

    def __init__(self, spill: Path | None = None) -> None:
        self.index = FirstSeenIds()
        self._readers: dict[str, np.ndarray] = {}  # reader key -> its ids to ours (-1: an overlong run)
        self._readers_seen: set[str] = set()
        self._same: set[str] = set()  # readers whose ids have been ours so far (the lookup is the identity)
        self.chunks: list[np.ndarray] = []
        self.n_tokens = 0
        self._counts = np.zeros(0, dtype=np.int64)
        self._spill_path = spill
        self._spill = None
        if spill is not None:
            with _writing(spill):
                self._spill = open(spill, "wb")
        #: Where each stretch of ids came from (files read in parts only): see core.text.pieces.
        self.pieces = PieceLog()

    def add(self, tokens: list[str]) -> None:
        self._add_ids(np.fromiter(map(self.index.__getitem__, tokens), dtype=np.int32, count=len(tokens)))

    def add_part(self, part: PartResult, file: int = -1) -> int:
        """A part read on its own (maybe in another process): its tokens get our ids; returns how many
        overlong runs were dropped. ``file`` (from ``self.pieces.add_file``) logs where they came from.

        Ids are given in the order words are met, per reader; the vocabulary is sorted by count and
        word afterwards, so one reader or several give the same corpus.
        """
        lookup = self.register(part)
        pieces = part.pieces
        dropped = 0
        if part.reader in self._same:  # its ids are ours (one reader, no overlong runs): as they are
            mapped = part.chunks
        else:
            mapped = [lookup[chunk] for chunk in part.chunks]
        if mapped is not part.chunks and any((m < 0).any() for m in mapped):  # rare: overlong runs, left out
            kept = np.concatenate([m >= 0 for m in mapped])
            dropped = int((~kept).sum())
            if len(pieces):  # a row now starts at the number of kept tokens before it
                before = np.concatenate(([0], np.cumsum(kept, dtype=np.int64)))
                pieces = pieces.copy()
                pieces[:, 2] = before[pieces[:, 2]]
            mapped = [m[m >= 0] for m in mapped]
        if file >= 0:
            self.pieces.add(file, part.start, part.end, pieces, self.n_tokens)
        for chunk in mapped:
            self._add_ids(chunk)
        return dropped

    def register(self, part: PartResult) -> np.ndarray:
        """Learn the words new to the part's reader (also for a part whose tokens are not wanted)."""
        lookup = self._readers.get(part.reader, np.zeros(0, dtype=np.int32))
        needed = part.first + len(part.words)
        if len(lookup) < needed:
            grown = np.full(max(needed, 2 * len(lookup)), -1, dtype=np.int32)
            grown[: len(lookup)] = lookup
            lookup = self._readers[part.reader] = grown
        if part.first == 0 and not self._readers_seen:
            self._same.add(part.reader)  # the first reader: ours and its numbering start alike
        if (part.reader in self._same and len(self.index) == part.first
                and max(map(len, part.words), default=0) <= MAX_TOKEN_CHARS):
            # Ours so far and nobody else's words since: its new words are new here, with its ids (one
            # add_new instead of a lookup each: 2.5 ms a MB of prose)
            self.index.add_new(part.words)
            lookup[part.first:needed] = np.arange(part.first, needed, dtype=np.int32)
            self._readers_seen.add(part.reader)
            return lookup
        lookup[part.first:needed] = np.fromiter(map(self._id_unless_overlong, part.words), dtype=np.int32,
                                                count=len(part.words))
        self._readers_seen.add(part.reader)
        if part.reader in self._same and not np.array_equal(lookup[part.first:needed],
                                                            np.arange(part.first, needed)):
            self._same.discard(part.reader)  # for good: another reader's words came between
        return lookup

    def _id_unless_overlong(self, word: str) -> int:
        return -1 if len(word) > MAX_TOKEN_CHARS else self.index[word]

    def _add_ids(self, chunk: np.ndarray) -> None:
        if len(self.index) > len(self._counts):  # grow by doubling: amortised O(1) per new word
            grown = np.zeros(max(len(self.index), 2 * len(self._counts), 1024), dtype=np.int64)
            grown[: len(self._counts)] = self._counts
            self._counts = grown
        if len(self.index) <= 4 * len(chunk):
            self._counts[: len(self.index)] += np.bincount(chunk, minlength=len(self.index))
        else:  # a huge vocabulary: don't pay for every word on every chunk
            seen, times = np.unique(chunk, return_counts=True)
            self._counts[seen] += times
        if self._spill is not None:
            with _writing(self._spill_path):  # a file's write, not tofile: a full disk gives ENOSPC, not
                self._spill.write(np.ascontiguousarray(chunk).data)  # "42423 requested and 12288 written"
        else:
            self.chunks.append(chunk)
        self.n_tokens += len(chunk)

    def counts(self) -> np.ndarray:
        return self._counts[: len(self.index)]

    def _stored_chunks(self) -> Iterator[np.ndarray]:
        """The provisional ids in order, each chunk released once used."""
        if self._spill is None:
            self.chunks.reverse()
            while self.chunks:
                yield self.chunks.pop()
            return
        with _writing(self._spill_path):
            self._spill.close()
        yield from self._spilled()

    def _peek_chunks(self) -> Iterator[np.ndarray]:
        """The provisional ids in order, kept (for a pass that reads them before they are rewritten)."""
        if self._spill is None:
            yield from self.chunks
            return
        with _writing(self._spill_path):
            self._spill.flush()
        yield from self._spilled()

    def _spilled(self) -> Iterator[np.ndarray]:
        """The spill file's ids, 4M at a time, mapped from disk."""
        if self.n_tokens:
            spilled = np.memmap(self._spill_path, dtype=np.int32, mode="r", shape=(self.n_tokens,))
            for start in range(0, self.n_tokens, 1 << 22):
                yield np.asarray(spilled[start:start + (1 << 22)])
            del spilled

    def join_phrases(self, settings: PhraseSettings) -> list[Phrase]:
        """Find phrases and rewrite the ids with each joined into one new word (see core.text.phrases)."""
        found: list[Phrase] = []
        for _ in range(settings.passes):
            words = list(self.index)
            counts = self.counts()
            keys, times = pair_counts(self._peek_chunks(), counts, settings.min_count)
            phrase_keys, scores = score_pairs(keys, times, counts, self.n_tokens, settings)
            if len(phrase_keys) == 0:
                break
            tokens = phrase_words(words, phrase_keys)
            for token in tokens:
                self.index[token]  # noqa: B018 (appends it: its id is n_words + its position)
            self._rewrite(lambda chunk: join_pairs_kept(chunk, phrase_keys, len(words)))
            joined = self.counts()[len(words):]
            found += [Phrase(t, int(c), float(sc)) for t, c, sc in zip(tokens, joined, scores) if c > 0]
        final = self.counts()  # a later pass may absorb a phrase into a longer one: count what is left
        found = [Phrase(p.token, int(final[self.index[p.token]]), p.score) for p in found]
        return sorted((p for p in found if p.count > 0), key=lambda p: (-p.count, p.token))

    def _rewrite(self, change: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray | None]]) -> None:
        """Replace every chunk by ``change(chunk)`` (the new chunk and which old tokens it kept, or None
        for all) and count the words again; the piece log follows the tokens."""
        counts = np.zeros(len(self.index), dtype=np.int64)
        n_tokens = old = 0
        self.pieces.begin_pass()
        if self._spill is None:
            for i, chunk in enumerate(self.chunks):
                self.chunks[i], keep = change(chunk)
                self.pieces.remap(old, keep, n_tokens, len(chunk))
                old += len(chunk)
                chunk = self.chunks[i]
                counts += np.bincount(chunk, minlength=len(counts))
                n_tokens += len(chunk)
        else:
            rewritten = self._spill_path.with_name(self._spill_path.name + ".phrases")
            try:
                with _writing(rewritten), open(rewritten, "wb") as out:
                    for chunk in self._peek_chunks():
                        new, keep = change(chunk)
                        self.pieces.remap(old, keep, n_tokens, len(chunk))
                        old, chunk = old + len(chunk), new
                        counts += np.bincount(chunk, minlength=len(counts))
                        n_tokens += len(chunk)
                        out.write(np.ascontiguousarray(chunk).data)
            except BaseException:
                rewritten.unlink(missing_ok=True)  # not a name a later run sweeps
                raise
            with _writing(self._spill_path):
                self._spill.close()
                os.replace(rewritten, self._spill_path)
                self._spill = open(self._spill_path, "ab")
        self._counts, self.n_tokens = counts, n_tokens

    def close(self) -> None:
        """Remove the spill file; quietly, as this runs after an error (a full disk) as well."""
        if self._spill is not None:
            try:
                self._spill.close()
            except OSError:  # its last buffer could not be written: the file goes anyway
                pass
            try:
                self._spill_path.unlink(missing_ok=True)
            except OSError:
                pass

    def build(self, min_count: int, max_vocab: int | None, name: str,
              out: Path | None = None) -> tuple[Vocab, np.ndarray | None]:
        """The vocabulary (Vocab.from_counts rules) and the kept tokens renumbered into it.

        With ``out``, the ids are written to that ``.npy`` file instead (and None is returned for them).
        """
        words = list(self.index)
        vocab = Vocab.from_arrays(words, self.counts(), min_count, max_vocab)
        if len(vocab) < 2:
            raise CorpusError(
                f"{name}: only {len(vocab)} of its {len(words)} distinct words occur at least "
                f"{min_count} times, and training needs two or more; try a lower min_count"
            )
        lookup = np.full(len(words), -1, dtype=np.int32)  # provisional id -> final id, -1 dropped
        lookup[[self.index[w] for w in vocab.words]] = np.arange(len(vocab), dtype=np.int32)
        ids = np.empty(vocab.total, dtype=np.int32) if out is None else None
        position = old = 0
        self.pieces.begin_pass()
        with _writing(out) if out is not None else contextlib.nullcontext(), contextlib.ExitStack() as closing:
            if out is not None:  # written in order, as a plain file: a memory map of it page-faulted
                sink = closing.enter_context(open(out, "wb"))  # every page and was synced (~1.5 ms a MB)
                header = {"descr": np.lib.format.dtype_to_descr(np.dtype(np.int32)), "fortran_order": False,
                          "shape": (vocab.total,)}
                np.lib.format.write_array_header_1_0(sink, header)
            for chunk in self._stored_chunks():
                mapped = lookup[chunk]
                kept = mapped >= 0
                if kept.all():  # no word below the cut in this stretch: no copy
                    kept = None
                self.pieces.remap(old, kept, position, len(chunk))
                old += len(chunk)
                if kept is not None:
                    mapped = mapped[kept]
                if ids is None:
                    sink.write(mapped.data)
                else:
                    ids[position : position + len(mapped)] = mapped
                position += len(mapped)
        return vocab, ids


