"""Text files in, token ids out: find files, decode, strip Gutenberg boilerplate, tokenise, map to ids.

Everything streams: a file is read in ~1 MB pieces that end at a line break, each piece is tokenised
and its words are turned into provisional ids (found from the spaced text's bytes by
core.text.word_table, with one dict behind it), kept as int32 chunks (4 bytes a token).
Counting, the vocabulary cut and the final renumbering are then whole-array NumPy work.
"""

from __future__ import annotations

import codecs
import collections
import contextlib
import itertools
import os
import re
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator, Sequence

import numpy as np

from ..allocator import keep_freed_memory
from ..config import DEFAULT_MIN_COUNT, DEFAULT_TOKENS, TrainConfig, check_vocabulary_limits, default_workers
from ..errors import ConfigError, CorpusError
from .token_cache import CachedCorpus, TokenCache
from .phrases import Phrase, PhraseSettings, join_pairs_kept, pair_counts, phrase_words, score_pairs
from .pieces import PIECE_CHARS, PieceLog, PieceTable
from .tokens import MAX_TOKEN_CHARS, check_token_rule, spaced_bytes, tokenize, tokenize_counting  # noqa: F401
from .vocab import Vocab
from .word_table import WordTable

_BLOCK = 1 << 20  # bytes read at a time
_SNIFF = 8192  # bytes looked at to tell text from binary
#: Above this share of control characters (or undecodable bytes) a file's start is not text: random
#: bytes decode to about 13% of them, prose to none (a form feed per page is 0.03%).
_MAX_CONTROL_SHARE = 0.05
#: Characters no text is made of: C0 controls but tab, line feed, vertical tab, form feed and
#: carriage return; DEL; C1 controls; and U+FFFD, what an undecodable byte becomes.
_CONTROL = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f\ufffd]")
# A UTF-32 little-endian BOM starts with the UTF-16 one: look for it first.
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
_SURE = ("utf-8-sig", "utf-16", "utf-32")  # any other encoding is a guess from the bytes: worth a warning
_HEADER_LINES = 2000  # a Gutenberg "*** START OF" line must lie within these
_START = re.compile(r"^[ \t\ufeff]*\*\*\*\s*START OF", re.IGNORECASE | re.MULTILINE)
_END = re.compile(r"^[ \t\ufeff]*\*\*\*\s*END OF", re.IGNORECASE | re.MULTILINE)

ProgressFn = Callable[[int, int], None]


# ---------------------------------------------------------------------------------------------
# Finding files


def find_text_files(paths: Sequence[str | os.PathLike]) -> list[Path]:
    """The files named, and the ``*.txt`` files under the folders named (recursively, sorted)."""
    return [path for path, _ in _find(paths)]


def _find(paths: Sequence[str | os.PathLike]) -> list[tuple[Path, bool]]:
    """Each file with whether the user named it (named files must be usable; found ones may be skipped)."""
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    found: dict[Path, bool] = {}
    for raw in paths:
        path = Path(raw).expanduser()
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.suffix.lower() == ".txt" and p.is_file())
            if not files:
                raise CorpusError(f"{path} holds no .txt files")
            for file in files:
                found.setdefault(file, False)
        elif path.is_file():
            found[path] = True
        elif path.exists():
            raise CorpusError(f"{path} is neither a text file nor a folder")
        else:
            raise CorpusError(f"{path} does not exist")
    if not found:
        raise CorpusError("no text files or folders were given")
    return list(found.items())


# ---------------------------------------------------------------------------------------------
# Reading one file


def iter_text(path: Path, warnings: list[str] | None = None) -> Iterator[str]:
    """The decoded text of one file, Gutenberg boilerplate removed, in ~1 MB pieces ending at line breaks.

    A UTF-16 or UTF-32 byte order mark is believed. Otherwise, not valid UTF-8: read as cp1252 (or
    latin-1 if even that fails) and say so in ``warnings``.
    """
    for text, _ in _iter_text(Path(path), warnings):
        yield text


