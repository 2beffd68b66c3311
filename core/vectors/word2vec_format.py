"""word2vec text and binary vectors files, and GloVe's (text without the header line): written in blocks
of lines, read with a line or vector named in any error. Words are decoded as UTF-8, else as Latin-1
(older files, or binary writers that cut a long word mid-character), which never fails and keeps distinct
byte strings distinct; of two rows with the same word, the first is kept. A word holding a control
character (tab, escape, or a Latin-1 byte 0x80-0x9f) is refused, when read as when written."""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np

from ..config import INT_RANGES, range_text
from ..errors import ModelFileError, StudioError
from ..text.vocab import Vocab
from .model import Model
from .file_checks import (BLOCK_LINES, Progress, check_readable, control_character_problem, control_character_word,
                          encoded_words, reading, unusable_vector, writing)

_HEADER = re.compile(rb"^\s*(\d{1,18})\s+(\d{1,18})\s*$")
_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def save_word2vec(model: Model, path: str | os.PathLike, binary: bool = False) -> None:
    """Write the vectors in the word2vec format (what gensim's ``load_word2vec_format`` reads).

    Text rows are ``word v1 v2 ...`` with 9 significant digits, which reproduce every float32
    exactly; binary rows are ``word `` followed by ``dim`` little-endian float32 and ``\\n``.
    Words that the format cannot hold (empty, with spaces, not valid Unicode) are refused first.
    """
    encoded = encoded_words(model.words, "a word2vec file")
    for word in model.words:
        if any(ch.isspace() for ch in word):
            raise StudioError(
                f"cannot write the word {word[:60]!r} to a word2vec file: words there cannot contain spaces"
            )
    vectors = np.asarray(model.vectors, dtype=np.float32)
    bad = unusable_vector(vectors)
    if bad is not None:
        raise StudioError(f"cannot write vectors holding {bad[1]} (row {bad[0] + 1}) to a word2vec file: "
                          "it could not be read back")
    n, dim = vectors.shape
    with writing(path) as handle:
        handle.write(f"{n} {dim}\n".encode("ascii"))
        if binary:
            little = vectors.astype("<f4", copy=False)
            for word, row in zip(encoded, little):
                handle.write(word + b" " + row.tobytes() + b"\n")
        else:
            template = " ".join(["%.9g"] * dim)
            for start in range(0, n, BLOCK_LINES):
                block = vectors[start : start + BLOCK_LINES].tolist()
                words = model.words[start : start + BLOCK_LINES]
                text = "".join(f"{w} {template % tuple(row)}\n" for w, row in zip(words, block))
                handle.write(text.encode("utf-8"))


def load_vectors(path: str | os.PathLike, progress: Progress | None = None) -> Model:
    """Read a word2vec text, word2vec binary or GloVe text file (detected from its contents).

    The result has no output table, no settings and zero counts. Rows are parsed into one
    preallocated float32 table (memory stays close to the table's size). ``progress`` is called
    with ``(bytes_done, bytes_total)`` as the file is read.
    """
    path = Path(path)
    check_readable(path, "vectors file")
    total = path.stat().st_size
    report = progress or (lambda done, total: None)
    with reading(path):
        with open(path, "rb") as f:
            first = f.readline(1 << 20)
            if first.startswith(b"\xef\xbb\xbf"):
                first = first[3:]
            header = _HEADER.match(first)
            if header:
                n, dim = int(header.group(1)), int(header.group(2))
                if n == 0 or dim == 0:
                    raise ModelFileError(f"'{path}' holds no vectors (its header says {n} x {dim})")
                _check_dim(path, dim)
                if n * (2 * dim + 1) > total:  # a row takes at least a letter and dim spaced digits
                    raise ModelFileError(
                        f"'{path}' is truncated or its header is wrong: {n:,} vectors of {dim} numbers "
                        f"cannot fit in {total:,} bytes"
                    )
                data_start = f.tell()
                if _looks_like_text(f, dim):
                    f.seek(data_start)
                    words, vectors = _read_text(f, path, dim, n, 2, total, report)
                else:
                    f.seek(data_start)
                    words, vectors = _read_binary(f, path, n, dim, total, report)
            else:
                if not first.strip():
                    raise ModelFileError(f"'{path}' is empty or its first line is blank")
                dim = len(first.rstrip().split(b" ")) - 1
                if dim < 1:
                    raise ModelFileError(
                        f"'{path}', line 1: expected a word followed by numbers, or a "
                        "'count dimensions' header"
                    )
                _check_dim(path, dim)
                rows = _count_lines(path)
                f.seek(0)
                if f.read(3) != b"\xef\xbb\xbf":  # skip a byte-order mark
                    f.seek(0)
                words, vectors = _read_text(f, path, dim, None, 1, total, report, capacity=rows)
    report(total, total)
    words, vectors = _drop_duplicates(words, vectors)
    return Model(Vocab(words, np.zeros(len(words), dtype=np.int64)), vectors)


