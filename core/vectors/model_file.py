"""Model files (``.npz``): written in one go, read member by member without ``np.load``.

Only the members a model has are read, each checked from its zip entry and ``.npy`` header alone (a
plain array of the expected type, no pickle, a shape that agrees with the others, as many bytes as it
declares, no decompression bomb) before any of its data is decompressed; then all of them are judged
together, also before any data is read. Loading one never runs code, and memory stays within what the
file justifies: what loading costs (the data, its copies in other dtypes, the words as Python strings)
stays under 256 MB or 50 times the bytes the members take in the file, and no member expands past
64 MB or 100 times its compressed size.
"""

from __future__ import annotations

import json
import math
import os
import zipfile
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from ..config import INT_RANGES, TrainConfig, range_text
from ..errors import ModelFileError, StudioError
from ..text.vocab import Vocab
from .model import Model, RunState
from .subwords import MAX_SUBWORD_N, Subwords
from .timeline import Timeline
from .file_checks import (EMPTY_ZIP_MAGIC, ZIP_MAGIC, check_readable, control_character_problem,
                          control_character_word, encoded_words, short_reason, unusable_vector, writing)

FORMAT_MARKER = "embedding-studio-model"
#: 2: the words as one UTF-8 byte array and each word's length in bytes. 1 (still read): the words as a
#: fixed-width text array, every word as wide as the longest one.
FORMAT_VERSION = 2


#: Model file members: (allowed dtype kinds, number of dimensions).
_MEMBERS: dict[str, tuple[str, int]] = {
    "format": ("U", 0),
    "version": ("iu", 0),
    "words": ("U", 1),  # format 1
    "word_bytes": ("u", 1),  # format 2: the words' UTF-8, one after another
    "word_lengths": ("iu", 1),  # format 2: bytes of each word
    "counts": ("iu", 1),
    "vectors": ("f", 2),
    "output": ("f", 2),
    "loss_history": ("fiu", 1),
    "config": ("U", 0),  # JSON
    "state": ("U", 0),  # JSON
    # optional: the corpus's words below the vocabulary's cut, so a search for one can say why it is missing
    "rare_word_bytes": ("u", 1),
    "rare_word_lengths": ("iu", 1),
    "rare_counts": ("iu", 1),
    # optional: the training timeline (core.vectors.timeline), all five or none
    "timeline_epochs": ("f", 1),
    "timeline_losses": ("f", 1),
    "timeline_codes": ("i", 3),
    "timeline_scales": ("f", 2),
    "timeline_maps": ("f", 3),
    # optional: subword vectors (core.vectors.subwords), all three or none: min_n and max_n, the
    # vocabulary's own rows (``vectors`` holds their means with their n-grams), the n-gram rows
    "subword_sizes": ("iu", 1),
    "subword_rows": ("f", 2),
    "subword_ngrams": ("f", 2),
}
_RARE = ("rare_word_bytes", "rare_word_lengths", "rare_counts")
_SUBWORDS = ("subword_sizes", "subword_rows", "subword_ngrams")
_TIMELINE = ("timeline_epochs", "timeline_losses", "timeline_codes", "timeline_scales", "timeline_maps")
#: The longest text (in characters) a scalar text member may declare.
_MAX_CHARS = {"format": 64, "config": 1 << 20, "state": 1 << 20}
_MAX_JSON_DEPTH = 32  # settings and state are flat objects
_MAX_ENTRIES = 256  # a model has a dozen members; a huge zip directory is slow to parse by itself
_MAX_DIRECTORY_BYTES = 1 << 20
_MAX_NPY_HEADER = 10_000  # numpy's own limit
_BOMB_FLOOR = 64 << 20  # a member may expand past this many bytes ...
_MAX_EXPANSION = 100  # ... only up to this factor of its compressed size (save_model stores, ratio 1)
_READ_CHUNK = 16 << 20
#: All members together (what loading them costs, see _load_cost) may take this many bytes ...
_TOTAL_FLOOR = 256 << 20
_TOTAL_EXPANSION = 50  # ... or this factor of what they hold in the file, whichever is more
#: What a word costs once read, beyond its bytes: a str, its list slot, the vocabulary's dict entry, an int
#: (measured: ~140 bytes for short words)
_WORD_COST = 200
#: The dtype each member is turned into after reading (a copy unless it already has it)
_LOADED_AS = {"word_lengths": "i8", "counts": "i8", "vectors": "f4", "output": "f4", "loss_history": "f8",
              "rare_word_lengths": "i8", "rare_counts": "i8", "timeline_epochs": "f8", "timeline_losses": "f8",
              "timeline_codes": "i1", "timeline_scales": "f4", "timeline_maps": "f4"}


