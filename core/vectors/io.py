"""Model files (``.npz``) and vectors files (word2vec text/binary, GloVe, TensorFlow projector TSV).

Writing: every file is written through :func:`core.files.atomic_write`, so a crash or an error midway leaves the
old file (if any) untouched and no half-written file behind.

Reading: any problem with a file the user gave us becomes a :class:`~core.errors.ModelFileError` with
one line naming the file (and the line or vector, for vectors files). Model files are plain ``.npz``
archives read with ``allow_pickle=False``: loading one never runs code.

Words in vectors files are decoded as UTF-8; a word whose bytes are not valid UTF-8 (older files, or
binary files whose writer cut a long word in the middle of a character) is decoded as Latin-1 instead,
which never fails and keeps distinct byte strings distinct. If two rows end up with the same word, the
first one is kept, as in a dictionary lookup of the file.
"""

from __future__ import annotations

import json
import os
import re
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator

import numpy as np

from ..config import TrainConfig
from ..errors import ModelFileError, StudioError
from ..files import atomic_write
from ..text.vocab import Vocab
from .model import Model, RunState

FORMAT_MARKER = "embedding-studio-model"
FORMAT_VERSION = 1

Progress = Callable[[int, int], None]

_ZIP_MAGIC = b"PK\x03\x04"
_EMPTY_ZIP_MAGIC = b"PK\x05\x06"
_HEADER = re.compile(rb"^\s*(\d+)\s+(\d+)\s*$")
_BLOCK_LINES = 4096
_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@contextmanager
def _writing(path: str | os.PathLike, mode: str = "wb") -> Iterator[Any]:
    """:func:`atomic_write`, with OS errors (no such folder, no permission, disk full) reported
    as one clear line."""
    try:
        with atomic_write(path, mode) as handle:
            yield handle
    except OSError as error:
        reason = error.strerror or str(error)
        raise ModelFileError(f"Cannot write '{path}': {reason}") from error


# --------------------------------------------------------------------------------------------
# model files (.npz)
# --------------------------------------------------------------------------------------------


def save_model(model: Model, path: str | os.PathLike) -> None:
    """Write ``model`` to ``path`` (exactly that name) as an ``.npz`` archive, atomically."""
    words = np.array(model.words, dtype=np.str_)
    if words.size == 0:
        words = np.zeros(0, dtype="<U1")
    arrays: dict[str, np.ndarray] = {
        "format": np.array(FORMAT_MARKER),
        "version": np.array(FORMAT_VERSION, dtype=np.int64),
        "words": words,
        "counts": np.asarray(model.counts, dtype=np.int64),
        "vectors": np.asarray(model.vectors, dtype=np.float32),
        "loss_history": np.asarray(model.loss_history, dtype=np.float64),
        "config": np.array(json.dumps(None if model.config is None else model.config.to_dict())),
        "state": np.array(json.dumps(model.state.to_dict())),
    }
    if model.output is not None:
        arrays["output"] = np.asarray(model.output, dtype=np.float32)
    with _writing(path) as handle:
        np.savez(handle, **arrays)


def load_model(path: str | os.PathLike) -> Model:
    """Read a model written by :func:`save_model`; any problem -> :class:`ModelFileError`."""
    path = Path(path)
    magic = _check_readable(path, "model file")
    if magic[:4] not in (_ZIP_MAGIC, _EMPTY_ZIP_MAGIC):
        raise ModelFileError(f"'{path}' is not an Embedding Studio model (.npz) file")
    try:
        with np.load(path, allow_pickle=False) as data:
            if not hasattr(data, "files"):
                raise ModelFileError(f"'{path}' is not an Embedding Studio model (.npz) file")
            arrays = {name: data[name] for name in data.files}
    except ModelFileError:
        raise
    except Exception as error:  # BadZipFile, EOFError, OSError, ValueError, zlib.error, ...
        raise ModelFileError(
            f"'{path}' is truncated or damaged and cannot be read ({_short(error)})"
        ) from error
    return _model_from_arrays(path, arrays)