def _check_dim(path: Path, dim: int) -> None:
    """Vectors files hold as many dimensions as models may (a model file with more would be refused)."""
    if dim > INT_RANGES["dim"][1]:
        raise ModelFileError(f"'{path}' holds vectors of {dim:,} dimensions; allowed: {range_text('dim')}")


def _looks_like_text(f, dim: int) -> bool:
    """After a word2vec header: text rows or binary rows?

    Text if the next line is a word and ``dim`` numbers; binary if the bytes that follow hold
    control characters (float32 bytes nearly always do); otherwise text, so that a malformed text
    file is reported with its line number.
    """
    line = f.readline(64 + 64 * dim)
    fields = line.rstrip().split(b" ")
    if len(fields) == dim + 1 and (line.endswith(b"\n") or not f.read(1)):
        try:
            [float(x) for x in fields[1:]]
            return True
        except ValueError:
            pass
    sample = line[: 4096] if len(line) >= 4096 else line + f.read(4096 - len(line))
    return not _CONTROL.search(sample)


def _read_text(
    f,
    path: Path,
    dim: int,
    expected: int | None,
    first_line_no: int,
    total: int,
    report: Progress,
    capacity: int | None = None,
) -> tuple[list[str], np.ndarray]:
    """Parse ``word v1 ... v_dim`` lines in blocks into a preallocated float32 table."""
    rows = expected if expected is not None else max(1, capacity or 1)
    vectors = np.empty((rows, dim), dtype=np.float32)
    words: list[str] = []
    line_no = first_line_no - 1
    block_words: list[str] = []
    block_numbers: list[str] = []
    block_lines: list[int] = []

    def flush() -> None:
        if not block_numbers:
            return
        bad = control_character_word(block_words)
        if bad is not None:
            raise ModelFileError(f"'{path}', line {block_lines[bad]}: {control_character_problem(block_words[bad])}")
        start = len(words)
        if start + len(block_numbers) > len(vectors):
            raise ModelFileError(
                f"'{path}', line {block_lines[len(vectors) - start]}: more vectors than the "
                f"header's {expected}"
            )
        try:
            values = np.loadtxt(block_numbers, dtype=np.float32, delimiter=" ", comments=None, ndmin=2)
        except ValueError:
            values = None
        if values is None or values.shape != (len(block_numbers), dim):
            _find_bad_numbers(path, block_numbers, block_lines, dim)
            raise ModelFileError(f"'{path}', lines {block_lines[0]}-{block_lines[-1]}: malformed numbers")
        bad = unusable_vector(values)
        if bad is not None:
            raise ModelFileError(f"'{path}', line {block_lines[bad[0]]}: the vector holds {bad[1]}")
        vectors[start : start + len(block_numbers)] = values
        words.extend(block_words)
        block_words.clear()
        block_numbers.clear()
        block_lines.clear()
        report(f.tell(), total)

    for raw in f:
        line_no += 1
        line = raw.rstrip()
        if not line:
            continue  # blank lines (often one at the end) carry nothing
        word, _, numbers = line.partition(b" ")
        found = numbers.count(b" ") + 1 if numbers else 0
        if not word:
            raise ModelFileError(f"'{path}', line {line_no}: the line starts with a space (empty word)")
        if found != dim:
            raise ModelFileError(
                f"'{path}', line {line_no}: expected a word and {dim} numbers separated by single "
                f"spaces, found {found} numbers"
            )
        block_words.append(_decode_word(word))
        block_numbers.append(numbers.decode("latin-1"))
        block_lines.append(line_no)
        if len(block_numbers) >= BLOCK_LINES:
            flush()
    flush()
    count = len(words)
    if count == 0:
        raise ModelFileError(f"'{path}' holds no vectors")
    if expected is not None and count != expected:
        raise ModelFileError(
            f"'{path}': the header says {expected} vectors but the file holds {count} "
            "(truncated or edited?)"
        )
    if count < len(vectors):
        vectors = vectors[:count].copy()
    return words, vectors