def save_model(model: Model, path: str | os.PathLike) -> None:
    """Write ``model`` to ``path`` (exactly that name) as an ``.npz`` archive, atomically.

    The words are stored as UTF-8 bytes plus lengths, so a very long word costs its own bytes rather
    than widening every word to its size. Refused first (StudioError), since :func:`load_model` would
    refuse the file: a word that is empty or not valid Unicode, vectors holding NaN, infinity or values
    too large to compute with (:data:`~.file_checks.MAX_VECTOR_VALUE`).
    """
    encoded = encoded_words(model.words, "a model file")
    vectors = np.asarray(model.vectors, dtype=np.float32)
    output = None if model.output is None else np.asarray(model.output, dtype=np.float32)
    for table in (vectors, output):
        bad = None if table is None else unusable_vector(table)
        if bad is not None:
            raise StudioError(f"cannot save a model whose vectors hold {bad[1]} (row {bad[0] + 1}; did training "
                              "diverge?)")
    arrays: dict[str, np.ndarray] = {
        "format": np.array(FORMAT_MARKER),
        "version": np.array(FORMAT_VERSION, dtype=np.int64),
        "word_bytes": np.frombuffer(b"".join(encoded), dtype=np.uint8),
        "word_lengths": np.array([len(word) for word in encoded], dtype=np.int64),
        "counts": np.asarray(model.counts, dtype=np.int64),
        "vectors": vectors,
        "loss_history": np.asarray(model.loss_history, dtype=np.float64),
        "config": np.array(json.dumps(None if model.config is None else model.config.to_dict())),
        "state": np.array(json.dumps(model.state.to_dict())),
    }
    if output is not None:
        arrays["output"] = output
    if model.vocab.rare:
        rare = encoded_words(list(model.vocab.rare), "a model file")
        arrays["rare_word_bytes"] = np.frombuffer(b"".join(rare), dtype=np.uint8)
        arrays["rare_word_lengths"] = np.array([len(word) for word in rare], dtype=np.int64)
        arrays["rare_counts"] = np.fromiter(model.vocab.rare.values(), dtype=np.int64, count=len(rare))
    timeline = getattr(model, "timeline", None)
    if timeline is not None and len(timeline) and timeline.codes.shape[2] == vectors.shape[1]:
        arrays.update(timeline_epochs=timeline.epochs.astype(np.float64), timeline_losses=timeline.losses.astype(np.float64),
                      timeline_codes=timeline.codes.astype(np.int8), timeline_scales=timeline.scales.astype(np.float32),
                      timeline_maps=timeline.maps.astype(np.float32))
    subwords = getattr(model, "subwords", None)
    if subwords is not None:
        rows, ngrams = (np.asarray(t, dtype=np.float32) for t in (subwords.word_rows, subwords.ngrams))
        if not np.isfinite(rows).all() or not np.isfinite(ngrams).all():
            raise StudioError("cannot save a model whose subword vectors hold NaN or infinity (did training diverge?)")
        arrays.update(subword_sizes=np.array([subwords.min_n, subwords.max_n], dtype=np.int64),
                      subword_rows=rows, subword_ngrams=ngrams)
    with writing(path) as handle:
        np.savez(handle, **arrays)


