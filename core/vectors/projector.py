"""The TensorFlow Embedding Projector's pair of files: vectors.tsv and metadata.tsv, moved into place together."""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np

from ..errors import ModelFileError, StudioError
from ..files import atomic_write_all
from .file_checks import BLOCK_LINES, control_character_problem, control_character_word
from .model import Model

_SURROGATE = re.compile("[\ud800-\udfff]")


def save_projector_tsv(model: Model, directory: str | os.PathLike) -> tuple[Path, Path]:
    """Write ``vectors.tsv`` and ``metadata.tsv`` for https://projector.tensorflow.org.

    ``vectors.tsv``: one row of tab-separated numbers per word, no header. ``metadata.tsv``: one
    word per line, no header (the projector expects none for a single column). Both are written to
    temporary files first and moved into place together, so a failure leaves neither (nor an old pair
    half replaced). A word holding a control character is refused first: a tab or newline would break
    the metadata's lines, and no model file or vectors file holds one.
    """
    bad = control_character_word(model.words)
    if bad is not None:
        raise StudioError(f"cannot write to a projector file: {control_character_problem(model.words[bad])}")
    directory = Path(directory)
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ModelFileError(f"Cannot create folder '{directory}': {error.strerror or error}") from error
    vectors_path = directory / "vectors.tsv"
    metadata_path = directory / "metadata.tsv"
    vectors = np.asarray(model.vectors, dtype=np.float32)
    template = "\t".join(["%.7g"] * model.dim) + "\n"
    try:
        _write_projector_files(vectors_path, metadata_path, vectors, template, model.words)
    except OSError as error:
        raise ModelFileError(f"Cannot write '{directory}': {error.strerror or error}") from error
    return vectors_path, metadata_path


def _write_projector_files(vectors_path: Path, metadata_path: Path, vectors: np.ndarray, template: str,
                           words: list[str]) -> None:
    # Both files are written and synced before either is moved into place (atomic_write_all): a kill in
    # between leaves the old pair whole, never new labels beside old vectors.
    with atomic_write_all([vectors_path, metadata_path], "w") as (vectors_file, metadata_file):
        for start in range(0, len(vectors), BLOCK_LINES):
            block = vectors[start : start + BLOCK_LINES].tolist()
            vectors_file.write("".join(template % tuple(row) for row in block))
        metadata_file.write("".join(_tsv_safe(w) + "\n" for w in words))
        vectors_file.flush()  # a full disk fails here, before either file is moved into place
        metadata_file.flush()


def _tsv_safe(word: str) -> str:
    """The word in valid UTF-8: the metadata only labels points, so lone surrogates (which UTF-8 cannot
    hold) become U+FFFD rather than failing the export. (Control characters were refused before.)"""
    return _SURROGATE.sub("\ufffd", word)