def _model_from_arrays(path: Path, arrays: dict[str, np.ndarray]) -> Model:
    def bad(reason: str) -> ModelFileError:
        return ModelFileError(f"'{path}' is not a valid Embedding Studio model: {reason}")

    marker = arrays.get("format")
    if marker is None or marker.shape != () or marker.dtype.kind != "U" or str(marker) != FORMAT_MARKER:
        raise ModelFileError(f"'{path}' is an .npz file but not an Embedding Studio model")
    version = arrays.get("version")
    if version is None or version.shape != () or version.dtype.kind not in "iu":
        raise bad("its format version is missing")
    if int(version) > FORMAT_VERSION:
        raise ModelFileError(
            f"'{path}' was written by a newer Embedding Studio (model format {int(version)}, "
            f"this version reads up to {FORMAT_VERSION})"
        )
    missing = [n for n in ("words", "counts", "vectors", "loss_history", "config", "state") if n not in arrays]
    if missing:
        raise bad(f"missing {', '.join(missing)}")

    words, counts, vectors = arrays["words"], arrays["counts"], arrays["vectors"]
    if words.ndim != 1 or words.dtype.kind != "U":
        raise bad("the word list is not a list of text")
    n = len(words)
    if counts.shape != (n,) or counts.dtype.kind not in "iu":
        raise bad(f"{counts.shape[0] if counts.ndim else 0} counts for {n} words")
    if vectors.ndim != 2 or vectors.shape[0] != n or vectors.dtype.kind != "f":
        raise bad(f"vectors of shape {vectors.shape} for {n} words")
    output = arrays.get("output")
    if output is not None and (output.shape != vectors.shape or output.dtype.kind != "f"):
        raise bad(f"output table of shape {output.shape}, vectors {vectors.shape}")
    loss = arrays["loss_history"]
    if loss.ndim != 1 or loss.dtype.kind not in "fiu":
        raise bad("the loss history is not a list of numbers")

    word_list = words.tolist()
    if len(set(word_list)) != n:
        raise bad("the word list has duplicates")
    config_values = _json_field(arrays["config"], "settings", bad)
    if config_values is None:
        config = None
    elif isinstance(config_values, dict):
        try:
            config = TrainConfig.from_dict(config_values)
        except (StudioError, TypeError, ValueError) as error:
            raise bad(f"its training settings are invalid ({_short(error)})") from error
    else:
        raise bad("its training settings are not a JSON object")
    state_values = _json_field(arrays["state"], "state", bad)
    if state_values is None:
        state_values = {}
    if not isinstance(state_values, dict):
        raise bad("its training state is not a JSON object")
    try:
        state = RunState.from_dict(state_values)
    except ValueError as error:
        raise bad(f"its training state is invalid ({_short(error)})") from error

    return Model(
        Vocab(word_list, counts.astype(np.int64)),
        vectors.astype(np.float32, copy=False),
        None if output is None else output.astype(np.float32, copy=False),
        config,
        loss.astype(np.float64, copy=False),
        state,
    )


def _json_field(value: np.ndarray, what: str, bad: Callable[[str], ModelFileError]) -> Any:
    if value.shape != () or value.dtype.kind != "U":
        raise bad(f"its {what} are not JSON text")
    try:
        return json.loads(str(value))
    except ValueError as error:
        raise bad(f"its {what} are not valid JSON ({_short(error)})") from error


# --------------------------------------------------------------------------------------------
# word2vec / GloVe vectors files
# --------------------------------------------------------------------------------------------


def save_word2vec(model: Model, path: str | os.PathLike, binary: bool = False) -> None:
    """Write the vectors in the word2vec format (what gensim's ``load_word2vec_format`` reads).

    Text rows are ``word v1 v2 ...`` with 9 significant digits, which reproduce every float32
    exactly; binary rows are ``word `` followed by ``dim`` little-endian float32 and ``\\n``.
    """
    for word in model.words:
        if not word or any(ch.isspace() for ch in word):
            raise StudioError(
                f"cannot write the word {word!r} to a word2vec file: words there cannot be empty "
                "or contain spaces"
            )
    vectors = np.asarray(model.vectors, dtype=np.float32)
    n, dim = vectors.shape
    with _writing(path) as handle:
        handle.write(f"{n} {dim}\n".encode("ascii"))
        if binary:
            little = vectors.astype("<f4", copy=False)
            for word, row in zip(model.words, little):
                handle.write(word.encode("utf-8") + b" " + row.tobytes() + b"\n")
        else:
            template = " ".join(["%.9g"] * dim)
            for start in range(0, n, _BLOCK_LINES):
                block = vectors[start : start + _BLOCK_LINES].tolist()
                words = model.words[start : start + _BLOCK_LINES]
                text = "".join(f"{w} {template % tuple(row)}\n" for w, row in zip(words, block))
                handle.write(text.encode("utf-8"))


