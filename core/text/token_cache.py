"""Token ids kept on disk: memory-mapped, so a corpus larger than memory trains, and read only once.

A cache entry is one ``.npy`` of int32 ids (4 bytes a token) beside a ``.json`` with the vocabulary.
Its name is a hash of the files (path, size, modification time), the vocabulary settings and the
tokeniser's version, so a changed file or setting simply misses. Entries are complete or absent:
the ids are written under a temporary name and the ``.json`` is written last, atomically.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .vocab import Vocab

@dataclass
class CachedCorpus:
    """What an entry holds: a corpus's fields (``core.text.corpus.Corpus`` is built from them)."""

    files: list[Path]
    vocab: Vocab
    ids: np.ndarray
    raw_tokens: int
    warnings: list[str]


#: Bump when tokenize() changes what it produces, so old entries are not reused.
TOKENIZER_VERSION = 1


class TokenCache:
    """The cache entry for one set of files and vocabulary settings."""

    def __init__(self, folder: Path, files: list[Path], min_count: int, max_vocab: int | None):
        folder.mkdir(parents=True, exist_ok=True)
        identity = {
            "tokenizer": TOKENIZER_VERSION,
            "files": [[str(f.resolve()), f.stat().st_size, f.stat().st_mtime_ns] for f in files],
            "min_count": min_count,
            "max_vocab": max_vocab,
        }
        key = hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()[:24]
        self.ids_path = folder / f"tokens-{key}.npy"
        self.meta_path = folder / f"tokens-{key}.json"
        self.partial_path = folder / f"tokens-{key}.part.npy"
        self.spill_path = folder / f"tokens-{key}.spill"

    def load(self) -> CachedCorpus | None:
        """The cached corpus with memory-mapped ids, or None if there is no complete entry."""
        try:
            meta = json.loads(self.meta_path.read_text(encoding="utf-8"))
            vocab = Vocab(meta["words"], np.asarray(meta["counts"], dtype=np.int64))
            ids = np.load(self.ids_path, mmap_mode="r")
        except (OSError, ValueError, KeyError, TypeError):
            return None
        if ids.dtype != np.int32 or ids.ndim != 1 or len(ids) != vocab.total:
            return None
        return CachedCorpus([Path(f) for f in meta["files"]], vocab, ids, int(meta["raw_tokens"]),
                            list(meta["warnings"]))

    def store(self, entry: CachedCorpus) -> np.memmap:
        """Make the entry complete (ids at ``partial_path`` already); returns the ids, mapped."""
        os.replace(self.partial_path, self.ids_path)
        meta = {
            "files": [str(f) for f in entry.files],
            "words": entry.vocab.words,
            "counts": entry.vocab.counts.tolist(),
            "raw_tokens": entry.raw_tokens,
            "warnings": entry.warnings,
        }
        temporary = self.meta_path.with_suffix(".json.tmp")
        temporary.write_text(json.dumps(meta), encoding="utf-8")
        os.replace(temporary, self.meta_path)
        return np.load(self.ids_path, mmap_mode="r")

    def discard_partial(self) -> None:
        for leftover in (self.partial_path, self.spill_path):
            leftover.unlink(missing_ok=True)
