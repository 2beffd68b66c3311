"""Model files (``.npz``) and vectors files (word2vec text/binary, GloVe, TensorFlow projector TSV): the
public surface, and :func:`load_any`, which tells them apart.

Writing: every file is written through :func:`core.files.atomic_write`, so a crash or an error midway leaves the
old file (if any) untouched and no half-written file behind. The projector's two files are both written
before either is moved into place. A model or word that could not be written or read back is refused
before anything is written.

Reading: any problem with a file the user gave us becomes a :class:`~core.errors.ModelFileError` with
one line naming the file (and the line or vector, for vectors files). The formats live in
:mod:`.model_file`, :mod:`.word2vec_format` and :mod:`.projector`, what they share in :mod:`.file_checks`.
"""

from __future__ import annotations

import os
from pathlib import Path

from .fasttext_format import is_fasttext, load_fasttext
from .file_checks import EMPTY_ZIP_MAGIC, ZIP_MAGIC, Progress, check_readable
from .model import Model
from .model_file import FORMAT_MARKER, FORMAT_VERSION, load_model, save_model
from .projector import save_projector_tsv
from .word2vec_format import load_vectors, save_word2vec

__all__ = ["FORMAT_MARKER", "FORMAT_VERSION", "load_any", "load_fasttext", "load_model", "load_vectors", "save_model",
           "save_projector_tsv", "save_word2vec"]


def load_any(path: str | os.PathLike, progress: Progress | None = None) -> Model:
    """A model file (``.npz``, or anything that starts like a zip archive), a fastText ``.bin`` model
    (told by its magic number) or a vectors file.

    The format is told here so that callers need not: ``progress(bytes_done, bytes_total)`` follows
    the reading of a vectors file, the slow case; a model file is read in one go, without reports.
    """
    path = Path(path)
    magic = check_readable(path, "file")
    if path.suffix.lower() == ".npz" or magic[:4] in (ZIP_MAGIC, EMPTY_ZIP_MAGIC):
        return load_model(path)
    if is_fasttext(magic):
        return load_fasttext(path)
    return load_vectors(path, progress=progress)