def _find_bad_numbers(path: Path, numbers: list[str], lines: list[int], dim: int) -> None:
    for text, line_no in zip(numbers, lines):
        for field in text.split(" "):
            try:
                float(field)
            except ValueError:
                raise ModelFileError(f"'{path}', line {line_no}: {field[:30]!r} is not a number") from None


def _read_binary(
    f, path: Path, n: int, dim: int, total: int, report: Progress
) -> tuple[list[str], np.ndarray]:
    """Parse ``word `` + ``dim`` float32 (+ optional ``\\n``) rows, reading in large chunks."""
    row_bytes = dim * 4
    chunk = max(1 << 20, 4 * (row_bytes + 256))
    vectors = np.empty((n, dim), dtype=np.float32)
    words: list[str] = []
    buf = b""
    pos = 0
    eof = False
    done_bytes = f.tell()

    def more() -> bool:
        nonlocal buf, pos, eof, done_bytes
        if eof:
            return False
        data = f.read(chunk)
        if not data:
            eof = True
            return False
        done_bytes += pos
        buf = buf[pos:] + data
        pos = 0
        return True

    for i in range(n):
        while True:
            while pos < len(buf) and buf[pos] in b"\n\r":
                pos += 1
            space = buf.find(b" ", pos)
            if space != -1 and len(buf) - (space + 1) >= row_bytes:
                break
            if space == -1 and len(buf) - pos > 1000:
                raise ModelFileError(f"'{path}', vector {i + 1}: no word found (not a word2vec binary file?)")
            if not more():
                raise ModelFileError(
                    f"'{path}' is truncated: the header says {n} vectors but it ends in vector {i + 1}"
                )
        word = buf[pos:space]
        if not word:
            raise ModelFileError(f"'{path}', vector {i + 1}: empty word")
        words.append(_decode_word(word))
        vectors[i] = np.frombuffer(buf, dtype="<f4", count=dim, offset=space + 1)
        pos = space + 1 + row_bytes
        if i % 10_000 == 9_999:
            report(done_bytes + pos, total)
    bad = control_character_word(words)
    if bad is not None:
        raise ModelFileError(f"'{path}', vector {bad + 1}: {control_character_problem(words[bad])}")
    rest = buf[pos:] + f.read(1 << 16)
    if rest.strip():
        raise ModelFileError(
            f"'{path}': more data after the {n} vectors the header announces (wrong header?)"
        )
    bad = unusable_vector(vectors)
    if bad is not None:
        raise ModelFileError(f"'{path}', vector {bad[0] + 1} ('{words[bad[0]]}'): the vector holds {bad[1]}")
    return words, vectors


def _decode_word(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _count_lines(path: Path) -> int:
    lines = 0
    last = b"\n"
    with open(path, "rb") as f:
        while block := f.read(1 << 22):
            lines += block.count(b"\n")
            last = block[-1:]
    return lines + (last != b"\n")


def _drop_duplicates(words: list[str], vectors: np.ndarray) -> tuple[list[str], np.ndarray]:
    if len(set(words)) == len(words):
        return words, vectors
    seen: set[str] = set()
    keep = np.zeros(len(words), dtype=bool)
    for i, word in enumerate(words):
        if word not in seen:
            seen.add(word)
            keep[i] = True
    return [w for w, k in zip(words, keep) if k], vectors[keep]