def load_model(path: str | os.PathLike) -> Model:
    """Read a model written by :func:`save_model` (format 1 or 2); any problem -> :class:`ModelFileError`."""
    path = Path(path)
    magic = check_readable(path, "model file")
    if magic[:4] not in (ZIP_MAGIC, EMPTY_ZIP_MAGIC):
        raise ModelFileError(f"'{path}' is not an Embedding Studio model (.npz) file")
    try:
        with ExitStack() as stack:
            with _damaged(path):
                handle = stack.enter_context(open(path, "rb"))
                _check_directory(path, handle)
                archive = stack.enter_context(zipfile.ZipFile(handle))
            _check_entries(path, archive)
            version, arrays = _read_arrays(path, archive)
    except MemoryError as error:
        raise ModelFileError(f"'{path}' is too large to load into memory") from error
    return _model_from_arrays(path, version, arrays)


@dataclass(frozen=True)
class _Member:
    """One ``.npy`` member of a model file, as its zip entry and header describe it."""

    name: str
    info: zipfile.ZipInfo
    shape: tuple[int, ...]
    fortran: bool
    dtype: np.dtype
    offset: int  # header bytes before the data


def _read_arrays(path: Path, archive: zipfile.ZipFile) -> tuple[int, dict[str, np.ndarray]]:
    """The format version and the members a model has, every header checked before any data is read."""
    with _damaged(path):
        entries = {info.filename: info for info in archive.infolist()}

    def header(name: str) -> _Member | None:
        info = entries.get(name + ".npy")
        return None if info is None else _member_header(path, archive, info, name)

    marker = header("format")
    if marker is None or str(_member_data(path, archive, marker)[()]) != FORMAT_MARKER:
        raise ModelFileError(f"'{path}' is an .npz file but not an Embedding Studio model")
    version_member = header("version")
    if version_member is None:
        raise _invalid(path, "its format version is missing")
    version = int(_member_data(path, archive, version_member)[()])
    if version > FORMAT_VERSION:
        raise ModelFileError(
            f"'{path}' was written by a newer Embedding Studio (model format {version}, "
            f"this version reads up to {FORMAT_VERSION})"
        )
    if version < 1:
        raise _invalid(path, f"its format version {version} is not one Embedding Studio ever wrote")

    word_members = ("words",) if version == 1 else ("word_bytes", "word_lengths")
    needed = (*word_members, "counts", "vectors", "loss_history", "config", "state")
    members = {name: header(name) for name in (*needed, "output", *_RARE, *_TIMELINE, *_SUBWORDS)}
    missing = [name for name in needed if members[name] is None]
    if missing:
        raise _invalid(path, f"missing {', '.join(missing)}")
    n = members[word_members[-1]].shape[0]
    if members["counts"].shape[0] != n:
        raise _invalid(path, f"{members['counts'].shape[0]} counts for {n} words")
    vectors, output = members["vectors"], members["output"]
    if vectors.shape[0] != n:
        raise _invalid(path, f"vectors of shape {vectors.shape} for {n} words")
    low, high = INT_RANGES["dim"]
    if not low <= vectors.shape[1] <= high:
        raise _invalid(path, f"vectors of {vectors.shape[1]} dimensions (allowed: {range_text('dim')})")
    if output is not None and output.shape != vectors.shape:
        raise _invalid(path, f"output table of shape {output.shape}, vectors {vectors.shape}")
    if version >= 2 and members["word_bytes"].dtype.itemsize != 1:
        raise _invalid(path, "its word text is not an array of bytes")
    rare = [members[name] for name in _RARE]
    if any(m is None for m in rare) and any(m is not None for m in rare):
        raise _invalid(path, "its list of rare words is incomplete")
    if rare[0] is not None and (rare[0].dtype.itemsize != 1 or rare[1].shape != rare[2].shape):
        raise _invalid(path, "its list of rare words is damaged")
    timeline = [members[name] for name in _TIMELINE]
    if any(m is None for m in timeline) and any(m is not None for m in timeline):
        raise _invalid(path, "its training timeline is incomplete")
    if timeline[0] is not None:
        epochs, losses, codes, scales, maps = (m.shape for m in timeline)
        if (codes[2] != vectors.shape[1] or codes[1] > n or maps[1] > n or epochs[0] != codes[0]
                or losses != epochs or scales != codes[:2] or maps[0] != epochs[0] or maps[2] != 2
                or timeline[2].dtype.itemsize != 1):
            raise _invalid(path, "its training timeline's arrays do not fit together or the model")
    sizes, rows, ngrams = (members[name] for name in _SUBWORDS)
    if any(m is None for m in (sizes, rows, ngrams)) and any(m is not None for m in (sizes, rows, ngrams)):
        raise _invalid(path, "its subword vectors are incomplete")
    if sizes is not None and (sizes.shape != (2,) or rows.shape != vectors.shape or ngrams.shape[0] < 1
                              or ngrams.shape[1] != vectors.shape[1]):
        raise _invalid(path, "its subword vectors' arrays do not fit together or the model")
    _check_total(path, [m for m in members.values() if m is not None])
    arrays = {name: _member_data(path, archive, m) for name, m in members.items() if m is not None}
    return version, arrays


