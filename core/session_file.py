"""A session file: what the user was working on, so that another run of the app can bring it all back.

A session is a small JSON file (``.esession``) and, beside it, the model it shows as an ordinary model
file (``NAME.model.npz``) and the compared model's (``NAME.compared.npz``): the model travels *beside* the
session, not inside it, so that it stays a model any other tool or ``embedding-studio similar`` opens, and
a session of a model opened from a file still works after that file is gone. Paths to the corpus are kept
as they were (absolute); the model files are named relative to the session, so the three can be moved
together. Every file is written atomically (models first, then the JSON that names them), so a crash
leaves the previous session whole.

The format is versioned (``FORMAT_VERSION``). A file written by an older version opens: fields added
since take their defaults. A file written by a newer version, or a file that is not a session, is
refused with a message that says so. This module knows no Qt: the window gathers its state into a
:class:`SessionState` and applies one (``gui.sessions``).
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from .errors import StudioError
from .files import atomic_write

FORMAT_MARKER = "embedding-studio session"
FORMAT_VERSION = 1
SUFFIX = ".esession"
MODEL_SUFFIX = ".model.npz"
COMPARED_SUFFIX = ".compared.npz"
MAX_BYTES = 16 * 1024 * 1024  # a session is a few kilobytes; a larger "session" is not one


class SessionFileError(StudioError):
    """A session file that cannot be read: missing, damaged, foreign, or from a newer version."""


@dataclass
class MapState:
    """How the map looked: the projection, which words, how many labels, the colouring and the zoom."""

    projection: str = "pca"
    drawn_count: int = 300
    rank_from: int = 1
    labels: int = 80
    colour: str = ""  # the Colour box's text ("" keeps the app's default)
    before: str = ""  # the Before box's text
    trails: bool = True
    view_range: list[list[float]] | None = None  # [[x0, x1], [y0, y1]] when zoomed; None: fitted to the words


@dataclass
class ExploreState:
    """The Explore tab that was open and what was typed in it."""

    tab: str = ""
    query: str = ""


@dataclass
class SessionState:
    """Everything a session brings back. Paths are absolute; ``model_file`` and ``compared_file`` are
    resolved against the session's folder when it is read."""

    corpus_paths: list[str] = field(default_factory=list)  # empty: the demo corpus
    settings: dict[str, Any] = field(default_factory=dict)  # the training panel's values as typed
    model_file: str | None = None  # the model shown, written beside the session
    model_origin: str | None = None  # the file that model was first read from (None: trained here)
    model_unsaved: bool = False  # trained here and never saved as a model: closing would have lost it
    compared_file: str | None = None  # the compared model, written beside the session
    compared_origin: str | None = None  # the file the compared model was read from
    map: MapState = field(default_factory=MapState)
    selection: list[str] = field(default_factory=list)
    highlighted: list[str] = field(default_factory=list)
    explore: ExploreState = field(default_factory=ExploreState)
    writer_pid: int | None = None  # the process that wrote it (recovery copies: is it still running?)

    def missing_corpus_paths(self) -> list[str]:
        """The corpus paths that are no longer where the session found them (moved or deleted)."""
        return [p for p in self.corpus_paths if not Path(p).exists()]


def model_paths(path: str | os.PathLike) -> tuple[Path, Path]:
    """Where the session at ``path`` keeps its model and its compared model (beside it)."""
    path = Path(path)
    stem = path.name[: -len(SUFFIX)] if path.name.endswith(SUFFIX) else path.name
    return path.with_name(stem + MODEL_SUFFIX), path.with_name(stem + COMPARED_SUFFIX)


def to_json(state: SessionState, folder: Path | None = None) -> str:
    """The session as the file's text; model files named relative to ``folder`` when inside it."""
    data = asdict(state)
    for key in ("model_file", "compared_file"):
        if data[key] is not None and folder is not None:
            data[key] = _relative(Path(data[key]), folder)
    return json.dumps({"format": FORMAT_MARKER, "version": FORMAT_VERSION, **data}, indent=1, ensure_ascii=False)


