"""What the app remembers between runs: window layout, last settings and recent corpora (QSettings).

Everything goes through :func:`studio_settings`, an INI file in the user scope, so tests can point
``QSettings.setPath(IniFormat, UserScope, tmp)`` somewhere harmless and never touch a user's settings.
"""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import QSettings

ORGANISATION = "EmbeddingStudio"
APPLICATION = "Embedding Studio"
MAX_RECENT = 8


def studio_settings() -> QSettings:
    """The app's settings store (an INI file, the same on every platform)."""
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANISATION, APPLICATION)


def _read_json(key: str, default: Any) -> Any:
    raw = studio_settings().value(key, "")
    if not isinstance(raw, str) or not raw:
        return default
    try:
        return json.loads(raw)
    except ValueError:  # a hand-edited or foreign value: ignore it rather than fail to start
        return default


def _write_json(key: str, value: Any) -> None:
    settings = studio_settings()
    settings.setValue(key, json.dumps(value))
    settings.sync()


def recent_corpora() -> list[list[str]]:
    """Recently opened corpora, newest first; each entry is the list of paths that was opened."""
    entries = _read_json("recentCorpora", [])
    return [list(map(str, e)) for e in entries if isinstance(e, list) and e][:MAX_RECENT]


def remember_corpus(paths: list[str]) -> list[list[str]]:
    """Put ``paths`` at the top of the recent list; returns the new list."""
    entries = [e for e in recent_corpora() if e != paths]
    entries.insert(0, list(paths))
    _write_json("recentCorpora", entries[:MAX_RECENT])
    return entries[:MAX_RECENT]


def last_training_settings() -> dict[str, Any]:
    value = _read_json("trainingSettings", {})
    return value if isinstance(value, dict) else {}


def remember_training_settings(values: dict[str, Any]) -> None:
    _write_json("trainingSettings", values)


def save_window_layout(geometry: bytes, state: bytes) -> None:
    settings = studio_settings()
    settings.setValue("window/geometry", geometry)
    settings.setValue("window/state", state)
    settings.sync()


def window_layout() -> tuple[Any, Any]:
    settings = studio_settings()
    return settings.value("window/geometry"), settings.value("window/state")


def last_folder() -> str:
    """The folder the user last saved or exported into ("" before the first time): dialogs start there."""
    value = studio_settings().value("lastFolder", "")
    return value if isinstance(value, str) else ""


def remember_folder(path: str) -> None:
    """Remember the folder of ``path`` (a file or, for the Projector export, a folder) for the next dialog."""
    from pathlib import Path

    folder = Path(path) if Path(path).is_dir() else Path(path).parent
    settings = studio_settings()
    settings.setValue("lastFolder", str(folder))
    settings.sync()


def edited_function_words(language: str) -> list[str] | None:
    """The user's own list of function words for ``language``, or None: the maintained list."""
    words = _read_json(f"functionWords/{language}", None)
    return [str(w) for w in words] if isinstance(words, list) else None


def remember_function_words(language: str, words: list[str] | None) -> None:
    """Keep the user's list for ``language`` (None: back to the maintained list)."""
    if words is None:
        studio_settings().remove(f"functionWords/{language}")
    else:
        _write_json(f"functionWords/{language}", sorted(words))
