"""Facebook fastText's binary models (``.bin``): the words' vectors, and their subword n-grams so that
words the model never saw answer from their letters. (fastText's ``.vec`` is word2vec text, read by
:mod:`.word2vec_format`.)

The layout (fastText 0.9's ``FastText::saveModel``, little-endian): the magic number and version; the
training arguments (12 int32: dim, ws, epoch, minCount, neg, wordNgrams, loss, model, bucket, minn, maxn,
lrUpdateRate, then the float64 sampling threshold); the dictionary (int32 size, nwords, nlabels, int64
ntokens, pruneidx_size, then each entry as its NUL-ended bytes, an int64 count and an int8 type, then the
pruned index's int32 pairs); the input matrix (a bool "quantized", int64 rows and columns, float32 rows:
``nwords`` words then ``bucket`` n-grams); the output matrix, likewise.

A file is treated as hostile: every count is bounded by the bytes left in the file before anything is
allocated, and any problem is one line naming the file. Quantized models (``.ftz``) are refused.
"""

from __future__ import annotations

import mmap
import os
import struct
from pathlib import Path

import numpy as np

from ..config import INT_RANGES, range_text
from ..errors import ModelFileError
from ..text.vocab import Vocab
from .file_checks import control_character_problem, control_character_word, reading, unusable_vector
from .model import Model, RunState
from .subwords import MAX_SUBWORD_N, Subwords, compose_rows, ngram_hashes

#: fastText's file magic (int32) and the versions of its format read here.
FASTTEXT_MAGIC = 793712314
FASTTEXT_VERSIONS = (11, 12)
MAGIC_BYTES = struct.pack("<i", FASTTEXT_MAGIC)

_ARGS = struct.Struct("<10id")  # after dim and ws
_DICT = struct.Struct("<3iqq")
_OLD_DICT = struct.Struct("<3iq")  # no pruned index
_MATRIX = struct.Struct("<?qq")
_OLD_MATRIX = struct.Struct("<qq")  # no "quantized" flag
_ENTRY_TAIL = 9  # int64 count, int8 type
_MAX_WORD_BYTES = 1 << 16  # fastText cuts nothing, but no real word is longer
_MAX_OLD_WINDOW = 10_000  # a window wider than this in the old format's second field: not fastText


def is_fasttext(magic: bytes) -> bool:
    """Whether a file's first bytes are fastText's: its magic number, or (the format before fastText
    0.2, which gensim's test data still uses) two small int32, the dimensions and the window, whose zero
    bytes no word2vec or GloVe text file starts with."""
    if magic[:4] == MAGIC_BYTES:
        return True
    if len(magic) < 8:
        return False
    dim, window = struct.unpack("<2i", magic[:8])
    return 1 <= dim <= INT_RANGES["dim"][1] and 1 <= window <= _MAX_OLD_WINDOW


