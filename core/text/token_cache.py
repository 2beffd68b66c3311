"""Token ids kept on disk: memory-mapped, so a corpus larger than memory trains, and read only once.

A cache entry is one ``.npy`` of int32 ids (4 bytes a token) beside a ``.json`` with the vocabulary.
Its name is a hash of the files (path, size, modification time), the vocabulary settings and the
tokeniser's version, so a changed file or setting simply misses. Entries are complete or absent:
the ids are written under a temporary name and the ``.json`` is written last, each moved into place
by an atomic rename. Temporary names carry the writer's pid and a random part, so runs sharing a
folder never touch each other's files. An entry is checked when loaded (a damaged one would fail
every later run): a bad one is deleted, and :attr:`TokenCache.damage` says why, so it can be rebuilt.

An entry only ever leads back to the files the person named: the files it lists, and those its piece
table points a concordance into, must be exactly those (resolved paths, with the size and time the
entry's name was made from), in a text encoding Python knows. An entry edited to name another file,
or an encoding that does not exist, is damaged like any other, never followed.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import os
import re
import secrets
import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..config import DEFAULT_TOKENS
from ..errors import CorpusError
from ..files import naming_write_errors, sweep_stale
from .phrases import Phrase, PhraseSettings
from .pieces import PieceTable, SourceFile
from .vocab import Vocab

#: A run's temporary files (``.spill``, ``.part.npy``, ``.json.tmp``), named with its pid: whatever is
#: left of a killed run can be told apart from a running one's.
TEMPORARY = re.compile(r"tokens-[0-9a-f]{24}\.(?P<pid>\d+)\.[0-9a-f]{8}\.(spill|part\.npy|json\.tmp)")
#: Temporaries of versions that did not name their process: swept once an hour old.
_UNNAMED_TEMPORARY = re.compile(r"tokens-[0-9a-f]{24}\.(spill|part\.npy|json\.tmp)")

_CHECK_CHUNK = 1 << 22  # ids checked at a time: bincount makes an int64 copy of what it counts


@dataclass
class CachedCorpus:
    """What an entry holds: a corpus's fields (``core.text.corpus.Corpus`` is built from them)."""

    files: list[Path]
    vocab: Vocab
    ids: np.ndarray
    raw_tokens: int
    warnings: list[str]
    phrases: list[Phrase] = field(default_factory=list)
    pieces: PieceTable | None = None  # where the ids came from (entries of older versions have none)


#: Bump when tokenize() changes what it produces, so old entries are not reused.
TOKENIZER_VERSION = 3  # 2: letter runs over MAX_TOKEN_CHARS are dropped; 3: rules, NFC last, phrases