def _check_total(path: Path, members: list[_Member]) -> None:
    """Judge the members together, from their headers alone, before any of their data is decompressed.

    Each member passing its own allowance is not enough: a few hundred KB of deflated zeros can declare
    a dozen members of 64 MB, or 60 million one-byte words that cost gigabytes as Python strings. What
    loading costs (:func:`_load_cost`) may exceed the floor only up to a factor of the bytes the members
    take in the file, which is 1 for what :func:`save_model` writes (stored) and a few for a compressed
    copy of a real model; and no member may claim more bytes than the file has.
    """
    stored = sum(m.info.compress_size for m in members)
    size = path.stat().st_size
    if stored > size:
        raise _invalid(path, f"its members declare {stored:,} bytes in the archive, more than the file holds "
                             f"({size:,})")
    cost = _load_cost(members)
    if cost > max(_TOTAL_FLOOR, _TOTAL_EXPANSION * stored):
        raise _invalid(path, f"its members would take about {cost >> 20:,} MB of memory to read, from "
                             f"{stored:,} bytes in the file")


def _load_cost(members: list[_Member]) -> int:
    """Bytes that reading these members takes at its peak, from above (1.1-1.9 times tracemalloc's peak
    on models of 50k-1M words): their data, the chunks read, the copies made in another dtype, and every
    word (and rare word) as a Python string in the vocabulary."""
    cost = 2 * _READ_CHUNK  # a chunk read, and zipfile's own buffer
    for member in members:
        elements = math.prod(member.shape)
        cost += elements * member.dtype.itemsize
        if member.name in ("words", "word_bytes", "rare_word_bytes"):  # the text again as str (and bytes)
            cost += elements * member.dtype.itemsize * (1 if member.name == "words" else 2)
        target = _LOADED_AS.get(member.name)
        if target is not None and member.dtype != np.dtype(target):
            cost += elements * np.dtype(target).itemsize
        elif not member.dtype.isnative:
            cost += elements * member.dtype.itemsize
        if member.name in ("words", "word_lengths", "rare_word_lengths"):
            cost += elements * _WORD_COST
    return cost


def _member_header(path: Path, archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str) -> _Member:
    """Check a member from its zip entry and ``.npy`` header alone, decompressing only the header."""
    kinds, ndim = _MEMBERS[name]
    what = f"its member '{name}'"
    if info.file_size > max(_BOMB_FLOOR, _MAX_EXPANSION * info.compress_size):
        raise _invalid(path, f"{what} would expand from {info.compress_size:,} to {info.file_size:,} bytes")
    with _damaged(path), archive.open(info) as stream:
        start = stream.read(10)  # magic, version, and the header length (2 bytes in version 1.0)
        if len(start) < 10 or not start.startswith(np.lib.format.MAGIC_PREFIX):
            raise _invalid(path, f"{what} is not a NumPy array")
        npy_version = (start[6], start[7])
        if npy_version == (2, 0):
            start += stream.read(2)  # a 4-byte header length
        elif npy_version != (1, 0):
            raise _invalid(path, f"{what} is a NumPy array of an unsupported version {npy_version}")
        length = int.from_bytes(start[8:], "little")
        if length > _MAX_NPY_HEADER:
            raise _invalid(path, f"{what} has a {length:,}-byte array header")
        header = start + stream.read(length)
    with _damaged(path):
        raw = BytesIO(header)
        np.lib.format.read_magic(raw)
        fmt = np.lib.format
        read = fmt.read_array_header_1_0 if npy_version == (1, 0) else fmt.read_array_header_2_0
        shape, fortran, dtype = read(raw, max_header_size=_MAX_NPY_HEADER)
    if dtype.hasobject or dtype.kind not in kinds or dtype.itemsize == 0 or len(shape) != ndim:
        raise _invalid(path, f"{what} is an array of the wrong type ({dtype.str}, {len(shape)} dimensions)")
    if any(size < 0 for size in shape):
        raise _invalid(path, f"{what} has a negative size {shape}")
    if name in _MAX_CHARS and dtype.itemsize > 4 * _MAX_CHARS[name]:
        raise _invalid(path, f"{what} is longer than {_MAX_CHARS[name]:,} characters")
    declared = math.prod(shape) * dtype.itemsize
    if len(header) + declared != info.file_size:
        raise _invalid(
            path, f"{what} declares {declared:,} bytes of data but holds {info.file_size - len(header):,}"
        )
    return _Member(name, info, shape, fortran, dtype, len(header))