def load_fasttext(path: str | os.PathLike) -> Model:
    """Read a fastText ``.bin`` model: its words' vectors (fastText's, each the mean of the word's own row
    and its n-grams' rows) and, when it has n-grams, the table that answers unseen words."""
    path = Path(path)
    with reading(path), open(path, "rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        if size < 8:
            raise _bad(path, "it is too short to be a fastText model")
        with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
            return _parse(path, data, size)


def _parse(path: Path, data: mmap.mmap, size: int) -> Model:
    reader = _Reader(path, data, size)
    magic, version = reader.unpack(struct.Struct("<2i"), "its header")
    new = magic == FASTTEXT_MAGIC
    if new:
        if version not in FASTTEXT_VERSIONS:
            raise _bad(path, f"its format version is {version}; versions "
                             f"{', '.join(map(str, FASTTEXT_VERSIONS))} are read")
        dim, _ws = reader.unpack(struct.Struct("<2i"), "its training arguments")
    else:  # before fastText 0.2: no magic, the arguments start with dim and ws
        dim, _ws = magic, version
    _epoch, _min_count, _neg, _word_ngrams, _loss, _model, bucket, min_n, max_n, _lr_rate, _t = \
        reader.unpack(_ARGS, "its training arguments")
    low, high = INT_RANGES["dim"]
    if not low <= dim <= high:
        raise _bad(path, f"its vectors have {dim} dimensions (allowed: {range_text('dim')})")
    if bucket < 0 or min_n < 0 or max_n < 0 or max_n > MAX_SUBWORD_N:
        raise _bad(path, f"its n-gram settings are impossible (bucket {bucket}, minn {min_n}, maxn {max_n})")

    if new:
        entries, nwords, nlabels, _ntokens, pruned = reader.unpack(_DICT, "its dictionary header")
    else:
        (entries, nwords, nlabels, _ntokens), pruned = reader.unpack(_OLD_DICT, "its dictionary header"), -1
    if nwords < 1 or entries < nwords or nlabels < 0 or entries != nwords + nlabels:
        raise _bad(path, f"its dictionary says {entries} entries, {nwords} words and {nlabels} labels")
    if entries * (1 + _ENTRY_TAIL) > reader.left:
        raise _bad(path, f"{entries:,} dictionary entries cannot fit in the {reader.left:,} bytes left: truncated?")
    raw_words, counts = reader.dictionary(entries, nwords)
    if pruned > 0:
        raise _bad(path, "it is a pruned (quantized) model; fastText's quantized models (.ftz) are not read, "
                         "open the .bin they were made from, or its .vec")
    if pruned < -1:
        raise _bad(path, f"its pruned-index size {pruned} is impossible")

    quantized, rows, cols = reader.matrix_header(new, "its input matrix header")
    if quantized:
        raise _bad(path, "it is a quantized model (.ftz), which is not read; open the .bin it was made from, "
                         "or its .vec")
    if cols != dim or rows != nwords + bucket:
        raise _bad(path, f"its input matrix is {rows:,} x {cols}, expected {nwords + bucket:,} x {dim} "
                         f"({nwords:,} words + {bucket:,} n-gram buckets)")
    table = reader.floats(rows, cols, "its input matrix")
    output = None
    if reader.left:
        out_quantized, out_rows, out_cols = reader.matrix_header(new, "its output matrix header")
        if out_quantized:
            raise _bad(path, "its output matrix is quantized (.ftz), which is not read")
        if out_cols != dim or out_rows < 0:
            raise _bad(path, f"its output matrix is {out_rows:,} x {out_cols}, expected {dim} columns")
        out_table = reader.floats(out_rows, out_cols, "its output matrix")
        if reader.left:
            raise _bad(path, f"it has {reader.left:,} bytes after its output matrix")
        if out_rows == nwords:  # skip-gram / CBOW with negative sampling: one output row per word
            output = out_table
    for what, values in (("input", table), ("output", output)):
        if values is not None and (bad := unusable_vector(values)) is not None:
            raise _bad(path, f"its {what} matrix holds {bad[1]} (row {bad[0] + 1})")

    words = _decoded(path, raw_words)
    own = table[:nwords]
    subwords = None
    if bucket > 0 and max_n > 0 and min_n <= max_n:
        min_n = max(1, min_n)  # fastText's minn 0 hashes what minn 1 does
        subwords = Subwords(min_n, max_n, table[nwords:], own)
        offsets, ngram_rows = ngram_hashes(raw_words, min_n, max_n, bucket)
        vectors = compose_rows(own, subwords.ngrams, offsets, ngram_rows)
    else:
        vectors = own
    model = Model(Vocab(words, counts), vectors, output, state=RunState(trained_by="fastText (Facebook's .bin)"))
    model.subwords = subwords
    return model


class _Reader:
    """Reads a file's fields in order, each checked against the bytes left before it is taken."""

    def __init__(self, path: Path, data: mmap.mmap, size: int):
        self.path, self.data, self.size, self.at = path, data, size, 0

    @property
    def left(self) -> int:
        return self.size - self.at

    def unpack(self, layout: struct.Struct, what: str) -> tuple:
        if layout.size > self.left:
            raise _bad(self.path, f"it ends inside {what}: truncated")
        values = layout.unpack_from(self.data, self.at)
        self.at += layout.size
        return values

    def matrix_header(self, new: bool, what: str) -> tuple[bool, int, int]:
        """(quantized, rows, columns); the old format has no "quantized" flag."""
        return self.unpack(_MATRIX, what) if new else (False, *self.unpack(_OLD_MATRIX, what))

    def dictionary(self, entries: int, nwords: int) -> tuple[list[bytes], np.ndarray]:
        """The words' bytes and counts (labels, in supervised models, are read past and left out)."""
        words: list[bytes] = []
        counts = np.zeros(nwords, dtype=np.int64)
        data, find = self.data, self.data.find
        for i in range(entries):
            end = find(b"\0", self.at, min(self.size, self.at + _MAX_WORD_BYTES + 1))
            if end < 0:
                raise _bad(self.path, f"dictionary entry {i + 1} has no end within {_MAX_WORD_BYTES:,} bytes: "
                                      "truncated or damaged")
            if end == self.at:
                raise _bad(self.path, f"dictionary entry {i + 1} is an empty word")
            if end + 1 + _ENTRY_TAIL > self.size:
                raise _bad(self.path, f"it ends inside dictionary entry {i + 1}: truncated")
            if i < nwords:
                words.append(bytes(data[self.at:end]))
                count, kind = struct.unpack_from("<qb", data, end + 1)
                if count < 0 or kind != 0:
                    raise _bad(self.path, f"dictionary entry {i + 1} has count {count} and type {kind}; "
                                          "a word needs a count of at least 0 and type 0")
                counts[i] = count
            self.at = end + 1 + _ENTRY_TAIL
        return words, counts

    def floats(self, rows: int, cols: int, what: str) -> np.ndarray:
        if rows < 0 or cols < 0 or rows * cols * 4 > self.left:
            raise _bad(self.path, f"{what} of {rows:,} x {cols} floats cannot fit in the {self.left:,} bytes left: "
                                  "truncated or damaged")
        values = np.frombuffer(self.data, dtype="<f4", count=rows * cols, offset=self.at)
        self.at += rows * cols * 4
        return values.astype(np.float32).reshape(rows, cols)  # a copy: the file's map closes after reading


def _decoded(path: Path, raw: list[bytes]) -> list[str]:
    """Words as UTF-8; a byte that is not UTF-8 is kept as a visible ``\\xNN`` (as gensim reads them, so
    the words match its keys), never guessed into Latin-1, whose C1 range is terminal controls. Two equal
    words are refused."""
    words = [word.decode("utf-8", errors="backslashreplace") for word in raw]
    if len(set(words)) != len(words):
        raise _bad(path, "its dictionary holds the same word twice")
    if (bad := control_character_word(words)) is not None:  # as every other reader refuses
        raise _bad(path, f"word {bad + 1:,}: {control_character_problem(words[bad])}")
    return words


def _bad(path: Path, reason: str) -> ModelFileError:
    return ModelFileError(f"'{path}' is not a readable fastText model: {reason}")