class TokenCache:
    """The cache entry for one set of files and vocabulary settings."""

    def __init__(self, folder: Path, files: list[Path], min_count: int, max_vocab: int | None,
                 tokens: str = DEFAULT_TOKENS, phrases: PhraseSettings | None = None):
        with naming_write_errors(folder, CorpusError, "token cache: "):
            folder.mkdir(parents=True, exist_ok=True)
        sweep_stale(folder, [TEMPORARY, _UNNAMED_TEMPORARY])  # what killed runs left behind
        #: resolved path -> (the path as named, size, modification time): all an entry may point to
        self._named = {os.path.realpath(f): (f, f.stat().st_size, f.stat().st_mtime_ns) for f in files}
        identity = {
            "tokenizer": TOKENIZER_VERSION,
            "files": [[resolved, size, mtime] for resolved, (_, size, mtime) in self._named.items()],
            "min_count": min_count,
            "max_vocab": max_vocab,
            "tokens": tokens,
            "phrases": None if phrases is None else dataclasses.asdict(phrases),
        }
        key = hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()[:24]
        self.min_count = min_count
        self.ids_path = folder / f"tokens-{key}.npy"
        self.meta_path = folder / f"tokens-{key}.json"
        mine = f"tokens-{key}.{os.getpid()}.{secrets.token_hex(4)}"
        self.partial_path = folder / f"{mine}.part.npy"
        self.spill_path = folder / f"{mine}.spill"
        self._meta_temporary = folder / f"{mine}.json.tmp"
        #: Why the entry found by the last :meth:`load` was deleted, or None.
        self.damage: str | None = None

    def load(self) -> CachedCorpus | None:
        """The cached corpus with memory-mapped ids; None if there is no complete, sound entry.

        No ``.json`` means no entry yet (another run may be writing it: its ``.json`` comes last).
        An entry that cannot be read, or whose ids disagree with its vocabulary, is deleted.
        """
        self.damage = None
        if not self.meta_path.exists():
            return None
        try:
            meta = json.loads(self.meta_path.read_text(encoding="utf-8"))
            rare = {str(w): int(c) for w, c in meta["rare"]}
            vocab = Vocab(meta["words"], np.asarray(meta["counts"], dtype=np.int64), rare, self.min_count)
            files = [Path(f) for f in meta["files"]]
            raw_tokens, warnings = int(meta["raw_tokens"]), [str(w) for w in meta["warnings"]]
            phrases = [Phrase(str(t), int(c), float(sc)) for t, c, sc in meta["phrases"]]
            pieces = PieceTable.from_json(meta["pieces"]) if meta.get("pieces") is not None else None
            files = [self._named_file(f) for f in files]
            if pieces is not None:
                pieces = self._named_pieces(pieces)
            ids = np.load(self.ids_path, mmap_mode="r")
        except _Foreign as error:
            return self._delete(str(error))
        except (OSError, ValueError, KeyError, TypeError) as error:
            return self._delete(f"it cannot be read: {error}")
        problem = _check_ids(ids, vocab) or (pieces.problem(len(ids)) if pieces is not None else None)
        if problem:
            del ids  # unmapped before the file goes
            return self._delete(problem)
        return CachedCorpus(files, vocab, ids, raw_tokens, warnings, phrases, pieces)

    def _named_file(self, stored: Path) -> Path:
        """The named file an entry's path stands for (as named in this run); _Foreign if none."""
        found = self._named.get(os.path.realpath(stored))
        if found is None:
            raise _Foreign(f"it names a file that was not asked for ({str(stored)[:200]})")
        return found[0]

    def _named_pieces(self, pieces: PieceTable) -> PieceTable:
        """The piece table pointing at the named files only, each in a known text encoding."""
        files = []
        for source in pieces.files:
            path = self._named_file(Path(source.path))
            _, size, mtime = self._named[os.path.realpath(path)]
            if (source.size, source.mtime_ns) != (size, mtime):
                raise _Foreign(f"its piece table gives {path} another size or time than the file has")
            if not _text_encoding(source.encoding):
                raise _Foreign(f"its piece table names an unknown text encoding ({source.encoding[:40]!r})")
            files.append(SourceFile(str(path), source.encoding, size, mtime))
        return PieceTable(files, pieces.rows)

    def _delete(self, problem: str) -> None:
        self.damage = problem
        for path in (self.meta_path, self.ids_path):  # the .json first: no one takes a half entry
            path.unlink(missing_ok=True)
        return None

    def store(self, entry: CachedCorpus) -> np.memmap:
        """Make the entry complete (ids at ``partial_path`` already); returns the ids, mapped."""
        meta = {
            "files": [os.path.realpath(f) for f in entry.files],  # the same from any working folder
            "words": entry.vocab.words,
            "counts": entry.vocab.counts.tolist(),
            "raw_tokens": entry.raw_tokens,
            "warnings": entry.warnings,
            "rare": list(entry.vocab.rare.items()),
            "phrases": [[p.token, p.count, p.score] for p in entry.phrases],
            "pieces": _resolved(entry.pieces).to_json() if entry.pieces is not None else None,
        }
        with naming_write_errors(self._meta_temporary, CorpusError, "token cache: "):
            with open(self._meta_temporary, "w", encoding="utf-8") as handle:  # first: a full disk moves nothing
                handle.write(json.dumps(meta))
            os.replace(self.partial_path, self.ids_path)
            os.replace(self._meta_temporary, self.meta_path)
        return np.load(self.ids_path, mmap_mode="r")

    def discard_partial(self) -> None:
        """Remove this run's temporary files (never another run's)."""
        for leftover in (self.partial_path, self.spill_path, self._meta_temporary):
            try:
                leftover.unlink(missing_ok=True)
            except OSError:  # runs after errors too: what cannot go is swept by a later run
                pass


class _Foreign(ValueError):
    """An entry that points somewhere it must not: why, as a phrase."""


def _text_encoding(name: str) -> bool:
    """Whether ``name`` is a codec Python knows that decodes bytes to text (not rot13, not base64)."""
    try:
        return codecs.lookup(name)._is_text_encoding  # type: ignore[attr-defined]
    except (LookupError, TypeError, ValueError):
        return False


def _resolved(pieces: PieceTable) -> PieceTable:
    files = [SourceFile(os.path.realpath(f.path), f.encoding, f.size, f.mtime_ns) for f in pieces.files]
    return PieceTable(files, pieces.rows)


def _check_ids(ids: np.ndarray, vocab: Vocab) -> str | None:
    """What is wrong with an entry's ids (None if nothing): their type, number, range and counts.

    The counts catch an id changed to another valid one; one pass in chunks, so a corpus larger than
    memory is read once and never copied whole.
    """
    if ids.dtype != np.int32 or ids.ndim != 1:
        return f"its ids are {ids.dtype} of {ids.ndim} dimension(s), not a row of int32"
    if len(ids) != vocab.total:
        return f"it holds {len(ids):,} ids for {vocab.total:,} counted words"
    counts = np.zeros(len(vocab), dtype=np.int64)
    for start in range(0, len(ids), _CHECK_CHUNK):
        chunk = np.asarray(ids[start:start + _CHECK_CHUNK])
        if chunk.min() < 0 or chunk.max() >= len(vocab):
            return f"it holds ids outside its {len(vocab):,}-word vocabulary"
        counts += np.bincount(chunk, minlength=len(vocab))
    if not np.array_equal(counts, vocab.counts):
        return "its ids disagree with its word counts"
    return None