def write_session(state: SessionState, path: str | os.PathLike) -> None:
    """Write ``state`` to ``path`` atomically. The model files it names are written first, by the caller
    (at :func:`model_paths`), so the session never names a model file that is not there yet."""
    path = Path(path)
    if path.is_dir():
        raise SessionFileError(f"{path} is a folder; a session needs a file name")
    try:
        with atomic_write(path, "w") as handle:
            handle.write(to_json(state, path.parent))
    except OSError as error:
        raise SessionFileError(f"cannot write {path}: {error.strerror or error}") from None


def read_session(path: str | os.PathLike) -> SessionState:
    """Read a session file; :class:`SessionFileError` with a one-line reason when it cannot be used."""
    path = Path(path)
    if not path.exists():
        raise SessionFileError(f"no such session file: {path}")
    if not path.is_file():
        raise SessionFileError(f"{path} is not a file")
    try:
        if path.stat().st_size > MAX_BYTES:
            raise SessionFileError(f"{path} is not an Embedding Studio session (too large)")
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise SessionFileError(f"cannot read {path}: {getattr(error, 'strerror', None) or error}") from None
    try:
        data = json.loads(text)
    except ValueError:
        raise SessionFileError(f"{path} is not an Embedding Studio session (not JSON, or damaged)") from None
    return from_dict(data, path)


def from_dict(data: Any, path: Path) -> SessionState:
    """The state a decoded file holds; refuses foreign files and newer versions, fills in missing fields."""
    if not isinstance(data, dict) or data.get("format") != FORMAT_MARKER:
        raise SessionFileError(f"{path} is not an Embedding Studio session")
    version = data.get("version")
    if not isinstance(version, int) or version < 1:
        raise SessionFileError(f"{path}: unknown session format version {version!r}")
    if version > FORMAT_VERSION:
        raise SessionFileError(f"{path} was written by a newer Embedding Studio (session format {version}); "
                               f"this one reads formats up to {FORMAT_VERSION}: please update the app")
    try:
        state = SessionState(
            **{f.name: data[f.name] for f in fields(SessionState)
               if f.name in data and f.name not in ("map", "explore")},
            map=_nested(MapState, data.get("map")), explore=_nested(ExploreState, data.get("explore")))
        _check_types(state)
    except (TypeError, ValueError) as error:
        raise SessionFileError(f"{path} is a damaged session: {error}") from None
    for key in ("model_file", "compared_file"):
        value = getattr(state, key)
        if value is not None:
            setattr(state, key, str((path.parent / value).resolve()) if not Path(value).is_absolute() else value)
    return state


def _nested(kind: type, value: Any) -> Any:
    if value is None:
        return kind()
    if not isinstance(value, dict):
        raise SessionFileError(f"expected an object for {kind.__name__}, got {type(value).__name__}")
    names = {f.name for f in fields(kind)}
    return kind(**{k: v for k, v in value.items() if k in names})  # a field this version lacks is ignored


def _check_types(state: SessionState) -> None:
    """Refuse values of the wrong kind here, once, rather than as a traceback in the window later."""
    def strings(name: str, value: Any) -> None:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValueError(f"{name} must be a list of strings")

    strings("corpus_paths", state.corpus_paths)
    strings("selection", state.selection)
    strings("highlighted", state.highlighted)
    if not isinstance(state.settings, dict):
        raise ValueError("settings must be an object")
    for name in ("model_file", "model_origin", "compared_file", "compared_origin"):
        value = getattr(state, name)
        if value is not None and not isinstance(value, str):
            raise ValueError(f"{name} must be a path")
    m = state.map
    if not isinstance(m.projection, str) or not all(isinstance(v, int) and not isinstance(v, bool)
                                                    for v in (m.drawn_count, m.rank_from, m.labels)):
        raise ValueError("the map's projection or word counts are of the wrong kind")
    if m.view_range is not None:
        ok = (isinstance(m.view_range, list) and len(m.view_range) == 2
              and all(isinstance(r, list) and len(r) == 2 and all(isinstance(v, (int, float)) for v in r)
                      for r in m.view_range))
        if not ok:
            raise ValueError("the map's zoom must be [[x0, x1], [y0, y1]]")
    if not isinstance(state.explore.tab, str) or not isinstance(state.explore.query, str):
        raise ValueError("the Explore tab and query must be text")


def _relative(target: Path, folder: Path) -> str:
    try:
        return str(target.resolve().relative_to(folder.resolve()))
    except ValueError:
        return str(target)