def _iter_text(path: Path, warnings: list[str] | None) -> Iterator[tuple[str, int]]:
    """Pieces of text, each with the number of bytes of the file read so far (for progress)."""
    try:
        encoding = _detect_encoding(path)
        if encoding not in _SURE and warnings is not None:
            warnings.append(f"{path.name} is not UTF-8; read as {encoding}")
        yield from _strip_gutenberg(_decoded_pieces(path, encoding))
    except OSError as error:
        raise CorpusError(f"cannot read {path}: {error.strerror or error}") from None


def _detect_encoding(path: Path) -> str:
    """The byte order mark's UTF-16/32; else UTF-8 if the whole file decodes as UTF-8 (a cheap binary
    pass), else a non-Latin alphabet's legacy encoding that charset-normalizer recognises, else cp1252,
    else latin-1."""
    with open(path, "rb") as file:
        marked = _bom_encoding(file.read(4))
    if marked:
        return marked  # trusted: a damaged code unit becomes U+FFFD, which separates words
    if _decodes_as(path, "utf-8-sig"):
        return "utf-8-sig"
    for encoding in (_other_alphabet(path), "cp1252"):
        if encoding and _decodes_as(path, encoding):
            return encoding
    return "latin-1"  # decodes any bytes


def _other_alphabet(path: Path) -> str | None:
    """A legacy encoding of a non-Latin alphabet (cp1251 or KOI8-R Russian, Greek, Hebrew...) when
    charset-normalizer finds one in the file's first megabyte; None for Latin-script text, which stays
    cp1252 (on small samples the library often names cp1250 for French, a wrong guess for à and œ)."""
    from charset_normalizer import from_bytes

    with open(path, "rb") as file:
        sample = file.read(1 << 20)
    text = sample.decode("utf-8", errors="replace")
    if text.count("\ufffd") * 100 < sum(c > "\x7f" for c in text):
        return None  # UTF-8 with a few damaged bytes (which the detector called Thai), not a legacy file
    best = from_bytes(sample).best()
    if best is None:
        return None
    letters = [c for c in str(best) if c.isalpha()]
    beyond_latin = sum(c > "\u024f" for c in letters)  # past Latin Extended-B
    return best.encoding if letters and beyond_latin > len(letters) / 2 else None


