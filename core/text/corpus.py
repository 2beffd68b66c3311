"""Text files in, token ids out: find files, decode, strip Gutenberg boilerplate, tokenise, map to ids.

Everything streams: a file is read in ~1 MB pieces that end at a line break, each piece is tokenised
and its words are turned into provisional ids with one dict, kept as int32 chunks (4 bytes a token).
Counting, the vocabulary cut and the final renumbering are then whole-array NumPy work.
"""

from __future__ import annotations

import codecs
import itertools
import os
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator, Sequence

import numpy as np

from ..config import DEFAULT_MIN_COUNT, check_vocabulary_limits
from ..errors import CorpusError
from .token_cache import CachedCorpus, TokenCache
from .vocab import Vocab

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
_GUESSED = ("cp1252", "latin-1")  # encodings read without the file saying so: worth a warning
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
# Tokenising

#: Longer letter runs are not words and are dropped: the longest words of real text are far shorter
#: (English 45 letters, Russian about 35, German compounds in use about 60) and word2vec.c stops a
#: word at MAX_STRING = 100. Without a cap, megabytes of one letter made "words" megabytes long, and
#: the model file's word array (as wide as its longest word, for every word) ran to gigabytes.
MAX_TOKEN_CHARS = 100

_APOSTROPHES = ("'", "\u2019")
# ASCII characters that end a word; the apostrophe is handled separately (it may join a word).
_ASCII_SEPARATORS = tuple(c for c in map(chr, range(128)) if not (c.isalpha() or c.isspace() or c == "'"))
_NON_ASCII_RUN = re.compile(r"[^\x00-\x7f]+")
# After separators become spaces, a letter is any non-space, non-apostrophe character.
_INNER_APOSTROPHE = re.compile(r"'(?<=[^\s']')(?=[^\s'])")


def tokenize(text: str) -> list[str]:
    """Lowercase words: runs of Unicode letters, so accented words like "café" and "naïve" stay whole.

    Digits, underscores, punctuation and dashes separate words ("well--let" gives "well", "let",
    where the article's ``re.sub(r'[^a-z\\s]', '', text.lower())`` glued them into "welllet" and
    dropped accented letters). An apostrophe (' or ’) between two letters is removed, joining the
    parts as the article did ("don't" -> "dont"); at a word's edge it is a quote mark and separates.
    Combining marks count as letters (text is NFC-normalised first), so scripts that use them stay whole.
    Runs of more than :data:`MAX_TOKEN_CHARS` letters are dropped.

    Built from whole-string C operations (replace, one sparse regex, split) rather than a regex over
    every character: about three times faster, which matters over megabytes of text.
    """
    return _tokenize(text)[0]


def _tokenize(text: str) -> tuple[list[str], int]:
    """:func:`tokenize`'s words, and how many overlong runs it dropped (load_corpus reports them)."""
    if not text.isascii() and not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    s = text.lower()
    separators = [c for c in _ASCII_SEPARATORS if c in s]
    if not s.isascii():
        if "\u2019" in s:
            s = s.replace("\u2019", "'")
        others = set("".join(_NON_ASCII_RUN.findall(s)))
        separators += [c for c in others if not _is_word_char(c)]
    for c in separators:
        s = s.replace(c, " ")
    if "'" in s:
        s = _INNER_APOSTROPHE.sub("", s).replace("'", " ")
    words = s.split()
    if words and max(map(len, words)) > MAX_TOKEN_CHARS:  # a C-speed pass; the filter runs rarely
        kept = [w for w in words if len(w) <= MAX_TOKEN_CHARS]
        return kept, len(words) - len(kept)
    return words, 0


def _is_word_char(c: str) -> bool:
    """Letters, and combining marks (which belong to the letter before them); spaces split anyway."""
    return c.isalpha() or c.isspace() or unicodedata.category(c).startswith("M")


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
        if encoding in _GUESSED and warnings is not None:
            warnings.append(f"{path.name} is not UTF-8; read as {encoding}")
        yield from _strip_gutenberg(_decoded_pieces(path, encoding))
    except OSError as error:
        raise CorpusError(f"cannot read {path}: {error.strerror or error}") from None


