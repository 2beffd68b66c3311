"""Where each stretch of token ids came from: the table a concordance uses to find a word's line again.

While reading, every ~64 KB of a file's text (cut at a line break) is tokenised on its own and logged
as one row: the file, the part of the file it lies in (byte range, so it can be decoded again without
the rest), its character range in that part's decoded text, and where its tokens start in the id stream.
Rows are few (about 16 per megabyte), so the table costs nothing next to the ids; finding an occurrence's
line means decoding one part up to the row and tokenising 64 KB again, a few milliseconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

#: Characters of text per logged row (cut at the next line break): a lookup tokenises this much again.
PIECE_CHARS = 1 << 16

_COLUMNS = ("file", "part_start", "part_end", "char_start", "char_end", "token_start")


@dataclass(frozen=True)
class SourceFile:
    """A file the rows point into, with what is needed to read it the same way again."""

    path: str
    encoding: str
    size: int
    mtime_ns: int

    @classmethod
    def of(cls, path: Path, encoding: str) -> "SourceFile":
        stat = path.stat()
        return cls(str(path), encoding, stat.st_size, stat.st_mtime_ns)

    def changed(self) -> bool:
        """Whether the file is gone or differs (size or modification time) from when it was read."""
        try:
            stat = Path(self.path).stat()
        except OSError:
            return True
        return (stat.st_size, stat.st_mtime_ns) != (self.size, self.mtime_ns)


@dataclass
class PieceTable:
    """Rows sorted by ``token_start`` (positions in the kept-token stream, ``Corpus.ids``)."""

    files: list[SourceFile]
    rows: np.ndarray  # int64, shape (n, 6): see _COLUMNS

    def __len__(self) -> int:
        return len(self.rows)

    def column(self, name: str) -> np.ndarray:
        return self.rows[:, _COLUMNS.index(name)]

    def row_of(self, positions: np.ndarray) -> np.ndarray:
        """The row holding each token position (the last row starting at or before it)."""
        return np.searchsorted(self.column("token_start"), positions, side="right") - 1

    def problem(self, total: int) -> str | None:
        """What is wrong with the rows of a table read back (None if nothing): each inside its file,
        its characters in order, its tokens in order and among the ``total`` ids."""
        if len(self.rows) == 0:
            return None
        file, part_start, part_end, char_start, char_end, token_start = self.rows.T
        sizes = np.array([f.size for f in self.files], dtype=np.int64)[file]
        if (part_start < 0).any() or (part_end < part_start).any() or (part_end > sizes).any():
            return "its piece table points outside its files"
        if (char_start < 0).any() or (char_end < char_start).any():
            return "its piece table has characters out of order"
        if token_start[0] < 0 or token_start[-1] >= total or (np.diff(token_start) < 0).any():
            return "its piece table has tokens out of order or past the ids"
        return None

    def to_json(self) -> dict:
        return {"files": [[f.path, f.encoding, f.size, f.mtime_ns] for f in self.files],
                "rows": self.rows.ravel().tolist()}

    @classmethod
    def from_json(cls, data: dict) -> "PieceTable":
        """The table stored by :meth:`to_json`; ValueError/KeyError/TypeError if it is damaged."""
        files = [SourceFile(str(p), str(e), int(s), int(m)) for p, e, s, m in data["files"]]
        rows = np.asarray(data["rows"], dtype=np.int64)
        if rows.size % len(_COLUMNS):
            raise ValueError("the piece table's rows are cut short")
        rows = rows.reshape(-1, len(_COLUMNS))
        if len(rows) and (rows[:, 0].min() < 0 or rows[:, 0].max() >= len(files)):
            raise ValueError("the piece table names files it does not list")
        return cls(files, rows)


class PieceLog:
    """Rows collected while reading, in raw-token positions; remapped as tokens are joined or cut."""

    def __init__(self) -> None:
        self.files: list[SourceFile] = []
        self._blocks: list[np.ndarray] = []
        self._cursor = 0  # rows before it are remapped already in the current pass

    def add_file(self, path: Path, encoding: str) -> int:
        self.files.append(SourceFile.of(path, encoding))
        return len(self.files) - 1

    def add(self, file: int, part_start: int, part_end: int, pieces: np.ndarray, token_offset: int) -> None:
        """One part's rows: ``pieces`` holds (char_start, char_end, token_start within the part)."""
        if len(pieces) == 0:
            return
        block = np.empty((len(pieces), len(_COLUMNS)), dtype=np.int64)
        block[:, 0], block[:, 1], block[:, 2] = file, part_start, part_end
        block[:, 3:5] = pieces[:, :2]
        block[:, 5] = pieces[:, 2] + token_offset
        self._blocks.append(block)

    def rows(self) -> np.ndarray:
        if len(self._blocks) != 1:
            self._blocks = [np.concatenate(self._blocks) if self._blocks else np.zeros((0, len(_COLUMNS)), np.int64)]
        return self._blocks[0]

    def begin_pass(self) -> None:
        """Start a pass over the whole stream (each :meth:`remap` then covers the next stretch)."""
        self._cursor = 0

    def remap(self, old_start: int, keep: np.ndarray | None, new_start: int, old_length: int) -> None:
        """Tokens [old_start, old_start + old_length) became the kept ones of ``keep`` from ``new_start``.

        Called once per stretch of the stream, in order; a row starting inside it moves to the number of
        kept tokens before it (a word dropped at a row's start moves the row onto the next kept token).
        """
        starts = self.rows()[:, 5]
        lo = self._cursor
        hi = lo + int(np.searchsorted(starts[lo:], old_start + old_length, side="left"))
        self._cursor = hi
        if hi > lo:
            local = starts[lo:hi] - old_start
            if keep is None:
                starts[lo:hi] = new_start + local
            else:  # kept tokens before a row: its offset less the dropped ones before it (no cumsum
                # over the whole stretch: 24 of them took 1 s of the final renumbering of 100M tokens)
                starts[lo:hi] = new_start + local - np.searchsorted(np.flatnonzero(~keep), local)

    def table(self, total: int) -> PieceTable:
        """The finished table; rows whose start lies at or past ``total`` (nothing kept after them) go."""
        rows = self.rows()
        return PieceTable(self.files, rows[rows[:, 5] < total].copy())