def load_vectors(path: str | os.PathLike, progress: Progress | None = None) -> Model:
    """Read a word2vec text, word2vec binary or GloVe text file (detected from its contents).

    The result has no output table, no settings and zero counts. Rows are parsed into one
    preallocated float32 table (memory stays close to the table's size). ``progress`` is called
    with ``(bytes_done, bytes_total)`` as the file is read.
    """
    path = Path(path)
    _check_readable(path, "vectors file")
    total = path.stat().st_size
    report = progress or (lambda done, total: None)
    try:
        with open(path, "rb") as f:
            first = f.readline(1 << 20)
            if first.startswith(b"\xef\xbb\xbf"):
                first = first[3:]
            header = _HEADER.match(first)
            if header:
                n, dim = int(header.group(1)), int(header.group(2))
                if n == 0 or dim == 0:
                    raise ModelFileError(f"'{path}' holds no vectors (its header says {n} x {dim})")
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
                rows = _count_lines(path)
                f.seek(0)
                if f.read(3) != b"\xef\xbb\xbf":  # skip a byte-order mark
                    f.seek(0)
                words, vectors = _read_text(f, path, dim, None, 1, total, report, capacity=rows)
    except ModelFileError:
        raise
    except MemoryError as error:
        raise ModelFileError(f"'{path}' is too large to load into memory") from error
    except OSError as error:
        raise ModelFileError(f"Cannot read '{path}': {error.strerror or error}") from error
    report(total, total)
    words, vectors = _drop_duplicates(words, vectors)
    return Model(Vocab(words, np.zeros(len(words), dtype=np.int64)), vectors)


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
        finite = np.isfinite(values).all(axis=1)
        if not finite.all():
            at = block_lines[int(np.argmin(finite))]
            raise ModelFileError(f"'{path}', line {at}: the vector holds NaN or infinity")
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
        if len(block_numbers) >= _BLOCK_LINES:
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
    rest = buf[pos:] + f.read(1 << 16)
    if rest.strip():
        raise ModelFileError(
            f"'{path}': more data after the {n} vectors the header announces (wrong header?)"
        )
    if not np.isfinite(vectors).all():
        bad = int(np.argmin(np.isfinite(vectors).all(axis=1)))
        raise ModelFileError(f"'{path}', vector {bad + 1} ('{words[bad]}'): NaN or infinity")
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


def load_any(path: str | os.PathLike, progress: Progress | None = None) -> Model:
    """A model file (``.npz``, or anything that starts like a zip archive) or a vectors file.

    The format is told here so that callers need not: ``progress(bytes_done, bytes_total)`` follows
    the reading of a vectors file, the slow case; a model file is read in one go, without reports.
    """
    path = Path(path)
    magic = _check_readable(path, "file")
    if path.suffix.lower() == ".npz" or magic[:4] in (_ZIP_MAGIC, _EMPTY_ZIP_MAGIC):
        return load_model(path)
    return load_vectors(path, progress=progress)


# --------------------------------------------------------------------------------------------
# TensorFlow Embedding Projector
# --------------------------------------------------------------------------------------------


def save_projector_tsv(model: Model, directory: str | os.PathLike) -> tuple[Path, Path]:
    """Write ``vectors.tsv`` and ``metadata.tsv`` for https://projector.tensorflow.org.

    ``vectors.tsv``: one row of tab-separated numbers per word, no header. ``metadata.tsv``: one
    word per line, no header (the projector expects none for a single column).
    """
    directory = Path(directory)
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ModelFileError(f"Cannot create folder '{directory}': {error.strerror or error}") from error
    vectors_path = directory / "vectors.tsv"
    metadata_path = directory / "metadata.tsv"
    vectors = np.asarray(model.vectors, dtype=np.float32)
    template = "\t".join(["%.7g"] * model.dim) + "\n"
    with _writing(vectors_path, "w") as handle:
        for start in range(0, len(vectors), _BLOCK_LINES):
            handle.write("".join(template % tuple(row) for row in vectors[start : start + _BLOCK_LINES].tolist()))
    with _writing(metadata_path, "w") as handle:
        handle.write("".join(_tsv_safe(w) + "\n" for w in model.words))
    return vectors_path, metadata_path


def _tsv_safe(word: str) -> str:
    return word.replace("\t", " ").replace("\n", " ").replace("\r", " ")


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------


def _check_readable(path: Path, what: str) -> bytes:
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


def _short(error: BaseException) -> str:
    text = str(error).splitlines()[0] if str(error) else type(error).__name__
    return text[:120]