def _detect_encoding(path: Path) -> str:
    """The byte order mark's UTF-16/32; else UTF-8 if the whole file decodes as UTF-8 (a cheap binary
    pass), else cp1252, else latin-1."""
    with open(path, "rb") as file:
        marked = _bom_encoding(file.read(4))
    if marked:
        return marked  # trusted: a damaged code unit becomes U+FFFD, which separates words
    for encoding in ("utf-8-sig", "cp1252"):
        if _decodes_as(path, encoding):
            return encoding
    return "latin-1"  # decodes any bytes


def _decodes_as(path: Path, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        with open(path, "rb") as file:
            while chunk := file.read(_BLOCK):
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


def _decoded_pieces(path: Path, encoding: str) -> Iterator[tuple[str, int]]:
    """~1 MB pieces that end at a line break (or a space), so no word is cut in two."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")  # only a UTF-16/32 file needs it
    carry, done = "", 0
    with open(path, "rb") as file:
        while chunk := file.read(_BLOCK):
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


def _strip_gutenberg(pieces: Iterator[tuple[str, int]]) -> Iterator[tuple[str, int]]:
    """Drop everything up to a "*** START OF" line in the first lines, and from an "*** END OF" line on."""
    pieces = iter(pieces)
    head, done = _first_lines(pieces, _HEADER_LINES)
    start = "***" in head and _START.search(head, 0, _nth_line_end(head, _HEADER_LINES))
    if start:
        line_end = head.find("\n", start.end())
        head = "" if line_end < 0 else head[line_end + 1 :]
    for text, done in itertools.chain([(head, done)], pieces):
        end = "***" in text and _END.search(text)  # the cheap test first: the regex scans every line
        if end:
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

    def __missing__(self, word: str) -> int:
        new_id = self[word] = len(self)
        return new_id


class _TokenIds:
    """Provisional ids, in order of first appearance, as int32 (4 bytes a token), with running counts.

    The ids stay in memory as chunks, or, given a ``spill`` file, go straight to disk so a corpus
    larger than memory can be read; either way the final renumbering streams chunk by chunk.
    """

    def __init__(self, spill: Path | None = None) -> None:
        self.index = _FirstSeenIds()
        self.chunks: list[np.ndarray] = []
        self.n_tokens = 0
        self._counts = np.zeros(0, dtype=np.int64)
        self._spill_path = spill
        self._spill = open(spill, "wb") if spill is not None else None

    def add(self, tokens: list[str]) -> None:
        chunk = np.fromiter(map(self.index.__getitem__, tokens), dtype=np.int32, count=len(tokens))
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
        self.n_tokens += len(tokens)

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
        if self.n_tokens:
            spilled = np.memmap(self._spill_path, dtype=np.int32, mode="r", shape=(self.n_tokens,))
            for start in range(0, self.n_tokens, 1 << 22):
                yield np.asarray(spilled[start:start + (1 << 22)])
            del spilled

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
        vocab = Vocab.from_counts(dict(zip(words, self.counts().tolist())), min_count, max_vocab)
        if len(vocab) < 2:
            raise CorpusError(
                f"{name}: only {len(vocab)} of its {len(words)} distinct words occur at least "
                f"{min_count} times, and training needs two or more; try a lower min_count"
            )
        lookup = np.full(len(words), -1, dtype=np.int32)  # provisional id -> final id, -1 dropped
        lookup[[self.index[w] for w in vocab.words]] = np.arange(len(vocab), dtype=np.int32)
        if out is None:
            ids = np.empty(vocab.total, dtype=np.int32)
        else:
            ids = np.lib.format.open_memmap(out, mode="w+", dtype=np.int32, shape=(vocab.total,))
        position = 0
        for chunk in self._stored_chunks():
            mapped = lookup[chunk]
            mapped = mapped[mapped >= 0]
            ids[position : position + len(mapped)] = mapped
            position += len(mapped)
        if out is not None:
            ids.flush()
            del ids
            return vocab, None
        return vocab, ids


# ---------------------------------------------------------------------------------------------
# The corpus


@dataclass
class Corpus:
    """Token ids of the kept words, in text order over all files, and their vocabulary."""

    files: list[Path]
    vocab: Vocab
    ids: np.ndarray  # int32
    raw_tokens: int  # before the min_count / max_vocab cut
    warnings: list[str] = field(default_factory=list)

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
        )


def load_corpus(
    paths: Sequence[str | os.PathLike],
    min_count: int = DEFAULT_MIN_COUNT,
    max_vocab: int | None = None,
    progress: ProgressFn | None = None,
    cache_dir: str | os.PathLike | None = None,
) -> Corpus:
    """Read, tokenise and number the words of text files in one streaming pass.

    Files named directly must be usable (else CorpusError); unusable ``.txt`` files found inside a
    folder are skipped with a warning. ``progress(bytes_done, bytes_total)`` is called per ~1 MB.
    With ``cache_dir``, the token ids go to a file there and come back memory-mapped, so a corpus
    larger than memory can be read and trained; reading the same unchanged files with the same
    settings again then costs nothing (see :mod:`core.text.token_cache`). A damaged cache entry is
    read again from the texts, with a warning naming it.
    """
    check_vocabulary_limits(min_count, max_vocab)
    found = _find(paths)
    sizes = [_size(path) for path, _ in found]
    cache = None
    rebuilt: list[str] = []
    if cache_dir is not None:
        cache = TokenCache(Path(cache_dir), [path for path, _ in found], min_count, max_vocab)
        if (hit := cache.load()) is not None:
            return Corpus(hit.files, hit.vocab, hit.ids, hit.raw_tokens, hit.warnings)
        if cache.damage:
            rebuilt.append(f"the token cache {cache.ids_path} was damaged ({cache.damage}); "
                           "deleted it and read the texts again")
    total, offset = sum(sizes), 0
    token_ids = _TokenIds(cache.spill_path if cache else None)
    used: list[Path] = []
    warnings: list[str] = []
    try:
        for (path, named), size in zip(found, sizes):
            report = (lambda done: progress(offset + done, total)) if progress else None
            try:
                problem = _read_into(token_ids, path, size, warnings, report)
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
        if cache is None:
            vocab, ids = token_ids.build(min_count, max_vocab, _describe(paths))
            return Corpus(used, vocab, ids, token_ids.n_tokens, warnings)
        vocab, _ = token_ids.build(min_count, max_vocab, _describe(paths), out=cache.partial_path)
        ids = cache.store(CachedCorpus(used, vocab, np.empty(0, np.int32), token_ids.n_tokens, warnings))
        return Corpus(used, vocab, ids, token_ids.n_tokens, rebuilt + warnings)  # this run's news: not stored
    finally:
        token_ids.close()
        if cache is not None:
            cache.discard_partial()


def _read_into(
    token_ids: _TokenIds, path: Path, size: int, warnings: list[str], report: Callable[[int], None] | None
) -> str | None:
    """Add one file's tokens; returns why the file is unusable instead, if it is."""
    try:
        problem = _unusable(path, size)
    except OSError as error:
        raise CorpusError(f"cannot read {path}: {error.strerror or error}") from None
    if problem:
        return problem
    before = token_ids.n_tokens
    file_warnings: list[str] = []
    overlong = 0
    for text, done in _iter_text(path, file_warnings):
        words, dropped = _tokenize(text)
        token_ids.add(words)
        overlong += dropped
        if report:
            report(done)
    if token_ids.n_tokens == before and overlong:
        return f"has no words, only {overlong:,} run(s) of more than {MAX_TOKEN_CHARS} letters"
    if token_ids.n_tokens == before:
        return "has no letters, so no words to learn from"
    if overlong:
        file_warnings.append(f"{path.name}: dropped {overlong:,} run(s) of more than {MAX_TOKEN_CHARS} "
                             "letters, too long to be words")
    warnings.extend(file_warnings)
    return None


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
) -> Corpus:
    """A corpus from words already split (generated text, tests); same vocabulary rules, no files."""
    if isinstance(tokens, str):
        raise TypeError("corpus_from_tokens takes a sequence of words; split text with tokenize() first")
    check_vocabulary_limits(min_count, max_vocab)
    token_ids = _TokenIds()
    stream = iter(tokens)
    while batch := list(itertools.islice(stream, _BLOCK)):  # list: add() needs a length
        token_ids.add(batch)
    if token_ids.n_tokens == 0:
        raise CorpusError(f"{name} has no words")
    vocab, ids = token_ids.build(min_count, max_vocab, name)
    return Corpus([], vocab, ids, token_ids.n_tokens, [])