def _member_data(path: Path, archive: zipfile.ZipFile, member: _Member) -> np.ndarray:
    """The member's array, read in chunks into one buffer of its declared size: writable, native byte order."""
    size = member.info.file_size - member.offset
    buffer = np.empty(size, dtype=np.uint8)
    view = memoryview(buffer)
    with _damaged(path), archive.open(member.info) as stream:
        stream.read(member.offset)
        done = 0
        while done < size:
            chunk = stream.read(min(_READ_CHUNK, size - done))
            if not chunk:
                raise EOFError("a member ends before its declared size")
            view[done : done + len(chunk)] = chunk
            done += len(chunk)
    array = buffer.view(member.dtype).reshape(member.shape, order="F" if member.fortran else "C")
    if member.dtype.kind == "U":  # UCS-4 code units, which numpy does not check
        codes = buffer.view(np.dtype(np.uint32).newbyteorder(member.dtype.byteorder))
        if ((codes > 0x10FFFF) | ((codes >= 0xD800) & (codes <= 0xDFFF))).any():
            raise _invalid(path, f"its member '{member.name}' holds a code point that is no Unicode character")
    return array if array.dtype.isnative else array.astype(array.dtype.newbyteorder("="))


def _check_directory(path: Path, handle: Any) -> None:
    """Refuse an archive whose zip directory alone would be slow to parse (a model has a dozen entries).

    Judges the end record zipfile itself will use: found by zipfile's own reader, so that a zip64 record
    (which zipfile prefers to the classic one) is the one judged. Without one, zipfile reports the file
    as damaged. :func:`_check_entries` then counts the entries actually read.
    """
    end_record = getattr(zipfile, "_EndRecData", None)  # private, but it is what ZipFile runs
    if end_record is None:
        return  # the directory-size bound is lost, the count of the entries read still holds
    try:
        record = end_record(handle)
    except OSError:
        return  # zipfile fails the same way and says so
    if not record:
        return
    entries, directory_bytes = record[4], record[5]  # zipfile's _ECD_ENTRIES_TOTAL, _ECD_SIZE
    if entries > _MAX_ENTRIES or directory_bytes > _MAX_DIRECTORY_BYTES:
        raise _invalid(path, f"its archive lists {entries:,} entries in {directory_bytes:,} bytes")


def _check_entries(path: Path, archive: zipfile.ZipFile) -> None:
    """Count the entries zipfile read: it reads a directory by its size, whatever count the record gives."""
    if len(archive.filelist) > _MAX_ENTRIES:
        raise _invalid(path, f"its archive holds {len(archive.filelist):,} entries (a model has a dozen)")


@contextmanager
def _damaged(path: Path) -> Iterator[None]:
    """Whatever the zip, zlib and ``.npy`` readers raise on broken bytes becomes one clear line."""
    try:
        yield
    except (StudioError, MemoryError):
        raise
    except Exception as error:  # BadZipFile, EOFError, OSError, zlib.error, ValueError, NotImplementedError, ...
        raise ModelFileError(
            f"'{path}' is truncated or damaged and cannot be read ({short_reason(error)})"
        ) from error