def _decodes_as(path: Path, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        with open(path, "rb") as file:
            while chunk := file.read(_BLOCK):
                if chunk.isascii() and not decoder.getstate()[0]:  # valid as it is (20x faster to tell)
                    continue
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _bom_encoding(head: bytes) -> str | None:
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            return encoding
    return None


def _decoded_pieces(path: Path, encoding: str, start: int = 0, end: int | None = None
                    ) -> Iterator[tuple[str, int]]:
    """~1 MB pieces that end at a line break (or a space), so no word is cut in two.

    ``start`` and ``end`` (bytes) read one part of the file; both lie just after a line break.
    """
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")  # only a UTF-16/32 file needs it
    carry, done = "", start
    with open(path, "rb") as file:
        file.seek(start)
        while chunk := file.read(_BLOCK if end is None else min(_BLOCK, end - done)):
            done += len(chunk)
            text = carry + decoder.decode(chunk)
            cut = _last_break(text)
            carry = text[cut:]
            if cut:
                yield text[:cut], done
        text = carry + decoder.decode(b"", final=True)
        if text:
            yield text, done


def _last_break(text: str) -> int:
    """Where to cut ``text``: after its last line break, else its last space (0: keep it all for now)."""
    cut = text.rfind("\n") + 1 or max(text.rfind(" "), text.rfind("\t"), text.rfind("\r")) + 1
    if cut == 0 and len(text) > 4 * _BLOCK:  # megabytes without a space: not prose, just move on
        cut = len(text)
    return cut


def _strip_gutenberg(pieces: Iterator[tuple[str, int]], header: bool = True,
                     ended: list[bool] | None = None, skipped: list[int] | None = None
                     ) -> Iterator[tuple[str, int]]:
    """Drop everything up to a "*** START OF" line in the first lines, and from an "*** END OF" line on.

    ``header=False`` for a part that does not start the file; ``ended`` gets True if an END line was met;
    ``skipped`` gets the number of characters dropped before the text (before the first piece comes).
    """
    pieces = iter(pieces)
    if header:
        head, done = _first_lines(pieces, _HEADER_LINES)
        start = "***" in head and _START.search(head, 0, _nth_line_end(head, _HEADER_LINES))
        dropped = 0
        if start:
            line_end = head.find("\n", start.end())
            dropped = len(head) if line_end < 0 else line_end + 1
            head = head[dropped:]
        if skipped is not None:
            skipped.append(dropped)
        pieces = itertools.chain([(head, done)], pieces)
    for text, done in pieces:
        # The cheap tests first: the regex scans every line, and "***" in text takes 1.3 ms a MB where
        # "*" (one memchr) takes 0.01 ms: 0.6 s of a 500 MB corpus without a single asterisk.
        end = "*" in text and "***" in text and _END.search(text)
        if end:
            if ended is not None:
                ended.append(True)
            yield text[: end.start()], done
            return
        yield text, done


def _first_lines(pieces: Iterator[tuple[str, int]], lines: int) -> tuple[str, int]:
    """Join leading pieces until they hold ``lines`` lines (usually the first piece alone).

    Capped at two blocks' worth, so a file of few, very long lines is still streamed.
    """
    parts, done, seen, size = [], 0, 0, 0
    for text, done in pieces:
        parts.append(text)
        seen += text.count("\n")
        size += len(text)
        if seen >= lines or size >= 2 * _BLOCK:
            break
    return "".join(parts), done


def _nth_line_end(text: str, n: int) -> int:
    position = -1
    for _ in range(n):
        position = text.find("\n", position + 1)
        if position < 0:
            return len(text)
    return position + 1


def _unusable(path: Path, size: int) -> str | None:
    """Why a file cannot be a corpus, judged before reading it all (None if it looks like text)."""
    if size == 0:
        return "is empty"
    with open(path, "rb") as file:
        return text_problem(file.read(_SNIFF))


def text_problem(head: bytes) -> str | None:
    """Why bytes that start a file are not plain text, as a phrase ("looks like ..."); None if they are.

    Judged as the reader would decode them (a UTF-16/32 byte order mark, else UTF-8, else cp1252):
    one NUL byte (outside UTF-16/32), or more than 5% control characters, means binary data.
    """
    marked = _bom_encoding(head)
    if marked is None and b"\x00" in head:
        return "looks like a binary file, not plain text (it contains NUL bytes)"
    try:  # not final: a character cut off at the end of the sample is no error
        text = codecs.getincrementaldecoder(marked or "utf-8")().decode(head)
    except UnicodeDecodeError:
        text = head.decode(marked or "cp1252", errors="replace")
    controls = len(_CONTROL.findall(text))
    if controls > _MAX_CONTROL_SHARE * len(text):
        return (f"does not look like text: {controls / len(text):.0%} of its first {len(text):,} characters "
                "are control characters, as in a binary file")
    return None


# ---------------------------------------------------------------------------------------------
# Ids and vocabulary


class _FirstSeenIds(dict):
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


class _Reader:
    """A reader's numbering, kept from part to part: each part then tells the main process only the
    words new to this reader, and the index's strings are the first ones seen, close together in
    memory (a fresh index per part held strings scattered among the part's temporaries, and every
    lookup missed the cache: 30 s against 17.6 s for 500 MB)."""

    def __init__(self) -> None:
        self.index = _FirstSeenIds()
        self.table = WordTable(self.index)  # the same numbering, looked up from the text's bytes
        self.sent = 0  # words already reported
        self.key = secrets.token_hex(8)


_READER: _Reader | None = None  # a reader process's own


class _TokenIds:
    """Provisional ids (in order of first appearance, per reader), as int32 (4 bytes a token), with counts.

    The ids stay in memory as chunks, or, given a ``spill`` file, go straight to disk so a corpus
    larger than memory can be read; either way the final renumbering streams chunk by chunk.
    """

    def __init__(self, spill: Path | None = None) -> None:
        self.index = _FirstSeenIds()
        self._readers: dict[str, np.ndarray] = {}  # reader key -> its ids to ours (-1: an overlong run)
        self._readers_seen: set[str] = set()
        self._same: set[str] = set()  # readers whose ids have been ours so far (the lookup is the identity)
        self.chunks: list[np.ndarray] = []
        self.n_tokens = 0
        self._counts = np.zeros(0, dtype=np.int64)
        self._spill_path = spill
        self._spill = open(spill, "wb") if spill is not None else None
        #: Where each stretch of ids came from (files read in parts only): see core.text.pieces.
        self.pieces = PieceLog()

    def add(self, tokens: list[str]) -> None:
        self._add_ids(np.fromiter(map(self.index.__getitem__, tokens), dtype=np.int32, count=len(tokens)))

    def add_part(self, part: "_PartResult", file: int = -1) -> int:
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

    def register(self, part: "_PartResult") -> np.ndarray:
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
            chunk.tofile(self._spill)
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
        self._spill.close()
        yield from self._spilled()

    def _peek_chunks(self) -> Iterator[np.ndarray]:
        """The provisional ids in order, kept (for a pass that reads them before they are rewritten)."""
        if self._spill is None:
            yield from self.chunks
            return
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
            with open(rewritten, "wb") as out:
                for chunk in self._peek_chunks():
                    new, keep = change(chunk)
                    self.pieces.remap(old, keep, n_tokens, len(chunk))
                    old, chunk = old + len(chunk), new
                    counts += np.bincount(chunk, minlength=len(counts))
                    n_tokens += len(chunk)
                    chunk.tofile(out)
            self._spill.close()
            os.replace(rewritten, self._spill_path)
            self._spill = open(self._spill_path, "ab")
        self._counts, self.n_tokens = counts, n_tokens

    def close(self) -> None:
        if self._spill is not None:
            self._spill.close()
            self._spill_path.unlink(missing_ok=True)

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
        with contextlib.ExitStack() as closing:
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


# ---------------------------------------------------------------------------------------------
# The corpus


@dataclass
class Corpus:
    """Token ids of the kept words, in text order over all files, and their vocabulary."""

    files: list[Path]
    vocab: Vocab
    ids: np.ndarray  # int32
    raw_tokens: int  # words read, before phrases were joined and the min_count / max_vocab cut
    warnings: list[str] = field(default_factory=list)
    tokens: str = DEFAULT_TOKENS  # the tokenising rule (core.text.tokens)
    phrases: list[Phrase] = field(default_factory=list)  # phrases joined, most frequent first
    #: Where the ids came from, for concordances (None: not read from files, or from an older cache)
    pieces: PieceTable | None = None

    @property
    def n_tokens(self) -> int:
        return len(self.ids)

    def summary(self) -> dict:
        """Numbers worth showing a person before training."""
        return dict(
            files=len(self.files),
            tokens=self.raw_tokens,
            kept_tokens=self.n_tokens,
            vocab_size=len(self.vocab),
            top_words=[(w, int(c)) for w, c in zip(self.vocab.words[:10], self.vocab.counts[:10])],
            token_rule=self.tokens,
            phrases=[(p.token, p.count) for p in self.phrases if p.token in self.vocab][:20],
        )


def reading_options(config: TrainConfig) -> dict:
    """The keyword arguments of :func:`load_corpus` that a training config decides (every front end)."""
    phrases = PhraseSettings(config.phrase_threshold, config.min_count) if config.phrases else None
    return dict(min_count=config.min_count, max_vocab=config.max_vocab, tokens=config.tokens, phrases=phrases)


def load_corpus(
    paths: Sequence[str | os.PathLike],
    min_count: int = DEFAULT_MIN_COUNT,
    max_vocab: int | None = None,
    progress: ProgressFn | None = None,
    cache_dir: str | os.PathLike | None = None,
    tokens: str = DEFAULT_TOKENS,
    phrases: PhraseSettings | None = None,
    workers: int | None = 1,
) -> Corpus:
    """Read, tokenise and number the words of text files in one streaming pass.

    Files named directly must be usable (else CorpusError); unusable ``.txt`` files found inside a
    folder are skipped with a warning. ``progress(bytes_done, bytes_total)`` is called per ~1 MB.
    With ``cache_dir``, the token ids go to a file there and come back memory-mapped, so a corpus
    larger than memory can be read and trained; reading the same unchanged files with the same
    settings again then costs nothing (see :mod:`core.text.token_cache`). A damaged cache entry is
    read again from the texts, with a warning naming it. ``tokens`` names the tokenising rule
    (core.text.tokens); with ``phrases``, collocations are joined into one word before the vocabulary
    is cut (core.text.phrases). Files are read in parts of :data:`PART_BYTES`; with ``workers`` > 1
    (or None: one per core for corpora of :data:`PARALLEL_MIN_BYTES` or more) the parts are tokenised
    in that many processes at once, with the same result as reading them one after another. Reader
    processes are spawned, so a script asking for them needs ``if __name__ == "__main__":`` (the app
    and the command line ask; the default, one, needs nothing).
    """
    check_vocabulary_limits(min_count, max_vocab)
    check_token_rule(tokens)
    keep_freed_memory()  # each ~1 MB piece's temporaries: in a fresh process, ~45 ms of faults in 11 MB
    found = _find(paths)
    sizes = [_size(path) for path, _ in found]
    cache = None
    rebuilt: list[str] = []
    if cache_dir is not None:
        cache = TokenCache(Path(cache_dir), [path for path, _ in found], min_count, max_vocab, tokens, phrases)
        if (hit := cache.load()) is not None:
            return Corpus(hit.files, hit.vocab, hit.ids, hit.raw_tokens, hit.warnings, tokens, hit.phrases,
                          hit.pieces)
        if cache.damage:
            rebuilt.append(f"the token cache {cache.ids_path} was damaged ({cache.damage}); "
                           "deleted it and read the texts again")
    total, offset = sum(sizes), 0
    token_ids = _TokenIds(cache.spill_path if cache else None)
    used: list[Path] = []
    warnings: list[str] = []
    parts = _Parts(_reading_processes(workers, total))
    parts.unwanted = token_ids.register
    try:
        checked = [_check_file(path, size, tokens) for (path, _), size in zip(found, sizes)]
        parts.plan([(i, job) for i, file in enumerate(checked) if isinstance(file, _UsableFile) for job in file.jobs])
        for i, ((path, named), size) in enumerate(zip(found, sizes)):
            report = (lambda done: progress(offset + done, total)) if progress else None
            try:
                problem = _read_into(token_ids, path, checked[i], parts.results(i, report), warnings)
            except CorpusError as error:  # unreadable: fatal if named, skipped if found in a folder
                if named:
                    raise
                problem = f"could not be read ({error})"
            if problem and named:
                raise CorpusError(f"{path} {problem}")
            if problem:
                warnings.append(f"skipped {path}: it {problem}")
            else:
                used.append(path)
            offset += size
            if progress:
                progress(offset, total)
        if not used:
            raise CorpusError(f"no usable text in {_describe(paths)}")
        read = token_ids.n_tokens
        found_phrases = token_ids.join_phrases(phrases) if phrases is not None else []
        if cache is None:
            vocab, ids = token_ids.build(min_count, max_vocab, _describe(paths))
            return Corpus(used, vocab, ids, read, warnings, tokens, found_phrases, token_ids.pieces.table(len(ids)))
        vocab, _ = token_ids.build(min_count, max_vocab, _describe(paths), out=cache.partial_path)
        pieces = token_ids.pieces.table(vocab.total)
        ids = cache.store(CachedCorpus(used, vocab, np.empty(0, np.int32), read, warnings, found_phrases, pieces))
        return Corpus(used, vocab, ids, read, rebuilt + warnings, tokens, found_phrases, pieces)  # news: not stored
    finally:
        parts.close()
        token_ids.close()
        if cache is not None:
            cache.discard_partial()


def _read_into(token_ids: _TokenIds, path: Path, file: "_UsableFile | str | CorpusError",
               parts: Iterator[_PartResult], warnings: list[str]) -> str | None:
    """Add one file's tokens, part by part; returns why the file is unusable instead, if it is."""
    if isinstance(file, CorpusError):
        raise file
    if isinstance(file, str):
        return file
    before = token_ids.n_tokens
    file_warnings = [f"{path.name} is not UTF-8; read as {file.encoding}"] if file.encoding not in _SURE else []
    overlong = 0
    file_no = token_ids.pieces.add_file(path, file.encoding)
    for part in parts:
        overlong += token_ids.add_part(part, file_no)
    if token_ids.n_tokens == before and overlong:
        return f"has no words, only {overlong:,} run(s) of more than {MAX_TOKEN_CHARS} letters"
    if token_ids.n_tokens == before:
        return "has no letters, so no words to learn from"
    if overlong:
        file_warnings.append(f"{path.name}: dropped {overlong:,} run(s) of more than {MAX_TOKEN_CHARS} "
                             "letters, too long to be words")
    warnings.extend(file_warnings)
    return None


# ---------------------------------------------------------------------------------------------
# Reading in parts, in parallel

#: A file is read in parts of about this many bytes, each ending after a line break: a part is what one
#: process tokenises at a time, and bounds the memory a part's ids take before they are stored.
PART_BYTES = 8 << 20
#: Smaller corpora are read in this process: starting reader processes costs more than it saves.
#: With the byte-level word table a reader does ~75 MB/s, so a second one must win back its start:
#: on this (loaded) two-core machine 50 MB took 0.68-0.78 s in one process against 1.09 s with a
#: second reader, 200 MB 2.0 s against 2.6 s. Where they cross on an idle machine is not measured.
PARALLEL_MIN_BYTES = 256 << 20
_MAX_READERS = 4  # beyond this the main process, which numbers every part, is the bottleneck


@dataclass(frozen=True)
class _PartJob:
    path: Path
    start: int
    end: int
    encoding: str
    first: bool  # the file's first part: the Gutenberg header is looked for there
    tokens: str


@dataclass
class _PartResult:
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


@dataclass(frozen=True)
class _UsableFile:
    encoding: str
    jobs: list[_PartJob]


def _check_file(path: Path, size: int, tokens: str) -> "_UsableFile | str | CorpusError":
    """A file's parts to read; or why it is unusable (a phrase), or the error reading it raised."""
    try:
        problem = _unusable(path, size)
        if problem:
            return problem
        encoding = _detect_encoding(path)
        return _UsableFile(encoding, [_PartJob(path, start, end, encoding, start == 0, tokens)
                                      for start, end in _part_bounds(path, size, encoding)])
    except OSError as error:
        return CorpusError(f"cannot read {path}: {error.strerror or error}")


def _part_bounds(path: Path, size: int, encoding: str) -> list[tuple[int, int]]:
    """Byte ranges of about PART_BYTES, each cut just after a line break (or else a space).

    A UTF-16/32 file is one part: a line break's byte there may be half of another character.
    """
    if encoding in ("utf-16", "utf-32") or size <= PART_BYTES:
        return [(0, size)]
    cuts = [0]
    with open(path, "rb") as file:
        position = PART_BYTES
        while position < size:
            file.seek(position)
            window = file.read(_BLOCK)
            at = window.find(b"\n")
            if at < 0:
                at = window.find(b" ")
            if at < 0:  # a megabyte with no break: look again one part further
                position += PART_BYTES
                continue
            cut = position + at + 1
            if cut < size:
                cuts.append(cut)
            position = cut + PART_BYTES
    cuts.append(size)
    return list(zip(cuts, cuts[1:]))


def _read_part(job: _PartJob, report: Callable[[int], None] | None = None,
               reader: _Reader | None = None) -> _PartResult:
    """Decode and tokenise one part (in a reader process, or here), in the reader's numbering.

    Overlong runs keep their ids here; the main process drops them (see ``_TokenIds.add_part``).
    """
    global _READER
    if reader is None:  # a reader process
        if _READER is None:
            keep_freed_memory()
        reader = _READER = _READER or _Reader()
    index = reader.index
    chunks: list[np.ndarray] = []
    ended: list[bool] = []
    skipped: list[int] = []  # the Gutenberg header's characters: the piece log counts from the part's start
    rows: list[tuple[int, int, int]] = []
    read = n_tokens = 0
    try:
        pieces = _decoded_pieces(job.path, job.encoding, job.start, job.end)
        for text, done in _strip_gutenberg(pieces, header=job.first, ended=ended, skipped=skipped):
            base = read + (skipped[0] if skipped else 0)
            cuts = list(_piece_cuts(text))  # a row each in the piece log
            spaced = spaced_bytes(text, job.tokens)  # one call: per 64 KB piece it cost 1.5 ms a MB more
            ids, starts = reader.table.ids(spaced)  # overlong runs: dropped by add_part
            firsts = np.searchsorted(starts, _piece_starts(text, cuts, spaced)).tolist() + [len(ids)]
            for (lo, hi), first, after in zip(cuts, firsts, firsts[1:]):
                if after > first:
                    rows.append((base + lo, base + hi, n_tokens + first))
            read += len(text)
            if len(ids):
                chunks.append(ids)
                n_tokens += len(ids)
            if report:
                report(done)
    except OSError as error:
        raise CorpusError(f"cannot read {job.path}: {error.strerror or error}") from None
    table = np.array(rows, dtype=np.int64).reshape(-1, 3)
    first, reader.sent = reader.sent, len(index.order)
    return _PartResult(index.order[first:], chunks, reader.key, first, bool(ended), job.end, job.start, table)


def _piece_starts(text: str, cuts: list[tuple[int, int]], spaced: bytes) -> np.ndarray:
    """Where each piece of ``text`` starts in its spaced bytes.

    Pieces end after a line break, and no rule looks across one (a line break is a space that nothing
    joins, removes or composes with), so the whole text's spaced bytes are its pieces' one after
    another, with every line break kept: a piece starts after as many of them as come before it.
    """
    breaks = np.cumsum([0] + [text.count("\n", lo, hi) for lo, hi in cuts[:-1]])
    if len(cuts) < 2:
        return breaks
    newlines = np.flatnonzero(np.frombuffer(spaced, np.uint8) == 10)
    return np.concatenate(([0], newlines[breaks[1:] - 1] + 1))


def _piece_cuts(text: str) -> Iterator[tuple[int, int]]:
    """``text`` in stretches of about PIECE_CHARS characters, each ending after a line break (or at the end)."""
    lo, size = 0, len(text)
    while lo < size:
        hi = text.find("\n", lo + PIECE_CHARS) + 1 or size
        yield lo, hi
        lo = hi


def _reading_processes(workers: int | None, total_bytes: int) -> int:
    """How many processes read: ``workers``, or for None one per idle core for a large corpus.

    Idle, because on a machine already busy, reader processes only take turns with the other work
    and the numbering here: measured, two readers on a loaded two-core machine read 0.7-0.9x as fast
    as one.
    """
    if workers is None:
        if total_bytes < PARALLEL_MIN_BYTES:
            return 1
        idle = _idle_cores()
        return max(1, min(_MAX_READERS, int(idle + 0.5))) if idle >= 1.5 else 1
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ConfigError(f"workers must be a whole number >= 1, got {workers!r}")
    return workers


def _idle_cores(sample: float = 0.1) -> float:
    """Cores idle over the next ``sample`` seconds (Linux's /proc/stat; elsewhere: all of ours).

    Measured now rather than read from the load average, which lags by a minute behind what ran.
    """
    def times() -> tuple[int, int]:
        with open("/proc/stat") as stat:
            fields = [int(x) for x in stat.readline().split()[1:]]
        return fields[3] + fields[4], sum(fields)  # idle + iowait, total

    cores = default_workers()
    try:
        idle0, total0 = times()
        time.sleep(sample)
        idle1, total1 = times()
    except (OSError, ValueError, IndexError):
        return float(cores)
    online = os.cpu_count() or cores
    share = (idle1 - idle0) / max(1, total1 - total0)  # of all the machine's cores
    return min(cores, share * online)


@dataclass
class _Planned:
    key: int  # the file
    job: _PartJob
    here: bool  # read in this process (else by the pool)
    future: object = None  # the pool's, once submitted


class _Parts:
    """The parts of every file, read ahead by a pool of processes, this process reading its share too.

    With ``processes`` readers, this process reads every ``processes``-th part itself and a pool of
    ``processes - 1`` reads the others ahead: the first part is read here while the pool starts (a
    spawned reader takes ~0.3 s to import), and no core waits on the numbering, which is light next to
    the reading. Results come back in file order; each reader numbers its words its own way and the
    vocabulary is sorted by count afterwards, so the corpus is the one a one-by-one reading gives.
    """

    def __init__(self, processes: int):
        self.pool = None
        if processes > 1:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            self.pool = ProcessPoolExecutor(processes - 1, mp_context=multiprocessing.get_context("spawn"))
        self.share = processes
        self.ahead = 2 * processes  # pool parts in flight at most
        self.reader = _Reader()  # for parts read here
        #: Called with a part read ahead but not wanted (after an END line or an error), so its
        #: reader's new words are still learnt: that reader's later parts may use them.
        self.unwanted: Callable[[_PartResult], object] = lambda part: None
        self.planned: list[_Planned] = []
        self.head = 0  # the next part to hand out
        self.submitted = 0  # parts before this one were given to the pool if theirs
        self.in_flight = 0

    def plan(self, jobs: list[tuple[int, _PartJob]]) -> None:
        for key, job in jobs:
            self.planned.append(_Planned(key, job, self.pool is None or len(self.planned) % self.share == 0))
        self._fill()

    def _fill(self) -> None:
        self.submitted = max(self.submitted, self.head)
        while self.pool is not None and self.submitted < len(self.planned) and self.in_flight < self.ahead:
            planned = self.planned[self.submitted]
            self.submitted += 1
            if not planned.here:
                planned.future = self.pool.submit(_read_part, planned.job)
                self.in_flight += 1

    def results(self, key: int, report: Callable[[int], None] | None) -> Iterator[_PartResult]:
        """The parts of file ``key`` in order, up to a Gutenberg END line; the rest are dropped."""
        try:
            while self.head < len(self.planned) and self.planned[self.head].key == key:
                planned = self.planned[self.head]
                self.head += 1
                if planned.future is None:
                    self._fill()  # the pool reads on meanwhile
                    part = _read_part(planned.job, report, self.reader)
                else:
                    part = planned.future.result()
                    planned.future = None  # the future holds the part: 200 MB over 500 MB if kept
                    self.in_flight -= 1
                    self._fill()
                    if report:
                        report(part.end)
                yield part
                if part.ended:
                    return
        finally:  # an END line or an error: this file's other parts are not wanted
            while self.head < len(self.planned) and self.planned[self.head].key == key:
                future, self.planned[self.head].future = self.planned[self.head].future, None
                self.head += 1
                if future is None:
                    continue
                self.in_flight -= 1
                if not future.cancel():  # already read (or being read): its new words still count
                    try:
                        self.unwanted(future.result())
                    except CorpusError:
                        pass
            self._fill()

    def close(self) -> None:
        if self.pool is not None:  # waits at most for the parts being read now (a second or so)
            self.pool.shutdown(wait=True, cancel_futures=True)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError as error:
        raise CorpusError(f"cannot read {path}: {error.strerror or error}") from None


def _describe(paths: Sequence[str | os.PathLike]) -> str:
    if isinstance(paths, (str, os.PathLike)):
        return str(paths)
    return ", ".join(map(str, paths)) or "(nothing)"


def corpus_from_tokens(
    tokens: Iterable[str],
    min_count: int = DEFAULT_MIN_COUNT,
    max_vocab: int | None = None,
    name: str = "<tokens>",
    phrases: PhraseSettings | None = None,
) -> Corpus:
    """A corpus from words already split (generated text, tests); same vocabulary and phrase rules."""
    if isinstance(tokens, str):
        raise TypeError("corpus_from_tokens takes a sequence of words; split text with tokenize() first")
    check_vocabulary_limits(min_count, max_vocab)
    token_ids = _TokenIds()
    stream = iter(tokens)
    while batch := list(itertools.islice(stream, _BLOCK)):  # list: add() needs a length
        token_ids.add(batch)
    if token_ids.n_tokens == 0:
        raise CorpusError(f"{name} has no words")
    read = token_ids.n_tokens
    found_phrases = token_ids.join_phrases(phrases) if phrases is not None else []
    vocab, ids = token_ids.build(min_count, max_vocab, name)
    return Corpus([], vocab, ids, read, [], DEFAULT_TOKENS, found_phrases)
