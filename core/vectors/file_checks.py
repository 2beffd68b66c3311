"""What every model and vectors file reader and writer shares: atomic writes whose OS errors read as
one line, a first look at a file that says clearly why it cannot be read, words that must survive UTF-8."""

from __future__ import annotations

import os
import re
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator

import numpy as np

from ..errors import ModelFileError, StudioError
from ..files import atomic_write

Progress = Callable[[int, int], None]

ZIP_MAGIC = b"PK\x03\x04"
EMPTY_ZIP_MAGIC = b"PK\x05\x06"
#: Rows of a vectors or projector file formatted or parsed at a time.
BLOCK_LINES = 4096
#: Unicode's control characters (category Cc): C0, DEL and C1. No word holds one; in a file they break
#: the line and column layout, and printed they would reach the terminal as escape sequences.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
#: The largest magnitude a vector may hold. Its square, summed over the most dimensions (2048) and a
#: million rows, stays finite in float32 (2e33 < 3.4e38), so no cosine, norm or projection can
#: overflow; real embeddings hold values of a few units, a diverged run or a crafted file far more.
MAX_VECTOR_VALUE = 1e12


@contextmanager
def writing(path: str | os.PathLike, mode: str = "wb") -> Iterator[Any]:
    """:func:`atomic_write`, with OS errors (no such folder, no permission, disk full) reported
    as one clear line."""
    try:
        with atomic_write(path, mode) as handle:
            yield handle
    except OSError as error:
        reason = error.strerror or str(error)
        raise ModelFileError(f"Cannot write '{path}': {reason}") from error


@contextmanager
def reading(path: str | os.PathLike) -> Iterator[None]:
    """Reading a vectors file: a file too large for memory, or an OS error, reported as one clear line
    (a ModelFileError raised inside passes as it is)."""
    try:
        yield
    except ModelFileError:
        raise
    except MemoryError as error:
        raise ModelFileError(f"'{path}' is too large to load into memory") from error
    except OSError as error:
        raise ModelFileError(f"Cannot read '{path}': {error.strerror or error}") from error

def check_readable(path: Path, what: str) -> bytes:
    """The first bytes of ``path``; a clear ModelFileError if it cannot be opened or is empty."""
    try:
        with open(path, "rb") as f:
            magic = f.read(8)
    except FileNotFoundError:
        raise ModelFileError(f"No such {what}: '{path}'") from None
    except IsADirectoryError:
        raise ModelFileError(f"'{path}' is a folder, not a {what}") from None
    except OSError as error:
        raise ModelFileError(f"Cannot read '{path}': {error.strerror or error}") from error
    if not magic:
        raise ModelFileError(f"'{path}' is empty")
    return magic


def short_reason(error: BaseException) -> str:
    text = str(error).splitlines()[0] if str(error) else type(error).__name__
    return text[:120]


def control_character_word(words: list[str]) -> int | None:
    """The index of the first word holding a control character (newline, tab, escape, ...), or None.

    One regex search over the words joined; the word is located (by the lengths' running sum) only when
    one is found.
    """
    found = _CONTROL.search("".join(words))
    if found is None:
        return None
    ends = np.cumsum(np.fromiter(map(len, words), dtype=np.int64, count=len(words)))
    return int(np.searchsorted(ends, found.start(), side="right"))


def control_character_problem(word: str) -> str:
    """Why a word is refused, for a message: the word escaped, and its first control character's code."""
    found = _CONTROL.search(word)
    code = f" (U+{ord(found.group()):04X})" if found else ""
    return f"the word {word[:60]!r} holds a control character{code}"


def encoded_words(words: list[str], where: str) -> list[bytes]:
    """Each word as UTF-8; an empty word, one with a lone surrogate (no UTF-8 form) or with a control
    character (which no reader accepts): StudioError."""
    bad = control_character_word(words)
    if bad is not None:
        raise StudioError(f"cannot write to {where}: {control_character_problem(words[bad])}")
    encoded = []
    for word in words:
        try:
            raw = word.encode("utf-8")
        except UnicodeEncodeError:
            raise StudioError(
                f"cannot write the word {word[:60]!r} to {where}: it is not valid "
                "Unicode text (it holds a lone surrogate)"
            ) from None
        if not raw:
            raise StudioError(f"cannot write an empty word to {where}")
        encoded.append(raw)
    return encoded


def unusable_vector(table: np.ndarray) -> tuple[int, str] | None:
    """The first row of ``table`` that holds NaN, infinity or a value beyond :data:`MAX_VECTOR_VALUE`,
    and what it holds; None if every value is usable.

    Why refuse rather than compute around it: each consumer of the vectors (similarities, maps, health,
    axes, evaluation) would need its own overflow guard; one check where vectors enter keeps them all
    exact. Checked with a min and a max (no copy of the table); rows are searched only on refusal.
    """
    if not table.size:
        return None
    low, high = float(table.min()), float(table.max())  # NaN anywhere makes both NaN
    if -MAX_VECTOR_VALUE <= low and high <= MAX_VECTOR_VALUE:
        return None
    for start in range(0, len(table), BLOCK_LINES):
        magnitude = np.abs(table[start : start + BLOCK_LINES]).max(axis=1)  # NaN for a row holding one
        bad = ~(magnitude <= MAX_VECTOR_VALUE)
        if bad.any():
            row = int(np.argmax(bad))
            value = float(magnitude[row])
            if not np.isfinite(value):
                return start + row, "NaN or infinity"
            return start + row, f"a value of {value:.3g}, beyond the {MAX_VECTOR_VALUE:.0e} allowed"
    return None