def _invalid(path: Path, reason: str) -> ModelFileError:
    return ModelFileError(f"'{path}' is not a valid Embedding Studio model: {reason}")


def _model_from_arrays(path: Path, version: int, arrays: dict[str, np.ndarray]) -> Model:
    """Check the values the headers could not: words, counts, finite vectors, settings, state."""
    if version == 1:
        words = arrays["words"].tolist()
    else:
        words = _decoded_words(path, arrays["word_bytes"], arrays["word_lengths"])
    if not words:
        raise _invalid(path, "it holds no words")
    _check_no_control(path, words, "word")
    if not all(words):
        raise _invalid(path, "the word list holds an empty word")
    if len(set(words)) != len(words):
        raise _invalid(path, "the word list has duplicates")
    counts = arrays["counts"].astype(np.int64)  # a uint64 count past 2**63 turns negative: refused too
    if (counts < 0).any():
        raise _invalid(path, "a word has a negative count")
    with np.errstate(over="ignore"):  # float64 beyond float32's range becomes inf, refused below
        vectors = arrays["vectors"].astype(np.float32, copy=False)
        output = arrays.get("output")
        output = None if output is None else output.astype(np.float32, copy=False)
    for table, what in ((vectors, "vectors"), (output, "output vectors")):
        bad = None if table is None else unusable_vector(table)
        if bad is not None:
            raise _invalid(path, f"its {what} hold {bad[1]} (row {bad[0] + 1})")

    config_values = _json_field(path, arrays["config"], "training settings")
    if config_values is None:
        config = None
    elif isinstance(config_values, dict):
        try:
            config = TrainConfig.from_dict(config_values)
        except (StudioError, TypeError, ValueError) as error:
            raise _invalid(path, f"its training settings are invalid ({short_reason(error)})") from error
        if config.dim != vectors.shape[1]:
            raise _invalid(
                path, f"its training settings say {config.dim} dimensions, its vectors have {vectors.shape[1]}"
            )
    else:
        raise _invalid(path, "its training settings are not a JSON object")
    state_values = _json_field(path, arrays["state"], "training state")
    if state_values is None:
        state_values = {}
    if not isinstance(state_values, dict):
        raise _invalid(path, "its training state is not a JSON object")
    try:
        state = RunState.from_dict(state_values)
    except ValueError as error:
        raise _invalid(path, f"its training state is invalid ({short_reason(error)})") from error

    rare: dict[str, int] = {}
    if "rare_counts" in arrays:
        rare_words = _decoded_words(path, arrays["rare_word_bytes"], arrays["rare_word_lengths"])
        _check_no_control(path, rare_words, "rare word")
        rare_counts = arrays["rare_counts"].astype(np.int64)
        if (rare_counts < 1).any():
            raise _invalid(path, "a rare word has a count below one")
        rare = dict(zip(rare_words, rare_counts.tolist()))
    model = Model(
        Vocab(words, counts, rare, None if config is None else config.min_count),
        vectors,
        output,
        config,
        arrays["loss_history"].astype(np.float64, copy=False),
        state,
    )
    if "timeline_codes" in arrays:
        model.timeline = _timeline_from_arrays(path, arrays)
    if "subword_sizes" in arrays:
        model.subwords = _subwords_from_arrays(path, arrays)
    return model


def _check_no_control(path: Path, words: list[str], what: str) -> None:
    """A word holding a newline, tab, escape or other control character: refused, as every writer does."""
    bad = control_character_word(words)
    if bad is not None:
        raise _invalid(path, f"{what} {bad + 1:,}: {control_character_problem(words[bad])}")


def _subwords_from_arrays(path: Path, arrays: dict[str, np.ndarray]) -> Subwords:
    """The model's n-gram rows and own rows (their shapes were checked with the headers)."""
    min_n, max_n = (int(v) for v in arrays["subword_sizes"].astype(np.int64))
    if not 1 <= min_n <= max_n <= MAX_SUBWORD_N:
        raise _invalid(path, f"its subword n-gram lengths {min_n}..{max_n} are not within 1..{MAX_SUBWORD_N}")
    with np.errstate(over="ignore"):
        rows, ngrams = (arrays[name].astype(np.float32, copy=False) for name in ("subword_rows", "subword_ngrams"))
    for what, table in (("subword row", rows), ("n-gram row", ngrams)):
        if (bad := unusable_vector(table)) is not None:
            raise _invalid(path, f"{what} {bad[0] + 1:,} holds {bad[1]}")
    return Subwords(min_n, max_n, ngrams, rows)


def _timeline_from_arrays(path: Path, arrays: dict[str, np.ndarray]) -> Timeline:
    """The training timeline the file holds (its shapes were checked with the headers)."""
    timeline = Timeline(arrays["timeline_epochs"].astype(np.float64), arrays["timeline_losses"].astype(np.float64),
                        arrays["timeline_codes"].astype(np.int8), arrays["timeline_scales"].astype(np.float32),
                        arrays["timeline_maps"].astype(np.float32))
    problem = timeline.check()
    if problem:
        raise _invalid(path, f"its training timeline is damaged: {problem}")
    return timeline


def _decoded_words(path: Path, text: np.ndarray, lengths: np.ndarray) -> list[str]:
    """Format 2's words: one UTF-8 byte array cut at the given lengths, each at least one byte.

    Strict UTF-8 refuses what no word can hold: surrogates and code points above U+10FFFF.
    """
    lengths = lengths.astype(np.int64)
    # each length within 1..len(text), no more words than bytes: the sum stays below len(text) ** 2,
    # which cannot overflow for any word text under 3 GB
    if len(lengths) > len(text) or (lengths < 1).any() or (lengths > len(text)).any():
        raise _invalid(path, "its word lengths do not fit its word text")
    bounds = np.cumsum(lengths).tolist()
    total = bounds[-1] if bounds else 0
    if total != len(text):
        raise _invalid(path, f"its word lengths add up to {total:,} bytes, its word text has {len(text):,}")
    data = text.tobytes()
    try:
        return [data[start:end].decode("utf-8") for start, end in zip([0, *bounds[:-1]], bounds)]
    except UnicodeDecodeError as error:
        raise _invalid(path, f"a word is not valid UTF-8 ({error.reason})") from None


def _json_field(path: Path, value: np.ndarray, label: str) -> Any:
    """Parse a JSON text member, refusing deep nesting first (json.loads recurses once per level)."""
    text = str(value[()])
    if _json_depth(text) > _MAX_JSON_DEPTH:
        raise _invalid(path, f"its {label}: JSON nested deeper than {_MAX_JSON_DEPTH} levels")
    try:
        return json.loads(text)
    except ValueError as error:
        raise _invalid(path, f"its {label}: not valid JSON ({short_reason(error)})") from error


def _json_depth(text: str) -> int:
    """How deep the brackets of ``text`` nest, strings left out: one vectorised pass, linear in its length.

    A quote opens or closes a string unless an odd run of backslashes precedes it. That is exact for
    valid JSON (backslashes occur only inside strings), and json.loads stops at the first backslash
    outside a string, before it could nest deeper than the text up to there. (A regex that strips the
    strings retried an unterminated one from every quote: quadratic, minutes for a 50 KB member.)
    """
    # '"', '\\' and brackets are single bytes in UTF-8 and never part of a longer character
    data = np.frombuffer(text.encode("utf-8", "surrogatepass"), dtype=np.uint8)
    if not len(data):
        return 0
    positions = np.arange(len(data), dtype=np.int32)  # a member holds at most 4M bytes of JSON
    backslash = data == ord("\\")
    last_other = np.maximum.accumulate(np.where(backslash, np.int32(-1), positions))  # the last non-backslash
    escaped = np.zeros(len(data), dtype=bool)  # after an odd run of backslashes
    escaped[1:] = (positions[:-1] - last_other[:-1]) % 2 == 1
    quote = (data == ord('"')) & ~escaped
    outside = np.bitwise_xor.accumulate(quote.view(np.uint8)) == 0  # for a bracket: an even number of quotes before
    opens = ((data == ord("[")) | (data == ord("{"))).view(np.int8)
    closes = ((data == ord("]")) | (data == ord("}"))).view(np.int8)
    return int(np.cumsum(np.where(outside, opens - closes, 0), dtype=np.int32).max(initial=0))
